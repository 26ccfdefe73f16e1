package crosssessiontest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Credentials is fetch's credentials mode.
type Credentials string

const (
	// SameOrigin sends and stores cookies only on same-origin requests:
	// fetch's default, and the zero value ("").
	SameOrigin Credentials = "same-origin"
	// Include sends and stores cookies on every request:
	// credentials: 'include' (axios and XHR: withCredentials: true).
	Include Credentials = "include"
	// Omit never sends or stores cookies.
	Omit Credentials = "omit"
)

// Init is fetch's second argument (RequestInit), for the fields that
// matter here. Mode is always "cors" and redirects are followed.
type Init struct {
	// Method is the request method; "" means GET. Only DELETE, GET, HEAD,
	// OPTIONS, POST and PUT are uppercased (fetch's "normalize a
	// method"): "patch" is sent as written.
	Method string
	// Headers are the request headers; names fetch forbids (Cookie,
	// Origin, Host, Sec-*, ...) are dropped, as browsers do.
	Headers map[string]string
	// Body is the request body. Without a Content-Type header a non-empty
	// body is sent as text/plain;charset=UTF-8, as fetch does for a
	// string.
	Body string
	// Credentials is the credentials mode; "" means SameOrigin.
	Credentials Credentials
}

// Fetch is fetch(rawURL, init) run by the page: rawURL is resolved
// against the page's location; the request carries the page's Origin,
// Sec-Fetch-* headers (to potentially trustworthy URLs only) and the
// cookies the profile sends; a preflight goes first when the method or a
// header is not CORS-safelisted; the response's Set-Cookie headers are
// stored by the profile's rules when credentials are included (before the
// CORS check, as the Fetch standard stores them); redirects are followed
// (a redirect to another origin from a cross-origin URL makes the Origin
// "null"); and the CORS check decides what the page sees. A failure is in
// Err (and CORSError), as the rejected promise's TypeError.
func (p *Page) Fetch(rawURL string, init Init) *Response {
	res := &Response{}
	r, err := newFetchRequest(p.location(), rawURL, init)
	if err != nil {
		return res.fail(err)
	}
	for {
		got, err := p.httpFetch(res, r)
		if err != nil {
			return res.fail(err)
		}
		loc := got.header.Get("Location")
		if !isRedirect(got.status) || loc == "" {
			return r.finish(res, got)
		}
		if err := r.redirect(res, got.status, loc); err != nil {
			return res.fail(err)
		}
	}
}

// fetchRequest is a fetch in progress: the request, its credentials mode
// and its response tainting.
type fetchRequest struct {
	request
	credentials Credentials
	tainting    string // "basic", then "cors" from the first URL of another origin on
}

// newFetchRequest sets the request up with the checks of fetch's Request
// constructor, in its order: the URL, the method, a body on GET or HEAD,
// the credentials mode; then it drops the headers fetch forbids.
func newFetchRequest(page *url.URL, rawURL string, init Init) (*fetchRequest, error) {
	u, err := fetchURL(page, rawURL)
	if err != nil {
		return nil, err
	}
	method, err := fetchMethod(init.Method)
	if err != nil {
		return nil, err
	}
	if init.Body != "" && (method == "GET" || method == "HEAD") {
		return nil, typeError("Request with GET/HEAD method cannot have body.")
	}
	creds, err := credentialsMode(init.Credentials)
	if err != nil {
		return nil, err
	}
	r := newRequest(page, u, method, requestHeaders(init.Headers, init.Body), init.Body)
	return &fetchRequest{request: r, credentials: creds, tainting: "basic"}, nil
}

// fetchURL resolves rawURL against the page: http or https, without
// credentials.
func fetchURL(page *url.URL, rawURL string) (*url.URL, error) {
	u, err := page.Parse(rawURL)
	switch {
	case err != nil:
		return nil, typeError(fmt.Sprintf("Failed to construct 'Request': Invalid URL %q", rawURL))
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, typeError(fmt.Sprintf("Fetch API cannot load %s. URL scheme %q is not supported.", u, u.Scheme))
	case u.User != nil:
		return nil, typeError("Request cannot be constructed from a URL that includes credentials: " + rawURL)
	}
	return u, nil
}

// fetchMethod is init's method, GET by default: a token, not CONNECT,
// TRACE or TRACK, normalized (BROWSER-RULES 42).
func fetchMethod(m string) (string, error) {
	if m == "" {
		m = "GET"
	}
	if !isToken(m) {
		return "", typeError(fmt.Sprintf("'%s' is not a valid HTTP method.", m))
	}
	switch strings.ToUpper(m) {
	case "CONNECT", "TRACE", "TRACK":
		return "", typeError(fmt.Sprintf("'%s' HTTP method is unsupported.", m))
	}
	return normalizeMethod(m), nil
}

// normalizeMethod uppercases only DELETE, GET, HEAD, OPTIONS, POST and PUT
// (BROWSER-RULES 42).
func normalizeMethod(m string) string {
	switch u := strings.ToUpper(m); u {
	case "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT":
		return u
	}
	return m
}

// credentialsMode is init's credentials mode, SameOrigin by default.
func credentialsMode(c Credentials) (Credentials, error) {
	switch c {
	case "":
		return SameOrigin, nil
	case SameOrigin, Include, Omit:
		return c, nil
	}
	return "", typeError(fmt.Sprintf("The provided value '%s' is not a valid enum value of type RequestCredentials.", c))
}

