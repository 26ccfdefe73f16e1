package crosssession_test

import (
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// hybridApp is the classic hybrid API: bearer tokens everywhere, a cookie
// session only under /users/session.
type hybridApp struct {
	*gin.Engine
	logins atomic.Int64
}

func newHybrid(t testing.TB, methodNotAllowed bool, engineLevel bool) *hybridApp {
	t.Helper()
	a := &hybridApp{Engine: gin.New()}
	a.HandleMethodNotAllowed = methodNotAllowed
	if engineLevel {
		a.Use(crosssession.New(crosssession.Bearer(front)))
	}
	g := crosssession.Group(a, "/users/session", prodCfg(front))
	g.POST("", func(c *gin.Context) {
		a.logins.Add(1)
		sessions.Default(c).Set("user", "alice")
		c.JSON(http.StatusCreated, gin.H{"token": "t0k3n"})
	})
	g.GET("", func(c *gin.Context) {
		u, _ := sessions.Default(c).Get("user").(string)
		c.JSON(http.StatusOK, gin.H{"user": u})
	})
	g.GET("/devices/:id", func(c *gin.Context) { c.String(http.StatusOK, c.Param("id")) })
	a.GET("/api/notes", func(c *gin.Context) {
		if c.GetHeader("Authorization") != "Bearer t0k3n" {
			c.Status(http.StatusUnauthorized)
			return
		}
		c.JSON(http.StatusOK, gin.H{"notes": []string{"hi"}})
	})
	a.DELETE("/api/notes/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	return a
}

func TestGroupPreflights(t *testing.T) {
	t.Parallel()
	for _, mna := range []bool{false, true} {
		for _, engineLevel := range []bool{false, true} {
			a := newHybrid(t, mna, engineLevel)
			for _, p := range []string{"/users/session", "/users/session/", "/users/session/devices/7", "/users/session/not-a-route"} {
				for _, m := range []string{"POST", "GET", "DELETE", "PUT"} {
					w := serve(a, preflight(p, front, m))
					h := w.Header()
					if w.Code != http.StatusNoContent || w.Body.Len() != 0 {
						t.Errorf("MNA=%v engine=%v: preflight %s %s = %d %q, want 204 and no body", mna, engineLevel, m, p, w.Code, w.Body)
					}
					if h.Values("Access-Control-Allow-Origin") == nil || h.Get("Access-Control-Allow-Origin") != front ||
						len(h.Values("Access-Control-Allow-Origin")) != 1 || h.Get("Access-Control-Allow-Credentials") != "true" {
						t.Errorf("MNA=%v engine=%v: preflight %s %s headers %v, want exactly %s and credentials", mna, engineLevel, m, p, h, front)
					}
					if h.Get("Location") != "" {
						t.Errorf("preflight %s redirected to %q", p, h.Get("Location"))
					}
				}
			}
			if a.logins.Load() != 0 {
				t.Errorf("a preflight ran the login handler")
			}
		}
	}
}

func TestGroupSessionAndIsolation(t *testing.T) {
	t.Parallel()
	a := newHybrid(t, true, true)
	// Log in through the group; read back in the group.
	w := serve(a, req("POST", "/users/session", "Origin", front, "Sec-Fetch-Site", "same-site"))
	cs := w.Result().Cookies()
	if w.Code != http.StatusCreated || len(cs) != 1 || w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("login: %d, cookies %v, headers %v", w.Code, cs, w.Header())
	}
	r := req("GET", "/users/session", "Origin", front)
	r.AddCookie(cs[0])
	if w := serve(a, r); !strings.Contains(w.Body.String(), "alice") {
		t.Errorf("session read back in the group: %d %q", w.Code, w.Body)
	}
	// Outside the group: CORS for bearer, never credentials or cookies,
	// even when the browser sends the session cookie along.
	for _, r := range []*http.Request{
		req("GET", "/api/notes", "Origin", front, "Authorization", "Bearer t0k3n"),
		req("DELETE", "/api/notes/1", "Origin", front, "Authorization", "Bearer t0k3n"),
		preflight("/api/notes", front, "GET"),
	} {
		r.AddCookie(cs[0])
		w := serve(a, r)
		h := w.Header()
		if w.Code >= 300 || h.Get("Access-Control-Allow-Origin") != front {
			t.Errorf("%s %s: %d, Allow-Origin %q", r.Method, r.URL.Path, w.Code, h.Get("Access-Control-Allow-Origin"))
		}
		if h.Values("Access-Control-Allow-Credentials") != nil || h.Values("Set-Cookie") != nil || slices.Contains(h.Values("Vary"), "Cookie") {
			t.Errorf("%s %s outside the group: credentials %q, Set-Cookie %q, Vary %q", r.Method, r.URL.Path,
				h.Values("Access-Control-Allow-Credentials"), h.Values("Set-Cookie"), h.Values("Vary"))
		}
	}
	if w := serve(a, preflight("/api/notes", front, "GET")); !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("bearer preflight does not allow Authorization: %v", w.Header())
	}
	// A cross-site POST into the group from an unlisted origin never
	// reaches the handler.
	before := a.logins.Load()
	for _, hdr := range [][]string{
		{"Origin", "https://evil.test", "Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.test"},
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "null", "Sec-Fetch-Site", "cross-site"},
	} {
		w := serve(a, req("POST", "/users/session", hdr...))
		if w.Code != http.StatusForbidden || w.Header().Values("Set-Cookie") != nil {
			t.Errorf("cross-site POST %q: %d, Set-Cookie %q; want 403 and no cookie", hdr, w.Code, w.Header().Values("Set-Cookie"))
		}
	}
	if a.logins.Load() != before {
		t.Errorf("a cross-site POST reached the login handler")
	}
}

