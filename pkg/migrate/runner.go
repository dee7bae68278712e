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
	"github.com/safediff/safediff/pkg/kubeapi"
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
	// Kube returns a client of a kube context's API server ("" is the
	// current context), for the migration's lock; nil reads the
	// kubeconfig files of $KUBECONFIG (through Getenv) as kubectl does.
	Kube func(kubeContext string) (*kubeapi.Client, error)
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

// RolledBackError is a cut-over that was rolled back before the
// promotion: the source takes writes again and the clients run; the
// target is still a replica.
type RolledBackError struct {
	// Step is the step that rolled back; Why says what went wrong there.
	Step, Why string
	// Advice says what to do next.
	Advice string
	// Shard is the shard whose cut-over rolled back ("shard 2"), or "".
	Shard string
}

func (e *RolledBackError) Error() string {
	if e.Shard != "" {
		return fmt.Sprintf("%s; rolled back: %s's source master takes writes again (the clients follow it). Its target nodes are still replicas: %s", e.Why, e.Shard, e.Advice)
	}
	return fmt.Sprintf("%s; rolled back: the source takes writes again and the clients were resumed. The target is still a replica: %s", e.Why, e.Advice)
}

// notPromotedError is a promotion that certainly did not happen (a
// cluster's failover that timed out and can no longer complete): the
// cut-over is rolled back.
type notPromotedError struct{ why string }

func (e *notPromotedError) Error() string { return e.why }

