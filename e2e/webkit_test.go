package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// WebKitGTK, driven by WebKitWebDriver (classic W3C WebDriver over HTTP)
// through its MiniBrowser, under Xvfb (MiniBrowser has no headless mode).
// Its cookie policy is MiniBrowser's default, no-third-party. WebKit has no
// host-resolver option, so the test names go into /etc/hosts for the run
// (see hosts_test.go). A WebDriver session has one cookie store for all its
// windows, so the page clears the cell's hosts' cookies when it closes.

var webkitEngine = engineSpec{
	name: "webkit",
	find: func() string {
		var missing []string
		for _, bin := range []string{"WebKitWebDriver", "Xvfb"} {
			if _, err := exec.LookPath(bin); err != nil {
				missing = append(missing, bin)
			}
		}
		if len(missing) > 0 {
			return strings.Join(missing, " and ") + " not found; install them with: apt-get install -y --no-install-recommends webkit2gtk-driver xvfb xauth"
		}
		if err := checkHostsWritable(); err != nil {
			return "cannot write /etc/hosts, which WebKit needs for the test names (run as root): " + err.Error()
		}
		return ""
	},
	profiles: []func() (engine, error){startWebKit},
}

type webkit struct {
	xvfb, driver *exec.Cmd
	xvfbDone     chan struct{}
	driverDone   chan struct{}
	out          *syncBuffer
	base         string // http://127.0.0.1:PORT/session/ID
	version      string
	janitor      janitor
	hostsAdded   bool
}

