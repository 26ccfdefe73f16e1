package crosssession

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
)

// sessionConfig is the compiled session half of a policy.
type sessionConfig struct {
	m    *middleware
	name string
	opts gsessions.Options // every attribute, Partitioned included
	// cross is the cookie for cross-site front ends (SameSite=None; Secure;
	// Partitioned), when crossOK: Cookie.SameSiteOnly is off and opts is
	// not that cookie already.
	cross     gsessions.Options
	crossOK   bool
	crossTmpl *cookieTemplate

	// Exactly one of codecs (the built-in cookie store) and store (a
	// user's store, e.g. Redis) is set.
	codecs []*cookieCodec // the first encodes; all decode, newest first
	// decoders read cookies: codecs, then for each key the format of
	// gin-contrib/sessions' cookie store made with it (cookie.NewStore(key):
	// securecookie with the raw key as HMAC key, no encryption), so moving
	// from it logs nobody out. That format is never written.
	decoders []securecookie.Codec
	tmpl     *cookieTemplate // the Set-Cookie header of the configured options; nil: net/http writes it
	prefixed bool            // hasCookiePrefix(name), computed once
	store    gsessions.Store
	backend  Backend                    // Config.Backend; codecs sign its session IDs
	ser      securecookie.Serializer    // how values are encoded, for Set-time checks
	keyIDs   [][32]byte                 // SHA-256 of each key, to tell whether two policies read each other's cookies
	idle     time.Duration              // Config.IdleTimeout; 0: none
	lifetime time.Duration              // Cookie.MaxAge: the absolute lifetime
	handoff  *securecookie.SecureCookie // Handoff codes
	// handoffMAC is the name a Handoff code's MAC binds: the cookie name,
	// so a code issued by one policy is never redeemed by another with
	// the same key (two Groups with their own cookies).
	handoffMAC string
	redeemed   redeemedCodes // nonces of redeemed Handoff codes
}

// shares reports whether two policies may act on the same session: the
// same cookie name, unless both are built-in cookie stores without a common
// key (neither can read the other's cookie). A Store may share its backend
// with another Store value, which cannot be known from here, so a Store
// with the same cookie name always shares.
func (sc *sessionConfig) shares(o *sessionConfig) bool {
	if sc == nil || o == nil || sc.name != o.name {
		return false
	}
	if sc.store != nil || o.store != nil || sc.backend != nil || o.backend != nil {
		return true
	}
	return slices.ContainsFunc(sc.keyIDs, func(id [32]byte) bool { return slices.Contains(o.keyIDs, id) })
}

func newSessionConfig(k Cookie, keys [][]byte, store sessions.Store, backend Backend, idle time.Duration, m *middleware) *sessionConfig {
	sc := &sessionConfig{m: m, name: k.Name, opts: k.options(), ser: securecookie.GobEncoder{}, idle: idle, lifetime: k.MaxAge,
		backend: backend}
	sc.prefixed = hasCookiePrefix(k.Name)
	sc.handoff, sc.handoffMAC = newHandoffCodec(keys), handoffName+":"+k.Name
	cross, ok := k.crossSite()
	sc.cross, sc.crossOK = cross.options(), ok
	if store != nil {
		sc.store = store
		return sc
	}
	sc.ser = sessionSerializer{}
	sc.tmpl = newCookieTemplate(sc.name, &sc.opts)
	sc.crossTmpl = newCookieTemplate(sc.name, &sc.cross)
	for _, key := range keys {
		sc.codecs = append(sc.codecs, newCodec(key, sc.opts.MaxAge))
		sc.decoders = append(sc.decoders, sc.codecs[len(sc.codecs)-1])
	}
	for _, key := range keys {
		sc.decoders = append(sc.decoders, newGinContribCodec(key, sc.opts.MaxAge))
		sc.keyIDs = append(sc.keyIDs, sha256.Sum256(key))
	}
	return sc
}

// serve runs the rest of the chain with a lazily loaded session in place of
// gin-contrib/sessions' one (handlers still call sessions.Default) and a
// response writer that saves a changed session before the first byte goes
// out.
// s is the request's session, new (zero but for hdr, which may hold the
// response's header values).
func (sc *sessionConfig) serve(c *gin.Context, s *reqSession, d decision, varyBoth []string) {
	s.cfg, s.c, s.r, s.inner, s.origin, s.allowed, s.varyBoth = sc, c, c.Request, c.Writer, d.origin, d.allow, varyBoth
	s.w = sessionWriter{ResponseWriter: c.Writer, s: s}
	c.Writer = &s.w
	c.Set(sessions.DefaultKey, s)
	s.handoffRequest(d.allow)
	defer func() {
		c.Writer = s.inner
		if p := recover(); p != nil {
			if _, ok := p.(storeUnavailable); !ok {
				if s.setCookie { // saved before the panic: the 500 carries it
					privateCache(s.inner.Header())
				}
				s.committed = true
				s.done.Store(true)
				panic(p)
			}
			// The store failed while a handler used the session: answer
			// 503 instead of letting the handler run on an empty session.
			// (With gin.Recovery inside this middleware, Recovery catches
			// the panic first and its 500 becomes this 503 in commit.)
			s.commit()
			c.Abort()
		}
		s.committed = true
		s.done.Store(true)
	}()
	c.Next()
	if !s.inner.Written() {
		s.commit()
		if s.setCookie && !s.inner.Written() {
			// Send the headers now: a middleware before crosssession must
			// not make a response with the session cookie cacheable after.
			s.inner.WriteHeaderNow()
		}
	}
	s.committed = true
}

