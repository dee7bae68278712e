package rules

import (
	"fmt"
	"sort"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/kube"
)

// BuiltinFallback applies when no rules file sets a fallback.
var BuiltinFallback = Fallback{
	Level:  Disruptive,
	Reason: "no rule covers this change, so it is not understood: review it, or add a rule that says what it does",
}

// Set is the effective rule set: layers of rules in precedence order, and
// the fallback.
//
// Precedence: a change is decided by the highest layer that has a rule
// matching it, and within that layer by the most severe matching rule (on
// a tie, the first in the file); a matching rule marked override decides
// alone within its layer. Layers are the rules files: the last file
// given has the highest precedence, and the embedded default rules the
// lowest. So a user file can lower what the defaults say (ignore a known
// "rollme" annotation), while within one file a cautious rule can never be
// shadowed by a lenient one. A change no rule matches gets the fallback of
// the highest layer that sets one, or [BuiltinFallback].
type Set struct {
	layers   []*File // highest precedence first
	fallback Fallback
	facts    []kube.Path
}

// NewSet layers files; files[0] has the lowest precedence (the defaults),
// the last file the highest. Rule ids must be unique across all files.
func NewSet(files ...*File) (*Set, error) {
	s := &Set{fallback: BuiltinFallback}
	seen := map[string]*Rule{}
	var errs diag.List
	for _, f := range files {
		for _, r := range f.Rules {
			if prev, dup := seen[r.ID]; dup {
				errs.Add(&diag.Error{Origin: f.Origin, Where: fmt.Sprintf("rules[%d] (id=%s)", r.Index, r.ID), Msg: fmt.Sprintf("duplicate id: %s already defines it (rules[%d])", prev.Origin, prev.Index)})
				continue
			}
			seen[r.ID] = r
		}
		if f.Fallback != nil {
			s.fallback = *f.Fallback
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for i := len(files) - 1; i >= 0; i-- {
		s.layers = append(s.layers, files[i])
	}
	// the fields that conditions read, for the parser to keep
	factSet := map[string]kube.Path{}
	for _, f := range files {
		for _, r := range f.Rules {
			for _, c := range r.When {
				if c.Target == TargetField {
					factSet[c.Field.String()] = c.Field
				}
			}
		}
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

// Layers returns the files in precedence order, highest first.
func (s *Set) Layers() []*File { return s.layers }

// Fallback returns the level and reason of changes no rule matches.
func (s *Set) Fallback() Fallback { return s.fallback }

// FactPaths returns the object fields the rules' conditions read, sorted.
// Pass them to diffparse.Options.Facts.
func (s *Set) FactPaths() []kube.Path { return s.facts }

// Rules returns every rule in precedence order: highest layer first, and
// within a layer in file order.
func (s *Set) Rules() []*Rule {
	var out []*Rule
	for _, f := range s.layers {
		out = append(out, f.Rules...)
	}
	return out
}

// Rule returns the rule with the given id, or nil.
func (s *Set) Rule(id string) *Rule {
	for _, f := range s.layers {
		for _, r := range f.Rules {
			if r.ID == id {
				return r
			}
		}
	}
	return nil
}
