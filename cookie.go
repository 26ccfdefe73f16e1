package crosssession

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
)

// cookieCodec is one key generation of the built-in cookie store. Reading a
// cookie is gorilla/securecookie's Decode (MAC check, timestamp, AES-CTR,
// then sessionSerializer); writing one is appendEncoded, which produces
// securecookie's format itself.
//
// Why not securecookie.Encode: it builds a new HMAC for every cookie,
// formats the MAC input with fmt.Sprintf and base64-encodes into two fresh
// buffers. appendEncoded does the same steps with a pooled HMAC and pooled
// buffers: half the time and 2 allocations instead of 19
// (BenchmarkCookieEncode). Its output is only ever read by securecookie's
// decoder, and cookie_test.go decodes every shape it writes with a plain
// securecookie.SecureCookie built from the same keys (and fuzzes it), so
// the two cannot drift apart.
type cookieCodec struct {
	*securecookie.SecureCookie
	block cipher.Block
	macs  sync.Pool // hash.Hash: HMAC-SHA256 under the hash key
}

// newCodec derives a signing key and an encryption key from one secret with
// HKDF, so users manage a single key per generation. The length limit is
// checked by save, which can then say which values are too big.
func newCodec(secret []byte, maxAge int) *cookieCodec {
	hashKey, blockKey := deriveKeys(secret)
	block, err := aes.NewCipher(blockKey)
	if err != nil {
		panic(err) // unreachable: 32 bytes is a valid AES key
	}
	sc := securecookie.New(hashKey, blockKey)
	sc.SetSerializer(sessionSerializer{})
	sc.MaxAge(maxAge)
	sc.MaxLength(0)
	k := &cookieCodec{SecureCookie: sc, block: block}
	k.macs.New = func() any { return hmac.New(sha256.New, hashKey) }
	return k
}

// newGinContribCodec reads the cookies gin-contrib/sessions' cookie store
// writes with secret as its only key (cookie.NewStore(secret)): securecookie
// signing with the raw secret, no encryption, gob values (which
// sessionSerializer reads).
func newGinContribCodec(secret []byte, maxAge int) *securecookie.SecureCookie {
	sc := securecookie.New(secret, nil)
	sc.SetSerializer(sessionSerializer{})
	sc.MaxAge(maxAge)
	sc.MaxLength(0)
	return sc
}

// deriveKeys returns the HMAC-SHA256 key and the AES-256 key of a secret.
func deriveKeys(secret []byte) (hashKey, blockKey []byte) {
	hashKey, err1 := hkdf.Key(sha256.New, secret, nil, "crosssession v1 HMAC-SHA256", 32)
	blockKey, err2 := hkdf.Key(sha256.New, secret, nil, "crosssession v1 AES-256", 32)
	if err := errors.Join(err1, err2); err != nil {
		panic(err) // unreachable: 32 bytes is far below HKDF-SHA256's limit
	}
	return hashKey, blockKey
}

// encodeBuf holds the scratch buffers of one encoding.
type encodeBuf struct{ plain, signed, out []byte }

var encodeBufs = sync.Pool{New: func() any {
	return &encodeBuf{plain: make([]byte, 0, 512), signed: make([]byte, 0, 1024), out: make([]byte, 0, 1024)}
}}

func getEncodeBuf() *encodeBuf { return encodeBufs.Get().(*encodeBuf) }

// release returns buf to the pool unless a session far over the cookie
// limit (refused by save) made it large.
func (buf *encodeBuf) release() {
	if cap(buf.plain)+cap(buf.signed)+cap(buf.out) <= 64<<10 {
		encodeBufs.Put(buf)
	}
}

