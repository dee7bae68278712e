package e2e

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The harness of the highly available topologies: a Postgres primary with
// streaming replicas (replicated), Redis with replicas and Sentinels
// (sentinel), and a Redis Cluster (cluster), each installed from the
// bundled charts on both sides, every pod a real server run by the kubelet
// double on a loopback address of its own.

// quietRedis drops go-redis's own log lines (its failover client logs each
// Sentinel it discovers to stderr).
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietRedis{}) }

// haShape is the shape of one topology's test, the same on both sides
// except for the cluster's source and target node counts.
type haShape struct {
	topology, component, ns, release string
	srcData, dstData                 int // data pods
	sentinels                        int // Sentinel pods per side
	shards                           int
}

var haShapes = map[string]haShape{
	"replicated": {topology: "replicated", component: "postgres", ns: "pgrep", release: "orders", srcData: 3, dstData: 3},
	"sentinel":   {topology: "sentinel", component: "redis", ns: "rdsen", release: "sessions", srcData: 2, dstData: 2, sentinels: 3},
	"cluster":    {topology: "cluster", component: "redis", ns: "rdclu", release: "carts", srcData: 6, dstData: 6, shards: 3},
	// TestMigrateRedisClusterAbort's: a master per shard on each side
	"cluster-abort": {topology: "cluster", component: "redis", ns: "rdcluab", release: "carts", srcData: 3, dstData: 3, shards: 3},
	// BenchmarkMigratePause's, in namespaces of their own
	"replicated-pause": {topology: "replicated", component: "postgres", ns: "pgreppause", release: "orders", srcData: 3, dstData: 3},
	"sentinel-pause":   {topology: "sentinel", component: "redis", ns: "rdsenpause", release: "sessions", srcData: 2, dstData: 2, sentinels: 3},
	"cluster-pause":    {topology: "cluster", component: "redis", ns: "rdclupause", release: "carts", srcData: 6, dstData: 6, shards: 3},
}

// haPods are the pods of the HA tests, which get fixed loopback addresses.
func haPods() []string {
	var out []string
	for _, s := range haShapes {
		for _, side := range []struct {
			cluster string
			n       int
		}{{"src", s.srcData}, {"dst", s.dstData}} {
			for i := range side.n {
				out = append(out, fmt.Sprintf("%s/%s/%s-%s-%d", side.cluster, s.ns, s.release, s.component, i))
			}
			for i := range s.sentinels {
				out = append(out, fmt.Sprintf("%s/%s/%s-redis-sentinel-%d", side.cluster, s.ns, s.release, i))
			}
		}
	}
	return out
}

// ha is a migration of a highly available topology.
type ha struct {
	*mig
	shape haShape
	// the addresses of the data pods and the Sentinels, pod 0 first
	srcPods, dstPods           []string
	srcSentinels, dstSentinels []string
}

func newHA(t testing.TB, shape string) *ha {
	s := haShapes[shape]
	setUpMigration(t)
	h := &ha{shape: s}
	ip := func(cluster, pod string) string {
		a := migration.ips[cluster+"/"+s.ns+"/"+pod]
		if a == "" {
			t.Fatalf("no address for %s/%s/%s", cluster, s.ns, pod)
		}
		return a
	}
	for i := range s.srcData {
		h.srcPods = append(h.srcPods, ip("src", fmt.Sprintf("%s-%s-%d", s.release, s.component, i)))
	}
	for i := range s.dstData {
		h.dstPods = append(h.dstPods, ip("dst", fmt.Sprintf("%s-%s-%d", s.release, s.component, i)))
	}
	for i := range s.sentinels {
		h.srcSentinels = append(h.srcSentinels, ip("src", fmt.Sprintf("%s-redis-sentinel-%d", s.release, i)))
		h.dstSentinels = append(h.dstSentinels, ip("dst", fmt.Sprintf("%s-redis-sentinel-%d", s.release, i)))
	}
	m := &mig{t: t, component: s.component, ns: s.ns, release: s.release, dir: t.TempDir(), catchUp: "20s", pauseWait: "20s",
		srcIP: h.srcPods[0], dstIP: h.dstPods[0]}
	m.port = map[string]int{"postgres": 5432, "redis": 6379}[s.component]
	m.file = m.dir + "/migration.yaml"
	h.mig = m
	return h
}