// requestHeaders are the page's headers but the forbidden ones; a body
// without Content-Type is text/plain, as fetch sends a string.
func requestHeaders(headers map[string]string, body string) http.Header {
	h := http.Header{}
	for k, v := range headers {
		if !forbiddenHeader(k, v) {
			h.Set(k, v)
		}
	}
	if body != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	return h
}

// httpFetch is one hop of the fetch (Fetch, "HTTP fetch"): it checks the
// URL, sends the preflight when one is needed, then the request with its
// cookies; stores the response's cookies (before the CORS check,
// BROWSER-RULES 13) and makes the CORS check.
func (p *Page) httpFetch(res *Response, r *fetchRequest) (httpResponse, error) {
	if err := r.checkURL(); err != nil {
		return httpResponse{}, err
	}
	r.updateTainting()
	ctx := r.fetchContext(p.b.profile)
	if q := r.preflightQuery(ctx); p.b.needsPreflight(r, q) {
		if e := p.preflight(res, r, q); e != nil {
			return httpResponse{}, e
		}
	}
	h := r.hopHeader(p.b.profile)
	p.b.addCookies(res, h, ctx, r.includeCookies())
	got, err := p.b.send(res, &r.request, h, false)
	if err != nil {
		return httpResponse{}, typeError("Failed to fetch: " + err.Error())
	}
	p.b.storeAll(res, got.header, ctx, r.includeCookies())
	if e := r.corsCheck(got.header); e != nil {
		return httpResponse{}, e
	}
	return got, nil
}

// checkURL stops a fetch after too many redirects, or one from an https
// page to plain http but to loopback: mixed content (BROWSER-RULES 49).
func (r *fetchRequest) checkURL() error {
	cur := r.url()
	if r.tooManyRedirects() {
		return typeError("Failed to fetch (too many redirects)")
	}
	if r.client.Scheme == "https" && cur.Scheme == "http" && !isLoopback(hostOf(cur)) {
		return fmt.Errorf("mixed content: the page at '%s' was loaded over HTTPS, but requested an insecure "+
			"resource '%s'. This request has been blocked", r.client, cur)
	}
	return nil
}

// updateTainting makes the response tainting "cors" once a URL is of
// another origin than the page (Fetch, "main fetch").
func (r *fetchRequest) updateTainting() {
	if originOf(r.url()) != r.origin {
		r.tainting = "cors"
	}
}

// includeCookies: credentials 'include', or 'same-origin' while every URL
// so far was same-origin (BROWSER-RULES 12).
func (r *fetchRequest) includeCookies() bool {
	return r.credentials == Include || r.credentials == SameOrigin && r.tainting == "basic"
}

// fetchContext is the cookie context of the fetch: the page is the
// top-level document, so it is both the initiator (SameSite) and the
// top-level site (third-party blocking, partitions).
func (r *request) fetchContext(p Profile) cookieContext {
	u := r.url()
	cross := !p.sameSiteForCookies(u, r.client)
	return cookieContext{u: u, method: r.method, crossSite: cross, thirdParty: cross, topSite: p.site(r.client),
		pageOrigin: r.origin}
}

// preflightQuery is what a preflight for this hop asks.
func (r *fetchRequest) preflightQuery(ctx cookieContext) preflightQuery {
	return preflightQuery{key: ctx.topSite, origin: r.serializedOrigin(), url: r.url(), target: withoutFragment(r.url()),
		method: r.method, names: unsafeHeaderNames(r.header), include: r.credentials == Include}
}

// hopHeader is the page's headers and the browser's: Accept, User-Agent,
// Origin on a CORS request or a method other than GET and HEAD
// (BROWSER-RULES 47), and Fetch Metadata.
func (r *fetchRequest) hopHeader(p Profile) http.Header {
	h := r.header.Clone()
	if h.Get("Accept") == "" {
		h.Set("Accept", "*/*")
	}
	h.Set("User-Agent", p.UserAgent())
	if r.tainting == "cors" || r.method != "GET" && r.method != "HEAD" {
		h.Set("Origin", r.serializedOrigin())
	}
	r.setFetchMetadata(h, "cors", "empty")
	return h
}

// corsCheck is the CORS check of a cross-origin response (BROWSER-RULES
// 39), on every hop.
func (r *fetchRequest) corsCheck(h http.Header) *CORSError {
	if r.tainting != "cors" {
		return nil
	}
	return corsCheck(h, r.serializedOrigin(), r.credentials == Include, false, r.url())
}

// redirect follows a redirect; a CORS request may not be redirected to a
// URL with credentials.
func (r *fetchRequest) redirect(res *Response, status int, location string) error {
	next, err := r.follow(status, location)
	switch {
	case err != nil:
		return typeError("Failed to fetch: " + err.Error())
	case r.tainting == "cors" && next.User != nil:
		return typeError("Failed to fetch: redirect to a URL with credentials")
	}
	res.Redirected = true
	return nil
}

// finish gives the page the final response: its URL without fragment and
// the headers it may read.
func (r *fetchRequest) finish(res *Response, got httpResponse) *Response {
	res.URL, res.Status, res.Body, res.Type = withoutFragment(r.url()), got.status, got.body, r.tainting
	res.Header = exposed(got.header, r.tainting, r.credentials == Include)
	return res
}
