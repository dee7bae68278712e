package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
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
	accept         []string
}

func (f *reviewFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.inputFormat, "input-format", "auto", "input format: "+strings.Join(diffparse.Formats(), ", "))
	fl.StringVarP(&f.output, "output", "o", "text", "output format: "+strings.Join(report.Formats(), ", "))
	fl.StringVarP(&f.namespace, "namespace", "n", "", "release namespace, for objects identified by template path (helm diff release)")
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
}

// gate reads the --fail-on flags: one plain level (the default threshold)
// and any number of RELEASE-GLOB=LEVEL entries.
func (f *reviewFlags) gate() (classify.Gate, error) {
	g := classify.DefaultGate
	plain := 0
	for _, v := range f.failOn {
		if pat, lvl, ok := strings.Cut(v, "="); ok {
			if pat == "" {
				return g, fmt.Errorf("--fail-on %q: empty release pattern", v)
			}
			t, err := classify.ParseThreshold(lvl)
			if err != nil {
				return g, fmt.Errorf("--fail-on %q: %w", v, err)
			}
			g.Releases = append(g.Releases, classify.ReleaseThreshold{Pattern: pat, Threshold: t})
			continue
		}
		plain++
		if plain > 1 {
			return g, fmt.Errorf("--fail-on: more than one default level given (%q)", v)
		}
		t, err := classify.ParseThreshold(v)
		if err != nil {
			return g, fmt.Errorf("--fail-on: %w", err)
		}
		g.Default = t
	}
	return g, nil
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
	return file, name, func() { file.Close() }, nil
}

// runReview reviews one input and writes the report; it returns an
// exitError with code 2 when the gate trips.
func runReview(s *Streams, f *reviewFlags, in io.Reader, source string) error {
	w, err := report.ForFormat(f.output)
	if err != nil {
		return err
	}
	rep, err := reviewInput(s, f, in, source)
	if err != nil {
		return err
	}
	if err := w.Write(s.Out, rep); err != nil {
		return err
	}
	if rep.Verdict.Tripped {
		return &exitError{code: classify.ExitTrip}
	}
	return nil
}

// reviewInput checks the flags other than the output format (the caller
// has made its writer already), parses and classifies the input, and
// applies the gate, without writing anything.
func reviewInput(s *Streams, f *reviewFlags, in io.Reader, source string) (*report.Report, error) {
	format, err := diffparse.ParseFormat(f.inputFormat)
	if err != nil {
		return nil, err
	}
	gate, err := f.gate()
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
	res, err := review.Review(in, review.Options{Rules: set, Format: format, Namespace: f.namespace})
	if err != nil {
		if source != "" && source != "stdin" {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		return nil, err
	}
	for _, name := range f.accept {
		list, err := readAccept(name)
		if err != nil {
			return nil, err
		}
		for _, a := range res.Accept(list) {
			p := a.Object.String()
			if a.Path != nil {
				p += " " + a.Path.String()
			}
			res.Plan.Notes = append(res.Plan.Notes, diffparse.Note{Text: fmt.Sprintf("%s: accept[%d] (%s) matches no change of this plan: the plan is not the one that was reviewed", name, a.Index, p)})
		}
	}
	rep := report.New(res, gate)
	rep.Source = source
	rep.ShowIgnored = f.showIgnored
	rep.MaxBytes = f.maxBytes
	rep.Namespace = f.namespace
	rep.KubeContext = s.Getenv("HELM_KUBECONTEXT")
	rep.Color = f.output == "text" && colorWanted(s.Out, s, f.color, f.noColor)
	return rep, nil
}

// readAccept reads an accept file (--accept).
func readAccept(name string) ([]classify.Acceptance, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return classify.ParseAcceptances(data, name)
}
