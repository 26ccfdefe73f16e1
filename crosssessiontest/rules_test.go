package crosssessiontest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	cst "github.com/crosssession/crosssession/crosssessiontest"
)

// cellAPI is the hand-written API of BROWSER-RULES' measurements: POST
// /login sets one cookie, GET /me says whether a cookie came back; CORS
// for any origin with credentials.
func cellAPI(setCookie string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Add("Vary", "Origin")
		}
		switch {
		case r.Method == http.MethodOptions:
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/login":
			w.Header().Add("Set-Cookie", setCookie)
			fmt.Fprint(w, "ok")
		case r.URL.Path == "/me" && r.Header.Get("Cookie") != "":
			fmt.Fprint(w, "cookie")
		default:
			fmt.Fprint(w, "none")
		}
	})
}

// runCell runs the measured flow: fetch POST /login with credentials (a
// JSON body, so preflighted), then fetch GET /me with credentials, and
// returns the cell as the tables write it: "RT", "RTp(<partition>)",
// "NS(<reason>)" or "kept(<reason>)" (stored, not sent).
func runCell(t *testing.T, p cst.Profile, front, api, cookie string) string {
	t.Helper()
	b := cst.New(p)
	u := strings.TrimPrefix(strings.TrimPrefix(api, "https://"), "http://")
	b.Serve(u, cellAPI(cookie))
	page := b.Open(front)
	login := page.Fetch(api+"/login", cst.Init{Method: "POST", Credentials: cst.Include,
		Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"user":"alice"}`})
	if login.Err != nil || login.Status != 200 {
		t.Fatalf("%s: login: %d %v", p, login.Status, login.Err)
	}
	me := page.Fetch(api+"/me", cst.Init{Credentials: cst.Include})
	if me.Err != nil {
		t.Fatalf("%s: me: %v", p, me.Err)
	}
	if me.Body == "cookie" {
		for _, c := range b.Cookies(api+"/me", page.Site()) {
			if c.Partition != "" {
				return "RTp(" + c.Partition + ")"
			}
		}
		return "RT"
	}
	for _, r := range login.Refused {
		return "NS(" + r.Reason + ")"
	}
	for _, r := range me.Refused {
		return "kept(" + r.Reason + ")"
	}
	return "NS(silently)"
}

// The seven cookies of BROWSER-RULES' measured tables, all with HttpOnly;
// Path=/: Lax | Lax;Secure | None | None;Secure | None;Secure;Partitioned |
// Strict;Secure | no SameSite.
var measuredCookies = []string{
	"sid=1; SameSite=Lax; HttpOnly; Path=/",
	"sid=1; SameSite=Lax; Secure; HttpOnly; Path=/",
	"sid=1; SameSite=None; HttpOnly; Path=/",
	"sid=1; SameSite=None; Secure; HttpOnly; Path=/",
	"sid=1; SameSite=None; Secure; Partitioned; HttpOnly; Path=/",
	"sid=1; SameSite=Strict; Secure; HttpOnly; Path=/",
	"sid=1; HttpOnly; Path=/",
}

const (
	rt       = "RT"
	sameSite = "NS(cookie-samesite-cross-site)"
	third    = "NS(cookie-third-party)"
	noneIns  = "NS(cookie-samesite-none-insecure)"
	secHTTP  = "NS(cookie-secure-over-http)"
	secLocal = "NS(cookie-secure-on-localhost)"
)

func rtp(site string) string { return "RTp(" + site + ")" }

func all(v string) []string { return []string{v, v, v, v, v, v, v} }

// measured is one row of a measured table: a deployment, the profile, and
// the seven cells as measured, translated to the library's reason codes
// (Chromium's UserPreferences = cookie-third-party; SchemefulSameSite* =
// cookie-samesite-cross-site; SameSiteNoneInsecure =
// cookie-samesite-none-insecure; SecureOnly = cookie-secure-over-http).
type measured struct {
	source     string
	profile    cst.Profile
	front, api string
	want       []string
}

func measuredRows() []measured {
	const (
		a1, a2 = "http://localhost:3000", "http://localhost:3001"
		b1, b2 = "http://127.0.0.1:3000", "http://localhost:3001"
		c1, c2 = "https://app.example.test", "https://api.example.test"
		C1, C2 = "https://app.example.com", "https://api.example.com"
		d1, d2 = "https://app.test", "https://api.other.test"
		e1, e2 = "http://app.example.test", "http://api.example.test"
		E1, E2 = "http://app.example.com", "http://api.example.com"
	)
	chromium := func(third3pc bool) []measured {
		p, src := cst.Chromium, "BROWSER-RULES 'Measured in a real browser: Chromium 156' table 1 (fresh profile)"
		b := []string{third, third, third, third, rtp("http://127.0.0.1"), third, third}
		d := []string{third, third, third, third, rtp("https://app.test"), third, third}
		if third3pc {
			p, src = cst.ChromiumThirdPartyAllowed, "BROWSER-RULES 'Measured in a real browser: Chromium 156' table 2 (third-party cookies allowed)"
			b = []string{sameSite, sameSite, noneIns, rt, rtp("http://127.0.0.1"), sameSite, sameSite}
			d = []string{sameSite, sameSite, noneIns, rt, rtp("https://app.test"), sameSite, sameSite}
		}
		return []measured{
			{src + " row a", p, a1, a2, []string{rt, rt, noneIns, rt, rtp("http://localhost"), rt, rt}},
			{src + " row b", p, b1, b2, b},
			{src + " row c", p, c1, c2, []string{rt, rt, noneIns, rt, rtp("https://example.test"), rt, rt}},
			{src + " row d", p, d1, d2, d},
			// Row e's Partitioned cell was "silently dropped" (no
			// blockedCookies entry): the client names SecureOnly's reason.
			{src + " row e", p, e1, e2, []string{rt, secHTTP, noneIns, secHTTP, secHTTP, secHTTP, rt}},
		}
	}
	ff := "BROWSER-RULES 'Measured in Firefox 153 ESR and WebKitGTK 2.50', Firefox column"
	wk := "BROWSER-RULES 'Measured in Firefox 153 ESR and WebKitGTK 2.50', WebKit column"
	rows := append(chromium(false), chromium(true)...)
	rows = append(rows,
		measured{ff + " row a", cst.Firefox, a1, a2, []string{rt, rt, noneIns, rt, rtp("http://localhost"), rt, rt}},
		measured{ff + " row b", cst.Firefox, b1, b2, []string{sameSite, sameSite, noneIns, rtp("http://127.0.0.1"), rtp("http://127.0.0.1"), sameSite, rtp("http://127.0.0.1")}},
		measured{ff + " row c", cst.Firefox, C1, C2, []string{rt, rt, noneIns, rt, rtp("https://example.com"), rt, rt}},
		measured{ff + " row c'", cst.Firefox, c1, c2, []string{rt, rt, noneIns, rt, rtp("https://example.test"), rt, rt}},
		measured{ff + " row d", cst.Firefox, d1, d2, []string{sameSite, sameSite, noneIns, rtp("https://app.test"), rtp("https://app.test"), sameSite, rtp("https://app.test")}},
		measured{ff + " row e", cst.Firefox, E1, E2, []string{rt, secHTTP, noneIns, secHTTP, secHTTP, secHTTP, rt}},
		measured{wk + " row a", cst.WebKit, a1, a2, []string{rt, secLocal, rt, secLocal, secLocal, secLocal, rt}},
		measured{wk + " row b", cst.WebKit, b1, b2, all(third)},
		measured{wk + " row c", cst.WebKit, C1, C2, all(rt)},
		// WebKit finds no registrable domain under .test: the names are
		// separate sites, so every cookie is third-party.
		measured{wk + " row c'", cst.WebKit, c1, c2, all(third)},
		measured{wk + " row d", cst.WebKit, d1, d2, all(third)},
		measured{wk + " row e", cst.WebKit, E1, E2, []string{rt, secHTTP, rt, secHTTP, secHTTP, secHTTP, rt}},
	)
	return rows
}

// TestMeasuredTables runs every measured cell of BROWSER-RULES' Chromium,
// Firefox and WebKit tables: the same cookie, deployment and profile must
// round-trip, or be refused with the measured reason.
func TestMeasuredTables(t *testing.T) {
	for _, row := range measuredRows() {
		for i, cookie := range measuredCookies {
			got := runCell(t, row.profile, row.front, row.api, cookie)
			if got != row.want[i] {
				t.Errorf("%s, %s → %s, %q: got %s, measured %s (%s)", row.profile, row.front, row.api, cookie, got,
					row.want[i], row.source)
			}
		}
	}
}

// TestMeasuredSecureOnLoopback covers rows f and g of the Firefox/WebKit
// table (a Secure cookie, and __Host-/__Secure- ones, on http://localhost
// and http://127.0.0.1) and BROWSER-RULES 24 and 52 for Chromium (Secure
// and prefixed cookies accepted on http://localhost).
func TestMeasuredSecureOnLoopback(t *testing.T) {
	cells := []struct{ front, api, cookie string }{
		{"http://localhost:3000", "http://localhost:3001", "sid=1; SameSite=Lax; Secure; HttpOnly; Path=/"},
		{"http://127.0.0.1:3000", "http://127.0.0.1:3001", "sid=1; SameSite=Lax; Secure; HttpOnly; Path=/"},
		{"http://localhost:3000", "http://localhost:3001", "__Host-sid=1; SameSite=Lax; Secure; HttpOnly; Path=/"},
		{"http://localhost:3000", "http://localhost:3001", "__Secure-sid=1; SameSite=Lax; Secure; HttpOnly; Path=/"},
	}
	for _, p := range cst.Profiles {
		want := rt
		if p == cst.WebKit {
			want = secLocal
		}
		for _, c := range cells {
			if got := runCell(t, p, c.front, c.api, c.cookie); got != want {
				t.Errorf("%s, %s → %s, %q: got %s, measured %s", p, c.front, c.api, c.cookie, got, want)
			}
		}
	}
}

// TestMeasuredThirdPartyControl is the e2e tables' g-control cell:
// probe=1; SameSite=None; Secure from https://api.example.com to a fetch
// from https://myapp.vercel.app (vercel.app is a public suffix).
func TestMeasuredThirdPartyControl(t *testing.T) {
	want := map[cst.Profile]string{
		cst.Chromium:                  third, // TABLE-chromium g-control: no-session
		cst.ChromiumThirdPartyAllowed: rt,    // works
		cst.Firefox:                   rtp("https://myapp.vercel.app"),
		cst.WebKit:                    third,
	}
	for _, p := range cst.Profiles {
		got := runCell(t, p, "https://myapp.vercel.app", "https://api.example.com", "probe=1; SameSite=None; Secure")
		if got != want[p] {
			t.Errorf("%s: got %s, measured %s", p, got, want[p])
		}
	}
}
