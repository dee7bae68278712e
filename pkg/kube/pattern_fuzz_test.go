package kube_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

// FuzzPatternMatch matches arbitrary patterns against arbitrary paths and
// checks what must hold whatever they are:
//
//   - Match never panics and answers No, Maybe or Yes;
//   - an exact path of fields only is never answered Maybe (only list
//     items identified differently, or unknown steps, leave room for doubt);
//   - a path with a leading Gap stands for more paths than the same path
//     without it (the gap may be empty): No for the first means No for the
//     second, and Yes means Yes;
//   - likewise for every instance made by filling the unknown steps in.
func FuzzPatternMatch(f *testing.F) {
	for _, tt := range exactMatchCases {
		f.Add(tt.pattern, tt.path)
	}
	for _, tt := range inexactMatchCases {
		f.Add(tt.pattern, tt.path)
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		if len(pattern) > 200 || len(path) > 200 {
			return
		}
		pat, err := kube.ParsePattern(pattern)
		if err != nil {
			return
		}
		p, err := kube.ParsePath(path)
		if err != nil {
			return
		}
		got := pat.Match(p)
		if got != kube.No && got != kube.Maybe && got != kube.Yes {
			t.Fatalf("Match(%q, %q) = %d", pattern, path, got)
		}
		if p.Exact() && fieldsOnly(p) && got == kube.Maybe {
			t.Fatalf("Match(%q, %q) = maybe for an exact path of fields", pattern, path)
		}
		if p.Exact() {
			return
		}
		for _, inst := range instances(p) {
			m := pat.Match(inst)
			if got == kube.No && m != kube.No || got == kube.Yes && m != kube.Yes {
				t.Fatalf("Match(%q, %q) = %v, but its instance %q gives %v", pattern, path, got, inst, m)
			}
		}
	})
}

func fieldsOnly(p kube.Path) bool {
	for _, s := range p {
		if _, ok := s.(kube.Field); !ok {
			return false
		}
	}
	return true
}

// instances returns a few of the paths that p stands for: its Gap removed
// or filled with common ancestors, its unknown items and keys filled in.
func instances(p kube.Path) []kube.Path {
	gaps := [][]kube.Step{
		nil,
		{kube.Field("spec")},
		{kube.Field("spec"), kube.Field("template")},
		{kube.Field("items"), kube.Index(0)},
		{kube.Field("list"), kube.Key{Field: "name", Value: "web"}},
	}
	items := []kube.Step{kube.Index(0), kube.Index(3), kube.Key{Field: "name", Value: "web"}, kube.Key{Field: "port", Value: "80"}}
	fields := []kube.Step{kube.Field("app"), kube.Field("helm.sh/chart"), kube.Field("x")}
	return fill(p, gaps, items, fields, 200)
}

// fill returns the paths p stands for: its Gap replaced by each of gaps,
// each AnyItem by each of items, each AnyField by each of fields. With
// limit > 0, at most limit paths are kept after each step.
func fill(p kube.Path, gaps [][]kube.Step, items, fields []kube.Step, limit int) []kube.Path {
	out := []kube.Path{{}}
	for i, s := range p {
		var choices [][]kube.Step
		switch s.(type) {
		case kube.Gap:
			if i != 0 {
				panic("gap not first")
			}
			choices = gaps
		case kube.AnyItem:
			for _, c := range items {
				choices = append(choices, []kube.Step{c})
			}
		case kube.AnyField:
			for _, c := range fields {
				choices = append(choices, []kube.Step{c})
			}
		default:
			choices = [][]kube.Step{{s}}
		}
		var next []kube.Path
		for _, prefix := range out {
			for _, c := range choices {
				next = append(next, append(append(kube.Path{}, prefix...), c...))
			}
		}
		out = next
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
	}
	return out
}

