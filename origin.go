package crosssession

import (
	"github.com/crosssession/crosssession/internal/origin"
	"strings"
)

// The origin grammar, the matcher and the site computation live in
// internal/origin; this file adapts them to the names the rest of the
// package uses, and adds the rules that depend on the Config.

// An originRule is one parsed entry of Config.Origins (see origin.Rule).
type originRule = origin.Rule

// parseOrigin parses one configured origin. Its errors (*origin.Error,
// without the package prefix) name the value and, where a fix is obvious,
// suggest it. production applies the extra
// Production rule: plain http only for loopback hosts.
func parseOrigin(s string, production bool) (originRule, error) {
	r, err := origin.Parse(s)
	if err != nil {
		return r, err
	}
	if production && r.Scheme == "http" && !isLoopbackHost(r.Host) {
		fix := r
		fix.Scheme = "https"
		if fix.Port == "443" {
			fix.Port = ""
		}
		return originRule{}, &origin.Error{Value: s, Suggestion: fix.String(),
			Reason: "uses plain http, which Production allows only for loopback hosts (cookies and tokens would " +
				"cross the network in clear text; use Mode Development for a plain-http test host)"}
	}
	return r, nil
}

// originSet is the compiled allow-list.
type originSet = origin.Set

func compileOrigins(rules []originRule) *originSet { return origin.NewSet(rules) }

// maxOriginLen bounds the Origin headers worth looking at.
const maxOriginLen = origin.MaxLen

func isLoopbackHost(host string) bool { return origin.IsLoopbackHost(host) }

func splitHostPort(hp string) (host, port string) { return origin.SplitHostPort(hp) }

// siteOf returns the schemeful site of an origin (see origin.Site).
func siteOf(o string) string { return origin.Site(o) }

// allowed reports whether origin, the Origin header, is allowed: by the
// list, else by Config.AllowOriginFunc, which sees only origins in the form
// browsers send them (never "null", never one that differs from its
// canonical form) and, in Production, no plain-http origin of a host that
// is not loopback. CORS, the CSRF check, Handoff and the diagnostics all
// ask here.
func (m *middleware) allowed(o string) bool {
	if m.origins.Match(o) {
		return true
	}
	if m.originFunc == nil || len(o) > maxOriginLen {
		return false
	}
	if !origin.Canonical(o) {
		return false
	}
	if m.mode == Production && strings.HasPrefix(o, "http://") && !isLoopbackHost(hostname(o[len("http://"):])) {
		return false
	}
	return m.originFunc(o)
}
