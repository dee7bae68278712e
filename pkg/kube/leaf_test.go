package kube_test

import (
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/kube"
)

// TestLeaf: scalar fields know what values the API server decodes into
// them, from the Go types of k8s.io/api.
func TestLeaf(t *testing.T) {
	tests := []struct {
		name   string
		k      gvk
		path   string
		want   kube.Leaf
		reason string
	}{
		{"int32", deployment, "spec.replicas", kube.IntegerLeaf, "replicas is an *int32"},
		{"int64", deployment, "spec.template.spec.terminationGracePeriodSeconds", kube.IntegerLeaf, "an *int64"},
		{"string", deployment, "spec.template.spec.containers[name=web].image", kube.StringLeaf, "a string"},
		{"enum string", deployment, "spec.strategy.type", kube.StringLeaf, "a string type alias"},
		{"bool", deployment, "spec.paused", kube.BooleanLeaf, "a bool"},
		{"label", deployment, "metadata.labels.app", kube.StringLeaf, "map[string]string values"},
		{"int or string", deployment, "spec.strategy.rollingUpdate.maxSurge", kube.IntOrStringLeaf, "intstr.IntOrString"},
		{"port target", gvk{"", "v1", "Service"}, "spec.ports[name=http].targetPort", kube.IntOrStringLeaf, "a Service's targetPort is a number or a name"},
		{"port", gvk{"", "v1", "Service"}, "spec.ports[name=http].port", kube.IntegerLeaf, "a port number"},
		{"quantity", deployment, "spec.template.spec.containers[?].resources.limits.cpu", kube.QuantityLeaf, "resource.Quantity"},
		{"time", deployment, "metadata.creationTimestamp", kube.TimeLeaf, "metav1.Time"},
		{"bytes", secret, "data.password", kube.BytesLeaf, "[]byte is base64 text"},
		{"string policy", gvk{"autoscaling", "v2", "HorizontalPodAutoscaler"}, "spec.behavior.scaleUp.selectPolicy", kube.StringLeaf, "a string type"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			typ := schema(t, tc.k).At(mustPath(t, tc.path))
			if typ == nil || typ.Kind != kube.ScalarType || typ.Leaf != tc.want {
				t.Fatalf("At(%s) = %+v, want a scalar of leaf %s\nreason: %s", tc.path, typ, tc.want, tc.reason)
			}
		})
	}
	if kube.IntOrStringLeaf.String() != "an integer or a string" || kube.IntegerLeaf.String() != "an integer" {
		t.Errorf("leaf names: %q, %q", kube.IntOrStringLeaf, kube.IntegerLeaf)
	}
}

// TestReaches: a pattern reaches a kind's schema when some path of the
// schema matches it; typos reach nothing.
func TestReaches(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    bool
		reason  string
	}{
		{"any depth", "spec.template.**", true, "the pod template"},
		{"typo", "spec.tempalte.**", false, "the issue's typo"},
		{"glob field", "metadata.annotations.checksum/*", true, "a map takes any key"},
		{"keyed item", "spec.template.spec.containers[name=web].image", true, "containers are keyed by name"},
		{"key typo", "spec.template.spec.containers[nmae=web].image", false, "containers have no field nmae"},
		{"any item", "spec.template.spec.containers[*].env.**", true, "lists"},
		{"deep wildcard", "**.image", true, "** reaches any depth"},
		{"leaf then field", "spec.replicas.x", false, "nothing is below a scalar"},
		{"star", "spec.*", true, "any field of the spec"},
		{"status", "status.**", true, "the status stanza is a field too"},
	}
	d := schema(t, deployment)
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		if got := d.Reaches(kube.MustParsePattern(tc.pattern)); got != tc.want {
			t.Errorf("%s: Reaches(%s) = %v, want %v\nreason: %s", tc.name, tc.pattern, got, tc.want, tc.reason)
		}
	}
	raw := schema(t, gvk{"apps", "v1", "ControllerRevision"})
	if !raw.Reaches(kube.MustParsePattern("data.anything.at.all")) {
		t.Error("free-form content reaches anything below it")
	}
}

func TestClosest(t *testing.T) {
	names := []string{"Deployment", "DaemonSet", "StatefulSet"}
	for _, tc := range []struct{ in, want string }{
		{"Deplyment", "Deployment"}, {"deployment", "Deployment"}, {"Statefulset", "StatefulSet"}, {"Widget", ""},
	} {
		if got := kube.Closest(tc.in, names); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
