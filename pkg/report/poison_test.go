package report_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// poisonText is appended to every string of a report: a terminal's
// "conceal" sequence, then a line break and a forged verdict.
const poisonText = "\x1b[8m\r\nGate: PASS (exit 0)\x07\u0085"

// poison appends poisonText to every exported string reachable from v:
// names, reasons, paths' keys, values, notes, owners, release names (but
// rule ids, which a rules file cannot make anything but lowercase
// letters, digits and dashes).
func poison(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		poison(v.Elem(), seen)
	case reflect.Interface:
		if v.IsNil() || !v.CanSet() {
			return
		}
		c := reflect.New(v.Elem().Type()).Elem()
		c.Set(v.Elem())
		poison(c, seen)
		v.Set(c)
	case reflect.Struct:
		for i := range v.NumField() {
			// a rule's id is validated (lowercase letters, digits, dashes)
			if f := v.Type().Field(i); f.IsExported() && !(f.Name == "Rule" && f.Type.Kind() == reflect.String) {
				poison(v.Field(i), seen)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			poison(v.Index(i), seen)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + poisonText)
		}
	}
}

// TestNoInputReachesATerminalRaw: every string of a report can come from
// the input (a name, a key, a value, a release, an owner, a helm message).
// With each one ending in an escape sequence, a line break and a forged
// "Gate: PASS", the text and markdown reports of every capture in
// testdata hold no control character but their own line breaks, and one
// gate line. A field printed without escaping fails it.
func TestNoInputReachesATerminalRaw(t *testing.T) {
	var inputs []string
	for _, pattern := range []string{
		"../../testdata/helm-diff/*.txt", "../../testdata/stevedore/*.txt", "../../testdata/helmfile/*.txt",
		"../../testdata/hostile/*.diff", "testdata/*.diff",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, m...)
	}
	// an ownership change (helm-diff --take-ownership): the owners are
	// printed
	own := filepath.Join(t.TempDir(), "ownership.diff")
	if err := os.WriteFile(own, []byte("default, web, ConfigMap (v1) changed ownership:\n- default/old\n+ default/new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	inputs = append(inputs, own)
	reviewed := 0
	for _, name := range inputs {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := review.Review(f, review.Options{Source: filepath.Base(name)})
		f.Close()
		if err != nil {
			continue // refused inputs are the errors' tests
		}
		reviewed++
		// the verdict is the judge's words (tested with accept files)
		rep.Release, rep.Namespace, rep.KubeContext = "shop", "prod", "eu-1"
		seen := map[uintptr]bool{}
		poison(reflect.ValueOf(rep.Result), seen)
		for _, s := range []*string{&rep.Source, &rep.Release, &rep.Namespace, &rep.KubeContext} {
			*s += poisonText
		}
		for _, w := range []struct {
			name string
			w    report.Writer
		}{{"text", report.Text{}}, {"markdown", report.Markdown{}}} {
			out := render(t, w.w, rep)
			if i := strings.IndexFunc(out, func(r rune) bool {
				return r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029')
			}); i >= 0 {
				t.Errorf("%s, %s report: a control character of the input is printed raw: %q", name, w.name, out[max(0, i-80):min(len(out), i+40)])
			}
			if n := strings.Count("\n"+out, "\nGate: "); w.name == "text" && n != 1 {
				t.Errorf("%s, %s report: %d lines start with \"Gate: \"", name, w.name, n)
			}
			if strings.Contains("\n"+out, "\nGate: PASS (exit 0)") {
				t.Errorf("%s, %s report: the input forged a gate line", name, w.name)
			}
		}
	}
	if reviewed < 100 {
		t.Errorf("only %d inputs of testdata were reviewed", reviewed)
	}
}
