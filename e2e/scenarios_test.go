package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-gonic/gin"
)

// devFrontHosts are the development front ends on several hosts of
// scenario b, all served by one dev server on one port.
var devFrontHosts = []string{"app.localhost", "staging.localhost"}

// devFrontOrigins is the allow-list scenario b gives Dev(): every
// *.localhost name on any port, the pattern the README's Origins table
// documents.
func devFrontOrigins() []string {
	return []string{"http://*.localhost:*"}
}

// A scenario is written once and run in every engine and profile.
type scenario struct {
	name  string
	about string // the deployment, for the table (ports as P, Q, R)
	// hosts may get cookies in this scenario: engines without fresh
	// contexts (WebKit) clear them between cells.
	hosts []string
	run   func(c *cell)
}

// prodKey is the Production preset's key; a fixed value keeps nothing
// secret here, and each API still has its own random key under Dev().
func prodKey(t *testing.T) []byte { return randomKey(t) }

// hybrid returns the README's hybrid API: engine-level Bearer, cookie
// Group at /users/session. Over http the Bearer policy runs in Development
// mode (Production refuses plain-http origins other than loopback), as the
// example app does.
func hybrid(t *testing.T, prod bool, front string) apiSpec {
	bearer := crosssession.Bearer(front)
	spec := apiSpec{bearer: &bearer, scheme: "https", host: "api.example.com", returns: []string{front}}
	if prod {
		spec.cookie = crosssession.Prod(prodKey(t), front)
	} else {
		spec.cookie = crosssession.Dev(front)
		spec.bearer.Mode = crosssession.Development
		spec.scheme = "http"
	}
	return spec
}

