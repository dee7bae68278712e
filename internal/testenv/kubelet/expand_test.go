package kubelet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "a", "B": "$(A)", "EMPTY": "", "PGDATA": "/var/lib/postgresql/data/pgdata"}
	for _, tc := range []struct {
		in, want, reason string
	}{
		{"plain", "plain", "nothing to expand"},
		{"$(A)", "a", "a defined variable"},
		{"x$(A)y$(A)z", "xayaz", "several references"},
		{"$(UNDEFINED)", "$(UNDEFINED)", "undefined references stay"},
		{"$(EMPTY)x", "x", "defined as empty"},
		{"$$(A)", "$(A)", "$$ escapes the reference"},
		{"$$$(A)", "$a", "$$ then a reference"},
		{"$A ${A}", "$A ${A}", "shell syntax is not Kubernetes syntax"},
		{"$(A", "$(A", "no closing parenthesis"},
		{"end$", "end$", "a final $"},
		{"$(B)", "$(A)", "no recursion: values are used as they are"},
		{"$(PGDATA).tmp", "/var/lib/postgresql/data/pgdata.tmp", "a path"},
	} {
		if got := expand(tc.in, vars); got != tc.want {
			t.Errorf("expand(%q) = %q, want %q (%s)", tc.in, got, tc.want, tc.reason)
		}
	}
}

func TestRewrite(t *testing.T) {
	rw := newRewriter([]mount{
		{Path: "/var/lib/postgresql/data", Local: "/r/pvc/data-db-0"},
		{Path: "/var/lib/postgresql", Local: "/r/pod/home"},
		{Path: "/scripts/", Local: "/r/pod/volumes/scripts"},
		{Path: "/etc/postgresql", Local: "/r/pod/volumes/config"},
		{Path: "/data", Local: "/r/pvc/data-cache-0"},
	})
	for _, tc := range []struct {
		in, want, reason string
	}{
		{"/scripts/entrypoint.sh", "/r/pod/volumes/scripts/entrypoint.sh", "a file in a mount (trailing / of the mountPath ignored)"},
		{"/scripts", "/r/pod/volumes/scripts", "the mount itself"},
		{"/var/lib/postgresql/data/pgdata", "/r/pvc/data-db-0/pgdata", "the longest mount wins"},
		{"/var/lib/postgresql/other", "/r/pod/home/other", "the shorter mount"},
		{"/var/lib/postgresql/database", "/r/pod/home/database", "data is a prefix of database, not a path element"},
		{"config_file=/etc/postgresql/postgresql.conf", "config_file=/r/pod/volumes/config/postgresql.conf", "after ="},
		{"-c hba_file='/etc/postgresql/pg_hba.conf'", "-c hba_file='/r/pod/volumes/config/pg_hba.conf'", "after a quote"},
		{"/data:/scripts", "/r/pvc/data-cache-0:/r/pod/volumes/scripts", "a PATH-like list"},
		{"/database", "/database", "not at a boundary at the end"},
		{"/usr/data", "/usr/data", "not at a boundary at the start"},
		{"x/data", "x/data", "preceded by a name character"},
		{"/data.bak", "/data.bak", "a dot continues the name"},
		{"/etc/postgresql-common", "/etc/postgresql-common", "a dash continues the name"},
		{"no paths here", "no paths here", "nothing to do"},
		{"/r/pvc/data-db-0", "/r/pvc/data-db-0", "local paths are left alone"},
	} {
		if got := rw.rewrite(tc.in); got != tc.want {
			t.Errorf("rewrite(%q) = %q, want %q (%s)", tc.in, got, tc.want, tc.reason)
		}
	}
	if got := rewriter(nil).rewrite("/data"); got != "/data" {
		t.Errorf("no mounts: %q", got)
	}
}

func TestClusterFromKubeconfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, text, server, token, err string
	}{
		{name: "up.sh", text: `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:23456
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: 0123abcd
contexts:
- name: local
  context: {cluster: local, user: admin, namespace: default}
current-context: local
`, server: "https://127.0.0.1:23456", token: "0123abcd"},
		{name: "kubectl", text: `# written by kubectl
apiVersion: v1
clusters:
  - cluster:
      certificate-authority-data: AAAA
      server: "https://10.0.0.1:6443"   # comment
    name: other
  - cluster:
      server: 'https://10.0.0.2:6443'
    name: two
contexts:
  - context:
      cluster: other
      user: u1
    name: one
  - context:
      cluster: two
      user: u2
    name: second
current-context: second
kind: Config
preferences: {}
users:
  - name: u1
    user:
      token: "t1"
  - name: u2
    user:
      tokenFile: tok
`, server: "https://10.0.0.2:6443", token: "from-file"},
		{name: "json", text: `{"clusters":[{"name":"c","cluster":{"server":"https://h:1"}}],"users":[{"name":"u","user":{"token":"j"}}],"contexts":[{"name":"x","context":{"cluster":"c","user":"u"}}],"current-context":"x"}`,
			server: "https://h:1", token: "j"},
		{name: "cert auth", text: "clusters:\n- name: c\n  cluster:\n    server: https://h:1\nusers:\n- name: u\n  user:\n    client-certificate-data: AAAA\n    client-key-data: AAAA\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n",
			err: "has no token"},
		{name: "no context", text: "current-context: nope\ncontexts: []\n", err: `no context "nope"`},
		{name: "not yaml", text: "clusters: [\n", err: "YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "tok"), []byte("from-file\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(dir, "kubeconfig")
			if err := os.WriteFile(f, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := ClusterFromKubeconfig(f, "mine")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c != (Cluster{Name: "mine", Server: tc.server, Token: tc.token}) {
				t.Errorf("got %+v", c)
			}
		})
	}
}
