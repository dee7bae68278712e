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
	// keywords given here win over PG* environment variables
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s dbname=%s sslmode=prefer connect_timeout=5", host, port, database))
	if err != nil {
		return nil, err
	}
	cfg.User = user
	cfg.Password = password
	cfg.RuntimeParams["application_name"] = "safediff-migrate"
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

func (n *pgNode) reload(ctx context.Context) error {
	var ok bool
	return n.scalar(ctx, "select pg_reload_conf()", &ok)
}

// ensureReplicationRole creates or updates the replication role. The
// password is sent as a SCRAM-SHA-256 verifier, never in clear text, so
// it cannot end up in a statement log.
func (n *pgNode) ensureReplicationRole(ctx context.Context, user, password string) error {
	verifier, err := scramVerifier(password)
	if err != nil {
		return err
	}
	var exists bool
	if err := n.scalar(ctx, "select exists(select 1 from pg_roles where rolname = $1)", &exists, user); err != nil {
		return err
	}
	verb := "create"
	if exists {
		verb = "alter"
	}
	// identifiers and literals cannot be bind parameters in CREATE ROLE
	q := fmt.Sprintf("%s role %s with replication login password %s", verb, pgx.Identifier{user}.Sanitize(), quoteLiteral(verifier))
	if _, err := n.conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("postgres at %s: %s role %s: %w", n.addr, verb, user, redactErr(err, verifier))
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

// fence makes the server refuse writes: default_transaction_read_only on
// (ALTER SYSTEM, so it survives a restart), reloaded, and every client
// session ended, so no transaction that began before the fence commits
// after it. It returns the WAL position after which no client write can
// be: the position the target must reach.
func (n *pgNode) fence(ctx context.Context) (LSN, error) {
	if err := n.exec(ctx, "alter system set default_transaction_read_only = on"); err != nil {
		return 0, err
	}
	if err := n.reload(ctx); err != nil {
		return 0, err
	}
	// new sessions must see the fence before the old ones are ended
	if err := waitFor(ctx, 10*time.Second, func() (bool, error) { return n.fencedFresh(ctx) }); err != nil {
		return 0, fmt.Errorf("postgres at %s: the fence did not take effect: %w", n.addr, err)
	}
	if err := n.exec(ctx, `select pg_terminate_backend(pid) from pg_stat_activity
		where backend_type = 'client backend' and pid <> pg_backend_pid()`); err != nil {
		return 0, err
	}
	return n.currentLSN(ctx)
}

// fencedFresh checks the setting in a new session, as a client sees it.
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

// unfence lifts the fence.
func (n *pgNode) unfence(ctx context.Context) error {
	if err := n.exec(ctx, "set default_transaction_read_only = off"); err != nil {
		return err
	}
	if err := n.exec(ctx, "alter system reset default_transaction_read_only"); err != nil {
		return err
	}
	if err := n.reload(ctx); err != nil {
		return err
	}
	return waitFor(ctx, 10*time.Second, func() (bool, error) {
		on, err := n.fencedFresh(ctx)
		return !on, err
	})
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
	n, err := dialPostgres(ctx, addr, user, password, "postgres")
	if err != nil {
		return nil, err
	}
	rows, err := n.conn.Query(ctx, "select datname from pg_database where datallowconn and not datistemplate order by 1")
	var dbs []string
	if err == nil {
		dbs, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	n.close()
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: listing databases: %w", addr, err)
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
