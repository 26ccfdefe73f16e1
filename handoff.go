package crosssession

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
)

// Logins that end in a top-level navigation to the API (a form POST and a
// redirect, an OAuth or OpenID Connect callback) set a
// first-party cookie, which a cross-site front end never sees: Chromium and
// Firefox keep a Partitioned one in the API's own partition, and refuse an
// unpartitioned one to third-party requests (e2e tables). Handoff carries
// the session to the front end instead: a one-time code in the URL
// fragment of the redirect, which the front end redeems with one
// credentialed fetch, whose response sets the cookie in the front end's
// own partition.

// A code is bound to the browser that started the login: the front end
// puts a random verifier in its sessionStorage and in the URL that starts
// the login (?crosssession=<verifier>); the API keeps its SHA-256 in a
// first-party cookie (<name>-login) until Handoff puts it in the code; the
// redeeming fetch sends the verifier beside the code. An attacker's own
// code, sent to a victim's front end, meets a verifier it was not made
// for (login CSRF).

var (
	// ErrHandoffTarget: the URL given to Handoff is not an http(s) URL of a
	// front end the policy allows, or has a fragment.
	ErrHandoffTarget = errors.New("crosssession: handoff target refused")

	// ErrHandoffUnbound: Handoff found no verifier of the browser that
	// started the login: the login did not start at a URL of this API with
	// ?crosssession=<verifier> (README, "Logins by redirect"), or more than
	// 10 minutes ago.
	ErrHandoffUnbound = errors.New("crosssession: login not started by the front end")
)

const (
	hHandoff         = "X-Crosssession-Handoff" // the header that redeems a code
	handoffFragment  = "crosssession="          // the fragment that carries it
	handoffParam     = "crosssession"           // the query parameter that starts a login
	handoffName      = "crosssession-handoff"   // the name its MAC binds (with the cookie name: handoffMAC)
	handoffMaxAge    = 60                       // seconds a code lives
	handoffMaxSeen   = 4096                     // redeemed codes remembered
	loginSuffix      = "-login"                 // the cookie holding a login's binding: name + loginSuffix
	loginMaxAge      = 600                      // seconds a login may take (at the identity provider)
	verifierMinBytes = 16                       // a verifier's length, in bytes
	verifierMaxBytes = 128
)

