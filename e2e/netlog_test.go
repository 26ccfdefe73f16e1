package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
)

// netlog records what Chromium's network stack says about each request of a
// tab: the cookies it attached or held back, the Set-Cookie lines it refused,
// and CORS failures, each with Chromium's DevTools-protocol reason.
type netlog struct {
	mu    sync.Mutex
	reqs  map[network.RequestID]*netReq
	order []*netReq
}

type netReq struct {
	id          network.RequestID
	method, url string
	typ         network.ResourceType
	status      int64
	setCookies  []string // Set-Cookie lines as received, values elided
	refused     []string // Set-Cookie refused: name [reasons]
	sent        []string // cookies attached to the request
	held        []string // cookies in the jar but not attached: name [reasons]
	partition   string   // partition key for Partitioned cookies of this response
	debug       string   // X-Crosssession-Debug, if the API sent one
	failed      string   // net error of Network.loadingFailed
	blocked     string   // blockedReason of Network.loadingFailed
	cors        string   // corsErrorStatus of Network.loadingFailed
	respExtra   bool     // Network.responseReceivedExtraInfo seen
	done        bool     // loadingFinished or loadingFailed seen
	// The same, structured, for the diagnostics check.
	setLines   []cookieLine // Set-Cookie lines of the response
	refusedSet []cookieLine // of those, refused (blockedCookies)
	sentNames  []string     // cookies attached
	heldNames  []cookieLine // cookies not attached (associatedCookies with blockedReasons)
}

// cookieLine is one cookie of a Set-Cookie line or of a request.
type cookieLine struct {
	name, reasons, partition string
	expiry                   bool
}

// isExpiry reports whether a Set-Cookie line expires its cookie.
func isExpiry(line string) bool {
	l := strings.ToLower(line)
	return strings.Contains(l, "max-age=0") || strings.Contains(l, "max-age=-") || strings.Contains(l, "expires=thu, 01 jan 1970")
}

func newNetlog() *netlog { return &netlog{reqs: make(map[network.RequestID]*netReq)} }

// get returns the record of id, creating it: the ExtraInfo events may come
// before Network.requestWillBeSent.
func (nl *netlog) get(id network.RequestID) *netReq {
	r, ok := nl.reqs[id]
	if !ok {
		r = &netReq{id: id}
		nl.reqs[id] = r
		nl.order = append(nl.order, r)
	}
	return r
}

// on is the tab's event listener. It runs in chromedp's read loop, so it
// only records.
func (nl *netlog) on(ev any) {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r := nl.get(ev.RequestID)
		if ev.Request != nil {
			r.method, r.url = ev.Request.Method, ev.Request.URL
		}
		if ev.Type != "" {
			r.typ = ev.Type
		}
	case *network.EventRequestWillBeSentExtraInfo:
		r := nl.get(ev.RequestID)
		for _, ac := range ev.AssociatedCookies {
			if ac.Cookie == nil {
				continue
			}
			name := ac.Cookie.Name
			if ac.Cookie.PartitionKey != nil {
				name += " (partition " + ac.Cookie.PartitionKey.TopLevelSite + ")"
			}
			if len(ac.BlockedReasons) == 0 {
				r.sent = append(r.sent, name)
				r.sentNames = append(r.sentNames, ac.Cookie.Name)
				continue
			}
			rs := make([]string, len(ac.BlockedReasons))
			for i, b := range ac.BlockedReasons {
				rs[i] = string(b)
			}
			r.held = append(r.held, fmt.Sprintf("%s [%s]", name, strings.Join(rs, ",")))
			cl := cookieLine{name: ac.Cookie.Name, reasons: strings.Join(rs, ",")}
			if ac.Cookie.PartitionKey != nil {
				cl.partition = ac.Cookie.PartitionKey.TopLevelSite
			}
			r.heldNames = append(r.heldNames, cl)
		}
	case *network.EventResponseReceived:
		r := nl.get(ev.RequestID)
		if ev.Response != nil {
			if r.url == "" {
				r.url = ev.Response.URL
			}
			if r.status == 0 {
				r.status = ev.Response.Status
			}
			if v := header(ev.Response.Headers, "X-Crosssession-Debug"); v != "" {
				r.debug = v
			}
		}
		if r.typ == "" {
			r.typ = ev.Type
		}
	case *network.EventResponseReceivedExtraInfo:
		r := nl.get(ev.RequestID)
		r.respExtra = true
		r.status = ev.StatusCode
		if v := header(ev.Headers, "Set-Cookie"); v != "" {
			for _, line := range strings.Split(v, "\n") {
				r.setCookies = append(r.setCookies, elideCookieValue(line))
				n, _, _ := strings.Cut(line, "=")
				r.setLines = append(r.setLines, cookieLine{name: strings.TrimSpace(n), expiry: isExpiry(line)})
			}
		}
		if v := header(ev.Headers, "X-Crosssession-Debug"); v != "" {
			r.debug = v
		}
		if ev.CookiePartitionKey != nil {
			r.partition = ev.CookiePartitionKey.TopLevelSite
		}
		for _, bc := range ev.BlockedCookies {
			name := "(unparsable)"
			if bc.Cookie != nil {
				name = bc.Cookie.Name
			} else if n, _, ok := strings.Cut(bc.CookieLine, "="); ok {
				name = n
			}
			rs := make([]string, len(bc.BlockedReasons))
			for i, b := range bc.BlockedReasons {
				rs[i] = string(b)
			}
			r.refused = append(r.refused, fmt.Sprintf("%s [%s] line %q", name, strings.Join(rs, ","), elideCookieValue(bc.CookieLine)))
			r.refusedSet = append(r.refusedSet, cookieLine{name: name, reasons: strings.Join(rs, ","), expiry: isExpiry(bc.CookieLine)})
		}
	case *network.EventLoadingFinished:
		nl.get(ev.RequestID).done = true
	case *network.EventLoadingFailed:
		r := nl.get(ev.RequestID)
		r.done = true
		r.failed = ev.ErrorText
		r.blocked = string(ev.BlockedReason)
		if ev.CorsErrorStatus != nil {
			r.cors = string(ev.CorsErrorStatus.CorsError)
			if p := ev.CorsErrorStatus.FailedParameter; p != "" {
				r.cors += fmt.Sprintf(" (parameter %q)", p)
			}
		}
	}
}

