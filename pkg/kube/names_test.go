package kube

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestNameRefusal(t *testing.T) {
	tests := []struct {
		group, kind, name string
		refused           bool
		why               string
	}{
		{"apps", "Deployment", "web", false, "a DNS subdomain"},
		{"apps", "Deployment", "web.v2", false, "a subdomain may hold dots"},
		{"apps", "Deployment", "Web", true, "upper case: the classic fullnameOverride mistake"},
		{"apps", "Deployment", "web_1", true, "'_' is in no DNS name"},
		{"", "ConfigMap", strings.Repeat("a", 254), true, "a subdomain is at most 253 characters"},
		{"", "Service", "web", false, "a DNS-1035 label"},
		{"", "Service", "1web", true, "a Service's name begins with a letter"},
		{"", "Service", "web.v2", true, "a Service's name is a label: no dots"},
		{"", "Namespace", "team.a", true, "a namespace's name is a label"},
		{"rbac.authorization.k8s.io", "ClusterRole", "system:aggregate-to-view", false, "RBAC names are path segments: ':' is fine"},
		{"rbac.authorization.k8s.io", "Role", "a/b", true, "but not '/'"},
		{"batch", "CronJob", strings.Repeat("a", 52), false, "52 characters"},
		{"batch", "CronJob", strings.Repeat("a", 53), true, "a CronJob's Jobs add 11 characters to its name"},
		{"example.com", "Widget", "Anything_Goes", false, "a custom resource's name is its definition's business"},
	}
	for _, tt := range tests {
		if got := NameRefusal(tt.group, tt.kind, tt.name) != ""; got != tt.refused {
			t.Errorf("%s/%s %q: refused %v, want %v (%s)", tt.group, tt.kind, tt.name, got, tt.refused, tt.why)
		}
	}
}

// FuzzNameRules holds the name syntaxes to Kubernetes' own validation.
func FuzzNameRules(f *testing.F) {
	for _, s := range []string{"web", "Web", "1web", "web.v2", "a..b", "-a", "a-", "", "a.b-c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := NameRefusal("apps", "Deployment", s) == "", len(validation.IsDNS1123Subdomain(s)) == 0; got != want {
			t.Errorf("Deployment %q: valid %v, Kubernetes says %v", s, got, want)
		}
		if got, want := NameRefusal("", "Service", s) == "", len(validation.IsDNS1035Label(s)) == 0; got != want {
			t.Errorf("Service %q: valid %v, Kubernetes says %v", s, got, want)
		}
	})
}
