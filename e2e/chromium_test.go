package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

// Chromium, driven by chromedp over the DevTools protocol, in two profiles:
// Debian's default (third-party cookies blocked) and one with third-party
// cookies allowed. Each cell gets a tab in a new browser context (an empty
// cookie jar with the profile's cookie settings). The default profile's
// browser is the one the rest of the suite shares (sharedBrowser).

var chromiumEngine = engineSpec{
	name: "chromium",
	find: func() string {
		if chromiumPath() == "" {
			return "Chromium not found (no /usr/bin/chromium, no chromium on PATH); install it with: apt-get install -y chromium"
		}
		return ""
	},
	profiles: []func() (engine, error){
		func() (engine, error) {
			// The shared default-profile browser; TestMain stops it.
			shared.once.Do(func() {
				var c *chromium
				c, shared.err = startChromium(chromiumPath(), false)
				if c != nil {
					shared.ctx, shared.stop, shared.version = c.ctx, c.stop, c.version
				}
			})
			if shared.err != nil {
				return nil, shared.err
			}
			return &chromium{ctx: shared.ctx, version: shared.version, shared: true}, nil
		},
		func() (engine, error) { return startChromium(chromiumPath(), true) },
	},
}

type chromium struct {
	ctx      context.Context // a chromedp context with a running browser
	stop     func()
	version  string
	allow3pc bool
	shared   bool // the suite's shared browser: Close leaves it running
}

func (c *chromium) ID() string {
	if c.allow3pc {
		return "chromium-3pc"
	}
	return "chromium"
}

func (c *chromium) Describe() string {
	if c.allow3pc {
		return "fresh profile with profile.cookie_controls_mode=0 (third-party cookies allowed)"
	}
	return "fresh profile, Debian's defaults (profile.cookie_controls_mode=1: third-party cookies blocked)"
}

func (c *chromium) Version() string { return c.version }

func (c *chromium) Close() error {
	if !c.shared && c.stop != nil {
		c.stop()
	}
	return nil
}

func (c *chromium) NewPage([]string) (page, error) {
	nl := newNetlog()
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(nl.on))
	// The first Run opens the tab and binds it to ctx: no deadline here.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		return nil, err
	}
	p := &chromiumPage{ctx: ctx, cancel: cancel, net: nl}
	if err := p.do(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
		return err
	}); err != nil {
		cancel()
		return nil, err
	}
	return p, nil
}

type chromiumPage struct {
	ctx    context.Context
	cancel context.CancelFunc
	net    *netlog
	mark   int // CookieEvents reads from here
}

func (p *chromiumPage) do(f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(p.ctx, opTimeout)
	defer cancel()
	return f(ctx)
}

func (p *chromiumPage) Navigate(url string) error {
	return p.do(func(ctx context.Context) error { return chromedp.Do(ctx, chromedp.Navigate(url)) })
}

func (p *chromiumPage) Eval(expr string) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(p.ctx, opTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](jsonWrap(expr), chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, err
	}
	return json.RawMessage(s), nil
}

func (p *chromiumPage) Cookies(host string) ([]jarCookie, error) {
	var cookies []*network.Cookie
	err := p.do(func(ctx context.Context) error {
		id := chromedp.FromContext(p.ctx).BrowserContextID
		res, err := chromedp.CallBrowser(ctx, storage.GetCookies, storage.GetCookiesParams{BrowserContextID: id})
		cookies = res.Cookies
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []jarCookie
	for _, c := range cookies {
		if strings.TrimPrefix(c.Domain, ".") != host {
			continue
		}
		jc := jarCookie{Name: c.Name, SameSite: string(c.SameSite), Secure: c.Secure, HTTPOnly: c.HTTPOnly}
		if c.PartitionKey != nil {
			jc.Partition = c.PartitionKey.TopLevelSite
		}
		out = append(out, jc)
	}
	return out, nil
}

// EngineSaid is Chromium's own account of the requests to origin: cookies
// sent or held back, Set-Cookie lines refused, CORS errors, each with the
// DevTools protocol's reason.
func (p *chromiumPage) EngineSaid(origin string) string {
	p.net.settle(2 * time.Second)
	return p.net.engineReasons(origin)
}

// CookieEvents is Chromium's DevTools account of the cookie name on the
// requests to origin since the previous call.
func (p *chromiumPage) CookieEvents(origin, name string) []cookieEvent {
	p.net.settle(2 * time.Second)
	var ev []cookieEvent
	ev, p.mark = p.net.cookieEventsFrom(p.mark, origin, name)
	return ev
}

func (p *chromiumPage) Close() error {
	p.cancel()
	return nil
}
