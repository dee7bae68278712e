package manifest

import "sort"

// installOrder is helm's InstallOrder (helm v3.22
// pkg/releaseutil/kind_sorter.go); helm v4 appends the webhook
// configurations (v4.3 pkg/release/v1/util/kind_sorter.go).
var installOrder = []string{
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

// InstallOrder returns the kinds in the order helm (of the given major
// version: 3 or 4) installs and upgrades them. Kinds not listed come
// after all listed ones, sorted by name.
func InstallOrder(helmMajor int) []string {
	out := append([]string{}, installOrder...)
	if helmMajor >= 4 {
		out = append(out, helm4Extra...)
	}
	return out
}

// KindLess says whether helm applies objects of kind a before those of
// kind b, with helm's rule: listed kinds by the list, then unknown kinds
// alphabetically. Objects of the same kind keep their manifest order.
func KindLess(order []string, a, b string) bool {
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

// SortForInstall sorts objects into helm's install order, keeping the
// manifest order within a kind, as helm's sortManifestsByKind does.
func SortForInstall(objs []Object, helmMajor int) {
	order := InstallOrder(helmMajor)
	sort.SliceStable(objs, func(i, j int) bool { return KindLess(order, objs[i].Ref.Kind, objs[j].Ref.Kind) })
}
