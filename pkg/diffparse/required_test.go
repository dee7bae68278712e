package diffparse_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// TestWhatAKindRequires: fields the API server requires of a kind, or of
// a type of it, and refuses the object without: a claim's access mode and
// size (in a PersistentVolumeClaim and in a StatefulSet's claim template),
// the keys a Secret's type requires (in data or stringData, which the
// server merges), the account a service account token names, the fields
// a Service's type takes or requires, what RBAC rules and bindings must
// name, what an autoscaler's metrics must set, and a pod template's
// container. Each case is held to the API server in the end-to-end suite.
func TestWhatAKindRequires(t *testing.T) {
	created := func(kind, doc string) string {
		return "default, x, " + kind + " has been added:\n- \n+ " + strings.ReplaceAll(strings.TrimSuffix(doc, "\n"), "\n", "\n+ ") + "\n"
	}
	claim := func(spec string) string {
		return created("PersistentVolumeClaim (v1)", "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: x\nspec:\n"+spec)
	}
	secret := func(typ, data string) string {
		return created("Secret (v1)", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ntype: "+typ+"\n"+data)
	}
	service := func(spec string) string {
		return created("Service (v1)", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n"+spec)
	}
	hpa := func(metrics string) string {
		return created("HorizontalPodAutoscaler (autoscaling)", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: x\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: x}\n  maxReplicas: 5\n  metrics: "+metrics+"\n")
	}
	rbac := func(kind, body string) string {
		return created(kind+" (rbac.authorization.k8s.io)", "apiVersion: rbac.authorization.k8s.io/v1\nkind: "+kind+"\nmetadata:\n  name: x\n"+body)
	}
	depl := func(spec string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n" + spec
	}
	const sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: x\nspec:\n  serviceName: x\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n      - name: x\n        image: x\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n"
	tests := []struct {
		name, diff, want string
	}{
		{"a pod template of no containers", created("Deployment (apps)", depl("      containers: []\n")), "spec.template.spec.containers must name at least one container"},
		{"a pod template of null containers", created("Deployment (apps)", depl("      containers: ~\n")), "spec.template.spec.containers must name at least one container"},
		{"a pod template without containers", created("Deployment (apps)", depl("      restartPolicy: Always\n")), "spec.template.spec.containers must name at least one container (the pod spec has none)"},
		{"a pod template of one container", created("Deployment (apps)", depl("      containers: [{name: x, image: x}]\n")), ""},
		{"a claim without an access mode", claim("  resources: {requests: {storage: 1Gi}}\n"), "spec.accessModes must name at least one access mode"},
		{"a claim of no access modes", claim("  accessModes: []\n  resources: {requests: {storage: 1Gi}}\n"), "spec.accessModes must name at least one access mode"},
		{"a claim without a storage request", claim("  accessModes: [ReadWriteOnce]\n"), "spec.resources.requests.storage must be set"},
		{"a claim of both", claim("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"), ""},
		{"a claim template without a storage request", created("StatefulSet (apps)", sts+"      accessModes: [ReadWriteOnce]\n"), "spec.volumeClaimTemplates[name=data].spec.resources.requests.storage must be set"},
		{"a claim template of both", created("StatefulSet (apps)", sts+"      accessModes: [ReadWriteOnce]\n      resources: {requests: {storage: 1Gi}}\n"), ""},
		{"a TLS Secret without its key", secret("kubernetes.io/tls", "data:\n  tls.crt: aGVsbG8=\n"), `data of a Secret of type kubernetes.io/tls must hold "tls.key"`},
		{"a TLS Secret, a key in stringData", secret("kubernetes.io/tls", "data:\n  tls.crt: aGVsbG8=\nstringData:\n  tls.key: x\n"), ""},
		{"a docker config Secret without it", secret("kubernetes.io/dockerconfigjson", "data:\n  config.json: e30=\n"), `must hold ".dockerconfigjson"`},
		{"a basic-auth Secret of neither", secret("kubernetes.io/basic-auth", "data:\n  user: aGVsbG8=\n"), `must hold "username" or "password"`},
		{"a basic-auth Secret of a password", secret("kubernetes.io/basic-auth", "data:\n  password: aGVsbG8=\n"), ""},
		{"a service account token without its account", secret("kubernetes.io/service-account-token", ""), `metadata.annotations["kubernetes.io/service-account.name"] must name the service account`},
		{"a service account token of an account", strings.Replace(secret("kubernetes.io/service-account-token", ""), "+   name: x\n", "+   name: x\n+   annotations: {kubernetes.io/service-account.name: app}\n", 1), ""},
		{"an Opaque Secret of any keys", secret("Opaque", "data:\n  a: aGVsbG8=\n"), ""},
		{"a ClusterIP Service of a nodePort", service("  ports: [{port: 80, nodePort: 30080}]\n"), "spec.ports nodePort may not be set for a Service of type ClusterIP"},
		{"a NodePort Service of a nodePort", service("  type: NodePort\n  ports: [{port: 80, nodePort: 30080}]\n"), ""},
		{"a ClusterIP Service of an external traffic policy", service("  externalTrafficPolicy: Local\n  ports: [{port: 80}]\n"), "spec.externalTrafficPolicy may be set only for a Service reachable from outside"},
		{"a ClusterIP Service of external IPs and a traffic policy", service("  externalTrafficPolicy: Local\n  externalIPs: [192.0.2.1]\n  ports: [{port: 80}]\n"), ""},
		{"a headless LoadBalancer", service("  type: LoadBalancer\n  clusterIP: None\n  ports: [{port: 80}]\n"), "spec.clusterIP may not be None for a Service of type LoadBalancer"},
		{"a Service without ports", service("  ports: []\n"), "spec.ports must hold a port"},
		{"a Service of no ports field", service("  selector: {app: x}\n"), "spec.ports must hold a port"},
		{"a headless Service without ports", service("  clusterIP: None\n"), ""},
		{"an ExternalName Service without ports", service("  type: ExternalName\n  externalName: db.example.com\n"), ""},
		{"an ExternalName Service without its name", service("  type: ExternalName\n"), "spec.externalName must be set for a Service of type ExternalName"},
		{"an ExternalName Service of a cluster IP", service("  type: ExternalName\n  externalName: db.example.com\n  clusterIP: None\n"), "spec.clusterIP may not be set for a Service of type ExternalName"},
		{"source ranges of a NodePort Service", service("  type: NodePort\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 80}]\n"), "spec.loadBalancerSourceRanges may be set only for a Service of type LoadBalancer"},
		{"a Role's rule of no verbs", rbac("Role", "rules:\n- {apiGroups: [''], resources: [pods], verbs: []}\n"), "rules[0].verbs must name at least one verb"},
		{"a Role's rule without an API group", rbac("Role", "rules:\n- {resources: [pods], verbs: [get]}\n"), "rules[0].apiGroups must name at least one API group"},
		{"a Role's rule without resources", rbac("Role", "rules:\n- {apiGroups: [apps], verbs: [get]}\n"), "rules[0].resources must name at least one resource"},
		{"a Role's rule of non-resource URLs", rbac("Role", "rules:\n- {nonResourceURLs: [/metrics], verbs: [get]}\n"), "rules[0].nonResourceURLs may not be in a Role"},
		{"a ClusterRole's rule of non-resource URLs", rbac("ClusterRole", "rules:\n- {nonResourceURLs: [/metrics], verbs: [get]}\n"), ""},
		{"a ClusterRole's rule of both", rbac("ClusterRole", "rules:\n- {nonResourceURLs: [/metrics], resources: [pods], verbs: [get]}\n"), "rules[0] may not name both resources and nonResourceURLs"},
		{"a ClusterRole of core resources", rbac("ClusterRole", "rules:\n- {apiGroups: [''], resources: [pods], verbs: [get, list]}\n"), ""},
		{"a ClusterRoleBinding of a service account without a namespace", rbac("ClusterRoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: app}\n"), "subjects[0].namespace must name the ServiceAccount's namespace"},
		{"a RoleBinding of a service account without a namespace", rbac("RoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: view}\nsubjects:\n- {kind: ServiceAccount, name: app}\n"), ""},
		{"a ClusterRoleBinding of a Role", rbac("ClusterRoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: view}\nsubjects:\n- {kind: User, name: ann}\n"), "roleRef.kind must be ClusterRole"},
		{"a binding of a subject kind in another case", rbac("RoleBinding", "roleRef: {kind: ClusterRole, name: view}\nsubjects:\n- {kind: serviceaccount, name: app}\n"), "subjects[0].kind must be ServiceAccount, User or Group"},
		{"a binding of a user of another API group", rbac("RoleBinding", "roleRef: {kind: ClusterRole, name: view}\nsubjects:\n- {kind: User, name: ann, apiGroup: v1}\n"), "subjects[0].apiGroup must be rbac.authorization.k8s.io for a User"},
		{"a binding of a group", rbac("RoleBinding", "roleRef: {kind: ClusterRole, name: view}\nsubjects:\n- {kind: Group, name: devs}\n"), ""},
		{"an autoscaler metric without its source", hpa("[{type: Resource}]"), "spec.metrics[0].resource must be set for a metric of type Resource"},
		{"an autoscaler metric of another source beside", hpa("[{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}, pods: {metric: {name: x}, target: {type: AverageValue, averageValue: 1}}}]"), "spec.metrics[0] of type Resource may not set pods"},
		{"the second metric of two other sources beside", hpa("[{type: Pods, pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: 10}}}, {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}, external: {metric: {name: x}, target: {type: AverageValue, averageValue: 1}}, pods: {metric: {name: x}, target: {type: AverageValue, averageValue: 1}}}]"), "spec.metrics[1] of type Resource may not set pods"},
		{"an autoscaler metric of v2beta1's fields", hpa("[{type: Resource, resource: {name: cpu, targetAverageUtilization: 80}}]"), "spec.metrics[0].resource.target must be set"},
		{"an autoscaler metric of no target value", hpa("[{type: Resource, resource: {name: cpu, target: {type: Utilization}}}]"), "spec.metrics[0].resource.target must set averageUtilization or averageValue"},
		{"an autoscaler metric of both target values", hpa("[{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80, averageValue: 1}}}]"), "may not set both averageUtilization and averageValue"},
		{"an autoscaler metric of a target of no type", hpa("[{type: Resource, resource: {name: cpu, target: {averageUtilization: 80}}}]"), "spec.metrics[0].resource.target.type must be Utilization, Value or AverageValue"},
		{"an autoscaler metric of no type", hpa("[{resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]"), "spec.metrics[0].type must name the metric's source"},
		{"an autoscaler metric of utilization 0", hpa("[{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 0}}}]"), "averageUtilization must be an integer of at least 1"},
		{"autoscaler metrics, valid", hpa("[{type: Resource, resource: {name: memory, target: {type: AverageValue, averageValue: 500Mi}}}, {type: Pods, pods: {metric: {name: rps}, target: {type: AverageValue, averageValue: 10}}}]"), ""},
		// the server's defaults drop it beside sessionAffinity None
		{"a session affinity config without ClientIP", service("  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n  ports: [{port: 80}]\n"), ""},
		{"a session affinity config of ClientIP", service("  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n  ports: [{port: 80}]\n"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachWrapper(t, tt.diff, func(_ *report.Report, text, input string) {
				if tt.want == "" && strings.Contains(text, "will fail") || tt.want != "" && !strings.Contains(text, "helm upgrade will fail: ") || !strings.Contains(text, tt.want) {
					t.Errorf("want a refusal saying %q (none for \"\"):\n%s\n%s", tt.want, text, input)
				}
			})
		})
	}
}

// eachWrapper reviews diff as helm-diff prints it and inside the helmfile
// and Stevedore streams, and calls f with each report and its findings'
// text.
func eachWrapper(t *testing.T, diff string, f func(rep *report.Report, text, input string)) {
	t.Helper()
	for _, input := range []string{diff, inHelmfile(diff), inStevedore(diff)} {
		rep, err := review.Review(strings.NewReader(input), review.Options{})
		if err != nil {
			t.Fatalf("%v\n%s", err, input)
		}
		f(rep, reportText(rep), input)
	}
}
