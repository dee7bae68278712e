package diffparse

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
)

// TestCreatedNamespaceThatExists: a Namespace the plan creates where the
// plan changes, deletes or takes over an object in it exists already, and
// is not the release's; helm refuses to create it ("exists and cannot be
// imported into the current release"), in every format and across the
// releases of a stream. Found on envoy-gateway's chart: its
// createNamespace toggle for the release's own namespace, installed with
// --create-namespace, passed the gate as a safe creation.
func TestCreatedNamespaceThatExists(t *testing.T) {
	// helm-diff's text of a side that is empty: "- " before an added
	// object, "+ " after a removed one
	const ns = "eg, eg, Namespace (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: Namespace\n+ metadata:\n+   name: eg\n"
	deploy := func(namespace, how string) string {
		lines := []string{"apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: web", "spec:", "  replicas: 2"}
		var b strings.Builder
		b.WriteString(namespace + ", web, Deployment (apps) " + how + ":\n")
		switch how {
		case "has changed":
			for _, l := range lines[:5] {
				b.WriteString("  " + l + "\n")
			}
			b.WriteString("-   replicas: 2\n+   replicas: 3\n")
		case "has been added":
			b.WriteString("- \n")
			for _, l := range lines {
				b.WriteString("+ " + l + "\n")
			}
		case "has been removed":
			for _, l := range lines {
				b.WriteString("- " + l + "\n")
			}
			b.WriteString("+ \n")
		}
		return b.String()
	}
	jsonOf := func(entries ...string) string { return "[" + strings.Join(entries, ",") + "]\n" }
	jsonEntry := func(kind, namespace, change string) string {
		api := map[string]string{"Namespace": "v1", "Deployment": "apps"}[kind]
		name := map[string]string{"Namespace": "eg", "Deployment": "web"}[kind]
		return `{"api": "` + api + `", "kind": "` + kind + `", "namespace": "` + namespace + `", "name": "` + name + `", "change": "` + change + `"}`
	}
	names := tabletest.Names{}
	for _, tc := range []struct {
		name, in string
		refused  bool
		reason   string
	}{
		{"an object in it changes", deploy("eg", "has changed") + ns, true, "the namespace exists"},
		{"an object in it is deleted, the namespace first", ns + deploy("eg", "has been removed"), true, "the order of the objects does not matter"},
		{"an object in it is created", deploy("eg", "has been added") + ns, false, "a new release in a new namespace: nothing shows it exists"},
		{"an object elsewhere changes", deploy("other", "has changed") + ns, false, "another namespace exists, not this one"},
		{"helmfile: another release changes an object in it", "Comparing release=a, chart=./a, namespace=eg\n" + deploy("eg", "has changed") +
			"Comparing release=b, chart=./b, namespace=default\n" + ns, true, "existence is the cluster's, whichever release shows it"},
		{"json: an object in it changes", jsonOf(jsonEntry("Deployment", "eg", "MODIFY"), jsonEntry("Namespace", "eg", "ADD")), true, "the object-level format shows it too"},
		{"json: an object in it is created", jsonOf(jsonEntry("Deployment", "eg", "ADD"), jsonEntry("Namespace", "eg", "ADD")), false, "as in the diff format"},
	} {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			plan, err := ParseString(tc.in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var refused []Note
			found := false
			for _, o := range plan.Objects {
				if o.Ref.Kind == "Namespace" {
					found, refused = true, o.Refused
				}
			}
			if !found {
				t.Fatal("no Namespace in the plan")
			}
			said := len(refused) == 1 && strings.Contains(refused[0].Text, "Namespace eg exists") && strings.Contains(refused[0].Text, "cannot be imported")
			if said != tc.refused || len(refused) > 1 {
				t.Errorf("refusals %v, want the namespace's: %v\nreason: %s", refused, tc.refused, tc.reason)
			}
		})
	}
}
