package crosssession

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestLimiterReopensAfterBubbleEnds: an event logged inside a synctest
// bubble (fake time, year 2000) must not keep its key closed in real time,
// and one logged in real time must not keep it closed inside a bubble,
// whose clock is behind. (A timer-based limiter failed the first: a
// bubble's timer never fires after the bubble ends.)
func TestLimiterReopensAfterBubbleEnds(t *testing.T) {
	l := &limiter{every: 20 * time.Millisecond}
	synctest.Test(t, func(t *testing.T) {
		if ok, _ := l.allow("k", "r"); !ok {
			t.Fatal("first event not logged")
		}
	})
	time.Sleep(200 * time.Millisecond) // ten intervals of real time
	if ok, _ := l.allow("k", "r"); !ok {
		t.Error("key still closed ten intervals after its event: it will never reopen")
	}
}

func TestLimiterClockBehind(t *testing.T) {
	l := &limiter{every: time.Hour}
	if ok, _ := l.allow("k", "r"); !ok {
		t.Fatal("first event not logged")
	}
	synctest.Test(t, func(t *testing.T) {
		if ok, _ := l.allow("k", "r"); !ok {
			t.Error("an event on a clock behind the last logged one is suppressed until that clock catches up")
		}
	})
}

// TestLimiter: one event per key per interval gets through, the rest are
// counted and reported with the next one, concurrent events let exactly
// one through, and a full limiter shares the fallback key.
func TestLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // fake time: no machine stall can end the interval early
		l := &limiter{every: time.Minute}
		if ok, n := l.allow("a", "r"); !ok || n != 0 {
			t.Fatalf("first event: %v %d", ok, n)
		}
		for range 3 {
			time.Sleep(10 * time.Second)
			if ok, _ := l.allow("a", "r"); ok {
				t.Fatal("second event within the interval logged")
			}
		}
		if ok, _ := l.allow("b", "r"); !ok {
			t.Error("another key is limited by the first")
		}
		time.Sleep(31 * time.Second)
		if ok, n := l.allow("a", "r"); !ok || n != 3 {
			t.Fatalf("after the interval: logged %v with %d suppressed, want true and 3", ok, n)
		}
	})

	c := &limiter{every: time.Hour}
	var wg sync.WaitGroup
	var through atomic.Int64
	for range 64 {
		wg.Go(func() {
			if ok, _ := c.allow("k", "r"); ok {
				through.Add(1)
			}
		})
	}
	wg.Wait()
	if through.Load() != 1 {
		t.Errorf("%d of 64 concurrent events logged, want 1", through.Load())
	}

	full := &limiter{every: time.Hour}
	for i := range limiterMaxKeys {
		full.allow(fmt.Sprint("k", i), "r")
	}
	if ok, _ := full.allow("new-1", "fallback"); !ok {
		t.Error("first event past the key limit not logged under the fallback key")
	}
	if ok, _ := full.allow("new-2", "fallback"); ok {
		t.Error("second new key past the limit logged: keys are not bounded")
	}
}

// TestLimiterRecent: the entry kept for the last key looked up never
// answers for another key: interleaved keys keep their own counts, and
// past the key limit a new key still goes to the fallback key's entry
// whichever key was looked up before it.
func TestLimiterRecent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &limiter{every: time.Minute}
		for _, k := range []string{"a", "b", "a", "a", "b", "c"} {
			l.allow(k, "r")
		}
		time.Sleep(time.Minute)
		for k, want := range map[string]int64{"a": 2, "b": 1, "c": 0} {
			if ok, n := l.allow(k, "r"); !ok || n != want {
				t.Errorf("key %s: logged %v with %d suppressed, want true and %d", k, ok, n, want)
			}
		}
		full := &limiter{every: time.Hour}
		for i := range limiterMaxKeys {
			full.allow(fmt.Sprint("k", i), "r")
		}
		full.allow("new-1", "fallback") // logged under the fallback key
		for _, k := range []string{"new-1", "k0", "new-1", "new-2"} {
			full.allow(k, "fallback")
		}
		time.Sleep(time.Hour)
		if ok, n := full.allow("new-3", "fallback"); !ok || n != 3 {
			t.Errorf("fallback key: logged %v with %d suppressed, want true and 3", ok, n)
		}
		if ok, n := full.allow("k0", "fallback"); !ok || n != 1 {
			t.Errorf("key k0: logged %v with %d suppressed, want true and 1", ok, n)
		}
	})
}

// TestDiagnosticsReportSuppressed: the line logged after an interval says
// how many events of that reason were not logged in between. (Fake time:
// the minute passes at once and no machine stall can split the burst.)
func TestDiagnosticsReportSuppressed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		cfg := Prod(bytes.Repeat([]byte{1}, 32), "https://app.example.com")
		cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
		m, err := compileMiddleware(cfg)
		if err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		for range 4 {
			m.diagnose(nil, reason{"csrf-rejected", "refused"}, "https://evil.example")
			time.Sleep(time.Second)
		}
		if n := strings.Count(buf.String(), "reason=csrf-rejected"); n != 1 {
			t.Fatalf("%d lines for 4 events within the interval, want 1:\n%s", n, buf.String())
		}
		if strings.Contains(buf.String(), "suppressed=") {
			t.Errorf("first line reports suppressed events:\n%s", buf.String())
		}
		time.Sleep(diagnosticsLogEvery)
		m.diagnose(nil, reason{"csrf-rejected", "refused"}, "https://evil.example")
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if last := lines[len(lines)-1]; len(lines) != 2 || !strings.Contains(last, "suppressed=3") {
			t.Errorf("after the interval: %d lines, last %q; want 2 lines, the last with suppressed=3", len(lines), last)
		}
	})
}

// TestLimiterNow: a zero limiter's clock is the wall clock, whether its
// start was taken outside a testing/synctest bubble and read inside (the
// bubble's fake time) or taken inside and read after the bubble.
func TestLimiterNow(t *testing.T) {
	near := func(t *testing.T, got, want int64) {
		t.Helper()
		if d := got - want; d < -int64(time.Second) || d > int64(time.Second) {
			t.Errorf("limiter clock %v, want %v", time.Unix(0, got), time.Unix(0, want))
		}
	}
	outside := &limiter{every: time.Minute}
	near(t, outside.now(), time.Now().UnixNano())
	inside := &limiter{every: time.Minute}
	synctest.Test(t, func(t *testing.T) {
		if got, want := outside.now(), time.Now().UnixNano(); got != want {
			t.Errorf("inside a bubble: %v, want the fake time %v", time.Unix(0, got), time.Unix(0, want))
		}
		inside.now()
	})
	near(t, inside.now(), time.Now().UnixNano())
}
