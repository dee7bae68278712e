package classify_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/rules"
)

// TestItemOfARepeatedKeyRemoved: helm 3's three-way patch deletes list
// items by their merge key, so an item taken out of a list whose last
// manifest repeats its key takes every item of that key with it, the one
// the chart keeps too. Found on cilium's chart: a volume named as the
// chart's own, put in through extraVolumes (helm 3 merged the two) and
// taken out again, made the review say restart (exit 0) while the API
// server refused the DaemonSet ("volumeMounts[0].name: Not found"); an
// env var so taken out left the agents without it.
func TestItemOfARepeatedKeyRemoved(t *testing.T) {
	const dup = "            - name: LOG_LEVEL\n              value: info\n"
	const extra = "            - name: LOG_LEVEL\n              value: debug\n"
	const mode = "            - name: MODE\n              value: fast\n"
	base := strings.Replace(d("3", ""), dup, dup+mode, 1)
	withDup := strings.Replace(base, dup, dup+extra, 1)
	prefix := func(p, lines string) string {
		return p + strings.TrimSuffix(strings.ReplaceAll(lines, "\n", "\n"+p), p)
	}
	names := tabletest.Names{}
	for _, tc := range []struct {
		name, diff string
		level      rules.Level
		shared     bool
		reason     string
	}{
		{"the repeated item taken out", edit(hDeploy, withDup, extra, ""), rules.Disruptive, true,
			"the chart's LOG_LEVEL goes with it"},
		{"the repeated item taken out and another put in", edit(hDeploy, withDup, extra, "            - name: DEBUG\n              value: \"1\"\n"), rules.Disruptive, true,
			"as many items as before, but one fewer of the repeated key: the patch still deletes it (found while fixing the first case: a check on the list's length missed it)"},
		{"the repeated item taken out, the key kept nowhere", edit(hDeploy, withDup, dup+extra, ""), rules.Restart, false,
			"every item of the key is meant to go"},
		{"an item of its own key taken out", edit(hDeploy, base, dup, ""), rules.Restart, false,
			"no other item of its key: the patch deletes what the chart deletes"},
		{"the repeated item taken out, through helmfile", "Comparing release=web, chart=./web, namespace=prod\n" + edit(hDeploy, withDup, extra, ""), rules.Disruptive, true,
			"the wrapper carries the same diff"},
		{"an item taken out in a partial view of a ReplicaSet", "prod, web, ReplicaSet (apps) has changed:\n...\n" + prefix("  ", "          env:\n"+dup) + prefix("- ", extra) + prefix("  ", mode) + "...\n", rules.Disruptive, true,
			"lines out of view may repeat the key; a ReplicaSet's template change is safe (it replaces no running pod), but not the loss of an item the chart keeps"},
	} {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.diff, diffparse.Options{Facts: defaultSet.FactPaths()})
			if err != nil {
				t.Fatal(err)
			}
			res, err := classify.Classify(plan, defaultSet)
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, f := range res.Objects[0].Findings {
				if !strings.Contains(f.Change.Path.String(), "env[") {
					continue
				}
				found = true
				said := strings.Contains(f.Reason, "helm 3's patch deletes list items by their merge key")
				if f.Change.KeyShared != tc.shared || said != tc.shared {
					t.Errorf("%s: KeyShared %v, reason %q; want shared %v\nreason: %s", f.Change.Path, f.Change.KeyShared, f.Reason, tc.shared, tc.reason)
				}
			}
			if !found {
				t.Fatal("no change of an env item")
			}
			if o := res.Objects[0]; o.Level < tc.level || tc.level < rules.Disruptive && o.Level != tc.level {
				t.Errorf("level %s, want %s\nreason: %s", o.Level, tc.level, tc.reason)
			}
		})
	}
}
