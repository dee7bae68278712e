package e2e

// Upgrades that would apply something other than what the review saw.
// Each once passed the gate while helm did something else (an adversarial
// pass over the plugin and plan/apply); each now holds: safediff refuses,
// trips the gate, or reviews what helm really does.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// writeChart writes a chart (Chart.yaml is added) and returns its dir.
func writeChart(t *testing.T, name string, templates map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "Chart.yaml"), "apiVersion: v2\nname: "+name+"\nversion: 1.0.0\n")
	for f, body := range templates {
		writeFile(t, filepath.Join(dir, "templates", f), body)
	}
	return dir
}

// manifestOf is helm get manifest of the release's newest revision.
func manifestOf(t *testing.T, h helmUnderTest, ns, rel string) string {
	t.Helper()
	return h.MustRun(t, "get", "manifest", rel, "-n", ns).Stdout
}

const lookupStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "redis:7"}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`

// TestStdinValuesAreRefused: values read from standard input (-f -, --set-file k=/dev/stdin, as
// in "sops -d prod.yaml | helm safediff upgrade ... -f -"). helm diff and
// the plan's render run without safediff's stdin (they read nothing),
// helm upgrade runs with it: the values the upgrade applies are never
// reviewed, and the gate passes the deletion of a StatefulSet with claims.
func TestStdinValuesAreRefused(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		evil := []byte("db:\n  enabled: false\n")

		// control: the same values from a file trip the gate
		vf := filepath.Join(t.TempDir(), "evil.yaml")
		writeFile(t, vf, string(evil))
		wantExit(t, safediff(t, h, ns, "upgrade", "shop", c, "-f", vf, "--plan"), 2)

		r := h.Run(evil, nil, "safediff", "upgrade", "shop", c, "-f", "-", "-n", ns)
		t.Logf("upgrade -f - (stdin): exit %d\n%s", r.Code, r.Stdout)
		if !strings.Contains(manifestOf(t, h, ns, "shop"), "kind: StatefulSet") {
			t.Errorf("helm safediff upgrade -f - exited %d and helm deleted StatefulSet shop-db (values from stdin), a change the review never saw:\n%s", r.Code, r.Stdout)
		}

		// the plan/apply flow: planned with stdin, applied with stdin
		install(t, h, ns+"-pa", "shop")
		p := planFile(t, "plan.json")
		r = h.Run(evil, nil, "safediff", "plan", "shop", c, "-f", "-", "--out", p, "-n", ns+"-pa")
		t.Logf("plan -f -: exit %d\n%s", r.Code, r.Stdout)
		r = h.Run(evil, nil, "safediff", "apply", p, "-n", ns+"-pa")
		t.Logf("apply: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		if !strings.Contains(manifestOf(t, h, ns+"-pa", "shop"), "kind: StatefulSet") {
			t.Errorf("helm safediff apply exited %d and helm deleted StatefulSet shop-db: the plan said %q", r.Code, "No changes")
		}
	})
}

// TestLookupRendersAsTheUpgrade: a chart that uses lookup. helm diff renders without the cluster
// (lookup returns nothing), helm upgrade (and safediff's own --dry-run=server
// render, whose digest apply checks) renders with it: the review is of
// manifests that are not the ones applied, even with --cluster.
func TestLookupRendersAsTheUpgrade(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		c := writeChart(t, "lk", map[string]string{"db.yaml": `{{- if not (lookup "v1" "ConfigMap" .Release.Namespace "retire-db") }}
` + lookupStatefulSet + `{{- end }}
`})
		h.MustRun(t, "install", "lk", c, "-n", ns, "--create-namespace")
		client := apiClient(t)
		cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "retire-db"}}
		if err := client.Create(context.Background(), kubeapi.Path("", "v1", ns, "configmaps", ""), cm, nil); err != nil {
			t.Fatal(err)
		}
		// helm itself says what the upgrade does
		dry := h.MustRun(t, "upgrade", "lk", c, "-n", ns, "--dry-run=server")
		if strings.Contains(dry.Stdout, "kind: StatefulSet") {
			t.Fatalf("setup: the dry run still renders the StatefulSet")
		}
		r := safediff(t, h, ns, "upgrade", "lk", c, "--cluster")
		t.Logf("upgrade --cluster: exit %d\n%s", r.Code, r.Stdout)
		if !strings.Contains(manifestOf(t, h, ns, "lk"), "kind: StatefulSet") {
			t.Errorf("the gate passed (exit %d) and helm deleted StatefulSet db with its claims; the review said:\n%s", r.Code, r.Stdout)
		}
	})
}

// TestForceIsRefused: --force (helm 4: --force-replace --server-side=false) goes to helm
// upgrade only: helm replaces every object with a PUT, so what the live
// object has and the manifest does not state is reset (replicas an
// autoscaler or kubectl scale set; kubectl rollout restart's annotation).
// The review says "No changes", even with --cluster.
func TestForceIsRefused(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		c := writeChart(t, "hpa", map[string]string{"d.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  # replicas: the HorizontalPodAutoscaler's
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "nginx:1.25"}]
`})
		h.MustRun(t, "install", "api", c, "-n", ns, "--create-namespace")
		client := apiClient(t)
		path := kubeapi.Path("apps", "v1", ns, "deployments", "api")
		if err := client.Do(context.Background(), kubeapi.Request{Method: http.MethodPatch, Path: path,
			Body: []byte(`{"spec":{"replicas":10}}`), ContentType: "application/merge-patch+json"}, nil); err != nil {
			t.Fatal(err)
		}
		force := []string{"--force"}
		if h.name == "v4" {
			force = []string{"--force-replace", "--server-side=false"}
		}
		r := safediff(t, h, ns, append([]string{"upgrade", "api", c, "--cluster"}, force...)...)
		t.Logf("upgrade %v: exit %d\n%s", force, r.Code, r.Stdout)
		var d struct {
			Spec struct {
				Replicas int `json:"replicas"`
			} `json:"spec"`
		}
		if err := client.Get(context.Background(), path, &d); err != nil {
			t.Fatal(err)
		}
		if d.Spec.Replicas != 10 {
			t.Errorf("the gate passed (exit %d, %q) and helm upgrade %v scaled Deployment api from 10 to %d replicas",
				r.Code, firstLine(r.Stdout, "Gate:"), force, d.Spec.Replicas)
		}
	})
}

