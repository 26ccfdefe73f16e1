package crosssessiontest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/crosssession/crosssession"
	cst "github.com/crosssession/crosssession/crosssessiontest"
)

// Login styles of a flow.
const (
	loginFetch        = "fetch"         // fetch POST with credentials
	loginFormHandoff  = "form-handoff"  // form POST, crosssession.Handoff back, redeemed by a fetch
	loginFormPlain    = "form-plain"    // form POST, 303 back; the cookie stays on the API
	loginOAuthHandoff = "oauth-handoff" // navigation to the IdP, callback, Handoff back
)

var json = map[string]string{"Content-Type": "application/json"}

// sessionFlow is the e2e suite's session flow as a Scenario: anonymous
// who-am-I, login, who-am-I, logout, who-am-I.
func sessionFlow(front, api, login string) cst.Scenario {
	inc := cst.Init{Credentials: cst.Include}
	s := cst.Scenario{Name: login, Steps: []cst.Step{
		{Name: "open", Open: front + "/"},
		{Name: "anon", Fetch: api + "/users/session", Init: inc},
	}}
	switch login {
	case loginFetch:
		s.Steps = append(s.Steps, cst.Step{Name: "login", Fetch: api + "/users/session",
			Init: cst.Init{Method: "POST", Credentials: cst.Include, Headers: json, Body: `{"user":"alice"}`}})
	case loginFormHandoff, loginFormPlain:
		form := url.Values{"user": {"alice"}, "return": {front + "/"}}
		if login == loginFormPlain {
			form.Set("plain", "1")
		}
		s.Steps = append(s.Steps, cst.Step{Name: "login", Navigate: api + "/users/session", Form: form,
			StartLogin: login == loginFormHandoff})
	case loginOAuthHandoff:
		s.Steps = append(s.Steps, cst.Step{Name: "login", Navigate: api + "/users/session/oauth/start?return=" + front + "/",
			StartLogin: true})
	}
	if strings.HasSuffix(login, "-handoff") {
		s.Steps = append(s.Steps, cst.Step{Name: "redeem", RedeemHandoff: api + "/users/session"})
	}
	return cst.Scenario{Name: s.Name, Steps: append(s.Steps,
		cst.Step{Name: "whoami", Fetch: api + "/users/session", Init: inc},
		cst.Step{Name: "logout", Fetch: api + "/users/session", Init: cst.Init{Method: "DELETE", Credentials: cst.Include}},
		cst.Step{Name: "after-logout", Fetch: api + "/users/session", Init: inc},
	)}
}

// verdict judges a flow as the e2e tables do: "works", "no-session" (who-am-I
// after login was not alice), "session-survived-logout", or the first step
// that failed otherwise.
func verdict(out []cst.Outcome) string {
	byName := map[string]cst.Outcome{}
	for _, o := range out {
		byName[o.Step] = o
		if o.Error != "" {
			return o.Step + ": " + o.Verdict()
		}
	}
	switch {
	case byName["anon"].Status != 401:
		return "anon: " + byName["anon"].Verdict()
	case byName["whoami"].Status != 200 || byName["whoami"].Body != `{"user":"alice"}`:
		return "no-session"
	case byName["after-logout"].Status != 401:
		return "session-survived-logout"
	}
	return "works"
}

// firstRefusal is the reason of the first cookie refusal in the flow.
func firstRefusal(out []cst.Outcome) string {
	for _, o := range out {
		for _, r := range o.Refused {
			return o.Step + ": " + r.Reason
		}
	}
	return ""
}

type flowCase struct {
	name       string
	front, api string
	cfg        func() (cookie crosssession.Config, bearer *crosssession.Config)
	login      string
	// want is the verdict per profile (missing: "works"); refused the
	// first cookie refusal per profile (missing: none).
	want, refused map[cst.Profile]string
}

