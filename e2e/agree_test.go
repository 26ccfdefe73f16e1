package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The test client (crosssessiontest) against the engines: every cell the
// engines run is played again in the test client of the same profile, as
// written (the scenario's own code, its own servers, the same names,
// schemes and TLS; clientpage_test.go), and the client's cell is compared
// with the engine's, step by step, with what the engine did in the same
// run (its recorded cell; the engine is not started again). The suite
// fails on any disagreement, and TABLE-<engine>.md counts them.

// An agreement is the test client's cell next to the engine's.
type agreement struct {
	client   cellRecord
	problems []string // disagreements; none when the client agrees
	ran      bool     // the client's cell finished
}

func (a *agreement) agrees() bool { return a != nil && a.ran && len(a.problems) == 0 }

// runClientCell plays sc in the test client of the profile id.
func runClientCell(t *testing.T, id string, sc scenario) cellRecord {
	prof, ok := clientProfile(id)
	if !ok {
		t.Fatalf("the test client has no profile %q", id)
	}
	p := newClientPage(t, prof)
	defer p.Close()
	c := &cell{t: t, p: p, ports: map[int]string{}}
	sc.run(c)
	return newCellRecord(sc, id, c)
}

// clientAgreement plays the engine's cell rec in the test client of the
// same profile and compares them; a disagreement fails t's subtest
// "test-client" with both sides.
func clientAgreement(t *testing.T, sc scenario, rec cellRecord) *agreement {
	a := &agreement{}
	t.Run("test-client", func(t *testing.T) {
		a.client = runClientCell(t, rec.engine, sc)
		a.problems = compareWithClient(rec, a.client)
		a.ran = true
		if len(a.problems) > 0 {
			t.Errorf("cell %s × %s: the test client disagrees with the engine:\n  %s\n%s",
				sc.name, rec.engine, strings.Join(a.problems, "\n  "), bothSides(rec, a.client))
		}
	})
	if !a.ran {
		a.problems = append(a.problems, "the test client's cell did not finish (see the test log)")
	}
	return a
}

// bothSides prints the engine's cell and the client's, step by step.
func bothSides(engine, client cellRecord) string {
	return fmt.Sprintf("engine %s:\n  observed %q\n%stest client (%s profile):\n  observed %q\n%s",
		engine.engine, engine.observed, engine.detail(), client.engine, client.observed, client.detail())
}

// compareWithClient compares an engine's cell with the test client's: the
// outcome; per step, what the page saw (its status, or that the promise
// rejected: the engines word the TypeError each their own way), every
// request as the API received it (method, path, status, Origin,
// Sec-Fetch-Site, whether the session cookie came, whether the response
// set or expired it, a Handoff code, the redirect, the library's
// X-Crosssession-Debug codes), and, where the engine says it, which
// Set-Cookie lines it refused and which stored cookies it held back, with
// the reason codes where both give one.
func compareWithClient(engine, client cellRecord) []string {
	var problems []string
	if engine.observed != client.observed {
		problems = append(problems, fmt.Sprintf("outcome: engine %q, test client %q", engine.observed, client.observed))
	}
	if engine.control != client.control {
		problems = append(problems, fmt.Sprintf("control: engine %q, test client %q", engine.control, client.control))
	}
	names := func(r cellRecord) []string {
		var out []string
		for _, s := range r.steps {
			out = append(out, s.name)
		}
		return out
	}
	if en, cn := names(engine), names(client); !slices.Equal(en, cn) {
		return append(problems, fmt.Sprintf("steps: engine %v, test client %v", en, cn))
	}
	for i, es := range engine.steps {
		cs := client.steps[i]
		if e, c := pageView(engine.sanitize(es.page)), pageView(client.sanitize(cs.page)); e != c {
			problems = append(problems, fmt.Sprintf("%s: the page saw %q in the engine, %q in the test client", es.name, e, c))
		}
		eh, ch := hitViews(engine, es), hitViews(client, cs)
		for j := range max(len(eh), len(ch)) {
			e, c := "(none)", "(none)"
			if j < len(eh) {
				e = eh[j]
			}
			if j < len(ch) {
				c = ch[j]
			}
			if e != c {
				problems = append(problems, fmt.Sprintf("%s: request %d as the API got it: engine %s; test client %s", es.name, j+1, e, c))
			}
		}
		problems = append(problems, compareRefusals(engine.engine, es, cs)...)
	}
	er, _, ef, et := engineRefusedCookie(engine)
	cr, _, cf, ct := engineRefusedCookie(client)
	if er != cr || er && (ef != cf || et != ct) {
		problems = append(problems, fmt.Sprintf("the session cookie refused (API's record): engine %v (steps %d-%d), test client %v (steps %d-%d)",
			er, ef, et, cr, cf, ct))
	}
	return problems
}

