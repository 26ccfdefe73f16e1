//go:build corpus

// This file is a behaviour dump, not a test of expected values: it drives
// the library's exported API over a broad request corpus and writes what it
// observed (status, headers, body, log records, handler-side results) to the
// file named by CORPUS_OUT. Produce the dump at two commits and diff them
// (scripts/corpus-diff.sh) to see every observable change of a refactoring.
//
//	CORPUS_OUT=/tmp/dump.txt go test -tags corpus -run TestCorpusDump .
//
// It uses only the exported API, gin, gin-contrib/sessions, gorilla/sessions
// and net/http/httptest, so it compiles against any version of the package
// with the same exported API. Every top-level identifier starts with
// "corpus" to stay clear of the package's other test files.
//
// The dump is deterministic: fixed keys, cookie values replaced by their
// length (the length is fixed for fixed session contents; the bytes carry a
// random IV), Expires dates replaced, headers sorted by name, log records
// without time and with sorted attributes. Diagnostics are rate-limited per
// policy per minute; every scenario builds fresh policies and runs in well
// under a minute, so which records appear is fixed too.

package crosssession_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	gsessions "github.com/gorilla/sessions"
)

var (
	corpusKey      = bytes.Repeat([]byte("k"), 32)
	corpusKey2     = bytes.Repeat([]byte("q"), 32)
	corpusOldKey   = bytes.Repeat([]byte("o"), 32)
	corpusNewKey   = bytes.Repeat([]byte("n"), 32)
	corpusDevKey   = bytes.Repeat([]byte("d"), 32)
	corpusFront    = "https://app.example.com"
	corpusPartner  = "https://partner.example.net"
	corpusEvil     = "https://evil.test"
	corpusProdBase = "https://api.example.com"
	corpusDevBase  = "http://localhost:3001"
)

// ---------------------------------------------------------------------------
// Log capture

// corpusLogs collects slog records, formatted deterministically.
type corpusLogs struct {
	mu   sync.Mutex
	recs []string
}

func (l *corpusLogs) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.recs
	l.recs = nil
	return r
}

// corpusHandler is a slog.Handler that keeps level, message and sorted
// attributes; time and source are dropped.
type corpusHandler struct {
	logs   *corpusLogs
	attrs  []string // pre-formatted key=value of WithAttrs
	prefix string   // group prefix of WithGroup
}

func (h *corpusHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *corpusHandler) Handle(_ context.Context, r slog.Record) error {
	kv := slices.Clone(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		kv = corpusAttr(kv, h.prefix, a)
		return true
	})
	sort.Strings(kv)
	var b strings.Builder
	fmt.Fprintf(&b, "log %s", r.Level)
	if strings.Contains(r.Message, "\n") {
		b.WriteString(" msg:")
		for line := range strings.SplitSeq(r.Message, "\n") {
			b.WriteString("\n        | " + line)
		}
	} else {
		fmt.Fprintf(&b, " msg=%q", r.Message)
	}
	for _, a := range kv {
		b.WriteString("\n        " + a)
	}
	h.logs.mu.Lock()
	h.logs.recs = append(h.logs.recs, b.String())
	h.logs.mu.Unlock()
	return nil
}

func corpusAttr(kv []string, prefix string, a slog.Attr) []string {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return kv
	}
	if a.Value.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			kv = corpusAttr(kv, p, g)
		}
		return kv
	}
	return append(kv, fmt.Sprintf("%s=%q", prefix+a.Key, a.Value.String()))
}

func (h *corpusHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = slices.Clone(h.attrs)
	for _, a := range as {
		n.attrs = corpusAttr(n.attrs, h.prefix, a)
	}
	return &n
}

func (h *corpusHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.prefix += name + "."
	return &n
}

// ---------------------------------------------------------------------------
// The dump

type corpusDump struct {
	b      strings.Builder
	logs   *corpusLogs
	logger *slog.Logger
	mu     sync.Mutex
	notes  []string // what handlers observed (errors returned to them, values read)
	counts map[string]int
	cat    string // current category, for counts
	reqs   int
}

func newCorpusDump() *corpusDump {
	d := &corpusDump{logs: &corpusLogs{}, counts: map[string]int{}}
	d.logger = slog.New(&corpusHandler{logs: d.logs})
	return d
}

// cfg returns c with the dump's logger.
func (d *corpusDump) cfg(c crosssession.Config) crosssession.Config {
	c.Logger = d.logger
	return c
}

func (d *corpusDump) note(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

func (d *corpusDump) category(name string) {
	d.cat = name
	fmt.Fprintf(&d.b, "\n################ %s ################\n", name)
}

// scenario starts a scenario; logs emitted while it is set up (startup
// reports) are printed by the next flushSetup.
func (d *corpusDump) scenario(name string) {
	d.flushSetup()
	fmt.Fprintf(&d.b, "\n======== %s / %s ========\n", d.cat, name)
	d.counts[d.cat+" (scenarios)"]++
}

func (d *corpusDump) flushSetup() {
	for _, r := range d.logs.take() {
		fmt.Fprintf(&d.b, "  setup %s\n", r)
	}
}

func (d *corpusDump) line(format string, args ...any) {
	fmt.Fprintf(&d.b, "  "+format+"\n", args...)
}

// build runs f (engine setup) and records a panic instead of failing.
func (d *corpusDump) build(f func()) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			d.flushSetup()
			d.line("setup panic: %s", corpusPanicText(p))
			ok = false
		}
	}()
	f()
	d.flushSetup()
	return true
}

func corpusPanicText(p any) string {
	switch v := p.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return fmt.Sprintf("%T", p)
}

// corpusReq builds a request to url (scheme://host/path?query); https
// URLs get r.TLS. hdr holds header name/value pairs, added in order.
func corpusReq(method, url string, hdr ...string) *http.Request {
	r := httptest.NewRequest(method, url, nil)
	if strings.HasPrefix(url, "https://") && r.TLS == nil {
		r.TLS = &tls.ConnectionState{}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

// do serves r, records request and response and returns the recorder.
func (d *corpusDump) do(h http.Handler, label string, r *http.Request) *httptest.ResponseRecorder {
	d.flushSetup()
	d.reqs++
	d.counts[d.cat+" (requests)"]++
	d.counts["request kind: "+corpusKind(r)]++
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	fmt.Fprintf(&d.b, "\n  --> [%s] %s %s://%s%s\n", label, r.Method, scheme, r.Host, r.URL.RequestURI())
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r.Header {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range r.Header[k] {
			if k == "Cookie" {
				v = corpusNormCookieHeader(v)
			} else {
				v = corpusClip(v)
			}
			fmt.Fprintf(&d.b, "      %s: %s\n", k, v)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	fmt.Fprintf(&d.b, "  <-- %d\n", res.StatusCode)
	keys := make([]string, 0, len(res.Header))
	for k := range res.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range res.Header[k] {
			if k == "Set-Cookie" {
				v = corpusNormSetCookie(v)
			}
			fmt.Fprintf(&d.b, "      %s: %s\n", k, v)
		}
	}
	body, _ := io.ReadAll(res.Body)
	if len(body) > 0 {
		shown := body
		if len(shown) > 300 {
			shown = shown[:300]
		}
		fmt.Fprintf(&d.b, "      body(%d): %q\n", len(body), shown)
	}
	d.mu.Lock()
	notes := d.notes
	d.notes = nil
	d.mu.Unlock()
	for _, n := range notes {
		fmt.Fprintf(&d.b, "      handler: %s\n", n)
	}
	for _, rec := range d.logs.take() {
		fmt.Fprintf(&d.b, "      %s\n", rec)
	}
	return w
}

// corpusKind classifies a request for the summary.
func corpusKind(r *http.Request) string {
	var k string
	switch {
	case r.Method == http.MethodOptions && len(r.Header["Access-Control-Request-Method"]) > 0:
		k = "preflight"
	case r.Method == http.MethodOptions:
		k = "OPTIONS, not a preflight"
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		k = "safe (GET)"
	default:
		k = "unsafe (POST/PUT/PATCH/DELETE)"
	}
	switch n := len(r.Header["Origin"]); {
	case n == 0:
		k += ", no Origin"
	case n > 1:
		k += ", several Origin headers"
	}
	if len(r.Header["Cookie"]) > 0 {
		k += ", with Cookie"
	}
	return k
}

func corpusClip(s string) string {
	if len(s) > 200 {
		return fmt.Sprintf("%q...<len=%d>", s[:200], len(s))
	}
	return s
}

// corpusNormSetCookie keeps a Set-Cookie's name and attributes and replaces
// the value by its length and Expires by <date> (<date epoch> for the
// 1970 date of an expiring cookie).
func corpusNormSetCookie(v string) string {
	parts := strings.Split(v, "; ")
	if name, val, ok := strings.Cut(parts[0], "="); ok {
		parts[0] = fmt.Sprintf("%s=<value len=%d>", name, len(val))
	}
	for i, p := range parts[1:] {
		if date, ok := strings.CutPrefix(p, "Expires="); ok {
			if t, err := http.ParseTime(date); err == nil && t.Before(time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)) {
				parts[i+1] = "Expires=<date epoch>"
			} else if err == nil {
				parts[i+1] = "Expires=<date>"
			} else {
				parts[i+1] = "Expires=<unparsable date>"
			}
		}
	}
	return strings.Join(parts, "; ")
}

func corpusNormCookieHeader(v string) string {
	parts := strings.Split(v, "; ")
	for i, p := range parts {
		if name, val, ok := strings.Cut(p, "="); ok {
			parts[i] = fmt.Sprintf("%s=<value len=%d>", name, len(val))
		}
	}
	return strings.Join(parts, "; ")
}

// corpusJar keeps the cookies of one simulated browser.
type corpusJar map[string]string

func (j corpusJar) update(w *httptest.ResponseRecorder) {
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(j, c.Name)
		} else {
			j[c.Name] = c.Value
		}
	}
}

