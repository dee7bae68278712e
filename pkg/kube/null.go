package kube

import "strings"

// A null written out where the release's manifest left a field out (or
// taken away where it wrote a null) is the field left out to the API
// server: it decodes a null as no value. It is not nothing to helm 3:
// its three-way patch sets the field to null, which deletes what the
// live object holds there beyond the chart. Where nothing but the chart
// writes a field, the live object holds there what the manifest gave it
// (nothing) or what the server's defaulting gave it (set again at once):
// the object does not change. Elsewhere the patch clears what another
// writer put there, and the rules decide as for a removal.

// nullKinds are the kinds whose fields nothing but their chart and the
// server's defaulting write, bar those of nullWritten (group/kind). Not a
// Pod, whose fields admission plugins and the scheduler set (a null
// clears them, and a Pod may not change), nor a custom resource, whose
// operator may write its spec.
var nullKinds = map[string]bool{
	"apps/Deployment": true, "apps/StatefulSet": true, "apps/DaemonSet": true,
	"batch/Job": true, "batch/CronJob": true,
	"/Service": true, "/PersistentVolumeClaim": true,
	"networking.k8s.io/Ingress": true, "networking.k8s.io/NetworkPolicy": true,
	"policy/PodDisruptionBudget": true, "autoscaling/HorizontalPodAutoscaler": true,
}

// nullWritten are the fields of nullKinds that others than the chart
// write. Besides these, every object's and template's metadata (labels
// and annotations that tools write: kubectl rollout restart's
// restartedAt) is written by others.
//
// Source (k8s v1.37.2): a workload's replicas (the scale subresource:
// HorizontalPodAutoscaler, kubectl scale) and pause (kubectl rollout
// pause); a StatefulSet's partition (staged rollouts); a Job's generated
// selector (pkg/registry/batch/job/strategy.go generateSelector), its
// suspension (kubectl patch, Kueue); a claim's volume, class
// (plugin/pkg/admission/storage/storageclass/setdefault; the binder,
// pkg/controller/volume/persistentvolume; its data source, though, is
// the chart's alone: the registry copies dataSource and dataSourceRef
// into each other where the chart set one); a Service's
// allocated addresses and ports (pkg/registry/core/service/storage); an
// Ingress's class (plugin/pkg/admission/network/defaultingressclass).
var nullWritten = map[string][]string{
	"apps/Deployment":           {"spec.replicas", "spec.paused"},
	"apps/StatefulSet":          {"spec.replicas", "spec.updateStrategy.rollingUpdate.partition"},
	"batch/Job":                 {"spec.selector", "spec.manualSelector", "spec.suspend"},
	"batch/CronJob":             {"spec.suspend", "spec.jobTemplate.spec.selector", "spec.jobTemplate.spec.manualSelector"},
	"/PersistentVolumeClaim":    {"spec.volumeName", "spec.storageClassName", "spec.volumeAttributesClassName", "spec.volumeMode"},
	"/Service":                  {"spec.clusterIP", "spec.clusterIPs", "spec.ipFamilies", "spec.ipFamilyPolicy", "spec.ports.*.nodePort", "spec.healthCheckNodePort", "spec.loadBalancerIP"},
	"networking.k8s.io/Ingress": {"spec.ingressClassName"},
}

// NullIsAbsent reports whether a null at field p of an object of group
// and kind (of schema t), written out where the release's manifest left
// the field out, or taken away where it wrote a null, leaves the live
// object as it is: a field the schema declares, that nothing but the
// chart and the server's defaulting writes.
func NullIsAbsent(t *Type, group, kind string, p Path) bool {
	gk := group + "/" + kind
	if !nullKinds[gk] || len(p) == 0 || !p.Exact() || t.At(p) == nil {
		return false
	}
	for _, s := range p {
		if s == Field("metadata") {
			return false
		}
	}
	for _, w := range nullWritten[gk] {
		if overlaps(strings.Split(w, "."), p) {
			return false
		}
	}
	return true
}

// overlaps reports whether field w (its steps, "*" for any list item)
// is p, below p (a null there clears it too) or above it.
func overlaps(w []string, p Path) bool {
	for i := 0; i < len(w) && i < len(p); i++ {
		switch s := p[i].(type) {
		case Field:
			if w[i] != string(s) {
				return false
			}
		default:
			if w[i] != "*" {
				return false
			}
		}
	}
	return true
}
