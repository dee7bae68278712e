package review

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/safediff/safediff"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/rules"
)

// Options control [Review].
type Options struct {
	// Rules is the rule set; nil means the default rules.
	Rules *rules.Set
	// Format forces an input format; the zero value detects it.
	Format diffparse.Format
	// Namespace is the release namespace, for objects that do not state one.
	Namespace string
	// MaxInput limits the input size; 0 means diffparse.DefaultMaxInput.
	MaxInput int64
}

// Review reads helm-diff output (or a wrapper's stream) and classifies it:
// the whole pipeline in one call. Apply a gate with [classify.Result.Verdict]
// and render with package report.
func Review(r io.Reader, opts Options) (*classify.Result, error) {
	set := opts.Rules
	if set == nil {
		var err error
		if set, err = DefaultRules(); err != nil {
			return nil, err
		}
	}
	plan, err := diffparse.Parse(r, diffparse.Options{
		Format:    opts.Format,
		Facts:     append(set.FactPaths(), classify.IgnoreAnnotationPath),
		Namespace: opts.Namespace,
		MaxInput:  opts.MaxInput,
	})
	if err != nil {
		return nil, err
	}
	return classify.Classify(plan, set), nil
}

// DefaultRules returns the embedded default rule set. It is parsed once;
// a rules.Set is read-only, so the result is shared.
func DefaultRules() (*rules.Set, error) { return defaultRules() }

var defaultRules = sync.OnceValues(func() (*rules.Set, error) { return LoadRules(false) })

// LoadRules builds the effective rule set: the default rules (unless
// noDefaults) layered under the given rules files, the last file with the
// highest precedence.
func LoadRules(noDefaults bool, files ...string) (*rules.Set, error) {
	var layers []*rules.File
	if !noDefaults {
		f, err := rules.Parse(safediff.DefaultRules(), safediff.DefaultRulesOrigin)
		if err != nil {
			return nil, fmt.Errorf("the embedded default rules are invalid: %w", err)
		}
		layers = append(layers, f)
	}
	for _, name := range files {
		data, err := readLimited(name, rules.MaxFileSize)
		if err != nil {
			return nil, err
		}
		f, err := rules.Parse(data, name)
		if err != nil {
			return nil, err
		}
		layers = append(layers, f)
	}
	return rules.NewSet(layers...)
}

func readLimited(name string, max int64) ([]byte, error) {
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
		return nil, fmt.Errorf("%s: rules file is larger than %d bytes", name, max)
	}
	return data, nil
}
