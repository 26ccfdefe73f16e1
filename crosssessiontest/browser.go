package crosssessiontest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Browser is one browser profile: a cookie jar and the servers it can
// reach. Its pages (Open) share the jar, as tabs do. It is safe for
// concurrent use.
type Browser struct {
	// Client sends the requests to hosts that no Serve handler serves,
	// such as an httptest.Server's (b.Client = srv.Client(), with URLs
	// built from srv.URL). Its Jar and CheckRedirect are not used: the
	// Browser keeps cookies and follows redirects itself. nil: such
	// requests fail with a network error.
	Client *http.Client

	profile    Profile
	mu         sync.Mutex
	handlers   map[string]http.Handler
	fronts     map[string]bool // origins opened with Open
	jar        []*StoredCookie
	preflights []preflightEntry // the CORS-preflight cache
	// preflightsSent counts the successful preflights per cache key,
	// origin and URL (Firefox's reuse of its cache, preflight.go).
	preflightsSent map[string]int
	offset         time.Duration
}

// New returns a browser of the given profile, with an empty jar and no
// servers.
func New(p Profile) *Browser {
	return &Browser{profile: p, handlers: map[string]http.Handler{}, fronts: map[string]bool{}}
}

// Profile returns the browser's profile.
func (b *Browser) Profile() Profile { return b.profile }

// Serve routes requests for host to h, called in process (no network):
// "api.example.com" for every port of that name, "api.example.com:8443"
// for one port (it wins over the bare name). The scheme comes from the
// URL; for https the request has r.TLS set, as a TLS server would, and
// r.Host is the URL's host.
func (b *Browser) Serve(host string, h http.Handler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.handlers[strings.ToLower(host)] = h
}

// Advance moves the browser's clock forward: cookies expire and
// Chromium's two-minute Lax+POST window closes as if d had passed. The
// servers' clocks are not affected.
func (b *Browser) Advance(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.offset += d
}

func (b *Browser) now() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Now().Add(b.offset)
}

// Open returns a new page (a tab) whose document is at rawURL, an absolute
// http or https URL such as "https://app.example.com/". No request is
// made: the front end's own server is not under test. From then on, a
// navigation to that origin (a login redirecting back to the SPA) gets an
// empty 200 HTML document, unless Serve has a handler for its host
// (fetches to it go to a handler or Client, as to any host). Open
// panics on a URL that is not absolute http(s), as httptest.NewRequest
// does.
func (b *Browser) Open(rawURL string) *Page {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		panic(fmt.Sprintf("crosssessiontest: Open(%q): not an absolute http(s) URL", rawURL))
	}
	if u.Path == "" {
		u.Path = "/"
	}
	b.mu.Lock()
	b.fronts[originOf(u)] = true
	b.mu.Unlock()
	return &Page{b: b, url: u}
}

// httpResponse is a response as received.
type httpResponse struct {
	status int
	header http.Header
	body   string
}

// roundTrip sends one request, without following redirects. A navigation
// to an origin opened with Open, without a handler, gets an empty document.
func (b *Browser) roundTrip(method string, u *url.URL, h http.Header, body string, navigation bool) (httpResponse, error) {
	handler, client := b.route(u, navigation)
	switch {
	case handler != nil:
		return serveInProcess(handler, method, withoutFragment(u), h, body), nil
	case client == nil:
		return httpResponse{}, fmt.Errorf("crosssessiontest: no server for %s: call Browser.Serve(%q, handler) or set Browser.Client",
			u.Host, hostOf(u))
	}
	return sendOverNetwork(client, method, withoutFragment(u), h, body)
}

// route returns the handler Serve registered for u's host and port, else
// for its host, else the front end's empty document for a navigation to
// an origin opened with Open; and the Client for the rest.
func (b *Browser) route(u *url.URL, navigation bool) (http.Handler, *http.Client) {
	b.mu.Lock()
	defer b.mu.Unlock()
	handler := b.handlers[strings.ToLower(u.Host)]
	if handler == nil {
		handler = b.handlers[hostOf(u)]
	}
	if handler == nil && navigation && b.fronts[originOf(u)] {
		handler = frontEnd
	}
	return handler, b.Client
}

// frontEnd is the document of a front end opened with Open.
var frontEnd = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, "<!doctype html><title>front end</title>\n")
})

// serveInProcess calls handler as a server would for a request to target.
func serveInProcess(handler http.Handler, method, target string, h http.Header, body string) httpResponse {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	r.Header = h.Clone()
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, r)
	res := rec.Result()
	return httpResponse{res.StatusCode, res.Header, rec.Body.String()}
}

// sendOverNetwork sends the request with client, without its Jar and
// without following redirects.
func sendOverNetwork(client *http.Client, method, target string, h http.Header, body string) (httpResponse, error) {
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		return httpResponse{}, err
	}
	req.Header = h.Clone()
	c := *client
	c.Jar = nil
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		return httpResponse{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return httpResponse{res.StatusCode, res.Header, string(data)}, err
}

