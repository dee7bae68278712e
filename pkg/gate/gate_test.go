package gate_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

const (
	labelsOnly = "prod, web, Deployment (apps) has changed:\n  metadata:\n    labels:\n-     helm.sh/chart: web-1.0.0\n+     helm.sh/chart: web-1.1.0\n  spec:\n    replicas: 3\n"
	imageOnly  = "prod, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  spec:\n    replicas: 3\n    template:\n      spec:\n        containers:\n          - name: web\n-           image: nginx:1.25\n+           image: nginx:1.27\n"
	svcRemoved = "prod, old, Service (v1) has been removed:\n- apiVersion: v1\n- kind: Service\n+ \n"
	pvcRemoved = "prod, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n+ \n"
)

func TestGate(t *testing.T) {
	restart := gate.Gate{Default: gate.Threshold{Level: rules.Restart}}
	never := gate.Gate{Default: gate.Threshold{Never: true}}
	tests := []struct {
		name    string
		diff    string
		gate    gate.Gate
		want    int
		summary string
		reason  string
	}{
		{"only ignored changes pass", labelsOnly, restart, gate.ExitPass, "PASS - the highest level, ignored, is below the gate (--fail-on restart)",
			"the verdict is computed after classification: label churn cannot trip even a strict gate"},
		{"restart passes the default gate", imageOnly, gate.Default(), gate.ExitPass, "PASS - the highest level, restart, is below the gate (--fail-on disruptive)", "the default gate is disruptive"},
		{"restart trips fail-on restart", imageOnly, restart, gate.ExitTrip, "FAIL - 1 object is at or above the gate (--fail-on restart)", "restart is at the gate"},
		{"never", svcRemoved, never, gate.ExitPass, "PASS - the gate is off (--fail-on never)", "--fail-on never disables the gate"},
		{"empty plan", "", gate.Default(), gate.ExitPass, "PASS - no changes", "no changes"},
		{"a threshold above every level", pvcRemoved, gate.Gate{Default: gate.Threshold{Level: 5}}, gate.ExitTrip, "FAIL - 1 object is at or above the gate (--fail-on Level(5))",
			"found: a Gate built in Go with a level above destructive never tripped, and a PVC deletion passed; only never turns the gate off"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			v := tc.gate.Judge(reviewPlan(t, tc.diff))
			if v.ExitCode != tc.want || v.Tripped != (tc.want == gate.ExitTrip) || v.Summary != tc.summary {
				t.Errorf("exit %d tripped %v %q, want exit %d %q\nreason: %s", v.ExitCode, v.Tripped, v.Summary, tc.want, tc.summary, tc.reason)
			}
			if v.Gate == nil || v.Gate.String() != tc.gate.String() {
				t.Errorf("the verdict does not carry its gate: %v", v.Gate)
			}
		})
	}
}

func TestReleaseScopedGate(t *testing.T) {
	set, err := review.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	plan := &diffparse.Plan{FactPaths: set.FactPaths(), Objects: []*diffparse.Object{
		{Ref: kube.ObjectRef{Kind: "ConfigMap", Namespace: "prod", Name: "a"}, Action: diffparse.Create, Release: "web"},
		{Ref: kube.ObjectRef{Kind: "Service", Namespace: "prod", Name: "b"}, Action: diffparse.Delete, Release: "db"},
	}}
	res, err := classify.Classify(plan, set)
	if err != nil {
		t.Fatal(err)
	}
	g := gate.Gate{Default: gate.Threshold{Level: rules.Safe}, Releases: []gate.ReleaseThreshold{{Pattern: "db*", Threshold: gate.Threshold{Never: true}}}}
	v := g.Judge(res)
	objs := v.OffendingObjects()
	if !v.Tripped || len(objs) != 1 || objs[0].Release != "web" {
		t.Fatalf("want only release web to trip (safe gate), db exempt; got %v", offending(v))
	}
}

func TestParseThreshold(t *testing.T) {
	for _, s := range []string{"never", "ignored", "safe", "restart", "disruptive", "destructive"} {
		th, err := gate.ParseThreshold(s)
		if err != nil || th.String() != s {
			t.Errorf("%s: %v %v", s, th, err)
		}
	}
	if _, err := gate.ParseThreshold("risky"); err == nil || !strings.Contains(err.Error(), "never") {
		t.Errorf("an unknown gate must be an error that lists never too: %v", err)
	}
}

func TestParseFailOn(t *testing.T) {
	g, err := gate.ParseFailOn([]string{"restart", "db*=never", "web=destructive"})
	if err != nil {
		t.Fatal(err)
	}
	if g.String() != "--fail-on restart --fail-on db*=never --fail-on web=destructive" {
		t.Errorf("got %s", g)
	}
	for _, bad := range [][]string{{"restart", "safe"}, {"=safe"}, {"web=risky"}, {"risky"}} {
		if _, err := gate.ParseFailOn(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if g, _ := gate.ParseFailOn(nil); g.String() != "--fail-on disruptive" {
		t.Errorf("no flag: %s, want the default gate", g)
	}
}

// TestDefaultIsFresh: the default gate is a function, not a variable a
// caller could switch off for the whole process.
func TestDefaultIsFresh(t *testing.T) {
	g := gate.Default()
	g.Default.Never = true
	g.Releases = append(g.Releases, gate.ReleaseThreshold{Pattern: "*", Threshold: gate.Threshold{Never: true}})
	if v := gate.Default().Judge(reviewPlan(t, svcRemoved)); !v.Tripped {
		t.Errorf("changing one default gate switched every default gate off: %s", v.Summary)
	}
}
