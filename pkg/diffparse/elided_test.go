package diffparse_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

// The principle of partial input: where the input hides lines (helm-diff
// --context N, Stevedore's five lines), safediff assumes the worst the
// visible lines allow. So a partial view of a diff is never judged lower
// than the full view of the same diff: it may be higher (a hidden replicas
// count is taken as 1), or an error (nothing passes), never lower.

// entryHeader is helm-diff's header of an object's entry.
var entryHeader = regexp.MustCompile(`^(.*), (.*), (\S+) \((.*)\) (has changed:|has been added:|has been removed:)$`)

// fullEntries returns the full-context entries of a helm-diff text: each
// header with its body, for the bodies that show every line.
func fullEntries(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) < 2 {
			cur = nil
			return
		}
		for _, l := range cur[1:] {
			if l == "..." || !(l == "" || strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- ") || l == "+" || l == "-") {
				cur = nil
				return // elided, or not a body line: not a full-context entry
			}
		}
		out = append(out, strings.Join(cur, "\n")+"\n")
		cur = nil
	}
	for _, l := range strings.Split(text, "\n") {
		if entryHeader.MatchString(l) {
			flush()
			cur = []string{l}
			continue
		}
		if cur != nil {
			cur = append(cur, l)
		}
	}
	flush()
	return out
}

// checkElidedNotLower reviews a full-context entry and each of its views
// with --context 0 to 5, as Stevedore shows it, and through helmfile.
func checkElidedNotLower(t *testing.T, name, entry string) {
	t.Helper()
	full, err := review.Review(strings.NewReader(entry), review.Options{})
	if err != nil {
		return // the full view is not judged: nothing to compare with
	}
	if unknownField(full.Result.Plan) || repeatedEntries(full.Result.Plan) {
		// a partial view places a change only at fields the schema knows,
		// and holds a list to its keys only where it places the list
		// (README, Input)
		return
	}
	bar := full.Result.Highest
	if before := refusedBefore(entry); len(before) > 0 {
		bar = levelWithout(full, before)
	}
	views := map[string]string{"stevedore": inStevedore(entry), "helmfile": inHelmfile(entry)}
	for n := 0; n <= 5; n++ {
		views[fmt.Sprintf("--context %d", n)] = withContext(entry, n)
	}
	views["helmfile --context 3"] = inHelmfile(withContext(entry, 3))
	for view, input := range views {
		got, err := review.Review(strings.NewReader(input), review.Options{})
		if err != nil {
			continue // an error judges nothing: the gate cannot pass
		}
		if got.Result.Highest < bar {
			t.Errorf("%s, %s: judged %s, but the full view of the same diff is %s\nfull:\n%s\n%s:\n%s", name, view, got.Result.Highest, bar, entry, view, input)
		}
	}
}

// lineNote is the line a finding's reason names, which differs between
// two diffs of one document.
var lineNote = regexp.MustCompile(` \(line \d+\)`)

// refusedBefore returns the reasons the API server refuses the old
// document of an update with, reviewed as a creation: what the object
// already had, unchanged. A partial view takes the fields it hides to be
// unchanged and valid before (the object exists; README, Input), so it
// does not repeat them; the full view does (the new object is refused
// whole), and the comparison leaves them out.
func refusedBefore(entry string) map[string]bool {
	header, _, _ := strings.Cut(entry, "\n")
	m := entryHeader.FindStringSubmatch(header)
	if m == nil || m[5] != "has changed:" {
		return nil
	}
	old, _ := entrySides(entry)
	created := fmt.Sprintf("%s, %s, %s (%s) has been added:\n%s", m[1], m[2], m[3], m[4], lineDiff("", old))
	rep, err := review.Review(strings.NewReader(created), review.Options{})
	if err != nil {
		return nil
	}
	before := map[string]bool{}
	for _, o := range rep.Result.Objects {
		for _, f := range o.Findings {
			if f.Rule == rules.SchemaTypeRule {
				for _, r := range refusals(f.Reason) {
					before[r] = true
				}
			}
		}
	}
	return before
}

// refusals splits the reason of a schema-type finding into the refusals it
// joins ("helm upgrade will fail: a (line 3); b (line 9)"), without their
// lines: the old document had some of them, the new one may keep only
// some of those.
func refusals(reason string) []string {
	return strings.Split(lineNote.ReplaceAllString(strings.TrimPrefix(reason, "helm upgrade will fail: "), ""), "; ")
}

// levelWithout returns the highest level of a review's findings but the
// schema-type ones whose every refusal is in before.
func levelWithout(rep *report.Report, before map[string]bool) rules.Level {
	level := rules.Ignored
	for _, o := range rep.Result.Objects {
		for _, f := range o.Findings {
			if f.Rule == rules.SchemaTypeRule && !slices.ContainsFunc(refusals(f.Reason), func(r string) bool { return !before[r] }) {
				continue
			}
			level = max(level, f.Level)
		}
	}
	return level
}

// unknownField reports whether a plan changes a field the schema of its
// kind does not know (a typo such as replicyas, a field newer than the
// schema). The full view judges such a change where it is (no rule covers
// it); a partial view cannot tell an unknown field from a map key, and
// places a change only where its key names a field or may be a map key.
func unknownField(plan *diffparse.Plan) bool {
	for _, o := range plan.Objects {
		typ := kube.SchemaFor(o.Ref.Group, o.Ref.Version, o.Ref.Kind)
		if typ == nil {
			continue
		}
		for _, c := range o.Changes {
			if len(c.Path) > 0 && typ.At(c.Path) == nil {
				return true
			}
			for _, v := range []diffparse.Value{c.Old, c.New} {
				if v.Kind != diffparse.Tree {
					continue
				}
				if tree, ok := diffparse.DecodeTree(v.Text); ok && unknownIn(typ.At(c.Path), tree) {
					return true
				}
			}
		}
	}
	return false
}

// repeatedEntries reports whether the full view found two items of an
// associative list with the same keys (which server-side apply refuses).
func repeatedEntries(plan *diffparse.Plan) bool {
	for _, o := range plan.Objects {
		for _, n := range o.ServerSideRefused {
			if strings.Contains(n.Text, ": two entries with ") {
				return true
			}
		}
	}
	return false
}

