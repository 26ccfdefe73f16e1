package codec

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"
	"time"
)

// codecGolden are payloads of the compact format as the encoder wrote them
// when the format was frozen. Browsers carry cookies holding these bytes,
// so every one must keep decoding to its value, and the encoder must keep
// writing exactly these bytes (each container has at most one entry, so
// map order cannot vary). Never edit a row; add new ones.
var codecGolden = []struct {
	name string
	v    map[any]any
	hex  string
}{
	{"nil map", nil, "c100"},
	{"empty map", map[any]any{}, "c100"},
	{"nil", map[any]any{"k": nil}, "c10103016b00"},
	{"false", map[any]any{"k": false}, "c10103016b01"},
	{"true", map[any]any{"k": true}, "c10103016b02"},
	{"string empty", map[any]any{"k": ""}, "c10103016b0300"},
	{"string", map[any]any{"uid": "user-8c1d2f6a"}, "c1010303756964030d757365722d3863316432663661"},
	{"string unicode", map[any]any{"k": "żółw 🐢"}, "c10103016b030cc5bcc3b3c5827720f09f90a2"},
	{"string invalid UTF-8", map[any]any{"k": "\xff\xfea\xc0"}, "c10103016b0304fffe61c0"},
	{"string 200 bytes", map[any]any{"k": strings.Repeat("ab", 100)}, "c10103016b03c8016162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162616261626162"},
	{"bytes", map[any]any{"k": []byte{0, 1, 0xff}}, "c10103016b04030001ff"},
	{"bytes empty", map[any]any{"k": []byte{}}, "c10103016b0400"},
	{"int 0", map[any]any{"k": 0}, "c10103016b0500"},
	{"int 1", map[any]any{"k": 1}, "c10103016b0502"},
	{"int -1", map[any]any{"k": -1}, "c10103016b0501"},
	{"int 63", map[any]any{"k": 63}, "c10103016b057e"},
	{"int -64", map[any]any{"k": -64}, "c10103016b057f"},
	{"int 64", map[any]any{"k": 64}, "c10103016b058001"},
	{"int max", map[any]any{"k": math.MaxInt}, "c10103016b05feffffffffffffffff01"},
	{"int min", map[any]any{"k": math.MinInt}, "c10103016b05ffffffffffffffffff01"},
	{"int8 min", map[any]any{"k": int8(math.MinInt8)}, "c10103016b06ff01"},
	{"int16 max", map[any]any{"k": int16(math.MaxInt16)}, "c10103016b07feff03"},
	{"int32 min", map[any]any{"k": int32(math.MinInt32)}, "c10103016b08ffffffff0f"},
	{"int64 min", map[any]any{"k": int64(math.MinInt64)}, "c10103016b09ffffffffffffffffff01"},
	{"int64 max", map[any]any{"k": int64(math.MaxInt64)}, "c10103016b09feffffffffffffffff01"},
	{"uint 0", map[any]any{"k": uint(0)}, "c10103016b0a00"},
	{"uint max", map[any]any{"k": uint(math.MaxUint)}, "c10103016b0affffffffffffffffff01"},
	{"uint8 max", map[any]any{"k": uint8(math.MaxUint8)}, "c10103016b0bff01"},
	{"uint16 max", map[any]any{"k": uint16(math.MaxUint16)}, "c10103016b0cffff03"},
	{"uint32 max", map[any]any{"k": uint32(math.MaxUint32)}, "c10103016b0dffffffff0f"},
	{"uint64 max", map[any]any{"k": uint64(math.MaxUint64)}, "c10103016b0effffffffffffffffff01"},
	{"uint64 128", map[any]any{"k": uint64(128)}, "c10103016b0e8001"},
	{"float32", map[any]any{"k": float32(1.5)}, "c10103016b0f0000c03f"},
	{"float32 -Inf", map[any]any{"k": float32(math.Inf(-1))}, "c10103016b0f000080ff"},
	{"float64 pi", map[any]any{"k": math.Pi}, "c10103016b10182d4454fb210940"},
	{"float64 -0", map[any]any{"k": math.Copysign(0, -1)}, "c10103016b100000000000000080"},
	{"float64 NaN payload", map[any]any{"k": math.Float64frombits(0x7ff8_dead_beef_0001)}, "c10103016b100100efbeaddef87f"},
	{"time UTC", map[any]any{"login": time.Date(2025, 11, 27, 4, 33, 0, 5, time.UTC)}, "c10103056c6f67696e11f8d1be920d0500"},
	{"time zero", map[any]any{"k": time.Time{}}, "c10103016b11ffdb8ff9ce030000"},
	{"time year 1", map[any]any{"k": time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}, "c10103016b11ffdb8ff9ce030000"},
	{"time year 9999", map[any]any{"k": time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}, "c10103016b11fe85a2ffdf0eff93ebdc0300"},
	{"time +5:30", map[any]any{"k": time.Date(2025, 7, 1, 12, 0, 0, 0, time.FixedZone("IST", 5*3600+1800))}, "c10103016b11d0819c860d00b1b502"},
	{"time -4:56:02", map[any]any{"k": time.Date(1850, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", -(4*3600+56*60+2)))}, "c10103016b11bbe8b09b1c00c49502"},
	{"time offset 0 not UTC", map[any]any{"k": time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("", 0))}, "c10103016b118096a4f70c0001"},
	{"list", map[any]any{"_flash": []any{"saved", 2, nil, []any{}}}, "c10103065f666c6173681204030573617665640504001200"},
	{"list empty", map[any]any{"k": []any{}}, "c10103016b1200"},
	{"string map", map[any]any{"prefs": map[string]any{"theme": map[string]any{}}}, "c101030570726566731301057468656d651300"},
	{"any map", map[any]any{"m": map[any]any{int8(2): map[any]any{}}}, "c10103016d140106041400"},
	{"key int", map[any]any{7: "v"}, "c101050e030176"},
	{"key int8", map[any]any{int8(-7): "v"}, "c101060d030176"},
	{"key int16", map[any]any{int16(-300): "v"}, "c10107d704030176"},
	{"key int32", map[any]any{int32(1 << 20): "v"}, "c1010880808001030176"},
	{"key int64", map[any]any{int64(-1 << 40): "v"}, "c10109ffffffffff3f030176"},
	{"key uint", map[any]any{uint(7): "v"}, "c1010a07030176"},
	{"key uint8", map[any]any{uint8(7): "v"}, "c1010b07030176"},
	{"key uint16", map[any]any{uint16(7): "v"}, "c1010c07030176"},
	{"key uint32", map[any]any{uint32(7): "v"}, "c1010d07030176"},
	{"key uint64", map[any]any{uint64(1 << 63): "v"}, "c1010e80808080808080808001030176"},
	{"key bool", map[any]any{true: "v"}, "c10102030176"},
	{"key empty string", map[any]any{"": ""}, "c10103000300"},
	{"deepest", map[any]any{"k": codecGoldenDeep()}, "c10103016b13010173120114010c1d13010173120114010c1a13010173120114010c1713010173120114010c1413010173120114010c1113010173120114010c0e13010173120114010c0b13010173120114010c0813010173120114010c0513010173120114010c021301017312010306626f74746f6d"},
}

// codecGoldenDeep is the deepest nesting the format allows: 32 containers
// of each kind in turn around a string.
func codecGoldenDeep() any {
	v := any("bottom")
	for i := range 32 {
		switch i % 3 {
		case 0:
			v = []any{v}
		case 1:
			v = map[string]any{"s": v}
		default:
			v = map[any]any{uint16(i): v}
		}
	}
	return v
}

// codecGoldenMulti are payloads of maps with several entries, whose order
// the encoder does not fix: they are checked by decoding only.
var codecGoldenMulti = []struct {
	name string
	v    map[any]any
	hex  string
}{
	{"typical session", map[any]any{
		"uid":   "user-8c1d2f6a",
		"n":     41,
		"admin": true,
		"login": time.Date(2025, 11, 27, 4, 33, 0, 0, time.UTC),
	}, "c1040303756964030d757365722d386331643266366103016e0552030561646d696e0203056c6f67696e11f8d1be920d0000"},
	{"mixed", map[any]any{
		"_flash": []any{"a", "b"},
		"p":      map[string]any{"x": 1.5, "y": []byte("z")},
		7:        int64(-1 << 40),
		true:     uint8(200),
		"m":      map[any]any{int64(-5): uint64(1 << 40), "s": float32(2)},
	}, "c10503016d140209090e8080808080200301730f0000004003065f666c61736812020301610301620301701302017810000000000000f83f017904017a050e09ffffffffff3f020bc801"},
}

// TestCodecGolden checks that the compact format has not changed: every
// golden payload decodes to its value, and the single-entry ones are
// exactly what the encoder writes today.
func TestCodecGolden(t *testing.T) {
	check := func(t *testing.T, v map[any]any, h string, encode bool) {
		want, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		if encode {
			b, err := Serializer{}.Serialize(v)
			if err != nil || !bytes.Equal(b, want) {
				t.Errorf("Serialize = %x, %v\nwant        %x", b, err, want)
			}
		}
		var got map[any]any
		if err := (Serializer{}).Deserialize(want, &got); err != nil {
			t.Fatalf("Deserialize(%x): %v", want, err)
		}
		if norm := codecNormalize(v); !codecEqual(got, norm) && !(v == nil && len(got) == 0) {
			t.Errorf("Deserialize(%x) = %#v\nwant %#v", want, got, norm)
		}
	}
	for _, g := range codecGolden {
		t.Run(g.name, func(t *testing.T) { check(t, g.v, g.hex, true) })
	}
	for _, g := range codecGoldenMulti {
		t.Run(g.name, func(t *testing.T) { check(t, g.v, g.hex, false) })
	}
}
