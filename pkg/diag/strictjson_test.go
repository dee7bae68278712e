package diag_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diag"
)

type inner struct {
	Kinds []string `json:"kinds"`
}

type doc struct {
	Version int               `json:"version"`
	Match   inner             `json:"match"`
	Extra   map[string]inner  `json:"extra"`
	Raw     []json.RawMessage `json:"raw"`
}

// TestDecode: keys exactly, once each, and one value; what encoding/json
// alone lets through is each an error.
func TestDecodeJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want "" for no error
	}{
		{"exact", `{"version": 1, "match": {"kinds": ["Pod"]}, "extra": {"a": {"kinds": []}}, "raw": [{"Any": 1}]}`, ""},
		{"another case", `{"Version": 1}`, `unknown key "Version"`},
		{"folded from Unicode", `{"match": {"kinds": ["ConfigMap"], "kind\u017f": ["*"]}}`, "unknown key \"kind\u017f\""},
		{"a key twice", `{"version": 1, "version": 2}`, `key "version" twice`},
		{"a map's key twice", `{"extra": {"a": {}, "a": {}}}`, `key "a" twice`},
		{"below a map", `{"extra": {"a": {"Kinds": []}}}`, `unknown key "Kinds"`},
		{"free-form: repeated keys only", `{"raw": [{"x": 1, "x": 2}]}`, `key "x" twice`},
		{"a second value", `{"version": 1} {"version": 2}`, "text after the JSON value"},
		{"unknown", `{"verson": 1}`, `unknown key "verson"`},
	} {
		var d doc
		err := diag.DecodeJSON([]byte(tc.in), &d)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