// unknownIn reports whether a decoded tree at a place of type t holds a
// key that no field of a struct type knows.
func unknownIn(t *kube.Type, v any) bool {
	if t == nil || t.Kind == kube.AnyType {
		return false
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			ft := t.Field(k)
			if ft == nil && t.Kind == kube.StructType || unknownIn(ft, e) {
				return true
			}
		}
	case []any:
		if t.Kind == kube.ListType {
			for _, e := range x {
				if unknownIn(t.Elem, e) {
					return true
				}
			}
		}
	}
	return false
}

// TestElidedNeverLower elides every full-context object of the captures in
// testdata (real helm-diff output of real charts, and the hostile inputs).
func TestElidedNeverLower(t *testing.T) {
	var files []string
	for _, pattern := range []string{"helm-diff/*diff*", "helm-diff/cli-*", "hostile/*", "examples/*"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "testdata", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	entries := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range fullEntries(strings.ReplaceAll(string(data), "\r\n", "\n")) {
			entries++
			checkElidedNotLower(t, fmt.Sprintf("%s, object %d", filepath.Base(file), i+1), e)
		}
	}
	for _, e := range readingEntries() {
		entries++
		checkElidedNotLower(t, strings.SplitN(e, "\n", 2)[0], e)
	}
	t.Logf("%d full-context objects, each seen 9 ways", entries)
	if entries < 50 {
		t.Fatalf("only %d full-context entries found in testdata: the test reads the wrong files", entries)
	}
}

// FuzzElidedNotLower is the same property on generated documents: the
// input holds an object's old and new documents, separated by a line
// "===" (as FuzzReviewExact's), diffed with full context and elided.
func FuzzElidedNotLower(f *testing.F) {
	for _, e := range readingEntries() {
		old, new := entrySides(e)
		f.Add(old + "\n===\n" + new)
	}
	for _, s := range captureSeeds(f, 4<<10) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		old, new, _, _, header, ok := documentsOf(s, 4<<10, 300)
		if !ok {
			return
		}
		checkElidedNotLower(t, "fuzz", strings.TrimSuffix(header, "\n")+"\n"+lineDiff(old, new))
	})
}

// TestElidedWrongShape: a value of the wrong shape for its field (a chart's
// mistake, or a hostile chart's) makes the API server refuse the object,
// and the full view says so (helm upgrade will fail: disruptive). A
// partial view must not drop the place the server refuses in favour of
// the places the value fits (a label, an annotation): it is a reading the
// visible lines allow.
func TestElidedWrongShape(t *testing.T) {
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  strategy:
    type: Recreate
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1
`
	tests := []struct {
		name     string
		old, new string // replaced in the document
		reason   string
	}{
		{"scalar for a mapping", "  strategy:\n    type: Recreate\n", "  strategy: e\n",
			"strategy: e fits a label and an annotation; as spec.strategy, next to replicas and selector, the server refuses it"},
		{"mapping for a scalar", "  replicas: 3\n", "  replicas:\n    foo: 1\n",
			"no place holds replicas.foo: the change may be anywhere"},
		{"list for a scalar", "  replicas: 3\n", "  replicas:\n  - 1\n",
			"a list where an integer belongs"},
		{"scalar for a list", "      containers:\n      - name: web\n        image: nginx:1\n", "      containers: x\n",
			"containers: x fits a label; the removed container's lines pin the pod spec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(deployment, tt.old) {
				t.Fatalf("the document has no %q", tt.old)
			}
			new := strings.Replace(deployment, tt.old, tt.new, 1)
			entry := "default, web, Deployment (apps) has changed:\n" + lineDiff(deployment, new)
			full, err := review.Review(strings.NewReader(entry), review.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if full.Result.Highest < rules.Disruptive {
				t.Fatalf("full view judged %s: the server refuses this value (%s)", full.Result.Highest, tt.reason)
			}
			checkElidedNotLower(t, tt.name+" ("+tt.reason+")", entry)
		})
	}
}

// TestShownValueReplacedOutOfView: YAML keeps the last of a key's values,
// and so does the API server. A field a partial view shows (--context,
// Stevedore's five lines) may be given again by a line out of view, so
// what the view shows of it never makes a level lower: each entry gives
// the field a second value out of every view's sight, one that makes the
// upgrade worse. (Found: a view showing replicas: 3 passed at restart an
// upgrade that restarts the only replica.)
func TestShownValueReplacedOutOfView(t *testing.T) {
	tests := []struct {
		name, entry string
		full        rules.Level
	}{
		{"replicas given again", `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}
    replicas: 3
    template:
      metadata:
-       annotations: {checksum: a}
+       annotations: {checksum: b}
        labels:
          app: web
      spec:
        containers:
        - name: web
          image: web:1
    selector:
      matchLabels:
        app: web
    replicas: 1
`, rules.Disruptive},
		{"the strategy given again", `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}
    template:
      metadata:
-       annotations: {checksum: a}
+       annotations: {checksum: b}
        labels:
          app: web
      spec:
        containers:
        - name: web
          image: web:1
    selector:
      matchLabels:
        app: web
    strategy: {type: Recreate}
`, rules.Disruptive},
		{"immutable given again", `default, web, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web
  immutable: false
  data:
-   mode: a
+   mode: b
    other: c
    more: d
    and: e
    last: f
  immutable: true
`, rules.Disruptive},
		{"a retention policy given again", `default, db, StatefulSet (apps) has changed:
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: db
  spec:
    persistentVolumeClaimRetentionPolicy: {whenScaled: Retain, whenDeleted: Retain}
-   replicas: 3
+   replicas: 1
    serviceName: db
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
          image: db:1
    persistentVolumeClaimRetentionPolicy: {whenScaled: Delete, whenDeleted: Retain}
