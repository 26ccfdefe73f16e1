package crosssession_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// TestNestedGroupsHonourEveryRefusal nests session Groups 2 to 4 deep under
// /api, whose cookie the user logged in with. One group besides /api uses
// /api's cookie name; the row says where it sits and which groups list the
// attacker's origin. A cross-site POST from that origin carrying the user's
// cookie must never run as the user: a group that uses /api's cookie cannot
// admit an origin that any enclosing policy refused, however deep.
func TestNestedGroupsHonourEveryRefusal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		depth   int    // groups, /api included
		sharing int    // index of the group that uses /api's cookie name
		lists   string // per group, 'y' if it lists the attacker's origin
		sameKey bool   // the sharing group also uses /api's key (else its own)
		want    int    // status; 403 means refused before any handler
	}{
		{2, 1, "ny", true, 403},
		{2, 1, "ny", false, 200}, // its own key: cannot read /api's cookie
		{3, 2, "nny", true, 403}, // the finding: a middle group with its own cookie
		{3, 2, "nny", false, 200},
		{3, 2, "nyy", true, 403},
		{3, 1, "nny", true, 200}, // innermost has its own cookie: acts on its own session only
		{3, 1, "nyy", true, 403}, // the sharing middle group would admit
		{4, 3, "nnny", true, 403},
		{4, 3, "nyny", true, 403},
		{4, 3, "nyyy", true, 403},
		{4, 2, "nnny", true, 200},
		{4, 2, "nnyy", true, 403},
		{4, 1, "nnny", true, 200},
		{4, 1, "nyyy", true, 403},
	} {
		name := fmt.Sprintf("depth %d, shares at %d, lists %s, same key %v", tc.depth, tc.sharing, tc.lists, tc.sameKey)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := gin.New()
			var g gin.IRouter = r
			path := ""
			var user any
			ran := 0
			for i := range tc.depth {
				origins := []string{front}
				if tc.lists[i] == 'y' {
					origins = append(origins, evil)
				}
				key := testKey
				if i == tc.sharing && !tc.sameKey {
					key = bytes.Repeat([]byte("q"), 32)
				}
				cfg := crosssession.Prod(key, origins...)
				if i > 0 && i != tc.sharing {
					cfg.Cookie.Name = fmt.Sprintf("__Host-level%d", i)
				}
				seg := "/api"
				if i > 0 {
					seg = fmt.Sprintf("/l%d", i)
				}
				path += seg
				g = crosssession.Group(g, seg, cfg)
				if i == 0 {
					g.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "alice"); c.Status(200) })
				}
			}
			g.POST("/transfer", func(c *gin.Context) {
				ran++
				user = sessions.Default(c).Get("user")
				c.Status(200)
			})
			w := serve(r, req("POST", "/api/login", "Origin", front, "Sec-Fetch-Site", "same-site"))
			login := w.Result().Cookies()
			if len(login) != 1 {
				t.Fatalf("login: %d cookies", len(login))
			}
			w = serve(r, evilReq("POST", path+"/transfer", login[0]))
			if user != nil {
				t.Fatalf("the cross-site POST ran as %v", user)
			}
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d (handler ran %d times)", w.Code, tc.want, ran)
			}
			acao := w.Header().Get("Access-Control-Allow-Origin")
			if tc.want == 403 && (ran != 0 || acao != "" || w.Header().Get("Access-Control-Allow-Credentials") != "") {
				t.Errorf("refused, but handler ran %d times, ACAO %q", ran, acao)
			}
			if tc.want == 200 && (ran != 1 || acao != evil) {
				t.Errorf("admitted by the innermost group, but ran %d times, ACAO %q", ran, acao)
			}
			if tc.want == 403 && !strings.Contains(w.Body.String(), "refused") {
				t.Errorf("403 body %q", w.Body)
			}
		})
	}
}

// TestNestedGroupsWithSeparateStoresShareTheCookie: two store instances over
// one backend (here one map) with the same cookie name are one session; the
// inner group cannot admit an origin the outer refused. Equality of Go
// values cannot tell, so for a Store the cookie name decides.
func TestNestedGroupsWithSeparateStoresShareTheCookie(t *testing.T) {
	t.Parallel()
	backend := map[string]map[any]any{}
	outer, inner := prodCfg(front), prodCfg(front, evil)
	outer.Store = &memStore{m: backend}
	inner.Store = &memStore{m: backend}
	r := gin.New()
	api := crosssession.Group(r, "/api", outer)
	api.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("user", "alice"); c.Status(200) })
	var user any
	ran := 0
	crosssession.Group(api, "/partner", inner).POST("/transfer", func(c *gin.Context) {
		ran++
		user = sessions.Default(c).Get("user")
		c.Status(200)
	})
	w := serve(r, req("POST", "/api/login", "Origin", front, "Sec-Fetch-Site", "same-site"))
	login := w.Result().Cookies()
	if len(login) != 1 {
		t.Fatalf("login: %d cookies", len(login))
	}
	w = serve(r, evilReq("POST", "/api/partner/transfer", login[0]))
	if w.Code != http.StatusForbidden || ran != 0 || user != nil {
		t.Errorf("status %d, handler ran %d times as %v; want 403 before the handler", w.Code, ran, user)
	}
}

