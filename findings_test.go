package crosssession_test

// Findings of review-1 (git diff c44d6ec..HEAD). Each test names the
// behaviour that should hold; a failing test is a finding.

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
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

// FINDING 4
// With a server-side Store, Logout ends the session for every copy of the
// cookie (README: "Logout deletes the record, and every copy of the cookie
// stops working at once"). A request that loaded the session before the
// logout and changes it afterwards (an auth check, then a slow body, then
// a session write) saves the old ID again: the record is re-created with
// the logged-out user's values, and every copy of the cookie (a stolen
// one: the attacker keeps such requests in flight) opens the session
// again.
func TestLogoutWithStoreCannotBeUndoneByAnInFlightWrite(t *testing.T) {
	st := newFRediStore()
	cfg := crosssession.Prod(testKey, front)
	cfg.Store = st
	cfg.Logger = slog.New(slog.DiscardHandler)
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) {
		if err := crosssession.Login(c); err != nil {
			t.Error(err)
		}
		sessions.Default(c).Set("user", "alice")
		c.Status(200)
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := crosssession.Logout(c); err != nil {
			t.Error(err)
		}
		c.Status(204)
	})
	r.GET("/me", func(c *gin.Context) { u, _ := sessions.Default(c).Get("user").(string); c.String(200, u) })
	loaded, release := make(chan struct{}), make(chan struct{})
	r.POST("/prefs", func(c *gin.Context) {
		s := sessions.Default(c)
		if s.Get("user") == nil {
			c.AbortWithStatus(401)
			return
		}
		close(loaded)
		<-release // c.ShouldBindJSON on a slowly sent body
		s.Set("theme", "dark")
		c.Status(204)
	})
	stolen := fLogin(t, r, "/login")
	me := func() string {
		q := req("GET", "/me", "Origin", front, "Sec-Fetch-Site", "same-site")
		q.AddCookie(stolen)
		return serve(r, q).Body.String()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		q := req("POST", "/prefs", "Origin", front, "Sec-Fetch-Site", "same-site")
		q.AddCookie(stolen)
		serve(r, q)
	}()
	<-loaded
	lo := req("POST", "/logout", "Origin", front, "Sec-Fetch-Site", "same-site")
	lo.AddCookie(stolen)
	serve(r, lo)
	if u := me(); u != "" {
		t.Fatalf("right after Logout the cookie still opens %q", u)
	}
	close(release)
	<-done
	if u := me(); u != "" {
		t.Errorf("after an in-flight request that loaded the session before Logout ended, the logged-out cookie opens the session of %q again (records: %v)", u, st.records)
	}
}

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

// FINDING 5
// A response that carries the session cookie is never storable by a
// shared cache (README: "A response that sets or expires the session
// cookie gets Cache-Control: private"). privateCache runs only in
// commit, and edits only Cache-Control, appending "private" last:
//   - a handler that called Save and then panicked gets gin.Recovery's 500
//     with the Set-Cookie and the handler's "public, max-age=600" (commit
//     never ran);
//   - CDN-Cache-Control / Surrogate-Control (which CDNs obey instead of
//     Cache-Control, RFC 9213) are left as the handler set them;
//   - a middleware before crosssession that sets Cache-Control after
//     c.Next() (bodiless responses commit before it runs) wins;
//   - an unterminated quoted string in the handler's value swallows the
//     appended ", private" for a parser that honours quotes, leaving
//     max-age=600.
func TestSessionCookieResponsesAreNeverStorableBySharedCaches(t *testing.T) {
	recovery := gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(500) })
	for _, tc := range []struct {
		name    string
		before  []gin.HandlerFunc
		handler gin.HandlerFunc
	}{
		{"Save then panic, gin.Recovery before crosssession", []gin.HandlerFunc{recovery}, func(c *gin.Context) {
			s := sessions.Default(c)
			s.Set("user", "alice")
			if err := s.Save(); err != nil {
				t.Error(err)
			}
			c.Header("Cache-Control", "public, max-age=600")
			panic("boom")
		}},
		{"CDN-Cache-Control", nil, func(c *gin.Context) {
			sessions.Default(c).Set("user", "alice")
			c.Header("CDN-Cache-Control", "max-age=600")
			c.String(200, "ok")
		}},
		{"Surrogate-Control", nil, func(c *gin.Context) {
			sessions.Default(c).Set("user", "alice")
			c.Header("Surrogate-Control", "max-age=600")
			c.String(200, "ok")
		}},
		{"middleware before crosssession sets Cache-Control after c.Next", []gin.HandlerFunc{func(c *gin.Context) {
			c.Next()
			c.Header("Cache-Control", "public, max-age=60")
		}}, func(c *gin.Context) {
			sessions.Default(c).Set("user", "alice")
			c.Status(204)
		}},
		{"unterminated quote in the handler's value", nil, func(c *gin.Context) {
			sessions.Default(c).Set("user", "alice")
			c.Header("Cache-Control", `max-age=600, community="x`)
			c.String(200, "ok")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := crosssession.Prod(testKey, front)
			cfg.Logger = slog.New(slog.DiscardHandler)
			r := gin.New()
			r.Use(tc.before...)
			r.Use(crosssession.New(cfg))
			r.POST("/x", tc.handler)
			w := serve(r, req("POST", "/x", "Origin", front, "Sec-Fetch-Site", "same-site"))
			if len(w.Header().Values("Set-Cookie")) == 0 {
				t.Skipf("no Set-Cookie (%d)", w.Code)
			}
			if store, why := fSharedCacheMayStore(w.Header()); store {
				t.Errorf("%d response with Set-Cookie %.40q... is storable by a shared cache: %s", w.Code, w.Header().Get("Set-Cookie"), why)
			}
		})
	}
}

