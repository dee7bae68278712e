package helmrun

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// flagKind says how a flag is used and where it goes.
type flagKind int

const (
	// both: a helm upgrade flag that helm diff upgrade understands too
	// (values, chart version, value-reuse modes, …): it goes to both.
	both flagKind = iota
	// upgradeOnly: a helm upgrade flag that does not change what is
	// rendered (--wait, --timeout, --atomic, …): it goes to the upgrade.
	upgradeOnly
	// diffOnly: a flag of helm diff upgrade that helm upgrade does not have
	// (--three-way-merge, --allow-unreleased, …): it goes to the diff and is
	// taken out of the upgrade.
	diffOnly
)

type flagSpec struct {
	kind flagKind
	// value: takes a value ("--timeout 5m" or "--timeout=5m"). Flags whose
	// value is optional (--dry-run, --wait, --server-side) take it only
	// after '=', so they are listed without.
	value bool
}

// flags lists the flags of helm upgrade (helm v3.22, v4) and helm diff
// upgrade (helm-diff 3.13 to 3.15), by long name; shorthands map below.
var flags = map[string]flagSpec{
	// rendering: both
	"values": {both, true}, "set": {both, true}, "set-string": {both, true},
	"set-file": {both, true}, "set-json": {both, true}, "set-literal": {both, true},
	"version": {both, true}, "repo": {both, true}, "devel": {both, false},
	"reuse-values": {both, false}, "reset-values": {both, false}, "reset-then-reuse-values": {both, false},
	"install": {both, false}, "no-hooks": {both, false},
	"disable-openapi-validation": {both, false}, "enable-dns": {both, false},
	"skip-schema-validation": {both, false}, "post-renderer": {both, true},
	"post-renderer-args": {both, true}, "insecure-skip-tls-verify": {both, false},
	"take-ownership": {both, false},
	// helm upgrade only
	"create-namespace": {upgradeOnly, false}, "dry-run": {upgradeOnly, false},
	"hide-secret": {upgradeOnly, false}, "recreate-pods": {upgradeOnly, false},
	"force": {upgradeOnly, false}, "force-replace": {upgradeOnly, false},
	"force-conflicts": {upgradeOnly, false}, "server-side": {upgradeOnly, false},
	"skip-crds": {upgradeOnly, false}, "timeout": {upgradeOnly, true},
	"wait": {upgradeOnly, false}, "wait-for-jobs": {upgradeOnly, false},
	"atomic": {upgradeOnly, false}, "rollback-on-failure": {upgradeOnly, false},
	"history-max": {upgradeOnly, true}, "cleanup-on-fail": {upgradeOnly, false},
	"render-subchart-notes": {upgradeOnly, false}, "hide-notes": {upgradeOnly, false},
	"labels": {upgradeOnly, true}, "description": {upgradeOnly, true},
	"dependency-update": {upgradeOnly, false}, "verify": {upgradeOnly, false},
	"keyring": {upgradeOnly, true}, "username": {upgradeOnly, true},
	"password": {upgradeOnly, true}, "cert-file": {upgradeOnly, true},
	"key-file": {upgradeOnly, true}, "ca-file": {upgradeOnly, true},
	"plain-http": {upgradeOnly, false}, "pass-credentials": {upgradeOnly, false},
	"output": {upgradeOnly, true},
	// helm diff upgrade only
	"three-way-merge": {diffOnly, false}, "allow-unreleased": {diffOnly, false},
	"include-tests": {diffOnly, false}, "include-crds": {diffOnly, false},
	"normalize-manifests": {diffOnly, false}, "disable-validation": {diffOnly, false},
	"api-versions": {diffOnly, true}, "kube-version": {diffOnly, true},
	"strip-trailing-cr": {diffOnly, false}, "find-renames": {diffOnly, true},
	// helm's global flags, when safediff runs outside helm (as a plugin, helm
	// takes them out and passes them in the environment)
	"namespace": {both, true}, "kube-context": {both, true}, "kubeconfig": {both, true},
	"kube-apiserver": {both, true}, "kube-token": {both, true}, "kube-as-user": {both, true},
	"kube-as-group": {both, true}, "kube-ca-file": {both, true}, "kube-tls-server-name": {both, true},
	"kube-insecure-skip-tls-verify": {both, false}, "burst-limit": {both, true}, "qps": {both, true},
	"registry-config": {both, true}, "repository-config": {both, true}, "repository-cache": {both, true},
	"content-cache": {both, true},
	"debug":         {upgradeOnly, false},
}

