package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/plan"
	"github.com/safediff/safediff/pkg/report"
)

const applyHelp = `Apply upgrades a release with a plan saved by helm safediff plan, with exactly
the planned helm arguments. It first does again what plan did (render, diff,
review with the plan's rules, gate and acceptances, and --cluster if the plan
used it), and refuses (exit 1, naming what moved) when:

  - the plan is older than --max-age, or was made by another safediff, helm
    or helm-diff, or against another cluster;
  - the release's revision is not the planned one (someone upgraded, rolled
    back or uninstalled it since);
  - the chart, the values or the rendered manifests differ from the plan's;
  - the rules differ from those the plan was reviewed with;
  - an object's review differs from the plan's.

  helm safediff apply FILE [withheld values] [safediff flags]

The plan withholds the values of --set and its kin (they may be secret):
give them again after FILE, in the same order, e.g.
helm safediff apply plan.json --set db.password=$DB_PASSWORD.

A plan whose gate tripped applies only with an approval: --accept FILE (the
accept entries name what tripped it) or --approve on a terminal. With
--audit FILE every apply, refused or not, appends a JSON line to FILE.

Exit codes: 0 applied; 1 refused or an error, nothing upgraded; 2 the gate
tripped and nothing approved it, nothing upgraded; when helm upgrade itself
fails, its exit code.`

// applyFlags are the flags of the apply command. The review's flags
// (rules, gate) come from the plan.
type applyFlags struct {
	output         string
	showIgnored    bool
	noColor        bool
	color          colorChoice
	maxBytes       int
	accept         []string
	approve        bool
	maxAge         time.Duration
	audit          string
	auditCluster   bool
	clusterTimeout time.Duration
}

func newApplyCmd(s *Streams) *cobra.Command {
	var f applyFlags
	cmd := helmArgsCommand("apply FILE [withheld values] [safediff flags]",
		"Upgrade with a saved plan, refusing if anything moved since", applyHelp,
		func(ctx context.Context, rest []string) error {
			if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
				return errors.New("want the plan FILE first")
			}
			return runApply(ctx, s, &f, rest[0], rest[1:])
		})
	fl := cmd.Flags()
	fl.StringVar(&f.output, "report", "text", "report `FORMAT`: "+strings.Join(report.Formats(), ", "))
	fl.BoolVar(&f.showIgnored, "show-ignored", false, "show ignored changes too")
	fl.BoolVar(&f.noColor, "no-color", false, "never colour the output (as --color never)")
	fl.Var(&f.color, "color", colorHelp)
	fl.IntVar(&f.maxBytes, "max-bytes", report.DefaultMaxBytes, "size budget of the markdown output")
	fl.StringArrayVar(&f.accept, "accept", nil, "accept `FILE`: approve the changes it names that trip the gate (repeatable)")
	fl.BoolVar(&f.approve, "approve", false, "when the gate trips, ask on the terminal (refused without one)")
	fl.DurationVar(&f.maxAge, "max-age", plan.DefaultMaxAge, "refuse a plan older than this")
	fl.StringVar(&f.audit, "audit", "", "append a JSON line about this apply to `FILE` (who, what, on what grounds, helm's exit code)")
	fl.BoolVar(&f.auditCluster, "audit-cluster", false, "also record it in the cluster: an immutable ConfigMap in the release's namespace, labelled "+plan.AuditLabel)
	fl.DurationVar(&f.clusterTimeout, "cluster-timeout", 0, "for a plan made with --cluster: how long the API server may take")
	return cmd
}

