// Command safediff reviews helm diff output before helm upgrade.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/safediff/safediff/internal/cli"
)

func main() {
	// Ctrl-C and a CI job's end stop the work in hand, and what it made
	// is cleaned up (the copies of values files) before the exit
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// and so does the end of helm, when safediff is its plugin
	ctx, orphaned := cli.WhileParentLives(ctx, os.Getenv)
	code := cli.Run(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, Environ: os.Environ})
	orphaned()
	stop()
	os.Exit(code)
}
