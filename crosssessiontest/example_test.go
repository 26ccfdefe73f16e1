package crosssessiontest_test

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/crosssession/crosssession"
	"github.com/crosssession/crosssession/crosssessiontest"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// newRouter is the app under test: the Production preset for one front
// end, a login, a who-am-I, and a form login that ends with Handoff.
func newRouter(front string) *gin.Engine {
	cfg := crosssession.Prod(make([]byte, 32), front) // in the app: 32 random bytes from a secret store
	cfg.Logger = quiet
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) {
		crosssession.Login(c)
		sessions.Default(c).Set("user", "alice")
		if c.PostForm("return") != "" { // a form login: back to the front end with a one-time code
			if err := crosssession.Handoff(c, c.PostForm("return")); err != nil {
				c.String(http.StatusBadRequest, err.Error())
			}
			return
		}
		c.JSON(http.StatusOK, gin.H{"user": "alice"})
	})
	r.GET("/me", func(c *gin.Context) {
		if user, ok := sessions.Default(c).Get("user").(string); ok {
			c.JSON(http.StatusOK, gin.H{"user": user})
			return
		}
		c.AbortWithStatus(http.StatusUnauthorized)
	})
	return r
}

// An SPA on https://app.example.com logs in to its API on
// https://api.example.com and asks who it is, in every engine.
func Example() {
	for _, p := range crosssessiontest.Profiles {
		b := crosssessiontest.New(p)
		b.Serve("api.example.com", newRouter("https://app.example.com")) // your gin.Engine
		spa := b.Open("https://app.example.com/")
		login := spa.Fetch("https://api.example.com/login", crosssessiontest.Init{Method: "POST", Credentials: crosssessiontest.Include})
		me := spa.Fetch("https://api.example.com/me", crosssessiontest.Init{Credentials: crosssessiontest.Include})
		fmt.Println(p, login.Status, me.Status, me.Body, me.Refused)
	}
	// Output:
	// chromium 200 200 {"user":"alice"} []
	// chromium-3pc 200 200 {"user":"alice"} []
	// firefox 200 200 {"user":"alice"} []
	// webkit 200 200 {"user":"alice"} []
}

// A front end on another site (vercel.app is a public suffix): Prod's
// cookie for cross-site front ends is Partitioned, kept in the front end's
// partition by Chromium and Firefox; WebKit refuses every cookie set in a
// third-party context, and says so.
func Example_crossSite() {
	for _, p := range crosssessiontest.Profiles {
		b := crosssessiontest.New(p)
		b.Serve("api.example.com", newRouter("https://myapp.vercel.app"))
		spa := b.Open("https://myapp.vercel.app/")
		login := spa.Fetch("https://api.example.com/login", crosssessiontest.Init{Method: "POST", Credentials: crosssessiontest.Include})
		me := spa.Fetch("https://api.example.com/me", crosssessiontest.Init{Credentials: crosssessiontest.Include})
		fmt.Println(p, me.Status, login.RefusedNames())
	}
	// Output:
	// chromium 200 []
	// chromium-3pc 200 []
	// firefox 200 []
	// webkit 401 [__Host-session/set:cookie-third-party]
}

// Failures the browser hides from the page come with the reason the
// console would show.
func Example_credentials() {
	b := crosssessiontest.New(crosssessiontest.Chromium)
	b.Serve("api.example.com", newRouter("https://app.example.com"))
	spa := b.Open("https://app.example.com/")
	login := spa.Fetch("https://api.example.com/login", crosssessiontest.Init{Method: "POST"}) // no credentials: 'include'
	fmt.Println(login.Status, login.RefusedNames())
	evil := b.Open("https://evil.example.net/")
	attack := evil.Fetch("https://api.example.com/login", crosssessiontest.Init{Method: "POST", Credentials: crosssessiontest.Include})
	fmt.Println(attack.Status, attack.CORSError.Kind, attack.CORSError.Reason, attack.Trace[0].Status)
	// Output:
	// 200 [__Host-session/set:no-cookie]
	// 0 MissingAllowOriginHeader origin-not-allowed 403
}

// A login by form POST that ends with crosssession.Handoff: the page
// lands back on the front end with a one-time code in the fragment, which
// the front end redeems with a credentialed fetch.
func ExamplePage_RedeemHandoff() {
	b := crosssessiontest.New(crosssessiontest.Firefox)
	b.Serve("api.example.com", newRouter("https://myapp.vercel.app"))
	spa := b.Open("https://myapp.vercel.app/")
	spa.SubmitForm("https://api.example.com/login?crosssession="+spa.StartLogin(), url.Values{"return": {"https://myapp.vercel.app/"}})
	fmt.Println(spa.Origin(), len(spa.Hash()) > len("#crosssession="))
	redeemed := spa.RedeemHandoff("https://api.example.com/me")
	fmt.Println(redeemed.Status, redeemed.Body, spa.URL())
	for _, c := range b.Cookies("https://api.example.com/", spa.Site()) {
		fmt.Println(c.Name, c.SameSite, c.Partition)
	}
	// Output:
	// https://myapp.vercel.app true
	// 200 {"user":"alice"} https://myapp.vercel.app/
	// __Host-session None https://myapp.vercel.app
}

// A scenario is written once as data and run in every profile; an
// end-to-end harness can run the same steps in real engines.
func ExampleScenario() {
	login := crosssessiontest.Scenario{Name: "fetch login", Steps: []crosssessiontest.Step{
		{Name: "open", Open: "http://localhost:3000/"},
		{Name: "login", Fetch: "http://localhost:3001/login", Init: crosssessiontest.Init{Method: "POST", Credentials: crosssessiontest.Include}},
		{Name: "whoami", Fetch: "http://localhost:3001/me", Init: crosssessiontest.Init{Credentials: crosssessiontest.Include}},
	}}
	for _, p := range crosssessiontest.Profiles {
		b := crosssessiontest.New(p)
		b.Serve("localhost:3001", newRouter("http://localhost:3000")) // Prod on http://localhost: its cookie is Secure
		fmt.Println(p, login.Run(b)[1:])
	}
	// Output:
	// chromium [login: 200 whoami: 200]
	// chromium-3pc [login: 200 whoami: 200]
	// firefox [login: 200 whoami: 200]
	// webkit [login: 200 (refused: __Host-session/set:cookie-secure-on-localhost) whoami: 401]
}
