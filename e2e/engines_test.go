package e2e

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEngines runs every scenario in every engine and profile (engines one
// after another, one browser process per engine and profile), checks each
// cell's observed outcome against the expectation table (expect_test.go)
// and writes TABLE-<engine>.md.
func TestEngines(t *testing.T) {
	for _, e := range []engineSpec{chromiumEngine, firefoxEngine, webkitEngine} {
		t.Run(e.name, func(t *testing.T) {
			requireEngine(t, e)
			start := time.Now()
			var sections []*section
			for _, startProfile := range e.profiles {
				sec := runProfile(t, startProfile)
				if sec == nil {
					return
				}
				sections = append(sections, sec)
			}
			took := time.Since(start)
			n := 0
			complete := true
			for _, s := range sections {
				n += len(s.cells)
				complete = complete && len(s.cells) == len(scenarios())
			}
			fmt.Printf("engine %s: %d cells in %.1fs\n", e.name, n, took.Seconds())
			for _, s := range sections {
				fmt.Printf("  %s\n", s.summary())
			}
			fmt.Println(clientSummary(e.name, sections))
			if !complete {
				t.Logf("not writing TABLE-%s.md: only part of the scenarios ran", e.name)
				return
			}
			if err := os.WriteFile("TABLE-"+e.name+".md", []byte(renderTable(e.name, sections)), 0o644); err != nil {
				t.Errorf("writing TABLE-%s.md: %v", e.name, err)
			}
		})
	}
}

// section is one engine profile's cells.
type section struct {
	id, describe, version string
	mu                    sync.Mutex
	cells                 []cellRecord
}

func runProfile(t *testing.T, startProfile func() (engine, error)) *section {
	t.Helper()
	b, err := startProfile()
	if err != nil {
		t.Fatalf("starting the browser: %v", err)
		return nil
	}
	defer func() {
		if err := b.Close(); err != nil {
			t.Errorf("closing %s: %v", b.ID(), err)
		}
	}()
	sec := &section{id: b.ID(), describe: b.Describe(), version: b.Version()}
	t.Run(b.ID(), func(t *testing.T) {
		t.Logf("%s: %s", b.Version(), b.Describe())
		for _, sc := range scenarios() {
			t.Run(sc.name, func(t *testing.T) {
				rec := runCell(t, b, sc)
				rec.client = clientAgreement(t, sc, rec)
				sec.mu.Lock()
				sec.cells = append(sec.cells, rec)
				sec.mu.Unlock()
			})
		}
	})
	return sec
}

// cellRecord is everything the table shows of one cell.
type cellRecord struct {
	scenario, about, engine string
	expected                want
	hasExpectation          bool
	observed                string
	steps                   []stepRecord
	setup                   []logLine // the library's startup log
	jar, engineSaid         string
	control                 string     // attack cells: what the allowed front end's own transfer got
	noLibrary               bool       // the third-party-cookie control: no crosssession
	client                  *agreement // the test client's cell and how it compares (agree_test.go)
	sanitize                func(string) string
}

func runCell(t *testing.T, b engine, sc scenario) cellRecord {
	p, err := b.NewPage(sc.hosts)
	if err != nil {
		t.Fatalf("opening a page: %v", err)
	}
	var closeOnce sync.Once
	closePage := func() {
		closeOnce.Do(func() {
			if err := p.Close(); err != nil {
				t.Errorf("closing the page: %v", err)
			}
		})
	}
	t.Cleanup(closePage)
	c := &cell{t: t, p: p, ports: map[int]string{}}
	sc.run(c)
	closePage()

	rec := newCellRecord(sc, b.ID(), c)
	t.Logf("cell %s × %s: observed %q\n%s", sc.name, b.ID(), rec.observed, rec.detail())
	switch {
	case !rec.hasExpectation:
		t.Errorf("cell %s × %s has no entry in the expectation table (expect_test.go); observed %q", sc.name, b.ID(), rec.observed)
	case rec.observed != rec.expected.outcome:
		t.Errorf("cell %s × %s: expected %q, observed %q\n%s", sc.name, b.ID(), rec.expected.outcome, rec.observed, rec.detail())
	}
	if d := diagnose(rec); !d.agrees() {
		t.Errorf("cell %s × %s: the library's cookie diagnostics disagree with the engine:\n  %s\n evidence:\n  %s",
			sc.name, b.ID(), rec.sanitize(strings.Join(d.problems, "\n  ")), rec.sanitize(strings.Join(d.evidence, "\n  ")))
	}
	return rec
}

// newCellRecord is the record of a cell that has run, by the engine and
// profile id.
func newCellRecord(sc scenario, id string, c *cell) cellRecord {
	rec := cellRecord{scenario: sc.name, about: sc.about, engine: id, observed: c.outcome, steps: c.steps,
		jar: c.jar, control: c.control, sanitize: c.sanitize}
	rec.noLibrary = len(c.apis) > 0 && !slices.ContainsFunc(c.apis, func(a *scenarioAPI) bool { return !a.control })
	rec.engineSaid = strings.Join(slices.DeleteFunc(c.said, func(s string) bool { return s == "" }), " · ")
	for _, a := range c.apis {
		_, logs := a.rec.snapshot()
		for _, l := range logs {
			if l.Step == "setup" {
				rec.setup = append(rec.setup, l)
			}
		}
	}
	rec.expected, rec.hasExpectation = expect[sc.name][id]
	return rec
}

// detail is the cell's full record, for the test log.
func (r cellRecord) detail() string {
	var b strings.Builder
	for _, s := range r.steps {
		fmt.Fprintf(&b, "  %s: page saw %s\n", s.name, r.sanitize(s.page))
		for _, h := range s.hits {
			fmt.Fprintf(&b, "    API got %s\n", r.sanitize(h.String()))
		}
		for _, l := range s.logs {
			fmt.Fprintf(&b, "    library logged [%s] %s\n", l.Reason, r.sanitize(l.Msg))
		}
		for _, e := range s.engine {
			fmt.Fprintf(&b, "    engine: %s\n", r.sanitize(e.String()))
		}
	}
	fmt.Fprintf(&b, "  jar: %s\n  engine said: %s\n", r.jar, r.sanitize(r.engineSaid))
	if r.control != "" {
		fmt.Fprintf(&b, "  control: %s\n", r.control)
	}
	return b.String()
}

func (h hit) String() string {
	s := h.Method + " " + h.Path
	if h.Preflight {
		s = "preflight " + h.Path
	}
	s += fmt.Sprintf(" %d", h.Status)
	var p []string
	if h.Origin != "" {
		p = append(p, "Origin "+h.Origin)
	}
	if h.SecFetchSite != "" {
		p = append(p, "Sec-Fetch-Site "+h.SecFetchSite)
	}
	if !h.Preflight {
		if h.CookieIn {
			p = append(p, "cookie")
		} else {
			p = append(p, "no cookie")
		}
	}
	if h.Handoff {
		p = append(p, "X-Crosssession-Handoff")
	}
	if h.SetCookie != "" {
		p = append(p, "Set-Cookie: "+h.SetCookie)
	}
	if h.Location != "" {
		p = append(p, "Location "+h.Location)
	}
	if len(h.Debug) > 0 {
		p = append(p, "X-Crosssession-Debug: "+strings.Join(h.Debug, ", "))
	}
	return s + " (" + strings.Join(p, "; ") + ")"
}

// sessionSteps are the steps whose requests should carry the session.
var sessionSteps = []string{"whoami", "logout", "victim-login", "control-transfer", "send"}

// quietSteps are the steps where no cookie reason may appear: the
// anonymous visit before login and the fetch after logout.
var quietSteps = []string{"anon", "after-logout"}

// engineRefusedCookie reports, from the API's own records, whether the
// engine refused to store, send or expire the session cookie: a response
// set it and a later request that should have carried it came without it,
// or a response expired it and the next request still carried it. The
// evidence names the requests; from and to are the indexes of the steps
// of the two requests, where the library's reason belongs.
func engineRefusedCookie(r cellRecord) (refused bool, evidence []string, from, to int) {
	var setBy, expiredBy string
	at := 0
	for i, s := range r.steps {
		for _, h := range s.hits {
			if h.Preflight {
				continue
			}
			req := s.name + ": " + h.Method + " " + h.Path
			if setBy != "" && !h.CookieIn && slices.Contains(sessionSteps, s.name) {
				return true, []string{"the API set the cookie on " + setBy + " and " + req + " came without it"}, at, i
			}
			if expiredBy != "" && h.CookieIn {
				return true, []string{"the API expired the cookie on " + expiredBy + " and " + req + " still carried it"}, at, i
			}
			switch h.SetCookie {
			case "set":
				setBy, expiredBy, at = req, "", i
			case "expire":
				setBy, expiredBy, at = "", req, i
			}
		}
	}
	return false, nil, 0, 0
}

// roundTrip says how the cookie came back, for the evidence of a cell
// whose cookie was not refused.
func roundTrip(r cellRecord) string {
	setBy := ""
	for _, s := range r.steps {
		for _, h := range s.hits {
			if h.Preflight {
				continue
			}
			req := s.name + ": " + h.Method + " " + h.Path
			if setBy != "" && h.CookieIn {
				return "the API set the cookie on " + setBy + " and " + req + " carried it"
			}
			if h.SetCookie == "set" {
				setBy = req
			}
		}
	}
	if setBy == "" {
		return "the API never set the cookie"
	}
	return "the API set the cookie on " + setBy + "; no later request needed it"
}

// A libReason is one cookie reason the library gave in a cell.
type libReason struct {
	step, request, code, text string
	from                      []string // "header", "log"
}

func (l libReason) String() string {
	return fmt.Sprintf("%s: %s: %s (%s): %s", l.step, l.request, l.code, strings.Join(l.from, ", "), l.text)
}

// isCookieReason: the cookie-* codes and no-cookie, the reasons that say
// what the browser does with the session cookie.
func isCookieReason(code string) bool {
	return strings.HasPrefix(code, "cookie-") || code == "no-cookie"
}

// libCookieReasons returns the library's cookie reasons in the cell, from
// X-Crosssession-Debug headers and its log, one per step, request and code.
func libCookieReasons(r cellRecord) []libReason {
	var out []libReason
	add := func(step, req, code, text, from string) {
		for i := range out {
			if out[i].step == step && out[i].request == req && out[i].code == code {
				if !slices.Contains(out[i].from, from) {
					out[i].from = append(out[i].from, from)
				}
				return
			}
		}
		out = append(out, libReason{step: step, request: req, code: code, text: text, from: []string{from}})
	}
	for _, s := range r.steps {
		for _, h := range s.hits {
			for i, code := range h.Debug {
				if isCookieReason(code) {
					_, text, _ := strings.Cut(h.DebugText[i], ": ")
					add(s.name, h.Method+" "+h.Path, code, text, "header")
				}
			}
		}
		for _, l := range s.logs {
			if isCookieReason(l.Reason) {
				add(s.name, l.Method+" "+l.Path, l.Reason, strings.TrimPrefix(l.Msg, "crosssession: "), "log")
			}
		}
	}
	return out
}

// A diagnosis compares the library's cookie reasons in a cell with what
// the engine did with the session cookie.
type diagnosis struct {
	applies  bool        // the cell runs crosssession with a session (not the control)
	refused  bool        // the engine refused to store, send or expire the cookie where the flow needed it
	evidence []string    // the API's record and the engine's own words
	reasons  []libReason // the library's cookie reasons
	problems []string    // false alarms and silent failures
}

func (d diagnosis) agrees() bool { return len(d.problems) == 0 }

// diagnose checks the library's diagnostics in one cell against the
// engine: a cookie reason must be present when the engine refused to
// store or send the session cookie where the flow needed it (else: a
// silent failure), and absent when the cookie round-tripped, on the
// anonymous visit before login and after logout (else: a false alarm).
//
// The API's record decides whether the engine refused (a cookie set and
// not sent back where the flow needed it, or expired and still sent): it
// is the one evidence every engine gives. The engine's own words are the
// rest of the evidence: Chromium's blockedCookies (a Set-Cookie line
// refused) and associatedCookies (held back from a request), Firefox's
// console ("has been rejected"), and nothing from WebKit.
func diagnose(r cellRecord) diagnosis {
	d := diagnosis{applies: !r.noLibrary}
	if !d.applies {
		return d
	}
	var why []string
	var from, to int
	d.refused, why, from, to = engineRefusedCookie(r)
	if !d.refused {
		why = []string{roundTrip(r)}
	}
	d.evidence = append(d.evidence, why...)
	for _, s := range r.steps {
		sets := slices.ContainsFunc(s.hits, func(h hit) bool { return h.SetCookie == "set" })
		for _, e := range s.engine {
			switch {
			case e.Kind == evRefused && !e.Expiry && (sets || r.engine != firefoxDefault):
				d.evidence = append(d.evidence, "engine: "+s.name+": "+e.String())
			case e.Kind == evNotSent && slices.Contains(sessionSteps, s.name):
				d.evidence = append(d.evidence, "engine: "+s.name+": "+e.String())
			}
		}
	}
	switch {
	case r.engine == webkitDefault:
		d.evidence = append(d.evidence, "engine: WebKit says nothing to WebDriver; jar on a first-party visit: "+r.jar)
	case d.refused && !slices.ContainsFunc(d.evidence, func(e string) bool { return strings.HasPrefix(e, "engine: ") }):
		d.evidence = append(d.evidence, "engine: no word about refusing it; jar: "+r.jar)
	}
	d.reasons = libCookieReasons(r)
	for _, l := range d.reasons {
		switch {
		case slices.Contains(quietSteps, l.step):
			d.problems = append(d.problems, "false alarm on "+l.String())
		case !d.refused:
			d.problems = append(d.problems, "false alarm (the cookie round-tripped) on "+l.String())
		}
	}
	if d.refused {
		// The reason belongs on the response that set (or expired) the
		// cookie, or on a request of the steps up to the one that showed
		// the refusal.
		steps := map[string]bool{}
		for _, s := range r.steps[from : to+1] {
			steps[s.name] = true
		}
		if !slices.ContainsFunc(d.reasons, func(l libReason) bool { return steps[l.step] }) {
			d.problems = append(d.problems, "silent failure: "+strings.Join(why, "; ")+
				", and the library gave no cookie reason on those requests")
		}
	}
	return d
}

// cookieReasons returns the library's reason codes in the cell, from
// X-Crosssession-Debug headers and its log, as "step: code (header, log)".
func cookieReasons(r cellRecord) []string {
	var out []string
	for _, s := range r.steps {
		src := map[string][]string{}
		var order []string
		note := func(code, from string) {
			if code == "" {
				return
			}
			if _, ok := src[code]; !ok {
				order = append(order, code)
			}
			if !slices.Contains(src[code], from) {
				src[code] = append(src[code], from)
			}
		}
		for _, h := range s.hits {
			for _, d := range h.Debug {
				note(d, "header")
			}
		}
		for _, l := range s.logs {
			note(l.Reason, "log")
		}
		for _, code := range order {
			out = append(out, fmt.Sprintf("%s: %s (%s)", s.name, code, strings.Join(src[code], ", ")))
		}
	}
	return out
}

// startupWarnings returns the warning lines of the library's startup
// report.
func startupWarnings(r cellRecord) []string {
	var out []string
	for _, l := range r.setup {
		for line := range strings.SplitSeq(l.Msg, "\n") {
			if w, ok := strings.CutPrefix(strings.TrimSpace(line), "warning:"); ok {
				out = append(out, strings.TrimSpace(w))
			}
		}
	}
	return out
}

func (s *section) counts() (cells, works, known, unexpected, agree, disagree int) {
	for _, c := range s.cells {
		cells++
		if d := diagnose(c); d.applies && d.agrees() {
			agree++
		} else if d.applies {
			disagree++
		}
		switch {
		case !c.hasExpectation || c.observed != c.expected.outcome:
			unexpected++
		case c.expected.known != "":
			known++
		default:
			works++
		}
	}
	return
}

func (s *section) summary() string {
	cells, works, known, unexpected, agree, disagree := s.counts()
	clientAgree, clientCells := s.clientCounts()
	return fmt.Sprintf("%s: %d cells, %d works, %d known-fail, %d unexpected; diagnostics %d agree, %d disagree; test client agrees: %d/%d",
		s.id, cells, works, known, unexpected, agree, disagree, clientAgree, clientCells)
}

var firefoxConsole = regexp.MustCompile(`\[JavaScript (?:Warning|Error): "(.*?)" \{file: "[^"]*" line: \d+\}\]`)

// cleanSaid makes an engine's words table-sized: Firefox's console lines
// lose their JavaScript-error wrapping.
func cleanSaid(s string) string {
	return firefoxConsole.ReplaceAllString(s, "$1")
}

func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", "<br>")
}

