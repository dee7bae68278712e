package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/cli"
)

// TestPluginCompletionCurrent checks that plugin/completion.yaml, which helm
// reads for `helm safediff <TAB>`, lists the commands and flags safediff has
// (make update rewrites it).
func TestPluginCompletionCurrent(t *testing.T) {
	path := "../../plugin/completion.yaml"
	got := string(cli.PluginCompletion())
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("plugin/completion.yaml is stale (make update) (-file +want):\n%s", diff)
	}
	for _, sub := range []string{"- name: review", "- name: upgrade", "- name: check", "- name: completion"} {
		if !strings.Contains(got, sub) {
			t.Errorf("completion.yaml lacks %q", sub)
		}
	}
}

// The completion protocol answers subcommands, flags and flag values.
func TestCompletion(t *testing.T) {
	cases := []struct {
		args   []string
		want   string
		reason string
	}{
		{[]string{"__complete", "rev"}, "review", "a subcommand"},
		{[]string{"__complete", "review", "--fa"}, "--fail-on", "a flag"},
		{[]string{"__complete", "review", "--fail-on", ""}, "destructive", "a level"},
		{[]string{"__complete", "review", "-o", ""}, "markdown", "an output format"},
		{[]string{"__complete", "review", "--color", ""}, "always", "a colour choice"},
		{[]string{"__complete", "rules", "-o", ""}, "json\n:4", "the rules listing's own formats, markdown not among them"},
		{[]string{"__complete", "upgrade", "shop", "./chart", "--rep"}, "--report", "upgrade's own flags, although it parses its flags itself"},
		{[]string{"completion", "bash"}, "__start_safediff", "the bash script"},
		{[]string{"completion", "zsh"}, "#compdef safediff", "the zsh script"},
		{[]string{"completion", "fish"}, "complete -c safediff", "the fish script"},
	}
	for _, tc := range cases {
		out, errOut, code := run(t, "", tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("safediff %s: exit %d, want %q in the output (%s)\n%s%s", strings.Join(tc.args, " "), code, tc.want, tc.reason, out, errOut)
		}
	}
}
