package crosssession_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// TestErrorHandlerWritesTheBody: Config.ErrorHandler gets the status and
// an error wrapping the sentinel of each response crosssession answers by
// itself, and writes its own body (here RFC 9457 problem details); the
// status, CORS and caching headers are already set.
func TestErrorHandlerWritesTheBody(t *testing.T) {
	t.Parallel()
	type problem struct {
		status int
		err    error
	}
	var got []problem
	cfg := prodCfg(front)
	cfg.Store = &flakyStore{failLoad: true}
	cfg.ErrorHandler = func(c *gin.Context, status int, err error) {
		got = append(got, problem{status, err})
		c.Header("Content-Type", "application/problem+json")
		c.String(status, `{"type":"about:blank","status":%d}`, status)
	}
	a := newApp(t, cfg)
	w := serve(a, req("POST", "/change", "Origin", "https://evil.test", "Sec-Fetch-Site", "cross-site"))
	if w.Code != 403 || w.Body.String() != `{"type":"about:blank","status":403}` {
		t.Errorf("CSRF refusal: %d %q", w.Code, w.Body)
	}
	w = serve(a, req("GET", "/me", "Origin", front))
	if w.Code != 503 || w.Body.String() != `{"type":"about:blank","status":503}` ||
		w.Header().Get("Access-Control-Allow-Origin") != front || w.Header().Get("Retry-After") == "" {
		t.Errorf("store outage: %d %q %v", w.Code, w.Body, w.Header())
	}
	if len(got) != 2 || !errors.Is(got[0].err, crosssession.ErrCrossOrigin) || !errors.Is(got[1].err, crosssession.ErrStoreUnavailable) {
		t.Errorf("handler saw %v", got)
	}
	// The default: text for 403, JSON for 500.
	d := newApp(t, prodCfg(front))
	d.POST("/fn", func(c *gin.Context) { sessions.Default(c).Set("fn", func() {}); c.String(200, "ok") })
	if w := serve(d, req("POST", "/change", "Origin", "https://evil.test", "Sec-Fetch-Site", "cross-site")); w.Code != 403 ||
		!strings.HasPrefix(w.Body.String(), "crosssession: cross-origin request refused") {
		t.Errorf("default 403: %q", w.Body)
	}
	if w := serve(d, req("POST", "/fn", "Origin", front)); w.Code != http.StatusInternalServerError ||
		w.Body.String() != `{"error":"session could not be saved"}` || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("default 500: %d %q", w.Code, w.Body)
	}
}

// The error response that replaces a handler's drops the handler's caching,
// validator and encoding headers: they described a success.
func TestErrorResponseDropsHandlerHeaders(t *testing.T) {
	cfg := prodCfg(front)
	cfg.Store = &flakyStore{failSave: true}
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.GET("/x", func(c *gin.Context) {
		sessions.Default(c).Set("u", 1)
		c.Header("Cache-Control", "public, max-age=86400")
		c.Header("ETag", `"v1"`)
		c.Header("Content-Encoding", "gzip")
		c.Data(200, "application/octet-stream", []byte{0x1f, 0x8b, 8, 0})
	})
	w := serve(r, req("GET", "/x", "Origin", front))
	h := w.Header()
	if w.Code != 503 || h.Get("Cache-Control") != "no-store" || h.Get("ETag") != "" || h.Get("Content-Encoding") != "" {
		t.Errorf("%d %q, headers Cache-Control=%q ETag=%q Content-Encoding=%q", w.Code, w.Body, h.Get("Cache-Control"), h.Get("ETag"), h.Get("Content-Encoding"))
	}
}
