package report_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/safediff/safediff/internal/benchgen"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// reportOf reviews a file of testdata/ with the default rules.
func reportOf(t *testing.T, name string) *report.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := review.Review(f, review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep.Source = name
	return rep
}

func render(t *testing.T, w report.Writer, rep *report.Report) string {
	t.Helper()
	var out bytes.Buffer
	if err := w.Write(&out, rep); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// golden compares got with testdata/golden/NAME, or rewrites it with
// -update (make update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file (go test ./pkg/report -run %s -update): %v", t.Name(), err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

// TestGoldenReports renders the report cases of testdata/ in text and
// markdown and compares them with testdata/golden.
func TestGoldenReports(t *testing.T) {
	cases := []struct {
		name, input string
		setup       func(*report.Report)
		reason      string
	}{
		{"multiline", "multiline-configmap.diff", nil,
			"a one-line change inside nginx.conf shows as that line with three lines of context; two changes far apart are two hunks; a rewrite is capped; a change no line shows says so"},
		{"hostile", "hostile.diff", nil,
			"emphasis, links, mentions, issue references, backticks, HTML and pipes in values and keys render literally: every value and path is in a code span"},
		{"context", "hostile.diff", func(r *report.Report) { r.Release, r.Namespace, r.KubeContext = "shop", "prod", "eu-1" },
			"the header names the release, namespace and kube context, and the sticky-comment marker carries them"},
		{"hooks", "hooks.diff", nil,
			"a helm hook says what helm does with it (created anew, not run now, left in place), its changes judged as that; an object of resource policy keep is left in the cluster"},
		{"hostile-context", "multiline-configmap.diff", func(r *report.Report) {
			r.Release, r.Namespace, r.KubeContext = "a --> b **c**", "@everyone", "`ctx` #1"
		}, "names from the environment are code spans in the title and percent-encoded in the marker, which no value can end"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range []struct {
				ext string
				w   report.Writer
			}{{"txt", report.Text{}}, {"md", report.Markdown{}}} {
				rep := reportOf(t, tc.input)
				if tc.setup != nil {
					tc.setup(rep)
				}
				golden(t, tc.name+"."+f.ext, render(t, f.w, rep))
			}
		})
	}
}

// TestMarkdownRendersLiterally renders the markdown report of hostile
// values to HTML with a CommonMark + GFM renderer (tables, autolinks,
// strikethrough) and checks that no value became formatting, a link, an
// image or HTML, and that every hostile value is inside a code element.
func TestMarkdownRendersLiterally(t *testing.T) {
	for _, input := range []string{"hostile.diff", "multiline-configmap.diff"} {
		rep := reportOf(t, input)
		rep.Release, rep.Namespace, rep.KubeContext = "a **b** [c](https://evil.example)", "@everyone", "`x` #1"
		// notes quote the input (helm's warnings), and the source is a file name
		rep.Result.Plan.Notes = append(rep.Result.Plan.Notes, notef("helm warned: @everyone see #123 **now** [x](https://evil.example) <img src=x> `code`"))
		rep.Source = "@team #9 **plan**.diff"
		md := render(t, report.Markdown{}, rep)
		var out bytes.Buffer
		gm := goldmark.New(goldmark.WithExtensions(extension.GFM))
		if err := gm.Convert([]byte(md), &out); err != nil {
			t.Fatal(err)
		}
		html := out.String()
		for _, bad := range []string{"<strong>b</strong>", "<em>i</em>", "<del>", "<a href", "<img", "<script", "<details open>\n<summary>", "<strong>key</strong>", "<strong>bold</strong>"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s: the rendered comment contains %q: a value was interpreted as markdown or HTML\n%s", input, bad, html)
			}
		}
		// the values appear verbatim inside code elements
		code := strings.Join(regexp.MustCompile(`(?s)<code>(.*?)</code>`).FindAllString(html, -1), "\n")
		for _, want := range []string{"**b** and _i_ and ~~s~~", "[link](https://evil.example/x)", "@everyone please look at #123",
			"``double`` and `single`", "`starts and ends`", "&lt;script&gt;alert(1)&lt;/script&gt;", "c | d || e", "a|b", "@everyone **key**"} {
			if input == "hostile.diff" && !strings.Contains(code, want) {
				t.Errorf("%s: %q is not shown verbatim in a code element:\n%s", input, want, code)
			}
		}
		// mentions and issue references outside code are broken up
		outside := regexp.MustCompile(`(?s)<code>.*?</code>|<pre>.*?</pre>`).ReplaceAllString(html, "")
		if m := regexp.MustCompile(`[@#][A-Za-z0-9]`).FindString(outside); m != "" {
			t.Errorf("%s: %q outside code would mention someone or link an issue:\n%s", input, m, outside)
		}
	}
}

