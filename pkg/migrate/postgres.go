package migrate

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
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
)

// LSN is a Postgres write-ahead log position.
type LSN uint64

// ParseLSN reads the text form "16/B374D848".
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("bad LSN %q", s)
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad LSN %q", s)
	}
	return LSN(h<<32 | l), nil
}

func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF) }

// pgNode is a connection to one Postgres server, as its superuser.
type pgNode struct {
	addr, user, password string
	conn                 *pgx.Conn
}

// dialPostgres connects to the database "postgres" at addr.
func dialPostgres(ctx context.Context, addr, user, password, database string) (*pgNode, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	// keywords given here win over PG* environment variables; the
	// database is set as it is, never put into the string (a database
	// named "x host=elsewhere" would send the password there)
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s dbname=postgres sslmode=prefer connect_timeout=5", host, port))
	if err != nil {
		return nil, err
	}
	cfg.Database = database
	cfg.User = user
	cfg.Password = password
	cfg.RuntimeParams["application_name"] = "safediff-migrate"
	// the catalogs by their names, whatever search_path a role or a
	// database sets (a client's setting wins over theirs): a schema of
	// views named pg_roles or pg_stat_activity ahead of pg_catalog would
	// hide a role from the fence, or a session from the pause
	cfg.RuntimeParams["search_path"] = "pg_catalog, pg_temp"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: %w", addr, redactErr(err, password))
	}
	return &pgNode{addr: addr, user: user, password: password, conn: conn}, nil
}

func (n *pgNode) close() { n.conn.Close(context.Background()) }

// redactErr keeps a password out of an error's text.
func redactErr(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), secret, "<redacted>"))
}

func (n *pgNode) scalar(ctx context.Context, q string, dst any, args ...any) error {
	if err := n.conn.QueryRow(ctx, q, args...).Scan(dst); err != nil {
		return fmt.Errorf("postgres at %s: %s: %w", n.addr, firstWords(q), redactErr(err, n.password))
	}
	return nil
}

// lockTimeout bounds how long the session's statements wait for a lock.
func (n *pgNode) lockTimeout(ctx context.Context, d time.Duration) error {
	return n.exec(ctx, fmt.Sprintf("set lock_timeout = %d", max(d.Milliseconds(), 1000)))
}

func (n *pgNode) exec(ctx context.Context, q string, args ...any) error {
	if _, err := n.conn.Exec(ctx, q, args...); err != nil {
		return fmt.Errorf("postgres at %s: %s: %w", n.addr, firstWords(q), redactErr(err, n.password))
	}
	return nil
}

// firstWords names a statement in an error without its literals.
func firstWords(q string) string {
	f := strings.Fields(q)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

func (n *pgNode) inRecovery(ctx context.Context) (bool, error) {
	var b bool
	return b, n.scalar(ctx, "select pg_is_in_recovery()", &b)
}

func (n *pgNode) currentLSN(ctx context.Context) (LSN, error) {
	var s string
	if err := n.scalar(ctx, "select pg_current_wal_lsn()::text", &s); err != nil {
		return 0, err
	}
	return ParseLSN(s)
}

// replayLSN is a standby's last replayed position.
func (n *pgNode) replayLSN(ctx context.Context) (LSN, error) {
	var s *string
	if err := n.scalar(ctx, "select pg_last_wal_replay_lsn()::text", &s); err != nil {
		return 0, err
	}
	if s == nil {
		return 0, fmt.Errorf("postgres at %s has replayed nothing (not a standby?)", n.addr)
	}
	return ParseLSN(*s)
}

// receiverStatus is the standby's WAL receiver state ("streaming"), or ""
// when no receiver runs.
func (n *pgNode) receiverStatus(ctx context.Context) (string, error) {
	var s string
	err := n.conn.QueryRow(ctx, "select status from pg_stat_wal_receiver").Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres at %s: reading pg_stat_wal_receiver: %w", n.addr, err)
	}
	return s, nil
}

// hbaAllowsReplication says whether pg_hba.conf, as on disk now, has a
// valid rule for replication connections of user.
func (n *pgNode) hbaAllowsReplication(ctx context.Context, user string) (bool, error) {
	var c int
	err := n.scalar(ctx, `select count(*) from pg_hba_file_rules
		where error is null and 'replication' = any(database) and ($1 = any(user_name) or 'all' = any(user_name))`, &c, user)
	return c > 0, err
}

