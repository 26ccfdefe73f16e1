package crosssession_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

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

// Layout matrix: every layout has only policies that do not list evil on the
// route's chain (or the inner one lists evil but the route is outside it).
func TestReview3_Layouts(t *testing.T) {
	var ran int
	mw := func(c *gin.Context) { c.Next() }
	layouts := map[string]func() (*gin.Engine, string){
		"group with extra handlers and nil": func() (*gin.Engine, string) {
			r := gin.New()
			api := crosssession.Group(r, "/api", prodCfg(front), mw, nil, mw)
			crosssession.Group(api, "/p", prodCfg(front, evil))
			handleAll(api, "/x", &ran)
			return r, "/api/x"
		},
		"nil in parent before group": func() (*gin.Engine, string) {
			r := gin.New()
			r.Use(nil, mw, nil)
			base := r.Group("/b", nil, mw)
			api := crosssession.Group(base, "/api", prodCfg(front), nil)
			p := crosssession.Group(r, "/z", prodCfg(front, evil))
			_ = p
			handleAll(api, "/x", &ran)
			return r, "/b/api/x"
		},
		"same New value twice around allowing group": func() (*gin.Engine, string) {
			r := gin.New()
			n := crosssession.New(prodCfg(front))
			r.Use(n)
			g := crosssession.Group(r, "/g", prodCfg(front, evil))
			g.Use(n)
			handleAll(g, "/x", &ran)
			return r, "/g/x"
		},
		"New via r.Use after Group, route on engine": func() (*gin.Engine, string) {
			r := gin.New()
			crosssession.Group(r, "/g", prodCfg(front, evil))
			r.Use(crosssession.New(prodCfg(front)))
			handleAll(r, "/x", &ran)
			return r, "/x"
		},
		"New inside plain subgroup after allowing Group": func() (*gin.Engine, string) {
			r := gin.New()
			g := crosssession.Group(r, "/g", prodCfg(front, evil))
			s := g.Group("/s", crosssession.New(prodCfg(front)))
			handleAll(s, "/x", &ran)
			return r, "/g/s/x"
		},
		"Group on plain subgroup with middleware, sibling allowing group": func() (*gin.Engine, string) {
			r := gin.New()
			plain := r.Group("/api", mw, mw)
			api := crosssession.Group(plain, "/v1", prodCfg(front))
			crosssession.Group(plain, "/v1/p", prodCfg(front, evil))
			handleAll(api, "/p/x", &ran)
			return r, "/api/v1/p/x"
		},
		"Bearer group after session group": func() (*gin.Engine, string) {
			r := gin.New()
			api := crosssession.Group(r, "/api", prodCfg(front))
			b := crosssession.Group(api, "/b", crosssession.Bearer(front, evil))
			handleAll(b, "/x", &ran)
			return r, "/api/b/x"
		},
		"engine New + NoRoute": func() (*gin.Engine, string) {
			r := gin.New()
			r.Use(crosssession.New(prodCfg(front)))
			crosssession.Group(r, "/g", prodCfg(front, evil))
			r.NoRoute(func(c *gin.Context) { ran++; c.Status(200) })
			return r, "/nothing"
		},
		"engine New + NoMethod on allowing group path": func() (*gin.Engine, string) {
			r := gin.New()
			r.HandleMethodNotAllowed = true
			r.Use(crosssession.New(prodCfg(front)))
			g := crosssession.Group(r, "/g", prodCfg(front, evil))
			g.GET("/x", func(c *gin.Context) {})
			r.NoMethod(func(c *gin.Context) { ran++; c.Status(200) })
			return r, "/g/x"
		},
		"two engines same paths": func() (*gin.Engine, string) {
			e1 := gin.New()
			crosssession.Group(e1, "/api", prodCfg(front, evil))
			r := gin.New()
			api := crosssession.Group(r, "/api", prodCfg(front))
			crosssession.Group(e1, "/api/x", prodCfg(front, evil))
			handleAll(api, "/x/y", &ran)
			return r, "/api/x/y"
		},
		"HandleContext rewrite into allowing-group path from denying group": func() (*gin.Engine, string) {
			r := gin.New()
			var eng *gin.Engine = r
			api := crosssession.Group(r, "/api", prodCfg(front))
			handleAllRW(api, func(c *gin.Context) { c.Request.URL.Path = "/api/y"; eng.HandleContext(c) })
			handleAll(api, "/y", &ran)
			return r, "/api/rw"
		},
	}
	for name, mk := range layouts {
		t.Run(name, func(t *testing.T) {
			r, p := mk()
			expectBlocked(t, r, p, &ran)
		})
	}
}

// Nested session groups sharing the Prod cookie (__Host-session) and key:
// the inner group lists evil, the outer does not. The handler reads the
// innermost session, which is decoded from the outer's login cookie.
func TestReview3_InnerGroupReadsOuterLoginCookie(t *testing.T) {
	for _, sameKey := range []bool{true, false} {
		r := gin.New()
		api := crosssession.Group(r, "/api", prodCfg(front))
		api.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "alice"); c.Status(200) })
		innerCfg := prodCfg(front, evil)
		if !sameKey {
			innerCfg = crosssession.Prod(bytes.Repeat([]byte("q"), 32), front, evil)
		}
		p := crosssession.Group(api, "/partner", innerCfg)
		var user any
		p.POST("/transfer", func(c *gin.Context) { user = sessions.Default(c).Get("user"); c.Status(200) })
		w := serve(r, req("POST", "/api/login", "Origin", front, "Sec-Fetch-Site", "same-site"))
		ck := w.Result().Cookies()
		if len(ck) != 1 {
			t.Fatalf("login cookies %v", ck)
		}
		w = serve(r, evilReq("POST", "/api/partner/transfer", ck[0]))
		if user != nil {
			t.Errorf("sameKey=%v: cross-site POST from %s (unlisted by /api, the policy that issued the cookie) ran with user %v; code %d ACAO %q ACAC %q",
				sameKey, evil, user, w.Code, w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Access-Control-Allow-Credentials"))
		}
	}
}

// A route of the outer group under the inner group's path: preflight is
// answered by the inner group's allow-list (URL-prefix dispatch), but the
// request is decided by the outer one.
func TestReview3_WrappedNewAfterAllowingGroup(t *testing.T) {
	r := gin.New()
	g := crosssession.Group(r, "/g", crosssession.Prod(bytes.Repeat([]byte("q"), 32), front, evil))
	n := crosssession.New(prodCfg(front))
	s := g.Group("/s", func(c *gin.Context) { n(c) })
	var ran int
	s.POST("/x", func(c *gin.Context) { ran++ })
	w := serve(r, evilReq("POST", "/g/s/x"))
	if ran != 0 {
		t.Errorf("wrapped New (front only) deferred to the Group BEFORE it: code %d ran %d", w.Code, ran)
	}
}

func handleAllRW(g gin.IRoutes, h gin.HandlerFunc) {
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		g.Handle(m, "/rw", h)
	}
}
