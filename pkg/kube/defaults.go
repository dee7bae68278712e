package kube

import (
	"slices"
	"strings"
)

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
// volumeMode Filesystem, of a claim and of a StatefulSet's claim templates
// (pkg/apis/apps/v1/zz_generated.defaults.go); SetDefaults_Service: type ClusterIP,
// sessionAffinity None), pkg/apis/storage/v1/defaults.go
// (SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode
// Immediate; SetDefaults_CSIDriver: attachRequired true), pkg/apis/scheduling/v1/defaults.go (SetDefaults_PriorityClass:
// preemptionPolicy PreemptLowerPriority), pkg/apis/admissionregistration/v1/defaults.go
// (SetDefaults_ValidatingWebhook, SetDefaults_MutatingWebhook, SetDefaults_Rule,
// SetDefaults_ServiceReference: failurePolicy Fail, matchPolicy Equivalent,
// timeoutSeconds 10, reinvocationPolicy Never, a rule's scope "*", a
// service's port 443).
//
// And the defaults charts most often write out (a chart made from kubectl
// get's output, or a new chart version that spells them), whose value
// written out or taken away is the object the server holds already:
// SetDefaults_Deployment (revisionHistoryLimit 10, progressDeadlineSeconds
// 600, strategy RollingUpdate of 25% and 25%), SetDefaults_StatefulSet
// (revisionHistoryLimit 10, updateStrategy RollingUpdate, claim retention
// Retain), SetDefaults_DaemonSet (revisionHistoryLimit 10, updateStrategy
// RollingUpdate of maxUnavailable 1 and maxSurge 0), SetDefaults_CronJob
// (concurrencyPolicy Allow, suspend false, history limits 3 and 1),
// SetDefaults_ServicePort (protocol TCP), and in every pod spec
// (podSpecDefaults) SetDefaults_PodSpec, SetDefaults_Container,
// SetDefaults_ContainerPort, SetDefaults_Probe, SetDefaults_HTTPGetAction,
// SetDefaults_ObjectFieldSelector and the volume sources' default modes
// (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go,
// pkg/apis/batch/v1/defaults.go, k8s v1.37.2). The stored object, the
// template a StatefulSet's or DaemonSet's controller hashes included,
// holds the defaults already.
var serverDefaults = withPodSpecDefaults(map[string]map[string]string{
	"apps/Deployment": {"spec.replicas": "1", "spec.revisionHistoryLimit": "10", "spec.progressDeadlineSeconds": "600",
		"spec.strategy.type": "RollingUpdate", "spec.strategy.rollingUpdate.maxSurge": "25%", "spec.strategy.rollingUpdate.maxUnavailable": "25%"},
	"apps/StatefulSet": {"spec.replicas": "1", "spec.updateStrategy.rollingUpdate.partition": "0", "spec.podManagementPolicy": "OrderedReady", "spec.volumeClaimTemplates[?].spec.volumeMode": "Filesystem",
		"spec.revisionHistoryLimit": "10", "spec.updateStrategy.type": "RollingUpdate",
		"spec.persistentVolumeClaimRetentionPolicy.whenDeleted": "Retain", "spec.persistentVolumeClaimRetentionPolicy.whenScaled": "Retain"},
	"apps/DaemonSet": {"spec.revisionHistoryLimit": "10", "spec.updateStrategy.type": "RollingUpdate",
		"spec.updateStrategy.rollingUpdate.maxUnavailable": "1", "spec.updateStrategy.rollingUpdate.maxSurge": "0"},
	"apps/ReplicaSet":        {"spec.replicas": "1"},
	"/ReplicationController": {"spec.replicas": "1"},
	"batch/Job":              {"spec.parallelism": "1", "spec.backoffLimit": "6", "spec.completionMode": "NonIndexed"},
	"batch/CronJob": {"spec.concurrencyPolicy": "Allow", "spec.suspend": "false",
		"spec.successfulJobsHistoryLimit": "3", "spec.failedJobsHistoryLimit": "1"},
	"/Secret":                         {"type": "Opaque"},
	"/PersistentVolumeClaim":          {"spec.volumeMode": "Filesystem"},
	"/Service":                        {"spec.type": "ClusterIP", "spec.sessionAffinity": "None", "spec.ports[?].protocol": "TCP"},
	"storage.k8s.io/StorageClass":     {"reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"},
	"storage.k8s.io/CSIDriver":        {"spec.attachRequired": "true"},
	"scheduling.k8s.io/PriorityClass": {"preemptionPolicy": "PreemptLowerPriority"},
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration": {
		"webhooks[?].failurePolicy": "Fail", "webhooks[?].matchPolicy": "Equivalent", "webhooks[?].timeoutSeconds": "10",
		"webhooks[?].rules[?].scope": "*", "webhooks[?].clientConfig.service.port": "443",
	},
	"admissionregistration.k8s.io/MutatingWebhookConfiguration": {
		"webhooks[?].failurePolicy": "Fail", "webhooks[?].matchPolicy": "Equivalent", "webhooks[?].timeoutSeconds": "10",
		"webhooks[?].rules[?].scope": "*", "webhooks[?].clientConfig.service.port": "443", "webhooks[?].reinvocationPolicy": "Never",
	},
})

