package crosssession_test

// Findings of review-1 (git diff c44d6ec..HEAD). Each test names the
// behaviour that should hold; a failing test is a finding.

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
	"net/http"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

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

// FINDING 1
// An InsecureBypassPatterns entry exempts exactly the routes it names.
// The exemption is decided on ServeMux's reading of the path (escaped
// segments: %2F stays inside a {wildcard} segment) while gin routes the
// decoded path, where %2F is a separator. A pattern with a wildcard
// segment therefore exempts other gin routes: a cross-site form POST to
// /saml/acme%2Fsettings/acs runs POST /saml/:tenant/settings/acs as the
// victim.
func TestBypassPatternExemptsOnlyTheRouteItNames(t *testing.T) {
	cfg := crosssession.Prod(testKey, front)
	cfg.InsecureBypassPatterns = []string{"POST /saml/{tenant}/acs"}
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "alice"); c.Status(200) })
	r.POST("/saml/:tenant/acs", func(c *gin.Context) { c.Status(200) }) // exempt, checks InResponseTo itself
	ran := ""
	r.POST("/saml/:tenant/settings/acs", func(c *gin.Context) { // NOT exempt: changes the tenant's SAML settings
		ran, _ = sessions.Default(c).Get("user").(string)
		c.Status(200)
	})
	ck := fLogin(t, r, "/login")

	// The direct request is refused, as it should be.
	if w := serve(r, fCrossSiteForm("/saml/acme/settings/acs", ck)); w.Code != 403 {
		t.Fatalf("direct cross-site POST: %d, want 403", w.Code)
	}
	w := serve(r, fCrossSiteForm("/saml/acme%2Fsettings/acs", ck))
	if w.Code != 403 || ran != "" {
		t.Errorf("cross-site POST /saml/acme%%2Fsettings/acs: status %d, non-exempt handler ran as %q; want 403 and no run", w.Code, ran)
	}
}

// FINDING 1 (second shape)
// With gin's RemoveExtraSlash (gin cleans "." and ".." before routing), a
// subtree pattern ("POST /saml/{rest...}") exempts every route of the API:
// ServeMux sees the segment "..%2Faccount" (not a dot segment, so browsers
// keep it as written and ServeMux does not redirect), gin routes
// /saml/../account/delete as /account/delete.
func TestBypassSubtreeDoesNotExemptRoutesOutsideIt(t *testing.T) {
	cfg := crosssession.Prod(testKey, front)
	cfg.InsecureBypassPatterns = []string{"POST /saml/{rest...}"}
	r := gin.New()
	r.RemoveExtraSlash = true
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "alice"); c.Status(200) })
	r.POST("/saml/:tenant/acs", func(c *gin.Context) { c.Status(200) })
	ran := ""
	r.POST("/account/delete", func(c *gin.Context) {
		ran, _ = sessions.Default(c).Get("user").(string)
		c.Status(200)
	})
	ck := fLogin(t, r, "/login")
	if w := serve(r, fCrossSiteForm("/account/delete", ck)); w.Code != 403 {
		t.Fatalf("direct cross-site POST: %d, want 403", w.Code)
	}
	w := serve(r, fCrossSiteForm("/saml/..%2Faccount/delete", ck))
	if w.Code != 403 || ran != "" {
		t.Errorf("cross-site POST /saml/..%%2Faccount/delete: status %d, /account/delete ran as %q; want 403 and no run", w.Code, ran)
	}
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
	if err := s.codec.Decode(name, ck.Value, &gs.ID); err != nil {
		return gs, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++ // conn.Do("GET", prefix+ID)
	if v, ok := s.records[gs.ID]; ok {
		gs.Values, gs.IsNew = v, false
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
	s.records[gs.ID] = gs.Values
	v, err := s.codec.Encode(gs.Name(), gs.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, gsessions.NewCookie(gs.Name(), v, gs.Options))
	return nil
}

func (s *fRediStore) Options(sessions.Options) {}

// FINDING 2
// One request costs the session store a bounded number of lookups,
// whatever the Cookie header holds. loadFromStore offers every cookie of
// the session's name to Store.New, and a redistore-like store does a
// Redis GET for every cookie whose signature verifies. An attacker who
// once logged in (then out) holds a validly signed ID whose record is
// gone; 2,000 copies of it (about 150 KB of Cookie header, under Go's
// 3,000-cookie and 1 MB limits) make one request cost 2,000 Redis round
// trips (plus two header clones each) before the handler runs.
func TestStoreLookupsPerRequestAreBounded(t *testing.T) {
	st := newFRediStore()
	cfg := crosssession.Prod(testKey, front)
	cfg.Store = st
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "mallory"); c.Status(200) })
	r.POST("/logout", func(c *gin.Context) { _ = crosssession.Logout(c); c.Status(204) })
	r.GET("/me", func(c *gin.Context) { _ = sessions.Default(c).Get("user"); c.Status(200) })
	ck := fLogin(t, r, "/login")
	lo := req("POST", "/logout", "Origin", front, "Sec-Fetch-Site", "same-site")
	lo.AddCookie(ck)
	serve(r, lo) // the record is gone; the signed ID still verifies until MaxAge

	const copies = 2000
	hdr := strings.TrimSuffix(strings.Repeat(ck.Name+"="+ck.Value+"; ", copies), "; ")
	st.mu.Lock()
	st.gets = 0
	st.mu.Unlock()
	start := time.Now()
	w := serve(r, req("GET", "/me", "Origin", front, "Cookie", hdr))
	st.mu.Lock()
	gets := st.gets
	st.mu.Unlock()
	t.Logf("Cookie header %d bytes: status %d, %d store lookups, %v", len(hdr), w.Code, gets, time.Since(start))
	if gets > 4 {
		t.Errorf("one request with %d copies of a signed cookie made %d store lookups; want a small bound (e.g. 1, or a handful)", copies, gets)
	}
}

