package crosssession

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/crosssession/crosssession/internal/origin"
	"github.com/gin-gonic/gin"
)

const (
	diagnosticsLogEvery      = time.Minute
	diagnosticsHeaderMaxSize = 1024
)

// limiter lets one log line through per key per interval and counts the
// rest, so a busy server is not flooded. It remembers at most
// limiterMaxKeys keys; past that, events share their reason's key.
//
// It compares clock readings rather than closing a key and reopening it
// with a timer: a timer started inside a testing/synctest bubble never
// fires once the bubble ends, which would silence a reason for good in a
// test process that shares a middleware between tests.
type limiter struct {
	every time.Duration
	seen  sync.Map // key string -> *limitEntry
	keys  atomic.Int64
	// recent is the entry of the last key looked up: a run of events of
	// one reason (an unlisted origin in Production, whose key is its
	// reason's code) skips the map. Entries are never removed, so it is
	// never stale.
	recent atomic.Pointer[limitEntry]
	// start is the limiter's first clock reading, taken on its first use
	// (a zero limiter works); now is its Unix time plus time.Since(start),
	// one read of the monotonic clock instead of time.Now's two clocks.
	// Inside a testing/synctest bubble time has no monotonic reading and
	// time.Since subtracts wall times, so now is the bubble's fake time,
	// as time.Now would give.
	startOnce sync.Once
	start     time.Time
	startUnix int64
}

const limiterMaxKeys = 1024

type limitEntry struct {
	key        string       // the key it is stored under
	last       atomic.Int64 // unix nanoseconds of the last line logged
	suppressed atomic.Int64 // events since then
}

// allow reports whether an event for key may be logged now, and how many
// were suppressed since the last one. fallback is used when key is new and
// the limiter is full.
func (l *limiter) allow(key, fallback string) (bool, int64) {
	e := l.recent.Load()
	if e == nil || e.key != key {
		v, ok := l.seen.Load(key)
		if !ok {
			if l.keys.Load() >= limiterMaxKeys {
				key = fallback
			}
			var loaded bool
			v, loaded = l.seen.LoadOrStore(key, &limitEntry{key: key})
			if !loaded {
				l.keys.Add(1)
			}
		}
		e = v.(*limitEntry)
		l.recent.Store(e)
	}
	now := l.now()
	last := e.last.Load()
	if last != 0 && now-last < int64(l.every) && now >= last {
		e.suppressed.Add(1)
		return false, 0
	}
	if !e.last.CompareAndSwap(last, now) {
		e.suppressed.Add(1)
		return false, 0
	}
	return true, e.suppressed.Swap(0)
}

// now is the current time in Unix nanoseconds, read from the monotonic
// clock where there is one.
func (l *limiter) now() int64 {
	l.startOnce.Do(func() {
		l.start = time.Now()
		l.startUnix = l.start.UnixNano()
	})
	return l.startUnix + int64(time.Since(l.start))
}

// diagnose reports that the browser is going to fail this request, or that
// the session did something the user must hear about. In Development (or
// with Config.DebugHeader) the reason goes into the X-Crosssession-Debug
// response header while the headers can still change; the log gets one
// line per reason and origin's site per minute (per reason in Production).
// c is nil once the request is over.
func (m *middleware) diagnose(c *gin.Context, r reason, origin string, args ...any) {
	m.diagnoseFunc(c, r.code, origin, func() string { return r.text(args...) })
}

// diagnoseFunc is diagnose with the message built only when a header or a
// log line will show it: on a busy production server, at most once per
// reason per minute.
func (m *middleware) diagnoseFunc(c *gin.Context, code, origin string, msg func() string) {
	header := m.debugHeader && c != nil && !c.Writer.Written()
	key := code
	if m.mode == Development && origin != "" {
		key = code + " " + siteOf(clip(origin))
	}
	logIt, suppressed := m.limit.allow(key, code)
	if !header && !logIt {
		return
	}
	text := msg()
	if header {
		c.Writer.Header().Add(hDebug, headerSafe(code+": "+text))
	}
	if !logIt {
		return
	}
	attrs := []any{"reason", code}
	if origin != "" {
		attrs = append(attrs, "origin", clip(origin))
	}
	if c != nil {
		attrs = append(attrs, "method", c.Request.Method, "path", clip(c.Request.URL.Path))
	}
	if suppressed > 0 {
		attrs = append(attrs, "suppressed", suppressed)
	}
	m.logger().Warn("crosssession: "+text, attrs...)
}

