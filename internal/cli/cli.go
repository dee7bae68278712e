// Package cli is the safediff command line: cobra commands over the
// library in pkg/. main only calls [Run].
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/gate"
)

// version is set at build time with -ldflags "-X …/internal/cli.version=…".
var version = ""

// Streams are the command's standard streams and environment, injected so
// that tests run commands in-process.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
	// Environ is the environment given to child processes (helm); nil
	// means none but what Getenv shows of HELM_* and KUBECONFIG.
	Environ func() []string
}

func (s *Streams) environ() []string {
	if s.Environ != nil {
		return s.Environ()
	}
	return nil
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error // nil when the message was already printed
	// held, for a tripped gate (exit 2): what was held and why, printed as
	// safediff's last line; it is a verdict, not an error
	held string
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// errNoInput is the refusal of review without a FILE when standard input
// is a terminal: reading it would wait silently for a paste.
var errNoInput = errors.New(`standard input is a terminal, and review reads helm diff output from it when no FILE is given.
Pipe the plan in, or name a file ("-" reads the terminal, ended by Ctrl-D):
  helm diff upgrade RELEASE CHART [flags] | safediff review
  safediff review plan.diff`)

// Run executes the safediff command line and returns the exit code:
// 0 reviewed and passed, 2 the gate tripped, 1 an error (nothing judged).
func Run(ctx context.Context, args []string, s Streams) int {
	if s.Getenv == nil {
		s.Getenv = func(string) string { return "" }
	}
	root := newRootCmd(&s, args...)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return gate.ExitPass
	}
	code := gate.ExitError
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
		if ee.err != nil {
			printError(s.Err, ee.err)
		}
		if ee.held != "" {
			fmt.Fprintf(s.Err, "safediff: held: %s\n", ee.held)
		}
	default:
		printError(s.Err, err)
	}
	if code == gate.ExitTrip && s.Getenv("HELM_PLUGIN_NAME") != "" {
		// helm follows a plugin's non-zero exit with its own line, `Error:
		// plugin "safediff" exited with error`, and exits with the same
		// code; say what it means before it does
		fmt.Fprintf(s.Err, "safediff: exit %d: the review tripped the gate; nothing failed (helm reports any non-zero exit of a plugin as an error below)\n", code)
	}
	return code
}

func printError(w io.Writer, err error) {
	var list diag.List
	if errors.As(err, &list) && len(list) > 1 {
		what := "the input is not understood"
		if list[0].Where != "" || list[0].Origin != "" {
			what = "invalid input"
		}
		fmt.Fprintf(w, "safediff: error: %s (%d problems):\n", what, len(list))
		for _, e := range list {
			fmt.Fprintf(w, "  %s\n", e.Error())
		}
		return
	}
	fmt.Fprintf(w, "safediff: error: %s\n", strings.TrimSpace(err.Error()))
}

// subcommands are safediff's commands, in the order help lists them.
var subcommands = []struct {
	name  string
	build func(*Streams) *cobra.Command
}{
	{"review", newReviewCmd}, {"upgrade", newUpgradeCmd}, {"plan", newPlanCmd}, {"apply", newApplyCmd},
	{"migrate", newMigrateCmd}, {"rules", newRulesCmd}, {"version", newVersionCmd},
}

// newRootCmd returns the command tree. When args start with the name of a
// subcommand, only that subcommand is built: nothing else of the tree can
// run, and a review does not pay at start-up for the flags and wiring of
// the others. Anything else (help, completion, a flag first, a mistyped
// command that cobra answers with suggestions) gets the whole tree.
func newRootCmd(s *Streams, args ...string) *cobra.Command {
	root := &cobra.Command{
		Use:   "safediff",
		Short: "Review helm diff output before helm upgrade: risk levels and a gate",
		Long: `safediff reads the output of helm diff upgrade (or of a wrapper that embeds it),
understands it per object and per field, applies rules, and prints a risk-classified
plan whose exit code gates the upgrade:

  helm diff upgrade REL CHART ... | safediff review

Exit codes: 0 reviewed, nothing at or above the gate; 2 the gate tripped;
1 an error (input not understood, bad rules): nothing was judged.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion(),
	}
	root.SetVersionTemplate("safediff {{.Version}}\n")
	for _, sub := range subcommands {
		if len(args) > 0 && args[0] == sub.name {
			root.AddCommand(sub.build(s))
			// cobra's completion command, which it adds when it runs,
			// cannot be what args name
			root.CompletionOptions.DisableDefaultCmd = true
			completeFlagValues(root)
			return root
		}
	}
	for _, sub := range subcommands {
		root.AddCommand(sub.build(s))
	}
	completeFlagValues(root)
	return root
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newVersionCmd(s *Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(s.Out, "safediff %s\n", buildVersion())
			return nil
		},
	}
}
