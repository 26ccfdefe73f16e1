// Command example runs a front end and a Gin API on two origins and shows a
// session cookie and a bearer token working across them with crosssession.
//
// From the repository root:
//
//	go run ./example          # http://localhost:3000 -> http://localhost:3001
//	go run ./example -prod    # the same over HTTPS with the Production cookie
//
// Flags:
//
//	-web-port  port of the front end (default 3000)
//	-api-port  port of the API (default 3001)
//	-host      host name used in the URLs and the allowed origin (default localhost)
//	-prod      serve both over HTTPS with a self-signed certificate and use crosssession.Prod
//
// Both servers listen on 127.0.0.1 only.
package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

const listenAddr = "127.0.0.1"

type options struct {
	webPort, apiPort int
	host             string
	prod             bool
}

func main() {
	var o options
	flag.IntVar(&o.webPort, "web-port", 3000, "port of the front-end server")
	flag.IntVar(&o.apiPort, "api-port", 3001, "port of the API server")
	flag.StringVar(&o.host, "host", "localhost", "host name used in the printed URLs and the allowed origin (the servers listen on "+listenAddr+")")
	flag.BoolVar(&o.prod, "prod", false, "serve both over HTTPS with a self-signed certificate and use crosssession.Prod (cookie __Host-session; SameSite=None; Secure; Partitioned)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments: %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}

	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	gin.SetMode(gin.ReleaseMode)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		slog.Error("example stopped", "err", err)
		os.Exit(1)
	}
}

func (o options) check() error {
	var errs []error
	for _, p := range []struct {
		flag string
		port int
	}{{"-web-port", o.webPort}, {"-api-port", o.apiPort}} {
		if p.port < 1 || p.port > 65535 {
			errs = append(errs, fmt.Errorf("%s %d: a port is 1 to 65535", p.flag, p.port))
		}
	}
	if o.webPort == o.apiPort {
		errs = append(errs, fmt.Errorf("-web-port and -api-port are both %d; the demo needs two origins", o.webPort))
	}
	if o.host == "" || (strings.ContainsAny(o.host, ":/[]@ ") && net.ParseIP(o.host) == nil) {
		errs = append(errs, fmt.Errorf("-host %q: give a bare host name such as localhost, without scheme or port", o.host))
	}
	return errors.Join(errs...)
}

func (o options) scheme() string {
	if o.prod {
		return "https"
	}
	return "http"
}

// origin returns scheme://host[:port] as a browser writes it in the Origin
// header: lowercase, IPv6 in brackets, no default port.
func (o options) origin(port int) string {
	host := strings.ToLower(o.host)
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if (o.prod && port == 443) || (!o.prod && port == 80) {
		return o.scheme() + "://" + host
	}
	return o.scheme() + "://" + host + ":" + strconv.Itoa(port)
}

// run starts both servers and blocks until ctx is done or a server fails,
// then shuts both down gracefully.
func run(ctx context.Context, o options, out io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	webOrigin, apiURL := o.origin(o.webPort), o.origin(o.apiPort)

	var key []byte
	if o.prod {
		// A fresh key per start: sessions end on restart, as they do with
		// the self-signed certificate. A real API loads its key from a
		// secret store.
		key = make([]byte, 32)
		rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	}
	bearerCfg, cookieCfg := apiConfigs(webOrigin, o.prod, key)
	if err := errors.Join(bearerCfg.Validate(), cookieCfg.Validate()); err != nil {
		return fmt.Errorf("invalid crosssession configuration:\n%w", err)
	}

	var tlsConfig *tls.Config
	var cert tls.Certificate
	if o.prod {
		var err error
		cert, err = selfSignedCert(strings.ToLower(o.host), time.Now())
		if err != nil {
			return fmt.Errorf("making the self-signed certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	errLog := slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn)
	servers := []*http.Server{
		{Handler: webLog(newWeb(apiURL, o.prod))},
		{Handler: newAPI(webOrigin, o.prod, key)},
	}
	names := []string{"web", "api"}
	ports := []int{o.webPort, o.apiPort}
	listeners := make([]net.Listener, len(servers))
	for i, srv := range servers {
		srv.ReadHeaderTimeout = 10 * time.Second
		srv.ErrorLog = errLog
		srv.TLSConfig = tlsConfig
		ln, err := net.Listen("tcp", net.JoinHostPort(listenAddr, strconv.Itoa(ports[i])))
		if err != nil {
			for _, l := range listeners[:i] {
				l.Close()
			}
			return fmt.Errorf("%s server: %w", names[i], err)
		}
		listeners[i] = ln
	}

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() {
			var err error
			if o.prod {
				err = srv.ServeTLS(listeners[i], "", "")
			} else {
				err = srv.Serve(listeners[i])
			}
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			errc <- err
		}()
		slog.Info("listening", "server", names[i], "addr", listeners[i].Addr().String(), "url", o.origin(ports[i]))
	}
	printBanner(out, o, webOrigin, apiURL, cookieCfg.Cookie.Name, cert)

	var runErr error
	select {
	case <-ctx.Done():
		slog.Info("shutting down")
	case runErr = <-errc: // a server failed; stop the other one too
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for i, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("%s server shutdown: %w", names[i], err))
		}
	}
	if runErr != nil {
		errs = append(errs, runErr)
	}
	if len(errs) == 0 {
		slog.Info("stopped")
	}
	return errors.Join(errs...)
}

func printBanner(w io.Writer, o options, webOrigin, apiURL, cookieName string, cert tls.Certificate) {
	mode := "development: plain http, crosssession.Dev, cookie " + cookieName + "; SameSite=Lax; HttpOnly"
	if o.prod {
		mode = "production: HTTPS, crosssession.Prod, cookie " + cookieName + "; SameSite=None; Secure; Partitioned; HttpOnly"
	}
	fmt.Fprintf(w, "\ncrosssession example (%s)\n\n", mode)
	fmt.Fprintf(w, "  front end: %s/   <- open this in a browser\n", webOrigin)
	fmt.Fprintf(w, "  API:       %s/\n\n", apiURL)
	if o.prod {
		fmt.Fprintf(w, "Both servers use a self-signed certificate made at start (SHA-256 %s).\n", fingerprint(cert))
		fmt.Fprintf(w, "Your browser will warn about it, and you must accept it for BOTH ports:\n")
		fmt.Fprintf(w, "  1. open the API once, %s/ , and accept the warning;\n", apiURL)
		fmt.Fprintf(w, "  2. open the front end, %s/ , and accept the warning again.\n", webOrigin)
		fmt.Fprintf(w, "Without step 1 the page's calls to the API fail: fetch cannot show the warning.\n")
		fmt.Fprintf(w, "The certificate and the session key change at every start.\n\n")
	}
	if h := strings.ToLower(o.host); h != "localhost" && h != listenAddr {
		fmt.Fprintf(w, "The servers listen on %s only: %q must resolve to it (e.g. in /etc/hosts).\n\n", listenAddr, o.host)
	}
	fmt.Fprintf(w, "Press Ctrl+C to stop.\n\n")
}