// appendEncoded appends the cookie value carrying vs, signed at now (Unix
// seconds), to dst, using buf's plain and signed buffers. The format is
// securecookie's:
//
//	base64url( now "|" base64url( iv ‖ AES-CTR(serialized) ) "|" HMAC-SHA256(name "|" now "|" base64url(…)) )
func (k *cookieCodec) appendEncoded(buf *encodeBuf, dst []byte, name string, vs map[any]any, now int64) ([]byte, error) {
	// iv ‖ serialized values, then encrypted in place.
	const ivLen = aes.BlockSize
	p := buf.plain[:ivLen]
	rand.Read(p) // never fails (crypto/rand crashes the program instead)
	p, err := appendCompact(p, vs)
	if err == errUnsupported {
		var g []byte
		if g, err = (securecookie.GobEncoder{}).Serialize(vs); err == nil {
			p = append(p[:ivLen], g...)
		}
	}
	buf.plain = p[:0]
	if err != nil {
		clear(p) // no session plaintext left in a pooled buffer
		return dst, err
	}
	cipher.NewCTR(k.block, p[:ivLen]).XORKeyStream(p[ivLen:], p[ivLen:])

	// name|now|base64(iv ‖ ciphertext), then "|" and its MAC; the name is
	// not part of the value.
	s := append(buf.signed[:0], name...)
	s = append(s, '|')
	s = strconv.AppendInt(s, now, 10)
	s = append(s, '|')
	s = base64.URLEncoding.AppendEncode(s, p)
	mac := k.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(s)
	s = mac.Sum(append(s, '|'))
	k.macs.Put(mac)
	buf.signed = s[:0]
	return base64.URLEncoding.AppendEncode(dst, s[len(name)+1:]), nil
}

// encode returns the cookie value carrying vs, signed at now.
func (k *cookieCodec) encode(name string, vs map[any]any, now int64) (string, error) {
	buf := getEncodeBuf()
	defer buf.release()
	b, err := k.appendEncoded(buf, buf.out[:0], name, vs, now)
	buf.out = b[:0]
	return string(b), err
}

// cookieTemplate is the configured Set-Cookie header around the value, the
// expiry date and the Max-Age, built once by net/http so the attributes are
// exactly the ones http.SetCookie writes:
// name "=" value head date mid maxAge tail.
type cookieTemplate struct {
	prefix string // name=
	head   string // the attributes before the date ("; Path=/; Expires=")
	mid    string // between the date and the Max-Age ("; Max-Age=")
	tail   string // the attributes after it
	// expires is the last date written, reused within its second.
	expires atomic.Pointer[expiresDate]
}

type expiresDate struct {
	unix int64
	text string
}

// Sentinels no configuration produces, to find where net/http puts the
// date and the Max-Age.
var (
	expiresSentinel = time.Date(1999, time.December, 31, 23, 59, 59, 0, time.UTC)
	maxAgeSentinel  = 1999123123
)

// newCookieTemplate returns nil if net/http's header cannot be split around
// the date and the Max-Age.
func newCookieTemplate(name string, o *gsessions.Options) *cookieTemplate {
	opts := *o
	opts.MaxAge = maxAgeSentinel
	ck := gsessions.NewCookie(name, "", &opts)
	ck.Expires = expiresSentinel
	t := &cookieTemplate{prefix: name + "="}
	s := strings.TrimPrefix(ck.String(), t.prefix)
	// The whole attributes, not the bare values: a Path may contain the
	// sentinels' text, but no attribute value contains "; ".
	date := "; Expires=" + expiresSentinel.Format(http.TimeFormat)
	age := "; Max-Age=" + strconv.Itoa(maxAgeSentinel)
	i, j := strings.Index(s, date), strings.Index(s, age)
	if i < 0 || j < i+len(date) {
		return nil // not net/http's layout any more: save uses http.Cookie.String
	}
	t.head, t.mid, t.tail = s[:i+len("; Expires=")], s[i+len(date):j+len("; Max-Age=")], s[j+len(age):]
	return t
}

// expiresText is the Expires date of unix, formatted once per second.
func (t *cookieTemplate) expiresText(unix int64) string {
	if e := t.expires.Load(); e != nil && e.unix == unix {
		return e.text
	}
	e := &expiresDate{unix, time.Unix(unix, 0).UTC().Format(http.TimeFormat)}
	t.expires.Store(e)
	return e.text
}

// header returns the Set-Cookie header carrying vs, living maxAge seconds
// (> 0) from now, and the length of its name=value part.
func (t *cookieTemplate) header(k *cookieCodec, vs map[any]any, now time.Time, maxAge int64) (string, int, error) {
	buf := getEncodeBuf()
	defer buf.release()
	b := append(buf.out[:0], t.prefix...)
	b, err := k.appendEncoded(buf, b, t.prefix[:len(t.prefix)-1], vs, now.Unix())
	if err != nil {
		return "", 0, err
	}
	n := len(b)
	b = append(b, t.head...)
	b = append(b, t.expiresText(now.Unix()+maxAge)...)
	b = append(b, t.mid...)
	b = strconv.AppendInt(b, maxAge, 10)
	b = append(b, t.tail...)
	buf.out = b[:0]
	return string(b), n, nil
}
