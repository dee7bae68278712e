package kube

import (
	"strings"
	"unicode/utf8"
)

// Match is the three-valued answer of matching a pattern against a path that
// may hold unknown steps.
type Match int

const (
	// No: the pattern matches no path the input could stand for.
	No Match = iota
	// Maybe: the pattern matches some, but not all, paths the input could
	// stand for (an elided ancestor, an unidentified list item).
	Maybe
	// Yes: the pattern matches every path the input could stand for.
	Yes
)

func (m Match) String() string {
	switch m {
	case No:
		return "no"
	case Maybe:
		return "maybe"
	case Yes:
		return "yes"
	}
	return "Match(?)"
}

// And is the three-valued conjunction.
func (m Match) And(o Match) Match { return min(m, o) }

// Or is the three-valued disjunction.
func (m Match) Or(o Match) Match { return max(m, o) }

// Not is the three-valued negation.
func (m Match) Not() Match { return Yes - m }

// Pattern is a path pattern, anchored at the object root. Its syntax is that
// of [Path] plus wildcards:
//
//   - * is any one field: metadata.labels.*
//   - ** is zero or more steps of any kind: spec.template.**
//   - [*] is any list item: containers[*].image
//   - * and ? inside a field name or a key value are globs:
//     metadata.annotations.checksum/*, ["helm.sh/*"], containers[name=app-*]
//   - [name=app] matches the list item keyed name=app; [0] the first item.
type Pattern struct {
	src   string
	steps []token
	// certainSteps: no step can answer Maybe on an exact path (no index or
	// keyed steps), so exact paths take the fast path.
	certainSteps bool
}

// ParsePattern parses a path pattern.
func ParsePattern(s string) (Pattern, error) {
	if s == "" {
		return Pattern{src: s, certainSteps: true}, nil
	}
	toks, err := lexPath(s, true)
	if err != nil {
		return Pattern{}, err
	}
	certain := true
	for _, t := range toks {
		if t.kind == tokIndex || t.kind == tokKeyed {
			certain = false
		}
	}
	return Pattern{src: s, steps: toks, certainSteps: certain}, nil
}

// MustParsePattern is like [ParsePattern] but panics on error. It is meant
// for patterns written in Go source.
func MustParsePattern(s string) Pattern {
	p, err := ParsePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.src }

// FirstField returns the field every path the pattern matches starts
// with, when there is one: the pattern's first step is a field name
// without wildcards. A path whose first step is another field is never
// matched (not even Maybe); rule sets index their rules by it.
func (p Pattern) FirstField() (Field, bool) {
	if len(p.steps) == 0 || p.steps[0].kind != tokField || p.steps[0].glob {
		return "", false
	}
	return Field(p.steps[0].value), true
}

// Match reports whether the pattern matches path. For an exact path the
// answer is [Yes] or [No], except where the pattern names a list item in
// another way than the path does (an index against a key, or a key on
// another field: [name=web] against [containerPort=80]): whether that is
// the same item is not known, and the answer is [Maybe]. A path with a
// [Gap], [AnyItem] or [AnyField] step stands for many paths; the answer is
// [Yes] when the pattern matches every one of them, [Maybe] when it matches
// some, and [No] when it matches none.
//
// "Every one" is decided by a sufficient condition: each unknown step must
// fall under a wildcard that matches anything in its place (a gap under **,
// an unknown item under [*] or **, an unknown key under * or **). Where that
// condition fails but some instance matches, the answer is Maybe, which only
// ever makes a classification more cautious.
func (p Pattern) Match(path Path) Match {
	if p.certainSteps && path.Exact() {
		if p.exact(path) {
			return Yes
		}
		return No
	}
	if p.all(path) {
		return Yes
	}
	if p.some(path) {
		return Maybe
	}
	return No
}

// exact matches an exact path without allocating: steps are matched in
// turn, and ** backtracks like * in a glob.
func (p Pattern) exact(path Path) bool {
	i, j := 0, 0
	starI, starJ := -1, 0
	for j < len(path) {
		if i < len(p.steps) {
			if p.steps[i].kind == tokGap {
				starI, starJ = i, j
				i++
				continue
			}
			if stepMatch(p.steps[i], path[j]) == Yes {
				i++
				j++
				continue
			}
		}
		if starI >= 0 {
			starJ++
			i, j = starI+1, starJ
			continue
		}
		return false
	}
	for i < len(p.steps) && p.steps[i].kind == tokGap {
		i++
	}
	return i == len(p.steps)
}

