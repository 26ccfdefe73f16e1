package crosssessiontest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// maxCookieAge is the longest a cookie lives: 400 days (RFC 6265bis;
// Chromium clamps, BROWSER-RULES 55).
const maxCookieAge = 400 * 24 * time.Hour

// storeAll applies the Set-Cookie headers of a response.
func (b *Browser) storeAll(res *Response, h http.Header, ctx cookieContext, include bool) {
	for _, line := range h.Values("Set-Cookie") {
		if !include {
			sc, _ := parseSetCookie(line)
			r := refuse("the request was made without credentials: 'include', so Set-Cookie is ignored", ReasonNoCookie)
			res.Refused = append(res.Refused, r.report(sc.name, StageSet, ctx.u))
			continue
		}
		if r := b.store(line, ctx); r != nil {
			res.Refused = append(res.Refused, *r)
		}
	}
}

// store applies a Set-Cookie header of a response to ctx's request and
// returns the refusal, or nil when the cookie was stored or deleted.
// The order of the checks is the engines' (see the rule table in doc.go).
func (b *Browser) store(line string, ctx cookieContext) *CookieRefusal {
	sc, ok := parseSetCookie(line)
	if !ok {
		return nil
	}
	now := b.now()
	s := storing{p: b.profile, sc: sc, ctx: ctx, host: hostOf(ctx.u)}
	deleting := sc.deletes(now)
	if r := firstRefusal(s, storeRules); r != nil {
		return b.setRefusal(s, r, deleting)
	}
	b.keep(s.cookie(now), deleting)
	return nil
}

// setRefusal reports r, unless the header only expires a cookie the jar
// does not hold: that changes nothing (doc.go, on Logout).
func (b *Browser) setRefusal(s storing, r *refusal, deleting bool) *CookieRefusal {
	if deleting && !b.holds(s.sc.name, s.host) {
		return nil
	}
	c := r.report(s.sc.name, StageSet, s.ctx.u)
	c.Expiry = deleting
	return &c
}

// holds reports whether the jar has a cookie named name for host.
func (b *Browser) holds(name, host string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.ContainsFunc(b.jar, func(c *StoredCookie) bool { return c.Name == name && domainMatch(host, c) })
}

// storing is a Set-Cookie header of a response to ctx's request.
type storing struct {
	p    Profile
	sc   setCookie
	ctx  cookieContext
	host string // ctx.u's
}

// storeRules are the checks a Set-Cookie goes through, in the order the
// engines apply them; the first that fails names the reason.
var storeRules = []func(storing) *refusal{
	storing.tooLarge,
	storing.chromiumThirdParty,
	storing.webkitThirdParty,
	storing.secureOverHTTP,
	storing.securePrefix,
	storing.hostPrefix,
	storing.partitionedInsecure,
	storing.noneInsecure,
	storing.domainCoversHost,
	storing.domainNotPublicSuffix,
	storing.crossSite,
}

// tooLarge: name and value over 4096 bytes (BROWSER-RULES 53).
func (s storing) tooLarge() *refusal {
	if n := len(s.sc.name) + len(s.sc.value); n > 4096 {
		return refuse(fmt.Sprintf("name and value are %d bytes; browsers drop a cookie over 4096", n), ReasonTooLarge)
	}
	return nil
}

// chromiumThirdParty: not Partitioned in a third-party context; reported
// first, as UserPreferences hides the SameSite reason (BROWSER-RULES C table 1).
func (s storing) chromiumThirdParty() *refusal {
	if s.p != Chromium || !s.ctx.thirdParty || s.sc.partitioned {
		return nil
	}
	return refuse("third-party cookies are blocked and the cookie is not Partitioned (Chromium: UserPreferences); "+
		"the request is third-party: "+originOf(s.ctx.u)+" under the top-level site "+s.ctx.topSite,
		s.withCrossSite(ReasonThirdParty)...)
}

