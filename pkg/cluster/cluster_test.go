package cluster

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/manifest"
	"github.com/safediff/safediff/pkg/rules"
)

func parse(t *testing.T, text string) manifest.Object {
	t.Helper()
	objs, err := manifest.Parse(text, "ns")
	if err != nil || len(objs) != 1 {
		t.Fatalf("%v %v", objs, err)
	}
	return objs[0]
}

func TestDrift(t *testing.T) {
	names := tabletest.Names{}
	deploy := parse(t, `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  paused: false
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          resources: {requests: {cpu: "0.5", memory: 1Gi}}
          env:
            - {name: DB_PASSWORD, value: hunter2}
`)
	live := func(edit func(m map[string]any)) map[string]any {
		obj := parse(t, `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, extra: by-kubectl}
  annotations: {deployment.kubernetes.io/revision: "1"}
  uid: 123
spec:
  replicas: 2
  progressDeadlineSeconds: 600
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          terminationMessagePath: /dev/termination-log
          resources: {requests: {cpu: 500m, memory: "1073741824"}}
          env:
            - {name: DB_PASSWORD, value: hunter2}
status: {replicas: 2}
`).Body
		if edit != nil {
			edit(obj)
		}
		return obj
	}
	containers := func(m map[string]any) []any { return dig(m, "spec", "template", "spec", "containers").([]any) }
	for _, tc := range []struct {
		name, reason string
		live         map[string]any
		want         []string
	}{
		{name: "defaults", reason: "what the server adds (defaults, status, labels of others) and its spelling of quantities and false are not drift",
			live: live(nil)},
		{name: "scaled", reason: "kubectl scale", live: live(func(m map[string]any) { dig(m, "spec").(map[string]any)["replicas"] = 5.0 }),
			want: []string{"spec.replicas: 2 -> 5"}},
		{name: "image", reason: "kubectl set image: the container is found by name",
			live: live(func(m map[string]any) { containers(m)[0].(map[string]any)["image"] = "nginx:1.26" }),
			want: []string{"spec.template.spec.containers[name=web].image: nginx:1.25 -> nginx:1.26"}},
		{name: "sidecar", reason: "a container added live is drift",
			live: live(func(m map[string]any) {
				c := dig(m, "spec", "template", "spec").(map[string]any)
				c["containers"] = append(containers(m), map[string]any{"name": "debug", "image": "busybox"})
			}),
			want: []string{`spec.template.spec.containers[name=debug]: (absent) -> {"image":"busybox","name":"debug"}`}},
		{name: "secret env", reason: "a credential's value is never shown",
			live: live(func(m map[string]any) {
				containers(m)[0].(map[string]any)["env"] = []any{map[string]any{"name": "DB_PASSWORD", "value": "changed"}}
			}),
			want: []string{"spec.template.spec.containers[name=web].env[name=DB_PASSWORD].value: (sensitive) -> (sensitive)"}},
		{name: "label removed", reason: "a label of the manifest removed live",
			live: live(func(m map[string]any) { delete(dig(m, "metadata", "labels").(map[string]any), "app") }),
			want: []string{"metadata.labels.app: web -> (absent)"}},
	} {
		names.Check(t, tc.name, tc.reason)
		var got []string
		for _, d := range drift(deploy, tc.live) {
			got = append(got, d.Path.String()+": "+d.Release+" -> "+d.Live)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.name, diff)
		}
	}
	if d := drift(deploy, nil); len(d) != 1 || !d[0].Missing {
		t.Errorf("an object missing from the cluster: %+v", d)
	}
}

// An object of the release that another release took over since (helm
// install --take-ownership): helm upgrade takes it back, unchecked.
func TestOwnerDrift(t *testing.T) {
	cm := parse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shop-cm}\ndata: {msg: hi}\n")
	owned := func(rel, ns string) map[string]any {
		return map[string]any{"metadata": map[string]any{"annotations": map[string]any{"meta.helm.sh/release-name": rel, "meta.helm.sh/release-namespace": ns}}}
	}
	target := Target{Release: "shop", Namespace: "prod"}
	if d := ownerDrift(cm, owned("shop", "prod"), target); len(d) != 0 {
		t.Errorf("the release's own object: %+v", d)
	}
	d := ownerDrift(cm, owned("other", "prod"), target)
	if len(d) != 1 || d[0].Path.String() != `metadata.annotations["meta.helm.sh/release-name"]` || d[0].Release != "shop" || d[0].Live != "other" {
		t.Errorf("an object another release took over: %+v", d)
	}
	if d := ownerDrift(cm, owned("shop", "dev"), target); len(d) != 1 {
		t.Errorf("an object a release of another namespace took over: %+v", d)
	}
	if d := ownerDrift(cm, owned("other", "prod"), Target{}); len(d) != 0 {
		t.Errorf("a review of a diff alone (no release known): %+v", d)
	}
}

