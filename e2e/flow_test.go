package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A cell is one scenario run in one engine and profile. The flow records
// each step (what the page saw and what the API received), and the cell
// keeps the diagnostics for the table.
type cell struct {
	t        *testing.T
	p        page
	ports    map[int]string // port -> its name in the table (P, Q, R…)
	apis     []*scenarioAPI
	steps    []stepRecord
	jar      string
	said     []string
	outcome  string // the first failure, or "works"; attack and control cells have their own words
	control  string // attack cells: what the allowed front end's own transfer got
	extraLog []string
}

type stepRecord struct {
	name   string
	page   string // what the page saw
	hits   []hit  // what the API received during the step
	logs   []logLine
	engine []cookieEvent // what the engine said about the session cookie during the step
}

// name gives a port its placeholder in the table, so that the generated
// tables do not change from run to run.
func (c *cell) name(port int, placeholder string) {
	c.ports[port] = placeholder
}

// portOf returns the port of an origin.
func portOf(origin string) int {
	u, err := url.Parse(origin)
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(u.Port())
	return p
}

// sanitize replaces the cell's ports by their placeholders.
func (c *cell) sanitize(s string) string {
	for port, name := range c.ports {
		s = strings.ReplaceAll(s, ":"+strconv.Itoa(port), ":"+name)
		s = strings.ReplaceAll(s, "%3A"+strconv.Itoa(port), "%3A"+name) // in a URL-encoded URL
	}
	return verifierParam.ReplaceAllString(s, "${1}V") // a login's random verifier
}

// verifierParam matches ?crosssession=<verifier> in a URL.
var verifierParam = regexp.MustCompile(`([?&]crosssession=)[A-Za-z0-9._~-]+`)

// fail records the first failure of the flow.
func (c *cell) fail(outcome string) {
	if c.outcome == "" {
		c.outcome = outcome
	}
}

// pageResult is what a fetch in the page gave.
type pageResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error"`
}

func (r pageResult) user() string {
	var b struct {
		User string `json:"user"`
	}
	_ = json.Unmarshal([]byte(r.Body), &b)
	return b.User
}

func (r pageResult) token() string {
	var b struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal([]byte(r.Body), &b)
	return b.Token
}

func (r pageResult) String() string {
	if r.Error != "" {
		return "threw " + r.Error
	}
	s := strconv.Itoa(r.Status)
	if u := r.user(); u != "" {
		s += " " + u
	}
	return s
}

// fetchIn runs fetch(url, opts) in the page.
func fetchIn(p page, url string, opts map[string]any) pageResult {
	r, err := evalAs[pageResult](p, fetchScript(url, opts))
	if err != nil {
		return pageResult{Error: "driver: " + err.Error()}
	}
	return r
}

var (
	withCredentials = map[string]any{"credentials": "include"}
	loginJSON       = map[string]any{"method": "POST", "credentials": "include",
		"headers": map[string]string{"Content-Type": "application/json"}, "body": `{"user":"alice"}`}
	logoutOpts = map[string]any{"method": "DELETE", "credentials": "include"}
)

// step runs f as the named step: every request the APIs receive meanwhile
// is recorded under that name.
func (c *cell) step(name string, f func() string) {
	for _, a := range c.apis {
		a.rec.setStep(name)
	}
	saw := f()
	rec := stepRecord{name: name, page: saw}
	for _, a := range c.apis {
		rec.hits = append(rec.hits, a.rec.hitsOf(name)...)
		_, logs := a.rec.snapshot()
		for _, l := range logs {
			if l.Step == name {
				rec.logs = append(rec.logs, l)
			}
		}
		a.rec.setStep("between steps")
		if !a.control {
			rec.engine = append(rec.engine, c.p.CookieEvents(a.origin, a.rec.cookie)...)
		}
	}
	c.steps = append(c.steps, rec)
}

// Login styles of the session flow.
const (
	loginFetch = "fetch" // fetch POST with credentials
	// loginForm is a form POST (top-level navigation) that ends with
	// crosssession.Handoff: 303 back to the SPA with a one-time code, which
	// the SPA page redeems on load (the README's line).
	loginForm = "form"
	// loginOAuth is a top-level navigation to the API and a callback that
	// sets the session and ends with crosssession.Handoff, as loginForm.
	loginOAuth = "oauth-like"
	// loginFormFirstParty is the CONTROL of the old way: the form POST's
	// own response sets the cookie (first-party, in a top-level
	// navigation) and 303s back without a code. It shows what Handoff is
	// for; no front end should log in like this cross-site.
	loginFormFirstParty = "form-first-party"
)

