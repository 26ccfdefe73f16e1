package crosssessiontest

import (
	"net/url"
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
	now := b.now()
	var send []*StoredCookie
	var refused []CookieRefusal
	for _, c := range b.matching(ctx.u, now) {
		s := sending{p: b.profile, c: c, ctx: ctx, include: include, now: now}
		if r := firstRefusal(s, sendRules); r != nil {
			refused = append(refused, r.report(c.Name, StageSend, ctx.u))
			continue
		}
		send = append(send, c)
	}
	return cookieHeader(send), refused
}

// matching drops the expired cookies from the jar and returns those whose
// domain and path match u.
func (b *Browser) matching(u *url.URL, now time.Time) []*StoredCookie {
	host := hostOf(u)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.jar = slices.DeleteFunc(b.jar, func(c *StoredCookie) bool { return !c.Expires.IsZero() && !c.Expires.After(now) })
	var out []*StoredCookie
	for _, c := range b.jar {
		if domainMatch(host, c) && pathMatch(u.EscapedPath(), c.Path) {
			out = append(out, c)
		}
	}
	return out
}

// sending is a stored cookie that matches the URL of ctx's request.
type sending struct {
	p       Profile
	c       *StoredCookie
	ctx     cookieContext
	include bool // credentials included
	now     time.Time
}

// sendRules are the checks a matching cookie goes through, in the order
// the engines apply them; the first that fails names the reason.
var sendRules = []func(sending) *refusal{
	sending.secureOverHTTP,
	sending.otherPartition,
	sending.chromiumThirdParty,
	sending.firefoxThirdParty,
	sending.crossSite,
	sending.noCredentials,
}

// secureOverHTTP: Secure only where it can be set (BROWSER-RULES 24-26).
func (s sending) secureOverHTTP() *refusal {
	if s.c.Secure && !s.p.secureForCookies(s.ctx.u) {
		return refuse("a Secure cookie is not sent over plain http", ReasonSecureOverHTTP)
	}
	return nil
}

// otherPartition: a partitioned cookie only under its top-level site
// (BROWSER-RULES 34).
func (s sending) otherPartition() *refusal {
	if s.c.Partition != "" && s.c.Partition != s.ctx.topSite {
		return refuse("stored in the partition of "+s.c.Partition+"; this request reads the partition of "+s.ctx.topSite,
			ReasonOtherPartition)
	}
	return nil
}

// chromiumThirdParty: no unpartitioned cookie on a third-party request
// (BROWSER-RULES C; e2e).
func (s sending) chromiumThirdParty() *refusal {
	if s.c.Partition != "" || !s.ctx.thirdParty || s.p != Chromium {
		return nil
	}
	reasons := []string{ReasonThirdParty}
	if s.crossSiteBlocked() {
		reasons = append(reasons, ReasonSameSiteCrossSite)
	}
	return refuse("third-party cookies are blocked and the cookie is not Partitioned (Chromium: UserPreferences)", reasons...)
}

// firefoxThirdParty: a third-party request reads only the top-level site's
// partition (BROWSER-RULES 31; e2e).
func (s sending) firefoxThirdParty() *refusal {
	if s.c.Partition != "" || !s.ctx.thirdParty || s.p != Firefox {
		return nil
	}
	return refuse("stored first-party (unpartitioned); Firefox gives a third-party request only the cookies of the "+
		"top-level site's partition, "+s.ctx.topSite, ReasonOtherPartition)
}

// crossSite: Strict, or Lax (Chromium: also no SameSite), not sent on a
// cross-site request that Lax does not allow (BROWSER-RULES 15).
func (s sending) crossSite() *refusal {
	if !s.crossSiteBlocked() {
		return nil
	}
	return refuse("SameSite="+s.p.effectiveSameSite(s.c.SameSite)+" on "+s.ctx.crossSiteRequest(), ReasonSameSiteCrossSite)
}

func (s sending) crossSiteBlocked() bool {
	sameSite := s.p.effectiveSameSite(s.c.SameSite)
	return s.ctx.crossSite && (sameSite == "Strict" || sameSite == "Lax" && !s.laxAllows())
}

// laxAllows: a top-level GET navigation (BROWSER-RULES 15), or in Chromium
// one that POSTs within two minutes of a cookie without SameSite being set
// (BROWSER-RULES 19).
func (s sending) laxAllows() bool {
	if !s.ctx.navigation {
		return false
	}
	return s.ctx.method == "GET" || s.ctx.method == "HEAD" ||
		s.p.chromium() && s.c.SameSite == "" && s.now.Sub(s.c.Created) <= laxAllowUnsafeAge
}

// noCredentials: a request without credentials sends no cookie
// (BROWSER-RULES 12).
func (s sending) noCredentials() *refusal {
	if s.include {
		return nil
	}
	return refuse("the request was made without credentials: 'include'", ReasonNoCookie)
}

// cookieHeader is the Cookie header of the cookies, longer paths first,
// then older (RFC 6265bis §5.8.3).
func cookieHeader(send []*StoredCookie) string {
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
	return hdr.String()
}
