package classify_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

// lineDiff renders old → new as helm-diff's full-context line diff body
// (an LCS over lines; small documents only).
func lineDiff(old, new string) string {
	a := strings.Split(strings.TrimRight(old, "\n"), "\n")
	b := strings.Split(strings.TrimRight(new, "\n"), "\n")
	if old == "" {
		a = []string{""}
	}
	if new == "" {
		b = []string{""}
	}
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out.WriteString("  " + a[i] + "\n")
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out.WriteString("- " + a[i] + "\n") // helm-diff prints removals first
			i++
		default:
			out.WriteString("+ " + b[j] + "\n")
			j++
		}
	}
	return out.String()
}

// change writes a helm-diff entry for an object changing from old to new
// (empty old: added, empty new: removed).
func change(header, old, new string) string {
	msg := "has changed:"
	switch {
	case old == "":
		msg = "has been added:"
	case new == "":
		msg = "has been removed:"
	}
	return header + " " + msg + "\n" + lineDiff(old, new)
}

var defaultSet = func() *rules.Set {
	s, err := review.DefaultRules()
	if err != nil {
		panic(err)
	}
	return s
}()

func judge(t *testing.T, diff string) *classify.Result {
	t.Helper()
	plan, err := diffparse.ParseString(diff, diffparse.Options{Facts: defaultSet.FactPaths()})
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, diff)
	}
	res, err := classify.Classify(plan, defaultSet)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// reviewPlan reviews a diff with the default rules, as review.Review does.
func reviewPlan(t *testing.T, diff string) *classify.Result {
	t.Helper()
	rep, err := review.Review(strings.NewReader(diff), review.Options{})
	if err != nil {
		t.Fatalf("review: %v\n%s", err, diff)
	}
	return rep.Result
}

// finding returns the finding at path ("" for the object-level finding).
func finding(res *classify.Result, path string) (classify.Finding, bool) {
	for _, o := range res.Objects {
		for _, f := range o.Findings {
			p := f.Change.Path.String()
			if f.WholeObject {
				p = ""
			}
			if p == path {
				return f, true
			}
		}
	}
	return classify.Finding{}, false
}

const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
    helm.sh/chart: web-1.0.0
  annotations:
    team: a
spec:
  replicas: %s
  %s
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
        helm.sh/chart: web-1.0.0
      annotations:
        checksum/config: abc
    spec:
      nodeSelector:
        disk: ssd
      containers:
        - name: web
          image: nginx:1.25
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            limits:
              cpu: 500m
          readinessProbe:
            httpGet:
              path: /healthz
              port: 80
`

func d(replicas, extra string) string { return fmt.Sprintf(deploy, replicas, extra) }

// withSA is a three-replica Deployment whose pod spec begins with lines.
func withSA(lines string) string {
	return strings.Replace(d("3", ""), "      nodeSelector:\n", lines+"      nodeSelector:\n", 1)
}

const daemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  %s
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
        - name: agent
          image: agent:1
`

func ds(extra string) string { return fmt.Sprintf(daemonSet, extra) }

const sts = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: %s
  %s
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
        - name: db
          image: postgres:15.1
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        resources:
          requests:
            storage: 1Gi
