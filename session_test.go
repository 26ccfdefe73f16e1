package crosssession_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	gincookie "github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
)

// http.ResponseController reaches the real writer through Unwrap, and a
// flush commits the session first.
func TestAutoSaveWithResponseController(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	var flushErr error
	a.POST("/stream", func(c *gin.Context) {
		sessions.Default(c).Set("user", "streamer")
		flushErr = http.NewResponseController(c.Writer).Flush()
		c.Writer.WriteString("chunk")
	})
	w := serve(a, req("POST", "/stream"))
	if flushErr != nil {
		t.Fatalf("ResponseController.Flush: %v", flushErr)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 || !w.Flushed {
		t.Fatalf("flushed %v, cookies %v: want the session committed before the flush", w.Flushed, cs)
	}
	r := req("GET", "/me")
	r.AddCookie(cs[0])
	if body := serve(a, r).Body.String(); !strings.Contains(body, "streamer") {
		t.Errorf("/me = %q", body)
	}
}

func TestLoginRenewsAndLogoutExpires(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	var loginErr, logoutErr error
	a.POST("/relogin", func(c *gin.Context) {
		s := sessions.Default(c)
		planted, _ := s.Get("planted").(string)
		loginErr = crosssession.Login(c)
		s = sessions.Default(c)
		if s.Get("user") != nil || s.Get("planted") != nil {
			t.Errorf("Login kept values: %v %v", s.Get("user"), planted)
		}
		s.Set("user", "grace")
		c.Status(204)
	})
	a.DELETE("/session", func(c *gin.Context) {
		logoutErr = crosssession.Logout(c)
		c.Status(204)
	})
	a.POST("/plant", func(c *gin.Context) {
		sessions.Default(c).Set("planted", "by attacker")
		c.Status(204)
	})
	planted := serve(a, req("POST", "/plant")).Result().Cookies()[0]
	r := req("POST", "/relogin")
	r.AddCookie(planted)
	w := serve(a, r)
	if loginErr != nil || len(w.Result().Cookies()) != 1 {
		t.Fatalf("Login: %v, cookies %q", loginErr, w.Header().Values("Set-Cookie"))
	}
	fresh := w.Result().Cookies()[0]
	if fresh.Value == planted.Value {
		t.Error("Login kept the planted cookie value")
	}
	r = req("DELETE", "/session")
	r.AddCookie(fresh)
	w = serve(a, r)
	sc := w.Header().Values("Set-Cookie")
	// The configured (same-site) cookie, then the cross-site one: two
	// cookies in the browser.
	want := []string{"__Host-session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
		"__Host-session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; Secure; SameSite=None; Partitioned"}
	if logoutErr != nil || !slices.Equal(named(sc, "__Host-session"), want) || len(named(sc, "__Host-session-fence")) != 1 {
		t.Errorf("Logout: %v, Set-Cookie %q\nwant %q", logoutErr, sc, want)
	}
	// Without a session on the route, both say so.
	b := newApp(t, crosssession.Bearer("https://app.example.com"))
	b.POST("/x", func(c *gin.Context) {
		loginErr, logoutErr = crosssession.Login(c), crosssession.Logout(c)
	})
	serve(b, req("POST", "/x"))
	for _, err := range []error{loginErr, logoutErr} {
		if err == nil || !strings.Contains(err.Error(), "no session on this route") {
			t.Errorf("on a bearer route: %v", err)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := bytes.Repeat([]byte("o"), 32), bytes.Repeat([]byte("n"), 32)
	before := newApp(t, crosssession.Prod(oldKey, "https://app.example.com"))
	oldCookie := loginCookie(t, before, "https://app.example.com")

	rotated := crosssession.Prod(newKey, "https://app.example.com")
	rotated.Keys = append(rotated.Keys, oldKey)
	during := newApp(t, rotated)
	r := req("GET", "/me")
	r.AddCookie(oldCookie)
	w := serve(during, r)
	if w.Code != 200 {
		t.Fatalf("old cookie during rotation: %d, want 200", w.Code)
	}
	// A read never re-issues: a slow read that started before a logout
	// would undo it.
	if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Fatalf("a read re-issued the cookie: %q", got)
	}
	// The next change re-issues it under the new key.
	r = req("POST", "/login", "Origin", "https://app.example.com")
	r.AddCookie(oldCookie)
	reissued := serve(during, r).Result().Cookies()
	if len(reissued) != 1 {
		t.Fatalf("a change under the old key re-issued %d cookies", len(reissued))
	}

	cfg, logs := withLog(crosssession.Prod(newKey, "https://app.example.com"))
	after := newApp(t, cfg)
	r = req("GET", "/me")
	r.AddCookie(reissued[0])
	if w := serve(after, r); w.Code != 200 {
		t.Errorf("re-issued cookie with only the new key: %d, want 200", w.Code)
	}
	for range 5 {
		r := req("GET", "/me")
		r.AddCookie(oldCookie)
		if w := serve(after, r); w.Code != 401 {
			t.Errorf("old cookie after the old key is dropped: %d, want 401 (a fresh session)", w.Code)
		}
	}
	if n := len(logs.lines("cookie-undecodable")); n != 1 {
		t.Errorf("%d warnings for 5 unreadable cookies, want 1 per minute:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("unreadable cookies logged at ERROR:\n%s", logs)
	}
}

func TestSizeGuard(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	var saveErr error
	a.POST("/tokens", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("id_token", strings.Repeat("i", 2500))
		s.Set("access_token", strings.Repeat("a", 1500))
		s.Set("user", "heidi")
		saveErr = s.Save()
		if saveErr != nil {
			c.String(http.StatusRequestEntityTooLarge, "too big")
			return
		}
		c.Status(204)
	})
	a.POST("/auto", func(c *gin.Context) {
		sessions.Default(c).Set("blob", strings.Repeat("b", 5000))
		c.String(200, "ok")
	})
	w := serve(a, req("POST", "/tokens"))
	if saveErr == nil {
		t.Fatal("Save of an oversized session returned nil")
	}
	for _, want := range []string{"over the browsers' limit of 4096", `"id_token" (`, `"access_token" (`, "keep sessions on the server (Config.Backend"} {
		if !strings.Contains(saveErr.Error(), want) {
			t.Errorf("Save error %q lacks %q", saveErr, want)
		}
	}
	if w.Code != http.StatusRequestEntityTooLarge || w.Header().Values("Set-Cookie") != nil {
		t.Errorf("handler's response: %d, Set-Cookie %q", w.Code, w.Header().Values("Set-Cookie"))
	}
	// Without Save, the response says the session was not kept.
	w = serve(a, req("POST", "/auto"))
	if w.Code != http.StatusInternalServerError || w.Header().Values("Set-Cookie") != nil {
		t.Errorf("auto-save of an oversized session: %d, Set-Cookie %q; want 500 and no cookie", w.Code, w.Header().Values("Set-Cookie"))
	}
}

// A request that never touches the session never decodes the cookie, adds
// no Vary: Cookie and re-sends nothing.
func TestSessionIsLazy(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(prodCfg())
	a := newApp(t, cfg)
	r := req("GET", "/plain", "Origin", "https://app.example.com", "Cookie", "__Host-session=garbage")
	w := serve(a, r)
	if v := w.Header().Values("Vary"); len(v) != 1 || v[0] != "Origin" {
		t.Errorf("Vary = %q, want only Origin", v)
	}
	if w.Header().Values("Set-Cookie") != nil || len(logs.lines("cookie-undecodable")) != 0 {
		t.Errorf("the cookie was decoded on a route that does not use the session")
	}
}

func TestSaveErrorsAreErrors(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	var err error
	a.POST("/fn", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("fn", func() {})
		err = s.Save()
		c.Status(204)
	})
	serve(a, req("POST", "/fn"))
	if err == nil || !strings.Contains(err.Error(), "type func() cannot be encoded") {
		t.Errorf("Save with a func value: %v", err)
	}
	if !errors.Is(err, crosssession.ErrUnencodable) {
		t.Errorf("Save error is not ErrUnencodable: %v", err)
	}
}

var errConnRefused = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func TestStoreFailureGives503(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		store          *flakyStore
		recoveryInside bool
	}{
		{"load fails", &flakyStore{failLoad: true}, false},
		{"load fails, gin.Recovery inside crosssession", &flakyStore{failLoad: true}, true},
		{"save fails", &flakyStore{failSave: true}, false},
		{"save fails, gin.Recovery inside crosssession", &flakyStore{failSave: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, logs := withLog(prodCfg())
			cfg.Store = tc.store
			r := gin.New()
			if !tc.recoveryInside {
				r.Use(gin.Recovery())
			}
			r.Use(crosssession.New(cfg))
			if tc.recoveryInside {
				r.Use(gin.RecoveryWithWriter(io.Discard))
			}
			ran := false
			r.POST("/login", func(c *gin.Context) {
				s := sessions.Default(c)
				s.Set("user", "mallory")
				ran = true
				c.JSON(200, gin.H{"user": "mallory"})
			})
			r.GET("/health", func(c *gin.Context) { c.String(200, "ok") })
			w := serve(r, req("POST", "/login", "Origin", "https://app.example.com"))
			if w.Code != http.StatusServiceUnavailable || w.Body.String() != `{"error":"session store unavailable"}` {
				t.Errorf("POST /login = %d %q, want 503 with the store error", w.Code, w.Body)
			}
			if w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" || w.Header().Values("Set-Cookie") != nil {
				t.Errorf("headers %v: want CORS kept (the front end can read the 503) and no cookie", w.Header())
			}
			if tc.store.failLoad && ran {
				t.Error("the handler ran past a session that could not be loaded")
			}
			if n := len(logs.lines("store-unavailable")); n != 1 {
				t.Errorf("%d store-unavailable lines, want 1:\n%s", n, logs)
			}
			if strings.Contains(logs.String(), "no-cookie") || strings.Contains(logs.String(), `"level":"ERROR"`) {
				t.Errorf("misleading or unrated log lines:\n%s", logs)
			}
			if w := serve(r, req("GET", "/health")); w.Code != 200 {
				t.Errorf("a route without the session: %d during the outage", w.Code)
			}
		})
	}
}

