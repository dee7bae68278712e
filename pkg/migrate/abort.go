package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/helmrun"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

// ErrPromoted is returned by Abort after the promotion: the target may
// have taken writes the source does not have.
var ErrPromoted = errors.New("the target was promoted: abort is no longer possible (writes may have reached the target only); to go back, migrate in the other direction")

// Abort returns a migration that was not promoted to its starting point:
// the source takes writes, the clients run against it, the target release
// is uninstalled and what replication held on the source is freed. The
// removal of the target is reviewed and printed first; it needs a yes
// (Confirm, or Yes). The state is reset, so a later run starts afresh.
func (r *Runner) Abort(ctx context.Context) error {
	x, ctx, unlock, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	for _, c := range x.cuts {
		if c.state(x.st).Promoted {
			if c.name != "" {
				return fmt.Errorf("%w. Here %s failed over to the target; run again to move the other shards", ErrPromoted, c.name)
			}
			return ErrPromoted
		}
	}
	r.printf("Aborting migration %s\n", r.M.Name)
	// the servers, not only the state file (which may be missing, or be
	// another machine's), say whether the target may be removed
	ls := x.engine.live(ctx)
	// the target's removal, reviewed, before anything changes
	target := r.M.Target.Release
	manifest, err := r.Helm.Output(ctx, helmArgs(target, "get manifest")...)
	var ce *helmrun.CommandError
	targetExists := true
	if errors.As(err, &ce) && strings.Contains(ce.Message, "not found") {
		targetExists = false
	} else if err != nil {
		return err
	}
	if targetExists {
		if err := refuseRemoval(x, ls); err != nil {
			return err
		}
		res, err := r.removalReview(manifest, target)
		if err != nil {
			return err
		}
		r.printRemoval(res, target, removal())
		if err := x.confirm(&Step{ID: "abort", Confirm: fmt.Sprintf("Uninstall the target release %s?", target.Ref())}); err != nil {
			return err
		}
	}
	if ls.sourceFenced && len(x.cuts) == 1 {
		x.st.Fenced = true // whatever the state says: the source is fenced
	}
	if x.st.fresh && x.step("pause-clients") != nil {
		x.st.Paused = true // nothing says they are not paused; resuming is harmless
	}
	for _, c := range x.cuts {
		if err := x.rollback(ctx, c, "abort"); err != nil {
			return err
		}
	}
	if targetExists {
		r.printf("  uninstalling %s\n", target.Ref())
		out, err := r.Helm.Output(ctx, helmArgs(target, "uninstall")...)
		if err != nil {
			return err
		}
		r.printf("  %s", out)
		x.st.log("abort", "target uninstalled")
	}
	if err := x.engine.releaseSource(ctx); err != nil {
		return err
	}
	fresh := newState(r.M)
	fresh.Log = append(x.st.Log, Event{At: time.Now().UTC().Truncate(time.Millisecond), Step: "abort", What: "aborted; the next run starts from the first step"})
	if err := fresh.save(r.statePath()); err != nil {
		return err
	}
	r.printf("Aborted: the source serves the clients as before; the target release is gone (its volume claims are kept by Kubernetes: delete them to free the space).\n")
	return nil
}

// refuseRemoval says why the target must not be removed: it was promoted
// or takes writes, or it cannot be asked and nothing says it was not.
func refuseRemoval(x *execution, ls liveState) error {
	addr := x.r.M.Target.Address
	switch {
	case ls.targetPromoted:
		return fmt.Errorf("the target at %s is a primary, not a replica: it was promoted (by this migration, from another state file, or by hand), so it may hold writes the source does not have; abort does not remove it. To go back, migrate in the other direction; to remove it anyway, uninstall it with helm after checking its data", addr)
	case ls.targetWritable:
		return fmt.Errorf("the target at %s takes writes (it is not read-only), so it may hold writes the source does not have; abort does not remove it: make it read-only again, or uninstall it with helm after checking its data", addr)
	case !ls.targetReachable && (x.st.fresh || slices.ContainsFunc(x.st.Log, func(e Event) bool { return e.Step == "promote-target" })):
		return fmt.Errorf("cannot tell whether the target at %s was promoted: it does not answer (%v), and %s; abort does not remove it. Start it so that it can be asked, or uninstall it with helm after checking its data",
			addr, ls.targetErr, map[bool]string{true: "there is no state file", false: "the state records a promotion that started"}[x.st.fresh])
	}
	return nil
}

