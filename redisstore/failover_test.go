package redisstore_test

// Failover under load, through the middleware: an API behind
// crosssession.New (the Dev preset, plain http on loopback) with the store
// as Config.Backend on a go-redis failover or cluster client; 50 clients,
// each a cookie jar with its own session (logged in through the API), loop
// GET /read then POST /write?n= (the session's counter "n" set to one
// more than the client's last acknowledged write), sending the Origin a
// front end would; a master is killed with SIGKILL a second in. The test
// measures how long requests fail, checks that every failure is a 503
// (never a 500, never a panic, never a 200 or 401 with the session
// missing) and that every client gets a 200 again after a replica is
// promoted, with the same app and client, then counts the acknowledged
// writes (a 200 answer to a write) the final sessions lack. Each run logs
// one line:
//
//	failover sentinel replicas=1 wait=0 ops_before=N errors=N first_error=+Xms promoted=+Yms last_error=+Zms recovered=+Wms acked=N lost=N lost_clients=N unacked_applied=N
//
// times counted from the kill; errors counts 503 responses;
// first_error/last_error are when they came back, recovered when the last
// client had its first acknowledged write after the promotion.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/crosssession/crosssession/redisstore"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

const failoverClients = 50

// failoverSetup is what runFailover needs of a topology under test.
type failoverSetup struct {
	label  string // for the summary line
	client redis.UniversalClient
	wait   int // Options.WaitReplicas
	// kill kills a master with SIGKILL.
	kill func()
	// promoted reports, once it is so, the address of the replica promoted
	// in the killed master's place.
	promoted func(ctx context.Context) (string, bool)
	// stall, when set, runs right before kill and returns what to run
	// right after it (or nil).
	stall func() (resume func())
	// restart, when set, starts the killed master again once a replica is
	// promoted (it comes back as a replica), as a supervisor would; needed
	// when WaitReplicas equals the number of replicas, since the new master
	// has one replica fewer until then.
	restart func()
}

// TestSentinelFailover kills the master of a master, replicas and three
// sentinels (down-after-milliseconds 1000) under load. In the "link-cut"
// cases the replication links break 300ms before the master dies, as in a
// network failure just before the crash: the replicas are frozen
// (SIGSTOP, so that they cannot reconnect), the master drops their links
// (CLIENT KILL TYPE replica), and they are resumed (SIGCONT) right after
// the kill. What the master acknowledged in those 300ms never reaches a
// replica.
func TestSentinelFailover(t *testing.T) {
	for _, c := range []struct {
		replicas, wait int
		restart        bool
		cut            bool
	}{
		{replicas: 1, wait: 0},
		{replicas: 1, wait: 1, restart: true},
		{replicas: 2, wait: 0, cut: true},
		{replicas: 2, wait: 1, cut: true},
	} {
		name := fmt.Sprintf("replicas=%d,wait=%d", c.replicas, c.wait)
		if c.cut {
			name += ",link-cut"
		}
		t.Run(name, func(t *testing.T) {
			s := startSentinels(t, c.replicas, time.Second)
			rc := redis.NewUniversalClient(&redis.UniversalOptions{
				Addrs: s.sentinelAddrs(), MasterName: masterName, PoolSize: failoverClients + 10,
			})
			t.Cleanup(func() { rc.Close() })
			old := s.master.addr()
			f := failoverSetup{
				label:  fmt.Sprintf("sentinel replicas=%d", c.replicas),
				client: rc, wait: c.wait, kill: s.master.kill,
				promoted: func(ctx context.Context) (string, bool) {
					a, err := s.masterAddr(ctx)
					return a, err == nil && a != old
				},
			}
			if c.cut {
				f.label += " link-cut"
				f.stall = func() func() {
					// Frozen, the replicas cannot reconnect; the master
					// keeps acknowledging writes it can no longer send.
					for _, r := range s.replicas {
						r.signal(t, stopSignal)
					}
					if err := s.master.client(t).Do(context.Background(), "client", "kill", "type", "replica").Err(); err != nil {
						t.Errorf("CLIENT KILL TYPE replica: %v", err)
					}
					time.Sleep(300 * time.Millisecond)
					return func() {
						for _, r := range s.replicas {
							r.signal(t, contSignal)
						}
					}
				}
			}
			if c.restart {
				// Only once every sentinel names the new master, and as
				// its replica (--replicaof), as an operator brings back a
				// master without persistence: restarted as a master it is
				// empty, and in one CI run Sentinel's reconfiguration raced
				// with it so that every client found its session gone
				// (67,986 requests in 30 s).
				f.restart = func() {
					eventually(t, 10*time.Second, "every sentinel names the new master", func() error {
						return s.agree(context.Background(), old)
					})
					addr, err := s.masterAddr(context.Background())
					if err != nil {
						t.Fatalf("the new master: %v", err)
					}
					host, port, _ := net.SplitHostPort(addr)
					s.master.restart(t, "--replicaof", host, port)
				}
			}
			runFailover(t, f)
		})
	}
}

