package crosssession_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"golang.org/x/net/http/httpguts"
)

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

// TestInsecureBypassPatterns runs the standard library's pattern-bypass
// cases (net/http csrf_test.go, TestCrossOriginProtectionPatternBypass)
// through a gin.Engine with the patterns in Config.InsecureBypassPatterns:
// the same requests are exempt, the rest get 403 before any handler.
func TestInsecureBypassPatterns(t *testing.T) {
	t.Parallel()
	cfg := prodCfg(front)
	cfg.InsecureBypassPatterns = []string{"/bypass/", "/only/{foo}", "/no-trailing", "/yes-trailing/",
		"PUT /put-only/", "GET /get-only/", "POST /post-only/"}
	r := gin.New()
	r.Use(crosssession.New(cfg))
	ran := 0
	r.NoRoute(func(c *gin.Context) { ran++; c.Status(http.StatusOK) })
	for _, tc := range []struct {
		name, path, secFetchSite string
		want                     int
	}{
		{"bypass path without sec-fetch-site", "/bypass/", "", 200},
		{"bypass path with cross-site", "/bypass/", "cross-site", 200},
		{"non-bypass path without sec-fetch-site", "/api/", "", 403},
		{"non-bypass path with cross-site", "/api/", "cross-site", 403},
		{"redirect to bypass path without ..", "/foo/../bypass/bar", "", 403},
		{"redirect to bypass path with trailing slash", "/bypass", "", 403},
		{"redirect to non-bypass path with ..", "/foo/../api/bar", "", 403},
		{"redirect to non-bypass path with trailing slash", "/api", "", 403},
		{"wildcard bypass", "/only/123", "", 200},
		{"non-wildcard", "/only/123/foo", "", 403},
		{"no trailing slash exact match", "/no-trailing", "", 200},
		{"no trailing slash with slash", "/no-trailing/", "", 403},
		{"yes trailing slash exact match", "/yes-trailing/", "", 200},
		{"yes trailing slash without slash", "/yes-trailing", "", 403},
		{"method-specific hit", "/post-only/", "", 200},
		{"method-specific miss (PUT)", "/put-only/", "", 403},
		{"method-specific miss (GET)", "/get-only/", "", 403},
	} {
		ran = 0
		rq := req("POST", tc.path, "Origin", "https://attacker.example")
		if tc.secFetchSite != "" {
			rq.Header.Set("Sec-Fetch-Site", tc.secFetchSite)
		}
		w := serve(r, rq)
		if w.Code != tc.want || (ran == 1) != (tc.want == 200) {
			t.Errorf("%s: status %d (handler ran %d times), want %d", tc.name, w.Code, ran, tc.want)
		}
		if w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: an exemption must not make the origin allowed: %v", tc.name, w.Header())
		}
	}
}

// TestFormPostCallbackExempt: an OpenID Connect form_post callback from the
// identity provider (a cross-site navigation POST) reaches its handler and
// can start the session; other routes still refuse the provider's origin.
func TestFormPostCallbackExempt(t *testing.T) {
	t.Parallel()
	const idp = "https://appleid.apple.com"
	cfg := prodCfg(front)
	cfg.InsecureBypassPatterns = []string{"POST /auth/callback"}
	a := newApp(t, cfg)
	a.POST("/auth/callback", func(c *gin.Context) {
		// A real callback checks state and nonce here.
		if err := crosssession.Login(c); err != nil {
			c.Status(http.StatusServiceUnavailable)
			return
		}
		c.Redirect(http.StatusSeeOther, front+"/")
	})
	w := serve(a, req("POST", "/auth/callback", "Origin", idp, "Sec-Fetch-Site", "cross-site",
		"Content-Type", "application/x-www-form-urlencoded"))
	if w.Code != http.StatusSeeOther || len(w.Result().Cookies()) != 1 {
		t.Errorf("callback: status %d, cookies %v; want 303 with the session cookie", w.Code, w.Result().Cookies())
	}
	if w := serve(a, req("POST", "/change", "Origin", idp, "Sec-Fetch-Site", "cross-site")); w.Code != http.StatusForbidden {
		t.Errorf("another route from the provider: %d, want 403", w.Code)
	}
}

