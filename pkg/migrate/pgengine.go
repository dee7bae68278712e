package migrate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgEngine is the Postgres runbook with streaming replication: the
// target is initialised with pg_basebackup from a slot on the source and
// streams from it; promotion is pg_promote.
//
// The fence. The source's pg_hba.conf gets, in the reviewed
// configuration-only step prepare-source, a first line that refuses every
// connection of a member of the role safediff_fenced (host and local, any
// database; replication connections are not matched by "all"). Fencing is
// then done through the runner's own connection, as the role
// safediff_runner (a superuser whose password is derived from the
// superuser's and the migration's name, so a resumed runner can log in
// again): it grants safediff_fenced to every other login role, superusers
// included, which pg_hba.conf refuses from then on, with no reload and no
// restart; it ends every client backend and waits until none remains,
// granting again any role created meanwhile; it waits out
// authentication_timeout (a login that passed pg_hba.conf before the
// grants is in no view until it has logged in) and ends the sessions
// again; it fails (and rolls back) while a prepared transaction exists
// (its manager may have committed what it belongs to, so it is not rolled
// back; carried over, its locks would hold the content check); and only
// then reads the WAL insert position, the fence LSN,
// behind which it commits a marker transaction so that the target's replay
// passes it. No session of any role can commit after that by any means
// (role or database settings, BEGIN READ WRITE, SET SESSION
// CHARACTERISTICS, COMMIT PREPARED, another superuser), since no session
// but the runner's exists or can start. The grants are catalog changes, so
// the fence survives a restart, and the server keeps serving the runner's
// reads for the content check. A ConfigMap change (pg_hba.conf at fence
// time) would do the same, but reaches the pod only after the kubelet's
// next sync, up to a minute or more on real clusters, all of it inside
// the clients' pause; a clean shutdown would end the server the content
// check must read.
//
// Topology replicated adds the replicas of both sides. The source's
// replicas get the fence's pg_hba.conf line (apply-source-config reloads
// them) and the grants through the WAL; the fence waits until each has
// replayed the fence position, then ends its client sessions, so that no
// client reads a source that no longer changes. Its replication role
// keeps the password its replicas use (apply-source-config refuses to
// change it). The target's replicas cascade from the standby leader;
// caught up means each has replayed the fence too, and after the
// promotion each must stream on the new primary's timeline (from the
// promoted leader, the only server on it), with no rebuild.
type pgEngine struct {
	m      *Migration
	getenv func(string) string
}

// The roles of the fence.
const (
	pgRunnerRole = "safediff_runner"
	pgFenceGroup = "safediff_fenced"
)

func (e *pgEngine) superuser() (string, error) {
	return secret(e.getenv, e.m.Credentials.PasswordEnv, "the Postgres superuser's password")
}

func (e *pgEngine) replPassword() (string, error) {
	return secret(e.getenv, e.m.Credentials.ReplicationPasswordEnv, "the replication user's password")
}

