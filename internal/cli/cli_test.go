package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/diffparse"
)

func sample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "helm-diff", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLI(t *testing.T) {
	all := sample(t, "all.diff.txt")
	image := sample(t, "cli-real-label-image.txt")
	lowerImage := writeFile(t, "lower.yaml", `version: 1
rules:
  - id: accept-web-images
    description: Our web pods roll often; image changes of demo-web are expected.
    match:
      kinds: [Deployment]
      names: [demo-web]
      paths: ["spec.template.**"]
    level: safe
    reason: expected roll-out of demo-web
`)
	badMigration := writeFile(t, "bad-migration.yaml", "version: 1\nname: Orders\ncomponent: redis\nsource: {namespace: a, release: r, chart: c, address: \"h:1\"}\ntarget: {namespace: b, release: r, chart: c, address: h}\nendpoint: {namespace: a, release: e, chart: c}\n")
	noAuthRedis := writeFile(t, "redis.yaml", "version: 1\nname: sessions\ncomponent: redis\nsource: {namespace: a, release: r, chart: c, address: \"h:1\"}\ntarget: {namespace: b, release: r, chart: c, address: \"g:1\"}\nendpoint: {namespace: a, release: e, chart: c}\n")
	broken := writeFile(t, "broken.yaml", "version: 1\nrules:\n  - id: x\n    description: d\n    reason: r\n    level: risky\n")
	tests := []struct {
		name       string
		args       []string
		input      string
		wantExit   int
		wantOut    []string
		wantErr    []string
		notWantOut []string
		reason     string
	}{
		{name: "stdin, default gate trips", args: []string{"review"}, input: all, wantExit: 2,
			wantOut: []string{"Plan: 1 to add, 3 to change, 0 to replace, 1 to destroy", "Gate: FAIL"}, reason: "a deleted Service and a single-replica restart are disruptive"},
		{name: "dash is stdin", args: []string{"review", "-"}, input: all, wantExit: 2, reason: "- reads standard input"},
		{name: "file argument", args: []string{"review", filepath.Join("..", "..", "testdata", "helm-diff", "cli-real-label-image.txt")}, wantExit: 0,
			wantOut: []string{"cli-real-label-image.txt, diff format", "Gate: PASS"}, reason: "an image change of a two-replica Deployment is a restart"},
		{name: "missing file", args: []string{"review", "/nonexistent/diff.txt"}, wantExit: 1, wantErr: []string{"no such file"}, reason: "errors exit 1"},
		{name: "fail-on restart", args: []string{"review", "--fail-on", "restart"}, input: image, wantExit: 2, reason: "restart is at the gate"},
		{name: "fail-on never", args: []string{"review", "--fail-on", "never"}, input: all, wantExit: 0, wantOut: []string{"the gate is off"}, reason: "never disables the gate"},
		{name: "bad fail-on", args: []string{"review", "--fail-on", "risky"}, input: all, wantExit: 1, wantErr: []string{`unknown level "risky"`}, reason: "a typo fails loudly"},
		{name: "two default gates", args: []string{"review", "--fail-on", "safe", "--fail-on", "restart"}, input: all, wantExit: 1, wantErr: []string{"more than one default level"}, reason: "ambiguous"},
		{name: "bad output format", args: []string{"review", "-o", "yaml"}, input: all, wantExit: 1, wantErr: []string{`unknown output format "yaml"`}, reason: "no silent default format"},
		{name: "bad input format", args: []string{"review", "--input-format", "dyff"}, input: all, wantExit: 1, wantErr: []string{`unknown input format "dyff"`}, reason: "dyff is not read"},
		{name: "user rules lower a level", args: []string{"review", "--rules", lowerImage, "--fail-on", "restart"}, input: image, wantExit: 0,
			wantOut: []string{"expected roll-out of demo-web [accept-web-images"}, reason: "the last rules file has the highest precedence"},
		{name: "broken rules", args: []string{"review", "--rules", broken}, input: all, wantExit: 1, wantErr: []string{"broken.yaml: rules[0] (id=x): unknown level"}, reason: "rule errors name the file and rule"},
		{name: "no default rules", args: []string{"review", "--no-default-rules"}, input: image, wantExit: 2,
			wantOut: []string{"no rule covers this change"}, reason: "without rules everything gets the fallback, disruptive"},
		{name: "release without cluster", args: []string{"review", "--release", "shop"}, input: all, wantExit: 1, wantErr: []string{"--release is for --cluster"},
			reason: "the release is read only by helm's ownership check, which --cluster makes: alone it would look like a check that is not made"},
		{name: "empty input", args: []string{"review"}, input: "", wantExit: 0, wantOut: []string{"No changes."}, reason: "helm diff prints nothing when nothing changes"},
		{name: "garbage", args: []string{"review"}, input: "hello\n", wantExit: 1, wantErr: []string{"line 1:", "re-run helm diff with --output diff"}, reason: "not understood: never a pass"},
		{name: "helm diff failed", args: []string{"review"}, input: sample(t, "cli-real-missing-release-error.txt"), wantExit: 1, wantErr: []string{"helm diff failed: Release was not present"}, reason: "a failed helm diff fails the review"},
		{name: "several problems listed", args: []string{"review"}, input: "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\nstray\nmore stray\n", wantExit: 1, wantErr: []string{"(2 problems)", "line 5:", "line 6:"}, reason: "all problems, each with its line"},
		{name: "show ignored", args: []string{"review", "--show-ignored"}, input: all, wantExit: 2, wantOut: []string{`~ metadata.labels["helm.sh/chart"]: demo-1.0.0 -> demo-1.1.0`}, reason: "noise on request"},
		{name: "secrets never printed", args: []string{"review", "-o", "json"}, input: sample(t, "all.diff.show-secrets.txt"), wantExit: 2,
			notWantOut: []string{"YWRtaW4=", "admin"}, reason: "base64 Secret data stays out of the report, encoded or decoded"},
		{name: "rules list", args: []string{"rules"}, wantExit: 0, wantOut: []string{"ID", "pod-template-image", "(fallback)"}, reason: "the effective rules"},
		{name: "rules list with user file first", args: []string{"rules", "--rules", lowerImage}, wantExit: 0, wantOut: []string{"accept-web-images"}, reason: "user rules listed"},
		{name: "rules check ok", args: []string{"rules", "check", lowerImage}, wantExit: 0, wantOut: []string{"lower.yaml: ok (1 rule)\n"}, reason: "valid file; one rule is one rule"},
		{name: "rules check broken", args: []string{"rules", "check", broken}, wantExit: 1, wantErr: []string{"rules[0] (id=x)"}, reason: "invalid file"},
		{name: "version", args: []string{"version"}, wantExit: 0, wantOut: []string{"safediff "}, reason: "prints a version"},
		{name: "unknown command", args: []string{"revue"}, wantExit: 1, wantErr: []string{"unknown command"}, reason: "typos fail"},
		{name: "migrate: broken file", args: []string{"migrate", "plan", badMigration}, wantExit: 1,
			wantErr: []string{"bad-migration.yaml: line 2, column 1: name: want a DNS label", "target.address: want host:port"}, reason: "a broken migration file is an error naming each field, before anything runs"},
		{name: "migrate: missing credential", args: []string{"migrate", "run", "--yes", filepath.Join("..", "..", "pkg", "migrate", "testdata", "postgres.yaml")}, wantExit: 1,
			wantErr: []string{"ORDERS_PG_REPLICATION_PASSWORD", "is not set"}, reason: "a missing secret is named before any step runs"},
		{name: "migrate: unknown step", args: []string{"migrate", "run", "--until", "promote", noAuthRedis}, wantExit: 1,
			wantErr: []string{"--until promote: no such step"}, reason: "a typo in --until must not run everything"},
		{name: "migrate: no file", args: []string{"migrate", "run"}, wantExit: 1, wantErr: []string{"accepts 1 arg"}, reason: "the file is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, tc.input, tc.args...)
			if code != tc.wantExit {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s\nreason: %s", code, tc.wantExit, out, errOut, tc.reason)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q\nstdout:\n%s\nreason: %s", w, out, tc.reason)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q\nstderr:\n%s\nreason: %s", w, errOut, tc.reason)
				}
			}
			for _, w := range tc.notWantOut {
				if strings.Contains(out+errOut, w) {
					t.Errorf("output contains %q\nreason: %s", w, tc.reason)
				}
			}
		})
	}
}

