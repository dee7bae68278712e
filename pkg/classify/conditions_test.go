package classify_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/rules"
)

// conditionCases pin each condition of each default rule that has one:
// for every rule a case where it decides, and for every condition a case
// that differs in that condition alone and where the rule does not decide
// (a scale-up next to a scale-down, 3 → 1 next to 3 → 0). They are
// independent of the generated docs: an edit of a condition in rules.yaml
// fails here. TestEveryConditionHasANegativeCase keeps them complete.
// lbSvc is a LoadBalancer Service of a load-balancer class.
var lbSvc = strings.Replace(svc, "  type: ClusterIP\n", "  type: LoadBalancer\n  loadBalancerClass: example.com/lb\n", 1)

var conditionCases = []struct {
	name     string
	rule     string // the conditional rule the case is about
	cond     int    // its condition that the case negates (-1: a positive case)
	diff     string
	path     string
	wantRule string
	level    rules.Level
	reason   string
}{
	{"statefulset with claims deleted", "delete-statefulset-with-claims", -1, change(hSts, s("3", ""), ""), "", "delete-statefulset-with-claims", rules.Destructive,
		"volumeClaimTemplates exist: its data goes or is orphaned"},
	{"statefulset without claims deleted", "delete-statefulset-with-claims", 0, change(hSts, strings.Split(s("3", ""), "  volumeClaimTemplates:")[0], ""), "", "delete", rules.Disruptive,
		"no volumeClaimTemplates: a deletion like any other"},

	{"ondelete statefulset", "pod-template-pending-ondelete", -1, edit(hSts, s("3", "updateStrategy:\n    type: OnDelete"), "postgres:15.1", "postgres:15.2"), stsImage, "pod-template-pending-ondelete", rules.Restart,
		"OnDelete: pending until the pods are deleted"},
	{"rolling statefulset", "pod-template-pending-ondelete", 0, edit(hSts, s("3", "updateStrategy:\n    type: RollingUpdate"), "postgres:15.1", "postgres:15.2"), stsImage, "pod-template-image", rules.Restart,
		"RollingUpdate: the pods roll now"},

	{"one replica", "restart-single-replica", -1, edit(hDeploy, d("1", ""), "nginx:1.25", "nginx:1.27"), deployImage, "restart-single-replica", rules.Disruptive,
		"nothing serves while the only pod is replaced"},
	{"two replicas", "restart-single-replica", 0, edit(hDeploy, d("2", ""), "nginx:1.25", "nginx:1.27"), deployImage, "pod-template-image", rules.Restart,
		"two replicas roll one by one"},

	{"all unavailable", "restart-all-unavailable", -1, edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 100%"), "nginx:1.25", "nginx:1.27"), deployImage, "restart-all-unavailable", rules.Disruptive,
		"maxUnavailable 100% lets every old pod go before a new one is ready"},
	{"half unavailable", "restart-all-unavailable", 0, edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 50%"), "nginx:1.25", "nginx:1.27"), deployImage, "pod-template-image", rules.Restart,
		"50% of 3 rounds down to 1: two pods serve"},
	{"as many unavailable as replicas", "restart-all-unavailable", -1, edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 3"), "nginx:1.25", "nginx:1.27"), deployImage, "restart-all-unavailable", rules.Disruptive,
		"maxUnavailable 3 of 3 replicas: every old pod may go at once, as with 100%"},
	{"more unavailable than replicas", "restart-all-unavailable", -1, edit(hDeploy, d("2", "strategy:\n    rollingUpdate:\n      maxUnavailable: 5"), "nginx:1.25", "nginx:1.27"), deployImage, "restart-all-unavailable", rules.Disruptive,
		"a chart's fixed maxUnavailable above a lowered replicas"},
	{"all unavailable, a leading zero", "restart-all-unavailable", -1, edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 0100%"), "nginx:1.25", "nginx:1.27"), deployImage, "restart-all-unavailable", rules.Disruptive,
		"the API server reads 0100% as 100% (strconv.Atoi)"},
	{"one pod fewer unavailable than replicas", "restart-all-unavailable", 0, edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 2"), "nginx:1.25", "nginx:1.27"), deployImage, "pod-template-image", rules.Restart,
		"one pod of three keeps serving"},
	{"all unavailable of no replicas", "restart-all-unavailable", 1, edit(hDeploy, d("0", "strategy:\n    rollingUpdate:\n      maxUnavailable: 100%"), "nginx:1.25", "nginx:1.27"), deployImage, "restart-single-replica", rules.Disruptive,
		"no pod runs: none stops (the single-replica rule still counts 0 as at most one)"},
	{"all unavailable, recreating", "restart-all-unavailable", 2, edit(hDeploy, d("3", "strategy:\n    type: Recreate\n    rollingUpdate:\n      maxUnavailable: 100%"), "nginx:1.25", "nginx:1.27"), deployImage, "restart-recreate", rules.Disruptive,
		"with Recreate the rolling update's settings do not apply (restart-recreate says it)"},
	{"every node's pod at once", "restart-all-unavailable-daemonset", -1, edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 100%"), "agent:1", "agent:2"), dsImage, "restart-all-unavailable-daemonset", rules.Disruptive,
		"maxUnavailable 100% replaces the pod of every node at once"},
	{"every node's pod at once, a leading zero", "restart-all-unavailable-daemonset", -1, edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 0100%"), "agent:1", "agent:2"), dsImage, "restart-all-unavailable-daemonset", rules.Disruptive,
		"the API server reads 0100% as 100%"},
	{"most nodes' pods at once", "restart-all-unavailable-daemonset", -1, edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 99%"), "agent:1", "agent:2"), dsImage, "restart-all-unavailable-daemonset", rules.Disruptive,
		"found: the share of nodes is rounded up, so 99% is every node of a cluster of up to 100; it passed as a restart"},
	{"half the nodes' pods at once", "restart-all-unavailable-daemonset", -1, edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 50%"), "agent:1", "agent:2"), dsImage, "restart-all-unavailable-daemonset", rules.Disruptive,
		"50% rounded up is every node of two"},
	{"under half the nodes' pods at once", "restart-all-unavailable-daemonset", 0, edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 49%"), "agent:1", "agent:2"), dsImage, "pod-template-image", rules.Restart,
		"49% leaves a node of two serving"},
	{"resumed", "rollout-resumed", -1, edit(hDeploy, d("3", "paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed", rules.Restart,
		"the roll-out the pause held back runs now"},
	{"paused", "rollout-resumed", 0, edit(hDeploy, d("3", "paused: false"), "paused: false", "paused: true"), "spec.paused", "rollout-settings", rules.Safe,
		"pausing holds roll-outs back: nothing restarts"},
	{"taken from OnDelete", "rollout-resumed", -1, edit(hDS, ds("updateStrategy:\n    type: OnDelete"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed", rules.Restart,
		"the pods left on an old template are replaced now"},
	{"partition lowered", "rollout-partition-lowered", -1, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      partition: 3"), "partition: 3", "partition: 1"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered", rules.Restart,
		"pods 1 and 2 are updated now"},
	{"partition removed", "rollout-partition-lowered", -1, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      partition: 3"), "partition: 3", "partition: null"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered", rules.Restart,
		"unset, the partition is 0: every pod is updated"},
	{"partition raised", "rollout-partition-lowered", 0, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      partition: 1"), "partition: 1", "partition: 3"), "spec.updateStrategy.rollingUpdate.partition", "rollout-settings", rules.Safe,
		"a higher partition holds more pods back: nothing restarts"},
	{"budget of no eviction", "pdb-max-unavailable-zero", -1, edit(hPDB, pdbDoc("maxUnavailable: 1"), "maxUnavailable: 1", "maxUnavailable: 0%"), "spec.maxUnavailable", "pdb-max-unavailable-zero", rules.Disruptive,
		"0% unavailable: drains hang"},
	{"budget of one eviction", "pdb-max-unavailable-zero", 0, edit(hPDB, pdbDoc("maxUnavailable: 2"), "maxUnavailable: 2", "maxUnavailable: 1"), "spec.maxUnavailable", "pod-disruption-budget", rules.Safe,
		"one pod at a time may go"},
	{"budget of every pod available", "pdb-min-available-all", -1, edit(hPDB, pdbDoc("minAvailable: 50%"), "minAvailable: 50%", "minAvailable: 100%"), "spec.minAvailable", "pdb-min-available-all", rules.Disruptive,
		"100% available: drains hang"},
	{"budget of most pods available", "pdb-min-available-all", 0, edit(hPDB, pdbDoc("minAvailable: 50%"), "minAvailable: 50%", "minAvailable: 90%"), "spec.minAvailable", "pod-disruption-budget", rules.Safe,
		"a tenth may go"},
	{"budget of every pod unavailable", "pdb-max-unavailable-all", -1, edit(hPDB, pdbDoc("maxUnavailable: 1"), "maxUnavailable: 1", "maxUnavailable: 100%"), "spec.maxUnavailable", "pdb-max-unavailable-all", rules.Disruptive,
		"all may go at once: no protection"},
	{"budget of half the pods unavailable", "pdb-max-unavailable-all", 0, edit(hPDB, pdbDoc("maxUnavailable: 1"), "maxUnavailable: 1", "maxUnavailable: 50%"), "spec.maxUnavailable", "pod-disruption-budget", rules.Safe,
		"half stay"},
	{"budget of no pod available", "pdb-min-available-zero", -1, edit(hPDB, pdbDoc("minAvailable: 1"), "minAvailable: 1", "minAvailable: 0"), "spec.minAvailable", "pdb-min-available-zero", rules.Disruptive,
		"none need stay: no protection"},
	{"budget of one pod available", "pdb-min-available-zero", 0, edit(hPDB, pdbDoc("minAvailable: 2"), "minAvailable: 2", "minAvailable: 1"), "spec.minAvailable", "pod-disruption-budget", rules.Safe,
		"one stays"},
	{"daemonset of every node resumed", "rollout-resumed-all-unavailable-daemonset", -1, edit(hDS, ds("updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 100%"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed-all-unavailable-daemonset", rules.Disruptive,
		"every node's pod may stop at once"},
	{"daemonset of every node held back", "rollout-resumed-all-unavailable-daemonset", 0, edit(hDS, ds("updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 100%"), "type: RollingUpdate", "type: OnDelete"), "spec.updateStrategy.type", "rollout-settings", rules.Safe,
		"holding back restarts nothing"},
	{"daemonset of a few nodes resumed", "rollout-resumed-all-unavailable-daemonset", 1, edit(hDS, ds("updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 49%"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed", rules.Restart,
		"most nodes keep their pod"},
	{"statefulset of every pod resumed", "rollout-resumed-all-unavailable-statefulset", -1, edit(hSts, s("3", "updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 3"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed-all-unavailable-statefulset", rules.Disruptive,
		"every pod may be deleted at once"},
	{"statefulset of every pod held back", "rollout-resumed-all-unavailable-statefulset", 0, edit(hSts, s("3", "updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 3"), "type: RollingUpdate", "type: OnDelete"), "spec.updateStrategy.type", "rollout-settings", rules.Safe,
		"holding back restarts nothing"},
	{"statefulset of two of three resumed", "rollout-resumed-all-unavailable-statefulset", 1, edit(hSts, s("3", "updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 2"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed", rules.Restart,
		"one pod keeps serving"},
	{"statefulset of one resumed", "rollout-resumed-all-unavailable-statefulset", 2, edit(hSts, s("1", "updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 1"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed-single-replica", rules.Disruptive,
		"one replica: the single-replica rule's"},
	{"partition of every pod lowered", "rollout-partition-lowered-all-unavailable", -1, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 3\n      partition: 3"), "partition: 3", "partition: 0"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered-all-unavailable", rules.Disruptive,
		"every pod held back may be deleted at once"},
	{"partition of every pod raised", "rollout-partition-lowered-all-unavailable", 0, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 3\n      partition: 0"), "partition: 0", "partition: 3"), "spec.updateStrategy.rollingUpdate.partition", "rollout-settings", rules.Safe,
		"a higher partition holds pods back"},
	{"partition of two of three lowered", "rollout-partition-lowered-all-unavailable", 1, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 2\n      partition: 3"), "partition: 3", "partition: 0"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered", rules.Restart,
		"one pod keeps serving"},
	{"partition of one lowered", "rollout-partition-lowered-all-unavailable", 2, edit(hSts, s("1", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 1\n      partition: 1"), "partition: 1", "partition: 0"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered-single-replica", rules.Disruptive,
		"one replica: the single-replica rule's"},
	{"one replica resumed", "rollout-resumed-single-replica", -1, edit(hDeploy, d("1", "paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed-single-replica", rules.Disruptive,
		"the only pod is replaced now"},
	{"one replica paused", "rollout-resumed-single-replica", 0, edit(hDeploy, d("1", "paused: false"), "paused: false", "paused: true"), "spec.paused", "rollout-settings", rules.Safe,
		"pausing restarts nothing"},
	{"three replicas resumed", "rollout-resumed-single-replica", 1, edit(hDeploy, d("3", "paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed", rules.Restart,
		"three replicas roll one by one"},
	{"one-replica statefulset taken from OnDelete", "rollout-resumed-single-replica", -1, edit(hSts, s("1", "updateStrategy:\n    type: OnDelete"), "type: OnDelete", "type: RollingUpdate"), "spec.updateStrategy.type", "rollout-resumed-single-replica", rules.Disruptive,
		"its only pod is deleted before the new one starts"},
	{"one-replica partition lowered", "rollout-partition-lowered-single-replica", -1, edit(hSts, s("1", "updateStrategy:\n    rollingUpdate:\n      partition: 1"), "partition: 1", "partition: 0"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered-single-replica", rules.Disruptive,
		"its only pod is deleted before the new one starts"},
	{"one-replica partition raised", "rollout-partition-lowered-single-replica", 0, edit(hSts, s("1", "updateStrategy:\n    rollingUpdate:\n      partition: 0"), "partition: 0", "partition: 1"), "spec.updateStrategy.rollingUpdate.partition", "rollout-settings", rules.Safe,
		"a higher partition holds the pod back"},
	{"three-replica partition lowered", "rollout-partition-lowered-single-replica", 1, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      partition: 3"), "partition: 3", "partition: 0"), "spec.updateStrategy.rollingUpdate.partition", "rollout-partition-lowered", rules.Restart,
		"three pods are updated one by one"},
	{"recreating deployment resumed", "rollout-resumed-recreate", -1, edit(hDeploy, d("3", "strategy:\n    type: Recreate\n  paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed-recreate", rules.Disruptive,
		"every pod stops before the new ones start"},
	{"recreating deployment paused", "rollout-resumed-recreate", 0, edit(hDeploy, d("3", "strategy:\n    type: Recreate\n  paused: false"), "paused: false", "paused: true"), "spec.paused", "rollout-settings", rules.Safe,
		"pausing restarts nothing"},
	{"rolling deployment resumed", "rollout-resumed-recreate", 1, edit(hDeploy, d("3", "strategy:\n    type: RollingUpdate\n  paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed", rules.Restart,
		"a rolling update keeps pods serving"},
	{"all unavailable resumed", "rollout-resumed-all-unavailable", -1, edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 100%\n  paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed-all-unavailable", rules.Disruptive,
		"every old pod may stop at once"},
	{"all unavailable paused", "rollout-resumed-all-unavailable", 0, edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 100%\n  paused: false"), "paused: false", "paused: true"), "spec.paused", "rollout-settings", rules.Safe,
		"pausing restarts nothing"},
	{"half unavailable resumed", "rollout-resumed-all-unavailable", 1, edit(hDeploy, d("3", "strategy:\n    rollingUpdate:\n      maxUnavailable: 50%\n  paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed", rules.Restart,
		"half the pods keep serving"},
	{"all unavailable of no replicas resumed", "rollout-resumed-all-unavailable", 2, edit(hDeploy, d("0", "strategy:\n    rollingUpdate:\n      maxUnavailable: 100%\n  paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed-single-replica", rules.Disruptive,
		"no replicas: the single-replica rule's"},
	{"all unavailable, recreating, resumed", "rollout-resumed-all-unavailable", 3, edit(hDeploy, d("3", "strategy:\n    type: Recreate\n    rollingUpdate:\n      maxUnavailable: 100%\n  paused: true"), "paused: true", "paused: false"), "spec.paused", "rollout-resumed-recreate", rules.Disruptive,
		"Recreate: the recreate rule's"},
	{"pv node affinity set where there was none", "pv-node-affinity-set", -1, change(hPV, pv, pv+"  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - key: topology.kubernetes.io/zone\n          operator: In\n          values: [a]\n"), `spec.nodeAffinity.required.nodeSelectorTerms`, "pv-node-affinity-set", rules.Safe,
		"found: the API server allows setting it where it was not set; it was destructive, 'helm upgrade will fail'"},
	{"pv node affinity set where it was null", "pv-node-affinity-set", -1, change(hPV, pv+"  nodeAffinity: null\n", pv+"  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - key: topology.kubernetes.io/zone\n          operator: In\n          values: [a]\n"), `spec.nodeAffinity`, "pv-node-affinity-set", rules.Safe,
		"found: null decodes to nil, which the API server does not compare; it was destructive"},
	{"pv node affinity set where it was empty", "pv-node-affinity-set", 0, change(hPV, pv+"  nodeAffinity: {}\n", pv+"  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - key: topology.kubernetes.io/zone\n          operator: In\n          values: [a]\n"), `spec.nodeAffinity.required`, "pv-immutable", rules.Destructive,
		"an empty affinity is set: validatePvNodeAffinity compares it, and refuses"},
	{"elastic indexed job grown", "job-elastic-indexed", -1, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  completionMode: Indexed\n  completions: 4\n  parallelism: 4", 1), "completions: 4\n  parallelism: 4", "completions: 6\n  parallelism: 6"), "spec.completions", "job-elastic-indexed", rules.Safe,
		"found: the API server takes completions changed in tandem with parallelism for an Indexed Job; it was 'helm upgrade will fail'"},
	{"non-indexed job's completions with parallelism", "job-elastic-indexed", 0, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  completionMode: NonIndexed\n  completions: 4\n  parallelism: 4", 1), "completions: 4\n  parallelism: 4", "completions: 6\n  parallelism: 6"), "spec.completions", "job-immutable", rules.Disruptive,
		"validateCompletions: a NonIndexed Job's completions are immutable"},
	{"elastic indexed job, completions below parallelism", "job-elastic-indexed", 1, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  completionMode: Indexed\n  completions: 4\n  parallelism: 4", 1), "completions: 4\n  parallelism: 4", "completions: 5\n  parallelism: 6"), "spec.completions", "job-immutable", rules.Disruptive,
		"completions must equal the new parallelism"},
	{"elastic indexed job past the limit", "job-elastic-indexed", 3, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  completionMode: Indexed\n  completions: 4\n  parallelism: 4", 1), "completions: 4\n  parallelism: 4", "completions: 200000\n  parallelism: 200000"), "spec.completions", "job-immutable", rules.Disruptive,
		"found: validateJobSpec refuses an Indexed Job's parallelism above 100000"},
	{"elastic indexed job below its failed indexes", "job-elastic-indexed", 4, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  completionMode: Indexed\n  backoffLimitPerIndex: 1\n  maxFailedIndexes: 3\n  completions: 4\n  parallelism: 4", 1), "completions: 4\n  parallelism: 4", "completions: 2\n  parallelism: 2"), "spec.completions", "job-immutable", rules.Disruptive,
		"validateJobSpec: maxFailedIndexes must be less than or equal to completions"},
	{"elastic indexed job, completions alone", "job-elastic-indexed", 2, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  completionMode: Indexed\n  completions: 4\n  parallelism: 4", 1), "completions: 4", "completions: 6"), "spec.completions", "job-immutable", rules.Disruptive,
		"parallelism stays 4: can only be modified in tandem with spec.parallelism"},
	{"parallelism lowered", "job-lowered", -1, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  parallelism: 4", 1), "  parallelism: 4\n", ""), "spec.parallelism", "job-lowered", rules.Disruptive,
		"unset, parallelism is 1: three running pods are deleted"},
	{"parallelism raised", "job-lowered", 0, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: false\n  parallelism: 2", 1), "parallelism: 2", "parallelism: 4"), "spec.parallelism", "job-settings", rules.Safe,
		"more pods run; none is deleted"},
	{"token secret's account", "service-account-token-owner", -1, edit(hSecret, tokenSecret, "service-account.name: a", "service-account.name: b"), `metadata.annotations["kubernetes.io/service-account.name"]`, "service-account-token-owner", rules.Disruptive,
		"the token controller deletes the Secret"},
	{"an opaque secret's annotation", "service-account-token-owner", 0, edit(hSecret, strings.Replace(tokenSecret, "kubernetes.io/service-account-token", "Opaque", 1), "service-account.name: a", "service-account.name: b"), `metadata.annotations["kubernetes.io/service-account.name"]`, "annotations", rules.Safe,
		"no token controller reads an Opaque Secret"},
	{"default storageclass created", "default-storageclass-created", -1, change("prod, fast, StorageClass (storage.k8s.io)", "", strings.Replace(sc, `"false"`, `"true"`, 1)), "", "default-storageclass-created", rules.Disruptive,
		"marked default as it is created"},
	{"storageclass created, not default", "default-storageclass-created", 0, change("prod, fast, StorageClass (storage.k8s.io)", "", sc), "", "create", rules.Safe,
		"\"false\" marks no default"},
	{"default storageclass created, beta key", "default-storageclass-created-beta", -1, change("prod, fast, StorageClass (storage.k8s.io)", "", strings.NewReplacer(`"false"`, `"true"`, "storageclass.kubernetes.io", "storageclass.beta.kubernetes.io").Replace(sc)), "", "default-storageclass-created-beta", rules.Disruptive,
		"the beta key"},
	{"storageclass created, beta key not default", "default-storageclass-created-beta", 0, change("prod, fast, StorageClass (storage.k8s.io)", "", strings.Replace(sc, "storageclass.kubernetes.io", "storageclass.beta.kubernetes.io", 1)), "", "create", rules.Safe,
		"\"false\" marks no default"},
	{"default ingressclass created", "default-ingressclass-created", -1, change("prod, nginx, IngressClass (networking.k8s.io)", "", ingressClass), "", "default-ingressclass-created", rules.Disruptive,
		"marked default as it is created"},
	{"default priorityclass created", "default-priorityclass-created", -1, change(", high, PriorityClass (scheduling.k8s.io)", "", priorityClass), "", "default-priorityclass-created", rules.Disruptive,
		"globalDefault: every new pod without a class gets it"},
	{"priorityclass created, not default", "default-priorityclass-created", 0, change(", high, PriorityClass (scheduling.k8s.io)", "", strings.Replace(priorityClass, "globalDefault: true", "globalDefault: false", 1)), "", "create", rules.Safe,
		"a class pods must name"},
	{"aggregated api created", "apiservice-created", -1, change(", v1beta1.metrics.k8s.io, APIService (apiregistration.k8s.io)", "", apiService), "", "apiservice-created", rules.Disruptive,
		"a service behind it: discovery waits for it"},
	{"local api registered", "apiservice-created", 0, change(", v1beta1.metrics.k8s.io, APIService (apiregistration.k8s.io)", "", strings.Replace(apiService, "  service:\n    name: metrics-server\n    namespace: kube-system\n", "", 1)), "", "create", rules.Safe,
		"no service: the API server serves the group itself"},
	{"ingressclass created, not default", "default-ingressclass-created", 0, change("prod, nginx, IngressClass (networking.k8s.io)", "", strings.Replace(ingressClass, `"true"`, `"false"`, 1)), "", "create", rules.Safe,
		"\"false\" marks no default"},
	{"mountable secret removed, enforced", "service-account-mountable-secret-removed", -1, edit("prod, sa, ServiceAccount (v1)", strings.Replace(serviceAccount, "  name: sa\n", "  name: sa\n  annotations:\n    kubernetes.io/enforce-mountable-secrets: \"true\"\n", 1), "  - name: tls\n", ""), "secrets[name=tls]", "service-account-mountable-secret-removed", rules.Disruptive,
		"the account's pods may mount only what it lists"},
	{"mountable secret removed, not enforced", "service-account-mountable-secret-removed", 0, edit("prod, sa, ServiceAccount (v1)", serviceAccount, "  - name: tls\n", ""), "secrets[name=tls]", "service-account", rules.Safe,
		"without the annotation the list restricts nothing"},
	{"two nodes' pods at once", "restart-many-unavailable-daemonset", -1, edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 2"), "agent:1", "agent:2"), dsImage, "restart-many-unavailable-daemonset", rules.Disruptive,
		"found: a number of nodes passed as a restart; 2 is every node of a two-node cluster"},
	{"one node's pod at a time, said", "restart-many-unavailable-daemonset", 0, edit(hDS, ds("updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 1"), "agent:1", "agent:2"), dsImage, "pod-template-image", rules.Restart,
		"one node at a time is the default"},
	{"many nodes' pods, on delete", "restart-many-unavailable-daemonset", 1, edit(hDS, ds("updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 100"), "agent:1", "agent:2"), dsImage, "pod-template-pending-ondelete", rules.Restart,
		"OnDelete replaces no pod until it is deleted"},
	{"one node's pod at a time", "restart-all-unavailable-daemonset", 0, edit(hDS, ds(""), "agent:1", "agent:2"), dsImage, "pod-template-image", rules.Restart,
		"maxUnavailable defaults to 1"},
	{"every node's pod, on delete", "restart-all-unavailable-daemonset", 1, edit(hDS, ds("updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 100%"), "agent:1", "agent:2"), dsImage, "pod-template-pending-ondelete", rules.Restart,
		"OnDelete replaces no pod until it is deleted"},
	{"recreate", "restart-recreate", -1, edit(hDeploy, d("3", "strategy:\n    type: Recreate"), "nginx:1.25", "nginx:1.27"), deployImage, "restart-recreate", rules.Disruptive,
		"every pod stops first"},
	{"rolling update", "restart-recreate", 0, edit(hDeploy, d("3", "strategy:\n    type: RollingUpdate"), "nginx:1.25", "nginx:1.27"), deployImage, "pod-template-image", rules.Restart,
		"RollingUpdate keeps pods serving"},

	{"every statefulset pod at once", "restart-all-unavailable-statefulset", -1, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 3"), "postgres:15.1", "postgres:15.2"), stsImage, "restart-all-unavailable-statefulset", rules.Disruptive,
		"maxUnavailable 3 of 3 (MaxUnavailableStatefulSet, on by default from 1.37): every pod may go at once"},
	{"every statefulset pod at once, in percent", "restart-all-unavailable-statefulset", -1, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 100%"), "postgres:15.1", "postgres:15.2"), stsImage, "restart-all-unavailable-statefulset", rules.Disruptive,
		"100% of the replicas"},
	{"statefulset pods two at a time", "restart-all-unavailable-statefulset", 0, edit(hSts, s("3", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 2"), "postgres:15.1", "postgres:15.2"), stsImage, "pod-template-image", rules.Restart,
		"one pod of three keeps serving"},
	{"one statefulset pod, all unavailable", "restart-all-unavailable-statefulset", 1, edit(hSts, s("1", "updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 1"), "postgres:15.1", "postgres:15.2"), stsImage, "restart-single-replica-statefulset", rules.Disruptive,
		"a single replica is the single-replica rule's"},
	{"every statefulset pod, on delete", "restart-all-unavailable-statefulset", 2, edit(hSts, s("3", "updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      maxUnavailable: 100%"), "postgres:15.1", "postgres:15.2"), stsImage, "pod-template-pending-ondelete", rules.Restart,
		"OnDelete replaces no pod until it is deleted"},
	{"one-replica statefulset", "restart-single-replica-statefulset", -1, edit(hSts, s("1", ""), "postgres:15.1", "postgres:15.2"), stsImage, "restart-single-replica-statefulset", rules.Disruptive,
		"its only pod is deleted before the new one starts"},
	{"two-replica statefulset", "restart-single-replica-statefulset", 0, edit(hSts, s("2", ""), "postgres:15.1", "postgres:15.2"), stsImage, "pod-template-image", rules.Restart,
		"another pod serves meanwhile"},
	{"one-replica statefulset on delete", "restart-single-replica-statefulset", 1, edit(hSts, s("1", "updateStrategy:\n    type: OnDelete"), "postgres:15.1", "postgres:15.2"), stsImage, "pod-template-pending-ondelete", rules.Restart,
		"OnDelete: nothing restarts now"},

	{"3 to 0", "replicas-to-zero", -1, change(hDeploy, d("3", ""), d("0", "")), "spec.replicas", "replicas-to-zero", rules.Disruptive,
		"no pod serves"},
	{"3 to -0.0", "replicas-to-zero", -1, change(hDeploy, d("3", ""), d("-0.0", "")), "spec.replicas", "replicas-to-zero", rules.Disruptive,
		"go-yaml reads a float -0, the API server a replicas of 0: no pod serves"},
	{"3 to 1", "replicas-to-zero", 0, change(hDeploy, d("3", ""), d("1", "")), "spec.replicas", "replicas", rules.Safe,
		"one pod still serves"},

	{"scale-down deleting claims", "statefulset-scale-down-deletes-claims", -1, change(hSts, s("3", whenScaled("Delete")), s("2", whenScaled("Delete"))), "spec.replicas", "statefulset-scale-down-deletes-claims", rules.Destructive,
		"the removed pod's claim is deleted"},
	{"scale-up with whenScaled Delete", "statefulset-scale-down-deletes-claims", 0, change(hSts, s("2", whenScaled("Delete")), s("3", whenScaled("Delete"))), "spec.replicas", "replicas", rules.Safe,
		"a scale-up deletes nothing"},
	{"scale-down retaining claims", "statefulset-scale-down-deletes-claims", 1, change(hSts, s("3", whenScaled("Retain")), s("2", whenScaled("Retain"))), "spec.replicas", "statefulset-scale-down", rules.Disruptive,
		"whenScaled Retain keeps the claims: the scale-down stops members, it deletes no data"},
	{"scale-down with the default policy", "statefulset-scale-down-deletes-claims", 1, change(hSts, s("3", ""), s("2", "")), "spec.replicas", "statefulset-scale-down", rules.Disruptive,
		"the policy defaults to Retain when the chart omits it"},
	{"statefulset scaled down", "statefulset-scale-down", -1, change(hSts, s("6", ""), s("3", "")), "spec.replicas", "statefulset-scale-down", rules.Disruptive,
		"pods 3 to 5 stop: a clustered store loses those members unless they left it first"},
	{"statefulset scaled up", "statefulset-scale-down", 0, change(hSts, s("3", ""), s("6", "")), "spec.replicas", "replicas", rules.Safe,
		"new members join; no pod stops"},
	{"statefulset scaled down to an octal", "statefulset-scale-down", -1, change(hSts, s("9", ""), s("010", "")), "spec.replicas", "statefulset-scale-down", rules.Disruptive,
		"010 is 8 in YAML 1.1: one pod fewer"},
	{"statefulset replicas no longer set", "statefulset-scale-down", -1, change(hSts, s("3", ""), strings.Replace(s("3", ""), "  replicas: 3\n", "", 1)), "spec.replicas", "statefulset-scale-down", rules.Disruptive,
		"the API server sets it to 1: two pods stop"},
	{"replicas no longer set, claims deleted", "statefulset-scale-down-deletes-claims", -1, change(hSts, s("3", whenScaled("Delete")), strings.Replace(s("3", whenScaled("Delete")), "  replicas: 3\n", "", 1)), "spec.replicas", "statefulset-scale-down-deletes-claims", rules.Destructive,
		"helm's patch removes the field and the API server sets it to 1: a scale-down from 3"},
	{"replicas set to null, claims deleted", "statefulset-scale-down-deletes-claims", -1, change(hSts, s("3", whenScaled("Delete")), s("null", whenScaled("Delete"))), "spec.replicas", "statefulset-scale-down-deletes-claims", rules.Destructive,
		"null is read as not set: 1"},
	{"scale-down to a YAML 1.1 octal", "statefulset-scale-down-deletes-claims", -1, change(hSts, s("9", whenScaled("Delete")), s("010", whenScaled("Delete"))), "spec.replicas", "statefulset-scale-down-deletes-claims", rules.Destructive,
		"010 is octal in YAML 1.1: the API server receives 8, one pod fewer than 9, not 10"},
	{"scale-up to a hexadecimal count", "statefulset-scale-down-deletes-claims", 0, change(hSts, s("9", whenScaled("Delete")), s("0x0A", whenScaled("Delete"))), "spec.replicas", "replicas", rules.Safe,
		"0x0A is 10: a scale-up, though its digits read as no number"},
	{"scale-down from an underscored count", "statefulset-scale-down-deletes-claims", -1, change(hSts, s("1_0", whenScaled("Delete")), s("9", whenScaled("Delete"))), "spec.replicas", "statefulset-scale-down-deletes-claims", rules.Destructive,
		"YAML 1.1 drops the underscores of 1_0: 10 to 9"},
	{"replicas no longer set where it was 1", "statefulset-scale-down-deletes-claims", 0, change(hSts, s("1", whenScaled("Delete")), strings.Replace(s("1", whenScaled("Delete")), "  replicas: 1\n", "", 1)), "spec.replicas", "server-default", rules.Safe,
		"the default is what it was: no scale-down"},
	{"a Deployment's replicas no longer set", "replicas-to-zero", 0, change(hDeploy, d("3", ""), strings.Replace(d("3", ""), "  replicas: 3\n", "", 1)), "spec.replicas", "replicas", rules.Safe,
		"the API server sets it to 1, not 0: one pod still serves"},

	{"renumbered, claims deleted", "statefulset-ordinals-deletes-claims", -1, edit(hSts, s("3", "ordinals:\n    start: 0\n  "+whenScaled("Delete")), "start: 0", "start: 5"), "spec.ordinals.start", "statefulset-ordinals-deletes-claims", rules.Destructive,
		"the pods outside the new range go, and whenScaled Delete deletes their claims"},
	{"renumbered, claims retained", "statefulset-ordinals-deletes-claims", 0, edit(hSts, s("3", "ordinals:\n    start: 0\n  "+whenScaled("Retain")), "start: 0", "start: 5"), "spec.ordinals.start", "statefulset-ordinals", rules.Disruptive,
		"the old claims stay; the pods still start on new ones"},
	{"job suspended", "job-suspended", -1, edit("prod, j, Job (batch)", job, "suspend: false", "suspend: true"), "spec.suspend", "job-suspended", rules.Disruptive,
		"its running pods are deleted"},
	{"job resumed", "job-suspended", 0, edit("prod, j, Job (batch)", strings.Replace(job, "suspend: false", "suspend: true", 1), "suspend: true", "suspend: false"), "spec.suspend", "job-settings", rules.Safe,
		"resuming starts pods"},
	{"pod deadline raised", "pod-deadline-raised", -1, edit(hPod, pod, "activeDeadlineSeconds: 60", "activeDeadlineSeconds: 0x78"), "spec.activeDeadlineSeconds", "pod-deadline-raised", rules.Disruptive,
		"0x78 is 120: raised, which the API server refuses"},
	{"pod deadline lowered", "pod-deadline-raised", 0, edit(hPod, pod, "activeDeadlineSeconds: 60", "activeDeadlineSeconds: 30"), "spec.activeDeadlineSeconds", "pod-settings", rules.Safe,
		"a deadline may be lowered"},
	{"keep policy removed", "helm-keep-removed", -1, edit(hPVC, pvcKept, "    helm.sh/resource-policy: keep\n", ""), `metadata.annotations["helm.sh/resource-policy"]`, "helm-keep-removed", rules.Disruptive,
		"helm deletes the claim when the chart stops rendering it"},
	{"keep policy in capitals changed", "helm-keep-removed", -1, edit(hPVC, strings.Replace(pvcKept, ": keep", ": Keep", 1), ": Keep", ": none"), `metadata.annotations["helm.sh/resource-policy"]`, "helm-keep-removed", rules.Disruptive,
		"helm uninstall lower-cases the policy: Keep kept it from an uninstall"},
	{"another policy removed", "helm-keep-removed", 0, edit(hPVC, strings.Replace(pvcKept, ": keep", ": other", 1), "    helm.sh/resource-policy: other\n", ""), `metadata.annotations["helm.sh/resource-policy"]`, "annotations", rules.Safe,
		"only keep protects the object"},
	{"claim deletion armed", "statefulset-claim-deletion-armed", -1, change(hSts, s("3", whenDeleted("Retain")), s("3", whenDeleted("Delete"))), "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "statefulset-claim-deletion-armed", rules.Disruptive,
		"a later deletion deletes the claims"},
	{"claim deletion disarmed", "statefulset-claim-deletion-armed", 0, change(hSts, s("3", whenDeleted("Delete")), s("3", whenDeleted("Retain"))), "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "rollout-settings", rules.Safe,
		"Retain keeps the claims"},

	{"load-balancer class dropped with the type", "service-lb-class-dropped-with-type", -1, edit(hSvc, lbSvc, "  type: LoadBalancer\n  loadBalancerClass: example.com/lb\n", "  type: NodePort\n"), "spec.loadBalancerClass", "service-lb-class-dropped-with-type", rules.Safe,
		"found: 'may not change once set - helm upgrade will fail', yet the server takes it with the type"},
	{"load-balancer class dropped, still a LoadBalancer", "service-lb-class-dropped-with-type", 0, edit(hSvc, lbSvc, "  loadBalancerClass: example.com/lb\n", ""), "spec.loadBalancerClass", "service-ip-family", rules.Disruptive,
		"validateLoadBalancerClassField: may not change once set"},
	{"load-balancer class given with the type", "service-lb-class-set-with-type", -1, edit(hSvc, svc, "  type: ClusterIP\n", "  type: LoadBalancer\n  loadBalancerClass: example.com/lb\n"), "spec.loadBalancerClass", "service-lb-class-set-with-type", rules.Safe,
		"a ClusterIP Service had no class to keep"},
	{"load-balancer class given to a LoadBalancer", "service-lb-class-set-with-type", 0, edit(hSvc, strings.Replace(svc, "type: ClusterIP", "type: LoadBalancer", 1), "  type: LoadBalancer\n", "  type: LoadBalancer\n  loadBalancerClass: example.com/lb\n"), "spec.loadBalancerClass", "service-ip-family", rules.Disruptive,
		"it was a LoadBalancer without a class: the class may not change"},
	{"load-balancer class given to a ClusterIP Service", "service-lb-class-set-with-type", 1, edit(hSvc, svc, "  clusterIP: 10.96.0.10\n", "  clusterIP: 10.96.0.10\n  loadBalancerClass: example.com/lb\n"), "spec.loadBalancerClass", "service-ip-family", rules.Disruptive,
		"the class may only be used with the LoadBalancer type: the server refuses it"},
	{"clusterIP changed", "service-cluster-ip", -1, edit(hSvc, svc, "10.96.0.10", "10.96.0.11"), "spec.clusterIP", "service-cluster-ip", rules.Disruptive,
		"an allocated clusterIP may not change"},
	{"clusterIP set where none was", "service-cluster-ip", -1, edit(hSvc, svc, "  clusterIP: 10.96.0.10\n", "  clusterIP: 10.96.0.10\n  clusterIPs: [10.96.0.10]\n"), "spec.clusterIPs", "service-cluster-ip", rules.Disruptive,
		"an added address must equal the allocated one, or the upgrade fails"},
	{"clusterIP set empty", "service-cluster-ip", 0, edit(hSvc, svc, "10.96.0.10", `""`), "spec.clusterIP", "service-cluster-ip-omitted", rules.Safe,
		"an empty clusterIP keeps the allocated address"},
	{"clusterIP set null", "service-cluster-ip", 0, edit(hSvc, svc, "10.96.0.10", "null"), "spec.clusterIP", "service-cluster-ip-omitted", rules.Safe,
		"null keeps it too"},
	{"clusterIP removed", "service-cluster-ip", 0, edit(hSvc, svc, "  clusterIP: 10.96.0.10\n", ""), "spec.clusterIP", "service-cluster-ip-omitted", rules.Safe,
		"a removal is no op the rule matches (add, modify): the address is kept"},

	{"claim shrunk", "pvc-storage-shrink", -1, edit(hPVC, pvc, "5Gi", "1Gi"), "spec.resources.requests.storage", "pvc-storage-shrink", rules.Disruptive,
		"a claim cannot shrink"},
	{"claim grown", "pvc-storage-shrink", 0, edit(hPVC, pvc, "5Gi", "10Gi"), "spec.resources.requests.storage", "pvc-storage", rules.Disruptive,
		"expansion"},
	{"claim grown in other units", "pvc-storage-shrink", 0, edit(hPVC, pvc, "5Gi", "5121Mi"), "spec.resources.requests.storage", "pvc-storage", rules.Disruptive,
		"5121Mi is more than 5Gi: not a decrease (5120Mi is the same quantity, no change at all)"},

	{"reclaim policy Delete", "pv-reclaim-delete", -1, edit(hPV, pv, "Retain", "Delete"), "spec.persistentVolumeReclaimPolicy", "pv-reclaim-delete", rules.Destructive,
		"the data goes with the claim"},
	{"reclaim policy Retain", "pv-reclaim-delete", 0, edit(hPV, strings.Replace(pv, "Retain", "Delete", 1), "Delete", "Retain"), "spec.persistentVolumeReclaimPolicy", "pv-settings", rules.Safe,
		"Retain keeps the data"},

	{"immutable configmap data", "configmap-immutable", -1, edit(hCM, withCM("immutable: true\n"), "b: one", "b: two"), "data.b", "configmap-immutable", rules.Disruptive,
		"immutable: true rejects the change"},
	{"mutable configmap data", "configmap-immutable", 0, edit(hCM, withCM("immutable: false\n"), "b: one", "b: two"), "data.b", "config-data", rules.Safe,
		"immutable: false takes it"},
	{"configmap without the flag", "configmap-immutable", 0, edit(hCM, withCM(""), "b: one", "b: two"), "data.b", "config-data", rules.Safe,
		"absent in full context is not immutable"},
	{"configmap made immutable", "configmap-immutable", 0, change(hCM, withCM(""), withCM("immutable: true\n")), "immutable", "config-data", rules.Safe,
		"the rule reads the old side: setting the flag is allowed"},
}

const (
	deployImage = "spec.template.spec.containers[name=web].image"
	stsImage    = "spec.template.spec.containers[name=db].image"
	dsImage     = "spec.template.spec.containers[name=agent].image"
)

func whenScaled(p string) string {
	return fmt.Sprintf("persistentVolumeClaimRetentionPolicy:\n    whenScaled: %s", p)
}

func whenDeleted(p string) string {
	return fmt.Sprintf("persistentVolumeClaimRetentionPolicy:\n    whenDeleted: %s", p)
}

func TestDefaultRuleConditions(t *testing.T) {
	names := tabletest.Names{}
	for _, tc := range conditionCases {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			res := judge(t, tc.diff)
			f, ok := finding(res, tc.path)
			if !ok {
				t.Fatalf("no finding at %q\n%s", tc.path, tc.diff)
			}
			if f.Rule != tc.wantRule || f.Level != tc.level {
				t.Errorf("got %s (%s), want %s (%s)\nreason: %s", f.Level, f.Rule, tc.level, tc.wantRule, tc.reason)
			}
			if f.Assumed {
				t.Errorf("full context, yet assumed: %v", f.Assumptions)
			}
		})
	}
}

// TestEveryConditionHasANegativeCase: every default rule with conditions
// has a case where it decides, and each of its conditions a case where
// that condition alone fails.
func TestEveryConditionHasANegativeCase(t *testing.T) {
	type key struct {
		rule string
		cond int
	}
	have := map[key]bool{}
	for _, tc := range conditionCases {
		have[key{tc.rule, tc.cond}] = true
	}
	for _, r := range defaultSet.Rules() {
		if len(r.When) == 0 {
			continue
		}
		if !have[key{r.ID, -1}] {
			t.Errorf("%s: no case where it decides", r.ID)
		}
		for i := range r.When {
			if !have[key{r.ID, i}] {
				t.Errorf("%s: no case where when[%d] alone fails", r.ID, i)
			}
		}
	}
}
