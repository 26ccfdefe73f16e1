package crosssession

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"time"

	"github.com/crosssession/crosssession/internal/origin"
	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/sessions"
	gsessions "github.com/gorilla/sessions"
)

// FromGinContrib translates the stack composed by hand from gin-contrib/cors
// and gin-contrib/sessions,
//
//	r.Use(cors.New(c), sessions.Sessions(sessionName, store))
//
// into one policy, r.Use(crosssession.New(cfg)): the same front ends get
// credentialed CORS, CSRF protection from the same list, and the session
// handlers read with sessions.Default(c), which users keep across the
// switch. It returns every problem of the old configuration at once, joined
// with errors.Join, each message starting with "crosssession: ", naming the
// gin-contrib field and its value and saying what to write instead; the
// Config is then the zero Config. A Config returned with a nil error passes
// [Config.Validate].
//
// # The session
//
// Cookie.Name is sessionName and Store is store, so every session the old
// stack issued survives: the store reads its own cookies (and, for Redis, its
// records) as before, and a rollback to the old stack keeps them too.
// crosssession writes the cookie's attributes in place of the store's options
// (HttpOnly, Secure, SameSite=Lax for front ends same-site with the API,
// SameSite=None; Partitioned for cross-site ones); the Path, Domain and MaxAge
// given to store.Options are kept (read from gin-contrib's cookie and Redis
// stores and any store wrapping a gorilla store's Options field; gorilla's
// defaults are Path "/" and 30 days; an empty Path becomes "/", and a MaxAge
// of 0, a browser-session cookie, crosssession's 7 days), so a re-issued
// cookie replaces the old one in the browser. Logout expires it with those
// attributes.
//
// For gin-contrib's cookie store made with one key of 32 bytes or more
// (cookie.NewStore(secret)), a Config with Store nil and Keys {secret} is the
// alternative: crosssession reads that store's cookies with the key and
// re-issues each in its own encrypted format on its next change.
//
// AllowCredentials false with no session (sessionName "" and store nil)
// gives a [Bearer]-style policy (NoSession). AllowCredentials false with a
// session is refused: the listed front ends never sent the cookie, and
// crosssession would give them the session.
//
// # The policy
//
// Mode is always Production, the strict zero value: nothing in a cors.Config
// tells a developer's machine from a server, and production configurations
// often list http://localhost:3000 for developers. Plain http is allowed
// for loopback front ends; the Secure cookie works there in Chromium and
// Firefox. For local development in Safari, set Mode to Development and
// Cookie.Insecure to true afterwards (what [Dev] does).
//
// Field by field:
//
//	AllowOrigins "https://app.example.com"   Origins, lowercased and trimmed as gin-contrib compared it
//	AllowOrigins "https://app.example.com/"  refused with the spelling browsers send (gin-contrib compared
//	                                         it byte for byte: a trailing slash, path, default port or a
//	                                         value no browser sends never matched)
//	AllowOrigins "http://app.example.com"    refused: Production allows plain http only for loopback hosts
//	AllowOrigins "*", AllowAllOrigins        refused: list the front ends' origins (with credentials,
//	                                         browsers refused gin-contrib's "*" anyway)
//	AllowOrigins "/regexp/"                  refused; the message lists the patterns that cover what the
//	                                         expression describes, and an origin it also matched unanchored
//	AllowWildcard "https://*.example.com"    the same pattern; likewise "https://*.example.com:8443" and
//	                                         "http://localhost:*" (which also matches http://localhost with no port)
//	AllowWildcard "https://*a.com"           refused, with an origin gin-contrib's bare prefix and suffix
//	  (and "http://localhost*",              test matched (https://evila.com, http://localhost.evil.com,
//	  "*.example.com", "https://app.*",      plain http, https://app.evil.com, any customer's site) and the
//	  "https://*.vercel.app")                nearest safe pattern
//	a pattern without AllowWildcard          refused: gin-contrib compared it as text, so it matched nothing
//	AllowOriginFunc                          AllowOriginFunc, asked after the list as before; it now sees only
//	                                         canonical origins, never "null" (nor, in Production, plain http
//	                                         off loopback)
//	AllowOriginWithContextFunc               refused: the decision must depend on the origin alone
//	AllowMethods                             AllowMethods, uppercased as gin-contrib sent them; none: GET,
//	                                         HEAD, POST (what browsers allowed without the header); CONNECT,
//	                                         TRACE, TRACK dropped (browsers never send them); "*" refused
//	AllowHeaders                             AllowHeaders, canonicalized; none: none (a non-nil empty list);
//	                                         forbidden request headers (Origin, Content-Length, ...) dropped
//	                                         (no script can set them); "*" and response headers refused
//	ExposeHeaders                            ExposeHeaders; Set-Cookie and request headers dropped; "*" refused
//	MaxAge                                   PreflightMaxAge in whole seconds, capped at 2 h (Chromium's cap;
//	                                         Firefox caps at 24 h, WebKit at 10 min); zero: crosssession's
//	                                         default of 2 h instead of browsers' 5 s; under 1 s: 1 s
//	AllowBrowserExtensions, CustomSchemas    no field: app and extension origins are listed exactly
//	                                         ("chrome-extension://<id>", "tauri://localhost"); patterns over
//	                                         them are refused
//	AllowWebSockets                          no field: "ws://" and "wss://" origins are refused (a handshake
//	                                         carries the page's http(s) origin, which the list covers)
//	AllowFiles                               refused: file: pages send Origin "null", never allowed
//	AllowPrivateNetwork                      dropped: Chrome replaced that preflight header with a permission
//	                                         prompt no response header grants
//	OptionsResponseStatusCode                a 2xx: preflights get 204, which every browser accepts;
//	                                         anything else refused (browsers failed every preflight)
//
// Behaviour that changes with the switch: an unlisted origin's safe request
// (GET, HEAD) runs without CORS headers instead of getting 403 (the browser
// still hides the response), and its unsafe request still gets 403; so a
// WebSocket handshake from an unlisted origin is no longer refused here:
// keep the upgrader's own Origin check (gorilla/websocket's CheckOrigin).
// Every response varies on Origin, and sessions are saved automatically.
func FromGinContrib(c cors.Config, sessionName string, store sessions.Store) (Config, error) {
	var p problems
	m := migration{in: c, p: &p}
	cfg := Config{Mode: Production, AllowOriginFunc: c.AllowOriginFunc}
	cfg.Origins = m.origins()
	m.originFuncs()
	m.session(&cfg, sessionName, store)
	cfg.AllowMethods = m.methods()
	cfg.AllowHeaders = m.headers()
	cfg.ExposeHeaders = m.exposeHeaders()
	cfg.PreflightMaxAge = m.maxAge()
	m.flags()
	if len(p) > 0 {
		return Config{}, errors.Join(p...)
	}
	if err := cfg.Validate(); err != nil {
		// Unreachable when every rule above holds; never hand out a Config
		// New would refuse.
		var q problems
		for _, e := range unjoin(err) {
			q.add("the Config translated from cors.Config and the session is refused: %s", strings.TrimPrefix(e.Error(), "crosssession: "))
		}
		return Config{}, errors.Join(q...)
	}
	return cfg, nil
}

