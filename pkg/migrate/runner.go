package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/helmrun"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

// Runner executes a migration's runbook, one step at a time, recording
// each finished step in the state file.
type Runner struct {
	M *Migration
	// StatePath is the state file (default: StatePath(M.File)).
	StatePath string
	// Helm runs helm: its Helm binary, environment and output streams.
	Helm *helmrun.Runner
	// Rules classify the helm steps' diffs (nil: the default rules).
	Rules *rules.Set
	// Getenv reads credentials.
	Getenv func(string) string
	// Out receives progress and reviews.
	Out io.Writer
	// Confirm asks a person a yes/no question; nil means nobody can be
	// asked (no terminal). Yes answers every question with yes.
	Confirm func(question string) (bool, error)
	Yes     bool
	// Live redraws the waits' progress line in place (a terminal).
	Live bool
	// Color colours the reviews.
	Color bool
	// Until stops the run after this step ("" runs to the end).
	Until string
}

// HeldError is a helm step whose review went beyond its expectations: the
// run stopped before the upgrade.
type HeldError struct {
	Step       string
	Release    string
	Violations []Violation
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("step %s: the plan for %s goes beyond what the step expects (%d unexpected changes); nothing was upgraded",
		e.Step, e.Release, len(e.Violations))
}

// NotConfirmedError is a step that needed a yes and did not get one.
type NotConfirmedError struct {
	Step, Reason string
}

func (e *NotConfirmedError) Error() string {
	return fmt.Sprintf("step %s was not confirmed: %s", e.Step, e.Reason)
}

// RolledBackError is a cut-over that was rolled back: the target did not
// catch up in time; the source takes writes again and the clients run.
type RolledBackError struct {
	Lag     int64
	Timeout time.Duration
}

func (e *RolledBackError) Error() string {
	return fmt.Sprintf("the target did not catch up within %v (%s behind); rolled back: the source takes writes again and the clients were resumed. The target is still a replica: run again when traffic is lower, or abort", e.Timeout, humanBytes(e.Lag))
}

// execution is one run: the runner, the state, the component's engine
// and the steps built on it.
type execution struct {
	r      *Runner
	st     *State
	engine engine
	steps  []*Step
}

func (r *Runner) statePath() string {
	if r.StatePath != "" {
		return r.StatePath
	}
	return StatePath(r.M.File)
}

func (r *Runner) getenv(k string) string {
	if r.Getenv == nil {
		return os.Getenv(k)
	}
	return r.Getenv(k)
}

func (r *Runner) printf(format string, args ...any) { fmt.Fprintf(r.Out, format, args...) }

// open checks the steps, then takes the lock and loads the state.
func (r *Runner) open() (*execution, func(), error) {
	e, err := engineFor(r.M, r.getenv)
	if err != nil {
		return nil, nil, err
	}
	steps, err := steps(r.M, e)
	if err != nil {
		return nil, nil, err
	}
	if r.Until != "" && !slices.ContainsFunc(steps, func(s *Step) bool { return s.ID == r.Until }) {
		return nil, nil, fmt.Errorf("--until %s: no such step (steps: %s)", r.Until, stepIDs(steps))
	}
	unlock, err := lock(r.statePath())
	if err != nil {
		return nil, nil, err
	}
	st, err := loadState(r.statePath(), r.M)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return &execution{r: r, st: st, engine: e, steps: steps}, unlock, nil
}

func stepIDs(steps []*Step) string {
	var ids []string
	for _, s := range steps {
		ids = append(ids, s.ID)
	}
	return strings.Join(ids, ", ")
}

func (x *execution) save() error { return x.st.save(x.r.statePath()) }

