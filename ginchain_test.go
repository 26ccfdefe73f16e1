package crosssession_test

import (
	"runtime"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-gonic/gin"
)

// The registry holds engines weakly: a Group whose *RouterGroup the caller
// dropped is still found by a later nested Group while its engine lives.
func TestRegistryKeepsGroupsOfLiveEngines(t *testing.T) {
	r := gin.New()
	func() {
		g := crosssession.Group(r, "/api", crosssession.Bearer(front))
		g.GET("/notes", func(c *gin.Context) {})
	}()
	runtime.GC()
	runtime.GC()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("nested Group after GC panicked: %v", p)
		}
	}()
	crosssession.Group(r, "/api/session", prodCfg(front))
	w := serve(r, preflight("/api/session", front, "POST"))
	if w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight: %v", w.Header())
	}
}
