package diffparse_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/safediff/safediff/pkg/diffparse"
)

// TestParseReaderEndsEarly checks that input which stops before its end
// (a failing reader, or more than Options.MaxInput) is an error, even
// where what was read so far is a complete plan.
func TestParseReaderEndsEarly(t *testing.T) {
	cm := func(name string) string {
		return "default, " + name + ", ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\n"
	}
	stevedore := stevedoreSample(t, "e-multi-release.plain.txt")
	reset := errors.New("connection reset by peer")
	failAfter := func(s string) func() io.Reader {
		return func() io.Reader { return io.MultiReader(strings.NewReader(s), iotest.ErrReader(reset)) }
	}
	tests := []struct {
		name   string
		reader func() io.Reader
		max    int64
		want   string
		reason string
	}{
		{"diff, read error after a complete object", failAfter(cm("a")), 0, "reading input: connection reset by peer",
			"the objects after the failure are unknown; a pipe that broke is not a plan that passed"},
		{"helmfile, read error after a complete release", failAfter("Comparing release=web, chart=./web, namespace=default\n" + cm("a")), 0, "reading input: connection reset by peer",
			"every format parser ends at the first failed read; the error must survive it"},
		{"stevedore, read error after the summary tables", failAfter(stevedore), 0, "reading input: connection reset by peer",
			"the tables match the diffs, but the artifacts or an error summary may follow them"},
		{"diff larger than MaxInput", func() io.Reader { return iotest.OneByteReader(strings.NewReader(cm("a") + cm("b"))) }, int64(len(cm("a"))),
			"is larger than", "the limit cuts the input after object a: object b, past the limit, must not simply vanish"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.Parse(tc.reader(), diffparse.Options{MaxInput: tc.max})
			if err == nil {
				t.Fatalf("want an error containing %q, got a plan:\n%s\nreason: %s", tc.want, summary(plan), tc.reason)
			}
			if all := allErrors(err); !strings.Contains(all, tc.want) {
				t.Errorf("error %q does not contain %q\nreason: %s", all, tc.want, tc.reason)
			}
		})
	}
}
