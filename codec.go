package crosssession

import "github.com/crosssession/crosssession/internal/codec"

// The session value codec (a compact, versioned binary format with a gob
// fallback) lives in internal/codec; this file adapts it to the names the
// rest of the package uses.

// sessionSerializer is the securecookie.Serializer of the built-in cookie
// store (see codec.Serializer).
type sessionSerializer = codec.Serializer

// appendCompact appends the compact payload of a session's values to dst,
// or fails with errUnsupported if one of them needs gob (see codec.Append).
func appendCompact(dst []byte, vs map[any]any) ([]byte, error) { return codec.Append(dst, vs) }

// errUnsupported makes the cookie writer fall back to gob. It never leaves
// the package.
var errUnsupported = codec.ErrUnsupported
