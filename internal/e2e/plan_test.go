package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/plan"
)

// planFile is a plan file in the test's temporary directory.
func planFile(t *testing.T, name string) string { return filepath.Join(t.TempDir(), name) }

// auditRecords reads an audit log.
func auditRecords(t *testing.T, name string) []plan.Record {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []plan.Record
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r plan.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// Plan in one step, apply in another: apply upgrades with exactly the
// planned arguments (the withheld --set given again) and records it.
func TestPlanThenApply(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		p, audit := planFile(t, "plan.json"), filepath.Join(t.TempDir(), "audit.jsonl")
		r := safediff(t, h, ns, "plan", "shop", c, "--set", "web.image=nginx:1.27", "--out", p)
		wantExit(t, r, 0)
		wantIn(t, "plan report", r.Stdout, "nginx:1.25 -> nginx:1.27")
		wantIn(t, "plan stderr", r.Stderr, "plan saved to "+p, "helm safediff apply "+p+" --set …")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "nginx:1.27\"") && strings.Contains(string(data), "web.image=") {
			t.Errorf("the plan keeps a --set value:\n%s", data)
		}
		wantHistory(t, h, ns, "shop", 1, "deployed") // planning changes nothing

		r = safediff(t, h, ns, "apply", p, "--set", "web.image=nginx:1.27", "--audit", audit)
		wantExit(t, r, 0)
		wantHistory(t, h, ns, "shop", 2, "deployed")
		recs := auditRecords(t, audit)
		if len(recs) != 1 || recs[0].Outcome != "applied" || recs[0].Approval != "gate" || recs[0].HelmExitCode == nil || *recs[0].HelmExitCode != 0 ||
			recs[0].Release != "shop" || recs[0].Namespace != ns || !strings.HasPrefix(recs[0].Plan, "sha256:") || recs[0].Who.User == "" {
			t.Errorf("audit records: %+v", recs)
		}
		// a plan applies once: the revision it was made at is gone
		r = safediff(t, h, ns, "apply", p, "--set", "web.image=nginx:1.27")
		wantExit(t, r, 1)
		wantIn(t, "stderr", r.Stderr, "revision: release shop is at revision 2 (deployed); the plan was made at revision 1")
		wantHistory(t, h, ns, "shop", 2, "deployed")
	})
}

// Apply refuses a plan that went stale, naming what moved, and upgrades
// nothing.
func TestApplyRefusesStalePlans(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		audit := filepath.Join(t.TempDir(), "audit.jsonl")
		rules := filepath.Join(t.TempDir(), "team.yaml")
		writeFile(t, rules, "version: 1\nrules: []\n")
		values := filepath.Join(t.TempDir(), "values.yaml")
		writeFile(t, values, "web:\n  logLevel: debug\n")
		plan := func(extra ...string) string {
			p := planFile(t, "plan.json")
			r := safediff(t, h, ns, append([]string{"plan", "shop", c, "-f", values, "--rules", rules, "--out", p}, extra...)...)
			wantExit(t, r, 0)
			return p
		}
		refused := func(p string, why []string, extra ...string) {
			t.Helper()
			before, _ := h.History(ns, "shop")
			r := safediff(t, h, ns, append([]string{"apply", p, "--audit", audit}, extra...)...)
			wantExit(t, r, 1)
			wantIn(t, "stderr", r.Stderr, append(why, "shop was not upgraded")...)
			after, _ := h.History(ns, "shop")
			if len(after) != len(before) {
				t.Errorf("a refused apply upgraded: %d revisions, then %d", len(before), len(after))
			}
		}

		// someone else upgrades in between
		p := plan()
		h.MustRun(t, "upgrade", "shop", c, "-n", ns, "--set", "web.replicas=3")
		refused(p, []string{"revision: release shop is at revision 2 (deployed); the plan was made at revision 1"})

		// the values change (a values file, a --set value given at apply)
		p = plan("--set", "web.replicas=3")
		writeFile(t, values, "web:\n  logLevel: warn\n")
		refused(p, []string{"values: the values differ", "manifests: the rendered manifests differ"}, "--set", "web.replicas=3")
		writeFile(t, values, "web:\n  logLevel: debug\n")
		refused(p, []string{"values: the values differ"}, "--set", "web.replicas=4")
		refused(p, []string{"the plan withheld the values of --set"})

		// the rules change
		p = plan()
		writeFile(t, rules, "version: 1\nrules:\n  - id: loglevel\n    description: log level\n    source: team\n    match: {kinds: [ConfigMap]}\n    level: safe\n    reason: ours\n")
		refused(p, []string{"rules: the rules differ"})

		// the plan is too old
		p = plan()
		refused(p, []string{"older than --max-age 1ns"}, "--max-age", "1ns")

		recs := auditRecords(t, audit)
		if len(recs) != 6 {
			t.Fatalf("%d audit records, want one per refused apply (6)", len(recs))
		}
		for _, rec := range recs {
			if rec.Outcome != "refused" || len(rec.Refused) == 0 || rec.HelmExitCode != nil {
				t.Errorf("audit record of a refused apply: %+v", rec)
			}
		}
		// and the fresh plan, unchanged world, applies
		r := safediff(t, h, ns, "apply", p)
		wantExit(t, r, 0)
		wantHistory(t, h, ns, "shop", 3, "deployed")
	})
}

