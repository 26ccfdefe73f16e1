package crosssession

import (
	"encoding/binary"
	"errors"
	"math"
	"time"

	"github.com/gorilla/securecookie"
)

// sessionSerializer is the securecookie.Serializer of the built-in cookie
// store. It writes session values in a compact binary format when every key
// and value is one of the common types listed below, and falls back to
// encoding/gob (securecookie's default, so gob.Register'd types keep
// working) for anything else. It reads both, so cookies written by the
// plain gin-contrib/sessions cookie store, or before this format existed,
// are still accepted.
//
// # Format
//
// A compact payload is the version byte 0xC1 followed by a map body. No gob
// stream can start with 0xC1: gob messages begin with their uvarint byte
// count, whose first byte is 0x01..0x7F or, for counts of 128 and more, the
// negated byte length 0xF8..0xFF. Any payload not starting with 0xC1 is
// decoded as gob.
//
//	payload  = 0xC1 map
//	map      = count (key value)*count       map[any]any
//	strmap   = count (len bytes value)*count map[string]any
//	list     = count value*count             []any
//	key      = tag scalar                    string, bool, int*, uint* only
//	value    = tag scalar | tag list | tag strmap | tag map | tag time
//
// count and len are minimal uvarints; signed integers are zigzag varints,
// unsigned ones uvarints; floats are their IEEE 754 bits, little-endian;
// a time.Time is its Unix seconds, nanoseconds and zone offset (see
// appendTime), and decodes as gob (Time.MarshalBinary) would: the
// monotonic reading is dropped, UTC stays UTC, and any other location
// becomes time.Local if its offset matches the local one at that instant,
// or else a FixedZone with the same offset and no name.
//
// Every value decodes to the Go type it was encoded from: an int8 stays an
// int8, a map[string]any stays a map[string]any. Nil and empty slices and
// maps both decode as empty, non-nil ones. Strings and map keys may hold
// any bytes, as Go strings may: invalid UTF-8 is kept, not refused, so
// every value that can be stored can be read back, exactly as with gob.
//
// # Decoding
//
// The decoder only sees payloads whose HMAC securecookie has verified, but
// it is written for arbitrary input: it never panics, refuses trailing
// bytes, non-minimal varints, out-of-range integers, invalid times,
// duplicate keys, lengths beyond the remaining input and nesting deeper
// than maxDepth, and allocates in proportion to the input (a container's
// claimed length preallocates at most maxPrealloc elements). All strings of
// a payload share one copy of it.
//
// Payloads without the version byte go to encoding/gob, which is not
// hardened against adversarial input: a crafted 100-byte gob payload can
// make it allocate gigabytes. That is no worse than securecookie's default
// GobEncoder, and only a holder of the HMAC key can produce such a
// payload; dropping the gob fallback would close it, at the price of
// gob.Register'd values and cookies of the plain gob store.
type sessionSerializer struct{}

var _ securecookie.Serializer = sessionSerializer{}

const (
	compactV1 = 0xC1 // first byte of a compact payload; never the first byte of a gob stream

	// maxDepth is how deeply containers ([]any, map[string]any,
	// map[any]any) may nest below the session map. Serialize refuses
	// deeper values (gob could not tell a cycle from depth either).
	maxDepth = 32

	// maxPrealloc caps the room made for a container before its elements
	// are read, so a claimed length costs nothing until the bytes are there.
	maxPrealloc = 64
)

// Value tags. Their numbers are part of the format: append only.
const (
	tagNil byte = iota
	tagFalse
	tagTrue
	tagString
	tagBytes
	tagInt
	tagInt8
	tagInt16
	tagInt32
	tagInt64
	tagUint
	tagUint8
	tagUint16
	tagUint32
	tagUint64
	tagFloat32
	tagFloat64
	tagTime
	tagList   // []any
	tagStrMap // map[string]any
	tagAnyMap // map[any]any
	numTags
)

var (
	errCodecTooDeep   = errors.New("crosssession: session value nested more than 32 levels deep")
	errCodecTruncated = errors.New("crosssession: session payload truncated")
	errCodecTrailing  = errors.New("crosssession: trailing bytes after session payload")
	errCodecVarint    = errors.New("crosssession: malformed varint in session payload")
	errCodecLength    = errors.New("crosssession: length exceeds session payload")
	errCodecTag       = errors.New("crosssession: unknown value tag in session payload")
	errCodecKey       = errors.New("crosssession: session map key of an unsupported type")
	errCodecDupKey    = errors.New("crosssession: duplicate key in session payload")
	errCodecRange     = errors.New("crosssession: integer out of range in session payload")
	errCodecTime      = errors.New("crosssession: invalid time in session payload")
	errCodecDst       = errors.New("crosssession: compact session payload needs a *map[interface{}]interface{} destination")
)

