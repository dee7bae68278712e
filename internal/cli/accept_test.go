package cli_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// golden compares got with internal/cli/testdata/accept/NAME, or writes
// it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "accept", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run TestGolden -update)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, d)
	}
}

// TestGoldenWriteAccept: review --write-accept writes an entry for each
// change at or above the gate, each with reason TODO; the file is refused
// until the TODOs are replaced, and then lets exactly that plan pass.
func TestGoldenWriteAccept(t *testing.T) {
	input := sample(t, "all.diff.txt")
	file := filepath.Join(t.TempDir(), "accept.yaml")
	out, errOut, code := run(t, input, "review", "--no-color", "--write-accept", file, "-")
	if code != 2 {
		t.Fatalf("exit %d, want 2 (writing an accept file changes no verdict)\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "wrote "+file+" for 2 changes that trip the gate") {
		t.Errorf("stderr does not say what was written: %s", errOut)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "write-accept.yaml.golden", strings.ReplaceAll(string(written), file, "FILE"))

	_, errOut, code = run(t, input, "review", "--accept", file)
	if code != 1 || !strings.Contains(errOut, `reason is "TODO"`) {
		t.Errorf("the written file was not refused: exit %d\n%s", code, errOut)
	}
	filled := strings.ReplaceAll(string(written), "reason: TODO", "reason: CHG-9 reviewed by ops")
	if err := os.WriteFile(file, []byte(filled), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, input, "review", "--no-color", "--accept", file)
	if code != 0 || !strings.Contains(out, "Gate: PASS - 2 changes at or above the gate (--fail-on disruptive) accepted by the accept file, nothing else; exit 0") {
		t.Errorf("the filled-in file does not pass its plan: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := run(t, input, "review", "--write-accept", file); code != 1 || !strings.Contains(errOut, "file exists") {
		t.Errorf("--write-accept over an existing file: exit %d %s; want a refusal", code, errOut)
	}
}

// TestGoldenAcceptSuggestions: entries that name nothing are notes, in
// every format, with a suggestion when the plan has something close.
func TestGoldenAcceptSuggestions(t *testing.T) {
	accept := writeFile(t, "accept.yaml", `version: 1
accept:
  - object: StatefulSet/default/demo-db
    action: delete
    reason: CHG-1 the data moved to demo-db2
  - object: Secret/default/demo-sekret
    action: create
    reason: CHG-2
  - object: Secret/default/demo-secret
    action: update
    reason: CHG-3
`)
	got := goldenCase(t, sample(t, "cli-real-add-secret-remove-sts.txt"), "--accept", accept)
	golden(t, "suggestions.golden", strings.ReplaceAll(got, accept, "accept.yaml"))
	for _, want := range []string{
		"accept[0] (StatefulSet/default/demo-db action delete) matches no object of this plan; did you mean StatefulSet.apps/default/demo-db?",
		"accept[1] (Secret/default/demo-sekret action create) matches no object of this plan; did you mean Secret/default/demo-secret?",
		"accept[2] (Secret/default/demo-secret action update): Secret/default/demo-secret is created in this plan, not updated in place",
	} {
		// markdown escapes brackets and breaks would-be links: read it plain
		plain := strings.NewReplacer(`\[`, "[", `\]`, "]", "\u200b", "").Replace(got)
		if strings.Count(plain, want) != 3 {
			t.Errorf("the note %q is not in every format", want)
		}
	}
}

// TestAcceptNamesDeletionsAndReleases: an entry accepts a deletion only
// when it says action: delete, a possible rename (helm deletes the old
// object) included; in a plan of several releases, an entry names the
// release of the object it accepts; and --write-accept writes entries that
// say so, listing every finding each accepts.
func TestAcceptNamesDeletionsAndReleases(t *testing.T) {
	fill := func(t *testing.T, file string) string {
		t.Helper()
		written, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		filled := strings.ReplaceAll(string(written), "reason: TODO", "reason: CHG-9 reviewed")
		if err := os.WriteFile(file, []byte(filled), 0o644); err != nil {
			t.Fatal(err)
		}
		return string(written)
	}
	// a name changed where the view does not show which: it may be the
	// claim's own, and the claim deleted
	rename := "prod, data, PersistentVolumeClaim (v1) has changed:\n...\n-   name: data\n+   name: data-v2\n...\n"
	update := writeFile(t, "update.yaml", "version: 1\naccept:\n  - object: PersistentVolumeClaim/prod/data\n    path: ...name\n    reason: CHG-7\n  - object: PersistentVolumeClaim/prod/data\n    action: update\n    reason: CHG-7 lines not read exactly, reviewed\n")
	out, _, code := run(t, rename, "review", "--no-color", "--accept", update)
	if code != 2 || !strings.Contains(out, "the object may be renamed, judged by its deletion") || strings.Count(out, "accepted by the accept file") != 2 {
		t.Errorf("an update entry accepted a possible deletion: exit %d\n%s", code, out)
	}
	// in an object-level format (simple, json), an update may be a rename
	// (helm-diff --find-renames shows one as a change): its deletion is
	// accepted by action: delete alone
	simple := ", team-a, Namespace (v1) to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy, 0 to change ownership.\n"
	nsUpdate := writeFile(t, "ns.yaml", "version: 1\naccept:\n  - object: Namespace/team-a\n    action: update\n    reason: CHG-5 namespace labels\n")
	if out, _, code := run(t, simple, "review", "--no-color", "--accept", nsUpdate); code != 2 || !strings.Contains(out, "the object may be renamed, judged by its deletion") {
		t.Errorf("simple format: an update entry accepted a possible rename: exit %d\n%s", code, out)
	}
	file := filepath.Join(t.TempDir(), "simple.yaml")
	run(t, simple, "review", "--write-accept", file)
	if written := fill(t, file); !strings.Contains(written, "    action: delete\n") || !strings.Contains(written, "    action: update\n") {
		t.Errorf("--write-accept, simple format: want an update and a delete entry:\n%s", written)
	}
	if out, errOut, code := run(t, simple, "review", "--no-color", "--accept", file); code != 0 {
		t.Errorf("the filled-in file does not pass its plan: exit %d\n%s%s", code, out, errOut)
	}
	// a resource made a helm hook leaves the release: helm deletes it
	leaves := "prod, pg, StatefulSet (apps) has changed:\n  apiVersion: apps/v1\n  kind: StatefulSet\n  metadata:\n    name: pg\n+   annotations:\n+     helm.sh/hook: pre-install\n  spec:\n    serviceName: pg\n    replicas: 3\n    volumeClaimTemplates:\n      - metadata:\n          name: data\n        spec:\n          accessModes: [ReadWriteOnce]\n          resources:\n            requests:\n              storage: 10Gi\n"
	whole := writeFile(t, "whole.yaml", "version: 1\naccept:\n  - object: StatefulSet.apps/prod/pg\n    action: update\n    reason: CHG-8\n")
	out, _, code = run(t, leaves, "review", "--no-color", "--accept", whole)
	if code != 2 || !strings.Contains(out, "is accepted only by an entry that says action: delete") {
		t.Errorf("an update entry and a deletion within an update: exit %d, want 2 and a note\n%s", code, out)
	}
	file = filepath.Join(t.TempDir(), "rename.yaml")
	run(t, rename, "review", "--write-accept", file)
	if written := fill(t, file); !strings.Contains(written, "    action: delete\n") {
		t.Errorf("--write-accept does not ask for the deletion:\n%s", written)
	}
	if out, errOut, code := run(t, rename, "review", "--no-color", "--accept", file); code != 0 {
		t.Errorf("the filled-in file does not pass its plan: exit %d\n%s%s", code, out, errOut)
	}

	// two releases (two clusters) delete a claim of the same name
	removed := "prod, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n- metadata:\n-   name: data\n-   namespace: prod\n- spec:\n-   resources:\n-     requests:\n-       storage: 10Gi\n+ \n"
	plan := "Comparing release=shop-eu, chart=shop, namespace=prod\n" + removed + "Comparing release=shop-us, chart=shop, namespace=prod\n" + removed
	either := writeFile(t, "either.yaml", "version: 1\naccept:\n  - object: PersistentVolumeClaim/prod/data\n    action: delete\n    reason: CHG-9 eu data migrated\n")
	out, _, code = run(t, plan, "review", "--no-color", "--accept", either)
	if code != 2 || !strings.Contains(out, "names no release, and PersistentVolumeClaim/prod/data is an object of several releases of this plan (shop-eu, shop-us): it accepts nothing") {
		t.Errorf("an entry without a release accepted an object of two releases: exit %d\n%s", code, out)
	}
	eu := writeFile(t, "eu.yaml", "version: 1\naccept:\n  - object: PersistentVolumeClaim/prod/data\n    release: shop-eu\n    action: delete\n    reason: CHG-9 eu data migrated\n")
	out, _, code = run(t, plan, "review", "--no-color", "--accept", eu)
	if code != 2 || strings.Count(out, "accepted by the accept file") != 1 {
		t.Errorf("an entry for release shop-eu: exit %d, want 2 with one deletion accepted\n%s", code, out)
	}
	file = filepath.Join(t.TempDir(), "releases.yaml")
	run(t, plan, "review", "--write-accept", file)
	if written := fill(t, file); strings.Count(written, "    action: delete\n") != 2 || !strings.Contains(written, "release: shop-eu") || !strings.Contains(written, "release: shop-us") {
		t.Errorf("--write-accept does not name each release:\n%s", written)
	}
	if out, errOut, code := run(t, plan, "review", "--no-color", "--accept", file); code != 0 {
		t.Errorf("the filled-in file does not pass its plan: exit %d\n%s%s", code, out, errOut)
	}
}

// TestWriteAcceptEscapes: a reason that quotes a chart's value (a port
// name with a line break and a terminal's "conceal" sequence) is escaped
// in the written file's comments, as in the text report: the file stays
// YAML, shows what it accepts, and once filled in passes its plan.
func TestWriteAcceptEscapes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", "forged-gate-port-name.diff"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "accept.yaml")
	run(t, string(data), "review", "--write-accept", file)
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range string(written) {
		if r < ' ' && r != '\n' || r == 0x7f {
			t.Fatalf("the written file holds the control character %U:\n%q", r, written)
		}
	}
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(string(written), "reason: TODO", "reason: CHG-1 reviewed")), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, string(data), "review", "--no-color", "--accept", file); code != 0 {
		t.Errorf("the filled-in file does not pass its plan: exit %d\n%s%s", code, out, errOut)
	}
}

