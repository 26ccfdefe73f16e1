package origin

import "testing"

// browserHost follows the URL Standard's host parser; rows from its
// examples and the web-platform-tests' classes.
func TestBrowserHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string // want "" means browsers refuse the host
	}{
		{"example.com", "example.com"},
		{"EXAMPLE.com", "example.com"},
		{"example.com.", "example.com."},
		{"a..b", "a..b"},
		{"xn--f", "xn--f"}, // ASCII hosts are lowercased whatever UTS 46 says (URL Standard, 2026-06)
		{"Bücher.example", "xn--bcher-kva.example"},
		{"faß.de", "xn--fa-hia.de"}, // nontransitional
		{"☕.example", "xn--53h.example"},
		{"ｅｘａｍｐｌｅ.com", "example.com"},
		{"%41pp.example", "app.example"},
		{"a%", ""},
		{"a%2", ""},
		{"%zz", ""},
		{"%ff", ""},
		{"a b", ""},
		{"a<b", ""},
		{"a%25b", ""},
		{"a*b", "a*b"},
		{"a_b", "a_b"},
		{"1", "0.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0X7F.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"00000177.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"4294967295", "255.255.255.255"},
		{"4294967296", ""},
		{"0x100000000", ""},
		{"1.2.3.4.", "1.2.3.4"},
		{"1.2.3.4..", "1.2.3.4.."}, // the last part is empty, so it is a domain
		{"1.2.3.4..", "1.2.3.4.."}, // the last part is empty, so it is a domain
		{"256.1.1.1", ""},
		{"1.1.1.256", ""},
		{"1.65536", "1.1.0.0"},
		{"1.16777216", ""},
		{"1.16777215", "1.255.255.255"},
		{"08", ""},
		{"0x", "0.0.0.0"},
		{"0xg", "0xg"},
		{"foo.09", ""},
		{"foo.0x1", ""},
		{"foo.0x", ""},
		{"foo.1.", ""},
		{"1.foo", "1.foo"},
		{"０x7f.1", "127.0.0.1"}, // fullwidth digits map to ASCII first
		{"[::1]", "[::1]"},
		{"[0:0::1]", "[::1]"},
		{"[::ffff:1.2.3.4]", "[::ffff:102:304]"},
		{"[1:0:0:2:0:0:0:3]", "[1:0:0:2::3]"},
		{"[0:0:1:0:0:1:0:0]", "[::1:0:0:1:0:0]"},
		{"[1:2:3:4:5:6:7:8]", "[1:2:3:4:5:6:7:8]"},
		{"[::]", "[::]"},
		{"[ABCD::]", "[abcd::]"},
		{"[::1%25eth0]", ""},
		{"[::1", ""},
		{"[1.2.3.4]", ""},
		{"[::1.2.3.04]", ""},
	} {
		got, ok := browserHost(tc.in)
		if !ok {
			got = ""
		}
		if got != tc.want {
			t.Errorf("browserHost(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}
