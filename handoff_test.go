package crosssession_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

const spa = "https://myapp.vercel.app"

// handoffApp is an API whose login is a form POST (a top-level navigation)
// that ends with Handoff to the SPA.
func handoffApp(t testing.TB, cfg crosssession.Config) (*app, *error) {
	a := newApp(t, cfg)
	var handoffErr error
	a.POST("/form-login", func(c *gin.Context) {
		if err := crosssession.Login(c); err != nil {
			t.Error(err)
		}
		sessions.Default(c).Set("user", "alice")
		handoffErr = crosssession.Handoff(c, c.DefaultQuery("to", spa+"/home?tab=1"))
		if handoffErr != nil {
			c.String(http.StatusBadRequest, "no")
		}
	})
	return a, &handoffErr
}

// verifier is the value the SPA keeps in sessionStorage and puts in the
// URL that starts its login (README, "Logins by redirect").
const verifier = "3141592653-5897932384-6264338327"

// formLogin posts the login form from the SPA as a browser navigates, to
// /form-login?crosssession=<verifier>, and returns the code of the redirect.
func formLogin(t *testing.T, a http.Handler, to string) (*http.Response, string) {
	t.Helper()
	target := "/form-login?crosssession=" + verifier
	if to != "" {
		target += "&to=" + url.QueryEscape(to)
	}
	r := req("POST", target, "Origin", spa, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate",
		"Content-Type", "application/x-www-form-urlencoded", "X-Forwarded-Proto", "https")
	res := serve(a, r).Result()
	_, code, _ := strings.Cut(res.Header.Get("Location"), "#crosssession=")
	return res, code
}

// redeem is the SPA's fetch with the code and the verifier.
func redeem(a http.Handler, origin, code string) *http.Response {
	return redeemWith(a, origin, code+" "+verifier)
}

// redeemWith is the SPA's fetch with X-Crosssession-Handoff: header.
func redeemWith(a http.Handler, origin, header string, cookies ...*http.Cookie) *http.Response {
	r := req("GET", "/me", "Origin", origin, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "cors",
		"X-Crosssession-Handoff", header, "X-Forwarded-Proto", "https")
	for _, ck := range cookies {
		r.AddCookie(ck)
	}
	return serve(a, r).Result()
}

// TestHandoffCarriesARedirectLoginToTheFrontEnd: a login by form POST ends
// with a 303 to the SPA carrying a code in the fragment and no cookie; the
// SPA's credentialed fetch with the code gets the session cookie as a
// cross-site front end keeps it (SameSite=None; Partitioned); the cookie
// then opens the session.
func TestHandoffCarriesARedirectLoginToTheFrontEnd(t *testing.T) {
	t.Parallel()
	a, _ := handoffApp(t, prodCfg(spa))
	res, code := formLogin(t, a, "")
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, spa+"/home?tab=1#crosssession=") || code == "" {
		t.Fatalf("login: %d, Location %q", res.StatusCode, loc)
	}
	if len(res.Cookies()) != 0 || res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("login response: cookies %v, headers %v", res.Cookies(), res.Header)
	}
	got := redeem(a, spa, code)
	cks := got.Cookies()
	if got.StatusCode != 200 || len(cks) != 1 || !cks[0].Partitioned || cks[0].SameSite != http.SameSiteNoneMode {
		t.Fatalf("redeem: %d, cookies %v", got.StatusCode, got.Header.Values("Set-Cookie"))
	}
	r := req("GET", "/me", "Origin", spa, "Sec-Fetch-Site", "cross-site")
	r.AddCookie(cks[0])
	if w := serve(a, r); w.Code != 200 || !strings.Contains(w.Body.String(), "alice") {
		t.Errorf("the handed-off cookie: %d %s", w.Code, w.Body)
	}
}

