package crosssession_test

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

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
					"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Requested-With, X-Crosssession-Handoff",
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

// TestAllowOriginFunc: origins decided at run time get CORS headers, pass
// the CSRF check and preflights, like listed ones; the function sees only
// origins a browser could send, after the list, and its refusal is a
// refusal everywhere.
func TestAllowOriginFunc(t *testing.T) {
	t.Parallel()
	const tenant, stranger = "https://tenant-a.example.net", "https://tenant-b.example.net"
	var asked []string
	var mu sync.Mutex
	cfg := prodCfg("https://app.example.com")
	cfg.AllowOriginFunc = func(o string) bool {
		mu.Lock()
		asked = append(asked, o)
		mu.Unlock()
		return o == tenant || o == "http://tenant.example.net"
	}
	a := newApp(t, cfg)
	for _, tc := range []struct {
		name, origin string
		r            func(o string) *http.Request
		status       int
		acao         bool
	}{
		{"GET", tenant, func(o string) *http.Request { return req("GET", "/plain", "Origin", o) }, 200, true},
		{"cross-site POST", tenant, func(o string) *http.Request {
			return req("POST", "/change", "Origin", o, "Sec-Fetch-Site", "cross-site")
		}, 200, true},
		{"preflight", tenant, func(o string) *http.Request { return preflight("/change", o, "PUT") }, 204, true},
		{"refused GET", stranger, func(o string) *http.Request { return req("GET", "/plain", "Origin", o) }, 200, false},
		{"refused POST", stranger, func(o string) *http.Request {
			return req("POST", "/change", "Origin", o, "Sec-Fetch-Site", "cross-site")
		}, 403, false},
		{"plain http in Production never asked", "http://tenant.example.net", func(o string) *http.Request {
			return req("POST", "/change", "Origin", o, "Sec-Fetch-Site", "cross-site")
		}, 403, false},
	} {
		w := serve(a, tc.r(tc.origin))
		if w.Code != tc.status || (w.Header().Get("Access-Control-Allow-Origin") == tc.origin) != tc.acao ||
			tc.acao && w.Header().Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%s from %s: %d %v", tc.name, tc.origin, w.Code, w.Header())
		}
	}
	mu.Lock()
	asked = nil
	mu.Unlock()
	for _, o := range []string{"https://app.example.com", "null", "HTTPS://TENANT-A.EXAMPLE.NET", tenant + "/", tenant + ":443",
		"https://tenant-a.example.net.", "http://tenant.example.net"} {
		serve(a, req("GET", "/plain", "Origin", o))
	}
	if len(asked) != 0 {
		t.Errorf("AllowOriginFunc was asked about %q", asked)
	}
	if r := cfg.Report(); !strings.Contains(r, "and those AllowOriginFunc allows") {
		t.Errorf("report:\n%s", r)
	}
}
