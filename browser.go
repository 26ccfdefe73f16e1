package crosssession

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// What the browser saw and what it will do: the request's scheme and host
// as the browser used them (behind proxies), the engine that sent it, and
// the prediction of what that engine does with the session cookie. Every
// claim about an engine here is a measurement of BROWSER-RULES.md (Chromium
// 156, Firefox 153 ESR, WebKitGTK 2.50) or of the e2e tables.

// browserView returns the scheme and host (host[:port]) the browser used
// for r. TLS means https; then, when the peer is a trusted proxy (see
// Config.TrustedProxies), the first element of Forwarded (RFC 7239: proto=,
// host=), then the first entry of X-Forwarded-Proto / X-Forwarded-Host and
// X-Forwarded-Ssl: on; then plain http and r.Host. The first hop is the
// browser's: proxies append.
func (m *middleware) browserView(r *http.Request) (scheme, host string) {
	scheme, host = "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if !m.trustsPeer(r) {
		return scheme, host
	}
	h := r.Header
	if fwd := get(h, "Forwarded"); fwd != "" {
		p, hst := parseForwarded(fwd)
		if p == "http" || p == "https" {
			scheme = p
		}
		if hst != "" {
			host = hst
		}
		if p != "" || hst != "" {
			return scheme, host
		}
	}
	if p := strings.ToLower(strings.TrimSpace(firstEntry(get(h, "X-Forwarded-Proto")))); p == "http" || p == "https" {
		scheme = p
	} else if strings.EqualFold(get(h, "X-Forwarded-Ssl"), "on") {
		scheme = "https"
	}
	if hst := strings.TrimSpace(firstEntry(get(h, "X-Forwarded-Host"))); hst != "" {
		host = hst
	}
	return scheme, host
}

// canBeSecure reports whether the browser accepts a Secure cookie from r's
// API: https, or a loopback host (Chromium and Firefox; WebKit does not).
func (m *middleware) canBeSecure(r *http.Request) bool {
	scheme, host := m.browserView(r)
	return scheme == "https" || isLoopbackHost(hostname(host))
}

// trustsPeer reports whether r's forwarding headers are read: every peer
// when Config.TrustedProxies is nil, else peers in its ranges.
func (m *middleware) trustsPeer(r *http.Request) bool {
	if m.trusted == nil {
		return true
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range m.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseTrustedProxies parses Config.TrustedProxies as gin's
// SetTrustedProxies does: IP addresses and CIDR ranges. nil stays nil
// (trust every peer); an empty list trusts none.
func parseTrustedProxies(list []string, add func(string, ...any)) []netip.Prefix {
	if list == nil {
		return nil
	}
	out := make([]netip.Prefix, 0, len(list))
	for i, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			add("TrustedProxies[%d] %q is not an IP address or CIDR range (as for gin's SetTrustedProxies), "+
				"e.g. %q or %q", i, s, "10.0.0.0/8", "192.168.1.2")
		}
	}
	return out
}

// firstEntry returns v up to its first comma.
func firstEntry(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return first
}

// parseForwarded returns proto and host of the first element of a
// Forwarded header (RFC 7239 §4), lowercased proto, unquoted values.
func parseForwarded(v string) (proto, host string) {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '"':
			quoted = !quoted
		case v[i] == ',' && !quoted:
			v = v[:i]
		}
	}
	for pair := range strings.SplitSeq(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "proto":
			proto = strings.ToLower(val)
		case "host":
			host = val
		}
	}
	return proto, host
}

// engine is the browser engine a User-Agent names.
type engine uint8

const (
	engineUnknown engine = iota
	engineChromium
	engineFirefox
	engineWebKit // Safari, WebKitGTK, every browser on iOS
)

// engineFromUA classifies a User-Agent. Chromium-based browsers say Chrome/
// (or Edg/, HeadlessChrome/); browsers on iOS (CriOS, FxiOS) are WebKit
// and say AppleWebKit/ without Chrome/.
func engineFromUA(ua string) engine {
	switch {
	case strings.Contains(ua, "Firefox/") && !strings.Contains(ua, "FxiOS/"):
		return engineFirefox
	case strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Chromium/"):
		return engineChromium
	case strings.Contains(ua, "AppleWebKit/"):
		return engineWebKit
	}
	return engineUnknown
}