// TestBypassPatternsValidated: a malformed or conflicting pattern fails at
// startup with every problem listed; Bearer has no check to bypass; the
// startup report lists each exemption.
func TestBypassPatternsValidated(t *testing.T) {
	t.Parallel()
	cfg := prodCfg(front)
	cfg.InsecureBypassPatterns = []string{"/a/{x", "POST /ok", "POST /ok"}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), `InsecureBypassPatterns[0] "/a/{x" is refused`) ||
		!strings.Contains(err.Error(), `InsecureBypassPatterns[2] "POST /ok" is refused`) {
		t.Errorf("Validate() = %v", err)
	}
	b := crosssession.Bearer(front)
	b.InsecureBypassPatterns = []string{"/x"}
	assertValidate(t, "Bearer with bypass", b, "no CSRF check to bypass")
	cfg.InsecureBypassPatterns = []string{"POST /auth/callback", "/saml/{tenant}/acs"}
	report := cfg.Report()
	for _, p := range cfg.InsecureBypassPatterns {
		if !strings.Contains(report, "exempt: "+p) {
			t.Errorf("report lacks %q:\n%s", p, report)
		}
	}
}

func TestMultipleOriginHeadersOnUnsafeMethods(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg("https://app.example.com"))
	w := serve(a, req("POST", "/change", "Origin", "https://app.example.com", "Origin", "https://evil.test"))
	if w.Code != 403 || a.hits.Load() != 0 {
		t.Errorf("two Origin headers: %d, handler ran %d", w.Code, a.hits.Load())
	}
}

// An InsecureBypassPatterns entry exempts exactly the routes it names.
// The exemption is decided on ServeMux's reading of the path (escaped
// segments: %2F stays inside a {wildcard} segment) while gin routes the
// decoded path, where %2F is a separator. A pattern with a wildcard
// segment therefore exempts other gin routes: a cross-site form POST to
// /saml/acme%2Fsettings/acs runs POST /saml/:tenant/settings/acs as the
// victim.
func TestBypassPatternExemptsOnlyTheRouteItNames(t *testing.T) {
	cfg := crosssession.Prod(testKey, front)
	cfg.InsecureBypassPatterns = []string{"POST /saml/{tenant}/acs"}
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "alice"); c.Status(200) })
	r.POST("/saml/:tenant/acs", func(c *gin.Context) { c.Status(200) }) // exempt, checks InResponseTo itself
	ran := ""
	r.POST("/saml/:tenant/settings/acs", func(c *gin.Context) { // NOT exempt: changes the tenant's SAML settings
		ran, _ = sessions.Default(c).Get("user").(string)
		c.Status(200)
	})
	ck := fLogin(t, r, "/login")

	// The direct request is refused, as it should be.
	if w := serve(r, fCrossSiteForm("/saml/acme/settings/acs", ck)); w.Code != 403 {
		t.Fatalf("direct cross-site POST: %d, want 403", w.Code)
	}
	w := serve(r, fCrossSiteForm("/saml/acme%2Fsettings/acs", ck))
	if w.Code != 403 || ran != "" {
		t.Errorf("cross-site POST /saml/acme%%2Fsettings/acs: status %d, non-exempt handler ran as %q; want 403 and no run", w.Code, ran)
	}
}

