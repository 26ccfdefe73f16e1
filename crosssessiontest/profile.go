package crosssessiontest

import (
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Profile is a browser engine with its default cookie policy, as measured
// in BROWSER-RULES.md and the e2e tables (Chromium 156, Firefox 153 ESR,
// WebKitGTK 2.50).
type Profile uint8

const (
	// Chromium is Chromium 156 with third-party cookies blocked: the
	// default of a fresh Debian Chromium profile, and of Incognito windows.
	// A cross-site response may set only a Partitioned cookie, kept in
	// the partition of the page's top-level site; an unpartitioned cookie
	// is neither set nor sent in a third-party context.
	Chromium Profile = iota
	// ChromiumThirdPartyAllowed is Chromium 156 with third-party cookies
	// allowed (cookie_controls_mode=0): SameSite, Secure and Partitioned
	// decide on their own.
	ChromiumThirdPartyAllowed
	// Firefox is Firefox 153 ESR with Total Cookie Protection (its
	// default): every cookie set or read in a third-party context lives
	// in the partition of the page's top-level site; a cookie with no
	// SameSite attribute is SameSite=None; SameSite ignores the scheme.
	Firefox
	// WebKit is WebKitGTK 2.50 with third-party cookies blocked (Safari's
	// default): no cookie is set by a cross-site response, Partitioned or
	// not; no Secure cookie is set over plain http, localhost included;
	// cookies stored first-party are still sent on cross-site requests
	// when their SameSite allows; a cookie with no SameSite attribute is
	// SameSite=None, and SameSite=None needs no Secure.
	WebKit
)

// Profiles lists every profile, for tests that loop over the engines.
var Profiles = []Profile{Chromium, ChromiumThirdPartyAllowed, Firefox, WebKit}

// String returns the profile's name as the e2e tables write it:
// "chromium", "chromium-3pc", "firefox" or "webkit".
func (p Profile) String() string {
	switch p {
	case Chromium:
		return "chromium"
	case ChromiumThirdPartyAllowed:
		return "chromium-3pc"
	case Firefox:
		return "firefox"
	case WebKit:
		return "webkit"
	}
	return "unknown"
}

// UserAgent returns the User-Agent header the profile sends, which is how
// crosssession tells the engine apart in its diagnostics.
func (p Profile) UserAgent() string {
	switch p {
	case Firefox:
		return "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"
	case WebKit:
		return "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15"
	}
	return "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
}

func (p Profile) chromium() bool { return p == Chromium || p == ChromiumThirdPartyAllowed }

// Site returns the schemeful site of rawURL as this profile computes it:
// scheme "://" registrable domain, or the host itself when it has none (IP
// addresses, localhost, a public suffix). It is the key of CHIPS
// partitions, as Browser.Cookies takes it. WebKit finds no registrable
// domain under a top-level domain the public suffix list does not know
// (".test"), so there every host is its own site (measured, BROWSER-RULES
// "c'").
func (p Profile) Site(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return p.site(u)
}

func (p Profile) site(u *url.URL) string {
	return u.Scheme + "://" + bracket(p.registrable(hostOf(u)))
}

// registrable returns host's registrable domain (public suffix plus one
// label, BROWSER-RULES 3), or host when it has none.
func (p Profile) registrable(host string) string {
	if _, err := netip.ParseAddr(host); err == nil {
		return host
	}
	name := strings.TrimSuffix(host, ".")
	if p == WebKit {
		if suffix, icann := publicsuffix.PublicSuffix(name); !icann && !strings.Contains(suffix, ".") {
			return host // an unknown top-level domain: no registrable domain in WebKit
		}
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		return host
	}
	if name != host {
		d += "."
	}
	return d
}

// sameSiteForCookies reports whether a and b are same-site for SameSite
// purposes: schemeful in Chromium (BROWSER-RULES 6), schemeless in Firefox
// and WebKit.
func (p Profile) sameSiteForCookies(a, b *url.URL) bool {
	if p.chromium() && a.Scheme != b.Scheme {
		return false
	}
	return p.registrable(hostOf(a)) == p.registrable(hostOf(b))
}

// hostOf returns u's host, lowercase, without brackets or port.
func hostOf(u *url.URL) string { return strings.ToLower(u.Hostname()) }

func bracket(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// originOf serializes u's origin as browsers send it: scheme://host[:port],
// lowercase host, no default port (BROWSER-RULES 47).
func originOf(u *url.URL) string {
	s := u.Scheme + "://" + bracket(hostOf(u))
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		s += ":" + port
	}
	return s
}

// isLoopback reports whether host is localhost, a name under .localhost,
// 127.0.0.0/8 or ::1: the hosts Chromium and Firefox treat as potentially
// trustworthy over plain http (BROWSER-RULES 24, 25).
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// trustworthy reports whether u is a potentially trustworthy URL: https,
// or http to a loopback host. Fetch Metadata (Sec-Fetch-*) goes only to
// those (BROWSER-RULES 64).
func trustworthy(u *url.URL) bool {
	return u.Scheme == "https" || (u.Scheme == "http" && isLoopback(hostOf(u)))
}

// secureForCookies reports whether the profile sets and sends Secure
// cookies over u: https, or loopback http in Chromium and Firefox but not
// in WebKit (BROWSER-RULES 24-26, measured row f).
func (p Profile) secureForCookies(u *url.URL) bool {
	return u.Scheme == "https" || (p != WebKit && u.Scheme == "http" && isLoopback(hostOf(u)))
}

// secFetchSite computes Sec-Fetch-Site for a request from origin over the
// URLs of its redirect chain (Fetch Metadata, schemeful; BROWSER-RULES 63).
func secFetchSite(origin *url.URL, chain []*url.URL) string {
	v := "same-origin"
	for _, u := range chain {
		if originOf(u) == originOf(origin) {
			continue
		}
		v = "same-site"
		if u.Scheme == origin.Scheme && Chromium.registrable(hostOf(u)) == Chromium.registrable(hostOf(origin)) {
			continue
		}
		return "cross-site"
	}
	return v
}
