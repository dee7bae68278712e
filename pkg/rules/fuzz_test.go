package rules_test

import (
	"testing"

	"github.com/safediff/safediff/pkg/rules"
)

// FuzzParse: no input crashes the rules parser, and a file Parse accepts
// NewSet accepts too: a rule is checked by one standard, read from a file
// or built in Go.
func FuzzParse(f *testing.F) {
	f.Add([]byte("version: 1\nrules:\n  - id: a\n    description: d\n    reason: r\n    level: safe\n    match: {kinds: [Deployment], paths: ['spec.**'], exceptPaths: ['spec.replicas']}\n    when: [{field: spec.replicas, default: 1, atMost: 1}, {value: new, decreased: true}]\n"))
	f.Add([]byte("version: 1\nfallback: {level: restart, reason: r}\nrules: []\n"))
	f.Add([]byte("version: 1\nrules:\n  - id: x\n    description: d\n    reason: r\n    level: destructive\n    replace: true\n    override: true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := rules.Parse(data, "fuzz.yaml")
		if err != nil {
			return
		}
		if _, err := rules.NewSet(file); err != nil {
			t.Fatalf("Parse accepted what NewSet refuses: %v\n%s", err, data)
		}
	})
}