// cookieFacts is what the server knows when it sets the session cookie.
type cookieFacts struct {
	name        string
	secure      bool
	partitioned bool
	sameSite    http.SameSite
	scheme      string // the API's, as the browser saw it
	host        string // host[:port], as the browser saw it
	origin      string // the Origin header, or ""
	crossSite   bool   // the request is cross-site (Sec-Fetch-Site, or the sites differ)
	navigation  bool   // a top-level navigation (a form POST, a redirect), not fetch
	redirectTo  string // the allowed, cross-site front end a navigation redirects to, or ""
	engine      engine
}

// cookieVerdict predicts whether the browser that sent the request stores
// the session cookie this response sets: the reason and its arguments when
// it will not, the zero reason when it will, or when the evidence does not
// say it will not: a refusal by WebKit alone is reported only to a
// User-Agent that names WebKit.
func cookieVerdict(f cookieFacts) (reason, []any) {
	host := hostname(f.host)
	api := func() string { return f.scheme + "://" + f.host }
	switch {
	case f.secure && f.scheme == "http" && !isLoopbackHost(host):
		return rCookieSecureHTTP, []any{f.name, host}
	case f.secure && f.scheme == "http" && f.engine == engineWebKit && !f.crossSite:
		return rCookieSecureLocalhost, []any{f.name, host}
	case f.navigation && f.redirectTo != "":
		return rCookieOnNavigation, []any{f.name, f.redirectTo}
	case !f.crossSite || f.navigation:
		return reason{}, nil
	case f.sameSite != http.SameSiteNoneMode && f.scheme == "http" && !isLoopbackHost(host):
		return rCookieCrossSiteHTTP, []any{f.name, sameSiteName(f.sameSite), f.origin, api()}
	case f.sameSite != http.SameSiteNoneMode:
		return rCookieCrossSite, []any{f.name, sameSiteName(f.sameSite), f.origin, api()}
	case !f.partitioned && f.engine != engineFirefox:
		return rCookieNotPartitioned, []any{f.name, f.origin, api()}
	case f.engine == engineWebKit:
		return rCookieWebKitCrossSite, []any{f.name, f.origin, api()}
	}
	return reason{}, nil
}

// cookieMemory remembers, per allowed Origin (at most limiterMaxKeys, then
// it starts over), when this middleware last gave a page of that origin
// the session cookie and when it last expired one: the evidence that a
// request without any cookie comes from a front end that should have had
// one.
type cookieMemory struct {
	seen sync.Map // origin -> *cookieEvents
	keys atomic.Int64
}

type cookieEvents struct{ given, expired atomic.Int64 } // unix nanoseconds

func (cm *cookieMemory) events(origin string, create bool) *cookieEvents {
	if v, ok := cm.seen.Load(origin); ok {
		return v.(*cookieEvents)
	}
	if !create || origin == "" {
		return nil
	}
	if cm.keys.Load() >= limiterMaxKeys {
		cm.seen.Clear() // forget rather than stop learning
		cm.keys.Store(0)
	}
	v, loaded := cm.seen.LoadOrStore(clip(origin), new(cookieEvents))
	if !loaded {
		cm.keys.Add(1)
	}
	return v.(*cookieEvents)
}

func (cm *cookieMemory) given(origin string) {
	if e := cm.events(origin, true); e != nil {
		e.given.Store(time.Now().UnixNano())
	}
}

func (cm *cookieMemory) expired(origin string) {
	if e := cm.events(origin, true); e != nil {
		e.expired.Store(time.Now().UnixNano())
	}
}

// lastGiven returns how long ago a page of origin was given the cookie,
// if that happened after the last expiry.
func (cm *cookieMemory) lastGiven(origin string) (time.Duration, bool) {
	e := cm.events(origin, false)
	if e == nil {
		return 0, false
	}
	g := e.given.Load()
	if g == 0 || e.expired.Load() >= g {
		return 0, false
	}
	return time.Duration(time.Now().UnixNano() - g), true
}