`, rules.Destructive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, err := review.Review(strings.NewReader(tt.entry), review.Options{})
			if err != nil {
				t.Fatal(allErrors(err))
			}
			if full.Result.Highest != tt.full {
				t.Fatalf("full view: judged %s, want %s (the last value counts)\n%s", full.Result.Highest, tt.full, reportText(full))
			}
			checkElidedNotLower(t, tt.name, tt.entry)
		})
	}
}

// TestElidedRulesBetweenFields: the full view checks a workload's selector
// against its template labels and each request against its limit; a
// partial view that hides the other field judges a change by the worst
// reading (helm upgrade may fail), never lower than the full view, and
// leaves alone the changes that cannot break the rule.
func TestElidedRulesBetweenFields(t *testing.T) {
	const daemonSet = `default, agent, DaemonSet (apps) has changed:
  apiVersion: apps/v1
  kind: DaemonSet
  metadata:
    name: agent
  spec:
    updateStrategy:
      type: RollingUpdate
      rollingUpdate:
        maxUnavailable: 1
    selector:
      matchLabels:
        app: agent
    template:
      metadata:
        labels:
          app: agent
          version: "1"
      spec:
        containers:
        - name: agent
          image: agent:1
          resources:
            limits:
              memory: 1Gi
            requests:
              memory: 512Mi
`
	tests := []struct {
		name     string
		old, new string
		fails    bool // in the full view
		partial  rules.Level
	}{
		{"a template label the selector uses", "          app: agent\n", "          app: agent-v2\n", true, rules.Disruptive},
		{"a template label the selector does not use", "          version: \"1\"\n", "          version: \"2\"\n", false, rules.Disruptive},
		{"a template label added", "          version: \"1\"\n", "          version: \"1\"\n          tier: node\n", false, rules.Restart},
		{"a request above the limit", "              memory: 512Mi\n", "              memory: 2Gi\n", true, rules.Disruptive},
		{"a request raised below the limit", "              memory: 512Mi\n", "              memory: 768Mi\n", false, rules.Disruptive},
		{"a request lowered", "              memory: 512Mi\n", "              memory: 256Mi\n", false, rules.Restart},
		{"a limit below the request", "              memory: 1Gi\n", "              memory: 256Mi\n", true, rules.Disruptive},
		{"a limit raised", "              memory: 1Gi\n", "              memory: 2Gi\n", false, rules.Restart},
		// 07000000000 is octal in YAML 1.1: 896Mi, below the 1Gi it replaces (its digits read 7G)
		{"a limit lowered, in octal", "              memory: 1Gi\n", "              memory: 07000000000\n", false, rules.Disruptive},
		// helm 3's patch merges them by name (the server takes the object);
		// server-side apply refuses them: may fail, not will
		{"a second container of one name", "          image: agent:1\n", "          image: agent:1\n        - name: agent\n          image: agent:2\n", false, rules.Disruptive},
		{"a second container of another name", "          image: agent:1\n", "          image: agent:1\n        - name: exporter\n          image: exporter:1\n", false, rules.Disruptive},
	}
	oneByOne := withTeamRule(t, "{id: one-by-one, description: d, reason: the team knows the pods roll one at a time, level: restart, match: {kinds: [DaemonSet], paths: [\"spec.template.**\"]}}")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := strings.SplitAfter(daemonSet, "\n")
			var b strings.Builder
			found := false
			for _, l := range lines {
				if !found && l == tt.old {
					// the lines as the body shows them: a two-space prefix
					found = true
					b.WriteString("-" + l[1:])
					for _, nl := range strings.SplitAfter(strings.TrimSuffix(tt.new, "\n"), "\n") {
						b.WriteString("+" + strings.TrimSuffix(nl, "\n")[1:] + "\n")
					}
					continue
				}
				b.WriteString(l)
			}
			if !found {
				t.Fatalf("no line %q", tt.old)
			}
			entry := b.String()
			checkElidedNotLower(t, tt.name, entry)
			full, err := review.Review(strings.NewReader(entry), review.Options{})
			if err != nil {
				t.Fatal(allErrors(err))
			}
			if fails := strings.Contains(reportText(full), "helm upgrade will fail"); fails != tt.fails {
				t.Errorf("full view: fails %v, want %v\n%s", fails, tt.fails, reportText(full))
			}
			// the view shows the update strategy besides three lines around
			// each change, but a line out of view may give maxUnavailable
			// again (YAML keeps the last; it may be 100%), which makes any
			// change of a DaemonSet's pods disruptive: a team rule that
			// knows they roll one at a time stands in for it, so that only
			// the checks between fields may raise a change
			view := withContextKeeping(entry, 3, "  spec:", "updateStrategy", "ollingUpdate", "maxUnavailable")
			part, err := review.Review(strings.NewReader(view), review.Options{Rules: oneByOne})
			if err != nil {
				t.Fatal(allErrors(err))
			}
			if part.Result.Highest != tt.partial {
				t.Errorf("--context 3: judged %s, want %s\n%s\n%s", part.Result.Highest, tt.partial, reportText(part), view)
			}
		})
	}
}

// TestElidedCutValue: an elision may cut a quoted or flow value that runs
// over several lines (helm-diff shows a few lines around each change): its
// start shown and its end elided, or the other way round. The lines on the
// other side of the elision may be the value's text or the document's
// own, which the visible lines cannot tell, so the object is judged by the
// worst any field could be, with a note on the line where the value
// starts. A multi-line quoted scalar inside a flow collection is valid
// YAML, and the full view reads it (it was refused). Refusing the input
// would say as much to the gate, but it is no truncation: the diff is
// whole, and the reader says what it could not read.
func TestElidedCutValue(t *testing.T) {
	deployment := func(before, value, after string) string {
		return fmt.Sprintf(`apiVersion: apps/v1
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
          image: %s
          %s
          imagePullPolicy: %s
          env:
            - name: A
              value: "1"