func TestJSONContract(t *testing.T) {
	out, _, code := run(t, sample(t, "all.diff.txt"), "review", "-o", "json")
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		SchemaVersion int `json:"schemaVersion"`
		Summary       struct {
			Highest string `json:"highest"`
		} `json:"summary"`
		Objects []struct {
			Kind, Namespace, Name, Action, Level string
			Changes                              []struct {
				Path, Level, Rule, Reason string
			}
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SchemaVersion != 2 || doc.Summary.Highest != "disruptive" || len(doc.Objects) != 5 {
		t.Fatalf("unexpected document: %+v", doc)
	}
	for _, o := range doc.Objects {
		if o.Kind == "" || o.Name == "" || o.Action == "" || o.Level == "" || len(o.Changes) == 0 {
			t.Errorf("object missing contract fields: %+v", o)
		}
		for _, c := range o.Changes {
			if c.Level == "" || c.Rule == "" || c.Reason == "" {
				t.Errorf("change missing contract fields: %+v", c)
			}
		}
	}
}

// TestDocsCurrent keeps docs/rules.md generated from rules.yaml.
func TestDocsCurrent(t *testing.T) {
	out, _, code := run(t, "", "rules", "doc")
	if code != 0 {
		t.Fatal("rules doc failed")
	}
	path := filepath.Join("..", "..", "docs", "rules.md")
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -run TestDocsCurrent -update)", err)
	}
	if diff := cmp.Diff(string(want), out); diff != "" {
		t.Errorf("docs/rules.md is stale; run make docs (-want +got):\n%s", diff)
	}
}

