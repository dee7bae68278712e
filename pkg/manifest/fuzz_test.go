package manifest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/safediff/safediff/pkg/manifest"
)

// FuzzParse: any text is read without a crash, and what is read is an
// object with a kind and a name, in order.
func FuzzParse(f *testing.F) {
	f.Add("---\n# Source: c/t.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
	f.Add("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: s}}\n--- # x\n")
	f.Add("a: &a [*a]\n")
	f.Fuzz(func(t *testing.T, text string) {
		objs, err := manifest.Parse(text, "ns")
		if err != nil {
			return
		}
		for i, o := range objs {
			if o.Ref.Kind == "" || o.Ref.Name == "" || o.Index != i || o.Body == nil {
				t.Fatalf("object %d: %+v", i, o)
			}
		}
	})
}

// FuzzFromHelmDiff: any text is read without a crash, and a Secret's
// sides are never rebuilt (helm-diff redacts them: they would be wrong).
func FuzzFromHelmDiff(f *testing.F) {
	for _, name := range []string{"all.diff.txt", "cli-real-add-secret-remove-sts.txt", "cli-real-label-image-context3.txt", "cli-real-deploy-selector.txt"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "helm-diff", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, text string) {
		objs, err := manifest.FromHelmDiff(text, "ns")
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.Ref.Group == "" && o.Ref.Kind == "Secret" && (o.Unknown == "" || o.Before != nil || o.After != nil) {
				t.Fatalf("a Secret rebuilt from a diff: %+v", o)
			}
			if o.Unknown != "" && (o.Before != nil || o.After != nil) {
				t.Fatalf("an unknown object with sides: %+v", o)
			}
		}
	})
}
