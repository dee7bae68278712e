package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/safediff/safediff/internal/testenv"
	"github.com/safediff/safediff/internal/testenv/kubelet"
)

// The migration tests move real Postgres and Redis servers between two
// real API servers ("src" and "dst" contexts of one kubeconfig). No kubelet
// runs pods there, so internal/testenv/kubelet runs the bundled charts'
// pods as local processes on loopback addresses: the data plane follows
// what helm installed, exactly as the charts' entrypoints say.

const (
	pgPassword   = "su-Secret-7f3a"
	replPassword = "repl-Secret-91c2"
	redisPass    = "rd-Secret-55e0"
)

// migration holds what the migration tests share; set up on first use.
var migration struct {
	once       sync.Once
	err        error
	skip       string
	dst        *testenv.Cluster
	kubeconfig string
	src, dstC  kubelet.Cluster
	kl         *kubelet.Kubelet
	helm       *testenv.Helm
	safediff   string
	ips        map[string]string // "cluster/namespace/pod" -> IP
	dir        string
}

// migrationPods are the data-plane pods of the tests, which get fixed
// loopback addresses (a migration file names them before they exist).
var migrationPods = []string{
	"src/pg/orders-postgres-0", "dst/pg/orders-postgres-0",
	"src/pgslow/orders-postgres-0", "dst/pgslow/orders-postgres-0",
	"src/pgheld/orders-postgres-0", "dst/pgheld/orders-postgres-0",
	"src/rd/sessions-redis-0", "dst/rd/sessions-redis-0",
	"src/rdabort/sessions-redis-0", "dst/rdabort/sessions-redis-0",
	"src/pgfence/orders-postgres-0", "dst/pgfence/orders-postgres-0",
	"src/pgdiff/orders-postgres-0", "dst/pgdiff/orders-postgres-0",
	"src/rdfence/sessions-redis-0", "dst/rdfence/sessions-redis-0",
	"src/pgpause/orders-postgres-0", "dst/pgpause/orders-postgres-0",
	"src/rdpause/sessions-redis-0", "dst/rdpause/sessions-redis-0",
}

func setUpMigration(t testing.TB) {
	t.Helper()
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	migration.once.Do(func() { migration.skip, migration.err = startMigrationEnv() })
	if migration.err != nil {
		t.Fatal(migration.err)
	}
	if migration.skip != "" {
		if testenv.Required() {
			t.Fatal(migration.skip)
		}
		t.Skip(migration.skip)
	}
}

func startMigrationEnv() (string, error) {
	dp, err := testenv.FindDataPlane()
	if err != nil {
		return err.Error(), nil
	}
	dir := filepath.Join(suite.tmp, "migration")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// the pods' user must reach the kubelet's root
	for d := dir; d != filepath.Dir(suite.tmp); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			return "", err
		}
	}
	migration.dir = dir
	dst, err := suite.tools.StartCluster(filepath.Join(dir, "dst-cluster"))
	if err != nil {
		return "", err
	}
	migration.dst = dst
	addCleanup(func() error { return dst.Stop() })
	if migration.src, err = kubelet.ClusterFromKubeconfig(suite.cluster.Kubeconfig, "src"); err != nil {
		return "", err
	}
	if migration.dstC, err = kubelet.ClusterFromKubeconfig(dst.Kubeconfig, "dst"); err != nil {
		return "", err
	}
	migration.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(migration.kubeconfig, migration.src, migration.dstC); err != nil {
		return "", err
	}
	migration.ips = map[string]string{}
	for _, p := range append(slices.Clone(migrationPods), haPods()...) {
		ip, err := testenv.FreeLoopback(5432, 6379, 16379, 26379)
		if err != nil {
			return "", err
		}
		migration.ips[p] = ip
	}
	logf, err := os.Create(filepath.Join(dir, "kubelet.log"))
	if err != nil {
		return "", err
	}
	kl, err := kubelet.Start(context.Background(), kubelet.Config{
		Clusters: []kubelet.Cluster{migration.src, migration.dstC},
		Root:     filepath.Join(dir, "kubelet"),
		PodIPs:   migration.ips,
		RunAs:    dp.RunAs,
		Path:     []string{dp.PGBin},
		Log:      logf,
	})
	if err != nil {
		return "", err
	}
	migration.kl = kl
	addCleanup(kl.Stop)
	// helm v3 with the diff plugin (installed by TestMain), both contexts;
	// of two KUBECONFIG entries, the last wins
	h := suite.helms[0]
	migration.helm = &testenv.Helm{Bin: h.Bin, Env: append(slices.Clip(h.Env), "KUBECONFIG="+migration.kubeconfig)}
	migration.safediff = filepath.Join(suite.tmp, "safediff", "bin", "safediff")
	return "", nil
}

