package helmrun_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/helmrun"
)

// These tests run a fake helm, a shell script that records its arguments,
// environment and standard input, then does what the test says. They
// check process handling only; the real helm and helm-diff are covered by
// the end-to-end suite. The tests do not run in parallel: a script written
// while another test forks can fail with "text file busy".

// fakeHelm is a fake helm binary and the files it records into.
type fakeHelm struct {
	path string
	dir  string
}

// newFakeHelm writes a fake helm that records its call and then runs body
// (shell).
func newFakeHelm(t *testing.T, body string) *fakeHelm {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake helm is a shell script")
	}
	dir := t.TempDir()
	if !strings.Contains(body, "history)") {
		// a release with no revision deployed: an upgrade that gives no
		// values has none to keep (see Runner.Diff)
		body = "case \"$1\" in history) echo '[]'; exit 0 ;; esac\n" + body
	}
	script := "#!/bin/sh\n" +
		"printf '%s\\n' \"$@\" > '" + dir + "/args'\n" +
		"env > '" + dir + "/env'\n" +
		body + "\n"
	path := filepath.Join(dir, "helm")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return &fakeHelm{path: path, dir: dir}
}

// args returns the arguments helm was called with (none of which may
// contain a newline).
func (h *fakeHelm) args(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(h.dir, "args"))
	if err != nil {
		t.Fatalf("helm was not run: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// env returns helm's environment as a map.
func (h *fakeHelm) env(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(h.dir, "env"))
	if err != nil {
		t.Fatalf("helm was not run: %v", err)
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

func (h *fakeHelm) ran() bool {
	_, err := os.Stat(filepath.Join(h.dir, "args"))
	return err == nil
}

// userEnv is an environment with every variable the runner treats
// specially, as a user's shell could have it.
func userEnv() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HELM_DEBUG=true",
		"HELM_DIFF_OUTPUT=dyff",
		"HELM_DIFF_COLOR=true",
		"HELM_DIFF_OUTPUT_CONTEXT=3",
		"HELM_DIFF_IGNORE_UNKNOWN_FLAGS=false",
		"HELM_DIFF_THREE_WAY_MERGE=true",
		"HELM_NAMESPACE=prod",
		"HELM_KUBECONTEXT=kind-e2e",
		"KUBECONFIG=/home/me/.kube/config",
	}
}

func mustParse(t *testing.T, args ...string) helmrun.Upgrade {
	t.Helper()
	u, err := helmrun.ParseUpgrade(args)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDiffEnvironment(t *testing.T) {
	h := newFakeHelm(t, "case \"$1\" in history) echo '[{\"revision\": 3, \"status\": \"deployed\"}]' ;; *) echo 'prod, web, Deployment (apps) has changed:' ;; esac")
	r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
	u := mustParse(t, "web", "./chart", "--install", "--wait", "--context", "3")
	out, err := r.Diff(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "prod, web, Deployment (apps) has changed:\n" {
		t.Errorf("Diff returned %q, want helm's stdout", out)
	}
	// no values given, and the release is there (revision 3): helm
	// upgrade keeps the values the user gave it, which helm diff is given
	got := h.args(t)
	want := u
	want.DiffArgs = append(append([]string{}, u.DiffArgs...), "--reset-values", "--values=")
	for _, a := range got {
		if strings.HasPrefix(a, "--values=") && strings.HasSuffix(a, "/deployed.yaml") {
			want.DiffArgs[len(want.DiffArgs)-1] = a
		}
	}
	if diff := cmp.Diff(want.DiffCommand(), got); diff != "" {
		t.Errorf("helm args (-want +got):\n%s", diff)
	}

	env := h.env(t)
	tests := []struct {
		key    string
		want   string // "" means absent
		reason string
	}{
		{"HELM_DEBUG", "", "in debug mode helm-diff prints its commands to stdout, into the diff"},
		{"HELM_DIFF_OUTPUT", "diff", "the user's dyff output is not what safediff reads"},
		{"HELM_DIFF_COLOR", "false", "colour codes would be read as part of the values"},
		{"HELM_DIFF_OUTPUT_CONTEXT", "", "the user's 3 lines of context would hide the fields the rules read; --context -1 is on the command line"},
		{"HELM_DIFF_IGNORE_UNKNOWN_FLAGS", "true", "an older helm-diff must not fail on a newer helm's rendering flags"},
		{"HELM_DIFF_THREE_WAY_MERGE", "true", "a setting of what is compared, not how it is printed: the user's choice stands"},
		{"HELM_NAMESPACE", "prod", "helm gives plugins their namespace in the environment; the diff must see the same release"},
		{"HELM_KUBECONTEXT", "kind-e2e", "the same cluster as the upgrade"},
		{"KUBECONFIG", "/home/me/.kube/config", "the same cluster as the upgrade"},
	}
	for _, tc := range tests {
		got, ok := env[tc.key]
		switch {
		case tc.want == "" && ok:
			t.Errorf("%s=%s reached helm diff, want it dropped\nreason: %s", tc.key, got, tc.reason)
		case tc.want != "" && got != tc.want:
			t.Errorf("%s=%q, want %q\nreason: %s", tc.key, got, tc.want, tc.reason)
		}
	}
}

func TestDiffUsesTheProcessEnvironmentByDefault(t *testing.T) {
	t.Setenv("SAFEDIFF_TEST_MARK", "from-the-process")
	t.Setenv("HELM_DIFF_COLOR", "true")
	h := newFakeHelm(t, "")
	r := &helmrun.Runner{Helm: h.path} // Env nil: os.Environ()
	if _, err := r.Diff(context.Background(), mustParse(t, "web", "./chart")); err != nil {
		t.Fatal(err)
	}
	env := h.env(t)
	if env["SAFEDIFF_TEST_MARK"] != "from-the-process" {
		t.Errorf("a nil Env must mean this process's environment; helm saw SAFEDIFF_TEST_MARK=%q", env["SAFEDIFF_TEST_MARK"])
	}
	if env["HELM_DIFF_COLOR"] != "false" {
		t.Errorf("HELM_DIFF_COLOR=%q: the process's settings are overridden as the given Env's are", env["HELM_DIFF_COLOR"])
	}
}

func TestDiffFailure(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		exit     int
		stderr   string   // helm's stderr, exactly
		inError  []string // substrings of Error()
		outError []string // not in Error()
		reason   string
	}{
		{
			name:    "missing release",
			body:    "echo 'some partial output'\necho 'Error: release: not found' >&2\nexit 1",
			exit:    1,
			stderr:  "Error: release: not found\n",
			inError: []string{"helm diff upgrade failed (exit 1)", "Error: release: not found"},
			reason:  "a failed diff is an error, never an empty plan, whatever it printed on stdout",
		},
		{
			name:    "helm's own exit code is kept",
			body:    "echo 'Error: plugin \"diff\" exited with error' >&2\nexit 3",
			exit:    3,
			stderr:  "Error: plugin \"diff\" exited with error\n",
			inError: []string{"(exit 3)"},
			reason:  "the exit code tells helm's failures from helm-diff's",
		},
		{
			name:    "no message",
			body:    "exit 1",
			exit:    1,
			inError: []string{"(exit 1): (no message)"},
			reason:  "an empty message must say so, not end the sentence with a colon",
		},
		{
			name:     "a long message keeps its end",
			body:     "for i in 1 2 3 4 5 6 7 8; do echo \"line $i\" >&2; done\nexit 1",
			exit:     1,
			stderr:   "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n",
			inError:  []string{"line 3", "line 8"},
			outError: []string{"line 1", "line 2"},
			reason:   "the cause of a helm failure is at the end; the full stderr stays in the DiffError",
		},
		{
			name: "the first Error line leads",
			body: `printf 'WARNING: kubeconfig is group-readable\nError: Failed to render chart: exit status 1: Error: execution error at (redis/templates/replicas/application.yaml:55:35): \nPASSWORDS ERROR: You must provide your current passwords when upgrading the release.\n\n    '"'"'global.redis.password'"'"' must not be empty\n\n\nUse --debug flag to render out invalid YAML\n\nError: plugin "diff" exited with error\n' >&2
exit 1`,
			exit:     1,
			stderr:   "WARNING: kubeconfig is group-readable\nError: Failed to render chart: exit status 1: Error: execution error at (redis/templates/replicas/application.yaml:55:35): \nPASSWORDS ERROR: You must provide your current passwords when upgrading the release.\n\n    'global.redis.password' must not be empty\n\n\nUse --debug flag to render out invalid YAML\n\nError: plugin \"diff\" exited with error\n",
			inError:  []string{"(exit 1): Error: Failed to render chart", "PASSWORDS ERROR", "'global.redis.password' must not be empty", `Error: plugin "diff" exited with error`},
			outError: []string{"WARNING", "\n  \n"},
			reason:   "a chart's own failure (bitnami's, naming the value to give) follows helm's first Error line, more than the last lines away; warnings before it and blank lines say nothing",
		},
		{
			name:     "a long error keeps its head and its end",
			body:     "echo 'Error: first' >&2\nfor i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo \"detail $i\" >&2; done\necho 'Error: plugin \"diff\" exited with error' >&2\nexit 1",
			exit:     1,
			stderr:   "Error: first\ndetail 1\ndetail 2\ndetail 3\ndetail 4\ndetail 5\ndetail 6\ndetail 7\ndetail 8\ndetail 9\ndetail 10\ndetail 11\ndetail 12\nError: plugin \"diff\" exited with error\n",
			inError:  []string{"Error: first", "detail 7", "…", "detail 12", "exited with error"},
			outError: []string{"detail 8\n", "detail 11"},
			reason:   "the error's head says why and its end what failed; what is between is cut",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHelm(t, tc.body)
			r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
			out, err := r.Diff(context.Background(), mustParse(t, "web", "./chart"))
			var de *helmrun.DiffError
			if !errors.As(err, &de) {
				t.Fatalf("got output %q, error %v (%T); want a *DiffError\nreason: %s", out, err, err, tc.reason)
			}
			if out != nil {
				t.Errorf("a failed diff returned output %q\nreason: %s", out, tc.reason)
			}
			if de.ExitCode != tc.exit || de.Stderr != tc.stderr {
				t.Errorf("got exit %d stderr %q, want %d %q\nreason: %s", de.ExitCode, de.Stderr, tc.exit, tc.stderr, tc.reason)
			}
			msg := err.Error()
			for _, s := range tc.inError {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q\nreason: %s", msg, s, tc.reason)
				}
			}
			for _, s := range tc.outError {
				if strings.Contains(msg, s) {
					t.Errorf("error %q contains %q\nreason: %s", msg, s, tc.reason)
				}
			}
		})
	}
}

