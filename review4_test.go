package crosssession

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"
)

// Regression tests from the fourth review (of the cookie encoder).

// TestTemplatePathContainingSentinelDate: newCookieTemplate finds where
// net/http puts the Expires date by searching for a sentinel date. Path is
// written before Expires and may hold spaces and commas (Cookie.Valid and
// Config.Validate accept it), so a Path containing the sentinel's text once
// made the template cut inside the Path: every Set-Cookie had the current
// expiry date spliced into its Path and Expires=...1999.
func TestTemplatePathContainingSentinelDate(t *testing.T) {
	gin.SetMode(gin.TestMode)
	const path = "/Fri, 31 Dec 1999 23:59:59 GMT"
	cfg := Prod(bytes.Repeat([]byte{7}, 32), "https://app.example.com")
	cfg.Cookie.Name = "sid"
	cfg.Cookie.Path = path
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate refuses the config: %v", err)
	}
	e := gin.New()
	e.Use(New(cfg))
	e.POST("/*p", func(c *gin.Context) {
		sessions.Default(c).Set("uid", "alice")
		c.String(http.StatusOK, "ok")
	})
	for try := 0; ; try++ {
		r := httptest.NewRequest(http.MethodPost, "https://api.example.com/", nil)
		r.URL.Path = path
		r.Header.Set("Origin", "https://app.example.com")
		w := httptest.NewRecorder()
		before := time.Now().Unix()
		e.ServeHTTP(w, r)
		if time.Now().Unix() != before && try < 3 {
			continue // a second boundary: the dates would differ
		}
		got := w.Header().Get("Set-Cookie")
		value, _, _ := strings.Cut(strings.TrimPrefix(got, "sid="), ";")
		// What http.SetCookie(gsessions.NewCookie(name, value, opts)) writes.
		want := gsessions.NewCookie("sid", value, &gsessions.Options{
			Path: path, MaxAge: int(defaultMaxAge.Seconds()), Secure: true, HttpOnly: true,
			SameSite: http.SameSiteNoneMode, Partitioned: true,
		})
		want.Expires = time.Unix(before+int64(defaultMaxAge.Seconds()), 0)
		if got != want.String() {
			t.Errorf("Set-Cookie differs from net/http's:\n got %s\nwant %s", got, want.String())
		}
		if ck, err := http.ParseSetCookie(got); err != nil || ck.Path != path {
			t.Errorf("the browser gets Path %q, configured %q (%v)", ck.Path, path, err)
		}
		return
	}
}
