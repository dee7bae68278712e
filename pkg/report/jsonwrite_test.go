package report

import (
	"bytes"
	"encoding/json"
	"testing"
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

// TestJSONWriterMatchesEncodingJSON holds the hand-written encoder to the
// bytes encoding/json produces, over every field, empty and full.
func TestJSONWriterMatchesEncodingJSON(t *testing.T) {
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
					Assumed: true, Assumptions: []string{"a", "b"}, Replace: true, MaybeReplace: true, Also: []string{"c"}, Unchecked: []string{val},
					Accepted: true, AcceptReason: val},
				{Path: "", Op: "add"},
			}},
	}
	for i := range objs {
		want := encodingJSON(t, objs[i], "    ")
		got := appendObject(nil, &objs[i], "    ")
		if !bytes.Equal(want, got) {
			t.Errorf("object %d:\nwant %s\ngot  %s", i, want, got)
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
