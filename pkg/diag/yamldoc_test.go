package diag_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diag"
)

func TestOneYAMLDocument(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // "" for no error; else a part of it
	}{
		{"one document", "version: 1\nrules: []\n", ""},
		{"a leading marker opens the first document", "---\nversion: 1\n", ""},
		{"a comment after the document is no document", "version: 1\n# the end\n", ""},
		{"an end marker closes the one document", "version: 1\n...\n", ""},
		{"empty", "", ""},
		{"a second document is reported at its first line (sigs.k8s.io/yaml would drop it)", "version: 1\n---\nrules:\n  - id: x\n", "t.yaml: line 3: a second YAML document"},
		{"a trailing marker drops nothing", "version: 1\n---\n", ""},
		{"a trailing marker and a comment drop nothing", "version: 1\n---\n# the end\n", ""},
		{"a document after an empty one", "version: 1\n---\n---\nrules: []\n", "line 4: a second YAML document"},
		{"a second document of an explicit null", "version: 1\n--- ~\n", "a second YAML document"},
		{"a second document that is not YAML", "version: 1\n---\na: [\n", "not valid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := diag.OneYAMLDocument([]byte(tc.in), "t.yaml")
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}
