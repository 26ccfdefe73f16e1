package crosssessiontest

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// CORSError is a fetch that failed the CORS protocol: the promise rejects
// with a TypeError and the page sees nothing of the response.
type CORSError struct {
	// Kind is Chromium's name for the failure (DevTools'
	// corsErrorStatus): "MissingAllowOriginHeader", "AllowOriginMismatch",
	// "MultipleAllowOriginValues", "WildcardOriginNotAllowed",
	// "InvalidAllowCredentials", and for the preflight
	// "PreflightMissingAllowOriginHeader" (and the other Preflight...
	// forms of those), "PreflightInvalidStatus",
	// "PreflightDisallowedRedirect", "MethodDisallowedByPreflightResponse",
	// "HeaderDisallowedByPreflightResponse",
	// "InvalidAllowMethodsPreflightResponse",
	// "InvalidAllowHeadersPreflightResponse".
	Kind string
	// Reason is crosssession's reason code where one applies:
	// "origin-not-allowed" for a missing Access-Control-Allow-Origin,
	// "preflight-not-allowed" for a method or header the preflight did not
	// allow; else "".
	Reason string
	// Preflight is true when the preflight failed (the request itself was
	// never sent).
	Preflight bool
	// URL is the request that failed; Origin the Origin it carried.
	URL, Origin string
	// Message is the console message, in Chromium's words.
	Message string
}

// Error returns the console message.
func (e *CORSError) Error() string { return e.Message }

func corsError(kind, detail string, preflight bool, u *url.URL, origin string) *CORSError {
	reason := ""
	switch {
	case strings.HasSuffix(kind, "MissingAllowOriginHeader"):
		reason = "origin-not-allowed"
	case kind == "MethodDisallowedByPreflightResponse" || kind == "HeaderDisallowedByPreflightResponse":
		reason = "preflight-not-allowed"
	}
	msg := fmt.Sprintf("Access to fetch at '%s' from origin '%s' has been blocked by CORS policy: ", u, origin)
	if strings.HasPrefix(kind, "Preflight") {
		msg += "Response to preflight request doesn't pass access control check: "
	}
	return &CORSError{Kind: kind, Reason: reason, Preflight: preflight, URL: u.String(), Origin: origin, Message: msg + detail}
}

// corsCheck is Fetch's CORS check (BROWSER-RULES 39).
func corsCheck(h http.Header, origin string, include, preflight bool, u *url.URL) *CORSError {
	prefix := ""
	if preflight {
		prefix = "Preflight"
	}
	fail := func(kind, detail string, args ...any) *CORSError {
		return corsError(prefix+kind, fmt.Sprintf(detail, args...), preflight, u, origin)
	}
	vals := h.Values("Access-Control-Allow-Origin")
	acao := strings.Join(vals, ", ")
	switch {
	case len(vals) == 0:
		return fail("MissingAllowOriginHeader", "No 'Access-Control-Allow-Origin' header is present on the requested resource.")
	case len(vals) > 1 || strings.Contains(acao, ","):
		return fail("MultipleAllowOriginValues", "The 'Access-Control-Allow-Origin' header contains multiple values '%s', but only one is allowed.", acao)
	case acao == "*" && !include:
		return nil
	case acao == "*":
		return fail("WildcardOriginNotAllowed", "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.")
	case acao != origin:
		return fail("AllowOriginMismatch", "The 'Access-Control-Allow-Origin' header has a value '%s' that is not equal to the supplied origin.", acao)
	case !include:
		return nil
	}
	if acac := strings.Join(h.Values("Access-Control-Allow-Credentials"), ", "); acac != "true" {
		return fail("InvalidAllowCredentials", "The value of the 'Access-Control-Allow-Credentials' header in the response is '%s' which must be 'true' when the request's credentials mode is 'include'.", acac)
	}
	return nil
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

var forbiddenHeaders = map[string]bool{
	"accept-charset": true, "accept-encoding": true, "access-control-request-headers": true,
	"access-control-request-method": true, "connection": true, "content-length": true, "cookie": true,
	"cookie2": true, "date": true, "dnt": true, "expect": true, "host": true, "keep-alive": true, "origin": true,
	"referer": true, "set-cookie": true, "te": true, "trailer": true, "transfer-encoding": true, "upgrade": true,
	"via": true,
}

// forbiddenHeader reports whether fetch refuses to let a page set the
// header (Fetch, "forbidden request-header").
func forbiddenHeader(name, value string) bool {
	n := strings.ToLower(name)
	if forbiddenHeaders[n] || strings.HasPrefix(n, "proxy-") || strings.HasPrefix(n, "sec-") {
		return true
	}
	if n == "x-http-method" || n == "x-http-method-override" || n == "x-method-override" {
		for v := range strings.SplitSeq(value, ",") {
			switch strings.ToUpper(strings.TrimSpace(v)) {
			case "CONNECT", "TRACE", "TRACK":
				return true
			}
		}
	}
	return false
}

// safelistedHeader is Fetch's "CORS-safelisted request-header"
// (BROWSER-RULES 43).
func safelistedHeader(name, value string) bool {
	if len(value) > 128 {
		return false
	}
	switch strings.ToLower(name) {
	case "accept":
		return !hasUnsafeByte(value)
	case "accept-language", "content-language":
		return languageValue(value)
	case "content-type":
		return safelistedContentType(value)
	case "range":
		return simpleRange(value)
	}
	return false
}

// hasUnsafeByte reports whether v has a "CORS-unsafe request-header byte".
func hasUnsafeByte(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 && c != '\t' || c == 0x7f || strings.IndexByte("\"():<>?@[\\]{}", c) >= 0 {
			return true
		}
	}
	return false
}

