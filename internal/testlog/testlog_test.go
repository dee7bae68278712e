package testlog_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safediff/safediff/internal/testlog"
)

// A fake go test -json: two tests, the second slow and failing with
// output, and a package line.
const events = `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestFast"}
{"Action":"output","Package":"p","Test":"TestFast","Output":"=== RUN   TestFast\n"}
{"Action":"pass","Package":"p","Test":"TestFast","Elapsed":0.01}
{"Action":"run","Package":"p","Test":"TestSlow"}
{"Action":"run","Package":"p","Test":"TestSlow/helmv4"}
{"Action":"output","Package":"p","Test":"TestSlow/helmv4","Output":"    slow_test.go:9: the cluster said no\n"}
SLEEP
{"Action":"fail","Package":"p","Test":"TestSlow/helmv4","Elapsed":0.4}
{"Action":"fail","Package":"p","Test":"TestSlow","Elapsed":0.4}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.5s\n"}
{"Action":"fail","Package":"p","Elapsed":0.5}
`

func fakeGoTest(t *testing.T, stream string, exit int) string {
	t.Helper()
	return fakeGoTestUntil(t, stream, exit, "")
}

// fakeGoTestUntil is fakeGoTest whose SLEEP waits (at most 60 s) until the
// file release exists, so that a loaded machine makes the test slower,
// never wrong; without release, SLEEP is half a second.
func fakeGoTestUntil(t *testing.T, stream string, exit int, release string) string {
	t.Helper()
	var script strings.Builder
	script.WriteString("#!/bin/sh\n")
	for _, l := range strings.Split(strings.TrimSpace(stream), "\n") {
		if l == "SLEEP" && release != "" {
			script.WriteString("i=0; while [ ! -e '" + release + "' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n")
			continue
		}
		if l == "SLEEP" {
			script.WriteString("sleep 0.5\n")
			continue
		}
		script.WriteString("printf '%s\\n' '" + l + "'\n")
	}
	script.WriteString("exit " + string(rune('0'+exit)) + "\n")
	p := filepath.Join(t.TempDir(), "gotest")
	if err := os.WriteFile(p, []byte(script.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// Starts and ends of tests, a heartbeat naming the innermost running test
// while it runs, the output of the failing test, and the closing count.
func TestRunRendersProgress(t *testing.T) {
	// the slow test ends once the first heartbeat has been written
	release := filepath.Join(t.TempDir(), "release")
	out := &releasingWriter{marker: "... still running", release: release}
	var errOut bytes.Buffer
	code := testlog.Run(context.Background(), []string{fakeGoTestUntil(t, events, 1, release)}, out, &errOut, 100*time.Millisecond)
	s := out.String()
	if code != 1 {
		t.Errorf("exit %d, want the command's 1", code)
	}
	for _, want := range []string{
		"--- start TestFast", "--- ok    TestFast (0s)",
		"... still running (", "TestSlow/helmv4 (",
		"--- FAIL  TestSlow/helmv4 (400ms); its output:\n        slow_test.go:9: the cluster said no\n",
		"FAIL\tp\t0.5s\n",
		"failed: TestSlow, TestSlow/helmv4\n",
		"1 passed, 2 failed, 0 skipped\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// once the subtest has started, a heartbeat names it, not its parent
	// (a heartbeat between the parent's start and the subtest's, on a
	// loaded machine, rightly names the parent)
	started := false
	for _, l := range strings.Split(s, "\n") {
		started = started || strings.HasPrefix(l, "--- start TestSlow/helmv4")
		if started && strings.HasPrefix(l, "... still running") && strings.Contains(l, "TestSlow (") {
			t.Errorf("the heartbeat names the parent instead of the innermost test: %s", l)
		}
	}
}

// A command that exits 0 although a test failed (or that was cut before a
// test ended) still fails the run.
func TestRunFailsOnFailedTests(t *testing.T) {
	// (separate buffers: exec copies the command's standard error from a goroutine of its own)
	var out, errOut bytes.Buffer
	code := testlog.Run(context.Background(), []string{fakeGoTest(t, strings.Replace(events, "SLEEP\n", "", 1), 0)}, &out, &errOut, time.Hour)
	if code != 1 {
		t.Errorf("exit %d, want 1: a test failed", code)
	}
	cut := `{"Action":"run","Package":"p","Test":"TestCut"}`
	code = testlog.Run(context.Background(), []string{fakeGoTest(t, cut, 0)}, &out, &errOut, time.Hour)
	if code != 1 || !strings.Contains(out.String(), "--- never ended: TestCut") {
		t.Errorf("exit %d, want 1 and the test that never ended named:\n%s", code, out.String())
	}
}

// Output that is not an event (a build error) is passed through.
func TestRunPassesOtherLines(t *testing.T) {
	var out, errOut bytes.Buffer
	code := testlog.Run(context.Background(), []string{fakeGoTest(t, `# p\nvet: x.go:1: oops`, 0)}, &out, &errOut, time.Hour)
	if code != 0 || !strings.Contains(out.String(), "vet: x.go:1: oops") || !strings.Contains(out.String(), "0 passed, 0 failed, 0 skipped") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}

// releasingWriter keeps what is written and creates the file release once
// marker has been written.
type releasingWriter struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	marker   string
	release  string
	released bool
}

func (w *releasingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if !w.released && strings.Contains(w.buf.String(), w.marker) {
		w.released = true
		if err := os.WriteFile(w.release, nil, 0o644); err != nil {
			return n, err
		}
	}
	return n, err
}

func (w *releasingWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
