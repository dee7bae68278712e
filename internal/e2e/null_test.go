package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// nullChart's objects, each written without the fields nullFields adds
// (as nulls) in the chart's second version.
const nullChart = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers: [{name: web, image: "nginx:1.25"}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers: [{name: db, image: "redis:7"}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
`

// nullFields are the nulls the second version writes out: after the
// line, what is added below it.
var nullFields = [][2]string{
	{"  replicas: 2\n  selector:\n    matchLabels: {app: web}\n", "    matchExpressions: ~\n  strategy: null\n"},
	{"      labels: {app: web}\n    spec:\n", "      nodeSelector: ~\n      hostNetwork: null\n"},
	{"      accessModes: [ReadWriteOnce]\n", "      storageClassName: ~\n"},
	{"  serviceName: db\n", "  persistentVolumeClaimRetentionPolicy: ~\n"},
	{"  selector: {app: web}\n", "  sessionAffinity: ~\n  type: null\n"},
}

// TestNullIsTheFieldLeftOut: a chart whose new version writes out nulls
// where the old one left fields out (a toYaml of an unset value renders
// one) changes no object: the API server reads a null as the field left
// out, and helm's patch (helm 3), or apply (helm 4), finds nothing of
// another writer's there to clear. The review said an immutable
// selector and claim template changed ("helm upgrade will fail") and
// the pods restarted; it passes, the upgrade succeeds, and the objects
// are as they were.
func TestNullIsTheFieldLeftOut(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		v1 := writeChart(t, "nul", map[string]string{"all.yaml": nullChart})
		v2doc := nullChart
		for _, f := range nullFields {
			if !strings.Contains(v2doc, f[0]) {
				t.Fatalf("no line %q in the chart", f[0])
			}
			v2doc = strings.Replace(v2doc, f[0], f[0]+f[1], 1)
		}
		v2 := writeChart(t, "nul", map[string]string{"all.yaml": v2doc})
		h.MustRun(t, "install", "nul", v1, "-n", ns, "--create-namespace")
		objects := []string{
			kubeapi.Path("apps", "v1", ns, "deployments", "web"),
			kubeapi.Path("apps", "v1", ns, "statefulsets", "db"),
			kubeapi.Path("", "v1", ns, "services", "web"),
		}
		before := make([]string, len(objects))
		for i, p := range objects {
			before[i] = specOf(t, p)
		}

		r := safediff(t, h, ns, "upgrade", "nul", v2)
		wantExit(t, r, 0)
		wantIn(t, "review", r.Stdout, "spec.template.spec.nodeSelector is null", "spec.volumeClaimTemplates[0].spec.storageClassName is null")
		wantIn(t, "review", r.Stdout, "Levels: 3 safe (highest: safe).")
		wantHistory(t, h, ns, "nul", 2, "deployed")
		if m := manifestOf(t, h, ns, "nul"); !strings.Contains(m, "nodeSelector: ~") && !strings.Contains(m, "nodeSelector: null") {
			t.Fatalf("the release's manifest has not the nulls:\n%s", m)
		}
		for i, p := range objects {
			if after := specOf(t, p); after != before[i] {
				t.Errorf("%s changed:\nbefore %s\nafter  %s", p, before[i], after)
			}
		}
	})
}

// specOf returns an object's generation and spec, as JSON.
func specOf(t *testing.T, path string) string {
	t.Helper()
	var o struct {
		Metadata struct {
			Generation int64 `json:"generation"`
		} `json:"metadata"`
		Spec json.RawMessage `json:"spec"`
	}
	if err := apiClient(t).Get(context.Background(), path, &o); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(o)
	return string(b)
}
