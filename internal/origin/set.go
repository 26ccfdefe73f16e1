package origin

import "strings"

// MaxLen bounds the Origin headers a pattern can match: "https://", a
// 253-byte host and ":65535".
const MaxLen = 8 + 253 + 6

// A Set is a compiled allow-list. Match allocates nothing and costs the
// same whatever the number of rules: one map probe for exact origins, one
// for any-port hosts, and one per label of the host for wildcards. A Set
// is safe for concurrent use. The zero Set (and a nil *Set) matches
// nothing.
type Set struct {
	exact   map[string]struct{} // canonical origins
	anyPort map[string]struct{} // "scheme://host" of host:* rules
	// wild maps "scheme://" + "." + base to the port rules of "*." + base:
	// "" (default port only), a port, or "*".
	wild map[string][]string
}

// NewSet compiles rules, each returned by [Parse]. Changing rules after
// NewSet has no effect on the Set.
func NewSet(rules []Rule) *Set {
	s := &Set{
		exact:   make(map[string]struct{}),
		anyPort: make(map[string]struct{}),
		wild:    make(map[string][]string),
	}
	for _, r := range rules {
		switch {
		case r.Wildcard:
			k := r.Scheme + "://." + r.Host
			s.wild[k] = append(s.wild[k], r.Port)
		case r.Port == "*":
			s.anyPort[r.Scheme+"://"+r.Host] = struct{}{}
		default:
			s.exact[r.String()] = struct{}{}
		}
	}
	return s
}

// Match reports whether origin, the raw Origin header, is allowed. Only a
// value byte-identical to an origin a browser serializes can match: no
// case, default-port, empty-port, trailing-dot or whitespace variants.
func (s *Set) Match(origin string) bool {
	if s == nil {
		return false
	}
	if _, ok := s.exact[origin]; ok {
		return true // configured origins are canonical
	}
	return s.matchPattern(origin)
}

func (s *Set) matchPattern(origin string) bool {
	if len(origin) > MaxLen || len(s.anyPort) == 0 && len(s.wild) == 0 {
		return false
	}
	var scheme string
	switch {
	case strings.HasPrefix(origin, "https://"):
		scheme = "https://"
	case strings.HasPrefix(origin, "http://"):
		scheme = "http://"
	default:
		return false // patterns are http and https only
	}
	host, port, ok := splitCanonical(origin[len(scheme):], scheme)
	if !ok {
		return false
	}
	if _, ok := s.anyPort[origin[:len(scheme)+len(host)]]; ok {
		return true
	}
	if len(s.wild) == 0 || host[0] == '[' {
		return false
	}
	return s.matchWild(scheme, host, port)
}

// matchWild tries each proper suffix of host that starts at a dot: for
// a.b.example.com, ".b.example.com", ".example.com", ".com". The key is the
// scheme plus that suffix, built in a stack buffer; the compiler does not
// allocate for a map lookup with string(bytes).
func (s *Set) matchWild(scheme, host, port string) bool {
	var buf [MaxLen + 8]byte
	n := copy(buf[:], scheme)
	for i := 1; i < len(host); i++ {
		if host[i] != '.' {
			continue
		}
		k := append(buf[:n], host[i:]...)
		for _, p := range s.wild[string(k)] {
			if p == "*" || p == port {
				return punycodeLabels(host[:i])
			}
		}
	}
	return false
}

// punycodeLabels reports whether every xn-- label of sub, the labels a
// wildcard matched, is punycode for an internationalized name.
func punycodeLabels(sub string) bool {
	for sub != "" {
		label := sub
		if i := strings.IndexByte(sub, '.'); i >= 0 {
			label, sub = sub[:i], sub[i+1:]
		} else {
			sub = ""
		}
		if strings.HasPrefix(label, "xn--") && !decodesAsPunycode(label) {
			return false
		}
	}
	return true
}

// splitCanonical splits the host[:port] of an Origin and reports whether
// it is in the form a browser serializes: lowercase DNS labels (or a
// dotted or bracketed address, compared byte for byte with a configured
// one), and, after a colon, a port without leading zeros that is not the
// scheme's default. Browsers never send a colon without a port.
func splitCanonical(hp, scheme string) (host, port string, ok bool) {
	host, port = SplitHostPort(hp)
	if host == "" || len(host) < len(hp) && port == "" {
		return "", "", false // no host, or "host:" with an empty port
	}
	if port != "" && !canonicalPort(port, scheme) {
		return "", "", false
	}
	if host[0] == '[' {
		// IPv6: only exact entries and any-port rules can match it, and
		// those compare bytes with a canonical configured value.
		return host, port, host[len(host)-1] == ']'
	}
	prevDot := true
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c == '.' {
			if prevDot {
				return "", "", false
			}
			prevDot = true
			continue
		}
		if !isHostByte(c) {
			return "", "", false
		}
		prevDot = false
	}
	return host, port, !prevDot
}

func canonicalPort(port, scheme string) bool {
	if port[0] == '0' || len(port) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(port); i++ {
		c := port[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535 && !(n == 80 && scheme == "http://") && !(n == 443 && scheme == "https://")
}

// Canonical reports whether origin is exactly what a browser sends for
// some page: the form Parse accepts and prints back unchanged, for one
// origin (no pattern). A DNS name is checked byte by byte without
// allocating; addresses and app or extension origins go through Parse.
func Canonical(origin string) bool {
	if len(origin) > MaxLen {
		return false
	}
	scheme := ""
	switch {
	case strings.HasPrefix(origin, "https://"):
		scheme = "https://"
	case strings.HasPrefix(origin, "http://"):
		scheme = "http://"
	}
	if scheme != "" {
		host, _, ok := splitCanonical(origin[len(scheme):], scheme)
		if !ok {
			return false
		}
		if host[0] != '[' && !strings.Contains(host, "xn--") && dnsName(host) {
			return true // punycode labels are left to Parse's UTS 46 checks
		}
	}
	r, err := Parse(origin)
	return err == nil && r.Exact() && r.String() == origin
}

// dnsName reports whether host, already made of lowercase letters, digits,
// hyphens, underscores and dots, is a name rather than an address: no label
// starts or ends with a hyphen, and the last label is not a number (which a
// browser reads as part of an IPv4 address).
func dnsName(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") {
		return false
	}
	for label := range strings.SplitSeq(host, ".") {
		if label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
	}
	return true
}
