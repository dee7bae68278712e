package helmrun_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/helmrun"
)

// TestParseUpgrade checks where each flag of a helm upgrade goes: to the
// upgrade (Args), to helm diff upgrade (DiffArgs), to both, or nowhere.
func TestParseUpgrade(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		release string // default "web"
		chart   string // default "./chart"
		upgrade []string
		diff    []string
		err     string // substring of the error; empty for none
		reason  string
	}{
		// positionals and flag placement
		{
			name:    "flags after the positionals",
			args:    []string{"web", "./chart", "--set", "a=b"},
			upgrade: []string{"--set", "a=b"}, diff: []string{"--set", "a=b"},
			reason: "the usual helm order; --set changes what is rendered, so both need it",
		},
		{
			name:    "flags before the positionals",
			args:    []string{"--set", "a=b", "web", "./chart"},
			upgrade: []string{"--set", "a=b"}, diff: []string{"--set", "a=b"},
			reason: "pflag accepts flags anywhere; a=b is the value of --set, not the release",
		},
		{
			name:    "flags between the positionals",
			args:    []string{"web", "-f", "prod.yaml", "./chart"},
			upgrade: []string{"-f", "prod.yaml"}, diff: []string{"-f", "prod.yaml"},
			reason: "the value of -f is consumed, so ./chart is still the second positional",
		},
		{
			name:    "--set=a=b is one argument",
			args:    []string{"web", "./chart", "--set=a=b"},
			upgrade: []string{"--set=a=b"}, diff: []string{"--set=a=b"},
			reason: "the flag name ends at the first '=': the value a=b is attached and the next argument is not read",
		},
		{
			name:    "-f with a separate value",
			args:    []string{"web", "./chart", "-f", "values.yaml"},
			upgrade: []string{"-f", "values.yaml"}, diff: []string{"-f", "values.yaml"},
			reason: "-f is --values, which changes what is rendered",
		},
		{
			name:    "-f with an attached value",
			args:    []string{"web", "./chart", "-fvalues.yaml"},
			upgrade: []string{"-fvalues.yaml"}, diff: []string{"-fvalues.yaml"},
			reason: "pflag reads the rest of a value shorthand as its value; the next argument is not taken",
		},
		{
			name:    "-f=values.yaml",
			args:    []string{"-f=values.yaml", "web", "./chart"},
			upgrade: []string{"-f=values.yaml"}, diff: []string{"-f=values.yaml"},
			reason: "a shorthand with '=' carries its value; web stays the release",
		},
		{
			name:    "--install",
			args:    []string{"web", "./chart", "--install"},
			upgrade: []string{"--install"}, diff: []string{"--install"},
			reason: "without --install in the diff, a new release is a diff error instead of a plan of creations",
		},
		{
			name:    "-i",
			args:    []string{"-i", "web", "./chart"},
			upgrade: []string{"-i"}, diff: []string{"-i"},
			reason: "-i is --install; it takes no value, so web is the release",
		},
		{
			name:    "chart version and namespace",
			args:    []string{"web", "repo/web", "--version", "1.2.3", "-n", "prod", "--kube-context=kind"},
			chart:   "repo/web",
			upgrade: []string{"--version", "1.2.3", "-n", "prod", "--kube-context=kind"},
			diff:    []string{"--version", "1.2.3", "-n", "prod", "--kube-context=kind"},
			reason:  "the chart version and the target cluster must be the same for the plan and the upgrade",
		},

		// upgrade only
		{
			name:    "rollout flags go to the upgrade only",
			args:    []string{"web", "./chart", "--wait", "--timeout", "5m", "--atomic", "--create-namespace"},
			upgrade: []string{"--wait", "--timeout", "5m", "--atomic", "--create-namespace"},
			reason:  "they change how the upgrade is applied, not what is rendered; 5m is the value of --timeout",
		},
		{
			name:    "--timeout=5m",
			args:    []string{"web", "./chart", "--timeout=5m"},
			upgrade: []string{"--timeout=5m"},
			reason:  "the attached form of an upgrade-only value flag",
		},
		{
			name:    "--wait does not take the next argument",
			args:    []string{"--wait", "web", "./chart"},
			upgrade: []string{"--wait"},
			reason:  "--wait's value (helm 4: watcher, legacy) only comes with '=', so web is the release",
		},
		{
			name:    "--dry-run=server",
			args:    []string{"--dry-run=server", "web", "./chart"},
			upgrade: []string{"--dry-run=server"},
			reason:  "helm-diff's own --dry-run means something else (no cluster access): the upgrade's must not reach the diff",
		},
		{
			name:    "-o json is helm upgrade's output",
			args:    []string{"web", "./chart", "-o", "json"},
			upgrade: []string{"-o", "json"},
			reason:  "helm upgrade has -o/--output (its notes format); safediff sets the diff's --output itself",
		},
		{
			name:    "--output=yaml",
			args:    []string{"web", "./chart", "--output=yaml"},
			upgrade: []string{"--output=yaml"},
			reason:  "the long, attached form of helm upgrade's --output",
		},
		{
			name:    "--debug",
			args:    []string{"web", "./chart", "--debug"},
			upgrade: []string{"--debug"},
			reason:  "helm-diff in debug mode prints its commands to stdout, into the diff safediff reads",
		},

		// diff only
		{
			name:   "helm-diff's own flags go to the diff only",
			args:   []string{"web", "./chart", "--three-way-merge", "--allow-unreleased", "--normalize-manifests"},
			diff:   []string{"--three-way-merge", "--allow-unreleased", "--normalize-manifests"},
			reason: "helm upgrade does not know them and would fail with \"unknown flag\" after the review passed",
		},
		{
			name:   "helm-diff flags with values",
			args:   []string{"web", "./chart", "-a", "networking.k8s.io/v1", "--kube-version=1.31.0", "-D", "0.8"},
			diff:   []string{"-a", "networking.k8s.io/v1", "--kube-version=1.31.0", "-D", "0.8"},
			reason: "their values stay with them: neither networking.k8s.io/v1 nor 0.8 is a positional",
		},

		// display flags: safediff decides how the diff is printed
		{
			name:   "the user's diff display flags are dropped",
			args:   []string{"web", "./chart", "--context", "3", "--suppress", "Secret", "--no-color", "--show-secrets"},
			reason: "safediff needs the full, uncoloured diff; 3 and Secret are the dropped flags' values, not positionals",
		},
		{
			name:   "more display flags, in every form",
			args:   []string{"-C", "3", "--context=5", "-q", "--color", "--suppress-output-line-regex", "^x", "--show-secrets-decoded", "--detailed-exitcode", "web", "./chart"},
			reason: "all of them change the printing only; --detailed-exitcode would turn \"there are changes\" into a failed diff",
		},
		{
			name:   "a dropped flag's negative value",
			args:   []string{"--context", "-1", "web", "./chart"},
			reason: "-1 is the value of --context, not a shorthand flag",
		},

		// the rest
		{
			name:    "-- ends the flags",
			args:    []string{"--set", "a=b", "--", "web", "-odd-chart"},
			chart:   "-odd-chart",
			upgrade: []string{"--set", "a=b"}, diff: []string{"--set", "a=b"},
			reason: "after --, an argument starting with '-' is a positional",
		},
		{
			name:    "unknown long flags go to the upgrade",
			args:    []string{"web", "./chart", "--brand-new-flag", "--other=x"},
			upgrade: []string{"--brand-new-flag", "--other=x"},
			reason:  "a newer helm's flag must reach helm upgrade, which judges it; helm-diff may not know it",
		},
		{
			name:    "the user's order is kept",
			args:    []string{"--wait", "-f", "a.yaml", "--three-way-merge", "web", "--set", "x=1", "./chart", "--timeout", "5m", "-i"},
			upgrade: []string{"--wait", "-f", "a.yaml", "--set", "x=1", "--timeout", "5m", "-i"},
			diff:    []string{"-f", "a.yaml", "--three-way-merge", "--set", "x=1", "-i"},
			reason:  "later values files and --set win in helm, so reordering would change what is rendered",
		},

		{
			name:    "helm's global flags, outside helm",
			args:    []string{"web", "./chart", "--kube-apiserver=https://b:6443", "--kube-token", "t", "--kube-as-group", "g", "--kube-insecure-skip-tls-verify", "--repository-config", "r.yaml"},
			upgrade: []string{"--kube-apiserver=https://b:6443", "--kube-token", "t", "--kube-as-group", "g", "--kube-insecure-skip-tls-verify", "--repository-config", "r.yaml"},
			diff:    []string{"--kube-apiserver=https://b:6443", "--kube-token", "t", "--kube-as-group", "g", "--kube-insecure-skip-tls-verify=true", "--repository-config", "r.yaml"},
			reason:  "found: run as a command, the upgrade went to cluster B while the diff read cluster A; as a plugin, helm passes them in the environment to both (a bare boolean one with its value: helm takes the next argument as the value of a plugin's)",
		},

		// errors
		{
			name:   "values from the standard input",
			args:   []string{"web", "./chart", "-f", "-"},
			err:    "--values - reads the standard input",
			reason: "found: helm diff read no values and showed no change, helm upgrade read the user's and deleted a StatefulSet",
		},
		{
			name:   "values from the standard input, attached and in a list",
			args:   []string{"web", "./chart", "--values=a.yaml,/dev/stdin"},
			err:    "reads the standard input",
			reason: "a list of files, one of them the standard input",
		},
		{
			name:   "values from the standard input, spelled with a space",
			args:   []string{"web", "./chart", "-f", " -"},
			err:    "reads the standard input",
			reason: "found: helm reads any path that trims to - from the standard input; the review got none",
		},
		{
			name:   "values from the standard input, quoted as pflag reads a list",
			args:   []string{"web", "./chart", "--values", `a.yaml,"-"`},
			err:    "reads the standard input",
			reason: "pflag reads -f as CSV: \"-\" is -",
		},
		{
			name:   "a file value from the standard input, spelled with a space",
			args:   []string{"web", "./chart", "--set-file", "k= -"},
			err:    "reads the standard input",
			reason: "helm's --set-file reads its path as -f does",
		},
		{
			name:   "a file value from the standard input",
			args:   []string{"web", "./chart", "--set-file", "conf=/dev/fd/0"},
			err:    "--set-file conf=/dev/fd/0 reads the standard input",
			reason: "--set-file takes key=path",
		},
		{
			name:   "a file value from the standard input, spelled with two slashes and an escape",
			args:   []string{"web", "./chart", "--set-file", `a\.b=//dev/stdin`},
			err:    "reads the standard input",
			reason: "found: a value with a backslash is not copied, and //dev/stdin is /dev/stdin: the diff read nothing, the upgrade the pipe",
		},
		{
			name:   "values from a link to the standard input",
			args:   []string{"web", "./chart", "-f", "/proc/self/fd/0/../0"},
			err:    "reads the standard input",
			reason: "a path that cleans to a descriptor of the process",
		},
		{
			name:   "force",
			args:   []string{"web", "./chart", "--force"},
			err:    "--force replaces every object of the release whole",
			reason: "found: a Deployment scaled to 10 went to 1 replica while the review said no changes",
		},
		{
			name:   "force-replace",
			args:   []string{"web", "./chart", "--force-replace=true"},
			err:    "--force-replace replaces every object",
			reason: "helm 4's name of --force",
		},
		{
			name:    "force off",
			args:    []string{"web", "./chart", "--force=false"},
			upgrade: []string{"--force=false"},
			reason:  "set to false, nothing is replaced",
		},
		{
			name:    "values from a file named like a flag's value",
			args:    []string{"web", "./chart", "-f", "values-prod.yaml"},
			upgrade: []string{"-f", "values-prod.yaml"}, diff: []string{"-f", "values-prod.yaml"},
			reason: "a file, not the standard input",
		},
		{
			name:   "unknown shorthand",
			args:   []string{"web", "./chart", "-z"},
			err:    "unknown shorthand flag -z",
			reason: "a shorthand's long name (and so whether it takes a value) is unknown: guessing could take the chart as its value",
		},
		{
			name:   "unknown shorthand with an attached value",
			args:   []string{"-zvalue", "web", "./chart"},
			err:    "unknown shorthand flag -z",
			reason: "the error names the flag, not the flag and its value",
		},
		{
			name:   "missing value at the end",
			args:   []string{"web", "./chart", "--timeout"},
			err:    "flag --timeout needs a value",
			reason: "nothing follows a flag that needs a value",
		},
		{
			name:   "missing shorthand value at the end",
			args:   []string{"web", "./chart", "-f"},
			err:    "flag -f needs a value",
			reason: "the error names the flag as the user wrote it",
		},
		{
			name:   "one positional",
			args:   []string{"web", "--install"},
			err:    "want RELEASE and CHART, got 1 argument (web)",
			reason: "the chart is missing",
		},
		{
			name:   "three positionals",
			args:   []string{"web", "./chart", "extra"},
			err:    "got 3 arguments (web ./chart extra)",
			reason: "naming them shows which one is too many",
		},
		{
			name:   "an unknown flag's separate value is a positional",
			args:   []string{"web", "./chart", "--brand-new-flag", "x"},
			err:    "got 3 arguments (web ./chart x)",
			reason: "an unknown flag's value must be attached with '='; otherwise the count of positionals is off, which is an error, never a guess",
		},
		{
			name:   "nothing",
			args:   nil,
			err:    "got 0 arguments",
			reason: "no release, no chart",
		},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			u, err := helmrun.ParseUpgrade(tc.args)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseUpgrade(%q): error %v, want one containing %q\nreason: %s", tc.args, err, tc.err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseUpgrade(%q): %v\nreason: %s", tc.args, err, tc.reason)
			}
			release, chart := orDefault(tc.release, "web"), orDefault(tc.chart, "./chart")
			if u.Release != release || u.Chart != chart {
				t.Errorf("release %q chart %q, want %q %q\nreason: %s", u.Release, u.Chart, release, chart, tc.reason)
			}
			if diff := cmp.Diff(tc.upgrade, u.Args); diff != "" {
				t.Errorf("upgrade args (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
			if diff := cmp.Diff(tc.diff, u.DiffArgs); diff != "" {
				t.Errorf("diff args (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
		})
	}
}