// languageValue reports whether v has only the bytes Fetch allows in a
// safelisted Accept-Language or Content-Language.
func languageValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || strings.IndexByte(" *,-.;=", c) >= 0) {
			return false
		}
	}
	return true
}

// safelistedContentType: one of the three types a form can send.
func safelistedContentType(v string) bool {
	if hasUnsafeByte(v) {
		return false
	}
	mt, _, err := mime.ParseMediaType(v)
	return err == nil && (mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" || mt == "text/plain")
}

// simpleRange is Fetch's "simple range header value": bytes=N- or bytes=N-M.
func simpleRange(v string) bool {
	start, end, ok := strings.Cut(strings.TrimPrefix(v, "bytes="), "-")
	return ok && strings.HasPrefix(v, "bytes=") && start != "" && strings.Trim(start, "0123456789") == "" &&
		strings.Trim(end, "0123456789") == ""
}

// unsafeHeaderNames returns the CORS-unsafe request-header names of h,
// lowercase, sorted and unique, as Access-Control-Request-Headers lists
// them.
func unsafeHeaderNames(h http.Header) []string {
	var names []string
	total := 0
	var safe []string
	for k, vs := range h {
		v := strings.Join(vs, ", ")
		if safelistedHeader(k, v) {
			total += len(v)
			safe = append(safe, strings.ToLower(k))
		} else {
			names = append(names, strings.ToLower(k))
		}
	}
	if total > 1024 {
		names = append(names, safe...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// parseList splits a preflight's method or header list; ok is false when an
// item is not a token.
func parseList(h http.Header, name string) ([]string, bool) {
	var out []string
	for _, v := range h.Values(name) {
		for item := range strings.SplitSeq(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if !isToken(item) {
				return nil, false
			}
			out = append(out, item)
		}
	}
	return out, true
}

var safelistedResponseHeaders = []string{"Cache-Control", "Content-Language", "Content-Length", "Content-Type",
	"Expires", "Last-Modified", "Pragma"}

// exposed returns the headers a page reads from a response.
func exposed(h http.Header, tainting string, include bool) http.Header {
	out := http.Header{}
	if tainting == "basic" {
		for k, v := range h {
			if k != "Set-Cookie" && k != "Set-Cookie2" {
				out[k] = slices.Clone(v)
			}
		}
		return out
	}
	names := slices.Clone(safelistedResponseHeaders)
	list, _ := parseList(h, "Access-Control-Expose-Headers")
	for _, n := range list {
		if n == "*" && !include {
			for k := range h {
				names = append(names, k)
			}
			continue
		}
		names = append(names, n)
	}
	for _, n := range names {
		k := http.CanonicalHeaderKey(n)
		if v, ok := h[k]; ok && k != "Set-Cookie" && k != "Set-Cookie2" {
			out[k] = slices.Clone(v)
		}
	}
	return out
}
