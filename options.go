package crosssession

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/publicsuffix"
)

// Config describes one crosssession policy: which front-end origins may call
// the API with credentials, and the session cookie they get. Start from a
// preset ([Dev], [Prod], [Bearer]) and adjust fields; the zero value of every
// field is documented and is the strict choice. [New] validates the whole
// Config and compiles it; changing a Config after New has no effect.
type Config struct {
	// Mode selects the rules Validate applies and how loudly the
	// middleware explains failures. The zero value is Production.
	Mode Mode

	// Origins lists the front-end origins allowed to make credentialed
	// requests, written exactly as browsers send them in the Origin header:
	//
	//	"https://app.example.com"   one origin (scheme://host[:port], lowercase, no default port)
	//	"https://*.example.com"     any origin with one or more labels before .example.com (not the apex)
	//	"http://localhost:*"        any port, or none
	//	"http://*.localhost:*"      any name under localhost (always this machine), any port
	//	"capacitor://localhost"     an app or extension origin (ionic://, tauri://, chrome-extension://<id>, ...), exact only
	//
	// "*", "null", wildcards over a public suffix ("https://*.vercel.app")
	// and anything not in this form are rejected; Production also rejects
	// plain http except for loopback hosts. There is no default: an empty
	// list is an error. [Dev] with no arguments lists the loopback hosts.
	Origins []string

	// IdleTimeout ends a session after this long without a request that
	// uses it, checked by the server from data inside the session. A
	// session read when at least a quarter of IdleTimeout has passed since
	// its cookie was issued is re-issued (renewed), never past
	// Cookie.MaxAge, so a burst of reads costs no writes and an active user
	// is not logged out: a session ends between 3/4 IdleTimeout and
	// IdleTimeout after the last request. Logout leaves a fence cookie so a
	// renewal racing it cannot undo it. Zero (the default) sets no idle
	// timeout: sessions end only at Cookie.MaxAge. It works with the cookie
	// store and a Backend; a gin-contrib Store cannot renew a record
	// without re-creating one that a logout deleted, so that combination
	// is an error.
	IdleTimeout time.Duration

	// AllowOriginFunc allows origins decided at run time (a tenant table,
	// preview deployments), after Origins: an origin the list allows never
	// reaches it. It gets the Origin header only when a browser could have
	// sent it (canonical form, never "null"; in Production, plain http only
	// for loopback hosts), and its answer decides CORS, the CSRF check,
	// Handoff targets and diagnostics alike. It must depend on the origin
	// alone (responses vary on Origin only), be safe for concurrent use and
	// be fast: it runs on every request from an origin the list does not
	// allow. nil allows only Origins. See the README for a safe recipe for
	// preview deployments.
	AllowOriginFunc func(origin string) bool

	// Keys sign and encrypt session cookies. Keys[0] is used for new
	// cookies; the others are still accepted, so a key can be rotated
	// without logging users out: put the new key first and keep the old one
	// until its cookies have expired. Each key must be at least 32 random
	// bytes. Empty means: an error in Production; in Development, a random
	// key made at start (sessions end when the process restarts). With a
	// Backend they sign the session ID in the cookie. Ignored when Store is
	// set.
	Keys [][]byte

	// Cookie sets the session cookie's attributes.
	Cookie Cookie

	// NoSession turns the session off: no cookie is read or written, no
	// Access-Control-Allow-Credentials is sent, and the CSRF check is off
	// (requests carry no ambient credential to forge). For bearer-token
	// routes; see [Bearer]. The zero value (false) gives the session.
	NoSession bool

	// AllowMethods lists the methods a preflight allows, in uppercase.
	// nil means GET, HEAD, POST, PUT, PATCH, DELETE.
	AllowMethods []string

	// AllowHeaders lists the request headers a preflight allows. nil means
	// Authorization, Content-Type and X-Requested-With. "*" is refused: with
	// credentials browsers read it as a header named "*".
	AllowHeaders []string

	// ExposeHeaders lists response headers the front end may read beyond
	// the CORS-safelisted ones. nil exposes none.
	ExposeHeaders []string

	// PreflightFromRoutes answers a preflight with the methods the gin routes
	// serve on its path (those also in AllowMethods) instead of the whole
	// list, so a browser refuses a request no route would serve before
	// sending it. The routes are read at the first preflight: register
	// them before serving. The zero value (false) sends AllowMethods; a
	// preflight for a method no route serves is diagnosed either way
	// (preflight-no-route).
	PreflightFromRoutes bool

	// PreflightMaxAge is how long a browser may cache a preflight. Zero
	// means 2 hours, Chromium's cap; larger values are sent as 2 hours.
	PreflightMaxAge time.Duration

	// Store keeps sessions, e.g. gin-contrib/sessions' Redis store for an
	// API that runs on more than one machine. nil means a cookie store
	// signed and encrypted with Keys. The store's own cookie options are
	// ignored: every cookie is written with the attributes of Cookie,
	// Partitioned included.
	Store sessions.Store

	// Backend keeps sessions on the server, one value at a time, for an
	// API on more than one machine: the cookie carries only the signed
	// session ID, a logout ends every copy of the cookie at once, a request
	// that loaded a session before a logout cannot bring it back, and two
	// requests that change different values of one session both keep
	// their change. See the redisstore module (Redis single node, Sentinel,
	// Cluster). nil keeps sessions in the cookie. Keys sign the session
	// IDs. Setting both Store and Backend is an error.
	Backend Backend

	// Logger receives the startup report and diagnostics. nil means
	// slog.Default() at the time of logging.
	Logger *slog.Logger

	// APIOrigin is the API's own public origin, e.g.
	// "https://api.example.com". Optional; when set, the startup report
	// warns about front ends whose cookies the browser will refuse
	// (cross-site with a SameSite=Lax cookie, or not Partitioned), and a
	// Secure cookie on a plain-http API is refused. "" skips those checks.
	APIOrigin string

	// InsecureBypassPatterns exempts requests from the CSRF check, for
	// identity-provider callbacks that arrive as a cross-site form POST:
	// OpenID Connect response_mode=form_post (Sign in with Apple, Azure AD,
	// Okta) and SAML's POST binding. The syntax and matching are those of
	// [net/http.CrossOriginProtection.AddInsecureBypassPattern] (ServeMux
	// patterns such as "POST /auth/callback" or "/saml/{tenant}/acs"; a
	// request ServeMux would redirect to a pattern is not exempt). An exempt
	// route must protect itself: check the state and nonce (OIDC) or
	// InResponseTo (SAML) against what the login started with. Note that
	// such a POST is cross-site, so a SameSite=Lax or Strict cookie does not
	// come with it (RFC 6265bis, retrieval): keep the state where the
	// callback can read it. The startup report lists every exemption. nil
	// exempts nothing. A malformed or conflicting pattern is an error.
	InsecureBypassPatterns []string

	// TrustedProxies lists the proxies, as IP addresses or CIDR ranges (the
	// values gin's Engine.SetTrustedProxies takes), whose forwarding headers
	// tell the scheme and host the browser used: the first element of
	// Forwarded (RFC 7239, proto= and host=), else the first entry of
	// X-Forwarded-Proto (or X-Forwarded-Ssl: on) and X-Forwarded-Host.
	// Diagnostics use them, and so does the CSRF check's Origin-to-host
	// comparison for browsers that send no Sec-Fetch-Site. nil (the
	// default, as in gin) reads them from every peer: they cannot help an
	// attacker, since a page cannot add them to a victim's request without
	// a preflight its unlisted origin fails. An empty, non-nil list reads
	// them from no one. A value that is not an address or range is an
	// error.
	TrustedProxies []string

	// ErrorHandler writes the body of the error responses crosssession
	// answers by itself: 403 for a refused cross-origin request (err wraps
	// ErrCrossOrigin), 500 for a session that cannot be saved
	// (ErrCookieTooLarge, ErrUnencodable) and 503 for a store outage
	// (ErrStoreUnavailable). The status, the CORS and Vary headers, and for
	// 500 and 503 Cache-Control: no-store (and Retry-After on 503) are set
	// before it runs; it writes the body, e.g. c.JSON(status, problem(err)).
	// nil writes a line of text for 403 and {"error": ...} for 500 and 503.
	ErrorHandler func(c *gin.Context, status int, err error)

	// DebugHeader sends request diagnostics in the X-Crosssession-Debug
	// response header in Production too. Development always sends them.
	// The zero value (false) keeps them in the log only.
	DebugHeader bool
}

