package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/helmrun"
	"github.com/safediff/safediff/pkg/plan"
	"github.com/safediff/safediff/pkg/report"
)

// auditTrail is the audit record of one upgrade (or apply) as it builds
// up, and where it goes. Without a log it records nothing.
type auditTrail struct {
	log *plan.AuditLog
	rec *plan.Record
}

// openUpgradeAudit opens the audit log of helm safediff upgrade --audit
// FILE (nil when name is empty), before the upgrade, so that a log that
// cannot be written stops the upgrade rather than losing its record.
func openUpgradeAudit(ctx context.Context, s *Streams, name string, runner *helmrun.Runner, u helmrun.Upgrade, namespace string, rep *report.Report) (*auditTrail, error) {
	if name == "" {
		return &auditTrail{}, nil
	}
	cur, err := runner.Current(ctx, u.Release)
	if err != nil {
		return nil, err
	}
	log, err := plan.OpenAuditLog(name)
	if err != nil {
		return nil, err
	}
	return &auditTrail{log: log, rec: &plan.Record{
		Time: time.Now().UTC(), Command: "upgrade", Release: u.Release, Namespace: namespace, Revision: cur.Number,
		Verdict: verdictOf(rep), Accepted: acceptedOf(rep), Approval: approvalOf(rep), Who: who(s),
	}}, nil
}

// approvalOf is how a review passes the gate: by itself, or by accept
// entries; "" when it trips.
func approvalOf(rep *report.Report) string {
	switch {
	case rep.Verdict.Tripped:
		return ""
	case len(acceptedOf(rep)) > 0:
		return "accept"
	}
	return "gate"
}

func (a *auditTrail) approve(how string) {
	if a.rec != nil {
		a.rec.Approval = how
	}
}

// finish writes the record with its outcome.
func (a *auditTrail) finish(outcome string) error {
	if a.log == nil {
		return nil
	}
	a.rec.Outcome = outcome
	err := a.log.Append(a.rec)
	return errors.Join(err, a.log.Close())
}

// refused records a refusal and returns err, the refusal.
func (a *auditTrail) refused(err *exitError) error {
	if a.rec != nil && err.err != nil && len(a.rec.Refused) == 0 {
		a.rec.Refused = []string{err.err.Error()}
	}
	if aerr := a.finish("refused"); aerr != nil {
		err.err = fmt.Errorf("%w (and the audit log failed: %v)", err.err, aerr)
	}
	return err
}

// upgraded records how helm upgrade ended (err is its error) and returns
// the command's error: nil, or helm's exit code.
func (a *auditTrail) upgraded(err error) error {
	code := 0
	var ue *helmrun.UpgradeError
	switch {
	case errors.As(err, &ue):
		code = ue.ExitCode
		if code == 0 {
			code = classify.ExitError
		}
	case err != nil:
		code = classify.ExitError
	}
	outcome := "applied"
	if code != 0 {
		outcome = "failed"
	}
	if a.rec != nil {
		a.rec.HelmExitCode = &code
	}
	if aerr := a.finish(outcome); aerr != nil {
		if err == nil {
			return fmt.Errorf("the upgrade ran, but the audit log failed: %w", aerr)
		}
		err = fmt.Errorf("%w (and the audit log failed: %v)", err, aerr)
	}
	if err != nil {
		return &exitError{code: code, err: err}
	}
	return nil
}
