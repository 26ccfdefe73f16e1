package bench

// A whole-server load run over real TCP on loopback: each stack of the
// benchmarks (bench_test.go) serves its routes through net/http on
// 127.0.0.1, and one client drives them in turn with loadConns keep-alive
// connections, each sending one request after another:
//
//	cors     GET /api/data from an allowed origin (the handler does not touch the session)
//	session  GET /api/me with the stack's session cookie (the handler reads 4 values)
//
// It runs only when LOAD_SECONDS is set (seconds per stack per route per
// round), so plain go test stays quick:
//
//	cd bench && LOAD_SECONDS=1 LOAD_ROUNDS=15 go test -run=TestLoad -v -count=1 .
//
// Each round runs every (route, stack) pair once, in an order rotated from
// round to round, after a short warm-up; the report gives, per pair, the
// median over rounds of requests/s, p50 and p99, and of the ratio of bare
// gin's requests/s to the stack's in the same round (its time per request
// relative to bare gin's). On a shared machine prefer many short rounds. The client is deliberately light (a prebuilt
// request written on a raw connection, the response parsed by hand, its
// status and CORS header checked) so that its own cost dilutes the
// servers' differences as little as possible; it runs in the same process
// as the servers and so competes with them for the same CPUs, equally for
// every stack.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

const loadConns = 50

// loadStack is one server of the load run.
type loadStack struct {
	impl    benchImpl
	session bool // serves the session route
}

var loadStacks = []loadStack{
	{implBare, true}, // its /api/me writes the same body without a session
	{implGincontrib, true},
	{implRSCORSSessions, true},
	{implCrosssession, true},
	{implRSCORS, false},
	{implBearer, false},
}

type loadRoute struct {
	name, method, path string
	session            bool
}

var loadRoutes = []loadRoute{
	{"cors", http.MethodGet, "/api/data", false},
	{"session", http.MethodGet, "/api/me", true},
}

// loadResult is one run of one (route, stack) pair.
type loadResult struct {
	rps      float64
	p50, p99 time.Duration
}

func loadEnv(t *testing.T) (time.Duration, int) {
	s := os.Getenv("LOAD_SECONDS")
	if s == "" {
		t.Skip("LOAD_SECONDS not set: the load run is skipped (e.g. LOAD_SECONDS=1 LOAD_ROUNDS=15)")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		t.Fatalf("LOAD_SECONDS=%q: want a positive number of seconds", s)
	}
	rounds := 3
	if s := os.Getenv("LOAD_ROUNDS"); s != "" {
		if rounds, err = strconv.Atoi(s); err != nil || rounds < 1 {
			t.Fatalf("LOAD_ROUNDS=%q: want a positive integer", s)
		}
	}
	return time.Duration(f * float64(time.Second)), rounds
}

// loadServer is one stack listening on loopback.
type loadServer struct {
	stack  loadStack
	addr   string
	cookie string // the session cookie, name=value
}

func startLoadServer(t *testing.T, st loadStack) *loadServer {
	gin.SetMode(gin.ReleaseMode)
	engine := st.impl.engine(benchOrigins(1))
	if st.impl.name == "bare" {
		// Bare gin has no session: the same response, without one.
		engine = gin.New()
		engine.GET("/api/data", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
		engine.GET("/api/me", func(c *gin.Context) { c.String(http.StatusOK, "user-8c1d2f6a") })
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: engine, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s := &loadServer{stack: st, addr: ln.Addr().String()}
	if st.session && st.impl.cookieName != "" {
		ck := benchLogin(t, engine, st.impl.cookieName)
		s.cookie = ck.Name + "=" + ck.Value
	}
	return s
}

// request returns the raw HTTP/1.1 request of route, as a browser's fetch
// from the allowed origin would send it.
func (s *loadServer) request(route loadRoute) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: api.example.com\r\nOrigin: %s\r\nSec-Fetch-Site: same-site\r\n"+
		"Sec-Fetch-Mode: cors\r\nAccept: */*\r\nUser-Agent: crosssession-load\r\n", route.method, route.path, benchApp)
	if route.session && s.cookie != "" {
		fmt.Fprintf(&b, "Cookie: %s\r\n", s.cookie)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// wantBody is the body each route answers with.
func (route loadRoute) wantBody() string {
	if route.session {
		return "user-8c1d2f6a"
	}
	return "ok"
}

// loadConn is one keep-alive connection of the client.
type loadConn struct {
	c   net.Conn
	r   *bufio.Reader
	req []byte
}

// roundTrip sends the request and reads the response; it checks the status,
// the body and, when cors, Access-Control-Allow-Origin.
func (lc *loadConn) roundTrip(route loadRoute, cors bool) error {
	if _, err := lc.c.Write(lc.req); err != nil {
		return err
	}
	line, err := lc.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q", line)
	}
	length, acao := -1, false
	for {
		line, err = lc.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		k, v, _ := bytes.Cut(line, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return err
			}
		case bytes.EqualFold(k, []byte("Access-Control-Allow-Origin")):
			acao = string(v) == benchApp
		}
	}
	if cors && !acao {
		return fmt.Errorf("no Access-Control-Allow-Origin: %s", benchApp)
	}
	if length != len(route.wantBody()) {
		return fmt.Errorf("Content-Length %d, want %d", length, len(route.wantBody()))
	}
	body, err := lc.r.Peek(length)
	if err != nil {
		return err
	}
	if string(body) != route.wantBody() {
		return fmt.Errorf("body %q", body)
	}
	_, err = lc.r.Discard(length)
	return err
}