// clip bounds a client-supplied string quoted in diagnostics.
func clip(s string) string {
	if len(s) > maxOriginLen {
		return s[:maxOriginLen] + "..."
	}
	return s
}

// headerSafe makes s a header value every browser shows as written:
// printable ASCII only (browsers read header bytes as Latin-1, and the
// Origin quoted in a message is whatever the client sent), bounded length.
func headerSafe(s string) string {
	if len(s) > diagnosticsHeaderMaxSize {
		s = s[:diagnosticsHeaderMaxSize]
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '?'
		}
		return r
	}, s)
}

// diagnoseRequest explains refusals decided before the handlers run.
func (m *middleware) diagnoseRequest(c *gin.Context, d decision) {
	r := c.Request
	switch {
	case d.action == actForbid:
		m.diagnose(c, rCSRF, d.origin, r.Method, clip(d.origin), clip(get(r.Header, hSecFetchSite)), clip(viewHost(m, r)), d.csrf)
	case d.origin != "" && !d.allow && !corsExempt(r) && !m.sameOrigin(r, d.origin):
		m.diagnoseFunc(c, rOriginNotAllowed.code, d.origin, func() string {
			o := clip(d.origin)
			msg := rOriginNotAllowed.text(o)
			if m.mode != Development {
				return msg
			}
			if near := m.nearest(d.origin); near != "" {
				msg += fmt.Sprintf(nearMissText, near)
				if siteOf(near) != siteOf(o) {
					msg += fmt.Sprintf(otherSiteText, o)
				}
			}
			return msg
		})
	}
}

// preflightProblem says why the browser will refuse the request a
// preflight from an allowed origin is for, or returns "": a method not in
// AllowMethods (compared case-sensitively, as browsers do; GET, HEAD and
// POST need no listing) or a request header not in AllowHeaders (compared
// case-insensitively). It allocates only when there is a problem.
func (m *middleware) preflightProblem(h http.Header) (reason, []any) {
	method := get(h, hRequestMethod)
	if method != "GET" && method != "HEAD" && method != "POST" && !slices.Contains(m.methodList, method) {
		if up := strings.ToUpper(method); slices.Contains(m.methodList, up) {
			return rPreflightMethodCase, []any{clip(method), up, up}
		}
		return rPreflightMethod, []any{clip(method), m.methods}
	}
	var missing []string
	for name := range strings.SplitSeq(get(h, "Access-Control-Request-Headers"), ",") {
		name = strings.TrimSpace(name)
		if name != "" && !slices.ContainsFunc(m.headerList, func(a string) bool { return strings.EqualFold(a, name) }) {
			missing = append(missing, clip(name))
		}
	}
	if len(missing) > 0 {
		return rPreflightHeaders, []any{strings.Join(missing, ", "), m.headers}
	}
	return reason{}, nil
}

// checkResponse runs just before the headers of a session route are
// written: it predicts what the browser will do with the cookie.
func (m *middleware) checkResponse(s *reqSession) {
	r := s.r
	if s.setCookie {
		opts := s.options()
		if opts.MaxAge < 0 {
			if s.allowed {
				m.cookies.expired(s.origin)
			}
		} else {
			if s.allowed && !isNavigation(r) { // a navigation's cookie is first-party: no evidence for fetches
				m.cookies.given(s.origin)
			}
			scheme, host := m.browserView(r)
			if r, args := cookieVerdict(cookieFacts{
				name: s.cfg.name, secure: opts.Secure, partitioned: opts.Partitioned, sameSite: opts.SameSite,
				scheme: scheme, host: host, origin: s.origin, crossSite: crossSite(r, s.origin, scheme, host),
				navigation: isNavigation(r), engine: engineFromUA(get(r.Header, "User-Agent")),
				redirectTo: m.crossSiteRedirect(s, scheme, host),
			}); r.code != "" {
				m.diagnose(s.c, r, s.origin, args...)
			}
		}
	}
	if s.gs != nil && !s.hadCookie && !s.setCookie && s.allowed && len(r.Header[hCookie]) == 0 && !isNavigation(r) &&
		!m.sameOrigin(r, s.origin) {
		if since, ok := m.cookies.lastGiven(s.origin); ok {
			m.diagnose(s.c, rNoCookie, s.origin, s.origin, since.Round(time.Second), m.whereToLook())
		}
	}
}

