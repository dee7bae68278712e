// Command wall runs a command several times and prints, on one line, the
// median and the fastest wall time in seconds, the highest maximum
// resident set size in kilobytes and the last exit code, for the
// benchmark script:
//
//	go run ./internal/benchgen/cmd/wall -runs 21 -- safediff review one.diff
//
// The command's standard output is discarded; an exit code other than
// those -ok lists stops it with the command's standard error.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("runs", 11, "number of runs")
	ok := flag.String("ok", "0,2", "exit codes that are results, not failures")
	flag.Parse()
	if flag.NArg() == 0 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "usage: wall [-runs N] [-ok 0,2] -- command [args]")
		os.Exit(2)
	}
	okCodes := map[int]bool{}
	for _, s := range strings.Split(*ok, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintln(os.Stderr, "wall: -ok:", err)
			os.Exit(2)
		}
		okCodes[n] = true
	}
	var walls []float64
	var rss int64
	code := 0
	for range *runs {
		cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		wall := time.Since(start).Seconds()
		if cmd.ProcessState == nil {
			fmt.Fprintln(os.Stderr, "wall:", err)
			os.Exit(1)
		}
		code = cmd.ProcessState.ExitCode()
		if !okCodes[code] {
			fmt.Fprintf(os.Stderr, "wall: %s exited %d:\n%s", flag.Arg(0), code, stderr.Bytes())
			os.Exit(1)
		}
		walls = append(walls, wall)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, int64(ru.Maxrss)) // kilobytes on Linux
		}
	}
	slices.Sort(walls)
	median := walls[len(walls)/2]
	if len(walls)%2 == 0 {
		median = (walls[len(walls)/2-1] + walls[len(walls)/2]) / 2
	}
	fmt.Printf("%.6f %.6f %d %d\n", median, walls[0], rss, code)
}
