// Package crosssession makes session cookies work when a browser front end
// and a Gin API live on different origins.
//
// One middleware gives the API credentialed CORS for the listed front-end
// origins, a cookie session read with gin-contrib/sessions, and protection
// against cross-site requests that would ride on that cookie:
//
//	r := gin.New()
//	r.Use(crosssession.New(crosssession.Dev())) // http://localhost:* front ends
//	r.POST("/login", func(c *gin.Context) {
//		s := sessions.Default(c)
//		s.Set("user", "alice") // saved automatically before the response is written
//		c.Status(http.StatusNoContent)
//	})
//
// The front end must send credentials: fetch(url, {credentials: 'include'}),
// or axios's withCredentials: true.
//
// [Dev] and [Prod] are presets: Config values to adjust before passing them
// to [New]. [Config.Validate] reports every problem of a Config at once, and
// New panics with that error, so a configuration browsers would silently
// reject never starts. [Group] attaches a policy to one route group and
// answers its preflights; [Bearer] is the policy for token-authenticated
// routes.
//
// For each request the middleware:
//   - adds Vary: Origin (never replacing other Vary values);
//   - answers a preflight (OPTIONS with Access-Control-Request-Method) with
//     204 and, for an allowed origin, the exact origin,
//     Access-Control-Allow-Credentials: true and explicit method and header
//     lists, without touching the session;
//   - for an allowed origin adds Access-Control-Allow-Origin and
//     Access-Control-Allow-Credentials before the handlers run, so error
//     responses keep them; an unlisted origin gets no CORS headers and a
//     safe request proceeds;
//   - refuses with 403 an unsafe request (POST, PUT, PATCH, DELETE) from a
//     cross-origin browser context that is not allowed, using
//     [net/http.CrossOriginProtection] fed with the same allow-list;
//   - provides the session, loaded on first use and saved before the first
//     byte of the response if a handler changed it.
package crosssession

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

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
	rules       []originRule
	origins     *originSet
	debugHeader bool
	limit       limiter
	credentials bool
	cop         *http.CrossOriginProtection
	sess        *sessionConfig // nil with NoSession
	log         *slog.Logger   // nil: slog.Default()
	group       bool           // created by Group
	pos         int            // a Group's index in its routes' handler chains
	base        string         // a Group's base path
	ownRoutes   [2]string      // the preflight routes a Group registered; empty otherwise
	subs        []*middleware  // Groups nested under ownRoutes, longest base first

	// Header values built once. Each is a one-element slice with
	// len == cap, so an append by later middleware copies instead of
	// writing into memory shared between requests.
	vOrigin, vPreflight, vCookie []string // Vary values
	// vBoth and vOriginCookie are Origin followed by the preflight or the
	// Cookie value (len == cap == 2), for the common case where no other
	// middleware set Vary.
	vBoth, vOriginCookie        []string
	vTrue                       []string
	vMethods, vHeaders, vMaxAge []string
	vExpose                     []string // nil when none
	vForbidden                  []byte
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
		mode:          cfg.Mode,
		rules:         cc.rules,
		origins:       compileOrigins(cc.rules),
		debugHeader:   cfg.Mode == Development || cfg.DebugHeader,
		limit:         limiter{every: diagnosticsLogEvery},
		credentials:   !cfg.NoSession,
		log:           cfg.Logger,
		vOrigin:       one("Origin"),
		vPreflight:    one("Access-Control-Request-Method, Access-Control-Request-Headers"),
		vTrue:         one("true"),
		vBoth:         []string{"Origin", "Access-Control-Request-Method, Access-Control-Request-Headers"},
		vCookie:       one(hCookie),
		vOriginCookie: []string{"Origin", hCookie},
		vMethods:      one(strings.Join(cc.methods, ", ")),
		vHeaders:      one(strings.Join(cc.headers, ", ")),
		vMaxAge:       one(strconv.Itoa(int(cc.maxAge.Seconds()))),
		vForbidden:    []byte("crosssession: cross-origin request refused: the Origin is not allowed to change state here\n"),
	}
	if len(cfg.ExposeHeaders) > 0 {
		m.vExpose = one(strings.Join(cfg.ExposeHeaders, ", "))
	}
	if m.credentials {
		// CrossOriginProtection knows exact origins only; patterns are
		// checked by our matcher before it is consulted (see decide).
		m.cop = http.NewCrossOriginProtection()
		for _, r := range cc.rules {
			if r.Exact() {
				if err := m.cop.AddTrustedOrigin(r.String()); err != nil {
					return nil, err // unreachable: the rule was validated
				}
			}
		}
		keys := cfg.Keys
		if cfg.Store == nil && len(keys) == 0 {
			k := make([]byte, minKeyLen)
			rand.Read(k)
			keys = [][]byte{k}
			m.logger().Info("crosssession: no key configured, so session cookies are signed with a random key made " +
				"at start; sessions end when the process restarts (set Config.Keys to keep them)")
		}
		m.sess = newSessionConfig(cc.cookie, keys, cfg.Store, m)
	}
	m.logger().Info(strings.TrimSuffix(cc.report(), "\n"))
	return m, nil
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

