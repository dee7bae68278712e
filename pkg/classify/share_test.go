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
