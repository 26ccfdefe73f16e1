package codec

import (
	"encoding/binary"
	"math"
	"time"
)

// The decoder, one method per kind, in the order of encode.go's writers.

// decoder reads a compact payload. b[0] is the version byte.
type decoder struct {
	b   []byte
	off int
	s   string // string(b), made on the first string read
}

// decode reads the compact payload b into into, an empty map, or a new
// one if into is nil.
func decode(b []byte, into map[any]any) (map[any]any, error) {
	d := decoder{b: b, off: 1}
	m, err := d.entries(0, into)
	if err == nil && d.off != len(d.b) {
		err = errTrailing
	}
	return m, err
}

// entries reads the body of a map[any]any held at nesting level depth
// into m, an empty map, or a new one if m is nil.
func (d *decoder) entries(depth int, m map[any]any) (map[any]any, error) {
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
		k, err := d.key(tag)
		if err != nil {
			return nil, err
		}
		v, err := d.next(depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
		if len(m) != i+1 {
			return nil, errDupKey
		}
	}
	return m, nil
}

// key reads a value of a kind a map key may have: only hashable scalars
// with a canonical equality.
func (d *decoder) key(tag byte) (any, error) {
	switch tag {
	case tagString:
		return d.str()
	case tagFalse, tagTrue:
		return tag == tagTrue, nil
	case tagInt, tagInt64, tagInt32, tagInt16, tagInt8:
		return d.int(tag)
	case tagUint, tagUint64, tagUint32, tagUint16, tagUint8:
		return d.uint(tag)
	}
	return nil, errKey
}

// next reads a tagged value held by a container at level depth.
func (d *decoder) next(depth int) (any, error) {
	tag, err := d.byte()
	if err != nil {
		return nil, err
	}
	return d.value(tag, depth)
}

// value reads the value tagged tag held by a container at level depth:
// the kinds only values may have here, the key kinds by key.
func (d *decoder) value(tag byte, depth int) (any, error) {
	switch tag {
	case tagNil:
		return nil, nil
	case tagBytes:
		return d.bytes()
	case tagFloat64:
		return d.float64()
	case tagFloat32:
		return d.float32()
	case tagTime:
		return d.time()
	case tagList:
		return d.list(depth)
	case tagStrMap:
		return d.strMap(depth)
	case tagAnyMap:
		return d.anyMap(depth)
	}
	if tag >= numTags {
		return nil, errTag
	}
	return d.key(tag)
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

// bytes reads a length-prefixed []byte into a copy of its own.
func (d *decoder) bytes() ([]byte, error) {
	n, err := d.length(1)
	if err != nil {
		return nil, err
	}
	p := make([]byte, n)
	d.off += copy(p, d.b[d.off:])
	return p, nil
}

// int reads a signed integer of the width tag names.
func (d *decoder) int(tag byte) (any, error) {
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
}

// uint reads an unsigned integer of the width tag names.
func (d *decoder) uint(tag byte) (any, error) {
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
}

// narrow converts a decoded 64-bit integer to the width it was encoded
// from, refusing a value that does not fit (the payload is malformed).
func narrow[T int | int8 | int16 | int32 | uint | uint8 | uint16 | uint32, X int64 | uint64](x X) (any, error) {
	if X(T(x)) != x {
		return nil, errRange
	}
	return T(x), nil
}

func (d *decoder) float32() (float32, error) {
	p, err := d.fixed(4)
	if err != nil {
		return 0, err
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(p)), nil
}

func (d *decoder) float64() (float64, error) {
	p, err := d.fixed(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p)), nil
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
		return time.Time{}, errTime
	}
	return inZone(time.Unix(sec, int64(nsec)), z), nil
}

// inZone gives t, in time.Local, the zone of code z (see zoneCode): UTC
// for 0, else time.Local if the offset is the local one at that instant,
// or a FixedZone with no name.
func inZone(t time.Time, z uint64) time.Time {
	if z == 0 {
		return t.UTC()
	}
	z--
	offset := int(int64(z>>1) ^ -int64(z&1))
	if _, local := t.Zone(); local != offset {
		t = t.In(time.FixedZone("", offset))
	}
	return t
}

// list reads a []any held at nesting level depth.
func (d *decoder) list(depth int) ([]any, error) {
	if depth >= maxDepth {
		return nil, errTooDeep
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
}

// strMap reads a map[string]any held at nesting level depth.
func (d *decoder) strMap(depth int) (map[string]any, error) {
	if depth >= maxDepth {
		return nil, errTooDeep
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
			return nil, errDupKey
		}
	}
	return m, nil
}

// anyMap reads a map[any]any held at nesting level depth.
func (d *decoder) anyMap(depth int) (map[any]any, error) {
	if depth >= maxDepth {
		return nil, errTooDeep
	}
	return d.entries(depth+1, nil)
}

// The primitives under the kinds.

func (d *decoder) byte() (byte, error) {
	if d.off >= len(d.b) {
		return 0, errTruncated
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
			return 0, errTruncated
		}
		c := d.b[d.off]
		d.off++
		if c < 0x80 {
			if (c == 0 && i > 0) || (i == binary.MaxVarintLen64-1 && c > 1) {
				return 0, errVarint // not minimal, or over 64 bits
			}
			return x | uint64(c)<<shift, nil
		}
		x |= uint64(c&0x7f) << shift
	}
	return 0, errVarint
}

// varint reads a minimal zigzag varint.
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
		return 0, errLength
	}
	return int(n), nil
}

// fixed reads the next n bytes.
func (d *decoder) fixed(n int) ([]byte, error) {
	if len(d.b)-d.off < n {
		return nil, errTruncated
	}
	p := d.b[d.off : d.off+n]
	d.off += n
	return p, nil
}
