package cluster

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/manifest"
	"github.com/safediff/safediff/pkg/rules"
)

// fakeAPI is an API server that serves autoscaling (v2 preferred, v1)
// and the core group's ConfigMaps, holds the objects in objs (by path),
// and accepts every dry run.
type fakeAPI struct {
	mu      sync.Mutex
	objs    map[string]map[string]any
	patched []string // the paths of the dry runs
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(v any) { json.NewEncoder(w).Encode(v) }
	resources := func(kind, name string) map[string]any {
		return map[string]any{"resources": []any{map[string]any{"name": name, "kind": kind, "namespaced": true}}}
	}
	switch p := r.URL.Path; {
	case r.Method == http.MethodPatch:
		f.patched = append(f.patched, p)
		answer(map[string]any{})
	case p == "/version":
		answer(map[string]any{"major": "1"})
	case p == "/api":
		answer(map[string]any{"versions": []any{"v1"}})
	case p == "/api/v1":
		answer(resources("ConfigMap", "configmaps"))
	case p == "/apis/autoscaling":
		answer(map[string]any{"versions": []any{map[string]any{"version": "v2"}, map[string]any{"version": "v1"}}, "preferredVersion": map[string]any{"version": "v2"}})
	case p == "/apis/autoscaling/v2", p == "/apis/autoscaling/v1":
		answer(resources("HorizontalPodAutoscaler", "horizontalpodautoscalers"))
	case f.objs[p] != nil:
		answer(f.objs[p])
	default:
		w.WriteHeader(http.StatusNotFound)
		answer(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": p + " not found"})
	}
}

// The upgrade creates an object the server has already: helm reads its
// ownership metadata and refuses the upgrade unless it names the release
// (helm's existingResourceConflict), and the review must say so, with
// helm's message. Found on a real chart: an HPA made with kubectl, then
// the chart's autoscaling turned on, passed as a safe creation.
func TestCreatedObjectThatExists(t *testing.T) {
	hpa := "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec: {maxReplicas: 3, scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}}\n"
	const hpaPath = "/apis/autoscaling/v2/namespaces/ns/horizontalpodautoscalers/web"
	live := func(labels, annotations map[string]any) map[string]any {
		meta := map[string]any{"name": "web", "namespace": "ns"}
		if labels != nil {
			meta["labels"] = labels
		}
		if annotations != nil {
			meta["annotations"] = annotations
		}
		return map[string]any{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta}
	}
	helmLabel := map[string]any{"app.kubernetes.io/managed-by": "Helm"}
	owner := func(rel, ns string) map[string]any {
		return map[string]any{"meta.helm.sh/release-name": rel, "meta.helm.sh/release-namespace": ns}
	}
	names := tabletest.Names{}
	for _, tc := range []struct {
		name, reason string
		live         map[string]any // at hpaPath; nil: not there
		target       Target
		desired      string // "" : the review's header alone (group and kind)
		hook         rules.HookMode
		last         bool // the object is in the last revision's manifest
		// refused is a part of the refusal's reason ("" : none); adopted
		// a part of a note that says helm adopts it
		refused, adopted string
		dryRun           bool // the desired object is dry-run against the live one
	}{
		{name: "not there", reason: "nothing to import: a creation, dry-run as today",
			target: Target{Release: "r", Namespace: "ns"}, desired: hpa, dryRun: true},
		{name: "made by hand", reason: "no ownership metadata at all: helm's message names all three keys, as helm upgrade printed it",
			live: live(nil, nil), target: Target{Release: "r", Namespace: "ns"}, desired: hpa,
			refused: `helm says: HorizontalPodAutoscaler "web" in namespace "ns" exists and cannot be imported into the current release: invalid ownership metadata; ` +
				`label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; annotation validation error: missing key "meta.helm.sh/release-name": must be set to "r"; ` +
				`annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "ns"; delete it, or give it the release's ownership metadata`},
		{name: "another release's", reason: "helm does not take an object from another release",
			live: live(helmLabel, owner("other", "ns")), target: Target{Release: "r", Namespace: "ns"}, desired: hpa,
			refused: `invalid ownership metadata; annotation validation error: key "meta.helm.sh/release-name" must equal "r": current value is "other"; delete it`},
		{name: "the release's name in another namespace", reason: "the namespace is part of the owner: a release of the same name elsewhere is another release",
			live: live(helmLabel, owner("r", "dev")), target: Target{Release: "r", Namespace: "ns"}, desired: hpa,
			refused: `key "meta.helm.sh/release-namespace" must equal "ns": current value is "dev"`},
		{name: "managed by helm in lower case", reason: "helm compares the label's value exactly",
			live: live(map[string]any{"app.kubernetes.io/managed-by": "helm"}, owner("r", "ns")), target: Target{Release: "r", Namespace: "ns"}, desired: hpa,
			refused: `label validation error: key "app.kubernetes.io/managed-by" must equal "Helm": current value is "helm"`},
		{name: "the release's own", reason: "adoption: helm updates the live object in place, so it is dry-run as an update",
			live: live(helmLabel, owner("r", "ns")), target: Target{Release: "r", Namespace: "ns"}, desired: hpa,
			adopted: "helm adopts it (its ownership metadata names release r in namespace ns) and updates the live object in place", dryRun: true},
		{name: "release not known", reason: "a review of a diff alone: even an object that looks like the release's cannot be checked, and is never a pass",
			live: live(helmLabel, owner("r", "ns")), target: Target{Namespace: "ns"}, desired: hpa,
			refused: `HorizontalPodAutoscaler "web" in namespace "ns" exists, and the release this review is of is not known, so helm's ownership check could not be made (it has app.kubernetes.io/managed-by=Helm`},
		{name: "take ownership", reason: "helm upgrade --take-ownership adopts any object that exists",
			live: live(nil, nil), target: Target{Release: "r", Namespace: "ns", TakeOwnership: true}, desired: hpa,
			adopted: "helm adopts it (the upgrade takes ownership (--take-ownership) (it has no helm ownership metadata))", dryRun: true},
		{name: "header only", reason: "helm diff's header gives the group and kind, not the version: discovery finds it, and the object is read",
			live: live(nil, nil), target: Target{Release: "r", Namespace: "ns"},
			refused: `HorizontalPodAutoscaler "web" in namespace "ns" exists and cannot be imported into the current release`},
		{name: "a hook", reason: "helm creates a hook itself at its events and checks no owner of it",
			live: live(nil, nil), target: Target{Release: "r", Namespace: "ns"}, desired: hpa, hook: rules.HookRecreated},
		{name: "in the last revision", reason: "helm checks the objects new to the release only (not in its current manifest, by version, kind and name)",
			live: live(nil, nil), target: Target{Release: "r", Namespace: "ns"}, desired: hpa, last: true, dryRun: true},
	} {
		names.Check(t, tc.name, tc.reason)
		f := &fakeAPI{objs: map[string]map[string]any{}}
		if tc.live != nil {
			f.objs[hpaPath] = tc.live
		}
		srv := httptest.NewServer(f)
		client, err := (&kubeapi.Config{Server: srv.URL}).Client()
		if err != nil {
			t.Fatal(err)
		}
		ref := kube.ObjectRef{Group: "autoscaling", Kind: "HorizontalPodAutoscaler", Namespace: "ns", Name: "web"}
		target := tc.target
		if tc.desired != "" {
			d := parse(t, tc.desired)
			target.Desired = []manifest.Object{d}
			ref = d.Ref
			if tc.last {
				target.Last = target.Desired
			}
		} else {
			target.Unknown = map[kube.ObjectID]string{ref.ID(): "its lines are elided"}
		}
		safe := classify.Finding{Change: classify.WholeChange(diffparse.Add), WholeObject: true, Decision: &rules.Decision{Level: rules.Safe, Rule: "create"}}
		res := resultWith(ref, safe, diffparse.Create)
		res.Objects[0].Object.Action = diffparse.Create
		res.Objects[0].Hook = tc.hook
		cf, err := (&Confirmer{Client: client}).Confirm(context.Background(), res, target)
		srv.Close()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		cf.Annotate(res)
		o := res.Objects[0]
		var reasons []string
		for _, f := range o.Findings {
			if f.Rule == RuleExists {
				reasons = append(reasons, f.Reason)
			}
		}
		var notes []string
		for _, n := range res.Notes {
			notes = append(notes, n.Text)
		}
		switch {
		case tc.refused == "" && len(reasons) > 0:
			t.Errorf("%s: refused: %q", tc.name, reasons)
		case tc.refused != "" && (len(reasons) != 1 || !strings.Contains(reasons[0], tc.refused) || !strings.Contains(reasons[0], "helm upgrade will fail here")):
			t.Errorf("%s: the refusal %q does not say %q", tc.name, reasons, tc.refused)
		case tc.refused != "" && (o.Level != rules.Disruptive || o.Rule != RuleExists || res.Highest != rules.Disruptive):
			t.Errorf("%s: refused at %v (rule %s), want disruptive", tc.name, o.Level, o.Rule)
		case tc.adopted != "" && !strings.Contains(strings.Join(notes, "\n"), tc.adopted):
			t.Errorf("%s: no note says %q: %q", tc.name, tc.adopted, notes)
		case tc.adopted == "" && strings.Contains(strings.Join(notes, "\n"), "adopts"):
			t.Errorf("%s: a note says helm adopts it: %q", tc.name, notes)
		case tc.dryRun != (len(f.patched) == 1 && f.patched[0] == hpaPath):
			t.Errorf("%s: dry runs %q, want one of the object: %v", tc.name, f.patched, tc.dryRun)
		}
	}
}

// A kind the server does not serve has no object to import: the object is
// not there, and nothing is refused.
func TestCreatedObjectOfAKindNotServed(t *testing.T) {
	srv := httptest.NewServer(&fakeAPI{})
	defer srv.Close()
	client, err := (&kubeapi.Config{Server: srv.URL}).Client()
	if err != nil {
		t.Fatal(err)
	}
	ref := kube.ObjectRef{Group: "catalog.example.com", Kind: "Database", Namespace: "ns", Name: "main"}
	res := resultWith(ref, classify.Finding{Change: classify.WholeChange(diffparse.Add), WholeObject: true, Decision: &rules.Decision{Level: rules.Safe, Rule: "create"}}, diffparse.Create)
	res.Objects[0].Object.Action = diffparse.Create
	cf, err := (&Confirmer{Client: client}).Confirm(context.Background(), res, Target{Release: "r", Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	for _, chk := range cf.Checks {
		if chk.Outcome == Unowned {
			t.Errorf("refused: %+v", chk)
		}
	}
}

// Releases of a multi-release input (helmfile) name the release of each
// object: helm's check is made against it.
func TestReleaseOf(t *testing.T) {
	o := &classify.Object{Object: &diffparse.Object{Release: "shop"}}
	res := &classify.Result{Plan: &diffparse.Plan{Releases: []diffparse.Release{{Name: "shop", Namespace: "prod"}}}}
	for _, tc := range []struct {
		t        Target
		o        *classify.Object
		name, ns string
		reason   string
	}{
		{Target{Release: "r", Namespace: "ns"}, o, "r", "ns", "the upgrade's release"},
		{Target{Namespace: "ns"}, o, "shop", "prod", "the input's release of the object, in the namespace the input gives it"},
		{Target{Namespace: "ns"}, &classify.Object{Object: &diffparse.Object{}}, "", "", "not known"},
	} {
		if name, ns := releaseOf(tc.o, res, tc.t); name != tc.name || ns != tc.ns {
			t.Errorf("%s: %s/%s, want %s/%s", tc.reason, name, ns, tc.name, tc.ns)
		}
	}
}
