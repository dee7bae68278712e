package classify_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// TestWhatTheInputDoesNotShow checks the cautious side of classification:
// elided locations, hidden changes and fields out of view, which count as
// their worst value.
func TestWhatTheInputDoesNotShow(t *testing.T) {
	tests := []struct {
		name        string
		diff        string
		path        string
		level       rules.Level
		rule        string
		assumed     bool
		place       string
		missing     string // a field that is not shown
		assumption  string // a phrase of the finding's assumptions
		maybeRepl   bool
		objectLevel rules.Level
		action      diffparse.Action
		reason      string
	}{
		{
			name: "label line that could be in the pod template",
			diff: "prod, web, Deployment (apps) has changed:\n...\n        labels:\n-         tier: web\n+         tier: api\n...\n",
			path: "...labels.tier", level: rules.Disruptive, rule: "restart-single-replica", assumed: true, place: "spec.template.metadata.labels.tier",
			missing: "spec.replicas", objectLevel: rules.Disruptive, action: diffparse.Update,
			reason: "column 6 allows spec.template.metadata.labels: a restart, and with replicas out of view a restart of one replica at worst",
		},
		{
			name: "label at column 2 can only be the object's own",
			diff: "prod, web, Deployment (apps) has changed:\n...\n    labels:\n-     tier: web\n+     tier: api\n...\n",
			path: "...labels.tier", level: rules.Ignored, rule: "labels-top-level", assumed: false, place: "metadata.labels.tier",
			objectLevel: rules.Ignored, action: diffparse.Update,
			reason: "YAML nests one column at least per level: at column 2 labels is a child of a root key, so metadata.labels",
		},
		{
			name: "a bare label key could be a selector",
			diff: "prod, web, Deployment (apps) has changed:\n...\n-       tier: web\n+       tier: api\n...\n",
			path: "...tier", level: rules.Disruptive, rule: "selector-immutable", assumed: true, place: "spec.selector.matchLabels.tier", maybeRepl: true,
			objectLevel: rules.Disruptive, action: diffparse.Update,
			reason: "at column 4 the key may sit in spec.selector.matchLabels: a possible immutable change (worse than a restart of one replica at the same level), but not a certain replacement",
		},
		{
			name: "an image that could only be a container's",
			diff: "prod, web, Deployment (apps) has changed:\n...\n-           image: example/app:1.0\n+           image: example/app:1.1\n...\n",
			path: "...image", level: rules.Disruptive, rule: "restart-single-replica", assumed: true, place: "spec.template.spec.containers[?].image",
			missing: "spec.replicas", objectLevel: rules.Disruptive, action: diffparse.Update,
			reason: "example/app:1.0 is no label value, so label maps are ruled out; an image change with replicas out of view counts as a restart of one replica",
		},
		{
			name: "an image change beside replicas: 3",
			diff: "prod, web, Deployment (apps) has changed:\n...\n  spec:\n    replicas: 3\n    template:\n      spec:\n        containers:\n          - name: web\n-           image: example/app:1.0\n+           image: example/app:1.1\n...\n",
			path: "spec.template.spec.containers[name=web].image", level: rules.Disruptive, rule: "restart-single-replica", assumed: true,
			missing: "spec.replicas", assumption: "spec.replicas is shown, but a line out of view may replace it", objectLevel: rules.Disruptive, action: diffparse.Update,
			reason: "replicas is shown (3), but a line out of view may give it again (YAML keeps the last): 1, its worst value, stops the only pod",
		},
		{
			name: "a load-balancer class given as the type may become LoadBalancer",
			diff: "prod, gw, Service (v1) has changed:\n...\n  spec:\n-   type: ClusterIP\n+   loadBalancerClass: example.com/lb-a\n+   type: LoadBalancer\n    ports:\n...\n",
			path: "spec.loadBalancerClass", level: rules.Disruptive, rule: "service-ip-family", assumed: true, maybeRepl: true,
			missing: "spec.type", assumption: "spec.type is shown, but a line out of view may replace it", objectLevel: rules.Disruptive, action: diffparse.Update,
			reason: "found on a real chart (istio's gateway): the view said certain replacement and advised deleting the Service (its external IP goes with it); the override for a class given with the type may hold, so a replacement is only possible",
		},
		{
			name: "suppressed kind",
			diff: "prod, web, Deployment (apps) has changed:\n+ Changes suppressed on sensitive content of type Deployment\n",
			path: "", level: rules.Disruptive, rule: "selector-immutable", assumed: true, maybeRepl: true,
			objectLevel: rules.Disruptive, action: diffparse.Update,
			reason: "the changes are hidden, so the worst a Deployment change can be counts (immutable selector); no certain replacement",
		},
		{
			name: "simple format StatefulSet",
			diff: "prod, db, StatefulSet (apps) to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy, 0 to change ownership.\n",
			path: "", level: rules.Destructive, rule: "statefulset-volume-claim-templates", assumed: true, maybeRepl: true,
			objectLevel: rules.Destructive, action: diffparse.Update,
			reason: "a StatefulSet change could be to volumeClaimTemplates",
		},
		{
			name: "json format deletion of a StatefulSet",
			diff: `[{"api": "apps", "kind": "StatefulSet", "namespace": "prod", "name": "db", "change": "REMOVE"}]
`,
			path: "", level: rules.Destructive, rule: "delete-statefulset-with-claims", assumed: true, missing: "spec.volumeClaimTemplates",
			objectLevel: rules.Destructive, action: diffparse.Delete,
			reason: "whether it has volume claims is not shown: assume it has",
		},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			res := judge(t, tc.diff)
			f, ok := finding(res, tc.path)
			if !ok {
				t.Fatalf("no finding at %q", tc.path)
			}
			if f.Level != tc.level || f.Rule != tc.rule || f.Assumed != tc.assumed || f.MaybeReplace != tc.maybeRepl {
				t.Errorf("got level %s (%s) assumed %v maybeReplace %v, want %s (%s) %v %v\nreason: %s", f.Level, f.Rule, f.Assumed, f.MaybeReplace, tc.level, tc.rule, tc.assumed, tc.maybeRepl, tc.reason)
			}
			if f.Replace {
				t.Errorf("a replacement was declared on input that does not show it\nreason: %s", tc.reason)
			}
			if tc.place != "" && f.Place.String() != tc.place {
				t.Errorf("judged at %s, want %s\nreason: %s", f.Place, tc.place, tc.reason)
			}
			said := map[string]bool{}
			for _, a := range f.Assumptions {
				if said[a] {
					t.Errorf("the assumption %q is said twice (two conditions on one field say it once)", a)
				}
				said[a] = true
			}
			if tc.assumption != "" && !slices.ContainsFunc(f.Assumptions, func(a string) bool { return strings.Contains(a, tc.assumption) }) {
				t.Errorf("assumptions %q do not say %q\nreason: %s", f.Assumptions, tc.assumption, tc.reason)
			}
			var missing []string
			for _, p := range f.Missing {
				missing = append(missing, p.String())
			}
			if tc.missing != "" {
				if !slices.Contains(missing, tc.missing) {
					t.Errorf("missing %q does not name %s\nreason: %s", missing, tc.missing, tc.reason)
				}
				note := false
				for _, n := range res.Notes {
					note = note || strings.Contains(n.Text, tc.missing) && strings.Contains(n.Text, "worst value") && strings.Contains(n.Text, "full context") &&
						// a field shown in part: the note says why shown is not enough
						strings.Contains(n.Text, "a line out of view may replace") == strings.Contains(tc.assumption, "is shown, but")
				}
				if !note {
					t.Errorf("no note says that %s counts as its worst value and how to show it: %v", tc.missing, res.Notes)
				}
			} else if len(missing) > 0 {
				t.Errorf("missing %q, want none", missing)
			}
			o := res.Objects[0]
			if o.Level != tc.objectLevel || o.Action != tc.action {
				t.Errorf("object %s %s, want %s %s\nreason: %s", o.Action, o.Level, tc.action, tc.objectLevel, tc.reason)
			}
		})
	}
}