func (j corpusJar) header() string {
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range j {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, k+"="+j[k])
	}
	return strings.Join(parts, "; ")
}

// with returns hdr plus the jar's Cookie header, if any.
func (j corpusJar) with(hdr ...string) []string {
	if len(j) == 0 {
		return hdr
	}
	return append(slices.Clone(hdr), "Cookie", j.header())
}

// firstCookie returns the name=value of the first Set-Cookie of w.
func corpusFirstCookie(w *httptest.ResponseRecorder) string {
	cs := w.Result().Cookies()
	if len(cs) == 0 {
		return ""
	}
	return cs[0].Name + "=" + cs[0].Value
}

// ---------------------------------------------------------------------------
// Application routes

type corpusUnregistered struct{ N int }

// corpusSession returns the request's session, or nil (and a note) on a
// route without one.
func (d *corpusDump) session(c *gin.Context) sessions.Session {
	if _, ok := c.Get(sessions.DefaultKey); !ok {
		d.note("no session on this route")
		return nil
	}
	return sessions.Default(c)
}

func corpusErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// routes registers the corpus application on r.
func (d *corpusDump) routes(r gin.IRoutes) {
	r.GET("/plain", func(c *gin.Context) { c.String(http.StatusOK, "plain") })
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		r.Handle(m, "/change", func(c *gin.Context) { c.String(http.StatusOK, "changed") })
	}
	r.GET("/me", func(c *gin.Context) {
		s := d.session(c)
		if s == nil {
			c.String(http.StatusOK, "no session")
			return
		}
		u, _ := s.Get("user").(string)
		if u == "" {
			c.JSON(http.StatusUnauthorized, gin.H{"user": nil})
			return
		}
		c.JSON(http.StatusOK, gin.H{"user": u, "n": s.Get("n")})
	})
	r.GET("/id", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			d.note("ID() = %q", s.ID())
			d.note("user = %v", s.Get("user"))
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/login", func(c *gin.Context) {
		err := crosssession.Login(c)
		d.note("Login() = %s", corpusErr(err))
		if s := d.session(c); s != nil {
			s.Set("user", c.DefaultQuery("user", "alice"))
		}
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
	r.POST("/update", func(c *gin.Context) {
		s := d.session(c)
		if s == nil {
			c.Status(http.StatusOK)
			return
		}
		n, _ := s.Get("n").(int)
		s.Set("n", n+1)
		c.JSON(http.StatusOK, gin.H{"n": n + 1})
	})
	r.POST("/logout", func(c *gin.Context) {
		d.note("Logout() = %s", corpusErr(crosssession.Logout(c)))
		c.Status(http.StatusNoContent)
	})
	r.POST("/switch", func(c *gin.Context) {
		d.note("Logout() = %s", corpusErr(crosssession.Logout(c)))
		d.note("Login() = %s", corpusErr(crosssession.Login(c)))
		if s := d.session(c); s != nil {
			s.Set("user", "ivan")
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/logout-set", func(c *gin.Context) {
		d.note("Logout() = %s", corpusErr(crosssession.Logout(c)))
		if s := d.session(c); s != nil {
			s.Set("user", "judy")
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/big", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Set("id_token", strings.Repeat("x", 3000))
			s.Set("refresh_token", strings.Repeat("y", 2000))
			s.Set("user", "alice")
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/big-save", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Set("id_token", strings.Repeat("i", 2500))
			s.Set("access_token", strings.Repeat("a", 1500))
			s.Set("user", "heidi")
			if err := s.Save(); err != nil {
				d.note("Save() = %s", err)
				c.String(http.StatusRequestEntityTooLarge, "too big")
				return
			}
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/fn", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Set("fn", func() {})
		}
		c.JSON(http.StatusOK, gin.H{"handler": "done"})
	})
	r.POST("/obj", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Set("obj", corpusUnregistered{N: 1})
			d.note("Save() = %s", corpusErr(s.Save()))
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/late", func(c *gin.Context) {
		c.String(http.StatusOK, "body first")
		if s := d.session(c); s != nil {
			s.Set("user", "dave")
			d.note("Save() = %s", corpusErr(s.Save()))
		}
	})
	r.POST("/explicit", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Set("user", "carol")
			d.note("Save() = %s", corpusErr(s.Save()))
			s.Set("n", 2)
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/created", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Set("user", "erin")
		}
		c.Status(http.StatusCreated)
	})
	r.POST("/redirect", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Set("user", "frank")
		}
		c.Redirect(http.StatusSeeOther, "/me")
	})
	r.POST("/opts", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Options(sessions.Options{MaxAge: 3600, SameSite: http.SameSiteStrictMode})
			s.Set("user", "opt")
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/opts-zero", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Options(sessions.Options{}) // every field zero: keep the configured ones
			s.Set("user", "opt0")
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/opts-path", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Options(sessions.Options{Path: "/api", Domain: "example.com", Secure: true, HttpOnly: false, SameSite: http.SameSiteLaxMode})
			s.Set("user", "optpath")
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/opts-expire", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Options(sessions.Options{MaxAge: -1})
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/flash", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.AddFlash("hello")
			s.AddFlash("again", "custom")
		}
		c.Status(http.StatusNoContent)
	})
	r.GET("/flashes", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			c.JSON(http.StatusOK, gin.H{"default": s.Flashes(), "custom": s.Flashes("custom")})
			return
		}
		c.Status(http.StatusOK)
	})
	r.POST("/clear", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Clear()
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/delete-user", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Delete("user")
			s.Delete("absent")
		}
		c.Status(http.StatusNoContent)
	})
	r.POST("/types", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			s.Set("str", "s")
			s.Set("int", 42)
			s.Set("int64", int64(-7))
			s.Set("float", 1.5)
			s.Set("bool", true)
			s.Set("bytes", []byte("raw"))
			s.Set("time", time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC))
			s.Set("list", []any{"a", 1})
			s.Set("map", map[string]any{"k": "v"})
			s.Set(7, "int key")
		}
		c.Status(http.StatusNoContent)
	})
	r.GET("/types", func(c *gin.Context) {
		if s := d.session(c); s != nil {
			for _, k := range []any{"str", "int", "int64", "float", "bool", "bytes", "time", "list", "map", 7} {
				v := s.Get(k)
				d.note("Get(%v) = %T %v", k, v, v)
			}
		}
		c.Status(http.StatusNoContent)
	})
}

// engine returns a gin engine with an outer recovery (so a panic is
// recorded, not fatal), cfg via New, and the corpus routes.
func (d *corpusDump) engine(cfg crosssession.Config) *gin.Engine {
	e := d.bare()
	e.Use(crosssession.New(d.cfg(cfg)))
	d.routes(e)
	return e
}

func (d *corpusDump) bare() *gin.Engine {
	e := gin.New()
	e.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, p any) {
		d.note("recovered panic: %s", corpusPanicText(p))
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	return e
}

// ---------------------------------------------------------------------------
// Per-policy request matrix

type corpusPolicy struct {
	name string
	cfg  crosssession.Config
	base string   // the API as requests reach it: scheme://host
	good []string // allowed origins to probe; good[0] is the front end
	near []string // near misses
	bad  []string // unlisted
	sfs  string   // Sec-Fetch-Site the front end's requests carry
}

func corpusScannerOrigins(base string) []string {
	scheme, host, _ := strings.Cut(base, "://")
	other := "http"
	if scheme == "http" {
		other = "https"
	}
	return []string{
		base + ".evil.com", // suffix trick
		base + "evil.com",
		scheme + "://evil" + host, // prefix trick
		scheme + "://evil." + host,
		other + "://" + host, // scheme swap
		base + "/",           // trailing slash
		base + ".",
		base + ":443",
		strings.ToUpper(base), // uppercase
		scheme + "://user@" + host,
		base + "@evil.com", // userinfo
		base + "#.evil.com",
		base + "%60.evil.com",
		base + "_.evil.com",
		" " + base,
		base + "," + base,
		"null",
		"*",
		"file://",
	}
}