// storeUnavailable is the panic value that unwinds a handler when the
// session store fails; serve recovers it.
type storeUnavailable struct{ err error }

// reqSession is the session of one request. It implements
// gin-contrib/sessions' Session interface.
type reqSession struct {
	cfg *sessionConfig
	c   *gin.Context
	r   *http.Request
	// origin is the request's Origin and allowed whether it is listed,
	// for diagnostics.
	origin  string
	allowed bool
	// varyBoth is this response's Vary: Origin, Cookie (see addVaryCookie).
	varyBoth []string
	// hdr holds this response's header values (fillHeaderValues), so that
	// they cost no allocation of their own.
	hdr   [5]string
	inner gin.ResponseWriter
	w     sessionWriter
	gs    *gsessions.Session // nil until first use
	// cookieSess is gs with the built-in cookie store.
	cookieSess gsessions.Session
	opts       *gsessions.Options // nil: cfg.opts, or cfg.cross (crossSiteCookie)
	cross      int8               // crossSiteCookie: 0 not decided, 1 yes, -1 no
	dirty      bool               // changed since loaded or saved
	// committed is set once the response headers are on their way: a change
	// after that can no longer reach the browser.
	committed bool
	hadCookie bool   // the request carried a session cookie that verified
	verifier  string // the request's ?crosssession=, a login's start (Handoff)
	// created is when the session started and issued when its cookie (or
	// record) was last issued, Unix milliseconds; 0 for a new session.
	created, issued int64
	storeCookie     string // the cookie value a Store loaded the session from
	backend         backendState
	fenced          int64 // the logout fence this response set, Unix milliseconds
	fenceIn         int64 // the request's logout fence (fence), -1 for none, 0 not read yet
	setCookie       bool  // this response carries the session cookie
	storeErr        error // the store failed to load the session
	failed          bool  // the response was replaced by an error: drop the handler's writes
	ended           bool  // Logout ran: a later change starts a new session
	// done is set when the request is over. gin reuses its Context and
	// writer, so a goroutine still holding the session (through c.Copy())
	// must no longer touch them: its changes are only logged.
	done atomic.Bool
}

var _ sessions.Session = (*reqSession)(nil)

func (s *reqSession) session() *gsessions.Session {
	if s.gs != nil {
		return s.gs
	}
	if !s.committed && !s.done.Load() {
		addVaryCookie(s.inner.Header(), s.varyBoth)
	}
	switch {
	case s.cfg.backend != nil:
		return s.loadFromBackend()
	case s.cfg.store != nil:
		return s.loadFromStore()
	}
	return s.loadFromCookie()
}

// loadFromStore loads the session from Config.Store.
func (s *reqSession) loadFromStore() *gsessions.Session {
	gs, err := s.storeLookup()
	if err != nil && !isDecodeError(err) {
		s.storeErr = err
		if s.done.Load() {
			// Nothing can recover a panic in a goroutine: an empty session
			// and a log line instead.
			s.cfg.m.diagnose(nil, rStoreFailedLate, s.origin, err)
			s.gs = gsessions.NewSession(s.cfg.store, s.cfg.name)
			return s.gs
		}
		panic(storeUnavailable{err})
	}
	if gs == nil {
		gs = gsessions.NewSession(s.cfg.store, s.cfg.name)
	}
	if gs.Values == nil {
		gs.Values = make(map[any]any)
	}
	s.gs = gs
	if err != nil {
		s.undecodable(err)
	} else if !gs.IsNew {
		seen, _ := gs.Values[metaSeen].(int64)
		if seen == 0 {
			seen = time.Now().UnixMilli() // saved before crosssession kept the time
		}
		if s.admit(gs, seen, false); !s.hadCookie {
			gs.IsNew = true
		}
	}
	return gs
}

// maxStoreCandidates bounds how many cookies of the session's name one
// request may have the store look up: a request can carry thousands.
const maxStoreCandidates = 2

// storeLookup asks the store for the session of the request's cookie. When
// the request carries more than one cookie of the session's name (a
// sibling service's Domain cookie, a leftover of an earlier
// configuration), the last distinct values (at most maxStoreCandidates,
// newest first) are offered one by one, each in a minimal request, and the
// first the store knows is used. A value over the browsers' limit is
// never offered.
func (s *reqSession) storeLookup() (*gsessions.Session, error) {
	cks := s.r.CookiesNamed(s.cfg.name)
	var tried []string
	var gs *gsessions.Session
	var err error
	for _, ck := range slices.Backward(cks) {
		if len(tried) == maxStoreCandidates || len(ck.Value) > browserMaxCookie || slices.Contains(tried, ck.Value) {
			continue
		}
		tried = append(tried, ck.Value)
		gs, err = s.cfg.store.New(s.probe(ck.Value), s.cfg.name)
		if err != nil && !isDecodeError(err) || err == nil && gs != nil && !gs.IsNew {
			s.storeCookie = ck.Value
			return gs, err
		}
	}
	if len(tried) == 0 && len(cks) > 0 {
		return nil, errCookieOverLimit
	}
	if len(tried) == 0 {
		return s.cfg.store.New(s.probe(""), s.cfg.name)
	}
	return gs, err
}