// Cookie holds the session cookie's attributes. HttpOnly is always set.
type Cookie struct {
	// Name is the cookie name. "" means "__Host-session" in Production and
	// "session" in Development. The __Host- and __Secure- prefixes
	// (matched case-insensitively, as browsers do) are checked: __Host-
	// needs Secure, Path "/" and no Domain.
	Name string

	// Domain makes the cookie visible to subdomains. "" (recommended) means
	// a host-only cookie. A public suffix ("com", "vercel.app") is refused.
	Domain string

	// Path is the cookie path. "" means "/".
	Path string

	// MaxAge is the absolute session lifetime: a session ends this long
	// after it started (Login, or its first save), however active. The
	// server checks it from the start time kept in the session, and every
	// cookie is issued with the Max-Age left. Zero means 7 days. Browsers
	// cap it at 400 days. See also Config.IdleTimeout.
	MaxAge time.Duration

	// SameSite is the SameSite attribute. Zero means Lax. SameSiteNoneMode
	// requires Secure. http.SameSiteDefaultMode is refused: browsers
	// disagree on what a missing attribute means.
	SameSite http.SameSite

	// Insecure leaves out the Secure attribute, for plain-http development
	// hosts other than localhost and for Safari on http://localhost. The
	// zero value (false) sends Secure, which browsers also accept on
	// http://localhost. Production refuses Insecure.
	Insecure bool

	// Partitioned adds the Partitioned attribute (CHIPS) to the cookie
	// set for same-site front ends. Requires Secure. Cross-site front ends
	// get it anyway (see SameSiteOnly).
	Partitioned bool

	// SameSiteOnly turns off the cookie for cross-site front ends. By
	// default the attributes above are those of the cookie set for a front
	// end that is same-site with the API (app.example.com ->
	// api.example.com, localhost:3000 -> localhost:3001), and a front end
	// that is cross-site with it (myapp.vercel.app -> api.example.com,
	// app.localhost -> localhost) gets SameSite=None; Secure; Partitioned
	// instead: no other cookie survives there in Chromium with third-party
	// cookies blocked (its default in Debian's Chromium 156) or in Firefox
	// 153, and WebKit keeps no cross-site cookie at all (BROWSER-RULES.md,
	// e2e tables). Secure needs an https API, or a loopback host, where
	// Chromium and Firefox accept it. Logout expires both. The zero value
	// (false) chooses per front end; true always sets the attributes
	// above.
	SameSiteOnly bool
}

