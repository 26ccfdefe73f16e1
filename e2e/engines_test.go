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
	control                 string
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

	rec := cellRecord{scenario: sc.name, about: sc.about, engine: b.ID(), observed: c.outcome, steps: c.steps,
		jar: c.jar, control: c.control, sanitize: c.sanitize}
	rec.engineSaid = strings.Join(slices.DeleteFunc(c.said, func(s string) bool { return s == "" }), " · ")
	for _, a := range c.apis {
		_, logs := a.rec.snapshot()
		for _, l := range logs {
			if l.Step == "setup" {
				rec.setup = append(rec.setup, l)
			}
		}
	}
	rec.expected, rec.hasExpectation = expect[sc.name][b.ID()]
	t.Logf("cell %s × %s: observed %q\n%s", sc.name, b.ID(), rec.observed, rec.detail())
	switch {
	case !rec.hasExpectation:
		t.Errorf("cell %s × %s has no entry in the expectation table (expect_test.go); observed %q", sc.name, b.ID(), rec.observed)
	case rec.observed != rec.expected.outcome:
		t.Errorf("cell %s × %s: expected %q, observed %q\n%s", sc.name, b.ID(), rec.expected.outcome, rec.observed, rec.detail())
	}
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

// The diagnostics are kept so that the check still to be written, "the
// library gave a cookie reason iff the engine refused to store or send the
// cookie", is one function over a cellRecord:
//
//	func agrees(r cellRecord) bool { return (len(cookieReasons(r)) > 0) == engineRefusedCookie(r) }

// sessionSteps are the steps whose requests should carry the session.
var sessionSteps = []string{"whoami", "logout", "victim-login", "control-transfer", "send"}

// engineRefusedCookie reports, from the API's own records, whether the
// engine refused to store, send or expire the session cookie: a response
// set it and a later request that should have carried it came without it,
// or a response expired it and the next request still carried it.
func engineRefusedCookie(r cellRecord) bool {
	set, expired := false, false
	for _, s := range r.steps {
		for _, h := range s.hits {
			if h.Preflight {
				continue
			}
			if set && !h.CookieIn && slices.Contains(sessionSteps, s.name) {
				return true
			}
			if expired && h.CookieIn {
				return true
			}
			switch h.SetCookie {
			case "set":
				set, expired = true, false
			case "expire":
				set, expired = false, true
			}
		}
	}
	return false
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

func (s *section) counts() (cells, works, known, unexpected int) {
	for _, c := range s.cells {
		cells++
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
	cells, works, known, unexpected := s.counts()
	return fmt.Sprintf("%s: %d cells, %d works, %d known-fail, %d unexpected", s.id, cells, works, known, unexpected)
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
		"after the login; *refused* = the API's records show the engine refused to store or send the cookie.\n")
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
		b.WriteString("| cell | deployment | expected | observed | steps (page saw) | API saw | library said | engine said | jar | refused |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
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
			refused := "no"
			if engineRefusedCookie(c) {
				refused = "yes"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				c.scenario, mdCell(c.about), mdCell(exp), mdCell(obs),
				mdCell(strings.Join(steps, "\n")), mdCell(strings.Join(api, "\n")),
				mdCell(orDash(strings.Join(lib, "\n"))), mdCell(orDash(c.sanitize(cleanSaid(c.engineSaid)))),
				mdCell(orDash(c.jar)), refused)
		}
	}
	return b.String()
}