// writeKubeconfig writes a kubeconfig with a context per cluster, named
// as the cluster; the first is the current one.
func writeKubeconfig(path string, clusters ...kubelet.Cluster) error {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\nclusters:\n")
	for _, c := range clusters {
		fmt.Fprintf(&b, "- name: %s\n  cluster: {server: %q, insecure-skip-tls-verify: true}\n", c.Name, c.Server)
	}
	b.WriteString("users:\n")
	for _, c := range clusters {
		fmt.Fprintf(&b, "- name: %s\n  user: {token: %q}\n", c.Name, c.Token)
	}
	b.WriteString("contexts:\n")
	for _, c := range clusters {
		fmt.Fprintf(&b, "- name: %s\n  context: {cluster: %s, user: %s}\n", c.Name, c.Name, c.Name)
	}
	fmt.Fprintf(&b, "current-context: %s\n", clusters[0].Name)
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// mig is one migration under test: its files, addresses and writer.
type mig struct {
	t          testing.TB
	component  string // postgres, redis
	ns         string // namespace, in both clusters
	release    string
	srcIP      string
	dstIP      string
	port       int
	dir        string // migration file, values, state, client signals
	file       string
	outputs    []string
	catchUp    string
	sourceVals string // extra source values of the migration file (drift)
	pauseWait  string // thresholds.pauseTimeout
	config     string // extra values of both servers (chart config:), at install
}

func newMig(t testing.TB, component, ns string) *mig {
	setUpMigration(t)
	m := &mig{t: t, component: component, ns: ns, dir: t.TempDir(), catchUp: "20s", pauseWait: "20s"}
	switch component {
	case "postgres":
		m.release, m.port = "orders", 5432
	case "redis":
		m.release, m.port = "sessions", 6379
	}
	pod := m.release + "-" + component + "-0"
	m.srcIP = migration.ips["src/"+ns+"/"+pod]
	m.dstIP = migration.ips["dst/"+ns+"/"+pod]
	if m.srcIP == "" || m.dstIP == "" {
		t.Fatalf("no addresses for %s in namespace %s", pod, ns)
	}
	m.file = filepath.Join(m.dir, "migration.yaml")
	return m
}

func (m *mig) pod() string { return m.release + "-" + m.component + "-0" }

func (m *mig) srcAddr() string { return net.JoinHostPort(m.srcIP, fmt.Sprint(m.port)) }
func (m *mig) dstAddr() string { return net.JoinHostPort(m.dstIP, fmt.Sprint(m.port)) }

// srcName and dstName are the DNS names clients reach the servers by.
func (m *mig) srcName() string { return m.release + "-src." + m.ns + ".e2e.test" }
func (m *mig) dstName() string { return m.release + "-dst." + m.ns + ".e2e.test" }

// dns resolves the names, as the clients' DNS would.
func (m *mig) dns() map[string]string {
	return map[string]string{m.srcName(): m.srcIP, m.dstName(): m.dstIP}
}

func (m *mig) write(name, content string) string {
	p := filepath.Join(m.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		m.t.Fatal(err)
	}
	return p
}

func (m *mig) chart(name string) string {
	return filepath.Join(suite.tools.Root, "charts", name)
}

// clientChart is the chart of the release client "api".
func (m *mig) clientChart() string {
	return filepath.Join(suite.tools.Root, "testdata", "charts", "client")
}

// install puts the source, the endpoint (pointing at the source) and a
// release client into the src cluster, and waits for the source to serve.
func (m *mig) install() {
	t := m.t
	t.Helper()
	srcValues := fmt.Sprintf("port: %d\n", m.port) + m.config
	if m.component == "postgres" {
		srcValues += "auth:\n  superuserPassword: " + pgPassword + "\n"
	} else {
		srcValues += "auth:\n  password: " + redisPass + "\n"
	}
	m.write("source-values.yaml", srcValues)
	m.write("target-values.yaml", fmt.Sprintf("port: %d\n", m.port)+m.config)
	migration.helm.MustRun(t, "install", m.release, m.chart(m.component), "--kube-context", "src", "-n", m.ns, "--create-namespace", "-f", filepath.Join(m.dir, "source-values.yaml"))
	migration.helm.MustRun(t, "install", m.release+"-endpoint", m.chart("endpoint"), "--kube-context", "src", "-n", m.ns, "--set", "host="+m.srcName(), "--set", fmt.Sprintf("port=%d", m.port))
	migration.helm.MustRun(t, "install", "api", filepath.Join(suite.tools.Root, "testdata", "charts", "client"), "--kube-context", "src", "-n", m.ns, "--set", "replicas=2")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := migration.kl.WaitRunning(ctx, "src", m.ns, m.pod()); err != nil {
		t.Fatal(err)
	}
	// the data plane answers
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := m.ping(m.srcAddr())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			st, _ := migration.kl.Pod("src", m.ns, m.pod())
			t.Fatalf("the source at %s does not answer: %v\n%s", m.srcAddr(), err, st.Log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if m.component == "postgres" {
		c := m.pg(m.srcAddr())
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "create table records (id serial primary key, n bigint not null)"); err != nil {
			t.Fatal(err)
		}
	}
}

func (m *mig) ping(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if m.component == "postgres" {
		c, err := pgConnect(ctx, addr, "postgres", pgPassword)
		if err != nil {
			return err
		}
		return c.Close(ctx)
	}
	c := m.redis(addr)
	defer c.Close()
	return c.Ping(ctx).Err()
}

func (m *mig) pg(addr string) *pgx.Conn {
	m.t.Helper()
	c, err := pgConnect(context.Background(), addr, "postgres", pgPassword)
	if err != nil {
		m.t.Fatal(err)
	}
	return c
}

func (m *mig) redis(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Password: redisPass, MaxRetries: -1, Protocol: 2})
}

