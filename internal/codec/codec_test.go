package codec

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York etc. without a system zoneinfo

	"github.com/gorilla/securecookie"
	gsessions "github.com/gorilla/sessions"
)

// codecEqual compares decoded session values: like reflect.DeepEqual
// (types included), except that floats compare by bits (NaN, -0), times by
// instant, offset and location name (a decoded FixedZone is a new
// *Location), and nil and empty slices and maps are equal.
func codecEqual(a, b any) bool {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	switch a := a.(type) {
	case float64:
		return math.Float64bits(a) == math.Float64bits(b.(float64))
	case float32:
		return math.Float32bits(a) == math.Float32bits(b.(float32))
	case time.Time:
		return codecTimeEqual(a, b.(time.Time))
	case []byte:
		return bytes.Equal(a, b.([]byte))
	case []any:
		return slices.EqualFunc(a, b.([]any), codecEqual)
	case map[string]any:
		return codecMapEqual(a, b.(map[string]any))
	case map[any]any:
		return codecMapEqual(a, b.(map[any]any))
	}
	return reflect.DeepEqual(a, b)
}

func codecMapEqual[K comparable](a, b map[K]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !codecEqual(v, w) {
			return false
		}
	}
	return true
}

func codecTimeEqual(a, b time.Time) bool {
	_, oa := a.Zone()
	_, ob := b.Zone()
	return a.Equal(b) && oa == ob && a.Location().String() == b.Location().String()
}

// codecWantTime is what a time.Time decodes to, as documented on
// the package: no monotonic reading; UTC stays UTC; any other
// location becomes Local when the offset matches, else an unnamed
// FixedZone.
func codecWantTime(t time.Time) time.Time {
	t = t.Round(0)
	if t.Location() == time.UTC {
		return t
	}
	_, off := t.Zone()
	if _, lo := t.In(time.Local).Zone(); lo == off {
		return t.In(time.Local)
	}
	return t.In(time.FixedZone("", off))
}

func codecRoundTrip(t *testing.T, in map[any]any) map[any]any {
	t.Helper()
	b, err := Serializer{}.Serialize(in)
	if err != nil {
		t.Fatalf("Serialize: %v", err)
	}
	if b[0] != compactV1 {
		t.Fatalf("Serialize used gob for %#v", in)
	}
	var out map[any]any
	if err := (Serializer{}).Deserialize(b, &out); err != nil {
		t.Fatalf("Deserialize(% x): %v", b, err)
	}
	return out
}