// webkitThirdParty: any cookie in a third-party context, Partitioned and
// expiries included (BROWSER-RULES FW b, d; e2e).
func (s storing) webkitThirdParty() *refusal {
	if s.p != WebKit || !s.ctx.thirdParty {
		return nil
	}
	return refuse("WebKit stores no cookie set in a third-party context, Partitioned or not: "+originOf(s.ctx.u)+
		" under the top-level site "+s.ctx.topSite, s.withCrossSite(ReasonThirdParty)...)
}

// secureOverHTTP: Secure (or a __Secure-/__Host- name) where the profile
// sets no Secure cookie (BROWSER-RULES 24-26; C e, FW e).
func (s storing) secureOverHTTP() *refusal {
	if !s.sc.secure && cookiePrefix(s.sc.name) == "" || s.p.secureForCookies(s.ctx.u) {
		return nil
	}
	if isLoopback(s.host) {
		return refuse("WebKit stores no Secure cookie from plain http, localhost included", ReasonSecureOnLocalhost)
	}
	return refuse("a Secure (or __Secure-/__Host-) cookie over plain http to "+s.host, ReasonSecureOverHTTP)
}

// securePrefix: a __Secure- name needs Secure (BROWSER-RULES 50, 51).
func (s storing) securePrefix() *refusal {
	if cookiePrefix(s.sc.name) == "__Secure-" && !s.sc.secure {
		return refuse("a __Secure- cookie needs the Secure attribute", ReasonInvalidPrefix)
	}
	return nil
}

// hostPrefix: a __Host- name needs Secure, Path=/ and no Domain
// (BROWSER-RULES 50, 51).
func (s storing) hostPrefix() *refusal {
	sc := s.sc
	if cookiePrefix(sc.name) == "__Host-" && (!sc.secure || sc.domainPresent || sc.path != "/") {
		return refuse("a __Host- cookie needs Secure and Path=/, and no Domain", ReasonInvalidPrefix)
	}
	return nil
}

// partitionedInsecure: Partitioned needs Secure, but in WebKit
// (BROWSER-RULES 35).
func (s storing) partitionedInsecure() *refusal {
	if s.sc.partitioned && !s.sc.secure && s.p != WebKit {
		return refuse("Partitioned needs Secure", ReasonInvalidPartitioned)
	}
	return nil
}

// noneInsecure: SameSite=None needs Secure, but in WebKit (BROWSER-RULES 23).
func (s storing) noneInsecure() *refusal {
	if s.sc.sameSite == "None" && !s.sc.secure && s.p != WebKit {
		return refuse("SameSite=None needs Secure (Chromium 80+, Firefox 131+)", ReasonNoneInsecure)
	}
	return nil
}

// domainCoversHost: Domain is the host or, for a host name, a parent of
// it (RFC 6265bis §5.7).
func (s storing) domainCoversHost() *refusal {
	d := s.sc.domain
	if !s.sc.domainPresent || d == s.host || strings.HasSuffix(s.host, "."+d) && !isIP(s.host) {
		return nil
	}
	return refuse(fmt.Sprintf("Domain=%s does not cover the host %s", d, s.host), ReasonInvalidDomain)
}

// domainNotPublicSuffix: Domain may be a public suffix only when it is the
// host itself (RFC 6265bis §5.7).
func (s storing) domainNotPublicSuffix() *refusal {
	if s.sc.domainPresent && isPublicSuffix(s.sc.domain) && s.sc.domain != s.host {
		return refuse(fmt.Sprintf("Domain=%s is a public suffix", s.sc.domain), ReasonInvalidDomain)
	}
	return nil
}

// crossSite: Lax or Strict (Chromium: also no SameSite) from a cross-site
// fetch (BROWSER-RULES 16, 18).
func (s storing) crossSite() *refusal {
	if !s.crossSiteBlocked() {
		return nil
	}
	if s.sc.sameSite == "" && s.p.chromium() {
		return refuse("no SameSite attribute, so Lax in Chromium, on "+s.ctx.crossSiteRequest(), ReasonSameSiteCrossSite)
	}
	return refuse("SameSite="+s.p.effectiveSameSite(s.sc.sameSite)+" on "+s.ctx.crossSiteRequest(), ReasonSameSiteCrossSite)
}