`

func s(replicas, extra string) string { return fmt.Sprintf(sts, replicas, extra) }

// edit writes a helm-diff entry for doc changing by one replacement: the
// first from becomes to.
const hPDB = "prod, web, PodDisruptionBudget (policy)"

// pdbDoc is a PodDisruptionBudget of the workload web with budget (a
// minAvailable or maxUnavailable line).
func pdbDoc(budget string) string {
	return "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  " + budget + "\n  selector:\n    matchLabels:\n      app: web\n"
}

func edit(header, doc, from, to string) string {
	return change(header, doc, strings.Replace(doc, from, to, 1))
}

const (
	hDeploy = "prod, web, Deployment (apps)"
	hDS     = "prod, agent, DaemonSet (apps)"
	hSts    = "prod, db, StatefulSet (apps)"
	hCM     = "prod, cfg, ConfigMap (v1)"
	hSecret = "prod, creds, Secret (v1)"
	hSvc    = "prod, web, Service (v1)"
	hPVC    = "prod, data, PersistentVolumeClaim (v1)"
	hPV     = "prod, pv1, PersistentVolume (v1)"
	hPod    = "prod, p, Pod (v1)"
)

const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n%sdata:\n  a: 'x'\n  b: one\n"
const svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    lb: internal\nspec:\n  type: ClusterIP\n  clusterIP: 10.96.0.10\n  ipFamilies: [IPv4]\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: 8080\n"
const pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 5Gi\n"
const pv = "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv1\nspec:\n  capacity:\n    storage: 5Gi\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  hostPath:\n    path: /data/a\n"
const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: p\nspec:\n  activeDeadlineSeconds: 60\n  containers:\n    - name: c\n      image: busybox:1.36\n      env:\n        - name: A\n          value: x\n"
const role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules:\n  - apiGroups: [\"\"]\n    resources: [pods]\n    verbs: [get, list]\n"
const binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: reader\nsubjects:\n  - kind: ServiceAccount\n    name: a\n"
const ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    nginx.ingress.kubernetes.io/rewrite-target: /\nspec:\n  ingressClassName: nginx\n  rules:\n    - host: a.example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: web\n                port:\n                  number: 80\n"
const sc = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\n  annotations:\n    storageclass.kubernetes.io/is-default-class: \"false\"\nprovisioner: ebs.csi.aws.com\nparameters:\n  type: gp3\nallowVolumeExpansion: false\n"
const crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names:\n    plural: widgets\n    kind: Widget\n  versions:\n    - name: v1\n      served: true\n      storage: true\n"

// crdSchema is crd with a schema: descriptions, a property named
// description and a default that holds a key of that name.
const crdSchema = crd + "      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              description: The spec.\n              type: object\n              properties:\n                    description:\n                      description: A text.\n                      type: string\n                    meta:\n                      type: object\n                      default:\n                        description: a\n                      example:\n                        description: c\n                    kind:\n                      type: object\n                      enum:\n                        - description: e\n"

// podTolerated is pod with a toleration and a grace period.
var podTolerated = pod + "  terminationGracePeriodSeconds: 30\n  tolerations:\n    - key: a\n      operator: Exists\n"

// svcLabelled is svc with a label.
var svcLabelled = strings.Replace(svc, "  annotations:\n", "  labels:\n    app: web\n  annotations:\n", 1)

const endpointSlice = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: ext-1\n  labels:\n    kubernetes.io/service-name: ext\naddressType: IPv4\nendpoints:\n  - addresses: [10.0.0.1]\n"
const endpoints = "apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: ext\nsubsets:\n  - addresses:\n      - ip: 10.0.0.1\n    ports:\n      - port: 5432\n"
const namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    helm.sh/chart: web-1.0.0\n    team: a\n"
const tokenSecret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  annotations:\n    kubernetes.io/service-account.name: a\ntype: kubernetes.io/service-account-token\n"
const apiService = "apiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata:\n  name: v1beta1.metrics.k8s.io\n  labels:\n    app: metrics\nspec:\n  group: metrics.k8s.io\n  version: v1beta1\n  service:\n    name: metrics-server\n    namespace: kube-system\n"
const ingressClass = "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: nginx\n  annotations:\n    ingressclass.kubernetes.io/is-default-class: \"true\"\nspec:\n  controller: k8s.io/ingress-nginx\n"
const priorityClass = "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: high\nvalue: 1000000\nglobalDefault: true\n"
const serviceAccount = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\nsecrets:\n  - name: db\n  - name: tls\n"
const csiDriver = "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata:\n  name: csi.example.com\nspec:\n  attachRequired: true\n  fsGroupPolicy: File\n  volumeLifecycleModes: [Persistent]\n"

const job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  suspend: false\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: m\n          image: m:1\n"

// pvcKept is pvc with helm's keep policy.
var pvcKept = strings.Replace(pvc, "  name: data\n", "  name: data\n  annotations:\n    helm.sh/resource-policy: keep\n    team: a\n", 1)

func withCM(extra string) string { return fmt.Sprintf(cm, extra) }

// defaultRuleCases has one case per rule of the default set (at least),
// each with the reason why the level is right. TestDefaultRules checks
// them; TestEveryDefaultRuleHasACase keeps them complete.
var defaultRuleCases = []struct {
	name   string
	diff   string
	path   string // "" for the object-level finding
	rule   string
	level  rules.Level
	reason string
}{
	{"quoting", edit(hCM, withCM(""), "'x'", `"x"`), "data.a", "format-only", rules.Ignored,
		"'x' and \"x\" are the same value: the API server gets the same object"},
	{"chart label", edit(hDeploy, d("3", ""), "helm.sh/chart: web-1.0.0", "helm.sh/chart: web-1.1.0"), `metadata.labels["helm.sh/chart"]`, "labels-top-level", rules.Ignored,
		"a Deployment's own labels select nothing; this is chart-bump churn"},
	{"helm release annotation", change(hCM, withCM("  annotations:\n    meta.helm.sh/release-name: a\n"), withCM("  annotations:\n    meta.helm.sh/release-name: b\n")), `metadata.annotations["meta.helm.sh/release-name"]`, "helm-bookkeeping-annotations", rules.Ignored,
		"Helm's bookkeeping annotation; the generic annotation rule excepts it"},
	{"status", change(hCM, withCM("")+"status:\n  phase: a\n", withCM("")+"status:\n  phase: b\n"), "status.phase", "status", rules.Ignored,
		"controllers write status; three-way merge diffs show it"},
	{"create", change(hCM, "", withCM("")), "", "create", rules.Safe,
		"a new object touches nothing that runs"},
	{"ownership", "prod, cfg, ConfigMap (v1) changed ownership:\n- prod/old\n+ prod/new\n", "", "ownership", rules.Safe,
		"adopting an object changes no field of it"},
	{"delete namespace", change("prod, team-a, Namespace (v1)", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n", ""), "", "delete-namespace", rules.Destructive,
		"everything in the namespace is deleted with it"},
	{"delete crd", change("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crd, ""), "", "delete-crd", rules.Destructive,
		"every Widget is deleted with the CRD"},
	{"delete pvc", change(hPVC, pvc, ""), "", "delete-volume-claim", rules.Destructive,
		"the claim's volume (reclaim policy Delete) and data go"},
	{"delete pv", change(hPV, pv, ""), "", "delete-volume", rules.Destructive,
		"the volume is gone from the cluster"},
	{"delete statefulset with claims", change(hSts, s("3", ""), ""), "", "delete-statefulset-with-claims", rules.Destructive,
		"a StatefulSet with volumeClaimTemplates holds data"},
	{"delete service", change(hSvc, svc, ""), "", "delete", rules.Disruptive,
		"clients of the Service lose it"},
	{"ondelete pending", edit(hSts, s("3", "updateStrategy:\n    type: OnDelete"), "postgres:15.1", "postgres:15.2"), "spec.template.spec.containers[name=db].image", "pod-template-pending-ondelete", rules.Restart,
		"OnDelete: pods pick the image up when deleted; said as a pending restart"},
	{"single replica", edit(hDeploy, d("1", ""), "nginx:1.25", "nginx:1.27"), "spec.template.spec.containers[name=web].image", "restart-single-replica", rules.Disruptive,
		"one replica: nothing serves while it is replaced"},
	{"default replicas", edit(hDeploy, strings.Replace(d("1", ""), "  replicas: 1\n", "", 1), "nginx:1.25", "nginx:1.27"), "spec.template.spec.containers[name=web].image", "restart-single-replica", rules.Disruptive,
		"spec.replicas defaults to 1 when the chart omits it"},
	{"pod label removed", edit(hDeploy, strings.Replace(d("3", ""), "        helm.sh/chart: web-1.0.0\n", "        helm.sh/chart: web-1.0.0\n        tier: front\n", 1), "        tier: front\n", ""), "spec.template.metadata.labels.tier", "pod-template-selection-labels", rules.Disruptive,
		"found: a Service that selects the pods by tier has no endpoints once they are replaced; passed as a restart"},
	{"pod label's value changed", edit(hDeploy, strings.Replace(d("3", ""), "        helm.sh/chart: web-1.0.0\n", "        helm.sh/chart: web-1.0.0\n        tier: front\n", 1), "tier: front", "tier: edge"), "spec.template.metadata.labels.tier", "pod-template", rules.Restart,
		"what selects the pods is not in the diff, and charts change values far more often than they break a selection"},
	{"container port renamed", edit(hDeploy, strings.Replace(d("3", ""), "          image: nginx:1.25\n", "          image: nginx:1.25\n          ports:\n            - containerPort: 80\n              name: http\n", 1), "name: http", "name: web"), "spec.template.spec.containers[name=web].ports[containerPort=80].name", "container-port-renamed", rules.Disruptive,
		"found: a Service's targetPort: http finds no pod; passed as a restart"},
	{"claim switched", edit(hDeploy, strings.Replace(d("3", ""), "      nodeSelector:\n", "      volumes:\n        - name: data\n          persistentVolumeClaim:\n            claimName: data-v1\n      nodeSelector:\n", 1), "claimName: data-v1", "claimName: data-v2"), "spec.template.spec.volumes[name=data].persistentVolumeClaim.claimName", "pod-template-claim-switched", rules.Disruptive,
		"found: the new pods mount another, empty volume; passed as a restart"},
	{"every pod unavailable", edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 100%"), "nginx:1.25", "nginx:1.27"), "spec.template.spec.containers[name=web].image", "restart-all-unavailable", rules.Disruptive,
		"a rolling update that may stop every pod at once is a Recreate"},
	{"every node's pod unavailable", edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 100%"), "agent:1", "agent:2"), "spec.template.spec.containers[name=agent].image", "restart-all-unavailable-daemonset", rules.Disruptive,
		"a DaemonSet rolling over every node at once"},
	{"many nodes' pods unavailable", edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 1000"), "agent:1", "agent:2"), "spec.template.spec.containers[name=agent].image", "restart-many-unavailable-daemonset", rules.Disruptive,
		"a number of nodes at least the cluster's is every node at once, as 100% is"},
	{"recreate", edit(hDeploy, d("3", "strategy:\n    type: Recreate"), "nginx:1.25", "nginx:1.27"), "spec.template.spec.containers[name=web].image", "restart-recreate", rules.Disruptive,
		"Recreate stops every pod first"},
	{"every statefulset pod unavailable", edit(hSts, s("4", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 4"), "postgres:15.1", "postgres:15.2"), "spec.template.spec.containers[name=db].image", "restart-all-unavailable-statefulset", rules.Disruptive,
		"a StatefulSet's maxUnavailable of every replica deletes them together"},
	{"single replica statefulset", edit(hSts, s("1", ""), "postgres:15.1", "postgres:15.2"), "spec.template.spec.containers[name=db].image", "restart-single-replica-statefulset", rules.Disruptive,
		"a StatefulSet deletes its only pod before starting the new one"},
	{"image", edit(hDeploy, d("3", ""), "nginx:1.25", "nginx:1.27"), "spec.template.spec.containers[name=web].image", "pod-template-image", rules.Restart,
		"three replicas roll one by one"},
	{"env", edit(hDeploy, d("3", ""), "value: info", "value: debug"), "spec.template.spec.containers[name=web].env[name=LOG_LEVEL].value", "pod-template-env", rules.Restart,
		"environment is read at container start"},
	{"resources", edit(hDeploy, d("3", ""), "cpu: 500m", "cpu: 1"), "spec.template.spec.containers[name=web].resources.limits.cpu", "pod-template-resources", rules.Restart,
		"a resources change rolls the pods"},
	{"probes", edit(hDeploy, d("3", ""), "/healthz", "/ready"), "spec.template.spec.containers[name=web].readinessProbe.httpGet.path", "pod-template-probes", rules.Restart,
		"a probe change rolls the pods"},
	{"checksum", edit(hDeploy, d("3", ""), "checksum/config: abc", "checksum/config: def"), "spec.template.metadata.annotations.checksum/config", "pod-template-checksum", rules.Restart,
		"an intended config roll-out, still a roll-out"},
	{"chart label in pod template", edit(hDeploy, d("3", ""), "        helm.sh/chart: web-1.0.0", "        helm.sh/chart: web-1.1.0"), `spec.template.metadata.labels["helm.sh/chart"]`, "pod-template-chart-labels", rules.Restart,
		"chart metadata in pod labels rolls every pod on a bump"},
	{"node selector", edit(hDeploy, d("3", ""), "disk: ssd", "disk: hdd"), "spec.template.spec.nodeSelector.disk", "pod-template", rules.Restart,
		"any pod template change rolls the pods"},
	{"replication controller", edit("prod, rc, ReplicationController (v1)", "apiVersion: v1\nkind: ReplicationController\nspec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: x:1\n", "x:1", "x:2"), "spec.template.spec.containers[name=a].image", "replicationcontroller-template", rules.Safe,
		"a ReplicationController does not roll its pods"},
	{"to zero", change(hDeploy, d("3", ""), d("0", "")), "spec.replicas", "replicas-to-zero", rules.Disruptive,
		"no pod serves"},
	{"scale down deletes claims", change(hSts, s("3", "persistentVolumeClaimRetentionPolicy:\n    whenScaled: Delete"), s("2", "persistentVolumeClaimRetentionPolicy:\n    whenScaled: Delete")), "spec.replicas", "statefulset-scale-down-deletes-claims", rules.Destructive,
		"whenScaled Delete deletes the claims of the removed pods"},
	{"statefulset scaled down", change(hSts, s("3", ""), s("2", "")), "spec.replicas", "statefulset-scale-down", rules.Disruptive,
		"the removed member's pod stops; not every stateful application tolerates it"},
	{"deployment scaled down", change(hDeploy, d("5", ""), d("3", "")), "spec.replicas", "replicas", rules.Safe,
		"a Deployment's pods are alike: the others serve"},
	{"scale", change(hDeploy, d("3", ""), d("5", "")), "spec.replicas", "replicas", rules.Safe,
		"scaling restarts nothing"},
	{"rollout setting", change(hDeploy, d("3", "revisionHistoryLimit: 5"), d("3", "revisionHistoryLimit: 3")), "spec.revisionHistoryLimit", "rollout-settings", rules.Safe,
		"applies to the next roll-out"},
	{"claim deletion armed", change(hSts, s("3", "persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Retain"), s("3", "persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Delete")), "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "statefulset-claim-deletion-armed", rules.Disruptive,
		"a later deletion will delete the claims"},
	{"selector", edit(hDeploy, d("3", ""), "    matchLabels:\n      app: web", "    matchLabels:\n      app: web2"), "spec.selector.matchLabels.app", "selector-immutable", rules.Disruptive,
		"apps/v1 selectors are immutable: helm upgrade fails"},
	{"service name", edit(hSts, s("3", ""), "serviceName: db", "serviceName: db2"), "spec.serviceName", "statefulset-immutable", rules.Disruptive,
		"serviceName is immutable"},
	{"volume claim template storage respelled", edit(hSts, s("3", ""), "storage: 1Gi", "storage: 1024Mi"), "spec.volumeClaimTemplates[0].spec.resources.requests.storage", "server-default", rules.Safe,
		"one quantity: the API server compares quantities by value (Semantic.DeepEqual) and stores 1Gi"},
	{"job cpu respelled", edit("prod, j, Job (batch)", strings.Replace(job, "image: m:1\n", "image: m:1\n          resources:\n            requests:\n              cpu: 500m\n", 1), "cpu: 500m", `cpu: "0.5"`), "spec.template.spec.containers[name=m].resources.requests.cpu", "server-default", rules.Safe,
		"500m and 0.5 are one quantity: the Job's immutable template does not change"},
	{"job cpu written in octal", edit("prod, j, Job (batch)", strings.Replace(job, "image: m:1\n", "image: m:1\n          resources:\n            requests:\n              cpu: 10\n", 1), "cpu: 10", "cpu: 010"), "spec.template.spec.containers[name=m].resources.requests.cpu", "job-immutable", rules.Disruptive,
		"a plain 010 is the octal 8 to sigs.k8s.io/yaml (YAML 1.1), not the quantity 10: the template changes"},
	{"job cpu quoted", edit("prod, j, Job (batch)", strings.Replace(job, "image: m:1\n", "image: m:1\n          resources:\n            requests:\n              cpu: 10\n", 1), "cpu: 10", `cpu: "010"`), "spec.template.spec.containers[name=m].resources.requests.cpu", "server-default", rules.Safe,
		"the string \"010\" is the quantity 10"},
	{"job cpu raised", edit("prod, j, Job (batch)", strings.Replace(job, "image: m:1\n", "image: m:1\n          resources:\n            requests:\n              cpu: 500m\n", 1), "cpu: 500m", `cpu: "0.6"`), "spec.template.spec.containers[name=m].resources.requests.cpu", "job-immutable", rules.Disruptive,
		"another quantity: the template changes, and the server refuses it"},
	{"volume claim templates", edit(hSts, s("3", ""), "storage: 1Gi", "storage: 5Gi"), "spec.volumeClaimTemplates[0].spec.resources.requests.storage", "statefulset-volume-claim-templates", rules.Destructive,
		"volumeClaimTemplates are immutable and tied to data"},
	{"elastic indexed job shrunk", edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  completionMode: Indexed\n  completions: 4\n  parallelism: 4", 1), "completions: 4\n  parallelism: 4", "completions: 2\n  parallelism: 2"), "spec.completions", "job-elastic-indexed", rules.Safe,
		"an elastic Indexed Job: the API server takes it (the lowered parallelism beside it is job-lowered's)"},
	{"job template", edit("prod, migrate, Job (batch)", "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: m\n          image: m:1\n", "m:1", "m:2"), "spec.template.spec.containers[name=m].image", "job-immutable", rules.Disruptive,
		"a running Job's template is immutable"},
	{"job resources written out empty", edit("prod, j, Job (batch)", job, "          image: m:1\n", "          image: m:1\n          resources: {}\n"), "spec.template.spec.containers[name=m].resources", "server-default", rules.Safe,
		"a value struct: {} is what the server holds without it (helm create's values render it); the immutable template does not change"},
	{"job env written out empty", edit("prod, j, Job (batch)", job, "          image: m:1\n", "          image: m:1\n          env: []\n"), "spec.template.spec.containers[name=m].env", "server-default", rules.Safe,
		"an empty list is none to the server's comparison"},
	// a null written out where the manifest left the field out is a
	// change of it: helm 3's patch clears what the live object holds
	// there, helm 4 stores a null in a map of strings as "" (found with
	// real helm, where a decision that took it as the field left out
	// passed each)
	{"job completions written out null", edit("prod, j, Job (batch)", job, "  suspend: false\n", "  suspend: false\n  completions: ~\n"), "spec.completions", "job-immutable", rules.Disruptive,
		"found: the server defaulted completions with parallelism; cleared, it does not come back, and both helms' upgrades were refused"},
	{"service selector key written out null", edit(hSvc, svc, "    app: web\n", "    app: web\n    tier: ~\n"), "spec.selector.tier", "service-routing", rules.Disruptive,
		"found: helm 4 stores tier: \"\", and the Service selects no pods"},
	{"pod template resources written out null", edit(hSts, s("3", ""), "          image: postgres:15.1\n", "          image: postgres:15.1\n          resources: ~\n"), "spec.template.spec.containers[name=db].resources", "pod-template-resources", rules.Restart,
		"found: helm 3's patch cleared a limit set by hand on the live object, and the pods restarted"},
	{"job pod securityContext written out empty", edit("prod, j, Job (batch)", job, "      restartPolicy: Never\n", "      restartPolicy: Never\n      securityContext: {}\n"), "spec.template.spec.securityContext", "server-default", rules.Safe,
		"the server's defaulting sets an empty pod securityContext where there is none"},
	{"job container securityContext written out empty", edit("prod, j, Job (batch)", job, "          image: m:1\n", "          image: m:1\n          securityContext: {}\n"), "spec.template.spec.containers[name=m].securityContext", "job-immutable", rules.Disruptive,
		"a pointer no defaulting fills: {} is not none, and the template may not change"},
	{"job resources with a limit", edit("prod, j, Job (batch)", job, "          image: m:1\n", "          image: m:1\n          resources: {limits: {cpu: 1}}\n"), "spec.template.spec.containers[name=m].resources", "job-immutable", rules.Disruptive,
		"not empty: the template changes"},
	{"statefulset memory in another format", edit(hSts, strings.Replace(s("3", ""), "image: postgres:15.1\n", "image: postgres:15.1\n          resources:\n            limits:\n              memory: 1Gi\n", 1), "memory: 1Gi", "memory: 1073741824"), "spec.template.spec.containers[name=db].resources.limits.memory", "pod-template-resources", rules.Restart,
		"one quantity, but the StatefulSet controller holds its template by its bytes (a ControllerRevision): 1Gi and 1073741824 are a new revision, and the pods are replaced"},
	{"statefulset cpu in another format, stored alike", edit(hSts, strings.Replace(s("3", ""), "image: postgres:15.1\n", "image: postgres:15.1\n          resources:\n            requests:\n              cpu: 100m\n", 1), "cpu: 100m", `cpu: "0.1"`), "spec.template.spec.containers[name=db].resources.requests.cpu", "server-default", rules.Safe,
		"found on a real chart (cilium's DaemonSet): the server stores 0.1 as 100m, the controller's bytes do not change, and no pod restarts"},
	{"statefulset memory in another binary format, stored alike", edit(hSts, strings.Replace(s("3", ""), "image: postgres:15.1\n", "image: postgres:15.1\n          resources:\n            limits:\n              memory: 1Gi\n", 1), "memory: 1Gi", "memory: 1024Mi"), "spec.template.spec.containers[name=db].resources.limits.memory", "server-default", rules.Safe,
		"1024Mi is stored as 1Gi"},
	{"service port protocol written out", edit(hSvc, svc, "      targetPort: 8080\n", "      targetPort: 8080\n      protocol: TCP\n"), "spec.ports[port=80].protocol", "server-default", rules.Safe,
		"found on a real chart (sealed-secrets 0.27 to 0.40): TCP is what the server holds, the Service does not change"},
	{"service port protocol UDP", edit(hSvc, svc, "      targetPort: 8080\n", "      targetPort: 8080\n      protocol: UDP\n"), "spec.ports[port=80].protocol", "service-routing", rules.Disruptive,
		"not the default: the port serves another protocol"},
	{"job termination message path written out", edit("prod, j, Job (batch)", job, "          image: m:1\n", "          image: m:1\n          terminationMessagePath: /dev/termination-log\n"), "spec.template.spec.containers[name=m].terminationMessagePath", "server-default", rules.Safe,
		"the stored template holds it already: the immutable template does not change"},
	{"job termination message path elsewhere", edit("prod, j, Job (batch)", job, "          image: m:1\n", "          image: m:1\n          terminationMessagePath: /tmp/log\n"), "spec.template.spec.containers[name=m].terminationMessagePath", "job-immutable", rules.Disruptive,
		"not the default: the template changes"},
	{"deprecated serviceAccount taken away", edit(hDeploy, withSA("      serviceAccountName: web\n      serviceAccount: web\n"), "      serviceAccount: web\n", ""), "spec.template.spec.serviceAccount", "server-default", rules.Safe,
		"found on a real chart (cilium 1.15.6 to 1.15.19): the server stores serviceAccountName alone and writes serviceAccount out as its copy"},
	{"deprecated serviceAccount written out", edit(hDeploy, withSA("      serviceAccountName: web\n"), "      serviceAccountName: web\n", "      serviceAccountName: web\n      serviceAccount: web\n"), "spec.template.spec.serviceAccount", "server-default", rules.Safe,
		"the copy the server writes out"},
	{"deprecated serviceAccount other than serviceAccountName", edit(hDeploy, withSA("      serviceAccountName: web\n"), "      serviceAccountName: web\n", "      serviceAccountName: web\n      serviceAccount: other\n"), "spec.template.spec.serviceAccount", "pod-template", rules.Restart,
		"not the copy: the review does not lean on which of the two the server reads"},
	{"deprecated serviceAccount of another name", edit(hDeploy, withSA(""), "      nodeSelector:\n", "      serviceAccount: other\n      nodeSelector:\n"), "spec.template.spec.serviceAccount", "pod-template", rules.Restart,
		"no serviceAccountName: the pods run as another account"},
	{"deployment memory in another format", edit(hDeploy, d("3", ""), "cpu: 500m", "cpu: \"0.5\""), "spec.template.spec.containers[name=web].resources.limits.cpu", "server-default", rules.Safe,
		"a Deployment compares its template by value: no new ReplicaSet"},
	{"job env as a mapping", edit("prod, j, Job (batch)", job, "          image: m:1\n", "          image: m:1\n          env: {}\n"), "spec.template.spec.containers[name=m].env", "schema-type", rules.Disruptive,
		"env is a list: {} is no value it takes, and the server refuses it"},
	{"job nodeSelector as a list", edit("prod, j, Job (batch)", job, "      restartPolicy: Never\n", "      restartPolicy: Never\n      nodeSelector: []\n"), "spec.template.spec.nodeSelector", "schema-type", rules.Disruptive,
		"nodeSelector is a mapping: [] is refused"},
	{"immutable configmap data written out empty", edit("prod, c, ConfigMap (v1)", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nimmutable: true\n", "immutable: true\n", "immutable: true\ndata: {}\n"), "data", "configmap-immutable", rules.Disruptive,
		"ValidateConfigMapUpdate holds data with reflect.DeepEqual: an empty map is not none, and the update is refused"},
	{"pod template tolerations taken away empty", edit(hDeploy, strings.Replace(d("1", ""), "      nodeSelector:\n", "      tolerations: []\n      nodeSelector:\n", 1), "      tolerations: []\n", ""), "spec.template.spec.tolerations", "restart-single-replica", rules.Disruptive,
		"helm 3's patch sets the field to null, which clears what the live template holds there beyond the chart: a new ReplicaSet"},
	{"job setting", edit("prod, migrate, Job (batch)", "apiVersion: batch/v1\nkind: Job\nspec:\n  parallelism: 1\n", "parallelism: 1", "parallelism: 2"), "spec.parallelism", "job-settings", rules.Safe,
		"parallelism may change while the Job runs"},
	{"cronjob template", edit("prod, c, CronJob (batch)", "apiVersion: batch/v1\nkind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: c\n              image: c:1\n", "c:1", "c:2"), "spec.jobTemplate.spec.template.spec.containers[name=c].image", "cronjob-job-template", rules.Safe,
		"applies to later Jobs"},
	{"cronjob schedule", edit("prod, c, CronJob (batch)", "apiVersion: batch/v1\nkind: CronJob\nspec:\n  schedule: \"0 * * * *\"\n", `"0 * * * *"`, `"30 * * * *"`), "spec.schedule", "cronjob-settings", rules.Safe,
		"later runs only"},
	{"cluster ip", edit(hSvc, svc, "10.96.0.10", "10.96.0.11"), "spec.clusterIP", "service-cluster-ip", rules.Disruptive,
		"clusterIP may not change once set"},
	{"cluster ip omitted", edit(hSvc, svc, "  clusterIP: 10.96.0.10\n", ""), "spec.clusterIP", "service-cluster-ip-omitted", rules.Safe,
		"the server keeps the allocated address"},
	{"ip family", edit(hSvc, svc, "[IPv4]", "[IPv6]"), "spec.ipFamilies[0]", "service-ip-family", rules.Disruptive,
		"the primary IP family may not change"},
	{"service selector", edit(hSvc, svc, "  selector:\n    app: web", "  selector:\n    app: web2"), "spec.selector.app", "service-routing", rules.Disruptive,
		"the Service may lose its endpoints"},
	{"ingress annotation", edit("prod, web, Ingress (networking.k8s.io)", ingress, "rewrite-target: /", "rewrite-target: /$1"), `metadata.annotations["nginx.ingress.kubernetes.io/rewrite-target"]`, "controller-annotations", rules.Disruptive,
		"the ingress controller rewrites routes differently"},
	{"service helm annotation", edit(hSvc, svc, "    lb: internal\n", "    lb: internal\n    helm.sh/chart: web-1.0.1\n"), `metadata.annotations["helm.sh/chart"]`, "annotations", rules.Safe,
		"helm's own annotations configure no load balancer (a chart bump on a Bitnami Service)"},
	{"ingress host", edit("prod, web, Ingress (networking.k8s.io)", ingress, "a.example.com", "b.example.com"), "spec.rules[0].host", "ingress-routing", rules.Disruptive,
		"external traffic for a.example.com stops"},
	{"ingress class controller", edit("prod, nginx, IngressClass (networking.k8s.io)", "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nspec:\n  controller: k8s.io/ingress-nginx\n", "k8s.io/ingress-nginx", "example.com/other"), "spec.controller", "ingress-class-controller", rules.Disruptive,
		"the controller is immutable"},
	{"network policy", edit("prod, np, NetworkPolicy (networking.k8s.io)", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: a\n", "app: a", "app: b"), "spec.podSelector.matchLabels.app", "network-policy", rules.Disruptive,
		"allowed traffic changes"},
	{"pvc access modes", edit(hPVC, pvc, "[ReadWriteOnce]", "[ReadWriteMany]"), "spec.accessModes[0]", "pvc-immutable", rules.Destructive,
		"a claim recreated is a new, empty volume"},
	{"pvc shrink", edit(hPVC, pvc, "5Gi", "1Gi"), "spec.resources.requests.storage", "pvc-storage-shrink", rules.Disruptive,
		"5Gi to 1Gi is a decrease of the quantity"},
	{"pvc grow", edit(hPVC, pvc, "5Gi", "10Gi"), "spec.resources.requests.storage", "pvc-storage", rules.Disruptive,
		"found: safe, where the API server refuses to grow a claim that is not bound or whose StorageClass does not allow expansion, which the diff does not show"},
	{"pv reclaim delete", edit(hPV, pv, "Retain", "Delete"), "spec.persistentVolumeReclaimPolicy", "pv-reclaim-delete", rules.Destructive,
		"data is deleted with the claim"},
	{"pv capacity", edit(hPV, pv, "storage: 5Gi", "storage: 6Gi"), "spec.capacity.storage", "pv-settings", rules.Safe,
		"capacity may change"},
	{"pv node affinity added", change(hPV, pv, pv+"  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - key: kubernetes.io/hostname\n          operator: In\n          values: [n1]\n"), "spec.nodeAffinity", "pv-node-affinity-set", rules.Safe,
		"set where there was none, which the API server allows"},
	{"pv source", edit(hPV, pv, "/data/a", "/data/b"), "spec.hostPath.path", "pv-immutable", rules.Destructive,
		"the volume source is immutable"},
	{"immutable configmap", edit(hCM, withCM("immutable: true\n"), "b: one", "b: two"), "data.b", "configmap-immutable", rules.Disruptive,
		"immutable: true rejects any data change"},
	{"secret type", edit(hSecret, "apiVersion: v1\nkind: Secret\ntype: Opaque\n", "Opaque", "kubernetes.io/tls"), "type", "secret-type", rules.Disruptive,
		"a Secret's type is immutable"},
	{"secret type written empty", edit(hSecret, "apiVersion: v1\nkind: Secret\ntype: Opaque\n", "type: Opaque", `type: ""`), "type", "server-default", rules.Safe,
		"SetDefaults_Secret sets Opaque where the type is empty: the object does not change"},
	{"secret type no longer empty", edit(hSecret, "apiVersion: v1\nkind: Secret\ntype: \"\"\n", `type: ""`, "type: Opaque"), "type", "server-default", rules.Safe,
		"the empty type was Opaque on the server already"},
	{"secret type empty taken away", edit(hSecret, "apiVersion: v1\nkind: Secret\ntype: \"\"\n", "type: \"\"\n", ""), "type", "server-default", rules.Safe,
		"found: \"\" and no type are both Opaque to the API server; it was 'helm upgrade will fail'"},
	{"secret type empty set to null", edit(hSecret, "apiVersion: v1\nkind: Secret\ntype: \"\"\n", `type: ""`, "type: null"), "type", "server-default", rules.Safe,
		"null and the empty string are one Go zero value"},
	{"secret type from empty to tls", edit(hSecret, "apiVersion: v1\nkind: Secret\ntype: \"\"\n", `type: ""`, "type: kubernetes.io/tls"), "type", "secret-type", rules.Disruptive,
		"the empty type is Opaque, and Opaque cannot become another type"},
	{"configmap data", edit(hCM, withCM(""), "b: one", "b: two"), "data.b", "config-data", rules.Safe,
		"pods see data changes only on restart or after a delay"},
	{"csi driver attach required", edit("prod, csi.example.com, CSIDriver (storage.k8s.io)", csiDriver, "attachRequired: true", "attachRequired: false"), "spec.attachRequired", "csidriver-immutable", rules.Disruptive,
		"attachRequired is immutable"},
	{"csi driver lifecycle modes", edit("prod, csi.example.com, CSIDriver (storage.k8s.io)", csiDriver, "[Persistent]", "[Persistent, Ephemeral]"), "spec.volumeLifecycleModes[1]", "csidriver-immutable", rules.Disruptive,
		"volumeLifecycleModes is immutable"},
	{"csi driver attach required left to its default", edit("prod, csi.example.com, CSIDriver (storage.k8s.io)", csiDriver, "  attachRequired: true\n", ""), "spec.attachRequired", "server-default", rules.Safe,
		"SetDefaults_CSIDriver sets attachRequired true again"},
	{"csi driver attach required false left out", edit("prod, csi.example.com, CSIDriver (storage.k8s.io)", strings.Replace(csiDriver, "attachRequired: true", "attachRequired: false", 1), "  attachRequired: false\n", ""), "spec.attachRequired", "csidriver-immutable", rules.Disruptive,
		"left out, it is true: a change of the immutable field"},
	{"csi driver fs group policy", edit("prod, csi.example.com, CSIDriver (storage.k8s.io)", csiDriver, "fsGroupPolicy: File", "fsGroupPolicy: None"), "spec.fsGroupPolicy", "csidriver-settings", rules.Safe,
		"found: no rule covered a CSIDriver; the server takes this change"},
	{"priority class description", edit("prod, high, PriorityClass (scheduling.k8s.io)", "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nvalue: 1000\ndescription: a\n", "description: a", "description: b"), "description", "priority-class-description", rules.Safe,
		"text for people"},
	{"load-balancer class dropped as the type becomes NodePort", edit(hSvc, strings.Replace(svc, "  type: ClusterIP\n", "  type: LoadBalancer\n  loadBalancerClass: example.com/lb\n", 1), "  type: LoadBalancer\n  loadBalancerClass: example.com/lb\n", "  type: NodePort\n"), "spec.loadBalancerClass", "service-lb-class-dropped-with-type", rules.Safe,
		"validateLoadBalancerClassField checks the class only while both sides are LoadBalancers"},
	{"load-balancer class given as the type becomes LoadBalancer", edit(hSvc, svc, "  type: ClusterIP\n", "  type: LoadBalancer\n  loadBalancerClass: example.com/lb\n"), "spec.loadBalancerClass", "service-lb-class-set-with-type", rules.Safe,
		"a Service that becomes a LoadBalancer may get a class"},
	{"replicaset image", edit("prod, web, ReplicaSet (apps)", "apiVersion: apps/v1\nkind: ReplicaSet\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n", "nginx:1.25", "nginx:1.26"), "spec.template.spec.containers[name=web].image", "replicaset-template", rules.Safe,
		"found: 'restart' (and, at --context 3, 'restart of a single replica'); a ReplicaSet never replaces its running pods for a new template"},
	{"role ref", edit("prod, b, RoleBinding (rbac.authorization.k8s.io)", binding, "name: reader", "name: writer"), "roleRef.name", "rbac-role-ref", rules.Disruptive,
		"roleRef is immutable"},
	{"rbac narrowed", edit("prod, reader, ClusterRole (rbac.authorization.k8s.io)", role, "[get, list]", "[get]"), "rules[0].verbs[1]", "rbac-narrowed", rules.Disruptive,
		"list is taken away"},
	{"rbac widened", change("prod, reader, ClusterRole (rbac.authorization.k8s.io)", role, role+"  - apiGroups: [\"\"]\n    resources: [secrets]\n    verbs: [get]\n"), "rules[1]", "rbac-widened", rules.Safe,
		"a rule is added: review it, nothing breaks"},
	{"rbac rules reordered", edit("prod, reader, ClusterRole (rbac.authorization.k8s.io)", role+"  - apiGroups: [apps]\n    resources: [deployments]\n    verbs: [get]\n", "  - apiGroups: [\"\"]\n    resources: [pods]\n    verbs: [get, list]\n  - apiGroups: [apps]\n    resources: [deployments]\n    verbs: [get]\n", "  - apiGroups: [apps]\n    resources: [deployments]\n    verbs: [get]\n  - apiGroups: [\"\"]\n    resources: [pods]\n    verbs: [get, list]\n"), "rules", "rbac-order", rules.Safe,
		"found on a real chart: the fallback said disruptive; the authorizer allows what any rule allows"},
	{"rbac verbs reordered", edit("prod, reader, ClusterRole (rbac.authorization.k8s.io)", role, "[get, list]", "[list, get]"), "rules[0].verbs", "rbac-order", rules.Safe,
		"a rule's verbs are a set"},
	{"rbac subjects reordered", edit("prod, b, RoleBinding (rbac.authorization.k8s.io)", binding+"  - kind: ServiceAccount\n    name: c\n", "    name: a\n  - kind: ServiceAccount\n    name: c\n", "    name: c\n  - kind: ServiceAccount\n    name: a\n"), "subjects", "rbac-order", rules.Safe,
		"a binding binds each subject"},
	{"storageclass parameters", edit("prod, fast, StorageClass (storage.k8s.io)", sc, "gp3", "io2"), "parameters.type", "storageclass-immutable", rules.Disruptive,
		"parameters are immutable"},
	{"storageclass expansion", edit("prod, fast, StorageClass (storage.k8s.io)", sc, "allowVolumeExpansion: false", "allowVolumeExpansion: true"), "allowVolumeExpansion", "storageclass-settings", rules.Safe,
		"applies to later expansions"},
	{"default storageclass", edit("prod, fast, StorageClass (storage.k8s.io)", sc, `is-default-class: "false"`, `is-default-class: "true"`), `metadata.annotations["storageclass.kubernetes.io/is-default-class"]`, "storageclass-default", rules.Disruptive,
		"new claims land elsewhere"},
	{"crd scope", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crd, "Namespaced", "Cluster"), "spec.scope", "crd-identity", rules.Destructive,
		"replacing the CRD deletes every Widget"},
	{"crd versions", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crd, "served: true", "served: false"), "spec.versions[name=v1].served", "crd-versions", rules.Disruptive,
		"an unserved version breaks clients"},
	{"crd description", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crdSchema, "description: The spec.", "description: The desired state."), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.description", "crd-documentation", rules.Safe,
		"documentation: the schema validates as before"},
	{"crd description of a property named description", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crdSchema, "description: A text.", "description: A free text."), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.description.description", "crd-documentation", rules.Safe,
		"the property's own description is documentation too"},
	{"crd property named description", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crdSchema, "                    description:\n                      description: A text.\n                      type: string\n", ""), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.description", "crd-versions", rules.Disruptive,
		"a property taken out of the schema: the server prunes it from every object"},
	{"crd default holding a description key", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crdSchema, "description: a", "description: b"), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.meta.default.description", "crd-versions", rules.Disruptive,
		"a default is written into the objects: not documentation"},
	{"crd example holding a description key", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crdSchema, "description: c", "description: d"), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.meta.example.description", "crd-versions", rules.Disruptive,
		"an example is a value, not documentation (the cautious reading)"},
	{"crd enum value holding a description key", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crdSchema, "description: e", "description: f"), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.kind.enum[0].description", "crd-versions", rules.Disruptive,
		"objects are checked against the enum's values"},
	{"crd enum reordered", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", strings.Replace(crdSchema, "type: string\n", "type: string\n                      enum: [In, NotIn]\n", 1), "[In, NotIn]", "[NotIn, In]"), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.description.enum", "crd-enum-order", rules.Safe,
		"any of the values is valid, in any order"},
	{"crd default list reordered", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", strings.Replace(crdSchema, "type: string\n", "type: string\n                      default:\n                        enum: [In, NotIn]\n", 1), "[In, NotIn]", "[NotIn, In]"), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.description.default.enum", "crd-versions", rules.Disruptive,
		"a default's list is a value the server writes: its order is the value's"},
	{"crd enum of a value's list reordered", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", strings.Replace(crdSchema, "type: string\n", "type: string\n                      enum:\n                        - enum: [In, NotIn]\n", 1), "[In, NotIn]", "[NotIn, In]"), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.description.enum[0].enum", "crd-versions", rules.Disruptive,
		"a list inside an enum's value is that value: its order counts"},
	{"crd property named enum, a list", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", strings.Replace(crdSchema, "              properties:\n", "              properties:\n                    enum: [In, NotIn]\n", 1), "[In, NotIn]", "[NotIn, In]"), "spec.versions[name=v1].schema.openAPIV3Schema.properties.spec.properties.enum", "crd-versions", rules.Disruptive,
		"properties.enum names a property, whose schema is no list: not an enum's order"},
	{"crd version deprecated", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crd, "served: true\n", "served: true\n      deprecated: true\n"), "spec.versions[name=v1].deprecated", "crd-documentation", rules.Safe,
		"still served, with a warning"},
	{"pod labels", edit(hPod, pod, "app: p", "app: q"), "metadata.labels.app", "pod-labels", rules.Disruptive,
		"Services select bare pods by these labels"},
	{"pod image", edit(hPod, pod, "busybox:1.36", "busybox:1.37"), "spec.containers[name=c].image", "pod-image", rules.Restart,
		"the container restarts in place"},
	{"pod deadline", edit(hPod, pod, "activeDeadlineSeconds: 60", "activeDeadlineSeconds: 30"), "spec.activeDeadlineSeconds", "pod-settings", rules.Safe,
		"may be lowered in place"},
	{"pod env", edit(hPod, pod, "value: x", "value: z"), "spec.containers[name=c].env[name=A].value", "pod-immutable", rules.Disruptive,
		"a Pod's env is immutable"},
	{"pod security labels", edit("prod, team-a, Namespace (v1)", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n", "enforce: baseline", "enforce: restricted"), `metadata.labels["pod-security.kubernetes.io/enforce"]`, "namespace-pod-security", rules.Disruptive,
		"pods may be rejected; this label is not churn"},
	{"pdb", edit("prod, web, PodDisruptionBudget (policy)", "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  minAvailable: 1\n", "minAvailable: 1", "minAvailable: 2"), "spec.minAvailable", "pod-disruption-budget", rules.Safe,
		"eviction protection changes; no pod is touched"},
	{"pdb blocking evictions", edit(hPDB, pdbDoc("maxUnavailable: 1"), "maxUnavailable: 1", "maxUnavailable: 0"), "spec.maxUnavailable", "pdb-max-unavailable-zero", rules.Disruptive,
		"found: no voluntary eviction is allowed, node drains hang; passed as safe"},
	{"pdb of every pod available", edit(hPDB, pdbDoc("minAvailable: 1"), "minAvailable: 1", "minAvailable: 100%"), "spec.minAvailable", "pdb-min-available-all", rules.Disruptive,
		"found: no voluntary eviction is allowed, node drains hang; passed as safe"},
	{"pdb of every pod unavailable", edit(hPDB, pdbDoc("maxUnavailable: 1"), "maxUnavailable: 1", "maxUnavailable: 100%"), "spec.maxUnavailable", "pdb-max-unavailable-all", rules.Disruptive,
		"found: the budget protects nothing, as if deleted (which is disruptive); passed as safe"},
	{"pdb of no pod available", edit(hPDB, pdbDoc("minAvailable: 2"), "minAvailable: 2", "minAvailable: 0"), "spec.minAvailable", "pdb-min-available-zero", rules.Disruptive,
		"found: the budget protects nothing, as if deleted (which is disruptive); passed as safe"},
	{"pdb selector", edit(hPDB, pdbDoc("minAvailable: 1"), "app: web", "app: web-v2"), "spec.selector.matchLabels.app", "pdb-selector", rules.Disruptive,
		"found: the budget may stop protecting the workload's pods; passed as safe"},
	{"hpa", edit("prod, web, HorizontalPodAutoscaler (autoscaling)", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  maxReplicas: 5\n", "maxReplicas: 5", "maxReplicas: 8"), "spec.maxReplicas", "autoscaler", rules.Safe,
		"the autoscaler adds or removes pods"},
	{"service account", edit("prod, sa, ServiceAccount (v1)", "apiVersion: v1\nkind: ServiceAccount\nautomountServiceAccountToken: true\n", "true", "false"), "automountServiceAccountToken", "service-account", rules.Safe,
		"applies to pods created later"},
	{"priority class", edit("prod, high, PriorityClass (scheduling.k8s.io)", "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nvalue: 1000\n", "value: 1000", "value: 2000"), "value", "priority-class-immutable", rules.Disruptive,
		"value may not change"},
	{"runtime class", edit("prod, gvisor, RuntimeClass (node.k8s.io)", "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nhandler: runsc\n", "runsc", "kata"), "handler", "runtime-class-immutable", rules.Disruptive,
		"handler is immutable"},
	{"webhook ca bundle", edit("prod, hook, MutatingWebhookConfiguration (admissionregistration.k8s.io)", "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nwebhooks:\n  - name: a.example.com\n    clientConfig:\n      caBundle: QUJD\n", "QUJD", "REVG"), "webhooks[name=a.example.com].clientConfig.caBundle", "webhook-ca-bundle", rules.Disruptive,
		"found on a real chart: a certificate rotation read as a change of which requests are intercepted; calls fail until the webhook serves a certificate the new CA signed"},
	{"webhook", edit("prod, hook, ValidatingWebhookConfiguration (admissionregistration.k8s.io)", "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nwebhooks:\n  - name: a.example.com\n    failurePolicy: Ignore\n", "Ignore", "Fail"), "webhooks[name=a.example.com].failurePolicy", "webhook-configuration", rules.Disruptive,
		"a failing webhook would now block writes"},
	{"webhook rule scope written out", edit("prod, hook, MutatingWebhookConfiguration (admissionregistration.k8s.io)", "apiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nwebhooks:\n  - name: a.example.com\n    rules:\n      - operations: [CREATE]\n        resources: [pods]\n", "        resources: [pods]\n", "        resources: [pods]\n        scope: \"*\"\n"), "webhooks[name=a.example.com].rules[0].scope", "server-default", rules.Safe,
		"found on a real chart (gatekeeper): the API server's default scope, written out, changes nothing"},
	{"webhook timeout taken away", edit("prod, hook, ValidatingWebhookConfiguration (admissionregistration.k8s.io)", "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nwebhooks:\n  - name: a.example.com\n    timeoutSeconds: 10\n", "    timeoutSeconds: 10\n", ""), "webhooks[name=a.example.com].timeoutSeconds", "server-default", rules.Safe,
		"10 seconds is the default the API server sets again"},
	{"webhook timeout other than the default taken away", edit("prod, hook, ValidatingWebhookConfiguration (admissionregistration.k8s.io)", "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nwebhooks:\n  - name: a.example.com\n    timeoutSeconds: 30\n", "    timeoutSeconds: 30\n", ""), "webhooks[name=a.example.com].timeoutSeconds", "webhook-configuration", rules.Disruptive,
		"30 seconds becomes the default 10"},
	{"api version", edit("prod, web, PodDisruptionBudget (policy)", "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\n", "policy/v1beta1", "policy/v1"), "apiVersion", "api-version", rules.Safe,
		"the same object under another version"},
	{"annotation", edit(hDeploy, d("3", ""), "team: a", "team: b"), "metadata.annotations.team", "annotations", rules.Safe,
		"Kubernetes does not read a Deployment's own annotations"},
	{"pod deadline raised", edit(hPod, pod, "activeDeadlineSeconds: 60", "activeDeadlineSeconds: 120"), "spec.activeDeadlineSeconds", "pod-deadline-raised", rules.Disruptive,
		"found: a raised deadline passed as safe; the API server allows it lowered only, and helm upgrade fails"},
	{"pod deadline removed", edit(hPod, pod, "  activeDeadlineSeconds: 60\n", ""), "spec.activeDeadlineSeconds", "pod-deadline-removed", rules.Disruptive,
		"a set deadline cannot be unset"},
	{"pod grace period", edit(hPod, podTolerated, "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 60"), "spec.terminationGracePeriodSeconds", "pod-immutable", rules.Disruptive,
		"the grace period is immutable (only a negative one may become 1)"},
	{"pod toleration added", edit(hPod, podTolerated, "  tolerations:\n", "  tolerations:\n    - key: b\n      operator: Exists\n"), "spec.tolerations[0]", "pod-settings", rules.Safe,
		"an item inserted first is an addition: the old toleration stays, as the API server requires"},
	{"pod toleration appended", edit(hPod, podTolerated, "      operator: Exists\n", "      operator: Exists\n    - key: b\n      operator: Exists\n"), "spec.tolerations[1]", "pod-settings", rules.Safe,
		"tolerations may be added"},
	{"pod toleration removed", edit(hPod, podTolerated, "  tolerations:\n    - key: a\n      operator: Exists\n", ""), "spec.tolerations", "pod-tolerations-refused", rules.Disruptive,
		"tolerations may only be added to"},
	{"pod scheduling gate added", edit(hPod, pod, "  activeDeadlineSeconds: 60\n", "  activeDeadlineSeconds: 60\n  schedulingGates:\n    - name: wait\n"), "spec.schedulingGates", "pod-scheduling-gates-refused", rules.Disruptive,
		"gates may only be removed"},
	{"pod scheduling gate removed", edit(hPod, strings.Replace(pod, "  activeDeadlineSeconds: 60\n", "  activeDeadlineSeconds: 60\n  schedulingGates:\n    - name: wait\n", 1), "  schedulingGates:\n    - name: wait\n", ""), "spec.schedulingGates", "pod-settings", rules.Safe,
		"removing a gate lets the pod be scheduled"},
	{"service proxy label", edit(hSvc, svcLabelled, "    app: web\n", "    app: web\n    service.kubernetes.io/service-proxy-name: none\n"), `metadata.labels["service.kubernetes.io/service-proxy-name"]`, "service-proxy-labels", rules.Disruptive,
		"found: kube-proxy stops serving the Service; the label is not churn"},
	{"endpoint slice's service", edit("prod, ext-1, EndpointSlice (discovery.k8s.io)", endpointSlice, "service-name: ext", "service-name: ext2"), `metadata.labels["kubernetes.io/service-name"]`, "endpointslice-labels", rules.Disruptive,
		"found: the endpoints leave Service ext"},
	{"aggregation label", edit("prod, reader, ClusterRole (rbac.authorization.k8s.io)", strings.Replace(role, "  name: reader\n", "  name: reader\n  labels:\n    rbac.authorization.k8s.io/aggregate-to-view: \"true\"\n", 1), `"true"`, `"false"`), `metadata.labels["rbac.authorization.k8s.io/aggregate-to-view"]`, "clusterrole-aggregation-labels", rules.Disruptive,
		"found: the built-in view role loses these rules"},
	{"resource names added", edit("prod, reader, ClusterRole (rbac.authorization.k8s.io)", role, "    verbs: [get, list]\n", "    verbs: [get, list]\n    resourceNames: [only-this-one]\n"), "rules[0].resourceNames", "rbac-narrowed-by-addition", rules.Disruptive,
		"found: an addition that narrows the rule to one object passed as widened"},
	{"subject namespace added", edit("prod, b, RoleBinding (rbac.authorization.k8s.io)", binding, "    name: a\n", "    name: a\n    namespace: other\n"), "subjects[0].namespace", "rbac-narrowed-by-addition", rules.Disruptive,
		"found: another namespace's service account is another subject"},
	{"network policy created", change("prod, deny-all, NetworkPolicy (networking.k8s.io)", "", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-all\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"), "", "network-policy-created", rules.Disruptive,
		"found: a new deny-all policy cuts the namespace's traffic, and passed as a new object"},
	{"webhook created", change("prod, hook, ValidatingWebhookConfiguration (admissionregistration.k8s.io)", "", "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: hook\nwebhooks:\n  - name: a.example.com\n    failurePolicy: Fail\n"), "", "webhook-configuration-created", rules.Disruptive,
		"found: a new webhook intercepts requests at once"},
	{"admission policy created", change("prod, deny, ValidatingAdmissionPolicy (admissionregistration.k8s.io)", "", "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata:\n  name: deny\nspec:\n  failurePolicy: Fail\n  validations:\n    - expression: \"false\"\n"), "", "webhook-configuration-created", rules.Disruptive,
		"found: the built-in equivalent of a failing webhook passed as a new object"},
	{"authorization policy created", change("prod, deny, AuthorizationPolicy (security.istio.io)", "", "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: deny\nspec: {}\n"), "", "network-policy-created", rules.Disruptive,
		"found: an empty AuthorizationPolicy denies every request"},
	{"quota created", change("prod, q, ResourceQuota (v1)", "", "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\nspec:\n  hard:\n    pods: \"0\"\n"), "", "resource-quota-created", rules.Disruptive,
		"found: a quota of no pods passed as a new object"},
	{"statefulset renumbered", edit(hSts, s("3", "ordinals:\n    start: 0"), "start: 0", "start: 5"), "spec.ordinals.start", "statefulset-ordinals", rules.Disruptive,
		"found: pods 0-2 are deleted and 5-7 created on new claims; passed as a rollout setting"},
	{"statefulset renumbered, claims deleted", edit(hSts, s("3", "ordinals:\n    start: 0\n  persistentVolumeClaimRetentionPolicy:\n    whenScaled: Delete"), "start: 0", "start: 5"), "spec.ordinals.start", "statefulset-ordinals-deletes-claims", rules.Destructive,
		"found: with whenScaled Delete the old pods' claims, all of them, are deleted"},
	{"job suspended", edit("prod, j, Job (batch)", job, "suspend: false", "suspend: true"), "spec.suspend", "job-suspended", rules.Disruptive,
		"its running pods are deleted"},
	{"keep policy removed", edit(hPVC, pvcKept, "    helm.sh/resource-policy: keep\n", ""), `metadata.annotations["helm.sh/resource-policy"]`, "helm-keep-removed", rules.Disruptive,
		"a later removal from the chart deletes the claim"},
	{"claim's storage request removed", edit(hPVC, pvc, "      storage: 5Gi\n", ""), "spec.resources.requests", "pvc-immutable", rules.Destructive,
		"in full context the emptied requests map is the change"},
	{"claim's storage request removed, elided", "prod, data, PersistentVolumeClaim (v1) has changed:\n...\n    resources:\n      requests:\n-       storage: 5Gi\n", "...resources.requests.storage", "pvc-storage-removed", rules.Destructive,
		"found: with --context the removal read as a volume expansion (safe); it is never lower than the full view"},
	{"database cluster deleted", change("prod, pg, Cluster (postgresql.cnpg.io)", "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: pg\nspec:\n  instances: 3\n  storage:\n    size: 10Gi\n", ""), "", "delete-operator-data", rules.Destructive,
		"found: CloudNativePG deletes the cluster's claims with it; a deletion was only disruptive"},
	{"another operator's resource deleted", change("prod, pg, Cluster (example.com)", "apiVersion: example.com/v1\nkind: Cluster\nmetadata:\n  name: pg\n", ""), "", "delete", rules.Disruptive,
		"a Cluster of a group the rule does not name: a deletion"},
	{"reclaim policy Recycle", edit(hPV, pv, "ReclaimPolicy: Retain", "ReclaimPolicy: Recycle"), "spec.persistentVolumeReclaimPolicy", "pv-reclaim-delete", rules.Destructive,
		"found: Recycle scrubs the volume when its claim is released, like Delete; it passed as a volume setting"},
	{"endpoints no longer mirrored", edit("prod, ext, Endpoints (v1)", endpoints, "  name: ext\n", "  name: ext\n  labels:\n    endpointslice.kubernetes.io/skip-mirror: \"true\"\n"), `metadata.labels["endpointslice.kubernetes.io/skip-mirror"]`, "endpoints-mirroring", rules.Disruptive,
		"found: the mirrored EndpointSlices are deleted and the selector-less Service loses its endpoints; passed as label churn"},
	{"namespace label", edit("prod, team-a, Namespace (v1)", namespace, "team: a", "team: b"), `metadata.labels.team`, "namespace-labels", rules.Disruptive,
		"found: a NetworkPolicy's namespaceSelector may stop admitting the namespace's pods; passed as label churn"},
	{"namespace chart label", edit("prod, team-a, Namespace (v1)", namespace, "web-1.0.0", "web-1.1.0"), `metadata.labels["helm.sh/chart"]`, "labels-top-level", rules.Ignored,
		"a chart bump's label stays churn on a Namespace too"},
	{"token secret's account renamed", edit(hSecret, tokenSecret, "service-account.name: a", "service-account.name: b"), `metadata.annotations["kubernetes.io/service-account.name"]`, "service-account-token-owner", rules.Disruptive,
		"found: the token controller deletes a token Secret whose account does not match the recorded UID; passed as an annotation change"},
	{"job parallelism to zero", edit("prod, j, Job (batch)", job, "suspend: false", "suspend: false\n  parallelism: 0"), "spec.parallelism", "job-lowered", rules.Disruptive,
		"found: parallelism unset is 1, and 0 deletes every running pod; passed as a Job setting"},
	{"job deadline set", edit("prod, j, Job (batch)", job, "suspend: false", "suspend: false\n  activeDeadlineSeconds: 60"), "spec.activeDeadlineSeconds", "job-deadline-added", rules.Disruptive,
		"found: a Job that has run a minute fails at once"},
	{"claim's beta class annotation", edit(hPVC, pvcKept, "    team: a\n", "    team: a\n    volume.beta.kubernetes.io/storage-class: fast\n"), `metadata.annotations["volume.beta.kubernetes.io/storage-class"]`, "pvc-immutable", rules.Destructive,
		"found: the API server holds the annotation immutable, like the class; passed as an annotation change"},
	{"daemonset node selector", edit(hDS, ds(""), "    spec:\n", "    spec:\n      nodeSelector:\n        pool: gpu\n"), "spec.template.spec.nodeSelector", "daemonset-node-selection", rules.Disruptive,
		"found: the pods of every node outside the pool are deleted at once; passed as a rolling restart"},
	{"daemonset toleration removed", edit(hDS, strings.Replace(ds(""), "    spec:\n", "    spec:\n      tolerations:\n        - operator: Exists\n", 1), "      tolerations:\n        - operator: Exists\n", ""), "spec.template.spec.tolerations", "daemonset-tolerations-narrowed", rules.Disruptive,
		"found: the pods of tainted nodes are deleted at once"},
	{"deployment resumed", edit(hDeploy, d("3", "paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed", rules.Restart,
		"found: the roll-out the pause held back runs now; passed as restarting nothing"},
	{"partition lowered", edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      partition: 3"), "partition: 3", "partition: 0"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered", rules.Restart,
		"found: the pods held back by the partition are updated now"},
	{"daemonset of every node resumed", edit(hDS, ds("updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 100%"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed-all-unavailable-daemonset", rules.Disruptive,
		"found: the pod of every node may stop at once; passed as a restart"},
	{"statefulset of every pod resumed", edit(hSts, s("3", "updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 3"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed-all-unavailable-statefulset", rules.Disruptive,
		"found: every pod may be deleted at once; passed as a restart"},
	{"partition of every pod lowered", edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 3\n      partition: 3"), "partition: 3", "partition: 0"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered-all-unavailable", rules.Disruptive,
		"found: the pods held back may be deleted at once; passed as a restart"},
	{"one-replica deployment resumed", edit(hDeploy, d("1", "paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed-single-replica", rules.Disruptive,
		"found: the only pod of a roll-out the pause held back is replaced now, nothing serving meanwhile; passed as a restart"},
	{"one-replica partition lowered", edit(hSts, s("1", "updateStrategy:\n    rollingUpdate:\n      partition: 1"), "partition: 1", "partition: 0"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered-single-replica", rules.Disruptive,
		"found: the only pod is deleted before its replacement starts; passed as a restart"},
	{"recreating deployment resumed", edit(hDeploy, d("3", "strategy:\n    type: Recreate\n  paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed-recreate", rules.Disruptive,
		"found: every pod stops before the new ones start; passed as a restart"},
	{"all-unavailable deployment resumed", edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 100%\n  paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed-all-unavailable", rules.Disruptive,
		"found: every old pod may stop before a new one is ready; passed as a restart"},
	{"owner reference added", edit(hCM, withCM(""), "  name: cfg\n", "  name: cfg\n  ownerReferences:\n    - apiVersion: v1\n      kind: ConfigMap\n      name: owner\n      uid: 6c4e-gone\n"), "metadata.ownerReferences", "owner-references", rules.Disruptive,
		"found: the garbage collector deletes the object at once where no object has the owner's uid; no rule covered it"},
	{"claim's owner reference added", edit(hPVC, pvc, "  name: data\n", "  name: data\n  ownerReferences:\n    - apiVersion: apps/v1\n      kind: StatefulSet\n      name: db\n      uid: 6c4e-gone\n"), "metadata.ownerReferences", "owner-references-data", rules.Destructive,
		"found: the claim, and its data, go with the owner"},
	{"apiservice taken over", edit("prod, v1beta1.metrics.k8s.io, APIService (apiregistration.k8s.io)", apiService, "    app: metrics\n", "    app: metrics\n    kube-aggregator.kubernetes.io/automanaged: onstart\n"), `metadata.labels["kube-aggregator.kubernetes.io/automanaged"]`, "apiservice-automanaged", rules.Disruptive,
		"found: the autoregister controller deletes an APIService it does not serve; passed as label churn"},
	{"volume's zone", edit(hPV, strings.Replace(pv, "  name: pv1\n", "  name: pv1\n  labels:\n    topology.kubernetes.io/zone: eu-west-1a\n", 1), "eu-west-1a", "eu-west-1b"), `metadata.labels["topology.kubernetes.io/zone"]`, "pv-topology-labels", rules.Disruptive,
		"found: the scheduler places the volume's pods by it; passed as label churn"},
	{"default storageclass, beta key", edit("prod, fast, StorageClass (storage.k8s.io)", strings.Replace(sc, "storageclass.kubernetes.io", "storageclass.beta.kubernetes.io", 1), `is-default-class: "false"`, `is-default-class: "true"`), `metadata.annotations["storageclass.beta.kubernetes.io/is-default-class"]`, "storageclass-default", rules.Disruptive,
		"found: Kubernetes still reads the beta key; it passed as an annotation change"},
	{"default storageclass created", change("prod, fast, StorageClass (storage.k8s.io)", "", strings.Replace(sc, `"false"`, `"true"`, 1)), "", "default-storageclass-created", rules.Disruptive,
		"found: new and unbound claims without a class land on it; passed as a new object"},
	{"default storageclass created, beta key", change("prod, fast, StorageClass (storage.k8s.io)", "", strings.NewReplacer(`"false"`, `"true"`, "storageclass.kubernetes.io", "storageclass.beta.kubernetes.io").Replace(sc)), "", "default-storageclass-created-beta", rules.Disruptive,
		"the beta key marks a default too"},
	{"default ingressclass", edit("prod, nginx, IngressClass (networking.k8s.io)", ingressClass, `is-default-class: "true"`, `is-default-class: "false"`), `metadata.annotations["ingressclass.kubernetes.io/is-default-class"]`, "ingressclass-default", rules.Disruptive,
		"found: new Ingresses without a class go to another controller, or none; passed as an annotation change"},
	{"default ingressclass created", change("prod, nginx, IngressClass (networking.k8s.io)", "", ingressClass), "", "default-ingressclass-created", rules.Disruptive,
		"found: passed as a new object"},
	{"default priorityclass created", change(", high, PriorityClass (scheduling.k8s.io)", "", priorityClass), "", "default-priorityclass-created", rules.Disruptive,
		"found: every new pod without a class gets its priority; passed as a new object"},
	{"aggregated api created", change(", v1beta1.metrics.k8s.io, APIService (apiregistration.k8s.io)", "", apiService), "", "apiservice-created", rules.Disruptive,
		"found: discovery of the group fails until the service answers; passed as a new object"},
	{"pod's apparmor annotation", edit(hPod, strings.Replace(pod, "  labels:\n", "  annotations:\n    container.apparmor.security.beta.kubernetes.io/c: runtime/default\n  labels:\n", 1), "runtime/default", "unconfined"), `metadata.annotations["container.apparmor.security.beta.kubernetes.io/c"]`, "pod-annotations-immutable", rules.Disruptive,
		"found: the API server refuses the update; passed as an annotation change"},
	{"mountable secrets enforced", edit("prod, sa, ServiceAccount (v1)", serviceAccount, "  name: sa\n", "  name: sa\n  annotations:\n    kubernetes.io/enforce-mountable-secrets: \"true\"\n"), `metadata.annotations["kubernetes.io/enforce-mountable-secrets"]`, "service-account-mountable-secrets", rules.Disruptive,
		"found: new pods that mount a Secret the account does not list are refused; passed as an annotation change"},
	{"mountable secret removed", edit("prod, sa, ServiceAccount (v1)", strings.Replace(serviceAccount, "  name: sa\n", "  name: sa\n  annotations:\n    kubernetes.io/enforce-mountable-secrets: \"true\"\n", 1), "  - name: tls\n", ""), "secrets[name=tls]", "service-account-mountable-secret-removed", rules.Disruptive,
		"found: new pods that mount tls are refused"},
	{"another project's aggregation label", edit("prod, reader, ClusterRole (rbac.authorization.k8s.io)", strings.Replace(role, "  name: reader\n", "  name: reader\n  labels:\n    rbac.crossplane.io/aggregate-to-crossplane: \"true\"\n", 1), `"true"`, `"false"`), `metadata.labels["rbac.crossplane.io/aggregate-to-crossplane"]`, "clusterrole-aggregation-labels", rules.Disruptive,
		"found: the aggregating role loses these rules; passed as label churn"},
	{"crd's owner reference added", edit("prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io)", crd, "  name: widgets.example.com\n", "  name: widgets.example.com\n  ownerReferences:\n    - apiVersion: v1\n      kind: ConfigMap\n      name: owner\n      uid: 6c4e-gone\n"), "metadata.ownerReferences", "owner-references-crd", rules.Destructive,
		"found: the definition, and every custom resource of it, go with the owner"},
	{"crd's list item, its place hidden", "prod, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io) has changed:\n...\n+                     - MERGE\n...\n", "...[?]", "crd-versions", rules.Disruptive,
		"found: a CRD's free-form schema leaves every list possible, and an owner reference's item passed for one: destructive on real charts' partial views"},
	{"custom resource", edit("prod, w, Widget (example.com)", "apiVersion: example.com/v1\nkind: Widget\nspec:\n  size: 1\n", "size: 1", "size: 2"), "spec.size", rules.FallbackRule, rules.Disruptive,
		"no rule knows Widget: the fallback, never ignored"},
	{"custom resource created", change("prod, w, Widget (example.com)", "", "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  driverType: GPU\n"), "", rules.FallbackRule, rules.Disruptive,
		"found on a real chart: the CRD's enum refused GPU and the gate passed a new object; its schema is not in the diff, so no value of it can be checked"},
	{"role created", change("prod, reader, ClusterRole (rbac.authorization.k8s.io)", "", role), "", "create", rules.Safe,
		"a built-in group with a dot in its name is still a built-in kind, whose schema the review checks"},
}

// TestCreateRuleIsBuiltinOnly: the create rule takes the new objects of
// the built-in groups, whose schema the review checks, and no other: a
// group Kubernetes gains must be added to it (a custom resource's group
// never is one of them).
func TestCreateRuleIsBuiltinOnly(t *testing.T) {
	for _, r := range rules.DefaultFile().Rules {
		if r.ID == "create" {
			if diff := cmp.Diff(kube.BuiltinGroups(), r.Match.Groups); diff != "" {
				t.Errorf("the create rule's groups are not the built-in groups (-built-in +rule):\n%s", diff)
			}
			return
		}
	}
	t.Fatal("no create rule in the default set")
}

func TestDefaultRules(t *testing.T) {
	for _, tc := range defaultRuleCases {
		t.Run(tc.name, func(t *testing.T) {
			res := judge(t, tc.diff)
			f, ok := finding(res, tc.path)
			if !ok {
				var paths []string
				for _, o := range res.Objects {
					for _, f := range o.Findings {
						paths = append(paths, f.Change.Path.String())
					}
				}
				t.Fatalf("no finding at %q; findings at %q\n%s", tc.path, paths, tc.diff)
			}
			if f.Rule != tc.rule || f.Level != tc.level {
				t.Errorf("got %s (%s), want %s (%s)\nreason: %s", f.Level, f.Rule, tc.level, tc.rule, tc.reason)
			}
		})
	}
}

// reorder is an update of a three-replica Deployment whose list at path
// changed order: the reader reports it as one change at the list's path.
func reorder(path string) *diffparse.Plan {
	p, err := kube.ParsePath(path)
	if err != nil {
		panic(err)
	}
	return &diffparse.Plan{FactPaths: defaultSet.FactPaths(), Objects: []*diffparse.Object{{
		Ref:    kube.ObjectRef{Group: "apps", Kind: "Deployment", Namespace: "prod", Name: "web"},
		Action: diffparse.Update, Content: diffparse.Complete, FactsComplete: [2]bool{true, true},
		Facts: [2]map[string]diffparse.Fact{
			{"spec.replicas": {Presence: diffparse.Present, Value: diffparse.Value{Kind: diffparse.Scalar, Text: "3", Type: diffparse.IntType}}},
			{"spec.replicas": {Presence: diffparse.Present, Value: diffparse.Value{Kind: diffparse.Scalar, Text: "3", Type: diffparse.IntType}}},
		},
		Changes: []diffparse.Change{{Path: p, Op: diffparse.Reorder,
			Old: diffparse.Value{Kind: diffparse.Tree, Text: "- a\n- b\n"}, New: diffparse.Value{Kind: diffparse.Tree, Text: "- b\n- a\n"}}},
	}}}
}

// planRuleCases are the rules whose changes the parser does not produce
// yet (a list's order): plans built in Go, with the same checks.
var planRuleCases = []struct {
	name   string
	plan   *diffparse.Plan
	path   string
	rule   string
	level  rules.Level
	reason string
}{
	{"env order", reorder("spec.template.spec.containers[name=web].env"), "spec.template.spec.containers[name=web].env", "pod-template-env-order", rules.Restart,
		"env order is meaning: $(VAR) expands only variables defined before it; the pods roll"},
	{"container order", reorder("spec.template.spec.containers"), "spec.template.spec.containers", "pod-template-order", rules.Restart,
		"a reordered template is a new template: the pods roll, never formatting only"},
	{"volume order", reorder("spec.template.spec.volumes"), "spec.template.spec.volumes", "pod-template-order", rules.Restart,
		"as for containers"},
}

func TestPlanRules(t *testing.T) {
	names := tabletest.Names{}
	for _, tc := range planRuleCases {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			res, err := classify.Classify(tc.plan, defaultSet)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := finding(res, tc.path)
			if !ok {
				t.Fatalf("no finding at %s", tc.path)
			}
			if f.Rule != tc.rule || f.Level != tc.level || f.Assumed {
				t.Errorf("got %s (%s) assumed %v, want %s (%s)\nreason: %s", f.Level, f.Rule, f.Assumed, tc.level, tc.rule, tc.reason)
			}
			if !strings.Contains(f.Reason, "order changed") {
				t.Errorf("the reason %q does not say the order changed", f.Reason)
			}
		})
	}
}

// TestEveryDefaultRuleHasACase keeps defaultRuleCases complete: every rule
// of the default set is the rule a case expects (and TestDefaultRules
// checks that the case gets it). It reads the table itself, so it holds
// whatever order the tests run in, and alone.
func TestEveryDefaultRuleHasACase(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range defaultRuleCases {
		covered[tc.rule] = true
	}
	for _, tc := range planRuleCases {
		covered[tc.rule] = true
	}
	var missing []string
	for _, r := range defaultSet.Rules() {
		if !covered[r.ID] {
			missing = append(missing, r.ID)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("default rules without a test case in defaultRuleCases: %s", strings.Join(missing, ", "))
	}
}

// TestHiddenChangesExplained: changes the input does not show are judged
// by the worst they could be, and explained by a rule for the object's
// kind, else by "no rule covers this change": not by a rule for any kind
// that only may match (the keep policy dropped).
func TestHiddenChangesExplained(t *testing.T) {
	for _, tc := range []struct {
		kind, group, rule, why string
	}{
		{"Widget", "example.com", rules.FallbackRule, "found: a custom resource's hidden changes were explained as 'the keep policy is dropped'"},
		{"ClusterRole", "rbac.authorization.k8s.io", "rbac-narrowed", "a rule for ClusterRoles says what its changes can do"},
	} {
		input := "default, w, " + tc.kind + " (" + tc.group + ") to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy, 0 to change ownership.\n"
		res := judge(t, input)
		o := res.Objects[0]
		if o.Level != rules.Disruptive || o.Rule != tc.rule {
			t.Errorf("%s: %s [%s], want disruptive [%s]\nreason: %s", tc.kind, o.Level, o.Rule, tc.rule, tc.why)
		}
	}
}

// TestObjectOnlyMayBeRenamed: helm-diff --find-renames shows a rename as a
// change of the old object, and the object-only formats do not show which:
// a changed object counts at least as its deletion where that is worse.
func TestObjectOnlyMayBeRenamed(t *testing.T) {
	for _, tc := range []struct {
		kind, group string
		level       rules.Level
	}{
		{"Namespace", "v1", rules.Destructive},
		{"Cluster", "postgresql.cnpg.io", rules.Destructive},
		{"Deployment", "apps", rules.Disruptive},
	} {
		input := "default, x, " + tc.kind + " (" + tc.group + ") to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy, 0 to change ownership.\n"
		if o := judge(t, input).Objects[0]; o.Level != tc.level {
			t.Errorf("%s: %s [%s], want %s\nreason: found: a Namespace changed in --output simple was disruptive, its rename in full context destructive", tc.kind, o.Level, o.Rule, tc.level)
		}
	}
}

// TestUnseenNewObject: a new object whose content the input does not show
// may be one the API server refuses (a ConfigMap key "a/b" fails helm
// upgrade, as full context shows): it is disruptive, assumed, never "new
// object" at safe. Found: --output simple passed such an upgrade.
func TestUnseenNewObject(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		level       rules.Level
		why         string
	}{
		{"simple", "default, x, ConfigMap (v1) to be added.\nPlan: 1 to add, 0 to change, 0 to destroy, 0 to change ownership.\n", rules.Disruptive,
			"the object-level format shows no content"},
		{"suppressed", "default, x, Secret (v1) has been added:\n+ Changes suppressed on sensitive content of type Secret\n", rules.Disruptive,
			"helm-diff --suppress-secrets hides the content"},
		{"lines suppressed", "default, y, ConfigMap (v1) has changed, but diff is empty after suppression.\ndefault, x, ConfigMap (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: ConfigMap\n+ metadata:\n+   name: x\n+ data:\n+   a: b\n", rules.Disruptive,
			"found: --suppress-output-line-regex removes lines of added objects too (a data key a/b, which the server refuses), and the ConfigMap was safe"},
		{"full context", "default, x, ConfigMap (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: ConfigMap\n+ metadata:\n+   name: x\n+ data:\n+   a: b\n", rules.Safe,
			"the content is shown, and valid"},
	} {
		res := judge(t, tc.input)
		i := slices.IndexFunc(res.Objects, func(o *classify.Object) bool { return o.Ref.Name == "x" })
		if i < 0 {
			t.Fatalf("%s: no object x", tc.name)
		}
		o := res.Objects[i]
		if o.Level != tc.level {
			t.Errorf("%s: %s [%s] %s, want %s\nreason: %s", tc.name, o.Level, o.Rule, o.Reason, tc.level, tc.why)
		}
		if tc.level == rules.Disruptive && (o.Rule != rules.SchemaTypeRule || !slices.ContainsFunc(o.Findings, func(f classify.Finding) bool { return f.Assumed && f.Level == rules.Disruptive })) {
			t.Errorf("%s: %s [%s], want an assumed schema-type finding", tc.name, o.Level, o.Rule)
		}
	}
}

// TestLabelMapsAddedWhole: a label or annotation map added or removed whole
// (labels: where there were none, or null) is read as its entries' changes,
// each judged by the rules that name it.
func TestLabelMapsAddedWhole(t *testing.T) {
	ns := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n"
	for _, tc := range []struct {
		name, diff, path, rule string
		level                  rules.Level
		why                    string
	}{
		{"labels added whole", change("default, team, Namespace (v1)", ns, ns+"  labels:\n    pod-security.kubernetes.io/enforce: restricted\n"),
			`metadata.labels["pod-security.kubernetes.io/enforce"]`, "namespace-pod-security", rules.Disruptive,
			"found: the map's own change was label churn, ignored"},
		{"labels from null", change("default, team, Namespace (v1)", ns+"  labels:\n", ns+"  labels:\n    pod-security.kubernetes.io/enforce: restricted\n"),
			`metadata.labels["pod-security.kubernetes.io/enforce"]`, "namespace-pod-security", rules.Disruptive,
			"found: null -> a mapping read as one change of the map"},
		{"annotations removed whole", change(hPVC, pvcKept, strings.Replace(pvcKept, "  annotations:\n    helm.sh/resource-policy: keep\n    team: a\n", "", 1)),
			`metadata.annotations["helm.sh/resource-policy"]`, "helm-keep-removed", rules.Disruptive,
			"the keep policy goes with its map"},
	} {
		f, ok := finding(judge(t, tc.diff), tc.path)
		if !ok || f.Decision.Rule != tc.rule || f.Decision.Level != tc.level {
			t.Errorf("%s: %v %+v, want %s [%s]\nreason: %s", tc.name, ok, f.Decision, tc.level, tc.rule, tc.why)
		}
	}
}
