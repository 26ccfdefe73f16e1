package crosssession

import "fmt"

// Request diagnostics, in one table. A reason is a stable code (the log's
// "reason" attribute, and the prefix of X-Crosssession-Debug) and the
// format of its message; the README's troubleshooting table gives each
// code's fix. A new diagnostic is one entry here and one call of diagnose.
// Claims about browsers name the engines and the versions measured
// (BROWSER-RULES.md, the e2e tables) and are tested per engine
// (TestCookieVerdictFollowsMeasurements).
type reason struct{ code, format string }

func (r reason) text(args ...any) string { return fmt.Sprintf(r.format, args...) }

var (
	rCSRF = reason{"csrf-rejected", "%s refused with 403 (CSRF protection): Origin %q is not allowed and Sec-Fetch-Site " +
		"is %q for host %q (%v); add the front end's origin to Config.Origins if it is yours"}
	rOriginNotAllowed = reason{"origin-not-allowed", "origin %s is not allowed, so the response has no CORS headers " +
		"and the browser hides it"}
	rPreflightMethod = reason{"preflight-not-allowed", "the preflight asks for method %q, which AllowMethods (%s) " +
		"lacks, so the browser refuses the request; add it to Config.AllowMethods if a route takes it"}
	rPreflightMethodCase = reason{"preflight-not-allowed", "the preflight asks for method %q: fetch sends methods " +
		"other than DELETE, GET, HEAD, OPTIONS, POST and PUT as written and browsers compare them case-sensitively, " +
		"so the request is refused although %q is allowed; write method: %q in the front end"}
	rPreflightHeaders = reason{"preflight-not-allowed", "the preflight asks for request headers %s, which " +
		"AllowHeaders (%s) lacks, so the browser refuses the request; add them to Config.AllowHeaders"}
	rPreflightNoRoute = reason{"preflight-no-route", "the preflight asks for %s %s, which no route serves (%s), " +
		"so unless a NoRoute handler answers it the request gets 404 or 405; register the route, or fix the front " +
		"end's URL or method"}
	rCookieSecureHTTP = reason{"cookie-secure-over-http", "cookie %q is Secure but the request came over plain http " +
		"to %s, so Chromium, Firefox and WebKit refuse it; serve the API over https (behind a proxy, see " +
		"Config.TrustedProxies) or use crosssession.Dev() (no Secure) in development"}
	rCookieSecureLocalhost = reason{"cookie-secure-on-localhost", "cookie %q is Secure and the API is plain http " +
		"on %s: WebKit (Safari) stores no Secure cookie there (measured in WebKitGTK 2.50), while Chromium 156 and " +
		"Firefox 153 do; use crosssession.Dev() (no Secure) for local development"}
	rCookieCrossSite = reason{"cookie-samesite-cross-site", "cookie %q is SameSite=%s but the request is cross-site " +
		"(%s -> %s), so Chromium, Firefox and WebKit refuse to store it; make the front end and API same-site (e.g. " +
		"both on localhost, or app. and api. of one domain) or use crosssession.Prod (SameSite=None; Secure; " +
		"Partitioned)"}
	rCookieCrossSiteHTTP = reason{"cookie-samesite-cross-site", "cookie %q is SameSite=%s but the request is " +
		"cross-site (%s -> %s), so Chromium, Firefox and WebKit refuse to store it, and over plain http off localhost " +
		"no cookie works cross-site (the cross-site cookie needs Secure); serve the API over https, or make the " +
		"front end and API same-site"}
	rCookieOnNavigation = reason{"cookie-set-on-navigation", "cookie %q was set on a top-level navigation that " +
		"redirects to %s, a front end cross-site with the API, which never sees a cookie set there: Chromium and " +
		"Firefox keep it in the API's own partition or refuse it to the front end's fetches, WebKit keeps no " +
		"cross-site cookie; end the login with crosssession.Handoff(c, target)"}
	rCookieNotPartitioned = reason{"cookie-third-party", "cookie %q is a third-party cookie here (%s -> %s) and not " +
		"Partitioned: Chromium refuses it when third-party cookies are blocked (the default of Debian's Chromium " +
		"156, and of Incognito windows) and WebKit always does; Firefox keeps it in the front end's partition; set " +
		"Cookie.Partitioned (crosssession.Prod does)"}
	rCookieWebKitCrossSite = reason{"cookie-third-party", "cookie %q is a third-party cookie here (%s -> %s): WebKit " +
		"(Safari) stores no cross-site cookie, Partitioned or not (measured in WebKitGTK 2.50); the layouts that " +
		"work in Chromium, Firefox and WebKit are same-site (the API on a subdomain of the front end's domain) or " +
		"one origin (a proxy on the front end's host)"}
	rNoCookie = reason{"no-cookie", "the request used the session but carried no cookie at all, though this server " +
		"gave a session cookie to a page of %s %s ago and has not expired one since: the front end probably calls " +
		"fetch without credentials: 'include' (axios: withCredentials: true), or the browser refused the cookie " +
		"when it was set (%s)"}
	rCookieUndecodable = reason{"cookie-undecodable", "the session cookie could not be read, so a fresh session was " +
		"started: %s"}
	rCookieTooLarge  = reason{"cookie-too-large", "%s"}
	rChangedAfterEnd = reason{"session-saved-after-write", "the session was changed after the request ended (in " +
		"a goroutine?), so the change is lost"}
	rChangedAfterWrite = reason{"session-saved-after-write", "the session was changed after the response was " +
		"written, so the change is lost; change the session before writing the body"}
	rChangedBeforeHijack = reason{"session-saved-after-write", "the session was changed before the connection was " +
		"hijacked (WebSocket upgrade), so the change is lost; save it in an earlier request"}
	rHandoffRefused = reason{"handoff-refused", "the X-Crosssession-Handoff code was not redeemed: %s; the request " +
		"goes on with the session it carried (log in again)"}
	rSessionExpired  = reason{"session-expired", "the session ended, so the request goes on with a fresh one: %s"}
	rSessionRevoked  = reason{"session-revoked", "%s; the response goes out without the session cookie"}
	rStoreFailed     = reason{"store-unavailable", "the session store failed, so the request was answered with 503: %s"}
	rStoreFailedLate = reason{"store-unavailable", "the session store failed: %v"}
	rUnencodable     = reason{"session-unencodable", "the session was not saved, so the request was answered with " +
		"500: %s"}
)

// Parts of origin-not-allowed in Development: suggestions name configured
// origins, so only near misses get one, and Production none.
const (
	nearMissText  = "; did you mean %s?"
	otherSiteText = " The request came from %s, a different site, so cookies are not shared either"
)
