package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Firefox ESR, driven over WebDriver BiDi, which Firefox speaks itself (no
// geckodriver): started with --remote-debugging-port=0, it prints the
// websocket address on stderr. Each cell gets its own user context (its own
// cookie jar); the profile is Firefox's default one (Total Cookie
// Protection), with network.dns.forceResolve sending every name to
// loopback.

var firefoxEngine = engineSpec{
	name: "firefox",
	find: func() string {
		if firefoxPath() == "" {
			return "Firefox not found (no firefox-esr or firefox on PATH); install it with: apt-get install -y --no-install-recommends firefox-esr"
		}
		return ""
	},
	profiles: []func() (engine, error){startFirefox},
}

func firefoxPath() string {
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// firefoxPrefs go into the fresh profile's user.js. Only name resolution
// and harness noise are touched; cookie settings stay Firefox's defaults.
var firefoxPrefs = map[string]any{
	// Every host name to loopback: no request leaves the machine.
	"network.dns.forceResolve": "127.0.0.1",
	// No background traffic (updates, telemetry, remote settings).
	"app.update.disabledForTesting":              true,
	"toolkit.telemetry.reportingpolicy.firstRun": false,
	"datareporting.policy.dataSubmissionEnabled": false,
	"browser.safebrowsing.update.enabled":        false,
	"network.captive-portal-service.enabled":     false,
	"network.connectivity-service.enabled":       false,
	"services.settings.server":                   "data:,#remote-settings-dummy/v1",
}

var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

type firefox struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	profile string
	out     *syncBuffer
	conn    *bidiConn
	version string
}

func startFirefox() (engine, error) {
	path := firefoxPath()
	profile, err := os.MkdirTemp("", "crosssession-e2e-firefox-")
	if err != nil {
		return nil, err
	}
	var userJS strings.Builder
	for k, v := range firefoxPrefs {
		b, _ := json.Marshal(v)
		fmt.Fprintf(&userJS, "user_pref(%q, %s);\n", k, b)
	}
	if err := os.WriteFile(profile+"/user.js", []byte(userJS.String()), 0o644); err != nil {
		return nil, err
	}
	f := &firefox{profile: profile, out: &syncBuffer{}, exited: make(chan struct{})}
	// --remote-allow-system-access lets the harness read the cookie jar
	// and the console (Firefox's reasons) in the chrome scope.
	f.cmd = exec.Command(path, "--headless", "--no-remote", "--profile", profile,
		"--remote-debugging-port=0", "--remote-allow-system-access", "about:blank")
	f.cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1")
	stderr, err := f.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	f.cmd.Stdout = f.out
	if err := f.cmd.Start(); err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	go func() { _ = f.cmd.Wait(); close(f.exited) }()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			f.out.Write([]byte(line + "\n"))
			if m := bidiListening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	var ws string
	select {
	case ws = <-addr:
	case <-f.exited:
		f.Close()
		return nil, fmt.Errorf("firefox exited before listening; output:\n%s", f.out.String())
	case <-time.After(60 * time.Second):
		f.Close()
		return nil, fmt.Errorf("firefox did not print its BiDi address within 60s; output:\n%s", f.out.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	f.conn, err = dialBiDi(ctx, ws+"/session")
	if err != nil {
		f.Close()
		return nil, err
	}
	var sess struct {
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	if err := f.conn.call("session.new", map[string]any{"capabilities": map[string]any{
		"alwaysMatch": map[string]any{"acceptInsecureCerts": true}}}, &sess); err != nil {
		f.Close()
		return nil, fmt.Errorf("session.new: %w", err)
	}
	f.version = "Firefox " + sess.Capabilities.BrowserVersion
	return f, nil
}

func (f *firefox) ID() string { return "firefox" }
func (f *firefox) Describe() string {
	return "default profile (Total Cookie Protection: third-party cookies partitioned per top-level site)"
}
func (f *firefox) Version() string { return f.version }

func (f *firefox) Close() error {
	if f.conn != nil {
		_ = f.conn.call("session.end", map[string]any{}, nil)
		f.conn.close()
	}
	if f.cmd != nil && f.cmd.Process != nil {
		_ = f.cmd.Process.Signal(os.Interrupt)
		select {
		case <-f.exited:
		case <-time.After(10 * time.Second):
			_ = f.cmd.Process.Kill()
			<-f.exited
		}
	}
	return os.RemoveAll(f.profile)
}

func (f *firefox) NewPage(hosts []string) (page, error) {
	var uc struct {
		UserContext string `json:"userContext"`
	}
	if err := f.conn.call("browser.createUserContext", map[string]any{}, &uc); err != nil {
		return nil, fmt.Errorf("browser.createUserContext: %w", err)
	}
	var bc struct {
		Context string `json:"context"`
	}
	if err := f.conn.call("browsingContext.create", map[string]any{"type": "tab", "userContext": uc.UserContext}, &bc); err != nil {
		return nil, fmt.Errorf("browsingContext.create: %w", err)
	}
	p := &firefoxPage{f: f, userContext: uc.UserContext, context: bc.Context, since: time.Now()}
	return p, nil
}

type firefoxPage struct {
	f                    *firefox
	userContext, context string
	since                time.Time
	seen                 map[string]bool // console messages CookieEvents returned already
}

func (p *firefoxPage) Navigate(url string) error {
	return p.f.conn.call("browsingContext.navigate", map[string]any{"context": p.context, "url": url, "wait": "complete"}, nil)
}

func (p *firefoxPage) Eval(expr string) (json.RawMessage, error) {
	return p.f.conn.evaluate(map[string]any{"context": p.context}, jsonWrap(expr))
}

// jsonWrap makes expr's (awaited) value a JSON string, which every driver
// can carry as a plain string.
func jsonWrap(expr string) string {
	return "(async () => JSON.stringify(await (" + expr + ")))()"
}

// chrome returns a browsing context of Firefox's own UI (the chrome
// scope), where Services.cookies and Services.console are reachable.
func (f *firefox) chrome() (string, error) {
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
			URL     string `json:"url"`
		} `json:"contexts"`
	}
	if err := f.conn.call("browsingContext.getTree", map[string]any{"moz:scope": "chrome"}, &tree); err != nil {
		return "", err
	}
	for _, c := range tree.Contexts {
		if strings.HasPrefix(c.URL, "chrome://browser/") {
			return c.Context, nil
		}
	}
	if len(tree.Contexts) > 0 {
		return tree.Contexts[0].Context, nil
	}
	return "", errors.New("no chrome context")
}

func (p *firefoxPage) Cookies(host string) ([]jarCookie, error) {
	ctx, err := p.f.chrome()
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", errNoJar, err)
	}
	raw, err := p.f.conn.evaluate(map[string]any{"context": ctx}, jsonWrap(`(() => {
  // The harness keeps one cell's tab open at a time, so the tab with a
  // user context is this page's.
  const ucs = [...gBrowser.tabs].map(t => t.userContextId).filter(id => id > 0);
  const uc = Math.max(...ucs);
  return Services.cookies.cookies
    .filter(c => c.rawHost === `+jsString(host)+` && c.originAttributes.userContextId === uc)
    .map(c => ({name: c.name, sameSite: ["None","Lax","Strict"][c.sameSite] ?? String(c.sameSite),
      secure: c.isSecure, httpOnly: c.isHttpOnly, partition: c.originAttributes.partitionKey || ""}));
})()`))
	if err != nil {
		return nil, err
	}
	var cs []struct {
		Name      string `json:"name"`
		SameSite  string `json:"sameSite"`
		Secure    bool   `json:"secure"`
		HTTPOnly  bool   `json:"httpOnly"`
		Partition string `json:"partition"`
	}
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, err
	}
	var out []jarCookie
	for _, c := range cs {
		out = append(out, jarCookie{Name: c.Name, SameSite: c.SameSite, Secure: c.Secure, HTTPOnly: c.HTTPOnly, Partition: c.Partition})
	}
	return out, nil
}

