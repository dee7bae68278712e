package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/cli"
)

// A markdown budget below the documented minimum, zero or negative is an
// error (exit 1) that names the flag; the minimum itself is honoured.
func TestMaxBytesFlag(t *testing.T) {
	diff, err := os.ReadFile("../../testdata/examples/chart-bump.diff")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"100", "0", "-5", "1023"} {
		out, errOut, code := run(t, string(diff), "review", "-o", "markdown", "--max-bytes", v)
		if code != 1 || !strings.Contains(errOut, "--max-bytes") || out != "" {
			t.Errorf("--max-bytes %s: exit %d, stderr %q, %d bytes of report; want exit 1, an error naming --max-bytes, no report", v, code, errOut, len(out))
		}
	}
	out, errOut, code := run(t, string(diff), "review", "-o", "markdown", "--max-bytes", "1024")
	if code != 2 || len(out) > 1024 || !strings.Contains(out, "gate tripped") {
		t.Errorf("--max-bytes 1024: exit %d, %d bytes (want exit 2, at most 1024 bytes with the verdict)\n%s%s", code, len(out), out, errOut)
	}
}

// runEnv runs the CLI in-process with an environment.
func runEnv(t *testing.T, env map[string]string, input string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb strings.Builder
	code = cli.Run(context.Background(), args, cli.Streams{
		In: strings.NewReader(input), Out: &out, Err: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	return out.String(), errb.String(), code
}

// Colour: the explicit flag first, then NO_COLOR, then FORCE_COLOR, then
// whether the output is a terminal (in these tests it never is).
func TestColorPrecedence(t *testing.T) {
	diff, err := os.ReadFile("../../testdata/examples/chart-bump.diff")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		env    map[string]string
		flags  []string
		want   bool
		reason string
	}{
		{"auto", nil, nil, false, "not a terminal: no colour"},
		{"force", map[string]string{"FORCE_COLOR": "1"}, nil, true, "FORCE_COLOR colours a CI log"},
		{"force-any-value", map[string]string{"FORCE_COLOR": "true"}, nil, true, "any value but empty, 0 and false forces"},
		{"force-zero", map[string]string{"FORCE_COLOR": "0"}, nil, false, "FORCE_COLOR=0 is off, as in Node"},
		{"no-color-wins", map[string]string{"FORCE_COLOR": "1", "NO_COLOR": "1"}, nil, false, "NO_COLOR wins over FORCE_COLOR"},
		{"always", map[string]string{"NO_COLOR": "1"}, []string{"--color", "always"}, true, "the explicit flag wins over NO_COLOR"},
		{"always=", nil, []string{"--color=always"}, true, "the = form"},
		{"never", map[string]string{"FORCE_COLOR": "1"}, []string{"--color", "never"}, false, "the explicit flag wins over FORCE_COLOR"},
		{"no-color-flag", map[string]string{"FORCE_COLOR": "1"}, []string{"--no-color"}, false, "--no-color is --color never"},
		{"no-color-flag-over-always", nil, []string{"--no-color", "--color", "always"}, false, "--no-color wins: never is the safe side"},
		{"dumb", map[string]string{"TERM": "dumb", "FORCE_COLOR": "1"}, nil, true, "FORCE_COLOR wins over TERM=dumb"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runEnv(t, tc.env, string(diff), append([]string{"review"}, tc.flags...)...)
			if code != 2 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got := strings.Contains(out, "\x1b["); got != tc.want {
				t.Errorf("coloured = %v, want %v (%s)", got, tc.want, tc.reason)
			}
		})
	}
	_, errOut, code := runEnv(t, nil, string(diff), "review", "--color", "sometimes")
	if code != 1 || !strings.Contains(errOut, "--color") {
		t.Errorf("--color sometimes: exit %d, %q; want exit 1 naming the flag", code, errOut)
	}
}

// TestTextReportEscapesInput: a reason quotes what the input named (a
// port's name, here a double-quoted YAML string holding a line break and
// a terminal's "conceal" sequence). Printed raw, it forged a line
// "Gate: PASS ... exit 0" in the text report and hid the real one.
func TestTextReportEscapesInput(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", "forged-gate-port-name.diff"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, string(data), "review", "--no-color")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	gates := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Gate: ") {
			gates++
		}
	}
	if gates != 1 || strings.ContainsAny(out, "\x1b\r") || !strings.Contains(out, `\u000aGate: PASS`) {
		t.Errorf("the input's line break or escape reached the report raw (%d gate lines):\n%s", gates, out)
	}
}