// startWriter writes through the endpoint's name.
func (m *mig) startWriter() *writer {
	res := newResolver(migration.src, m.ns, m.release+"-endpoint", m.dns())
	var s store = newRedisStore(redisPass)
	if m.component == "postgres" {
		s = &pgStore{user: "postgres", password: pgPassword}
	}
	w := startWriter(m.t, m.dir, res, s)
	w.waitMore(20)
	return w
}

// migrationFile writes the migration file.
func (m *mig) migrationFile() {
	creds := "credentials:\n  passwordEnv: TEST_PASSWORD\n"
	extra := ""
	if m.component == "postgres" {
		creds += "  replicationPasswordEnv: TEST_REPLICATION_PASSWORD\n"
		extra = "postgres:\n  replicationFrom: [127.0.0.0/8]\n"
	}
	srcValues := "[source-values.yaml]"
	if m.sourceVals != "" {
		m.write("source-drift.yaml", m.sourceVals)
		srcValues = "[source-values.yaml, source-drift.yaml]"
	}
	m.write("migration.yaml", fmt.Sprintf(`version: 1
name: %[1]s-move
component: %[2]s
source:
  context: src
  namespace: %[3]s
  release: %[1]s
  chart: %[4]s
  values: %[5]s
  address: "%[6]s"
  clientAddress: "%[13]s"
target:
  context: dst
  namespace: %[3]s
  release: %[1]s
  chart: %[4]s
  values: [target-values.yaml]
  address: "%[7]s"
  clientAddress: "%[14]s"
endpoint:
  context: src
  namespace: %[3]s
  release: %[1]s-endpoint
  chart: %[8]s
clients:
  - name: writer
    pause: [sh, -c, "touch pause && while [ ! -e paused ]; do sleep 0.02; done"]
    resume: [sh, -c, "rm -f pause paused"]
  - name: api
    context: src
    namespace: %[3]s
    release: api
    chart: %[9]s
    replicasValue: replicas
    replicas: 2
%[10]s%[11]sthresholds:
  maxLag: 1MiB
  catchUpTimeout: %[12]s
  pauseTimeout: %[15]s
  stepTimeout: 2m
`, m.release, m.component, m.ns, m.chart(m.component), srcValues, m.srcAddr(), m.dstAddr(), m.chart("endpoint"),
		filepath.Join(suite.tools.Root, "testdata", "charts", "client"), creds, extra, m.catchUp,
		net.JoinHostPort(m.srcName(), fmt.Sprint(m.port)), net.JoinHostPort(m.dstName(), fmt.Sprint(m.port)), m.pauseWait))
}

