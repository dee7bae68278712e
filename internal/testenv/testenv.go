// Package testenv starts the real components of safediff's end-to-end
// tests: the pinned helm (v3 and v4) and helm-diff built by
// scripts/e2e/build-tools.sh, a throw-away kube-apiserver and etcd on
// 127.0.0.1 started by scripts/e2e/up.sh and stopped by PID with
// scripts/e2e/down.sh, and the safediff helm plugin built from this
// checkout.
//
// Nothing here is faked: the tests that use it talk to real servers. When
// the toolchain is not built, [Load] says so; suites skip unless
// SAFEDIFF_E2E_REQUIRED=1 (set by make e2e and CI), where a missing
// toolchain is a failure.
package testenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Tools are the built binaries, as tools.env lists them.
type Tools struct {
	Root         string // the repository root
	Helm3, Helm4 string // helm v3 and v4 binaries
	HelmDiffDir  string // the helm-diff plugin dir, for helm plugin install
	Vars         map[string]string
}

// Root finds the repository root from the working directory of a test.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module github.com/safediff/safediff\n")) {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("not inside the safediff repository")
		}
		dir = up
	}
}

// ErrNoTools means the toolchain has not been built.
var ErrNoTools = errors.New("the end-to-end toolchain is not built (run scripts/e2e/build-tools.sh, or make e2e)")

// Load reads tools.env from $SAFEDIFF_CACHE (default <root>/.cache/e2e).
func Load() (*Tools, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cache := os.Getenv("SAFEDIFF_CACHE")
	if cache == "" {
		cache = filepath.Join(root, ".cache", "e2e")
	}
	b, err := os.ReadFile(filepath.Join(cache, "tools.env"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoTools
	}
	if err != nil {
		return nil, err
	}
	vars := parseEnv(string(b))
	t := &Tools{Root: root, Helm3: vars["SAFEDIFF_E2E_HELM"], Helm4: vars["SAFEDIFF_E2E_HELM4"],
		HelmDiffDir: vars["SAFEDIFF_E2E_HELM_DIFF_PLUGIN"], Vars: vars}
	for _, p := range []string{t.Helm3, t.Helm4, filepath.Join(t.HelmDiffDir, "bin", "diff"),
		vars["SAFEDIFF_E2E_KUBE_APISERVER"], vars["SAFEDIFF_E2E_ETCD"]} {
		if p == "" {
			return nil, fmt.Errorf("%w: tools.env is incomplete", ErrNoTools)
		}
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoTools, err)
		}
	}
	return t, nil
}

// parseEnv reads the export K='v' lines of tools.env and of what up.sh
// prints; comments are skipped.
func parseEnv(text string) map[string]string {
	vars := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if ok && !strings.HasPrefix(line, "#") {
			vars[k] = strings.Trim(v, `'"`)
		}
	}
	return vars
}

// Required says whether a missing toolchain is a failure rather than a
// reason to skip (SAFEDIFF_E2E_REQUIRED=1).
func Required() bool { return os.Getenv("SAFEDIFF_E2E_REQUIRED") == "1" }

// Cluster is a running kube-apiserver and etcd.
type Cluster struct {
	Dir        string // its RUN dir
	Kubeconfig string
	tools      *Tools
}

// StartCluster starts a cluster whose state lives in dir (a new, empty
// directory), with scripts/e2e/up.sh.
func (t *Tools) StartCluster(dir string) (*Cluster, error) {
	cmd := exec.Command("bash", filepath.Join(t.Root, "scripts", "e2e", "up.sh"))
	cmd.Env = append(os.Environ(), "RUN="+dir, "SAFEDIFF_CACHE="+t.Vars["SAFEDIFF_CACHE"])
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	c := &Cluster{Dir: dir, tools: t}
	err := cmd.Run()
	if err == nil {
		if c.Kubeconfig = parseEnv(out.String())["KUBECONFIG"]; c.Kubeconfig == "" {
			err = fmt.Errorf("printed no KUBECONFIG:\n%s", out.String())
		}
	}
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("up.sh: %v\n%s", err, errb.String())
	}
	return c, nil
}

// Stop stops the servers by the PIDs up.sh recorded, and removes nothing.
func (c *Cluster) Stop() error {
	cmd := exec.Command("bash", filepath.Join(c.tools.Root, "scripts", "e2e", "down.sh"))
	cmd.Env = append(os.Environ(), "RUN="+c.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("down.sh: %v\n%s", err, out)
	}
	return nil
}

// Helm runs one helm binary against a cluster, with its own helm homes.
type Helm struct {
	Bin string
	Env []string // the complete environment of every call
}

// NewHelm returns a helm whose data, config and cache live under home.
func (c *Cluster) NewHelm(bin, home string) *Helm {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "HELM_") || k == "KUBECONFIG" || k == "NO_COLOR" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "KUBECONFIG="+c.Kubeconfig,
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"))
	return &Helm{Bin: bin, Env: env}
}

