package kubelet

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// ClusterFromKubeconfig reads the server and bearer token of the current
// context of a kubeconfig (such as the one scripts/e2e/up.sh writes) and
// names the cluster name. Only token authentication (token or tokenFile)
// is supported.
func ClusterFromKubeconfig(path, name string) (Cluster, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Cluster{}, err
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return Cluster{}, fmt.Errorf("%s: %v", path, err)
	}
	c, err := clusterFrom(doc, filepath.Dir(path))
	if err != nil {
		return Cluster{}, fmt.Errorf("%s: %v", path, err)
	}
	c.Name = name
	return c, nil
}

func clusterFrom(doc any, dir string) (Cluster, error) {
	root, _ := doc.(map[string]any)
	if root == nil {
		return Cluster{}, fmt.Errorf("not a kubeconfig")
	}
	current, _ := root["current-context"].(string)
	contexts, _ := root["contexts"].([]any)
	if current == "" && len(contexts) == 1 {
		current, _ = named(contexts, "")["name"].(string)
	}
	ctx, _ := named(contexts, current)["context"].(map[string]any)
	if ctx == nil {
		return Cluster{}, fmt.Errorf("no context %q", current)
	}
	clusterName, _ := ctx["cluster"].(string)
	userName, _ := ctx["user"].(string)
	cl, _ := named(asList(root["clusters"]), clusterName)["cluster"].(map[string]any)
	server, _ := cl["server"].(string)
	if server == "" {
		return Cluster{}, fmt.Errorf("context %q: no server for cluster %q", current, clusterName)
	}
	user, _ := named(asList(root["users"]), userName)["user"].(map[string]any)
	token, _ := user["token"].(string)
	if file, _ := user["tokenFile"].(string); token == "" && file != "" {
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return Cluster{}, err
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return Cluster{}, fmt.Errorf("context %q: user %q has no token (only bearer tokens are supported)", current, userName)
	}
	return Cluster{Server: server, Token: token}, nil
}

func asList(v any) []any { l, _ := v.([]any); return l }

// named returns the entry of a kubeconfig list whose name is name (the
// only entry when name is empty and there is one).
func named(list []any, name string) map[string]any {
	for _, e := range list {
		m, _ := e.(map[string]any)
		if n, _ := m["name"].(string); n == name || (name == "" && len(list) == 1) {
			return m
		}
	}
	return nil
}
