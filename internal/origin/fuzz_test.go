package origin

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; an accepted value is canonical (String
// gives it back) and is one a browser sends; a refusal is an *Error whose
// suggestion Parse accepts.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"https://app.example.com", "https://*.example.com:*", "http://[::1]:", "http://127.1:3999", "http://xn--f",
		"http://example.com.:3999", "capacitor://localhost", `^(https?://)?(app|staging)?\.?localhost(:[0-9]+)?$`,
		"https://*-myteam.vercel.app", "http://[::ffff:127.0.0.1]", "https://bücher.example", "blob:https://a.example/x",
		"moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc", "http://%41pp.example", "HTTP://LOCALHOST:03000/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Value != s || e.Reason == "" {
				t.Fatalf("Parse(%q) error %#v is not a complete *Error", s, err)
			}
			if e.Suggestion != "" {
				if e.Suggestion == s {
					t.Fatalf("Parse(%q) suggests the value itself", s)
				}
				if _, err := Parse(e.Suggestion); err != nil {
					t.Fatalf("Parse(%q) suggests %q, which Parse refuses: %v", s, e.Suggestion, err)
				}
			}
			return
		}
		if got := r.String(); got != s {
			t.Fatalf("Parse(%q).String() = %q", s, got)
		}
		if Suggest(s) != s {
			t.Fatalf("Suggest(%q) = %q for a valid value", s, Suggest(s))
		}
		if r.IsHTTP() && r.Exact() && browserOrigin(s) != s {
			t.Fatalf("Parse accepted %q, which the reference says no browser sends", s)
		}
		if r.IsHTTP() && r.Exact() && !strings.HasPrefix(r.Host, "[") {
			if h, ok := browserHost(r.Host); !ok || h != r.Host {
				t.Fatalf("Parse accepted host %q, which browsers serialize as %q (ok %v)", r.Host, h, ok)
			}
		}
	})
}

// FuzzMatch: the compiled matcher agrees with referenceMatch, which parses
// the Origin with the strict rules of a browser's serialization.
func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"https://*.example.com", "https://a.example.com"},
		{"https://*.example.com:*", "https://a.b.example.com:8443"},
		{"http://localhost:*", "http://localhost:3000"},
		{"http://[::1]:*", "http://[::1]:80"},
		{"http://[::1]:*", "http://[::1]:"},
		{"http://*.localhost:*", "http://app.localhost:5173"},
		{"https://app.example.com", "https://app.example.com.evil.com"},
		{"https://app.example.com", "https://app.example.com:443"},
		{"https://*.example.com", "https://a..example.com"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://127.0.0.1:*", "http://127.1:8080"},
		{"capacitor://localhost", "capacitor://localhost"},
		{"https://*.example.com", "https://xn--bcher-kva.example.com"},
		{"https://*.example.com", "https://xn--f.example.com"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, origin string) {
		r, err := Parse(pattern)
		if err != nil {
			return
		}
		set := NewSet([]Rule{r})
		got, want := set.Match(origin), referenceMatch(r, origin)
		if got != want {
			t.Fatalf("pattern %q, origin %q: Match = %v, reference = %v", pattern, origin, got, want)
		}
	})
}

// FuzzBrowserHost: the host parser never panics, and what it returns is a
// fixed point, as the URL Standard's host serialization is.
func FuzzBrowserHost(f *testing.F) {
	for _, s := range []string{"127.1", "0x7f.0.0.1", "[::ffff:1.2.3.4]", "Bücher.example", "a..b", "xn--f", "1.2.3.4.5",
		"%41.example", "０x7f.1", "example.com.", "[0:0::1]", "0x", "09.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		h, ok := browserHost(in)
		if !ok {
			return
		}
		if h2, ok2 := browserHost(h); !ok2 || h2 != h {
			t.Fatalf("browserHost(%q) = %q, but browserHost(%q) = %q, %v", in, h, h, h2, ok2)
		}
	})
}

// FuzzPunycode: the allocation-free check Match runs agrees with x/net's
// RFC 3492 decoder.
func FuzzPunycode(f *testing.F) {
	for _, s := range []string{"bcher-kva", "ls8h", "f", "", "abc-", "-", "zz99999999", "8i7caa", "a-ecp", "99999999999a",
		"-a", "a--b", "wgv71a119e", "mgbh0fb", "--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rest string) {
		label := "xn--" + strings.ToLower(rest)
		if strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return
		}
		if got, want := decodesAsPunycode(label), naivePunycode(label); got != want {
			t.Fatalf("decodesAsPunycode(%q) = %v, x/net/idna says %v", label, got, want)
		}
	})
}

// FuzzCanonical: Canonical agrees with Parse on every input.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"https://app.example.com", "http://127.1", "http://[::1]:3000", "capacitor://localhost",
		"https://xn--bcher-kva.example", "http://foo.255", "https://-a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, o string) {
		r, err := Parse(o)
		want := err == nil && r.Exact() && r.String() == o
		if got := Canonical(o); got != want {
			t.Fatalf("Canonical(%q) = %v, Parse: %v (%v)", o, got, want, err)
		}
	})
}
