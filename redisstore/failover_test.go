package redisstore_test

// Sentinel failover under load: 50 clients, each with its own session,
// loop Load then Update (the session's counter "n" set to one more than
// the client's last acknowledged write) through a go-redis failover
// client; the master is killed with SIGKILL a second in. The test measures
// how long calls fail, checks that every failure is a returned error (no
// panic) and that every client succeeds again after the sentinels promote
// a replica, without a new client, then counts the acknowledged writes
// the final sessions lack. Each run logs one line:
//
//	failover sentinel replicas=1 wait=0 ops_before=N errors=N first_error=+Xms promoted=+Yms last_error=+Zms recovered=+Wms acked=N lost=N lost_clients=N unacked_applied=N
//
// times counted from the kill; first_error/last_error are when failing
// calls returned, recovered when the last client had its first
// acknowledged write after the promotion.

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crosssession/crosssession/redisstore"
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
				// Only once every sentinel names the new master: the old
				// one restarts empty (no persistence), and a client whose
				// sentinel still named it would find no sessions there.
				f.restart = func() {
					eventually(t, 10*time.Second, "every sentinel names the new master", func() error {
						return s.agree(context.Background(), old)
					})
					s.master.restart(t)
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
	id       string
	n        int       // the counter as far as this client knows: its last acknowledged write, or what it read since
	writes   int       // acknowledged writes
	lost     int       // acknowledged increments a later read did not find
	applied  int       // increments that returned an error yet were found applied
	firstOK  time.Time // first acknowledged write after the promotion was seen
	missing  int       // calls that found no session
	mismatch int       // reads above n+1
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

func runFailover(t *testing.T, c failoverSetup) {
	st := redisstore.New(c.client, redisstore.Options{WaitReplicas: c.wait, WaitTimeout: 500 * time.Millisecond})
	// Creating the sessions may wait longer, on a busy machine.
	setup := redisstore.New(c.client, redisstore.Options{WaitReplicas: c.wait, WaitTimeout: 5 * time.Second})
	ctx := context.Background()

	clients := make([]*failoverClient, failoverClients)
	for i := range clients {
		clients[i] = &failoverClient{id: newID(t)}
		if ok, err := setup.Update(ctx, clients[i].id, map[string][]byte{"n": []byte("0")}, nil, time.Hour, true); err != nil || !ok {
			t.Fatalf("creating session %d: %v, %v", i, ok, err)
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
		slowest    time.Duration // of the failed calls
		opsBefore  atomic.Int64
		stop       atomic.Bool
		panics     atomic.Int64
	)
	record := func(err error, took time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if kill.IsZero() && !errors.Is(err, redisstore.ErrNotReplicated) {
			errsBefore = append(errsBefore, err.Error())
		}
		errs = append(errs, time.Now())
		kinds[errorKind(err)]++
		slowest = max(slowest, took)
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
			defer func() {
				if p := recover(); p != nil {
					panics.Add(1)
					t.Errorf("panic in a store call: %v\n%s", p, debug.Stack())
				}
			}()
			for !stop.Load() {
				t0 := time.Now()
				m, ok, err := st.Load(ctx, cl.id)
				if err != nil {
					record(err, time.Since(t0))
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if !ok {
					mu.Lock()
					cl.missing++
					mu.Unlock()
					time.Sleep(10 * time.Millisecond)
					continue
				}
				n, _ := strconv.Atoi(string(m["n"]))
				cl.reconcile(n)
				succeeded(cl, false)
				t0 = time.Now()
				ok, err = st.Update(ctx, cl.id, map[string][]byte{"n": []byte(strconv.Itoa(cl.n + 1))}, nil, time.Hour, false)
				if err != nil {
					record(err, time.Since(t0))
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if !ok {
					mu.Lock()
					cl.missing++
					mu.Unlock()
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
		m, ok, err := st.Load(ctx, cl.id)
		if err != nil {
			t.Errorf("reading session %d back: %v", i, err)
			continue
		}
		if !ok {
			cl.missing++
		} else {
			n, _ := strconv.Atoi(string(m["n"]))
			cl.reconcile(n)
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
	t.Logf("errors by kind: %s; errors after the recovery %d; slowest failed call %v",
		strings.Join(kindList, ", "), afterRecovery, slowest.Round(time.Millisecond))

	if n := len(errs) - during; n > 0 {
		t.Logf("%d errors before the master was killed", n)
	}
	if len(errsBefore) > 0 {
		t.Errorf("%d errors before the master was killed: %s", len(errsBefore), strings.Join(errsBefore[:min(3, len(errsBefore))], "; "))
	}
	if recovered.IsZero() {
		t.Errorf("not every client succeeded after the promotion within 30s of the kill")
	}
	if missing > 0 {
		t.Errorf("%d calls found no session", missing)
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
