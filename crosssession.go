package crosssession

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// New validates cfg, compiles it and returns the middleware. It panics with
// the error of [Config.Validate] if cfg has any problem: call it at startup,
// like route registration. Changing cfg after New has no effect.
//
// Register it before any middleware that may reject a request (auth, rate
// limits), so preflights and error responses carry CORS headers.
func New(cfg Config) gin.HandlerFunc {
	return mustCompile(cfg).handle
}

// middleware is a compiled Config.
type middleware struct {
	mode        Mode
	near        []nearCand     // the origins, for near-miss suggestions
	trusted     []netip.Prefix // Config.TrustedProxies; nil: every peer
	cookies     cookieMemory   // evidence for no-cookie
	routes      routesOnce     // the route table, for preflights
	fromRoutes  bool           // Config.PreflightFromRoutes
	chainSeen   atomic.Bool    // New's first request checked its chain
	origins     *originSet
	originFunc  func(origin string) bool // Config.AllowOriginFunc
	debugHeader bool
	limit       limiter
	credentials bool
	cop         *http.CrossOriginProtection
	copStrict   *http.CrossOriginProtection // cop without InsecureBypassPatterns
	sess        *sessionConfig              // nil with NoSession
	log         *slog.Logger                // nil: slog.Default()
	group       bool                        // created by Group
	base        string                      // a Group's base path
	ownRoutes   [2]string                   // the preflight routes a Group registered; empty otherwise
	subs        []*middleware               // Groups nested under ownRoutes, longest base first

	// Header values built once, as strings: every response gets its own
	// []string values (see headerValues), so no response shares mutable
	// memory with another.
	methods, headers, maxAge string
	methodList, headerList   []string // the same, to diagnose preflights
	expose                   string   // "" when none
	onError                  func(c *gin.Context, status int, err error)
}

func mustCompile(cfg Config) *middleware {
	m, err := compileMiddleware(cfg)
	if err != nil {
		panic(err)
	}
	return m
}

func compileMiddleware(cfg Config) (*middleware, error) {
	cc, err := cfg.compile()
	if err != nil {
		return nil, err
	}
	m := &middleware{
		mode:        cfg.Mode,
		near:        nearCandidates(cc.rules),
		trusted:     cc.trusted,
		methodList:  cc.methods,
		headerList:  cc.headers,
		origins:     compileOrigins(cc.rules),
		originFunc:  cfg.AllowOriginFunc,
		debugHeader: cfg.Mode == Development || cfg.DebugHeader,
		limit:       limiter{every: diagnosticsLogEvery},
		credentials: !cfg.NoSession,
		log:         cfg.Logger,
		methods:     strings.Join(cc.methods, ", "),
		headers:     strings.Join(cc.headers, ", "),
		maxAge:      strconv.Itoa(int(cc.maxAge.Seconds())),
		expose:      strings.Join(cfg.ExposeHeaders, ", "),
		onError:     cfg.ErrorHandler,
		fromRoutes:  cfg.PreflightFromRoutes,
	}
	if m.credentials {
		m.cop, m.copStrict = newCSRFCheck(cc, true), newCSRFCheck(cc, false)
		m.sess = newSessionConfig(cc.cookie, m.sessionKeys(cfg), cfg.Store, cfg.Backend, cfg.IdleTimeout, m)
	}
	cc.logReport(m.logger())
	return m, nil
}

// newCSRFCheck returns the CrossOriginProtection of a valid policy: its
// exact origins trusted (patterns are matched by the origin set before it
// is consulted, see decide) and its bypass patterns added.
func newCSRFCheck(cc *compiled, bypass bool) *http.CrossOriginProtection {
	cop := http.NewCrossOriginProtection()
	for _, r := range cc.rules {
		if r.Exact() {
			if err := cop.AddTrustedOrigin(r.String()); err != nil {
				panic(err) // unreachable: the rule was validated
			}
		}
	}
	for _, p := range cc.cfg.InsecureBypassPatterns {
		if !bypass {
			break
		}
		if err := addBypassPattern(cop, p); err != nil {
			panic(err) // unreachable: the pattern was validated
		}
	}
	return cop
}

