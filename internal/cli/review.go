package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// reviewFlags are the flags shared by every command that reviews a diff.
type reviewFlags struct {
	inputFormat    string
	ruleFiles      []string
	noDefaultRules bool
	output         string
	showIgnored    bool
	noColor        bool
	color          colorChoice
	failOn         []string
	maxBytes       int
	namespace      string
	release        string // review only
	accept         []string
	writeAccept    string // review only
	cluster        clusterFlags
	// confirm, when set, adds to a classified review what the API server
	// said (--cluster), before it is judged.
	confirm func(*classify.Result) error
	// planned are the accept entries a saved plan recorded, applied with
	// the accept files.
	planned *gate.AcceptFile
}

func (f *reviewFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.inputFormat, "input-format", "auto", "input format: "+strings.Join(diffparse.Formats(), ", "))
	fl.StringVarP(&f.output, "output", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fl.StringVarP(&f.namespace, "namespace", "n", "", "release namespace, for objects identified by template path (helm diff release)")
	fl.StringVar(&f.release, "release", "", "with --cluster: the release the diff is of (helm diff upgrade RELEASE), whose ownership helm checks on the objects the diff creates that exist already")
	fl.StringVar(&f.writeAccept, "write-accept", "", "write an accept `FILE` with an entry for each change that trips the gate, each with reason TODO to fill in (the file must not exist)")
	f.registerShared(cmd)
}

// registerShared registers the flags every reviewing command has: rules,
// gate, accept files and how the report looks. They have long names only,
// so that upgrade can take them out of helm's arguments (see
// splitUpgradeArgs).
func (f *reviewFlags) registerShared(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.ruleFiles, "rules", nil, "rules `FILE` layered over the defaults (repeatable; the last given has the highest precedence)")
	fl.BoolVar(&f.noDefaultRules, "no-default-rules", false, "drop the embedded default rules")
	fl.BoolVar(&f.showIgnored, "show-ignored", false, "show ignored changes (label churn and other noise) too")
	fl.BoolVar(&f.noColor, "no-color", false, "never colour the output (as --color never)")
	fl.Var(&f.color, "color", colorHelp)
	fl.StringArrayVar(&f.failOn, "fail-on", nil, "gate `LEVEL` (ignored, safe, restart, disruptive, destructive, or never; default disruptive); RELEASE-GLOB=LEVEL scopes it to releases (repeatable)")
	fl.IntVar(&f.maxBytes, "max-bytes", report.DefaultMaxBytes, fmt.Sprintf("size budget of the markdown output, in bytes (at least %d)", report.MinMaxBytes))
	fl.StringArrayVar(&f.accept, "accept", nil, "accept `FILE`: reviewed changes (object and path) that may pass the gate this once (repeatable)")
	f.cluster.register(cmd)
}

func newReviewCmd(s *Streams) *cobra.Command {
	var f reviewFlags
	cmd := &cobra.Command{
		Use:   "review [FILE|-]",
		Short: "Review helm diff output and gate on its risk",
		Long: `Review reads helm diff output from FILE, or from standard input when FILE is
missing or "-", and prints a risk-classified plan.

Every helm-diff output format is read (diff with any --context, simple, json,
template, structured), with or without colour, LF or CRLF. Input that does not
fit the grammar is an error naming the line (exit 1), never a pass. Empty input
means no changes.

In a pipe, use set -o pipefail, so that a failing helm diff fails the pipe:

  set -o pipefail
  helm diff upgrade web ./chart -f values.yaml | safediff review`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "-"
			if len(args) == 1 {
				name = args[0]
			} else if terminal(s) {
				return errNoInput
			}
			in, source, closeIn, err := openInput(name, s)
			if err != nil {
				return err
			}
			defer closeIn()
			if f.release != "" && !f.cluster.on {
				return errors.New("--release is for --cluster: it names the release whose ownership helm checks")
			}
			if f.cluster.on {
				var err error
				if in, err = prepareDiffCluster(cmd.Context(), s, &f, in); err != nil {
					return err
				}
			}
			return runReview(s, &f, in, source)
		},
	}
	f.register(cmd)
	return cmd
}

