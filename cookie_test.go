package crosssession

import (
	"bytes"
	"encoding/gob"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
)

// referenceCodec is a plain gorilla/securecookie built from the same
// secret: the decoder every value appendEncoded writes must satisfy.
func referenceCodec(secret []byte, maxAge int) *securecookie.SecureCookie {
	hashKey, blockKey := deriveKeys(secret)
	return securecookie.New(hashKey, blockKey).SetSerializer(sessionSerializer{}).MaxAge(maxAge).MaxLength(0)
}

type gobOnly struct{ A, B int }

func init() { gob.Register(gobOnly{}) }

// cookieShapes are the session values the encoder must carry: compact,
// gob fallback, empty, and large.
func cookieShapes() map[string]map[any]any {
	return map[string]map[any]any{
		"empty": {},
		"login": {"uid": "user-8c1d2f6a", "n": 1, "admin": true, "login": time.Date(2026, 11, 27, 7, 0, 0, 5, time.UTC)},
		"nested": {"prefs": map[string]any{"theme": "dark", "list": []any{1, "two", 3.5, []byte{0, 255}}},
			7: int64(-1 << 40), true: uint8(200)},
		"gob":   {"custom": gobOnly{1, 2}, "uid": "u"},
		"large": {"blob": strings.Repeat("x", 2500)},
		"utf8":  {"name": "Zoë 🍪 | ; = \"", "": ""},
	}
}

// TestCookieEncodeDecodesWithSecurecookie: every value the fast encoder
// writes is read back, equal, by securecookie's own Decode with keys
// derived independently of the codec under test.
func TestCookieEncodeDecodesWithSecurecookie(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	k := newCodec(secret, 3600)
	ref := referenceCodec(secret, 3600)
	for name, in := range cookieShapes() {
		v, err := k.encode("__Host-session", in, time.Now().Unix())
		if err != nil {
			t.Fatalf("%s: encode: %v", name, err)
		}
		var out map[any]any
		if err := ref.Decode("__Host-session", v, &out); err != nil {
			t.Fatalf("%s: securecookie cannot decode %q: %v", name, v, err)
		}
		if len(in) == 0 && len(out) == 0 {
			continue
		}
		if !reflect.DeepEqual(out, in) {
			t.Errorf("%s: decoded %#v, want %#v", name, out, in)
		}
		// And the other way: what securecookie writes, the codec reads.
		v2, err := ref.Encode("__Host-session", in)
		if err != nil {
			t.Fatal(err)
		}
		out = nil
		if err := k.Decode("__Host-session", v2, &out); err != nil || (len(in) > 0 && !reflect.DeepEqual(out, in)) {
			t.Errorf("%s: codec reading securecookie's value: %v, %#v", name, err, out)
		}
	}
}

// TestCookieEncodeIsBound: the MAC covers the name, the timestamp is the
// one securecookie checks, and the key matters.
func TestCookieEncodeIsBound(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	k := newCodec(secret, 3600)
	in := cookieShapes()["login"]
	now := time.Now().Unix()
	v, err := k.encode("session", in, now)
	if err != nil {
		t.Fatal(err)
	}
	var out map[any]any
	if err := referenceCodec(secret, 3600).Decode("other", v, &out); !errors.Is(err, securecookie.ErrMacInvalid) {
		t.Errorf("decoded under another cookie name: %v", err)
	}
	if err := referenceCodec(bytes.Repeat([]byte{8}, 32), 3600).Decode("session", v, &out); !errors.Is(err, securecookie.ErrMacInvalid) {
		t.Errorf("decoded with another key: %v", err)
	}
	old, err := k.encode("session", in, now-3601)
	if err != nil {
		t.Fatal(err)
	}
	err = referenceCodec(secret, 3600).Decode("session", old, &out)
	if se, ok := err.(securecookie.Error); !ok || !se.IsDecode() || !strings.Contains(err.Error(), "expired") {
		t.Errorf("a value signed 3601 s ago with MaxAge 3600: %v, want expired", err)
	}
	// Flip each byte of the value: never accepted.
	for i := range v {
		b := []byte(v)
		b[i] ^= 0x01
		if err := referenceCodec(secret, 3600).Decode("session", string(b), &out); err == nil {
			t.Fatalf("tampered byte %d accepted", i)
		}
	}
	// A fresh IV every time: the same session never encrypts alike.
	v2, _ := k.encode("session", in, now)
	if v == v2 {
		t.Error("two encodings of the same session are identical: the IV is not random")
	}
}

