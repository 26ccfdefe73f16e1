// Package e2e is crosssession's browser suite: its tests start Gin APIs that
// use crosssession, drive a real headless Chromium against them with
// chromedp, and check what the browser did with the session cookie, in
// Chromium's own words (DevTools protocol cookie and CORS reasons).
//
// It is a separate module so that chromedp is not a dependency of the
// library. Run it with
//
//	cd e2e && go test ./...
//
// It needs Chromium (apt-get install -y chromium). Without it the tests skip,
// unless CI=true, where they fail.
package e2e