// probe is a minimal request carrying value as the session's cookie (none
// for ""), in r's context, for the store to look up.
func (s *reqSession) probe(value string) *http.Request {
	p := &http.Request{Method: s.r.Method, URL: s.r.URL, Host: s.r.Host, Header: http.Header{}, RemoteAddr: s.r.RemoteAddr}
	if value != "" {
		p.Header[hCookie] = []string{s.cfg.name + "=" + value}
	}
	return p.WithContext(s.r.Context())
}

// loadFromCookie decodes the session from its cookie. Browsers send every
// cookie of the name that matches (oldest first): each is tried, and of
// those that verify the newest is used. Reading never re-issues the cookie,
// even under an old key or gin-contrib's format: a response to a request
// that did not change the session must not undo a logout that completed
// while it ran.
func (s *reqSession) loadFromCookie() *gsessions.Session {
	// The session lives in reqSession: no store, name or Options of
	// gorilla's (save writes the cookie, from s.options()).
	s.cookieSess = gsessions.Session{Values: make(map[any]any), IsNew: true}
	gs := &s.cookieSess
	s.gs = gs
	var errs []error
	newest := int64(-1)
	cks := s.r.CookiesNamed(s.cfg.name)
	if len(cks) == 1 { // the usual case: straight into the session's map
		if err := s.cfg.decode(cks[0].Value, &gs.Values); err != nil {
			errs = append(errs, err)
		} else {
			newest = cookieTime(cks[0].Value)
		}
		cks = nil
	}
	for _, ck := range cks {
		var vs map[any]any
		if err := s.cfg.decode(ck.Value, &vs); err != nil {
			errs = append(errs, err)
			continue
		}
		if t := cookieTime(ck.Value); t >= newest {
			newest, gs.Values = t, vs
		}
	}
	switch {
	case newest >= 0:
		s.admit(gs, newest*1000, true)
	case len(errs) > 0:
		clear(gs.Values)
		s.undecodable(errors.Join(errs...))
	}
	return gs
}

// admit keeps a session loaded with the values of gs, issued at issued
// (Unix milliseconds), unless it has ended (lifetime) or a logout fence
// covers it: then gs is emptied and the request goes on with a fresh one.
func (s *reqSession) admit(gs *gsessions.Session, issued int64, fenced bool) {
	now := time.Now().UnixMilli()
	created := started(gs.Values, issued)
	if fenced && created <= s.fence() {
		clear(gs.Values)
		return
	}
	if why := s.cfg.expiry(created, issued, now); why != "" {
		clear(gs.Values)
		s.cfg.m.diagnose(s.ctx(), rSessionExpired, s.origin, why)
		return
	}
	gs.IsNew, s.hadCookie, s.created, s.issued = false, true, created, issued
}

// decode reads one cookie value with every key, in the current format and
// then in gin-contrib's, into *dst (made when nil).
func (sc *sessionConfig) decode(value string, dst *map[any]any) error {
	if len(value) > browserMaxCookie {
		// No browser sends a cookie this large; do not spend a decode
		// (per key) on it.
		return fmt.Errorf("cookie is %d bytes, over the browsers' limit of %d", len(value), browserMaxCookie)
	}
	if *dst == nil {
		*dst = make(map[any]any)
	}
	var errs []error
	for _, c := range sc.decoders {
		clear(*dst) // nothing of a failed attempt stays
		err := c.Decode(sc.name, value, dst)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if !isDecodeError(err) {
			break
		}
	}
	return errors.Join(errs...)
}

// cookieTime returns the signing time (Unix seconds) of a cookie value in
// securecookie's format, base64url("time|value|mac"), or 0; it is read
// only from values that verified. Only the first 16 characters are
// decoded, on the stack: they hold the time.
func cookieTime(value string) int64 {
	var buf [12]byte
	n := min(len(value), 16) / 4 * 4
	m, _ := base64.URLEncoding.Decode(buf[:], []byte(value[:n]))
	var t int64
	for _, c := range buf[:m] {
		if c == '|' {
			return t
		}
		if c < '0' || c > '9' {
			return 0
		}
		t = t*10 + int64(c-'0')
	}
	return 0
}
func (s *reqSession) undecodable(err error) {
	s.cfg.m.diagnose(s.ctx(), rCookieUndecodable, s.origin, undecodableReason(err))
}

// undecodableReason says what securecookie's errors show: a valid signature
// on an expired cookie, or no key of the configuration that verifies it.
func undecodableReason(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "over the browsers' limit"):
		return "no browser sends it: the " + msg
	case strings.Contains(msg, "expired timestamp"):
		return "it is older than Cookie.MaxAge"
	case errors.Is(err, securecookie.ErrMacInvalid):
		return "no key in Config.Keys verifies it (it was signed with another key, or tampered with)"
	}
	first, _, _ := strings.Cut(msg, "\n")
	return "it is not in the session format (" + first + ")"
}

// errCookieOverLimit: no browser sends a cookie this large.
var errCookieOverLimit = fmt.Errorf("the cookie is over the browsers' limit of %d bytes", browserMaxCookie)

