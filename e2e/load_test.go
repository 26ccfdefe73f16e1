package e2e

// A bounded load test of the session on loopback, for the Redis store and
// the built-in cookie store: loadClients concurrent clients, each with its
// own cookie jar, log in, then increment a counter in their own session
// (POST /inc) as fast as they can for LOAD_SECONDS seconds (default 3, to
// keep CI cheap; e.g. LOAD_SECONDS=10 for the published figures, best
// without -race), then read it back. Every response must be 200 and every
// final counter must equal the number of increments its client made (no
// lost writes). Throughput and latency are logged, never asserted:
//
//	load store=redis clients=50 seconds=10 requests=N rps=X p50=Yms p99=Zms errors=0 lost=0
//
// requests counts the increments sent in the timed window; rps is
// requests over the window; p50/p99 are of those requests, TLS included
// (the API runs the Prod preset over https on 127.0.0.1, keep-alive on).
//
// BenchmarkRedisSessionRoundTrip and BenchmarkCookieSessionRoundTrip time
// one such increment (session read and write) through the engine, without
// the network between client and API.

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

const loadClients = 50

// loadDuration is LOAD_SECONDS (a positive number of seconds), or 3s.
func loadDuration(t *testing.T) time.Duration {
	s := os.Getenv("LOAD_SECONDS")
	if s == "" {
		return 3 * time.Second
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		t.Fatalf("LOAD_SECONDS=%q: want a positive number of seconds", s)
	}
	return time.Duration(f * float64(time.Second))
}

// counterAPI is the API of the load test and the benchmarks:
//
//	POST /login   crosssession.Login, n=0               200 {"n":0}
//	POST /inc     n=n+1                                 200 {"n":n}, 401 without a session
//	GET  /count                                         200 {"n":n}, 401 without a session
func counterAPI(cfg crosssession.Config) *gin.Engine {
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) {
		if err := crosssession.Login(c); err != nil {
			c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
			return
		}
		sessions.Default(c).Set("n", 0)
		c.JSON(http.StatusOK, gin.H{"n": 0})
	})
	r.POST("/inc", func(c *gin.Context) {
		s := sessions.Default(c)
		n, ok := s.Get("n").(int)
		if !ok {
			c.JSON(http.StatusUnauthorized, gin.H{"error": "no session"})
			return
		}
		s.Set("n", n+1)
		c.JSON(http.StatusOK, gin.H{"n": n + 1})
	})
	r.GET("/count", func(c *gin.Context) {
		n, ok := sessions.Default(c).Get("n").(int)
		if !ok {
			c.JSON(http.StatusUnauthorized, gin.H{"error": "no session"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"n": n})
	})
	return r
}

// loadClient is one simulated browser.
type loadClient struct {
	http  *http.Client
	base  string
	incs  int             // successful increments
	final int             // counter read back at the end
	lat   []time.Duration // of each increment in the timed window
	nerr  int             // failed requests
	errs  []string        // the first few
}

// do sends one request as the front end would and returns the counter the
// API answered with.
func (c *loadClient) do(method, path string) (int, error) {
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Origin", frontOrigin)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		N *int `json:"n"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, fmt.Errorf("%s %s: %d, body: %v", method, path, resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || body.N == nil {
		return 0, fmt.Errorf("%s %s: status %d", method, path, resp.StatusCode)
	}
	return *body.N, nil
}

func (c *loadClient) fail(format string, args ...any) {
	c.nerr++
	if len(c.errs) < 3 {
		c.errs = append(c.errs, fmt.Sprintf(format, args...))
	}
}

