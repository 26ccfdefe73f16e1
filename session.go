package crosssession

import (
	"bufio"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"
	"github.com/gorilla/securecookie"
)

// sessionConfig is the compiled session half of a policy.
type sessionConfig struct {
	m     *middleware
	store gsessions.Store
	name  string
	opts  gsessions.Options // every attribute, Partitioned included
}

func newSessionConfig(k Cookie, keys [][]byte, store sessions.Store, m *middleware) *sessionConfig {
	sc := &sessionConfig{
		m:    m,
		name: k.Name,
		opts: gsessions.Options{
			Path:        k.Path,
			Domain:      k.Domain,
			MaxAge:      int(k.MaxAge.Seconds()),
			Secure:      !k.Insecure,
			HttpOnly:    true,
			Partitioned: k.Partitioned,
			SameSite:    k.SameSite,
		},
	}
	if store != nil {
		sc.store = store
		return sc
	}
	codecs := make([]securecookie.Codec, len(keys))
	for i, key := range keys {
		codecs[i] = newCodec(key, k.Name, sc.opts.MaxAge)
	}
	opts := sc.opts
	sc.store = &gsessions.CookieStore{Codecs: codecs, Options: &opts}
	return sc
}

// newCodec derives a signing key and an encryption key from one secret with
// HKDF, so users manage a single key per generation, and limits the encoded
// value so that name=value fits the browsers' 4096-byte cookie limit.
func newCodec(secret []byte, name string, maxAge int) *securecookie.SecureCookie {
	hashKey, err1 := hkdf.Key(sha256.New, secret, nil, "crosssession v1 HMAC-SHA256", 32)
	blockKey, err2 := hkdf.Key(sha256.New, secret, nil, "crosssession v1 AES-256", 32)
	if err := errors.Join(err1, err2); err != nil {
		panic(err) // unreachable: 32 bytes is far below HKDF-SHA256's limit
	}
	sc := securecookie.New(hashKey, blockKey)
	sc.MaxAge(maxAge)
	sc.MaxLength(browserMaxCookie - len(name) - 1)
	return sc
}

// serve runs the rest of the chain with a lazily loaded session in place of
// gin-contrib/sessions' one (handlers still call sessions.Default) and a
// response writer that saves a changed session before the first byte goes
// out.
func (sc *sessionConfig) serve(c *gin.Context) {
	s := &reqSession{cfg: sc, r: c.Request, inner: c.Writer}
	s.w = sessionWriter{ResponseWriter: c.Writer, s: s}
	c.Writer = &s.w
	c.Set(sessions.DefaultKey, s)
	defer func() { c.Writer = s.inner }()
	c.Next()
	if !s.inner.Written() {
		s.commit()
	}
	s.committed = true
}

// reqSession is the session of one request. It implements
// gin-contrib/sessions' Session interface.
type reqSession struct {
	cfg   *sessionConfig
	r     *http.Request
	inner gin.ResponseWriter
	w     sessionWriter
	gs    *gsessions.Session // nil until first use
	opts  *gsessions.Options // nil: cfg.opts
	dirty bool               // changed since loaded or saved
	// committed is set once the response headers are on their way: a change
	// after that can no longer reach the browser.
	committed bool
	loadErr   error
}

var _ sessions.Session = (*reqSession)(nil)

func (s *reqSession) session() *gsessions.Session {
	if s.gs != nil {
		return s.gs
	}
	gs, err := s.cfg.store.New(s.r, s.cfg.name)
	if gs == nil {
		gs = gsessions.NewSession(s.cfg.store, s.cfg.name)
	}
	if gs.Values == nil {
		gs.Values = make(map[any]any)
	}
	s.gs, s.loadErr = gs, err
	if err != nil {
		s.cfg.m.logger().Warn("crosssession: session cookie could not be read; starting a fresh session",
			"cookie", s.cfg.name, "err", err)
	}
	if !s.committed {
		addVary(s.inner.Header(), varyCookie)
	}
	return gs
}

var varyCookie = one(hCookie)

func (s *reqSession) changed() {
	s.dirty = true
	if s.committed || s.inner.Written() {
		s.cfg.m.logger().Warn("crosssession: session changed after the response was written; the change is lost "+
			"(change the session before writing the body)", "cookie", s.cfg.name, "path", s.r.URL.Path)
	}
}

