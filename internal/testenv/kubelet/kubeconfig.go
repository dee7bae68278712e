package kubelet

import (
	"fmt"
	"path/filepath"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// ClusterFromKubeconfig reads the server and bearer token of the current
// context of a kubeconfig (such as the one scripts/e2e/up.sh writes) and
// names the cluster name. Only token authentication (token or tokenFile)
// is supported.
func ClusterFromKubeconfig(path, name string) (Cluster, error) {
	cfg, err := kubeapi.Load([]string{path}, "")
	if err != nil {
		return Cluster{}, err
	}
	if cfg.Token == "" {
		return Cluster{}, fmt.Errorf("%s: context %q: the user has no token (only bearer tokens are supported)", filepath.Base(path), cfg.Context)
	}
	return Cluster{Name: name, Server: cfg.Server, Token: cfg.Token}, nil
}