// isDecodeError reports whether err means "this cookie is not ours or no
// longer valid" rather than "the store is down". A MultiError (one error
// per codec) is a decode error unless one of its members is a store error.
func isDecodeError(err error) bool {
	if errors.Is(err, errCookieOverLimit) {
		return true
	}
	var multi securecookie.MultiError
	if errors.As(err, &multi) {
		for _, e := range multi {
			var se securecookie.Error
			if errors.As(e, &se) && !se.IsDecode() && !se.IsUsage() {
				return false
			}
		}
		return true
	}
	var se securecookie.Error
	if errors.As(err, &se) {
		return se.IsDecode()
	}
	return false
}

// ctx is the request's Context while the request runs, nil after.
func (s *reqSession) ctx() *gin.Context {
	if s.done.Load() {
		return nil
	}
	return s.c
}

func (s *reqSession) changed() {
	s.dirty = true
	if s.ended {
		// A change after Logout starts a new session, with a new ID where
		// the store has IDs: never the old one again.
		fresh := gsessions.NewSession(s.cfg.store, s.cfg.name)
		fresh.IsNew, fresh.Values = true, s.gs.Values
		delete(fresh.Values, metaCreated)
		s.gs, s.ended, s.opts, s.created, s.backend = fresh, false, nil, 0, backendState{}
	}
	if s.done.Load() {
		s.cfg.m.diagnose(nil, rChangedAfterEnd, s.origin)
		return
	}
	if s.committed || s.inner.Written() {
		s.cfg.m.diagnose(s.c, rChangedAfterWrite, s.origin)
	}
}

// ID returns the store's session ID; the cookie store has none and
// returns "".
func (s *reqSession) ID() string { return s.session().ID }

// Get returns the value stored under key, or nil.
func (s *reqSession) Get(key any) any { return s.session().Values[key] }

// Set stores val under key. In Development a value the store cannot encode
// (a type not registered with gob.Register) is reported here, where the
// mistake is, instead of when the session is saved.
func (s *reqSession) Set(key, val any) {
	if s.cfg.m.mode == Development {
		if _, err := s.cfg.ser.Serialize(map[any]any{key: val}); err != nil {
			s.cfg.m.logger().Error("crosssession: session value cannot be saved", "key", key, "err", encodeError(err, key, val))
		}
	}
	s.session().Values[key] = val
	s.changed()
}

