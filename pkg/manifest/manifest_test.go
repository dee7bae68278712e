package manifest_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/manifest"
)

func TestParse(t *testing.T) {
	names := tabletest.Names{}
	for _, tc := range []struct {
		name, reason, text string
		want               []string // ref, source
		wantErr            string
	}{
		{name: "release manifest", reason: "helm's stored form: --- and a # Source: line per object",
			text: "---\n# Source: shop/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: shop/templates/b.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\n  namespace: other\n",
			want: []string{"ConfigMap/rel/a shop/templates/a.yaml", "Deployment.apps/other/b shop/templates/b.yaml"}},
		{name: "comments only", reason: "a template that renders nothing but comments is skipped, as helm skips it",
			text: "---\n# Source: shop/templates/off.yaml\n# disabled\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
			want: []string{"Secret/rel/s "}},
		{name: "separator with trailing text", reason: "helm's separator is --- followed by anything on its line (releaseutil's regexp)",
			text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- # next\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
			want: []string{"ConfigMap/rel/a ", "ConfigMap/rel/b "}},
		{name: "cluster-scoped", reason: "a cluster-scoped kind gets no namespace",
			text: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n",
			want: []string{"ClusterRole.rbac.authorization.k8s.io/r "}},
		{name: "list", reason: "a List's items are objects, as helm's resource builder reads them",
			text: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: svc}\n",
			want: []string{"ConfigMap/rel/x ", "Service/rel/svc "}},
		{name: "anchors", reason: "read with the YAML reader helm uses: aliases expand",
			text: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &n a\n  labels: {x: *n}\n",
			want: []string{"ConfigMap/rel/a "}},
		{name: "no kind", reason: "a document that is not an object is an error naming it",
			text: "# Source: c/templates/x.yaml\nfoo: bar\n", wantErr: "document 1 (c/templates/x.yaml): not a Kubernetes object"},
		{name: "no name", reason: "an object needs a name",
			text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", wantErr: "metadata.name is required"},
		{name: "bad yaml keeps secrets out", reason: "an error never quotes the document, which may be a Secret",
			text: "apiVersion: v1\nkind: Secret\ndata:\n  password: [hunter2\n", wantErr: "document 1: not valid YAML: line"},
	} {
		names.Check(t, tc.name, tc.reason)
		objs, err := manifest.Parse(tc.text, "rel")
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%s: error %v, want %q (and no document text)", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []string
		for i, o := range objs {
			if o.Index != i {
				t.Errorf("%s: object %d has index %d", tc.name, i, o.Index)
			}
			got = append(got, o.Ref.String()+" "+o.Source)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.name, diff)
		}
	}
}

func TestInstallOrder(t *testing.T) {
	objs, err := manifest.Parse(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: hook}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
`, "ns")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		major  int
		want   []string
		reason string
	}{
		{3, []string{"ConfigMap b", "ConfigMap a", "Service web", "Deployment web", "Gadget g", "ValidatingWebhookConfiguration hook", "Widget w"},
			"helm 3: known kinds by the list (same kind keeps the manifest order), unknown kinds last, alphabetically"},
		{4, []string{"ConfigMap b", "ConfigMap a", "Service web", "Deployment web", "ValidatingWebhookConfiguration hook", "Gadget g", "Widget w"},
			"helm 4 lists the webhook configurations after APIService"},
	} {
		sorted := append([]manifest.Object{}, objs...)
		manifest.SortForInstall(sorted, tc.major)
		var got []string
		for _, o := range sorted {
			got = append(got, o.Ref.Kind+" "+o.Ref.Name)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("helm %d (%s): (-want +got)\n%s", tc.major, tc.reason, diff)
		}
	}
}

func TestFromHelmDiff(t *testing.T) {
	diff := "ns, web, Deployment (apps) has changed:\n" +
		"  # Source: c/templates/web.yaml\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    selector:\n      matchLabels: &l\n        app: web\n-       track: a\n+       track: b\n    template:\n      metadata:\n        labels: *l\n" +
		"ns, db, Secret (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: Secret\n+ metadata:\n+   name: db\n+ data:\n+   password: '++++++++ # (6 bytes)'\n" +
		"ns, old, ConfigMap (v1) has been removed:\n- apiVersion: v1\n- kind: ConfigMap\n- metadata:\n-   name: old\n+ \n" +
		"\x1b[0;33mns, cut, ConfigMap (v1) has changed:\x1b[0m\n  apiVersion: v1\n...\n-   a: 1\n+   a: 2\n" +
		"Error: identified at least one change, exiting with non-zero exit code (detailed-exitcode parameter enabled)\n"
	objs, err := manifest.FromHelmDiff(diff, "default")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		s := o.Ref.String()
		if o.Unknown != "" {
			s += " unknown: " + o.Unknown
		}
		if o.Before != nil {
			s += " before:" + o.Before.Ref.String()
		}
		if o.After != nil {
			s += " after:" + o.After.Ref.String() + " " + o.After.Source
		}
		got = append(got, s)
	}
	want := []string{
		"Deployment.apps/ns/web before:Deployment.apps/ns/web after:Deployment.apps/ns/web c/templates/web.yaml",
		"Secret/ns/db unknown: helm-diff redacts a Secret's values",
		"ConfigMap/ns/old before:ConfigMap/ns/old",
		"ConfigMap/ns/cut unknown: the diff elides lines of it (--context): only a full-context diff holds whole objects",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	// each side is read as the API server reads it: the alias expands
	after := objs[0].After.Body["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any)
	if after["track"] != "b" {
		t.Errorf("the new side's pod labels (an alias of the selector): %v", after)
	}
}
