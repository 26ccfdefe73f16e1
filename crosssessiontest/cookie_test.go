package crosssessiontest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	cst "github.com/crosssession/crosssession/crosssessiontest"
)

// echo sets the cookies of its c query parameters and answers with the
// Cookie header it got; CORS for any origin, with credentials.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT")
	}
	for _, c := range r.URL.Query()["c"] {
		w.Header().Add("Set-Cookie", c)
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Write([]byte(r.Header.Get("Cookie")))
})

func set(base string, cookies ...string) string {
	q := url.Values{"c": cookies}
	return base + "?" + q.Encode()
}

func echoBrowser(p cst.Profile, hosts ...string) *cst.Browser {
	b := cst.New(p)
	for _, h := range hosts {
		b.Serve(h, echo)
	}
	return b
}

var inc = cst.Init{Credentials: cst.Include}

func reasons(rs []cst.CookieRefusal) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name+"/"+r.Stage+":"+r.Reason)
	}
	return out
}

// TestExpiry: Max-Age and Expires; Max-Age <= 0 or a past date deletes.
func TestExpiry(t *testing.T) {
	b := echoBrowser(cst.Chromium, "api.example.com")
	page := b.Open(app)
	page.Fetch(set(api+"/", "a=1; Max-Age=60; Path=/", "b=2; Path=/", "c=3; Expires=Wed, 01 Jan 2099 00:00:00 GMT; Path=/",
		"d=4; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Path=/"), inc)
	if got := page.Fetch(api+"/", inc).Body; got != "a=1; b=2; c=3; d=4" {
		t.Errorf("stored: %q", got)
	}
	page.Fetch(set(api+"/", "a=; Max-Age=0; Path=/", "c=; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Path=/"), inc)
	if got := page.Fetch(api+"/", inc).Body; got != "b=2; d=4" {
		t.Errorf("after deleting a and c: %q", got)
	}
	b.Advance(61 * time.Second)
	if got := page.Fetch(api+"/", inc).Body; got != "b=2" {
		t.Errorf("after 61 s: %q", got)
	}
	page.Fetch(set(api+"/", "e=5; Max-Age=-1; Path=/"), inc) // never stored
	if got := page.Fetch(api+"/", inc).Body; got != "b=2" {
		t.Errorf("a negative Max-Age stored the cookie: %q", got)
	}
}

// TestCookieAttributes: size, Domain, Path, prefixes, Partitioned.
func TestCookieAttributes(t *testing.T) {
	big := strings.Repeat("v", 4096)
	cases := []struct {
		name    string
		profile cst.Profile
		set     string
		fetch   string // URL fetched afterwards; "" = api/
		sent    string // its Cookie header
		refused string // the refusal of the Set-Cookie ("" = stored)
	}{
		{name: "4096 bytes", set: "a=" + big[:4095] + "; Path=/", sent: "a=" + big[:4095]},
		{name: "4097 bytes", set: "a=" + big + "; Path=/", refused: cst.ReasonTooLarge},
		{name: "host-only", set: "a=1; Path=/", fetch: "https://www.api.example.com/", sent: ""},
		{name: "Domain", set: "a=1; Domain=example.com; Path=/", fetch: "https://www.example.com/", sent: "a=1"},
		{name: "Domain with dot", set: "a=1; Domain=.EXAMPLE.com; Path=/", fetch: "https://example.com/", sent: "a=1"},
		{name: "Domain elsewhere", set: "a=1; Domain=other.com", refused: cst.ReasonInvalidDomain},
		{name: "Domain public suffix", set: "a=1; Domain=com", refused: cst.ReasonInvalidDomain},
		{name: "default path", set: "a=1", fetch: api + "/dir/x", sent: "a=1"},
		{name: "default path elsewhere", set: "a=1", fetch: api + "/other", sent: ""},
		{name: "path prefix needs a slash", set: "a=1; Path=/di", fetch: api + "/dir/x", sent: ""},
		{name: "__Host- with Domain", set: "__Host-a=1; Secure; Path=/; Domain=api.example.com", refused: cst.ReasonInvalidPrefix},
		{name: "__HOST- without Path=/", set: "__HOST-a=1; Secure", refused: cst.ReasonInvalidPrefix},
		{name: "__secure- without Secure", set: "__secure-a=1; Path=/", refused: cst.ReasonInvalidPrefix},
		{name: "__Host- valid", set: "__Host-a=1; Secure; Path=/", sent: "__Host-a=1"},
		{name: "Partitioned without Secure", set: "a=1; Partitioned; Path=/", refused: cst.ReasonInvalidPartitioned},
		{name: "Partitioned without Secure, WebKit", profile: cst.WebKit, set: "a=1; Partitioned; Path=/", sent: "a=1"},
		{name: "None without Secure, WebKit", profile: cst.WebKit, set: "a=1; SameSite=None; Path=/", sent: "a=1"},
		{name: "invalid SameSite is unset", set: "a=1; SameSite=Bogus; Path=/", sent: "a=1"},
		// The Path is ignored, so the default path /dir applies.
		{name: "attribute over 1024 bytes ignored", set: "a=1; Path=/" + strings.Repeat("p", 1024), fetch: api + "/dir/x", sent: "a=1"},
		{name: "attribute of 1024 bytes kept", set: "a=1; Path=/" + strings.Repeat("p", 1023), fetch: api + "/dir/x", sent: ""},
	}
	for _, c := range cases {
		b := echoBrowser(c.profile, "example.com", "api.example.com", "www.example.com", "www.api.example.com")
		page := b.Open(app)
		res := page.Fetch(set(api+"/dir/login", c.set), inc)
		if got := reasons(res.Refused); c.refused != "" && (len(got) != 1 || !strings.HasSuffix(got[0], ":"+c.refused)) ||
			c.refused == "" && len(got) != 0 {
			t.Errorf("%s: refused %v, want %q", c.name, got, c.refused)
		}
		if c.refused != "" {
			continue
		}
		target := c.fetch
		if target == "" {
			target = api + "/"
		}
		if got := page.Fetch(target, inc).Body; got != c.sent {
			t.Errorf("%s: %s got Cookie %q, want %q", c.name, target, got, c.sent)
		}
	}
}