// FINDING 6
// A handler that panics never commits its half-done session change,
// "whether gin.Recovery runs before or after crosssession" (README). The
// check in commit is "status >= 500 and panicking": a recovery handler
// after crosssession that answers a panic with a 4xx (gin.CustomRecovery
// mapping validation panics to 400) sends the half-done change; the same
// recovery before crosssession does not.
func TestPanickingHandlerNeverCommitsWhateverTheRecoveryStatus(t *testing.T) {
	for _, before := range []bool{true, false} {
		recovery := gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) { c.AbortWithStatus(400) })
		r := gin.New()
		cfg := crosssession.Prod(testKey, front)
		cfg.Logger = slog.New(slog.DiscardHandler)
		if before {
			r.Use(recovery, crosssession.New(cfg))
		} else {
			r.Use(crosssession.New(cfg), recovery)
		}
		r.POST("/x", func(c *gin.Context) {
			sessions.Default(c).Set("user", "half-done")
			panic("validation failed")
		})
		w := serve(r, req("POST", "/x", "Origin", front, "Sec-Fetch-Site", "same-site"))
		if cks := w.Header().Values("Set-Cookie"); len(cks) > 0 {
			t.Errorf("recovery before crosssession=%v: the %d answer to a panic carries the half-done session: %.60q", before, w.Code, cks)
		}
	}
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

// FINDING 7
// The no-cookie diagnostic keeps working for the configured front ends
// whatever other clients send. cookieMemory remembers every Origin a
// session cookie was given to, listed or not, in at most 1,024 entries
// that are never freed; no-cookie is only ever reported for listed
// origins. A client that logs in with 1,024 made-up Origins (no
// Sec-Fetch-Site, Host equal to the Origin's host, so the CSRF check
// passes; or a GET that touches the session) fills it for good: a front
// end whose first login comes after that never gets its no-cookie
// diagnosis. The same holds for the limiter's per-site keys in
// Development.
func TestNoCookieDiagnosticSurvivesUnlistedOrigins(t *testing.T) {
	logs := &fLogBuffer{}
	cfg := crosssession.Prod(testKey, "https://*.example.com")
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "u"); c.Status(200) })
	r.GET("/me", func(c *gin.Context) { _ = sessions.Default(c).Get("user"); c.Status(200) })

	for i := range 1100 {
		host := fmt.Sprintf("x%d.attacker.test", i)
		q := httptest.NewRequest("POST", "https://"+host+"/login", nil)
		q.Header.Set("Origin", "https://"+host)
		if w := serve(r, q); w.Code != 200 {
			t.Fatalf("filler login %d: %d", i, w.Code)
		}
	}
	const app = "https://preview-42.example.com" // a new preview deployment
	q := httptest.NewRequest("POST", "https://api.example.com/login", nil)
	q.TLS = &tls.ConnectionState{}
	q.Header.Set("Origin", app)
	q.Header.Set("Sec-Fetch-Site", "same-site")
	serve(r, q)
	// The front end forgot credentials: 'include' on the next call.
	q = httptest.NewRequest("GET", "https://api.example.com/me", nil)
	q.TLS = &tls.ConnectionState{}
	q.Header.Set("Origin", app)
	q.Header.Set("Sec-Fetch-Site", "same-site")
	serve(r, q)
	if !strings.Contains(logs.String(), "reason=no-cookie") {
		t.Errorf("no no-cookie diagnosis for %s after other clients logged in from 1,100 unlisted origins", app)
	}
}

