package crosssession_test

import (
	"net/http"
	"runtime"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

const evil = "https://evil.test"

func csrfPOST(path string) *http.Request {
	return req("POST", path, "Origin", evil, "Sec-Fetch-Site", "cross-site", "Cookie", "session=x")
}

// R1: a Bearer Group nested in a session Group: the outer session group defers
// its CSRF refusal to the Bearer group, which has no CSRF check; the handler
// runs with the outer cookie session.
func TestReview2_BearerNestedInSessionGroupBypassesCSRF(t *testing.T) {
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

// R2: engine-level session policy + Bearer Group: same, documented as
// "innermost decides" but the engine's session is still served to the handler.
func TestReview2_EngineSessionWithBearerGroupServesSessionCrossSite(t *testing.T) {
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

// R3: sibling (or nested) Group: a route registered on the OUTER group under
// the inner group's path. The outer defers by FullPath prefix, but the inner
// group's middleware is not in this route's chain: no CSRF check at all.
func TestReview2_OuterRouteUnderSubPathBypassesCSRF(t *testing.T) {
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

// R4: a plain New() inside a Group: HandlerNames contains handleGroup (before
// it, not after), so New defers to nobody.
func TestReview2_NewInsideGroupDefersToEarlierGroup(t *testing.T) {
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

// R5: nested group with a path parameter in the base: the preflight is
// dispatched on URL.Path, so the sub policy never answers; the outer policy
// grants its origin for the sub group's paths.
func TestReview2_ParamBaseSubPreflight(t *testing.T) {
	const partner = "https://partner.example.net"
	r := gin.New()
	api := crosssession.Group(r, "/t/:tenant", prodCfg(front))
	sub := crosssession.Group(api, "/partner", crosssession.Bearer(partner))
	sub.POST("/orders", func(c *gin.Context) { c.Status(201) })
	w := serve(r, preflight("/t/acme/partner/orders", partner, "POST"))
	if w.Header().Get("Access-Control-Allow-Origin") != partner {
		t.Errorf("listed origin %s: preflight headers %v", partner, w.Header())
	}
	w = serve(r, preflight("/t/acme/partner/orders", front, "POST"))
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("origin %s not listed by the sub group got ACAO %q, credentials %q", front, got, w.Header().Get("Access-Control-Allow-Credentials"))
	}
}

// R6: the registry holds the group weakly, but nothing else keeps a
// *RouterGroup alive: once the caller drops it, a later nested Group does
// not find its enclosing group.
func TestReview2_WeakRegistryForgetsLiveEngineGroups(t *testing.T) {
	r := gin.New()
	func() {
		g := crosssession.Group(r, "/api", crosssession.Bearer(front))
		g.GET("/notes", func(c *gin.Context) {})
	}()
	runtime.GC()
	runtime.GC()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("nested Group after GC panicked: %v", p)
		}
	}()
	crosssession.Group(r, "/api/session", prodCfg(front))
	w := serve(r, preflight("/api/session", front, "POST"))
	if w.Header().Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight: %v", w.Header())
	}
}

// R7: a nested Group created while the owner serves: owner.subs is appended
// and sorted in place with no synchronisation against subFor.