func (d *corpusDump) policyMatrix(p corpusPolicy) {
	d.scenario(p.name)
	d.line("config origins: %q", p.cfg.Origins)
	var e *gin.Engine
	if !d.build(func() { e = d.engine(p.cfg) }) {
		return
	}
	front := p.good[0]
	self := p.base
	u := func(path string) string { return p.base + path }
	pf := func(label, path, origin, method, headers string) {
		hdr := []string{"Origin", origin, "Access-Control-Request-Method", method}
		if headers != "" {
			hdr = append(hdr, "Access-Control-Request-Headers", headers)
		}
		d.do(e, label, corpusReq("OPTIONS", u(path), hdr...))
	}

	// Preflights.
	pf("preflight allowed PUT", "/change", front, "PUT", "content-type")
	pf("preflight allowed, no route", "/nowhere", front, "POST", "content-type")
	pf("preflight allowed DELETE no headers", "/change", front, "DELETE", "")
	pf("preflight allowed GET with authorization", "/plain", front, "GET", "authorization, x-requested-with")
	pf("preflight unlisted method", "/change", front, "PROPFIND", "")
	pf("preflight unlisted header", "/change", front, "POST", "x-unlisted, content-type")
	for _, o := range p.good[1:] {
		pf("preflight other allowed", "/change", o, "PATCH", "content-type")
	}
	for _, o := range p.near {
		pf("preflight near miss", "/change", o, "POST", "content-type")
	}
	for _, o := range p.bad {
		pf("preflight unlisted", "/change", o, "POST", "content-type")
	}
	d.do(e, "OPTIONS without Access-Control-Request-Method", corpusReq("OPTIONS", u("/change"), "Origin", front))
	d.do(e, "OPTIONS with request method, no Origin", corpusReq("OPTIONS", u("/change"), "Access-Control-Request-Method", "POST"))
	d.do(e, "preflight with two Origin headers", corpusReq("OPTIONS", u("/change"), "Origin", front, "Origin", front,
		"Access-Control-Request-Method", "POST"))

	// Simple GETs.
	for _, o := range p.good {
		d.do(e, "GET allowed", corpusReq("GET", u("/plain"), "Origin", o))
	}
	for _, o := range p.near {
		d.do(e, "GET near miss", corpusReq("GET", u("/plain"), "Origin", o))
	}
	for _, o := range p.bad {
		d.do(e, "GET unlisted", corpusReq("GET", u("/plain"), "Origin", o))
	}
	for _, o := range corpusScannerOrigins(front) {
		d.do(e, "GET scanner origin", corpusReq("GET", u("/plain"), "Origin", o))
	}
	d.do(e, "GET two Origin headers", corpusReq("GET", u("/plain"), "Origin", front, "Origin", corpusEvil))
	d.do(e, "GET no Origin", corpusReq("GET", u("/plain")))
	d.do(e, "GET same origin", corpusReq("GET", u("/plain"), "Origin", self, "Sec-Fetch-Site", "same-origin"))
	d.do(e, "GET no route, allowed", corpusReq("GET", u("/nowhere"), "Origin", front))

	// Unsafe requests, by origin kind and Sec-Fetch-Site.
	originKinds := []struct{ label, origin string }{
		{"allowed", front}, {"unlisted", p.bad[0]}, {"near miss", p.near[0]}, {"null", "null"}, {"self", self}, {"no Origin", ""},
	}
	for _, ok := range originKinds {
		for _, sfs := range []string{"same-origin", "same-site", "cross-site", "none", ""} {
			var hdr []string
			if ok.origin != "" {
				hdr = append(hdr, "Origin", ok.origin)
			}
			if sfs != "" {
				hdr = append(hdr, "Sec-Fetch-Site", sfs)
			}
			d.do(e, fmt.Sprintf("POST %s, Sec-Fetch-Site=%q", ok.label, sfs), corpusReq("POST", u("/change"), hdr...))
		}
	}
	for _, m := range []string{"PUT", "PATCH", "DELETE"} {
		d.do(e, m+" allowed cross-site", corpusReq(m, u("/change"), "Origin", front, "Sec-Fetch-Site", "cross-site"))
		d.do(e, m+" unlisted cross-site", corpusReq(m, u("/change"), "Origin", p.bad[0], "Sec-Fetch-Site", "cross-site"))
	}
	d.do(e, "POST two Origin headers", corpusReq("POST", u("/change"), "Origin", front, "Origin", front, "Sec-Fetch-Site", "cross-site"))
	d.do(e, "POST no route, unlisted", corpusReq("POST", u("/nowhere"), "Origin", p.bad[0], "Sec-Fetch-Site", "cross-site"))

	// Scheme as the server sees it: TLS, X-Forwarded-Proto, plain.
	_, host, _ := strings.Cut(p.base, "://")
	d.do(e, "login over TLS", corpusReq("POST", "https://"+host+"/login", "Origin", front, "Sec-Fetch-Site", p.sfs))
	d.do(e, "login plain http", corpusReq("POST", "http://"+host+"/login", "Origin", front, "Sec-Fetch-Site", p.sfs))
	d.do(e, "login plain http, X-Forwarded-Proto https", corpusReq("POST", "http://"+host+"/login", "Origin", front,
		"Sec-Fetch-Site", p.sfs, "X-Forwarded-Proto", "https"))
	d.do(e, "login plain http, X-Forwarded-Proto HTTPS", corpusReq("POST", "http://"+host+"/login", "Origin", front,
		"X-Forwarded-Proto", "HTTPS"))
	d.do(e, "login TLS, X-Forwarded-Proto http", corpusReq("POST", "https://"+host+"/login", "Origin", front,
		"X-Forwarded-Proto", "http"))
	d.do(e, "login no Origin", corpusReq("POST", u("/login")))

	// A session's life from the allowed front end.
	jar := corpusJar{}
	hdr := func() []string { return jar.with("Origin", front, "Sec-Fetch-Site", p.sfs) }
	d.do(e, "me before login", corpusReq("GET", u("/me"), hdr()...))
	jar.update(d.do(e, "login", corpusReq("POST", u("/login?user=bob"), hdr()...)))
	d.do(e, "me with cookie", corpusReq("GET", u("/me"), hdr()...))
	d.do(e, "plain with cookie (session untouched)", corpusReq("GET", u("/plain"), hdr()...))
	jar.update(d.do(e, "update", corpusReq("POST", u("/update"), hdr()...)))
	jar.update(d.do(e, "update again", corpusReq("POST", u("/update"), hdr()...)))
	d.do(e, "me after updates", corpusReq("GET", u("/me"), hdr()...))
	d.do(e, "me with cookie, unlisted origin", corpusReq("GET", u("/me"), jar.with("Origin", p.bad[0], "Sec-Fetch-Site", "cross-site")...))
	d.do(e, "update with cookie, unlisted origin", corpusReq("POST", u("/update"), jar.with("Origin", p.bad[0], "Sec-Fetch-Site", "cross-site")...))
	d.do(e, "me with cookie, no Origin", corpusReq("GET", u("/me"), jar.with()...))
	jar.update(d.do(e, "options per response", corpusReq("POST", u("/opts"), hdr()...)))
	jar.update(d.do(e, "logout", corpusReq("POST", u("/logout"), hdr()...)))
	d.do(e, "me after logout", corpusReq("GET", u("/me"), hdr()...))
	jar.update(d.do(e, "logout then login", corpusReq("POST", u("/switch"), hdr()...)))
	d.do(e, "me after switch", corpusReq("GET", u("/me"), hdr()...))
	jar.update(d.do(e, "logout then set", corpusReq("POST", u("/logout-set"), hdr()...)))
	d.do(e, "me after logout-set", corpusReq("GET", u("/me"), hdr()...))
	d.do(e, "me, allowed origin, no cookie (no-cookie diagnostic)", corpusReq("GET", u("/me"), "Origin", front))
	d.do(e, "me, garbage cookie", corpusReq("GET", u("/me"), "Origin", front, "Cookie", corpusCookieName(p.cfg)+"=garbage"))
}

func corpusCookieName(c crosssession.Config) string {
	if c.Cookie.Name != "" {
		return c.Cookie.Name
	}
	if c.Mode == crosssession.Development {
		return "session"
	}
	return "__Host-session"
}