// An engine-level session policy and a Group with another allow-list: on
// the group's routes the group decides, for the preflight and the request.
func TestStackedSessionPolicies(t *testing.T) {
	t.Parallel()
	const app, partner = "https://app.example.com", "https://partner.example.net"
	r := gin.New()
	r.Use(crosssession.New(prodCfg(app)))
	g := crosssession.Group(r, "/partner", crosssession.Prod(bytes.Repeat([]byte("p"), 32), partner))
	ran := 0
	g.POST("/orders", func(c *gin.Context) { ran++; c.Status(201) })
	r.POST("/app", func(c *gin.Context) { ran++; c.Status(201) })
	for _, tc := range []struct {
		path, origin string
		status       int
	}{
		{"/partner/orders", partner, 201},
		{"/partner/orders", app, 403},
		{"/partner/orders", "https://evil.test", 403},
		{"/app", app, 201},
		{"/app", partner, 403},
	} {
		w := serve(r, req("POST", tc.path, "Origin", tc.origin, "Sec-Fetch-Site", "cross-site"))
		if w.Code != tc.status {
			t.Errorf("POST %s from %s: %d, want %d", tc.path, tc.origin, w.Code, tc.status)
		}
		if pf := serve(r, preflight(tc.path, tc.origin, "POST")); (pf.Header().Get("Access-Control-Allow-Origin") != "") != (tc.status == 201) {
			t.Errorf("preflight %s from %s disagrees with the request: %v", tc.path, tc.origin, pf.Header())
		}
	}
	if ran != 2 {
		t.Errorf("handlers ran %d times, want 2", ran)
	}
}

// A Bearer Group nested in a session Group has no CSRF check of its own:
// the outer policy's refusal stands, and the handler never runs.
func TestBearerGroupInsideSessionGroupKeepsCSRF(t *testing.T) {
	r := gin.New()
	api := crosssession.Group(r, "/api", prodCfg(front))
	pub := crosssession.Group(api, "/public", crosssession.Bearer(front))
	ran := 0
	pub.POST("/transfer", func(c *gin.Context) { ran++; sessions.Default(c).Set("x", 1); c.Status(200) })
	w := serve(r, csrfPOST("/api/public/transfer"))
	if w.Code != 403 || ran != 0 {
		t.Errorf("cross-site POST from %s: status %d, handler ran %d, Set-Cookie %q", evil, w.Code, ran, w.Header().Values("Set-Cookie"))
	}
}

// An engine-level session policy over a Bearer Group: the Bearer Group
// never lifts the engine policy's CSRF refusal.
func TestBearerGroupUnderSessionPolicyKeepsCSRF(t *testing.T) {
	r := gin.New()
	r.Use(crosssession.New(prodCfg(front)))
	pub := crosssession.Group(r, "/public", crosssession.Bearer(front))
	var sawSession bool
	pub.POST("/x", func(c *gin.Context) { _, sawSession = c.Get(sessions.DefaultKey); c.Status(200) })
	w := serve(r, csrfPOST("/public/x"))
	if w.Code != 403 && sawSession {
		t.Errorf("cross-site POST from %s reached a handler with the engine's cookie session: %d", evil, w.Code)
	}
}

// A route registered on the outer group under a nested (or sibling)
// Group's path does not run the nested policy, so the outer one decides:
// deferral follows the route's chain, never the path.
func TestOuterRouteUnderNestedPathKeepsOuterCSRF(t *testing.T) {
	for _, nested := range []bool{true, false} {
		r := gin.New()
		api := crosssession.Group(r, "/api", prodCfg(front))
		if nested {
			crosssession.Group(api, "/session", prodCfg(front))
		} else {
			crosssession.Group(r, "/api/session", prodCfg(front))
		}
		ran := 0
		api.POST("/session/delete-account", func(c *gin.Context) { ran++; c.Status(200) })
		w := serve(r, csrfPOST("/api/session/delete-account"))
		if w.Code != 403 || ran != 0 {
			t.Errorf("nested=%v: cross-site POST from %s: status %d, handler ran %d", nested, evil, w.Code, ran)
		}
	}
}

// New inside a Group (after the Group's policy in the chain) defers to no
// policy before it.
func TestNewInsideGroupNeverDefersBackwards(t *testing.T) {
	r := gin.New()
	api := crosssession.Group(r, "/api", crosssession.Bearer(front))
	acct := api.Group("/account", crosssession.New(prodCfg(front)))
	ran := 0
	acct.POST("/email", func(c *gin.Context) { ran++; c.Status(200) })
	w := serve(r, csrfPOST("/api/account/email"))
	if w.Code != 403 || ran != 0 {
		t.Errorf("cross-site POST from %s: status %d, handler ran %d", evil, w.Code, ran)
	}
}

