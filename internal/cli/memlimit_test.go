package cli

import (
	"bytes"
	"context"
	"io"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

// TestMemoryBound checks the soft memory limit a review runs under: 3× the
// input read + 40 MB, less what the process holds beside the Go heap; half
// as much again as the live heap where that is closer; and the process's
// own limit again when the review ends.
func TestMemoryBound(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "") // the limit is the review's (and no test runs beside this one)
	orig := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(orig)
	const size = 30 << 20
	in, end := boundMemory(strings.NewReader(strings.Repeat("x", size)))
	if _, err := io.Copy(io.Discard, in); err != nil {
		t.Fatal(err)
	}
	want := int64(3*size + boundBase - boundSlack)
	if got := debug.SetMemoryLimit(-1); got != want {
		t.Errorf("after a %d-byte input the limit is %d, want %d", size, got, want)
	}
	bounds.mu.Lock()
	collected(want) // a review keeping as much live as the limit
	bounds.mu.Unlock()
	if got := debug.SetMemoryLimit(-1); got != want/2*3 {
		t.Errorf("with %d bytes live the limit is %d, want %d: the collector would run without end", want, got, want/2*3)
	}
	end()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("after the review the limit is %d, want the process's own (%d)", got, int64(math.MaxInt64))
	}
}

// TestMemoryBoundUser checks that a limit the user set (GOMEMLIMIT) is
// left alone.
func TestMemoryBoundUser(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "1GiB")
	r := strings.NewReader("x")
	if in, end := boundMemory(r); in != io.Reader(r) {
		t.Error("with GOMEMLIMIT set, the input is read through a memory bound")
		end()
	}
}

// limitRecorder records the memory limit the process runs under while its
// input is read.
type limitRecorder struct {
	r     io.Reader
	limit int64
}

func (l *limitRecorder) Read(p []byte) (int, error) {
	l.limit = debug.SetMemoryLimit(-1)
	return l.r.Read(p)
}

// TestReviewRunsUnderTheBound checks that safediff review reads its input
// under the memory bound, and leaves the process's limit as it was.
func TestReviewRunsUnderTheBound(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	orig := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(orig)
	in := &limitRecorder{r: strings.NewReader("default, web, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: web\n  data:\n-   a: \"1\"\n+   a: \"2\"\n")}
	var out, errs bytes.Buffer
	if code := Run(context.Background(), []string{"review", "-o", "json", "-"}, Streams{In: in, Out: &out, Err: &errs, Getenv: func(string) string { return "" }}); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if in.limit == math.MaxInt64 || in.limit < boundBase-boundSlack {
		t.Errorf("the input was read under a memory limit of %d, want the bound (at least %d)", in.limit, boundBase-boundSlack)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("after the review the limit is %d, want the process's own", got)
	}
}