// encodeError explains an encoding failure of key's value, naming the type
// and the fix.
func encodeError(err error, key, val any) *sessionError {
	return newError(ErrUnencodable, err, "key %v: a value of type %T cannot be encoded (%v); "+
		"call gob.Register(%T{}) at startup, or store a string, number, bool, time or []byte", key, val, err, val)
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
// Clear removes every value; the session keeps its start time.
func (s *reqSession) Clear() {
	vs := s.session().Values
	created, had := vs[metaCreated]
	if len(vs) > 0 {
		clear(vs)
		if had {
			vs[metaCreated] = created
		}
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
// zero fields keep the configured value instead of resetting it (MaxAge 0
// included), Secure and HttpOnly can only be turned on, and Partitioned is
// kept. MaxAge < 0 expires the cookie; prefer Logout.
func (s *reqSession) Options(o sessions.Options) {
	opts := *s.options()
	if o.MaxAge != 0 {
		opts.MaxAge = o.MaxAge
	}
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
	switch {
	case s.opts != nil:
		return s.opts
	case s.crossSiteCookie():
		return &s.cfg.cross
	}
	return &s.cfg.opts
}

// crossSiteCookie reports whether this response sets the cookie for a
// cross-site front end (Cookie.SameSiteOnly): a fetch from a cross-site
// page, to an API that can set a Secure cookie (https, or a loopback host).
// A top-level navigation's cookie is first-party and keeps the configured
// attributes. Decided once per request.
func (s *reqSession) crossSiteCookie() bool {
	if s.cross == 0 {
		s.cross = -1
		if s.cfg.crossOK && s.origin != "" && !isNavigation(s.r) {
			scheme, host := s.cfg.m.browserView(s.r)
			if crossSite(s.r, s.origin, scheme, host) && (scheme == "https" || isLoopbackHost(hostname(host))) {
				s.cross = 1
			}
		}
	}
	return s.cross > 0
}

// errSaveAfterWrite is returned by Save when the response is already on its
// way to the client.
var errSaveAfterWrite = newError(ErrResponseWritten, nil, "the session was saved after the response was written, "+
	"so the browser will not get the change; change the session before writing the body")

// Save sends the session now. Calling it is optional: a changed session is
// saved before the response is written. It returns an error when the
// response was already written, the encoded cookie would exceed the
// browsers' 4096-byte limit, a value cannot be encoded, or the store failed.
func (s *reqSession) Save() error {
	if !s.dirty {
		return nil
	}
	if s.done.Load() || s.committed || s.inner.Written() {
		return errSaveAfterWrite
	}
	err := s.save()
	if err != nil {
		// The handler has the error and decides the response; the
		// automatic save must not try again and override its status.
		s.dirty = false
	}
	return err
}

// save writes the session, replacing any Set-Cookie of an earlier save in
// this response so the browser gets exactly one.
func (s *reqSession) save() error {
	gs := s.session()
	opts := s.options()
	h := s.inner.Header()
	if old := h[hSetCookie]; len(old) > 0 {
		prefix := s.cfg.name + "="
		h[hSetCookie] = slices.DeleteFunc(slices.Clone(old), func(v string) bool { return strings.HasPrefix(v, prefix) })
	}
	now := time.Now()
	var maxAge int64
	if opts.MaxAge >= 0 {
		maxAge = s.stamp(gs.Values, now)
	}
	if s.cfg.store != nil {
		return s.saveToStore(gs, withMaxAge(opts, s.configured(opts), maxAge))
	}
	vals := gs.Values
	if s.cfg.backend != nil {
		need, err := s.saveToBackend(gs, opts, maxAge)
		if err != nil || !need {
			if err == nil {
				s.dirty = false
			}
			return err
		}
		vals = map[any]any{backendIDKey: gs.ID} // the cookie carries the ID
	}
	header, err := s.cookieHeader(vals, opts, maxAge, now)
	if err != nil {
		return err
	}
	h[hSetCookie] = append(h[hSetCookie], header)
	if opts.MaxAge < 0 {
		if err := s.expireAll(h, opts, now); err != nil {
			return err
		}
	}
	s.dirty, s.setCookie = false, true
	return nil
}

// configured reports whether opts are the configured ones (same-site or
// cross-site), not a response's own (Options, Logout).
func (s *reqSession) configured(opts *gsessions.Options) bool {
	return opts == &s.cfg.opts || opts == &s.cfg.cross
}

// cookieHeader returns the Set-Cookie header carrying vals: from a template
// for the configured attributes, else written by net/http.
func (s *reqSession) cookieHeader(vals map[any]any, opts *gsessions.Options, maxAge int64, now time.Time) (string, error) {
	var header, value string
	var n int
	var err error
	switch {
	case opts == &s.cfg.opts && s.cfg.tmpl != nil:
		header, n, err = s.cfg.tmpl.header(s.cfg.codecs[0], vals, now, maxAge)
	case opts == &s.cfg.cross && s.cfg.crossTmpl != nil:
		header, n, err = s.cfg.crossTmpl.header(s.cfg.codecs[0], vals, now, maxAge)
	case opts.MaxAge >= 0:
		value, err = s.cfg.codecs[0].encode(s.cfg.name, vals, now.Unix())
		n = len(s.cfg.name) + 1 + len(value)
	}
	if err != nil {
		return "", s.explainEncode(err, s.gs.Values)
	}
	if n > browserMaxCookie {
		return "", s.tooLarge(n, s.gs.Values)
	}
	if header == "" {
		// Options changed for this response, Logout, or no template.
		header = gsessions.NewCookie(s.cfg.name, value, withMaxAge(opts, s.configured(opts), maxAge)).String()
	}
	return header, nil
}

// expireAll adds, for a logout, the expiry of every variant of the cookie
// and, with the cookie store, the logout fence (with a Backend the session
// is gone from the server: no fence needed).
func (s *reqSession) expireAll(h http.Header, opts *gsessions.Options, now time.Time) error {
	h[hSetCookie] = s.expireVariants(h[hSetCookie], opts)
	if s.cfg.backend != nil {
		return nil
	}
	fence, err := s.fenceHeader(now)
	if err != nil {
		return s.explainEncode(err, s.gs.Values)
	}
	h[hSetCookie] = append(h[hSetCookie], fence)
	s.fenced = now.UnixMilli()
	return nil
}

// withMaxAge returns the configured options with the Max-Age left, or
// opts as they are (set by Options, or a logout's).
func withMaxAge(opts *gsessions.Options, configured bool, maxAge int64) *gsessions.Options {
	if !configured || opts.MaxAge < 0 {
		return opts
	}
	o := *opts
	o.MaxAge = int(maxAge)
	return &o
}

// stamp records in vs when the session started (now for a new one, after
// any logout fence this response set) and, for a Store, when it is issued;
// it returns the Max-Age the cookie gets.
func (s *reqSession) stamp(vs map[any]any, now time.Time) int64 {
	ms := now.UnixMilli()
	if s.created == 0 {
		if t, ok := vs[metaCreated].(int64); ok && t > s.fenced {
			s.created = t
		} else {
			s.created = max(ms, s.fenced+1)
			if s.cfg.store == nil && s.cfg.backend == nil {
				s.created = max(s.created, s.fence()+1) // after any logout the browser proves
			}
		}
	}
	if t, _ := vs[metaCreated].(int64); t != s.created {
		vs[metaCreated] = s.created
	}
	if s.cfg.store != nil || s.cfg.backend != nil {
		vs[metaSeen] = ms
	}
	return s.cfg.maxAge(s.created, ms)
}

// expireVariants appends the expiry of the other cookies of the session's
// name this host may hold from crosssession, after the one of opts: the
// configured cookie and the cross-site one (Cookie.SameSiteOnly), each
// partitioned and not when Secure (two cookies in the browser), and the
// host-only one when Domain is set. Only names this host owns are expired,
// never a sibling's Domain cookie.
func (s *reqSession) expireVariants(dst []string, opts *gsessions.Options) []string {
	type key struct {
		partitioned bool
		domain      string
	}
	done := map[key]bool{{opts.Partitioned, opts.Domain}: true}
	bases := []gsessions.Options{s.cfg.opts}
	if s.cfg.crossOK && (opts.Secure || s.cfg.m.canBeSecure(s.r)) {
		bases = append(bases, s.cfg.cross)
	}
	var all []gsessions.Options
	for _, vary := range []func(gsessions.Options) gsessions.Options{
		func(o gsessions.Options) gsessions.Options { return o },
		func(o gsessions.Options) gsessions.Options { return withPartitioned(o, !o.Partitioned) },
		func(o gsessions.Options) gsessions.Options { return withDomain(o, "") },
	} {
		for _, b := range bases {
			all = append(all, vary(b))
		}
	}
	for _, v := range all {
		k := key{v.Partitioned, v.Domain}
		if done[k] || v.Partitioned && !v.Secure {
			continue
		}
		done[k] = true
		v.MaxAge = -1
		dst = append(dst, gsessions.NewCookie(s.cfg.name, "", &v).String())
	}
	return dst
}

func withPartitioned(o gsessions.Options, p bool) gsessions.Options {
	if o.Secure {
		o.Partitioned = p
	}
	return o
}

func withDomain(o gsessions.Options, d string) gsessions.Options { o.Domain = d; return o }

// saveToStore saves gs with a server-side store, which writes the cookie.
func (s *reqSession) saveToStore(gs *gsessions.Session, opts *gsessions.Options) error {
	if err := s.checkNotRevoked(gs, opts); err != nil {
		return err
	}
	o := *opts // the store may keep it: its own copy
	gs.Options = &o
	h := s.inner.Header()
	if err := s.cfg.store.Save(s.r, s.inner, gs); err != nil {
		return newError(ErrStoreUnavailable, err, "saving session %q: %v", s.cfg.name, err)
	}
	if o.MaxAge < 0 {
		h[hSetCookie] = s.expireVariants(h[hSetCookie], &o)
	}
	s.dirty, s.setCookie = false, true
	return nil
}

// checkNotRevoked refuses to save a session loaded from a Store whose
// record is gone: a Logout or Login elsewhere deleted it while this request
// ran, and saving would bring it back on every machine. gin-contrib's Store
// interface has no atomic "update if present", so this costs a lookup per
// such save and leaves a short window.
func (s *reqSession) checkNotRevoked(gs *gsessions.Session, opts *gsessions.Options) error {
	if gs.IsNew || s.storeCookie == "" || opts.MaxAge < 0 {
		return nil
	}
	now, err := s.cfg.store.New(s.probe(s.storeCookie), s.cfg.name)
	if err == nil && now != nil && now.IsNew {
		return newError(ErrSessionRevoked, nil, "session %q was ended (Logout, or Login elsewhere) while this "+
			"request ran, so its change was dropped", s.cfg.name)
	}
	return nil
}

// explainEncode finds the value that could not be encoded.
func (s *reqSession) explainEncode(err error, vs map[any]any) error {
	for k, v := range vs {
		if _, e := s.cfg.ser.Serialize(map[any]any{k: v}); e != nil {
			return encodeError(e, k, v)
		}
	}
	return newError(ErrUnencodable, err, "saving session %q: %v", s.cfg.name, err)
}

// tooLarge builds the error for a cookie over the browsers' limit, naming
// the largest values.
func (s *reqSession) tooLarge(n int, vs map[any]any) error {
	type kv struct {
		key  string
		size int
	}
	var sizes []kv
	for k, v := range vs {
		if k == metaCreated || k == metaSeen {
			continue // the library's own bookkeeping, a few bytes
		}
		b, _ := s.cfg.ser.Serialize(map[any]any{k: v})
		sizes = append(sizes, kv{fmt.Sprint(k), len(b)})
	}
	slices.SortFunc(sizes, func(a, b kv) int { return cmp.Compare(b.size, a.size) })
	var top []string
	for i, e := range sizes {
		if i == 3 {
			break
		}
		top = append(top, fmt.Sprintf("%q (%d bytes)", e.key, e.size))
	}
	err := newError(ErrCookieTooLarge, nil, "session cookie %q would be %d bytes, over the browsers' limit of %d "+
		"(browsers drop it silently); largest values: %s. Store less in the session, or keep sessions on the "+
		"server (Config.Backend, e.g. redisstore)", s.cfg.name, n, browserMaxCookie, strings.Join(top, ", "))
	s.cfg.m.diagnose(s.c, rCookieTooLarge, s.origin, err.detail)
	return err
}

// commit saves a changed session before the response headers are written.
// If the session cannot be loaded or saved, the handler's response is
// replaced by an error (503 when the store failed, 500 when the session
// cannot be encoded or is too large): the client must not believe a change
// was kept.
func (s *reqSession) commit() {
	if s.committed {
		return
	}
	s.committed = true
	if !s.dirty && s.hadCookie && s.cfg.store == nil && s.cfg.renewDue(s.issued, time.Now().UnixMilli()) &&
		!handedOff(s.c) {
		s.dirty, s.backend.renew = true, true // renew: the same session, issued anew (IdleTimeout)
	}
	var err error
	switch {
	case s.storeErr != nil:
		err = newError(ErrStoreUnavailable, s.storeErr, "loading session %q: %v", s.cfg.name, s.storeErr)
	case s.dirty && s.inner.Status() >= http.StatusBadRequest && panicking():
		// A recovery after crosssession in the chain writes its error
		// response for a handler that panicked: the handler's half-done
		// change is dropped, as it is when the panic passes through serve.
		s.dirty = false
	case s.dirty:
		err = s.save()
	}
	if err != nil {
		s.commitFailed(err)
		return
	}
	if s.setCookie {
		privateCache(s.inner.Header())
	}
	if s.verifier != "" && !handedOff(s.c) {
		s.setLoginCookie()
	}
	s.cfg.m.checkResponse(s)
}

// commitFailed answers for a session that could not be loaded or saved:
// 503 for a store outage, 500 for one that cannot be encoded or is too
// large; a revoked session's response goes out without the cookie.
func (s *reqSession) commitFailed(err error) {
	msg := detail(err)
	switch {
	case errors.Is(err, ErrStoreUnavailable):
		s.fail(http.StatusServiceUnavailable, rStoreFailed, msg, err)
	case errors.Is(err, ErrSessionRevoked):
		s.cfg.m.diagnose(s.c, rSessionRevoked, s.origin, msg)
	case errors.Is(err, ErrCookieTooLarge):
		s.fail(http.StatusInternalServerError, reason{}, msg, err) // diagnosed where it was found
	default:
		s.fail(http.StatusInternalServerError, rUnencodable, msg, err)
	}
}

// panicking reports whether its caller runs in a deferred call during a
// panic (gin.Recovery writing its 500): runtime.gopanic is on the stack
// until that call returns. Only asked for error responses of changed
// sessions.
func panicking() bool {
	var pcs [64]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs[:])])
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" {
			return true
		}
		if !more {
			return false
		}
	}
}