// TestLibraryIsTheCLI: review.Review with the CLI's options and a writer
// gives the same report as safediff review, notes of unused accept
// entries included.
func TestLibraryIsTheCLI(t *testing.T) {
	input := sample(t, "all.diff.txt")
	acceptDoc := "version: 1\naccept:\n  - object: Service/default/demo-legacy\n    action: delete\n    reason: retired\n  - object: Service/default/gone\n    action: delete\n    reason: r\n"
	acceptFile := writeFile(t, "accept.yaml", acceptDoc)
	rulesFile := writeFile(t, "team.yaml", "version: 1\nrules:\n  - id: quiet-config\n    description: d\n    reason: our config changes are reviewed elsewhere\n    level: ignored\n    match: {kinds: [ConfigMap]}\n")
	cliOut, _, code := run(t, input, "review", "-o", "json", "--rules", rulesFile, "--accept", acceptFile, "--fail-on", "restart")

	set, err := review.LoadRules(false, rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := review.ReadAccept(acceptFile)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := gate.ParseFailOn([]string{"restart"})
	rep, err := review.Review(strings.NewReader(input), review.Options{Rules: set, Judge: g, Accept: []*gate.AcceptFile{a}, Source: "stdin"})
	if err != nil {
		t.Fatal(err)
	}
	var lib bytes.Buffer
	if err := (report.JSON{}).Write(&lib, rep); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(cliOut, lib.String()); d != "" {
		t.Errorf("the library's report differs from the CLI's (-cli +library):\n%s", d)
	}
	if code != rep.Verdict.ExitCode || !strings.Contains(lib.String(), "accept[1] (Service/default/gone action delete)") {
		t.Errorf("exit %d vs %d, or the unused entry's note is missing", code, rep.Verdict.ExitCode)
	}
}

// TestLoweredNoteInEveryFormat: a user rule that lowers what the default
// rules put at disruptive or destructive is named in every format, with
// its file and the level it overrode, even when the finding it lowered
// is hidden (ignored).
func TestLoweredNoteInEveryFormat(t *testing.T) {
	team := writeFile(t, "team.yaml", "version: 1\nrules:\n  - id: ignore-all\n    description: We trust every change.\n    reason: trusted\n    level: ignored\n")
	diff := "prod, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n+ \n"
	want := fmt.Sprintf("rule ignore-all in %s lowered the deletion of PersistentVolumeClaim/prod/data from destructive (delete-volume-claim) to ignored", team)
	for _, format := range []string{"text", "json", "markdown"} {
		out, errOut, code := run(t, diff, "review", "--no-color", "-o", format, "--rules", team)
		if code != 0 {
			t.Errorf("%s: exit %d, want 0 (the user's rule decides)\n%s", format, code, errOut)
		}
		if !strings.Contains(out, want) {
			t.Errorf("%s: no note %q\n%s", format, want, out)
		}
	}
	// a hook's deletion before helm creates it anew, and a resource that
	// becomes a hook (helm deletes it): the same lowering, noted the same
	hook := "prod, data, PersistentVolumeClaim (v1) has changed:\n  apiVersion: v1\n  kind: PersistentVolumeClaim\n  metadata:\n    name: data\n    annotations:\n      helm.sh/hook: pre-upgrade\n    labels:\n-     helm.sh/chart: pg-1.0.0\n+     helm.sh/chart: pg-1.1.0\n  spec:\n    accessModes: [ReadWriteOnce]\n    resources:\n      requests:\n        storage: 10Gi\n"
	leaves := "prod, pg, StatefulSet (apps) has changed:\n  apiVersion: apps/v1\n  kind: StatefulSet\n  metadata:\n    name: pg\n+   annotations:\n+     helm.sh/hook: pre-install\n  spec:\n    serviceName: pg\n    replicas: 3\n    selector:\n      matchLabels:\n        app: pg\n    template:\n      metadata:\n        labels:\n          app: pg\n      spec:\n        containers:\n          - name: pg\n            image: postgres:16\n    volumeClaimTemplates:\n      - metadata:\n          name: data\n        spec:\n          accessModes: [ReadWriteOnce]\n          resources:\n            requests:\n              storage: 10Gi\n"
	for _, tc := range []struct{ name, diff, want string }{
		{"hook", hook, fmt.Sprintf("rule ignore-all in %s lowered the deletion of PersistentVolumeClaim/prod/data from destructive (delete-volume-claim)", team)},
		{"leaves the release", leaves, fmt.Sprintf("rule ignore-all in %s lowered the deletion of StatefulSet.apps/prod/pg from destructive (delete-statefulset-with-claims)", team)},
	} {
		for _, format := range []string{"text", "json", "markdown"} {
			if out, _, _ := run(t, tc.diff, "review", "--no-color", "-o", format, "--rules", team); !strings.Contains(out, tc.want) {
				t.Errorf("%s, %s: no note %q\n%s", tc.name, format, tc.want, out)
			}
		}
	}
	// a rule that lowers a helm hook's creation (helm creates it anew), and
	// a rule that lowers a replacement the object's safediff.dev/ignore
	// annotation then names: the rule is still named, and the annotation
	// lowers no replacement the default rules see
	npOK := writeFile(t, "np.yaml", "version: 1\nrules:\n  - id: np-create-ok\n    description: d\n    reason: reviewed by netsec\n    level: safe\n    match: {kinds: [NetworkPolicy], actions: [create]}\n")
	npHook := "prod, deny-all, NetworkPolicy (networking.k8s.io) has changed:\n  apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata:\n    name: deny-all\n    namespace: prod\n    annotations:\n      helm.sh/hook: pre-upgrade\n  spec:\n    podSelector: {}\n    policyTypes:\n-     - Egress\n+     - Ingress\n"
	selOK := writeFile(t, "sel.yaml", "version: 1\nrules:\n  - id: selector-ok\n    description: d\n    reason: we recreate by hand\n    level: safe\n    match: {kinds: [Deployment], paths: ['spec.selector.**']}\n")
	selector := "default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n    annotations:\n      safediff.dev/ignore: spec.selector.matchLabels.track\n  spec:\n    replicas: 3\n    selector:\n      matchLabels:\n        app: web\n+       track: canary\n    template:\n      metadata:\n        labels:\n          app: web\n          track: canary\n      spec:\n        containers:\n          - name: web\n            image: web:1\n"
	svcOK := writeFile(t, "svc.yaml", "version: 1\nrules:\n  - id: svc-ok\n    description: d\n    reason: we move traffic by hand\n    level: safe\n    match: {kinds: [Service]}\n")
	service := "default, web, Service (v1) has changed:\n  apiVersion: v1\n  kind: Service\n  metadata:\n    name: web\n    annotations:\n      safediff.dev/ignore: spec.selector.track\n  spec:\n    selector:\n      app: web\n-     track: stable\n+     track: canary\n"
	// an elided change that may be under the claim templates: the rule
	// that lowered it is the user's rule at that place, not the default
	// rule that decides it at another place (the pod template)
	storageOK := writeFile(t, "storage.yaml", "version: 1\nrules:\n  - id: storage-ok\n    description: d\n    reason: we resize by hand\n    level: safe\n    match: {kinds: [StatefulSet], paths: ['spec.volumeClaimTemplates.**']}\n")
	elided := "default, db, StatefulSet (apps) has changed:\n  apiVersion: apps/v1\n  kind: StatefulSet\n  metadata:\n    name: db\n  spec:\n    replicas: 3\n...\n        annotations:\n-         backup: daily\n+         backup: weekly\n"
	for _, tc := range []struct{ name, rules, diff, want string }{
		{"elided, lowered at one place", storageOK, elided, fmt.Sprintf("rule storage-ok in %s lowered ...annotations.backup of StatefulSet.apps/default/db from destructive (statefulset-volume-claim-templates) to disruptive", storageOK)},
		{"annotation after a user rule", svcOK, service, fmt.Sprintf("rule svc-ok in %s lowered spec.selector.track of Service/default/web from disruptive (service-routing) to ignored", svcOK)},
		{"hook created anew", npOK, npHook, fmt.Sprintf("rule np-create-ok in %s lowered spec.policyTypes", npOK) + "|of NetworkPolicy.networking.k8s.io/prod/deny-all from disruptive (network-policy-created) to safe"},
		{"annotation over a user rule", selOK, selector, fmt.Sprintf("rule selector-ok in %s lowered spec.selector.matchLabels.track of Deployment.apps/default/web from disruptive (selector-immutable) to safe", selOK)},
	} {
		for _, format := range []string{"text", "json", "markdown"} {
			out, _, _ := run(t, tc.diff, "review", "--no-color", "-o", format, "--rules", tc.rules)
			for _, want := range strings.Split(tc.want, "|") {
				if !strings.Contains(out, want) {
					t.Errorf("%s, %s: no note %q\n%s", tc.name, format, want, out)
				}
			}
		}
	}
	// nor is the replacement it may force certain: at the other places
	// the annotation is no immutable field
	if out, _, _ := run(t, elided, "review", "--no-color", "--rules", storageOK); strings.Contains(out, "helm upgrade will fail") || !strings.Contains(out, "may force a replacement") {
		t.Errorf("a replacement at one of three places became certain\n%s", out)
	}
	// a rule that raises a replacement (without saying replace) does not
	// open it to the annotation either
	strict := writeFile(t, "strict.yaml", "version: 1\nrules:\n  - id: selector-cab\n    description: d\n    reason: selector changes need CAB\n    level: destructive\n    match: {kinds: [Deployment], paths: ['spec.selector.**']}\n")
	if out, _, code := run(t, selector, "review", "--no-color", "--rules", strict); code != 2 || strings.Contains(out, "annotation lowered") {
		t.Errorf("a raised selector change was ignored by the annotation: exit %d\n%s", code, out)
	}
	// nor does it make the replacement an update in place: helm upgrade
	// still fails there, in every format
	for format, want := range map[string]string{"text": "1 to replace", "json": `"action": "replace"`, "markdown": "replace"} {
		if out, _, _ := run(t, selector, "review", "--no-color", "-o", format, "--rules", strict); !strings.Contains(out, want) || format == "text" && !strings.Contains(out, "helm upgrade will fail") {
			t.Errorf("%s: a raising rule without replace: true made the replacement an update in place\n%s", format, out)
		}
	}
	// helm's warnings fill the markdown report's byte budget: the
	// lowering still shows, before them
	var warnings strings.Builder
	for i := range 700 {
		fmt.Fprintf(&warnings, "W1206 19:10:06.440801   32733 warnings.go:70] unknown field \"spec.template.spec.containers[0].env%d\"\n", i)
	}
	md, _, _ := run(t, warnings.String()+diff, "review", "--no-color", "-o", "markdown", "--rules", team)
	if !strings.Contains(md, fmt.Sprintf("rule ignore-all in %s lowered the deletion of PersistentVolumeClaim/prod/data", team)) || !strings.Contains(md, "more notes not shown") {
		t.Errorf("markdown: the lowering note gave way to helm's warnings\n%s", md)
	}
	// without the default rules there is nothing to lower: every format
	// says that no lowering is noted
	for _, format := range []string{"text", "json", "markdown"} {
		out, _, code := run(t, diff, "review", "--no-color", "-o", format, "--no-default-rules", "--rules", team)
		if code != 0 || !strings.Contains(out, "the default rules are not in the rule set (--no-default-rules)") {
			t.Errorf("--no-default-rules, %s: exit %d, no note\n%s", format, code, out)
		}
	}
	// lowering a restart is no news: no note
	restart := "prod, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  spec:\n    replicas: 3\n    template:\n      spec:\n        containers:\n          - name: web\n-           image: a:1\n+           image: a:2\n"
	if out, _, _ := run(t, restart, "review", "--rules", team); strings.Contains(out, "lowered") {
		t.Errorf("a lowered restart is noted:\n%s", out)
	}
}

// TestRulesCheck: rules check reports every problem of every file, in
// place, then the files layered together; it warns about kinds and paths
// the schema does not know; it counts in words.
func TestRulesCheck(t *testing.T) {
	rule := func(id, extra string) string {
		return "  - id: " + id + "\n    description: d\n    reason: r\n    level: safe\n" + extra
	}
	good := writeFile(t, "good.yaml", "version: 1\nrules:\n"+rule("a", "")+rule("b", ""))
	one := writeFile(t, "one.yaml", "version: 1\nrules:\n"+rule("c", ""))
	clash := writeFile(t, "clash.yaml", "version: 1\nrules:\n"+rule("a", ""))
	broken := writeFile(t, "broken.yaml", "version: 1\nrules:\n"+rule("x", "    match: {actions: [upgrade]}\n")+rule("x", "")+"  - id: z\n    description: d\n    level: risky\n")
	typos := writeFile(t, "typos.yaml", "version: 1\nrules:\n"+
		rule("kind-typo", "    match: {kinds: [Deplyment]}\n")+
		rule("path-typo", "    match: {groups: [apps], kinds: [Deployment], paths: ['spec.tempalte.**']}\n")+
		rule("field-typo", "    match: {kinds: [StatefulSet]}\n    when: [{field: spec.replica, atMost: 1}]\n")+
		rule("key-typo", "    match: {kinds: [Deployment], paths: ['spec.template.spec.containers[nmae=web].image']}\n")+
		rule("custom", "    match: {kinds: [Widget], paths: ['spec.size']}\n")+
		rule("group-typo", "    match: {groups: [apps/v1], kinds: [Deployment]}\n")+
		rule("crd-group-typo", "    match: {groups: [apiextensions], kinds: [CustomResourceDefinition]}\n")+
		rule("crd", "    match: {kinds: [CustomResourceDefinition], paths: ['spec.versions[*].served']}\n")+
		rule("group-only-typo", "    match: {groups: [app]}\n")+
		rule("fine", "    match: {kinds: [Deployment, StatefulSet], paths: ['spec.template.**', 'metadata.labels[\"helm.sh/*\"]']}\n")+
		rule("widget", "    match: {groups: [example.com], kinds: [Widget]}\n"))
	tests := []struct {
		name   string
		files  []string
		exit   int
		out    []string
		err    []string
		notErr []string
		reason string
	}{
		{"two good files", []string{good, one}, 0, []string{"good.yaml: ok (2 rules)\n", "one.yaml: ok (1 rule)\n"}, nil, []string{"warning"},
			"plurals in words; nothing to warn about"},
		{"a bad file first", []string{broken, good}, 1, []string{"good.yaml: ok (2 rules)"},
			[]string{`broken.yaml: rules[0] (id=x): match.actions: unknown action "upgrade"`, `broken.yaml: rules[1] (id=x): duplicate id "x" (also rules[0])`, `broken.yaml: rules[2] (id=z): unknown level "risky"`, "broken.yaml: rules[2] (id=z): missing reason"},
			nil, "every file is checked, every problem reported in file order: the duplicate in place, not after the others"},
		{"files that clash", []string{good, clash}, 1, []string{"good.yaml: ok (2 rules)", "clash.yaml: ok (1 rule)"},
			[]string{"clash.yaml: rules[0] (id=a): duplicate id: " + good + " already defines it"}, nil,
			"each file is fine alone; layered together, their ids clash"},
		{"typos", []string{typos}, 0, []string{"typos.yaml: ok (11 rules, 12 warnings)"},
			[]string{
				`warning: ` + typos + `: rules[0] (id=kind-typo): kind "Deplyment" matches no kind safediff knows; did you mean Deployment?`,
				`warning: ` + typos + `: rules[1] (id=path-typo): path "spec.tempalte.**" matches no field of Deployment`,
				`warning: ` + typos + `: rules[2] (id=field-typo): when[0]: field "spec.replica" is no field of StatefulSet`,
				`warning: ` + typos + `: rules[3] (id=key-typo): path "spec.template.spec.containers[nmae=web].image" matches no field of Deployment`,
				`warning: ` + typos + `: rules[4] (id=custom): kind "Widget" matches no kind safediff knows (fine for a custom resource)`,
				`warning: ` + typos + `: rules[5] (id=group-typo): kind "Deployment" is in group "apps", which groups ["apps/v1"] do not name (a group is written without its version`,
				`warning: ` + typos + `: rules[5] (id=group-typo): group "apps/v1" is no API group`,
				// a built-in kind without a schema here is no custom
				// resource: its group is checked, and the rule says its
				// paths are not
				`warning: ` + typos + `: rules[6] (id=crd-group-typo): group "apiextensions" is no API group: Kubernetes' own are named in full ("apps", "apiextensions.k8s.io"), and a custom resource's is a domain, with a dot; did you mean apiextensions.k8s.io?`,
				`warning: ` + typos + `: rules[6] (id=crd-group-typo): kind "CustomResourceDefinition" is in group "apiextensions.k8s.io", which groups ["apiextensions"] do not name`,
				`warning: ` + typos + `: rules[7] (id=crd): kind "CustomResourceDefinition" is built into Kubernetes, but safediff has no schema for it: the rule's paths are not checked`,
				`warning: ` + typos + `: rules[8] (id=group-only-typo): group "app" is no API group: Kubernetes' own are named in full ("apps", "apiextensions.k8s.io"), and a custom resource's is a domain, with a dot; did you mean apps?`,
				`warning: ` + typos + `: rules[10] (id=widget): kind "Widget" matches no kind safediff knows (fine for a custom resource)`,
			},
			[]string{"id=fine", `group "example.com"`}, "typos are warned about, exit 0; a custom resource's fields are not checked"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, "", append([]string{"rules", "check"}, tc.files...)...)
			if code != tc.exit {
				t.Errorf("exit %d, want %d\n%s%s\nreason: %s", code, tc.exit, out, errOut, tc.reason)
			}
			for _, w := range tc.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q\n%s\nreason: %s", w, out, tc.reason)
				}
			}
			for _, w := range tc.err {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q\n%s\nreason: %s", w, errOut, tc.reason)
				}
			}
			for _, w := range tc.notErr {
				if strings.Contains(errOut, w) {
					t.Errorf("stderr has %q\n%s\nreason: %s", w, errOut, tc.reason)
				}
			}
		})
	}
}

