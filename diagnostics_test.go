package crosssession_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

type unregistered struct{ N int }

func TestDiagnostics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		cfg     crosssession.Config
		r       func(a *app) *http.Request
		code    string
		msg     string // substring of the header value and the log message
		header  bool   // the response carries X-Crosssession-Debug
		handler func(c *gin.Context)
	}{
		{
			name: "origin not allowed: localhost vs 127.0.0.1",
			cfg:  crosssession.Dev("http://localhost:3000"),
			r:    func(*app) *http.Request { return req("GET", "/plain", "Origin", "http://127.0.0.1:3000") },
			code: "origin-not-allowed", header: true,
			msg: "origin http://127.0.0.1:3000 is not allowed, so the response has no CORS headers and the browser hides it; " +
				"did you mean http://localhost:3000? The request came from http://127.0.0.1:3000, a different site, so cookies are not shared either",
		},
		{
			name: "origin not allowed on a preflight: trailing port typo",
			cfg:  crosssession.Dev("http://localhost:5173"),
			r: func(*app) *http.Request {
				return req("OPTIONS", "/change", "Origin", "http://localhost:5137", "Access-Control-Request-Method", "PUT")
			},
			code: "origin-not-allowed", header: true, msg: "did you mean http://localhost:5173?",
		},
		{
			name: "CSRF rejection says what was compared",
			cfg:  crosssession.Dev("http://localhost:3000"),
			r: func(*app) *http.Request {
				return req("POST", "/change", "Origin", "http://evil.test", "Sec-Fetch-Site", "cross-site")
			},
			code: "csrf-rejected", header: true,
			msg: `POST refused with 403 (CSRF protection): Origin "http://evil.test" is not allowed and Sec-Fetch-Site is "cross-site" for host "api.example.com"`,
		},
		{
			name: "Lax cookie set on a cross-site request, SameSiteOnly",
			cfg: func() crosssession.Config {
				c := crosssession.Dev("http://127.0.0.1:3000")
				c.Cookie.SameSiteOnly = true
				return c
			}(),
			r: func(*app) *http.Request {
				r := req("POST", "/login", "Origin", "http://127.0.0.1:3000", "Sec-Fetch-Site", "cross-site")
				r.Host = "localhost:3001"
				return r
			},
			code: "cookie-samesite-cross-site", header: true,
			msg: `cookie "session" is SameSite=Lax but the request is cross-site (http://127.0.0.1:3000 -> http://localhost:3001), so Chromium, Firefox and WebKit refuse to store it`,
		},
		{
			name: "Lax cookie cross-site by PSL without Sec-Fetch-Site",
			cfg: func() crosssession.Config {
				c := prodCfg("https://myapp.vercel.app")
				c.Cookie.SameSite, c.Cookie.SameSiteOnly = http.SameSiteLaxMode, true
				c.DebugHeader = true
				return c
			}(),
			r: func(*app) *http.Request {
				r := req("POST", "/login", "Origin", "https://myapp.vercel.app", "X-Forwarded-Proto", "https")
				r.Host = "api.vercel.app"
				return r
			},
			code: "cookie-samesite-cross-site", header: true, msg: "(https://myapp.vercel.app -> https://api.vercel.app)",
		},
		{
			name: "Secure cookie over plain http to a non-localhost host",
			cfg: func() crosssession.Config {
				c := crosssession.Dev("http://app.example.test")
				c.Cookie.Insecure = false
				return c
			}(),
			r: func(*app) *http.Request {
				r := req("POST", "/login", "Origin", "http://app.example.test")
				r.Host = "api.example.test"
				return r
			},
			code: "cookie-secure-over-http", header: true, msg: `cookie "session" is Secure but the request came over plain http to api.example.test`,
		},
		{
			name: "__Host- cookie on http://localhost, from Safari",
			cfg: func() crosssession.Config {
				c := crosssession.Dev("http://localhost:3000")
				c.Cookie = crosssession.Cookie{Name: "__Host-sid"}
				return c
			}(),
			r: func(*app) *http.Request {
				r := req("POST", "/login", "Origin", "http://localhost:3000", "User-Agent", safariUA)
				r.Host = "localhost:3001"
				return r
			},
			code: "cookie-secure-on-localhost", header: true, msg: "WebKit (Safari) stores no Secure cookie there (measured in WebKitGTK 2.50), while Chromium 156 and Firefox 153 do",
		},
		{
			name: "allowed origin without any cookie",
			cfg:  crosssession.Dev("http://localhost:3000"),
			r: func(a *app) *http.Request {
				serve(a, req("POST", "/login", "Origin", "http://localhost:3000"))
				return req("GET", "/me", "Origin", "http://localhost:3000")
			},
			code: "no-cookie", header: true, msg: "credentials: 'include'",
		},
		{
			name: "undecodable cookie",
			cfg:  crosssession.Dev("http://localhost:3000"),
			r: func(*app) *http.Request {
				return req("GET", "/me", "Origin", "http://localhost:3000", "Cookie", "session=bm90LWEtdmFsaWQtY29va2ll")
			},
			code: "cookie-undecodable", header: true, msg: "no key in Config.Keys verifies it",
		},
		{
			name: "cookie over 4096 bytes",
			cfg:  crosssession.Dev("http://localhost:3000"),
			r:    func(*app) *http.Request { return req("POST", "/big", "Origin", "http://localhost:3000") },
			handler: func(c *gin.Context) {
				s := sessions.Default(c)
				s.Set("id_token", strings.Repeat("x", 3000))
				s.Set("refresh_token", strings.Repeat("y", 2000))
				s.Set("user", "alice")
				c.Status(204)
			},
			code: "cookie-too-large", header: true,
			msg: `over the browsers' limit of 4096 (browsers drop it silently); largest values: "id_token" (`,
		},
		{
			name: "session saved after the body",
			cfg:  crosssession.Dev("http://localhost:3000"),
			r:    func(*app) *http.Request { return req("POST", "/late", "Origin", "http://localhost:3000") },
			handler: func(c *gin.Context) {
				c.String(200, "body")
				sessions.Default(c).Set("user", "late")
			},
			code: "session-saved-after-write", msg: "the change is lost",
		},
		{
			name: "Production: logged, no header",
			cfg:  prodCfg("https://app.example.com"),
			r:    func(*app) *http.Request { return req("GET", "/plain", "Origin", "https://app.example.co") },
			code: "origin-not-allowed", header: false, msg: "origin https://app.example.co is not allowed, so the response has no CORS headers",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, logs := withLog(tc.cfg)
			a := newApp(t, cfg)
			if tc.handler != nil {
				a.POST(strings.TrimPrefix(tc.r(a).URL.Path, ""), tc.handler)
			}
			w := serve(a, tc.r(a))
			hdr := strings.Join(w.Header().Values("X-Crosssession-Debug"), "\n")
			for _, c := range hdr {
				if c != '\n' && (c < ' ' || c > '~') {
					t.Errorf("X-Crosssession-Debug has %q; browsers read header bytes as Latin-1", c)
				}
			}
			if tc.header {
				if !strings.Contains(hdr, tc.code+": ") || !strings.Contains(hdr, tc.msg) {
					t.Errorf("X-Crosssession-Debug = %q\nwant %q with %q", hdr, tc.code, tc.msg)
				}
			} else if hdr != "" {
				t.Errorf("X-Crosssession-Debug = %q, want none", hdr)
			}
			recs := logs.lines(tc.code)
			if len(recs) != 1 {
				t.Fatalf("log has %d %q lines, want 1:\n%s", len(recs), tc.code, logs)
			}
			if msg, _ := recs[0]["msg"].(string); !strings.Contains(msg, tc.msg) || recs[0]["level"] != "WARN" {
				t.Errorf("log line %v\nwant a WARN containing %q", recs[0], tc.msg)
			}
		})
	}
}

