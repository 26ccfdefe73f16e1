package bench

// Benchmarks of the request path of crosssession beside its peers, in one
// binary so that every column is measured in the same run:
//
//   - the CORS-only policy (crosssession.Bearer, /impl=bearer) beside
//     rs/cors (/impl=rscors);
//   - the session policy (crosssession.Prod, /impl=crosssession) beside
//     rs/cors + gin-contrib/sessions' cookie store (/impl=rscors-sessions)
//     and gin-contrib/cors + gin-contrib/sessions' cookie store
//     (/impl=gincontrib), both of which make sessions.Default work;
//   - a floor (the same headers from constants, no decisions) and bare gin.
//
// See BENCHMARKS.md for the numbers and how to reproduce them:
//
//	cd bench && go test -c -o /tmp/bench.test .
//	for i in $(seq 8); do /tmp/bench.test -test.run='^$' -test.bench=. -test.benchmem; done > /tmp/bench.txt
//	benchstat -col '/impl@(rscors bearer)' /tmp/bench.txt
//
// Each benchmark serves requests through a real gin.Engine. The request is
// built once and shallow-copied per iteration (gorilla/sessions stores its
// registry in the request, so a request must not be reused), and the
// response goes to a reusable writer, so allocs/op counts gin, the
// middleware and the handler, not the harness. Before the timed loop each
// case checks, through httptest.ResponseRecorder, that the stack really
// does what is measured: status, CORS headers, a session read, a
// Set-Cookie.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/gob"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	gincors "github.com/gin-contrib/cors"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/rs/cors"
)

func init() {
	// The gob cookie store needs every concrete type it stores in an
	// interface registered; the session holds a time.Time.
	gob.Register(time.Time{})
}

var benchSecret = bytes.Repeat([]byte("B"), 32)

const (
	benchAPI      = "https://api.example.com"
	benchApp      = "https://app.example.com"
	benchUnlisted = "https://evil.example.org"
)

// The CORS settings every stack is given: crosssession's defaults.
var (
	benchMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
	benchHeaders = []string{"Authorization", "Content-Type", "X-Requested-With"}
)

const benchMaxAge = 2 * time.Hour

// benchOrigins returns the configured origins. With n > 1: n-2 exact
// origins, then the requests' one (https://app.example.com), then a
// wildcard pattern, so that 1 and 200 origins compare the same request
// (gin-contrib/cors and rs/cors scan their lists, so this is their slow
// case).
func benchOrigins(n int) []string {
	if n == 1 {
		return []string{benchApp}
	}
	var list []string
	for i := range n - 2 {
		list = append(list, fmt.Sprintf("https://front-%03d.example.net", i))
	}
	return append(list, benchApp, "https://*.example.com")
}

// The handlers are the same for every stack. The session ones call Save,
// which gin-contrib/sessions needs and crosssession allows.
func benchRoutes(r *gin.Engine) {
	r.GET("/api/data", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/api/me", func(c *gin.Context) {
		s := sessions.Default(c)
		uid, _ := s.Get("uid").(string)
		n, _ := s.Get("n").(int)
		admin, _ := s.Get("admin").(bool)
		login, _ := s.Get("login").(time.Time)
		if uid == "" || n == 0 || !admin || login.IsZero() {
			c.Status(http.StatusUnauthorized)
			return
		}
		c.String(http.StatusOK, uid)
	})
	r.POST("/api/login", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("uid", "user-8c1d2f6a")
		s.Set("n", 1)
		s.Set("admin", true)
		s.Set("login", time.Now())
		if err := s.Save(); err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/api/touch", func(c *gin.Context) {
		s := sessions.Default(c)
		n, _ := s.Get("n").(int)
		if n == 0 {
			c.Status(http.StatusUnauthorized)
			return
		}
		s.Set("n", n+1)
		if err := s.Save(); err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.Status(http.StatusNoContent)
	})
}

// A benchImpl is one stack under test.
type benchImpl struct {
	name        string
	cookieName  string // the session cookie; "" without a session
	credentials bool   // sends Access-Control-Allow-Credentials: true
	middleware  func(origins []string) []gin.HandlerFunc
}

func (impl benchImpl) engine(origins []string) *gin.Engine {
	r := gin.New()
	r.Use(impl.middleware(origins)...)
	benchRoutes(r)
	return r
}