// Mode selects a set of rules. The zero value is Production.
type Mode uint8

const (
	// Production applies every check and keeps request diagnostics out of
	// responses.
	Production Mode = iota
	// Development allows plain-http cookies and explains failed requests
	// in a response header and the log.
	Development
)

// String returns "Production" or "Development".
func (m Mode) String() string {
	switch m {
	case Production:
		return "Production"
	case Development:
		return "Development"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

const (
	defaultMaxAge    = 7 * 24 * time.Hour
	maxPreflightAge  = 2 * time.Hour
	minKeyLen        = 32
	browserMaxCookie = 4096 // name + value, Chromium and Firefox
)

var (
	defaultMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
	defaultHeaders = []string{"Authorization", "Content-Type", "X-Requested-With"}
)

// Validate reports every problem in c at once, joined with errors.Join.
// Each message starts with "crosssession: ", names the bad value and says
// how to fix it. A nil error means New(c) will not panic.
func (c Config) Validate() error {
	_, err := c.compile()
	return err
}

// compiled is a validated Config with every default filled in.
type compiled struct {
	cfg     Config
	rules   []originRule
	methods []string
	headers []string
	maxAge  time.Duration
	cookie  Cookie
	trusted []netip.Prefix
}

// problems collects what is wrong with a Config; the package prefix is
// added here, once.
type problems []error

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Errorf("crosssession: "+format, args...))
}

