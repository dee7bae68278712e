package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/safediff/safediff/internal/cli"
)

// A failed helm upgrade's message reaches the user once: helm prints it,
// and safediff's own line says what failed without repeating it.
func TestUpgradeFailureMessageOnce(t *testing.T) {
	bin, _ := fakeHelm(t, sample(t, "cli-real-label-image.txt"))
	failing := filepath.Join(t.TempDir(), "helm")
	script := "#!/bin/sh\ncase \"$1\" in upgrade) echo 'Error: UPGRADE FAILED: cannot patch \"web\": field is immutable' >&2; exit 1;; esac\nexec '" + bin + "' \"$@\"\n"
	if err := os.WriteFile(failing, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"upgrade", "web", "./chart"}, cli.Streams{
		In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv: func(k string) string { return map[string]string{"HELM_BIN": failing}[k] },
	})
	if code != 1 {
		t.Fatalf("exit %d, want helm's 1\n%s", code, errb.String())
	}
	if n := strings.Count(errb.String(), "field is immutable"); n != 1 {
		t.Errorf("helm's message is printed %d times, want once:\n%s", n, errb.String())
	}
	if !strings.Contains(errb.String(), "helm upgrade failed (exit 1) after the review passed; helm's message is above") {
		t.Errorf("safediff's line is missing:\n%s", errb.String())
	}
}

// Under helm (HELM_PLUGIN_NAME set), a tripped gate ends with safediff's
// own line, which says that helm's "plugin exited with error" after it is
// the gate's exit 2, not a failure; outside helm there is no such line.
func TestTrippedGateUnderHelm(t *testing.T) {
	diff, err := os.ReadFile("../../testdata/examples/chart-bump.diff")
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runEnv(t, map[string]string{"HELM_PLUGIN_NAME": "safediff"}, string(diff), "review")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code != 2 || !strings.Contains(lines[len(lines)-1], "safediff: exit 2: the review tripped the gate; nothing failed") {
		t.Errorf("exit %d, stderr %q: want exit 2 ending with safediff's explanation", code, errOut)
	}
	_, errOut, _ = runEnv(t, nil, string(diff), "review")
	if errOut != "" {
		t.Errorf("outside helm, stderr is %q, want nothing", errOut)
	}
}

// safediff review without a FILE on a terminal does not wait silently: it
// says what it expects and refuses (exit 1); "-" still reads the terminal.
func TestReviewRefusesTerminalStdin(t *testing.T) {
	tty := openPTY(t)
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(context.Background(), []string{"review"}, cli.Streams{In: tty, Out: &out, Err: &errb, Getenv: func(string) string { return "" }})
	}()
	var code int
	select {
	case code = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("safediff review waits silently on a terminal")
	}
	if code != 1 || !strings.Contains(errb.String(), "standard input is a terminal") || !strings.Contains(errb.String(), "| safediff review") {
		t.Errorf("exit %d, stderr %q: want exit 1 saying what review expects", code, errb.String())
	}
}

// openPTY opens a pseudo-terminal and returns its terminal side, which
// reads as nothing was typed (the test closes it).
func openPTY(t *testing.T) *os.File {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return tty
}