// env is the environment of safediff migrate. Its temporary files go to
// the test's directory: a run killed by killInside leaves them behind.
func (m *mig) env() []string {
	pw := pgPassword
	if m.component == "redis" {
		pw = redisPass
	}
	return append(slices.Clip(migration.helm.Env), "TEST_PASSWORD="+pw, "TEST_REPLICATION_PASSWORD="+replPassword,
		"HELM_BIN="+migration.helm.Bin, "TMPDIR="+m.dir)
}

// safediff runs safediff migrate; its output is kept to check that no
// secret is ever printed.
func (m *mig) safediff(args ...string) testenv.Result {
	m.t.Helper()
	return m.safediffEnv(nil, args...)
}

// safediffEnv runs safediff migrate with extra environment variables.
func (m *mig) safediffEnv(env []string, args ...string) testenv.Result {
	m.t.Helper()
	r := (&testenv.Helm{Bin: migration.safediff, Env: m.env()}).Run(nil, env, append([]string{"migrate"}, args...)...)
	m.outputs = append(m.outputs, r.Stdout+r.Stderr)
	m.t.Logf("safediff migrate %s: exit %d in %v", strings.Join(args, " "), r.Code, r.Took.Round(time.Millisecond))
	m.logPause(r.Stdout)
	return r
}

// logPause logs how long the run paused the clients.
func (m *mig) logPause(out string) {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "the clients were paused for") {
			m.t.Log(strings.TrimSpace(l))
		}
	}
}

// runKilledAtEveryStep runs the migration to its end one step per run
// (--until), so every step boundary is crossed by a fresh process. Each
// step is first run by a runner that is killed (SIGKILL) as soon as the
// state records the step as started, then by one that finishes it: the
// step is resumed after a crash inside it. A step that is quicker than
// the kill (a single command) is resumed after a crash right after it.
// Steps done before are left as they are.
func (m *mig) runKilledAtEveryStep() {
	m.t.Helper()
	m.runKilledUntil("")
}

