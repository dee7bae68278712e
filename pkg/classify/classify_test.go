package classify_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// TestWhatTheInputDoesNotShow checks the cautious side of classification:
// elided locations, hidden changes and facts out of view.
func TestWhatTheInputDoesNotShow(t *testing.T) {
	tests := []struct {
		name        string
		diff        string
		path        string
		level       rules.Level
		assumed     bool
		place       string
		unchecked   string // substring of an Unchecked note
		maybeRepl   bool
		objectLevel rules.Level
		action      diffparse.Action
		reason      string
	}{
		{
			name: "label line that could be in the pod template",
			diff: "prod, web, Deployment (apps) has changed:\n...\n        labels:\n-         tier: web\n+         tier: api\n...\n",
			path: "...labels.tier", level: rules.Restart, assumed: true, place: "spec.template.metadata.labels.tier",
			unchecked: "spec.replicas not shown", objectLevel: rules.Restart, action: diffparse.Update,
			reason: "column 6 allows metadata.labels or spec.template.metadata.labels: the worst, a restart, counts; replicas are out of view and said so",
		},
		{
			name: "label at column 2 can only be the object's own",
			diff: "prod, web, Deployment (apps) has changed:\n...\n    labels:\n-     tier: web\n+     tier: api\n...\n",
			path: "...labels.tier", level: rules.Ignored, assumed: false, place: "metadata.labels.tier",
			objectLevel: rules.Ignored, action: diffparse.Update,
			reason: "YAML nests one column at least per level: at column 2 labels is a child of a root key, so metadata.labels",
		},
		{
			name: "a bare label key could be a selector",
			diff: "prod, web, Deployment (apps) has changed:\n...\n-       tier: web\n+       tier: api\n...\n",
			path: "...tier", level: rules.Disruptive, assumed: true, place: "spec.selector.matchLabels.tier", maybeRepl: true,
			objectLevel: rules.Disruptive, action: diffparse.Update,
			reason: "at column 4 the key may sit in spec.selector.matchLabels: a possible immutable change, but not a certain replacement",
		},
		{
			name: "an image that could only be a container's",
			diff: "prod, web, Deployment (apps) has changed:\n...\n-           image: example/app:1.0\n+           image: example/app:1.1\n...\n",
			path: "...image", level: rules.Restart, assumed: true, place: "spec.template.spec.containers[?].image",
			objectLevel: rules.Restart, action: diffparse.Update,
			reason: "example/app:1.0 is no label value, so label maps are ruled out; containers come first",
		},
		{
			name: "suppressed kind",
			diff: "prod, web, Deployment (apps) has changed:\n+ Changes suppressed on sensitive content of type Deployment\n",
			path: "", level: rules.Disruptive, assumed: true,
			objectLevel: rules.Disruptive, action: diffparse.Update,
			reason: "the changes are hidden, so the worst a Deployment change can be counts (immutable selector); no certain replacement",
		},
		{
			name: "simple format StatefulSet",
			diff: "prod, db, StatefulSet (apps) to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy, 0 to change ownership.\n",
			path: "", level: rules.Destructive, assumed: true,
			objectLevel: rules.Destructive, action: diffparse.Update,
			reason: "a StatefulSet change could be to volumeClaimTemplates",
		},
		{
			name: "json format deletion of a StatefulSet",
			diff: `[{"api": "apps", "kind": "StatefulSet", "namespace": "prod", "name": "db", "change": "REMOVE"}]
`,
			path: "", level: rules.Destructive, assumed: true,
			objectLevel: rules.Destructive, action: diffparse.Delete,
			reason: "whether it has volume claims is not shown: assume it has",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := judge(t, tc.diff)
			f, ok := finding(res, tc.path)
			if !ok {
				t.Fatalf("no finding at %q", tc.path)
			}
			if f.Level != tc.level || f.Assumed != tc.assumed || f.MaybeReplace != tc.maybeRepl {
				t.Errorf("got level %s assumed %v maybeReplace %v, want %s %v %v\nreason: %s", f.Level, f.Assumed, f.MaybeReplace, tc.level, tc.assumed, tc.maybeRepl, tc.reason)
			}
			if f.Replace {
				t.Errorf("a replacement was declared on input that does not show it\nreason: %s", tc.reason)
			}
			if tc.place != "" && f.Place.String() != tc.place {
				t.Errorf("judged at %s, want %s\nreason: %s", f.Place, tc.place, tc.reason)
			}
			if tc.unchecked != "" && !strings.Contains(strings.Join(f.Unchecked, "\n"), tc.unchecked) {
				t.Errorf("unchecked %q does not mention %q", f.Unchecked, tc.unchecked)
			}
			o := res.Objects[0]
			if o.Level != tc.objectLevel || o.Action != tc.action {
				t.Errorf("object %s %s, want %s %s\nreason: %s", o.Action, o.Level, tc.action, tc.objectLevel, tc.reason)
			}
		})
	}
}

