package classify_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/rules"
)

// hookDoc is an object's document in a diff's body (every line of one
// side, prefixed by sign) with the helm hook annotations given (none when
// hook is ""), and rest below metadata.
func hookDoc(sign, kind, hook, policy, rest string) string {
	api := "v1"
	if kind == "CustomResourceDefinition" {
		api = "apiextensions.k8s.io/v1"
	}
	doc := "apiVersion: " + api + "\nkind: " + kind + "\nmetadata:\n  name: x\n"
	if hook != "" {
		doc += "  annotations:\n    helm.sh/hook: " + hook + "\n"
		if policy != "" {
			doc += "    helm.sh/hook-delete-policy: " + policy + "\n"
		}
	}
	doc += rest
	return sign + strings.ReplaceAll(strings.TrimSuffix(doc, "\n"), "\n", "\n"+sign) + "\n"
}

// TestHelmHooks: a helm hook's object is created by helm at the events its
// helm.sh/hook annotation names, deleted first under its delete policy
// before-hook-creation (the default), never patched and never deleted with
// the release (helm v3.22 pkg/action/hooks.go). What the rules say of its
// changes as an update in place does not apply; what helm does instead is
// judged. Where the input does not show the annotations, the object is a
// resource of the release: never a lower reading.
func TestHelmHooks(t *testing.T) {
	const cm1, cm2 = "immutable: true\ndata:\n  a: \"1\"\n", "immutable: true\ndata:\n  a: \"2\"\n"
	const pvc1, pvc2 = "spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n", "spec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 2Gi\n"
	changed := func(kind, hook, policy, old, new string) string {
		return "default, x, " + kind + " (v1) has changed:\n" + hookDoc("- ", kind, hook, policy, old) + hookDoc("+ ", kind, hook, policy, new)
	}
	// a hook whose chart label changes (a chart's version bump)
	labelled := func(kind, hook, policy string) string {
		annotations := "      helm.sh/hook: " + hook + "\n"
		if policy != "" {
			annotations += "      helm.sh/hook-delete-policy: " + policy + "\n"
		}
		return "default, x, " + kind + " (v1) has changed:\n  apiVersion: v1\n  kind: " + kind + "\n  metadata:\n    name: x\n    annotations:\n" + annotations +
			"    labels:\n-     helm.sh/chart: c-1\n+     helm.sh/chart: c-2\n"
	}
	tests := []struct {
		name, why, diff string
		level           rules.Level
		rule            string // of the object's level
		reason          string // a part of the object's reason
	}{
		{"an immutable ConfigMap", "a resource of the release is patched: its immutable data fails the upgrade",
			changed("ConfigMap", "", "", cm1, cm2), rules.Disruptive, "configmap-immutable", "immutable"},
		{"an upgrade hook", "helm deletes and creates it: judged as created",
			changed("ConfigMap", "pre-install,pre-upgrade", "", cm1, cm2), rules.Safe, rules.HookRule, "helm deletes its object and creates it anew (delete policy before-hook-creation, the default)"},
		{"an upgrade hook, the policy spelt as helm reads it", "helm trims and lower-cases each event and policy",
			changed("ConfigMap", "' Pre-Upgrade , post-install'", "' Before-Hook-Creation'", cm1, cm2), rules.Safe, rules.HookRule, "delete policy before-hook-creation)"},
		{"an upgrade hook kept after success", "the object its last run left is there, and helm 3 cannot create it again",
			changed("ConfigMap", "pre-install,pre-upgrade", "hook-failed", cm1, cm2), rules.Disruptive, rules.HookRule, "helm upgrade may fail: the hook (helm.sh/hook: pre-install, pre-upgrade) is created without deleting what its last run left"},
		{"an upgrade hook deleted after success", "nothing is left to collide with: created",
			changed("ConfigMap", "pre-install,pre-upgrade", "hook-succeeded", cm1, cm2), rules.Safe, rules.HookRule, "helm creates its object anew"},
		{"an upgrade hook's claim", "deleted before it is created anew: its data is lost",
			changed("PersistentVolumeClaim", "pre-upgrade", "", pvc1, pvc2), rules.Destructive, "delete-volume-claim", "helm deletes the hook's object before it creates it anew"},
		{"an upgrade hook's custom resource definition", "helm never deletes a hook's definition: the one its last run left is there",
			"default, x, CustomResourceDefinition (apiextensions.k8s.io) has changed:\n" + hookDoc("- ", "CustomResourceDefinition", "pre-install,pre-upgrade", "", "spec:\n  group: a.example.com\n") + hookDoc("+ ", "CustomResourceDefinition", "pre-install,pre-upgrade", "", "spec:\n  group: b.example.com\n"),
			rules.Disruptive, rules.HookRule, "helm 3 cannot create it while that is there"},
		{"an install hook", "the upgrade does not run it",
			changed("ConfigMap", "pre-install", "", cm1, cm2), rules.Safe, rules.HookRule, "not at an upgrade: helm upgrade does not apply it"},
		{"an install hook of a bad value", "the upgrade does not apply it, so the server never sees it",
			changed("ConfigMap", "pre-install", "", cm1, "data:\n  a: [1]\n"), rules.Safe, rules.HookRule, "helm upgrade does not apply it"},
		{"an added delete hook of a bad value", "not created now, so the server does not see it now",
			"default, x, ConfigMap (v1) has been added:\n- \n" + hookDoc("+ ", "ConfigMap", "pre-delete", "", "data:\n  a: [1]\n"), rules.Safe, rules.HookRule, "a helm hook run at pre-delete"},
		{"an added install hook of a bad value", "the release may be installed now (helm upgrade --install): created, the server refuses it",
			"default, x, ConfigMap (v1) has been added:\n- \n" + hookDoc("+ ", "ConfigMap", "pre-install", "", "data:\n  a: [1]\n"), rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail"},
		{"an added upgrade hook of a bad value", "created now: the server refuses it",
			"default, x, ConfigMap (v1) has been added:\n- \n" + hookDoc("+ ", "ConfigMap", "pre-upgrade", "", "data:\n  a: [1]\n"), rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail"},
		{"an upgrade hook of a bad value", "created, the server refuses it",
			changed("ConfigMap", "pre-upgrade", "", cm1, "data:\n  a: [1]\n"), rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail"},
		{"a hook made a resource", "the object its last run left is not the release's",
			"default, x, ConfigMap (v1) has changed:\n" + hookDoc("- ", "ConfigMap", "pre-install", "", cm1) + hookDoc("+ ", "ConfigMap", "", "", cm1), rules.Disruptive, rules.HookRule, "helm cannot adopt it"},
		{"a resource made a hook", "it leaves the release: deleted",
			"default, x, ConfigMap (v1) has changed:\n" + hookDoc("- ", "ConfigMap", "", "", cm1) + hookDoc("+ ", "ConfigMap", "pre-install", "", cm1), rules.Disruptive, "delete", "the object becomes a helm hook (helm.sh/hook: pre-install): it leaves the release, and helm upgrade deletes it"},
		{"a resource made a hook of an unknown event", "helm leaves the object out: deleted",
			"default, x, ConfigMap (v1) has changed:\n" + hookDoc("- ", "ConfigMap", "", "", cm1) + hookDoc("+ ", "ConfigMap", "pre-upgarde", "", cm1), rules.Disruptive, "delete", "names an event it does not know (\"pre-upgarde\")"},
		{"a resource made a hook of no event", "helm splits \"\" into one empty event, which it does not know: the object is left out",
			"default, x, ConfigMap (v1) has changed:\n" + hookDoc("- ", "ConfigMap", "", "", cm1) + hookDoc("+ ", "ConfigMap", "''", "", cm1), rules.Disruptive, "delete", "names an event it does not know (\"\")"},
		{"an upgrade hook of an empty delete policy", "helm reads one empty policy, so it sets no default: nothing deletes what the last run left",
			changed("ConfigMap", "pre-install,pre-upgrade", "''", cm1, cm2), rules.Disruptive, rules.HookRule, "helm 3 cannot create it while that is there"},
		{"a definition moved to the chart's crds/ directory", "crds/ is not part of the release: helm upgrade deletes it (helm diff --include-crds shows it changed)",
			"default, w, CustomResourceDefinition (apiextensions.k8s.io) has changed:\n- # Source: widgets/templates/crd.yaml\n+ # Source: widgets/crds/crd.yaml\n  apiVersion: apiextensions.k8s.io/v1\n  kind: CustomResourceDefinition\n  metadata:\n    name: w\n",
			rules.Destructive, "delete-crd", "the object moves to the chart's crds/ directory (widgets/crds/crd.yaml)"},
		{"a definition moved to a folder of templates named crds", "templates/crds/ is templates: still the release's",
			"default, w, CustomResourceDefinition (apiextensions.k8s.io) has changed:\n- # Source: widgets/templates/crd.yaml\n+ # Source: widgets/templates/crds/crd.yaml\n  apiVersion: apiextensions.k8s.io/v1\n  kind: CustomResourceDefinition\n  metadata:\n    name: w\n",
			rules.Ignored, "format-only", ""},
		{"a removed hook's claim", "helm upgrade does not delete a hook's object",
			"default, x, PersistentVolumeClaim (v1) has been removed:\n" + hookDoc("- ", "PersistentVolumeClaim", "pre-install", "", pvc1) + "+ \n", rules.Safe, rules.HookRule, "helm upgrade does not delete a hook's object"},
		{"a removed claim", "a resource of the release is deleted with its data",
			"default, x, PersistentVolumeClaim (v1) has been removed:\n" + hookDoc("- ", "PersistentVolumeClaim", "", "", pvc1) + "+ \n", rules.Destructive, "delete-volume-claim", "deleted"},
		{"an added delete hook", "created only when the release is deleted",
			"default, x, ConfigMap (v1) has been added:\n- \n" + hookDoc("+ ", "ConfigMap", "pre-delete", "", cm1), rules.Safe, rules.HookRule, "a helm hook run at pre-delete"},
		{"a hook's annotations out of view", "it may be a resource of the release: the rules decide, which is never lower",
			"default, x, ConfigMap (v1) has changed:\n...\n  data:\n-   a: \"1\"\n+   a: \"2\"\n", rules.Disruptive, "configmap-immutable", "immutable"},
		{"a hook's annotation removed, in part", "the view does not show what it is now: if a resource, helm may not adopt what its last run left",
			"default, x, ConfigMap (v1) has changed:\n...\n  metadata:\n    name: x\n    annotations:\n-     helm.sh/hook: pre-install\n      other: a\n...\n",
			rules.Disruptive, rules.HookRule, "helm upgrade may fail: the object was a helm hook (helm.sh/hook: pre-install), and the diff does not show all of what it is now"},
		{"a hook's annotation added, in part", "the view does not show whether it was one: if a resource, it leaves the release and is deleted",
			"default, x, ConfigMap (v1) has changed:\n...\n  metadata:\n    name: x\n    annotations:\n+     helm.sh/hook: pre-install\n      other: a\n...\n",
			rules.Disruptive, "delete", "the object is a helm hook now (helm.sh/hook: pre-install), and the diff does not show whether it was one"},
		{"an upgrade hook's rules, its delete policy out of view", "the policy may keep what the last run left, which helm 3 cannot create again (a Role: a ConfigMap's immutable: false, shown in part, may be replaced by a line out of view)",
			"default, x, Role (rbac.authorization.k8s.io) has changed:\n  apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata:\n    name: x\n    annotations:\n      helm.sh/hook: pre-install,pre-upgrade\n  rules:\n...\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n-   verbs: [get]\n+   verbs: [get, list]\n",
			rules.Disruptive, rules.HookRule, "helm upgrade may fail"},
		{"an upgrade hook kept after success, in part", "a line out of view may undo the annotations: judged as a resource, its immutable data failing the upgrade",
			"default, x, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x\n    annotations:\n      helm.sh/hook: pre-install,pre-upgrade\n      helm.sh/hook-delete-policy: hook-failed\n  immutable: true\n...\n  data:\n-   a: \"1\"\n+   a: \"2\"\n",
			rules.Disruptive, "configmap-immutable", "immutable"},
		{"an upgrade hook's label churn", "helm creates the hook anew at every upgrade it runs, changed or not: the churn itself does nothing (and a view that hides the annotations, judging it a resource, is not lower)",
			labelled("ServiceAccount", "pre-install,pre-upgrade", "hook-succeeded,before-hook-creation"), rules.Ignored, "labels-top-level", "label churn"},
		{"a test hook's label churn", "not run by the upgrade, and ignored as a resource's: ignored",
			labelled("ConfigMap", "test", ""), rules.Ignored, "labels-top-level", "label churn"},
		{"an upgrade hook's claim, its delete policy out of view", "the default policy, before-hook-creation, deletes it before it is created anew: its data is lost",
			"default, x, PersistentVolumeClaim (v1) has changed:\n...\n  metadata:\n    name: x\n    labels:\n-     helm.sh/chart: c-1\n+     helm.sh/chart: c-2\n    annotations:\n      helm.sh/hook: pre-install,pre-upgrade\n...\n",
			rules.Destructive, "delete-volume-claim", "helm deletes the hook's object before it creates it anew"},
		{"an upgrade hook's claim, shown in part", "a line out of view may undo the annotations, but as the view shows it, helm deletes the claim before creating it anew: never lower than that",
			"default, x, PersistentVolumeClaim (v1) has changed:\n...\n  metadata:\n    name: x\n    labels:\n-     helm.sh/chart: c-1\n+     helm.sh/chart: c-2\n    annotations:\n      helm.sh/hook: pre-upgrade\n      helm.sh/hook-delete-policy: before-hook-creation\n...\n",
			rules.Destructive, "delete-volume-claim", "helm deletes the hook's object before it creates it anew"},
		{"an upgrade hook's claim kept after success, shown in part", "as the view shows it, helm 3 cannot create it again while its last run's is there",
			"default, x, PersistentVolumeClaim (v1) has changed:\n...\n  metadata:\n    name: x\n    labels:\n-     helm.sh/chart: c-1\n+     helm.sh/chart: c-2\n    annotations:\n      helm.sh/hook: pre-upgrade\n      helm.sh/hook-delete-policy: hook-failed\n...\n",
			rules.Disruptive, rules.HookRule, "helm 3 cannot create it while that is there"},
		{"an install hook's claim, its delete policy out of view", "the upgrade does not run it: whatever its policy, nothing is deleted now",
			"default, x, PersistentVolumeClaim (v1) has changed:\n...\n  metadata:\n    name: x\n    labels:\n-     helm.sh/chart: c-1\n+     helm.sh/chart: c-2\n    annotations:\n      helm.sh/hook: pre-install\n...\n",
			rules.Ignored, "labels-top-level", "label churn"},
		{"a hook's delete policy out of view", "the policy decides whether it is deleted first: the rules decide",
			"default, x, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x\n    annotations:\n      helm.sh/hook: pre-upgrade\n...\n  data:\n-   a: \"1\"\n+   a: \"2\"\n", rules.Disruptive, "configmap-immutable", "immutable"},
	}
	names := tabletest.Names{}
	for _, tt := range tests {
		names.Check(t, tt.name, tt.why)
		t.Run(tt.name, func(t *testing.T) {
			res := reviewPlan(t, tt.diff)
			o := res.Objects[0]
			if o.Level != tt.level || o.Rule != tt.rule || !strings.Contains(o.Reason, tt.reason) {
				t.Errorf("%s [%s]: %s\nwant %s [%s] saying %q (%s)", o.Level, o.Rule, o.Reason, tt.level, tt.rule, tt.reason, tt.why)
			}

		})
	}
}

// TestHelmHookShownInPart: a diff that shows a hook's annotations but only
// part of the object (--context) may hide a line that undoes them (a later
// metadata key: the last of duplicate keys wins): the object is judged as
// a resource of the release, never lower, and a note says why and how to
// judge it as a hook.
func TestHelmHookShownInPart(t *testing.T) {
	diff := "default, x, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: x\n    annotations:\n      helm.sh/hook: pre-upgrade\n      helm.sh/hook-delete-policy: before-hook-creation\n  immutable: true\n...\n  data:\n-   a: \"1\"\n+   a: \"2\"\n"
	res := reviewPlan(t, diff)
	if o := res.Objects[0]; o.Level != rules.Disruptive || o.Rule != "configmap-immutable" || o.Hook != rules.NotHook {
		t.Errorf("%s [%s] hook mode %d, want disruptive [configmap-immutable] as a resource of the release", o.Level, o.Rule, o.Hook)
	}
	const want = "ConfigMap/default/x shows the annotations of a helm hook, which helm creates anew rather than updating in place, but the diff shows only part of it"
	if !slices.ContainsFunc(res.Notes, func(n diffparse.Note) bool { return strings.Contains(n.Text, want) }) {
		t.Errorf("no note says %q: %v", want, res.Notes)
	}
	// a reading that only adds what helm may do (its annotation removed in
	// view) does not name the object a hook either: the view does not show
	// what it is
	res = reviewPlan(t, "default, x, ConfigMap (v1) has changed:\n...\n  metadata:\n    name: x\n    annotations:\n-     helm.sh/hook: pre-install\n      other: a\n...\n")
	if o := res.Objects[0]; o.Hook != rules.NotHook || o.Level != rules.Disruptive {
		t.Errorf("%s, hook mode %s: want disruptive, not named a hook", o.Level, o.Hook)
	}
}

// TestResourcePolicyKeep: helm upgrade does not delete an object whose
// helm.sh/resource-policy is keep, exactly as helm compares it (helm
// v3.22 pkg/kube/client.go); helm-diff leaves such removals out, a
// Stevedore plan shows them. Anything else is deleted.
func TestResourcePolicyKeep(t *testing.T) {
	removed := func(policy string) string {
		annotations := ""
		if policy != "" {
			annotations = "-   annotations:\n-     helm.sh/resource-policy: " + policy + "\n"
		}
		return "default, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n- metadata:\n-   name: data\n" + annotations +
			"- spec:\n-   accessModes: [ReadWriteOnce]\n-   resources:\n-     requests:\n-       storage: 1Gi\n+ \n"
	}
	tests := []struct {
		name, why, diff string
		level           rules.Level
		rule            string
	}{
		{"kept", "helm skips its deletion", removed("keep"), rules.Safe, rules.KeepRule},
		{"kept, quoted", "the value is what helm compares, however written", removed(`"keep"`), rules.Safe, rules.KeepRule},
		{"kept in another case", "helm compares the value exactly: Keep is not keep", removed("Keep"), rules.Destructive, "delete-volume-claim"},
		{"kept with a space", "helm does not trim it", removed(`" keep"`), rules.Destructive, "delete-volume-claim"},
		{"no policy", "deleted with its volume", removed(""), rules.Destructive, "delete-volume-claim"},
	}
	names := tabletest.Names{}
	for _, tt := range tests {
		names.Check(t, tt.name, tt.why)
		t.Run(tt.name, func(t *testing.T) {
			o := reviewPlan(t, tt.diff).Objects[0]
			if o.Level != tt.level || o.Rule != tt.rule {
				t.Errorf("%s [%s]: %s\nwant %s [%s] (%s)", o.Level, o.Rule, o.Reason, tt.level, tt.rule, tt.why)
			}
		})
	}
}
