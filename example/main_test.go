package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

const (
	webOrigin     = "http://localhost:3000"
	prodWebOrigin = "https://localhost:3000"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	os.Exit(m.Run())
}

// req describes one browser-like request.
type req struct {
	method, path string
	origin       string // Origin header; "" for none
	site         string // Sec-Fetch-Site; "" for none
	cookie       *http.Cookie
	token        string // Authorization: Bearer; "" for none
	body         string
	header       map[string]string
}

func do(t *testing.T, h http.Handler, r req) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, "http://localhost:3001"+r.path, body)
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.origin != "" {
		hr.Header.Set("Origin", r.origin)
	}
	if r.site != "" {
		hr.Header.Set("Sec-Fetch-Site", r.site)
	}
	if r.cookie != nil {
		hr.AddCookie(&http.Cookie{Name: r.cookie.Name, Value: r.cookie.Value})
	}
	if r.token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	return w
}

// response is the JSON shape of the API's answers.
type response struct {
	User      string `json:"user"`
	Token     string `json:"token"`
	Error     string `json:"error"`
	LoggedOut bool   `json:"logged_out"`
	Seen      *seen  `json:"seen"`
}

func decode(t *testing.T, w *httptest.ResponseRecorder) response {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %q", ct, w.Body.String())
	}
	var r response
	if err := json.Unmarshal(w.Body.Bytes(), &r); err != nil {
		t.Fatalf("decoding %q: %v", w.Body.String(), err)
	}
	if r.Seen == nil {
		t.Fatalf("response has no \"seen\" object: %s", w.Body.String())
	}
	return r
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("got status %d, want %d; body %q", w.Code, status, w.Body.String())
	}
}

// sessionCookie returns the Set-Cookie for name, or nil.
func sessionCookie(t *testing.T, w *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	cs := sessionCookies(t, w, name)
	if len(cs) > 1 {
		t.Fatalf("two Set-Cookie headers for %q: %q", name, w.Header().Values("Set-Cookie"))
	}
	if len(cs) == 0 {
		return nil
	}
	return cs[0]
}

// sessionCookies returns every Set-Cookie line for name: a logout expires
// the configured cookie and the one for cross-site front ends.
func sessionCookies(t *testing.T, w *httptest.ResponseRecorder, name string) []*http.Cookie {
	t.Helper()
	var found []*http.Cookie
	for _, line := range w.Header().Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("bad Set-Cookie %q: %v", line, err)
		}
		if c.Name == name {
			found = append(found, c)
		}
	}
	return found
}

// expiresBoth checks that a logout expired the configured cookie (first,
// with its attributes) and the cross-site one (SameSite=None; Secure;
// Partitioned).
func expiresBoth(t *testing.T, w *httptest.ResponseRecorder, name string, configured func(*http.Cookie) bool) {
	t.Helper()
	cs := sessionCookies(t, w, name)
	if len(cs) != 2 {
		t.Fatalf("logout Set-Cookie %q, want the configured and the cross-site %s expired", w.Header().Values("Set-Cookie"), name)
	}
	for _, c := range cs {
		if c.MaxAge >= 0 || !c.HttpOnly || c.Path != "/" {
			t.Errorf("logout Set-Cookie %q does not expire %s", w.Header().Values("Set-Cookie"), name)
		}
	}
	if !configured(cs[0]) {
		t.Errorf("logout cookie %q lost the configured attributes", w.Header().Values("Set-Cookie"))
	}
	if x := cs[1]; !x.Secure || !x.Partitioned || x.SameSite != http.SameSiteNoneMode {
		t.Errorf("logout cookie %q: the second line is not the cross-site cookie", w.Header().Values("Set-Cookie"))
	}
}