// pageView is what a step's page saw, with a rejected fetch's message
// left out.
func pageView(s string) string {
	if strings.HasPrefix(s, "threw ") {
		return "threw (a TypeError)"
	}
	return s
}

// hitViews are the step's requests as the API received them, the ports
// named.
func hitViews(r cellRecord, s stepRecord) []string {
	var out []string
	for _, h := range s.hits {
		// A redirect's URL may carry a front end's origin as a query
		// value (the OAuth-like state): its port is named too.
		out = append(out, r.sanitize(strings.ReplaceAll(h.String(), "%3A", ":")))
	}
	return out
}

// An engine's refusal, in the terms both sides share.
type refusalView struct {
	request string // "METHOD /path"; Firefox: "/path"
	kind    string // evRefused or evNotSent
	expiry  bool
	codes   []string // crosssession's reason codes of the engine's words; nil where none maps
	words   string
}

func (v refusalView) String() string {
	s := v.request + ": " + v.kind
	if v.expiry {
		s += " (expiry)"
	}
	return s + " [" + v.words + "]"
}

// compareRefusals compares, for one step, the refusals the engine reported
// with the client's. Chromium reports every Set-Cookie line it refused
// (blockedCookies) and every stored cookie it held back
// (associatedCookies); Firefox the Set-Cookie lines it rejected (console,
// by URL only, expiries not told apart); WebKit nothing, so there the API's
// record alone is compared.
func compareRefusals(engineID string, es, cs stepRecord) []string {
	var kinds []string
	switch engineID {
	case chromiumDefault, chromium3PC:
		kinds = []string{evRefused, evNotSent}
	case firefoxDefault:
		kinds = []string{evRefused}
	default:
		return nil
	}
	firefox := engineID == firefoxDefault
	view := func(e cookieEvent, fromEngine bool) refusalView {
		v := refusalView{request: e.Request, kind: e.Kind, expiry: e.Expiry, words: e.Why}
		if firefox && !fromEngine {
			_, v.request, _ = strings.Cut(v.request, " ")
		}
		if firefox && fromEngine {
			// Firefox's console does not tell an expiry apart: the API's
			// record does (the response to that request expired the
			// cookie and set none).
			v.expiry = slices.ContainsFunc(es.hits, func(h hit) bool {
				return !h.Preflight && h.Path == e.Request && h.SetCookie == "expire"
			})
		}
		switch {
		case !fromEngine:
			v.codes = strings.Split(e.Why, ",")
		case firefox:
			if c := firefoxCode(e.Why); c != "" {
				v.codes = []string{c}
			}
		default:
			v.codes = chromiumCodes(e.Why)
		}
		return v
	}
	var ev, cv []refusalView
	for _, e := range es.engine {
		if slices.Contains(kinds, e.Kind) {
			ev = append(ev, view(e, true))
		}
	}
	for _, e := range cs.engine {
		if !slices.Contains(kinds, e.Kind) {
			continue
		}
		v := view(e, false)
		if !firefox && v.kind == evNotSent && v.codes[0] == "cookie-other-partition" {
			// Chromium keys its cookie lookup by partition: a cookie of
			// another partition is no candidate for the request, and
			// DevTools lists nothing about it. The API's record shows the
			// cookie did not come.
			continue
		}
		cv = append(cv, v)
	}
	var problems []string
	used := make([]bool, len(cv))
	for _, e := range ev {
		i := slices.IndexFunc(cv, func(c refusalView) bool { return c.request == e.request && c.kind == e.kind && c.expiry == e.expiry })
		for i >= 0 && used[i] {
			next := slices.IndexFunc(cv[i+1:], func(c refusalView) bool {
				return c.request == e.request && c.kind == e.kind && c.expiry == e.expiry
			})
			if next < 0 {
				i = -1
				break
			}
			i += 1 + next
		}
		if i < 0 && e.expiry && e.kind == evRefused {
			// A refused expiry deletes nothing; the client reports one
			// only where its jar holds a cookie of the name for the host
			// (CookieRefusal.Expiry), as crosssession's Logout expires both
			// variants of its cookie and one is always refused. Whether a
			// refused expiry left a cookie behind is in the API's record:
			// a request after it that still carried the cookie.
			continue
		}
		if i < 0 {
			problems = append(problems, fmt.Sprintf("%s: the engine said %s; the test client did not", es.name, e))
			continue
		}
		used[i] = true
		c := cv[i]
		// Where both give a reason: the client's first reason is one of
		// the engine's, and each of the engine's is among the client's.
		if len(e.codes) > 0 && (!slices.Contains(e.codes, c.codes[0]) || slices.ContainsFunc(e.codes, func(code string) bool {
			return !slices.Contains(c.codes, code)
		})) {
			problems = append(problems, fmt.Sprintf("%s: %s: the engine's reason %v (%s), the test client's %v",
				es.name, e.request, e.codes, e.words, c.codes))
		}
	}
	for i, c := range cv {
		if !used[i] {
			problems = append(problems, fmt.Sprintf("%s: the test client said %s; the engine did not", es.name, c))
		}
	}
	return problems
}

