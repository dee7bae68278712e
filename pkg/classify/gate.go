package classify

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// Exit codes of a review, in the diff(1) tradition.
const (
	ExitPass  = 0 // reviewed: nothing at or above the gate
	ExitError = 1 // an error: nothing was judged
	ExitTrip  = 2 // reviewed: the gate tripped
)

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

// Trips reports whether a level trips the threshold.
func (t Threshold) Trips(l rules.Level) bool { return !t.Never && l >= t.Level }

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

// Gate decides whether a result passes. Default applies to every object;
// Releases give thresholds for releases whose name matches a glob (the
// first matching entry wins), for multi-release plans.
type Gate struct {
	Default  Threshold
	Releases []ReleaseThreshold
}

// ReleaseThreshold is a threshold for the releases matching Pattern.
type ReleaseThreshold struct {
	Pattern   string
	Threshold Threshold
}

// DefaultGate trips at disruptive.
var DefaultGate = Gate{Default: Threshold{Level: rules.Disruptive}}

// For returns the threshold that applies to a release.
func (g Gate) For(release string) Threshold {
	for _, r := range g.Releases {
		if kube.Glob(r.Pattern, release) {
			return r.Threshold
		}
	}
	return g.Default
}

// Verdict is the outcome of a gate on a result.
type Verdict struct {
	Tripped bool
	// Offending lists the objects at or above their release's threshold.
	Offending []*Object
	ExitCode  int
}

// Verdict applies the gate. It is computed after classification, so a plan
// whose changes are all ignored passes; accepted findings do not count.
func (r *Result) Verdict(g Gate) Verdict {
	var v Verdict
	for _, o := range r.Objects {
		level, any := o.GateLevel()
		if any && g.For(o.Release).Trips(rules.Level(level)) {
			v.Offending = append(v.Offending, o)
		}
	}
	v.Tripped = len(v.Offending) > 0
	if v.Tripped {
		v.ExitCode = ExitTrip
	}
	return v
}
