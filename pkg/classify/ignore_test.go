package classify_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

// deployment is a helm-diff of a Deployment whose annotation (new side)
// is given, changing replicas, a rollme annotation and, with selector, the
// immutable selector.
func deployment(annotation string, selector bool) string {
	var b strings.Builder
	b.WriteString("default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n")
	if annotation != "" {
		b.WriteString("    annotations:\n" + annotation)
	}
	b.WriteString("  spec:\n-   replicas: 3\n+   replicas: 2\n    selector:\n      matchLabels:\n        app: web\n")
	if selector {
		b.WriteString("+       track: canary\n")
	}
	b.WriteString("    template:\n      metadata:\n        annotations:\n-         rollme: abc\n+         rollme: def\n        labels:\n          app: web\n")
	if selector {
		b.WriteString("+         track: canary\n")
	}
	b.WriteString("      spec:\n        containers:\n          - name: web\n            image: nginx:1.25\n")
	return b.String()
}

func TestIgnoreAnnotation(t *testing.T) {
	names := tabletest.Names{}
	for _, tc := range []struct {
		name, reason, diff string
		ignored            []string // paths lowered to ignored
		notIgnored         []string // paths that keep their level
		note               string
	}{
		{name: "named paths", reason: "the paths the annotation names are ignored, the others keep their level",
			diff:    deployment("      safediff.dev/ignore: spec.template.metadata.annotations.rollme\n", false),
			ignored: []string{"spec.template.metadata.annotations.rollme"}, notIgnored: []string{"spec.replicas"},
			note: "Deployment.apps/default/web: its safediff.dev/ignore annotation lowered 1 change (spec.template.metadata.annotations.rollme) to ignored"},
		{name: "patterns and lists", reason: "patterns as in rules files, separated by commas; a comma inside a quoted key is part of it",
			diff:    deployment("      safediff.dev/ignore: 'spec.replicas, spec.template.metadata.annotations.*, metadata.labels[\"a,b\"]'\n", false),
			ignored: []string{"spec.replicas", "spec.template.metadata.annotations.rollme"}},
		{name: "block scalar", reason: "one pattern per line",
			diff:    deployment("      safediff.dev/ignore: |\n        spec.replicas\n        spec.template.metadata.annotations.rollme\n", false),
			ignored: []string{"spec.replicas", "spec.template.metadata.annotations.rollme"}},
		{name: "replacement", reason: "a change that forces a replacement is never ignored, whatever the annotation says",
			diff:       deployment("      safediff.dev/ignore: \"spec.**\"\n", true),
			ignored:    []string{"spec.replicas"},
			notIgnored: []string{"spec.selector.matchLabels.track"},
			note:       "which it may not lower: a replacement"},
		{name: "value the server refuses", reason: "a value the API server cannot decode fails helm upgrade: never ignored",
			diff:       strings.Replace(deployment("      safediff.dev/ignore: spec.replicas\n", false), "+   replicas: 2", "+   replicas:\n+     count: 3", 1),
			notIgnored: []string{"spec.replicas"}, note: "which it may not lower"},
		{name: "old side only", reason: "the annotation counts as the chart now writes it: removed, it ignores nothing",
			diff:       strings.Replace(deployment("-     safediff.dev/ignore: spec.replicas\n", false), "    annotations:\n", "-   annotations:\n", 1),
			notIgnored: []string{"spec.replicas"}},
		{name: "bad pattern", reason: "an annotation that does not parse ignores nothing, and says so",
			diff:       deployment("      safediff.dev/ignore: \"spec.[\"\n", false),
			notIgnored: []string{"spec.replicas", "spec.template.metadata.annotations.rollme"}, note: "is not a list of path patterns"},
		{name: "elided place", reason: "a change whose place the diff does not show is never ignored",
			diff:       "default, web, Deployment (apps) has changed:\n  metadata:\n    name: web\n    annotations:\n      safediff.dev/ignore: \"**\"\n...\n            image: nginx:1.25\n-           imagePullPolicy: Always\n+           imagePullPolicy: Never\n...\n",
			notIgnored: []string{"...imagePullPolicy"}},
		{name: "no annotation", reason: "without the annotation nothing changes",
			diff: deployment("", false), notIgnored: []string{"spec.replicas", "spec.template.metadata.annotations.rollme"}},
	} {
		names.Check(t, tc.name, tc.reason)
		rep, err := review.Review(strings.NewReader(tc.diff), review.Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		res := rep.Result
		levels := map[string]rules.Decision{}
		for _, o := range res.Objects {
			for _, f := range o.Findings {
				levels[f.Change.Path.String()] = *f.Decision
			}
		}
		for _, p := range tc.ignored {
			if f, ok := levels[p]; !ok || f.Level != rules.Ignored || f.Rule != rules.IgnoreAnnotationRule {
				t.Errorf("%s: %s not ignored by the annotation: %+v", tc.name, p, f)
			}
		}
		for _, p := range tc.notIgnored {
			if f, ok := levels[p]; !ok || f.Rule == rules.IgnoreAnnotationRule {
				t.Errorf("%s: %s was lowered: %+v", tc.name, p, f)
			}
		}
		var notes []string
		for _, n := range res.Notes {
			notes = append(notes, n.Text)
		}
		if all := strings.Join(notes, "\n"); tc.note != "" && !strings.Contains(all, tc.note) {
			t.Errorf("%s: notes lack %q:\n%s", tc.name, tc.note, all)
		}
	}
}

// A deleted object is never lowered by its annotation: the deletion is
// an object-level finding.
func TestIgnoreAnnotationNeverLowersDeletion(t *testing.T) {
	diff := "default, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n- metadata:\n-   name: data\n-   annotations:\n-     safediff.dev/ignore: \"**\"\n- spec:\n-   resources:\n-     requests:\n-       storage: 1Gi\n+ \n"
	rep, err := review.Review(strings.NewReader(diff), review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Result
	if len(res.Objects) != 1 || res.Objects[0].Level != rules.Destructive {
		t.Errorf("a PVC deletion: %+v", res.Objects[0])
	}
}