func TestDiffWarningsAreNotFailures(t *testing.T) {
	h := newFakeHelm(t, "echo 'WARNING: Kubernetes configuration file is group-readable.' >&2\n"+
		"echo 'prod, cfg, ConfigMap (v1) has changed:'")
	var debug bytes.Buffer
	r := &helmrun.Runner{Helm: h.path, Env: userEnv(), Debug: &debug}
	out, err := r.Diff(context.Background(), mustParse(t, "web", "./chart"))
	if err != nil {
		t.Fatalf("helm exited 0 with a warning on stderr: %v", err)
	}
	if string(out) != "prod, cfg, ConfigMap (v1) has changed:\n" {
		t.Errorf("output %q: stdout only, the warning must not be mixed into the diff", out)
	}
	for _, want := range []string{"safediff: running " + h.path + " diff upgrade web ./chart", "group-readable"} {
		if !strings.Contains(debug.String(), want) {
			t.Errorf("debug output %q does not contain %q", debug.String(), want)
		}
	}
}

func TestUpgrade(t *testing.T) {
	h := newFakeHelm(t, "read line; echo \"stdin: $line\"\necho 'Release \"web\" has been upgraded.'\necho 'WARNING: group-readable' >&2")
	var stdout, stderr bytes.Buffer
	env := userEnv()
	r := &helmrun.Runner{Helm: h.path, Env: env, Stdin: strings.NewReader("yes\n"), Stdout: &stdout, Stderr: &stderr}
	u := mustParse(t, "--wait", "-f", "a.yaml", "web", "./chart", "--three-way-merge", "--set=x=1", "--timeout", "5m")
	if err := r.Upgrade(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	want := []string{"upgrade", "web", "./chart", "--wait", "-f", "a.yaml", "--set=x=1", "--timeout", "5m"}
	if diff := cmp.Diff(want, h.args(t)); diff != "" {
		t.Errorf("helm upgrade args (-want +got):\n%s", diff)
	}
	if got := stdout.String(); got != "stdin: yes\nRelease \"web\" has been upgraded.\n" {
		t.Errorf("stdout %q: helm's stdout must reach the user, and the user's stdin helm", got)
	}
	if got := stderr.String(); got != "WARNING: group-readable\n" {
		t.Errorf("stderr %q: helm's stderr must reach the user", got)
	}
	got := h.env(t)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if got[k] != v {
			t.Errorf("%s=%q, want %q: the upgrade runs in the user's environment unchanged", k, got[k], v)
		}
	}
}