// execution is one run: the runner, the state, the component's engine
// and the steps built on it.
type execution struct {
	r      *Runner
	st     *State
	engine engine
	steps  []*Step
	// cuts are the switch-overs of the runbook: one, or one per shard.
	cuts []*cut
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

// open checks the steps, then takes the locks (the state file's, then the
// migration's Leases) and loads the state. The context it returns ends
// when the Leases are lost; close releases everything.
func (r *Runner) open(ctx context.Context) (*execution, context.Context, func(), error) {
	e, err := engineFor(r.M, r.getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	steps, cuts, err := runbook(r.M, e)
	if err != nil {
		return nil, nil, nil, err
	}
	if r.Until != "" && !slices.ContainsFunc(steps, func(s *Step) bool { return s.ID == r.Until }) {
		return nil, nil, nil, fmt.Errorf("--until %s: no such step (steps: %s)", r.Until, stepIDs(steps))
	}
	unlock, err := lockFile(r.statePath())
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := loadState(r.statePath(), r.M)
	if err != nil {
		unlock()
		return nil, nil, nil, err
	}
	sites, err := r.leaseSites()
	if err != nil {
		unlock()
		return nil, nil, nil, err
	}
	l, err := acquireLock(ctx, identity(), LeaseName(r.M.Name), time.Duration(r.M.Thresholds.LeaseDuration), sites, r.printf)
	if err != nil {
		unlock()
		return nil, nil, nil, err
	}
	x := &execution{r: r, st: st, engine: e, steps: steps, cuts: cuts}
	if st.Holder == nil || st.Holder.Identity != l.id {
		st.Holder = &Holder{Identity: l.id, Since: l.since.UTC().Truncate(time.Millisecond)}
		st.log("", "locked by %s", describeHolder(l.id))
		if err := x.save(); err != nil {
			l.release()
			unlock()
			return nil, nil, nil, err
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	l.keep(cancel)
	return x, ctx, func() {
		l.release()
		cancel(nil)
		unlock()
	}, nil
}

// leaseSites are where the migration's lock is held: the source's and the
// target's namespaces, each in its cluster.
func (r *Runner) leaseSites() ([]leaseSite, error) {
	kube := r.Kube
	if kube == nil {
		kube = func(kctx string) (*kubeapi.Client, error) {
			cfg, err := kubeapi.Load(kubeapi.Paths(r.getenv), kctx)
			if err != nil {
				return nil, err
			}
			return cfg.Client()
		}
	}
	var sites []leaseSite
	for _, rel := range []Release{r.M.Source.Release, r.M.Target.Release} {
		if slices.ContainsFunc(sites, func(s leaseSite) bool { return s.context == rel.Context && s.namespace == rel.Namespace }) {
			continue
		}
		api, err := kube(rel.Context)
		if err != nil {
			return nil, fmt.Errorf("the migration's lock is a Lease in %s: %w", rel.Ref(), err)
		}
		sites = append(sites, leaseSite{api: api, context: rel.Context, namespace: rel.Namespace})
	}
	return sites, nil
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
	x, ctx, unlock, err := r.open(ctx)
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
			if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
				err = cause // the lock was lost
			}
			x.st.log(s.ID, "failed: %v", err)
			if serr := x.save(); serr != nil {
				return errors.Join(err, serr)
			}
			return fmt.Errorf("step %s: %w", s.ID, err)
		}
		if cause := context.Cause(ctx); cause != nil {
			return cause // done, but the lock is lost: record nothing more
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
		if s.run == nil {
			return nil
		}
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

// withValues writes the runbook's values to a file of a private
// temporary directory, for the duration of fn: they may hold credentials,
// which must not appear on a command line. The directory holds the copies
// of the chart and values too (helmrun.Runner.Freeze). Without values,
// the path is empty.
func withValues(values map[string]any, fn func(dir, path string) error) error {
	dir, err := os.MkdirTemp("", "safediff-migrate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if len(values) == 0 {
		return fn(dir, "")
	}
	data, err := yaml.Marshal(values)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, "runbook-values.yaml")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return err
	}
	return fn(dir, p)
}

// review plans a helm change with helm diff and judges it by the
// expectations.
func (x *execution) review(ctx context.Context, h HelmChange, dir, valuesFile string) (*classify.Result, []Violation, helmrun.Upgrade, error) {
	u, err := helmrun.ParseUpgrade(x.upgradeArgs(h, valuesFile))
	if err != nil {
		return nil, nil, u, err
	}
	// the diff and the upgrade read one copy of the chart and values
	// (helmrun.Runner.Freeze), kept beside the runbook's values file
	u, notes, err := x.r.Helm.Freeze(ctx, u, dir)
	if err != nil {
		return nil, nil, u, err
	}
	for _, n := range notes {
		x.r.printf("      note: %s\n", n)
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
	return withValues(h.Values, func(dir, valuesFile string) error {
		res, violations, u, err := x.review(ctx, h, dir, valuesFile)
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
	r.printf("State: %s\n", r.statePath())
	if sites, err := r.leaseSites(); err != nil {
		r.printf("Lock: unknown (%v)\n\n", err)
	} else {
		r.printf("Lock: %s\n\n", lockStatus(ctx, LeaseName(r.M.Name), sites))
	}
	next, width := -1, 0
	for _, s := range steps {
		width = max(width, len(s.ID))
	}
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
		r.printf("  %s %2d. %-*s %s%s\n", mark, i+1, width, s.ID, s.Title, extra)
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
		err := withValues(h.Values, func(dir, valuesFile string) error {
			res, violations, _, err := x.review(ctx, h, dir, valuesFile)
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

// pause scales the release clients to zero, runs the pause commands, and
// waits until the source sees no client session but replication and the
// runner's. When sessions remain past the pause timeout, the pause is
// rolled back: the clients are resumed.
func (x *execution) pause(ctx context.Context, e engine, c *cut) error {
	// recorded first: a run killed half-way still resumes them on abort
	x.st.Paused = true
	if x.st.PausedAt == nil {
		now := time.Now().UTC().Truncate(time.Millisecond)
		x.st.PausedAt = &now
	}
	if err := x.save(); err != nil {
		return err
	}
	if err := x.switchClients(ctx, "pause-clients", true); err != nil {
		return err
	}
	timeout := time.Duration(x.r.M.Thresholds.PauseTimeout)
	p := &progress{r: x.r, interval: 5 * time.Second}
	var left []string
	err := waitFor(ctx, timeout, func() (bool, error) {
		var err error
		left, err = e.sessions(ctx)
		if err == nil && len(left) > 0 {
			p.show(fmt.Sprintf("the source still sees %d client sessions: %s", len(left), firstLine(strings.Join(left, "; "))))
		}
		return err == nil && len(left) == 0, err
	})
	p.done()
	var to *errTimeout
	if !errors.As(err, &to) {
		return err
	}
	why := fmt.Sprintf("the source still sees client sessions %v after the clients were paused: %s", timeout, strings.Join(left, "; "))
	if to.last != nil {
		why = fmt.Sprintf("the source's sessions could not be read within %v: %v", timeout, to.last)
	}
	return x.rolledBack(ctx, c, "pause-clients", why, "pause the clients behind those sessions too (a command client), or raise thresholds.pauseTimeout; then run again")
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

// fence fences the source of a switch-over; when the fence is written to
// the source's configuration by a helm step, that step follows (a reviewed
// upgrade) and the fence is applied again, so that a restart of the source
// in between is fenced again and the position is read last.
func (x *execution) fence(ctx context.Context, c *cut) error {
	cs := c.state(x.st)
	cs.Fenced = true
	if err := x.save(); err != nil {
		return err
	}
	j := x.journal(c.fenceStep)
	if err := c.ops.fence(ctx, cs, j); err != nil {
		return x.fenceFailed(ctx, c, err)
	}
	if s := x.step(c.fenceStep); s != nil && len(s.Helm) > 0 {
		if err := x.save(); err != nil {
			return err
		}
		for _, h := range s.Helm {
			if err := x.applyHelm(ctx, s.ID, h); err != nil {
				return x.fenceFailed(ctx, c, err)
			}
		}
		if err := c.ops.fence(ctx, cs, j); err != nil {
			return x.fenceFailed(ctx, c, err)
		}
	}
	what := "the source refuses every write; no client session remains"
	if c.name != "" {
		what = "its source master refuses every write" // its clients follow MOVED, they are not ended
	}
	x.r.printf("      %s\n", c.in(fmt.Sprintf("%s; the fence is at %s", what, cs.FencePosition)))
	x.st.log(c.fenceStep, "fenced at %s", cs.FencePosition)
	return x.save()
}

// fenceFailed rolls back a fence that failed part-way (a source replica or
// a Sentinel down): the clients were paused and part of the source may
// refuse writes, which nothing else would undo. An interrupted run is
// left as it is, for the next run to resume.
func (x *execution) fenceFailed(ctx context.Context, c *cut, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return x.rolledBack(ctx, c, c.fenceStep, "the fence failed: "+err.Error(), "find out why, then run again")
}

// journal is the journal of a step.
func (x *execution) journal(stepID string) journal {
	return journal{save: x.save,
		log: func(format string, args ...any) { x.st.log(stepID, format, args...) },
		say: func(format string, args ...any) { x.r.printf("      "+format+"\n", args...) }}
}

// step returns the step with the id, or nil.
func (x *execution) step(id string) *Step {
	for _, s := range x.steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// compare compares the content of the fenced source and the caught-up
// target; a difference rolls the cut-over back and names what differs.
func (x *execution) compare(ctx context.Context, c *cut, stepID string) error {
	diffs, notes, err := c.ops.compare(ctx, c.state(x.st))
	var pe *permanentError
	switch {
	case errors.As(err, &pe) && ctx.Err() == nil:
		// what cannot be compared at all (a database closed to
		// connections): the clients must not stay paused for it
		return x.rolledBack(ctx, c, stepID, c.in("the content cannot be compared: "+err.Error()), "see above; then run again, or abort")
	case err != nil:
		return err
	}
	for _, n := range notes {
		x.r.printf("      note: %s\n", n)
	}
	if len(diffs) == 0 {
		x.r.printf("      %s\n", c.in("the target's content equals the fenced source's"))
		x.st.log(stepID, "the content of the source and the target is equal")
		return nil
	}
	for _, d := range diffs {
		x.r.printf("      differs: %s\n", d)
	}
	why := c.in(fmt.Sprintf("the target's content differs from the fenced source's: %s", strings.Join(diffs, "; ")))
	return x.rolledBack(ctx, c, stepID, why, "find out what wrote to the source or the target after the fence; run again to cut over anew, or abort")
}

// progress shows a wait's state: redrawn in place on a terminal, else a
// line at most every interval.
type progress struct {
	r        *Runner
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
	// not a terminal: a line at most every interval, however often the
	// wait looks (every pollEvery)
	if p.lastAt.IsZero() || time.Since(p.lastAt) >= p.interval {
		fmt.Fprintf(p.r.Out, "      %s\n", line)
		p.lastAt = time.Now()
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
func (x *execution) waitCaughtUp(ctx context.Context, c *cut, stepID string) error {
	p := &progress{r: x.r, interval: 5 * time.Second}
	timeout := time.Duration(x.r.M.Thresholds.CatchUpTimeout)
	var lastLag int64
	err := waitFor(ctx, timeout, func() (bool, error) {
		ok, lag, err := c.ops.caughtUp(ctx, c.state(x.st))
		if err == nil {
			lastLag = lag
			p.show(c.in(fmt.Sprintf("target %s behind the fence", humanBytes(lag))))
		}
		return ok, err
	})
	p.done()
	var to *errTimeout
	switch {
	case err == nil || ctx.Err() != nil:
		return err
	case !errors.As(err, &to):
		// the target cannot catch up at all (promoted by someone else)
		return x.rolledBack(ctx, c, stepID, c.in(err.Error()), "see above; then run again, or abort")
	}
	why := c.in(fmt.Sprintf("the target did not catch up within %v (%s behind)", timeout, humanBytes(lastLag)))
	if to.last != nil {
		why = c.in(fmt.Sprintf("the target's position could not be read within %v: %v", timeout, to.last))
	}
	return x.rolledBack(ctx, c, stepID, why, "run again when traffic is lower, or abort")
}

// rolledBack rolls a cut-over back after a failure at stepID and returns
// the *RolledBackError, or the error of a failed rollback.
func (x *execution) rolledBack(ctx context.Context, c *cut, stepID, why, advice string) error {
	x.r.printf("      %s: rolling back\n", why)
	x.st.log(stepID, "%s: rolling back", why)
	if err := x.rollback(ctx, c, stepID); err != nil {
		return fmt.Errorf("%s, and the rollback failed: %w (the source may still be fenced and the clients paused; run safediff migrate abort)", why, err)
	}
	return &RolledBackError{Step: stepID, Why: why, Advice: advice, Shard: c.name}
}

// rollback undoes a cut-over's fence and the pause: the source takes
// writes, the clients run, and the cut-over's steps are pending again.
// stepID names what rolls back in the state's log.
func (x *execution) rollback(ctx context.Context, c *cut, stepID string) error {
	cs := c.state(x.st)
	if cs.Fenced {
		x.r.printf("      %s\n", c.in("unfencing the source"))
		if err := c.ops.unfence(ctx, cs); err != nil {
			return err
		}
		if err := x.unpersistFence(ctx, c, stepID); err != nil {
			return err
		}
		cs.Fenced = false
		// what the fence saved is restored: the next fence saves anew
		cs.FencePosition, cs.Source, cs.SavedConfig, cs.FenceStream = "", "", nil, nil
		x.st.log(stepID, "%s", c.in("source unfenced"))
		if err := x.save(); err != nil {
			return err
		}
	}
	for _, id := range c.pending {
		delete(x.st.Done, id)
	}
	if x.st.Paused {
		x.r.printf("      resuming the clients\n")
		if err := x.resumeClients(ctx, stepID); err != nil {
			return err
		}
		x.st.log(stepID, "clients resumed")
	}
	return x.save()
}

// unpersistFence takes the fence out of the source's configuration again,
// when the fence step wrote it there: the same release with the values of
// prepare-source, reviewed as configuration only.
func (x *execution) unpersistFence(ctx context.Context, c *cut, stepID string) error {
	fence, prepare := x.step(c.fenceStep), x.step("prepare-source")
	if fence == nil || len(fence.Helm) == 0 || prepare == nil {
		return nil
	}
	for _, h := range prepare.Helm {
		h.Expect = []Expectation{configOnly("the fence is taken out of the source's configuration")}
		if err := x.applyHelm(ctx, stepID, h); err != nil {
			return err
		}
	}
	return nil
}

// promote promotes the target of a switch-over once it has every write;
// a promotion that certainly did not happen rolls the cut-over back.
func (x *execution) promote(ctx context.Context, c *cut, stepID string) error {
	cs := c.state(x.st)
	ok, lag, err := c.ops.caughtUp(ctx, cs)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New(c.in(fmt.Sprintf("the target is %s behind the fence; it must have every write before it is promoted", humanBytes(lag))))
	}
	cs.Promoted = true
	if err := x.save(); err != nil {
		return err
	}
	err = c.ops.promote(ctx, cs, x.journal(stepID))
	var np *notPromotedError
	if errors.As(err, &np) {
		cs.Promoted = false
		return x.rolledBack(ctx, c, stepID, c.in(np.why), "find out why (the cluster's logs say), then run again; or abort while no shard failed over")
	}
	return err
}

// waitFollowers waits until every replica of the promoted target streams
// from it, showing each one's lag; the lags are kept in the state's log.
func (x *execution) waitFollowers(ctx context.Context, f followers) error {
	p := &progress{r: x.r, interval: 5 * time.Second}
	var lines []string
	err := waitFor(ctx, time.Duration(x.r.M.Thresholds.StepTimeout), func() (bool, error) {
		ok, l, err := f.follow(ctx)
		if err != nil {
			p.show("the target's replicas: " + firstLine(err.Error()))
			return false, err
		}
		lines = l
		p.show(strings.Join(l, "; "))
		return ok, nil
	})
	p.done()
	if err != nil {
		return fmt.Errorf("the target's replicas do not all follow the new primary: %w (%s)", err, strings.Join(lines, "; "))
	}
	for _, l := range lines {
		x.r.printf("      %s\n", l)
		x.st.log("check-replicas", "%s", l)
	}
	return x.save()
}

// waitSentinels waits until the target's Sentinels watch the promoted
// target and agree.
func (x *execution) waitSentinels(ctx context.Context, sg sentinels) error {
	p := &progress{r: x.r, interval: 5 * time.Second}
	var last string
	err := waitFor(ctx, time.Duration(x.r.M.Thresholds.StepTimeout), func() (bool, error) {
		ok, detail, err := sg.sentinelsReady(ctx)
		if err != nil {
			p.show("the target's Sentinels: " + firstLine(err.Error()))
			return false, err
		}
		last = detail
		p.show(detail)
		return ok, nil
	})
	p.done()
	if err != nil {
		return fmt.Errorf("the target's Sentinels do not agree on the new master: %w (%s)", err, last)
	}
	x.r.printf("      %s\n", last)
	x.st.log("start-sentinels", "%s", last)
	return x.save()
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
