// Package e2e is crosssession's browser suite: its tests start Gin APIs that
// use crosssession and run every scenario in real browser engines, one
// after another: Chromium through chromedp (two profiles), Firefox ESR over
// WebDriver BiDi and WebKitGTK through WebKitWebDriver. Each cell's observed
// outcome is checked against one expectation table (expect_test.go), and
// each full run writes TABLE-<engine>.md with what the engine did and what
// the library said.
//
// It is a separate module so that chromedp and the websocket client are not
// dependencies of the library. Run it with
//
//	cd e2e && go test ./...
//
// It needs chromium, firefox-esr, webkit2gtk-driver, xvfb and xauth (Debian
// packages; WebKit also needs root for /etc/hosts). Without an engine its
// tests skip, unless CI=true, where they fail.
package e2e