// TestOneCommandTree: a command line that starts with a subcommand's name
// builds only that subcommand; its help (and with it every flag, default
// and text) is what the whole tree's `help` shows for it, for every
// command and the subcommands below them.
func TestOneCommandTree(t *testing.T) {
	full, _, code := run(t, "", "--help")
	if code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	var paths [][]string
	for _, name := range []string{"review", "upgrade", "plan", "apply", "migrate", "rules", "version"} {
		if !strings.Contains(full, "\n  "+name+" ") {
			t.Errorf("the root's help does not list %s", name)
		}
		paths = append(paths, []string{name})
	}
	paths = append(paths, []string{"rules", "check"}, []string{"migrate", "run"})
	for _, p := range paths {
		want, _, wantCode := run(t, "", append([]string{"help"}, p...)...)
		got, _, gotCode := run(t, "", append(p, "--help")...)
		if wantCode != 0 || gotCode != 0 {
			t.Errorf("%v: exit %d (help) and %d (--help)", p, wantCode, gotCode)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%v --help, built alone, differs from the whole tree's help (-whole +alone):\n%s", p, diff)
		}
	}
}

// TestFileOverTheLimit: a file says its size; one over the input limit is
// refused before it is read. (This one is sparse, all zero bytes: read,
// it would be refused for a line too long instead.)
func TestFileOverTheLimit(t *testing.T) {
	name := filepath.Join(t.TempDir(), "huge.diff")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(diffparse.DefaultMaxInput + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, errOut, code := run(t, "", "review", name)
	if code != 1 || !strings.Contains(errOut, name+": input is larger than 536870912 bytes") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