// crossSiteRedirect returns the origin of a redirect this response makes to
// an allowed front end that is cross-site with the API, or "".
func (m *middleware) crossSiteRedirect(s *reqSession, scheme, host string) string {
	if st := s.inner.Status(); st < 300 || st > 399 {
		return ""
	}
	u, err := url.Parse(s.inner.Header().Get("Location"))
	if err != nil || u.Host == "" {
		return ""
	}
	o := u.Scheme + "://" + u.Host
	if !m.allowed(o) || siteOf(o) == siteOf(scheme+"://"+host) {
		return ""
	}
	return o
}

// whereToLook says where the reason for a refused cookie shows.
func (m *middleware) whereToLook() string {
	if m.debugHeader {
		return "look for " + hDebug + " on that response"
	}
	return "look for a cookie-* reason in this log"
}

// crossSite reports whether the request is cross-site: Sec-Fetch-Site
// says so, or the Origin's schemeful site differs from the API's.
func crossSite(r *http.Request, origin, scheme, host string) bool {
	if sfs := get(r.Header, hSecFetchSite); sfs != "" {
		return sfs == "cross-site"
	}
	return origin != "" && siteOf(origin) != siteOf(scheme+"://"+host)
}

// isNavigation reports whether the request is a top-level navigation
// (a form POST, a redirect, a link), whose cookies are first-party.
// Browsers send Sec-Fetch-Mode only to potentially trustworthy URLs; on
// plain-http hosts a navigation is told by its Accept header.
func isNavigation(r *http.Request) bool {
	if mode := get(r.Header, "Sec-Fetch-Mode"); mode != "" {
		return mode == "navigate"
	}
	return acceptsHTML(r)
}

func acceptsHTML(r *http.Request) bool {
	return strings.HasPrefix(get(r.Header, "Accept"), "text/html")
}

// corsExempt reports whether CORS headers would change nothing for r's
// response: a navigation (a provider's callback, a form), a WebSocket
// handshake, or a no-cors request, whose response the page cannot read
// anyway (the Fetch standard's request modes, sent as Sec-Fetch-Mode).
func corsExempt(r *http.Request) bool {
	switch get(r.Header, "Sec-Fetch-Mode") {
	case "navigate", "nested-navigate", "websocket", "no-cors":
		return true
	case "":
		return acceptsHTML(r)
	}
	return false
}

func sameSiteName(s http.SameSite) string {
	switch s {
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	}
	return "Lax"
}

// sameOrigin reports whether origin is the request's own origin, as the
// browser saw the request.
func (m *middleware) sameOrigin(r *http.Request, origin string) bool {
	if get(r.Header, hSecFetchSite) == "same-origin" {
		return true
	}
	scheme, host, ok := strings.Cut(origin, "://")
	if !ok {
		return false
	}
	if host != r.Host && !m.mayForwardHost(r) {
		return false // the browser's host is r.Host: no need to work out the scheme
	}
	vs, vh := m.browserView(r)
	return host == vh && scheme == vs
}

// mayForwardHost reports whether browserView may read a host other than
// r.Host from r's forwarding headers.
func (m *middleware) mayForwardHost(r *http.Request) bool {
	return (len(r.Header["Forwarded"]) > 0 || len(r.Header["X-Forwarded-Host"]) > 0) && m.trustsPeer(r)
}

