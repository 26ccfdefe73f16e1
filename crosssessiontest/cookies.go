package crosssessiontest

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Reasons a cookie is refused, in the words of crosssession's reason codes
// where one applies (README, "Troubleshooting"); the others are named in
// the same style.
const (
	// ReasonSameSiteCrossSite: a SameSite=Lax or Strict cookie (or, in
	// Chromium, one without SameSite) on a cross-site request that is not
	// a top-level navigation allowing it.
	ReasonSameSiteCrossSite = "cookie-samesite-cross-site"
	// ReasonThirdParty: a cookie in a third-party context the profile
	// refuses: unpartitioned in Chromium with third-party cookies blocked;
	// any cookie set cross-site in WebKit.
	ReasonThirdParty = "cookie-third-party"
	// ReasonSecureOverHTTP: a Secure cookie (or a __Secure-/__Host- one)
	// over plain http to a host that is not localhost.
	ReasonSecureOverHTTP = "cookie-secure-over-http"
	// ReasonSecureOnLocalhost: a Secure cookie over plain http to
	// localhost, which WebKit refuses.
	ReasonSecureOnLocalhost = "cookie-secure-on-localhost"
	// ReasonNoCookie: the request was made without credentials (fetch's
	// default credentials: 'same-origin' on a cross-origin URL, or
	// 'omit'), so no cookie is sent and Set-Cookie is ignored.
	ReasonNoCookie = "no-cookie"
	// ReasonTooLarge: name and value together exceed 4096 bytes.
	ReasonTooLarge = "cookie-too-large"
	// ReasonNoneInsecure: SameSite=None without Secure (Chromium,
	// Firefox; WebKit accepts it).
	ReasonNoneInsecure = "cookie-samesite-none-insecure"
	// ReasonInvalidPrefix: a __Secure- name without Secure, or a __Host-
	// name without Secure, with a Domain or without Path=/.
	ReasonInvalidPrefix = "cookie-invalid-prefix"
	// ReasonInvalidPartitioned: Partitioned without Secure.
	ReasonInvalidPartitioned = "cookie-invalid-partitioned"
	// ReasonInvalidDomain: a Domain attribute that does not cover the
	// host, or is a public suffix.
	ReasonInvalidDomain = "cookie-invalid-domain"
	// ReasonOtherPartition: the cookie is stored, but in another
	// partition than the one this request reads: a Partitioned cookie set
	// under another top-level site (a login by top-level navigation puts
	// it in the API's own partition), or, in Firefox, a first-party cookie
	// read from a third-party context.
	ReasonOtherPartition = "cookie-other-partition"
	// ReasonPreflight: a Set-Cookie on a preflight response, which is
	// never stored (BROWSER-RULES 13).
	ReasonPreflight = "cookie-on-preflight"
)

// Stages of a CookieRefusal.
const (
	StageSet  = "set"  // a Set-Cookie the browser did not store
	StageSend = "send" // a stored cookie the browser did not send
)

// CookieRefusal is a cookie the browser refused to store or to send.
type CookieRefusal struct {
	Name  string // the cookie's name
	Stage string // StageSet or StageSend
	// URL is the request whose response set the cookie, or which went
	// without it.
	URL string
	// Reason is the engine's first reason; Reasons lists every one that
	// applies, Reason first (Chromium, for one, reports both
	// cookie-third-party and cookie-samesite-cross-site for a Lax cookie
	// on a cross-site fetch).
	Reason  string
	Reasons []string
	// Detail says what happened in a sentence.
	Detail string
	// Expiry is true when the refused Set-Cookie would have deleted the
	// cookie (Max-Age <= 0 or a past Expires), e.g. a logout's: the
	// cookie stays. A refused expiry is reported only when the jar holds
	// a cookie of that name for the host: crosssession's Logout expires
	// both the same-site and the cross-site variant of its cookie, and
	// the one the context does not allow is refused, deleting nothing.
	Expiry bool
}

