package crosssession

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestParseOriginAccepts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want originRule
	}{
		{"https://app.example.com", originRule{scheme: "https", host: "app.example.com"}},
		{"http://localhost:3000", originRule{scheme: "http", host: "localhost", port: "3000"}},
		{"http://localhost:*", originRule{scheme: "http", host: "localhost", port: "*"}},
		{"https://*.example.com", originRule{scheme: "https", host: "example.com", wildcard: true}},
		{"https://*.example.com:*", originRule{scheme: "https", host: "example.com", wildcard: true, port: "*"}},
		{"https://*.example.com:8443", originRule{scheme: "https", host: "example.com", wildcard: true, port: "8443"}},
		{"http://127.0.0.1:8080", originRule{scheme: "http", host: "127.0.0.1", port: "8080"}},
		{"http://[::1]:*", originRule{scheme: "http", host: "[::1]", port: "*"}},
		{"https://xn--bcher-kva.example", originRule{scheme: "https", host: "xn--bcher-kva.example"}},
		{"https://myapp.vercel.app", originRule{scheme: "https", host: "myapp.vercel.app"}},
		{"https://*.myapp.github.io", originRule{scheme: "https", host: "myapp.github.io", wildcard: true}},
	} {
		got, err := parseOrigin(tc.in, true)
		if err != nil {
			t.Errorf("parseOrigin(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("parseOrigin(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("parseOrigin(%q).String() = %q, want the input back", tc.in, got.String())
		}
	}
}

func TestParseOriginRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string // want: substring of the error
	}{
		{"*", "allows every site"},
		{"null", "never allowed"},
		{"app.example.com", `did you mean "https://app.example.com"`},
		{"localhost:3000", `did you mean "http://localhost:3000"`},
		{"https://app.example.com/", `ends with a slash; browsers send origins without one; did you mean "https://app.example.com"`},
		{"https://app.example.com/api", `has a path`},
		{"https://app.example.com?x=1", `has a path, query or fragment`},
		{"https://user@app.example.com", `did you mean "https://app.example.com"`},
		{" https://app.example.com", `contains whitespace; did you mean "https://app.example.com"`},
		{"https://App.Example.com", `uppercase letters; browsers send origins in lowercase; did you mean "https://app.example.com"`},
		{"https://app.example.com:443", `default port 443, which browsers leave out of the origin; did you mean "https://app.example.com"`},
		{"http://localhost:80", `default port 80`},
		{"http://localhost:0", `has port "0"`},
		{"http://localhost:65536", `has port "65536"`},
		{"http://localhost:03000", `has port "03000"`},
		{"http://localhost:", `has port ""`},
		{"https://app.*.example.com", "not the leftmost label"},
		{"https://*example.com", `part of a label; a wildcard stands for whole labels, as in "*.example.com"; did you mean "https://*.example.com"`},
		{"https://*.*.example.com", "more than one wildcard"},
		{"https://*.com", `public suffix "com"`},
		{"https://*.github.io", `public suffix "github.io"`},
		{"https://*.vercel.app", `public suffix "vercel.app"`},
		{"https://*.co.uk", `public suffix "co.uk"`},
		{"https://*.localhost", `public suffix "localhost"`},
		{"https://*.127.0.0.1", "wildcard before an IP address"},
		{"https://app.example.com.", `ends with a dot; browsers send the host without it; did you mean "https://app.example.com"`},
		{"https://a..example.com", "empty label"},
		{"https://app.example.com,https://b.example.com", "comma-separated"},
		{"ftp://app.example.com", `scheme "ftp"`},
		{"https://bücher.example", `non-ASCII characters; browsers send the punycode (xn--) form; did you mean "https://xn--bcher-kva.example"`},
		{"https://app_example!.com", `character '!'`},
		{"http://[::0001]:3000", "write the address as [::1]"},
		{"http://[fe80::1%25eth0]", "malformed IPv6"},
		{"https://", "has no host"},
		{"", "is empty"},
	} {
		_, err := parseOrigin(tc.in, false)
		if err == nil {
			t.Errorf("parseOrigin(%q) succeeded, want an error containing %q", tc.in, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "crosssession: origin ") {
			t.Errorf("parseOrigin(%q) error:\n  %v\nwant it to contain:\n  %s", tc.in, err, tc.want)
		}
	}
}

func TestParseOriginProductionHTTP(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:*", "http://app.localhost"} {
		if _, err := parseOrigin(ok, true); err != nil {
			t.Errorf("Production parseOrigin(%q): %v", ok, err)
		}
	}
	_, err := parseOrigin("http://app.example.com", true)
	if err == nil || !strings.Contains(err.Error(), `did you mean "https://app.example.com"`) {
		t.Errorf("Production parseOrigin(http://app.example.com) = %v, want a plain-http error suggesting https", err)
	}
}

