// Command rulesgen writes default_gen.go, the default rules as Go data,
// in the current directory (pkg/rules: see the go:generate line of
// pkg/rules/load.go) from the module's rules.yaml.
package main

import (
	"fmt"
	"os"

	"github.com/safediff/safediff"
	"github.com/safediff/safediff/internal/rulesgen"
)

func main() {
	src, err := rulesgen.Source(safediff.DefaultRules(), safediff.DefaultRulesOrigin)
	if err == nil {
		err = os.WriteFile("default_gen.go", src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rulesgen:", err)
		os.Exit(1)
	}
}
