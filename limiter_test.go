package crosssession

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

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

// TestSameOrigin: the check that keeps a same-origin request (browsers
// send Origin on same-origin POSTs) out of the origin-not-allowed report.
func TestSameOrigin(t *testing.T) {
	for _, tt := range []struct {
		origin, host, proto, fetchSite string
		tls, want                      bool
	}{
		{origin: "https://api.example.com", host: "api.example.com", tls: true, want: true},
		{origin: "http://api.example.com", host: "api.example.com", want: true},
		{origin: "http://api.example.com", host: "api.example.com", tls: true, want: false},
		{origin: "https://api.example.com", host: "api.example.com", want: false},
		{origin: "https://api.example.com", host: "api.example.com", proto: "HTTPS", want: true},
		{origin: "https://api.example.com:8443", host: "api.example.com", tls: true, want: false},
		{origin: "https://api.example.com", host: "api.example.com:8443", tls: true, want: false},
		{origin: "https://evil.example.org", host: "api.example.com", tls: true, want: false},
		{origin: "https://app.example.com", host: "internal:8080", fetchSite: "same-origin", want: true},
		{origin: "https://app.example.com", host: "internal:8080", fetchSite: "same-site", want: false},
		{origin: "null", host: "api.example.com", want: false},
		{origin: "", host: "", want: false},
	} {
		r := httptest.NewRequest(http.MethodPost, "http://"+tt.host+"/", nil)
		r.Host = tt.host
		if !tt.tls {
			r.TLS = nil
		} else {
			r.TLS = &tls.ConnectionState{}
		}
		if tt.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tt.proto)
		}
		if tt.fetchSite != "" {
			r.Header.Set("Sec-Fetch-Site", tt.fetchSite)
		}
		if got := (&middleware{}).sameOrigin(r, tt.origin); got != tt.want {
			t.Errorf("sameOrigin(%q) on host %q (tls %v, proto %q, fetch-site %q) = %v, want %v",
				tt.origin, tt.host, tt.tls, tt.proto, tt.fetchSite, got, tt.want)
		}
	}
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
			m.diagnose(nil, reasonCSRF, "https://evil.example", "refused")
			time.Sleep(time.Second)
		}
		if n := strings.Count(buf.String(), "reason="+reasonCSRF); n != 1 {
			t.Fatalf("%d lines for 4 events within the interval, want 1:\n%s", n, buf.String())
		}
		if strings.Contains(buf.String(), "suppressed=") {
			t.Errorf("first line reports suppressed events:\n%s", buf.String())
		}
		time.Sleep(diagnosticsLogEvery)
		m.diagnose(nil, reasonCSRF, "https://evil.example", "refused")
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if last := lines[len(lines)-1]; len(lines) != 2 || !strings.Contains(last, "suppressed=3") {
			t.Errorf("after the interval: %d lines, last %q; want 2 lines, the last with suppressed=3", len(lines), last)
		}
	})
}