const contentTypeText = "text/plain; charset=utf-8"

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
	origin string   // the Origin header, when there is exactly one
	allow  bool     // origin is allowed: send CORS headers for it
	acao   []string // the ready Allow-Origin value of an exact entry, or nil
	csrf   error    // why actForbid
}

// decide computes the decision for r. route is the matched route's last
// handler and fullPath its pattern, used to let a Group answer its own
// preflights when an engine-level policy is stacked on top.
func (m *middleware) decide(r *http.Request, route gin.HandlerFunc, fullPath string) decision {
	var d decision
	origins := r.Header[hOrigin]
	if len(origins) == 1 {
		d.origin = origins[0]
		d.acao, d.allow = m.origins.lookup(d.origin)
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
		} else if err := m.cop.Check(r); err != nil {
			d.action, d.csrf = actForbid, err
		}
	}
	return d
}

var (
	errMultipleOrigins = errors.New("more than one Origin header")
	errSharedCookie    = errors.New("an enclosing policy refuses this origin and shares this policy's session cookie (same name and key)")
)

// refusedKey holds, in the gin context, a policy that refused a request
// and deferred to a later Group.
const refusedKey = "github.com/crosssession/crosssession/refused"

func (m *middleware) ownsRoute(fullPath string) bool {
	return fullPath != "" && (fullPath == m.ownRoutes[0] || fullPath == m.ownRoutes[1])
}

func isSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// handle is the gin adapter around decide, for New.
func (m *middleware) handle(c *gin.Context) { m.serve(c) }

// handleGroup is the same for a Group with a session, handleBearerGroup for
// one without. Distinct methods, so that a policy can tell from the
// handler chain whether a session Group (which applies its own CSRF check)
// follows it (see defersTo).
func (m *middleware) handleGroup(c *gin.Context) { m.serve(c) }

func (m *middleware) handleBearerGroup(c *gin.Context) { m.serve(c) }

func (m *middleware) serve(c *gin.Context) {
	d := m.decide(c.Request, c.Handler(), c.FullPath())
	if d.action == actPreflight {
		p := m
		if sub := m.subFor(c.Request.URL.Path); sub != nil {
			p = sub // a Group nested in this one answers for its paths
			d = decision{action: actPreflight, origin: d.origin}
			d.acao, d.allow = sub.origins.lookup(d.origin)
		}
		p.answerPreflight(c, d)
		return
	}
	h := c.Writer.Header()
	// fresh: no header set yet (the usual case), so there is no Vary to
	// extend and no CORS header of a stacked policy to replace.
	fresh := len(h) == 0
	if fresh {
		h[hVary] = m.vOrigin
	} else {
		addVary(h, m.vOrigin)
	}
	switch d.action {
	case actDefer:
		c.Next()
		return
	case actForbid:
		if m.defersTo(c) {
			// A session Group later in this route's chain decides the CORS
			// headers, the CSRF check and the session: pass the request on
			// untouched. If that group uses this policy's cookie, it would
			// read this policy's session, so it must refuse too (see below).
			if m.sess != nil {
				c.Set(refusedKey, m)
			}
			c.Next()
			return
		}
	case actNext:
		// An outer policy refused this request and deferred to this Group;
		// with the same cookie the session is the outer policy's, so its
		// refusal stands.
		if m.sess != nil && d.origin != "" && !isSafe(c.Request.Method) {
			if outer, ok := c.Get(refusedKey); ok && outer.(*middleware).sess.shares(m.sess) {
				d.action, d.csrf = actForbid, errSharedCookie
			}
		}
	}
	m.writeCORS(h, d, false, fresh)
	if !d.allow && d.origin != "" || d.action == actForbid {
		m.diagnoseRequest(c, d)
	}
	if d.action == actForbid {
		c.Abort()
		c.Data(http.StatusForbidden, contentTypeText, m.vForbidden)
		return
	}
	if m.sess == nil {
		c.Next()
		return
	}
	m.sess.serve(c, d)
}

