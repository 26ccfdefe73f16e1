package origin

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

func mustSet(t testing.TB, origins ...string) *Set {
	t.Helper()
	var rules []Rule
	for _, o := range origins {
		r, err := Parse(o)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	return NewSet(rules)
}

func TestSetMatch(t *testing.T) {
	t.Parallel()
	set := mustSet(t, "https://app.example.com", "https://*.example.org", "http://localhost:*", "https://*.corp.example:8443",
		"http://[::1]:*", "http://127.0.0.1:5173", "http://*.localhost:*", "capacitor://localhost",
		"chrome-extension://abcdefghijklmnopabcdefghijklmnop")
	for _, tc := range []struct {
		origin string
		want   bool
	}{
		{"https://app.example.com", true},
		{"https://a.example.org", true},
		{"https://a.b.example.org", true},
		{"https://x_y.example.org", true},
		{"https://-x.example.org", true}, // browsers send it (CheckHyphens false)
		{"https://xn--bcher-kva.example.org", true},
		{"https://a.xn--ls8h.example.org", true},
		{"https://xn--8i7caa.example.org", true}, // punycode, though not valid UTS 46; loaded for compatibility
		{"http://localhost", true},
		{"http://localhost:3000", true},
		{"https://x.corp.example:8443", true},
		{"http://[::1]:3000", true},
		{"http://[::1]", true},
		{"http://127.0.0.1:5173", true},
		{"http://app.localhost:5173", true},
		{"http://a.b.localhost", true},
		{"capacitor://localhost", true},
		{"chrome-extension://abcdefghijklmnopabcdefghijklmnop", true},

		{"https://example.org", false},                                  // apex is not a subdomain
		{"http://a.example.org", false},                                 // scheme counts
		{"https://a.example.org:8443", false},                           // port counts
		{"https://x.corp.example", false},                               // port rule
		{"https://app.example.com.evil.com", false},                     // prefix attack
		{"https://evilapp.example.com", false},                          // suffix attack on an exact entry
		{"https://evilexample.org", false},                              // suffix without a dot
		{"https://app.example.com:443", false},                          // default port spelled out
		{"https://APP.example.com", false},                              // case
		{"https://app.example.com/", false},                             // trailing slash
		{"https://app.example.com.", false},                             // trailing dot
		{"https://a.example.org.", false},                               // trailing dot on a pattern
		{" https://app.example.com", false},                             // whitespace
		{"https://a..example.org", false},                               // empty label
		{"https://.example.org", false},                                 // empty label
		{"https://a.example.org@evil.com", false},                       // userinfo
		{"https://a.example.org#.evil.com", false},                      // fragment
		{"https://a!.example.org", false},                               // special characters
		{"https://a.example.org:", false},                               // empty port
		{"http://localhost:", false},                                    // empty port
		{"http://localhost:03000", false},                               // leading zero
		{"http://localhost:65536", false},                               // port range
		{"http://localhost:80", false},                                  // default port
		{"http://localhost.", false},                                    // trailing dot
		{"http://127.0.0.1:5174", false},                                // other port
		{"http://127.0.0.1", false},                                     // no port
		{"http://localhost", true},                                      //
		{"http://localhost:*", false},                                   // a pattern is not an origin
		{"capacitor://localhost:8080", false},                           // exact only
		{"capacitor://Localhost", false},                                // exact only
		{"capacitor://app.localhost", false},                            // exact only
		{"null", false},                                                 //
		{"", false},                                                     //
		{"https://a.example.org, https://b.example.org", false},         // comma list
		{"https://" + strings.Repeat("a.", 200) + "example.org", false}, // too long
	} {
		if got := set.Match(tc.origin); got != tc.want {
			t.Errorf("Match(%q) = %v, want %v", tc.origin, got, tc.want)
		}
	}
	var zero *Set
	if zero.Match("https://app.example.com") || new(Set).Match("https://app.example.com") {
		t.Error("the zero Set matched an origin")
	}
}

// An Origin header no conforming browser sends never matches, even where
// a pattern would cover the origin it resembles: "http://[::1]:" was
// matched by Dev's "http://[::1]:*" and echoed back.
func TestMatchRefusesOriginsBrowsersCannotSend(t *testing.T) {
	t.Parallel()
	set := mustSet(t, "http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*", "https://*.example.com:*")
	for _, o := range []string{
		"http://[::1]:", "http://localhost:", "http://127.0.0.1:", "https://a.example.com:",
		"http://[::1]:0080", "http://[::1]:80", "http://[::1]:65536", "http://[::1]:+1", "http://[::1]: 1",
		"http://[0:0:0:0:0:0:0:1]:3000", "http://[::0001]", "http://[::1]]", "http://[::1]x:3000",
		"http://127.1:3000", "http://0x7f.0.0.1", "http://127.0.0.1.:3000", "http://2130706433",
		"http://localhost.:3000", "https://a.example.com.:8443", "https://a.example.com:443",
		// Labels that are not punycode for any name (browsers before the
		// URL Standard's 2026 ASCII fallback refuse them).
		"https://xn--f.example.com", "https://xn--.example.com", "https://xn--abc-.example.com", "https://xn---.example.com",
		"https://a.xn--zz99999999.example.com", "https://-xn--a.xn--f.example.com",
	} {
		if set.Match(o) {
			t.Errorf("Match(%q) = true, want false: browsers never send it", o)
		}
		if browserOrigin(o) == o {
			t.Errorf("reference: browserOrigin(%q) accepts it as canonical", o)
		}
	}
}

func TestMatchAllocatesNothing(t *testing.T) {
	set := mustSet(t, "https://app.example.com", "https://*.example.org", "http://localhost:*", "http://[::1]:*")
	for _, o := range []string{"https://app.example.com", "https://a.b.example.org", "http://localhost:3000",
		"https://evil.test", "http://[::1]:", "https://xn--bcher-kva.example.org"} {
		if n := testing.AllocsPerRun(100, func() { set.Match(o) }); n != 0 {
			t.Errorf("Match(%q) allocates %v times, want 0", o, n)
		}
	}
}

// browserOrigin is a naive reference: origin if it is exactly what a
// browser serializes for an http(s) page whose host is a DNS name (labels
// of letters, digits, '-' and '_'), an IPv4 or an IPv6 address, else "".
// It shares no code with Set.Match's scanner: net/url splits, netip and a
// brute-force serializer check addresses.
func browserOrigin(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Scheme+"://"+u.Host != origin || u.User != nil {
		return ""
	}
	host, port := u.Hostname(), u.Port()
	if strings.HasSuffix(u.Host, ":") {
		return "" // an empty port
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || strconv.Itoa(n) != port || n < 1 || n > 65535 ||
			(u.Scheme == "http" && n == 80) || (u.Scheme == "https" && n == 443) {
			return ""
		}
	}
	if strings.HasPrefix(u.Host, "[") {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" || naiveIPv6(a) != host {
			return ""
		}
		return origin
	}
	labels := strings.Split(host, ".")
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == "" {
		if a, err := netip.ParseAddr(host); err != nil || !a.Is4() || a.String() != host {
			return ""
		}
		return origin
	}
	for _, l := range labels {
		if l == "" || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" || !naivePunycode(l) {
			return ""
		}
	}
	return origin
}

