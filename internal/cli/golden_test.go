package cli_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// run executes the CLI in-process, with input on standard input.
func run(t *testing.T, input string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, cli.Streams{
		In: strings.NewReader(input), Out: &out, Err: &errb,
		Getenv: func(string) string { return "" },
	})
	return out.String(), errb.String(), code
}

// goldenCase renders one input in the three output formats, the way a
// reviewer reads them: stdout, stderr and the exit code of each.
func goldenCase(t *testing.T, input string, extra ...string) string {
	t.Helper()
	var b strings.Builder
	for _, format := range []string{"text", "json", "markdown"} {
		args := append([]string{"review", "--no-color", "-o", format}, extra...)
		out, errOut, code := run(t, input, args...)
		fmt.Fprintf(&b, "=== %s (exit %d)\n", format, code)
		b.WriteString(out)
		if errOut != "" {
			b.WriteString("--- stderr\n")
			b.WriteString(errOut)
		}
	}
	return b.String()
}

// goldenDirs are the directories of testdata/ whose samples have golden
// files, in testdata/golden/DIR.
var goldenDirs = []string{"helm-diff", "stevedore", "helmfile"}

// goldenInputs lists the samples TestGolden reviews: every file of the
// goldenDirs but their READMEs.
func goldenInputs(t *testing.T) []string {
	t.Helper()
	var inputs []string
	for _, dir := range goldenDirs {
		files, err := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if filepath.Ext(f) == ".md" {
				continue
			}
			inputs = append(inputs, f)
		}
	}
	if len(inputs) == 0 {
		t.Fatal("no inputs found under testdata/")
	}
	return inputs
}

// goldenFile is the golden file of an input: testdata/golden/DIR/NAME.golden.
func goldenFile(input string) string {
	return filepath.Join("..", "..", "testdata", "golden", filepath.Base(filepath.Dir(input)), filepath.Base(input)+".golden")
}

// TestGolden reviews every sample under testdata/ (helm-diff outputs of all
// formats, Stevedore plans, helmfile streams) and compares the text, JSON
// and markdown reports and exit codes with testdata/golden. Refresh with
// go test ./internal/cli -run TestGolden -update.
func TestGolden(t *testing.T) {
	for _, in := range goldenInputs(t) {
		name := filepath.Base(filepath.Dir(in)) + "/" + filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenCase(t, string(data))
			golden := goldenFile(in)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run with -update): %v", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("report mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGoldenOrphans fails on a file under testdata/golden that no input of
// TestGolden writes: the golden file of a sample renamed or deleted (which
// -update leaves behind), or one placed where TestGolden never looks. Such
// a file is checked by nothing while it reads like a pinned behaviour.
func TestGoldenOrphans(t *testing.T) {
	want := map[string]bool{}
	for _, in := range goldenInputs(t) {
		want[filepath.Clean(goldenFile(in))] = true
	}
	root := filepath.Join("..", "..", "testdata", "golden")
	var orphans []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !want[filepath.Clean(path)] {
			rel, _ := filepath.Rel(root, path)
			orphans = append(orphans, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(orphans) > 0 {
		t.Errorf("files under testdata/golden without an input (a golden file is testdata/golden/DIR/NAME.golden for the sample testdata/DIR/NAME, DIR one of %s); delete them or restore their inputs:\n  %s",
			strings.Join(goldenDirs, ", "), strings.Join(orphans, "\n  "))
	}
}
