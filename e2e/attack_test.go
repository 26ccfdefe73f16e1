package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
)

// An attacker is a page on an origin the API does not list.
type attacker struct {
	label  string // for the matrix, e.g. "f-dev-evil"
	origin string
	// carriesCookie says the browser attaches the victim's session cookie
	// to the attacker's credentialed fetch, so the CSRF check is the only
	// thing that can stop it. The test checks that Chromium really sent it.
	carriesCookie bool
	why           string
}

// attackOutcome is what one attacker achieved.
type attackOutcome struct {
	simple, preflighted, form string // what happened, for the report
}

// TestCSRFAttackPage logs a victim in from the allowed front end, then loads
// attacker pages in the same browser context that try to change state on
// the API with (1) credentialed fetch POSTs and (2) an auto-submitted HTML
// form POST. The handler must never run: crosssession answers unsafe
// requests from unlisted origins with 403 before any handler.
func TestCSRFAttackPage(t *testing.T) {
	requireChromium(t)

	t.Run("dev", func(t *testing.T) {
		front := origin("http", "localhost", serve(t, frontend("bank front end"), false))
		evil := origin("http", "evil.test", serve(t, frontend("evil page"), false))
		sameSite := origin("http", "localhost", serve(t, frontend("unlisted localhost page"), false))
		api := startAPI(t, crosssession.Dev(front), "http", "localhost")
		tb := newTab(t)
		runAttacks(t, tb, api, front, "Dev("+front+") API "+api.origin, []attacker{
			{label: "f-dev-evil", origin: evil, why: "cross-site: the Lax cookie is not sent anyway"},
			{label: "f-dev-samesite", origin: sameSite, carriesCookie: true,
				why: "same-site unlisted origin: the Lax cookie IS sent, only the CSRF check stands"},
		})
	})

	t.Run("prod_cross_site", func(t *testing.T) {
		front := origin("https", "app.test", serve(t, frontend("bank front end"), true))
		evil := origin("https", "evil.test", serve(t, frontend("evil page"), true))
		// Same host as the front end on another port: same site, so the same
		// CHIPS partition (https://app.test), hence the partitioned session
		// cookie is attached to its cross-site fetches.
		sibling := origin("https", "app.test", serve(t, frontend("unlisted app.test page"), true))
		api := startAPI(t, crosssession.Prod(randomKey(t), front), "https", "api.other.test")
		tb := newTab(t)
		runAttacks(t, tb, api, front, "Prod("+front+") API "+api.origin, []attacker{
			{label: "f-prod-evil", origin: evil, why: "cross-site, other top-level site: the partitioned cookie is not sent"},
			{label: "f-prod-partition", origin: sibling, carriesCookie: true,
				why: "unlisted origin in the front end's site: the partitioned SameSite=None cookie IS sent, only the CSRF check stands"},
		})
	})
}

func runAttacks(t *testing.T, tb *tab, api *testAPI, front, setup string, attackers []attacker) {
	t.Helper()
	tb.navigate(front + "/")
	victim := loginFlow(tb, api.origin, "victim")
	tb.net.settle(2 * time.Second)
	if !victim.works("victim") {
		t.Fatalf("the victim could not log in from %s, so the attack proves nothing: %s\nChromium: %s\n%s",
			front, victim, tb.net.reasons(api.origin), tb.net.dump(api.origin))
	}
	t.Logf("victim logged in from %s: %s; jar %s", front, victim, tb.jar(hostOf(api.origin)))

	for _, a := range attackers {
		mark := tb.net.mark()
		out := attack(t, tb, api, a)
		ran := api.transfers.Load()
		chromium := tb.net.reasonsFrom(mark, api.origin)
		t.Logf("attack from %s (%s):\n  simple fetch POST: %s\n  preflighted fetch POST: %s\n  form POST: %s\n  handler ran %d times\n  Chromium network events:\n%s",
			a.origin, a.why, out.simple, out.preflighted, out.form, ran, tb.net.dumpFrom(mark, api.origin))
		report(t, cellResult{
			cell:     a.label,
			setup:    "attack page " + a.origin + " -> " + setup + " (" + a.why + ")",
			expected: "refused, /transfer handler never runs",
			got: fmt.Sprintf("fetch: %s; JSON fetch: %s; form: %s; handler ran %d times",
				out.simple, out.preflighted, out.form, ran),
			chromium: chromium,
		})
		if ran != 0 {
			t.Errorf("attack from %s changed state: the /transfer handler ran %d times\nChromium: %s\n%s",
				a.origin, ran, chromium, tb.net.dumpFrom(mark, api.origin))
		}
	}

	// Control: the allowed front end can transfer, so the zero above means
	// the attacks were refused, not that the endpoint is broken.
	tb.navigate(front + "/")
	mark := tb.net.mark()
	got := eval[string](tb, `(async (api) => {
  try {
    const r = await fetch(api + '/transfer', {method: 'POST', credentials: 'include',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify({to: 'friend', amount: 1})});
    return r.status + ' ' + await r.text();
  } catch (e) { return String(e); }
})(`+jsString(api.origin)+`)`)
	tb.net.settle(2 * time.Second)
	if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, `"user":"victim"`) || api.transfers.Load() != 1 {
		t.Errorf("control: the allowed front end's transfer should succeed with the victim's session; got %s (handler ran %d times)\nChromium: %s\n%s",
			got, api.transfers.Load(), tb.net.reasonsFrom(mark, api.origin), tb.net.dumpFrom(mark, api.origin))
	} else {
		t.Logf("control: transfer from the allowed front end %s: %s", front, got)
	}
}

