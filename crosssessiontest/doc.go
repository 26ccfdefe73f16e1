// Package crosssessiontest is a test client that behaves like the browsers
// an SPA runs in: given a page's origin, it sends requests the way fetch()
// does (Origin, credentials modes, preflights, the CORS check, redirects,
// Sec-Fetch-*), navigates top-level (links, form POSTs, redirect logins),
// and stores and sends cookies by each engine's rules, as measured in
// Chromium 156, Firefox 153 ESR and WebKitGTK 2.50. An app proves its
// login flow works, per engine, in a plain go test:
//
//	for _, p := range crosssessiontest.Profiles {
//		b := crosssessiontest.New(p)
//		b.Serve("api.example.com", router) // the app's http.Handler (gin.Engine), called in process
//		spa := b.Open("https://app.example.com/")
//		login := spa.Fetch("https://api.example.com/login", crosssessiontest.Init{Method: "POST", Credentials: crosssessiontest.Include})
//		me := spa.Fetch("https://api.example.com/me", crosssessiontest.Init{Credentials: crosssessiontest.Include})
//		if me.Status != 200 {
//			t.Errorf("%s: login %d, me %d %v; refused: %v", p, login.Status, me.Status, me.Err, append(login.Refused, me.Refused...))
//		}
//	}
//
// Every cookie the engine refuses (to store or to send) is in
// Response.Refused with a reason in the words of crosssession's reason
// codes (cookie-samesite-cross-site, cookie-third-party,
// cookie-secure-over-http, cookie-secure-on-localhost, no-cookie, ...), and
// every failed fetch has Response.Err; a CORS failure is a *CORSError
// named as Chromium names it (MissingAllowOriginHeader,
// InvalidAllowCredentials, MethodDisallowedByPreflightResponse, ...) with
// the library's code where one applies (origin-not-allowed,
// preflight-not-allowed). Response.Trace shows each request as sent and
// each response as received.
//
// A Scenario describes a session once, as plain data, so that an
// end-to-end harness can play the same steps in real engines and compare
// the outcomes per profile.
//
// # Rules
//
// C is Chromium (third-party cookies blocked), C3 Chromium with them
// allowed, F Firefox, W WebKit. BR n is item n of BROWSER-RULES.md; "BR C"
// its Chromium measurements, "BR FW" its Firefox and WebKit ones; "e2e"
// the per-engine tables of e2e/. Each measured cell of BR C and BR FW is a
// row of TestMeasuredTables.
//
//	Sites
//	  site = scheme + registrable domain (public suffix list, private       all     BR 2, 3, 9
//	    section included); IP addresses, localhost, suffixes: the host
//	  ports never count; 127.0.0.1 and localhost differ; *.localhost        all     BR 4, 7, 8
//	    names are sites of their own
//	  unknown TLD (.test) has no registrable domain: each host its site     W       BR FW c'
//	  SameSite compares schemes (schemeful same-site)                       C C3    BR 6
//	Fetch
//	  Origin: scheme://host[:port], default port elided; on every CORS      all     Fetch; BR 47
//	    request and on non-GET/HEAD; "null" after a cross-origin redirect
//	    from a cross-origin URL                                                      BR 46
//	  credentials same-origin (default) / include / omit; same-origin       all     BR 12
//	    stops at the first cross-origin hop
//	  methods: only DELETE GET HEAD OPTIONS POST PUT uppercased;            all     BR 42
//	    CONNECT TRACE TRACK refused
//	  preflight unless GET/HEAD/POST with safelisted headers (Accept,       all     BR 43
//	    Accept-Language, Content-Language, Content-Type of the three
//	    form/text types, Range; values <= 128 bytes, 1024 in all);
//	    Access-Control-Request-Headers lowercase, sorted, comma-joined
//	  preflight: no cookies, CORS check with the request's credentials      all     BR 40
//	    mode, 2xx, no redirect; methods compared case-sensitively,
//	    headers case-insensitively; "*" literal with credentials             all     BR 41
//	  "*" in Allow-Headers never covers Authorization                       F       BR 41
//	  CORS check: one ACAO byte-equal to the Origin ("*" only without       all     BR 39
//	    credentials); ACAC exactly "true" with credentials; on every hop
//	  preflight cache: a successful preflight's methods and header names,   all     BR 45
//	    per top-level site, Origin, URL and credentials, for its Max-Age
//	    (5 s without), capped at 7200 s (C C3), 86400 s (F), 600 s (W)
//	  preflight cache reused only from the third preflighted request to     F       e2e
//	    a URL whose host is not localhost
//	  Set-Cookie stored before the CORS check; never from a preflight       all     BR 13
//	  Sec-Fetch-Site/-Mode/-Dest only to https and loopback http            all     BR 63, 64
//	  https page to plain http (not loopback): blocked (mixed content)      all     BR 49
//	  redirects: 303 (and 301/302 after POST) become GET; fragment kept     all     Fetch
//	Navigations (Navigate, SubmitForm)
//	  first-party: the destination is the top-level site; Lax cookies on    all     BR 14, 15, 22
//	    cross-site GET, never Strict; Origin only on POST; the page moves
//	  cookies without SameSite on a cross-site POST within 2 minutes        C C3    BR 19
//	Cookies: storing
//	  name + value > 4096 bytes dropped; attribute values > 1024 ignored    all     BR 53
//	  Max-Age (over Expires), <= 0 deletes; capped at 400 days              all     BR 55
//	  third-party and not Partitioned: refused (reported first, as          C       BR C table 1
//	    UserPreferences hides the SameSite reason)
//	  third-party: refused, Partitioned or not (expiries included)          W       BR FW b, d; e2e
//	  Secure (or __Secure-/__Host-) over plain http, not loopback: refused  all     BR C e, BR FW e
//	  Secure over plain http to loopback: refused                           W       BR 26; BR FW a, f, g
//	  __Secure- needs Secure; __Host- needs Secure, Path=/, no Domain;      all     BR 50, 51
//	    prefixes matched case-insensitively
//	  Partitioned needs Secure                                              C C3 F  BR 35
//	  SameSite=None needs Secure                                            C C3 F  BR 23
//	  Domain must cover the host and not be a public suffix                 all     RFC 6265bis
//	  Lax/Strict (C: also unset) from a cross-site fetch: refused           all     BR 16; BR C, FW
//	  unset SameSite is Lax                                                 C C3    BR 18
//	  unset SameSite is None (no Secure needed)                             F W     BR 20, 21
//	  Partitioned: kept in the top-level site's partition, same-site too    C C3 F  BR 34; BR FW
//	  third-party unpartitioned: kept in the top-level site's partition     F       BR 31; BR FW b, d
//	  Partitioned ignored first-party (no CHIPS in WebKitGTK)               W       BR FW d
//	Cookies: sending
//	  host-only vs Domain; path-match; Secure only where it can be set;     all     RFC 6265bis
//	    longer paths first, then older
//	  partitioned cookies only under their top-level site                   C C3 F  BR 34
//	  third-party request: unpartitioned cookies not sent                   C       BR C; e2e
//	  third-party request: only the top-level site's partition              F       BR 31; e2e
//	  first-party cookies sent on cross-site fetches if SameSite allows     C3 W    BR C table 2; e2e
//	  Lax/Strict (C: also unset) not sent on a cross-site fetch             all     BR 15
//
// Reasons name the first check that fails, in that order; Reasons lists
// the others that also apply. A Set-Cookie that only expires a cookie the
// jar does not hold is not reported when refused (crosssession's Logout
// expires both variants of its cookie).
//
// Not modelled: Local Network Access prompts, cookie count limits and
// eviction, Referer, fetch modes other than "cors" and redirect modes
// other than "follow", the Storage Access API, ITP's 7-day caps, "leave
// secure cookies alone", document.cookie, and browser URL parsing (write
// canonical URLs: lowercase hosts, no IPv4 shorthands). WebKit's "cookies
// stored first-party are still sent cross-site" is WebKitGTK's behaviour
// as measured, not necessarily Safari's.
package crosssessiontest