// TestClusterFailover kills one of the three masters of a Cluster
// (cluster-node-timeout 1000) under load: with full coverage required
// (the default), every node refuses commands (CLUSTERDOWN) from when the
// master is marked failed until its replica takes over.
func TestClusterFailover(t *testing.T) {
	for _, c := range []struct {
		wait    int
		restart bool
	}{
		{wait: 0},
		{wait: 1, restart: true},
	} {
		t.Run(fmt.Sprintf("wait=%d", c.wait), func(t *testing.T) {
			cl := startCluster(t)
			rc := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: cl.addrs(), IsClusterMode: true, PoolSize: failoverClients + 10})
			t.Cleanup(func() { rc.Close() })
			master, replica := cl.masterAndReplica(t)
			rr := replica.client(t)
			f := failoverSetup{
				label:  "cluster masters=3 replicas=1",
				client: rc, wait: c.wait, kill: master.kill,
				promoted: func(ctx context.Context) (string, bool) {
					role, err := infoField(ctx, rr, "replication", "role")
					return replica.addr(), err == nil && role == "master"
				},
			}
			if c.restart {
				f.restart = func() { master.restart(t) }
			}
			runFailover(t, f)
		})
	}
}

type failoverClient struct {
	http     *http.Client // with the session's cookie jar
	n        int          // the counter as far as this client knows: its last acknowledged write, or what it read since
	writes   int          // acknowledged writes
	lost     int          // acknowledged increments a later read did not find
	applied  int          // increments that failed yet were found applied
	firstOK  time.Time    // first acknowledged write after the promotion was seen
	missing  int          // requests that found no session (401)
	mismatch int          // reads above n+1
}

// reconcile compares what a read found with what the client knows.
func (cl *failoverClient) reconcile(n int) {
	switch {
	case n < cl.n:
		cl.lost += cl.n - n
	case n == cl.n+1:
		cl.applied++
	case n > cl.n+1:
		cl.mismatch++
	}
	cl.n = n
}

// failoverReply is what the failover API answers: the counter, or the
// kind of error (errorKind of the store's error, for a 503).
type failoverReply struct {
	status int
	n      int
	kind   string
}

