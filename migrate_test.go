package crosssession_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/cors"
	"github.com/gin-contrib/sessions"
	gincookie "github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
)

const chromeExt = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"

// gcConfig is a credentialed gin-contrib/cors Config for one front end,
// changed by mod.
func gcConfig(mod func(*cors.Config)) cors.Config {
	c := cors.Config{AllowOrigins: []string{front}, AllowCredentials: true}
	if mod != nil {
		mod(&c)
	}
	return c
}

func newMemStore() *memStore { return &memStore{m: make(map[string]map[any]any)} }

// TestFromGinContribRules has one row per rule of FromGinContrib's table:
// a translation (check) or a refusal (want: substrings of the error).
func TestFromGinContribRules(t *testing.T) {
	t.Parallel()
	gcKey := bytes.Repeat([]byte("g"), 32)
	withOptions := gincookie.NewStore(gcKey)
	withOptions.Options(sessions.Options{Path: "/", Domain: ".Example.com", MaxAge: 3600})
	publicSuffix := gincookie.NewStore(gcKey)
	publicSuffix.Options(sessions.Options{Path: "/", Domain: "com"})
	origins := func(want ...string) func(*testing.T, crosssession.Config) {
		return func(t *testing.T, cfg crosssession.Config) {
			if !slices.Equal(cfg.Origins, want) {
				t.Errorf("Origins = %q, want %q", cfg.Origins, want)
			}
		}
	}
	tests := []struct {
		name      string
		mod       func(*cors.Config)
		noSession bool           // FromGinContrib(c, "", nil)
		session   string         // "" means "mysession"
		store     sessions.Store // nil means a memory store
		want      []string       // substrings of the error; nil: no error
		check     func(*testing.T, crosssession.Config)
	}{
		// Origins.
		{name: "exact origin", check: func(t *testing.T, cfg crosssession.Config) {
			origins(front)(t, cfg)
			if cfg.Mode != crosssession.Production || cfg.NoSession || cfg.Cookie.Name != "mysession" || cfg.Store == nil {
				t.Errorf("Mode %v, NoSession %v, Cookie.Name %q, Store %v", cfg.Mode, cfg.NoSession, cfg.Cookie.Name, cfg.Store)
			}
		}},
		{name: "lowercased and trimmed as gin-contrib compared it", mod: func(c *cors.Config) {
			c.AllowOrigins = []string{" https://App.Example.com ", "https://app.example.com"}
		}, check: origins(front)},
		{name: "loopback http stays in Production", mod: func(c *cors.Config) { c.AllowOrigins = []string{"http://localhost:3000"} },
			check: origins("http://localhost:3000")},
		{name: "trailing slash", mod: func(c *cors.Config) { c.AllowOrigins = []string{front + "/"} },
			want: []string{`AllowOrigins[0] "https://app.example.com/" never matched`, "slash", `write "https://app.example.com"`}},
		{name: "default port", mod: func(c *cors.Config) { c.AllowOrigins = []string{front + ":443"} },
			want: []string{"never matched", "default port", `write "https://app.example.com"`}},
		{name: "path", mod: func(c *cors.Config) { c.AllowOrigins = []string{front + "/login"} },
			want: []string{"never matched", "path", `write "https://app.example.com"`}},
		{name: "no scheme", mod: func(c *cors.Config) { c.AllowOrigins = []string{"app.example.com"} },
			want: []string{"never matched", "no scheme", `write "https://app.example.com"`}},
		{name: "plain http off loopback", mod: func(c *cors.Config) { c.AllowOrigins = []string{"http://app.example.com"} },
			want: []string{"plain-http", "Production", `write "https://app.example.com"`, "crosssession.Dev"}},
		{name: "AllowAllOrigins with credentials", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowAllOrigins = nil, true },
			want: []string{"cors.Config.AllowAllOrigins is true", "browsers refuse", "list the front ends' origins"}},
		{name: "star with credentials", mod: func(c *cors.Config) { c.AllowOrigins = []string{"*"} },
			want: []string{`AllowOrigins[0] "*" allows every origin`, "browsers refuse", "Config.Origins"}},
		{name: "star without credentials", noSession: true, mod: func(c *cors.Config) {
			c.AllowOrigins, c.AllowCredentials = []string{"*"}, false
		}, want: []string{`"*" allows every origin`, "public API", "Config.Origins"}},
		{name: "star over a scheme", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"https://*"}, true },
			want: []string{"matched every https origin", "act as the user", "Config.Origins"}},

		// AllowWildcard.
		{name: "wildcard subdomains", mod: func(c *cors.Config) {
			c.AllowOrigins, c.AllowWildcard = []string{"https://*.example.com", "https://*.example.com:8443"}, true
		}, check: origins("https://*.example.com", "https://*.example.com:8443")},
		{name: "wildcard port", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"http://localhost:*"}, true },
			check: origins("http://localhost:*")},
		{name: "two wildcards gin-contrib refused at startup", mod: func(c *cors.Config) {
			c.AllowOrigins, c.AllowWildcard = []string{"https://*.example.com:*"}, true
		}, check: origins("https://*.example.com:*")},
		{name: "wildcard inside a label", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"https://*a.com"}, true },
			want: []string{`starts with "https://" and ends with "a.com"`, `e.g. "https://evila.com"`, "part of a label",
				`write "https://*.a.com" (and "https://a.com"`}},
		{name: "wildcard as a bare prefix", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"http://localhost*"}, true },
			want: []string{`starts with "http://localhost"`, `"http://localhost.evil.com"`, `write "http://localhost:*"`}},
		{name: "wildcard inside a port", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"http://localhost:3*"}, true },
			want: []string{`starts with "http://localhost:3"`, `port "3*"`, `write "http://localhost:*"`}},
		{name: "wildcard without a scheme", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"*.example.com"}, true },
			want: []string{`ends with ".example.com", over any scheme`, `"http://evil.example.com"`, `write "https://*.example.com"`}},
		{name: "wildcard before a label's end", mod: func(c *cors.Config) {
			c.AllowOrigins, c.AllowWildcard = []string{"https://app-*.example.com"}, true
		}, want: []string{`"https://app-evil.example.com"`, "part of a label"}},
		{name: "wildcard as the top-level domain", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"https://app.*"}, true },
			want: []string{`"https://app.evil.com"`, "takes none"}},
		{name: "wildcard over a hosting platform", mod: func(c *cors.Config) {
			c.AllowOrigins, c.AllowWildcard = []string{"https://*.vercel.app", "https://*-team.vercel.app"}, true
		}, want: []string{`"https://evil.vercel.app"`, "public suffix", `"https://evil-team.vercel.app"`, "each deployment you own"}},
		{name: "plain-http wildcard", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"http://*.example.com"}, true },
			want: []string{"plain-http", `write "https://*.example.com"`}},
		{name: "uppercase wildcard never matched", mod: func(c *cors.Config) { c.AllowOrigins, c.AllowWildcard = []string{"https://*.Example.com"}, true },
			want: []string{"never matched", "as written", `write "https://*.example.com"`}},
		{name: "pattern without AllowWildcard", mod: func(c *cors.Config) { c.AllowOrigins = []string{"https://*.example.com"} },
			want: []string{"never matched: AllowWildcard is false", `crosssession writes it "https://*.example.com"`}},

		// Regular expressions.
		{name: "regexp", mod: func(c *cors.Config) { c.AllowOrigins = []string{`/^https://(app|admin)\.example\.com$/`} },
			want: []string{"is a regular expression", "crosssession takes patterns", `"https://app.example.com", "https://admin.example.com"`}},
		{name: "unanchored regexp", mod: func(c *cors.Config) { c.AllowOrigins = []string{`/https://.*\.example\.com/`} },
			want: []string{`"https://*.example.com"`, `also matched origins around a match, e.g. "https://x.example.com.evil.com"`}},
		{name: "unanchored start", mod: func(c *cors.Config) { c.AllowOrigins = []string{`/example\.com$/i`} },
			want: []string{"is a regular expression", `"https://evilexample.com"`}},
		{name: "regexp that does not compile", mod: func(c *cors.Config) { c.AllowOrigins = []string{`/^https://(app\.example\.com$/`} },
			want: []string{"could not compile it", "panicked on every request"}},
		{name: "regexp without slashes", mod: func(c *cors.Config) { c.AllowOrigins = []string{`^https://app\.example\.com$`} },
			want: []string{"never matched", "only /.../ entries", `"https://app.example.com"`}},

		// Origin functions.
		{name: "AllowOriginFunc", mod: func(c *cors.Config) { c.AllowOriginFunc = func(o string) bool { return o == "https://tenant.test" } },
			check: func(t *testing.T, cfg crosssession.Config) {
				if cfg.AllowOriginFunc == nil || !cfg.AllowOriginFunc("https://tenant.test") || cfg.AllowOriginFunc(evil) {
					t.Error("AllowOriginFunc is not the gin-contrib one")
				}
			}},
		{name: "AllowOriginWithContextFunc", mod: func(c *cors.Config) {
			c.AllowOriginWithContextFunc = func(*gin.Context, string) bool { return true }
		}, want: []string{"cors.Config.AllowOriginWithContextFunc", "origin alone", "Config.AllowOriginFunc"}},
		{name: "an origin function alone", mod: func(c *cors.Config) {
			c.AllowOrigins, c.AllowOriginFunc = nil, func(string) bool { return true }
		}, want: []string{"AllowOrigins is empty", "at least one listed origin"}},
		{name: "no origins", mod: func(c *cors.Config) { c.AllowOrigins = nil }, want: []string{"AllowOrigins is empty"}},

		// Schemes.
		{name: "extension origin", mod: func(c *cors.Config) {
			c.AllowBrowserExtensions, c.AllowOrigins = true, []string{chromeExt}
		}, check: origins(chromeExt)},
		{name: "custom scheme", mod: func(c *cors.Config) {
			c.CustomSchemas, c.AllowOrigins = []string{"tauri://"}, []string{"tauri://localhost"}
		}, check: origins("tauri://localhost")},
		{name: "pattern over an extension scheme", mod: func(c *cors.Config) {
			c.AllowBrowserExtensions, c.AllowWildcard, c.AllowOrigins = true, true, []string{"chrome-extension://*"}
		}, want: []string{"every chrome-extension origin"}},
		{name: "websocket origin", mod: func(c *cors.Config) {
			c.AllowWebSockets, c.AllowOrigins = true, []string{front, "wss://app.example.com"}
		}, want: []string{`AllowOrigins[1] "wss://app.example.com" never matched`, "WebSocket handshake"}},
		{name: "AllowWebSockets alone", mod: func(c *cors.Config) { c.AllowWebSockets = true }, check: origins(front)},
		{name: "file pages", mod: func(c *cors.Config) {
			c.AllowFiles, c.AllowOrigins = true, []string{front, "file://"}
		}, want: []string{`"file://" never matched`, "cors.Config.AllowFiles is true", `Origin "null"`}},

		// Credentials and the session.
		{name: "no credentials, no session: Bearer", noSession: true, mod: func(c *cors.Config) { c.AllowCredentials = false },
			check: func(t *testing.T, cfg crosssession.Config) {
				if !cfg.NoSession || cfg.Store != nil {
					t.Errorf("NoSession %v, Store %v", cfg.NoSession, cfg.Store)
				}
			}},
		{name: "no credentials with a session", mod: func(c *cors.Config) { c.AllowCredentials = false },
			want: []string{"cors.Config.AllowCredentials is false", "AllowCredentials: true", "crosssession.Bearer"}},
		{name: "credentials without a session", noSession: true, want: []string{"sessionName is empty", "store is nil"}},
		{name: "bad session name", session: "my session", want: []string{`sessionName "my session"`, "not a valid cookie"}},
		{name: "gin-contrib cookie store defaults", store: gincookie.NewStore(gcKey), check: func(t *testing.T, cfg crosssession.Config) {
			if k := cfg.Cookie; k.Path != "/" || k.Domain != "" || k.MaxAge != 30*24*time.Hour {
				t.Errorf("Cookie = %+v, want gorilla's Path / and 30 days", k)
			}
		}},
		{name: "store options kept", store: withOptions, check: func(t *testing.T, cfg crosssession.Config) {
			if k := cfg.Cookie; k.Path != "/" || k.Domain != "example.com" || k.MaxAge != time.Hour || k.Name != "mysession" {
				t.Errorf("Cookie = %+v", k)
			}
		}},
		{name: "store options with a public-suffix Domain", store: publicSuffix,
			want: []string{`sessionName "mysession" with the store's options (Path "/", Domain "com")`, "public suffix"}},

		// Methods and headers.
		{name: "no methods: the safelisted ones", check: func(t *testing.T, cfg crosssession.Config) {
			if want := []string{"GET", "HEAD", "POST"}; !slices.Equal(cfg.AllowMethods, want) {
				t.Errorf("AllowMethods = %q, want %q", cfg.AllowMethods, want)
			}
		}},
		{name: "methods uppercased, never-sent ones dropped", mod: func(c *cors.Config) {
			c.AllowMethods = []string{"get", "patch", "TRACE", "OPTIONS", "Patch"}
		}, check: func(t *testing.T, cfg crosssession.Config) {
			if want := []string{"GET", "PATCH", "OPTIONS"}; !slices.Equal(cfg.AllowMethods, want) {
				t.Errorf("AllowMethods = %q, want %q", cfg.AllowMethods, want)
			}
		}},
		{name: "star method", mod: func(c *cors.Config) { c.AllowMethods = []string{"GET", "*"} },
			want: []string{`AllowMethods[1] "*"`, `method named "*"`, "Config.AllowMethods"}},
		{name: "no headers: none", check: func(t *testing.T, cfg crosssession.Config) {
			if cfg.AllowHeaders == nil || len(cfg.AllowHeaders) != 0 {
				t.Errorf("AllowHeaders = %#v, want empty, non-nil", cfg.AllowHeaders)
			}
		}},
		{name: "DefaultConfig's headers", mod: func(c *cors.Config) { c.AllowHeaders = cors.DefaultConfig().AllowHeaders },
			check: func(t *testing.T, cfg crosssession.Config) {
				if want := []string{"Content-Type"}; !slices.Equal(cfg.AllowHeaders, want) {
					t.Errorf("AllowHeaders = %q, want %q", cfg.AllowHeaders, want)
				}
			}},
		{name: "headers canonicalized", mod: func(c *cors.Config) { c.AllowHeaders = []string{"x-csrf-token", "X-CSRF-Token"} },
			check: func(t *testing.T, cfg crosssession.Config) {
				if want := []string{"X-Csrf-Token"}; !slices.Equal(cfg.AllowHeaders, want) {
					t.Errorf("AllowHeaders = %q, want %q", cfg.AllowHeaders, want)
				}
			}},
		{name: "star header with credentials", mod: func(c *cors.Config) { c.AllowHeaders = []string{"*"} },
			want: []string{`AllowHeaders[0] "*"`, `header named "*"`, "Config.AllowHeaders"}},
		{name: "star header without credentials", noSession: true, mod: func(c *cors.Config) {
			c.AllowHeaders, c.AllowCredentials = []string{"*"}, false
		}, want: []string{`AllowHeaders[0] "*"`, "allowed every header"}},
		{name: "response header allowed as a request header", mod: func(c *cors.Config) {
			c.AllowHeaders = []string{"Access-Control-Allow-Origin"}
		}, want: []string{`AllowHeaders[0] "Access-Control-Allow-Origin"`, "response header"}},
		{name: "expose headers", mod: func(c *cors.Config) { c.ExposeHeaders = []string{"x-total-count", "Set-Cookie", "Origin"} },
			check: func(t *testing.T, cfg crosssession.Config) {
				if want := []string{"X-Total-Count"}; !slices.Equal(cfg.ExposeHeaders, want) {
					t.Errorf("ExposeHeaders = %q, want %q", cfg.ExposeHeaders, want)
				}
			}},
		{name: "star expose header", mod: func(c *cors.Config) { c.ExposeHeaders = []string{"*"} },
			want: []string{`ExposeHeaders[0] "*"`, "Config.ExposeHeaders"}},

		// The rest.
		{name: "MaxAge over Chromium's cap", mod: func(c *cors.Config) { c.MaxAge = 12 * time.Hour }, check: maxAge(2 * time.Hour)},
		{name: "MaxAge zero", check: maxAge(0)},
		{name: "MaxAge in whole seconds", mod: func(c *cors.Config) { c.MaxAge = 90*time.Second + 500*time.Millisecond }, check: maxAge(90 * time.Second)},
		{name: "MaxAge under a second", mod: func(c *cors.Config) { c.MaxAge = 500 * time.Millisecond }, check: maxAge(time.Second)},
		{name: "AllowPrivateNetwork", mod: func(c *cors.Config) { c.AllowPrivateNetwork = true }, check: origins(front)},
		{name: "OptionsResponseStatusCode 200", mod: func(c *cors.Config) { c.OptionsResponseStatusCode = 200 }, check: origins(front)},
		{name: "OptionsResponseStatusCode 400", mod: func(c *cors.Config) { c.OptionsResponseStatusCode = 400 },
			want: []string{"cors.Config.OptionsResponseStatusCode is 400", "every preflight failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name, store := cmpOr(tt.session, "mysession"), tt.store
			if store == nil {
				store = newMemStore()
			}
			if tt.noSession {
				name, store = "", nil
			}
			cfg, err := crosssession.FromGinContrib(gcConfig(tt.mod), name, store)
			checkMigrationError(t, err)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("FromGinContrib: %v", err)
				}
				if err := cfg.Validate(); err != nil {
					t.Fatalf("the Config is refused by Validate: %v", err)
				}
				tt.check(t, cfg)
				return
			}
			if err == nil {
				t.Fatalf("no error; want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if cfg.Origins != nil || cfg.Store != nil {
				t.Errorf("a Config came with the error: %+v", cfg)
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func maxAge(want time.Duration) func(*testing.T, crosssession.Config) {
	return func(t *testing.T, cfg crosssession.Config) {
		if cfg.PreflightMaxAge != want {
			t.Errorf("PreflightMaxAge = %v, want %v", cfg.PreflightMaxAge, want)
		}
	}
}

// checkMigrationError checks the form of every message: the package
// prefix, then the gin-contrib field or FromGinContrib argument it is about.
func checkMigrationError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		rest, ok := strings.CutPrefix(line, "crosssession: ")
		if !ok || !(strings.HasPrefix(rest, "cors.Config.") || strings.HasPrefix(rest, "sessionName ") ||
			strings.HasPrefix(rest, "store ")) {
			t.Errorf("message does not start with the prefix and the field: %q", line)
		}
	}
}

