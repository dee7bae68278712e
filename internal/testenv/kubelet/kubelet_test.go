package kubelet_test

import (
	"context"
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

	"github.com/safediff/safediff/internal/testenv"
	"github.com/safediff/safediff/internal/testenv/kubelet"
)

// The end-to-end tests share one API server and one kubelet, started by
// the first test that needs them and stopped by TestMain.
var env struct {
	once    sync.Once
	skip    string // why the tests skip, when they do
	err     error  // why setting up failed
	tmp     string
	tools   *testenv.Tools
	cluster *testenv.Cluster
	api     kubelet.Cluster
	helm    *testenv.Helm
	kl      *kubelet.Kubelet
	pgBin   string
	ips     map[string]string // pod key → IP
	failed  bool
}

const clusterName = "one"

func TestMain(m *testing.M) {
	code := m.Run()
	if env.kl != nil {
		if err := env.kl.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "kubelet stop:", err)
			code = 1
		}
	}
	if env.cluster != nil {
		if err := env.cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	if env.tmp != "" {
		if code == 0 && !env.failed {
			os.RemoveAll(env.tmp)
		} else {
			fmt.Fprintf(os.Stderr, "kubelet test: kept %s (kubelet.log, cluster/logs, root/<cluster>/<ns>/pods/<pod>/log)\n", env.tmp)
		}
	}
	os.Exit(code)
}

// setUp returns the shared environment, or skips the test when the
// toolchain or the data-plane binaries are missing (a failure under
// SAFEDIFF_E2E_REQUIRED=1).
func setUp(t *testing.T) {
	t.Helper()
	env.once.Do(func() { env.skip, env.err = start() })
	if env.err != nil {
		t.Fatal(env.err)
	}
	if env.skip != "" {
		if testenv.Required() {
			t.Fatal(env.skip)
		}
		t.Skip(env.skip)
	}
	t.Cleanup(func() {
		if t.Failed() {
			env.failed = true
			dumpLogs(t)
		}
	})
}

func start() (skip string, err error) {
	tools, err := testenv.Load()
	if err != nil {
		return err.Error(), nil
	}
	env.tools = tools
	dp, err := testenv.FindDataPlane()
	if err != nil {
		return err.Error(), nil
	}
	env.pgBin = dp.PGBin

	// Everything lives in one directory the pods' user can search.
	tmp, err := os.MkdirTemp("", "safediff-kubelet-test-")
	if err != nil {
		return "", err
	}
	env.tmp = tmp
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	env.cluster, err = tools.StartCluster(filepath.Join(tmp, "cluster"))
	if err != nil {
		return "", err
	}
	env.helm = env.cluster.NewHelm(tools.Helm3, filepath.Join(tmp, "helm"))
	env.api, err = kubelet.ClusterFromKubeconfig(env.cluster.Kubeconfig, clusterName)
	if err != nil {
		return "", err
	}
	// Other tests (the migration's) may run servers on loopback too: each
	// data-plane pod gets a random free address.
	env.ips = map[string]string{}
	for _, pod := range []string{"pg/src-postgres-0", "pg/dst-postgres-0", "pg2/early-postgres-0", "pg2/late-postgres-0",
		"cache/rsrc-redis-0", "cache/rdst-redis-0"} {
		ip, err := testenv.FreeLoopback(5432, 6379)
		if err != nil {
			return "", err
		}
		env.ips[clusterName+"/"+pod] = ip
	}
	logf, err := os.Create(filepath.Join(tmp, "kubelet.log"))
	if err != nil {
		return "", err
	}
	env.kl, err = kubelet.Start(context.Background(), kubelet.Config{
		Clusters: []kubelet.Cluster{env.api},
		Root:     filepath.Join(tmp, "root"),
		PodIPs:   env.ips,
		RunAs:    dp.RunAs,
		Path:     []string{dp.PGBin},
		Log:      logf,
	})
	return "", err
}