func codecLoadLocation(t testing.TB, name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCodecRoundTrip(t *testing.T) {
	ny := codecLoadLocation(t, "America/New_York")
	kolkata := codecLoadLocation(t, "Asia/Kolkata")
	now := time.Now() // has a monotonic reading
	invalid := string([]byte{0xff, 0xfe, 'a', 0xc0})
	deep := any("bottom")
	for range maxDepth {
		deep = []any{deep}
	}
	tests := []struct {
		name string
		v    any
		want any // nil: v
	}{
		{"nil", nil, nil},
		{"string", "alice", nil},
		{"empty string", "", nil},
		{"unicode string", "żółw 🐢 日本", nil},
		{"invalid UTF-8 string", invalid, nil},
		{"long string", strings.Repeat("x", 3000), nil},
		{"true", true, nil},
		{"false", false, nil},
		{"int", 42, nil},
		{"int zero", 0, nil},
		{"int negative", -1, nil},
		{"int max", math.MaxInt, nil},
		{"int min", math.MinInt, nil},
		{"int8", int8(-128), nil},
		{"int8 max", int8(127), nil},
		{"int16", int16(math.MinInt16), nil},
		{"int32", int32(math.MaxInt32), nil},
		{"int64 min", int64(math.MinInt64), nil},
		{"int64 max", int64(math.MaxInt64), nil},
		{"uint", uint(math.MaxUint), nil},
		{"uint8", uint8(255), nil},
		{"uint16", uint16(65535), nil},
		{"uint32", uint32(math.MaxUint32), nil},
		{"uint64 max", uint64(math.MaxUint64), nil},
		{"uint64 zero", uint64(0), nil},
		{"float64", 3.141592653589793, nil},
		{"float64 negative zero", math.Copysign(0, -1), nil},
		{"float64 NaN", math.NaN(), nil},
		{"float64 NaN payload", math.Float64frombits(0x7ff8_dead_beef_0001), nil},
		{"float64 +Inf", math.Inf(1), nil},
		{"float64 smallest", math.SmallestNonzeroFloat64, nil},
		{"float32", float32(1.5), nil},
		{"float32 NaN", float32(math.NaN()), nil},
		{"bytes", []byte{0, 1, 2, 0xff}, nil},
		{"bytes empty", []byte{}, nil},
		{"bytes nil", []byte(nil), []byte{}},
		{"time UTC", time.Date(2025, 3, 4, 5, 6, 7, 8, time.UTC), nil},
		{"time zero", time.Time{}, nil},
		{"time now (monotonic stripped)", now, codecWantTime(now)},
		{"time now UTC", now.UTC(), now.UTC().Round(0)},
		{"time local", time.Date(2025, 1, 1, 0, 0, 0, 0, time.Local), nil},
		{"time New York (name dropped)", time.Date(2025, 7, 1, 12, 0, 0, 1, ny), codecWantTime(time.Date(2025, 7, 1, 12, 0, 0, 1, ny))},
		{"time New York LMT -4:56:02", time.Date(1850, 1, 1, 0, 0, 0, 0, ny), codecWantTime(time.Date(1850, 1, 1, 0, 0, 0, 0, ny))},
		{"time Kolkata +5:30", time.Date(2025, 7, 1, 12, 0, 0, 0, kolkata), codecWantTime(time.Date(2025, 7, 1, 12, 0, 0, 0, kolkata))},
		{"time fixed zone", time.Date(2025, 7, 1, 12, 0, 0, 0, time.FixedZone("X", -37)), codecWantTime(time.Date(2025, 7, 1, 12, 0, 0, 0, time.FixedZone("X", -37)))},
		{"time year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), nil},
		{"time year 9999", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), nil},
		{"list", []any{"a", 1, true, nil, 2.5, []any{}}, nil},
		{"list empty", []any{}, nil},
		{"list nil", []any(nil), []any{}},
		{"string map", map[string]any{"a": 1, "": "empty key", invalid: int8(3), "n": map[string]any{"x": []any{uint16(7)}}}, nil},
		{"string map empty", map[string]any{}, nil},
		{"any map", map[any]any{"s": 1, 2: "two", int8(2): "int8 two", uint(2): true, false: 0.5}, nil},
		{"any map nested", map[any]any{"m": map[any]any{"k": map[string]any{"z": time.Unix(0, 0).UTC()}}}, nil},
		{"flashes", []any{"saved", "welcome back"}, nil},
		{"deepest allowed", deep, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == nil {
				want = tt.v
			}
			out := codecRoundTrip(t, map[any]any{"k": tt.v})
			got, ok := out["k"]
			if len(out) != 1 || !ok {
				t.Fatalf("got map %#v", out)
			}
			if !codecEqual(got, want) {
				t.Errorf("got %T %#v, want %T %#v", got, got, want, want)
			}
		})
	}
}

func TestCodecWholeSession(t *testing.T) {
	in := map[any]any{
		"uid":      "user-1234567890",
		"n":        17,
		"admin":    true,
		"login":    time.Date(2025, 11, 27, 4, 33, 0, 0, time.UTC),
		"_flash":   []any{"hello"},
		"prefs":    map[string]any{"theme": "dark", "size": 12},
		"ünïcödé":  "ok",
		7:          "int key",
		uint8(7):   "uint8 key",
		true:       "bool key",
		"nilvalue": nil,
	}
	out := codecRoundTrip(t, in)
	if !codecEqual(out, in) {
		t.Errorf("got %#v\nwant %#v", out, in)
	}

	empty := codecRoundTrip(t, map[any]any{})
	if empty == nil || len(empty) != 0 {
		t.Errorf("empty map decoded as %#v", empty)
	}
	if b, _ := (Serializer{}).Serialize(map[any]any(nil)); !bytes.Equal(b, []byte{compactV1, 0}) {
		t.Errorf("nil map encoded as % x", b)
	}
}