// chromiumCodes maps Chromium's DevTools cookie reasons (blockedReasons,
// comma-joined) to crosssession's reason codes; reasons with no code are
// left out.
func chromiumCodes(why string) []string {
	var out []string
	for r := range strings.SplitSeq(why, ",") {
		code := ""
		switch r = strings.TrimSpace(r); {
		case r == "UserPreferences" || r == "ThirdPartyPhaseout" || r == "ThirdPartyBlockedInFirstPartySet":
			code = "cookie-third-party"
		case strings.Contains(r, "SameSiteLax") || strings.Contains(r, "SameSiteStrict") ||
			strings.Contains(r, "SameSiteUnspecifiedTreatedAsLax"):
			code = "cookie-samesite-cross-site"
		case r == "SameSiteNoneInsecure":
			code = "cookie-samesite-none-insecure"
		case r == "SecureOnly":
			code = "cookie-secure-over-http"
		case r == "InvalidPrefix":
			code = "cookie-invalid-prefix"
		case r == "InvalidDomain":
			code = "cookie-invalid-domain"
		case r == "NameValuePairExceedsMaxSize":
			code = "cookie-too-large"
		case r == "PartitionedCookieInvalid":
			code = "cookie-invalid-partitioned"
		}
		if code != "" && !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	return out
}

// firefoxRejections maps Firefox's console messages about a rejected
// cookie to crosssession's reason codes.
var firefoxRejections = []struct {
	re   *regexp.Regexp
	code string
}{
	{regexp.MustCompile(`cross-site context and its “SameSite” is “Lax” or “Strict”`), "cookie-samesite-cross-site"},
	{regexp.MustCompile(`“SameSite=None” attribute but is missing the “secure” attribute`), "cookie-samesite-none-insecure"},
	{regexp.MustCompile(`(?i)invalid prefix`), "cookie-invalid-prefix"},
	{regexp.MustCompile(`(?i)partitioned.*secure`), "cookie-invalid-partitioned"},
	{regexp.MustCompile(`(?i)secure.*(http|insecure|non-secure)`), "cookie-secure-over-http"},
	{regexp.MustCompile(`(?i)invalid domain`), "cookie-invalid-domain"},
	{regexp.MustCompile(`(?i)too (big|large)`), "cookie-too-large"},
}

func firefoxCode(msg string) string {
	for _, r := range firefoxRejections {
		if r.re.MatchString(msg) {
			return r.code
		}
	}
	return ""
}

// TestClientScenarios plays every scenario in the test client, profile by
// profile, without the engines: each cell's outcome must be the engine's
// expected one (expect_test.go), and the library's diagnostics must agree
// with what the client did, as they must with the engines. TestEngines
// compares the client with the engines themselves.
func TestClientScenarios(t *testing.T) {
	for _, id := range allEngines {
		t.Run(id, func(t *testing.T) {
			for _, sc := range scenarios() {
				t.Run(sc.name, func(t *testing.T) {
					rec := runClientCell(t, id, sc)
					t.Logf("test client, %s profile: observed %q\n%s", id, rec.observed, rec.detail())
					want, ok := expect[sc.name][id]
					switch {
					case !ok:
						t.Errorf("no expectation for %s × %s", sc.name, id)
					case rec.observed != want.outcome:
						t.Errorf("test client: expected %q (the engine's expected outcome), observed %q\n%s",
							want.outcome, rec.observed, rec.detail())
					}
					if d := diagnose(rec); !d.agrees() {
						t.Errorf("the library's cookie diagnostics disagree with the test client:\n  %s\n%s",
							rec.sanitize(strings.Join(d.problems, "\n  ")), rec.detail())
					}
				})
			}
		})
	}
}

// clientCounts counts the cells where the test client agrees with the
// engine, of the cells the engine ran.
func (s *section) clientCounts() (agree, cells int) {
	for _, c := range s.cells {
		cells++
		if c.client.agrees() {
			agree++
		}
	}
	return agree, cells
}

// clientSummary is the engine's line about the test client, for the test
// log and CI.
func clientSummary(engineName string, sections []*section) string {
	agree, cells := 0, 0
	var per []string
	for _, s := range sections {
		a, n := s.clientCounts()
		agree, cells = agree+a, cells+n
		per = append(per, fmt.Sprintf("%s %d/%d", s.id, a, n))
	}
	return fmt.Sprintf("engine %s: test client agrees: %d/%d cells (%s)", engineName, agree, cells, strings.Join(per, ", "))
}

// clientCell is the table's test-client column for one cell.
func clientCell(c cellRecord) string {
	switch {
	case c.client == nil:
		return "not run"
	case c.client.agrees():
		return "agrees"
	}
	return "**DISAGREES**: " + strings.Join(c.client.problems, "\n")
}

// renderClientSection is the tables' last section: the test client's
// agreement per profile and every disagreement, with both sides.
func renderClientSection(sections []*section) string {
	var b strings.Builder
	b.WriteString("\n## Test client against the engine\n\n" +
		"Each cell played again in crosssessiontest's client of the same profile (`agree_test.go`), against the same\n" +
		"servers, names and TLS, and compared step by step with what the engine did in this run: the outcome, what the\n" +
		"page saw, every request as the API received it (status, Origin, Sec-Fetch-Site, session cookie sent or not,\n" +
		"Set-Cookie, Handoff, redirect, the library's reason codes) and the cookies the engine said it refused, with\n" +
		"the reason codes where both give one.\n\n")
	for _, s := range sections {
		a, n := s.clientCounts()
		fmt.Fprintf(&b, "- %s: test client agrees: %d/%d\n", s.id, a, n)
	}
	none := true
	for _, s := range sections {
		for _, c := range s.cells {
			if c.client.agrees() {
				continue
			}
			if none {
				b.WriteString("\nDisagreements:\n\n")
			}
			none = false
			fmt.Fprintf(&b, "- **%s × %s**\n", c.scenario, s.id)
			if c.client == nil {
				b.WriteString("  - the test client did not run\n")
				continue
			}
			for _, p := range c.client.problems {
				fmt.Fprintf(&b, "  - %s\n", mdLine(p))
			}
		}
	}
	if none {
		b.WriteString("\nNone: in every cell the test client did what the engine did.\n")
	}
	return b.String()
}

// TestCompareWithClientCatches checks the comparison itself, without the
// engines: a cell compared with itself agrees, and the test client's cells
// of two profiles that behave differently disagree where they differ.
func TestCompareWithClientCatches(t *testing.T) {
	byName := map[string]scenario{}
	for _, sc := range scenarios() {
		byName[sc.name] = sc
	}
	for _, c := range []struct {
		scenario, a, b string
		want           []string // substrings of the problems found; none: they agree
	}{
		{"c-hybrid-prod-cross-site-form", chromiumDefault, chromiumDefault, nil},
		{"f-attack-prod-partition", firefoxDefault, firefoxDefault, nil},
		// WebKit keeps no cross-site cookie: the outcome and the requests
		// after the login differ, and Chromium's refusal is missing.
		{"b-dev-app-localhost", chromiumDefault, webkitDefault, []string{
			`outcome: engine "works", test client "no-session"`,
			"whoami: request 1 as the API got it: engine GET /users/session 200",
			"the session cookie refused (API's record): engine false",
		}},
		// Third-party cookies allowed or blocked: the control's cookie.
		{"g-control-third-party-cookie", chromium3PC, chromiumDefault, []string{
			`outcome: engine "works", test client "no-session"`,
		}},
	} {
		t.Run(c.scenario+"/"+c.a+"-vs-"+c.b, func(t *testing.T) {
			sc := byName[c.scenario]
			a, b := runClientCell(t, c.a, sc), runClientCell(t, c.b, sc)
			problems := compareWithClient(a, b)
			if c.want == nil && len(problems) > 0 {
				t.Errorf("want agreement, got:\n  %s", strings.Join(problems, "\n  "))
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("want a problem containing %q, got:\n  %s", w, strings.Join(problems, "\n  "))
				}
			}
		})
	}
}