// TestCookieEncodeConcurrent: the pooled HMACs and buffers are not shared
// between concurrent saves (run with -race).
func TestCookieEncodeConcurrent(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	k := newCodec(secret, 0)
	ref := referenceCodec(secret, 0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				in := map[any]any{"g": g, "i": i, "pad": strings.Repeat("p", (g*i)%900)}
				v, err := k.encode("s", in, time.Now().Unix())
				if err != nil {
					t.Error(err)
					return
				}
				var out map[any]any
				if err := ref.Decode("s", v, &out); err != nil || !reflect.DeepEqual(out, in) {
					t.Errorf("goroutine %d, %d: %v %v", g, i, err, out)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestCookieTemplate: the Set-Cookie header written from the template is
// byte for byte the one net/http writes for gorilla's cookie, for every
// attribute combination the configuration allows.
func TestCookieTemplate(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	k := newCodec(secret, 0)
	now := time.Date(2026, 11, 27, 7, 30, 15, 999, time.FixedZone("X", 3600))
	for _, o := range []gsessions.Options{
		{Path: "/", MaxAge: 7 * 86400, Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode, Partitioned: true},
		{Path: "/", MaxAge: 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode},
		{Path: "/api", Domain: "example.com", MaxAge: 60, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode},
		{Path: "/", Domain: ".example.com", MaxAge: 10, HttpOnly: true},
		{Path: "/Fri, 31 Dec 1999 23:59:59 GMT", MaxAge: 60, HttpOnly: true, Secure: true},
		{Path: "/", MaxAge: 400 * 86400, Secure: true, HttpOnly: true, SameSite: http.SameSiteDefaultMode, Partitioned: true},
	} {
		for i, name := range []string{"session", "__Host-session", "s", "s"} {
			tmpl := newCookieTemplate(name, &o)
			in := map[any]any{"uid": "u"}
			// The date is cached per second: a later second, a much later
			// one, and back again must each be right.
			now := now.Add([]time.Duration{0, time.Second, 2 * time.Hour, 0}[i])
			if i == 3 {
				tmpl.header(k, in, now.Add(time.Second), int64(o.MaxAge))
			}
			// Max-Age is a parameter: each session gets what it has left.
			maxAge := int64(o.MaxAge) - int64(i)
			got, n, err := tmpl.header(k, in, now, maxAge)
			if err != nil {
				t.Fatal(err)
			}
			value, _, _ := strings.Cut(strings.TrimPrefix(got, name+"="), ";")
			if n != len(name)+1+len(value) {
				t.Errorf("name=value length %d, header has %d", n, len(name)+1+len(value))
			}
			wo := o
			wo.MaxAge = int(maxAge)
			want := gsessions.NewCookie(name, value, &wo)
			want.Expires = now.Add(time.Duration(maxAge) * time.Second)
			if got != want.String() {
				t.Errorf("options %+v:\n got %s\nwant %s", o, got, want.String())
			}
			var out map[any]any
			if err := referenceCodec(secret, 0).Decode(name, value, &out); err != nil || out["uid"] != "u" {
				t.Errorf("value in the header does not decode: %v %v", err, out)
			}
		}
	}
}

// TestCookieEncodeUnencodable: a value neither the compact format nor gob
// can carry is an error, not a cookie.
func TestCookieEncodeUnencodable(t *testing.T) {
	k := newCodec(bytes.Repeat([]byte{7}, 32), 0)
	type unregistered struct{ X int }
	if _, err := k.encode("s", map[any]any{"x": unregistered{1}}, 1); err == nil {
		t.Error("an unregistered type encoded")
	}
	if _, err := k.encode("s", map[any]any{"f": func() {}}, 1); err == nil {
		t.Error("a func encoded")
	}
	// The pool is not poisoned by the failures.
	v, err := k.encode("s", map[any]any{"ok": true}, time.Now().Unix())
	var out map[any]any
	if err != nil || referenceCodec(bytes.Repeat([]byte{7}, 32), 0).Decode("s", v, &out) != nil || out["ok"] != true {
		t.Errorf("after failures: %v %v", err, out)
	}
}

// FuzzCookieEncode: arbitrary strings, ints and bytes survive the fast
// encoder and securecookie's decoder unchanged.
func FuzzCookieEncode(f *testing.F) {
	f.Add("uid", "user-1", int64(3), []byte{1, 2})
	f.Add("", "", int64(-1), []byte(nil))
	f.Add("k|", "|\x00\xff", int64(1<<62), bytes.Repeat([]byte{'|'}, 40))
	secret := bytes.Repeat([]byte{7}, 32)
	k := newCodec(secret, 0)
	ref := referenceCodec(secret, 0)
	f.Fuzz(func(t *testing.T, key, s string, n int64, b []byte) {
		in := map[any]any{key + "s": s, key + "n": n, key + "b": b}
		if b == nil {
			delete(in, key+"b") // nil and empty []byte both decode as []byte{}
		}
		v, err := k.encode("session", in, time.Now().Unix())
		if err != nil {
			t.Fatal(err)
		}
		var out map[any]any
		if err := ref.Decode("session", v, &out); err != nil {
			t.Fatalf("securecookie: %v", err)
		}
		if _, ok := in[key+"b"]; ok && len(b) == 0 {
			in[key+"b"] = []byte{}
		}
		if !reflect.DeepEqual(out, in) {
			t.Fatalf("got %#v, want %#v", out, in)
		}
	})
}

// BenchmarkCookieEncode: the benchmark session (4 values) encoded by
// securecookie.Encode and by the codec's own writer of the same format,
// both with the compact serializer, so only the encoding differs.
func BenchmarkCookieEncode(b *testing.B) {
	secret := bytes.Repeat([]byte{7}, 32)
	in := cookieShapes()["login"]
	b.Run("encoder=securecookie", func(b *testing.B) {
		ref := referenceCodec(secret, 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ref.Encode("__Host-session", in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoder=crosssession", func(b *testing.B) {
		k := newCodec(secret, 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.encode("__Host-session", in, time.Now().Unix()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSaveWithoutTemplate: were net/http's header layout ever not
// splittable (newCookieTemplate returns nil), save writes the header with
// http.Cookie.String and the cookie still round-trips.
func TestSaveWithoutTemplate(t *testing.T) {
	for _, tmpl := range []bool{true, false} {
		for _, tc := range []struct {
			origin      string
			sameSite    http.SameSite
			partitioned bool
		}{
			{"https://app.example.com", http.SameSiteLaxMode, false},  // same-site: the configured cookie
			{"https://myapp.vercel.app", http.SameSiteNoneMode, true}, // cross-site: the cross-site cookie
		} {
			cfg := Prod(bytes.Repeat([]byte{7}, 32), "https://app.example.com", "https://myapp.vercel.app")
			cfg.Logger = slog.New(slog.DiscardHandler)
			m := mustCompile(cfg)
			if !tmpl {
				m.sess.tmpl, m.sess.crossTmpl = nil, nil
			}
			r := gin.New()
			r.Use(m.handle)
			r.POST("/login", func(c *gin.Context) { sessions.Default(c).Set("uid", "alice"); c.Status(204) })
			r.GET("/me", func(c *gin.Context) { c.String(200, "%v", sessions.Default(c).Get("uid")) })

			req := httptest.NewRequest(http.MethodPost, "https://api.example.com/login", nil)
			req.Header.Set("Origin", tc.origin)
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			set := w.Header().Values("Set-Cookie")
			if len(set) != 1 {
				t.Fatalf("template %v: Set-Cookie %q", tmpl, set)
			}
			ck, err := http.ParseSetCookie(set[0])
			if err != nil || ck.Name != "__Host-session" || !ck.Secure || ck.Partitioned != tc.partitioned || ck.SameSite != tc.sameSite ||
				ck.Path != "/" || ck.MaxAge != int(defaultMaxAge.Seconds()) || ck.Expires.IsZero() {
				t.Errorf("template %v, %s: cookie %+v (%v)", tmpl, tc.origin, ck, err)
			}
			req = httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
			req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
			w = httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Body.String() != "alice" {
				t.Errorf("template %v: read back %q", tmpl, w.Body.String())
			}
		}
	}
}

// TestTemplatePathContainingSentinelDate: newCookieTemplate finds where
// net/http puts the Expires date by searching for a sentinel date. Path is
// written before Expires and may hold spaces and commas (Cookie.Valid and
// Config.Validate accept it), so a Path containing the sentinel's text once
// made the template cut inside the Path: every Set-Cookie had the current
// expiry date spliced into its Path and Expires=...1999.
func TestTemplatePathContainingSentinelDate(t *testing.T) {
	gin.SetMode(gin.TestMode)
	const path = "/Fri, 31 Dec 1999 23:59:59 GMT"
	cfg := Prod(bytes.Repeat([]byte{7}, 32), "https://app.example.com")
	cfg.Cookie.Name = "sid"
	cfg.Cookie.Path = path
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate refuses the config: %v", err)
	}
	e := gin.New()
	e.Use(New(cfg))
	e.POST("/*p", func(c *gin.Context) {
		sessions.Default(c).Set("uid", "alice")
		c.String(http.StatusOK, "ok")
	})
	for try := 0; ; try++ {
		r := httptest.NewRequest(http.MethodPost, "https://api.example.com/", nil)
		r.URL.Path = path
		r.Header.Set("Origin", "https://app.example.com")
		w := httptest.NewRecorder()
		before := time.Now().Unix()
		e.ServeHTTP(w, r)
		if time.Now().Unix() != before && try < 3 {
			continue // a second boundary: the dates would differ
		}
		got := w.Header().Get("Set-Cookie")
		value, _, _ := strings.Cut(strings.TrimPrefix(got, "sid="), ";")
		// What http.SetCookie(gsessions.NewCookie(name, value, opts)) writes.
		want := gsessions.NewCookie("sid", value, &gsessions.Options{
			Path: path, MaxAge: int(defaultMaxAge.Seconds()), Secure: true, HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		})
		want.Expires = time.Unix(before+int64(defaultMaxAge.Seconds()), 0)
		if got != want.String() {
			t.Errorf("Set-Cookie differs from net/http's:\n got %s\nwant %s", got, want.String())
		}
		if ck, err := http.ParseSetCookie(got); err != nil || ck.Path != path {
			t.Errorf("the browser gets Path %q, configured %q (%v)", ck.Path, path, err)
		}
		return
	}
}