// naivePunycode: an xn-- label must decode (x/net/idna's RFC 3492 decoder)
// to a name with a non-ASCII character.
func naivePunycode(label string) bool {
	if !strings.HasPrefix(label, "xn--") {
		return true
	}
	u, err := idna.Punycode.ToUnicode(label)
	return err == nil && strings.IndexFunc(u, func(r rune) bool { return r >= 0x80 }) >= 0
}

// naiveIPv6 serializes an address the URL Standard's way by trying every
// zero run.
func naiveIPv6(a netip.Addr) string {
	b := a.As16()
	var p []string
	for i := 0; i < 16; i += 2 {
		p = append(p, fmt.Sprintf("%x", uint16(b[i])<<8|uint16(b[i+1])))
	}
	best := strings.Join(p, ":")
	bestRun := 1
	for i := range 8 {
		for j := i + 2; j <= 8; j++ {
			if j-i <= bestRun || slices.ContainsFunc(p[i:j], func(s string) bool { return s != "0" }) {
				continue
			}
			best, bestRun = strings.Join(p[:i], ":")+"::"+strings.Join(p[j:], ":"), j-i
		}
	}
	return best
}

// referenceMatch is a deliberately naive matcher: the origin must be one a
// browser sends (browserOrigin), then its parts are compared with the rule.
func referenceMatch(r Rule, origin string) bool {
	if !r.IsHTTP() {
		return origin == r.String()
	}
	if browserOrigin(origin) != origin {
		return false
	}
	u, _ := url.Parse(origin)
	host := u.Host
	port := ""
	if i := strings.LastIndex(u.Host, ":"); i > strings.LastIndex(u.Host, "]") {
		host, port = u.Host[:i], u.Host[i+1:]
	}
	if u.Scheme != r.Scheme || (r.Port != "*" && port != r.Port) {
		return false
	}
	if !r.Wildcard {
		return host == r.Host
	}
	sub, ok := strings.CutSuffix(host, "."+r.Host)
	return ok && sub != "" && !strings.HasPrefix(host, "[")
}