// answerPreflight answers a preflight with 204 and, for an allowed origin,
// the CORS headers; the session is never loaded.
func (m *middleware) answerPreflight(c *gin.Context, d decision) {
	h := c.Writer.Header()
	fresh := len(h) == 0
	if _, ok := h[hVary]; ok {
		addVary(h, m.vOrigin)
		addVary(h, m.vPreflight)
	} else {
		h[hVary] = m.vBoth // both in one prebuilt slice: no append
	}
	m.writeCORS(h, d, true, fresh)
	if !d.allow {
		m.diagnoseRequest(c, d)
	}
	c.AbortWithStatus(http.StatusNoContent)
}

// Why the CORS headers are written here rather than by gin-contrib/cors
// (v1.7.7), which the design names as the header engine: its handler cannot
// be used correctly for any part of the job. It replaces Vary values set by
// other middleware and puts a Vary slice with spare capacity, shared by all
// requests, into responses (a data race when outer middleware appends); it
// omits Vary: Origin on requests without an Origin; it answers unlisted
// origins with 403 and writes the preflight status itself, so neither can be
// undone by a wrapper; it matches wildcards by bare prefix/suffix and
// compiles regular-expression origins on every request. gincontrib_test.go
// pins each of these, so an upstream fix shows up as a failing test. The
// headers below are the ones gin-contrib/cors sends for an allowed origin,
// with values built once in New.

// writeCORS sets the CORS response headers for d. When an engine-level
// policy already wrote CORS headers (stacking), they are replaced, never
// duplicated: a browser fails a response with two Allow-Origin values.
// fresh says h was empty before this policy's Vary: nothing to replace.
func (m *middleware) writeCORS(h http.Header, d decision, preflight, fresh bool) {
	if !fresh {
		if _, stacked := h[hAllowOrigin]; stacked {
			for _, k := range [...]string{hAllowOrigin, hAllowCreds, hAllowMethods, hAllowHeaders, hMaxAge, hExposeHeaders} {
				delete(h, k)
			}
		}
	}
	if !d.allow {
		return
	}
	if d.acao != nil {
		h[hAllowOrigin] = d.acao
	} else {
		h[hAllowOrigin] = []string{d.origin}
	}
	if m.credentials {
		h[hAllowCreds] = m.vTrue
	}
	if preflight {
		h[hAllowMethods] = m.vMethods
		h[hAllowHeaders] = m.vHeaders
		h[hMaxAge] = m.vMaxAge
	} else if m.vExpose != nil {
		h[hExposeHeaders] = m.vExpose
	}
}

// addVary adds v to the Vary header unless it is already there. It appends,
// so values set by other middleware survive.
func addVary(h http.Header, v []string) {
	old, ok := h[hVary]
	if !ok {
		h[hVary] = v
		return
	}
	for _, o := range old {
		if o == v[0] {
			return
		}
	}
	h[hVary] = append(old, v[0])
}

// addVaryCookie adds Cookie to Vary. When serve's Origin is the only value
// so far, it puts the prebuilt Origin, Cookie slice instead of appending.
func (m *middleware) addVaryCookie(h http.Header) {
	if old := h[hVary]; len(old) == 1 && &old[0] == &m.vOrigin[0] {
		h[hVary] = m.vOriginCookie
		return
	}
	addVary(h, m.vCookie)
}

func one(s string) []string { return []string{s} }
