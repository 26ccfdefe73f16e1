package crosssession_test

import (
	"bytes"
	"fmt"
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
