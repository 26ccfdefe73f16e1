package crosssession_test

import (
	"strings"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

func TestBearerPolicy(t *testing.T) {
	t.Parallel()
	a := newApp(t, crosssession.Bearer("https://app.example.com"))
	a.GET("/token", func(c *gin.Context) {
		_, hasSession := c.Get(sessions.DefaultKey)
		c.JSON(200, gin.H{"session": hasSession})
	})
	r := req("GET", "/token", "Origin", "https://app.example.com", "Cookie", "session=x")
	w := serve(a, r)
	if w.Code != 200 || w.Body.String() != `{"session":false}` {
		t.Errorf("bearer route: %d %q, want 200 without a session", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h.Values("Access-Control-Allow-Credentials") != nil ||
		h.Values("Set-Cookie") != nil {
		t.Errorf("bearer headers: %v", h)
	}
	w = serve(a, req("OPTIONS", "/token", "Origin", "https://app.example.com", "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "authorization"))
	if w.Code != 204 || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") ||
		w.Header().Values("Access-Control-Allow-Credentials") != nil {
		t.Errorf("bearer preflight: %d %v", w.Code, w.Header())
	}
}

func TestPresetsCopyOrigins(t *testing.T) {
	t.Parallel()
	origins := []string{"https://app.example.com"}
	cfg := crosssession.Prod(testKey, origins...)
	origins[0] = "*"
	if err := cfg.Validate(); err != nil {
		t.Errorf("changing the caller's slice changed the preset: %v", err)
	}
}