// sessionFlow is the flow of every session scenario, from the SPA at spa:
// an anonymous who-am-I, the login (in style), who-am-I, the bearer call
// (hybrid APIs), logout, and who-am-I after logout. Every step runs even
// after one fails, for the diagnostics; the outcome is the first failure.
func sessionFlow(c *cell, fe *frontEnd, spa string, api *scenarioAPI, style string, bearer bool) {
	who := api.origin + "/users/session"
	fe.setAPI(api.origin)
	if err := c.load(spa + "/"); err != nil {
		c.t.Fatalf("loading the SPA %s: %v", spa, err)
	}
	c.step("anon", func() string {
		r := fetchIn(c.p, who, withCredentials)
		if r.Status != 401 {
			c.fail("anon-not-401")
		}
		return r.String()
	})
	token := ""
	c.step("login", func() string {
		switch style {
		case loginFetch:
			r := fetchIn(c.p, who, loginJSON)
			var b struct {
				Token string `json:"token"`
			}
			_ = json.Unmarshal([]byte(r.Body), &b)
			token = b.Token
			if r.Status != 200 || token == "" {
				c.fail("login-failed")
			}
			return r.String()
		case loginForm, loginFormFirstParty:
			fields := [][2]string{{"user", "alice"}, {"return", spa}}
			if style == loginFormFirstParty {
				fields = append(fields, [2]string{"first_party", "1"})
			}
			return c.navigateLogin(spa, formScriptLogin(who, fields, style == loginForm))
		case loginOAuth:
			start := api.origin + "/users/session/oauth/start?return=" + url.QueryEscape(spa)
			return c.navigateLogin(spa, navigateScript(start, true))
		}
		panic("unknown login style " + style)
	})
	c.step("whoami", func() string {
		r := fetchIn(c.p, who, withCredentials)
		if r.Status != 200 || r.user() != "alice" {
			c.fail("no-session")
		}
		if token == "" {
			token = r.token() // a login by redirect: the session holds the SPA's bearer token
		}
		return r.String()
	})
	c.readJar(hostOf(api.origin))
	if bearer {
		c.step("bearer", func() string {
			r := fetchIn(c.p, api.origin+"/api/notes", map[string]any{
				"headers": map[string]string{"Authorization": "Bearer " + token}})
			if r.Status != 200 || r.user() != "alice" {
				c.fail("bearer-failed")
			}
			return r.String()
		})
	}
	c.step("logout", func() string {
		r := fetchIn(c.p, who, logoutOpts)
		if r.Status/100 != 2 {
			c.fail("logout-failed")
		}
		return r.String()
	})
	c.step("after-logout", func() string {
		r := fetchIn(c.p, who, withCredentials)
		if r.Status != 401 {
			c.fail("session-survived-logout")
		}
		return r.String()
	})
	c.said = append(c.said, c.p.EngineSaid(api.origin))
	if c.outcome == "" {
		c.outcome = "works"
	}
}