// privateCache makes a response that carries the session cookie
// unstorable by shared caches (RFC 9111 §5.2.2.7, private), whatever the
// handler set: public and s-maxage, which would let a CDN serve one
// visitor's Set-Cookie to the next, are dropped; no-store is kept as is.
// The browser's own cache may still keep the response.
func privateCache(h http.Header) {
	// CDNs obey these instead of Cache-Control (RFC 9213).
	delete(h, "Cdn-Cache-Control")
	delete(h, "Surrogate-Control")
	cc := h["Cache-Control"]
	if len(cc) == 0 {
		h["Cache-Control"] = []string{"private"}
		return
	}
	out := []string{"private"} // first, so no malformed value can swallow it
	for _, v := range cc {
		if strings.Count(v, `"`)%2 != 0 {
			continue // an unterminated quoted string: the whole value is unreliable
		}
		for _, d := range splitDirectives(v) {
			name, _, qualified := strings.Cut(d, "=")
			switch strings.ToLower(name) {
			case "public", "s-maxage":
				continue
			case "private":
				if !qualified {
					continue // already first
				}
			}
			out = append(out, d)
		}
	}
	h["Cache-Control"] = []string{strings.Join(out, ", ")}
}

// splitDirectives splits a Cache-Control value at the commas outside
// quoted strings and trims each directive.
func splitDirectives(v string) []string {
	var ds []string
	quoted, start := false, 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] == '"' {
			quoted = !quoted
		}
		if i == len(v) || v[i] == ',' && !quoted {
			if d := strings.TrimSpace(v[start:i]); d != "" {
				ds = append(ds, d)
			}
			start = i + 1
		}
	}
	return ds
}

