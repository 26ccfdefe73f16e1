package crosssession_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

func backendApp(t testing.TB, b *memBackend) *app {
	cfg := prodCfg()
	cfg.Backend = b
	a := newApp(t, cfg)
	a.POST("/logout", func(c *gin.Context) { _ = crosssession.Logout(c) })
	a.POST("/set", func(c *gin.Context) {
		s := sessions.Default(c)
		for k, v := range c.Request.URL.Query() {
			s.Set(k, v[0])
		}
		c.Status(204)
	})
	return a
}

// TestBackendRoundTrips: one Load to read, one Update to save, none for a
// route that does not use the session; the cookie carries only the ID.
func TestBackendRoundTrips(t *testing.T) {
	t.Parallel()
	b := newMemBackend()
	a := backendApp(t, b)
	login := serve(a, req("POST", "/login")).Result().Cookies()
	if l, u, _ := b.calls(); l != 0 || u != 1 || len(login) != 1 || len(login[0].Value) > 200 {
		t.Fatalf("login: %d loads, %d updates, cookie %v", l, u, login)
	}
	if w := serve(a, withCookie(req("GET", "/me"), login[0])); w.Code != 200 || len(w.Result().Cookies()) != 0 {
		t.Fatalf("read: %d, cookies %v", w.Code, w.Result().Cookies())
	}
	serve(a, withCookie(req("POST", "/set?theme=dark"), login[0]))
	serve(a, withCookie(req("GET", "/plain"), login[0]))
	if l, u, d := b.calls(); l != 2 || u != 2 || d != 0 {
		t.Errorf("after a read, a write and an untouched route: %d loads, %d updates, %d deletes; want 2, 2, 0", l, u, d)
	}
}

// TestBackendKeepsConcurrentChangesOfDifferentValues: two requests of one
// session (two tabs) that change different values both keep their change;
// the same value: the last writer wins.
func TestBackendKeepsConcurrentChangesOfDifferentValues(t *testing.T) {
	t.Parallel()
	b := newMemBackend()
	a := backendApp(t, b)
	ck := serve(a, req("POST", "/login")).Result().Cookies()[0]
	// Both load before either saves: the handlers meet at a barrier.
	var loaded sync.WaitGroup
	loaded.Add(2)
	a.POST("/slow", func(c *gin.Context) {
		s := sessions.Default(c)
		_ = s.Get("user")
		loaded.Done()
		loaded.Wait()
		s.Set(c.Query("k"), c.Query("v"))
		c.Status(204)
	})
	var wg sync.WaitGroup
	for _, kv := range [][2]string{{"cart", "3+items"}, {"theme", "dark"}} {
		wg.Go(func() { serve(a, withCookie(req("POST", "/slow?k="+kv[0]+"&v="+kv[1]), ck)) })
	}
	wg.Wait()
	a.GET("/both", func(c *gin.Context) {
		s := sessions.Default(c)
		c.String(200, "%v %v %v", s.Get("user"), s.Get("cart"), s.Get("theme"))
	})
	if got := serve(a, withCookie(req("GET", "/both"), ck)).Body.String(); got != "alice 3 items dark" {
		t.Errorf("after two concurrent writes of different values: %q", got)
	}
	serve(a, withCookie(req("POST", "/set?theme=light"), ck))
	serve(a, withCookie(req("POST", "/set?theme=blue"), ck))
	if got := serve(a, withCookie(req("GET", "/both"), ck)).Body.String(); got != "alice 3 items blue" {
		t.Errorf("the same value: %q, want the last writer's", got)
	}
}

// TestCookieStoreKeepsOneOfConcurrentChanges: what the cookie store cannot
// promise: the browser keeps one cookie, the last response's, so of two
// concurrent changes of different values one is lost.
func TestCookieStoreKeepsOneOfConcurrentChanges(t *testing.T) {
	t.Parallel()
	a := newApp(t, prodCfg())
	ck := serve(a, req("POST", "/login")).Result().Cookies()[0]
	set := func(k, v string) *http.Cookie {
		a.POST("/set-"+k, func(c *gin.Context) { sessions.Default(c).Set(k, v); c.Status(204) })
		return serve(a, withCookie(req("POST", "/set-"+k), ck)).Result().Cookies()[0]
	}
	_ = set("cart", "3 items")
	last := set("theme", "dark") // both started from ck; the browser keeps the last
	var cart, theme any
	a.GET("/both", func(c *gin.Context) { s := sessions.Default(c); cart, theme = s.Get("cart"), s.Get("theme") })
	serve(a, withCookie(req("GET", "/both"), last))
	if cart != nil || theme != "dark" {
		t.Errorf("cart %v, theme %v: the cookie store keeps the last response's session only", cart, theme)
	}
}

// TestBackendLogoutCannotBeUndone: a request that loaded the session
// before a logout and changes it after gets ErrSessionRevoked, creates no
// record, and its response carries no cookie.
func TestBackendLogoutCannotBeUndone(t *testing.T) {
	t.Parallel()
	b := newMemBackend()
	cfg := prodCfg()
	cfg.Backend, cfg.DebugHeader = b, true
	a := newApp(t, cfg)
	a.POST("/logout", func(c *gin.Context) { _ = crosssession.Logout(c) })
	ck := serve(a, req("POST", "/login")).Result().Cookies()[0]
	var saveErr error
	a.POST("/late-write", func(c *gin.Context) {
		s := sessions.Default(c)
		_ = s.Get("user")
		serve(a, withCookie(req("POST", "/logout"), ck)) // the user logs out meanwhile
		s.Set("theme", "dark")
		saveErr = s.Save()
		c.Status(204)
	})
	w := serve(a, withCookie(req("POST", "/late-write"), ck))
	if !errors.Is(saveErr, crosssession.ErrSessionRevoked) || len(w.Result().Cookies()) != 0 || len(b.m) != 0 {
		t.Errorf("late write: %v, cookies %v, records %d", saveErr, w.Result().Cookies(), len(b.m))
	}
	if me := serve(a, withCookie(req("GET", "/me"), ck)); me.Code != http.StatusUnauthorized {
		t.Errorf("the logged-out cookie: %d", me.Code)
	}
}