// authTimeout is authentication_timeout, in seconds: how long a login
// may take to authenticate.
func (n *pgNode) authTimeout(ctx context.Context) (int, error) {
	var secs int
	err := n.scalar(ctx, "select setting::int from pg_settings where name = 'authentication_timeout'", &secs)
	return secs, err
}

func (n *pgNode) reload(ctx context.Context) error {
	var ok bool
	return n.scalar(ctx, "select pg_reload_conf()", &ok)
}

// ensureRole creates or alters a role with attrs ("replication login",
// "superuser login", "nologin") and, unless empty, a password. The
// password is sent as a SCRAM-SHA-256 verifier, never in clear text, so it
// cannot end up in a statement log.
func (n *pgNode) ensureRole(ctx context.Context, role, attrs, password string) error {
	var exists bool
	if err := n.scalar(ctx, "select exists(select 1 from pg_roles where rolname = $1)", &exists, role); err != nil {
		return err
	}
	verb := "create"
	if exists {
		verb = "alter"
	}
	// identifiers and literals cannot be bind parameters in CREATE ROLE
	q := fmt.Sprintf("%s role %s with %s", verb, pgx.Identifier{role}.Sanitize(), attrs)
	secret := ""
	if password != "" {
		verifier, err := scramVerifier(password)
		if err != nil {
			return err
		}
		q += " password " + quoteLiteral(verifier)
		secret = verifier
	}
	if _, err := n.conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("postgres at %s: %s role %s: %w", n.addr, verb, role, redactErr(err, secret))
	}
	return nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// scramVerifier computes the SCRAM-SHA-256 verifier Postgres stores for a
// password (RFC 5802, RFC 7677), with 4096 iterations as Postgres does.
func scramVerifier(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	const iter = 4096
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, 32)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	serverKey := mac(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iter, b64(salt), b64(stored[:]), b64(serverKey)), nil
}

// ensureSlot creates the physical replication slot, reserving WAL from
// now on, unless it exists.
func (n *pgNode) ensureSlot(ctx context.Context, slot string) error {
	var exists bool
	if err := n.scalar(ctx, "select exists(select 1 from pg_replication_slots where slot_name = $1)", &exists, slot); err != nil {
		return err
	}
	if exists {
		return nil
	}
	return n.exec(ctx, "select pg_create_physical_replication_slot($1, true)", slot)
}

