package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestMigrateRedisSentinel moves a Redis master with a replica, watched by
// three Sentinels, to a new master with a replica and three Sentinels of
// its own, while a Sentinel-aware writer (go-redis's failover client,
// which asks the Sentinels behind the endpoint's name for the master)
// keeps writing. First the target's replica stalls (its server stopped)
// and cannot catch up: the cut-over rolls back, the source's Sentinels
// watch their master again and the writer is back on the source. The
// runner is killed inside every step: up to wait-replica before the
// failure, the rest after it. At the end every acknowledged write is on the target once, the source's
// servers refuse writes and its Sentinels watch nothing, the target's
// replica streams from the new master, and the target's Sentinels, started
// after the promotion, name the new master.
func TestMigrateRedisSentinel(t *testing.T) {
	h := newHA(t, "sentinel")
	h.catchUp = "5s"
	h.install()
	h.migrationFile()
	w := h.startWriter()
	ctx := context.Background()

	h.runKilledUntil("wait-replica")
	// the source's Sentinels see the target's master as one more replica
	// of theirs: none may ever pick it, nor its replica
	for _, ip := range h.dstPods {
		c := h.redis(net.JoinHostPort(ip, "6379"))
		if p, err := c.ConfigGet(ctx, "replica-priority").Result(); err != nil || p["replica-priority"] != "0" {
			t.Errorf("the target's %s has replica-priority %v (%v), want 0 until the promotion", ip, p, err)
		}
		c.Close()
	}
	// a source replica that takes writes (replica-read-only no): a
	// replica checks no min-replicas, so the fence makes it read-only,
	// and a rollback as it was
	writable := h.redis(net.JoinHostPort(h.srcPods[1], "6379"))
	if err := writable.ConfigSet(ctx, "replica-read-only", "no").Err(); err != nil {
		t.Fatal(err)
	}
	writable.Close() // the pause waits until the source sees no session
	cont := stopPod(t, "dst", h.ns, h.release+"-redis-1")
	defer cont()
	w.waitMore(30)
	r := h.safediff("run", h.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "within 5s", "rolled back", "still a replica")
	if st := h.state(); st.Paused || st.Fenced || st.Promoted {
		t.Fatalf("after the rollback the state says paused %v fenced %v promoted %v", st.Paused, st.Fenced, st.Promoted)
	}
	writable = h.redis(net.JoinHostPort(h.srcPods[1], "6379"))
	if ro, err := writable.ConfigGet(ctx, "replica-read-only").Result(); err != nil || ro["replica-read-only"] != "no" {
		t.Errorf("after the rollback the source's replica has replica-read-only %v (%v), want no, as before the fence", ro, err)
	}
	writable.Close()
	cont()
	w.waitMore(30)        // through the source's Sentinels, to the source
	acked := w.snapshot() // before reading: the writer goes on
	checkContains(t, h.redisRecords(h.srcAddr()), acked)

	// a Sentinel of the source that does not answer at the fence: the
	// fence checks every Sentinel before any forgets the master, and rolls
	// back: the master is not fenced, every Sentinel watches it, and the
	// clients were resumed
	contSentinel := stopPod(t, "src", h.ns, h.release+"-redis-sentinel-2")
	r = h.safediff("run", h.file, "--yes")
	contSentinel()
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "the fence failed", "rolled back")
	if st := h.state(); st.Paused || st.Fenced || st.Promoted {
		t.Fatalf("after the failed fence the state says paused %v fenced %v promoted %v", st.Paused, st.Fenced, st.Promoted)
	}
	for _, ip := range h.srcSentinels {
		s := redis.NewSentinelClient(&redis.Options{Addr: net.JoinHostPort(ip, "26379")})
		if _, err := s.Master(ctx, h.release).Result(); err != nil {
			t.Errorf("after the failed fence the source's Sentinel %s does not watch %s: %v", ip, h.release, err)
		}
		s.Close()
	}
	w.waitMore(20) // to the source again
	// a Sentinel outside source.sentinels that watches the source under
	// another master name: it would turn the promoted target back into a
	// replica of the source. The fence refuses, and rolls back
	stray := straySentinel(t, net.JoinHostPort(h.srcPods[0], "6379"), redisPass)
	r = h.safediff("run", h.file, "--yes")
	stray()
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "a Sentinel that is not in source.sentinels is connected to the source", "rolled back")
	w.waitMore(20)
	h.runKilledAtEveryStep()
	w.waitMore(50)
	var bySentinel map[string]int
	acked, bySentinel = w.result()
	srcS, dstS := net.JoinHostPort(h.srcSentinels[0], "26379"), net.JoinHostPort(h.dstSentinels[0], "26379")
	if bySentinel[srcS] < 20 || bySentinel[dstS] < 50 {
		t.Errorf("writes per Sentinel asked: %v (want the source's before and the target's after the cut-over)", bySentinel)
	}
	checkRecords(t, h.redisRecords(h.dstAddr()), acked)

	// the source refuses writes, its writable replica too; its Sentinels
	// watch nothing
	for _, ip := range h.srcPods {
		c := h.redis(net.JoinHostPort(ip, "6379"))
		if err := c.RPush(ctx, "records", -1).Err(); err == nil || !(strings.Contains(err.Error(), "NOREPLICAS") || strings.Contains(err.Error(), "READONLY")) {
			t.Errorf("a write to the source's %s after the cut-over: %v, want it refused", ip, err)
		}
		c.Close()
	}
	for _, ip := range h.srcSentinels {
		s := redis.NewSentinelClient(&redis.Options{Addr: net.JoinHostPort(ip, "26379")})
		if m, err := s.Master(ctx, h.release).Result(); err == nil || !strings.Contains(err.Error(), "No such master") {
			t.Errorf("the source's Sentinel %s still watches %s: %v %v", ip, h.release, m, err)
		}
		s.Close()
	}
	// the target's Sentinels name the new master, with its replica; the
	// replica streams from it, with every write
	for _, ip := range h.dstSentinels {
		s := redis.NewSentinelClient(&redis.Options{Addr: net.JoinHostPort(ip, "26379")})
		m, err := s.Master(ctx, h.release).Result()
		s.Close()
		if err != nil || m["ip"] != h.dstIP || m["flags"] != "master" || m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
			t.Errorf("the target's Sentinel %s: %v %v", ip, m, err)
		}
	}
	h.eventually(30e9, "the target's replica has every write", func(ctx context.Context) error {
		c := h.redis(net.JoinHostPort(h.dstPods[1], "6379"))
		defer c.Close()
		info, err := c.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		n, err := c.LLen(ctx, "records").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_host:"+h.dstIP+"\r") || !strings.Contains(info, "master_link_status:up") || n != int64(len(acked)) {
			return fmt.Errorf("%d records; %s", n, strings.ReplaceAll(info, "\r\n", " "))
		}
		return nil
	})
	// the source's replica, promoted by hand after the cut-over, refuses
	// writes too: it was fenced with its master
	c := h.redis(net.JoinHostPort(h.srcPods[1], "6379"))
	if err := c.ReplicaOf(ctx, "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.RPush(ctx, "records", -1).Err(); err == nil || !strings.Contains(err.Error(), "NOREPLICAS") {
		t.Errorf("a write to the source's replica %s, promoted by hand after the cut-over: %v, want it refused (NOREPLICAS)", h.srcPods[1], err)
	}
	c.Close()
	for _, l := range h.outputs {
		h.logPause(l)
	}
	h.noSecrets()
	h.dump()
}