// rsCORS is rs/cors as a gin middleware, as its wrapper/gin module does it:
// the request through (*cors.Cors).HandlerFunc, then a preflight answered
// 204 without running the chain.
func rsCORS(c *cors.Cors) gin.HandlerFunc {
	return func(ctx *gin.Context) {
		c.HandlerFunc(ctx.Writer, ctx.Request)
		if ctx.Request.Method == http.MethodOptions && ctx.GetHeader("Access-Control-Request-Method") != "" {
			ctx.AbortWithStatus(http.StatusNoContent)
		}
	}
}

func rsCORSOptions(origins []string, credentials bool) cors.Options {
	return cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   benchMethods,
		AllowedHeaders:   benchHeaders,
		AllowCredentials: credentials,
		MaxAge:           int(benchMaxAge.Seconds()),
	}
}

// ginContribStore is gin-contrib/sessions' cookie store with the
// attributes of crosssession's cookie.
func ginContribSessions() gin.HandlerFunc {
	store := cookie.NewStore(benchSecret)
	store.Options(sessions.Options{
		Path:     "/",
		MaxAge:   7 * 24 * 3600,
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteNoneMode,
	})
	return sessions.Sessions("session", store)
}

func quiet(cfg crosssession.Config) crosssession.Config {
	cfg.Logger = slog.New(slog.DiscardHandler) // no startup report in the output
	return cfg
}

var (
	// implCrosssession is the session policy, the Prod preset.
	implCrosssession = benchImpl{"crosssession", "__Host-session", true, func(origins []string) []gin.HandlerFunc {
		return []gin.HandlerFunc{crosssession.New(quiet(crosssession.Prod(benchSecret, origins...)))}
	}}
	// implBearer is the CORS-only policy.
	implBearer = benchImpl{"bearer", "", false, func(origins []string) []gin.HandlerFunc {
		return []gin.HandlerFunc{crosssession.New(quiet(crosssession.Bearer(origins...)))}
	}}
	// implRSCORS is rs/cors configured like Bearer: CORS only.
	implRSCORS = benchImpl{"rscors", "", false, func(origins []string) []gin.HandlerFunc {
		return []gin.HandlerFunc{rsCORS(cors.New(rsCORSOptions(origins, false)))}
	}}
	// implRSCORSSessions is rs/cors with credentials, then gin-contrib/sessions'
	// cookie store: the least hand-composed stack that gives a credentialed
	// API sessions.Default.
	implRSCORSSessions = benchImpl{"rscors-sessions", "session", true, func(origins []string) []gin.HandlerFunc {
		return []gin.HandlerFunc{rsCORS(cors.New(rsCORSOptions(origins, true))), ginContribSessions()}
	}}
	// implGincontrib is the stack crosssession replaces, configured alike.
	implGincontrib = benchImpl{"gincontrib", "session", true, func(origins []string) []gin.HandlerFunc {
		return []gin.HandlerFunc{gincors.New(gincors.Config{
			AllowOrigins:     origins,
			AllowWildcard:    true,
			AllowCredentials: true,
			AllowMethods:     benchMethods,
			AllowHeaders:     benchHeaders,
			MaxAge:           benchMaxAge,
		}), ginContribSessions()}
	}}
	// implFloor is the least any middleware doing crosssession's job must
	// do, with every decision replaced by a constant: the response headers
	// of an allowed origin written from prebuilt values (one string
	// comparison stands for the allow-list), a preflight answered 204, and
	// on other requests the session put where sessions.Default(c) finds it
	// (gin allocates c.Keys for it). No CSRF check, no diagnostics, no
	// session behind the key. crosssession / floor is what its decisions
	// cost.
	implFloor = benchImpl{"floor", "", true, func(origins []string) []gin.HandlerFunc {
		var s sessions.Session
		app := []string{benchApp}
		vary, varyPre := []string{"Origin"}, []string{"Origin", "Access-Control-Request-Method, Access-Control-Request-Headers"}
		yes, methods := []string{"true"}, []string{"GET, HEAD, POST, PUT, PATCH, DELETE"}
		headers, maxAge := []string{"Authorization, Content-Type, X-Requested-With"}, []string{"7200"}
		return []gin.HandlerFunc{func(c *gin.Context) {
			h := c.Writer.Header()
			o := c.Request.Header["Origin"]
			if len(o) != 1 || o[0] != app[0] {
				h["Vary"] = vary
			} else if c.Request.Method == http.MethodOptions {
				h["Vary"], h["Access-Control-Allow-Origin"], h["Access-Control-Allow-Credentials"] = varyPre, app, yes
				h["Access-Control-Allow-Methods"], h["Access-Control-Allow-Headers"], h["Access-Control-Max-Age"] = methods, headers, maxAge
				c.AbortWithStatus(http.StatusNoContent)
				return
			} else {
				h["Vary"], h["Access-Control-Allow-Origin"], h["Access-Control-Allow-Credentials"] = vary, app, yes
			}
			c.Set(sessions.DefaultKey, s)
			c.Next()
		}}
	}}
	implBare = benchImpl{"bare", "", false, func([]string) []gin.HandlerFunc { return nil }}
)