// get is h.Get(k) for a k already in canonical form, without
// canonicalizing it on every call.
func get(h http.Header, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func viewHost(m *middleware, r *http.Request) string {
	_, h := m.browserView(r)
	return h
}

func hostname(hostport string) string {
	h, _ := splitHostPort(hostport)
	return h
}

// nearCand is a configured origin as a near-miss candidate: an exact
// origin, or a pattern instantiated for the request (a wildcard as "app."
// under its base, any port as the request's port).
type nearCand struct {
	scheme, host, port string // port "*": the request's
	loopback           bool
}

func nearCandidates(rules []originRule) []nearCand {
	cs := make([]nearCand, 0, len(rules))
	for _, r := range rules {
		h := r.Host
		if r.Wildcard {
			h = "app." + r.Host
		}
		cs = append(cs, nearCand{r.Scheme, h, r.Port, isLoopbackHost(r.Host)})
	}
	return cs
}

// maxNearEdits is how far from a configured origin an Origin may be to be
// called a near miss.
const maxNearEdits = 3

// nearest returns the configured origin most like o, or "" when none
// is a near miss: a loopback host swapped for another (localhost vs
// 127.0.0.1) or a few characters off (a port typo, http vs https). It
// allocates only its result.
func (m *middleware) nearest(o string) string {
	if len(o) > 100 {
		return ""
	}
	scheme, rest, _ := strings.Cut(o, "://")
	host, port := splitHostPort(rest)
	loopback := isLoopbackHost(host)
	var buf [300]byte
	best, bestScore, bestPort := -1, maxNearEdits+1, ""
	for i, c := range m.near {
		p := c.port
		if p == "*" {
			p = port
		}
		score := maxNearEdits + 1
		if c.loopback && loopback && c.scheme == scheme && p == port {
			score = 0 // localhost ↔ 127.0.0.1: the classic mix-up
		} else {
			score = origin.EditDistance(o, appendOrigin(buf[:0], c.scheme, c.host, p), maxNearEdits)
		}
		if score < bestScore {
			best, bestScore, bestPort = i, score, p
		}
	}
	if best < 0 {
		return ""
	}
	c := m.near[best]
	return string(appendOrigin(buf[:0], c.scheme, c.host, bestPort))
}

func appendOrigin(b []byte, scheme, host, port string) []byte {
	b = append(append(append(b, scheme...), "://"...), host...)
	if port != "" {
		b = append(append(b, ':'), port...)
	}
	return b
}

// Report returns the startup report New logs: the policy as the browser
// will see it (allowed origins, the Set-Cookie template, CSRF status) and
// warnings a reading of the browser rules finds, or the validation errors.
func (c Config) Report() string {
	cc, err := c.compile()
	if err != nil {
		var b strings.Builder
		fmt.Fprintf(&b, "crosssession: %s policy\n  invalid:\n", c.Mode)
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintf(&b, "    %s\n", line)
		}
		return b.String()
	}
	return cc.report()
}

// reportLine is one line of the startup report: a key and its value.
type reportLine struct{ key, value string }

// summary returns the report's first line and its lines before the
// warnings.
func (cc *compiled) summary() (string, []reportLine) {
	c := cc.cfg
	kind := "session"
	if c.NoSession {
		kind = "bearer (no session)"
	}
	var origins []string
	for _, r := range cc.rules {
		origins = append(origins, r.String())
	}
	list := strings.Join(origins, ", ")
	if c.AllowOriginFunc != nil {
		list += ", and those AllowOriginFunc allows"
	}
	lines := []reportLine{{"origins", list}}
	if c.NoSession {
		lines = append(lines, reportLine{"cookie", "none; no Access-Control-Allow-Credentials; front ends call without credentials"},
			reportLine{"csrf", "off (no ambient credential)"})
	} else {
		k := cc.cookie
		if cross, ok := k.crossSite(); ok {
			lines = append(lines, reportLine{"cookie", "Set-Cookie: " + k.template() + " (same-site front ends)"},
				reportLine{"cookie", "Set-Cookie: " + cross.template() + " (cross-site front ends)"})
		} else {
			lines = append(lines, reportLine{"cookie", "Set-Cookie: " + k.template()})
		}
		lines = append(lines,
			reportLine{"csrf", "on: POST, PUT, PATCH, DELETE from a cross-origin page not listed above get 403"})
		for _, p := range c.InsecureBypassPatterns {
			lines = append(lines, reportLine{"csrf", "exempt: " + p + " (the handler must check state/nonce itself)"})
		}
		store := "signed and encrypted cookie"
		if c.Store != nil {
			store = fmt.Sprintf("%T", c.Store)
		}
		if c.Backend != nil {
			store = fmt.Sprintf("%T, one value at a time; the cookie carries the session ID", c.Backend)
		}
		lines = append(lines, reportLine{"store", store}, reportLine{"lifetime", cc.lifetimeLine()})
	}
	lines = append(lines, reportLine{"preflight", fmt.Sprintf("204, Access-Control-Max-Age %d, methods %s, headers %s",
		int(cc.maxAge.Seconds()), strings.Join(cc.methods, ", "), strings.Join(cc.headers, ", "))})
	return fmt.Sprintf("crosssession: %s policy, %s", c.Mode, kind), lines
}

