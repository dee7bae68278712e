package safediff_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/safediff/safediff/internal/rulesgen"
)

// TestDefaultRulesJSONCurrent: rules_json.go, which the default rules are
// loaded from, is what internal/rulesgen makes of rules.yaml (run go
// generate at the module root after changing rules.yaml).
func TestDefaultRulesJSONCurrent(t *testing.T) {
	data, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := rulesgen.Source(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("rules_json.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("rules_json.go is not current: run go generate at the module root")
	}
}
