package crosssession_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

var testKey = bytes.Repeat([]byte("k"), 32)

// app is a gin.Engine with a few routes and counters that show whether a
// handler ran.
type app struct {
	*gin.Engine
	hits atomic.Int64
}

func newApp(t testing.TB, cfg crosssession.Config, outer ...gin.HandlerFunc) *app {
	t.Helper()
	a := &app{Engine: gin.New()}
	a.Use(outer...)
	a.Use(crosssession.New(cfg))
	a.addRoutes(a.Engine.Group(""))
	return a
}

func (a *app) addRoutes(r gin.IRoutes) {
	r.POST("/login", func(c *gin.Context) {
		a.hits.Add(1)
		s := sessions.Default(c)
		s.Set("user", c.DefaultQuery("user", "alice"))
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
	r.GET("/me", func(c *gin.Context) {
		a.hits.Add(1)
		u, _ := sessions.Default(c).Get("user").(string)
		if u == "" {
			c.JSON(http.StatusUnauthorized, gin.H{"user": nil})
			return
		}
		c.JSON(http.StatusOK, gin.H{"user": u})
	})
	r.GET("/plain", func(c *gin.Context) {
		a.hits.Add(1)
		c.String(http.StatusOK, "plain")
	})
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r.Handle(m, "/change", func(c *gin.Context) {
			a.hits.Add(1)
			c.String(http.StatusOK, "changed")
		})
	}
}

// req builds a request; hdr holds header name/value pairs.
func req(method, target string, hdr ...string) *http.Request {
	r := httptest.NewRequest(method, "http://api.example.com"+target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func prodCfg(origins ...string) crosssession.Config {
	if len(origins) == 0 {
		origins = []string{"https://app.example.com", "https://*.example.org"}
	}
	return crosssession.Prod(testKey, origins...)
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const allowed, pattern, unlisted = "https://app.example.com", "https://a.b.example.org", "https://evil.test"
	for _, tc := range []struct {
		name       string
		r          *http.Request
		status     int
		acao       string // "" means absent
		ran        bool   // the handler ran
		preflightH bool   // method/header lists present
	}{
		{"allowed GET", req("GET", "/plain", "Origin", allowed), 200, allowed, true, false},
		{"pattern GET", req("GET", "/plain", "Origin", pattern), 200, pattern, true, false},
		{"unlisted GET proceeds without CORS headers", req("GET", "/plain", "Origin", unlisted), 200, "", true, false},
		{"no Origin", req("GET", "/plain"), 200, "", true, false},
		{"apex of a pattern is unlisted", req("GET", "/plain", "Origin", "https://example.org"), 200, "", true, false},
		{"two Origin headers are unlisted", req("GET", "/plain", "Origin", allowed, "Origin", allowed), 200, "", true, false},
		{"oversized Origin is unlisted", req("GET", "/plain", "Origin", "https://"+strings.Repeat("a", 5000)+".example.org"), 200, "", true, false},
		{"preflight allowed", req("OPTIONS", "/change", "Origin", allowed, "Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "content-type"), 204, allowed, false, true},
		{"preflight pattern", req("OPTIONS", "/change", "Origin", pattern, "Access-Control-Request-Method", "DELETE"), 204, pattern, false, true},
		{"preflight to a path with no route", req("OPTIONS", "/nowhere", "Origin", allowed, "Access-Control-Request-Method", "POST"), 204, allowed, false, true},
		{"preflight unlisted", req("OPTIONS", "/change", "Origin", unlisted, "Access-Control-Request-Method", "PUT"), 204, "", false, false},
		{"OPTIONS without request method is not a preflight", req("OPTIONS", "/nowhere", "Origin", allowed), 404, allowed, false, false},
		{"allowed POST", req("POST", "/change", "Origin", allowed, "Sec-Fetch-Site", "cross-site"), 200, allowed, true, false},
		{"pattern PUT", req("PUT", "/change", "Origin", pattern, "Sec-Fetch-Site", "cross-site"), 200, pattern, true, false},
		{"CSRF: unlisted cross-site POST", req("POST", "/change", "Origin", unlisted, "Sec-Fetch-Site", "cross-site"), 403, "", false, false},
		{"CSRF: unlisted same-site DELETE", req("DELETE", "/change", "Origin", "https://blog.example.com", "Sec-Fetch-Site", "same-site"), 403, "", false, false},
		{"CSRF: unlisted PATCH, old browser without Sec-Fetch-Site", req("PATCH", "/change", "Origin", unlisted), 403, "", false, false},
		{"CSRF: Origin null", req("POST", "/change", "Origin", "null", "Sec-Fetch-Site", "cross-site"), 403, "", false, false},
		{"CSRF: form POST from another site without Origin", req("POST", "/change", "Sec-Fetch-Site", "cross-site"), 403, "", false, false},
		{"same-origin POST", req("POST", "/change", "Origin", "http://api.example.com", "Sec-Fetch-Site", "same-origin"), 200, "", true, false},
		{"same-origin POST, old browser", req("POST", "/change", "Origin", "http://api.example.com"), 200, "", true, false},
		{"non-browser POST (no Origin, no Sec-Fetch-Site)", req("POST", "/change"), 200, "", true, false},
		{"user-typed navigation POST (Sec-Fetch-Site none)", req("POST", "/change", "Sec-Fetch-Site", "none"), 200, "", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, prodCfg())
			w := serve(a, tc.r)
			if w.Code != tc.status {
				t.Errorf("status = %d, want %d (body %q)", w.Code, tc.status, w.Body)
			}
			h := w.Header()
			if got := h.Values("Access-Control-Allow-Origin"); !slices.Equal(got, nonEmpty(tc.acao)) {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, nonEmpty(tc.acao))
			}
			wantCreds := nonEmpty(map[bool]string{true: "true"}[tc.acao != ""])
			if got := h.Values("Access-Control-Allow-Credentials"); !slices.Equal(got, wantCreds) {
				t.Errorf("Access-Control-Allow-Credentials = %q, want %q", got, wantCreds)
			}
			if ran := a.hits.Load() > 0; ran != tc.ran {
				t.Errorf("handler ran = %v, want %v", ran, tc.ran)
			}
			if !slices.Contains(h.Values("Vary"), "Origin") {
				t.Errorf("Vary = %q, want it to contain Origin", h.Values("Vary"))
			}
			if got := h.Get("Access-Control-Allow-Methods") != ""; got != tc.preflightH {
				t.Errorf("Access-Control-Allow-Methods present = %v, want %v", got, tc.preflightH)
			}
			if tc.preflightH {
				for k, want := range map[string]string{
					"Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
					"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Requested-With",
					"Access-Control-Max-Age":       "7200",
					"Vary":                         "Origin",
				} {
					if got := h.Get(k); got != want {
						t.Errorf("%s = %q, want %q", k, got, want)
					}
				}
				if got := h.Values("Vary"); !slices.Contains(got, "Access-Control-Request-Method, Access-Control-Request-Headers") {
					t.Errorf("preflight Vary = %q, want the request-method and request-headers headers too", got)
				}
			}
			if tc.r.Method == http.MethodOptions {
				if w.Body.Len() != 0 && w.Code == 204 {
					t.Errorf("preflight body = %q, want empty", w.Body)
				}
				if sc := h.Values("Set-Cookie"); len(sc) > 0 || slices.Contains(h.Values("Vary"), "Cookie") {
					t.Errorf("preflight touched the session: Set-Cookie %q, Vary %q", sc, h.Values("Vary"))
				}
			}
		})
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// Every misconfiguration class a CORS scanner tries (BROWSER-RULES.md §7)
// must get neither Allow-Origin nor Allow-Credentials.
func TestCORSScannerOrigins(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg("https://app.example.com", "https://*.example.org"))
	var probes []string
	for _, base := range []string{"https://app.example.com", "https://x.example.org"} {
		probes = append(probes,
			base+".evil.com", base+"evil.com", strings.Replace(base, "https", "http", 1),
			base+"/", base+".", base+":443", strings.ToUpper(base), " "+base, base+" ", base+","+base,
			base+"@evil.com", base+"#.evil.com", base+"?.evil.com", base+"/.evil.com", base+"%60.evil.com",
		)
		for _, c := range "_-!$&'()*+,;=~\"{}`%^|" {
			probes = append(probes, base+string(c)+".evil.com")
		}
	}
	probes = append(probes, "https://evilapp.example.com", "https://evilexample.org", "https://example.org",
		"https://app.exampleacom", "null", "*", "https://app.example.com\x00", "file://", "https://codepen.io", "https://x.github.io")
	for _, o := range probes {
		for _, method := range []string{"GET", "OPTIONS"} {
			r := req(method, "/plain", "Origin", o, "Access-Control-Request-Method", "GET")
			h := serve(a, r).Header()
			if v := h.Values("Access-Control-Allow-Origin"); v != nil {
				t.Errorf("%s Origin %q: Access-Control-Allow-Origin = %q, want none", method, o, v)
			}
			if v := h.Values("Access-Control-Allow-Credentials"); v != nil {
				t.Errorf("%s Origin %q: Access-Control-Allow-Credentials = %q, want none", method, o, v)
			}
		}
	}
}

// Vary is added, never replaced: values set before (by outer middleware)
// and after (by handlers) survive.
func TestVaryIsAdded(t *testing.T) {
	t.Parallel()
	outer := func(c *gin.Context) {
		c.Header("Vary", "Accept-Encoding")
		c.Next()
	}
	a := newApp(t, prodCfg(), outer)
	a.GET("/lang", func(c *gin.Context) {
		c.Writer.Header().Add("Vary", "Accept-Language")
		c.String(200, "ok")
	})
	for _, r := range []*http.Request{
		req("GET", "/lang"),
		req("GET", "/lang", "Origin", "https://app.example.com"),
		req("GET", "/lang", "Origin", "https://evil.test"),
	} {
		got := serve(a, r).Header().Values("Vary")
		want := []string{"Accept-Encoding", "Origin", "Accept-Language"}
		if !slices.Equal(got, want) {
			t.Errorf("Origin %q: Vary = %q, want %q", r.Header.Get("Origin"), got, want)
		}
	}
	// Preflight: Accept-Encoding kept, plus the preflight request headers.
	w := serve(a, req("OPTIONS", "/lang", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET"))
	want := []string{"Accept-Encoding", "Origin", "Access-Control-Request-Method, Access-Control-Request-Headers"}
	if got := w.Header().Values("Vary"); !slices.Equal(got, want) {
		t.Errorf("preflight Vary = %q, want %q", got, want)
	}
}

// An outer middleware that appends to Vary after the handlers, on many
// requests at once, must not race with header values the middleware
// shares between requests (run with -race; gin-contrib/cors fails this).
func TestVaryAppendRace(t *testing.T) {
	t.Parallel()
	outer := func(c *gin.Context) {
		c.Next()
		c.Writer.Header().Add("Vary", "Accept-Encoding")
		h := c.Writer.Header()
		h["Access-Control-Allow-Origin"] = append(h["Access-Control-Allow-Origin"], "x")
		h["Access-Control-Allow-Methods"] = append(h["Access-Control-Allow-Methods"], "x")
	}
	a := newApp(t, prodCfg(), outer)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for range 50 {
				var r *http.Request
				switch i % 3 {
				case 0:
					r = req("OPTIONS", "/change", "Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT")
				case 1:
					r = req("GET", "/plain", "Origin", "https://app.example.com")
				default: // a session route: Vary is the prebuilt Origin, Cookie
					r = req("GET", "/me", "Origin", "https://app.example.com")
				}
				w := serve(a, r)
				if got := w.Header().Values("Vary"); got[len(got)-1] != "Accept-Encoding" || got[0] != "Origin" {
					t.Errorf("Vary = %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
	// Later responses of the same app still start from the pristine
	// shared values: the appends above went into copies.
	w := serve(a, req("OPTIONS", "/x", "Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT"))
	want := []string{"GET, HEAD, POST, PUT, PATCH, DELETE", "x"} // ours, then this request's append
	if got := w.Header().Values("Access-Control-Allow-Methods"); !slices.Equal(got, want) {
		t.Errorf("Access-Control-Allow-Methods = %q after appends by other requests, want %q", got, want)
	}
	w = serve(a, req("GET", "/me", "Origin", "https://app.example.com"))
	if got, want := w.Header().Values("Vary"), []string{"Origin", "Cookie", "Accept-Encoding"}; !slices.Equal(got, want) {
		t.Errorf("Vary = %q on a session route after appends by other requests, want %q", got, want)
	}
}

// TestHeaderValuesAreNotShared: an outer middleware that edits header values
// in place after the chain ran (a sanitizer, a header rewriter) changes its
// own response only. Each response is recorded as crosssession left it,
// then every value is overwritten in place; a value shared with an earlier
// response would show the overwrite in a later recording.
func TestHeaderValuesAreNotShared(t *testing.T) {
	t.Parallel()
	var seen http.Header
	edit := func(c *gin.Context) {
		c.Next()
		seen = c.Writer.Header().Clone()
		// gin's own renderers share their Content-Type values (not ours).
		delete(seen, "Content-Type")
		for k, vs := range c.Writer.Header() {
			if k == "Content-Type" {
				continue
			}
			for i := range vs {
				vs[i] = "EDITED"
			}
		}
	}
	cfg := prodCfg()
	cfg.ExposeHeaders = []string{"X-Request-Id"}
	bearer := crosssession.Bearer("https://app.example.com")
	bearer.ExposeHeaders = []string{"X-Request-Id"}
	session, bearerApp := newApp(t, cfg, edit), newApp(t, bearer, edit)
	hybrid := gin.New()
	hybrid.Use(edit, crosssession.New(bearer))
	crosssession.Group(hybrid, "/users/session", prodCfg()).GET("", func(c *gin.Context) {
		_ = sessions.Default(c).Get("user")
	})
	const o = "https://app.example.com"
	for _, tc := range []struct {
		name string
		h    http.Handler
		r    func() *http.Request
	}{
		{"preflight", session, func() *http.Request { return preflight("/change", o, "PUT") }},
		{"exact origin", session, func() *http.Request { return req("GET", "/plain", "Origin", o) }},
		{"pattern origin", session, func() *http.Request { return req("GET", "/plain", "Origin", "https://a.b.example.org") }},
		{"session route", session, func() *http.Request { return req("GET", "/me", "Origin", o) }},
		{"unlisted origin", session, func() *http.Request { return req("GET", "/plain", "Origin", "https://evil.test") }},
		{"no Origin", session, func() *http.Request { return req("GET", "/plain") }},
		{"bearer preflight", bearerApp, func() *http.Request { return preflight("/change", o, "PUT") }},
		{"bearer GET", bearerApp, func() *http.Request { return req("GET", "/plain", "Origin", o) }},
		{"group preflight", hybrid, func() *http.Request { return preflight("/users/session", o, "GET") }},
		{"group session route", hybrid, func() *http.Request { return req("GET", "/users/session", "Origin", o) }},
	} {
		var first http.Header
		for i := range 3 {
			serve(tc.h, tc.r())
			if i == 0 {
				first = seen
				continue
			}
			if !reflect.DeepEqual(seen, first) {
				t.Errorf("%s: response %d has %v, the first had %v: an in-place edit of an earlier response leaked", tc.name, i+1, seen, first)
			}
		}
		if len(first["Vary"]) == 0 {
			t.Errorf("%s: no Vary recorded: %v", tc.name, first)
		}
	}
}

func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cfg       crosssession.Config
		origin    string
		wantParts []string
		notParts  []string
	}{
		{"Dev", crosssession.Dev(), "http://localhost:3000",
			[]string{"session=", "Path=/", "Max-Age=604800", "HttpOnly", "SameSite=Lax"},
			[]string{"Secure", "Partitioned", "Domain"}},
		{"Prod", prodCfg(), "https://app.example.com",
			[]string{"__Host-session=", "Path=/", "Max-Age=604800", "HttpOnly", "Secure", "SameSite=None", "Partitioned"},
			[]string{"Domain"}},
		{"Prod same-site Lax", func() crosssession.Config {
			c := prodCfg()
			c.Cookie.SameSite, c.Cookie.Partitioned, c.Cookie.MaxAge = http.SameSiteLaxMode, false, time.Hour
			return c
		}(), "https://app.example.com",
			[]string{"__Host-session=", "Max-Age=3600", "Secure", "SameSite=Lax"},
			[]string{"Partitioned", "SameSite=None"}},
		{"Domain cookie", func() crosssession.Config {
			c := prodCfg()
			c.Cookie.Name, c.Cookie.Domain = "sid", "example.com"
			return c
		}(), "https://app.example.com",
			[]string{"sid=", "Domain=example.com", "Secure", "Partitioned"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, tc.cfg)
			w := serve(a, req("POST", "/login", "Origin", tc.origin, "Sec-Fetch-Site", "same-site"))
			sc := w.Header().Values("Set-Cookie")
			if w.Code != 200 || len(sc) != 1 {
				t.Fatalf("status %d, Set-Cookie %q: want 200 and one cookie", w.Code, sc)
			}
			parts := strings.Split(sc[0], "; ")
			for _, p := range tc.wantParts {
				if !slices.ContainsFunc(parts, func(s string) bool { return s == p || strings.HasPrefix(s, p) && strings.HasSuffix(p, "=") }) {
					t.Errorf("Set-Cookie %q lacks %q", sc[0], p)
				}
			}
			for _, p := range tc.notParts {
				if strings.Contains(sc[0], p) {
					t.Errorf("Set-Cookie %q has %q", sc[0], p)
				}
			}
			if !slices.Contains(w.Header().Values("Vary"), "Cookie") {
				t.Errorf("Vary = %q, want Cookie for a response that used the session", w.Header().Values("Vary"))
			}
		})
	}
}

// A real TLS server and a cookie jar: the Production cookie (Secure,
// __Host-, Partitioned) makes the round trip.
func TestTLSRoundTrip(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	srv := httptest.NewTLSServer(a)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := srv.Client()
	client.Jar = jar
	do := func(method, path string) (int, string, http.Header) {
		t.Helper()
		r, _ := http.NewRequest(method, srv.URL+path, nil)
		r.Header.Set("Origin", "https://app.example.com")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if code, _, _ := do("GET", "/me"); code != 401 {
		t.Fatalf("GET /me before login = %d, want 401", code)
	}
	code, _, h := do("POST", "/login?user=bob")
	if code != 200 || !strings.Contains(h.Get("Set-Cookie"), "; Secure") {
		t.Fatalf("POST /login = %d, Set-Cookie %q", code, h.Get("Set-Cookie"))
	}
	u, _ := url.Parse(srv.URL)
	if cs := jar.Cookies(u); len(cs) != 1 || cs[0].Name != "__Host-session" {
		t.Fatalf("jar holds %v, want the __Host-session cookie", cs)
	}
	code, body, h := do("GET", "/me")
	if code != 200 || !strings.Contains(body, `"bob"`) {
		t.Fatalf("GET /me after login = %d %q, want 200 with bob", code, body)
	}
	if h.Get("Set-Cookie") != "" {
		t.Errorf("a read-only request re-sent the cookie: %q", h.Get("Set-Cookie"))
	}
	if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("CORS headers on the TLS round trip: %v", h)
	}
}

// loginCookie logs in through a and returns the session cookie.
func loginCookie(t *testing.T, a http.Handler, origin string) *http.Cookie {
	t.Helper()
	w := serve(a, req("POST", "/login", "Origin", origin))
	cs := w.Result().Cookies()
	if w.Code != 200 || len(cs) != 1 {
		t.Fatalf("login: status %d, cookies %v", w.Code, cs)
	}
	return cs[0]
}

// A tampered, foreign or garbage cookie gives a fresh session, never a 500.
func TestBadCookieGivesFreshSession(t *testing.T) {
	t.Parallel()
	cfg := prodCfg()
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	a := newApp(t, cfg)
	good := loginCookie(t, a, "https://app.example.com")
	foreign := loginCookie(t, newApp(t, crosssession.Prod(bytes.Repeat([]byte("x"), 32), "https://app.example.com")), "https://app.example.com")
	flipped := []byte(good.Value)
	flipped[len(flipped)/2] ^= 1
	for name, v := range map[string]string{
		"tampered": string(flipped),
		"foreign":  foreign.Value,
		"garbage":  "%%%not-base64",
		"empty":    "",
		"huge":     strings.Repeat("A", 8000),
	} {
		r := req("GET", "/me", "Origin", "https://app.example.com")
		r.AddCookie(&http.Cookie{Name: good.Name, Value: v})
		w := serve(a, r)
		if w.Code != 401 {
			t.Errorf("%s cookie: status %d, want 401 (a fresh, empty session)", name, w.Code)
		}
	}
	r := req("GET", "/me")
	r.AddCookie(good)
	if w := serve(a, r); w.Code != 200 {
		t.Errorf("good cookie: status %d, want 200", w.Code)
	}
	if !strings.Contains(logs.String(), "session cookie could not be read") {
		t.Errorf("log = %q, want a warning about the unreadable cookie", logs.String())
	}
}

func TestExpiredCookie(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) { // fake time: the seconds pass at once
		cfg := prodCfg()
		cfg.Cookie.MaxAge = 2 * time.Second
		a := newApp(t, cfg)
		c := loginCookie(t, a, "https://app.example.com")
		me := func() int {
			r := req("GET", "/me")
			r.AddCookie(c)
			return serve(a, r).Code
		}
		time.Sleep(time.Second)
		if code := me(); code != 200 {
			t.Errorf("cookie within its MaxAge: status %d, want 200", code)
		}
		time.Sleep(2 * time.Second)
		if code := me(); code != 401 {
			t.Errorf("expired cookie: status %d, want 401", code)
		}
	})
}

func TestSessionSaving(t *testing.T) {
	t.Parallel()
	var saveErr error
	a := newApp(t, prodCfg())
	a.POST("/explicit", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("user", "carol")
		if err := s.Save(); err != nil {
			t.Error(err)
		}
		s.Set("n", 2) // a second change after Save: still one Set-Cookie
		c.Status(204)
	})
	a.POST("/late", func(c *gin.Context) {
		c.String(200, "body first")
		s := sessions.Default(c)
		s.Set("user", "dave")
		saveErr = s.Save()
	})
	a.POST("/status-only", func(c *gin.Context) {
		sessions.Default(c).Set("user", "erin")
		c.Status(201) // no body: gin writes the header after the handlers
	})
	a.POST("/redirect", func(c *gin.Context) {
		sessions.Default(c).Set("user", "frank")
		c.Redirect(http.StatusSeeOther, "/me")
	})
	for _, tc := range []struct {
		path    string
		cookies int
		user    string
	}{
		{"/login", 1, "alice"},
		{"/explicit", 1, "carol"},
		{"/late", 0, ""},
		{"/status-only", 1, "erin"},
		{"/redirect", 1, "frank"},
	} {
		w := serve(a, req("POST", tc.path))
		cs := w.Result().Cookies()
		if len(cs) != tc.cookies {
			t.Errorf("%s: %d cookies %q, want %d", tc.path, len(cs), w.Header().Values("Set-Cookie"), tc.cookies)
			continue
		}
		if tc.cookies == 0 {
			continue
		}
		r := req("GET", "/me")
		r.AddCookie(cs[0])
		if body := serve(a, r).Body.String(); !strings.Contains(body, tc.user) {
			t.Errorf("%s: /me = %q, want %s", tc.path, body, tc.user)
		}
	}
	if saveErr == nil || !strings.Contains(saveErr.Error(), "after the response was written") {
		t.Errorf("Save after the body: err = %v, want an error saying the change is lost", saveErr)
	}
}

func TestDevWithoutKeyLogsOnce(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	cfg := crosssession.Dev()
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	a := newApp(t, cfg)
	c := loginCookie(t, a, "http://localhost:3000")
	r := req("GET", "/me")
	r.AddCookie(c)
	if w := serve(a, r); w.Code != 200 {
		t.Errorf("Dev round trip: %d", w.Code)
	}
	if n := strings.Count(logs.String(), "random key"); n != 1 {
		t.Errorf("log mentions the random key %d times, want once:\n%s", n, logs.String())
	}
}

func TestBearerPolicy(t *testing.T) {
	t.Parallel()
	a := newApp(t, crosssession.Bearer("https://app.example.com"))
	a.GET("/token", func(c *gin.Context) {
		_, hasSession := c.Get(sessions.DefaultKey)
		c.JSON(200, gin.H{"session": hasSession})
	})
	r := req("GET", "/token", "Origin", "https://app.example.com", "Cookie", "session=x")
	w := serve(a, r)
	if w.Code != 200 || w.Body.String() != `{"session":false}` {
		t.Errorf("bearer route: %d %q, want 200 without a session", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h.Values("Access-Control-Allow-Credentials") != nil ||
		h.Values("Set-Cookie") != nil {
		t.Errorf("bearer headers: %v", h)
	}
	w = serve(a, req("OPTIONS", "/token", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "authorization"))
	if w.Code != 204 || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") ||
		w.Header().Values("Access-Control-Allow-Credentials") != nil {
		t.Errorf("bearer preflight: %d %v", w.Code, w.Header())
	}
}

func TestValidateBadConfigs(t *testing.T) {
	t.Parallel()
	short := []byte("too short")
	with := func(f func(*crosssession.Config)) crosssession.Config {
		c := prodCfg()
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  crosssession.Config
		want string
	}{
		{"zero Config", crosssession.Config{}, "no Origins"},
		{"Prod without origins", crosssession.Prod(testKey), "no Origins"},
		{"Prod nil key", crosssession.Prod(nil, "https://app.example.com"), "Keys[0] is 0 bytes; a key must be at least 32 random bytes"},
		{"Prod short key", crosssession.Prod(short, "https://app.example.com"), "Keys[0] is 9 bytes"},
		{"old key short", with(func(c *crosssession.Config) { c.Keys = append(c.Keys, short) }), "Keys[1] is 9 bytes"},
		{"Prod no keys", with(func(c *crosssession.Config) { c.Keys = nil }), "Production needs a key"},
		{"star", prodCfg("*"), `origin "*" allows every site`},
		{"null", prodCfg("null"), `origin "null"`},
		{"trailing slash", prodCfg("https://app.example.com/"), `did you mean "https://app.example.com"?`},
		{"no scheme", prodCfg("app.example.com"), `origin "app.example.com" has no scheme`},
		{"public suffix wildcard", prodCfg("https://*.vercel.app"), `public suffix "vercel.app"`},
		{"Prod plain http", prodCfg("http://app.example.com"), "plain http, which Production allows only for loopback"},
		{"duplicate", prodCfg("https://a.example.com", "https://a.example.com"), "listed twice"},
		{"None without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie.Name, c.Cookie.Insecure, c.Cookie.Partitioned = crosssession.Development, "sid", true, false
		}),
			`cookie "sid" is SameSite=None without Secure`},
		{"Partitioned without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie.Name, c.Cookie.Insecure, c.Cookie.SameSite = crosssession.Development, "sid", true, http.SameSiteLaxMode
		}), "Partitioned without Secure"},
		{"__Host- with Domain", with(func(c *crosssession.Config) { c.Cookie.Domain = "example.com" }), "__Host- prefix, which forbids a Domain"},
		{"__Host- with Path", with(func(c *crosssession.Config) { c.Cookie.Path = "/api" }), `__Host- prefix, which requires Path "/"`},
		{"__host- lowercase without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie = crosssession.Development, crosssession.Cookie{Name: "__host-sid", Insecure: true}
		}), "__Host- prefix, which browsers accept only with Secure"},
		{"__Secure- without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie = crosssession.Development, crosssession.Cookie{Name: "__SECURE-sid", Insecure: true}
		}), "__Secure- prefix, which browsers accept only with Secure"},
		{"Domain public suffix", with(func(c *crosssession.Config) { c.Cookie.Name, c.Cookie.Domain = "sid", "vercel.app" }), `Cookie.Domain "vercel.app" is a public suffix`},
		{"Domain leading dot", with(func(c *crosssession.Config) { c.Cookie.Name, c.Cookie.Domain = "sid", ".example.com" }), `write "example.com"`},
		{"Insecure in Production", with(func(c *crosssession.Config) { c.Cookie = crosssession.Cookie{Name: "sid", Insecure: true} }), "Insecure in Production"},
		{"SameSite default", with(func(c *crosssession.Config) { c.Cookie.SameSite = http.SameSiteDefaultMode }), "SameSite=Default"},
		{"bad cookie name", with(func(c *crosssession.Config) { c.Cookie.Name = "bad name" }), `cookie "bad name" is not a valid cookie`},
		{"negative MaxAge", with(func(c *crosssession.Config) { c.Cookie.MaxAge = -time.Second }), "is negative"},
		{"star method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"*"} }), "method named *"},
		{"lowercase normalized method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"delete"} }), `uppercases delete to "DELETE"`},
		{"forbidden method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"TRACE"} }), "forbidden method"},
		{"star header", with(func(c *crosssession.Config) { c.AllowHeaders = []string{"*"} }), "header named *"},
		{"bad expose header", with(func(c *crosssession.Config) { c.ExposeHeaders = []string{"X Total"} }), `"X Total", which is not a header name`},
		{"tiny preflight max age", with(func(c *crosssession.Config) { c.PreflightMaxAge = time.Millisecond }), "under one second"},
		{"unknown mode", with(func(c *crosssession.Config) { c.Mode = 7 }), "Mode Mode(7) is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() =\n%v\nwant it to contain %q", err, tc.want)
			}
			for line := range strings.SplitSeq(err.Error(), "\n") {
				if !strings.HasPrefix(line, "crosssession: ") {
					t.Errorf("error line %q lacks the crosssession: prefix", line)
				}
			}
			defer func() {
				p := recover()
				perr, ok := p.(error)
				if !ok || perr.Error() != err.Error() {
					t.Errorf("New panicked with %v, want Validate's error", p)
				}
			}()
			crosssession.New(tc.cfg)
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	cfg := crosssession.Prod([]byte("short"), "*", "https://app.example.com/", "http://api.example.com")
	cfg.Cookie.Domain = "example.com"
	err := cfg.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 5 {
		t.Fatalf("Validate() =\n%v\nwant 5 joined problems", err)
	}
	for _, cfg := range []crosssession.Config{crosssession.Dev(), crosssession.Dev("http://localhost:5173"), prodCfg(), crosssession.Bearer("https://app.example.com")} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("preset %+v: Validate() = %v", cfg.Origins, err)
		}
	}
}

func TestPresetsCopyOrigins(t *testing.T) {
	t.Parallel()
	origins := []string{"https://app.example.com"}
	cfg := crosssession.Prod(testKey, origins...)
	origins[0] = "*"
	if err := cfg.Validate(); err != nil {
		t.Errorf("changing the caller's slice changed the preset: %v", err)
	}
}
