package rules_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff"
	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

func defaults(t *testing.T) *rules.File {
	t.Helper()
	f, err := rules.Parse(safediff.DefaultRules(), safediff.DefaultRulesOrigin)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pvcDeletion is the deletion of a PersistentVolumeClaim: destructive by
// the default rules.
var pvcDeletion = &diffparse.Object{
	Ref:    kube.ObjectRef{Kind: "PersistentVolumeClaim", Namespace: "prod", Name: "data"},
	Action: diffparse.Delete, Content: diffparse.Complete,
}

func decideDeletion(set *rules.Set) rules.Decision {
	return set.Select(pvcDeletion).Decide(nil, diffparse.Remove)
}

// TestRulesBuiltInGoAreValidated: NewSet checks a rule built in Go exactly
// as Parse checks one read from a file, and reports every problem.
func TestRulesBuiltInGoAreValidated(t *testing.T) {
	ok := func() *rules.Rule {
		return &rules.Rule{ID: "ok", Description: "d", Reason: "r", Level: rules.Safe}
	}
	with := func(edit func(r *rules.Rule)) *rules.Rule {
		r := ok()
		edit(r)
		return r
	}
	tests := []struct {
		name   string
		rule   *rules.Rule
		want   []string
		reason string
	}{
		{"the issue's rule", &rules.Rule{ID: "Bad ID!", Replace: true}, []string{`id "Bad ID!" must be lowercase`, "missing description", "missing reason", "a rule that forces replacement must be at least disruptive (it is ignored)"},
			"the rule a library user could build: refused with every problem, as Parse refuses it"},
		{"undefined level", with(func(r *rules.Rule) { r.Level = 9 }), []string{"unknown level 9"}, "levels are a closed set in Go too"},
		{"replace as a match action", with(func(r *rules.Rule) { r.Match.Actions = []diffparse.Action{diffparse.Replace} }), []string{`match.actions: unknown action "replace"`},
			"replace is decided by classification, never matched"},
		{"undefined op", with(func(r *rules.Rule) { r.Match.Ops = []diffparse.Op{42} }), []string{"match.ops: unknown op"}, "ops are a closed set"},
		{"empty pattern", with(func(r *rules.Rule) { r.Match.Paths = []kube.Pattern{{}} }), []string{"match.paths: empty pattern"}, "a zero Pattern matches only the root"},
		{"except without paths", with(func(r *rules.Rule) { r.Match.ExceptPaths = []kube.Pattern{kube.MustParsePattern("spec.**")} }), []string{"match.exceptPaths needs match.paths"}, "as in files"},
		{"glob brackets", with(func(r *rules.Rule) { r.Match.Kinds = []string{"Deploy[ment]"} }), []string{"only * and ? are glob characters"}, "as in files"},
		{"condition without target", with(func(r *rules.Rule) { r.When = []rules.Condition{{In: []string{"1"}}} }), []string{"when[0]: set field"}, "a condition reads a field or a value"},
		{"condition without test", with(func(r *rules.Rule) {
			r.When = []rules.Condition{{Target: rules.TargetField, Field: kube.Path{kube.Field("spec"), kube.Field("replicas")}}}
		}), []string{"when[0]: no test"}, "a condition must test something"},
		{"inexact field", with(func(r *rules.Rule) {
			r.When = []rules.Condition{{Target: rules.TargetField, Field: kube.Path{kube.Gap{}, kube.Field("replicas")}, In: []string{"1"}}}
		}), []string{`when[0]: field "...replicas" must be an exact path`}, "facts are looked up exactly"},
		{"decreased on a field", with(func(r *rules.Rule) {
			r.When = []rules.Condition{{Target: rules.TargetField, Field: kube.Path{kube.Field("spec")}, Decreased: true}}
		}), []string{"decreased and increased apply to value conditions"}, "as in files"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			_, err := rules.NewSet(&rules.File{Origin: "go", Rules: []*rules.Rule{tc.rule}})
			if err == nil {
				t.Fatalf("NewSet accepted an invalid rule\nreason: %s", tc.reason)
			}
			msg := err.Error()
			if l, ok := err.(interface{ Unwrap() []error }); ok {
				var all []string
				for _, e := range l.Unwrap() {
					all = append(all, e.Error())
				}
				msg = strings.Join(all, "\n")
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q\nreason: %s", msg, w, tc.reason)
				}
			}
			if !strings.Contains(msg, "go: rules[0]") {
				t.Errorf("error %q does not name the file and the rule", msg)
			}
		})
	}
	if _, err := rules.NewSet(&rules.File{Origin: "go", Rules: []*rules.Rule{ok()}, Fallback: &rules.Fallback{Level: rules.Ignored, Reason: "x"}}); err == nil || !strings.Contains(err.Error(), "cannot be ignored") {
		t.Errorf("an ignored fallback built in Go is accepted: %v", err)
	}
}