func startWebKit() (engine, error) {
	w := &webkit{out: &syncBuffer{}}
	fail := func(err error) (engine, error) {
		w.Close()
		return nil, fmt.Errorf("%w\noutput:\n%s", err, w.out.String())
	}
	if err := addTestHosts(); err != nil {
		return fail(err)
	}
	w.hostsAdded = true

	// Xvfb picks a free display and writes its number on fd 3.
	r, wr, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	w.xvfb = exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	w.xvfb.ExtraFiles = []*os.File{wr}
	w.xvfb.Stdout, w.xvfb.Stderr = w.out, w.out
	if err := w.xvfb.Start(); err != nil {
		wr.Close()
		r.Close()
		return fail(fmt.Errorf("starting Xvfb: %w", err))
	}
	wr.Close()
	w.xvfbDone = make(chan struct{})
	go func() { _ = w.xvfb.Wait(); close(w.xvfbDone) }()
	display := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		display <- strings.TrimSpace(line)
	}()
	var disp string
	select {
	case disp = <-display:
	case <-time.After(30 * time.Second):
	}
	if disp == "" {
		return fail(errors.New("Xvfb gave no display number"))
	}

	port, err := freeLoopbackPort()
	if err != nil {
		return fail(err)
	}
	w.driver = exec.Command("WebKitWebDriver", "--port="+strconv.Itoa(port))
	w.driver.Env = append(os.Environ(), "DISPLAY=:"+disp)
	w.driver.Stdout, w.driver.Stderr = w.out, w.out
	if err := w.driver.Start(); err != nil {
		return fail(fmt.Errorf("starting WebKitWebDriver: %w", err))
	}
	w.driverDone = make(chan struct{})
	go func() { _ = w.driver.Wait(); close(w.driverDone) }()
	root := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if err := wdCall(http.MethodGet, root+"/status", nil, &st); err == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			return fail(errors.New("WebKitWebDriver did not become ready within 30s"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Default MiniBrowser arguments (--automation): the default cookie
	// policy, no-third-party. The test certificate is self-signed.
	var sess struct {
		SessionID    string `json:"sessionId"`
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	if err := wdCall(http.MethodPost, root+"/session", map[string]any{"capabilities": map[string]any{
		"alwaysMatch": map[string]any{"acceptInsecureCerts": true}}}, &sess); err != nil {
		return fail(fmt.Errorf("POST /session: %w", err))
	}
	w.base = root + "/session/" + sess.SessionID
	w.version = "WebKitGTK " + sess.Capabilities.BrowserVersion + " (" + sess.Capabilities.BrowserName + ")"
	if err := w.janitor.start(); err != nil {
		return fail(err)
	}
	return w, nil
}

func (w *webkit) ID() string { return "webkit" }
func (w *webkit) Describe() string {
	return "MiniBrowser's default cookie policy (no-third-party: third-party cookies blocked); ITP off"
}
func (w *webkit) Version() string { return w.version }

func (w *webkit) Close() error {
	if w.base != "" {
		_ = wdCall(http.MethodDelete, w.base, nil, nil)
	}
	stop(w.driver, w.driverDone)
	stop(w.xvfb, w.xvfbDone)
	w.janitor.stop()
	if w.hostsAdded {
		return removeTestHosts()
	}
	return nil
}

// stop ends a process this harness started, by its handle.
func stop(cmd *exec.Cmd, done chan struct{}) {
	if cmd == nil || cmd.Process == nil || done == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func (w *webkit) NewPage(hosts []string) (page, error) {
	p := &webkitPage{w: w, hosts: hosts}
	// The previous cell cleared its hosts; check this cell's are empty too
	// (a run that died half-way may have left cookies in the store).
	if err := p.clear(); err != nil {
		return nil, err
	}
	return p, nil
}

type webkitPage struct {
	w     *webkit
	hosts []string
}

func (p *webkitPage) Navigate(url string) error {
	return wdCall(http.MethodPost, p.w.base+"/url", map[string]any{"url": url}, nil)
}

func (p *webkitPage) Eval(expr string) (json.RawMessage, error) {
	var s string
	// Execute Script awaits a returned promise.
	if err := wdCall(http.MethodPost, p.w.base+"/execute/sync", map[string]any{
		"script": "return " + jsonWrap(expr) + ";", "args": []any{}}, &s); err != nil {
		return nil, err
	}
	return json.RawMessage(s), nil
}

// Cookies lists what WebKit holds for host as WebDriver sees it: the
// cookies of a top-level document on that host (the janitor's page, over
// https, so Secure ones show too). It navigates away and back.
func (p *webkitPage) Cookies(host string) ([]jarCookie, error) {
	var back string
	if err := wdCall(http.MethodGet, p.w.base+"/url", nil, &back); err != nil {
		return nil, err
	}
	cs, err := p.visitCookies(host, false)
	if back != "" && back != "about:blank" {
		if err := p.Navigate(back); err != nil {
			return cs, err
		}
	}
	return cs, err
}

func (p *webkitPage) visitCookies(host string, del bool) ([]jarCookie, error) {
	var out []jarCookie
	for _, u := range p.w.janitor.urls(host) {
		if err := p.Navigate(u); err != nil {
			return nil, err
		}
		var cs []struct {
			Name     string `json:"name"`
			Secure   bool   `json:"secure"`
			HTTPOnly bool   `json:"httpOnly"`
			SameSite string `json:"sameSite"`
		}
		if err := wdCall(http.MethodGet, p.w.base+"/cookie", nil, &cs); err != nil {
			return nil, err
		}
		for _, c := range cs {
			jc := jarCookie{Name: c.Name, Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: c.SameSite}
			if !containsCookie(out, jc) {
				out = append(out, jc)
			}
		}
		if del && len(cs) > 0 {
			if err := wdCall(http.MethodDelete, p.w.base+"/cookie", nil, nil); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func containsCookie(cs []jarCookie, c jarCookie) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// clear deletes every cookie of the page's hosts and checks none is left.
func (p *webkitPage) clear() error {
	for _, h := range p.hosts {
		if _, err := p.visitCookies(h, true); err != nil {
			return fmt.Errorf("clearing the cookies of %s: %w", h, err)
		}
		left, err := p.visitCookies(h, false)
		if err != nil {
			return err
		}
		if len(left) > 0 {
			return fmt.Errorf("WebKit still holds cookies for %s after DELETE /cookie: %v", h, left)
		}
	}
	return p.Navigate("about:blank")
}

// EngineSaid: WebKit reports nothing about refused cookies to WebDriver.
func (p *webkitPage) EngineSaid(string) string { return "" }

// CookieEvents: WebKit tells WebDriver nothing about refused cookies; the
// API's own record (the cookie did not come back) is the evidence.
func (p *webkitPage) CookieEvents(string, string) []cookieEvent { return nil }

func (p *webkitPage) Close() error { return p.clear() }

// wdCall sends one WebDriver command and decodes its "value" into out.
func wdCall(method, url string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(env.Value, &e)
		return fmt.Errorf("%s %s: %d %s: %s", method, strings.TrimPrefix(url, "http://"), resp.StatusCode, e.Error, e.Message)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// janitor serves an empty page over http and https on loopback. Cookies
// are not isolated by port, so visiting http(s)://HOST:janitor-port shows
// (and lets WebDriver delete) every cookie WebKit holds for HOST, without
// touching the cell's own servers.
type janitor struct {
	plain, tls *http.Server
	ports      [2]int
}

func (j *janitor) start() error {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<!doctype html><title>janitor</title>")
	})
	for i := range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		j.ports[i] = ln.Addr().(*net.TCPAddr).Port
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		if i == 0 {
			j.plain = srv
			go srv.Serve(ln)
		} else {
			cert, err := makeCertificate()
			if err != nil {
				ln.Close()
				return err
			}
			srv.TLSConfig = tlsConfigFor(cert)
			j.tls = srv
			go srv.ServeTLS(ln, "", "")
		}
	}
	return nil
}

func (j *janitor) urls(host string) []string {
	return []string{
		fmt.Sprintf("http://%s:%d/", host, j.ports[0]),
		fmt.Sprintf("https://%s:%d/", host, j.ports[1]),
	}
}

func (j *janitor) stop() {
	for _, s := range []*http.Server{j.plain, j.tls} {
		if s != nil {
			s.Close()
		}
	}
}
