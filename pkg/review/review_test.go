package review_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

const pvcDeleted = "prod, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n- metadata:\n-   name: data\n+ \n"

// TestSharedDefaultsCannotBeChanged: a library user who changes the rules
// handed out by the shared default set (or a gate, or a fallback) changes
// nothing for later reviews in the process. Before, setting a returned
// rule's level to ignored made every later review judge a PVC deletion
// ignored, and the gate passed.
func TestSharedDefaultsCannotBeChanged(t *testing.T) {
	set, err := review.DefaultRules()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Rules() {
		r.Level = rules.Ignored
		r.Replace = false
	}
	g := gate.Default()
	g.Default.Never = true
	fb := rules.BuiltinFallback()
	fb.Level = rules.Safe
	rep, err := review.Review(strings.NewReader(pvcDeleted), review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result.Highest != rules.Destructive || rep.Verdict.ExitCode != gate.ExitTrip {
		t.Errorf("a PVC deletion after changing handed-out values: %s, exit %d; want destructive, exit 2", rep.Result.Highest, rep.Verdict.ExitCode)
	}
}

// TestCredentialsNeverPrinted: credentials in an env list that the diff
// adds or removes as a whole (one change whose value is the list) are
// never printed, in any format. The check lives in the parser's redaction;
// this is its test through the whole pipeline.
func TestCredentialsNeverPrinted(t *testing.T) {
	const secret = "hunter2-s3cr3t"
	head := "prod, web, Deployment (apps) has changed:\n  spec:\n    replicas: 3\n    template:\n      spec:\n        containers:\n          - name: web\n            image: nginx:1.27\n"
	tests := []struct {
		name   string
		diff   string
		reason string
	}{
		{"whole env list added", head + "+           env:\n+             - name: DB_PASSWORD\n+               value: " + secret + "\n+             - name: LOG_LEVEL\n+               value: info\n",
			"the change is the list: its value holds DB_PASSWORD's"},
		{"whole env list removed", head + "-           env:\n-             - name: API_TOKEN\n-               value: " + secret + "\n",
			"the old value is the list"},
		{"one env item added", head + "            env:\n+             - name: DB_PASSWORD\n+               value: " + secret + "\n",
			"the change is the item"},
		{"a credential beside others", head + "            env:\n              - name: A\n                value: b\n+             - name: SECRET_KEY\n+               value: \"" + secret + "\"\n",
			"quoted, among other items"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			rep, err := review.Review(strings.NewReader(tc.diff), review.Options{})
			if err != nil {
				t.Fatalf("review: %v\n%s", err, tc.diff)
			}
			if len(rep.Result.Objects) != 1 || len(rep.Result.Objects[0].Findings) == 0 {
				t.Fatalf("nothing reviewed: the case tests nothing")
			}
			for _, w := range []report.Writer{report.Text{}, report.JSON{}, report.Markdown{}} {
				rep.ShowIgnored = true
				var out bytes.Buffer
				if err := w.Write(&out, rep); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(out.String(), secret) {
					t.Errorf("%T prints the credential\nreason: %s\n%s", w, tc.reason, out.String())
				}
			}
		})
	}
}

// TestWrongTypeEndToEnd: a value the API server cannot decode makes helm
// upgrade fail; through the whole pipeline it is at least disruptive, and
// the gate holds it. (Scalars of the wrong type need the reader's value
// types; a mapping where a number belongs is visible today.)
func TestWrongTypeEndToEnd(t *testing.T) {
	diff := "prod, web, Deployment (apps) has changed:\n  spec:\n-   replicas: 3\n+   replicas:\n+     count: 3\n"
	rep, err := review.Review(strings.NewReader(diff), review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Result.Objects[0].Findings[0]
	if f.Level != rules.Disruptive || f.Rule != rules.SchemaTypeRule || f.Reason != "helm upgrade will fail: spec.replicas must be an integer" {
		t.Errorf("got %s (%s: %s), want disruptive: helm upgrade will fail", f.Level, f.Rule, f.Reason)
	}
	if rep.Verdict.ExitCode != gate.ExitTrip {
		t.Errorf("exit %d, want 2", rep.Verdict.ExitCode)
	}
}

// TestConfirmCannotLower: Options.Confirm may add findings (the cluster's
// answers), never lower a level; one that does is an error, and nothing is
// judged. Before, a Confirm that set the levels to safe passed a PVC
// deletion with "destructive, is below the gate".
func TestConfirmCannotLower(t *testing.T) {
	for _, tc := range []struct {
		name    string
		confirm func(*classify.Result) error
		want    string // "" for no error
	}{
		{"an object lowered", func(res *classify.Result) error {
			res.Objects[0].Level = rules.Safe
			return nil
		}, "Options.Confirm lowered PersistentVolumeClaim/prod/data from destructive to safe"},
		{"the highest lowered", func(res *classify.Result) error {
			res.Highest = rules.Ignored
			return nil
		}, "lowered the review's highest level from destructive to ignored"},
		{"an object taken out", func(res *classify.Result) error {
			res.Objects = nil
			return nil
		}, "took PersistentVolumeClaim/prod/data out of the review"},
		{"nothing lowered", func(res *classify.Result) error { return nil }, ""},
	} {
		rep, err := review.Review(strings.NewReader(pvcDeleted), review.Options{Confirm: tc.confirm})
		switch {
		case tc.want == "" && (err != nil || rep.Verdict.ExitCode != 2):
			t.Errorf("%s: %v, want exit 2", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// TestHugeWorkerCounts: any Workers value gives the same report, in
// bounded time and memory: a count far above the CPUs is capped (before,
// 262,144 workers took 5 s and 1.2 GB for one object, and math.MaxInt
// failed in makechan).
func TestHugeWorkerCounts(t *testing.T) {
	for _, n := range []int{1 << 18, math.MaxInt} {
		rep, err := review.Review(strings.NewReader(pvcDeleted), review.Options{Workers: n})
		if err != nil || rep.Verdict.ExitCode != 2 {
			t.Errorf("workers %d: %v", n, err)
			continue
		}
		var b bytes.Buffer
		if err := (report.JSON{Workers: n}).Write(&b, rep); err != nil {
			t.Errorf("workers %d: JSON: %v", n, err)
		}
	}
}

// TestNilJudges: a nil judge of any spelling judges as the default gate,
// and a nil accept file accepts nothing; each panicked.
func TestNilJudges(t *testing.T) {
	var typed *gate.Gate
	for name, opts := range map[string]review.Options{
		"a typed nil gate":    {Judge: typed},
		"a nil JudgeFunc":     {Judge: gate.JudgeFunc(nil)},
		"a nil accept file":   {Accept: []*gate.AcceptFile{nil}},
		"Accepting a nil one": {Judge: gate.Accepting(nil)},
	} {
		rep, err := review.Review(strings.NewReader(pvcDeleted), opts)
		if err != nil || rep.Verdict.ExitCode != 2 {
			t.Errorf("%s: %v, want the default gate's exit 2", name, err)
		}
	}
}