func TestOriginSetMatch(t *testing.T) {
	t.Parallel()
	set := mustSet(t, "https://app.example.com", "https://*.example.org", "http://localhost:*", "https://*.corp.example:8443",
		"http://[::1]:*", "http://127.0.0.1:5173")
	for _, tc := range []struct {
		origin string
		want   bool
	}{
		{"https://app.example.com", true},
		{"https://a.example.org", true},
		{"https://a.b.example.org", true},
		{"https://x_y.example.org", true},
		{"http://localhost", true},
		{"http://localhost:3000", true},
		{"https://x.corp.example:8443", true},
		{"http://[::1]:3000", true},
		{"http://127.0.0.1:5173", true},

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
		{"http://localhost:03000", false},                               // leading zero
		{"http://localhost:65536", false},                               // port range
		{"http://localhost:80", false},                                  // default port
		{"http://localhost.", false},                                    // trailing dot
		{"http://127.0.0.1:5174", false},                                // other port
		{"http://127.0.0.1", false},                                     // no port
		{"null", false},                                                 //
		{"", false},                                                     //
		{"https://a.example.org, https://b.example.org", false},         // comma list
		{"https://" + strings.Repeat("a.", 200) + "example.org", false}, // too long
	} {
		if got := set.match(tc.origin); got != tc.want {
			t.Errorf("match(%q) = %v, want %v", tc.origin, got, tc.want)
		}
	}
}

func TestOriginMatchAllocatesNothing(t *testing.T) {
	set := mustSet(t, "https://app.example.com", "https://*.example.org", "http://localhost:*")
	for _, o := range []string{"https://app.example.com", "https://a.b.example.org", "http://localhost:3000", "https://evil.test"} {
		if n := testing.AllocsPerRun(100, func() { set.match(o) }); n != 0 {
			t.Errorf("match(%q) allocates %v times, want 0", o, n)
		}
	}
}

func mustSet(t testing.TB, origins ...string) *originSet {
	t.Helper()
	var rules []originRule
	for _, o := range origins {
		r, err := parseOrigin(o, false)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, r)
	}
	return compileOrigins(rules)
}

// referenceMatch is a deliberately naive matcher built on net/url, used to
// check the compiled one: the Origin must re-serialize to itself, then its
// parts are compared with the rule.
func referenceMatch(r originRule, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme+"://"+u.Host != origin || u.User != nil || u.Opaque != "" {
		return false
	}
	host, port := u.Hostname(), u.Port()
	if strings.Contains(u.Host, ":") && port == "" && !strings.HasSuffix(u.Host, "]") {
		return false // "host:" with an empty port
	}
	if strings.HasPrefix(u.Host, "[") {
		host = "[" + host + "]"
	}
	if port != "" {
		if _, err := parseOriginStrict(u.Scheme + "://localhost:" + port); err != nil {
			return false // not a canonical port
		}
	}
	if u.Scheme != r.scheme {
		return false
	}
	if r.port != "*" && port != r.port {
		return false
	}
	if !r.wildcard {
		return host == r.host
	}
	sub, ok := strings.CutSuffix(host, "."+r.host)
	if !ok || sub == "" {
		return false
	}
	for _, l := range strings.Split(sub, ".") {
		if l == "" || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return false
		}
	}
	return true
}

func FuzzOriginMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"https://*.example.com", "https://a.example.com"},
		{"https://*.example.com:*", "https://a.b.example.com:8443"},
		{"http://localhost:*", "http://localhost:3000"},
		{"http://[::1]:*", "http://[::1]:80"},
		{"https://app.example.com", "https://app.example.com.evil.com"},
		{"https://app.example.com", "https://app.example.com:443"},
		{"https://*.example.com", "https://a..example.com"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, origin string) {
		r, err := parseOrigin(pattern, false) // must never panic
		if err != nil {
			return
		}
		if got := r.String(); got != pattern {
			t.Fatalf("parseOrigin(%q).String() = %q", pattern, got)
		}
		set := compileOrigins([]originRule{r})
		got, want := set.match(origin), referenceMatch(r, origin)
		if got != want {
			t.Fatalf("pattern %q, origin %q: match = %v, reference = %v", pattern, origin, got, want)
		}
		if got {
			// An accepted Origin is itself a valid exact origin.
			if _, err := parseOriginStrict(origin); err != nil {
				t.Fatalf("pattern %q accepted origin %q, which is not canonical: %v", pattern, origin, err)
			}
		}
	})
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
		m, err := compileMiddleware(Prod(bytes.Repeat([]byte{1}, 32), origins...))
		if err != nil {
			b.Fatal(err)
		}
		for _, tc := range []struct {
			name, origin string
			allow        bool
		}{
			{"exact", origins[len(origins)-1], true},
			{"pattern", "https://a.b.example.com", true},
			{"unlisted", "https://evil.example.org", false},
		} {
			b.Run(fmt.Sprintf("request=%s/exact=%d", tc.name, n), func(b *testing.B) {
				if _, ok := m.origins.lookup(tc.origin); ok != tc.allow {
					b.Fatalf("lookup(%q) = %v", tc.origin, ok)
				}
				b.ReportAllocs()
				for b.Loop() {
					m.origins.lookup(tc.origin)
				}
			})
		}
	}
}
