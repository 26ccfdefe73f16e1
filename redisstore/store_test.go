package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crosssession/crosssession/redisstore"
	"github.com/redis/go-redis/v9"
)

// newID returns a random URL-safe session ID, as the middleware makes.
func newID(tb testing.TB) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// testSemantics checks the Backend contract of st, whose client is rc, on
// whatever Redis rc talks to.
func testSemantics(t *testing.T, rc redis.UniversalClient, st *redisstore.Store) {
	ctx := context.Background()
	const ttl = time.Hour

	exists := func(t *testing.T, id string) bool {
		t.Helper()
		n, err := rc.Exists(ctx, st.Key(id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	load := func(t *testing.T, id string) (map[string][]byte, bool) {
		t.Helper()
		m, ok, err := st.Load(ctx, id)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		return m, ok
	}
	update := func(t *testing.T, id string, set map[string][]byte, del []string, ttl time.Duration, create bool) bool {
		t.Helper()
		ok, err := st.Update(ctx, id, set, del, ttl, create)
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		return ok
	}

	t.Run("LoadAbsent", func(t *testing.T) {
		m, ok := load(t, newID(t))
		if ok || m != nil {
			t.Errorf("Load of a session never created = %v, %v; want nil, false", m, ok)
		}
	})

	t.Run("UpdateWithoutCreateNeverCreates", func(t *testing.T) {
		id := newID(t)
		if update(t, id, map[string][]byte{"user": []byte("alice")}, nil, ttl, false) {
			t.Error("Update(create=false) of a missing session returned true")
		}
		if update(t, id, nil, nil, ttl, false) {
			t.Error("Update(create=false) with nothing to change, missing session: returned true")
		}
		if update(t, id, nil, []string{"user"}, ttl, false) {
			t.Error("Update(create=false) removing a value of a missing session: returned true")
		}
		if exists(t, id) {
			t.Errorf("Update(create=false) created key %s", st.Key(id))
		}
	})

	t.Run("CreateLoadChange", func(t *testing.T) {
		id := newID(t)
		bin := []byte{0, 1, 2, 0xff, '\r', '\n'}
		if !update(t, id, map[string][]byte{"user": []byte("alice"), "bin": bin, "theme": []byte("dark")}, nil, ttl, true) {
			t.Fatal("Update(create=true) returned false")
		}
		m, ok := load(t, id)
		if !ok || string(m["user"]) != "alice" || string(m["bin"]) != string(bin) || string(m["theme"]) != "dark" || len(m) != 3 {
			t.Fatalf("Load after create = %q, %v", m, ok)
		}
		// Only what is named changes.
		if !update(t, id, map[string][]byte{"user": []byte("bob")}, []string{"theme", "never-set"}, ttl, false) {
			t.Fatal("Update(create=false) of an existing session returned false")
		}
		m, _ = load(t, id)
		if len(m) != 2 || string(m["user"]) != "bob" || string(m["bin"]) != string(bin) {
			t.Errorf("after set user, del theme: %q", m)
		}
		// A name both set and removed is set.
		update(t, id, map[string][]byte{"x": []byte("1")}, []string{"x"}, ttl, false)
		if m, _ = load(t, id); string(m["x"]) != "1" {
			t.Errorf("name in set and del: %q, want set", m["x"])
		}
		// The key is the prefix and the ID; the marker field is there.
		h, err := rc.HGetAll(ctx, st.Key(id)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := h[""]; !ok || len(h) != len(m)+1 {
			t.Errorf("hash %s = %q; want the values and the empty marker field", st.Key(id), h)
		}
		// Create on an existing session keeps what is there.
		update(t, id, map[string][]byte{"y": []byte("2")}, nil, ttl, true)
		if m, _ = load(t, id); string(m["user"]) != "bob" || string(m["y"]) != "2" {
			t.Errorf("Update(create=true) of an existing session: %q", m)
		}
	})

	t.Run("EmptySessionStillExists", func(t *testing.T) {
		id := newID(t)
		if !update(t, id, nil, nil, ttl, true) {
			t.Fatal("creating an empty session returned false")
		}
		m, ok := load(t, id)
		if !ok || len(m) != 0 || m == nil {
			t.Fatalf("Load of an empty session = %v, %v; want an empty map, true", m, ok)
		}
		update(t, id, map[string][]byte{"a": []byte("1")}, nil, ttl, false)
		if !update(t, id, nil, []string{"a"}, ttl, false) {
			t.Fatal("removing the last value returned false")
		}
		if m, ok = load(t, id); !ok || len(m) != 0 {
			t.Errorf("after removing every value: %v, %v; want an empty session that still exists", m, ok)
		}
		if !update(t, id, map[string][]byte{"b": []byte("2")}, nil, ttl, false) {
			t.Error("Update(create=false) of a session with no values returned false")
		}
	})

	t.Run("DeleteReportsExistenceOnce", func(t *testing.T) {
		id := newID(t)
		update(t, id, map[string][]byte{"user": []byte("alice")}, nil, ttl, true)
		var existed atomic.Int64
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				ok, err := st.Delete(ctx, id)
				if err != nil {
					t.Errorf("Delete: %v", err)
				}
				if ok {
					existed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := existed.Load(); n != 1 {
			t.Errorf("10 concurrent Deletes of one session: %d said it existed, want 1", n)
		}
		if _, ok := load(t, id); ok {
			t.Error("Load after Delete found the session")
		}
		if update(t, id, map[string][]byte{"user": []byte("alice")}, nil, ttl, false) || exists(t, id) {
			t.Error("Update(create=false) after Delete brought the session back")
		}
		if ok, err := st.Delete(ctx, id); ok || err != nil {
			t.Errorf("Delete of a deleted session = %v, %v; want false, nil", ok, err)
		}
	})

	t.Run("TTL", func(t *testing.T) {
		id := newID(t)
		update(t, id, map[string][]byte{"a": []byte("1")}, nil, 10*time.Second, true)
		pttl := func() time.Duration {
			t.Helper()
			d, err := rc.PTTL(ctx, st.Key(id)).Result()
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		if d := pttl(); d <= 9*time.Second || d > 10*time.Second {
			t.Errorf("PTTL after Update(ttl=10s) = %v", d)
		}
		// Renewed by an Update with nothing to change, values kept.
		update(t, id, nil, nil, time.Minute, false)
		if d := pttl(); d <= 59*time.Second || d > time.Minute {
			t.Errorf("PTTL after a renewal to 1m = %v", d)
		}
		// Shortened too: the ttl is the new one, not the longest.
		update(t, id, map[string][]byte{"b": []byte("2")}, nil, 5*time.Second, false)
		if d := pttl(); d <= 4*time.Second || d > 5*time.Second {
			t.Errorf("PTTL after Update(ttl=5s) = %v", d)
		}
		// Load does not renew.
		load(t, id)
		if d := pttl(); d > 5*time.Second {
			t.Errorf("PTTL after a Load = %v: Load must not renew", d)
		}
		// Rounded up to a millisecond, and it does expire.
		update(t, id, nil, nil, 300*time.Microsecond, false)
		eventually(t, 2*time.Second, "session expired", func() error {
			if _, ok, err := st.Load(ctx, id); err != nil || ok {
				return fmt.Errorf("still there (%v)", err)
			}
			return nil
		})
		if update(t, id, nil, nil, time.Minute, false) {
			t.Error("Update(create=false) renewed an expired session")
		}
	})

	t.Run("BadArguments", func(t *testing.T) {
		id := newID(t)
		for _, c := range []struct {
			name string
			id   string
			set  map[string][]byte
			del  []string
			ttl  time.Duration
		}{
			{"empty ID", "", nil, nil, ttl},
			{"zero ttl", id, nil, nil, 0},
			{"negative ttl", id, nil, nil, -time.Second},
			{"reserved name in set", id, map[string][]byte{"": []byte("x")}, nil, ttl},
			{"reserved name in del", id, nil, []string{""}, ttl},
		} {
			if ok, err := st.Update(ctx, c.id, c.set, c.del, c.ttl, true); err == nil || ok {
				t.Errorf("Update with %s = %v, %v; want an error", c.name, ok, err)
			}
		}
		if exists(t, id) {
			t.Error("a refused Update created the session")
		}
		if m, ok, err := st.Load(ctx, ""); m != nil || ok || err != nil {
			t.Errorf("Load(\"\") = %v, %v, %v", m, ok, err)
		}
	})

	t.Run("ManyValues", func(t *testing.T) {
		// More names than one Lua unpack takes at once.
		id := newID(t)
		set := map[string][]byte{}
		var del []string
		for i := range 1200 {
			set["k"+strconv.Itoa(i)] = []byte(strconv.Itoa(i))
		}
		update(t, id, set, nil, ttl, true)
		for i := range 1100 {
			del = append(del, "k"+strconv.Itoa(i))
		}
		update(t, id, nil, del, ttl, false)
		m, _ := load(t, id)
		if len(m) != 100 || string(m["k1150"]) != "1150" {
			t.Errorf("after 1200 sets and 1100 removals: %d values", len(m))
		}
	})

	t.Run("ConcurrentDifferentValuesLoseNothing", func(t *testing.T) {
		// 50 goroutines, each changing its own value of one session 20
		// times, every change loaded then saved (as 50 tabs would).
		id := newID(t)
		update(t, id, map[string][]byte{"user": []byte("alice")}, nil, ttl, true)
		const writers, rounds = 50, 20
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				name := "w" + strconv.Itoa(w)
				for r := 1; r <= rounds; r++ {
					if _, ok, err := st.Load(ctx, id); err != nil || !ok {
						t.Errorf("writer %d: Load = %v, %v", w, ok, err)
						return
					}
					if ok, err := st.Update(ctx, id, map[string][]byte{name: []byte(strconv.Itoa(r))}, nil, ttl, false); err != nil || !ok {
						t.Errorf("writer %d: Update = %v, %v", w, ok, err)
						return
					}
				}
			})
		}
		wg.Wait()
		m, _ := load(t, id)
		lost := 0
		for w := range writers {
			if got := string(m["w"+strconv.Itoa(w)]); got != strconv.Itoa(rounds) {
				lost++
				t.Errorf("value w%d = %q, want %d", w, got, rounds)
			}
		}
		if string(m["user"]) != "alice" || len(m) != writers+1 {
			t.Errorf("session has %d values, user %q", len(m), m["user"])
		}
		t.Logf("%d writers × %d updates of their own value of one session: %d lost", writers, rounds, lost)
	})

	t.Run("SameValueLastWriterWins", func(t *testing.T) {
		id := newID(t)
		update(t, id, map[string][]byte{"theme": []byte("light"), "cart": []byte("3")}, nil, ttl, true)
		update(t, id, map[string][]byte{"theme": []byte("dark")}, nil, ttl, false)
		update(t, id, map[string][]byte{"theme": []byte("blue")}, nil, ttl, false)
		if m, _ := load(t, id); string(m["theme"]) != "blue" || string(m["cart"]) != "3" {
			t.Errorf("after dark then blue: %q", m)
		}
		// Concurrently: one of the written values, the others untouched.
		var wg sync.WaitGroup
		written := map[string]bool{}
		for w := range 50 {
			v := "v" + strconv.Itoa(w)
			written[v] = true
			wg.Go(func() {
				if _, err := st.Update(ctx, id, map[string][]byte{"theme": []byte(v)}, nil, ttl, false); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if m, _ := load(t, id); !written[string(m["theme"])] || string(m["cart"]) != "3" || len(m) != 2 {
			t.Errorf("after 50 concurrent writers of theme: %q", m)
		}
	})

	t.Run("DeleteDuringWritesStaysDeleted", func(t *testing.T) {
		// Requests that loaded the session keep saving while it is
		// deleted (a logout): once deleted, none brings it back.
		id := newID(t)
		update(t, id, map[string][]byte{"user": []byte("alice")}, nil, ttl, true)
		var deleted atomic.Bool
		var wg sync.WaitGroup
		var after atomic.Int64
		for w := range 20 {
			wg.Go(func() {
				for r := range 50 {
					gone := deleted.Load()
					ok, err := st.Update(ctx, id, map[string][]byte{"w" + strconv.Itoa(w): []byte(strconv.Itoa(r))}, nil, ttl, false)
					if err != nil {
						t.Error(err)
						return
					}
					if ok && gone {
						after.Add(1)
					}
				}
			})
		}
		wg.Go(func() {
			time.Sleep(2 * time.Millisecond)
			if ok, err := st.Delete(ctx, id); !ok || err != nil {
				t.Errorf("Delete = %v, %v", ok, err)
			}
			deleted.Store(true)
		})
		wg.Wait()
		if exists(t, id) {
			t.Errorf("session exists after Delete: writers that loaded it before brought it back")
		}
		if n := after.Load(); n != 0 {
			t.Errorf("%d Updates after the Delete returned true", n)
		}
	})
}

// TestSingleNode runs the contract on one redis-server, counts the
// commands each call sends (one, and never a PING) and checks WAIT's
// failure when the node has no replica.
func TestSingleNode(t *testing.T) {
	node := startNode(t, "single")
	rc := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{node.addr()}})
	t.Cleanup(func() { rc.Close() })
	st := redisstore.New(rc, redisstore.Options{Prefix: "test:"})
	testSemantics(t, rc, st)

	t.Run("DefaultPrefix", func(t *testing.T) {
		st := redisstore.New(rc, redisstore.Options{})
		if k := st.Key("abc"); k != "crosssession:abc" {
			t.Errorf("Key(abc) = %q", k)
		}
	})

	t.Run("OneCommandPerCall", func(t *testing.T) {
		ctx := context.Background()
		var cmds []string
		var mu sync.Mutex
		c := redis.NewClient(&redis.Options{Addr: node.addr()})
		t.Cleanup(func() { c.Close() })
		c.AddHook(recordHook{rec: func(names ...string) {
			mu.Lock()
			cmds = append(cmds, strings.Join(names, "+"))
			mu.Unlock()
		}})
		st := redisstore.New(c, redisstore.Options{})
		id := newID(t)
		// Warm up: the pool's first connection and the script cache.
		if _, err := st.Update(ctx, newID(t), nil, nil, time.Minute, true); err != nil {
			t.Fatal(err)
		}
		admin := node.client(t)
		if err := admin.Ping(ctx).Err(); err != nil { // connects (HELLO) before the reset
			t.Fatal(err)
		}
		if err := admin.ConfigResetStat(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		cmds = nil
		mu.Unlock()

		step := func(name string, f func() error) {
			t.Helper()
			mu.Lock()
			n := len(cmds)
			mu.Unlock()
			if err := f(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			mu.Lock()
			got := slices.Clone(cmds[n:])
			mu.Unlock()
			if len(got) != 1 {
				t.Errorf("%s sent %d round trips (%v), want 1", name, len(got), got)
			}
			t.Logf("%s: %v", name, got)
		}
		step("Update(create)", func() error {
			_, err := st.Update(ctx, id, map[string][]byte{"a": []byte("1")}, nil, time.Minute, true)
			return err
		})
		step("Load", func() error { _, _, err := st.Load(ctx, id); return err })
		step("Update", func() error {
			_, err := st.Update(ctx, id, map[string][]byte{"b": []byte("2")}, []string{"a"}, time.Minute, false)
			return err
		})
		step("Delete", func() error { _, err := st.Delete(ctx, id); return err })

		// What the server saw: those four commands and nothing else.
		calls, err := commandStats(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		got := clientCommands(calls)
		want := map[string]int{"evalsha": 2, "hgetall": 1, "del": 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("server commandstats = %v, want %v (no PING, nothing else)", got, want)
		}
		t.Logf("server commandstats: %v", calls)
	})

	t.Run("WaitWithoutReplica", func(t *testing.T) {
		ctx := context.Background()
		st := redisstore.New(rc, redisstore.Options{WaitReplicas: 1, WaitTimeout: 20 * time.Millisecond})
		id := newID(t)
		t0 := time.Now()
		ok, err := st.Update(ctx, id, map[string][]byte{"a": []byte("1")}, nil, time.Minute, true)
		if !errors.Is(err, redisstore.ErrNotReplicated) || ok {
			t.Fatalf("Update with WaitReplicas 1 and no replica = %v, %v; want ErrNotReplicated", ok, err)
		}
		if d := time.Since(t0); d < 20*time.Millisecond || d > time.Second {
			t.Errorf("Update with WaitTimeout 20ms took %v", d)
		}
		t.Logf("error: %v", err)
		// The master did apply it.
		if _, found, _ := st.Load(ctx, id); !found {
			t.Error("the write WAIT did not confirm is not on the master")
		}
		if _, err := st.Delete(ctx, id); !errors.Is(err, redisstore.ErrNotReplicated) {
			t.Errorf("Delete with WaitReplicas 1 and no replica: %v; want ErrNotReplicated", err)
		}
	})

	t.Run("Down", func(t *testing.T) {
		// A node that is gone: every call returns an error, none panics,
		// and the error does not carry the session ID.
		for _, opts := range []redisstore.Options{{}, {WaitReplicas: 1}} {
			dead := startNode(t, "dead")
			c := redis.NewClient(&redis.Options{Addr: dead.addr(), MaxRetries: 1, DialerRetries: 1})
			t.Cleanup(func() { c.Close() })
			st := redisstore.New(c, opts)
			ctx := context.Background()
			id := newID(t)
			if _, err := st.Update(ctx, id, nil, nil, time.Minute, true); !errors.Is(err, redisstore.ErrNotReplicated) && err != nil {
				t.Fatal(err)
			}
			dead.kill()
			_, _, errL := st.Load(ctx, id)
			_, errU := st.Update(ctx, id, map[string][]byte{"a": nil}, nil, time.Minute, false)
			_, errD := st.Delete(ctx, id)
			for _, err := range []error{errL, errU, errD} {
				if err == nil {
					t.Errorf("WaitReplicas %d: a call with Redis down returned no error", opts.WaitReplicas)
				} else if strings.Contains(err.Error(), id) {
					t.Errorf("error carries the session ID: %v", err)
				} else if !strings.Contains(err.Error(), "connection refused") && !strings.Contains(err.Error(), "EOF") {
					t.Errorf("error does not say why: %v", err)
				}
			}
			t.Logf("WaitReplicas %d, Redis down: %v | %v | %v", opts.WaitReplicas, errL, errU, errD)
		}
	})
}

// recordHook reports the commands of each round trip.
type recordHook struct{ rec func(names ...string) }

func (h recordHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h recordHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.rec(cmd.Name())
		return next(ctx, cmd)
	}
}
func (h recordHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var names []string
		for _, c := range cmds {
			names = append(names, c.Name())
		}
		h.rec(names...)
		return next(ctx, cmds)
	}
}

func TestNewPanics(t *testing.T) {
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	t.Cleanup(func() { rc.Close(); ring.Close() })
	for _, c := range []struct {
		name   string
		client redis.UniversalClient
		opts   redisstore.Options
	}{
		{"nil client", nil, redisstore.Options{}},
		{"negative WaitReplicas", rc, redisstore.Options{WaitReplicas: -1}},
		{"negative WaitTimeout", rc, redisstore.Options{WaitTimeout: -1}},
		{"WaitReplicas on a Ring", ring, redisstore.Options{WaitReplicas: 1}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with %s did not panic", c.name)
				}
			}()
			redisstore.New(c.client, c.opts)
		}()
	}
	redisstore.New(ring, redisstore.Options{}) // a Ring without WAIT is fine
}

// TestReadmeScript keeps the script in README.md the one Update runs.
func TestReadmeScript(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(b), "```lua\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no ```lua block")
	}
	if block != redisstore.UpdateScript() {
		t.Errorf("README.md's script differs from UpdateScript():\n%s", block)
	}
}

// commandStats returns the calls of each command the server counted since
// its last CONFIG RESETSTAT (INFO commandstats).
func commandStats(ctx context.Context, admin *redis.Client) (map[string]int, error) {
	stats, err := admin.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, err
	}
	calls := map[string]int{}
	for line := range strings.SplitSeq(stats, "\r\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if ok && !strings.HasPrefix(line, "#") {
			n, _ := strconv.Atoi(strings.SplitN(rest, ",", 2)[0])
			calls[name] = n
		}
	}
	return calls, nil
}

// clientCommands keeps, of calls, the commands a client of the store
// sends (commandstats also counts those the script runs, and the admin
// client's CONFIG RESETSTAT and INFO).
func clientCommands(calls map[string]int) map[string]int {
	got := map[string]int{}
	for _, name := range []string{"evalsha", "eval", "hgetall", "del", "ping", "hello", "client|setinfo", "multi", "exec", "wait", "script|load"} {
		if calls[name] > 0 {
			got[name] = calls[name]
		}
	}
	return got
}