// runLoad drives loadClients clients against an API with cfg for the load
// duration and checks that every request succeeded and no write was lost.
func runLoad(t *testing.T, store string, cfg crosssession.Config) {
	d := loadDuration(t)
	cfg.Logger = testLogger(t)
	srv := httptest.NewTLSServer(counterAPI(cfg))
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * loadClients
	tr.MaxIdleConnsPerHost = 2 * loadClients
	t.Cleanup(tr.CloseIdleConnections)

	clients := make([]*loadClient, loadClients)
	for i := range clients {
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = &loadClient{http: &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}, base: srv.URL}
	}

	var ready, done sync.WaitGroup
	start := make(chan struct{})
	var deadline time.Time // written before start is closed
	for _, c := range clients {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			_, err := c.do("POST", "/login")
			ready.Done()
			if err != nil {
				c.fail("login: %v", err)
				return
			}
			<-start
			for time.Now().Before(deadline) {
				t0 := time.Now()
				n, err := c.do("POST", "/inc")
				c.lat = append(c.lat, time.Since(t0))
				if err != nil {
					c.fail("increment %d: %v", c.incs+1, err)
					return
				}
				if n != c.incs+1 {
					c.fail("increment %d answered n=%d", c.incs+1, n)
					return
				}
				c.incs++
			}
		}()
	}
	ready.Wait()
	began := time.Now()
	deadline = began.Add(d)
	close(start)
	done.Wait()
	elapsed := time.Since(began)

	// Read every counter back, on fresh connections of the same jars.
	var lat []time.Duration
	var requests, errors, lost int
	for i, c := range clients {
		if c.nerr == 0 {
			n, err := c.do("GET", "/count")
			if err != nil {
				c.fail("read-back: %v", err)
			} else {
				c.final = n
				if n != c.incs {
					lost += c.incs - n
					t.Errorf("client %d: made %d increments, session says %d (lost writes)", i, c.incs, n)
				}
			}
		}
		if c.nerr > 0 {
			errors += c.nerr
			t.Errorf("client %d: %d errors: %s", i, c.nerr, strings.Join(c.errs, "; "))
		}
		if c.incs == 0 && c.nerr == 0 {
			t.Errorf("client %d made no increment in %v", i, d)
		}
		requests += len(c.lat)
		lat = append(lat, c.lat...)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	t.Logf("load store=%s clients=%d seconds=%g requests=%d rps=%.0f p50=%.2fms p99=%.2fms errors=%d lost=%d",
		store, loadClients, d.Seconds(), requests, float64(requests)/elapsed.Seconds(), pct(0.50), pct(0.99), errors, lost)
}

func TestRedisLoad(t *testing.T) {
	addr := requireRedis(t)
	key := randomKey(t)
	st, _ := newRedisStore(t, addr, loadClients, key) // one idle connection per client: no reconnect churn
	cfg := crosssession.Prod(key, frontOrigin)
	cfg.Store = st
	runLoad(t, "redis", cfg)
}

func TestLoadCookieStore(t *testing.T) {
	runLoad(t, "cookie", crosssession.Prod(randomKey(t), frontOrigin))
}

// benchRoundTrip times one POST /inc (session loaded, changed, saved)
// through the engine, feeding each response's cookie to the next request
// as a browser would.
func benchRoundTrip(b *testing.B, cfg crosssession.Config) {
	cfg.Logger = slog.New(slog.DiscardHandler)
	h := counterAPI(cfg)
	name := "__Host-session"
	send := func(path, cookie string) (int, string) {
		req := httptest.NewRequest("POST", "https://api.example.test"+path, nil)
		req.Header.Set("Origin", frontOrigin)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		for _, line := range rec.Header().Values("Set-Cookie") {
			if strings.HasPrefix(line, name+"=") {
				cookie, _, _ = strings.Cut(line, ";")
			}
		}
		return rec.Code, cookie
	}
	code, ck := send("/login", "")
	if code != http.StatusOK || ck == "" {
		b.Fatalf("login: %d, cookie %q", code, ck)
	}
	b.ReportAllocs()
	for b.Loop() {
		code, ck = send("/inc", ck)
		if code != http.StatusOK {
			b.Fatalf("POST /inc: %d", code)
		}
	}
}

func BenchmarkRedisSessionRoundTrip(b *testing.B) {
	addr := requireRedis(b)
	key := make([]byte, 32)
	copy(key, "benchmark key, 32 bytes or more.")
	st, _ := newRedisStore(b, addr, 4, key)
	cfg := crosssession.Prod(key, frontOrigin)
	cfg.Store = st
	benchRoundTrip(b, cfg)
}

func BenchmarkCookieSessionRoundTrip(b *testing.B) {
	key := make([]byte, 32)
	copy(key, "benchmark key, 32 bytes or more.")
	benchRoundTrip(b, crosssession.Prod(key, frontOrigin))
}