// TestParseReportsDuplicatesInPlace: a duplicate id is reported where it
// is, in file order, even when the rule has other problems; every problem
// of the file comes at once.
func TestParseReportsDuplicatesInPlace(t *testing.T) {
	doc := `version: 1
rules:
  - id: a
    description: d
    reason: r
    level: risky
  - id: a
    description: d
    level: safe
  - id: b
    description: d
    reason: r
    level: safe
    match: {actions: [upgrade]}
`
	_, err := rules.Parse([]byte(doc), "team.yaml")
	if err == nil {
		t.Fatal("want errors")
	}
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		got = append(got, e.Error())
	}
	want := []string{
		`team.yaml: rules[0] (id=a): unknown level "risky" (want one of ignored, safe, restart, disruptive, destructive)`,
		`team.yaml: rules[1] (id=a): duplicate id "a" (also rules[0])`,
		`team.yaml: rules[1] (id=a): missing reason`,
		`team.yaml: rules[2] (id=b): match.actions: unknown action "upgrade" (want create, update, delete or ownership)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestSetIsAValue: nothing a set hands out, and nothing it was built
// from, can change its decisions; the default gate's fallback is a fresh
// value on every call.
func TestSetIsAValue(t *testing.T) {
	def := defaults(t)
	set, err := rules.NewSet(def)
	if err != nil {
		t.Fatal(err)
	}
	if d := decideDeletion(set); d.Level != rules.Destructive || d.Rule != "delete-volume-claim" {
		t.Fatalf("a PVC deletion is %s (%s), want destructive (delete-volume-claim)", d.Level, d.Rule)
	}
	tests := []struct {
		name   string
		mutate func()
		reason string
	}{
		{"rules handed out", func() {
			for _, r := range set.Rules() {
				r.Level = rules.Ignored
				r.Match.Kinds = append(r.Match.Kinds[:0], "Nothing")
				r.When = nil
			}
		}, "Rules returns copies: setting a returned rule's level to ignored made every later review judge a PVC deletion ignored"},
		{"one rule handed out", func() {
			r := set.Rule("delete-volume-claim")
			r.Level = rules.Ignored
			r.Match.Actions[0] = diffparse.Create
		}, "Rule returns a copy"},
		{"the file it was built from", func() {
			for _, r := range def.Rules {
				r.Level = rules.Ignored
				for i := range r.Match.Kinds {
					r.Match.Kinds[i] = "Nothing" // the array the set would share
				}
			}
			def.Fallback.Level = rules.Safe
		}, "NewSet keeps copies of the rules, not the caller's pointers"},
		{"fact paths", func() {
			fp := set.FactPaths()
			fp[0][0] = kube.Field("x")
		}, "FactPaths returns copies"},
		{"builtin fallback", func() {
			fb := rules.BuiltinFallback()
			fb.Level = rules.Safe
		}, "BuiltinFallback is a function returning a fresh value"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		tc.mutate()
		if d := decideDeletion(set); d.Level != rules.Destructive || d.Rule != "delete-volume-claim" {
			t.Errorf("%s: after the mutation a PVC deletion is %s (%s), want destructive\nreason: %s", tc.name, d.Level, d.Rule, tc.reason)
		}
	}
	if rules.BuiltinFallback().Level != rules.Disruptive {
		t.Error("BuiltinFallback changed")
	}
	if set.Fallback().Level != rules.Disruptive {
		t.Errorf("the set's fallback changed to %s", set.Fallback().Level)
	}
	if fp := set.FactPaths(); fp[0][0] == kube.Field("x") {
		t.Error("FactPaths handed out the set's own paths")
	}
}

// TestWithLayersWithoutChanging: With makes a new set; the set it is
// called on decides as before.
func TestWithLayersWithoutChanging(t *testing.T) {
	set, err := rules.NewSet(defaults(t))
	if err != nil {
		t.Fatal(err)
	}
	user := &rules.File{Origin: "team.yaml", Rules: []*rules.Rule{{
		ID: "ignore-all", Description: "d", Reason: "we know", Level: rules.Ignored,
	}}}
	layered, err := set.With(user)
	if err != nil {
		t.Fatal(err)
	}
	if d := decideDeletion(layered); d.Level != rules.Ignored || d.Rule != "ignore-all" || d.Origin != "team.yaml" {
		t.Errorf("the user layer decides: got %s %s %s", d.Level, d.Rule, d.Origin)
	}
	if d := decideDeletion(set); d.Level != rules.Destructive {
		t.Errorf("With changed the set it was called on: %s", d.Level)
	}
	if got := layered.Origins(); strings.Join(got, ",") != "team.yaml,"+safediff.DefaultRulesOrigin {
		t.Errorf("origins %v, want the user file first", got)
	}
}
