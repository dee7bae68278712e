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

// TestDetectDroppedObjects: helm-diff's json and template formats leave out
// every object whose key they cannot read (an RBAC name with ':', as
// metrics-server's system:metrics-server), logging "error processing
// report entry" on stderr for each. Captured with 2>&1, the stream says so
// before its list: an error at that line, not a review of what is left.
func TestDetectDroppedObjects(t *testing.T) {
	for _, stream := range []string{
		"2026/12/06 06:17:10 error processing report entry\n2026/12/06 06:17:10 error processing report entry\n[{\n  \"api\": \"apps\",\n  \"kind\": \"Deployment\",\n  \"namespace\": \"ms\",\n  \"name\": \"ms\",\n  \"change\": \"MODIFY\"\n}]\n",
		"error processing report entry\n[]\n",
	} {
		in := newInput(strings.NewReader(stream), 0)
		first, at, err := firstContent(in)
		if err != nil {
			t.Fatal(err)
		}
		_, err = detect(in, first, at)
		if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "helm-diff left an object out of its output here") {
			t.Errorf("%q: %v, want an error at line 1 saying that helm-diff left an object out", stream, err)
		}
	}
}

// TestDetectBehindPreambles: the format of a stream whose first lines are
// a wrapper's or helm's own. helmfile builds the chart of each release
// before its first diff, a line each: 70 releases put the first
// "Comparing release=" past the lines detect looks at, and a valid stream
// was refused. A helm warning first (a group-readable kubeconfig) made any
// stream plain helm-diff output, and each wrapper line an error.
func TestDetectBehindPreambles(t *testing.T) {
	building := strings.Repeat("Building dependency release=r, chart=shop\n", 70)
	warning := "WARNING: Kubernetes configuration file is group-readable. This is insecure. Location: /home/u/.kube/config\n"
	tests := []struct {
		name, stream string
		want         Format
	}{
		{"helmfile, 70 charts built", building + "Comparing release=r, chart=shop, namespace=default\n", FormatHelmfile},
		{"helmfile behind a warning", warning + "Building dependency release=r, chart=shop\nComparing release=r, chart=shop, namespace=default\n", FormatHelmfile},
		{"stevedore behind a warning", warning + "File: manifests/shop.yaml\nReleaseName: web\n", FormatStevedore},
		{"helm-diff behind a warning", warning + "default, web, Deployment (apps) has changed:\n", FormatDiff},
		{"a warning alone", warning, FormatDiff},
	}
	for _, tc := range tests {
		in := newInput(strings.NewReader(tc.stream), 0)
		first, at, err := firstContent(in)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := detect(in, first, at); err != nil || got != tc.want {
			t.Errorf("%s: detected %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}
