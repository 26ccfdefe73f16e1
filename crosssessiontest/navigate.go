package crosssessiontest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// navigate is a top-level navigation of the page: GET, or a form POST when
// form is not nil.
func (p *Page) navigate(rawURL string, form url.Values) *Response {
	b := p.b
	initiator := p.location()
	res := &Response{Type: "navigation"}
	u, err := initiator.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return res.fail(fmt.Errorf("crosssessiontest: cannot navigate to %q: not an http(s) URL", rawURL))
	}
	method, body, hdr := "GET", "", http.Header{}
	if form != nil {
		method, body = "POST", form.Encode()
		hdr.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	chain := []*url.URL{u}
	tainted := false
	for {
		cur := chain[len(chain)-1]
		if len(chain) > maxRedirects+1 {
			return res.fail(fmt.Errorf("net::ERR_TOO_MANY_REDIRECTS at %s", cur))
		}
		h := hdr.Clone()
		h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		h.Set("User-Agent", b.profile.UserAgent())
		h.Set("Upgrade-Insecure-Requests", "1")
		if method != "GET" && method != "HEAD" {
			o := originOf(initiator)
			if tainted || initiator.Scheme == "https" && cur.Scheme != "https" {
				o = "null"
			}
			h.Set("Origin", o)
		}
		if trustworthy(cur) {
			h.Set("Sec-Fetch-Site", secFetchSite(initiator, chain))
			h.Set("Sec-Fetch-Mode", "navigate")
			h.Set("Sec-Fetch-Dest", "document")
			h.Set("Sec-Fetch-User", "?1")
		}
		cross := false
		for _, c := range chain {
			cross = cross || !b.profile.sameSiteForCookies(c, initiator)
		}
		ctx := cookieContext{u: cur, method: method, navigation: true, crossSite: cross, topSite: b.profile.site(cur),
			pageOrigin: originOf(initiator)}
		cookie, refused := b.cookiesFor(ctx, true)
		res.Refused = append(res.Refused, refused...)
		if cookie != "" {
			h.Set("Cookie", cookie)
		}
		got, err := b.roundTrip(method, cur, h, body, true)
		status, rh, rbody := got.status, got.header, got.body
		res.Trace = append(res.Trace, Exchange{Method: method, URL: cur.String(), RequestHeader: h, Status: status, ResponseHeader: rh})
		if err != nil {
			return res.fail(err)
		}
		b.storeAll(res, rh, ctx, true)
		if loc := rh.Get("Location"); isRedirect(status) && loc != "" {
			next, m, bd, err := nextHop(cur, status, loc, method, body, hdr)
			if err != nil {
				return res.fail(err)
			}
			if originOf(next) != originOf(cur) && originOf(initiator) != originOf(cur) {
				tainted = true
			}
			method, body = m, bd
			chain = append(chain, next)
			res.Redirected = true
			continue
		}
		res.Status, res.Body, res.URL = status, rbody, cur.String()
		res.Header = rh.Clone()
		res.Header.Del("Set-Cookie")
		if status != http.StatusNoContent && status != http.StatusResetContent {
			p.setLocation(cur) // 204 and 205 leave the page where it was
		}
		return res
	}
}

// Navigate is a top-level GET navigation of the page to rawURL (resolved
// against the page's location), as a link click or location.href = url:
// it follows redirects, sends and stores cookies as first-party ones of
// the destination's site, and moves the page to the final URL (fragment
// included), so the page's origin and top-level site change with it.
// A 204 or 205 answer leaves the page where it was.
func (p *Page) Navigate(rawURL string) *Response { return p.navigate(rawURL, nil) }

// SubmitForm is a top-level form POST from the page to action
// (application/x-www-form-urlencoded), as a <form method="post"> submit:
// it carries the page's Origin, follows redirects (303, 301 and 302 turn it
// into a GET) and moves the page like Navigate.
func (p *Page) SubmitForm(action string, form url.Values) *Response {
	if form == nil {
		form = url.Values{}
	}
	return p.navigate(action, form)
}

// HandoffHeader is the request header that redeems a crosssession.Handoff
// code.
const HandoffHeader = "X-Crosssession-Handoff"

// RedeemHandoff runs the front-end line of the README's "Logins by
// redirect": when the page's location has a #crosssession=<code>
// fragment, it fetches rawURL with credentials: 'include' and the code in
// the X-Crosssession-Handoff header, then removes the fragment from the
// location (history.replaceState). Without a code it returns nil.
func (p *Page) RedeemHandoff(rawURL string) *Response {
	code, ok := strings.CutPrefix(p.Hash(), "#crosssession=")
	if !ok || code == "" {
		return nil
	}
	res := p.Fetch(rawURL, Init{Credentials: Include, Headers: map[string]string{HandoffHeader: code}})
	u := p.location()
	u.Fragment, u.RawFragment = "", ""
	p.setLocation(u)
	return res
}
