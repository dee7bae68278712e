package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/kube"
)

// BuiltinFallback is the fallback when no rules file sets one. Each call
// returns a fresh value.
func BuiltinFallback() Fallback {
	return Fallback{
		Level:  Disruptive,
		Reason: "no rule covers this change, so it is not understood: review it, or add a rule that says what it does",
	}
}

// Set is the effective rule set: layers of rules in precedence order, and
// the fallback. A Set is a value: it is built once by [NewSet] from its
// own copies of the rules, and nothing it hands out can change it, so one
// set can be shared by any number of reviews.
//
// Precedence: a change is decided by the highest layer that has a rule
// matching it, and within that layer by the most severe matching rule (on
// a tie of levels, one that forces replacement, then the first in the
// file); a matching rule marked override decides
// alone within its layer. Layers are the rules files: the last file
// given has the highest precedence, and the first (the embedded default
// rules) the lowest. So a user file can lower what the defaults say
// (ignore a known "rollme" annotation), while within one file a cautious
// rule can never be shadowed by a lenient one. A change no rule matches
// gets the fallback of the highest layer that sets one, or
// [BuiltinFallback]. [Selection.Decide] is where this is decided.
//
// The lowest layer is the baseline: when a higher layer lowers a change
// the baseline puts at disruptive or destructive, the decision says so
// ([Decision.Lowered]), and the reports name the rule that did it.
type Set struct {
	layers []*File // highest precedence first; the set's own copies
	// fallbacks[i] is the fallback that applies when layers[i:] decide
	fallbacks []fallbackOf
	facts     []kube.Path
	// index[i] are layer i's rules by the kinds they can select
	index []kindIndex
	// shared are the lists its decisions have in common
	shared *shared
}

// DefaultOrigin is the origin of the default rules ([DefaultFile]).
const DefaultOrigin = "default rules"

// HasDefaults reports whether the set's lowest layer is the default rules
// ([DefaultFile]): only then is a user's rule that decides lower than they
// would recorded ([Decision.Lowered]).
func (s *Set) HasDefaults() bool {
	return len(s.layers) > 0 && s.layers[len(s.layers)-1].Origin == DefaultOrigin
}

// kindIndex lists a layer's rules by the object kinds they can select,
// each list in file order: a rule that names kinds without wildcards is in
// the lists of those kinds; any other rule is in every list.
type kindIndex struct {
	byKind  map[string][]indexedRule
	anyKind []indexedRule // for the kinds no rule names
}

// indexedRule is a rule with the first fields of the paths it can match.
type indexedRule struct {
	*Rule
	// ord is the rule's place in its layer
	ord uint32
	// firsts are the fields every path the rule matches starts with; nil
	// when it can match paths that start otherwise (no paths, a wildcard
	// first step, the root)
	firsts []kube.Field
}

// newKindIndex indexes the rules of one layer.
func newKindIndex(rules []*Rule) kindIndex {
	ix := kindIndex{byKind: map[string][]indexedRule{}}
	literal := func(r *Rule) bool {
		if len(r.Match.Kinds) == 0 {
			return false
		}
		for _, k := range r.Match.Kinds {
			if strings.ContainsAny(k, "*?") {
				return false
			}
		}
		return true
	}
	for _, r := range rules {
		if literal(r) {
			for _, k := range r.Match.Kinds {
				ix.byKind[k] = nil
			}
		}
	}
	for i, r := range rules {
		ir := indexedRule{Rule: r, ord: uint32(i), firsts: firstFields(r.Match.Paths)}
		if !literal(r) {
			ix.anyKind = append(ix.anyKind, ir)
			for k := range ix.byKind {
				ix.byKind[k] = append(ix.byKind[k], ir)
			}
			continue
		}
		for _, k := range r.Match.Kinds {
			if l := ix.byKind[k]; len(l) == 0 || l[len(l)-1].Rule != r {
				ix.byKind[k] = append(l, ir)
			}
		}
	}
	return ix
}

// forKind returns the rules of the layer that can select an object of
// kind, in file order.
func (ix *kindIndex) forKind(kind string) []indexedRule {
	if l, ok := ix.byKind[kind]; ok {
		return l
	}
	return ix.anyKind
}

