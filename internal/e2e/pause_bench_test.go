package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// BenchmarkMigratePause measures the clients' pause of a cut-over, from
// pausing them to resuming them, with a writer running and nothing
// interrupted: the figure the README gives, per component and topology.
// A Redis Cluster's clients are not paused: its figure is the longest
// time one shard refused writes (from its fence to its failover). The
// target replicates first (run --until wait-replica); the measured run
// does the rest. Run it with -benchtime=1x: each iteration is a whole
// migration.
//
//	SAFEDIFF_E2E_REQUIRED=1 go test ./internal/e2e -run '^$' -bench MigratePause -benchtime=1x
func BenchmarkMigratePause(b *testing.B) {
	for _, c := range []struct{ name, component, ns string }{{"postgres", "postgres", "pgpause"}, {"redis", "redis", "rdpause"},
		{"replicated", "", ""}, {"sentinel", "", ""}, {"cluster", "", ""}} {
		b.Run(c.name, func(b *testing.B) {
			if b.N > 1 {
				b.Skip("one migration per namespace: use -benchtime=1x")
			}
			var m *mig
			var w *writer
			var records func() []int64
			if c.component != "" {
				m = newMig(b, c.component, c.ns)
				m.install()
				m.migrationFile()
				w = m.startWriter()
				records = func() []int64 {
					if c.component == "postgres" {
						return m.pgRecords(m.dstAddr())
					}
					return m.redisRecords(m.dstAddr())
				}
			} else {
				h := newHA(b, c.name+"-pause")
				h.install()
				h.migrationFile()
				w = h.startWriter()
				m = h.mig
				records = map[string]func() []int64{
					"replicated": func() []int64 { return h.pgRecords(h.dstAddr()) },
					"sentinel":   func() []int64 { return h.redisRecords(h.dstAddr()) },
					"cluster":    func() []int64 { return h.clusterRecords(h.dstPods) },
				}[c.name]
			}
			wantExit(b, m.safediff("run", m.file, "--yes", "--until", "wait-replica"), 0)
			w.waitMore(50)
			b.ResetTimer()
			r := m.safediff("run", m.file, "--yes")
			b.StopTimer()
			wantExit(b, r, 0)
			w.waitMore(20)
			acked, _ := w.result()
			checkRecords(b, records(), acked)
			var d time.Duration
			if pause := regexp.MustCompile(`the clients were paused for (\S+)`).FindStringSubmatch(r.Stdout); pause != nil {
				var err error
				if d, err = time.ParseDuration(pause[1]); err != nil {
					b.Fatal(err)
				}
			} else if c.name == "cluster" {
				for _, w := range (&ha{mig: m}).pauseWindows() {
					d = max(d, w)
				}
			} else {
				b.Fatalf("no pause in the output:\n%s", r.Stdout)
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
			for _, l := range strings.Split(r.Stdout, "\n") {
				if strings.Contains(l, "shard ") && (strings.Contains(l, "serves its slots") || strings.Contains(l, "did not complete") || strings.Contains(l, "waited")) {
					b.Log(strings.TrimSpace(l))
				}
			}
		})
	}
}
