package kube

import (
	"fmt"
	"strings"
)

// ObjectRef identifies a Kubernetes object. Its identity is group, kind,
// namespace and name: the version is carried when the input shows it, but
// the same object is served under several versions, so it is not part of
// [ObjectRef.String] or of [ObjectRef.ID]. helm-diff itself keys objects
// the same way (its headers show the group only).
type ObjectRef struct {
	Group     string // API group; "" for the core group
	Version   string // API version, "" when the input does not show it
	Kind      string
	Namespace string // "" for cluster-scoped objects
	Name      string
}

// ObjectID is the identity of an [ObjectRef], usable as a map key.
type ObjectID struct {
	Group, Kind, Namespace, Name string
}

// ID returns the identity of r.
func (r ObjectRef) ID() ObjectID {
	return ObjectID{Group: r.Group, Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
}

// APIVersion returns group/version, the version alone for the core group,
// or the group alone when the version is unknown.
func (r ObjectRef) APIVersion() string {
	switch {
	case r.Group == "":
		return r.Version
	case r.Version == "":
		return r.Group
	}
	return r.Group + "/" + r.Version
}

// GroupKind returns Kind.group, or Kind for the core group.
func (r ObjectRef) GroupKind() string {
	if r.Group == "" {
		return r.Kind
	}
	return r.Kind + "." + r.Group
}

// String returns Kind[.group]/[namespace/]name, for example
// Deployment.apps/prod/api, Service/default/web or
// ClusterRole.rbac.authorization.k8s.io/system:reader. [ParseObjectRef]
// reads it back.
func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.GroupKind() + "/" + r.Name
	}
	return r.GroupKind() + "/" + r.Namespace + "/" + r.Name
}

// Display returns "Kind namespace/name" (or "Kind name"), the short form used
// in human output.
func (r ObjectRef) Display() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// ParseObjectRef reads the form printed by [ObjectRef.String]:
// Kind[.group]/[namespace/]name.
func ParseObjectRef(s string) (ObjectRef, error) {
	parts := strings.Split(s, "/")
	var r ObjectRef
	switch len(parts) {
	case 2:
		r.Name = parts[1]
	case 3:
		r.Namespace, r.Name = parts[1], parts[2]
		if r.Namespace == "" {
			return ObjectRef{}, fmt.Errorf("object reference %q: empty namespace (omit it for cluster-scoped objects)", s)
		}
	default:
		return ObjectRef{}, fmt.Errorf("object reference %q: want Kind[.group]/[namespace/]name", s)
	}
	gk := parts[0]
	if i := strings.IndexByte(gk, '.'); i >= 0 {
		r.Kind, r.Group = gk[:i], gk[i+1:]
		if r.Group == "" {
			return ObjectRef{}, fmt.Errorf("object reference %q: empty group after '.'", s)
		}
	} else {
		r.Kind = gk
	}
	if r.Kind == "" || !isKind(r.Kind) {
		return ObjectRef{}, fmt.Errorf("object reference %q: bad kind %q", s, r.Kind)
	}
	if r.Name == "" {
		return ObjectRef{}, fmt.Errorf("object reference %q: empty name", s)
	}
	return r, nil
}

func isKind(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// SplitAPIVersion splits an apiVersion such as apps/v1 into group and
// version; the core group's v1 gives ("", "v1").
func SplitAPIVersion(apiVersion string) (group, version string) {
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		return apiVersion[:i], apiVersion[i+1:]
	}
	return "", apiVersion
}

// clusterScoped lists the built-in cluster-scoped kinds, by GroupKind.
var clusterScoped = map[string]bool{
	"Namespace":                             true,
	"Node":                                  true,
	"PersistentVolume":                      true,
	"ComponentStatus":                       true,
	"ClusterRole.rbac.authorization.k8s.io": true,
	"ClusterRoleBinding.rbac.authorization.k8s.io":                  true,
	"StorageClass.storage.k8s.io":                                   true,
	"CSIDriver.storage.k8s.io":                                      true,
	"CSINode.storage.k8s.io":                                        true,
	"VolumeAttachment.storage.k8s.io":                               true,
	"VolumeAttributesClass.storage.k8s.io":                          true,
	"CustomResourceDefinition.apiextensions.k8s.io":                 true,
	"APIService.apiregistration.k8s.io":                             true,
	"PriorityClass.scheduling.k8s.io":                               true,
	"IngressClass.networking.k8s.io":                                true,
	"RuntimeClass.node.k8s.io":                                      true,
	"ValidatingWebhookConfiguration.admissionregistration.k8s.io":   true,
	"MutatingWebhookConfiguration.admissionregistration.k8s.io":     true,
	"ValidatingAdmissionPolicy.admissionregistration.k8s.io":        true,
	"ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io": true,
	"MutatingAdmissionPolicy.admissionregistration.k8s.io":          true,
	"MutatingAdmissionPolicyBinding.admissionregistration.k8s.io":   true,
	"CertificateSigningRequest.certificates.k8s.io":                 true,
	"FlowSchema.flowcontrol.apiserver.k8s.io":                       true,
	"PriorityLevelConfiguration.flowcontrol.apiserver.k8s.io":       true,
	"IPAddress.networking.k8s.io":                                   true,
	"ServiceCIDR.networking.k8s.io":                                 true,
	"DeviceClass.resource.k8s.io":                                   true,
	"ResourceSlice.resource.k8s.io":                                 true,
	"ClusterTrustBundle.certificates.k8s.io":                        true,
	"StorageVersionMigration.storagemigration.k8s.io":               true,
	"SelfSubjectReview.authentication.k8s.io":                       true,
	"TokenReview.authentication.k8s.io":                             true,
	"SubjectAccessReview.authorization.k8s.io":                      true,
	"SelfSubjectAccessReview.authorization.k8s.io":                  true,
	"SelfSubjectRulesReview.authorization.k8s.io":                   true,
	"StorageVersion.internal.apiserver.k8s.io":                      true,
}

// IsClusterScoped reports whether a built-in kind is cluster-scoped.
// helm-diff files cluster-scoped objects under the release namespace; the
// parsers use this to drop that misleading namespace.
func IsClusterScoped(group, kind string) bool {
	gk := kind
	if group != "" {
		gk = kind + "." + group
	}
	return clusterScoped[gk]
}

// ValidKind reports whether kind can name a kind of Kubernetes object: a
// CustomResourceDefinition's kind, lower-cased, must be an RFC 1035 label
// (letters, digits and '-', beginning with a letter), and the built-in
// kinds are such too. A reader refuses another (an altered header).
func ValidKind(kind string) bool {
	if kind == "" || len(kind) > 63 || !letter(kind[0]) || kind[len(kind)-1] == '-' {
		return false
	}
	for i := 1; i < len(kind); i++ {
		if c := kind[i]; !alnum(c) && c != '-' {
			return false
		}
	}
	return true
}

func letter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// ValidGroup reports whether group can name an API group: the core group
// (""), or a DNS subdomain of at most 253 characters (a
// CustomResourceDefinition's spec.group).
func ValidGroup(group string) bool {
	return group == "" || len(group) <= 253 && dnsSubdomain(group)
}
