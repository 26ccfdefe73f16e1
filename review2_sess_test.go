package crosssession_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"
)

// S1: fail() only drops Content-Length; the handler's caching/encoding
// headers ride along on the 503.
func TestReview2_FailKeepsHandlerHeaders(t *testing.T) {
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

// memStore behaves like redistore/gorilla FilesystemStore: it keeps the ID it
// was given, deletes on MaxAge<0, and creates an ID only when ID=="".
type memStore struct {
	mu sync.Mutex
	m  map[string]map[any]any
	n  int
}

func (s *memStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return gsessions.GetRegistry(r).Get(s, name)
}
func (s *memStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	gs := gsessions.NewSession(s, name)
	gs.IsNew = true
	if ck, err := r.Cookie(name); err == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if v, ok := s.m[ck.Value]; ok {
			gs.ID, gs.Values, gs.IsNew = ck.Value, v, false
		}
	}
	return gs, nil
}
func (s *memStore) Save(r *http.Request, w http.ResponseWriter, gs *gsessions.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gs.Options.MaxAge < 0 {
		delete(s.m, gs.ID)
		http.SetCookie(w, gsessions.NewCookie(gs.Name(), "", gs.Options))
		return nil
	}
	if gs.ID == "" {
		s.n++
		gs.ID = fmt.Sprintf("fresh-%d", s.n)
	}
	s.m[gs.ID] = gs.Values
	http.SetCookie(w, gsessions.NewCookie(gs.Name(), gs.ID, gs.Options))
	return nil
}
func (s *memStore) Options(sessions.Options) {}

// S2: Logout then any change re-saves the session under the OLD ID.
func TestReview2_LogoutThenSetKeepsOldID(t *testing.T) {
	st := &memStore{m: map[string]map[any]any{"planted-by-attacker": {"user": "alice"}}}
	cfg := prodCfg(front)
	cfg.Store = st
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/logout", func(c *gin.Context) {
		if err := crosssession.Logout(c); err != nil {
			t.Error(err)
		}
		sessions.Default(c).AddFlash("you are logged out")
		c.Status(204)
	})
	w := serve(r, req("POST", "/logout", "Origin", front, "Cookie", "__Host-session=planted-by-attacker"))
	_, alive := st.m["planted-by-attacker"]
	if alive || strings.Contains(strings.Join(w.Header().Values("Set-Cookie"), ";"), "planted-by-attacker") {
		t.Errorf("after Logout: old ID still in store=%v, Set-Cookie %q", alive, w.Header().Values("Set-Cookie"))
	}
}

// S3: a handler panics (non-store panic) with a goroutine holding the session.
// serve never sets committed on that path, so Save() from the goroutine passes
// its guard and writes Set-Cookie into gin's pooled writer: the NEXT request's
// response.
func TestReview2_SaveAfterPanickedRequestLeaksIntoNextResponse(t *testing.T) {
	r := gin.New()
	r.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(500) }))
	r.Use(crosssession.New(prodCfg(front)))
	copied := make(chan *gin.Context, 1)
	r.POST("/panic", func(c *gin.Context) {
		sessions.Default(c).Set("user", "mallory")
		copied <- c.Copy()
		panic("boom")
	})
	var saveErr error
	r.GET("/victim", func(c *gin.Context) {
		select {
		case cc := <-copied: // the background job of the earlier request
			saveErr = sessions.Default(cc).Save()
		default:
		}
		c.String(200, "hello victim")
	})
	for i := range 20 {
		serve(r, req("POST", "/panic", "Origin", front))
		w := serve(r, req("GET", "/victim", "Origin", front))
		if cks := w.Header().Values("Set-Cookie"); len(cks) > 0 {
			t.Fatalf("attempt %d: victim response carries the panicking request's session: %q (Save err %v)", i, cks, saveErr)
		}
	}
	t.Logf("Save err %v", saveErr)
}
