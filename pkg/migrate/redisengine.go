package migrate

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// redisEngine is the Redis runbook: the target starts as REPLICAOF the
// source; promotion is REPLICAOF NO ONE.
//
// The fence is min-replicas-to-write beyond any replica count, which
// refuses every write (plain commands, MULTI/EXEC, scripts and functions)
// with NOREPLICAS. It is set on the running source through the runner's
// connection, at once, and written to the source's redis.conf by a
// reviewed configuration-only helm step (value fenced), so that a restart
// keeps it: the chart's redis.conf is a read-only ConfigMap file, which
// CONFIG REWRITE cannot write. Every client connection is ended, and the
// fence is in place again after the helm step (a restart in between
// comes back fenced by then). Caught up means the target follows the
// source's replication stream (the same replication ID) at exactly the
// source's offset, read before and after the target's.
type redisEngine struct {
	m      *Migration
	getenv func(string) string
}

func (e *redisEngine) password() (string, error) {
	return secret(e.getenv, e.m.Credentials.PasswordEnv, "the Redis password")
}

func (e *redisEngine) dial(ctx context.Context, in Instance) (*redisNode, error) {
	pw, err := e.password()
	if err != nil {
		return nil, err
	}
	return dialRedis(ctx, in.Address, pw)
}

func (e *redisEngine) sourceValues() (map[string]any, error) {
	return map[string]any{"replication": map[string]any{"enabled": true}}, nil
}

func (e *redisEngine) fenceValues() (map[string]any, error) {
	v, err := e.sourceValues()
	if err != nil {
		return nil, err
	}
	v["fenced"] = true
	return v, nil
}

func (e *redisEngine) auth() (map[string]any, error) {
	pw, err := e.password()
	if err != nil || pw == "" {
		return nil, err
	}
	return map[string]any{"password": pw}, nil
}

func (e *redisEngine) targetValues() (map[string]any, error) {
	host, port := hostPort(e.m.Source.Address)
	v := map[string]any{"replicaOf": map[string]any{"host": host, "port": port}, "replication": map[string]any{"enabled": true}}
	a, err := e.auth()
	if err != nil {
		return nil, err
	}
	if a != nil {
		v["auth"] = a
	}
	return v, nil
}

func (e *redisEngine) detachValues() (map[string]any, error) {
	v, err := e.targetValues()
	if err != nil {
		return nil, err
	}
	v["replicaOf"] = map[string]any{"host": "", "port": 6379}
	return v, nil
}

// redisReplicationConfig is what the chart's replication.enabled puts in
// redis.conf; prepareSource applies it to the running server.
var redisReplicationConfig = [][2]string{{"repl-backlog-size", "64mb"}, {"repl-diskless-sync", "yes"}}

func (e *redisEngine) prepareSource(ctx context.Context) error {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	for _, kv := range redisReplicationConfig {
		if err := src.configSet(ctx, kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

func (e *redisEngine) replicating(ctx context.Context) (bool, int64, string, error) {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return false, 0, "target not reachable yet", err
	}
	defer tgt.close()
	r, err := tgt.replication(ctx)
	if err != nil {
		return false, 0, "", err
	}
	if r.Role != "slave" {
		return false, 0, "", fmt.Errorf("the target at %s is a %s, not a replica of the source", e.m.Target.Address, r.Role)
	}
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return false, 0, "", err
	}
	defer src.close()
	s, err := src.replication(ctx)
	if err != nil {
		return false, 0, "", err
	}
	detail := "link " + map[bool]string{true: "up", false: "down"}[r.LinkUp]
	if r.Syncing {
		detail += ", initial sync in progress"
	}
	return r.LinkUp && !r.Syncing, max(s.Offset-r.Offset, 0), detail, nil
}

func (e *redisEngine) sessions(ctx context.Context) ([]string, error) {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return nil, err
	}
	defer src.close()
	return src.clientSessions(ctx)
}

func (e *redisEngine) fence(ctx context.Context, st *State, save func() error) error {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	if st.SavedConfig == nil {
		// recorded before the fence changes them: a run killed half-way
		// must still know what to restore
		saved, err := src.saveFenceConfig(ctx)
		if err != nil {
			return err
		}
		st.SavedConfig = saved
		if err := save(); err != nil {
			return err
		}
	}
	if err := src.fence(ctx); err != nil {
		return err
	}
	var left []string
	err = waitFor(ctx, time.Duration(e.m.Thresholds.PauseTimeout), func() (bool, error) {
		if err := src.killClients(ctx); err != nil {
			return false, err
		}
		var err error
		left, err = src.clientSessions(ctx)
		return len(left) == 0, err
	})
	if err != nil {
		return fmt.Errorf("redis at %s: client connections remain after the fence: %w (%v)", src.addr, err, left)
	}
	r, err := src.replication(ctx)
	if err != nil {
		return err
	}
	st.FencePosition = strconv.FormatInt(r.Offset, 10)
	return nil
}

