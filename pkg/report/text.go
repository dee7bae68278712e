package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/rules"
)

// Text renders a Terraform-style plan for people. Its layout may change
// between versions; tools should read the JSON format.
type Text struct{}

type palette struct {
	level  map[rules.Level]*color.Color
	action map[diffparse.Action]*color.Color
	faint  *color.Color
	bold   *color.Color
	fail   *color.Color
	pass   *color.Color
	// the lines of a line diff inside a value
	diff map[lineOp]*color.Color
}

func newPalette(on bool) *palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return &palette{
		level: map[rules.Level]*color.Color{
			rules.Ignored:     mk(color.Faint),
			rules.Safe:        mk(color.FgGreen),
			rules.Restart:     mk(color.FgYellow),
			rules.Disruptive:  mk(color.FgRed),
			rules.Destructive: mk(color.FgRed, color.Bold),
		},
		action: map[diffparse.Action]*color.Color{
			diffparse.Create:    mk(color.FgGreen),
			diffparse.Update:    mk(color.FgYellow),
			diffparse.Delete:    mk(color.FgRed),
			diffparse.Replace:   mk(color.FgMagenta),
			diffparse.Ownership: mk(color.FgCyan),
		},
		faint: mk(color.Faint),
		bold:  mk(color.Bold),
		fail:  mk(color.FgRed, color.Bold),
		pass:  mk(color.FgGreen, color.Bold),
		diff: map[lineOp]*color.Color{
			lineSame:    mk(),
			lineRemoved: mk(color.FgRed),
			lineAdded:   mk(color.FgGreen),
			lineHunk:    mk(color.FgCyan),
			lineElided:  mk(color.Faint),
		},
	}
}

const textValueMax = 72

