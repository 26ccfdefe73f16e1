package crosssession_test

// Benchmarks of the request path against the hand-composed equivalent
// (gin-contrib/cors + gin-contrib/sessions' cookie store) and bare gin.
// See BENCHMARKS.md for the numbers and how to reproduce them:
//
//	go test -c -o /tmp/bench.test .
//	for i in 1 2 3 4 5 6 7 8; do /tmp/bench.test -test.run='^$' -test.bench=. -test.benchmem; done > bench.txt
//	benchstat -filter '-.name:Codec' -col '/impl@(gincontrib crosssession floor bare)' bench.txt
//
// Each benchmark serves requests through a real gin.Engine. The request is
// built once and shallow-copied per iteration (gorilla/sessions stores its
// registry in the request, so a request must not be reused), and the
// response goes to a reusable writer, so allocs/op counts gin, the
// middleware and the handler, not the harness. Before the timed loop each
// case checks, through httptest.ResponseRecorder, that the stack really
// does what is measured: CORS headers, a session read, a Set-Cookie.

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
)

func init() {
	// The gob cookie store needs every concrete type it stores in an
	// interface registered; the session holds a time.Time.
	gob.Register(time.Time{})
}

var benchSecret = bytes.Repeat([]byte("B"), 32)

const (
	benchAPI      = "https://api.example.com"
	benchUnlisted = "https://evil.example.org"
)