func TestUnencodableAutoSaveGives500(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(prodCfg())
	a := newApp(t, cfg)
	a.POST("/fn2", func(c *gin.Context) {
		sessions.Default(c).Set("fn", func() {})
		c.JSON(200, gin.H{"handler": "done"})
	})
	w := serve(a, req("POST", "/fn2"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "handler") {
		t.Errorf("auto-save of an unencodable value: %d %q; want 500 without the handler's body", w.Code, w.Body)
	}
	if recs := logs.lines("session-unencodable"); len(recs) != 1 || !strings.Contains(recs[0]["msg"].(string), "type func() cannot be encoded") {
		t.Errorf("log:\n%s", logs)
	}
}

// TestLogoutAfterBodyStillRevokes: a handler that writes its JSON and then
// calls Logout gets ErrResponseWritten (the cookie can no longer be
// expired), but a server-side record is deleted all the same, so the
// session is over on every machine. With the cookie store the error says
// what remains.
func TestLogoutAfterBodyStillRevokes(t *testing.T) {
	t.Parallel()
	for _, server := range []bool{true, false} {
		cfg := prodCfg()
		store := &memStore{m: map[string]map[any]any{}}
		if server {
			cfg.Store = store
		}
		a := newApp(t, cfg)
		var logoutErr error
		a.POST("/logout", func(c *gin.Context) {
			c.JSON(http.StatusOK, gin.H{"bye": true})
			logoutErr = crosssession.Logout(c)
		})
		login := serve(a, req("POST", "/login")).Result().Cookies()[0]
		w := serve(a, withCookie(req("POST", "/logout"), login))
		if !errors.Is(logoutErr, crosssession.ErrResponseWritten) {
			t.Errorf("server=%v: Logout after the body = %v, want ErrResponseWritten", server, logoutErr)
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("server=%v: a Set-Cookie after the body: %v", server, w.Header().Values("Set-Cookie"))
		}
		me := serve(a, withCookie(req("GET", "/me"), login))
		switch {
		case server && (me.Code != http.StatusUnauthorized || len(store.m) != 0):
			t.Errorf("the record survived a late Logout: /me %d, records %v", me.Code, store.m)
		case !server && !strings.Contains(logoutErr.Error(), "still opens the session until Cookie.MaxAge"):
			t.Errorf("cookie store: %v", logoutErr)
		}
	}
}

// TestLateLoginChangesNothing: a goroutine holding the session (c.Copy())
// that calls Login after the request ended gets ErrResponseWritten and
// leaves the user's session, and its server record, as they were.
func TestLateLoginChangesNothing(t *testing.T) {
	t.Parallel()
	cfg := prodCfg()
	store := &memStore{m: map[string]map[any]any{}}
	cfg.Store = store
	a := newApp(t, cfg)
	done := make(chan error, 1)
	start := make(chan struct{})
	a.POST("/async", func(c *gin.Context) {
		cc := c.Copy()
		go func() { <-start; done <- crosssession.Login(cc) }()
		c.Status(http.StatusNoContent)
	})
	login := serve(a, req("POST", "/login")).Result().Cookies()[0]
	serve(a, withCookie(req("POST", "/async"), login))
	close(start)
	if err := <-done; !errors.Is(err, crosssession.ErrResponseWritten) {
		t.Errorf("late Login = %v, want ErrResponseWritten", err)
	}
	if me := serve(a, withCookie(req("GET", "/me"), login)); me.Code != http.StatusOK || len(store.m) != 1 {
		t.Errorf("after a late Login: /me %d %s, records %d", me.Code, me.Body, len(store.m))
	}
}

// TestEveryCookieOfTheNameIsTried: browsers send every cookie of a name
// that matches, oldest first (a sibling service's Domain cookie, a leftover
// of an earlier configuration). The one that verifies is used, in either
// order; of two that verify, the newest.
func TestEveryCookieOfTheNameIsTried(t *testing.T) {
	t.Parallel()
	cfg, logs := withLog(prodCfg())
	a := newApp(t, cfg)
	other := newApp(t, crosssession.Prod(bytes.Repeat([]byte("x"), 32), "https://app.example.com"))
	foreign := loginCookie(t, other, "https://app.example.com")
	valid := loginCookie(t, a, "https://app.example.com")
	me := func(cookies ...*http.Cookie) (int, string) {
		r := req("GET", "/me", "Origin", "https://app.example.com")
		for _, c := range cookies {
			r.AddCookie(c)
		}
		w := serve(a, r)
		return w.Code, w.Body.String()
	}
	if code, _ := me(foreign, valid); code != 200 {
		t.Errorf("foreign then valid: %d", code)
	}
	if code, _ := me(valid, foreign); code != 200 {
		t.Errorf("valid then foreign: %d", code)
	}
	if n := len(logs.lines("cookie-undecodable")); n != 0 {
		t.Errorf("cookie-undecodable logged although a cookie verified:\n%s", logs)
	}
	// Two that verify: the one signed last wins, whatever the order.
	synctest.Test(t, func(t *testing.T) {
		a := newApp(t, prodCfg())
		older := loginAs(t, a, "olga")
		time.Sleep(2 * time.Second)
		newer := loginAs(t, a, "nina")
		for _, order := range [][]*http.Cookie{{older, newer}, {newer, older}} {
			r := req("GET", "/me")
			r.AddCookie(order[0])
			r.AddCookie(order[1])
			if w := serve(a, r); !strings.Contains(w.Body.String(), "nina") {
				t.Errorf("two valid cookies: %s, want the newest (nina)", w.Body)
			}
		}
	})
	// A Store gets the cookie it knows, whichever position it has.
	scfg := prodCfg()
	scfg.Store = &memStore{m: map[string]map[any]any{}}
	s := newApp(t, scfg)
	known := loginCookie(t, s, "https://app.example.com")
	stale := &http.Cookie{Name: known.Name, Value: "gone-123"}
	for _, order := range [][]*http.Cookie{{stale, known}, {known, stale}} {
		r := req("GET", "/me")
		r.AddCookie(order[0])
		r.AddCookie(order[1])
		if w := serve(s, r); w.Code != 200 {
			t.Errorf("store, cookies %s then %s: %d", order[0].Value, order[1].Value, w.Code)
		}
	}
}

// TestMovingFromGinContribCookieStore: an app that ran
// sessions.Sessions("session", cookie.NewStore(K)) switches to crosssession
// with Keys {K}: its users stay logged in, nothing blames the key, and the
// next change re-issues the cookie in crosssession's format.
func TestMovingFromGinContribCookieStore(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte("g"), 32)
	before := gin.New()
	before.Use(sessions.Sessions("session", gincookie.NewStore(key)))
	before.POST("/login", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("user", "alice")
		if err := s.Save(); err != nil {
			t.Error(err)
		}
	})
	old := serve(before, req("POST", "/login")).Result().Cookies()[0]

	cfg := crosssession.Dev("http://localhost:3000")
	cfg.Keys = [][]byte{key}
	cfg, logs := withLog(cfg)
	after := newApp(t, cfg)
	r := req("GET", "/me", "Origin", "http://localhost:3000")
	r.AddCookie(old)
	w := serve(after, r)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "alice") {
		t.Fatalf("gin-contrib cookie after the switch: %d %s", w.Code, w.Body)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Errorf("a read re-issued the cookie: %v", w.Header().Values("Set-Cookie"))
	}
	if strings.Contains(logs.String(), "cookie-undecodable") {
		t.Errorf("the switch was diagnosed as an undecodable cookie:\n%s", logs)
	}
	r = req("POST", "/login?user=alice", "Origin", "http://localhost:3000")
	r.AddCookie(old)
	fresh := serve(after, r).Result().Cookies()
	if len(fresh) != 1 || fresh[0].Value == old.Value {
		t.Fatalf("a change did not re-issue the cookie: %v", fresh)
	}
	// The re-issued cookie is crosssession's format: gin-contrib's store
	// no longer reads it, crosssession does.
	r = req("GET", "/me", "Origin", "http://localhost:3000")
	r.AddCookie(fresh[0])
	if w := serve(after, r); w.Code != 200 {
		t.Errorf("re-issued cookie: %d", w.Code)
	}
	var back any
	before.GET("/peek", func(c *gin.Context) { back = sessions.Default(c).Get("user") })
	r = req("GET", "/peek")
	r.AddCookie(fresh[0])
	serve(before, r)
	if back != nil {
		t.Errorf("the re-issued cookie is still in gin-contrib's format")
	}
}

