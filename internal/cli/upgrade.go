package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/helmrun"
	"github.com/safediff/safediff/pkg/plan"
	"github.com/safediff/safediff/pkg/report"
)

const upgradeHelp = `Upgrade plans a helm upgrade with helm diff upgrade, reviews the plan, and runs
helm upgrade only when the gate passes. As a helm plugin:

  helm safediff upgrade RELEASE CHART [helm upgrade flags] [safediff flags]

The helm upgrade flags go to helm upgrade exactly as given; those that change
what is rendered (values, --set, --version, --install, …) also go to helm diff
upgrade, with full context and no colour. Flags only helm diff understands
(--three-way-merge, --allow-unreleased, --normalize-manifests, …) go to the
diff only. A failing helm diff is an error (exit 1): nothing is upgraded.
The safediff flags are listed below, in their long form only.

Exit codes: 0 reviewed and upgraded (or, with --plan, passed); 2 the gate
tripped, nothing upgraded; 1 an error, nothing upgraded; when helm upgrade
itself fails after the gate passed, its exit code.`

func newUpgradeCmd(s *Streams) *cobra.Command {
	var f upgradeFlags
	cmd := helmArgsCommand("upgrade RELEASE CHART [helm upgrade flags] [safediff flags]",
		"Plan with helm diff, review, gate, and only then helm upgrade", upgradeHelp,
		func(ctx context.Context, helmArgs []string) error { return runUpgrade(ctx, s, &f, helmArgs) })
	f.register(cmd)
	return cmd
}

// helmArgsCommand is a command whose arguments are helm's, with
// safediff's own flags among them: splitUpgradeArgs takes those out, and
// run gets the rest.
func helmArgsCommand(use, short, long string, run func(ctx context.Context, helmArgs []string) error) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Long: long,
		DisableFlagParsing:    true,
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if wantsHelp(args) {
				return cmd.Help()
			}
			helmArgs, err := splitUpgradeArgs(cmd, args)
			if err != nil {
				return err
			}
			return run(cmd.Context(), helmArgs)
		},
	}
}

// upgradeFlags are safediff's own flags of the upgrade command.
type upgradeFlags struct {
	reviewFlags
	plan         bool
	approve      bool
	audit        string
	auditCluster bool
}

// register defines the flags on the command, for its help and for
// splitUpgradeArgs: review's shared flags, the report format (helm upgrade
// has its own --output), --plan and --approve. The input is always helm
// diff's line diff, and the namespace is helm's.
func (f *upgradeFlags) register(cmd *cobra.Command) {
	f.inputFormat = "diff"
	f.registerShared(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.output, "report", "text", "report `FORMAT`: "+strings.Join(report.Formats(), ", "))
	fl.BoolVar(&f.plan, "plan", false, "review only; never upgrade")
	fl.BoolVar(&f.approve, "approve", false, "when the gate trips, ask on the terminal (refused without one)")
	fl.StringVar(&f.audit, "audit", "", "append a JSON line about this upgrade to `FILE` (who, on what grounds, helm's exit code)")
	fl.BoolVar(&f.auditCluster, "audit-cluster", false, "also record it in the cluster: an immutable ConfigMap in the release's namespace, labelled "+plan.AuditLabel)
}

// splitUpgradeArgs takes the command's flags (long forms, --flag value or
// --flag=value) out of the arguments and parses them; the rest is the helm
// upgrade.
func splitUpgradeArgs(cmd *cobra.Command, args []string) ([]string, error) {
	fl := cmd.Flags()
	var own, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			// the end of the flags, for helm as for safediff
			rest = append(rest, args[i:]...)
			break
		}
		name, _, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		flag := fl.Lookup(name)
		if !strings.HasPrefix(a, "--") || flag == nil {
			rest = append(rest, a)
			continue
		}
		own = append(own, a)
		if !hasValue && flag.NoOptDefVal == "" {
			// not a boolean: the value is the next argument
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			own = append(own, args[i])
		}
	}
	if err := fl.Parse(own); err != nil {
		return nil, err
	}
	return rest, nil
}

