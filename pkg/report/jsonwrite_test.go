package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func encodingJSON(t testing.TB, v any, pre string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(pre, "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// filler sets every exported field of a value, recursively, to a non-zero
// value of its own: each string names its field (so that a value written
// under another field's key shows), each number is another, booleans are
// true, pointers point to filled values, slices and maps have filled
// elements. A field added to the JSON types is then filled too, without a
// change here.
type filler struct {
	t *testing.T
	n int64
}

func (f *filler) fill(v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.String:
		// with characters the writer must escape
		v.SetString(name + " \"<&>\u2028\xff")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.n++
		v.SetInt(f.n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		f.n++
		v.SetUint(uint64(f.n))
	case reflect.Float32, reflect.Float64:
		f.n++
		v.SetFloat(float64(f.n) + 0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), name)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < v.Len(); i++ {
			f.fill(v.Index(i), fmt.Sprintf("%s[%d]", name, i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k := reflect.New(v.Type().Key()).Elem()
		f.fill(k, name+".key")
		e := reflect.New(v.Type().Elem()).Elem()
		f.fill(e, name+".value")
		v.SetMapIndex(k, e)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if sf := v.Type().Field(i); sf.IsExported() {
				f.fill(v.Field(i), name+"."+sf.Name)
			}
		}
	default:
		f.t.Fatalf("fill: %s is a %s; teach fill that kind", name, v.Type())
	}
}

// TestFillerSetsEveryField keeps filler honest: after a fill, no exported
// field of the JSON types is zero, however deep.
func TestFillerSetsEveryField(t *testing.T) {
	var o JSONObject
	(&filler{t: t}).fill(reflect.ValueOf(&o).Elem(), "o")
	var check func(v reflect.Value, name string)
	check = func(v reflect.Value, name string) {
		if v.IsZero() {
			t.Errorf("%s is zero after fill", name)
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			check(v.Elem(), name)
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				check(v.Index(i), fmt.Sprintf("%s[%d]", name, i))
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if sf := v.Type().Field(i); sf.IsExported() {
					check(v.Field(i), name+"."+sf.Name)
				}
			}
		}
	}
	check(reflect.ValueOf(o), "o")
}

// TestJSONWriterMatchesEncodingJSON holds the hand-written encoder to the
// bytes encoding/json produces, over every field, empty and full. The full
// object is filled by reflection: a field added to JSONObject, JSONChange
// or JSONValue but not to appendObject, appendChange or appendValue fails
// here.
func TestJSONWriterMatchesEncodingJSON(t *testing.T) {
	var full JSONObject
	(&filler{t: t}).fill(reflect.ValueOf(&full).Elem(), "o")
	val := "x\"y\\z\n\t\x01<&>\u2028é\xff"
	n := 12
	objs := []JSONObject{
		{},
		{Changes: []JSONChange{}},
		{Ref: "Deployment.apps/ns/a", Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "a",
			Release: "r", File: "f.yaml", Action: "replace", Level: "disruptive", Rule: "x", Reason: val, Line: 3,
			Source: "s.yaml", Content: "partial", Culprits: []string{"spec.selector", val}, OldOwner: "a/b", NewOwner: "c/d",
			Changes: []JSONChange{
				{Path: "spec.x", Op: "modify", Old: &JSONValue{Kind: "scalar", Value: &val}, New: &JSONValue{Kind: "scalar", Redacted: true, Bytes: &n},
					Level: "restart", Rule: "r", Reason: "why", Line: 9, Object: true, Approximate: true, Place: "p", Places: 2,
					Assumed: true, Assumptions: []string{"a", "b"}, Replace: true, MaybeReplace: true, Also: []string{"c"}, Missing: []string{val},
					Lowered:  &JSONLowered{Level: "destructive", Rule: val},
					Accepted: true, AcceptReason: val},
				{Path: "", Op: "add"},
			}},
		full,
	}
	for i := range objs {
		want := encodingJSON(t, objs[i], "    ")
		got := appendObject(nil, &objs[i], "    ")
		if d := cmp.Diff(string(want), string(got)); d != "" {
			t.Errorf("object %d: appendObject differs from encoding/json (-want +got):\n%s", i, d)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\\n\r\t\b\f\x00\x1f", "<&>", "\u2028\u2029", "é\xff\xfe", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		got := appendJSONString(nil, s)
		if !bytes.Equal(want, got) {
			t.Fatalf("%q: want %s got %s", s, want, got)
		}
	})
}

// TestPlainJSONWord: the word-at-a-time scan of appendJSONString passes a
// word exactly when each of its bytes is one that a JSON string holds as
// it is, on every byte value at every position and on random words.
func TestPlainJSONWord(t *testing.T) {
	plainWord := func(w uint64) bool {
		for i := 0; i < 8; i++ {
			if !plainJSON[byte(w>>(8*i))] {
				return false
			}
		}
		return true
	}
	const fill = 0x6161616161616161 // "aaaaaaaa"
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			w := fill&^(0xff<<(8*pos)) | uint64(c)<<(8*pos)
			if got, want := plainJSONWord(w), plainWord(w); got != want {
				t.Errorf("byte %#x at %d: got %v, want %v", c, pos, got, want)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var w uint64
		for i := 0; i < 8; i++ {
			// mostly plain bytes, with the bounds and the escaped ones
			c := byte(0x20 + r.IntN(0x5f))
			if r.IntN(8) == 0 {
				c = []byte{0x00, 0x1f, 0x20, '"', '\\', 0x7e, 0x7f, 0x80, 0xff, 0x21, 0x23, 0x5b, 0x5d}[r.IntN(13)]
			}
			w |= uint64(c) << (8 * i)
		}
		if got, want := plainJSONWord(w), plainWord(w); got != want {
			t.Fatalf("%#016x: got %v, want %v", w, got, want)
		}
	}
}
