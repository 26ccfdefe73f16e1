package origin

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

const cannotLoad = "so no browser can load a page there"

// parseWebHost checks the host of an http or https origin: an optional
// leading "*." and a host in the form browsers serialize.
func parseWebHost(scheme, host string) (string, bool, string) {
	switch {
	case host == "":
		return "", false, "has no host"
	case strings.ToLower(host) != host:
		return "", false, "contains uppercase letters; browsers send origins in lowercase"
	case strings.Contains(host, "*"):
		base, reason := parseWildcard(scheme, host)
		return base, reason == "", reason
	}
	return host, false, checkHost(host)
}

// parseWildcard checks a host with a wildcard and returns its base domain.
func parseWildcard(scheme, host string) (string, string) {
	base, ok := strings.CutPrefix(host, "*.")
	i := strings.IndexByte(host, '*')
	start := strings.LastIndexByte(host[:i], '.') + 1
	end := len(host)
	if j := strings.IndexByte(host[i:], '.'); j >= 0 {
		end = i + j
	}
	switch {
	case strings.Count(host, "*") > 1:
		return "", "has more than one wildcard; use one leading \"*.\""
	case host[start:end] != "*" && start == 0:
		return "", partialLabelReason(host)
	case host[start:end] != "*":
		return "", "has a wildcard that is part of a label; a wildcard stands for whole labels, as in \"*.example.com\""
	case !ok:
		return "", "has a wildcard that is not the leftmost label; only \"*.\" at the start of the host is allowed"
	case strings.HasPrefix(base, "[") || base != "" && endsInNumber(base):
		return "", "puts a wildcard before an IP address"
	}
	if reason := checkHost(base); reason != "" {
		return "", reason
	}
	if ps, _ := publicsuffix.PublicSuffix(base); ps == base && base != "localhost" {
		// Every name under localhost is the developer's own machine
		// (RFC 6761); under any other public suffix, someone else's site.
		return "", fmt.Sprintf("matches every site under the public suffix %q, each owned by someone else; "+
			"list your own origins instead, e.g. %q", base, scheme+"://myapp."+base)
	}
	return base, ""
}

// partialLabelReason explains a wildcard inside the leftmost label, as in
// "*example.com" or the preview-URL form "*-myteam.vercel.app".
func partialLabelReason(host string) string {
	_, parent, _ := strings.Cut(host, ".")
	if isPrivateSuffix(parent) {
		return fmt.Sprintf("puts a wildcard inside a name under %q, a public suffix where every name belongs to a "+
			"different customer (preview deployments are separate sites too), so no pattern is safe there; "+
			"list each deployment you own as an exact origin", parent)
	}
	return "has a wildcard that is part of a label; a wildcard stands for whole labels, as in \"*.example.com\""
}

// isPrivateSuffix reports whether d is a public suffix from the private
// section of the list: a hosting platform's domain (vercel.app, github.io).
// Those all have two labels or more; a single unlisted label ("test") is a
// public suffix only by the list's default rule.
func isPrivateSuffix(d string) bool {
	ps, icann := publicsuffix.PublicSuffix(d)
	return ps == d && !icann && strings.Contains(d, ".")
}

// checkHost checks a host (no wildcard) against what browsers send and
// what can serve a page: a canonical IPv6 or IPv4 address, or a DNS name.
func checkHost(host string) string {
	switch {
	case strings.HasPrefix(host, "["):
		return checkIPv6(host)
	case strings.Contains(host, "%"):
		return "has percent-encoded characters in its host, which browsers decode"
	}
	for i := 0; i < len(host); i++ {
		if isForbiddenDomainByte(host[i]) {
			return fmt.Sprintf("has the character %q in its host, which browsers refuse, %s", host[i], cannotLoad)
		}
	}
	if endsInNumber(host) {
		return checkIPv4(host)
	}
	return checkDomain(host)
}

func checkIPv6(host string) string {
	a, ok := parseIPv6(host)
	if !ok {
		return "has a malformed IPv6 address"
	}
	if want := serializeIPv6(a); want != host {
		return fmt.Sprintf("is not in the form browsers send; they write the address as %s", want)
	}
	return ""
}

func checkIPv4(host string) string {
	a, why := parseIPv4(host)
	if why != "" {
		return fmt.Sprintf("has host %q, which browsers read as an IPv4 address because its last label is a number, "+
			"and refuse (%s), %s", host, why, cannotLoad)
	}
	if want := a.String(); want != host {
		return fmt.Sprintf("has host %q, which browsers read as the IPv4 address %s and send in that form", host, want)
	}
	return ""
}

// checkDomain checks a lowercase ASCII domain as a DNS host name that can
// serve a page. Browsers send some names DNS cannot hold; a configured
// origin must be one a page can be loaded from.
func checkDomain(d string) string {
	name, dot := strings.CutSuffix(d, ".")
	if len(name) > 253 {
		return "has a host longer than 253 characters"
	}
	for label := range strings.SplitSeq(name, ".") {
		if reason := checkLabel(label, d); reason != "" {
			return reason
		}
	}
	if dot {
		return fmt.Sprintf("ends with a dot; only a page loaded from the dotted name %q sends that origin, which is "+
			"a different origin and site from %q, so it is almost always a mistake", d, name)
	}
	return ""
}

