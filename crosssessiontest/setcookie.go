package crosssessiontest

import (
	"strconv"
	"strings"
	"time"
)

// setCookie is a parsed Set-Cookie header (RFC 6265bis §5.6).
type setCookie struct {
	name, value   string
	domain        string // without leading dot, lowercase; "" when absent
	path          string // "" when absent or invalid
	maxAge        *int64
	expires       time.Time
	secure        bool
	httpOnly      bool
	sameSite      string // "Lax", "Strict", "None" or ""
	partitioned   bool
	domainPresent bool
}

// maxAttributeValue is the longest attribute value kept (RFC 6265bis §5.6
// step 6; BROWSER-RULES 53).
const maxAttributeValue = 1024

// parseSetCookie parses a Set-Cookie header in RFC 6265bis §5.6's steps:
// the name-value pair, then each attribute; ok is false when name and
// value are both empty.
func parseSetCookie(line string) (c setCookie, ok bool) {
	parts := strings.Split(line, ";")
	c = parseNameValue(parts[0])
	if c.name == "" && c.value == "" {
		return c, false
	}
	for _, a := range parts[1:] {
		k, v, _ := strings.Cut(a, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if len(v) <= maxAttributeValue {
			c.setAttribute(k, v)
		}
	}
	return c, true
}

// parseNameValue: a pair without "=" is a value with an empty name.
func parseNameValue(pair string) setCookie {
	pair = strings.TrimSpace(pair)
	name, value, ok := strings.Cut(pair, "=")
	if !ok {
		name, value = "", pair
	}
	return setCookie{name: strings.TrimSpace(name), value: strings.TrimSpace(value)}
}

// setAttribute applies one attribute, its name lowercase (RFC 6265bis
// §5.6.1-§5.6.7); others are ignored.
func (c *setCookie) setAttribute(name, v string) {
	switch name {
	case "expires":
		if t, ok := parseCookieDate(v); ok {
			c.expires = t
		}
	case "max-age":
		if n, ok := parseMaxAge(v); ok {
			c.maxAge = &n
		}
	case "domain":
		if v != "" {
			c.domain, c.domainPresent = strings.ToLower(strings.TrimPrefix(v, ".")), true
		}
	case "path":
		c.path = ""
		if strings.HasPrefix(v, "/") {
			c.path = v
		}
	case "secure":
		c.secure = true
	case "httponly":
		c.httpOnly = true
	case "samesite":
		c.sameSite = parseSameSite(v)
	case "partitioned":
		c.partitioned = true
	}
}

// parseMaxAge accepts an optional "-" and digits.
func parseMaxAge(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && v != "" && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')
}

// parseSameSite: an invalid value counts as unset (Chromium, Firefox).
func parseSameSite(v string) string {
	switch strings.ToLower(v) {
	case "lax":
		return "Lax"
	case "strict":
		return "Strict"
	case "none":
		return "None"
	}
	return ""
}

func parseCookieDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC1123, "Mon, 02-Jan-2006 15:04:05 MST", time.RFC850, time.ANSIC,
		"Mon, 02 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
