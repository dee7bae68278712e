package cluster

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/rules"
)

// storageAPI is fakeAPI with helm's storage: the revisions of releases
// in namespace ns, kept as Secrets or ConfigMaps whose labels are
// helm's. A list must select by owner and name, and gets the metadata
// alone; a body would hold the release.
type storageAPI struct {
	fakeAPI
	resource string              // "secrets" or "configmaps"
	labels   []map[string]string // one per stored revision
	listed   []string            // the selectors of the lists made
}

func (f *storageAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/ns/") || strings.Count(r.URL.Path, "/") != 5 {
		f.fakeAPI.ServeHTTP(w, r)
		return
	}
	sel := r.URL.Query().Get("labelSelector")
	f.listed = append(f.listed, r.URL.Path+"?"+sel)
	var items []any
	if r.URL.Path == "/api/v1/namespaces/ns/"+f.resource && sel == "owner=helm,name=web" {
		for _, l := range f.labels {
			items = append(items, map[string]any{"metadata": map[string]any{"name": "sh.helm.release.v1.web.v" + l["version"], "labels": l},
				"data": map[string]any{"release": "c2VjcmV0"}})
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"kind": "List", "items": items})
}

func rev(version, status string) map[string]string {
	return map[string]string{"owner": "helm", "name": "web", "version": version, "status": status}
}

