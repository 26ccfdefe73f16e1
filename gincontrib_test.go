package crosssession_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/gin-contrib/cors"
	"github.com/gin-gonic/gin"
)

// crosssession writes CORS headers itself instead of delegating to
// gin-contrib/cors, because of the behaviours pinned here (v1.7.7). Each
// subtest asserts the defect still exists: if one fails, upstream fixed it
// and the README's "Why not gin-contrib/cors directly" should be revisited.
func TestGinContribCORSDefects(t *testing.T) {
	// Not parallel: testing.AllocsPerRun refuses to run in parallel tests.
	newGC := func(cfg cors.Config, outer ...gin.HandlerFunc) *gin.Engine {
		r := gin.New()
		r.Use(outer...)
		r.Use(cors.New(cfg))
		r.GET("/x", func(c *gin.Context) { c.String(200, "x") })
		r.GET("/regex", func(c *gin.Context) { c.String(200, "x") })
		return r
	}
	base := cors.Config{AllowOrigins: []string{"https://app.example.com"}, AllowCredentials: true,
		AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"Content-Type"}}

	t.Run("replaces Vary set by other middleware", func(t *testing.T) {
		outer := func(c *gin.Context) { c.Header("Vary", "Accept-Encoding"); c.Next() }
		w := serve(newGC(base, outer), req("GET", "/x", "Origin", "https://app.example.com"))
		if got := w.Header().Values("Vary"); slices.Contains(got, "Accept-Encoding") {
			t.Errorf("Vary = %q: gin-contrib/cors now keeps other Vary values", got)
		}
	})
	t.Run("shares an appendable Vary slice across requests", func(t *testing.T) {
		r := newGC(base)
		w := serve(r, req("OPTIONS", "/x", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET"))
		v := w.Header()["Vary"]
		if cap(v) <= len(v) {
			t.Errorf("preflight Vary len %d cap %d: no longer appendable in place (the race is gone)", len(v), cap(v))
		}
		w2 := serve(r, req("OPTIONS", "/x", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET"))
		if &w2.Header()["Vary"][0] != &v[0] {
			t.Errorf("preflight Vary is no longer shared between responses")
		}
	})
	t.Run("no Vary: Origin without an Origin header", func(t *testing.T) {
		if got := serve(newGC(base), req("GET", "/x")).Header().Values("Vary"); got != nil {
			t.Errorf("Vary = %q: gin-contrib/cors now varies on Origin for every response", got)
		}
	})
	t.Run("403 for an unlisted origin's GET", func(t *testing.T) {
		if w := serve(newGC(base), req("GET", "/x", "Origin", "https://other.test")); w.Code != http.StatusForbidden {
			t.Errorf("status %d: gin-contrib/cors no longer refuses unlisted origins", w.Code)
		}
	})
	t.Run("wildcard matches a partial label", func(t *testing.T) {
		cfg := base
		cfg.AllowOrigins, cfg.AllowWildcard = []string{"https://*a.com"}, true
		if got := serve(newGC(cfg), req("GET", "/x", "Origin", "https://evila.com")).Header().Get("Access-Control-Allow-Origin"); got == "" {
			t.Error("gin-contrib/cors no longer lets https://*a.com match https://evila.com")
		}
	})
	t.Run("star with credentials", func(t *testing.T) {
		cfg := base
		cfg.AllowOrigins = []string{"*"}
		h := serve(newGC(cfg), req("GET", "/x", "Origin", "https://evil.test")).Header()
		if h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("headers %v: gin-contrib/cors no longer serves * with credentials", h)
		}
	})
	t.Run("regex origins compiled per request", func(t *testing.T) {
		literal := newGC(base)
		cfg := base
		cfg.AllowOrigins = []string{`/^https://[a-z]+\.example\.com$/`}
		regex := newGC(cfg)
		allocs := func(h http.Handler) float64 {
			return testing.AllocsPerRun(50, func() { serve(h, req("GET", "/x", "Origin", "https://app.example.com")) })
		}
		if a, b := allocs(literal), allocs(regex); b < a+10 {
			t.Errorf("regex origin: %v allocs/request vs %v for a literal: no longer compiled per request", b, a)
		}
	})
}