func scenarios() []scenario {
	var list []scenario

	// (a) SPA and API on localhost, two ports, Dev() with its default
	// origins.
	list = append(list, scenario{
		name:  "a-dev-localhost",
		about: "Dev(): http://localhost:P → http://localhost:Q (same-site)",
		hosts: []string{"localhost"},
		run: func(c *cell) {
			fe := frontend("SPA")
			fp := serve(c.t, fe, false)
			api := c.api(apiSpec{cookie: crosssession.Dev(), scheme: "http", host: "localhost"})
			c.name(fp, "P")
			sessionFlow(c, fe, origin("http", "localhost", fp), api, loginFetch, false)
		},
	})

	// (b) front ends on several hosts in development → API on localhost.
	for _, h := range devFrontHosts {
		list = append(list, scenario{
			name:  "b-dev-" + strings.TrimSuffix(h, ".localhost") + "-localhost",
			about: "Dev(\"http://*.localhost:*\"): http://" + h + ":P → http://localhost:Q (cross-site: *.localhost names are sites of their own)",
			hosts: []string{"localhost"},
			run: func(c *cell) {
				fe := frontend("SPA")
				fp := serve(c.t, fe, false)
				api := c.api(apiSpec{cookie: crosssession.Dev(devFrontOrigins()...), scheme: "http", host: "localhost"})
				c.name(fp, "P")
				sessionFlow(c, fe, origin("http", h, fp), api, loginFetch, false)
			},
		})
	}

	// (b) subdomain front end in production.
	list = append(list, scenario{
		name:  "b-prod-subdomain",
		about: "Prod: https://app.example.com:P → https://api.example.com:Q (same-site)",
		hosts: []string{"api.example.com"},
		run: func(c *cell) {
			fe := frontend("SPA")
			fp := serve(c.t, fe, true)
			front := origin("https", "app.example.com", fp)
			api := c.api(apiSpec{cookie: crosssession.Prod(prodKey(c.t), front), scheme: "https", host: "api.example.com"})
			c.name(fp, "P")
			sessionFlow(c, fe, front, api, loginFetch, false)
		},
	})

	// (c) the hybrid API: Bearer engine-level + cookie Group, same-site and
	// cross-site, Development over http and Production over https, three
	// login styles: fetch, and two logins by redirect (a form POST, an
	// OAuth-style callback) that end with crosssession.Handoff, redeemed by
	// the SPA page on load. One CONTROL cell, Production cross-site, logs in
	// the old way (the form POST's response sets the cookie first-party),
	// to show what Handoff is for.
	//
	// The cross-site front end is https://myapp.vercel.app; over http it is
	// http://myapp.example.org, because the whole .app TLD is on the HSTS
	// preload list: browsers never load http://myapp.vercel.app.
	for _, mode := range []string{"dev", "prod"} {
		for _, site := range []struct{ name, host, why string }{
			{"same-site", "app.example.com", "same-site"},
			{"cross-site", "myapp.vercel.app", "cross-site: vercel.app is a public suffix"},
		} {
			styles := []string{loginFetch, loginForm, loginOAuth}
			if mode == "prod" && site.name == "cross-site" {
				styles = append(styles, loginFormFirstParty)
			}
			for _, style := range styles {
				scheme, preset := "http", "Dev"
				if mode == "prod" {
					scheme, preset = "https", "Prod"
				} else if site.host == "myapp.vercel.app" {
					site.host, site.why = "myapp.example.org", "cross-site"
				}
				name, how := "c-hybrid-"+mode+"-"+site.name+"-"+style, style+" login"
				switch style {
				case loginForm, loginOAuth:
					how += " ending with Handoff"
				case loginFormFirstParty:
					name += "-control"
					how = "CONTROL, no Handoff: form login whose response sets the cookie first-party"
				}
				list = append(list, scenario{
					name: name,
					about: "Bearer + Group(" + preset + "), " + how + ": " + scheme + "://" + site.host + ":P → " +
						scheme + "://api.example.com:Q (" + site.why + ")",
					hosts: []string{"api.example.com"},
					run: func(c *cell) {
						fe := frontend("SPA")
						fp := serve(c.t, fe, mode == "prod")
						front := origin(scheme, site.host, fp)
						api := c.api(hybrid(c.t, mode == "prod", front))
						c.name(fp, "P")
						sessionFlow(c, fe, front, api, style, true)
					},
				})
			}
		}
	}

	// 127.0.0.1 → localhost: different hosts, so cross-site.
	list = append(list, scenario{
		name:  "d-dev-127-to-localhost",
		about: "Dev(http://127.0.0.1:P): http://127.0.0.1:P → http://localhost:Q (cross-site)",
		hosts: []string{"localhost", "127.0.0.1"},
		run: func(c *cell) {
			fe := frontend("SPA")
			fp := serve(c.t, fe, false)
			front := origin("http", "127.0.0.1", fp)
			api := c.api(apiSpec{cookie: crosssession.Dev(front), scheme: "http", host: "localhost"})
			c.name(fp, "P")
			sessionFlow(c, fe, front, api, loginFetch, false)
		},
	})

	// The Production preset tried on http://localhost (loopback http is
	// accepted by Prod): its cookie is Secure.
	list = append(list, scenario{
		name:  "e-prod-http-localhost",
		about: "Prod(http://localhost:P): http://localhost:P → http://localhost:Q (same-site, plain http)",
		hosts: []string{"localhost"},
		run: func(c *cell) {
			fe := frontend("SPA")
			fp := serve(c.t, fe, false)
			front := origin("http", "localhost", fp)
			api := c.api(apiSpec{cookie: crosssession.Prod(prodKey(c.t), front), scheme: "http", host: "localhost"})
			c.name(fp, "P")
			sessionFlow(c, fe, front, api, loginFetch, false)
		},
	})

	// The CSRF attack page: unlisted origins try to change state with the
	// victim's session.
	for _, a := range []struct {
		name, about string
		prod        bool
		front, evil string // front end host; attacker host
		apiHost     string
	}{
		{"f-attack-dev-cross-site", "Dev(http://localhost:P), API http://localhost:Q; attacker http://evil.example.net:R (cross-site)",
			false, "localhost", "evil.example.net", "localhost"},
		{"f-attack-dev-same-site", "Dev(http://localhost:P), API http://localhost:Q; attacker http://localhost:R (same-site, unlisted)",
			false, "localhost", "localhost", "localhost"},
		{"f-attack-prod-cross-site", "Prod(https://myapp.vercel.app:P), API https://api.example.com:Q; attacker https://evil.example.net:R",
			true, "myapp.vercel.app", "evil.example.net", "api.example.com"},
		{"f-attack-prod-partition", "Prod(https://myapp.vercel.app:P), API https://api.example.com:Q; attacker https://myapp.vercel.app:R (unlisted port of the victim's site: same CHIPS partition)",
			true, "myapp.vercel.app", "myapp.vercel.app", "api.example.com"},
	} {
		list = append(list, scenario{
			name:  a.name,
			about: a.about,
			hosts: []string{a.apiHost},
			run: func(c *cell) {
				scheme := "http"
				if a.prod {
					scheme = "https"
				}
				fp := serve(c.t, frontend("bank SPA"), a.prod)
				ep := serve(c.t, frontend("attacker"), a.prod)
				front := origin(scheme, a.front, fp)
				cfg := crosssession.Dev(front)
				if a.prod {
					cfg = crosssession.Prod(prodKey(c.t), front)
				}
				api := c.api(apiSpec{cookie: cfg, scheme: scheme, host: a.apiHost})
				c.name(fp, "P")
				c.name(ep, "R")
				attackFlow(c, front, api, origin(scheme, a.evil, ep))
			},
		})
	}

	// Control, not the library: a plain SameSite=None; Secure cookie (not
	// Partitioned) set cross-site by a credentialed fetch. It shows what
	// each profile does with third-party cookies, so the two Chromium
	// profiles are known to differ.
	list = append(list, scenario{
		name:  "g-control-third-party-cookie",
		about: "control (no crosssession): `probe=1; SameSite=None; Secure` from https://api.example.com:Q to a fetch from https://myapp.vercel.app:P",
		hosts: []string{"api.example.com"},
		run: func(c *cell) {
			fe := frontend("SPA")
			fp := serve(c.t, fe, true)
			front := origin("https", "myapp.vercel.app", fp)
			api := c.probeAPI()
			c.name(fp, "P")
			if err := c.load(front + "/"); err != nil {
				c.t.Fatalf("loading the SPA: %v", err)
			}
			c.step("set", func() string {
				return fetchIn(c.p, api.origin+"/probe", map[string]any{"method": "POST", "credentials": "include"}).String()
			})
			c.step("send", func() string {
				r := fetchIn(c.p, api.origin+"/probe", withCredentials)
				if r.Body != `{"probe":true}` {
					c.fail("no-session")
				}
				return r.String() + " " + r.Body
			})
			c.readJar("api.example.com")
			c.said = append(c.said, c.p.EngineSaid(api.origin))
			if c.outcome == "" {
				c.outcome = "works"
			}
		},
	})
	return list
}

