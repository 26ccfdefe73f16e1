package crosssession_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-gonic/gin"
)

// browserJar keeps the cookies a test browser holds: the last Set-Cookie of
// each name wins, as in a browser, and Max-Age <= 0 deletes.
type browserJar map[string]*http.Cookie

func (j browserJar) take(w *http.Response) (writes int) {
	for _, c := range w.Cookies() {
		writes++
		if c.MaxAge < 0 {
			delete(j, c.Name)
			continue
		}
		j[c.Name] = c
	}
	return writes
}

func (j browserJar) send(r *http.Request) *http.Request {
	for _, c := range j {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return r
}

// lifetimeApp is a Prod API with the given IdleTimeout and MaxAge.
func lifetimeApp(t *testing.T, idle, maxAge time.Duration) *app {
	cfg := prodCfg()
	cfg.IdleTimeout, cfg.Cookie.MaxAge = idle, maxAge
	a := newApp(t, cfg)
	a.POST("/logout", func(c *gin.Context) { _ = crosssession.Logout(c) })
	return a
}

// TestIdleAndAbsoluteLifetime tables how a session ends, on fake time:
// reads every step keep it alive until the absolute lifetime; a silence
// longer than IdleTimeout ends it; Login starts a new absolute lifetime.
func TestIdleAndAbsoluteLifetime(t *testing.T) {
	for _, tc := range []struct {
		name           string
		idle, lifetime time.Duration
		step           time.Duration // between reads
		reads          int
		wantUser       bool // after the reads
	}{
		{"active reads outlive the idle timeout", 30 * time.Minute, 24 * time.Hour, 10 * time.Minute, 12, true},
		{"a silence longer than IdleTimeout ends it", 30 * time.Minute, 24 * time.Hour, 31 * time.Minute, 1, false},
		{"a silence just under IdleTimeout does not", 30 * time.Minute, 24 * time.Hour, 29 * time.Minute, 1, true},
		{"active reads end at the absolute lifetime", 30 * time.Minute, 2 * time.Hour, 10 * time.Minute, 13, false},
		{"no idle timeout: the absolute lifetime only", 0, 2 * time.Hour, 90 * time.Minute, 1, true},
		{"no idle timeout, past the lifetime", 0, 2 * time.Hour, 121 * time.Minute, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a := lifetimeApp(t, tc.idle, tc.lifetime)
				jar := browserJar{}
				jar.take(serve(a, req("POST", "/login")).Result())
				var w *http.Response
				for range tc.reads {
					time.Sleep(tc.step)
					w = serve(a, jar.send(req("GET", "/me"))).Result()
					jar.take(w)
				}
				if got := w.StatusCode == 200; got != tc.wantUser {
					t.Errorf("after %d reads %v apart: status %d, want the user %v", tc.reads, tc.step, w.StatusCode, tc.wantUser)
				}
			})
		})
	}
}

// TestRenewalWritesRarely: 100 reads within a quarter of IdleTimeout write
// no cookie; the first read after it writes one, whose Max-Age is the idle
// window, never past the absolute lifetime. The expired session is
// reported once.
func TestRenewalWritesRarely(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := lifetimeApp(t, 40*time.Minute, time.Hour)
		jar := browserJar{}
		jar.take(serve(a, req("POST", "/login")).Result())
		writes := 0
		for range 100 {
			time.Sleep(5 * time.Second) // 100 reads in 500 s, under 10 min
			writes += jar.take(serve(a, jar.send(req("GET", "/me"))).Result())
		}
		if writes != 0 {
			t.Errorf("100 reads within a quarter of IdleTimeout wrote %d cookies, want 0", writes)
		}
		time.Sleep(10 * time.Minute)
		w := serve(a, jar.send(req("GET", "/me"))).Result()
		if n := jar.take(w); n != 1 || w.StatusCode != 200 {
			t.Fatalf("a read past a quarter of IdleTimeout: %d writes, status %d", n, w.StatusCode)
		}
		if c := jar["__Host-session"]; c.MaxAge != int((40 * time.Minute).Seconds()) {
			t.Errorf("renewed Max-Age %d, want the idle window", c.MaxAge)
		}
		time.Sleep(35 * time.Minute) // 53 min into a 1 h lifetime
		w = serve(a, jar.send(req("GET", "/me"))).Result()
		jar.take(w)
		if c := jar["__Host-session"]; w.StatusCode != 200 || c.MaxAge > int((7*time.Minute).Seconds())+1 {
			t.Errorf("renewed near the end: status %d, Max-Age %d, want at most the 7 minutes left", w.StatusCode, c.MaxAge)
		}
	})
}

