package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safediff/safediff/pkg/report"
)

// Rendered is what helm rendered for the upgrade (helm upgrade --dry-run):
// the content the secret digests cover. It may hold secrets; it is never
// written.
type Rendered struct {
	// Chart is the chart as helm loaded it, and Values the user's values
	// as helm merged them, both as helm prints them in JSON.
	Chart, Values []byte
	// Manifests are the rendered manifests, hooks included.
	Manifests []byte
}

// Seal digests what was rendered into a new plan, with a fresh salt.
func (p *Plan) Seal(r Rendered) error {
	salt, err := newSalt()
	if err != nil {
		return err
	}
	p.Digests = Digests{Algorithm: DigestAlgorithm, Iterations: DigestIterations, Salt: salt}
	chart, values, err := canonical(r)
	if err != nil {
		return err
	}
	sums, err := p.Digests.secretDigests(chart, values, r.Manifests)
	if err != nil {
		return err
	}
	p.Digests.Chart, p.Digests.Values, p.Digests.Manifests = sums[0], sums[1], sums[2]
	return nil
}

func canonical(r Rendered) (chart, values []byte, err error) {
	if chart, err = canonicalJSON(r.Chart); err != nil {
		return nil, nil, fmt.Errorf("the chart helm printed is not JSON: %v", err)
	}
	if values, err = canonicalJSON(r.Values); err != nil {
		return nil, nil, fmt.Errorf("the values helm printed are not JSON: %v", err)
	}
	return chart, values, nil
}

// DefaultMaxAge is how old a plan may be when it is applied, unless
// --max-age says otherwise.
const DefaultMaxAge = 24 * time.Hour

// CheckAge refuses a plan older than maxAge, or made in the future (a
// clock more than a minute off).
func (p *Plan) CheckAge(now time.Time, maxAge time.Duration) error {
	age := now.Sub(p.Created)
	switch {
	case age < -time.Minute:
		return fmt.Errorf("the plan was made at %s, %s in the future: a clock is wrong", p.Created.Format(time.RFC3339), (-age).Round(time.Second))
	case age > maxAge:
		return fmt.Errorf("the plan is %s old, older than --max-age %s: make a new plan", age.Round(time.Second), maxAge)
	}
	return nil
}

// State is the world when a plan is applied, gathered the way the plan
// was: the same helm arguments, the same rules.
type State struct {
	Safediff    string
	HelmVersion string
	DiffVersion string
	// Cluster is the API server of the kubeconfig context in use, nil when
	// the kubeconfig does not say.
	Cluster  *Cluster
	Revision int
	Status   string
	// RulesDigest is [RulesDigest] of the rules in use.
	RulesDigest string
	Rendered    Rendered
	// Review is the new review, as JSON.
	Review *report.JSONReport
}

// Moved is something that changed since the plan was made.
type Moved struct {
	What   string // "revision", "values", "rules", "object Deployment.apps/ns/web", …
	Detail string
}

func (m Moved) String() string { return m.What + ": " + m.Detail }

// Compare returns what moved between the plan and the state: each is a
// reason to refuse the plan. The error is set when the comparison itself
// cannot be made (a plan with digests that are too weak).
func (p *Plan) Compare(s State) ([]Moved, error) {
	var moved []Moved
	add := func(what, format string, args ...any) {
		moved = append(moved, Moved{What: what, Detail: fmt.Sprintf(format, args...)})
	}
	if s.Safediff != p.Safediff {
		add("safediff", "safediff %s made the plan; this is safediff %s", p.Safediff, s.Safediff)
	}
	if s.HelmVersion != p.Helm.Version {
		add("helm", "helm %s made the plan; this is helm %s", p.Helm.Version, s.HelmVersion)
	}
	if s.DiffVersion != p.Helm.DiffVersion {
		add("helm-diff", "helm-diff %s made the plan; this is helm-diff %s", p.Helm.DiffVersion, s.DiffVersion)
	}
	if p.Cluster != nil && (s.Cluster == nil || s.Cluster.Server != p.Cluster.Server) {
		now := "a cluster the kubeconfig does not name"
		if s.Cluster != nil {
			now = s.Cluster.Server
		}
		add("cluster", "the plan was made against %s; this is %s", p.Cluster.Server, now)
	}
	if s.Revision != p.Release.Revision {
		add("revision", "release %s is at revision %d (%s); the plan was made at revision %d: it was upgraded, rolled back or uninstalled since",
			p.Release.Name, s.Revision, statusText(s.Status), p.Release.Revision)
	}
	if s.RulesDigest != p.Rules.Digest {
		add("rules", "the rules differ from those the plan was reviewed with")
	}
	chart, values, err := canonical(s.Rendered)
	if err != nil {
		return nil, err
	}
	sums, err := p.Digests.secretDigests(chart, values, s.Rendered.Manifests)
	if err != nil {
		return nil, err
	}
	for i, d := range []struct{ what, want, detail string }{
		{"chart", p.Digests.Chart, "the chart differs from the planned one"},
		{"values", p.Digests.Values, "the values differ from the planned ones (values files, --set)"},
		{"manifests", p.Digests.Manifests, "the rendered manifests differ from the planned ones"},
	} {
		if !sameDigest(sums[i], d.want) {
			add(d.what, "%s", d.detail)
		}
	}
	moved = append(moved, compareReviews(p.Review, s.Review)...)
	return moved, nil
}