// Handoff ends a login that happened in a top-level navigation: instead of
// setting the session cookie on this response (where a cross-site front
// end would never see it), it redirects (303) to target, a URL of an
// allowed front end, with a code in the fragment:
//
//	target#crosssession=<code>
//
// The login must have started at a URL of this API carrying
// ?crosssession=<verifier>, a random value (16 to 128 URL-safe characters)
// the front end keeps in sessionStorage: in this request (a form that logs
// in at once) or, within 10 minutes, in an earlier one whose response left
// its SHA-256 in the first-party <name>-login cookie (a login through an
// identity provider). The code is bound to it. The front end redeems the
// code once, within 60 seconds, by sending "<code> <verifier>" in the
// X-Crosssession-Handoff header of a credentialed fetch to any route of the
// policy; that response sets the session cookie for the front end (README,
// "Logins by redirect"). So a code sent to a front end whose browser did
// not start that login (an attacker's own code: login CSRF) is refused.
// The verifier proves that this browser started a login; the handler must
// make sure the request it completes belongs to that login (the OAuth or
// OpenID Connect state the start stored in this browser), so a login the
// browser did not start (identity-provider-initiated, a magic link from an
// e-mail) must not end with Handoff.
// Call it after the session holds the user (after Login and Set):
//
//	crosssession.Login(c)
//	sessions.Default(c).Set("user", id)
//	if err := crosssession.Handoff(c, "https://myapp.vercel.app/"); err != nil { ... }
//
// The code is signed and encrypted with the policy's key and bound to its
// cookie name, names the target origin (a request from another Origin
// cannot redeem it), expires after 60 seconds, and is single-use: with a
// Backend or a Store the record it names is deleted when redeemed, on every
// machine; with the cookie store each process remembers the codes it
// redeemed (another machine could accept a stolen code, with its verifier,
// within its 60 seconds). A fragment is never sent to a server nor in a
// Referer, and the README's front-end line removes it from the history.
//
// It returns an error wrapping ErrHandoffTarget for a target that is not
// an allowed front end (no open redirect), ErrHandoffUnbound when the login
// did not start with a verifier, ErrNoSession, ErrResponseWritten, or
// ErrStoreUnavailable; the response is then not written.
func Handoff(c *gin.Context, target string) error {
	s, err := current(c)
	if err != nil {
		return err
	}
	if !s.writable() {
		return newError(ErrResponseWritten, nil, "Handoff was called after the response was written")
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.Fragment != "" || strings.Contains(target, "#") {
		return newError(ErrHandoffTarget, err, "%q is not an absolute http(s) URL without a fragment", target)
	}
	origin := u.Scheme + "://" + u.Host
	if !s.cfg.m.allowed(origin) {
		return newError(ErrHandoffTarget, nil, "the origin %q of %q is not allowed by this policy", origin, target)
	}
	binding, hadCookie := s.loginBinding()
	if binding == nil {
		return newError(ErrHandoffUnbound, nil, "the login did not start with a top-level navigation to a route "+
			"of this policy with ?%s=<verifier> (the value the front end keeps in sessionStorage; README, \"Logins "+
			"by redirect\"), or started over %d minutes ago, so the code could not be bound to the browser that "+
			"started it", handoffParam, loginMaxAge/60)
	}
	code, err := s.handoffCode(origin, binding)
	if err != nil {
		return err
	}
	s.dirty = false           // the session goes in the code, not in a first-party cookie
	c.Set(handedOffKey, true) // nor does any policy on this request add a cookie (commit)
	h := c.Writer.Header()
	if hadCookie {
		h.Add(hSetCookie, s.loginCookie("", -1))
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	c.Redirect(http.StatusSeeOther, target+"#"+handoffFragment+code)
	return nil
}

// handoffCode encodes the session for origin: its values (cookie store),
// or the cookie value of its saved record (Store).
func (s *reqSession) handoffCode(origin string, binding []byte) (string, error) {
	gs := s.session()
	nonce := make([]byte, 16)
	rand.Read(nonce)
	payload := map[any]any{"o": origin, "n": nonce, "b": binding}
	switch {
	case s.cfg.backend != nil:
		maxAge := s.stamp(gs.Values, time.Now())
		if _, err := s.saveToBackend(gs, s.options(), maxAge); err != nil {
			return "", err
		}
		payload["id"] = gs.ID
	case s.cfg.store == nil:
		payload["v"] = gs.Values
	default:
		opts := *s.options()
		gs.Options = &opts
		w := discard{http.Header{}}
		if err := s.cfg.store.Save(s.r, w, gs); err != nil {
			return "", newError(ErrStoreUnavailable, err, "saving session %q: %v", s.cfg.name, err)
		}
		ck, err := http.ParseSetCookie(w.h.Get(hSetCookie))
		if err != nil {
			return "", newError(ErrStoreUnavailable, err, "the store wrote no session cookie: %v", err)
		}
		payload["id"] = ck.Value
	}
	code, err := s.cfg.handoff.Encode(s.cfg.handoffMAC, payload)
	if err != nil {
		return "", s.explainEncode(err, gs.Values)
	}
	return code, nil
}

// handedOffKey marks, in the gin context, a request that Handoff ends.
const handedOffKey = "github.com/crosssession/crosssession/handedoff"

// handedOff reports whether Handoff ends c's response: no policy renews
// its cookie or leaves a login cookie on it.
func handedOff(c *gin.Context) bool { return c.GetBool(handedOffKey) }

// loginBinding returns the SHA-256 of the verifier of the browser that
// started this login, from this request's ?crosssession= (a form that logs
// in at once) or else from the newest <name>-login cookie a request with it
// left (a login through an identity provider), and whether the request
// carried such a cookie; nil when there is none.
func (s *reqSession) loginBinding() (binding []byte, hadCookie bool) {
	for _, ck := range s.r.CookiesNamed(s.cfg.name + loginSuffix) {
		hadCookie = true
		if b, err := base64.RawURLEncoding.DecodeString(ck.Value); err == nil && len(b) == sha256.Size {
			binding = b
		}
	}
	if s.verifier != "" {
		sum := sha256.Sum256([]byte(s.verifier))
		binding = sum[:]
	}
	return binding, hadCookie
}

// validVerifier reports whether v can be a front end's verifier: 16 to 128
// URL-safe characters (so "undefined" and "null", what a front end without
// one would send, never are).
func validVerifier(v string) bool {
	if len(v) < verifierMinBytes || len(v) > verifierMaxBytes {
		return false
	}
	for i := range len(v) {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' ||
			c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// loginCookie is the Set-Cookie of the <name>-login cookie: value for
// maxAge seconds, first-party with the configured attributes, HttpOnly,
// and SameSite=None when Secure: an identity provider may answer with a
// cross-site form POST, from which RFC 6265bis leaves Lax cookies out
// (BROWSER-RULES item 15; the e2e suite measures GET callbacks only).
func (s *reqSession) loginCookie(value string, maxAge int) string {
	opts := s.cfg.opts
	opts.MaxAge, opts.HttpOnly, opts.SameSite = maxAge, true, http.SameSiteLaxMode
	if opts.Secure {
		opts.SameSite = http.SameSiteNoneMode
	}
	return gsessions.NewCookie(s.cfg.name+loginSuffix, value, &opts).String()
}

// setLoginCookie leaves the binding of this request's verifier for a later
// Handoff (a login that goes on at an identity provider).
func (s *reqSession) setLoginCookie() {
	sum := sha256.Sum256([]byte(s.verifier))
	h := s.inner.Header()
	h[hSetCookie] = append(h[hSetCookie], s.loginCookie(base64.RawURLEncoding.EncodeToString(sum[:]), loginMaxAge))
	privateCache(h)
}

// handoffRequest reads what a request does for a Handoff: redeem a code
// (X-Crosssession-Handoff, from an allowed origin) or start a login
// (?crosssession=<verifier> on a top-level navigation: an image or a fetch
// from another site cannot replace a login's binding). A well-formed
// verifier is kept: the response leaves its SHA-256 in the <name>-login
// cookie for a later Handoff, unless this request's handler calls Handoff
// itself.
func (s *reqSession) handoffRequest(allowed bool) {
	if code := get(s.r.Header, hHandoff); code != "" && allowed {
		s.redeem(code)
	}
	if strings.Contains(s.r.URL.RawQuery, handoffParam+"=") && isNavigation(s.r) {
		if v := s.r.URL.Query().Get(handoffParam); validVerifier(v) {
			s.verifier = v
		}
	}
}

// redeem replaces the request's session with the one a Handoff code
// carries, to be saved in this response; a code that cannot be redeemed is
// diagnosed and the request goes on with its own session.
func (s *reqSession) redeem(header string) {
	if why := s.tryRedeem(header); why != "" {
		s.cfg.m.diagnose(s.c, rHandoffRefused, s.origin, why)
	}
}

func (s *reqSession) tryRedeem(header string) string {
	code, verifier, _ := strings.Cut(header, " ")
	var p map[any]any
	if err := s.cfg.handoff.Decode(s.cfg.handoffMAC, code, &p); err != nil {
		if strings.Contains(err.Error(), "expired timestamp") {
			return "it is older than 60 seconds"
		}
		return "it is not a code this policy issued"
	}
	if o, _ := p["o"].(string); o != s.origin {
		return "it was issued for " + clip(o)
	}
	if why := checkBinding(p, verifier); why != "" {
		return why
	}
	nonce, _ := p["n"].([]byte)
	if !s.cfg.redeemed.first(nonce) {
		return "it was redeemed already"
	}
	values, why := s.handoffValues(p)
	if why != "" {
		return why
	}
	s.cookieSess = gsessions.Session{Values: values, IsNew: true}
	s.gs, s.backend, s.created = &s.cookieSess, backendState{}, 0
	if s.cfg.store != nil {
		s.gs = gsessions.NewSession(s.cfg.store, s.cfg.name)
		s.gs.Values, s.gs.IsNew = values, true
	}
	if !s.committed {
		addVaryCookie(s.inner.Header(), s.varyBoth)
	}
	s.dirty = true
	return ""
}

// checkBinding says why verifier is not the one the code p was bound to
// (the browser that started the login), or returns "".
func checkBinding(p map[any]any, verifier string) string {
	if !validVerifier(verifier) {
		return "it came without the verifier of the login (the front end sends X-Crosssession-Handoff: " +
			"<code> <the verifier it kept in sessionStorage>; README, \"Logins by redirect\")"
	}
	sum := sha256.Sum256([]byte(verifier))
	if b, _ := p["b"].([]byte); subtle.ConstantTimeCompare(b, sum[:]) != 1 {
		return "it was made for another login than the one this page started: another browser's (e.g. an " +
			"attacker's own code: login CSRF), or a newer login started in another tab of this browser"
	}
	return ""
}

// handoffValues returns the session values of a decoded code; with a Store
// it loads the record the code names and deletes it (single use on every
// machine), so the front end's session gets a new ID.
func (s *reqSession) handoffValues(p map[any]any) (map[any]any, string) {
	if s.cfg.backend != nil {
		return s.handoffBackendValues(p)
	}
	if s.cfg.store == nil {
		vs, ok := p["v"].(map[any]any)
		if !ok {
			return nil, "it was issued by a policy that keeps sessions on the server"
		}
		return vs, ""
	}
	id, _ := p["id"].(string)
	r := s.r.Clone(s.r.Context())
	r.Header = http.Header{hCookie: {s.cfg.name + "=" + id}}
	old, err := s.cfg.store.New(r, s.cfg.name)
	if err != nil || old == nil || old.IsNew {
		return nil, "its session is gone (redeemed already, or the store lost it)"
	}
	if err := s.deleteRecord(old); err != nil {
		return nil, "the store failed: " + err.Error()
	}
	return old.Values, ""
}

// newHandoffCodec returns the codec of Handoff codes: keys derived from
// the policy's first key (a random one without keys), a 60-second life.
func newHandoffCodec(keys [][]byte) *securecookie.SecureCookie {
	secret := make([]byte, minKeyLen)
	if len(keys) > 0 {
		secret = keys[0]
	} else {
		rand.Read(secret)
	}
	hashKey, err1 := hkdf.Key(sha256.New, secret, nil, "crosssession v1 handoff HMAC-SHA256", 32)
	blockKey, err2 := hkdf.Key(sha256.New, secret, nil, "crosssession v1 handoff AES-256", 32)
	if err := errors.Join(err1, err2); err != nil {
		panic(err) // unreachable: 32 bytes is far below HKDF-SHA256's limit
	}
	sc := securecookie.New(hashKey, blockKey)
	sc.SetSerializer(sessionSerializer{})
	sc.MaxAge(handoffMaxAge)
	sc.MaxLength(0)
	return sc
}

// redeemedCodes remembers the nonces of redeemed codes until they expire.
type redeemedCodes struct {
	mu   sync.Mutex
	seen map[string]int64 // nonce -> expiry (unix seconds)
}

// first records nonce and reports whether it is seen for the first time.
// When full, it forgets expired nonces; still full, it refuses (a code
// that cannot be proven unused is not redeemed).
func (rc *redeemedCodes) first(nonce []byte) bool {
	if len(nonce) != 16 {
		return false
	}
	k := base64.RawStdEncoding.EncodeToString(nonce)
	now := time.Now().Unix()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.seen == nil {
		rc.seen = make(map[string]int64)
	}
	if _, ok := rc.seen[k]; ok {
		return false
	}
	if len(rc.seen) >= handoffMaxSeen {
		for n, exp := range rc.seen {
			if exp < now {
				delete(rc.seen, n)
			}
		}
		if len(rc.seen) >= handoffMaxSeen {
			return false
		}
	}
	rc.seen[k] = now + handoffMaxAge + 1
	return true
}

// handoffBackendValues loads the session a code names from the Backend and
// deletes it: of two redemptions, only the one whose delete found it goes
// on, on every machine.
func (s *reqSession) handoffBackendValues(p map[any]any) (map[any]any, string) {
	id, _ := p["id"].(string)
	ctx := s.backendCtx()
	raw, ok, err := s.cfg.backend.Load(ctx, id)
	if err != nil {
		return nil, "the session backend failed: " + err.Error()
	}
	existed, err := s.cfg.backend.Delete(ctx, id)
	if err != nil {
		return nil, "the session backend failed: " + err.Error()
	}
	if !ok || !existed {
		return nil, "its session is gone (redeemed already, or expired)"
	}
	values := make(map[any]any, len(raw))
	for k, b := range raw {
		if v, err := decodeValue(b); err == nil {
			values[k] = v
		}
	}
	return values, ""
}
