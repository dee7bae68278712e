package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"

	"github.com/safediff/safediff/internal/testenv"
	"github.com/safediff/safediff/pkg/kubeapi"
)

// The tests of the fence, the content check, the pause and the lock. Each
// attacks a hole the runbook once had (issue: "Migrations that cannot lose
// a write").

// TestMigratePostgresFenceHolds: after the fence no session of any role
// can commit on the source, by any of the means that once got past it: a
// role whose settings turn default_transaction_read_only off, BEGIN READ
// WRITE, SET SESSION CHARACTERISTICS, the superuser (a transaction
// prepared before the fence fails it, and rolls back), a logical-replication walsender
// (replication=database runs plain SQL) opened before it, and a database
// whose search_path puts views named pg_roles and pg_stat_activity ahead
// of the catalogs, hiding a role from the fence and a session from it, and
// a login begun before the fence that finishes authenticating after it.
// The target then holds every acknowledged write exactly once, and none of
// those.
func TestMigratePostgresFenceHolds(t *testing.T) {
	m := newMig(t, "postgres", "pgfence")
	// a login has 20 s to authenticate: time for the one below to stall
	m.config = "config:\n  max_prepared_transactions: 10\n  authentication_timeout: 20s\n"
	m.install()
	ctx := context.Background()
	admin := m.pg(m.srcAddr())
	for _, q := range []string{
		"create role app login password 'app-Secret-1'",
		"alter role app set default_transaction_read_only = off",
		"grant insert, select on records to app",
		"grant usage on sequence records_id_seq to app",
		"create role cdc login replication password 'cdc-Secret-1'",
		"grant insert, select on records to cdc",
		"grant usage on sequence records_id_seq to cdc",
		// views that hide app from the fence's grants and cdc from its
		// sessions, ahead of the catalogs for every new session
		"create schema evil",
		"create view evil.pg_roles as select * from pg_catalog.pg_roles where rolname <> 'app'",
		"create view evil.pg_stat_activity as select * from pg_catalog.pg_stat_activity where usename is distinct from 'cdc'",
		"alter database postgres set search_path = evil, pg_catalog, public",
		// prepared before the fence: the fence refuses to go on while it
		// exists
		"begin", "insert into records (n) values (-100)", "prepare transaction 'before-the-fence'",
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	admin.Close(ctx)
	m.migrationFile()
	w := m.startWriter()

	// a prepared transaction fails the fence, which rolls back: it is
	// never rolled back (its manager may have committed what it belongs
	// to) nor carried over (its locks would hold the content check); its
	// manager commits it on the source, which takes writes again
	r := m.safediff("run", m.file, "--yes", "--until", "fence-source")
	wantExit(t, r, 1)
	wantIn(t, "prepared", r.Stderr, "has prepared transactions (postgres/before-the-fence)", "rolled back")
	admin = m.pg(m.srcAddr())
	if _, err := admin.Exec(ctx, "commit prepared 'before-the-fence'"); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)

	wantExit(t, m.safediff("run", m.file, "--yes", "--until", "pause-clients"), 0)
	// a CDC connector's session, opened after the pause: a walsender
	// connected to a database takes plain SQL
	wal, err := pgWalsender(ctx, m.srcAddr(), "cdc", "cdc-Secret-1")
	if err != nil {
		t.Fatal(err)
	}
	defer wal.Close(ctx)
	if _, err := wal.Exec(ctx, "select 1").ReadAll(); err != nil {
		t.Fatalf("the walsender session: %v", err)
	}
	// a login that passed pg_hba.conf before the fence and stalls in its
	// SCRAM exchange (a slow client): in no view until it has logged in
	slow := startStalledLogin(ctx, m.srcAddr(), "app", "app-Secret-1")
	<-slow.stalled
	fenced := make(chan testenv.Result)
	go func() { fenced <- m.safediff("run", m.file, "--yes", "--until", "fence-source") }()
	door, err := pgConnect(ctx, m.srcAddr(), "safediff_runner", runnerPassword(pgPassword, m.release+"-move"))
	if err != nil {
		t.Fatal(err)
	}
	for granted := false; !granted; time.Sleep(20 * time.Millisecond) {
		if err := door.QueryRow(ctx, "select pg_has_role('app', 'safediff_fenced', 'member')").Scan(&granted); err != nil {
			t.Fatal(err)
		}
	}
	door.Close(ctx)
	// it logs in once the fence has ended the sessions it sees, and writes
	time.Sleep(2 * time.Second)
	close(slow.release)
	<-slow.done
	slowAcked := false
	if slow.err == nil {
		_, err := slow.conn.Exec(ctx, "insert into records (n) values (-106)")
		slowAcked = err == nil
	}
	r = <-fenced
	wantExit(t, r, 0)
	wantIn(t, "fence", r.Stdout, "no client session remains")
	if !slowAcked {
		t.Logf("the stalled login did not get in (%v)", slow.err)
	} else if _, err := slow.conn.Exec(ctx, "insert into records (n) values (-107)"); err == nil {
		t.Errorf("a login begun before the fence got in after it and its session outlived the fence: the fenced source took the write")
	}
	if _, err := wal.Exec(ctx, "insert into records (n) values (-105)").ReadAll(); err == nil {
		t.Errorf("a walsender session (replication=database) opened before the fence: the fenced source took the write")
	}
	if st := m.state(); !st.Fenced {
		t.Fatalf("not fenced: %+v", st)
	}
	// every way in that once worked
	attempts := []struct {
		reason, user, password string
		stmts                  []string
	}{
		{"a role whose setting turns default_transaction_read_only off", "app", "app-Secret-1", []string{"insert into records (n) values (-101)"}},
		{"BEGIN READ WRITE", "postgres", pgPassword, []string{"begin read write", "insert into records (n) values (-102)", "commit"}},
		{"SET SESSION CHARACTERISTICS", "postgres", pgPassword, []string{"set session characteristics as transaction read write", "insert into records (n) values (-103)"}},
		{"another superuser session, switching read-only off", "postgres", pgPassword, []string{"set default_transaction_read_only = off", "insert into records (n) values (-104)"}},
	}
	for _, a := range attempts {
		c, err := pgConnect(ctx, m.srcAddr(), a.user, a.password)
		if err == nil {
			for _, q := range a.stmts {
				if _, err = c.Exec(ctx, q); err != nil {
					break
				}
			}
			c.Close(ctx)
			if err == nil {
				t.Errorf("%s: the fenced source took the write", a.reason)
			}
			continue
		}
		if !refusedByHBA(err) {
			t.Errorf("%s: %v, want the connection refused by pg_hba.conf", a.reason, err)
		}
	}
	r = m.safediff("run", m.file, "--yes")
	wantExit(t, r, 0)
	w.waitMore(30)
	acked, _ := w.result()
	if slowAcked {
		acked = append(acked, -106) // before the fence position: the target has it
	}
	stored := m.pgRecords(m.dstAddr())
	// -100 was committed before the fence; -101 … -104 and -107 are never
	// acknowledged: none may be there
	checkRecords(t, stored, append(acked, -100))
	m.noSecrets()
}