// header returns the value of the header name in h, whatever its case.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			if s, ok := v.(string); ok {
				return s
			}
			return fmt.Sprint(v)
		}
	}
	return ""
}

// elideCookieValue replaces the (long, encrypted) value of a cookie line by
// its length.
func elideCookieValue(line string) string {
	nv, attrs, _ := strings.Cut(line, ";")
	name, value, ok := strings.Cut(nv, "=")
	if !ok || len(value) <= 12 {
		return line
	}
	out := fmt.Sprintf("%s=<%d bytes>", name, len(value))
	if attrs != "" {
		out += ";" + attrs
	}
	return out
}

// mark returns a position in the log, for since.
func (nl *netlog) mark() int {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	return len(nl.order)
}

// settle waits until every recorded http(s) request has finished and its
// ExtraInfo has arrived, so that reasons are not read too early. It gives up
// after d: a missing event is then reported as missing.
func (nl *netlog) settle(d time.Duration) {
	deadline := time.Now().Add(d)
	for {
		nl.mu.Lock()
		pending := false
		for _, r := range nl.order {
			if !strings.HasPrefix(r.url, "http") || isFavicon(r.url) {
				continue
			}
			if !r.done || (r.status != 0 && !r.respExtra && r.failed == "") {
				pending = true
				break
			}
		}
		nl.mu.Unlock()
		if !pending || time.Now().After(deadline) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isFavicon(u string) bool { return strings.HasSuffix(u, "/favicon.ico") }

// find returns a copy of the first request recorded since mark with the
// method whose URL starts with prefix, and whether there is one.
func (nl *netlog) find(mark int, method, prefix string) (netReq, bool) {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	for _, r := range nl.order[mark:] {
		if r.method == method && strings.HasPrefix(r.url, prefix) && !r.isPreflight() {
			return *r, true
		}
	}
	return netReq{}, false
}

// dump lists every request whose URL starts with prefix ("" for all), with
// everything Chromium said about it, one fact per line.
func (nl *netlog) dump(prefix string) string { return nl.dumpFrom(0, prefix) }

// dumpFrom is dump for the requests recorded since mark.
func (nl *netlog) dumpFrom(mark int, prefix string) string {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	var b strings.Builder
	for _, r := range nl.order[mark:] {
		if r.url == "" || !strings.HasPrefix(r.url, prefix) || isFavicon(r.url) || !strings.HasPrefix(r.url, "http") {
			continue
		}
		fmt.Fprintf(&b, "  %s %s [%s] -> %s\n", orDash(r.method), r.url, orDash(string(r.typ)), status(r.status))
		for _, s := range r.sent {
			fmt.Fprintf(&b, "      cookie sent: %s\n", s)
		}
		for _, s := range r.held {
			fmt.Fprintf(&b, "      cookie NOT sent (requestWillBeSentExtraInfo.associatedCookies): %s\n", s)
		}
		for _, s := range r.setCookies {
			fmt.Fprintf(&b, "      Set-Cookie: %s\n", s)
		}
		for _, s := range r.refused {
			fmt.Fprintf(&b, "      Set-Cookie REFUSED (responseReceivedExtraInfo.blockedCookies): %s\n", s)
		}
		if r.partition != "" && strings.Contains(strings.ToLower(strings.Join(r.setCookies, "\n")), "partitioned") {
			fmt.Fprintf(&b, "      partition key for Partitioned cookies: %s\n", r.partition)
		}
		if r.debug != "" {
			fmt.Fprintf(&b, "      X-Crosssession-Debug: %s\n", r.debug)
		}
		if r.failed != "" || r.cors != "" || r.blocked != "" {
			fmt.Fprintf(&b, "      loadingFailed: %s", r.failed)
			if r.blocked != "" {
				fmt.Fprintf(&b, ", blockedReason %s", r.blocked)
			}
			if r.cors != "" {
				fmt.Fprintf(&b, ", corsErrorStatus %s", r.cors)
			}
			b.WriteByte('\n')
		}
		if !r.done {
			b.WriteString("      (no loadingFinished/loadingFailed event)\n")
		}
	}
	if b.Len() == 0 {
		return "  (no request recorded)\n"
	}
	return b.String()
}

// reasons is the short form of dump for the summary line: what happened to
// the cookie on each request to prefix (preflights only when they failed).
func (nl *netlog) reasons(prefix string) string { return nl.reasonsFrom(0, prefix) }

// reasonsFrom is reasons for the requests recorded since mark.
func (nl *netlog) reasonsFrom(mark int, prefix string) string {
	return nl.summarize(mark, prefix, true)
}

// engineReasons is reasons without the library's X-Crosssession-Debug
// header: only what Chromium itself said.
func (nl *netlog) engineReasons(prefix string) string { return nl.summarize(0, prefix, false) }

func (nl *netlog) summarize(mark int, prefix string, withDebug bool) string {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	var parts []string
	for _, r := range nl.order[mark:] {
		if !strings.HasPrefix(r.url, prefix) || isFavicon(r.url) {
			continue
		}
		if r.isPreflight() && r.failed == "" && r.cors == "" && r.status/100 == 2 {
			continue
		}
		var p []string
		switch {
		case len(r.refused) > 0:
			for _, s := range r.refused {
				name, _, _ := strings.Cut(s, " line ")
				p = append(p, "Set-Cookie refused: "+name)
			}
		case len(r.setCookies) > 0:
			p = append(p, "Set-Cookie accepted")
		}
		if len(r.sent) > 0 {
			p = append(p, "sent "+strings.Join(r.sent, ", "))
		}
		for _, s := range r.held {
			p = append(p, "not sent: "+s)
		}
		if r.cors != "" {
			p = append(p, "CORS error "+r.cors)
		} else if r.failed != "" {
			p = append(p, "failed "+r.failed)
		}
		if withDebug && r.debug != "" {
			p = append(p, "X-Crosssession-Debug: "+r.debug)
		}
		pre := fmt.Sprintf("%s %s %s", shortType(r.typ), r.method, pathOf(r.url))
		if r.isPreflight() {
			pre = "preflight " + pathOf(r.url)
		}
		if r.status != 0 {
			pre += fmt.Sprintf(" %d", r.status)
		}
		if len(p) > 0 {
			pre += " (" + strings.Join(p, "; ") + ")"
		}
		parts = append(parts, pre)
	}
	if len(parts) == 0 {
		return "no request reached " + prefix
	}
	return strings.Join(parts, " · ")
}

// isPreflight reports whether r is a CORS preflight. Chromium 156 reports
// preflights with type Other, older versions with type Preflight.
func (r *netReq) isPreflight() bool {
	return r.typ == network.ResourceTypePreflight || r.method == "OPTIONS"
}

func shortType(t network.ResourceType) string {
	switch t {
	case network.ResourceTypeFetch:
		return "fetch"
	case network.ResourceTypeDocument:
		return "navigation"
	}
	return strings.ToLower(string(t))
}

func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Path != "" {
		return p.Path
	}
	return u
}

func status(s int64) string {
	if s == 0 {
		return "no response"
	}
	return fmt.Sprint(s)
}

// cookieEventsFrom returns what Chromium said about the cookie name on the
// requests to prefix recorded since mark, and the mark to continue from.
// A Set-Cookie line with no blockedCookies entry counts as stored, except
// where the engine drops it silently (BR 'Measured in Chromium' row e:
// Partitioned over plain http), which only the jar and the next request
// show.
func (nl *netlog) cookieEventsFrom(mark int, prefix, name string) ([]cookieEvent, int) {
	nl.mu.Lock()
	defer nl.mu.Unlock()
	var out []cookieEvent
	for _, r := range nl.order[mark:] {
		if !strings.HasPrefix(r.url, prefix) || isFavicon(r.url) || r.isPreflight() {
			continue
		}
		req := r.method + " " + pathOf(r.url)
		refused := map[cookieLine]bool{}
		for _, c := range r.refusedSet {
			if c.name == name {
				out = append(out, cookieEvent{Request: req, Kind: evRefused, Expiry: c.expiry, Why: c.reasons})
				refused[cookieLine{name: c.name, expiry: c.expiry}] = true
			}
		}
		for _, c := range r.setLines {
			if c.name == name && !refused[c] {
				why := ""
				if r.partition != "" {
					why = "partition " + r.partition
				}
				out = append(out, cookieEvent{Request: req, Kind: evStored, Expiry: c.expiry, Why: why})
				refused[c] = true // one event per kind of line
			}
		}
		for _, n := range r.sentNames {
			if n == name {
				out = append(out, cookieEvent{Request: req, Kind: evSent})
			}
		}
		for _, c := range r.heldNames {
			if c.name == name {
				out = append(out, cookieEvent{Request: req, Kind: evNotSent, Why: c.reasons})
			}
		}
	}
	return out, len(nl.order)
}