// A Secret's stringData is data on the server; its values are never shown.
func TestDriftSecret(t *testing.T) {
	s := parse(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n")
	same := map[string]any{"data": map[string]any{"password": "aHVudGVyMg=="}}
	if d := drift(s, same); len(d) != 0 {
		t.Errorf("stringData stored as data: %+v", d)
	}
	other := map[string]any{"data": map[string]any{"password": "b3RoZXI="}}
	d := drift(s, other)
	if len(d) != 1 || d[0].Release != sensitive || d[0].Live != sensitive || strings.Contains(d[0].Path.String(), "hunter2") {
		t.Errorf("a changed Secret value: %+v", d)
	}
}

func TestServerPath(t *testing.T) {
	d := parse(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: web, image: a}, {name: side, image: b}]
`)
	for _, tc := range []struct{ in, want, reason string }{
		{"spec.selector", "spec.selector", "plain fields"},
		{"spec.template.spec.containers[1].image", "spec.template.spec.containers[name=side].image", "an index into a keyed list becomes its key, as the review prints it"},
		{"metadata.labels[app.kubernetes.io/name]", `metadata.labels["app.kubernetes.io/name"]`, "a map key in brackets"},
		{".spec.engine", "spec.engine", "a leading dot"},
		{"spec.x[", `["spec.x["]`, "unreadable: kept whole"},
	} {
		if got := serverPath(tc.in, d).String(); got != tc.want {
			t.Errorf("%s: %q -> %q, want %q", tc.reason, tc.in, got, tc.want)
		}
	}
}

func TestSelects(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "front"}
	for _, tc := range []struct {
		sel    map[string]any
		want   bool
		reason string
	}{
		{map[string]any{}, true, "an empty selector selects every pod of the namespace (policy/v1)"},
		{map[string]any{"matchLabels": map[string]any{"app": "web"}}, true, "matching labels"},
		{map[string]any{"matchLabels": map[string]any{"app": "db"}}, false, "another app"},
		{map[string]any{"matchExpressions": []any{map[string]any{"key": "tier", "operator": "In", "values": []any{"front", "back"}}}}, true, "In"},
		{map[string]any{"matchExpressions": []any{map[string]any{"key": "tier", "operator": "NotIn", "values": []any{"front"}}}}, false, "NotIn"},
		{map[string]any{"matchExpressions": []any{map[string]any{"key": "zone", "operator": "DoesNotExist"}}}, true, "DoesNotExist"},
		{map[string]any{"matchExpressions": []any{map[string]any{"key": "zone", "operator": "Exists"}}}, false, "Exists"},
		{map[string]any{"matchExpressions": []any{map[string]any{"key": "app", "operator": "Bogus"}}}, false, "an unknown operator selects nothing"},
	} {
		if got := selects(tc.sel, labels); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.reason, got, tc.want)
		}
	}
}

// resultWith is a review of one updated object with one finding.
func resultWith(ref kube.ObjectRef, f classify.Finding, action diffparse.Action) *classify.Result {
	o := &classify.Object{Object: &diffparse.Object{Ref: ref, Action: diffparse.Update}, Action: action, Level: f.Level, Rule: f.Rule, Findings: []classify.Finding{f}}
	return &classify.Result{Plan: &diffparse.Plan{}, Objects: []*classify.Object{o}, Highest: f.Level}
}

func TestAnnotate(t *testing.T) {
	db := kube.ObjectRef{Group: "catalog.example.com", Version: "v1", Kind: "Database", Namespace: "ns", Name: "main"}
	safe := classify.Finding{Change: &diffparse.Change{Path: kube.Path{kube.Field("spec"), kube.Field("engine")}, Op: diffparse.Modify}, Decision: &rules.Decision{Level: rules.Safe, Rule: "team-db"}}
	desired := map[string]any{"spec": map[string]any{"engine": "mysql"}}
	live := map[string]any{"spec": map[string]any{"engine": "postgres"}}

	// a field only the server knows is immutable: replace, disruptive
	res := resultWith(db, safe, diffparse.Update)
	cf := &Confirmation{Checks: []Check{{Ref: db, Outcome: Immutable, Message: `Database.catalog.example.com "main" is invalid: spec.engine: Invalid value: "mysql": engine is immutable`,
		Fields: []kube.Path{{kube.Field("spec"), kube.Field("engine")}}, desired: desired, live: live}}}
	cf.Annotate(res)
	o := res.Objects[0]
	if o.Action != diffparse.Replace || o.Level != rules.Disruptive || res.Highest != rules.Disruptive || o.Rule != RuleImmutable {
		t.Errorf("immutable: action %v level %v rule %s (highest %v)", o.Action, o.Level, o.Rule, res.Highest)
	}
	last := o.Findings[len(o.Findings)-1]
	if !last.Replace || last.Change.Old.Text != "postgres" || last.Change.New.Text != "mysql" || !strings.Contains(last.Reason, "engine is immutable") || !strings.Contains(last.Reason, "helm upgrade will fail here") {
		t.Errorf("the server's finding: %+v", last)
	}
	if o.Findings[0].Level != rules.Safe {
		t.Errorf("the offline finding was changed: %+v", o.Findings[0])
	}

	// a replacement the server accepts: the level stays, a note says so
	sel := classify.Finding{Change: &diffparse.Change{Path: kube.Path{kube.Field("spec"), kube.Field("selector")}, Op: diffparse.Modify}, Decision: &rules.Decision{Level: rules.Disruptive, Rule: "selector-immutable", Replace: true}}
	web := kube.ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "web"}
	res = resultWith(web, sel, diffparse.Replace)
	(&Confirmation{Checks: []Check{{Ref: web, Outcome: Accepted}}}).Annotate(res)
	if o := res.Objects[0]; o.Level != rules.Disruptive || o.Action != diffparse.Replace || len(res.Notes) != 1 ||
		!strings.Contains(res.Notes[0].Text, "not confirmed by the server") {
		t.Errorf("an unconfirmed replacement: %v %v %+v", o.Level, o.Action, res.Notes)
	}

	// an object the diff does not change, refused because of drift
	res = &classify.Result{Plan: &diffparse.Plan{}}
	(&Confirmation{Checks: []Check{{Ref: web, Outcome: Rejected, Message: "denied by webhook"}}}).Annotate(res)
	if len(res.Objects) != 1 || res.Objects[0].Level != rules.Disruptive || res.Objects[0].Rule != RuleRejected || res.Highest != rules.Disruptive {
		t.Errorf("a refused object outside the diff: %+v", res.Objects)
	}
}

// The fields a refusal names: each once; a cause without a field (none,
// or "<nil>": a CRD's validation rules say so of the object as a whole,
// found on a real chart) names none.
func TestFieldsOf(t *testing.T) {
	d := parse(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {selector: {matchLabels: {a: b}}}\n")
	se := &kubeapi.StatusError{Code: 422, Reason: "Invalid", Causes: []kubeapi.Cause{{Field: "spec.selector"}, {Field: "spec.selector"}, {Field: ""}, {Field: "<nil>"}}}
	if got := fieldsOf(se, d); len(got) != 1 || got[0].String() != "spec.selector" {
		t.Errorf("fields: %v", got)
	}
}

// The server's message may quote a value: for a Secret, or a field whose
// value is never shown, it is withheld, and the fields are named.
func TestServerMessageWithholdsSecrets(t *testing.T) {
	secret := kube.ObjectRef{Version: "v1", Kind: "Secret", Namespace: "ns", Name: "db"}
	deploy := kube.ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "web"}
	envValue := kube.Path{kube.Field("spec"), kube.Field("template"), kube.Field("spec"), kube.Field("containers"), kube.Key{Field: "name", Value: "web"},
		kube.Field("env"), kube.Key{Field: "name", Value: "DB_PASSWORD"}, kube.Field("value")}
	for _, tc := range []struct {
		chk    Check
		want   string
		reason string
	}{
		{Check{Ref: secret, Message: `Secret "db" is invalid: data[password]: Invalid value: "hunter2"`, Fields: []kube.Path{{kube.Field("data"), kube.Field("password")}}},
			"it refuses data.password (its message is withheld", "a Secret's message"},
		{Check{Ref: secret, Message: `admission webhook denied: hunter2`}, "(its message is withheld", "a webhook's message about a Secret"},
		{Check{Ref: deploy, Message: `Invalid value: "hunter2"`, Fields: []kube.Path{envValue}}, "its message is withheld", "a credential's value in a Deployment"},
		{Check{Ref: deploy, Message: `spec.selector: Invalid value: {"app":"web"}: field is immutable`, Fields: []kube.Path{{kube.Field("spec"), kube.Field("selector")}}},
			`spec.selector: Invalid value: {"app":"web"}: field is immutable`, "nothing secret: the server's words"},
	} {
		got := serverMessage(tc.chk)
		if !strings.Contains(got, tc.want) || (tc.want != tc.chk.Message && strings.Contains(got, "hunter2")) {
			t.Errorf("%s: %q", tc.reason, got)
		}
	}
}
