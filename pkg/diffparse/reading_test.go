package diffparse_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

// These tests pin the reading of YAML that a line-based reader gets wrong
// and Kubernetes does not: each entry is read in the diff format (full
// context), inside a helmfile stream (full context too), and inside a
// Stevedore plan (five lines of context). Complete objects must come out
// at the level of Kubernetes' reading; partial ones at that level, or with
// the lines they cannot resolve in Object.Unresolved (classification then
// judges them by the worst their changes could be).

// reviewed runs the whole review with the default rules.
func reviewed(t *testing.T, input string) (rules.Level, *diffparse.Plan) {
	t.Helper()
	rep, err := review.Review(strings.NewReader(input), review.Options{})
	if err != nil {
		t.Fatalf("review: %v\n%s", allErrors(err), input)
	}
	return rep.Result.Highest, rep.Result.Plan
}

func hasChange(p *diffparse.Plan, path string, op diffparse.Op) bool {
	for _, o := range p.Objects {
		for _, c := range o.Changes {
			if c.Path.String() == path && c.Op == op {
				return true
			}
		}
	}
	return false
}

func unresolved(p *diffparse.Plan) bool {
	for _, o := range p.Objects {
		if len(o.Unresolved) > 0 {
			return true
		}
	}
	return false
}

// The entries: each shows in its changed lines only what a line reader
// reads as harmless.
const (
	anchoredDeployment = `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
-   labels: &labels {app: web, tier: front}
+   labels: &labels {app: web, tier: back}
  spec:
    replicas: 3
    selector:
      matchLabels: *labels
    template:
      metadata:
        labels: *labels
      spec:
        containers:
          - &web
            name: web
            image: nginx:1.25
            resources: {requests: {cpu: 100m}}
          - <<: *web
            name: sidecar
`
	aliasedImage = `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    annotations:
-     image: &image "nginx:1.25"
+     image: &image "nginx:1.27"
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
          - name: web
            image: *image
`
	mergedDefaults = `default, db, StatefulSet (apps) has changed:
  # Source: demo/templates/statefulset.yaml
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: db
-   annotations: &defaults {replicas: 3}
+   annotations: &defaults {replicas: 1}
  spec:
    <<: *defaults
    serviceName: db
    selector:
      matchLabels:
        app: db
    persistentVolumeClaimRetentionPolicy:
      whenScaled: Delete
    template:
      metadata:
        labels:
          app: db
      spec:
        containers:
          - name: db
            image: redis:7
`
	flowStrategy = `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    strategy: {type: Recreate}
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
`
	flowRetention = `default, db, StatefulSet (apps) has changed:
  # Source: demo/templates/statefulset.yaml
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: db
  spec:
-   replicas: 3
+   replicas: 1
    persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Delete}
    serviceName: db
    selector:
      matchLabels:
        app: db
`
	escapedLineBreak = `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    strategy:
      type: "Recre\
        ate"
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
`
	duplicateKey = `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
    replicas: 1
`
	unicodeBreak = "default, web, Service (v1) has changed:\n" +
		"  # Source: demo/templates/service.yaml\n" +
		"  apiVersion: v1\n" +
		"  kind: Service\n" +
		"  spec:\n" +
		"    selector:\n" +
		"      app: web\n" +
		"  metadata:\n" +
		"    name: web\n" +
		"    labels:\n" +
		"-     note: plain\n" +
		"+     note: plain\u2028spec: {selector: {app: attacker}}\n"
	reorderedEnv = `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
          - name: web
            image: nginx:1.25
            env:
-             - name: URL
-               value: "http://$(HOST)"
              - name: HOST
                value: db
+             - name: URL
+               value: "http://$(HOST)"
`
	reorderedArgs = `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
          - name: web
            image: nginx:1.25
-           args: [--config=/etc/web.yaml, --strict]
+           args: [--strict, --config=/etc/web.yaml]
`
	reorderedContainers = `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
-         - name: sidecar
-           image: busybox:1
          - name: web
            image: nginx:1.25
+         - name: sidecar
+           image: busybox:1
`
)

// The documents of adversarial passes over partial views and over blocks
// added or removed whole, kept in testdata/reading: each full view holds
// what some partial view of it once read lower.
var (
	// Items and keys that move: a partial view shows the removed and the
	// added line in different hunks, or at other columns, with one path.
	// swappedContainers: two containers swap places, their shared lines kept as context: a partial view shows only name and image lines changing (Recreate: every pod at once)
	swappedContainers = readingFile("swapped-containers.diff")
	// swappedEnv: two env entries swap places: $(VAR) expansion and the pod template change
	swappedEnv = readingFile("swapped-env.diff")
	// movedArg: an argument moves within a long list: each hunk of a partial view shows one of its lines
	movedArg = readingFile("moved-arg.diff")
	// movedSelectorLabel: a label moves from the selector (immutable) to the object's labels
	movedSelectorLabel = readingFile("moved-selector-label.diff")
	// reindentedLabel: a pod label indented two columns less: spec.template.metadata.tier, the selector no longer matches the template (refused)
	reindentedLabel = readingFile("reindented-label.diff")
	// blankInPlain: a blank line added inside an argument written over two lines: go-yaml folds "x", "", "y" into "x\ny" (a plain scalar's line break), so the argument changes
	blankInPlain = readingFile("blank-in-plain.diff")
	// blankInBlock: a blank line added to a literal block: a line of the script
	blankInBlock = readingFile("blank-in-block.diff")
	// Blocks added or removed whole, whose fields rules name.
	// retentionBlockAdded: a retention policy added as a whole block with Delete: the claims go on a later scale-down
	retentionBlockAdded = readingFile("retention-block-added.diff")
	// affinityBlockAdded: node affinity added to a DaemonSet as a whole block: the pods of the nodes it leaves are deleted at once
	affinityBlockAdded = readingFile("affinity-block-added.diff")
	// partitionBlockRemoved: a StatefulSet's rollingUpdate block with its partition removed: the pods held back restart now
	partitionBlockRemoved = readingFile("partition-block-removed.diff")
	// onDeleteBlockRemoved: a StatefulSet's OnDelete updateStrategy removed whole: the pods held back restart now
	onDeleteBlockRemoved = readingFile("on-delete-block-removed.diff")
)

func TestReadingAsKubernetes(t *testing.T) {
	tests := []struct {
		name  string
		entry string
		// the reading of the complete object: the level and a change it has
		level rules.Level
		path  string
		op    diffparse.Op
		// fact is the field that decides the level, when Stevedore's five
		// lines of context may hide it
		fact string
		// partial: the Stevedore reading must reach the level, say that it
		// cannot resolve the object, or leave the deciding fact unknown (so
		// that classification assumes its worst value)
		reason string
	}{
		{"anchor and aliases: the selector changes", anchoredDeployment, rules.Disruptive, "spec.selector.matchLabels.tier", diffparse.Modify, "",
			"matchLabels: *labels aliases the labels whose anchor line changed: the Deployment's immutable selector changes"},
		{"alias of an image", aliasedImage, rules.Restart, "spec.template.spec.containers[name=web].image", diffparse.Modify, "",
			"image: *image aliases the changed anchor: the pods get a new image"},
		{"merge key", mergedDefaults, rules.Destructive, "spec.replicas", diffparse.Modify, "",
			"<<: *defaults merges replicas 3 -> 1 into the spec, with whenScaled Delete: the claims of the removed pods are deleted"},
		{"flow-style strategy", flowStrategy, rules.Disruptive, "spec.template.spec.containers[name=web].image", diffparse.Modify, "spec.strategy.type",
			"strategy: {type: Recreate} makes the restart stop every pod first"},
		{"flow-style retention policy", flowRetention, rules.Destructive, "spec.replicas", diffparse.Modify, "",
			"whenScaled: Delete written in flow style: scaling 3 -> 1 deletes two claims"},
		{"escaped line break in a quoted scalar", escapedLineBreak, rules.Disruptive, "spec.template.spec.containers[name=web].image", diffparse.Modify, "spec.strategy.type",
			`"Recre\` + "\n" + `ate" is Recreate`},
		{"duplicate keys, the last wins", duplicateKey, rules.Disruptive, "spec.template.spec.containers[name=web].image", diffparse.Modify, "spec.replicas",
			"go-yaml keeps the last replicas: 1, so the restart leaves nothing serving"},
		{"a Unicode line break adds a key", unicodeBreak, rules.Disruptive, "spec.selector.app", diffparse.Modify, "",
			"go-yaml breaks the line at U+2028: a second spec replaces the Service's selector"},
		{"reordered env", reorderedEnv, rules.Restart, "spec.template.spec.containers[name=web].env", diffparse.Reorder, "",
			"env order is meaning ($(HOST) expands only after HOST): the pod template changes"},
		{"reordered arguments", reorderedArgs, rules.Restart, "spec.template.spec.containers[name=web].args", diffparse.Reorder, "",
			"a list of scalars in another order is another command line"},
		{"reordered containers", reorderedContainers, rules.Restart, "spec.template.spec.containers", diffparse.Reorder, "",
			"a new container order is a new pod template"},
		{"a retention policy added whole", retentionBlockAdded, rules.Disruptive, "spec.persistentVolumeClaimRetentionPolicy.whenScaled", diffparse.Add, "",
			"the block's fields are changes of their own: whenScaled Delete arms the deletion of claims"},
		{"node affinity added whole", affinityBlockAdded, rules.Disruptive, "spec.template.spec.affinity.nodeAffinity", diffparse.Add, "",
			"a DaemonSet's new node affinity deletes the pods of the nodes it leaves, outside the rolling update"},
		{"a partition removed with its block", partitionBlockRemoved, rules.Restart, "spec.updateStrategy.rollingUpdate.partition", diffparse.Remove, "",
			"the pods an earlier change held back restart now"},
		{"OnDelete removed with its block", onDeleteBlockRemoved, rules.Restart, "spec.updateStrategy.type", diffparse.Remove, "",
			"leaving OnDelete restarts the pods an earlier change left behind"},
		{"a blank line in a plain scalar", blankInPlain, rules.Disruptive, "spec.template.spec.containers[name=web].args[0]", diffparse.Modify, "spec.strategy.type",
			"a blank line inside a plain scalar is a line break of its value: the argument changes, and Recreate stops every pod first"},
		{"a blank line in a literal block", blankInBlock, rules.Disruptive, "spec.template.spec.containers[name=web].command[2]", diffparse.Modify, "spec.strategy.type",
			"a blank line in a literal block is a line of the script: the command changes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []struct {
				name, input string
			}{{"diff", tc.entry}, {"helmfile", inHelmfile(tc.entry)}} {
				level, plan := reviewed(t, f.input)
				if level < tc.level {
					t.Errorf("%s: level %s, want at least %s\nreason: %s", f.name, level, tc.level, tc.reason)
				}
				if !hasChange(plan, tc.path, tc.op) {
					t.Errorf("%s: no %s change at %s\nreason: %s", f.name, tc.op, tc.path, tc.reason)
				}
			}
			level, plan := reviewed(t, inStevedore(tc.entry))
			hidden := false
			if tc.fact != "" {
				fp, _ := kube.ParsePath(tc.fact)
				hidden = plan.Objects[0].Fact(diffparse.New, fp).Presence == diffparse.Unknown
			}
			if level < tc.level && !unresolved(plan) && !hidden {
				t.Errorf("stevedore: level %s without unresolved notes or an unknown %s, want at least %s\nreason: %s", level, tc.fact, tc.level, tc.reason)
			}
		})
	}
}