// podSpecPaths are where a kind of the apps, batch and core groups holds
// its pod spec.
var podSpecPaths = map[string]Path{
	"/Pod":                   {Field("spec")},
	"/PodTemplate":           {Field("template"), Field("spec")},
	"/ReplicationController": {Field("spec"), Field("template"), Field("spec")},
	"apps/Deployment":        {Field("spec"), Field("template"), Field("spec")},
	"apps/StatefulSet":       {Field("spec"), Field("template"), Field("spec")},
	"apps/DaemonSet":         {Field("spec"), Field("template"), Field("spec")},
	"apps/ReplicaSet":        {Field("spec"), Field("template"), Field("spec")},
	"batch/Job":              {Field("spec"), Field("template"), Field("spec")},
	"batch/CronJob":          {Field("spec"), Field("jobTemplate"), Field("spec"), Field("template"), Field("spec")},
}

// PodSpecPath returns where an object of group and kind holds its pod
// spec; ok is false for a kind without one. Read it, never change it.
func PodSpecPath(group, kind string) (p Path, ok bool) {
	p, ok = podSpecPaths[group+"/"+kind]
	return slices.Clip(p), ok
}

// podSpecDefaults are the defaults of a pod spec's fields, from the pod
// spec (see serverDefaults). restartPolicy Always is a default of the
// kinds but a Job's, whose template must say OnFailure or Never.
var podSpecDefaults = func() map[string]string {
	m := map[string]string{
		"dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": "30", "schedulerName": "default-scheduler",
		"enableServiceLinks":                                  "true",
		"volumes[?].secret.defaultMode":                       "420",
		"volumes[?].configMap.defaultMode":                    "420",
		"volumes[?].projected.defaultMode":                    "420",
		"volumes[?].downwardAPI.defaultMode":                  "420",
		"volumes[?].downwardAPI.items[?].fieldRef.apiVersion": "v1",
	}
	for _, list := range []string{"containers", "initContainers"} {
		c := list + "[?]."
		m[c+"terminationMessagePath"] = "/dev/termination-log"
		m[c+"terminationMessagePolicy"] = "File"
		m[c+"ports[?].protocol"] = "TCP"
		m[c+"env[?].valueFrom.fieldRef.apiVersion"] = "v1"
		for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
			m[c+probe+".timeoutSeconds"] = "1"
			m[c+probe+".periodSeconds"] = "10"
			m[c+probe+".successThreshold"] = "1"
			m[c+probe+".failureThreshold"] = "3"
			m[c+probe+".httpGet.path"] = "/"
			m[c+probe+".httpGet.scheme"] = "HTTP"
		}
		for _, hook := range []string{"postStart", "preStop"} {
			m[c+"lifecycle."+hook+".httpGet.path"] = "/"
			m[c+"lifecycle."+hook+".httpGet.scheme"] = "HTTP"
		}
	}
	return m
}()

// withPodSpecDefaults adds to table the pod spec defaults of every kind
// with a pod spec.
func withPodSpecDefaults(table map[string]map[string]string) map[string]map[string]string {
	for gk, base := range podSpecPaths {
		fields := table[gk]
		if fields == nil {
			fields = map[string]string{}
			table[gk] = fields
		}
		for p, v := range podSpecDefaults {
			fields[base.String()+"."+p] = v
		}
		if gk != "batch/Job" && gk != "batch/CronJob" {
			fields[base.String()+".restartPolicy"] = "Always"
		}
	}
	return table
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
	if value, ok = fields[p.String()]; ok {
		return value, true
	}
	// a field of any item of a list: "[?]" in the table (of a kind that
	// has one; a review asks this of every change)
	if !itemDefaults[group+"/"+kind] {
		return "", false
	}
	items := false
	for _, st := range p {
		switch st.(type) {
		case Index, Key:
			items = true
		}
	}
	if !items {
		return "", false
	}
	q := slices.Clone(p)
	for i, st := range q {
		switch st.(type) {
		case Index, Key:
			q[i] = AnyItem{}
		}
	}
	value, ok = fields[q.String()]
	return value, ok
}

