package report

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// Report is what a [Writer] renders: a classified plan and a judge's
// verdict on it. Writers print the verdict; they never compute one.
type Report struct {
	Result  *classify.Result
	Verdict gate.Verdict
	// Source names the input (a file name, or "stdin").
	Source string
	// ShowIgnored lists ignored changes too (text and markdown; JSON always
	// has them).
	ShowIgnored bool
	// Color enables ANSI colour in the text format.
	Color bool
	// MaxBytes is the size budget of the markdown format (0: the default,
	// which fits a GitHub comment).
	MaxBytes int
	// Release, Namespace and KubeContext name what the plan is for, when
	// the caller knows it (the plugin knows all three); the markdown
	// header and its sticky-comment marker show them.
	Release, Namespace, KubeContext string
}

// New builds a report of a result and the judge's verdict on it (a nil
// judge is gate.Default()).
func New(res *classify.Result, j gate.Judge) *Report {
	if j == nil {
		j = gate.Default()
	}
	return &Report{Result: res, Verdict: j.Judge(res)}
}

// check refuses to render a report that no judge made: one built by hand
// without a verdict (it would print "Gate: ; exit 0" for any result), or
// whose verdict says it tripped and exits otherwise, or the reverse.
func (r *Report) check() error {
	switch {
	case r == nil || r.Result == nil:
		return errors.New("report: no result to render")
	case r.Verdict.Summary == "":
		return errors.New("report: the report has no verdict (make it with report.New)")
	case r.Verdict.Tripped != (r.Verdict.ExitCode == gate.ExitTrip):
		return fmt.Errorf("report: the verdict says tripped %v and exit %d", r.Verdict.Tripped, r.Verdict.ExitCode)
	}
	return nil
}

// Writer renders a report in one format.
type Writer interface {
	Write(w io.Writer, r *Report) error
}

// Formats returns the names accepted by [ForFormat].
func Formats() []string { return []string{"text", "json", "markdown"} }

// ForFormat returns the writer of a format; an unknown name is an error.
func ForFormat(name string) (Writer, error) {
	switch name {
	case "text":
		return Text{}, nil
	case "json":
		return JSON{}, nil
	case "markdown", "md":
		return Markdown{}, nil
	}
	return nil, fmt.Errorf("unknown output format %q (want one of %s)", name, strings.Join(Formats(), ", "))
}

// symbol is the Terraform-style symbol of an action.
func symbol(a diffparse.Action) string {
	switch a {
	case diffparse.Create:
		return "+"
	case diffparse.Delete:
		return "-"
	case diffparse.Replace:
		return "-/+"
	case diffparse.Ownership:
		return "»"
	}
	return "~"
}

func actionWords(a diffparse.Action) string {
	switch a {
	case diffparse.Create:
		return "create"
	case diffparse.Delete:
		return "destroy"
	case diffparse.Replace:
		return "replace"
	case diffparse.Ownership:
		return "change owner"
	}
	return "update in place"
}

func opSymbol(op diffparse.Op) string {
	switch op {
	case diffparse.Add:
		return "+"
	case diffparse.Remove:
		return "-"
	case diffparse.Reformat:
		return "="
	case diffparse.Hidden:
		return "?"
	case diffparse.Owner:
		return "»"
	case diffparse.Reorder:
		return "↕"
	}
	return "~"
}

// value renders one side of a change for people: scalars quoted when they
// need it, long text cut, multi-line values summarised, and sensitive
// values never shown.
func value(v diffparse.Value, max int) string {
	switch {
	case !v.Present():
		return "(none)"
	case v.Redacted:
		if v.Bytes >= 0 {
			return "(sensitive, " + count(v.Bytes, "byte", "bytes") + ")"
		}
		return "(sensitive)"
	case v.Kind == diffparse.Text || v.Kind == diffparse.Tree:
		n := strings.Count(v.Text, "\n") + 1
		first, _, _ := strings.Cut(v.Text, "\n")
		if n == 1 {
			if v.Kind == diffparse.Tree && showsAsIs(first) {
				// a mapping or list on one line (JSON or flow style): its
				// own brackets and quotes delimit it
				return clip(first, max)
			}
			return quote(first, max)
		}
		return fmt.Sprintf("(%d lines: %s …)", n, clip(first, max/2))
	}
	return quote(v.Text, max)
}