// TestDocumentsAsHelmSplitsThem: helm applies every YAML document of a
// manifest as an object; helm-diff keys a body by its first document only.
func TestDocumentsAsHelmSplitsThem(t *testing.T) {
	hidden := `default, web, HorizontalPodAutoscaler (autoscaling) has changed:
  # Source: demo/templates/hpa.yaml
  apiVersion: autoscaling/v2
  kind: HorizontalPodAutoscaler
  metadata:
    name: web
  spec:
    maxReplicas: 5
  --- # helm splits here, helm-diff does not
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: db
  spec:
-   replicas: 3
+   replicas: 0
`
	ended := strings.Replace(hidden, "  --- # helm splits here, helm-diff does not\n", "  ...\n", 1)
	leading := `dapr-system, daprsystem, Configuration (dapr.io) has changed:
+ ---
  # Source: dapr/charts/dapr_config/templates/dapr_default_config.yaml
  apiVersion: dapr.io/v1alpha1
  kind: Configuration
  metadata:
    name: daprsystem
  spec:
    tracing:
-     samplingRate: "0"
+     samplingRate: "1"
`
	for _, tc := range []struct {
		name, input, want string
	}{
		{"a document separator with a comment", hidden, "line 9: a second YAML document starts here"},
		{"inside helmfile", inHelmfile(hidden), "line 10: a second YAML document starts here"},
		{"inside stevedore, where the separator is elided", inStevedore(hidden), "the header names a HorizontalPodAutoscaler, but the document is a StatefulSet"},
		{"content after a document end", ended, "line 10: content after the YAML document end"},
		// a marker alone where the side has shown nothing yet starts its one
		// document; one after content, or after an elision (which may stand
		// for content), or with more on its line, starts a second
		{"a marker after an elision", strings.Replace(leading, "+ ---\n", "...\n+ ---\n", 1), "line 3: a second YAML document starts here"},
		{"a marker with a comment at the head", strings.Replace(leading, "+ ---\n", "+ --- # a comment\n", 1), "line 2: a second YAML document starts here"},
		{"a marker after a comment at the head", strings.Replace(leading, "+ ---\n", "+ # a comment\n+ ---\n", 1), "line 3: a second YAML document starts here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := diffparse.ParseString(tc.input, diffparse.Options{})
			if err == nil || !strings.Contains(allErrors(err), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
	// found on dapr's chart (global.actors.enabled): a template of nothing
	// but separators leaves the next object's new side to begin with the
	// marker; helm skips the empty document before it, and so does the
	// review: one object, its changes read exactly
	for _, tc := range []struct{ name, input string }{
		{"a marker at the head of a side", leading},
		{"after blank lines", strings.Replace(leading, "+ ---\n", "+ \n+ ---\n", 1)},
		{"on both sides", strings.Replace(leading, "+ ---\n", "  ---\n", 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.input, diffparse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Objects) != 1 || len(plan.Objects[0].Changes) == 0 || plan.Objects[0].Changes[len(plan.Objects[0].Changes)-1].Path.String() != "spec.tracing.samplingRate" {
				t.Fatalf("want the Configuration and its change, got %+v", plan.Objects)
			}
		})
	}
}

// TestRenames: helm-diff pairs two objects under one key (--find-renames,
// the helm-diff/base-name annotation); Kubernetes deletes the old one and
// creates the new one.
func TestRenames(t *testing.T) {
	pvc := `default, data, PersistentVolumeClaim (v1) has changed:
  # Source: demo/templates/pvc.yaml
  apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
-   name: data-v1
+   name: data-v2
    annotations:
      helm-diff/base-name: data
  spec:
    accessModes: [ReadWriteOnce]
    resources:
      requests:
        storage: 1Gi
`
	findRenames := `default, cfg-5f7d8c, ConfigMap (v1) has changed:
  # Source: demo/templates/configmap.yaml
  apiVersion: v1
  kind: ConfigMap
  metadata:
-   name: cfg-5f7d8c
+   name: cfg-9a1b2c
  data:
    a: "1"
`
	group := `default, web, Deployment (apps) has changed:
- apiVersion: apps
+ apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
        - name: web
          image: nginx:1
`
	for _, tc := range []struct {
		name, input string
		want        string
		level       rules.Level
	}{
		{"a renamed claim, by base-name", pvc, "delete PersistentVolumeClaim/default/data-v1 create PersistentVolumeClaim/default/data-v2", rules.Destructive},
		{"a renamed claim in helmfile", inHelmfile(pvc), "delete PersistentVolumeClaim/default/data-v1 create PersistentVolumeClaim/default/data-v2", rules.Destructive},
		{"a renamed claim with context", withContext(pvc, 1), "delete PersistentVolumeClaim/default/data-v1 create PersistentVolumeClaim/default/data-v2", rules.Destructive},
		{"find-renames", findRenames, "delete ConfigMap/default/cfg-5f7d8c create ConfigMap/default/cfg-9a1b2c", rules.Disruptive},
		// another API group is another object: Kubernetes deletes the old
		// one, whether the diff shows the whole object or not
		{"another API group", group, "delete Deployment/default/web create Deployment.apps/default/web", rules.Disruptive},
		{"another API group with context", withContext(group, 0), "delete Deployment/default/web create Deployment.apps/default/web", rules.Disruptive},
		{"another API group in Stevedore", inStevedore(group), "delete Deployment/default/web create Deployment.apps/default/web", rules.Disruptive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			level, plan := reviewed(t, tc.input)
			var got []string
			for _, o := range plan.Objects {
				got = append(got, o.Action.String()+" "+o.Ref.String())
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("objects %q, want %q", got, tc.want)
			}
			if level < tc.level {
				t.Errorf("level %s, want at least %s", level, tc.level)
			}
		})
	}
}

// TestTruncatedStreams: a stream cut short must not read as a shorter
// plan, nor a trailer that says there are changes as no changes.
func TestTruncatedStreams(t *testing.T) {
	removed := "default, db, StatefulSet (apps) has been removed:\n- apiVersion: apps/v1\n- kind: StatefulSet\n- metadata:\n-   name: db\n+ \n"
	modified := "default, cfg, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\n"
	trailer := "Error: identified at least one change, exiting with non-zero exit code (detailed-exitcode parameter enabled)\nError: plugin \"diff\" exited with error\n"
	for _, tc := range []struct {
		name, input, want string
	}{
		{"cut mid-line", modified + "default, db, StatefulSet (apps) has cha", "line 5: the input ends in the middle of this line"},
		{"cut mid-value", modified[:len(modified)-3], "line 4: the input ends in the middle of this line"},
		{"cut inside an indentation", modified + "default, db, StatefulSet (apps) has changed:\n  spec:\n   ", "line 7: the input ends in the middle of this line"},
		{"cut inside an indentation, coloured", modified + "\x1b[31m-   ", "line 5: the input ends in the middle of this line"},
		{"cut after a colour", modified + "\x1b[0;31m", "line 5: the input ends in the middle of this line"},
		{"cut after a bold colour", modified + "\x1b[0m\x1b[37;1m", "line 5: the input ends in the middle of this line"},
		{"cut in a removed body", removed[:len(removed)-3], "line 5: the diff of removed StatefulSet.apps/default/db is not helm-diff's diff against an empty text"},
		{"cut in a removed body at a line end", removed[:len(removed)-4] + "\n" + modified, "line 5: the diff of removed StatefulSet.apps/default/db is not helm-diff's diff against an empty text"},
		{"cut in a removed body, helmfile", inHelmfile(removed[:len(removed)-3]), "no '+ ' line for the empty new side"},
		{"cut in an added body", "default, db, StatefulSet (apps) has been added:\n+ apiVersion: apps/v1\n", "line 2: the diff of added StatefulSet.apps/default/db is not helm-diff's diff against an empty text"},
		{"trailer without objects", trailer, "line 1: the stream says the diff found changes, but it lists no object"},
		{"json [] with the trailer", "[]\n" + trailer, "line 2: the stream says the diff found changes"},
		{"structured [] with the trailer", "[\n]\n" + trailer, "the stream says the diff found changes"},
		{"simple with the trailer", "Plan: 0 to add, 0 to change, 0 to destroy, 0 to change ownership.\n" + trailer, "line 2: the stream says the diff found changes"},
		{"helmfile's summary names a release the stream does not show", "Comparing release=web, chart=./web, namespace=default\nAffected releases are:\n  web (./web) UPDATED\n", "line 3: helmfile says release web has changes, but the stream shows no object of it"},
		{"helmfile's summary names a release cut from the stream", "Comparing release=web, chart=./web, namespace=default\n" + modified + "\nComparing release=db, chart=./db, namespace=default\nAffected releases are:\n  db (./db) UPDATED\n  web (./web) UPDATED\n", "line 9: helmfile says release db has changes"},
		{"helmfile will uninstall a release", "Comparing release=web, chart=./web, namespace=default\n" + modified + "\nAffected releases are:\n  old (./web) DELETED\n  web (./web) UPDATED\n", "line 8: helmfile will uninstall release old (installed: false), and the stream does not show what that deletes"},
		{"helmfile prepared two releases of one name and compares one", "Building dependency release=web, chart=./shop\nBuilding dependency release=web, chart=./shop\nComparing release=web, chart=./shop, namespace=eu\n" + modified, "line 2: helmfile prepared release web here, but the stream has no \"Comparing release=web\" line for it"},
		{"helmfile prepared a release the stream never compares", "Building dependency release=db, chart=./shop\nBuilding dependency release=web, chart=./shop\nComparing release=web, chart=./shop, namespace=default\n" + modified, "line 1: helmfile prepared release db here, but the stream has no \"Comparing release=db\" line"},
		{"helmfile says there are changes", "Comparing release=web, chart=./web, namespace=default\nIdentified at least one change\n", "line 2: the stream says the diff found changes"},
		{"stevedore no changes with the trailer", "No changes in the plan\n" + trailer, "the stream says the diff found changes"},
		{"json without its final newline", "[]", "line 1: the input ends in the middle of this line"},
		{"a redacted Secret cut at a line's end", redactedSecret[:strings.Index(redactedSecret, "- type:")], "line 10: the diff of Secret/default/demo-secret ends here without the empty line that ends every Secret helm-diff redacts"},
		{"a redacted Secret cut at a line's end, helmfile", inHelmfile(redactedSecret[:strings.Index(redactedSecret, "- type:")]), "the diff of Secret/default/demo-secret ends here without the empty line"},
		{"cut inside helm-diff's banner", banner[:len(banner)-21], "line 1: helm-diff's banner (a line of asterisks) is not closed"},
		{"cut inside helm-diff's banner, helmfile", "Comparing release=web, chart=./web, namespace=default\n" + banner[:len(banner)-21], "line 2: helm-diff's banner (a line of asterisks) is not closed"},
		{"a banner around a Secret", banner[:len(banner)-21] + "default, s, Secret (v1) has been added:\n+ stringData:\n+   token: LEAKMENEW1\n" + banner[len(banner)-21:], "line 1: helm-diff's banner holds lines of a diff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.input, diffparse.Options{})
			if err == nil {
				t.Fatalf("want an error containing %q, got a plan:\n%s", tc.want, summary(plan))
			}
			if !strings.Contains(allErrors(err), tc.want) || strings.Contains(allErrors(err), "LEAKME") {
				t.Fatalf("error %q does not contain %q, or quotes a Secret", allErrors(err), tc.want)
			}
		})
	}
}