func TestReplacementNamesTheCulprit(t *testing.T) {
	res := judge(t, edit(hDeploy, d("3", ""), "    matchLabels:\n      app: web", "    matchLabels:\n      app: web2"))
	o := res.Objects[0]
	if o.Action != diffparse.Replace || len(o.Culprits) != 1 || o.Culprits[0].String() != "spec.selector.matchLabels.app" {
		t.Fatalf("got action %s culprits %v; want replace forced by spec.selector.matchLabels.app", o.Action, o.Culprits)
	}
}

func TestGate(t *testing.T) {
	labels := edit(hDeploy, d("3", ""), "helm.sh/chart: web-1.0.0", "helm.sh/chart: web-1.1.0")
	image := edit(hDeploy, d("3", ""), "nginx:1.25", "nginx:1.27")
	restart := classify.Gate{Default: classify.Threshold{Level: rules.Restart}}
	never := classify.Gate{Default: classify.Threshold{Never: true}}
	tests := []struct {
		name   string
		diff   string
		gate   classify.Gate
		want   int
		reason string
	}{
		{"only ignored changes pass", labels, restart, classify.ExitPass, "the verdict is computed after filtering: label churn cannot trip even a strict gate"},
		{"restart passes the default gate", image, classify.DefaultGate, classify.ExitPass, "the default gate is disruptive"},
		{"restart trips fail-on restart", image, restart, classify.ExitTrip, "restart is at the gate"},
		{"never", change(hSvc, svc, ""), never, classify.ExitPass, "--fail-on never disables the gate"},
		{"empty plan", "", classify.DefaultGate, classify.ExitPass, "no changes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := judge(t, tc.diff).Verdict(tc.gate)
			if v.ExitCode != tc.want {
				t.Errorf("exit %d, want %d\nreason: %s", v.ExitCode, tc.want, tc.reason)
			}
		})
	}
}

func TestReleaseScopedGate(t *testing.T) {
	plan := &diffparse.Plan{Objects: []*diffparse.Object{
		{Ref: mustRef("ConfigMap/prod/a"), Action: diffparse.Create, Release: "web"},
		{Ref: mustRef("Service/prod/b"), Action: diffparse.Delete, Release: "db"},
	}}
	res := classify.Classify(plan, defaultSet)
	g := classify.Gate{Default: classify.Threshold{Level: rules.Safe}, Releases: []classify.ReleaseThreshold{{Pattern: "db*", Threshold: classify.Threshold{Never: true}}}}
	v := res.Verdict(g)
	if !v.Tripped || len(v.Offending) != 1 || v.Offending[0].Release != "web" {
		t.Fatalf("want only release web to trip (safe gate), db exempt; got %+v", v.Offending)
	}
}

func TestParseThreshold(t *testing.T) {
	for _, s := range []string{"never", "ignored", "safe", "restart", "disruptive", "destructive"} {
		th, err := classify.ParseThreshold(s)
		if err != nil || th.String() != s {
			t.Errorf("%s: %v %v", s, th, err)
		}
	}
	if _, err := classify.ParseThreshold("risky"); err == nil || !strings.Contains(err.Error(), "never") {
		t.Errorf("an unknown gate must be an error that lists never too: %v", err)
	}
}

func mustRef(s string) kube.ObjectRef {
	r, err := kube.ParseObjectRef(s)
	if err != nil {
		panic(err)
	}
	return r
}
