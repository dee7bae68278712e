package gate

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// Exit codes of a review, in the diff(1) tradition.
const (
	ExitPass  = 0 // reviewed: nothing at or above the gate
	ExitError = 1 // an error: nothing was judged
	ExitTrip  = 2 // reviewed: the gate tripped
)

// Judge decides whether a classified plan may go ahead.
type Judge interface {
	Judge(res *classify.Result) Verdict
}

// JudgeFunc adapts a function to [Judge].
type JudgeFunc func(res *classify.Result) Verdict

// Judge implements [Judge]. A nil JudgeFunc judges as [Default].
func (f JudgeFunc) Judge(res *classify.Result) Verdict {
	if f == nil {
		return Default().Judge(res)
	}
	return f(res)
}

// Verdict is a judge's decision on a plan: a value reports print.
type Verdict struct {
	Tripped  bool
	ExitCode int
	// Summary is the verdict in one line, for people: "FAIL - 1 object is
	// at or above the gate (--fail-on disruptive)".
	Summary string
	// Offending are the findings that trip the judge, in the result's
	// order.
	Offending []Offense
	// Accepted are the findings an accept file names (see [Accepting]):
	// they do not count.
	Accepted []Accepted
	// Notes are what the judge wants the reader to know (accept entries
	// that name nothing, with a suggestion).
	Notes []string
	// Criterion says what offends, for summaries: "at or above the gate
	// (--fail-on disruptive)".
	Criterion string
	// Gate is the threshold gate the verdict applied, nil for judges that
	// use no thresholds.
	Gate *Gate
}

// Offense is a finding that trips a judge. Finding is nil when the object
// as a whole offends.
type Offense struct {
	Object  *classify.Object
	Finding *classify.Finding
	// Why says why it offends, when the judge has more to say than the
	// finding's own reason.
	Why string
}

// Accepted is a finding an accept file names.
type Accepted struct {
	Object  *classify.Object
	Finding *classify.Finding
	Entry   Entry
}

// NewVerdict makes a verdict from its offending findings: tripped, with
// exit code [ExitTrip], when there are any. summary is the one-line
// summary; criterion says what offends (see [Verdict]).
func NewVerdict(offending []Offense, summary, criterion string) Verdict {
	v := Verdict{Offending: offending, Summary: summary, Criterion: criterion}
	if len(offending) > 0 {
		v.Tripped, v.ExitCode = true, ExitTrip
	}
	return v
}

// OffendingObjects returns the objects with offending findings, each once,
// in the result's order.
func (v Verdict) OffendingObjects() []*classify.Object {
	var out []*classify.Object
	seen := map[*classify.Object]bool{}
	for _, o := range v.Offending {
		if !seen[o.Object] {
			seen[o.Object] = true
			out = append(out, o.Object)
		}
	}
	return out
}

// AcceptedBy returns the accept entry that names a finding.
func (v Verdict) AcceptedBy(f *classify.Finding) (Entry, bool) {
	for _, a := range v.Accepted {
		if a.Finding == f {
			return a.Entry, true
		}
	}
	return Entry{}, false
}

// Threshold is the level at which a gate trips, or never.
type Threshold struct {
	Never bool
	Level rules.Level
}

func (t Threshold) String() string {
	if t.Never {
		return "never"
	}
	return t.Level.String()
}

// Trips reports whether a level trips the threshold. A threshold above
// destructive (no level: a Gate built in Go with Level 5) trips at
// destructive: only Never turns a gate off.
func (t Threshold) Trips(l rules.Level) bool { return !t.Never && l >= min(t.Level, rules.Destructive) }

// ParseThreshold reads a level name or "never".
func ParseThreshold(s string) (Threshold, error) {
	if s == "never" {
		return Threshold{Never: true}, nil
	}
	l, err := rules.ParseLevel(s)
	if err != nil {
		return Threshold{}, fmt.Errorf("%v, or never", strings.TrimSuffix(err.Error(), ")")+")")
	}
	return Threshold{Level: l}, nil
}

// Gate is the threshold gate: Default applies to every object; Releases
// give thresholds for releases whose name matches a glob (the first
// matching entry wins), for multi-release plans. Every finding at or above
// its release's threshold offends.
type Gate struct {
	Default  Threshold
	Releases []ReleaseThreshold
}