// runKilledUntil is runKilledAtEveryStep up to step until (to the end if
// ""): a test that makes a later step fail first kills every step before
// it, then, after the failure, the rest.
func (m *mig) runKilledUntil(until string) {
	t := m.t
	t.Helper()
	plan := m.safediff("plan", m.file)
	wantExit(t, plan, 0)
	var ids []string
	stepLine := regexp.MustCompile(`^\s+\[.\]\s+\d+\. (\S+)`)
	for _, l := range strings.Split(plan.Stdout, "\n") {
		if f := stepLine.FindStringSubmatch(l); f != nil {
			ids = append(ids, f[1])
		}
	}
	if len(ids) < 10 {
		t.Fatalf("steps %v: the plan lists too few\n%s", ids, plan.Stdout)
	}
	if until != "" {
		i := slices.Index(ids, until)
		if i < 0 {
			t.Fatalf("no step %s in the plan %v", until, ids)
		}
		ids = ids[:i+1]
	}
	kills, ran := 0, 0
	before := m.state().Done
	for k, id := range ids {
		if _, done := before[id]; done {
			continue
		}
		ran++
		killed := m.killInside(id)
		if killed {
			kills++
		}
		// killed inside the step, the runner held its Leases; killed after
		// it, it may have released them already
		_, finished := m.state().Done[id]
		r := m.safediff("run", m.file, "--yes", "--until", id)
		wantExit(t, r, 0)
		if killed && !finished && !strings.Contains(r.Stdout, "taking over the lock of ") {
			t.Errorf("after a kill inside %s, the next run did not take the dead runner's lock over:\n%s", id, r.Stdout)
		}
		st := m.state()
		if st.Holder == nil || !strings.Contains(st.Holder.Identity, "@") {
			t.Errorf("after %s the state records no holder: %+v", id, st.Holder)
		}
		for j, other := range ids {
			if _, done := st.Done[other]; done != (j <= k) {
				t.Fatalf("after run --until %s: step %s done %v", id, other, done)
			}
		}
	}
	t.Logf("%d of %d steps were killed inside", kills, ran)
	if kills == 0 {
		t.Error("no run was killed inside a step")
	}
}

// killInside runs the migration up to step id and kills the runner as
// soon as the state records that step as started. It reports whether the
// kill landed before the run ended.
func (m *mig) killInside(id string) bool {
	t := m.t
	t.Helper()
	started := func() int {
		n := 0
		for _, e := range m.state().Log {
			if e.Step == id && e.What == "started" {
				n++
			}
		}
		return n
	}
	before := started()
	cmd := exec.Command(migration.safediff, "migrate", "run", m.file, "--yes", "--until", id)
	cmd.Env = m.env()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var err error
	sent := false // the SIGKILL
	for done := false; !done; {
		select {
		case err = <-exited:
			done = true
		case <-time.After(2 * time.Millisecond):
			if !sent && started() > before {
				cmd.Process.Signal(syscall.SIGKILL)
				sent = true
			}
		}
	}
	m.outputs = append(m.outputs, out.String())
	var ee *exec.ExitError
	if sent && errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
		return true
	}
	if err != nil {
		t.Fatalf("the run up to %s failed on its own: %v\n%s", id, err, out.String())
	}
	// the run finished the step before the kill: then the step took
	// less than the state polls and the kill, or the kill is broken
	for _, e := range m.state().Log {
		if d, ok := strings.CutPrefix(e.What, "done in "); ok && e.Step == id {
			if took, _ := time.ParseDuration(d); took > time.Second {
				t.Errorf("step %s took %v and the kill did not land inside it", id, took)
			}
		}
	}
	m.logPause(out.String())
	return false
}

type stateFile struct {
	Holder *struct {
		Identity string    `json:"identity"`
		Since    time.Time `json:"since"`
	} `json:"holder"`
	Done     map[string]time.Time `json:"done"`
	Paused   bool                 `json:"paused"`
	Fenced   bool                 `json:"fenced"`
	Promoted bool                 `json:"promoted"`
	Finished *time.Time           `json:"finished"`
	Shards   []struct {
		Fenced   bool `json:"fenced"`
		Promoted bool `json:"promoted"`
	} `json:"shards"`
	Log []struct {
		At   time.Time `json:"at"`
		Step string    `json:"step"`
		What string    `json:"what"`
	} `json:"log"`
}

func (m *mig) state() stateFile {
	var st stateFile
	data, err := os.ReadFile(filepath.Join(m.dir, "migration.state.json"))
	if err == nil {
		// a torn read is impossible: the file is replaced by rename
		if err := json.Unmarshal(data, &st); err != nil {
			m.t.Fatalf("state file: %v", err)
		}
	}
	return st
}