// The happy paths say nothing.
func TestDiagnosticsQuietWhenFine(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(crosssession.Dev("http://localhost:3000"))
	a := newApp(t, cfg)
	r := req("POST", "/login", "Origin", "http://localhost:3000", "Sec-Fetch-Site", "same-site")
	r.Host = "localhost:3001"
	w := serve(a, r)
	c := w.Result().Cookies()[0]
	for _, r := range []*http.Request{
		req("GET", "/me", "Origin", "http://localhost:3000", "Sec-Fetch-Site", "same-site"),
		req("OPTIONS", "/change", "Origin", "http://localhost:3000", "Access-Control-Request-Method", "PUT"),
		req("GET", "/plain"),
		req("POST", "/change"),
	} {
		r.Host = "localhost:3001"
		if r.Method == "GET" {
			r.AddCookie(c)
		}
		w := serve(a, r)
		if v := w.Header().Values("X-Crosssession-Debug"); v != nil {
			t.Errorf("%s %s: X-Crosssession-Debug %q", r.Method, r.URL.Path, v)
		}
	}
	if strings.Contains(logs.String(), `"level":"WARN"`) {
		t.Errorf("warnings on the happy path:\n%s", logs)
	}
}

// TestNoCORSDiagnosisWhereCORSDoesNotApply: a navigation from an unlisted
// origin (an identity provider's callback, a form), a WebSocket handshake
// and a no-cors request read their response without CORS, so nothing is
// said about CORS headers; a fetch (cors mode, or no Sec-Fetch-Mode and no
// HTML accepted) from the same origin is diagnosed.
func TestNoCORSDiagnosisWhereCORSDoesNotApply(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(crosssession.Dev("http://localhost:3000"))
	cfg.InsecureBypassPatterns = []string{"POST /auth/callback"}
	a := newApp(t, cfg)
	a.POST("/auth/callback", func(c *gin.Context) { c.Status(200) })
	const idp = "https://appleid.apple.com"
	for _, r := range []*http.Request{
		req("POST", "/auth/callback", "Origin", idp, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate"),
		req("GET", "/plain", "Origin", idp, "Sec-Fetch-Mode", "nested-navigate"),
		req("GET", "/plain", "Origin", idp, "Sec-Fetch-Mode", "websocket"),
		req("GET", "/plain", "Origin", idp, "Sec-Fetch-Mode", "no-cors"),
		req("POST", "/auth/callback", "Origin", idp, "Accept", "text/html,application/xhtml+xml"),
	} {
		if w := serve(a, r); w.Header().Get("X-Crosssession-Debug") != "" {
			t.Errorf("%s %s %v: %q", r.Method, r.URL.Path, r.Header, w.Header().Get("X-Crosssession-Debug"))
		}
	}
	if n := len(logs.lines("origin-not-allowed")); n != 0 {
		t.Errorf("%d origin-not-allowed lines for requests CORS does not govern:\n%s", n, logs)
	}
	for _, mode := range []string{"cors", ""} {
		w := serve(a, req("GET", "/plain", "Origin", idp, "Sec-Fetch-Mode", mode))
		if !strings.HasPrefix(w.Header().Get("X-Crosssession-Debug"), "origin-not-allowed: ") {
			t.Errorf("a fetch (Sec-Fetch-Mode %q): %q, want origin-not-allowed", mode, w.Header().Get("X-Crosssession-Debug"))
		}
	}
}

// One log line per reason and origin per minute, however many requests.
func TestDiagnosticsRateLimited(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(crosssession.Dev("http://localhost:3000"))
	a := newApp(t, cfg)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				serve(a, req("GET", "/plain", "Origin", "http://127.0.0.1:3000"))
				serve(a, req("GET", "/plain", "Origin", "http://localhost:4000"))
			}
		})
	}
	wg.Wait()
	if n := len(logs.lines("origin-not-allowed")); n != 2 {
		t.Errorf("%d origin-not-allowed lines for 800 requests from 2 origins, want 2", n)
	}
	// Production: one per reason, whatever the origin.
	pcfg, plogs := withLog(prodCfg("https://app.example.com"))
	p := newApp(t, pcfg)
	for i := range 20 {
		serve(p, req("GET", "/plain", "Origin", "https://x"+strings.Repeat("y", i)+".test"))
	}
	if n := len(plogs.lines("origin-not-allowed")); n != 1 {
		t.Errorf("Production: %d lines, want 1", n)
	}
}

