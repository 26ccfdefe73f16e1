package crosssession

import (
	"context"
	"time"
)

// A Backend keeps sessions on the server, for Config.Backend: the cookie
// carries only a signed session ID, and each session is a set of named,
// separately encoded values, so a logout ends every copy of the cookie at
// once and two requests that change different values of one session both
// keep their change. The redisstore module implements it on Redis (single
// node, Sentinel, Cluster).
//
// crosssession calls it at most once to load a session and once to save
// it per request, and not at all for a request that does not use the
// session. Value names are never empty (a session's "" key is refused with
// ErrUnencodable before the Backend is called), so an implementation may
// use "" for its own purposes. Implementations must be safe for concurrent
// use. An error means the backend failed (the request that needed the session is answered
// with 503); an absent session is not an error.
type Backend interface {
	// Load returns the values of session id and true, or false when there
	// is no such session (never created, expired or deleted).
	Load(ctx context.Context, id string) (map[string][]byte, bool, error)

	// Update changes session id in one atomic step: it sets the values of
	// set, removes the names in del, and makes the session expire ttl from
	// now. Unless create is true it changes nothing and returns false when
	// the session does not exist, so a request that loaded a session
	// before a logout cannot bring it back; with create it makes the
	// session if needed. A call with no values to set or remove only
	// renews the time to live.
	Update(ctx context.Context, id string, set map[string][]byte, del []string, ttl time.Duration, create bool) (bool, error)

	// Delete removes session id and reports whether it existed, so that of
	// two requests deleting one session exactly one learns it did.
	Delete(ctx context.Context, id string) (bool, error)
}