// Page is a top-level document (a tab) of a Browser. Its location is the
// page's origin and top-level site for the requests it makes; Navigate and
// SubmitForm change it. It is safe for concurrent use.
type Page struct {
	b       *Browser
	mu      sync.Mutex
	url     *url.URL
	storage map[string]map[string]string // sessionStorage, by origin
}

// sessionStorage returns the value of key in the sessionStorage of the
// page's origin, and whether it is set.
func (p *Page) sessionStorage(key string) (string, bool) {
	o := p.Origin()
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.storage[o][key]
	return v, ok
}

// setSessionStorage sets key in the sessionStorage of the page's origin,
// or removes it when remove is true.
func (p *Page) setSessionStorage(key, value string, remove bool) {
	o := p.Origin()
	p.mu.Lock()
	defer p.mu.Unlock()
	if remove {
		delete(p.storage[o], key)
		return
	}
	if p.storage == nil {
		p.storage = map[string]map[string]string{}
	}
	if p.storage[o] == nil {
		p.storage[o] = map[string]string{}
	}
	p.storage[o][key] = value
}

func (p *Page) location() *url.URL {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := *p.url
	return &u
}

func (p *Page) setLocation(u *url.URL) {
	c := *u
	p.mu.Lock()
	p.url = &c
	p.mu.Unlock()
}

// URL returns the page's location (location.href), fragment included.
func (p *Page) URL() string { return p.location().String() }

// Origin returns the page's origin as the Origin header serializes it.
func (p *Page) Origin() string { return originOf(p.location()) }

// Site returns the page's top-level site, the key of the CHIPS partition
// its requests read (see Profile.Site).
func (p *Page) Site() string { return p.b.profile.site(p.location()) }

// Hash returns location.hash: "#" and the fragment, or "".
func (p *Page) Hash() string {
	u := p.location()
	if f := u.EscapedFragment(); f != "" {
		return "#" + f
	}
	return ""
}

// Response is what a fetch or a navigation gave the page.
type Response struct {
	// URL is the final URL after redirects (without the fragment for a
	// fetch, as Response.url; with it for a navigation, as location).
	URL string
	// Status is the status the page sees; 0 when Err is set (the
	// promise rejected with a TypeError).
	Status int
	// Header holds the response headers the page can read: for a
	// cross-origin fetch the CORS-safelisted ones and those in
	// Access-Control-Expose-Headers; never Set-Cookie. For a navigation,
	// every header but Set-Cookie. The raw headers are in Trace.
	Header http.Header
	Body   string // the response body the page reads ("" when Err is set)
	// Redirected is true when a redirect was followed.
	Redirected bool
	// Type is "basic" (same-origin) or "cors" for a fetch, "navigation"
	// for a navigation.
	Type string
	// Err is the network error when the request failed: a *CORSError, a
	// mixed-content block, a request fetch() refuses (TypeError), or no
	// server for the host.
	Err error
	// CORSError is Err when the failure is a CORS failure, else nil.
	CORSError *CORSError
	// Refused lists the cookies refused on every hop of the request:
	// Set-Cookie headers not stored and stored cookies not sent.
	Refused []CookieRefusal
	// Trace is every request as sent (preflights included) and its
	// response as received, raw headers included.
	Trace []Exchange
}

// Exchange is one request on the wire and its response.
type Exchange struct {
	Preflight     bool        // a CORS preflight (OPTIONS), not the request itself
	Method, URL   string      // as sent; the URL without its fragment is the request target
	RequestHeader http.Header // as sent, Cookie and Origin included
	// Status is 0 when no response came (no server).
	Status         int
	ResponseHeader http.Header // as received, Set-Cookie included
}

// RefusedNames returns the names of the refused cookies with their
// reasons, "name/stage:reason", for short test messages.
func (r *Response) RefusedNames() []string {
	var out []string
	for _, c := range r.Refused {
		out = append(out, c.Name+"/"+c.Stage+":"+c.Reason)
	}
	return out
}

// Sent returns the Cookie header of the last request of the exchange (the
// one that got the final response), "" when none was sent.
func (r *Response) Sent() string {
	for i := len(r.Trace) - 1; i >= 0; i-- {
		if !r.Trace[i].Preflight {
			return r.Trace[i].RequestHeader.Get("Cookie")
		}
	}
	return ""
}

func (r *Response) fail(err error) *Response {
	r.Status, r.Header, r.Body = 0, nil, ""
	r.Err = err
	if ce, ok := err.(*CORSError); ok {
		r.CORSError = ce
	}
	return r
}

// typeError is a request fetch() refuses to make.
type typeError string

func (e typeError) Error() string { return "TypeError: " + string(e) }
