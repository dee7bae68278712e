package kube

// helmInstallOrder is helm's InstallOrder (helm v3.22
// pkg/releaseutil/kind_sorter.go); helm v4 appends the webhook
// configurations (v4.3 pkg/release/v1/util/kind_sorter.go).
var helmInstallOrder = []string{
	"PriorityClass",
	"Namespace",
	"NetworkPolicy",
	"ResourceQuota",
	"LimitRange",
	"PodSecurityPolicy",
	"PodDisruptionBudget",
	"ServiceAccount",
	"Secret",
	"SecretList",
	"ConfigMap",
	"StorageClass",
	"PersistentVolume",
	"PersistentVolumeClaim",
	"CustomResourceDefinition",
	"ClusterRole",
	"ClusterRoleList",
	"ClusterRoleBinding",
	"ClusterRoleBindingList",
	"Role",
	"RoleList",
	"RoleBinding",
	"RoleBindingList",
	"Service",
	"DaemonSet",
	"Pod",
	"ReplicationController",
	"ReplicaSet",
	"Deployment",
	"HorizontalPodAutoscaler",
	"StatefulSet",
	"Job",
	"CronJob",
	"IngressClass",
	"Ingress",
	"APIService",
}

var helm4Extra = []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}

// HelmInstallOrder returns the kinds in the order helm (of the given major
// version: 3 or 4) installs and upgrades them. Kinds not listed come
// after all listed ones, sorted by name.
func HelmInstallOrder(helmMajor int) []string {
	out := append([]string{}, helmInstallOrder...)
	if helmMajor >= 4 {
		out = append(out, helm4Extra...)
	}
	return out
}

// HelmKindLess says whether helm applies objects of kind a before those of
// kind b, with helm's rule: listed kinds by the list, then unknown kinds
// alphabetically. Objects of the same kind keep their manifest order.
func HelmKindLess(order []string, a, b string) bool {
	ia, aok := position(order, a)
	ib, bok := position(order, b)
	switch {
	case !aok && !bok:
		return a < b
	case !aok:
		return false
	case !bok:
		return true
	}
	return ia < ib
}

func position(order []string, kind string) (int, bool) {
	for i, k := range order {
		if k == kind {
			return i, true
		}
	}
	return 0, false
}
