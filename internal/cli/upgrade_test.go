package cli_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/cli"
	"github.com/safediff/safediff/internal/tabletest"
)

// fakeHelm writes a helm stand-in to a temporary directory: it records
// each command line it is run with, one line per run, answers helm
// version as helm v3 (so safediff adapts nothing), prints diff as helm
// diff upgrade's output, and succeeds at everything else (the upgrade).
// It returns the script and the file of the record.
func fakeHelm(t *testing.T, diff string) (bin, record string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake helm is a shell script")
	}
	dir := t.TempDir()
	record = filepath.Join(dir, "calls")
	diffFile := filepath.Join(dir, "diff.txt")
	if err := os.WriteFile(diffFile, []byte(diff), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n" +
		"echo \"$*\" >> '" + record + "'\n" +
		"case \"$1\" in\n" +
		"version) echo v3.17.0 ;;\n" +
		"diff) cat '" + diffFile + "' ;;\n" +
		"history) echo '[{\"revision\": 1, \"status\": \"deployed\"}]' ;;\n" +
		"esac\n"
	bin = filepath.Join(dir, "helm")
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, record
}

// helmCalls reads the command lines the fake helm was run with.
func helmCalls(t *testing.T, record string) []string {
	t.Helper()
	data, err := os.ReadFile(record)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	calls := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i, c := range calls {
		// the file of the deployed revision's values is a temporary one
		calls[i] = deployedValuesRE.ReplaceAllString(c, "--values=DEPLOYED")
	}
	return calls
}

var deployedValuesRE = regexp.MustCompile(`--values=\S*/deployed\.yaml`)