func corpusPolicies() []corpusPolicy {
	devKeys := func(c crosssession.Config) crosssession.Config {
		c.Keys = [][]byte{corpusDevKey}
		return c
	}
	localBad := []string{"http://evil.localhost.test:3000", "https://evil.test"}
	prodSame := crosssession.Prod(corpusKey, corpusFront, "https://*.example.org")
	prodSameAPI := prodSame
	prodSameAPI.APIOrigin = corpusProdBase
	prodCross := crosssession.Prod(corpusKey, "https://myapp.vercel.app", corpusFront)
	prodCross.APIOrigin = corpusProdBase
	lax := crosssession.Prod(corpusKey, corpusFront)
	lax.Cookie.SameSite, lax.Cookie.Partitioned = http.SameSiteLaxMode, false
	lax.APIOrigin = corpusProdBase
	laxCross := crosssession.Prod(corpusKey, "https://myapp.vercel.app")
	laxCross.Cookie.SameSite, laxCross.Cookie.Partitioned = http.SameSiteLaxMode, false
	debug := crosssession.Prod(corpusKey, corpusFront)
	debug.DebugHeader = true
	custom := crosssession.Prod(corpusKey, corpusFront, "https://admin.example.com")
	custom.Cookie = crosssession.Cookie{Name: "sid", Domain: "example.com", Path: "/", MaxAge: time.Hour,
		SameSite: http.SameSiteStrictMode}
	custom.AllowMethods = []string{"GET", "POST"}
	custom.AllowHeaders = []string{"Content-Type", "X-Custom"}
	custom.ExposeHeaders = []string{"X-Total", "X-Request-Id"}
	custom.PreflightMaxAge = 10 * time.Minute
	custom.DebugHeader = true
	secPath := crosssession.Prod(corpusKey, corpusFront)
	secPath.Cookie = crosssession.Cookie{Name: "__Secure-sid", Path: "/", MaxAge: 30 * 24 * time.Hour,
		SameSite: http.SameSiteNoneMode, Partitioned: true}
	secPath.PreflightMaxAge = 5 * time.Hour
	devSecure := devKeys(crosssession.Dev("http://localhost:3000", "http://app.localhost:*"))
	devSecure.Cookie.Insecure = false
	devSecure.Cookie.SameSite = http.SameSiteNoneMode
	devSecure.Cookie.Partitioned = true
	devHost := devKeys(crosssession.Dev("http://localhost:3000"))
	devHost.Cookie = crosssession.Cookie{Name: "__Host-dev"}
	bearerCustom := crosssession.Bearer(corpusFront)
	bearerCustom.AllowHeaders = []string{"Content-Type"}
	bearerCustom.ExposeHeaders = []string{"X-Total"}
	bearerCustom.DebugHeader = true

	return []corpusPolicy{
		{name: "Dev() default origins", cfg: devKeys(crosssession.Dev()), base: corpusDevBase,
			good: []string{"http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8080", "http://localhost"},
			near: []string{"https://localhost:3000", "http://localhost.:3000", "http://0.0.0.0:3000"},
			bad:  localBad, sfs: "same-site"},
		{name: "Dev(explicit origin)", cfg: devKeys(crosssession.Dev("http://localhost:5173")), base: corpusDevBase,
			good: []string{"http://localhost:5173"},
			near: []string{"http://localhost:5137", "http://127.0.0.1:5173", "https://localhost:5173", "http://localhost:3000"},
			bad:  localBad, sfs: "same-site"},
		{name: "Dev(127.0.0.1 front, localhost API)", cfg: devKeys(crosssession.Dev("http://127.0.0.1:3000")), base: corpusDevBase,
			good: []string{"http://127.0.0.1:3000"}, near: []string{"http://localhost:3000"}, bad: localBad, sfs: "cross-site"},
		{name: "Dev Secure SameSite=None Partitioned", cfg: devSecure, base: corpusDevBase,
			good: []string{"http://localhost:3000", "http://app.localhost:4000"},
			near: []string{"http://localhost:3001", "http://xapp.localhost:4000"}, bad: localBad, sfs: "same-site"},
		{name: "Dev __Host- cookie over http", cfg: devHost, base: corpusDevBase,
			good: []string{"http://localhost:3000"}, near: []string{"http://localhost:3003"}, bad: localBad, sfs: "same-site"},
		{name: "Prod same-site front ends", cfg: prodSame, base: corpusProdBase,
			good: []string{corpusFront, "https://a.b.example.org"},
			near: []string{"https://app.example.co", "http://app.example.com", "https://example.org", "https://app.example.com:8443"},
			bad:  []string{corpusEvil, "https://blog.example.com"}, sfs: "same-site"},
		{name: "Prod same-site front ends, APIOrigin", cfg: prodSameAPI, base: corpusProdBase,
			good: []string{corpusFront, "https://x.example.org"}, near: []string{"https://ap.example.com"},
			bad: []string{corpusEvil}, sfs: "same-site"},
		{name: "Prod cross-site front end, APIOrigin", cfg: prodCross, base: corpusProdBase,
			good: []string{"https://myapp.vercel.app", corpusFront}, near: []string{"https://myapp2.vercel.app", "https://myapp.vercel.app.evil.test"},
			bad: []string{"https://other.vercel.app"}, sfs: "cross-site"},
		{name: "Prod SameSite=Lax not Partitioned, APIOrigin", cfg: lax, base: corpusProdBase,
			good: []string{corpusFront}, near: []string{"https://app.example.com.evil.test"}, bad: []string{corpusEvil}, sfs: "same-site"},
		{name: "Prod SameSite=Lax with cross-site front end (no APIOrigin)", cfg: laxCross, base: corpusProdBase,
			good: []string{"https://myapp.vercel.app"}, near: []string{"https://myap.vercel.app"}, bad: []string{corpusEvil}, sfs: "cross-site"},
		{name: "Prod DebugHeader", cfg: debug, base: corpusProdBase,
			good: []string{corpusFront}, near: []string{"https://app.example.co"}, bad: []string{corpusEvil}, sfs: "same-site"},
		{name: "Prod custom cookie, methods, headers, expose, max age", cfg: custom, base: corpusProdBase,
			good: []string{corpusFront, "https://admin.example.com"}, near: []string{"https://admin.example.co"},
			bad: []string{corpusEvil}, sfs: "same-site"},
		{name: "Prod __Secure- cookie, long max ages", cfg: secPath, base: corpusProdBase,
			good: []string{corpusFront}, near: []string{"https://app.example.net"}, bad: []string{corpusEvil}, sfs: "same-site"},
		{name: "Bearer", cfg: crosssession.Bearer(corpusFront, "https://*.partner.net"), base: corpusProdBase,
			good: []string{corpusFront, "https://eu.partner.net"}, near: []string{"https://partner.net"}, bad: []string{corpusEvil}, sfs: "cross-site"},
		{name: "Bearer custom headers, DebugHeader", cfg: bearerCustom, base: corpusProdBase,
			good: []string{corpusFront}, near: []string{"https://app.example.co"}, bad: []string{corpusEvil}, sfs: "cross-site"},
	}
}

// ---------------------------------------------------------------------------
// Stacked and nested policies

type corpusLayout struct {
	name     string
	build    func(d *corpusDump) *gin.Engine
	prefixes []string // route prefixes to probe ("" is the root)
	mna      bool
}

