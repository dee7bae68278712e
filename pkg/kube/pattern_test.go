package kube_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/kube"
)

const (
	no    = kube.No
	maybe = kube.Maybe
	yes   = kube.Yes
)

type matchCase struct {
	name    string
	pattern string
	path    string
	want    kube.Match
	reason  string
}

// exactMatchCases match patterns against fully known paths.
var exactMatchCases = []matchCase{
	// literal patterns
	{"literal equal", "spec.replicas", "spec.replicas", yes,
		"the same steps"},
	{"literal other field", "spec.replicas", "spec.replica", no,
		"field names compare exactly"},
	{"literal case", "spec.replicas", "spec.Replicas", no,
		"field names are case-sensitive, like JSON keys"},
	{"pattern longer than path", "spec.replicas", "spec", no,
		"patterns are anchored at the end: the path must reach replicas"},
	{"pattern is a prefix", "spec", "spec.replicas", no,
		"a pattern is not a prefix match; write spec.** for a subtree"},
	{"root pattern, root path", "", "", yes,
		"the empty pattern names the object itself"},
	{"root pattern, field", "", "spec", no,
		"the empty pattern matches only the root"},
	{"quoted field", `metadata.labels["helm.sh/chart"]`, `metadata.labels["helm.sh/chart"]`, yes,
		"a quoted field is one step with dots inside"},
	{"quoted field vs split fields", `metadata.labels["helm.sh/chart"]`, "metadata.labels.helm.sh/chart", no,
		"unquoted, helm.sh/chart is two steps, so the lengths differ"},

	// ** at the end, start and middle
	{"trailing ** below", "spec.template.**", "spec.template.spec.containers[name=web].image", yes,
		"** takes any number of steps of any kind"},
	{"trailing ** zero steps", "spec.template.**", "spec.template", yes,
		"** may take no steps, so the subtree includes its root"},
	{"trailing ** elsewhere", "spec.template.**", "spec.replicas", no,
		"replicas is not template"},
	{"trailing ** parent", "spec.template.**", "spec", no,
		"the path stops above the fixed steps of the pattern"},
	{"leading ** deep", "**.image", "spec.template.spec.containers[name=web].image", yes,
		"** takes everything before image"},
	{"leading ** nothing before", "**.image", "image", yes,
		"** may be empty at the start too"},
	{"leading ** not last", "**.image", "spec.image.tag", no,
		"the pattern still ends at image"},
	{"middle ** several steps", "spec.**.image", "spec.template.spec.containers[name=web].image", yes,
		"** in the middle bridges any steps"},
	{"middle ** zero steps", "spec.**.image", "spec.image", yes,
		"the bridge may be empty"},
	{"middle ** wrong start", "spec.**.image", "metadata.image", no,
		"the fixed first step must still match"},
	{"two ** ", "**.containers.**", "spec.template.spec.containers[name=web].image", yes,
		"containers anywhere, anything below"},
	{"two ** missing anchor", "**.containers.**", "spec.template.spec.volumes[name=data]", no,
		"no containers step anywhere"},
	{"** alone, root", "**", "", yes,
		"** matches zero steps, so it matches the object itself"},
	{"** alone, deep", "**", "a[0].b[name=x].c", yes,
		"** matches any path"},

	// * and [*]
	{"* any label", "metadata.labels.*", "metadata.labels.app", yes,
		"* is any one field"},
	{"* quoted label", "metadata.labels.*", `metadata.labels["helm.sh/chart"]`, yes,
		"a quoted field is still one field"},
	{"* needs a step", "metadata.labels.*", "metadata.labels", no,
		"* is exactly one step, not zero"},
	{"* one step only", "metadata.labels.*", "metadata.labels.app.x", no,
		"* is exactly one step, not two"},
	{"* is not a list item", "spec.args.*", "spec.args[0]", no,
		"* stands for a field; list items are [*]"},
	{"* at the root", "*", "spec", yes,
		"any root field"},
	{"[*] keyed item", "spec.containers[*].image", "spec.containers[name=web].image", yes,
		"[*] is any list item, however identified"},
	{"[*] indexed item", "spec.containers[*].image", "spec.containers[2].image", yes,
		"[*] is any list item, however identified"},
	{"[*] is not a field", "spec.containers[*].image", "spec.containers.web.image", no,
		"a mapping key is not a list item"},

	// list items by index and by key
	{"index equal", "spec.containers[0].image", "spec.containers[0].image", yes,
		"same position"},
	{"index other", "spec.containers[0].image", "spec.containers[1].image", no,
		"another position"},
	{"index vs key", "spec.containers[0].image", "spec.containers[name=web].image", maybe,
		"the item keyed web may or may not be the first: the diff does not say"},
	{"key equal", "spec.containers[name=web].image", "spec.containers[name=web].image", yes,
		"same key field and value"},
	{"key other value", "spec.containers[name=web].image", "spec.containers[name=api].image", no,
		"same key field, another value: another item"},
	{"key value case", "spec.containers[name=web].image", "spec.containers[name=Web].image", no,
		"values compare exactly"},
	{"key vs index", "spec.containers[name=web].image", "spec.containers[0].image", maybe,
		"the first item may be the one named web"},
	{"key vs other key field", "spec.ports[name=http]", "spec.ports[containerPort=8080]", maybe,
		"the port keyed 8080 may be the one named http: a different key field does not tell"},
	{"key vs field", "spec.containers[name=web]", "spec.containers.web", no,
		"a mapping key is not a list item"},

	// globs
	{"glob field", "metadata.annotations.checksum/*", "metadata.annotations.checksum/config", yes,
		"* inside a name matches any run of characters"},
	{"glob field empty run", "metadata.annotations.checksum/*", "metadata.annotations.checksum/", yes,
		"the run may be empty"},
	{"glob field no slash", "metadata.annotations.checksum/*", "metadata.annotations.checksum", no,
		"the literal '/' is required"},
	{"glob field one step", "metadata.annotations.checksum/*", "metadata.annotations.checksum/a.b", no,
		"unquoted, checksum/a.b is two steps; a glob stays within one step"},
	{"glob quoted field", `metadata.labels["helm.sh/*"]`, `metadata.labels["helm.sh/chart"]`, yes,
		"a quoted pattern field is a glob too, and its * crosses dots"},
	{"glob quoted field other", `metadata.labels["helm.sh/*"]`, "metadata.labels.app", no,
		"app does not start with helm.sh/"},
	{"glob question mark", "spec.a?c", "spec.abc", yes,
		"? is one character"},
	{"glob question mark none", "spec.a?c", "spec.ac", no,
		"? is exactly one character"},
	{"glob key value", "spec.containers[name=app-*].image", "spec.containers[name=app-web].image", yes,
		"* in an unquoted key value is a glob"},
	{"glob key value empty run", "spec.containers[name=app-*].image", "spec.containers[name=app-].image", yes,
		"the run may be empty"},
	{"glob key value other", "spec.containers[name=app-*].image", "spec.containers[name=web].image", no,
		"web does not start with app-"},
	{"glob key vs other key field", "spec.containers[name=app-*].image", "spec.containers[image=app-x].image", maybe,
		"an item keyed by another field may have any name"},
	{"quoted key value is literal", `env[name="A*"]`, "env[name=AB]", no,
		"quoting a key value turns its * into a plain character"},
	{"quoted key value literal match", `env[name="A*"]`, `env[name="A*"]`, yes,
		"the literal value A*"},
}

