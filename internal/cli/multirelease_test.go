package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// helmfileStream is helmfile diff output for three releases: an image
// change (restart), a removed StatefulSet with volume claims (destructive),
// and a release without changes.
const helmfileStream = `Comparing release=web, chart=./charts/web, namespace=prod
prod, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    template:
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
Comparing release=db, chart=bitnami/postgresql, namespace=prod
prod, db, StatefulSet (apps) has been removed:
- apiVersion: apps/v1
- kind: StatefulSet
- metadata:
-   name: db
- spec:
-   volumeClaimTemplates:
-     - metadata:
-         name: data
+ 
Comparing release=cache, chart=bitnami/redis, namespace=prod
`

// TestMultiReleaseStream feeds a helmfile-style stream of several releases
// and checks the grouping, the per-release levels and the gate, scoped and
// not.
func TestMultiReleaseStream(t *testing.T) {
	out, _, code := run(t, helmfileStream, "review", "--no-color")
	if code != 2 {
		t.Errorf("exit %d, want 2: the db release destroys data", code)
	}
	for _, want := range []string{
		"Release web: 0 to add, 1 to change, 0 to replace, 0 to destroy, 0 to change owner; highest restart",
		"Release db: 0 to add, 0 to change, 0 to replace, 1 to destroy, 0 to change owner; highest destructive",
		"Release cache\n\n  No changes.",
		"Total over 3 releases:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "Release web") > strings.Index(out, "Deployment prod/web") || strings.Index(out, "Release db") > strings.Index(out, "StatefulSet prod/db") {
		t.Errorf("objects are not grouped under their release:\n%s", out)
	}

	jsonOut, _, _ := run(t, helmfileStream, "review", "-o", "json")
	var doc struct {
		Releases []struct {
			Name, Highest, FailOn string
			Tripped               bool
		}
		Objects []struct{ Release, Level string }
	}
	if err := json.Unmarshal([]byte(jsonOut), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range doc.Releases {
		got[r.Name] = r.Highest
	}
	if got["web"] != "restart" || got["db"] != "destructive" || got["cache"] != "ignored" || len(doc.Releases) != 3 {
		t.Errorf("per-release levels: %+v", doc.Releases)
	}
	for _, o := range doc.Objects {
		if o.Release == "" {
			t.Errorf("object without its release: %+v", o)
		}
	}

	// scoping the gate: db's removal is accepted for this run, web is held
	// to restart
	tests := []struct {
		args   []string
		want   int
		reason string
	}{
		{[]string{"--fail-on", "db=never"}, 0, "db exempt; web's restart is below the default gate"},
		{[]string{"--fail-on", "db=never", "--fail-on", "web=restart"}, 2, "web is held to restart"},
		{[]string{"--fail-on", "destructive", "--fail-on", "d*=never"}, 0, "the default raised to destructive, db exempt by glob"},
		{[]string{"--fail-on", "destructive"}, 2, "db's data loss trips destructive"},
	}
	for _, tc := range tests {
		_, _, code := run(t, helmfileStream, append([]string{"review", "--no-color"}, tc.args...)...)
		if code != tc.want {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.want, tc.reason)
		}
	}
}