// TestCapabilitiesAsTheUpgrade: a chart that renders a custom resource
// once the cluster serves its API, and a StatefulSet with claims before.
// helm 4 with a helm-diff older than 3.14 diffs with --disable-validation,
// which renders with helm's default capabilities unless the render is a
// server dry run: the review said "No changes" while the upgrade deleted
// the StatefulSet.
func TestCapabilitiesAsTheUpgrade(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		group := ns + ".example.com"
		c := writeChart(t, "cap", map[string]string{"db.yaml": `{{- if .Capabilities.APIVersions.Has "` + group + `/v1/Database" }}
apiVersion: ` + group + `/v1
kind: Database
metadata:
  name: db
spec:
  engine: redis
{{- else }}
` + lookupStatefulSet + `{{- end }}
`})
		h.MustRun(t, "install", "cap", c, "-n", ns, "--create-namespace")
		client := apiClient(t)
		crd := map[string]any{
			"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
			"metadata": map[string]any{"name": "databases." + group},
			"spec": map[string]any{"group": group, "scope": "Namespaced",
				"names":    map[string]any{"plural": "databases", "singular": "database", "kind": "Database"},
				"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true, "schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}},
		}
		if err := client.Create(context.Background(), kubeapi.Path("apiextensions.k8s.io", "v1", "", "customresourcedefinitions", ""), crd, nil); err != nil {
			t.Fatal(err)
		}
		// wait until the server lists the new API (what helm's capabilities read)
		for i := 0; ; i++ {
			var list json.RawMessage
			if err := client.Get(context.Background(), "/apis/"+group+"/v1", &list); err == nil {
				break
			} else if i > 100 {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		r := safediff(t, h, ns, "upgrade", "cap", c)
		t.Logf("upgrade: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		if !strings.Contains(manifestOf(t, h, ns, "cap"), "kind: StatefulSet") {
			t.Errorf("the gate passed (exit %d, %q) and helm deleted StatefulSet db (with its claims) for a Database the review never showed",
				r.Code, firstLine(r.Stdout, "Gate:"))
		}
	})
}

