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

// normalizeMethod uppercases only DELETE, GET, HEAD, OPTIONS, POST and PUT
// (BROWSER-RULES 42).
func normalizeMethod(m string) string {
	switch u := strings.ToUpper(m); u {
	case "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT":
		return u
	}
	return m
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
	b := p.b
	page := p.location()
	res := &Response{}
	u, err := page.Parse(rawURL)
	switch {
	case err != nil:
		return res.fail(typeError(fmt.Sprintf("Failed to construct 'Request': Invalid URL %q", rawURL)))
	case u.Scheme != "http" && u.Scheme != "https":
		return res.fail(typeError(fmt.Sprintf("Fetch API cannot load %s. URL scheme %q is not supported.", u, u.Scheme)))
	case u.User != nil:
		return res.fail(typeError("Request cannot be constructed from a URL that includes credentials: " + rawURL))
	}
	method := init.Method
	if method == "" {
		method = "GET"
	}
	if !isToken(method) {
		return res.fail(typeError(fmt.Sprintf("'%s' is not a valid HTTP method.", method)))
	}
	switch strings.ToUpper(method) {
	case "CONNECT", "TRACE", "TRACK":
		return res.fail(typeError(fmt.Sprintf("'%s' HTTP method is unsupported.", method)))
	}
	method = normalizeMethod(method)
	body := init.Body
	if body != "" && (method == "GET" || method == "HEAD") {
		return res.fail(typeError("Request with GET/HEAD method cannot have body."))
	}
	creds := init.Credentials
	switch creds {
	case "":
		creds = SameOrigin
	case SameOrigin, Include, Omit:
	default:
		return res.fail(typeError(fmt.Sprintf("The provided value '%s' is not a valid enum value of type RequestCredentials.", creds)))
	}
	hdr := http.Header{}
	for k, v := range init.Headers {
		if !forbiddenHeader(k, v) {
			hdr.Set(k, v)
		}
	}
	if body != "" && hdr.Get("Content-Type") == "" {
		hdr.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	origin := originOf(page)
	chain := []*url.URL{u}
	tainting, tainted := "basic", false
	for {
		cur := chain[len(chain)-1]
		if len(chain) > maxRedirects+1 {
			return res.fail(typeError("Failed to fetch (too many redirects)"))
		}
		if page.Scheme == "https" && cur.Scheme == "http" && !isLoopback(hostOf(cur)) {
			return res.fail(fmt.Errorf("mixed content: the page at '%s' was loaded over HTTPS, but requested an insecure "+
				"resource '%s'. This request has been blocked", page, cur))
		}
		if originOf(cur) != origin {
			tainting = "cors"
		}
		include := creds == Include || creds == SameOrigin && tainting == "basic"
		serialized := origin
		if tainted {
			serialized = "null"
		}
		ctx := p.fetchContext(page, cur, method)
		if tainting == "cors" && (method != "GET" && method != "HEAD" && method != "POST" || len(unsafeHeaderNames(hdr)) > 0) &&
			!b.preflightCached(ctx.topSite, serialized, cur, method, unsafeHeaderNames(hdr), creds == Include) {
			if err := p.preflight(res, page, chain, method, hdr, serialized, creds == Include); err != nil {
				return res.fail(err)
			}
		}
		h := hdr.Clone()
		if h.Get("Accept") == "" {
			h.Set("Accept", "*/*")
		}
		h.Set("User-Agent", b.profile.UserAgent())
		if tainting == "cors" || method != "GET" && method != "HEAD" {
			h.Set("Origin", serialized)
		}
		if trustworthy(cur) {
			h.Set("Sec-Fetch-Site", secFetchSite(page, chain))
			h.Set("Sec-Fetch-Mode", "cors")
			h.Set("Sec-Fetch-Dest", "empty")
		}
		cookie, refused := b.cookiesFor(ctx, include)
		res.Refused = append(res.Refused, refused...)
		if cookie != "" {
			h.Set("Cookie", cookie)
		}
		got, err := b.roundTrip(method, cur, h, body, false)
		status, rh, rbody := got.status, got.header, got.body
		res.Trace = append(res.Trace, Exchange{Method: method, URL: cur.String(), RequestHeader: h, Status: status, ResponseHeader: rh})
		if err != nil {
			return res.fail(typeError("Failed to fetch: " + err.Error()))
		}
		b.storeAll(res, rh, ctx, include)
		if tainting == "cors" {
			if err := corsCheck(rh, serialized, creds == Include, false, cur); err != nil {
				return res.fail(err)
			}
		}
		if loc := rh.Get("Location"); isRedirect(status) && loc != "" {
			next, m, bd, err := nextHop(cur, status, loc, method, body, hdr)
			if err != nil {
				return res.fail(typeError("Failed to fetch: " + err.Error()))
			}
			if tainting == "cors" && next.User != nil {
				return res.fail(typeError("Failed to fetch: redirect to a URL with credentials"))
			}
			if originOf(next) != originOf(cur) && origin != originOf(cur) {
				tainted = true
			}
			method, body = m, bd
			chain = append(chain, next)
			res.Redirected = true
			continue
		}
		res.URL, res.Status, res.Body, res.Type = withoutFragment(cur), status, rbody, tainting
		res.Header = exposed(rh, tainting, creds == Include)
		return res
	}
}

// fetchContext is the cookie context of a fetch from page to u: the page
// is the top-level document, so it is both the initiator (SameSite) and
// the top-level site (third-party blocking, partitions).
func (p *Page) fetchContext(page, u *url.URL, method string) cookieContext {
	prof := p.b.profile
	cross := !prof.sameSiteForCookies(u, page)
	return cookieContext{u: u, method: method, crossSite: cross, thirdParty: cross, topSite: prof.site(page),
		pageOrigin: originOf(page)}
}