// stopPod stops a pod's process (SIGSTOP) and returns what lets it go on,
// once (SIGCONT).
func stopPod(t *testing.T, cluster, ns, name string) func() {
	t.Helper()
	p, _ := migration.kl.Pod(cluster, ns, name)
	if !p.Running {
		t.Fatalf("%s/%s/%s does not run: %+v", cluster, ns, name, p)
	}
	if err := syscall.Kill(p.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	return func() {
		if stopped {
			if err := syscall.Kill(p.PID, syscall.SIGCONT); err != nil {
				t.Error(err)
			}
			stopped = false
		}
	}
}

// straySentinel starts a Sentinel on 127.0.0.1 that watches master under
// the name "other", waits until master sees it, and returns what stops it
// (by its PID).
func straySentinel(t *testing.T, master, password string) func() {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: master, Password: password, Protocol: 2})
	defer c.Close()
	ids := func() map[string]bool {
		out := map[string]bool{}
		list, err := c.ClientList(context.Background()).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Fields(list) {
			if name, ok := strings.CutPrefix(f, "name=sentinel-"); ok {
				id, _, _ := strings.Cut(name, "-")
				out[id] = true
			}
		}
		return out
	}
	before := ids()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	host, mport, _ := net.SplitHostPort(master)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("bind 127.0.0.1\nport %d\ndir %s\nsentinel monitor other %s %s 1\nsentinel auth-pass other %s\n", port, dir, host, mport, password)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		for id := range ids() {
			if !before[id] {
				return stop
			}
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatal("the stray Sentinel did not connect to the source")
		}
	}
}