func login(t *testing.T, h http.Handler, origin, user string) (*http.Cookie, string, *httptest.ResponseRecorder) {
	t.Helper()
	site := "same-site"
	if origin == "" {
		site = "" // a non-browser client: no Origin, no Sec-Fetch-Site
	}
	w := do(t, h, req{method: "POST", path: "/users/session", origin: origin, site: site, body: `{"user":"` + user + `"}`})
	wantStatus(t, w, http.StatusOK)
	r := decode(t, w)
	if r.User != user || r.Token == "" {
		t.Fatalf("login answered user %q token %q, want user %q and a token", r.User, r.Token, user)
	}
	name := r.Seen.SessionCookieName
	c := sessionCookie(t, w, name)
	if c == nil || c.Value == "" {
		t.Fatalf("login set no %q cookie; Set-Cookie %q", name, w.Header().Values("Set-Cookie"))
	}
	return c, r.Token, w
}

func TestSessionFlow(t *testing.T) {
	h := newAPI(webOrigin, false, nil)

	cookie, token, w := login(t, h, webOrigin, "alice")
	if cookie.Name != "session" || !cookie.HttpOnly || cookie.Secure || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Errorf("dev cookie = %q, want session; Path=/; HttpOnly; SameSite=Lax without Secure", w.Header().Get("Set-Cookie"))
	}
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != webOrigin {
		t.Errorf("login Access-Control-Allow-Origin = %q, want %q", got, webOrigin)
	}
	if got := w.Header().Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("login Access-Control-Allow-Credentials = %q, want true", got)
	}
	if s := decode(t, w).Seen; s.Origin != webOrigin || s.SecFetchSite != "same-site" || s.CookieHeader || s.AuthorizationHeader {
		t.Errorf("login seen = %+v", *s)
	}

	t.Run("whoami with the cookie", func(t *testing.T) {
		w := do(t, h, req{method: "GET", path: "/users/session", origin: webOrigin, site: "same-site", cookie: cookie})
		wantStatus(t, w, http.StatusOK)
		r := decode(t, w)
		if r.User != "alice" {
			t.Errorf("user = %q, want alice", r.User)
		}
		if !r.Seen.CookieHeader || !r.Seen.SessionCookie || r.Seen.SessionCookieName != "session" {
			t.Errorf("seen = %+v, want the session cookie seen", *r.Seen)
		}
		if got := w.Header().Get("Access-Control-Allow-Credentials"); got != "true" {
			t.Errorf("Access-Control-Allow-Credentials = %q, want true", got)
		}
	})
	t.Run("whoami without a cookie", func(t *testing.T) {
		w := do(t, h, req{method: "GET", path: "/users/session", origin: webOrigin, site: "same-site"})
		wantStatus(t, w, http.StatusUnauthorized)
		if r := decode(t, w); r.Error == "" || r.User != "" || r.Seen.CookieHeader {
			t.Errorf("401 body = %s", w.Body.String())
		}
	})
	t.Run("bearer with the token", func(t *testing.T) {
		w := do(t, h, req{method: "GET", path: "/api/notes", origin: webOrigin, site: "same-site", token: token})
		wantStatus(t, w, http.StatusOK)
		r := decode(t, w)
		if r.User != "alice" || !r.Seen.AuthorizationHeader || r.Seen.CookieHeader {
			t.Errorf("bearer answer = %s", w.Body.String())
		}
		if got := w.Header().Get("Access-Control-Allow-Origin"); got != webOrigin {
			t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, webOrigin)
		}
		if _, ok := w.Header()["Access-Control-Allow-Credentials"]; ok {
			t.Errorf("bearer route sent Access-Control-Allow-Credentials %q", w.Header().Get("Access-Control-Allow-Credentials"))
		}
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("bearer route sent Set-Cookie %q", sc)
		}
	})
	t.Run("bearer with the cookie but no token", func(t *testing.T) {
		// A cookie does not authenticate the bearer route, and the route
		// does not write one.
		w := do(t, h, req{method: "GET", path: "/api/notes", origin: webOrigin, site: "same-site", cookie: cookie})
		wantStatus(t, w, http.StatusUnauthorized)
		if r := decode(t, w); r.User != "" || !r.Seen.SessionCookie {
			t.Errorf("answer = %s", w.Body.String())
		}
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("bearer route sent Set-Cookie %q", sc)
		}
		if _, ok := w.Header()["Access-Control-Allow-Credentials"]; ok {
			t.Errorf("bearer route sent Access-Control-Allow-Credentials")
		}
		if got := w.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
			t.Errorf("WWW-Authenticate = %q, want Bearer", got)
		}
	})
	for _, bad := range []string{"", "wrong-token"} {
		t.Run("bearer with token "+`"`+bad+`"`, func(t *testing.T) {
			w := do(t, h, req{method: "GET", path: "/api/notes", origin: webOrigin, site: "same-site", token: bad})
			wantStatus(t, w, http.StatusUnauthorized)
			if r := decode(t, w); r.Error == "" || r.User != "" {
				t.Errorf("401 body = %s", w.Body.String())
			}
		})
	}

	// Log out last: the subtests above use the login.
	w = do(t, h, req{method: "DELETE", path: "/users/session", origin: webOrigin, site: "same-site", cookie: cookie})
	wantStatus(t, w, http.StatusOK)
	if r := decode(t, w); !r.LoggedOut {
		t.Errorf("logout answer = %s, want logged_out true", w.Body.String())
	}
	expiresBoth(t, w, "session", func(c *http.Cookie) bool { return c.SameSite == http.SameSiteLaxMode && !c.Secure })
	if got := w.Header().Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("logout Access-Control-Allow-Credentials = %q, want true", got)
	}

	t.Run("after logout the token is forgotten", func(t *testing.T) {
		w := do(t, h, req{method: "GET", path: "/api/notes", origin: webOrigin, site: "same-site", token: token})
		wantStatus(t, w, http.StatusUnauthorized)
	})
	t.Run("after logout the browser has no cookie", func(t *testing.T) {
		w := do(t, h, req{method: "GET", path: "/users/session", origin: webOrigin, site: "same-site"})
		wantStatus(t, w, http.StatusUnauthorized)
	})
	t.Run("after logout a replayed copy of the cookie is refused", func(t *testing.T) {
		w := do(t, h, req{method: "GET", path: "/users/session", origin: webOrigin, site: "same-site", cookie: cookie})
		wantStatus(t, w, http.StatusUnauthorized)
	})
	t.Run("logout without a session", func(t *testing.T) {
		w := do(t, h, req{method: "DELETE", path: "/users/session", origin: webOrigin, site: "same-site"})
		wantStatus(t, w, http.StatusOK)
		if r := decode(t, w); r.LoggedOut {
			t.Errorf("logged_out = true without a session")
		}
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("Set-Cookie %q without a session", sc)
		}
	})
}

