package testlog

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// Run runs command (a go test -json command line) and renders its events
// on out every heartbeat. It reads the command's output to its end, so
// the command never dies of a closed pipe, and returns the exit code: the
// command's, or 1 when a test failed although it exited 0.
func Run(ctx context.Context, command []string, out, errOut io.Writer, heartbeat time.Duration) int {
	if len(command) == 0 {
		fmt.Fprintln(errOut, "testlog: usage: testlog [-heartbeat 30s] go test -json ...")
		return 2
	}
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Stderr = errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(errOut, "testlog:", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(errOut, "testlog:", err)
		return 1
	}
	events := make(chan Event)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		for sc.Scan() {
			var e Event
			if json.Unmarshal(sc.Bytes(), &e) != nil || e.Action == "" {
				// not an event (go vet's or the linker's words): as it is
				e = Event{Action: "output", Output: sc.Text() + "\n"}
			}
			events <- e
		}
		// drain whatever is left, so the writer never meets a closed pipe
		io.Copy(io.Discard, stdout)
	}()
	// an interrupt or a termination of testlog goes to the tests too, and
	// testlog keeps reading until they end: a test killed with its reader
	// would die on a closed pipe without stopping the servers it started
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	r := &Renderer{Out: out}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	r.Event(Event{Action: "start"})
loop:
	for {
		select {
		case e, ok := <-events:
			if !ok {
				break loop
			}
			r.Event(e)
		case <-tick.C:
			r.Heartbeat()
		case sig := <-sigs:
			fmt.Fprintf(out, "testlog: %v: passing it to the tests and waiting for them to end\n", sig)
			cmd.Process.Signal(sig)
		}
	}
	err = cmd.Wait()
	passed := r.Close()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		fmt.Fprintln(errOut, "testlog:", err)
		code = 1
	}
	if code == 0 && !passed {
		code = 1
	}
	return code
}

// Main is the testlog command: testlog [-heartbeat D] COMMAND...
func Main(args []string) int {
	heartbeat := 30 * time.Second
	if len(args) >= 2 && args[0] == "-heartbeat" {
		d, err := time.ParseDuration(args[1])
		if err != nil || d <= 0 {
			fmt.Fprintf(os.Stderr, "testlog: -heartbeat %q: want a positive duration\n", args[1])
			return 2
		}
		heartbeat, args = d, args[2:]
	}
	return Run(context.Background(), args, os.Stdout, os.Stderr, heartbeat)
}
