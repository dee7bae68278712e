package diffparse_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/benchgen"
	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// The objects of the diff format are analysed on a pipeline of workers
// (Options.Workers): the plan, its notes and its errors must be exactly
// those of a serial parse, whatever the number of workers.

var pipelineWorkers = []int{2, 3, 8}

// parsed is what a parse gives: the plan, or every error of it.
type parsed struct {
	plan *diffparse.Plan
	err  string
	errs []string
}

func parseWith(input []byte, workers int) parsed {
	facts := []kube.Path{
		{kube.Field("spec"), kube.Field("replicas")},
		{kube.Field("spec"), kube.Field("strategy"), kube.Field("type")},
	}
	plan, err := diffparse.Parse(bytes.NewReader(input), diffparse.Options{Workers: workers, Facts: facts})
	if err == nil {
		return parsed{plan: plan}
	}
	out := parsed{err: err.Error()}
	var list diag.List
	if errors.As(err, &list) {
		for _, e := range list {
			out.errs = append(out.errs, e.Error())
		}
	}
	return out
}

func sameAsSerial(t *testing.T, name string, input []byte) {
	t.Helper()
	serial := parseWith(input, 1)
	for _, w := range pipelineWorkers {
		got := parseWith(input, w)
		if got.err != serial.err || !reflect.DeepEqual(got.errs, serial.errs) {
			t.Errorf("%s, %d workers: error\n%s\n%q\nserial:\n%s\n%q", name, w, got.err, got.errs, serial.err, serial.errs)
			continue
		}
		if !reflect.DeepEqual(got.plan, serial.plan) {
			t.Errorf("%s, %d workers: the plan differs from the serial parse's", name, w)
		}
	}
}

// TestPipelineTestdata parses every file of the repository's testdata
// (inputs of every format, hostile ones included, and the golden reports,
// which are errors) serially and on the pipeline.
func TestPipelineTestdata(t *testing.T) {
	n := 0
	for _, root := range []string{"testdata", "../../testdata"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			n++
			sameAsSerial(t, path, data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 100 {
		t.Fatalf("only %d files in testdata", n)
	}
}

// TestPipelineGenerated parses generated releases, whole and with errors
// of the reader and of the objects' analysis sprinkled in: fewer, as many
// and more than the parse keeps before it stops reading, ahead of a cut
// last line or not.
func TestPipelineGenerated(t *testing.T) {
	var b bytes.Buffer
	if err := benchgen.Release(300, &b); err != nil {
		t.Fatal(err)
	}
	release := b.String()
	sameAsSerial(t, "release", []byte(release))
	// the objects, each starting with its header
	entries := strings.SplitAfter(release, "\n  # Source: ")
	for _, c := range []struct {
		reason         string
		analysis, read int
		cut            bool
		tail           int // the errors of the analysis are in the last tail objects
	}{
		{reason: "one object whose document is another kind", analysis: 1},
		{reason: "errors of the analysis up to one short of the limit", analysis: 19},
		{reason: "errors of the analysis up to the limit", analysis: 20},
		{reason: "more errors of the analysis than the limit", analysis: 45},
		{reason: "more errors than the limit, then a cut last line", analysis: 45, cut: true},
		{reason: "errors of the reader and of the analysis", analysis: 12, read: 12},
		{reason: "errors of the reader and of the analysis, cut", analysis: 30, read: 5, cut: true},
		{reason: "errors of the reader only", read: 25},
		{reason: "a cut last line", cut: true},
		{reason: "more errors than the limit in the objects just before a cut last line", analysis: 40, tail: 24, cut: true},
	} {
		for seed := range uint64(5) {
			rng := rand.New(rand.NewPCG(seed, 9))
			parts := append([]string(nil), entries...)
			for range c.analysis {
				// the document says another kind than the header (an
				// error found by the analysis of the object)
				i := 1 + rng.IntN(len(parts)-2)
				if c.tail > 0 {
					i = len(parts) - 1 - rng.IntN(c.tail)
				}
				parts[i] = strings.Replace(parts[i], "\n  kind: Deployment\n", "\n  kind: StatefulSet\n", 1)
			}
			lines := strings.SplitAfter(strings.Join(parts, ""), "\n")
			var headers []int
			for i, l := range lines {
				if strings.HasSuffix(l, " has changed:\n") {
					headers = append(headers, i)
				}
			}
			for range c.read {
				// a line between objects that is no helm-diff output (an
				// error of the reader)
				i := headers[rng.IntN(len(headers))]
				lines[i] = "not a diff line\n" + lines[i]
			}
			input := strings.Join(lines, "")
			if c.cut {
				input = input[:len(input)-1-rng.IntN(200)]
			}
			sameAsSerial(t, fmt.Sprintf("%s (seed %d)", c.reason, seed), []byte(input))
		}
	}
}
