package crosssessiontest

import (
	"fmt"
	"net/http"
	"net/url"
)

// request is what a fetch and a navigation share as they go from hop to
// hop: the page that made it, its URL list, and the method, headers and
// body that redirects may change.
type request struct {
	client  *url.URL    // the page that made the request
	origin  string      // the client's origin
	method  string      // normalized
	header  http.Header // the page's own; each hop adds the browser's
	body    string
	urls    []*url.URL // the URL list: the first URL, then each redirect's
	tainted bool       // left a cross-origin URL for another origin: Origin "null" (BROWSER-RULES 46)
}

func newRequest(client, u *url.URL, method string, header http.Header, body string) request {
	return request{client: client, origin: originOf(client), method: method, header: header, body: body,
		urls: []*url.URL{u}}
}

const maxRedirects = 20

// url is the request's current URL.
func (r *request) url() *url.URL { return r.urls[len(r.urls)-1] }

func (r *request) tooManyRedirects() bool { return len(r.urls) > maxRedirects+1 }

// serializedOrigin is the Origin header's value: "null" once tainted.
func (r *request) serializedOrigin() string {
	if r.tainted {
		return "null"
	}
	return r.origin
}

// setFetchMetadata adds Sec-Fetch-Site, -Mode and -Dest, to potentially
// trustworthy URLs only (BROWSER-RULES 63, 64).
func (r *request) setFetchMetadata(h http.Header, mode, dest string) {
	if !trustworthy(r.url()) {
		return
	}
	h.Set("Sec-Fetch-Site", secFetchSite(r.client, r.urls))
	h.Set("Sec-Fetch-Mode", mode)
	h.Set("Sec-Fetch-Dest", dest)
}

func isRedirect(status int) bool {
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308
}

// follow moves the request to a redirect's Location (Fetch,
// "HTTP-redirect fetch") and returns the new URL.
func (r *request) follow(status int, location string) (*url.URL, error) {
	cur := r.url()
	next, err := redirectTarget(cur, location)
	if err != nil {
		return nil, err
	}
	if originOf(next) != originOf(cur) && r.origin != originOf(cur) {
		r.tainted = true
	}
	r.redirectMethod(status)
	r.urls = append(r.urls, next)
	return next, nil
}

// redirectTarget resolves location against cur; the fragment carries over
// when location has none.
func redirectTarget(cur *url.URL, location string) (*url.URL, error) {
	loc, err := cur.Parse(location)
	if err != nil || (loc.Scheme != "http" && loc.Scheme != "https") {
		return nil, fmt.Errorf("redirect to %q, not an http(s) URL", location)
	}
	if loc.Fragment == "" && loc.RawFragment == "" {
		loc.Fragment, loc.RawFragment = cur.Fragment, cur.RawFragment
	}
	return loc, nil
}

// redirectMethod turns the request into a GET without body after a 303
// (but for GET and HEAD), or a 301 or 302 after a POST.
func (r *request) redirectMethod(status int) {
	if status == 303 && r.method != "GET" && r.method != "HEAD" || (status == 301 || status == 302) && r.method == "POST" {
		r.method, r.body = "GET", ""
		for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Language", "Content-Location"} {
			r.header.Del(k)
		}
	}
}

// send makes the hop's request with headers h and records it in
// res.Trace.
func (b *Browser) send(res *Response, r *request, h http.Header, navigation bool) (httpResponse, error) {
	got, err := b.roundTrip(r.method, r.url(), h, r.body, navigation)
	res.Trace = append(res.Trace, Exchange{Method: r.method, URL: r.url().String(), RequestHeader: h, Status: got.status,
		ResponseHeader: got.header})
	return got, err
}

// addCookies sets the Cookie header the jar sends for ctx's request and
// records the cookies it does not send.
func (b *Browser) addCookies(res *Response, h http.Header, ctx cookieContext, include bool) {
	cookie, refused := b.cookiesFor(ctx, include)
	res.Refused = append(res.Refused, refused...)
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
}

// withoutFragment is u without its fragment: the request target.
func withoutFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}