func TestSecondLoginReplacesToken(t *testing.T) {
	h := newAPI(webOrigin, false, nil)
	cookie, first, _ := login(t, h, webOrigin, "alice")
	w := do(t, h, req{method: "POST", path: "/users/session", origin: webOrigin, site: "same-site", cookie: cookie, body: `{"user":"bob"}`})
	wantStatus(t, w, http.StatusOK)
	second := decode(t, w).Token
	if second == "" || second == first {
		t.Fatalf("second login token %q, first %q", second, first)
	}
	if w := do(t, h, req{method: "GET", path: "/api/notes", token: first}); w.Code != http.StatusUnauthorized {
		t.Errorf("first token still works after a second login: %d", w.Code)
	}
	if w := do(t, h, req{method: "GET", path: "/api/notes", token: second}); w.Code != http.StatusOK {
		t.Errorf("second token: status %d", w.Code)
	}
}

func TestLoginBadInput(t *testing.T) {
	h := newAPI(webOrigin, false, nil)
	for _, body := range []string{`not json`, `{"user":""}`, `{"user":"   "}`, `{"user":"` + strings.Repeat("x", 65) + `"}`} {
		w := do(t, h, req{method: "POST", path: "/users/session", origin: webOrigin, site: "same-site", body: body})
		wantStatus(t, w, http.StatusBadRequest)
		if r := decode(t, w); r.Error == "" || r.Token != "" {
			t.Errorf("body %q: answer %s", body, w.Body.String())
		}
		if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
			t.Errorf("body %q: Set-Cookie %q", body, sc)
		}
	}
}