// BenchmarkOriginLookup: the allow-list decision alone, for 1, 20 and 200
// exact origins plus the same three patterns, and a request origin that is
// listed exactly, matched by a pattern, or unlisted. Lookups must not
// depend on the number of origins.
func BenchmarkOriginLookup(b *testing.B) {
	patterns := []string{"https://*.example.com", "http://localhost:*", "https://*.preview.example.dev:8443"}
	for _, n := range []int{1, 20, 200} {
		origins := slices.Clone(patterns)
		for i := range n {
			origins = append(origins, fmt.Sprintf("https://front-%03d.example.net", i))
		}
		set := mustSet(b, origins...)
		for _, tc := range []struct {
			name, origin string
			allow        bool
		}{
			{"exact", origins[len(origins)-1], true},
			{"pattern", "https://a.b.example.com", true},
			{"unlisted", "https://evil.example.org", false},
		} {
			b.Run(fmt.Sprintf("request=%s/exact=%d", tc.name, n), func(b *testing.B) {
				if ok := set.Match(tc.origin); ok != tc.allow {
					b.Fatalf("Match(%q) = %v", tc.origin, ok)
				}
				b.ReportAllocs()
				for b.Loop() {
					set.Match(tc.origin)
				}
			})
		}
	}
}

// TestCanonical agrees with Parse: a value is canonical exactly when Parse
// accepts it as one origin and prints it back unchanged.
func TestCanonical(t *testing.T) {
	for _, o := range []string{
		"https://app.example.com", "http://localhost:3000", "https://tenant-a.example.net", "http://127.0.0.1:8080",
		"http://[::1]:3000", "capacitor://localhost", "https://xn--bcher-kva.example", "https://a_b.example.com",
		"https://App.example.com", "https://app.example.com/", "https://app.example.com:443", "http://127.1",
		"http://1", "http://[::1]:", "https://app.example.com.", "null", "https://-a.example.com", "https://a-.example.com",
		"https://xn--f.example.com", "http://0x7f.0.0.1", "https://*.example.com", "http://localhost:*", "https://a..b",
		"https://app.example.com:0443", "https://app.example.com:65536", "https://app.example.com\t", "",
		"http://foo.255", "http://[0:0:0:0:0:0:0:1]", "http://xn--a",
	} {
		r, err := Parse(o)
		want := err == nil && r.Exact() && r.String() == o
		if got := Canonical(o); got != want {
			t.Errorf("Canonical(%q) = %v, Parse says %v (%v)", o, got, want, err)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Canonical("https://tenant-a.example.net") }); n != 0 {
		t.Errorf("Canonical of a DNS name allocates %v times", n)
	}
}