// sessionKeys returns Config.Keys, or in Development without keys a random
// key made now (logged once).
func (m *middleware) sessionKeys(cfg Config) [][]byte {
	if cfg.Store != nil || len(cfg.Keys) > 0 {
		return cfg.Keys
	}
	k := make([]byte, minKeyLen)
	rand.Read(k)
	m.logger().Info("crosssession: no key configured, so session cookies are signed with a random key made " +
		"at start; sessions end when the process restarts (set Config.Keys to keep them)")
	return [][]byte{k}
}

func (m *middleware) logger() *slog.Logger {
	if m.log != nil {
		return m.log
	}
	return slog.Default()
}

// Header names, in canonical form so they index http.Header directly.
const (
	hOrigin         = "Origin"
	hRequestMethod  = "Access-Control-Request-Method"
	hAllowOrigin    = "Access-Control-Allow-Origin"
	hAllowCreds     = "Access-Control-Allow-Credentials"
	hAllowMethods   = "Access-Control-Allow-Methods"
	hAllowHeaders   = "Access-Control-Allow-Headers"
	hMaxAge         = "Access-Control-Max-Age"
	hExposeHeaders  = "Access-Control-Expose-Headers"
	hVary           = "Vary"
	hSecFetchSite   = "Sec-Fetch-Site"
	hForwardedProto = "X-Forwarded-Proto"
	hCookie         = "Cookie"
	hSetCookie      = "Set-Cookie"
	hDebug          = "X-Crosssession-Debug"
)

const (
	contentTypeText = "text/plain; charset=utf-8"
	contentTypeJSON = "application/json; charset=utf-8"
)

// action is what the middleware does with a request.
type action uint8

const (
	actNext      action = iota // run the handlers
	actPreflight               // answer the preflight with 204
	actDefer                   // a Group's policy answers this preflight; pass it on
	actForbid                  // refuse with 403 (CSRF)
)

// decision is the verdict on one request. It depends only on the request
// and the compiled policy, so it is table-tested without a server.
type decision struct {
	action action
	origin string // the Origin header, when there is exactly one
	allow  bool   // origin is allowed: send CORS headers for it
	csrf   error  // why actForbid
}

// decide computes the decision for r. route is the matched route's last
// handler and fullPath its pattern, used to let a Group answer its own
// preflights when an engine-level policy is stacked on top.
func (m *middleware) decide(r *http.Request, route gin.HandlerFunc, fullPath string) decision {
	var d decision
	origins := r.Header[hOrigin]
	if len(origins) == 1 {
		d.origin = origins[0]
		d.allow = m.allowed(d.origin)
	}
	if r.Method == http.MethodOptions && d.origin != "" && len(r.Header[hRequestMethod]) > 0 {
		if isGroupPreflight(route) && !m.ownsRoute(fullPath) {
			d.action = actDefer
			return d
		}
		d.action = actPreflight
		return d
	}
	if m.cop != nil && !d.allow && !isSafe(r.Method) {
		if len(origins) > 1 {
			// Browsers send one Origin; CrossOriginProtection would trust
			// the first of several.
			d.action, d.csrf = actForbid, errMultipleOrigins
		} else if err := m.csrfCheck(r).Check(m.asBrowserSent(r)); err != nil {
			d.action, d.csrf = actForbid, err
		}
	}
	return d
}

var errMultipleOrigins = errors.New("more than one Origin header")

// csrfCheck returns the CrossOriginProtection for r: the one without
// bypass patterns when r's path may route differently in gin than in the
// ServeMux that matches the patterns (an escaped slash or backslash, which
// ServeMux keeps inside a segment and gin splits; a dot or empty segment,
// which gin's RemoveExtraSlash cleans), so an exemption never covers a
// route it does not name.
func (m *middleware) csrfCheck(r *http.Request) *http.CrossOriginProtection {
	if m.copStrict != nil && ambiguousPath(r.URL) {
		return m.copStrict
	}
	return m.cop
}

