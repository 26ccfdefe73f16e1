package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cst "github.com/crosssession/crosssession/crosssessiontest"
)

// clientPage is a page of crosssessiontest's Browser, the test client that
// behaves like the engines per profile, so that the scenarios run in it
// as written (scenarios_test.go, flow_test.go) against the same servers
// the engines talk to: the cell's own httptest servers on 127.0.0.1, over
// real TLS with the suite's certificate, reached by the same names (every
// test name goes to 127.0.0.1, as the engines' resolver rules send it),
// through Browser.Client. It runs no JavaScript: each script the flows
// run is one of scripts_test.go's, whose action it performs with the
// client (Fetch, SubmitForm, Navigate), and the SPA page's own script,
// the README's Handoff redeem line, runs as Page.RedeemHandoff when a
// navigation lands on the SPA page.
type clientPage struct {
	t       *testing.T
	b       *cst.Browser
	profile cst.Profile
	tr      *http.Transport

	mu      sync.Mutex
	pg      *cst.Page
	doc     string // the current document's text
	handoff string // window.handoff of the current document
	log     []clientRequest
	marks   map[string]int // CookieEvents' position in log, per origin
}

// clientRequest is one request the client sent (preflights left out), with
// the cookies it refused on it.
type clientRequest struct {
	ex      cst.Exchange
	refused []cst.CookieRefusal
	include bool // sent with credentials
}

// blankPage stands for the page a new browser tab starts on: the client's
// pages need an http(s) location, and this one is never requested, so the
// front ends' pages come from their servers (a page opened with Open is a
// front end whose navigations the client answers itself).
const blankPage = "http://about-blank.invalid/"

// clientProfile returns the test client's profile of an engine profile.
func clientProfile(id string) (cst.Profile, bool) {
	for _, p := range cst.Profiles {
		if p.String() == id {
			return p, true
		}
	}
	return 0, false
}

func newClientPage(t *testing.T, p cst.Profile) *clientPage {
	cert := certificate(t)
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatalf("parsing the test certificate: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	tr := &http.Transport{
		// Every name the engines know goes to 127.0.0.1, as their resolver
		// rules and /etc/hosts send it; the port is the URL's.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if host != "localhost" && host != "127.0.0.1" && !slices.Contains(testNames, host) {
				return nil, &net.DNSError{Err: "no such host (not a test name)", Name: host, IsNotFound: true}
			}
			return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
		// The certificate is verified against its name, as the engines
		// would without their ignore-certificate-errors switches.
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2: false,
	}
	b := cst.New(p)
	b.Client = &http.Client{Transport: tr, Timeout: navTimeout}
	return &clientPage{t: t, b: b, profile: p, tr: tr, handoff: "undefined", marks: map[string]int{}}
}

// record notes a response's requests and refusals, for CookieEvents;
// include says the requests went with credentials.
func (p *clientPage) record(r *cst.Response, include bool) {
	if r == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	used := make([]bool, len(r.Refused))
	for _, ex := range r.Trace {
		if ex.Preflight {
			continue
		}
		cr := clientRequest{ex: ex, include: include}
		for i, rf := range r.Refused {
			if !used[i] && rf.URL == ex.URL {
				used[i] = true
				cr.refused = append(cr.refused, rf)
			}
		}
		p.log = append(p.log, cr)
	}
}

// page returns the tab, opening it on blankPage the first time.
func (p *clientPage) page() *cst.Page {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pg == nil {
		p.pg = p.b.Open(blankPage)
	}
	return p.pg
}

var apiConst = regexp.MustCompile(`const API = ("(?:[^"\\]|\\.)*");`)

// loaded is what the page does once a navigation has answered: the new
// document replaces the old one and, if it is the SPA page, its script
// runs: the README's redeem line, then window.handoff = 'done'.
func (p *clientPage) loaded(r *cst.Response) {
	p.record(r, true)
	if r.Err == nil && (r.Status == http.StatusNoContent || r.Status == http.StatusResetContent) {
		return // the page stays where it was
	}
	p.mu.Lock()
	p.doc, p.handoff = r.Body, "undefined"
	p.mu.Unlock()
	if r.Err != nil {
		p.mu.Lock()
		p.doc = r.Err.Error()
		p.mu.Unlock()
		return
	}
	if !strings.Contains(r.Body, redeemLine) {
		return
	}
	var api string
	m := apiConst.FindStringSubmatch(r.Body)
	if m == nil || json.Unmarshal([]byte(m[1]), &api) != nil {
		p.setHandoff("threw ReferenceError: API is not defined")
		return
	}
	p.setHandoff("running")
	// redeemLine: fetch(API + '/users/session', {credentials: 'include',
	// headers: {'X-Crosssession-Handoff': code + ' ' + verifier}}), then
	// sessionStorage.removeItem and replaceState.
	res := p.page().RedeemHandoff(api + "/users/session")
	p.record(res, true)
	if res != nil && res.Err != nil {
		p.setHandoff("threw TypeError: Failed to fetch")
		return
	}
	p.setHandoff("done")
}

func (p *clientPage) setHandoff(s string) {
	p.mu.Lock()
	p.handoff = s
	p.mu.Unlock()
}

func (p *clientPage) Navigate(u string) error {
	r := p.page().Navigate(u)
	p.loaded(r)
	return r.Err
}