func TestPreflight(t *testing.T) {
	h := newAPI(webOrigin, false, nil)
	for _, tc := range []struct {
		name, path, method, headers string
		credentials                 bool
	}{
		{"login", "/users/session", "POST", "content-type", true},
		{"logout", "/users/session", "DELETE", "", true},
		{"bearer route", "/api/notes", "GET", "authorization", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Access-Control-Request-Method": tc.method}
			if tc.headers != "" {
				hdr["Access-Control-Request-Headers"] = tc.headers
			}
			w := do(t, h, req{method: "OPTIONS", path: tc.path, origin: webOrigin, site: "same-site", header: hdr})
			wantStatus(t, w, http.StatusNoContent)
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != webOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, webOrigin)
			}
			creds, ok := w.Header()["Access-Control-Allow-Credentials"]
			if tc.credentials && (!ok || creds[0] != "true") {
				t.Errorf("Access-Control-Allow-Credentials = %q, want true", creds)
			}
			if !tc.credentials && ok {
				t.Errorf("Access-Control-Allow-Credentials = %q, want none", creds)
			}
			if got := w.Header().Get("Access-Control-Allow-Methods"); !containsToken(got, tc.method) {
				t.Errorf("Access-Control-Allow-Methods = %q, want %s in it", got, tc.method)
			}
			if tc.headers != "" {
				if got := w.Header().Get("Access-Control-Allow-Headers"); !containsToken(got, tc.headers) {
					t.Errorf("Access-Control-Allow-Headers = %q, want %s in it", got, tc.headers)
				}
			}
			if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
				t.Errorf("preflight sent Set-Cookie %q", sc)
			}
		})
	}
}

func containsToken(list, tok string) bool {
	for v := range strings.SplitSeq(list, ",") {
		if strings.EqualFold(strings.TrimSpace(v), tok) {
			return true
		}
	}
	return false
}

func TestCrossSiteLoginRefused(t *testing.T) {
	h := newAPI(webOrigin, false, nil)
	w := do(t, h, req{method: "POST", path: "/users/session", origin: "http://evil.test", site: "cross-site", body: `{"user":"mallory"}`})
	wantStatus(t, w, http.StatusForbidden)
	if sc := w.Header().Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("refused login sent Set-Cookie %q", sc)
	}
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("unlisted origin got Access-Control-Allow-Origin %q", got)
	}
	if strings.Contains(w.Body.String(), "token") || strings.Contains(w.Body.String(), "mallory") {
		t.Errorf("refused login answered %q", w.Body.String())
	}

	// The same with a real (stale) session cookie: a cross-site DELETE must
	// not log the user out.
	cookie, token, _ := login(t, h, webOrigin, "alice")
	w = do(t, h, req{method: "DELETE", path: "/users/session", origin: "http://evil.test", site: "cross-site", cookie: cookie})
	wantStatus(t, w, http.StatusForbidden)
	if w := do(t, h, req{method: "GET", path: "/api/notes", token: token}); w.Code != http.StatusOK {
		t.Errorf("cross-site DELETE revoked the token: status %d", w.Code)
	}

	// A preflight from the unlisted origin gets no permission.
	w = do(t, h, req{method: "OPTIONS", path: "/users/session", origin: "http://evil.test", site: "cross-site",
		header: map[string]string{"Access-Control-Request-Method": "POST"}})
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("preflight from an unlisted origin got Access-Control-Allow-Origin %q", got)
	}
}

func TestNoOriginClient(t *testing.T) {
	// curl and other non-browser clients send neither Origin nor
	// Sec-Fetch-Site; the session works for them without CORS headers.
	h := newAPI(webOrigin, false, nil)
	cookie, _, w := login(t, h, "", "carol")
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("Access-Control-Allow-Origin = %q without an Origin", got)
	}
	w = do(t, h, req{method: "GET", path: "/users/session", cookie: cookie})
	wantStatus(t, w, http.StatusOK)
	if r := decode(t, w); r.User != "carol" || r.Seen.Origin != "" {
		t.Errorf("answer %s", w.Body.String())
	}
}

