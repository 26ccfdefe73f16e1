package crosssession_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
)

// TestAllowMethodsFollowFetch: fetch uppercases DELETE, GET, HEAD, OPTIONS,
// POST and PUT and sends every other method as written; browsers compare
// the allowed methods case-sensitively. A method is refused only when no
// browser could send it as listed, and the message says what fetch does.
func TestAllowMethodsFollowFetch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method string
		want   string // "" means accepted
	}{
		{"PATCH", ""},
		{"patch", ""}, // fetch sends "patch" as written
		{"getaway", ""},
		{"PROPFIND", ""},
		{"Patch", ""},
		{"delete", `fetch never sends: it uppercases delete to "DELETE" before sending; write "DELETE"`},
		{"Get", `uppercases Get to "GET"`},
		{"options", `uppercases options to "OPTIONS"`},
		{"post", `"POST"`},
		{"put", `"PUT"`},
		{"head", `"HEAD"`},
		{"TRACE", "forbidden method"},
		{"connect", "forbidden method"},
		{"Track", "forbidden method"},
		{"*", "method named *"},
		{"GET POST", "not a method name"},
		{"", "not a method name"},
	} {
		cfg := prodCfg()
		cfg.AllowMethods = []string{tc.method}
		assertValidate(t, "AllowMethods "+tc.method, cfg, tc.want)
	}
}

// TestLowercaseMethodWarns: "patch" is valid but matches only a front end
// that writes method: 'patch'; the startup report says so unless PATCH is
// listed too.
func TestLowercaseMethodWarns(t *testing.T) {
	t.Parallel()
	cfg := prodCfg()
	cfg.AllowMethods = []string{"GET", "patch"}
	if r := cfg.Report(); !strings.Contains(r, `warning:   AllowMethods lists "patch" but not "PATCH"`) {
		t.Errorf("report lacks the warning:\n%s", r)
	}
	cfg.AllowMethods = []string{"PATCH", "patch"}
	if r := cfg.Report(); strings.Contains(r, "AllowMethods lists") {
		t.Errorf("warning with both spellings listed:\n%s", r)
	}
}

// TestHeaderNamesBrowsersIgnore: request headers a script can never set,
// response headers listed as request headers, and response headers
// browsers never expose are refused with the reason; ordinary names pass.
func TestHeaderNamesBrowsersIgnore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		allow, expose string
		want          string
	}{
		{allow: "X-Tenant-Id"},
		{allow: "Content-Type"},
		{allow: "X-HTTP-Method-Override"},
		{allow: "Authorization"},
		{allow: "Connection", want: "forbidden request header"},
		{allow: "sec-ch-ua", want: "forbidden request header"},
		{allow: "Sec-Fetch-Mode", want: "forbidden request header"},
		{allow: "Proxy-Authorization", want: "forbidden request header"},
		{allow: "Cookie", want: "forbidden request header"},
		{allow: "Origin", want: "forbidden request header"},
		{allow: "Access-Control-Request-Headers", want: "forbidden request header"},
		{allow: "Access-Control-Allow-Origin", want: "is a response header"},
		{allow: "access-control-allow-credentials", want: "is a response header"},
		{allow: "Access-Control-Max-Age", want: "is a response header"},
		{expose: "X-Request-Id"},
		{expose: "Content-Disposition"},
		{expose: "Access-Control-Allow-Origin"},
		{expose: "Set-Cookie", want: "never expose to scripts"},
		{expose: "set-cookie2", want: "never expose to scripts"},
		{expose: "Access-Control-Request-Method", want: "is a request header"},
		{expose: "Origin", want: "is a request header"},
		{expose: "Sec-Fetch-Site", want: "is a request header"},
		{expose: "X Total", want: "not a header name"},
	} {
		cfg := prodCfg()
		name := "ExposeHeaders " + tc.expose
		if tc.allow != "" {
			cfg.AllowHeaders = []string{tc.allow}
			name = "AllowHeaders " + tc.allow
		} else {
			cfg.ExposeHeaders = []string{tc.expose}
		}
		assertValidate(t, name, cfg, tc.want)
	}
}

// assertValidate checks that cfg is valid (want == "") or that Validate
// names the problem with want in its message.
func assertValidate(t *testing.T, name string, cfg crosssession.Config, want string) {
	t.Helper()
	err := cfg.Validate()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: refused: %v", name, err)
	case want != "" && err == nil:
		t.Errorf("%s: accepted, want an error containing %q", name, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: %v\nwant it to contain %q", name, err, want)
	}
}

// TestAppOriginsInEveryPolicy: app and extension origins (mobile and
// desktop shells, browser extensions) are real front ends; a Bearer policy
// takes them (it panicked before), and so do the session presets.
func TestAppOriginsInEveryPolicy(t *testing.T) {
	t.Parallel()
	apps := []string{"https://app.example.com", "capacitor://localhost", "ionic://localhost", "tauri://localhost",
		"chrome-extension://abcdefghijklmnopabcdefghijklmnop"}
	for name, cfg := range map[string]crosssession.Config{
		"Bearer": crosssession.Bearer(apps...), "Prod": prodCfg(apps...), "Dev": crosssession.Dev(apps...),
	} {
		assertValidate(t, name, cfg, "")
		a := newApp(t, cfg)
		w := serve(a, req("GET", "/plain", "Origin", "capacitor://localhost"))
		if w.Header().Get("Access-Control-Allow-Origin") != "capacitor://localhost" {
			t.Errorf("%s: %v", name, w.Header())
		}
	}
}

