package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// The API every scenario runs against. Its session routes live under
// /users/session, as in the README's hybrid API:
//
//	POST   /users/session                 log in: JSON {"user"} → {"user","token"}, or a form POST
//	                                      (user, return) that ends with crosssession.Handoff: 303 to
//	                                      return + "/after-login#crosssession=<code>"; with first_party=1
//	                                      (the control of the old way) it sets the cookie on the form
//	                                      POST's own response and 303s to return + "/after-login"
//	GET    /users/session                 who am I: 200 {"user","token"} or 401 (the SPA's bearer token
//	                                      is kept in the session, so a login by redirect gets it here)
//	DELETE /users/session                 log out (crosssession.Logout)
//	GET    /users/session/oauth/start     OAuth-style: 302 to the callback (the identity provider's part)
//	GET    /users/session/oauth/callback  sets the session, then crosssession.Handoff to return + "/after-login"
//	POST   /users/session/transfer        the state-changing endpoint of the attack cells
//	GET    /api/notes                     bearer only: Authorization: Bearer <token> (hybrid APIs)
//
// With a bearer policy the API is hybrid: crosssession.New(Bearer) at
// engine level and crosssession.Group at /users/session with the cookie
// policy. Without one, the cookie policy is engine-level crosssession.New.
type apiSpec struct {
	cookie       crosssession.Config
	bearer       *crosssession.Config
	scheme, host string
	// returns are the front-end origins a login redirect may go back to.
	returns []string
}

type scenarioAPI struct {
	origin    string
	control   bool // no crosssession: the third-party-cookie control's API
	rec       *recorder
	returns   []string
	transfers atomic.Int64 // /users/session/transfer handler runs
	tokens    sync.Map     // bearer token -> user
}

func startScenarioAPI(t *testing.T, spec apiSpec) *scenarioAPI {
	t.Helper()
	a := &scenarioAPI{rec: newRecorder(spec.cookie.Cookie.Name), returns: spec.returns}
	logger := a.rec.logger(t)
	spec.cookie.Logger = logger
	r := gin.New()
	r.Use(a.rec.middleware)
	var g *gin.RouterGroup
	if spec.bearer != nil {
		b := *spec.bearer
		b.Logger = logger
		r.Use(crosssession.New(b))
		g = crosssession.Group(r, "/users/session", spec.cookie)
		r.GET("/api/notes", a.notes)
	} else {
		r.Use(crosssession.New(spec.cookie))
		g = r.Group("/users/session")
	}
	g.POST("", a.login)
	g.GET("", a.whoami)
	g.DELETE("", a.logout)
	g.GET("/oauth/start", a.oauthStart)
	g.GET("/oauth/callback", a.oauthCallback)
	g.POST("/transfer", a.transfer)
	a.origin = origin(spec.scheme, spec.host, serve(t, r, spec.scheme == "https"))
	return a
}

func (a *scenarioAPI) newToken(user string) string {
	b := make([]byte, 16)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	a.tokens.Store(tok, user)
	return tok
}

// returnTo checks a login redirect's target against the front ends.
func (a *scenarioAPI) returnTo(ret string) (string, bool) {
	return ret, slices.Contains(a.returns, ret)
}

func (a *scenarioAPI) login(c *gin.Context) {
	var user string
	form := !strings.HasPrefix(c.ContentType(), "application/json")
	if form {
		user = c.PostForm("user")
	} else {
		var body struct {
			User string `json:"user"`
		}
		_ = c.ShouldBindJSON(&body)
		user = body.User
	}
	if user == "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "no user"})
		return
	}
	if err := crosssession.Login(c); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	tok := a.newToken(user)
	sessions.Default(c).Set("user", user)
	sessions.Default(c).Set("token", tok)
	if form {
		ret, ok := a.returnTo(c.PostForm("return"))
		if !ok {
			c.JSON(http.StatusBadRequest, gin.H{"error": "return is not a front end"})
			return
		}
		if c.PostForm("first_party") == "1" {
			// Control: the login as it was before Handoff, the cookie set
			// first-party on this top-level navigation's response.
			c.Redirect(http.StatusSeeOther, ret+"/after-login")
			return
		}
		a.handoff(c, ret+"/after-login")
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": user, "token": tok})
}

func (a *scenarioAPI) whoami(c *gin.Context) {
	s := sessions.Default(c)
	user, ok := s.Get("user").(string)
	if !ok {
		c.JSON(http.StatusUnauthorized, gin.H{"error": "no session"})
		return
	}
	tok, _ := s.Get("token").(string)
	c.JSON(http.StatusOK, gin.H{"user": user, "token": tok})
}

// handoff ends a login by redirect as the README says: 303 to target with
// the session in a one-time code.
func (a *scenarioAPI) handoff(c *gin.Context, target string) {
	if err := crosssession.Handoff(c, target); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
	}
}

func (a *scenarioAPI) logout(c *gin.Context) {
	if err := crosssession.Logout(c); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

// oauthStart stands for the identity provider: it sends the browser
// straight to the callback with a code (a real flow shows a login page on
// another site first).
func (a *scenarioAPI) oauthStart(c *gin.Context) {
	ret, ok := a.returnTo(c.Query("return"))
	if !ok {
		c.JSON(http.StatusBadRequest, gin.H{"error": "return is not a front end"})
		return
	}
	c.Redirect(http.StatusFound, a.origin+"/users/session/oauth/callback?code=alice-code&state="+url.QueryEscape(ret))
}

func (a *scenarioAPI) oauthCallback(c *gin.Context) {
	ret, ok := a.returnTo(c.Query("state"))
	if !ok || c.Query("code") != "alice-code" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "bad code or state"})
		return
	}
	if err := crosssession.Login(c); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	sessions.Default(c).Set("user", "alice")
	sessions.Default(c).Set("token", a.newToken("alice"))
	a.handoff(c, ret+"/after-login")
}