func openInput(name string, s *Streams) (io.Reader, string, func(), error) {
	if name == "-" {
		return s.In, "stdin", func() {}, nil
	}
	file, err := os.Open(name)
	if err != nil {
		return nil, "", nil, err
	}
	if st, err := file.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > diffparse.DefaultMaxInput {
		// a file says its size: refused before a byte of it is read
		file.Close()
		return nil, "", nil, fmt.Errorf("%s: input is larger than %d bytes", name, diffparse.DefaultMaxInput)
	}
	return file, name, func() { file.Close() }, nil
}

// runReview reviews one input and writes the report (and, with
// --write-accept, an accept file); it returns an exitError with code 2
// when the gate trips.
func runReview(s *Streams, f *reviewFlags, in io.Reader, source string) error {
	w, err := report.ForFormat(f.output)
	if err != nil {
		return err
	}
	var acceptOut *os.File
	if f.writeAccept != "" {
		// made before the review, so that a name taken is an error before
		// anything is printed; never over a file someone may have filled in
		acceptOut, err = os.OpenFile(f.writeAccept, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("--write-accept: %w", err)
		}
		defer acceptOut.Close()
	}
	in, unbound := boundMemory(in)
	defer unbound()
	rep, err := reviewInput(s, f, in, source)
	if err != nil {
		if acceptOut != nil {
			acceptOut.Close()
			os.Remove(f.writeAccept)
		}
		return err
	}
	if err := w.Write(s.Out, rep); err != nil {
		return err
	}
	if acceptOut != nil {
		if err := gate.WriteAccept(acceptOut, rep.Verdict, source); err != nil {
			return fmt.Errorf("--write-accept: %w", err)
		}
		if err := acceptOut.Close(); err != nil {
			return fmt.Errorf("--write-accept: %w", err)
		}
		n := len(rep.Verdict.Offending)
		fmt.Fprintf(s.Err, "safediff: wrote %s for %d %s that trip the gate: review each, replace its reason TODO with why it may pass, then use --accept %s\n",
			f.writeAccept, n, plural(n, "change", "changes"), f.writeAccept)
	}
	if rep.Verdict.Tripped {
		return &exitError{code: gate.ExitTrip}
	}
	return nil
}

// reviewInput checks the flags other than the output format (the caller
// has made its writer already), and reviews the input with the rules,
// the gate and the accept files, without writing anything.
func reviewInput(s *Streams, f *reviewFlags, in io.Reader, source string) (*report.Report, error) {
	format, err := diffparse.ParseFormat(f.inputFormat)
	if err != nil {
		return nil, err
	}
	g, err := gate.ParseFailOn(f.failOn)
	if err != nil {
		return nil, err
	}
	if err := report.CheckMaxBytes(f.maxBytes); err != nil {
		return nil, fmt.Errorf("--max-bytes: %w", err)
	}
	set, err := review.LoadRules(f.noDefaultRules, f.ruleFiles...)
	if err != nil {
		return nil, err
	}
	var accept []*gate.AcceptFile
	if f.planned != nil {
		accept = append(accept, f.planned)
	}
	for _, name := range f.accept {
		a, err := review.ReadAccept(name)
		if err != nil {
			return nil, err
		}
		accept = append(accept, a)
	}
	rep, err := review.Review(in, review.Options{Rules: set, Judge: g, Accept: accept, Confirm: f.confirm, Format: format, Namespace: f.namespace, Source: source})
	if err != nil {
		return nil, err
	}
	rep.ShowIgnored = f.showIgnored
	rep.MaxBytes = f.maxBytes
	rep.Namespace = f.namespace
	rep.KubeContext = s.Getenv("HELM_KUBECONTEXT")
	rep.Color = f.output == "text" && colorWanted(s.Out, s, f.color, f.noColor)
	return rep, nil
}

// plural is one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
