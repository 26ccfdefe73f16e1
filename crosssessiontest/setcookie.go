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

func parseSetCookie(line string) (setCookie, bool) {
	var c setCookie
	parts := strings.Split(line, ";")
	nv := strings.TrimSpace(parts[0])
	name, value, ok := strings.Cut(nv, "=")
	if !ok {
		name, value = "", nv
	}
	c.name, c.value = strings.TrimSpace(name), strings.TrimSpace(value)
	if c.name == "" && c.value == "" {
		return c, false
	}
	for _, a := range parts[1:] {
		k, v, _ := strings.Cut(a, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if len(v) > maxAttributeValue {
			continue
		}
		switch k {
		case "expires":
			if t, ok := parseCookieDate(v); ok {
				c.expires = t
			}
		case "max-age":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && v != "" && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
				c.maxAge = &n
			}
		case "domain":
			if v != "" {
				c.domain = strings.ToLower(strings.TrimPrefix(v, "."))
				c.domainPresent = true
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
			switch strings.ToLower(v) {
			case "lax":
				c.sameSite = "Lax"
			case "strict":
				c.sameSite = "Strict"
			case "none":
				c.sameSite = "None"
			default:
				c.sameSite = "" // invalid values count as unset (Chromium, Firefox)
			}
		case "partitioned":
			c.partitioned = true
		}
	}
	return c, true
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
