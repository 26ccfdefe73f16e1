package crosssession_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
)

func init() { gin.SetMode(gin.TestMode) }

var testKey = bytes.Repeat([]byte("k"), 32)

// app is a gin.Engine with a few routes and counters that show whether a
// handler ran.
type app struct {
	*gin.Engine
	hits atomic.Int64
}

func newApp(t testing.TB, cfg crosssession.Config, outer ...gin.HandlerFunc) *app {
	t.Helper()
	a := &app{Engine: gin.New()}
	a.Use(outer...)
	a.Use(crosssession.New(cfg))
	a.addRoutes(a.Engine.Group(""))
	return a
}

func (a *app) addRoutes(r gin.IRoutes) {
	r.POST("/login", func(c *gin.Context) {
		a.hits.Add(1)
		s := sessions.Default(c)
		s.Set("user", c.DefaultQuery("user", "alice"))
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
	r.GET("/me", func(c *gin.Context) {
		a.hits.Add(1)
		u, _ := sessions.Default(c).Get("user").(string)
		if u == "" {
			c.JSON(http.StatusUnauthorized, gin.H{"user": nil})
			return
		}
		c.JSON(http.StatusOK, gin.H{"user": u})
	})
	r.GET("/plain", func(c *gin.Context) {
		a.hits.Add(1)
		c.String(http.StatusOK, "plain")
	})
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r.Handle(m, "/change", func(c *gin.Context) {
			a.hits.Add(1)
			c.String(http.StatusOK, "changed")
		})
	}
}

// req builds a request; hdr holds header name/value pairs.
func req(method, target string, hdr ...string) *http.Request {
	r := httptest.NewRequest(method, "http://api.example.com"+target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func prodCfg(origins ...string) crosssession.Config {
	if len(origins) == 0 {
		origins = []string{"https://app.example.com", "https://*.example.org"}
	}
	return crosssession.Prod(testKey, origins...)
}

// loginCookie logs in through a and returns the session cookie.
func loginCookie(t *testing.T, a http.Handler, origin string) *http.Cookie {
	t.Helper()
	w := serve(a, req("POST", "/login", "Origin", origin))
	cs := w.Result().Cookies()
	if w.Code != 200 || len(cs) != 1 {
		t.Fatalf("login: status %d, cookies %v", w.Code, cs)
	}
	return cs[0]
}

const evil = "https://evil.test"

func csrfPOST(path string) *http.Request {
	return req("POST", path, "Origin", evil, "Sec-Fetch-Site", "cross-site", "Cookie", "session=x")
}

func evilReq(method, path string, cookies ...*http.Cookie) *http.Request {
	r := req(method, path, "Origin", evil, "Sec-Fetch-Site", "cross-site")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

func expectBlocked(t *testing.T, r *gin.Engine, path string, ran *int) {
	t.Helper()
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		*ran = 0
		w := serve(r, evilReq(m, path))
		if *ran != 0 || w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s %s from evil: code %d ran %d hdr %v", m, path, w.Code, *ran, w.Header())
		}
	}
}

func handleAll(g gin.IRoutes, p string, ran *int) {
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		g.Handle(m, p, func(c *gin.Context) { *ran++; _, _ = c.Get(sessions.DefaultKey); c.Status(200) })
	}
}

func handleAllRW(g gin.IRoutes, h gin.HandlerFunc) {
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		g.Handle(m, "/rw", h)
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

// flakyStore is a session store that fails like a Redis that went away.
type flakyStore struct{ failLoad, failSave bool }

func (f *flakyStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return f.New(r, name)
}

func (f *flakyStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	s := gsessions.NewSession(f, name)
	if f.failLoad {
		return s, errConnRefused
	}
	return s, nil
}

func (f *flakyStore) Save(*http.Request, http.ResponseWriter, *gsessions.Session) error {
	if f.failSave {
		return errConnRefused
	}
	return nil
}

func (f *flakyStore) Options(sessions.Options) {}

func withCookie(r *http.Request, c *http.Cookie) *http.Request {
	r.AddCookie(c)
	return r
}

// loginAs logs in as user and returns the session cookie.
func loginAs(t *testing.T, a http.Handler, user string) *http.Cookie {
	t.Helper()
	cks := serve(a, req("POST", "/login?user="+user)).Result().Cookies()
	if len(cks) != 1 {
		t.Fatalf("login as %s: %d cookies", user, len(cks))
	}
	return cks[0]
}

// logBuffer is a slog JSON handler target that tests can read while
// handlers write to it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the log records whose "reason" is code.
func (l *logBuffer) lines(code string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(l.b.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["reason"] == code {
			out = append(out, rec)
		}
	}
	return out
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func withLog(cfg crosssession.Config) (crosssession.Config, *logBuffer) {
	lb := &logBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(lb, nil))
	return cfg, lb
}

const front = "https://app.example.com"

func preflight(path, origin, method string) *http.Request {
	return req("OPTIONS", path, "Origin", origin, "Access-Control-Request-Method", method,
		"Access-Control-Request-Headers", "content-type")
}

// named returns the Set-Cookie values of the cookie name.
func named(setCookies []string, name string) []string {
	var out []string
	for _, v := range setCookies {
		if strings.HasPrefix(v, name+"=") {
			out = append(out, v)
		}
	}
	return out
}

// fLogin logs in on r at path and returns the session cookie.
func fLogin(t *testing.T, r http.Handler, path string) *http.Cookie {
	t.Helper()
	w := serve(r, req("POST", path, "Origin", front, "Sec-Fetch-Site", "same-site"))
	for _, c := range (&http.Response{Header: w.Header()}).Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			return c
		}
	}
	t.Fatalf("login %s: %d, no cookie: %v", path, w.Code, w.Header())
	return nil
}

