package e2e

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	redigo "github.com/gomodule/redigo/redis"
)

// TestRedisFromGinContrib switches an API from gin-contrib/cors and
// sessions.Sessions with the Redis store to crosssession.FromGinContrib
// with the same store: a session issued before the switch is read after it,
// the store's MaxAge and Path carry over, and Logout deletes the record.
func TestRedisFromGinContrib(t *testing.T) {
	addr := requireRedis(t)
	rc := redisConn(t, addr)
	key := randomKey(t)
	st, prefix := newRedisStore(t, addr, 4, key)
	st.Options(sessions.Options{Path: "/", MaxAge: 3600, HttpOnly: true})
	old := cors.Config{AllowOrigins: []string{frontOrigin}, AllowCredentials: true, AllowHeaders: []string{"Content-Type"}}

	before := gin.New()
	before.Use(cors.New(old), sessions.Sessions("mysession", st))
	before.POST("/login", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("user", "alice")
		if err := s.Save(); err != nil {
			t.Error(err)
		}
	})
	w := send(before, "POST", "/login", nil)
	if w.Code != http.StatusOK || len(w.Result().Cookies()) != 1 {
		t.Fatalf("login through gin-contrib: %d %v", w.Code, w.Header())
	}
	oldCookie := w.Result().Cookies()[0]

	cfg, err := crosssession.FromGinContrib(old, "mysession", st)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Cookie.MaxAge != time.Hour || cfg.Cookie.Path != "/" {
		t.Errorf("Cookie %+v: the Redis store's MaxAge and Path did not carry over", cfg.Cookie)
	}
	cfg.Logger = testLogger(t)
	after := sessionAPI(cfg)

	me := send(after, "GET", "/me", oldCookie)
	if me.Code != http.StatusOK || me.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("GET /me with the cookie gin-contrib issued: %d %s", me.Code, me.Body)
	}
	id := oldCookieID(t, rc, prefix)
	if w := send(after, "POST", "/logout", oldCookie); w.Code != http.StatusOK {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if keyExists(t, rc, prefix+id) {
		t.Errorf("the record %s survived Logout", prefix+id)
	}
	if w := send(after, "GET", "/me", oldCookie); w.Code != http.StatusUnauthorized {
		t.Errorf("GET /me with the old cookie after Logout: %d, want 401", w.Code)
	}
}

func send(h http.Handler, method, path string, ck *http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://api.example.test"+path, nil)
	r.Header.Set("Origin", frontOrigin)
	if ck != nil {
		r.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// oldCookieID returns the ID of the one session record under prefix.
func oldCookieID(t *testing.T, rc redigo.Conn, prefix string) string {
	t.Helper()
	keys, err := redigo.Strings(rc.Do("KEYS", prefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("%d records under %s, want 1", len(keys), prefix)
	}
	return keys[0][len(prefix):]
}