// A plan whose gate tripped applies only with an approval; the approval
// (the accept entries and their reasons) goes into the audit log.
func TestApplyTrippedPlanWithApproval(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		p, audit := planFile(t, "plan.json"), filepath.Join(t.TempDir(), "audit.jsonl")
		r := safediff(t, h, ns, "plan", "shop", c, "--set", "web.serviceType=NodePort", "--out", p, "--report", "markdown")
		wantExit(t, r, 2)
		wantIn(t, "plan report", r.Stdout, "ClusterIP", "NodePort")
		wantIn(t, "plan stderr", r.Stderr, "apply needs an approval")

		r = safediff(t, h, ns, "apply", p, "--set", "web.serviceType=NodePort", "--audit", audit)
		wantExit(t, r, 2)
		wantIn(t, "stderr", r.Stderr, "the gate tripped: approve with --accept FILE")
		wantHistory(t, h, ns, "shop", 1, "deployed")

		accept := filepath.Join(t.TempDir(), "accept.yaml")
		writeFile(t, accept, "version: 1\naccept:\n  - object: Service/"+ns+"/shop-web\n    path: spec.type\n    new: NodePort\n    reason: CHG-7 expose web on a node port\n")
		r = safediff(t, h, ns, "apply", p, "--set", "web.serviceType=NodePort", "--audit", audit, "--accept", accept, "--audit-cluster")
		wantExit(t, r, 0)
		wantHistory(t, h, ns, "shop", 2, "deployed")
		// the same record, in the cluster: an immutable ConfigMap
		var cms struct {
			Items []struct {
				Immutable bool              `json:"immutable"`
				Data      map[string]string `json:"data"`
			} `json:"items"`
		}
		err := apiClient(t).Do(context.Background(), kubeapi.Request{Method: http.MethodGet, Path: kubeapi.Path("", "v1", ns, "configmaps", ""),
			Query: url.Values{"labelSelector": {plan.AuditLabel + "=shop"}}}, &cms)
		if err != nil {
			t.Fatal(err)
		}
		if len(cms.Items) != 1 || !cms.Items[0].Immutable || !strings.Contains(cms.Items[0].Data["record.json"], `"reason":"CHG-7 expose web on a node port"`) {
			t.Errorf("audit ConfigMaps: %+v", cms.Items)
		}
		recs := auditRecords(t, audit)
		if len(recs) != 2 || recs[0].Outcome != "refused" || recs[1].Outcome != "applied" {
			t.Fatalf("audit records: %+v", recs)
		}
		last := recs[1]
		if last.Approval != "accept" || len(last.Accepted) != 1 || last.Accepted[0].Reason != "CHG-7 expose web on a node port" ||
			last.Accepted[0].Path != "spec.type" || last.Verdict.Tripped || last.HelmExitCode == nil || *last.HelmExitCode != 0 {
			t.Errorf("the approved apply's record: %+v", last)
		}
	})
}