// Stacked policies: on the group's routes the group decides, with exactly
// one Allow-Origin value.
func TestGroupOverridesEngineLevel(t *testing.T) {
	t.Parallel()
	const other = "https://partner.example.net"
	r := gin.New()
	r.Use(crosssession.New(crosssession.Bearer(front, other)))
	g := crosssession.Group(r, "/account", prodCfg(front))
	g.GET("/me", func(c *gin.Context) { c.String(200, "me") })
	r.GET("/public", func(c *gin.Context) { c.String(200, "pub") })
	for _, tc := range []struct {
		path, origin string
		acao, acac   string
	}{
		{"/account/me", front, front, "true"},
		{"/account/me", other, "", ""}, // the group does not list other
		{"/public", other, other, ""},
		{"/public", front, front, ""},
	} {
		for _, m := range []string{"GET", "OPTIONS"} {
			var rq *http.Request
			if m == "GET" {
				rq = req("GET", tc.path, "Origin", tc.origin)
			} else {
				rq = preflight(tc.path, tc.origin, "GET")
			}
			h := serve(r, rq).Header()
			if got := h.Values("Access-Control-Allow-Origin"); !slices.Equal(got, nonEmpty(tc.acao)) {
				t.Errorf("%s %s from %s: Allow-Origin %q, want %q", m, tc.path, tc.origin, got, nonEmpty(tc.acao))
			}
			if got := h.Values("Access-Control-Allow-Credentials"); !slices.Equal(got, nonEmpty(tc.acac)) {
				t.Errorf("%s %s from %s: Allow-Credentials %q, want %q", m, tc.path, tc.origin, got, nonEmpty(tc.acac))
			}
			if n := strings.Count(strings.Join(h.Values("Vary"), ","), "Origin"); n != 1 {
				t.Errorf("%s %s: Vary %q names Origin %d times", m, tc.path, h.Values("Vary"), n)
			}
		}
	}
}

