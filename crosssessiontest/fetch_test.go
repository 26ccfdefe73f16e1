package crosssessiontest_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	cst "github.com/crosssession/crosssession/crosssessiontest"
)

// corsServer answers with the headers given, after recording the request.
type corsServer struct {
	headers   map[string][]string // response headers for every request
	preflight map[string][]string // extra headers for OPTIONS
	status    int                 // for non-OPTIONS requests; 0 is 200
	got       []*http.Request
}

func (s *corsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.got = append(s.got, r)
	for k, v := range s.headers {
		w.Header()[k] = v
	}
	if r.Method == http.MethodOptions {
		for k, v := range s.preflight {
			w.Header()[k] = v
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if s.status != 0 {
		w.WriteHeader(s.status)
	}
	w.Write([]byte("body"))
}

const app, api = "https://app.example.com", "https://api.example.com"

func credentialed() map[string][]string {
	return map[string][]string{"Access-Control-Allow-Origin": {app}, "Access-Control-Allow-Credentials": {"true"}}
}

// TestCORSCheck: the CORS check of Fetch, one rule a row (BROWSER-RULES 39).
func TestCORSCheck(t *testing.T) {
	cases := []struct {
		name    string
		headers map[string][]string
		creds   cst.Credentials
		kind    string // "" = passes
	}{
		{"exact origin, credentials true", credentialed(), cst.Include, ""},
		{"no ACAO", map[string][]string{}, cst.Include, "MissingAllowOriginHeader"},
		{"wildcard with credentials", map[string][]string{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Credentials": {"true"}}, cst.Include, "WildcardOriginNotAllowed"},
		{"wildcard without credentials", map[string][]string{"Access-Control-Allow-Origin": {"*"}}, cst.SameOrigin, ""},
		{"other origin", map[string][]string{"Access-Control-Allow-Origin": {"https://app.example.com.evil.com"}}, cst.Omit, "AllowOriginMismatch"},
		{"trailing slash", map[string][]string{"Access-Control-Allow-Origin": {app + "/"}}, cst.Omit, "AllowOriginMismatch"},
		{"two values", map[string][]string{"Access-Control-Allow-Origin": {app, app}}, cst.Omit, "MultipleAllowOriginValues"},
		{"comma list", map[string][]string{"Access-Control-Allow-Origin": {app + ", https://x.example"}}, cst.Omit, "MultipleAllowOriginValues"},
		{"credentials missing", map[string][]string{"Access-Control-Allow-Origin": {app}}, cst.Include, "InvalidAllowCredentials"},
		{"credentials True", map[string][]string{"Access-Control-Allow-Origin": {app}, "Access-Control-Allow-Credentials": {"True"}}, cst.Include, "InvalidAllowCredentials"},
		{"credentials twice", map[string][]string{"Access-Control-Allow-Origin": {app}, "Access-Control-Allow-Credentials": {"true", "true"}}, cst.Include, "InvalidAllowCredentials"},
		{"credentials not needed", map[string][]string{"Access-Control-Allow-Origin": {app}}, cst.SameOrigin, ""},
	}
	for _, c := range cases {
		b := cst.New(cst.Chromium)
		b.Serve("api.example.com", &corsServer{headers: c.headers})
		res := b.Open(app).Fetch(api+"/x", cst.Init{Credentials: c.creds})
		got := ""
		if res.CORSError != nil {
			got = res.CORSError.Kind
			if res.Status != 0 || res.Body != "" || res.Err == nil || !strings.Contains(res.Err.Error(), "blocked by CORS policy") {
				t.Errorf("%s: a CORS failure shows nothing to the page: %+v", c.name, res)
			}
		} else if res.Err != nil {
			t.Errorf("%s: %v", c.name, res.Err)
		}
		if got != c.kind {
			t.Errorf("%s: got %q, want %q", c.name, got, c.kind)
		}
	}
	// The library's reason code where one applies.
	b := cst.New(cst.Chromium)
	b.Serve("api.example.com", &corsServer{headers: map[string][]string{}})
	if r := b.Open(app).Fetch(api, cst.Init{}).CORSError; r == nil || r.Reason != "origin-not-allowed" {
		t.Errorf("missing ACAO: %+v", r)
	}
}

// TestPreflight: when a preflight goes and what it must allow
// (BROWSER-RULES 40-43).
func TestPreflight(t *testing.T) {
	allow := func(methods, headers string) map[string][]string {
		return map[string][]string{"Access-Control-Allow-Methods": {methods}, "Access-Control-Allow-Headers": {headers}}
	}
	cases := []struct {
		name      string
		profile   cst.Profile
		init      cst.Init
		preflight map[string][]string
		// acrm/acrh: the preflight's request headers ("-" = no preflight);
		// kind: the CORS failure ("" = success).
		acrm, acrh, kind string
	}{
		{name: "simple GET", init: cst.Init{Credentials: cst.Include}, acrm: "-"},
		{name: "form POST", init: cst.Init{Method: "post", Credentials: cst.Include, Body: "a=1",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, acrm: "-"},
		{name: "text/plain body by default", init: cst.Init{Method: "POST", Body: "x"}, acrm: "-"},
		{name: "JSON POST", init: cst.Init{Method: "POST", Body: "{}", Credentials: cst.Include,
			Headers: map[string]string{"Content-Type": "application/json"}},
			preflight: allow("POST", "Content-Type"), acrm: "POST", acrh: "content-type"},
		{name: "headers lowercase and sorted", init: cst.Init{Headers: map[string]string{"X-Zeta": "1", "Authorization": "Bearer t", "X-Alpha": "2", "Accept": "*/*"}},
			preflight: allow("GET", "authorization, X-ALPHA, x-zeta"), acrm: "GET", acrh: "authorization,x-alpha,x-zeta"},
		{name: "header not allowed", init: cst.Init{Credentials: cst.Include, Headers: map[string]string{"X-Token": "1"}},
			preflight: allow("GET", "Content-Type"), acrm: "GET", acrh: "x-token", kind: "HeaderDisallowedByPreflightResponse"},
		{name: "DELETE", init: cst.Init{Method: "delete", Credentials: cst.Include}, preflight: allow("GET, DELETE", ""), acrm: "DELETE"},
		{name: "patch stays lowercase", init: cst.Init{Method: "patch", Credentials: cst.Include},
			preflight: allow("GET, PATCH", ""), acrm: "patch", kind: "MethodDisallowedByPreflightResponse"},
		{name: "PATCH", init: cst.Init{Method: "PATCH", Credentials: cst.Include}, preflight: allow("PATCH", ""), acrm: "PATCH"},
		{name: "method * literal with credentials", init: cst.Init{Method: "PUT", Credentials: cst.Include},
			preflight: allow("*", ""), acrm: "PUT", kind: "MethodDisallowedByPreflightResponse"},
		{name: "method * wildcard without", init: cst.Init{Method: "PUT"}, preflight: allow("*", ""), acrm: "PUT"},
		{name: "header * literal with credentials", init: cst.Init{Credentials: cst.Include, Headers: map[string]string{"X-A": "1"}},
			preflight: allow("GET", "*"), acrm: "GET", acrh: "x-a", kind: "HeaderDisallowedByPreflightResponse"},
		{name: "header * wildcard without", init: cst.Init{Headers: map[string]string{"X-A": "1"}},
			preflight: allow("GET", "*"), acrm: "GET", acrh: "x-a"},
		{name: "* covers Authorization in Chromium", init: cst.Init{Headers: map[string]string{"Authorization": "Bearer t"}},
			preflight: allow("GET", "*"), acrm: "GET", acrh: "authorization"},
		{name: "* never covers Authorization in Firefox", profile: cst.Firefox, init: cst.Init{Headers: map[string]string{"Authorization": "Bearer t"}},
			preflight: allow("GET", "*"), acrm: "GET", acrh: "authorization", kind: "HeaderDisallowedByPreflightResponse"},
		{name: "long Accept is not safelisted", init: cst.Init{Headers: map[string]string{"Accept": strings.Repeat("a", 129)}},
			preflight: allow("GET", "accept"), acrm: "GET", acrh: "accept"},
		{name: "forbidden headers are dropped", init: cst.Init{Headers: map[string]string{"Cookie": "a=1", "Origin": "https://evil", "Sec-Fetch-Site": "same-origin"}},
			acrm: "-"},
	}
	for _, c := range cases {
		srv := &corsServer{headers: credentialed(), preflight: c.preflight}
		b := cst.New(c.profile)
		b.Serve("api.example.com", srv)
		res := b.Open(app).Fetch(api+"/x", c.init)
		var pre *http.Request
		for _, r := range srv.got {
			if r.Method == http.MethodOptions {
				pre = r
			}
		}
		switch {
		case c.acrm == "-" && pre != nil:
			t.Errorf("%s: unexpected preflight", c.name)
		case c.acrm != "-" && pre == nil:
			t.Errorf("%s: no preflight", c.name)
		case pre != nil:
			if got := pre.Header.Get("Access-Control-Request-Method"); got != c.acrm {
				t.Errorf("%s: Access-Control-Request-Method %q, want %q", c.name, got, c.acrm)
			}
			if got := pre.Header.Get("Access-Control-Request-Headers"); got != c.acrh {
				t.Errorf("%s: Access-Control-Request-Headers %q, want %q", c.name, got, c.acrh)
			}
			if pre.Header.Get("Cookie") != "" || pre.Header.Get("Origin") != app {
				t.Errorf("%s: preflight headers %v", c.name, pre.Header)
			}
		}
		got := ""
		if res.CORSError != nil {
			got = res.CORSError.Kind
			if !res.CORSError.Preflight {
				t.Errorf("%s: a preflight failure says Preflight", c.name)
			}
		} else if res.Err != nil {
			t.Errorf("%s: %v", c.name, res.Err)
		}
		if got != c.kind {
			t.Errorf("%s: got %q, want %q", c.name, got, c.kind)
		}
		if got != "" && len(srv.got) != 1 {
			t.Errorf("%s: the request was sent after a failed preflight", c.name)
		}
		if strings.HasSuffix(got, "DisallowedByPreflightResponse") && res.CORSError.Reason != "preflight-not-allowed" {
			t.Errorf("%s: reason %q", c.name, res.CORSError.Reason)
		}
		if c.name == "forbidden headers are dropped" {
			if h := srv.got[0].Header; h.Get("Cookie") != "" || h.Get("Origin") != app || h.Get("Sec-Fetch-Site") != "same-site" {
				t.Errorf("%s: sent %v", c.name, h)
			}
		}
	}
}

// TestPreflightStatus: a preflight needs an ok status, and no redirect.
func TestPreflightStatus(t *testing.T) {
	for status, kind := range map[int]string{404: "PreflightInvalidStatus", 401: "PreflightInvalidStatus",
		307: "PreflightDisallowedRedirect"} {
		b := cst.New(cst.Chromium)
		b.Serve("api.example.com", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", app)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Location", api+"/y")
			w.WriteHeader(status)
		}))
		res := b.Open(app).Fetch(api+"/x", cst.Init{Method: "PUT", Credentials: cst.Include})
		if res.CORSError == nil || res.CORSError.Kind != kind ||
			!strings.Contains(res.Err.Error(), "Response to preflight request doesn't pass access control check") {
			t.Errorf("%d: %v", status, res.Err)
		}
	}
}

// TestRequestHeaders: Origin, Sec-Fetch-* and method normalization.
func TestRequestHeaders(t *testing.T) {
	cases := []struct {
		page, target, method    string
		origin, sfs, mode, dest string
	}{
		{app, api + "/x", "GET", app, "same-site", "cors", "empty"},
		{"https://myapp.vercel.app", api + "/x", "GET", "https://myapp.vercel.app", "cross-site", "cors", "empty"},
		{api, api + "/x", "GET", "", "same-origin", "cors", "empty"},   // same-origin GET: no Origin
		{api, api + "/x", "POST", api, "same-origin", "cors", "empty"}, // same-origin POST: Origin
		{"http://localhost:3000", "http://localhost:3001/x", "GET", "http://localhost:3000", "same-site", "cors", "empty"},
		{"http://app.localhost:3000", "http://localhost:3001/x", "GET", "http://app.localhost:3000", "cross-site", "cors", "empty"},
		{"http://127.0.0.1:3000", "http://localhost:3001/x", "GET", "http://127.0.0.1:3000", "cross-site", "cors", "empty"},
		{"http://[::1]:3000", "http://[::1]:3001/x", "GET", "http://[::1]:3000", "same-site", "cors", "empty"},
		{"https://app.example.com:443", api + "/x", "GET", app, "same-site", "cors", "empty"}, // default port elided
		// Plain http off localhost is not potentially trustworthy: no Sec-Fetch-*.
		{"http://app.example.com", "http://api.example.com/x", "GET", "http://app.example.com", "", "", ""},
	}
	for _, c := range cases {
		srv := &corsServer{headers: map[string][]string{"Access-Control-Allow-Origin": {"*"}}}
		b := cst.New(cst.Firefox)
		u, _ := url.Parse(c.target)
		b.Serve(u.Host, srv)
		res := b.Open(c.page).Fetch(c.target, cst.Init{Method: c.method})
		if res.Err != nil || len(srv.got) != 1 {
			t.Errorf("%s → %s: %v", c.page, c.target, res.Err)
			continue
		}
		h := srv.got[0].Header
		if h.Get("Origin") != c.origin || h.Get("Sec-Fetch-Site") != c.sfs || h.Get("Sec-Fetch-Mode") != c.mode ||
			h.Get("Sec-Fetch-Dest") != c.dest {
			t.Errorf("%s → %s %s: sent Origin %q, Sec-Fetch-Site %q, -Mode %q, -Dest %q", c.page, c.target, c.method,
				h.Get("Origin"), h.Get("Sec-Fetch-Site"), h.Get("Sec-Fetch-Mode"), h.Get("Sec-Fetch-Dest"))
		}
		if !strings.Contains(h.Get("User-Agent"), "Firefox/153") {
			t.Errorf("User-Agent %q", h.Get("User-Agent"))
		}
	}
	for in, want := range map[string]string{"get": "GET", "post": "POST", "delete": "DELETE", "put": "PUT",
		"options": "OPTIONS", "head": "HEAD", "patch": "patch", "Patch": "Patch", "PATCH": "PATCH", "purge": "purge"} {
		srv := &corsServer{headers: map[string][]string{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Methods": {"*"}}}
		b := cst.New(cst.Chromium)
		b.Serve("api.example.com", srv)
		b.Open(app).Fetch(api+"/x", cst.Init{Method: in})
		if got := srv.got[len(srv.got)-1].Method; got != want {
			t.Errorf("method %q sent as %q, want %q", in, got, want)
		}
	}
	b := cst.New(cst.Chromium)
	page := b.Open(app)
	for _, init := range []cst.Init{{Method: "TRACE"}, {Method: "connect"}, {Method: "bad method"}, {Body: "x"},
		{Method: "HEAD", Body: "x"}, {Credentials: "always"}} {
		if res := page.Fetch(api, init); res.Err == nil || !strings.HasPrefix(res.Err.Error(), "TypeError") {
			t.Errorf("%+v: %v, want a TypeError", init, res.Err)
		}
	}
	if res := page.Fetch("http://api.example.com/x", cst.Init{}); res.Err == nil || !strings.Contains(res.Err.Error(), "mixed content") {
		t.Errorf("an https page fetching http: %v", res.Err)
	}
	if res := page.Fetch(api, cst.Init{}); res.Err == nil || !strings.Contains(res.Err.Error(), "no server") {
		t.Errorf("no server: %v", res.Err)
	}
}

// TestRedirects: redirects keep or change the method, taint the Origin
// after a cross-origin hop, and re-check CORS on each hop.
func TestRedirects(t *testing.T) {
	var got []*http.Request
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r)
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		switch r.URL.Path {
		case "/303":
			http.Redirect(w, r, "/done", http.StatusSeeOther)
		case "/307":
			http.Redirect(w, r, "/done", http.StatusTemporaryRedirect)
		case "/away":
			http.Redirect(w, r, "https://other.example.net/done", http.StatusFound)
		case "/no-cors":
			w.Header().Del("Access-Control-Allow-Origin")
			http.Redirect(w, r, "/done", http.StatusFound)
		default:
			w.Write([]byte(r.Method))
		}
	})
	b := cst.New(cst.Chromium)
	b.Serve("api.example.com", h)
	b.Serve("other.example.net", h)
	page := b.Open(app)

	res := page.Fetch(api+"/303", cst.Init{Method: "POST", Body: "x", Credentials: cst.Include})
	if res.Body != "GET" || !res.Redirected || res.URL != api+"/done" || got[1].Header.Get("Content-Type") != "" {
		t.Errorf("303: %+v", res)
	}
	got = nil
	res = page.Fetch(api+"/307", cst.Init{Method: "POST", Body: "x", Credentials: cst.Include})
	if res.Body != "POST" || got[1].Header.Get("Origin") != app {
		t.Errorf("307: %s, Origin %q", res.Body, got[1].Header.Get("Origin"))
	}
	got = nil
	// A cross-origin redirect from a cross-origin URL: Origin "null", and
	// an ACAO echoing it is "null", which the CORS check accepts.
	res = page.Fetch(api+"/away", cst.Init{})
	if res.Err != nil || got[1].Header.Get("Origin") != "null" || got[1].Header.Get("Sec-Fetch-Site") != "cross-site" {
		t.Errorf("away: %v, Origin %q, Sec-Fetch-Site %q", res.Err, got[1].Header.Get("Origin"), got[1].Header.Get("Sec-Fetch-Site"))
	}
	got = nil
	res = page.Fetch(api+"/no-cors", cst.Init{})
	if res.CORSError == nil || res.CORSError.Kind != "MissingAllowOriginHeader" || len(got) != 1 {
		t.Errorf("a redirect without CORS headers: %v", res.Err)
	}
	// credentials: 'same-origin' stops sending cookies after the request
	// leaves the page's origin.
	sameOrigin := b.Open(api + "/")
	b.Serve("api.example.com", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r)
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "a", Value: "1", Path: "/", Secure: true})
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "null")
		http.Redirect(w, r, "https://other.example.net/done", http.StatusFound)
	}))
	sameOrigin.Fetch("/set", cst.Init{})
	got = nil
	sameOrigin.Fetch("/go", cst.Init{})
	if got[0].Header.Get("Cookie") != "a=1" {
		t.Errorf("same-origin fetch: Cookie %q", got[0].Header.Get("Cookie"))
	}
}