// TestMarkdownCodeSpans checks the code spans of awkward values through a
// CommonMark renderer: the text inside the code element is the value.
func TestMarkdownCodeSpans(t *testing.T) {
	for _, v := range []string{"plain", "a`b", "``", "`x`", " lead", "trail ", " both ", "   ", "a|b", "x\ny", "<b>", "*e*"} {
		span := report.MarkdownCode(v)
		var out bytes.Buffer
		if err := goldmark.New().Convert([]byte(span), &out); err != nil {
			t.Fatal(err)
		}
		want := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", `\u000a`).Replace(v)
		got := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(out.String()), "<p><code>"), "</code></p>")
		if got != want {
			t.Errorf("code span of %q is %q and renders as %q, want %q", v, span, got, want)
		}
	}
}

// TestMarkdownBudget renders a large plan within byte budgets: the output
// never exceeds the budget, the verdict and summary are always there, and
// what did not fit is named or counted.
func TestMarkdownBudget(t *testing.T) {
	var in bytes.Buffer
	if err := benchgen.Release(300, &in); err != nil {
		t.Fatal(err)
	}
	base, err := review.Review(&in, review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, budget := range []int{report.MinMaxBytes, 1500, 4000, 20000, 60000} {
		rep := report.New(base.Result, gate.Default())
		rep.MaxBytes = budget
		rep.Release, rep.Namespace, rep.KubeContext = strings.Repeat("r", 300), strings.Repeat("ñ", 300), strings.Repeat("-", 300)
		s := render(t, report.Markdown{}, rep)
		if len(s) > budget {
			t.Errorf("budget %d: %d bytes written", budget, len(s))
		}
		for _, want := range []string{report.MarkerPrefix, "safediff: gate tripped", "**Plan:**", "exit 2"} {
			if !strings.Contains(s, want) {
				t.Errorf("budget %d: summary lacks %q", budget, want)
			}
		}
		if !strings.Contains(s, "more; see the JSON report") && !strings.Contains(s, "Not shown in full (byte budget)") {
			t.Errorf("budget %d: a 300-object plan should not fit; nothing says what was left out", budget)
		}
		if budget >= 4000 {
			// the highest levels come first: the first section is disruptive
			if i := strings.Index(s, "<details"); i < 0 || !strings.Contains(s[i:i+80], "disruptive") {
				t.Errorf("budget %d: the first section is not the highest level", budget)
			}
		}
	}
}

// TestMarkdownBudgetHostile fills every part of the report with long
// values: the output stays within every budget from the minimum up.
func TestMarkdownBudgetHostile(t *testing.T) {
	for _, input := range []string{"hostile.diff", "multiline-configmap.diff"} {
		for budget := report.MinMaxBytes; budget <= 12000; budget += 97 {
			rep := reportOf(t, input)
			rep.MaxBytes = budget
			for i := range 20 {
				rep.Result.Plan.Notes = append(rep.Result.Plan.Notes, notef("note %d: %s", i, strings.Repeat("`@x ", 60)))
			}
			s := render(t, report.Markdown{}, rep)
			if len(s) > budget {
				t.Fatalf("%s, budget %d: %d bytes written", input, budget, len(s))
			}
			if !strings.HasPrefix(s, report.MarkerPrefix) || !strings.Contains(s, "**Gate:**") {
				t.Fatalf("%s, budget %d: the marker or the gate is missing", input, budget)
			}
		}
	}
}

// TestMarkdownBudgetRefused: budgets below the minimum, zero and negative
// ones are errors, and 0 in a Report means the default.
func TestMarkdownBudgetRefused(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 100, report.MinMaxBytes - 1} {
		if err := report.CheckMaxBytes(n); err == nil {
			t.Errorf("CheckMaxBytes(%d) accepted a budget below %d", n, report.MinMaxBytes)
		}
	}
	if err := report.CheckMaxBytes(report.MinMaxBytes); err != nil {
		t.Errorf("CheckMaxBytes(%d): %v", report.MinMaxBytes, err)
	}
	rep := reportOf(t, "hostile.diff")
	for _, n := range []int{-5, 100} {
		rep.MaxBytes = n
		if err := (report.Markdown{}).Write(&bytes.Buffer{}, rep); err == nil {
			t.Errorf("a budget of %d was accepted", n)
		}
	}
	rep.MaxBytes = 0
	if s := render(t, report.Markdown{}, rep); len(s) == 0 || len(s) > report.DefaultMaxBytes {
		t.Errorf("budget 0 (the default): %d bytes", len(s))
	}
}

