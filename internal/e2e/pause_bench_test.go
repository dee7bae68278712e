package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// BenchmarkMigratePause measures the clients' pause of a cut-over, from
// pausing them to resuming them, with a writer running and nothing
// interrupted: the figure the README gives. The target replicates first
// (run --until wait-replica); the measured run does the rest. Run it with
// -benchtime=1x: each iteration is a whole migration.
//
//	SAFEDIFF_E2E_REQUIRED=1 go test ./internal/e2e -run '^$' -bench MigratePause -benchtime=1x
func BenchmarkMigratePause(b *testing.B) {
	for _, c := range []struct{ component, ns string }{{"postgres", "pgpause"}, {"redis", "rdpause"}} {
		b.Run(c.component, func(b *testing.B) {
			if b.N > 1 {
				b.Skip("one migration per namespace: use -benchtime=1x")
			}
			m := newMig(b, c.component, c.ns)
			m.install()
			m.migrationFile()
			w := m.startWriter()
			wantExit(b, m.safediff("run", m.file, "--yes", "--until", "wait-replica"), 0)
			w.waitMore(50)
			b.ResetTimer()
			r := m.safediff("run", m.file, "--yes")
			b.StopTimer()
			wantExit(b, r, 0)
			w.waitMore(20)
			acked, _ := w.result()
			var stored []int64
			if c.component == "postgres" {
				stored = m.pgRecords(m.dstAddr())
			} else {
				stored = m.redisRecords(m.dstAddr())
			}
			checkRecords(b, stored, acked)
			pause := regexp.MustCompile(`the clients were paused for (\S+)`).FindStringSubmatch(r.Stdout)
			if pause == nil {
				b.Fatalf("no pause in the output:\n%s", r.Stdout)
			}
			d, err := time.ParseDuration(pause[1])
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(d.Seconds(), "pause-s")
			// where the pause goes: each step's time, from the state's log
			var steps []string
			for _, e := range m.state().Log {
				if took, ok := strings.CutPrefix(e.What, "done in "); ok {
					steps = append(steps, e.Step+" "+took)
				}
			}
			b.Logf("pause %v; steps: %s", d, strings.Join(steps, ", "))
		})
	}
}
