package migrate

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// secret reads a credential from the environment.
func secret(getenv func(string) string, name, what string) (string, error) {
	if name == "" {
		return "", nil
	}
	v := getenv(name)
	if v == "" {
		return "", fmt.Errorf("the environment variable %s (%s) is not set", name, what)
	}
	return v, nil
}

func hostPort(addr string) (string, int) {
	h, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return h, n
}

// pgEngine is the Postgres runbook with streaming replication: the
// target is initialised with pg_basebackup from a slot on the source and
// streams from it; promotion is pg_promote.
type pgEngine struct {
	m      *Migration
	getenv func(string) string
}

func (e *pgEngine) superuser() (string, error) {
	return secret(e.getenv, e.m.Credentials.PasswordEnv, "the Postgres superuser's password")
}

func (e *pgEngine) replPassword() (string, error) {
	return secret(e.getenv, e.m.Credentials.ReplicationPasswordEnv, "the replication user's password")
}

func (e *pgEngine) dial(ctx context.Context, in Instance) (*pgNode, error) {
	pw, err := e.superuser()
	if err != nil {
		return nil, err
	}
	return dialPostgres(ctx, in.Address, e.m.Credentials.User, pw, "postgres")
}

func (e *pgEngine) replication() (map[string]any, error) {
	pw, err := e.replPassword()
	if err != nil {
		return nil, err
	}
	from := make([]any, len(e.m.Postgres.ReplicationFrom))
	for i, c := range e.m.Postgres.ReplicationFrom {
		from[i] = c
	}
	return map[string]any{"enabled": true, "user": e.m.Postgres.ReplicationUser, "password": pw, "allowFrom": from}, nil
}

func (e *pgEngine) sourceValues() (map[string]any, error) {
	r, err := e.replication()
	if err != nil {
		return nil, err
	}
	return map[string]any{"replication": r}, nil
}

func (e *pgEngine) targetValues() (map[string]any, error) {
	r, err := e.replication()
	if err != nil {
		return nil, err
	}
	su, err := e.superuser()
	if err != nil {
		return nil, err
	}
	host, port := hostPort(e.m.Source.Address)
	r["source"] = map[string]any{"host": host, "port": port}
	r["slot"] = e.m.Postgres.Slot
	return map[string]any{"role": "replica", "replication": r, "auth": map[string]any{"superuserPassword": su}}, nil
}

func (e *pgEngine) detachValues() (map[string]any, error) {
	v, err := e.targetValues()
	if err != nil {
		return nil, err
	}
	v["role"] = "primary"
	r := v["replication"].(map[string]any)
	r["source"] = map[string]any{"host": "", "port": 5432}
	r["slot"] = ""
	return v, nil
}

func (e *pgEngine) prepareSource(ctx context.Context) error {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	user := e.m.Postgres.ReplicationUser
	// the ConfigMap reaches the pod's files with a delay (the kubelet's
	// sync period); reload once pg_hba.conf on disk allows replication
	err = waitFor(ctx, time.Duration(e.m.Thresholds.StepTimeout), func() (bool, error) { return src.hbaAllowsReplication(ctx, user) })
	if err != nil {
		return fmt.Errorf("the source's pg_hba.conf does not allow replication for %s yet: %w", user, err)
	}
	if err := src.reload(ctx); err != nil {
		return err
	}
	pw, err := e.replPassword()
	if err != nil {
		return err
	}
	if err := src.ensureReplicationRole(ctx, user, pw); err != nil {
		return err
	}
	return src.ensureSlot(ctx, e.m.Postgres.Slot)
}

func (e *pgEngine) replicating(ctx context.Context) (bool, int64, string, error) {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return false, 0, "target not reachable yet (copying the source?)", err
	}
	defer tgt.close()
	rec, err := tgt.inRecovery(ctx)
	if err != nil {
		return false, 0, "", err
	}
	if !rec {
		return false, 0, "", fmt.Errorf("the target at %s is not a replica (not in recovery): it was not made from the source", e.m.Target.Address)
	}
	status, err := tgt.receiverStatus(ctx)
	if err != nil {
		return false, 0, "", err
	}
	replay, err := tgt.replayLSN(ctx)
	if err != nil {
		return false, 0, "", err
	}
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return false, 0, "", err
	}
	defer src.close()
	cur, err := src.currentLSN(ctx)
	if err != nil {
		return false, 0, "", err
	}
	lag := int64(cur) - int64(replay)
	if lag < 0 {
		lag = 0
	}
	return status == "streaming", lag, "WAL receiver " + orNone(status), nil
}

func orNone(s string) string {
	if s == "" {
		return "not running"
	}
	return s
}