`, before, value, after)
	}
	values := []struct{ name, value string }{
		{"a double-quoted scalar", "args: [\"sh\", \"-c\", \"echo one\n            two three\n            four five\n            six seven\n            eight nine\n            ten\"]"},
		{"a single-quoted scalar", "workingDir: 'one\n            two\n            three\n            four\n            five\n            six'"},
		{"a flow sequence", "args: [\n            \"a\",\n            \"b\",\n            \"c\",\n            \"d\",\n            \"e\"\n          ]"},
		{"a flow mapping", "resources: {\n            limits: {cpu: 1},\n            requests: {cpu: 1},\n            claims: [],\n            x: 1,\n            y: 2\n          }"},
	}
	for _, v := range values {
		for _, at := range []string{"start", "end"} {
			t.Run(v.name+", its "+at+" shown", func(t *testing.T) {
				old, new := deployment("web:1", v.value, "Always"), deployment("web:2", v.value, "Always")
				if at == "end" {
					old, new = deployment("web:1", v.value, "Always"), deployment("web:1", v.value, "IfNotPresent")
				}
				entry := "default, web, Deployment (apps) has changed:\n" + lineDiff(old, new)
				full, err := review.Review(strings.NewReader(entry), review.Options{})
				if err != nil {
					t.Fatalf("full view: %s\n%s", allErrors(err), entry)
				}
				part := withContext(entry, 3)
				if !strings.Contains(part, "...") {
					t.Fatalf("the view elides nothing:\n%s", part)
				}
				got, err := review.Review(strings.NewReader(part), review.Options{})
				if err != nil {
					t.Fatalf("--context 3: %s\n%s", allErrors(err), part)
				}
				if got.Result.Highest < full.Result.Highest || got.Result.Highest < rules.Disruptive {
					t.Errorf("--context 3: judged %s; the full view is %s, and any field may change\n%s", got.Result.Highest, full.Result.Highest, reportText(got))
				}
				// a value whose end alone is shown ends before the change: the
				// changed line is the document's in every reading, and placed
				// as every line after an elision is (by every place it fits)
				var notes []string
				for _, o := range got.Result.Plan.Objects {
					for _, n := range o.Unresolved {
						notes = append(notes, n.Text)
					}
				}
				if at == "start" && !strings.Contains(strings.Join(notes, "\n"), "an elision cuts") {
					t.Errorf("no note of the cut value: %q\n%s", notes, part)
				}
			})
		}
	}
}

// TestElidedIngress: an Ingress path is held to its type, which is
// required, and a backend's port to a name or a number, where the whole
// object is shown. Every routing change is disruptive by the default rules;
// a team that lowers them still hears where a partial view hides what
// makes helm upgrade fail, and nothing where the view shows it cannot.
func TestElidedIngress(t *testing.T) {
	set := withTeamRule(t, "{id: routes-reviewed, description: d, reason: routes are reviewed by the edge team, level: safe, match: {kinds: [Ingress]}}")
	const head = "default, web, Ingress (networking.k8s.io) has changed:\n...\n        paths:\n"
	tests := []partialCase{
		{"a path with '//', its type hidden", head + "-       - path: /api\n+       - path: /api//v2\n...\n", rules.Disruptive, "may fail: the path's type is not shown, and a path of type Exact or Prefix must be a path without '//'"},
		{"a path with '//' added of type Prefix", head + "+       - path: /api//v2\n+         pathType: Prefix\n...\n", rules.Disruptive, "will fail: the path must be a path without '//'"},
		{"a path with '//' added of type ImplementationSpecific", head + "+       - path: /api//v2\n+         pathType: ImplementationSpecific\n...\n", rules.Safe, ""},
		// the rules read the changed lines, not the context beside them:
		// a type shown unchanged counts as not shown (an unusual path, in a
		// partial view, of a team that lowers routing changes)
		{"a path with '//', its type shown unchanged", head + "-       - path: /api\n+       - path: /api//v2\n          pathType: ImplementationSpecific\n...\n", rules.Disruptive, "may fail"},
		{"a path changed, its type hidden", head + "-       - path: /api\n+       - path: /api/v2\n...\n", rules.Safe, ""},
		{"a type removed", head + "        - path: /api\n-         pathType: Prefix\n...\n", rules.Disruptive, "may fail: an Ingress path's pathType is required"},
		{"a type made Prefix, the path hidden", head + "...\n-         pathType: ImplementationSpecific\n+         pathType: Prefix\n...\n", rules.Disruptive, "may fail: the path is not shown"},
		{"a type made Exact from Prefix", head + "...\n-         pathType: Prefix\n+         pathType: Exact\n...\n", rules.Safe, ""},
		{"a port's number removed", head + "...\n                port:\n-                 number: 80\n...\n", rules.Disruptive, "may fail: the backend's port name is not shown set"},
		{"a port named beside its number", head + "...\n                port:\n+                 name: http\n...\n", rules.Disruptive, "may fail: the backend's port number is not shown removed"},
		{"a port's number replaced by a name", head + "...\n                port:\n-                 number: 80\n+                 name: http\n...\n", rules.Safe, ""},
		{"a port renumbered", head + "...\n                port:\n-                 number: 80\n+                 number: 8080\n...\n", rules.Safe, ""},
	}
	checkPartialCases(t, set, tests)
}

// withTeamRule returns the default rules under one rule of a team's
// rules file (its flow mapping, as YAML).
func withTeamRule(t *testing.T, rule string) *rules.Set {
	t.Helper()
	team, err := rules.Parse([]byte("version: 1\nrules:\n  - "+rule+"\n"), "team.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.NewSet(rules.DefaultFile(), team)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// partialCase is a partial view and what its review says: the highest
// level, and a phrase of its report ("" where it says nothing of helm
// upgrade failing).
type partialCase struct {
	name, input string
	level       rules.Level
	says        string
}

// checkPartialCases reviews each case with the rule set (nil: the
// default rules).
func checkPartialCases(t *testing.T, set *rules.Set, tests []partialCase) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := review.Review(strings.NewReader(tt.input), review.Options{Rules: set})
			if err != nil {
				t.Fatal(allErrors(err))
			}
			text := reportText(rep)
			if rep.Result.Highest != tt.level || tt.says != "" && !strings.Contains(text, tt.says) || tt.says == "" && strings.Contains(text, "helm upgrade") {
				t.Errorf("judged %s, want %s saying %q\n%s\n%s", rep.Result.Highest, tt.level, tt.says, text, tt.input)
			}
		})
	}
}

// TestApplyMethods: a switch of an update strategy to Recreate or OnDelete
// fails where the live object keeps the rollingUpdate the API server
// defaulted: with helm 3 (a three-way merge patch) for a StatefulSet that
// does not set rollingUpdate: null; applied server-side, as helm 4 applies
// its releases, for both kinds, null or not. The review cannot tell which
// helm applies it: what fails with one of them may fail.
func TestApplyMethods(t *testing.T) {
	doc := func(kind, strategy string) string {
		return "apiVersion: apps/v1\nkind: " + kind + "\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  serviceName: web\n" + strategy +
			"  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n"
	}
	diff := func(kind, old, new string) string {
		return "default, web, " + kind + " (apps) has changed:\n" + lineDiff(doc(kind, old), doc(kind, new))
	}
	const rolling, rollingSet = "  strategy:\n    type: RollingUpdate\n", "  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 1\n"
	const stsRolling, stsRollingSet = "  updateStrategy:\n    type: RollingUpdate\n", "  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      partition: 0\n"
	checkPartialCases(t, nil, []partialCase{
		{"a Deployment's strategy added as Recreate", diff("Deployment", "", "  strategy:\n    type: Recreate\n"), rules.Disruptive, "may fail: applied server-side"},
		{"a Deployment switched to Recreate", diff("Deployment", rolling, "  strategy:\n    type: Recreate\n"), rules.Disruptive, "may fail: applied server-side"},
		{"a Deployment switched to Recreate, rollingUpdate null", diff("Deployment", rolling, "  strategy:\n    type: Recreate\n    rollingUpdate: null\n"), rules.Disruptive, "may fail: applied server-side"},
		{"a Deployment switched to Recreate from a rollingUpdate it set", diff("Deployment", rollingSet, "  strategy:\n    type: Recreate\n"), rules.Safe, ""},
		{"a Deployment switched to Recreate beside its rollingUpdate", diff("Deployment", rollingSet, "  strategy:\n    type: Recreate\n    rollingUpdate:\n      maxSurge: 1\n"), rules.Disruptive, "will fail: spec.strategy.rollingUpdate must not be set when the type is Recreate"},
		{"a StatefulSet switched to OnDelete", diff("StatefulSet", stsRolling, "  updateStrategy:\n    type: OnDelete\n"), rules.Disruptive, "will fail: spec.updateStrategy.rollingUpdate, which the API server set"},
		{"a StatefulSet switched to OnDelete, rollingUpdate null", diff("StatefulSet", stsRolling, "  updateStrategy:\n    type: OnDelete\n    rollingUpdate: null\n"), rules.Disruptive, "may fail: applied server-side"},
		{"a StatefulSet switched to OnDelete from a rollingUpdate it set", diff("StatefulSet", stsRollingSet, "  updateStrategy:\n    type: OnDelete\n"), rules.Safe, ""},
		{"a Deployment's null strategy made Recreate", diff("Deployment", "  strategy: null\n", "  strategy:\n    type: Recreate\n"), rules.Disruptive, "may fail: applied server-side"},
		{"a Deployment's Recreate strategy rewritten", diff("Deployment", "  strategy:\n    type: Recreate\n    # one pod at a time\n", "  strategy: {type: Recreate}\n"), rules.Ignored, ""},
		{"a StatefulSet switched back to RollingUpdate", diff("StatefulSet", "  updateStrategy:\n    type: OnDelete\n", stsRolling), rules.Restart, ""},
	})
}

// TestElidedBounds: a HorizontalPodAutoscaler's minReplicas and
// maxReplicas, a PodDisruptionBudget's two budgets, a Deployment's ready
// time and progress deadline, a container's port
// names, and a pod's volumes with its mounts are held together where the
// whole object is shown. A partial view
// that hides the other field judges a change that can break the rule by
// the worst reading (helm upgrade may fail), and so where it shows the
// other field (a line out of view may replace it: YAML keeps a key's
// last value), and leaves alone the changes that cannot break it.
func TestElidedBounds(t *testing.T) {
	const hpa = "default, web, HorizontalPodAutoscaler (autoscaling) has changed:\n...\n  spec:\n"
	const pdb = "default, web, PodDisruptionBudget (policy) has changed:\n...\n  spec:\n"
	const dep = "default, web, Deployment (apps) has changed:\n...\n  spec:\n"
	// a CronJob's job template: its change restarts nothing, so that only
	// the port checks can raise it
	const cj = "default, backup, CronJob (batch) has changed:\n...\n        template:\n          spec:\n            volumes:\n"
	const sts = "default, db, StatefulSet (apps) has changed:\n...\n  spec:\n    serviceName: db\n    replicas: 3\n"
	const deploy = "default, web, Deployment (apps) has changed:\n...\n  spec:\n    strategy:\n      rollingUpdate:\n"
	const dsHidden = "default, agent, DaemonSet (apps) has changed:\n...\n  spec:\n    updateStrategy:\n      rollingUpdate:\n"
	const cm = "default, web, ConfigMap (v1) has changed:\n...\n  immutable: false\n  data:\n"
	const cjPorts = "default, backup, CronJob (batch) has changed:\n...\n          containers:\n          - name: agent\n            ports:\n"
	tests := []partialCase{
		// a value the view shows may be replaced by a line out of view
		// (YAML keeps a key's last value): a bound it shows counts as
		// not shown, and what it would refuse only may fail
		{"a schedule keeping CRON_TZ beside a time zone shown", "default, nightly, CronJob (batch) has changed:\n...\n  spec:\n-   schedule: \"TZ=UTC 0 3 * * *\"\n+   schedule: \"TZ=UTC 0 4 * * *\"\n    timeZone: Etc/UTC\n...\n", rules.Disruptive, "may fail: spec.timeZone is not shown"},
		{"a schedule keeping CRON_TZ, the time zone hidden", "default, nightly, CronJob (batch) has changed:\n...\n  spec:\n-   schedule: \"TZ=UTC 0 3 * * *\"\n+   schedule: \"TZ=UTC 0 4 * * *\"\n...\n", rules.Disruptive, "may fail: spec.timeZone is not shown"},
		{"a schedule without CRON_TZ, the time zone hidden", "default, nightly, CronJob (batch) has changed:\n...\n  spec:\n-   schedule: \"0 3 * * *\"\n+   schedule: \"0 4 * * *\"\n...\n", rules.Safe, ""},
		{"autoscaling/v1 made v2, its fields hidden", "default, web, HorizontalPodAutoscaler (autoscaling) has changed:\n...\n- apiVersion: autoscaling/v1\n+ apiVersion: autoscaling/v2\n  kind: HorizontalPodAutoscaler\n...\n", rules.Disruptive, "may fail: the fields the view does not show are read under autoscaling/v2"},
		{"minimum raised, maximum hidden", hpa + "-   minReplicas: 2\n+   minReplicas: 20\n...\n", rules.Disruptive, "may fail: spec.maxReplicas is not shown"},
		{"minimum lowered to 1, maximum hidden", hpa + "-   minReplicas: 2\n+   minReplicas: 1\n...\n", rules.Safe, ""},
		{"minimum raised above the maximum shown", hpa + "-   minReplicas: 2\n+   minReplicas: 20\n    maxReplicas: 10\n...\n", rules.Disruptive, "may fail: spec.maxReplicas is not shown"},
		{"minimum raised to the maximum shown", hpa + "-   minReplicas: 2\n+   minReplicas: 10\n    maxReplicas: 10\n...\n", rules.Disruptive, "may fail: spec.maxReplicas is not shown"},
		{"maximum lowered, minimum hidden", hpa + "-   maxReplicas: 10\n+   maxReplicas: 5\n...\n", rules.Disruptive, "may fail: spec.minReplicas is not shown"},
		{"maximum raised, minimum hidden", hpa + "-   maxReplicas: 10\n+   maxReplicas: 20\n...\n", rules.Safe, ""},
		{"a second budget, the first hidden", pdb + "+   maxUnavailable: 1\n...\n", rules.Disruptive, "may fail: spec.minAvailable is not shown"},
		{"a ready time raised, the deadline hidden", dep + "-   minReadySeconds: 10\n+   minReadySeconds: 700\n...\n", rules.Disruptive, "may fail: spec.progressDeadlineSeconds is not shown"},
		{"a ready time lowered, the deadline hidden", dep + "-   minReadySeconds: 10\n+   minReadySeconds: 5\n...\n", rules.Safe, ""},
		{"a ready time at the deadline shown", dep + "-   minReadySeconds: 10\n+   minReadySeconds: 300\n    progressDeadlineSeconds: 300\n...\n", rules.Disruptive, "may fail: spec.progressDeadlineSeconds is not shown"},
		{"a deadline lowered, the ready time hidden", dep + "-   progressDeadlineSeconds: 600\n+   progressDeadlineSeconds: 60\n...\n", rules.Disruptive, "may fail: spec.minReadySeconds is not shown"},
		{"a deadline raised, the ready time hidden", dep + "-   progressDeadlineSeconds: 600\n+   progressDeadlineSeconds: 900\n...\n", rules.Safe, ""},
		{"a budget changed, the other hidden", pdb + "-   maxUnavailable: 1\n+   maxUnavailable: 2\n...\n", rules.Safe, ""},
		{"a port named, the others hidden", cjPorts + "+           - containerPort: 81\n+             name: http\n...\n", rules.Disruptive, "may fail: the container's other ports are not all shown"},
		{"a volume removed, the mounts hidden", cj + "-             - name: cache\n-               emptyDir: {}\n              - name: data\n...\n", rules.Disruptive, "may fail: the containers' volume mounts are not all shown"},
		{"a volume renamed, the mounts hidden", cj + "-             - name: data\n+             - name: data2\n...\n", rules.Disruptive, "may fail"},
		{"a source added to a volume", cj + "              - name: data\n+               configMap:\n+                 name: x\n...\n", rules.Disruptive, "may fail: the volume's other fields are not all shown"},
		{"a volume's source replaced", cj + "              - name: data\n-               emptyDir: {}\n+               configMap:\n+                 name: x\n...\n", rules.Safe, ""},
		{"a volume added", cj + "              - name: data\n+             - name: cache\n+               emptyDir: {}\n...\n", rules.Disruptive, "may fail: the other items"},
		{"a StatefulSet's strategy added as OnDelete", sts + "+   updateStrategy:\n+     type: OnDelete\n...\n", rules.Disruptive, "will fail: spec.updateStrategy.rollingUpdate, which the API server set while the type was RollingUpdate, stays on the live StatefulSet"},
		{"a StatefulSet's strategy added as OnDelete, rollingUpdate null", sts + "+   updateStrategy:\n+     type: OnDelete\n+     rollingUpdate: null\n...\n", rules.Disruptive, "may fail: applied server-side"},
		{"a StatefulSet's type made OnDelete, rollingUpdate hidden", sts + "    updateStrategy:\n-     type: RollingUpdate\n+     type: OnDelete\n...\n", rules.Disruptive, "may fail: spec.updateStrategy.rollingUpdate is not shown"},
		// the flow mapping shows that no rollingUpdate is set, but a line
		// out of view may give strategy again (YAML keeps the last)
		{"a type made Recreate in a flow mapping shown whole", "default, web, Deployment (apps) has changed:\n...\n  spec:\n-   strategy: {type: RollingUpdate}\n+   strategy: {type: Recreate}\n...\n", rules.Disruptive, "may fail: spec.strategy.rollingUpdate is not shown"},
		{"a type made Recreate beside rollingUpdate in a flow mapping", "default, web, Deployment (apps) has changed:\n...\n  spec:\n-   strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}\n+   strategy: {type: Recreate, rollingUpdate: {maxSurge: 1}}\n...\n", rules.Disruptive, "may fail: spec.strategy.rollingUpdate is not shown"},
		{"a type made Recreate, rollingUpdate hidden", "default, web, Deployment (apps) has changed:\n...\n  spec:\n    strategy:\n-     type: RollingUpdate\n+     type: Recreate\n...\n", rules.Disruptive, "may fail: spec.strategy.rollingUpdate is not shown"},
		{"maxUnavailable 0, maxSurge hidden", deploy + "-       maxUnavailable: 1\n+       maxUnavailable: 0\n...\n", rules.Disruptive, "may fail: spec.strategy.rollingUpdate.maxUnavailable (spec.strategy.rollingUpdate.maxSurge is not shown)"},
		{"maxUnavailable 0, maxSurge 1 shown", deploy + "-       maxUnavailable: 1\n+       maxUnavailable: 0\n        maxSurge: 1\n...\n", rules.Disruptive, "may fail: spec.strategy.rollingUpdate.maxUnavailable (spec.strategy.rollingUpdate.maxSurge is not shown)"},
		{"maxUnavailable 0, maxSurge 0 shown", deploy + "-       maxUnavailable: 1\n+       maxUnavailable: 0\n        maxSurge: 0%\n...\n", rules.Disruptive, "may fail: spec.strategy.rollingUpdate.maxUnavailable (spec.strategy.rollingUpdate.maxSurge is not shown)"},
		{"maxUnavailable raised, maxSurge hidden", deploy + "-       maxUnavailable: 1\n+       maxUnavailable: 2\n...\n", rules.Safe, ""},
		{"a DaemonSet surging, maxUnavailable hidden", dsHidden + "-       maxSurge: 0\n+       maxSurge: 1\n...\n", rules.Disruptive, "may fail: spec.updateStrategy.rollingUpdate.maxSurge (spec.updateStrategy.rollingUpdate.maxUnavailable is not shown)"},
		{"a DaemonSet surging, maxUnavailable 0 shown", dsHidden + "        maxUnavailable: 0\n-       maxSurge: 0\n+       maxSurge: 1\n...\n", rules.Disruptive, "may fail: spec.updateStrategy.rollingUpdate.maxSurge (spec.updateStrategy.rollingUpdate.maxUnavailable is not shown)"},
		{"a port renumbered, the others hidden", cjPorts + "-           - containerPort: 80\n+           - containerPort: 81\n...\n", rules.Safe, ""},
		{"a metric's type changed, its source shown", hpa + "    metrics:\n-     - type: Resource\n+     - type: Pods\n        resource:\n          name: cpu\n...\n", rules.Disruptive, "may fail: a metric's type must match its one source"},
		{"a target's value removed", hpa + "...\n          target:\n            type: Utilization\n-           averageUtilization: 80\n...\n", rules.Disruptive, "may fail: a metric's type must match"},
		{"a target's value raised", hpa + "...\n          target:\n            type: Utilization\n-           averageUtilization: 80\n+           averageUtilization: 90\n...\n", rules.Safe, ""},
		{"a metric's type changed, nothing else shown", "default, web, HorizontalPodAutoscaler (autoscaling) has changed:\n...\n-     - type: Resource\n+     - type: Pods\n...\n", rules.Disruptive, "may fail: a metric's type must match its one source"},
		{"nonResourceURLs added to a rule, its resources shown", "default, app, ClusterRole (rbac.authorization.k8s.io) has changed:\n...\n  rules:\n    - apiGroups: [\"\"]\n      resources: [configmaps]\n      verbs: [get]\n+     nonResourceURLs: [\"/healthz\"]\n", rules.Disruptive, "may fail: a rule that names nonResourceURLs may not name resources"},
		// found: a rule added whole in a partial view was "permissions are
		// added" at safe, where full context and the API server refuse it
		{"a resource rule added without an API group", "default, r1, Role (rbac.authorization.k8s.io) has changed:\n...\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get]\n+ - resources: [secrets]\n+   verbs: [get]\n", rules.Disruptive, "will fail: rules[?].apiGroups must name at least one API group"},
		{"a rule added without verbs, before another", "default, r1, Role (rbac.authorization.k8s.io) has changed:\n...\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get]\n+ - apiGroups: [\"\"]\n+   resources: [secrets]\n+   verbs: []\n  - apiGroups: [apps]\n    resources: [deployments]\n    verbs: [get]\n...\n", rules.Disruptive, "will fail: rules[?].verbs must name at least one verb"},
		{"a rule added with both resources and URLs", "default, r1, ClusterRole (rbac.authorization.k8s.io) has changed:\n...\n  rules:\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get]\n+ - apiGroups: [\"\"]\n+   resources: [secrets]\n+   nonResourceURLs: [/healthz]\n+   verbs: [get]\n", rules.Disruptive, "will fail: rules[1] may not name both resources and nonResourceURLs"},
		{"a valid rule added", "default, r1, Role (rbac.authorization.k8s.io) has changed:\n...\n  - apiGroups: [\"\"]\n    resources: [configmaps]\n    verbs: [get]\n+ - apiGroups: [\"\"]\n+   resources: [secrets]\n+   verbs: [get]\n", rules.Safe, ""},
		{"a metric added whole", hpa + "    metrics:\n+     - type: Resource\n+       resource:\n+         name: memory\n+         target:\n+           type: Utilization\n+           averageUtilization: 80\n...\n", rules.Safe, ""},
	}
	checkPartialCases(t, nil, tests)
}

// TestElidedConfigSize: a ConfigMap's values are held to 1 MiB together
// where the whole object is shown; a partial view judges a value that
// alone is larger as refused, and one that may be, with the keys it does
// not show, as may fail. The view's immutable: false may be replaced by a
// line out of view, so a team rule that knows the ConfigMap is not
// immutable stands in for it: only the size checks may raise the changes.
func TestElidedConfigSize(t *testing.T) {
	const cm = "default, web, ConfigMap (v1) has changed:\n...\n  immutable: false\n  data:\n"
	set := withTeamRule(t, "{id: not-immutable, description: d, reason: the team knows it is not immutable, level: safe, match: {kinds: [ConfigMap], paths: [\"data.**\", \"binaryData.**\", binaryData]}}")
	checkPartialCases(t, set, []partialCase{
		{"a config value alone above 1 MiB", cm + "-   app.yaml: \"port: 80\"\n+   app.yaml: " + strings.Repeat("x", 1<<20+1) + "\n...\n", rules.Disruptive, "will fail: data[\"app.yaml\"] alone holds 1048577 bytes"},
		{"a binary config value alone above 1 MiB", cm + "+ binaryData:\n+   logo.png: " + base64.StdEncoding.EncodeToString(make([]byte, 1<<20+1)) + "\n", rules.Disruptive, "will fail: binaryData alone holds 1048577 bytes"},
		{"a binary config value added, the data keys hidden", cm + "...\n  binaryData:\n+   logo.png: aGVsbG8=\n", rules.Disruptive, "may fail: the ConfigMap's data keys are not all shown"},
		{"a binary config value changed, the data keys hidden", cm + "...\n  binaryData:\n-   logo.png: aGVsbG8=\n+   logo.png: aGVsbG9v\n", rules.Safe, ""},
		{"a config value of 1 MiB, the others hidden", cm + "-   app.yaml: \"port: 80\"\n+   app.yaml: " + strings.Repeat("x", 1<<20) + "\n...\n", rules.Safe, ""},
	})
}

// TestElidedMovedLines: a line removed at one place and added at another
// with the same value reads alike in a partial view ("...tier"), but is
// not the same field kept: a label moved into or out of a selector, a
// key indented under another parent. It was "formatting only".
func TestElidedMovedLines(t *testing.T) {
	checkPartialCases(t, nil, []partialCase{
		{name: "a pod label indented under the template's metadata", level: rules.Disruptive,
			says: "spec.selector is immutable", input: `default, web, Deployment (apps) has changed:
...
-         tier: x
+       tier: x
...
`},
		{name: "a label moved from the selector to the object's labels", level: rules.Disruptive,
			says: "spec.selector is immutable", input: `default, web, Deployment (apps) has changed:
...
      app: web
+     tier: x
...
        app: web
-       tier: x
...
`},
		{name: "a key of a mapping whose path is shown moves within it", level: rules.Ignored, input: `default, web, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: web
  data:
-   a: "1"
    b: "2"
+   a: '1'
...
`},
		{name: "a quoting change in place stays formatting", level: rules.Ignored, input: `default, web, Deployment (apps) has changed:
...
          tier: x
-         team: "a"
+         team: a
...
`},
	})
}

// TestElidedBlankLines: a blank line added or removed where it may be a
// line of a value (a block scalar whose header an elision cuts, a plain
// scalar that may go on past an elision, a view with no context) may
// change that value; it was "formatting only".
func TestElidedBlankLines(t *testing.T) {
	checkPartialCases(t, nil, []partialCase{
		{name: "after a multi-line plain scalar, before an elision", level: rules.Disruptive, says: "spec.selector is immutable", input: `default, web, Deployment (apps) has changed:
...
            args:
              - --x=a
                b
+ 
...
`},
		{name: "between two keys", level: rules.Ignored, input: `default, web, Deployment (apps) has changed:
...
            image: nginx:1.25
+ 
            imagePullPolicy: Always
...
`},
	})
}

// TestRepeatedKeyTakenOutNotLower: an item taken out of a list whose last
// manifest repeats its key takes every item of that key (helm 3's patch
// deletes by key); the full view says so (disruptive), and no partial
// view of it may say less, where the template change itself is below
// disruptive (a ReplicaSet's template, a CronJob's job template).
func TestRepeatedKeyTakenOutNotLower(t *testing.T) {
	const rs = `apiVersion: apps/v1
kind: ReplicaSet
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
        - name: MODE
          value: fast
        - name: LOG_LEVEL
          value: info
        - name: LOG_LEVEL
          value: debug
        - name: TZ
          value: UTC
        volumeMounts:
        - name: cache
          mountPath: /cache
      volumes:
      - name: cache
        emptyDir: {}
      - name: cache
        hostPath: {path: /tmp}
`
	const cron = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: report
            image: report:1
            env:
            - name: LOG_LEVEL
              value: info
            - name: LOG_LEVEL
              value: debug
            - name: TZ
              value: UTC
`
	for _, tc := range []struct{ name, header, doc, from, to string }{
		{"a ReplicaSet's env", "default, web, ReplicaSet (apps)", rs, "        - name: LOG_LEVEL\n          value: debug\n", ""},
		{"a ReplicaSet's volume", "default, web, ReplicaSet (apps)", rs, "      - name: cache\n        hostPath: {path: /tmp}\n", ""},
		{"a ReplicaSet's env, another put in", "default, web, ReplicaSet (apps)", rs, "        - name: LOG_LEVEL\n          value: debug\n", "        - name: DEBUG\n          value: \"1\"\n"},
		{"a CronJob's env", "default, report, CronJob (batch)", cron, "            - name: LOG_LEVEL\n              value: debug\n", ""},
	} {
		entry := tc.header + " has changed:\n" + lineDiff(tc.doc, strings.Replace(tc.doc, tc.from, tc.to, 1))
		full, err := review.Review(strings.NewReader(entry), review.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if full.Result.Highest < rules.Disruptive {
			t.Errorf("%s: the full view is %s, want disruptive\n%s", tc.name, full.Result.Highest, entry)
		}
		checkElidedNotLower(t, tc.name, entry)
	}
}