// fail replaces the response with an error (Config.ErrorHandler's body),
// unless it is already on its way, and reports code (if any).
func (s *reqSession) fail(status int, r reason, msg string, err error) {
	s.failed = true
	if r.code != "" {
		s.cfg.m.diagnose(s.c, r, s.origin, msg)
	}
	if s.inner.Written() {
		return
	}
	// Keep only what describes this error response: the handler's caching,
	// encoding, validators, redirects and cookies described a success.
	h := s.inner.Header()
	for k := range h {
		if k != hVary && k != hDebug && !strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	h.Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "5")
	}
	s.inner.WriteHeader(status)
	// The handler writes through the real writer: this one's Write would
	// commit again and drop the body.
	c := s.c
	w := c.Writer
	c.Writer = s.inner
	s.cfg.m.writeError(c, status, err)
	c.Writer = w
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

// Write commits the session, then writes b, unless committing replaced the
// response with an error: then b is dropped, as the handler's response
// described a success that did not happen.
func (w *sessionWriter) Write(b []byte) (int, error) {
	w.s.commit()
	if w.s.failed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *sessionWriter) WriteString(str string) (int, error) {
	w.s.commit()
	if w.s.failed {
		return len(str), nil
	}
	return w.ResponseWriter.WriteString(str)
}

func (w *sessionWriter) Flush() {
	w.s.commit()
	w.ResponseWriter.Flush()
}

// Hijack hands the connection over (WebSocket upgrades). Headers written
// by the upgrader do not include the session cookie, so a changed session
// is reported instead of silently lost.
func (w *sessionWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.s.dirty {
		w.s.cfg.m.diagnose(w.s.c, rChangedBeforeHijack, w.s.origin)
	}
	w.s.committed = true
	return w.ResponseWriter.Hijack()
}