func renderTable(engineName string, sections []*section) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Browser cells: %s\n\n", engineName)
	b.WriteString("Generated by `TestEngines` (`cd e2e && go test -run TestEngines ./...`); do not edit: the expected outcomes\n" +
		"live in `expect_test.go`, and the suite fails on any cell that differs from them. Each cell runs one scenario\n" +
		"(`scenarios_test.go`) against real servers using crosssession's presets as they are. Ports: P = front end,\n" +
		"Q = API, R = attacker page.\n\n" +
		"Columns: *expected* and *observed* outcome (`works`, or the first step that failed: `no-session` = who-am-I\n" +
		"after login was not 200 alice); *steps* = what the page saw at each step; *API saw* = each request as the API\n" +
		"received it (cookie or not, Set-Cookie, X-Crosssession-Debug reason codes); *library said* = reason codes from\n" +
		"headers and the slog log, and startup warnings; *engine said* = the engine's own words (Chromium: DevTools\n" +
		"cookie/CORS reasons; Firefox: console; WebKit reports nothing); *jar* = the engine's cookies for the API host\n" +
		"after the login; *diagnostics* = the library's cookie reasons (the `cookie-*` codes and `no-cookie`, header\n" +
		"and log) checked against what the engine did: `agree`, or a false alarm (a reason where the cookie\n" +
		"round-tripped, or on the anonymous visit or after logout) or a silent failure (the engine refused to store or\n" +
		"send the cookie where the flow needed it, and no reason); *refused* says whether the engine refused it (the\n" +
		"API's record: set and not sent back where needed, or expired and still sent). The suite fails on any\n" +
		"disagreement. *test client* = the same cell played in crosssessiontest's client of the same profile against\n" +
		"the same servers, compared step by step with what the engine did (`agree_test.go`): `agrees`, or each\n" +
		"disagreement; the suite fails on any.\n")
	// The outcomes at a glance: one row per scenario, one column per
	// profile.
	b.WriteString("\n## Outcomes\n\n")
	for _, s := range sections {
		fmt.Fprintf(&b, "- %s (%s, %s)\n", s.summary(), s.version, s.describe)
	}
	b.WriteString("\n| cell |")
	for _, s := range sections {
		fmt.Fprintf(&b, " %s |", s.id)
	}
	b.WriteString("\n|---|")
	for range sections {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for i, sc := range sections[0].cells {
		fmt.Fprintf(&b, "| %s |", sc.scenario)
		for _, s := range sections {
			c := s.cells[i]
			v := c.observed
			switch {
			case !c.hasExpectation || c.observed != c.expected.outcome:
				v = "**UNEXPECTED** " + v
			case c.expected.known != "":
				v = "known-fail: " + v
			}
			fmt.Fprintf(&b, " %s |", mdCell(v))
		}
		b.WriteString("\n")
	}
	for _, s := range sections {
		fmt.Fprintf(&b, "\n## %s: %s\n\n%s, %s\n\n**%s**\n\n", s.id, s.version, s.id, s.describe, s.summary())
		b.WriteString("| cell | deployment | expected | observed | steps (page saw) | API saw | library said | engine said | jar | diagnostics | test client |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, c := range s.cells {
			exp := "?"
			if c.hasExpectation {
				exp = "`" + c.expected.outcome + "`"
				if c.expected.known != "" {
					exp = "known-fail `" + c.expected.outcome + "`: " + c.expected.known
				} else if c.expected.note != "" {
					exp += ": " + c.expected.note
				}
			}
			obs := "`" + c.observed + "`"
			if !c.hasExpectation || c.observed != c.expected.outcome {
				obs = "**UNEXPECTED** " + obs
			}
			var steps, api []string
			for _, st := range c.steps {
				steps = append(steps, st.name+": "+c.sanitize(st.page))
				for _, h := range st.hits {
					api = append(api, st.name+": "+c.sanitize(h.String()))
				}
			}
			if c.control != "" {
				steps = append(steps, "control: "+c.control)
			}
			lib := cookieReasons(c)
			for _, w := range startupWarnings(c) {
				lib = append(lib, "startup warning: "+c.sanitize(w))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				c.scenario, mdCell(c.about), mdCell(exp), mdCell(obs),
				mdCell(strings.Join(steps, "\n")), mdCell(strings.Join(api, "\n")),
				mdCell(orDash(strings.Join(lib, "\n"))), mdCell(orDash(c.sanitize(cleanSaid(c.engineSaid)))),
				mdCell(orDash(c.jar)), mdCell(c.sanitize(diagnosisCell(diagnose(c)))), mdCell(clientCell(c)))
		}
	}
	b.WriteString("\n## Diagnostics against the engine\n\n" +
		"Every disagreement between the library's cookie reasons and what the engine did, with the request, the\n" +
		"reason's text and the evidence.\n\n")
	none := true
	for _, s := range sections {
		for _, c := range s.cells {
			d := diagnose(c)
			if !d.applies || d.agrees() {
				continue
			}
			none = false
			fmt.Fprintf(&b, "- **%s × %s**\n", c.scenario, s.id)
			for _, p := range d.problems {
				fmt.Fprintf(&b, "  - %s\n", mdLine(c.sanitize(p)))
			}
			for _, e := range d.evidence {
				fmt.Fprintf(&b, "  - evidence: %s\n", mdLine(c.sanitize(e)))
			}
		}
	}
	if none {
		b.WriteString("None: in every cell the library gave a cookie reason exactly where the engine refused the cookie.\n")
	}
	b.WriteString(renderClientSection(sections))
	return b.String()
}

// diagnosisCell is the table's diagnostics column for one cell.
func diagnosisCell(d diagnosis) string {
	if !d.applies {
		return "n/a (no crosssession)"
	}
	refused := "refused: no"
	if d.refused {
		refused = "refused: yes"
	}
	var lib []string
	for _, l := range d.reasons {
		lib = append(lib, l.step+": "+l.code)
	}
	detail := ""
	if d.refused {
		detail = "\n" + strings.Join(d.evidence, "\n") + "\nlibrary: " + orDash(strings.Join(lib, ", "))
	}
	if d.agrees() {
		return "agree (" + refused + ")" + detail
	}
	return "**DISAGREE** (" + refused + "): " + strings.Join(d.problems, "\n") + detail
}

func mdLine(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}
