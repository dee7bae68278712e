package rules_test

import (
	"slices"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

func path(t *testing.T, s string) kube.Path {
	t.Helper()
	p, err := kube.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func scalar(text string, typ diffparse.ScalarType) diffparse.Value {
	return diffparse.Value{Kind: diffparse.Scalar, Text: text, Type: typ}
}

// update is an object updated in place, of a kind and group.
func update(group, kind string) *diffparse.Object {
	return &diffparse.Object{
		Ref:    kube.ObjectRef{Group: group, Kind: kind, Namespace: "prod", Name: "x"},
		Action: diffparse.Update, Content: diffparse.Complete, FactsComplete: [2]bool{true, true},
	}
}

// TestSchemaType: a new value of a type its field does not take makes
// helm upgrade fail: at least disruptive, with the field and the type, and
// no rule (a user's included) lowers it. A value of unknown type is not
// judged by this check.
func TestSchemaType(t *testing.T) {
	user := &rules.File{Origin: "team.yaml", Rules: []*rules.Rule{{
		ID: "quiet", Description: "d", Reason: "we know", Level: rules.Ignored,
		Match: rules.Match{Kinds: []string{"Deployment"}},
	}}}
	set, err := rules.NewSet(defaults(t), user)
	if err != nil {
		t.Fatal(err)
	}
	deploy, sts := update("apps", "Deployment"), update("apps", "StatefulSet")
	tests := []struct {
		name   string
		obj    *diffparse.Object
		path   string
		old    diffparse.Value
		new    diffparse.Value
		shape  kube.Shape
		level  rules.Level
		rule   string
		why    string
		reason string
	}{
		{"replicas abc", deploy, "spec.replicas", scalar("3", diffparse.IntType), scalar("abc", diffparse.StringType), 0,
			rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail: spec.replicas must be an integer", "--set replicaCount=abc: the gate passed and helm upgrade failed"},
		{"replicas quoted", deploy, "spec.replicas", scalar("3", diffparse.IntType), scalar("3", diffparse.StringType), 0,
			rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail: spec.replicas must be an integer", `"3" is a string: the API server wants an integer`},
		{"replicas 2.5", deploy, "spec.replicas", scalar("3", diffparse.IntType), scalar("2.5", diffparse.FloatType), 0,
			rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail: spec.replicas must be an integer", "a fraction does not decode into an int32"},
		{"replicas 4.0", deploy, "spec.replicas", scalar("3", diffparse.IntType), scalar("4.0", diffparse.FloatType), 0,
			rules.Ignored, "quiet", "", "sigs.k8s.io/yaml writes 4.0 as 4, an integer"},
		{"replicas of unknown type", deploy, "spec.replicas", scalar("3", diffparse.IntType), scalar("abc", diffparse.UnknownType), 0,
			rules.Ignored, "quiet", "", "the reader did not say: the check cannot tell, and does not guess"},
		{"replicas null", deploy, "spec.replicas", scalar("3", diffparse.IntType), scalar("null", diffparse.NullType), 0,
			rules.Ignored, "quiet", "", "null unsets the field"},
		{"replicas a mapping", deploy, "spec.replicas", scalar("3", diffparse.IntType), diffparse.Value{Kind: diffparse.Tree, Text: "a: 1"}, kube.MappingShape,
			rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail: spec.replicas must be an integer", "a map where the API wants a scalar"},
		{"strategy a string", deploy, "spec.strategy", diffparse.Value{}, scalar("Recreate", diffparse.StringType), 0,
			rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail: spec.strategy must be a mapping", "a scalar where the API wants a mapping"},
		{"maxSurge percent", deploy, "spec.strategy.rollingUpdate.maxSurge", scalar("1", diffparse.IntType), scalar("25%", diffparse.StringType), 0,
			rules.Ignored, "quiet", "", "maxSurge is an int-or-string: a string is fine"},
		{"maxSurge number", deploy, "spec.strategy.rollingUpdate.maxSurge", scalar("25%", diffparse.StringType), scalar("2", diffparse.IntType), 0,
			rules.Ignored, "quiet", "", "and so is an integer"},
		{"maxSurge boolean", deploy, "spec.strategy.rollingUpdate.maxSurge", scalar("1", diffparse.IntType), scalar("true", diffparse.BoolType), 0,
			rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail: spec.strategy.rollingUpdate.maxSurge must be an integer or a string", "but not a boolean"},
		{"target port name", deploy, "spec.template.spec.containers[name=web].readinessProbe.httpGet.port", scalar("8080", diffparse.IntType), scalar("http", diffparse.StringType), 0,
			rules.Ignored, "quiet", "", "a probe's port is an int-or-string"},
		{"cpu quantity", deploy, "spec.template.spec.containers[name=web].resources.limits.cpu", scalar("1", diffparse.IntType), scalar("500m", diffparse.StringType), 0,
			rules.Ignored, "quiet", "", "a quantity string"},
		{"cpu nonsense", deploy, "spec.template.spec.containers[name=web].resources.limits.cpu", scalar("1", diffparse.IntType), scalar("lots", diffparse.StringType), 0,
			rules.Disruptive, rules.SchemaTypeRule, "helm upgrade will fail: spec.template.spec.containers[name=web].resources.limits.cpu must be a quantity (a number, or a string such as 500m or 1Gi)", "a string that is no quantity"},
		{"label number", deploy, "spec.template.metadata.labels.version", scalar("1.0", diffparse.StringType), scalar("1.1", diffparse.FloatType), 0,
			rules.Disruptive, rules.SchemaTypeRule, `helm upgrade will fail: spec.template.metadata.labels.version must be a string`, "the classic: an unquoted version in a label"},
		{"env value boolean", deploy, "spec.template.spec.containers[name=web].env[name=DEBUG].value", scalar("false", diffparse.StringType), scalar("true", diffparse.BoolType), 0,
			rules.Disruptive, rules.SchemaTypeRule, `helm upgrade will fail: spec.template.spec.containers[name=web].env[name=DEBUG].value must be a string`, "env values are strings"},
		{"paused yes", deploy, "spec.paused", scalar("false", diffparse.BoolType), scalar("yes", diffparse.BoolType), 0,
			rules.Ignored, "quiet", "", "YAML 1.1 reads yes as a boolean, as the API server receives it"},
		{"claim template storage", sts, "spec.volumeClaimTemplates[0].spec.resources.requests.storage", scalar("1Gi", diffparse.StringType), scalar("much", diffparse.StringType), 0,
			rules.Destructive, "statefulset-volume-claim-templates", "", "a destructive rule stays destructive; the type problem is named beside it"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			p := path(t, tc.path)
			ch := &diffparse.Change{Path: p, Op: diffparse.Modify, Old: tc.old, New: tc.new, Shape: tc.shape}
			if !tc.old.Present() {
				ch.Op = diffparse.Add
			}
			d := set.Select(tc.obj).Decide(ch, ch.Op, p)
			if d.Level != tc.level || d.Rule != tc.rule {
				t.Errorf("got %s (%s: %s), want %s (%s)\nreason: %s", d.Level, d.Rule, d.Reason, tc.level, tc.rule, tc.reason)
			}
			if tc.why != "" && d.Reason != tc.why {
				t.Errorf("reason %q, want %q", d.Reason, tc.why)
			}
			if tc.level == rules.Destructive && !slices.Contains(d.Also, rules.SchemaTypeRule) {
				t.Errorf("also %v does not name %s", d.Also, rules.SchemaTypeRule)
			}
		})
	}
}

// TestLowered: when a user rule (or fallback) decides lower than the
// default rules would, at disruptive or destructive, the decision says
// what the defaults said; a raise or a lowering below disruptive does not.
func TestLowered(t *testing.T) {
	rule := func(id string, level rules.Level, m rules.Match) *rules.Rule {
		return &rules.Rule{ID: id, Description: "d", Reason: "r", Level: level, Match: m}
	}
	svcUpdate := update("", "Service")
	image := &diffparse.Change{Path: path(t, "spec.template.spec.containers[name=web].image"), Op: diffparse.Modify,
		Old: scalar("a:1", diffparse.StringType), New: scalar("a:2", diffparse.StringType)}
	selector := &diffparse.Change{Path: path(t, "spec.selector.app"), Op: diffparse.Modify,
		Old: scalar("a", diffparse.StringType), New: scalar("b", diffparse.StringType)}
	custom := &diffparse.Change{Path: path(t, "spec.size"), Op: diffparse.Modify, Old: scalar("1", diffparse.IntType), New: scalar("2", diffparse.IntType)}
	deploy := update("apps", "Deployment")
	deploy.Facts[diffparse.New] = map[string]diffparse.Fact{"spec.replicas": {Presence: diffparse.Present, Value: scalar("3", diffparse.IntType)}}
	crd := update("example.com", "Widget")
	tests := []struct {
		name   string
		user   *rules.File
		obj    *diffparse.Object
		ch     *diffparse.Change
		op     diffparse.Op
		want   *rules.Baseline
		reason string
	}{
		{"ignore-all on a PVC deletion", &rules.File{Origin: "team.yaml", Rules: []*rules.Rule{rule("ignore-all", rules.Ignored, rules.Match{})}},
			pvcDeletion, nil, diffparse.Remove, &rules.Baseline{Level: rules.Destructive, Rule: "delete-volume-claim", By: "ignore-all", ByOrigin: "team.yaml"}, "the issue's example: data loss silenced"},
		{"a Service selector made safe", &rules.File{Origin: "team.yaml", Rules: []*rules.Rule{rule("svc-ok", rules.Safe, rules.Match{Kinds: []string{"Service"}})}},
			svcUpdate, selector, diffparse.Modify, &rules.Baseline{Level: rules.Disruptive, Rule: "service-routing", By: "svc-ok", ByOrigin: "team.yaml"}, "disruptive lowered"},
		{"a restart made safe", &rules.File{Origin: "team.yaml", Rules: []*rules.Rule{rule("rollme", rules.Safe, rules.Match{Kinds: []string{"Deployment"}})}},
			deploy, image, diffparse.Modify, nil, "a restart is below disruptive: lowering it is the users' business, no note"},
		{"a deletion raised", &rules.File{Origin: "team.yaml", Rules: []*rules.Rule{rule("strict", rules.Destructive, rules.Match{Kinds: []string{"Service"}})}},
			svcUpdate, selector, diffparse.Modify, nil, "a raise silences nothing"},
		{"a user fallback", &rules.File{Origin: "team.yaml", Fallback: &rules.Fallback{Level: rules.Safe, Reason: "we trust our CRDs"}},
			crd, custom, diffparse.Modify, &rules.Baseline{Level: rules.Disruptive, Rule: rules.FallbackRule, By: rules.FallbackRule, ByOrigin: "team.yaml"}, "a fallback lowers everything no rule covers"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			set, err := rules.NewSet(defaults(t), tc.user)
			if err != nil {
				t.Fatal(err)
			}
			places := []kube.Path{{}}
			if tc.ch != nil {
				places = []kube.Path{tc.ch.Path}
			}
			d := set.Select(tc.obj).Decide(tc.ch, tc.op, places...)
			switch {
			case tc.want == nil && d.Lowered != nil:
				t.Errorf("lowered %+v, want none (decided %s by %s)\nreason: %s", *d.Lowered, d.Level, d.Rule, tc.reason)
			case tc.want != nil && (d.Lowered == nil || *d.Lowered != *tc.want):
				t.Errorf("lowered %+v, want %+v (decided %s by %s in %s)\nreason: %s", d.Lowered, *tc.want, d.Level, d.Rule, d.Origin, tc.reason)
			}
			if tc.want != nil && d.Origin != "team.yaml" {
				t.Errorf("origin %q, want the user file", d.Origin)
			}
		})
	}
}

// TestWorstPlace: a change that can be at several places gets the worst
// of them: the highest level, and at one level a possible replacement
// over none; a certain replacement only when every place forces one.
func TestWorstPlace(t *testing.T) {
	set, err := rules.NewSet(defaults(t))
	if err != nil {
		t.Fatal(err)
	}
	web := update("apps", "Deployment")
	web.FactsComplete = [2]bool{} // replicas and strategy not shown
	ch := &diffparse.Change{Path: path(t, "...tier"), Op: diffparse.Modify, Old: scalar("a", diffparse.StringType), New: scalar("b", diffparse.StringType)}
	podLabel, selector, ownLabel := path(t, "spec.template.metadata.labels.tier"), path(t, "spec.selector.matchLabels.tier"), path(t, "metadata.labels.tier")
	for _, places := range [][]kube.Path{{podLabel, selector, ownLabel}, {selector, podLabel, ownLabel}} {
		d := set.Select(web).Decide(ch, ch.Op, places...)
		if d.Level != rules.Disruptive || d.Rule != "selector-immutable" || !d.Place.Equal(selector) || !d.MaybeReplace || d.Replace || !d.Assumed || d.Places != 3 {
			t.Errorf("places %v: got %s (%s) at %s, maybe %v replace %v assumed %v places %d; want the selector: disruptive, a possible replacement",
				places, d.Level, d.Rule, d.Place, d.MaybeReplace, d.Replace, d.Assumed, d.Places)
		}
	}
	d := set.Select(web).Decide(ch, ch.Op, selector, path(t, "spec.selector.matchLabels.other"))
	if !d.Replace || d.MaybeReplace {
		t.Errorf("every place forces replacement: replace %v maybe %v, want a certain replacement", d.Replace, d.MaybeReplace)
	}
}

// TestSelectionsShared: selections of the same rules share their lists,
// and no two selections of different rules are taken for each other, also
// where the rules sit at the same places of different layers, or an
// object selects no rule at all.
func TestSelectionsShared(t *testing.T) {
	def, err := rules.Parse([]byte("version: 1\nrules:\n  - {id: d, description: d, reason: r, level: restart, match: {names: [e]}}\n"), "default")
	if err != nil {
		t.Fatal(err)
	}
	user, err := rules.Parse([]byte("version: 1\nrules:\n"+
		"  - {id: u, description: d, reason: r, level: disruptive, match: {names: [a]}}\n"+
		"  - {id: v, description: d, reason: r, level: safe, match: {names: [b]}}\n"), "user.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.NewSet(def, user)
	if err != nil {
		t.Fatal(err)
	}
	ch := &diffparse.Change{Path: path(t, "data.x"), Op: diffparse.Modify, Old: scalar("1", diffparse.StringType), New: scalar("2", diffparse.StringType)}
	want := map[string]string{"a": "u", "b": "v", "e": "d", "c": rules.FallbackRule}
	for range 2 { // the second round takes the shared lists
		for _, name := range []string{"b", "a", "e", "c"} {
			obj := update("", "ConfigMap")
			obj.Ref.Name = name
			if got := set.Select(obj).Decide(ch, ch.Op, ch.Path).Rule; got != want[name] {
				t.Errorf("object %s decided by rule %q, want %q", name, got, want[name])
			}
		}
	}
}

// TestAtLeastField: a condition comparing its field with another field of
// the same side (maxUnavailable against replicas) reads an int-or-percent
// value as Kubernetes does, and counts either field out of view, or
// redacted, as its worst value, naming which one.
func TestAtLeastField(t *testing.T) {
	file, err := rules.Parse([]byte(`version: 1
rules:
  - id: all-down
    description: d
    reason: r
    level: disruptive
    match: {kinds: [Deployment], paths: ["spec.template.**"]}
    when:
      - field: spec.strategy.rollingUpdate.maxUnavailable
        default: 25%
        atLeastField: {field: spec.replicas, default: 1}
`), "team.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.NewSet(file)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(set.FactPaths(), func(p kube.Path) bool { return p.String() == "spec.replicas" }) {
		t.Fatalf("facts %v do not hold the field compared with", set.FactPaths())
	}
	image := &diffparse.Change{Path: path(t, "spec.template.spec.containers[name=web].image"), Op: diffparse.Modify,
		Old: scalar("a:1", diffparse.StringType), New: scalar("a:2", diffparse.StringType)}
	present := func(text string, typ diffparse.ScalarType) diffparse.Fact {
		return diffparse.Fact{Presence: diffparse.Present, Value: scalar(text, typ)}
	}
	const unavailable, replicas = "spec.strategy.rollingUpdate.maxUnavailable", "spec.replicas"
	tests := []struct {
		name     string
		facts    map[string]diffparse.Fact // the new side's
		complete bool                      // the whole new side is shown
		decides  bool
		missing  []string
		reason   string
	}{
		{"3 of 3", map[string]diffparse.Fact{unavailable: present("3", diffparse.IntType), replicas: present("3", diffparse.IntType)}, true, true, nil,
			"every pod may stop at once"},
		{"2 of 3", map[string]diffparse.Fact{unavailable: present("2", diffparse.IntType), replicas: present("3", diffparse.IntType)}, true, false, nil,
			"one pod keeps serving"},
		{"100% of 3", map[string]diffparse.Fact{unavailable: present("100%", diffparse.StringType), replicas: present("3", diffparse.IntType)}, true, true, nil,
			"a percentage is that share of the replicas"},
		{"99% of 200", map[string]diffparse.Fact{unavailable: present("99%", diffparse.StringType), replicas: present("200", diffparse.IntType)}, true, false, nil,
			"198 of 200, rounded down"},
		{"0100% of 3", map[string]diffparse.Fact{unavailable: present("0100%", diffparse.StringType), replicas: present("3", diffparse.IntType)}, true, true, nil,
			"strconv.Atoi reads the leading zero away"},
		{"1 of the default", map[string]diffparse.Fact{unavailable: present("1", diffparse.IntType)}, true, true, nil,
			"replicas absent is 1"},
		{"the default 25% of 4", map[string]diffparse.Fact{replicas: present("4", diffparse.IntType)}, true, false, nil,
			"maxUnavailable absent is 25%: one pod of four"},
		{"3, replicas not shown", map[string]diffparse.Fact{unavailable: present("3", diffparse.IntType)}, false, true, []string{replicas},
			"the replicas may be 3 or fewer: the worst counts, and the report names the field compared with"},
		{"neither shown", map[string]diffparse.Fact{}, false, true, []string{unavailable, replicas},
			"both count as their worst values"},
		{"replicas redacted", map[string]diffparse.Fact{unavailable: present("3", diffparse.IntType), replicas: {Presence: diffparse.Present, Value: diffparse.Value{Kind: diffparse.Scalar, Redacted: true}}}, true, true, nil,
			"a value that cannot be read is any value"},
		{"not a percentage", map[string]diffparse.Fact{unavailable: present("1O0%", diffparse.StringType), replicas: present("3", diffparse.IntType)}, true, true, nil,
			"no number: the API server refuses it, and nothing is assumed away"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			obj := update("apps", "Deployment")
			obj.FactsComplete = [2]bool{true, tc.complete}
			obj.Facts[diffparse.New] = tc.facts
			d := set.Select(obj).Decide(image, image.Op, image.Path)
			if got := d.Rule == "all-down"; got != tc.decides {
				t.Errorf("decided by %s (%s), want the rule to decide: %v\nreason: %s", d.Rule, d.Level, tc.decides, tc.reason)
			}
			var missing []string
			for _, p := range d.Missing {
				missing = append(missing, p.String())
			}
			if !slices.Equal(missing, tc.missing) {
				t.Errorf("missing %q, want %q\nreason: %s", missing, tc.missing, tc.reason)
			}
		})
	}
}
