package report

import (
	"errors"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/rules"
)

// DefaultMaxBytes is the default size budget of the markdown report: a
// GitHub comment holds at most 65,536 characters.
const DefaultMaxBytes = 60000

// MinMaxBytes is the smallest byte budget of the markdown report: the
// marker, the verdict, the plan line and the gate always fit in it.
const MinMaxBytes = 1024

// MarkerPrefix starts the HTML comment that opens every markdown report:
//
//	<!-- safediff:report release=shop namespace=prod context=eu-1 -->
//
// It is invisible in the rendered comment. A CI step that finds a comment
// starting with the marker of its release updates that comment instead of
// adding a new one (a "sticky" comment). Fields that are not known are
// left out; values are percent-encoded.
const MarkerPrefix = "<!-- safediff:report"

// Markdown renders a pull-request comment: a summary, then one collapsible
// section per object, highest level first, within a byte budget
// ([Report.MaxBytes], at least [MinMaxBytes]). When the budget runs out,
// the remaining objects are listed in one line each, and then only
// counted; the marker, the verdict, the plan line and the gate always fit.
//
// Every value, path, object reference and name from the input is in a
// code span, and free text is escaped, so nothing in a chart or a diff
// can format the comment, link, or mention anyone.
type Markdown struct{}

const (
	mdValueMax = 60
	// mdNameMax caps each name in the header and marker, in bytes.
	mdNameMax = 40
	// mdReserve is kept back from the optional parts for the line that
	// counts what did not fit.
	mdReserve = 160
)

// CheckMaxBytes validates a markdown byte budget given by a user: 0 and
// negative budgets, and those below [MinMaxBytes], are errors.
func CheckMaxBytes(n int) error {
	if n < MinMaxBytes {
		return fmt.Errorf("markdown byte budget %d is below the minimum of %d bytes", n, MinMaxBytes)
	}
	return nil
}

// Write implements [Writer].
func (Markdown) Write(w io.Writer, r *Report) error {
	if err := r.check(); err != nil {
		return err
	}
	budget := r.MaxBytes
	if budget == 0 {
		budget = DefaultMaxBytes
	}
	if err := CheckMaxBytes(budget); err != nil {
		return err
	}
	res := r.Result
	b := mdBudget{limit: budget}

	// what always fits: the marker, the verdict, the plan and the gate
	icon, verdict := "✅", "passed"
	if r.Verdict.Tripped {
		icon, verdict = "❌", "tripped"
	}
	release, namespace := r.Release, r.Namespace
	if release == "" && len(res.Plan.Releases) == 1 {
		release = res.Plan.Releases[0].Name
		if namespace == "" {
			namespace = res.Plan.Releases[0].Namespace
		}
	}
	var must strings.Builder
	must.WriteString(mdMarker(release, namespace, r.KubeContext))
	fmt.Fprintf(&must, "### %s safediff: gate %s%s\n\n", icon, verdict, mdTarget(release, namespace, r.KubeContext, len(res.Plan.Releases)))
	if len(res.Objects) == 0 {
		must.WriteString("No changes. helm diff found the chart the same as the release's last revision. " + noChangesCaveat + "\n\n")
	}
	fmt.Fprintf(&must, "**Plan:** %s. **Highest level:** %s. **Gate:** %s, exit %d.\n\n",
		planLine(res.Objects), res.Highest, gateText(r), r.Verdict.ExitCode)
	if !b.add(must.String()) {
		return errors.New("markdown: the summary does not fit the byte budget") // cannot happen above MinMaxBytes
	}
	b.limit -= mdReserve

	if len(res.Objects) > 0 {
		var t strings.Builder
		t.WriteString("| Level | Objects |\n| --- | ---: |\n")
		_, l := counts(res.Objects)
		for lv := rules.Destructive; lv >= rules.Ignored; lv-- {
			fmt.Fprintf(&t, "| %s | %d |\n", lv, l[lv])
		}
		t.WriteString("\n")
		b.add(t.String())
	}
	// a note may quote the input (helm's warnings): escaped whole
	allNotes := notes(r)
	texts := make([]string, len(allNotes))
	size := 0
	for i, n := range allNotes {
		texts[i] = fmt.Sprintf("> **Note:** %s\n\n", mdText(n.Text))
		size += len(texts[i])
	}
	if b.Len()+size > b.limit {
		// not all fit: the review's own notes (a user's rule that lowered
		// a finding, accept entries that name nothing) before the input's
		// (helm's warnings, which may be many)
		n := len(r.Result.Plan.Notes)
		texts = slices.Concat(texts[n:], texts[:n])
	}
	for i, text := range texts {
		if !b.add(text) {
			left := len(allNotes) - i
			b.limit += mdReserve
			b.add(fmt.Sprintf("> %s not shown (byte budget); `-o json` lists them.\n\n", count(left, "more note", "more notes")))
			b.limit -= mdReserve
			break
		}
	}

	// the objects: whole sections while they fit, then one line each,
	// then only a count
	releases := releaseOrder(res)
	grouped := len(releases) > 1 || len(releases) == 1 && releases[0] != ""
	lastRelease := "\x00"
	var quiet, rest []*classify.Object
	var byRel map[string][]*classify.Object
	var ins *installOrder
	for i, o := range res.Objects {
		shown, ignored := visible(o, r.ShowIgnored)
		if len(shown) == 0 {
			quiet = append(quiet, o)
			continue
		}
		if ins == nil {
			ins = newInstallOrder(res)
		}
		sec := mdObject(r, ins, o, shown, ignored, b.limit-b.Len())
		if grouped && o.Release != lastRelease {
			if byRel == nil {
				byRel = byRelease(res.Objects)
			}
			sec = mdRelease(o.Release, byRel[o.Release]) + sec
		}
		if !b.add(sec) {
			rest = res.Objects[i:]
			break
		}
		lastRelease = o.Release
	}
	if len(rest) > 0 {
		b.add("\n**Not shown in full (byte budget):**\n\n")
		listed := 0
		for _, o := range rest {
			if shown, _ := visible(o, r.ShowIgnored); len(shown) == 0 {
				continue
			}
			line := fmt.Sprintf("- **%s** %s %s\n", o.Level, mdCode(clipBytes(symbol(o.Action)+" "+o.Ref.String(), 200)), describeAction(o))
			if !b.add(line) {
				break
			}
			listed++
		}
		b.limit += mdReserve
		if left := countShown(rest, r.ShowIgnored) - listed; left > 0 {
			b.add(fmt.Sprintf("- … and %d more; see the JSON report (`-o json`).\n", left))
		}
		b.limit -= mdReserve
	}
	if len(quiet) > 0 {
		var items strings.Builder
		fmt.Fprintf(&items, "\n<details><summary>%s with ignored changes only</summary>\n\n", count(len(quiet), "object", "objects"))
		for _, o := range quiet {
			_, ignored := visible(o, false)
			fmt.Fprintf(&items, "- %s: %s\n", mdCode(symbol(o.Action)+" "+o.Ref.String()), mdText(ignoredSummary(ignored)))
		}
		items.WriteString("\n</details>\n")
		if !b.add(items.String()) {
			b.limit += mdReserve
			b.add(fmt.Sprintf("\n%s with ignored changes only.\n", count(len(quiet), "object", "objects")))
			b.limit -= mdReserve
		}
	}
	b.add(fmt.Sprintf("\n<sub>safediff review; input: %s.</sub>\n", mdText(clipBytes(inputDescription(r), 300))))
	_, err := io.WriteString(w, b.String())
	return err
}