// TestRenewalCannotUndoALogout: a read that started before a logout and
// answers after it renews the session; the browser applies both responses
// in arrival order, logout first; the logout fence keeps the renewed cookie
// from opening the session.
func TestRenewalCannotUndoALogout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := lifetimeApp(t, 20*time.Minute, time.Hour)
		jar := browserJar{}
		jar.take(serve(a, req("POST", "/login")).Result())
		time.Sleep(6 * time.Minute) // a renewal is due
		slowRead := jar.send(req("GET", "/me"))
		logout := serve(a, jar.send(req("POST", "/logout"))).Result()
		read := serve(a, slowRead).Result()
		jar.take(logout)
		if n := jar.take(read); n != 1 {
			t.Fatalf("the slow read did not renew (%d cookies): the test proves nothing", n)
		}
		if w := serve(a, jar.send(req("GET", "/me"))); w.Code != http.StatusUnauthorized {
			t.Errorf("after logout and a late renewal: %d %s, want 401", w.Code, w.Body)
		}
		// A new login after the logout works, with the fence still there.
		jar.take(serve(a, jar.send(req("POST", "/login"))).Result())
		if w := serve(a, jar.send(req("GET", "/me"))); w.Code != 200 {
			t.Errorf("login after logout: %d", w.Code)
		}
	})
}

// TestLoginStartsANewLifetime: Login resets the absolute lifetime; the
// expiry diagnostic says which limit ended a session.
func TestLoginStartsANewLifetime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := prodCfg()
		cfg.Cookie.MaxAge = time.Hour
		cfg.DebugHeader = true
		a := newApp(t, cfg)
		a.POST("/relogin", func(c *gin.Context) {
			_ = crosssession.Login(c)
			c.Status(204)
		})
		jar := browserJar{}
		jar.take(serve(a, req("POST", "/login")).Result())
		time.Sleep(50 * time.Minute)
		jar.take(serve(a, jar.send(req("POST", "/login"))).Result()) // a write: same lifetime
		time.Sleep(11 * time.Minute)
		w := serve(a, jar.send(req("GET", "/me")))
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Header().Get("X-Crosssession-Debug"), "session-expired: ") ||
			!strings.Contains(w.Header().Get("X-Crosssession-Debug"), "the absolute lifetime") {
			t.Fatalf("a write does not extend the absolute lifetime: %d %q", w.Code, w.Header().Get("X-Crosssession-Debug"))
		}
		jar = browserJar{}
		jar.take(serve(a, req("POST", "/login")).Result())
		time.Sleep(50 * time.Minute)
		jar.take(serve(a, jar.send(req("POST", "/relogin"))).Result())
		jar.take(serve(a, jar.send(req("POST", "/login"))).Result())
		time.Sleep(20 * time.Minute)
		if w := serve(a, jar.send(req("GET", "/me"))); w.Code != 200 {
			t.Errorf("Login started a new lifetime, yet the session ended: %d", w.Code)
		}
	})
}

// TestIdleTimeoutValidated: a negative, tiny or too long IdleTimeout, and
// one with a gin-contrib Store, fail at startup; the report shows both
// limits.
func TestIdleTimeoutValidated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		idle  time.Duration
		store bool
		want  string
	}{
		{-time.Second, false, "is negative"},
		{time.Second, false, "under 4 seconds"},
		{30 * 24 * time.Hour, false, "longer than Cookie.MaxAge"},
		{time.Hour, true, "needs the built-in cookie store"},
		{time.Hour, false, ""},
	} {
		cfg := prodCfg()
		cfg.IdleTimeout = tc.idle
		if tc.store {
			cfg.Store = &memStore{m: map[string]map[any]any{}}
		}
		assertValidate(t, tc.idle.String(), cfg, tc.want)
	}
	cfg := prodCfg()
	cfg.IdleTimeout = 30 * time.Minute
	if r := cfg.Report(); !strings.Contains(r, "lifetime:  ends 168h0m0s after it started, however active, or after 30m0s without a request (renewed at most every 7m30s)") {
		t.Errorf("report:\n%s", r)
	}
}