// Unwrap returns the writer this one wraps.
func (w *sessionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// current returns the crosssession session of c's request.
func current(c *gin.Context) (*reqSession, error) {
	v, found := c.Get(sessions.DefaultKey)
	if s, ok := v.(*reqSession); ok {
		return s, nil
	}
	if found {
		return nil, newError(ErrNoSession, nil, "gin-contrib's sessions.Sessions runs after crosssession on this "+
			"route and replaced its session; remove sessions.Sessions (crosssession provides sessions.Default)")
	}
	return nil, newError(ErrNoSession, nil, "Login and Logout need a route behind crosssession.New or "+
		"crosssession.Group with a session (not Bearer or NoSession), registered after r.Use(crosssession.New(...))")
}

// Login starts a fresh, empty session for a user who just authenticated,
// so a session ID an attacker planted before login is worthless (session
// fixation): where the store keeps sessions server-side (Redis), the old
// record is deleted and the next save gets a new ID. Call it before setting
// the user's values:
//
//	if err := crosssession.Login(c); err != nil { ... }
//	sessions.Default(c).Set("user", id)
//
// It returns an error if the route has no session, or the store failed to
// load or delete the old session; the new session is started anyway, and
// when the store is down the response becomes a 503.
func Login(c *gin.Context) error {
	s, err := current(c)
	if err != nil {
		return err
	}
	if !s.writable() {
		return newError(ErrResponseWritten, nil, "Login was called after the response was written (or after the "+
			"request ended), so nothing changed; call it before writing the body")
	}
	old, err := s.load()
	switch {
	case err == nil && !old.IsNew && s.cfg.store != nil:
		err = s.deleteRecord(old)
	case err == nil && !old.IsNew && s.cfg.backend != nil:
		err = s.deleteBackendSession(old)
	}
	s.backend = backendState{}
	gs := gsessions.NewSession(s.cfg.store, s.cfg.name)
	gs.IsNew = true
	s.gs, s.opts, s.ended, s.created = gs, nil, false, 0 // a new absolute lifetime
	s.hadCookie, s.issued = false, 0                     // the old cookie's issue time is not the new session's
	s.changed()
	return err
}

// load is session() with a store failure returned instead of unwinding the
// handler; the response still becomes a 503 (see commit).
func (s *reqSession) load() (gs *gsessions.Session, err error) {
	defer func() {
		if p := recover(); p != nil {
			su, ok := p.(storeUnavailable)
			if !ok {
				panic(p)
			}
			err = newError(ErrStoreUnavailable, su.err, "loading session %q: %v", s.cfg.name, su.err)
		}
	}()
	return s.session(), nil
}

// Logout ends the session in this browser: its values are cleared, the
// server-side record (if any) is deleted, and the response expires the
// cookie with exactly the attributes it was set with (Name, Path, Domain,
// Secure, SameSite, Partitioned), or browsers would keep it.
//
// What it cannot end: with the built-in cookie store the whole session is
// in the cookie, so a copy taken before Logout (a shared computer, a leaked
// log) still opens the session until Cookie.MaxAge. To revoke sessions,
// keep them on the server (Config.Store; the README's "Sessions on more
// than one machine"): Logout deletes the record, and every copy of the
// cookie stops working at once.
//
// It returns an error wrapping ErrNoSession if the route has no session,
// ErrStoreUnavailable if the store failed, or ErrResponseWritten if the
// response was already written: the cookie can then no longer be expired,
// but a server-side record is deleted all the same.
func Logout(c *gin.Context) error {
	s, err := current(c)
	if err != nil {
		return err
	}
	gs, err := s.load()
	if err != nil {
		return err
	}
	clear(gs.Values)
	if !s.writable() {
		return s.lateLogout(gs)
	}
	opts := *s.options()
	opts.MaxAge = -1
	s.opts, s.ended = &opts, true
	s.dirty = true
	return s.Save()
}

// writable reports whether the response can still carry the session.
func (s *reqSession) writable() bool {
	return !s.done.Load() && !s.committed && !s.inner.Written()
}

// lateLogout is Logout once the response is written: revocation needs no
// response, so a server-side record is deleted; the cookie stays.
func (s *reqSession) lateLogout(gs *gsessions.Session) error {
	s.ended = true
	if s.cfg.backend != nil {
		if err := s.deleteBackendSession(gs); err != nil {
			return err
		}
		return newError(ErrResponseWritten, nil, "Logout was called after the response was written: the session "+
			"was deleted, so it is over on every machine, but the cookie could not be expired; call Logout before "+
			"writing the body")
	}
	if s.cfg.store == nil {
		return newError(ErrResponseWritten, nil, "Logout was called after the response was written, so the cookie "+
			"could not be expired and still opens the session until Cookie.MaxAge; call Logout before writing the body")
	}
	if !gs.IsNew {
		if err := s.deleteRecord(gs); err != nil {
			return err
		}
	}
	return newError(ErrResponseWritten, nil, "Logout was called after the response was written: the session's "+
		"record was deleted, so the session is over on every machine, but the cookie could not be expired; call "+
		"Logout before writing the body")
}

// deleteRecord removes gs from a server-side store. gorilla stores delete a
// session when it is saved with MaxAge < 0; the expiring Set-Cookie that
// comes with it is written to a throwaway header.
func (s *reqSession) deleteRecord(gs *gsessions.Session) error {
	opts := *s.options()
	opts.MaxAge = -1
	gs.Options = &opts
	if err := s.cfg.store.Save(s.r, discard{http.Header{}}, gs); err != nil {
		return newError(ErrStoreUnavailable, err, "deleting session %q: %v", s.cfg.name, err)
	}
	return nil
}

// discard is a ResponseWriter whose output goes nowhere.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
