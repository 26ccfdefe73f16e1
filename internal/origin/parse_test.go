package origin

import (
	"errors"
	"strings"
	"testing"
)

// refusal is a table row for a value Parse refuses: want is a substring of
// the error, fix the Suggestion ("" for none).
type refusal struct {
	in, want, fix string
}

func checkRefusals(t *testing.T, rows []refusal) {
	t.Helper()
	for _, tc := range rows {
		_, err := Parse(tc.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) = %v, want an *Error containing %q", tc.in, err, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || e.Value != tc.in {
			t.Errorf("Parse(%q) error:\n  %v\nwant it to contain:\n  %s", tc.in, err, tc.want)
		}
		if e.Suggestion != tc.fix {
			t.Errorf("Parse(%q) suggests %q, want %q", tc.in, e.Suggestion, tc.fix)
		}
	}
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Rule
	}{
		{"https://app.example.com", Rule{Scheme: "https", Host: "app.example.com"}},
		{"http://localhost:3000", Rule{Scheme: "http", Host: "localhost", Port: "3000"}},
		{"http://localhost:*", Rule{Scheme: "http", Host: "localhost", Port: "*"}},
		{"https://*.example.com", Rule{Scheme: "https", Host: "example.com", Wildcard: true}},
		{"https://*.example.com:*", Rule{Scheme: "https", Host: "example.com", Wildcard: true, Port: "*"}},
		{"https://*.example.com:8443", Rule{Scheme: "https", Host: "example.com", Wildcard: true, Port: "8443"}},
		{"http://127.0.0.1:8080", Rule{Scheme: "http", Host: "127.0.0.1", Port: "8080"}},
		{"http://[::1]:*", Rule{Scheme: "http", Host: "[::1]", Port: "*"}},
		{"http://[::ffff:7f00:1]", Rule{Scheme: "http", Host: "[::ffff:7f00:1]"}},
		{"http://[2001:db8::1:0:0:1]", Rule{Scheme: "http", Host: "[2001:db8::1:0:0:1]"}},
		{"http://[1:2:3:4:5:6:0:8]", Rule{Scheme: "http", Host: "[1:2:3:4:5:6:0:8]"}}, // one zero piece stays
		{"http://0.0.0.0:8080", Rule{Scheme: "http", Host: "0.0.0.0", Port: "8080"}},
		{"https://xn--bcher-kva.example", Rule{Scheme: "https", Host: "xn--bcher-kva.example"}},
		{"https://myapp.vercel.app", Rule{Scheme: "https", Host: "myapp.vercel.app"}},
		{"https://*.myapp.github.io", Rule{Scheme: "https", Host: "myapp.github.io", Wildcard: true}},
		{"https://my_app.example.com", Rule{Scheme: "https", Host: "my_app.example.com"}},
		{"https://a--b.example.com", Rule{Scheme: "https", Host: "a--b.example.com"}},
		{"https://0x.example.com", Rule{Scheme: "https", Host: "0x.example.com"}},
		{"https://app.example.com:65535", Rule{Scheme: "https", Host: "app.example.com", Port: "65535"}},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("Parse(%q).String() = %q, want the input back", tc.in, got.String())
		}
	}
}