// removalReview reviews the removal of every object of a release.
func (r *Runner) removalReview(manifest []byte, rel Release) (*classify.Result, error) {
	diff, err := helmrun.RemovalDiff(manifest, rel.Namespace)
	if err != nil {
		return nil, fmt.Errorf("the manifest of %s: %w", rel.Ref(), err)
	}
	rep, err := review.Review(bytes.NewReader(diff), review.Options{Rules: r.Rules, Namespace: rel.Namespace})
	if err != nil {
		return nil, fmt.Errorf("reviewing the removal of %s: %w", rel.Ref(), err)
	}
	return rep.Result, nil
}

// removal judges the removal of a release: a destructive change needs an
// accept entry, or a person's confirmation.
func removal(accepted ...*gate.AcceptFile) gate.Judge {
	return gate.JudgeFunc(func(res *classify.Result) gate.Verdict {
		v := gate.Accepting(gate.Gate{Default: gate.Threshold{Level: rules.Destructive}}, accepted...).Judge(res)
		if v.Tripped {
			v.Summary = fmt.Sprintf("HOLD - the removal is %s: it needs an accept entry or a confirmation", res.Highest)
		} else {
			v.Summary = fmt.Sprintf("PASS - the removal is %s", res.Highest)
		}
		return v
	})
}

func (r *Runner) printRemoval(res *classify.Result, rel Release, j gate.Judge) gate.Verdict {
	rep := report.New(res, j)
	rep.Source = "helm uninstall " + rel.Ref()
	rep.Color = r.Color
	r.printReport(rep)
	return rep.Verdict
}

// DeleteSource uninstalls the source release of a finished migration. Its
// review is printed first: deleting a database's release is destructive.
// It goes ahead only when every destructive change is in accepted, or a
// person confirms by typing the release's name (Confirm is asked with the
// name as the expected answer). Yes does not suffice.
func (r *Runner) DeleteSource(ctx context.Context, accepted []*gate.AcceptFile, confirmName func(prompt, want string) (bool, error)) error {
	x, ctx, unlock, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if x.st.SourceDeleted != nil {
		r.printf("The source was deleted at %s; nothing to do.\n", x.st.SourceDeleted.Local().Format(time.RFC3339))
		return nil
	}
	if x.st.Finished == nil {
		return errors.New("the migration has not finished: the source is still the data's only complete home (run it to the end first)")
	}
	// the state file says it finished; the servers must say so too
	if ls := x.engine.live(ctx); !ls.targetPromoted || !ls.targetWritable {
		what := "a replica, or read-only"
		if !ls.targetReachable {
			what = fmt.Sprintf("not answering (%v)", ls.targetErr)
		}
		return fmt.Errorf("the target at %s is %s, not the writable primary: the source may still be the data's only complete home, so it is not deleted", r.M.Target.Address, what)
	}
	rel := r.M.Source.Release
	manifest, err := r.Helm.Output(ctx, helmArgs(rel, "get manifest")...)
	if err != nil {
		return err
	}
	res, err := r.removalReview(manifest, rel)
	if err != nil {
		return err
	}
	verdict := r.printRemoval(res, rel, removal(accepted...))
	if verdict.Tripped {
		if confirmName == nil {
			return &NotConfirmedError{Step: "delete-source", Reason: "the removal is destructive; list its objects in an accept file (--accept), or confirm on a terminal"}
		}
		ok, err := confirmName(fmt.Sprintf("This deletes %s and its data. Type the release name (%s) to confirm: ", rel.Ref(), rel.Release), rel.Release)
		if err != nil || !ok {
			reason := "the name was not typed"
			if err != nil {
				reason = err.Error()
			}
			return &NotConfirmedError{Step: "delete-source", Reason: reason}
		}
	}
	out, err := r.Helm.Output(ctx, helmArgs(rel, "uninstall")...)
	if err != nil {
		return err
	}
	r.printf("%s", out)
	now := time.Now().UTC().Truncate(time.Millisecond)
	x.st.SourceDeleted = &now
	x.st.log("delete-source", "source release uninstalled")
	if err := x.save(); err != nil {
		return err
	}
	r.printf("The source release is gone. Kubernetes keeps the volume claims of its StatefulSets: delete them when you are sure.\n")
	return nil
}
