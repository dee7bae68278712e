package kube_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/kube"
)

// refCases pairs references with their String form; ParseObjectRef reads
// each back.
var refCases = []struct {
	name   string
	ref    kube.ObjectRef
	text   string
	reason string
}{
	{
		name:   "namespaced, named group",
		ref:    kube.ObjectRef{Group: "apps", Kind: "Deployment", Namespace: "prod", Name: "api"},
		text:   "Deployment.apps/prod/api",
		reason: "Kind.group/namespace/name",
	},
	{
		name:   "core group",
		ref:    kube.ObjectRef{Kind: "Service", Namespace: "default", Name: "web"},
		text:   "Service/default/web",
		reason: "the core group is empty and leaves no dot",
	},
	{
		name:   "cluster-scoped with dotted group",
		ref:    kube.ObjectRef{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "system:reader"},
		text:   "ClusterRole.rbac.authorization.k8s.io/system:reader",
		reason: "no namespace segment; the group keeps its dots, split at the first one; ':' is fine in names",
	},
	{
		name:   "cluster-scoped core",
		ref:    kube.ObjectRef{Kind: "Namespace", Name: "prod"},
		text:   "Namespace/prod",
		reason: "Kind/name is the shortest form",
	},
	{
		name:   "custom resource",
		ref:    kube.ObjectRef{Group: "cert-manager.io", Kind: "Certificate", Namespace: "ingress", Name: "tls.example.com"},
		text:   "Certificate.cert-manager.io/ingress/tls.example.com",
		reason: "dots in the name do not confuse the kind, which ends at the first '/'",
	},
}

func TestObjectRefString(t *testing.T) {
	for _, tt := range refCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ref.String(); got != tt.text {
				t.Errorf("String() = %q, want %q\nreason: %s", got, tt.text, tt.reason)
			}
		})
	}
}

func TestParseObjectRef(t *testing.T) {
	for _, tt := range refCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kube.ParseObjectRef(tt.text)
			if err != nil {
				t.Fatalf("ParseObjectRef(%q): %v", tt.text, err)
			}
			if diff := cmp.Diff(tt.ref, got); diff != "" {
				t.Errorf("ParseObjectRef(%q) mismatch (-want +got):\n%s\nreason: %s", tt.text, diff, tt.reason)
			}
			if s := got.String(); s != tt.text {
				t.Errorf("round trip: %q -> %q", tt.text, s)
			}
		})
	}
}

func TestObjectRefVersionNotIdentity(t *testing.T) {
	v1 := kube.ObjectRef{Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler", Namespace: "prod", Name: "api"}
	v2 := v1
	v2.Version = "v2"
	if v1.String() != v2.String() {
		t.Errorf("String differs by version: %q vs %q", v1, v2)
	}
	if v1.ID() != v2.ID() {
		t.Errorf("ID differs by version: %v vs %v", v1.ID(), v2.ID())
	}
	want := kube.ObjectID{Group: "autoscaling", Kind: "HorizontalPodAutoscaler", Namespace: "prod", Name: "api"}
	if diff := cmp.Diff(want, v1.ID()); diff != "" {
		t.Errorf("ID mismatch (-want +got):\n%s", diff)
	}
	back, err := kube.ParseObjectRef(v2.String())
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != "" || back.ID() != v2.ID() {
		t.Errorf("ParseObjectRef(%q) = %#v: want the same identity and no version", v2, back)
	}
}

func TestParseObjectRefErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		want   string // part of the message
		reason string
	}{
		{"empty", "", "want Kind[.group]/[namespace/]name",
			"nothing to read"},
		{"kind only", "Deployment", "want Kind[.group]/[namespace/]name",
			"a reference needs at least a name"},
		{"too many segments", "Deployment.apps/prod/api/x", "want Kind[.group]/[namespace/]name",
			"names cannot hold '/', so four segments are malformed"},
		{"empty name", "Deployment.apps/prod/", "empty name",
			"the name is the identity"},
		{"empty name cluster-scoped", "Namespace/", "empty name",
			"the name is the identity"},
		{"empty namespace", "Deployment.apps//api", "empty namespace",
			"a cluster-scoped object omits the segment instead of leaving it empty"},
		{"empty kind", "/prod/api", "bad kind",
			"the kind is required"},
		{"empty kind before group", ".apps/prod/api", "bad kind",
			"the kind before the dot is empty"},
		{"empty group", "Deployment./prod/api", "empty group",
			"a trailing dot means a group was meant but is missing"},
		{"bad kind characters", "Deploy-ment/prod/api", "bad kind",
			"kinds are alphanumeric"},
		{"display form", "Deployment prod/api", "bad kind",
			"Display output is for people, not for ParseObjectRef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kube.ParseObjectRef(tt.input)
			if err == nil {
				t.Fatalf("ParseObjectRef(%q) = %#v, want an error\nreason: %s", tt.input, got, tt.reason)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseObjectRef(%q) error %q, want it to contain %q\nreason: %s", tt.input, err, tt.want, tt.reason)
			}
			if got != (kube.ObjectRef{}) {
				t.Errorf("ParseObjectRef(%q) returned %#v with its error, want the zero value", tt.input, got)
			}
		})
	}
}

