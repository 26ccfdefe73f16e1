package crosssession

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	gsessions "github.com/gorilla/sessions"
)

// Sessions in a Config.Backend: the cookie carries the session ID, signed
// and encrypted like the cookie store's values ({"i": id}); the values are
// stored one by one, each encoded on its own, so a save sends only the
// values this request changed and removed, and two requests that change
// different values of one session both keep their change (the same value:
// the last writer wins).

// backendIDKey is the name of the ID in the cookie's values.
const backendIDKey = "i"

// backendState is what a request knows of its session's record.
type backendState struct {
	loaded map[string][]byte // the encoded values as loaded
	renew  bool              // the cookie and the record's life are renewed
}

// loadFromBackend reads the session whose ID the newest cookie that
// verifies carries: one Load, and none when the request has no cookie.
func (s *reqSession) loadFromBackend() *gsessions.Session {
	s.cookieSess = gsessions.Session{Values: make(map[any]any), IsNew: true}
	gs := &s.cookieSess
	s.gs = gs
	id, issued := s.backendID()
	if id == "" {
		return gs
	}
	raw, ok, err := s.cfg.backend.Load(s.backendCtx(), id)
	if err != nil {
		s.storeErr = err
		if s.done.Load() {
			s.cfg.m.diagnose(nil, rStoreFailedLate, s.origin, err)
			return gs
		}
		panic(storeUnavailable{err})
	}
	if !ok {
		return gs // logged out, expired or never saved: a fresh session
	}
	for k, b := range raw {
		if v, err := decodeValue(b); err == nil {
			gs.Values[k] = v
		}
	}
	if seen, ok := gs.Values[metaSeen].(int64); ok {
		issued = seen
	}
	if s.admit(gs, issued, false); !s.hadCookie {
		// Ended (lifetime): the request goes on with a fresh session under
		// a new ID, and the record goes (best effort: its TTL ends it
		// anyway), so no copy of the old cookie opens what comes next.
		gs.IsNew = true
		_, _ = s.cfg.backend.Delete(s.backendCtx(), id)
		return gs
	}
	gs.ID, s.backend.loaded = id, raw
	return gs
}

// backendID returns the session ID of the newest cookie that verifies and
// when it was issued (Unix milliseconds), or "".
func (s *reqSession) backendID() (string, int64) {
	var id string
	newest := int64(-1)
	for _, ck := range s.r.CookiesNamed(s.cfg.name) {
		var vs map[any]any
		if err := s.cfg.decode(ck.Value, &vs); err != nil {
			continue
		}
		if v, ok := vs[backendIDKey].(string); ok && v != "" {
			if t := cookieTime(ck.Value); t >= newest {
				id, newest = v, t
			}
		}
	}
	return id, newest * 1000
}

// saveToBackend saves the changes of gs, or deletes it for a logout
// (opts.MaxAge < 0). It reports whether the response needs the cookie: a
// new session, a renewal, changed options or a logout.
func (s *reqSession) saveToBackend(gs *gsessions.Session, opts *gsessions.Options, maxAge int64) (bool, error) {
	ctx := s.backendCtx()
	if opts.MaxAge < 0 {
		if gs.ID != "" {
			if _, err := s.cfg.backend.Delete(ctx, gs.ID); err != nil {
				return false, newError(ErrStoreUnavailable, err, "deleting session %q: %v", s.cfg.name, err)
			}
		}
		return true, nil
	}
	set, del, err := s.backendChanges(gs.Values)
	if err != nil {
		return false, err
	}
	create := gs.ID == ""
	if create {
		gs.ID = newSessionID()
	}
	ok, err := s.cfg.backend.Update(ctx, gs.ID, set, del, time.Duration(maxAge)*time.Second, create)
	if err != nil {
		return false, newError(ErrStoreUnavailable, err, "saving session %q: %v", s.cfg.name, err)
	}
	if !ok {
		return false, newError(ErrSessionRevoked, nil, "session %q was ended (Logout, or Login elsewhere) while this "+
			"request ran, so its change was dropped", s.cfg.name)
	}
	s.backend.loaded = nil
	return create || s.backend.renew || s.opts != nil, nil
}

// backendChanges encodes the values that differ from those loaded, and
// names the loaded ones that are gone.
func (s *reqSession) backendChanges(vs map[any]any) (map[string][]byte, []string, error) {
	set := make(map[string][]byte, len(vs))
	for k, v := range vs {
		name, ok := k.(string)
		if !ok || name == "" {
			return nil, nil, newError(ErrUnencodable, nil, "key %#v: a Backend stores values under non-empty "+
				"string keys, not %T", k, k)
		}
		b, err := encodeValue(v)
		if err != nil {
			return nil, nil, encodeError(err, k, v)
		}
		if old, ok := s.backend.loaded[name]; !ok || !bytes.Equal(old, b) {
			set[name] = b
		}
	}
	var del []string
	for name := range s.backend.loaded {
		if _, ok := vs[name]; !ok {
			del = append(del, name)
		}
	}
	return set, del, nil
}

// deleteBackendSession removes the session gs loaded, for Login and a
// late Logout.
func (s *reqSession) deleteBackendSession(gs *gsessions.Session) error {
	if gs.ID == "" {
		return nil
	}
	if _, err := s.cfg.backend.Delete(s.backendCtx(), gs.ID); err != nil {
		return newError(ErrStoreUnavailable, err, "deleting session %q: %v", s.cfg.name, err)
	}
	return nil
}

// backendCtx is the request's context: a client that went away cancels
// the backend's work for it.
func (s *reqSession) backendCtx() context.Context {
	if s.done.Load() {
		return context.Background()
	}
	return s.r.Context()
}

// newSessionID returns 32 random bytes, URL-safe.
func newSessionID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// encodeValue encodes one session value with the session codec.
func encodeValue(v any) ([]byte, error) {
	return sessionSerializer{}.Serialize(map[any]any{"": v})
}

func decodeValue(b []byte) (any, error) {
	var m map[any]any
	if err := (sessionSerializer{}).Deserialize(b, &m); err != nil {
		return nil, err
	}
	v, ok := m[""]
	if !ok {
		return nil, fmt.Errorf("not a session value")
	}
	return v, nil
}