// Run executes the pending steps in order. A finished step is never run
// again, so running a finished migration changes nothing.
func (r *Runner) Run(ctx context.Context) error {
	x, unlock, err := r.open()
	if err != nil {
		return err
	}
	defer unlock()
	if x.st.Finished != nil {
		r.printf("Migration %s finished at %s; nothing to do.\n", r.M.Name, x.st.Finished.Local().Format(time.RFC3339))
		return nil
	}
	r.printf("Migration %s: %s %s -> %s (%d steps)\n", r.M.Name, r.M.Component, r.M.Source.Ref(), r.M.Target.Ref(), len(x.steps))
	for i, s := range x.steps {
		if _, done := x.st.Done[s.ID]; done {
			r.printf("[%d/%d] %s: done\n", i+1, len(x.steps), s.ID)
			if r.Until == s.ID {
				// asked to stop at a step that is already done: the
				// steps after it were not asked for
				r.printf("Stopped after %s (--until), done before. Run without --until to go on.\n", s.ID)
				return nil
			}
			continue
		}
		r.printf("[%d/%d] %s: %s\n", i+1, len(x.steps), s.ID, s.Title)
		if s.Confirm != "" {
			if err := x.confirm(s); err != nil {
				return err
			}
		}
		x.st.log(s.ID, "started")
		if err := x.save(); err != nil {
			return err
		}
		t0 := time.Now()
		if err := x.runStep(ctx, s); err != nil {
			x.st.log(s.ID, "failed: %v", err)
			if serr := x.save(); serr != nil {
				return errors.Join(err, serr)
			}
			return fmt.Errorf("step %s: %w", s.ID, err)
		}
		x.st.Done[s.ID] = time.Now().UTC().Truncate(time.Millisecond)
		x.st.log(s.ID, "done in %v", time.Since(t0).Round(time.Millisecond))
		if i == len(x.steps)-1 {
			now := time.Now().UTC().Truncate(time.Millisecond)
			x.st.Finished = &now
		}
		if err := x.save(); err != nil {
			return err
		}
		r.printf("      done in %v\n", time.Since(t0).Round(time.Millisecond))
		if r.Until == s.ID && i < len(x.steps)-1 {
			r.printf("Stopped after %s (--until). Run again to go on.\n", s.ID)
			return nil
		}
	}
	r.printf("Migration %s finished: %s is served by %s.\n", r.M.Name, r.M.Endpoint.Release, r.M.Target.Ref())
	return nil
}

func (x *execution) confirm(s *Step) error {
	r := x.r
	if r.Yes {
		return nil
	}
	if r.Confirm == nil {
		return &NotConfirmedError{Step: s.ID, Reason: "no terminal to ask on; pass --yes to confirm in advance"}
	}
	ok, err := r.Confirm(s.Confirm)
	if err != nil {
		return &NotConfirmedError{Step: s.ID, Reason: err.Error()}
	}
	if !ok {
		return &NotConfirmedError{Step: s.ID, Reason: "answered no"}
	}
	return nil
}

func (x *execution) runStep(ctx context.Context, s *Step) error {
	switch s.Kind {
	case KindHelm, KindRepoint:
		for _, h := range s.Helm {
			if err := x.applyHelm(ctx, s.ID, h); err != nil {
				return err
			}
		}
		return nil
	}
	return s.run(ctx, x)
}

// upgradeArgs are the helm upgrade arguments of a change, with the
// runbook's values in the file valuesFile.
func (x *execution) upgradeArgs(h HelmChange, valuesFile string) []string {
	m := x.r.M
	rel := h.Release
	args := []string{rel.Release, m.chartRef(rel.Chart), "--namespace", rel.Namespace}
	if rel.Context != "" {
		args = append(args, "--kube-context", rel.Context)
	}
	if rel.Version != "" {
		args = append(args, "--version", rel.Version)
	}
	for _, v := range rel.Values {
		args = append(args, "--values", m.path(v))
	}
	if valuesFile != "" {
		args = append(args, "--values", valuesFile)
	}
	if h.Install {
		args = append(args, "--install", "--create-namespace")
	}
	return args
}

// withValues writes the runbook's values to a private temporary file for
// the duration of fn: they may hold credentials, which must not appear on
// a command line.
func withValues(values map[string]any, fn func(path string) error) error {
	if len(values) == 0 {
		return fn("")
	}
	data, err := yaml.Marshal(values)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "safediff-migrate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "runbook-values.yaml")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return err
	}
	return fn(p)
}

// review plans a helm change with helm diff and judges it by the
// expectations.
func (x *execution) review(ctx context.Context, h HelmChange, valuesFile string) (*classify.Result, []Violation, helmrun.Upgrade, error) {
	u, err := helmrun.ParseUpgrade(x.upgradeArgs(h, valuesFile))
	if err != nil {
		return nil, nil, u, err
	}
	diff, err := x.r.Helm.Diff(ctx, u)
	if err != nil {
		return nil, nil, u, err
	}
	rep, err := review.Review(bytes.NewReader(diff), review.Options{Rules: x.r.Rules, Namespace: h.Release.Namespace})
	if err != nil {
		return nil, nil, u, fmt.Errorf("reviewing the plan of %s: %w", h.Release.Ref(), err)
	}
	return rep.Result, check(rep.Result, h.Expect), u, nil
}

