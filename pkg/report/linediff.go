package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aymanbagabas/go-udiff/lcs"

	"github.com/safediff/safediff/pkg/diffparse"
)

// The line diff inside a multi-line value (a ConfigMap's nginx.conf, a
// script, an embedded JSON document), shown by the text and markdown
// reports the way git diff shows a file: the changed lines with a few
// unchanged lines around them.
//
// The LCS comes from go-udiff, an export of golang.org/x/tools' internal
// diff: Myers' algorithm with the depth of its search bounded, so a value
// of any size costs time linear in its length times a small constant,
// and a value rewritten beyond the bound still gets a correct, if longer,
// diff.

const (
	// diffContext is the number of unchanged lines shown around changes.
	diffContext = 3
	// diffMaxLines caps the lines of one value's diff in a report; the
	// JSON report has the whole value.
	diffMaxLines = 60
)

// lineOp is what a line of a line diff is.
type lineOp byte

const (
	lineSame    lineOp = ' '
	lineRemoved lineOp = '-'
	lineAdded   lineOp = '+'
	lineHunk    lineOp = '@' // a hunk header: @@ -a,b +c,d @@
	lineElided  lineOp = '.' // what the cap left out
)

// diffLine is one rendered line of a line diff.
type diffLine struct {
	op   lineOp
	text string // printable: control characters escaped
}

// lineDiff is the line diff of a multi-line value.
type lineDiff struct {
	oldLines, newLines int
	removed, added     int
	// newlineOnly: the lines are the same and only the final newline
	// differs (a YAML "|" block against a "|-" block).
	newlineOnly bool
	lines       []diffLine
}

// valueLineDiff returns the line diff of a change whose old and new
// values are both shown and at least one of them has more than one line;
// ok is false for every other change (sensitive values never get one).
func valueLineDiff(c diffparse.Change) (d lineDiff, ok bool) {
	if c.Op != diffparse.Modify || !c.Old.Present() || !c.New.Present() || c.Old.Redacted || c.New.Redacted {
		return d, false
	}
	if !strings.Contains(c.Old.Text, "\n") && !strings.Contains(c.New.Text, "\n") {
		return d, false
	}
	return newLineDiff(c.Old.Text, c.New.Text, diffContext, diffMaxLines), true
}

// splitValueLines splits a value into lines without their terminators,
// and says whether it ended with a newline.
func splitValueLines(s string) ([]string, bool) {
	final := strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" && final {
		return []string{""}, true
	}
	return strings.Split(s, "\n"), final
}

// newLineDiff diffs old and new line by line, with context lines of
// context, and renders at most max lines of hunks.
func newLineDiff(old, new string, context, max int) lineDiff {
	a, aFinal := splitValueLines(old)
	b, bFinal := splitValueLines(new)
	d := lineDiff{oldLines: len(a), newLines: len(b)}
	edits := lcs.DiffLines(a, b)
	if len(edits) == 0 {
		d.newlineOnly = aFinal != bFinal
		return d
	}
	for _, e := range edits {
		d.removed += e.End - e.Start
		d.added += e.ReplEnd - e.ReplStart
	}
	// group the edits into hunks: edits closer than 2*context lines share
	// one, as in a unified diff
	var all []diffLine
	for i := 0; i < len(edits); {
		j := i
		for j+1 < len(edits) && edits[j+1].Start-edits[j].End <= 2*context {
			j++
		}
		first, last := edits[i], edits[j]
		aStart := max0(first.Start - context)
		aEnd := min(len(a), last.End+context)
		bStart := first.ReplStart - (first.Start - aStart)
		bEnd := last.ReplEnd + (aEnd - last.End)
		all = append(all, diffLine{op: lineHunk, text: fmt.Sprintf("@@ -%s +%s @@", hunkRange(aStart, aEnd), hunkRange(bStart, bEnd))})
		pos := aStart
		for k := i; k <= j; k++ {
			e := edits[k]
			for ; pos < e.Start; pos++ {
				all = append(all, diffLine{op: lineSame, text: printable(a[pos])})
			}
			for x := e.Start; x < e.End; x++ {
				all = append(all, diffLine{op: lineRemoved, text: printable(a[x])})
			}
			for y := e.ReplStart; y < e.ReplEnd; y++ {
				all = append(all, diffLine{op: lineAdded, text: printable(b[y])})
			}
			pos = e.End
		}
		for ; pos < aEnd; pos++ {
			all = append(all, diffLine{op: lineSame, text: printable(a[pos])})
		}
		i = j + 1
	}
	if len(all) > max {
		left := len(all) - max
		all = append(all[:max:max], diffLine{op: lineElided, text: fmt.Sprintf("… %d more %s of this diff (-o json has the whole value)", left, plural(left, "line", "lines"))})
	}
	d.lines = all
	return d
}

// hunkRange is the "start,count" of a hunk header, 1-based as in a
// unified diff (an empty range names the line before it).
func hunkRange(start, end int) string {
	n := end - start
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func max0(n int) int { return max(n, 0) }

// summary is the one-line description of the diff, for the line of the
// change: "9 lines -> 9 lines (-1 +1)".
func (d lineDiff) summary() string {
	s := fmt.Sprintf("%d %s -> %d %s", d.oldLines, plural(d.oldLines, "line", "lines"), d.newLines, plural(d.newLines, "line", "lines"))
	switch {
	case d.newlineOnly:
		return s + " (the same lines; only the final newline differs)"
	case d.removed == 0 && d.added == 0:
		return s + " (no line differs: the change is in the block's style or its final newline)"
	}
	return s + fmt.Sprintf(" (-%d +%d)", d.removed, d.added)
}

// String renders a diff line as in a unified diff.
func (l diffLine) String() string {
	switch l.op {
	case lineHunk, lineElided:
		return l.text
	}
	return string(l.op) + l.text
}

// printable escapes what a terminal or a markdown renderer would act on
// instead of showing: control characters (an ANSI escape sequence in a
// value must not recolour or move the reviewer's terminal) and invalid
// UTF-8. Tabs stay.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if isControl(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case isControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isControl(r rune) bool {
	return r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0))
}

// plural picks the singular or plural noun for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// count is "1 object", "2 objects".
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}