// TestHandoffCodesResistReplayAndMisuse: a code is redeemed once, only from
// the origin it was issued for, within 60 seconds, and only as issued; each
// refusal is diagnosed and leaves the request without a session.
func TestHandoffCodesResistReplayAndMisuse(t *testing.T) {
	t.Parallel()
	other := "https://admin.example.com"
	cfg := prodCfg(spa, other)
	cfg.DebugHeader = true
	a, _ := handoffApp(t, cfg)
	_, code := formLogin(t, a, "")
	if res := redeem(a, spa, code); res.StatusCode != 200 {
		t.Fatalf("first redeem: %d", res.StatusCode)
	}
	_, code2 := formLogin(t, a, "")
	tampered := code2[:len(code2)-4] + "AAAA"
	for _, tc := range []struct {
		name, origin, code, why string
	}{
		{"replay", spa, code, "redeemed already"},
		{"another allowed origin", other, code2, "it was issued for https://myapp.vercel.app"},
		{"tampered", spa, tampered, "not a code this policy issued"},
		{"a session cookie's value as a code", spa, "MTcwMDAwMDAwMHxhYmN8ZGVm", "not a code this policy issued"},
	} {
		res := redeem(a, tc.origin, tc.code)
		if res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
			t.Errorf("%s: %d, cookies %v", tc.name, res.StatusCode, res.Cookies())
		}
		if d := res.Header.Get("X-Crosssession-Debug"); !strings.Contains(d, "handoff-refused: ") || !strings.Contains(d, tc.why) {
			t.Errorf("%s: diagnostic %q, want handoff-refused saying %q", tc.name, d, tc.why)
		}
	}
	if res := redeem(a, spa, code2); res.StatusCode != 200 {
		t.Errorf("a refused attempt from another origin must not use the code up: %d", res.StatusCode)
	}
	synctest.Test(t, func(t *testing.T) {
		a, _ := handoffApp(t, prodCfg(spa))
		_, code := formLogin(t, a, "")
		time.Sleep(61 * time.Second)
		if res := redeem(a, spa, code); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a code 61 s old: %d", res.StatusCode)
		}
	})
}