// inexactMatchCases match patterns against paths with unknown steps, which
// stand for many paths.
var inexactMatchCases = []matchCase{
	{"gap can hide the prefix", "spec.template.**", "...spec.containers[?].image", maybe,
		"a gap can hide spec.template, so spec.template.** only maybe matches ...spec.containers[?].image"},
	{"gap under leading **", "**.image", "...containers[?].image", yes,
		"** absorbs the gap and the unknown item, whatever they are"},
	{"gap under ** with anchor", "**.env[*].value", "...env[?].value", yes,
		"every instance ends in env[item].value"},
	{"gap must end in containers", "**.containers[*].image", "...[?].image", maybe,
		"the list above the unknown item is containers only if the gap ends with it"},
	{"** vs gap alone", "**", "...", yes,
		"** matches whatever the gap stands for"},
	{"** vs unknown steps", "**", "...[?].?", yes,
		"** matches every path"},
	{"root pattern vs gap", "", "...", maybe,
		"the gap may be empty, which is the root, or not"},
	{"literal vs gap before last", "spec.replicas", "...replicas", maybe,
		"the gap may be spec, or the replicas of something else"},
	{"literal vs gap before whole", "spec.replicas", "...spec.replicas", maybe,
		"the gap may be empty (a match) or not (spec.replicas deeper down)"},
	{"literal vs gap wrong leaf", "metadata.labels.app", "...image", no,
		"no instance ends in app"},
	{"gap cannot add steps after", "spec.replicas", "...replicas.x", no,
		"a gap only adds ancestors; the path still ends in x"},
	{"pattern ** middle vs gap", "spec.**.image", "...image", maybe,
		"the gap must start with spec"},
	{"pattern ** middle and end vs gap", "**.b.**", "...b", yes,
		"whatever the gap is, b is somewhere"},
	{"pattern two anchors vs gap", "a.**.b.**", "...b", maybe,
		"the gap must start with a"},
	{"[*] vs unknown item", "spec.template.spec.containers[*].image", "spec.template.spec.containers[?].image", yes,
		"[*] matches every item the unknown one could be"},
	{"[*] vs gap and unknown item", "spec.template.spec.containers[*].image", "...containers[?].image", maybe,
		"the gap may or may not be spec.template.spec"},
	{"key vs unknown item", "spec.template.spec.containers[name=web].image", "spec.template.spec.containers[?].image", maybe,
		"the unknown item may be web"},
	{"glob key vs unknown item", "spec.containers[name=app-*]", "spec.containers[?]", maybe,
		"the unknown item may be named app-something"},
	{"index vs unknown item", "spec.containers[0]", "spec.containers[?]", maybe,
		"the unknown item may be the first"},
	{"* vs unknown field", "metadata.labels.*", "metadata.labels.?", yes,
		"* matches every key the unknown one could be"},
	{"literal vs unknown field", "metadata.labels.app", "metadata.labels.?", maybe,
		"the unknown key may be app"},
	{"glob vs unknown field", "metadata.labels.app-*", "metadata.labels.?", maybe,
		"the unknown key may start with app-"},
	{"one-character glob vs unknown field", "data.?", "data.?", maybe,
		"in a pattern ? is a one-character glob; in a path it is an unknown key of any length"},
	{"** vs unknown field", "metadata.**", "metadata.labels.?", yes,
		"** takes the unknown key like any other"},
	{"[*] vs unknown field", "spec.containers[*]", "spec.containers.?", no,
		"an unknown mapping key is still not a list item"},
	{"* vs unknown item", "metadata.labels.*", "metadata.labels[?]", no,
		"an unknown list item is still not a field"},
	{"gap and unknown field", "metadata.labels.*", "...labels.?", maybe,
		"the gap may or may not be metadata"},
	{"gap and unknown item under **", "**.volumes[*].name", "...volumes[?].name", yes,
		"every instance ends in volumes[item].name"},
}

