package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// demoResult is what each window.demo method resolves to.
type demoResult struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
	Error  string          `json:"error"`
}

func (r demoResult) String() string {
	s := fmt.Sprintf("%d %s", r.Status, strings.TrimSpace(string(r.Body)))
	if r.Error != "" {
		s += " (error: " + r.Error + ")"
	}
	return s
}

// TestExampleFlow builds ../example, runs it on free ports (page on
// http://localhost:N, API on http://localhost:M) and drives its page the way
// a user would: login, whoami, bearer, logout, whoami.
func TestExampleFlow(t *testing.T) {
	requireChromium(t)
	if _, err := os.Stat(filepath.Join("..", "example", "main.go")); err != nil {
		msg := "../example/main.go not found: the example app is not in this tree"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: the example flow must run)")
		}
		t.Skip(msg)
	}

	bin := filepath.Join(t.TempDir(), "example")
	build := exec.Command("go", "build", "-o", bin, "./example")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./example: %v\n%s", err, out)
	}

	webPort, apiPort := freePort(t), freePort(t)
	for apiPort == webPort {
		apiPort = freePort(t)
	}
	var out syncBuffer
	cmd := exec.Command(bin, "-web-port", strconv.Itoa(webPort), "-api-port", strconv.Itoa(apiPort))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the example: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// Stop only the process this test started, by its handle.
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		t.Logf("example exited (%v); its output:\n%s", waitErr, out.String())
	})
	for _, p := range []int{webPort, apiPort} {
		if err := waitPort(p, exited, 20*time.Second); err != nil {
			t.Fatalf("the example did not listen on port %d: %v\noutput:\n%s", p, err, out.String())
		}
	}

	page := fmt.Sprintf("http://localhost:%d/", webPort)
	api := fmt.Sprintf("http://localhost:%d", apiPort)
	tb := newTab(t)
	tb.navigate(page)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := tryEval[bool](tb, "typeof window.demo === 'object' && window.demo !== null")
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("window.demo never appeared on %s (last error: %v)", page, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	type step struct {
		call  string
		check func(demoResult) bool
		want  string
	}
	steps := []step{
		{"login('alice')", func(r demoResult) bool { return r.Status == 200 }, "200"},
		{"whoami()", func(r demoResult) bool { return r.Status == 200 && hasUser(r.Body, "alice") }, "200 with user alice"},
		{"bearer()", func(r demoResult) bool { return r.Status == 200 }, "200"},
		{"logout()", func(r demoResult) bool { return r.Status/100 == 2 }, "2xx"},
		{"whoami()", func(r demoResult) bool { return r.Status == 401 }, "401"},
	}
	var got []string
	failed := false
	for _, s := range steps {
		mark := tb.net.mark()
		r := eval[demoResult](tb, "window.demo."+s.call)
		tb.net.settle(2 * time.Second)
		got = append(got, s.call+" "+strconv.Itoa(r.Status))
		t.Logf("%s -> %s\n  Chromium network events:\n%s", s.call, r, tb.net.dumpFrom(mark, api))
		if !s.check(r) {
			failed = true
			t.Errorf("%s: want %s, got %s\nChromium: %s\nnetwork events:\n%s",
				s.call, s.want, r, tb.net.reasonsFrom(mark, api), tb.net.dumpFrom(mark, api))
		}
	}
	expected := "login 200, whoami 200 alice, bearer 200, logout 2xx, whoami 401"
	result := "as expected"
	if failed {
		result = "MISMATCH"
	}
	report(t, cellResult{cell: "e", setup: "example app (Dev), " + strings.TrimSuffix(page, "/") + " -> " + api + " (same-site)",
		expected: expected, got: result + " — " + strings.Join(got, ", "),
		chromium: tb.net.reasons(api) + " · jar " + tb.jar("localhost")})
}

// hasUser reports whether a JSON body names user, as {"user": "alice"} or
// nested one level down, e.g. {"session": {"user": "alice"}}.
func hasUser(body json.RawMessage, user string) bool {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	if m["user"] == user {
		return true
	}
	for _, v := range m {
		if sub, ok := v.(map[string]any); ok && sub["user"] == user {
			return true
		}
	}
	return false
}

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitPort waits until 127.0.0.1:port accepts connections, or the process
// exits, or d passes.
func waitPort(port int, exited <-chan struct{}, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		var dialer net.Dialer
		c, err := dialer.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("the process exited")
		case <-ctx.Done():
			return fmt.Errorf("timed out: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
