package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalsStopAndCleanUp runs the command and stops it, while helm
// upgrade runs, with each signal that stops a terminal's or a CI job's
// work: helm is interrupted (not killed, which leaves a release pending),
// the copies of the values (which may hold secrets) are removed, and the
// exit code is not 0. The work itself is tested in package cli; this is
// main's wiring of the signals.
func TestSignalsStopAndCleanUp(t *testing.T) {
	bin := build(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			u := startUpgrade(t, bin, nil)
			if err := u.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := u.cmd.Wait()
			if err == nil {
				t.Errorf("exit 0 after %s", sig)
			}
			if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
				t.Errorf("safediff was ended by the signal itself (%v): nothing was cleaned up", err)
			}
			u.check(t)
		})
	}
}

// TestEndOfHelmStopsThePlugin: helm does not pass a signal on to its
// plugin. When a CI job ends helm, which ran safediff as its plugin,
// safediff stops as on SIGTERM, rather than upgrading the release after
// the job was told it failed. Here the parent is a shell, killed.
func TestEndOfHelmStopsThePlugin(t *testing.T) {
	bin := build(t)
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	u := startUpgrade(t, "/bin/sh", func(args []string) []string {
		// the shell waits for safediff, as helm waits for its plugin
		return append([]string{"-c", `"$0" "$@" & echo $! > '` + pidFile + `'; wait`, bin}, args...)
	}, "HELM_PLUGIN_NAME=safediff")
	if err := u.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	u.cmd.Wait()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	// safediff, orphaned, ends by itself
	for i := 0; syscall.Kill(pid, 0) == nil; i++ {
		if i > 400 {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatal("safediff went on after helm was gone")
		}
		time.Sleep(25 * time.Millisecond)
	}
	u.check(t)
}

// build builds the command.
func build(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake helm is a shell script")
	}
	bin := filepath.Join(t.TempDir(), "safediff")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// upgrade is safediff upgrade, running a fake helm's upgrade.
type upgrade struct {
	cmd              *exec.Cmd
	tmp, interrupted string
}

// startUpgrade starts safediff upgrade (through wrap, when given, a
// program that runs it) with a values file and returns once the fake
// helm's upgrade runs.
func startUpgrade(t *testing.T, bin string, wrap func([]string) []string, env ...string) *upgrade {
	t.Helper()
	diff, err := filepath.Abs(filepath.Join("..", "..", "testdata", "helm-diff", "cli-real-label-image.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	started, interrupted := filepath.Join(dir, "started"), filepath.Join(dir, "interrupted")
	helm := filepath.Join(dir, "helm")
	script := "#!/bin/sh\ncase \"$1\" in\nversion) echo v3.17.0 ;;\nhistory) echo '[]' ;;\ndiff) cat '" + diff + "' ;;\n" +
		"upgrade) trap 'echo > \"" + interrupted + "\"; exit 130' INT; echo > '" + started + "'; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done ;; # 30 s at most: a test that fails leaves nothing running\nesac\n"
	if err := os.WriteFile(helm, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	values := filepath.Join(dir, "prod.yaml")
	if err := os.WriteFile(values, []byte("password: s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"upgrade", "web", "./chart", "-f", values}
	if wrap != nil {
		args = wrap(args)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "HELM_BIN="+helm, "TMPDIR="+tmp), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if i > 800 {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("helm upgrade never started")
		}
		time.Sleep(25 * time.Millisecond)
	}
	if left, _ := os.ReadDir(tmp); len(left) == 0 {
		t.Fatal("no copy of the values was made: the test shows nothing")
	}
	return &upgrade{cmd: cmd, tmp: tmp, interrupted: interrupted}
}

// check checks that helm upgrade was interrupted and the copies removed.
func (u *upgrade) check(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(u.interrupted); err != nil {
		t.Errorf("helm upgrade was not interrupted")
	}
	if left, _ := os.ReadDir(u.tmp); len(left) > 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
}
