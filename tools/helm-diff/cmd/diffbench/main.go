// Command diffbench measures helm-diff's own library producing a diff, for
// scripts/bench.sh to set safediff's review time beside it. It reads a
// full-context helm-diff output (internal/benchgen's), rebuilds the old and
// new manifests from it, and times what `helm diff upgrade` does with them
// once helm has rendered them: manifest.Parse of both sides and
// diff.Manifests with full context, written to a discarding writer. It
// prints the median seconds of -runs runs and the size of the diff.
//
//	go run ./cmd/diffbench -runs 5 release.diff
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/databus23/helm-diff/v3/diff"
	"github.com/databus23/helm-diff/v3/manifest"
	"github.com/mgutz/ansi"
)

var header = regexp.MustCompile(`^.*, .*, \S+ \(.*\) has (changed|been added|been removed):$`)

// manifests rebuilds the two manifests a full-context diff was made from.
func manifests(r io.Reader) (old, new string, err error) {
	var o, n strings.Builder
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 1<<20), 64<<20)
	for s.Scan() {
		l := s.Text()
		switch {
		case header.MatchString(l):
			o.WriteString("---\n")
			n.WriteString("---\n")
		case strings.HasPrefix(l, "- "):
			o.WriteString(l[2:] + "\n")
		case strings.HasPrefix(l, "+ "):
			n.WriteString(l[2:] + "\n")
		case strings.HasPrefix(l, "  "):
			o.WriteString(l[2:] + "\n")
			n.WriteString(l[2:] + "\n")
		case l == "":
			o.WriteString("\n")
			n.WriteString("\n")
		}
	}
	return o.String(), n.String(), s.Err()
}

type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

func main() {
	runs := flag.Int("runs", 5, "runs; the median is printed")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: diffbench [-runs N] FILE")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "diffbench:", err)
		os.Exit(1)
	}
	old, new, err := manifests(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "diffbench:", err)
		os.Exit(1)
	}
	ansi.DisableColors(true) // as helm diff --no-color
	var times []float64
	var size counter
	for i := 0; i < *runs; i++ {
		size = 0
		t0 := time.Now()
		oi := manifest.Parse(old, "default", false)
		ni := manifest.Parse(new, "default", false)
		diff.Manifests(oi, ni, &diff.Options{OutputFormat: "diff", OutputContext: -1}, &size)
		times = append(times, time.Since(t0).Seconds())
	}
	sort.Float64s(times)
	fmt.Printf("%.3f %d\n", times[len(times)/2], size)
}