// migration translates one cors.Config, adding each problem to p.
type migration struct {
	in cors.Config
	p  *problems
}

// gcRegexp is how gin-contrib/cors recognizes a regular-expression origin.
var gcRegexp = regexp.MustCompile(`^/(.+)/[gimuy]?$`)

const listOrigins = `list the front ends' origins in AllowOrigins instead (crosssession: Config.Origins), ` +
	`e.g. "https://app.example.com" or "https://*.example.com"`

func (m *migration) origins() []string {
	c := m.in
	if c.AllowAllOrigins {
		m.allOrigins("cors.Config.AllowAllOrigins is true")
	}
	if len(c.AllowOrigins) == 0 && !c.AllowAllOrigins {
		if c.AllowOriginFunc != nil || c.AllowOriginWithContextFunc != nil {
			m.p.add("cors.Config.AllowOrigins is empty and an origin function decides alone; crosssession needs at " +
				"least one listed origin (Config.Origins; Config.AllowOriginFunc is asked after the list): add the " +
				"main front end's origin to AllowOrigins")
		} else {
			m.p.add("cors.Config.AllowOrigins is empty: " + listOrigins)
		}
	}
	var out []string
	for i, raw := range c.AllowOrigins {
		field := fmt.Sprintf("cors.Config.AllowOrigins[%d] %q", i, raw)
		n := strings.ToLower(strings.TrimSpace(raw)) // gin-contrib's normalize
		var o string
		switch {
		case raw == "*":
			m.allOrigins(field + " allows every origin")
		case gcRegexp.MatchString(n):
			m.regexpOrigin(field, gcRegexp.FindStringSubmatch(n)[1])
		case strings.Contains(raw, "*") && c.AllowWildcard:
			o = m.wildcard(field, raw)
		case strings.Contains(n, "*"):
			m.literalPattern(field, n)
		default:
			o = m.exact(field, n)
		}
		if o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

func (m *migration) allOrigins(what string) {
	if m.in.AllowCredentials {
		m.p.add("%s: gin-contrib/cors answered with Access-Control-Allow-Origin: * and Access-Control-Allow-"+
			"Credentials: true, which browsers refuse, so no front end got the session through it, and crosssession "+
			"never allows every origin; %s", what, listOrigins)
		return
	}
	m.p.add("%s, which crosssession never does (it lists front ends; a public API any site may call keeps "+
		"gin-contrib/cors on those routes); %s", what, listOrigins)
}

// exact translates an entry gin-contrib compared, lowercased, with the
// Origin header.
func (m *migration) exact(field, n string) string {
	if _, err := parseOrigin(n, false); err != nil {
		e := asOriginError(err)
		note := ""
		if strings.HasPrefix(e.Reason, "looks like a regular expression") {
			note = " (gin-contrib/cors reads only /.../ entries as regular expressions)"
		}
		m.p.add("%s never matched: gin-contrib/cors compares the Origin header with the lowercased entry byte for "+
			"byte%s, and it %s%s", field, note, e.Reason, writeInstead(e.Suggestion))
		return ""
	}
	if _, err := parseOrigin(n, true); err != nil {
		m.plainHTTP(field, asOriginError(err))
		return ""
	}
	return n
}

func (m *migration) plainHTTP(field string, e *origin.Error) {
	m.p.add("%s is a plain-http front end on a host that is not loopback: FromGinContrib builds a Production Config, "+
		"which refuses it (the session cookie and every response would cross the network in clear text)%s, or for "+
		"a plain-http test setup build the Config with crosssession.Dev", field, writeInstead(e.Suggestion))
}

// literalPattern explains an entry with "*" that gin-contrib compared as
// text because AllowWildcard is false.
func (m *migration) literalPattern(field, n string) {
	if r, err := parseOrigin(n, true); err == nil {
		m.p.add("%s never matched: AllowWildcard is false, so gin-contrib/cors compared it as text; remove it, or "+
			"set AllowWildcard: true if the front ends it describes are to be allowed (crosssession writes it %q)",
			field, r.String())
		return
	}
	m.p.add("%s never matched: AllowWildcard is false, so gin-contrib/cors compared it as text; remove it", field)
}

// wildcard translates an AllowWildcard entry: gin-contrib matched every
// origin that starts with what precedes the "*" and ends with what follows
// it. Where crosssession's grammar reads the entry, the two agree on every
// origin a browser sends (a "*." label stands for one or more labels and
// the suffix fixes the port; a ":*" port for any port, crosssession's also
// for none).
func (m *migration) wildcard(field, raw string) string {
	if r, err := parseOrigin(raw, true); err == nil {
		return r.String() // two "*" made gin-contrib panic; the intent is clear
	}
	if _, err := parseOrigin(raw, false); err == nil {
		_, err := parseOrigin(raw, true)
		m.plainHTTP(field, asOriginError(err))
		return ""
	}
	_, err := parseOrigin(raw, false)
	e := asOriginError(err)
	switch pre, suf, _ := strings.Cut(raw, "*"); {
	case strings.Count(raw, "*") > 1:
		m.p.add("%s has more than one *, which gin-contrib/cors refuses at startup (it panics), and crosssession's "+
			"grammar refuses too: it %s%s", field, e.Reason, writeInstead(e.Suggestion))
	case raw != strings.ToLower(strings.TrimSpace(raw)) || strings.ContainsAny(suf, "/?#"):
		m.p.add("%s never matched: gin-contrib/cors compares wildcard entries as written, and it %s%s",
			field, e.Reason, writeInstead(e.Suggestion))
	case suf == "" && strings.HasSuffix(pre, "://"):
		creds := ""
		if m.in.AllowCredentials {
			creds = " and credentials, so any such page could act as the user"
		}
		m.p.add("%s matched every %s origin, each of which gin-contrib/cors answered with its own origin%s, and "+
			"crosssession never allows every origin; %s", field, strings.TrimSuffix(pre, "://"), creds, listOrigins)
	default:
		reason := e.Reason
		if strings.HasPrefix(reason, "looks like a regular expression") {
			reason = "has a wildcard where crosssession takes none"
		}
		fix := wildcardFix(pre, suf, e.Suggestion)
		also := ""
		if apex, ok := strings.CutPrefix(fix, strings.SplitAfter(fix, "://")[0]+"*."); ok && !strings.HasPrefix(suf, ".") {
			also = fmt.Sprintf(" (and %q, which it matched too)", strings.SplitAfter(fix, "://")[0]+apex)
		}
		m.p.add("%s matched every origin that %s%s; crosssession's patterns stand for whole labels (\"*.\") or any "+
			"port (\":*\"), and it %s%s%s", field, gcWildcardRule(pre, suf), exampleClause(gcWildcardExample(pre, suf, fix)),
			reason, writeInstead(fix), also)
	}
	return ""
}

// gcWildcardRule says which origins gin-contrib matched.
func gcWildcardRule(pre, suf string) string {
	switch {
	case pre == "":
		return fmt.Sprintf("ends with %q, over any scheme", suf)
	case suf == "":
		return fmt.Sprintf("starts with %q", pre)
	}
	return fmt.Sprintf("starts with %q and ends with %q", pre, suf)
}

// wildcardFix is the nearest pattern crosssession takes: the parser's
// suggestion, else any port where the "*" sits in or right after the host
// ("http://localhost*", "http://localhost:3*").
func wildcardFix(pre, suf, suggestion string) string {
	if suggestion != "" {
		return suggestion
	}
	scheme, rest, ok := strings.Cut(pre, "://")
	if !ok || suf != "" {
		return ""
	}
	host, _ := origin.SplitHostPort(rest)
	fix := scheme + "://" + host + ":*"
	if _, err := parseOrigin(fix, true); err != nil {
		return ""
	}
	return fix
}

// gcWildcardExample returns an origin a browser can send that gin-contrib's
// prefix and suffix test matched and fix does not, or "".
func gcWildcardExample(pre, suf, fix string) string {
	var cands []string
	switch {
	case pre == "":
		cands = []string{"http://evil" + suf, "http://evil." + suf}
	case suf == "":
		cands = []string{pre + ".evil.com", pre + "evil.com"}
	default:
		cands = []string{pre + "evil" + suf, pre + "evil." + suf}
	}
	var allowed *origin.Set
	if r, err := origin.Parse(fix); err == nil {
		allowed = origin.NewSet([]origin.Rule{r})
	}
	for _, o := range cands {
		if origin.Canonical(o) && !allowed.Match(o) {
			return o
		}
	}
	return ""
}

// regexpOrigin explains a gin-contrib regular-expression origin (inner is
// the expression between the slashes, lowercased as gin-contrib used it).
func (m *migration) regexpOrigin(field, inner string) {
	// Anchored, the expression describes what was meant; the parser lists
	// the patterns that cover it.
	_, err := origin.Parse("^" + inner + "$")
	reason := strings.TrimPrefix(asOriginError(err).Reason, "looks like a regular expression; ")
	if !strings.Contains(reason, "write these instead") {
		reason += "; list the front ends' origins it was meant to match"
	}
	extra := ""
	if re, err := regexp.Compile(inner); err != nil {
		extra = fmt.Sprintf("; gin-contrib/cors could not compile it (%v) and panicked on every request it reached", err)
	} else if o := regexpOvermatch(re, inner); o != "" {
		extra = fmt.Sprintf("; unanchored, it also matched origins around a match, e.g. %q", o)
	}
	m.p.add("%s is a regular expression (gin-contrib/cors compiled it on every request); crosssession takes patterns "+
		"instead: %s%s", field, reason, extra)
}

// regexpOvermatch returns an origin a browser can send that re matches
// because it is unanchored, and its anchored form does not, or "".
func regexpOvermatch(re *regexp.Regexp, inner string) string {
	anchored, err := regexp.Compile("^(?:" + inner + ")$")
	if err != nil {
		return ""
	}
	parsed, err := syntax.Parse(inner, syntax.Perl)
	if err != nil {
		return ""
	}
	s := sampleMatch(parsed)
	if !re.MatchString(s) {
		return ""
	}
	for _, o := range []string{s + ".evil.com", "https://evil" + s, "https://evil." + s} {
		if origin.Canonical(o) && re.MatchString(o) && !anchored.MatchString(o) {
			return o
		}
	}
	return ""
}

// sampleMatch builds a short string re is meant to match: one letter for
// "." and classes, one repetition of a starred class, the first
// alternative, no optional part.
func sampleMatch(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		return strings.ToLower(string(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "x"
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for _, c := range "xa0" {
				if re.Rune[i] <= c && c <= re.Rune[i+1] {
					return string(c)
				}
			}
		}
		if len(re.Rune) > 0 {
			return string(re.Rune[0])
		}
	case syntax.OpCapture:
		return sampleMatch(re.Sub[0])
	case syntax.OpStar:
		if sub := re.Sub[0]; sub.Op == syntax.OpAnyChar || sub.Op == syntax.OpAnyCharNotNL || sub.Op == syntax.OpCharClass {
			return sampleMatch(sub)
		}
	case syntax.OpPlus:
		return sampleMatch(re.Sub[0])
	case syntax.OpRepeat:
		return strings.Repeat(sampleMatch(re.Sub[0]), max(re.Min, 0))
	case syntax.OpConcat:
		var b strings.Builder
		for _, sub := range re.Sub {
			b.WriteString(sampleMatch(sub))
		}
		return b.String()
	case syntax.OpAlternate:
		return sampleMatch(re.Sub[0])
	}
	return ""
}

func (m *migration) originFuncs() {
	if m.in.AllowOriginWithContextFunc != nil {
		m.p.add("cors.Config.AllowOriginWithContextFunc is set: it decides with the request, but crosssession's " +
			"decision must depend on the origin alone, since it also decides the CSRF check and Handoff targets, " +
			"preflights carry no cookie or Authorization to decide by, and responses vary on Origin only (a cache " +
			"would hand one request's answer to another); decide from the origin in AllowOriginFunc (crosssession: " +
			"Config.AllowOriginFunc, func(origin string) bool) and authorize the request in the handlers")
	}
}

// session sets the session half of cfg from the credentials flag, the
// session's name and its store.
func (m *migration) session(cfg *Config, name string, store sessions.Store) {
	switch {
	case !m.in.AllowCredentials && name == "" && store == nil:
		cfg.NoSession = true
		return
	case !m.in.AllowCredentials:
		m.p.add("cors.Config.AllowCredentials is false, so the listed front ends never sent the session cookie " +
			"(only same-origin pages used the session), and crosssession would give them the session: set " +
			"AllowCredentials: true if they are to use it, or call FromGinContrib(c, \"\", nil) for a policy without " +
			"a session (crosssession.Bearer) and give same-origin pages a session crosssession.Group")
		return
	}
	if name == "" {
		m.p.add("sessionName is empty: pass the name given to sessions.Sessions(name, store), which names the " +
			"session cookie (crosssession: Config.Cookie.Name)")
	}
	if store == nil {
		m.p.add("store is nil: pass the store given to sessions.Sessions(name, store) (crosssession: Config.Store), " +
			"or build the Config with crosssession.Prod(key, origins...) for crosssession's own cookie store")
		return
	}
	cfg.Store = store
	cfg.Cookie = Cookie{Name: name, SameSite: http.SameSiteLaxMode}
	what := fmt.Sprintf("sessionName %q", name)
	if o := storeOptions(store); o != nil {
		cfg.Cookie.Path = o.Path
		cfg.Cookie.Domain = strings.ToLower(strings.TrimPrefix(o.Domain, "."))
		if o.MaxAge > 0 {
			cfg.Cookie.MaxAge = time.Duration(o.MaxAge) * time.Second
		}
		what += fmt.Sprintf(" with the store's options (Path %q, Domain %q)", o.Path, o.Domain)
	}
	if name == "" {
		return
	}
	var q problems
	cfg.compileCookie(&q)
	for _, e := range q {
		m.p.add("%s: %s", what, strings.TrimPrefix(e.Error(), "crosssession: "))
	}
}

// storeOptions returns the cookie options a gin-contrib/sessions store was
// given with store.Options, or nil. The Store interface has no getter, but
// gin-contrib's stores embed a gorilla-style store (sessions.CookieStore,
// redistore.RediStore, ...) whose exported Options field holds them.
func storeOptions(store sessions.Store) *gsessions.Options {
	v := reflect.ValueOf(store)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	v = v.Elem()
	f, ok := v.Type().FieldByName("Options") // promoted from the embedded store
	if !ok {
		return nil
	}
	fv, err := v.FieldByIndexErr(f.Index) // err: through a nil embedded pointer
	if err != nil || !fv.CanInterface() {
		return nil
	}
	o, _ := fv.Interface().(*gsessions.Options)
	return o
}

// gcList is gin-contrib's normalize: trimmed, lowercased, first of each
// value; index is the entry's position in the configured list.
func gcList(list []string, each func(index int, raw, v string)) {
	seen := make(map[string]bool, len(list))
	for i, raw := range list {
		v := strings.ToLower(strings.TrimSpace(raw))
		if !seen[v] {
			seen[v] = true
			each(i, raw, v)
		}
	}
}

func (m *migration) methods() []string {
	var out []string
	gcList(m.in.AllowMethods, func(i int, raw, v string) {
		up := strings.ToUpper(v) // what gin-contrib sent
		switch up {
		case "CONNECT", "TRACE", "TRACK":
			return // browsers never send them: the entry did nothing
		case "*":
			m.p.add("cors.Config.AllowMethods[%d] %q: %s; list the methods in AllowMethods (crosssession: "+
				"Config.AllowMethods), e.g. \"GET\", \"POST\", \"PUT\", \"DELETE\"", i, raw, starMeaning(m.in.AllowCredentials, "method"))
			return
		}
		if msg := methodProblem(up); msg != "" {
			m.p.add("cors.Config.AllowMethods[%d] %q is sent as %q, %s", i, raw, up, msg)
			return
		}
		out = append(out, up)
	})
	if len(out) == 0 {
		// No Access-Control-Allow-Methods: browsers allowed the
		// CORS-safelisted methods only.
		return []string{"GET", "HEAD", "POST"}
	}
	return out
}

func (m *migration) headers() []string {
	out := []string{} // none listed: none allowed, as without the header
	gcList(m.in.AllowHeaders, func(i int, raw, v string) {
		h := http.CanonicalHeaderKey(v)
		switch {
		case v == "*":
			m.p.add("cors.Config.AllowHeaders[%d] %q: %s; list the request headers the front end sends in "+
				"AllowHeaders (crosssession: Config.AllowHeaders), e.g. \"Content-Type\", \"Authorization\"",
				i, raw, starMeaning(m.in.AllowCredentials, "header"))
		case isForbiddenRequestHeader(v):
			// No script can set it, so allowing it did nothing.
		default:
			if msg := allowHeaderProblem(h); msg != "" {
				m.p.add("cors.Config.AllowHeaders[%d] %q is sent as %q, %s", i, raw, h, msg)
				return
			}
			out = append(out, h)
		}
	})
	return out
}

func (m *migration) exposeHeaders() []string {
	var out []string
	gcList(m.in.ExposeHeaders, func(i int, raw, v string) {
		h := http.CanonicalHeaderKey(v)
		switch {
		case v == "*":
			m.p.add("cors.Config.ExposeHeaders[%d] %q: %s; list the response headers the front end reads in "+
				"ExposeHeaders (crosssession: Config.ExposeHeaders), e.g. \"X-Total-Count\"",
				i, raw, starMeaning(m.in.AllowCredentials, "header"))
		case neverExposed(v):
			// The entry did nothing.
		default:
			if msg := exposeHeaderProblem(h); msg != "" {
				m.p.add("cors.Config.ExposeHeaders[%d] %q is sent as %q, %s", i, raw, h, msg)
				return
			}
			out = append(out, h)
		}
	})
	return out
}

// neverExposed reports whether exposing the lowercase header name does
// nothing: browsers never expose Set-Cookie, and no response carries a
// request header (see exposeHeaderProblem).
func neverExposed(v string) bool {
	switch v {
	case "set-cookie", "set-cookie2", "origin", "cookie", "host", "referer":
		return true
	}
	return strings.HasPrefix(v, "access-control-request-") || strings.HasPrefix(v, "sec-fetch-")
}

// starMeaning says what a "*" in a method or header list meant.
func starMeaning(credentials bool, what string) string {
	if credentials {
		return fmt.Sprintf("with AllowCredentials browsers read it as a %s named \"*\", so it allowed nothing, and "+
			"crosssession refuses it", what)
	}
	return fmt.Sprintf("without credentials it allowed every %s, and crosssession refuses it", what)
}

// maxAge maps MaxAge, which gin-contrib sent in whole seconds when positive.
func (m *migration) maxAge() time.Duration {
	switch d := m.in.MaxAge; {
	case d <= 0:
		return 0 // crosssession's default, 2 h
	case d < time.Second:
		return time.Second // gin-contrib sent 0: nearest crosssession allows
	case d > maxPreflightAge:
		return maxPreflightAge
	default:
		return d.Truncate(time.Second)
	}
}

func (m *migration) flags() {
	c := m.in
	if c.AllowFiles {
		m.p.add("cors.Config.AllowFiles is true: pages opened from files send Origin \"null\", which any sandboxed " +
			"iframe can send too, so crosssession never allows it; serve the front end over http, e.g. from " +
			"http://localhost:3000 (listed as \"http://localhost:*\"), and remove AllowFiles")
	}
	if s := c.OptionsResponseStatusCode; s != 0 && (s < 200 || s > 299) {
		m.p.add("cors.Config.OptionsResponseStatusCode is %d: browsers fail a preflight whose status is not 2xx, "+
			"so every preflight failed; remove it (crosssession answers preflights with 204)", s)
	}
}

// writeInstead ends a message with the value to write, if there is one.
func writeInstead(fix string) string {
	if fix == "" {
		return ""
	}
	return fmt.Sprintf("; write %q", fix)
}

func exampleClause(o string) string {
	if o == "" {
		return ""
	}
	return fmt.Sprintf(", e.g. %q", o)
}

// asOriginError returns the *origin.Error parseOrigin always returns.
func asOriginError(err error) *origin.Error {
	var e *origin.Error
	if !errors.As(err, &e) {
		return &origin.Error{Reason: fmt.Sprint(err)}
	}
	return e
}

// unjoin returns the errors joined in err.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
