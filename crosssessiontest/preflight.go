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

// preflightQuery is what a preflight asks, and what the CORS-preflight
// cache is looked up by: may origin send method with the header names to
// url, with or without credentials, under the top-level site key.
type preflightQuery struct {
	key, origin string
	url         *url.URL
	target      string // url without its fragment: the cache's URL
	method      string
	names       []string // the CORS-unsafe request-header names (unsafeHeaderNames)
	include     bool     // credentials: 'include'
}

func (q preflightQuery) fail(kind, detail string) *CORSError {
	return corsError(kind, detail, true, q.url, q.origin)
}

// safelistedMethod: GET, HEAD and POST need no preflight (BROWSER-RULES
// 43).
func safelistedMethod(m string) bool { return m == "GET" || m == "HEAD" || m == "POST" }

// needsPreflight: a CORS request whose method or headers are not
// safelisted, unless the preflight cache covers it (BROWSER-RULES 43, 45).
func (b *Browser) needsPreflight(r *fetchRequest, q preflightQuery) bool {
	return r.tainting == "cors" && (!safelistedMethod(q.method) || len(q.names) > 0) && !b.preflightCached(q)
}

// preflight sends the CORS preflight for the request and checks its
// answer (Fetch, "CORS-preflight fetch"; BROWSER-RULES 40-42). It never
// carries cookies, and cookies it sets are not stored.
func (p *Page) preflight(res *Response, r *fetchRequest, q preflightQuery) *CORSError {
	got, err := p.b.sendPreflight(res, r, q)
	if err != nil {
		return q.fail("PreflightMissingAllowOriginHeader", "the preflight got no response: "+err.Error())
	}
	refusePreflightCookies(res, got.header, q.url)
	if e := checkPreflightResponse(got, q); e != nil {
		return e
	}
	methods, headers, e := allowLists(got.header, q)
	if e != nil {
		return e
	}
	if e := q.methodAllowed(methods); e != nil {
		return e
	}
	if e := p.b.profile.headersAllowed(q, headers); e != nil {
		return e
	}
	p.b.cachePreflight(q, methods, headers, got.header.Get("Access-Control-Max-Age"))
	return nil
}

// sendPreflight sends the OPTIONS request, without cookies, and records
// it in res.Trace.
func (b *Browser) sendPreflight(res *Response, r *fetchRequest, q preflightQuery) (httpResponse, error) {
	h := http.Header{}
	h.Set("Accept", "*/*")
	h.Set("Origin", q.origin)
	h.Set("Access-Control-Request-Method", q.method)
	if len(q.names) > 0 {
		h.Set("Access-Control-Request-Headers", strings.Join(q.names, ","))
	}
	h.Set("User-Agent", b.profile.UserAgent())
	r.setFetchMetadata(h, "cors", "empty")
	got, err := b.roundTrip(http.MethodOptions, q.url, h, "", false)
	res.Trace = append(res.Trace, Exchange{Preflight: true, Method: http.MethodOptions, URL: q.url.String(), RequestHeader: h,
		Status: got.status, ResponseHeader: got.header})
	return got, err
}

// refusePreflightCookies reports the preflight's Set-Cookie headers as
// refused: a preflight never sets cookies (BROWSER-RULES 13).
func refusePreflightCookies(res *Response, h http.Header, u *url.URL) {
	for _, line := range h.Values("Set-Cookie") {
		sc, _ := parseSetCookie(line)
		r := refuse("a preflight response never sets cookies", ReasonPreflight)
		res.Refused = append(res.Refused, r.report(sc.name, StageSet, u))
	}
}

// checkPreflightResponse: the CORS check with the request's credentials
// mode, no redirect, an ok status (BROWSER-RULES 40).
func checkPreflightResponse(got httpResponse, q preflightQuery) *CORSError {
	if e := corsCheck(got.header, q.origin, q.include, true, q.url); e != nil {
		return e
	}
	if isRedirect(got.status) {
		return q.fail("PreflightDisallowedRedirect", "Redirect is not allowed for a preflight request.")
	}
	if got.status < 200 || got.status > 299 {
		return q.fail("PreflightInvalidStatus", "It does not have HTTP ok status.")
	}
	return nil
}

// allowLists parses Access-Control-Allow-Methods and
// Access-Control-Allow-Headers.
func allowLists(h http.Header, q preflightQuery) ([]string, []string, *CORSError) {
	methods, ok := parseList(h, "Access-Control-Allow-Methods")
	if !ok {
		return nil, nil, q.fail("InvalidAllowMethodsPreflightResponse",
			"Cannot parse Access-Control-Allow-Methods response header field in preflight response.")
	}
	headers, ok := parseList(h, "Access-Control-Allow-Headers")
	if !ok {
		return nil, nil, q.fail("InvalidAllowHeadersPreflightResponse",
			"Cannot parse Access-Control-Allow-Headers response header field in preflight response.")
	}
	return methods, headers, nil
}

// methodAllowed: methods compare case-sensitively; "*" is a wildcard only
// without credentials (BROWSER-RULES 41, 42).
func (q preflightQuery) methodAllowed(methods []string) *CORSError {
	if slices.Contains(methods, q.method) || safelistedMethod(q.method) || !q.include && slices.Contains(methods, "*") {
		return nil
	}
	return q.fail("MethodDisallowedByPreflightResponse",
		fmt.Sprintf("Method %s is not allowed by Access-Control-Allow-Methods in preflight response.", q.method))
}