// TestCodecTimeLikeGob checks that a time decodes as gob decodes it, for
// the offsets gob handles (whole minutes, and positive seconds).
func TestCodecTimeLikeGob(t *testing.T) {
	ny := codecLoadLocation(t, "America/New_York")
	for _, tm := range []time.Time{
		time.Now(),
		time.Now().UTC(),
		time.Date(2025, 7, 1, 12, 0, 0, 1, ny),
		time.Date(2025, 1, 1, 12, 0, 0, 1, ny),
		time.Date(2025, 1, 1, 12, 0, 0, 1, time.FixedZone("CET", 3600)),
		time.Date(2025, 1, 1, 12, 0, 0, 1, time.FixedZone("", 0)),
		time.Date(2025, 1, 1, 12, 0, 0, 1, time.FixedZone("", 45)),
	} {
		gb, err := securecookie.GobEncoder{}.Serialize(map[any]any{"t": tm})
		if err != nil {
			t.Fatal(err)
		}
		var viaGob map[any]any
		if err := (securecookie.GobEncoder{}).Deserialize(gb, &viaGob); err != nil {
			t.Fatal(err)
		}
		got := codecRoundTrip(t, map[any]any{"t": tm})["t"]
		if !codecEqual(got, viaGob["t"]) {
			t.Errorf("%v: compact gives %v (%v), gob gives %v (%v)", tm, got, got.(time.Time).Location(),
				viaGob["t"], viaGob["t"].(time.Time).Location())
		}
	}
}

type codecTestStruct struct {
	Name  string
	Roles []string
}

type codecKey string

func init() {
	gob.Register(codecTestStruct{})
	gob.Register(codecKey(""))
	gob.Register(map[string]any{})
	gob.Register([]any{})
	gob.Register(time.Time{})
}