// TestPanickedHandlerNeverCommits: a handler that changes the session and
// then panics sends no Set-Cookie with the 500, whether gin.Recovery runs
// before crosssession in the chain or after it.
func TestPanickedHandlerNeverCommits(t *testing.T) {
	t.Parallel()
	for _, recoveryFirst := range []bool{true, false} {
		r := gin.New()
		if recoveryFirst {
			r.Use(gin.RecoveryWithWriter(io.Discard))
		}
		r.Use(crosssession.New(prodCfg()))
		if !recoveryFirst {
			r.Use(gin.RecoveryWithWriter(io.Discard))
		}
		r.POST("/half", func(c *gin.Context) {
			sessions.Default(c).Set("user", "mallory")
			panic("half-done")
		})
		w := serve(r, req("POST", "/half", "Origin", "https://app.example.com"))
		if w.Code != http.StatusInternalServerError || len(w.Header().Values("Set-Cookie")) != 0 {
			t.Errorf("recovery first=%v: %d, Set-Cookie %q; want 500 without the half-done session",
				recoveryFirst, w.Code, w.Header().Values("Set-Cookie"))
		}
	}
}

// TestSessionResponsesArePrivate: a response carrying the session's
// Set-Cookie is never storable by a shared cache, whatever the handler's
// Cache-Control; responses without the cookie keep theirs.
func TestSessionResponsesArePrivate(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	a.GET("/cc", func(c *gin.Context) {
		if v := c.Query("cc"); v != "" {
			c.Header("Cache-Control", v)
		}
		if c.Query("set") != "" {
			sessions.Default(c).Set("n", 1)
		}
		c.String(http.StatusOK, "ok")
	})
	for _, tc := range []struct{ query, want string }{
		{"set=1", "private"},
		{"set=1&cc=public,+max-age=300", "private, max-age=300"},
		{"set=1&cc=s-maxage=60,+max-age=30", "private, max-age=30"},
		{"set=1&cc=no-store", "private, no-store"},
		{`set=1&cc=private="Set-Cookie",+public`, `private, private="Set-Cookie"`},
		{`set=1&cc=max-age=600,+community="x`, "private"},
		{"set=1&cc=private,+max-age=5", "private, max-age=5"},
		{"cc=public,+max-age=300", "public, max-age=300"},
		{"", ""},
	} {
		w := serve(a, req("GET", "/cc?"+tc.query))
		if got := strings.Join(w.Header().Values("Cache-Control"), "; "); got != tc.want {
			t.Errorf("%s: Cache-Control %q, want %q", tc.query, got, tc.want)
		}
	}
}