func TestUpgradeFailure(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		exit    int
		message string
		reason  string
	}{
		{
			name:    "helm's error line",
			body:    "echo 'coalesce.go:298: warning: skipped value' >&2\necho 'Error: UPGRADE FAILED: context deadline exceeded' >&2\nexit 1",
			exit:    1,
			message: "UPGRADE FAILED: context deadline exceeded",
			reason:  "the Error: line is helm's message; warnings before it are noise",
		},
		{
			name:    "several error lines",
			body:    "echo 'Error: first' >&2\necho 'detail' >&2\necho 'Error: second' >&2\nexit 1",
			exit:    1,
			message: "first; second",
			reason:  "every Error: line is kept, in order",
		},
		{
			name:    "the exit code is helm's",
			body:    "echo 'Error: plugin failed' >&2\nexit 7",
			exit:    7,
			message: "plugin failed",
			reason:  "safediff exits with helm's code when the upgrade itself fails",
		},
		{
			name:    "no Error: line",
			body:    "echo a >&2\necho b >&2\necho c >&2\necho d >&2\nexit 2",
			exit:    2,
			message: "b\n  c\n  d",
			reason:  "without helm's marker, the last lines of stderr are the best message",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHelm(t, tc.body)
			var stderr bytes.Buffer
			r := &helmrun.Runner{Helm: h.path, Env: userEnv(), Stdout: &bytes.Buffer{}, Stderr: &stderr}
			err := r.Upgrade(context.Background(), mustParse(t, "web", "./chart"))
			var ue *helmrun.UpgradeError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v (%T), want an *UpgradeError\nreason: %s", err, err, tc.reason)
			}
			if ue.ExitCode != tc.exit || ue.Message != tc.message {
				t.Errorf("got exit %d message %q, want %d %q\nreason: %s", ue.ExitCode, ue.Message, tc.exit, tc.message, tc.reason)
			}
			if !strings.Contains(err.Error(), "after the review passed") {
				t.Errorf("error %q must say that the review passed: the user must not think the gate stopped it", err)
			}
			if stderr.Len() == 0 {
				t.Errorf("helm's stderr must still reach the user when the upgrade fails")
			}
		})
	}
}

