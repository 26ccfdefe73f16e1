package e2e

// Redis integration: crosssession with gin-contrib/sessions' Redis store
// (boj/redistore) against a real redis-server. The tests read its address
// from REDIS_ADDR (default 127.0.0.1:6379) and skip when it does not answer,
// except under CI=true, where they fail. Each test keeps its records under
// its own key prefix and deletes them at the end, so runs can share one
// server. TestRedisDownGives503 starts and kills its own redis-server on a
// free loopback port.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/redis"
	"github.com/gin-gonic/gin"
	redigo "github.com/gomodule/redigo/redis"
)

// frontOrigin is the front end the APIs of this file allow.
const frontOrigin = "https://app.example.test"

// redisAddr is the Redis the tests use: REDIS_ADDR, or 127.0.0.1:6379.
func redisAddr() string {
	if a := os.Getenv("REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// requireRedis is the Redis tests' skip rule: without a Redis answering
// PING at redisAddr a test skips, except under CI=true, where it fails
// because CI must run the Redis tests.
func requireRedis(tb testing.TB) string {
	tb.Helper()
	addr := redisAddr()
	err := pingRedis(addr)
	if err == nil {
		return addr
	}
	msg := fmt.Sprintf("Redis not reachable at %s (%v); start one with: "+
		"redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes (or set REDIS_ADDR)", addr, err)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + " (CI=true: the Redis tests must run)")
	}
	tb.Skip(msg)
	return ""
}

func pingRedis(addr string) error {
	c, err := redigo.Dial("tcp", addr, redigo.DialConnectTimeout(2*time.Second),
		redigo.DialReadTimeout(2*time.Second), redigo.DialWriteTimeout(2*time.Second))
	if err != nil {
		return err
	}
	defer c.Close()
	pong, err := redigo.String(c.Do("PING"))
	if err == nil && pong != "PONG" {
		err = fmt.Errorf("PING answered %q", pong)
	}
	return err
}