// TestLogoutExpiresEveryVariant: Logout expires the cookie as configured
// and the variants of its name this host may hold (the other Partitioned
// setting when Secure, the host-only one when Domain is set), never a
// sibling's; Dev's insecure Lax cookie has no variant.
func TestLogoutExpiresEveryVariant(t *testing.T) {
	t.Parallel()
	domain := crosssession.Prod(testKey, "https://app.example.com")
	domain.Cookie = crosssession.Cookie{Name: "sid", Domain: "example.com", SameSite: http.SameSiteLaxMode}
	const gone = "Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly"
	for _, tc := range []struct {
		name, host string
		cfg        crosssession.Config
		want       []string
	}{
		{"Dev on a plain-http host: no Secure cookie is possible there", "api.example.com", crosssession.Dev(),
			[]string{"session=; Path=/; " + gone + "; SameSite=Lax"}},
		{"Dev on localhost: the cross-site cookie too", "localhost:3001", crosssession.Dev(),
			[]string{"session=; Path=/; " + gone + "; SameSite=Lax", "session=; Path=/; " + gone + "; Secure; SameSite=None; Partitioned"}},
		{"Domain", "api.example.com", domain, []string{
			"sid=; Path=/; Domain=example.com; " + gone + "; Secure; SameSite=Lax",
			"sid=; Path=/; Domain=example.com; " + gone + "; Secure; SameSite=None; Partitioned",
			"sid=; Path=/; " + gone + "; Secure; SameSite=Lax",
			"sid=; Path=/; " + gone + "; Secure; SameSite=None; Partitioned",
		}},
		{"SameSiteOnly", "api.example.com", func() crosssession.Config {
			c := prodCfg()
			c.Cookie.SameSiteOnly = true
			return c
		}(), []string{"__Host-session=; Path=/; " + gone + "; Secure; SameSite=Lax",
			"__Host-session=; Path=/; " + gone + "; Secure; SameSite=Lax; Partitioned"}},
	} {
		a := newApp(t, tc.cfg)
		a.POST("/logout", func(c *gin.Context) { _ = crosssession.Logout(c) })
		r := req("POST", "/logout")
		r.Host = tc.host
		got := serve(a, r).Header().Values("Set-Cookie")
		if !slices.Equal(named(got, tc.cfg.Cookie.Name), tc.want) {
			t.Errorf("%s: Set-Cookie\n%q\nwant\n%q", tc.name, got, tc.want)
		}
	}
}