func TestMissingHelm(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-helm-here")
	r := &helmrun.Runner{Helm: missing, Env: userEnv(), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	u := mustParse(t, "web", "./chart")
	_, diffErr := r.Diff(context.Background(), u)
	upErr := r.Upgrade(context.Background(), u)
	for name, err := range map[string]error{"Diff": diffErr, "Upgrade": upErr} {
		var de *helmrun.DiffError
		var ue *helmrun.UpgradeError
		switch {
		case err == nil:
			t.Errorf("%s: no error for a missing helm", name)
		case errors.As(err, &de) || errors.As(err, &ue):
			t.Errorf("%s: %T for a helm that never ran; a helm exit code would be made up", name, err)
		case !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing):
			t.Errorf("%s: error %q should name the binary and wrap the cause", name, err)
		}
	}
}

func TestCanceledContextRunsNothing(t *testing.T) {
	h := newFakeHelm(t, "")
	r := &helmrun.Runner{Helm: h.path, Env: userEnv(), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u := mustParse(t, "web", "./chart")
	if _, err := r.Diff(ctx, u); !errors.Is(err, context.Canceled) {
		t.Errorf("Diff: error %v, want context.Canceled", err)
	}
	if err := r.Upgrade(ctx, u); !errors.Is(err, context.Canceled) {
		t.Errorf("Upgrade: error %v, want context.Canceled", err)
	}
	if h.ran() {
		t.Errorf("helm ran although the context was canceled")
	}
}

// TestUpgradeWithoutStderr runs a Runner whose Stderr is nil, as a library
// user may leave it (os/exec discards a nil stream). The call runs in a
// child process: if it panics, the panic is in an os/exec goroutine and
// would take the whole test binary down.
func TestUpgradeWithoutStderr(t *testing.T) {
	if helm := os.Getenv("HELMRUN_TEST_CHILD_HELM"); helm != "" {
		r := &helmrun.Runner{Helm: helm, Env: []string{"PATH=" + os.Getenv("PATH")}}
		err := r.Upgrade(context.Background(), helmrun.Upgrade{Release: "web", Chart: "./chart"})
		var ue *helmrun.UpgradeError
		if !errors.As(err, &ue) || ue.Message != "boom" {
			t.Fatalf("got %v, want an *UpgradeError with message boom", err)
		}
		return
	}
	h := newFakeHelm(t, "echo 'Error: boom' >&2\nexit 1")
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "HELMRUN_TEST_CHILD_HELM="+h.path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Upgrade with a nil Stderr failed in the child (%v):\n%s", err, firstLines(string(out), 8))
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("the child did not run %s:\n%s", t.Name(), firstLines(string(out), 8))
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// Without the helm-diff plugin helm knows no "diff" command; the error
// says so and how to install it, instead of helm's bare message.
func TestDiffMissingHelmDiff(t *testing.T) {
	h := newFakeHelm(t, `case "$1" in version) echo v3.22.0; exit 0;; esac
echo 'Error: unknown command "diff" for "helm"' >&2
echo "Run 'helm --help' for usage." >&2
exit 1`)
	r := &helmrun.Runner{Helm: h.path, Env: []string{}}
	u, err := helmrun.ParseUpgrade([]string{"shop", "./chart"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Diff(context.Background(), u)
	var de *helmrun.DiffError
	if !errors.As(err, &de) || !de.MissingPlugin() {
		t.Fatalf("got %v, want a DiffError for the missing plugin", err)
	}
	for _, want := range []string{"helm-diff plugin is not installed", "helm plugin install https://github.com/databus23/helm-diff", `unknown command "diff"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%s", want, err)
		}
	}
}

// A failed helm command is named in the error, and with --debug every
// command is printed: values given on the command line (a chart's
// password often is one) and credentials are not, in any of the forms
// helm reads them.
func TestCommandLinesHideValues(t *testing.T) {
	h := newFakeHelm(t, "echo 'Error: INSTALLATION FAILED: boom' >&2\nexit 1")
	var debug bytes.Buffer
	r := &helmrun.Runner{Helm: h.path, Env: userEnv(), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Debug: &debug}
	u := mustParse(t, "web", "./chart", "--set", "db.password=hunter2", "--set-string=token=s3cr3t-1",
		"--set-json", `cfg={"key":"s3cr3t-2"}`, "--set-literal=k=s3cr3t-3", "--password", "s3cr3t-4", "--set", "replicas=2",
		"--repo", "https://me:s3cr3t-5@charts.example.com/x")
	_, err := r.Render(context.Background(), u)
	var ce *helmrun.CommandError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T), want a *CommandError", err, err)
	}
	for what, out := range map[string]string{"error": err.Error(), "debug output": debug.String()} {
		for _, secret := range []string{"hunter2", "s3cr3t", "replicas=2"} {
			if strings.Contains(out, secret) {
				t.Errorf("the %s shows a value of the command line (%s):\n%s", what, secret, out)
			}
		}
		if !strings.Contains(out, "--set … --set-string=… --set-json … --set-literal=… --password … --set … --repo https://me:…@charts.example.com/x") {
			t.Errorf("the %s does not name the flags whose values it hides:\n%s", what, out)
		}
	}
	if !strings.Contains(err.Error(), "./chart") || !strings.Contains(err.Error(), "INSTALLATION FAILED: boom") {
		t.Errorf("the error must name the command and keep helm's message: %v", err)
	}
}

// An object the chart renders twice: helm-diff keeps the first copy and
// says so on stderr only (exit 0), while helm upgrade applies each copy,
// the last one winning. The review of the first copy is not the upgrade.
func TestDiffOfADuplicateObjectIsAnError(t *testing.T) {
	h := newFakeHelm(t, "echo 'default, web, Deployment (apps) has changed:'\n"+
		"echo '2026/12/06 19:10:21 Error: Found duplicate key \"dupobj, web, Deployment (apps)\" in manifest' >&2\nexit 0")
	r := &helmrun.Runner{Helm: h.path, Env: userEnv(), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	out, err := r.Diff(context.Background(), mustParse(t, "web", "./chart"))
	if err == nil || !strings.Contains(err.Error(), `the chart renders the object "dupobj, web, Deployment (apps)" more than once`) {
		t.Errorf("diff of a chart that renders an object twice: %q, %v; want an error naming it", out, err)
	}
}

// helm's messages can quote a whole object: a refused patch of a Secret
// quotes its data first. safediff's errors cut them before it.
func TestHelmMessagesQuoteNoObject(t *testing.T) {
	msg := `Error: unable to generate manifests: cannot patch "creds" with kind Secret:  "" is invalid: patch: Invalid value: "{\"apiVersion\":\"v1\",\"data\":{\"apiKey\":\"WlFORVc3Nw==\"}}": error decoding from json; also map[apiKey:WlFORVc3Nw==]`
	for _, err := range []error{
		&helmrun.DiffError{ExitCode: 1, Stderr: msg},
		&helmrun.UpgradeError{ExitCode: 1, Message: msg},
		&helmrun.CommandError{Args: []string{"upgrade"}, ExitCode: 1, Message: msg},
	} {
		if s := err.Error(); strings.Contains(s, "WlFORVc3Nw==") || !strings.Contains(s, `cannot patch "creds" with kind Secret`) {
			t.Errorf("%T: %s", err, s)
		}
	}
}

// Without a values flag, helm upgrade renders the new chart's defaults and
// the values the user gave the last deployed revision (helm's
// reuseValues): helm diff is given those (--reset-values and a file of
// them), unless the upgrade gives values, or resets or reuses them, or no
// revision is deployed. An empty values file, or a flag set to false, gives
// nothing.
func TestDiffKeepsValuesAsHelmUpgrades(t *testing.T) {
	const deployed = `[{"revision": 1, "status": "superseded"}, {"revision": 2, "status": "deployed"}]`
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	some := filepath.Join(t.TempDir(), "some.yaml")
	if err := os.WriteFile(some, []byte("a: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		history string // helm history's answer
		keep    string // the values given to helm diff, "" for none
	}{
		{"no values", nil, deployed, "rev: 2"},
		{"--set", []string{"--set", "a=1"}, deployed, ""},
		{"--set= (empty: no values, for helm)", []string{"--set="}, deployed, "rev: 2"},
		{"--set-json={}", []string{"--set-json={}"}, deployed, "rev: 2"},
		{"-f", []string{"-f", some}, deployed, ""},
		{"-f of an empty file", []string{"-f", empty}, deployed, "rev: 2"},
		{"--reuse-values", []string{"--reuse-values"}, deployed, ""},
		{"--reuse-values=false", []string{"--reuse-values=false"}, deployed, "rev: 2"},
		{"--reset-values", []string{"--reset-values"}, deployed, ""},
		{"--reset-then-reuse-values", []string{"--reset-then-reuse-values=true"}, deployed, ""},
		{"a new release", []string{"--install"}, "[]", ""},
		{"a first install that failed: its own values", nil, `[{"revision": 1, "status": "failed"}]`, "rev: 1"},
		{"no revision deployed, the last pending", nil, `[{"revision": 1, "status": "pending-install"}]`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHelm(t, "case \"$1\" in history) echo '"+tc.history+"' ;; get) echo \"rev: $5\" ;;\n"+
				"*) for a in \"$@\"; do case $a in --values=*deployed.yaml) cat \"${a#--values=}\" > \"$(dirname \"$0\")/seen\" ;; esac; done; echo 'prod, web, Deployment (apps) has changed:' ;; esac")
			r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
			if _, err := r.Diff(context.Background(), mustParse(t, append([]string{"web", "./chart"}, tc.args...)...)); err != nil {
				t.Fatal(err)
			}
			seen, _ := os.ReadFile(filepath.Join(h.dir, "seen"))
			reset := slices.Contains(h.args(t), "--reset-values") && !slices.Contains(tc.args, "--reset-values")
			if got := strings.TrimSpace(string(seen)); got != tc.keep || reset != (tc.keep != "") {
				t.Errorf("helm diff %v read the values %q, want %q", h.args(t), got, tc.keep)
			}
			for _, a := range h.args(t) {
				if f, ok := strings.CutPrefix(a, "--values="); ok {
					if _, err := os.Stat(f); err == nil {
						t.Errorf("the file of the release's values (they may hold secrets) is left: %s", f)
					}
				}
			}
		})
	}
}

// The values of the release's deployed revision, which helm diff is given
// when the upgrade gives none, are hidden in its messages too.
func TestHelmMessagesHideTheReleasesValues(t *testing.T) {
	h := newFakeHelm(t, "case \"$1\" in history) echo '[{\"revision\": 2, \"status\": \"deployed\"}]' ;; get) echo 'db: {password: Hunter2Deployed, port: 54321}' ;;\n"+
		"*) echo \"Error: - at '/db/password': 'Hunter2Deployed' does not match pattern; 54321\" >&2; exit 1 ;; esac")
	r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
	_, err := r.Diff(context.Background(), mustParse(t, "web", "./chart"))
	if err == nil || strings.Contains(err.Error(), "Hunter2Deployed") || strings.Contains(err.Error(), "54321") {
		t.Errorf("%v", err)
	}
}

// After a failed upgrade, helm upgrade applies the chart over the last
// deployed revision, while helm diff shows the changes from the failed
// one: refused (a retry said "safe", and deleted a StatefulSet the failed
// revision had not). A first install that failed is the base itself.
func TestDiffAfterAFailedUpgradeIsAnError(t *testing.T) {
	for _, tc := range []struct {
		history string
		refused bool
	}{
		{`[{"revision": 2, "status": "deployed"}, {"revision": 3, "status": "failed"}]`, true},
		{`[{"revision": 1, "status": "failed"}]`, false},
		{`[{"revision": 1, "status": "superseded"}, {"revision": 2, "status": "deployed"}]`, false},
	} {
		h := newFakeHelm(t, "case \"$1\" in history) echo '"+tc.history+"' ;; *) echo 'prod, web, Deployment (apps) has changed:' ;; esac")
		r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
		_, err := r.Diff(context.Background(), mustParse(t, "web", "./chart", "--set", "a=1"))
		if refused := err != nil && strings.Contains(err.Error(), "helm rollback web 2"); refused != tc.refused {
			t.Errorf("history %s: %v, want refused %t", tc.history, err, tc.refused)
		}
	}
}

// With --reuse-values, helm diff reads the release's values itself; helm
// may quote them in its messages, which hide them too.
func TestHelmMessagesHideReusedValues(t *testing.T) {
	h := newFakeHelm(t, "case \"$1\" in history) echo '[{\"revision\": 2, \"status\": \"deployed\"}]' ;; get) echo 'db: {password: Hunter2Reused}' ;;\n"+
		"*) echo \"Error: - at '/db/password': 'Hunter2Reused' does not match pattern\" >&2; exit 1 ;; esac")
	r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
	_, err := r.Diff(context.Background(), mustParse(t, "web", "./chart", "--reuse-values", "--set", "a=1"))
	if err == nil || strings.Contains(err.Error(), "Hunter2Reused") {
		t.Errorf("%v", err)
	}
}

// helm upgrade --install of a release uninstalled with --keep-history
// installs it anew, which helm diff does not show (it diffs against the
// last manifest): refused.
func TestDiffOfAnUninstalledReleaseIsAnError(t *testing.T) {
	h := newFakeHelm(t, "case \"$1\" in history) echo '[{\"revision\": 2, \"status\": \"uninstalled\"}]' ;; *) echo 'prod, web, Deployment (apps) has changed:' ;; esac")
	r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
	_, err := r.Diff(context.Background(), mustParse(t, "web", "./chart", "--install", "--set", "a=1"))
	if err == nil || !strings.Contains(err.Error(), "was uninstalled") {
		t.Errorf("--install over an uninstalled release: %v, want an error", err)
	}
	if _, err := r.Diff(context.Background(), mustParse(t, "web", "./chart", "--install=false", "--set", "a=1")); err != nil {
		t.Errorf("without --install (helm upgrade fails by itself): %v", err)
	}
}

// helm quotes a value of the command line when it refuses it: a schema's
// pattern, a --set-json it cannot parse, a password with a comma read as
// a key. safediff's errors hide them, as its command lines do.
func TestHelmMessagesHideTheCommandLinesValues(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
		secret string
	}{
		{[]string{"--set", "db.password=Hunter2-Secret"}, `- at '/db/password': 'Hunter2-Secret' does not match pattern`, "Hunter2-Secret"},
		{[]string{"--set-json", "db.password=Hunter2Secret"}, `Error: failed parsing --set-json data db.password=Hunter2Secret`, "Hunter2Secret"},
		{[]string{"--set", "db.password=abc,Hunter2Secret"}, `Error: failed parsing --set data: key "Hunter2Secret" has no value`, "Hunter2Secret"},
		{[]string{"--set-string=token=s3cr3t-tok"}, `Error: 's3cr3t-tok' is not valid`, "s3cr3t-tok"},
		{[]string{"--set-json", `db={"password":"Hunter2Json"}`}, `- at '/db/password': 'Hunter2Json' does not match pattern`, "Hunter2Json"},
		{[]string{"--set", "hosts={a.example,Hunter2List}"}, `- at '/hosts/1': 'Hunter2List' does not match pattern`, "Hunter2List"},
		{[]string{"--set", `db.password=Hunter2\,Comma`}, `- at '/db/password': 'Hunter2,Comma' does not match pattern`, "Hunter2,Comma"},
		{[]string{"--set", "a=1", "--repo", "https://me:S3cretPw@charts.example.com"}, `Error: looks like "https://me:S3cretPw@charts.example.com" is not a valid chart repository`, "S3cretPw"},
		{[]string{"--set", "db.password=Hunter2's-pw"}, `- at '/db/password': 'Hunter2\'s-pw' does not match pattern`, `Hunter2\'s`},
		{[]string{"--set", `db.password=C:\Hunter2\x`}, `- at '/db/password': 'C:Hunter2x' does not match pattern`, "Hunter2x"},
	} {
		h := newFakeHelm(t, "echo \""+strings.ReplaceAll(tc.stderr, `"`, `\"`)+"\" >&2\nexit 1")
		r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
		_, err := r.Diff(context.Background(), mustParse(t, append([]string{"web", "./chart"}, tc.args...)...))
		if err == nil || strings.Contains(err.Error(), tc.secret) || !strings.Contains(err.Error(), "…") {
			t.Errorf("%v: %v", tc.args, err)
		}
	}
}

// helm pull's error quotes the repository's URL whole: the freeze's error
// hides its password.
func TestFreezeErrorsHideURLPasswords(t *testing.T) {
	h := newFakeHelm(t, "echo \"Error: looks like \\\"https://me:Secret1234@127.0.0.1:1/charts\\\" is not a valid chart repository\" >&2; exit 1")
	r := &helmrun.Runner{Helm: h.path, Env: userEnv()}
	u := mustParse(t, "web", "shop", "--repo", "https://me:Secret1234@127.0.0.1:1/charts", "--set", "a=1")
	_, _, err := r.Freeze(context.Background(), u, t.TempDir())
	if err == nil || strings.Contains(err.Error(), "Secret1234") {
		t.Errorf("%v", err)
	}
}
