package diffparse_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/rules"
)

// roleDiff is the diff of a Role whose rules are the lines given, each
// prefixed by its sign ("  ", "- " or "+ ") and indented below rules:.
func roleDiff(lines ...string) string {
	var b strings.Builder
	b.WriteString("default, app, Role (rbac.authorization.k8s.io) has changed:\n  apiVersion: rbac.authorization.k8s.io/v1\n  kind: Role\n  metadata:\n    name: app\n  rules:\n")
	for _, l := range lines {
		b.WriteString(l[:2] + "  " + l[2:] + "\n")
	}
	return b.String()
}

// rule is the lines of one RBAC rule, each prefixed by sign.
func rule(sign, resource string) []string {
	return []string{sign + "- apiGroups: ['']", sign + "  resources: [" + resource + "]", sign + "  verbs: [get]"}
}

func join(parts ...[]string) []string { return slices.Concat(parts...) }

// TestListItemsAddedInPlace: a list without merge keys (an atomic list:
// RBAC rules, args, tolerations) is compared item by item, but items added
// or removed in one place are that, not every later item changed: the
// items before and after are the same values, only moved. (kyverno's chart
// 3.7 -> 3.9 inserts a rule before a Role's last one: its permissions only
// grow, while an item-by-item reading took the last rule as changed, and
// narrowed.)
func TestListItemsAddedInPlace(t *testing.T) {
	tests := []struct {
		name, why, diff string
		changes         []string    // path and op of each change, in order
		level           rules.Level // 0: not checked
	}{
		{"a rule inserted before the last", "the last rule moved: one rule added, permissions only grow",
			roleDiff(join(rule("  ", "pods"), rule("+ ", "secrets"), rule("  ", "services"))...),
			[]string{"rules[1] add"}, rules.Safe},
		{"a rule inserted first", "every rule moved, none changed",
			roleDiff(join(rule("+ ", "secrets"), rule("  ", "pods"), rule("  ", "services"))...),
			[]string{"rules[0] add"}, rules.Safe},
		{"a rule added last", "as before: the new last item",
			roleDiff(join(rule("  ", "pods"), rule("  ", "services"), rule("+ ", "secrets"))...),
			[]string{"rules[2] add"}, rules.Safe},
		{"a rule removed from the middle", "a permission is taken away, the rule after it only moves",
			roleDiff(join(rule("  ", "pods"), rule("- ", "secrets"), rule("  ", "services"))...),
			[]string{"rules[1] remove"}, rules.Disruptive},
		{"a rule inserted where the diff shows it replacing one", "the text diff pairs the lines otherwise, the values are what counts: secrets is the same rule after the inserted one",
			roleDiff(join(rule("  ", "pods"), rule("- ", "secrets"), rule("+ ", "configmaps"), rule("+ ", "secrets"), rule("  ", "services"))...),
			[]string{"rules[1] add"}, rules.Safe},
		{"a rule changed and one added between the same neighbours", "the items between the same ones are compared in order: the first changed, the second added",
			roleDiff(join(rule("  ", "pods"), rule("- ", "secrets"), rule("+ ", "configmaps"), rule("+ ", "nodes"), rule("  ", "services"))...),
			[]string{"rules[1].resources[0] modify", "rules[2] add"}, rules.Disruptive},
		{"the same rule spelled otherwise", "a rule is the same value however it is written: it is not changed because a rule was inserted before it",
			roleDiff(join(rule("  ", "pods"), rule("+ ", "secrets"), rule("- ", "services"), []string{"+ - apiGroups:", "+     - ''", "+   resources:", "+     - services", "+   verbs:", "+     - get"})...),
			[]string{"rules[1] add"}, rules.Safe},
		{"rules inserted in two places", "the rules between them are the same values: two rules added, permissions only grow (karpenter 1.14 -> 1.15 inserts two rules of its ClusterRole so; compared in order, the one between read as changed, and narrowed)",
			roleDiff(join(rule("  ", "pods"), rule("+ ", "secrets"), rule("  ", "services"), rule("+ ", "nodes"), rule("  ", "configmaps"))...),
			[]string{"rules[1] add", "rules[3] add"}, rules.Safe},
		{"a rule moved and one added", "the moved rule is the same value elsewhere: the order changes (nothing, for RBAC) and one rule is added",
			roleDiff(join(rule("+ ", "secrets"), rule("  ", "pods"), rule("  ", "services"), rule("- ", "secrets"), rule("+ ", "nodes"))...),
			[]string{"rules reorder", "rules[3] add"}, rules.Safe},
		{"a rule removed in one place and one added in another", "the rule taken out is a permission taken away, whatever is added elsewhere",
			roleDiff(join(rule("  ", "pods"), rule("- ", "secrets"), rule("  ", "services"), rule("+ ", "nodes"))...),
			[]string{"rules[1] remove", "rules[2] add"}, rules.Disruptive},
		{"a rule changed between rules inserted", "no rule between the same neighbours is kept: the first in its place is paired with the one taken out (a change, and a narrowing), the others are added",
			roleDiff(join(rule("  ", "pods"), rule("+ ", "secrets"), rule("- ", "services"), rule("+ ", "endpoints"), rule("+ ", "nodes"), rule("  ", "configmaps"))...),
			[]string{"rules[1].resources[0] modify", "rules[2] add", "rules[3] add"}, rules.Disruptive},
		{"the same number of rules", "no item is added: compared in order, as the API server's list is replaced whole",
			roleDiff(join(rule("- ", "pods"), rule("  ", "services"), rule("+ ", "pods"))...),
			[]string{"rules reorder"}, 0},
	}
	names := tabletest.Names{}
	for _, tt := range tests {
		names.Check(t, tt.name, tt.why)
		t.Run(tt.name, func(t *testing.T) {
			level, plan := reviewed(t, tt.diff)
			var got []string
			for _, c := range plan.Objects[0].Changes {
				if c.Op.String() == "reformat" {
					continue
				}
				got = append(got, c.Path.String()+" "+c.Op.String())
			}
			if !slices.Equal(got, tt.changes) {
				t.Errorf("changes %q, want %q (%s)", got, tt.changes, tt.why)
			}
			if tt.level != 0 && level != tt.level {
				t.Errorf("level %s, want %s (%s)", level, tt.level, tt.why)
			}
		})
	}
}

// TestListItemsKeptReformatted: an item the alignment keeps, between
// items changed around it, holds the same value, and a change of its
// spelling is still reported, at the item's place in the new list (a
// reformat: the review says what the text diff shows, nothing unseen).
func TestListItemsKeptReformatted(t *testing.T) {
	respelled := []string{"- - apiGroups:", "-     - ''", "-   resources:", "-     - services", "-   verbs:", "-     - get"}
	diff := roleDiff(join(rule("- ", "pods"), rule("+ ", "nodes"), rule("+ ", "secrets"), respelled, rule("+ ", "services"), rule("- ", "configmaps"), rule("+ ", "endpoints"))...)
	_, plan := reviewed(t, diff)
	var got []string
	for _, c := range plan.Objects[0].Changes {
		got = append(got, c.Path.String()+" "+c.Op.String())
	}
	want := []string{"rules[0].resources[0] modify", "rules[1] add", "rules[2].apiGroups[0] reformat", "rules[2].resources[0] reformat", "rules[2].verbs[0] reformat", "rules[3].resources[0] modify"}
	if !slices.Equal(got, want) {
		t.Errorf("changes\n got %q\nwant %q (services kept, respelled; the rules around it changed or added)", got, want)
	}
}