// String returns "name (stage): reason: detail".
func (c CookieRefusal) String() string {
	return fmt.Sprintf("%s (%s): %s: %s", c.Name, c.Stage, c.Reason, c.Detail)
}

// StoredCookie is a cookie in the browser's jar.
type StoredCookie struct {
	Name, Value string // as the Set-Cookie header gave them
	// Domain is the host for a host-only cookie, else the Domain
	// attribute without its leading dot.
	Domain   string
	HostOnly bool   // no Domain attribute: sent to Domain only, not its subdomains
	Path     string // the Path attribute, or the default path of the URL that set it
	// Expires is zero for a session cookie.
	Expires  time.Time
	Secure   bool // sent only where it could be set (https; loopback http but in WebKit)
	HttpOnly bool // the attribute (this client has no document.cookie)
	// SameSite is "Lax", "Strict", "None", or "" when the attribute was
	// missing or invalid (Lax in Chromium, None in Firefox and WebKit).
	SameSite    string
	Partitioned bool // the attribute
	// Partition is the top-level site whose partition holds the cookie
	// ("https://example.com"), or "" for unpartitioned storage.
	Partition string
	Created   time.Time // when first stored (kept when replaced), on the browser's clock
}

// setCookie is a parsed Set-Cookie header (RFC 6265bis §5.6).
type setCookie struct {
	name, value   string
	domain        string // without leading dot, lowercase; "" when absent
	path          string // "" when absent or invalid
	maxAge        *int64
	expires       time.Time
	secure        bool
	httpOnly      bool
	sameSite      string // "Lax", "Strict", "None" or ""
	partitioned   bool
	domainPresent bool
}

// maxAttributeValue is the longest attribute value kept (RFC 6265bis §5.6
// step 6; BROWSER-RULES 53).
const maxAttributeValue = 1024

func parseSetCookie(line string) (setCookie, bool) {
	var c setCookie
	parts := strings.Split(line, ";")
	nv := strings.TrimSpace(parts[0])
	name, value, ok := strings.Cut(nv, "=")
	if !ok {
		name, value = "", nv
	}
	c.name, c.value = strings.TrimSpace(name), strings.TrimSpace(value)
	if c.name == "" && c.value == "" {
		return c, false
	}
	for _, a := range parts[1:] {
		k, v, _ := strings.Cut(a, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if len(v) > maxAttributeValue {
			continue
		}
		switch k {
		case "expires":
			if t, ok := parseCookieDate(v); ok {
				c.expires = t
			}
		case "max-age":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && v != "" && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
				c.maxAge = &n
			}
		case "domain":
			if v != "" {
				c.domain = strings.ToLower(strings.TrimPrefix(v, "."))
				c.domainPresent = true
			}
		case "path":
			c.path = ""
			if strings.HasPrefix(v, "/") {
				c.path = v
			}
		case "secure":
			c.secure = true
		case "httponly":
			c.httpOnly = true
		case "samesite":
			switch strings.ToLower(v) {
			case "lax":
				c.sameSite = "Lax"
			case "strict":
				c.sameSite = "Strict"
			case "none":
				c.sameSite = "None"
			default:
				c.sameSite = "" // invalid values count as unset (Chromium, Firefox)
			}
		case "partitioned":
			c.partitioned = true
		}
	}
	return c, true
}

func parseCookieDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC1123, "Mon, 02-Jan-2006 15:04:05 MST", time.RFC850, time.ANSIC,
		"Mon, 02 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// maxCookieAge is the longest a cookie lives: 400 days (RFC 6265bis;
// Chromium clamps, BROWSER-RULES 55).
const maxCookieAge = 400 * 24 * time.Hour

// laxAllowUnsafeAge is Chromium's "Lax+POST" window for cookies without
// SameSite (BROWSER-RULES 19).
const laxAllowUnsafeAge = 2 * time.Minute

