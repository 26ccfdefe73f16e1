package origin

import "testing"

func TestSite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://app.example.com", "https://example.com"},
		{"https://app.example.com:8443", "https://example.com"},
		{"http://app.example.com", "http://example.com"},
		{"https://a.b.example.co.uk", "https://example.co.uk"},
		{"https://myapp.vercel.app", "https://myapp.vercel.app"},
		{"https://vercel.app", "https://vercel.app"},
		{"http://localhost:3000", "http://localhost"},
		{"http://app.localhost:3000", "http://app.localhost"},
		{"http://127.0.0.1:3000", "http://127.0.0.1"},
		{"http://[::1]:3000", "http://[::1]"},
		{"https://www.example.com.", "https://example.com."},
		{"https://example.com.", "https://example.com."},
		{"capacitor://localhost", "capacitor://localhost"},
		{"chrome-extension://abcdefghijklmnopabcdefghijklmnop", "chrome-extension://abcdefghijklmnopabcdefghijklmnop"},
		{"foo://a.b.example.com", "foo://a.b.example.com"},
		{"null", "null"},
	} {
		if got := Site(tc.in); got != tc.want {
			t.Errorf("Site(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsLoopbackHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"localhost", true}, {"app.localhost", true}, {"127.0.0.1", true}, {"127.255.0.9", true}, {"[::1]", true},
		{"localhost.example.com", false}, {"notlocalhost", false}, {"128.0.0.1", false}, {"[::2]", false}, {"", false},
	} {
		if got := IsLoopbackHost(tc.host); got != tc.want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestSplitHostPort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, host, port string }{
		{"example.com", "example.com", ""},
		{"example.com:8080", "example.com", "8080"},
		{"example.com:", "example.com", ""},
		{"[::1]", "[::1]", ""},
		{"[::1]:3000", "[::1]", "3000"},
		{"[::1]:", "[::1]", ""},
	} {
		if h, p := SplitHostPort(tc.in); h != tc.host || p != tc.port {
			t.Errorf("SplitHostPort(%q) = %q, %q; want %q, %q", tc.in, h, p, tc.host, tc.port)
		}
	}
}
