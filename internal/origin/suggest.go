package origin

import (
	"strconv"
	"strings"
	"unicode"
)

// Suggest returns the origin s most likely meant, in the form Parse
// accepts, or "" when no single value means what s meant. A valid s is
// returned unchanged. It adds a missing scheme, drops whitespace, a path,
// userinfo, a default or empty port and a trailing dot, lowercases, and
// rewrites a host the way browsers do (punycode, IPv4 and IPv6 forms). It
// suggests nothing for a regular expression (Parse's message lists the
// patterns) or a wildcard inside a label under a hosting platform's
// public suffix, where no pattern is safe.
func Suggest(s string) string {
	if looksLikeRegexp(s) {
		return ""
	}
	t := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if t == "" || t == "*" || strings.EqualFold(t, "null") || strings.Contains(t, ",") {
		return ""
	}
	scheme, host, port := suggestParts(t)
	if isWebScheme(scheme) {
		host, port = suggestWebHost(host), suggestPort(scheme, port)
	} else if scheme == "chrome-extension" || scheme == "moz-extension" {
		host = strings.ToLower(host)
	}
	fix := Rule{Scheme: scheme, Host: host, Port: port}.String()
	if _, reason := parse(fix); reason != "" {
		return ""
	}
	return fix
}

// suggestParts splits t into a scheme, a host and a port, filling in the
// scheme when it is missing or a near miss of http or https, and dropping
// what an origin does not have.
func suggestParts(t string) (scheme, host, port string) {
	for _, p := range []string{"blob:", "filesystem:"} {
		if len(t) > len(p) && strings.EqualFold(t[:len(p)], p) {
			t = t[len(p):]
		}
	}
	scheme, rest, ok := strings.Cut(t, "://")
	if !ok {
		rest = strings.TrimPrefix(t, "//")
		scheme = "https"
		if h, _ := SplitHostPort(rest); IsLoopbackHost(strings.ToLower(h)) {
			scheme = "http"
		}
	}
	scheme = strings.ToLower(scheme)
	if _, refused := refusedSchemes[scheme]; !refused && schemeTypo(scheme) != "" {
		scheme = schemeTypo(scheme)
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	host, port = SplitHostPort(rest)
	return scheme, host, port
}

// suggestWebHost rewrites an http or https host as browsers would send it.
// "*example.com" becomes "*.example.com", unless the wildcard sits inside
// a name under a hosting platform's suffix ("*-team.vercel.app").
func suggestWebHost(host string) string {
	wild := ""
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		wild, host = "*.", rest
	} else if rest, ok := strings.CutPrefix(host, "*"); ok && !strings.Contains(rest, "*") {
		_, parent, _ := strings.Cut(rest, ".")
		if isPrivateSuffix(strings.ToLower(parent)) {
			return ""
		}
		wild, host = "*.", rest
	}
	h, ok := browserHost(host)
	if !ok {
		return ""
	}
	if !strings.HasPrefix(h, "[") && !endsInNumber(h) {
		h = strings.TrimSuffix(h, ".")
	}
	return wild + h
}

// suggestPort returns the port browsers send: none for the default port
// or an empty one, and no leading zeros.
func suggestPort(scheme, port string) string {
	if port == "*" || port == "" || strings.Trim(port, "0123456789") != "" {
		return port
	}
	p, reason := parsePort(scheme, port, true)
	if reason == "" {
		return p
	}
	digits := strings.TrimLeft(port, "0")
	if digits == "" || len(digits) > 5 {
		return port
	}
	if digits == strconv.Itoa(defaultPort(scheme)) {
		return ""
	}
	return digits
}