// printReview renders a step's review with its verdict.
func (x *execution) printReview(h HelmChange, res *classify.Result, violations []Violation) {
	r := x.r
	rep := report.New(res, expecting(h.Expect))
	rep.Source = "helm diff upgrade " + h.Release.Ref()
	rep.Color = r.Color
	r.printReport(rep)
	r.printf("      This step expects:\n")
	for _, e := range describeExpectations(h.Expect) {
		r.printf("        - %s\n", e)
	}
	if len(violations) > 0 {
		r.printf("      Unexpected:\n")
		for _, v := range violations {
			r.printf("        ! %s\n", v)
		}
	}
}

// applyHelm reviews a change and, when it is within the expectations,
// upgrades. A release already in the wanted state has an empty plan and
// is left alone, so a step can run again after an interruption.
func (x *execution) applyHelm(ctx context.Context, stepID string, h HelmChange) error {
	return x.applyHelmUntil(ctx, stepID, h, time.Now().Add(helmBusyWait))
}

// helmBusyWait is how long a step waits for another helm operation on its
// release to end (a helm left running by an interrupted run).
const helmBusyWait = 2 * time.Minute

func (x *execution) applyHelmUntil(ctx context.Context, stepID string, h HelmChange, busyUntil time.Time) error {
	return withValues(h.Values, func(valuesFile string) error {
		res, violations, u, err := x.review(ctx, h, valuesFile)
		if err != nil {
			return err
		}
		x.printReview(h, res, violations)
		if len(violations) > 0 {
			return &HeldError{Step: stepID, Release: h.Release.Ref(), Violations: violations}
		}
		if len(res.Objects) == 0 {
			x.r.printf("      %s is already as this step wants it\n", h.Release.Ref())
			return nil
		}
		x.st.log(stepID, "helm upgrade %s", h.Release.Ref())
		if err := x.save(); err != nil {
			return err
		}
		err = x.r.Helm.Upgrade(ctx, u)
		var ue *helmrun.UpgradeError
		if errors.As(err, &ue) && strings.Contains(ue.Message, "another operation (install/upgrade/rollback) is in progress") && time.Now().Before(busyUntil) {
			// a helm of an interrupted run may still be finishing: plan again
			x.r.printf("      another helm operation on %s is in progress; planning again\n", h.Release.Ref())
			if err := sleep(ctx, time.Second); err != nil {
				return err
			}
			return x.applyHelmUntil(ctx, stepID, h, busyUntil)
		}
		return err
	})
}

// Plan prints the steps with their state and the review of the next
// pending step. It changes nothing. held reports whether that review goes
// beyond the step's expectations.
func (r *Runner) Plan(ctx context.Context) (held bool, err error) {
	st, err := loadState(r.statePath(), r.M)
	if err != nil {
		return false, err
	}
	steps, err := Runbook(r.M, r.getenv)
	if err != nil {
		return false, err
	}
	r.printf("Migration %s: %s %s -> %s\n", r.M.Name, r.M.Component, r.M.Source.Ref(), r.M.Target.Ref())
	r.printf("State: %s\n\n", r.statePath())
	next := -1
	for i, s := range steps {
		mark := "[ ]"
		if _, done := st.Done[s.ID]; done {
			mark = "[x]"
		} else if next < 0 {
			next = i
			mark = "[>]"
		}
		extra := ""
		if s.Confirm != "" {
			extra = " (asks first)"
		}
		if s.NoReturn {
			extra += " (no abort after this)"
		}
		r.printf("  %s %2d. %-20s %s%s\n", mark, i+1, s.ID, s.Title, extra)
	}
	r.printf("\n")
	if next < 0 {
		r.printf("Every step is done.\n")
		return false, nil
	}
	s := steps[next]
	r.printf("Next: %s (%s)\n", s.ID, s.Kind)
	x := &execution{r: r, st: st, steps: steps}
	if len(s.Helm) == 0 {
		r.printf("      %s\n", s.Title)
	}
	for _, h := range s.Helm {
		err := withValues(h.Values, func(valuesFile string) error {
			res, violations, _, err := x.review(ctx, h, valuesFile)
			if err != nil {
				return err
			}
			x.printReview(h, res, violations)
			held = held || len(violations) > 0
			return nil
		})
		if err != nil {
			return false, err
		}
	}
	if s.Kind == KindPause || s.Kind == KindResume {
		for _, c := range r.M.Clients {
			if c.Release == nil {
				r.printf("      client %s: runs %s\n", c.Name, strings.Join(c.command(s.Kind == KindPause), " "))
			}
		}
	}
	return held, nil
}