// The classes refused before the move, with their messages.
func TestParseRefuses(t *testing.T) {
	t.Parallel()
	checkRefusals(t, []refusal{
		{"*", "allows every site", ""},
		{"null", "never allowed", ""},
		{"NULL", "never allowed", ""},
		{"", "is empty", ""},
		{"app.example.com", "has no scheme", "https://app.example.com"},
		{"localhost:3000", "has no scheme", "http://localhost:3000"},
		{"//app.example.com", "has no scheme", "https://app.example.com"},
		{"https://app.example.com/", "ends with a slash; browsers send origins without one", "https://app.example.com"},
		{"https://app.example.com/api", "has a path", "https://app.example.com"},
		{"https://app.example.com?x=1", "has a path, query or fragment", "https://app.example.com"},
		{"https://user@app.example.com", "has userinfo", "https://app.example.com"},
		{" https://app.example.com", "contains whitespace", "https://app.example.com"},
		{"https://App.Example.com", "uppercase letters; browsers send origins in lowercase", "https://app.example.com"},
		{"HTTPS://app.example.com", "uppercase letters", "https://app.example.com"},
		{"https://app.example.com:443", "default port 443, which browsers leave out of the origin", "https://app.example.com"},
		{"http://localhost:80", "default port 80", "http://localhost"},
		{"http://localhost:0", `has port "0", where no server can be reached`, ""},
		{"http://localhost:65536", `has port "65536", above 65535, so no browser can load a page there`, ""},
		{"http://localhost:+80", `has port "+80"`, ""},
		{"http://localhost:3000:3000", `has the character ':' in its host, which browsers refuse`, ""},
		{"https://app.*.example.com", "not the leftmost label", ""},
		{"https://*example.com", `part of a label; a wildcard stands for whole labels, as in "*.example.com"`, "https://*.example.com"},
		{"https://*.*.example.com", "more than one wildcard", ""},
		{"https://*.com", `public suffix "com"`, ""},
		{"https://*.github.io", `public suffix "github.io"`, ""},
		{"https://*.vercel.app", `public suffix "vercel.app"`, ""},
		{"https://*.co.uk", `public suffix "co.uk"`, ""},
		{"https://*.test", `public suffix "test"`, ""},
		{"https://*.127.0.0.1", "wildcard before an IP address", ""},
		{"https://*.[::1]", "wildcard before an IP address", ""},
		{"https://app.example.com,https://b.example.com", "comma-separated", ""},
		{"ftp://app.example.com", `scheme "ftp"; browsers no longer load ftp pages`, ""},
		{"https://bücher.example", "non-ASCII characters; browsers send the punycode (xn--) form", "https://xn--bcher-kva.example"},
		{"https://app_example!.com", `has the character '!' in its host`, ""},
		{"http://[fe80::1%25eth0]", "malformed IPv6", ""},
		{"http://[::1", "malformed IPv6", ""},
		{"https://", "has no host", ""},
		{"https://" + strings.Repeat("a", 64) + ".example.com", "label longer than 63", ""},
		{"https://" + strings.Repeat("a.", 127) + "com", "longer than 253", ""},
	})
}