// Eval performs what a script of scripts_test.go does, or reads a probe.
func (p *clientPage) Eval(expr string) (json.RawMessage, error) {
	if a, ok := actionOf(expr); ok {
		switch a.kind {
		case actFetch:
			init, err := fetchInit(a.opts)
			if err != nil {
				return nil, err
			}
			pg := p.page()
			r := pg.Fetch(a.url, init)
			p.record(r, init.Credentials == cst.Include ||
				init.Credentials != cst.Omit && strings.HasPrefix(a.url, pg.Origin()+"/"))
			if r.Err != nil {
				return json.Marshal(pageResult{Error: "TypeError: Failed to fetch (test client: " + r.Err.Error() + ")"})
			}
			return json.Marshal(pageResult{Status: r.Status, Body: r.Body})
		case actForm:
			form := url.Values{}
			for _, f := range a.fields {
				form.Add(f[0], f[1])
			}
			p.loaded(p.page().SubmitForm(a.startLoginURL(p.page()), form))
			return json.Marshal("submitting")
		case actNavigate:
			p.loaded(p.page().Navigate(a.startLoginURL(p.page())))
			return json.Marshal("navigating")
		}
	}
	p.mu.Lock()
	doc, handoff := p.doc, p.handoff
	p.mu.Unlock()
	switch expr {
	case jsHandoffState:
		return json.Marshal(handoff)
	case jsLocation:
		return json.Marshal(p.page().URL())
	case jsLocationReady:
		return json.Marshal(map[string]string{"href": p.page().URL(), "ready": "complete"})
	case jsBodyText:
		return json.Marshal(doc[:min(len(doc), 200)])
	}
	return nil, fmt.Errorf("the test client's page runs no JavaScript, and this script is none of scripts_test.go's: %.120q", expr)
}

// fetchInit turns fetch's options, as the flows write them, into the
// client's Init.
func fetchInit(opts map[string]any) (cst.Init, error) {
	var init cst.Init
	for k, v := range opts {
		switch k {
		case "method":
			init.Method, _ = v.(string)
		case "credentials":
			s, _ := v.(string)
			init.Credentials = cst.Credentials(s)
		case "body":
			init.Body, _ = v.(string)
		case "headers":
			h, ok := v.(map[string]string)
			if !ok {
				return init, fmt.Errorf("fetch headers of type %T", v)
			}
			init.Headers = h
		default:
			return init, fmt.Errorf("the test client's fetch has no option %q", k)
		}
	}
	return init, nil
}

// Cookies lists the client's jar for host: unpartitioned cookies and those
// of the page's partition and of the host's own site.
func (p *clientPage) Cookies(host string) ([]jarCookie, error) {
	pg := p.page()
	var out []jarCookie
	seen := map[string]bool{}
	for _, scheme := range []string{"https", "http"} {
		u := scheme + "://" + host + "/"
		for _, site := range []string{pg.Site(), ""} {
			for _, c := range p.b.Cookies(u, site) {
				jc := jarCookie{Name: c.Name, SameSite: c.SameSite, Secure: c.Secure, HTTPOnly: c.HttpOnly, Partition: c.Partition}
				if k := jc.String(); !seen[k] {
					seen[k] = true
					out = append(out, jc)
				}
			}
		}
	}
	return out, nil
}

// EngineSaid is the client's account of the cookies it refused on the
// requests to origin.
func (p *clientPage) EngineSaid(origin string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, r := range p.log {
		if !strings.HasPrefix(r.ex.URL, origin) {
			continue
		}
		for _, rf := range r.refused {
			out = append(out, requestOf(r.ex)+": "+rf.Name+"/"+rf.Stage+":"+strings.Join(rf.Reasons, ","))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "test client refused: " + strings.Join(out, "; ")
}

func requestOf(ex cst.Exchange) string {
	u, err := url.Parse(ex.URL)
	if err != nil {
		return ex.Method + " " + ex.URL
	}
	return ex.Method + " " + u.Path
}

// CookieEvents is the client's account of the cookie name on the requests
// to origin since the previous call, in the kinds the engines' accounts
// use: refused (a Set-Cookie line not stored; the reason codes in Why),
// stored, sent and not-sent.
func (p *clientPage) CookieEvents(origin, name string) []cookieEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []cookieEvent
	for _, r := range p.log[p.marks[origin]:] {
		if !strings.HasPrefix(r.ex.URL, origin) {
			continue
		}
		req := requestOf(r.ex)
		refusedSet := 0
		for _, rf := range r.refused {
			if rf.Name != name {
				continue
			}
			kind := evRefused
			if rf.Stage == cst.StageSend {
				if !r.include {
					// An engine looks up no cookie for a request without
					// credentials, so it says nothing about one (Chromium's
					// associatedCookies are empty); nor does the client.
					continue
				}
				kind = evNotSent
			} else {
				refusedSet++
			}
			out = append(out, cookieEvent{Request: req, Kind: kind, Expiry: rf.Expiry, Why: strings.Join(rf.Reasons, ",")})
		}
		lines := 0
		for _, l := range r.ex.ResponseHeader.Values("Set-Cookie") {
			if n, _, _ := strings.Cut(l, "="); strings.TrimSpace(n) == name {
				lines++
			}
		}
		if lines > refusedSet {
			out = append(out, cookieEvent{Request: req, Kind: evStored})
		}
		for _, c := range (&http.Request{Header: r.ex.RequestHeader}).Cookies() {
			if c.Name == name {
				out = append(out, cookieEvent{Request: req, Kind: evSent})
				break
			}
		}
	}
	p.marks[origin] = len(p.log)
	return out
}

func (p *clientPage) Close() error {
	p.tr.CloseIdleConnections()
	return nil
}

var _ page = (*clientPage)(nil)

// startLoginURL is the action's URL, with the verifier page keeps when the
// script starts a login (startLoginJS).
func (a pageAction) startLoginURL(page *cst.Page) string {
	if !a.startLogin {
		return a.url
	}
	return page.StartLoginURL(a.url)
}