// FINDING 8
// A cookie the store cannot decode is a bad cookie, not a store outage.
// securecookie (v1.1.2) returns a plain fmt error for a value over its
// 4,096-byte limit; redistore and gorilla's stores wrap it in a
// MultiError (DecodeMulti), which itself satisfies securecookie.Error, so
// isDecodeError asks MultiError.IsDecode, which is false for a plain
// error, and the request becomes "503 session store unavailable" with a
// store-unavailable log line. Any client can produce both at will: false
// outage reports (and a 503 for every session route while a tossed
// cookie of that size sits in a browser under a non-__Host- name).
func TestOversizedCookieWithStoreIsNotAStoreOutage(t *testing.T) {
	logs := &fLogBuffer{}
	cfg := crosssession.Prod(testKey, front)
	cfg.Store = newFRediStore()
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.GET("/me", func(c *gin.Context) { _ = sessions.Default(c).Get("user"); c.Status(200) })
	w := serve(r, req("GET", "/me", "Origin", front, "Cookie", "__Host-session="+strings.Repeat("A", 4100)))
	if w.Code != 200 || strings.Contains(logs.String(), "store-unavailable") {
		t.Errorf("a 4,100-byte cookie: status %d %s; log: %s", w.Code, w.Body, logs.String())
	}
}

// FINDING 9
// Logout ends the session in this browser. The README names leftovers of
// an earlier configuration as the reason every cookie of the name is read
// ("a leftover of an earlier configuration"), and reading them works: but
// Logout expires only the current attributes' cookie and its variants, so
// a leftover that verifies (the same key, inside MaxAge: e.g. the API
// used Cookie.Domain = "example.com" last week) is what the very next
// request reads, and the user is logged in again. A browser's cookie jar
// (net/http/cookiejar) plays the browser.
func TestLogoutIsNotUndoneByALeftoverCookie(t *testing.T) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	api, _ := url.Parse("http://api.example.com/")
	const fe = "http://app.example.com"
	build := func(domain string) *gin.Engine {
		cfg := crosssession.Dev(fe)
		cfg.Keys = [][]byte{testKey}
		cfg.Cookie.Domain = domain
		cfg.Logger = slog.New(slog.DiscardHandler)
		r := gin.New()
		r.Use(crosssession.New(cfg))
		r.POST("/login", func(c *gin.Context) {
			if err := crosssession.Login(c); err != nil {
				t.Error(err)
			}
			sessions.Default(c).Set("user", "alice")
			c.Status(200)
		})
		r.POST("/logout", func(c *gin.Context) {
			if err := crosssession.Logout(c); err != nil {
				t.Error(err)
			}
			c.Status(204)
		})
		r.GET("/me", func(c *gin.Context) { u, _ := sessions.Default(c).Get("user").(string); c.String(200, u) })
		return r
	}
	do := func(r *gin.Engine, method, path string) string {
		q := req(method, path, "Origin", fe, "Sec-Fetch-Site", "same-site")
		for _, c := range jar.Cookies(api) {
			q.AddCookie(c)
		}
		w := serve(r, q)
		jar.SetCookies(api, (&http.Response{Header: w.Header()}).Cookies())
		return w.Body.String()
	}
	do(build("example.com"), "POST", "/login") // last week's deployment
	now := build("")                           // today's: host-only
	do(now, "POST", "/login")
	if u := do(now, "GET", "/me"); u != "alice" {
		t.Fatalf("before logout /me = %q", u)
	}
	do(now, "POST", "/logout")
	if u := do(now, "GET", "/me"); u != "" {
		t.Errorf("after Logout the next request is logged in as %q (cookies the browser still sends: %v)", u, jar.Cookies(api))
	}
}
