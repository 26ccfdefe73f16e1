package crosssessiontest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// preflight sends the CORS preflight for the request and checks its
// answer (Fetch, "CORS-preflight fetch"; BROWSER-RULES 40-42). It never
// carries cookies, and cookies it sets are not stored.
func (p *Page) preflight(res *Response, page *url.URL, chain []*url.URL, method string, hdr http.Header, origin string,
	include bool) *CORSError {
	b := p.b
	cur := chain[len(chain)-1]
	h := http.Header{}
	h.Set("Accept", "*/*")
	h.Set("Origin", origin)
	h.Set("Access-Control-Request-Method", method)
	names := unsafeHeaderNames(hdr)
	if len(names) > 0 {
		h.Set("Access-Control-Request-Headers", strings.Join(names, ","))
	}
	h.Set("User-Agent", b.profile.UserAgent())
	if trustworthy(cur) {
		h.Set("Sec-Fetch-Site", secFetchSite(page, chain))
		h.Set("Sec-Fetch-Mode", "cors")
		h.Set("Sec-Fetch-Dest", "empty")
	}
	got, err := b.roundTrip(http.MethodOptions, cur, h, "", false)
	status, rh := got.status, got.header
	res.Trace = append(res.Trace, Exchange{Preflight: true, Method: http.MethodOptions, URL: cur.String(), RequestHeader: h,
		Status: status, ResponseHeader: rh})
	if err != nil {
		return corsError("PreflightMissingAllowOriginHeader", "the preflight got no response: "+err.Error(), true, cur, origin)
	}
	for _, line := range rh.Values("Set-Cookie") {
		sc, _ := parseSetCookie(line)
		res.Refused = append(res.Refused, CookieRefusal{Name: sc.name, Stage: StageSet, URL: cur.String(),
			Reason: ReasonPreflight, Reasons: []string{ReasonPreflight},
			Detail: "a preflight response never sets cookies"})
	}
	if e := corsCheck(rh, origin, include, true, cur); e != nil {
		return e
	}
	if isRedirect(status) {
		return corsError("PreflightDisallowedRedirect", "Redirect is not allowed for a preflight request.", true, cur, origin)
	}
	if status < 200 || status > 299 {
		return corsError("PreflightInvalidStatus", "It does not have HTTP ok status.", true, cur, origin)
	}
	methods, ok := parseList(rh, "Access-Control-Allow-Methods")
	if !ok {
		return corsError("InvalidAllowMethodsPreflightResponse", "Cannot parse Access-Control-Allow-Methods response header field in preflight response.", true, cur, origin)
	}
	allowed, ok := parseList(rh, "Access-Control-Allow-Headers")
	if !ok {
		return corsError("InvalidAllowHeadersPreflightResponse", "Cannot parse Access-Control-Allow-Headers response header field in preflight response.", true, cur, origin)
	}
	// Methods compare case-sensitively; "*" is a wildcard only without
	// credentials (BROWSER-RULES 41, 42).
	if !slices.Contains(methods, method) && method != "GET" && method != "HEAD" && method != "POST" &&
		(include || !slices.Contains(methods, "*")) {
		return corsError("MethodDisallowedByPreflightResponse",
			fmt.Sprintf("Method %s is not allowed by Access-Control-Allow-Methods in preflight response.", method), true, cur, origin)
	}
	// Header names compare case-insensitively; "*" is a wildcard only
	// without credentials and, in Firefox, never covers Authorization.
	wildcard := !include && slices.Contains(allowed, "*")
	for _, n := range names {
		listed := slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, n) })
		covered := wildcard && !(n == "authorization" && b.profile == Firefox)
		if !listed && !covered {
			return corsError("HeaderDisallowedByPreflightResponse",
				fmt.Sprintf("Request header field %s is not allowed by Access-Control-Allow-Headers in preflight response.", n), true, cur, origin)
		}
	}
	b.cachePreflight(p.b.profile.site(page), origin, cur, method, names, methods, allowed, include, rh.Get("Access-Control-Max-Age"))
	return nil
}

// A preflightEntry is one entry of the CORS-preflight cache (Fetch,
// "CORS-preflight cache"): a method or a header name a successful
// preflight allowed, for requests from origin to url under the top-level
// site key, until expires.
type preflightEntry struct {
	key, origin, url string
	credentials      bool   // made by a credentialed request: matches every request; else only uncredentialed ones
	method, header   string // one of the two; header names lowercase
	expires          time.Time
}

