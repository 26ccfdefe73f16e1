package codec

import (
	"math"
	"testing"
	"time"
)

// FuzzDeserialize feeds arbitrary compact payloads (the fuzz input after
// the version byte) to Deserialize: it must never panic, an empty map
// passed in must come out equal or, on error, still empty, and a payload
// it accepts must encode again (compactly) to a payload that decodes to an
// equal map.
//
// Payloads without the version byte go to encoding/gob, which is not
// hardened against adversarial input (its documentation says so): a
// 100-byte input found by this target made it allocate gigabytes. The
// same holds for securecookie's default GobEncoder; both only ever see
// payloads that passed the HMAC, so only a key holder can send them. The
// fuzzer therefore stays on the compact path.
func FuzzDeserialize(f *testing.F) {
	ny := codecLoadLocation(f, "America/New_York")
	seeds := []map[any]any{
		{},
		codecTypicalSession(),
		{"_flash": []any{"a", "b"}, "p": map[string]any{"x": 1.5, "y": []byte("z")}},
		{1: int8(-1), uint16(2): uint32(3), false: nil, "f": float32(2), "m": map[any]any{int64(-5): uint64(1 << 40)}},
		{"t": time.Date(1850, 1, 1, 0, 0, 0, 0, ny), "u": time.Date(2025, 7, 1, 0, 0, 0, 0, ny), "z": time.Time{}},
		{"u": uint(7), "i16": int16(-300), "s": "\xff"},
	}
	for _, s := range seeds {
		b, err := Serializer{}.Serialize(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[1:])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		data := append([]byte{compactV1}, body...)
		var m map[any]any
		err := Serializer{}.Deserialize(data, &m)
		inPlace := map[any]any{}
		err2 := Serializer{}.Deserialize(data, &inPlace)
		if (err == nil) != (err2 == nil) || (err2 != nil && len(inPlace) != 0) || (err == nil && !codecEqual(m, inPlace)) {
			t.Fatalf("into nil: %v %#v; into empty: %v %#v", err, m, err2, inPlace)
		}
		if err != nil {
			return
		}
		b, err := Serializer{}.Serialize(m)
		if err != nil {
			t.Fatalf("decoded %#v from % x but cannot encode it: %v", m, data, err)
		}
		if b[0] != compactV1 {
			t.Fatalf("decoded %#v from % x but it re-encodes as gob", m, data)
		}
		var m2 map[any]any
		if err := (Serializer{}).Deserialize(b, &m2); err != nil {
			t.Fatalf("re-encoded % x of %#v does not decode: %v", b, m, err)
		}
		if !codecEqual(m, m2) {
			t.Fatalf("round trip changed the map:\n%#v\n%#v", m, m2)
		}
	})
}

// FuzzRoundTrip builds session maps from fuzz bytes and checks that every
// one that encodes compactly decodes to an equal map.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), int64(1), uint64(2), 3.5)
	f.Add([]byte{tagList, tagStrMap, tagAnyMap, tagTime, 9, 8, 7}, int64(math.MinInt64), uint64(math.MaxUint64), math.NaN())
	f.Fuzz(func(t *testing.T, shape []byte, i int64, u uint64, fl float64) {
		g := codecGen{shape: shape, i: i, u: u, f: fl}
		in := map[any]any{}
		for len(g.shape) > 0 && len(in) < 16 {
			in[g.key()] = g.value(0)
		}
		b, err := Serializer{}.Serialize(in)
		if err != nil {
			t.Fatalf("Serialize(%#v): %v", in, err)
		}
		if b[0] != compactV1 {
			t.Fatalf("Serialize(%#v) used gob", in)
		}
		var out map[any]any
		if err := (Serializer{}).Deserialize(b, &out); err != nil {
			t.Fatalf("Deserialize(% x) of %#v: %v", b, in, err)
		}
		want := map[any]any{}
		for k, v := range in {
			want[k] = codecNormalize(v)
		}
		if !codecEqual(out, want) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", out, want)
		}
	})
}

