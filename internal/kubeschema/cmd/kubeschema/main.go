// Command kubeschema writes schema_gen.go, the built-in schemas of
// package kube, in the current directory (pkg/kube: see the go:generate
// line of pkg/kube/schema.go).
package main

import (
	"fmt"
	"os"

	"github.com/safediff/safediff/internal/kubeschema"
)

func main() {
	src, err := kubeschema.Source()
	if err == nil {
		err = os.WriteFile("schema_gen.go", src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubeschema:", err)
		os.Exit(1)
	}
}
