package crosssession

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
)

// The CORS response headers. They are written here rather than by
// gin-contrib/cors, whose handler gets Vary, unlisted origins and wildcard
// matching wrong in ways no setting changes; gincontrib_test.go pins each,
// so an upstream fix shows as a failing test.

// writeHeaders adds Vary: Origin and, unless the request is deferred to a
// later policy (which writes them), the CORS headers of d. A fresh header
// map (the usual case) has no Vary to extend and no stacked policy's CORS
// headers to replace.
func (m *middleware) writeHeaders(h http.Header, d decision, vals []string) {
	fresh := len(h) == 0
	if fresh {
		h[hVary] = vals[0:1:1]
	} else {
		addVary(h, vOrigin)
	}
	if d.action != actDefer {
		m.writeCORS(h, d, vals, false, fresh)
	}
}

// answerPreflight answers a preflight with 204 and, for an allowed origin,
// the CORS headers; the session is never loaded.
func (m *middleware) answerPreflight(c *gin.Context, d decision) {
	h := c.Writer.Header()
	fresh := len(h) == 0
	vals := m.headerValues(d, true)
	if _, ok := h[hVary]; ok {
		addVary(h, vOrigin)
		addVary(h, vPreflight)
	} else {
		h[hVary] = vals[0:2:2]
	}
	if !d.allow {
		m.diagnoseRequest(c, d)
	} else if r, args := m.preflightProblem(c.Request.Header); r.code != "" {
		m.diagnose(c, r, d.origin, args...)
	} else if methods, known := m.routeProblem(c); known && m.fromRoutes {
		vals[4] = methods
	}
	m.writeCORS(h, d, vals, true, fresh)
	c.AbortWithStatus(http.StatusNoContent)
}

// Vary values.
const (
	vOrigin    = "Origin"
	vPreflight = "Access-Control-Request-Method, Access-Control-Request-Headers"
	vCookie    = hCookie
)

// headerValues returns, in one allocation, every header value the response
// to d may need, so that no response shares a []string with another: an
// outer middleware that edits a value in place (h["Vary"][0] = ...) changes
// only its own response (TestHeaderValuesAreNotShared). The layout is
// Vary's values first (Origin, then the preflight's value or Cookie), then
// the CORS values in writeCORS's order; each is handed out as a slice with
// len == cap, so an append by other code copies.
func (m *middleware) headerValues(d decision, preflight bool) []string {
	return m.fillHeaderValues(d, preflight, make([]string, m.headerCount(d, preflight)))
}

// headerCount is the number of values headerValues returns.
func (m *middleware) headerCount(d decision, preflight bool) int {
	switch {
	case d.allow && preflight:
		return 7
	case d.allow && m.expose != "":
		return 5
	case d.allow:
		return 4
	case preflight || m.sess != nil:
		return 2
	}
	return 1 // Origin alone: an unlisted origin on a route without a session
}

// fillHeaderValues is headerValues into vals, which has headerCount
// elements and belongs to this response alone (the request's session
// holds them; see sessionConfig.serve).
func (m *middleware) fillHeaderValues(d decision, preflight bool, vals []string) []string {
	n := len(vals)
	vals[0] = vOrigin
	if n == 1 {
		return vals
	}
	vals[1] = vCookie
	if preflight {
		vals[1] = vPreflight
	}
	if !d.allow {
		return vals
	}
	vals[2], vals[3] = d.origin, "true"
	if preflight {
		vals[4], vals[5], vals[6] = m.methods, m.headers, m.maxAge
	} else if m.expose != "" {
		vals[4] = m.expose
	}
	return vals
}

// writeCORS sets the CORS response headers for d from vals (headerValues).
// When an engine-level policy already wrote CORS headers (stacking), they
// are replaced, never duplicated: a browser fails a response with two
// Allow-Origin values. fresh says h was empty before this policy's Vary:
// nothing to replace.
func (m *middleware) writeCORS(h http.Header, d decision, vals []string, preflight, fresh bool) {
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
	h[hAllowOrigin] = vals[2:3:3]
	if m.credentials {
		h[hAllowCreds] = vals[3:4:4]
	}
	if preflight {
		h[hAllowMethods] = vals[4:5:5]
		h[hAllowHeaders] = vals[5:6:6]
		h[hMaxAge] = vals[6:7:7]
	} else if m.expose != "" {
		h[hExposeHeaders] = vals[4:5:5]
	}
}

// addVary adds v to the Vary header unless it is already there. It appends
// to a copy, so values set by other middleware survive and memory they may
// share is never written.
func addVary(h http.Header, v string) {
	old := h[hVary]
	if slices.Contains(old, v) {
		return
	}
	h[hVary] = append(old[:len(old):len(old)], v)
}

// addVaryCookie adds Cookie to Vary. When serve's Origin is still the only
// value, it widens that response's own slice to Origin, Cookie (varyBoth,
// from headerValues) instead of allocating.
func addVaryCookie(h http.Header, varyBoth []string) {
	if old := h[hVary]; len(old) == 1 && &old[0] == &varyBoth[0] {
		h[hVary] = varyBoth
		return
	}
	addVary(h, vCookie)
}