// runnerPassword is the runner role's password: an HMAC of the migration's
// name keyed with the superuser's password. Anyone with the superuser's
// password could log in as the superuser anyway; the runner role exists so
// that the fence can refuse the superuser and every other role but this.
func runnerPassword(superuserPassword, migration string) string {
	h := hmac.New(sha256.New, []byte(superuserPassword))
	h.Write([]byte("safediff migrate runner\x00" + migration))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// dialSuper connects to an instance as the superuser of the migration file.
func (e *pgEngine) dialSuper(ctx context.Context, in Instance, db string) (*pgNode, error) {
	pw, err := e.superuser()
	if err != nil {
		return nil, err
	}
	return dialPostgres(ctx, in.Address, e.m.Credentials.User, pw, db)
}

// dialSource connects to the source's primary as the runner role (see
// dialRunner).
func (e *pgEngine) dialSource(ctx context.Context, db string) (*pgNode, error) {
	return e.dialRunner(ctx, e.m.Source.Address, db)
}

// dialRunner connects to a server of the source as the runner role, which
// the fence lets in; when the role does not exist yet (before
// apply-source-config), as the superuser.
func (e *pgEngine) dialRunner(ctx context.Context, addr, db string) (*pgNode, error) {
	pw, err := e.superuser()
	if err != nil {
		return nil, err
	}
	n, err := dialPostgres(ctx, addr, pgRunnerRole, runnerPassword(pw, e.m.Name), db)
	if err == nil {
		return n, nil
	}
	if !authFailed(err) {
		return nil, err
	}
	n, err2 := dialPostgres(ctx, addr, e.m.Credentials.User, pw, db)
	if err2 != nil {
		return nil, fmt.Errorf("%w; as %s: %w", err, e.m.Credentials.User, err2)
	}
	return n, nil
}

// authFailed says whether err is a refused login (a bad password, a role
// that does not exist, or pg_hba.conf).
func authFailed(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000")
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
	return map[string]any{"replication": r, "fence": map[string]any{"group": pgFenceGroup}}, nil
}

// fenceValues is nil: the fence is in the catalog, which survives a restart.
func (e *pgEngine) fenceValues() (map[string]any, error) { return nil, nil }

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
	src, err := e.dialSuper(ctx, e.m.Source, "postgres")
	if err != nil {
		return err
	}
	defer src.close()
	user := e.m.Postgres.ReplicationUser
	// the ConfigMap reaches the pod's files with a delay (the kubelet's
	// sync period); reload once pg_hba.conf on disk has the new lines
	err = waitFor(ctx, time.Duration(e.m.Thresholds.StepTimeout), func() (bool, error) {
		ok, err := src.hbaAllowsReplication(ctx, user)
		if err != nil || !ok {
			return false, err
		}
		return src.hbaRefusesGroup(ctx, pgFenceGroup)
	})
	if err != nil {
		return fmt.Errorf("the source's pg_hba.conf does not allow replication for %s and refuse the members of %s yet: %w", user, pgFenceGroup, err)
	}
	before, err := src.authTimeout(ctx)
	if err != nil {
		return err
	}
	var reloaded time.Time
	if err := src.scalar(ctx, "select clock_timestamp()", &reloaded); err != nil {
		return err
	}
	if err := src.reload(ctx); err != nil {
		return err
	}
	if err := e.reloadReplicas(ctx); err != nil {
		return err
	}
	// the fence waits out authentication_timeout, as it is then; a login
	// begun before this reload keeps the timeout it began with: when the
	// reload shortened it (the chart sets 5 s; Postgres' default is 1 min),
	// wait out the old one here, outside the clients' pause
	after, err := e.authTimeoutSince(ctx, reloaded)
	if err != nil {
		return err
	}
	if before > after {
		select {
		case <-time.After(time.Duration(before) * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	pw, err := e.replPassword()
	if err != nil {
		return err
	}
	if err := e.samePassword(ctx, src, user, pw); err != nil {
		return err
	}
	if err := src.ensureRole(ctx, user, "replication login", pw); err != nil {
		return err
	}
	su, _ := e.superuser()
	if err := src.ensureRole(ctx, pgRunnerRole, "superuser login", runnerPassword(su, e.m.Name)); err != nil {
		return err
	}
	if err := src.ensureRole(ctx, pgFenceGroup, "nologin", ""); err != nil {
		return err
	}
	return src.ensureSlot(ctx, e.m.Postgres.Slot)
}

// authTimeoutSince is the source's authentication_timeout as a new
// session sees it once the server has reloaded its configuration at or
// after since (pg_reload_conf signals the server, which reloads a moment
// later).
func (e *pgEngine) authTimeoutSince(ctx context.Context, since time.Time) (int, error) {
	var secs int
	err := waitFor(ctx, time.Duration(e.m.Thresholds.StepTimeout), func() (bool, error) {
		n, err := e.dialSuper(ctx, e.m.Source, "postgres")
		if err != nil {
			return false, err
		}
		defer n.close()
		var loaded bool
		if err := n.scalar(ctx, "select pg_conf_load_time() >= $1", &loaded, since); err != nil || !loaded {
			return false, err
		}
		secs, err = n.authTimeout(ctx)
		return err == nil, err
	})
	return secs, err
}

// samePassword refuses to change the password of the replication role of
// a source with replicas of its own: they log in with the one they were
// made with (primary_conninfo), and a new one would cut them off at their
// next reconnect. The role must accept the file's password already.
func (e *pgEngine) samePassword(ctx context.Context, src *pgNode, user, pw string) error {
	if len(e.m.Source.Replicas) == 0 {
		return nil
	}
	var exists bool
	if err := src.scalar(ctx, "select exists(select 1 from pg_roles where rolname = $1 and rolcanlogin)", &exists, user); err != nil || !exists {
		return err
	}
	n, err := dialPostgres(ctx, e.m.Source.Address, user, pw, "postgres")
	if err == nil {
		n.close()
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "28P01" {
		return fmt.Errorf("the source's replicas replicate as %s with a password other than %s's: setting that one would cut them off at their next reconnect; put the password they use in %s",
			user, e.m.Credentials.ReplicationPasswordEnv, e.m.Credentials.ReplicationPasswordEnv)
	}
	return fmt.Errorf("checking that %s's password is the one the source's replicas use (a login as %s): %w", e.m.Credentials.ReplicationPasswordEnv, user, err)
}

// reloadReplicas makes the source's replicas read the pg_hba.conf of
// prepare-source (the same ConfigMap as the primary's): the fence's line
// refuses the fenced roles there too.
func (e *pgEngine) reloadReplicas(ctx context.Context) error {
	for _, addr := range e.m.Source.Replicas {
		n, err := e.dialSuper(ctx, Instance{Address: addr}, "postgres")
		if err != nil {
			return fmt.Errorf("the source's replica: %w", err)
		}
		err = waitFor(ctx, time.Duration(e.m.Thresholds.StepTimeout), func() (bool, error) {
			return n.hbaRefusesGroup(ctx, pgFenceGroup)
		})
		if err == nil {
			err = n.reload(ctx)
		}
		n.close()
		if err != nil {
			return fmt.Errorf("the source's replica at %s: its pg_hba.conf does not refuse the members of %s yet: %w", addr, pgFenceGroup, err)
		}
	}
	return nil
}

func (e *pgEngine) replicating(ctx context.Context) (bool, int64, string, error) {
	tgt, err := e.dialSuper(ctx, e.m.Target, "postgres")
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
	src, err := e.dialSource(ctx, "postgres")
	if err != nil {
		return false, 0, "", err
	}
	defer src.close()
	cur, err := src.currentLSN(ctx)
	if err != nil {
		return false, 0, "", err
	}
	lag := max(int64(cur)-int64(replay), 0)
	detail := "WAL receiver " + orNone(status)
	ok := status == "streaming"
	for _, addr := range e.m.Target.Replicas {
		r, err := e.standby(ctx, addr)
		if err != nil {
			return false, lag, detail, err
		}
		lag = max(lag, int64(cur)-int64(r.replay))
		detail += fmt.Sprintf("; replica %s %s, %s behind", addr, orNone(r.status), humanBytes(max(int64(cur)-int64(r.replay), 0)))
		ok = ok && r.status == "streaming"
	}
	return ok, lag, detail, nil
}

// standbyState is what a standby says of its replication.
type standbyState struct {
	status string // the WAL receiver's, "" when none runs
	replay LSN
	// sender is the server it streams from; tli the timeline it receives.
	sender string
	tli    int64
}

// standby reads a standby of the target (a replica of the standby
// leader), as the superuser.
func (e *pgEngine) standby(ctx context.Context, addr string) (standbyState, error) {
	var s standbyState
	n, err := e.dialSuper(ctx, Instance{Address: addr}, "postgres")
	if err != nil {
		return s, fmt.Errorf("the target's replica: %w", err)
	}
	defer n.close()
	rec, err := n.inRecovery(ctx)
	if err != nil {
		return s, err
	}
	if !rec {
		return s, permanent(fmt.Errorf("the target's replica at %s is not in recovery: it was promoted, and is not a replica any more", addr))
	}
	if s.replay, err = n.replayLSN(ctx); err != nil {
		return s, err
	}
	var host *string
	var port *int32
	err = n.conn.QueryRow(ctx, "select status, sender_host, sender_port, received_tli from pg_stat_wal_receiver").Scan(&s.status, &host, &port, &s.tli)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return s, nil
	case err != nil:
		return s, fmt.Errorf("postgres at %s: reading pg_stat_wal_receiver: %w", addr, err)
	}
	if host != nil && port != nil {
		s.sender = net.JoinHostPort(*host, strconv.Itoa(int(*port)))
	}
	return s, nil
}

func orNone(s string) string {
	if s == "" {
		return "not running"
	}
	return s
}

// sessions are the client sessions of the source's primary and of its
// replicas.
func (e *pgEngine) sessions(ctx context.Context) ([]string, error) {
	return eachMember(e.m.Source, func(addr string) ([]string, error) {
		n, err := e.dialRunner(ctx, addr, "postgres")
		if err != nil {
			return nil, err
		}
		defer n.close()
		return n.clientSessions(ctx)
	})
}

func (e *pgEngine) fence(ctx context.Context, c *Cut, j journal) error {
	src, err := e.dialSource(ctx, "postgres")
	if err != nil {
		return err
	}
	defer src.close()
	if src.user != pgRunnerRole {
		return fmt.Errorf("postgres at %s: the role %s does not exist or cannot log in: apply-source-config creates it; run it again", src.addr, pgRunnerRole)
	}
	// a lock the fence's grants wait for (a prepared transaction's, which
	// no session ending releases) fails the fence within the pause's
	// time, which rolls it back, rather than holding the clients paused
	if err := src.lockTimeout(ctx, time.Duration(e.m.Thresholds.PauseTimeout)); err != nil {
		return err
	}
	if err := noPrepared(ctx, src); err != nil { // (and again once no session is left)
		return err
	}
	if err := src.fenceSessions(ctx, pgFenceGroup, time.Duration(e.m.Thresholds.PauseTimeout)); err != nil {
		return err
	}
	// pg_hba.conf is read once, when a login begins: a login begun before
	// the grants, still authenticating, is in no view (pg_stat_activity
	// shows a backend once it has logged in) and gets in after them. It
	// has authentication_timeout to finish: wait that out, then end what
	// logged in meanwhile. What it wrote is before the fence position,
	// read after this, so the target has it.
	wait, err := src.authTimeout(ctx)
	if err != nil {
		return err
	}
	j.log("waiting %ds (authentication_timeout) for logins begun before the fence to end", wait+1)
	select {
	case <-time.After(time.Duration(wait+1) * time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := src.fenceSessions(ctx, pgFenceGroup, time.Duration(e.m.Thresholds.PauseTimeout)); err != nil {
		return err
	}
	// A prepared transaction fails the fence, which rolls back. It cannot
	// be rolled back here: its transaction manager may have committed the
	// transaction it belongs to (every participant prepared), and a login
	// waiting on one of its locks (in no view) would get in. Nor can it be
	// carried over: its locks would hold the content check, and what it
	// wrote to UNLOGGED tables is not replicated. Its manager ends it, with
	// the clients running again, before the next run.
	if err := noPrepared(ctx, src); err != nil {
		return err
	}
	// the fence holds: the file's own superuser is refused now
	if err := e.refusesSuperuser(ctx, e.m.Source.Address); err != nil {
		return err
	}
	lsn, err := src.fencePosition(ctx)
	if err != nil {
		return err
	}
	c.FencePosition = lsn.String()
	return e.fenceReplicas(ctx, lsn)
}

// noPrepared fails when the source has prepared transactions (see fence).
func noPrepared(ctx context.Context, src *pgNode) error {
	prepared, err := src.preparedXacts(ctx)
	if err != nil {
		return err
	}
	var gids []string
	for db, gs := range prepared {
		for _, g := range gs {
			gids = append(gids, db+"/"+g)
		}
	}
	if len(gids) == 0 {
		return nil
	}
	sort.Strings(gids)
	return permanent(fmt.Errorf("postgres at %s has prepared transactions (%s): their transaction manager must commit or roll them back before the cut-over (one cannot be moved to the target: its locks would hold the content check, and what it wrote to UNLOGGED tables is not replicated); run again once none is left", src.addr, strings.Join(gids, ", ")))
}

// fenceReplicas ends the client sessions of the source's replicas once
// each has replayed the fence (the grants that make pg_hba.conf refuse
// every role but the runner's are in that WAL): after the cut-over they
// would read a source that no longer changes.
func (e *pgEngine) fenceReplicas(ctx context.Context, fence LSN) error {
	for _, addr := range e.m.Source.Replicas {
		n, err := e.dialRunner(ctx, addr, "postgres")
		if err != nil {
			return fmt.Errorf("the source's replica: %w", err)
		}
		var left []string
		err = waitFor(ctx, time.Duration(e.m.Thresholds.PauseTimeout), func() (bool, error) {
			replay, err := n.replayLSN(ctx)
			if err != nil || replay < fence {
				return false, err
			}
			if err := n.exec(ctx, "select pg_terminate_backend(pid, 5000) from pg_stat_activity where "+clientBackends); err != nil {
				return false, err
			}
			left, err = n.clientSessions(ctx)
			return len(left) == 0, err
		})
		n.close()
		if err != nil {
			return fmt.Errorf("the source's replica at %s did not replay the fence or keeps client sessions: %w (left: %s)", addr, err, strings.Join(left, "; "))
		}
		if err := e.refusesSuperuser(ctx, addr); err != nil {
			return err
		}
	}
	return nil
}

// refusesSuperuser checks that a fenced server refuses the file's own
// superuser (the line of pg_hba.conf that refuses the fenced roles is
// loaded).
func (e *pgEngine) refusesSuperuser(ctx context.Context, addr string) error {
	if e.m.Credentials.User == pgRunnerRole {
		return nil
	}
	su, _ := e.superuser()
	n, err := dialPostgres(ctx, addr, e.m.Credentials.User, su, "postgres")
	if err == nil {
		n.close()
		return fmt.Errorf("postgres at %s: the fence does not hold: %s can still log in (is the line of pg_hba.conf that refuses the members of %s loaded? prepare-source and apply-source-config put it there)",
			addr, e.m.Credentials.User, pgFenceGroup)
	}
	if !authFailed(err) {
		return err
	}
	return nil
}

func (e *pgEngine) unfence(ctx context.Context, c *Cut) error {
	src, err := e.dialSource(ctx, "postgres")
	if err != nil {
		return err
	}
	defer src.close()
	if err := src.lockTimeout(ctx, time.Duration(e.m.Thresholds.PauseTimeout)); err != nil {
		return err
	}
	return src.revokeAll(ctx, pgFenceGroup)
}

// caughtUp: the target's standby leader, and each of its replicas, has
// replayed up to the fence.
func (e *pgEngine) caughtUp(ctx context.Context, c *Cut) (bool, int64, error) {
	fence, err := ParseLSN(c.FencePosition)
	if err != nil {
		return false, 0, fmt.Errorf("the state's fence position: %w", err)
	}
	tgt, err := e.dialSuper(ctx, e.m.Target, "postgres")
	if err != nil {
		return false, 0, err
	}
	defer tgt.close()
	rec, err := tgt.inRecovery(ctx)
	if err != nil {
		return false, 0, err
	}
	if !rec {
		if c.Promoted {
			return true, 0, nil // promoted by this runbook, once it had every write
		}
		return false, 0, permanent(fmt.Errorf("the target at %s is not a replica any more (not in recovery), and this migration did not promote it: it may lack writes up to the fence (%s) and may have taken writes of its own; abort, and find out who promoted it", e.m.Target.Address, fence))
	}
	replay, err := tgt.replayLSN(ctx)
	if err != nil {
		return false, 0, err
	}
	lag := max(int64(fence)-int64(replay), 0)
	for _, addr := range e.m.Target.Replicas {
		r, err := e.standby(ctx, addr)
		if err != nil {
			return false, 0, err
		}
		lag = max(lag, int64(fence)-int64(r.replay))
	}
	return lag == 0, lag, nil
}

func (e *pgEngine) compare(ctx context.Context, _ *Cut) (diffs, notes []string, err error) {
	su, err := e.superuser()
	if err != nil {
		return nil, nil, err
	}
	var src, dst map[string]tableDigest
	var errSrc, errDst error
	done := make(chan struct{})
	go func() {
		defer close(done)
		src, errSrc = pgDigests(ctx, e.m.Source.Address, pgRunnerRole, runnerPassword(su, e.m.Name))
	}()
	dst, errDst = pgDigests(ctx, e.m.Target.Address, e.m.Credentials.User, su)
	<-done
	if errSrc != nil {
		return nil, nil, errSrc // (the target's is the same, where it is the catalog's)
	}
	if errDst != nil {
		return nil, nil, errDst
	}
	for _, t := range noKeyTables(src) {
		notes = append(notes, t+" has no primary key: compared by row count and a digest of its rows sorted")
	}
	return compareDigests(src, dst), notes, nil
}

func (e *pgEngine) promote(ctx context.Context, _ *Cut, _ journal) error {
	tgt, err := e.dialSuper(ctx, e.m.Target, "postgres")
	if err != nil {
		return err
	}
	defer tgt.close()
	if err := tgt.promote(ctx, time.Minute); err != nil {
		return err
	}
	// the fence's roles came over with the catalog; the target needs
	// neither (its pg_hba.conf has no fence line)
	return tgt.dropRoles(ctx, pgFenceGroup, pgRunnerRole)
}

// follow checks that each replica of the promoted target streams on the
// target's new timeline (from the target, the only server on it), and
// reports its lag.
func (e *pgEngine) follow(ctx context.Context) (bool, []string, error) {
	tgt, err := e.dialSuper(ctx, e.m.Target, "postgres")
	if err != nil {
		return false, nil, err
	}
	defer tgt.close()
	var tli int64
	var cur LSN
	if err := tgt.scalar(ctx, "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint", &tli); err != nil {
		return false, nil, err
	}
	if cur, err = tgt.currentLSN(ctx); err != nil {
		return false, nil, err
	}
	ok := true
	var lines []string
	for _, addr := range e.m.Target.Replicas {
		r, err := e.standby(ctx, addr)
		if err != nil {
			return false, nil, err
		}
		switch {
		case r.status != "streaming":
			ok = false
			lines = append(lines, fmt.Sprintf("replica %s: WAL receiver %s", addr, orNone(r.status)))
		case r.tli != tli:
			ok = false
			lines = append(lines, fmt.Sprintf("replica %s: on timeline %d, the new primary on %d", addr, r.tli, tli))
		default:
			lines = append(lines, fmt.Sprintf("replica %s: streaming from %s on timeline %d, %s behind", addr, r.sender, tli, humanBytes(max(int64(cur)-int64(r.replay), 0))))
		}
	}
	if len(lines) == 0 {
		lines = []string{"the target has no replicas"}
	}
	return ok, lines, nil
}

func (e *pgEngine) verifyData(ctx context.Context) error {
	su, err := e.superuser()
	if err != nil {
		return err
	}
	src, err := tableCounts(ctx, e.m.Source.Address, pgRunnerRole, runnerPassword(su, e.m.Name))
	if err != nil {
		return err
	}
	dst, err := tableCounts(ctx, e.m.Target.Address, e.m.Credentials.User, su)
	if err != nil {
		return err
	}
	if d := compareCounts(src, dst); d != "" {
		return fmt.Errorf("the target's data differs from the fenced source's: %s", d)
	}
	return nil
}

func (e *pgEngine) releaseSource(ctx context.Context) error {
	src, err := e.dialSource(ctx, "postgres")
	if err != nil {
		return err
	}
	defer src.close()
	return src.dropSlot(ctx, e.m.Postgres.Slot)
}

// sourceFenced says whether the source refuses the file's superuser and
// every login role but the runner's, and has no session but the runner's.
func (e *pgEngine) sourceFenced(ctx context.Context) (bool, error) {
	su, err := e.superuser()
	if err != nil {
		return false, err
	}
	n, err := dialPostgres(ctx, e.m.Source.Address, e.m.Credentials.User, su, "postgres")
	if err == nil {
		n.close()
		return false, nil
	}
	if !authFailed(err) {
		return false, err
	}
	src, err := e.dialSource(ctx, "postgres")
	if err != nil {
		return false, err
	}
	defer src.close()
	open, err := src.unfencedLogins(ctx, pgFenceGroup, pgRunnerRole)
	if err != nil || len(open) > 0 {
		return false, err
	}
	// and no session but the runner's: one could still write
	sessions, err := src.clientSessions(ctx)
	return len(sessions) == 0, err
}

func (e *pgEngine) verify(ctx context.Context) error {
	tgt, err := e.dialSuper(ctx, e.m.Target, "postgres")
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
	if f, err := e.sourceFenced(ctx); err != nil || !f {
		return orErr(err, "the source accepts connections that could write: it must stay fenced")
	}
	for _, addr := range e.m.Source.Replicas {
		n, err := e.dialRunner(ctx, addr, "postgres")
		if err != nil {
			return err
		}
		rec, err := n.inRecovery(ctx)
		n.close()
		if err != nil || !rec {
			return orErr(err, fmt.Sprintf("the source's replica at %s was promoted: it takes writes beside the target", addr))
		}
		if err := e.refusesSuperuser(ctx, addr); err != nil {
			return err
		}
	}
	if ok, lines, err := e.follow(ctx); err != nil || !ok {
		return orErr(err, "the target's replicas do not all follow it: "+strings.Join(lines, "; "))
	}
	return nil
}

func (e *pgEngine) live(ctx context.Context) liveState {
	var ls liveState
	tgt, err := e.dialSuper(ctx, e.m.Target, "postgres")
	if err != nil {
		ls.targetErr = err
	} else {
		defer tgt.close()
		rec, err := tgt.inRecovery(ctx)
		ls.targetErr = err
		ls.targetReachable = err == nil
		ls.targetPromoted = err == nil && !rec
		ls.targetWritable = ls.targetPromoted
	}
	ls.sourceFenced, ls.sourceErr = e.sourceFenced(ctx)
	return ls
}

// pgDescribe is how a session is named: "pid 42 app@10.0.0.5 (psql, client backend)".
func pgDescribe(pid int32, user, app, addr, kind string) string {
	who := strings.TrimSpace(user)
	if addr != "" {
		who += "@" + addr
	}
	if app == "" {
		app = "no application_name"
	}
	return fmt.Sprintf("pid %d %s (%s, %s)", pid, who, app, kind)
}
