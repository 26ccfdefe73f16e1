package crosssession_test

// Regression tests for problems found in review.

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

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

func TestLogoutThenLoginKeepsTheLogin(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	a.POST("/switch", func(c *gin.Context) {
		if err := crosssession.Logout(c); err != nil {
			t.Error(err)
		}
		if err := crosssession.Login(c); err != nil {
			t.Error(err)
		}
		sessions.Default(c).Set("user", "ivan")
		c.Status(204)
	})
	a.POST("/logout-set", func(c *gin.Context) {
		crosssession.Logout(c)
		sessions.Default(c).Set("user", "judy") // a change after Logout starts a new session
		c.Status(204)
	})
	for path, user := range map[string]string{"/switch": "ivan", "/logout-set": "judy"} {
		w := serve(a, req("POST", path))
		sc := w.Header().Values("Set-Cookie")
		if len(sc) != 1 || strings.Contains(sc[0], "Max-Age=0") {
			t.Fatalf("%s: Set-Cookie %q, want one live cookie", path, sc)
		}
		r := req("GET", "/me")
		r.AddCookie(w.Result().Cookies()[0])
		if body := serve(a, r).Body.String(); !strings.Contains(body, user) {
			t.Errorf("%s: /me = %q, want %s", path, body, user)
		}
	}
}

func TestOptionsZeroMaxAgeKeepsConfigured(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	a.POST("/strict", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Options(sessions.Options{SameSite: http.SameSiteStrictMode})
		s.Set("user", "k")
		c.Status(204)
	})
	sc := serve(a, req("POST", "/strict")).Header().Get("Set-Cookie")
	if !strings.Contains(sc, "Max-Age=604800") || !strings.Contains(sc, "SameSite=Strict") || !strings.Contains(sc, "Partitioned") {
		t.Errorf("Set-Cookie %q: want the configured Max-Age and Partitioned kept, SameSite changed", sc)
	}
}

func TestLoginReturnsStoreError(t *testing.T) {
	t.Parallel()
	cfg, _ := withLog(prodCfg())
	cfg.Store = &flakyStore{failLoad: true}
	r := gin.New()
	r.Use(crosssession.New(cfg))
	var err error
	returned := false
	r.POST("/login", func(c *gin.Context) {
		err = crosssession.Login(c)
		returned = true
		c.Status(204)
	})
	w := serve(r, req("POST", "/login"))
	if !returned || err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Login returned %v (returned %v), want the store error", err, returned)
	}
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
}

// A goroutine that keeps the session (through c.Copy) after the request
// must not touch gin's recycled context or writer. Run with -race.
func TestSessionInGoroutineAfterRequest(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(prodCfg())
	a := newApp(t, cfg)
	var wg sync.WaitGroup
	start := make(chan struct{})
	a.POST("/async", func(c *gin.Context) {
		cc := c.Copy()
		wg.Go(func() {
			<-start
			s := sessions.Default(cc)
			s.Set("late", true)
		})
		c.Status(204)
	})
	for range 20 {
		serve(a, req("POST", "/async"))
	}
	close(start)
	for range 200 { // other requests reuse the contexts meanwhile
		serve(a, req("GET", "/me"))
	}
	wg.Wait()
	if !strings.Contains(logs.String(), "after the request ended") {
		t.Errorf("late changes were not reported:\n%s", logs)
	}
}

