package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// pollEvery is how often waits look again.
const pollEvery = 250 * time.Millisecond

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errTimeout is returned by waitFor when the condition did not hold in time.
type errTimeout struct {
	after time.Duration
	last  error
}

func (e *errTimeout) Error() string {
	if e.last != nil {
		return fmt.Sprintf("not done after %v (last error: %v)", e.after, e.last)
	}
	return fmt.Sprintf("not done after %v", e.after)
}

// permanentError is a condition's error that waiting cannot mend.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }

// permanent marks err as not worth retrying.
func permanent(err error) error { return &permanentError{err} }

// waitFor polls cond until it holds, fails with an error that is not
// worth retrying (marked with permanent), or timeout passes. Errors of cond are retried (a server
// restarting refuses connections for a while); the last one is reported.
func waitFor(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if err == nil && ok {
			return nil
		}
		if err != nil {
			var p *permanentError
			if errors.As(err, &p) {
				return p.err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			last = err
		}
		if time.Now().After(deadline) {
			return &errTimeout{after: timeout, last: last}
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return err
		}
	}
}
