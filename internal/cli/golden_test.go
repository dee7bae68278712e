package cli_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
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

// TestGolden reviews every sample under testdata/ (helm-diff outputs of all
// formats, Stevedore plans, helmfile streams) and compares the text, JSON
// and markdown reports and exit codes with testdata/golden. Refresh with
// go test ./internal/cli -run TestGolden -update.
func TestGolden(t *testing.T) {
	var inputs []string
	for _, dir := range []string{"helm-diff", "stevedore", "helmfile"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*"))
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
	for _, in := range inputs {
		name := filepath.Base(filepath.Dir(in)) + "/" + filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenCase(t, string(data))
			golden := filepath.Join("..", "..", "testdata", "golden", filepath.Base(filepath.Dir(in)), filepath.Base(in)+".golden")
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
