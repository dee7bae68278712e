package classify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/rules"
)

// helmDiffSample reads a real helm-diff output from testdata/helm-diff.
func helmDiffSample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "helm-diff", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestObjectLevelOwnership checks that an ownership change in the formats
// that show objects only (simple, json, structured) is judged: those
// formats name the ownership change but not the owners, and an object
// without a finding would pass any gate. The inputs are the real
// case-image-change captures with their one entry turned into an
// ownership change, as helm-diff --take-ownership prints it in each
// format.
func TestObjectLevelOwnership(t *testing.T) {
	safe := gate.Gate{Default: gate.Threshold{Level: rules.Safe}}
	tests := []struct {
		name   string
		sample string
		edits  []string // pairs: from, to (each must occur in the sample)
		reason string
	}{
		{
			name:   "simple",
			sample: "case-image-change.simple.txt",
			edits: []string{
				"to be changed.", "to change ownership.",
				"Plan: 0 to add, 1 to change, 0 to destroy, 0 to change ownership.", "Plan: 0 to add, 0 to change, 0 to destroy, 1 to change ownership.",
			},
			reason: "--output simple prints \"to change ownership.\" and counts it on the Plan: line; no owner is shown",
		},
		{
			name:   "json (the default template)",
			sample: "case-image-change.json.txt",
			edits:  []string{`"change": "MODIFY"`, `"change": "OWNERSHIP"`},
			reason: "--output json says \"change\": \"OWNERSHIP\" and nothing else about the owners",
		},
		{
			name:   "structured, with the object's metadata",
			sample: "case-image-change.structured.json",
			edits: []string{
				`"changeType": "MODIFY"`, `"changeType": "OWNERSHIP"`,
				// helm-diff lists field changes of MODIFY entries only
				`,
    "changes": [
      {
        "path": "spec.template.spec.containers[0]",
        "field": "image",
        "change": "replace",
        "oldValue": "example/worker:1.0.0",
        "newValue": "example/worker:1.1.0"
      }
    ]`, "",
			},
			reason: "--output structured says \"changeType\": \"OWNERSHIP\" with no changes and no owners",
		},
		{
			name:   "structured, with the key as name",
			sample: "case-image-change.structured.json",
			edits: []string{
				`"apiVersion": "apps/v1",
    "kind": "Deployment",
    "namespace": "prod",
    "name": "demo-worker",
    "changeType": "MODIFY"`, `"name": "prod, demo-worker, Deployment (apps)",
    "changeType": "OWNERSHIP"`,
				`,
    "changes": [
      {
        "path": "spec.template.spec.containers[0]",
        "field": "image",
        "change": "replace",
        "oldValue": "example/worker:1.0.0",
        "newValue": "example/worker:1.1.0"
      }
    ]`, "",
			},
			reason: "an ownership entry whose name is the whole helm-diff key is read as the same object, and judged the same",
		},
	}
	names := map[string]bool{}
	for _, tc := range tests {
		if tc.reason == "" || names[tc.name] || len(tc.edits)%2 != 0 {
			t.Fatalf("case %q: every case needs a unique name, a reason and edits in pairs", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			diff := helmDiffSample(t, tc.sample)
			for i := 0; i < len(tc.edits); i += 2 {
				if !strings.Contains(diff, tc.edits[i]) {
					t.Fatalf("%s does not contain %q", tc.sample, tc.edits[i])
				}
				diff = strings.Replace(diff, tc.edits[i], tc.edits[i+1], 1)
			}
			res := reviewPlan(t, diff)
			if len(res.Objects) != 1 {
				t.Fatalf("%d objects, want 1\n%s", len(res.Objects), diff)
			}
			o := res.Objects[0]
			if o.Ref.String() != "Deployment.apps/prod/demo-worker" || o.Action != diffparse.Ownership {
				t.Fatalf("got %s %s, want an ownership change of Deployment.apps/prod/demo-worker", o.Action, o.Ref)
			}
			if len(o.Findings) != 1 {
				t.Errorf("%d findings, want the one owner finding\nreason: %s", len(o.Findings), tc.reason)
			} else if f := o.Findings[0]; !f.WholeObject || f.Change.Op != diffparse.Owner || f.Rule != "ownership" || f.Level != rules.Safe {
				t.Errorf("got finding object=%v op=%s rule %s level %s, want the object's owner finding (ownership, safe)\nreason: %s",
					f.WholeObject, f.Change.Op, f.Rule, f.Level, tc.reason)
			}
			if o.Level != rules.Safe || o.Rule != "ownership" {
				t.Errorf("object judged %s (%s), want safe (ownership)", o.Level, o.Rule)
			}
			if v := safe.Judge(res); !v.Tripped || v.ExitCode != gate.ExitTrip {
				t.Errorf("--fail-on safe: tripped %v exit %d, want exit %d: an adopted object is a safe change, at the gate\nreason: %s",
					v.Tripped, v.ExitCode, gate.ExitTrip, tc.reason)
			}
			if v := gate.Default().Judge(res); v.Tripped {
				t.Errorf("the default gate tripped on an ownership change (safe)")
			}
		})
	}
}