// TestCompareRefusals checks the comparison of the engine's words about
// refused cookies with the client's reason codes.
func TestCompareRefusals(t *testing.T) {
	ev := func(req, kind, why string, expiry bool) cookieEvent {
		return cookieEvent{Request: req, Kind: kind, Why: why, Expiry: expiry}
	}
	const login, who = "POST /users/session", "GET /users/session"
	ffLax := "Cookie “session” has been rejected because it is in a cross-site context and its “SameSite” is “Lax” or “Strict”."
	for _, c := range []struct {
		name, engine    string
		engineEv, cliEv []cookieEvent
		hits            []hit
		problems        int
	}{
		{"same reason", chromiumDefault, []cookieEvent{ev(login, evRefused, "UserPreferences", false)},
			[]cookieEvent{ev(login, evRefused, "cookie-third-party,cookie-samesite-cross-site", false)}, nil, 0},
		{"both reasons", chromiumDefault, []cookieEvent{ev(who, evNotSent, "SchemefulSameSiteLax,UserPreferences", false)},
			[]cookieEvent{ev(who, evNotSent, "cookie-third-party,cookie-samesite-cross-site", false)}, nil, 0},
		{"other reason", chromium3PC, []cookieEvent{ev(login, evRefused, "SchemefulSameSiteLax", false)},
			[]cookieEvent{ev(login, evRefused, "cookie-third-party", false)}, nil, 1},
		{"engine only", chromium3PC, []cookieEvent{ev(login, evRefused, "SecureOnly", false)}, nil, nil, 1},
		{"client only", chromiumDefault, nil, []cookieEvent{ev(who, evNotSent, "cookie-samesite-cross-site", false)}, nil, 1},
		{"refused expiry, engine only", chromiumDefault, []cookieEvent{ev("DELETE /users/session", evRefused, "UserPreferences", true)},
			nil, nil, 0},
		{"Firefox by path", firefoxDefault, []cookieEvent{ev("/users/session", evRefused, ffLax, false)},
			[]cookieEvent{ev(login, evRefused, "cookie-samesite-cross-site", false)}, nil, 0},
		{"Firefox, another reason", firefoxDefault, []cookieEvent{ev("/users/session", evRefused, ffLax, false)},
			[]cookieEvent{ev(login, evRefused, "cookie-secure-over-http", false)}, nil, 1},
		{"Firefox expiry, told by the API's record", firefoxDefault, []cookieEvent{ev("/users/session", evRefused, ffLax, false)},
			nil, []hit{{Method: "DELETE", Path: "/users/session", SetCookie: "expire"}}, 0},
		{"Firefox not-sent is not compared", firefoxDefault, nil,
			[]cookieEvent{ev(who, evNotSent, "cookie-other-partition", false)}, nil, 0},
		{"WebKit says nothing", webkitDefault, nil, []cookieEvent{ev(login, evRefused, "cookie-third-party", false)}, nil, 0},
	} {
		es := stepRecord{name: "step", engine: c.engineEv, hits: c.hits}
		cs := stepRecord{name: "step", engine: c.cliEv}
		if got := compareRefusals(c.engine, es, cs); len(got) != c.problems {
			t.Errorf("%s: %d problems, want %d: %v", c.name, len(got), c.problems, got)
		}
	}
}