// TestCookieOrder: longer paths first, then older cookies first.
func TestCookieOrder(t *testing.T) {
	b := echoBrowser(cst.Firefox, "api.example.com")
	page := b.Open(app)
	page.Fetch(set(api+"/", "b=1; Path=/", "a=1; Path=/x", "c=1; Path=/"), inc)
	if got := page.Fetch(api+"/x/y", inc).Body; got != "a=1; b=1; c=1" {
		t.Errorf("order: %q", got)
	}
	page.Fetch(set(api+"/", "b=2; Path=/"), inc) // replacing keeps the creation time
	if got := page.Fetch(api+"/x/y", inc).Body; got != "a=1; b=2; c=1" {
		t.Errorf("after replacing b: %q", got)
	}
}

// TestNoCredentials: without credentials: 'include' no cookie goes and
// Set-Cookie is ignored, each with the reason no-cookie; same-origin
// requests include credentials by default.
func TestNoCredentials(t *testing.T) {
	b := echoBrowser(cst.Chromium, "api.example.com")
	page := b.Open(app)
	res := page.Fetch(set(api+"/", "a=1; Path=/"), cst.Init{})
	if got := reasons(res.Refused); !slices.Equal(got, []string{"a/set:no-cookie"}) {
		t.Errorf("default credentials: %v", got)
	}
	page.Fetch(set(api+"/", "a=1; Path=/"), inc)
	res = page.Fetch(api+"/", cst.Init{Credentials: cst.Omit})
	if got := reasons(res.Refused); res.Body != "" || !slices.Equal(got, []string{"a/send:no-cookie"}) {
		t.Errorf("omit: sent %q, refused %v", res.Body, got)
	}
	if got := b.Open(api+"/").Fetch("/", cst.Init{}).Body; got != "a=1" {
		t.Errorf("same-origin default: %q", got)
	}
	// A preflight never sets a cookie.
	res = page.Fetch(set(api+"/", "p=1; Path=/"), cst.Init{Method: "PUT", Credentials: cst.Include})
	if got := reasons(res.Refused); !slices.Equal(got, []string{"p/set:cookie-on-preflight"}) {
		t.Errorf("preflight: %v", got)
	}
}

// TestSecureNotSentOverHTTP: a Secure cookie stays on https.
func TestSecureNotSentOverHTTP(t *testing.T) {
	b := echoBrowser(cst.Chromium, "api.example.com")
	b.Open(app).Fetch(set(api+"/", "a=1; Secure; Path=/", "b=1; Path=/"), inc)
	res := b.Open("http://app.example.com").Fetch("http://api.example.com/", inc)
	if got := reasons(res.Refused); res.Body != "b=1" || !slices.Equal(got, []string{"a/send:cookie-secure-over-http"}) {
		t.Errorf("sent %q, refused %v", res.Body, got)
	}
}

