// Command rulesgen writes rules_json.go from rules.yaml, in the current
// directory (the module root: see the go:generate line of embed.go).
package main

import (
	"fmt"
	"os"

	"github.com/safediff/safediff/internal/rulesgen"
)

func main() {
	data, err := os.ReadFile("rules.yaml")
	if err == nil {
		data, err = rulesgen.Source(data)
	}
	if err == nil {
		err = os.WriteFile("rules_json.go", data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rulesgen:", err)
		os.Exit(1)
	}
}
