package classify

import (
	"reflect"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// TestSameDecisionEveryField: changes share a decision only when every
// field of theirs is equal. Each field of rules.Decision is changed in
// turn (by reflection, so that a field added later is held too), and the
// two must differ; a lowered decision is never shared.
func TestSameDecisionEveryField(t *testing.T) {
	base := func() rules.Decision {
		return rules.Decision{Level: rules.Safe, Rule: "r", Origin: "o.yaml", Reason: "why",
			Assumptions: []string{"a"}, Missing: []kube.Path{{kube.Field("m")}},
			Place: kube.Path{kube.Field("p")}, Places: 2, Also: []string{"also"}}
	}
	a, b := base(), base()
	if !sameDecision(&a, &b) {
		t.Fatal("two equal decisions (lists of their own) are not the same")
	}
	rt := reflect.TypeOf(a)
	for i := range rt.NumField() {
		if !rt.Field(i).IsExported() {
			continue // read by rules alone, before a decision is shared
		}
		b := base()
		v := reflect.ValueOf(&b).Elem().Field(i)
		switch v.Kind() {
		case reflect.Int:
			v.SetInt(v.Int() + 1)
		case reflect.String:
			v.SetString(v.String() + "x")
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Slice:
			v.Set(reflect.Zero(v.Type())) // nil where the base has one item
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
		default:
			t.Fatalf("field %s: no way to change a %s here", rt.Field(i).Name, v.Kind())
		}
		if sameDecision(&a, &b) || sameDecision(&b, &a) {
			t.Errorf("decisions that differ in %s are the same", rt.Field(i).Name)
		}
	}
	// lists of other items, and empty beside nil
	b = base()
	b.Missing = []kube.Path{{kube.Field("n")}}
	if sameDecision(&a, &b) {
		t.Error("decisions with other missing fields are the same")
	}
	b = base()
	b.Place = kube.Path{}
	if sameDecision(&a, &b) {
		t.Error("a decision without a place is the same as one with")
	}
}

// TestChangesDecidedAlikeShareADecision: a ConfigMap's many changed keys
// keep one decision, not one each (the memory of a review dense in
// changes), and a change decided otherwise between them has its own.
func TestChangesDecidedAlikeShareADecision(t *testing.T) {
	var b strings.Builder
	b.WriteString("default, cfg, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cfg\n")
	b.WriteString("-   labels:\n-     app: a\n+   labels:\n+     app: b\n  data:\n")
	for _, k := range []string{"a", "b", "c", "d"} {
		b.WriteString("-   " + k + ": '1'\n+   " + k + ": '2'\n")
	}
	set, err := rules.NewSet(rules.DefaultFile())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := diffparse.Parse(strings.NewReader(b.String()), diffparse.Options{Facts: set.FactPaths()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Classify(plan, set)
	if err != nil {
		t.Fatal(err)
	}
	var label *rules.Decision
	data := map[*rules.Decision]int{}
	for _, f := range res.Objects[0].Findings {
		switch p := f.Change.Path.String(); {
		case strings.HasPrefix(p, "metadata.labels"):
			label = f.Decision
		case strings.HasPrefix(p, "data."):
			data[f.Decision]++
		}
	}
	if len(data) != 1 || label == nil {
		t.Fatalf("the data keys' changes have %d decisions, want 1 (labels: %v)", len(data), label)
	}
	for d := range data {
		if d == label || d.Rule == label.Rule {
			t.Errorf("the labels' change shares the data's decision (%s)", d.Rule)
		}
	}
}

// TestObjectsDecidedAlikeShareDecisions: the changes of many objects
// decided alike keep one decision (20,000 ConfigMaps made mutable keep
// two, not 40,000), the other rules that matched included; an object
// decided otherwise has its own, and so does every change a user rule
// lowered (its note names the change).
func TestObjectsDecidedAlikeShareDecisions(t *testing.T) {
	cm := func(name, immutable string) string {
		return "default, " + name + ", ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: " + name + "\n" +
			immutable + "  data:\n-   a: '1'\n+   a: '2'\n"
	}
	made := "- immutable: true\n+ immutable: false\n"
	in := cm("c0", made) + cm("c1", made) + cm("c2", made) + cm("plain", "")
	base, err := rules.NewSet(rules.DefaultFile())
	if err != nil {
		t.Fatal(err)
	}
	lowered, err := base.With(&rules.File{Origin: "team.yaml", Rules: []*rules.Rule{{ID: "mutable-ok", Description: "we recreate them", Source: "team", Level: rules.Safe, Reason: "ours",
		Match: rules.Match{Kinds: []string{"ConfigMap"}, Paths: []kube.Pattern{kube.MustParsePattern("immutable")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		set    *rules.Set
		shared bool // the immutable change's decisions (the data's are shared)
	}{{"default rules", base, true}, {"a user rule lowers", lowered, false}} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.Parse(strings.NewReader(in), diffparse.Options{Facts: tc.set.FactPaths()})
			if err != nil {
				t.Fatal(err)
			}
			res, err := ClassifyWorkers(plan, tc.set, 1)
			if err != nil {
				t.Fatal(err)
			}
			at := func(o int, path string) *rules.Decision {
				for _, f := range res.Objects[o].Findings {
					if f.Change.Path.String() == path {
						return f.Decision
					}
				}
				t.Fatalf("%s: no finding at %s", res.Objects[o].Ref, path)
				return nil
			}
			for o := 1; o < 3; o++ {
				for _, path := range []string{"immutable", "data.a"} {
					first, this := at(0, path), at(o, path)
					want := tc.shared || path == "data.a"
					if (first == this) != want || first != this && !reflect.DeepEqual(first.Also, this.Also) {
						t.Errorf("%s of %s and of c0: shared %v, want %v", path, res.Objects[o].Ref, first == this, want)
					}
				}
			}
			if len(at(0, "data.a").Also) == 0 {
				t.Error("the data change's decision names no other rule: the test no longer covers shared lists")
			}
			if at(3, "data.a") == at(0, "data.a") {
				t.Error("a mutable ConfigMap's data change shares the decision on an immutable one's")
			}
		})
	}
}
