package kube_test

import (
	"encoding/json"
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

// TestUndeclared: server-side apply, as helm 4 applies the releases it
// installs, refuses an object with a field its schema does not declare
// ("field not declared in schema"; the e2e suite holds it to the API
// server); helm 3's patch drops the field. Map keys, free-form content and
// values of the wrong shape are not undeclared fields.
func TestUndeclared(t *testing.T) {
	tests := []struct {
		name  string
		kind  gvk
		path  string
		value string // JSON; "" for none
		want  string // "" for none
	}{
		{"a declared field", deployment, "spec.template.spec.containers[name=web].image", "", ""},
		{"a field in the wrong case", deployment, "spec.template.spec.containers[name=web].Image", "", "spec.template.spec.containers[name=web].Image"},
		{"a typo at the root", deployment, "Spec.replicas", "", "Spec"},
		{"a typo in spec", deployment, "spec.replica", "", "spec.replica"},
		{"a label key", deployment, `metadata.labels["Image"]`, "", ""},
		{"a ConfigMap's data key", configMap, "data.anything", "", ""},
		{"below a scalar: its shape, not a field", deployment, "spec.replicas.foo", "", ""},
		{"an item of a list", deployment, "spec.template.spec.containers[0].name", "", ""},
		{"a tree of declared fields", deployment, "spec.template.spec.containers[name=web]", `{"name":"web","image":"nginx","ports":[{"containerPort":80}]}`, ""},
		{"a tree with an undeclared field", deployment, "spec.template.spec.containers[name=web]", `{"name":"web","image":"nginx","ports":[{"containerPort":80,"nmae":"http"}]}`, "spec.template.spec.containers[name=web].ports[0].nmae"},
		{"the first in key order", deployment, "spec", `{"zz":1,"aa":2,"replicas":3}`, "spec.aa"},
		{"labels in a tree", deployment, "spec.template.metadata", `{"labels":{"Anything":"x"}}`, ""},
		{"a list where a mapping belongs", deployment, "spec.strategy", `[{"type":"x"}]`, ""},
		{"a whole object", configMap, "", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"datta":{"k":"v"}}`, "datta"},
		{"status is declared", deployment, "status.replicas", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p kube.Path
			if tt.path != "" {
				p = mustPath(t, tt.path)
			}
			var v any
			if tt.value != "" {
				if err := json.Unmarshal([]byte(tt.value), &v); err != nil {
					t.Fatal(err)
				}
			}
			got := ""
			if u := schema(t, tt.kind).Undeclared(p, v); u != nil {
				got = u.String()
			}
			if got != tt.want {
				t.Errorf("Undeclared(%s, %s) = %q, want %q", tt.path, tt.value, got, tt.want)
			}
		})
	}
	var free *kube.Type
	if free.Undeclared(kube.Path{kube.Field("x")}, nil) != nil {
		t.Error("a kind without a schema declares nothing undeclared")
	}
}
