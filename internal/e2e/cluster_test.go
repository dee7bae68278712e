package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// TestMigrateRedisCluster moves a Redis Cluster of three shards (a master
// and a replica each) to a target of three shards, one shard at a time,
// while a cluster-aware writer (go-redis's cluster client, following
// MOVED) keeps writing records spread over 1,024 keys in every shard, and
// is never paused. No target node may move to another shard by replica
// migration until the end, even one that allowed it before it joined.
// First shard 1's failover cannot complete (the masters
// that must vote for it stall): the shard rolls back, its source master
// takes writes again, nothing is lost. The runner is killed inside every
// step: up to compare-data-shard-1 before the failure, the rest after it
// (shard 1's steps again). At the end every acknowledged
// write is on the target once, all 16,384 slots are served by target
// nodes only, each target replica streams from its shard's new master,
// and the source's nodes are gone.
func TestMigrateRedisCluster(t *testing.T) {
	h := newHA(t, "cluster")
	h.catchUp = "3s"
	h.install()
	h.migrationFile()
	w := h.startWriter()
	ctx := context.Background()

	// the target's nodes run as their chart says until join-target; one
	// that allows replica migration (another chart, a node that restarted
	// on an older configuration) must be made to stay in its shard by the
	// join itself
	h.runKilledUntil("install-target")
	h.eventually(time.Minute, "every target node allows replica migration", func(ctx context.Context) error {
		for _, ip := range h.dstPods {
			c := h.redis(net.JoinHostPort(ip, "6379"))
			err := c.ConfigSet(ctx, "cluster-allow-replica-migration", "yes").Err()
			c.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
	h.runKilledUntil("compare-data-shard-1")
	config := func(ip, key string) string {
		c := h.redis(net.JoinHostPort(ip, "6379"))
		defer c.Close()
		v, err := c.ConfigGet(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return v[key]
	}
	for _, ip := range h.dstPods {
		if v := config(ip, "cluster-replica-no-failover"); v != "yes" {
			t.Errorf("the target node %s has cluster-replica-no-failover %q before its shard moved: an automatic failover could hand it the shard", ip, v)
		}
		if v := config(ip, "cluster-allow-replica-migration"); v != "no" {
			t.Errorf("the target node %s has cluster-allow-replica-migration %q during the migration: a master that looks orphaned for a moment could draw it away from its shard", ip, v)
		}
	}
	// the failover step first waits, at most the catch-up timeout (3 s
	// here), until shard 1's master sees its taker as its replica over a
	// connected cluster bus link; a loaded machine can be slower to bring a
	// link up again, and the step would then be refused for that, not for
	// the votes this part is about: wait for the link here first
	h.eventually(time.Minute, "shard 1's master sees its taker as a connected replica", func(ctx context.Context) error {
		c := h.redis(net.JoinHostPort(h.srcPods[0], "6379"))
		defer c.Close()
		nodes, err := c.ClusterNodes(ctx).Result()
		if err != nil {
			return err
		}
		self, taker := "", []string(nil)
		for _, l := range strings.Split(nodes, "\n") {
			f := strings.Fields(l)
			switch {
			case len(f) < 8:
			case strings.Contains(f[2], "myself"):
				self = f[0]
			case strings.HasPrefix(f[1], net.JoinHostPort(h.dstPods[0], "6379")+"@"):
				taker = f
			}
		}
		if taker == nil || taker[3] != self || taker[7] != "connected" || slices.ContainsFunc(strings.Split(taker[2], ","), func(flag string) bool { return strings.HasPrefix(flag, "fail") }) {
			return fmt.Errorf("its view of the taker: %q", taker)
		}
		return nil
	})
	// the masters of shards 2 and 3 stall for 12 s (below the cluster's
	// node timeout of 15 s: nobody fails them over), so shard 1's failover
	// gets one vote of the three it needs two of, and Redis gives it up
	// after 5 s
	var sleepers sync.WaitGroup
	for _, ip := range h.srcPods[1:3] {
		sleepers.Add(1)
		go func() {
			defer sleepers.Done()
			c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(ip, "6379"), Password: redisPass, ReadTimeout: 30 * time.Second})
			defer c.Close()
			if err := c.Do(ctx, "DEBUG", "SLEEP", "12").Err(); err != nil {
				t.Errorf("DEBUG SLEEP on %s: %v", ip, err)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	r := h.safediff("run", h.file, "--yes", "--until", "failover-shard-1")
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "shard 1: the failover to "+net.JoinHostPort(h.dstPods[0], "6379")+" did not complete", "rolled back", "shard 1's source master takes writes again")
	st := h.state()
	if _, ok := st.Done["fence-shard-1"]; ok || len(st.Shards) == 0 || st.Shards[0].Fenced || st.Shards[0].Promoted {
		t.Fatalf("after the rollback: done %v, shards %+v", st.Done, st.Shards)
	}
	sleepers.Wait()
	w.waitMore(30)
	acked := w.snapshot() // before reading: the writer goes on
	checkContains(t, h.clusterRecords(h.srcPods), acked)

	h.runKilledAtEveryStep()
	w.waitMore(100)
	acked, _ = w.result()
	checkRecords(t, h.clusterRecords(h.dstPods), acked)

	for _, ip := range h.dstPods {
		if v := config(ip, "cluster-replica-no-failover"); v != "no" {
			t.Errorf("the target node %s has cluster-replica-no-failover %q after the migration: its shard cannot fail over", ip, v)
		}
		if v := config(ip, "cluster-allow-replica-migration"); v != "yes" {
			t.Errorf("the target node %s has cluster-allow-replica-migration %q after the migration: Redis's default is back once verify has passed", ip, v)
		}
	}
	// every slot is served by target nodes only, in the view of each
	dst := map[string]bool{}
	for _, a := range addrs(h.dstPods, 6379) {
		dst[a] = true
	}
	ids := map[string]string{} // node id -> address
	for _, ip := range h.dstPods {
		c := h.redis(net.JoinHostPort(ip, "6379"))
		slots, err := c.ClusterSlots(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		served := 0
		for _, s := range slots {
			served += s.End - s.Start + 1
			for _, n := range s.Nodes {
				if !dst[n.Addr] {
					t.Errorf("in the view of %s, slots %d-%d are served by %s, not a target node", ip, s.Start, s.End, n.Addr)
				}
				ids[n.ID] = n.Addr
			}
		}
		if served != 16384 {
			t.Errorf("in the view of %s, %d slots are served", ip, served)
		}
		c.Close()
	}
	// each target replica streams from its shard's new master
	for i, ip := range h.dstPods[3:] {
		c := h.redis(net.JoinHostPort(ip, "6379"))
		nodes, err := c.ClusterNodes(ctx).Result()
		info, err2 := c.Info(ctx, "replication").Result()
		c.Close()
		if err != nil || err2 != nil {
			t.Fatal(err, err2)
		}
		master := ""
		for _, l := range strings.Split(nodes, "\n") {
			if f := strings.Fields(l); len(f) > 3 && strings.Contains(f[2], "myself") {
				master = ids[f[3]]
			}
		}
		if want := net.JoinHostPort(h.dstPods[i], "6379"); master != want || !strings.Contains(info, "master_link_status:up") {
			t.Errorf("the target replica %s follows %q (want %s): %s", ip, master, want, strings.ReplaceAll(info, "\r\n", " "))
		}
	}
	// the source's nodes are gone; the name leads to the target's
	for _, a := range addrs(h.srcPods, 6379) {
		if c, err := net.DialTimeout("tcp", a, 2*time.Second); err == nil {
			c.Close()
			t.Errorf("the source node %s still answers", a)
		}
	}
	// no abort once a shard failed over, with or without the state file
	r = h.safediff("abort", h.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "abort", r.Stderr, "the target was promoted", "shard 1 failed over to the target")
	r = h.safediff("abort", h.file, "--yes", "--state", h.dir+"/elsewhere.state.json")
	wantExit(t, r, 1)
	wantIn(t, "abort without a state", r.Stderr, "is a primary, not a replica: it was promoted")
	res := newResolver(migration.src, h.ns, h.release+"-endpoint", h.dns())
	if a, err := res.resolve(ctx); err != nil || a != net.JoinHostPort(h.dstIP, "6379") {
		t.Errorf("the name resolves to %s (%v), want the target", a, err)
	}
	for i, d := range h.pauseWindows() {
		t.Logf("shard %d refused writes for %v (fence to failover)", i+1, d.Round(time.Millisecond))
	}
	h.noSecrets()
	h.dump()
}

// TestMigrateRedisClusterAbort: a slot left open by a reshard is refused
// by check-source, and one opened after a shard's fence rolls its
// cut-over back. Abort while a shard is fenced, before any failover,
// returns the cluster to what it was: the shard's master takes writes
// again, the source's nodes forget the target's, the target is
// uninstalled, and the writer, which never stopped, lost nothing.
func TestMigrateRedisClusterAbort(t *testing.T) {
	h := newHA(t, "cluster-abort")
	h.install()
	h.migrationFile()
	w := h.startWriter()
	// a reshard left half done: slot 0 MIGRATING on its master, IMPORTING
	// on another. The node that takes the shard over would not inherit it:
	// check-source refuses, until the slot is stable again.
	ctx := context.Background()
	first := h.redis(net.JoinHostPort(h.srcPods[0], "6379"))
	slots, err := first.ClusterSlots(ctx).Result()
	first.Close()
	if err != nil {
		t.Fatal(err)
	}
	var owner, other redis.ClusterNode
	for _, sl := range slots {
		if sl.Start == 0 {
			owner = sl.Nodes[0]
		} else {
			other = sl.Nodes[0]
		}
	}
	if owner.ID == "" || other.ID == "" {
		t.Fatalf("no two masters in %+v", slots)
	}
	setslot := func(addr string, args ...any) {
		c := h.redis(addr)
		defer c.Close()
		if err := c.Do(ctx, append([]any{"CLUSTER", "SETSLOT", "0"}, args...)...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	setslot(owner.Addr, "MIGRATING", other.ID)
	setslot(other.Addr, "IMPORTING", owner.ID)
	r := h.safediff("run", h.file, "--yes", "--until", "check-source")
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "is moving slots to or from another master", "[0->-"+other.ID+"]")
	setslot(owner.Addr, "STABLE")
	setslot(other.Addr, "STABLE")
	// a reshard begun after the fence: writes of new keys in the open slot
	// go to the importing master, which is not fenced; the cut-over rolls
	// back before any failover
	wantExit(t, h.safediff("run", h.file, "--yes", "--until", "fence-shard-1"), 0)
	setslot(owner.Addr, "MIGRATING", other.ID)
	setslot(other.Addr, "IMPORTING", owner.ID)
	r = h.safediff("run", h.file, "--yes", "--until", "wait-caught-up-shard-1")
	wantExit(t, r, 1)
	wantIn(t, "stderr", r.Stderr, "is moving slots to or from another master", "rolled back")
	setslot(owner.Addr, "STABLE")
	setslot(other.Addr, "STABLE")
	wantExit(t, h.safediff("run", h.file, "--yes", "--until", "fence-shard-1"), 0)
	if st := h.state(); len(st.Shards) == 0 || !st.Shards[0].Fenced {
		t.Fatalf("shard 1 is not fenced: %+v", st.Shards)
	}
	r = h.safediff("abort", h.file, "--yes")
	wantExit(t, r, 0)
	wantIn(t, "abort", r.Stdout, "shard 1: unfencing the source", "helm uninstall dst/rdcluab/carts")
	if n := h.history("dst", h.release); n != 0 {
		t.Errorf("the target release is still there (%d revisions)", n)
	}
	if st := h.state(); len(st.Done) != 0 || len(st.Shards) != 0 {
		t.Errorf("the state was not reset: %+v", st)
	}
	for _, ip := range h.srcPods {
		c := h.redis(net.JoinHostPort(ip, "6379"))
		nodes, err := c.ClusterNodes(ctx).Result()
		fenced, err2 := c.ConfigGet(ctx, "min-replicas-to-write").Result()
		c.Close()
		if err != nil || err2 != nil {
			t.Fatal(err, err2)
		}
		if n := strings.Count(strings.TrimSpace(nodes), "\n") + 1; n != len(h.srcPods) {
			t.Errorf("the source node %s knows %d nodes, not the source's %d:\n%s", ip, n, len(h.srcPods), nodes)
		}
		if fenced["min-replicas-to-write"] != "0" {
			t.Errorf("the source node %s is still fenced: %v", ip, fenced)
		}
	}
	w.waitMore(50)
	acked, _ := w.result()
	checkRecords(t, h.clusterRecords(h.srcPods), acked)
	h.noSecrets()
}

// An object the upgrade creates that was made by hand: the chart's
// autoscaling is turned on while an HPA of the same name, made with a
// direct API call, has no ownership metadata. helm diff shows it created,
// and helm upgrade fails: helm does not import an object that is not the
// release's. review --cluster reads it and says so with helm's message;
// once the HPA carries the release's ownership metadata, helm adopts it,
// and the review says that instead.
func TestClusterRefusesACreatedObjectThatExists(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		c := chart(t, "1.0.0")
		tpl := "{{- if (.Values.autoscaling).enabled }}\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {{ .Release.Name }}-web\n  labels:\n    {{- include \"shop.labels\" . | nindent 4 }}\n" +
			"spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: {{ .Release.Name }}-web}\n  minReplicas: 2\n  maxReplicas: 4\n{{- end }}\n"
		writeFile(t, filepath.Join(c, "templates", "web-hpa.yaml"), tpl)
		h.MustRun(t, "install", "shop", c, "-n", ns, "--create-namespace")
		client := apiClient(t)
		byHand := []byte(`{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"shop-web"},` +
			`"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"shop-web"},"minReplicas":1,"maxReplicas":3}}`)
		if err := client.Do(context.Background(), kubeapi.Request{Method: http.MethodPost, Path: kubeapi.Path("autoscaling", "v2", ns, "horizontalpodautoscalers", ""),
			Body: byHand, ContentType: "application/json"}, nil); err != nil {
			t.Fatal(err)
		}
		diffArgs := []string{"diff", "upgrade", "shop", c, "-n", ns, "--set", "autoscaling.enabled=true", "--context", "-1", "--no-color"}
		if h.name == "v4" {
			diffArgs = append(diffArgs, "--disable-validation") // helm-diff 3.13 under helm 4
		}
		d := h.Run(nil, nil, diffArgs...)
		if d.Code != 0 {
			t.Fatalf("helm diff:\n%s", d)
		}
		wantIn(t, "helm diff", d.Stdout, "shop-web, HorizontalPodAutoscaler (autoscaling) has been added")
		diffFile := filepath.Join(t.TempDir(), "shop.diff")
		writeFile(t, diffFile, d.Stdout)

		r := safediff(t, h, ns, "review", diffFile)
		wantExit(t, r, 0) // offline: a creation, as the diff shows it

		helmSays := `HorizontalPodAutoscaler "shop-web" in namespace "` + ns + `" exists and cannot be imported into the current release: invalid ownership metadata; ` +
			`label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; annotation validation error: missing key "meta.helm.sh/release-name": must be set to "shop"; ` +
			`annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "` + ns + `"`
		r = safediff(t, h, ns, "review", diffFile, "--cluster", "--release", "shop")
		wantExit(t, r, 2)
		wantIn(t, "review --cluster --release", r.Stdout, "server-exists", "helm upgrade will fail here", helmSays, "--take-ownership")
		// the release not given: the owner cannot be checked, never a pass
		r = safediff(t, h, ns, "review", diffFile, "--cluster")
		wantExit(t, r, 2)
		wantIn(t, "review --cluster", r.Stdout, "server-exists", "the release this review is of is not known")
		// helm's own words, as helm upgrade fails
		up := h.Run(nil, nil, "upgrade", "shop", c, "-n", ns, "--set", "autoscaling.enabled=true")
		if up.Code == 0 {
			t.Fatalf("helm upgrade took an HPA made by hand:\n%s", up)
		}
		wantIn(t, "helm upgrade", up.Stderr, helmSays)
		wantHistory(t, h, ns, "shop", 1, "deployed")
		// helm safediff's own render (helm upgrade --dry-run=server) meets
		// helm's check first; --take-ownership takes the object over
		r = safediff(t, h, ns, "upgrade", "shop", c, "--set", "autoscaling.enabled=true", "--plan", "--cluster")
		if r.Code == 0 {
			t.Errorf("upgrade --plan --cluster passed:\n%s", r)
		}
		wantIn(t, "upgrade --plan --cluster", r.Stdout+r.Stderr, helmSays)
		take := []string{"upgrade", "shop", c, "--set", "autoscaling.enabled=true", "--plan", "--cluster", "--take-ownership"}
		if h.name == "v4" {
			take = append(take, "--force-conflicts") // server-side apply, below
		}
		r = safediff(t, h, ns, take...)
		wantExit(t, r, 0)
		// (helm diff --take-ownership shows the object taken over, not created)
		wantIn(t, "upgrade --plan --cluster --take-ownership", r.Stdout, "# owner (none) -> "+ns+"/shop")
		if strings.Contains(r.Stdout, "server-exists") {
			t.Errorf("refused with --take-ownership:\n%s", r.Stdout)
		}

		// the release's ownership metadata: helm adopts it
		owned := []byte(`{"metadata":{"labels":{"app.kubernetes.io/managed-by":"Helm"},"annotations":{"meta.helm.sh/release-name":"shop","meta.helm.sh/release-namespace":"` + ns + `"}}}`)
		if err := client.Do(context.Background(), kubeapi.Request{Method: http.MethodPatch, Path: kubeapi.Path("autoscaling", "v2", ns, "horizontalpodautoscalers", "shop-web"),
			Body: owned, ContentType: "application/merge-patch+json"}, nil); err != nil {
			t.Fatal(err)
		}
		adopts := "the upgrade creates it, but it exists already: helm adopts it (its ownership metadata names release shop in namespace " + ns + ")"
		r = safediff(t, h, ns, "review", diffFile, "--cluster", "--release", "shop")
		wantExit(t, r, 0)
		wantIn(t, "review --cluster --release, owned", r.Stdout, adopts)
		upgrade := []string{"upgrade", "shop", c, "--set", "autoscaling.enabled=true", "--cluster"}
		if h.name == "v4" {
			// helm 4 applies server-side: the fields the hand-made object's
			// manager set conflict, as the dry run of the adopted object says
			r = safediff(t, h, ns, upgrade...)
			wantExit(t, r, 2)
			wantIn(t, "upgrade --cluster, owned, helm 4", r.Stdout, adopts, "server-conflict", ".spec.maxReplicas")
			upgrade = append(upgrade, "--force-conflicts")
		}
		r = safediff(t, h, ns, upgrade...)
		wantExit(t, r, 0)
		wantIn(t, "upgrade --cluster, owned", r.Stdout, adopts)
		wantHistory(t, h, ns, "shop", 2, "deployed")
	})
}

// TestClusterRetryAfterAFailedUpgrade: an upgrade the server refuses (an
// immutable ConfigMap changed) leaves its revision failed, and the last
// deployed one as it was. helm diff compares a retry with the failed
// revision, so a retry that changes something else shows that change
// alone (and the same upgrade again shows none), while helm upgrade
// patches from the deployed revision and fails again. review --cluster
// --release reads the release's revisions and does not pass; after helm
// rollback it does.
func TestClusterRetryAfterAFailedUpgrade(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		c := chart(t, "1.0.0")
		writeFile(t, filepath.Join(c, "templates", "frozen.yaml"),
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-frozen\nimmutable: true\ndata:\n  mode: {{ .Values.frozenMode | default \"a\" | quote }}\n")
		h.MustRun(t, "install", "shop", c, "-n", ns, "--create-namespace")
		up := h.Run(nil, nil, "upgrade", "shop", c, "-n", ns, "--set", "frozenMode=b")
		if up.Code == 0 {
			t.Fatalf("helm upgrade changed an immutable ConfigMap:\n%s", up)
		}
		wantHistory(t, h, ns, "shop", 2, "failed")

		diff := func(set ...string) string {
			args := append([]string{"diff", "upgrade", "shop", c, "-n", ns, "--context", "-1", "--no-color"}, sets(set...)...)
			if h.name == "v4" {
				args = append(args, "--disable-validation") // helm-diff 3.13 under helm 4
			}
			d := h.Run(nil, nil, args...)
			if d.Code != 0 {
				t.Fatalf("helm diff:\n%s", d)
			}
			return d.Stdout
		}
		retry := diff("frozenMode=b", "web.replicas=3")
		if strings.Contains(retry, "frozen") || !strings.Contains(retry, "replicas: 3") {
			t.Fatalf("helm diff of the retry, against the failed revision:\n%s", retry)
		}
		retryFile := filepath.Join(t.TempDir(), "retry.diff")
		writeFile(t, retryFile, retry)
		sameFile := filepath.Join(t.TempDir(), "same.diff")
		writeFile(t, sameFile, diff("frozenMode=b"))

		r := safediff(t, h, ns, "review", retryFile)
		wantExit(t, r, 0) // offline: the change the diff shows
		says := []string{"server-release-not-deployed", "revision 2 of release shop failed", "helm upgrade patches from revision 1, the last deployed one",
			"changes the failed upgrade tried may be missing from this diff", "helm rollback shop 1", "--three-way-merge"}
		for _, file := range []string{retryFile, sameFile} {
			r = safediff(t, h, ns, "review", file, "--cluster", "--release", "shop")
			wantExit(t, r, 2)
			wantIn(t, "review --cluster --release of "+filepath.Base(file), r.Stdout, says...)
			for _, format := range []string{"json", "markdown"} {
				r = safediff(t, h, ns, "review", file, "--cluster", "--release", "shop", "--output", format)
				wantExit(t, r, 2)
				wantIn(t, "review --cluster --release --output "+format+" of "+filepath.Base(file), r.Stdout, "server-release-not-deployed", "helm rollback shop 1")
			}
		}
		// helm upgrade patches from revision 1, and fails again
		up = h.Run(nil, nil, "upgrade", "shop", c, "-n", ns, "--set", "frozenMode=b", "--set", "web.replicas=3")
		if up.Code == 0 {
			t.Fatalf("the retry of the failed upgrade passed:\n%s", up)
		}
		wantHistory(t, h, ns, "shop", 3, "failed")

		h.MustRun(t, "rollback", "shop", "1", "-n", ns)
		wantHistory(t, h, ns, "shop", 4, "deployed")
		r = safediff(t, h, ns, "review", retryFile, "--cluster", "--release", "shop")
		wantExit(t, r, 0)
		if strings.Contains(r.Stdout, "server-release-not-deployed") {
			t.Errorf("after the rollback:\n%s", r.Stdout)
		}
	})
}