// navigateLogin runs a login that leaves the SPA (trigger starts the
// navigation) and waits until the API has sent the browser back to
// spa/after-login and the page has run its Handoff redeem (window.handoff
// is "done"). The token stays "": a login by redirect leaves the bearer
// token in the session, for who-am-I.
func (c *cell) navigateLogin(spa, trigger string) string {
	_, err := follow(c.p, trigger, spa+"/after-login")
	if err != nil {
		c.fail("login-failed")
		// Show where the browser ended up, e.g. an API error page.
		body, _ := evalAs[string](c.p, jsBodyText)
		return fmt.Sprintf("never came back (%v); page shows %q", err, body)
	}
	state := ""
	deadline := time.Now().Add(navTimeout)
	for time.Now().Before(deadline) {
		state, _ = evalAs[string](c.p, jsHandoffState)
		if state != "running" && state != "undefined" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if state != "done" {
		c.fail("login-failed")
		return "back at /after-login, but the page's Handoff redeem did not finish: " + state
	}
	if now, _ := evalAs[string](c.p, jsLocation); strings.Contains(now, "#") {
		c.fail("login-failed")
		return "back at " + c.sanitize(now) + ": the fragment stayed"
	}
	return "back at /after-login, redeem line run"
}

// load navigates the page to a front-end page (no session yet, or the
// flow's own SPA again), once more if the first try got no answer: on a
// loaded CI machine a navigation can outlast opTimeout, and loading the
// page again changes nothing the cell measures.
func (c *cell) load(url string) error {
	err := c.p.Navigate(url)
	if err != nil {
		c.t.Logf("loading %s: %v; trying once more", url, err)
		err = c.p.Navigate(url)
	}
	return err
}

// readJar notes what the engine holds for host, where it can tell.
func (c *cell) readJar(host string) {
	cs, err := c.p.Cookies(host)
	switch {
	case err == errNoJar:
		c.jar = "(not listed by this engine)"
	case err != nil:
		c.jar = "(error: " + err.Error() + ")"
	case len(cs) == 0:
		c.jar = "none for " + host
	default:
		var s []string
		for _, ck := range cs {
			s = append(s, ck.String())
		}
		slices.Sort(s)
		c.jar = host + ": " + strings.Join(s, ", ")
	}
}

// attackFlow logs the victim in from the allowed SPA, then loads the
// attacker's page, which tries to change state on the API with a simple
// credentialed fetch POST, a preflighted JSON POST and an auto-submitted
// form POST. The outcome says whether the server refused each and whether
// the victim's cookie came along (the API's own record), and the handler
// count must stay 0.
func attackFlow(c *cell, spa string, api *scenarioAPI, attacker string) {
	target := api.origin + "/users/session/transfer"
	if err := c.load(spa + "/"); err != nil {
		c.t.Fatalf("loading the SPA: %v", err)
	}
	victim := ""
	c.step("victim-login", func() string {
		r := fetchIn(c.p, api.origin+"/users/session", loginJSON)
		w := fetchIn(c.p, api.origin+"/users/session", withCredentials)
		victim = w.user()
		return "login " + r.String() + ", who-am-I " + w.String()
	})
	c.readJar(hostOf(api.origin))
	if err := c.load(attacker + "/"); err != nil {
		c.t.Fatalf("loading the attacker's page: %v", err)
	}
	c.step("attack-fetch", func() string {
		return fetchIn(c.p, target, map[string]any{"method": "POST", "credentials": "include",
			"headers": map[string]string{"Content-Type": "text/plain"}, "body": "to=attacker&amount=1000"}).String()
	})
	c.step("attack-json", func() string {
		return fetchIn(c.p, target, map[string]any{"method": "POST", "credentials": "include",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": `{"to":"attacker","amount":1000}`}).String()
	})
	c.step("attack-form", func() string {
		if _, err := c.p.Eval(formScript(target, [][2]string{{"to", "attacker"}})); err != nil {
			return "could not submit: " + err.Error()
		}
		// The server's record is the evidence: wait for the POST to arrive.
		deadline := time.Now().Add(navTimeout)
		for time.Now().Before(deadline) {
			if slices.ContainsFunc(api.rec.hitsOf("attack-form"), func(h hit) bool { return h.Method == "POST" }) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		loc, err := waitLocation(c.p, target, navTimeout)
		if err != nil {
			return "navigated, location " + loc
		}
		return "navigated to the API's answer"
	})
	// Control: the allowed front end's own transfer, with the victim's
	// session (fails where the engine never kept the victim's cookie).
	if err := c.load(spa + "/"); err != nil {
		c.t.Fatalf("loading the SPA: %v", err)
	}
	ranBefore := api.transfers.Load()
	c.step("control-transfer", func() string {
		r := fetchIn(c.p, target, map[string]any{"method": "POST", "credentials": "include",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": `{"to":"friend","amount":1}`})
		return r.String()
	})
	c.control = fmt.Sprintf("victim who-am-I %q; allowed front end's transfer ran %d time(s)", victim, api.transfers.Load()-ranBefore)
	c.said = append(c.said, c.p.EngineSaid(api.origin))

	if ranBefore > 0 {
		c.outcome = fmt.Sprintf("handler ran %d times", ranBefore)
		return
	}
	var parts []string
	refused := true
	for _, s := range []struct{ step, label string }{{"attack-fetch", "fetch"}, {"attack-form", "form"}} {
		h, ok := firstPOST(api.rec.hitsOf(s.step))
		switch {
		case !ok:
			parts = append(parts, s.label+": never reached the API")
			refused = false
		case h.Status != 403:
			parts = append(parts, fmt.Sprintf("%s: %d", s.label, h.Status))
			refused = false
		case h.CookieIn:
			parts = append(parts, s.label+": cookie")
		default:
			parts = append(parts, s.label+": no cookie")
		}
	}
	if _, ok := firstPOST(api.rec.hitsOf("attack-json")); ok {
		parts = append(parts, "preflighted POST was sent")
		refused = false
	}
	word := "refused"
	if !refused {
		word = "NOT refused"
	}
	c.outcome = word + " (" + strings.Join(parts, ", ") + ")"
}

func firstPOST(hs []hit) (hit, bool) {
	for _, h := range hs {
		if h.Method == "POST" {
			return h, true
		}
	}
	return hit{}, false
}
