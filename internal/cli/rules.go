package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

func newRulesCmd(s *Streams) *cobra.Command {
	var files []string
	var noDefaults bool
	var output string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the effective rules",
		Long: `List the effective rules, in precedence order: rules of the last --rules file
first, the embedded default rules last.

A change is decided by the highest layer (file) that has a rule matching it,
and within that layer by its most severe matching rule (on a tie of levels, one
that forces replacement, then the first in the file). A change no rule matches gets the fallback level, which is never
"ignored".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := review.LoadRules(noDefaults, files...)
			if err != nil {
				return err
			}
			switch output {
			case "text":
				return listRulesText(s, set)
			case "json":
				return listRulesJSON(s, set)
			}
			return fmt.Errorf("unknown output format %q (want text or json)", output)
		},
	}
	cmd.Flags().StringArrayVar(&files, "rules", nil, "rules `FILE` layered over the defaults (repeatable)")
	cmd.Flags().BoolVar(&noDefaults, "no-default-rules", false, "drop the embedded default rules")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.AddCommand(newRulesCheckCmd(s), newRulesDocCmd(s))
	return cmd
}

func listRulesText(s *Streams, set *rules.Set) error {
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tREPLACE\tORIGIN\tREASON")
	for _, r := range set.Rules() {
		rep := ""
		if r.Replace {
			rep = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Level, rep, r.Origin, r.Reason)
	}
	fb := set.Fallback()
	fmt.Fprintf(tw, "(fallback)\t%s\t\t\t%s\n", fb.Level, fb.Reason)
	return tw.Flush()
}

type ruleJSON struct {
	ID          string   `json:"id"`
	Origin      string   `json:"origin"`
	Level       string   `json:"level"`
	Replace     bool     `json:"replace,omitempty"`
	Reason      string   `json:"reason"`
	Description string   `json:"description"`
	Source      string   `json:"source,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	Kinds       []string `json:"kinds,omitempty"`
	Actions     []string `json:"actions,omitempty"`
	Paths       []string `json:"paths,omitempty"`
	ExceptPaths []string `json:"exceptPaths,omitempty"`
	Conditions  int      `json:"conditions,omitempty"`
}