// A custom resource whose field a CRD makes immutable with a CEL rule
// (self == oldSelf): the offline review cannot know it (here a team rule
// even calls the change safe); --cluster asks the server, which refuses
// the update, and the object becomes a replacement that trips the gate.
func TestClusterConfirmsImmutabilityOnlyTheServerKnows(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		catalog := filepath.Join(suite.tools.Root, "testdata", "charts", "catalog")
		h.MustRun(t, "install", "cat", catalog, "-n", ns, "--create-namespace")
		rules := filepath.Join(t.TempDir(), "team.yaml")
		writeFile(t, rules, "version: 1\nrules:\n  - id: database-spec\n    description: our operator reconciles Database specs\n    source: team runbook\n    match: {groups: [catalog.example.com], kinds: [Database], paths: [\"spec.**\"]}\n    level: safe\n    reason: the operator reconciles it\n")

		r := safediff(t, h, ns, "upgrade", "cat", catalog, "--set", "database.engine=mysql", "--rules", rules, "--plan")
		wantExit(t, r, 0)
		wantIn(t, "offline report", r.Stdout, "spec.engine: postgres -> mysql", "will be updated in place")
		if strings.Contains(r.Stdout, "must be replaced") || strings.Contains(r.Stdout, "server-") {
			t.Errorf("the offline review knew of the CEL rule:\n%s", r.Stdout)
		}

		r = safediff(t, h, ns, "upgrade", "cat", catalog, "--set", "database.engine=mysql", "--rules", rules, "--plan", "--cluster")
		wantExit(t, r, 2)
		wantIn(t, "--cluster report", r.Stdout, "Database.catalog.example.com/"+ns+"/cat-db", "server-immutable",
			`spec.engine: Invalid value: "mysql": engine is immutable`, "helm upgrade will fail here", "FAIL")

		// the same, piped: helm diff's full-context output reviewed with
		// --cluster (the objects are rebuilt from the diff)
		diffArgs := []string{"diff", "upgrade", "cat", catalog, "-n", ns, "--set", "database.engine=mysql", "--context", "-1", "--no-color"}
		if h.name == "v4" {
			diffArgs = append(diffArgs, "--disable-validation") // helm-diff 3.13 under helm 4
		}
		d := h.Run(nil, nil, diffArgs...)
		if d.Code != 0 {
			t.Fatalf("helm diff:\n%s", d)
		}
		diffFile := filepath.Join(t.TempDir(), "cat.diff")
		writeFile(t, diffFile, d.Stdout)
		r = safediff(t, h, ns, "review", diffFile, "--rules", rules, "--cluster")
		wantExit(t, r, 2)
		wantIn(t, "review --cluster", r.Stdout, "server-immutable", "engine is immutable")

		// a plan made with --cluster records it, and its gate trips too
		p := planFile(t, "plan.json")
		r = safediff(t, h, ns, "plan", "cat", catalog, "--set", "database.engine=mysql", "--rules", rules, "--cluster", "--out", p)
		wantExit(t, r, 2)
		wantHistory(t, h, ns, "cat", 1, "deployed")

		// the same upgrade without the change the server refuses passes
		r = safediff(t, h, ns, "upgrade", "cat", catalog, "--set", "database.size=2Gi", "--rules", rules, "--plan", "--cluster")
		wantExit(t, r, 0)
	})
}