// TestTaggedScalarsInAPartialView: a tag decides a scalar's type (!!str
// on is the string "on", !!int "3" the number 3). The exact reader
// follows it; a partial view, which it cannot read, leaves the type
// unknown rather than read the scalar untagged (found: value: !!str on
// under --context 3 read as the boolean on, and the review said helm
// upgrade would fail: an env value must be a string).
func TestTaggedScalarsInAPartialView(t *testing.T) {
	for _, v := range []string{"!!str on", "!!str 3", "&a !!str on", "!<tag:yaml.org,2002:str> on", "!!int \"3\""} {
		diff := "default, d, Deployment (apps) has changed:\n...\n          - name: A\n-           value: \"x\"\n+           value: " + v + "\n...\n"
		plan, err := diffparse.ParseString(diff, diffparse.Options{})
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		o := plan.Objects[0]
		if len(o.Changes) != 1 || o.Changes[0].New.Type != diffparse.UnknownType {
			t.Errorf("%s: changes %+v, want one whose new value's type is unknown", v, o.Changes)
		}
		if len(o.Unresolved) == 0 {
			t.Errorf("%s: the tag is not noted as unresolved", v)
		}
	}
	// untagged, the type is the plain scalar's
	plan, err := diffparse.ParseString("default, d, Deployment (apps) has changed:\n...\n          - name: A\n-           value: \"x\"\n+           value: on\n...\n", diffparse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Objects[0].Changes[0]; c.New.Type != diffparse.BoolType {
		t.Errorf("on: type %v, want a boolean", c.New.Type)
	}
}
