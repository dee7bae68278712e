// Command safediff reviews helm diff output before helm upgrade.
package main

import (
	"context"
	"os"

	"github.com/safediff/safediff/internal/cli"
)

func main() {
	os.Exit(cli.Run(context.Background(), os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, Environ: os.Environ}))
}
