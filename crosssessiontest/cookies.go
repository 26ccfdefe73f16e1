package crosssessiontest

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
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

// crossSiteRequest names the request in a SameSite refusal.
func (ctx cookieContext) crossSiteRequest() string {
	return fmt.Sprintf("a cross-site request (%s -> %s)", ctx.pageOrigin, originOf(ctx.u))
}

// A refusal is a rule's verdict on a cookie: a sentence, and the reason
// codes, the rule's own first.
type refusal struct {
	detail  string
	reasons []string
}

func refuse(detail string, reasons ...string) *refusal { return &refusal{detail, reasons} }

// firstRefusal applies the rules in order and returns the first refusal.
func firstRefusal[T any](x T, rules []func(T) *refusal) *refusal {
	for _, rule := range rules {
		if r := rule(x); r != nil {
			return r
		}
	}
	return nil
}

// report is the refusal as Response.Refused lists it.
func (r *refusal) report(name, stage string, u *url.URL) CookieRefusal {
	return CookieRefusal{Name: name, Stage: stage, URL: u.String(), Reason: r.reasons[0], Reasons: r.reasons,
		Detail: r.detail}
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
