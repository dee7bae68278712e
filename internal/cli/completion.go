package cli

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/rules"
)

// Shell completion: cobra's completion command (safediff completion
// bash|zsh|fish|powershell) and its hidden __complete protocol, with the
// values of the enumerated flags; and for the helm plugin, the static
// completion.yaml helm reads (plugin/completion.yaml, generated from this
// command tree, see [PluginCompletion]) plus plugin/plugin.complete, which
// helm calls for everything else and which runs safediff __complete.

// completeFlagValues registers the values of every enumerated flag of the
// command tree.
func completeFlagValues(root *cobra.Command) {
	levels := append(rules.Levels(), "never")
	values := map[string][]string{
		"output":       report.Formats(),
		"report":       report.Formats(),
		"input-format": diffparse.Formats(),
		"fail-on":      levels,
		"color":        {string(colorAuto), string(colorAlways), string(colorNever)},
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for name, vals := range values {
			if c.Flags().Lookup(name) == nil {
				continue
			}
			if c.Name() == "rules" && name == "output" {
				vals = []string{"text", "json"} // the rules listing has no markdown
			}
			// an error means the function is registered already
			_ = c.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return vals, cobra.ShellCompDirectiveNoFileComp
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// PluginCompletion is the helm plugin's completion.yaml for the command
// tree of safediff: every command with its subcommands and flags, so that
// helm safediff <TAB> completes them under helm v3 and v4.
func PluginCompletion() []byte {
	s := &Streams{Getenv: func(string) string { return "" }}
	root := newRootCmd(s)
	root.InitDefaultCompletionCmd() // cobra adds it when it runs
	var b bytes.Buffer
	b.WriteString("# Generated from the safediff command tree by\n")
	b.WriteString("#   go test ./internal/cli -run TestPluginCompletionCurrent -update   (make update)\n")
	b.WriteString("# helm reads it for `helm safediff <TAB>`; plugin.complete answers the rest.\n")
	b.WriteString("name: safediff\n")
	writeCompletion(&b, root, "")
	return b.Bytes()
}

func writeCompletion(b *bytes.Buffer, c *cobra.Command, indent string) {
	if flags := completionFlags(c); len(flags) > 0 {
		fmt.Fprintf(b, "%sflags: [%s]\n", indent, strings.Join(flags, ", "))
	}
	var subs []*cobra.Command
	for _, sub := range c.Commands() {
		if sub.Hidden || sub.Name() == "help" || strings.HasPrefix(sub.Name(), "__") {
			continue
		}
		subs = append(subs, sub)
	}
	if len(subs) == 0 {
		return
	}
	fmt.Fprintf(b, "%scommands:\n", indent)
	for _, sub := range subs {
		fmt.Fprintf(b, "%s  - name: %s\n", indent, sub.Name())
		writeCompletion(b, sub, indent+"    ")
	}
}

// completionFlags are the flags of a command, its own and those it
// inherits, long names and shorthands, sorted; help is left out (helm has
// its own).
func completionFlags(c *cobra.Command) []string {
	seen := map[string]bool{}
	var out []string
	add := func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" || seen[f.Name] {
			return
		}
		seen[f.Name] = true
		out = append(out, f.Name)
		if f.Shorthand != "" {
			out = append(out, f.Shorthand)
		}
	}
	c.LocalFlags().VisitAll(add)
	c.InheritedFlags().VisitAll(add)
	sort.Strings(out)
	return out
}
