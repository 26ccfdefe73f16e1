package origin

import (
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// SplitHostPort splits "host[:port]", where host may be a bracketed IPv6
// address. port is "" when there is none, and also after a bare colon.
func SplitHostPort(hp string) (host, port string) {
	i := strings.LastIndexByte(hp, ':')
	if i < 0 || strings.LastIndexByte(hp, ']') > i {
		return hp, ""
	}
	return hp[:i], hp[i+1:]
}

// IsLoopbackHost reports whether host is localhost, a name under
// .localhost, an address in 127.0.0.0/8 or [::1]: the hosts browsers treat
// as potentially trustworthy. host is lowercase, as in an origin.
func IsLoopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "[::1]" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// Site returns the schemeful site of an origin: its scheme and registrable
// domain (public suffix plus one label), or the whole host when it has
// none (IP addresses, localhost, a public suffix). Two origins are
// same-site when their sites are equal; ports never count. For an origin
// that is not http or https (an app or extension, "null"), the site is the
// origin itself.
func Site(origin string) string {
	scheme, rest, ok := strings.Cut(origin, "://")
	if !ok || !isWebScheme(scheme) {
		return origin
	}
	host, _ := SplitHostPort(rest)
	host = strings.ToLower(host)
	if strings.HasPrefix(host, "[") {
		return scheme + "://" + host
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return scheme + "://" + host
	}
	// A trailing dot belongs to the host ("example.com." is its own site)
	// but not to the public suffix list's names.
	name, dot := strings.CutSuffix(host, ".")
	if d, err := publicsuffix.EffectiveTLDPlusOne(name); err == nil {
		if dot {
			d += "."
		}
		return scheme + "://" + d
	}
	return scheme + "://" + host
}