func TestStartupReport(t *testing.T) {
	t.Parallel()
	dev := crosssession.Dev().Report()
	for _, want := range []string{
		"crosssession: Development policy, session",
		"origins:   http://localhost:*, http://127.0.0.1:*, http://[::1]:*",
		"cookie:    Set-Cookie: session=<value>; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax",
		"csrf:      on",
		"Access-Control-Max-Age 7200",
	} {
		if !strings.Contains(dev, want) {
			t.Errorf("Dev report lacks %q:\n%s", want, dev)
		}
	}
	if strings.Contains(dev, "warning") {
		t.Errorf("Dev preset report has warnings:\n%s", dev)
	}
	p := prodCfg("https://app.example.com", "https://myapp.vercel.app")
	p.PreflightMaxAge = 24 * time.Hour
	p.APIOrigin = "https://api.example.com"
	prod := p.Report()
	for _, want := range []string{
		"crosssession: Production policy, session",
		"cookie:    Set-Cookie: __Host-session=<value>; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=Lax (same-site front ends)",
		"cookie:    Set-Cookie: __Host-session=<value>; Path=/; Max-Age=604800; HttpOnly; Secure; SameSite=None; Partitioned (cross-site front ends)",
		"warning:   PreflightMaxAge 24h0m0s is above Chromium's cap of 2h; 7200 is sent",
		"warning:   https://myapp.vercel.app is cross-site with the API https://api.example.com: Chromium and Firefox keep its SameSite=None; Partitioned cookie",
	} {
		if !strings.Contains(prod, want) {
			t.Errorf("Prod report lacks %q:\n%s", want, prod)
		}
	}
	if strings.Contains(prod, "app.example.com is cross-site") {
		t.Errorf("same-site front end reported as cross-site:\n%s", prod)
	}
	lax := crosssession.Dev("http://localhost:3000", "http://127.0.0.1:3000")
	lax.APIOrigin = "http://localhost:3001"
	rep := lax.Report()
	for _, want := range []string{
		"warning:   origins mix localhost and 127.0.0.1",
		"warning:   http://127.0.0.1:3000 is cross-site with the API http://localhost:3001: Chromium and Firefox keep its SameSite=None; Partitioned cookie",
	} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	if bad := crosssession.Prod(nil).Report(); !strings.Contains(bad, "invalid:") || !strings.Contains(bad, "no Origins") {
		t.Errorf("invalid config report:\n%s", bad)
	}
	// New logs the same report.
	cfg, logs := withLog(crosssession.Dev())
	crosssession.New(cfg)
	if !strings.Contains(logs.String(), "Development policy") {
		t.Errorf("New did not log the report:\n%s", logs)
	}
}