// TestFromGinContribReportsEveryProblem: one call lists them all.
func TestFromGinContribReportsEveryProblem(t *testing.T) {
	t.Parallel()
	c := cors.DefaultConfig() // MaxAge 12h, headers Origin and Content-Length: translated, not refused
	c.AllowCredentials = true
	c.AllowWildcard = true
	c.AllowOrigins = []string{"https://app.example.com/", "*", "https://*a.com", `/https://.*\.example\.com/`}
	c.AllowOriginWithContextFunc = func(*gin.Context, string) bool { return false }
	c.AllowHeaders = append(c.AllowHeaders, "*")
	c.ExposeHeaders = []string{"*"}
	c.AllowFiles = true
	_, err := crosssession.FromGinContrib(c, "", nil)
	checkMigrationError(t, err)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 10 {
		t.Errorf("%d problems, want 10 (4 origins, the context func, sessionName, store, a header, expose, files):\n%v",
			len(lines), err)
	}
}

// TestFromGinContribMatchesGinContrib runs each translated origin list
// through gin-contrib/cors and through crosssession: every origin a
// browser can send gets the same answer, except the documented one: a
// ":*" port pattern also allows the default port.
func TestFromGinContribMatchesGinContrib(t *testing.T) {
	t.Parallel()
	corpus := []string{
		"https://app.example.com", "https://a.b.example.com", "https://example.com", "https://evilexample.com",
		"https://app.example.com.evil.com", "http://app.example.com", "https://app.example.com:8443",
		"https://x.example.com:8443", "https://x.example.com:9000", "http://localhost", "http://localhost:3000",
		"http://localhost:5173", "http://localhost.evil.com", "http://127.0.0.1:3000", "https://localhost:3000",
		"https://tenant.test", chromeExt, "tauri://localhost",
		// Not what a browser sends: crosssession never allows these.
		"https://App.example.com", "https://app.example.com:443", "https://app.example.com/", "null",
	}
	tests := []struct {
		origins    []string
		onlyHereOK []string // allowed by crosssession only
	}{
		{origins: []string{"https://*.example.com"}},
		{origins: []string{"https://*.example.com:8443"}},
		{origins: []string{"http://localhost:*"}, onlyHereOK: []string{"http://localhost"}},
		{origins: []string{"https://App.Example.com", "http://127.0.0.1:3000"}},
		{origins: []string{chromeExt, "tauri://localhost"}},
	}
	for _, tt := range tests {
		old := cors.Config{AllowOrigins: tt.origins, AllowWildcard: true, AllowCredentials: true,
			AllowBrowserExtensions: true, CustomSchemas: []string{"tauri://"}}
		cfg, err := crosssession.FromGinContrib(old, "mysession", newMemStore())
		if err != nil {
			t.Fatalf("%q: %v", tt.origins, err)
		}
		cfg.Logger = quiet
		before, after := allowsOrigin(cors.New(old)), allowsOrigin(crosssession.New(cfg))
		for _, o := range corpus {
			gc, cs := before(o), after(o)
			switch {
			case slices.Contains(tt.onlyHereOK, o):
				if !cs || gc {
					t.Errorf("%q, origin %q: gin-contrib %v, crosssession %v; want only crosssession", tt.origins, o, gc, cs)
				}
			case !canonicalOrigin(o):
				if cs {
					t.Errorf("%q: crosssession allows %q, which no browser sends", tt.origins, o)
				}
			case gc != cs:
				t.Errorf("%q, origin %q: gin-contrib %v, crosssession %v", tt.origins, o, gc, cs)
			}
		}
	}
}