func TestCodecGobFallback(t *testing.T) {
	tests := []struct {
		name string
		in   map[any]any
	}{
		{"registered struct", map[any]any{"uid": "u1", "user": codecTestStruct{"alice", []string{"admin"}}}},
		{"typed key", map[any]any{codecKey("uid"): "u1", "n": 1}},
		{"named string value", map[any]any{"k": codecKey("v")}},
		{"struct in a nested map", map[any]any{"m": map[string]any{"u": codecTestStruct{Name: "bob"}}}},
		{"float key", map[any]any{1.5: "x"}},
		{"[]string", map[any]any{"roles": []string{"a", "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Serializer{}.Serialize(tt.in)
			if err != nil {
				t.Fatalf("Serialize: %v", err)
			}
			if b[0] == compactV1 {
				t.Fatalf("expected gob, got compact % x", b)
			}
			gb, _ := securecookie.GobEncoder{}.Serialize(tt.in)
			if !bytes.Equal(b[:8], gb[:8]) {
				t.Errorf("fallback is not plain gob: % x vs % x", b[:8], gb[:8])
			}
			var out map[any]any
			if err := (Serializer{}).Deserialize(b, &out); err != nil {
				t.Fatalf("Deserialize: %v", err)
			}
			if !reflect.DeepEqual(out, tt.in) {
				t.Errorf("got %#v, want %#v", out, tt.in)
			}
		})
	}

	// An unregistered type fails in Serialize, as with plain gob.
	type unregistered struct{ X int }
	if _, err := (Serializer{}).Serialize(map[any]any{"x": unregistered{1}}); err == nil {
		t.Error("Serialize of an unregistered type succeeded")
	}
	// Values that are not session maps are plain gob both ways.
	b, err := Serializer{}.Serialize("just a string")
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := (Serializer{}).Deserialize(b, &s); err != nil || s != "just a string" {
		t.Errorf("got %q, %v", s, err)
	}
}

// TestCodecReadsGobCookies checks that switching from the plain cookie
// store (gob) logs nobody out: a cookie securecookie writes with its
// default GobEncoder decodes with Serializer, with the same keys.
func TestCodecReadsGobCookies(t *testing.T) {
	hashKey := bytes.Repeat([]byte{1}, 32)
	blockKey := bytes.Repeat([]byte{2}, 32)
	in := map[any]any{
		"uid":   "user-1",
		"n":     3,
		"admin": false,
		"when":  time.Date(2024, 2, 29, 1, 2, 3, 4, time.UTC),
		"prefs": map[string]any{"a": "b"},
	}
	for _, block := range [][]byte{nil, blockKey} {
		plain := securecookie.New(hashKey, block) // gob
		ours := securecookie.New(hashKey, block).SetSerializer(Serializer{})
		v, err := plain.Encode("session", in)
		if err != nil {
			t.Fatal(err)
		}
		var out map[any]any
		if err := ours.Decode("session", v, &out); err != nil {
			t.Fatalf("decoding a gob cookie: %v", err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Errorf("got %#v, want %#v", out, in)
		}

		// And through gorilla's CookieStore, as the middleware uses it.
		store := &gsessions.CookieStore{Codecs: []securecookie.Codec{ours}, Options: &gsessions.Options{Path: "/"}}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: v})
		s, err := store.New(r, "session")
		if err != nil || s.IsNew {
			t.Fatalf("CookieStore.New: %v (new %v)", err, s.IsNew)
		}
		if !reflect.DeepEqual(s.Values, in) {
			t.Errorf("store got %#v", s.Values)
		}
	}
}

// TestCodecGobNeverStartsWithVersion checks the premise of the version
// byte on gob streams of every length class.
func TestCodecGobNeverStartsWithVersion(t *testing.T) {
	for _, n := range []int{0, 1, 100, 200, 300, 70000} {
		b, err := securecookie.GobEncoder{}.Serialize(map[any]any{"k": strings.Repeat("x", n)})
		if err != nil {
			t.Fatal(err)
		}
		if c := b[0]; !(c >= 0x01 && c <= 0x7f || c >= 0xf8) {
			t.Errorf("gob stream of a %d-byte string starts with %#x", n, c)
		}
	}
}

func TestCodecMerge(t *testing.T) {
	b, _ := Serializer{}.Serialize(map[any]any{"a": 1, "b": 2})
	dst := map[any]any{"b": "old", "c": 3}
	if err := (Serializer{}).Deserialize(b, &dst); err != nil {
		t.Fatal(err)
	}
	if want := (map[any]any{"a": 1, "b": 2, "c": 3}); !reflect.DeepEqual(dst, want) {
		t.Errorf("got %#v, want %#v", dst, want)
	}
	// On error the map is unchanged.
	dst = map[any]any{"c": 3}
	if err := (Serializer{}).Deserialize(b[:len(b)-1], &dst); err == nil {
		t.Fatal("truncated payload decoded")
	}
	if !reflect.DeepEqual(dst, map[any]any{"c": 3}) {
		t.Errorf("map changed on error: %#v", dst)
	}
	// An empty map, as gorilla's NewSession makes, is filled in place,
	// and stays empty on error.
	dst = map[any]any{}
	ptr := reflect.ValueOf(dst).UnsafePointer()
	if err := (Serializer{}).Deserialize(b, &dst); err != nil {
		t.Fatal(err)
	}
	if reflect.ValueOf(dst).UnsafePointer() != ptr || !reflect.DeepEqual(dst, map[any]any{"a": 1, "b": 2}) {
		t.Errorf("empty map not filled in place: %#v", dst)
	}
	dst = map[any]any{}
	if err := (Serializer{}).Deserialize(append(b, 0), &dst); err == nil || len(dst) != 0 {
		t.Errorf("empty map after error: %v, %#v", err, dst)
	}
	// A compact payload needs a session map destination.
	var s string
	if err := (Serializer{}).Deserialize(b, &s); !errors.Is(err, errDst) {
		t.Errorf("got %v, want errDst", err)
	}
	if err := (Serializer{}).Deserialize(b, (*map[any]any)(nil)); !errors.Is(err, errDst) {
		t.Errorf("got %v, want errDst", err)
	}
}

