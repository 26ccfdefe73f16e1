package codec

import (
	"errors"

	"github.com/gorilla/securecookie"
)

// Serializer is the securecookie.Serializer of the built-in cookie store:
// compact payloads for session maps of the common types, gob for anything
// else (see the package documentation). The zero value is ready to use and
// holds no state, so it may be used concurrently.
type Serializer struct{}

var _ securecookie.Serializer = Serializer{}

// ErrUnsupported is returned by Append when a key or value has a type the
// compact format does not carry (or a time outside its range): the caller
// should encode the map with gob instead, as Serialize does. Serialize
// never returns it.
var ErrUnsupported = errors.New("crosssession: value needs gob")

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
	errTooDeep   = errors.New("crosssession: session value nested more than 32 levels deep")
	errTruncated = errors.New("crosssession: session payload truncated")
	errTrailing  = errors.New("crosssession: trailing bytes after session payload")
	errVarint    = errors.New("crosssession: malformed varint in session payload")
	errLength    = errors.New("crosssession: length exceeds session payload")
	errTag       = errors.New("crosssession: unknown value tag in session payload")
	errKey       = errors.New("crosssession: session map key of an unsupported type")
	errDupKey    = errors.New("crosssession: duplicate key in session payload")
	errRange     = errors.New("crosssession: integer out of range in session payload")
	errTime      = errors.New("crosssession: invalid time in session payload")
	errDst       = errors.New("crosssession: compact session payload needs a *map[interface{}]interface{} destination")
)

// Append appends the compact payload of vs, version byte included, to dst
// and returns the extended slice. A nil vs is written as an empty map.
//
// It fails with ErrUnsupported if a key or value needs gob, and with an
// error of its own if containers nest more than 32 levels deep (a cycle
// does too). On error the returned slice is dst extended by a partial
// payload, so that a pooled buffer keeps its capacity; it may hold session
// values, which a caller reusing the buffer should clear.
func Append(dst []byte, vs map[any]any) ([]byte, error) {
	return appendEntries(append(dst, compactV1), vs, 0)
}

// Serialize encodes src, normally a session's map[any]any. It uses the
// compact format when every key and value allows it, and gob otherwise.
// It fails if containers nest more than 32 levels deep, or with gob's
// error (such as a type not registered with gob.Register).
func (Serializer) Serialize(src any) ([]byte, error) {
	if m, ok := src.(map[any]any); ok {
		b, err := Append(make([]byte, 0, 128), m)
		if err == nil {
			return b, nil
		}
		if err != ErrUnsupported {
			return nil, err
		}
	}
	return securecookie.GobEncoder{}.Serialize(src)
}

// Deserialize decodes src into dst: a compact payload into a non-nil
// *map[any]any, anything else with gob. Like gob, it adds the decoded
// entries to a non-empty map; the map is left unchanged on error. A
// malformed compact payload gives an error saying what is wrong with it,
// and a compact payload with any other destination an error too.
func (Serializer) Deserialize(src []byte, dst any) error {
	if len(src) == 0 || src[0] != compactV1 {
		return securecookie.GobEncoder{}.Deserialize(src, dst)
	}
	p, ok := dst.(*map[any]any)
	if !ok || p == nil {
		return errDst
	}
	// Decode straight into an empty map, such as the one gorilla's
	// NewSession makes, and empty it again on error.
	var into map[any]any
	if *p != nil && len(*p) == 0 {
		into = *p
	}
	m, err := decode(src, into)
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
