package crosssessiontest_test

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.ReleaseMode) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testAPI is the README's hybrid API, as e2e/api_test.go builds it:
//
//	POST   /users/session                 log in: JSON {"user"} → {"user","token"}; a form POST (user,
//	                                      return) → crosssession.Handoff to return, or with plain=1 a 303
//	                                      to return with the cookie set on the API
//	GET    /users/session                 who am I: 200 {"user"} or 401
//	DELETE /users/session                 log out
//	GET    /users/session/oauth/start     the identity provider: 302 to the callback
//	GET    /users/session/oauth/callback  logs alice in, then crosssession.Handoff to return
//	POST   /users/session/transfer        the state-changing endpoint an attack page aims at
//	GET    /api/notes                     bearer only: Authorization: Bearer <token>
type testAPI struct {
	http.Handler
	origin    string
	fronts    []string
	transfers atomic.Int64
	tokens    sync.Map
}

// newTestAPI serves cookie (a session policy) on /users/session and, with
// bearer, Bearer at engine level; without, cookie is engine-level.
func newTestAPI(apiOrigin string, cookie crosssession.Config, bearer *crosssession.Config) *testAPI {
	a := &testAPI{origin: apiOrigin, fronts: cookie.Origins}
	cookie.Logger = quiet
	r := gin.New()
	var g *gin.RouterGroup
	if bearer != nil {
		b := *bearer
		b.Logger = quiet
		r.Use(crosssession.New(b))
		g = crosssession.Group(r, "/users/session", cookie)
		r.GET("/api/notes", a.notes)
	} else {
		r.Use(crosssession.New(cookie))
		g = r.Group("/users/session")
	}
	g.POST("", a.login)
	g.GET("", a.whoami)
	g.DELETE("", a.logout)
	g.GET("/oauth/start", a.oauthStart)
	g.GET("/oauth/callback", a.oauthCallback)
	g.POST("/transfer", a.transfer)
	a.Handler = r
	return a
}

func (a *testAPI) allowedReturn(ret string) bool {
	return slices.ContainsFunc(a.fronts, func(f string) bool { return strings.HasPrefix(ret, f+"/") })
}

func (a *testAPI) login(c *gin.Context) {
	form := !strings.HasPrefix(c.ContentType(), "application/json")
	var user string
	if form {
		user = c.PostForm("user")
	} else {
		var body struct{ User string }
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
	sessions.Default(c).Set("user", user)
	tok := a.newToken(user)
	if !form {
		c.JSON(http.StatusOK, gin.H{"user": user, "token": tok})
		return
	}
	ret := c.PostForm("return")
	if !a.allowedReturn(ret) {
		c.JSON(http.StatusBadRequest, gin.H{"error": "return is not a front end"})
		return
	}
	if c.PostForm("plain") == "1" {
		c.Redirect(http.StatusSeeOther, ret) // the cookie stays first-party on the API
		return
	}
	if err := crosssession.Handoff(c, ret); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
	}
}

func (a *testAPI) whoami(c *gin.Context) {
	user, ok := sessions.Default(c).Get("user").(string)
	if !ok {
		c.JSON(http.StatusUnauthorized, gin.H{"error": "no session"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": user})
}

func (a *testAPI) logout(c *gin.Context) {
	if err := crosssession.Logout(c); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

func (a *testAPI) oauthStart(c *gin.Context) {
	c.Redirect(http.StatusFound, a.origin+"/users/session/oauth/callback?code=alice-code&state="+c.Query("return"))
}

func (a *testAPI) oauthCallback(c *gin.Context) {
	ret := c.Query("state")
	if c.Query("code") != "alice-code" || !a.allowedReturn(ret) {
		c.JSON(http.StatusBadRequest, gin.H{"error": "bad code or state"})
		return
	}
	if err := crosssession.Login(c); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
		return
	}
	sessions.Default(c).Set("user", "alice")
	if err := crosssession.Handoff(c, ret); err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()})
	}
}

func (a *testAPI) transfer(c *gin.Context) {
	a.transfers.Add(1)
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

func (a *testAPI) newToken(user string) string {
	b := make([]byte, 16)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	a.tokens.Store(tok, user)
	return tok
}

func (a *testAPI) notes(c *gin.Context) {
	tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	user, known := a.tokens.Load(tok)
	if !ok || !known {
		c.JSON(http.StatusUnauthorized, gin.H{"error": "no valid bearer token"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": user})
}

func testKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}
