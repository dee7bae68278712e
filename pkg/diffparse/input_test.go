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
		{"a reader that returns nothing, for ever", func() io.Reader { return io.MultiReader(strings.NewReader(cm("a")), stalled{}) }, 0,
			"multiple Read calls return no data or error", "found: Review spun on one core for ever; bufio gives up after 100 empty reads, and so does the input"},
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

// stalled is a reader that returns nothing, and no error, at every read.
type stalled struct{}

func (stalled) Read([]byte) (int, error) { return 0, nil }

// endless is a stream that never ends: the same text over and over.
type endless struct {
	text string
	off  int
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.text[e.off:])
		n += c
		e.off = (e.off + c) % len(e.text)
	}
	e.read += int64(n)
	return n, nil
}

// TestInputOverTheLimit checks that input over the limit is refused as it
// streams in: whatever the shape of the stream, no more than the limit (and
// a read's chunk) is read before the parse fails (the JSON formats do not
// read their input whole either).
func TestInputOverTheLimit(t *testing.T) {
	const limit = 4 << 20
	for _, tc := range []struct {
		name, first, repeat string
	}{
		{"one object after another", "", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\n"},
		{"one endless body", "default, a, ConfigMap (v1) has changed:\n", "+   key: value\n"},
		{"one endless line", "default, a, ConfigMap (v1) has changed:\n+ ", "x"},
		{"blank lines", "", "\n"},
		{"an endless JSON array", "[", `{"api": "v1", "kind": "ConfigMap", "namespace": "a", "name": "b", "change": "MODIFY"},`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &endless{text: tc.repeat}
			_, err := diffparse.Parse(io.MultiReader(strings.NewReader(tc.first), src), diffparse.Options{MaxInput: limit})
			if err == nil {
				t.Fatal("an endless stream parsed")
			}
			if src.read > limit+1<<20 {
				t.Errorf("read %d bytes of a stream limited to %d", src.read, limit)
			}
		})
	}
}

// TestEndlessLine: a stream without line breaks is refused once a line
// passes 16 MiB, well before the input limit, so that it is never buffered
// whole.
func TestEndlessLine(t *testing.T) {
	src := &endless{text: "x"}
	_, err := diffparse.Parse(io.MultiReader(strings.NewReader("default, a, ConfigMap (v1) has changed:\n+ "), src), diffparse.Options{MaxInput: 64 << 20})
	if err == nil || !strings.Contains(allErrors(err), "is longer than") {
		t.Fatalf("want the line length error, got %v", err)
	}
	if src.read > 40<<20 {
		t.Errorf("read %d bytes of one line", src.read)
	}
}

// TestParseTabIndentation checks that a line indented with a tab, which
// go-yaml refuses, is refused: the reader notes the tab when it reads the
// line, and the fast reader leaves such a document to the exact reader
// (which reads "\tb" as a key if the note is lost). The line is ASCII, or
// not (the reader's slower path).
func TestParseTabIndentation(t *testing.T) {
	for _, value := range []string{"x", "\u00e9"} {
		in := "default, cfg, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cfg\n  data:\n-   a: \"1\"\n+   a: \"2\"\n+ \tb: " + value + "\n"
		_, err := diffparse.Parse(strings.NewReader(in), diffparse.Options{})
		if err == nil || !strings.Contains(err.Error(), "line 9: the new document of ConfigMap/default/cfg is not valid YAML") {
			t.Errorf("value %q: got %v, want line 9's document refused as not valid YAML", value, err)
		}
	}
}

// TestHugeObjectBody: no object Kubernetes stores has a diff near 64 MiB
// (etcd takes 1.5 MiB): one past it is refused as it is read, not held
// up to the input limit. The lines of this one are long (few lines,
// many bytes).
func TestHugeObjectBody(t *testing.T) {
	line := "+   k: " + strings.Repeat("x", 1<<20) + "\n"
	body := io.MultiReader(strings.NewReader("default, c, ConfigMap (v1) has changed:\n  data:\n"), &repeated{line: line, n: 70})
	_, err := diffparse.Parse(body, diffparse.Options{})
	if err == nil || !strings.Contains(allErrors(err), "the diff of this object is longer than 1048576 lines or 64 MiB") {
		t.Fatalf("a 70 MiB object: %v", err)
	}
}

// repeated reads line n times.
type repeated struct {
	line string
	n    int
	r    *strings.Reader
}

func (r *repeated) Read(p []byte) (int, error) {
	for r.r == nil || r.r.Len() == 0 {
		if r.n == 0 {
			return 0, io.EOF
		}
		r.n--
		r.r = strings.NewReader(r.line)
	}
	return r.r.Read(p)
}
