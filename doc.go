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
// [Dev] and [Prod] are presets: Config values to adjust before passing them
// to [New]. [Config.Validate] reports every problem of a Config at once, and
// New panics with that error, so a configuration browsers would silently
// reject never starts. [Group] attaches a policy to one route group and
// answers its preflights; [Bearer] is the policy for token-authenticated
// routes.
//
// For each request the middleware:
//   - adds Vary: Origin (never replacing other Vary values);
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
//     [net/http.CrossOriginProtection] fed with the same allow-list;
//   - provides the session, loaded on first use and saved before the first
//     byte of the response if a handler changed it.
package crosssession