// Layout matrix: every layout has only policies that do not list evil on the
// route's chain (or the inner one lists evil but the route is outside it).
func TestLayoutsNeverAdmitWhatTheRouteRefuses(t *testing.T) {
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
func TestInnerGroupCannotActOnOuterLoginCookie(t *testing.T) {
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
func TestWrappedNewNeverDefersBackwards(t *testing.T) {
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

// TestNoHandlerRunsBetweenARefusalAndTheGroupThatDecides: an app
// middleware between an engine-level session policy and a session Group
// would run before any CSRF check if the outer policy deferred an unsafe
// cross-origin request to the Group. So the outer policy refuses it (403,
// never a 500 from a missing session), says which handler is in the way,
// and the middleware never runs; without such a handler the Group decides.
func TestNoHandlerRunsBetweenARefusalAndTheGroupThatDecides(t *testing.T) {
	t.Parallel()
	const partner = "https://partner.example.net"
	outer := prodCfg(spa)
	outer.DebugHeader = true
	r := gin.New()
	r.Use(gin.Recovery(), crosssession.New(outer))
	ran := 0
	r.Use(func(c *gin.Context) { ran++; _ = sessions.Default(c).Get("user"); c.Next() })
	pc := prodCfg(partner)
	pc.Cookie.Name = "__Host-partner"
	crosssession.Group(r, "/partner", pc).POST("/x", func(c *gin.Context) { c.String(200, "ok") })
	for _, o := range []string{partner, evil} {
		w := serve(r, req("POST", "/partner/x", "Origin", o, "Sec-Fetch-Site", "cross-site"))
		d := w.Header().Get("X-Crosssession-Debug")
		if w.Code != http.StatusForbidden || ran != 0 || !strings.Contains(d, "TestNoHandlerRunsBetween") ||
			!strings.Contains(d, "runs between") {
			t.Errorf("origin %s: %d, diagnostic %q, middleware ran %d times; want 403 naming the handler, never run",
				o, w.Code, d, ran)
		}
	}
	direct := gin.New()
	direct.Use(crosssession.New(prodCfg(spa)))
	crosssession.Group(direct, "/partner", pc).POST("/x", func(c *gin.Context) { c.String(200, "ok") })
	if w := serve(direct, req("POST", "/partner/x", "Origin", partner, "Sec-Fetch-Site", "cross-site")); w.Code != 200 {
		t.Errorf("nothing between the policies: the partner's POST got %d, want the Group's 200", w.Code)
	}
}

// TestDeferralLooksFromTheRefusingPolicy: the handlers between a refusing
// policy and the Group are those after that policy, wherever other
// policies sit: a second engine-level policy after an app middleware does
// not hide it. gin's logger and recovery between the two do not stop the
// Group from deciding.
func TestDeferralLooksFromTheRefusingPolicy(t *testing.T) {
	t.Parallel()
	const partner = "https://partner.example.net"
	pc := prodCfg(partner)
	pc.Cookie.Name = "__Host-partner"
	r := gin.New()
	r.Use(gin.Recovery(), crosssession.New(prodCfg(spa)))
	ran := 0
	r.Use(func(c *gin.Context) { ran++; c.Next() })
	r.Use(crosssession.New(crosssession.Bearer(partner, spa)))
	crosssession.Group(r, "/partner", pc).POST("/x", func(c *gin.Context) { c.String(200, "ok") })
	for _, o := range []string{evil, partner} {
		if w := serve(r, req("POST", "/partner/x", "Origin", o, "Sec-Fetch-Site", "cross-site")); w.Code != 403 || ran != 0 {
			t.Errorf("origin %s with a second New after the middleware: %d, middleware ran %d times", o, w.Code, ran)
		}
	}
	quiet := gin.New()
	quiet.Use(crosssession.New(prodCfg(spa)), gin.LoggerWithWriter(io.Discard), gin.Recovery())
	crosssession.Group(quiet, "/partner", pc).POST("/x", func(c *gin.Context) { c.String(200, "ok") })
	if w := serve(quiet, req("POST", "/partner/x", "Origin", partner, "Sec-Fetch-Site", "cross-site")); w.Code != 200 {
		t.Errorf("gin's logger and recovery between the policies: the partner's POST got %d, want 200", w.Code)
	}
	if w := serve(quiet, req("POST", "/partner/x", "Origin", evil, "Sec-Fetch-Site", "cross-site")); w.Code != 403 {
		t.Errorf("gin's logger and recovery between the policies: an unlisted origin's POST got %d, want 403", w.Code)
	}
}