var shorthands = map[string]string{"f": "values", "i": "install", "l": "labels", "o": "output", "a": "api-versions",
	"D": "find-renames", "C": "context", "q": "suppress-secrets", "n": "namespace"}

// diffDisplayFlags are helm diff flags that change how the diff is
// printed; safediff sets them itself, so the user's are dropped.
var diffDisplayFlags = map[string]bool{
	"output": true, "context": true, "color": true, "no-color": true, "detailed-exitcode": true,
	"suppress": true, "suppress-secrets": true, "suppress-output-line-regex": true,
	"show-secrets": true, "show-secrets-decoded": true,
}

// displayValue are the display flags that take a value.
var displayValue = map[string]bool{"output": true, "context": true, "suppress": true, "suppress-output-line-regex": true}

// Upgrade is a helm upgrade as the user typed it.
type Upgrade struct {
	Release string
	Chart   string
	// Args are the flags for helm upgrade: the user's, in order, without
	// the flags that only helm diff understands.
	Args []string
	// DiffArgs are the flags for helm diff upgrade: those that change what
	// is rendered, and helm-diff's own.
	DiffArgs []string
	// Copies maps the copies Runner.Freeze made (their paths) to what they
	// copy (the chart, values files, URLs), so that helm's messages name
	// what the user gave.
	Copies map[string]string

	// hidden are more values helm's messages must not show (the values of
	// the release that Runner.Diff gives helm diff)
	hidden []string
}

// globalFlags are helm's flags that say which cluster and namespace.
var globalFlags = map[string]bool{
	"namespace": true, "kube-context": true, "kubeconfig": true, "kube-apiserver": true, "kube-token": true,
	"kube-as-user": true, "kube-as-group": true, "kube-ca-file": true, "kube-tls-server-name": true,
	"kube-insecure-skip-tls-verify": true, "burst-limit": true, "qps": true,
}

// Unfreeze writes in a message of helm the sources in place of their
// copies (see Copies), and "…" in place of the values the command line
// gives (--set and its kin, --password, --kube-token), which helm quotes
// when it refuses one (a schema's pattern, a --set it cannot parse).
func (u Upgrade) Unfreeze(msg string) string {
	msg = u.hideValues(msg)
	if len(u.Copies) == 0 {
		return msg
	}
	copies := make([]string, 0, len(u.Copies))
	for c := range u.Copies {
		copies = append(copies, c)
	}
	// the longest first: a file of the chart's copy before the copy itself
	slices.SortFunc(copies, func(a, b string) int { return len(b) - len(a) })
	for _, c := range copies {
		msg = strings.ReplaceAll(msg, c, u.Copies[c])
	}
	return msg
}

