package diffparse

import (
	"strings"
	"testing"
)

// TestDetectFirstLine: the format each kind of first line selects. detect
// tries an expression only where a cheap test of its first letters or last
// character passes; each case here fails if that test turns a line away
// that the expression accepts.
func TestDetectFirstLine(t *testing.T) {
	tests := []struct {
		first  string
		want   Format
		reason string
	}{
		{"Comparing release=web, chart=./chart, namespace=default", FormatHelmfile, "helmfile's release line"},
		{"Context Details:", FormatStevedore, "Stevedore's context block"},
		{"File: plan.yaml", FormatStevedore, "Stevedore names the file"},
		{"ReleaseName: web", FormatStevedore, "Stevedore names the release"},
		{"No changes in the plan", FormatStevedore, "Stevedore with nothing to do"},
		{"Using context kind-dev", FormatStevedore, "Stevedore names the context"},
		{"Processing 3 manifest file(s)", FormatStevedore, "Stevedore counts its manifests"},
		{"Plan: 1 to add, 2 to change, 0 to destroy.", FormatSimple, "the simple format's summary"},
		{"default, web, Deployment (apps) to be changed.", FormatSimple, "a simple format line"},
		{"default, web, Service (v1) to be added.", FormatSimple, "a simple format line for a new object"},
		{"default, web, Deployment (apps) has changed:", FormatDiff, "a helm-diff header"},
	}
	for _, tc := range tests {
		in := newInput(strings.NewReader(tc.first+"\n"), 0)
		first, at, err := firstContent(in)
		if err != nil {
			t.Fatalf("%q: %v", tc.first, err)
		}
		got, err := detect(in, first, at)
		if err != nil {
			t.Errorf("%q: %v (%s)", tc.first, err, tc.reason)
			continue
		}
		if got != tc.want {
			t.Errorf("%q: detected %v, want %v (%s)", tc.first, got, tc.want, tc.reason)
		}
	}
}
