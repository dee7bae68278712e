package kube

import "sort"

// removedAPI is an entry of removedAPIs (schema_gen.go).
type removedAPI struct {
	group, version, kind string
	release              string
}

// RemovedIn returns the Kubernetes release ("1.22") from which the API
// server no longer serves kind in version of group, which k8s.io/api still
// defines (extensions/v1beta1 Ingress, policy/v1beta1 PodDisruptionBudget,
// batch/v1beta1 CronJob), or "" for a kind served still or not known
// (custom resources). Helm cannot build such an object: an upgrade that
// holds one, on either side, fails on a cluster of that release or later.
func RemovedIn(group, version, kind string) string {
	i := sort.Search(len(removedAPIs), func(i int) bool {
		r := &removedAPIs[i]
		if r.group != group {
			return r.group > group
		}
		if r.version != version {
			return r.version > version
		}
		return r.kind >= kind
	})
	if i < len(removedAPIs) {
		if r := &removedAPIs[i]; r.group == group && r.version == version && r.kind == kind {
			return r.release
		}
	}
	return ""
}
