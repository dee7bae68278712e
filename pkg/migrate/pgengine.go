package migrate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

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
// granting again any role created meanwhile; it rolls back every prepared
// transaction; and only then reads the WAL insert position, the fence LSN,
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

// dialSource connects to the source as the runner role, which the fence
// lets in; when the role does not exist yet (before apply-source-config),
// as the superuser.
func (e *pgEngine) dialSource(ctx context.Context, db string) (*pgNode, error) {
	pw, err := e.superuser()
	if err != nil {
		return nil, err
	}
	n, err := dialPostgres(ctx, e.m.Source.Address, pgRunnerRole, runnerPassword(pw, e.m.Name), db)
	if err == nil {
		return n, nil
	}
	if !authFailed(err) {
		return nil, err
	}
	n, err2 := dialPostgres(ctx, e.m.Source.Address, e.m.Credentials.User, pw, db)
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
	if err := src.reload(ctx); err != nil {
		return err
	}
	pw, err := e.replPassword()
	if err != nil {
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
	lag := int64(cur) - int64(replay)
	return status == "streaming", max(lag, 0), "WAL receiver " + orNone(status), nil
}

func orNone(s string) string {
	if s == "" {
		return "not running"
	}
	return s
}

func (e *pgEngine) sessions(ctx context.Context) ([]string, error) {
	src, err := e.dialSource(ctx, "postgres")
	if err != nil {
		return nil, err
	}
	defer src.close()
	return src.clientSessions(ctx)
}

func (e *pgEngine) fence(ctx context.Context, st *State, save func() error) error {
	src, err := e.dialSource(ctx, "postgres")
	if err != nil {
		return err
	}
	defer src.close()
	if src.user != pgRunnerRole {
		return fmt.Errorf("postgres at %s: the role %s does not exist or cannot log in: apply-source-config creates it; run it again", src.addr, pgRunnerRole)
	}
	if err := src.fenceSessions(ctx, pgFenceGroup, time.Duration(e.m.Thresholds.PauseTimeout)); err != nil {
		return err
	}
	gids, err := e.rollbackPrepared(ctx, src)
	for _, g := range gids {
		st.log("fence-source", "rolled back the prepared transaction %s", g)
	}
	if err != nil {
		return err
	}
	// the fence holds: the file's own superuser is refused now
	if e.m.Credentials.User != pgRunnerRole {
		su, _ := e.superuser()
		if n, err := dialPostgres(ctx, e.m.Source.Address, e.m.Credentials.User, su, "postgres"); err == nil {
			n.close()
			return fmt.Errorf("postgres at %s: the fence does not hold: %s can still log in (is the line of pg_hba.conf that refuses the members of %s loaded? prepare-source and apply-source-config put it there)",
				src.addr, e.m.Credentials.User, pgFenceGroup)
		} else if !authFailed(err) {
			return err
		}
	}
	lsn, err := src.fencePosition(ctx)
	if err != nil {
		return err
	}
	st.FencePosition = lsn.String()
	return nil
}

// rollbackPrepared rolls back every prepared transaction of the source,
// each in its database, and returns their identifiers.
func (e *pgEngine) rollbackPrepared(ctx context.Context, src *pgNode) ([]string, error) {
	prepared, err := src.preparedXacts(ctx)
	if err != nil || len(prepared) == 0 {
		return nil, err
	}
	var done []string
	for db, gids := range prepared {
		n, err := e.dialSource(ctx, db)
		if err != nil {
			return done, err
		}
		for _, gid := range gids {
			if err := n.exec(ctx, "rollback prepared "+quoteLiteral(gid)); err != nil {
				n.close()
				return done, err
			}
			done = append(done, db+"/"+gid)
		}
		n.close()
	}
	return done, nil
}

func (e *pgEngine) unfence(ctx context.Context, st *State) error {
	src, err := e.dialSource(ctx, "postgres")
	if err != nil {
		return err
	}
	defer src.close()
	return src.revokeAll(ctx, pgFenceGroup)
}

func (e *pgEngine) caughtUp(ctx context.Context, st *State) (bool, int64, error) {
	fence, err := ParseLSN(st.FencePosition)
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
		if st.Promoted {
			return true, 0, nil // promoted by this runbook, once it had every write
		}
		return false, 0, permanent(fmt.Errorf("the target at %s is not a replica any more (not in recovery), and this migration did not promote it: it may lack writes up to the fence (%s) and may have taken writes of its own; abort, and find out who promoted it", e.m.Target.Address, fence))
	}
	replay, err := tgt.replayLSN(ctx)
	if err != nil {
		return false, 0, err
	}
	return replay >= fence, max(int64(fence)-int64(replay), 0), nil
}

func (e *pgEngine) compare(ctx context.Context) (diffs, notes []string, err error) {
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
	if err := errors.Join(errSrc, errDst); err != nil {
		return nil, nil, err
	}
	for _, t := range noKeyTables(src) {
		notes = append(notes, t+" has no primary key: compared by row count and a digest of its rows sorted")
	}
	return compareDigests(src, dst), notes, nil
}

func (e *pgEngine) promote(ctx context.Context) error {
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
// every login role but the runner's.
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
	return len(open) == 0, err
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
