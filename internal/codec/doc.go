// Package codec is crosssession's session value codec: the
// securecookie.Serializer of the built-in cookie store. It writes a
// session's values in a compact binary format when every key and value is
// one of the common types listed below, and falls back to encoding/gob
// (securecookie's default, so gob.Register'd types keep working) for
// anything else. It reads both, so cookies written by the plain
// gin-contrib/sessions cookie store, or before the compact format existed,
// are still accepted.
//
// The package depends on nothing else in crosssession.
//
// # Format
//
// Browsers hold cookies carrying this format, so it never changes: tags are
// only ever appended, and golden_test.go pins the bytes. A compact payload
// is the version byte 0xC1 followed by the session map's entries. No gob
// stream can start with 0xC1: gob messages begin with their uvarint byte
// count, whose first byte is 0x01..0x7F or, for counts of 128 and more,
// the negated byte length 0xF8..0xFF. Any payload not starting with 0xC1 is
// decoded as gob.
//
//	payload  = 0xC1 entries                  the session's map[any]any
//	entries  = count (key value)*count       map[any]any
//	strmap   = count (len bytes value)*count map[string]any
//	list     = count value*count             []any
//	key      = tag scalar                    bool, string, int*, uint* only
//	value    = tag [scalar | list | strmap | entries | time]
//
// The tags, and what follows each:
//
//	 0 nil            nothing
//	 1 false          nothing
//	 2 true           nothing
//	 3 string         len, then len bytes
//	 4 []byte         len, then len bytes
//	 5 int            zigzag varint
//	 6 int8           zigzag varint
//	 7 int16          zigzag varint
//	 8 int32          zigzag varint
//	 9 int64          zigzag varint
//	10 uint           uvarint
//	11 uint8          uvarint
//	12 uint16         uvarint
//	13 uint32         uvarint
//	14 uint64         uvarint
//	15 float32        IEEE 754 bits, 4 bytes little-endian
//	16 float64        IEEE 754 bits, 8 bytes little-endian
//	17 time.Time      Unix seconds (zigzag varint), nanoseconds (uvarint),
//	                  zone (uvarint: 0 for UTC, else 1 + the zigzag offset
//	                  in seconds east of UTC)
//	18 []any          list
//	19 map[string]any strmap
//	20 map[any]any    entries
//
// count and len are uvarints. Varints are encoding/binary's (7 bits a
// byte, least significant first) and always minimal; zigzag maps 0, -1, 1,
// -2 … to 0, 1, 2, 3 …. Integers are written in 64 bits, whatever their
// width, and an int or uint is decoded as one (a 64-bit value on a 32-bit
// platform is refused). Limits: containers nest at most 32 levels below
// the session map; times lie within ±2^62 Unix seconds and their zone
// offsets within ±(32767 min 59 s); a value outside them is written as gob.
//
// Every value decodes to the Go type it was encoded from: an int8 stays an
// int8, a map[string]any stays a map[string]any. Nil and empty slices and
// maps both decode as empty, non-nil ones. Strings and map keys may hold
// any bytes, as Go strings may: invalid UTF-8 is kept, not refused, so
// every value that can be stored can be read back, exactly as with gob. A
// time.Time decodes as gob (Time.MarshalBinary) would: the monotonic
// reading is dropped, UTC stays UTC, and any other location becomes
// time.Local if its offset matches the local one at that instant, or else
// a FixedZone with the same offset and no name. Unlike MarshalBinary,
// negative offsets with seconds (historical LMT offsets such as -4:56:02)
// round-trip.
//
// # Decoding
//
// The decoder only sees payloads whose HMAC securecookie has verified, but
// it is written for arbitrary input: it never panics; refuses trailing
// bytes, non-minimal varints, out-of-range integers, invalid times,
// duplicate keys, keys of a type other than those above, lengths beyond
// the remaining input and nesting deeper than 32; and allocates in
// proportion to the input (a container's claimed length preallocates at
// most 64 elements). All strings of a payload share one copy of it.
//
// Payloads without the version byte go to encoding/gob, which is not
// hardened against adversarial input: a crafted 100-byte gob payload can
// make it allocate gigabytes. That is no worse than securecookie's default
// GobEncoder, and only a holder of the HMAC key can produce such a
// payload; dropping the gob fallback would close it, at the price of
// gob.Register'd values and cookies of the plain gob store.
package codec