func runUpgrade(ctx context.Context, s *Streams, f *upgradeFlags, helmArgs []string) error {
	u, err := helmrun.ParseUpgrade(helmArgs)
	if err != nil {
		return err
	}
	w, err := report.ForFormat(f.output)
	if err != nil {
		return err
	}
	runner := newRunner(s, s.environ())
	if f.namespace == "" {
		f.namespace = s.Getenv("HELM_NAMESPACE")
	}
	if f.cluster.on {
		// --cluster renders the upgrade and reads the release, for the
		// confirmation hook
		h, err := gatherHelm(ctx, s, helmArgs, namespaceOf(s, helmArgs), s.environ())
		if err != nil {
			return fmt.Errorf("%w; %s was not upgraded", err, u.Release)
		}
		defer h.cleanup()
		if err := h.prepareCluster(ctx, s, &f.reviewFlags); err != nil {
			return fmt.Errorf("%w; %s was not upgraded", err, u.Release)
		}
		runner, u = h.runner, h.upgrade
	} else {
		fu, cleanup, err := freeze(ctx, s, runner, u)
		if err != nil {
			return fmt.Errorf("%w; %s was not upgraded", err, u.Release)
		}
		defer cleanup()
		u = fu
	}
	diff, err := runner.Diff(ctx, u)
	if err != nil {
		return fmt.Errorf("%w; %s was not upgraded", err, u.Release)
	}
	rep, err := reviewInput(s, &f.reviewFlags, bytes.NewReader(diff), "helm diff upgrade "+u.Release)
	if err != nil {
		return fmt.Errorf("%w; %s was not upgraded", err, u.Release)
	}
	rep.Release = u.Release
	if err := w.Write(s.Out, rep); err != nil {
		return err
	}
	if f.plan {
		if rep.Verdict.Tripped {
			return &exitError{code: gate.ExitTrip}
		}
		return nil
	}
	audit, err := openUpgradeAudit(ctx, s, f, runner, u, helmArgs, rep)
	if err != nil {
		return fmt.Errorf("%w; %s was not upgraded", err, u.Release)
	}
	switch {
	case rep.Verdict.Tripped && f.approve:
		ok, err := confirm(s, u.Release)
		if err != nil {
			return audit.refused(&exitError{code: gate.ExitTrip, err: fmt.Errorf("%v; %s was not upgraded", err, u.Release)})
		}
		if !ok {
			return audit.refused(&exitError{code: gate.ExitTrip, held: fmt.Sprintf("%s was not upgraded: not approved.", u.Release)})
		}
		audit.approve("terminal")
	case rep.Verdict.Tripped:
		return audit.refused(&exitError{code: gate.ExitTrip, held: fmt.Sprintf("%s was not upgraded: the gate tripped. Review the changes above; to upgrade anyway, list them in an accept file (--accept FILE) or approve on a terminal (--approve).", u.Release)})
	}
	return audit.upgraded(u, runner.Upgrade(ctx, u))
}

// confirm asks on the terminal whether to upgrade although the gate
// tripped. Without a terminal it refuses: approval must come from a
// person, or from an accept file.
func confirm(s *Streams, release string) (bool, error) {
	line, err := ask(s, fmt.Sprintf("The review tripped the gate. Upgrade %s anyway? [y/N] ", release),
		"--approve needs a terminal to ask on; in automation, list the reviewed changes in an accept file (--accept)")
	if err != nil {
		return false, err
	}
	return yes(line), nil
}

// terminal says whether the standard input is a terminal a person answers on.
func terminal(s *Streams) bool {
	f, ok := s.In.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// ask prints a question on the error stream and reads one line of answer
// from the terminal; without a terminal it fails with noTerminal.
func ask(s *Streams, question, noTerminal string) (string, error) {
	if !terminal(s) {
		return "", errors.New(noTerminal)
	}
	fmt.Fprint(s.Err, question)
	line, err := bufio.NewReader(io.LimitReader(s.In, 256)).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no answer")
	}
	return strings.TrimSpace(line), nil
}

func yes(answer string) bool {
	switch strings.ToLower(answer) {
	case "y", "yes":
		return true
	}
	return false
}
