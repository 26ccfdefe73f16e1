package crosssession

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// decide is a plain function of the request and the compiled policy.
func TestDecide(t *testing.T) {
	t.Parallel()
	quiet := slog.New(slog.DiscardHandler)
	cfg := Prod(make([]byte, 32), "https://app.example.com", "https://*.example.org")
	cfg.Logger = quiet
	m := mustCompile(cfg)
	bcfg := Bearer("https://app.example.com")
	bcfg.Logger = quiet
	bearer := mustCompile(bcfg)
	other := func(*gin.Context) {}
	type want struct {
		action action
		allow  bool
		csrf   error
	}
	for _, tc := range []struct {
		name     string
		m        *middleware
		method   string
		hdr      []string
		route    gin.HandlerFunc
		fullPath string
		want     want
	}{
		{"no Origin", m, "GET", nil, other, "/x", want{actNext, false, nil}},
		{"exact origin", m, "GET", []string{"Origin", "https://app.example.com"}, other, "/x", want{actNext, true, nil}},
		{"pattern origin", m, "POST", []string{"Origin", "https://a.example.org"}, other, "/x", want{actNext, true, nil}},
		{"unlisted safe", m, "GET", []string{"Origin", "https://evil.test"}, other, "/x", want{actNext, false, nil}},
		{"preflight", m, "OPTIONS", []string{"Origin", "https://evil.test", "Access-Control-Request-Method", "PUT"}, other, "/x",
			want{actPreflight, false, nil}},
		{"OPTIONS without request method", m, "OPTIONS", []string{"Origin", "https://app.example.com"}, other, "/x",
			want{actNext, true, nil}},
		{"a Group's preflight route", m, "OPTIONS", []string{"Origin", "https://app.example.com", "Access-Control-Request-Method", "PUT"},
			groupPreflight, "/users/*path", want{actDefer, true, nil}},
		{"unlisted cross-site POST", m, "POST", []string{"Origin", "https://evil.test", "Sec-Fetch-Site", "cross-site"}, other, "/x",
			want{actForbid, false, errors.New("")}},
		{"two Origin headers", m, "DELETE", []string{"Origin", "https://app.example.com", "Origin", "https://evil.test"}, other, "/x",
			want{actForbid, false, errMultipleOrigins}},
		{"bearer: no CSRF check", bearer, "POST", []string{"Origin", "https://evil.test", "Sec-Fetch-Site", "cross-site"}, other, "/x",
			want{actNext, false, nil}},
	} {
		r := httptest.NewRequest(tc.method, "http://api.example.com/x", nil)
		for i := 0; i+1 < len(tc.hdr); i += 2 {
			r.Header.Add(tc.hdr[i], tc.hdr[i+1])
		}
		d := tc.m.decide(r, tc.route, tc.fullPath)
		got := want{d.action, d.allow, d.csrf}
		if got.action != tc.want.action || got.allow != tc.want.allow ||
			(got.csrf == nil) != (tc.want.csrf == nil) || (tc.want.csrf == errMultipleOrigins && got.csrf != errMultipleOrigins) {
			t.Errorf("%s: decide = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := (&middleware{}).decide(httptest.NewRequest(http.MethodGet, "/", nil), nil, ""); got.action != actNext {
		t.Errorf("zero policy: %+v", got)
	}
}
