package kubeapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const twoContexts = `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: ca
  cluster: {server: "https://a.example:6443", certificate-authority: certs/ca.pem, tls-server-name: api.a}
- name: cb
  cluster: {server: "https://b.example/k8s/", insecure-skip-tls-verify: true, proxy-url: "http://proxy:3128"}
users:
- name: ua
  user: {tokenFile: token.txt}
- name: ub
  user: {client-certificate: certs/c.pem, client-key: certs/k.pem, as: alice, as-groups: [ops, dev], as-uid: "7"}
contexts:
- name: a
  context: {cluster: ca, user: ua, namespace: shop}
- name: b
  context: {cluster: cb, user: ub}
`

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	kc := write(t, dir, "kube/config", twoContexts)
	write(t, dir, "kube/certs/ca.pem", "CA")
	write(t, dir, "kube/token.txt", "  tok-a\n")
	write(t, dir, "kube/certs/c.pem", "CERT")
	write(t, dir, "kube/certs/k.pem", "KEY")
	for _, tc := range []struct {
		reason, context string
		check           func(t *testing.T, c *Config)
	}{
		{"the current context; tokenFile and the CA file are relative to the kubeconfig; the token is trimmed", "", func(t *testing.T, c *Config) {
			if c.Context != "a" || c.Namespace != "shop" || c.Server != "https://a.example:6443" || string(c.CAData) != "CA" ||
				c.Token != "tok-a" || c.ServerName != "api.a" || c.Insecure {
				t.Errorf("%+v", c)
			}
		}},
		{"a named context with a client certificate, impersonation, a proxy and a server path", "b", func(t *testing.T, c *Config) {
			if c.Server != "https://b.example/k8s/" || !c.Insecure || c.ProxyURL != "http://proxy:3128" || string(c.CertData) != "CERT" ||
				string(c.KeyData) != "KEY" || c.Impersonate != "alice" || strings.Join(c.ImpersonateGroups, ",") != "ops,dev" || c.ImpersonateUID != "7" || c.Token != "" {
				t.Errorf("%+v", c)
			}
		}},
	} {
		c, err := Load([]string{kc}, tc.context)
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		tc.check(t, c)
	}
}

func TestLoadMergesLikeKubectl(t *testing.T) {
	dir := t.TempDir()
	first := write(t, dir, "first", `current-context: one
clusters: [{name: c, cluster: {server: "https://first"}}]
users: [{name: u, user: {token: first}}]
contexts: [{name: one, context: {cluster: c, user: u}}]
`)
	second := write(t, dir, "second", `current-context: two
clusters: [{name: c, cluster: {server: "https://second"}}, {name: d, cluster: {server: "https://d"}}]
users: [{name: u, user: {token: second}}]
contexts: [{name: one, context: {cluster: d, user: u}}, {name: two, context: {cluster: d, user: u}}]
`)
	missing := filepath.Join(dir, "missing")
	c, err := Load([]string{missing, first, second}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Context != "one" || c.Server != "https://first" || c.Token != "first" {
		t.Errorf("the first file to set a name or current-context wins: %+v", c)
	}
	c, err = Load([]string{first, second}, "two")
	if err != nil {
		t.Fatal(err)
	}
	if c.Server != "https://d" || c.Token != "first" {
		t.Errorf("context two: %+v", c)
	}
	if _, err := Load([]string{missing}, ""); !errors.Is(err, ErrNoKubeconfig) {
		t.Errorf("no file: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		reason, config, context, want string
	}{
		{"exec plugins run programs: refused, with what to use", `current-context: x
clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: eks, user: {exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}}]
contexts: [{name: x, context: {cluster: c, user: eks}}]`, "", `user "eks" authenticates with an exec credential plugin`},
		{"auth-provider plugins", `current-context: x
clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: g, user: {auth-provider: {name: gcp}}}]
contexts: [{name: x, context: {cluster: c, user: g}}]`, "", "auth-provider"},
		{"basic authentication", `current-context: x
clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: b, user: {username: admin, password: pw}}]
contexts: [{name: x, context: {cluster: c, user: b}}]`, "", "basic authentication"},
		{"no such context", `current-context: x
contexts: [{name: x, context: {cluster: c}}]`, "y", `no context "y"`},
		{"a context's cluster is missing", `contexts: [{name: x, context: {cluster: c}}]`, "x", `no cluster "c"`},
		{"no current context and none named", `contexts: [{name: x, context: {cluster: c}}]`, "", "no current-context"},
		{"a cluster without a server", `clusters: [{name: c, cluster: {}}]
contexts: [{name: x, context: {cluster: c}}]`, "x", "has no server"},
		{"a certificate without its key", `clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]
contexts: [{name: x, context: {cluster: c, user: u}}]`, "x", "needs its key"},
		{"a missing token file", `clusters: [{name: c, cluster: {server: "https://s"}}]
users: [{name: u, user: {tokenFile: nope}}]
contexts: [{name: x, context: {cluster: c, user: u}}]`, "x", "tokenFile"},
		{"not YAML", "a: [", "", "not a kubeconfig"},
	} {
		_, err := Parse([]byte(tc.config), t.TempDir(), tc.context)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.reason, err, tc.want)
		}
	}
}

func TestPaths(t *testing.T) {
	env := map[string]string{"KUBECONFIG": "/a" + string(os.PathListSeparator) + string(os.PathListSeparator) + "/b", "HOME": "/home/x"}
	if got := strings.Join(Paths(func(k string) string { return env[k] }), ","); got != "/a,/b" {
		t.Errorf("KUBECONFIG: %s", got)
	}
	delete(env, "KUBECONFIG")
	if got := strings.Join(Paths(func(k string) string { return env[k] }), ","); got != "/home/x/.kube/config" {
		t.Errorf("default: %s", got)
	}
}

// FuzzParse: any kubeconfig ends in a context or an error, never a panic,
// and a resolved context always has a server.
func FuzzParse(f *testing.F) {
	f.Add([]byte(twoContexts), "")
	f.Add([]byte(twoContexts), "b")
	f.Add([]byte("current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: s}}]\nusers: [{name: u, user: {exec: {}}}]"), "")
	f.Fuzz(func(t *testing.T, data []byte, context string) {
		c, err := Parse(data, "/nonexistent", context) // files it names do not exist
		if err == nil && c.Server == "" {
			t.Fatalf("a context without a server: %+v", c)
		}
	})
}
