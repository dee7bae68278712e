package cli

import (
	"context"
	"os"
	"time"
)

// WhileParentLives returns a context that also ends when helm, which ran
// safediff as its plugin (HELM_PLUGIN_NAME is set), is gone: helm does not
// pass a signal on to its plugin, so a CI job that ends helm (its timeout,
// a cancel) left safediff to finish the review and upgrade the release
// after the job had been told it failed. The work then stops as on
// SIGTERM: a running helm is interrupted, the copies are removed.
func WhileParentLives(ctx context.Context, getenv func(string) string) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if getenv("HELM_PLUGIN_NAME") == "" {
		return ctx, cancel
	}
	parent := os.Getppid()
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if os.Getppid() != parent {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}
