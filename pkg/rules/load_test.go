package rules_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/safediff/safediff"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

func TestParseErrors(t *testing.T) {
	const head = "version: 1\nrules:\n"
	ok := "  - id: a\n    description: d\n    reason: r\n    level: safe\n"
	tests := []struct {
		name   string
		input  string
		want   string
		reason string
	}{
		{"missing version", "rules: []\n", `missing "version: 1"`, "the format is versioned"},
		{"future version", "version: 2\nrules: []\n", "unsupported version 2", "a newer file must not be read as this one"},
		{"unknown top-level key", "version: 1\nrulez: []\n", `unknown key "rulez"`, "a typo must fail loudly"},
		{"unknown rule key", head + ok + "    levl: safe\n", `rules[0] (id=a): unknown key "levl"`, "strict decoding names the rule"},
		{"a key in another case", head + ok + "    match: {Kinds: [Pod]}\n", `rules[0] (id=a): unknown key "Kinds"`, "found: encoding/json matched keys without regard to case"},
		{"a key folded from Unicode", head + ok + "    match: {kinds: [ConfigMap], \"kind\u017f\": [\"*\"]}\n", "rules[0] (id=a): unknown key \"kind\u017f\"", "found: \"kindſ\" (long s) folded to kinds and, the last of two, matched every kind: layered over the defaults, a PVC deletion passed"},
		{"a key in another case at the top", "version: 1\nRules: []\n", `unknown key "Rules"`, "the file's own keys too"},
		{"unknown match key", head + "  - id: a\n    description: d\n    reason: r\n    level: safe\n    match: {kind: [Pod]}\n", `rules[0] (id=a): unknown key "kind"`, "match.kinds, not match.kind"},
		{"unknown level", head + "  - id: a\n    description: d\n    reason: r\n    level: risky\n", `rules[0] (id=a): unknown level "risky"`, "levels are a closed set"},
		{"duplicate id", head + ok + ok, `rules[1] (id=a): duplicate id "a" (also rules[0])`, "ids identify rules in reports"},
		{"bad id", head + "  - id: Bad_ID\n    description: d\n    reason: r\n    level: safe\n", `id "Bad_ID" must be lowercase`, "ids are lowercase with dashes"},
		{"bad path pattern", head + ok + "    match: {paths: [\"spec..x\"]}\n", `rules[0] (id=a): match.paths: bad path "spec..x"`, "a broken pattern names the rule"},
		{"unknown action", head + ok + "    match: {actions: [upgrade]}\n", `unknown action "upgrade"`, "actions are a closed set"},
		{"replace below disruptive", head + "  - id: a\n    description: d\n    reason: r\n    level: restart\n    replace: true\n", "must be at least disruptive", "a replacement is never less than disruptive"},
		{"missing reason", head + "  - id: a\n    description: d\n    level: safe\n", "missing reason", "every change needs a human reason"},
		{"condition without test", head + ok + "    when: [{field: spec.replicas}]\n", "no test", "a condition must test something"},
		{"condition on field and value", head + ok + "    when: [{field: spec.replicas, value: new, in: [1]}]\n", "not both", "one target per condition"},
		{"inexact condition field", head + ok + "    when: [{field: \"...replicas\", in: [1]}]\n", "must be an exact path", "facts are looked up exactly"},
		{"atLeastField without a field", head + ok + "    when: [{field: spec.strategy.rollingUpdate.maxUnavailable, atLeastField: {default: 1}}]\n", "atLeastField: set its field", "the field compared with is required"},
		{"atLeastField on a value", head + ok + "    when: [{value: new, atLeastField: {field: spec.replicas}}]\n", "atLeastField applies to field conditions", "a value condition has no side to read the other field of"},
		{"inexact atLeastField", head + ok + "    when: [{field: spec.replicas, atLeastField: {field: \"...replicas\"}}]\n", "must be an exact path", "facts are looked up exactly"},
		{"unknown atLeastField key", head + ok + "    when: [{field: spec.replicas, atLeastField: {field: spec.x, defualt: 1}}]\n", `unknown key "defualt"`, "strict decoding reaches inside"},
		{"ifUnknown is gone", head + ok + "    when: [{field: spec.replicas, in: [1], ifUnknown: \"false\"}]\n", "ifUnknown is no longer read", "a field the diff does not show counts as its worst value: no rule may assume it away"},
		{"ignored fallback", "version: 1\nfallback: {level: ignored, reason: x}\nrules: []\n", "cannot be ignored", "what no rule understands must be seen"},
		{"invalid yaml", "version: 1\nrules: [\n", "not valid YAML", "syntax errors are reported"},
		{"duplicate yaml key", "version: 1\nversion: 1\nrules: []\n", "not valid YAML", "duplicate keys are an error, not last-wins"},
		{"second document", "version: 1\nrules: []\n---\nversion: 1\nrules:\n  - id: raise-all\n    level: destructive\n    reason: r\n    description: d\n", "line 4: a second YAML document", "the YAML reader drops every document after the first: its rules would be lost unseen"},
		{"wrong type", "version: 1\nrules: {}\n", "rules", "a list is expected"},
		{"alias bomb", "version: 1\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\nrules: []\n", "test.yaml", "an alias bomb must not exhaust memory: it is refused or rejected, an error either way"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rules.Parse([]byte(tc.input), "test.yaml")
			if err == nil {
				t.Fatalf("want an error containing %q\nreason: %s", tc.want, tc.reason)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q\nreason: %s", err, tc.want, tc.reason)
			}
			if !strings.Contains(err.Error(), "test.yaml") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestUnquotedDottedKey: an unquoted helm.sh/chart is parsed as the fields
// helm and sh/chart: valid, but not what was meant; quoting is documented.
func TestUnquotedDottedKey(t *testing.T) {
	f, err := rules.Parse([]byte("version: 1\nrules:\n  - id: a\n    description: d\n    reason: r\n    level: safe\n    match: {paths: [\"metadata.labels.helm.sh/chart\"]}\n"), "test.yaml")
	if err != nil {
		t.Fatalf("a valid pattern is refused: %v", err)
	}
	pat := f.Rules[0].Match.Paths[0]
	for _, tc := range []struct {
		path string
		want kube.Match
	}{
		{"metadata.labels.helm.sh/chart", kube.Yes},
		{`metadata.labels["helm.sh/chart"]`, kube.No},
	} {
		p, err := kube.ParsePath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := pat.Match(p); got != tc.want {
			t.Errorf("pattern %s matches %s: %v, want %v", pat, tc.path, got, tc.want)
		}
	}
}

func TestNewSetDuplicateAcrossFiles(t *testing.T) {
	a, err := rules.Parse([]byte("version: 1\nrules:\n  - id: x\n    description: d\n    reason: r\n    level: safe\n"), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := rules.Parse([]byte("version: 1\nrules:\n  - id: x\n    description: d\n    reason: r\n    level: restart\n"), "b.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = rules.NewSet(a, b)
	if err == nil || !strings.Contains(err.Error(), "b.yaml: rules[0] (id=x): duplicate id: a.yaml already defines it") {
		t.Fatalf("want a duplicate id error naming both files, got %v", err)
	}
}

func TestPrecedence(t *testing.T) {
	def, _ := rules.Parse([]byte("version: 1\nfallback: {level: disruptive, reason: f}\nrules:\n  - id: d\n    description: d\n    reason: r\n    level: restart\n"), "default")
	user, _ := rules.Parse([]byte("version: 1\nfallback: {level: destructive, reason: g}\nrules:\n  - id: u\n    description: d\n    reason: r\n    level: ignored\n"), "user.yaml")
	set, err := rules.NewSet(def, user)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, r := range set.Rules() {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "u,d" {
		t.Errorf("precedence order = %v, want the user file first", ids)
	}
	if set.Fallback().Level != rules.Destructive {
		t.Errorf("fallback = %v, want the last file's", set.Fallback())
	}
}

// TestDefaultRulesWellFormed is the metatest of the embedded rule set: every
// rule cites a source, says why, and a replacement is never below
// disruptive. That every rule is exercised by a test case is checked in
// package classify.
func TestDefaultRulesWellFormed(t *testing.T) {
	f, err := rules.Parse(safediff.DefaultRules(), safediff.DefaultRulesOrigin)
	if err != nil {
		t.Fatalf("the default rules do not load: %v", err)
	}
	if f.Fallback == nil || f.Fallback.Level < rules.Disruptive {
		t.Errorf("the default fallback must be at least disruptive: %+v", f.Fallback)
	}
	if len(f.Rules) == 0 {
		t.Fatal("the default rules are empty: nothing to check")
	}
	codeRef := regexp.MustCompile(`(^|\s)(pkg|staging|apiextensions-apiserver)[/ ][\w./-]+`)
	for _, r := range f.Rules {
		if r.Source == "" {
			t.Errorf("%s: no source", r.ID)
		}
		hasURL := false
		for _, w := range strings.Fields(r.Source) {
			if u, err := url.Parse(w); err == nil && u.Scheme == "https" {
				hasURL = true
			}
		}
		if !hasURL && !codeRef.MatchString(r.Source) {
			t.Errorf("%s: source %q cites neither documentation (https) nor validation code", r.ID, r.Source)
		}
		if len(r.Description) < 30 {
			t.Errorf("%s: description too short to explain the rule", r.ID)
		}
		if strings.HasSuffix(r.Reason, ".") {
			t.Errorf("%s: reasons are phrases without a final period: %q", r.ID, r.Reason)
		}
		if r.Replace && r.Level < rules.Disruptive {
			t.Errorf("%s: forces replacement but is only %s", r.ID, r.Level)
		}
		if len(r.Match.Kinds) > 0 && len(r.Match.Groups) == 0 {
			t.Errorf("%s: names kinds without their group (a CRD of another group could share the kind name)", r.ID)
		}
	}
}

func TestLevels(t *testing.T) {
	for i, n := range rules.Levels() {
		l, err := rules.ParseLevel(n)
		if err != nil || int(l) != i || l.String() != n {
			t.Errorf("level %q: got %v, %v", n, l, err)
		}
	}
	if rules.Ignored >= rules.Safe || rules.Safe >= rules.Restart || rules.Restart >= rules.Disruptive || rules.Disruptive >= rules.Destructive {
		t.Error("levels are not ordered")
	}
	var l rules.Level
	if err := l.UnmarshalText([]byte("nope")); err == nil {
		t.Error("unknown level accepted")
	}
}
