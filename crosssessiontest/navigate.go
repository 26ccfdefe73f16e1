package crosssessiontest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

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

// navigate is a top-level navigation of the page: GET, or a form POST when
// form is not nil.
func (p *Page) navigate(rawURL string, form url.Values) *Response {
	res := &Response{Type: "navigation"}
	r, err := newNavigation(p.location(), rawURL, form)
	if err != nil {
		return res.fail(err)
	}
	for {
		got, err := p.b.navigationHop(res, r)
		if err != nil {
			return res.fail(err)
		}
		loc := got.header.Get("Location")
		if !isRedirect(got.status) || loc == "" {
			return p.arrive(res, r.url(), got)
		}
		if _, err := r.follow(got.status, loc); err != nil {
			return res.fail(err)
		}
		res.Redirected = true
	}
}

func newNavigation(initiator *url.URL, rawURL string, form url.Values) (*request, error) {
	u, err := initiator.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("crosssessiontest: cannot navigate to %q: not an http(s) URL", rawURL)
	}
	r := newRequest(initiator, u, "GET", http.Header{}, "")
	if form != nil {
		r.method, r.body = "POST", form.Encode()
		r.header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return &r, nil
}

// navigationHop sends one request of the navigation with the cookies of
// a first-party request to its URL, and stores the cookies of the answer.
func (b *Browser) navigationHop(res *Response, r *request) (httpResponse, error) {
	if r.tooManyRedirects() {
		return httpResponse{}, fmt.Errorf("net::ERR_TOO_MANY_REDIRECTS at %s", r.url())
	}
	h := r.navigationHeader(b.profile)
	ctx := r.navigationContext(b.profile)
	b.addCookies(res, h, ctx, true)
	got, err := b.send(res, r, h, true)
	if err != nil {
		return httpResponse{}, err
	}
	b.storeAll(res, got.header, ctx, true)
	return got, nil
}

// navigationHeader is the navigation's headers: Origin on a form POST only
// (BROWSER-RULES 47), Fetch Metadata with user activation.
func (r *request) navigationHeader(p Profile) http.Header {
	h := r.header.Clone()
	h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	h.Set("User-Agent", p.UserAgent())
	h.Set("Upgrade-Insecure-Requests", "1")
	if r.method != "GET" && r.method != "HEAD" {
		h.Set("Origin", r.navigationOrigin())
	}
	r.setFetchMetadata(h, "navigate", "document")
	if trustworthy(r.url()) {
		h.Set("Sec-Fetch-User", "?1")
	}
	return h
}

// navigationOrigin is "null" once tainted, or from an https page to a URL
// that is not https.
func (r *request) navigationOrigin() string {
	if r.client.Scheme == "https" && r.url().Scheme != "https" {
		return "null"
	}
	return r.serializedOrigin()
}

// navigationContext is the cookie context of a navigation: first-party,
// the destination's site the top-level site; cross-site when a URL of its
// chain is (BROWSER-RULES 14, 15).
func (r *request) navigationContext(p Profile) cookieContext {
	cross := slices.ContainsFunc(r.urls, func(u *url.URL) bool { return !p.sameSiteForCookies(u, r.client) })
	return cookieContext{u: r.url(), method: r.method, navigation: true, crossSite: cross, topSite: p.site(r.url()),
		pageOrigin: r.origin}
}

// arrive gives the page the final response and moves it to u; 204 and 205
// leave it where it was.
func (p *Page) arrive(res *Response, u *url.URL, got httpResponse) *Response {
	res.Status, res.Body, res.URL = got.status, got.body, u.String()
	res.Header = got.header.Clone()
	res.Header.Del("Set-Cookie")
	if got.status != http.StatusNoContent && got.status != http.StatusResetContent {
		p.setLocation(u)
	}
	return res
}

// HandoffHeader is the request header that redeems a crosssession.Handoff
// code.
const HandoffHeader = "X-Crosssession-Handoff"

// StartLogin runs the first front-end line of the README's "Logins by
// redirect": a fresh random verifier, kept in the sessionStorage of the
// page's origin and returned, to put in the URL of the API that starts the
// login (?crosssession=<verifier>).
func (p *Page) StartLogin() string {
	var b [4]uint32
	for i := range b {
		b[i] = rand.Uint32()
	}
	v := fmt.Sprintf("%d-%d-%d-%d", b[0], b[1], b[2], b[3])
	p.setSessionStorage("crosssession", v, false)
	return v
}

// StartLoginURL is rawURL with ?crosssession=<verifier> (or &…) added, the
// verifier a fresh StartLogin keeps: the URL that starts a login ending
// with Handoff, as the README's first front-end line builds it.
func (p *Page) StartLoginURL(rawURL string) string {
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	return rawURL + sep + "crosssession=" + p.StartLogin()
}

// RedeemHandoff runs the second front-end line of the README's "Logins by
// redirect": when the page's location has a #crosssession=<code> fragment,
// it fetches rawURL with credentials: 'include' and "<code> <verifier>" in
// the X-Crosssession-Handoff header (the verifier StartLogin kept, or
// "undefined" as in a browser without one), removes the verifier from
// sessionStorage and the fragment from the location
// (history.replaceState). Without a code it returns nil.
func (p *Page) RedeemHandoff(rawURL string) *Response {
	code, ok := strings.CutPrefix(p.Hash(), "#crosssession=")
	if !ok || code == "" {
		return nil
	}
	v, ok := p.sessionStorage("crosssession")
	if !ok {
		v = "undefined"
	}
	res := p.Fetch(rawURL, Init{Credentials: Include, Headers: map[string]string{HandoffHeader: code + " " + v}})
	p.setSessionStorage("crosssession", "", true)
	u := p.location()
	u.Fragment, u.RawFragment = "", ""
	p.setLocation(u)
	return res
}
