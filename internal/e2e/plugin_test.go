package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		wantIn(t, "json", r.Stdout, `"schemaVersion": 1`)

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
		kc, err := os.ReadFile(suite.cluster.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		two := twoContextKubeconfig(t, string(kc))
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

// twoContextKubeconfig adds a context "dead" (the current one, a server
// nobody listens on) and names the cluster's context "real".
func twoContextKubeconfig(t *testing.T, kubeconfig string) string {
	t.Helper()
	var server, token string
	for _, l := range strings.Split(kubeconfig, "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, "server: "); ok {
			server = v
		}
		if v, ok := strings.CutPrefix(l, "token: "); ok {
			token = v
		}
	}
	if server == "" || token == "" {
		t.Fatalf("no server or token in the kubeconfig:\n%s", kubeconfig)
	}
	doc := `apiVersion: v1
kind: Config
clusters:
- name: real
  cluster: {server: ` + server + `, insecure-skip-tls-verify: true}
- name: dead
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: ` + token + `}
contexts:
- name: real
  context: {cluster: real, user: admin}
- name: dead
  context: {cluster: dead, user: admin}
current-context: dead
`
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