// TestBackendLoginAndLifetime: Login deletes the old session and starts one
// under a new ID; every save sets the time to live to the lifetime left.
func TestBackendLoginAndLifetime(t *testing.T) {
	t.Parallel()
	b := newMemBackend()
	a := backendApp(t, b)
	a.POST("/relogin", func(c *gin.Context) {
		if err := crosssession.Login(c); err != nil {
			t.Error(err)
		}
		sessions.Default(c).Set("user", "bob")
		c.Status(204)
	})
	first := serve(a, req("POST", "/login")).Result().Cookies()[0]
	second := serve(a, withCookie(req("POST", "/relogin"), first)).Result().Cookies()[0]
	if first.Value == second.Value || len(b.m) != 1 {
		t.Fatalf("Login kept the ID or the old record: %d records", len(b.m))
	}
	for id, ttl := range b.ttl {
		if _, live := b.m[id]; live && (ttl > 7*24*time.Hour || ttl < 7*24*time.Hour-time.Minute) {
			t.Errorf("time to live %v, want the 7 days left", ttl)
		}
	}
	if me := serve(a, withCookie(req("GET", "/me"), first)); me.Code != http.StatusUnauthorized {
		t.Errorf("the old session after Login: %d", me.Code)
	}
	if me := serve(a, withCookie(req("GET", "/me"), second)); !strings.Contains(me.Body.String(), "bob") {
		t.Errorf("the new session: %s", me.Body)
	}
}

// TestBackendValidated: Store and Backend together are an error; the report
// names the backend.
func TestBackendValidated(t *testing.T) {
	t.Parallel()
	cfg := prodCfg()
	cfg.Backend, cfg.Store = newMemBackend(), &memStore{m: map[string]map[any]any{}}
	assertValidate(t, "Store and Backend", cfg, "both Store and Backend are set")
	cfg.Store = nil
	if r := cfg.Report(); !strings.Contains(r, "memBackend, one value at a time") {
		t.Errorf("report:\n%s", r)
	}
}

// TestBackendRefusesKeysItCannotName: a Backend stores values under
// non-empty string keys; any other key fails the save with ErrUnencodable
// naming it, and the Backend is not called.
func TestBackendRefusesKeysItCannotName(t *testing.T) {
	t.Parallel()
	for _, key := range []any{"", 7, struct{ ID int }{1}} {
		b := newMemBackend()
		a := backendApp(t, b)
		var err error
		a.POST("/odd", func(c *gin.Context) {
			s := sessions.Default(c)
			s.Set(key, "v")
			err = s.Save()
			c.Status(204)
		})
		w := serve(a, req("POST", "/odd"))
		if _, u, _ := b.calls(); !errors.Is(err, crosssession.ErrUnencodable) || u != 0 || len(w.Result().Cookies()) != 0 {
			t.Errorf("key %#v: Save = %v, %d updates, cookies %v; want ErrUnencodable, none, none", key, err, u, w.Result().Cookies())
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprintf("%#v", key)) {
			t.Errorf("key %#v: the error does not name it: %v", key, err)
		}
	}
}

// TestBackendEndedSessionNeverLendsItsID: a session the server finds ended
// (here a deploy shortened IdleTimeout while its record lives on) is
// refused, its record deleted, and the fresh session that follows gets a
// new ID: a copy of the old cookie opens nothing that comes after.
func TestBackendEndedSessionNeverLendsItsID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newMemBackend()
		before := prodCfg()
		before.Backend, before.IdleTimeout = b, 8*time.Hour
		old := serve(newApp(t, before), req("POST", "/login")).Result().Cookies()[0] // a copy someone keeps
		time.Sleep(time.Hour)
		after := prodCfg()
		after.Backend, after.IdleTimeout = b, 30*time.Minute
		a := newApp(t, after)
		a.POST("/cart", func(c *gin.Context) { sessions.Default(c).Set("cart", "new cart"); c.Status(204) })
		a.GET("/cart", func(c *gin.Context) { c.String(200, "%v", sessions.Default(c).Get("cart")) })
		if w := serve(a, withCookie(req("GET", "/me"), old)); w.Code != http.StatusUnauthorized || len(b.m) != 0 {
			t.Fatalf("the ended session: %d, %d records; want 401 and its record deleted", w.Code, len(b.m))
		}
		fresh := serve(a, withCookie(req("POST", "/cart"), old)).Result().Cookies()
		if len(fresh) != 1 || fresh[0].Value == old.Value {
			t.Fatalf("the fresh session's cookie: %v", fresh)
		}
		if w := serve(a, withCookie(req("GET", "/cart"), old)); strings.Contains(w.Body.String(), "new cart") {
			t.Errorf("the old cookie opens the session that followed: %q", w.Body)
		}
		if w := serve(a, withCookie(req("GET", "/cart"), fresh[0])); w.Body.String() != "new cart" {
			t.Errorf("the fresh session: %q", w.Body)
		}
	})
}