// Serialize encodes src, normally a session's map[any]any. It uses the
// compact format when every key and value allows it, and gob otherwise.
func (sessionSerializer) Serialize(src any) ([]byte, error) {
	if m, ok := src.(map[any]any); ok {
		b, err := appendMap(make([]byte, 0, 128), m, 0)
		if err == nil {
			return b, nil
		}
		if err != errUnsupported {
			return nil, err
		}
	}
	return securecookie.GobEncoder{}.Serialize(src)
}

// Deserialize decodes src into dst: a compact payload into a
// *map[any]any, anything else with gob. Like gob, it adds the decoded
// entries to a non-empty map; the map is left unchanged on error.
func (sessionSerializer) Deserialize(src []byte, dst any) error {
	if len(src) == 0 || src[0] != compactV1 {
		return securecookie.GobEncoder{}.Deserialize(src, dst)
	}
	p, ok := dst.(*map[any]any)
	if !ok || p == nil {
		return errCodecDst
	}
	d := decoder{b: src, off: 1}
	// Decode straight into an empty map, such as the one gorilla's
	// NewSession makes, and empty it again on error.
	var into map[any]any
	if *p != nil && len(*p) == 0 {
		into = *p
	}
	m, err := d.anyMap(0, into)
	if err == nil && d.off != len(d.b) {
		err = errCodecTrailing
	}
	switch {
	case err != nil:
		clear(into)
		return err
	case into != nil:
	case len(*p) == 0:
		*p = m
	default:
		for k, v := range m {
			(*p)[k] = v
		}
	}
	return nil
}

// errUnsupported makes Serialize fall back to gob. It never leaves the
// package.
var errUnsupported = errors.New("crosssession: value needs gob")

func appendMap(b []byte, m map[any]any, depth int) ([]byte, error) {
	if depth == 0 {
		b = append(b, compactV1)
	}
	b = binary.AppendUvarint(b, uint64(len(m)))
	var err error
	for k, v := range m {
		if b, err = appendKey(b, k); err != nil {
			return b, err
		}
		if b, err = appendValue(b, v, depth); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendKey appends a map key: a string, bool, or integer.
func appendKey(b []byte, k any) ([]byte, error) {
	switch k := k.(type) {
	case string:
		return appendString(append(b, tagString), k), nil
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return appendValue(b, k, 0)
	}
	return b, errUnsupported
}

// appendValue appends v. depth is the nesting level of the container
// holding v: 0 for the session map.
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case string:
		return appendString(append(b, tagString), v), nil
	case bool:
		if v {
			return append(b, tagTrue), nil
		}
		return append(b, tagFalse), nil
	case int:
		return binary.AppendVarint(append(b, tagInt), int64(v)), nil
	case int64:
		return binary.AppendVarint(append(b, tagInt64), v), nil
	case int32:
		return binary.AppendVarint(append(b, tagInt32), int64(v)), nil
	case int16:
		return binary.AppendVarint(append(b, tagInt16), int64(v)), nil
	case int8:
		return binary.AppendVarint(append(b, tagInt8), int64(v)), nil
	case uint:
		return binary.AppendUvarint(append(b, tagUint), uint64(v)), nil
	case uint64:
		return binary.AppendUvarint(append(b, tagUint64), v), nil
	case uint32:
		return binary.AppendUvarint(append(b, tagUint32), uint64(v)), nil
	case uint16:
		return binary.AppendUvarint(append(b, tagUint16), uint64(v)), nil
	case uint8:
		return binary.AppendUvarint(append(b, tagUint8), uint64(v)), nil
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, tagFloat64), math.Float64bits(v)), nil
	case float32:
		return binary.LittleEndian.AppendUint32(append(b, tagFloat32), math.Float32bits(v)), nil
	case []byte:
		return appendString(append(b, tagBytes), string(v)), nil
	case time.Time:
		return appendTime(b, v)
	case []any:
		if depth >= maxDepth {
			return b, errCodecTooDeep
		}
		b = binary.AppendUvarint(append(b, tagList), uint64(len(v)))
		var err error
		for _, e := range v {
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]any:
		if depth >= maxDepth {
			return b, errCodecTooDeep
		}
		b = binary.AppendUvarint(append(b, tagStrMap), uint64(len(v)))
		var err error
		for k, e := range v {
			b = appendString(b, k)
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[any]any:
		if depth >= maxDepth {
			return b, errCodecTooDeep
		}
		return appendMap(append(b, tagAnyMap), v, depth+1)
	}
	return b, errUnsupported
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decoder reads a compact payload. b[0] is the version byte.
type decoder struct {
	b   []byte
	off int
	s   string // string(b), made on the first string read
}