func TestValidateBadConfigs(t *testing.T) {
	t.Parallel()
	short := []byte("too short")
	with := func(f func(*crosssession.Config)) crosssession.Config {
		c := prodCfg()
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  crosssession.Config
		want string
	}{
		{"zero Config", crosssession.Config{}, "no Origins"},
		{"Prod without origins", crosssession.Prod(testKey), "no Origins"},
		{"Bearer without origins", crosssession.Bearer(), `no Origins: list the front end's origins, e.g. crosssession.Bearer("https://app.example.com")`},
		{"Prod nil key", crosssession.Prod(nil, "https://app.example.com"), "Keys[0] is 0 bytes; a key must be at least 32 random bytes"},
		{"Prod short key", crosssession.Prod(short, "https://app.example.com"), "Keys[0] is 9 bytes"},
		{"old key short", with(func(c *crosssession.Config) { c.Keys = append(c.Keys, short) }), "Keys[1] is 9 bytes"},
		{"Prod no keys", with(func(c *crosssession.Config) { c.Keys = nil }), "Production needs a key"},
		{"star", prodCfg("*"), `origin "*" allows every site`},
		{"null", prodCfg("null"), `origin "null"`},
		{"trailing slash", prodCfg("https://app.example.com/"), `did you mean "https://app.example.com"?`},
		{"no scheme", prodCfg("app.example.com"), `origin "app.example.com" has no scheme`},
		{"public suffix wildcard", prodCfg("https://*.vercel.app"), `public suffix "vercel.app"`},
		{"Prod plain http", prodCfg("http://app.example.com"), "plain http, which Production allows only for loopback"},
		{"duplicate", prodCfg("https://a.example.com", "https://a.example.com"), "listed twice"},
		{"None without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie.Name, c.Cookie.Insecure, c.Cookie.SameSite = crosssession.Development, "sid", true, http.SameSiteNoneMode
		}),
			`cookie "sid" is SameSite=None without Secure`},
		{"Partitioned without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie.Name, c.Cookie.Insecure, c.Cookie.Partitioned = crosssession.Development, "sid", true, true
		}), "Partitioned without Secure"},
		{"__Host- with Domain", with(func(c *crosssession.Config) { c.Cookie.Domain = "example.com" }), "__Host- prefix, which forbids a Domain"},
		{"__Host- with Path", with(func(c *crosssession.Config) { c.Cookie.Path = "/api" }), `__Host- prefix, which requires Path "/"`},
		{"__host- lowercase without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie = crosssession.Development, crosssession.Cookie{Name: "__host-sid", Insecure: true}
		}), "__Host- prefix, which browsers accept only with Secure"},
		{"__Secure- without Secure", with(func(c *crosssession.Config) {
			c.Mode, c.Cookie = crosssession.Development, crosssession.Cookie{Name: "__SECURE-sid", Insecure: true}
		}), "__Secure- prefix, which browsers accept only with Secure"},
		{"Domain public suffix", with(func(c *crosssession.Config) { c.Cookie.Name, c.Cookie.Domain = "sid", "vercel.app" }), `Cookie.Domain "vercel.app" is a public suffix`},
		{"Domain leading dot", with(func(c *crosssession.Config) { c.Cookie.Name, c.Cookie.Domain = "sid", ".example.com" }), `write "example.com"`},
		{"Insecure in Production", with(func(c *crosssession.Config) { c.Cookie = crosssession.Cookie{Name: "sid", Insecure: true} }), "Insecure in Production"},
		{"SameSite default", with(func(c *crosssession.Config) { c.Cookie.SameSite = http.SameSiteDefaultMode }), "SameSite=Default"},
		{"bad cookie name", with(func(c *crosssession.Config) { c.Cookie.Name = "bad name" }), `cookie "bad name" is not a valid cookie`},
		{"negative MaxAge", with(func(c *crosssession.Config) { c.Cookie.MaxAge = -time.Second }), "is negative"},
		{"star method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"*"} }), "method named *"},
		{"lowercase normalized method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"delete"} }), `uppercases delete to "DELETE"`},
		{"forbidden method", with(func(c *crosssession.Config) { c.AllowMethods = []string{"TRACE"} }), "forbidden method"},
		{"star header", with(func(c *crosssession.Config) { c.AllowHeaders = []string{"*"} }), "header named *"},
		{"bad expose header", with(func(c *crosssession.Config) { c.ExposeHeaders = []string{"X Total"} }), `"X Total", which is not a header name`},
		{"tiny preflight max age", with(func(c *crosssession.Config) { c.PreflightMaxAge = time.Millisecond }), "under one second"},
		{"unknown mode", with(func(c *crosssession.Config) { c.Mode = 7 }), "Mode Mode(7) is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() =\n%v\nwant it to contain %q", err, tc.want)
			}
			for line := range strings.SplitSeq(err.Error(), "\n") {
				if !strings.HasPrefix(line, "crosssession: ") {
					t.Errorf("error line %q lacks the crosssession: prefix", line)
				}
			}
			defer func() {
				p := recover()
				perr, ok := p.(error)
				if !ok || perr.Error() != err.Error() {
					t.Errorf("New panicked with %v, want Validate's error", p)
				}
			}()
			crosssession.New(tc.cfg)
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	cfg := crosssession.Prod([]byte("short"), "*", "https://app.example.com/", "http://api.example.com")
	cfg.Cookie.Domain = "example.com"
	err := cfg.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 5 {
		t.Fatalf("Validate() =\n%v\nwant 5 joined problems", err)
	}
	for _, cfg := range []crosssession.Config{crosssession.Dev(), crosssession.Dev("http://localhost:5173"), prodCfg(), crosssession.Bearer("https://app.example.com")} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("preset %+v: Validate() = %v", cfg.Origins, err)
		}
	}
}