// attack runs the three attacks of one attacker page and checks each one
// reached no handler. It fails the test for any sign that an attack got
// further than the 403.
func attack(t *testing.T, tb *tab, api *testAPI, a attacker) attackOutcome {
	t.Helper()
	target := api.origin + "/transfer"
	var out attackOutcome
	tb.navigate(a.origin + "/")

	// (1a) A "simple" cross-origin request: no preflight, so the browser
	// sends it, cookies included where its rules allow. This is the
	// dangerous one: only the server can refuse it.
	mark := tb.net.mark()
	refusedBefore := api.refused.Load()
	js := eval[string](tb, `(async (url) => {
  try {
    const r = await fetch(url, {method: 'POST', credentials: 'include',
      headers: {'Content-Type': 'text/plain'}, body: 'to=attacker&amount=1000'});
    return 'page read status ' + r.status;
  } catch (e) { return 'page got ' + String(e); }
})(`+jsString(target)+`)`)
	tb.net.settle(2 * time.Second)
	req, ok := tb.net.find(mark, "POST", target)
	out.simple = describe(req, ok, js)
	// The server's own count is the evidence; the browser's events only
	// explain it (they can arrive after settle on a busy machine).
	if !ok || req.status != 403 {
		out.simple += fmt.Sprintf(" [server: %d refused]", api.refused.Load()-refusedBefore)
	}
	if api.refused.Load() == refusedBefore {
		t.Errorf("attack from %s: the simple credentialed fetch POST should reach the API and get 403; %s\n%s",
			a.origin, out.simple, tb.net.dumpFrom(mark, api.origin))
	}
	if a.carriesCookie && !slices.ContainsFunc(req.sent, func(s string) bool { return strings.Contains(s, "session") }) {
		t.Errorf("attack from %s: expected Chromium to attach the victim's session cookie (%s), so that the CSRF check is "+
			"what refuses it; it did not: %s\n%s", a.origin, a.why, out.simple, tb.net.dumpFrom(mark, api.origin))
	}

	// (1b) A JSON POST: the browser preflights it, the API gives an
	// unlisted origin no CORS headers, so the POST itself is never sent.
	mark = tb.net.mark()
	js = eval[string](tb, `(async (url) => {
  try {
    const r = await fetch(url, {method: 'POST', credentials: 'include',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify({to: 'attacker', amount: 1000})});
    return 'page read status ' + r.status;
  } catch (e) { return 'page got ' + String(e); }
})(`+jsString(target)+`)`)
	tb.net.settle(2 * time.Second)
	req, ok = tb.net.find(mark, "POST", target)
	out.preflighted = describe(req, ok, js)
	if ok && req.status/100 == 2 {
		t.Errorf("attack from %s: the preflighted POST got %d\n%s", a.origin, req.status, tb.net.dumpFrom(mark, api.origin))
	}
	if !strings.HasPrefix(js, "page got ") {
		t.Errorf("attack from %s: the page could read the preflighted POST's response: %s", a.origin, js)
	}

	// (2) An auto-submitted HTML form: a top-level cross-origin POST
	// navigation, which needs no CORS at all.
	mark = tb.net.mark()
	formPage := a.origin + "/attack-form?action=" + url.QueryEscape(target)
	if _, err := tryEval[string](tb, "location.href = "+jsString(formPage)); err != nil {
		t.Logf("starting the form attack: %v (the page may already be navigating)", err)
	}
	req, ok = waitFor(tb, mark, "POST", target, 10*time.Second)
	body := "(not read)"
	for range 20 {
		loc, err := tryEval[string](tb, "location.href")
		if err == nil && strings.HasPrefix(loc, target) {
			if txt, err := tryEval[string](tb, "document.body ? document.body.innerText : ''"); err == nil {
				body = strings.TrimSpace(txt)
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	out.form = describe(req, ok, "page shows "+jsonQuote(body))
	if !ok || req.status != 403 {
		t.Errorf("attack from %s: the form POST should reach the API and get 403; %s\n%s",
			a.origin, out.form, tb.net.dumpFrom(mark, ""))
	}
	return out
}

// waitFor waits until the request is recorded and finished.
func waitFor(tb *tab, mark int, method, prefix string, d time.Duration) (netReq, bool) {
	deadline := time.Now().Add(d)
	for {
		r, ok := tb.net.find(mark, method, prefix)
		if ok && r.done && (r.respExtra || r.failed != "") {
			tb.net.settle(time.Second)
			return tb.net.find(mark, method, prefix)
		}
		if time.Now().After(deadline) {
			return r, ok
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// describe says in one line what became of an attack request.
func describe(r netReq, ok bool, page string) string {
	if !ok {
		return "never sent (" + page + ")"
	}
	if r.status == 0 {
		// Recorded by the page but never answered: the browser did not
		// send it (a failed preflight) or the connection failed.
		s := "not sent to the API"
		if r.cors != "" {
			s += ", CORS " + r.cors
		} else if r.failed != "" {
			s += ", " + r.failed
		}
		return s + "; " + page
	}
	var p []string
	p = append(p, "API answered "+status(r.status))
	if len(r.sent) > 0 {
		p = append(p, "cookie sent: "+strings.Join(r.sent, ", "))
	} else {
		p = append(p, "no cookie sent")
	}
	if len(r.held) > 0 {
		p = append(p, "held back: "+strings.Join(r.held, ", "))
	}
	if r.cors != "" {
		p = append(p, "CORS "+r.cors)
	} else if r.failed != "" {
		p = append(p, r.failed)
	}
	return strings.Join(p, ", ") + "; " + page
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jsonQuote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return jsString(s)
}