// report is Report for a valid, compiled Config.
func (cc *compiled) report() string {
	var b strings.Builder
	title, lines := cc.summary()
	b.WriteString(title + "\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "  %-10s %s\n", l.key+":", l.value)
	}
	for _, w := range cc.warnings() {
		fmt.Fprintf(&b, "  warning:   %s\n", w)
	}
	return b.String()
}

// logReport logs the report the structured way: one record with a
// attribute per line (repeated keys become a list), then one warning
// record each, so that it reads well under any slog handler.
func (cc *compiled) logReport(log *slog.Logger) {
	title, lines := cc.summary()
	var attrs []any
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && lines[j].key == lines[i].key {
			j++
		}
		if j == i+1 {
			attrs = append(attrs, lines[i].key, lines[i].value)
		} else {
			var vs []string
			for _, l := range lines[i:j] {
				vs = append(vs, l.value)
			}
			attrs = append(attrs, lines[i].key, vs)
		}
		i = j
	}
	log.Info(title, attrs...)
	for _, w := range cc.warnings() {
		log.Warn("crosssession: "+w, "policy", cc.cfg.Mode.String())
	}
}

// crossSiteWarnings, given Config.APIOrigin, names the front ends that are
// cross-site with the API and what each engine does with the cookie there.
func (cc *compiled) crossSiteWarnings() []string {
	c := cc.cfg
	if c.APIOrigin == "" {
		return nil
	}
	var ws []string
	apiSite := siteOf(c.APIOrigin)
	for _, r := range cc.rules {
		o := r.String()
		if r.Wildcard {
			o = r.Scheme + "://x." + r.Host
		}
		if r.IsHTTP() && siteOf(o) != apiSite {
			ws = append(ws, cc.crossSiteWarning(r.String()))
		}
	}
	return ws
}

// crossSiteWarning says what the engines do with the cookie of a front end
// cross-site with Config.APIOrigin.
func (cc *compiled) crossSiteWarning(origin string) string {
	c, k := cc.cfg, cc.cookie
	_, variant := k.crossSite()
	api, _ := parseOrigin(c.APIOrigin, false)
	secure := api.Scheme == "https" || isLoopbackHost(api.Host)
	switch {
	case variant && !secure:
		return fmt.Sprintf("%s is cross-site with the API %s, which is plain http: no cookie works there "+
			"in Chromium, Firefox or WebKit (the cross-site cookie needs Secure, which plain http refuses off "+
			"localhost); serve the API over https, or make them same-site", origin, c.APIOrigin)
	case variant:
		return fmt.Sprintf("%s is cross-site with the API %s: Chromium and Firefox keep its "+
			"SameSite=None; Partitioned cookie for fetch logins, WebKit (Safari) keeps no cross-site cookie at all "+
			"(measured in WebKitGTK 2.50); for every engine put the API on a subdomain of the front end's site, "+
			"or serve both from one origin through a proxy", origin, c.APIOrigin)
	case k.SameSite != http.SameSiteNoneMode:
		return fmt.Sprintf("%s is cross-site with the API %s, and the cookie is SameSite=%s: Chromium, "+
			"Firefox and WebKit refuse it; use SameSite=None with Partitioned (crosssession.Prod) or make them "+
			"same-site", origin, c.APIOrigin, sameSiteName(k.SameSite))
	case !k.Partitioned:
		return fmt.Sprintf("%s is cross-site with the API %s and the cookie is not Partitioned: Chromium "+
			"refuses it when third-party cookies are blocked (the default of Debian's Chromium 156, and of "+
			"Incognito windows) and WebKit always does; set Cookie.Partitioned", origin, c.APIOrigin)
	default:
		return fmt.Sprintf("%s is cross-site with the API %s: Chromium and Firefox keep the Partitioned "+
			"cookie for fetch logins, WebKit (Safari) keeps no cross-site cookie at all (measured in WebKitGTK "+
			"2.50); for every engine put the API on a subdomain of the front end's site, or serve both from one "+
			"origin through a proxy", origin, c.APIOrigin)
	}
}