func TestGroupLayouts(t *testing.T) {
	t.Parallel()
	const front = "https://app.example.com"
	check := func(t *testing.T, r *gin.Engine, path string, creds bool) {
		t.Helper()
		w := serve(r, preflight(path, front, "POST"))
		h := w.Header()
		if w.Code != 204 || h.Get("Access-Control-Allow-Origin") != front || (h.Get("Access-Control-Allow-Credentials") == "true") != creds {
			t.Errorf("preflight %s: %d %v, want 204 with credentials=%v", path, w.Code, h, creds)
		}
	}
	t.Run("root group", func(t *testing.T) {
		r := gin.New()
		g := crosssession.Group(r, "/", prodCfg(front))
		g.POST("/login", func(c *gin.Context) { c.Status(204) })
		check(t, r, "/", true)
		check(t, r, "/login", true)
	})
	for _, nested := range []bool{true, false} {
		name := map[bool]string{true: "nested", false: "sibling"}[nested]
		t.Run(name, func(t *testing.T) {
			r := gin.New()
			api := crosssession.Group(r, "/api", crosssession.Bearer(front))
			api.GET("/notes", func(c *gin.Context) { c.String(200, "notes") })
			var sess *gin.RouterGroup
			if nested {
				sess = crosssession.Group(api, "/session", prodCfg(front))
			} else {
				sess = crosssession.Group(r, "/api/session", prodCfg(front))
			}
			logins := 0
			sess.POST("", func(c *gin.Context) {
				logins++
				sessions.Default(c).Set("user", "x")
				c.Status(201)
			})
			check(t, r, "/api/notes", false)
			check(t, r, "/api", false)
			check(t, r, "/api/session", true)
			check(t, r, "/api/session/x", true)
			check(t, r, "/api/sessionx", false)
			w := serve(r, req("POST", "/api/session", "Origin", front, "Sec-Fetch-Site", "same-site"))
			if w.Code != 201 || w.Header().Get("Access-Control-Allow-Credentials") != "true" || len(w.Result().Cookies()) != 1 {
				t.Errorf("POST /api/session: %d %v", w.Code, w.Header())
			}
			if w := serve(r, req("POST", "/api/session", "Origin", "https://evil.test", "Sec-Fetch-Site", "cross-site")); w.Code != 403 || logins != 1 {
				t.Errorf("cross-site POST into the nested cookie group: %d, logins %d", w.Code, logins)
			}
		})
	}
	t.Run("inner group first panics with advice", func(t *testing.T) {
		r := gin.New()
		crosssession.Group(r, "/api/session", prodCfg(front))
		defer func() {
			if p := recover(); p == nil || !strings.Contains(p.(string), `create this Group before the Group "/api/session" inside it`) {
				t.Errorf("panic %v", p)
			}
		}()
		crosssession.Group(r, "/api", crosssession.Bearer(front))
	})
	t.Run("own catch-all OPTIONS route panics with advice", func(t *testing.T) {
		r := gin.New()
		r.OPTIONS("/*any", func(c *gin.Context) {})
		defer func() {
			if p := recover(); p == nil || !strings.Contains(p.(string), "remove your own OPTIONS routes") {
				t.Errorf("panic %v", p)
			}
		}()
		crosssession.Group(r, "/api", prodCfg(front))
	})
}

// An engine-level session policy and a Group with another allow-list: on
// the group's routes the group decides, for the preflight and the request.
func TestStackedSessionPolicies(t *testing.T) {
	t.Parallel()
	const app, partner = "https://app.example.com", "https://partner.example.net"
	r := gin.New()
	r.Use(crosssession.New(prodCfg(app)))
	g := crosssession.Group(r, "/partner", crosssession.Prod(bytes.Repeat([]byte("p"), 32), partner))
	ran := 0
	g.POST("/orders", func(c *gin.Context) { ran++; c.Status(201) })
	r.POST("/app", func(c *gin.Context) { ran++; c.Status(201) })
	for _, tc := range []struct {
		path, origin string
		status       int
	}{
		{"/partner/orders", partner, 201},
		{"/partner/orders", app, 403},
		{"/partner/orders", "https://evil.test", 403},
		{"/app", app, 201},
		{"/app", partner, 403},
	} {
		w := serve(r, req("POST", tc.path, "Origin", tc.origin, "Sec-Fetch-Site", "cross-site"))
		if w.Code != tc.status {
			t.Errorf("POST %s from %s: %d, want %d", tc.path, tc.origin, w.Code, tc.status)
		}
		if pf := serve(r, preflight(tc.path, tc.origin, "POST")); (pf.Header().Get("Access-Control-Allow-Origin") != "") != (tc.status == 201) {
			t.Errorf("preflight %s from %s disagrees with the request: %v", tc.path, tc.origin, pf.Header())
		}
	}
	if ran != 2 {
		t.Errorf("handlers ran %d times, want 2", ran)
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
