package helmrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/manifest"
)

// Runner runs helm for safediff: helm diff upgrade to plan, helm upgrade to
// apply. It runs the helm that invoked the plugin ($HELM_BIN) with the
// environment helm gives plugins (HELM_NAMESPACE, HELM_KUBECONTEXT,
// KUBECONFIG, …), so that both see the same cluster and release.
type Runner struct {
	// Helm is the helm binary: $HELM_BIN under helm, "helm" otherwise.
	Helm string
	// Env is the environment of helm's children (os.Environ()).
	Env []string
	// Stdin, Stdout and Stderr are given to helm upgrade.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Debug, when set, receives the commands run (HELM_DEBUG).
	Debug io.Writer

	compat            sync.Once // needsDisableValidation, asked once
	disableValidation bool
}

// DiffError is a failed helm diff: nothing can be reviewed.
type DiffError struct {
	ExitCode int
	Stderr   string
}

func (e *DiffError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = "(no message)"
	}
	if e.MissingPlugin() {
		return fmt.Sprintf("the helm-diff plugin is not installed (helm says: %s); safediff runs helm diff upgrade to plan. Install it with\n"+
			"  helm plugin install https://github.com/databus23/helm-diff\n"+
			"(with helm v4 add --verify=false, as helm-diff is installed from its git repository), then check with: helm diff version", helmMessage(msg))
	}
	return fmt.Sprintf("helm diff upgrade failed (exit %d): %s", e.ExitCode, diag.CutQuotedObjects(errorLines(msg)))
}

// MissingPlugin says whether helm failed because the helm-diff plugin is
// not installed: helm then knows no command "diff".
func (e *DiffError) MissingPlugin() bool {
	return strings.Contains(e.Stderr, `unknown command "diff"`)
}

// errorLines keeps what says why helm failed, without its blank lines:
// from helm's first "Error:" line on (a chart's own failure, such as
// bitnami's "PASSWORDS ERROR", follows it, and helm's last line only says
// that the plugin failed), its head and its end when that is long; the
// last lines of a message without one.
func errorLines(s string) string {
	var lines []string
	first := -1
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimRight(l, " \t\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		if first < 0 && strings.HasPrefix(strings.TrimSpace(l), "Error:") {
			first = len(lines)
		}
		lines = append(lines, l)
	}
	const head, tail = 8, 2
	switch {
	case first < 0:
		lines = lines[max(len(lines)-6, 0):]
	case len(lines)-first > head+tail+1:
		lines = append(append(lines[first:first+head:first+head], "…"), lines[len(lines)-tail:]...)
	default:
		lines = lines[first:]
	}
	return strings.Join(lines, "\n  ")
}

// lastErrorLines keeps the end of a long message.
func lastErrorLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n  ")
}

// diffEnv returns the environment of helm diff: helm-diff's own settings
// are fixed so that its output is the full, uncoloured line diff, whatever
// the user's environment says, and HELM_DEBUG is dropped because helm-diff
// then prints its commands to stdout, into the diff.
func (r *Runner) diffEnv() []string {
	var env []string
	for _, kv := range r.env() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HELM_DEBUG", "HELM_DIFF_OUTPUT", "HELM_DIFF_COLOR", "HELM_DIFF_OUTPUT_CONTEXT", "HELM_DIFF_IGNORE_UNKNOWN_FLAGS":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HELM_DIFF_OUTPUT=diff", "HELM_DIFF_COLOR=false", "HELM_DIFF_IGNORE_UNKNOWN_FLAGS=true")
}

// env is the environment of helm's children: Env, or this process's.
func (r *Runner) env() []string {
	if r.Env == nil {
		return os.Environ()
	}
	return r.Env
}

func (r *Runner) helm() string {
	if r.Helm == "" {
		return "helm"
	}
	return r.Helm
}

func (r *Runner) debugf(format string, args ...any) {
	if r.Debug != nil {
		fmt.Fprintf(r.Debug, "safediff: "+format+"\n", args...)
	}
}