// headersAllowed: header names compare case-insensitively; "*" is a
// wildcard only without credentials and, in Firefox, never covers
// Authorization (BROWSER-RULES 41).
func (p Profile) headersAllowed(q preflightQuery, allowed []string) *CORSError {
	wildcard := !q.include && slices.Contains(allowed, "*")
	for _, n := range q.names {
		listed := slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, n) })
		covered := wildcard && !(n == "authorization" && p == Firefox)
		if !listed && !covered {
			return q.fail("HeaderDisallowedByPreflightResponse",
				fmt.Sprintf("Request header field %s is not allowed by Access-Control-Allow-Headers in preflight response.", n))
		}
	}
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
func (b *Browser) cachePreflight(q preflightQuery, methods, headers []string, maxAge string) {
	age, ok := b.profile.preflightAge(maxAge)
	if !ok {
		return
	}
	methods, headers = q.cacheLists(methods, headers)
	entry := preflightEntry{key: q.key, origin: q.origin, url: q.target, credentials: q.include, expires: b.now().Add(age)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.preflightsSent == nil {
		b.preflightsSent = map[string]int{}
	}
	b.preflightsSent[q.sentKey()]++
	for _, m := range methods {
		entry.method, entry.header = m, ""
		b.putPreflight(entry)
	}
	for _, h := range headers {
		entry.method, entry.header = "", strings.ToLower(h)
		b.putPreflight(entry)
	}
}

// preflightAge is Access-Control-Max-Age capped per engine, 5 s without
// it; ok is false for a negative value.
func (p Profile) preflightAge(maxAge string) (age time.Duration, ok bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(maxAge), 10, 64)
	switch {
	case err != nil:
		return 5 * time.Second, true
	case n < 0:
		return 0, false
	}
	return min(time.Duration(n)*time.Second, p.maxPreflightAge()), true
}

// cacheLists resolves the wildcards: "*" without credentials (or no
// methods at all) caches the request's own method or header names.
func (q preflightQuery) cacheLists(methods, headers []string) ([]string, []string) {
	if !q.include && slices.Contains(methods, "*") || len(methods) == 0 {
		methods = []string{q.method}
	}
	if !q.include && slices.Contains(headers, "*") {
		headers = q.names
	}
	return methods, headers
}

// sentKey keys the count of successful preflights (firefoxPreflightsBeforeCache).
func (q preflightQuery) sentKey() string { return q.key + " " + q.origin + " " + q.target }

// putPreflight adds e to the cache, in place of an entry for the same
// request and method or header name. b.mu is held.
func (b *Browser) putPreflight(e preflightEntry) {
	i := slices.IndexFunc(b.preflights, func(o preflightEntry) bool {
		return o.key == e.key && o.origin == e.origin && o.url == e.url && o.credentials == e.credentials &&
			o.method == e.method && o.header == e.header
	})
	if i >= 0 {
		b.preflights[i] = e
		return
	}
	b.preflights = append(b.preflights, e)
}

// preflightCached reports whether the CORS-preflight cache spares the
// request its preflight: its method is safelisted or has a method cache
// entry match, and each of its CORS-unsafe header names a header-name
// cache entry match (Fetch, "HTTP fetch" step 4.1).
func (b *Browser) preflightCached(q preflightQuery) bool {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.firefoxWaits(q) || !safelistedMethod(q.method) && !b.methodCached(q, now) {
		return false
	}
	return b.headersCached(q, now)
}

// firefoxWaits: Firefox does not reuse the cache yet for a URL whose host
// is not localhost (firefoxPreflightsBeforeCache). b.mu is held.
func (b *Browser) firefoxWaits(q preflightQuery) bool {
	return b.profile == Firefox && hostOf(q.url) != "localhost" && b.preflightsSent[q.sentKey()] < firefoxPreflightsBeforeCache
}

// methodCached: a method entry for q's method, or "*" without credentials.
// b.mu is held.
func (b *Browser) methodCached(q preflightQuery, now time.Time) bool {
	return b.cacheHas(q, now, func(e preflightEntry) bool { return e.method == q.method || e.method == "*" && !q.include })
}

// headersCached: a header-name entry for each of q's names, or "*" without
// credentials. b.mu is held.
func (b *Browser) headersCached(q preflightQuery, now time.Time) bool {
	for _, n := range q.names {
		if !b.cacheHas(q, now, func(e preflightEntry) bool { return e.header == n || e.header == "*" && !q.include }) {
			return false
		}
	}
	return true
}

// cacheHas reports whether an unexpired entry for q's request matches f;
// one made without credentials serves only requests without. b.mu is held.
func (b *Browser) cacheHas(q preflightQuery, now time.Time, f func(preflightEntry) bool) bool {
	return slices.ContainsFunc(b.preflights, func(e preflightEntry) bool {
		return e.key == q.key && e.origin == q.origin && e.url == q.target && (e.credentials || !q.include) &&
			e.expires.After(now) && f(e)
	})
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
