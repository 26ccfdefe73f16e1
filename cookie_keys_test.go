package crosssession

import (
	"bytes"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"
)

// FuzzCookieKeys checks the layer the decoder sits behind: a cookie value
// made with one key never decodes with another, and a tampered value never
// decodes to anything but the original. (A change to the unused low bits
// of the last base64 character decodes to the same bytes, so it may verify;
// it cannot change the content.)
func FuzzCookieKeys(f *testing.F) {
	f.Add([]byte("key A"), []byte("key B"), "user-1", uint16(5), byte(1))
	f.Add([]byte("same"), []byte("same"), "", uint16(0), byte(0x40))
	f.Add([]byte{}, []byte{0}, "\xff\x00", uint16(1000), byte(0xff))
	f.Fuzz(func(t *testing.T, a, b []byte, uid string, pos uint16, flip byte) {
		// 32-byte HMAC keys derived from the inputs, as the middleware
		// derives them with HKDF (raw HMAC keys that differ only by
		// trailing zero bytes are the same key). The AES-256 key is the
		// same for both, so only the MAC tells them apart.
		ha, hb := sha256.Sum256(a), sha256.Sum256(b)
		secretA, secretB := ha[:], hb[:]
		blockKey := bytes.Repeat([]byte{'k'}, 32)
		ca := securecookie.New(secretA, blockKey).SetSerializer(sessionSerializer{}).MaxLength(4000)
		cb := securecookie.New(secretB, blockKey).SetSerializer(sessionSerializer{}).MaxLength(4000)
		in := map[any]any{"uid": uid, "n": int(pos), "admin": flip&1 == 1}
		v, err := ca.Encode("__Host-session", in)
		if err != nil {
			if strings.Contains(err.Error(), "too long") {
				return // over MaxLength
			}
			t.Fatalf("Encode: %v", err)
		}
		var out map[any]any
		if err := ca.Decode("__Host-session", v, &out); err != nil || !reflect.DeepEqual(out, in) {
			t.Fatalf("own key: %v, %#v", err, out)
		}
		out = nil
		err = cb.Decode("__Host-session", v, &out)
		if bytes.Equal(secretA, secretB) {
			if err != nil {
				t.Fatalf("same key: %v", err)
			}
		} else if err == nil {
			t.Fatalf("decoded with another key: %#v", out)
		}
		// Another cookie name is another MAC input.
		if err := ca.Decode("session", v, &out); err == nil {
			t.Fatal("decoded under another cookie name")
		}
		if flip == 0 {
			return
		}
		tampered := []byte(v)
		tampered[int(pos)%len(tampered)] ^= flip
		out = nil
		if err := ca.Decode("__Host-session", string(tampered), &out); err == nil && !reflect.DeepEqual(out, in) {
			t.Fatalf("tampered cookie decoded to %#v", out)
		}
	})
}
