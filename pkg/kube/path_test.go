package kube_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/kube"
)

// mustPath parses a path written in a test table.
func mustPath(t testing.TB, s string) kube.Path {
	t.Helper()
	p, err := kube.ParsePath(s)
	if err != nil {
		t.Fatalf("ParsePath(%q): %v", s, err)
	}
	return p
}

// canonicalPaths pairs paths built from steps with their canonical text.
// TestCanonicalPaths and FuzzPathRoundTrip read it.
var canonicalPaths = []struct {
	name   string
	path   kube.Path
	text   string
	reason string
}{
	{
		name:   "root",
		path:   kube.Path{},
		text:   "",
		reason: "the empty path is the object itself and prints as nothing",
	},
	{
		name:   "one field",
		path:   kube.Path{kube.Field("spec")},
		text:   "spec",
		reason: "a root field has no leading dot",
	},
	{
		name:   "dotted fields",
		path:   kube.Path{kube.Field("spec"), kube.Field("replicas")},
		text:   "spec.replicas",
		reason: "bare fields are joined by dots",
	},
	{
		name:   "slash in a bare field",
		path:   kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field("checksum/config")},
		text:   "metadata.annotations.checksum/config",
		reason: "'/' is allowed in bare names, so annotation keys without dots need no quotes",
	},
	{
		name:   "quoted field",
		path:   kube.Path{kube.Field("metadata"), kube.Field("labels"), kube.Field("helm.sh/chart")},
		text:   `metadata.labels["helm.sh/chart"]`,
		reason: "a '.' in a name would read as a separator, so the name is quoted in brackets without a dot",
	},
	{
		name:   "unquoted dots split fields",
		path:   kube.Path{kube.Field("metadata"), kube.Field("labels"), kube.Field("helm"), kube.Field("sh/chart")},
		text:   "metadata.labels.helm.sh/chart",
		reason: "written bare, helm.sh/chart is two fields; this is why the label key above is quoted",
	},
	{
		name:   "quoted root field",
		path:   kube.Path{kube.Field("a b"), kube.Field("c")},
		text:   `["a b"].c`,
		reason: "a quoted field can start a path, and a bare field after it takes a dot",
	},
	{
		name:   "empty field name",
		path:   kube.Path{kube.Field("data"), kube.Field("")},
		text:   `data[""]`,
		reason: "an empty mapping key is legal YAML and must still print as something ParsePath reads back",
	},
	{
		name:   "field named like a wildcard",
		path:   kube.Path{kube.Field("data"), kube.Field("?")},
		text:   `data["?"]`,
		reason: "a key literally named ? is quoted so that it is not read as AnyField",
	},
	{
		name:   "field named like a gap",
		path:   kube.Path{kube.Field("...")},
		text:   `["..."]`,
		reason: "a key literally named ... is quoted so that it is not read as a Gap",
	},
	{
		name:   "non-ASCII field",
		path:   kube.Path{kube.Field("data"), kube.Field("grüße\n")},
		text:   `data["grüße\n"]`,
		reason: "quoting follows strconv.Quote: printable runes stay, control characters are escaped",
	},
	{
		name:   "index",
		path:   kube.Path{kube.Field("spec"), kube.Field("args"), kube.Index(3)},
		text:   "spec.args[3]",
		reason: "a list position is a bracketed decimal with no dot before it",
	},
	{
		name:   "index then field",
		path:   kube.Path{kube.Field("rules"), kube.Index(0), kube.Field("host")},
		text:   "rules[0].host",
		reason: "a field after a list step takes a dot",
	},
	{
		name:   "nested indexes",
		path:   kube.Path{kube.Field("matrix"), kube.Index(10), kube.Index(0)},
		text:   "matrix[10][0]",
		reason: "consecutive list steps are adjacent brackets",
	},
	{
		name:   "index at the root",
		path:   kube.Path{kube.Index(1), kube.Field("a")},
		text:   "[1].a",
		reason: "a path may start with a list step (a list-valued document)",
	},
	{
		name: "keyed item",
		path: kube.Path{kube.Field("spec"), kube.Field("template"), kube.Field("spec"),
			kube.Field("containers"), kube.Key{Field: "name", Value: "web"}, kube.Field("image")},
		text:   "spec.template.spec.containers[name=web].image",
		reason: "name-keyed list items print as [field=value]",
	},
	{
		name:   "key value with slash, dot and colon",
		path:   kube.Path{kube.Field("volumeMounts"), kube.Key{Field: "mountPath", Value: "/var/lib/data.d:x"}},
		text:   "volumeMounts[mountPath=/var/lib/data.d:x]",
		reason: "'/', '.' and ':' are allowed bare in key values (mount paths, hostnames, images)",
	},
	{
		name:   "quoted key value",
		path:   kube.Path{kube.Field("env"), kube.Key{Field: "name", Value: "a]b"}},
		text:   `env[name="a]b"]`,
		reason: "a ']' would end the brackets, so the value is quoted",
	},
	{
		name:   "key value with spaces and equals",
		path:   kube.Path{kube.Field("items"), kube.Key{Field: "key", Value: "x = y"}},
		text:   `items[key="x = y"]`,
		reason: "spaces and '=' are not bare value characters",
	},
	{
		name:   "empty key value",
		path:   kube.Path{kube.Field("env"), kube.Key{Field: "name", Value: ""}},
		text:   `env[name=""]`,
		reason: "an empty value must be quoted; [name=] is rejected",
	},
	{
		name:   "key value that is a question mark",
		path:   kube.Path{kube.Field("env"), kube.Key{Field: "name", Value: "?"}},
		text:   `env[name="?"]`,
		reason: "the value ? is quoted so that it never looks like an unknown item",
	},
	{
		name:   "numeric key value",
		path:   kube.Path{kube.Field("ports"), kube.Key{Field: "containerPort", Value: "8080"}},
		text:   "ports[containerPort=8080]",
		reason: "ports are keyed by number; digits are bare value characters",
	},
	{
		name:   "unidentified item",
		path:   kube.Path{kube.Field("containers"), kube.AnyItem{}, kube.Field("image")},
		text:   "containers[?].image",
		reason: "AnyItem prints as [?]",
	},
	{
		name:   "unknown field",
		path:   kube.Path{kube.Field("metadata"), kube.Field("labels"), kube.AnyField{}},
		text:   "metadata.labels.?",
		reason: "AnyField prints as ? and takes a dot like a field",
	},
	{
		name:   "unknown field at the root",
		path:   kube.Path{kube.AnyField{}, kube.Field("x")},
		text:   "?.x",
		reason: "AnyField at the root has no leading dot",
	},
	{
		name:   "gap alone",
		path:   kube.Path{kube.Gap{}},
		text:   "...",
		reason: "a path that is nothing but elided ancestors",
	},
	{
		name:   "gap then fields",
		path:   kube.Path{kube.Gap{}, kube.Field("labels"), kube.Field("app")},
		text:   "...labels.app",
		reason: "no dot is written between the gap and the first known field",
	},
	{
		name:   "gap then keyed item",
		path:   kube.Path{kube.Gap{}, kube.Key{Field: "name", Value: "web"}, kube.Field("image")},
		text:   "...[name=web].image",
		reason: "an item of a detached list follows the gap directly",
	},
	{
		name:   "gap then quoted field",
		path:   kube.Path{kube.Gap{}, kube.Field("helm.sh/chart")},
		text:   `...["helm.sh/chart"]`,
		reason: "a quoted field after the gap keeps its brackets",
	},
	{
		name:   "gap then unknown field",
		path:   kube.Path{kube.Gap{}, kube.AnyField{}},
		text:   "...?",
		reason: "AnyField after a gap has no dot, like a field",
	},
	{
		name:   "gap then unknown item",
		path:   kube.Path{kube.Gap{}, kube.AnyItem{}, kube.Field("name")},
		text:   "...[?].name",
		reason: "AnyItem after a gap is written directly",
	},
}

