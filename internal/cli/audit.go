package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/helmrun"
	"github.com/safediff/safediff/pkg/plan"
	"github.com/safediff/safediff/pkg/report"
)

// auditTrail is the audit record of one upgrade (or apply) as it builds
// up, and where it goes. Without a log it records nothing.
type auditTrail struct {
	log *plan.AuditLog
	cm  *plan.AuditConfigMaps
	ctx context.Context
	rec *plan.Record
}

// toCluster also writes the record into the cluster (--audit-cluster), as
// a ConfigMap in the release's namespace; a dry run checks now that it
// can be written.
func (a *auditTrail) toCluster(ctx context.Context, s *Streams, helmArgs []string) error {
	cfg, err := kubeConfig(s, helmArgs)
	if err != nil {
		return fmt.Errorf("--audit-cluster: %w", err)
	}
	client, err := cfg.Client()
	if err != nil {
		return fmt.Errorf("--audit-cluster: %w", err)
	}
	a.cm, a.ctx = &plan.AuditConfigMaps{Client: client, Namespace: a.rec.Namespace}, ctx
	return a.cm.Check(ctx, a.rec)
}

// openUpgradeAudit opens the audit log of helm safediff upgrade --audit
// FILE and --audit-cluster (nothing without them), before the upgrade, so
// that a log that cannot be written stops the upgrade rather than losing
// its record.
func openUpgradeAudit(ctx context.Context, s *Streams, f *upgradeFlags, runner *helmrun.Runner, u helmrun.Upgrade, helmArgs []string, rep *report.Report) (*auditTrail, error) {
	if f.audit == "" && !f.auditCluster {
		return &auditTrail{}, nil
	}
	cur, err := runner.CurrentOf(ctx, u)
	if err != nil {
		return nil, err
	}
	a := &auditTrail{rec: &plan.Record{
		Time: time.Now().UTC(), Command: "upgrade", Release: u.Release, Namespace: namespaceOf(s, helmArgs), Revision: cur.Number,
		Verdict: verdictOf(rep), Accepted: acceptedOf(rep), Approval: approvalOf(rep), Who: who(s),
	}}
	if f.auditCluster {
		if err := a.toCluster(ctx, s, helmArgs); err != nil {
			return nil, err
		}
	}
	if f.audit != "" {
		if a.log, err = plan.OpenAuditLog(f.audit); err != nil {
			return nil, err
		}
	}
	return a, nil
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
	if a.rec == nil {
		return nil
	}
	a.rec.Outcome = outcome
	var errs []error
	if a.log != nil {
		errs = append(errs, a.log.Append(a.rec), a.log.Close())
	}
	if a.cm != nil {
		errs = append(errs, a.cm.Append(a.ctx, a.rec))
	}
	return errors.Join(errs...)
}

// refused records a refusal and returns err, the refusal.
func (a *auditTrail) refused(err *exitError) error {
	if a.rec != nil && len(a.rec.Refused) == 0 {
		switch {
		case err.err != nil:
			a.rec.Refused = []string{err.err.Error()}
		case err.held != "":
			a.rec.Refused = []string{err.held}
		}
	}
	if aerr := a.finish("refused"); aerr != nil {
		if err.err == nil {
			err.err = fmt.Errorf("the audit log failed: %v", aerr)
		} else {
			err.err = fmt.Errorf("%w (and the audit log failed: %v)", err.err, aerr)
		}
	}
	return err
}

// upgraded records how helm upgrade u ended (err is its error) and
// returns the command's error: nil, or helm's exit code.
func (a *auditTrail) upgraded(u helmrun.Upgrade, err error) error {
	code := 0
	var ue *helmrun.UpgradeError
	switch {
	case errors.As(err, &ue):
		code = ue.ExitCode
		if code == 0 {
			code = gate.ExitError
		}
		// helm's own error went to the terminal as helm printed it: say
		// what failed without repeating it
		err = fmt.Errorf("helm upgrade failed (exit %d) after the review passed; helm's message is above", ue.ExitCode)
	case err != nil:
		code = gate.ExitError
	}
	outcome := "applied"
	switch {
	case code != 0:
		outcome = "failed"
	case u.DryRun():
		outcome = "dry-run" // nothing was applied
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
