package crosssession_test

import (
	"strings"
	"testing"

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
