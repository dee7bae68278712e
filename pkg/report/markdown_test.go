package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/benchgen"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// TestMarkdownBudget renders a large plan within byte budgets: the output
// never exceeds the budget, the verdict and summary are always there, and
// what did not fit is named or counted.
func TestMarkdownBudget(t *testing.T) {
	var in bytes.Buffer
	if err := benchgen.Release(300, &in); err != nil {
		t.Fatal(err)
	}
	reviewed, err := review.Review(&in, review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := reviewed.Result
	for _, budget := range []int{4000, 20000, 60000} {
		rep := report.New(res, gate.Default())
		rep.MaxBytes = budget
		var out bytes.Buffer
		if err := (report.Markdown{}).Write(&out, rep); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		if len(s) > budget {
			t.Errorf("budget %d: %d bytes written", budget, len(s))
		}
		for _, want := range []string{"safediff: gate tripped", "**Plan:**", "| disruptive |"} {
			if !strings.Contains(s, want) {
				t.Errorf("budget %d: summary lacks %q", budget, want)
			}
		}
		if !strings.Contains(s, "Not shown in full (byte budget)") {
			t.Errorf("budget %d: a 300-object plan should not fit; nothing says what was left out", budget)
		}
		// the highest levels come first: the first section is disruptive
		if i := strings.Index(s, "<details"); i < 0 || !strings.Contains(s[i:i+80], "disruptive") {
			t.Errorf("budget %d: the first section is not the highest level", budget)
		}
	}
}