// do sends one request of the front end at http://localhost:3000.
func (cl *failoverClient) do(base, method, path string) (failoverReply, error) {
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		return failoverReply{}, err
	}
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Sec-Fetch-Site", "same-site")
	resp, err := cl.http.Do(req)
	if err != nil {
		return failoverReply{}, err
	}
	defer resp.Body.Close()
	var body struct {
		N     *int   `json:"n"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return failoverReply{status: resp.StatusCode}, fmt.Errorf("%s %s: %d, body: %v", method, path, resp.StatusCode, err)
	}
	r := failoverReply{status: resp.StatusCode, kind: body.Error}
	if resp.StatusCode == http.StatusOK {
		if body.N == nil {
			return r, fmt.Errorf("%s %s: 200 without n", method, path)
		}
		r.n = *body.N
	}
	return r, nil
}

// failoverAPI serves counterRoutes behind crosssession.New(Dev) with st
// as Config.Backend (the clients write with ?n=), and 503 {"error":
// errorKind(store error)} when the store fails. A panic
// that reaches the outermost handler is counted in panics and answered
// 500.
func failoverAPI(t *testing.T, st crosssession.Backend, panics *atomic.Int64) *httptest.Server {
	cfg := crosssession.Dev()
	cfg.Backend = st
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.ErrorHandler = func(c *gin.Context, status int, err error) {
		c.JSON(status, gin.H{"error": errorKind(err)})
	}
	r := gin.New()
	r.Use(func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				panics.Add(1)
				t.Errorf("panic in a request: %v\n%s", p, debug.Stack())
				c.AbortWithStatus(http.StatusInternalServerError)
			}
		}()
		c.Next()
	})
	r.Use(crosssession.New(cfg))
	counterRoutes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

func runFailover(t *testing.T, c failoverSetup) {
	st := redisstore.New(c.client, redisstore.Options{WaitReplicas: c.wait, WaitTimeout: 500 * time.Millisecond})
	ctx := context.Background()
	var panics atomic.Int64
	srv := failoverAPI(t, st, &panics)
	tr := &http.Transport{MaxIdleConns: 2 * failoverClients, MaxIdleConnsPerHost: 2 * failoverClients}
	t.Cleanup(tr.CloseIdleConnections)

	clients := make([]*failoverClient, failoverClients)
	for i := range clients {
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = &failoverClient{http: &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}}
		// A busy machine can delay a replica's acknowledgement past the
		// WAIT timeout: a login is tried again.
		for try := 0; ; try++ {
			r, err := clients[i].do(srv.URL, "POST", "/login")
			if err == nil && r.status == http.StatusOK {
				break
			}
			if try == 10 {
				t.Fatalf("logging client %d in: %+v, %v", i, r, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	var (
		mu       sync.Mutex
		kill     time.Time // zero until the master is killed
		promoted time.Time // zero until a sentinel names another master
		errs     []time.Time
		// errsBefore are the failures before the kill, but for WAIT
		// timeouts (a busy machine can delay a replica's acknowledgement).
		errsBefore []string
		kinds      = map[string]int{}
		slowest    time.Duration // of the failed requests
		bad        []string      // responses neither 200 nor 503, and transport errors
		opsBefore  atomic.Int64
		stop       atomic.Bool
	)
	// check sorts a reply: true for a 200; a 503 is recorded, a 401 counted
	// as a missing session, anything else is a failure of the test.
	check := func(cl *failoverClient, r failoverReply, err error, took time.Duration) bool {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil || r.status != http.StatusOK && r.status != http.StatusServiceUnavailable && r.status != http.StatusUnauthorized:
			if len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("%d %s (%v)", r.status, r.kind, err))
			}
		case r.status == http.StatusServiceUnavailable:
			if kill.IsZero() && r.kind != "not-replicated" {
				errsBefore = append(errsBefore, r.kind)
			}
			errs = append(errs, time.Now())
			kinds[r.kind]++
			slowest = max(slowest, took)
		case r.status == http.StatusUnauthorized:
			cl.missing++
		default:
			return true
		}
		return false
	}
	succeeded := func(cl *failoverClient, write bool) {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if kill.IsZero() {
			opsBefore.Add(1)
		}
		if write && !promoted.IsZero() && cl.firstOK.IsZero() {
			cl.firstOK = now
		}
	}

	var wg sync.WaitGroup
	for _, cl := range clients {
		wg.Go(func() {
			for !stop.Load() {
				t0 := time.Now()
				r, err := cl.do(srv.URL, "GET", "/read")
				if !check(cl, r, err, time.Since(t0)) {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				cl.reconcile(r.n)
				succeeded(cl, false)
				t0 = time.Now()
				r, err = cl.do(srv.URL, "POST", "/write?n="+strconv.Itoa(cl.n+1))
				if !check(cl, r, err, time.Since(t0)) {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				cl.n++
				cl.writes++
				succeeded(cl, true)
			}
		})
	}

	time.Sleep(time.Second)
	var resume func()
	if c.stall != nil {
		resume = c.stall()
	}
	mu.Lock()
	kill = time.Now()
	mu.Unlock()
	c.kill()
	if resume != nil {
		resume()
	}

	deadline := kill.Add(30 * time.Second)
	for {
		if a, ok := c.promoted(ctx); ok {
			mu.Lock()
			promoted = time.Now()
			mu.Unlock()
			t.Logf("promoted %s", a)
			break
		}
		if time.Now().After(deadline) {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("no promotion 30s after the master was killed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c.restart != nil {
		c.restart()
		t.Logf("old master restarted at +%dms", time.Since(kill).Milliseconds())
	}
	var recovered time.Time
	for recovered.IsZero() {
		mu.Lock()
		all := true
		var last time.Time
		for _, cl := range clients {
			if cl.firstOK.IsZero() {
				all = false
			}
			if cl.firstOK.After(last) {
				last = cl.firstOK
			}
		}
		mu.Unlock()
		if all {
			recovered = last
		} else if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // keep going after the recovery
	stop.Store(true)
	wg.Wait()

	// What the sessions say now, on the new master.
	var writes, lost, lostClients, applied, missing int
	for i, cl := range clients {
		r, err := cl.do(srv.URL, "GET", "/read")
		switch {
		case err != nil || r.status != http.StatusOK && r.status != http.StatusUnauthorized:
			t.Errorf("reading session %d back: %+v, %v", i, r, err)
			continue
		case r.status == http.StatusUnauthorized:
			cl.missing++
		default:
			cl.reconcile(r.n)
		}
		if cl.mismatch > 0 {
			t.Errorf("session %d: %d reads found more than one unacknowledged increment", i, cl.mismatch)
		}
		writes += cl.writes
		lost += cl.lost
		applied += cl.applied
		missing += cl.missing
		if cl.lost > 0 {
			lostClients++
		}
	}

	ms := func(at time.Time) string {
		if at.IsZero() {
			return "never"
		}
		return "+" + strconv.FormatInt(at.Sub(kill).Milliseconds(), 10) + "ms"
	}
	var firstErr, lastErr time.Time
	var during, afterRecovery int
	for _, e := range errs {
		if e.Before(kill) {
			continue
		}
		during++
		if !recovered.IsZero() && e.After(recovered) {
			afterRecovery++
		}
		if firstErr.IsZero() {
			firstErr = e
		}
		if e.After(lastErr) {
			lastErr = e
		}
	}
	var kindList []string
	for k, n := range kinds {
		kindList = append(kindList, fmt.Sprintf("%s×%d", k, n))
	}
	sort.Strings(kindList)
	t.Logf("failover %s wait=%d ops_before=%d errors=%d first_error=%s promoted=%s last_error=%s recovered=%s acked=%d lost=%d lost_clients=%d unacked_applied=%d",
		c.label, c.wait, opsBefore.Load(), len(errs), ms(firstErr), ms(promoted), ms(lastErr), ms(recovered),
		writes, lost, lostClients, applied)
	t.Logf("503s by kind: %s; 503s after the recovery %d; slowest failed request %v",
		strings.Join(kindList, ", "), afterRecovery, slowest.Round(time.Millisecond))

	if n := len(errs) - during; n > 0 {
		t.Logf("%d 503s before the master was killed", n)
	}
	if len(errsBefore) > 0 {
		t.Errorf("%d 503s before the master was killed: %s", len(errsBefore), strings.Join(errsBefore[:min(3, len(errsBefore))], "; "))
	}
	if recovered.IsZero() {
		t.Errorf("not every client succeeded after the promotion within 30s of the kill")
	}
	if missing > 0 {
		t.Errorf("%d requests found no session", missing)
	}
	if len(bad) > 0 {
		t.Errorf("responses neither 200 nor 503, or no response: %s", strings.Join(bad, "; "))
	}
	if panics.Load() > 0 {
		t.Errorf("%d panics", panics.Load())
	}
	if c.wait > 0 && lost > 0 {
		t.Errorf("WaitReplicas %d: %d acknowledged writes lost", c.wait, lost)
	}
	if opsBefore.Load() == 0 || writes == 0 {
		t.Errorf("no successful operation (before the kill %d, acknowledged writes %d)", opsBefore.Load(), writes)
	}
}

// errorKind names the kind of a failed call, for the summary.
func errorKind(err error) string {
	s := err.Error()
	switch {
	case errors.Is(err, redisstore.ErrNotReplicated):
		return "not-replicated"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	case strings.Contains(s, "connection refused"):
		return "connection-refused"
	case strings.Contains(s, "EOF"), strings.Contains(s, "connection reset"):
		return "connection-lost"
	case strings.Contains(s, "READONLY"):
		return "readonly"
	case strings.Contains(s, "CLUSTERDOWN"):
		return "clusterdown"
	case strings.Contains(s, "MOVED"):
		return "moved"
	case strings.Contains(s, "i/o timeout"):
		return "timeout"
	case strings.Contains(s, "pool timeout"):
		return "pool-timeout"
	}
	return "other: " + s
}