// api starts a scenario API for the cell and names its port Q.
func (c *cell) api(spec apiSpec) *scenarioAPI {
	a := startScenarioAPI(c.t, spec)
	c.apis = append(c.apis, a)
	c.name(portOf(a.origin), "Q")
	return a
}

// probeAPI is the control's API: no crosssession, a plain cookie.
func (c *cell) probeAPI() *scenarioAPI {
	a := &scenarioAPI{rec: newRecorder("probe"), control: true}
	r := gin.New()
	r.Use(a.rec.middleware, func(ctx *gin.Context) {
		if o := ctx.GetHeader("Origin"); o != "" {
			ctx.Header("Access-Control-Allow-Origin", o)
			ctx.Header("Access-Control-Allow-Credentials", "true")
			ctx.Header("Vary", "Origin")
		}
	})
	r.POST("/probe", func(ctx *gin.Context) {
		ctx.Header("Set-Cookie", "probe=1; Path=/; SameSite=None; Secure")
		ctx.Status(http.StatusNoContent)
	})
	r.GET("/probe", func(ctx *gin.Context) {
		_, err := ctx.Request.Cookie("probe")
		ctx.JSON(http.StatusOK, gin.H{"probe": err == nil})
	})
	a.origin = origin("https", "api.example.com", serve(c.t, r, true))
	c.apis = append(c.apis, a)
	c.name(portOf(a.origin), "Q")
	return a
}