// redactedSecret is helm-diff's diff of a Secret whose type (immutable)
// changes: redacted, it ends with the empty line of the Kubernetes
// serializer's text.
const redactedSecret = `default, demo-secret, Secret (v1) has changed:
  # Source: demo/templates/secret.yaml
  apiVersion: v1
  kind: Secret
  metadata:
    name: demo-secret
  data:
-   password: '-------- # (12 bytes)'
+   password: '++++++++ # (12 bytes)'
    username: 'REDACTED # (5 bytes)'
- type: Opaque
+ type: kubernetes.io/basic-auth

`

// banner is helm-diff's message for a release --allow-unreleased diffs
// before it is installed (its last line, 20 asterisks, closes it).
const banner = "********************\n\n\tRelease was not present in Helm.  Diff will show entire contents as new.\n\n********************\n"

// TestAddedAndRemovedBodies: helm-diff diffs an added (removed) object's
// text against an empty text, one empty line. When the text has an empty
// line of its own (a ConfigMap that ends with a block scalar, a blank line
// inside one), the two pair up and the body has no '- ' ('+ ') line, but a
// blank context line, or "..." under --context 0. Every shape helm-diff
// prints is read; a body with a line of the other side, or without the
// empty text's line, is not helm-diff's.
func TestAddedAndRemovedBodies(t *testing.T) {
	const head = "+ apiVersion: v1\n+ kind: ConfigMap\n+ metadata:\n+   name: c\n+ data:\n+   run.sh: |\n+     a\n"
	added := "default, c, ConfigMap (v1) has been added:\n"
	removed := "default, c, ConfigMap (v1) has been removed:\n"
	minus := strings.ReplaceAll(head, "+ ", "- ")
	for _, tc := range []struct {
		name, input string
		want        string // "" reads; else a substring of the error
		why         string
	}{
		{"added, '- ' first", added + "- \n" + head, "", "a text without a final newline: the empty text is a '- ' line"},
		{"added, blank line last", added + head + "\n", "", "a text that ends with a block scalar ends with a newline: the empty lines pair"},
		{"added, blank line inside", added + head + "\n+     b\n", "", "the empty text pairs with a blank line inside the block scalar"},
		{"added, --context 0", added + head + "...\n", "", "the paired empty line is elided"},
		{"added, real capture", testdataFile(t, "helm-diff", "cli-migrate-redis-new-release.txt"), "", "helm-diff 3.13.2 on a new release of charts/redis"},
		{"removed, '+ ' last", removed + minus + "+ \n", "", "the empty new text is a '+ ' line"},
		{"removed, blank line last", removed + minus + "\n", "", "the empty lines pair"},
		{"added, no empty text", added + head, "line 2: the diff of added ConfigMap/default/c is not helm-diff's diff against an empty text", "the body was cut, or is not helm-diff's"},
		{"added, a context line", added + "- \n" + head + "    b\n", "line 10: the diff of added ConfigMap/default/c is not helm-diff's", "an added object has no old text to share a line with"},
		{"added, an old line", added + head + "\n-   x: y\n", "line 10: the diff of added ConfigMap/default/c is not helm-diff's", "an old line with text in an added object"},
		{"removed, a new line", removed + minus + "+   x: y\n\n", "line 9: the diff of removed ConfigMap/default/c is not helm-diff's", "a new line with text in a removed object"},
		{"added, a line elided beside the empty text's", added + "- \n" + strings.Replace(head, "+   name: c\n", "...\n", 1), "line 6: the diff of ConfigMap/default/c elides lines beside the line of its empty other side", "found: an added object's line replaced by '...' passed its checks unseen; helm-diff shows it whole"},
		{"removed, a line elided beside the empty text's", removed + strings.Replace(minus, "-   name: c\n", "...\n", 1) + "+ \n", "the diff of ConfigMap/default/c elides lines beside the line of its empty other side", "the empty text's line is shown: nothing else may be elided"},
		{"added, two elisions", added + head + "...\n+     b\n...\n", "elides lines twice", "the empty text pairs with one blank line"},
		{"removed, no empty text", removed + minus, "line 8: the diff of removed ConfigMap/default/c is not helm-diff's diff against an empty text", "the stream was cut inside the removed object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.input, diffparse.Options{})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("%s: want it read, got %v", tc.why, allErrors(err))
			case tc.want != "" && err == nil:
				t.Fatalf("%s: want an error containing %q, got a plan:\n%s", tc.why, tc.want, summary(plan))
			case tc.want != "" && !strings.Contains(allErrors(err), tc.want):
				t.Fatalf("%s: error %q does not contain %q", tc.why, allErrors(err), tc.want)
			}
		})
	}
}

// TestHiddenFactsAreUnknown: a field that --context hides is unknown, never
// absent (classification assumes its worst value), and a value the visible
// lines do not resolve is unknown too.
func TestHiddenFactsAreUnknown(t *testing.T) {
	replicas := kube.Path{kube.Field("spec"), kube.Field("replicas")}
	elided := withContext(flowStrategy, 2)
	aliased := strings.Replace(withContext(flowStrategy, 2), "...\n", "...\n  spec:\n    replicas: *one\n", 1)
	for _, tc := range []struct {
		name, input string
	}{{"hidden by --context", elided}, {"an alias the diff does not resolve", aliased}} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.input, diffparse.Options{Facts: []kube.Path{replicas}})
			if err != nil {
				t.Fatal(allErrors(err))
			}
			for _, side := range []diffparse.Side{diffparse.Old, diffparse.New} {
				if f := plan.Objects[0].Fact(side, replicas); f.Presence != diffparse.Unknown {
					t.Errorf("%s replicas: %v %q, want unknown", side, f.Presence, f.Value.Text)
				}
			}
		})
	}
}

// TestScalarTypes: values carry the type the API server reads, so that a
// value of the wrong type for its field can be refused.
func TestScalarTypes(t *testing.T) {
	input := `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
-   replicas: 3
+   replicas: abc
-   paused: no
+   paused: "no"
-   minReadySeconds: 1.0
+   minReadySeconds: 1.5
-   revisionHistoryLimit: ~
+   revisionHistoryLimit: 0x0A
`
	want := map[string][2]diffparse.ScalarType{
		"spec.replicas":             {diffparse.IntType, diffparse.StringType},
		"spec.paused":               {diffparse.BoolType, diffparse.StringType},
		"spec.minReadySeconds":      {diffparse.IntType, diffparse.FloatType},
		"spec.revisionHistoryLimit": {diffparse.NullType, diffparse.IntType},
	}
	for name, input := range map[string]string{"diff": input, "context": withContext(input, 0), "stevedore": inStevedore(input)} {
		plan, err := diffparse.ParseString(input, diffparse.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, allErrors(err))
		}
		got := map[string][2]diffparse.ScalarType{}
		for _, c := range plan.Objects[0].Changes {
			got[string(c.Path.Last().(kube.Field))] = [2]diffparse.ScalarType{c.Old.Type, c.New.Type}
		}
		for path, w := range want {
			if got[path[strings.LastIndexByte(path, '.')+1:]] != w {
				t.Errorf("%s: %s types %v, want %v", name, path, got[path], w)
			}
		}
	}
}

// TestPartialDuplicateKeys: in a partial body, a key seen twice in one
// mapping may hide another document or value between: the object is
// unresolved.
func TestPartialDuplicateKeys(t *testing.T) {
	input := `default, web, Deployment (apps) has changed:
...
  spec:
    replicas: 3
...
  spec:
-   replicas: 1
+   replicas: 2
...
`
	plan, err := diffparse.ParseString(input, diffparse.Options{})
	if err != nil {
		t.Fatal(allErrors(err))
	}
	if !unresolved(plan) {
		t.Fatalf("two visible spec keys, and no unresolved note:\n%s", summary(plan))
	}
}

// TestRefusedValues: the API server decodes the whole object, not only its
// changed lines. A created object with a value of the wrong type, a value
// inside an added mapping or list, or a label that is not one, makes it
// refuse the object: helm upgrade fails there (at least disruptive), in
// every format that shows the value. Values the server takes stay as the
// rules judge them.
func TestRefusedValues(t *testing.T) {
	const created = `default, web, Deployment (apps) has been added:
- 
+ apiVersion: apps/v1
+ kind: Deployment
+ metadata:
+   name: web
+   labels:
+     app: %s
+ spec:
+   replicas: %s
+   selector:
+     matchLabels:
+       app: web
+   template:
+     metadata:
+       labels:
+         app: web
+     spec:
+       containers:
+       - name: web
+         image: nginx:1
+         ports:
+         - containerPort: %s
`
	const updated = `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    labels:
-     app: web
+     %s
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
        - name: web
          image: nginx:1
+         resources:
+           limits:
+             cpu: %s
`
	tests := []struct {
		name    string
		input   string
		refused string // the reason's text; "" when the server takes every value
		reason  string
	}{
		{"created, valid", fmt.Sprintf(created, "web", "3", "80"), "",
			"a created object the server takes is judged by the rules"},
		{"created, replicas abc", fmt.Sprintf(created, "web", "abc", "80"), "spec.replicas must be an integer",
			"--set replicaCount=abc on a release that creates the Deployment"},
		{"created, port of a list item", fmt.Sprintf(created, "web", "3", "http"), "spec.template.spec.containers[name=web].ports[containerPort=http].containerPort must be an integer",
			"deep in a list item: the server decodes it all the same"},
		{"created, port out of range", fmt.Sprintf(created, "web", "3", "70000"), "spec.template.spec.containers[name=web].ports[containerPort=70000].containerPort must be an integer from 1 to 65535",
			"the server's validation of a created object's values, not only their decoding"},
		{"created, label value", fmt.Sprintf(created, `"1.0+build"`, "3", "80"), "metadata.labels.app must be a label value",
			"'+' is not allowed in a label value: the classic chart label with semver build metadata"},
		{"updated, valid", fmt.Sprintf(updated, "app: web-2", "500m"), "",
			"a valid label and quantity"},
		{"updated, quantity inside an added mapping", fmt.Sprintf(updated, "app: web", "lots"), "limits.cpu must be a quantity",
			"the added resources mapping holds a value no quantity parses"},
		{"updated, changed label value", fmt.Sprintf(updated, "app: my web", "1"), "metadata.labels.app must be a label value",
			"label churn is ignored, but a label the server refuses fails the upgrade"},
		{"created ConfigMap, config key", "default, web, ConfigMap (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: ConfigMap\n+ metadata:\n+   name: web\n+ data:\n+   conf/app.yaml: x\n", `data["conf/app.yaml"] must be a config key`,
			"a file's path is no key of a ConfigMap: the chart must name it app.yaml and mount it at the path"},
		{"created Deployment, resource name", strings.Replace(fmt.Sprintf(created, "web", "3", "80"), "+         image: nginx:1\n", "+         image: nginx:1\n+         resources:\n+           requests:\n+             mem: 1Gi\n", 1), "resources.requests.mem must be a container resource",
			"inside a created object: the walk knows where the map stands (a claim's requests take storage)"},
		{"created ConfigMap, annotation key", "default, web, ConfigMap (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: ConfigMap\n+ metadata:\n+   name: web\n+   annotations:\n+     \"checksum config\": x\n+ data:\n+   app.yaml: x\n", `metadata.annotations["checksum config"] must be an annotation key`,
			"an annotation's key is a qualified name, as a label's is"},
		{"updated, added label key", fmt.Sprintf(updated, "app: web\n+     my app: x", "1"), `["my app"] must be a`,
			"a key with a space is not a label key, nor an annotation's (where --context 0 may place it)"},
	}
	for _, tt := range tests {
		views := map[string]string{"diff": tt.input, "helmfile": inHelmfile(tt.input), "stevedore": inStevedore(tt.input),
			"--context 2": withContext(tt.input, 2), "--context 0": withContext(tt.input, 0)}
		for view, input := range views {
			rep, err := review.Review(strings.NewReader(input), review.Options{})
			if err != nil {
				t.Errorf("%s, %s: %v", tt.name, view, allErrors(err))
				continue
			}
			found := strings.Contains(reportText(rep), "helm upgrade will fail: ")
			switch {
			case tt.refused == "" && found:
				t.Errorf("%s, %s: a value is said to be refused (%s)\n%s", tt.name, view, tt.reason, reportText(rep))
			case tt.refused != "" && (rep.Result.Highest < rules.Disruptive || !strings.Contains(reportText(rep), tt.refused)):
				t.Errorf("%s, %s: judged %s, want at least disruptive saying %q (%s)\n%s", tt.name, view, rep.Result.Highest, tt.refused, tt.reason, reportText(rep))
			}
		}
	}
}

