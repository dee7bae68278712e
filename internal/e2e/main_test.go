package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/safediff/safediff/internal/testenv"
)

// suite is what TestMain set up, shared by the tests.
var suite struct {
	skip    string // why the suite is skipped, when it is
	tools   *testenv.Tools
	cluster *testenv.Cluster
	helms   []helmUnderTest
	tmp     string
	// cleanups run after the tests, last first, before the cluster stops
	// (also when the suite is interrupted); add them with addCleanup
	cleanups   []func() error
	cleanupsMu sync.Mutex
}

// addCleanup registers what stops a server a test started for the suite.
func addCleanup(f func() error) {
	suite.cleanupsMu.Lock()
	defer suite.cleanupsMu.Unlock()
	suite.cleanups = append(suite.cleanups, f)
}

// runCleanups runs the registered cleanups, last first, once.
func runCleanups() (failed bool) {
	suite.cleanupsMu.Lock()
	defer suite.cleanupsMu.Unlock()
	for i := len(suite.cleanups) - 1; i >= 0; i-- {
		if err := suite.cleanups[i](); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: cleanup:", err)
			failed = true
		}
	}
	suite.cleanups = nil
	return failed
}

// stopOnSignal stops the suite's servers when it is interrupted (Ctrl-C,
// or a CI job cancelled): they run in process groups of their own, which
// the signal does not reach, and would outlive the tests. It returns the
// function that ends the watch, before the ordinary clean-up.
func stopOnSignal(cluster *testenv.Cluster) (end func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			fmt.Fprintf(os.Stderr, "e2e: %v: stopping the servers\n", s)
			runCleanups()
			if err := cluster.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "e2e:", err)
			}
			stopSigningAgent()
			fmt.Fprintf(os.Stderr, "e2e: kept %s (cluster logs in run/logs)\n", suite.tmp)
			os.Exit(1)
		case <-done:
		}
	}()
	return sync.OnceFunc(func() {
		signal.Stop(sig)
		close(done)
	})
}

type helmUnderTest struct {
	name string // "v3", "v4"
	*testenv.Helm
}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	tools, err := testenv.Load()
	if err != nil {
		if testenv.Required() {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
		suite.skip = err.Error()
		return m.Run()
	}
	suite.tools = tools
	tmp, err := os.MkdirTemp("", "safediff-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	suite.tmp = tmp
	code := setUpAndRun(m, tools, tmp)
	stopSigningAgent()
	if code == 0 {
		os.RemoveAll(tmp)
	} else {
		fmt.Fprintf(os.Stderr, "e2e: kept %s (cluster logs in run/logs)\n", tmp)
	}
	return code
}

func setUpAndRun(m *testing.M, tools *testenv.Tools, tmp string) int {
	pluginDir := filepath.Join(tmp, "safediff") // helm names the installed plugin link after the dir
	if err := tools.BuildPlugin(pluginDir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the plugin:", err)
		return 1
	}
	cluster, err := tools.StartCluster(filepath.Join(tmp, "run"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	suite.cluster = cluster
	defer func() {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
		}
	}()
	endWatch := stopOnSignal(cluster)
	defer endWatch()
	for _, hv := range []struct{ name, bin string }{{"v3", tools.Helm3}, {"v4", tools.Helm4}} {
		h := helmUnderTest{hv.name, cluster.NewHelm(hv.bin, filepath.Join(tmp, "helm-"+hv.name))}
		for _, dir := range []string{tools.HelmDiffDir, pluginDir} {
			if r := h.Run(nil, nil, "plugin", "install", dir); r.Code != 0 {
				fmt.Fprintf(os.Stderr, "e2e: helm %s: installing plugin %s:\n%s\n", hv.name, dir, r)
				return 1
			}
		}
		suite.helms = append(suite.helms, h)
	}
	code := m.Run()
	endWatch()
	if runCleanups() {
		code = 1
	}
	return code
}

// eachHelm runs body once per helm version, in a namespace of its own.
func eachHelm(t *testing.T, body func(t *testing.T, h helmUnderTest, ns string)) {
	t.Helper()
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	for _, h := range suite.helms {
		t.Run("helm"+h.name, func(t *testing.T) {
			ns := namespaceFor(t.Name())
			body(t, h, ns)
		})
	}
}

// namespaceFor makes a DNS label of a test name: "TestX/case/helmv3" →
// "testx-case-helmv3", shortened with a hash when too long.
func namespaceFor(name string) string {
	ns := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(name))
	if len(ns) <= 63 {
		return ns
	}
	sum := sha256.Sum256([]byte(ns))
	return strings.TrimRight(ns[:50], "-") + "-" + hex.EncodeToString(sum[:])[:8]
}

// chart returns a copy of testdata/charts/shop with the given chart
// version and appVersion.
func chart(t *testing.T, version string) string {
	t.Helper()
	src := filepath.Join(suite.tools.Root, "testdata", "charts", "shop")
	dst := filepath.Join(t.TempDir(), "shop")
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "Chart.yaml" {
			s := strings.Replace(string(b), "\nversion: 1.0.0\n", "\nversion: "+version+"\n", 1)
			s = strings.Replace(s, "\nappVersion: \"1.0.0\"\n", "\nappVersion: \""+version+"\"\n", 1)
			if !strings.Contains(s, "version: "+version+"\n") {
				return fmt.Errorf("Chart.yaml: no version line to bump")
			}
			b = []byte(s)
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// install installs the shop chart (1.0.0) as release rel in namespace ns,
// with extra flags such as those of [sets].
func install(t *testing.T, h helmUnderTest, ns, rel string, flags ...string) {
	t.Helper()
	h.MustRun(t, append([]string{"install", rel, chart(t, "1.0.0"), "-n", ns, "--create-namespace"}, flags...)...)
	wantHistory(t, h, ns, rel, 1, "deployed")
}

// safediff runs helm safediff with args and the namespace.
func safediff(t *testing.T, h helmUnderTest, ns string, args ...string) testenv.Result {
	t.Helper()
	r := h.Run(nil, nil, append(append([]string{"safediff"}, args...), "-n", ns)...)
	t.Logf("helm %s safediff %s: exit %d in %v", h.name, strings.Join(args, " "), r.Code, r.Took.Round(1e6))
	return r
}

// sets turns values into --set flags.
func sets(values ...string) []string {
	var out []string
	for _, v := range values {
		out = append(out, "--set", v)
	}
	return out
}

// wantHistory checks that the release's newest revision is rev, with the
// given status: the proof of whether helm upgrade ran.
func wantHistory(t *testing.T, h helmUnderTest, ns, rel string, rev int, status string) {
	t.Helper()
	revs, err := h.History(ns, rel)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) == 0 {
		t.Fatalf("helm history %s: no revisions, want %d %s", rel, rev, status)
	}
	last := revs[len(revs)-1]
	if last.Revision != rev || last.Status != status {
		t.Fatalf("helm history %s: newest revision %d %s, want %d %s (%d revisions)", rel, last.Revision, last.Status, rev, status, len(revs))
	}
}

func wantExit(t testing.TB, r testenv.Result, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit %d, want %d\n%s", r.Code, code, r)
	}
}

// wantIn checks that each of subs occurs in s.
func wantIn(t testing.TB, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
