package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/gin-gonic/gin"
)

// hostRules sends every test host name to loopback, so no request leaves
// the machine. localhost, *.localhost and 127.0.0.1 need no rule.
func hostRules() string {
	var rules []string
	for _, n := range testNames {
		if !strings.HasSuffix(n, ".localhost") {
			rules = append(rules, "MAP "+n+" 127.0.0.1")
		}
	}
	return strings.Join(rules, ", ")
}

// opTimeout bounds one browser operation (navigation, script, command):
// a liveness bound for a hung browser, generous because CI machines can be
// heavily loaded, never an assertion about speed.
const opTimeout = 30 * time.Second

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	start := time.Now()
	code := m.Run()
	stopBrowser()
	if hostsAdded {
		if err := removeTestHosts(); err != nil {
			fmt.Fprintf(os.Stderr, "removing the test names from %s: %v\n", hostsFile, err)
		}
	}
	printMatrix(time.Since(start))
	os.Exit(code)
}

// chromiumPath returns the Chromium binary to drive, or "" if there is none.
func chromiumPath() string {
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && !fi.IsDir() {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// requireChromium is the suite's only skip rule, called by every test:
// without Chromium a test skips, except under CI=true, where it fails
// because CI must run the browser tests.
func requireChromium(t *testing.T) string {
	t.Helper()
	p := chromiumPath()
	if p != "" {
		return p
	}
	msg := "Chromium not found (no /usr/bin/chromium, no chromium on PATH); install it with: apt-get install -y chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: the browser tests must run)")
	}
	t.Skip(msg)
	return ""
}

// The suite shares one Chromium process; each test cell gets its own tab in
// its own browser context (see newTab), so cookies never leak between cells.
var shared struct {
	once    sync.Once
	ctx     context.Context // a chromedp context with a running browser
	version string
	err     error
	stop    func()
}

// sharedBrowser starts Chromium on first use and returns its context.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	path := requireChromium(t)
	shared.once.Do(func() {
		var c *chromium
		c, shared.err = startChromium(path, false)
		if c != nil {
			shared.ctx, shared.stop, shared.version = c.ctx, c.stop, c.version
		}
	})
	if shared.err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, shared.err)
	}
	return shared.ctx
}

// startChromium starts Chromium with a fresh profile. allow3pc sets the
// profile's cookie_controls_mode to 0 ("Allow third-party cookies"), as a
// user who turned blocking off would have; otherwise the profile is
// Debian's default, which blocks third-party cookies.
func startChromium(path string, allow3pc bool) (*chromium, error) {
	// A fresh profile, as a new user would have. It outlives any single test,
	// so it is not a t.TempDir; stop removes it.
	profile, err := os.MkdirTemp("", "crosssession-e2e-profile-")
	if err != nil {
		return nil, err
	}
	if allow3pc {
		if err := os.MkdirAll(profile+"/Default", 0o755); err != nil {
			return nil, err
		}
		prefs := `{"profile": {"cookie_controls_mode": 0}}`
		if err := os.WriteFile(profile+"/Default/Preferences", []byte(prefs), 0o644); err != nil {
			return nil, err
		}
	}
	var out syncBuffer
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.Flag("host-resolver-rules", hostRules()),
		chromedp.IgnoreCertErrors,
		chromedp.CombinedOutput(&out),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// The first Run owns the browser, so it gets no deadline; a watchdog
	// stops a browser that never comes up.
	watchdog := time.AfterFunc(60*time.Second, allocCancel)
	err = chromedp.Do(ctx)
	watchdog.Stop()
	stop := func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		_ = chromedp.Cancel(cctx)
		ccancel()
		cancel()
		allocCancel()
		os.RemoveAll(profile)
	}
	if err != nil {
		stop()
		return nil, fmt.Errorf("%w\nbrowser output:\n%s", err, out.String())
	}
	c := &chromium{ctx: ctx, stop: stop, allow3pc: allow3pc}
	if v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{}); err == nil {
		c.version = v.Product
	}
	return c, nil
}

