package review_test

import (
	"bytes"
	"io"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/safediff/safediff/internal/benchgen"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// The benchmarks review one generated release of 2,000 changed Deployments
// (full-context helm-diff output, see package benchgen). Throughput is
// reported as MB/s of input. Run them with
//
//	go test -run='^$' -bench=. -benchmem ./pkg/review/

const benchObjects = 2000

var benchInput = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	if err := benchgen.Release(benchObjects, &b); err != nil {
		panic(err)
	}
	return b.Bytes()
})

// reviewJSON is the whole pipeline, as `safediff review -o json` runs it:
// parse and classify with the default rules (as review.Review takes them
// when Options.Rules is nil: parsed once, then shared), gate, and write the
// JSON report.
func reviewJSON(input []byte, w io.Writer) error {
	rep, err := review.Review(bytes.NewReader(input), review.Options{})
	if err != nil {
		return err
	}
	if len(rep.Result.Objects) != benchObjects {
		panic("benchmark input lost objects")
	}
	return report.JSON{}.Write(w, rep)
}

// BenchmarkReview2000 measures the end-to-end throughput (parse, classify,
// JSON report) and, in one extra run, the peak heap the pipeline needs
// above what was live before it (the input it is given included).
func BenchmarkReview2000(b *testing.B) {
	input := benchInput()
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		if err := reviewJSON(input, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	peak, err := peakHeap(func() error { return reviewJSON(input, io.Discard) })
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak)/float64(len(input)), "peak/input")
	b.ReportMetric(float64(len(input))/(1<<20), "input-MB")
}

// BenchmarkParse2000 measures diffparse.Parse alone, with the fact paths
// of the default rules as review.Review asks for them.
func BenchmarkParse2000(b *testing.B) {
	input := benchInput()
	set, err := review.DefaultRules()
	if err != nil {
		b.Fatal(err)
	}
	opts := diffparse.Options{Facts: set.FactPaths()}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		plan, err := diffparse.Parse(bytes.NewReader(input), opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(plan.Objects) != benchObjects {
			b.Fatalf("parsed %d objects, want %d", len(plan.Objects), benchObjects)
		}
	}
}

// BenchmarkClassify2000 measures classify.Classify alone on the parsed
// plan (MB/s are of the input the plan was parsed from).
func BenchmarkClassify2000(b *testing.B) {
	input := benchInput()
	set, err := review.DefaultRules()
	if err != nil {
		b.Fatal(err)
	}
	plan, err := diffparse.Parse(bytes.NewReader(input), diffparse.Options{Facts: set.FactPaths()})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := classify.Classify(plan, set)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Objects) != benchObjects {
			b.Fatalf("classified %d objects, want %d", len(res.Objects), benchObjects)
		}
	}
}

// BenchmarkJSON2000 measures the JSON report alone (gate and encoding) on
// the classified plan (MB/s are of the input).
func BenchmarkJSON2000(b *testing.B) {
	input := benchInput()
	rep, err := review.Review(bytes.NewReader(input), review.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	for b.Loop() {
		if err := (report.JSON{}).Write(io.Discard, report.New(rep.Result, gate.Default())); err != nil {
			b.Fatal(err)
		}
	}
}

// peakHeap runs f once and returns the highest heap in use while it ran,
// above the heap in use after a GC just before it. The heap is sampled
// about every millisecond from another goroutine, so a shorter spike can
// be missed; the figure depends on GOGC like the process's own would.
func peakHeap(f func() error) (uint64, error) {
	const name = "/memory/classes/heap/objects:bytes"
	sample := []metrics.Sample{{Name: name}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			panic("runtime/metrics has no " + name)
		}
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := read()
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: name}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	err := f()
	close(stop)
	<-done
	if peak < base {
		return 0, err
	}
	return peak - base, err
}