func (e *pgEngine) fence(ctx context.Context, st *State, save func() error) error {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	lsn, err := src.fence(ctx)
	if err != nil {
		return err
	}
	st.FencePosition = lsn.String()
	return nil
}

func (e *pgEngine) unfence(ctx context.Context, st *State) error {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	return src.unfence(ctx)
}

func (e *pgEngine) caughtUp(ctx context.Context, st *State) (bool, int64, error) {
	fence, err := ParseLSN(st.FencePosition)
	if err != nil {
		return false, 0, fmt.Errorf("the state's fence position: %w", err)
	}
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return false, 0, err
	}
	defer tgt.close()
	rec, err := tgt.inRecovery(ctx)
	if err != nil {
		return false, 0, err
	}
	if !rec {
		return true, 0, nil // promoted already: it had everything (checked before promotion)
	}
	replay, err := tgt.replayLSN(ctx)
	if err != nil {
		return false, 0, err
	}
	lag := int64(fence) - int64(replay)
	return replay >= fence, max(lag, 0), nil
}

func (e *pgEngine) promote(ctx context.Context) error {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return err
	}
	defer tgt.close()
	return tgt.promote(ctx, time.Minute)
}

func (e *pgEngine) verifyData(ctx context.Context) error {
	pw, err := e.superuser()
	if err != nil {
		return err
	}
	src, err := tableCounts(ctx, e.m.Source.Address, e.m.Credentials.User, pw)
	if err != nil {
		return err
	}
	dst, err := tableCounts(ctx, e.m.Target.Address, e.m.Credentials.User, pw)
	if err != nil {
		return err
	}
	if d := compareCounts(src, dst); d != "" {
		return fmt.Errorf("the target's data differs from the fenced source's: %s", d)
	}
	return nil
}

func (e *pgEngine) releaseSource(ctx context.Context) error {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	return src.dropSlot(ctx, e.m.Postgres.Slot)
}

func (e *pgEngine) verify(ctx context.Context) error {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return err
	}
	defer tgt.close()
	if rec, err := tgt.inRecovery(ctx); err != nil || rec {
		return orErr(err, "the target is still in recovery")
	}
	if ro, err := tgt.fencedFresh(ctx); err != nil || ro {
		return orErr(err, "the target refuses writes (default_transaction_read_only is on)")
	}
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	if ro, err := src.fencedFresh(ctx); err != nil || !ro {
		return orErr(err, "the source accepts writes: it must stay fenced")
	}
	return nil
}

func orErr(err error, msg string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s", msg)
}

// redisEngine is the Redis runbook: the target starts as REPLICAOF the
// source; promotion is REPLICAOF NO ONE.
type redisEngine struct {
	m      *Migration
	getenv func(string) string
}

func (e *redisEngine) dial(ctx context.Context, in Instance) (*redisNode, error) {
	pw, err := secret(e.getenv, e.m.Credentials.PasswordEnv, "the Redis password")
	if err != nil {
		return nil, err
	}
	return dialRedis(ctx, in.Address, pw)
}

func (e *redisEngine) sourceValues() (map[string]any, error) {
	return map[string]any{"replication": map[string]any{"enabled": true}}, nil
}

func (e *redisEngine) auth() (map[string]any, error) {
	pw, err := secret(e.getenv, e.m.Credentials.PasswordEnv, "the Redis password")
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
	off, err := src.fence(ctx)
	if err != nil {
		return err
	}
	st.FencePosition = strconv.FormatInt(off, 10)
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
	fence, err := strconv.ParseInt(st.FencePosition, 10, 64)
	if err != nil {
		return false, 0, fmt.Errorf("the state's fence position %q: %w", st.FencePosition, err)
	}
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return false, 0, err
	}
	defer tgt.close()
	r, err := tgt.replication(ctx)
	if err != nil {
		return false, 0, err
	}
	if r.Role == "master" {
		return true, 0, nil // promoted already
	}
	return r.LinkUp && r.Offset >= fence, max(fence-r.Offset, 0), nil
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
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return err
	}
	defer tgt.close()
	a, err := src.keyCounts(ctx)
	if err != nil {
		return err
	}
	b, err := tgt.keyCounts(ctx)
	if err != nil {
		return err
	}
	var diffs []string
	for db, n := range a {
		if b[db] != n {
			diffs = append(diffs, fmt.Sprintf("%s: %d keys on the source, %d on the target", db, n, b[db]))
		}
	}
	for db, n := range b {
		if _, ok := a[db]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %d keys on the target, none on the source", db, n))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		return fmt.Errorf("the target's data differs from the fenced source's: %s", strings.Join(diffs, "; "))
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
