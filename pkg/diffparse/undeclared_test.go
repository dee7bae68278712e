package diffparse_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
)

// TestUndeclaredFields: the parser lists the fields the new side adds or
// sets that the object's schema does not declare (helm 3 drops them,
// server-side apply refuses the object): at a change's own path, inside
// an added mapping or list, and anywhere in a created object; never a map
// key, a field the change removes, one the old side had unchanged, or a
// field of a kind without a schema.
func TestUndeclaredFields(t *testing.T) {
	const deployment = "default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    replicas: 2\n    template:\n      spec:\n        containers:\n          - name: web\n            image: nginx:1\n"
	tests := []struct {
		name, diff string
		want       []string
	}{
		{"a scalar field added", deployment + "+           Image: nginx:2\n", []string{"spec.template.spec.containers[name=web].Image:13"}},
		{"a field renamed by a typo", strings.Replace(deployment, "    replicas: 2\n", "-   replicas: 2\n+   replica: 2\n", 1), []string{"spec.replica:8"}},
		{"inside an added container", deployment + "+         - name: side\n+           image: busybox\n+           comand: [sh]\n", []string{"spec.template.spec.containers[name=side].comand:15"}},
		{"in a partial view, where placed", "default, web, Deployment (apps) has changed:\n...\n  spec:\n+   replica: 2\n    replicas: 2\n...\n", []string{"spec.replica:4"}},
		{"a declared field added", deployment + "+           imagePullPolicy: Always\n", nil},
		{"a label added", strings.Replace(deployment, "    name: web\n", "    name: web\n    labels:\n+     Image: x\n", 1), nil},
		{"an undeclared field removed", deployment + "-           Image: nginx:2\n", nil},
		{"an undeclared field unchanged", deployment + "            Image: nginx:2\n-           env: []\n", nil},
		{"a created object", "default, cfg, ConfigMap (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: ConfigMap\n+ metadata:\n+   name: cfg\n+ datta:\n+   a: b\n+ data:\n+   Datta: b\n", []string{"datta:7"}},
		{"a renamed object, created anew", "default, cfg, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n-   name: cfg\n+   name: cfg2\n  datta:\n    a: b\n", []string{"datta:7"}},
		{"a custom resource", "default, c, Certificate (cert-manager.io) has changed:\n  apiVersion: cert-manager.io/v1\n  kind: Certificate\n  metadata:\n    name: c\n  spec:\n+   anything: 1\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := diffparse.Parse(strings.NewReader(tt.diff), diffparse.Options{})
			if err != nil {
				t.Fatalf("%v\n%s", err, tt.diff)
			}
			var got []string
			for _, o := range plan.Objects {
				for _, n := range o.Undeclared {
					got = append(got, n.Text+":"+itoa(n.Pos.Line))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("undeclared %q, want %q\n%s", got, tt.want, tt.diff)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
