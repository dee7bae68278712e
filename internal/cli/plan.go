package cli

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safediff/safediff"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/helmrun"
	"github.com/safediff/safediff/pkg/plan"
	"github.com/safediff/safediff/pkg/report"
)

const planHelp = `Plan reviews a helm upgrade as upgrade does, and saves the reviewed plan to a
file instead of upgrading; helm safediff apply FILE upgrades with exactly that
plan later, and refuses if anything moved in between. As a helm plugin:

  helm safediff plan RELEASE CHART [helm upgrade flags] [safediff flags] --out FILE

The plan file holds the release and its revision, the chart, helm and
helm-diff versions, the digests of the chart, the values and the rendered
manifests, the exact helm arguments, the rules' digest, the gate, the
acceptances used and the review itself. It holds no secret: the values of
--set and its kin (and --password) are withheld, to be given again to apply,
and the digests are salted and slow, so that none confirms a guessed secret
cheaply.

Exit codes: 0 planned, the gate passes; 2 planned, the gate tripped (apply
will need an approval); 1 an error, no plan written.`

func newPlanCmd(s *Streams) *cobra.Command {
	var f planFlags
	cmd := helmArgsCommand("plan RELEASE CHART [helm upgrade flags] [safediff flags] --out FILE",
		"Review a helm upgrade and save the plan for helm safediff apply", planHelp,
		func(ctx context.Context, helmArgs []string) error { return runPlan(ctx, s, &f, helmArgs) })
	f.register(cmd)
	return cmd
}

// planFlags are the flags of the plan command: upgrade's review flags and
// the plan file.
type planFlags struct {
	reviewFlags
	out string
}

func (f *planFlags) register(cmd *cobra.Command) {
	f.inputFormat = "diff"
	f.registerShared(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.output, "report", "text", "report `FORMAT`: "+strings.Join(report.Formats(), ", "))
	fl.StringVar(&f.out, "out", "", "the plan `FILE` to write (required)")
}

func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "--help" {
			return true
		}
	}
	return false
}

// helmState is a helm upgrade and what helm says about it: the pieces a
// plan is made of, and that apply gathers again.
type helmState struct {
	runner      *helmrun.Runner
	upgrade     helmrun.Upgrade
	helmArgs    []string
	namespace   string
	helmVersion string
	diffVersion string
	current     helmrun.Revision
	rendered    *helmrun.Rendered
	// cleanup removes the copies of the chart and values (see freeze)
	cleanup func()
}

// newRunner returns the runner of helm for a command: $HELM_BIN (the helm
// that runs the plugin), with the given environment.
func newRunner(s *Streams, env []string) *helmrun.Runner {
	r := &helmrun.Runner{Helm: s.Getenv("HELM_BIN"), Env: env, Stdin: s.In, Stdout: s.Out, Stderr: s.Err}
	if d := s.Getenv("HELM_DEBUG"); d == "true" || d == "1" {
		r.Debug = s.Err
	}
	return r
}

// gatherHelm asks helm what an upgrade would do, changing nothing: the
// versions, the release's newest revision, and the rendered upgrade.
func gatherHelm(ctx context.Context, s *Streams, helmArgs []string, namespace string, env []string) (*helmState, error) {
	u, err := helmrun.ParseUpgrade(helmArgs)
	if err != nil {
		return nil, err
	}
	h := &helmState{runner: newRunner(s, env), helmArgs: helmArgs, namespace: namespace}
	if h.upgrade, h.cleanup, err = freeze(ctx, s, h.runner, u); err != nil {
		return nil, err
	}
	if h.helmVersion, h.diffVersion, err = h.runner.Versions(ctx); err != nil {
		h.cleanup()
		return nil, err
	}
	if h.current, err = h.runner.CurrentOf(ctx, u); err != nil {
		h.cleanup()
		return nil, err
	}
	if h.rendered, err = h.runner.Render(ctx, h.upgrade); err != nil {
		h.cleanup()
		return nil, fmt.Errorf("rendering the upgrade: %w", err)
	}
	return h, nil
}

// freeze has helm read the chart and the values of u from copies made
// once, before anything is rendered (helmrun.Runner.Freeze): the render
// and the diff that are reviewed, and the upgrade that follows, read the
// same bytes. The copies go to a private temporary directory, which the
// returned function removes.
func freeze(ctx context.Context, s *Streams, r *helmrun.Runner, u helmrun.Upgrade) (helmrun.Upgrade, func(), error) {
	dir, err := os.MkdirTemp("", "safediff-helm-")
	if err != nil {
		return u, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	fu, notes, err := r.Freeze(ctx, u, dir)
	if err != nil {
		cleanup()
		return u, nil, err
	}
	for _, n := range notes {
		fmt.Fprintf(s.Err, "safediff: note: %s\n", n)
	}
	return fu, cleanup, nil
}

// namespaceOf is the release namespace as helm resolves it: the
// --namespace among helm's arguments (safediff outside helm), else the one
// helm gives the plugin, else "default".
func namespaceOf(s *Streams, helmArgs []string) string {
	ns := s.Getenv("HELM_NAMESPACE")
	for i := 0; i < len(helmArgs); i++ {
		a := helmArgs[i]
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--namespace="); ok {
			ns = v
		} else if (a == "--namespace" || a == "-n") && i+1 < len(helmArgs) {
			ns = helmArgs[i+1]
			i++
		} else if v, ok := strings.CutPrefix(a, "-n"); ok && v != "" {
			ns = strings.TrimPrefix(v, "=") // -nteam, -n=team, as pflag reads them
		}
	}
	if ns == "" {
		// as helm: the kubeconfig context's namespace (helm passes a
		// plugin the namespace it settled on, context's included)
		if cfg, err := kubeConfig(s, helmArgs); err == nil && cfg.Namespace != "" {
			ns = cfg.Namespace
		}
	}
	if ns == "" {
		return "default"
	}
	return ns
}

