package crosssession

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// An originRule is one parsed entry of Config.Origins.
//
// The grammar is deliberately small (see Config.Origins):
//
//	https://app.example.com        exact
//	https://*.example.com          one or more whole labels before .example.com
//	http://localhost:*             any port (or none)
//	https://*.example.com:*        both
type originRule struct {
	scheme   string // "http" or "https"
	host     string // exact host, or the base domain after "*." when wildcard
	wildcard bool   // host is "*." + host
	port     string // "" (default port), a decimal port, or "*" (any)
}

// String returns the rule in the canonical form it was written in.
func (r originRule) String() string {
	var b strings.Builder
	b.WriteString(r.scheme)
	b.WriteString("://")
	if r.wildcard {
		b.WriteString("*.")
	}
	b.WriteString(r.host)
	if r.port != "" {
		b.WriteByte(':')
		b.WriteString(r.port)
	}
	return b.String()
}

// exact reports whether the rule matches exactly one origin.
func (r originRule) exact() bool { return !r.wildcard && r.port != "*" }

// parseOrigin parses one configured origin. Its errors name the value and,
// where a fix is obvious, suggest it. production applies the extra
// Production rule: plain http only for loopback hosts.
func parseOrigin(s string, production bool) (originRule, error) {
	r, err := parseOriginStrict(s)
	if err != nil {
		if fix := suggestOrigin(s); fix != "" && fix != s {
			return r, fmt.Errorf("crosssession: origin %q %v; did you mean %q?", s, err, fix)
		}
		return r, fmt.Errorf("crosssession: origin %q %v", s, err)
	}
	if production && r.scheme == "http" && !isLoopbackHost(r.host) {
		return r, fmt.Errorf("crosssession: origin %q uses plain http, which Production allows only for loopback hosts "+
			"(cookies and tokens would cross the network in clear text; use Mode Development for a plain-http test "+
			"host); did you mean %q?", s, "https"+s[len("http"):])
	}
	return r, nil
}

// parseOriginStrict parses s without suggestions. Its error completes the
// sentence "origin %q ...".
func parseOriginStrict(s string) (originRule, error) {
	var r originRule
	switch {
	case s == "":
		return r, fmt.Errorf("is empty; write the front end's origin, e.g. %q", "https://app.example.com")
	case s == "*":
		return r, fmt.Errorf("allows every site, which browsers refuse with credentials and which would let any page "+
			"act as the user; list the front-end origins, e.g. %q or %q", "https://app.example.com", "https://*.example.com")
	case strings.EqualFold(s, "null"):
		return r, fmt.Errorf("is sent by sandboxed iframes, file: pages and redirects, so any attacker page can " +
			"claim it; it is never allowed")
	case strings.ContainsFunc(s, unicode.IsSpace):
		return r, fmt.Errorf("contains whitespace")
	case strings.Contains(s, ","):
		return r, fmt.Errorf("is a comma-separated list; give each origin as its own string")
	}
	for _, c := range s {
		if c >= 0x80 {
			return r, fmt.Errorf("contains non-ASCII characters; browsers send the punycode (xn--) form")
		}
		if 'A' <= c && c <= 'Z' {
			return r, fmt.Errorf("contains uppercase letters; browsers send origins in lowercase")
		}
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return r, fmt.Errorf("has no scheme; an origin is scheme://host[:port]")
	}
	if scheme != "http" && scheme != "https" {
		return r, fmt.Errorf("has scheme %q; only http and https front ends can use cookies", scheme)
	}
	r.scheme = scheme
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		if rest[i:] == "/" {
			return r, fmt.Errorf("ends with a slash; browsers send origins without one")
		}
		return r, fmt.Errorf("has a path, query or fragment; an origin is only scheme://host[:port]")
	}
	if strings.Contains(rest, "@") {
		return r, fmt.Errorf("has userinfo (user@); an origin is only scheme://host[:port]")
	}
	host, port := splitHostPort(rest)
	if port != "" || strings.HasSuffix(rest, ":") {
		if err := checkConfigPort(port, scheme); err != nil {
			return r, err
		}
	}
	r.port = port
	if host == "" {
		return r, fmt.Errorf("has no host")
	}
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return r, fmt.Errorf("has a malformed IPv6 address")
		}
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
			return r, fmt.Errorf("has a malformed IPv6 address")
		}
		if "["+a.String()+"]" != host {
			return r, fmt.Errorf("is not in the form browsers send; write the address as [%s]", a)
		}
		r.host = host
		return r, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !a.Is4() {
			return r, fmt.Errorf("has a malformed address")
		}
		r.host = host
		return r, nil
	}
	if strings.Contains(host, "*") {
		base, ok := strings.CutPrefix(host, "*.")
		switch {
		case strings.HasPrefix(host, "*") && !ok:
			return r, fmt.Errorf("has a wildcard that is part of a label; a wildcard stands for whole labels, as in \"*.example.com\"")
		case !ok:
			return r, fmt.Errorf("has a wildcard that is not the leftmost label; only \"*.\" at the start of the host is allowed")
		case strings.Contains(base, "*"):
			return r, fmt.Errorf("has more than one wildcard; use one leading \"*.\"")
		}
		if err := checkDomain(base); err != nil {
			return r, err
		}
		if _, err := netip.ParseAddr(base); err == nil {
			return r, fmt.Errorf("puts a wildcard before an IP address")
		}
		if ps, _ := publicsuffix.PublicSuffix(base); ps == base {
			return r, fmt.Errorf("matches every site under the public suffix %q, each owned by someone else; "+
				"list your own origins instead, e.g. %q", base, scheme+"://myapp."+base)
		}
		r.host, r.wildcard = base, true
		return r, nil
	}
	if err := checkDomain(host); err != nil {
		return r, err
	}
	r.host = host
	return r, nil
}