func runApply(ctx context.Context, s *Streams, f *applyFlags, file string, given []string) error {
	w, err := report.ForFormat(f.output)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	p, err := plan.Decode(data, file)
	if err != nil {
		return err
	}
	a := &auditTrail{rec: &plan.Record{
		Time: time.Now().UTC(), Command: "apply", Release: p.Release.Name, Namespace: p.Release.Namespace,
		Plan: plan.PlainDigest(data), Revision: p.Release.Revision, Verdict: p.Verdict, Accepted: []plan.Acceptance{}, Who: who(s),
	}}
	if f.audit != "" {
		// opened first: an audit log that cannot be written stops the apply
		if a.log, err = plan.OpenAuditLog(f.audit); err != nil {
			return err
		}
	}
	if f.auditCluster {
		var known []string // the helm arguments the plan keeps: --kube-context and --kubeconfig are among them
		for _, arg := range p.Helm.Args {
			known = append(known, arg.Value)
		}
		if err := a.toCluster(ctx, s, known); err != nil {
			return err
		}
	}
	refuse := func(code int, reasons ...string) error {
		for _, r := range reasons {
			fmt.Fprintf(s.Err, "safediff: %s\n", r)
		}
		a.rec.Refused = reasons
		return a.refused(&exitError{code: code, err: fmt.Errorf("the plan was not applied; %s was not upgraded", p.Release.Name)})
	}
	if err := p.CheckAge(time.Now(), f.maxAge); err != nil {
		return refuse(gate.ExitError, err.Error())
	}
	helmArgs, err := p.RestoreArgs(given)
	if err != nil {
		return refuse(gate.ExitError, err.Error())
	}
	planned, err := plannedAcceptances(p, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "safediff: applying the plan %s for release %s in namespace %s (revision %d, made %s)\n",
		file, p.Release.Name, p.Release.Namespace, p.Release.Revision, p.Created.Format(time.RFC3339))

	h, err := gatherHelm(ctx, s, helmArgs, p.Release.Namespace, withNamespace(s.environ(), p.Release.Namespace))
	if err != nil {
		return refuse(gate.ExitError, err.Error())
	}
	defer h.cleanup()
	rf := &reviewFlags{
		inputFormat: "diff", ruleFiles: p.Rules.Files, noDefaultRules: p.Rules.NoDefaults, failOn: p.FailOn,
		output: f.output, showIgnored: f.showIgnored, noColor: f.noColor, color: f.color, maxBytes: f.maxBytes, accept: f.accept,
		planned: planned,
	}
	rf.cluster = clusterFlags{on: p.ClusterConfirmed, timeout: f.clusterTimeout}
	rep, err := h.review(ctx, s, rf)
	if err != nil {
		return refuse(gate.ExitError, err.Error())
	}
	rd, err := rulesDigest(p.Rules.NoDefaults, p.Rules.Files)
	if err != nil {
		return refuse(gate.ExitError, "the plan's rules: "+err.Error())
	}
	st := plan.State{
		Safediff: buildVersion(), HelmVersion: h.helmVersion, DiffVersion: h.diffVersion,
		Revision: h.current.Number, Status: h.current.Status, RulesDigest: rd, Review: report.BuildJSON(rep),
		Rendered: plan.Rendered{Chart: h.rendered.Chart, Values: h.rendered.Values, Manifests: h.rendered.AllManifests()},
	}
	if cfg, err := kubeConfig(s, helmArgs); err == nil {
		st.Cluster = &plan.Cluster{Context: cfg.Context, Server: cfg.Server}
	}
	moved, err := p.Compare(st)
	if err != nil {
		return refuse(gate.ExitError, err.Error())
	}
	if len(moved) > 0 {
		reasons := make([]string, len(moved))
		for i, m := range moved {
			reasons[i] = "moved since the plan: " + m.String()
		}
		return refuse(gate.ExitError, reasons...)
	}
	if err := w.Write(s.Out, rep); err != nil {
		return err
	}
	a.rec.Verdict = verdictOf(rep)
	a.rec.Accepted = acceptedOf(rep)
	switch {
	case rep.Verdict.Tripped && f.approve:
		ok, err := confirm(s, p.Release.Name)
		if err != nil {
			return refuse(gate.ExitTrip, err.Error())
		}
		if !ok {
			return refuse(gate.ExitTrip, "not approved")
		}
		a.approve("terminal")
	case rep.Verdict.Tripped:
		return refuse(gate.ExitTrip, "the gate tripped: approve with --accept FILE (naming the reviewed changes) or --approve on a terminal")
	default:
		a.approve(approvalOf(rep))
	}
	return a.upgraded(h.upgrade, h.runner.Upgrade(ctx, h.upgrade))
}

// plannedAcceptances reads the accept entries a plan recorded back into
// an accept file, whose origin is the plan file.
func plannedAcceptances(p *plan.Plan, origin string) (*gate.AcceptFile, error) {
	f := &gate.AcceptFile{Origin: origin}
	for i, pa := range p.Accepted {
		e := gate.Entry{New: pa.New, Reason: pa.Reason, Origin: origin, Index: i}
		var err error
		if e.Object, err = kube.ParseObjectRef(pa.Object); err != nil {
			return nil, fmt.Errorf("%s: accepted[%d]: %v", origin, i, err)
		}
		if pa.Path != "" {
			if e.Path, err = kube.ParsePath(pa.Path); err != nil {
				return nil, fmt.Errorf("%s: accepted[%d]: %v", origin, i, err)
			}
		}
		if pa.Action != "" {
			if e.Action, err = diffparse.ParseAction(pa.Action); err != nil {
				return nil, fmt.Errorf("%s: accepted[%d]: %v", origin, i, err)
			}
		}
		f.Entries = append(f.Entries, e)
	}
	return f, nil
}

// withNamespace returns the environment of helm's children with the
// release namespace set: the plan's namespace wins over the caller's.
func withNamespace(env []string, ns string) []string {
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "HELM_NAMESPACE=") {
			out = append(out, kv)
		}
	}
	return append(out, "HELM_NAMESPACE="+ns)
}