// ParseUpgrade reads "RELEASE CHART [flags]" (flags may also come first).
// Flags it does not know go to the upgrade, with a value when written as
// --flag=value; "--" ends the flags.
func ParseUpgrade(args []string) (Upgrade, error) {
	var u Upgrade
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		var long, value string
		var hasValue bool
		if strings.HasPrefix(a, "--") {
			long, value, hasValue = strings.Cut(a[2:], "=")
		} else {
			// shorthands group as pflag reads them: -in prod is -i -n prod,
			// -fvalues.yaml and -f=values.yaml are -f values.yaml
			bools, last, attachedValue, attached, err := splitShorthands(a[1:])
			value = attachedValue
			if err != nil {
				return u, err
			}
			for _, b := range bools {
				if !diffDisplayFlags[b] {
					route(&u, b, []string{"--" + b})
				}
			}
			if last == "" {
				continue
			}
			long, hasValue = last, attached
			if len(bools) > 0 {
				// pass the last flag on alone, in its long form
				a = "--" + long
				if attached {
					a += "=" + value
				}
			}
		}
		spec, known := flags[long]
		group := []string{a}
		if known && spec.value && !hasValue {
			if i+1 >= len(args) {
				return u, fmt.Errorf("flag %s needs a value", a)
			}
			group = append(group, args[i+1])
			i++
		}
		if diffDisplayFlags[long] && !(long == "output" && known) {
			// safediff decides how helm diff prints; drop the user's choice
			if !hasValue && displayValue[long] {
				if i+1 >= len(args) {
					return u, fmt.Errorf("flag %s needs a value", a)
				}
				i++ // these take a value
			}
			continue
		}
		if len(group) == 2 {
			value = group[1]
		}
		if err := unreviewable(long, value, hasValue || len(group) == 2); err != nil {
			return u, err
		}
		route(&u, long, group)
	}
	if len(pos) != 2 {
		noun := "arguments"
		if len(pos) == 1 {
			noun = "argument"
		}
		return u, fmt.Errorf("want RELEASE and CHART, got %d %s (%s)", len(pos), noun, strings.Join(pos, " "))
	}
	u.Release, u.Chart = pos[0], pos[1]
	return u, nil
}

