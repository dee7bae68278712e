package review_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/safediff/safediff/internal/benchgen"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// render reviews input with the given number of workers and renders the
// report in every format (or returns the error's text).
func render(input []byte, workers int) string {
	rep, err := review.Review(bytes.NewReader(input), review.Options{Workers: workers})
	if err != nil {
		return "error: " + err.Error()
	}
	var b bytes.Buffer
	for _, w := range []report.Writer{report.Text{}, report.JSON{}, report.Markdown{}} {
		if err := w.Write(&b, rep); err != nil {
			return "write error: " + err.Error()
		}
	}
	return b.String()
}

// TestParallelSameReports reviews every input of the repository's
// testdata and generated releases one object after the other and with
// several workers: the reports in every format (or the errors) are
// byte-identical.
func TestParallelSameReports(t *testing.T) {
	inputs := map[string][]byte{}
	err := filepath.WalkDir("../../testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		inputs[path] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 100, 2000} {
		var b bytes.Buffer
		if err := benchgen.Release(n, &b); err != nil {
			t.Fatal(err)
		}
		inputs[fmt.Sprintf("generated release of %d objects", n)] = b.Bytes()
	}
	for name, input := range inputs {
		serial := render(input, 1)
		for _, w := range []int{2, 5} {
			if got := render(input, w); got != serial {
				t.Errorf("%s: the report with %d workers differs from the serial one", name, w)
			}
		}
	}
}
