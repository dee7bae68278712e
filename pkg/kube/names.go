package kube

import (
	"fmt"
	"strings"
)

// NameRefusal says what the name of an object of group and kind must be,
// as the API server validates it on create, when name is not that; ""
// when it is, or when the kind is not one whose rule is known (a custom
// resource's name is up to its definition's validation).
func NameRefusal(group, kind, name string) string {
	rule, ok := nameRules[group+"/"+kind]
	if !ok {
		return ""
	}
	switch rule {
	case dns1035Name:
		if !dns1035Label(name) {
			return "a DNS label that begins with a letter (at most 63 lower-case letters, digits or '-', ending with a letter or digit)"
		}
	case dnsLabelName:
		if !dnsLabel(name) {
			return "a DNS label (at most 63 lower-case letters, digits or '-', beginning and ending with a letter or digit)"
		}
	case pathSegmentName:
		if name == "." || name == ".." || strings.ContainsAny(name, "/%") {
			return "a name without '/' or '%', and not '.' or '..'"
		}
	case subdomainName, cronJobName:
		if len(name) > 253 || !dnsSubdomain(name) {
			return "a DNS subdomain (at most 253 lower-case letters, digits, '-' or '.', each part beginning and ending with a letter or digit)"
		}
		if rule == cronJobName && len(name) > 52 {
			return fmt.Sprintf("at most 52 characters long (the Jobs it creates add 11), not %d", len(name))
		}
	}
	return ""
}

type nameRule uint8

const (
	subdomainName   nameRule = iota // apimachinery's NameIsDNSSubdomain
	dnsLabelName                    // NameIsDNSLabel
	dns1035Name                     // NameIsDNS1035Label
	pathSegmentName                 // path.ValidatePathSegmentName
	cronJobName                     // a subdomain of at most 52 characters
)

// nameRules are the name rules of the built-in kinds (pkg/apis/*/validation
// in k8s.io/kubernetes).
var nameRules = map[string]nameRule{
	"/Service":   dns1035Name,
	"/Namespace": dnsLabelName,

	"rbac.authorization.k8s.io/Role":               pathSegmentName,
	"rbac.authorization.k8s.io/ClusterRole":        pathSegmentName,
	"rbac.authorization.k8s.io/RoleBinding":        pathSegmentName,
	"rbac.authorization.k8s.io/ClusterRoleBinding": pathSegmentName,

	"batch/CronJob": cronJobName,

	"/Pod": subdomainName, "/ConfigMap": subdomainName, "/Secret": subdomainName,
	"/PersistentVolumeClaim": subdomainName, "/PersistentVolume": subdomainName,
	"/ServiceAccount": subdomainName, "/ReplicationController": subdomainName,
	"/Endpoints": subdomainName, "/LimitRange": subdomainName, "/ResourceQuota": subdomainName,
	"/PodTemplate":    subdomainName,
	"apps/Deployment": subdomainName, "apps/StatefulSet": subdomainName, "apps/DaemonSet": subdomainName,
	"apps/ReplicaSet": subdomainName, "apps/ControllerRevision": subdomainName,
	"batch/Job":                 subdomainName,
	"networking.k8s.io/Ingress": subdomainName, "networking.k8s.io/IngressClass": subdomainName,
	"networking.k8s.io/NetworkPolicy": subdomainName,
	"storage.k8s.io/StorageClass":     subdomainName, "storage.k8s.io/CSIDriver": subdomainName,
	"storage.k8s.io/VolumeAttachment":                             subdomainName,
	"policy/PodDisruptionBudget":                                  subdomainName,
	"autoscaling/HorizontalPodAutoscaler":                         subdomainName,
	"scheduling.k8s.io/PriorityClass":                             subdomainName,
	"node.k8s.io/RuntimeClass":                                    subdomainName,
	"discovery.k8s.io/EndpointSlice":                              subdomainName,
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration": subdomainName,
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":   subdomainName,
}

// dns1035Label is RFC 1035's label (validation.IsDNS1035Label): a DNS
// label that begins with a letter.
func dns1035Label(s string) bool {
	return dnsLabel(s) && s[0] >= 'a' && s[0] <= 'z'
}