// FINDING 3
// A request's cost does not grow with the product of its cookies and its
// headers. With a Store, loadFromStore clones the whole request and its
// header (twice: r.Clone, then Header.Clone) for every cookie of the
// session's name, valid or not, so N cookies and H header lines cost
// O(N*H). A single request of about 530 KB, under net/http's default
// 1 MB MaxHeaderBytes and 3,000-cookie limit (2,900 junk cookies plus
// 60,000 one-letter header lines), sent over a real connection, kept a
// core busy for 12.6 s and allocated 5.3 GB; it needs no key and no
// account. The test sends a quarter of that (1,500 x 30,000).
func TestStoreSessionLoadCostIsLinearInTheRequest(t *testing.T) {
	cfg := crosssession.Prod(testKey, front)
	cfg.Store = newFRediStore()
	cfg.Logger = slog.New(slog.DiscardHandler)
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.GET("/me", func(c *gin.Context) { _ = sessions.Default(c).Get("user"); c.Status(200) })
	srv := httptest.NewServer(r)
	defer srv.Close()

	var b strings.Builder
	b.WriteString("GET /me HTTP/1.1\r\nHost: api.example.com\r\nOrigin: " + front + "\r\nConnection: close\r\n")
	b.WriteString("Cookie: " + strings.TrimSuffix(strings.Repeat("__Host-session=x; ", 1500), "; ") + "\r\n")
	for range 30000 {
		b.WriteString("X: a\r\n")
	}
	b.WriteString("\r\n")
	t.Logf("request head: %d bytes (net/http's limit: %d)", b.Len(), http.DefaultMaxHeaderBytes)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	took := time.Since(start)
	runtime.ReadMemStats(&m1)
	alloc := (m1.TotalAlloc - m0.TotalAlloc) >> 20
	t.Logf("status %d after %v, %d MB allocated", resp.StatusCode, took, alloc)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: the server refused the request, so this proves nothing", resp.StatusCode)
	}
	if alloc > 200 {
		t.Errorf("one %d-byte request allocated %d MB (%v): loading the session must cost O(request size)", b.Len(), alloc, took)
	}
}