// The stacks of the CORS-only scenarios and of the session ones.
var (
	corsImpls    = []benchImpl{implGincontrib, implRSCORSSessions, implCrosssession, implRSCORS, implBearer, implFloor, implBare}
	sessionImpls = []benchImpl{implGincontrib, implRSCORSSessions, implCrosssession}
)

// benchCase is one request of a scenario.
type benchCase struct {
	method, path string
	unlisted     bool // from benchUnlisted instead of an allowed origin
	preflight    bool
	cookie       bool // carries a valid session cookie made by the stack itself
	// check inspects the response once before timing.
	check func(impl benchImpl, w *httptest.ResponseRecorder, origin string) error
}

// request returns the request of bc, from origin, with cookie (if any).
func (bc benchCase) request(origin string, cookie *http.Cookie) *http.Request {
	r := httptest.NewRequest(bc.method, benchAPI+bc.path, nil)
	r.Header.Set("Origin", origin)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if bc.preflight {
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "content-type")
	}
	if cookie != nil {
		r.Header.Set("Cookie", cookie.Name+"="+cookie.Value)
	}
	return r
}

// prepare builds impl's engine for n origins and the request of bc, and
// checks once that the engine answers it as bc.check wants.
func (bc benchCase) prepare(tb testing.TB, impl benchImpl, n int) (*gin.Engine, *http.Request) {
	gin.SetMode(gin.ReleaseMode)
	origin := benchApp
	if bc.unlisted {
		origin = benchUnlisted
	}
	engine := impl.engine(benchOrigins(n))
	var ck *http.Cookie
	if bc.cookie {
		ck = benchLogin(tb, engine, impl.cookieName)
	}
	tmpl := bc.request(origin, ck)
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, benchCopy(tmpl))
	if err := bc.check(impl, rec, origin); err != nil {
		tb.Fatalf("%s: %s %s from %s: %v\nheaders: %v", impl.name, bc.method, bc.path, origin, err, rec.Header())
	}
	w := &benchWriter{h: make(http.Header)}
	engine.ServeHTTP(w, benchCopy(tmpl))
	if w.code != rec.Code {
		tb.Fatalf("%s: status %d through benchWriter, %d through a recorder", impl.name, w.code, rec.Code)
	}
	return engine, tmpl
}

func runBench(b *testing.B, bc benchCase, impls []benchImpl) {
	for _, impl := range impls {
		for _, n := range []int{1, 200} {
			b.Run(fmt.Sprintf("impl=%s/origins=%d", impl.name, n), func(b *testing.B) {
				engine, tmpl := bc.prepare(b, impl, n)
				w := &benchWriter{h: make(http.Header)}
				b.ReportAllocs()
				for b.Loop() {
					w.reset()
					engine.ServeHTTP(w, benchCopy(tmpl))
				}
			})
		}
	}
}

func benchCopy(tmpl *http.Request) *http.Request {
	r := *tmpl
	return &r
}

// benchLogin runs the login handler once and returns the session cookie.
func benchLogin(tb testing.TB, engine *gin.Engine, name string) *http.Cookie {
	r := httptest.NewRequest(http.MethodPost, benchAPI+"/api/login", nil)
	r.Header.Set("Origin", benchApp)
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, r)
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	tb.Fatalf("login: status %d, no %s cookie in %v", rec.Code, name, rec.Header())
	return nil
}

// benchWriter is a reusable http.ResponseWriter that discards the body.
type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *benchWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}
func (w *benchWriter) reset() {
	clear(w.h)
	w.code = 0
}

func wantStatus(w *httptest.ResponseRecorder, code int) error {
	if w.Code != code {
		return fmt.Errorf("status %d, want %d", w.Code, code)
	}
	return nil
}

