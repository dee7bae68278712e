package report

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/rules"
)

// DefaultMaxBytes is the default size budget of the markdown report: a
// GitHub comment holds at most 65,536 characters.
const DefaultMaxBytes = 60000

// Markdown renders a pull-request comment: a summary, then one collapsible
// section per object, highest level first, within a byte budget. When the
// budget runs out, the remaining objects are listed in one line each, and
// then only counted; the summary and the verdict always fit.
type Markdown struct{}

const mdValueMax = 60

// Write implements [Writer].
func (Markdown) Write(w io.Writer, r *Report) error {
	budget := r.MaxBytes
	if budget <= 0 {
		budget = DefaultMaxBytes
	}
	res := r.Result
	var head strings.Builder
	icon := "✅"
	verdict := "passed"
	if r.Verdict.Tripped {
		icon, verdict = "❌", "tripped"
	}
	fmt.Fprintf(&head, "### %s safediff: gate %s\n\n", icon, verdict)
	if len(res.Objects) == 0 {
		fmt.Fprintf(&head, "No changes. The release already matches the chart.\n\n")
	}
	fmt.Fprintf(&head, "**Plan:** %s. **Highest level:** %s. **Gate:** %s, exit %d.\n\n", planLine(res.Objects), res.Highest, gateText(r), r.Verdict.ExitCode)
	for _, n := range notes(r) {
		fmt.Fprintf(&head, "> **Note:** %s\n\n", mdText(n.Text))
	}
	if len(res.Objects) > 0 {
		fmt.Fprintf(&head, "| Level | Objects |\n| --- | ---: |\n")
		_, l := counts(res.Objects)
		for lv := rules.Destructive; lv >= rules.Ignored; lv-- {
			fmt.Fprintf(&head, "| %s | %d |\n", lv, l[lv])
		}
		head.WriteString("\n")
	}
	var foot strings.Builder
	fmt.Fprintf(&foot, "\n<sub>safediff %s; input: %s.</sub>\n", "review", mdText(inputDescription(r)))

	var body strings.Builder
	used := head.Len() + foot.Len()
	var quiet []*classify.Object
	var rest []*classify.Object
	releases := releaseOrder(res)
	grouped := len(releases) > 1 || len(releases) == 1 && releases[0] != ""
	lastRelease := "\x00"
	for i, o := range res.Objects {
		shown, ignored := visible(o, r.ShowIgnored)
		if len(shown) == 0 {
			quiet = append(quiet, o)
			continue
		}
		sec := mdObject(r, o, shown, ignored)
		if grouped && o.Release != lastRelease {
			sec = mdRelease(res, o.Release) + sec
			lastRelease = o.Release
		}
		if used+body.Len()+len(sec) > budget-512 {
			rest = res.Objects[i:]
			break
		}
		body.WriteString(sec)
	}
	var tail strings.Builder
	if len(rest) > 0 {
		tail.WriteString("\n**Not shown in full (byte budget):**\n\n")
		n := 0
		for _, o := range rest {
			if shown, _ := visible(o, r.ShowIgnored); len(shown) == 0 {
				continue
			}
			line := fmt.Sprintf("- **%s** `%s %s` %s\n", o.Level, symbol(o.Action), mdCode(o.Ref.String()), describeAction(o))
			if used+body.Len()+tail.Len()+len(line) > budget-256 {
				break
			}
			tail.WriteString(line)
			n++
		}
		if left := countShown(rest, r.ShowIgnored) - n; left > 0 {
			fmt.Fprintf(&tail, "- … and %d more; see the JSON report (`-o json`).\n", left)
		}
	}
	if len(quiet) > 0 {
		line := fmt.Sprintf("\n<details><summary>%d objects with ignored changes only</summary>\n\n", len(quiet))
		var items strings.Builder
		for _, o := range quiet {
			_, ignored := visible(o, false)
			items.WriteString(fmt.Sprintf("- `%s %s`: %s\n", symbol(o.Action), mdCode(o.Ref.String()), mdText(ignoredSummary(ignored))))
		}
		block := line + items.String() + "\n</details>\n"
		if used+body.Len()+tail.Len()+len(block) <= budget {
			tail.WriteString(block)
		} else {
			fmt.Fprintf(&tail, "\n%d objects with ignored changes only.\n", len(quiet))
		}
	}
	_, err := io.WriteString(w, head.String()+body.String()+tail.String()+foot.String())
	return err
}

// mdRelease is the heading of a release's section.
func mdRelease(res *classify.Result, name string) string {
	objs := objectsOf(res.Objects, name)
	highest := highestLevel(objs)
	if name == "" {
		name = "(no release)"
	}
	return fmt.Sprintf("\n#### Release %s: highest %s\n\n%s.\n\n", mdText(name), highest, planLine(objs))
}

func countShown(objs []*classify.Object, showIgnored bool) int {
	n := 0
	for _, o := range objs {
		if shown, _ := visible(o, showIgnored); len(shown) > 0 {
			n++
		}
	}
	return n
}

func mdObject(r *Report, o *classify.Object, shown, ignored []*classify.Finding) string {
	var b strings.Builder
	open := ""
	if o.Level >= rules.Disruptive {
		open = " open"
	}
	rel := ""
	if o.Release != "" {
		rel = " (release " + mdText(o.Release) + ")"
	}
	fmt.Fprintf(&b, "<details%s><summary><b>%s</b> <code>%s %s</code> %s%s</summary>\n\n", open, o.Level, html.EscapeString(symbol(o.Action)), html.EscapeString(o.Ref.String()), describeAction(o), rel)
	if len(o.Culprits) > 0 {
		var cs []string
		for _, c := range o.Culprits {
			cs = append(cs, "`"+mdCode(c.String())+"`")
		}
		fmt.Fprintf(&b, "The fields that cannot change: %s\n\n", strings.Join(cs, ", "))
	}
	if o.Action == diffparse.Replace {
		for _, l := range partialUpgrade(r.Result, o) {
			fmt.Fprintf(&b, "- %s\n", mdText(l))
		}
		b.WriteString("\n")
	}
	b.WriteString("| | Field | Change | Level | Why |\n| --- | --- | --- | --- | --- |\n")
	for _, f := range shown {
		field := "(object)"
		change := ""
		if !f.WholeObject {
			field = "`" + mdCode(pathText(f)) + "`"
			change = mdCell(changeText(f.Change, mdValueMax))
		}
		why := mdCell(f.Reason) + " (`" + mdCode(f.Rule) + "`)"
		if notes := findingNotes(r, f); len(notes) > 0 {
			why += "<br>" + mdCell(strings.Join(notes, "; "))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(opSymbol(f.Change.Op)), field, change, f.Level, why)
	}
	if len(ignored) > 0 {
		fmt.Fprintf(&b, "\n%s hidden.\n", mdText(ignoredSummary(ignored)))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

// mdCell makes text safe inside a table cell.
func mdCell(s string) string {
	s = html.EscapeString(s)
	s = strings.ReplaceAll(s, "|", "&#124;")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "`", "&#96;")
	return s
}

// mdCode makes text safe inside backticks within a table.
func mdCode(s string) string {
	s = strings.ReplaceAll(s, "`", "'")
	s = strings.ReplaceAll(s, "|", "\\|")
	return s
}

// mdText escapes free text.
func mdText(s string) string {
	return html.EscapeString(strings.ReplaceAll(s, "\n", " "))
}