func (p *problems) addErr(err error) { *p = append(*p, fmt.Errorf("crosssession: %w", err)) }

// compile validates c and fills in defaults. Each validator reports every
// problem of its field: none stops at the first.
func (c Config) compile() (*compiled, error) {
	var p problems
	out := &compiled{cfg: c}
	c.checkMode(&p)
	out.rules = c.compileOrigins(&p)
	c.checkAPIOrigin(&p)
	out.methods = compileList(c.AllowMethods, defaultMethods, "AllowMethods", methodProblem, &p)
	out.headers = compileList(c.AllowHeaders, defaultHeaders, "AllowHeaders", allowHeaderProblem, &p)
	if !c.NoSession && !slices.ContainsFunc(out.headers, func(h string) bool { return strings.EqualFold(h, hHandoff) }) {
		out.headers = append(slices.Clip(out.headers), hHandoff) // redeems Handoff codes
	}
	compileList(c.ExposeHeaders, nil, "ExposeHeaders", exposeHeaderProblem, &p)
	c.checkBypassPatterns(&p)
	out.trusted = parseTrustedProxies(c.TrustedProxies, p.add)
	out.maxAge = c.compilePreflightMaxAge(&p)
	if !c.NoSession {
		out.cookie = c.compileCookie(&p)
		c.checkKeys(&p)
		c.checkIdleTimeout(out.cookie, &p)
	}
	return out, errors.Join(p...)
}

func (c Config) checkMode(p *problems) {
	if c.Mode != Production && c.Mode != Development {
		p.add("Mode %v is unknown; use Production or Development", c.Mode)
	}
}

func (c Config) compileOrigins(p *problems) []originRule {
	switch {
	case len(c.Origins) == 0 && c.NoSession:
		p.add("no Origins: list the front end's origins, e.g. crosssession.Bearer(%q)", "https://app.example.com")
	case len(c.Origins) == 0:
		p.add("no Origins: list the front end's origins, e.g. crosssession.Prod(key, %q), or use crosssession.Dev() for localhost",
			"https://app.example.com")
	}
	var rules []originRule
	seen := make(map[string]bool, len(c.Origins))
	for _, o := range c.Origins {
		r, err := parseOrigin(o, c.Mode == Production)
		switch {
		case err != nil:
			p.addErr(err)
		case seen[o]:
			p.add("origin %q is listed twice", o)
		default:
			seen[o] = true
			rules = append(rules, r)
		}
	}
	return rules
}

func (c Config) checkAPIOrigin(p *problems) {
	if c.APIOrigin == "" {
		return
	}
	r, err := parseOrigin(c.APIOrigin, false)
	switch {
	case err != nil:
		p.add("APIOrigin: %w", err)
	case !r.Exact():
		p.add("APIOrigin %q is a pattern; give the API's one public origin", c.APIOrigin)
	case !r.IsHTTP():
		p.add("APIOrigin %q is not an http(s) origin; give the API's one public origin", c.APIOrigin)
	case r.Scheme == "http" && !isLoopbackHost(r.Host) && !c.NoSession && !c.Cookie.Insecure:
		p.add("APIOrigin %q is plain http, where browsers refuse Secure cookies; serve the API over https", c.APIOrigin)
	}
}

// compileList returns list, or def when list is nil, reporting each entry
// problem finds fault with.
func compileList(list, def []string, field string, problem func(string) string, p *problems) []string {
	if list == nil {
		list = def
	}
	for _, v := range list {
		if msg := problem(v); msg != "" {
			p.add("%s contains %q, %s", field, v, msg)
		}
	}
	return list
}

