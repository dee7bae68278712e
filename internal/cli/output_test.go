package cli_test

import (
	"os"
	"strings"
	"testing"
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