// runCommand runs a client's command in the migration file's directory.
func (x *execution) runCommand(ctx context.Context, name string, argv []string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(x.r.M.Thresholds.StepTimeout))
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = x.r.M.Dir
	cmd.Stdout, cmd.Stderr = x.r.Out, x.r.Out
	x.r.printf("      client %s: %s\n", name, strings.Join(argv, " "))
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("client %s: %s: %w", name, strings.Join(argv, " "), err)
	}
	return nil
}

// pauseClients scales the release clients to zero and runs the pause
// commands; stepID names the step in the state's log.
func (x *execution) pauseClients(ctx context.Context, stepID string) error {
	// recorded first: a run killed half-way still resumes them on abort
	x.st.Paused = true
	if x.st.PausedAt == nil {
		now := time.Now().UTC().Truncate(time.Millisecond)
		x.st.PausedAt = &now
	}
	if err := x.save(); err != nil {
		return err
	}
	return x.switchClients(ctx, stepID, true)
}

// switchClients applies the release clients' scale changes and runs the
// command clients' pause (or resume) commands.
func (x *execution) switchClients(ctx context.Context, stepID string, pause bool) error {
	for _, h := range clientChanges(x.r.M, pause) {
		if err := x.applyHelm(ctx, stepID, h); err != nil {
			return err
		}
	}
	for _, c := range x.r.M.Clients {
		if c.Release == nil {
			if err := x.runCommand(ctx, c.Name, c.command(pause)); err != nil {
				return err
			}
		}
	}
	return nil
}

// resumeClients scales the release clients back and runs the resume
// commands; stepID names the step (or the rollback) in the state's log.
func (x *execution) resumeClients(ctx context.Context, stepID string) error {
	if err := x.switchClients(ctx, stepID, false); err != nil {
		return err
	}
	x.st.Paused = false
	if x.st.PausedAt != nil {
		d := time.Since(*x.st.PausedAt).Round(time.Millisecond)
		x.r.printf("      the clients were paused for %v\n", d)
		x.st.log(stepID, "clients resumed after a pause of %v", d)
		x.st.PausedAt = nil
	}
	return x.save()
}

func (x *execution) fence(ctx context.Context, e engine) error {
	x.st.Fenced = true
	if err := x.save(); err != nil {
		return err
	}
	if err := e.fence(ctx, x.st, x.save); err != nil {
		return err
	}
	x.r.printf("      the source refuses writes; the last write is at %s\n", x.st.FencePosition)
	return x.save()
}

// progress shows a wait's state: redrawn in place on a terminal, else a
// line when it changes or every few seconds.
type progress struct {
	r        *Runner
	last     string
	lastAt   time.Time
	drawn    bool
	interval time.Duration
}

func (p *progress) show(line string) {
	if p.r.Live {
		fmt.Fprintf(p.r.Out, "\r\033[K      %s", line)
		p.drawn = true
		return
	}
	if line != p.last || time.Since(p.lastAt) >= p.interval {
		fmt.Fprintf(p.r.Out, "      %s\n", line)
		p.last, p.lastAt = line, time.Now()
	}
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.r.Out)
	}
}

func (x *execution) waitReplicating(ctx context.Context, e engine) error {
	p := &progress{r: x.r, interval: 5 * time.Second}
	defer p.done()
	max := int64(x.r.M.Thresholds.MaxLag)
	t0 := time.Now()
	return waitFor(ctx, time.Duration(x.r.M.Thresholds.StepTimeout), func() (bool, error) {
		ok, lag, detail, err := e.replicating(ctx)
		el := time.Since(t0).Round(time.Second)
		if err != nil {
			p.show(fmt.Sprintf("waiting for the target (%v): %s", el, firstLine(err.Error())))
			return false, err
		}
		p.show(fmt.Sprintf("replication lag %s (%s) after %v", humanBytes(lag), detail, el))
		return ok && lag <= max, nil
	})
}