func (s storing) crossSiteBlocked() bool {
	return s.ctx.crossSite && !s.ctx.navigation && s.p.effectiveSameSite(s.sc.sameSite) != "None"
}

// withCrossSite adds the SameSite reason when it applies too, as Chromium
// reports it next to the third-party one.
func (s storing) withCrossSite(first string) []string {
	if s.crossSiteBlocked() {
		return []string{first, ReasonSameSiteCrossSite}
	}
	return []string{first}
}

func isPublicSuffix(domain string) bool {
	ps, _ := publicsuffix.PublicSuffix(domain)
	return ps == domain
}

// deletes reports whether the header expires the cookie: Max-Age <= 0, or
// without Max-Age an Expires not after now.
func (sc setCookie) deletes(now time.Time) bool {
	if sc.maxAge != nil {
		return *sc.maxAge <= 0
	}
	return !sc.expires.IsZero() && !sc.expires.After(now)
}

// cookie is the cookie the jar keeps for an accepted header.
func (s storing) cookie(now time.Time) *StoredCookie {
	sc := s.sc
	domain, hostOnly := s.domain()
	return &StoredCookie{Name: sc.name, Value: sc.value, Domain: domain, HostOnly: hostOnly, Path: s.path(),
		Expires: sc.expiry(now), Secure: sc.secure, HttpOnly: sc.httpOnly, SameSite: sc.sameSite,
		Partitioned: sc.partitioned, Partition: s.partition(), Created: now}
}

// domain: the host for a host-only cookie, else Domain; a public suffix
// (that is the host) makes a host-only cookie.
func (s storing) domain() (domain string, hostOnly bool) {
	switch {
	case !s.sc.domainPresent:
		return s.host, true
	case isPublicSuffix(s.sc.domain):
		return s.sc.domain, true
	}
	return s.sc.domain, false
}

// path: the Path attribute, or the default path of the URL.
func (s storing) path() string {
	if s.sc.path == "" {
		return defaultPath(s.ctx.u)
	}
	return s.sc.path
}

// partition is the top-level site for a Partitioned cookie (BROWSER-RULES
// 34) and, in Firefox, any set third-party (BROWSER-RULES 31); "" else.
func (s storing) partition() string {
	switch {
	case s.p == WebKit: // no CHIPS in WebKitGTK: Partitioned is ignored first-party (BROWSER-RULES FW d)
		return ""
	case s.sc.partitioned, s.p == Firefox && s.ctx.thirdParty:
		return s.ctx.topSite
	}
	return ""
}

// expiry is when the cookie expires, zero for a session cookie: Max-Age
// over Expires, capped at 400 days (BROWSER-RULES 55).
func (sc setCookie) expiry(now time.Time) time.Time {
	switch {
	case sc.maxAge != nil:
		return now.Add(min(time.Duration(*sc.maxAge)*time.Second, maxCookieAge))
	case sc.expires.After(now.Add(maxCookieAge)):
		return now.Add(maxCookieAge)
	}
	return sc.expires
}

// keep puts ck in the jar in place of the cookie with the same name,
// domain, host-only flag, path and partition, whose creation time it
// keeps; or, when deleting, removes that cookie.
func (b *Browser) keep(ck *StoredCookie, deleting bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.jar, func(o *StoredCookie) bool {
		return o.Name == ck.Name && o.Domain == ck.Domain && o.HostOnly == ck.HostOnly && o.Path == ck.Path &&
			o.Partition == ck.Partition
	})
	switch {
	case deleting && i >= 0:
		b.jar = slices.Delete(b.jar, i, i+1)
	case deleting: // no such cookie: nothing to delete
	case i >= 0:
		ck.Created = b.jar[i].Created
		b.jar[i] = ck
	default:
		b.jar = append(b.jar, ck)
	}
}