// cookieContext is what the jar needs to know about a request.
type cookieContext struct {
	u          *url.URL
	method     string
	navigation bool   // a top-level navigation: first-party by definition
	crossSite  bool   // the request is cross-site for SameSite purposes
	thirdParty bool   // the URL's site is not the top-level site
	topSite    string // the top-level site: the partition key
	pageOrigin string // for the messages
}

func (p Profile) effectiveSameSite(s string) string {
	if s == "" {
		if p.chromium() {
			return "Lax" // Lax by default (BROWSER-RULES 18)
		}
		return "None" // Firefox and WebKit (BROWSER-RULES 20, 21)
	}
	return s
}

func cookiePrefix(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(lower, "__host-"):
		return "__Host-"
	case strings.HasPrefix(lower, "__secure-"):
		return "__Secure-"
	}
	return ""
}

// store applies a Set-Cookie header of a response to ctx's request and
// returns the refusal, or nil when the cookie was stored or deleted.
// The order of the checks is the engines' (see the rule table in doc.go).
func (b *Browser) store(line string, ctx cookieContext) *CookieRefusal {
	sc, ok := parseSetCookie(line)
	if !ok {
		return nil
	}
	p := b.profile
	now := b.now()
	host := hostOf(ctx.u)
	deleting := sc.maxAge != nil && *sc.maxAge <= 0 || sc.maxAge == nil && !sc.expires.IsZero() && !sc.expires.After(now)
	refuse := func(detail string, reasons ...string) *CookieRefusal {
		if deleting && !b.holds(sc.name, host) {
			return nil // an expiry of a cookie the jar does not hold changes nothing
		}
		return &CookieRefusal{Name: sc.name, Stage: StageSet, URL: ctx.u.String(), Reason: reasons[0], Reasons: reasons,
			Detail: detail, Expiry: deleting}
	}
	sameSite := p.effectiveSameSite(sc.sameSite)
	crossBlocked := ctx.crossSite && !ctx.navigation && sameSite != "None"
	crossWhy := fmt.Sprintf("SameSite=%s on a cross-site request (%s -> %s)", sameSite, ctx.pageOrigin, originOf(ctx.u))
	if sc.sameSite == "" && p.chromium() {
		crossWhy = "no SameSite attribute, so Lax in Chromium, on a cross-site request (" + ctx.pageOrigin + " -> " + originOf(ctx.u) + ")"
	}
	withCross := func(first string) []string {
		if crossBlocked {
			return []string{first, ReasonSameSiteCrossSite}
		}
		return []string{first}
	}
	prefix := cookiePrefix(sc.name)
	switch {
	case len(sc.name)+len(sc.value) > 4096:
		return refuse(fmt.Sprintf("name and value are %d bytes; browsers drop a cookie over 4096", len(sc.name)+len(sc.value)),
			ReasonTooLarge)
	case p == Chromium && ctx.thirdParty && !sc.partitioned:
		return refuse("third-party cookies are blocked and the cookie is not Partitioned (Chromium: UserPreferences); "+
			"the request is third-party: "+originOf(ctx.u)+" under the top-level site "+ctx.topSite, withCross(ReasonThirdParty)...)
	case p == WebKit && ctx.thirdParty:
		return refuse("WebKit stores no cookie set in a third-party context, Partitioned or not: "+originOf(ctx.u)+
			" under the top-level site "+ctx.topSite, withCross(ReasonThirdParty)...)
	case (sc.secure || prefix != "") && !p.secureForCookies(ctx.u):
		if isLoopback(host) {
			return refuse("WebKit stores no Secure cookie from plain http, localhost included", ReasonSecureOnLocalhost)
		}
		return refuse("a Secure (or __Secure-/__Host-) cookie over plain http to "+host, ReasonSecureOverHTTP)
	case prefix == "__Secure-" && !sc.secure:
		return refuse("a __Secure- cookie needs the Secure attribute", ReasonInvalidPrefix)
	case prefix == "__Host-" && (!sc.secure || sc.domainPresent || sc.path != "/"):
		return refuse("a __Host- cookie needs Secure and Path=/, and no Domain", ReasonInvalidPrefix)
	case sc.partitioned && !sc.secure && p != WebKit:
		return refuse("Partitioned needs Secure", ReasonInvalidPartitioned)
	case sc.sameSite == "None" && !sc.secure && p != WebKit:
		return refuse("SameSite=None needs Secure (Chromium 80+, Firefox 131+)", ReasonNoneInsecure)
	}
	domain, hostOnly := host, true
	if sc.domainPresent {
		switch {
		case sc.domain == host:
			hostOnly = false
		case !strings.HasSuffix(host, "."+sc.domain) || isIP(host):
			return refuse(fmt.Sprintf("Domain=%s does not cover the host %s", sc.domain, host), ReasonInvalidDomain)
		default:
			hostOnly = false
		}
		if ps, _ := publicsuffix.PublicSuffix(sc.domain); ps == sc.domain {
			if sc.domain != host {
				return refuse(fmt.Sprintf("Domain=%s is a public suffix", sc.domain), ReasonInvalidDomain)
			}
			hostOnly = true
		}
		domain = sc.domain
	}
	if crossBlocked {
		return refuse(crossWhy, ReasonSameSiteCrossSite)
	}
	partition := ""
	switch {
	case p == WebKit: // no CHIPS in WebKitGTK: Partitioned is ignored first-party
	case sc.partitioned:
		partition = ctx.topSite
	case p == Firefox && ctx.thirdParty:
		partition = ctx.topSite // Total Cookie Protection
	}
	path := sc.path
	if path == "" {
		path = defaultPath(ctx.u)
	}
	ck := &StoredCookie{Name: sc.name, Value: sc.value, Domain: domain, HostOnly: hostOnly, Path: path,
		Secure: sc.secure, HttpOnly: sc.httpOnly, SameSite: sc.sameSite, Partitioned: sc.partitioned,
		Partition: partition, Created: now}
	switch {
	case sc.maxAge != nil:
		ck.Expires = now.Add(min(time.Duration(*sc.maxAge)*time.Second, maxCookieAge))
	case !sc.expires.IsZero():
		ck.Expires = sc.expires
		if ck.Expires.After(now.Add(maxCookieAge)) {
			ck.Expires = now.Add(maxCookieAge)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.jar, func(o *StoredCookie) bool {
		return o.Name == ck.Name && o.Domain == ck.Domain && o.HostOnly == ck.HostOnly && o.Path == ck.Path &&
			o.Partition == ck.Partition
	})
	if deleting {
		if i >= 0 {
			b.jar = slices.Delete(b.jar, i, i+1)
		}
		return nil
	}
	if i >= 0 {
		ck.Created = b.jar[i].Created
		b.jar[i] = ck
	} else {
		b.jar = append(b.jar, ck)
	}
	return nil
}

// holds reports whether the jar has a cookie named name for host.
func (b *Browser) holds(name, host string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.ContainsFunc(b.jar, func(c *StoredCookie) bool { return c.Name == name && domainMatch(host, c) })
}

func isIP(host string) bool {
	_, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil
}

// defaultPath is RFC 6265bis §5.1.4's default-path of u.
func defaultPath(u *url.URL) string {
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == "" {
		reqPath = "/"
	}
	if reqPath == cookiePath {
		return true
	}
	return strings.HasPrefix(reqPath, cookiePath) &&
		(strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/')
}

func domainMatch(host string, c *StoredCookie) bool {
	if c.HostOnly {
		return host == c.Domain
	}
	return host == c.Domain || strings.HasSuffix(host, "."+c.Domain) && !isIP(host)
}

// cookiesFor returns the Cookie header for ctx's request and the stored
// cookies that match its URL but are not sent, with the reason. include
// false (no credentials) sends none and reports those it would have sent.
func (b *Browser) cookiesFor(ctx cookieContext, include bool) (string, []CookieRefusal) {
	p := b.profile
	now := b.now()
	host := hostOf(ctx.u)
	b.mu.Lock()
	b.jar = slices.DeleteFunc(b.jar, func(c *StoredCookie) bool { return !c.Expires.IsZero() && !c.Expires.After(now) })
	var send []*StoredCookie
	var refused []CookieRefusal
	for _, c := range b.jar {
		if !domainMatch(host, c) || !pathMatch(ctx.u.EscapedPath(), c.Path) {
			continue
		}
		refuse := func(detail string, reasons ...string) {
			refused = append(refused, CookieRefusal{Name: c.Name, Stage: StageSend, URL: ctx.u.String(), Reason: reasons[0],
				Reasons: reasons, Detail: detail})
		}
		sameSite := p.effectiveSameSite(c.SameSite)
		lax := ctx.navigation && (ctx.method == "GET" || ctx.method == "HEAD")
		laxPost := p.chromium() && c.SameSite == "" && ctx.navigation && now.Sub(c.Created) <= laxAllowUnsafeAge
		crossBlocked := ctx.crossSite && (sameSite == "Strict" || sameSite == "Lax" && !lax && !laxPost)
		crossWhy := fmt.Sprintf("SameSite=%s on a cross-site request (%s -> %s)", sameSite, ctx.pageOrigin, originOf(ctx.u))
		switch {
		case c.Secure && !p.secureForCookies(ctx.u):
			refuse("a Secure cookie is not sent over plain http", ReasonSecureOverHTTP)
		case c.Partition != "" && c.Partition != ctx.topSite:
			refuse("stored in the partition of "+c.Partition+"; this request reads the partition of "+ctx.topSite,
				ReasonOtherPartition)
		case c.Partition == "" && ctx.thirdParty && p == Chromium:
			reasons := []string{ReasonThirdParty}
			if crossBlocked {
				reasons = append(reasons, ReasonSameSiteCrossSite)
			}
			refuse("third-party cookies are blocked and the cookie is not Partitioned (Chromium: UserPreferences)", reasons...)
		case c.Partition == "" && ctx.thirdParty && p == Firefox:
			refuse("stored first-party (unpartitioned); Firefox gives a third-party request only the cookies of the "+
				"top-level site's partition, "+ctx.topSite, ReasonOtherPartition)
		case crossBlocked:
			refuse(crossWhy, ReasonSameSiteCrossSite)
		case !include:
			refuse("the request was made without credentials: 'include'", ReasonNoCookie)
		default:
			send = append(send, c)
		}
	}
	b.mu.Unlock()
	slices.SortStableFunc(send, func(a, b *StoredCookie) int {
		if len(a.Path) != len(b.Path) {
			return len(b.Path) - len(a.Path)
		}
		return a.Created.Compare(b.Created)
	})
	var hdr strings.Builder
	for i, c := range send {
		if i > 0 {
			hdr.WriteString("; ")
		}
		if c.Name != "" {
			hdr.WriteString(c.Name + "=")
		}
		hdr.WriteString(c.Value)
	}
	return hdr.String(), refused
}

// Cookies returns the cookies stored for rawURL (host, path and Secure
// matching) that a page of the top-level site topLevelSite could have sent
// there: unpartitioned ones and those in topLevelSite's partition, such as
// "https://example.com" (see Profile.Site). "" means the URL's own site,
// as on a top-level visit to it. SameSite and third-party blocking are not
// applied: this is the jar, not a request.
func (b *Browser) Cookies(rawURL, topLevelSite string) []StoredCookie {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	if topLevelSite == "" {
		topLevelSite = b.profile.site(u)
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []StoredCookie
	for _, c := range b.jar {
		if (c.Expires.IsZero() || c.Expires.After(now)) && domainMatch(hostOf(u), c) && pathMatch(u.EscapedPath(), c.Path) &&
			(!c.Secure || b.profile.secureForCookies(u)) && (c.Partition == "" || c.Partition == topLevelSite) {
			out = append(out, *c)
		}
	}
	return out
}