// maxPreflightAge is each engine's cap on Access-Control-Max-Age
// (BROWSER-RULES 45).
func (p Profile) maxPreflightAge() time.Duration {
	switch p {
	case Firefox:
		return 86400 * time.Second
	case WebKit:
		return 600 * time.Second
	}
	return 7200 * time.Second
}

// cachePreflight keeps what a successful preflight allowed (Fetch,
// "CORS-preflight fetch" steps 7.5-7.9): its methods and header names, or
// the request's own when the list is "*" (a wildcard without credentials
// only), for Access-Control-Max-Age seconds (5 without it), capped per
// engine; a negative value caches nothing.
func (b *Browser) cachePreflight(key, origin string, u *url.URL, method string, names, methods, headers []string, include bool,
	maxAge string) {
	age := 5 * time.Second
	if n, err := strconv.ParseInt(strings.TrimSpace(maxAge), 10, 64); err == nil {
		if n < 0 {
			return
		}
		age = min(time.Duration(n)*time.Second, b.profile.maxPreflightAge())
	}
	if !include && slices.Contains(methods, "*") || len(methods) == 0 {
		methods = []string{method}
	}
	if !include && slices.Contains(headers, "*") {
		headers = names
	}
	now := b.now()
	target := withoutFragment(u)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.preflightsSent == nil {
		b.preflightsSent = map[string]int{}
	}
	b.preflightsSent[key+" "+origin+" "+target]++
	add := func(e preflightEntry) {
		e.key, e.origin, e.url, e.credentials, e.expires = key, origin, target, include, now.Add(age)
		if i := slices.IndexFunc(b.preflights, func(o preflightEntry) bool {
			return o.key == e.key && o.origin == e.origin && o.url == e.url && o.credentials == e.credentials &&
				o.method == e.method && o.header == e.header
		}); i >= 0 {
			b.preflights[i] = e
			return
		}
		b.preflights = append(b.preflights, e)
	}
	for _, m := range methods {
		add(preflightEntry{method: m})
	}
	for _, h := range headers {
		add(preflightEntry{header: strings.ToLower(h)})
	}
}

// preflightCached reports whether the CORS-preflight cache spares the
// request its preflight: its method is safelisted or has a method cache
// entry match, and each of its CORS-unsafe header names a header-name
// cache entry match (Fetch, "HTTP fetch" step 4.1).
func (b *Browser) preflightCached(key, origin string, u *url.URL, method string, names []string, include bool) bool {
	now := b.now()
	target := withoutFragment(u)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.profile == Firefox && hostOf(u) != "localhost" && b.preflightsSent[key+" "+origin+" "+target] < firefoxPreflightsBeforeCache {
		return false
	}
	match := func(f func(preflightEntry) bool) bool {
		return slices.ContainsFunc(b.preflights, func(e preflightEntry) bool {
			return e.key == key && e.origin == origin && e.url == target && (e.credentials || !include) &&
				e.expires.After(now) && f(e)
		})
	}
	if method != "GET" && method != "HEAD" && method != "POST" &&
		!match(func(e preflightEntry) bool { return e.method == method || e.method == "*" && !include }) {
		return false
	}
	for _, n := range names {
		if !match(func(e preflightEntry) bool { return e.header == n || e.header == "*" && !include }) {
			return false
		}
	}
	return true
}

// firefoxPreflightsBeforeCache: Firefox 153, as measured, sends the
// preflight again on the second preflighted request to a URL whose host
// is not "localhost", although the first preflight's Access-Control-Max-Age
// (7200) covers it: e2e cells b-prod-subdomain × firefox (the logout's
// DELETE after the login's preflight) and every c-hybrid-* × firefox
// (the logout's DELETE after the login's or the Handoff redeem's), and
// the same with 127.0.0.1 and api.localhost; APIs on localhost reuse it at
// once (a-dev-localhost, d-dev-127-to-localhost × firefox). Longer
// sequences in the same harness reused the cache after two or three
// preflights to the URL; the client reuses it from the third preflighted
// request on. BROWSER-RULES 45 has only the cap (86400 s).
const firefoxPreflightsBeforeCache = 2
