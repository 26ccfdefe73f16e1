package redisstore_test

// The store through the real middleware: crosssession.New with the Prod
// preset and Config.Backend = redisstore.New(...), served over https
// (httptest's TLS server) to a client with a cookie jar that sends the
// Origin and Sec-Fetch-Site of a front end at https://app.example.com, as
// a browser would; handlers use sessions.Default, crosssession.Login and
// crosssession.Logout. Each subtest keeps its sessions under its own key
// prefix on one redis-server the test starts.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/crosssession/crosssession/redisstore"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// frontOrigin is the front end the middleware tests' API allows.
const frontOrigin = "https://app.example.com"

// mwKey signs the session IDs in the middleware tests' cookies.
var mwKey = []byte("middleware test key, 32 bytes ok")

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// mwApp is an API behind crosssession with the store, and a browser-like
// client of it.
type mwApp struct {
	t      *testing.T
	r      *gin.Engine
	srv    *httptest.Server
	http   *http.Client
	rc     *redis.Client // the store's client
	admin  *redis.Client // the test's own
	prefix string
	logs   *syncBuffer
}

// newMWApp serves, with crosssession.Prod(mwKey, frontOrigin) and the
// store on node under a prefix of its own (cookie lifetime maxAge):
//
//	POST /login    crosssession.Login, user=alice (or ?user=)    200 {"ok":true}
//	POST /logout   crosssession.Logout                          204, 503 when it failed
//	GET  /get?k=   the value k                                  200 {"v":...}
//	POST /set?k=&v=  sets k to v                                204
//	GET  /plain    never touches the session                   200
func newMWApp(t *testing.T, node *proc, opts *redis.Options, maxAge time.Duration) *mwApp {
	t.Helper()
	if opts == nil {
		opts = &redis.Options{}
	}
	opts.Addr = node.addr()
	a := &mwApp{t: t, rc: redis.NewClient(opts), admin: node.client(t), logs: &syncBuffer{}}
	t.Cleanup(func() { a.rc.Close() })
	a.prefix = "mw-" + strings.ReplaceAll(t.Name(), "/", "-") + ":"
	cfg := crosssession.Prod(mwKey, frontOrigin)
	cfg.Cookie.MaxAge = maxAge
	cfg.Backend = redisstore.New(a.rc, redisstore.Options{Prefix: a.prefix})
	cfg.Logger = slog.New(slog.NewTextHandler(a.logs, nil))
	a.r = gin.New()
	a.r.Use(crosssession.New(cfg))
	a.r.POST("/login", func(c *gin.Context) {
		if err := crosssession.Login(c); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"error": err.Error()})
			return
		}
		sessions.Default(c).Set("user", c.DefaultQuery("user", "alice"))
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
	a.r.POST("/logout", func(c *gin.Context) {
		if err := crosssession.Logout(c); err != nil {
			c.AbortWithStatus(http.StatusServiceUnavailable)
			return
		}
		c.Status(http.StatusNoContent)
	})
	a.r.GET("/get", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"v": sessions.Default(c).Get(c.Query("k"))})
	})
	a.r.POST("/set", func(c *gin.Context) {
		sessions.Default(c).Set(c.Query("k"), c.Query("v"))
		c.Status(http.StatusNoContent)
	})
	a.r.GET("/plain", func(c *gin.Context) { c.String(http.StatusOK, "plain") })
	a.srv = httptest.NewTLSServer(a.r)
	t.Cleanup(a.srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	a.http = a.srv.Client()
	a.http.Jar = jar
	a.http.Timeout = 30 * time.Second
	return a
}

// do sends a request as the front end's fetch would (credentials:
// 'include') and returns the response with its body read.
func (a *mwApp) do(method, path string, hdr ...string) (*http.Response, string) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Origin", frontOrigin)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp, string(b)
}

// must is do, failing unless the status is want.
func (a *mwApp) must(want int, method, path string) (*http.Response, string) {
	a.t.Helper()
	resp, body := a.do(method, path)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, body, want)
	}
	return resp, body
}

// get returns the session's value k as the API reads it ("<nil>" if none).
func (a *mwApp) get(k string) string {
	a.t.Helper()
	_, body := a.must(http.StatusOK, "GET", "/get?k="+k)
	var v struct{ V any }
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		a.t.Fatalf("GET /get?k=%s: %s: %v", k, body, err)
	}
	return fmt.Sprint(v.V)
}

// keys returns the session keys of this app in Redis.
func (a *mwApp) keys() []string {
	a.t.Helper()
	ks, err := a.admin.Keys(context.Background(), a.prefix+"*").Result()
	if err != nil {
		a.t.Fatal(err)
	}
	return ks
}