// TestCanonicalPaths checks each canonical path both ways: String prints
// its text, ParsePath reads the text back as the same steps, and the round
// trip ParsePath(p.String()) gives p (by Equal too) and prints stably.
func TestCanonicalPaths(t *testing.T) {
	for _, tt := range canonicalPaths {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.path.String()
			if s != tt.text {
				t.Errorf("String() = %q, want %q\nreason: %s", s, tt.text, tt.reason)
			}
			parsed, err := kube.ParsePath(tt.text)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v\nreason: %s", tt.text, err, tt.reason)
			}
			if diff := cmp.Diff(tt.path, parsed); diff != "" {
				t.Errorf("ParsePath(%q) mismatch (-want +got):\n%s\nreason: %s", tt.text, diff, tt.reason)
			}
			got, err := kube.ParsePath(s)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v", s, err)
			}
			if !got.Equal(tt.path) {
				t.Errorf("ParsePath(%q) = %#v, want %#v\nreason: %s", s, got, tt.path, tt.reason)
			}
			if again := got.String(); again != s {
				t.Errorf("String not stable: %q then %q", s, again)
			}
		})
	}
}

// TestParsePathNonCanonical covers inputs ParsePath accepts although
// String never prints them; each reads as the canonical path.
func TestParsePathNonCanonical(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		want   string // canonical form
		reason string
	}{
		{
			name:   "quoted bare field",
			input:  `metadata["name"]`,
			want:   "metadata.name",
			reason: "quoting a name that needs none is allowed; the field is the same",
		},
		{
			name:   "dot before brackets",
			input:  `metadata.["helm.sh/chart"]`,
			want:   `metadata["helm.sh/chart"]`,
			reason: "a dot before a quoted field is tolerated",
		},
		{
			name:   "dot before index",
			input:  "args.[0]",
			want:   "args[0]",
			reason: "a dot before a list step is tolerated",
		},
		{
			name:   "quoted bare key value",
			input:  `env[name="DB_HOST"]`,
			want:   "env[name=DB_HOST]",
			reason: "a quoted value that needs no quotes is the same value",
		},
		{
			name:   "escaped quoted name",
			input:  `data["\x41"]`,
			want:   "data.A",
			reason: "Go escapes are decoded, so \\x41 is the name A",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kube.ParsePath(tt.input)
			if err != nil {
				t.Fatalf("ParsePath(%q): %v\nreason: %s", tt.input, err, tt.reason)
			}
			if got.String() != tt.want {
				t.Errorf("ParsePath(%q).String() = %q, want %q\nreason: %s", tt.input, got.String(), tt.want, tt.reason)
			}
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		offset int
		reason string
	}{
		{name: "leading dot", input: ".spec", offset: 0,
			reason: "a path never starts with a separator"},
		{name: "trailing dot", input: "spec.", offset: 5,
			reason: "the name after the last dot is missing, at the end of the input"},
		{name: "double dot", input: "spec..replicas", offset: 5,
			reason: "the field between the dots is empty"},
		{name: "four dots", input: "....spec", offset: 3,
			reason: "a gap is exactly three dots; the fourth is an error right after it"},
		{name: "gap not first", input: "spec...replicas", offset: 5,
			reason: "a gap may only lead the path; in the middle it is an empty field"},
		{name: "missing dot", input: "a[0]b", offset: 4,
			reason: "a field after a list step needs a dot"},
		{name: "unclosed bracket", input: "args[0", offset: 4,
			reason: "the offset is that of the opening bracket"},
		{name: "empty brackets", input: "args[]", offset: 5,
			reason: "[] is neither an index nor a key"},
		{name: "negative index", input: "args[-1]", offset: 5,
			reason: "list positions are not negative"},
		{name: "signed index", input: "args[+1]", offset: 5,
			reason: "an index is plain decimal digits; a sign is not canonical"},
		{name: "minus zero", input: "args[-0]", offset: 5,
			reason: "-0 would read as 0 but is not how String prints it"},
		{name: "leading zero", input: "args[01]", offset: 5,
			reason: "[01] is not the canonical [1]"},
		{name: "index overflow", input: "args[99999999999999999999999]", offset: 5,
			reason: "an index that does not fit an int is rejected, not wrapped"},
		{name: "pattern wildcard item", input: "args[*]", offset: 5,
			reason: "[*] is pattern syntax; paths write an unknown item as [?]"},
		{name: "pattern wildcard field", input: "labels.*", offset: 7,
			reason: "* is pattern syntax; paths write an unknown field as ?"},
		{name: "pattern any depth", input: "**.image", offset: 0,
			reason: "** is pattern syntax; paths write elided ancestors as ..."},
		{name: "unquoted space", input: "data.a b", offset: 5,
			reason: "a name with a space must be quoted"},
		{name: "question mark in name", input: "data.a?", offset: 5,
			reason: "? is only a whole step; inside a name it must be quoted"},
		{name: "unterminated quote", input: `data["abc]`, offset: 5,
			reason: "the quoted name never ends"},
		{name: "bad escape", input: `data["\q"]`, offset: 5,
			reason: "\\q is not a Go escape"},
		{name: "quoted name not closed by bracket", input: `data["a"x`, offset: 8,
			reason: "a quoted name must be followed by ']'"},
		{name: "empty key field", input: "env[=x]", offset: 4,
			reason: "the key field of [field=value] must be a bare name"},
		{name: "dotted key field", input: "env[a.b=x]", offset: 4,
			reason: "key fields are single bare names"},
		{name: "empty key value", input: "env[name=]", offset: 9,
			reason: "an empty value must be written quoted, as [name=\"\"]"},
		{name: "key value needs quotes", input: "env[name=a b]", offset: 9,
			reason: "a space is not a bare value character"},
		{name: "key value with equals", input: "env[name=a=b]", offset: 9,
			reason: "a second '=' is not a bare value character"},
		{name: "key missing bracket", input: "env[name=x", offset: 9,
			reason: "the offset is that of the value that is never closed"},
		{name: "quoted key value not closed", input: `env[name="x"y]`, offset: 12,
			reason: "a quoted value must be followed by ']'"},
		{name: "unterminated quoted key value", input: `env[name="x]`, offset: 9,
			reason: "the quote opened at offset 9 never closes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := kube.ParsePath(tt.input)
			if err == nil {
				t.Fatalf("ParsePath(%q) = %v, want an error\nreason: %s", tt.input, p, tt.reason)
			}
			var pe *kube.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePath(%q) error %T, want *kube.PathError", tt.input, err)
			}
			if pe.Offset != tt.offset || pe.Input != tt.input {
				t.Errorf("ParsePath(%q): error at offset %d of %q (%v), want offset %d\nreason: %s",
					tt.input, pe.Offset, pe.Input, err, tt.offset, tt.reason)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tt.input)) {
				t.Errorf("error %q does not quote the input", err)
			}
		})
	}
}