// mdBudget collects the parts of the report that fit within limit bytes.
type mdBudget struct {
	strings.Builder
	limit int
}

// add appends s when it fits and says whether it did.
func (b *mdBudget) add(s string) bool {
	if b.Len()+len(s) > b.limit {
		return false
	}
	b.WriteString(s)
	return true
}

// mdMarker is the sticky-comment marker (see [MarkerPrefix]).
func mdMarker(release, namespace, context string) string {
	var b strings.Builder
	b.WriteString(MarkerPrefix)
	for _, f := range []struct{ k, v string }{{"release", release}, {"namespace", namespace}, {"context", context}} {
		if f.v != "" {
			fmt.Fprintf(&b, " %s=%s", f.k, markerValue(clipBytes(f.v, mdNameMax)))
		}
	}
	b.WriteString(" -->\n")
	return b.String()
}

// markerValue percent-encodes all but letters, digits and . _ / : @ -,
// and every '-' that follows another, so no value can end the comment.
func markerValue(s string) string {
	var b strings.Builder
	prev := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._/:@", c) >= 0 || c == '-' && prev != '-'
		if ok {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
		prev = c
	}
	return b.String()
}

// mdTarget is the title's "for release …" part, from what is known.
func mdTarget(release, namespace, context string, releases int) string {
	var parts []string
	switch {
	case release != "":
		s := " for release " + mdCode(clipBytes(release, mdNameMax))
		if namespace != "" {
			s += " in " + mdCode(clipBytes(namespace, mdNameMax))
		}
		parts = append(parts, s)
	case releases > 1:
		parts = append(parts, fmt.Sprintf(" for %d releases", releases))
	}
	if context != "" {
		parts = append(parts, " (context "+mdCode(clipBytes(context, mdNameMax))+")")
	}
	return strings.Join(parts, "")
}