// pgWalsender opens a logical-replication walsender session
// (replication=database): its backend_type is walsender, and it runs plain
// SQL through the simple protocol.
func pgWalsender(ctx context.Context, addr, user, password string) (*pgconn.PgConn, error) {
	cfg, err := pgConfig(addr, user, password, "replication=database application_name=cdc")
	if err != nil {
		return nil, err
	}
	return pgconn.ConnectConfig(ctx, &cfg.Config)
}

// stateLog is the state's log as text.
func (m *mig) stateLog() string {
	var b strings.Builder
	for _, e := range m.state().Log {
		fmt.Fprintf(&b, "%s: %s\n", e.Step, e.What)
	}
	return b.String()
}

// runnerPassword is the password of the runner's own role on the source,
// as pkg/migrate derives it: the tests' back door into a fenced source.
func runnerPassword(superuserPassword, migration string) string {
	h := hmac.New(sha256.New, []byte(superuserPassword))
	h.Write([]byte("safediff migrate runner\x00" + migration))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// reloadedTo waits until a new session of the source sees
// authentication_timeout at want: the server has read its files again.
func reloadedTo(t *testing.T, m *mig, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := m.pg(m.srcAddr())
		var got string
		err := c.QueryRow(context.Background(), "show authentication_timeout").Scan(&got)
		c.Close(context.Background())
		switch {
		case err != nil:
			t.Fatal(err)
		case got == want:
			return
		case time.Now().After(deadline):
			t.Fatalf("authentication_timeout is %s 10 s after the reload, want %s", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMigratePostgresContentCheckRollsBack: a write that lands on the
// source between the catch-up and the promotion, and that the target does
// not have (its replay is paused), is found by the content check, which
// names the table and rolls back: the source takes writes again, the
// clients run. So are a sequence the target is behind on (one that counts
// down too, whose target is ahead below the source's value) and an unlogged
// sequence the source has used (not replicated: the target would hand its
// values out again). A client that does not pause, or an enabled
// subscription (its apply worker writes without a login, and starts again
// when ended), holds the pause until its timeout, which rolls back too;
// so do a database closed to connections (its tables cannot be read) and
// a template's unlogged table with rows. Then the migration finishes with
// every write on the target once.
func TestMigratePostgresContentCheckRollsBack(t *testing.T) {
	m := newMig(t, "postgres", "pgdiff")
	m.pauseWait = "3s"
	m.install()
	ctx := context.Background()
	admin := m.pg(m.srcAddr())
	for _, q := range []string{
		"create table audit (at text)", // no primary key
		"create unlogged sequence tickets", "select nextval('tickets')",
		// a sequence that counts down: the target logs ahead below it
		"create sequence countdown increment by -1", "select nextval('countdown') from generate_series(1, 5)",
		// a view never populated: it cannot be read, only its state compared
		"create materialized view report as select 1 as x with no data",
		// logins may take 12 s to authenticate, until the next reload
		// (apply-source-config's) makes it the chart's 5 s again
		"alter system set authentication_timeout = '12s'", "select pg_reload_conf()", "wait for the reload", "alter system reset authentication_timeout",
		// a publisher that is down: nothing to see in pg_stat_activity
		"create subscription feed connection 'host=127.0.0.1 port=1 dbname=postgres connect_timeout=1' publication p with (connect = false)",
		"alter subscription feed enable",
	} {
		if q == "wait for the reload" {
			// pg_reload_conf only signals the server, which reads the
			// files a moment later: the reset below must not be read
			// in the same reload
			reloadedTo(t, m, "12s")
			continue
		}
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	admin.Close(ctx)
	m.migrationFile()
	w := m.startWriter()
	// a login begun before that reload keeps its 12 s, while the fence
	// waits out the 5 s after it: apply-source-config waits out the 12 s
	start := time.Now()
	wantExit(t, m.safediff("run", m.file, "--yes", "--until", "apply-source-config"), 0)
	if took := time.Since(start); took < 12*time.Second {
		t.Errorf("apply-source-config shortened authentication_timeout from 12 s to 5 s and took %v: a login begun before it may outlast the fence's wait", took)
	}
	wantExit(t, m.safediff("run", m.file, "--yes", "--until", "wait-replica"), 0)

	// a session the pause does not end: the pause waits, then rolls back
	stray := m.pg(m.srcAddr())
	r := m.safediff("run", m.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "the source still sees client sessions 3s after the clients were paused", "postgres@",
		"subscription feed of database postgres", "rolled back")
	if st := m.state(); st.Paused || st.Fenced {
		t.Fatalf("after the pause timed out: %+v", st)
	}
	for _, q := range []string{"alter subscription feed disable", "alter subscription feed set (slot_name = none)", "drop subscription feed"} {
		if _, err := stray.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	stray.Close(ctx)
	w.waitMore(20) // the clients run again

	wantExit(t, m.safediff("run", m.file, "--yes", "--until", "wait-caught-up"), 0)
	tgt := m.pg(m.dstAddr())
	defer tgt.Close(ctx)
	if _, err := tgt.Exec(ctx, "select pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	// the back door: the runner's own role, which the fence lets in
	door, err := pgConnect(ctx, m.srcAddr(), "safediff_runner", runnerPassword(pgPassword, m.release+"-move"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"insert into audit values ('after the fence')", "select setval('records_id_seq', nextval('records_id_seq') + 1000)",
		"select nextval('countdown') from generate_series(1, 100)"} {
		if _, err := door.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	door.Close(ctx)
	r = m.safediff("run", m.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stdout", r.Stdout, "differs: postgres.public.audit: 1 rows on the source, 0 on the target", "note: postgres.public.audit has no primary key",
		"differs: postgres.public.records_id_seq: a sequence at", "differs: postgres.public.tickets is an UNLOGGED sequence at 1 on the source",
		"differs: postgres.public.countdown: a sequence at -105 on the source, behind it on the target")
	wantIn(t, "stderr", r.Stderr, "content differs", "postgres.public.audit", "rolled back")
	if st := m.state(); st.Paused || st.Fenced || st.Promoted {
		t.Fatalf("after the rollback: %+v", st)
	}
	w.waitMore(20) // on the source again
	if _, err := tgt.Exec(ctx, "select pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	admin = m.pg(m.srcAddr())
	for _, q := range []string{"alter sequence tickets set logged",
		// a database closed to connections cannot be read: an error
		"create database archive", "alter database archive allow_connections false",
		// a template is a database like another: its unlogged rows are
		// not replicated
		"create database seeds",
		// a name that, put into a connection string, would send the
		// runner's password elsewhere: read as the name it is
		`create database "odd host=127.0.0.1 port=1"`} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	admin.Close(ctx)
	const odd = "odd host=127.0.0.1 port=1"
	execIn := func(db string, stmts ...string) {
		t.Helper()
		cfg, err := pgConfig(m.srcAddr(), "postgres", pgPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Database = db
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		for _, q := range stmts {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Fatalf("%s: %s: %v", db, q, err)
			}
		}
	}
	execIn("seeds", "create unlogged table seed (n int)", "insert into seed values (1)", "alter database seeds is_template true")
	execIn(odd, "create unlogged table u (n int)", "insert into u values (1)")
	r = m.safediff("run", m.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, `the database "archive" does not allow connections, so its tables cannot be checked`, "rolled back")
	admin = m.pg(m.srcAddr())
	if _, err := admin.Exec(ctx, "drop database archive"); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)
	r = m.safediff("run", m.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stdout", r.Stdout, "differs: seeds.public.seed is UNLOGGED and has 1 rows on the source", "differs: odd host=127.0.0.1 port=1.public.u is UNLOGGED and has 1 rows on the source")
	wantIn(t, "stderr", r.Stderr, "rolled back")
	execIn("seeds", "truncate seed")
	execIn(odd, "truncate u")
	wantExit(t, m.safediff("run", m.file, "--yes"), 0)
	w.waitMore(30)
	acked, _ := w.result()
	checkRecords(t, m.pgRecords(m.dstAddr()), acked)
	m.noSecrets()
}

// TestMigrateRedisFenceSurvivesRestart: the fenced source refuses plain
// writes, MULTI/EXEC and scripts, and is still fenced after its server
// restarts; restarted, it is on another replication stream than the
// fence's, and the target is never caught up with it: rolled back. A key written on the target behind the runbook's back is
// named by the content check, which rolls back. Two runners with their own
// state files never run at once: the second is refused by the Lease, with
// who holds it; a Lease of a runner elsewhere is taken over only once it
// expires.
func TestMigrateRedisFenceSurvivesRestart(t *testing.T) {
	m := newMig(t, "redis", "rdfence")
	m.install()
	m.migrationFile()
	ctx := context.Background()
	// a job queue with a job delivered and not acknowledged, and a
	// HyperLogLog, whose count a read caches on the server that reads it
	src := m.redis(m.srcAddr())
	for _, c := range [][]any{
		{"XADD", "jobs", "1-1", "job", "a"}, {"XADD", "jobs", "2-1", "job", "b"},
		{"XGROUP", "CREATE", "jobs", "workers", "0"},
		{"XREADGROUP", "GROUP", "workers", "w1", "COUNT", "1", "STREAMS", "jobs", ">"},
		{"XGROUP", "CREATECONSUMER", "jobs", "workers", "w2"},
		{"PFADD", "visitors", "a", "b", "c"},
	} {
		if err := src.Do(ctx, c...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	src.Close() // the pause waits until the source sees no session
	w := m.startWriter()

	// a second runner, with its own state file, while the first runs
	first := exec.Command(migration.safediff, "migrate", "run", m.file, "--yes", "--until", "wait-replica")
	first.Env = m.env()
	var firstOut strings.Builder
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(m.stateLog(), "install-target: started"); {
		if time.Now().After(deadline) {
			t.Fatalf("the first runner did not get to install-target:\n%s", firstOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	second := m.safediff("run", m.file, "--yes", "--state", filepath.Join(m.dir, "other.state.json"))
	wantExit(t, second, 1)
	wantIn(t, "second runner", second.Stderr, "the migration is locked by ", "(pid ", ") since ", "lease src/rdfence/safediff-migrate-sessions-move")
	if err := first.Wait(); err != nil {
		t.Fatalf("the first runner: %v\n%s", err, firstOut.String())
	}
	m.outputs = append(m.outputs, firstOut.String())

	// a runner elsewhere holds the lock and stops renewing it
	kc, err := kubeapi.Load([]string{migration.kubeconfig}, "dst")
	if err != nil {
		t.Fatal(err)
	}
	api, err := kc.Client()
	if err != nil {
		t.Fatal(err)
	}
	leasePath := kubeapi.Path("coordination.k8s.io", "v1", m.ns, "leases", "safediff-migrate-sessions-move")
	var lease map[string]any
	if err := api.Get(ctx, leasePath, &lease); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00")
	lease["spec"] = map[string]any{"holderIdentity": "ops@elsewhere/4242/1/x", "leaseDurationSeconds": 4, "acquireTime": now, "renewTime": now}
	if err := api.Update(ctx, leasePath, lease, nil); err != nil {
		t.Fatal(err)
	}
	r := m.safediff("run", m.file, "--yes", "--until", "pause-clients")
	wantExit(t, r, 1)
	wantIn(t, "held elsewhere", r.Stderr, "locked by ops@elsewhere (pid 4242)", "lease dst/rdfence/safediff-migrate-sessions-move")
	time.Sleep(4 * time.Second)
	r = m.safediff("run", m.file, "--yes", "--until", "fence-source")
	wantExit(t, r, 0)
	wantIn(t, "after the expiry", r.Stdout, "taking over the lock of dst/rdfence from ops@elsewhere (pid 4242) (expired)")

	// fenced: every kind of write is refused
	refused := func(when string) {
		t.Helper()
		src := m.redis(m.srcAddr()) // closed again: the pause waits for every client
		defer src.Close()
		if err := src.Set(ctx, "k", "v", 0).Err(); err == nil || !strings.Contains(err.Error(), "NOREPLICAS") {
			t.Errorf("%s: SET: %v, want NOREPLICAS", when, err)
		}
		_, err := src.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "k", "v", 0)
			p.Incr(ctx, "n")
			return nil
		})
		if err == nil || !(strings.Contains(err.Error(), "EXECABORT") || strings.Contains(err.Error(), "NOREPLICAS")) {
			t.Errorf("%s: MULTI/EXEC: %v, want EXECABORT or NOREPLICAS", when, err)
		}
		if err := src.Eval(ctx, "return redis.call('rpush', KEYS[1], '-1')", []string{"records"}).Err(); err == nil || !strings.Contains(err.Error(), "NOREPLICAS") {
			t.Errorf("%s: EVAL: %v, want NOREPLICAS", when, err)
		}
	}
	refused("after the fence")
	// the source's server is killed; the node agent starts it again
	before := m.podStatus("src")
	if err := syscall.Kill(-before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		st := m.podStatus("src")
		if st.Running && st.Starts > before.Starts && m.ping(m.srcAddr()) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the source did not come back: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	refused("after a restart of the source")
	// restarted, the source started another replication stream: what it
	// held at the fence may be gone (without persistence, all of it), and
	// the target follows it. The target is never caught up with another
	// stream than the fence's: the cut-over rolls back, and a run fences
	// anew
	r = m.safediff("run", m.file, "--yes", "--until", "wait-caught-up")
	wantExit(t, r, 1)
	wantIn(t, "restarted", r.Stderr, "is not on the fence's replication stream any more", "rolled back")
	wantExit(t, m.safediff("run", m.file, "--yes", "--until", "fence-source"), 0)

	// min-replicas-max-lag 0 turns the replicas' check off: the source
	// takes writes again, and is not fenced whatever min-replicas-to-write
	// says
	lag := m.redis(m.srcAddr())
	if err := lag.ConfigSet(ctx, "min-replicas-max-lag", "0").Err(); err != nil {
		t.Fatal(err)
	}
	lag.Close()
	r = m.safediff("run", m.file, "--yes", "--until", "wait-caught-up")
	wantExit(t, r, 1)
	wantIn(t, "max-lag 0", r.Stderr, "is not fenced any more")
	lag = m.redis(m.srcAddr())
	if err := lag.ConfigSet(ctx, "min-replicas-max-lag", "10").Err(); err != nil {
		t.Fatal(err)
	}
	lag.Close()

	// a key on the target that the source does not have, and a pending
	// job the target delivered once more (the same pending jobs, owners
	// and consumers: only its delivery count differs): named, rolled back
	wantExit(t, m.safediff("run", m.file, "--yes", "--until", "wait-caught-up"), 0)
	tgt := m.redis(m.dstAddr()) // the target's clients do not hold the pause
	defer tgt.Close()
	for _, c := range [][]any{{"CONFIG", "SET", "replica-read-only", "no"}, {"SET", "stray", "x"}, {"XCLAIM", "jobs", "workers", "w1", "0", "1-1"}, {"CONFIG", "SET", "replica-read-only", "yes"}} {
		if err := tgt.Do(ctx, c...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	r = m.safediff("run", m.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stdout", r.Stdout, `differs: db0 key "stray": on the target, missing on the source`, `differs: db0 key "jobs": its value differs`)
	wantIn(t, "stderr", r.Stderr, "content differs", "rolled back")
	if st := m.state(); st.Paused || st.Fenced {
		t.Fatalf("after the rollback: %+v", st)
	}
	src = m.redis(m.srcAddr())
	if err := src.RPush(ctx, "unfenced", 1).Err(); err != nil {
		t.Errorf("the source is still fenced after the rollback: %v", err)
	}
	// the stream the target diverged on goes on both
	if err := src.Del(ctx, "unfenced", "jobs").Err(); err != nil {
		t.Fatal(err)
	}
	src.Close()
	w.waitMore(20)
	for _, c := range [][]any{{"CONFIG", "SET", "replica-read-only", "no"}, {"DEL", "stray"}, {"CONFIG", "SET", "replica-read-only", "yes"}} {
		if err := tgt.Do(ctx, c...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// a target promoted by hand is never "caught up": the cut-over rolls back
	if err := tgt.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	r = m.safediff("run", m.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "is a master, not a replica any more, and this migration did not promote it", "rolled back")
	if st := m.state(); st.Promoted || st.Fenced || st.Paused {
		t.Fatalf("after a promotion by hand: %+v", st)
	}
	if err := tgt.Do(ctx, "REPLICAOF", m.srcIP, "6379").Err(); err != nil {
		t.Fatal(err)
	}
	w.waitMore(20)
	// a read of the HyperLogLog on the target caches its count there (once
	// the target has synced again: a full sync would replace it)
	for deadline := time.Now().Add(30 * time.Second); ; {
		info, err := tgt.Info(ctx, "replication").Result()
		if err == nil && strings.Contains(info, "master_link_status:up") && strings.Contains(info, "master_sync_in_progress:0") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the target does not replicate again: %v\n%s", err, info)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := tgt.PFCount(ctx, "visitors").Err(); err != nil {
		t.Fatal(err)
	}
	wantExit(t, m.safediff("run", m.file, "--yes"), 0)
	w.waitMore(30)
	acked, _ := w.result()
	checkRecords(t, m.redisRecords(m.dstAddr()), acked)

	// delete-source asks the target too: a fenced target is not the
	// writable primary, whatever the state file says
	if err := tgt.ConfigSet(ctx, "min-replicas-to-write", "1000000").Err(); err != nil {
		t.Fatal(err)
	}
	r = m.safediff("delete-source", m.file)
	wantExit(t, r, 1)
	wantIn(t, "delete-source", r.Stderr, "not the writable primary")
	if err := tgt.ConfigSet(ctx, "min-replicas-to-write", "0").Err(); err != nil {
		t.Fatal(err)
	}

	// abort without the state file asks the servers: the target is promoted
	state := filepath.Join(m.dir, "migration.state.json")
	if err := os.Rename(state, state+".away"); err != nil {
		t.Fatal(err)
	}
	r = m.safediff("abort", m.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "abort without a state", r.Stderr, "is a primary, not a replica: it was promoted")
	if n := m.history("dst", m.release); n == 0 {
		t.Error("abort uninstalled the promoted target")
	}
	if err := os.Rename(state+".away", state); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	m.noSecrets()
}

// stalledLogin is a login that stops after the server has checked
// pg_hba.conf (it sends the startup message, reads the server's SCRAM
// offer) and goes on when released, as a slow client does.
type stalledLogin struct {
	stalled, release, done chan struct{}
	stallOnce              sync.Once
	conn                   *pgx.Conn
	err                    error
}

func startStalledLogin(ctx context.Context, addr, user, password string) *stalledLogin {
	s := &stalledLogin{stalled: make(chan struct{}), release: make(chan struct{}), done: make(chan struct{})}
	cfg, err := pgConfig(addr, user, password, "")
	if err != nil {
		s.err = err
		s.stallOnce.Do(func() { close(s.stalled) })
		close(s.done)
		return s
	}
	cfg.ConnectTimeout = 0
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &stallConn{Conn: c, s: s}, nil
	}
	go func() {
		defer close(s.done)
		s.conn, s.err = pgx.ConnectConfig(ctx, cfg)
		s.stallOnce.Do(func() { close(s.stalled) }) // it failed before
	}()
	return s
}

// stallConn holds the login's second message (its SCRAM answer) until
// released.
type stallConn struct {
	net.Conn
	s      *stalledLogin
	writes int
}

func (c *stallConn) Write(b []byte) (int, error) {
	if c.writes++; c.writes == 2 {
		c.s.stallOnce.Do(func() { close(c.s.stalled) })
		<-c.s.release
	}
	return c.Conn.Write(b)
}