func corpusLayouts() []corpusLayout {
	prod := func(origins ...string) crosssession.Config { return crosssession.Prod(corpusKey, origins...) }
	named := func(name string, key []byte, origins ...string) crosssession.Config {
		c := crosssession.Prod(key, origins...)
		c.Cookie.Name = name
		return c
	}
	hybrid := func(mna bool) func(d *corpusDump) *gin.Engine {
		return func(d *corpusDump) *gin.Engine {
			e := d.bare()
			e.HandleMethodNotAllowed = mna
			e.Use(crosssession.New(d.cfg(crosssession.Bearer(corpusFront, corpusPartner))))
			g := crosssession.Group(e, "/users/session", d.cfg(prod(corpusFront)))
			d.routes(g)
			d.routes(e.Group("/api"))
			return e
		}
	}
	return []corpusLayout{
		{name: "engine Bearer + cookie Group", build: hybrid(false), prefixes: []string{"/users/session", "/api"}},
		{name: "engine Bearer + cookie Group, HandleMethodNotAllowed", build: hybrid(true), prefixes: []string{"/users/session", "/api"}},
		{name: "engine session + Bearer Group", prefixes: []string{"", "/public"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			e.Use(crosssession.New(d.cfg(prod(corpusFront))))
			d.routes(e)
			d.routes(crosssession.Group(e, "/public", d.cfg(crosssession.Bearer(corpusFront, corpusPartner))))
			return e
		}},
		{name: "engine session + session Group listing partner", prefixes: []string{"", "/partner"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			e.Use(crosssession.New(d.cfg(prod(corpusFront))))
			d.routes(e)
			d.routes(crosssession.Group(e, "/partner", d.cfg(named("__Host-partner", corpusKey2, corpusFront, corpusPartner))))
			return e
		}},
		{name: "nested 2 levels, different cookie names", prefixes: []string{"/api", "/api/partner"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			api := crosssession.Group(e, "/api", d.cfg(prod(corpusFront)))
			d.routes(api)
			d.routes(crosssession.Group(api, "/partner", d.cfg(named("__Host-partner", corpusKey2, corpusFront, corpusPartner))))
			return e
		}},
		{name: "nested 2 levels, same cookie and key", prefixes: []string{"/api", "/api/partner"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			api := crosssession.Group(e, "/api", d.cfg(prod(corpusFront)))
			d.routes(api)
			d.routes(crosssession.Group(api, "/partner", d.cfg(prod(corpusFront, corpusPartner, corpusEvil))))
			return e
		}},
		{name: "nested 2 levels, same cookie name, different key", prefixes: []string{"/api", "/api/partner"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			api := crosssession.Group(e, "/api", d.cfg(prod(corpusFront)))
			d.routes(api)
			d.routes(crosssession.Group(api, "/partner", d.cfg(crosssession.Prod(corpusKey2, corpusFront, corpusPartner, corpusEvil))))
			return e
		}},
		{name: "nested 3 levels: session / Bearer / session", prefixes: []string{"/api", "/api/v1", "/api/v1/admin"},
			build: func(d *corpusDump) *gin.Engine {
				e := d.bare()
				api := crosssession.Group(e, "/api", d.cfg(prod(corpusFront)))
				d.routes(api)
				v1 := crosssession.Group(api, "/v1", d.cfg(crosssession.Bearer(corpusFront, corpusPartner)))
				d.routes(v1)
				d.routes(crosssession.Group(v1, "/admin", d.cfg(named("__Host-admin", corpusKey2, corpusFront))))
				return e
			}},
		{name: "nested 3 levels, same cookie everywhere", prefixes: []string{"/a", "/a/b", "/a/b/c"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			a := crosssession.Group(e, "/a", d.cfg(prod(corpusFront)))
			d.routes(a)
			b := crosssession.Group(a, "/b", d.cfg(prod(corpusFront, corpusPartner)))
			d.routes(b)
			d.routes(crosssession.Group(b, "/c", d.cfg(prod(corpusFront, corpusPartner, corpusEvil))))
			return e
		}},
		{name: "sibling groups", prefixes: []string{"/a", "/b", "/other"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			d.routes(crosssession.Group(e, "/a", d.cfg(prod(corpusFront))))
			d.routes(crosssession.Group(e, "/b", d.cfg(named("__Host-b", corpusKey2, corpusPartner))))
			d.routes(e.Group("/other"))
			return e
		}},
		{name: "sibling group inside another's path", prefixes: []string{"/api", "/api/session"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			d.routes(crosssession.Group(e, "/api", d.cfg(crosssession.Bearer(corpusFront))))
			d.routes(crosssession.Group(e, "/api/session", d.cfg(prod(corpusFront))))
			return e
		}},
		{name: "Group(r, \"/\")", prefixes: []string{"", "/x"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			g := crosssession.Group(e, "/", d.cfg(prod(corpusFront)))
			d.routes(g)
			d.routes(g.Group("/x"))
			return e
		}},
		{name: "Bearer Group nested in session Group", prefixes: []string{"/api", "/api/public"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			api := crosssession.Group(e, "/api", d.cfg(prod(corpusFront)))
			d.routes(api)
			d.routes(crosssession.Group(api, "/public", d.cfg(crosssession.Bearer(corpusFront, corpusEvil))))
			return e
		}},
		{name: "New inside a plain subgroup of a Bearer Group", prefixes: []string{"/api", "/api/account"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			api := crosssession.Group(e, "/api", d.cfg(crosssession.Bearer(corpusFront)))
			d.routes(api)
			d.routes(api.Group("/account", crosssession.New(d.cfg(prod(corpusFront)))))
			return e
		}},
		{name: "outer group's routes under the inner group's path", prefixes: []string{"/api", "/api/session"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			api := crosssession.Group(e, "/api", d.cfg(prod(corpusFront)))
			crosssession.Group(api, "/session", d.cfg(prod(corpusFront, corpusEvil)))
			d.routes(api)
			d.routes(api.Group("/session"))
			return e
		}},
		{name: "parameter in the group base", prefixes: []string{"/t/acme", "/t/acme/partner"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			t := crosssession.Group(e, "/t/:tenant", d.cfg(prod(corpusFront)))
			d.routes(t)
			d.routes(crosssession.Group(t, "/partner", d.cfg(crosssession.Bearer(corpusPartner))))
			return e
		}},
		{name: "engine New + allowing Group + NoRoute", prefixes: []string{"", "/g"}, build: func(d *corpusDump) *gin.Engine {
			e := d.bare()
			e.Use(crosssession.New(d.cfg(prod(corpusFront))))
			d.routes(crosssession.Group(e, "/g", d.cfg(prod(corpusFront, corpusEvil))))
			e.NoRoute(func(c *gin.Context) { c.String(http.StatusNotFound, "custom no route") })
			return e
		}},
	}
}

func (d *corpusDump) layout(l corpusLayout) {
	d.scenario(l.name)
	var e *gin.Engine
	if !d.build(func() { e = l.build(d) }) {
		return
	}
	base := corpusProdBase
	jar := corpusJar{}
	for _, p := range l.prefixes {
		u := func(path string) string { return base + p + path }
		for _, o := range []string{corpusFront, corpusPartner, corpusEvil} {
			d.do(e, "preflight "+o, corpusReq("OPTIONS", u("/change"), "Origin", o, "Access-Control-Request-Method", "POST",
				"Access-Control-Request-Headers", "content-type, authorization"))
		}
		bare := base + p
		if p == "" {
			bare = base + "/"
		}
		d.do(e, "preflight bare group path", corpusReq("OPTIONS", bare, "Origin", corpusFront, "Access-Control-Request-Method", "POST"))
		d.do(e, "preflight no route below", corpusReq("OPTIONS", u("/no/such/route"), "Origin", corpusFront, "Access-Control-Request-Method", "PUT"))
		d.do(e, "OPTIONS, not a preflight", corpusReq("OPTIONS", u("/change"), "Origin", corpusFront))
		for _, o := range []string{corpusFront, corpusPartner} {
			d.do(e, "GET "+o, corpusReq("GET", u("/plain"), "Origin", o))
		}
		jar.update(d.do(e, "login", corpusReq("POST", u("/login"), jar.with("Origin", corpusFront, "Sec-Fetch-Site", "same-site")...)))
		d.do(e, "me", corpusReq("GET", u("/me"), jar.with("Origin", corpusFront, "Sec-Fetch-Site", "same-site")...))
		for _, o := range []string{corpusFront, corpusPartner, corpusEvil} {
			d.do(e, "POST cross-site "+o, corpusReq("POST", u("/change"), jar.with("Origin", o, "Sec-Fetch-Site", "cross-site")...))
			d.do(e, "update cross-site "+o, corpusReq("POST", u("/update"), jar.with("Origin", o, "Sec-Fetch-Site", "cross-site")...))
		}
		d.do(e, "DELETE no Origin, cross-site", corpusReq("DELETE", u("/change"), jar.with("Sec-Fetch-Site", "cross-site")...))
		d.do(e, "GET method not routed", corpusReq("GET", u("/change"), "Origin", corpusFront))
		d.do(e, "logout", corpusReq("POST", u("/logout"), jar.with("Origin", corpusFront, "Sec-Fetch-Site", "same-site")...))
	}
}

// ---------------------------------------------------------------------------
// Session stores

// corpusMemStore is a server-side store like redistore: IDs in the cookie,
// values in memory, delete on MaxAge < 0.
type corpusMemStore struct {
	mu sync.Mutex
	m  map[string]map[any]any
	n  int
}

func (s *corpusMemStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return gsessions.GetRegistry(r).Get(s, name)
}

func (s *corpusMemStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	gs := gsessions.NewSession(s, name)
	gs.IsNew = true
	if ck, err := r.Cookie(name); err == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if v, ok := s.m[ck.Value]; ok {
			gs.ID, gs.IsNew = ck.Value, false
			for k, x := range v {
				gs.Values[k] = x
			}
		}
	}
	return gs, nil
}

func (s *corpusMemStore) Save(r *http.Request, w http.ResponseWriter, gs *gsessions.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gs.Options.MaxAge < 0 {
		delete(s.m, gs.ID)
		http.SetCookie(w, gsessions.NewCookie(gs.Name(), "", gs.Options))
		return nil
	}
	if gs.ID == "" {
		s.n++
		gs.ID = fmt.Sprintf("mem-%d", s.n)
	}
	v := make(map[any]any, len(gs.Values))
	for k, x := range gs.Values {
		v[k] = x
	}
	s.m[gs.ID] = v
	http.SetCookie(w, gsessions.NewCookie(gs.Name(), gs.ID, gs.Options))
	return nil
}

func (s *corpusMemStore) Options(sessions.Options) {}

// ids lists the stored session IDs, sorted.
func (s *corpusMemStore) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// corpusFailStore fails like a Redis that went away.
type corpusFailStore struct{ failLoad, failSave bool }

