package crosssession

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Errors returned by [Login], [Logout] and the session's Save, for
// errors.Is. The first three are programming mistakes whose message says
// how to fix them (answer them with 500 and read the log); ErrStoreUnavailable
// is an outage (answer 503 and retry later).
var (
	// ErrNoSession: the route has no crosssession session. It is not behind
	// New or a session Group (routes registered before r.Use(New(...)) are
	// not), the policy is Bearer or NoSession, or gin-contrib's
	// sessions.Sessions runs after crosssession and replaced its session.
	ErrNoSession = errors.New("crosssession: no session on this route")

	// ErrResponseWritten: the session was changed or saved, or Login or
	// Logout called, after the response headers were written, or after the
	// request ended (a goroutine holding the session): the browser cannot
	// get the change.
	ErrResponseWritten = errors.New("crosssession: the response was already written")

	// ErrCookieTooLarge: the encoded session is over the 4,096 bytes of
	// name and value that Chromium and Firefox accept; browsers would drop
	// it silently.
	ErrCookieTooLarge = errors.New("crosssession: session cookie too large")

	// ErrUnencodable: a session value cannot be encoded (a type not
	// registered with gob.Register), or, with a Config.Backend, its key is
	// not a non-empty string.
	ErrUnencodable = errors.New("crosssession: session value cannot be encoded")

	// ErrSessionRevoked: a session loaded from a Backend or Store was ended
	// (Logout, or Login elsewhere) while the request ran; its change was
	// dropped rather than bringing the session back.
	ErrSessionRevoked = errors.New("crosssession: session ended while the request ran")

	// ErrCrossOrigin: an unsafe request (POST, PUT, PATCH, DELETE) from a
	// cross-origin page that is not allowed was refused with 403 (CSRF).
	// Only Config.ErrorHandler sees it.
	ErrCrossOrigin = errors.New("crosssession: cross-origin request refused")

	// ErrStoreUnavailable: the server-side session store (Config.Backend,
	// e.g. redisstore, or Config.Store) failed to load, save or delete a
	// session.
	ErrStoreUnavailable = errors.New("crosssession: session store unavailable")
)

// sessionError is one of the Err values with the details of one failure.
// The package prefix comes from the Err value, so detail is what
// diagnostics quote.
type sessionError struct {
	kind   error  // one of the Err values
	detail string // what happened and the fix
	cause  error  // the underlying error, or nil
}

func (e *sessionError) Error() string { return e.kind.Error() + ": " + e.detail }

func (e *sessionError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// newError returns a sessionError of kind wrapping cause (may be nil); the
// detail is formatted as fmt.Sprintf does, and names the cause if it should.
func newError(kind, cause error, format string, args ...any) *sessionError {
	return &sessionError{kind: kind, detail: fmt.Sprintf(format, args...), cause: cause}
}

// detail returns the message of err without the package prefix, for
// diagnostics.
func detail(err error) string {
	var e *sessionError
	if errors.As(err, &e) {
		return e.detail
	}
	return err.Error()
}

// writeError writes the body of an error response crosssession answers by
// itself, with Config.ErrorHandler or the default: a line of text for 403,
// a JSON object for 500 and 503.
func (m *middleware) writeError(c *gin.Context, status int, err error) {
	if m.onError != nil {
		m.onError(c, status, err)
		return
	}
	switch status {
	case http.StatusForbidden:
		c.Data(status, contentTypeText, []byte(err.Error()+"\n"))
	case http.StatusServiceUnavailable:
		c.Data(status, contentTypeJSON, []byte(`{"error":"session store unavailable"}`))
	default:
		c.Data(status, contentTypeJSON, []byte(`{"error":"session could not be saved"}`))
	}
}