// clientIPs are where the name clients use resolves on each side: the
// first Sentinel (sentinel), else pod 0.
func (h *ha) clientIPs() (src, dst string) {
	if h.shape.topology == "sentinel" {
		return h.srcSentinels[0], h.dstSentinels[0]
	}
	return h.srcIP, h.dstIP
}

func (h *ha) clientPort() int {
	if h.shape.topology == "sentinel" {
		return 26379
	}
	return h.port
}

func (h *ha) dns() map[string]string {
	src, dst := h.clientIPs()
	return map[string]string{h.srcName(): src, h.dstName(): dst}
}

func addrs(ips []string, port int) []string {
	var out []string
	for _, ip := range ips {
		out = append(out, net.JoinHostPort(ip, strconv.Itoa(port)))
	}
	return out
}

func yamlList(l []string) string {
	var q []string
	for _, s := range l {
		q = append(q, strconv.Quote(s))
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// values are the values files of one side's release.
func (h *ha) values(pods, sentinels []string, source bool) string {
	v := fmt.Sprintf("port: %d\nreplicas: %d\nmembers:\n  hosts: %s\n", h.port, len(pods), yamlList(pods))
	switch h.shape.topology {
	case "replicated":
		v += "  allowFrom: [127.0.0.0/8]\nreplication:\n  password: " + replPassword + "\n"
		if source {
			v += "auth:\n  superuserPassword: " + pgPassword + "\n"
		}
	case "sentinel":
		v += fmt.Sprintf("sentinel:\n  enabled: true\n  replicas: %d\n  masterName: %s\n  quorum: 2\n  hosts: %s\n", len(sentinels), h.release, yamlList(sentinels))
	case "cluster":
		v += fmt.Sprintf("cluster:\n  enabled: true\n  shards: %d\n", h.shape.shards)
		if source {
			// the failure test stalls masters with DEBUG SLEEP
			v += "config:\n  enable-debug-command: \"yes\"\n"
		}
	}
	if h.component == "redis" {
		v += "auth:\n  password: " + redisPass + "\n"
	}
	return v
}

// install puts the source, the endpoint (pointing at the source) and, but
// for a cluster, a release client into the src cluster, and waits until
// every server and Sentinel serves.
func (h *ha) install() {
	t := h.t
	t.Helper()
	h.write("source-values.yaml", h.values(h.srcPods, h.srcSentinels, true))
	h.write("target-values.yaml", h.values(h.dstPods, h.dstSentinels, false))
	migration.helm.MustRun(t, "install", h.release, h.chart(h.component), "--kube-context", "src", "-n", h.ns, "--create-namespace", "-f", h.dir+"/source-values.yaml")
	migration.helm.MustRun(t, "install", h.release+"-endpoint", h.chart("endpoint"), "--kube-context", "src", "-n", h.ns, "--set", "host="+h.srcName(), "--set", fmt.Sprintf("port=%d", h.clientPort()))
	if h.shape.topology != "cluster" {
		migration.helm.MustRun(t, "install", "api", h.mig.clientChart(), "--kube-context", "src", "-n", h.ns, "--set", "replicas=2")
	}
	h.eventually(120*time.Second, "the source serves", func(ctx context.Context) error { return h.serves(ctx, h.srcPods, h.srcSentinels) })
	if h.component == "postgres" {
		c := h.pg(h.srcAddr())
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "create table records (id serial primary key, n bigint not null)"); err != nil {
			t.Fatal(err)
		}
	}
}

// eventually waits for f to succeed.
func (h *ha) eventually(timeout time.Duration, what string, f func(ctx context.Context) error) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := f(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: not after %v: %v", what, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// serves checks that a side's servers and Sentinels run as installed.
func (h *ha) serves(ctx context.Context, pods, sentinels []string) error {
	switch h.shape.topology {
	case "replicated":
		c, err := pgConnect(ctx, net.JoinHostPort(pods[0], "5432"), "postgres", pgPassword)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		var streaming int
		if err := c.QueryRow(ctx, "select count(*) from pg_stat_replication where state = 'streaming'").Scan(&streaming); err != nil {
			return err
		}
		if streaming != len(pods)-1 {
			return fmt.Errorf("%d replicas stream from the primary, want %d", streaming, len(pods)-1)
		}
	case "sentinel":
		for i, ip := range pods {
			c := h.redis(net.JoinHostPort(ip, "6379"))
			info, err := c.Info(ctx, "replication").Result()
			c.Close()
			if err != nil {
				return err
			}
			if i > 0 && !strings.Contains(info, "master_link_status:up") {
				return fmt.Errorf("replica %s: link not up", ip)
			}
		}
		for _, ip := range sentinels {
			s := redis.NewSentinelClient(&redis.Options{Addr: net.JoinHostPort(ip, "26379")})
			m, err := s.Master(ctx, h.release).Result()
			s.Close()
			if err != nil {
				return fmt.Errorf("sentinel %s: %v", ip, err)
			}
			if m["ip"] != pods[0] || m["num-other-sentinels"] != strconv.Itoa(len(sentinels)-1) || m["num-slaves"] != strconv.Itoa(len(pods)-1) {
				return fmt.Errorf("sentinel %s sees %v", ip, m)
			}
		}
	case "cluster":
		for _, ip := range pods {
			c := h.redis(net.JoinHostPort(ip, "6379"))
			info, err := c.ClusterInfo(ctx).Result()
			c.Close()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(len(pods))+"\r") {
				return fmt.Errorf("node %s: %s", ip, strings.ReplaceAll(info, "\r\n", " "))
			}
		}
	}
	return nil
}

// migrationFile writes the migration file of the topology.
func (h *ha) migrationFile() {
	side := func(cluster string, pods, sentinels []string, name string) string {
		s := fmt.Sprintf("  context: %s\n  namespace: %s\n  release: %s\n  chart: %s\n  values: [%s-values.yaml]\n  clientAddress: %q\n",
			cluster, h.ns, h.release, h.chart(h.component), map[string]string{"src": "source", "dst": "target"}[cluster],
			net.JoinHostPort(name, strconv.Itoa(h.clientPort())))
		all := addrs(pods, h.port)
		switch h.shape.topology {
		case "cluster":
			s += "  nodes: " + yamlList(all) + "\n"
		default:
			s += fmt.Sprintf("  address: %q\n  replicas: %s\n", all[0], yamlList(all[1:]))
		}
		if len(sentinels) > 0 {
			s += "  sentinels: " + yamlList(addrs(sentinels, 26379)) + "\n"
		}
		return s
	}
	clients := ""
	if h.shape.topology != "cluster" {
		clients = fmt.Sprintf(`clients:
  - name: writer
    pause: [sh, -c, "touch pause && while [ ! -e paused ]; do sleep 0.02; done"]
    resume: [sh, -c, "rm -f pause paused"]
  - name: api
    context: src
    namespace: %s
    release: api
    chart: %s
    replicasValue: replicas
    replicas: 2
`, h.ns, h.clientChart())
	}
	extra := "credentials:\n  passwordEnv: TEST_PASSWORD\n"
	switch h.shape.topology {
	case "replicated":
		extra += "  replicationPasswordEnv: TEST_REPLICATION_PASSWORD\npostgres:\n  replicationFrom: [127.0.0.0/8]\n"
	case "sentinel":
		extra += "redis:\n  masterName: " + h.release + "\n"
	case "cluster":
		extra += fmt.Sprintf("redis:\n  shards: %d\n", h.shape.shards)
	}
	h.write("migration.yaml", fmt.Sprintf(`version: 1
name: %[1]s-move
component: %[2]s
topology: %[3]s
source:
%[4]starget:
%[5]sendpoint:
  context: src
  namespace: %[6]s
  release: %[1]s-endpoint
  chart: %[7]s
%[8]s%[9]sthresholds:
  maxLag: 1MiB
  catchUpTimeout: %[10]s
  pauseTimeout: %[11]s
  stepTimeout: 2m
`, h.release, h.component, h.shape.topology, side("src", h.srcPods, h.srcSentinels, h.srcName()),
		side("dst", h.dstPods, h.dstSentinels, h.dstName()), h.ns, h.chart("endpoint"), clients, extra, h.catchUp, h.pauseWait))
}

// startWriter writes numbered records through the clients' normal path:
// the endpoint's name, resolved at every connect, to the Postgres primary,
// to the Sentinels (which name the master), or to the cluster's nodes.
func (h *ha) startWriter() *writer {
	res := newResolver(migration.src, h.ns, h.release+"-endpoint", h.dns())
	var s store
	switch h.shape.topology {
	case "replicated":
		s = &pgStore{user: "postgres", password: pgPassword}
	case "sentinel":
		s = sentinelStore(redisPass, h.release)
	case "cluster":
		s = clusterStore(redisPass)
	}
	w := startWriter(h.t, h.dir, res, s)
	w.waitMore(20)
	return w
}

// clusterRecords reads every list of records from the cluster of nodes.
func (h *ha) clusterRecords(nodes []string) []int64 {
	h.t.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs(nodes, 6379), Password: redisPass})
	defer c.Close()
	var out []int64
	for k := range clusterLists {
		var l []int64
		if err := c.LRange(context.Background(), clusterKey(int64(k)), 0, -1).ScanSlice(&l); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, l...)
	}
	return out
}