// TestServerValidation: a value of the right type that the API server's
// validation refuses (a range, an enumeration, a name's syntax, a required
// field) fails helm upgrade as surely as one it cannot decode; one case
// per kind of check, and the valid spelling beside it.
func TestServerValidation(t *testing.T) {
	const deployment = `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        priority: 1
        securityContext:
          runAsUser: 1000
        containers:
        - name: web
          image: nginx:1
          imagePullPolicy: IfNotPresent
          volumeMounts:
          - name: cache
            mountPath: /cache
          env:
          - name: JAVA_OPTS
            value: -Xmx1g
          ports:
          - containerPort: 80
            name: http
          - containerPort: 9090
            name: metrics
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          resources:
            limits:
              cpu: 500m
            requests:
              cpu: 250m
        volumes:
        - name: cache
          emptyDir: {}
          # one source
`
	const service = `default, web, Service (v1) has changed:
  apiVersion: v1
  kind: Service
  metadata:
    name: web
  spec:
    type: ClusterIP
    selector:
      app: web
    ports:
    - port: 80
      targetPort: http
`
	const policy = `default, web, NetworkPolicy (networking.k8s.io) has changed:
  apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata:
    name: web
  spec:
    podSelector:
      matchLabels:
        app: web
    policyTypes:
    - Ingress
`
	const configMap = `default, web, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web
    annotations:
      example.com/owner: team-a
  data:
    app.yaml: "port: 80"
`
	const secret = `default, web, Secret (v1) has changed:
  apiVersion: v1
  kind: Secret
  metadata:
    name: web
  stringData:
    user: admin
`
	const autoscaler = `default, web, HorizontalPodAutoscaler (autoscaling) has changed:
  apiVersion: autoscaling/v2
  kind: HorizontalPodAutoscaler
  metadata:
    name: web
  spec:
    scaleTargetRef:
      apiVersion: apps/v1
      kind: Deployment
      name: web
    minReplicas: 2
    maxReplicas: 10
`
	const budget = `default, web, PodDisruptionBudget (policy) has changed:
  apiVersion: policy/v1
  kind: PodDisruptionBudget
  metadata:
    name: web
  spec:
    minAvailable: 1
    selector:
      matchLabels:
        app: web
    unhealthyPodEvictionPolicy: AlwaysAllow
`
	const ingress = `default, web, Ingress (networking.k8s.io) has changed:
  apiVersion: networking.k8s.io/v1
  kind: Ingress
  metadata:
    name: web
  spec:
    tls:
    - hosts:
      - shop.example.com
      secretName: shop-tls
    rules:
    - host: shop.example.com
      http:
        paths:
        - path: /api
          pathType: Prefix
          backend:
            service:
              name: web
              port:
                number: 80
`
	// an ImplementationSpecific path holds what Exact and Prefix refuse
	ingressIS := strings.Replace(strings.Replace(ingress, "pathType: Prefix", "pathType: ImplementationSpecific", 1), "- path: /api", "- path: /api//v1", 1)
	const configMapBinary = `default, web, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web
  data:
    app.yaml: "port: 80"
  binaryData:
    logo.png: aGVsbG8=
`
	// workloads with their update strategies set
	deployRolling := strings.Replace(deployment, "    replicas: 3\n", "    replicas: 3\n    strategy:\n      type: RollingUpdate\n      rollingUpdate:\n        maxUnavailable: 1\n        maxSurge: 1\n", 1)
	deployNoSurge := strings.Replace(deployRolling, "maxSurge: 1", "maxSurge: 0", 1)
	const daemonSet = `default, agent, DaemonSet (apps) has changed:
  apiVersion: apps/v1
  kind: DaemonSet
  metadata:
    name: agent
  spec:
    updateStrategy:
      rollingUpdate:
        maxUnavailable: 1
        maxSurge: 0
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
          image: busybox:1
`
	const statefulSet = `default, db, StatefulSet (apps) has changed:
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: db
  spec:
    serviceName: db
    replicas: 3
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
          image: postgres:16
          volumeMounts:
          - name: data
            mountPath: /var/lib/postgresql
    volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 1Gi
`
	const cronJob = `default, backup, CronJob (batch) has changed:
  apiVersion: batch/v1
  kind: CronJob
  metadata:
    name: backup
  spec:
    schedule: "*/5 * * * *"
    jobTemplate:
      spec:
        template:
          spec:
            restartPolicy: OnFailure
            containers:
            - name: backup
              image: backup:1
`
	// change replaces the first line of body that is old (trimmed) by new
	change := func(body, old, new string) string {
		lines := strings.Split(body, "\n")
		for i, l := range lines {
			if strings.TrimSpace(l) == old {
				indent := l[:len(l)-len(strings.TrimLeft(l[2:], " "))]
				lines[i] = "-" + l[1:] + "\n+" + indent[1:] + new
				return strings.Join(lines, "\n")
			}
		}
		t.Fatalf("no line %q", old)
		return ""
	}
	cronZoned := strings.Replace(cronJob, "    schedule: \"*/5 * * * *\"\n", "    schedule: \"0 3 * * *\"\n    timeZone: Europe/Berlin\n", 1)
	const crd = `default, httproutes.gateway.networking.k8s.io, CustomResourceDefinition (apiextensions.k8s.io) has changed:
  apiVersion: apiextensions.k8s.io/v1
  kind: CustomResourceDefinition
  metadata:
    name: httproutes.gateway.networking.k8s.io
    annotations:
      api-approved.kubernetes.io: https://github.com/kubernetes-sigs/gateway-api/pull/2466
  spec:
    group: gateway.networking.k8s.io
    scope: Namespaced
    names:
      plural: httproutes
      kind: HTTPRoute
    versions:
      - name: v1
        served: true
        storage: true
`
	cronTZ := strings.Replace(cronZoned, "    timeZone: Europe/Berlin\n", "", 1)
	cronCreated := strings.NewReplacer("has changed:", "has been added:", "\n  ", "\n+ ").Replace(strings.Replace(cronTZ, `"0 3 * * *"`, `"CRON_TZ=Europe/Berlin 0 3 * * *"`, 1)) + "- \n"
	otherCRD := strings.NewReplacer("gateway.networking.k8s.io", "gateway.example.com").Replace(crd)
	stsTyped := strings.Replace(statefulSet, "    replicas: 3\n", "    replicas: 3\n    updateStrategy:\n      type: RollingUpdate\n", 1)
	stsRolling := strings.Replace(stsTyped, "      type: RollingUpdate\n", "      type: RollingUpdate\n      rollingUpdate:\n        maxUnavailable: 1\n", 1)
	tests := []struct {
		name           string
		body, old, new string
		refused        string // "" when the server takes the value
	}{
		{"a StatefulSet's maxUnavailable 0", stsRolling, "maxUnavailable: 1", "maxUnavailable: 0", "spec.updateStrategy.rollingUpdate.maxUnavailable must be an integer of at least 1"},
		{"a StatefulSet's maxUnavailable 0%", stsRolling, "maxUnavailable: 1", "maxUnavailable: 0%", "maxUnavailable must be more than 0"},
		{"a StatefulSet's maxUnavailable 2, valid", stsRolling, "maxUnavailable: 1", "maxUnavailable: 2", ""},
		{"a StatefulSet's OnDelete beside rollingUpdate", stsRolling, "type: RollingUpdate", "type: OnDelete", "spec.updateStrategy.rollingUpdate must not be set when the type is OnDelete"},
		{"a StatefulSet switched to OnDelete, the server's rollingUpdate kept", stsTyped, "type: RollingUpdate", "type: OnDelete", "spec.updateStrategy.rollingUpdate, which the API server set while the type was RollingUpdate, stays on the live StatefulSet"},
		{"a CronJob's time zone misspelt", cronZoned, "timeZone: Europe/Berlin", "timeZone: Europe/Berln", "spec.timeZone must be a time zone of the IANA database"},
		{"a CronJob's time zone empty", cronZoned, "timeZone: Europe/Berlin", `timeZone: ""`, "an empty one is refused"},
		{"a CronJob's time zone Local", cronZoned, "timeZone: Europe/Berlin", "timeZone: Local", "not Local"},
		{"a CronJob's time zone, valid", cronZoned, "timeZone: Europe/Berlin", "timeZone: Etc/UTC", ""},
		{"CRON_TZ put into a schedule", cronTZ, `schedule: "0 3 * * *"`, `schedule: "CRON_TZ=Europe/Berlin 0 3 * * *"`, "spec.schedule must be a schedule without TZ or CRON_TZ"},
		{"CRON_TZ kept in a schedule, valid", strings.Replace(cronTZ, `"0 3 * * *"`, `"TZ=UTC 0 3 * * *"`, 1), `schedule: "TZ=UTC 0 3 * * *"`, `schedule: "TZ=UTC 0 4 * * *"`, ""},
		{"CRON_TZ kept in a schedule, beside a time zone", strings.Replace(cronZoned, `"0 3 * * *"`, `"TZ=UTC 0 3 * * *"`, 1), `schedule: "TZ=UTC 0 3 * * *"`, `schedule: "TZ=UTC 0 4 * * *"`, "spec.schedule must not hold TZ or CRON_TZ beside spec.timeZone"},
		{"a CronJob created with CRON_TZ", cronCreated, "", "", "spec.schedule must not hold TZ or CRON_TZ in a new CronJob"},
		{"a Kubernetes group's CRD loses its approval", crd, "api-approved.kubernetes.io: https://github.com/kubernetes-sigs/gateway-api/pull/2466", "team: gateway", `metadata.annotations["api-approved.kubernetes.io"] is required for a CRD of group gateway.networking.k8s.io`},
		{"a Kubernetes group's CRD approved by no URL", crd, "api-approved.kubernetes.io: https://github.com/kubernetes-sigs/gateway-api/pull/2466", "api-approved.kubernetes.io: yes", "must be the URL of its approval"},
		{"a Kubernetes group's CRD, approval bypassed, valid", crd, "api-approved.kubernetes.io: https://github.com/kubernetes-sigs/gateway-api/pull/2466", `api-approved.kubernetes.io: "unapproved, experimental"`, ""},
		{"another group's CRD without approval, valid", otherCRD, "api-approved.kubernetes.io: https://github.com/kubernetes-sigs/gateway-api/pull/2466", "team: gateway", ""},
		{"enumeration", deployment, "imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes", "imagePullPolicy must be one of Always, Never or IfNotPresent"},
		{"enumeration, case matters", deployment, "imagePullPolicy: IfNotPresent", "imagePullPolicy: always", "imagePullPolicy must be one of"},
		{"enumeration, valid", deployment, "imagePullPolicy: IfNotPresent", "imagePullPolicy: Always", ""},
		{"port range", deployment, "- containerPort: 80", "- containerPort: 70000", "containerPort must be an integer from 1 to 65535"},
		{"port range, valid", deployment, "- containerPort: 80", "- containerPort: 8080", ""},
		{"probe port", deployment, "port: http", "port: 0", "readinessProbe.httpGet.port must be an integer from 1 to 65535"},
		{"probe port name", deployment, "port: http", "port: Http", "readinessProbe.httpGet.port must be a port number or a port name"},
		{"probe port, valid", deployment, "port: http", "port: 8080", ""},
		{"negative replicas", deployment, "replicas: 3", "replicas: -1", "spec.replicas must be an integer of at least 0"},
		{"replicas beyond int32", deployment, "replicas: 3", "replicas: 3000000000", "spec.replicas must be an integer from 0 to 2147483647"},
		{"replicas in hexadecimal, valid", deployment, "replicas: 3", "replicas: 0x10", ""},
		{"int32 field", deployment, "priority: 1", "priority: 3000000000", "spec.template.spec.priority must be an integer from -2147483648 to 2147483647 (an int32)"},
		{"negative quantity", deployment, "cpu: 500m", "cpu: -1", "limits.cpu must be a quantity of at least 0"},
		{"negative quantity string", deployment, "cpu: 500m", `cpu: "-100m"`, "limits.cpu must be a quantity of at least 0"},
		{"quantity, valid", deployment, "cpu: 500m", "cpu: 2", ""},
		{"request above its limit", deployment, "cpu: 250m", "cpu: 600m", "spec.template.spec.containers[name=web].resources.requests.cpu (600m) must be at most its limit (500m)"},
		{"request at its limit, valid", deployment, "cpu: 250m", `cpu: "0.5"`, ""},
		{"required image", deployment, "image: nginx:1", `image: ""`, "image must be an image (it is required)"},
		{"image with a space", deployment, "image: nginx:1", `image: "nginx:2 "`, "without leading or trailing white space"},
		{"container name", deployment, "- name: web", "- name: Web_1", "must be a DNS label"},
		{"port name", deployment, "name: http", "name: HTTP", "name must be a port name"},
		{"environment variable name", deployment, "- name: JAVA_OPTS", "- name: JAVA_OPTS=-Xmx1g", ".name must be an environment variable name (required"},
		{"environment variable name, empty", deployment, "- name: JAVA_OPTS", `- name: ""`, "must be an environment variable name (required"},
		{"environment variable name, relaxed, valid", deployment, "- name: JAVA_OPTS", "- name: java.opts-1", ""},
		{"service type", service, "type: ClusterIP", "type: clusterIP", "spec.type must be one of ClusterIP, NodePort, LoadBalancer or ExternalName"},
		{"target port name", service, "targetPort: http", "targetPort: http_port", "targetPort must be a port number or a port name"},
		{"target port number, valid", service, "targetPort: http", "targetPort: 8080", ""},
		{"cron schedule of four fields", cronJob, `schedule: "*/5 * * * *"`, `schedule: "*/5 * * *"`, "spec.schedule must be a cron schedule"},
		{"cron minute out of range", cronJob, `schedule: "*/5 * * * *"`, `schedule: "61 * * * *"`, "spec.schedule must be a cron schedule"},
		{"cron descriptor, valid", cronJob, `schedule: "*/5 * * * *"`, `schedule: "@hourly"`, ""},
		{"a Deployment's pods that do not restart", deployment, "priority: 1", "restartPolicy: Never", "spec.template.spec.restartPolicy must be Always (the pods of a Deployment always restart)"},
		{"a Deployment's pods that always restart, valid", deployment, "priority: 1", "restartPolicy: Always", ""},
		{"a CronJob's pods that always restart", cronJob, "restartPolicy: OnFailure", "restartPolicy: Always", "spec.jobTemplate.spec.template.spec.restartPolicy must be OnFailure or Never"},
		{"a CronJob's restartPolicy unset", cronJob, "restartPolicy: OnFailure", "restartPolicy: null", "spec.jobTemplate.spec.template.spec.restartPolicy must be OnFailure or Never"},
		{"a CronJob's pods that are never restarted, valid", cronJob, "restartPolicy: OnFailure", "restartPolicy: Never", ""},
		{"config key with a slash", configMap, `app.yaml: "port: 80"`, `conf/app.yaml: "port: 80"`, `data["conf/app.yaml"] must be a config key`},
		{"config key beginning with two dots", configMap, `app.yaml: "port: 80"`, `..app.yaml: "port: 80"`, `data["..app.yaml"] must be a config key`},
		{"config key, valid", configMap, `app.yaml: "port: 80"`, `.app_1-x.yaml: "port: 80"`, ""},
		{"a Secret's stringData key with a space", secret, "user: admin", `"db user": admin`, `stringData["db user"] must be a config key`},
		{"annotation key", configMap, "example.com/owner: team-a", `"owner!": team-a`, `metadata.annotations["owner!"] must be an annotation key`},
		{"annotation key, upper case prefix, valid", configMap, "example.com/owner: team-a", "Example.COM/owner: team-a", ""},
		{"a container's ports of one name", deployment, "name: metrics", "name: http", "spec.template.spec.containers[name=web].ports[1] must not be named http: another port of the container is"},
		{"a container's ports of two names, valid", deployment, "name: metrics", "name: prometheus", ""},
		{"autoscaler minimum above its maximum", autoscaler, "minReplicas: 2", "minReplicas: 20", "spec.minReplicas (20) must be at most spec.maxReplicas (10)"},
		{"autoscaler maximum below its minimum", autoscaler, "maxReplicas: 10", "maxReplicas: 1", "spec.minReplicas (2) must be at most spec.maxReplicas (1)"},
		{"autoscaler minimum at its maximum, valid", autoscaler, "minReplicas: 2", "minReplicas: 10", ""},
		{"autoscaler maximum lowered to its minimum, valid", autoscaler, "maxReplicas: 10", "maxReplicas: 2", ""},
		{"autoscaler maximum 0", autoscaler, "maxReplicas: 10", "maxReplicas: 0", "spec.maxReplicas must be an integer of at least 1"},
		{"autoscaler minimum 0", autoscaler, "minReplicas: 2", "minReplicas: 0", "spec.minReplicas must be an integer of at least 1"},
		{"a spread constraint of maxSkew 0", deployment, "priority: 1", "priority: 1\n+       topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]", "maxSkew must be an integer of at least 1"},
		{"a spread constraint without a topology key", deployment, "priority: 1", "priority: 1\n+       topologySpreadConstraints: [{maxSkew: 1, topologyKey: '', whenUnsatisfiable: DoNotSchedule}]", "topologyKey must be a non-empty string"},
		{"a spread constraint, valid", deployment, "priority: 1", "priority: 1\n+       topologySpreadConstraints: [{maxSkew: 1, minDomains: 2, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]", ""},
		{"minReadySeconds beyond the default progress deadline", deployment, "replicas: 3", "replicas: 3\n+   minReadySeconds: 600", "spec.progressDeadlineSeconds (600) must be greater than spec.minReadySeconds (600)"},
		{"minReadySeconds within a longer deadline, valid", deployment, "replicas: 3", "replicas: 3\n+   minReadySeconds: 700\n+   progressDeadlineSeconds: 900", ""},
		{"minReadySeconds within the default deadline, valid", deployment, "replicas: 3", "replicas: 3\n+   minReadySeconds: 599", ""},
		{"a toleration of Exists with a value", deployment, "priority: 1", "priority: 1\n+       tolerations: [{key: a, operator: Exists, value: b}]", "tolerations[0].value must be empty when its operator is Exists"},
		{"a toleration without a key, of Equal", deployment, "priority: 1", "priority: 1\n+       tolerations: [{operator: Exists}, {value: b}]", "tolerations[1].operator must be Exists when it has no key"},
		{"a toleration of every taint, valid", deployment, "priority: 1", "priority: 1\n+       tolerations: [{operator: Exists}, {key: a, value: b}]", ""},
		{"budget of both kinds", budget, "unhealthyPodEvictionPolicy: AlwaysAllow", "maxUnavailable: 1", "spec.maxUnavailable must not be set with spec.minAvailable"},
		{"budget changed, valid", budget, "minAvailable: 1", "minAvailable: 2", ""},
		{"budget of the other kind, valid", budget, "minAvailable: 1", "maxUnavailable: 1", ""},
		{"ingress host with a scheme", ingress, "- host: shop.example.com", "- host: https://shop.example.com", "spec.rules[0].host must be a host name"},
		{"ingress host an IP address", ingress, "- host: shop.example.com", "- host: 192.168.0.10", "spec.rules[0].host must be a DNS name, not an IP address"},
		{"ingress host a wildcard, valid", ingress, "- host: shop.example.com", `- host: "*.example.com"`, ""},
		{"ingress TLS host with a port", ingress, "- shop.example.com", "- shop.example.com:443", "spec.tls[0].hosts[0] must be a host name"},
		{"ingress path relative", ingress, "- path: /api", "- path: api", "spec.rules[0].http.paths[0].path must be an absolute path"},
		{"ingress path, valid", ingress, "- path: /api", "- path: /api/v2", ""},
		{"ingress Prefix path with '//'", ingress, "- path: /api", "- path: /api//v2", "spec.rules[0].http.paths[0].path must be a path without '//' (its type is Prefix)"},
		{"ingress Prefix path with '/../'", ingress, "- path: /api", "- path: /api/../admin", "must be a path without '/../'"},
		{"ingress Prefix path with an encoded slash", ingress, "- path: /api", "- path: /api%2Fv2", "must be a path without '%2F'"},
		{"ingress Prefix path ending with '/.'", ingress, "- path: /api", "- path: /api/.", "must be a path that does not end with '/.'"},
		{"ingress Prefix path with a dot in a name, valid", ingress, "- path: /api", "- path: /api/.well-known/v1.2", ""},
		{"ingress path type removed", ingress, "pathType: Prefix", "# no type", "spec.rules[0].http.paths[0].pathType must be set"},
		{"ingress path type Exact, valid", ingress, "pathType: Prefix", "pathType: Exact", ""},
		{"ingress ImplementationSpecific path with '//', valid", ingressIS, "- path: /api//v1", "- path: /api//v2", ""},
		{"ingress path type Prefix of a path with '//'", ingressIS, "pathType: ImplementationSpecific", "pathType: Prefix", "must be a path without '//' (its type is Prefix)"},
		{"ingress backend port without a name or number", ingress, "number: 80", "# no port", "backend.service.port must set a name or a number"},
		// v1beta1 took a path without a type; no server serves it now
		{"ingress path type removed, v1beta1", strings.Replace(ingress, "networking.k8s.io/v1\n", "networking.k8s.io/v1beta1\n", 1), "pathType: Prefix", "# no type", "Kubernetes 1.22 and later do not serve networking.k8s.io/v1beta1 Ingress"},
		{"ingress backend port by name and number", ingress, "number: 80", "number: 80\n+               name: http", "backend.service.port must set a name or a number, not both"},
		{"ingress backend port by name, valid", ingress, "number: 80", "name: http", ""},
		{"config key in data and binaryData", configMapBinary, "logo.png: aGVsbG8=", "app.yaml: aGVsbG8=", `binaryData["app.yaml"] must not repeat a key of data`},
		{"a ConfigMap above 1 MiB", configMap, `app.yaml: "port: 80"`, "app.yaml: " + strings.Repeat("x", 1<<20+1), "data and binaryData must hold at most 1048576 bytes together (1 MiB); they hold 1048577"},
		{"a ConfigMap of 1 MiB, valid", configMap, `app.yaml: "port: 80"`, "app.yaml: " + strings.Repeat("x", 1<<20), ""},
		{"maxUnavailable above 100%", deployRolling, "maxUnavailable: 1", "maxUnavailable: 150%", "spec.strategy.rollingUpdate.maxUnavailable must be a percentage of at most 100%"},
		{"maxUnavailable a quoted number", deployRolling, "maxUnavailable: 1", `maxUnavailable: "1"`, "maxUnavailable must be an integer of at least 0 or a percentage"},
		{"maxUnavailable a percentage of digits with a leading zero, valid", deployRolling, "maxUnavailable: 1", "maxUnavailable: 050%", ""},
		{"maxSurge above 100% for a Deployment, valid", deployRolling, "maxSurge: 1", "maxSurge: 150%", ""},
		{"maxUnavailable 0 beside maxSurge 0", deployNoSurge, "maxUnavailable: 1", "maxUnavailable: 0", "spec.strategy.rollingUpdate.maxUnavailable must not be 0 when maxSurge is 0"},
		{"maxUnavailable 0% beside maxSurge 0", deployNoSurge, "maxUnavailable: 1", "maxUnavailable: 0%", "must not be 0 when maxSurge is 0"},
		{"maxUnavailable 0 beside maxSurge 1, valid", deployRolling, "maxUnavailable: 1", "maxUnavailable: 0", ""},
		{"Recreate beside rollingUpdate", deployRolling, "type: RollingUpdate", "type: Recreate", "spec.strategy.rollingUpdate must not be set when the type is Recreate"},
		{"a DaemonSet surging beside maxUnavailable", daemonSet, "maxSurge: 0", "maxSurge: 1", "spec.updateStrategy.rollingUpdate.maxSurge must be 0 when maxUnavailable is not"},
		{"a DaemonSet's maxUnavailable 0 beside maxSurge 0", daemonSet, "maxUnavailable: 1", "maxUnavailable: 0", "maxUnavailable must not be 0 when maxSurge is 0"},
		{"a DaemonSet's maxUnavailable 100%, valid", daemonSet, "maxUnavailable: 1", "maxUnavailable: 100%", ""},
		{"a budget above 100%", budget, "minAvailable: 1", "minAvailable: 150%", "spec.minAvailable must be a percentage of at most 100%"},
		{"a budget of 100%, valid", budget, "minAvailable: 1", "minAvailable: 100%", ""},
		{"config key in binaryData alone, valid", configMapBinary, "logo.png: aGVsbG8=", "icon.png: aGVsbG8=", ""},
		{"a resource name misspelt", deployment, "cpu: 500m", "cpus: 500m", "resources.limits.cpus must be a container resource"},
		{"an extended resource, valid", deployment, "cpu: 500m", "example.com/fpga: 1", ""},
		// found on a real chart (cilium's podSecurityContext): the gate passed at restart
		{"a seccomp profile of type Localhost without a file", deployment, "runAsUser: 1000", "runAsUser: 1000\n+         seccompProfile:\n+           type: Localhost", "spec.template.spec.securityContext.seccompProfile.localhostProfile must be set when the type is Localhost"},
		{"a seccomp profile of type Localhost with a file, valid", deployment, "runAsUser: 1000", "runAsUser: 1000\n+         seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}", ""},
		{"a seccomp profile's file beside RuntimeDefault", deployment, "runAsUser: 1000", "runAsUser: 1000\n+         seccompProfile: {type: RuntimeDefault, localhostProfile: profiles/web.json}", "seccompProfile.localhostProfile can only be set when the type is Localhost"},
		{"a seccomp profile without a type", deployment, "runAsUser: 1000", "runAsUser: 1000\n+         seccompProfile: {localhostProfile: profiles/web.json}", "spec.template.spec.securityContext.seccompProfile.type must be set"},
		{"a container's AppArmor profile of type Localhost without a profile", deployment, "imagePullPolicy: IfNotPresent", "imagePullPolicy: IfNotPresent\n+         securityContext: {appArmorProfile: {type: Localhost}}", "spec.template.spec.containers[name=web].securityContext.appArmorProfile.localhostProfile must be set when the type is Localhost"},
		{"a container's AppArmor profile of RuntimeDefault, valid", deployment, "imagePullPolicy: IfNotPresent", "imagePullPolicy: IfNotPresent\n+         securityContext: {appArmorProfile: {type: RuntimeDefault}}", ""},
		{"a user id below 0", deployment, "runAsUser: 1000", "runAsUser: -1", "securityContext.runAsUser must be an integer of at least 0"},
		{"a mount without a path", deployment, "mountPath: /cache", `mountPath: ""`, "must be a non-empty string (it is required)"},
		{"a mount of a volume the pod has not", deployment, "- name: cache", "- name: tmp", "volumeMounts name tmp must name a volume of spec.template.spec.volumes"},
		{"a volume of two sources", deployment, "# one source", "configMap: {name: web}", "volumes[name=cache] must have one source"},
		{"a StatefulSet's mount of a claim template, valid", statefulSet, "image: postgres:16", "image: postgres:17", ""},
		{"a StatefulSet's mount of neither a volume nor a claim template", statefulSet, "- name: data", "- name: wal", "volumeMounts name wal must name a volume"},
		// found on a real chart (cilium's extraVolumes): helm 3 failed ("invalid patch format of retainKeys")
		{"two volumes of one name and other sources", deployment, "# one source", "# one source\n+       - name: cache\n+         hostPath: {path: /tmp}", "spec.template.spec.volumes must not hold two volumes named cache of other sources (emptyDir, hostPath)"},
		{"two volumes of one name and one source, helm 3 merges them", deployment, "# one source", "# one source\n+       - name: cache\n+         emptyDir: {medium: Memory}", ""},
		{"a volume's source replaced, valid", deployment, "emptyDir: {}", "configMap: {name: web}", ""},
		{"a probe of two handlers", deployment, "port: http", "port: http\n+           tcpSocket: {port: 80}", "readinessProbe must have one handler (exec, grpc, httpGet, tcpSocket), not 2"},
		{"a probe without a handler", deployment, "readinessProbe:", "readinessProbe: {periodSeconds: 5}\n+         startupProbe:", "readinessProbe must have one handler (exec, grpc, httpGet, tcpSocket), not 0"},
		{"a probe's handler moved, valid", deployment, "readinessProbe:", "startupProbe:", ""},
		{"a preStop hook of two handlers", deployment, "port: http", "port: http\n+         lifecycle:\n+           preStop: {sleep: {seconds: 5}, exec: {command: [sh]}}", "lifecycle.preStop must have one handler (exec, httpGet, sleep, tcpSocket), not 2"},
		{"an env var of a value and a source", deployment, "value: -Xmx1g", "value: -Xmx1g\n+           valueFrom: {fieldRef: {fieldPath: metadata.name}}", "env[name=JAVA_OPTS] must set value or valueFrom, not both"},
		{"an env var of two sources", deployment, "value: -Xmx1g", "valueFrom: {fieldRef: {fieldPath: metadata.name}, secretKeyRef: {name: s, key: k}}", "env[name=JAVA_OPTS].valueFrom must have one source (fieldRef, configMapKeyRef, secretKeyRef, ...), not 2"},
		{"an env var of no source", deployment, "value: -Xmx1g", "valueFrom: {}", "env[name=JAVA_OPTS].valueFrom must have one source (fieldRef, configMapKeyRef, secretKeyRef, ...), not 0"},
		{"an env var from a source, valid", deployment, "value: -Xmx1g", "valueFrom: {secretKeyRef: {name: s, key: k}}", ""},
		{"an empty value beside a source, valid", deployment, "value: -Xmx1g", "value: ''\n+           valueFrom: {secretKeyRef: {name: s, key: k}}", ""},
		{"an envFrom of two sources", deployment, "env:", "envFrom: [{configMapRef: {name: a}, secretRef: {name: b}}]\n+         env:", "envFrom entries must each have one source (configMapRef or secretRef), not 2"},
		{"an envFrom of a prefix alone", deployment, "env:", "envFrom: [{prefix: A_}]\n+         env:", "envFrom entries must each have one source (configMapRef or secretRef), not 0"},
		{"an envFrom of a secret, valid", deployment, "env:", "envFrom: [{prefix: A_, secretRef: {name: b}}]\n+         env:", ""},
		{"dnsPolicy None without dnsConfig", deployment, "priority: 1", "priority: 1\n+       dnsPolicy: None", "spec.template.spec.dnsConfig.nameservers must name a nameserver when dnsPolicy is None"},
		{"dnsPolicy None without a nameserver", deployment, "priority: 1", "priority: 1\n+       dnsPolicy: None\n+       dnsConfig: {searches: [example.com]}", "dnsConfig.nameservers must name a nameserver"},
		{"dnsPolicy None with a nameserver, valid", deployment, "priority: 1", "priority: 1\n+       dnsPolicy: None\n+       dnsConfig: {nameservers: [10.0.0.10]}", ""},
		{"a preStop hook sleeping, valid", deployment, "port: http", "port: http\n+         lifecycle:\n+           preStop: {sleep: {seconds: 5}}", ""},
		{"policy type, a list item", policy, "- Ingress", "- ingress", "must be one of Ingress or Egress"},
		{"policy type, valid", policy, "- Ingress", "- Egress", ""},
	}
	// two items of one key in a list whose keys the server holds unique
	const added = `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
        containers:
        - name: web
          image: nginx:1
          env:
          - name: A
            value: "1"
+         - name: A
+           value: "2"
+       - name: %s
+         image: sidecar:1
`
	const created = `default, web, Deployment (apps) has been added:
- 
+ apiVersion: apps/v1
+ kind: Deployment
+ metadata:
+   name: web
+ spec:
+   selector:
+     matchLabels:
+       app: web
+   template:
+     metadata:
+       labels:
+         app: web
+     spec:
+       containers:
+       - name: web
+         image: nginx:1
+       volumes:
+       - name: data
+         emptyDir: {}
+       - name: %s
+         emptyDir: {}
`
	const relabeled = `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
-         app: web
-         version: "1"
+         %s
+         version: "2"
      spec:
        containers:
        - name: web
          image: nginx:1
`
	const expressions = `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    selector:
      matchExpressions:
      - {key: tier, operator: In, values: [front, back]}
      - key: canary
        operator: DoesNotExist
      - {key: track, operator: NotIn, values: [beta]}
      - {key: app, operator: Exists}
    template:
      metadata:
        labels:
-         app: web
-         tier: front
+         %s
      spec:
        containers:
        - name: web
          image: nginx:1
`
	const initContainer = `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    selector:
      matchLabels:
        app: web
    template:
      metadata:
        labels:
          app: web
      spec:
+       initContainers:
+       - name: %s
+         image: busybox:1
        containers:
        - name: web
          image: nginx:1
`
	const ports = `default, web, Service (v1) has changed:
  apiVersion: v1
  kind: Service
  metadata:
    name: web
  spec:
    selector:
      app: web
    ports:
    - port: 80
      name: http
+   %s
`
	for _, tt := range []struct{ name, body, key, refused string }{
		{"a second port without a name", ports, "- port: 9090", "spec.ports[1] must have a name"},
		{"a second port of the same name", ports, "- {port: 9090, name: http}", "spec.ports[1] must not be named http"},
		{"a second port of the same number", ports, "- {port: 80, name: metrics}", "spec.ports[1] must not be port 80/TCP"},
		{"the same number over UDP, valid", ports, "- {port: 80, name: dns, protocol: UDP}", ""},
		{"a template label its selector uses", relabeled, "app: web-v2", "spec.selector.matchLabels selects app: web but spec.template.metadata.labels has app: web-v2"},
		{"a template label its selector uses, removed", relabeled, "tier: front", "spec.selector.matchLabels selects app: web but spec.template.metadata.labels has no app"},
		{"a template label its selector does not use", relabeled, "app: web", ""},
		{"a label an In expression does not take", expressions, "app: web\n+         tier: edge", "spec.selector.matchExpressions wants tier In [front back] but spec.template.metadata.labels has tier: edge"},
		{"a label an In expression takes", expressions, "app: web\n+         tier: back", ""},
		{"a label an In expression wants, removed", expressions, "app: web\n+         role: x", "spec.selector.matchExpressions wants tier In [front back] but spec.template.metadata.labels has no tier"},
		{"a label a DoesNotExist expression excludes", expressions, "app: web\n+         tier: back\n+         canary: \"y\"", "spec.selector.matchExpressions wants canary DoesNotExist [] but spec.template.metadata.labels has canary: y"},
		{"a label a NotIn expression excludes", expressions, "app: web\n+         tier: back\n+         track: beta", "spec.selector.matchExpressions wants track NotIn [beta] but spec.template.metadata.labels has track: beta"},
		{"a label a NotIn expression takes", expressions, "app: web\n+         tier: back\n+         track: stable", ""},
		{"a label an Exists expression wants, removed", expressions, "tier: back", "spec.selector.matchExpressions wants app Exists [] but spec.template.metadata.labels has no app"},
		// in an update, helm 3's patch merges two containers of one name
		// (by their merge key) and the server takes the object; server-side
		// apply refuses it (both held to the API server): it may fail
		{"second container of one name", added, "web", "spec.template.spec.containers: two entries with name=web"},
		{"second container, another name (and env may repeat a name)", added, "sidecar", ""},
		{"created, second volume of one name", created, "data", "spec.template.spec.volumes must not hold two items whose name is data"},
		{"created, volumes of two names", created, "cache", ""},
		{"an init container named as a container", initContainer, "web", "spec.template.spec.initContainers[name=web] must not share its name with a container of spec.template.spec.containers"},
		{"an init container of its own name", initContainer, "migrate", ""},
	} {
		tests = append(tests, struct {
			name           string
			body, old, new string
			refused        string
		}{tt.name, fmt.Sprintf(tt.body, tt.key), "", "", tt.refused})
	}
	for _, tt := range tests {
		input := tt.body
		if tt.old != "" {
			input = change(tt.body, tt.old, tt.new)
		}
		// where the view hides the value's place, the refusal may be one
		// reading among others, and a worse one is named instead; and a
		// valid value may be refused at another place it could be
		for _, input := range []string{input, inHelmfile(input), inStevedore(input), withContext(input, 2), withContext(input, 0)} {
			exact := !strings.Contains(input, "\n...")
			rep, err := review.Review(strings.NewReader(input), review.Options{})
			if err != nil {
				t.Errorf("%s: %v\n%s", tt.name, allErrors(err), input)
				continue
			}
			text := reportText(rep)
			found := strings.Contains(text, "helm upgrade will fail: ")
			switch {
			case tt.refused == "" && found && exact:
				t.Errorf("%s: a valid value is said to be refused\n%s\n%s", tt.name, text, input)
			case tt.refused != "" && rep.Result.Highest < rules.Disruptive,
				tt.refused != "" && exact && !strings.Contains(text, tt.refused):
				t.Errorf("%s: judged %s, want at least disruptive saying %q\n%s\n%s", tt.name, rep.Result.Highest, tt.refused, text, input)
			}
		}
	}
}