// TestTopLevelNavigationCookies: SameSite on top-level navigations, and
// Chromium's two-minute Lax+POST for cookies without SameSite
// (BROWSER-RULES 15, 19, 22).
func TestTopLevelNavigationCookies(t *testing.T) {
	for _, p := range cst.Profiles {
		b := echoBrowser(p, "api.example.com")
		home := b.Open(api + "/")
		home.Navigate(set(api+"/", "lax=1; SameSite=Lax; Secure; Path=/", "strict=1; SameSite=Strict; Secure; Path=/",
			"unset=1; Secure; Path=/", "none=1; SameSite=None; Secure; Path=/"))
		evil := b.Open("https://evil.example.net/")
		get := evil.Navigate(api + "/")
		if want := "lax=1; unset=1; none=1"; get.Body != want {
			t.Errorf("%s: cross-site GET navigation sent %q, want %q", p, get.Body, want)
		}
		evil = b.Open("https://evil.example.net/")
		post := evil.SubmitForm(api+"/", url.Values{})
		// Firefox and WebKit: no Lax by default, unset is None; Chromium:
		// Lax+POST, unset and younger than two minutes.
		want := "unset=1; none=1"
		if post.Body != want {
			t.Errorf("%s: cross-site POST navigation sent %q, want %q (refused %v)", p, post.Body, want, reasons(post.Refused))
		}
		b.Advance(3 * time.Minute)
		evil = b.Open("https://evil.example.net/")
		post = evil.SubmitForm(api+"/", url.Values{})
		want = "unset=1; none=1"
		if p == cst.Chromium || p == cst.ChromiumThirdPartyAllowed {
			want = "none=1"
		}
		if post.Body != want {
			t.Errorf("%s: cross-site POST navigation after 3 minutes sent %q, want %q", p, post.Body, want)
		}
		same := b.Open("https://app.example.com/").Navigate(api + "/")
		if want := "lax=1; strict=1; unset=1; none=1"; same.Body != want {
			t.Errorf("%s: same-site navigation sent %q, want %q", p, same.Body, want)
		}
	}
}

// TestFirstPartyCookieOnCrossSiteFetch: a cookie stored first-party on a
// top-level visit to the API, then read by a cross-site front end's fetch
// and expired by its logout (e2e tables, c-hybrid-prod-cross-site-form:
// WebKitGTK sends it and refuses the expiry, so the session outlives
// logout).
func TestFirstPartyCookieOnCrossSiteFetch(t *testing.T) {
	want := map[cst.Profile]struct{ sent, sendRefusal, logoutRefusal, after string }{
		cst.Chromium:                  {"", "s/send:cookie-third-party", "s/set:cookie-third-party", ""},
		cst.ChromiumThirdPartyAllowed: {"s=1", "", "", ""},
		cst.Firefox:                   {"", "s/send:cookie-other-partition", "", ""},
		cst.WebKit:                    {"s=1", "", "s/set:cookie-third-party", "s=1"},
	}
	for _, p := range cst.Profiles {
		w := want[p]
		b := echoBrowser(p, "api.example.com")
		spa := b.Open("https://myapp.vercel.app/")
		spa.Navigate(set(api+"/login", "s=1; SameSite=None; Secure; Path=/"))
		spa.Navigate("https://myapp.vercel.app/")
		me := spa.Fetch(api+"/me", inc)
		if me.Body != w.sent || strings.Join(reasons(me.Refused), ",") != w.sendRefusal {
			t.Errorf("%s: who-am-I sent %q, refused %v", p, me.Body, reasons(me.Refused))
		}
		logout := spa.Fetch(set(api+"/logout", "s=; Max-Age=0; SameSite=None; Secure; Path=/"), inc)
		var setRefusals []string
		for _, r := range logout.Refused {
			if r.Stage == cst.StageSet {
				setRefusals = append(setRefusals, r.Name+"/"+r.Stage+":"+r.Reason)
				if !r.Expiry {
					t.Errorf("%s: the refused logout cookie is an expiry", p)
				}
			}
		}
		if got := strings.Join(setRefusals, ","); got != w.logoutRefusal {
			t.Errorf("%s: logout refused %q, want %q", p, got, w.logoutRefusal)
		}
		if after := spa.Fetch(api+"/me", inc).Body; after != w.after {
			t.Errorf("%s: after logout sent %q, want %q", p, after, w.after)
		}
	}
}