func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	const vercel = "https://myapp.vercel.app"
	for _, tc := range []struct {
		name      string
		cfg       crosssession.Config
		origin    string
		site      string // Sec-Fetch-Site
		host      string // the API's host; "" is api.example.com over https (X-Forwarded-Proto)
		wantParts []string
		notParts  []string
	}{
		{"Dev", crosssession.Dev(), "http://localhost:3000", "same-site", "localhost:3001",
			[]string{"session=", "Path=/", "Max-Age=604800", "HttpOnly", "SameSite=Lax"},
			[]string{"Secure", "Partitioned", "Domain"}},
		{"Dev, cross-site front end on localhost", crosssession.Dev(), "http://127.0.0.1:3000", "cross-site", "localhost:3001",
			[]string{"session=", "Path=/", "HttpOnly", "Secure", "SameSite=None", "Partitioned"}, []string{"Domain"}},
		{"Dev, cross-site front end, SameSiteOnly", func() crosssession.Config {
			c := crosssession.Dev()
			c.Cookie.SameSiteOnly = true
			return c
		}(), "http://127.0.0.1:3000", "cross-site", "localhost:3001",
			[]string{"session=", "SameSite=Lax"}, []string{"Secure", "Partitioned"}},
		{"Prod, same-site front end", prodCfg(), "https://app.example.com", "same-site", "",
			[]string{"__Host-session=", "Path=/", "Max-Age=604800", "HttpOnly", "Secure", "SameSite=Lax"},
			[]string{"Domain", "Partitioned", "SameSite=None"}},
		{"Prod, cross-site front end", prodCfg(vercel), vercel, "cross-site", "",
			[]string{"__Host-session=", "Path=/", "Max-Age=604800", "HttpOnly", "Secure", "SameSite=None", "Partitioned"},
			[]string{"Domain"}},
		{"Prod, cross-site by the public suffix list, no Sec-Fetch-Site", prodCfg(vercel), vercel, "", "",
			[]string{"SameSite=None", "Partitioned"}, nil},
		{"Prod Strict, MaxAge", func() crosssession.Config {
			c := prodCfg()
			c.Cookie.SameSite, c.Cookie.MaxAge = http.SameSiteStrictMode, time.Hour
			return c
		}(), "https://app.example.com", "same-site", "",
			[]string{"__Host-session=", "Max-Age=3600", "Secure", "SameSite=Strict"},
			[]string{"Partitioned", "SameSite=None"}},
		{"Domain cookie", func() crosssession.Config {
			c := prodCfg()
			c.Cookie.Name, c.Cookie.Domain = "sid", "example.com"
			return c
		}(), "https://app.example.com", "same-site", "",
			[]string{"sid=", "Domain=example.com", "Secure", "SameSite=Lax"}, []string{"Partitioned"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newApp(t, tc.cfg)
			r := req("POST", "/login", "Origin", tc.origin)
			if tc.site != "" {
				r.Header.Set("Sec-Fetch-Site", tc.site)
			}
			if tc.host != "" {
				r.Host = tc.host
			} else {
				r.Header.Set("X-Forwarded-Proto", "https")
			}
			w := serve(a, r)
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
		sc := named(w.Header().Values("Set-Cookie"), "__Host-session")
		if len(sc) != 1 || strings.Contains(sc[0], "Max-Age=0") {
			t.Fatalf("%s: Set-Cookie %q, want one live session cookie", path, sc)
		}
		r := req("GET", "/me")
		for _, c := range w.Result().Cookies() { // the session and the logout fence
			r.AddCookie(c)
		}
		if body := serve(a, r).Body.String(); !strings.Contains(body, user) {
			t.Errorf("%s: /me = %q, want %s", path, body, user)
		}
	}
}

func TestOptionsZeroMaxAgeKeepsConfigured(t *testing.T) {
	t.Parallel()
	cfg := prodCfg()
	cfg.Cookie.SameSite, cfg.Cookie.Partitioned = http.SameSiteNoneMode, true
	a := newApp(t, cfg)
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

// A change after Logout starts a session with a new ID, never the old one.
func TestChangeAfterLogoutGetsNewSessionID(t *testing.T) {
	st := &memStore{m: map[string]map[any]any{"planted-by-attacker": {"user": "alice"}}}
	cfg := prodCfg(front)
	cfg.Store = st
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/logout", func(c *gin.Context) {
		if err := crosssession.Logout(c); err != nil {
			t.Error(err)
		}
		sessions.Default(c).AddFlash("you are logged out")
		c.Status(204)
	})
	w := serve(r, req("POST", "/logout", "Origin", front, "Cookie", "__Host-session=planted-by-attacker"))
	_, alive := st.m["planted-by-attacker"]
	if alive || strings.Contains(strings.Join(w.Header().Values("Set-Cookie"), ";"), "planted-by-attacker") {
		t.Errorf("after Logout: old ID still in store=%v, Set-Cookie %q", alive, w.Header().Values("Set-Cookie"))
	}
}