// TestHandoffRefusesOpenRedirects: only URLs of allowed front ends, without
// a fragment, are targets; anything else returns ErrHandoffTarget and the
// handler answers itself.
func TestHandoffRefusesOpenRedirects(t *testing.T) {
	t.Parallel()
	a, handoffErr := handoffApp(t, prodCfg(spa))
	for _, to := range []string{"https://evil.test/", "https://myapp.vercel.app.evil.test/", "//evil.test/", "/relative",
		"javascript:alert(1)", spa + "/#frag", "https://user@myapp.vercel.app/", "http://myapp.vercel.app/"} {
		res, _ := formLogin(t, a, to)
		if !errors.Is(*handoffErr, crosssession.ErrHandoffTarget) || res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
			t.Errorf("target %q: %v, %d, Location %q", to, *handoffErr, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// TestHandoffWithAStoreIsSingleUseEverywhere: with a Store the code names a
// record that redemption deletes, so a second machine (its own memory of
// redeemed codes) refuses it too, and the front end's session has a new ID.
func TestHandoffWithAStoreIsSingleUseEverywhere(t *testing.T) {
	t.Parallel()
	store := &memStore{m: map[string]map[any]any{}}
	cfg := prodCfg(spa)
	cfg.Store = store
	a, _ := handoffApp(t, cfg)
	b, _ := handoffApp(t, cfg)
	_, code := formLogin(t, a, "")
	res := redeem(a, spa, code)
	if res.StatusCode != 200 || len(res.Cookies()) != 1 {
		t.Fatalf("redeem: %d %v", res.StatusCode, res.Cookies())
	}
	if again := redeem(b, spa, code); again.StatusCode != http.StatusUnauthorized {
		t.Errorf("the same code on another machine: %d", again.StatusCode)
	}
	if len(store.m) != 1 {
		t.Errorf("%d records, want only the front end's", len(store.m))
	}
}

// TestHandoffWithABackendIsSingleUseEverywhere: with a Backend the code
// names a session that redemption deletes, so a second machine refuses it.
func TestHandoffWithABackendIsSingleUseEverywhere(t *testing.T) {
	t.Parallel()
	b := newMemBackend()
	cfg := prodCfg(spa)
	cfg.Backend = b
	one, _ := handoffApp(t, cfg)
	two, _ := handoffApp(t, cfg)
	res, code := formLogin(t, one, "")
	if len(res.Cookies()) != 0 || code == "" {
		t.Fatalf("login: cookies %v, code %q", res.Cookies(), code)
	}
	got := redeem(one, spa, code)
	if got.StatusCode != 200 || len(got.Cookies()) != 1 {
		t.Fatalf("redeem: %d %v", got.StatusCode, got.Cookies())
	}
	if again := redeem(two, spa, code); again.StatusCode != http.StatusUnauthorized {
		t.Errorf("the same code on another machine: %d", again.StatusCode)
	}
	if len(b.m) != 1 {
		t.Errorf("%d sessions, want only the front end's", len(b.m))
	}
}

// TestRedirectLoginWithoutHandoffIsDiagnosed: a login by form POST that
// sets the cookie and redirects to a cross-site front end is told to use
// Handoff; with Handoff nothing is said.
func TestRedirectLoginWithoutHandoffIsDiagnosed(t *testing.T) {
	t.Parallel()
	cfg := prodCfg(spa)
	cfg.DebugHeader = true
	a, _ := handoffApp(t, cfg)
	a.POST("/old-login", func(c *gin.Context) {
		sessions.Default(c).Set("user", "alice")
		c.Redirect(http.StatusSeeOther, spa+"/")
	})
	r := req("POST", "/old-login", "Origin", spa, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "X-Forwarded-Proto", "https")
	if d := serve(a, r).Header().Get("X-Crosssession-Debug"); !strings.Contains(d, "cookie-set-on-navigation: ") || !strings.Contains(d, "Handoff") {
		t.Errorf("login without Handoff: %q", d)
	}
	if res, _ := formLogin(t, a, ""); res.Header.Get("X-Crosssession-Debug") != "" {
		t.Errorf("login with Handoff: %q", res.Header.Get("X-Crosssession-Debug"))
	}
}

// TestHandoffCodeIsBoundToTheBrowserThatStartedTheLogin: a code redeems
// only with the verifier of the login it ends, so an attacker's own code,
// sent to a victim's front end (login CSRF), leaves the victim's session
// alone; so does a code sent without a verifier, or with what a front end
// that started no login sends ("undefined"). A login that did not start
// with a verifier gets no code at all (ErrHandoffUnbound).
func TestHandoffCodeIsBoundToTheBrowserThatStartedTheLogin(t *testing.T) {
	t.Parallel()
	cfg := prodCfg(spa)
	cfg.DebugHeader = true
	a, handoffErr := handoffApp(t, cfg)
	a.POST("/login-as-victim", func(c *gin.Context) { sessions.Default(c).Set("user", "victim"); c.Status(204) })
	victim := serve(a, req("POST", "/login-as-victim", "Origin", spa, "Sec-Fetch-Site", "cross-site",
		"X-Forwarded-Proto", "https")).Result().Cookies()[0]
	_, attackersCode := formLogin(t, a, "") // the attacker's own login ("alice"), his verifier
	for _, tc := range []struct{ name, header, why string }{
		{"the victim's verifier", attackersCode + " victims-own-verifier-0123456789", "another browser's"},
		{"no verifier", attackersCode, "without the verifier"},
		{"a front end that started no login", attackersCode + " undefined", "without the verifier"},
	} {
		res := redeemWith(a, spa, tc.header, victim)
		if len(res.Cookies()) != 0 || !strings.Contains(res.Header.Get("X-Crosssession-Debug"), tc.why) {
			t.Errorf("%s: cookies %v, diagnostic %q, want none and %q", tc.name, res.Cookies(),
				res.Header.Get("X-Crosssession-Debug"), tc.why)
		}
		r := req("GET", "/me", "Origin", spa, "Sec-Fetch-Site", "cross-site")
		r.AddCookie(victim)
		if w := serve(a, r); !strings.Contains(w.Body.String(), "victim") {
			t.Errorf("%s: the victim's session became %s", tc.name, w.Body)
		}
	}
	if res := redeem(a, spa, attackersCode); res.StatusCode != 200 {
		t.Errorf("the attacker's code with his own verifier (his own browser): %d", res.StatusCode)
	}
	for _, q := range []string{"", "?crosssession=undefined", "?crosssession=short", "?crosssession=" + url.QueryEscape(verifier+"<>")} {
		r := req("POST", "/form-login"+q, "Origin", spa, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate",
			"X-Forwarded-Proto", "https")
		res := serve(a, r).Result()
		if !errors.Is(*handoffErr, crosssession.ErrHandoffUnbound) || res.Header.Get("Location") != "" {
			t.Errorf("login at /form-login%s: %v, Location %q; want ErrHandoffUnbound and no redirect", q, *handoffErr,
				res.Header.Get("Location"))
		}
	}
}

// TestHandoffBindsALoginThroughAnIdentityProvider: the login starts at
// /auth/start?crosssession=<verifier>, which leaves the verifier's hash in
// a first-party <name>-login cookie (HttpOnly, 10 minutes, SameSite=None so
// that a provider's cross-site form POST carries it); the callback's
// Handoff binds the code to it and expires the cookie.
func TestHandoffBindsALoginThroughAnIdentityProvider(t *testing.T) {
	t.Parallel()
	a, handoffErr := handoffApp(t, prodCfg(spa))
	a.GET("/auth/start", func(c *gin.Context) { c.Redirect(http.StatusFound, "https://idp.example/authorize") })
	a.GET("/auth/callback", func(c *gin.Context) {
		_ = crosssession.Login(c)
		sessions.Default(c).Set("user", "alice")
		*handoffErr = crosssession.Handoff(c, spa+"/")
	})
	nav := func(method, path string) *http.Request {
		return req(method, path, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate", "X-Forwarded-Proto", "https")
	}
	start := serve(a, nav("GET", "/auth/start?crosssession="+verifier)).Result()
	var login *http.Cookie
	for _, ck := range start.Cookies() {
		if ck.Name == "__Host-session-login" {
			login = ck
		}
	}
	if login == nil || !login.HttpOnly || login.MaxAge != 600 || login.SameSite != http.SameSiteNoneMode || !login.Secure ||
		strings.Contains(login.Value, verifier) || start.Header.Get("Cache-Control") != "private" {
		t.Fatalf("login start: cookies %v, Cache-Control %q", start.Header.Values("Set-Cookie"), start.Header.Get("Cache-Control"))
	}
	cb := nav("GET", "/auth/callback?code=x")
	cb.AddCookie(login)
	res := serve(a, cb).Result()
	_, code, _ := strings.Cut(res.Header.Get("Location"), "#crosssession=")
	if *handoffErr != nil || code == "" {
		t.Fatalf("callback: %v, Location %q", *handoffErr, res.Header.Get("Location"))
	}
	if cks := res.Cookies(); len(cks) != 1 || cks[0].Name != login.Name || cks[0].MaxAge >= 0 {
		t.Errorf("callback: cookies %v, want the login cookie expired", res.Header.Values("Set-Cookie"))
	}
	if got := redeem(a, spa, code); got.StatusCode != 200 {
		t.Errorf("redeem with the verifier that started the login: %d", got.StatusCode)
	}
	for _, mode := range []string{"no-cors", "cors"} { // an image or a fetch from any site: no binding replaced
		r := req("GET", "/auth/start?crosssession=attacker-chosen-0123456789", "Sec-Fetch-Site", "cross-site",
			"Sec-Fetch-Mode", mode, "X-Forwarded-Proto", "https")
		if cks := serve(a, r).Result().Cookies(); len(cks) != 0 {
			t.Errorf("a %s request with ?crosssession= set %v", mode, cks)
		}
	}
	serve(a, nav("GET", "/auth/callback?code=x")) // a callback no login started
	if !errors.Is(*handoffErr, crosssession.ErrHandoffUnbound) {
		t.Errorf("callback without the login cookie: %v, want ErrHandoffUnbound", *handoffErr)
	}
}

// TestHandoffCodeOpensOnlyThePolicyThatIssuedIt: two Groups with one key
// and their own cookies: a code issued by one is not a code of the other.
func TestHandoffCodeOpensOnlyThePolicyThatIssuedIt(t *testing.T) {
	t.Parallel()
	r := gin.New()
	pub, adm := prodCfg(spa), prodCfg(spa)
	pub.Cookie.Name, adm.Cookie.Name = "__Host-public", "__Host-admin"
	gp, ga := crosssession.Group(r, "/public", pub), crosssession.Group(r, "/admin", adm)
	gp.POST("/form-login", func(c *gin.Context) {
		_ = crosssession.Login(c)
		sessions.Default(c).Set("user", "alice")
		_ = crosssession.Handoff(c, spa+"/")
	})
	me := func(c *gin.Context) { c.String(200, "%v", sessions.Default(c).Get("user")) }
	gp.GET("/me", me)
	ga.GET("/me", me)
	lr := req("POST", "/public/form-login?crosssession="+verifier, "Origin", spa, "Sec-Fetch-Site", "cross-site",
		"Sec-Fetch-Mode", "navigate", "X-Forwarded-Proto", "https")
	_, code, _ := strings.Cut(serve(r, lr).Result().Header.Get("Location"), "#crosssession=")
	at := func(path string) *http.Response {
		return serve(r, req("GET", path, "Origin", spa, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "cors",
			"X-Crosssession-Handoff", code+" "+verifier, "X-Forwarded-Proto", "https")).Result()
	}
	if res := at("/admin/me"); len(res.Cookies()) != 0 {
		t.Errorf("the /public policy's code opened /admin: %v", res.Header.Values("Set-Cookie"))
	}
	if res := at("/public/me"); len(res.Cookies()) != 1 || res.Cookies()[0].Name != "__Host-public" {
		t.Errorf("the code at its own policy: %v", res.Header.Values("Set-Cookie"))
	}
}

// TestHandoffResponseSetsNoCookieWhenRenewalIsDue: a login navigation that
// carries an older first-party cookie (renewal due under IdleTimeout) still
// ends with the code alone: no session cookie on the 303.
func TestHandoffResponseSetsNoCookieWhenRenewalIsDue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := prodCfg(spa)
		cfg.IdleTimeout = time.Hour
		a, _ := handoffApp(t, cfg)
		old := serve(a, req("POST", "/login", "X-Forwarded-Proto", "https")).Result().Cookies()[0]
		time.Sleep(20 * time.Minute)
		r := req("POST", "/form-login?crosssession="+verifier, "Origin", spa, "Sec-Fetch-Site", "cross-site",
			"Sec-Fetch-Mode", "navigate", "X-Forwarded-Proto", "https")
		r.AddCookie(old)
		if res := serve(a, r).Result(); len(res.Cookies()) != 0 || !strings.Contains(res.Header.Get("Location"), "#crosssession=") {
			t.Errorf("Handoff response: %d, Set-Cookie %v", res.StatusCode, res.Header.Values("Set-Cookie"))
		}
	})
}

// TestHandoffThroughStackedPoliciesCarriesNoCookie: a login by form on a
// session Group inside an engine-level session policy: the 303 of the
// Group's Handoff carries no cookie of either policy (the outer one's
// login cookie included).
func TestHandoffThroughStackedPoliciesCarriesNoCookie(t *testing.T) {
	t.Parallel()
	r := gin.New()
	r.Use(crosssession.New(prodCfg(spa)))
	inner := prodCfg(spa)
	inner.Cookie.Name = "__Host-inner"
	crosssession.Group(r, "/g", inner).POST("/form-login", func(c *gin.Context) {
		_ = crosssession.Login(c)
		sessions.Default(c).Set("user", "alice")
		_ = crosssession.Handoff(c, spa+"/")
	})
	res := serve(r, req("POST", "/g/form-login?crosssession="+verifier, "Origin", spa, "Sec-Fetch-Site", "cross-site",
		"Sec-Fetch-Mode", "navigate", "X-Forwarded-Proto", "https")).Result()
	if !strings.Contains(res.Header.Get("Location"), "#crosssession=") || len(res.Cookies()) != 0 {
		t.Errorf("Handoff through two policies: %d, Location %q, Set-Cookie %v", res.StatusCode, res.Header.Get("Location"),
			res.Header.Values("Set-Cookie"))
	}
}