func dumpLogs(t *testing.T) {
	b, _ := os.ReadFile(filepath.Join(env.tmp, "kubelet.log"))
	t.Logf("kubelet.log:\n%s", lastLines(string(b), 40))
	logs, _ := filepath.Glob(filepath.Join(env.tmp, "root", "*", "*", "pods", "*", "log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		t.Logf("%s:\n%s", l, lastLines(string(b), 30))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func helm(t *testing.T, args ...string) string {
	t.Helper()
	return env.helm.MustRun(t, args...).Stdout
}

func chart(name string) string { return filepath.Join(env.tools.Root, "charts", name) }

// eventually calls f until it returns nil, or fails the test with its
// last error after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) time.Duration {
	t.Helper()
	t0 := time.Now()
	for {
		err := f()
		if err == nil {
			return time.Since(t0)
		}
		if time.Since(t0) > timeout {
			t.Fatalf("%s: not after %s: %v", what, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func pod(t *testing.T, namespace, name string) kubelet.PodStatus {
	t.Helper()
	st, ok := env.kl.Pod(clusterName, namespace, name)
	if !ok {
		t.Fatalf("the kubelet has no pod %s/%s", namespace, name)
	}
	return st
}

func waitRunning(t *testing.T, namespace, name string) kubelet.PodStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := env.kl.WaitRunning(ctx, clusterName, namespace, name); err != nil {
		t.Fatal(err)
	}
	return pod(t, namespace, name)
}

// wantStopped waits until the pod is stopped and its process group gone.
func wantStopped(t *testing.T, namespace, name string, pid int) {
	t.Helper()
	eventually(t, 20*time.Second, "pod "+name+" stopped", func() error {
		st := pod(t, namespace, name)
		if st.Running || !st.Deleted {
			return fmt.Errorf("running %v, deleted %v", st.Running, st.Deleted)
		}
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("process group %d: %v", pid, err)
		}
		return nil
	})
}

// wantFile waits until the file (in a pod's volume) contains want.
func wantFile(t *testing.T, file, want string) {
	t.Helper()
	eventually(t, 10*time.Second, file+" has "+want, func() error {
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), want) {
			return fmt.Errorf("no %q in:\n%s", want, b)
		}
		return nil
	})
}

const pgPassword = "super'secret"

// psql runs each sql as its own -c on the postgres database at ip and
// returns the unaligned, tuples-only output.
func psql(ip string, sql ...string) (string, error) {
	args := []string{"-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", ip, "-p", "5432", "-U", "postgres", "-d", "postgres"}
	for _, s := range sql {
		args = append(args, "-c", s)
	}
	cmd := exec.Command(filepath.Join(env.pgBin, "psql"), args...)
	cmd.Env = []string{"PGPASSWORD=" + pgPassword, "PGCONNECT_TIMEOUT=3", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql -h %s %q: %v: %s", ip, sql, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func mustPsql(t *testing.T, ip string, sql ...string) string {
	t.Helper()
	out, err := psql(ip, sql...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantPsql(t *testing.T, timeout time.Duration, ip, sql, want string) time.Duration {
	t.Helper()
	return eventually(t, timeout, fmt.Sprintf("%s: %s = %q", ip, sql, want), func() error {
		out, err := psql(ip, sql)
		if err != nil {
			return err
		}
		if out != want {
			return fmt.Errorf("got %q", out)
		}
		return nil
	})
}

// A primary, made a replication source by a ConfigMap-only upgrade, and a
// replica installed from the same chart that copies and streams from it.
func TestPostgresPrimaryAndReplica(t *testing.T) {
	setUp(t)
	src, dst := env.ips[clusterName+"/pg/src-postgres-0"], env.ips[clusterName+"/pg/dst-postgres-0"]

	t0 := time.Now()
	helm(t, "install", "src", chart("postgres"), "-n", "pg", "--create-namespace", "--set-string", "auth.superuserPassword="+pgPassword)
	waitRunning(t, "pg", "src-postgres-0")
	wantPsql(t, 60*time.Second, src, "SELECT 1", "1")
	t.Logf("primary answers %s after helm install (initdb included)", time.Since(t0).Round(10*time.Millisecond))
	mustPsql(t, src, "CREATE TABLE t (v text)", "INSERT INTO t VALUES ('before')")
	if got := mustPsql(t, src, "SHOW data_directory"); got != filepath.Join(pod(t, "pg", "src-postgres-0").Volumes["data"], "pgdata") {
		t.Errorf("data_directory = %s", got)
	}
	if got := mustPsql(t, src, "SELECT setting FROM pg_settings WHERE name = 'config_file'"); !strings.HasSuffix(got, "/volumes/config/postgresql.conf") {
		t.Errorf("config_file = %s", got)
	}

	// Replication on: the Secret and the ConfigMap change, the pod
	// template does not, so the primary keeps running.
	helm(t, "upgrade", "src", chart("postgres"), "-n", "pg", "--reuse-values",
		"--set", "replication.enabled=true", "--set", "replication.password=repl-pw", "--set", "replication.allowFrom={127.0.0.0/8}")
	hba := filepath.Join(pod(t, "pg", "src-postgres-0").Volumes["config"], "pg_hba.conf")
	wantFile(t, hba, "host    replication  replicator  127.0.0.0/8  scram-sha-256")
	mustPsql(t, src, "SELECT pg_reload_conf()")
	wantPsql(t, 10*time.Second, src, "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)", "1")
	mustPsql(t, src, "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD 'repl-pw'",
		"SELECT 1 FROM pg_create_physical_replication_slot('dst')")

	t1 := time.Now()
	helm(t, "install", "dst", chart("postgres"), "-n", "pg", "--set", "role=replica",
		"--set", "replication.source.host="+src, "--set", "replication.slot=dst", "--set", "replication.password=repl-pw",
		"--set-string", "auth.superuserPassword=not-used-by-a-replica")
	waitRunning(t, "pg", "dst-postgres-0")
	wantPsql(t, 60*time.Second, dst, "SELECT v FROM t", "before")
	t.Logf("replica answers with the primary's data %s after helm install (pg_basebackup included)", time.Since(t1).Round(10*time.Millisecond))
	if got := mustPsql(t, dst, "SELECT pg_is_in_recovery()"); got != "t" {
		t.Errorf("replica: pg_is_in_recovery() = %s", got)
	}
	mustPsql(t, src, "INSERT INTO t VALUES ('after')")
	lag := wantPsql(t, 10*time.Second, dst, "SELECT string_agg(v, ',' ORDER BY v) FROM t", "after,before")
	t.Logf("a row written on the primary is on the replica within %s", lag.Round(time.Millisecond))
	wantPsql(t, 10*time.Second, src, "SELECT state FROM pg_stat_replication", "streaming")
	t.Logf("pg_stat_replication: %s", mustPsql(t, src, "SELECT application_name, client_addr, state, sync_state FROM pg_stat_replication"))
	if got := mustPsql(t, src, "SELECT active FROM pg_replication_slots WHERE slot_name = 'dst'"); got != "t" {
		t.Errorf("slot dst active = %s", got)
	}
	auto, err := os.ReadFile(filepath.Join(pod(t, "pg", "dst-postgres-0").Volumes["data"], "pgdata", "postgresql.auto.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"primary_conninfo = ", "host=" + src, "primary_slot_name = 'dst'"} {
		if !strings.Contains(string(auto), want) {
			t.Errorf("replica's postgresql.auto.conf lacks %q:\n%s", want, auto)
		}
	}
	t.Logf("pg_basebackup -R recorded the password in primary_conninfo: %v", strings.Contains(string(auto), "repl-pw"))

	if st := pod(t, "pg", "src-postgres-0"); st.Starts != 1 || st.Restarts != 0 || st.Rollouts != 0 {
		t.Errorf("the primary was restarted: %+v", st)
	}

	// The migration fences a source with ALTER SYSTEM: postgresql.auto.conf
	// in the data directory must still apply with config_file elsewhere.
	mustPsql(t, src, "ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()")
	wantPsql(t, 10*time.Second, src, "SHOW default_transaction_read_only", "on")
	if _, err := psql(src, "INSERT INTO t VALUES ('fenced')"); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Errorf("a write on the fenced primary: %v", err)
	}
	mustPsql(t, src, "ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()")
	wantPsql(t, 10*time.Second, src, "SHOW default_transaction_read_only", "off")

	// helm uninstall stops the servers; the claims stay, like retained
	// volumes.
	for _, rel := range []string{"dst", "src"} {
		st := pod(t, "pg", rel+"-postgres-0")
		helm(t, "uninstall", rel, "-n", "pg")
		wantStopped(t, "pg", rel+"-postgres-0", st.PID)
		if _, err := os.Stat(filepath.Join(st.Volumes["data"], "pgdata", "PG_VERSION")); err != nil {
			t.Errorf("%s: the data volume did not survive: %v", rel, err)
		}
	}
}

// A replica installed before its source exists retries pg_basebackup
// until the source is up; a primary whose first start sees a replication
// password creates the replication role itself.
func TestPostgresReplicaWaitsForItsSource(t *testing.T) {
	setUp(t)
	early, late := env.ips[clusterName+"/pg2/early-postgres-0"], env.ips[clusterName+"/pg2/late-postgres-0"]

	helm(t, "install", "early", chart("postgres"), "-n", "pg2", "--create-namespace", "--set", "role=replica",
		"--set", "replication.source.host="+late, "--set", "replication.password=repl-pw",
		"--set-string", "auth.superuserPassword="+pgPassword)
	waitRunning(t, "pg2", "early-postgres-0")
	st := pod(t, "pg2", "early-postgres-0")
	wantFile(t, st.Log, "attempt 2")
	if _, err := os.Stat(filepath.Join(st.Volumes["data"], "pgdata")); err == nil {
		t.Errorf("a failed base backup left a data directory")
	}

	helm(t, "install", "late", chart("postgres"), "-n", "pg2", "--set-string", "auth.superuserPassword="+pgPassword,
		"--set", "replication.enabled=true", "--set", "replication.password=repl-pw", "--set", "replication.allowFrom={127.0.0.0/8}")
	wantPsql(t, 30*time.Second, late, "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'", "t")
	mustPsql(t, late, "CREATE TABLE t AS SELECT 'late' AS v")
	took := wantPsql(t, 30*time.Second, early, "SELECT v FROM t", "late")
	t.Logf("the waiting replica caught up %s after its source answered (retries every 5 s)", took.Round(10*time.Millisecond))
	wantPsql(t, 10*time.Second, late, "SELECT state FROM pg_stat_replication", "streaming")
	if _, err := os.Stat(filepath.Join(st.Volumes["data"], "pgdata.tmp")); err == nil {
		t.Errorf("pgdata.tmp left behind")
	}
	if st := pod(t, "pg2", "early-postgres-0"); st.Starts != 1 {
		t.Errorf("the replica's container was restarted: %+v", st)
	}
	for _, rel := range []string{"early", "late"} {
		st := pod(t, "pg2", rel+"-postgres-0")
		helm(t, "uninstall", rel, "-n", "pg2")
		wantStopped(t, "pg2", rel+"-postgres-0", st.PID)
	}
}

func redisCLI(ip string, args ...string) (string, error) {
	cmd := exec.Command("redis-cli", append([]string{"-h", ip, "-p", "6379"}, args...)...)
	cmd.Env = []string{"REDISCLI_AUTH=redis-pw", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("redis-cli -h %s %v: %v: %s", ip, args, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func wantRedis(t *testing.T, timeout time.Duration, ip, want string, args ...string) time.Duration {
	t.Helper()
	return eventually(t, timeout, fmt.Sprintf("%s: %v has %q", ip, args, want), func() error {
		out, err := redisCLI(ip, args...)
		if err != nil {
			return err
		}
		if !strings.Contains(out, want) {
			return fmt.Errorf("got %q", out)
		}
		return nil
	})
}

func mustRedis(t *testing.T, ip string, args ...string) string {
	t.Helper()
	out, err := redisCLI(ip, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A primary and a replica of it; then the replica is promoted and its
// release re-pointed with a ConfigMap-only upgrade.
func TestRedisPrimaryAndReplica(t *testing.T) {
	setUp(t)
	src, dst := env.ips[clusterName+"/cache/rsrc-redis-0"], env.ips[clusterName+"/cache/rdst-redis-0"]

	helm(t, "install", "rsrc", chart("redis"), "-n", "cache", "--create-namespace", "--set", "auth.password=redis-pw")
	waitRunning(t, "cache", "rsrc-redis-0")
	wantRedis(t, 20*time.Second, src, "PONG", "PING")
	mustRedis(t, src, "SET", "k1", "v1")
	if out, _ := exec.Command("redis-cli", "-h", src, "-p", "6379", "GET", "k1").CombinedOutput(); !strings.Contains(string(out), "NOAUTH") {
		t.Errorf("no password needed: %s", out)
	}

	helm(t, "upgrade", "rsrc", chart("redis"), "-n", "cache", "--reuse-values", "--set", "replication.enabled=true")
	wantFile(t, filepath.Join(pod(t, "cache", "rsrc-redis-0").Volumes["config"], "redis.conf"), "repl-backlog-size 64mb")
	mustRedis(t, src, "CONFIG", "SET", "repl-backlog-size", "64mb")

	t1 := time.Now()
	helm(t, "install", "rdst", chart("redis"), "-n", "cache", "--set", "auth.password=redis-pw", "--set", "replicaOf.host="+src)
	waitRunning(t, "cache", "rdst-redis-0")
	wantRedis(t, 30*time.Second, dst, "master_link_status:up", "INFO", "replication")
	t.Logf("redis replica linked %s after helm install", time.Since(t1).Round(10*time.Millisecond))
	if got := mustRedis(t, dst, "GET", "k1"); got != "v1" {
		t.Errorf("replica GET k1 = %q", got)
	}
	mustRedis(t, src, "SET", "k2", "v2")
	wantRedis(t, 10*time.Second, dst, "v2", "GET", "k2")
	wantRedis(t, 10*time.Second, src, "connected_slaves:1", "INFO", "replication")
	if st := pod(t, "cache", "rsrc-redis-0"); st.Starts != 1 || st.Restarts != 0 || st.Rollouts != 0 {
		t.Errorf("the primary was restarted: %+v", st)
	}

	// Promotion: REPLICAOF NO ONE, then clear replicaOf (ConfigMap only).
	mustRedis(t, dst, "REPLICAOF", "NO", "ONE")
	helm(t, "upgrade", "rdst", chart("redis"), "-n", "cache", "--reuse-values", "--set", "replicaOf.host=")
	eventually(t, 10*time.Second, "replicaof emptied", func() error {
		b, err := os.ReadFile(filepath.Join(pod(t, "cache", "rdst-redis-0").Volumes["config"], "replicaof"))
		if err != nil || len(b) != 0 {
			return fmt.Errorf("%q %v", b, err)
		}
		return nil
	})
	if st := pod(t, "cache", "rdst-redis-0"); st.Starts != 1 || st.Rollouts != 0 {
		t.Errorf("the promoted replica was restarted: %+v", st)
	}
	mustRedis(t, dst, "SET", "k3", "v3")

	// A pod template change (the image) replaces the pod; the data
	// survives in the claim, and the ConfigMap keeps it a primary.
	helm(t, "upgrade", "rdst", chart("redis"), "-n", "cache", "--reuse-values", "--set", "image=redis:7.0.15")
	eventually(t, 20*time.Second, "rdst rolled out", func() error {
		if st := pod(t, "cache", "rdst-redis-0"); st.Rollouts != 1 || !st.Running {
			return fmt.Errorf("%+v", st)
		}
		return nil
	})
	wantRedis(t, 20*time.Second, dst, "role:master", "INFO", "replication")
	wantRedis(t, 10*time.Second, dst, "v3", "GET", "k3")
	if st := pod(t, "cache", "rdst-redis-0"); st.Starts != 2 {
		t.Errorf("after the rollout: %+v", st)
	}

	for _, rel := range []string{"rdst", "rsrc"} {
		st := pod(t, "cache", rel+"-redis-0")
		helm(t, "uninstall", rel, "-n", "cache")
		wantStopped(t, "cache", rel+"-redis-0", st.PID)
	}
}

// The endpoint chart installs a re-pointable ExternalName Service.
func TestEndpointChart(t *testing.T) {
	setUp(t)
	out := helm(t, "template", "orders", chart("endpoint"), "--set", "host=src-postgres.pg.svc.cluster.local", "--set", "port=5432")
	for _, want := range []string{"type: ExternalName", `externalName: "src-postgres.pg.svc.cluster.local"`, "name: main", "port: 5432"} {
		if !strings.Contains(out, want) {
			t.Errorf("helm template lacks %q:\n%s", want, out)
		}
	}
	helm(t, "install", "orders", chart("endpoint"), "-n", "ep", "--create-namespace", "--set", "name=orders-db",
		"--set", "host=src-postgres.pg.svc.cluster.local", "--set", "port=5432")
	svc := getService(t, "ep", "orders-db")
	if svc.Spec.Type != "ExternalName" || svc.Spec.ExternalName != "src-postgres.pg.svc.cluster.local" ||
		len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 5432 || svc.Spec.Ports[0].Name != "main" {
		t.Errorf("service: %+v", svc.Spec)
	}
	helm(t, "upgrade", "orders", chart("endpoint"), "-n", "ep", "--reuse-values", "--set", "host=dst-postgres.pg.svc.cluster.local")
	if svc := getService(t, "ep", "orders-db"); svc.Spec.ExternalName != "dst-postgres.pg.svc.cluster.local" {
		t.Errorf("after the re-point: %+v", svc.Spec)
	}
	helm(t, "uninstall", "orders", "-n", "ep")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "port=5432"}, "host is required"},
		{[]string{"--set", "host=db.example.com"}, "port is required"},
		{[]string{"--set", "host=10.0.0.1", "--set", "port=1"}, "is an IP address"},
	} {
		r := env.helm.Run(nil, nil, append([]string{"template", "x", chart("endpoint")}, tc.args...)...)
		if r.Code == 0 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("helm template %v: want an error with %q\n%s", tc.args, tc.want, r)
		}
	}
}

type service struct {
	Spec struct {
		Type         string `json:"type"`
		ExternalName string `json:"externalName"`
		Ports        []struct {
			Name string `json:"name"`
			Port int    `json:"port"`
		} `json:"ports"`
	} `json:"spec"`
}

func getService(t *testing.T, namespace, name string) service {
	t.Helper()
	var svc service
	if err := env.api.Get(context.Background(), "/api/v1/namespaces/"+namespace+"/services/"+name, &svc); err != nil {
		t.Fatal(err)
	}
	return svc
}

// Every chart is lint-clean (with its required values) and refuses values
// that cannot work, with a message that says why.
func TestChartsLintAndValidate(t *testing.T) {
	setUp(t)
	for _, tc := range []struct {
		chart string
		args  []string
	}{
		{"postgres", []string{"--set", "auth.superuserPassword=x"}},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "role=replica", "--set", "replication.password=p", "--set", "replication.source.host=db", "--set", "replication.slot=s1"}},
		{"redis", nil},
		{"redis", []string{"--set", "auth.password=p", "--set", "replicaOf.host=db", "--set", "replication.enabled=true"}},
		{"endpoint", []string{"--set", "host=db.example.com", "--set", "port=5432"}},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "replicas=3", "--set", "members.hosts={a,b,c}", "--set", "members.allowFrom={10.0.0.0/8}", "--set", "replication.password=p"}},
		{"redis", []string{"--set", "replicas=2", "--set", "members.hosts={a,b}", "--set", "sentinel.enabled=true", "--set", "promotable=false"}},
		{"redis", []string{"--set", "replicas=6", "--set", "members.hosts={a,b,c,d,e,f}", "--set", "cluster.enabled=true", "--set", "cluster.create=false"}},
	} {
		r := env.helm.Run(nil, nil, append([]string{"lint", "--strict", chart(tc.chart)}, tc.args...)...)
		if r.Code != 0 || strings.Contains(r.Stdout, "[WARNING]") || strings.Contains(r.Stdout, "[ERROR]") {
			t.Errorf("helm lint %s %v:\n%s", tc.chart, tc.args, r)
		}
	}
	for _, tc := range []struct {
		chart string
		args  []string
		want  string
	}{
		{"postgres", nil, "auth.superuserPassword is required"},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "role=standby"}, "role must be primary or replica"},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "role=replica"}, "replication.password is required"},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "role=replica", "--set", "replication.password=p"}, "replication.source.host is empty"},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "replication.enabled=true", "--set", "replication.password=p"}, "replication.allowFrom is empty"},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "config.listen_addresses=*"}, "config.listen_addresses is set by the chart"},
		{"redis", []string{"--set", "config.requirepass=x"}, "config.requirepass is set by the chart"},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "replicas=2", "--set", "replication.password=p"}, "members.hosts must list the host of each pod"},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "replicas=2", "--set", "members.hosts={a,b}", "--set", "replication.password=p"}, "members.allowFrom is empty"},
		{"postgres", []string{"--set", "auth.superuserPassword=x", "--set", "replicas=2", "--set", "members.hosts={a,b}", "--set", "members.allowFrom={10.0.0.0/8}"}, "replication.password is required"},
		{"redis", []string{"--set", "sentinel.enabled=true"}, "members.hosts must list the host of each pod"},
		{"redis", []string{"--set", "members.hosts={a}", "--set", "sentinel.enabled=true", "--set", "sentinel.quorum=4"}, "sentinel.quorum 4 must be between 1 and sentinel.replicas (3)"},
		{"redis", []string{"--set", "replicas=2", "--set", "members.hosts={a,b}", "--set", "cluster.enabled=true"}, "cluster.shards is 3 but there are 2 pods"},
		{"redis", []string{"--set", "members.hosts={a}", "--set", "cluster.enabled=true", "--set", "cluster.shards=1", "--set", "replicaOf.host=db"}, "replicaOf does not apply to a cluster node"},
		{"redis", []string{"--set", "members.hosts={a}", "--set", "cluster.enabled=true", "--set", "cluster.shards=1", "--set", "sentinel.enabled=true"}, "choose one"},
		{"redis", []string{"--set", "promotable=false", "--set", "config.replica-priority=10"}, "config.replica-priority is set by promotable: false"},
		{"redis", []string{"--set", "promotable=false", "--set", "config.cluster-allow-replica-migration=yes"}, "config.cluster-allow-replica-migration is set by promotable: false"},
	} {
		r := env.helm.Run(nil, nil, append([]string{"template", "x", chart(tc.chart)}, tc.args...)...)
		if r.Code == 0 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("helm template %s %v: want an error with %q\n%s", tc.chart, tc.args, tc.want, r)
		}
	}
}