func TestProdCookie(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	h := newAPI(prodWebOrigin, true, key)
	cookie, token, w := login(t, h, prodWebOrigin, "alice")
	// https://localhost:3000 is same-site with the API: the configured
	// cookie, SameSite=Lax.
	if cookie.Name != "__Host-session" || !cookie.Secure || !cookie.HttpOnly || cookie.Partitioned ||
		cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" || cookie.Domain != "" {
		t.Errorf("prod cookie = %q, want __Host-session; Path=/; HttpOnly; Secure; SameSite=Lax",
			w.Header().Get("Set-Cookie"))
	}
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != prodWebOrigin {
		t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, prodWebOrigin)
	}
	w = do(t, h, req{method: "GET", path: "/users/session", origin: prodWebOrigin, site: "same-site", cookie: cookie})
	wantStatus(t, w, http.StatusOK)
	if r := decode(t, w); r.User != "alice" || r.Seen.SessionCookieName != "__Host-session" || !r.Seen.SessionCookie {
		t.Errorf("whoami = %s", w.Body.String())
	}
	w = do(t, h, req{method: "GET", path: "/api/notes", origin: prodWebOrigin, site: "same-site", token: token})
	wantStatus(t, w, http.StatusOK)
	if _, ok := w.Header()["Access-Control-Allow-Credentials"]; ok {
		t.Errorf("bearer route sent Access-Control-Allow-Credentials")
	}
	// The http origin is not the front end in -prod.
	w = do(t, h, req{method: "POST", path: "/users/session", origin: webOrigin, site: "cross-site", body: `{"user":"x"}`})
	wantStatus(t, w, http.StatusForbidden)

	w = do(t, h, req{method: "DELETE", path: "/users/session", origin: prodWebOrigin, site: "same-site", cookie: cookie})
	wantStatus(t, w, http.StatusOK)
	expiresBoth(t, w, "__Host-session", func(c *http.Cookie) bool {
		return c.Secure && !c.Partitioned && c.SameSite == http.SameSiteLaxMode
	})
}