func canonicalOrigin(o string) bool {
	return !slices.Contains([]string{"https://App.example.com", "https://app.example.com:443", "https://app.example.com/", "null"}, o)
}

// allowsOrigin reports whether middleware h answers a GET from origin with
// that origin in Access-Control-Allow-Origin.
func allowsOrigin(h gin.HandlerFunc) func(origin string) bool {
	r := gin.New()
	r.Use(h)
	r.GET("/x", func(c *gin.Context) { c.Status(http.StatusOK) })
	return func(o string) bool {
		return serve(r, req("GET", "/x", "Origin", o)).Header().Get("Access-Control-Allow-Origin") == o
	}
}

// TestGinContribBehavioursTheTranslationReadsFrom pins the gin-contrib/cors
// v1.7.7 behaviours FromGinContrib's rules rest on: if one fails, upstream
// changed and the rule should be revisited.
func TestGinContribBehavioursTheTranslationReadsFrom(t *testing.T) {
	t.Parallel()
	preflight := func(cfg cors.Config, origin string) http.Header {
		r := gin.New()
		r.Use(cors.New(cfg))
		return serve(r, req("OPTIONS", "/x", "Origin", origin, "Access-Control-Request-Method", "PUT")).Header()
	}
	allows := func(cfg cors.Config, origin string) bool { return allowsOrigin(cors.New(cfg))(origin) }
	base := cors.Config{AllowOrigins: []string{front}, AllowCredentials: true}
	if !allows(cors.Config{AllowOrigins: []string{"https://App.Example.com"}}, front) {
		t.Error("an uppercase exact entry no longer matches the lowercase origin: gin-contrib stopped lowercasing entries")
	}
	if allows(cors.Config{AllowOrigins: []string{"https://*.Example.com"}, AllowWildcard: true}, "https://a.example.com") {
		t.Error("an uppercase wildcard entry now matches: gin-contrib lowercases wildcard entries")
	}
	if allows(cors.Config{AllowOrigins: []string{"https://*.example.com"}}, "https://a.example.com") {
		t.Error("a pattern matches without AllowWildcard")
	}
	if allows(cors.Config{AllowOrigins: []string{"http://localhost:*"}, AllowWildcard: true}, "http://localhost") {
		t.Error(`"http://localhost:*" now matches http://localhost without a port`)
	}
	if !allows(cors.Config{AllowOrigins: []string{`/https://.*\.example\.com/`}}, "https://x.example.com.evil.com") {
		t.Error("unanchored regular expressions are now anchored")
	}
	h := preflight(base, front)
	for _, k := range []string{"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"} {
		if v := h.Values(k); v != nil {
			t.Errorf("%s = %q with the field empty: gin-contrib now sends a default", k, v)
		}
	}
	withMethods := base
	withMethods.AllowMethods, withMethods.AllowHeaders = []string{"patch"}, []string{"x-csrf-token"}
	h = preflight(withMethods, front)
	if h.Get("Access-Control-Allow-Methods") != "PATCH" || h.Get("Access-Control-Allow-Headers") != "X-Csrf-Token" {
		t.Errorf("methods %q, headers %q: gin-contrib no longer uppercases methods and canonicalizes headers",
			h.Get("Access-Control-Allow-Methods"), h.Get("Access-Control-Allow-Headers"))
	}
}

