package plan

import (
	"fmt"
	"net/url"
	"strings"
)

// Arg is one argument of the planned helm command line. A value that may
// be secret is withheld: the plan keeps only the flag it belongs to, and
// apply takes the value again from its own command line (the rendered
// values and manifests, whose digests the plan keeps, prove it is the
// same).
type Arg struct {
	Value    string `json:"value,omitempty"`
	Withheld bool   `json:"withheld,omitempty"`
	// Flag is the flag of a withheld value ("--set").
	Flag string `json:"flag,omitempty"`
}

// secretFlags are helm's flags whose values may carry secrets: values set
// on the command line, repository passwords, an API server token.
var secretFlags = map[string]bool{
	"--set": true, "--set-string": true, "--set-json": true, "--set-literal": true, "--password": true,
	"--kube-token": true, // a bearer token, when run as a command (helm passes a plugin its own in the environment)
}

// WithholdArgs returns the helm arguments to keep in a plan: the values of
// the flags that may carry secrets (--set and its kin, --password) and
// any URL with a password in it are withheld. The form --flag=value is
// kept as --flag value, which helm reads the same. A positional argument
// (the release or the chart) with a password in a URL is an error: it
// cannot be withheld and given again.
func WithholdArgs(args []string) ([]Arg, error) {
	var out []Arg
	positional := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if positional || !strings.HasPrefix(a, "-") || a == "-" {
			if urlPassword(a) {
				return nil, fmt.Errorf("argument %d holds a URL with a password, which a plan must not keep: log in with helm registry login or helm repo add instead", i+1)
			}
			out = append(out, Arg{Value: a})
			continue
		}
		if a == "--" {
			positional = true
			out = append(out, Arg{Value: a})
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		switch {
		case secretFlags[name] && hasValue:
			out = append(out, Arg{Value: name}, Arg{Withheld: true, Flag: name})
		case secretFlags[name]:
			out = append(out, Arg{Value: name})
			if i+1 < len(args) {
				i++
				out = append(out, Arg{Withheld: true, Flag: name})
			}
		case hasValue && urlPassword(value):
			out = append(out, Arg{Value: name}, Arg{Withheld: true, Flag: name})
		case !hasValue && i+1 < len(args) && urlPassword(args[i+1]):
			out = append(out, Arg{Value: a}, Arg{Withheld: true, Flag: a})
			i++
		default:
			out = append(out, Arg{Value: a})
		}
	}
	return out, nil
}

// urlPassword says whether s is a URL with a password.
func urlPassword(s string) bool {
	if !strings.Contains(s, "://") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return strings.Contains(s, "@") // unparsable: assume the worst
	}
	_, has := u.User.Password()
	return has
}

// Withheld lists the flags whose values the plan withheld, in order.
func (p *Plan) Withheld() []string {
	var out []string
	for _, a := range p.Helm.Args {
		if a.Withheld {
			out = append(out, a.Flag)
		}
	}
	return out
}

// RestoreArgs returns the planned helm arguments with the withheld values
// taken from given: for each withheld value, in order, its flag and the
// value ("--set k=v" or "--set=k=v"). given must hold exactly those.
func (p *Plan) RestoreArgs(given []string) ([]string, error) {
	want := p.Withheld()
	var values []string
	for i := 0; i < len(given); i++ {
		name, value, hasValue := strings.Cut(given[i], "=")
		if !hasValue {
			if i+1 >= len(given) {
				return nil, restoreError(want, fmt.Sprintf("%s has no value", given[i]))
			}
			i++
			value = given[i]
		}
		n := len(values)
		if n >= len(want) && n > 0 {
			// every withheld value is there: the gate, the rules and the
			// other helm arguments are the plan's
			return nil, fmt.Errorf("unexpected %s after the withheld values: apply takes the plan's helm arguments, gate and rules as they are; after the plan file come only the withheld values (%s, in that order) and apply's own flags (safediff apply --help)", name, strings.Join(want, ", "))
		}
		if n >= len(want) || name != want[n] {
			return nil, restoreError(want, fmt.Sprintf("unexpected %s", name))
		}
		values = append(values, value)
	}
	if len(values) != len(want) {
		return nil, restoreError(want, fmt.Sprintf("%d of %d withheld values given", len(values), len(want)))
	}
	out := make([]string, 0, len(p.Helm.Args))
	k := 0
	for _, a := range p.Helm.Args {
		if a.Withheld {
			out = append(out, values[k])
			k++
			continue
		}
		out = append(out, a.Value)
	}
	return out, nil
}

func restoreError(want []string, what string) error {
	if len(want) == 0 {
		return fmt.Errorf("%s: the plan withheld no value, so apply takes no helm arguments (the plan holds them)", what)
	}
	return fmt.Errorf("%s: the plan withheld the values of %s (they may be secret); give them again after the plan file, in that order", what, strings.Join(want, ", "))
}

// ArgsText prints the planned arguments for people, withheld values as
// "(withheld)".
func (p *Plan) ArgsText() string {
	parts := make([]string, len(p.Helm.Args))
	for i, a := range p.Helm.Args {
		if a.Withheld {
			parts[i] = "(withheld)"
		} else {
			parts[i] = a.Value
		}
	}
	return strings.Join(parts, " ")
}
