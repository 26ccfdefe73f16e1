package origin

import (
	"strings"
	"testing"
)

func TestDecodesAsPunycode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		label string
		want  bool
	}{
		{"xn--bcher-kva", true},
		{"xn--ls8h", true},
		{"xn--8i7caa", true}, // decodes (to fullwidth "ｗｗｗ"), though UTS 46 maps it
		{"xn--f", false},
		{"xn--", false},
		{"xn--abc-", false}, // ASCII only
		{"xn---", false},
		{"xn---a", false},
		{"xn--zz99999999", false}, // overflow
		// Found by FuzzPunycode: a decoding past x/net/idna's 1024 code points.
		{"xn--0a0a0" + strings.Repeat("i", 2900) + "a0a", false},
	} {
		if got := decodesAsPunycode(tc.label); got != tc.want {
			t.Errorf("decodesAsPunycode(%.40q) = %v, want %v", tc.label, got, tc.want)
		}
		if got := naivePunycode(tc.label); got != tc.want {
			t.Errorf("x/net/idna on %.40q says %v, the table %v", tc.label, got, tc.want)
		}
	}
}