func flowCases() []flowCase {
	hybrid := func(prod bool, front string) func() (crosssession.Config, *crosssession.Config) {
		return func() (crosssession.Config, *crosssession.Config) {
			b := crosssession.Bearer(front)
			if !prod {
				b.Mode = crosssession.Development // Production refuses plain-http origins off localhost
				return crosssession.Dev(front), &b
			}
			return crosssession.Prod(testKey(), front), &b
		}
	}
	webkitOnly := func(v string) map[cst.Profile]string { return map[cst.Profile]string{cst.WebKit: v} }
	cases := []flowCase{
		{name: "dev-localhost", front: "http://localhost:3000", api: "http://localhost:3001", login: loginFetch,
			cfg: func() (crosssession.Config, *crosssession.Config) { return crosssession.Dev(), nil }},
		// *.localhost names are sites of their own: the cross-site cookie
		// (SameSite=None; Secure; Partitioned) survives in Chromium and
		// Firefox, WebKit stores no cross-site cookie.
		{name: "dev-app-localhost", front: "http://app.localhost:5173", api: "http://localhost:3001", login: loginFetch,
			cfg: func() (crosssession.Config, *crosssession.Config) {
				return crosssession.Dev("http://*.localhost:*"), nil
			},
			want: webkitOnly("no-session"), refused: webkitOnly("login: cookie-third-party")},
		{name: "dev-127-to-localhost", front: "http://127.0.0.1:3000", api: "http://localhost:3001", login: loginFetch,
			cfg: func() (crosssession.Config, *crosssession.Config) {
				return crosssession.Dev("http://127.0.0.1:3000"), nil
			},
			want: webkitOnly("no-session"), refused: webkitOnly("login: cookie-third-party")},
		{name: "prod-subdomain", front: "https://app.example.com", api: "https://api.example.com", login: loginFetch,
			cfg: func() (crosssession.Config, *crosssession.Config) {
				return crosssession.Prod(testKey(), "https://app.example.com"), nil
			}},
		{name: "hybrid-dev-same-site-fetch", front: "http://app.example.com", api: "http://api.example.com",
			login: loginFetch, cfg: hybrid(false, "http://app.example.com")},
		{name: "hybrid-prod-same-site-form-plain", front: "https://app.example.com", api: "https://api.example.com",
			login: loginFormPlain, cfg: hybrid(true, "https://app.example.com")},
		{name: "hybrid-prod-cross-site-fetch", front: "https://myapp.vercel.app", api: "https://api.example.com",
			login: loginFetch, cfg: hybrid(true, "https://myapp.vercel.app"),
			want: webkitOnly("no-session"), refused: webkitOnly("login: cookie-third-party")},
		{name: "hybrid-prod-cross-site-form-handoff", front: "https://myapp.vercel.app", api: "https://api.example.com",
			login: loginFormHandoff, cfg: hybrid(true, "https://myapp.vercel.app"),
			want: webkitOnly("no-session"), refused: webkitOnly("redeem: cookie-third-party")},
		{name: "hybrid-prod-cross-site-oauth-handoff", front: "https://myapp.vercel.app", api: "https://api.example.com",
			login: loginOAuthHandoff, cfg: hybrid(true, "https://myapp.vercel.app"),
			want: webkitOnly("no-session"), refused: webkitOnly("redeem: cookie-third-party")},
		// Without Handoff the login's cookie is first-party on the API
		// (SameSite=Lax: Prod's same-site cookie, since a navigation is
		// first-party) and never reaches the cross-site front end's fetches.
		{name: "hybrid-prod-cross-site-form-plain", front: "https://myapp.vercel.app", api: "https://api.example.com",
			login: loginFormPlain, cfg: hybrid(true, "https://myapp.vercel.app"),
			want: map[cst.Profile]string{cst.Chromium: "no-session", cst.ChromiumThirdPartyAllowed: "no-session",
				cst.Firefox: "no-session", cst.WebKit: "no-session"},
			refused: map[cst.Profile]string{cst.Chromium: "whoami: cookie-third-party",
				cst.ChromiumThirdPartyAllowed: "whoami: cookie-samesite-cross-site",
				cst.Firefox:                   "whoami: cookie-other-partition",
				cst.WebKit:                    "whoami: cookie-samesite-cross-site"}},
	}
	return cases
}