// FuzzPatternReference builds a pattern and a path from a small palette of
// steps, prints the pattern, parses it, and compares Match with a naive
// reference matcher that tries every alignment of the pattern with the
// path. Unknown steps in the path are checked through their instances.
func FuzzPatternReference(f *testing.F) {
	f.Add([]byte{3, 0, 6, 1, 0, 2, 0, 1})
	f.Add([]byte{2, 6, 7, 0x82, 12, 13})
	f.Add([]byte{4, 6, 2, 6, 10, 0x43, 1, 12, 13})
	f.Add([]byte{5, 0, 1, 8, 11, 5, 0x85, 0, 1, 7, 9, 13})
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, path, ok := decodeCase(data)
		if !ok {
			return
		}
		src := renderPattern(ps)
		pat, err := kube.ParsePattern(src)
		if err != nil {
			t.Fatalf("ParsePattern(%q): %v", src, err)
		}
		if pat.String() != src {
			t.Fatalf("ParsePattern(%q).String() = %q", src, pat.String())
		}
		if back, err := kube.ParsePath(path.String()); err != nil || !back.Equal(path) {
			t.Fatalf("path %#v: String %q reads back as %#v, %v", path, path.String(), back, err)
		}
		got := pat.Match(path)
		if path.Exact() {
			if want := refMatch(ps, path); got != want {
				t.Fatalf("Match(%q, %q) = %v, reference says %v", src, path, got, want)
			}
			return
		}
		lo, hi := kube.Yes, kube.No
		for _, inst := range refInstances(path) {
			m := refMatch(ps, inst)
			lo, hi = lo.And(m), hi.Or(m)
		}
		switch got {
		case kube.Yes:
			if lo != kube.Yes {
				t.Fatalf("Match(%q, %q) = yes, but some instance is %v", src, path, lo)
			}
		case kube.No:
			if hi != kube.No {
				t.Fatalf("Match(%q, %q) = no, but some instance is %v", src, path, hi)
			}
		case kube.Maybe:
			// Every instance the gap needs is enumerated when the pattern
			// has at most two fixed steps.
			if hi == kube.No && (!path.Elided() || fixedSteps(ps) <= 2) {
				t.Fatalf("Match(%q, %q) = maybe, but no instance matches", src, path)
			}
		}
	})
}

type refKind int

const (
	refLit       refKind = iota // a literal field name
	refFieldGlob                // a field name glob
	refAnyField                 // *
	refAnyDepth                 // **
	refAnyItem                  // [*]
	refIndex                    // [n]
	refKey                      // [field=value], value a glob unless quoted
)

type refStep struct {
	kind   refKind
	text   string // how the step is written in a pattern
	name   string // field name or glob; key value
	field  string // key field
	index  int
	quoted bool // key value quoted: literal
}

var patternPalette = []refStep{
	{kind: refLit, text: "a", name: "a"},
	{kind: refLit, text: "b", name: "b"},
	{kind: refLit, text: `["x.y"]`, name: "x.y"},
	{kind: refFieldGlob, text: "a*", name: "a*"},
	{kind: refFieldGlob, text: "?", name: "?"},
	{kind: refAnyField, text: "*"},
	{kind: refAnyDepth, text: "**"},
	{kind: refAnyItem, text: "[*]"},
	{kind: refIndex, text: "[0]", index: 0},
	{kind: refIndex, text: "[1]", index: 1},
	{kind: refKey, text: "[name=a]", field: "name", name: "a"},
	{kind: refKey, text: "[name=a*]", field: "name", name: "a*"},
	{kind: refKey, text: `[port="a*"]`, field: "port", name: "a*", quoted: true},
	{kind: refFieldGlob, text: `["b*"]`, name: "b*"},
}

var pathPalette = []kube.Step{
	kube.Field("a"), kube.Field("b"), kube.Field("x.y"), kube.Field("ab"), kube.Field("a*"), kube.Field("c"),
	kube.Index(0), kube.Index(1),
	kube.Key{Field: "name", Value: "a"}, kube.Key{Field: "name", Value: "ab"},
	kube.Key{Field: "port", Value: "a*"}, kube.Key{Field: "port", Value: "a"},
}

// gapPalette fills gaps: one instance of every pattern step.
var gapPalette = []kube.Step{
	kube.Field("a"), kube.Field("b"), kube.Field("x.y"), kube.Field("b*"), kube.Field("c"),
	kube.Index(0), kube.Index(1), kube.Key{Field: "name", Value: "a"}, kube.Key{Field: "port", Value: "a*"},
}

