package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// The release's namespace as helm settles it: a flag (-n team, -nteam,
// -n=team, --namespace=team), else HELM_NAMESPACE (helm gives a plugin
// the one it settled on), else the kubeconfig context's, else default.
// --cluster read default when it came from the context or was -nteam, and
// missed the release's drift.
func TestNamespaceOf(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	doc := "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u, namespace: from-context}\nclusters:\n- name: k\n  cluster: {server: https://127.0.0.1:6443}\nusers:\n- name: u\n  user: {token: t}\n"
	if err := os.WriteFile(kubeconfig, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-n", "team"}, nil, "team"},
		{[]string{"-nteam"}, nil, "team"},
		{[]string{"-n=team"}, nil, "team"},
		{[]string{"--namespace=team"}, nil, "team"},
		{nil, map[string]string{"HELM_NAMESPACE": "plugin"}, "plugin"},
		{nil, map[string]string{"KUBECONFIG": kubeconfig}, "from-context"},
		{[]string{"--kubeconfig", kubeconfig}, nil, "from-context"},
		{nil, map[string]string{"KUBECONFIG": filepath.Join(t.TempDir(), "none")}, "default"},
	} {
		s := &Streams{Getenv: func(k string) string { return tc.env[k] }}
		if got := namespaceOf(s, tc.args); got != tc.want {
			t.Errorf("%v %v: %s, want %s", tc.args, tc.env, got, tc.want)
		}
	}
}