// After a failed upgrade, helm diff compares the chart with the failed
// revision and helm upgrade patches from the last deployed one: a retry
// that changes something else showed only its own change, passed, and
// failed again on what the failed upgrade tried. The release's newest
// revision is read from helm's storage, by its labels, and the review
// does not pass unless it is deployed (or there is none).
func TestReleaseRevisions(t *testing.T) {
	names := tabletest.Names{}
	deployment := kube.ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "ns", Name: "web"}
	for _, tc := range []struct {
		name, reason string
		driver       string // HELM_DRIVER
		resource     string // where the revisions are stored
		labels       []map[string]string
		empty        bool // the diff lists no object
		// trip is a part of the release's finding ("": none)
		trip string
	}{
		{name: "failed newest", reason: "the reproduction: revision 11 failed, 10 is deployed; helm upgrade patches from 10",
			resource: "secrets", labels: []map[string]string{rev("11", "failed"), rev("9", "superseded"), rev("10", "deployed")},
			trip: "revision 11 of release web failed; helm diff compared the chart with it, the cluster may not hold it, and helm upgrade patches from revision 10, the last deployed one: changes the failed upgrade tried may be missing from this diff, and helm upgrade may fail again on them; roll back to the deployed revision first (helm rollback web 10)"},
		{name: "pending-upgrade newest", reason: "an upgrade that did not end: helm upgrade refuses to run, and the diff compared with a revision the cluster may not hold",
			resource: "secrets", labels: []map[string]string{rev("1", "deployed"), rev("2", "pending-upgrade")},
			trip: "revision 2 of release web is pending-upgrade: a helm operation on it did not end"},
		{name: "failed first install", reason: "no revision was ever deployed: helm upgrade patches from the failed one itself, whose objects may be only partly there",
			resource: "secrets", labels: []map[string]string{rev("1", "failed")},
			trip: "no revision was deployed: helm upgrade patches from revision 1 itself"},
		{name: "deployed newest", reason: "the usual case: helm diff and helm upgrade start from the same revision",
			resource: "secrets", labels: []map[string]string{rev("1", "superseded"), rev("2", "failed"), rev("3", "deployed")}},
		{name: "no revisions", reason: "a first install: there is nothing to compare with but the empty release",
			resource: "secrets"},
		{name: "configmap driver", reason: "HELM_DRIVER=configmap keeps the revisions in ConfigMaps, with the same labels",
			driver: "configmap", resource: "configmaps", labels: []map[string]string{rev("10", "deployed"), rev("11", "failed")},
			trip: "revision 11 of release web failed"},
		{name: "configmap driver, secrets read", reason: "the driver decides where helm looks: failed revisions kept as Secrets are not the release of a configmap driver",
			driver: "configmaps", resource: "secrets", labels: []map[string]string{rev("10", "deployed"), rev("11", "failed")}},
		{name: "unknown driver", reason: "sql and memory keep the revisions where safediff cannot read them: the check could not be made, and that is never a pass",
			driver: "sql", resource: "secrets", labels: []map[string]string{rev("1", "deployed")},
			trip: `could not be checked: helm keeps the release's revisions with driver "sql" (HELM_DRIVER), which safediff does not read`},
		{name: "bad labels", reason: "a stored revision without a number cannot be ordered: the newest is not known",
			resource: "secrets", labels: []map[string]string{rev("x", "deployed")},
			trip: "no valid version and status labels"},
		{name: "empty diff", reason: "helm diff shows no change after a failed upgrade: the review said \"No changes\", and the release itself must trip the gate",
			resource: "secrets", labels: []map[string]string{rev("10", "deployed"), rev("11", "failed")}, empty: true,
			trip: "revision 11 of release web failed"},
	} {
		names.Check(t, tc.name, tc.reason)
		f := &storageAPI{fakeAPI: fakeAPI{objs: map[string]map[string]any{}}, resource: tc.resource, labels: tc.labels}
		srv := httptest.NewServer(f)
		client, err := (&kubeapi.Config{Server: srv.URL}).Client()
		if err != nil {
			t.Fatal(err)
		}
		res := resultWith(deployment, classify.Finding{Change: classify.WholeChange(diffparse.Modify), WholeObject: true, Decision: &rules.Decision{Level: rules.Safe, Rule: "replicas"}}, diffparse.Update)
		if tc.empty {
			res = &classify.Result{Plan: &diffparse.Plan{}}
		}
		target := Target{Release: "web", Namespace: "ns", Revisions: true, Driver: tc.driver}
		cf, err := (&Confirmer{Client: client}).Confirm(context.Background(), res, target)
		srv.Close()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		cf.Annotate(res)
		var found []*classify.Object
		for _, o := range res.Objects {
			if o.Rule == RuleRelease {
				found = append(found, o)
			}
		}
		switch {
		case tc.trip == "" && len(found) > 0:
			t.Errorf("%s: the release trips the review: %s", tc.name, found[0].Reason)
		case tc.trip == "" && res.Highest != rules.Safe:
			t.Errorf("%s: highest %s, want safe", tc.name, res.Highest)
		case tc.trip != "" && len(found) != 1:
			t.Errorf("%s: the release does not trip the review: %d findings (objects %d)", tc.name, len(found), len(res.Objects))
		case tc.trip != "" && (!strings.Contains(found[0].Reason, tc.trip) || found[0].Level != rules.Disruptive || !found[0].Findings[0].Assumed || res.Highest != rules.Disruptive):
			t.Errorf("%s: the release's finding (%s, assumed %v; highest %s) is %q, want it to say %q", tc.name, found[0].Level, found[0].Findings[0].Assumed, res.Highest, found[0].Reason, tc.trip)
		case tc.driver != "sql" && len(f.listed) != 1:
			t.Errorf("%s: lists %q, want one, by helm's labels", tc.name, f.listed)
		}
	}
}

// Without the release, or when not asked (helm safediff plan and upgrade
// read the history with helm), no revision is read.
func TestReleaseRevisionsNotAsked(t *testing.T) {
	for _, target := range []Target{{Namespace: "ns", Revisions: true}, {Release: "web", Namespace: "ns"}} {
		f := &storageAPI{fakeAPI: fakeAPI{objs: map[string]map[string]any{}}, resource: "secrets", labels: []map[string]string{rev("2", "failed")}}
		srv := httptest.NewServer(f)
		client, err := (&kubeapi.Config{Server: srv.URL}).Client()
		if err != nil {
			t.Fatal(err)
		}
		res := &classify.Result{Plan: &diffparse.Plan{}}
		cf, err := (&Confirmer{Client: client}).Confirm(context.Background(), res, target)
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		cf.Annotate(res)
		if len(f.listed) > 0 || len(res.Objects) > 0 {
			t.Errorf("%+v: lists %q, objects %d", target, f.listed, len(res.Objects))
		}
	}
}