// Diff runs helm diff upgrade for u and returns its output. A non-zero exit
// (a missing chart, bad values, an unreachable cluster, a missing
// release without --install) is a *DiffError: an upgrade whose diff failed
// must not be reviewed as "no changes".
func (r *Runner) Diff(ctx context.Context, u Upgrade) ([]byte, error) {
	if r.needsDisableValidation(ctx) && !slices.Contains(u.DiffArgs, "--disable-validation") {
		u.DiffArgs = append(append([]string{}, u.DiffArgs...), "--disable-validation")
	}
	revs, err := r.history(ctx, u.Release, 256, u.globals())
	if err != nil {
		return nil, err
	}
	base := manifest.UpgradeBase(revs)
	switch last := len(revs) - 1; {
	case last < 0:
	case u.flagOn("install") && revs[last].Status == manifest.StatusUninstalled:
		// helm upgrade --install of a release uninstalled with
		// --keep-history installs it anew (the chart's defaults, over the
		// objects a resource policy kept), while helm diff diffs it against
		// its last manifest: "no changes"
		return nil, fmt.Errorf("release %s was uninstalled (its history kept): helm upgrade --install installs it anew, which helm diff does not show; safediff cannot review it: install it with helm install, or remove its history first", u.Release)
	case revs[last].Status == manifest.StatusFailed && base != revs[last].Number:
		// after a failed upgrade, helm upgrade applies the chart over the
		// last deployed revision (what it deletes is what that one has
		// and the chart no longer renders), while helm diff shows the
		// changes from the failed one: a retry said "safe", and deleted
		// a StatefulSet the failed revision had not
		return nil, fmt.Errorf("the last revision of release %s (%d) failed: helm upgrade applies the chart over revision %d, the last deployed one, while helm diff shows the changes from revision %d; safediff cannot review it: roll back first (helm rollback %s %d), then plan the upgrade again", u.Release, revs[last].Number, base, revs[last].Number, u.Release, base)
	}
	switch {
	case u.keepsValues():
		// helm upgrade then renders the new chart's defaults and the
		// values the user gave the base revision; helm diff rendered
		// the newest revision's computed values, the old chart's
		// defaults included, which hid every default the new chart
		// changed (a chart that turns its database off: "no changes",
		// and the upgrade deleted the StatefulSet). helm diff is given
		// those values itself.
		file, vals, done, err := r.releaseValues(ctx, u, base, false)
		if err != nil {
			return nil, err
		}
		defer done()
		if file != "" {
			u.DiffArgs = append(append([]string{}, u.DiffArgs...), "--reset-values", "--values="+file)
			u.hidden = append(slices.Clone(u.hidden), leaves(vals)...)
		}
	case (u.flagOn("reuse-values") || u.flagOn("reset-then-reuse-values")) && !u.flagOn("reset-values") && base > 0:
		// helm diff reads the release's values itself, and helm may
		// quote them in its messages: they are hidden there too
		_, vals, done, err := r.releaseValues(ctx, u, base, true)
		if err != nil {
			return nil, err
		}
		done()
		u.hidden = append(slices.Clone(u.hidden), leaves(vals)...)
	}
	out, stderr, code, err := r.capture(ctx, r.diffEnv(), u.DiffCommand()...)
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, &DiffError{ExitCode: code, Stderr: u.Unfreeze(string(stderr))}
	}
	// an object the chart renders twice: helm-diff keeps the first copy
	// and says so on stderr only, while helm upgrade applies every copy,
	// the last one winning (a second Deployment "web" with replicas 0)
	for _, l := range strings.Split(string(stderr), "\n") {
		if _, key, ok := strings.Cut(l, "Error: Found duplicate key "); ok {
			return nil, fmt.Errorf("helm diff upgrade: the chart renders the object %s more than once; helm-diff shows the first copy only, while helm upgrade applies each, the last one winning: safediff cannot review it; render each object once", strings.TrimSuffix(strings.TrimSpace(key), " in manifest"))
		}
	}
	// helm-diff writes warnings to stderr; stdout is the diff
	if s := strings.TrimSpace(string(stderr)); s != "" {
		r.debugf("helm diff said on stderr: %s", s)
	}
	return out, nil
}

// capture runs helm with env and returns what it printed and its exit
// code; err is set only when helm could not run at all.
func (r *Runner) capture(ctx context.Context, env []string, args ...string) (stdout, stderr []byte, code int, err error) {
	r.debugf("running %s %s", r.helm(), commandLine(args))
	cmd := r.command(ctx, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, nil, 0, fmt.Errorf("running %s: %w", r.helm(), err)
		}
		return out.Bytes(), errb.Bytes(), ee.ExitCode(), nil
	}
	return out.Bytes(), errb.Bytes(), 0, nil
}

// command returns helm with args, stopped when ctx ends (Ctrl-C, a CI
// job cancelled) the way a terminal stops it: an interrupt, and after
// InterruptGrace a kill. helm then ends its upgrade as it does on Ctrl-C
// (a kill leaves the release pending), and the caller goes on to clean up
// (the copies of the values it made).
func (r *Runner) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.helm(), args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = InterruptGrace
	return cmd
}

// InterruptGrace is how long helm may take to end after an interrupt.
const InterruptGrace = 30 * time.Second

