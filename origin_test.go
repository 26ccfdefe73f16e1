package crosssession

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crosssession/crosssession/internal/origin"
)

// The grammar itself is tested in internal/origin; these tests cover what
// the root adds: the Production rule, the one "crosssession: " prefix, and
// the ready Allow-Origin values.

func TestParseOriginProductionHTTP(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:*", "http://app.localhost",
		"http://*.localhost:*", "capacitor://localhost"} {
		if _, err := parseOrigin(ok, true); err != nil {
			t.Errorf("Production parseOrigin(%q): %v", ok, err)
		}
	}
	for _, tc := range []struct{ in, fix string }{
		{"http://app.example.com", "https://app.example.com"},
		{"http://app.example.com:443", "https://app.example.com"},
		{"http://*.example.com:*", "https://*.example.com:*"},
	} {
		_, err := parseOrigin(tc.in, true)
		var e *origin.Error
		if !errors.As(err, &e) || e.Suggestion != tc.fix || !strings.Contains(err.Error(), "plain http, which Production allows only for loopback") {
			t.Errorf("Production parseOrigin(%q) = %v, want a plain-http error suggesting %q", tc.in, err, tc.fix)
		}
		if _, err := parseOrigin(tc.in, false); err != nil {
			t.Errorf("Development parseOrigin(%q): %v", tc.in, err)
		}
	}
}

func TestParseOriginMessagesHaveOnePrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
	}{
		{"*", `crosssession: origin "*" allows every site`},
		{"https://app.example.com/", `crosssession: origin "https://app.example.com/" ends with a slash; browsers send origins without one; did you mean "https://app.example.com"?`},
		{"http://127.1:3999", `crosssession: origin "http://127.1:3999" has host "127.1", which browsers read as the IPv4 address 127.0.0.1`},
		{"http://app.example.com", `crosssession: origin "http://app.example.com" uses plain http`},
	} {
		err := Prod(make([]byte, 32), tc.in).Validate()
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Count(err.Error(), "crosssession: ") != 1 {
			t.Errorf("Validate with origin %q:\n  %v\nwant it to start with:\n  %s", tc.in, err, tc.want)
		}
		var e *origin.Error
		if !errors.As(err, &e) || e.Value != tc.in {
			t.Errorf("origin %q: error %v does not wrap an *origin.Error for the value", tc.in, err)
		}
	}
}

func TestOriginSetThroughAdapter(t *testing.T) {
	t.Parallel()
	var rules []originRule
	for _, o := range []string{"https://app.example.com", "https://*.example.org", "http://localhost:*"} {
		r, err := parseOrigin(o, false)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	s := compileOrigins(rules)
	for _, tc := range []struct {
		origin string
		allow  bool
	}{
		{"https://app.example.com", true},
		{"https://a.example.org", true},
		{"http://localhost:3000", true},
		{"http://localhost:", false},
		{"https://evil.example.com", false},
	} {
		if ok := s.Match(tc.origin); ok != tc.allow {
			t.Errorf("Match(%q) = %v, want %v", tc.origin, ok, tc.allow)
		}
	}
}

// An app or extension front end's exact origin goes through the whole
// policy: allowed, and trusted by the CSRF check for unsafe methods.
func TestAppOriginThroughPolicy(t *testing.T) {
	t.Parallel()
	cfg := Prod(make([]byte, 32), "capacitor://localhost", "chrome-extension://abcdefghijklmnopabcdefghijklmnop")
	cfg.Logger = slog.New(slog.DiscardHandler)
	m, err := compileMiddleware(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"capacitor://localhost", "chrome-extension://abcdefghijklmnopabcdefghijklmnop"} {
		r := httptest.NewRequest("POST", "https://api.example.com/x", nil)
		r.Header.Set("Origin", o)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		if d := m.decide(r, nil, "/x"); !d.allow || d.action != actNext {
			t.Errorf("POST from %s: decide = %+v, want allowed", o, d)
		}
	}
}

// BenchmarkAllowed: the allow-list decision with AllowOriginFunc beside the
// list alone: an origin the list allows (the function is not asked), one
// the function allows, one it refuses.
func BenchmarkAllowed(b *testing.B) {
	cfg := Prod(make([]byte, 32), "https://app.example.com", "https://*.example.org")
	cfg.Logger = slog.New(slog.DiscardHandler)
	static := mustCompile(cfg)
	tenants := map[string]bool{"https://tenant-a.example.net": true}
	cfg.AllowOriginFunc = func(o string) bool { return tenants[o] }
	dynamic := mustCompile(cfg)
	for _, bc := range []struct {
		name   string
		m      *middleware
		origin string
		want   bool
	}{
		{"list/listed", static, "https://app.example.com", true},
		{"list/unlisted", static, "https://tenant-a.example.net", false},
		{"func/listed", dynamic, "https://app.example.com", true},
		{"func/allowed", dynamic, "https://tenant-a.example.net", true},
		{"func/refused", dynamic, "https://tenant-b.example.net", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			if bc.m.allowed(bc.origin) != bc.want {
				b.Fatalf("allowed(%q) != %v", bc.origin, bc.want)
			}
			for b.Loop() {
				bc.m.allowed(bc.origin)
			}
		})
	}
}