// A handler that panics with a goroutine holding the session: the
// goroutine's later Save cannot write into gin's pooled writer, so the next
// request's response carries nothing of it.
func TestPanickedRequestLeaksNothingIntoTheNext(t *testing.T) {
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(500) }))
	r.Use(crosssession.New(prodCfg(front)))
	copied := make(chan *gin.Context, 1)
	r.POST("/panic", func(c *gin.Context) {
		sessions.Default(c).Set("user", "mallory")
		copied <- c.Copy()
		panic("boom")
	})
	var saveErr error
	r.GET("/victim", func(c *gin.Context) {
		select {
		case cc := <-copied: // the background job of the earlier request
			saveErr = sessions.Default(cc).Save()
		default:
		}
		c.String(200, "hello victim")
	})
	for i := range 20 {
		serve(r, req("POST", "/panic", "Origin", front))
		w := serve(r, req("GET", "/victim", "Origin", front))
		if cks := w.Header().Values("Set-Cookie"); len(cks) > 0 {
			t.Fatalf("attempt %d: victim response carries the panicking request's session: %q (Save err %v)", i, cks, saveErr)
		}
	}
	t.Logf("Save err %v", saveErr)
}

// One request costs the session store a bounded number of lookups,
// whatever the Cookie header holds: 2,000 copies of a validly signed but
// logged-out session ID make at most a couple of lookups.
func TestStoreLookupsPerRequestAreBounded(t *testing.T) {
	st := newFRediStore()
	cfg := crosssession.Prod(testKey, front)
	cfg.Store = st
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "mallory"); c.Status(200) })
	r.POST("/logout", func(c *gin.Context) { _ = crosssession.Logout(c); c.Status(204) })
	r.GET("/me", func(c *gin.Context) { _ = sessions.Default(c).Get("user"); c.Status(200) })
	ck := fLogin(t, r, "/login")
	lo := req("POST", "/logout", "Origin", front, "Sec-Fetch-Site", "same-site")
	lo.AddCookie(ck)
	serve(r, lo) // the record is gone; the signed ID still verifies until MaxAge

	const copies = 2000
	hdr := strings.TrimSuffix(strings.Repeat(ck.Name+"="+ck.Value+"; ", copies), "; ")
	st.mu.Lock()
	st.gets = 0
	st.mu.Unlock()
	start := time.Now()
	w := serve(r, req("GET", "/me", "Origin", front, "Cookie", hdr))
	st.mu.Lock()
	gets := st.gets
	st.mu.Unlock()
	t.Logf("Cookie header %d bytes: status %d, %d store lookups, %v", len(hdr), w.Code, gets, time.Since(start))
	if gets > 4 {
		t.Errorf("one request with %d copies of a signed cookie made %d store lookups; want a small bound (e.g. 1, or a handful)", copies, gets)
	}
}