// needsDisableValidation says whether helm diff must render without
// --validate: helm-diff before 3.14.0 predates helm v4 and renders with
// helm template --validate --dry-run=client, which helm v4 refuses ("if
// any flags in the group [validate dry-run] are set none of the others can
// be"). The versions are asked once per Runner, and the note printed once.
func (r *Runner) needsDisableValidation(ctx context.Context) bool {
	r.compat.Do(func() {
		hv, err := r.quick(ctx, "version", "--template", "{{.Version}}")
		if err != nil || versionBelow(hv, 4, 0) {
			return // helm v3, or a helm too old for --template: nothing to adapt
		}
		dv, err := r.quick(ctx, "diff", "version")
		if err != nil || !versionBelow(dv, 3, 14) {
			return
		}
		r.disableValidation = true
		if r.Stderr != nil {
			fmt.Fprintf(r.Stderr, "safediff: note: helm-diff %s predates helm v4 support (3.14.0); rendering the plan with --disable-validation. Upgrade helm-diff to validate against the cluster.\n", dv)
		}
	})
	return r.disableValidation
}

// quick runs a helm command that answers at once and returns its trimmed
// standard output.
func (r *Runner) quick(ctx context.Context, args ...string) (string, error) {
	out, _, code, err := r.capture(ctx, r.diffEnv(), args...)
	if err == nil && code != 0 {
		err = fmt.Errorf("helm %s: exit %d", commandLine(args), code)
	}
	return strings.TrimSpace(string(out)), err
}

// versionBelow says whether a version like "v4.3.1" or "3.13.2" is below
// major.minor; text that is not a version is not below anything.
func versionBelow(v string, major, minor int) bool {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma < major || (ma == major && mi < minor)
}

// UpgradeError is a failed helm upgrade, with helm's message.
type UpgradeError struct {
	ExitCode int
	Message  string
}

func (e *UpgradeError) Error() string {
	return fmt.Sprintf("helm upgrade failed (exit %d) after the review passed: %s", e.ExitCode, diag.CutQuotedObjects(e.Message))
}

// Upgrade runs helm upgrade with exactly the user's arguments, its output
// going to the user, and returns nil or an *UpgradeError carrying helm's
// exit code and its error message.
func (r *Runner) Upgrade(ctx context.Context, u Upgrade) error {
	args := u.UpgradeCommand()
	r.debugf("running %s %s", r.helm(), commandLine(args))
	cmd := r.command(ctx, args...)
	cmd.Env = r.env()
	var errb bytes.Buffer
	cmd.Stdin = r.Stdin
	cmd.Stdout = r.Stdout
	cmd.Stderr = &errb
	if r.Stderr != nil {
		cmd.Stderr = io.MultiWriter(r.Stderr, &errb)
	}
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &UpgradeError{ExitCode: ee.ExitCode(), Message: helmMessage(u.Unfreeze(errb.String()))}
	}
	return fmt.Errorf("running %s: %w", r.helm(), err)
}

// CommandError is another failed helm command, with helm's message.
type CommandError struct {
	Args     []string
	ExitCode int
	Message  string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("helm %s failed (exit %d): %s", commandLine(e.Args), e.ExitCode, diag.CutQuotedObjects(e.Message))
}

// hiddenValues are the flags whose values commandLine does not print:
// values set on the command line (a chart's password is often one) and
// credentials.
var hiddenValues = map[string]bool{
	"set": true, "set-string": true, "set-json": true, "set-literal": true,
	"password": true, "kube-token": true,
}

// commandLine is helm's arguments as messages show them: the values of
// hiddenValues replaced by "…", and passwords in URLs.
func commandLine(args []string) string {
	out := make([]string, len(args))
	hideNext := false
	for i, a := range args {
		name, _, eq := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		switch {
		case hideNext:
			out[i], hideNext = "…", false
		case !strings.HasPrefix(a, "--") || !hiddenValues[name]:
			out[i] = urlPasswordRE.ReplaceAllString(a, "${1}…@")
		case eq:
			out[i] = "--" + name + "=…"
		default:
			out[i], hideNext = a, true
		}
	}
	return strings.Join(out, " ")
}

// Output runs a helm command (helm get manifest, helm status, …) and
// returns its standard output; a failure is a *CommandError.
func (r *Runner) Output(ctx context.Context, args ...string) ([]byte, error) {
	out, stderr, code, err := r.capture(ctx, r.env(), args...)
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, &CommandError{Args: args, ExitCode: code, Message: helmMessage(string(stderr))}
	}
	return out, nil
}

// helmMessage picks helm's error message out of its stderr.
func helmMessage(stderr string) string {
	var msgs []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "Error: ") {
			msgs = append(msgs, strings.TrimPrefix(l, "Error: "))
		}
	}
	if len(msgs) == 0 {
		return lastErrorLines(strings.TrimSpace(stderr), 3)
	}
	return strings.Join(msgs, "; ")
}