// TestElidedReplacement pins the replace decision for a change whose place
// is elided: a replacement when every place it can be forces one (the
// object's action becomes replace, the place is the culprit), a possible
// one otherwise. It uses a rule set built in Go where every field of a
// Deployment's spec forces replacement and its metadata does not.
func TestElidedReplacement(t *testing.T) {
	set, err := rules.NewSet(&rules.File{Origin: "go", Rules: []*rules.Rule{
		{ID: "spec", Description: "d", Reason: "immutable", Level: rules.Disruptive, Replace: true,
			Match: rules.Match{Kinds: []string{"Deployment"}, Paths: []kube.Pattern{kube.MustParsePattern("spec.**")}}},
		{ID: "meta", Description: "d", Reason: "metadata", Level: rules.Disruptive,
			Match: rules.Match{Kinds: []string{"Deployment"}, Paths: []kube.Pattern{kube.MustParsePattern("metadata.**")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		diff    string
		path    string
		replace bool
		maybe   bool
		action  diffparse.Action
		culprit string
		reason  string
	}{
		{"every place forces replacement", "prod, web, Deployment (apps) has changed:\n...\n                matchLabels:\n-                 app: web\n+                 app: api\n...\n",
			"...matchLabels.app", true, false, diffparse.Replace, "spec.selector.matchLabels.app",
			"matchLabels is only under spec (12 places at column 16): wherever the change is, the object is replaced"},
		{"some places do not", "prod, web, Deployment (apps) has changed:\n...\n-       app: web\n+       app: api\n...\n",
			"...app", false, true, diffparse.Update, "",
			"the key may be the object's own label: a replacement is possible, not certain"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.diff, diffparse.Options{Facts: set.FactPaths()})
			if err != nil {
				t.Fatal(err)
			}
			res, err := classify.Classify(plan, set)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := finding(res, tc.path)
			if !ok {
				t.Fatalf("no finding at %s", tc.path)
			}
			if f.Places < 2 || !f.Assumed {
				t.Fatalf("the change has %d places, assumed %v: the case does not test an elided change", f.Places, f.Assumed)
			}
			if f.Replace != tc.replace || f.MaybeReplace != tc.maybe {
				t.Errorf("replace %v maybe %v, want %v %v\nreason: %s", f.Replace, f.MaybeReplace, tc.replace, tc.maybe, tc.reason)
			}
			o := res.Objects[0]
			if o.Action != tc.action {
				t.Errorf("action %s, want %s\nreason: %s", o.Action, tc.action, tc.reason)
			}
			var culprits []string
			for _, c := range o.Culprits {
				culprits = append(culprits, c.String())
			}
			if strings.Join(culprits, ",") != tc.culprit {
				t.Errorf("culprits %v, want %q", culprits, tc.culprit)
			}
		})
	}
}

// TestUnresolvedObject: lines the reader could not resolve make the object
// judged as if any of its fields may change: never lower than its worst,
// marked approximate, with the reader's notes.
func TestUnresolvedObject(t *testing.T) {
	obj := &diffparse.Object{
		Ref:     kube.ObjectRef{Group: "apps", Kind: "StatefulSet", Namespace: "prod", Name: "db"},
		Action:  diffparse.Update,
		Content: diffparse.Partial,
		Changes: []diffparse.Change{{
			Path: kube.Path{kube.Field("metadata"), kube.Field("labels"), kube.Field("tier")}, Op: diffparse.Modify,
			Old: diffparse.Value{Kind: diffparse.Scalar, Text: "a"}, New: diffparse.Value{Kind: diffparse.Scalar, Text: "b"},
		}},
		Unresolved: []diffparse.Note{{Pos: diffparse.Pos{Line: 7}, Text: "the alias *tpl at line 7 refers to an anchor the diff does not show"}},
	}
	res, err := classify.Classify(&diffparse.Plan{Objects: []*diffparse.Object{obj}, FactPaths: defaultSet.FactPaths()}, defaultSet)
	if err != nil {
		t.Fatal(err)
	}
	o := res.Objects[0]
	if o.Level != rules.Destructive || o.Action != diffparse.Update {
		t.Errorf("object %s %s, want an update at destructive: the alias could stand in volumeClaimTemplates", o.Action, o.Level)
	}
	f, ok := finding(res, "")
	if !ok || !f.Assumed || !f.MaybeReplace || f.Replace || !strings.Contains(strings.Join(f.Assumptions, "; "), "the alias *tpl at line 7") {
		t.Errorf("the object finding %+v does not say what was not resolved, or claims a certain replacement", f)
	}
	if lf, _ := finding(res, "metadata.labels.tier"); lf.Level != rules.Ignored {
		t.Errorf("the resolved change is %s, want ignored as usual", lf.Level)
	}
}

// TestClassifyRefusesAPlanWithoutItsFacts: the documented pipeline
// (diffparse.Parse, then classify.Classify) called without Options.Facts
// judged a single-replica StatefulSet's restart a restart (the gate
// passed); now it is an error, so no call order can lower a verdict.
func TestClassifyRefusesAPlanWithoutItsFacts(t *testing.T) {
	diff := change(hSts, s("1", ""), strings.Replace(s("1", ""), "postgres:15.1", "postgres:15.2", 1))
	plan, err := diffparse.ParseString(diff, diffparse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := classify.Classify(plan, defaultSet); err == nil || !strings.Contains(err.Error(), "spec.replicas") {
		t.Fatalf("a plan parsed without the rules' facts was classified (err %v)", err)
	}
	res := judge(t, diff)
	if res.Highest != rules.Disruptive {
		t.Errorf("with its facts the restart is %s, want disruptive", res.Highest)
	}
	if _, err := classify.Classify(nil, defaultSet); err == nil {
		t.Error("a nil plan was classified")
	}
}

func TestReplacementNamesTheCulprit(t *testing.T) {
	res := judge(t, edit(hDeploy, d("3", ""), "    matchLabels:\n      app: web", "    matchLabels:\n      app: web2"))
	o := res.Objects[0]
	if o.Action != diffparse.Replace || len(o.Culprits) != 1 || o.Culprits[0].String() != "spec.selector.matchLabels.app" {
		t.Fatalf("got action %s culprits %v; want replace forced by spec.selector.matchLabels.app", o.Action, o.Culprits)
	}
}

func mustRef(s string) kube.ObjectRef {
	r, err := kube.ParseObjectRef(s)
	if err != nil {
		panic(err)
	}
	return r
}

// TestUndeclaredObject: a field the schema does not declare, added by the
// diff (the parser lists it), makes the object disruptive whatever its
// changes are: helm 4's server-side apply refuses the object, helm 3's
// patch drops the field, and the review cannot tell which helm applies
// it, so the upgrade may fail (an assumption, never a certain failure).
func TestUndeclaredObject(t *testing.T) {
	obj := &diffparse.Object{
		Ref:    kube.ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "prod", Name: "web"},
		Action: diffparse.Update,
		Changes: []diffparse.Change{{
			Path: kube.Path{kube.Field("metadata"), kube.Field("labels"), kube.Field("tier")}, Op: diffparse.Modify,
			Old: diffparse.Value{Kind: diffparse.Scalar, Text: "a"}, New: diffparse.Value{Kind: diffparse.Scalar, Text: "b"},
		}},
		ServerSideRefused: []diffparse.Note{{Pos: diffparse.Pos{Line: 9}, Text: "spec.replica: no such field"}},
	}
	res, err := classify.Classify(&diffparse.Plan{Objects: []*diffparse.Object{obj}, FactPaths: defaultSet.FactPaths()}, defaultSet)
	if err != nil {
		t.Fatal(err)
	}
	o := res.Objects[0]
	if o.Level != rules.Disruptive || o.Rule != rules.SchemaTypeRule {
		t.Errorf("object %s by %s, want disruptive by %s", o.Level, o.Rule, rules.SchemaTypeRule)
	}
	f, ok := finding(res, "")
	if !ok || !f.Assumed || f.Pos.Line != 9 || !strings.HasPrefix(f.Reason, "helm upgrade may fail: applied server-side (as helm 4 applies the releases it installs), the API server refuses spec.replica: no such field (line 9); ") {
		t.Errorf("the object finding %+v does not say that the upgrade may fail, where, and why", f)
	}
}

// TestUnservedAPIVersions: an object of an API version Kubernetes no
// longer serves makes helm upgrade fail on a cluster of that release or
// later, whatever the rules say of its changes: on the new side helm
// cannot map it to create or update it, on the old side (the release's
// manifest) it cannot build the release's objects before the upgrade, a
// deletion included. So does a new object of a kind its built-in group
// does not have. A served version, a custom resource, or a version the
// input does not show, says nothing.
func TestUnservedAPIVersions(t *testing.T) {
	const deployment = "  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    replicas: 2\n"
	tests := []struct {
		name, diff string
		want       string // the reason of the object-level finding; "" for none
	}{
		{"an update to a removed version", "default, web, Deployment (apps) has changed:\n- apiVersion: apps/v1\n+ apiVersion: apps/v1beta2\n" + deployment,
			"helm upgrade will fail: Kubernetes 1.16 and later do not serve apps/v1beta2 Deployment (line 1)"},
		{"a release of a removed version, migrated", "default, web, Deployment (apps) has changed:\n- apiVersion: apps/v1beta2\n+ apiVersion: apps/v1\n" + deployment,
			"helm upgrade will fail: the release holds apps/v1beta2 Deployment, which Kubernetes 1.16 and later do not serve: helm cannot build the release's objects (the helm-mapkubeapis plugin rewrites them) (line 1)"},
		{"a removed version on both sides", "default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1beta2\n" + strings.Replace(deployment, "    replicas: 2\n", "-   replicas: 2\n+   replicas: 3\n", 1),
			"helm upgrade will fail: Kubernetes 1.16 and later do not serve apps/v1beta2 Deployment (line 1)"},
		{"a created Ingress of extensions/v1beta1", "default, web, Ingress (extensions) has been added:\n- \n+ apiVersion: extensions/v1beta1\n+ kind: Ingress\n+ metadata:\n+   name: web\n",
			"helm upgrade will fail: Kubernetes 1.22 and later do not serve extensions/v1beta1 Ingress (line 1)"},
		{"a deleted budget of policy/v1beta1", "default, web, PodDisruptionBudget (policy) has been removed:\n- apiVersion: policy/v1beta1\n- kind: PodDisruptionBudget\n- metadata:\n-   name: web\n+ \n",
			"helm upgrade will fail: the release holds policy/v1beta1 PodDisruptionBudget, which Kubernetes 1.25 and later do not serve: helm cannot build the release's objects (the helm-mapkubeapis plugin rewrites them) (line 1)"},
		// a kind a built-in group does not have: no custom resource can be
		// in one
		{"a created kind misspelt", "default, web, Deploymnet (apps) has been added:\n- \n+ apiVersion: apps/v1\n+ kind: Deploymnet\n+ metadata:\n+   name: web\n",
			"helm upgrade will fail: Kubernetes serves no apps/v1 Deploymnet (line 1)"},
		{"a kind in another case", "default, web, deployment (apps) has changed:\n  apiVersion: apps/v1\n" + strings.Replace(strings.Replace(deployment, "Deployment", "deployment", 1), "    replicas: 2\n", "-   replicas: 2\n+   replicas: 3\n", 1),
			"helm upgrade will fail: Kubernetes serves no apps/v1 deployment (line 1)"},
		{"a kind of another group", "default, web, Deployment () has been added:\n- \n+ apiVersion: v1\n+ kind: Deployment\n+ metadata:\n+   name: web\n",
			"helm upgrade will fail: Kubernetes serves no v1 Deployment (line 1)"},
		{"a custom resource", "default, c, Certificate (cert-manager.io) has been added:\n- \n+ apiVersion: cert-manager.io/v1\n+ kind: Certificate\n+ metadata:\n+   name: c\n", ""},
		{"a served version", "default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n" + strings.Replace(deployment, "    replicas: 2\n", "-   replicas: 2\n+   replicas: 3\n", 1), ""},
		{"a created budget of policy/v1", "default, web, PodDisruptionBudget (policy) has been added:\n- \n+ apiVersion: policy/v1\n+ kind: PodDisruptionBudget\n+ metadata:\n+   name: web\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reviewPlan(t, tt.diff)
			var got []string
			for _, f := range res.Objects[0].Findings {
				if f.WholeObject && strings.HasPrefix(f.Reason, "helm upgrade will fail") {
					got = append(got, f.Reason)
				}
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("findings %q, want none", got)
			case tt.want != "" && (len(got) != 1 || got[0] != tt.want):
				t.Errorf("findings %q, want %q", got, tt.want)
			case tt.want != "" && res.Objects[0].Level < rules.Disruptive:
				t.Errorf("the object is %s, want at least disruptive", res.Objects[0].Level)
			}
		})
	}
}