// mdRelease is the heading of a release's section.
func mdRelease(name string, objs []*classify.Object) string {
	highest := highestLevel(objs)
	title := "(no release)"
	if name != "" {
		title = mdCode(clipBytes(name, 200))
	}
	return fmt.Sprintf("\n#### Release %s: highest %s\n\n%s.\n\n", title, highest, planLine(objs))
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

// mdObject is the section of an object. It stops once the section has
// grown past limit bytes, which it then cannot fit: an object of a
// hundred thousand changes is not rendered whole to be left out.
func mdObject(r *Report, ins *installOrder, o *classify.Object, shown, ignored []*classify.Finding, limit int) string {
	var b strings.Builder
	open := ""
	if o.Level >= rules.Disruptive {
		open = " open"
	}
	rel := ""
	if o.Release != "" {
		rel = " (release <code>" + html.EscapeString(printable(o.Release)) + "</code>)"
	}
	fmt.Fprintf(&b, "<details%s><summary><b>%s</b> <code>%s %s</code> %s%s</summary>\n\n", open, o.Level, html.EscapeString(symbol(o.Action)), html.EscapeString(printable(o.Ref.String())), describeAction(o), rel)
	if len(o.Culprits) > 0 {
		var cs []string
		for _, c := range o.Culprits {
			cs = append(cs, mdCode(c.String()))
		}
		fmt.Fprintf(&b, "The fields that cannot change: %s\n\n", strings.Join(cs, ", "))
	}
	if o.Action == diffparse.Replace {
		for _, l := range partialUpgrade(ins, o) {
			fmt.Fprintf(&b, "- %s\n", mdText(l))
		}
		b.WriteString("\n")
	}
	if o.NewOwner != "" {
		from := "(none)"
		if o.OldOwner != "" {
			from = mdCode(o.OldOwner)
		}
		fmt.Fprintf(&b, "Owner: %s → %s\n\n", from, mdCode(o.NewOwner))
	}
	b.WriteString("| | Field | Change | Level | Why |\n| --- | --- | --- | --- | --- |\n")
	type valueDiff struct {
		path string
		d    lineDiff
	}
	var diffs []valueDiff
	for _, f := range shown {
		if b.Len() > limit {
			return b.String()
		}
		field := "(object)"
		change := ""
		if !f.WholeObject {
			field = mdCellCode(pathText(f))
			if d, ok := valueLineDiff(*f.Change); ok {
				change = d.summary()
				if len(d.lines) > 0 {
					change += ", below"
					diffs = append(diffs, valueDiff{pathText(f), d})
				}
			} else {
				change = mdChange(*f.Change)
			}
		}
		why := mdText(f.Reason) + " (" + mdCellCode(f.Rule) + ")"
		if notes := findingNotes(r, f, mdCellCode, mdText); len(notes) > 0 {
			why += "<br>" + strings.Join(notes, "; ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", opSymbol(f.Change.Op), field, change, f.Level, why)
	}
	for _, vd := range diffs {
		fmt.Fprintf(&b, "\n%s:\n\n%s", mdCode(vd.path), mdFence(vd.d))
	}
	if len(ignored) > 0 {
		fmt.Fprintf(&b, "\n%s hidden.\n", mdText(ignoredSummary(ignored)))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

// mdChange is a change's old and new values, each in a code span, for a
// table cell; sensitive values are only sized.
func mdChange(c diffparse.Change) string {
	redacted := c.Old.Redacted || c.New.Redacted
	switch c.Op {
	case diffparse.Add:
		if redacted {
			return "value added" + bytesNote(c.New)
		}
		return mdCellCode(value(c.New, mdValueMax))
	case diffparse.Remove:
		if redacted {
			return "value removed" + bytesNote(c.Old)
		}
		return mdCellCode(value(c.Old, mdValueMax))
	case diffparse.Reformat, diffparse.Hidden:
		return mdText(changeText(c, mdValueMax))
	}
	if redacted {
		return "value changed" + bytesNote(c.New)
	}
	return mdCellCode(value(c.Old, mdValueMax)) + " → " + mdCellCode(value(c.New, mdValueMax))
}

// mdFence renders a line diff as a fenced diff block, with a fence longer
// than any run of backticks in it, so no line of the value can close it.
func mdFence(d lineDiff) string {
	var body strings.Builder
	for _, l := range d.lines {
		body.WriteString(l.String())
		body.WriteString("\n")
	}
	fence := strings.Repeat("`", max(3, longestRun(body.String(), '`')+1))
	return fence + "diff\n" + body.String() + fence + "\n"
}

// mdCode renders s as a CommonMark code span: delimited by more backticks
// than any run inside it, padded with a space where s starts or ends with
// a backtick or with a space (which the renderer strips), with line
// breaks and control characters escaped. Nothing inside a code span is
// formatting, a link or a mention.
func mdCode(s string) string {
	s = printable(s)
	if s == "" {
		return `""`
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "" {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// mdCellCode is [mdCode] inside a table cell, where a pipe must be
// escaped even in a code span (GitHub then shows it unescaped).
func mdCellCode(s string) string {
	return strings.ReplaceAll(mdCode(s), "|", `\|`)
}

var (
	mdLineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ")
	mdLinks      = strings.NewReplacer("://", ":\u200b//", "www.", "www\u200b.", "WWW.", "WWW\u200b.")
)

// mdText escapes free text: HTML, every markdown punctuation character,
// and what GitHub would turn into a mention, an issue link or a link
// (a zero-width space after '@' and '#', and inside "://" and "www.",
// breaks the pattern, as Renovate's release notes do). Line breaks
// become spaces.
func mdText(s string) string {
	var b strings.Builder
	s = printable(mdLineBreaks.Replace(s))
	s = mdLinks.Replace(s)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '@', '#':
			b.WriteRune(r)
			b.WriteString("&#8203;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// clipBytes cuts s to at most n bytes at a rune boundary, marking the cut.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