// TestCreatedNames: the API server validates a created object's name by
// its kind's rule, in every format (the object-level ones show only the
// name).
func TestCreatedNames(t *testing.T) {
	diff := func(name string) string {
		return fmt.Sprintf("default, %s, Service (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: Service\n+ metadata:\n+   name: %s\n+ spec:\n+   ports:\n+   - port: 80\n", name, name)
	}
	simple := func(name string) string {
		return fmt.Sprintf("default, %s, Service (v1) to be added.\nPlan: 1 to add, 0 to change, 0 to destroy, 0 to change ownership.\n", name)
	}
	json := func(name string) string {
		return fmt.Sprintf(`[{"api": "v1", "kind": "Service", "namespace": "default", "name": %q, "change": "ADD"}]`+"\n", name)
	}
	for _, tt := range []struct {
		name    string
		refused bool
	}{
		{"web", false},
		{"1web", true}, // a Service's name begins with a letter
		{"web.v2", true},
	} {
		for _, input := range []string{diff(tt.name), simple(tt.name), json(tt.name), inHelmfile(diff(tt.name)), inStevedore(diff(tt.name))} {
			rep, err := review.Review(strings.NewReader(input), review.Options{})
			if err != nil {
				t.Errorf("%q: %v\n%s", tt.name, allErrors(err), input)
				continue
			}
			text := reportText(rep)
			const want = "the name of a Service"
			if got := strings.Contains(text, want); got != tt.refused || tt.refused && rep.Result.Highest < rules.Disruptive {
				t.Errorf("%q: refused %v (highest %s), want %v\n%s\n%s", tt.name, got, rep.Result.Highest, tt.refused, text, input)
			}
		}
	}
}