// TestFromGinContribEndToEnd logs a user in through the gin-contrib stack
// and switches to the translated policy: the session survives, the same
// front end gets credentialed CORS, an unlisted origin gets 403 on an
// unsafe request, and Logout ends the session.
func TestFromGinContribEndToEnd(t *testing.T) {
	t.Parallel()
	gcKey := bytes.Repeat([]byte("g"), 32)
	old := cors.Config{
		AllowOrigins:     []string{"http://localhost:3000", "https://*.example.com"},
		AllowWildcard:    true,
		AllowCredentials: true,
		AllowMethods:     []string{"GET", "POST", "PUT", "DELETE"},
		AllowHeaders:     []string{"Origin", "Content-Type"},
		MaxAge:           12 * time.Hour,
	}
	for _, tt := range []struct {
		name     string
		store    func() sessions.Store
		keys     bool // Store nil, Keys {gcKey}: crosssession's own cookie store
		revoking bool // Logout revokes every copy of the cookie
	}{
		{name: "cookie store", store: func() sessions.Store { return gincookie.NewStore(gcKey) }},
		{name: "cookie store read with Keys", store: func() sessions.Store { return gincookie.NewStore(gcKey) }, keys: true},
		{name: "memory store", store: func() sessions.Store { return newMemStore() }, revoking: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := tt.store()
			before := gin.New()
			before.Use(cors.New(old), sessions.Sessions("mysession", store))
			before.POST("/login", func(c *gin.Context) {
				s := sessions.Default(c)
				s.Set("user", "alice")
				if err := s.Save(); err != nil {
					t.Error(err)
				}
			})
			before.GET("/me", func(c *gin.Context) { c.String(http.StatusOK, "%v", sessions.Default(c).Get("user")) })
			w := serve(before, req("POST", "/login", "Origin", front))
			if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Credentials") != "true" {
				t.Fatalf("login through gin-contrib: %d %v", w.Code, w.Header())
			}
			oldCookie := w.Result().Cookies()[0]

			cfg, err := crosssession.FromGinContrib(old, "mysession", store)
			if err != nil {
				t.Fatal(err)
			}
			if tt.keys {
				cfg.Store, cfg.Keys = nil, [][]byte{gcKey}
			}
			cfg.Logger = quiet
			after := gin.New()
			after.Use(crosssession.New(cfg))
			var ran int
			after.GET("/me", func(c *gin.Context) {
				u, _ := sessions.Default(c).Get("user").(string)
				if u == "" {
					c.Status(http.StatusUnauthorized)
					return
				}
				c.String(http.StatusOK, u)
			})
			after.PUT("/notes", func(c *gin.Context) {
				ran++
				sessions.Default(c).Set("notes", 1) // saved without Save()
				c.Status(http.StatusNoContent)
			})
			after.POST("/logout", func(c *gin.Context) {
				if err := crosssession.Logout(c); err != nil {
					t.Error(err)
				}
				c.Status(http.StatusNoContent)
			})

			// The session survives, with credentialed CORS for the same front end.
			w = serve(after, withCookie(req("GET", "/me", "Origin", front), oldCookie))
			if w.Code != http.StatusOK || w.Body.String() != "alice" {
				t.Fatalf("GET /me after the switch: %d %q", w.Code, w.Body)
			}
			h := w.Header()
			if h.Get("Access-Control-Allow-Origin") != front || h.Get("Access-Control-Allow-Credentials") != "true" ||
				!slices.Contains(h.Values("Vary"), "Origin") {
				t.Errorf("GET /me headers: %v", h)
			}
			// Its preflight, with the translated lists.
			h = serve(after, req("OPTIONS", "/notes", "Origin", front, "Access-Control-Request-Method", "PUT",
				"Access-Control-Request-Headers", "content-type")).Header()
			if h.Get("Access-Control-Allow-Origin") != front || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") ||
				!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") || h.Get("Access-Control-Max-Age") != "7200" {
				t.Errorf("preflight headers: %v", h)
			}
			// An unlisted origin's unsafe request is refused (CSRF), cookie or not.
			if w := serve(after, evilReq("PUT", "/notes", oldCookie)); w.Code != http.StatusForbidden || ran != 0 {
				t.Errorf("PUT from %s: %d, handler ran %d times", evil, w.Code, ran)
			}
			// A change re-issues the cookie, which both stacks read when
			// the store is the same (a rollback keeps the session).
			w = serve(after, withCookie(req("PUT", "/notes", "Origin", front), oldCookie))
			cks := w.Result().Cookies()
			if w.Code != http.StatusNoContent || len(cks) != 1 || cks[0].Name != "mysession" || !cks[0].HttpOnly || !cks[0].Secure {
				t.Fatalf("PUT /notes: %d, cookies %v", w.Code, w.Header().Values("Set-Cookie"))
			}
			fresh := cks[0]
			if w := serve(after, withCookie(req("GET", "/me", "Origin", front), fresh)); w.Body.String() != "alice" {
				t.Errorf("re-issued cookie after the switch: %d %q", w.Code, w.Body)
			}
			back := serve(before, withCookie(req("GET", "/me", "Origin", front), fresh)).Body.String()
			if want := map[bool]string{false: "alice", true: "<nil>"}[tt.keys]; back != want {
				t.Errorf("re-issued cookie read by gin-contrib: %q, want %q", back, want)
			}
			// Logout expires the cookie; with a server-side store every copy stops working.
			w = serve(after, withCookie(req("POST", "/logout", "Origin", front), fresh))
			if cks := w.Result().Cookies(); len(cks) == 0 || cks[0].MaxAge >= 0 {
				t.Errorf("logout: %v", w.Header().Values("Set-Cookie"))
			}
			if tt.revoking {
				if w := serve(after, withCookie(req("GET", "/me", "Origin", front), fresh)); w.Code != http.StatusUnauthorized {
					t.Errorf("GET /me after logout with the old cookie: %d", w.Code)
				}
			}
		})
	}
}