func TestObjectRefAccessors(t *testing.T) {
	deploy := kube.ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "prod", Name: "api"}
	svc := kube.ObjectRef{Version: "v1", Kind: "Service", Namespace: "default", Name: "web"}
	role := kube.ObjectRef{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "reader"}
	tests := []struct {
		name   string
		got    string
		want   string
		reason string
	}{
		{"Display namespaced", deploy.Display(), "Deployment prod/api",
			"Kind namespace/name, without the group"},
		{"Display cluster-scoped", role.Display(), "ClusterRole reader",
			"Kind name when there is no namespace"},
		{"APIVersion group and version", deploy.APIVersion(), "apps/v1",
			"group/version"},
		{"APIVersion core", svc.APIVersion(), "v1",
			"the core group's apiVersion is the version alone"},
		{"APIVersion unknown version", role.APIVersion(), "rbac.authorization.k8s.io",
			"the group alone when the input did not show the version"},
		{"APIVersion nothing known", kube.ObjectRef{Kind: "Pod"}.APIVersion(), "",
			"core group and no version"},
		{"GroupKind", deploy.GroupKind(), "Deployment.apps",
			"Kind.group"},
		{"GroupKind core", svc.GroupKind(), "Service",
			"no dot for the core group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q\nreason: %s", tt.got, tt.want, tt.reason)
			}
		})
	}
}

func TestSplitAPIVersion(t *testing.T) {
	tests := []struct {
		name, in, group, version, reason string
	}{
		{"named group", "apps/v1", "apps", "v1", "group/version"},
		{"core", "v1", "", "v1", "the core group has no group part"},
		{"dotted group", "networking.k8s.io/v1", "networking.k8s.io", "v1", "dots belong to the group"},
		{"beta version", "autoscaling/v2beta2", "autoscaling", "v2beta2", "the version is everything after the slash"},
		{"empty", "", "", "", "nothing in, nothing out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, v := kube.SplitAPIVersion(tt.in)
			if g != tt.group || v != tt.version {
				t.Errorf("SplitAPIVersion(%q) = (%q, %q), want (%q, %q)\nreason: %s", tt.in, g, v, tt.group, tt.version, tt.reason)
			}
			if r := (kube.ObjectRef{Group: g, Version: v}); tt.in != "" && r.APIVersion() != tt.in {
				t.Errorf("APIVersion() = %q, want %q back", r.APIVersion(), tt.in)
			}
		})
	}
}

func TestIsClusterScoped(t *testing.T) {
	tests := []struct {
		name, group, kind string
		want              bool
		reason            string
	}{
		{"namespace", "", "Namespace", true, "namespaces hold namespaced objects"},
		{"persistent volume", "", "PersistentVolume", true, "the volume is cluster-wide; its claim is namespaced"},
		{"claim", "", "PersistentVolumeClaim", false, "claims live in a namespace"},
		{"cluster role", "rbac.authorization.k8s.io", "ClusterRole", true, "the Cluster prefix says so"},
		{"role", "rbac.authorization.k8s.io", "Role", false, "roles are namespaced"},
		{"CRD", "apiextensions.k8s.io", "CustomResourceDefinition", true, "CRDs are cluster-wide"},
		{"webhook", "admissionregistration.k8s.io", "ValidatingWebhookConfiguration", true, "admission configuration is cluster-wide"},
		{"storage class", "storage.k8s.io", "StorageClass", true, "storage classes are cluster-wide"},
		{"deployment", "apps", "Deployment", false, "workloads are namespaced"},
		{"wrong group", "", "ClusterRole", false, "the group is part of the kind's identity"},
		{"custom resource", "example.com", "Widget", false, "unknown kinds are assumed namespaced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kube.IsClusterScoped(tt.group, tt.kind); got != tt.want {
				t.Errorf("IsClusterScoped(%q, %q) = %v, want %v\nreason: %s", tt.group, tt.kind, got, tt.want, tt.reason)
			}
		})
	}
}

// FuzzObjectRefRoundTrip: whatever ParseObjectRef accepts, String prints
// back exactly, and the printed form parses to the same reference.
func FuzzObjectRefRoundTrip(f *testing.F) {
	for _, tt := range refCases {
		f.Add(tt.text)
	}
	for _, s := range []string{"", "/", "//", "a/b/c/d", "A./b", ".a/b", "A.b.c/d", "A/b/", "A//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := kube.ParseObjectRef(s)
		if err != nil {
			return
		}
		if r.Kind == "" || r.Name == "" {
			t.Fatalf("ParseObjectRef(%q) = %#v: empty kind or name", s, r)
		}
		if got := r.String(); got != s {
			t.Fatalf("ParseObjectRef(%q).String() = %q", s, got)
		}
		back, err := kube.ParseObjectRef(r.String())
		if err != nil || back != r {
			t.Fatalf("round trip of %q: %#v, %v", s, back, err)
		}
	})
}

func TestValidKindAndGroup(t *testing.T) {
	for _, tt := range []struct {
		kind string
		want bool
	}{
		{"Deployment", true}, {"ClusterRoleBinding", true}, {"A", true}, {"My-Kind2", true},
		{"", false}, {"[Secret", false}, {"2Kind", false}, {"Kind-", false}, {"Ki nd", false},
		{"K" + strings.Repeat("a", 62), true}, {"K" + strings.Repeat("a", 63), false},
	} {
		if got := kube.ValidKind(tt.kind); got != tt.want {
			t.Errorf("ValidKind(%q) = %v, want %v (a CRD's kind, lower-cased, is an RFC 1035 label)", tt.kind, got, tt.want)
		}
	}
	for _, tt := range []struct {
		group string
		want  bool
	}{
		{"", true}, {"apps", true}, {"rbac.authorization.k8s.io", true}, {"x-1.example.com", true},
		{"[v1", false}, {"Apps", false}, {"a..b", false}, {"-a", false}, {"v1 x", false},
	} {
		if got := kube.ValidGroup(tt.group); got != tt.want {
			t.Errorf("ValidGroup(%q) = %v, want %v (the core group, or a DNS subdomain)", tt.group, got, tt.want)
		}
	}
}