// TestUpgradeFlags checks how safediff upgrade takes its own flags out of
// helm's arguments and reads them, with helm replaced by a script that
// records its arguments: which helm commands run, and with what, is the
// outcome of the flags. (Real helm is covered by the e2e tests.)
func TestUpgradeFlags(t *testing.T) {
	const (
		version = "version --template {{.Version}}"
		// no values given: helm upgrade keeps those the user gave the last
		// deployed revision, which helm diff is given (read first, below)
		diff    = "diff upgrade web ./chart --reset-values --values=DEPLOYED --output diff --context -1 --no-color --dry-run=server"
		upgrade = "upgrade web ./chart"
	)
	tests := []struct {
		name     string
		args     []string // after upgrade web ./chart; ACCEPT is an accept file
		wantExit int
		calls    []string // helm's command lines, in order
		wantErr  []string
		notErr   []string
		reason   string
	}{
		{
			name: "no flags", wantExit: 0, calls: []string{version, diff, upgrade},
			reason: "an image change of a two-replica Deployment is a restart, below the default gate: the upgrade runs",
		},
		{
			name: "--plan", args: []string{"--plan"}, wantExit: 0, calls: []string{version, diff},
			reason: "--plan reviews only",
		},
		{
			name: "--plan=true", args: []string{"--plan=true"}, wantExit: 0, calls: []string{version, diff},
			reason: "--plan=true is --plan",
		},
		{
			name: "--plan=false", args: []string{"--plan=false"}, wantExit: 0, calls: []string{version, diff, upgrade},
			reason: "--plan=false turns planning off: the review passes, so helm upgrade runs",
		},
		{
			name: "--approve=false", args: []string{"--fail-on", "restart", "--approve=false"}, wantExit: 2, calls: []string{version, diff},
			wantErr: []string{"web was not upgraded: the gate tripped"}, notErr: []string{"--approve needs a terminal"},
			reason: "--approve=false does not ask: a tripped gate refuses the upgrade",
		},
		{
			name: "--approve without a terminal", args: []string{"--fail-on", "restart", "--approve"}, wantExit: 2, calls: []string{version, diff},
			wantErr: []string{"--approve needs a terminal"},
			reason:  "--approve asks on a terminal, and there is none in a test",
		},
		{
			name: "--no-default-rules", args: []string{"--no-default-rules"}, wantExit: 2, calls: []string{version, diff},
			wantErr: []string{"the gate tripped"},
			reason:  "without rules every change gets the fallback, disruptive: the default gate trips",
		},
		{
			name: "--no-default-rules=false", args: []string{"--no-default-rules=false"}, wantExit: 0, calls: []string{version, diff, upgrade},
			reason: "--no-default-rules=false keeps the default rules: a restart, the upgrade runs",
		},
		{
			name: "bad --max-bytes", args: []string{"--max-bytes", "many"}, wantExit: 1,
			wantErr: []string{`invalid argument "many" for "--max-bytes" flag`},
			reason:  "a bad value gets pflag's message, naming the flag, before helm runs",
		},
		{
			name: "bad --max-bytes=", args: []string{"--max-bytes=1k"}, wantExit: 1,
			wantErr: []string{`invalid argument "1k" for "--max-bytes" flag`},
			reason:  "the --flag=value form too",
		},
		{
			name: "bad --plan=", args: []string{"--plan=maybe"}, wantExit: 1,
			wantErr: []string{`invalid argument "maybe" for "--plan" flag`},
			reason:  "a boolean takes true or false, and nothing else silently",
		},
		{
			name: "-- ends the flags", args: []string{"--", "--plan"}, wantExit: 1,
			wantErr: []string{"want RELEASE and CHART, got 3 arguments (web ./chart --plan)"},
			reason:  "after -- everything is positional, for safediff as for helm: --plan is not taken as safediff's",
		},
		{
			name: "a value flag at the end", args: []string{"--fail-on"}, wantExit: 1,
			wantErr: []string{"flag --fail-on needs a value"},
			reason:  "nothing runs on a command line cut short",
		},
		{
			name:     "flags routed",
			args:     []string{"--set", "image.tag=2", "--report", "json", "--fail-on=disruptive", "--wait", "--three-way-merge", "--accept", "ACCEPT"},
			wantExit: 0,
			calls: []string{version,
				"diff upgrade web ./chart --set image.tag=2 --three-way-merge --output diff --context -1 --no-color --dry-run=server",
				"upgrade web ./chart --set image.tag=2 --wait"},
			reason: "safediff's flags (both forms) never reach helm; rendering flags go to both, --wait to the upgrade, --three-way-merge to the diff",
		},
	}
	diffOut := sample(t, "cli-real-label-image.txt")
	acceptFile := writeFile(t, "accept.yaml", "version: 1\naccept:\n  - object: Deployment.apps/default/demo-web\n    path: spec.template.spec.containers[name=web].image\n    new: nginx:1.27\n    reason: CHG-1\n")
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			bin, record := fakeHelm(t, diffOut)
			var out, errb bytes.Buffer
			args := []string{"upgrade", "web", "./chart"}
			for _, a := range tc.args {
				if a == "ACCEPT" {
					a = acceptFile
				}
				args = append(args, a)
			}
			code := cli.Run(context.Background(), args, cli.Streams{
				In: strings.NewReader(""), Out: &out, Err: &errb,
				Getenv: func(k string) string {
					if k == "HELM_BIN" {
						return bin
					}
					return ""
				},
			})
			if code != tc.wantExit {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s\nreason: %s", code, tc.wantExit, out.String(), errb.String(), tc.reason)
			}
			want := slices.Clone(tc.calls)
			for i := 0; i < len(want); i++ {
				switch {
				case want[i] == diff:
					// the release's history, and the values of its
					// deployed revision, read first
					want = slices.Insert(want, i, "history web --max 256 --output json", "get values web --revision 1 --output yaml")
					i += 2
				case strings.HasPrefix(want[i], "diff upgrade "):
					want = slices.Insert(want, i, "history web --max 256 --output json")
					i++
				}
			}
			if d := cmp.Diff(want, helmCalls(t, record)); d != "" {
				t.Errorf("helm runs (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q\nstderr:\n%s\nreason: %s", w, errb.String(), tc.reason)
				}
			}
			for _, w := range tc.notErr {
				if strings.Contains(errb.String(), w) {
					t.Errorf("stderr has %q\nstderr:\n%s\nreason: %s", w, errb.String(), tc.reason)
				}
			}
		})
	}
}