// Origins no browser can send: where browsers rewrite the value the message
// says what they send and suggests it; where they refuse the host, or no
// page can be served there, it says so (URL Standard host parser).
func TestParseRefusesOriginsBrowsersCannotSend(t *testing.T) {
	t.Parallel()
	checkRefusals(t, []refusal{
		// Empty port: the URL parser drops the colon.
		{"http://[::1]:", `ends with ":" but no port; browsers send the origin without the colon`, "http://[::1]"},
		{"http://example.com:", `ends with ":" but no port`, "http://example.com"},
		{"http://localhost:", `ends with ":" but no port`, "http://localhost"},
		{"http://*.example.com:", `ends with ":" but no port`, "http://*.example.com"},
		// Ports are numbers: leading zeros go.
		{"http://localhost:03000", `has port "03000", which browsers send as 3000`, "http://localhost:3000"},
		{"https://app.example.com:0443", "default port 0443", "https://app.example.com"},
		// IPv4 shorthand, hexadecimal, octal and single-number forms.
		{"http://1:6060", "read as the IPv4 address 0.0.0.1 and send in that form", "http://0.0.0.1:6060"},
		{"http://127.1:3999", "IPv4 address 127.0.0.1", "http://127.0.0.1:3999"},
		{"http://127.0.1", "IPv4 address 127.0.0.1", "http://127.0.0.1"},
		{"http://0x7f.0.0.1", "IPv4 address 127.0.0.1", "http://127.0.0.1"},
		{"http://0X7F.0.0.1", "uppercase letters", "http://127.0.0.1"},
		{"http://0177.0.0.1", "IPv4 address 127.0.0.1", "http://127.0.0.1"},
		{"http://2130706433", "IPv4 address 127.0.0.1", "http://127.0.0.1"},
		{"http://0x7f000001:8080", "IPv4 address 127.0.0.1", "http://127.0.0.1:8080"},
		{"http://127.0.0.01", "IPv4 address 127.0.0.1", "http://127.0.0.1"},
		{"http://127.0.0.1.", "IPv4 address 127.0.0.1", "http://127.0.0.1"},
		{"http://192.168.0x1.1", "IPv4 address 192.168.1.1", "http://192.168.1.1"},
		// Hosts whose last label is a number but that are not IPv4
		// addresses: browsers refuse them.
		{"http://127.0.0.1.1", "more than four parts), so no browser can load a page there", ""},
		{"http://256.0.0.1", "(256 is above 255), so no browser can load a page there", ""},
		{"http://1.2.3.256", "(256 is too large)", ""},
		{"http://4294967296", "too large", ""},
		{"http://foo.bar.255:6060", `read as an IPv4 address because its last label is a number, and refuse ("foo" is not a number)`, ""},
		{"http://example.0x1", "refuse", ""},
		{"http://example.09", "refuse", ""},
		{"http://0x", "IPv4 address 0.0.0.0", "http://0.0.0.0"}, // "0x" is the number 0
		{"http://08.0.0.1", "refuse", ""},
		// IPv6: browsers compress zeros and never write dotted IPv4.
		{"http://[0:0:0:0:0:0:0:1]", "they write the address as [::1]", "http://[::1]"},
		{"http://[::0001]:3000", "they write the address as [::1]", "http://[::1]:3000"},
		{"http://[::ffff:127.0.0.1]", "they write the address as [::ffff:7f00:1]", "http://[::ffff:7f00:1]"},
		{"http://[::127.0.0.1]", "they write the address as [::7f00:1]", "http://[::7f00:1]"},
		{"http://[1:0:0:2:0:0:0:3]", "they write the address as [1:0:0:2::3]", "http://[1:0:0:2::3]"},
		{"http://[1:0:0:0:2:0:0:3]", "they write the address as [1::2:0:0:3]", "http://[1::2:0:0:3]"},
		// Percent-encoding in a host is decoded by browsers.
		{"http://%61pp.example.com", "percent-encoded characters in its host, which browsers decode", "http://app.example.com"},
		// Hosts browsers accept but no page can be served from.
		{"http://a..b", `has an empty label in host "a..b", which no DNS name has, so no browser can load a page there`, ""},
		{"https://.example.com", "empty label", ""},
		{"https://*..example.com", "empty label", ""},
		{"http://a..b.", "empty label", ""},          // not the trailing-dot message
		{"http://[::1]:3000:", "malformed IPv6", ""}, // the host is read before the port
		{"http://xn--f", `the label "xn--f", which is not valid punycode`, ""},
		{"http://xn--", "not valid punycode", ""},
		{"http://xn--a.example", "not valid punycode", ""},
		{"http://xn--8i7caa.example", "not valid punycode", ""}, // decodes to fullwidth "ｗｗｗ", which UTS 46 maps
		{"http://xn--abc-.example", "not valid punycode", ""},   // decodes to ASCII
		{"http://xn--a-ecp.example", "not valid punycode", ""},  // decodes to a disallowed character
		{"http://a<b.example", "which browsers refuse", ""},     // a forbidden domain code point
		{"http://a\x00b.example", "which browsers refuse", ""},  //
		{"http://a*b.example.com", "wildcard that is part of a label", ""},
		{"http://x.a*b.example.com", "wildcard that is part of a label", ""},
	})
}

// A page loaded from "example.com." has that origin, dot included: a
// different origin and site. The reason says so (not that browsers drop
// the dot) and suggests the name without it.
func TestParseTrailingDotReason(t *testing.T) {
	t.Parallel()
	checkRefusals(t, []refusal{
		{"http://example.com.:3999", `ends with a dot; only a page loaded from the dotted name "example.com." sends that origin, ` +
			`which is a different origin and site from "example.com", so it is almost always a mistake`, "http://example.com:3999"},
		{"https://app.example.com.", "only a page loaded from the dotted name", "https://app.example.com"},
		{"https://*.example.com.", "only a page loaded from the dotted name", "https://*.example.com"},
		{"http://localhost.:*", "only a page loaded from the dotted name", "http://localhost:*"},
	})
	for _, tc := range []refusal{{"http://example.com.:3999", "browsers send the host without it", ""}} {
		if _, err := Parse(tc.in); err != nil && strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) still says %q", tc.in, tc.want)
		}
	}
}