// redisConn opens a plain connection to addr for the test to inspect keys;
// it is closed when the test ends.
func redisConn(tb testing.TB, addr string) redigo.Conn {
	tb.Helper()
	c, err := redigo.Dial("tcp", addr, redigo.DialConnectTimeout(2*time.Second))
	if err != nil {
		tb.Fatalf("connecting to Redis at %s: %v", addr, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// keyPrefix returns a Redis key prefix no other test or run uses.
func keyPrefix(tb testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name())
	return "crosssession-e2e:" + name + ":" + hex.EncodeToString(b) + ":"
}

// newRedisStore returns a gin-contrib/sessions Redis store at addr whose
// records live under a fresh key prefix, with a pool keeping up to size
// idle connections, signing session IDs with key. When the test ends the
// store is closed and every record under its prefix deleted.
func newRedisStore(tb testing.TB, addr string, size int, key []byte) (redis.Store, string) {
	tb.Helper()
	prefix := keyPrefix(tb)
	st := newRedisStoreWithPrefix(tb, addr, size, key, prefix)
	tb.Cleanup(func() { deleteKeys(tb, addr, prefix) })
	return st, prefix
}

// newRedisStoreWithPrefix is newRedisStore with a given prefix, for a
// second "machine" sharing the first one's records; it cleans up nothing
// but its pool.
func newRedisStoreWithPrefix(tb testing.TB, addr string, size int, key []byte, prefix string) redis.Store {
	tb.Helper()
	st, err := redis.NewStoreWithDB(size, "tcp", addr, "", "", "0", key)
	if err != nil {
		tb.Fatalf("redis.NewStoreWithDB(%s): %v", addr, err)
	}
	rs, err := redis.GetRedisStore(st)
	if err != nil {
		tb.Fatal(err)
	}
	rs.SetKeyPrefix(prefix)
	tb.Cleanup(func() { rs.Close() })
	return st
}

// deleteKeys removes every key under prefix, so the shared Redis is left as
// it was found.
func deleteKeys(tb testing.TB, addr, prefix string) {
	c, err := redigo.Dial("tcp", addr, redigo.DialConnectTimeout(2*time.Second))
	if err != nil {
		tb.Logf("cleanup: connecting to Redis at %s: %v (keys %s* left behind)", addr, err, prefix)
		return
	}
	defer c.Close()
	cursor := 0
	for {
		vs, err := redigo.Values(c.Do("SCAN", cursor, "MATCH", prefix+"*", "COUNT", 1000))
		if err != nil {
			tb.Logf("cleanup: SCAN: %v", err)
			return
		}
		cursor, _ = redigo.Int(vs[0], nil)
		keys, _ := redigo.Strings(vs[1], nil)
		for _, k := range keys {
			if _, err := c.Do("DEL", k); err != nil {
				tb.Logf("cleanup: DEL %s: %v", k, err)
			}
		}
		if cursor == 0 {
			return
		}
	}
}

func keyExists(t *testing.T, c redigo.Conn, key string) bool {
	t.Helper()
	n, err := redigo.Int(c.Do("EXISTS", key))
	if err != nil {
		t.Fatalf("EXISTS %s: %v", key, err)
	}
	return n == 1
}

// sessionAPI is the API of the Redis tests, behind crosssession with cfg:
//
//	POST /login?user=U   crosssession.Login, then user=U      200 {"user"}
//	GET  /me             200 {"user","id","color"}, 401 without a user
//	POST /set?color=C    color=C                              200
//	POST /logout         crosssession.Logout                  200
//	GET  /health         does not touch the session           200
func sessionAPI(cfg crosssession.Config, before ...gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	r.Use(before...)
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) {
		if err := crosssession.Login(c); err != nil {
			c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
			return
		}
		user := c.Query("user")
		sessions.Default(c).Set("user", user)
		c.JSON(http.StatusOK, gin.H{"user": user})
	})
	r.GET("/me", func(c *gin.Context) {
		s := sessions.Default(c)
		user, ok := s.Get("user").(string)
		if !ok {
			c.JSON(http.StatusUnauthorized, gin.H{"error": "no session"})
			return
		}
		color, _ := s.Get("color").(string)
		c.JSON(http.StatusOK, gin.H{"user": user, "id": s.ID(), "color": color})
	})
	r.POST("/set", func(c *gin.Context) {
		sessions.Default(c).Set("color", c.Query("color"))
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := crosssession.Logout(c); err != nil {
			c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return r
}

// response is what a test needs of one answer.
type response struct {
	status    int
	setCookie []string // raw Set-Cookie lines
	header    http.Header
	body      map[string]any
	raw       string
}

// cookie returns the name=value pair of the Set-Cookie for name, or "".
func (r response) cookie(name string) string {
	for _, line := range r.setCookie {
		if strings.HasPrefix(line, name+"=") {
			pair, _, _ := strings.Cut(line, ";")
			return pair
		}
	}
	return ""
}

// call sends one request as the front end at frontOrigin would (Origin
// header, credentials in cookie), cookie being "name=value" or "".
func call(t *testing.T, client *http.Client, method, url, cookie string) response {
	t.Helper()
	return callFrom(t, client, frontOrigin, method, url, cookie)
}

// callFrom is call from the front end at origin.
func callFrom(t *testing.T, client *http.Client, origin, method, url, cookie string) response {
	t.Helper()
	r, err := tryCall(client, origin, method, url, cookie)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

func tryCall(client *http.Client, origin, method, url, cookie string) (response, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Origin", origin)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	out := response{status: resp.StatusCode, setCookie: resp.Header.Values("Set-Cookie"), header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &out.body)
	return out, nil
}

// attrs splits a Set-Cookie line into its attributes, keyed by lowercase
// name ("" for flags' values), the name=value pair left out.
func attrs(line string) map[string]string {
	m := map[string]string{}
	parts := strings.Split(line, ";")
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		m[strings.ToLower(k)] = v
	}
	return m
}

// TestRedisPresetsKeepEveryAttribute checks that with a Redis store the
// session cookie is written with Config.Cookie's attributes, whatever the
// store's own Options say: Prod's Partitioned (which gin-contrib/sessions'
// Options cannot express) included, on login and on logout, and that the
// Redis record lives as long as the cookie.
func TestRedisPresetsKeepEveryAttribute(t *testing.T) {
	addr := requireRedis(t)
	rc := redisConn(t, addr)
	key := randomKey(t)

	t.Run("Prod", func(t *testing.T) {
		st, prefix := newRedisStore(t, addr, 4, key)
		// Store options crosssession must ignore: every one differs from
		// the Prod preset.
		st.Options(sessions.Options{Path: "/elsewhere", Domain: "example.test", MaxAge: 60,
			Secure: false, HttpOnly: false, SameSite: http.SameSiteStrictMode})
		cfg := crosssession.Prod(key, frontOrigin)
		cfg.Store = st
		cfg.Logger = testLogger(t)
		srv := httptest.NewTLSServer(sessionAPI(cfg))
		t.Cleanup(srv.Close)
		client := srv.Client()

		login := call(t, client, "POST", srv.URL+"/login?user=alice", "")
		if login.status != http.StatusOK || len(login.setCookie) != 1 {
			t.Fatalf("login: status %d, Set-Cookie %q; want 200 and exactly one Set-Cookie", login.status, login.setCookie)
		}
		line := login.setCookie[0]
		t.Logf("login Set-Cookie: %s", elideCookieValue(line))
		if !strings.HasPrefix(line, "__Host-session=") || login.cookie("__Host-session") == "__Host-session=" {
			t.Errorf("cookie %q: want a non-empty __Host-session", line)
		}
		a := attrs(line)
		want := map[string]string{"path": "/", "max-age": "604800", "httponly": "", "secure": "", "samesite": "None", "partitioned": ""}
		for k, v := range want {
			got, ok := a[k]
			if !ok {
				t.Errorf("Set-Cookie lacks %s: %s", k, line)
			} else if got != v {
				t.Errorf("Set-Cookie %s=%q, want %q: %s", k, got, v, line)
			}
		}
		if _, ok := a["domain"]; ok {
			t.Errorf("Set-Cookie has a Domain (the store's option leaked; __Host- forbids it): %s", line)
		}
		if got := login.header.Get("Access-Control-Allow-Origin"); got != frontOrigin {
			t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, frontOrigin)
		}
		if got := login.header.Get("Access-Control-Allow-Credentials"); got != "true" {
			t.Errorf("Access-Control-Allow-Credentials = %q, want true", got)
		}

		ck := login.cookie("__Host-session")
		me := call(t, client, "GET", srv.URL+"/me", ck)
		if me.status != http.StatusOK || me.body["user"] != "alice" {
			t.Fatalf("/me: %d %s; want 200 alice", me.status, me.raw)
		}
		id, _ := me.body["id"].(string)
		if id == "" {
			t.Fatalf("/me: empty session ID with a Redis store: %s", me.raw)
		}
		ttl, err := redigo.Int(rc.Do("TTL", prefix+id))
		if err != nil {
			t.Fatal(err)
		}
		if ttl < 604800-60 || ttl > 604800 {
			t.Errorf("Redis TTL of the record = %ds, want Cookie.MaxAge (604800s), not the store's 60s", ttl)
		}

		// Logout expires both cookies of the preset: first the one this
		// front end got (cross-site: None; Partitioned), then the one a
		// same-site front end gets (Lax), each with its own attributes.
		out := call(t, client, "POST", srv.URL+"/logout", ck)
		if out.status != http.StatusOK || len(out.setCookie) != 2 {
			t.Fatalf("logout: status %d, Set-Cookie %q; want 200 and two Set-Cookie (the cross-site and the same-site cookie)", out.status, out.setCookie)
		}
		want["max-age"] = "0"
		sameSite := map[string]string{"path": "/", "max-age": "0", "httponly": "", "secure": "", "samesite": "Lax"}
		for i, w := range []map[string]string{want, sameSite} {
			line = out.setCookie[i]
			t.Logf("logout Set-Cookie: %s", line)
			a = attrs(line)
			if !strings.HasPrefix(line, "__Host-session=;") {
				t.Errorf("logout cookie %q: want an empty __Host-session", line)
			}
			for k, v := range w {
				if got, ok := a[k]; !ok || got != v {
					t.Errorf("logout Set-Cookie %s=%q (present %v), want %q: the browser keeps a cookie expired with other attributes: %s",
						k, got, ok, v, line)
				}
			}
			if _, ok := a["partitioned"]; ok != (i == 0) {
				t.Errorf("logout Set-Cookie %d: Partitioned %v, want %v: %s", i, ok, i == 0, line)
			}
			if _, ok := a["domain"]; ok {
				t.Errorf("logout Set-Cookie has a Domain: %s", line)
			}
		}
		if keyExists(t, rc, prefix+id) {
			t.Errorf("Redis record %s still exists after Logout", prefix+id)
		}
	})

	t.Run("Dev", func(t *testing.T) {
		st, _ := newRedisStore(t, addr, 4, key)
		st.Options(sessions.Options{Path: "/elsewhere", MaxAge: 60, Secure: true, SameSite: http.SameSiteNoneMode})
		cfg := crosssession.Dev()
		cfg.Store = st
		cfg.Logger = testLogger(t)
		srv := httptest.NewServer(sessionAPI(cfg))
		t.Cleanup(srv.Close)
		// The API and the front end both on localhost (other ports), so
		// same-site, as in development; 127.0.0.1 would be another site
		// and get the cross-site cookie.
		api := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		front := "http://localhost:3000"

		login := callFrom(t, srv.Client(), front, "POST", api+"/login?user=bob", "")
		if login.status != http.StatusOK || len(login.setCookie) != 1 {
			t.Fatalf("login: status %d, Set-Cookie %q; want 200 and exactly one Set-Cookie", login.status, login.setCookie)
		}
		line := login.setCookie[0]
		t.Logf("login Set-Cookie: %s", elideCookieValue(line))
		if !strings.HasPrefix(line, "session=") {
			t.Errorf("cookie %q: want session=", line)
		}
		a := attrs(line)
		for k, v := range map[string]string{"path": "/", "max-age": "604800", "httponly": "", "samesite": "Lax"} {
			if got, ok := a[k]; !ok || got != v {
				t.Errorf("Set-Cookie %s=%q (present %v), want %q: %s", k, got, ok, v, line)
			}
		}
		for _, k := range []string{"secure", "partitioned", "domain"} {
			if _, ok := a[k]; ok {
				t.Errorf("Dev cookie has %s (Safari refuses Secure on http://localhost; the store's option leaked): %s", k, line)
			}
		}
		me := callFrom(t, srv.Client(), front, "GET", api+"/me", login.cookie("session"))
		if me.status != http.StatusOK || me.body["user"] != "bob" {
			t.Fatalf("/me: %d %s; want 200 bob", me.status, me.raw)
		}
	})
}

// TestRedisTwoEnginesShareSessions runs two Gin engines, each with its own
// crosssession middleware and Redis pool, as two machines behind a load
// balancer: a session started on one is read and changed on the other;
// Login rotates the session ID and deletes the old record (session
// fixation); Logout on one machine ends the session on both.
func TestRedisTwoEnginesShareSessions(t *testing.T) {
	addr := requireRedis(t)
	rc := redisConn(t, addr)
	key := randomKey(t) // the same key on both machines, as in production

	stA, prefix := newRedisStore(t, addr, 4, key)
	stB := newRedisStoreWithPrefix(t, addr, 4, key, prefix)
	machine := func(st redis.Store) (string, *http.Client) {
		cfg := crosssession.Prod(key, frontOrigin)
		cfg.Store = st
		cfg.Logger = testLogger(t)
		srv := httptest.NewTLSServer(sessionAPI(cfg))
		t.Cleanup(srv.Close)
		return srv.URL, srv.Client()
	}
	a, ca := machine(stA)
	b, cb := machine(stB)
	const name = "__Host-session"

	me := func(url string, client *http.Client, ck string) response {
		t.Helper()
		return call(t, client, "GET", url+"/me", ck)
	}

	// Login on A, read on B.
	login := call(t, ca, "POST", a+"/login?user=alice", "")
	ck1 := login.cookie(name)
	if login.status != http.StatusOK || ck1 == "" {
		t.Fatalf("login on A: %d %q", login.status, login.setCookie)
	}
	onB := me(b, cb, ck1)
	if onB.status != http.StatusOK || onB.body["user"] != "alice" {
		t.Fatalf("B with A's cookie: %d %s; want 200 alice", onB.status, onB.raw)
	}
	id1, _ := onB.body["id"].(string)
	if id1 == "" || !keyExists(t, rc, prefix+id1) {
		t.Fatalf("session ID %q: want a Redis record %s", id1, prefix+id1)
	}

	// Change on B, seen on A.
	if r := call(t, cb, "POST", b+"/set?color=blue", ck1); r.status != http.StatusOK {
		t.Fatalf("set on B: %d %s", r.status, r.raw)
	}
	if r := me(a, ca, ck1); r.status != http.StatusOK || r.body["color"] != "blue" || r.body["id"] != id1 {
		t.Fatalf("A after B's change: %d %s; want color blue, id %s", r.status, r.raw, id1)
	}

	// Login again with the old cookie (as after a planted cookie): new ID,
	// old record deleted, old cookie worthless on both machines, values gone.
	relog := call(t, cb, "POST", b+"/login?user=bob", ck1)
	ck2 := relog.cookie(name)
	if relog.status != http.StatusOK || ck2 == "" {
		t.Fatalf("second login on B: %d %q", relog.status, relog.setCookie)
	}
	r := me(a, ca, ck2)
	id2, _ := r.body["id"].(string)
	if r.status != http.StatusOK || r.body["user"] != "bob" || id2 == "" {
		t.Fatalf("A with the new cookie: %d %s; want 200 bob", r.status, r.raw)
	}
	if id2 == id1 {
		t.Errorf("crosssession.Login kept session ID %s: session fixation", id1)
	}
	if r.body["color"] != "" {
		t.Errorf("after Login the session still has color %v: Login must start an empty session", r.body["color"])
	}
	if keyExists(t, rc, prefix+id1) {
		t.Errorf("old record %s still in Redis after Login", prefix+id1)
	}
	if !keyExists(t, rc, prefix+id2) {
		t.Errorf("new record %s missing from Redis", prefix+id2)
	}
	for _, m := range []struct {
		url    string
		client *http.Client
	}{{a, ca}, {b, cb}} {
		if r := me(m.url, m.client, ck1); r.status != http.StatusUnauthorized {
			t.Errorf("%s/me with the pre-login cookie: %d %s; want 401", m.url, r.status, r.raw)
		}
	}

	// Logout on B: A sees no session with the cookie, the record is gone.
	out := call(t, cb, "POST", b+"/logout", ck2)
	if out.status != http.StatusOK || len(out.setCookie) != 2 ||
		!strings.HasPrefix(out.setCookie[0], name+"=;") || !strings.HasPrefix(out.setCookie[1], name+"=;") {
		t.Fatalf("logout on B: %d %q; want 200 and two expiring cookies (the cross-site and the same-site one)", out.status, out.setCookie)
	}
	if r := me(a, ca, ck2); r.status != http.StatusUnauthorized {
		t.Errorf("A after logout on B, old cookie: %d %s; want 401", r.status, r.raw)
	}
	if keyExists(t, rc, prefix+id2) {
		t.Errorf("record %s still in Redis after Logout", prefix+id2)
	}
}

// TestRedisDownGives503 kills the Redis under a running API and restarts
// it: requests that need the store get 503 with CORS headers and a
// "store-unavailable" log line naming the cause, no panic escapes the
// middleware, routes that do not touch the session keep answering 200, and
// the API recovers once Redis is back.
func TestRedisDownGives503(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server not on PATH; install it with: apt-get install -y redis-server"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: the Redis tests must run)")
		}
		t.Skip(msg)
	}
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	srvRedis := startRedis(t, bin, port)

	var logs syncBuffer
	var escaped atomic.Int64
	key := randomKey(t)
	// This Redis dies with the test, so its keys need no cleanup.
	st := newRedisStoreWithPrefix(t, addr, 4, key, keyPrefix(t))
	cfg := crosssession.Prod(key, frontOrigin)
	cfg.Store = st
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	// Outermost: count any panic that gets past crosssession.
	catch := func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				escaped.Add(1)
				t.Errorf("panic escaped crosssession on %s %s: %v", c.Request.Method, c.Request.URL.Path, p)
				c.AbortWithStatus(599)
			}
		}()
		c.Next()
	}
	api := httptest.NewTLSServer(sessionAPI(cfg, catch))
	t.Cleanup(api.Close)
	client := api.Client()
	const name = "__Host-session"

	login := call(t, client, "POST", api.URL+"/login?user=alice", "")
	ck := login.cookie(name)
	if login.status != http.StatusOK || ck == "" {
		t.Fatalf("login with Redis up: %d %q", login.status, login.setCookie)
	}
	if r := call(t, client, "GET", api.URL+"/me", ck); r.status != http.StatusOK {
		t.Fatalf("/me with Redis up: %d %s", r.status, r.raw)
	}

	srvRedis.kill(t)
	if pingRedis(addr) == nil {
		t.Fatal("Redis still answers after being killed")
	}

	// Reading a session whose record is in the (dead) store: 503.
	for _, req := range []struct{ method, path string }{{"GET", "/me"}, {"POST", "/set?color=red"}, {"POST", "/logout"}} {
		r := call(t, client, req.method, api.URL+req.path, ck)
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s %s with Redis down: %d %s; want 503", req.method, req.path, r.status, r.raw)
			continue
		}
		if r.body["error"] != "session store unavailable" {
			t.Errorf("%s %s: 503 body %s; want {\"error\":\"session store unavailable\"}", req.method, req.path, r.raw)
		}
		if got := r.header.Get("Access-Control-Allow-Origin"); got != frontOrigin {
			t.Errorf("%s %s: 503 without Access-Control-Allow-Origin (%q): the front end cannot read it", req.method, req.path, got)
		}
		if len(r.setCookie) != 0 {
			t.Errorf("%s %s: 503 sets a cookie: %q", req.method, req.path, r.setCookie)
		}
	}
	// Starting a session: nothing to load, but the save fails, so the
	// client must not believe it is logged in.
	r := call(t, client, "POST", api.URL+"/login?user=mallory", "")
	if r.status != http.StatusServiceUnavailable || len(r.setCookie) != 0 {
		t.Errorf("login with Redis down: %d, Set-Cookie %q, body %s; want 503 and no cookie", r.status, r.setCookie, r.raw)
	}
	t.Logf("login with Redis down (save fails): %d %s", r.status, r.raw)
	// Routes that do not use the store.
	if r := call(t, client, "GET", api.URL+"/health", ck); r.status != http.StatusOK {
		t.Errorf("/health with Redis down: %d %s; want 200", r.status, r.raw)
	}
	if r := call(t, client, "GET", api.URL+"/me", ""); r.status != http.StatusUnauthorized {
		t.Errorf("/me without a cookie with Redis down: %d %s; want 401 (no store access needed)", r.status, r.raw)
	}

	// The log says why, with reason store-unavailable and the cause.
	var found bool
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		t.Logf("log: %s", line)
		if rec["reason"] == "store-unavailable" {
			found = true
			msg, _ := rec["msg"].(string)
			if !strings.Contains(msg, "connection refused") || !strings.Contains(msg, "503") {
				t.Errorf("store-unavailable line does not give the cause (connection refused) and the 503: %s", line)
			}
			if rec["level"] != "WARN" && rec["level"] != "ERROR" {
				t.Errorf("store-unavailable logged at level %v", rec["level"])
			}
		}
	}
	if !found {
		t.Errorf("no log line with reason store-unavailable; log:\n%s", logs.String())
	}

	// Restart on the same port: the pool reconnects. The records died with
	// the old process (no persistence), so the old cookie now reads as no
	// session (401, not 503), and a new login works.
	startRedis(t, bin, port)
	deadline := time.Now().Add(10 * time.Second)
	var last response
	for {
		var err error
		last, err = tryCall(client, frontOrigin, "POST", api.URL+"/login?user=alice", "")
		if err == nil && last.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("login still failing 10s after Redis restarted: %d %s %v", last.status, last.raw, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ck = last.cookie(name)
	if r := call(t, client, "GET", api.URL+"/me", ck); r.status != http.StatusOK || r.body["user"] != "alice" {
		t.Errorf("/me after restart: %d %s; want 200 alice", r.status, r.raw)
	}
	if r := call(t, client, "GET", api.URL+"/me", login.cookie(name)); r.status != http.StatusUnauthorized {
		t.Errorf("/me with a cookie whose record was lost: %d %s; want 401", r.status, r.raw)
	}
	if n := escaped.Load(); n != 0 {
		t.Errorf("%d panics escaped crosssession", n)
	}
}

// redisProc is a redis-server this test started.
type redisProc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

// startRedis starts redis-server on 127.0.0.1:port without persistence and
// waits until it answers; it is stopped when the test ends.
func startRedis(t *testing.T, bin string, port int) *redisProc {
	t.Helper()
	p := &redisProc{out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.kill(t) })
	if err := waitPort(port, p.exited, 10*time.Second); err != nil {
		t.Fatalf("redis-server on port %d: %v\noutput:\n%s", port, err, p.out.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for err := pingRedis("127.0.0.1:" + strconv.Itoa(port)); err != nil; err = pingRedis("127.0.0.1:" + strconv.Itoa(port)) {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on port %d does not answer PING: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

// kill stops the process (SIGKILL, as a crash would) and waits for it; it
// is a no-op once the process has exited.
func (p *redisProc) kill(t *testing.T) {
	select {
	case <-p.exited:
		return
	default:
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("killing redis-server: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Errorf("redis-server did not exit after SIGKILL")
	}
}