// TestFlows runs the e2e suite's scenarios through a real gin.Engine with
// crosssession's presets, per profile.
func TestFlows(t *testing.T) {
	for _, fc := range flowCases() {
		for _, p := range cst.Profiles {
			t.Run(fc.name+"/"+p.String(), func(t *testing.T) {
				cookie, bearer := fc.cfg()
				api := newTestAPI(fc.api, cookie, bearer)
				b := cst.New(p)
				b.Serve(strings.TrimPrefix(strings.TrimPrefix(fc.api, "https://"), "http://"), api)
				out := sessionFlow(fc.front, fc.api, fc.login).Run(b)
				want := fc.want[p]
				if want == "" {
					want = "works"
				}
				if got := verdict(out); got != want {
					t.Errorf("verdict %s, want %s", got, want)
				}
				if got := firstRefusal(out); got != fc.refused[p] {
					t.Errorf("first refusal %q, want %q", got, fc.refused[p])
				}
				if t.Failed() {
					for _, o := range out {
						t.Log(o)
					}
				}
				// What the library said (X-Crosssession-Debug, Development)
				// matches what the client's engine did.
				for _, o := range out {
					checkDebugHeader(t, o)
				}
			})
		}
	}
}

// checkDebugHeader: when the client refused a cookie a response set and
// the library explained that response in X-Crosssession-Debug, they give
// the same reason code.
func checkDebugHeader(t *testing.T, o cst.Outcome) {
	t.Helper()
	if o.Response == nil {
		return
	}
	for _, ex := range o.Response.Trace {
		debug := ex.ResponseHeader.Get("X-Crosssession-Debug")
		if debug == "" || !strings.HasPrefix(debug, "cookie-") {
			continue
		}
		code, _, _ := strings.Cut(debug, ":")
		found := false
		for _, r := range o.Refused {
			found = found || r.Stage == cst.StageSet && r.URL == ex.URL && r.Reason == code
		}
		if !found {
			t.Errorf("%s: the library said %q, the client refused %v", o.Step, debug, o.Refused)
		}
	}
}

// TestHandoffLocation checks the redirect login's navigation: the page
// ends on the front end with the code in the fragment, and redeeming it
// removes the fragment (history.replaceState).
func TestHandoffLocation(t *testing.T) {
	const front, apiOrigin = "https://myapp.vercel.app", "https://api.example.com"
	cfg := crosssession.Prod(testKey(), front)
	b := cst.New(cst.Chromium)
	b.Serve("api.example.com", newTestAPI(apiOrigin, cfg, nil))
	spa := b.Open(front + "/")
	res := spa.SubmitForm(apiOrigin+"/users/session?crosssession="+spa.StartLogin(), url.Values{"user": {"alice"}, "return": {front + "/"}})
	if res.Err != nil || res.Status != 0 && !strings.HasPrefix(spa.Hash(), "#crosssession=") {
		t.Fatalf("login: %d %v, page at %s", res.Status, res.Err, spa.URL())
	}
	if spa.Origin() != front || !res.Redirected {
		t.Errorf("page at %s, want the front end after a redirect", spa.URL())
	}
	post := res.Trace[0].RequestHeader
	if post.Get("Origin") != front || post.Get("Sec-Fetch-Site") != "cross-site" || post.Get("Sec-Fetch-Mode") != "navigate" {
		t.Errorf("form POST sent %v", post)
	}
	if len(res.Trace) != 2 || res.Trace[1].Method != "GET" || res.Trace[1].RequestHeader.Get("Origin") != "" {
		t.Errorf("the 303 should become a GET without Origin: %+v", res.Trace)
	}
	if r := spa.RedeemHandoff(apiOrigin + "/users/session"); r == nil || r.Status != 200 {
		t.Fatalf("redeem: %+v", r)
	}
	if spa.Hash() != "" || spa.URL() != front+"/" {
		t.Errorf("after redeeming the page is at %s", spa.URL())
	}
	if again := spa.RedeemHandoff(apiOrigin + "/users/session"); again != nil {
		t.Errorf("a second redeem without a code made a request")
	}
	cs := b.Cookies(apiOrigin+"/", spa.Site())
	if len(cs) != 1 || cs[0].Name != "__Host-session" || cs[0].Partition != front || !cs[0].Partitioned {
		t.Errorf("jar: %+v", cs)
	}
}