func stopBrowser() {
	if shared.stop != nil {
		shared.stop()
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// tab is one page in a fresh browser context of the shared browser, with
// every network event of the page recorded.
type tab struct {
	t   *testing.T
	ctx context.Context
	net *netlog
}

// newTab opens a tab in a new browser context: an empty cookie jar with the
// default cookie settings of the profile. Start the servers a test uses
// before its tab, so that the tab closes first.
func newTab(t *testing.T) *tab {
	t.Helper()
	bctx := sharedBrowser(t)
	nl := newNetlog()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(nl.on))
	t.Cleanup(cancel)
	// The first Run opens the tab and binds it to ctx: no deadline here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	tb := &tab{t: t, ctx: ctx, net: nl}
	// chromedp enables the Network domain on every tab; say so explicitly,
	// since the cookie and CORS reasons come from its events.
	tb.call(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
		return err
	})
	return tb
}

func (tb *tab) call(f func(ctx context.Context) error) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, opTimeout)
	defer cancel()
	if err := f(ctx); err != nil {
		tb.t.Fatalf("browser: %v\nnetwork so far:\n%s", err, tb.net.dump(""))
	}
}

// navigate loads url in the tab and waits for its load event.
func (tb *tab) navigate(url string) {
	tb.t.Helper()
	tb.call(func(ctx context.Context) error { return chromedp.Do(ctx, chromedp.Navigate(url)) })
}

// eval runs a JavaScript expression in the page, awaiting a promise result,
// and decodes the value into T.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	var v T
	tb.call(func(ctx context.Context) error {
		var err error
		v, err = chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
		return err
	})
	return v
}

// tryEval is eval that returns the error instead of failing the test, for
// pages that may be navigating.
func tryEval[T any](tb *tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// jar returns the cookies of the tab's browser context whose domain is
// host, partitioned ones included, one line each.
func (tb *tab) jar(host string) string {
	tb.t.Helper()
	var cookies []*network.Cookie
	tb.call(func(ctx context.Context) error {
		id := chromedp.FromContext(tb.ctx).BrowserContextID
		res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: id})
		cookies = res.Cookies
		return err
	})
	var lines []string
	for _, c := range cookies {
		if c.Domain != host {
			continue
		}
		s := fmt.Sprintf("%s (SameSite=%s", c.Name, orDash(string(c.SameSite)))
		if c.Secure {
			s += ", Secure"
		}
		if c.HTTPOnly {
			s += ", HttpOnly"
		}
		if c.PartitionKey != nil {
			s += ", partition " + c.PartitionKey.TopLevelSite
		}
		lines = append(lines, s+")")
	}
	if len(lines) == 0 {
		return "no cookie for " + host
	}
	sort.Strings(lines)
	return host + ": " + strings.Join(lines, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// A cellResult is one line of the closing matrix.
type cellResult struct {
	cell, setup, expected, got, chromium string
}

var results struct {
	sync.Mutex
	list []cellResult
}

// report logs the one-line summary of a cell and keeps it for the matrix
// that TestMain prints at the end.
func report(t *testing.T, r cellResult) {
	t.Helper()
	t.Logf("SUMMARY cell %s | %s | expected: %s | got: %s | Chromium: %s", r.cell, r.setup, r.expected, r.got, r.chromium)
	results.Lock()
	results.list = append(results.list, r)
	results.Unlock()
}

func printMatrix(took time.Duration) {
	results.Lock()
	defer results.Unlock()
	if len(results.list) == 0 {
		return
	}
	sort.SliceStable(results.list, func(i, j int) bool { return results.list[i].cell < results.list[j].cell })
	fmt.Printf("\n=== crosssession browser matrix (%s, suite %.1fs)\n", shared.version, took.Seconds())
	for _, r := range results.list {
		fmt.Printf("%-4s %s\n     expected: %s\n     got:      %s\n     Chromium: %s\n",
			r.cell, r.setup, r.expected, r.got, r.chromium)
	}
}
