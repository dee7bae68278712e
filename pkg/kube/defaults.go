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
var serverDefaults = map[string]map[string]string{
	"apps/Deployment":                 {"spec.replicas": "1"},
	"apps/StatefulSet":                {"spec.replicas": "1", "spec.updateStrategy.rollingUpdate.partition": "0", "spec.podManagementPolicy": "OrderedReady", "spec.volumeClaimTemplates[?].spec.volumeMode": "Filesystem"},
	"apps/ReplicaSet":                 {"spec.replicas": "1"},
	"/ReplicationController":          {"spec.replicas": "1"},
	"batch/Job":                       {"spec.parallelism": "1", "spec.backoffLimit": "6", "spec.completionMode": "NonIndexed"},
	"/Secret":                         {"type": "Opaque"},
	"/PersistentVolumeClaim":          {"spec.volumeMode": "Filesystem"},
	"/Service":                        {"spec.type": "ClusterIP", "spec.sessionAffinity": "None"},
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
// ControllerRevision), not its value, so one quantity written in another
// format (1Gi, 1073741824) is a new revision, and the pods are replaced.
// (A Deployment compares templates by value.)
func TemplateBytes(group, kind string, p Path) bool {
	if group != "apps" || kind != "StatefulSet" && kind != "DaemonSet" || len(p) < 2 {
		return false
	}
	return p[0] == Field("spec") && p[1] == Field("template")
}
