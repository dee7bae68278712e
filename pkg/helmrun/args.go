package helmrun

import (
	"fmt"
	"strings"
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
	kind  flagKind
	value bool // takes a value ("--timeout 5m" or "--timeout=5m")
	// optional: the value only comes with '=' (--dry-run, --dry-run=server)
	optional bool
}

// flags lists the flags of helm upgrade (helm v3.22, v4) and helm diff
// upgrade (helm-diff 3.13 to 3.15), by long name; shorthands map below.
var flags = map[string]flagSpec{
	// rendering: both
	"values": {both, true, false}, "set": {both, true, false}, "set-string": {both, true, false},
	"set-file": {both, true, false}, "set-json": {both, true, false}, "set-literal": {both, true, false},
	"version": {both, true, false}, "repo": {both, true, false}, "devel": {both, false, false},
	"reuse-values": {both, false, false}, "reset-values": {both, false, false}, "reset-then-reuse-values": {both, false, false},
	"install": {both, false, false}, "no-hooks": {both, false, false},
	"disable-openapi-validation": {both, false, false}, "enable-dns": {both, false, false},
	"skip-schema-validation": {both, false, false}, "post-renderer": {both, true, false},
	"post-renderer-args": {both, true, false}, "insecure-skip-tls-verify": {both, false, false},
	"take-ownership": {both, false, false},
	// helm upgrade only
	"create-namespace": {upgradeOnly, false, false}, "dry-run": {upgradeOnly, false, true},
	"hide-secret": {upgradeOnly, false, false}, "recreate-pods": {upgradeOnly, false, false},
	"force": {upgradeOnly, false, false}, "force-replace": {upgradeOnly, false, false},
	"force-conflicts": {upgradeOnly, false, false}, "server-side": {upgradeOnly, false, true},
	"skip-crds": {upgradeOnly, false, false}, "timeout": {upgradeOnly, true, false},
	"wait": {upgradeOnly, false, true}, "wait-for-jobs": {upgradeOnly, false, false},
	"atomic": {upgradeOnly, false, false}, "rollback-on-failure": {upgradeOnly, false, false},
	"history-max": {upgradeOnly, true, false}, "cleanup-on-fail": {upgradeOnly, false, false},
	"render-subchart-notes": {upgradeOnly, false, false}, "hide-notes": {upgradeOnly, false, false},
	"labels": {upgradeOnly, true, false}, "description": {upgradeOnly, true, false},
	"dependency-update": {upgradeOnly, false, false}, "verify": {upgradeOnly, false, false},
	"keyring": {upgradeOnly, true, false}, "username": {upgradeOnly, true, false},
	"password": {upgradeOnly, true, false}, "cert-file": {upgradeOnly, true, false},
	"key-file": {upgradeOnly, true, false}, "ca-file": {upgradeOnly, true, false},
	"plain-http": {upgradeOnly, false, false}, "pass-credentials": {upgradeOnly, false, false},
	"output": {upgradeOnly, true, false},
	// helm diff upgrade only
	"three-way-merge": {diffOnly, false, false}, "allow-unreleased": {diffOnly, false, false},
	"include-tests": {diffOnly, false, false}, "include-crds": {diffOnly, false, false},
	"normalize-manifests": {diffOnly, false, false}, "disable-validation": {diffOnly, false, false},
	"api-versions": {diffOnly, true, false}, "kube-version": {diffOnly, true, false},
	"strip-trailing-cr": {diffOnly, false, false}, "find-renames": {diffOnly, true, false},
	// helm's global flags, when safediff runs outside helm (as a plugin, helm
	// takes them out and passes them in the environment)
	"namespace": {both, true, false}, "kube-context": {both, true, false}, "kubeconfig": {both, true, false},
	"debug": {upgradeOnly, false, false},
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
		var long string
		var hasValue bool
		if strings.HasPrefix(a, "--") {
			long, _, hasValue = strings.Cut(a[2:], "=")
		} else {
			// shorthands group as pflag reads them: -in prod is -i -n prod,
			// -fvalues.yaml and -f=values.yaml are -f values.yaml
			bools, last, value, attached, err := splitShorthands(a[1:])
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
		route(&u, long, group)
	}
	if len(pos) != 2 {
		return u, fmt.Errorf("want RELEASE and CHART, got %d arguments (%s)", len(pos), strings.Join(pos, " "))
	}
	u.Release, u.Chart = pos[0], pos[1]
	return u, nil
}

// route sends a flag (with its value, as the user wrote it) to the upgrade,
// the diff, or both.
func route(u *Upgrade, long string, group []string) {
	spec, known := flags[long]
	switch {
	case !known || spec.kind == upgradeOnly:
		u.Args = append(u.Args, group...)
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
// colour, the default output format, so that safediff reads everything.
func (u Upgrade) DiffCommand() []string {
	args := []string{"diff", "upgrade", u.Release, u.Chart}
	args = append(args, u.DiffArgs...)
	return append(args, "--output", "diff", "--context", "-1", "--no-color")
}
