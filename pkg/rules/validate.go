package rules

import (
	"errors"
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/diffparse"
)

// validID reports whether id is a rule id: 1 to 63 lowercase ASCII letters,
// digits and dashes, the first not a dash (the regular expression
// ^[a-z0-9][a-z0-9-]{0,62}$, checked without compiling one at start-up).
func validID(id string) bool {
	if id == "" || len(id) > 63 || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Validate checks a rule the way [Parse] checks one read from a file: a
// well-formed id, a description and a reason, a defined level (at least
// disruptive for a rule that forces replacement), known actions and
// operations, usable patterns and conditions that test something. It
// returns every problem at once. [NewSet] calls it for every rule.
func (r *Rule) Validate() error {
	if p := r.check(nil); len(p) > 0 {
		return errors.New(strings.Join(p, "; "))
	}
	return nil
}

// check lists what is wrong with a rule, one phrase each; the conditions
// in skip are left out (they could not be read).
func (r *Rule) check(skip map[int]bool) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if !validID(r.ID) {
		bad("id %q must be lowercase letters, digits and dashes", r.ID)
	}
	if strings.TrimSpace(r.Description) == "" {
		bad("missing description")
	}
	if strings.TrimSpace(r.Reason) == "" {
		bad("missing reason")
	}
	if !r.Level.Valid() {
		bad("unknown level %d (want one of %s)", int(r.Level), strings.Join(levelNames, ", "))
	} else if r.Replace && r.Level < Disruptive {
		bad("a rule that forces replacement must be at least disruptive (it is %s)", r.Level)
	}
	m := &r.Match
	for _, a := range m.Actions {
		if _, err := diffparse.ParseAction(a.String()); err != nil || a == diffparse.Replace {
			bad("match.actions: unknown action %q (want create, update, delete or ownership)", a)
		}
	}
	for _, o := range m.Ops {
		if _, err := diffparse.ParseOp(o.String()); err != nil {
			bad("match.ops: %v", err)
		}
	}
	for _, p := range m.Paths {
		if p.String() == "" {
			bad("match.paths: empty pattern")
		}
	}
	for _, p := range m.ExceptPaths {
		if p.String() == "" {
			bad("match.exceptPaths: empty pattern")
		}
	}
	if len(m.ExceptPaths) > 0 && len(m.Paths) == 0 {
		bad("match.exceptPaths needs match.paths")
	}
	for _, g := range [][]string{m.Groups, m.Kinds, m.Names, m.Namespaces, m.Releases} {
		for _, s := range g {
			if strings.ContainsAny(s, "[]{}") {
				bad("pattern %q: only * and ? are glob characters", s)
			}
		}
	}
	for i := range r.When {
		if skip[i] {
			continue
		}
		if err := r.When[i].validate(); err != nil {
			bad("when[%d]: %v", i, err)
		}
	}
	return out
}

func (c *Condition) validate() error {
	switch c.Target {
	case TargetField:
		if len(c.Field) == 0 || !c.Field.Exact() {
			return fmt.Errorf("field %q must be an exact path", c.Field.String())
		}
		if c.Side < SideDefault || c.Side > SideEither {
			return fmt.Errorf("side %d: want old, new or either", int(c.Side))
		}
		if c.Decreased || c.Increased {
			return errors.New("decreased and increased apply to value conditions")
		}
	case TargetValue:
		if c.Value != diffparse.Old && c.Value != diffparse.New {
			return fmt.Errorf("value %d: want old or new", int(c.Value))
		}
		if c.Side != SideDefault {
			return errors.New("side applies to field conditions")
		}
		if len(c.Field) > 0 {
			return errors.New("set field or value, not both")
		}
	default:
		return errors.New("set field (an object field) or value (old or new)")
	}
	if c.AtLeastField != nil {
		switch {
		case c.Target != TargetField:
			return errors.New("atLeastField applies to field conditions")
		case len(c.AtLeastField.Field) == 0 || !c.AtLeastField.Field.Exact():
			return fmt.Errorf("atLeastField: field %q must be an exact path", c.AtLeastField.Field.String())
		}
	}
	if len(c.In) == 0 && len(c.NotIn) == 0 && c.Exists == nil && c.AtMost == nil && c.AtLeast == nil && c.AtLeastField == nil && !c.Decreased && !c.Increased {
		return errors.New("no test: set in, notIn, exists, atMost, atLeast, atLeastField, decreased or increased")
	}
	return nil
}

func (f *Fallback) problems() []string {
	switch {
	case !f.Level.Valid():
		return []string{fmt.Sprintf("unknown level %d", int(f.Level))}
	case f.Level == Ignored:
		return []string{"the fallback level cannot be ignored: a change no rule understands must be seen"}
	case strings.TrimSpace(f.Reason) == "":
		return []string{"missing reason"}
	}
	return nil
}
