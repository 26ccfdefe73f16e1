package crosssession

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// Preflights that know the routes: a preflight asks whether a method may
// be used on a path, and the route table knows whether any route serves
// it. The table is read from gin once, at the first preflight (routes are
// registered before serving, as gin requires), and matched without
// allocating; requests other than preflights never touch it.

// routeTable is the methods gin routes per path pattern.
type routeTable struct {
	static map[string][]string // a pattern without parameters -> its methods
	// patterns with :param or *catchall, by their first segment ("" when
	// that is a parameter), so a path is matched against few of them.
	patterns map[string][]routePattern
}

type routePattern struct {
	segs    []string
	methods []string
}

func newRouteTable(routes gin.RoutesInfo) *routeTable {
	t := &routeTable{static: make(map[string][]string), patterns: make(map[string][]routePattern)}
	for _, r := range routes {
		if isGroupPreflight(r.HandlerFunc) {
			continue // crosssession's own preflight routes serve no request
		}
		if !strings.ContainsAny(r.Path, ":*") {
			t.static[r.Path] = appendNew(t.static[r.Path], r.Method)
			continue
		}
		segs := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
		k := segs[0]
		if strings.ContainsAny(k, ":*") {
			k = ""
		}
		ps := t.patterns[k]
		i := slices.IndexFunc(ps, func(p routePattern) bool { return slices.Equal(p.segs, segs) })
		if i < 0 {
			ps = append(ps, routePattern{segs: segs})
			i = len(ps) - 1
		}
		ps[i].methods = appendNew(ps[i].methods, r.Method)
		t.patterns[k] = ps
	}
	return t
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// serves reports whether some route serves method on path.
func (t *routeTable) serves(method, path string) bool {
	if slices.Contains(t.static[path], method) {
		return true
	}
	for _, k := range [2]string{firstSegment(path), ""} {
		for _, p := range t.patterns[k] {
			if slices.Contains(p.methods, method) && matchSegments(p.segs, path) {
				return true
			}
		}
	}
	return false
}

func firstSegment(path string) string {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return first
}

// methods returns the methods routed on path, in first-seen order (it
// allocates; only for Config.PreflightFromRoutes).
func (t *routeTable) methods(path string) []string {
	ms := slices.Clone(t.static[path])
	for _, k := range [2]string{firstSegment(path), ""} {
		for _, p := range t.patterns[k] {
			if matchSegments(p.segs, path) {
				for _, m := range p.methods {
					ms = appendNew(ms, m)
				}
			}
		}
	}
	return ms
}

// matchSegments reports whether path matches a gin pattern's segments
// (":name" one segment, "*name" the rest).
func matchSegments(segs []string, path string) bool {
	rest := strings.TrimPrefix(path, "/")
	for i, s := range segs {
		if s != "" && s[0] == '*' {
			return true
		}
		seg := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, rest = rest[:j], rest[j+1:]
		} else if i < len(segs)-1 {
			return false
		} else {
			rest = ""
		}
		if s != "" && s[0] == ':' {
			if seg == "" {
				return false
			}
		} else if seg != s {
			return false
		}
		if i == len(segs)-1 && rest != "" {
			return false
		}
	}
	return true
}

// routes is the route table of the engine serving c, read once.
type routesOnce struct {
	once  sync.Once
	table *routeTable // nil when the engine cannot be found
}

func (ro *routesOnce) get(c *gin.Context) *routeTable {
	ro.once.Do(func() {
		if e := engineOfContext(c); e != nil {
			ro.table = newRouteTable(e.Routes())
		}
	})
	return ro.table
}

// routeProblem diagnoses a preflight for a method no route serves on the
// path, and returns the Allow-Methods value of Config.PreflightFromRoutes;
// known is false when the route table cannot be read.
func (m *middleware) routeProblem(c *gin.Context) (methods string, known bool) {
	t := m.routes.get(c)
	if t == nil {
		return "", false
	}
	method, path := get(c.Request.Header, hRequestMethod), c.Request.URL.Path
	if !t.serves(method, path) && !(method == http.MethodHead && t.serves(http.MethodGet, path)) {
		m.diagnoseFunc(c, rPreflightNoRoute.code, get(c.Request.Header, hOrigin), func() string {
			served := "no route on this path"
			if ms := t.methods(path); len(ms) > 0 {
				served = "the path's routes: " + strings.Join(ms, ", ")
			}
			return rPreflightNoRoute.text(clip(method), clip(path), served)
		})
	}
	if !m.fromRoutes {
		return "", true
	}
	var allowed []string
	for _, rm := range t.methods(path) {
		if slices.Contains(m.methodList, rm) {
			allowed = append(allowed, rm)
		}
	}
	return strings.Join(allowed, ", "), true
}