func TestUnregisteredTypeReportedAtSet(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(crosssession.Dev("http://localhost:3000"))
	a := newApp(t, cfg)
	var saveErr error
	a.POST("/obj", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("obj", unregistered{N: 1})
		saveErr = s.Save()
		c.Status(204)
	})
	w := serve(a, req("POST", "/obj"))
	want := "type crosssession_test.unregistered cannot be encoded"
	if !strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), "gob.Register(crosssession_test.unregistered{})") {
		t.Errorf("log lacks the Set-time error naming the type and the fix:\n%s", logs)
	}
	if saveErr == nil || !strings.Contains(saveErr.Error(), want) {
		t.Errorf("Save() = %v, want an error naming the type", saveErr)
	}
	if w.Header().Values("Set-Cookie") != nil {
		t.Errorf("an unencodable session was sent: %q", w.Header().Values("Set-Cookie"))
	}
}

// The debug header quotes the Origin the client sent; it must stay
// printable ASCII whatever that was.
func TestDebugHeaderIsASCII(t *testing.T) {
	t.Parallel()
	cfg, _ := withLog(crosssession.Dev("http://localhost:3000"))
	a := newApp(t, cfg)
	w := serve(a, req("GET", "/plain", "Origin", "http://\u00e9vil.test\x7f"))
	got := w.Header().Get("X-Crosssession-Debug")
	if !strings.HasPrefix(got, "origin-not-allowed: origin http://?vil.test? is not allowed") {
		t.Errorf("X-Crosssession-Debug = %q", got)
	}
}

