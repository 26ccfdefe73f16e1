package crosssession

import (
	"fmt"

	"github.com/crosssession/crosssession/internal/origin"
)

// The origin grammar, the matcher and the site computation live in
// internal/origin; this file adapts them to the names the rest of the
// package uses, and adds the rules that depend on the Config.

// An originRule is one parsed entry of Config.Origins (see origin.Rule).
type originRule = origin.Rule

// parseOrigin parses one configured origin. Its errors name the value and,
// where a fix is obvious, suggest it. production applies the extra
// Production rule: plain http only for loopback hosts.
func parseOrigin(s string, production bool) (originRule, error) {
	r, err := origin.Parse(s)
	if err != nil {
		return r, fmt.Errorf("crosssession: %w", err)
	}
	if production && r.Scheme == "http" && !isLoopbackHost(r.Host) {
		fix := r
		fix.Scheme = "https"
		if fix.Port == "443" {
			fix.Port = ""
		}
		return originRule{}, fmt.Errorf("crosssession: %w", &origin.Error{Value: s, Suggestion: fix.String(),
			Reason: "uses plain http, which Production allows only for loopback hosts (cookies and tokens would " +
				"cross the network in clear text; use Mode Development for a plain-http test host)"})
	}
	return r, nil
}

// originSet is the compiled allow-list, with the ready
// Access-Control-Allow-Origin value of each exact entry: a one-element
// slice with len == cap, so an append by later middleware copies it.
type originSet struct {
	set  *origin.Set
	acao map[string][]string
}

func compileOrigins(rules []originRule) *originSet {
	s := &originSet{set: origin.NewSet(rules), acao: make(map[string][]string)}
	for _, r := range rules {
		if r.Exact() {
			o := r.String()
			s.acao[o] = []string{o}
		}
	}
	return s
}

// lookup reports whether origin, the raw Origin header, is allowed, and
// for an exact entry returns its ready Access-Control-Allow-Origin value
// (nil for a pattern match).
func (s *originSet) lookup(o string) ([]string, bool) {
	if v, ok := s.acao[o]; ok {
		return v, true
	}
	return nil, s.set.Match(o)
}

// maxOriginLen bounds the Origin headers worth looking at.
const maxOriginLen = origin.MaxLen

func isLoopbackHost(host string) bool { return origin.IsLoopbackHost(host) }

func splitHostPort(hp string) (host, port string) { return origin.SplitHostPort(hp) }

// siteOf returns the schemeful site of an origin (see origin.Site).
func siteOf(o string) string { return origin.Site(o) }