// A request's cost does not grow with the product of its cookies and its
// headers: 1,500 junk cookies and 30,000 header lines, sent over a real
// connection, cost the store path no more than reading them.
func TestStoreSessionLoadCostIsLinearInTheRequest(t *testing.T) {
	cfg := crosssession.Prod(testKey, front)
	cfg.Store = newFRediStore()
	cfg.Logger = slog.New(slog.DiscardHandler)
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.GET("/me", func(c *gin.Context) { _ = sessions.Default(c).Get("user"); c.Status(200) })
	srv := httptest.NewServer(r)
	defer srv.Close()

	var b strings.Builder
	b.WriteString("GET /me HTTP/1.1\r\nHost: api.example.com\r\nOrigin: " + front + "\r\nConnection: close\r\n")
	b.WriteString("Cookie: " + strings.TrimSuffix(strings.Repeat("__Host-session=x; ", 1500), "; ") + "\r\n")
	for range 30000 {
		b.WriteString("X: a\r\n")
	}
	b.WriteString("\r\n")
	t.Logf("request head: %d bytes (net/http's limit: %d)", b.Len(), http.DefaultMaxHeaderBytes)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	took := time.Since(start)
	runtime.ReadMemStats(&m1)
	alloc := (m1.TotalAlloc - m0.TotalAlloc) >> 20
	t.Logf("status %d after %v, %d MB allocated", resp.StatusCode, took, alloc)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: the server refused the request, so this proves nothing", resp.StatusCode)
	}
	if alloc > 200 {
		t.Errorf("one %d-byte request allocated %d MB (%v): loading the session must cost O(request size)", b.Len(), alloc, took)
	}
}

// With a server-side Store, Logout ends the session for every copy of the
// cookie: a request that loaded the session before the logout and changes
// it afterwards does not re-create the record (ErrSessionRevoked), so a
// stolen copy of the cookie stays useless.
func TestLogoutWithStoreCannotBeUndoneByAnInFlightWrite(t *testing.T) {
	st := newFRediStore()
	cfg := crosssession.Prod(testKey, front)
	cfg.Store = st
	cfg.Logger = slog.New(slog.DiscardHandler)
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) {
		if err := crosssession.Login(c); err != nil {
			t.Error(err)
		}
		sessions.Default(c).Set("user", "alice")
		c.Status(200)
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := crosssession.Logout(c); err != nil {
			t.Error(err)
		}
		c.Status(204)
	})
	r.GET("/me", func(c *gin.Context) { u, _ := sessions.Default(c).Get("user").(string); c.String(200, u) })
	loaded, release := make(chan struct{}), make(chan struct{})
	r.POST("/prefs", func(c *gin.Context) {
		s := sessions.Default(c)
		if s.Get("user") == nil {
			c.AbortWithStatus(401)
			return
		}
		close(loaded)
		<-release // c.ShouldBindJSON on a slowly sent body
		s.Set("theme", "dark")
		c.Status(204)
	})
	stolen := fLogin(t, r, "/login")
	me := func() string {
		q := req("GET", "/me", "Origin", front, "Sec-Fetch-Site", "same-site")
		q.AddCookie(stolen)
		return serve(r, q).Body.String()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		q := req("POST", "/prefs", "Origin", front, "Sec-Fetch-Site", "same-site")
		q.AddCookie(stolen)
		serve(r, q)
	}()
	<-loaded
	lo := req("POST", "/logout", "Origin", front, "Sec-Fetch-Site", "same-site")
	lo.AddCookie(stolen)
	serve(r, lo)
	if u := me(); u != "" {
		t.Fatalf("right after Logout the cookie still opens %q", u)
	}
	close(release)
	<-done
	if u := me(); u != "" {
		t.Errorf("after an in-flight request that loaded the session before Logout ended, the logged-out cookie opens the session of %q again (records: %v)", u, st.records)
	}
}

// A response that carries the session cookie is never storable by a
// shared cache: not after Save and a panic with gin.Recovery before
// crosssession, not through CDN-Cache-Control or Surrogate-Control (which
// CDNs obey instead, RFC 9213), not when a middleware before crosssession
// sets Cache-Control after c.Next() on a bodiless response, and not when
// the handler's value has an unterminated quoted string.
func TestSessionCookieResponsesAreNeverStorableBySharedCaches(t *testing.T) {
	recovery := gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(500) })
	for _, tc := range []struct {
		name    string
		before  []gin.HandlerFunc
		handler gin.HandlerFunc
	}{
		{"Save then panic, gin.Recovery before crosssession", []gin.HandlerFunc{recovery}, func(c *gin.Context) {
			s := sessions.Default(c)
			s.Set("user", "alice")
			if err := s.Save(); err != nil {
				t.Error(err)
			}
			c.Header("Cache-Control", "public, max-age=600")
			panic("boom")
		}},
		{"CDN-Cache-Control", nil, func(c *gin.Context) {
			sessions.Default(c).Set("user", "alice")
			c.Header("CDN-Cache-Control", "max-age=600")
			c.String(200, "ok")
		}},
		{"Surrogate-Control", nil, func(c *gin.Context) {
			sessions.Default(c).Set("user", "alice")
			c.Header("Surrogate-Control", "max-age=600")
			c.String(200, "ok")
		}},
		{"middleware before crosssession sets Cache-Control after c.Next", []gin.HandlerFunc{func(c *gin.Context) {
			c.Next()
			c.Header("Cache-Control", "public, max-age=60")
		}}, func(c *gin.Context) {
			sessions.Default(c).Set("user", "alice")
			c.Status(204)
		}},
		{"unterminated quote in the handler's value", nil, func(c *gin.Context) {
			sessions.Default(c).Set("user", "alice")
			c.Header("Cache-Control", `max-age=600, community="x`)
			c.String(200, "ok")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := crosssession.Prod(testKey, front)
			cfg.Logger = slog.New(slog.DiscardHandler)
			r := gin.New()
			r.Use(tc.before...)
			r.Use(crosssession.New(cfg))
			r.POST("/x", tc.handler)
			w := serve(r, req("POST", "/x", "Origin", front, "Sec-Fetch-Site", "same-site"))
			if len(w.Header().Values("Set-Cookie")) == 0 {
				t.Skipf("no Set-Cookie (%d)", w.Code)
			}
			// What was sent: the recorder's live map also shows headers set
			// after they went out.
			if store, why := fSharedCacheMayStore(w.Result().Header); store {
				t.Errorf("%d response with Set-Cookie %.40q... is storable by a shared cache: %s", w.Code, w.Header().Get("Set-Cookie"), why)
			}
		})
	}
}

