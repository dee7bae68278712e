package e2e

import (
	"context"
	"fmt"
	"net"
	"testing"
)

// TestMigratePostgresReplicated moves a Postgres primary with two
// streaming replicas to a standby cluster (a standby leader streaming from
// the source's primary, two replicas cascading from it) while a writer
// keeps writing through the name. First a target replica whose replay is
// paused cannot catch up: the cut-over rolls back, the clients are back on
// the source, nothing is lost. Then the migration runs to its end. The
// runner is killed inside every step, before the failure up to
// wait-replica, after it the rest. At the end every acknowledged write is
// on the target once, every server of the source refuses the clients, and
// each target replica streams from the new primary on its new timeline
// (no rebuild), with every write.
func TestMigratePostgresReplicated(t *testing.T) {
	h := newHA(t, "replicated")
	h.catchUp = "5s"
	h.install()
	h.migrationFile()
	w := h.startWriter()
	srcStarts := h.podStatus("src").Starts
	ctx := context.Background()

	h.runKilledUntil("prepare-source")
	// the source's replicas replicate with the password they were made
	// with: another one is refused before it is set
	r := h.safediffEnv([]string{"TEST_REPLICATION_PASSWORD=another-one"}, "run", h.file, "--yes", "--until", "apply-source-config")
	wantExit(t, r, 1)
	wantIn(t, "another replication password", r.Stderr, "a password other than TEST_REPLICATION_PASSWORD's")
	h.runKilledUntil("wait-replica")
	lagging := h.pg(net.JoinHostPort(h.dstPods[2], "5432"))
	if _, err := lagging.Exec(ctx, "select pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	w.waitMore(30)
	r = h.safediff("run", h.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "did not catch up within 5s", "rolled back", "still a replica")
	if st := h.state(); st.Paused || st.Fenced || st.Promoted {
		t.Fatalf("after the rollback the state says paused %v fenced %v promoted %v", st.Paused, st.Fenced, st.Promoted)
	}
	w.waitMore(30)        // the clients are back on the source
	acked := w.snapshot() // before reading: the writer goes on
	checkContains(t, h.pgRecords(h.srcAddr()), acked)
	if _, err := lagging.Exec(ctx, "select pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	lagging.Close(ctx)

	h.runKilledAtEveryStep()
	st := h.state()
	if st.Finished == nil || !st.Promoted || st.Paused {
		t.Fatalf("state after the run: %+v", st)
	}
	w.waitMore(50)
	var byAddr map[string]int
	acked, byAddr = w.result()
	if byAddr[h.dstAddr()] < 50 || byAddr[h.srcAddr()] < 20 {
		t.Errorf("writes per address: %v (want writes to the source before and to the target after the cut-over)", byAddr)
	}
	checkRecords(t, h.pgRecords(h.dstAddr()), acked)

	// every server of the source refuses the clients
	for _, ip := range h.srcPods {
		if c, err := pgConnect(ctx, net.JoinHostPort(ip, "5432"), "postgres", pgPassword); !refusedByHBA(err) {
			if err == nil {
				c.Close(ctx)
			}
			t.Errorf("a client connecting to the source's %s after the cut-over: %v, want pg_hba.conf to refuse it", ip, err)
		}
	}
	if got := h.podStatus("src"); got.Starts != srcStarts || !got.Running {
		t.Errorf("the source's primary started %d times (was %d), running %v", got.Starts, srcStarts, got.Running)
	}
	// each target replica streams from the new primary, on its timeline,
	// with every write
	primary := h.pg(h.dstAddr())
	defer primary.Close(ctx)
	var tli int64
	if err := primary.QueryRow(ctx, "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint").Scan(&tli); err != nil {
		t.Fatal(err)
	}
	if tli < 2 {
		t.Errorf("the new primary is on timeline %d: it was not promoted", tli)
	}
	for _, ip := range h.dstPods[1:] {
		h.eventually(30e9, "replica "+ip+" has every write", func(ctx context.Context) error {
			c, err := pgConnect(ctx, net.JoinHostPort(ip, "5432"), "postgres", pgPassword)
			if err != nil {
				return err
			}
			defer c.Close(ctx)
			var status, sender string
			var rtli, rows int64
			if err := c.QueryRow(ctx, "select status, sender_host, received_tli from pg_stat_wal_receiver").Scan(&status, &sender, &rtli); err != nil {
				return err
			}
			if err := c.QueryRow(ctx, "select count(*) from records").Scan(&rows); err != nil {
				return err
			}
			if status != "streaming" || sender != h.dstIP || rtli != tli || rows != int64(len(acked)) {
				return fmt.Errorf("%s from %s on timeline %d, %d rows (want streaming from %s on %d, %d rows)", status, sender, rtli, rows, h.dstIP, tli, len(acked))
			}
			return nil
		})
	}
	for _, l := range h.outputs {
		h.logPause(l)
	}
	h.noSecrets()
	h.dump()
}