// TestNavigate: a top-level GET navigation follows redirects, keeps the
// fragment, sends no Origin and moves the page.
func TestNavigate(t *testing.T) {
	var got []*http.Request
	b := cst.New(cst.Chromium)
	b.Serve("api.example.com", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r)
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/end", http.StatusFound)
		case "/nothing":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Write([]byte("end"))
		}
	}))
	page := b.Open(app + "/spa")
	res := page.Navigate(api + "/start#frag")
	if res.Status != 200 || page.URL() != api+"/end#frag" || page.Origin() != api || page.Hash() != "#frag" {
		t.Errorf("navigate: %d, page at %s", res.Status, page.URL())
	}
	h := got[0].Header
	if h.Get("Origin") != "" || h.Get("Sec-Fetch-Mode") != "navigate" || h.Get("Sec-Fetch-Dest") != "document" ||
		h.Get("Sec-Fetch-Site") != "same-site" || !strings.HasPrefix(h.Get("Accept"), "text/html") {
		t.Errorf("navigation headers %v", h)
	}
	page.Navigate("/nothing")
	if page.URL() != api+"/end#frag" {
		t.Errorf("a 204 moved the page to %s", page.URL())
	}
	// Open registered the front end: navigating back to it works without
	// a server of its own.
	if res := page.Navigate(app + "/back"); res.Status != 200 || page.Origin() != app {
		t.Errorf("back to the front end: %d %v", res.Status, res.Err)
	}
}