func (d *decoder) byte() (byte, error) {
	if d.off >= len(d.b) {
		return 0, errCodecTruncated
	}
	c := d.b[d.off]
	d.off++
	return c, nil
}

// uvarint reads a minimal uvarint.
func (d *decoder) uvarint() (uint64, error) {
	if d.off < len(d.b) && d.b[d.off] < 0x80 {
		d.off++
		return uint64(d.b[d.off-1]), nil // the common one-byte case
	}
	var x uint64
	for i, shift := 0, uint(0); i < binary.MaxVarintLen64; i, shift = i+1, shift+7 {
		if d.off >= len(d.b) {
			return 0, errCodecTruncated
		}
		c := d.b[d.off]
		d.off++
		if c < 0x80 {
			if (c == 0 && i > 0) || (i == binary.MaxVarintLen64-1 && c > 1) {
				return 0, errCodecVarint // not minimal, or over 64 bits
			}
			return x | uint64(c)<<shift, nil
		}
		x |= uint64(c&0x7f) << shift
	}
	return 0, errCodecVarint
}

func (d *decoder) varint() (int64, error) {
	u, err := d.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

// length reads a count of items that take at least size bytes each and
// checks that the rest of the input can hold them.
func (d *decoder) length(size int) (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64((len(d.b)-d.off)/size) {
		return 0, errCodecLength
	}
	return int(n), nil
}

// str reads a length-prefixed string as a substring of the one copy of
// the payload.
func (d *decoder) str() (string, error) {
	n, err := d.length(1)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", nil
	}
	if d.s == "" {
		d.s = string(d.b)
	}
	s := d.s[d.off : d.off+n]
	d.off += n
	return s, nil
}