func checkLabel(label, d string) string {
	switch {
	case label == "":
		return fmt.Sprintf("has an empty label in host %q, which no DNS name has, %s", d, cannotLoad)
	case len(label) > 63:
		return "has a label longer than 63 characters, which no DNS name has"
	}
	for i := 0; i < len(label); i++ {
		if !isHostByte(label[i]) {
			return fmt.Sprintf("has the character %q in its host, which DNS host names do not contain", label[i])
		}
	}
	switch {
	case strings.HasPrefix(label, "xn--") && !validPunycode(label):
		return fmt.Sprintf("has the label %q, which is not valid punycode (the xn-- form of an internationalized "+
			"name); browsers load such a host as written only for compatibility with a few old sites, so it is "+
			"almost always a typo", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Sprintf("has the label %q, which starts or ends with a hyphen; DNS host names cannot (RFC 1123)", label)
	}
	return ""
}

// isHostByte reports whether c may appear in a DNS label of a configured
// host or of a host matched by a wildcard. Underscores are legal in hosts
// browsers send, though not in host names.
func isHostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// isForbiddenDomainByte: the URL Standard's forbidden domain code points,
// which make browsers refuse a host.
func isForbiddenDomainByte(c byte) bool {
	return c <= 0x20 || c == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0
}

// browserIDNA is domain-to-ASCII as the URL Standard runs it for a host
// (UTS 46, beStrict false).
var browserIDNA = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.CheckJoiners(true), idna.CheckHyphens(false),
	idna.StrictDomainName(false), idna.Transitional(false), idna.VerifyDNSLength(false))

// validPunycode reports whether an xn-- label decodes to a valid
// internationalized label: UTS 46 as browsers run it, plus its rules that
// x/net/idna leaves out (an empty or all-ASCII decoding).
func validPunycode(label string) bool {
	if _, err := browserIDNA.ToUnicode(label); err != nil {
		return false
	}
	u, err := idna.Punycode.ToUnicode(label)
	if err != nil || u == "" {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] >= 0x80 {
			return true
		}
	}
	return false
}

// browserHost returns the host browsers serialize for a URL written with
// host in, following the URL Standard's host parser for http and https,
// or ok false when they refuse it.
func browserHost(in string) (string, bool) {
	if strings.HasPrefix(in, "[") {
		a, ok := parseIPv6(in)
		return serializeIPv6(a), ok
	}
	d, ok := percentDecode(in)
	if !ok {
		return "", false
	}
	ascii, err := strings.ToLower(d), error(nil)
	if !isASCII(d) {
		ascii, err = browserIDNA.ToASCII(d)
	}
	if err != nil || ascii == "" || strings.IndexFunc(ascii, func(r rune) bool { return r < 0x80 && isForbiddenDomainByte(byte(r)) }) >= 0 {
		return "", false
	}
	if endsInNumber(ascii) {
		a, why := parseIPv4(ascii)
		return a.String(), why == ""
	}
	return ascii, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// percentDecode decodes %XX escapes; ok is false when the result is not
// UTF-8 (browsers then refuse the host).
func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b = append(b, byte(n))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b), strings.ToValidUTF8(string(b), "\uFFFD") == string(b)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// endsInNumber is the URL Standard's "ends in a number checker": a host
// whose last label is a number is parsed as an IPv4 address.
func endsInNumber(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseIPv4 is the URL Standard's IPv4 parser: one to four parts, each
// decimal, hexadecimal (0x) or octal (leading 0), the last filling the
// remaining bytes. why says why browsers refuse the host.
func parseIPv4(host string) (netip.Addr, string) {
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, "it has more than four parts"
	}
	var ip uint64
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		switch {
		case !ok:
			return netip.Addr{}, fmt.Sprintf("%q is not a number", p)
		case i < len(parts)-1 && n > 255:
			return netip.Addr{}, fmt.Sprintf("%s is above 255", p)
		case i == len(parts)-1 && n >= 1<<(8*(5-len(parts))):
			return netip.Addr{}, fmt.Sprintf("%s is too large", p)
		case i < len(parts)-1:
			ip |= n << (8 * (3 - i))
		default:
			ip |= n
		}
	}
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), ""
}

// parseIPv4Number reads one part of an IPv4 host; values past 2^32 are
// clamped there, which is already too large for any part.
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d, err := strconv.ParseUint(s[i:i+1], int(base), 8)
		if err != nil {
			return 0, false
		}
		n = min(n*base+d, 1<<32)
	}
	return n, true
}

// parseIPv6 parses a bracketed IPv6 address as browsers accept it: no zone.
func parseIPv6(host string) (netip.Addr, bool) {
	inner, ok := strings.CutPrefix(host, "[")
	inner, ok2 := strings.CutSuffix(inner, "]")
	if !ok || !ok2 || strings.Contains(inner, "%") {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(inner)
	return a, err == nil && a.Is6()
}

// serializeIPv6 is the URL Standard's IPv6 serializer, bracketed: lowercase
// hex pieces, the first longest run of two or more zero pieces compressed,
// never an embedded dotted IPv4 address.
func serializeIPv6(a netip.Addr) string {
	b := a.As16()
	var pieces [8]uint16
	for i := range pieces {
		pieces[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	start, length := -1, 1
	for i := 0; i < 8; {
		j := i
		for j < 8 && pieces[j] == 0 {
			j++
		}
		if j-i > length {
			start, length = i, j-i
		}
		i = j + 1
	}
	var s strings.Builder
	s.WriteByte('[')
	for i := 0; i < 8; i++ {
		if i == start {
			s.WriteString("::")
			i += length - 1
			continue
		}
		if i > 0 && i != start+length {
			s.WriteByte(':')
		}
		s.WriteString(strconv.FormatUint(uint64(pieces[i]), 16))
	}
	s.WriteByte(']')
	return s.String()
}