// drive runs loadConns connections against s's route for d (after warm,
// not measured) and returns the throughput and latency percentiles.
func drive(s *loadServer, route loadRoute, warm, d time.Duration) (loadResult, error) {
	cors := s.stack.impl.name != "bare"
	conns := make([]*loadConn, loadConns)
	for i := range conns {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			return loadResult{}, err
		}
		defer c.Close()
		conns[i] = &loadConn{c: c, r: bufio.NewReaderSize(c, 8192), req: s.request(route)}
	}
	var measuring, stop atomic.Bool
	lats := make([][]time.Duration, loadConns)
	errs := make([]error, loadConns)
	var wg sync.WaitGroup
	for i, lc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			for !stop.Load() {
				t0 := time.Now()
				if err := lc.roundTrip(route, cors); err != nil {
					errs[i] = err
					return
				}
				if measuring.Load() {
					lat = append(lat, time.Since(t0))
				}
			}
			lats[i] = lat
		}()
	}
	time.Sleep(warm)
	measuring.Store(true)
	began := time.Now()
	time.Sleep(d)
	measuring.Store(false)
	elapsed := time.Since(began)
	stop.Store(true)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return loadResult{}, err
		}
	}
	all := slices.Concat(lats...)
	if len(all) == 0 {
		return loadResult{}, fmt.Errorf("no request completed")
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	return loadResult{rps: float64(len(all)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99)}, nil
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func TestLoad(t *testing.T) {
	d, rounds := loadEnv(t)
	warm := min(d/5, time.Second)
	servers := make([]*loadServer, len(loadStacks))
	for i, st := range loadStacks {
		servers[i] = startLoadServer(t, st)
	}
	type pair struct {
		route loadRoute
		s     *loadServer
	}
	var pairs []pair
	for _, route := range loadRoutes {
		for _, s := range servers {
			if !route.session || s.stack.session {
				pairs = append(pairs, pair{route, s})
			}
		}
	}
	results := make(map[pair][]loadResult)
	for round := range rounds {
		for i := range pairs {
			p := pairs[(i+round*len(pairs)/rounds)%len(pairs)] // rotated: no pair always runs first
			res, err := drive(p.s, p.route, warm, d)
			if err != nil {
				t.Fatalf("round %d, %s on %s: %v", round+1, p.route.name, p.s.stack.impl.name, err)
			}
			results[p] = append(results[p], res)
			t.Logf("round %d %-7s %-15s rps=%7.0f p50=%6.0fµs p99=%6.0fµs", round+1, p.route.name, p.s.stack.impl.name,
				res.rps, us(res.p50), us(res.p99))
		}
	}

	var out strings.Builder
	fmt.Fprintf(&out, "load: %d connections, %v per run after %v warm-up, %d rounds, GOMAXPROCS=%d; medians over rounds\n\n",
		loadConns, d, warm, rounds, runtime.GOMAXPROCS(0))
	fmt.Fprintf(&out, "| route | stack | requests/s | time/request vs bare gin | p50 | p99 |\n|---|---|---:|---:|---:|---:|\n")
	for _, route := range loadRoutes {
		var bare []loadResult
		for _, p := range pairs {
			if p.route != route {
				continue
			}
			rs := results[p]
			if p.s.stack.impl.name == "bare" {
				bare = rs
			}
			// The cost ratio is the median over rounds of bare gin's
			// requests/s over this stack's in the same round, which a
			// machine whose speed drifts between rounds disturbs less than
			// a ratio of medians.
			ratios := make([]float64, len(rs))
			for i := range rs {
				ratios[i] = bare[i].rps / rs[i].rps
			}
			rps, p50, p99 := median(field(rs, func(r loadResult) float64 { return r.rps })),
				median(field(rs, func(r loadResult) time.Duration { return r.p50 })),
				median(field(rs, func(r loadResult) time.Duration { return r.p99 }))
			fmt.Fprintf(&out, "| %s | %s | %.0f | %.2f× | %.0f µs | %.0f µs |\n", route.name, p.s.stack.impl.name, rps,
				median(ratios), us(p50), us(p99))
		}
	}
	t.Log("\n" + out.String())
	if f := os.Getenv("LOAD_OUT"); f != "" {
		if err := os.WriteFile(f, []byte(out.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func field[T any](rs []loadResult, f func(loadResult) T) []T {
	out := make([]T, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