func TestPathMethods(t *testing.T) {
	p := mustPath(t, "spec.containers[name=web].image")
	elided := mustPath(t, "...containers[?].image")
	tests := []struct {
		name   string
		got    any
		want   any
		reason string
	}{
		{"Exact keyed", p.Exact(), true,
			"a keyed item is identified, so the path is exact"},
		{"Exact gap", elided.Exact(), false,
			"a gap hides ancestors"},
		{"Exact any item", mustPath(t, "a[?]").Exact(), false,
			"an unidentified item is not exact"},
		{"Exact any field", mustPath(t, "a.?").Exact(), false,
			"an unknown key is not exact"},
		{"Exact root", kube.Path{}.Exact(), true,
			"the root is known"},
		{"Elided", elided.Elided(), true,
			"the path starts with a Gap"},
		{"Elided exact", p.Elided(), false,
			"no leading Gap"},
		{"Elided root", kube.Path(nil).Elided(), false,
			"the root path has no steps"},
		{"Last", p.Last(), kube.Step(kube.Field("image")),
			"the final step"},
		{"Last root", kube.Path{}.Last(), kube.Step(nil),
			"the root has no last step"},
		{"Index 0", p.Index(0), kube.Step(kube.Field("spec")),
			"the first step"},
		{"Index -2", p.Index(-2), kube.Step(kube.Key{Field: "name", Value: "web"}),
			"negative indexes count from the end"},
		{"Index out of range", p.Index(4), kube.Step(nil),
			"there are four steps"},
		{"Index too negative", p.Index(-5), kube.Step(nil),
			"-5 is before the first step"},
		{"HasPrefix", p.HasPrefix(mustPath(t, "spec.containers")), true,
			"the first two steps agree"},
		{"HasPrefix root", p.HasPrefix(kube.Path{}), true,
			"every path starts with the root"},
		{"HasPrefix longer", mustPath(t, "spec").HasPrefix(p), false,
			"a prefix cannot be longer than the path"},
		{"HasPrefix other key", p.HasPrefix(mustPath(t, "spec.containers[name=api]")), false,
			"keys must agree in field and value"},
		{"HasPrefix index vs key", p.HasPrefix(mustPath(t, "spec.containers[0]")), false,
			"an index is not the same step as a key"},
		{"Equal", p.Equal(mustPath(t, "spec.containers[name=web].image")), true,
			"same steps"},
		{"Equal prefix", p.Equal(mustPath(t, "spec.containers[name=web]")), false,
			"different lengths"},
		{"Equal unknown steps", elided.Equal(mustPath(t, "...containers[?].image")), true,
			"Gap and AnyItem equal themselves"},
		{"Equal any field vs field", mustPath(t, "a.?").Equal(mustPath(t, `a["?"]`)), false,
			"an unknown key is not a key named ?"},
		{"Fields", p.Fields(), []string{"spec", "containers", "[name=web]", "image"},
			"each step printed alone, for messages"},
		{"Fields quoted", mustPath(t, `metadata.labels["helm.sh/chart"]`).Fields(), []string{"metadata", "labels", `["helm.sh/chart"]`},
			"a quoted field keeps its quotes"},
		{"Fields gap", elided.Fields(), []string{"...", "containers", "[?]", "image"},
			"the gap is its own step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

func TestPathChildDoesNotAlias(t *testing.T) {
	base := make(kube.Path, 1, 4) // spare capacity: append would share it
	base[0] = kube.Field("spec")
	a := base.Child(kube.Field("a"))
	b := base.Child(kube.Field("b"))
	if diff := cmp.Diff("spec.a spec.b spec", a.String()+" "+b.String()+" "+base.String()); diff != "" {
		t.Errorf("Child aliased its receiver (-want +got):\n%s", diff)
	}
}

// FuzzPathRoundTrip parses arbitrary text; whatever ParsePath accepts must
// print to a canonical form that parses back to the same path and prints
// the same again. ParsePath must never panic.
func FuzzPathRoundTrip(f *testing.F) {
	for _, tt := range canonicalPaths {
		f.Add(tt.text)
	}
	for _, s := range []string{
		"...", "....", "...[", `["`, `["\`, `a["\"]`, "a.[0]", "a.[", `env[name="a\"]b"]`,
		"[0][1][?]", "?.?", "...?.?", "a[b=c=d]", "a[b=\"c\"]]", "a[=]", "[+1]", "[\xff]", "\xff",
		`data["\xff"]`, `["\u00e9"]`, "a[99999999999999999999]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := kube.ParsePath(s)
		if err != nil {
			var pe *kube.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePath(%q): error %T, want *kube.PathError", s, err)
			}
			if pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("ParsePath(%q): offset %d outside the input", s, pe.Offset)
			}
			return
		}
		for i, st := range p {
			if st == nil {
				t.Fatalf("ParsePath(%q): nil step %d", s, i)
			}
			if _, gap := st.(kube.Gap); gap && i > 0 {
				t.Fatalf("ParsePath(%q) = %#v: Gap at step %d", s, p, i)
			}
		}
		out := p.String()
		q, err := kube.ParsePath(out)
		if err != nil {
			t.Fatalf("ParsePath(%q) = %#v, but its String %q does not parse: %v", s, p, out, err)
		}
		if !q.Equal(p) {
			t.Fatalf("round trip changed the path:\ninput  %q\nparsed %#v\nString %q\nparsed %#v", s, p, out, q)
		}
		if again := q.String(); again != out {
			t.Fatalf("String not stable: %q then %q", out, again)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("String of ParsePath(%q) = %q is not valid UTF-8", s, out)
		}
	})
}