// splitHostPort splits "host[:port]" where host may be an IPv6 literal.
func splitHostPort(hp string) (host, port string) {
	i := strings.LastIndexByte(hp, ':')
	if i < 0 || strings.LastIndexByte(hp, ']') > i {
		return hp, ""
	}
	return hp[:i], hp[i+1:]
}

func checkConfigPort(port, scheme string) error {
	if port == "*" {
		return nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || port[0] == '0' || port[0] == '+' {
		return fmt.Errorf("has port %q; a port is a number from 1 to 65535 without leading zeros, or * for any", port)
	}
	if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
		return fmt.Errorf("names the default port %s, which browsers leave out of the origin", port)
	}
	return nil
}

// checkDomain checks a lowercase ASCII DNS name as browsers serialize it.
func checkDomain(d string) error {
	if len(d) > 253 {
		return fmt.Errorf("has a host longer than 253 characters")
	}
	if strings.HasSuffix(d, ".") {
		return fmt.Errorf("ends with a dot; browsers send the host without it")
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" {
			return fmt.Errorf("has an empty label in host %q", d)
		}
		if len(label) > 63 {
			return fmt.Errorf("has a label longer than 63 characters")
		}
		for i := 0; i < len(label); i++ {
			if !isHostByte(label[i]) {
				return fmt.Errorf("has the character %q in its host", label[i])
			}
		}
	}
	return nil
}