// codecNormalize turns v into what it decodes to: nil slices empty, times as
// codecWantTime.
func codecNormalize(v any) any {
	switch v := v.(type) {
	case time.Time:
		return codecWantTime(v)
	case []byte:
		if v == nil {
			return []byte{}
		}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = codecNormalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = codecNormalize(e)
		}
		return out
	case map[any]any:
		out := make(map[any]any, len(v))
		for k, e := range v {
			out[k] = codecNormalize(e)
		}
		return out
	}
	return v
}

// codecGen makes compact-encodable values from fuzz input.
type codecGen struct {
	shape []byte
	i     int64
	u     uint64
	f     float64
}

func (g *codecGen) next() byte {
	if len(g.shape) == 0 {
		return 0
	}
	c := g.shape[0]
	g.shape = g.shape[1:]
	return c
}

func (g *codecGen) str() string {
	n := min(int(g.next()%8), len(g.shape))
	s := string(g.shape[:n])
	g.shape = g.shape[n:]
	return s
}

func (g *codecGen) key() any {
	switch g.next() % 6 {
	case 0:
		return int(g.i)
	case 1:
		return uint8(g.u)
	case 2:
		return g.next()%2 == 0
	case 3:
		return int64(g.next())
	}
	return g.str()
}

// value makes a value to be held at nesting level depth. The first byte
// picks the kind (mod 24) and, in its top 3 bits, a container's size.
func (g *codecGen) value(depth int) any {
	c := g.next()
	switch k := c % 24; {
	case k < 16:
		return g.scalar(k, c&0x80 != 0)
	case k == 16:
		return g.time()
	case k == 23:
		return g.f
	case depth >= maxDepth:
		return nil
	case k <= 18:
		return g.list(int(c>>5), c&0x80 != 0, depth)
	case k <= 20:
		return g.strMap(int(c>>5), depth)
	}
	return g.anyMap(int(c>>5), depth)
}

// scalar makes a value of kind k (0..15): nil, bool, string, []byte (nil
// if nilBytes) or a number.
func (g *codecGen) scalar(k byte, nilBytes bool) any {
	switch k {
	case 0:
		return nil
	case 1:
		return g.next()%2 == 1
	case 2:
		return g.str()
	case 3:
		if nilBytes {
			return []byte(nil)
		}
		return []byte(g.str())
	case 4:
		return int(g.i)
	case 5:
		return int8(g.i)
	case 6:
		return int16(g.i)
	case 7:
		return int32(g.i)
	case 8:
		return g.i
	case 9:
		return uint(g.u)
	case 10:
		return uint8(g.u)
	case 11:
		return uint16(g.u)
	case 12:
		return uint32(g.u)
	case 13:
		return g.u
	case 14:
		return float32(g.f)
	}
	return g.f
}

// time makes a time in UTC, Local, a fixed zone, or with a monotonic
// reading.
func (g *codecGen) time() time.Time {
	t := time.Unix(g.i%(1<<40), int64(g.u%1e9))
	switch g.next() % 4 {
	case 0:
		return t.UTC()
	case 1:
		return t // Local
	case 2:
		return t.In(time.FixedZone("N", int(g.i%(18*3600))))
	}
	return time.Now()
}

// list makes a []any of n elements (nil if asNil and n is 0).
func (g *codecGen) list(n int, asNil bool, depth int) []any {
	l := []any{}
	if asNil && n == 0 {
		l = nil
	}
	for range n {
		l = append(l, g.value(depth+1))
	}
	return l
}

func (g *codecGen) strMap(n, depth int) map[string]any {
	m := map[string]any{}
	for range n {
		m[g.str()] = g.value(depth + 1)
	}
	return m
}

func (g *codecGen) anyMap(n, depth int) map[any]any {
	m := map[any]any{}
	for range n {
		m[g.key()] = g.value(depth + 1)
	}
	return m
}