func listRulesJSON(s *Streams, set *rules.Set) error {
	out := struct {
		Rules    []ruleJSON `json:"rules"`
		Fallback struct {
			Level  string `json:"level"`
			Reason string `json:"reason"`
		} `json:"fallback"`
	}{Rules: []ruleJSON{}}
	for _, r := range set.Rules() {
		j := ruleJSON{ID: r.ID, Origin: r.Origin, Level: r.Level.String(), Replace: r.Replace, Reason: r.Reason,
			Description: r.Description, Source: r.Source, Groups: r.Match.Groups, Kinds: r.Match.Kinds, Conditions: len(r.When)}
		for _, a := range r.Match.Actions {
			j.Actions = append(j.Actions, a.String())
		}
		for _, p := range r.Match.Paths {
			j.Paths = append(j.Paths, p.String())
		}
		for _, p := range r.Match.ExceptPaths {
			j.ExceptPaths = append(j.ExceptPaths, p.String())
		}
		out.Rules = append(out.Rules, j)
	}
	out.Fallback.Level, out.Fallback.Reason = set.Fallback().Level.String(), set.Fallback().Reason
	enc := json.NewEncoder(s.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func newRulesCheckCmd(s *Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE...",
		Short: "Validate rules files",
		Long: `Check validates rules files strictly (unknown keys, bad patterns, unknown
levels, duplicate ids), and checks that they layer over the default rules, and
over each other in the order given, without id clashes. It checks every file and
reports every problem, one line per file, and exits 1 on any problem.

It also warns (without failing) about kinds and paths that match nothing the
built-in Kubernetes schema knows: typos such as Deplyment or spec.tempalte.**
(a custom resource's kind and fields are fine, but are not checked).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			failed := false
			var good []*rules.File
			for _, name := range args {
				f, err := review.ReadRules(name)
				if err != nil {
					failed = true
					printError(s.Err, err)
					continue
				}
				// each file over the defaults alone: its own id clashes
				if _, err := defaultsWith(f); err != nil {
					failed = true
					printError(s.Err, err)
					continue
				}
				good = append(good, f)
				warnings := ruleWarnings(f)
				for _, w := range warnings {
					fmt.Fprintf(s.Err, "safediff: warning: %s\n", w)
				}
				n := len(f.Rules)
				line := fmt.Sprintf("%s: ok (%d %s", name, n, plural(n, "rule", "rules"))
				if len(warnings) > 0 {
					line += fmt.Sprintf(", %d %s", len(warnings), plural(len(warnings), "warning", "warnings"))
				}
				fmt.Fprintln(s.Out, line+")")
			}
			// the files together, in the order given
			if len(good) > 1 {
				if _, err := defaultsWith(good...); err != nil {
					failed = true
					printError(s.Err, err)
				}
			}
			if failed {
				return &exitError{code: 1}
			}
			return nil
		},
	}
}

// defaultsWith layers files over the default rules.
func defaultsWith(files ...*rules.File) (*rules.Set, error) {
	def, err := review.DefaultRules()
	if err != nil {
		return nil, err
	}
	return def.With(files...)
}

// ruleWarnings lists what in a rules file matches nothing the built-in
// schema knows: kinds, and the paths and fields of rules about known kinds.
func ruleWarnings(f *rules.File) []string {
	known := kube.KnownKinds()
	var names []string
	for _, gk := range known {
		names = append(names, gk.Kind)
	}
	defined := kube.DefinedKinds()
	var out []string
	for _, r := range f.Rules {
		where := fmt.Sprintf("%s: rules[%d] (id=%s)", f.Origin, r.Index, r.ID)
		// a group that is neither built in nor a custom resource's (a
		// domain, with a dot) matches nothing
		for _, g := range r.Match.Groups {
			if g == "" || strings.ContainsAny(g, "*?.") || kube.BuiltinGroup(g) {
				continue
			}
			w := fmt.Sprintf("%s: group %q is no API group: Kubernetes' own are named in full (\"apps\", \"apiextensions.k8s.io\"), and a custom resource's is a domain, with a dot", where, g)
			var full string
			for _, bg := range kube.BuiltinGroups() {
				if strings.HasPrefix(bg, g+".") {
					full = bg // apiextensions: apiextensions.k8s.io
					break
				}
			}
			if s := cmp.Or(full, kube.Closest(g, kube.BuiltinGroups())); s != "" {
				w += fmt.Sprintf("; did you mean %s?", s)
			}
			out = append(out, w)
		}
		// the schemas of the known kinds the rule selects
		var schemas []*kube.Type
		var kindNames []string
		unknownKinds := 0
		for _, k := range r.Match.Kinds {
			n := 0
			for _, gk := range known {
				if kube.Glob(k, gk.Kind) && globAny(r.Match.Groups, gk.Group) {
					schemas = append(schemas, kube.SchemaFor(gk.Group, "", gk.Kind))
					kindNames = append(kindNames, gk.Kind)
					n++
				}
			}
			if n > 0 {
				continue
			}
			unknownKinds++
			// a kind Kubernetes defines, in groups the rule does not name
			var groups, definedIn []string
			builtin := false
			for _, gk := range known {
				if kube.Glob(k, gk.Kind) {
					groups = append(groups, fmt.Sprintf("%q", gk.Group))
				}
			}
			for _, gk := range defined {
				if kube.Glob(k, gk.Kind) {
					definedIn = append(definedIn, fmt.Sprintf("%q", gk.Group))
					builtin = builtin || globAny(r.Match.Groups, gk.Group)
				}
			}
			if len(groups) == 0 {
				groups = definedIn // no schema here (CustomResourceDefinition)
			}
			switch {
			case builtin:
				// built in, without a schema here (CustomResourceDefinition)
				out = append(out, fmt.Sprintf("%s: kind %q is built into Kubernetes, but safediff has no schema for it: the rule's paths are not checked", where, k))
				continue
			case len(groups) > 0:
				out = append(out, fmt.Sprintf("%s: kind %q is in group %s, which groups %q do not name (a group is written without its version: \"apps\", not \"apps/v1\"; the core group is \"\")", where, k, strings.Join(dedupe(groups), " or "), r.Match.Groups))
				continue
			}
			w := fmt.Sprintf("%s: kind %q matches no kind safediff knows", where, k)
			if s := kube.Closest(k, names); s != "" {
				w += fmt.Sprintf("; did you mean %s?", s)
			} else {
				w += " (fine for a custom resource)"
			}
			out = append(out, w)
		}
		if len(r.Match.Kinds) == 0 {
			for _, gk := range known {
				if globAny(r.Match.Groups, gk.Group) {
					schemas = append(schemas, kube.SchemaFor(gk.Group, "", gk.Kind))
				}
			}
			kindNames = []string{"any kind safediff knows"}
		}
		if len(schemas) == 0 || unknownKinds > 0 {
			continue // custom resources: their fields are not known
		}
		of := strings.Join(dedupe(kindNames), ", ")
		for _, p := range append(append([]kube.Pattern(nil), r.Match.Paths...), r.Match.ExceptPaths...) {
			if !reachesAny(schemas, p) {
				out = append(out, fmt.Sprintf("%s: path %q matches no field of %s", where, p, of))
			}
		}
		for i, c := range r.When {
			if c.Target != rules.TargetField {
				continue
			}
			found := false
			for _, t := range schemas {
				found = found || t.At(c.Field) != nil
			}
			if !found {
				out = append(out, fmt.Sprintf("%s: when[%d]: field %q is no field of %s", where, i, c.Field, of))
			}
		}
	}
	return out
}

func reachesAny(schemas []*kube.Type, p kube.Pattern) bool {
	for _, t := range schemas {
		if t.Reaches(p) {
			return true
		}
	}
	return false
}

func globAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if kube.Glob(p, s) {
			return true
		}
	}
	return false
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func newRulesDocCmd(s *Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "doc",
		Short: "Print the reference of the default rules, in markdown",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := review.DefaultRules()
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(s.Out, rulesDoc(set))
			return err
		},
	}
}

// rulesDoc renders the default rules as markdown (docs/rules.md).
func rulesDoc(set *rules.Set) string {
	var b strings.Builder
	b.WriteString("<!-- Generated by `safediff rules doc` from rules.yaml; do not edit. -->\n")
	b.WriteString("# Default rules\n\n")
	b.WriteString("Levels, lowest to highest: `ignored` < `safe` < `restart` < `disruptive` < `destructive`.\n")
	b.WriteString("A change is decided by the highest layer (rules file) with a matching rule, and within it by\n")
	b.WriteString("the most severe matching rule; the last `--rules` file has the highest precedence, the\n")
	b.WriteString("default rules below the lowest. The format of a rules file is in [rules-format.md](rules-format.md).\n\n")
	fb := set.Fallback()
	fmt.Fprintf(&b, "**Fallback** (no rule matches): `%s` - %s\n\n", fb.Level, fb.Reason)
	fmt.Fprintf(&b, "**Values of the wrong type** (`%s`, built in): a new value its field does not take, by the\n", rules.SchemaTypeRule)
	b.WriteString("Kubernetes schema (`replicas: abc`, `replicas: \"3\"`, a number in a label, a mapping where a string\n")
	b.WriteString("belongs), makes `helm upgrade` fail: the change is at least `disruptive`, whatever the rules say.\n")
	b.WriteString("A field the schema does not declare (`Image:` beside `image:`, `replica: 3`), two items of an\n")
	b.WriteString("associative list with the same keys (two env vars of one name), or a value twice in a set (a\n")
	b.WriteString("finalizer repeated), added or set, is let through by helm 3's patch and refused by helm 4's\n")
	b.WriteString("server-side apply: `helm upgrade may fail`, at least `disruptive` (same rule id).\n")
	b.WriteString("A kind of an API version Kubernetes no longer serves (`extensions/v1beta1` Ingress, `policy/v1beta1`\n")
	b.WriteString("PodDisruptionBudget: the versions k8s.io/api marks removed), on the new side or in the release's\n")
	b.WriteString("manifest (helm cannot build the release's objects then), makes `helm upgrade` fail on a cluster of\n")
	b.WriteString("the release that removed it or later, and so does a new object of a kind its built-in group does\n")
	b.WriteString("not have (`Deploymnet`): at least `disruptive` (same rule id).\n\n")
	fmt.Fprintf(&b, "**A server default taken away or written out** (`%s`, built in): a field removed, or added outside a\n", rules.ServerDefaultRule)
	b.WriteString("partial view, whose value is the one the API server gives it where a request leaves it out (a Secret's\n")
	b.WriteString("`type: Opaque`, a StatefulSet's `podManagementPolicy: OrderedReady`, a claim's `volumeMode: Filesystem`)\n")
	b.WriteString("changes nothing: the server sets the same value again. So does an empty value (`{}`, `[]`) written out where the\n")
	b.WriteString("server holds it as the field left out (a list or map field, a container's `resources: {}`, a pod's `securityContext: {}`),\n")
	b.WriteString("and one quantity written two ways (`500m`, `0.5`) outside a StatefulSet's or DaemonSet's pod template.\n")
	b.WriteString("Such a change is `safe`, decided before any rule.\n\n")
	fmt.Fprintf(&b, "**Helm hooks** (`%s`, built in): an object with a `helm.sh/hook` annotation is created by helm at\n", rules.HookRule)
	b.WriteString("the events it names (deleted first under `before-hook-creation`, the default), never patched, never\n")
	b.WriteString("deleted with the release. A hook the upgrade runs is judged as created (and as deleted, where that\n")
	b.WriteString("loses data), not by the rules for an update in place (a change they ignore stays ignored); one\n")
	b.WriteString("created while its last run's object may be there may fail the upgrade; one the upgrade does not run,\n")
	b.WriteString("or removed from the chart, is `safe`; a resource that becomes a hook is deleted. Where the input\n")
	b.WriteString("does not show the annotations, the rules decide; where it shows a hook in part, the rules decide and\n")
	b.WriteString("what helm does with the hook is added (its delete policy, out of view, at its worst).\n\n")
	fmt.Fprintf(&b, "**Kept objects** (`%s`, built in): an object removed from the chart whose `helm.sh/resource-policy` is\n", rules.KeepRule)
	b.WriteString("exactly `keep` is not deleted by helm upgrade (it stays, no longer the release's): `safe`. An object\n")
	b.WriteString("that moves to the chart's `crds/` directory leaves the release, and helm upgrade deletes it: judged\n")
	fmt.Fprintf(&b, "as its deletion (`%s`).\n\n", rules.HookRule)
	b.WriteString("**Fields not shown**: a condition on a field the input does not show (cut by `--context`, left out\n")
	b.WriteString("by `--output simple` or `json`) counts the field as its worst value; the report names the field and\n")
	b.WriteString("how to show it.\n\n")
	b.WriteString("| id | level | replace | matches | reason |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range set.Rules() {
		rep := ""
		if r.Replace {
			rep = "yes"
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s | %s |\n", r.ID, r.ID, r.Level, rep, mdEscape(matchSummary(r)), mdEscape(r.Reason))
	}
	b.WriteString("\n")
	for _, r := range set.Rules() {
		fmt.Fprintf(&b, "## %s\n\n", r.ID)
		fmt.Fprintf(&b, "%s\n\n", r.Description)
		fmt.Fprintf(&b, "- level: `%s`", r.Level)
		if r.Replace {
			b.WriteString(", forces replacement")
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "- reason: %s\n", r.Reason)
		fmt.Fprintf(&b, "- matches: %s\n", matchSummary(r))
		if len(r.Match.ExceptPaths) > 0 {
			var ps []string
			for _, p := range r.Match.ExceptPaths {
				ps = append(ps, "`"+p.String()+"`")
			}
			fmt.Fprintf(&b, "- except: %s\n", strings.Join(ps, ", "))
		}
		for _, c := range r.When {
			fmt.Fprintf(&b, "- when: %s\n", conditionText(c))
		}
		fmt.Fprintf(&b, "- source: %s\n\n", r.Source)
	}
	return b.String()
}

func matchSummary(r *rules.Rule) string {
	var parts []string
	m := r.Match
	if len(m.Kinds) > 0 {
		parts = append(parts, strings.Join(m.Kinds, ", "))
	} else {
		parts = append(parts, "any kind")
	}
	if len(m.Actions) > 0 {
		var as []string
		for _, a := range m.Actions {
			as = append(as, a.String())
		}
		parts = append(parts, strings.Join(as, ", "))
	}
	if len(m.Ops) > 0 {
		var os []string
		for _, o := range m.Ops {
			os = append(os, o.String())
		}
		parts = append(parts, "ops "+strings.Join(os, ", "))
	}
	if len(m.Paths) > 0 {
		var ps []string
		for _, p := range m.Paths {
			ps = append(ps, "`"+p.String()+"`")
		}
		parts = append(parts, strings.Join(ps, ", "))
	}
	return strings.Join(parts, "; ")
}

func conditionText(c rules.Condition) string {
	var b strings.Builder
	switch c.Target {
	case rules.TargetField:
		side := "new"
		switch c.Side {
		case rules.SideOld:
			side = "old"
		case rules.SideEither:
			side = "either"
		}
		fmt.Fprintf(&b, "`%s` (%s side", c.Field, side)
		if c.Default != nil {
			fmt.Fprintf(&b, ", default %q", *c.Default)
		}
		b.WriteString(")")
	case rules.TargetValue:
		if c.Value == diffparse.Old {
			b.WriteString("old value")
		} else {
			b.WriteString("new value")
		}
	}
	if len(c.In) > 0 {
		fmt.Fprintf(&b, " in %v", c.In)
	}
	if len(c.NotIn) > 0 {
		fmt.Fprintf(&b, " not in %v", c.NotIn)
	}
	if c.Exists != nil {
		fmt.Fprintf(&b, " exists=%v", *c.Exists)
	}
	if c.AtMost != nil {
		fmt.Fprintf(&b, " at most %v", *c.AtMost)
	}
	if c.AtLeast != nil {
		fmt.Fprintf(&b, " at least %v", *c.AtLeast)
	}
	if ref := c.AtLeastField; ref != nil {
		fmt.Fprintf(&b, " at least `%s`", ref.Field)
		if ref.Default != nil {
			fmt.Fprintf(&b, " (default %q)", *ref.Default)
		}
	}
	if c.Decreased {
		b.WriteString(" decreased")
	}
	if c.Increased {
		b.WriteString(" increased")
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