// App and extension front ends (Capacitor, Ionic, Tauri, browser
// extensions) send their own scheme's origin: exact ones parse and
// round-trip; patterns over them, and schemes no front end runs in, do not.
func TestParseAppAndExtensionOrigins(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"capacitor://localhost",
		"ionic://localhost",
		"tauri://localhost",
		"chrome-extension://abcdefghijklmnopabcdefghijklmnop",
		"moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc",
		"safari-web-extension://e8b5f3a1-1d3b-4e48-8c6c-f6a5c6f9a7c2",
		"safari-web-extension://E8B5F3A1-1D3B-4E48-8C6C-F6A5C6F9A7C2",
		"capacitor://localhost:8080",
		"my-app+dev.v2://host.name",
	} {
		r, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if r.String() != in || !r.Exact() || r.IsHTTP() {
			t.Errorf("Parse(%q) = %+v (String %q, Exact %v, IsHTTP %v), want an exact non-http rule that round-trips",
				in, r, r.String(), r.Exact(), r.IsHTTP())
		}
	}
	checkRefusals(t, []refusal{
		{"capacitor://*.localhost", "a capacitor: origin names one app or extension", ""},
		{"capacitor://localhost:*", "is a pattern", ""},
		{"capacitor://", "has no host", ""},
		{"capacitor://local host", "whitespace", "capacitor://localhost"},
		{"capacitor://a!b", `has the character '!'`, ""},
		{"chrome-extension://abc", "a Chrome extension ID is 32 letters from a to p", ""},
		{"chrome-extension://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP", "uppercase", "chrome-extension://abcdefghijklmnopabcdefghijklmnop"},
		{"chrome-extension://qbcdefghijklmnopabcdefghijklmnop", "32 letters from a to p", ""},
		{"moz-extension://2C127FA4-62C7-7E4F-90E5-472B45EECFDC", "in lowercase", "moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc"},
		{"moz-extension://my-extension", "8-4-4-4-12", ""},
		{"safari-web-extension://E8B5F3A1-1d3b-4E48-8C6C-F6A5C6F9A7C2", "8-4-4-4-12", ""},
		{"Capacitor://localhost", "uppercase", "capacitor://localhost"},
		{"1app://localhost", "not a URL scheme", ""},
		{"file://", `pages opened from files send Origin "null"`, ""},
		{"file:///home/me/index.html", `Origin "null"`, ""},
		{"data:text/html", `Origin "null"`, ""},
		{"about:blank", "the origin of the page that created them", ""},
		{"javascript:alert(1)", "not an origin", ""},
		{"blob:https://app.example.com/5b2f", "its origin is the origin written inside it", "https://app.example.com"},
		{"ws://localhost:3000", "a WebSocket handshake carries the origin of the page that opened it", ""},
		{"wss://api.example.com", "WebSocket", ""},
		{"htps://app.example.com", `has scheme "htps"; web front ends use http or https`, "https://app.example.com"},
		{"htp://localhost:3000", `has scheme "htp"`, "http://localhost:3000"},
	})
}

// Every name under localhost is the developer's own machine (RFC 6761), so
// a wildcard over it is allowed, unlike a wildcard over a real public
// suffix.
func TestParseAcceptsLocalhostWildcard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Rule
	}{
		{"http://*.localhost:*", Rule{Scheme: "http", Host: "localhost", Wildcard: true, Port: "*"}},
		{"http://*.localhost", Rule{Scheme: "http", Host: "localhost", Wildcard: true}},
		{"https://*.localhost:5173", Rule{Scheme: "https", Host: "localhost", Wildcard: true, Port: "5173"}},
		{"http://*.app.localhost:*", Rule{Scheme: "http", Host: "app.localhost", Wildcard: true, Port: "*"}},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// A regular expression written as an origin (the gin-contrib/cors and
// rack-cors habit) is recognised; the message lists the patterns that
// cover what it describes, or the grammar when none can be derived.
func TestParseExplainsRegexps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string // patterns the message lists, in order; nil: the grammar only
	}{
		{`^(https?://)?(app|staging)?\.?localhost(:[0-9]+)?$`, []string{
			"http://app.localhost:*", "http://staging.localhost:*", "http://localhost:*",
			"https://app.localhost:*", "https://staging.localhost:*", "https://localhost:*"}},
		{`https://.*\.example\.com`, []string{"https://*.example.com"}},
		{`^https://[a-z0-9-]+\.example\.com$`, []string{"https://*.example.com"}},
		{`^https://(app|api)\.example\.com$`, []string{"https://api.example.com", "https://app.example.com"}}, // syntax.Parse factors "ap[ip]"
		{`^https://(.*\.)?example\.com(:\d+)?$`, []string{"https://*.example.com:*", "https://example.com:*"}},
		{`https://app\.example\.com`, []string{"https://app.example.com"}},
		{`http://localhost:\d{4}`, []string{"http://localhost:*"}},
		{`/^https:\/\/(www\.)?example\.com$/i`, []string{"https://www.example.com", "https://example.com"}}, // a JavaScript literal
		{`^https?://localhost:(3000|5173)$`, []string{"http://localhost:3000", "http://localhost:5173", "https://localhost:3000", "https://localhost:5173"}},
		{`https://.*\.vercel\.app`, nil},                                              // a wildcard over a public suffix
		{`https://app\.example\.com.*`, nil},                                          // matches app.example.com.evil.com too
		{`https://app[0-9]+\.example\.com`, nil},                                      // inside a label
		{`^https://([a-z]+\.)*example\.com\b`, nil},                                   // \b
		{`^(https?://)?(a|b|c|d|e|f|g|h|i)\.(j|k|l|m|n|o|p|q|r)\.example\.com$`, nil}, // too many
		{`^https://app.example.com$`, []string{"https://app.example.com"}},            // "." as any character
	} {
		_, err := Parse(tc.in)
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Reason, "looks like a regular expression") ||
			!strings.Contains(e.Reason, "not regular expressions") || e.Suggestion != "" {
			t.Errorf("Parse(%q) = %v, want a regular-expression error with no single suggestion", tc.in, err)
			continue
		}
		got := patternsForRegexp(tc.in)
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("Parse(%q) lists %q, want %q", tc.in, got, tc.want)
		}
		for _, p := range tc.want {
			if !strings.Contains(e.Reason, `"`+p+`"`) {
				t.Errorf("Parse(%q) error %q does not list %q", tc.in, e.Reason, p)
			}
			if _, err := Parse(p); err != nil {
				t.Errorf("Parse(%q) lists %q, which Parse refuses: %v", tc.in, p, err)
			}
		}
	}
}

