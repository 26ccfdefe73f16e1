package crosssession

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestGinInternalsStillThere pins what ginchain.go reads from gin: the
// unexported RouterGroup.engine field and the names gin reports for
// crosssession's handlers. A gin release that changes either fails here.
func TestGinInternalsStillThere(t *testing.T) {
	t.Parallel()
	r := gin.New()
	if got := engineOf(r.Group("/a").Group("/b")).Value(); got != r {
		t.Errorf("engineOf(group) = %p, want the engine %p", got, r)
	}
	var seen *gin.Engine
	var idx [2]int
	r.GET("/ctx", func(c *gin.Context) { idx[0] = chainIndex(c); c.Next() }, func(c *gin.Context) {
		seen, idx[1] = engineOfContext(c), chainIndex(c)
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/ctx", nil))
	if seen != r {
		t.Errorf("engineOfContext = %p, want the engine %p", seen, r)
	}
	if idx != [2]int{0, 1} {
		t.Errorf("chainIndex of the two handlers = %v, want [0 1]", idx)
	}
	m := &middleware{}
	for _, tc := range []struct {
		h    gin.HandlerFunc
		want string
	}{
		{m.handle, "github.com/crosssession/crosssession.(*middleware).handle-fm"},
		{m.handleGroup, "github.com/crosssession/crosssession.(*middleware).handleGroup-fm"},
	} {
		if got := handlerName(tc.h); got != tc.want {
			t.Errorf("handlerName = %q, want %q", got, tc.want)
		}
	}
	if !isGroupPreflight(groupPreflight) || isGroupPreflight(func(*gin.Context) {}) {
		t.Error("isGroupPreflight does not recognise Group's preflight handler by its code pointer")
	}
	if !strings.HasPrefix(handlerName(gin.Logger()), "github.com/gin-gonic/gin.LoggerWithConfig") ||
		!strings.HasPrefix(handlerName(gin.Recovery()), "github.com/gin-gonic/gin.CustomRecoveryWithWriter") {
		t.Errorf("gin's logger and recovery are named %q and %q", handlerName(gin.Logger()), handlerName(gin.Recovery()))
	}
}
