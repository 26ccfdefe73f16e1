package origin

import (
	"fmt"
	"strconv"
	"strings"
)

func isWebScheme(scheme string) bool { return scheme == "http" || scheme == "https" }

// refusedSchemes says why an origin with one of these schemes never comes
// from a page a front end runs in.
var refusedSchemes = map[string]string{
	"file": "is a file: URL; pages opened from files send Origin \"null\", which is never allowed; " +
		"serve the front end over http or https",
	"ftp":        "has scheme \"ftp\"; browsers no longer load ftp pages",
	"ws":         "has scheme \"ws\"; a WebSocket handshake carries the origin of the page that opened it, an http or https origin",
	"wss":        "has scheme \"wss\"; a WebSocket handshake carries the origin of the page that opened it, an http or https origin",
	"data":       "is a data: URL; such documents have an opaque origin and send Origin \"null\", which is never allowed",
	"about":      "is an about: URL; about:blank and srcdoc documents send the origin of the page that created them",
	"javascript": "is a javascript: URL, not an origin",
	"blob":       "is a blob: URL; its origin is the origin written inside it",
	"filesystem": "is a filesystem: URL; its origin is the origin written inside it",
	"mailto":     "is a mailto: URL, not an origin",
}

// parseScheme splits s at "://" and checks the scheme: RFC 3986 syntax,
// lowercase as browsers send it, and a page-loading scheme.
func parseScheme(s string) (scheme, rest, reason string) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", "", "has no scheme; an origin is scheme://host[:port]"
	}
	if strings.ToLower(scheme) != scheme {
		return "", "", "contains uppercase letters; browsers send origins in lowercase"
	}
	if !validScheme(scheme) {
		return "", "", fmt.Sprintf("has scheme %q, which is not a URL scheme (a letter, then letters, digits, + - or .)", scheme)
	}
	if !isWebScheme(scheme) && schemeTypo(scheme) != "" {
		return "", "", fmt.Sprintf("has scheme %q; web front ends use http or https", scheme)
	}
	return scheme, rest, ""
}

// refusedScheme returns why s, a URL of a scheme no front end runs in, is
// refused, or "".
func refusedScheme(s string) string {
	if i := strings.IndexByte(s, ':'); i > 0 {
		return refusedSchemes[strings.ToLower(s[:i])]
	}
	return ""
}

// validScheme reports whether s is a lowercase RFC 3986 scheme.
func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// schemeTypo returns "http" or "https" when scheme is a near miss of one
// of them ("htps", "htp", "hhttp"), else "".
func schemeTypo(scheme string) string {
	dh, ds := EditDistance(scheme, []byte("http"), 3), EditDistance(scheme, []byte("https"), 3)
	switch {
	case ds <= 2 && ds <= dh && len(scheme) >= 3:
		return "https"
	case dh <= 2 && len(scheme) >= 3:
		return "http"
	}
	return ""
}

// defaultPort is the port browsers leave out of the scheme's origins.
func defaultPort(scheme string) int {
	switch scheme {
	case "http":
		return 80
	case "https":
		return 443
	}
	return -1 // app and extension schemes have none
}

// parsePort checks the port as the URL parser reads it. hasPort says the
// host was followed by a colon.
func parsePort(scheme, port string, hasPort bool) (string, string) {
	switch {
	case !hasPort:
		return "", ""
	case port == "*":
		return port, ""
	case port == "":
		return "", `ends with ":" but no port; browsers send the origin without the colon`
	case strings.Trim(port, "0123456789") != "":
		return "", fmt.Sprintf("has port %q; a port is a number from 1 to 65535 without leading zeros, or * for any", port)
	}
	digits := strings.TrimLeft(port, "0")
	n, err := strconv.Atoi(digits)
	switch {
	case len(digits) > 5 || err == nil && n > 65535:
		return "", fmt.Sprintf("has port %q, above 65535, so no browser can load a page there", port)
	case digits == "":
		return "", fmt.Sprintf("has port %q, where no server can be reached", port)
	case n == defaultPort(scheme):
		return "", fmt.Sprintf("names the default port %s, which browsers leave out of the origin", port)
	case digits != port:
		return "", fmt.Sprintf("has port %q, which browsers send as %s", port, digits)
	}
	return port, ""
}

// parseAppHost checks the host of an app or extension origin, which is
// compared exactly as written.
func parseAppHost(scheme, host, port string) (string, string) {
	switch {
	case host == "":
		return "", "has no host"
	case strings.Contains(host, "*") || port == "*":
		return "", fmt.Sprintf("is a pattern, but a %s: origin names one app or extension, whose host is a fixed "+
			"name or ID rather than a domain with subdomains and ports; list its exact origin", scheme)
	case len(host) > 253:
		return "", "has a host longer than 253 characters"
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !isAppHostByte(c) {
			return "", fmt.Sprintf("has the character %q in its host", c)
		}
	}
	switch scheme {
	case "chrome-extension":
		return checkChromeID(host)
	case "moz-extension":
		return checkUUID(host, "Firefox's internal UUID for the extension (about:debugging), in lowercase", false)
	case "safari-web-extension":
		return checkUUID(host, "Safari's UUID for the extension", true)
	}
	return host, ""
}

// isAppHostByte: the unreserved characters of RFC 3986, what app and
// extension hosts are made of.
func isAppHostByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func checkChromeID(id string) (string, string) {
	if len(id) == 32 && strings.Trim(id, "abcdefghijklmnop") == "" {
		return id, ""
	}
	if strings.ToLower(id) != id {
		return "", "contains uppercase letters; browsers send origins in lowercase"
	}
	return "", fmt.Sprintf("has extension ID %q; a Chrome extension ID is 32 letters from a to p "+
		"(chrome://extensions shows it)", id)
}

// checkUUID checks an 8-4-4-4-12 hexadecimal UUID; upper allows the
// uppercase form as well, kept as written.
func checkUUID(id, what string, upper bool) (string, string) {
	ok := len(id) == 36
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			ok = c == '-'
		case upper && 'A' <= c && c <= 'F':
		default:
			ok = '0' <= c && c <= '9' || 'a' <= c && c <= 'f'
		}
	}
	if upper && strings.ToLower(id) != id && strings.ToUpper(id) != id {
		ok = false
	}
	if !ok {
		return "", fmt.Sprintf("has host %q where %s belongs (8-4-4-4-12 hexadecimal digits)", id, what)
	}
	return id, ""
}