func ambiguousPath(u *url.URL) bool {
	p := u.EscapedPath()
	if strings.Contains(p, "%") {
		lower := strings.ToLower(p)
		if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(lower, "%2e") {
			return true
		}
	}
	return strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") ||
		strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") || strings.Contains(p, "\\")
}

// asBrowserSent returns r with the host the browser used (browserView)
// when CrossOriginProtection will compare it with Origin: without
// Sec-Fetch-Site, behind a proxy that rewrote Host.
func (m *middleware) asBrowserSent(r *http.Request) *http.Request {
	if len(r.Header[hSecFetchSite]) > 0 {
		return r
	}
	if _, host := m.browserView(r); host != r.Host {
		c := *r
		c.Host = host
		return &c
	}
	return r
}

func (m *middleware) ownsRoute(fullPath string) bool {
	return fullPath != "" && (fullPath == m.ownRoutes[0] || fullPath == m.ownRoutes[1])
}

func isSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// handle is the gin adapter around decide, for New. The first request
// shows the chain New runs in (see warnPredecessors).
func (m *middleware) handle(c *gin.Context) {
	if !m.chainSeen.Load() && m.chainSeen.CompareAndSwap(false, true) {
		m.warnPredecessors(c.HandlerNames(), handlerName(m.handle))
	}
	m.serve(c)
}

// handleGroup is the same for a Group with a session, handleBearerGroup for
// one without. Distinct methods, so that a policy can tell from the
// handler chain whether a session Group (which applies its own CSRF check)
// follows it (see defersTo).
func (m *middleware) handleGroup(c *gin.Context) { m.serve(c) }

func (m *middleware) handleBearerGroup(c *gin.Context) { m.serve(c) }

func (m *middleware) serve(c *gin.Context) {
	d := m.decide(c.Request, c.Handler(), c.FullPath())
	if d.action == actPreflight {
		m.servePreflight(c, d)
		return
	}
	if d.action == actForbid || d.action == actNext && m.sess != nil && d.origin != "" && !isSafe(c.Request.Method) {
		d = m.stacked(c, d)
	}
	var s *reqSession
	var vals []string
	if m.sess != nil && d.action == actNext {
		// The response's header values live in its session: one
		// allocation for both.
		s = new(reqSession)
		n := m.headerCount(d, false)
		vals = m.fillHeaderValues(d, false, s.hdr[:n:n])
	} else {
		vals = m.headerValues(d, false)
	}
	m.writeHeaders(c.Writer.Header(), d, vals)
	if d.action == actDefer {
		c.Next() // a later policy decides
		return
	}
	if !d.allow && d.origin != "" || d.action == actForbid {
		m.diagnoseRequest(c, d)
	}
	switch {
	case d.action == actForbid:
		c.Abort()
		m.writeError(c, http.StatusForbidden, newError(ErrCrossOrigin, d.csrf, "the Origin is not allowed to change state here"))
	case m.sess == nil:
		c.Next()
	default:
		m.sess.serve(c, s, d, vals[0:2:2])
	}
}

// stacked applies the stacking rules to d, an unsafe cross-origin
// request's decision, and records this policy's refusal for a later Group.
func (m *middleware) stacked(c *gin.Context, d decision) decision {
	var later bool
	var between string
	if d.action == actForbid {
		later, between = m.defersTo(c)
	}
	d, record := stack(d, m.sess, !isSafe(c.Request.Method), later, refusedBy(c))
	if between != "" {
		d.csrf = fmt.Errorf("%w; a session Group later in the chain may allow it, but %s runs between the two "+
			"and would run before any CSRF check: register it inside the Group, or after it", d.csrf, between)
	}
	if record {
		c.Set(refusedKey, append(refusedBy(c), m.sess))
	}
	return d
}

// servePreflight answers a preflight with this policy, or with the policy
// of the Group nested in it whose paths the request is for (stacking rule 1).
func (m *middleware) servePreflight(c *gin.Context, d decision) {
	if sub := m.subFor(c.Request.URL.Path); sub != nil {
		sub.answerPreflight(c, decision{action: actPreflight, origin: d.origin, allow: sub.allowed(d.origin)})
		return
	}
	m.answerPreflight(c, d)
}
