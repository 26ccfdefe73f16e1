package e2e

// The expected outcome of every cell, in one table: expect[scenario][engine].
// Each entry is derived from a measured rule of
// /work/shared/docs/BROWSER-RULES.md (cited as BR and the section/row).
//
// "works" is the flow succeeding (or, for attack and control cells, the
// outcome the cell is there to show). A knownFail is a cell that fails
// today because of what the library's presets do; when the library is
// fixed, the observed outcome changes and the test fails until this table
// is updated. The test fails on any cell whose observed outcome differs
// from its entry here, and on any cell without an entry.

type want struct {
	outcome string // the observed outcome the cell must have
	known   string // why it fails today, per the measured rule; "" if it is not a known failure
	note    string // why this outcome, for outcomes other than "works" that are no failure
}

func works() want { return want{outcome: "works"} }

// as is an expected outcome other than "works" that is not a failure of
// the library (attack cells, the third-party-cookie control).
func as(outcome, why string) want { return want{outcome: outcome, note: why} }

func knownFail(outcome, why string) want { return want{outcome: outcome, known: why} }

// Engine and profile IDs (engine.ID()).
const (
	chromiumDefault = "chromium"
	chromium3PC     = "chromium-3pc"
	firefoxDefault  = "firefox"
	webkitDefault   = "webkit"
)

var allEngines = []string{chromiumDefault, chromium3PC, firefoxDefault, webkitDefault}

// every gives all engines the same expectation.
func every(w want) map[string]want {
	m := map[string]want{}
	for _, e := range allEngines {
		m[e] = w
	}
	return m
}

// Reasons, per engine, a cookie fails; each names the rule it rests on.
const (
	whyDevCrossSiteHTTP = "Dev cross-site over plain http to a host that is not localhost: the cross-site cookie " +
		"(SameSite=None; Secure; Partitioned) needs Secure, which no engine stores from plain http there (BR 'Measured' " +
		"row e: SecureOnly / NS), so the library sets Dev's SameSite=Lax cookie, which no engine stores from a " +
		"cross-site fetch (Chromium: UserPreferences with 3PC blocked, SchemefulSameSiteLax allowed, BR 'Measured in " +
		"Chromium' row d; Firefox: NS(cross-site Lax), row b; WebKit: all NS, rows b and d). Nothing can work here: " +
		"serve the API over https, or make it same-site"
	whyWebKitCrossSite = "WebKit's default policy blocks every cross-site cookie, Partitioned included: no CHIPS in WebKitGTK " +
		"(BR 'Measured in WebKitGTK' rows b and d: all NS); no cookie works here in WebKit"
	whyWebKitCrossSiteLocalhost = whyWebKitCrossSite + "; the cross-site cookie is also Secure, which WebKit never stores " +
		"from http://localhost (BR 26, 'Measured in WebKitGTK' row f)"
	whyWebKitSecureLocalhost = "Prod's cookie is Secure, and WebKit stores no Secure cookie from http://localhost " +
		"(BR 26 and 'Measured in WebKitGTK' row f); no cookie of this preset works here in WebKit (Dev's does)"
)

// Why the cells that work do (the rule each rests on).
const (
	// BR 'Measured in Chromium' rows b and d and 'Measured in Firefox'
	// rows b and d: SameSite=None; Secure; Partitioned round-trips
	// cross-site, partitioned under the front end's site, with 3PC
	// blocked too; Chromium and Firefox accept Secure on http://localhost
	// (BR 24, 25).
	noteCrossSitePartitioned = "the cross-site cookie (SameSite=None; Secure; Partitioned) round-trips in the front end's partition"
	// A login by redirect: Handoff's code is redeemed by a cross-site
	// fetch from the front end, whose response sets the cross-site cookie
	// in the front end's partition, as a fetch login does.
	noteHandoff = "the Handoff redeem is a cross-site fetch: " + noteCrossSitePartitioned
)

