package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/safediff/safediff/internal/testenv/kubelet"
)

// The other safediff subcommands work through the plugin, with the same
// exit codes as the binary.
func TestPluginSubcommands(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		example := filepath.Join(suite.tools.Root, "testdata", "examples", "chart-bump.diff")
		r := h.Run(nil, nil, "safediff", "review", example, "--no-color")
		wantExit(t, r, 2) // the bundled example restarts a single-replica StatefulSet
		wantIn(t, "review", r.Stdout, "Deployment.apps/default/shop-web", "FAIL")

		diff, err := os.ReadFile(example)
		if err != nil {
			t.Fatal(err)
		}
		r = h.Run(diff, nil, "safediff", "review", "--fail-on", "destructive", "-o", "json")
		wantExit(t, r, 0)
		wantIn(t, "json", r.Stdout, `"schemaVersion": 2`)

		r = h.Run(nil, nil, "safediff", "version")
		wantExit(t, r, 0)
		rules := filepath.Join(t.TempDir(), "rules.yaml")
		if err := os.WriteFile(rules, []byte("version: 1\nrules:\n  - id: web-image\n    description: web images roll out routinely\n    match: {kinds: [Deployment], names: [\"*-web\"], paths: [\"spec.template.spec.containers[*].image\"]}\n    level: safe\n    reason: routine web roll-out\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r = h.Run(nil, nil, "safediff", "rules", "check", rules)
		wantExit(t, r, 0)
		r = h.Run(nil, nil, "safediff", "rules", "check", filepath.Join(suite.tools.Root, "rules.yaml"))
		wantExit(t, r, 1) // the defaults again: every id is a duplicate
		wantIn(t, "rules check", r.Stderr, "duplicate id")
		r = h.Run(nil, nil, "safediff", "upgrade", "--help")
		wantExit(t, r, 0)
		wantIn(t, "help", r.Stdout, "helm safediff upgrade RELEASE CHART")
	})
}

// helm passes its global flags to plugins in the environment: the kube
// context (HELM_KUBECONTEXT) and --debug (HELM_DEBUG) must reach both helm
// diff and helm upgrade, and debug output must not end up in the diff.
func TestHelmGlobalFlagsReachBothHelmRuns(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		// a kubeconfig whose current context is a dead server; only
		// --kube-context real reaches the cluster
		two := twoContextKubeconfig(t)
		r := h.Run(nil, []string{"KUBECONFIG=" + two}, "safediff", "upgrade", "shop", chart(t, "1.0.0"), "--set", "web.image=nginx:1.27", "-n", ns)
		if r.Code == 0 {
			t.Fatalf("the dead current context worked:\n%s", r)
		}
		wantHistory(t, h, ns, "shop", 1, "deployed")
		r = h.Run(nil, []string{"KUBECONFIG=" + two}, "--kube-context", "real", "--debug", "safediff", "upgrade", "shop", chart(t, "1.0.0"), "--set", "web.image=nginx:1.27", "-n", ns)
		wantExit(t, r, 0)
		wantIn(t, "report", r.Stdout, "nginx:1.25 -> nginx:1.27")
		wantIn(t, "debug", r.Stderr, "safediff: running")
		wantHistory(t, h, ns, "shop", 2, "deployed")
	})
}

// twoContextKubeconfig writes a kubeconfig with the cluster's context,
// named "real", and a context "dead" (the current one, a server nobody
// listens on).
func twoContextKubeconfig(t *testing.T) string {
	t.Helper()
	real, err := kubelet.ClusterFromKubeconfig(suite.cluster.Kubeconfig, "real")
	if err != nil {
		t.Fatal(err)
	}
	dead := kubelet.Cluster{Name: "dead", Server: "https://127.0.0.1:1", Token: real.Token}
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := writeKubeconfig(p, dead, real); err != nil {
		t.Fatal(err)
	}
	return p
}