// A cluster node that is not promotable (a migration's target while it
// replicates) can neither be picked by an automatic failover nor move to
// another shard by replica migration, also after a restart (redis.conf).
func TestRedisClusterNodeNotPromotable(t *testing.T) {
	setUp(t)
	cluster := []string{"--show-only", "templates/configmap.yaml", "--set", "replicas=6", "--set", "members.hosts={a,b,c,d,e,f}", "--set", "cluster.enabled=true", "--set", "cluster.create=false"}
	settings := []string{"cluster-replica-no-failover yes", "cluster-allow-replica-migration no"}
	out := helm(t, append([]string{"template", "r", chart("redis"), "--set", "promotable=false"}, cluster...)...)
	for _, want := range settings {
		if !strings.Contains(out, "\n    "+want+"\n") {
			t.Errorf("promotable=false: redis.conf lacks %q:\n%s", want, out)
		}
	}
	out = helm(t, append([]string{"template", "r", chart("redis")}, cluster...)...)
	for _, unwanted := range settings {
		if strings.Contains(out, unwanted) {
			t.Errorf("promotable (the default): redis.conf has %q:\n%s", unwanted, out)
		}
	}
}

// The pod templates of the data charts do not change when only the
// replication, membership, fence and promotion knobs change, so those
// upgrades never restart a server.
func TestPodTemplatesIgnoreReplicationKnobs(t *testing.T) {
	setUp(t)
	render := func(c string, args ...string) string {
		t.Helper()
		out := helm(t, append([]string{"template", "r", chart(c), "--show-only", "templates/statefulset.yaml"}, args...)...)
		from, to := strings.Index(out, "  template:"), strings.Index(out, "  volumeClaimTemplates:")
		if from < 0 || to < from {
			t.Fatalf("%s %v: no pod template before volumeClaimTemplates:\n%s", c, args, out)
		}
		return out[from:to]
	}
	pg := []string{"--set", "auth.superuserPassword=x"}
	base := render("postgres", pg...)
	for _, knobs := range [][]string{
		{"--set", "replication.enabled=true", "--set", "replication.password=p", "--set", "replication.allowFrom={10.0.0.0/8}"},
		{"--set", "role=replica", "--set", "replication.password=p", "--set", "replication.source.host=db", "--set", "replication.slot=s"},
		{"--set", "config.max_connections=50", "--set", "auth.superuserPassword=other"},
		{"--set", "replicas=3", "--set", "members.hosts={a,b,c}", "--set", "members.allowFrom={10.0.0.0/8}", "--set", "replication.password=p"},
	} {
		if got := render("postgres", append(append([]string{}, pg...), knobs...)...); got != base {
			t.Errorf("postgres %v changes the pod template:\n%s\nvs\n%s", knobs, got, base)
		}
	}
	base = render("redis")
	for _, knobs := range [][]string{
		{"--set", "replicaOf.host=db", "--set", "replicaOf.port=6380"},
		{"--set", "replication.enabled=true", "--set", "config.maxmemory=1gb", "--set", "auth.password=p"},
		{"--set", "promotable=false", "--set", "fenced=true"},
		{"--set", "members.hosts={a}", "--set", "sentinel.enabled=true", "--set", "sentinel.monitor=false"},
	} {
		if got := render("redis", knobs...); got != base {
			t.Errorf("redis %v changes the pod template:\n%s\nvs\n%s", knobs, got, base)
		}
	}
}