// hideValues writes "…" in place of the values of the flags commandLine
// hides: each whole value, and each part of a --set list (key=value
// pairs, and what helm reads as a key when a value holds a comma), but
// parts of fewer than four characters, which would hide the rest of the
// message.
func (u Upgrade) hideValues(msg string) string {
	secrets := slices.Clone(u.hidden)
	for _, args := range [][]string{u.Args, u.DiffArgs, {u.Chart}} {
		for _, a := range args {
			// a password in a URL (--repo, an oci:// chart), which helm
			// prints whole when it cannot fetch it
			if i := strings.Index(a, "://"); i >= 0 {
				if pu, err := url.Parse(a[strings.LastIndexAny(a[:i], "= ")+1:]); err == nil {
					if pw, ok := pu.User.Password(); ok {
						secrets = append(secrets, pw, url.QueryEscape(pw))
					}
				}
			}
		}
		for _, g := range groups(args) {
			if !hiddenValues[g.long] || !g.hasValue {
				continue
			}
			secrets = append(secrets, g.value)
			switch g.long {
			case "password", "kube-token":
			case "set-json":
				_, js, _ := strings.Cut(g.value, "=")
				secrets = append(secrets, leaves([]byte(js))...)
			default:
				// key=value pairs split at commas (but escaped ones), a
				// list's items in braces
				for _, part := range strings.Split(strings.ReplaceAll(g.value, `\,`, "\x00"), ",") {
					part = strings.ReplaceAll(part, "\x00", ",")
					_, v, ok := strings.Cut(part, "=")
					if !ok {
						v = part
					}
					secrets = append(secrets, v, strings.Trim(v, "{}"))
				}
			}
		}
	}
	// and as helm may print them: quoted (a schema's error, %q), with
	// an apostrophe escaped, or with the backslashes helm's --set parser
	// takes out
	for _, s := range slices.Clone(secrets) {
		q := strconv.Quote(s)
		secrets = append(secrets, q[1:len(q)-1], strings.ReplaceAll(s, "'", `\'`), strings.ReplaceAll(s, `\`, ""))
	}
	// the longest first: a whole value before its parts
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "…")
		}
	}
	// a password in any URL left (one Go's parser refuses, or escaped
	// otherwise)
	return urlPasswordRE.ReplaceAllString(msg, "${1}…@")
}

// urlPasswordRE is the user and password of a URL.
var urlPasswordRE = regexp.MustCompile(`(://[^:/@\s"']*:)[^@/\s"']*@`)

// leaves are the strings and numbers of a YAML or JSON document (values),
// as text: what helm may quote of them.
func leaves(doc []byte) []string {
	var v any
	if yaml.Unmarshal(doc, &v, func(d *json.Decoder) *json.Decoder { d.UseNumber(); return d }) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case string:
			out = append(out, v)
		case json.Number:
			out = append(out, v.String())
		}
	}
	walk(v)
	return out
}

// DryRun says whether the upgrade changes nothing (--dry-run, and its
// client and server forms; "none" and what strconv.ParseBool reads as
// false are not a dry run, as helm reads them).
func (u Upgrade) DryRun() bool {
	dry := false
	for _, g := range groups(u.Args) {
		if g.long != "dry-run" {
			continue
		}
		dry = true
		if g.hasValue {
			b, err := strconv.ParseBool(g.value)
			dry = g.value != "none" && (err != nil || b)
		}
	}
	return dry
}

// TakeOwnership says whether the upgrade adopts the objects it creates
// that exist already, whoever owns them (--take-ownership, helm 3.17 and
// later).
func (u Upgrade) TakeOwnership() bool { return u.flagOn("take-ownership") }

// flagOn says whether a boolean flag of the upgrade is on (the last one
// given wins, as for helm).
func (u Upgrade) flagOn(long string) bool {
	on := false
	for _, g := range groups(u.Args) {
		if g.long == long {
			on = true
			if g.hasValue {
				on, _ = strconv.ParseBool(g.value)
			}
		}
	}
	return on
}

// globals are helm's global flags among u's arguments (-n,
// --kube-context, ...), with their values: what finds the release. A
// boolean one is written with its value: helm, which reads a plugin's
// global flags itself, takes the next argument as its value otherwise.
func (u Upgrade) globals() []string {
	var out []string
	for _, g := range groups(u.Args) {
		switch {
		case !globalFlags[g.long]:
		case !flags[g.long].value && !g.hasValue:
			out = append(out, "--"+g.long+"=true")
		default:
			out = append(out, g.elems...)
		}
	}
	return out
}

// keepsValues says whether helm upgrade u keeps the values the user gave
// the release before, as helm does (action.Upgrade's reuseValues) when
// no --reset-values, --reuse-values or --reset-then-reuse-values is on and
// the upgrade gives no values: no --set flag, and values files that hold
// nothing (an empty file, or only comments, is no values).
func (u Upgrade) keepsValues() bool {
	for _, g := range groups(u.Args) {
		switch g.long {
		case "reset-values", "reuse-values", "reset-then-reuse-values":
			on := true
			if g.hasValue {
				on, _ = strconv.ParseBool(g.value)
			}
			if on {
				return false
			}
		case "set", "set-string", "set-literal", "set-file":
			if g.value != "" {
				return false // an empty one gives helm no values
			}
		case "set-json":
			if v := strings.TrimSpace(g.value); v != "" && v != "{}" {
				return false
			}
		case "values":
			paths, err := csv.NewReader(strings.NewReader(g.value)).Read()
			if err != nil {
				return false
			}
			for _, p := range paths {
				data, err := os.ReadFile(p) // a copy (Runner.Freeze), or the user's file
				var vals map[string]any
				if err != nil || yaml.Unmarshal(data, &vals) != nil || len(vals) > 0 {
					return false
				}
			}
		}
	}
	return true
}

// route sends a flag (with its value, as the user wrote it) to the upgrade,
// the diff, or both.
func route(u *Upgrade, long string, group []string) {
	spec, known := flags[long]
	switch {
	case !known || spec.kind == upgradeOnly:
		u.Args = append(u.Args, group...)
	case spec.kind == both && globalFlags[long] && !spec.value && len(group) == 1 && !strings.Contains(group[0], "="):
		// helm reads a plugin's global flags itself, and takes the next
		// argument as the value of a bare boolean one
		u.Args = append(u.Args, group...)
		u.DiffArgs = append(u.DiffArgs, "--"+long+"=true")
	case spec.kind == both:
		u.Args = append(u.Args, group...)
		u.DiffArgs = append(u.DiffArgs, group...)
	case spec.kind == diffOnly:
		u.DiffArgs = append(u.DiffArgs, group...)
	}
}

// splitShorthands reads a group of shorthand flags (without the dash) as
// pflag does: boolean flags first, then at most one flag that takes a
// value, with the rest of the group (after an optional '=') as its value.
// It returns the long names of the boolean flags, and the last flag with
// its attached value, if any.
func splitShorthands(group string) (bools []string, last, value string, attached bool, err error) {
	for i := 0; i < len(group); i++ {
		c := group[i : i+1]
		l, ok := shorthands[c]
		if !ok {
			in := ""
			if len(group) > 1 {
				in = " in -" + group
			}
			return nil, "", "", false, fmt.Errorf("unknown shorthand flag -%s%s (write the long form of the flag)", c, in)
		}
		rest := group[i+1:]
		if flags[l].value || displayValue[l] {
			v := strings.TrimPrefix(rest, "=")
			return bools, l, v, rest != "", nil
		}
		if strings.HasPrefix(rest, "=") {
			return nil, "", "", false, fmt.Errorf("flag -%s takes no value (in -%s)", c, group)
		}
		if rest == "" {
			return bools, l, "", false, nil
		}
		bools = append(bools, l)
	}
	return bools, "", "", false, nil
}

// UpgradeCommand returns the helm arguments of the upgrade.
func (u Upgrade) UpgradeCommand() []string {
	return append([]string{"upgrade", u.Release, u.Chart}, u.Args...)
}

// DiffCommand returns the helm arguments of the diff: full context, no
// colour, the default output format, so that safediff reads everything;
// and --dry-run=server, so that the chart is rendered with the cluster's
// answers to its lookup calls, as helm upgrade renders it (helm-diff
// renders without them otherwise: a chart that keeps a StatefulSet while
// lookup finds something showed "no changes" where the upgrade deleted
// it).
func (u Upgrade) DiffCommand() []string {
	args := []string{"diff", "upgrade", u.Release, u.Chart}
	args = append(args, u.DiffArgs...)
	return append(args, "--output", "diff", "--context", "-1", "--no-color", "--dry-run=server")
}

// unreviewable refuses a flag of an upgrade (its long name, and its
// value, if it has one) that would apply something other than what the
// review saw: values read from the standard input, which only one of helm
// diff and helm upgrade gets (the review then saw none), and a
// replacement of every object whole (--force, helm 4's --force-replace,
// --recreate-pods), which resets what the chart does not set (the
// replicas an autoscaler or a user set, a restart's annotation) while the
// diff shows no change.
func unreviewable(long, value string, hasValue bool) error {
	switch long {
	case "force", "force-replace", "recreate-pods":
		if !hasValue || value != "false" {
			return fmt.Errorf("--%s replaces every object of the release whole, resetting the fields the chart does not set (replicas, a restart's annotation), which the diff does not show: safediff cannot review it; run the upgrade without it", long)
		}
	case "values", "set-file":
		paths := strings.Split(value, ",")
		if long == "values" {
			// as pflag reads a string slice: CSV ("\"-\"" is -)
			if r, err := csv.NewReader(strings.NewReader(value)).Read(); err == nil {
				paths = r
			}
		}
		for _, v := range paths {
			if long == "set-file" {
				_, v, _ = strings.Cut(v, "=")
			}
			if fromStdin(v) {
				return fmt.Errorf("--%s %s reads the standard input (or another stream), which only one of helm diff and helm upgrade gets: the review would see other values than the upgrade; write them to a file", long, value)
			}
		}
	}
	return nil
}

// fromStdin reports whether helm reads a values path from the standard
// input ("-"), or from a file that is the standard input or another
// descriptor of the process.
func fromStdin(path string) bool {
	// helm reads any path that trims to "-" from the standard input
	if strings.TrimSpace(path) == "-" {
		return true
	}
	// spelled otherwise ("//dev/stdin", "/dev/./fd/0")
	p := filepath.Clean(path)
	if p == "/dev/stdin" || strings.HasPrefix(p, "/dev/fd/") || strings.HasPrefix(p, "/proc/") && strings.Contains(p, "/fd/") {
		return true
	}
	// or through a link, or another stream (a FIFO, a device): read twice,
	// it gives the review and the upgrade other values
	fi, err := os.Stat(path)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir() && p != "/dev/null"
}
