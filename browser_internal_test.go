package crosssession

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// TestBrowserViewBehindProxies: the scheme and host the browser used, from
// TLS, Forwarded (RFC 7239, first element), X-Forwarded-* (first entry),
// read only from trusted peers when Config.TrustedProxies is set.
func TestBrowserViewBehindProxies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		tls     bool
		remote  string
		trusted []string
		hdr     []string
		scheme  string
		host    string
	}{
		{"plain", false, "", nil, nil, "http", "internal:8080"},
		{"TLS", true, "", nil, nil, "https", "internal:8080"},
		{"X-Forwarded-Proto chain, client's hop first", false, "", nil, []string{"X-Forwarded-Proto", "https,http"}, "https", "internal:8080"},
		{"X-Forwarded-Proto with spaces and case", false, "", nil, []string{"X-Forwarded-Proto", " HTTPS , http"}, "https", "internal:8080"},
		{"X-Forwarded-Host", false, "", nil, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.com, internal"}, "https", "api.example.com"},
		{"X-Forwarded-Ssl", false, "", nil, []string{"X-Forwarded-Ssl", "on"}, "https", "internal:8080"},
		{"Forwarded", false, "", nil, []string{"Forwarded", "proto=https;host=api.example.com"}, "https", "api.example.com"},
		{"Forwarded, first element", false, "", nil, []string{"Forwarded", `for=192.0.2.1;proto=https;host="api.example.com:8443", for=10.0.0.1;proto=http;host=internal`}, "https", "api.example.com:8443"},
		{"Forwarded wins over X-Forwarded", false, "", nil, []string{"Forwarded", "proto=https", "X-Forwarded-Proto", "http"}, "https", "internal:8080"},
		{"Forwarded without proto or host", false, "", nil, []string{"Forwarded", "for=192.0.2.1", "X-Forwarded-Proto", "https"}, "https", "internal:8080"},
		{"garbage proto ignored", false, "", nil, []string{"X-Forwarded-Proto", "gopher"}, "http", "internal:8080"},
		{"trusted peer", false, "10.1.2.3:5555", []string{"10.0.0.0/8"}, []string{"X-Forwarded-Proto", "https"}, "https", "internal:8080"},
		{"trusted single address", false, "[::1]:5555", []string{"::1"}, []string{"X-Forwarded-Proto", "https"}, "https", "internal:8080"},
		{"untrusted peer", false, "192.0.2.9:5555", []string{"10.0.0.0/8"}, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil"}, "http", "internal:8080"},
		{"trust none", false, "10.1.2.3:5555", []string{}, []string{"Forwarded", "proto=https"}, "http", "internal:8080"},
	} {
		var errs []string
		m := &middleware{trusted: parseTrustedProxies(tc.trusted, func(f string, a ...any) { errs = append(errs, f) })}
		r := httptest.NewRequest("GET", "http://internal:8080/", nil)
		if tc.remote != "" {
			r.RemoteAddr = tc.remote
		}
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		for i := 0; i+1 < len(tc.hdr); i += 2 {
			r.Header.Add(tc.hdr[i], tc.hdr[i+1])
		}
		if s, h := m.browserView(r); s != tc.scheme || h != tc.host || len(errs) > 0 {
			t.Errorf("%s: %s://%s (errors %v), want %s://%s", tc.name, s, h, errs, tc.scheme, tc.host)
		}
	}
	var errs []string
	parseTrustedProxies([]string{"10.0.0.0/8", "nope", "1.2.3.4/99"}, func(f string, a ...any) { errs = append(errs, f) })
	if len(errs) != 2 {
		t.Errorf("bad TrustedProxies: %d errors, want 2", len(errs))
	}
	if p := parseTrustedProxies([]string{"::ffff:10.0.0.1"}, nil); p[0] != netip.MustParsePrefix("10.0.0.1/32") {
		t.Errorf("mapped address: %v", p)
	}
}

func TestEngineFromUA(t *testing.T) {
	t.Parallel()
	for ua, want := range map[string]engine{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36":                     engineChromium,
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36":             engineChromium,
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0": engineChromium,
		"Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0":                                                    engineFirefox,
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15":        engineWebKit,
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15":                     engineWebKit,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/140.0 Mobile/15E148": engineWebKit,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/140.0 Mobile/15E148": engineWebKit,
		"curl/8.5.0": engineUnknown,
		"":           engineUnknown,
	} {
		if got := engineFromUA(ua); got != want {
			t.Errorf("engineFromUA(%q) = %d, want %d", ua, got, want)
		}
	}
}

// TestCookieVerdictFollowsMeasurements: each row is a cell of the measured
// tables in BROWSER-RULES.md (Chromium 156, Firefox 153, WebKitGTK 2.50): a
// reason exactly where that engine refuses the cookie, none where it keeps it.
func TestCookieVerdictFollowsMeasurements(t *testing.T) {
	t.Parallel()
	dev := cookieFacts{name: "session", sameSite: http.SameSiteLaxMode, scheme: "http", host: "localhost:3001", origin: "http://localhost:3000"}
	prod := cookieFacts{name: "__Host-session", secure: true, partitioned: true, sameSite: http.SameSiteNoneMode,
		scheme: "https", host: "api.example.com", origin: "https://app.example.com"}
	with := func(f cookieFacts, edit func(*cookieFacts)) cookieFacts { edit(&f); return f }
	all := []engine{engineChromium, engineFirefox, engineWebKit, engineUnknown}
	for _, tc := range []struct {
		name  string
		facts cookieFacts
		want  map[engine]string // engine -> code; missing means none
	}{
		{"Dev same-site localhost (row a, Lax)", dev, nil},
		{"Dev on plain-http hostnames (row e, Lax)", with(dev, func(f *cookieFacts) { f.host, f.origin = "api.example.com", "http://app.example.com" }), nil},
		{"Secure over plain http, not localhost (row e)", with(prod, func(f *cookieFacts) { f.scheme, f.partitioned = "http", false }),
			map[engine]string{engineChromium: rCookieSecureHTTP.code, engineFirefox: rCookieSecureHTTP.code, engineWebKit: rCookieSecureHTTP.code, engineUnknown: rCookieSecureHTTP.code}},
		{"__Host- on http://localhost (rows f, g)", with(prod, func(f *cookieFacts) { f.scheme, f.host, f.origin = "http", "localhost:3001", "http://localhost:3000" }),
			map[engine]string{engineWebKit: rCookieSecureLocalhost.code}},
		{"cross-site on http://localhost, partitioned (row b)", with(prod, func(f *cookieFacts) {
			f.scheme, f.host, f.origin, f.crossSite = "http", "localhost:3001", "http://127.0.0.1:3000", true
		}), map[engine]string{engineWebKit: "cookie-third-party"}},
		{"Lax cross-site fetch (rows b, d)", with(dev, func(f *cookieFacts) { f.origin, f.crossSite = "http://127.0.0.1:3000", true }),
			map[engine]string{engineChromium: rCookieCrossSite.code, engineFirefox: rCookieCrossSite.code, engineWebKit: rCookieCrossSite.code, engineUnknown: rCookieCrossSite.code}},
		{"Lax on a cross-site navigation: first-party", with(dev, func(f *cookieFacts) { f.crossSite, f.navigation = true, true }), nil},
		{"a navigation that redirects to a cross-site front end", with(prod, func(f *cookieFacts) {
			f.crossSite, f.navigation, f.redirectTo = true, true, "https://myapp.vercel.app"
		}), map[engine]string{engineChromium: "cookie-set-on-navigation", engineFirefox: "cookie-set-on-navigation",
			engineWebKit: "cookie-set-on-navigation", engineUnknown: "cookie-set-on-navigation"}},
		{"Lax cross-site over plain http off localhost: https is the fix", with(dev, func(f *cookieFacts) {
			f.host, f.origin, f.crossSite = "api.example.com", "http://myapp.example.org", true
		}), map[engine]string{engineChromium: "cookie-samesite-cross-site", engineFirefox: "cookie-samesite-cross-site",
			engineWebKit: "cookie-samesite-cross-site", engineUnknown: "cookie-samesite-cross-site"}},
		{"Prod same-site (row c)", prod, nil},
		{"Prod cross-site partitioned (row d)", with(prod, func(f *cookieFacts) { f.origin, f.crossSite = "https://myapp.vercel.app", true }),
			map[engine]string{engineWebKit: "cookie-third-party"}},
		{"None; Secure cross-site, not partitioned (row d)", with(prod, func(f *cookieFacts) { f.origin, f.crossSite, f.partitioned = "https://myapp.vercel.app", true, false }),
			map[engine]string{engineChromium: "cookie-third-party", engineWebKit: "cookie-third-party", engineUnknown: "cookie-third-party"}},
	} {
		for _, e := range all {
			f := tc.facts
			f.engine = e
			r, args := cookieVerdict(f)
			msg := r.text(args...)
			if r.code != tc.want[e] {
				t.Errorf("%s, engine %d: %q (%s), want %q", tc.name, e, r.code, msg, tc.want[e])
			}
			if r.code != "" && (!strings.Contains(msg, f.name) || strings.Contains(msg, "%!")) {
				t.Errorf("%s: message does not name the cookie: %s", tc.name, msg)
			}
		}
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

// FuzzForwardingHeaders: any Forwarded and X-Forwarded-* values give a
// scheme of http or https and never panic.
func FuzzForwardingHeaders(f *testing.F) {
	f.Add(`for=192.0.2.1;proto=https;host="api.example.com:8443", for=10.0.0.1`, "https,http", "api.example.com", "on")
	f.Add(`"`, ",", "", "")
	f.Fuzz(func(t *testing.T, fwd, proto, host, ssl string) {
		r := httptest.NewRequest("GET", "http://internal/", nil)
		r.Header["Forwarded"] = []string{fwd}
		r.Header["X-Forwarded-Proto"] = []string{proto}
		r.Header["X-Forwarded-Host"] = []string{host}
		r.Header["X-Forwarded-Ssl"] = []string{ssl}
		if s, _ := (&middleware{}).browserView(r); s != "http" && s != "https" {
			t.Fatalf("scheme %q", s)
		}
	})
}

// FuzzPrivateCache: whatever Cache-Control a handler sets, a response with
// the session cookie starts with private and allows no shared cache.
func FuzzPrivateCache(f *testing.F) {
	f.Add(`public, max-age=300`)
	f.Add(`max-age=600, community="x`)
	f.Add(`private="Set-Cookie", s-maxage=5, public`)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"Cache-Control": {v}, "Surrogate-Control": {"max-age=1"}}
		privateCache(h)
		got := h.Get("Cache-Control")
		if !strings.HasPrefix(got, "private") || h.Get("Surrogate-Control") != "" {
			t.Fatalf("%q -> %q", v, got)
		}
		for _, d := range splitDirectives(got) {
			name, _, _ := strings.Cut(d, "=")
			if n := strings.ToLower(strings.TrimSpace(name)); n == "public" || n == "s-maxage" {
				t.Fatalf("%q -> %q keeps %s", v, got, n)
			}
		}
	})
}

