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
	whyLaxCrossSiteFetch = "Dev's SameSite=Lax cookie on a cross-site fetch: Chromium refuses it when it is set " +
		"(BR 'Measured in Chromium' row b: UserPreferences with 3PC blocked, SchemefulSameSiteLax with 3PC allowed)"
	whyLaxCrossSiteFirefox = "Firefox refuses an explicit SameSite=Lax cookie set by a cross-site fetch (BR 'Measured in Firefox' row b: NS(cross-site Lax))"
	whyWebKitCrossSite     = "WebKit's default policy blocks every cross-site cookie, Partitioned included: no CHIPS in WebKitGTK " +
		"(BR 'Measured in WebKitGTK' rows b and d: all NS)"
	whyLocalhostSubdomain = "; app.localhost / staging.localhost → localhost is cross-site (BR 1.8 and 'Consequences': *.localhost names are separate sites)"
	whyLaxTopLevel        = "the cookie is stored first-party on api.example.com during the top-level navigation, but a SameSite=Lax cookie " +
		"is never sent on a cross-site fetch (BR 15)"
	whyPartitionTopLevel = "the Partitioned cookie set during a top-level navigation to the API lands in the API's own partition " +
		"(https://example.com), so the SPA's fetches from https://myapp.vercel.app never carry it " +
		"(BR 'Consequences': measured in Chromium 156, form-POST login stored it under https://example.com, next fetch 401)"
	whyPartitionTopLevelFirefox = "Firefox partitions the Partitioned cookie under the top-level site of the navigation (example.com), " +
		"not the SPA's (myapp.vercel.app), so the SPA's fetches never carry it (BR 31 and 'Measured in Firefox': Partitioned cookies are partitioned even same-site)"
	whyWebKitFirstPartyLogout = "measured here, against BR 'Measured in WebKitGTK' (no cookie works cross-site): WebKitGTK's " +
		"no-third-party policy only refuses cookies *set* in a third-party context. The cookie stored first-party during " +
		"the top-level login IS sent on the SPA's cross-site fetches (who-am-I 200), but the expiring Set-Cookie of the " +
		"cross-site logout response is refused, so the session outlives logout (WebKitGTK's libsoup, not Safari)"
	whyWebKitSecureLocalhost = "Prod's cookie is Secure, and WebKit stores no Secure cookie from http://localhost " +
		"(BR 26 and 'Measured in WebKitGTK' row f)"
	why127 = "127.0.0.1 → localhost is cross-site (BR 7), so Dev's SameSite=Lax cookie fails as on any cross-site fetch"
)