// firstFields returns the fields that every path some pattern matches
// starts with, nil when a pattern does not say (or there are none).
func firstFields(pats []kube.Pattern) []kube.Field {
	if len(pats) == 0 {
		return nil
	}
	var out []kube.Field
	for _, p := range pats {
		f, ok := p.FirstField()
		if !ok {
			return nil
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// canMatch reports whether the rule can match a path (false only when
// the path's first step is a field that none of the rule's paths starts
// with, where kube.Pattern.Match answers No for each).
func (r *indexedRule) canMatch(path kube.Path) bool {
	if r.firsts == nil || len(path) == 0 {
		return true
	}
	f, ok := path[0].(kube.Field)
	return !ok || slices.Contains(r.firsts, f)
}

// fallbackOf is a fallback and the file that set it ("" for the builtin).
type fallbackOf struct {
	Fallback
	origin string
}

// NewSet layers files; files[0] has the lowest precedence (the defaults),
// the last file the highest. Every rule is checked as [Rule.Validate]
// checks it, and rule ids must be unique across all files; all problems
// are returned at once. The set keeps copies: changing a file or a rule
// afterwards does not change the set.
func NewSet(files ...*File) (*Set, error) {
	var errs diag.List
	seen := map[string]*Rule{}
	copies := make([]*File, len(files))
	for fi, f := range files {
		if f == nil {
			errs.Add(&diag.Error{Where: fmt.Sprintf("files[%d]", fi), Msg: "nil rules file"})
			continue
		}
		c := &File{Origin: f.Origin}
		if f.Fallback != nil {
			fb := *f.Fallback
			for _, p := range fb.problems() {
				errs.Add(&diag.Error{Origin: f.Origin, Where: "fallback", Msg: p})
			}
			c.Fallback = &fb
		}
		for i, r := range f.Rules {
			if r == nil {
				errs.Add(&diag.Error{Origin: f.Origin, Where: fmt.Sprintf("rules[%d]", i), Msg: "nil rule"})
				continue
			}
			r = r.clone()
			r.Origin, r.Index = f.Origin, i
			// formatted only for a problem: the default rules have none
			where := func() string { return fmt.Sprintf("rules[%d] (id=%s)", i, r.ID) }
			for _, p := range r.check(nil) {
				errs.Add(&diag.Error{Origin: f.Origin, Where: where(), Msg: p})
			}
			if prev, dup := seen[r.ID]; dup {
				if prev.Origin == r.Origin {
					errs.Add(&diag.Error{Origin: f.Origin, Where: where(), Msg: fmt.Sprintf("duplicate id %q (also rules[%d])", r.ID, prev.Index)})
				} else {
					errs.Add(&diag.Error{Origin: f.Origin, Where: where(), Msg: fmt.Sprintf("duplicate id: %s already defines it (rules[%d])", prev.Origin, prev.Index)})
				}
			} else {
				seen[r.ID] = r
			}
			c.Rules = append(c.Rules, r)
		}
		copies[fi] = c
	}
	if len(errs) > 0 {
		return nil, errs
	}
	s := &Set{shared: newShared()}
	for i := len(copies) - 1; i >= 0; i-- {
		s.layers = append(s.layers, copies[i])
		s.index = append(s.index, newKindIndex(copies[i].Rules))
	}
	// the fallback that applies when layers[i:] are consulted: that of the
	// highest of them that sets one
	s.fallbacks = make([]fallbackOf, len(s.layers)+1)
	s.fallbacks[len(s.layers)] = fallbackOf{Fallback: BuiltinFallback()}
	for i := len(s.layers) - 1; i >= 0; i-- {
		s.fallbacks[i] = s.fallbacks[i+1]
		if fb := s.layers[i].Fallback; fb != nil {
			s.fallbacks[i] = fallbackOf{Fallback: *fb, origin: s.layers[i].Origin}
		}
	}
	// the fields that conditions read, for the parser to keep
	factSet := map[string]kube.Path{}
	for _, f := range copies {
		for _, r := range f.Rules {
			for _, c := range r.When {
				if c.Target == TargetField {
					factSet[c.Field.String()] = c.Field
				}
				if c.AtLeastField != nil {
					factSet[c.AtLeastField.Field.String()] = c.AtLeastField.Field
				}
			}
		}
	}
	// the objects' safediff.dev/ignore, helm hook and resource policy annotations, and the fields that
	// partial views compare with a changed one (hidden.go)
	factSet[ignoreAnnotationPath.String()] = ignoreAnnotationPath
	factSet[hookPath.String()] = hookPath
	factSet[hookPolicyPath.String()] = hookPolicyPath
	factSet[keepPath.String()] = keepPath
	for _, p := range boundPaths {
		factSet[p.String()] = p
	}
	for _, p := range rolloutPaths {
		factSet[p.String()] = p
	}
	factSet[cronTimeZone.String()] = cronTimeZone
	for _, p := range serviceAccountNamePaths() {
		factSet[p.String()] = p
	}
	keys := make([]string, 0, len(factSet))
	for k := range factSet {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.facts = append(s.facts, factSet[k])
	}
	return s, nil
}

// With returns a new set with files layered over s: the last file has
// the highest precedence. s itself does not change.
func (s *Set) With(files ...*File) (*Set, error) {
	all := make([]*File, 0, len(s.layers)+len(files))
	for i := len(s.layers) - 1; i >= 0; i-- {
		all = append(all, s.layers[i])
	}
	return NewSet(append(all, files...)...)
}

// Fallback returns the level and reason of changes no rule matches.
func (s *Set) Fallback() Fallback { return s.fallbacks[0].Fallback }

// FactPaths returns the object fields the rules' conditions read, sorted.
// Pass them to diffparse.Options.Facts: classification refuses a plan
// parsed without them.
func (s *Set) FactPaths() []kube.Path {
	out := make([]kube.Path, len(s.facts))
	for i, p := range s.facts {
		out[i] = slices.Clone(p)
	}
	return out
}

// Origins returns the origins of the layers, highest precedence first.
func (s *Set) Origins() []string {
	out := make([]string, len(s.layers))
	for i, f := range s.layers {
		out[i] = f.Origin
	}
	return out
}

// Rules returns copies of every rule in precedence order: highest layer
// first, and within a layer in file order.
func (s *Set) Rules() []*Rule {
	var out []*Rule
	for _, f := range s.layers {
		for _, r := range f.Rules {
			out = append(out, r.clone())
		}
	}
	return out
}

// Rule returns a copy of the rule with the given id, or nil.
func (s *Set) Rule(id string) *Rule {
	for _, f := range s.layers {
		for _, r := range f.Rules {
			if r.ID == id {
				return r.clone()
			}
		}
	}
	return nil
}
