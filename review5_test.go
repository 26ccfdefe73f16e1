package crosssession_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/crosssession/crosssession"
)

// Regression tests from the fifth review (of the performance changes).

// TestLimiterKeyReopensAcrossSynctestBubbles: a version of the diagnostics
// limiter closed a key when it logged and relied on a time.AfterFunc timer
// to reopen it. A timer created inside a testing/synctest bubble belongs to
// that bubble and never fires once the bubble is over, so a middleware
// shared by tests (a package-level router, one test of which uses synctest
// to exercise session expiry with fake time) stopped logging that reason
// (in Production: for every origin) for the rest of the process. The
// limiter compares clock readings instead.
func TestLimiterKeyReopensAcrossSynctestBubbles(t *testing.T) {
	cfg, logs := withLog(crosssession.Dev("http://localhost:3000"))
	a := newApp(t, cfg) // shared by both bubbles, like a package-level router
	hit := func() { serve(a, req("GET", "/plain", "Origin", "http://127.0.0.1:3000")) }

	synctest.Test(t, func(t *testing.T) { hit() }) // logged; key closed
	if n := len(logs.lines("origin-not-allowed")); n != 1 {
		t.Fatalf("first bubble: %d origin-not-allowed lines, want 1", n)
	}
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(2 * time.Minute) // well past the one-minute interval
		hit()
	})
	if n := len(logs.lines("origin-not-allowed")); n != 2 {
		t.Errorf("after the interval in a second bubble: %d origin-not-allowed lines, want 2 "+
			"(the key was closed by a timer of the first bubble, which never fires)", n)
	}
}