// ReleaseThreshold is a threshold for the releases matching Pattern.
type ReleaseThreshold struct {
	Pattern   string
	Threshold Threshold
}

// Default returns the default gate: it trips at disruptive. Each call
// returns a fresh value.
func Default() Gate { return Gate{Default: Threshold{Level: rules.Disruptive}} }

// ParseFailOn reads --fail-on values: at most one plain level (the default
// threshold; without one, [Default]'s) and any number of RELEASE-GLOB=LEVEL
// entries.
func ParseFailOn(values []string) (Gate, error) {
	g := Default()
	plain := 0
	for _, v := range values {
		if pat, lvl, ok := strings.Cut(v, "="); ok {
			if pat == "" {
				return g, fmt.Errorf("--fail-on %q: empty release pattern", v)
			}
			t, err := ParseThreshold(lvl)
			if err != nil {
				return g, fmt.Errorf("--fail-on %q: %w", v, err)
			}
			g.Releases = append(g.Releases, ReleaseThreshold{Pattern: pat, Threshold: t})
			continue
		}
		plain++
		if plain > 1 {
			return g, fmt.Errorf("--fail-on: more than one default level given (%q)", v)
		}
		t, err := ParseThreshold(v)
		if err != nil {
			return g, fmt.Errorf("--fail-on: %w", err)
		}
		g.Default = t
	}
	return g, nil
}

// For returns the threshold that applies to a release.
func (g Gate) For(release string) Threshold {
	for _, r := range g.Releases {
		if kube.Glob(r.Pattern, release) {
			return r.Threshold
		}
	}
	return g.Default
}

// String is the gate as flags: "--fail-on disruptive --fail-on db=never".
func (g Gate) String() string {
	s := "--fail-on " + g.Default.String()
	for _, rt := range g.Releases {
		s += fmt.Sprintf(" --fail-on %s=%s", rt.Pattern, rt.Threshold)
	}
	return s
}

// Judge implements [Judge]: every finding at or above its release's
// threshold offends. A plan whose changes are all below the gate passes.
func (g Gate) Judge(res *classify.Result) Verdict {
	// counted first, then listed in a block of their size: a review of a
	// million objects judges them while it holds everything else
	n, objects := 0, 0
	var last *classify.Object
	g.offenses(res, func(o *classify.Object, _ *classify.Finding) {
		n++
		if o != last {
			objects++ // each object's findings come together
			last = o
		}
	})
	var off []Offense
	if n > 0 {
		off = make([]Offense, 0, n)
		g.offenses(res, func(o *classify.Object, f *classify.Finding) { off = append(off, Offense{Object: o, Finding: f}) })
	}
	criterion := "at or above the gate (" + g.String() + ")"
	var summary string
	switch {
	case len(off) > 0:
		summary = failObjects(objects, criterion)
	case g.Default.Never && len(g.Releases) == 0:
		summary = "PASS - the gate is off (--fail-on never)"
	case len(res.Objects) == 0:
		summary = "PASS - no changes"
	case len(g.Releases) > 0:
		// the highest level may be above the default threshold, in a
		// release with a threshold of its own
		summary = fmt.Sprintf("PASS - no object is at or above its release's gate (%s)", g)
	default:
		summary = fmt.Sprintf("PASS - the highest level, %s, is below the gate (%s)", res.Highest, g)
	}
	v := NewVerdict(off, summary, criterion)
	gc := g
	gc.Releases = append([]ReleaseThreshold(nil), g.Releases...)
	v.Gate = &gc
	return v
}

// offenses calls yield with every finding at or above its release's
// threshold, in the result's order.
func (g Gate) offenses(res *classify.Result, yield func(*classify.Object, *classify.Finding)) {
	for _, o := range res.Objects {
		th := g.For(o.Release)
		for i := range o.Findings {
			if th.Trips(o.Findings[i].Level) {
				yield(o, &o.Findings[i])
			}
		}
	}
}

// failSummary is "FAIL - N objects are CRITERION".
func failSummary(off []Offense, criterion string) string {
	return failObjects(len(NewVerdict(off, "", "").OffendingObjects()), criterion)
}

// failObjects is "FAIL - n objects are CRITERION".
func failObjects(n int, criterion string) string {
	noun := "object is"
	if n != 1 {
		noun = "objects are"
	}
	return fmt.Sprintf("FAIL - %d %s %s", n, noun, criterion)
}