// firstLine makes an error fit a progress line: whitespace runs (a driver's
// multi-line message) become one space, and it is cut at 140 characters.
func firstLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 140 {
		s = s[:140] + "…"
	}
	return s
}

// waitCaughtUp waits for the target to have every write up to the fence.
// When it does not within the catch-up timeout, the cut-over is rolled
// back: the source is unfenced and the clients resumed, so nothing waits
// on a target that cannot keep up.
func (x *execution) waitCaughtUp(ctx context.Context, e engine) error {
	p := &progress{r: x.r, interval: 2 * time.Second}
	timeout := time.Duration(x.r.M.Thresholds.CatchUpTimeout)
	var lastLag int64
	err := waitFor(ctx, timeout, func() (bool, error) {
		ok, lag, err := e.caughtUp(ctx, x.st)
		if err == nil {
			lastLag = lag
			p.show(fmt.Sprintf("target %s behind the fence", humanBytes(lag)))
		}
		return ok, err
	})
	p.done()
	var to *errTimeout
	if !errors.As(err, &to) {
		return err
	}
	x.r.printf("      the target did not catch up within %v: rolling back\n", timeout)
	if err := x.rollback(ctx, "wait-caught-up"); err != nil {
		return fmt.Errorf("the target did not catch up within %v, and the rollback failed: %w (the source may still be fenced and the clients paused; run safediff migrate abort)", timeout, err)
	}
	return &RolledBackError{Lag: lastLag, Timeout: timeout}
}

// rollback undoes the fence and the pause: the source takes writes, the
// clients run, and the steps from pausing on are pending again. stepID
// names what rolls back in the state's log.
func (x *execution) rollback(ctx context.Context, stepID string) error {
	if x.st.Fenced {
		x.r.printf("      unfencing the source\n")
		if err := x.engine.unfence(ctx, x.st); err != nil {
			return err
		}
		x.st.Fenced = false
		x.st.FencePosition = ""
		delete(x.st.Done, "fence-source")
		x.st.log(stepID, "source unfenced")
		if err := x.save(); err != nil {
			return err
		}
	}
	if x.st.Paused {
		x.r.printf("      resuming the clients\n")
		if err := x.resumeClients(ctx, stepID); err != nil {
			return err
		}
		delete(x.st.Done, "pause-clients")
		x.st.log(stepID, "clients resumed")
	}
	return x.save()
}

func (x *execution) promote(ctx context.Context, e engine) error {
	ok, lag, err := e.caughtUp(ctx, x.st)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the target is %s behind the fence; it must have every write before it is promoted", humanBytes(lag))
	}
	x.st.Promoted = true
	if err := x.save(); err != nil {
		return err
	}
	return e.promote(ctx)
}

func (x *execution) verify(ctx context.Context, e engine) error {
	if err := e.verify(ctx); err != nil {
		return err
	}
	// the name clients use points at the target
	out, err := x.r.Helm.Output(ctx, helmArgs(x.r.M.Endpoint, "get values", "--output", "json")...)
	if err != nil {
		return err
	}
	var vals struct {
		Host string `json:"host"`
	}
	if err := yaml.Unmarshal(out, &vals); err != nil {
		return fmt.Errorf("reading the values of %s: %w", x.r.M.Endpoint.Ref(), err)
	}
	host, _ := hostPort(x.r.M.Target.clientAddress())
	if vals.Host != host {
		return fmt.Errorf("%s points at %q, not at the target %q", x.r.M.Endpoint.Ref(), vals.Host, host)
	}
	if x.st.Paused {
		return errors.New("the clients are still paused")
	}
	return nil
}

// helmArgs is a helm command on a release: the verb words, the release,
// its namespace and kube context, then extra flags.
func helmArgs(r Release, verb string, rest ...string) []string {
	args := append(strings.Fields(verb), r.Release, "--namespace", r.Namespace)
	if r.Context != "" {
		args = append(args, "--kube-context", r.Context)
	}
	return append(args, rest...)
}

// printReport prints a report indented under its step.
func (r *Runner) printReport(rep *report.Report) {
	var b bytes.Buffer
	report.Text{}.Write(&b, rep)
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		r.printf("      %s\n", line)
	}
}
