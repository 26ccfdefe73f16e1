package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testNames are the host names the cells use besides localhost and
// 127.0.0.1. They are real-TLD names (WebKit finds no registrable domain
// for *.test names, so same-site cells would be cross-site there), and
// every engine sends them to 127.0.0.1: Chromium by --host-resolver-rules,
// Firefox by network.dns.forceResolve, WebKit through /etc/hosts.
var testNames = []string{
	"app.example.com", "api.example.com", // sibling subdomains: same-site
	"myapp.vercel.app",                   // vercel.app is a public suffix: cross-site with example.com
	"myapp.example.org",                  // cross-site over plain http (.app is HSTS-preloaded: https only)
	"evil.example.net",                   // an attacker's site
	"app.localhost", "staging.localhost", // dev front ends on *.localhost names
}

var testCert struct {
	once sync.Once
	cert tls.Certificate
	err  error
}

// certificate returns a self-signed ECDSA certificate for every test host
// and 127.0.0.1, made once per run. The engines are told to accept it
// (Chromium --ignore-certificate-errors, acceptInsecureCerts in WebDriver).
func certificate(t *testing.T) tls.Certificate {
	t.Helper()
	testCert.once.Do(func() { testCert.cert, testCert.err = makeCertificate() })
	if testCert.err != nil {
		t.Fatalf("making the test certificate: %v", testCert.err)
	}
	return testCert.cert
}

func makeCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "crosssession e2e"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              append([]string{"localhost"}, testNames...),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func tlsConfigFor(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

// serve starts h on 127.0.0.1 at a random port, over https if useTLS, until
// the test ends, and returns the port.
func serve(t *testing.T, h http.Handler, useTLS bool) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if useTLS {
		srv.TLS = tlsConfigFor(certificate(t))
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

// origin returns scheme://host:port.
func origin(scheme, host string, port int) string {
	return fmt.Sprintf("%s://%s:%d", scheme, host, port)
}

// A frontEnd serves the front-end pages: the SPA at / and /after-login
// (the scripts of the flow run in it through the driver, as the page's own
// script would) and, for the attack cells, /attack-form?action=URL: a page
// that POSTs a form to URL as soon as it loads.
//
// The SPA page runs the README's one-line Handoff redeem on load ("Logins
// by redirect"), with API set to the origin of the cell's API
// (setAPI; the front end starts first, since the API's allow-list names
// it), and then sets window.handoff = "done": a login by redirect
// continues only after that.
type frontEnd struct {
	name string
	api  atomic.Pointer[string] // the API's origin, e.g. https://api.example.com:Q
	mux  *http.ServeMux
}

// redeemLine is the README's front-end line, verbatim but for the route
// (API + '/users/session', the cell APIs' session group, for API + '/me').
const redeemLine = `if (location.hash.startsWith('#crosssession=')) await fetch(API + '/users/session', { credentials: 'include', ` +
	`headers: { 'X-Crosssession-Handoff': location.hash.slice(14) + ' ' + sessionStorage.crosssession } }), ` +
	`sessionStorage.removeItem('crosssession'), history.replaceState(null, '', location.pathname + location.search);`

func frontend(name string) *frontEnd {
	f := &frontEnd{name: name, mux: http.NewServeMux()}
	spa := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		api := ""
		if p := f.api.Load(); p != nil {
			api = *p
		}
		apiJS, _ := json.Marshal(api)
		fmt.Fprintf(w, `<!doctype html><meta charset=utf-8><title>%[1]s</title><p>%[1]s</p>
<script type="module">
const API = %[2]s;
window.handoff = 'running';
try {
%[3]s
window.handoff = 'done';
} catch (e) { window.handoff = 'threw ' + e; }
</script>
`, html.EscapeString(name), apiJS, redeemLine)
	}
	f.mux.HandleFunc("GET /{$}", spa)
	f.mux.HandleFunc("GET /after-login", spa)
	f.mux.HandleFunc("GET /attack-form", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><meta charset=utf-8><title>%s</title>
<body onload="document.forms[0].submit()">
<form method="POST" action="%s"><input name="to" value="attacker"><input name="amount" value="1000"></form>
`, html.EscapeString(name), html.EscapeString(r.URL.Query().Get("action")))
	})
	return f
}

// setAPI tells the SPA page the API's origin.
func (f *frontEnd) setAPI(origin string) { f.api.Store(&origin) }

func (f *frontEnd) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Hostname()
}

// testLogger sends the library's log to the test log until the test ends.
func testLogger(t *testing.T) *slog.Logger {
	w := &tlogWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, nil))
}

type tlogWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (w *tlogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log("library log: " + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// randomKey returns a 32-byte session key.
func randomKey(t *testing.T) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRedeemLineIsTheREADMEs: the SPA pages run the README's redeem line,
// verbatim but for the route.
func TestRedeemLineIsTheREADMEs(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(redeemLine, "API + '/users/session'", "API + '/me'", 1)
	if !strings.Contains(string(b), "\n"+want+"\n") {
		t.Errorf("the README's redeem line is not\n%s", want)
	}
}