// FuzzFromGinContrib: FromGinContrib never returns a Config that Validate
// refuses, and every message has the prefix and names its field.
func FuzzFromGinContrib(f *testing.F) {
	f.Add("https://app.example.com\nhttps://*.example.com", "Content-Type", "GET\nPUT", uint8(0b1011), int64(12*time.Hour))
	f.Add("http://localhost*\n*", "*", "*", uint8(0xff), int64(-1))
	f.Add(`/^https://(a|b)\.x\.com$/`+"\nHTTPS://X.COM:443/", "origin\ncookie", "trace", uint8(0b0001), int64(time.Millisecond))
	f.Add("chrome-extension://*\ntauri://localhost\nhttp://[::1]:*", "x-a\nx-a", "patch", uint8(0b0111), int64(0))
	f.Fuzz(func(t *testing.T, origins, headers, methods string, flags uint8, age int64) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "\n")
		}
		c := cors.Config{
			AllowOrigins:           split(origins),
			AllowHeaders:           split(headers),
			ExposeHeaders:          split(headers),
			AllowMethods:           split(methods),
			AllowCredentials:       flags&1 != 0,
			AllowWildcard:          flags&2 != 0,
			AllowBrowserExtensions: flags&4 != 0,
			AllowAllOrigins:        flags&8 != 0,
			AllowPrivateNetwork:    flags&16 != 0,
			MaxAge:                 time.Duration(age),
		}
		name, store := "mysession", sessions.Store(newMemStore())
		if flags&32 != 0 {
			name, store = "", nil
		}
		cfg, err := crosssession.FromGinContrib(c, name, store)
		checkMigrationError(t, err)
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("FromGinContrib(%+v) returned a Config Validate refuses: %v", c, verr)
			}
		}
	})
}