// review diffs the upgrade with helm diff and reviews it, confirmed by the
// API server with --cluster.
func (h *helmState) review(ctx context.Context, s *Streams, f *reviewFlags) (*report.Report, error) {
	f.namespace = h.namespace
	if f.cluster.on {
		if err := h.prepareCluster(ctx, s, f); err != nil {
			return nil, err
		}
	}
	diff, err := h.runner.Diff(ctx, h.upgrade)
	if err != nil {
		return nil, err
	}
	return reviewInput(s, f, bytes.NewReader(diff), "helm diff upgrade "+h.upgrade.Release)
}

func runPlan(ctx context.Context, s *Streams, f *planFlags, helmArgs []string) error {
	if f.out == "" {
		return fmt.Errorf("--out FILE is required: where to save the plan")
	}
	w, err := report.ForFormat(f.output)
	if err != nil {
		return err
	}
	args, err := plan.WithholdArgs(helmArgs)
	if err != nil {
		return err
	}
	rulesDigest, err := rulesDigest(f.noDefaultRules, f.ruleFiles)
	if err != nil {
		return err
	}
	h, err := gatherHelm(ctx, s, helmArgs, namespaceOf(s, helmArgs), s.environ())
	if err != nil {
		return fmt.Errorf("%w; no plan was written", err)
	}
	defer h.cleanup()
	rep, err := h.review(ctx, s, &f.reviewFlags)
	if err != nil {
		return fmt.Errorf("%w; no plan was written", err)
	}
	if err := w.Write(s.Out, rep); err != nil {
		return err
	}
	p := &plan.Plan{
		Kind: plan.Kind, Version: plan.Version, Created: time.Now().UTC().Truncate(time.Second), Safediff: buildVersion(),
		Release: plan.Release{Name: h.upgrade.Release, Namespace: h.namespace, Revision: h.current.Number, Status: h.current.Status},
		Helm:    plan.Helm{Version: h.helmVersion, DiffVersion: h.diffVersion, Args: args},
		Chart:   plan.Chart{Name: h.rendered.ChartName, Version: h.rendered.ChartVersion},
		Rules:   plan.Rules{NoDefaults: f.noDefaultRules, Files: f.ruleFiles, Digest: rulesDigest},
		FailOn:  append([]string{}, f.failOn...), ClusterConfirmed: f.cluster.on,
		Accepted: acceptedOf(rep), Verdict: verdictOf(rep), Review: report.BuildJSON(rep),
	}
	if cfg, err := kubeConfig(s, helmArgs); err == nil {
		p.Cluster = &plan.Cluster{Context: cfg.Context, Server: cfg.Server}
	}
	if err := p.Seal(plan.Rendered{Chart: h.rendered.Chart, Values: h.rendered.Values, Manifests: h.rendered.AllManifests()}); err != nil {
		return err
	}
	data, err := p.Encode()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(f.out, data); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	fmt.Fprintf(s.Err, "safediff: plan saved to %s (%s); apply it with: helm safediff apply %s%s\n",
		f.out, plan.PlainDigest(data), f.out, withheldHint(p))
	if rep.Verdict.Tripped {
		fmt.Fprintf(s.Err, "safediff: the gate tripped: apply needs an approval (--approve on a terminal, or --accept FILE)\n")
		return &exitError{code: gate.ExitTrip}
	}
	return nil
}

// withheldHint shows the flags apply must be given again.
func withheldHint(p *plan.Plan) string {
	var b strings.Builder
	for _, f := range p.Withheld() {
		b.WriteString(" " + f + " …")
	}
	return b.String()
}

// rulesDigest digests the rules a review uses.
func rulesDigest(noDefaults bool, files []string) (string, error) {
	var defaults []byte
	if !noDefaults {
		defaults = safediff.DefaultRules()
	}
	var contents [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return "", err
		}
		contents = append(contents, b)
	}
	return plan.RulesDigest(defaults, contents), nil
}

// verdictOf is a report's verdict as a plan records it.
func verdictOf(rep *report.Report) plan.Verdict {
	v := plan.Verdict{Tripped: rep.Verdict.Tripped, ExitCode: rep.Verdict.ExitCode, Highest: rep.Result.Highest.String(), Offending: []string{}}
	for _, o := range rep.Verdict.OffendingObjects() {
		v.Offending = append(v.Offending, o.Ref.String())
	}
	return v
}

// acceptedOf lists the accept entries that named findings of a review,
// each once, in the order of their files.
func acceptedOf(rep *report.Report) []plan.Acceptance {
	out := []plan.Acceptance{}
	var entries []gate.Entry
	seen := map[string]bool{}
	for _, a := range rep.Verdict.Accepted {
		key := fmt.Sprintf("%s\x00%d", a.Entry.Origin, a.Entry.Index)
		if !seen[key] {
			seen[key] = true
			entries = append(entries, a.Entry)
		}
	}
	slices.SortStableFunc(entries, func(a, b gate.Entry) int {
		return cmp.Or(strings.Compare(a.Origin, b.Origin), a.Index-b.Index)
	})
	for _, e := range entries {
		pa := plan.Acceptance{File: e.Origin, Object: e.Object.String(), New: e.New, Reason: e.Reason}
		if e.Path != nil {
			pa.Path = e.Path.String()
		}
		if e.Action != 0 {
			pa.Action = e.Action.String()
		}
		out = append(out, pa)
	}
	return out
}

// writeFileAtomic writes a file whole or not at all.
func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// who is the person or job that runs the command, for the audit log.
func who(s *Streams) plan.Who {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return plan.WhoFrom(s.Getenv, name)
}