// dropSlot drops the slot when it exists, ending a walsender still using it.
func (n *pgNode) dropSlot(ctx context.Context, slot string) error {
	for {
		var active *int32
		err := n.conn.QueryRow(ctx, "select active_pid from pg_replication_slots where slot_name = $1", slot).Scan(&active)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("postgres at %s: reading slot %s: %w", n.addr, slot, err)
		}
		if active == nil {
			return n.exec(ctx, "select pg_drop_replication_slot($1)", slot)
		}
		if err := n.exec(ctx, "select pg_terminate_backend($1)", *active); err != nil {
			return err
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// fencedFresh checks default_transaction_read_only in a new session, as
// a client sees it.
func (n *pgNode) fencedFresh(ctx context.Context) (bool, error) {
	m, err := dialPostgres(ctx, n.addr, n.user, n.password, "postgres")
	if err != nil {
		return false, err
	}
	defer m.close()
	var s string
	if err := m.scalar(ctx, "show default_transaction_read_only", &s); err != nil {
		return false, err
	}
	return s == "on", nil
}

// hbaRefusesGroup says whether pg_hba.conf, as on disk now, starts with a
// valid line that refuses the members of group.
func (n *pgNode) hbaRefusesGroup(ctx context.Context, group string) (bool, error) {
	var c int
	err := n.scalar(ctx, `select count(*) from pg_hba_file_rules where error is null and auth_method = 'reject'
		and type = 'host' and 'all' = any(database) and $1 = any(user_name) and address = 'all'
		and line_number = (select min(line_number) from pg_hba_file_rules where type = 'host')`, &c, "+"+group)
	return c > 0, err
}

// clientBackends is the condition on pg_stat_activity of the sessions
// that may write: every backend but the server's own processes and
// physical replication, and but the caller's. A walsender connected to a
// database (replication=database, logical replication) runs plain SQL,
// writes included: it is a client like any other.
const clientBackends = `pid <> pg_backend_pid() and (backend_type not in ('autovacuum launcher', 'autovacuum worker',
	'logical replication launcher', 'background writer', 'checkpointer', 'walwriter', 'walsender', 'walreceiver',
	'startup', 'archiver', 'walsummarizer', 'slotsync worker', 'io worker')
	or backend_type = 'walsender' and datname is not null)`

// clientSessions describes the sessions that may write, other than the
// caller's, and the enabled subscriptions: a subscription's apply worker
// writes what its publisher sends, needs no login (pg_hba.conf does not
// apply to it), and the server starts it again seconds after it is ended,
// or once its publisher is back.
func (n *pgNode) clientSessions(ctx context.Context) ([]string, error) {
	rows, err := n.conn.Query(ctx, `select pid, coalesce(usename, ''), coalesce(application_name, ''),
		coalesce(host(client_addr), ''), backend_type from pg_stat_activity where `+clientBackends+` order by pid`)
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: reading pg_stat_activity: %w", n.addr, err)
	}
	sessions, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var pid int32
		var user, app, addr, kind string
		err := r.Scan(&pid, &user, &app, &addr, &kind)
		return pgDescribe(pid, user, app, addr, kind), err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: reading pg_stat_activity: %w", n.addr, err)
	}
	rows, err = n.conn.Query(ctx, `select format('subscription %I of database %I (its apply worker writes to this server: ALTER SUBSCRIPTION %I DISABLE)',
		s.subname, d.datname, s.subname) from pg_subscription s join pg_database d on d.oid = s.subdbid where s.subenabled order by 1`)
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: reading pg_subscription: %w", n.addr, err)
	}
	subs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: reading pg_subscription: %w", n.addr, err)
	}
	return append(sessions, subs...), nil
}

// fenceSessions grants group to every login role but the caller's, which
// pg_hba.conf then refuses, and ends every client session, again until no
// session remains and no login role is left out (a session may create a
// role, or log in, while the first round runs). timeout bounds it.
func (n *pgNode) fenceSessions(ctx context.Context, group string, timeout time.Duration) error {
	grant := fmt.Sprintf(`do $fence$ declare r record; begin
		for r in select rolname from pg_roles where rolcanlogin and rolname <> current_user
			and not exists (select 1 from pg_auth_members am where am.member = pg_roles.oid and am.roleid = %[1]s::regrole)
		loop execute format('grant %%I to %%I', %[1]s, r.rolname); end loop; end $fence$`, quoteLiteral(group))
	var left []string
	err := waitFor(ctx, timeout, func() (bool, error) {
		if err := n.exec(ctx, grant); err != nil {
			return false, err
		}
		if err := n.exec(ctx, "select pg_terminate_backend(pid, 5000) from pg_stat_activity where "+clientBackends); err != nil {
			return false, err
		}
		var err error
		if left, err = n.clientSessions(ctx); err != nil || len(left) > 0 {
			return false, err
		}
		open, err := n.unfencedLogins(ctx, group, n.user)
		left = open
		return len(open) == 0, err
	})
	if err != nil {
		return fmt.Errorf("postgres at %s: the fence did not close: %w (left: %s)", n.addr, err, strings.Join(left, "; "))
	}
	return nil
}

