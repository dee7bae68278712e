package kube

// serverDefaults are the values the API server gives fields that a request
// leaves out or sets to null, where a rule reads the value: a chart that
// stops setting spec.replicas scales its workload to 1 (helm's patch
// removes the field, and the API server's defaulting sets it again). Keyed
// by group/kind, then by path.
//
// Source: pkg/apis/apps/v1/defaults.go (SetDefaults_Deployment,
// SetDefaults_StatefulSet, SetDefaults_ReplicaSet) and
// pkg/apis/core/v1/defaults.go (SetDefaults_ReplicationController),
// pkg/apis/batch/v1/defaults.go (SetDefaults_Job: parallelism 1,
// backoffLimit 6 without backoffLimitPerIndex, completionMode NonIndexed);
// and, for fields that may not change once set, whose default written out
// or taken away changes nothing: pkg/apis/apps/v1/defaults.go
// (podManagementPolicy OrderedReady), pkg/apis/core/v1/defaults.go
// (SetDefaults_Secret: type Opaque; SetDefaults_PersistentVolumeClaimSpec:
// volumeMode Filesystem; SetDefaults_Service: type ClusterIP,
// sessionAffinity None), pkg/apis/storage/v1/defaults.go
// (SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode
// Immediate), pkg/apis/scheduling/v1/defaults.go (SetDefaults_PriorityClass:
// preemptionPolicy PreemptLowerPriority).
var serverDefaults = map[string]map[string]string{
	"apps/Deployment":                 {"spec.replicas": "1"},
	"apps/StatefulSet":                {"spec.replicas": "1", "spec.updateStrategy.rollingUpdate.partition": "0", "spec.podManagementPolicy": "OrderedReady"},
	"apps/ReplicaSet":                 {"spec.replicas": "1"},
	"/ReplicationController":          {"spec.replicas": "1"},
	"batch/Job":                       {"spec.parallelism": "1", "spec.backoffLimit": "6", "spec.completionMode": "NonIndexed"},
	"/Secret":                         {"type": "Opaque"},
	"/PersistentVolumeClaim":          {"spec.volumeMode": "Filesystem"},
	"/Service":                        {"spec.type": "ClusterIP", "spec.sessionAffinity": "None"},
	"storage.k8s.io/StorageClass":     {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"},
	"scheduling.k8s.io/PriorityClass": {"preemptionPolicy": "PreemptLowerPriority"},
}

// Default returns the value the API server gives field p of an object of
// group and kind when a request leaves it out or sets it to null, for the
// fields whose default a rule reads (spec.replicas of the workloads that
// have it) or that may not change once set (a Secret's type); ok is false
// for any other field.
func Default(group, kind string, p Path) (value string, ok bool) {
	fields, ok := serverDefaults[group+"/"+kind]
	if !ok {
		return "", false
	}
	value, ok = fields[p.String()]
	return value, ok
}