// fCrossSiteForm is what a form on an attacker's page sends: a POST with
// the victim's cookie, Origin and Sec-Fetch-Site: cross-site, no custom
// headers.
func fCrossSiteForm(target string, ck *http.Cookie) *http.Request {
	r := req("POST", target, "Origin", evil, "Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(ck)
	return r
}

// fRediStore behaves like boj/redistore (gin-contrib/sessions/redis): the
// cookie carries a securecookie-signed session ID, and every cookie that
// verifies costs one GET on the backend, whether or not the record exists.
type fRediStore struct {
	codec   *securecookie.SecureCookie
	mu      sync.Mutex
	records map[string]map[any]any
	gets    int // backend round trips
	n       int
}

func newFRediStore() *fRediStore {
	return &fRediStore{codec: securecookie.New(testKey, nil), records: map[string]map[any]any{}}
}

func (s *fRediStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return gsessions.GetRegistry(r).Get(s, name)
}

func (s *fRediStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	gs := gsessions.NewSession(s, name)
	gs.IsNew = true
	ck, err := r.Cookie(name)
	if err != nil {
		return gs, nil
	}
	if err := securecookie.DecodeMulti(name, ck.Value, &gs.ID, s.codec); err != nil {
		return gs, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++ // conn.Do("GET", prefix+ID)
	if v, ok := s.records[gs.ID]; ok {
		gs.Values, gs.IsNew = maps.Clone(v), false // a copy, as Redis deserializes one
	}
	return gs, nil
}

func (s *fRediStore) Save(r *http.Request, w http.ResponseWriter, gs *gsessions.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gs.Options.MaxAge <= 0 {
		delete(s.records, gs.ID)
		http.SetCookie(w, gsessions.NewCookie(gs.Name(), "", gs.Options))
		return nil
	}
	if gs.ID == "" {
		s.n++
		gs.ID = fmt.Sprintf("id-%d", s.n)
	}
	s.records[gs.ID] = maps.Clone(gs.Values)
	v, err := s.codec.Encode(gs.Name(), gs.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, gsessions.NewCookie(gs.Name(), v, gs.Options))
	return nil
}

func (s *fRediStore) Options(sessions.Options) {}

// fSharedCacheMayStore reads the response headers as a shared cache does
// (RFC 9111 §3, RFC 9213): CDN-Cache-Control and Surrogate-Control, where
// present, replace Cache-Control for the CDNs that use them; directives
// are split at commas outside quoted strings (an unterminated quote runs
// to the end of the field). It reports whether such a cache may store the
// response.
func fSharedCacheMayStore(h http.Header) (bool, string) {
	for _, k := range []string{"Cdn-Cache-Control", "Surrogate-Control"} {
		if vs := h.Values(k); len(vs) > 0 && !fHasDirective(strings.Join(vs, ", "), "private", "no-store") {
			return true, k + ": " + strings.Join(vs, ", ")
		}
	}
	cc := strings.Join(h.Values("Cache-Control"), ", ")
	if fHasDirective(cc, "private", "no-store") {
		return false, ""
	}
	return fHasDirective(cc, "public", "max-age", "s-maxage"), "Cache-Control: " + cc
}

func fHasDirective(v string, names ...string) bool {
	quoted, start := false, 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] == '"' {
			quoted = !quoted
		}
		if i == len(v) || v[i] == ',' && !quoted {
			d := strings.TrimSpace(v[start:i])
			name, _, _ := strings.Cut(d, "=")
			for _, n := range names {
				if strings.EqualFold(strings.TrimSpace(name), n) {
					return true
				}
			}
			start = i + 1
			if i < len(v) && quoted {
				break
			}
		}
	}
	return false
}

// fLogBuffer is a slog handler target safe for concurrent use.
type fLogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *fLogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *fLogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// memBackend is a crosssession.Backend in memory, with the semantics
// redisstore gives on Redis, that counts its calls.
type memBackend struct {
	mu                     sync.Mutex
	m                      map[string]map[string][]byte
	ttl                    map[string]time.Duration
	loads, updates, delete int
}

func newMemBackend() *memBackend {
	return &memBackend{m: map[string]map[string][]byte{}, ttl: map[string]time.Duration{}}
}

func (b *memBackend) Load(_ context.Context, id string) (map[string][]byte, bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.loads++
	vs, ok := b.m[id]
	return maps.Clone(vs), ok, nil
}

func (b *memBackend) Update(_ context.Context, id string, set map[string][]byte, del []string, ttl time.Duration, create bool) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.updates++
	vs, ok := b.m[id]
	if !ok && !create {
		return false, nil
	}
	if !ok {
		vs = map[string][]byte{}
		b.m[id] = vs
	}
	for _, k := range del {
		delete(vs, k)
	}
	maps.Copy(vs, set)
	b.ttl[id] = ttl
	return true, nil
}

func (b *memBackend) Delete(_ context.Context, id string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.delete++
	_, ok := b.m[id]
	delete(b.m, id)
	return ok, nil
}

func (b *memBackend) calls() (loads, updates, deletes int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.loads, b.updates, b.delete
}
