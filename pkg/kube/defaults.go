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
// backoffLimit 6 without backoffLimitPerIndex).
var serverDefaults = map[string]map[string]string{
	"apps/Deployment":        {"spec.replicas": "1"},
	"apps/StatefulSet":       {"spec.replicas": "1", "spec.updateStrategy.rollingUpdate.partition": "0"},
	"apps/ReplicaSet":        {"spec.replicas": "1"},
	"/ReplicationController": {"spec.replicas": "1"},
	"batch/Job":              {"spec.parallelism": "1", "spec.backoffLimit": "6"},
}

// Default returns the value the API server gives field p of an object of
// group and kind when a request leaves it out or sets it to null, for the
// fields whose default a rule reads (spec.replicas of the workloads that
// have it); ok is false for any other field.
func Default(group, kind string, p Path) (value string, ok bool) {
	fields, ok := serverDefaults[group+"/"+kind]
	if !ok {
		return "", false
	}
	value, ok = fields[p.String()]
	return value, ok
}
