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
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if b, _ := os.ReadFile(filepath.Join(dir, "go.mod")); bytes.HasPrefix(b, []byte("module github.com/safediff/safediff\n")) {
				return dir, nil
			}
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
	f, err := os.Open(filepath.Join(cache, "tools.env"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoTools
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		vars[k] = strings.Trim(v, "'")
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
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

// Required says whether a missing toolchain is a failure rather than a
// reason to skip (SAFEDIFF_E2E_REQUIRED=1).
func Required() bool { return os.Getenv("SAFEDIFF_E2E_REQUIRED") == "1" }

// Cluster is a running kube-apiserver and etcd.
type Cluster struct {
	Dir        string // its RUN dir
	Kubeconfig string
	Env        map[string]string // what up.sh wrote to $RUN/env
	tools      *Tools
}

// StartCluster starts a cluster whose state lives in dir (a new, empty
// directory), with scripts/e2e/up.sh.
func (t *Tools) StartCluster(dir string) (*Cluster, error) {
	cmd := exec.Command("bash", filepath.Join(t.Root, "scripts", "e2e", "up.sh"))
	cmd.Env = append(os.Environ(), "RUN="+dir, "SAFEDIFF_CACHE="+t.Vars["SAFEDIFF_CACHE"])
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		c := &Cluster{Dir: dir, tools: t}
		c.Stop()
		return nil, fmt.Errorf("up.sh: %v\n%s", err, errb.String())
	}
	env := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "=")
		if ok {
			env[k] = strings.Trim(v, "'\"")
		}
	}
	if env["KUBECONFIG"] == "" {
		return nil, fmt.Errorf("up.sh printed no KUBECONFIG:\n%s", out.String())
	}
	return &Cluster{Dir: dir, Kubeconfig: env["KUBECONFIG"], Env: env, tools: t}, nil
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

// BuildPlugin builds the safediff helm plugin from this checkout into dir
// (plugin.yaml and bin/safediff), as make plugin does in ./plugin.
func (t *Tools) BuildPlugin(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return err
	}
	manifest, err := os.ReadFile(filepath.Join(t.Root, "plugin", "plugin.yaml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "plugin.yaml"), manifest, 0o644); err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "bin", "safediff"), "./cmd/safediff")
	cmd.Dir = t.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	return nil
}
