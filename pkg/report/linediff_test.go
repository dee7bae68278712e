package report

import (
	"strings"
	"testing"
)

// The line diff renders hunks as git diff does: headers with 1-based
// starts and lengths, context around the changes, and the cap.
func TestNewLineDiff(t *testing.T) {
	cases := []struct {
		name, old, new string
		want           string // the rendered lines, joined by |
		summary        string
		reason         string
	}{
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", "@@ -1,3 +1,3 @@| a|-b|+B| c", "3 lines -> 3 lines (-1 +1)",
			"context on both sides, within the value"},
		{"insert at the top", "b\nc\n", "a\nb\nc\n", "@@ -1,2 +1,3 @@|+a| b| c", "2 lines -> 3 lines (-0 +1)",
			"the hunk starts at the first line, with the context after the insertion"},
		{"append", "a\n", "a\nb\n", "@@ -1 +1,2 @@| a|+b", "1 line -> 2 lines (-0 +1)",
			"a one-line range has no count"},
		{"far apart", strings.Repeat("x\n", 5) + "a\n" + strings.Repeat("y\n", 10) + "b\n", strings.Repeat("x\n", 5) + "A\n" + strings.Repeat("y\n", 10) + "B\n",
			"@@ -3,7 +3,7 @@| x| x| x|-a|+A| y| y| y|@@ -14,4 +14,4 @@| y| y| y|-b|+B", "17 lines -> 17 lines (-2 +2)",
			"changes more than twice the context apart are separate hunks"},
		{"final newline only", "a\nb\n", "a\nb", "", "2 lines -> 2 lines (the same lines; only the final newline differs)",
			"a | block against a |- block: no line differs"},
		{"control characters", "a\n\x1b[31mred\n", "a\nplain\n", `@@ -1,2 +1,2 @@| a|-\u001b[31mred|+plain`, "2 lines -> 2 lines (-1 +1)",
			"an escape sequence in a value is shown, not sent to the terminal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newLineDiff(tc.old, tc.new, 3, 60)
			var got []string
			for _, l := range d.lines {
				got = append(got, l.String())
			}
			if g := strings.Join(got, "|"); g != tc.want {
				t.Errorf("lines\n got %q\nwant %q\n(%s)", g, tc.want, tc.reason)
			}
			if s := d.summary(); s != tc.summary {
				t.Errorf("summary %q, want %q (%s)", s, tc.summary, tc.reason)
			}
		})
	}
}

// A value of any size costs bounded work and output: the diff of two
// unrelated 20,000-line values is capped at the limit plus one line.
func TestNewLineDiffLarge(t *testing.T) {
	var a, b strings.Builder
	for i := range 20000 {
		a.WriteString("old " + strings.Repeat("x", i%7) + "\n")
		b.WriteString("new " + strings.Repeat("y", i%5) + "\n")
	}
	d := newLineDiff(a.String(), b.String(), 3, 60)
	if len(d.lines) != 61 || !strings.Contains(d.lines[60].String(), "more lines of this diff") {
		t.Errorf("%d lines, last %q; want 60 and a line saying what was cut", len(d.lines), d.lines[len(d.lines)-1])
	}
}