// TestBearerRoute: a Bearer route is called without credentials and with
// the token in Authorization (preflighted); called with credentials it
// fails the CORS check, since Bearer sends no Access-Control-Allow-Credentials.
func TestBearerRoute(t *testing.T) {
	const front, apiOrigin = "https://myapp.vercel.app", "https://api.example.com"
	for _, p := range cst.Profiles {
		bearer := crosssession.Bearer(front)
		api := newTestAPI(apiOrigin, crosssession.Prod(testKey(), front), &bearer)
		b := cst.New(p)
		b.Serve("api.example.com", api)
		spa := b.Open(front + "/")
		login := spa.Fetch(apiOrigin+"/users/session", cst.Init{Method: "POST", Credentials: cst.Include, Headers: json,
			Body: `{"user":"alice"}`})
		tok, _, _ := strings.Cut(strings.TrimPrefix(login.Body, `{"token":"`), `"`)
		if login.Status != 200 || len(tok) != 32 {
			t.Fatalf("%s: login %d %s %v", p, login.Status, login.Body, login.Err)
		}
		auth := map[string]string{"Authorization": "Bearer " + tok}
		notes := spa.Fetch(apiOrigin+"/api/notes", cst.Init{Headers: auth})
		if notes.Status != 200 || notes.Body != `{"user":"alice"}` {
			t.Errorf("%s: notes %d %s %v", p, notes.Status, notes.Body, notes.Err)
		}
		if len(notes.Trace) != 2 || !notes.Trace[0].Preflight ||
			notes.Trace[0].RequestHeader.Get("Access-Control-Request-Headers") != "authorization" ||
			notes.Trace[1].RequestHeader.Get("Cookie") != "" {
			t.Errorf("%s: notes trace %+v", p, notes.Trace)
		}
		withCreds := spa.Fetch(apiOrigin+"/api/notes", cst.Init{Headers: auth, Credentials: cst.Include})
		if withCreds.CORSError == nil || withCreds.CORSError.Kind != "PreflightInvalidAllowCredentials" {
			t.Errorf("%s: notes with credentials: %v", p, withCreds.Err)
		}
		// Without credentials the session route sees no cookie, and the
		// client says why.
		anon := spa.Fetch(apiOrigin+"/users/session", cst.Init{})
		if p != cst.WebKit && (anon.Status != 401 || len(anon.Refused) != 1 || anon.Refused[0].Reason != cst.ReasonNoCookie) {
			t.Errorf("%s: who-am-I without credentials: %d %v", p, anon.Status, anon.Refused)
		}
	}
}

