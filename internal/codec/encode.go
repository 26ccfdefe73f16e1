package codec

import (
	"encoding/binary"
	"math"
	"time"
)

// The encoder, one function per kind. decode.go has the matching reader
// of each, in the same order.

// appendEntries appends the body of a map[any]any held at nesting level
// depth (0 for the session map): its count, then each key and value.
func appendEntries(b []byte, m map[any]any, depth int) ([]byte, error) {
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

// appendKey appends a value of the kinds a map key may have: a string,
// bool, or integer.
func appendKey(b []byte, k any) ([]byte, error) {
	switch k := k.(type) {
	case string:
		return appendString(append(b, tagString), k), nil
	case bool:
		return appendBool(b, k), nil
	case int:
		return appendInt(b, tagInt, int64(k)), nil
	case int64:
		return appendInt(b, tagInt64, k), nil
	case int32:
		return appendInt(b, tagInt32, int64(k)), nil
	case int16:
		return appendInt(b, tagInt16, int64(k)), nil
	case int8:
		return appendInt(b, tagInt8, int64(k)), nil
	case uint:
		return appendUint(b, tagUint, uint64(k)), nil
	case uint64:
		return appendUint(b, tagUint64, k), nil
	case uint32:
		return appendUint(b, tagUint32, uint64(k)), nil
	case uint16:
		return appendUint(b, tagUint16, uint64(k)), nil
	case uint8:
		return appendUint(b, tagUint8, uint64(k)), nil
	}
	return b, ErrUnsupported
}

// appendValue appends v, held by a container at nesting level depth: the
// kinds only values may have here, the key kinds by appendKey.
func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, tagNil), nil
	case []byte:
		return appendString(append(b, tagBytes), string(v)), nil
	case float64:
		return appendFloat64(b, v), nil
	case float32:
		return appendFloat32(b, v), nil
	case time.Time:
		return appendTime(b, v)
	case []any:
		return appendList(b, v, depth)
	case map[string]any:
		return appendStrMap(b, v, depth)
	case map[any]any:
		return appendAnyMap(b, v, depth)
	}
	return appendKey(b, v)
}

// appendString appends a length-prefixed string (untagged: strings are
// also map[string]any keys).
func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, tagTrue)
	}
	return append(b, tagFalse)
}

// appendInt appends a signed integer of the width tag names.
func appendInt(b []byte, tag byte, x int64) []byte {
	return binary.AppendVarint(append(b, tag), x)
}

// appendUint appends an unsigned integer of the width tag names.
func appendUint(b []byte, tag byte, x uint64) []byte {
	return binary.AppendUvarint(append(b, tag), x)
}

func appendFloat32(b []byte, f float32) []byte {
	return binary.LittleEndian.AppendUint32(append(b, tagFloat32), math.Float32bits(f))
}

func appendFloat64(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(append(b, tagFloat64), math.Float64bits(f))
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
// (uvarint) and zone (see appendZone). Like Time.MarshalBinary, which gob
// uses, it drops the monotonic reading and the location's name and rules.
func appendTime(b []byte, t time.Time) ([]byte, error) {
	sec := t.Unix()
	// Outside ±2^62 s: beyond the decoder's bound, or wrapped around by
	// Time.Unix for times near the minimum Time.
	if sec < -maxTimeSec || sec > maxTimeSec {
		return b, ErrUnsupported
	}
	z, ok := zoneCode(t)
	if !ok {
		return b, ErrUnsupported
	}
	b = binary.AppendVarint(append(b, tagTime), sec)
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendUvarint(b, z), nil
}

// zoneCode is the zone of t as written: 0 for UTC, else 1 + its zigzag
// offset in seconds; false if the offset is beyond maxZoneOffset.
func zoneCode(t time.Time) (uint64, bool) {
	if t.Location() == time.UTC {
		return 0, true
	}
	_, offset := t.Zone()
	if offset < -maxZoneOffset || offset > maxZoneOffset {
		return 0, false
	}
	o := int64(offset)
	return uint64(o<<1^o>>63) + 1, true // zigzag, shifted past UTC's 0
}

// appendList appends a []any held at nesting level depth.
func appendList(b []byte, l []any, depth int) ([]byte, error) {
	if depth >= maxDepth {
		return b, errTooDeep
	}
	b = binary.AppendUvarint(append(b, tagList), uint64(len(l)))
	var err error
	for _, v := range l {
		if b, err = appendValue(b, v, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendStrMap appends a map[string]any held at nesting level depth.
func appendStrMap(b []byte, m map[string]any, depth int) ([]byte, error) {
	if depth >= maxDepth {
		return b, errTooDeep
	}
	b = binary.AppendUvarint(append(b, tagStrMap), uint64(len(m)))
	var err error
	for k, v := range m {
		b = appendString(b, k)
		if b, err = appendValue(b, v, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendAnyMap appends a map[any]any held at nesting level depth.
func appendAnyMap(b []byte, m map[any]any, depth int) ([]byte, error) {
	if depth >= maxDepth {
		return b, errTooDeep
	}
	return appendEntries(append(b, tagAnyMap), m, depth+1)
}