// warnings reads a valid config against the browser rules.
func (cc *compiled) warnings() []string {
	c := cc.cfg
	var ws []string
	if c.PreflightMaxAge > maxPreflightAge {
		ws = append(ws, fmt.Sprintf("PreflightMaxAge %v is above Chromium's cap of 2h; 7200 is sent", c.PreflightMaxAge))
	}
	ws = append(ws, cc.loopbackWarnings()...)
	for _, m := range cc.methods {
		if up := strings.ToUpper(m); m != up && !slices.Contains(cc.methods, up) {
			ws = append(ws, fmt.Sprintf("AllowMethods lists %q but not %q: fetch sends methods other than DELETE, GET, "+
				"HEAD, OPTIONS, POST and PUT exactly as written, so a front end calling with method %q fails its preflight",
				m, up, up))
		}
	}
	if c.NoSession {
		if !slices.ContainsFunc(cc.headers, func(h string) bool { return strings.EqualFold(h, "Authorization") }) {
			ws = append(ws, "AllowHeaders lacks Authorization, so bearer-token requests fail their preflight")
		}
		return ws
	}
	return append(ws, cc.cookieWarnings()...)
}

// loopbackWarnings warns when origins mix localhost and 127.0.0.1.
func (cc *compiled) loopbackWarnings() []string {
	c := cc.cfg
	var names, ips bool
	for _, r := range cc.rules {
		if a, err := netip.ParseAddr(r.Host); err == nil && a.Is4() && a.IsLoopback() {
			ips = true
		} else if r.Host == "localhost" {
			names = true
		}
	}
	if !names || !ips || c.Mode == Development && slices.Equal(c.Origins, Dev().Origins) {
		return nil
	}
	return []string{"origins mix localhost and 127.0.0.1, which are different sites: a cookie set for one is never " +
		"sent to the other; open the front end and the API under the same name"}
}

// cookieWarnings reads the session cookie against the browsers' rules.
func (cc *compiled) cookieWarnings() []string {
	var ws []string
	k := cc.cookie
	if k.MaxAge > 400*24*time.Hour {
		ws = append(ws, fmt.Sprintf("Cookie.MaxAge %v is above the browsers' cap of 400 days", k.MaxAge))
	}
	for _, r := range cc.rules {
		if !r.IsHTTP() {
			ws = append(ws, fmt.Sprintf("%s is an app or extension origin, which is never same-site with an http(s) "+
				"API, so the session cookie is a third-party cookie there, and crosssession's browser measurements "+
				"do not cover such shells: prefer a Bearer policy for it, or test the session in the shell", r.String()))
		}
	}
	ws = append(ws, cc.crossSiteWarnings()...)
	if cc.cfg.Mode == Development && !k.Insecure {
		ws = append(ws, fmt.Sprintf("cookie %q is Secure: WebKit (Safari) stores no Secure cookie from plain "+
			"http://localhost (measured in WebKitGTK 2.50), while Chromium 156 and Firefox 153 do", k.Name))
	}
	return ws
}
