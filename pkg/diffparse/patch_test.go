package diffparse

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

// Every test of the package holds each tree patchFrom makes to the tree
// the fast reader builds from the same lines: a difference panics, so it
// fails the test (or fuzz target) that made it.
func init() {
	patchedHook = func(t *sideTree, lines []*bodyLine, typ *kube.Type) {
		var full sideTree
		full.build(lines, typ)
		if d := treeDifference(t, &full); d != "" {
			panic("a patched tree differs from the one read in full: " + d)
		}
	}
	patchedDiffHook = func(a, b *sideTree, ca, cb *counts, changes []semChange) {
		want := semanticDiff(a, b, ca, cb, false)
		if !reflect.DeepEqual(changes, want) {
			panic(fmt.Sprintf("the comparison of a patched tree differs from the general one: %+v, want %+v", changes, want))
		}
	}
}

// treeDifference describes the first difference between two trees of the
// same lines, or returns "".
func treeDifference(a, b *sideTree) string {
	switch {
	case len(a.nodes) != len(b.nodes):
		return fmt.Sprintf("%d nodes, want %d", len(a.nodes), len(b.nodes))
	case !slices.Equal(a.owner, b.owner):
		return fmt.Sprintf("line owners %v, want %v", a.owner, b.owner)
	case !slices.Equal(a.stack, b.stack):
		return fmt.Sprintf("open containers %v, want %v", a.stack, b.stack)
	case !slices.Equal(a.odd, b.odd) || a.oddCount != b.oddCount:
		return fmt.Sprintf("odd lines %v (%d), want %v (%d)", a.odd, a.oddCount, b.odd, b.oddCount)
	case !slices.Equal(a.strs, b.strs):
		return fmt.Sprintf("strings %q, want %q", a.strs, b.strs)
	case a.gaps != b.gaps || a.cont != b.cont || a.barrier != b.barrier || a.recent != b.recent || a.tooDeep != b.tooDeep || a.exact != b.exact,
		// the state of a scalar being continued (stale when none is)
		a.cont >= 0 && (a.contFloor != b.contFloor || a.leadBlank != b.leadBlank || a.flowDepth != b.flowDepth):
		return fmt.Sprintf("the reader's state after the last line differs: %v, want %v",
			[]any{a.gaps, a.cont, a.contFloor, a.leadBlank, a.flowDepth, a.barrier, a.recent, a.tooDeep, a.exact},
			[]any{b.gaps, b.cont, b.contFloor, b.leadBlank, b.flowDepth, b.barrier, b.recent, b.tooDeep, b.exact})
	}
	for n := range a.nodes {
		if a.nodes[n] != b.nodes[n] {
			return fmt.Sprintf("node %d is %+v (%q: %q), want %+v (%q: %q)", n,
				a.nodes[n], a.keyOf(int32(n)), a.rawOf(int32(n)), b.nodes[n], b.keyOf(int32(n)), b.rawOf(int32(n)))
		}
	}
	return ""
}

// sideLines makes the body lines of one side's document.
func sideLines(doc []string, side uint8, first int) []*bodyLine {
	ls := make([]*bodyLine, len(doc))
	for i, s := range doc {
		ls[i] = &bodyLine{text: s, no: int32(first + i), side: side}
		for j := 0; j < len(s); j++ {
			switch {
			case s[j] == '\t':
				ls[i].tab = true
			case s[j] >= 0x80:
				ls[i].wide = true
			}
		}
	}
	return ls
}

// patched builds old's tree, then new's by patchFrom; it returns whether
// patchFrom took it, and the difference from new's tree read in full.
func patched(old, new []string) (bool, string) {
	oldL := sideLines(old, sideOld, 1)
	newL := sideLines(new, sideNew, 1+len(old))
	for i := range oldL {
		if i < len(newL) && old[i] == new[i] {
			newL[i] = oldL[i] // a context line is one line of both sides
			oldL[i].side = sideOld | sideNew
		}
	}
	var o, p, full sideTree
	o.build(oldL, nil)
	if !p.patchFrom(&o, oldL, newL) {
		return false, ""
	}
	full.build(newL, nil)
	return true, treeDifference(&p, &full)
}

