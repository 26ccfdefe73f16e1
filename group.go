package crosssession

import (
	"fmt"
	"net/http"
	"path"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
// Policies may be stacked: an engine-level [New] (typically [Bearer]) with
// Groups under it. On a group's routes the innermost group's policy decides
// the CORS headers (one Access-Control-Allow-Origin, never two) and the CSRF
// check; an outer policy with a session still applies its CSRF check only
// where no group follows it.
func Group(r gin.IRouter, relativePath string, cfg Config, handlers ...gin.HandlerFunc) *gin.RouterGroup {
	m := mustCompile(cfg)
	m.group = true
	g := r.Group(relativePath, append([]gin.HandlerFunc{m.handleGroup}, handlers...)...)
	m.base = g.BasePath()
	eng := engineOf(g)
	groupHandlerName.Store(handlerName(m.handleGroup))

	groups.Lock()
	defer groups.Unlock()
	var enclosing *groupEntry
	live := groups.list[:0]
	for _, e := range groups.list {
		if e.g.Value() == nil {
			continue // the group and its engine are gone
		}
		live = append(live, e)
		if e.engine == eng && under(m.base, e.m.base) && (enclosing == nil || len(e.m.base) > len(enclosing.m.base)) {
			enclosing = e
		}
	}
	groups.list = live
	entry := &groupEntry{g: weak.Make(g), engine: eng, m: m, owner: m}
	if enclosing != nil {
		owner := enclosing.owner
		owner.subs = append(owner.subs, m)
		slices.SortStableFunc(owner.subs, func(a, b *middleware) int { return len(b.base) - len(a.base) })
		entry.owner = owner
	} else {
		m.ownRoutes = registerPreflightRoutes(g, m.base, eng)
	}
	groups.list = append(groups.list, entry)
	return g
}

// groups records every Group, so a nested one can find the group whose
// catch-all route already covers its paths. Entries hold the group weakly:
// a collected engine's groups drop out, and a new engine at a reused
// address is never mistaken for it.
var groups struct {
	sync.Mutex
	list []*groupEntry
}

type groupEntry struct {
	g      weak.Pointer[gin.RouterGroup]
	engine uintptr     // identity of the group's engine
	m      *middleware // the group's policy
	owner  *middleware // the policy whose routes answer this group's preflights
}

// engineOf returns the identity of g's engine. gin does not export a
// group's engine, so the field is read by reflection; gintest pins it.
func engineOf(g *gin.RouterGroup) uintptr {
	f := reflect.ValueOf(g).Elem().FieldByName("engine")
	if !f.IsValid() || f.Kind() != reflect.Pointer {
		return 0
	}
	return f.Pointer()
}

// under reports whether p is base or a path below it.
func under(p, base string) bool {
	base = strings.TrimSuffix(base, "/")
	return p == base || strings.HasPrefix(p, base+"/")
}

// registerPreflightRoutes adds the OPTIONS routes of a Group and returns
// their patterns. gin's conflict panic is replaced by one that says what to
// do.
func registerPreflightRoutes(g *gin.RouterGroup, base string, eng uintptr) (routes [2]string) {
	defer func() {
		if p := recover(); p != nil {
			advice := "remove your own OPTIONS routes there: crosssession answers preflights"
			for _, e := range groups.list {
				if e.engine == eng && under(e.m.base, base) && e.m.base != base {
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
// of p, or nil.
func (m *middleware) subFor(p string) *middleware {
	for _, s := range m.subs {
		if under(p, s.base) {
			return s
		}
	}
	return nil
}

// groupPreflight ends the OPTIONS routes that Group registers. The group's
// middleware answers real preflights before it runs; a plain OPTIONS
// request (no Access-Control-Request-Method) gets 204 here.
func groupPreflight(c *gin.Context) { c.Status(http.StatusNoContent) }

var groupPreflightPC = reflect.ValueOf(groupPreflight).Pointer()

// isGroupPreflight reports whether h is the handler Group registers. A
// top-level function has a unique code pointer, so the comparison is exact.
func isGroupPreflight(h gin.HandlerFunc) bool {
	return h != nil && reflect.ValueOf(h).Pointer() == groupPreflightPC
}

// groupHandlerName is the name gin reports for a Group's middleware, set by
// the first Group (a package-level initializer would be an initialization
// cycle through serve).
var groupHandlerName atomic.Value // string

func handlerName(h gin.HandlerFunc) string {
	return runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
}

// defersTo reports whether a more specific policy follows m in the chain of
// this request and should decide instead of m refusing it: a Group nested
// under m, or, for an engine-level policy, any Group. Only called on the
// refusal path: HandlerNames allocates.
func (m *middleware) defersTo(c *gin.Context) bool {
	if m.group {
		return m.subFor(c.FullPath()) != nil
	}
	name, _ := groupHandlerName.Load().(string)
	return name != "" && slices.Contains(c.HandlerNames(), name)
}