// wantCORS checks the headers of an allowed response: the origin echoed,
// Vary: Origin, and Access-Control-Allow-Credentials: true exactly when
// the stack is credentialed.
func wantCORS(w *httptest.ResponseRecorder, impl benchImpl, origin string) error {
	h := w.Header()
	if got := h.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != origin {
		return fmt.Errorf("Access-Control-Allow-Origin %q, want %q", got, origin)
	}
	want := ""
	if impl.credentials {
		want = "true"
	}
	if got := h.Get("Access-Control-Allow-Credentials"); got != want {
		return fmt.Errorf("Access-Control-Allow-Credentials %q, want %q", got, want)
	}
	if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		return fmt.Errorf("no Vary: Origin")
	}
	return nil
}

// wantNoCORS checks a response to an unlisted origin: no CORS headers,
// Vary: Origin.
func wantNoCORS(w *httptest.ResponseRecorder) error {
	for k := range w.Header() {
		if strings.HasPrefix(k, "Access-Control-") {
			return fmt.Errorf("%s %q for an unlisted origin", k, w.Header().Values(k))
		}
	}
	if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Origin") {
		return fmt.Errorf("no Vary: Origin")
	}
	return nil
}

func wantSetCookie(w *httptest.ResponseRecorder) error {
	if len(w.Header().Values("Set-Cookie")) != 1 {
		return fmt.Errorf("Set-Cookie %q, want one", w.Header().Values("Set-Cookie"))
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// The scenarios. Bare gin has no CORS: its preflight is a 404 and its
// responses have no CORS headers.
var (
	// casePreflight: OPTIONS with Access-Control-Request-Method: POST and
	// Access-Control-Request-Headers: content-type from an allowed origin,
	// for a route that serves POST (a preflight for a method no route
	// serves is a mistake crosssession diagnoses, not the common case).
	casePreflight = benchCase{
		method: http.MethodOptions, path: "/api/login", preflight: true,
		check: func(impl benchImpl, w *httptest.ResponseRecorder, origin string) error {
			if impl.name == "bare" {
				return wantStatus(w, http.StatusNotFound)
			}
			if err := firstErr(wantStatus(w, http.StatusNoContent), wantCORS(w, impl, origin)); err != nil {
				return err
			}
			if m := w.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
				return fmt.Errorf("Access-Control-Allow-Methods %q", m)
			}
			if h := w.Header().Get("Access-Control-Allow-Headers"); !strings.Contains(strings.ToLower(h), "content-type") {
				return fmt.Errorf("Access-Control-Allow-Headers %q", h)
			}
			if a := w.Header().Get("Access-Control-Max-Age"); a != "7200" {
				return fmt.Errorf("Access-Control-Max-Age %q", a)
			}
			return nil
		},
	}
	// caseSimpleGET: a GET from an allowed origin whose handler does not
	// touch the session.
	caseSimpleGET = benchCase{
		method: http.MethodGet, path: "/api/data",
		check: func(impl benchImpl, w *httptest.ResponseRecorder, origin string) error {
			if err := wantStatus(w, http.StatusOK); err != nil || impl.name == "bare" {
				return err
			}
			if v := w.Header().Values("Set-Cookie"); len(v) != 0 {
				return fmt.Errorf("a request that does not use the session sets a cookie: %q", v)
			}
			return wantCORS(w, impl, origin)
		},
	}
	// caseUnlistedGET: a GET from an origin not in the list. Every stack
	// but gin-contrib/cors runs the handler without CORS headers (the
	// browser hides the response); gin-contrib/cors answers 403 without
	// running it.
	caseUnlistedGET = benchCase{
		method: http.MethodGet, path: "/api/data", unlisted: true,
		check: func(impl benchImpl, w *httptest.ResponseRecorder, origin string) error {
			switch impl.name {
			case "gincontrib":
				return wantStatus(w, http.StatusForbidden)
			case "bare":
				return wantStatus(w, http.StatusOK)
			}
			return firstErr(wantStatus(w, http.StatusOK), wantNoCORS(w))
		},
	}
	// caseSessionRead: a request with a valid session cookie; the handler
	// reads four values (string, int, bool, time.Time).
	caseSessionRead = benchCase{
		method: http.MethodGet, path: "/api/me", cookie: true,
		check: func(impl benchImpl, w *httptest.ResponseRecorder, origin string) error {
			if err := firstErr(wantStatus(w, http.StatusOK), wantCORS(w, impl, origin)); err != nil {
				return err
			}
			if w.Body.String() != "user-8c1d2f6a" {
				return fmt.Errorf("body %q", w.Body.String())
			}
			if v := w.Header().Values("Set-Cookie"); len(v) != 0 {
				return fmt.Errorf("read-only request sets a cookie: %q", v)
			}
			return nil
		},
	}
	// caseSessionWrite: a request without a cookie whose handler sets four
	// values (a login); the response carries Set-Cookie.
	caseSessionWrite = benchCase{
		method: http.MethodPost, path: "/api/login",
		check: func(impl benchImpl, w *httptest.ResponseRecorder, origin string) error {
			return firstErr(wantStatus(w, http.StatusNoContent), wantCORS(w, impl, origin), wantSetCookie(w))
		},
	}
	// caseSessionUpdate: read-modify-write, the common authenticated
	// request that changes the session: cookie in, counter incremented,
	// Set-Cookie out.
	caseSessionUpdate = benchCase{
		method: http.MethodPost, path: "/api/touch", cookie: true,
		check: func(impl benchImpl, w *httptest.ResponseRecorder, origin string) error {
			return firstErr(wantStatus(w, http.StatusNoContent), wantCORS(w, impl, origin), wantSetCookie(w))
		},
	}
)

func BenchmarkPreflight(b *testing.B)     { runBench(b, casePreflight, corsImpls) }
func BenchmarkSimpleGET(b *testing.B)     { runBench(b, caseSimpleGET, corsImpls) }
func BenchmarkUnlistedGET(b *testing.B)   { runBench(b, caseUnlistedGET, corsImpls) }
func BenchmarkSessionRead(b *testing.B)   { runBench(b, caseSessionRead, sessionImpls) }
func BenchmarkSessionWrite(b *testing.B)  { runBench(b, caseSessionWrite, sessionImpls) }
func BenchmarkSessionUpdate(b *testing.B) { runBench(b, caseSessionUpdate, sessionImpls) }

// TestChecks runs every benchmark's check without timing, so plain
// go test (and go test -race) proves each stack does what is measured.
func TestChecks(t *testing.T) {
	for name, c := range map[string]struct {
		bc    benchCase
		impls []benchImpl
	}{
		"Preflight": {casePreflight, corsImpls}, "SimpleGET": {caseSimpleGET, corsImpls},
		"UnlistedGET": {caseUnlistedGET, corsImpls}, "SessionRead": {caseSessionRead, sessionImpls},
		"SessionWrite": {caseSessionWrite, sessionImpls}, "SessionUpdate": {caseSessionUpdate, sessionImpls},
	} {
		for _, impl := range c.impls {
			for _, n := range []int{1, 200} {
				t.Run(fmt.Sprintf("%s/impl=%s/origins=%d", name, impl.name, n), func(t *testing.T) {
					c.bc.prepare(t, impl, n)
				})
			}
		}
	}
}

// BenchmarkCryptoFloor: the cryptography and encoding a session cookie of
// the benchmark session cannot do without, alone, at its sizes: HMAC-SHA256
// of the 114 signed bytes (a fresh HMAC, as the floor counts it,
// and a pooled one reset per use, as crosssession does), AES-256-CTR set up
// and run over the 50-byte payload, and base64url decoding of the 176- and
// 88-character layers (a read; a write encodes the same sizes). What a
// session read costs over bare gin's GET (BenchmarkSimpleGET/impl=bare)
// beyond the sum of these is the session's own work.
func BenchmarkCryptoFloor(b *testing.B) {
	key := bytes.Repeat([]byte{7}, 32)
	signed := bytes.Repeat([]byte{'a'}, 114)
	payload := bytes.Repeat([]byte{'p'}, 50)
	outer := base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{'o'}, 132))
	inner := base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{'i'}, 66))
	b.Run("op=hmac-new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := hmac.New(sha256.New, key)
			m.Write(signed)
			m.Sum(nil)
		}
	})
	b.Run("op=hmac-pooled", func(b *testing.B) {
		m := hmac.New(sha256.New, key)
		var sum [sha256.Size]byte
		b.ReportAllocs()
		for b.Loop() {
			m.Reset()
			m.Write(signed)
			m.Sum(sum[:0])
		}
	})
	b.Run("op=aes-ctr", func(b *testing.B) {
		block, _ := aes.NewCipher(key)
		iv := make([]byte, aes.BlockSize)
		b.ReportAllocs()
		for b.Loop() {
			cipher.NewCTR(block, iv).XORKeyStream(payload, payload)
		}
	})
	b.Run("op=base64", func(b *testing.B) {
		dst := make([]byte, 256)
		b.ReportAllocs()
		for b.Loop() {
			base64.URLEncoding.Decode(dst, []byte(outer))
			base64.URLEncoding.Decode(dst, []byte(inner))
		}
	})
}
