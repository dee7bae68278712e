package kube

import (
	"slices"
	"strings"
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
	if !slices.IsSortedFunc(removedAPIs, func(a, b removedAPI) int {
		return strings.Compare(a.group+"\x00"+a.version+"\x00"+a.kind, b.group+"\x00"+b.version+"\x00"+b.kind)
	}) {
		t.Error("removedAPIs is not sorted by group, version and kind")
	}
	for i := 1; i < len(removedAPIs); i++ {
		if a, b := removedAPIs[i-1], removedAPIs[i]; a.group == b.group && a.version == b.version && a.kind == b.kind {
			t.Errorf("%s/%s %s twice", a.group, a.version, a.kind)
		}
	}
}
