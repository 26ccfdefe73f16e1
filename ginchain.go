package crosssession

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/gin-gonic/gin"
)

// What crosssession needs from gin that gin does not export, in one file:
// gin shows a route's handler chain only as names (Context.HandlerNames)
// and gives no way from a RouterGroup to its Engine, so nested and sibling
// Groups are found through a registry that reads RouterGroup's unexported
// engine field, and stacked policies recognise each other by handler name.
// ginchain_internal_test.go pins the field and the names, so a gin release that
// changes them fails the tests instead of silently unstacking policies.

// groups records every Group, so a nested one can find the group whose
// catch-all route already covers its paths. Entries hold their engine
// weakly: a collected engine's groups drop out, and a new engine at a
// reused address is never mistaken for it (weak pointers compare by
// object, not address).
var groups struct {
	sync.Mutex
	list []*groupEntry
}

type groupEntry struct {
	engine weak.Pointer[gin.Engine]
	m      *middleware // the group's policy
	owner  *middleware // the policy whose routes answer this group's preflights
}

// engineOf returns g's engine, weakly. gin does not export a group's
// engine, so the unexported field is read by reflection (read only; a
// test pins the field).
func engineOf(g *gin.RouterGroup) weak.Pointer[gin.Engine] {
	f := reflect.ValueOf(g).Elem().FieldByName("engine")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*gin.Engine]() || f.IsNil() {
		return weak.Pointer[gin.Engine]{}
	}
	return weak.Make((*gin.Engine)(f.UnsafePointer()))
}

var groupPreflightPC = reflect.ValueOf(groupPreflight).Pointer()

// isGroupPreflight reports whether h is the handler Group registers. A
// top-level function has a unique code pointer, so the comparison is exact.
func isGroupPreflight(h gin.HandlerFunc) bool {
	return h != nil && reflect.ValueOf(h).Pointer() == groupPreflightPC
}

// handlerNames are the names gin reports for the middleware of New and of
// a session Group, stored by the first Group (a package-level initializer
// would be an initialization cycle through serve).
type handlerNames struct{ group, bearer, new string }

var chainNames atomic.Pointer[handlerNames]

func handlerNamesOf(hs gin.HandlersChain) []string {
	names := make([]string, 0, len(hs))
	for _, h := range hs {
		if h != nil {
			names = append(names, handlerName(h))
		}
	}
	return names
}

func handlerName(h gin.HandlerFunc) string {
	return runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
}

// defersTo reports whether m, about to refuse a request (CSRF), should let
// a session Group that comes after it in this route's chain decide
// instead: that group applies its own allow-list and check. The chain is
// read from the handler running now (chainIndex). A Bearer Group never
// takes over (it has no CSRF check). When a handler of the app runs
// between m and that Group, m does not defer: the handler would run before
// any CSRF check, without a session; its name is returned to explain the
// refusal. gin's logger and recovery may sit between (they answer no
// request themselves). Only called on the refusal path: HandlerNames
// allocates.
func (m *middleware) defersTo(c *gin.Context) (bool, string) {
	n := chainNames.Load()
	if n == nil {
		return false, "" // no Group exists
	}
	chain := c.HandlerNames()
	from := chainIndex(c) + 1
	if from <= 0 || from >= len(chain) {
		return false, "" // gin changed its Context: never defer
	}
	g := slices.Index(chain[from:], n.group)
	if g < 0 {
		return false, ""
	}
	for _, name := range chain[from : from+g] {
		if name != n.new && name != n.bearer && !passive(name) {
			return false, name
		}
	}
	return true, ""
}

// passive reports whether the handler named name is gin's logger or
// recovery, which answer no request themselves.
func passive(name string) bool {
	return strings.HasPrefix(name, "github.com/gin-gonic/gin.LoggerWithConfig") ||
		strings.HasPrefix(name, "github.com/gin-gonic/gin.CustomRecoveryWithWriter")
}

// chainIndex returns the index in its route's handler chain of the handler
// running on c, or -1. gin does not export it; the unexported field is
// read, never written (TestGinInternalsStillThere pins it).
func chainIndex(c *gin.Context) int {
	f := reflect.ValueOf(c).Elem().FieldByName("index")
	if !f.IsValid() || f.Kind() != reflect.Int8 {
		return -1
	}
	return int(f.Int())
}

// warnPredecessors warns once when handlers other than gin's logger and
// recovery (and other crosssession policies) run before this policy: a
// handler there that answers a request itself (authentication, rate
// limits) sends preflights and its errors without CORS headers, which the
// browser reports as a CORS error that no log explains. chain is gin's
// handler names of a route, self this policy's.
func (m *middleware) warnPredecessors(chain []string, self string) {
	var before []string
	for _, name := range chain {
		if name == self {
			break
		}
		if !passive(name) && !strings.HasPrefix(name, "github.com/crosssession/crosssession.(*middleware).") {
			before = append(before, name)
		}
	}
	if len(before) == len(chain) || len(before) == 0 {
		return // not found in the chain (wrapped in a closure), or first
	}
	m.logger().Warn("crosssession: middleware runs before crosssession; if one of them answers a request itself "+
		"(authentication, rate limits), preflights and its error responses get no CORS headers and the browser "+
		"reports a CORS error that no log explains: register crosssession first", "before", before)
}

// register records the Group of policy m: nested under the Group whose
// preflight routes already cover its base, or registering its own.
func register(g *gin.RouterGroup, m *middleware) {
	eng := engineOf(g)
	if eng.Value() == nil {
		panic("crosssession: Group: cannot find the gin engine of the group (gin changed its RouterGroup)")
	}
	if chainNames.Load() == nil {
		chainNames.Store(&handlerNames{group: handlerName(m.handleGroup), bearer: handlerName(m.handleBearerGroup),
			new: handlerName(m.handle)})
	}
	groups.Lock()
	defer groups.Unlock()
	entry := &groupEntry{engine: eng, m: m, owner: m}
	if enclosing := enclosingGroup(eng, m.base); enclosing != nil {
		owner := enclosing.owner
		owner.subs = append(owner.subs, m)
		slices.SortStableFunc(owner.subs, func(a, b *middleware) int { return len(b.base) - len(a.base) })
		entry.owner = owner
	} else {
		m.ownRoutes = registerPreflightRoutes(g, m.base, eng)
	}
	groups.list = append(groups.list, entry)
}

// enclosingGroup returns the registered Group of eng with the longest base
// above base, dropping the groups of collected engines. groups is locked.
func enclosingGroup(eng weak.Pointer[gin.Engine], base string) *groupEntry {
	var enclosing *groupEntry
	live := groups.list[:0]
	for _, e := range groups.list {
		if e.engine.Value() == nil {
			continue // the engine and its groups are gone
		}
		live = append(live, e)
		if e.engine == eng && matchBase(base, e.m.base) && (enclosing == nil || len(e.m.base) > len(enclosing.m.base)) {
			enclosing = e
		}
	}
	groups.list = live
	return enclosing
}

// engineOfContext returns the engine serving c. gin does not export a
// Context's engine either; the unexported field is read, never written.
func engineOfContext(c *gin.Context) *gin.Engine {
	f := reflect.ValueOf(c).Elem().FieldByName("engine")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*gin.Engine]() || f.IsNil() {
		return nil
	}
	return (*gin.Engine)(f.UnsafePointer())
}