// itemDefaults are the kinds of serverDefaults with a field of any list
// item ("[?]").
var itemDefaults = func() map[string]bool {
	m := map[string]bool{}
	for gk, fields := range serverDefaults {
		for p := range fields {
			if strings.Contains(p, "[?]") {
				m[gk] = true
			}
		}
	}
	return m
}()

// emptyAsAbsent are the struct fields whose empty value ({}) the API
// server holds exactly as it holds the field left out: fields of a struct
// type that is no pointer (a container's resources, a claim's resources,
// a pod template's metadata), and pointers that defaulting sets to an
// empty value where a request leaves them out (a pod's securityContext:
// SetDefaults_PodSpec, pkg/apis/core/v1/defaults.go).
var emptyAsAbsent = []Pattern{
	MustParsePattern("**.containers[*].resources"),
	MustParsePattern("**.initContainers[*].resources"),
	MustParsePattern("**.ephemeralContainers[*].resources"),
	MustParsePattern("**.template.metadata"),
	MustParsePattern("**.template.spec.securityContext"),
	MustParsePattern("spec.volumeClaimTemplates[*].spec.resources"),
}

// emptyAsAbsentKinds are the fields of emptyAsAbsent that only one kind
// has at its top (group/kind).
var emptyAsAbsentKinds = map[string][]Pattern{
	"/PersistentVolumeClaim": {MustParsePattern("spec.resources")},
	"/Pod":                   {MustParsePattern("spec.securityContext")},
}

// emptyIsValue are the map fields whose empty value the API server holds
// apart from none: ValidateConfigMapUpdate and ValidateSecretUpdate (and
// ValidateVolumeAttributesClassUpdate) hold an immutable object's maps
// with reflect.DeepEqual, to which an empty map is not a nil one
// (pkg/apis/core/validation/validation.go).
var emptyIsValue = map[string][]string{
	"/ConfigMap":                           {"data", "binaryData"},
	"/Secret":                              {"data", "stringData"},
	"storage.k8s.io/VolumeAttributesClass": {"parameters"},
}

// EmptyIsAbsent reports whether an empty value of field p of an object of
// group and kind, whose schema is t, is what the API server holds where
// the field is left out, so that writing it out changes nothing: list is
// whether the value is [] (else {}). Every list and map field (the
// server's comparison takes an empty list or map as none, and the JSON it
// stores leaves both out) but those of emptyIsValue, and the struct fields
// of emptyAsAbsent. An empty value of the other shape is no value the
// field takes: the server refuses it.
func EmptyIsAbsent(t *Type, group, kind string, p Path, list bool) bool {
	ft := t.At(p)
	if ft == nil || !p.Exact() || list != (ft.Kind == ListType) {
		return false
	}
	switch ft.Kind {
	case MapType, ListType:
		return !slices.Contains(emptyIsValue[group+"/"+kind], p.String())
	case StructType:
		for _, pat := range slices.Concat(emptyAsAbsent, emptyAsAbsentKinds[group+"/"+kind]) {
			if pat.Match(p) == Yes {
				return true
			}
		}
	}
	return false
}

// TemplateBytes reports whether field p of an object of group and kind is
// in a pod template that its controller holds by its bytes: the
// StatefulSet and DaemonSet controllers compare the template's JSON (a
// ControllerRevision), not its value, so one quantity stored in another
// form (1Gi, 1073741824) is a new revision, and the pods are replaced.
// (A Deployment compares templates by value.) The JSON is the stored
// object's, each quantity in its canonical form: 1024Mi is stored as 1Gi.
func TemplateBytes(group, kind string, p Path) bool {
	if group != "apps" || kind != "StatefulSet" && kind != "DaemonSet" || len(p) < 2 {
		return false
	}
	return p[0] == Field("spec") && p[1] == Field("template")
}
