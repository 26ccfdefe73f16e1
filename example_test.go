package crosssession_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// quiet keeps the startup report out of the examples' output.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// show sends one request and prints the status and the headers that
// matter to a browser.
func show(h http.Handler, method, path string, hdr ...string) {
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Printf("%s %s → %d", method, path, w.Code)
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"} {
		if v := w.Header().Get(k); v != "" {
			fmt.Printf(" %s=%s", k[len("Access-Control-"):], v)
		}
	}
	if c := w.Result().Cookies(); len(c) > 0 {
		fmt.Printf(" cookie=%s", c[0].Name)
	}
	fmt.Println()
}

// The Development preset: front ends on http://localhost (any port) call
// the API with fetch(url, {credentials: 'include'}).
func Example() {
	cfg := crosssession.Dev() // http://localhost:*, http://127.0.0.1:*, http://[::1]:*
	cfg.Logger = quiet

	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) {
		sessions.Default(c).Set("user", "alice") // saved before the response is written
		c.Status(http.StatusNoContent)
	})

	show(r, "OPTIONS", "/login", "Origin", "http://localhost:3000", "Access-Control-Request-Method", "POST")
	show(r, "POST", "/login", "Origin", "http://localhost:3000")
	show(r, "POST", "/login", "Origin", "https://evil.test", "Sec-Fetch-Site", "cross-site")
	// Output:
	// OPTIONS /login → 204 Allow-Origin=http://localhost:3000 Allow-Credentials=true
	// POST /login → 204 Allow-Origin=http://localhost:3000 Allow-Credentials=true cookie=session
	// POST /login → 403
}

// A cookie session on one route group; the rest of the API has no CORS.
// Preflights to every path under the group are answered, even paths with
// no OPTIONS route of their own.
func ExampleGroup() {
	cfg := crosssession.Dev("http://localhost:3000")
	cfg.Logger = quiet

	r := gin.New()
	account := crosssession.Group(r, "/account", cfg)
	account.PUT("/email", func(c *gin.Context) { c.Status(http.StatusNoContent) })

	show(r, "OPTIONS", "/account/email", "Origin", "http://localhost:3000", "Access-Control-Request-Method", "PUT")
	show(r, "OPTIONS", "/account", "Origin", "http://localhost:3000", "Access-Control-Request-Method", "GET")
	show(r, "PUT", "/account/email", "Origin", "http://localhost:3000")
	// Output:
	// OPTIONS /account/email → 204 Allow-Origin=http://localhost:3000 Allow-Credentials=true
	// OPTIONS /account → 204 Allow-Origin=http://localhost:3000 Allow-Credentials=true
	// PUT /account/email → 204 Allow-Origin=http://localhost:3000 Allow-Credentials=true
}

// A hybrid API: bearer tokens everywhere, a cookie session only under
// /users/session, and preflights answered on both.
func ExampleGroup_hybrid() {
	key := make([]byte, 32) // in production: 32 random bytes from a secret store
	const front = "https://app.example.com"

	bearer := crosssession.Bearer(front)
	bearer.Logger = quiet
	cookie := crosssession.Prod(key, front)
	cookie.Logger = quiet

	r := gin.New()
	r.Use(crosssession.New(bearer))
	users := crosssession.Group(r, "/users/session", cookie)
	users.POST("", func(c *gin.Context) {
		if err := crosssession.Login(c); err != nil { // a fresh session: no fixation
			c.AbortWithStatus(http.StatusServiceUnavailable)
			return
		}
		sessions.Default(c).Set("user", "alice")
		c.Status(http.StatusCreated)
	})
	r.GET("/api/notes", func(c *gin.Context) { c.String(http.StatusOK, "notes") })

	show(r, "OPTIONS", "/users/session", "Origin", front, "Access-Control-Request-Method", "POST")
	show(r, "POST", "/users/session", "Origin", front, "Sec-Fetch-Site", "same-site")
	show(r, "GET", "/api/notes", "Origin", front, "Authorization", "Bearer t0k3n")
	// Output:
	// OPTIONS /users/session → 204 Allow-Origin=https://app.example.com Allow-Credentials=true
	// POST /users/session → 201 Allow-Origin=https://app.example.com Allow-Credentials=true cookie=__Host-session
	// GET /api/notes → 200 Allow-Origin=https://app.example.com
}

// Attaching New to a plain gin group does not work for preflights: gin runs
// only engine-level middleware for an OPTIONS request that matches no route,
// so the browser's preflight gets 404 and the real request is never sent.
// Use crosssession.Group instead.
func ExampleGroup_incorrect() {
	cfg := crosssession.Dev("http://localhost:3000")
	cfg.Logger = quiet

	r := gin.New()
	g := r.Group("/users/session", crosssession.New(cfg)) // wrong
	g.POST("", func(c *gin.Context) { c.Status(http.StatusCreated) })

	show(r, "OPTIONS", "/users/session", "Origin", "http://localhost:3000", "Access-Control-Request-Method", "POST")
	// Output:
	// OPTIONS /users/session → 404
}

// Logout clears the session and expires the cookie with the attributes it
// was set with.
func ExampleLogout() {
	cfg := crosssession.Dev("http://localhost:3000")
	cfg.Logger = quiet
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.DELETE("/session", func(c *gin.Context) {
		if err := crosssession.Logout(c); err != nil {
			c.AbortWithStatus(http.StatusServiceUnavailable)
			return
		}
		c.Status(http.StatusNoContent)
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("DELETE", "/session", nil))
	fmt.Println(w.Header().Get("Set-Cookie"))
	// Output:
	// session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; HttpOnly; SameSite=Lax
}

// Validate lists every problem at once, each with its fix.
func ExampleConfig_Validate() {
	cfg := crosssession.Prod([]byte("not-a-real-key"), "https://app.example.com/", "https://*.vercel.app")
	fmt.Println(cfg.Validate())
	// Output:
	// crosssession: origin "https://app.example.com/" ends with a slash; browsers send origins without one; did you mean "https://app.example.com"?
	// crosssession: origin "https://*.vercel.app" matches every site under the public suffix "vercel.app", each owned by someone else; list your own origins instead, e.g. "https://myapp.vercel.app"
	// crosssession: Keys[0] is 14 bytes; a key must be at least 32 random bytes
}