// EngineSaid returns Firefox's console messages about cookies since the
// page opened: Firefox explains each refused or partitioned cookie there.
func (p *firefoxPage) EngineSaid(origin string) string {
	ctx, err := p.f.chrome()
	if err != nil {
		return "(chrome scope unavailable: " + err.Error() + ")"
	}
	raw, err := p.f.conn.evaluate(map[string]any{"context": ctx}, jsonWrap(`(() => {
  const since = `+fmt.Sprint(p.since.UnixMilli())+`;
  return Services.console.getMessageArray()
    .filter(m => m.timeStamp >= since && /cookie/i.test(m.message || ""))
    .map(m => m.message);
})()`))
	if err != nil {
		return "(console unavailable: " + err.Error() + ")"
	}
	var msgs []string
	_ = json.Unmarshal(raw, &msgs)
	host := hostOf(origin)
	var out []string
	seen := map[string]bool{}
	for _, m := range msgs {
		m = strings.TrimSpace(m)
		if !strings.Contains(m, host) && strings.Contains(m, "://") {
			continue
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return strings.Join(out, " · ")
}

// CookieEvents is Firefox's console about the cookie name on requests to
// origin since the previous call: "Cookie “name” has been rejected …" is a
// refusal to store it, "… will soon be rejected …" a warning. The console
// names the request's URL, not its method, and does not say whether the
// line expired the cookie.
func (p *firefoxPage) CookieEvents(origin, name string) []cookieEvent {
	ctx, err := p.f.chrome()
	if err != nil {
		return []cookieEvent{{Kind: evWarned, Why: "console unavailable: " + err.Error()}}
	}
	raw, err := p.f.conn.evaluate(map[string]any{"context": ctx}, jsonWrap(`(() => {
  const since = `+fmt.Sprint(p.since.UnixMilli())+`;
  return Services.console.getMessageArray()
    .filter(m => m.timeStamp >= since)
    .map(m => (m instanceof Ci.nsIScriptError)
      ? {t: m.timeStamp, msg: m.errorMessage, src: m.sourceName}
      : {t: m.timeStamp, msg: m.message || "", src: ""});
})()`))
	if err != nil {
		return []cookieEvent{{Kind: evWarned, Why: "console unavailable: " + err.Error()}}
	}
	var msgs []struct {
		T   float64 `json:"t"`
		Msg string  `json:"msg"`
		Src string  `json:"src"`
	}
	_ = json.Unmarshal(raw, &msgs)
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	var out []cookieEvent
	for _, m := range msgs {
		key := fmt.Sprint(m.T) + m.Src + m.Msg
		if p.seen[key] || !strings.HasPrefix(m.Src, origin) || !strings.Contains(m.Msg, "“"+name+"”") {
			continue
		}
		p.seen[key] = true
		kind := evWarned
		if strings.Contains(m.Msg, "has been rejected") {
			kind = evRefused
		}
		out = append(out, cookieEvent{Request: pathOf(m.Src), Kind: kind, Why: m.Msg})
	}
	return out
}

func (p *firefoxPage) Close() error {
	err := p.f.conn.call("browsingContext.close", map[string]any{"context": p.context}, nil)
	if err2 := p.f.conn.call("browser.removeUserContext", map[string]any{"userContext": p.userContext}, nil); err == nil {
		err = err2
	}
	return err
}

// bidiConn is a minimal WebDriver BiDi client: commands with ids, answers
// matched by id, events ignored.
type bidiConn struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	next    int
	pending map[int]chan bidiMsg
	done    chan struct{}
	err     error
}

type bidiMsg struct {
	ID      *int            `json:"id"`
	Type    string          `json:"type"`
	Result  json.RawMessage `json:"result"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

func dialBiDi(ctx context.Context, url string) (*bidiConn, error) {
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("dialing %s: %w", url, err)
	}
	ws.SetReadLimit(64 << 20)
	c := &bidiConn{ws: ws, pending: map[int]chan bidiMsg{}, done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

func (c *bidiConn) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		var m bidiMsg
		if json.Unmarshal(data, &m) != nil || m.ID == nil {
			continue // an event
		}
		c.mu.Lock()
		ch := c.pending[*m.ID]
		delete(c.pending, *m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// call sends a command and decodes its result into out (if not nil).
func (c *bidiConn) call(method string, params any, out any) error {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.next++
	id := c.next
	ch := make(chan bidiMsg, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	msg, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		return err
	}
	select {
	case m := <-ch:
		if m.Type == "error" {
			return fmt.Errorf("%s: %s: %s", method, m.Error, m.Message)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: connection closed: %v", method, c.err)
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return fmt.Errorf("%s: no answer within %v", method, opTimeout)
	}
}

// evaluate runs a script (whose value is a JSON string, see jsonWrap) in
// target and returns that JSON.
func (c *bidiConn) evaluate(target map[string]any, expr string) (json.RawMessage, error) {
	var res struct {
		Type   string `json:"type"`
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := c.call("script.evaluate", map[string]any{"expression": expr, "target": target,
		"awaitPromise": true, "resultOwnership": "none"}, &res); err != nil {
		return nil, err
	}
	if res.Type == "exception" {
		return nil, fmt.Errorf("script threw: %s", res.ExceptionDetails.Text)
	}
	if res.Result.Type != "string" {
		return nil, fmt.Errorf("script returned %s, not a JSON string", res.Result.Type)
	}
	var s string
	if err := json.Unmarshal(res.Result.Value, &s); err != nil {
		return nil, err
	}
	return json.RawMessage(s), nil
}

func (c *bidiConn) close() {
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
}