func TestConfigsValid(t *testing.T) {
	for _, tc := range []struct {
		origin string
		prod   bool
	}{
		{"http://localhost:3000", false},
		{"http://localhost:13000", false},
		{"http://app.test:3000", false}, // -host app.test
		{"http://127.0.0.1:3000", false},
		{"http://[::1]:3000", false},
		{"https://[::1]:3000", true},
		{"https://localhost:3000", true},
		{"https://app.test:3000", true},
	} {
		b, c := apiConfigs(tc.origin, tc.prod, bytes.Repeat([]byte{1}, 32))
		if err := b.Validate(); err != nil {
			t.Errorf("%s prod=%v: bearer config: %v", tc.origin, tc.prod, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s prod=%v: cookie config: %v", tc.origin, tc.prod, err)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		o          options
		web, api   string
		wantErrors bool
	}{
		{options{webPort: 3000, apiPort: 3001, host: "localhost"}, "http://localhost:3000", "http://localhost:3001", false},
		{options{webPort: 3000, apiPort: 3001, host: "localhost", prod: true}, "https://localhost:3000", "https://localhost:3001", false},
		{options{webPort: 80, apiPort: 3001, host: "LocalHost"}, "http://localhost", "http://localhost:3001", false},
		{options{webPort: 443, apiPort: 3001, host: "localhost", prod: true}, "https://localhost", "https://localhost:3001", false},
		{options{webPort: 3000, apiPort: 3001, host: "::1"}, "http://[::1]:3000", "http://[::1]:3001", false},
		{options{webPort: 3000, apiPort: 3000, host: "localhost"}, "", "", true},
		{options{webPort: 0, apiPort: 70000, host: "localhost"}, "", "", true},
		{options{webPort: 3000, apiPort: 3001, host: "http://localhost"}, "", "", true},
		{options{webPort: 3000, apiPort: 3001, host: "localhost:3000"}, "", "", true},
	} {
		err := tc.o.check()
		if (err != nil) != tc.wantErrors {
			t.Errorf("%+v: check() = %v, want error %v", tc.o, err, tc.wantErrors)
			continue
		}
		if err != nil {
			continue
		}
		if web, api := tc.o.origin(tc.o.webPort), tc.o.origin(tc.o.apiPort); web != tc.web || api != tc.api {
			t.Errorf("%+v: origins %q %q, want %q %q", tc.o, web, api, tc.web, tc.api)
		}
	}
}

func TestWebServesPage(t *testing.T) {
	h := newWeb("http://localhost:3001", false)
	get := func(path string) *httptest.ResponseRecorder {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://localhost:3000"+path, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, w.Code)
		}
		return w
	}

	page := get("/")
	if ct := page.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	for _, want := range []string{`<script src="/config.js">`, `<script src="/app.js"`, `id="btn-login"`, `id="btn-whoami"`,
		`id="btn-bearer"`, `id="btn-logout"`, `id="user"`} {
		if !strings.Contains(page.Body.String(), want) {
			t.Errorf("index.html lacks %s", want)
		}
	}

	js := get("/app.js")
	if ct := js.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("GET /app.js: Content-Type %q", ct)
	}
	for _, want := range []string{"window.demo = demo", "login(user)", "whoami()", "bearer()", "logout()",
		"credentials: 'include'", "credentials: 'omit'", "'Bearer ' + token"} {
		if !strings.Contains(js.Body.String(), want) {
			t.Errorf("app.js lacks %q", want)
		}
	}

	cfg := get("/config.js")
	if got := cfg.Body.String(); !strings.Contains(got, `window.API = "http://localhost:3001";`) || !strings.Contains(got, `window.DEMO_MODE = "dev";`) {
		t.Errorf("config.js = %q", got)
	}
	if got := cfg.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("config.js Cache-Control = %q", got)
	}
	if got := newWebBody(t, newWeb("https://localhost:3001", true), "/config.js"); !strings.Contains(got, `window.API = "https://localhost:3001";`) ||
		!strings.Contains(got, `"prod"`) {
		t.Errorf("prod config.js = %q", got)
	}
}

func newWebBody(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "http://localhost:3000"+path, nil))
	return w.Body.String()
}

func TestSelfSignedCert(t *testing.T) {
	now := time.Now()
	cert, err := selfSignedCert("app.test", now)
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", leaf.PublicKey)
	}
	for _, name := range []string{"localhost", "app.test"} {
		if !slices.Contains(leaf.DNSNames, name) {
			t.Errorf("DNSNames %q lack %s", leaf.DNSNames, name)
		}
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("VerifyHostname(%s): %v", name, err)
		}
	}
	for _, ip := range []string{"127.0.0.1", "::1"} {
		if !slices.ContainsFunc(leaf.IPAddresses, net.ParseIP(ip).Equal) {
			t.Errorf("IPAddresses %v lack %s", leaf.IPAddresses, ip)
		}
	}
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		t.Errorf("not valid now: %v to %v", leaf.NotBefore, leaf.NotAfter)
	}

	// Serve the API over TLS with it, as -prod does, and log in.
	srv := httptest.NewUnstartedServer(newAPI(prodWebOrigin, true, bytes.Repeat([]byte{9}, 32)))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client() // trusts srv's certificate: ours
	hr, _ := http.NewRequest("POST", srv.URL+"/users/session", strings.NewReader(`{"user":"alice"}`))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Origin", prodWebOrigin)
	hr.Header.Set("Sec-Fetch-Site", "same-site")
	res, err := client.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login over TLS: status %d", res.StatusCode)
	}
	if res.TLS == nil || len(res.TLS.PeerCertificates) == 0 || !res.TLS.PeerCertificates[0].Equal(leaf) {
		t.Errorf("server did not present the generated certificate")
	}
	if !strings.HasPrefix(res.Header.Get("Set-Cookie"), "__Host-session=") {
		t.Errorf("Set-Cookie %q", res.Header.Get("Set-Cookie"))
	}
}