// TestUpgradeReportFlag checks that --report picks the report's format
// (helm upgrade has its own --output).
func TestUpgradeReportFlag(t *testing.T) {
	bin, _ := fakeHelm(t, sample(t, "cli-real-label-image.txt"))
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), []string{"upgrade", "web", "./chart", "--plan", "--report=json"}, cli.Streams{
		In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv: func(k string) string {
			if k == "HELM_BIN" {
				return bin
			}
			return ""
		},
	})
	if code != 0 || !strings.HasPrefix(out.String(), "{\n  \"schemaVersion\": 2,") {
		t.Errorf("exit %d, want 0 and a JSON report\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}

// TestInterruptedUpgradeCleansUp: Ctrl-C (or a CI job's end) while helm
// upgrade runs interrupts helm, as a terminal does, rather than killing
// it (a killed upgrade leaves the release pending), and safediff then
// removes the copies it made of the values (they may hold secrets).
func TestInterruptedUpgradeCleansUp(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake helm is a shell script")
	}
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	diffFile, started, interrupted := filepath.Join(dir, "diff.txt"), filepath.Join(dir, "started"), filepath.Join(dir, "interrupted")
	if err := os.WriteFile(diffFile, []byte(sample(t, "cli-real-label-image.txt")), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "helm")
	script := "#!/bin/sh\ncase \"$1\" in\nversion) echo v3.17.0 ;;\nhistory) echo '[]' ;;\ndiff) cat '" + diffFile + "' ;;\n" +
		"upgrade) trap 'echo > \"" + interrupted + "\"; exit 130' INT; echo > '" + started + "'; i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done ;; # 30 s at most: a test that fails leaves nothing running\nesac\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	values := writeFile(t, "prod.yaml", "password: s3cret\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go func() {
		done <- cli.Run(ctx, []string{"upgrade", "web", "./chart", "-f", values}, cli.Streams{
			In: strings.NewReader(""), Out: io.Discard, Err: io.Discard,
			Getenv: func(k string) string {
				if k == "HELM_BIN" {
					return bin
				}
				return ""
			},
		})
	}()
	for i := 0; ; i++ {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if i > 400 {
			t.Fatal("helm upgrade never started")
		}
		time.Sleep(25 * time.Millisecond)
	}
	left, _ := os.ReadDir(tmp)
	if len(left) == 0 {
		t.Fatal("no copy of the values was made: the test shows nothing")
	}
	cancel()
	code := <-done
	if _, err := os.Stat(interrupted); err != nil {
		t.Errorf("helm upgrade was not interrupted (killed?)")
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 || code == 0 {
		t.Errorf("exit %d; left in TMPDIR: %v", code, left)
	}
}

// The audit log says what was done to the release: a dry run applies
// nothing.
func TestAuditRecordsADryRun(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		outcome string
	}{
		{nil, "applied"},
		{[]string{"--dry-run"}, "dry-run"},
		{[]string{"--dry-run=server"}, "dry-run"},
		{[]string{"--dry-run=client"}, "dry-run"},
		{[]string{"--dry-run=false"}, "applied"},
		{[]string{"--dry-run=0"}, "applied"},
		{[]string{"--dry-run=False"}, "applied"},
		{[]string{"--dry-run=none"}, "applied"},
	} {
		bin, _ := fakeHelm(t, sample(t, "cli-real-label-image.txt"))
		audit := filepath.Join(t.TempDir(), "audit.jsonl")
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), append([]string{"upgrade", "web", "./chart", "--audit", audit}, tc.args...), cli.Streams{
			In: strings.NewReader(""), Out: &out, Err: &errb,
			Getenv: func(k string) string {
				if k == "HELM_BIN" {
					return bin
				}
				return ""
			},
		})
		data, _ := os.ReadFile(audit)
		if code != 0 || !strings.Contains(string(data), `"outcome":"`+tc.outcome+`"`) {
			t.Errorf("%v: exit %d, audit %s, want outcome %s\n%s", tc.args, code, data, tc.outcome, errb.String())
		}
	}
}
