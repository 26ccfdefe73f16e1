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
//	failover replicas=1 wait=0 ops_before=N errors=N first_error=+Xms promoted=+Yms last_error=+Zms recovered=+Wms acked=N lost=N lost_clients=N unacked_applied=N
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

type failoverCase struct {
	replicas int
	wait     int
	// restart: the killed master is started again once a replica is
	// promoted (it comes back as a replica), as a supervisor would; needed
	// when wait equals replicas, since the new master has one replica
	// fewer until then.
	restart bool
}

func TestSentinelFailover(t *testing.T) {
	for _, c := range []failoverCase{
		{replicas: 1, wait: 0},
		{replicas: 1, wait: 1, restart: true},
		{replicas: 2, wait: 1},
	} {
		t.Run(fmt.Sprintf("replicas=%d,wait=%d", c.replicas, c.wait), func(t *testing.T) {
			runFailover(t, c)
		})
	}
}

type failoverClient struct {
	id        string
	acked     int       // last value an Update acknowledged
	firstOK   time.Time // first acknowledged write after the promotion was seen
	vanished  bool
	readBelow int // loads that saw less than the acknowledged value
}

func runFailover(t *testing.T, c failoverCase) {
	s := startSentinels(t, c.replicas, time.Second)
	rc := redis.NewUniversalClient(&redis.UniversalOptions{
		Addrs: s.sentinelAddrs(), MasterName: masterName, PoolSize: failoverClients + 10,
	})
	t.Cleanup(func() { rc.Close() })
	st := redisstore.New(rc, redisstore.Options{WaitReplicas: c.wait, WaitTimeout: 200 * time.Millisecond})
	ctx := context.Background()

	clients := make([]*failoverClient, failoverClients)
	for i := range clients {
		clients[i] = &failoverClient{id: newID(t)}
		if ok, err := st.Update(ctx, clients[i].id, map[string][]byte{"n": []byte("0")}, nil, time.Hour, true); err != nil || !ok {
			t.Fatalf("creating session %d: %v, %v", i, ok, err)
		}
	}

	var (
		mu        sync.Mutex
		kill      time.Time // zero until the master is killed
		promoted  time.Time // zero until a sentinel names another master
		errs      []time.Time
		kinds     = map[string]int{}
		slowest   time.Duration // of the failed calls
		opsBefore atomic.Int64
		stop      atomic.Bool
		panics    atomic.Int64
	)
	record := func(err error, took time.Duration) {
		mu.Lock()
		defer mu.Unlock()
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
					cl.vanished = true
					return
				}
				if n, _ := strconv.Atoi(string(m["n"])); n < cl.acked {
					cl.readBelow++
				}
				succeeded(cl, false)
				t0 = time.Now()
				ok, err = st.Update(ctx, cl.id, map[string][]byte{"n": []byte(strconv.Itoa(cl.acked + 1))}, nil, time.Hour, false)
				if err != nil {
					record(err, time.Since(t0))
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if !ok {
					cl.vanished = true
					return
				}
				cl.acked++
				succeeded(cl, true)
			}
		})
	}

	time.Sleep(time.Second)
	oldMaster := s.master.addr()
	mu.Lock()
	kill = time.Now()
	mu.Unlock()
	s.master.kill()

	deadline := kill.Add(30 * time.Second)
	for {
		a, err := s.masterAddr(ctx)
		if err == nil && a != oldMaster {
			mu.Lock()
			promoted = time.Now()
			mu.Unlock()
			t.Logf("sentinels promoted %s", a)
			break
		}
		if time.Now().After(deadline) {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("no promotion 30s after the master was killed (last answer %s, %v)", a, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c.restart {
		s.master.restart(t)
		t.Logf("old master restarted at +%dms", time.Since(kill).Milliseconds())
	}
	var recovered time.Time
	for recovered.IsZero() {
		mu.Lock()
		all := true
		var last time.Time
		for _, cl := range clients {
			if cl.firstOK.IsZero() && !cl.vanished {
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
	time.Sleep(500 * time.Millisecond) // keep going after the recovery
	stop.Store(true)
	wg.Wait()

	// What the sessions say now, on the new master.
	var acked, lost, lostClients, unackedApplied, vanished, readBelow int
	for i, cl := range clients {
		acked += cl.acked
		readBelow += cl.readBelow
		m, ok, err := st.Load(ctx, cl.id)
		if err != nil {
			t.Fatalf("reading session %d back: %v", i, err)
		}
		if !ok {
			vanished++
			lost += cl.acked
			lostClients++
			continue
		}
		n, _ := strconv.Atoi(string(m["n"]))
		switch {
		case n < cl.acked:
			lost += cl.acked - n
			lostClients++
		case n == cl.acked+1:
			unackedApplied++ // a write that returned an error but happened
		case n > cl.acked+1:
			t.Errorf("session %d: n=%d, acknowledged %d: more than one unacknowledged write applied", i, n, cl.acked)
		}
	}

	ms := func(at time.Time) string {
		if at.IsZero() {
			return "never"
		}
		return "+" + strconv.FormatInt(at.Sub(kill).Milliseconds(), 10) + "ms"
	}
	var firstErr, lastErr time.Time
	var during int
	for _, e := range errs {
		if e.Before(kill) {
			continue
		}
		during++
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
	t.Logf("failover replicas=%d wait=%d ops_before=%d errors=%d first_error=%s promoted=%s last_error=%s recovered=%s acked=%d lost=%d lost_clients=%d unacked_applied=%d",
		c.replicas, c.wait, opsBefore.Load(), len(errs), ms(firstErr), ms(promoted), ms(lastErr), ms(recovered),
		acked, lost, lostClients, unackedApplied)
	t.Logf("errors by kind: %s; slowest failed call %v; loads that read below the acknowledged value %d",
		strings.Join(kindList, ", "), slowest.Round(time.Millisecond), readBelow)

	if n := len(errs) - during; n > 0 {
		t.Errorf("%d errors before the master was killed", n)
	}
	if recovered.IsZero() {
		t.Errorf("not every client succeeded after the promotion within 30s of the kill")
	}
	if vanished > 0 {
		t.Errorf("%d sessions vanished", vanished)
	}
	if panics.Load() > 0 {
		t.Errorf("%d panics", panics.Load())
	}
	if c.wait > 0 && lost > 0 {
		t.Errorf("WaitReplicas %d: %d acknowledged writes lost", c.wait, lost)
	}
	if opsBefore.Load() == 0 || acked == 0 {
		t.Errorf("no successful operation (before the kill %d, acknowledged writes %d)", opsBefore.Load(), acked)
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
	case strings.Contains(s, "i/o timeout"):
		return "timeout"
	case strings.Contains(s, "pool timeout"):
		return "pool-timeout"
	}
	return "other: " + s
}
