package crosssession

import (
	"net/http"
	"slices"
)

// Dev returns the Development preset: a cookie named "session" with
// SameSite=Lax and no Secure attribute, so plain http works in every
// browser (Safari refuses Secure cookies on http://localhost). The front end
// and the API must then be same-site: localhost:3000 → localhost:3001 is;
// 127.0.0.1 → localhost is not.
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

// Prod returns the Production preset: a cookie named "__Host-session" with
// SameSite=None; Secure; Partitioned; HttpOnly; Path=/, which works whether
// the front end is same-site with the API (app.example.com →
// api.example.com) or cross-site (myapp.vercel.app → api.example.com), even
// in browsers that block third-party cookies. key signs and encrypts the
// cookie and must be at least 32 random bytes; at least one origin is
// required. Unsafe requests from unlisted origins are refused (CSRF).
//
// When every front end is same-site with the API, SameSite=Lax without
// Partitioned is a stronger choice: set Cookie.SameSite and
// Cookie.Partitioned.
func Prod(key []byte, origins ...string) Config {
	return Config{
		Mode:    Production,
		Origins: slices.Clone(origins),
		Keys:    [][]byte{key},
		Cookie: Cookie{
			Name:        "__Host-session",
			SameSite:    http.SameSiteNoneMode,
			Partitioned: true,
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
