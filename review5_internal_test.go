package crosssession

import (
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
