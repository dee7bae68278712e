package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	x, unlock, err := r.open()
	if err != nil {
		return err
	}
	defer unlock()
	if x.st.Promoted {
		return ErrPromoted
	}
	r.printf("Aborting migration %s\n", r.M.Name)
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
		res, err := r.removalReview(manifest, target)
		if err != nil {
			return err
		}
		r.printRemoval(res, target, removal())
		if err := x.confirm(&Step{ID: "abort", Confirm: fmt.Sprintf("Uninstall the target release %s?", target.Ref())}); err != nil {
			return err
		}
	}
	if err := x.rollback(ctx, "abort"); err != nil {
		return err
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
	x, unlock, err := r.open()
	if err != nil {
		return err
	}
	defer unlock()
	if x.st.Finished == nil {
		return errors.New("the migration has not finished: the source is still the data's only complete home (run it to the end first)")
	}
	if x.st.SourceDeleted != nil {
		r.printf("The source was deleted at %s; nothing to do.\n", x.st.SourceDeleted.Local().Format(time.RFC3339))
		return nil
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
