package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// An engine is one browser engine in one profile, started once and shared by every
// cell of the run. Each scenario is written once against this interface
// (and page) and run in every browser.
type engine interface {
	// ID names the engine and profile in the expectation table:
	// "chromium", "chromium-3pc", "firefox", "webkit".
	ID() string
	// Describe says which profile this is, for the generated table.
	Describe() string
	// Version is the engine's own product string.
	Version() string
	// NewPage opens a page whose cookie jar holds nothing from earlier
	// cells: a new browser context (Chromium) or user context (Firefox)
	// where the engine has them; otherwise (WebKit) the engine clears the
	// cookies of hosts when the page is closed, and checks at open that
	// they are gone.
	NewPage(hosts []string) (page, error)
	// Close stops the browser process and removes what it left on disk.
	Close() error
}

// A page is one top-level browsing context of a browser.
type page interface {
	// Navigate loads url at top level and waits for its load event.
	Navigate(url string) error
	// Eval runs a JavaScript expression in the page, awaits it if it is a
	// promise, and returns its value as JSON.
	Eval(expr string) (json.RawMessage, error)
	// Cookies returns the cookies the engine holds for host, partitioned
	// ones included where the engine can list them. errNoJar where the
	// engine cannot tell.
	Cookies(host string) ([]jarCookie, error)
	// EngineSaid returns what the engine itself reported since the page
	// opened about requests to origin (Chromium: DevTools cookie and CORS
	// reasons; Firefox: console messages about cookies; WebKit: nothing).
	EngineSaid(origin string) string
	// CookieEvents returns what the engine itself said about the cookie
	// named name on requests to origin since the previous call (since the
	// page opened, at the first): Chromium's DevTools blockedCookies and
	// associatedCookies, Firefox's console. nil where the engine says
	// nothing (WebKit: the API's own record is the evidence there).
	CookieEvents(origin, name string) []cookieEvent
	// Close closes the page and, where the engine has no fresh contexts,
	// clears the cookies of the hosts given to NewPage.
	Close() error
}

var errNoJar = errors.New("the engine does not list its cookie jar")

// A cookieEvent is one thing an engine said about the session cookie.
type cookieEvent struct {
	Request string // "POST /users/session" as the engine names it; Firefox: the URL's path only
	Kind    string // evStored, evRefused, evSent, evNotSent, evWarned
	Expiry  bool   // about a Set-Cookie line that expires the cookie (Chromium; Firefox: unknown, false)
	Why     string // the engine's own words or reason codes
}

const (
	evStored  = "stored"   // a Set-Cookie line accepted
	evRefused = "refused"  // a Set-Cookie line refused
	evSent    = "sent"     // the cookie attached to the request
	evNotSent = "not-sent" // the cookie in the jar but not attached
	evWarned  = "warned"   // a warning that changes nothing now (Firefox: "will soon be rejected")
)

func (e cookieEvent) String() string {
	s := e.Request + ": " + e.Kind
	if e.Expiry {
		s += " (expiry)"
	}
	if e.Why != "" {
		s += " [" + e.Why + "]"
	}
	return s
}

// jarCookie is one cookie in an engine's jar.
type jarCookie struct {
	Name, SameSite string
	Secure         bool
	HTTPOnly       bool
	Partition      string // the partition's top-level site, "" if unpartitioned
}

func (c jarCookie) String() string {
	s := c.Name + " (SameSite=" + orDash(c.SameSite)
	if c.Secure {
		s += ", Secure"
	}
	if c.HTTPOnly {
		s += ", HttpOnly"
	}
	if c.Partition != "" {
		s += ", partition " + c.Partition
	}
	return s + ")"
}

// evalAs runs expr in p and decodes its JSON value into T.
func evalAs[T any](p page, expr string) (T, error) {
	var v T
	raw, err := p.Eval(expr)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("decoding %s: %w", raw, err)
	}
	return v, nil
}

// navTimeout bounds a navigation that a script starts (a form submission,
// an OAuth-style redirect chain) until the page it ends on has loaded.
const navTimeout = 30 * time.Second

// follow runs trigger, a script that starts a top-level navigation (it must
// return first, e.g. by submitting in a setTimeout), and waits until the
// page's URL starts with want and the document has loaded. It polls with a
// deadline: evaluation fails while the old document goes away, and that is
// not an error. It returns the last URL seen.
func follow(p page, trigger, want string) (string, error) {
	if _, err := p.Eval(trigger); err != nil {
		return "", fmt.Errorf("starting the navigation: %w", err)
	}
	return waitLocation(p, want, navTimeout)
}

// waitLocation polls the page's URL until it starts with want and the
// document is complete, or d passes.
func waitLocation(p page, want string, d time.Duration) (string, error) {
	deadline := time.Now().Add(d)
	last, lastErr := "", error(nil)
	for {
		loc, err := evalAs[struct {
			Href  string `json:"href"`
			Ready string `json:"ready"`
		}](p, jsLocationReady)
		if err == nil {
			last = loc.Href
			if strings.HasPrefix(loc.Href, want) && loc.Ready == "complete" {
				return loc.Href, nil
			}
		} else {
			lastErr = err
		}
		if time.Now().After(deadline) {
			return last, fmt.Errorf("the page never reached %s within %v (last URL %q, last error %v)", want, d, last, lastErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// engineSpec says how to find and start one engine.
type engineSpec struct {
	name string
	// find returns "" if the engine can run here, or a one-line reason
	// with the command that installs it.
	find func() string
	// profiles start the engine in each profile the suite measures.
	profiles []func() (engine, error)
}

// requireEngine is the skip rule of the engine tests: a missing engine
// skips with one line, except under CI=true, where it fails, because CI
// must run every engine.
func requireEngine(t *testing.T, e engineSpec) {
	t.Helper()
	missing := e.find()
	if missing == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %s (CI=true: every engine must run)", e.name, missing)
	}
	t.Skipf("%s: %s", e.name, missing)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
