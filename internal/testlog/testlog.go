// Package testlog renders the event stream of go test -json for a person
// watching a long suite: a line when each test starts and ends (with its
// time), a heartbeat naming the tests still running, the whole output of
// each failing test, and a closing count. The end-to-end suite runs
// through it (make e2e), so that minutes of building and waiting are never
// silent.
package testlog

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Event is one line of go test -json (cmd/test2json).
type Event struct {
	Time    time.Time
	Action  string // start, run, pause, cont, pass, fail, skip, output, bench
	Package string
	Test    string
	Elapsed float64 // seconds, on pass, fail and skip
	Output  string
}

// Renderer turns events into progress lines on Out.
type Renderer struct {
	Out io.Writer
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	start   time.Time
	running map[string]*test // by package and test name
	order   []string         // keys of running tests, oldest first
	passed  int
	failed  []string
	skipped int
	pkgFail []string
}

type test struct {
	name    string
	started time.Time
	output  strings.Builder
}

func (r *Renderer) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func key(e Event) string { return e.Package + "\x00" + e.Test }

// Event renders one event.
func (r *Renderer) Event(e Event) {
	if r.running == nil {
		r.running = map[string]*test{}
		r.start = r.now()
	}
	if e.Test == "" {
		switch e.Action {
		case "output":
			// the package's own output (TestMain, the final ok/FAIL line)
			io.WriteString(r.Out, e.Output)
		case "fail":
			r.pkgFail = append(r.pkgFail, e.Package)
		}
		return
	}
	k := key(e)
	switch e.Action {
	case "run":
		r.running[k] = &test{name: e.Test, started: r.now()}
		r.order = append(r.order, k)
		fmt.Fprintf(r.Out, "--- start %s (%s into the suite)\n", e.Test, r.since(r.start))
	case "output":
		if t := r.running[k]; t != nil {
			t.output.WriteString(e.Output)
		}
	case "pass", "fail", "skip":
		t := r.running[k]
		delete(r.running, k)
		r.drop(k)
		took := time.Duration(e.Elapsed * float64(time.Second)).Round(100 * time.Millisecond)
		switch e.Action {
		case "pass":
			r.passed++
			fmt.Fprintf(r.Out, "--- ok    %s (%s)\n", e.Test, took)
		case "skip":
			r.skipped++
			fmt.Fprintf(r.Out, "--- skip  %s (%s)\n", e.Test, took)
		case "fail":
			r.failed = append(r.failed, e.Test)
			if t == nil || t.output.Len() == 0 {
				fmt.Fprintf(r.Out, "--- FAIL  %s (%s)\n", e.Test, took)
				break
			}
			fmt.Fprintf(r.Out, "--- FAIL  %s (%s); its output:\n", e.Test, took)
			io.WriteString(r.Out, indent(t.output.String()))
		}
	}
}

// Heartbeat prints which tests are running, and for how long.
func (r *Renderer) Heartbeat() {
	if r.running == nil {
		r.running = map[string]*test{}
		r.start = r.now()
	}
	if len(r.order) == 0 {
		fmt.Fprintf(r.Out, "... still running (%s into the suite): building or between tests\n", r.since(r.start))
		return
	}
	// the innermost tests: those no other running test is a subtest of
	var names []string
	for _, k := range r.order {
		t := r.running[k]
		inner := true
		for _, k2 := range r.order {
			if k2 != k && strings.HasPrefix(r.running[k2].name, t.name+"/") {
				inner = false
				break
			}
		}
		if inner {
			names = append(names, fmt.Sprintf("%s (%s)", t.name, r.since(t.started)))
		}
	}
	fmt.Fprintf(r.Out, "... still running (%s into the suite): %s\n", r.since(r.start), strings.Join(names, ", "))
}

// Close prints the tests that never ended (the run was cut) and the
// closing count, and says whether everything passed.
func (r *Renderer) Close() bool {
	for _, k := range r.order {
		fmt.Fprintf(r.Out, "--- never ended: %s\n", r.running[k].name)
	}
	if len(r.failed) > 0 {
		sort.Strings(r.failed)
		fmt.Fprintf(r.Out, "failed: %s\n", strings.Join(r.failed, ", "))
	}
	fmt.Fprintf(r.Out, "%d passed, %d failed, %d skipped\n", r.passed, len(r.failed), r.skipped)
	return len(r.failed) == 0 && len(r.pkgFail) == 0 && len(r.order) == 0
}

func (r *Renderer) drop(k string) {
	for i, o := range r.order {
		if o == k {
			r.order = append(r.order[:i], r.order[i+1:]...)
			return
		}
	}
}

func (r *Renderer) since(t time.Time) time.Duration {
	return r.now().Sub(t).Round(time.Second)
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