// Result is a finished command.
type Result struct {
	Args           []string
	Stdout, Stderr string
	Code           int
	Took           time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("$ helm %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// Run runs helm with args; stdin may be nil. Extra env entries override.
func (h *Helm) Run(stdin []byte, extraEnv []string, args ...string) Result {
	cmd := exec.Command(h.Bin, args...)
	cmd.Env = append(append([]string{}, h.Env...), extraEnv...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	err := cmd.Run()
	r := Result{Args: args, Stdout: out.String(), Stderr: errb.String(), Took: time.Since(t0)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		r.Code = -1
		r.Stderr += "\n" + err.Error()
	}
	return r
}

// MustRun runs helm with args and fails the test unless helm exits 0.
func (h *Helm) MustRun(t testing.TB, args ...string) Result {
	t.Helper()
	r := h.Run(nil, nil, args...)
	if r.Code != 0 {
		t.Fatalf("helm failed:\n%s", r)
	}
	return r
}

// Revision is one entry of helm history.
type Revision struct {
	Revision    int    `json:"revision"`
	Status      string `json:"status"`
	Chart       string `json:"chart"`
	Description string `json:"description"`
}

// History returns the release's history (helm history -o json), oldest
// first, or an error (for example "release: not found").
func (h *Helm) History(namespace, release string) ([]Revision, error) {
	r := h.Run(nil, nil, "history", release, "-n", namespace, "-o", "json")
	if r.Code != 0 {
		return nil, fmt.Errorf("helm history %s: exit %d: %s", release, r.Code, strings.TrimSpace(r.Stderr))
	}
	var revs []Revision
	if err := json.Unmarshal([]byte(r.Stdout), &revs); err != nil {
		return nil, fmt.Errorf("helm history %s: %v", release, err)
	}
	return revs, nil
}

// BuildPlugin builds the safediff helm plugin from this checkout into dir,
// as make plugin does in ./plugin: scripts/plugin.sh writes bin/safediff,
// plugin.yaml (helm v3's format, which helm v4 reads too), completion.yaml
// and plugin.complete.
func (t *Tools) BuildPlugin(dir string) error {
	cmd := exec.Command("bash", filepath.Join(t.Root, "scripts", "plugin.sh"), dir, "legacy")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("scripts/plugin.sh: %v\n%s", err, out)
	}
	return nil
}

// DataPlane is what the kubelet double (internal/testenv/kubelet) needs to
// run the bundled charts' servers, as scripts/e2e/install-dataplane.sh
// installs it.
type DataPlane struct {
	PGBin string              // the PostgreSQL 15 server binaries ($PG_BIN, default /usr/lib/postgresql/15/bin)
	RunAs *syscall.Credential // the postgres user when the tests run as root (postgres refuses root), else nil
}

// FindDataPlane finds the data-plane binaries; its error says what is
// missing, a reason to skip unless [Required].
func FindDataPlane() (*DataPlane, error) {
	dp := &DataPlane{PGBin: os.Getenv("PG_BIN")}
	if dp.PGBin == "" {
		dp.PGBin = "/usr/lib/postgresql/15/bin"
	}
	var missing []string
	for _, b := range []string{"initdb", "postgres", "pg_basebackup", "pg_ctl", "psql"} {
		if _, err := os.Stat(filepath.Join(dp.PGBin, b)); err != nil {
			missing = append(missing, filepath.Join(dp.PGBin, b))
		}
	}
	for _, b := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("data-plane binaries missing (run scripts/e2e/install-dataplane.sh): %s", strings.Join(missing, ", "))
	}
	if os.Geteuid() == 0 {
		var err error
		if dp.RunAs, err = lookupUser("postgres"); err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user to run the pods as: %w", err)
		}
	}
	return dp, nil
}

// lookupUser reads a user's uid and gid from /etc/passwd.
func lookupUser(name string) (*syscall.Credential, error) {
	data, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[0] != name {
			continue
		}
		uid, err1 := strconv.ParseUint(f[2], 10, 32)
		gid, err2 := strconv.ParseUint(f[3], 10, 32)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("no user %s in /etc/passwd", name)
}

// FreeLoopback picks a random 127.x.y.z, outside the kubelet double's
// default 127.0.1.N, on which nothing listens on any of ports. Other tests
// may run servers on loopback at the same time.
func FreeLoopback(ports ...int) (string, error) {
	for range 100 {
		ip := fmt.Sprintf("127.%d.%d.%d", 10+rand.IntN(240), rand.IntN(256), 2+rand.IntN(252))
		free := true
		for _, port := range ports {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return ip, nil
		}
	}
	return "", errors.New("no free loopback address")
}
