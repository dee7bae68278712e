package kube

import (
	"cmp"
	"slices"
	"strings"
)

// apiKey is a kind of a version of an API group.
type apiKey struct {
	group, version, kind string
}

func (a apiKey) compare(b apiKey) int {
	return cmp.Or(strings.Compare(a.group, b.group), strings.Compare(a.version, b.version), strings.Compare(a.kind, b.kind))
}

// removedAPI is an entry of removedAPIs (schema_gen.go).
type removedAPI struct {
	group, version, kind string
	release              string
}

func (r removedAPI) key() apiKey { return apiKey{r.group, r.version, r.kind} }

// RemovedIn returns the Kubernetes release ("1.22") from which the API
// server no longer serves kind in version of group, which k8s.io/api still
// defines (extensions/v1beta1 Ingress, policy/v1beta1 PodDisruptionBudget,
// batch/v1beta1 CronJob), or "" for a kind served still or not known
// (custom resources). Helm cannot build such an object: an upgrade that
// holds one, on either side, fails on a cluster of that release or later.
func RemovedIn(group, version, kind string) string {
	i, ok := slices.BinarySearchFunc(removedAPIs, apiKey{group, version, kind}, func(r removedAPI, k apiKey) int { return r.key().compare(k) })
	if !ok {
		return ""
	}
	return removedAPIs[i].release
}

// BuiltinGroup reports whether group is one of the API groups Kubernetes
// serves itself (k8s.io/api's, apiextensions.k8s.io and
// apiregistration.k8s.io, "" for the core group).
func BuiltinGroup(group string) bool {
	i, _ := slices.BinarySearchFunc(definedAPIs, group, func(d apiKey, g string) int { return strings.Compare(d.group, g) })
	return i < len(definedAPIs) && definedAPIs[i].group == group
}

// Defines reports whether Kubernetes defines kind in version of group,
// served still or removed (see [RemovedIn]). In a built-in group
// ([BuiltinGroup]) no other kind exists: custom resources need a group of
// their own, and the API server maps no other kind there.
func Defines(group, version, kind string) bool {
	_, ok := slices.BinarySearchFunc(definedAPIs, apiKey{group, version, kind}, apiKey.compare)
	return ok
}

// DefinedKinds returns every kind Kubernetes defines in its built-in
// groups ([Defines]), each once, with or without a built-in schema
// ([KnownKinds]), in a stable order.
func DefinedKinds() []GroupKind {
	var out []GroupKind
	seen := map[GroupKind]bool{}
	for _, d := range definedAPIs {
		if gk := (GroupKind{d.group, d.kind}); !seen[gk] {
			seen[gk] = true
			out = append(out, gk)
		}
	}
	return out
}

// BuiltinGroups returns the API groups Kubernetes serves itself
// ([BuiltinGroup]), in order.
func BuiltinGroups() []string {
	var out []string
	for _, d := range definedAPIs {
		if len(out) == 0 || out[len(out)-1] != d.group {
			out = append(out, d.group)
		}
	}
	return out
}