// An object edited with a direct API call after the last release shows up
// as drift with --cluster; without it the review cannot see it.
func TestClusterShowsDrift(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		client := apiClient(t)
		patch := []byte(`{"spec":{"replicas":5}}`)
		if err := client.Do(context.Background(), kubeapi.Request{Method: http.MethodPatch, Path: kubeapi.Path("apps", "v1", ns, "deployments", "shop-web"),
			Body: patch, ContentType: "application/merge-patch+json"}, nil); err != nil {
			t.Fatal(err)
		}
		c := chart(t, "1.0.0")
		r := safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.image=nginx:1.27", "--plan")
		wantExit(t, r, 0)
		if strings.Contains(r.Stdout, "note: drift") {
			t.Errorf("drift without --cluster:\n%s", r.Stdout)
		}
		r = safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.image=nginx:1.27", "--plan", "--cluster")
		wantIn(t, "--cluster report", r.Stdout,
			"drift: Deployment.apps/"+ns+"/shop-web spec.replicas: 2 in revision 1's manifest, 5 live",
			"blast radius: Deployment.apps/"+ns+"/shop-web restarts the 5 pods it wants")
		if h.name == "v3" {
			// helm 3 patches client-side: the edited field is not its
			// business, the upgrade goes through
			wantExit(t, r, 0)
			return
		}
		// helm 4 applies server-side: the field the direct call took is
		// another manager's, and the upgrade would fail on the conflict,
		// as the real helm upgrade shows
		wantExit(t, r, 2)
		wantIn(t, "--cluster report", r.Stdout, "server-conflict", "spec.replicas: 5 -> 2", "Apply failed with 1 conflict", ".spec.replicas")
		plain := h.Run(nil, nil, "upgrade", "shop", c, "--set", "web.image=nginx:1.27", "-n", ns)
		if plain.Code == 0 {
			t.Fatalf("helm 4 upgraded over the conflict that --cluster reported:\n%s", plain)
		}
		wantIn(t, "helm upgrade", plain.Stderr, "conflict", ".spec.replicas")
	})
}

