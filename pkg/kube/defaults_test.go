package kube_test

import (
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

// TestDefault: the API server's defaults that rules read, for the kinds
// that have the field, at that field only.
func TestDefault(t *testing.T) {
	tests := []struct {
		group, kind, path string
		want              string
		ok                bool
	}{
		{"apps", "Deployment", "spec.replicas", "1", true},
		{"apps", "StatefulSet", "spec.replicas", "1", true},
		{"apps", "ReplicaSet", "spec.replicas", "1", true},
		{"", "ReplicationController", "spec.replicas", "1", true},
		{"apps", "DaemonSet", "spec.replicas", "", false},                      // no such field
		{"autoscaling", "HorizontalPodAutoscaler", "spec.replicas", "", false}, // another kind
		{"apps", "Deployment", "spec.template.spec.replicas", "", false},       // another field
		{"apps", "Deployment", "spec", "", false},                              // the parent
		{"admissionregistration.k8s.io", "MutatingWebhookConfiguration", `webhooks[name=a].rules[0].scope`, "*", true},
		{"admissionregistration.k8s.io", "MutatingWebhookConfiguration", `webhooks[name=a].reinvocationPolicy`, "Never", true},
		{"admissionregistration.k8s.io", "ValidatingWebhookConfiguration", `webhooks[name=a].reinvocationPolicy`, "", false}, // a mutating webhook's only
		{"admissionregistration.k8s.io", "ValidatingWebhookConfiguration", `webhooks[name=a].clientConfig.service.port`, "443", true},
		// found on real charts: a new chart version writes out what the
		// server holds already (sealed-secrets' protocol: TCP)
		{"", "Service", `spec.ports[port=8080].protocol`, "TCP", true},
		{"apps", "Deployment", `spec.template.spec.containers[name=web].ports[containerPort=80].protocol`, "TCP", true},
		{"batch", "CronJob", `spec.jobTemplate.spec.template.spec.initContainers[name=init].ports[containerPort=80].protocol`, "TCP", true},
		{"apps", "DaemonSet", `spec.template.spec.containers[name=web].readinessProbe.successThreshold`, "1", true},
		{"", "Pod", `spec.containers[name=web].livenessProbe.httpGet.scheme`, "HTTP", true},
		{"apps", "StatefulSet", `spec.template.spec.containers[name=web].env[name=POD].valueFrom.fieldRef.apiVersion`, "v1", true},
		{"apps", "Deployment", `spec.template.spec.volumes[name=cfg].configMap.defaultMode`, "420", true},
		{"apps", "Deployment", `spec.template.spec.restartPolicy`, "Always", true},
		{"batch", "Job", `spec.template.spec.restartPolicy`, "", false}, // a Job's template must say OnFailure or Never
		{"batch", "CronJob", `spec.jobTemplate.spec.template.spec.restartPolicy`, "", false},
		{"apps", "Deployment", `spec.template.spec.containers[name=web].ports[containerPort=80].hostPort`, "", false}, // no default
		{"apps", "Deployment", `spec.template.spec.containers[name=web].livenessProbe.initialDelaySeconds`, "", false},
		{"", "Service", `spec.internalTrafficPolicy`, "", false}, // none for an ExternalName Service: not in the table
		{"apps", "DaemonSet", `spec.updateStrategy.rollingUpdate.maxUnavailable`, "1", true},
		{"apps", "Deployment", `spec.strategy.rollingUpdate.maxSurge`, "25%", true},
		{"batch", "CronJob", `spec.successfulJobsHistoryLimit`, "3", true},
		{"", "ConfigMap", `spec.template.spec.restartPolicy`, "", false}, // no pod spec
	}
	for _, tc := range tests {
		p, err := kube.ParsePath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := kube.Default(tc.group, tc.kind, p)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Default(%s/%s, %s) = %q, %v; want %q, %v", tc.group, tc.kind, tc.path, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := kube.Default("apps", "Deployment", kube.Path{kube.Field("spec"), kube.Gap{}, kube.Field("replicas")}); ok {
		t.Errorf("a path that is not exact has a default")
	}
}
