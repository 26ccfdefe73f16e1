package crosssession

import (
	"net/http"
	"slices"
)

// Dev returns the Development preset: a cookie named "session" with
// SameSite=Lax and no Secure attribute for front ends same-site with the
// API (localhost:3000 -> localhost:3001), which works over plain http in
// Chromium, Firefox and WebKit (WebKit stores no Secure cookie from
// http://localhost). Cross-site front ends (app.localhost or 127.0.0.1 ->
// localhost) get SameSite=None; Secure; Partitioned, which Chromium and
// Firefox keep on http://localhost and WebKit refuses (see
// Cookie.SameSiteOnly).
//
// With no origins it allows http://localhost, http://127.0.0.1 and
// http://[::1] on any port. Without Keys the session key is random per
// process. Request diagnostics go to the log and to an
// X-Crosssession-Debug response header.
func Dev(origins ...string) Config {
	if len(origins) == 0 {
		origins = []string{"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"}
	}
	return Config{
		Mode:    Development,
		Origins: slices.Clone(origins),
		Cookie: Cookie{
			Name:     "session",
			SameSite: http.SameSiteLaxMode,
			Insecure: true,
		},
	}
}

// Prod returns the Production preset: a cookie named "__Host-session",
// HttpOnly; Secure; Path=/, with SameSite=Lax for front ends same-site with
// the API (app.example.com -> api.example.com) and SameSite=None;
// Partitioned for cross-site ones (myapp.vercel.app -> api.example.com),
// which keeps it in Chromium even with third-party cookies blocked and in
// Firefox; WebKit keeps no cross-site cookie (see Cookie.SameSiteOnly). key
// signs and encrypts the cookie and must be at least 32 random bytes; at
// least one origin is required. Unsafe requests from unlisted origins are
// refused (CSRF).
func Prod(key []byte, origins ...string) Config {
	return Config{
		Mode:    Production,
		Origins: slices.Clone(origins),
		Keys:    [][]byte{key},
		Cookie: Cookie{
			Name:     "__Host-session",
			SameSite: http.SameSiteLaxMode,
		},
	}
}

// Bearer returns a policy without a session, for routes authenticated by an
// Authorization header: CORS for origins with the Authorization header
// allowed, no Access-Control-Allow-Credentials, and no cookie read or
// written. The front end calls these routes without credentials: 'include'.
// Combine it with a cookie [Group] for a hybrid API.
func Bearer(origins ...string) Config {
	return Config{
		Mode:      Production,
		Origins:   slices.Clone(origins),
		NoSession: true,
	}
}
