package crosssessiontest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// laxAllowUnsafeAge is Chromium's "Lax+POST" window for cookies without
// SameSite (BROWSER-RULES 19).
const laxAllowUnsafeAge = 2 * time.Minute

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