// TestDevDiagnosticsCostIsBounded: in Development an unlisted origin gets a
// near-miss suggestion in the debug header on every request; its cost must
// not grow with the number of configured origins, for a near miss or for
// a stream of distinct origins.
func TestDevDiagnosticsCostIsBounded(t *testing.T) {
	cost := func(n int, origin func(i int) string) float64 {
		origins := []string{"https://app.example.com"}
		for i := range n - 1 {
			origins = append(origins, fmt.Sprintf("https://app%d.example.com", i))
		}
		cfg, _ := withLog(crosssession.Dev(origins...))
		a := newApp(t, cfg)
		i := 0
		return testing.AllocsPerRun(200, func() { i++; serve(a, req("GET", "/plain", "Origin", origin(i))) })
	}
	for name, origin := range map[string]func(int) string{
		"near miss":        func(int) string { return "https://app.example.co" },
		"distinct origins": func(i int) string { return fmt.Sprintf("https://x%d.example.net", i) },
	} {
		one, many := cost(1, origin), cost(200, origin)
		if many > one+2 {
			t.Errorf("%s: %v allocations per request with 200 origins against %v with 1", name, many, one)
		}
	}
}

const safariUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15"

// TestNoCookieNeedsEvidence: a request that uses the session without any
// cookie is blamed on a missing credentials: 'include' only when this
// server gave a page of that origin the cookie and has not expired one
// since: an anonymous visit before any login, or the requests after a
// logout, say nothing. In Production the message points to the log.
func TestNoCookieNeedsEvidence(t *testing.T) {
	t.Parallel()
	const o = "https://app.example.com"
	cfg, logs := withLog(prodCfg(o))
	a := newApp(t, cfg)
	a.POST("/logout", func(c *gin.Context) { _ = crosssession.Logout(c) })
	me := func() { serve(a, req("GET", "/me", "Origin", o, "Sec-Fetch-Site", "same-site")) }
	me() // anonymous, before any login
	if n := len(logs.lines("no-cookie")); n != 0 {
		t.Fatalf("anonymous visit: %d no-cookie lines:\n%s", n, logs)
	}
	serve(a, req("POST", "/logout", "Origin", o)) // expires a cookie for o
	login := serve(a, req("POST", "/login", "Origin", o, "Sec-Fetch-Site", "same-site")).Result().Cookies()[0]
	me() // given a cookie, and none sent: evidence
	recs := logs.lines("no-cookie")
	if len(recs) != 1 {
		t.Fatalf("after a login: %d no-cookie lines, want 1:\n%s", len(recs), logs)
	}
	if msg := recs[0]["msg"].(string); !strings.Contains(msg, "in this log") || strings.Contains(msg, "X-Crosssession-Debug") {
		t.Errorf("Production message points to a header that is off: %s", msg)
	}
	logout := req("POST", "/logout", "Origin", o)
	logout.AddCookie(login)
	serve(a, logout)
	cfg2, logs2 := withLog(prodCfg(o))
	b := newApp(t, cfg2)
	b.POST("/logout", func(c *gin.Context) { _ = crosssession.Logout(c) })
	serve(b, req("POST", "/login", "Origin", o))
	serve(b, withCookie(req("POST", "/logout", "Origin", o), login))
	serve(b, req("GET", "/me", "Origin", o, "Sec-Fetch-Site", "same-site"))
	if n := len(logs2.lines("no-cookie")); n != 0 {
		t.Errorf("after a logout: %d no-cookie lines:\n%s", n, logs2)
	}
}

// TestPreflightProblemsDiagnosed: a preflight from an allowed origin that
// asks for a method or header the policy does not allow still gets 204
// (the browser then refuses the request), and the reason says which.
func TestPreflightProblemsDiagnosed(t *testing.T) {
	t.Parallel()
	const o = "http://localhost:3000"
	for _, tc := range []struct {
		method, headers string
		want            string // "" means no diagnostic
	}{
		{"PUT", "content-type", ""},
		{"GET", "", ""},
		{"POST", "content-type,authorization", ""},
		{"PATCH", "Content-Type", ""},
		{"PUT", "content-type,x-tenant-id", "request headers x-tenant-id, which AllowHeaders"},
		{"PUT", "x-a, x-b", "request headers x-a, x-b"},
		{"PROPFIND", "", `method "PROPFIND", which AllowMethods`},
		{"patch", "", `method "patch": fetch sends methods other than`},
	} {
		cfg, logs := withLog(crosssession.Dev(o))
		a := newApp(t, cfg)
		a.Any("/any", func(c *gin.Context) {})
		r := req("OPTIONS", "/any", "Origin", o, "Access-Control-Request-Method", tc.method)
		if tc.headers != "" {
			r.Header.Set("Access-Control-Request-Headers", tc.headers)
		}
		w := serve(a, r)
		hdr := w.Header().Get("X-Crosssession-Debug")
		recs := logs.lines("preflight-not-allowed")
		if w.Code != http.StatusNoContent {
			t.Errorf("%s %s: status %d", tc.method, tc.headers, w.Code)
		}
		if tc.want == "" && (hdr != "" || len(recs) != 0) {
			t.Errorf("%s %s: diagnosed %q", tc.method, tc.headers, hdr)
		}
		if tc.want != "" && (!strings.Contains(hdr, "preflight-not-allowed: ") || !strings.Contains(hdr, tc.want) || len(recs) != 1) {
			t.Errorf("%s %s: header %q, %d log lines; want %q", tc.method, tc.headers, hdr, len(recs), tc.want)
		}
	}
}

