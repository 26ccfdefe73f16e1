package e2e

import (
	"strings"
	"testing"
)

// TestDiagnose checks the agreement check itself on hand-made cells, so
// that "every cell agrees" in the tables means something: a refused
// cookie with a reason agrees, one without is a silent failure, a reason
// where the cookie round-tripped or on the anonymous visit or after logout
// is a false alarm.
func TestDiagnose(t *testing.T) {
	login := func(debug ...string) stepRecord {
		h := hit{Method: "POST", Path: "/users/session", Status: 200, SetCookie: "set"}
		for _, d := range debug {
			h.Debug = append(h.Debug, d)
			h.DebugText = append(h.DebugText, d+": text")
		}
		return stepRecord{name: "login", hits: []hit{h}}
	}
	who := func(step string, cookie bool, debug ...string) stepRecord {
		h := hit{Method: "GET", Path: "/users/session", CookieIn: cookie}
		for _, d := range debug {
			h.Debug = append(h.Debug, d)
			h.DebugText = append(h.DebugText, d+": text")
		}
		return stepRecord{name: step, hits: []hit{h}}
	}
	logout := func(cookie bool) stepRecord {
		return stepRecord{name: "logout", hits: []hit{{Method: "DELETE", Path: "/users/session", CookieIn: cookie, SetCookie: "expire"}}}
	}
	for _, tc := range []struct {
		name    string
		steps   []stepRecord
		refused bool
		problem string // "" when the cell agrees
	}{
		{"round trip, no reason", []stepRecord{who("anon", false), login(), who("whoami", true), logout(true), who("after-logout", false)}, false, ""},
		{"refused, reason at login", []stepRecord{who("anon", false), login("cookie-third-party"), who("whoami", false), logout(false)}, true, ""},
		{"refused, no-cookie only", []stepRecord{login(), who("whoami", false, "no-cookie"), logout(false)}, true, ""},
		{"refused, silent", []stepRecord{login(), who("whoami", false), logout(false)}, true, "silent failure"},
		{"round trip with a reason", []stepRecord{login("cookie-secure-on-localhost"), who("whoami", true), logout(true)}, false, "false alarm (the cookie round-tripped)"},
		{"reason on the anonymous visit", []stepRecord{who("anon", false, "no-cookie"), login(), who("whoami", true)}, false, "false alarm on anon"},
		{"reason after logout", []stepRecord{login("cookie-third-party"), who("whoami", false), logout(false), who("after-logout", false, "no-cookie")}, true, "false alarm on after-logout"},
		{"survived logout, silent", []stepRecord{login(), who("whoami", true), logout(true), who("after-logout", true)}, true, "silent failure"},
		{"other codes do not count", []stepRecord{login("csrf-rejected"), who("whoami", false)}, true, "silent failure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := diagnose(cellRecord{engine: chromiumDefault, steps: tc.steps})
			if d.refused != tc.refused {
				t.Errorf("refused = %v, want %v (evidence %v)", d.refused, tc.refused, d.evidence)
			}
			got := strings.Join(d.problems, "\n")
			if tc.problem == "" && got != "" || tc.problem != "" && !strings.Contains(got, tc.problem) {
				t.Errorf("problems = %q, want one containing %q", got, tc.problem)
			}
		})
	}
	if d := diagnose(cellRecord{noLibrary: true}); d.applies {
		t.Error("the control without crosssession is checked")
	}
}