// TestRefusedValuesPartial: in a partial body, a tree added at a place the
// visible lines pin down is checked there, as in a complete one.
func TestRefusedValuesPartial(t *testing.T) {
	input := `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
+   template:
+     spec:
+       containers:
+       - name: web
+         resources:
+           limits:
+             cpu: lots
...
`
	rep, err := review.Review(strings.NewReader(input), review.Options{})
	if err != nil {
		t.Fatal(allErrors(err))
	}
	const want = "spec.template.spec.containers[name=web].resources.limits.cpu must be a quantity"
	if text := reportText(rep); rep.Result.Highest < rules.Disruptive || !strings.Contains(text, want) {
		t.Errorf("judged %s, want at least disruptive saying %q\n%s", rep.Result.Highest, want, text)
	}
}

// reportText joins the reasons of a review's findings.
func reportText(rep *report.Report) string {
	var b strings.Builder
	for _, o := range rep.Result.Objects {
		for _, f := range o.Findings {
			b.WriteString(o.Ref.String() + ": " + f.Level.String() + ": " + f.Reason + "\n")
		}
	}
	return b.String()
}

// TestRestartPolicyByKind: a pod template's restartPolicy is what its
// kind takes (Always for workloads; OnFailure or Never, and set, for
// Jobs), in created objects and in changes, removals included.
func TestRestartPolicyByKind(t *testing.T) {
	created := func(group, kind, policy string) string {
		api := "v1"
		if group != "" {
			api = group + "/v1"
		}
		doc := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: x\nspec:\n  selector:\n    matchLabels:\n      app: x\n  template:\n    metadata:\n      labels:\n        app: x\n    spec:\n%s      containers:\n      - name: x\n        image: x:1\n", api, kind, policy)
		g := ""
		if group != "" {
			g = " (" + group + ")"
		} else {
			g = " (v1)"
		}
		return "default, x, " + kind + g + " has been added:\n" + lineDiff("", doc)
	}
	job := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      restartPolicy: OnFailure\n      containers:\n      - name: x\n        image: x:1\n"
	updated := func(new string) string {
		return "default, x, Job (batch) has changed:\n" + lineDiff(job, new)
	}
	for _, tt := range []struct {
		name, input string
		refused     bool
	}{
		{"a created Job without a policy: the default, Always, is refused", created("batch", "Job", ""), true},
		{"a created Job that never restarts", created("batch", "Job", "      restartPolicy: Never\n"), false},
		{"a created Deployment restarting on failure only", created("apps", "Deployment", "      restartPolicy: OnFailure\n"), true},
		{"a created Deployment without a policy", created("apps", "Deployment", ""), false},
		{"a Job's policy removed", updated(strings.Replace(job, "      restartPolicy: OnFailure\n", "", 1)), true},
		{"a Job's policy changed to Never", updated(strings.Replace(job, "OnFailure", "Never", 1)), false},
	} {
		for _, input := range []string{tt.input, inHelmfile(tt.input), withContext(tt.input, 1)} {
			rep, err := review.Review(strings.NewReader(input), review.Options{})
			if err != nil {
				t.Errorf("%s: %v\n%s", tt.name, allErrors(err), input)
				continue
			}
			text := reportText(rep)
			got := strings.Contains(text, "restartPolicy must be")
			exact := !strings.Contains(input, "\n...")
			if got != tt.refused && (exact || tt.refused) || tt.refused && rep.Result.Highest < rules.Disruptive {
				t.Errorf("%s: refused %v (highest %s), want %v\n%s\n%s", tt.name, got, rep.Result.Highest, tt.refused, text, input)
			}
		}
	}
}

