package migrate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// Expectation says what a helm step may change: objects of some kinds,
// with some actions, at some paths, up to a level. A step's review passes
// when every change that is not ignored is within one of its
// expectations; anything beyond them stops the run before the upgrade.
type Expectation struct {
	// Kinds the objects may be of.
	Kinds []string
	// Actions they may undergo.
	Actions []diffparse.Action
	// Paths the changes may be at; nil for any path. Object-level
	// findings (a creation) match only when Paths is nil.
	Paths []kube.Pattern
	// Max is the highest level a change may have.
	Max rules.Level
	// Why says what the step changes, for the report.
	Why string
}

// Violation is a change beyond a step's expectations.
type Violation struct {
	Object *classify.Object
	// Finding is the change, or nil when the object as a whole is
	// unexpected.
	Finding *classify.Finding
	Why     string
}

func (v Violation) String() string {
	where := v.Object.Ref.String()
	if v.Finding != nil && !v.Finding.WholeObject {
		where += " " + v.Finding.Change.Path.String()
	}
	return where + ": " + v.Why
}

// expecting judges a step's plan by its expectations: every change beyond
// them offends (see check).
func expecting(exps []Expectation) gate.Judge {
	return gate.JudgeFunc(func(res *classify.Result) gate.Verdict {
		vs := check(res, exps)
		var off []gate.Offense
		for _, v := range vs {
			off = append(off, gate.Offense{Object: v.Object, Finding: v.Finding, Why: v.Why})
		}
		summary := "PASS - every change is one this step expects"
		if len(vs) > 0 {
			summary = fmt.Sprintf("HOLD - %d changes this step does not expect; nothing is upgraded", len(vs))
		}
		return gate.NewVerdict(off, summary, "beyond what this step expects")
	})
}

// check judges a reviewed plan by the expectations. Ignored changes (label
// churn, formatting) never violate anything.
func check(res *classify.Result, exps []Expectation) []Violation {
	var out []Violation
	for _, o := range res.Objects {
		if o.Level == rules.Ignored {
			continue
		}
		var cands []Expectation
		for _, e := range exps {
			if containsFold(e.Kinds, o.Ref.Kind) && slices.Contains(e.Actions, o.Action) {
				cands = append(cands, e)
			}
		}
		if len(cands) == 0 {
			out = append(out, Violation{Object: o, Why: fmt.Sprintf("this step does not expect a %s to be %s (%s, %s)", o.Ref.Kind, actionPast(o.Action), o.Level, o.Reason)})
			continue
		}
		for i := range o.Findings {
			f := &o.Findings[i]
			if f.Level == rules.Ignored {
				continue
			}
			if why := judge(f, cands); why != "" {
				out = append(out, Violation{Object: o, Finding: f, Why: why})
			}
		}
	}
	return out
}

// judge returns why a finding is beyond the candidates, or "".
func judge(f *classify.Finding, cands []Expectation) string {
	why := ""
	for _, e := range cands {
		pathOK := e.Paths == nil
		if !f.WholeObject {
			for _, p := range e.Paths {
				if p.Match(f.Change.Path) == kube.Yes {
					pathOK = true
				}
			}
		}
		switch {
		case !pathOK:
			why = fmt.Sprintf("this step does not expect a change here (%s: %s)", f.Level, f.Reason)
		case f.Level > e.Max:
			why = fmt.Sprintf("%s is above what this step allows here (%s; %s)", f.Level, e.Max, f.Reason)
		default:
			return ""
		}
	}
	return why
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if x == "*" || strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func actionPast(a diffparse.Action) string {
	switch a {
	case diffparse.Create:
		return "created"
	case diffparse.Delete:
		return "deleted"
	case diffparse.Replace:
		return "replaced"
	case diffparse.Ownership:
		return "taken over"
	}
	return "changed"
}

// describeExpectations lists the expectations for a plan's text.
func describeExpectations(exps []Expectation) []string {
	var out []string
	for _, e := range exps {
		var acts []string
		for _, a := range e.Actions {
			acts = append(acts, a.String())
		}
		s := fmt.Sprintf("%s: %s %s, at most %s", e.Why, strings.Join(e.Kinds, "/"), strings.Join(acts, "/"), e.Max)
		if len(e.Paths) > 0 {
			var ps []string
			for _, p := range e.Paths {
				ps = append(ps, p.String())
			}
			s += " (" + strings.Join(ps, ", ") + ")"
		}
		out = append(out, s)
	}
	return out
}