// FuzzSameOrigin: sameOrigin, which skips working out the scheme when the
// host already differs, agrees with comparing the Origin against the whole
// browserView, for any forwarding headers (present or not), trusted peer
// or not.
func FuzzSameOrigin(f *testing.F) {
	f.Add("https://api.example.com", "api.example.com", `proto=https;host=api.example.com`, "", "", true)
	f.Add("https://evil.example.org", "api.example.com", "", "https", "evil.example.org", true)
	f.Add("http://x", "x", "", "", "", false)
	f.Fuzz(func(t *testing.T, origin, host, fwd, proto, xhost string, trusted bool) {
		r := httptest.NewRequest("GET", "http://internal/", nil)
		r.Host = host
		r.RemoteAddr = "192.0.2.7:1234"
		for k, v := range map[string]string{"Forwarded": fwd, "X-Forwarded-Proto": proto, "X-Forwarded-Host": xhost} {
			if v != "" {
				r.Header[k] = []string{v}
			}
		}
		m := &middleware{}
		if !trusted {
			m.trusted = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		}
		want := false
		if scheme, h, ok := strings.Cut(origin, "://"); ok {
			vs, vh := m.browserView(r)
			want = h == vh && scheme == vs
		}
		if got := m.sameOrigin(r, origin); got != want {
			t.Fatalf("sameOrigin(%q) = %v, browserView says %v", origin, got, want)
		}
	})
}