// TestWrittenAcceptPinsWhatWasReviewed: an accept file written for one
// plan, its reasons filled in, lets that plan pass and not another plan
// that changes the same object differently.
func TestWrittenAcceptPinsWhatWasReviewed(t *testing.T) {
	for _, tc := range []struct {
		name, reviewed, other string
		reason                string
	}{
		{"replacement", "replace-refused-a.diff", "replace-refused-b.diff",
			"a StatefulSet's serviceName change (a replacement) with a retention policy the server refuses: the refusal's entry, without a path, once said action: replace alone and accepted every change that forces a replacement, a claim template's storage class too"},
		{"scale-down", "scale-down-a.diff", "scale-down-b.diff",
			"replicas 3 -> 2 keeping the claims (disruptive) reviewed; 12 -> 2 deleting ten claims (destructive, another rule) passed on the same path and new value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func(name string) string {
				data, err := os.ReadFile(filepath.Join("testdata", "accept", name))
				if err != nil {
					t.Fatal(err)
				}
				return string(data)
			}
			reviewed, other := read(tc.reviewed), read(tc.other)
			file := filepath.Join(t.TempDir(), "accept.yaml")
			if _, errOut, code := run(t, reviewed, "review", "--write-accept", file); code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, errOut)
			}
			written, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(strings.ReplaceAll(string(written), "reason: TODO", "reason: CHG-7 reviewed")), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, errOut, code := run(t, reviewed, "review", "--no-color", "--accept", file); code != 0 {
				t.Errorf("the reviewed plan: exit %d, want 0\n%s%s", code, out, errOut)
			}
			if out, errOut, code := run(t, other, "review", "--no-color", "--accept", file); code != 2 {
				t.Errorf("another plan: exit %d, want 2\n%s\n%s%s\nreason: %s", code, written, out, errOut, tc.reason)
			}
		})
	}
}
