package crosssession_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-gonic/gin"
)

// TestPreflightKnowsTheRoutes: a preflight for a method no route serves on
// its path is diagnosed with the path's routes; with PreflightFromRoutes
// its Allow-Methods lists the routed methods only (those in AllowMethods),
// for an engine-level policy and for a Group alike.
func TestPreflightKnowsTheRoutes(t *testing.T) {
	t.Parallel()
	const o = "http://localhost:3000"
	for _, fromRoutes := range []bool{false, true} {
		for _, layout := range []string{"engine", "group"} {
			cfg := crosssession.Dev(o)
			cfg.PreflightFromRoutes = fromRoutes
			cfg, logs := withLog(cfg)
			r := gin.New()
			var g gin.IRoutes = r
			prefix := ""
			if layout == "engine" {
				r.Use(crosssession.New(cfg))
			} else {
				g, prefix = crosssession.Group(r, "/api", cfg), "/api"
			}
			ok := func(c *gin.Context) {}
			g.GET("/items", ok)
			g.POST("/items", ok)
			g.DELETE("/items/:id", ok)
			g.GET("/files/*path", ok)
			for _, tc := range []struct {
				method, path string
				methods      string // Allow-Methods with PreflightFromRoutes
				noRoute      bool
			}{
				{"POST", "/items", "GET, POST", false},
				{"DELETE", "/items/42", "DELETE", false},
				{"PUT", "/items/42", "DELETE", true},
				{"DELETE", "/items", "GET, POST", true},
				{"GET", "/files/a/b.txt", "GET", false},
				{"PATCH", "/nowhere", "", true},
			} {
				name := fmt.Sprintf("%s, fromRoutes %v, %s %s", layout, fromRoutes, tc.method, tc.path)
				w := serve(r, preflight(prefix+tc.path, o, tc.method))
				want := "GET, HEAD, POST, PUT, PATCH, DELETE"
				if fromRoutes {
					want = tc.methods
				}
				if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Methods") != want {
					t.Errorf("%s: %d, Allow-Methods %q, want %q", name, w.Code, w.Header().Get("Access-Control-Allow-Methods"), want)
				}
				d := w.Header().Get("X-Crosssession-Debug")
				if tc.noRoute != strings.Contains(d, "preflight-no-route: ") {
					t.Errorf("%s: diagnostic %q, want preflight-no-route: %v", name, d, tc.noRoute)
				}
			}
			if fromRoutes && layout == "engine" && !strings.Contains(logs.String(), `which no route serves (the path's routes: DELETE)`) {
				t.Errorf("log:\n%s", logs)
			}
		}
	}
}