// ID returns the store's session ID; the cookie store has none and
// returns "".
func (s *reqSession) ID() string { return s.session().ID }

// Get returns the value stored under key, or nil.
func (s *reqSession) Get(key any) any { return s.session().Values[key] }

// Set stores val under key.
func (s *reqSession) Set(key, val any) {
	s.session().Values[key] = val
	s.changed()
}

// Delete removes key.
func (s *reqSession) Delete(key any) {
	vs := s.session().Values
	if _, ok := vs[key]; ok {
		delete(vs, key)
		s.changed()
	}
}

// Clear removes every value.
func (s *reqSession) Clear() {
	vs := s.session().Values
	if len(vs) > 0 {
		clear(vs)
		s.changed()
	}
}

// AddFlash adds a flash message.
func (s *reqSession) AddFlash(value any, vars ...string) {
	s.session().AddFlash(value, vars...)
	s.changed()
}

// Flashes returns and removes the flash messages.
func (s *reqSession) Flashes(vars ...string) []any {
	f := s.session().Flashes(vars...)
	if len(f) > 0 {
		s.changed()
	}
	return f
}

// Options changes the cookie for this response. Unlike gin-contrib/sessions,
// zero fields keep the configured value instead of resetting it, Secure
// and HttpOnly can only be turned on, and Partitioned is kept. MaxAge < 0
// expires the cookie.
func (s *reqSession) Options(o sessions.Options) {
	opts := *s.options()
	opts.MaxAge = o.MaxAge
	if o.Path != "" {
		opts.Path = o.Path
	}
	if o.Domain != "" {
		opts.Domain = o.Domain
	}
	if o.SameSite != 0 {
		opts.SameSite = o.SameSite
	}
	opts.Secure = opts.Secure || o.Secure
	s.opts = &opts
	s.session()
	s.changed()
}

func (s *reqSession) options() *gsessions.Options {
	if s.opts != nil {
		return s.opts
	}
	return &s.cfg.opts
}

// errSaveAfterWrite is returned by Save when the response is already on its
// way to the client.
var errSaveAfterWrite = errors.New("crosssession: session saved after the response was written; " +
	"the browser will not get the change (change the session before writing the body)")

// Save sends the session now. Calling it is optional: a changed session is
// saved before the response is written. It returns an error when the
// response was already written or the store failed.
func (s *reqSession) Save() error {
	if !s.dirty {
		return nil
	}
	if s.committed || s.inner.Written() {
		return errSaveAfterWrite
	}
	return s.save()
}

// save writes the session through the store, replacing any Set-Cookie of an
// earlier save in this response so the browser gets exactly one.
func (s *reqSession) save() error {
	gs := s.session()
	opts := *s.options()
	gs.Options = &opts
	h := s.inner.Header()
	if old := h[hSetCookie]; len(old) > 0 {
		prefix := s.cfg.name + "="
		kept := old[:0:0]
		for _, v := range old {
			if !strings.HasPrefix(v, prefix) {
				kept = append(kept, v)
			}
		}
		h[hSetCookie] = kept
	}
	if err := s.cfg.store.Save(s.r, s.inner, gs); err != nil {
		return fmt.Errorf("crosssession: saving session %q: %w", s.cfg.name, err)
	}
	s.dirty = false
	return nil
}

// commit saves a changed session before the response headers are written.
func (s *reqSession) commit() {
	if s.committed {
		return
	}
	s.committed = true
	if s.dirty {
		if err := s.save(); err != nil {
			s.cfg.m.logger().Error("crosssession: session not saved", "err", err, "path", s.r.URL.Path)
		}
	}
}

// sessionWriter commits the session before anything reaches the client,
// as alexedwards/scs does. Unwrap keeps http.ResponseController working.
type sessionWriter struct {
	gin.ResponseWriter
	s *reqSession
}

func (w *sessionWriter) WriteHeaderNow() {
	w.s.commit()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *sessionWriter) Write(b []byte) (int, error) {
	w.s.commit()
	return w.ResponseWriter.Write(b)
}

func (w *sessionWriter) WriteString(str string) (int, error) {
	w.s.commit()
	return w.ResponseWriter.WriteString(str)
}

func (w *sessionWriter) Flush() {
	w.s.commit()
	w.ResponseWriter.Flush()
}

func (w *sessionWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.s.commit()
	return w.ResponseWriter.Hijack()
}

// Unwrap returns the writer this one wraps.
func (w *sessionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