// TestPartitionedCookieOfNavigation: a Partitioned cookie set during a
// top-level navigation to the API lands in the API's own partition, and
// the cross-site front end's fetches do not read it (e2e tables,
// c-hybrid-prod-cross-site-form in Chromium and Firefox).
func TestPartitionedCookieOfNavigation(t *testing.T) {
	for _, p := range []cst.Profile{cst.Chromium, cst.ChromiumThirdPartyAllowed, cst.Firefox} {
		b := echoBrowser(p, "api.example.com")
		spa := b.Open("https://myapp.vercel.app/")
		spa.SubmitForm(set(api+"/login", "s=1; SameSite=None; Secure; Partitioned; Path=/"), url.Values{"user": {"alice"}})
		if cs := b.Cookies(api+"/", ""); len(cs) != 1 || cs[0].Partition != "https://example.com" {
			t.Errorf("%s: jar %+v", p, cs)
		}
		spa.Navigate("https://myapp.vercel.app/")
		me := spa.Fetch(api+"/me", inc)
		if me.Body != "" || !slices.Equal(reasons(me.Refused), []string{"s/send:cookie-other-partition"}) {
			t.Errorf("%s: sent %q, refused %v", p, me.Body, reasons(me.Refused))
		}
		if cs := b.Cookies(api+"/", spa.Site()); len(cs) != 0 {
			t.Errorf("%s: the front end's partition holds %+v", p, cs)
		}
	}
}

// TestRefusalDetails: reasons come with every applicable code and a
// sentence.
func TestRefusalDetails(t *testing.T) {
	b := echoBrowser(cst.Chromium, "api.example.com")
	res := b.Open("https://myapp.vercel.app").Fetch(set(api+"/", "s=1; SameSite=Lax; Secure; Path=/"), inc)
	if len(res.Refused) != 1 {
		t.Fatalf("refused %v", res.Refused)
	}
	r := res.Refused[0]
	if r.Reason != cst.ReasonThirdParty || !slices.Equal(r.Reasons, []string{cst.ReasonThirdParty, cst.ReasonSameSiteCrossSite}) ||
		r.Stage != cst.StageSet || r.Detail == "" || r.Expiry || !strings.HasPrefix(r.URL, api) ||
		!strings.HasPrefix(r.String(), "s (set): cookie-third-party: ") {
		t.Errorf("%+v", r)
	}
	if got := res.RefusedNames(); !slices.Equal(got, []string{"s/set:cookie-third-party"}) {
		t.Errorf("RefusedNames %v", got)
	}
}

// TestSites: the profiles' sites, which key partitions.
func TestSites(t *testing.T) {
	for _, c := range []struct {
		p         cst.Profile
		url, site string
	}{
		{cst.Chromium, "https://a.b.example.com:8443/x", "https://example.com"},
		{cst.Chromium, "https://myapp.vercel.app", "https://myapp.vercel.app"},
		{cst.Chromium, "http://localhost:3000", "http://localhost"},
		{cst.Chromium, "http://app.localhost:3000", "http://app.localhost"},
		{cst.Chromium, "http://127.0.0.1:3000", "http://127.0.0.1"},
		{cst.Chromium, "http://[::1]:3000", "http://[::1]"},
		{cst.Chromium, "https://api.example.test", "https://example.test"},
		{cst.Firefox, "https://api.example.test", "https://example.test"},
		{cst.WebKit, "https://api.example.test", "https://api.example.test"},
		{cst.WebKit, "https://api.example.com", "https://example.com"},
		{cst.Chromium, "https://github.io", "https://github.io"},
	} {
		if got := c.p.Site(c.url); got != c.site {
			t.Errorf("%s.Site(%q) = %q, want %q", c.p, c.url, got, c.site)
		}
	}
	names := []string{}
	for _, p := range cst.Profiles {
		names = append(names, p.String())
	}
	if !slices.Equal(names, []string{"chromium", "chromium-3pc", "firefox", "webkit"}) || cst.Profile(9).String() != "unknown" {
		t.Errorf("names %v", names)
	}
}

// TestConcurrentPages: pages of one browser share the jar safely (run
// with -race).
func TestConcurrentPages(t *testing.T) {
	b := echoBrowser(cst.Firefox, "api.example.com")
	done := make(chan string)
	for i := range 8 {
		go func() {
			page := b.Open(app)
			page.Fetch(set(api+"/", "c"+string(rune('a'+i))+"=1; Path=/"), inc)
			page.Navigate(api + "/")
			done <- page.Fetch(api+"/", inc).Body
		}()
	}
	for range 8 {
		<-done
	}
	if n := len(b.Cookies(api+"/", "")); n != 8 {
		t.Errorf("%d cookies, want 8", n)
	}
}