func (a *scenarioAPI) transfer(c *gin.Context) {
	n := a.transfers.Add(1)
	c.JSON(http.StatusOK, gin.H{"ok": true, "user": sessions.Default(c).Get("user"), "transfers": n})
}

func (a *scenarioAPI) notes(c *gin.Context) {
	tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	user, known := a.tokens.Load(tok)
	if !ok || !known {
		c.JSON(http.StatusUnauthorized, gin.H{"error": "no valid bearer token"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": user, "notes": []string{"first note"}})
}

// recorder keeps the API's own view of a cell: every request it received
// (Origin, Sec-Fetch-Site, whether the session cookie came, whether the
// response set or expired it) and every reason code the library gave, in
// X-Crosssession-Debug headers and in its log. The current step is set by
// the flow, which runs one step at a time.
type recorder struct {
	cookie string // the session cookie's name

	mu   sync.Mutex
	step string
	hits []hit
	logs []logLine
}

type hit struct {
	Step, Method, Path     string
	Origin, SecFetchSite   string
	Preflight              bool
	Status                 int
	CookieIn               bool     // the session cookie arrived with the request
	SetCookie              string   // "set", "expire" or "": what the response did to the session cookie
	Debug                  []string // reason codes of X-Crosssession-Debug
	DebugText              []string // the whole X-Crosssession-Debug values
	AuthorizationHeaderSet bool
	Handoff                bool   // the request redeems a Handoff code (X-Crosssession-Handoff)
	Location               string // a redirect's target, fragment elided
}

type logLine struct {
	Step, Level, Reason, Method, Path, Msg string
}

func newRecorder(cookie string) *recorder { return &recorder{cookie: cookie, step: "setup"} }

func (r *recorder) setStep(s string) {
	r.mu.Lock()
	r.step = s
	r.mu.Unlock()
}

func (r *recorder) middleware(c *gin.Context) {
	c.Next()
	req := c.Request
	if req.URL.Path == "/favicon.ico" {
		return // asked for by some engines after a navigation, at their own pace
	}
	h := hit{
		Method: req.Method, Path: req.URL.Path,
		Origin: req.Header.Get("Origin"), SecFetchSite: req.Header.Get("Sec-Fetch-Site"),
		Preflight:              req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "",
		Status:                 c.Writer.Status(),
		AuthorizationHeaderSet: req.Header.Get("Authorization") != "",
		Handoff:                req.Header.Get("X-Crosssession-Handoff") != "",
	}
	if loc := c.Writer.Header().Get("Location"); loc != "" {
		if base, frag, ok := strings.Cut(loc, "#"); ok {
			k, _, _ := strings.Cut(frag, "=")
			loc = base + "#" + k + "=…"
		}
		h.Location = loc
	}
	if r.cookie != "" {
		_, err := req.Cookie(r.cookie)
		h.CookieIn = err == nil
	}
	h.SetCookie = setCookieEffect(c.Writer.Header().Values("Set-Cookie"), r.cookie)
	for _, v := range c.Writer.Header().Values("X-Crosssession-Debug") {
		code, _, _ := strings.Cut(v, ":")
		h.Debug = append(h.Debug, code)
		h.DebugText = append(h.DebugText, v)
	}
	r.mu.Lock()
	h.Step = r.step
	r.hits = append(r.hits, h)
	r.mu.Unlock()
}

// setCookieEffect says what Set-Cookie lines do to the cookie name.
func setCookieEffect(lines []string, name string) string {
	effect := ""
	for _, l := range lines {
		n, rest, _ := strings.Cut(l, "=")
		if name == "" || strings.TrimSpace(n) != name {
			continue
		}
		if strings.Contains(strings.ToLower(rest), "max-age=0") {
			effect = "expire"
		} else {
			effect = "set"
		}
	}
	return effect
}

// logger returns the slog.Logger the API's policies log to: it records
// each record's reason code and passes the record on to the test log.
func (r *recorder) logger(t *testing.T) *slog.Logger {
	return slog.New(&recordingHandler{r: r, next: testLogger(t).Handler()})
}

type recordingHandler struct {
	r    *recorder
	next slog.Handler
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordingHandler) Handle(ctx context.Context, rec slog.Record) error {
	l := logLine{Level: rec.Level.String(), Msg: rec.Message}
	rec.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "reason":
			l.Reason = a.Value.String()
		case "method":
			l.Method = a.Value.String()
		case "path":
			l.Path = a.Value.String()
		}
		return true
	})
	h.r.mu.Lock()
	l.Step = h.r.step
	h.r.logs = append(h.r.logs, l)
	h.r.mu.Unlock()
	return h.next.Handle(ctx, rec)
}

func (h *recordingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &recordingHandler{r: h.r, next: h.next.WithAttrs(as)}
}

func (h *recordingHandler) WithGroup(name string) slog.Handler {
	return &recordingHandler{r: h.r, next: h.next.WithGroup(name)}
}

// hitsOf returns copies of the hits recorded during step.
func (r *recorder) hitsOf(step string) []hit {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []hit
	for _, h := range r.hits {
		if h.Step == step {
			out = append(out, h)
		}
	}
	return out
}

// snapshot returns copies of everything recorded.
func (r *recorder) snapshot() ([]hit, []logLine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hits), slices.Clone(r.logs)
}