// Write implements [Writer].
func (Text) Write(out io.Writer, r *Report) error {
	if err := r.check(); err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	p := newPalette(r.Color)
	res := r.Result
	objs := res.Objects

	fmt.Fprintf(w, "safediff review (%s)\n", printable(inputDescription(r)))
	for _, n := range notes(r) {
		fmt.Fprintf(w, "%s %s\n", p.faint.Sprint("note:"), printable(n.Text))
	}
	if len(objs) == 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "No changes. helm diff found the chart the same as the release's last revision.")
		fmt.Fprintln(w, noChangesCaveat)
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Gate: %s\n", p.pass.Sprint(gateLine(r)))
		return w.Flush()
	}

	// releases, for multi-release plans: those the input introduced (with
	// or without changes), then any others the objects name
	releases := releaseOrder(res)
	// the legend lists the symbols in use
	used := map[diffparse.Action]bool{}
	for _, o := range objs {
		used[o.Action] = true
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "Symbols:")
	for _, a := range []diffparse.Action{diffparse.Create, diffparse.Update, diffparse.Replace, diffparse.Delete, diffparse.Ownership} {
		if used[a] {
			fmt.Fprintf(w, "  %s %s", p.action[a].Sprint(symbol(a)), actionWords(a))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Levels, lowest to highest: ignored, safe, restart, disruptive, destructive.")

	grouped, files := byRelease(objs), releaseFiles(res)
	var ins *installOrder // built when first needed
	for _, rel := range releases {
		relObjs := grouped[rel]
		if len(releases) > 1 || rel != "" {
			writeReleaseHeader(w, p, rel, files[rel], relObjs)
			if len(relObjs) == 0 {
				fmt.Fprintf(w, "\n  %s\n", p.faint.Sprint("No changes."))
			}
		}
		var quiet []*classify.Object
		for _, o := range relObjs {
			shown, ignored := visible(o, r.ShowIgnored)
			if len(shown) == 0 {
				quiet = append(quiet, o)
				continue
			}
			fmt.Fprintln(w)
			if ins == nil {
				ins = newInstallOrder(res)
			}
			writeObject(w, p, r, ins, o, shown, ignored)
		}
		if len(quiet) > 0 {
			fmt.Fprintln(w)
			fmt.Fprintf(w, "  %s\n", p.faint.Sprint("Only ignored changes (--show-ignored lists them):"))
			for _, o := range quiet {
				_, ignored := visible(o, false)
				fmt.Fprintf(w, "  %s %s %s\n", p.action[o.Action].Sprint(symbol(o.Action)), printable(o.Ref.String()), p.faint.Sprint("- "+ignoredSummary(ignored)))
			}
		}
	}

	fmt.Fprintln(w)
	if len(releases) > 1 {
		fmt.Fprintf(w, "Total over %d releases:\n", len(releases))
	}
	fmt.Fprintf(w, "Plan: %s.\n", planLine(objs))
	fmt.Fprintf(w, "Levels: %s (highest: %s).\n", levelsLine(objs), p.level[res.Highest].Sprint(res.Highest))
	g := gateLine(r)
	if r.Verdict.Tripped {
		g = p.fail.Sprint(g)
	} else {
		g = p.pass.Sprint(g)
	}
	fmt.Fprintf(w, "Gate: %s\n", g)
	return w.Flush()
}

func writeReleaseHeader(w io.Writer, p *palette, rel, file string, objs []*classify.Object) {
	highest := highestLevel(objs)
	name := rel
	if name == "" {
		name = "(no release)"
	}
	if file != "" {
		file = " (" + file + ")"
	}
	fmt.Fprintln(w)
	if len(objs) == 0 {
		fmt.Fprintf(w, "%s %s%s\n", p.bold.Sprint("Release"), p.bold.Sprint(printable(name)), printable(file))
		return
	}
	fmt.Fprintf(w, "%s %s%s: %s; highest %s\n", p.bold.Sprint("Release"), p.bold.Sprint(printable(name)), printable(file), planLine(objs), p.level[highest].Sprint(highest))
}

func writeObject(w io.Writer, p *palette, r *Report, ins *installOrder, o *classify.Object, shown, ignored []*classify.Finding) {
	lc := p.level[o.Level]
	fmt.Fprintf(w, "  %s %s %s %s\n", p.faint.Sprint("#"), printable(o.Ref.Display()), describeAction(o), lc.Sprintf("[%s]", o.Level))
	if len(o.Culprits) > 0 {
		var cs []string
		for _, c := range o.Culprits {
			cs = append(cs, c.String())
		}
		fmt.Fprintf(w, "  %s %s\n", p.faint.Sprint("#"), printable("the fields that cannot change: "+strings.Join(cs, ", ")))
	}
	if o.Action == diffparse.Replace {
		for _, l := range partialUpgrade(ins, o) {
			fmt.Fprintf(w, "  %s %s\n", p.faint.Sprint("#"), printable(l))
		}
	}
	if o.NewOwner != "" {
		from := o.OldOwner
		if from == "" {
			from = "(none)"
		}
		fmt.Fprintf(w, "  %s owner %s -> %s\n", p.faint.Sprint("#"), printable(from), printable(o.NewOwner))
	}
	fmt.Fprintf(w, "  %s %s\n", p.action[o.Action].Sprint(symbol(o.Action)), printable(o.Ref.String()))
	for _, f := range shown {
		fl := p.level[f.Level]
		d, multi := lineDiff{}, false
		if f.WholeObject {
			fmt.Fprintf(w, "      %s %s\n", fl.Sprint(f.Level.String()+":"), printable(f.Reason+ruleNote(f)))
		} else {
			what := changeText(*f.Change, textValueMax)
			if d, multi = valueLineDiff(*f.Change); multi {
				what = d.summary()
			}
			fmt.Fprintf(w, "      %s %s: %s\n", opSymbol(f.Change.Op), printable(pathText(f)), printable(what))
			fmt.Fprintf(w, "          %s %s\n", fl.Sprint(f.Level.String()+":"), printable(f.Reason+ruleNote(f)))
		}
		for _, extra := range findingNotes(r, f, identity, identity) {
			fmt.Fprintf(w, "          %s\n", p.faint.Sprint(printable(extra)))
		}
		for _, l := range d.lines {
			fmt.Fprintf(w, "            %s\n", p.diff[l.op].Sprint(l.String()))
		}
	}
	if len(ignored) > 0 {
		fmt.Fprintf(w, "      %s\n", p.faint.Sprint("("+ignoredSummary(ignored)+" hidden; --show-ignored lists them)"))
	}
}

func describeAction(o *classify.Object) string {
	switch o.Hook {
	case rules.HookIdle:
		return "is a helm hook this upgrade does not run"
	case rules.HookKept:
		return "is a helm hook: helm upgrade leaves its object"
	case rules.HookRecreated, rules.HookCreated:
		return "is a helm hook: helm creates it anew"
	case rules.LeavesRelease:
		return "leaves the release: helm upgrade deletes it"
	case rules.HookToResource:
		return "was a helm hook: helm may not adopt what its last run left"
	}
	if o.Rule == rules.KeepRule {
		return "is left in the cluster (helm.sh/resource-policy: keep)"
	}
	switch o.Action {
	case diffparse.Create:
		return "will be created"
	case diffparse.Delete:
		return "will be destroyed"
	case diffparse.Replace:
		return "cannot be updated in place: helm upgrade will fail here (partial upgrade)"
	case diffparse.Ownership:
		return "changes owner"
	}
	return "will be updated in place"
}

func ruleNote(f *classify.Finding) string {
	var parts []string
	parts = append(parts, f.Rule)
	if f.Pos.Line > 0 {
		parts = append(parts, fmt.Sprintf("line %d", f.Pos.Line))
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

func releaseOrder(res *classify.Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range res.Plan.Releases {
		if !seen[r.Name] {
			seen[r.Name] = true
			out = append(out, r.Name)
		}
	}
	for _, o := range res.Objects {
		if !seen[o.Release] {
			seen[o.Release] = true
			out = append(out, o.Release)
		}
	}
	return out
}

// byRelease groups objects by their release, in their order, in one pass
// (looking each release's up among all objects took time quadratic in
// the releases of a helmfile or Stevedore stream).
func byRelease(objs []*classify.Object) map[string][]*classify.Object {
	out := map[string][]*classify.Object{}
	for _, o := range objs {
		out[o.Release] = append(out[o.Release], o)
	}
	return out
}

// releaseFiles returns the file (a Stevedore manifest) of each release
// that names one.
func releaseFiles(res *classify.Result) map[string]string {
	out := map[string]string{}
	for _, rl := range res.Plan.Releases {
		if rl.File != "" {
			out[rl.Name] = rl.File
		}
	}
	return out
}