func (p Pattern) isAnyDepth(i int) bool { return i < len(p.steps) && p.steps[i].kind == tokGap }

// some reports whether the pattern matches at least one path that path
// stands for.
func (p Pattern) some(path Path) bool {
	n, m := len(p.steps), len(path)
	memo := make([]int8, (n+1)*(m+1))
	var f func(i, j int) bool
	f = func(i, j int) bool {
		k := i*(m+1) + j
		if memo[k] != 0 {
			return memo[k] > 0
		}
		var r bool
		switch {
		case i == n && j == m:
			r = true
		case j < m && isGap(path[j]):
			// the gap is empty, or it swallows the next pattern step
			r = f(i, j+1) || (i < n && f(i+1, j))
		case p.isAnyDepth(i):
			r = f(i+1, j) || (j < m && f(i, j+1))
		case i == n || j == m:
			r = false
		default:
			r = stepMatch(p.steps[i], path[j]) != No && f(i+1, j+1)
		}
		if r {
			memo[k] = 1
		} else {
			memo[k] = -1
		}
		return r
	}
	return f(0, 0)
}

// all reports whether the pattern matches every path that path stands for,
// by the sufficient condition described at [Pattern.Match].
func (p Pattern) all(path Path) bool {
	n, m := len(p.steps), len(path)
	memo := make([]int8, (n+1)*(m+1))
	var f func(i, j int) bool
	f = func(i, j int) bool {
		k := i*(m+1) + j
		if memo[k] != 0 {
			return memo[k] > 0
		}
		var r bool
		switch {
		case i == n && j == m:
			r = true
		case j < m && isGap(path[j]):
			// only ** can stand in for an unknown number of unknown steps
			r = p.isAnyDepth(i) && (f(i, j+1) || f(i+1, j))
		case p.isAnyDepth(i):
			r = f(i+1, j) || (j < m && f(i, j+1))
		case i == n || j == m:
			r = false
		default:
			r = stepMatch(p.steps[i], path[j]) == Yes && f(i+1, j+1)
		}
		if r {
			memo[k] = 1
		} else {
			memo[k] = -1
		}
		return r
	}
	return f(0, 0)
}

func isGap(s Step) bool { _, ok := s.(Gap); return ok }

// stepMatch matches one pattern step against one path step (not a Gap).
func stepMatch(t token, s Step) Match {
	switch t.kind {
	case tokAnyField: // *
		switch s.(type) {
		case Field, AnyField:
			return Yes
		}
		return No
	case tokField:
		switch s := s.(type) {
		case Field:
			if t.glob {
				return boolMatch(Glob(t.value, string(s)))
			}
			return boolMatch(t.value == string(s))
		case AnyField:
			return Maybe
		}
		return No
	case tokAnyItem: // [*]
		switch s.(type) {
		case Index, Key, AnyItem:
			return Yes
		}
		return No
	case tokIndex:
		switch s := s.(type) {
		case Index:
			return boolMatch(Step(s) == t.step)
		case Key, AnyItem:
			return Maybe
		}
		return No
	case tokKeyed:
		switch s := s.(type) {
		case Key:
			if s.Field != t.field {
				return Maybe // the item is keyed by another field
			}
			if t.glob {
				return boolMatch(Glob(t.value, s.Value))
			}
			return boolMatch(t.value == s.Value)
		case Index, AnyItem:
			return Maybe
		}
		return No
	}
	return No
}

func boolMatch(b bool) Match {
	if b {
		return Yes
	}
	return No
}

// Glob reports whether name matches pattern, where '*' matches any run of
// characters (including '/' and '.') and '?' any single character (one
// rune, or one byte of invalid UTF-8).
func Glob(pattern, name string) bool {
	// iterative matcher with single-star backtracking: linear in practice
	px, nx := 0, 0
	starP, starN := -1, 0
	for nx < len(name) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starP, starN = px, nx
				px++
				continue
			case '?':
				_, size := utf8.DecodeRuneInString(name[nx:])
				px++
				nx += size
				continue
			default:
				if c == name[nx] {
					px++
					nx++
					continue
				}
			}
		}
		if starP >= 0 {
			_, size := utf8.DecodeRuneInString(name[starN:])
			starN += size
			px, nx = starP+1, starN
			continue
		}
		return false
	}
	return strings.Trim(pattern[px:], "*") == ""
}