// unfencedLogins lists the login roles, but except, that are not members
// of group.
func (n *pgNode) unfencedLogins(ctx context.Context, group, except string) ([]string, error) {
	rows, err := n.conn.Query(ctx, `select 'login role ' || rolname from pg_roles r where rolcanlogin and rolname <> $2
		and not exists (select 1 from pg_auth_members am join pg_roles g on g.oid = am.roleid where am.member = r.oid and g.rolname = $1)
		order by 1`, group, except)
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: reading the roles: %w", n.addr, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// revokeAll lifts the fence: group is revoked from each of its members.
func (n *pgNode) revokeAll(ctx context.Context, group string) error {
	var exists bool
	if err := n.scalar(ctx, "select exists(select 1 from pg_roles where rolname = $1)", &exists, group); err != nil || !exists {
		return err
	}
	return n.exec(ctx, fmt.Sprintf(`do $unfence$ declare r record; begin
		for r in select m.rolname from pg_auth_members am join pg_roles m on m.oid = am.member where am.roleid = %[1]s::regrole
		loop execute format('revoke %%I from %%I', %[1]s, r.rolname); end loop; end $unfence$`, quoteLiteral(group)))
}

// dropRoles drops roles that exist (a group first: its memberships go
// with it).
func (n *pgNode) dropRoles(ctx context.Context, roles ...string) error {
	for _, r := range roles {
		if err := n.exec(ctx, "drop role if exists "+pgx.Identifier{r}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

// preparedXacts lists the prepared transactions by database.
func (n *pgNode) preparedXacts(ctx context.Context) (map[string][]string, error) {
	rows, err := n.conn.Query(ctx, "select database, gid from pg_prepared_xacts order by 1, 2")
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: reading pg_prepared_xacts: %w", n.addr, err)
	}
	out := map[string][]string{}
	pairs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var p [2]string
		return p, r.Scan(&p[0], &p[1])
	})
	for _, p := range pairs {
		out[p[0]] = append(out[p[0]], p[1])
	}
	return out, err
}

// fencePosition is the fence LSN, read once no client session remains:
// the WAL insert position, which every client's WAL is before. A marker
// transaction is committed behind it (flushed locally), so that the
// target's replay passes the position even when nothing else is written.
func (n *pgNode) fencePosition(ctx context.Context) (LSN, error) {
	var s string
	if err := n.scalar(ctx, "select pg_current_wal_insert_lsn()::text", &s); err != nil {
		return 0, err
	}
	lsn, err := ParseLSN(s)
	if err != nil {
		return 0, err
	}
	tx, err := n.conn.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres at %s: the marker transaction: %w", n.addr, err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{"set local synchronous_commit = local", "select pg_current_xact_id()"} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("postgres at %s: the marker transaction: %w", n.addr, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("postgres at %s: the marker transaction: %w", n.addr, err)
	}
	return lsn, nil
}

// promote ends recovery and waits for it.
func (n *pgNode) promote(ctx context.Context, wait time.Duration) error {
	rec, err := n.inRecovery(ctx)
	if err != nil || !rec {
		return err
	}
	var ok bool
	if err := n.scalar(ctx, "select pg_promote(true, $1)", &ok, int(wait.Seconds())); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("postgres at %s: pg_promote did not finish within %v", n.addr, wait)
	}
	return nil
}

// tableCounts counts the rows of every user table of every database:
// "db.schema.table" -> rows.
func tableCounts(ctx context.Context, addr, user, password string) (map[string]int64, error) {
	dbs, err := pgDatabases(ctx, addr, user, password)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, db := range dbs {
		d, err := dialPostgres(ctx, addr, user, password, db)
		if err != nil {
			return nil, err
		}
		rows, err := d.conn.Query(ctx, `select schemaname, tablename from pg_tables
			where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2`)
		var tables [][2]string
		if err == nil {
			tables, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
				var t [2]string
				return t, r.Scan(&t[0], &t[1])
			})
		}
		if err != nil {
			d.close()
			return nil, fmt.Errorf("postgres at %s: listing tables of %s: %w", addr, db, err)
		}
		for _, t := range tables {
			var c int64
			if err := d.scalar(ctx, "select count(*) from "+pgx.Identifier{t[0], t[1]}.Sanitize(), &c); err != nil {
				d.close()
				return nil, err
			}
			out[db+"."+t[0]+"."+t[1]] = c
		}
		d.close()
	}
	return out, nil
}

// compareCounts describes the differences of two table counts, or "".
func compareCounts(src, dst map[string]int64) string {
	var diffs []string
	for k, v := range src {
		if w, ok := dst[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows on the source, missing on the target", k, v))
		} else if w != v {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows on the source, %d on the target", k, v, w))
		}
	}
	for k, w := range dst {
		if _, ok := src[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows on the target, missing on the source", k, w))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}
