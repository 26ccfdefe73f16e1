// Package crosssession makes session cookies work when a browser front end
// and a Gin API live on different origins.
//
// One middleware gives the API credentialed CORS for the listed front-end
// origins, a cookie session read with gin-contrib/sessions, and protection
// against cross-site requests that would ride on that cookie:
//
//	r := gin.New()
//	r.Use(crosssession.New(crosssession.Dev())) // http://localhost:* front ends
//	r.POST("/login", func(c *gin.Context) {
//		s := sessions.Default(c)
//		s.Set("user", "alice") // saved automatically before the response is written
//		c.Status(http.StatusNoContent)
//	})
//
// The front end must send credentials: fetch(url, {credentials: 'include'}),
// or axios's withCredentials: true.
//
// [Dev], [Prod] and [Bearer] are presets: Config values to adjust before
// passing them to [New]. [Config.Validate] reports every problem of a Config
// at once, and New panics with that error, so a configuration browsers would
// silently reject never starts.
//
// # Requests
//
// For each request the middleware:
//   - adds Vary: Origin (never replacing other Vary values); every response
//     gets its own header values, never memory another response shares;
//   - answers a preflight (OPTIONS with Access-Control-Request-Method) with
//     204 and, for an allowed origin, the exact origin,
//     Access-Control-Allow-Credentials: true and explicit method and header
//     lists, without touching the session;
//   - for an allowed origin adds Access-Control-Allow-Origin and
//     Access-Control-Allow-Credentials before the handlers run, so error
//     responses keep them; an unlisted origin gets no CORS headers and a
//     safe request proceeds;
//   - refuses with 403 an unsafe request (POST, PUT, PATCH, DELETE) from a
//     cross-origin browser context that is not allowed, using
//     [net/http.CrossOriginProtection] fed with the same allow-list
//     ([Config.InsecureBypassPatterns] exempts identity-provider callbacks);
//   - provides the session, loaded on first use and saved before the first
//     byte of the response if a handler changed it.
//
// # Sessions
//
// Handlers use gin-contrib/sessions' Session (sessions.Default(c)), backed
// by crosssession's implementation, which differs from gin-contrib's:
//   - Save is optional: a changed session is saved before the response is
//     written. Save returns an error wrapping [ErrResponseWritten],
//     [ErrCookieTooLarge], [ErrUnencodable] or [ErrStoreUnavailable].
//   - A session that was only read is never re-sent, not even under an old
//     key during rotation, so a slow read cannot undo a logout.
//   - Options changes the cookie for one response; zero fields keep the
//     configured value (MaxAge included), Secure and HttpOnly can only be
//     turned on, and Partitioned is kept. MaxAge < 0 expires the cookie;
//     prefer [Logout].
//   - Every cookie of the session's name the browser sends is tried.
//   - A handler that panics never commits its change.
//   - A response that carries the session cookie gets Cache-Control:
//     private, so no shared cache stores it.
//
// [Login] starts a fresh session after authentication (no session
// fixation); [Logout] ends it. A session stored only in its cookie cannot
// be revoked: keep sessions in a [Config.Store] for that.
//
// # Stacking
//
// [Group] attaches a policy to one route group and answers its preflights;
// policies stack (an engine-level New, typically [Bearer], with Groups
// under it, or Groups inside Groups). The innermost policy writes the CORS
// headers; a session policy's CSRF refusal lets a later session Group
// decide, unless that Group reads the refusing policy's cookie. See Group.
//
// # Diagnostics
//
// New logs, through [log/slog] ([Config.Logger]), the policy as browsers
// will see it and warnings from the browser rules ([Config.Report] returns
// the same as text). When a browser is going to refuse a request or a
// cookie, a log line with a stable reason code says why and how to fix it,
// for the engine that sent the request (Chromium, Firefox or WebKit, as
// measured); in Development the same text goes into the
// X-Crosssession-Debug response header. The README's troubleshooting table
// lists every code.
package crosssession