// With gin's RemoveExtraSlash (gin cleans "." and ".." before routing), a
// subtree pattern ("POST /saml/{rest...}") exempts every route of the API:
// ServeMux sees the segment "..%2Faccount" (not a dot segment, so browsers
// keep it as written and ServeMux does not redirect), gin routes
// /saml/../account/delete as /account/delete.
func TestBypassSubtreeDoesNotExemptRoutesOutsideIt(t *testing.T) {
	cfg := crosssession.Prod(testKey, front)
	cfg.InsecureBypassPatterns = []string{"POST /saml/{rest...}"}
	r := gin.New()
	r.RemoveExtraSlash = true
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "alice"); c.Status(200) })
	r.POST("/saml/:tenant/acs", func(c *gin.Context) { c.Status(200) })
	ran := ""
	r.POST("/account/delete", func(c *gin.Context) {
		ran, _ = sessions.Default(c).Get("user").(string)
		c.Status(200)
	})
	ck := fLogin(t, r, "/login")
	if w := serve(r, fCrossSiteForm("/account/delete", ck)); w.Code != 403 {
		t.Fatalf("direct cross-site POST: %d, want 403", w.Code)
	}
	w := serve(r, fCrossSiteForm("/saml/..%2Faccount/delete", ck))
	if w.Code != 403 || ran != "" {
		t.Errorf("cross-site POST /saml/..%%2Faccount/delete: status %d, /account/delete ran as %q; want 403 and no run", w.Code, ran)
	}
}

// FuzzRequest sends arbitrary requests (method, path, Origin, cookies,
// forwarding and handoff headers) through a Prod policy with a Group and a
// Bearer engine-level policy, and checks the promises that hold for any
// input: no panic and no 5xx; Access-Control-Allow-Origin only ever names
// an allowed origin, byte for byte the one sent, and credentials only come
// with it; a cross-site unsafe request from an origin that is not allowed
// never runs a handler.
func FuzzRequest(f *testing.F) {
	f.Add("POST", "/users/session", "https://evil.test", "__Host-session=abc; x=1", "cross-site", "proto=https", "code")
	f.Add("OPTIONS", "/users/session/x", front, "", "", "", "")
	f.Add("GET", "/api/notes", front, "__Host-session=; __Host-session=zz", "same-site", "", "")
	f.Add("DELETE", "/users/session", "null", "", "cross-site", `for=1;proto="https`, "")
	f.Fuzz(func(t *testing.T, method, path, origin, cookie, site, fwd, handoff string) {
		if !httpguts.ValidHeaderFieldName(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " ?#\x00") {
			return
		}
		var ran atomic.Int64
		r := gin.New()
		cfg := crosssession.Bearer(front)
		cfg.Logger = slog.New(slog.DiscardHandler)
		r.Use(crosssession.New(cfg))
		g := crosssession.Group(r, "/users/session", prodCfg(front, "https://*.example.org"))
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "PROPFIND"} {
			g.Handle(m, "/*rest", func(c *gin.Context) {
				ran.Add(1)
				sessions.Default(c).Set("u", c.Request.Method)
				c.Status(200)
			})
		}
		r.Any("/api/*rest", func(c *gin.Context) { ran.Add(1); c.Status(200) })
		rq, err := http.NewRequest(method, "https://api.example.com"+path, nil)
		if err != nil {
			return
		}
		for k, v := range map[string]string{"Origin": origin, "Cookie": cookie, "Sec-Fetch-Site": site,
			"Forwarded": fwd, "X-Crosssession-Handoff": handoff} {
			if v != "" && httpguts.ValidHeaderFieldValue(v) {
				rq.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, rq)
		if w.Code >= 500 {
			t.Fatalf("%s %s from %q: %d %s", method, path, origin, w.Code, w.Body)
		}
		allowed := origin == front || strings.HasPrefix(origin, "https://") && strings.HasSuffix(origin, ".example.org") &&
			strings.HasPrefix(path, "/users/session")
		acao := w.Header().Values("Access-Control-Allow-Origin")
		if len(acao) > 1 || len(acao) == 1 && (acao[0] != origin || !allowed) {
			t.Fatalf("%s %s from %q: Access-Control-Allow-Origin %q", method, path, origin, acao)
		}
		if w.Header().Get("Access-Control-Allow-Credentials") != "" && len(acao) == 0 {
			t.Fatalf("credentials without an allowed origin: %v", w.Header())
		}
		unsafe := method != "GET" && method != "HEAD" && method != "OPTIONS"
		if unsafe && site == "cross-site" && !allowed && strings.HasPrefix(path, "/users/session") && ran.Load() != 0 {
			t.Fatalf("a cross-site %s from %q ran the session handler (%d)", method, origin, w.Code)
		}
	})
}
