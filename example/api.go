package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// apiConfigs returns the two crosssession policies of the hybrid API:
//
//   - bearer, used at engine level, for routes authenticated by an
//     Authorization: Bearer header. It has no session: no cookie is read or
//     written and no Access-Control-Allow-Credentials is sent.
//   - cookie, used by the /users/session group: credentialed CORS, a session
//     cookie and the CSRF check for unsafe requests.
//
// In production mode the cookie policy is crosssession.Prod with key, which
// gives the cookie "__Host-session; SameSite=None; Secure; Partitioned".
// Otherwise it is crosssession.Dev: a "session" cookie with SameSite=Lax and
// no Secure attribute, signed with key if one is given or else with a
// random key the library makes at start.
func apiConfigs(webOrigin string, prod bool, key []byte) (bearer, cookie crosssession.Config) {
	bearer = crosssession.Bearer(webOrigin)
	if prod {
		cookie = crosssession.Prod(key, webOrigin)
		return bearer, cookie
	}
	// Bearer is a Production preset, which accepts plain-http origins only
	// for loopback hosts. Development mode lets -host name any host (say
	// one mapped to 127.0.0.1 in /etc/hosts) while the demo runs over http.
	bearer.Mode = crosssession.Development
	cookie = crosssession.Dev(webOrigin)
	if len(key) > 0 {
		cookie.Keys = [][]byte{key}
	}
	return bearer, cookie
}

// newAPI builds the API engine. It panics, as crosssession.New does, if the
// configuration is invalid; main validates apiConfigs first to report that
// nicely.
func newAPI(webOrigin string, prod bool, key []byte) *gin.Engine {
	bearerCfg, cookieCfg := apiConfigs(webOrigin, prod, key)
	a := &api{
		cookieName: cookieCfg.Cookie.Name,
		tokens:     make(map[string]string),
	}

	r := gin.New()
	_ = r.SetTrustedProxies(nil) // no proxy in front of the demo; silences gin's warning
	r.Use(gin.LoggerWithConfig(gin.LoggerConfig{Formatter: logLine}), gin.Recovery())

	// Engine level: the bearer-token policy. Every route gets CORS for the
	// web origin without credentials; preflights (including those for paths
	// without an OPTIONS route, such as /api/notes) are answered here.
	r.Use(crosssession.New(bearerCfg))

	r.GET("/", a.index)
	r.GET("/api/notes", a.notes)

	// The cookie session lives in its own group. The group's policy decides
	// the CORS headers of its routes (credentials included), answers their
	// preflights and refuses cross-site POST/DELETE from unlisted origins.
	g := crosssession.Group(r, "/users/session", cookieCfg)
	g.POST("", a.login)
	g.GET("", a.whoami)
	g.DELETE("", a.logout)
	return r
}

// api holds the in-memory state of the demo: the bearer tokens handed out
// at login.
type api struct {
	cookieName string // the session cookie's name, shown in "seen"

	mu     sync.Mutex
	tokens map[string]string // bearer token -> user
}

// Session keys.
const (
	keyUser  = "user"
	keyToken = "token"
)

// seen describes what the browser sent, so the page can show a learner why
// a request did or did not carry the session.
type seen struct {
	Method              string `json:"method"`
	Path                string `json:"path"`
	Origin              string `json:"origin"`         // "" when the request had no Origin header
	SecFetchSite        string `json:"sec_fetch_site"` // "" when absent (curl, old browsers)
	CookieHeader        bool   `json:"cookie_header"`  // any Cookie header arrived
	SessionCookie       bool   `json:"session_cookie"` // it held the session cookie
	SessionCookieName   string `json:"session_cookie_name"`
	AuthorizationHeader bool   `json:"authorization_header"`
	Policy              string `json:"policy"` // which crosssession policy served the route
}

const (
	policyCookie = "cookie session: crosssession.Group, fetch with credentials: 'include'"
	policyBearer = "bearer token: engine-level crosssession.Bearer, fetch without credentials"
)

func (a *api) seen(c *gin.Context, policy string) seen {
	r := c.Request
	_, err := r.Cookie(a.cookieName)
	return seen{
		Method:              r.Method,
		Path:                r.URL.Path,
		Origin:              r.Header.Get("Origin"),
		SecFetchSite:        r.Header.Get("Sec-Fetch-Site"),
		CookieHeader:        r.Header.Get("Cookie") != "",
		SessionCookie:       err == nil,
		SessionCookieName:   a.cookieName,
		AuthorizationHeader: r.Header.Get("Authorization") != "",
		Policy:              policy,
	}
}

// reply writes body as JSON with the "seen" object added.
func (a *api) reply(c *gin.Context, status int, policy string, body gin.H) {
	if body == nil {
		body = gin.H{}
	}
	body["seen"] = a.seen(c, policy)
	c.JSON(status, body)
}

// index is GET / on the API: in -prod, the page the user opens once to
// accept the self-signed certificate for this port.
func (a *api) index(c *gin.Context) {
	a.reply(c, http.StatusOK, policyBearer, gin.H{
		"message": "crosssession example API. If you just accepted the certificate warning, " +
			"go back to the front-end page.",
		"routes": []string{
			"POST /users/session", "GET /users/session", "DELETE /users/session", "GET /api/notes",
		},
	})
}