// showsAsIs reports whether s shows as itself on a terminal: no control
// characters, line or paragraph separators, or format characters.
func showsAsIs(s string) bool {
	for _, r := range s {
		if r != ' ' && !strconv.IsPrint(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func quote(s string, max int) string {
	if s == "" {
		return `""`
	}
	plain := true
	for _, r := range s {
		if r <= ' ' || r == '"' || r == '\\' || r == 0x7f || r == utf8.RuneError {
			plain = false
			break
		}
	}
	if plain {
		return clip(s, max)
	}
	return strconv.Quote(clip(s, max))
}

func clip(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

// changeText is "old -> new" for a change (sensitive values as sizes).
func changeText(c diffparse.Change, max int) string {
	redacted := c.Old.Redacted || c.New.Redacted
	switch c.Op {
	case diffparse.Add:
		if redacted {
			return "value added" + bytesNote(c.New)
		}
		return value(c.New, max)
	case diffparse.Remove:
		if redacted {
			return "value removed" + bytesNote(c.Old)
		}
		return value(c.Old, max)
	case diffparse.Reformat:
		return "formatting only, same value"
	case diffparse.Hidden:
		return "changes not shown"
	case diffparse.Reorder:
		return "order changed"
	}
	if redacted {
		return "value changed" + bytesNote(c.New)
	}
	return value(c.Old, max) + " -> " + value(c.New, max)
}

func bytesNote(v diffparse.Value) string {
	if v.Bytes >= 0 {
		return " (" + count(v.Bytes, "byte", "bytes") + ")"
	}
	return " (not shown: it holds a sensitive field)"
}

func pathText(f *classify.Finding) string {
	if f.WholeObject {
		return ""
	}
	if len(f.Change.Path) == 0 {
		return "(whole object)"
	}
	return f.Change.Path.String()
}

// counts returns the number of objects per action and level, for all
// releases or one.
func counts(objs []*classify.Object) (map[diffparse.Action]int, map[rules.Level]int) {
	a := map[diffparse.Action]int{}
	l := map[rules.Level]int{}
	for _, o := range objs {
		a[o.Action]++
		l[o.Level]++
	}
	return a, l
}

// highestLevel is the highest level of the objects (Ignored when there are
// none).
func highestLevel(objs []*classify.Object) rules.Level {
	h := rules.Ignored
	for _, o := range objs {
		h = max(h, o.Level)
	}
	return h
}

func planLine(objs []*classify.Object) string {
	a, _ := counts(objs)
	destroy := fmt.Sprintf("%d to destroy", a[diffparse.Delete])
	if kept := leftInPlace(objs); kept > 0 {
		destroy += fmt.Sprintf(" (%d of them left in place by helm)", kept)
	}
	return fmt.Sprintf("%d to add, %d to change, %d to replace, %s, %d to change owner",
		a[diffparse.Create], a[diffparse.Update], a[diffparse.Replace], destroy, a[diffparse.Ownership])
}

// leftInPlace counts the deletions helm skips: a hook's object, an object
// it keeps (resource policy keep).
func leftInPlace(objs []*classify.Object) int {
	kept := 0
	for _, o := range objs {
		if o.Action == diffparse.Delete && (o.Hook == rules.HookKept || o.Rule == rules.KeepRule) {
			kept++
		}
	}
	return kept
}

func levelsLine(objs []*classify.Object) string {
	_, l := counts(objs)
	var parts []string
	for lv := rules.Destructive; lv >= rules.Ignored; lv-- {
		if l[lv] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", l[lv], lv))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// visible splits an object's findings into those to show and the ignored
// ones to summarise.
func visible(o *classify.Object, showIgnored bool) (shown, ignored []*classify.Finding) {
	for i := range o.Findings {
		f := &o.Findings[i]
		if f.Level == rules.Ignored && !showIgnored {
			ignored = append(ignored, f)
			continue
		}
		shown = append(shown, f)
	}
	return shown, ignored
}

// ignoredSummary describes hidden ignored findings: their count and the
// distinct reasons.
func ignoredSummary(fs []*classify.Finding) string {
	seen := map[string]bool{}
	var reasons []string
	for _, f := range fs {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			reasons = append(reasons, f.Rule)
		}
	}
	sort.Strings(reasons)
	noun := "change"
	if len(fs) != 1 {
		noun = "changes"
	}
	return fmt.Sprintf("%d ignored %s (%s)", len(fs), noun, strings.Join(reasons, ", "))
}

// noChangesCaveat is what an empty plan cannot say: helm diff compares
// the chart with the release's last revision, whatever became of it. After
// an upgrade that failed (a field the server refused), the diff is empty
// and the same upgrade fails again.
const noChangesCaveat = "If that revision failed (helm history says so), the cluster may not hold it, and the same upgrade may fail again: roll back first (safediff upgrade refuses a release whose last revision failed)."

// gateLine is the verdict's line: its summary and the exit code.
func gateLine(r *Report) string {
	return fmt.Sprintf("%s; exit %d", r.Verdict.Summary, r.Verdict.ExitCode)
}

// gateText is the gate as the markdown header names it: the --fail-on
// flags of a threshold gate, or the verdict's summary.
func gateText(r *Report) string {
	if g := r.Verdict.Gate; g != nil {
		return mdCode(clipBytes(g.String(), 160))
	}
	return mdText(clipBytes(r.Verdict.Summary, 200))
}

// notes are the remarks about the whole plan, in every format: the
// parser's, then classification's, then the judge's.
func notes(r *Report) []diffparse.Note {
	out := append([]diffparse.Note(nil), r.Result.Plan.Notes...)
	out = append(out, r.Result.Notes...)
	for _, n := range r.Verdict.Notes {
		out = append(out, diffparse.Note{Text: n})
	}
	return out
}

// findingNotes are the extra lines of a finding: its acceptance, where an
// approximate change could be, what was assumed, what else matched, and
// which rule lowered it. code renders what the input or a rules file named
// (paths, rule ids, reasons), text the rest: the identity for text, code
// spans and escaped text for markdown.
func findingNotes(r *Report, f *classify.Finding, code, text func(string) string) []string {
	var out []string
	if e, ok := r.Verdict.AcceptedBy(f); ok {
		s := "accepted by the accept file: does not count at the gate"
		if e.Reason != "" {
			s += " (" + code(e.Reason) + ")"
		}
		out = append(out, s)
	}
	if len(f.Place) > 0 {
		s := "judged at " + code(f.Place.String())
		if f.Places > 1 {
			s += fmt.Sprintf(" (the worst of %d places it could be)", f.Places)
		}
		out = append(out, s)
	}
	if len(f.Assumptions) > 0 {
		out = append(out, "assumed the worst: "+text(strings.Join(f.Assumptions, "; ")))
	}
	if f.MaybeReplace {
		out = append(out, "may force a replacement")
	}
	if len(f.Also) > 0 {
		ids := make([]string, len(f.Also))
		for i, a := range f.Also {
			ids[i] = code(a)
		}
		out = append(out, "also: "+strings.Join(ids, ", "))
	}
	if f.Lowered != nil {
		out = append(out, fmt.Sprintf("lowered by %s from %s (%s)", code(strings.TrimPrefix(classify.Lowerer(*f), "rule ")), f.Lowered.Level, code(f.Lowered.Rule)))
	}
	return out
}

func identity(s string) string { return s }

func inputDescription(r *Report) string {
	p := r.Result.Plan
	var parts []string
	switch p.Format {
	case diffparse.FormatAuto:
		parts = append(parts, "empty input")
	default:
		parts = append(parts, p.Format.String()+" format")
	}
	if r.Source != "" {
		parts = append([]string{r.Source}, parts...)
	}
	return strings.Join(parts, ", ")
}

// installOrder holds, per release, the changed objects in helm's install
// order, deletions apart: what helm applies around each object it cannot
// update in place. (classify.Result.PartialUpgrade scans every object for
// one: a report of thousands of such objects took time quadratic in
// them.)
type installOrder struct {
	order   []string
	sorted  map[string][]*classify.Object // per release, by kind in install order (stable)
	deleted map[string][]*classify.Object
}

func newInstallOrder(res *classify.Result) *installOrder {
	ins := &installOrder{order: kube.HelmInstallOrder(4), sorted: map[string][]*classify.Object{}, deleted: map[string][]*classify.Object{}}
	for _, x := range res.Objects {
		if x.Action == diffparse.Delete {
			ins.deleted[x.Release] = append(ins.deleted[x.Release], x)
		} else {
			ins.sorted[x.Release] = append(ins.sorted[x.Release], x)
		}
	}
	for _, l := range ins.sorted {
		sort.SliceStable(l, func(i, j int) bool { return kube.HelmKindLess(ins.order, l[i].Ref.Kind, l[j].Ref.Kind) })
	}
	return ins
}

// objectsAround are objects of a release, but skip (the object they are
// around), n in all.
type objectsAround struct {
	objs []*classify.Object
	skip *classify.Object
	n    int
}

// around returns what helm applies around o, as
// classify.Result.PartialUpgrade says: the changed objects of its release
// before it and after it in install order, those of its kind, and the
// deletions it skips.
func (ins *installOrder) around(o *classify.Object) (before, after, same, skipped objectsAround) {
	l := ins.sorted[o.Release]
	// kinds have a total order: o's kind is one stretch of l, o among them
	lo := sort.Search(len(l), func(i int) bool { return !kube.HelmKindLess(ins.order, l[i].Ref.Kind, o.Ref.Kind) })
	hi := sort.Search(len(l), func(i int) bool { return kube.HelmKindLess(ins.order, o.Ref.Kind, l[i].Ref.Kind) })
	del := ins.deleted[o.Release]
	return objectsAround{l[:lo], nil, lo}, objectsAround{l[hi:], nil, len(l) - hi}, objectsAround{l[lo:hi], o, hi - lo - 1}, objectsAround{del, nil, len(del)}
}

// partialUpgrade says, in lines for people, what helm upgrade does with
// an object it cannot update in place: it fails there, applies the rest
// around it, and --force does not help.
func partialUpgrade(ins *installOrder, o *classify.Object) []string {
	before, after, same, skipped := ins.around(o)
	var groups []string
	for _, g := range []struct {
		what string
		objs objectsAround
	}{{"before it", before}, {"after it", after}, {"of its kind, in the chart's order", same}} {
		if g.objs.n > 0 {
			groups = append(groups, g.what+" "+refList(g.objs))
		}
	}
	var out []string
	if len(groups) > 0 {
		out = append(out, "helm goes on past the refusal and applies the other changes in its install order: "+strings.Join(groups, "; "))
	}
	end := "the release is marked failed"
	if len(groups) > 0 {
		end += ", and what was applied stays"
	}
	if skipped.n > 0 {
		end = "it skips the deletions (" + refList(skipped) + "); " + end
	}
	out = append(out, end)
	out = append(out, "--force (helm 4: --force-replace) does not help: helm replaces the object with a PUT, which the API server refuses the same way; delete it first (kubectl delete --cascade=orphan keeps a workload's pods), then upgrade")
	return out
}

// refList lists the references of a, at most five, and how many more.
func refList(a objectsAround) string {
	var refs []string
	for _, o := range a.objs {
		if o == a.skip {
			continue
		}
		if len(refs) == 5 {
			refs = append(refs, fmt.Sprintf("and %d more", a.n-5))
			break
		}
		refs = append(refs, o.Ref.String())
	}
	return strings.Join(refs, ", ")
}
