package review

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/rules"
)

// Options control [Review]. The zero value reviews with the default rules
// and the default gate, as `safediff review` does without flags.
type Options struct {
	// Rules is the rule set; nil means the default rules.
	Rules *rules.Set
	// Judge decides the verdict; nil means gate.Default() (trip at
	// disruptive). Use a gate.Gate for other thresholds (gate.ParseFailOn
	// reads --fail-on values).
	Judge gate.Judge
	// Accept are accept files (gate.ParseAccept, [ReadAccept]): the
	// reviewed changes they name pass the judge this once, and entries
	// that name nothing in the plan become notes of the report.
	Accept []*gate.AcceptFile
	// Confirm, when set, adds to the classified plan what another source
	// knows before it is judged: package cluster's answers from the API
	// server (--cluster), for one. It may add findings and notes, and must
	// never lower a level; an error stops the review (nothing is judged).
	Confirm func(*classify.Result) error
	// Format forces an input format; the zero value detects it.
	Format diffparse.Format
	// Namespace is the release namespace, for objects that do not state one.
	Namespace string
	// MaxInput limits the input size; 0 means diffparse.DefaultMaxInput.
	MaxInput int64
	// Source names the input in the report and in errors (a file name);
	// empty or "stdin" for the standard input.
	Source string
	// Workers is how many goroutines read and judge objects at once; 0
	// means runtime.GOMAXPROCS, 1 reviews them one after the other. The
	// report (or the error) is the same for every value.
	Workers int
}

// Review reads helm-diff output (or a wrapper's stream) and reviews it:
// parse, classify with the rules, judge (with the accept files), in one
// call. The report holds the classified plan and the verdict; render it
// with any report.Writer. An input that is not understood is an error:
// nothing was judged (exit code gate.ExitError).
func Review(r io.Reader, opts Options) (*report.Report, error) {
	set := opts.Rules
	if set == nil {
		var err error
		if set, err = DefaultRules(); err != nil {
			return nil, err
		}
	}
	plan, err := diffparse.Parse(r, diffparse.Options{
		Format:    opts.Format,
		Facts:     set.FactPaths(),
		Namespace: opts.Namespace,
		MaxInput:  opts.MaxInput,
		Workers:   opts.Workers,
	})
	if err != nil {
		if opts.Source != "" && opts.Source != "stdin" {
			return nil, fmt.Errorf("%s: %w", opts.Source, err)
		}
		return nil, err
	}
	res, err := classify.ClassifyWorkers(plan, set, opts.Workers)
	if err != nil {
		return nil, err
	}
	if opts.Confirm != nil {
		before := levels(res)
		if err := opts.Confirm(res); err != nil {
			return nil, err
		}
		if err := notLowered(before, res); err != nil {
			return nil, err
		}
	}
	var j gate.Judge = gate.Default()
	if g, ok := opts.Judge.(*gate.Gate); ok && g == nil {
		// a typed nil: as if none were given (its Judge would panic)
	} else if opts.Judge != nil {
		j = opts.Judge
	}
	if len(opts.Accept) > 0 {
		j = gate.Accepting(j, opts.Accept...)
	}
	rep := report.New(res, j)
	rep.Source = opts.Source
	return rep, nil
}

// DefaultRules returns the embedded default rule set. It is parsed once;
// a rules.Set cannot be changed, so the result is shared. Layer rules of
// your own over it with its With method.
func DefaultRules() (*rules.Set, error) { return defaultRules() }

var defaultRules = sync.OnceValues(func() (*rules.Set, error) { return LoadRules(false) })

// LoadRules builds the effective rule set: the default rules (unless
// noDefaults) layered under the given rules files, the last file with the
// highest precedence.
func LoadRules(noDefaults bool, files ...string) (*rules.Set, error) {
	var layers []*rules.File
	if !noDefaults {
		layers = append(layers, rules.DefaultFile())
	}
	for _, name := range files {
		f, err := ReadRules(name)
		if err != nil {
			return nil, err
		}
		layers = append(layers, f)
	}
	return rules.NewSet(layers...)
}

// ReadRules reads and parses one rules file.
func ReadRules(name string) (*rules.File, error) {
	data, err := readLimited(name, rules.MaxFileSize, "rules file")
	if err != nil {
		return nil, err
	}
	return rules.Parse(data, name)
}

// ReadAccept reads and parses one accept file.
func ReadAccept(name string) (*gate.AcceptFile, error) {
	data, err := readLimited(name, gate.MaxAcceptFileSize, "accept file")
	if err != nil {
		return nil, err
	}
	return gate.ParseAccept(data, name)
}

func readLimited(name string, max int64, what string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %s is larger than %d bytes", name, what, max)
	}
	return data, nil
}

// levels are the objects' levels of a result, and its highest.
func levels(res *classify.Result) map[*classify.Object]rules.Level {
	out := make(map[*classify.Object]rules.Level, len(res.Objects)+1)
	for _, o := range res.Objects {
		out[o] = o.Level
	}
	out[nil] = res.Highest
	return out
}

// notLowered checks what Options.Confirm promises: no object's level, and
// not the highest, is lower than before, and no object is gone.
func notLowered(before map[*classify.Object]rules.Level, res *classify.Result) error {
	after := levels(res)
	for o, l := range before {
		switch now, ok := after[o]; {
		case !ok:
			return fmt.Errorf("internal error: Options.Confirm took %s out of the review", o.Ref)
		case now < l && o == nil:
			return fmt.Errorf("internal error: Options.Confirm lowered the review's highest level from %s to %s", l, now)
		case now < l:
			return fmt.Errorf("internal error: Options.Confirm lowered %s from %s to %s (it may only add findings)", o.Ref, l, now)
		}
	}
	return nil
}