func TestPatternMatch(t *testing.T) {
	run := func(t *testing.T, cases []matchCase) {
		seen := map[string]bool{}
		for _, tt := range cases {
			if seen[tt.name] || tt.reason == "" {
				t.Fatalf("case %q: duplicate name or no reason", tt.name)
			}
			seen[tt.name] = true
			t.Run(tt.name, func(t *testing.T) {
				pat, err := kube.ParsePattern(tt.pattern)
				if err != nil {
					t.Fatalf("ParsePattern(%q): %v", tt.pattern, err)
				}
				path := mustPath(t, tt.path)
				if got := pat.Match(path); got != tt.want {
					t.Errorf("ParsePattern(%q).Match(%q) = %v, want %v\nreason: %s", tt.pattern, tt.path, got, tt.want, tt.reason)
				}
			})
		}
	}
	t.Run("exact", func(t *testing.T) { run(t, exactMatchCases) })
	t.Run("inexact", func(t *testing.T) { run(t, inexactMatchCases) })
}

func TestParsePattern(t *testing.T) {
	for _, s := range []string{
		"", "**", "*", "spec.template.**", "**.image", "a.**.b", "spec.containers[*].image",
		"metadata.annotations.checksum/*", `metadata.labels["helm.sh/*"]`, "containers[name=app-*]",
		`env[name="a]b"]`, "args[3]", "spec.a?c", "**[0]",
	} {
		p, err := kube.ParsePattern(s)
		if err != nil {
			t.Errorf("ParsePattern(%q): %v", s, err)
			continue
		}
		if p.String() != s {
			t.Errorf("ParsePattern(%q).String() = %q, want the source", s, p.String())
		}
		if q := kube.MustParsePattern(s); q.String() != s {
			t.Errorf("MustParsePattern(%q).String() = %q", s, q.String())
		}
	}
}

func TestParsePatternErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		offset int
		reason string
	}{
		{"path gap", "...image", 0,
			"patterns write any depth as **, not ..."},
		{"path unknown item", "containers[?]", 11,
			"patterns write any item as [*]; [?] is path syntax"},
		{"empty field", "a..b", 2,
			"two dots leave an empty field"},
		{"trailing dot", "spec.", 5,
			"a dot must be followed by a step"},
		{"unclosed bracket", "args[0", 4,
			"the bracket never closes"},
		{"space", "a b", 0,
			"a space must be quoted"},
		{"bad glob character", "metadata.labels.a+*", 16,
			"+ is not a bare name character even in a glob"},
		{"unterminated quote", `labels["helm.sh/*`, 7,
			"the quoted field never ends"},
		{"empty key value", "containers[name=]", 16,
			"an empty value must be quoted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := kube.ParsePattern(tt.input)
			if err == nil {
				t.Fatalf("ParsePattern(%q) = %v, want an error\nreason: %s", tt.input, p, tt.reason)
			}
			var pe *kube.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePattern(%q) error %T, want *kube.PathError", tt.input, err)
			}
			if pe.Offset != tt.offset {
				t.Errorf("ParsePattern(%q): offset %d (%v), want %d\nreason: %s", tt.input, pe.Offset, err, tt.offset, tt.reason)
			}
		})
	}
}

func TestMustParsePatternPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParsePattern(\"a..b\") did not panic")
		}
	}()
	kube.MustParsePattern("a..b")
}

