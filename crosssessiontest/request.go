package crosssessiontest

import (
	"fmt"
	"net/http"
	"net/url"
)

func isRedirect(status int) bool {
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308
}

// nextHop resolves a redirect's Location against cur (the fragment carries
// over when the Location has none) and returns the method and body of the
// next request (Fetch, "HTTP-redirect fetch").
func nextHop(cur *url.URL, status int, location, method, body string, hdr http.Header) (*url.URL, string, string, error) {
	loc, err := cur.Parse(location)
	if err != nil || (loc.Scheme != "http" && loc.Scheme != "https") {
		return nil, "", "", fmt.Errorf("redirect to %q, not an http(s) URL", location)
	}
	if loc.Fragment == "" && loc.RawFragment == "" {
		loc.Fragment, loc.RawFragment = cur.Fragment, cur.RawFragment
	}
	if status == 303 && method != "GET" && method != "HEAD" || (status == 301 || status == 302) && method == "POST" {
		method, body = "GET", ""
		for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Language", "Content-Location"} {
			hdr.Del(k)
		}
	}
	return loc, method, body, nil
}

const maxRedirects = 20

// withoutFragment is u without its fragment: the request target.
func withoutFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}
