package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/cli"
)

// TestMigrateValidateGolden: safediff migrate validate on broken files
// reports every problem at once, each with its line, column and field,
// naming only fields the file wrote, and both missing password variables.
func TestMigrateValidateGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "migrate", "*.yaml"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			for _, env := range []map[string]string{{}, {"ORDERS_PG_PASSWORD": "x", "ORDERS_PG_REPLICATION_PASSWORD": "y", "SESSIONS_REDIS_PASSWORD": "z"}} {
				var out, errb bytes.Buffer
				code := cli.Run(context.Background(), []string{"migrate", "validate", filepath.Join("..", "..", "testdata", "migrate", name)}, cli.Streams{
					In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] },
				})
				fmt.Fprintf(&b, "=== %d variables set (exit %d)\n%s", len(env), code, out.String())
				if errb.Len() > 0 {
					b.WriteString("--- stderr\n" + errb.String())
				}
			}
			golden := filepath.Join("..", "..", "testdata", "migrate", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if d := cmp.Diff(string(want), b.String()); d != "" {
				t.Errorf("%s (-want +got):\n%s", golden, d)
			}
		})
	}
}