// TestStartupReportIsStructured: New logs the report as one record with an
// attribute per line and one record per warning, so text and JSON handlers
// show it without literal newlines.
func TestStartupReportIsStructured(t *testing.T) {
	t.Parallel()
	cfg := prodCfg("https://app.example.com", "https://myapp.vercel.app")
	cfg.APIOrigin = "https://api.example.com"
	cfg.InsecureBypassPatterns = []string{"POST /a", "POST /b"}
	cfg, logs := withLog(cfg)
	crosssession.New(cfg)
	var recs []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not one JSON record per line: %q", line)
		}
		if strings.Contains(rec["msg"].(string), "\n") {
			t.Errorf("multi-line message: %q", rec["msg"])
		}
		recs = append(recs, rec)
	}
	first := recs[0]
	if first["msg"] != "crosssession: Production policy, session" || first["origins"] != "https://app.example.com, https://myapp.vercel.app" ||
		first["store"] == nil || first["preflight"] == nil {
		t.Errorf("summary record %v", first)
	}
	if cookie, ok := first["cookie"].([]any); !ok || len(cookie) != 2 || !strings.HasPrefix(cookie[1].(string), "Set-Cookie: __Host-session=") {
		t.Errorf("cookie attribute %v, want the same-site and the cross-site cookie", first["cookie"])
	}
	if csrf, ok := first["csrf"].([]any); !ok || len(csrf) != 3 {
		t.Errorf("csrf attribute %v, want the check and both exemptions", first["csrf"])
	}
	if len(recs) < 2 || recs[1]["level"] != "WARN" || !strings.Contains(recs[1]["msg"].(string), "myapp.vercel.app is cross-site") {
		t.Errorf("warning records %v", recs[1:])
	}
}

// TestStartupWarnings: each warning is given for the configuration that
// earns it and not for its look-alikes.
func TestStartupWarnings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  crosssession.Config
		want string // "" means no warning containing this line's topic
		not  string
	}{
		{"localhost and 127.0.0.1", crosssession.Dev("http://localhost:3000", "http://127.0.0.1:3000"), "mix localhost and 127.0.0.1", ""},
		{"app.localhost and localhost", crosssession.Dev("http://app.localhost:3000", "http://localhost:3000"), "", "mix localhost"},
		{"the Dev default", crosssession.Dev(), "", "mix localhost"},
		{"app origin with a session", prodCfg("capacitor://localhost"), "capacitor://localhost is an app or extension origin", ""},
		{"app origin, bearer", crosssession.Bearer("capacitor://localhost"), "", "app or extension origin"},
		{"Secure cookie in Development", func() crosssession.Config {
			c := crosssession.Dev()
			c.Cookie.Insecure = false
			return c
		}(), "WebKit (Safari) stores no Secure cookie from plain http://localhost", ""},
	} {
		r := tc.cfg.Report()
		if tc.want != "" && !strings.Contains(r, tc.want) {
			t.Errorf("%s: report lacks %q:\n%s", tc.name, tc.want, r)
		}
		if tc.not != "" && strings.Contains(r, tc.not) {
			t.Errorf("%s: report has %q:\n%s", tc.name, tc.not, r)
		}
	}
}

// authenticate stands for an auth middleware that answers 401 itself.
func authenticate(c *gin.Context) {
	if c.GetHeader("Authorization") == "" {
		c.AbortWithStatus(http.StatusUnauthorized)
	}
}

