package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"html"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// testHosts are the names the certificate covers; hostRules maps the .test
// ones to 127.0.0.1.
var testHosts = []string{"app.example.test", "api.example.test", "app.test", "api.other.test", "evil.test", "localhost"}

var testCert struct {
	once sync.Once
	cert tls.Certificate
	err  error
}

// certificate returns a self-signed ECDSA certificate for every test host
// and 127.0.0.1, made once per run. Chromium runs with
// --ignore-certificate-errors, so it need not be trusted.
func certificate(t *testing.T) tls.Certificate {
	t.Helper()
	testCert.once.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			testCert.err = err
			return
		}
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
		if err != nil {
			testCert.err = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber:          serial,
			Subject:               pkix.Name{CommonName: "crosssession e2e"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			KeyUsage:              x509.KeyUsageDigitalSignature,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			DNSNames:              testHosts,
			IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			testCert.err = err
			return
		}
		testCert.cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	if testCert.err != nil {
		t.Fatalf("making the test certificate: %v", testCert.err)
	}
	return testCert.cert
}

// serve starts h on 127.0.0.1 at a random port, over https if useTLS, until
// the test ends, and returns the port.
func serve(t *testing.T, h http.Handler, useTLS bool) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if useTLS {
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{certificate(t)}}
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

// frontend serves a front-end page at / (the scripts run in it through
// DevTools, as the page's own script would) and, for the attack cells,
// /attack-form?action=URL: a page that POSTs a form to URL as soon as it
// loads.
func frontend(name string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>%[1]s</title><p>%[1]s</p>\n", html.EscapeString(name))
	})
	mux.HandleFunc("GET /attack-form", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><meta charset=utf-8><title>%s</title>
<body onload="document.forms[0].submit()">
<form method="POST" action="%s"><input name="to" value="attacker"><input name="amount" value="1000"></form>
`, html.EscapeString(name), html.EscapeString(r.URL.Query().Get("action")))
	})
	return mux
}

// testAPI is a Gin API behind crosssession: POST /login {"user"} starts a
// session, GET /me returns its user (401 without one), and POST /transfer
// is the state-changing endpoint of the attack cells; it counts every call
// that reaches it.
type testAPI struct {
	origin    string
	transfers atomic.Int64 // /transfer handler runs
	refused   atomic.Int64 // POST /transfer requests that reached the server and were answered 403
}

func startAPI(t *testing.T, cfg crosssession.Config, scheme, host string) *testAPI {
	t.Helper()
	cfg.Logger = testLogger(t)
	a := &testAPI{}
	r := gin.New()
	// Server-side evidence of what reached the API, independent of which
	// DevTools events the browser delivered in time.
	r.Use(func(c *gin.Context) {
		c.Next()
		if c.Request.Method == http.MethodPost && c.Request.URL.Path == "/transfer" && c.Writer.Status() == http.StatusForbidden {
			a.refused.Add(1)
		}
	})
	r.Use(crosssession.New(cfg))
	r.POST("/login", func(c *gin.Context) {
		var body struct {
			User string `json:"user"`
		}
		if err := c.ShouldBindJSON(&body); err != nil || body.User == "" {
			c.JSON(http.StatusBadRequest, gin.H{"error": "want {\"user\": name}"})
			return
		}
		sessions.Default(c).Set("user", body.User)
		c.JSON(http.StatusOK, gin.H{"user": body.User})
	})
	r.GET("/me", func(c *gin.Context) {
		user, ok := sessions.Default(c).Get("user").(string)
		if !ok {
			c.JSON(http.StatusUnauthorized, gin.H{"error": "no session"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"user": user})
	})
	r.POST("/transfer", func(c *gin.Context) {
		n := a.transfers.Add(1)
		c.JSON(http.StatusOK, gin.H{"ok": true, "user": sessions.Default(c).Get("user"), "transfers": n})
	})
	a.origin = origin(scheme, host, serve(t, r, scheme == "https"))
	return a
}

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