func (c Config) compilePreflightMaxAge(p *problems) time.Duration {
	switch age := c.PreflightMaxAge; {
	case age == 0:
		return maxPreflightAge
	case age < time.Second:
		p.add("PreflightMaxAge %v is under one second; leave it zero for the 2h default", age)
	case age > maxPreflightAge:
		return maxPreflightAge // Chromium caps it here; the startup report says so
	}
	return c.PreflightMaxAge
}

func (c Config) checkIdleTimeout(k Cookie, p *problems) {
	switch {
	case c.IdleTimeout < 0:
		p.add("IdleTimeout %v is negative; leave it zero for no idle timeout", c.IdleTimeout)
	case c.IdleTimeout > 0 && c.IdleTimeout < 4*time.Second:
		p.add("IdleTimeout %v is under 4 seconds", c.IdleTimeout)
	case c.IdleTimeout > 0 && c.Store != nil:
		p.add("IdleTimeout needs the built-in cookie store: a gin-contrib Store (%T) cannot renew a session without "+
			"re-creating a record a logout deleted; remove Store or IdleTimeout", c.Store)
	case c.IdleTimeout > k.MaxAge:
		p.add("IdleTimeout %v is longer than Cookie.MaxAge %v, the absolute lifetime, so it never ends a session; "+
			"shorten it or leave it zero", c.IdleTimeout, k.MaxAge)
	}
}

func (c Config) checkKeys(p *problems) {
	if c.Store != nil && c.Backend != nil {
		p.add("both Store and Backend are set; keep Backend (crosssession's server-side sessions) or Store (a " +
			"gin-contrib store), not both")
	}
	if c.Store != nil {
		return
	}
	if len(c.Keys) == 0 && c.Mode == Production {
		p.add("Production needs a key to sign session cookies: crosssession.Prod(key, ...) with at least %d random bytes "+
			"(e.g. from crypto/rand, kept in a secret store)", minKeyLen)
	}
	for i, k := range c.Keys {
		if len(k) < minKeyLen {
			p.add("Keys[%d] is %d bytes; a key must be at least %d random bytes", i, len(k), minKeyLen)
		}
	}
}

// checkBypassPatterns reports every pattern of InsecureBypassPatterns that
// CrossOriginProtection refuses (it panics, as ServeMux does).
func (c Config) checkBypassPatterns(p *problems) {
	if len(c.InsecureBypassPatterns) > 0 && c.NoSession {
		p.add("InsecureBypassPatterns is set on a policy without a session, which has no CSRF check to bypass; remove it")
		return
	}
	cop := http.NewCrossOriginProtection()
	for i, pat := range c.InsecureBypassPatterns {
		if err := addBypassPattern(cop, pat); err != nil {
			p.add("InsecureBypassPatterns[%d] %q is refused (%v); the syntax is net/http.ServeMux's, e.g. %q",
				i, pat, err, "POST /auth/callback")
		}
	}
}

// addBypassPattern is cop.AddInsecureBypassPattern with its panic on a bad
// pattern returned as an error.
func addBypassPattern(cop *http.CrossOriginProtection, pattern string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	cop.AddInsecureBypassPattern(pattern)
	return nil
}

// methodProblem says why browsers would never send method m as listed, or
// returns "". Fetch uppercases DELETE, GET, HEAD, OPTIONS, POST and PUT
// (matched case-insensitively) and sends every other method exactly as
// written, and browsers compare Access-Control-Allow-Methods entries
// case-sensitively (Fetch, "normalize a method"; BROWSER-RULES.md item 42).
func methodProblem(m string) string {
	up := strings.ToUpper(m)
	switch {
	case m == "*":
		return "which browsers read as a method named * when credentials are on; list the methods"
	case !httpguts.ValidHeaderFieldName(m):
		return "which is not a method name"
	case up == "CONNECT" || up == "TRACE" || up == "TRACK":
		return "which browsers never send (a forbidden method)"
	case m != up && slices.Contains(normalizedMethods, up):
		return fmt.Sprintf("which fetch never sends: it uppercases %s to %q before sending; write %q", m, up, up)
	}
	return ""
}

