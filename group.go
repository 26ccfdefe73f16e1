package crosssession

import (
	"fmt"
	"net/http"
	"path"
	"strings"
	"weak"

	"github.com/gin-gonic/gin"
)

// Group returns r.Group(relativePath, handlers...) with the policy cfg in
// front of handlers: routes added to the group get cfg's CORS headers,
// session and CSRF check, and preflights for every path under the group
// (the bare group path included) are answered with 204 whether or not the
// path has a route, with or without gin's HandleMethodNotAllowed. Like
// [New], it panics if cfg is invalid.
//
// Group registers OPTIONS routes for the group path and the catch-all
// "/*path" under it. Consequences:
//   - Your own OPTIONS routes inside the group, or a catch-all OPTIONS route
//     above it (r.OPTIONS("/*any")), conflict with them: Group panics and
//     says so. Preflights need no route of yours.
//   - A Group inside another Group (crosssession.Group(api, "/session", ...)
//     or a sibling crosssession.Group(r, "/api/session", ...) after
//     crosssession.Group(r, "/api", ...)) registers no routes: the enclosing
//     group's routes answer its preflights with its policy. Create the
//     enclosing group first; the other order panics with that advice.
//
// Create Groups before serving requests, as with gin's own routes. Register
// a nested group's routes on the nested group: a route added to the outer
// group under the nested group's path gets the outer policy for the request
// but the nested one's for its preflight. Nested session policies should use
// different cookie names: a policy that reads the cookie of an enclosing
// policy (the same name and a common key, or the same name with a Store or
// Backend, since two of them may share one Redis) cannot admit an unsafe
// request that any enclosing policy, at any depth, refuses.
//
// Policies may be stacked: an engine-level [New] (typically [Bearer]) with
// Groups under it, or Groups inside Groups. On a group's routes the
// innermost group's policy decides the CORS headers (one
// Access-Control-Allow-Origin, never two). A policy with a session that
// would refuse an unsafe cross-origin request (CSRF) lets a session Group
// that comes after it in the route's chain decide instead; a Bearer Group
// never overrides an outer policy's CSRF check.
func Group(r gin.IRouter, relativePath string, cfg Config, handlers ...gin.HandlerFunc) *gin.RouterGroup {
	m := mustCompile(cfg)
	m.group = true
	h := m.handleGroup
	if m.sess == nil {
		h = m.handleBearerGroup
	}
	g := r.Group(relativePath, append([]gin.HandlerFunc{h}, handlers...)...)
	m.base = g.BasePath()
	m.warnPredecessors(handlerNamesOf(g.Handlers), handlerName(h))
	register(g, m)
	return g
}

// registerPreflightRoutes adds the OPTIONS routes of a Group and returns
// their patterns. gin's conflict panic is replaced by one that says what to
// do.
func registerPreflightRoutes(g *gin.RouterGroup, base string, eng weak.Pointer[gin.Engine]) (routes [2]string) {
	defer func() {
		if p := recover(); p != nil {
			advice := "remove your own OPTIONS routes there: crosssession answers preflights"
			for _, e := range groups.list {
				if e.engine == eng && matchBase(e.m.base, base) && e.m.base != base {
					advice = fmt.Sprintf("create this Group before the Group %q inside it", e.m.base)
				}
			}
			panic(fmt.Sprintf("crosssession: Group %q: its preflight routes (OPTIONS %s and %s) conflict with an "+
				"existing route; %s (gin: %v)", base, base, path.Join(base, "/*path"), advice, p))
		}
	}()
	all := path.Join(base, "/*path")
	if base != "/" { // "/*path" also matches "/"
		g.OPTIONS("", groupPreflight)
		routes[0] = base
	}
	g.OPTIONS("/*path", groupPreflight)
	routes[1] = all
	return routes
}

// subFor returns the Group nested under m whose base is the longest prefix
// of the request path p, or nil. Bases may hold gin parameters (":id"
// matches one segment, "*x" the rest).
func (m *middleware) subFor(p string) *middleware {
	for _, s := range m.subs {
		if matchBase(p, s.base) {
			return s
		}
	}
	return nil
}

// matchBase reports whether path p is base (a gin route pattern) or below
// it. p may itself be a pattern: the registry compares group bases with it.
func matchBase(p, base string) bool {
	ps := strings.Split(strings.Trim(p, "/"), "/")
	bs := strings.Split(strings.Trim(base, "/"), "/")
	if bs[0] == "" {
		return true // the root group
	}
	for i, b := range bs {
		if strings.HasPrefix(b, "*") {
			return true
		}
		if i >= len(ps) || ps[i] == "" || (!strings.HasPrefix(b, ":") && ps[i] != b) {
			return false
		}
	}
	return true
}

// groupPreflight ends the OPTIONS routes that Group registers. The group's
// middleware answers real preflights before it runs; a plain OPTIONS
// request (no Access-Control-Request-Method) gets 204 here.
func groupPreflight(c *gin.Context) { c.Status(http.StatusNoContent) }