// A handler that panics never commits its half-done session change,
// whatever status the recovery after crosssession answers with (a
// gin.CustomRecovery mapping validation panics to 400 included).
func TestPanickingHandlerNeverCommitsWhateverTheRecoveryStatus(t *testing.T) {
	for _, before := range []bool{true, false} {
		recovery := gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(400) })
		r := gin.New()
		cfg := crosssession.Prod(testKey, front)
		cfg.Logger = slog.New(slog.DiscardHandler)
		if before {
			r.Use(recovery, crosssession.New(cfg))
		} else {
			r.Use(crosssession.New(cfg), recovery)
		}
		r.POST("/x", func(c *gin.Context) {
			sessions.Default(c).Set("user", "half-done")
			panic("validation failed")
		})
		w := serve(r, req("POST", "/x", "Origin", front, "Sec-Fetch-Site", "same-site"))
		if cks := w.Header().Values("Set-Cookie"); len(cks) > 0 {
			t.Errorf("recovery before crosssession=%v: the %d answer to a panic carries the half-done session: %.60q", before, w.Code, cks)
		}
	}
}

// A cookie the store cannot decode is a bad cookie, not a store outage:
// one over the browsers' 4,096-byte limit is never offered to the store,
// and a MultiError of decode failures is a decode failure.
func TestOversizedCookieWithStoreIsNotAStoreOutage(t *testing.T) {
	logs := &fLogBuffer{}
	cfg := crosssession.Prod(testKey, front)
	cfg.Store = newFRediStore()
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.GET("/me", func(c *gin.Context) { _ = sessions.Default(c).Get("user"); c.Status(200) })
	w := serve(r, req("GET", "/me", "Origin", front, "Cookie", "__Host-session="+strings.Repeat("A", 4100)))
	if w.Code != 200 || strings.Contains(logs.String(), "store-unavailable") {
		t.Errorf("a 4,100-byte cookie: status %d %s; log: %s", w.Code, w.Body, logs.String())
	}
}

// Logout ends the session in this browser even when a leftover cookie of
// an earlier configuration (here Cookie.Domain = "example.com", same key,
// inside MaxAge) is still there: the logout fence refuses every session
// that started before it. net/http/cookiejar plays the browser.
func TestLogoutIsNotUndoneByALeftoverCookie(t *testing.T) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	api, _ := url.Parse("http://api.example.com/")
	const fe = "http://app.example.com"
	build := func(domain string) *gin.Engine {
		cfg := crosssession.Dev(fe)
		cfg.Keys = [][]byte{testKey}
		cfg.Cookie.Domain = domain
		cfg.Logger = slog.New(slog.DiscardHandler)
		r := gin.New()
		r.Use(crosssession.New(cfg))
		r.POST("/login", func(c *gin.Context) {
			if err := crosssession.Login(c); err != nil {
				t.Error(err)
			}
			sessions.Default(c).Set("user", "alice")
			c.Status(200)
		})
		r.POST("/logout", func(c *gin.Context) {
			if err := crosssession.Logout(c); err != nil {
				t.Error(err)
			}
			c.Status(204)
		})
		r.GET("/me", func(c *gin.Context) { u, _ := sessions.Default(c).Get("user").(string); c.String(200, u) })
		return r
	}
	do := func(r *gin.Engine, method, path string) string {
		q := req(method, path, "Origin", fe, "Sec-Fetch-Site", "same-site")
		for _, c := range jar.Cookies(api) {
			q.AddCookie(c)
		}
		w := serve(r, q)
		jar.SetCookies(api, (&http.Response{Header: w.Header()}).Cookies())
		return w.Body.String()
	}
	do(build("example.com"), "POST", "/login") // last week's deployment
	now := build("")                           // today's: host-only
	do(now, "POST", "/login")
	if u := do(now, "GET", "/me"); u != "alice" {
		t.Fatalf("before logout /me = %q", u)
	}
	do(now, "POST", "/logout")
	if u := do(now, "GET", "/me"); u != "" {
		t.Errorf("after Logout the next request is logged in as %q (cookies the browser still sends: %v)", u, jar.Cookies(api))
	}
}