// apiClient is a client of the test cluster's API server.
func apiClient(t *testing.T) *kubeapi.Client {
	t.Helper()
	cfg, err := kubeapi.Load([]string{suite.cluster.Kubeconfig}, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cfg.Client()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// What helm really does with an immutable change: it fails at the
// object, goes on applying the other changes around it (before and after
// it in its install order), skips nothing else but deletions, and marks
// the release failed; --force fails the same way. The next plan of the
// same upgrade would diff against the failed revision's manifest and say
// nothing changes, while helm upgrade applies it over the last deployed
// revision: it is refused, until the release is rolled back.
func TestPartialUpgradeAsHelmDoesIt(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		vals := sets("web.selectorTrack=canary", "db.image=redis:7.2")
		r := safediff(t, h, ns, append([]string{"upgrade", "shop", c, "--plan"}, vals...)...)
		wantExit(t, r, 2)
		wantIn(t, "report", r.Stdout, "Deployment "+ns+"/shop-web cannot be updated in place: helm upgrade will fail here (partial upgrade)",
			"before it Service/"+ns+"/shop-web", "after it StatefulSet.apps/"+ns+"/shop-db",
			"--force (helm 4: --force-replace) does not help")

		force := "--force"
		if h.name == "v4" {
			force = "--force-replace"
		}
		for _, extra := range [][]string{{force, "--server-side=false"}, nil} {
			if h.name == "v3" && extra != nil {
				extra = extra[:1]
			}
			plain := h.Run(nil, nil, append(append([]string{"upgrade", "shop", c, "-n", ns}, vals...), extra...)...)
			if plain.Code == 0 {
				t.Fatalf("helm upgrade %v passed a selector change:\n%s", extra, plain)
			}
			wantIn(t, "helm upgrade", plain.Stderr, "field is immutable")
		}
		wantHistory(t, h, ns, "shop", 3, "failed")
		client := apiClient(t)
		var svc, sts, deploy map[string]any
		for _, g := range []struct {
			path string
			into *map[string]any
		}{
			{kubeapi.Path("", "v1", ns, "services", "shop-web"), &svc},
			{kubeapi.Path("apps", "v1", ns, "statefulsets", "shop-db"), &sts},
			{kubeapi.Path("apps", "v1", ns, "deployments", "shop-web"), &deploy},
		} {
			if err := client.Get(context.Background(), g.path, g.into); err != nil {
				t.Fatal(err)
			}
		}
		if got := dig(svc, "spec", "selector", "track"); got != "canary" {
			t.Errorf("the Service before the Deployment was not applied: selector track %v", got)
		}
		if got := dig(sts, "spec", "template", "spec", "containers").([]any)[0].(map[string]any)["image"]; got != "redis:7.2" {
			t.Errorf("the StatefulSet after the Deployment was not applied: image %v", got)
		}
		if got := dig(deploy, "spec", "selector", "matchLabels", "track"); got != nil {
			t.Errorf("the Deployment changed: selector track %v", got)
		}

		// a retry: helm upgrade applies the chart over revision 1, the last
		// deployed one, while helm diff shows the changes from the failed
		// revision 3 ("no changes"): refused, with or without --cluster
		for _, extra := range [][]string{nil, {"--cluster"}} {
			r = safediff(t, h, ns, append(append([]string{"upgrade", "shop", c, "--plan"}, vals...), extra...)...)
			wantExit(t, r, 1)
			wantIn(t, "a retry after the failure", r.Stderr, "the last revision of release shop (3) failed", "helm rollback shop 1")
		}
	})
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Drift is what an upgrade puts back besides its changes. After a
// --cluster plan, another release takes an object over (as helm install
// --take-ownership does, by helm's owner annotations): helm upgrade checks
// the owner of the objects new to the release only, and would take it back
// and overwrite it. Apply refuses: the review now has drift the plan had
// not.
func TestApplyRefusesNewDrift(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		p := planFile(t, "plan.json")
		r := safediff(t, h, ns, "plan", "shop", c, "--set", "config.greeting=bye", "--cluster", "--out", p)
		wantExit(t, r, 0)
		client := apiClient(t)
		patch := []byte(`{"metadata":{"annotations":{"meta.helm.sh/release-name":"other"}}}`)
		if err := client.Do(context.Background(), kubeapi.Request{Method: http.MethodPatch, Path: kubeapi.Path("", "v1", ns, "configmaps", "shop-web"),
			Body: patch, ContentType: "application/merge-patch+json"}, nil); err != nil {
			t.Fatal(err)
		}
		r = safediff(t, h, ns, "apply", p, "--set", "config.greeting=bye")
		wantExit(t, r, 1)
		wantIn(t, "stderr", r.Stderr, `ConfigMap/`+ns+`/shop-web metadata.annotations["meta.helm.sh/release-name"]: shop in revision 1's manifest, other live (not in the planned review`)
		wantHistory(t, h, ns, "shop", 1, "deployed")
	})
}

// A Secret's stringData value written without quotes (a number): helm-diff
// shows Secrets redacted, so the review cannot see its type, and the API
// server refuses the object. --cluster asks the server.
func TestClusterRefusesASecretValueOfTheWrongType(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		tpl := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-conn\ntype: Opaque\nstringData:\n  host: db\n  port: 5432\n"
		if err := os.WriteFile(filepath.Join(c, "templates", "conn-secret.yaml"), []byte(tpl), 0o644); err != nil {
			t.Fatal(err)
		}
		r := safediff(t, h, ns, "upgrade", "shop", c, "--plan", "--cluster")
		wantExit(t, r, 2)
		wantIn(t, "report", r.Stdout, "Secret/"+ns+"/shop-conn")
		if strings.Contains(r.Stdout, "5432") {
			t.Errorf("the report shows a Secret's value:\n%s", r.Stdout)
		}
	})
}
