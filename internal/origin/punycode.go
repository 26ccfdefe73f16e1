package origin

import "strings"

// decodesAsPunycode reports whether label, "xn--" and a lowercase ASCII
// rest, is punycode (RFC 3492) for a name with at least one non-ASCII
// character. It allocates nothing: Set.Match runs it on the labels a
// wildcard matched. Browsers that predate the URL Standard's 2026 ASCII
// fallback refuse a label that fails this; none send one that is not even
// punycode for a real name, and refusing it is never a risk.
func decodesAsPunycode(label string) bool {
	enc := label[len("xn--"):]
	pos := strings.LastIndexByte(enc, '-') + 1 // after the basic code points
	if pos == 1 || pos == len(enc) {
		return false // a bare delimiter, or no encoded part: ASCII only
	}
	length, i, n, bias := int64(pos-min(pos, 1)), int64(0), int64(128), int64(72)
	for pos < len(enc) {
		oldI := i
		var ok bool
		if pos, i, ok = punyDelta(enc, pos, i, bias); !ok || length >= 1024 {
			return false // 1024: x/net/idna's bound; an Origin's labels are far shorter
		}
		length++
		bias = punyAdapt(i-oldI, length, oldI == 0)
		n += i / length
		i %= length
		if n > 0x10FFFF {
			return false
		}
		i++
	}
	return true
}

// punyDelta decodes one variable-length integer of enc from pos and adds
// it to i, with the decoder's 32-bit overflow checks.
func punyDelta(enc string, pos int, i, bias int64) (int, int64, bool) {
	const base, tmin, tmax, maxInt32 = 36, 1, 26, 1<<31 - 1
	w := int64(1)
	for k := int64(base); ; k += base {
		if pos == len(enc) {
			return pos, i, false
		}
		d := punyDigit(enc[pos])
		pos++
		if d < 0 || i+d*w > maxInt32 {
			return pos, i, false
		}
		i += d * w
		t := min(max(k-bias, tmin), tmax)
		if d < t {
			return pos, i, true
		}
		if w*(base-t) > maxInt32 {
			return pos, i, false
		}
		w *= base - t
	}
}

func punyDigit(c byte) int64 {
	switch {
	case 'a' <= c && c <= 'z':
		return int64(c - 'a')
	case '0' <= c && c <= '9':
		return int64(c-'0') + 26
	}
	return -1
}

// punyAdapt is RFC 3492's bias adaptation.
func punyAdapt(delta, numPoints int64, first bool) int64 {
	if first {
		delta /= 700
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := int64(0)
	for delta > ((36-1)*26)/2 {
		delta /= 36 - 1
		k += 36
	}
	return k + (36-1+1)*delta/(delta+38)
}
