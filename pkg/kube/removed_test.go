package kube

import (
	"slices"
	"testing"
)

// TestRemovedIn: the kinds of API versions Kubernetes stopped serving,
// read from k8s.io/api's lifecycle methods (or, for the types it has
// deleted since, the deprecation guide), with the release that stopped
// serving each; the versions served still, and kinds k8s.io/api does not
// define, are not removed.
func TestRemovedIn(t *testing.T) {
	tests := []struct {
		group, version, kind string
		want                 string
	}{
		{"apps", "v1beta2", "Deployment", "1.16"},
		{"apps", "v1beta1", "StatefulSet", "1.16"},
		{"extensions", "v1beta1", "Ingress", "1.22"},
		{"extensions", "v1beta1", "Deployment", "1.16"},
		{"networking.k8s.io", "v1beta1", "Ingress", "1.22"},
		{"policy", "v1beta1", "PodDisruptionBudget", "1.25"},
		{"batch", "v1beta1", "CronJob", "1.25"},
		{"rbac.authorization.k8s.io", "v1beta1", "ClusterRoleBinding", "1.22"},
		// the deleted types: from the deprecation guide
		{"autoscaling", "v2beta2", "HorizontalPodAutoscaler", "1.26"},
		{"policy", "v1beta1", "PodSecurityPolicy", "1.25"},
		{"apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition", "1.22"},
		// served
		{"apps", "v1", "Deployment", ""},
		{"networking.k8s.io", "v1", "Ingress", ""},
		{"autoscaling", "v2", "HorizontalPodAutoscaler", ""},
		{"autoscaling", "v1", "HorizontalPodAutoscaler", ""},
		{"", "v1", "Service", ""},
		// a list type is not a kind of its own here; a custom resource is
		// not known
		{"apps", "v1beta2", "DeploymentList", ""},
		{"cert-manager.io", "v1alpha2", "Certificate", ""},
		{"apps", "v1beta2", "deployment", ""},
	}
	for _, tt := range tests {
		if got := RemovedIn(tt.group, tt.version, tt.kind); got != tt.want {
			t.Errorf("RemovedIn(%q, %q, %q) = %q, want %q", tt.group, tt.version, tt.kind, got, tt.want)
		}
	}
	// RemovedIn searches the table: it must be sorted, once each
	if !slices.IsSortedFunc(removedAPIs, func(a, b removedAPI) int { return a.key().compare(b.key()) }) {
		t.Error("removedAPIs is not sorted by group, version and kind")
	}
	if n := len(slices.CompactFunc(slices.Clone(removedAPIs), func(a, b removedAPI) bool { return a.key() == b.key() })); n != len(removedAPIs) {
		t.Errorf("removedAPIs holds a kind twice")
	}
}

// TestDefines: the kinds of each version of the built-in groups, served or
// removed, and which groups are built in (no custom resource can add a
// kind to one).
func TestDefines(t *testing.T) {
	tests := []struct {
		group, version, kind string
		want, builtin        bool
	}{
		{"apps", "v1", "Deployment", true, true},
		{"apps", "v1beta2", "Deployment", true, true},
		{"apps", "v1", "Deploymnet", false, true},
		{"apps", "v1", "deployment", false, true},
		{"apps", "v2", "Deployment", false, true},
		{"", "v1", "Pod", true, true},
		{"", "v1", "List", true, true}, // helm takes its items
		{"", "v1", "Deployment", false, true},
		{"", "v1", "PodList", false, true},
		{"autoscaling", "v2beta2", "HorizontalPodAutoscaler", true, true},
		{"apiextensions.k8s.io", "v1", "CustomResourceDefinition", true, true},
		{"networking.k8s.io", "v1", "Ingress", true, true},
		{"cert-manager.io", "v1", "Certificate", false, false},
		{"gateway.networking.k8s.io", "v1", "Gateway", false, false},
	}
	for _, tt := range tests {
		if got := Defines(tt.group, tt.version, tt.kind); got != tt.want {
			t.Errorf("Defines(%q, %q, %q) = %v, want %v", tt.group, tt.version, tt.kind, got, tt.want)
		}
		if got := BuiltinGroup(tt.group); got != tt.builtin {
			t.Errorf("BuiltinGroup(%q) = %v, want %v", tt.group, got, tt.builtin)
		}
	}
	if !slices.IsSortedFunc(definedAPIs, apiKey.compare) {
		t.Error("definedAPIs is not sorted by group, version and kind")
	}
	// every kind with a schema, and every removed one, is defined
	for _, b := range builtin {
		if !Defines(b.group, b.version, b.kind) {
			t.Errorf("%s/%s %s has a schema and is not defined", b.group, b.version, b.kind)
		}
	}
	for _, r := range removedAPIs {
		if !Defines(r.group, r.version, r.kind) {
			t.Errorf("%s/%s %s is removed and not defined", r.group, r.version, r.kind)
		}
	}
}