func (d *decoder) fixed(n int) ([]byte, error) {
	if len(d.b)-d.off < n {
		return nil, errCodecTruncated
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}

// anyMap reads a map[any]any body at nesting level depth into m, an
// empty map, or a new one if m is nil.
func (d *decoder) anyMap(depth int, m map[any]any) (map[any]any, error) {
	n, err := d.length(2)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = make(map[any]any, min(n, maxPrealloc))
	}
	for i := range n {
		tag, err := d.byte()
		if err != nil {
			return nil, err
		}
		if tag > tagUint64 || tag == tagNil || tag == tagBytes {
			return nil, errCodecKey // only hashable scalars with a canonical equality
		}
		k, err := d.value(tag, depth)
		if err != nil {
			return nil, err
		}
		v, err := d.next(depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
		if len(m) != i+1 {
			return nil, errCodecDupKey
		}
	}
	return m, nil
}

// next reads a tagged value held by a container at level depth.
func (d *decoder) next(depth int) (any, error) {
	tag, err := d.byte()
	if err != nil {
		return nil, err
	}
	return d.value(tag, depth)
}

// value reads the value tagged tag held by a container at level depth.
func (d *decoder) value(tag byte, depth int) (any, error) {
	switch tag {
	case tagNil:
		return nil, nil
	case tagFalse:
		return false, nil
	case tagTrue:
		return true, nil
	case tagString:
		return d.str()
	case tagBytes:
		n, err := d.length(1)
		if err != nil {
			return nil, err
		}
		p := make([]byte, n)
		d.off += copy(p, d.b[d.off:])
		return p, nil
	case tagInt, tagInt8, tagInt16, tagInt32, tagInt64:
		x, err := d.varint()
		if err != nil {
			return nil, err
		}
		switch tag {
		case tagInt:
			return narrow[int](x)
		case tagInt8:
			return narrow[int8](x)
		case tagInt16:
			return narrow[int16](x)
		case tagInt32:
			return narrow[int32](x)
		}
		return x, nil
	case tagUint, tagUint8, tagUint16, tagUint32, tagUint64:
		x, err := d.uvarint()
		if err != nil {
			return nil, err
		}
		switch tag {
		case tagUint:
			return narrow[uint](x)
		case tagUint8:
			return narrow[uint8](x)
		case tagUint16:
			return narrow[uint16](x)
		case tagUint32:
			return narrow[uint32](x)
		}
		return x, nil
	case tagFloat32:
		p, err := d.fixed(4)
		if err != nil {
			return nil, err
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(p)), nil
	case tagFloat64:
		p, err := d.fixed(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(p)), nil
	case tagTime:
		return d.time()
	case tagList:
		if depth >= maxDepth {
			return nil, errCodecTooDeep
		}
		n, err := d.length(1)
		if err != nil {
			return nil, err
		}
		l := make([]any, 0, min(n, maxPrealloc))
		for range n {
			v, err := d.next(depth + 1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case tagStrMap:
		if depth >= maxDepth {
			return nil, errCodecTooDeep
		}
		n, err := d.length(2)
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, min(n, maxPrealloc))
		for i := range n {
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			v, err := d.next(depth + 1)
			if err != nil {
				return nil, err
			}
			m[k] = v
			if len(m) != i+1 {
				return nil, errCodecDupKey
			}
		}
		return m, nil
	case tagAnyMap:
		if depth >= maxDepth {
			return nil, errCodecTooDeep
		}
		return d.anyMap(depth+1, nil)
	}
	return nil, errCodecTag
}

// narrow converts a decoded 64-bit integer to the width it was encoded
// from, refusing a value that does not fit (the payload is malformed).
func narrow[T int | int8 | int16 | int32 | uint | uint8 | uint16 | uint32, X int64 | uint64](x X) (any, error) {
	if X(T(x)) != x {
		return nil, errCodecRange
	}
	return T(x), nil
}

// time reads a time.Time written by appendTime.
func (d *decoder) time() (time.Time, error) {
	sec, err := d.varint()
	if err != nil {
		return time.Time{}, err
	}
	nsec, err := d.uvarint()
	if err != nil {
		return time.Time{}, err
	}
	z, err := d.uvarint()
	if err != nil {
		return time.Time{}, err
	}
	if sec < -maxTimeSec || sec > maxTimeSec || nsec >= 1e9 || z > 2*maxZoneOffset+1 {
		return time.Time{}, errCodecTime
	}
	t := time.Unix(sec, int64(nsec)) // in time.Local
	if z == 0 {
		return t.UTC(), nil
	}
	z--
	offset := int(int64(z>>1) ^ -int64(z&1))
	if _, local := t.Zone(); local != offset {
		t = t.In(time.FixedZone("", offset))
	}
	return t, nil
}

const (
	// maxTimeSec bounds the Unix seconds of a compact time. Times outside
	// ±2^62 s (±146 billion years) go through gob; the bound keeps
	// Time.Unix clear of overflow.
	maxTimeSec = 1 << 62
	// maxZoneOffset bounds a zone offset in seconds, as Time.MarshalBinary
	// does (it allows ±32767 minutes).
	maxZoneOffset = 32767*60 + 59
)

// appendTime appends t as its Unix seconds (zigzag varint), nanoseconds
// (uvarint) and zone: 0 for UTC, else 1 + the zigzag offset in seconds.
// Like Time.MarshalBinary, which gob uses, it drops the monotonic reading
// and the location's name and rules; decoding gives UTC for UTC, time.Local
// when the offset is the local one at that instant, else a FixedZone with no
// name. Unlike MarshalBinary, negative offsets with seconds (historical
// LMT offsets such as -4:56:02) round-trip.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	sec := t.Unix()
	// Outside ±2^62 s: beyond the decoder's bound, or wrapped around by
	// Time.Unix for times near the minimum Time.
	if sec < -maxTimeSec || sec > maxTimeSec {
		return b, errUnsupported
	}
	var z uint64
	if t.Location() != time.UTC {
		_, offset := t.Zone()
		if offset < -maxZoneOffset || offset > maxZoneOffset {
			return b, errUnsupported
		}
		o := int64(offset)
		z = uint64(o<<1^o>>63) + 1 // zigzag, shifted past UTC's 0
	}
	b = binary.AppendVarint(append(b, tagTime), sec)
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendUvarint(b, z), nil
}