// decodeCase reads a pattern and a path from fuzz bytes:
// byte 0: pattern length (mod 6), then that many palette indexes; then a
// byte whose low bits give the path length (mod 5), bit 7 a leading gap;
// then path steps, where indexes past the palette are [?] or ?.
func decodeCase(data []byte) ([]refStep, kube.Path, bool) {
	if len(data) < 2 {
		return nil, nil, false
	}
	n := int(data[0]) % 6
	data = data[1:]
	if len(data) < n+1 {
		return nil, nil, false
	}
	var ps []refStep
	for _, b := range data[:n] {
		ps = append(ps, patternPalette[int(b)%len(patternPalette)])
	}
	data = data[n:]
	m, gap := int(data[0]&0x7f)%5, data[0]&0x80 != 0
	data = data[1:]
	if len(data) < m {
		return nil, nil, false
	}
	var path kube.Path
	if gap {
		path = append(path, kube.Gap{})
	}
	unknown := 0
	for _, b := range data[:m] {
		switch i := int(b) % (len(pathPalette) + 2); {
		case i < len(pathPalette):
			path = append(path, pathPalette[i])
		case i == len(pathPalette):
			path = append(path, kube.AnyItem{})
			unknown++
		default:
			path = append(path, kube.AnyField{})
			unknown++
		}
	}
	if unknown > 2 {
		return nil, nil, false
	}
	return ps, path, true
}

func renderPattern(ps []refStep) string {
	var b strings.Builder
	for i, s := range ps {
		if i > 0 && !strings.HasPrefix(s.text, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s.text)
	}
	return b.String()
}

func fixedSteps(ps []refStep) int {
	n := 0
	for _, s := range ps {
		if s.kind != refAnyDepth {
			n++
		}
	}
	return n
}

// refMatch is the specification of Match for exact paths: the best answer
// over all alignments of pattern steps with path steps, where an
// alignment's answer is its worst step.
func refMatch(ps []refStep, p kube.Path) kube.Match {
	if len(ps) == 0 {
		if len(p) == 0 {
			return kube.Yes
		}
		return kube.No
	}
	if ps[0].kind == refAnyDepth {
		m := refMatch(ps[1:], p)
		if len(p) > 0 {
			m = m.Or(refMatch(ps, p[1:]))
		}
		return m
	}
	if len(p) == 0 {
		return kube.No
	}
	return refStepMatch(ps[0], p[0]).And(refMatch(ps[1:], p[1:]))
}

func refStepMatch(s refStep, st kube.Step) kube.Match {
	answer := func(b bool) kube.Match {
		if b {
			return kube.Yes
		}
		return kube.No
	}
	switch st := st.(type) {
	case kube.Field:
		switch s.kind {
		case refLit:
			return answer(s.name == string(st))
		case refFieldGlob:
			return answer(refGlob(s.name, string(st)))
		case refAnyField:
			return kube.Yes
		}
		return kube.No
	case kube.Index:
		switch s.kind {
		case refAnyItem:
			return kube.Yes
		case refIndex:
			return answer(s.index == int(st))
		case refKey:
			return kube.Maybe // the item at this position may have the key
		}
		return kube.No
	case kube.Key:
		switch s.kind {
		case refAnyItem:
			return kube.Yes
		case refIndex:
			return kube.Maybe // the keyed item may be at this position
		case refKey:
			if s.field != st.Field {
				return kube.Maybe // keyed by another field: may have this key too
			}
			if s.quoted {
				return answer(s.name == st.Value)
			}
			return answer(refGlob(s.name, st.Value))
		}
		return kube.No
	}
	panic("refStepMatch: inexact step")
}

// refInstances enumerates the instances of an inexact path: the gap as
// zero to two steps of gapPalette, each unknown item or key as every
// palette step of its kind.
func refInstances(p kube.Path) []kube.Path {
	var fills [][]kube.Step
	fills = append(fills, nil)
	for _, a := range gapPalette {
		fills = append(fills, []kube.Step{a})
		for _, b := range gapPalette {
			fills = append(fills, []kube.Step{a, b})
		}
	}
	var items, fields []kube.Step
	for _, s := range append(append([]kube.Step{}, pathPalette...), gapPalette...) {
		switch s.(type) {
		case kube.Field:
			fields = append(fields, s)
		default:
			items = append(items, s)
		}
	}
	return fill(p, fills, items, fields, 0)
}