// normalizedMethods are the methods fetch uppercases before sending.
var normalizedMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}

// allowHeaderProblem says why listing request header h in
// Access-Control-Allow-Headers does nothing, or returns "".
func allowHeaderProblem(h string) string {
	lower := strings.ToLower(h)
	switch {
	case h == "*":
		return "which browsers read as a header named * when credentials are on; list the headers"
	case !httpguts.ValidHeaderFieldName(h):
		return "which is not a header name"
	case strings.HasPrefix(lower, "access-control-allow-") || lower == "access-control-expose-headers" ||
		lower == "access-control-max-age":
		return "which is a response header: the server sends it, and a front end that sends it as a request header " +
			"has a bug (remove it there too)"
	case isForbiddenRequestHeader(lower):
		return "which browsers never let a script set (a forbidden request header in the Fetch standard), " +
			"so allowing it does nothing; remove it"
	}
	return ""
}

// exposeHeaderProblem says why exposing response header h does nothing, or
// returns "".
func exposeHeaderProblem(h string) string {
	lower := strings.ToLower(h)
	switch {
	case h == "*":
		return "which browsers read as a header named * when credentials are on; list the headers"
	case !httpguts.ValidHeaderFieldName(h):
		return "which is not a header name"
	case lower == "set-cookie" || lower == "set-cookie2":
		return "which browsers never expose to scripts (a forbidden response header in the Fetch standard); " +
			"the browser stores the cookie without any setting"
	case strings.HasPrefix(lower, "access-control-request-") || strings.HasPrefix(lower, "sec-fetch-") ||
		slices.Contains([]string{"origin", "cookie", "host", "referer"}, lower):
		return "which is a request header: no response carries it"
	}
	return ""
}

// isForbiddenRequestHeader reports whether a script may never set the
// lowercase header name (Fetch, "forbidden request-header"; the
// X-HTTP-Method-Override family is forbidden only for some values, so it
// is not listed).
func isForbiddenRequestHeader(lower string) bool {
	if strings.HasPrefix(lower, "proxy-") || strings.HasPrefix(lower, "sec-") {
		return true
	}
	switch lower {
	case "accept-charset", "accept-encoding", "access-control-request-headers", "access-control-request-method",
		"connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect", "host", "keep-alive", "origin",
		"referer", "set-cookie", "te", "trailer", "transfer-encoding", "upgrade", "via":
		return true
	}
	return false
}

// compileCookie fills in the cookie's defaults and checks it against the
// rules browsers apply when they store it (RFC 6265bis; prefixes matched
// case-insensitively, as browsers do).
func (c Config) compileCookie(p *problems) Cookie {
	k := c.Cookie.withDefaults(c.Mode)
	name := fmt.Sprintf("cookie %q", k.Name)
	hc := http.Cookie{Name: k.Name, Value: "v", Path: k.Path, Domain: k.Domain, Secure: !k.Insecure}
	if err := hc.Valid(); err != nil && !strings.Contains(err.Error(), "Partitioned") {
		p.add("%s is not a valid cookie (%v)", name, err)
	}
	k.checkPrefix(name, p)
	k.checkDomain(p)
	k.checkAttributes(name, c.Mode, p)
	return k
}

func (k Cookie) withDefaults(mode Mode) Cookie {
	if k.Name == "" {
		k.Name = "session"
		if mode == Production {
			k.Name = "__Host-session"
		}
	}
	if k.Path == "" {
		k.Path = "/"
	}
	if k.MaxAge == 0 {
		k.MaxAge = defaultMaxAge
	}
	if k.SameSite == 0 {
		k.SameSite = http.SameSiteLaxMode
	}
	return k
}