// TestWarnsWhenRegisteredAfterOtherMiddleware: crosssession after an auth
// middleware never sees the preflights it refuses; the log says so once,
// naming the handlers, for New (at its first request) and Group (at
// creation). gin's logger and recovery before it are fine.
func TestWarnsWhenRegisteredAfterOtherMiddleware(t *testing.T) {
	t.Parallel()
	const topic = "middleware runs before crosssession"
	cfg, logs := withLog(prodCfg())
	r := gin.New()
	r.Use(gin.LoggerWithWriter(io.Discard), gin.RecoveryWithWriter(io.Discard), authenticate, crosssession.New(cfg))
	r.GET("/x", func(c *gin.Context) {})
	for range 3 {
		serve(r, req("GET", "/x", "Authorization", "Bearer t"))
	}
	if n := strings.Count(logs.String(), topic); n != 1 || !strings.Contains(logs.String(), "authenticate") {
		t.Errorf("New after auth: %d warnings:\n%s", n, logs)
	}

	cfg, logs = withLog(prodCfg())
	g := gin.New()
	g.Use(gin.RecoveryWithWriter(io.Discard))
	crosssession.Group(g.Group("/api", authenticate), "/v1", cfg)
	if !strings.Contains(logs.String(), topic) {
		t.Errorf("Group after auth: no warning:\n%s", logs)
	}

	cfg, logs = withLog(prodCfg())
	ok := gin.New()
	ok.Use(gin.LoggerWithWriter(io.Discard), gin.RecoveryWithWriter(io.Discard), crosssession.New(cfg), authenticate)
	ok.GET("/x", func(c *gin.Context) {})
	serve(ok, req("GET", "/x"))
	crosssession.Group(ok, "/g", prodCfg())
	if strings.Contains(logs.String(), topic) {
		t.Errorf("crosssession first: warned:\n%s", logs)
	}
}

// Hostile Origins and cookies cost a bounded amount, whatever their size
// and the number of configured origins.
func TestHostileInputCostIsBounded(t *testing.T) {
	origins := []string{"https://app.example.com"}
	for i := range 199 {
		origins = append(origins, fmt.Sprintf("https://app%d.example.com", i))
	}
	for _, mode := range []crosssession.Mode{crosssession.Production, crosssession.Development} {
		cfg, _ := withLog(prodCfg(origins...))
		cfg.Mode = mode
		cfg.Cookie.Insecure = false
		a := newApp(t, cfg)
		huge := "https://" + strings.Repeat("a", 100_000) + ".example.net"
		small := testing.AllocsPerRun(20, func() { serve(a, req("GET", "/plain", "Origin", "https://evil.test")) })
		big := testing.AllocsPerRun(20, func() { serve(a, req("GET", "/plain", "Origin", huge)) })
		// A clipped copy of the Origin in the message and the log costs a
		// few allocations of bounded size; nothing may grow with the size.
		if big > small+8 {
			t.Errorf("%v: a 100 KB Origin costs %v allocs per request against %v for a short one", mode, big, small)
		}
	}
	// A cookie over the browsers' limit is refused before any decoding.
	cfg, logs := withLog(prodCfg())
	cfg.Keys = append(cfg.Keys, bytes.Repeat([]byte("2"), 32), bytes.Repeat([]byte("3"), 32))
	a := newApp(t, cfg)
	r := req("GET", "/me")
	r.AddCookie(&http.Cookie{Name: "__Host-session", Value: strings.Repeat("A", 900_000)})
	if w := serve(a, r); w.Code != 401 || !strings.Contains(logs.String(), "over the browsers' limit of 4096") {
		t.Errorf("huge cookie: %d\n%s", w.Code, logs)
	}
}

func TestDevLimiterIsBounded(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(crosssession.Dev("http://localhost:3000"))
	a := newApp(t, cfg)
	for i := range 3000 {
		serve(a, req("GET", "/plain", "Origin", "https://h"+strings.Repeat("x", i%50)+"y"+string(rune('a'+i%26))+".test"+
			strings.Repeat("z", i/100)))
	}
	// Keys are per site, and past the cap events share the reason's key:
	// far fewer lines than events, and memory stays bounded.
	if n := len(logs.lines("origin-not-allowed")); n > 1100 || n == 0 {
		t.Errorf("%d lines for 3000 distinct origins", n)
	}
}

