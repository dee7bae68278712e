package rules_test

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"github.com/safediff/safediff"
	"github.com/safediff/safediff/internal/rulesgen"
	"github.com/safediff/safediff/pkg/rules"
)

// TestDefaultFileCurrent: the default rules a review loads
// (rules.DefaultFile, Go data in default_gen.go) are what rules.Parse
// reads from rules.yaml, field for field, and default_gen.go is what
// internal/rulesgen writes for it (run go generate ./pkg/rules after
// changing rules.yaml).
func TestDefaultFileCurrent(t *testing.T) {
	parsed, err := rules.Parse(safediff.DefaultRules(), safediff.DefaultRulesOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if rules.DefaultOrigin != safediff.DefaultRulesOrigin {
		t.Errorf("rules.DefaultOrigin is %q, the default rules' origin %q", rules.DefaultOrigin, safediff.DefaultRulesOrigin)
	}
	if got := rules.DefaultFile(); !reflect.DeepEqual(got, parsed) {
		t.Error("rules.DefaultFile() differs from rules.Parse of rules.yaml: run go generate ./pkg/rules")
	}
	if a, b := rules.DefaultFile(), rules.DefaultFile(); a == b || &a.Rules[0] == &b.Rules[0] || a.Rules[0] == b.Rules[0] {
		t.Error("rules.DefaultFile() must return a fresh File at each call")
	}
	want, err := rulesgen.Source(safediff.DefaultRules(), safediff.DefaultRulesOrigin)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("default_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("default_gen.go is not current: run go generate ./pkg/rules")
	}
}