func TestCodecTooDeep(t *testing.T) {
	for _, wrap := range []func(any) any{
		func(v any) any { return []any{v} },
		func(v any) any { return map[string]any{"k": v} },
		func(v any) any { return map[any]any{"k": v} },
	} {
		v := any(1)
		for range maxDepth + 1 {
			v = wrap(v)
		}
		if _, err := (Serializer{}).Serialize(map[any]any{"k": v}); !errors.Is(err, errTooDeep) {
			t.Errorf("%T nested %d deep: got %v, want errTooDeep", v, maxDepth+1, err)
		}
	}
	// A cycle ends at the depth limit instead of recursing forever.
	cyc := []any{nil}
	cyc[0] = cyc
	if _, err := (Serializer{}).Serialize(map[any]any{"k": cyc}); !errors.Is(err, errTooDeep) {
		t.Errorf("cycle: got %v", err)
	}
}

func codecUvarint(x uint64) []byte { return binary.AppendUvarint(nil, x) }

func codecCat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case byte:
			b = append(b, p)
		case int:
			b = append(b, byte(p))
		case string:
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		default:
			panic(fmt.Sprintf("codecCat: %T", p))
		}
	}
	return b
}

func TestCodecRejects(t *testing.T) {
	v := compactV1
	key := codecCat(tagString, 1, "k")
	nested := func(n int) []byte {
		b := codecCat(v, 1, key)
		for range n {
			b = append(b, tagList, 1)
		}
		return append(b, tagNil)
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"version only", codecCat(v), errTruncated},
		{"trailing byte", codecCat(v, 0, 0), errTrailing},
		{"trailing after entry", codecCat(v, 1, key, tagTrue, tagTrue), errTrailing},
		{"count beyond input", codecCat(v, 5, key, tagTrue), errLength},
		{"huge count", codecCat(v, codecUvarint(math.MaxUint64)), errLength},
		{"varint overflow", codecCat(v, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02), errVarint},
		{"varint too long", codecCat(v, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), errVarint},
		{"varint not minimal", codecCat(v, 0x81, 0x00, key, tagTrue), errVarint},
		{"varint truncated", codecCat(v, 0x81), errTruncated},
		{"string beyond input", codecCat(v, 1, tagString, 9, "k", tagTrue), errLength},
		{"unknown tag", codecCat(v, 1, key, numTags), errTag},
		{"tag 0xff", codecCat(v, 1, key, 0xff), errTag},
		{"value missing", codecCat(v, 1, key), errTruncated},
		{"float key", codecCat(v, 1, tagFloat64, "\x00\x00\x00\x00\x00\x00\xf0\x3f", tagTrue), errKey},
		{"nil key", codecCat(v, 1, tagNil, tagTrue), errKey},
		{"bytes key", codecCat(v, 1, tagBytes, 0, tagTrue), errKey},
		{"list key", codecCat(v, 1, tagList, 0, tagTrue), errKey},
		{"time key", codecCat(v, 1, tagTime, 0, 0, 0, tagTrue), errKey},
		{"duplicate key", codecCat(v, 2, key, tagTrue, key, tagFalse), errDupKey},
		{"duplicate string-map key", codecCat(v, 1, key, tagStrMap, 2, 1, "a", tagNil, 1, "a", tagNil), errDupKey},
		{"int8 out of range", codecCat(v, 1, key, tagInt8, codecUvarint(256)), errRange},
		{"int16 out of range", codecCat(v, 1, key, tagInt16, codecUvarint(1<<16)), errRange},
		{"int32 out of range", codecCat(v, 1, key, tagInt32, codecUvarint(1<<32)), errRange},
		{"uint8 out of range", codecCat(v, 1, key, tagUint8, codecUvarint(256)), errRange},
		{"uint16 out of range", codecCat(v, 1, key, tagUint16, codecUvarint(1<<16)), errRange},
		{"uint32 out of range", codecCat(v, 1, key, tagUint32, codecUvarint(1<<32)), errRange},
		{"float64 truncated", codecCat(v, 1, key, tagFloat64, "1234567"), errTruncated},
		{"float32 truncated", codecCat(v, 1, key, tagFloat32, "123"), errTruncated},
		{"time nanoseconds", codecCat(v, 1, key, tagTime, 0, codecUvarint(1e9), 0), errTime},
		{"time seconds", codecCat(v, 1, key, tagTime, codecUvarint(1<<63+2), 0, 0), errTime},
		{"time offset", codecCat(v, 1, key, tagTime, 0, 0, codecUvarint(2*maxZoneOffset+2)), errTime},
		{"time truncated", codecCat(v, 1, key, tagTime, 0, 0), errTruncated},
		{"list beyond input", codecCat(v, 1, key, tagList, 3, tagNil), errLength},
		{"too deep", nested(maxDepth + 1), errTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[any]any
			err := Serializer{}.Deserialize(tt.in, &m)
			if !errors.Is(err, tt.want) {
				t.Errorf("Deserialize(% x) = %v, want %v", tt.in, err, tt.want)
			}
			if m != nil {
				t.Errorf("map set on error: %#v", m)
			}
		})
	}
	// The deepest allowed nesting decodes.
	var m map[any]any
	if err := (Serializer{}).Deserialize(nested(maxDepth), &m); err != nil {
		t.Errorf("depth %d: %v", maxDepth, err)
	}
	// Not compact: handed to gob, which refuses garbage.
	for _, in := range [][]byte{nil, {}, {0}, {0x7f, 1, 2}, {0xc0, 1}} {
		if err := (Serializer{}).Deserialize(in, &m); err == nil {
			t.Errorf("Deserialize(% x) succeeded", in)
		}
	}
}

