package migrate

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/review"
)

const configChange = `data, db-postgres-config, ConfigMap (v1) has changed:
  # Source: postgres/templates/configmap.yaml
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: db-postgres-config
    labels:
-     helm.sh/chart: postgres-0.1.0
+     helm.sh/chart: postgres-0.1.1
  data:
-   pg_hba.conf: "host all all 0.0.0.0/0 scram-sha-256\n"
+   pg_hba.conf: "host all all 0.0.0.0/0 scram-sha-256\nhost replication replicator 10.0.0.0/8 scram-sha-256\n"
`

const podTemplateChange = `data, db-postgres, StatefulSet (apps) has changed:
  # Source: postgres/templates/statefulset.yaml
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: db-postgres
  spec:
    replicas: 1
    template:
      spec:
        containers:
          - name: postgres
-           image: postgres:15.7
+           image: postgres:15.8
`

const serviceCreated = `data, db-postgres, Service (v1) has been added:
- 
+ # Source: postgres/templates/service.yaml
+ apiVersion: v1
+ kind: Service
+ metadata:
+   name: db-postgres
+ spec:
+   ports:
+     - port: 5432
`

const externalName = `data, orders-db, Service (v1) has changed:
  # Source: endpoint/templates/service.yaml
  apiVersion: v1
  kind: Service
  metadata:
    name: orders-db
  spec:
    type: ExternalName
-   externalName: 10.0.12.7
+   externalName: 10.20.3.4
    ports:
      - name: main
        port: 5432
`

// TestCheck: a helm step passes only with changes it expects; the
// reasons are part of the contract, so each row says why.
func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		diff   string
		expect []Expectation
		want   []string // substrings of the violations, in order; none means it passes
		reason string
	}{
		{"config change", configChange, []Expectation{configOnly("replication settings")}, nil,
			"a ConfigMap data change is safe, and the label churn beside it is ignored"},
		{"pod template on the source", configChange + "\n" + podTemplateChange, []Expectation{configOnly("replication settings")},
			[]string{"StatefulSet.apps/data/db-postgres: this step does not expect a StatefulSet to be changed (disruptive"},
			"a restart of the source primary is exactly what must stop a migration"},
		{"level above the cap", podTemplateChange, []Expectation{{Kinds: []string{"StatefulSet"}, Actions: actions("update"), Max: 1, Why: "x"}},
			[]string{"spec.template.spec.containers[name=postgres].image: disruptive is above what this step allows here (safe"},
			"a kind and action that are expected still need the level to fit"},
		{"creation", serviceCreated, []Expectation{anyCreate}, nil, "installing the target creates objects"},
		{"creation not expected", serviceCreated, []Expectation{configOnly("x")}, []string{"does not expect a Service to be created"},
			"an object the step does not know of"},
		{"repoint", externalName, []Expectation{repoint}, nil, "the endpoint's externalName is the change a re-point makes"},
		{"path outside the patterns", strings.Replace(externalName, "    type: ExternalName\n", "-   type: ClusterIP\n+   type: ExternalName\n", 1), []Expectation{repoint},
			[]string{"spec.type: this step does not expect a change here"}, "a Service type change is not a re-point"},
		{"nothing", "", []Expectation{configOnly("x")}, nil, "an empty plan passes: the step is already done"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := review.Review(strings.NewReader(tc.diff), review.Options{})
			if err != nil {
				t.Fatal(err)
			}
			vs := check(rep.Result, tc.expect)
			if len(vs) != len(tc.want) {
				t.Fatalf("%d violations, want %d (%s): %v", len(vs), len(tc.want), tc.reason, vs)
			}
			for i, w := range tc.want {
				if !strings.Contains(vs[i].String(), w) {
					t.Errorf("violation %q does not contain %q (%s)", vs[i], w, tc.reason)
				}
			}
		})
	}
}

func actions(names ...string) (out []diffparse.Action) {
	for _, n := range names {
		a, err := diffparse.ParseAction(n)
		if err != nil {
			panic(err)
		}
		out = append(out, a)
	}
	return out
}