func (e *redisEngine) unfence(ctx context.Context, st *State) error {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	return src.unfence(ctx, st.SavedConfig)
}

func (e *redisEngine) caughtUp(ctx context.Context, st *State) (bool, int64, error) {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return false, 0, err
	}
	defer tgt.close()
	t, err := tgt.replication(ctx)
	if err != nil {
		return false, 0, err
	}
	if t.Role != "slave" {
		if st.Promoted {
			return true, 0, nil // promoted by this runbook, once it had every write
		}
		return false, 0, permanent(fmt.Errorf("the target at %s is a %s, not a replica any more, and this migration did not promote it: it may lack writes and may have taken writes of its own; abort, and find out who promoted it", e.m.Target.Address, t.Role))
	}
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return false, 0, err
	}
	defer src.close()
	if f, err := src.fenced(ctx); err != nil || !f {
		return false, 0, orErr(err, "the source is not fenced any more (restarted before its configuration had the fence?): run again to fence it")
	}
	// the source's position before and after the target's: equal, and
	// equal to the target's, is a target that has all of it
	s1, err := src.replication(ctx)
	if err != nil {
		return false, 0, err
	}
	if t, err = tgt.replication(ctx); err != nil {
		return false, 0, err
	}
	s2, err := src.replication(ctx)
	if err != nil {
		return false, 0, err
	}
	lag := max(s2.Offset-t.Offset, 0)
	if t.ReplID != s2.ReplID {
		return false, max(lag, 1), nil // resyncing after a restart of the source
	}
	return t.LinkUp && s1.Offset == s2.Offset && t.Offset == s2.Offset && s1.ReplID == s2.ReplID, lag, nil
}

func (e *redisEngine) compare(ctx context.Context) ([]string, []string, error) {
	pw, err := e.password()
	if err != nil {
		return nil, nil, err
	}
	diffs, err := redisCompare(ctx, e.m.Source.Address, e.m.Target.Address, pw)
	return diffs, nil, err
}

func (e *redisEngine) promote(ctx context.Context) error {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return err
	}
	defer tgt.close()
	if err := tgt.promote(ctx); err != nil {
		return err
	}
	return waitFor(ctx, time.Minute, func() (bool, error) {
		r, err := tgt.replication(ctx)
		return r.Role == "master", err
	})
}

func (e *redisEngine) verifyData(ctx context.Context) error {
	pw, err := e.password()
	if err != nil {
		return err
	}
	a, err := redisKeyCounts(ctx, e.m.Source.Address, pw)
	if err != nil {
		return err
	}
	b, err := redisKeyCounts(ctx, e.m.Target.Address, pw)
	if err != nil {
		return err
	}
	if diffs := compareKeyCounts(a, b); len(diffs) > 0 {
		return fmt.Errorf("the target's data differs from the fenced source's: %s", joinDiffs(diffs))
	}
	return nil
}

func (e *redisEngine) releaseSource(ctx context.Context) error { return nil }

func (e *redisEngine) verify(ctx context.Context) error {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return err
	}
	defer tgt.close()
	r, err := tgt.replication(ctx)
	if err != nil {
		return err
	}
	if r.Role != "master" {
		return fmt.Errorf("the target is a %s, not a master", r.Role)
	}
	if f, err := tgt.fenced(ctx); err != nil || f {
		return orErr(err, "the target refuses writes (min-replicas-to-write)")
	}
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	if f, err := src.fenced(ctx); err != nil || !f {
		return orErr(err, "the source accepts writes: it must stay fenced")
	}
	return nil
}

func (e *redisEngine) live(ctx context.Context) liveState {
	var ls liveState
	tgt, err := e.dial(ctx, e.m.Target)
	if err == nil {
		defer tgt.close()
		var r redisRepl
		if r, err = tgt.replication(ctx); err == nil {
			ls.targetReachable = true
			ls.targetPromoted = r.Role == "master"
			if ls.targetPromoted {
				fenced, ferr := tgt.fenced(ctx)
				ls.targetWritable = ferr == nil && !fenced
			} else {
				ro, rerr := tgt.configGet(ctx, "replica-read-only")
				ls.targetWritable = rerr == nil && ro == "no"
			}
		}
	}
	ls.targetErr = err
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		ls.sourceErr = err
		return ls
	}
	defer src.close()
	ls.sourceFenced, ls.sourceErr = src.fenced(ctx)
	return ls
}