// TestRequiredFields: a field the API server requires (a container's
// image, an autoscaler's maxReplicas and target) removed or set to null
// (helm's patch then deletes it) makes it refuse the object, whatever the
// kind that holds it, in full context and with --context.
func TestRequiredFields(t *testing.T) {
	hpa := "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: x\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: x\n  minReplicas: 2\n  maxReplicas: 5\n"
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: x\n          image: x:1\n          resources: {}\n        - name: y\n          image: y:1\n"
	cron := "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: x\nspec:\n  schedule: \"@hourly\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          initContainers:\n            - name: i\n              image: i:1\n          containers:\n            - name: x\n              image: x:1\n"
	for _, tt := range []struct {
		name, header, old, new string
		refused                bool
	}{
		{"removed", "default, x, Deployment (apps)", deploy, strings.Replace(deploy, "          image: x:1\n", "", 1), true},
		{"set to null", "default, x, Deployment (apps)", deploy, strings.Replace(deploy, "image: x:1", "image: null", 1), true},
		{"an init container's, removed", "default, x, CronJob (batch)", cron, strings.Replace(cron, "              image: i:1\n", "", 1), true},
		{"changed", "default, x, Deployment (apps)", deploy, strings.Replace(deploy, "image: x:1", "image: x:2", 1), false},
		{"the container removed with it", "default, x, Deployment (apps)", deploy, strings.Replace(deploy, "        - name: y\n          image: y:1\n", "", 1), false},
		{"an autoscaler's maxReplicas removed", "default, x, HorizontalPodAutoscaler (autoscaling)", hpa, strings.Replace(hpa, "  maxReplicas: 5\n", "", 1), true},
		{"an autoscaler's target's name removed", "default, x, HorizontalPodAutoscaler (autoscaling)", hpa, strings.Replace(hpa, "    name: x\n", "", 1), true},
		{"an autoscaler's minReplicas removed", "default, x, HorizontalPodAutoscaler (autoscaling)", hpa, strings.Replace(hpa, "  minReplicas: 2\n", "", 1), false},
		{"an autoscaler's maxReplicas raised", "default, x, HorizontalPodAutoscaler (autoscaling)", hpa, strings.Replace(hpa, "maxReplicas: 5", "maxReplicas: 8", 1), false},
	} {
		input := tt.header + " has changed:\n" + lineDiff(tt.old, tt.new)
		for _, in := range []string{input, inHelmfile(input), withContext(input, 1)} {
			rep, err := review.Review(strings.NewReader(in), review.Options{})
			if err != nil {
				t.Errorf("%s: %v\n%s", tt.name, allErrors(err), in)
				continue
			}
			text := reportText(rep)
			if got := strings.Contains(text, "must be set (it is required)"); got != tt.refused || tt.refused && rep.Result.Highest < rules.Disruptive {
				t.Errorf("%s: refused %v (highest %s), want %v\nreason: found: an image removed passed as a restart, an autoscaler's maxReplicas removed as safe, though helm upgrade fails\n%s\n%s", tt.name, got, rep.Result.Highest, tt.refused, text, in)
			}
		}
	}
}