// TestPatchedTree says which rewrites patchFrom takes, and holds each one
// it takes to the full reading. Each refusal below is a line the reader
// would read differently: a patched tree would then be wrong.
func TestPatchedTree(t *testing.T) {
	base := []string{
		"metadata:",
		"  labels:",
		"    helm.sh/chart: app-1.0.0",
		"  annotations:",
		`    checksum/config: "abc"`,
		"spec:",
		"  containers:",
		"    - name: api",
		"      image: registry/api:1.0",
		"      args:",
		"        - --level=info",
		"  script: |",
		"    echo one",
		"    echo two",
		"  # a comment",
		"  after: x",
	}
	tests := []struct {
		name string
		line int
		new  string
		take bool
	}{
		{"a label's plain value", 2, "    helm.sh/chart: app-1.0.1", true},
		{"an image tag", 8, "      image: registry/api:1.1", true},
		{"a quoted value", 4, `    checksum/config: "def ghi"`, true},
		{"a list item's value", 10, "        - --level=debug", true},
		{"a block scalar's content", 12, "    echo three", true},
		{"a key of a list item", 7, "    - name: web", true},
		{"a plain value that becomes quoted: the plain one may continue on the next lines", 2, `    helm.sh/chart: "app-1.0.1"`, false},
		{"a value with a comment after it", 2, "    helm.sh/chart: app # x", false},
		{"a value that becomes a block scalar", 8, "      image: |", false},
		{"a value that becomes a flow collection", 8, "      image: [a, b]", false},
		{"a value that becomes an anchor", 8, "      image: &i registry/api:1.1", false},
		{"a value that becomes an alias", 8, "      image: *i", false},
		{"a value that becomes a key and value", 10, "        - --level: debug", false},
		{"a value that becomes a nested item", 10, "        - - x", false},
		{"a value that holds \": \"", 8, "      image: a: b", false},
		{"a renamed key", 2, "    helm.sh/charts: app-1.0.0", false},
		{"a deeper line", 2, "     helm.sh/chart: app-1.0.1", false},
		{"a tab", 2, "    helm.sh/chart: app\t1", false},
		{"a byte outside ASCII", 2, "    helm.sh/chart: app-ü", false},
		{"a comment that becomes a key", 14, "  before: y", false},
		{"block content that becomes less indented", 12, "  echo three", false},
		{"block content that becomes blank", 12, "    ", false},
		{"a key with no value that gets one", 9, "      args: x", false},
		{"an open quote", 4, `    checksum/config: "abc`, false},
		{"text after a closed quote", 4, `    checksum/config: "abc" "def"`, false},
		{"a quote inside a quoted value", 4, `    checksum/config: "ab"c"`, false},
		{"a value that gains a trailing space: the value ends before it", 2, "    helm.sh/chart: app-1.0.1 ", false},
		{"a tab that starts a block's first line", 12, "    \techo one", false},
		{"a tab inside a block's line", 13, "    echo\ttwo", false},
		{"a value that moves right: it starts after the spaces", 2, "    helm.sh/chart:  app-1.0.1", false},
		{"an escape go-yaml refuses", 4, `    checksum/config: "\/"`, false},
		{"a value YAML does not read as plain text", 8, "      image: @x", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			new := slices.Clone(base)
			new[tc.line] = tc.new
			took, diff := patched(base, new)
			if diff != "" {
				t.Fatalf("the patched tree is wrong: %s", diff)
			}
			if took != tc.take {
				t.Errorf("patchFrom took the rewrite: %v, want %v", took, tc.take)
			}
		})
	}
}

// TestPatchedTreeDocuments: more rewrites patchFrom refuses, each in a
// document of its own.
func TestPatchedTreeDocuments(t *testing.T) {
	// the value is the first line nested too deep
	deep := make([]string, 0, maxNesting+1)
	for i := range maxNesting {
		deep = append(deep, strings.Repeat(" ", i)+"k:")
	}
	deep = append(deep, strings.Repeat(" ", maxNesting)+"v: 1")
	tests := []struct {
		name     string
		old, new []string
	}{
		{
			// " - y" continues the plain scalar "b": the value is "b - y"
			"a later line of a plain scalar that looks like an item",
			[]string{"a: b", " - y"}, []string{"a: b", " - z"},
		},
		{
			// the blank line is the block's, the text is not: it is not
			// deeper than the key
			"a blank line in a block scalar that becomes text",
			[]string{"a: |", "  x", " ", "  y"}, []string{"a: |", "  x", " z", "  y"},
		},
		{
			"a key renamed to one as long",
			[]string{"a:", "  bb: 1"}, []string{"a:", "  bc: 1"},
		},
		{
			// the odd line's number is the old side's
			"a key YAML reads as a boolean",
			[]string{"a:", "  on: 1"}, []string{"a:", "  on: 2"},
		},
		{
			// the nesting error's line is the old side's
			"a value nested too deep",
			deep, append(slices.Clone(deep[:len(deep)-1]), strings.Repeat(" ", maxNesting)+"v: 2"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			took, diff := patched(tc.old, tc.new)
			if diff != "" {
				t.Fatalf("the patched tree is wrong: %s", diff)
			}
			if took {
				t.Errorf("patchFrom took the rewrite")
			}
		})
	}
}

// FuzzPatchedTree is the differential test of patchFrom: whenever it
// takes a rewrite of a document's lines, its tree must be the one the
// fast reader builds from the new lines. The input is a document, a line
// "===" and one replacement per line of it: empty keeps the line, "=x"
// replaces the whole line by x, anything else replaces the line's value.
func FuzzPatchedTree(f *testing.F) {
	for _, lines := range captureDocuments(f) {
		vals := make([]string, len(lines))
		for i, l := range lines {
			switch {
			case i%7 == 3 && valueStart(l) > 0:
				vals[i] = "changed-" + fmt.Sprint(i)
			case i%11 == 5:
				vals[i] = "=" + strings.Replace(l, "  ", "   ", 1)
			}
		}
		f.Add(strings.Join(lines, "\n") + "\n===\n" + strings.Join(vals, "\n"))
	}
	f.Add("a: 1\nb: |\n  x\n  y\nc:\n- d\n===\n2\n\n=  z\n\n\nq: r")
	f.Fuzz(func(t *testing.T, s string) {
		doc, repl, ok := strings.Cut(s, "\n===\n")
		if !ok || len(s) > 1<<16 {
			return
		}
		old := strings.Split(doc, "\n")
		vals := strings.Split(repl, "\n")
		new := slices.Clone(old)
		for i := range new {
			if i >= len(vals) || vals[i] == "" {
				continue
			}
			if whole, ok := strings.CutPrefix(vals[i], "="); ok {
				new[i] = whole
			} else if p := valueStart(new[i]); p > 0 {
				new[i] = new[i][:p] + vals[i]
			}
		}
		if _, diff := patched(old, new); diff != "" {
			t.Fatalf("the patched tree is wrong: %s\nold:\n%s\nnew:\n%s", diff, strings.Join(old, "\n"), strings.Join(new, "\n"))
		}
	})
}