// The subdomain/port setup people write as the regular expression
// ^(https?://)?(app|staging)?\.?localhost(:[0-9]+)?$, in our grammar.
func TestClassicLocalhostPattern(t *testing.T) {
	t.Parallel()
	cfg := crosssession.Dev(
		"http://localhost:*", "https://localhost:*",
		"http://app.localhost:*", "https://app.localhost:*",
		"http://staging.localhost:*", "https://staging.localhost:*",
	)
	a := newApp(t, cfg)
	re := regexp.MustCompile(`^(https?://)?(app|staging)?\.?localhost(:[0-9]+)?$`)
	var candidates []string
	for _, s := range []string{"http://", "https://"} {
		for _, h := range []string{"localhost", "app.localhost", "staging.localhost", "dev.localhost", "evil.app.localhost",
			"applocalhost", "app.localhost.evil.test", "localhost.evil.test"} {
			for _, p := range []string{"", ":3000", ":5173", ":65535"} {
				candidates = append(candidates, s+h+p)
			}
		}
	}
	for _, o := range candidates {
		// Every origin a browser can send that the regex accepts is
		// accepted, except where the regex is wrong ("applocalhost",
		// ".localhost" without a label are not what it meant).
		want := re.MatchString(o) && !strings.Contains(o, "applocalhost") && !strings.Contains(o, "stagingapplocalhost")
		got := serve(a, req("GET", "/plain", "Origin", o)).Header().Get("Access-Control-Allow-Origin") == o
		if got != want {
			t.Errorf("Origin %q: allowed = %v, want %v", o, got, want)
		}
	}
}

func TestClassicExactOrigin(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg("https://app.example.com"))
	c := loginCookie(t, a, "https://app.example.com")
	r := req("GET", "/me", "Origin", "https://app.example.com")
	r.AddCookie(c)
	w := serve(a, r)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("exact origin: %d %v", w.Code, w.Header())
	}
	if w := serve(a, req("GET", "/me", "Origin", "https://staging.example.com")); w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin got Allow-Origin %q", w.Header().Get("Access-Control-Allow-Origin"))
	}
}

// Without Group, a group-level middleware never sees the preflight: gin
// runs only engine-level middleware for a path with no OPTIONS route. This
// is the bug Group exists for; the test pins gin's behaviour.
func TestPlainGroupPreflight404(t *testing.T) {
	t.Parallel()
	r := gin.New()
	g := r.Group("/users/session", crosssession.New(prodCfg(front)))
	g.POST("", func(c *gin.Context) { c.Status(201) })
	if w := serve(r, preflight("/users/session", front, "POST")); w.Code != http.StatusNotFound {
		t.Errorf("plain group preflight = %d; gin changed, revisit Group's docs", w.Code)
	}
}

func TestGroupOwnOptionsRoutePanics(t *testing.T) {
	t.Parallel()
	r := gin.New()
	g := crosssession.Group(r, "/users", prodCfg(front))
	defer func() {
		if recover() == nil {
			t.Error("registering OPTIONS in a Group did not panic; update Group's documentation")
		}
	}()
	g.OPTIONS("/x", func(c *gin.Context) {})
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

func TestGroupsOnSeparateEnginesConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := gin.New()
			api := crosssession.Group(r, "/api", crosssession.Bearer(front))
			crosssession.Group(api, "/s", prodCfg(front))
			runtime.GC()
			crosssession.Group(r, "/api/t", prodCfg(front))
			w := serve(r, preflight("/api/s/x", front, "POST"))
			if w.Header().Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("%v", w.Header())
			}
		}()
	}
	wg.Wait()
}

// A nested Group whose base has a path parameter answers the preflights of
// its paths with its own policy, not the enclosing one's.
func TestNestedGroupWithParamBaseAnswersPreflights(t *testing.T) {
	const partner = "https://partner.example.net"
	r := gin.New()
	api := crosssession.Group(r, "/t/:tenant", prodCfg(front))
	sub := crosssession.Group(api, "/partner", crosssession.Bearer(partner))
	sub.POST("/orders", func(c *gin.Context) { c.Status(201) })
	w := serve(r, preflight("/t/acme/partner/orders", partner, "POST"))
	if w.Header().Get("Access-Control-Allow-Origin") != partner {
		t.Errorf("listed origin %s: preflight headers %v", partner, w.Header())
	}
	w = serve(r, preflight("/t/acme/partner/orders", front, "POST"))
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("origin %s not listed by the sub group got ACAO %q, credentials %q", front, got, w.Header().Get("Access-Control-Allow-Credentials"))
	}
}