func statusText(s string) string {
	if s == "" {
		return "not installed"
	}
	return s
}

// compareReviews names the objects whose review differs.
func compareReviews(planned, now *report.JSONReport) []Moved {
	if now == nil {
		return []Moved{{What: "review", Detail: "there is no new review to compare"}}
	}
	key := func(o report.JSONObject) string { return o.Ref }
	was := map[string]string{}
	for _, o := range planned.Objects {
		was[key(o)] = objectFingerprint(o)
	}
	is := map[string]string{}
	for _, o := range now.Objects {
		is[key(o)] = objectFingerprint(o)
	}
	var moved []Moved
	var refs []string
	for r := range was {
		refs = append(refs, r)
	}
	for r := range is {
		if _, ok := was[r]; !ok {
			refs = append(refs, r)
		}
	}
	slices.Sort(refs)
	for _, r := range refs {
		w, inPlan := was[r]
		n, inNow := is[r]
		switch {
		case !inNow:
			moved = append(moved, Moved{What: "object " + r, Detail: "was in the planned review, and no longer changes"})
		case !inPlan:
			moved = append(moved, Moved{What: "object " + r, Detail: "changes now, and was not in the planned review"})
		case w != n:
			moved = append(moved, Moved{What: "object " + r, Detail: "its changes or their review differ from the plan's"})
		}
	}
	// drift (--cluster) is what the upgrade puts back besides its changes:
	// an object scaled, edited, deleted or taken over by another release
	// since the plan is reverted, recreated or taken back, unreviewed
	plannedDrift, nowDrift := driftNotes(planned), driftNotes(now)
	for _, d := range nowDrift {
		if !slices.Contains(plannedDrift, d) {
			moved = append(moved, Moved{What: "drift", Detail: d + " (not in the planned review: the upgrade reverts it)"})
		}
	}
	for _, d := range plannedDrift {
		if !slices.Contains(nowDrift, d) {
			moved = append(moved, Moved{What: "drift", Detail: d + " (in the planned review, not now)"})
		}
	}
	return moved
}

// driftNotes are a review's notes of drift (--cluster), sorted.
func driftNotes(r *report.JSONReport) []string {
	var out []string
	for _, n := range r.Notes {
		if d, ok := strings.CutPrefix(n.Text, "drift: "); ok {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// objectFingerprint is an object's review without what does not change
// the review: input positions, and which findings accept entries name (an
// approval given at apply is not the world moving).
func objectFingerprint(o report.JSONObject) string {
	o.Line = 0
	o.Changes = slices.Clone(o.Changes)
	for i := range o.Changes {
		o.Changes[i].Line = 0
		o.Changes[i].Accepted, o.Changes[i].AcceptReason = false, ""
	}
	b, _ := json.Marshal(o)
	return string(b)
}

// RulesDigest digests the content of a rule set's layers: the embedded
// defaults (nil when they are dropped) and each rules file, in order.
func RulesDigest(defaults []byte, files [][]byte) string {
	var b []byte
	add := func(label string, data []byte) {
		b = fmt.Appendf(b, "%s %d\n", label, len(data))
		b = append(b, data...)
	}
	if defaults != nil {
		add("defaults", defaults)
	}
	for _, f := range files {
		add("file", f)
	}
	return PlainDigest(b)
}