// TestRedactedValuesKeepTheirType: a Secret's value is redacted where the
// diff elides its place, and still refused by its YAML type at every place
// it can be (a label's value must be a string), in the diff and in the
// wrappers.
func TestRedactedValuesKeepTheirType(t *testing.T) {
	input := "default, creds, Secret (v1) has changed:\n...\n    labels:\n-     app: web\n+     app: 12345\n  type: Opaque\n...\n"
	shown := "default, creds, Secret (v1) has changed:\n...\n  metadata:\n    name: creds\n    labels:\n-     app: web\n+     app: -12345-\n  type: Opaque\n...\n"
	for _, in := range []string{input, inHelmfile(input), shown, inStevedore(shown)} {
		rep, err := review.Review(strings.NewReader(in), review.Options{})
		if err != nil {
			t.Fatalf("%v\n%s", allErrors(err), in)
		}
		text := reportText(rep)
		if !strings.Contains(text, "must be a string") && !strings.Contains(text, "must be a label value") || rep.Result.Highest < rules.Disruptive {
			t.Errorf("highest %s, want the label's integer refused\nreason: found: with metadata elided, a Secret's label set to a number passed as label churn, where the ConfigMap's was refused\n%s", rep.Result.Highest, text)
		}
		if strings.Contains(text, "12345") {
			t.Errorf("the redacted value is shown:\n%s", text)
		}
	}
}

// TestPossibleRenames: where the diff elides a changed name's place, the
// name may be the object's own, and a rename deletes the object: the
// object is judged at least as its deletion is (a Namespace's, a CRD's
// lose data), never lower than the full view.
func TestPossibleRenames(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		level       rules.Level
	}{
		{"a Namespace", "default, team-a, Namespace (v1) has changed:\n...\n-   name: team-a\n+   name: team-b\n...\n", rules.Destructive},
		{"a CustomResourceDefinition (no schema)", "default, widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io) has changed:\n...\n-   name: widgets.example.com\n+   name: widgets.example.org\n...\n", rules.Destructive},
		{"a PersistentVolumeClaim", "default, data, PersistentVolumeClaim (v1) has changed:\n...\n-   name: data\n+   name: data-2\n...\n", rules.Destructive},
	} {
		for _, in := range []string{tc.input, inHelmfile(tc.input)} {
			level, _ := reviewed(t, in)
			if level < tc.level {
				t.Errorf("%s: level %s, want at least %s (its deletion's)\nreason: found: at --context 0 a possible rename was judged disruptive, the full view destructive\n%s", tc.name, level, tc.level, in)
			}
		}
	}
}

// TestAddedBodyElisionIsABlankLine: under --context 0, the one "..." of an
// added object's body stands for the blank line its empty old side pairs
// with, nothing else: the object is read whole, and the checks of a
// created object hold (a selector that does not select the template).
func TestAddedBodyElisionIsABlankLine(t *testing.T) {
	input := "default, web, Deployment (apps) has been added:\n+ apiVersion: apps/v1\n+ kind: Deployment\n+ metadata:\n+   name: web\n+ spec:\n+   selector:\n+     matchLabels:\n+       app: web\n+   template:\n+     metadata:\n+       labels:\n+         app: other\n+     spec:\n+       containers:\n+         - name: web\n+           image: web:1\n+           args:\n+             - |\n+               a\n...\n+               b\n"
	rep, err := review.Review(strings.NewReader(input), review.Options{})
	if err != nil {
		t.Fatal(allErrors(err))
	}
	if text := reportText(rep); rep.Result.Highest < rules.Disruptive || !strings.Contains(text, "selector") {
		t.Errorf("judged %s, want the selector refused: the body is whole\nreason: found: an elision in an added body made the object partial, and a created object's checks did not run\n%s", rep.Result.Highest, text)
	}
}

// TestSuppressedLines: helm-diff's --suppress-output-line-regex removes
// lines from every object's diff, changed and context lines alike; where
// the stream shows it was used (an object's diff is empty after
// suppression), an object's hidden fields count as their worst and any
// field may have changed.
func TestSuppressedLines(t *testing.T) {
	input := "default, web-hpa, HorizontalPodAutoscaler (autoscaling) has changed, but diff is empty after suppression.\ndefault, web, StatefulSet (apps) has changed:\n  # Source: demo/templates/web.yaml\n  apiVersion: apps/v1\n  kind: StatefulSet\n  metadata:\n    name: web\n    labels:\n      app: web\n      helm.sh/chart: demo-1.0.0\n  spec:\n    persistentVolumeClaimRetentionPolicy:\n      whenDeleted: Retain\n      whenScaled: Delete\n    serviceName: web\n    selector:\n      matchLabels:\n        app: web\n    template:\n      metadata:\n        labels:\n          app: web\n      spec:\n        containers:\n          - name: web\n-           image: web:1.0\n+           image: web:2.0\n            resources:\n              limits:\n                memory: 256Mi\n    volumeClaimTemplates:\n      - metadata:\n          name: data\n        spec:\n          accessModes: [\"ReadWriteOnce\"]\n          resources:\n            requests:\n              storage: 10Gi\n"
	rep, err := review.Review(strings.NewReader(input), review.Options{})
	if err != nil {
		t.Fatal(allErrors(err))
	}
	plan, err := diffparse.ParseString(input, diffparse.Options{})
	if err != nil {
		t.Fatal(allErrors(err))
	}
	noted := slices.ContainsFunc(plan.Notes, func(n diffparse.Note) bool { return strings.Contains(n.Text, "--suppress-output-line-regex") }) &&
		slices.ContainsFunc(rep.Result.Notes, func(n diffparse.Note) bool { return strings.Contains(n.Text, "spec.replicas") })
	if text := reportText(rep); rep.Result.Highest < rules.Destructive || !noted {
		t.Errorf("judged %s, want destructive with a note\nreason: found: the regex removed replicas 3 -> 1 (whenScaled Delete) and the StatefulSet read as complete with one replica\n%s", rep.Result.Highest, text)
	}
}

// readingFile reads a document of testdata/reading.
func readingFile(name string) string {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "reading", name))
	if err != nil {
		panic(err)
	}
	return string(data)
}

// TestJSONKeyClash: two keys of one mapping that sigs.k8s.io/yaml turns
// into one JSON key (their YAML types differ: 1 and "1", y and "true")
// reach Kubernetes as one of them, picked by Go's map order: a selector
// that may or may not match its pods. The document is refused, in block
// and flow style; keys that differ in JSON, or repeat one YAML key (the
// last wins, always), are read.
func TestJSONKeyClash(t *testing.T) {
	doc := func(labels string) string {
		return "default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    replicas: 5\n    selector:\n" + labels +
			"    template:\n      metadata:\n        labels:\n          app: web\n      spec:\n        containers:\n          - name: web\n            image: nginx:1.25\n"
	}
	for _, tc := range []struct {
		name, labels, want string
	}{
		{"an int and a string", "      matchLabels:\n        app: web\n+       1: b\n        \"1\": a\n", `the same JSON key "1"`},
		{"flow style", "-     matchLabels: {app: web, \"1\": a}\n+     matchLabels: {app: web, 1: b, \"1\": a}\n", `the same JSON key "1"`},
		{"a YAML 1.1 boolean and a string", "      matchLabels:\n        app: web\n+       y: b\n        \"true\": a\n", `the same JSON key "true"`},
		{"a float and a string", "      matchLabels:\n        app: web\n+       1.0: b\n        \"1\": a\n", `the same JSON key "1"`},
		{"keys that differ", "      matchLabels:\n        app: web\n+       1: b\n        \"2\": a\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 { // the conversion's order is random: once is not proof
				_, err := diffparse.ParseString(doc(tc.labels), diffparse.Options{})
				switch {
				case tc.want == "" && err != nil:
					t.Fatalf("unexpected error: %v", err)
				case tc.want != "" && (err == nil || !strings.Contains(allErrors(err), tc.want)):
					t.Fatalf("error %v, want one with %q", err, tc.want)
				}
			}
		})
	}
}