var expect = map[string]map[string]want{
	// (a) localhost:P → localhost:Q is same-site; Lax, not Secure, works
	// everywhere (BR 'Consequences': Dev's same-site cookie round-trips
	// same-site in all three engines).
	"a-dev-localhost": every(works()),

	// (b) *.localhost front ends → localhost: cross-site (BR 1.8,
	// 'Consequences'), on a loopback API, so the cross-site cookie;
	// noteCrossSitePartitioned.
	"b-dev-app-localhost":     crossSiteWorks(noteCrossSitePartitioned, whyWebKitCrossSiteLocalhost),
	"b-dev-staging-localhost": crossSiteWorks(noteCrossSitePartitioned, whyWebKitCrossSiteLocalhost),
	// app.example.com → api.example.com is same-site: Prod's Lax cookie
	// round-trips (BR Chromium table row c, Firefox and WebKit row c).
	"b-prod-subdomain": every(works()),

	// (c) hybrid, Development over http, same-site: Lax without Secure on
	// plain-http hostnames round-trips same-site in all three engines (BR
	// row e); the Handoff redeem of a login by redirect is a same-site
	// fetch that sets the same cookie.
	"c-hybrid-dev-same-site-fetch":      every(works()),
	"c-hybrid-dev-same-site-form":       every(works()),
	"c-hybrid-dev-same-site-oauth-like": every(works()),
	// hybrid, Development over http, cross-site: nothing can work.
	"c-hybrid-dev-cross-site-fetch":      every(knownFail("no-session", whyDevCrossSiteHTTP)),
	"c-hybrid-dev-cross-site-form":       every(knownFail("no-session", whyDevCrossSiteHTTP)),
	"c-hybrid-dev-cross-site-oauth-like": every(knownFail("no-session", whyDevCrossSiteHTTP)),
	// hybrid, Production over https, same-site: Lax round-trips; the
	// Handoff redeem is a same-site fetch.
	"c-hybrid-prod-same-site-fetch":      every(works()),
	"c-hybrid-prod-same-site-form":       every(works()),
	"c-hybrid-prod-same-site-oauth-like": every(works()),
	// hybrid, Production over https, cross-site: noteCrossSitePartitioned
	// (fetch) and noteHandoff (form, OAuth-like).
	"c-hybrid-prod-cross-site-fetch":      crossSiteWorks(noteCrossSitePartitioned, whyWebKitCrossSite),
	"c-hybrid-prod-cross-site-form":       crossSiteWorks(noteHandoff, whyWebKitCrossSite),
	"c-hybrid-prod-cross-site-oauth-like": crossSiteWorks(noteHandoff, whyWebKitCrossSite),
	// CONTROL: the form login without Handoff. Its response is a top-level
	// navigation to the API, so the library sets the configured cookie
	// (SameSite=Lax) first-party, and no engine sends a Lax cookie on a
	// cross-site fetch (BR 15).
	"c-hybrid-prod-cross-site-form-first-party-control": every(as("no-session",
		"control: the cookie set first-party by a top-level navigation is SameSite=Lax, never sent on the SPA's "+
			"cross-site fetches (BR 15); this is what Handoff is for")),

	// 127.0.0.1 → localhost is cross-site (BR 7), on a loopback API:
	// noteCrossSitePartitioned (BR 'Measured in Chromium' row b:
	// partitioned under http://127.0.0.1; Firefox row b: RTp(127.0.0.1)).
	"d-dev-127-to-localhost": crossSiteWorks(noteCrossSitePartitioned, whyWebKitCrossSiteLocalhost),

	// Prod on http://localhost: Secure and __Host- work on localhost in
	// Chromium 156 and Firefox 153 (BR 24, 25, 'Measured' row g), not in
	// WebKit.
	"e-prod-http-localhost": {
		chromiumDefault: works(),
		chromium3PC:     works(),
		firefoxDefault:  works(),
		webkitDefault:   knownFail("no-session", whyWebKitSecureLocalhost),
	},

	// Attack pages: the handler never runs and both requests that reach
	// the API get 403; "cookie" says the victim's cookie came along, so
	// the CSRF check alone stopped it.
	// A cross-site attacker: the victim's Lax cookie is not sent
	// cross-site (BR 15), on the fetch or on the top-level form POST.
	"f-attack-dev-cross-site": every(as("refused (fetch: no cookie, form: no cookie)", "")),
	// A same-site unlisted page (localhost:R): the Lax cookie is sent on
	// same-site requests (BR 17).
	"f-attack-dev-same-site": every(as("refused (fetch: cookie, form: cookie)", "")),
	// An attacker on another site: the victim's partitioned cookie
	// (partition myapp.vercel.app) is not sent from evil.example.net, and
	// a top-level form POST uses the API's own partition.
	"f-attack-prod-cross-site": every(as("refused (fetch: no cookie, form: no cookie)", "")),
	// An unlisted origin in the victim's site shares its CHIPS partition,
	// so the fetch carries the cookie (BR 34); the top-level form POST
	// does not. WebKit never kept the victim's cross-site cookie.
	"f-attack-prod-partition": {
		chromiumDefault: as("refused (fetch: cookie, form: no cookie)", ""),
		chromium3PC:     as("refused (fetch: cookie, form: no cookie)", ""),
		firefoxDefault:  as("refused (fetch: cookie, form: no cookie)", ""),
		webkitDefault:   as("refused (fetch: no cookie, form: no cookie)", ""),
	},

	// Control: an unpartitioned SameSite=None; Secure cookie, cross-site.
	"g-control-third-party-cookie": {
		chromiumDefault: as("no-session", "Debian's Chromium profile blocks third-party cookies (BR 'Measured in Chromium' 1, row d: UserPreferences)"),
		chromium3PC:     works(), // BR Chromium table 2, row d: round-trips
		firefoxDefault:  works(), // partitioned under myapp.vercel.app, with a warning (BR Firefox row d, *)
		webkitDefault:   as("no-session", "WebKit blocks third-party cookies (BR Firefox/WebKit row d)"),
	},
}

// crossSiteWorks is a cross-site cell on an API that can set a Secure
// cookie (https, or loopback): the cross-site cookie works in Chromium
// (both profiles) and Firefox; WebKit keeps none, for the reason given.
func crossSiteWorks(note, webkitWhy string) map[string]want {
	return map[string]want{
		chromiumDefault: {outcome: "works", note: note},
		chromium3PC:     {outcome: "works", note: note},
		firefoxDefault:  {outcome: "works", note: note},
		webkitDefault:   knownFail("no-session", webkitWhy),
	}
}