// TestLimiterKeyReopensAcrossSynctestBubbles: a version of the diagnostics
// limiter closed a key when it logged and relied on a time.AfterFunc timer
// to reopen it. A timer created inside a testing/synctest bubble belongs to
// that bubble and never fires once the bubble is over, so a middleware
// shared by tests (a package-level router, one test of which uses synctest
// to exercise session expiry with fake time) stopped logging that reason
// (in Production: for every origin) for the rest of the process. The
// limiter compares clock readings instead.
func TestLimiterKeyReopensAcrossSynctestBubbles(t *testing.T) {
	cfg, logs := withLog(crosssession.Dev("http://localhost:3000"))
	a := newApp(t, cfg) // shared by both bubbles, like a package-level router
	hit := func() { serve(a, req("GET", "/plain", "Origin", "http://127.0.0.1:3000")) }

	synctest.Test(t, func(t *testing.T) { hit() }) // logged; key closed
	if n := len(logs.lines("origin-not-allowed")); n != 1 {
		t.Fatalf("first bubble: %d origin-not-allowed lines, want 1", n)
	}
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(2 * time.Minute) // well past the one-minute interval
		hit()
	})
	if n := len(logs.lines("origin-not-allowed")); n != 2 {
		t.Errorf("after the interval in a second bubble: %d origin-not-allowed lines, want 2 "+
			"(the key was closed by a timer of the first bubble, which never fires)", n)
	}
}

// TestNothingWorksCrossSiteOverPlainHTTP: a cross-site front end of an API
// on plain http off localhost can keep no cookie in any engine: the startup
// report says so, naming the engines.
func TestNothingWorksCrossSiteOverPlainHTTP(t *testing.T) {
	t.Parallel()
	cfg := crosssession.Dev("http://myapp.example.org")
	cfg.APIOrigin = "http://api.example.com"
	if r := cfg.Report(); !strings.Contains(r, "no cookie works there in Chromium, Firefox or WebKit") {
		t.Errorf("report:\n%s", r)
	}
}

// The no-cookie diagnostic keeps working for the configured front ends
// whatever other clients send: logins from 1,100 made-up Origins neither
// fill nor freeze what the middleware remembers of the allowed ones.
func TestNoCookieDiagnosticSurvivesUnlistedOrigins(t *testing.T) {
	logs := &fLogBuffer{}
	cfg := crosssession.Prod(testKey, "https://*.example.com")
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "u"); c.Status(200) })
	r.GET("/me", func(c *gin.Context) { _ = sessions.Default(c).Get("user"); c.Status(200) })

	for i := range 1100 {
		host := fmt.Sprintf("x%d.attacker.test", i)
		q := httptest.NewRequest("POST", "https://"+host+"/login", nil)
		q.Header.Set("Origin", "https://"+host)
		if w := serve(r, q); w.Code != 200 {
			t.Fatalf("filler login %d: %d", i, w.Code)
		}
	}
	const app = "https://preview-42.example.com" // a new preview deployment
	q := httptest.NewRequest("POST", "https://api.example.com/login", nil)
	q.TLS = &tls.ConnectionState{}
	q.Header.Set("Origin", app)
	q.Header.Set("Sec-Fetch-Site", "same-site")
	serve(r, q)
	// The front end forgot credentials: 'include' on the next call.
	q = httptest.NewRequest("GET", "https://api.example.com/me", nil)
	q.TLS = &tls.ConnectionState{}
	q.Header.Set("Origin", app)
	q.Header.Set("Sec-Fetch-Site", "same-site")
	serve(r, q)
	if !strings.Contains(logs.String(), "reason=no-cookie") {
		t.Errorf("no no-cookie diagnosis for %s after other clients logged in from 1,100 unlisted origins", app)
	}
}

// TestREADMEStartupReportIsReports: the startup report the README shows
// is what Report prints for its configuration.
func TestREADMEStartupReportIsReports(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	cfg := crosssession.Prod(testKey, "https://app.example.com", "https://myapp.example.org")
	cfg.APIOrigin = "https://api.example.com"
	want := "```\n" + strings.TrimRight(cfg.Report(), "\n") + "\n```\n"
	if !strings.Contains(string(b), want) {
		t.Errorf("the README's startup report is not Report()'s:\n%s", want)
	}
}
