package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	if runtime.GOOS == "windows" {
		t.Skip("the fake helm is a shell script")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "safediff")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	diff, err := filepath.Abs(filepath.Join("..", "..", "testdata", "helm-diff", "cli-real-label-image.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			tmp := filepath.Join(dir, "tmp")
			if err := os.Mkdir(tmp, 0o700); err != nil {
				t.Fatal(err)
			}
			started, interrupted := filepath.Join(dir, "started"), filepath.Join(dir, "interrupted")
			helm := filepath.Join(dir, "helm")
			script := "#!/bin/sh\ncase \"$1\" in\nversion) echo v3.17.0 ;;\ndiff) cat '" + diff + "' ;;\n" +
				"upgrade) trap 'echo > \"" + interrupted + "\"; exit 130' INT; echo > '" + started + "'; while :; do sleep 0.05; done ;;\nesac\n"
			if err := os.WriteFile(helm, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			values := filepath.Join(dir, "prod.yaml")
			if err := os.WriteFile(values, []byte("password: s3cret\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "upgrade", "web", "./chart", "-f", values)
			cmd.Env = append(os.Environ(), "HELM_BIN="+helm, "TMPDIR="+tmp)
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
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if _, serr := os.Stat(interrupted); serr != nil {
				t.Errorf("helm upgrade was not interrupted")
			}
			if err == nil {
				t.Errorf("exit 0 after %s", sig)
			}
			if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
				t.Errorf("safediff was ended by the signal itself (%v): nothing was cleaned up", err)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("left in TMPDIR: %v", left)
			}
		})
	}
}
