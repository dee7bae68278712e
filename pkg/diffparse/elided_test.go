package diffparse_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/review"
)

// The principle of partial input: where the input hides lines (helm-diff
// --context N, Stevedore's five lines), safediff assumes the worst the
// visible lines allow. So a partial view of a diff is never judged lower
// than the full view of the same diff: it may be higher (a hidden replicas
// count is taken as 1), or an error (nothing passes), never lower.

// entryHeader is helm-diff's header of an object's entry.
var entryHeader = regexp.MustCompile(`^(.*), (.*), (\S+) \((.*)\) (has changed:|has been added:|has been removed:)$`)

// fullEntries returns the full-context entries of a helm-diff text: each
// header with its body, for the bodies that show every line.
func fullEntries(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if len(cur) < 2 {
			cur = nil
			return
		}
		for _, l := range cur[1:] {
			if l == "..." || !(l == "" || strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- ") || l == "+" || l == "-") {
				cur = nil
				return // elided, or not a body line: not a full-context entry
			}
		}
		out = append(out, strings.Join(cur, "\n")+"\n")
		cur = nil
	}
	for _, l := range strings.Split(text, "\n") {
		if entryHeader.MatchString(l) {
			flush()
			cur = []string{l}
			continue
		}
		if cur != nil {
			cur = append(cur, l)
		}
	}
	flush()
	return out
}

// checkElidedNotLower reviews a full-context entry and each of its views
// with --context 0 to 5, as Stevedore shows it, and through helmfile.
func checkElidedNotLower(t *testing.T, name, entry string) {
	t.Helper()
	full, err := review.Review(strings.NewReader(entry), review.Options{})
	if err != nil {
		return // the full view is not judged: nothing to compare with
	}
	views := map[string]string{"stevedore": inStevedore(entry), "helmfile": inHelmfile(entry)}
	for n := 0; n <= 5; n++ {
		views[fmt.Sprintf("--context %d", n)] = withContext(entry, n)
	}
	views["helmfile --context 3"] = inHelmfile(withContext(entry, 3))
	for view, input := range views {
		got, err := review.Review(strings.NewReader(input), review.Options{})
		if err != nil {
			continue // an error judges nothing: the gate cannot pass
		}
		if got.Result.Highest < full.Result.Highest {
			t.Errorf("%s, %s: judged %s, but the full view of the same diff is %s\nfull:\n%s\n%s:\n%s", name, view, got.Result.Highest, full.Result.Highest, entry, view, input)
		}
	}
}

// TestElidedNeverLower elides every full-context object of the captures in
// testdata (real helm-diff output of real charts, and the hostile inputs).
func TestElidedNeverLower(t *testing.T) {
	var files []string
	for _, pattern := range []string{"helm-diff/*diff*", "helm-diff/cli-*", "hostile/*", "examples/*"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "testdata", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	entries := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range fullEntries(strings.ReplaceAll(string(data), "\r\n", "\n")) {
			entries++
			checkElidedNotLower(t, fmt.Sprintf("%s, object %d", filepath.Base(file), i+1), e)
		}
	}
	for _, e := range readingEntries() {
		entries++
		checkElidedNotLower(t, strings.SplitN(e, "\n", 2)[0], e)
	}
	t.Logf("%d full-context objects, each seen 9 ways", entries)
	if entries < 50 {
		t.Fatalf("only %d full-context entries found in testdata: the test reads the wrong files", entries)
	}
}