// valuesServer serves values that keep the shop's database until it has
// answered good times; then values that remove it (db.enabled=false
// deletes StatefulSet shop-db with its claims). It returns the URL and
// the count of answers.
func valuesServer(t *testing.T) (url string, good func(int), answered func() int) {
	var mu sync.Mutex
	n, limit := 0, 1<<30
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		evil := n > limit
		mu.Unlock()
		if evil {
			io.WriteString(w, "web:\n  logLevel: debug\ndb:\n  enabled: false\n")
			return
		}
		io.WriteString(w, "web:\n  logLevel: debug\n")
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/values.yaml",
		func(k int) { mu.Lock(); limit = k; mu.Unlock() },
		func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestValuesReadOnce: helm reads a values URL (or file) each time it
// renders. upgrade and apply reviewed what helm diff (and the render
// apply checks) fetched, then helm upgrade fetched the values again: a
// server that answered the upgrade otherwise (or a file edited
// meanwhile) had helm apply values nobody reviewed. Now the values and
// the chart are read once, and every helm run reads that copy.
func TestValuesReadOnce(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")

		url, good, answered := valuesServer(t)
		good(1) // the review's fetch
		r := safediff(t, h, ns, "upgrade", "shop", c, "-f", url)
		wantExit(t, r, 0)
		if !strings.Contains(manifestOf(t, h, ns, "shop"), "kind: StatefulSet") || answered() != 1 {
			t.Fatalf("upgrade: the values were fetched %d times, and helm upgrade applied values the review never saw: StatefulSet shop-db deleted", answered())
		}

		url, good, answered = valuesServer(t)
		p := planFile(t, "plan.json")
		wantExit(t, safediff(t, h, ns, "plan", "shop", c, "-f", url, "--set", "web.replicas=3", "--out", p), 0)
		good(2 * answered()) // apply fetches as often as plan did; helm upgrade once more
		r = safediff(t, h, ns, "apply", p, "--set", "web.replicas=3")
		wantExit(t, r, 0)
		if !strings.Contains(manifestOf(t, h, ns, "shop"), "kind: StatefulSet") || answered() != 2 {
			t.Errorf("apply: the values were fetched %d times, and helm upgrade applied values apply never checked: StatefulSet shop-db deleted", answered())
		}
	})
}

// noPodLabels keeps a chart version bump from restarting the pods (the
// gate passes it).
var noPodLabels = []string{"--set", "labels.inPodTemplate=false"}

// chartRepo packages the shop chart at each version into a directory
// served as a chart repository, and returns its URL.
func chartRepo(t *testing.T, h helmUnderTest, versions ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, v := range versions {
		h.MustRun(t, "package", chart(t, v), "-d", dir)
	}
	h.MustRun(t, "repo", "index", dir)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRepoChartsPulledOnce: a chart of a repository is pulled once and
// the upgrade reads the archive. With --repo, the flags that found the
// chart must go once it is local: helm 4 looked the archive's path up in
// the repository, and every such upgrade failed. A repository added
// with helm repo add, a version range and --devel still choose the
// version helm would.
func TestRepoChartsPulledOnce(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop", noPodLabels...)
		url := chartRepo(t, h, "1.0.0", "1.1.0", "1.2.0-rc.1")
		wantExit(t, safediff(t, h, ns, "upgrade", "shop", "shop", "--repo", url, "--version", "1.1.0", noPodLabels[0], noPodLabels[1]), 0)
		if m := manifestOf(t, h, ns, "shop"); !strings.Contains(m, "shop-1.1.0") {
			t.Errorf("--repo: chart 1.1.0 not applied")
		}
		h.MustRun(t, "repo", "add", "once"+h.name, url)
		wantExit(t, safediff(t, h, ns, "upgrade", "shop", "once"+h.name+"/shop", "--devel", noPodLabels[0], noPodLabels[1]), 0)
		if m := manifestOf(t, h, ns, "shop"); !strings.Contains(m, "shop-1.2.0-rc.1") {
			t.Errorf("--devel: chart 1.2.0-rc.1 not applied")
		}
	})
}

func firstLine(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
