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

// storeAll applies the Set-Cookie headers of a response.
func (b *Browser) storeAll(res *Response, h http.Header, ctx cookieContext, include bool) {
	for _, line := range h.Values("Set-Cookie") {
		if !include {
			sc, _ := parseSetCookie(line)
			res.Refused = append(res.Refused, CookieRefusal{Name: sc.name, Stage: StageSet, URL: ctx.u.String(),
				Reason: ReasonNoCookie, Reasons: []string{ReasonNoCookie},
				Detail: "the request was made without credentials: 'include', so Set-Cookie is ignored"})
			continue
		}
		if r := b.store(line, ctx); r != nil {
			res.Refused = append(res.Refused, *r)
		}
	}
}