// codecTypicalSession is the session the benchmarks use.
func codecTypicalSession() map[any]any {
	return map[any]any{
		"uid":   "user-8c1d2f6a",
		"n":     41,
		"admin": true,
		"login": time.Date(2025, 11, 27, 4, 33, 0, 0, time.UTC),
	}
}

func TestCodecAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	in := codecTypicalSession()
	b, _ := Serializer{}.Serialize(in)
	enc := testing.AllocsPerRun(100, func() { Serializer{}.Serialize(in) })
	dec := testing.AllocsPerRun(100, func() {
		var m map[any]any
		Serializer{}.Deserialize(b, &m)
	})
	t.Logf("typical session: %d bytes, Serialize %v allocs, Deserialize %v allocs", len(b), enc, dec)
	if enc > 1 {
		t.Errorf("Serialize: %v allocs, want 1", enc)
	}
	if dec > 10 {
		t.Errorf("Deserialize: %v allocs, want <= 10", dec)
	}
}

func BenchmarkCodec(b *testing.B) {
	in := codecTypicalSession()
	for _, c := range []struct {
		name string
		sz   securecookie.Serializer
	}{{"compact", Serializer{}}, {"gob", securecookie.GobEncoder{}}} {
		enc, err := c.sz.Serialize(in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("op=serialize/codec="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.sz.Serialize(in)
			}
		})
		b.Run("op=deserialize/codec="+c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ReportMetric(float64(len(enc)), "bytes")
			for b.Loop() {
				var m map[any]any
				if err := c.sz.Deserialize(enc, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