// history is the number of revisions of a release in a context, 0 when
// there is no such release.
func (m *mig) history(kubeContext, release string) int {
	m.t.Helper()
	r := migration.helm.Run(nil, nil, "history", release, "-n", m.ns, "--kube-context", kubeContext, "-o", "json")
	if r.Code != 0 {
		if strings.Contains(r.Stderr, "release: not found") {
			return 0
		}
		m.t.Fatalf("helm history:\n%s", r)
	}
	var revs []testenv.Revision
	if err := json.Unmarshal([]byte(r.Stdout), &revs); err != nil {
		m.t.Fatal(err)
	}
	return len(revs)
}

// noSecrets checks that no output ever showed a password.
func (m *mig) noSecrets() {
	for _, out := range m.outputs {
		for _, s := range []string{pgPassword, replPassword, redisPass} {
			if strings.Contains(out, s) {
				m.t.Errorf("a secret was printed:\n%s", out)
				return
			}
		}
	}
}

func (m *mig) podStatus(cluster string) kubelet.PodStatus {
	st, _ := migration.kl.Pod(cluster, m.ns, m.pod())
	return st
}

// TestMigratePostgres moves a Postgres server while a writer keeps
// writing through the name, killing the runner after every step and
// running it again, then deletes the source.
func TestMigratePostgres(t *testing.T) {
	m := newMig(t, "postgres", "pg")
	m.install()
	m.migrationFile()
	w := m.startWriter()
	srcStarts := m.podStatus("src").Starts

	plan := m.safediff("plan", m.file)
	wantExit(t, plan, 0)
	wantIn(t, "plan", plan.Stdout, "Lock: free\n", "[>]  1. prepare-source", "PASS - every change is one this step expects", "ConfigMap/pg/orders-postgres-config")

	m.runKilledAtEveryStep()
	st := m.state()
	if st.Finished == nil || !st.Promoted || st.Paused {
		t.Fatalf("state after the run: %+v", st)
	}
	// the writer goes on, through the re-pointed name, to the target
	w.waitMore(50)
	acked, byAddr := w.result()
	if byAddr[m.dstAddr()] < 50 || byAddr[m.srcAddr()] < 20 {
		t.Errorf("writes per address: %v (want writes to the source before and to the target after the cut-over)", byAddr)
	}
	checkRecords(t, m.pgRecords(m.dstAddr()), acked)

	// no split brain: the source refuses the clients
	ctx := context.Background()
	if c, err := pgConnect(ctx, m.srcAddr(), "postgres", pgPassword); !refusedByHBA(err) {
		if err == nil {
			c.Close(ctx)
		}
		t.Errorf("a client connecting to the source after the cut-over: %v, want pg_hba.conf to refuse it", err)
	}
	// the source primary was never restarted
	if got := m.podStatus("src"); got.Starts != srcStarts || !got.Running {
		t.Errorf("the source pod started %d times (was %d), running %v", got.Starts, srcStarts, got.Running)
	}

	// running a finished migration changes nothing
	revs := []int{m.history("src", m.release), m.history("dst", m.release), m.history("src", m.release+"-endpoint"), m.history("src", "api")}
	again := m.safediff("run", m.file, "--yes")
	wantExit(t, again, 0)
	wantIn(t, "rerun", again.Stdout, "nothing to do")
	if now := []int{m.history("src", m.release), m.history("dst", m.release), m.history("src", m.release+"-endpoint"), m.history("src", "api")}; fmt.Sprint(now) != fmt.Sprint(revs) {
		t.Errorf("helm histories changed on a rerun: %v -> %v", revs, now)
	}

	// no abort after the promotion
	ab := m.safediff("abort", m.file, "--yes")
	wantExit(t, ab, 1)
	wantIn(t, "abort", ab.Stderr, "the target was promoted")

	// deleting the source: destructive, needs approval
	del := m.safediff("delete-source", m.file)
	wantExit(t, del, 2)
	wantIn(t, "delete-source", del.Stdout, "StatefulSet pg/orders-postgres will be destroyed [destructive]")
	if m.history("src", m.release) == 0 {
		t.Fatal("the source was deleted without approval")
	}
	accept := m.write("accept.yaml", "version: 1\naccept:\n  - object: StatefulSet.apps/pg/orders-postgres\n    action: delete\n    reason: migrated to dst (test)\n")
	del = m.safediff("delete-source", m.file, "--accept", accept)
	wantExit(t, del, 0)
	if m.history("src", m.release) != 0 {
		t.Error("the source release is still there")
	}
	m.noSecrets()
	m.dump()
}