// TestCommands checks the full helm command lines built from a parsed
// upgrade.
func TestCommands(t *testing.T) {
	fixed := []string{"--output", "diff", "--context", "-1", "--no-color", "--dry-run=server"}
	tests := []struct {
		name    string
		args    []string
		upgrade []string
		diff    []string
		reason  string
	}{
		{
			name:    "no flags",
			args:    []string{"web", "./chart"},
			upgrade: []string{"upgrade", "web", "./chart"},
			diff:    append([]string{"diff", "upgrade", "web", "./chart"}, fixed...),
			reason:  "the diff always asks for the full, uncoloured line diff",
		},
		{
			name:    "the user's display flags lose to safediff's",
			args:    []string{"--context", "3", "--no-color", "-o", "json", "web", "./chart", "--install"},
			upgrade: []string{"upgrade", "web", "./chart", "-o", "json", "--install"},
			diff:    append([]string{"diff", "upgrade", "web", "./chart", "--install"}, fixed...),
			reason: "display flags reach neither command (helm upgrade does not know them), safediff's come last " +
				"in the diff (pflag: the last one wins), and -o stays helm upgrade's",
		},
		{
			name:    "the upgrade keeps the user's order",
			args:    []string{"-f", "a.yaml", "--wait", "web", "./chart", "-f", "b.yaml", "--three-way-merge", "--set=x=1"},
			upgrade: []string{"upgrade", "web", "./chart", "-f", "a.yaml", "--wait", "-f", "b.yaml", "--set=x=1"},
			diff:    append([]string{"diff", "upgrade", "web", "./chart", "-f", "a.yaml", "-f", "b.yaml", "--three-way-merge", "--set=x=1"}, fixed...),
			reason:  "b.yaml overrides a.yaml in both commands; only the flag helm upgrade does not know is left out of it",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := helmrun.ParseUpgrade(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.upgrade, u.UpgradeCommand()); diff != "" {
				t.Errorf("UpgradeCommand (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
			if diff := cmp.Diff(tc.diff, u.DiffCommand()); diff != "" {
				t.Errorf("DiffCommand (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
		})
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestShorthandGroups: grouped shorthands split as helm's flag parser
// splits them, and a group's value is never taken for a positional.
func TestShorthandGroups(t *testing.T) {
	tests := []struct {
		args    []string
		upgrade []string
		diff    []string
		wantErr string
		reason  string
	}{
		{[]string{"web", "./c", "-in", "prod"}, []string{"--install", "--namespace", "prod"}, []string{"--install", "--namespace", "prod"}, "", "-i is boolean, so n starts the next flag, whose value is the next argument"},
		{[]string{"-in", "prod", "web", "./c"}, []string{"--install", "--namespace", "prod"}, []string{"--install", "--namespace", "prod"}, "", "before the positionals too: prod is the value of -n, so web is the release"},
		{[]string{"web", "./c", "-inprod"}, []string{"--install", "--namespace=prod"}, []string{"--install", "--namespace=prod"}, "", "the value may be attached after the last flag of a group"},
		{[]string{"web", "./c", "-fa=b.yaml"}, []string{"-fa=b.yaml"}, []string{"-fa=b.yaml"}, "", "after a value flag the rest of the group is its value, '=' and all"},
		{[]string{"web", "./c", "-iq"}, []string{"--install"}, []string{"--install"}, "", "-q (helm-diff's --suppress-secrets) is a display flag safediff drops"},
		{[]string{"web", "./c", "-i=true"}, nil, nil, "takes no value", "a boolean shorthand does not take '=value' inside a group"},
		{[]string{"web", "./c", "-ix"}, nil, nil, "unknown shorthand flag -x in -ix", "the error names the letter and the group"},
	}
	for _, tc := range tests {
		u, err := helmrun.ParseUpgrade(tc.args)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: error %v, want %q (%s)", tc.args, err, tc.wantErr, tc.reason)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v (%s)", tc.args, err, tc.reason)
			continue
		}
		if u.Release != "web" || u.Chart != "./c" {
			t.Errorf("%v: release %q chart %q, want web ./c (%s)", tc.args, u.Release, u.Chart, tc.reason)
		}
		if strings.Join(u.Args, " ") != strings.Join(tc.upgrade, " ") || strings.Join(u.DiffArgs, " ") != strings.Join(tc.diff, " ") {
			t.Errorf("%v: upgrade %q diff %q, want %q and %q (%s)", tc.args, u.Args, u.DiffArgs, tc.upgrade, tc.diff, tc.reason)
		}
	}
}

func TestVersionBelow(t *testing.T) {
	tests := []struct {
		v            string
		major, minor int
		want         bool
		reason       string
	}{
		{"v4.3.1", 4, 0, false, "helm v4 is not below v4"},
		{"v3.22.0", 4, 0, true, "helm v3 is below v4"},
		{"3.13.2", 3, 14, true, "helm-diff 3.13 predates helm v4 support"},
		{"3.15.11", 3, 14, false, "helm-diff 3.15 supports helm v4"},
		{"v3.14", 3, 14, false, "a version without patch, as an ldflag-less helm prints"},
		{"3.14.0-rc.1", 3, 14, false, "a pre-release of 3.14 counts as 3.14"},
		{"garbage", 4, 0, false, "text that is not a version is not below anything: nothing is adapted"},
	}
	for _, tc := range tests {
		if got := helmrun.VersionBelow(tc.v, tc.major, tc.minor); got != tc.want {
			t.Errorf("VersionBelow(%q, %d, %d) = %v, want %v (%s)", tc.v, tc.major, tc.minor, got, tc.want, tc.reason)
		}
	}
}

// A values file that is a FIFO (or a link to one) gives the review and the
// upgrade other values: each run reads what is written to it then.
func TestValuesFromAStreamAreRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "values.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-f", fifo}, {"--set-file", "conf=" + link}} {
		if _, err := helmrun.ParseUpgrade(append([]string{"web", "./chart"}, args...)); err == nil || !strings.Contains(err.Error(), "or another stream") {
			t.Errorf("%v: %v, want a refusal", args, err)
		}
	}
	if _, err := helmrun.ParseUpgrade([]string{"web", "./chart", "-f", "/dev/null"}); err != nil {
		t.Errorf("-f /dev/null: %v", err)
	}
}

// --take-ownership makes helm adopt the objects the upgrade creates that
// exist already: --cluster must not call them refused.
func TestTakeOwnership(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		want   bool
		reason string
	}{
		{[]string{"shop", "./chart"}, false, "helm checks the owner by default"},
		{[]string{"shop", "./chart", "--take-ownership"}, true, "the flag"},
		{[]string{"shop", "./chart", "--take-ownership=false"}, false, "turned off by value"},
		{[]string{"shop", "./chart", "--take-ownership=false", "--take-ownership"}, true, "the last one wins, as for helm"},
	} {
		u, err := helmrun.ParseUpgrade(tc.args)
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		if got := u.TakeOwnership(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.reason, got, tc.want)
		}
	}
}