// A wildcard inside a label: under a hosting platform's suffix no pattern is
// safe (each name is another customer); elsewhere the message explains
// whole-label wildcards. A suggestion is never a value Parse refuses or one
// that names something else ("*.-myteam.vercel.app", "*.myteam.vercel.app").
func TestParsePartialLabelWildcards(t *testing.T) {
	t.Parallel()
	checkRefusals(t, []refusal{
		{"https://*-myteam.vercel.app", `under "vercel.app", a public suffix where every name belongs to a different customer`, ""},
		{"https://*myteam.vercel.app", "no pattern is safe there; list each deployment you own", ""},
		{"https://*-preview.netlify.app", `under "netlify.app"`, ""},
		{"https://*--myapp.netlify.app", `under "netlify.app"`, ""},
		{"https://*.pages.dev", `public suffix "pages.dev"`, ""},
		{"https://*-preview.example.com", "a wildcard stands for whole labels", ""},
		{"https://*example.com", "a wildcard stands for whole labels", "https://*.example.com"},
		{"https://*app.localhost", "a wildcard stands for whole labels", "https://*.app.localhost"},
		{"https://a-*.example.com", "a wildcard stands for whole labels", ""},
		// Labels cannot start or end with a hyphen.
		{"https://*.-myteam.vercel.app", `the label "-myteam", which starts or ends with a hyphen`, ""},
		{"https://-app.example.com", "starts or ends with a hyphen", ""},
		{"https://app-.example.com", "starts or ends with a hyphen", ""},
	})
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	e := &Error{Value: "https://app.example.com/", Reason: "ends with a slash", Suggestion: "https://app.example.com"}
	if got, want := e.Error(), `origin "https://app.example.com/" ends with a slash; did you mean "https://app.example.com"?`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e.Suggestion = ""
	if got, want := e.Error(), `origin "https://app.example.com/" ends with a slash`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://app.example.com", "https://app.example.com"},
		{"APP.EXAMPLE.COM/", "https://app.example.com"},
		{"localhost:5173/path", "http://localhost:5173"},
		{"127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"https://user:pw@app.example.com:443/x?y#z", "https://app.example.com"},
		{"https://bücher.example", "https://xn--bcher-kva.example"},
		{"https://ＡＰＰ.example.com", "https://app.example.com"},
		{"http://[0::1]:", "http://[::1]"},
		{"http://0x7f.1:3000", "http://127.0.0.1:3000"},
		{"http://localhost:080", "http://localhost"},
		{"filesystem:https://app.example.com/temporary/", "https://app.example.com"},
		{"*", ""},
		{"null", ""},
		{"https://a.example.com,https://b.example.com", ""},
		{"https://*-team.vercel.app", ""},
		{`^https://app\.example\.com$`, ""},
		{"http://256.0.0.1", ""},
		{"https://*.com", ""},
	} {
		if got := Suggest(tc.in); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