// onlyKey returns the app's one session key, failing if there is not
// exactly one.
func (a *mwApp) onlyKey() string {
	a.t.Helper()
	ks := a.keys()
	if len(ks) != 1 {
		a.t.Fatalf("%d session keys in Redis (%v), want 1", len(ks), ks)
	}
	return ks[0]
}

// sessionCookie returns the session's Set-Cookie of resp, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-session" {
			return c
		}
	}
	return nil
}

func TestMiddleware(t *testing.T) {
	node := startNode(t, "middleware")

	t.Run("ReadsWritesAndLifetime", func(t *testing.T) {
		const lifetime = 10 * time.Minute
		a := newMWApp(t, node, nil, lifetime)
		ctx := context.Background()
		resp, _ := a.must(http.StatusOK, "POST", "/login")
		loggedIn := time.Now()
		ck := sessionCookie(resp)
		if ck == nil || ck.MaxAge != int(lifetime.Seconds()) {
			t.Fatalf("login's session cookie %v, want Max-Age %d", ck, int(lifetime.Seconds()))
		}
		if len(ck.Value) > 300 {
			t.Errorf("the cookie is %d bytes: it should carry the session ID only", len(ck.Value))
		}
		key := a.onlyKey()
		pttl := func() time.Duration {
			t.Helper()
			d, err := a.admin.PTTL(ctx, key).Result()
			if err != nil || d <= 0 {
				t.Fatalf("PTTL %s = %v, %v", key, d, err)
			}
			return d
		}
		if d := pttl(); d > lifetime || d < lifetime-2*time.Second {
			t.Errorf("after Login the key expires in %v, want the cookie's Max-Age %v", d, lifetime)
		}

		if got := a.get("user"); got != "alice" {
			t.Errorf("user after login = %q", got)
		}
		a.must(http.StatusNoContent, "POST", "/set?k=theme&v=dark")
		a.must(http.StatusNoContent, "POST", "/set?k=cart&v=3")
		if u, th, c := a.get("user"), a.get("theme"), a.get("cart"); u != "alice" || th != "dark" || c != "3" {
			t.Errorf("after the writes: user %q theme %q cart %q", u, th, c)
		}

		// A write a while later: the key expires when the session's
		// absolute lifetime ends, not lifetime from now.
		time.Sleep(1100 * time.Millisecond)
		before := pttl()
		a.get("user") // a read does not touch the time to live
		if d := pttl(); d > before {
			t.Errorf("a read extended the time to live: %v -> %v", before, d)
		}
		resp, _ = a.must(http.StatusNoContent, "POST", "/set?k=theme&v=light")
		if ck := sessionCookie(resp); ck != nil {
			t.Errorf("a write of an existing session sent the cookie again: %v", ck)
		}
		left := lifetime - time.Since(loggedIn)
		if d := pttl(); d > left+time.Second || d > lifetime-time.Second || d < left-3*time.Second {
			t.Errorf("after a write %v after Login the key expires in %v, want the lifetime left, %v (never more)",
				time.Since(loggedIn).Round(time.Millisecond), d, left.Round(time.Millisecond))
		}
		if got := a.get("theme"); got != "light" {
			t.Errorf("theme = %q", got)
		}

		a.must(http.StatusNoContent, "POST", "/logout")
		if ks := a.keys(); len(ks) != 0 {
			t.Errorf("after Logout: keys %v", ks)
		}
		if got := a.get("user"); got != "<nil>" {
			t.Errorf("user after logout = %q", got)
		}
	})

	t.Run("NoSessionBroughtBack", func(t *testing.T) {
		a := newMWApp(t, node, nil, time.Hour)
		loaded, proceed := make(chan struct{}), make(chan struct{})
		a.r.POST("/slow", func(c *gin.Context) {
			s := sessions.Default(c)
			_ = s.Get("user") // loaded before the logout
			loaded <- struct{}{}
			<-proceed
			s.Set("theme", "dark")
			c.JSON(http.StatusAccepted, gin.H{"ok": true})
		})
		a.must(http.StatusOK, "POST", "/login")
		key := a.onlyKey()
		done := make(chan *http.Response)
		go func() {
			resp, _ := a.do("POST", "/slow")
			done <- resp
		}()
		<-loaded
		resp, _ := a.must(http.StatusNoContent, "POST", "/logout")
		if ck := sessionCookie(resp); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("Logout's response does not expire the cookie: %v", ck)
		}
		close(proceed)
		slow := <-done
		if slow.StatusCode != http.StatusAccepted {
			t.Errorf("the request that wrote after the logout got %d, want the handler's 202", slow.StatusCode)
		}
		if ck := sessionCookie(slow); ck != nil {
			t.Errorf("the request that wrote after the logout sent the session cookie: %v", ck)
		}
		if n, err := a.admin.Exists(context.Background(), key).Result(); err != nil || n != 0 {
			t.Errorf("the logged-out session's key exists afterwards (%d, %v)", n, err)
		}
		if ks := a.keys(); len(ks) != 0 {
			t.Errorf("keys after the late write: %v", ks)
		}
		if logs := a.logs.String(); !strings.Contains(logs, "reason=session-revoked") {
			t.Errorf("no session-revoked line in the log:\n%s", logs)
		}
		if got := a.get("user"); got != "<nil>" {
			t.Errorf("user after the logout and the late write = %q", got)
		}
	})

	t.Run("LoginInFlight", func(t *testing.T) {
		// A request loaded the session, then the user logs in again (as
		// bob) elsewhere: the old record is gone, and the late write
		// neither brings it back nor replaces bob's cookie.
		a := newMWApp(t, node, nil, time.Hour)
		loaded, proceed := make(chan struct{}), make(chan struct{})
		a.r.POST("/slow", func(c *gin.Context) {
			s := sessions.Default(c)
			_ = s.Get("user")
			loaded <- struct{}{}
			<-proceed
			s.Set("theme", "dark")
			c.JSON(http.StatusAccepted, gin.H{"ok": true})
		})
		a.must(http.StatusOK, "POST", "/login")
		oldKey := a.onlyKey()
		done := make(chan *http.Response)
		go func() {
			resp, _ := a.do("POST", "/slow")
			done <- resp
		}()
		<-loaded
		a.must(http.StatusOK, "POST", "/login?user=bob")
		newKey := a.onlyKey()
		if newKey == oldKey {
			t.Fatal("Login kept the session ID")
		}
		close(proceed)
		slow := <-done
		if slow.StatusCode != http.StatusAccepted || sessionCookie(slow) != nil {
			t.Errorf("the late write: %d, cookie %v; want 202 without a cookie", slow.StatusCode, sessionCookie(slow))
		}
		if ks := a.keys(); len(ks) != 1 || ks[0] != newKey {
			t.Errorf("keys after the late write: %v, want only the new session's", ks)
		}
		if u, th := a.get("user"), a.get("theme"); u != "bob" || th != "<nil>" {
			t.Errorf("the new session: user %q theme %q", u, th)
		}
		if logs := a.logs.String(); !strings.Contains(logs, "reason=session-revoked") {
			t.Errorf("no session-revoked line in the log:\n%s", logs)
		}
	})

	t.Run("NoLostWrite", func(t *testing.T) {
		// Two requests of one session load it before either saves (they
		// meet at a barrier), then change different values: both kept.
		// The same value: one of the two.
		const pairs = 50
		a := newMWApp(t, node, nil, time.Hour)
		var barriers [pairs]sync.WaitGroup
		for i := range barriers {
			barriers[i].Add(2)
		}
		a.r.POST("/both", func(c *gin.Context) {
			s := sessions.Default(c)
			_ = s.Get("user")
			var i int
			fmt.Sscan(c.Query("i"), &i)
			barriers[i].Done()
			barriers[i].Wait()
			s.Set(c.Query("k"), c.Query("v"))
			c.Status(http.StatusNoContent)
		})
		a.must(http.StatusOK, "POST", "/login")
		for i := range pairs {
			var kv [2][2]string
			if i%2 == 0 {
				kv = [2][2]string{{"cart", fmt.Sprint("c", i)}, {"theme", fmt.Sprint("t", i)}}
			} else {
				kv = [2][2]string{{"theme", fmt.Sprint("a", i)}, {"theme", fmt.Sprint("b", i)}}
			}
			var wg sync.WaitGroup
			for _, p := range kv {
				wg.Go(func() {
					resp, body := a.do("POST", fmt.Sprintf("/both?i=%d&k=%s&v=%s", i, p[0], p[1]))
					if resp.StatusCode != http.StatusNoContent {
						t.Errorf("pair %d: %d %s", i, resp.StatusCode, body)
					}
				})
			}
			wg.Wait()
			if i%2 == 0 {
				if c, th := a.get("cart"), a.get("theme"); c != kv[0][1] || th != kv[1][1] {
					t.Errorf("pair %d: cart %q theme %q, want %q %q", i, c, th, kv[0][1], kv[1][1])
				}
			} else if th := a.get("theme"); th != kv[0][1] && th != kv[1][1] {
				t.Errorf("pair %d of writes of one value: theme %q, want %q or %q", i, th, kv[0][1], kv[1][1])
			}
		}
		if u := a.get("user"); u != "alice" {
			t.Errorf("user %q after the concurrent writes", u)
		}
	})

	t.Run("RoundTrips", func(t *testing.T) {
		a := newMWApp(t, node, nil, time.Hour)
		ctx := context.Background()
		var mu sync.Mutex
		var cmds []string
		a.rc.AddHook(recordHook{rec: func(names ...string) {
			mu.Lock()
			cmds = append(cmds, strings.Join(names, "+"))
			mu.Unlock()
		}})
		a.must(http.StatusOK, "POST", "/login")
		a.must(http.StatusNoContent, "POST", "/set?k=warm&v=up") // the script is cached now
		if err := a.admin.Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		step := func(name, method, path string, hdr []string, want int, wantCmds string, wantServer map[string]int) {
			t.Helper()
			if err := a.admin.ConfigResetStat(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			cmds = nil
			mu.Unlock()
			resp, body := a.do(method, path, hdr...)
			if resp.StatusCode != want {
				t.Fatalf("%s: %d %s, want %d", name, resp.StatusCode, body, want)
			}
			mu.Lock()
			got := strings.Join(cmds, " ")
			mu.Unlock()
			if got != wantCmds {
				t.Errorf("%s: the store's client sent %q, want %q", name, got, wantCmds)
			}
			calls, err := commandStats(ctx, a.admin)
			if err != nil {
				t.Fatal(err)
			}
			if srv := clientCommands(calls); fmt.Sprint(srv) != fmt.Sprint(wantServer) {
				t.Errorf("%s: the server counted %v, want %v (all: %v)", name, srv, wantServer, calls)
			}
			t.Logf("%s: client %q, server %v", name, got, calls)
		}
		none := map[string]int{}
		step("read", "GET", "/get?k=user", nil, http.StatusOK, "hgetall", map[string]int{"hgetall": 1})
		step("write", "POST", "/set?k=theme&v=dark", nil, http.StatusNoContent, "hgetall evalsha",
			map[string]int{"hgetall": 1, "evalsha": 1})
		step("untouched route", "GET", "/plain", nil, http.StatusOK, "", none)
		step("preflight", "OPTIONS", "/set", []string{"Access-Control-Request-Method", "POST"},
			http.StatusNoContent, "", none)
		step("logout", "POST", "/logout", nil, http.StatusNoContent, "hgetall del",
			map[string]int{"hgetall": 1, "del": 1})
	})

	t.Run("RedisDown", func(t *testing.T) {
		// A server of its own, killed and restarted under the same app.
		own := startNode(t, "middleware down")
		a := newMWApp(t, own, &redis.Options{MaxRetries: 1, DialerRetries: 1}, time.Hour)
		a.must(http.StatusOK, "POST", "/login")
		own.kill()
		for _, c := range []struct{ method, path string }{
			{"GET", "/get?k=user"}, {"POST", "/set?k=theme&v=dark"}, {"POST", "/login"}, {"POST", "/logout"},
		} {
			resp, body := a.do(c.method, c.path)
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("Redis down: %s %s = %d %s, want 503", c.method, c.path, resp.StatusCode, body)
			}
			if o := resp.Header.Get("Access-Control-Allow-Origin"); o != frontOrigin {
				t.Errorf("Redis down: %s %s: Access-Control-Allow-Origin %q, want %q (the front end must read the 503)",
					c.method, c.path, o, frontOrigin)
			}
			if ck := sessionCookie(resp); ck != nil {
				t.Errorf("Redis down: %s %s sent the session cookie %v", c.method, c.path, ck)
			}
		}
		if resp, body := a.do("GET", "/plain"); resp.StatusCode != http.StatusOK || body != "plain" {
			t.Errorf("Redis down: a route without the session got %d %s", resp.StatusCode, body)
		}
		resp, _ := a.do("OPTIONS", "/set", "Access-Control-Request-Method", "POST")
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != frontOrigin {
			t.Errorf("Redis down: preflight %d, %v", resp.StatusCode, resp.Header)
		}
		if logs := a.logs.String(); !strings.Contains(logs, "reason=store-unavailable") {
			t.Errorf("no store-unavailable line in the log:\n%s", logs)
		}

		// Back (empty: no persistence, so everyone logs in again), with
		// the same app and client.
		own.restart(t)
		eventually(t, 10*time.Second, "a login after Redis is back", func() error {
			if resp, body := a.do("POST", "/login?user=carol"); resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%d %s", resp.StatusCode, body)
			}
			return nil
		})
		a.must(http.StatusNoContent, "POST", "/set?k=theme&v=dark")
		if u, th := a.get("user"), a.get("theme"); u != "carol" || th != "dark" {
			t.Errorf("after Redis came back: user %q theme %q", u, th)
		}
	})
}
