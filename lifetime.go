package crosssession

import (
	"fmt"
	"strings"
	"time"

	gsessions "github.com/gorilla/sessions"
)

// How long a session lives: it ends Cookie.MaxAge after it started (Login,
// or its first save), however active, and, with Config.IdleTimeout, after
// that long without a request. Both are checked by the server from data
// inside the session, not only by the browser's Max-Age, and every cookie
// is issued with the Max-Age left. A session read when at least a quarter
// of its idle window has passed is re-issued (renewed), so a burst of reads
// costs no writes; a logout fence keeps such a renewal from undoing a
// logout that completed while it ran.

const (
	// metaCreated is the session value holding when the session started
	// (Unix milliseconds). Handlers never see it unless they ask for it.
	metaCreated = "\x00crosssession.created"
	// metaSeen holds, for a Store, when the session was last issued.
	metaSeen = "\x00crosssession.seen"
	// fenceSuffix names the logout fence cookie: name + fenceSuffix.
	fenceSuffix = "-fence"
)

// started returns when the session in vs started, or issued when it does
// not say (a session saved before crosssession kept the time).
func started(vs map[any]any, issued int64) int64 {
	if t, ok := vs[metaCreated].(int64); ok && t > 0 {
		return t
	}
	return issued
}

// expiry says why a session that started at created and was last issued
// at issued (Unix milliseconds) has ended at now, or returns "".
func (sc *sessionConfig) expiry(created, issued, now int64) string {
	if age := time.Duration(now-created) * time.Millisecond; age > sc.lifetime {
		return fmt.Sprintf("it started %v ago, and Cookie.MaxAge, the absolute lifetime, is %v",
			age.Round(time.Second), sc.lifetime)
	}
	if idle := time.Duration(now-issued) * time.Millisecond; sc.idle > 0 && idle > sc.idle {
		return fmt.Sprintf("it was idle for %v, and IdleTimeout is %v", idle.Round(time.Second), sc.idle)
	}
	return ""
}

// maxAge is the Max-Age (seconds, at least 1) of a cookie issued now for a
// session that started at created.
func (sc *sessionConfig) maxAge(created, now int64) int64 {
	left := sc.lifetime - time.Duration(now-created)*time.Millisecond
	if sc.idle > 0 && sc.idle < left {
		left = sc.idle
	}
	return max(int64(left/time.Second), 1)
}

// renewDue reports whether a session issued at issued is re-issued now:
// IdleTimeout is set and a quarter of it has passed.
func (sc *sessionConfig) renewDue(issued, now int64) bool {
	return sc.idle > 0 && time.Duration(now-issued)*time.Millisecond >= sc.idle/4
}

// fence returns the time (Unix milliseconds) of the latest logout the
// request's fence cookies prove, or 0. Sessions that started before it
// are over: a response that renewed one while the logout ran cannot bring
// it back.
func (s *reqSession) fence() int64 {
	if s.fenceIn == 0 {
		if s.fenceIn = s.readFence(); s.fenceIn == 0 {
			s.fenceIn = -1
		}
	}
	return max(s.fenceIn, 0)
}

func (s *reqSession) readFence() int64 {
	name := s.cfg.name + fenceSuffix
	if !strings.Contains(strings.Join(s.r.Header[hCookie], ";"), name+"=") {
		return 0
	}
	var latest int64
	for _, ck := range s.r.CookiesNamed(name) {
		for _, c := range s.cfg.codecs {
			var vs map[any]any
			if c.Decode(name, ck.Value, &vs) == nil {
				if t, _ := vs["t"].(int64); t > latest {
					latest = t
				}
			}
		}
	}
	return latest
}

// fenceHeader is the Set-Cookie of the fence a logout at now leaves, with
// the attributes of the cookie the logout expires, for Cookie.MaxAge.
func (s *reqSession) fenceHeader(now time.Time) (string, error) {
	name := s.cfg.name + fenceSuffix
	value, err := s.cfg.codecs[0].encode(name, map[any]any{"t": now.UnixMilli()}, now.Unix())
	if err != nil {
		return "", err
	}
	opts := *s.options()
	opts.MaxAge = int(s.cfg.lifetime / time.Second)
	return gsessions.NewCookie(name, value, &opts).String(), nil
}

// lifetimeLine is the startup report's account of how long a session lives.
func (cc *compiled) lifetimeLine() string {
	l := fmt.Sprintf("ends %v after it started, however active", cc.cookie.MaxAge)
	if idle := cc.cfg.IdleTimeout; idle > 0 {
		l += fmt.Sprintf(", or after %v without a request (renewed at most every %v)", idle, idle/4)
	} else {
		l += "; no idle timeout"
	}
	return l
}