// The gin-contrib stack of an API, and the one policy that replaces it.
func ExampleFromGinContrib() {
	store := gincookie.NewStore([]byte("a secret of at least 32 bytes...")) // or redis.NewStore(...)
	old := cors.Config{
		AllowOrigins:     []string{"https://app.example.com", "https://*.example.org"},
		AllowWildcard:    true,
		AllowCredentials: true,
		AllowMethods:     []string{"GET", "POST", "PUT", "DELETE"},
		AllowHeaders:     []string{"Origin", "Content-Type"},
		MaxAge:           12 * time.Hour,
	}
	// Before: r.Use(cors.New(old), sessions.Sessions("mysession", store))
	cfg, err := crosssession.FromGinContrib(old, "mysession", store)
	if err != nil {
		panic(err)
	}
	cfg.Logger = quiet
	r := gin.New()
	r.Use(crosssession.New(cfg))
	r.GET("/me", func(c *gin.Context) { c.String(http.StatusOK, "%v", sessions.Default(c).Get("user")) })
	fmt.Println(cfg.Origins, cfg.AllowMethods, cfg.AllowHeaders, cfg.PreflightMaxAge, cfg.Cookie.Name, cfg.Cookie.MaxAge)
	show(r, "GET", "/me", "Origin", "https://app.example.com")

	// A configuration browsers never honoured, and a wildcard that matched too much.
	old.AllowOrigins = []string{"*", "https://*a.com"}
	_, err = crosssession.FromGinContrib(old, "mysession", store)
	fmt.Println(err)
	// Output:
	// [https://app.example.com https://*.example.org] [GET POST PUT DELETE] [Content-Type] 2h0m0s mysession 720h0m0s
	// GET /me → 200 Allow-Origin=https://app.example.com Allow-Credentials=true
	// crosssession: cors.Config.AllowOrigins[0] "*" allows every origin: gin-contrib/cors answered with Access-Control-Allow-Origin: * and Access-Control-Allow-Credentials: true, which browsers refuse, so no front end got the session through it, and crosssession never allows every origin; list the front ends' origins in AllowOrigins instead (crosssession: Config.Origins), e.g. "https://app.example.com" or "https://*.example.com"
	// crosssession: cors.Config.AllowOrigins[1] "https://*a.com" matched every origin that starts with "https://" and ends with "a.com", e.g. "https://evila.com"; crosssession's patterns stand for whole labels ("*.") or any port (":*"), and it has a wildcard that is part of a label; a wildcard stands for whole labels, as in "*.example.com"; write "https://*.a.com" (and "https://a.com", which it matched too)
}