// isHostByte reports whether c may appear in a host label of a browser origin.
// Underscores are legal in hosts browsers send, though not in DNS names.
func isHostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// isLoopbackHost reports whether host is localhost, a name under .localhost,
// 127.0.0.0/8 or [::1]: hosts browsers treat as potentially trustworthy.
func isLoopbackHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || host == "[::1]" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// suggestOrigin returns the canonical origin s most likely meant, or "".
func suggestOrigin(s string) string {
	t := strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
	if t == "" || t == "*" || t == "null" || strings.Contains(t, ",") {
		return ""
	}
	scheme, rest, ok := strings.Cut(t, "://")
	if !ok {
		rest = strings.TrimPrefix(t, "//")
		scheme = "https"
		if h, _ := splitHostPort(rest); isLoopbackHost(h) {
			scheme = "http"
		}
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	host, port := splitHostPort(rest)
	host = strings.TrimSuffix(host, ".")
	if strings.HasPrefix(host, "*") && !strings.HasPrefix(host, "*.") {
		host = "*." + host[1:]
	}
	if a, err := idna.Lookup.ToASCII(strings.TrimPrefix(host, "*.")); err == nil && !strings.HasPrefix(host, "[") {
		if strings.HasPrefix(host, "*.") {
			a = "*." + a
		}
		host = a
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	fix := scheme + "://" + host
	if port != "" {
		fix += ":" + port
	}
	if _, err := parseOriginStrict(fix); err != nil {
		return ""
	}
	return fix
}

// originSet is the compiled allow-list. Lookups allocate nothing and cost
// the same whatever the number of entries: one map probe for exact origins,
// one for any-port hosts, and one per label of the host for wildcards.
type originSet struct {
	exact   map[string][]string // canonical origin → its value as a ready header slice
	anyPort map[string]struct{} // "scheme://host" for host:* rules
	// wild maps "scheme://" + ".base" (the base with a leading dot) to the
	// port rule: "" (default port only), a port, or "*".
	wild map[string][]string
}

func compileOrigins(rules []originRule) *originSet {
	s := &originSet{
		exact:   make(map[string][]string),
		anyPort: make(map[string]struct{}),
		wild:    make(map[string][]string),
	}
	for _, r := range rules {
		switch {
		case r.wildcard:
			k := r.scheme + "://." + r.host
			s.wild[k] = append(s.wild[k], r.port)
		case r.port == "*":
			s.anyPort[r.scheme+"://"+r.host] = struct{}{}
		default:
			o := r.String()
			s.exact[o] = []string{o}
		}
	}
	return s
}

// match reports whether origin, the raw Origin header, is allowed. Anything
// that is not byte-identical to a canonical browser origin is refused.
func (s *originSet) match(origin string) bool {
	_, ok := s.lookup(origin)
	return ok
}

// lookup is match that also returns, for an exact entry, its ready
// Access-Control-Allow-Origin value (nil for a pattern match).
func (s *originSet) lookup(origin string) ([]string, bool) {
	if v, ok := s.exact[origin]; ok {
		return v, true
	}
	return nil, s.matchPattern(origin)
}

func (s *originSet) matchPattern(origin string) bool {
	if len(origin) > maxOriginLen || len(s.anyPort) == 0 && len(s.wild) == 0 {
		return false
	}
	var scheme string
	switch {
	case strings.HasPrefix(origin, "https://"):
		scheme = "https://"
	case strings.HasPrefix(origin, "http://"):
		scheme = "http://"
	default:
		return false
	}
	hostport := origin[len(scheme):]
	host, port, ok := splitCanonical(hostport, scheme)
	if !ok {
		return false
	}
	if len(s.anyPort) > 0 {
		if _, ok := s.anyPort[origin[:len(scheme)+len(host)]]; ok {
			return true
		}
	}
	if len(s.wild) == 0 || host[0] == '[' {
		return false
	}
	// Try each proper suffix of the host that starts at a dot: for
	// a.b.example.com, ".b.example.com", ".example.com", ".com". The key is
	// the scheme plus that suffix, built in a stack buffer; the compiler
	// does not allocate for a map lookup with string(bytes).
	var buf [maxOriginLen + 8]byte
	n := copy(buf[:], scheme)
	for i := 1; i < len(host); i++ {
		if host[i] != '.' {
			continue
		}
		k := append(buf[:n], host[i:]...)
		if ports, ok := s.wild[string(k)]; ok {
			for _, p := range ports {
				if p == "*" || p == port {
					return true
				}
			}
		}
	}
	return false
}

// maxOriginLen bounds the Origin headers worth looking at: a 253-byte host,
// "https://" and ":65535".
const maxOriginLen = 8 + 253 + 6

// splitCanonical splits the host[:port] of an Origin and reports whether it
// is in the form a browser serializes: lowercase DNS labels, a dotted IPv4
// or bracketed IPv6 address, and a port without leading zeros that is not
// the scheme's default.
func splitCanonical(hp, scheme string) (host, port string, ok bool) {
	host, port = splitHostPort(hp)
	if host == "" {
		return "", "", false
	}
	if i := strings.IndexByte(hp, ':'); i >= 0 && port == "" && host[0] != '[' {
		return "", "", false // "host:" with an empty port
	}
	if port != "" {
		if port[0] == '0' || len(port) > 5 {
			return "", "", false
		}
		n := 0
		for i := 0; i < len(port); i++ {
			c := port[i]
			if c < '0' || c > '9' {
				return "", "", false
			}
			n = n*10 + int(c-'0')
		}
		if n > 65535 || (n == 80 && scheme == "http://") || (n == 443 && scheme == "https://") {
			return "", "", false
		}
	}
	if host[0] == '[' {
		// IPv6: only exact entries and any-port rules can match it, and
		// those compare bytes with a canonical configured value.
		return host, port, strings.HasSuffix(host, "]")
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