// sentinelStore appends to the list "records" of the master the Sentinels
// behind addr name, as a Sentinel-aware client does (go-redis's failover
// client).
func sentinelStore(password, master string) *redisStore {
	return &redisStore{key: func(int64) string { return "records" }, client: func(addr string) redis.UniversalClient {
		return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: master, SentinelAddrs: []string{addr}, Password: password,
			MaxRetries: -1, PoolSize: 1, Protocol: 2, DialTimeout: 3 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
	}}
}

// clusterLists is how many lists a cluster's records are spread over: their
// keys hash to slots all over the range, in every shard.
const clusterLists = 1024

func clusterKey(n int64) string { return fmt.Sprintf("records:%d", n%clusterLists) }

// clusterStore appends record n to one of clusterLists lists, as a
// cluster-aware client does (go-redis's cluster client, which follows
// MOVED and ASK). Its reads wait longer than a stalled master sleeps: a
// write it gave up on, and sent again, could be stored twice.
func clusterStore(password string) *redisStore {
	return &redisStore{key: clusterKey, client: func(addr string) redis.UniversalClient {
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, Password: password, MaxRedirects: 8, Protocol: 2,
			DialTimeout: 3 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 10 * time.Second})
	}}
}

// pauseWindows are the times between each cut-over's first fence and its
// promotion, from the state's log: for a cluster, per shard.
func (h *ha) pauseWindows() []time.Duration {
	var out []time.Duration
	var fenced time.Time
	for _, e := range h.state().Log {
		switch {
		case strings.HasPrefix(e.Step, "fence-") && e.What == "started" && fenced.IsZero():
			fenced = e.At
		case strings.Contains(e.What, "rolling back"):
			fenced = time.Time{}
		case (strings.HasPrefix(e.Step, "failover-") || e.Step == "promote-target") && strings.HasPrefix(e.What, "done in ") && !fenced.IsZero():
			out = append(out, e.At.Sub(fenced))
			fenced = time.Time{}
		}
	}
	return out
}