type loginRequest struct {
	User string `json:"user"`
}

// login is POST /users/session {"user":"alice"}: it puts the user and a new
// bearer token in the session and returns both.
func (a *api) login(c *gin.Context) {
	var req loginRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		a.reply(c, http.StatusBadRequest, policyCookie, gin.H{"error": `send JSON like {"user":"alice"}`})
		return
	}
	user := strings.TrimSpace(req.User)
	if user == "" || utf8.RuneCountInString(user) > 64 || !utf8.ValidString(user) {
		a.reply(c, http.StatusBadRequest, policyCookie, gin.H{"error": "user must be 1 to 64 characters"})
		return
	}
	token, err := newToken()
	if err != nil {
		a.reply(c, http.StatusInternalServerError, policyCookie, gin.H{"error": "could not make a token"})
		return
	}

	old, _ := sessions.Default(c).Get(keyToken).(string)
	// A fresh session for the new login, so a session planted before login
	// is worthless (session fixation).
	if err := crosssession.Login(c); err != nil {
		a.reply(c, errorStatus(err), policyCookie, gin.H{"error": err.Error()})
		return
	}
	s := sessions.Default(c)
	a.mu.Lock()
	if old != "" {
		delete(a.tokens, old) // a second login in the same browser replaces the token
	}
	a.tokens[token] = user
	a.mu.Unlock()

	s.Set(keyUser, user)
	s.Set(keyToken, token)
	// No s.Save(): crosssession saves a changed session before the response
	// is written.
	a.reply(c, http.StatusOK, policyCookie, gin.H{"user": user, "token": token})
}

// sessionUser returns the session's user, or "" when there is none or its
// login was revoked. A cookie-store session lives entirely in the cookie,
// so a copy of it stays valid after logout; checking that the login's token
// is still known makes logout final.
func (a *api) sessionUser(s sessions.Session) string {
	user, _ := s.Get(keyUser).(string)
	token, _ := s.Get(keyToken).(string)
	if user == "" || token == "" {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tokens[token] != user {
		return ""
	}
	return user
}

// whoami is GET /users/session.
func (a *api) whoami(c *gin.Context) {
	user := a.sessionUser(sessions.Default(c))
	if user == "" {
		a.reply(c, http.StatusUnauthorized, policyCookie, gin.H{"error": "not logged in: no valid session cookie arrived"})
		return
	}
	a.reply(c, http.StatusOK, policyCookie, gin.H{"user": user})
}

// logout is DELETE /users/session: it forgets the login's bearer token,
// clears the session and tells the browser to delete the cookie.
func (a *api) logout(c *gin.Context) {
	s := sessions.Default(c)
	token, _ := s.Get(keyToken).(string)
	user, _ := s.Get(keyUser).(string)
	if token != "" {
		a.mu.Lock()
		delete(a.tokens, token)
		a.mu.Unlock()
	}
	hadSession := user != "" || token != ""
	if hadSession {
		// Clears the session and expires the cookie with the attributes it
		// was set with, or the browser would keep it.
		if err := crosssession.Logout(c); err != nil {
			a.reply(c, errorStatus(err), policyCookie, gin.H{"error": err.Error()})
			return
		}
	}
	a.reply(c, http.StatusOK, policyCookie, gin.H{"logged_out": hadSession})
}

// notes is GET /api/notes, authenticated by Authorization: Bearer <token>.
func (a *api) notes(c *gin.Context) {
	token, ok := bearerToken(c.GetHeader("Authorization"))
	a.mu.Lock()
	user := a.tokens[token]
	a.mu.Unlock()
	if !ok || user == "" {
		c.Header("WWW-Authenticate", `Bearer realm="crosssession-example"`)
		a.reply(c, http.StatusUnauthorized, policyBearer, gin.H{"error": "send Authorization: Bearer <token from login>"})
		return
	}
	a.reply(c, http.StatusOK, policyBearer, gin.H{
		"user": user,
		"notes": []string{
			"Hello " + user + ", this route saw your bearer token, not a cookie.",
			"The browser sent no credentials, so the API sent no Access-Control-Allow-Credentials.",
		},
	})
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header. The scheme is case-insensitive (RFC 9110).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// newToken returns 32 random bytes, base64url-encoded.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// logLine is the log line of each API request (gin's logger, which
// crosssession knows answers no request itself, so it may run first and
// see the preflights crosssession answers).
func logLine(p gin.LogFormatterParams) string {
	return fmt.Sprintf("api %s %s status=%d origin=%q cookie=%t authorization=%t dur=%v\n", p.Method, p.Path,
		p.StatusCode, p.Request.Header.Get("Origin"), p.Request.Header.Get("Cookie") != "",
		p.Request.Header.Get("Authorization") != "", p.Latency.Round(time.Microsecond))
}

// errorStatus answers a store outage with 503 and a programming mistake
// (a route without a session, a change after the body) with 500.
func errorStatus(err error) int {
	if errors.Is(err, crosssession.ErrStoreUnavailable) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