func (f *corpusFailStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return f.New(r, name)
}

func (f *corpusFailStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	s := gsessions.NewSession(f, name)
	if f.failLoad {
		return s, fmt.Errorf("dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return s, nil
}

func (f *corpusFailStore) Save(*http.Request, http.ResponseWriter, *gsessions.Session) error {
	if f.failSave {
		return fmt.Errorf("dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return nil
}

func (f *corpusFailStore) Options(sessions.Options) {}

// ---------------------------------------------------------------------------
// Session scenarios

func (d *corpusDump) sessionScenarios() {
	front := corpusFront
	u := func(p string) string { return corpusProdBase + p }
	hdr := func(j corpusJar) []string { return j.with("Origin", front, "Sec-Fetch-Site", "same-site") }

	d.scenario("key rotation")
	var before, during, after *gin.Engine
	d.build(func() {
		before = d.engine(crosssession.Prod(corpusOldKey, front))
		rot := crosssession.Prod(corpusNewKey, front)
		rot.Keys = append(rot.Keys, corpusOldKey)
		during = d.engine(rot)
		after = d.engine(crosssession.Prod(corpusNewKey, front))
	})
	old := corpusJar{}
	old.update(d.do(before, "login under the old key", corpusReq("POST", u("/login?user=olga"), hdr(old)...)))
	d.do(before, "read under the old key", corpusReq("GET", u("/me"), hdr(old)...))
	re := corpusJar{}
	for k, v := range old {
		re[k] = v
	}
	re.update(d.do(during, "old cookie read by Keys{new, old}", corpusReq("GET", u("/me"), hdr(old)...)))
	d.do(during, "old cookie, no session use", corpusReq("GET", u("/plain"), hdr(old)...))
	d.do(during, "re-issued cookie read by Keys{new, old}", corpusReq("GET", u("/me"), hdr(re)...))
	d.do(after, "re-issued cookie read by Keys{new}", corpusReq("GET", u("/me"), hdr(re)...))
	for i := range 3 {
		d.do(after, fmt.Sprintf("old cookie read by Keys{new} #%d", i+1), corpusReq("GET", u("/me"), hdr(old)...))
	}
	d.do(before, "new-key cookie read by Keys{old}", corpusReq("GET", u("/me"), hdr(re)...))

	d.scenario("bad cookies")
	var e, foreignE *gin.Engine
	d.build(func() {
		e = d.engine(crosssession.Prod(corpusKey, front))
		foreignE = d.engine(crosssession.Prod(corpusKey2, front))
	})
	good := corpusJar{}
	good.update(d.do(e, "login", corpusReq("POST", u("/login"), hdr(good)...)))
	foreign := corpusJar{}
	foreign.update(d.do(foreignE, "login under another key", corpusReq("POST", u("/login"), hdr(foreign)...)))
	v := []byte(good["__Host-session"])
	// Replace one character in the middle by another base64url character,
	// so the cookie still decodes as base64 and fails its MAC whatever the
	// random bytes were.
	if v[len(v)/2] != 'A' {
		v[len(v)/2] = 'A'
	} else {
		v[len(v)/2] = 'B'
	}
	cases := []struct{ label, cookie string }{
		{"tampered cookie", "__Host-session=" + string(v)},
		{"foreign-key cookie", "__Host-session=" + foreign["__Host-session"]},
		{"garbage cookie", "__Host-session=%%%not-base64"},
		{"base64 garbage cookie", "__Host-session=bm90LWEtdmFsaWQtY29va2ll"},
		{"empty cookie", "__Host-session="},
		{"oversize cookie (5000 bytes)", "__Host-session=" + strings.Repeat("A", 5000)},
		{"oversize cookie (100000 bytes)", "__Host-session=" + strings.Repeat("A", 100000)},
		{"two session cookies, bad first", "__Host-session=garbage; __Host-session=" + good["__Host-session"]},
		{"two session cookies, good first", "__Host-session=" + good["__Host-session"] + "; __Host-session=garbage"},
		{"other cookie names only", "session=" + good["__Host-session"] + "; __host-session=x"},
		{"good cookie", "__Host-session=" + good["__Host-session"]},
	}
	for _, c := range cases {
		d.do(e, c.label, corpusReq("GET", u("/me"), "Origin", front, "Cookie", c.cookie))
	}
	d.do(e, "tampered cookie, no Origin", corpusReq("GET", u("/me"), "Cookie", cases[0].cookie))
	d.do(e, "tampered cookie, then login", corpusReq("POST", u("/login"), "Origin", front, "Cookie", cases[0].cookie))

	for _, pc := range []struct {
		name string
		cfg  crosssession.Config
		base string
		o    string
	}{
		{"session edge cases (Prod)", crosssession.Prod(corpusKey, front), corpusProdBase, front},
		{"session edge cases (Dev)", func() crosssession.Config {
			c := crosssession.Dev("http://localhost:3000")
			c.Keys = [][]byte{corpusDevKey}
			return c
		}(), corpusDevBase, "http://localhost:3000"},
	} {
		d.scenario(pc.name)
		var e *gin.Engine
		d.build(func() { e = d.engine(pc.cfg) })
		pu := func(p string) string { return pc.base + p }
		ph := func(j corpusJar) []string { return j.with("Origin", pc.o, "Sec-Fetch-Site", "same-site") }
		for _, p := range []string{"/big", "/big-save", "/fn", "/obj", "/late", "/explicit", "/created", "/redirect",
			"/opts", "/opts-zero", "/opts-path", "/opts-expire", "/flash", "/clear", "/delete-user"} {
			d.do(e, "fresh session "+p, corpusReq("POST", pu(p), ph(corpusJar{})...))
		}
		j := corpusJar{}
		j.update(d.do(e, "login", corpusReq("POST", pu("/login"), ph(j)...)))
		for _, p := range []string{"/explicit", "/flash"} {
			j.update(d.do(e, "logged in "+p, corpusReq("POST", pu(p), ph(j)...)))
		}
		j.update(d.do(e, "flashes", corpusReq("GET", pu("/flashes"), ph(j)...)))
		j.update(d.do(e, "flashes again", corpusReq("GET", pu("/flashes"), ph(j)...)))
		j.update(d.do(e, "logged in /delete-user", corpusReq("POST", pu("/delete-user"), ph(j)...)))
		d.do(e, "me", corpusReq("GET", pu("/me"), ph(j)...))
		j.update(d.do(e, "login again", corpusReq("POST", pu("/login"), ph(j)...)))
		j.update(d.do(e, "logged in /clear", corpusReq("POST", pu("/clear"), ph(j)...)))
		d.do(e, "me after clear", corpusReq("GET", pu("/me"), ph(j)...))
		j.update(d.do(e, "store many types", corpusReq("POST", pu("/types"), ph(j)...)))
		d.do(e, "read many types", corpusReq("GET", pu("/types"), ph(j)...))
		j.update(d.do(e, "logged in /opts-expire", corpusReq("POST", pu("/opts-expire"), ph(j)...)))
		d.do(e, "id (cookie store has none)", corpusReq("GET", pu("/id"), ph(j)...))
	}

	d.scenario("Dev without Keys (random key)")
	var re2 *gin.Engine
	d.build(func() {
		// Startup logs are not recorded here: only whether the random-key
		// line was among them.
		re2 = d.engine(crosssession.Dev())
		logged := false
		for _, r := range d.logs.take() {
			if strings.Contains(r, "random key") {
				logged = true
			}
		}
		d.line("random-key line logged: %v", logged)
	})
	rj := corpusJar{}
	rj.update(d.do(re2, "login", corpusReq("POST", corpusDevBase+"/login", rj.with("Origin", "http://localhost:3000")...)))
	d.do(re2, "me", corpusReq("GET", corpusDevBase+"/me", rj.with("Origin", "http://localhost:3000")...))

	d.scenario("user Store (in memory)")
	st := &corpusMemStore{m: map[string]map[any]any{"planted-by-attacker": {"user": "mallory"}}}
	var me *gin.Engine
	d.build(func() {
		c := crosssession.Prod(corpusKey, front)
		c.Store = st
		me = d.engine(c)
	})
	ids := func() { d.line("store IDs: %q", st.ids()) }
	mj := corpusJar{}
	d.do(me, "me before login", corpusReq("GET", u("/me"), hdr(mj)...))
	mj.update(d.do(me, "login", corpusReq("POST", u("/login?user=sam"), hdr(mj)...)))
	ids()
	d.do(me, "me", corpusReq("GET", u("/me"), hdr(mj)...))
	d.do(me, "id", corpusReq("GET", u("/id"), hdr(mj)...))
	mj.update(d.do(me, "update", corpusReq("POST", u("/update"), hdr(mj)...)))
	mj.update(d.do(me, "options per response", corpusReq("POST", u("/opts"), hdr(mj)...)))
	mj.update(d.do(me, "login again (old record deleted)", corpusReq("POST", u("/login?user=sam2"), hdr(mj)...)))
	ids()
	d.do(me, "id after re-login", corpusReq("GET", u("/id"), hdr(mj)...))
	mj.update(d.do(me, "logout", corpusReq("POST", u("/logout"), hdr(mj)...)))
	ids()
	mj.update(d.do(me, "logout then set (new ID)", corpusReq("POST", u("/logout-set"), hdr(mj)...)))
	ids()
	mj.update(d.do(me, "logout then login", corpusReq("POST", u("/switch"), hdr(mj)...)))
	ids()
	d.do(me, "planted ID, read", corpusReq("GET", u("/id"), "Origin", front, "Cookie", "__Host-session=planted-by-attacker"))
	d.do(me, "planted ID, login", corpusReq("POST", u("/login"), "Origin", front, "Cookie", "__Host-session=planted-by-attacker"))
	ids()
	d.do(me, "unknown ID", corpusReq("GET", u("/me"), "Origin", front, "Cookie", "__Host-session=nope"))
	d.do(me, "too large for a cookie, fine for a store", corpusReq("POST", u("/big"), hdr(corpusJar{})...))
	d.do(me, "unencodable value with a store", corpusReq("POST", u("/fn"), hdr(corpusJar{})...))
	ids()
	d.do(me, "CSRF: unlisted cross-site login", corpusReq("POST", u("/login"), "Origin", corpusEvil, "Sec-Fetch-Site", "cross-site"))

	for _, fc := range []struct {
		name           string
		store          *corpusFailStore
		recoveryInside bool
	}{
		{"failing Store: load", &corpusFailStore{failLoad: true}, false},
		{"failing Store: load, gin.Recovery inside", &corpusFailStore{failLoad: true}, true},
		{"failing Store: save", &corpusFailStore{failSave: true}, false},
		{"failing Store: save, gin.Recovery inside", &corpusFailStore{failSave: true}, true},
	} {
		d.scenario(fc.name)
		var fe *gin.Engine
		d.build(func() {
			c := crosssession.Prod(corpusKey, front)
			c.Store = fc.store
			fe = d.bare()
			fe.Use(crosssession.New(d.cfg(c)))
			if fc.recoveryInside {
				fe.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, p any) {
					d.note("inner recovery: %s", corpusPanicText(p))
					c.AbortWithStatus(http.StatusInternalServerError)
				}))
			}
			d.routes(fe)
		})
		for _, r := range []struct{ label, m, p string }{
			{"login", "POST", "/login"}, {"me", "GET", "/me"}, {"update", "POST", "/update"}, {"logout", "POST", "/logout"},
			{"switch", "POST", "/switch"}, {"plain", "GET", "/plain"}, {"id", "GET", "/id"}, {"explicit save", "POST", "/explicit"},
		} {
			d.do(fe, r.label, corpusReq(r.m, u(r.p), "Origin", front, "Sec-Fetch-Site", "same-site", "Cookie", "__Host-session=abc"))
		}
		d.do(fe, "preflight", corpusReq("OPTIONS", u("/login"), "Origin", front, "Access-Control-Request-Method", "POST"))
	}

	d.scenario("Login and Logout on a Bearer route")
	var be *gin.Engine
	d.build(func() { be = d.engine(crosssession.Bearer(front)) })
	for _, p := range []string{"/login", "/logout", "/switch", "/update"} {
		d.do(be, p, corpusReq("POST", u(p), "Origin", front, "Cookie", "__Host-session=abc"))
	}
	d.do(be, "me", corpusReq("GET", u("/me"), "Origin", front))

	d.scenario("Login and Logout on a route without crosssession")
	var ne *gin.Engine
	d.build(func() {
		ne = d.bare()
		d.routes(ne)
	})
	for _, p := range []string{"/login", "/logout"} {
		d.do(ne, p, corpusReq("POST", u(p)))
	}

	d.scenario("outer middleware sets Vary and headers")
	var ve *gin.Engine
	d.build(func() {
		ve = d.bare()
		ve.Use(func(c *gin.Context) {
			c.Header("Vary", "Accept-Encoding")
			c.Header("X-Outer", "1")
			c.Next()
		})
		ve.Use(crosssession.New(d.cfg(crosssession.Prod(corpusKey, front))))
		d.routes(ve)
		ve.GET("/lang", func(c *gin.Context) {
			c.Writer.Header().Add("Vary", "Accept-Language")
			c.String(http.StatusOK, "lang")
		})
		ve.GET("/fail-headers", func(c *gin.Context) {
			sessions.Default(c).Set("u", 1)
			sessions.Default(c).Set("fn", func() {})
			c.Header("Cache-Control", "public, max-age=86400")
			c.Header("ETag", `"v1"`)
			c.Data(http.StatusOK, "application/octet-stream", []byte{1, 2, 3})
		})
	})
	for _, o := range []string{"", front, corpusEvil} {
		var h []string
		if o != "" {
			h = []string{"Origin", o}
		}
		d.do(ve, "lang, origin "+o, corpusReq("GET", u("/lang"), h...))
		d.do(ve, "me, origin "+o, corpusReq("GET", u("/me"), h...))
	}
	d.do(ve, "preflight", corpusReq("OPTIONS", u("/lang"), "Origin", front, "Access-Control-Request-Method", "GET"))
	d.do(ve, "unencodable session with handler caching headers", corpusReq("GET", u("/fail-headers"), "Origin", front))
}

// ---------------------------------------------------------------------------
// Configs

func (d *corpusDump) configScenarios() {
	prod := func(origins ...string) crosssession.Config { return crosssession.Prod(corpusKey, origins...) }
	with := func(f func(*crosssession.Config)) crosssession.Config {
		c := prod(corpusFront)
		f(&c)
		return c
	}
	short := []byte("too short")
	bad := []struct {
		name string
		cfg  crosssession.Config
	}{
		{"zero Config", crosssession.Config{}},
		{"Prod without origins", crosssession.Prod(corpusKey)},
		{"Prod nil key", crosssession.Prod(nil, corpusFront)},
		{"Prod short key", crosssession.Prod(short, corpusFront)},
		{"old key short", with(func(c *crosssession.Config) { c.Keys = append(c.Keys, short) })},
		{"Prod no keys", with(func(c *crosssession.Config) { c.Keys = nil })},
		{"origin *", prod("*")},
		{"origin null", prod("null")},
		{"origin empty", prod("")},
		{"origin trailing slash", prod("https://app.example.com/")},
		{"origin with path", prod("https://app.example.com/app")},
		{"origin no scheme", prod("app.example.com")},
		{"origin ftp scheme", prod("ftp://app.example.com")},
		{"origin uppercase", prod("https://App.example.com")},
		{"origin whitespace", prod(" https://app.example.com")},
		{"origin comma list", prod("https://a.example.com,https://b.example.com")},
		{"origin userinfo", prod("https://user@app.example.com")},
		{"origin default port", prod("https://app.example.com:443")},
		{"origin non-ASCII", prod("https://bücher.example")},
		{"public suffix wildcard", prod("https://*.vercel.app")},
		{"wildcard in the middle", prod("https://app.*.example.com")},
		{"Prod plain http", prod("http://app.example.com")},
		{"duplicate origin", prod("https://a.example.com", "https://a.example.com")},
		{"APIOrigin pattern", with(func(c *crosssession.Config) { c.APIOrigin = "https://*.example.com" })},
		{"APIOrigin plain http", with(func(c *crosssession.Config) { c.APIOrigin = "http://api.example.com" })},
		{"APIOrigin bad", with(func(c *crosssession.Config) { c.APIOrigin = "api.example.com" })},
		{"None without Secure (Dev)", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie.Name, c.Cookie.Insecure, c.Cookie.Partitioned = crosssession.Development, "sid", true, false
		})},
		{"Partitioned without Secure (Dev)", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie.Name, c.Cookie.Insecure, c.Cookie.SameSite = crosssession.Development, "sid", true, http.SameSiteLaxMode
		})},
		{"__Host- with Domain", with(func(c *crosssession.Config) { c.Cookie.Domain = "example.com" })},
		{"__Host- with Path", with(func(c *crosssession.Config) { c.Cookie.Path = "/api" })},
		{"__host- lowercase without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie = crosssession.Development, crosssession.Cookie{Name: "__host-sid", Insecure: true}
		})},
		{"__SECURE- without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie = crosssession.Development, crosssession.Cookie{Name: "__SECURE-sid", Insecure: true}
		})},
		{"Domain public suffix", with(func(c *crosssession.Config) { c.Cookie.Name, c.Cookie.Domain = "sid", "vercel.app" })},
		{"Domain leading dot", with(func(c *crosssession.Config) { c.Cookie.Name, c.Cookie.Domain = "sid", ".example.com" })},
		{"Domain uppercase", with(func(c *crosssession.Config) { c.Cookie.Name, c.Cookie.Domain = "sid", "Example.com" })},
		{"Insecure in Production", with(func(c *crosssession.Config) { c.Cookie = crosssession.Cookie{Name: "sid", Insecure: true} })},
		{"SameSite default", with(func(c *crosssession.Config) { c.Cookie.SameSite = http.SameSiteDefaultMode })},
		{"SameSite unknown", with(func(c *crosssession.Config) { c.Cookie.SameSite = 9 })},
		{"bad cookie name", with(func(c *crosssession.Config) { c.Cookie.Name = "bad name" })},
		{"bad cookie path", with(func(c *crosssession.Config) { c.Cookie.Name, c.Cookie.Path = "sid", "/a;b" })},
		{"negative MaxAge", with(func(c *crosssession.Config) { c.Cookie.MaxAge = -time.Second })},
		{"tiny MaxAge", with(func(c *crosssession.Config) { c.Cookie.MaxAge = time.Millisecond })},
		{"star method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"*"} })},
		{"lowercase method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"patch"} })},
		{"lowercase standard method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"delete"} })},
		{"forbidden method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"TRACE", "CONNECT"} })},
		{"invalid method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"GE T"} })},
		{"star header", with(func(c *crosssession.Config) { c.AllowHeaders = []string{"*"} })},
		{"bad allow header", with(func(c *crosssession.Config) { c.AllowHeaders = []string{"X:Y"} })},
		{"bad expose header", with(func(c *crosssession.Config) { c.ExposeHeaders = []string{"X Total", "*"} })},
		{"tiny preflight max age", with(func(c *crosssession.Config) { c.PreflightMaxAge = time.Millisecond })},
		{"unknown mode", with(func(c *crosssession.Config) { c.Mode = 7 })},
		{"many problems at once", func() crosssession.Config {
			c := crosssession.Prod([]byte("short"), "*", "https://app.example.com/", "http://api.example.com")
			c.Cookie.Domain = "example.com"
			return c
		}()},
		{"Bearer without origins", crosssession.Bearer()},
		{"Bearer bad origin and star header", func() crosssession.Config {
			c := crosssession.Bearer("https://app.example.com/")
			c.AllowHeaders = []string{"*"}
			return c
		}()},
		{"Dev with a short key", func() crosssession.Config {
			c := crosssession.Dev()
			c.Keys = [][]byte{short}
			return c
		}()},
	}
	d.category("configs: invalid (Validate, Report, New)")
	for _, b := range bad {
		d.scenario(b.name)
		err := b.cfg.Validate()
		if err == nil {
			d.line("Validate: <nil>")
		} else {
			d.line("Validate:")
			for l := range strings.SplitSeq(err.Error(), "\n") {
				d.line("  | %s", l)
			}
		}
		d.line("Report:")
		for l := range strings.SplitSeq(strings.TrimSuffix(b.cfg.Report(), "\n"), "\n") {
			d.line("  | %s", l)
		}
		func() {
			defer func() {
				p := recover()
				same := p != nil && err != nil && corpusPanicText(p) == err.Error()
				d.line("New panics: %v, with Validate's error: %v", p != nil, same)
				if p != nil && !same {
					d.line("New panic: %s", corpusPanicText(p))
				}
			}()
			crosssession.New(d.cfg(b.cfg))
		}()
		d.flushSetup()
	}

	valid := []struct {
		name string
		cfg  crosssession.Config
	}{
		{"Dev()", crosssession.Dev()},
		{"Dev(explicit)", crosssession.Dev("http://localhost:5173")},
		{"Dev mixing localhost and 127.0.0.1, APIOrigin", func() crosssession.Config {
			c := crosssession.Dev("http://localhost:3000", "http://127.0.0.1:3000")
			c.APIOrigin = "http://localhost:3001"
			return c
		}()},
		{"Dev Secure __Host- cookie", func() crosssession.Config {
			c := crosssession.Dev("http://localhost:3000")
			c.Cookie = crosssession.Cookie{Name: "__Host-dev"}
			return c
		}()},
		{"Prod same-site", prod(corpusFront, "https://*.example.org")},
		{"Prod cross-site not Partitioned, long max ages, APIOrigin", func() crosssession.Config {
			c := prod(corpusFront, "https://myapp.vercel.app")
			c.PreflightMaxAge = 24 * time.Hour
			c.APIOrigin = corpusProdBase
			c.Cookie.Partitioned = false
			c.Cookie.MaxAge = 500 * 24 * time.Hour
			return c
		}()},
		{"Prod Lax cross-site, APIOrigin", func() crosssession.Config {
			c := prod("https://myapp.vercel.app", "https://*.example.com")
			c.Cookie.SameSite, c.Cookie.Partitioned = http.SameSiteLaxMode, false
			c.APIOrigin = corpusProdBase
			return c
		}()},
		{"Prod custom everything", func() crosssession.Config {
			c := prod(corpusFront)
			c.Keys = append(c.Keys, corpusKey2)
			c.Cookie = crosssession.Cookie{Name: "sid", Domain: "example.com", Path: "/api", MaxAge: time.Hour, SameSite: http.SameSiteStrictMode}
			c.AllowMethods = []string{"GET", "POST"}
			c.AllowHeaders = []string{"Content-Type"}
			c.ExposeHeaders = []string{"X-Total"}
			c.PreflightMaxAge = 90 * time.Second
			c.DebugHeader = true
			return c
		}()},
		{"Prod with a Store", func() crosssession.Config {
			c := crosssession.Prod(nil, corpusFront)
			c.Keys = nil
			c.Store = &corpusMemStore{}
			return c
		}()},
		{"Bearer", crosssession.Bearer(corpusFront, "https://*.partner.net")},
		{"Bearer without Authorization header", func() crosssession.Config {
			c := crosssession.Bearer(corpusFront)
			c.AllowHeaders = []string{"Content-Type"}
			return c
		}()},
		{"Prod with loopback http origins", prod("http://localhost:3000", "http://127.0.0.1:*", "http://[::1]:8080")},
	}
	d.category("configs: valid (Report, New's startup log)")
	for _, v := range valid {
		d.scenario(v.name)
		d.line("Validate: %s", corpusErr(v.cfg.Validate()))
		d.line("Mode: %s", v.cfg.Mode)
		d.line("Report:")
		for l := range strings.SplitSeq(strings.TrimSuffix(v.cfg.Report(), "\n"), "\n") {
			d.line("  | %s", l)
		}
		if v.name == "Dev()" {
			continue // no Keys: New would log the random-key line (recorded in the sessions category)
		}
		d.build(func() { crosssession.New(d.cfg(v.cfg)) })
	}
	d.line("Mode(9).String(): %s", crosssession.Mode(9))

	d.category("setup panics")
	d.scenario("Group with its own OPTIONS route")
	d.build(func() {
		e := gin.New()
		g := crosssession.Group(e, "/users", d.cfg(prod(corpusFront)))
		g.OPTIONS("/x", func(*gin.Context) {})
	})
	d.scenario("catch-all OPTIONS route before a Group")
	d.build(func() {
		e := gin.New()
		e.OPTIONS("/*any", func(*gin.Context) {})
		crosssession.Group(e, "/users", d.cfg(prod(corpusFront)))
	})
	d.scenario("inner Group created before the enclosing one")
	d.build(func() {
		e := gin.New()
		crosssession.Group(e, "/api/session", d.cfg(prod(corpusFront)))
		crosssession.Group(e, "/api", d.cfg(crosssession.Bearer(corpusFront)))
	})
	d.scenario("Group with an invalid Config")
	d.build(func() {
		crosssession.Group(gin.New(), "/api", d.cfg(crosssession.Prod(nil)))
	})
}

// ---------------------------------------------------------------------------

func TestCorpusDump(t *testing.T) {
	out := os.Getenv("CORPUS_OUT")
	if out == "" {
		t.Skip("CORPUS_OUT is not set: nothing to write the dump to")
	}
	gin.SetMode(gin.TestMode)
	d := newCorpusDump()
	d.b.WriteString("crosssession behaviour corpus dump v1\n")

	d.category("policies")
	for _, p := range corpusPolicies() {
		d.policyMatrix(p)
	}
	d.category("stacking and nesting")
	for _, l := range corpusLayouts() {
		d.layout(l)
	}
	d.category("sessions")
	d.sessionScenarios()
	d.configScenarios()
	d.flushSetup()

	var keys []string
	for k := range d.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d.b.WriteString("\n################ summary ################\n")
	for _, k := range keys {
		fmt.Fprintf(&d.b, "  %s: %s\n", k, strconv.Itoa(d.counts[k]))
	}
	fmt.Fprintf(&d.b, "  total requests: %d\n", d.reqs)
	if err := os.WriteFile(out, []byte(d.b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d bytes, %d requests, to %s", d.b.Len(), d.reqs, out)
}