func (k Cookie) checkPrefix(name string, p *problems) {
	switch lower := strings.ToLower(k.Name); {
	case strings.HasPrefix(lower, "__host-"):
		if k.Insecure {
			p.add("%s has the __Host- prefix, which browsers accept only with Secure; drop Insecure or rename the cookie", name)
		}
		if k.Domain != "" {
			p.add("%s has the __Host- prefix, which forbids a Domain (got %q); remove Domain or rename the cookie", name, k.Domain)
		}
		if k.Path != "/" {
			p.add("%s has the __Host- prefix, which requires Path \"/\" (got %q)", name, k.Path)
		}
	case strings.HasPrefix(lower, "__secure-") && k.Insecure:
		p.add("%s has the __Secure- prefix, which browsers accept only with Secure; drop Insecure or rename the cookie", name)
	}
}

func (k Cookie) checkDomain(p *problems) {
	switch d := k.Domain; {
	case d == "":
	case strings.HasPrefix(d, "."):
		p.add("Cookie.Domain %q has a leading dot; write %q (subdomains are included either way)", d, d[1:])
	case d != strings.ToLower(d):
		p.add("Cookie.Domain %q has uppercase letters; write %q", d, strings.ToLower(d))
	default:
		if ps, _ := publicsuffix.PublicSuffix(d); ps == d {
			p.add("Cookie.Domain %q is a public suffix, so browsers refuse the cookie; use your own domain or leave Domain empty", d)
		}
	}
}

// checkAttributes checks MaxAge, SameSite, Partitioned and Secure.
func (k Cookie) checkAttributes(name string, mode Mode, p *problems) {
	if k.MaxAge < 0 {
		p.add("Cookie.MaxAge %v is negative; to end a session, clear it in a handler", k.MaxAge)
	} else if k.MaxAge < time.Second {
		p.add("Cookie.MaxAge %v is under one second", k.MaxAge)
	}
	switch k.SameSite {
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if k.Insecure {
			p.add("%s is SameSite=None without Secure, which browsers refuse; drop Insecure, or use SameSite=Lax "+
				"when the front end and the API are same-site (localhost:3000 → localhost:3001)", name)
		}
	case http.SameSiteDefaultMode:
		p.add("%s has SameSite=Default, which Chrome reads as Lax and Firefox as None; choose Lax, Strict or None", name)
	default:
		p.add("%s has unknown SameSite value %d", name, k.SameSite)
	}
	if k.Partitioned && k.Insecure {
		p.add("%s is Partitioned without Secure, which browsers refuse; drop Insecure or Partitioned", name)
	}
	if k.Insecure && mode == Production {
		p.add("%s is Insecure in Production; session cookies must be Secure (browsers accept Secure on http://localhost too)", name)
	}
}

// crossSite returns the cookie for cross-site front ends (SameSite=None;
// Secure; Partitioned) and whether it differs from k and is enabled (see
// Cookie.SameSiteOnly).
func (k Cookie) crossSite() (Cookie, bool) {
	c := k
	c.SameSite, c.Insecure, c.Partitioned = http.SameSiteNoneMode, false, true
	return c, !k.SameSiteOnly && c != k
}

// options returns the gorilla options of a compiled cookie.
func (k Cookie) options() gsessions.Options {
	return gsessions.Options{Path: k.Path, Domain: k.Domain, MaxAge: int(k.MaxAge.Seconds()), Secure: !k.Insecure,
		HttpOnly: true, Partitioned: k.Partitioned, SameSite: k.SameSite}
}

// template is the Set-Cookie header of k, with <value> for the value and
// no Expires, for the startup report.
func (k Cookie) template() string {
	o := k.options()
	ck := gsessions.NewCookie(k.Name, "<value>", &o)
	ck.Expires = time.Time{}
	return ck.String()
}

// hasCookiePrefix reports whether name starts with __Host- or __Secure-,
// matched case-insensitively as browsers do; browsers refuse such cookies
// over plain http.
func hasCookiePrefix(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(lower, "__host-") || strings.HasPrefix(lower, "__secure-")
}