func notef(format string, args ...any) diffparse.Note {
	return diffparse.Note{Text: fmt.Sprintf(format, args...)}
}

// Counts agree with their nouns: "1 byte", "1 object", never "1 objects".
func TestPlurals(t *testing.T) {
	in := "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n  data:\n-   k: 'REDACTED # (2 bytes)'\n+   k: 'REDACTED # (1 bytes)'\n  type: Opaque\n\n" +
		"default, quiet, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: quiet\n    labels:\n-     helm.sh/chart: a-1\n+     helm.sh/chart: a-2\n"
	rep, err := review.Review(strings.NewReader(in), review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []report.Writer{report.Text{}, report.Markdown{}} {
		s := render(t, w, rep)
		if _, md := w.(report.Markdown); md && !strings.Contains(s, "1 object with ignored changes only") {
			t.Errorf("markdown does not say 1 object:\n%s", s)
		}
		if m := regexp.MustCompile(`\b1 (bytes|objects|lines|changes|arguments|notes)\b`).FindString(s); m != "" {
			t.Errorf("%T says %q:\n%s", w, m, s)
		}
		if !strings.Contains(s, "(1 byte)") {
			t.Errorf("%T does not say (1 byte):\n%s", w, s)
		}
	}
}

// No control character of the input reaches a terminal through the text
// report: notes, paths and values are shown escaped.
func TestTextEscapesControlCharacters(t *testing.T) {
	rep := reportOf(t, "multiline-configmap.diff")
	rep.Result.Plan.Notes = append(rep.Result.Plan.Notes, notef("helm warned: \x1b[2J\x1b[31mcleared"))
	rep.Result.Objects[0].Findings[0].Change.New.Text += "\x1b]0;title\x07\n"
	// a mapping on one line shows as it is, unless it holds one
	f := rep.Result.Objects[0].Findings[0]
	ch := *f.Change
	ch.Old = diffparse.Value{Kind: diffparse.Tree, Text: `{"a":"plain"}`, Bytes: -1}
	ch.New = diffparse.Value{Kind: diffparse.Tree, Text: "{\"a\":\"\x1b[31mred\"}", Bytes: -1}
	f.Change = &ch
	rep.Result.Objects[0].Findings = append(rep.Result.Objects[0].Findings, f)
	s := render(t, report.Text{}, rep)
	if strings.ContainsAny(s, "\x1b\x07") {
		t.Errorf("the text report passes control characters through:\n%q", s)
	}
	if !strings.Contains(s, `\u001b[2J`) {
		t.Errorf("the note's escape sequence is not shown escaped:\n%s", s)
	}
	if !strings.Contains(s, `{"a":"plain"} -> `) {
		t.Errorf("a mapping on one line is not shown as it is:\n%s", s)
	}
}

// TestJSONWorkersSameOutput renders a report of many objects, one of
// them with more changes than a batch holds (written streaming between
// the batches), with one worker and with several: the bytes are the same.
func TestJSONWorkersSameOutput(t *testing.T) {
	var in bytes.Buffer
	in.WriteString("default, big, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: big\n  data:\n")
	for i := range 3000 {
		fmt.Fprintf(&in, "-   k%d: old\n+   k%d: new\n", i, i)
	}
	if err := benchgen.Release(500, &in); err != nil {
		t.Fatal(err)
	}
	rep, err := review.Review(&in, review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Result.Objects); n != 501 {
		t.Fatalf("reviewed %d objects, want 501", n)
	}
	serial := render(t, report.JSON{Workers: 1}, rep)
	for _, w := range []int{2, 5} {
		if got := render(t, report.JSON{Workers: w}, rep); got != serial {
			t.Errorf("the JSON report with %d workers differs from the serial one:\n%s", w, cmp.Diff(serial, got))
		}
	}
}