// TestClient: requests to hosts without a handler go through Browser.Client,
// for httptest servers.
func TestClient(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/r" {
			http.SetCookie(w, &http.Cookie{Name: "a", Value: "x", Path: "/", Secure: true, SameSite: http.SameSiteLaxMode})
			http.Redirect(w, r, "/seen", http.StatusFound)
		}
		w.Write([]byte(r.Header.Get("Cookie")))
	}))
	defer srv.Close()
	b := cst.New(cst.Chromium)
	b.Client = srv.Client()
	page := b.Open(srv.URL)
	if res := page.Fetch("/r", cst.Init{}); res.Err != nil || res.Body != "a=x" || res.URL != srv.URL+"/seen" {
		t.Errorf("via the client: %v, the redirect's target got %q", res.Err, res.Body)
	}
}

// TestPreflightCache: a successful preflight spares later requests theirs
// for its Max-Age (5 s without one, capped per engine), for the methods
// and headers it allowed, per Origin, URL and credentials mode; Firefox
// reuses it only from the third preflighted request to a URL not on
// localhost (as measured in the e2e suite).
func TestPreflightCache(t *testing.T) {
	json := map[string]string{"Content-Type": "application/json"}
	post := cst.Init{Method: "POST", Credentials: cst.Include, Headers: json, Body: "{}"}
	del := cst.Init{Method: "DELETE", Credentials: cst.Include}
	preflights := func(s *corsServer) int {
		n := 0
		for _, r := range s.got {
			if r.Method == http.MethodOptions {
				n++
			}
		}
		return n
	}
	allow := func(maxAge string) *corsServer {
		pf := map[string][]string{"Access-Control-Allow-Methods": {"GET, POST, DELETE"},
			"Access-Control-Allow-Headers": {"Content-Type"}}
		if maxAge != "" {
			pf["Access-Control-Max-Age"] = []string{maxAge}
		}
		return &corsServer{headers: credentialed(), preflight: pf}
	}
	for _, c := range []struct {
		name    string
		profile cst.Profile
		base    string // the API's origin
		maxAge  string
		steps   []cst.Init
		wait    time.Duration // between the steps
		want    int           // preflights sent
	}{
		{"cached", cst.Chromium, api, "7200", []cst.Init{post, post, del, del}, 0, 1},
		{"another method allowed too", cst.WebKit, api, "600", []cst.Init{del, post}, 0, 1},
		{"default 5 s", cst.Chromium, api, "", []cst.Init{post, post}, 6 * time.Second, 2},
		{"capped at 600 s in WebKit", cst.WebKit, api, "7200", []cst.Init{post, post}, 601 * time.Second, 2},
		{"kept 7200 s in Chromium", cst.Chromium, api, "86400", []cst.Init{post, post}, 7199 * time.Second, 1},
		{"negative: not cached", cst.Firefox, "http://localhost:3001", "-1", []cst.Init{post, post}, 0, 2},
		{"a credentialed entry serves an uncredentialed request", cst.Chromium, api, "60",
			[]cst.Init{post, {Method: "POST", Headers: json, Body: "{}"}}, 0, 1},
		{"Firefox, localhost", cst.Firefox, "http://localhost:3001", "7200", []cst.Init{post, post, del}, 0, 1},
		{"Firefox, another host", cst.Firefox, api, "7200", []cst.Init{post, del, post, del}, 0, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := allow(c.maxAge)
			b := cst.New(c.profile)
			u, _ := url.Parse(c.base)
			b.Serve(u.Host, s)
			spa := b.Open(app + "/")
			for i, init := range c.steps {
				if i > 0 {
					b.Advance(c.wait)
				}
				if r := spa.Fetch(c.base+"/users/session", init); r.Err != nil {
					t.Fatalf("step %d: %v", i, r.Err)
				}
			}
			if n := preflights(s); n != c.want {
				t.Errorf("%d preflights, want %d", n, c.want)
			}
			// Another URL, another entry.
			if spa.Fetch(c.base+"/other", del); preflights(s) != c.want+1 {
				t.Errorf("another URL should be preflighted")
			}
		})
	}
}