// dump writes the outputs of every safediff run of the test to
// $SAFEDIFF_E2E_DUMP.<test name>, to read what the runner said.
func (m *mig) dump() {
	if p := os.Getenv("SAFEDIFF_E2E_DUMP"); p != "" {
		os.WriteFile(p+"."+strings.ReplaceAll(m.t.Name(), "/", "-"), []byte(strings.Join(m.outputs, "\n=====\n")), 0o644)
	}
}

func (m *mig) pgRecords(addr string) []int64 {
	m.t.Helper()
	c := m.pg(addr)
	defer c.Close(context.Background())
	rows, err := c.Query(context.Background(), "select n from records")
	if err != nil {
		m.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		m.t.Fatal(err)
	}
	return out
}

func (m *mig) redisRecords(addr string) []int64 {
	m.t.Helper()
	c := m.redis(addr)
	defer c.Close()
	var out []int64
	if err := c.LRange(context.Background(), "records", 0, -1).ScanSlice(&out); err != nil {
		m.t.Fatal(err)
	}
	return out
}

// A target that cannot catch up within the catch-up timeout (its WAL
// replay is paused) rolls the cut-over back before promotion: the source
// takes writes again, the clients run, nothing is lost; once the target
// replays again, the next run finishes.
func TestMigratePostgresRollsBackWhenTheTargetCannotCatchUp(t *testing.T) {
	m := newMig(t, "postgres", "pgslow")
	m.catchUp = "3s"
	m.install()
	m.migrationFile()
	w := m.startWriter()

	r := m.safediff("run", m.file, "--yes", "--until", "wait-replica")
	wantExit(t, r, 0)
	wantIn(t, "run --until", r.Stdout, "Stopped after wait-replica")
	ctx := context.Background()
	tgt := m.pg(m.dstAddr())
	if _, err := tgt.Exec(ctx, "select pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	w.waitMore(30) // writes the target receives but does not apply

	r = m.safediff("run", m.file, "--yes")
	wantExit(t, r, 1)
	wantIn(t, "stdout", r.Stdout, "rolling back")
	wantIn(t, "stderr", r.Stderr, "did not catch up within 3s", "rolled back", "still a replica")
	st := m.state()
	if st.Paused || st.Fenced || st.Promoted {
		t.Fatalf("after the rollback the state says paused %v fenced %v promoted %v", st.Paused, st.Fenced, st.Promoted)
	}
	if _, ok := st.Done["pause-clients"]; ok {
		t.Error("pause-clients is still recorded as done")
	}
	w.waitMore(30)        // the clients are back on the source
	acked := w.snapshot() // before reading: the writer goes on
	checkContains(t, m.pgRecords(m.srcAddr()), acked)

	if _, err := tgt.Exec(ctx, "select pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	tgt.Close(ctx)
	r = m.safediff("run", m.file, "--yes")
	wantExit(t, r, 0)
	w.waitMore(30)
	acked, _ = w.result()
	checkRecords(t, m.pgRecords(m.dstAddr()), acked)
	m.noSecrets()
}

// A helm step whose plan goes beyond its expectations stops the run
// before that upgrade: here the source's values drifted (a new image), so
// preparing the source would restart its primary.
func TestMigrationStopsBeforeAnUnexpectedChange(t *testing.T) {
	m := newMig(t, "postgres", "pgheld")
	m.sourceVals = "image: postgres:15.8\n"
	m.install()
	m.migrationFile()
	starts := m.podStatus("src").Starts

	for _, args := range [][]string{{"plan", m.file}, {"run", m.file, "--yes"}} {
		r := m.safediff(args...)
		wantExit(t, r, 2)
		wantIn(t, args[0], r.Stdout, "HOLD - ", "Unexpected:", "StatefulSet.apps/pgheld/orders-postgres", "image: postgres:15 -> postgres:15.8")
	}
	if n := m.history("src", m.release); n != 1 {
		t.Errorf("the source has %d revisions: it was upgraded", n)
	}
	if n := m.history("dst", m.release); n != 0 {
		t.Errorf("the target exists (%d revisions)", n)
	}
	if got := m.podStatus("src"); got.Starts != starts || got.Rollouts != 0 {
		t.Errorf("the source pod was restarted: %+v", got)
	}
	if len(m.state().Done) != 0 {
		t.Errorf("steps recorded as done: %v", m.state().Done)
	}
}

// TestMigrateRedis moves a Redis server while a writer appends to a list
// through the name, killing the runner after every step.
func TestMigrateRedis(t *testing.T) {
	m := newMig(t, "redis", "rd")
	m.install()
	m.migrationFile()
	w := m.startWriter()
	srcStarts := m.podStatus("src").Starts
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := migration.kl.WaitRunning(ctx, "src", m.ns, "api-local"); err != nil {
		t.Fatal(err) // else the check of its restart below proves nothing
	}
	api, _ := migration.kl.Pod("src", m.ns, "api-local")
	m.runKilledAtEveryStep()
	w.waitMore(50)
	acked, byAddr := w.result()
	if byAddr[m.dstAddr()] < 50 {
		t.Errorf("writes per address: %v (want writes to the target after the cut-over)", byAddr)
	}
	checkRecords(t, m.redisRecords(m.dstAddr()), acked)
	src := m.redis(m.srcAddr())
	defer src.Close()
	if err := src.RPush(context.Background(), "records", -1).Err(); err == nil || !strings.Contains(err.Error(), "NOREPLICAS") {
		t.Errorf("a write to the source after the cut-over: %v, want NOREPLICAS", err)
	}
	if got := m.podStatus("src"); got.Starts != srcStarts || !got.Running {
		t.Errorf("the source pod started %d times (was %d)", got.Starts, srcStarts)
	}
	// the release client was scaled to zero (its pod stopped) and back
	if st, ok := migration.kl.Pod("src", m.ns, "api-local"); !ok || !st.Running || st.PID == api.PID {
		t.Errorf("the api client was not scaled down and up again: before %+v, after %+v", api, st)
	}
	m.noSecrets()
}

// Abort before the promotion returns to the start: the source takes
// writes, the clients run against it, the target release is gone.
func TestMigrateRedisAbort(t *testing.T) {
	m := newMig(t, "redis", "rdabort")
	m.install()
	m.migrationFile()
	w := m.startWriter()
	r := m.safediff("run", m.file, "--yes", "--until", "fence-source")
	wantExit(t, r, 0)
	if st := m.state(); !st.Paused || !st.Fenced {
		t.Fatalf("state: %+v", st)
	}
	r = m.safediff("abort", m.file)
	wantExit(t, r, 2) // no terminal to ask, no --yes
	wantIn(t, "abort", r.Stdout, "helm uninstall dst/rdabort/sessions", "StatefulSet rdabort/sessions-redis will be destroyed [destructive]")
	r = m.safediff("abort", m.file, "--yes")
	wantExit(t, r, 0)
	if n := m.history("dst", m.release); n != 0 {
		t.Errorf("the target release is still there (%d revisions)", n)
	}
	if st := m.state(); len(st.Done) != 0 || st.Paused || st.Fenced {
		t.Errorf("the state was not reset: %+v", st)
	}
	w.waitMore(30) // the clients write to the source again
	acked, byAddr := w.result()
	if len(byAddr) != 1 || byAddr[m.srcAddr()] == 0 {
		t.Errorf("writes per address: %v, want the source only", byAddr)
	}
	checkRecords(t, m.redisRecords(m.srcAddr()), acked)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, ok := migration.kl.Pod("dst", m.ns, m.pod())
		if !ok {
			t.Fatal("the target's server never ran")
		}
		if !st.Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the target's server still runs")
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.noSecrets()
}