func TestMatchLogic(t *testing.T) {
	all := []kube.Match{no, maybe, yes}
	tests := []struct {
		name   string
		op     func(a, b kube.Match) kube.Match
		table  [3][3]kube.Match // [a][b]
		reason string
	}{
		{"And", kube.Match.And, [3][3]kube.Match{
			{no, no, no},
			{no, maybe, maybe},
			{no, maybe, yes},
		}, "Kleene conjunction: the lesser answer"},
		{"Or", kube.Match.Or, [3][3]kube.Match{
			{no, maybe, yes},
			{maybe, maybe, yes},
			{yes, yes, yes},
		}, "Kleene disjunction: the greater answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [3][3]kube.Match
			for i, a := range all {
				for j, b := range all {
					got[i][j] = tt.op(a, b)
				}
			}
			if diff := cmp.Diff(tt.table, got); diff != "" {
				t.Errorf("%s truth table mismatch (-want +got):\n%s\nreason: %s", tt.name, diff, tt.reason)
			}
		})
	}
	t.Run("Not", func(t *testing.T) {
		got := []kube.Match{no.Not(), maybe.Not(), yes.Not()}
		if diff := cmp.Diff([]kube.Match{yes, maybe, no}, got); diff != "" {
			t.Errorf("Not mismatch (-want +got):\n%s\nreason: negation swaps yes and no and keeps maybe", diff)
		}
	})
	t.Run("String", func(t *testing.T) {
		got := []string{no.String(), maybe.String(), yes.String(), kube.Match(7).String()}
		if diff := cmp.Diff([]string{"no", "maybe", "yes", "Match(?)"}, got); diff != "" {
			t.Errorf("String mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestGlob(t *testing.T) {
	tests := []struct {
		name, pattern, s string
		want             bool
		reason           string
	}{
		{"empty both", "", "", true, "nothing matches nothing"},
		{"empty pattern", "", "a", false, "an empty pattern matches only the empty name"},
		{"star empty", "*", "", true, "* matches the empty run"},
		{"star anything", "*", "helm.sh/chart", true, "* crosses '.' and '/'"},
		{"double star", "**", "", true, "two stars are still any run"},
		{"question empty", "?", "", false, "? needs one character"},
		{"question one", "?", "a", true, "? is one character"},
		{"question two", "?", "ab", false, "? is exactly one character"},
		{"question middle", "a?c", "abc", true, "? in the middle"},
		{"question too short", "a?c", "ac", false, "? cannot be empty"},
		{"prefix", "checksum/*", "checksum/config", true, "a literal prefix then anything"},
		{"prefix missing slash", "checksum/*", "checksum", false, "the literal part is required"},
		{"prefix empty run", "checksum/*", "checksum/", true, "the run after the prefix may be empty"},
		{"dotted prefix", "helm.sh/*", "helm.sh/chart", true, "'.' is literal in a glob"},
		{"dot is not a wildcard", "helm.sh/*", "helmxsh/chart", false, "'.' is not a regexp dot"},
		{"suffix", "*-secret", "db-secret", true, "anything then a literal suffix"},
		{"infix", "*web*", "my-web-app", true, "stars on both sides"},
		{"backtrack", "*ab", "aab", true, "the star must give back a character it first took"},
		{"backtrack deep", "a*b*c", "abxbxc", true, "each star backtracks independently"},
		{"backtrack fail", "a*b*c", "abxbx", false, "the final c is missing"},
		{"trailing stars", "a**", "a", true, "trailing stars match the empty run"},
		{"case", "App", "app", false, "matching is case-sensitive"},
		{"pathological", "*a*a*a*a*a*b", strings.Repeat("a", 60), false, "must fail without exponential backtracking"},
		{"multibyte question", "gr??e", "grüße", true, "? is one character, not one byte"},
		{"multibyte question count", "?", "é", true, "é is one character of two bytes"},
		{"multibyte star", "*??", "€", false, "€ is one character; the star must not split it to feed two ?"},
		{"multibyte literal", "*ß", "straß", true, "literal runes after a star"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kube.Glob(tt.pattern, tt.s); got != tt.want {
				t.Errorf("Glob(%q, %q) = %v, want %v\nreason: %s", tt.pattern, tt.s, got, tt.want, tt.reason)
			}
			if ref := refGlob(tt.pattern, tt.s); ref != tt.want {
				t.Errorf("reference glob disagrees with the table for (%q, %q)", tt.pattern, tt.s)
			}
		})
	}
}

// refGlob is a plain dynamic-programming glob over runes, to check Glob
// against.
func refGlob(pattern, s string) bool {
	p, n := []rune(pattern), []rune(s)
	// m[i][j]: p[i:] matches n[j:]
	m := make([][]bool, len(p)+1)
	for i := range m {
		m[i] = make([]bool, len(n)+1)
	}
	m[len(p)][len(n)] = true
	for i := len(p) - 1; i >= 0; i-- {
		for j := len(n); j >= 0; j-- {
			switch {
			case p[i] == '*':
				m[i][j] = m[i+1][j] || (j < len(n) && m[i][j+1])
			case j == len(n):
				m[i][j] = false
			case p[i] == '?':
				m[i][j] = m[i+1][j+1]
			default:
				m[i][j] = p[i] == n[j] && m[i+1][j+1]
			}
		}
	}
	return m[0][0]
}

func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"*", ""}, {"a*b?c", "axxbyc"}, {"*ab", "aab"}, {"gr??e", "grüße"}, {"*??", "€"}, {"?*?", "ab"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 256 {
			return
		}
		got := kube.Glob(pattern, s)
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return // the reference decodes every bad byte to the same rune
		}
		if want := refGlob(pattern, s); got != want {
			t.Fatalf("Glob(%q, %q) = %v, reference says %v", pattern, s, got, want)
		}
	})
}

// TestFirstField: a pattern names the first field of the paths it matches
// only when its first step is a plain field name; rule sets skip the rules
// whose patterns all name another first field than a change's path.
func TestFirstField(t *testing.T) {
	for _, c := range []struct {
		pattern, reason string
		want            kube.Field
		ok              bool
	}{
		{pattern: "spec.replicas", want: "spec", ok: true, reason: "a plain first field"},
		{pattern: `metadata.annotations["a.b/c"]`, want: "metadata", ok: true, reason: "the first field decides, whatever follows"},
		{pattern: `["spec"].template`, want: "spec", ok: true, reason: "a quoted first field is a field too"},
		{pattern: "spec*.replicas", reason: "a glob matches other first fields"},
		{pattern: "*.replicas", reason: "* is any first field"},
		{pattern: "**.image", reason: "** matches paths that start anywhere"},
		{pattern: "", reason: "the root has no first field"},
	} {
		got, ok := kube.MustParsePattern(c.pattern).FirstField()
		if got != c.want || ok != c.ok {
			t.Errorf("%q: FirstField() = %q, %v; want %q, %v (%s)", c.pattern, got, ok, c.want, c.ok, c.reason)
		}
	}
}
