package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/helmrun"
	"github.com/safediff/safediff/pkg/migrate"
	"github.com/safediff/safediff/pkg/review"
)

const migrateHelp = `Migrate moves a stateful component (Postgres, Redis) from one cluster to
another with a bundled runbook: replicate, then fail over. A migration file
names the source, the target, the name clients use, the clients to pause and
the limits (see the README), and the topology: a single server, a Postgres
primary with replicas (replicated), Redis with Sentinels (sentinel), or a
Redis Cluster (cluster, moved one shard at a time). Each helm step of the
runbook is planned with helm diff and reviewed against what the step expects;
anything beyond that stops the run before the upgrade, with the review
printed.

  safediff migrate validate FILE        check the file offline: every problem, with its line
  safediff migrate plan FILE            the steps, and the review of the next one
  safediff migrate run FILE             run the pending steps (resumes after an interruption)
  safediff migrate abort FILE           before promotion: back to the start
  safediff migrate delete-source FILE   after the migration: uninstall the source

A run holds the migration's lock, a Lease in the source's and the target's
namespaces: a second runner anywhere is refused with who holds it. A cut-over
is rolled back before the promotion when the clients do not go away, the
target does not catch up, or the content of the fenced source and the target
differs (a cluster's shard also when its failover does not complete).

Exit codes: 0 done; 2 held (a review beyond the step's expectations, or a
question not answered yes); 1 an error, a refused lock, or a rolled-back
cut-over.`

type migrateFlags struct {
	state          string
	helm           string
	ruleFiles      []string
	noDefaultRules bool
	noColor        bool
	noEnv          bool
	yes            bool
	until          string
	accept         []string
}

func newMigrateCmd(s *Streams) *cobra.Command {
	var f migrateFlags
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Move Postgres or Redis between clusters with a review-gated runbook",
		Long:  migrateHelp,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.state, "state", "", "state `FILE` (default: beside the migration file, NAME.state.json)")
	pf.StringVar(&f.helm, "helm", "", "helm binary (default: $HELM_BIN, else helm)")
	pf.StringArrayVar(&f.ruleFiles, "rules", nil, "rules `FILE` layered over the defaults (repeatable)")
	pf.BoolVar(&f.noDefaultRules, "no-default-rules", false, "drop the embedded default rules")
	pf.BoolVar(&f.noColor, "no-color", false, "never colour the output")

	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a migration file without a cluster: every problem at once, with its line and column",
		Long: `Validate checks a migration file without touching a cluster: its YAML, every
field (unknown, set twice, missing, or with a bad value), the values files and
local charts it names, and the environment variables of its credentials
(--no-env skips those, e.g. in CI where they are not set). Every problem is
reported at once, with its line, column and field; fields the file does not
write (defaults) are never named. Exit 0 when the file is valid, 1 otherwise.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			getenv := s.Getenv
			if f.noEnv {
				getenv = nil
			}
			m, err := migrate.Validate(args[0], getenv)
			if err != nil {
				return err
			}
			steps, err := migrate.Runbook(m, func(string) string { return "-" })
			if err != nil {
				return err
			}
			fmt.Fprintf(s.Out, "%s: valid: %s migration %s (%s), %s -> %s, %d steps\n", args[0], m.Component, m.Name, m.Topology, m.Source.Ref(), m.Target.Ref(), len(steps))
			return nil
		},
	}
	validate.Flags().BoolVar(&f.noEnv, "no-env", false, "do not check that the credentials' environment variables are set")
	plan := &cobra.Command{
		Use:   "plan FILE",
		Short: "Print the steps and the review of the next pending step",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := newMigrateRunner(cmd, s, &f, args[0])
			if err != nil {
				return err
			}
			held, err := r.Plan(cmd.Context())
			if err != nil {
				return err
			}
			if held {
				return &exitError{code: gate.ExitTrip}
			}
			return nil
		},
	}
	run := &cobra.Command{
		Use:   "run FILE",
		Short: "Run the pending steps; an interrupted run resumes where it stopped",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := newMigrateRunner(cmd, s, &f, args[0])
			if err != nil {
				return err
			}
			return migrateExit(r.Run(cmd.Context()))
		},
	}
	run.Flags().BoolVar(&f.yes, "yes", false, "answer yes to the questions before pausing the clients and before promoting")
	run.Flags().StringVar(&f.until, "until", "", "stop after this `STEP` (e.g. wait-replica: replicate now, cut over later)")
	abort := &cobra.Command{
		Use:   "abort FILE",
		Short: "Before promotion: unfence the source, resume the clients, remove the target",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := newMigrateRunner(cmd, s, &f, args[0])
			if err != nil {
				return err
			}
			return migrateExit(r.Abort(cmd.Context()))
		},
	}
	abort.Flags().BoolVar(&f.yes, "yes", false, "uninstall the target without asking")
	del := &cobra.Command{
		Use:   "delete-source FILE",
		Short: "After the migration: uninstall the source release (destructive; needs approval)",
		Long: `Delete-source uninstalls the source release of a finished migration. The
removal is reviewed and printed first; it is destructive, so it needs a person
to type the release's name on a terminal, or an accept file (--accept) that
lists the destructive objects. --yes is not enough.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := newMigrateRunner(cmd, s, &f, args[0])
			if err != nil {
				return err
			}
			var accepted []*gate.AcceptFile
			for _, name := range f.accept {
				a, err := review.ReadAccept(name)
				if err != nil {
					return err
				}
				accepted = append(accepted, a)
			}
			var confirmName func(prompt, want string) (bool, error)
			if terminal(s) {
				confirmName = func(prompt, want string) (bool, error) {
					answer, err := ask(s, prompt, "no terminal")
					return answer == want, err
				}
			}
			return migrateExit(r.DeleteSource(cmd.Context(), accepted, confirmName))
		},
	}
	del.Flags().StringArrayVar(&f.accept, "accept", nil, "accept `FILE` listing the objects whose removal was reviewed (repeatable)")
	cmd.AddCommand(validate, plan, run, abort, del)
	return cmd
}

// migrateExit maps the runner's errors to exit codes: held and not
// confirmed are 2, everything else 1.
func migrateExit(err error) error {
	if err == nil {
		return nil
	}
	var held *migrate.HeldError
	var nc *migrate.NotConfirmedError
	if errors.As(err, &held) || errors.As(err, &nc) {
		return &exitError{code: gate.ExitTrip, err: err}
	}
	return err
}

func newMigrateRunner(cmd *cobra.Command, s *Streams, f *migrateFlags, file string) (*migrate.Runner, error) {
	m, err := migrate.Load(file)
	if err != nil {
		return nil, err
	}
	set, err := review.LoadRules(f.noDefaultRules, f.ruleFiles...)
	if err != nil {
		return nil, err
	}
	helm := f.helm
	if helm == "" {
		helm = s.Getenv("HELM_BIN")
	}
	h := &helmrun.Runner{Helm: helm, Env: s.environ(), Stdout: s.Out, Stderr: s.Err}
	if d := s.Getenv("HELM_DEBUG"); d == "true" || d == "1" {
		h.Debug = s.Err
	}
	r := &migrate.Runner{
		M: m, StatePath: f.state, Helm: h, Rules: set, Getenv: s.Getenv, Out: s.Out,
		Yes: f.yes, Until: f.until, Color: colorFor(s.Out, s, f.noColor),
	}
	r.Live = r.Color // a terminal that takes colour takes redraws
	if terminal(s) {
		r.Confirm = func(question string) (bool, error) {
			answer, err := ask(s, question+" [y/N] ", "no terminal")
			return yes(answer), err
		}
	}
	return r, nil
}