// TestCSRFAttackPages: pages not on the list cannot change state with the
// victim's session, whether their fetch is simple (the server refuses it
// with 403 and the page gets a CORS error), preflighted (the preflight
// fails) or a form POST (403). The same-site attacker's requests carry
// the cookie (SameSite does not stop them); the partition attacker shares
// the victim's CHIPS partition.
func TestCSRFAttackPages(t *testing.T) {
	cases := []struct {
		name, front, evil, apiOrigin string
		prod                         bool
		// fetchCookie is whether the attacker's fetch carried the
		// victim's cookie, per profile (missing: false).
		fetchCookie map[cst.Profile]bool
		formCookie  bool
	}{
		{name: "dev-cross-site", front: "http://localhost:3000", evil: "http://evil.example.net:4000",
			apiOrigin: "http://localhost:3001"},
		{name: "dev-same-site", front: "http://localhost:3000", evil: "http://localhost:4000",
			apiOrigin: "http://localhost:3001", formCookie: true,
			fetchCookie: map[cst.Profile]bool{cst.Chromium: true, cst.ChromiumThirdPartyAllowed: true, cst.Firefox: true, cst.WebKit: true}},
		{name: "prod-cross-site", front: "https://myapp.vercel.app", evil: "https://evil.example.net",
			apiOrigin: "https://api.example.com", prod: true},
		{name: "prod-partition", front: "https://myapp.vercel.app", evil: "https://myapp.vercel.app:8443",
			apiOrigin: "https://api.example.com", prod: true,
			fetchCookie: map[cst.Profile]bool{cst.Chromium: true, cst.ChromiumThirdPartyAllowed: true, cst.Firefox: true}},
	}
	for _, c := range cases {
		for _, p := range cst.Profiles {
			cfg := crosssession.Dev(c.front)
			if c.prod {
				cfg = crosssession.Prod(testKey(), c.front)
			}
			api := newTestAPI(c.apiOrigin, cfg, nil)
			b := cst.New(p)
			b.Serve(strings.TrimPrefix(strings.TrimPrefix(c.apiOrigin, "https://"), "http://"), api)
			victim := b.Open(c.front + "/")
			victim.Fetch(c.apiOrigin+"/users/session", cst.Init{Method: "POST", Credentials: cst.Include, Headers: json,
				Body: `{"user":"alice"}`})
			evil := b.Open(c.evil + "/")
			simple := evil.Fetch(c.apiOrigin+"/users/session/transfer", cst.Init{Method: "POST", Credentials: cst.Include,
				Body: "amount=1000"})
			if simple.CORSError == nil || simple.CORSError.Kind != "MissingAllowOriginHeader" ||
				simple.CORSError.Reason != "origin-not-allowed" || simple.Trace[0].Status != 403 {
				t.Errorf("%s/%s: simple attack: %v %+v", c.name, p, simple.Err, simple.Trace)
			}
			if got := simple.Sent() != ""; got != c.fetchCookie[p] {
				t.Errorf("%s/%s: the attack fetch carried a cookie: %v, want %v", c.name, p, got, c.fetchCookie[p])
			}
			preflighted := evil.Fetch(c.apiOrigin+"/users/session/transfer", cst.Init{Method: "POST",
				Credentials: cst.Include, Headers: json, Body: `{"amount":1000}`})
			if preflighted.CORSError == nil || preflighted.CORSError.Kind != "PreflightMissingAllowOriginHeader" ||
				len(preflighted.Trace) != 1 {
				t.Errorf("%s/%s: preflighted attack: %v", c.name, p, preflighted.Err)
			}
			form := evil.SubmitForm(c.apiOrigin+"/users/session/transfer", url.Values{"amount": {"1000"}})
			if form.Status != 403 {
				t.Errorf("%s/%s: form attack: %d %v", c.name, p, form.Status, form.Err)
			}
			if got := form.Sent() != ""; got != c.formCookie {
				t.Errorf("%s/%s: the attack form carried a cookie: %v", c.name, p, got)
			}
			if n := api.transfers.Load(); n != 0 {
				t.Errorf("%s/%s: the transfer ran %d times", c.name, p, n)
			}
			// The victim's own page still works.
			ok := victim.Fetch(c.apiOrigin+"/users/session/transfer", cst.Init{Method: "POST", Credentials: cst.Include,
				Headers: json, Body: `{"amount":1}`})
			if ok.Status != 200 || api.transfers.Load() != 1 {
				t.Errorf("%s/%s: the front end's own transfer: %d %v", c.name, p, ok.Status, ok.Err)
			}
		}
	}
}
