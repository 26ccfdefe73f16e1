// Package origin is crosssession's origin grammar: it parses the origins a
// configuration lists, compiles them into an allow-list matched against the
// Origin request header, and computes the schemeful site of an origin.
//
// A configured origin is written exactly as browsers send it:
//
//	https://app.example.com        exact
//	https://*.example.com          one or more whole labels before .example.com
//	http://localhost:*             any port (or none)
//	https://*.example.com:*        both
//	capacitor://localhost          an app or extension origin (exact only)
//
// Hosts are checked the way the URL Standard's host parser reads them
// (https://url.spec.whatwg.org/#host-parsing), so a value a browser would
// rewrite ("http://127.1") or refuse ("http://256.0.0.1") is an error that
// says what the browser sends instead.
//
// The package depends on nothing else in crosssession.
package origin

import (
	"fmt"
	"strings"
	"unicode"
)

// A Rule is one parsed origin or pattern. The zero Rule is not a valid
// rule; build Rules with [Parse].
type Rule struct {
	// Scheme is the lowercase scheme: "http", "https", or an app or
	// extension scheme such as "capacitor" or "chrome-extension".
	Scheme string
	// Host is the host as browsers serialize it: a lowercase domain, a
	// dotted IPv4 address, a bracketed IPv6 address, or, for app and
	// extension schemes, the host exactly as written. With Wildcard it is
	// the domain after "*.".
	Host string
	// Wildcard makes the rule match one or more whole labels before
	// "." + Host, never Host itself. Only for http and https.
	Wildcard bool
	// Port is "" (the scheme's default port, which browsers leave out),
	// a decimal port, or "*" for any port or none (http and https only).
	Port string
}

// String returns the rule in its canonical form, the form [Parse] accepts:
// Parse(r.String()) returns r for every Rule Parse returned.
func (r Rule) String() string {
	var b strings.Builder
	b.WriteString(r.Scheme)
	b.WriteString("://")
	if r.Wildcard {
		b.WriteString("*.")
	}
	b.WriteString(r.Host)
	if r.Port != "" {
		b.WriteByte(':')
		b.WriteString(r.Port)
	}
	return b.String()
}

// Exact reports whether the rule matches exactly one origin.
func (r Rule) Exact() bool { return !r.Wildcard && r.Port != "*" }

// IsHTTP reports whether the rule's scheme is http or https, the schemes of
// pages loaded from a web server. Other schemes name an app or extension.
func (r Rule) IsHTTP() bool { return isWebScheme(r.Scheme) }

// An Error is a configured origin that Parse refuses.
type Error struct {
	// Value is the configured value, as given.
	Value string
	// Reason completes the sentence `origin "<Value>" ...`: what is wrong,
	// and what a browser does with such an origin.
	Reason string
	// Suggestion is the value to write instead, which Parse accepts, or ""
	// when no single value means what Value meant.
	Suggestion string
}

// Error returns `origin "<value>" <reason>; did you mean "<suggestion>"?`,
// without a package prefix.
func (e *Error) Error() string {
	msg := fmt.Sprintf("origin %q %s", e.Value, e.Reason)
	if e.Suggestion != "" {
		msg += fmt.Sprintf("; did you mean %q?", e.Suggestion)
	}
	return msg
}

// Parse parses one configured origin. Its error, always an [*Error], says
// what is wrong and, where one value fixes it, suggests that value.
func Parse(s string) (Rule, error) {
	r, reason := parse(s)
	if reason == "" {
		return r, nil
	}
	e := &Error{Value: s, Reason: reason}
	if fix := Suggest(s); fix != s {
		e.Suggestion = fix
	}
	return Rule{}, e
}

// parse is Parse in steps, returning the reason for a refusal instead of an
// error: the whole text, the scheme, what follows the host, the host, then
// the port.
func parse(s string) (Rule, string) {
	if reason := checkText(s); reason != "" {
		return Rule{}, reason
	}
	scheme, rest, reason := parseScheme(s)
	if reason != "" {
		return Rule{}, reason
	}
	hostport, reason := parseAuthority(rest)
	if reason != "" {
		return Rule{}, reason
	}
	host, port := SplitHostPort(hostport)
	r := Rule{Scheme: scheme}
	if !isWebScheme(scheme) {
		r.Host, reason = parseAppHost(scheme, host, port)
	} else {
		r.Host, r.Wildcard, reason = parseWebHost(scheme, host)
	}
	if reason != "" {
		return Rule{}, reason
	}
	hasPort := port != "" || strings.HasSuffix(hostport, ":")
	if r.Port, reason = parsePort(scheme, port, hasPort); reason != "" {
		return Rule{}, reason
	}
	return r, ""
}

// checkText refuses values that are not an origin at all, before any part
// is read.
func checkText(s string) string {
	switch {
	case s == "":
		return fmt.Sprintf("is empty; write the front end's origin, e.g. %q", "https://app.example.com")
	case s == "*":
		return fmt.Sprintf("allows every site, which crosssession never does (with a cookie session browsers refuse "+
			"it, and it would let any page act as the user); list the front-end origins, for a Bearer API too, e.g. %q "+
			"or %q", "https://app.example.com", "https://*.example.com")
	case strings.EqualFold(s, "null"):
		return "is sent by sandboxed iframes, file: pages and redirects, so any attacker page can claim it; " +
			"it is never allowed"
	case refusedScheme(s) != "":
		return refusedScheme(s)
	case looksLikeRegexp(s):
		return regexpReason(s)
	case strings.ContainsFunc(s, unicode.IsSpace):
		return "contains whitespace"
	case strings.Contains(s, ","):
		return "is a comma-separated list; give each origin as its own string"
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "contains non-ASCII characters; browsers send the punycode (xn--) form"
		}
	}
	return ""
}

// parseAuthority returns what follows "scheme://" if it is only
// host[:port].
func parseAuthority(rest string) (string, string) {
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		if rest[i:] == "/" {
			return "", "ends with a slash; browsers send origins without one"
		}
		return "", "has a path, query or fragment; an origin is only scheme://host[:port]"
	}
	if strings.Contains(rest, "@") {
		return "", "has userinfo (user@); an origin is only scheme://host[:port]"
	}
	return rest, ""
}