// The double's own features, with a Deployment that uses all of them.
func TestKubeletFeatures(t *testing.T) {
	setUp(t)
	probe := filepath.Join("testdata", "probe")
	helm(t, "install", "probe", probe, "-n", "probe", "--create-namespace")
	st := waitRunning(t, "probe", "probe-local")
	// not in Config.PodIPs: an address of its own, from 127.0.1.N
	if !strings.HasPrefix(st.IP, "127.0.1.") || net.ParseIP(st.IP) == nil {
		t.Errorf("probe-local has IP %q, want 127.0.1.N", st.IP)
	}
	shared := st.Volumes["shared"]
	wantFile(t, filepath.Join(shared, "env.txt"), "cwd=")
	b, err := os.ReadFile(filepath.Join(shared, "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"greeting=hello\n",
		"expanded=hello $(GREETING) $(NOPE)\n",
		"pod=probe-local ns=probe ip=" + st.IP + "\n",
		"S_extra=from-secret token=s3cret\n",
		"missing=unset\n",
		"state=" + filepath.Join(shared, "state") + "\n",
		"cwd=" + st.Dir + "\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("env.txt lacks %q:\n%s", want, b)
		}
	}
	initOut, err := os.ReadFile(filepath.Join(shared, "init.txt"))
	if err != nil || !strings.HasPrefix(string(initOut), "init ran as ") {
		t.Errorf("init container: %q %v", initOut, err)
	}
	// The API server defaults a secret volume's defaultMode to 0644, as
	// the kubelet writes it.
	fi, err := os.Stat(filepath.Join(st.Volumes["secret"], "token"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("secret file: %v %v", fi, err)
	}

	// A ConfigMap change reaches the running pod; this one makes the
	// container exit 3, so it is restarted with back-off.
	helm(t, "upgrade", "probe", probe, "-n", "probe", "--set", "crash=true")
	eventually(t, 20*time.Second, "probe restarted after exiting", func() error {
		if st := pod(t, "probe", "probe-local"); st.Restarts < 1 || st.LastExit != "exit status 3" || st.Rollouts != 0 {
			return fmt.Errorf("%+v", st)
		}
		return nil
	})
	helm(t, "upgrade", "probe", probe, "-n", "probe", "--set", "crash=false")
	eventually(t, 30*time.Second, "probe running again", func() error {
		st := pod(t, "probe", "probe-local")
		if _, err := os.Stat(filepath.Join(st.Volumes["cfg"], "crash")); err == nil {
			return errors.New("the crash file is still there")
		}
		if !st.Running {
			return fmt.Errorf("%+v", st)
		}
		return nil
	})

	// Scaling to zero stops the pod; back to one starts a new one.
	pid := pod(t, "probe", "probe-local").PID
	helm(t, "upgrade", "probe", probe, "-n", "probe", "--set", "replicas=0")
	wantStopped(t, "probe", "probe-local", pid)
	helm(t, "upgrade", "probe", probe, "-n", "probe", "--set", "replicas=1")
	eventually(t, 20*time.Second, "probe back", func() error {
		if st := pod(t, "probe", "probe-local"); !st.Running || st.Deleted || st.Starts != 1 {
			return fmt.Errorf("%+v", st)
		}
		return nil
	})
	pid = pod(t, "probe", "probe-local").PID
	helm(t, "uninstall", "probe", "-n", "probe")
	wantStopped(t, "probe", "probe-local", pid)
}

// A StatefulSet of N replicas runs pods <name>-0 … <name>-(N-1), each with
// its own address and claim; scaling down stops the highest ordinals and
// leaves the others running.
func TestKubeletStatefulSetReplicas(t *testing.T) {
	setUp(t)
	probe := filepath.Join("testdata", "probe")
	helm(t, "install", "many", probe, "-n", "many", "--create-namespace", "--set", "replicas=0", "--set", "set=3")
	ips := map[string]bool{}
	var pids []int
	for i := range 3 {
		name := fmt.Sprintf("many-set-%d", i)
		st := waitRunning(t, "many", name)
		wantFile(t, filepath.Join(st.Volumes["data"], "who"), name+" "+st.IP+"\n")
		if !strings.HasSuffix(st.Volumes["data"], "/pvc/data-"+name) {
			t.Errorf("%s: claim %s, want data-%s", name, st.Volumes["data"], name)
		}
		ips[st.IP] = true
		pids = append(pids, st.PID)
	}
	if len(ips) != 3 {
		t.Errorf("three pods, %d addresses: %v", len(ips), ips)
	}
	helm(t, "upgrade", "many", probe, "-n", "many", "--set", "replicas=0", "--set", "set=1")
	wantStopped(t, "many", "many-set-2", pids[2])
	wantStopped(t, "many", "many-set-1", pids[1])
	if st := pod(t, "many", "many-set-0"); !st.Running || st.PID != pids[0] || st.Starts != 1 {
		t.Errorf("pod 0 was touched by the scale-down: %+v", st)
	}
	helm(t, "uninstall", "many", "-n", "many")
	wantStopped(t, "many", "many-set-0", pids[0])
}