var expect = map[string]map[string]want{
	// (a) localhost:P → localhost:Q is same-site; Lax, not Secure, works
	// everywhere (BR 'Consequences': today's Dev round-trips same-site in
	// all three engines).
	"a-dev-localhost": every(works()),

	// (b) *.localhost front ends → localhost.
	"b-dev-app-localhost": {
		chromiumDefault: knownFail("no-session", whyLaxCrossSiteFetch+whyLocalhostSubdomain),
		chromium3PC:     knownFail("no-session", whyLaxCrossSiteFetch+whyLocalhostSubdomain),
		firefoxDefault:  knownFail("no-session", whyLaxCrossSiteFirefox+whyLocalhostSubdomain),
		webkitDefault:   knownFail("no-session", whyWebKitCrossSite+whyLocalhostSubdomain),
	},
	"b-dev-staging-localhost": {
		chromiumDefault: knownFail("no-session", whyLaxCrossSiteFetch+whyLocalhostSubdomain),
		chromium3PC:     knownFail("no-session", whyLaxCrossSiteFetch+whyLocalhostSubdomain),
		firefoxDefault:  knownFail("no-session", whyLaxCrossSiteFirefox+whyLocalhostSubdomain),
		webkitDefault:   knownFail("no-session", whyWebKitCrossSite+whyLocalhostSubdomain),
	},
	// app.example.com → api.example.com is same-site: Prod's
	// None; Secure; Partitioned cookie round-trips (Chromium table row c,
	// Firefox RTp(example.com), WebKit RT).
	"b-prod-subdomain": every(works()),

	// (c) hybrid, Development over http, same-site: Lax without Secure on
	// plain-http hostnames round-trips same-site in all three engines (BR
	// row e); a top-level login on a same-site API is first-party and its
	// cookie is then sent same-site.
	"c-hybrid-dev-same-site-fetch":      every(works()),
	"c-hybrid-dev-same-site-form":       every(works()),
	"c-hybrid-dev-same-site-oauth-like": every(works()),
	// hybrid, Development over http, cross-site: Lax never flows.
	"c-hybrid-dev-cross-site-fetch": {
		chromiumDefault: knownFail("no-session", whyLaxCrossSiteFetch),
		chromium3PC:     knownFail("no-session", whyLaxCrossSiteFetch),
		firefoxDefault:  knownFail("no-session", whyLaxCrossSiteFirefox),
		webkitDefault:   knownFail("no-session", whyWebKitCrossSite),
	},
	"c-hybrid-dev-cross-site-form":       every(knownFail("no-session", whyLaxTopLevel)),
	"c-hybrid-dev-cross-site-oauth-like": every(knownFail("no-session", whyLaxTopLevel)),
	// hybrid, Production over https, same-site: the partition key of a
	// top-level login on api.example.com is https://example.com, the
	// same as the SPA's, so every login style works.
	"c-hybrid-prod-same-site-fetch":      every(works()),
	"c-hybrid-prod-same-site-form":       every(works()),
	"c-hybrid-prod-same-site-oauth-like": every(works()),
	// hybrid, Production over https, cross-site.
	"c-hybrid-prod-cross-site-fetch": {
		chromiumDefault: works(), // partitioned under https://myapp.vercel.app (BR Chromium row d)
		chromium3PC:     works(),
		firefoxDefault:  works(), // RTp(myapp.vercel.app) (BR Firefox row d)
		webkitDefault:   knownFail("no-session", whyWebKitCrossSite),
	},
	"c-hybrid-prod-cross-site-form": {
		chromiumDefault: knownFail("no-session", whyPartitionTopLevel),
		chromium3PC:     knownFail("no-session", whyPartitionTopLevel),
		firefoxDefault:  knownFail("no-session", whyPartitionTopLevelFirefox),
		webkitDefault:   knownFail("session-survived-logout", whyWebKitFirstPartyLogout),
	},
	"c-hybrid-prod-cross-site-oauth-like": {
		chromiumDefault: knownFail("no-session", whyPartitionTopLevel),
		chromium3PC:     knownFail("no-session", whyPartitionTopLevel),
		firefoxDefault:  knownFail("no-session", whyPartitionTopLevelFirefox),
		webkitDefault:   knownFail("session-survived-logout", whyWebKitFirstPartyLogout),
	},

	"d-dev-127-to-localhost": {
		chromiumDefault: knownFail("no-session", why127+"; "+whyLaxCrossSiteFetch),
		chromium3PC:     knownFail("no-session", why127+"; "+whyLaxCrossSiteFetch),
		firefoxDefault:  knownFail("no-session", why127+"; "+whyLaxCrossSiteFirefox),
		webkitDefault:   knownFail("no-session", why127+"; "+whyWebKitCrossSite),
	},

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
	// A cross-site attacker: Lax is not sent cross-site (BR 15), on the
	// fetch or on the top-level form POST.
	"f-attack-dev-cross-site": every(as("refused (fetch: no cookie, form: no cookie)", "")),
	// A same-site unlisted page (localhost:R): the Lax cookie is sent on
	// same-site requests (BR 17).
	"f-attack-dev-same-site": every(as("refused (fetch: cookie, form: cookie)", "")),
	// An attacker on another site: the partitioned cookie (partition
	// myapp.vercel.app) is not sent from evil.example.net, and a top-level
	// form POST uses the API's own partition.
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
