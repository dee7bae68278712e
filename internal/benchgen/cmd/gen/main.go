// Command gen writes a generated helm-diff output (full context) for one
// release of n changed Deployments to standard output, for benchmarks:
//
//	go run ./internal/benchgen/cmd/gen -n 2000 > release.diff
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/safediff/safediff/internal/benchgen"
)

func main() {
	n := flag.Int("n", 2000, "number of Deployments")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "gen: unexpected arguments:", flag.Args())
		os.Exit(2)
	}
	if err := benchgen.Release(*n, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