// benchOrigins returns the configured origins and the allowed origin the
// requests come from, always https://app.example.com, so that 1 and 200
// origins compare the same request. With n > 1: n-1 exact origins, the
// request's being the last, then a wildcard pattern (gin-contrib/cors
// scans its list, so that is its slow case).
func benchOrigins(n int) (list []string, origin string) {
	const app = "https://app.example.com"
	if n == 1 {
		return []string{app}, app
	}
	for i := range n - 2 {
		list = append(list, fmt.Sprintf("https://front-%03d.example.net", i))
	}
	return append(list, app, "https://*.example.com"), app
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

type benchImpl struct {
	name       string
	cookieName string
	build      func(origins []string) *gin.Engine
}

var (
	implCrosssession = benchImpl{"crosssession", "__Host-session", func(origins []string) *gin.Engine {
		cfg := crosssession.Prod(benchSecret, origins...)
		cfg.Logger = slog.New(slog.DiscardHandler) // no startup report in the output
		r := gin.New()
		r.Use(crosssession.New(cfg))
		benchRoutes(r)
		return r
	}}
	// implGincontrib is the stack crosssession replaces, configured alike.
	implGincontrib = benchImpl{"gincontrib", "session", func(origins []string) *gin.Engine {
		r := gin.New()
		r.Use(cors.New(cors.Config{
			AllowOrigins:     origins,
			AllowWildcard:    true,
			AllowCredentials: true,
			AllowMethods:     []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"},
			AllowHeaders:     []string{"Authorization", "Content-Type", "X-Requested-With"},
			MaxAge:           2 * time.Hour,
		}))
		store := cookie.NewStore(benchSecret)
		store.Options(sessions.Options{
			Path:     "/",
			MaxAge:   7 * 24 * 3600,
			Secure:   true,
			HttpOnly: true,
			SameSite: http.SameSiteNoneMode,
		})
		r.Use(sessions.Sessions("session", store))
		benchRoutes(r)
		return r
	}}
	// implFloor is the least any middleware doing crosssession's job must
	// do, with every decision replaced by a constant: the response headers
	// of an allowed origin written from prebuilt values (one string
	// comparison stands for the allow-list), a preflight answered 204, and
	// on other requests the session put where sessions.Default(c) finds it
	// (gin allocates c.Keys for it). No CSRF check, no diagnostics, no
	// session behind the key. crosssession / floor is what its decisions
	// cost.
	implFloor = benchImpl{"floor", "", func(origins []string) *gin.Engine {
		r := gin.New()
		var s sessions.Session
		app := []string{"https://app.example.com"}
		vary, varyPre := []string{"Origin"}, []string{"Origin", "Access-Control-Request-Method, Access-Control-Request-Headers"}
		yes, methods := []string{"true"}, []string{"GET, HEAD, POST, PUT, PATCH, DELETE"}
		headers, maxAge := []string{"Authorization, Content-Type, X-Requested-With"}, []string{"7200"}
		r.Use(func(c *gin.Context) {
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
		})
		benchRoutes(r)
		return r
	}}
	implBare = benchImpl{"bare", "", func([]string) *gin.Engine {
		r := gin.New()
		benchRoutes(r)
		return r
	}}
)

// benchCase is one request of a scenario.
type benchCase struct {
	method, path string
	unlisted     bool // from benchUnlisted instead of an allowed origin
	preflight    bool
	cookie       bool // carries a valid session cookie made by the stack itself
	// check inspects the response once before timing.
	check func(impl string, w *httptest.ResponseRecorder, origin string) error
}

func runBench(b *testing.B, bc benchCase, impls ...benchImpl) {
	gin.SetMode(gin.ReleaseMode)
	for _, impl := range impls {
		for _, n := range []int{1, 200} {
			b.Run(fmt.Sprintf("impl=%s/origins=%d", impl.name, n), func(b *testing.B) {
				origins, allowed := benchOrigins(n)
				origin := allowed
				if bc.unlisted {
					origin = benchUnlisted
				}
				engine := impl.build(origins)
				tmpl := httptest.NewRequest(bc.method, benchAPI+bc.path, nil)
				tmpl.Header.Set("Origin", origin)
				tmpl.Header.Set("Sec-Fetch-Site", "cross-site")
				if bc.preflight {
					tmpl.Header.Set("Access-Control-Request-Method", "POST")
					tmpl.Header.Set("Access-Control-Request-Headers", "content-type")
				}
				if bc.cookie {
					c := benchLogin(b, engine, impl.cookieName, allowed)
					tmpl.Header.Set("Cookie", c.Name+"="+c.Value)
				}

				// Check the real thing once.
				rec := httptest.NewRecorder()
				engine.ServeHTTP(rec, benchCopy(tmpl))
				if err := bc.check(impl.name, rec, origin); err != nil {
					b.Fatalf("%s %s from %s: %v\nheaders: %v", bc.method, bc.path, origin, err, rec.Header())
				}
				w := &benchWriter{h: make(http.Header)}
				engine.ServeHTTP(w, benchCopy(tmpl))
				if w.code != rec.Code {
					b.Fatalf("status %d through benchWriter, %d through a recorder", w.code, rec.Code)
				}

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
func benchLogin(b *testing.B, engine *gin.Engine, name, origin string) *http.Cookie {
	r := httptest.NewRequest(http.MethodPost, benchAPI+"/api/login", nil)
	r.Header.Set("Origin", origin)
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, r)
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	b.Fatalf("login: status %d, no %s cookie in %v", rec.Code, name, rec.Header())
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

// wantCORS checks the headers of an allowed credentialed response.
func wantCORS(w *httptest.ResponseRecorder, origin string) error {
	h := w.Header()
	if got := h.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != origin {
		return fmt.Errorf("Access-Control-Allow-Origin %q, want %q", got, origin)
	}
	if got := h.Get("Access-Control-Allow-Credentials"); got != "true" {
		return fmt.Errorf("Access-Control-Allow-Credentials %q", got)
	}
	if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
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

// BenchmarkPreflight: OPTIONS with Access-Control-Request-Method from an
// allowed origin. Bare gin answers 404 (no route).
func BenchmarkPreflight(b *testing.B) {
	runBench(b, benchCase{
		method: http.MethodOptions, path: "/api/data", preflight: true,
		check: func(impl string, w *httptest.ResponseRecorder, origin string) error {
			if impl == "bare" {
				return wantStatus(w, http.StatusNotFound)
			}
			if err := firstErr(wantStatus(w, http.StatusNoContent), wantCORS(w, origin)); err != nil {
				return err
			}
			if !strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "POST") {
				return fmt.Errorf("Access-Control-Allow-Methods %q", w.Header().Get("Access-Control-Allow-Methods"))
			}
			return nil
		},
	}, implCrosssession, implGincontrib, implFloor, implBare)
}

// BenchmarkSimpleGET: a credentialed GET from an allowed origin whose
// handler does not touch the session.
func BenchmarkSimpleGET(b *testing.B) {
	runBench(b, benchCase{
		method: http.MethodGet, path: "/api/data",
		check: func(impl string, w *httptest.ResponseRecorder, origin string) error {
			if impl == "bare" {
				return wantStatus(w, http.StatusOK)
			}
			return firstErr(wantStatus(w, http.StatusOK), wantCORS(w, origin))
		},
	}, implCrosssession, implGincontrib, implFloor, implBare)
}

// BenchmarkUnlistedGET: a GET from an origin not in the list. crosssession
// runs the handler without CORS headers (the browser hides the response);
// gin-contrib/cors answers 403 without running it.
func BenchmarkUnlistedGET(b *testing.B) {
	runBench(b, benchCase{
		method: http.MethodGet, path: "/api/data", unlisted: true,
		check: func(impl string, w *httptest.ResponseRecorder, origin string) error {
			switch impl {
			case "gincontrib":
				return wantStatus(w, http.StatusForbidden)
			case "crosssession", "floor":
				if v := w.Header().Get("Access-Control-Allow-Origin"); v != "" {
					return fmt.Errorf("Access-Control-Allow-Origin %q for an unlisted origin", v)
				}
			}
			return wantStatus(w, http.StatusOK)
		},
	}, implCrosssession, implGincontrib, implFloor, implBare)
}

// BenchmarkSessionRead: a request with a valid session cookie; the handler
// reads four values (string, int, bool, time.Time).
func BenchmarkSessionRead(b *testing.B) {
	runBench(b, benchCase{
		method: http.MethodGet, path: "/api/me", cookie: true,
		check: func(impl string, w *httptest.ResponseRecorder, origin string) error {
			if err := firstErr(wantStatus(w, http.StatusOK), wantCORS(w, origin)); err != nil {
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
	}, implCrosssession, implGincontrib)
}

// BenchmarkSessionWrite: a request without a cookie whose handler sets
// four values (a login); the response carries Set-Cookie.
func BenchmarkSessionWrite(b *testing.B) {
	runBench(b, benchCase{
		method: http.MethodPost, path: "/api/login",
		check: func(impl string, w *httptest.ResponseRecorder, origin string) error {
			return firstErr(wantStatus(w, http.StatusNoContent), wantCORS(w, origin), wantSetCookie(w))
		},
	}, implCrosssession, implGincontrib)
}

// BenchmarkSessionUpdate: read-modify-write, the common authenticated
// request that changes the session: cookie in, counter incremented,
// Set-Cookie out.
func BenchmarkSessionUpdate(b *testing.B) {
	runBench(b, benchCase{
		method: http.MethodPost, path: "/api/touch", cookie: true,
		check: func(impl string, w *httptest.ResponseRecorder, origin string) error {
			return firstErr(wantStatus(w, http.StatusNoContent), wantCORS(w, origin), wantSetCookie(w))
		},
	}, implCrosssession, implGincontrib)
}
