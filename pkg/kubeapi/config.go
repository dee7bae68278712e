package kubeapi

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Config is one context of a kubeconfig, resolved: where the API server
// is, how to trust it and who to be.
type Config struct {
	// Context is the context's name; Namespace its default namespace
	// ("" when it names none).
	Context   string
	Namespace string

	// Server is the API server's URL, e.g. https://10.0.0.1:6443 (a path
	// after the host, as some proxies use, is kept).
	Server string
	// CAData holds PEM certificates that sign the server's; empty trusts
	// the system's roots.
	CAData []byte
	// Insecure skips the check of the server's certificate.
	Insecure bool
	// ServerName overrides the name checked in the server's certificate.
	ServerName string
	// ProxyURL is the proxy to go through ("" uses $HTTPS_PROXY and its
	// kin, as kubectl does).
	ProxyURL string

	// Token is a bearer token.
	Token string
	// CertData and KeyData are a PEM client certificate and its key.
	CertData, KeyData []byte
	// Impersonate, ImpersonateGroups and ImpersonateUID are sent as the
	// Impersonate-* headers.
	Impersonate       string
	ImpersonateGroups []string
	ImpersonateUID    string
}

// Paths lists the kubeconfig files to read, as kubectl does: the entries
// of $KUBECONFIG (split on the list separator, empty ones skipped), else
// ~/.kube/config. getenv reads the environment (nil: os.Getenv).
func Paths(getenv func(string) string) []string {
	if getenv == nil {
		getenv = os.Getenv
	}
	var out []string
	for _, p := range filepath.SplitList(getenv("KUBECONFIG")) {
		if p != "" {
			out = append(out, p)
		}
	}
	if len(out) > 0 {
		return out
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return []string{filepath.Join(home, ".kube", "config")}
}

// The parts of a kubeconfig (clientcmd's v1 Config) that are read. Unknown
// keys are ignored, as kubectl ignores them.
type kubeconfig struct {
	CurrentContext string         `json:"current-context"`
	Clusters       []namedCluster `json:"clusters"`
	Users          []namedUser    `json:"users"`
	Contexts       []namedContext `json:"contexts"`
}

type namedCluster struct {
	Name    string   `json:"name"`
	Cluster *cluster `json:"cluster"`
}

type cluster struct {
	Server                   string `json:"server"`
	CertificateAuthority     string `json:"certificate-authority"`
	CertificateAuthorityData []byte `json:"certificate-authority-data"`
	InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify"`
	TLSServerName            string `json:"tls-server-name"`
	ProxyURL                 string `json:"proxy-url"`
	dir                      string // of the file it came from
}

type namedUser struct {
	Name string    `json:"name"`
	User *authInfo `json:"user"`
}

type authInfo struct {
	ClientCertificate     string          `json:"client-certificate"`
	ClientCertificateData []byte          `json:"client-certificate-data"`
	ClientKey             string          `json:"client-key"`
	ClientKeyData         []byte          `json:"client-key-data"`
	Token                 string          `json:"token"`
	TokenFile             string          `json:"tokenFile"`
	As                    string          `json:"as"`
	AsUID                 string          `json:"as-uid"`
	AsGroups              []string        `json:"as-groups"`
	Username              string          `json:"username"`
	Password              string          `json:"password"`
	AuthProvider          *map[string]any `json:"auth-provider"`
	Exec                  *map[string]any `json:"exec"`
	dir                   string
}

type namedContext struct {
	Name    string        `json:"name"`
	Context *contextEntry `json:"context"`
}

type contextEntry struct {
	Cluster   string `json:"cluster"`
	User      string `json:"user"`
	Namespace string `json:"namespace"`
}

// merged is the kubeconfig files merged by kubectl's rules.
type merged struct {
	current  string
	clusters map[string]*cluster
	users    map[string]*authInfo
	contexts map[string]*contextEntry
	files    []string // the files that were read
}

// ErrNoKubeconfig is returned by Load when none of the files exists.
var ErrNoKubeconfig = errors.New("no kubeconfig")

// Load reads the kubeconfig files (see [Paths]) and resolves a context:
// contextName, or the current context when it is "". Files that do not
// exist are skipped, as kubectl skips them; when none exists the error
// wraps [ErrNoKubeconfig].
func Load(paths []string, contextName string) (*Config, error) {
	m := &merged{clusters: map[string]*cluster{}, users: map[string]*authInfo{}, contexts: map[string]*contextEntry{}}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := m.add(data, p); err != nil {
			return nil, err
		}
	}
	if len(m.files) == 0 {
		return nil, fmt.Errorf("%w: none of %s exists", ErrNoKubeconfig, strings.Join(paths, ", "))
	}
	return m.resolve(contextName)
}

// Parse resolves a context of one kubeconfig's content; relative paths in
// it are relative to dir.
func Parse(data []byte, dir, contextName string) (*Config, error) {
	m := &merged{clusters: map[string]*cluster{}, users: map[string]*authInfo{}, contexts: map[string]*contextEntry{}}
	if err := m.add(data, filepath.Join(dir, "kubeconfig")); err != nil {
		return nil, err
	}
	return m.resolve(contextName)
}

func (m *merged) add(data []byte, path string) error {
	var kc kubeconfig
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return fmt.Errorf("%s: not a kubeconfig: %v", path, err)
	}
	m.files = append(m.files, path)
	dir := filepath.Dir(path)
	if m.current == "" {
		m.current = kc.CurrentContext
	}
	for _, c := range kc.Clusters {
		if _, seen := m.clusters[c.Name]; !seen && c.Cluster != nil {
			c.Cluster.dir = dir
			m.clusters[c.Name] = c.Cluster
		}
	}
	for _, u := range kc.Users {
		if _, seen := m.users[u.Name]; !seen && u.User != nil {
			u.User.dir = dir
			m.users[u.Name] = u.User
		}
	}
	for _, c := range kc.Contexts {
		if _, seen := m.contexts[c.Name]; !seen && c.Context != nil {
			m.contexts[c.Name] = c.Context
		}
	}
	return nil
}

func (m *merged) resolve(name string) (*Config, error) {
	where := strings.Join(m.files, ", ")
	if name == "" {
		name = m.current
		if name == "" {
			return nil, fmt.Errorf("%s: no current-context: name a context", where)
		}
	}
	ctx := m.contexts[name]
	if ctx == nil {
		return nil, fmt.Errorf("%s: no context %q", where, name)
	}
	cl := m.clusters[ctx.Cluster]
	if cl == nil {
		return nil, fmt.Errorf("%s: context %q: no cluster %q", where, name, ctx.Cluster)
	}
	if cl.Server == "" {
		return nil, fmt.Errorf("%s: cluster %q has no server", where, ctx.Cluster)
	}
	cfg := &Config{Context: name, Namespace: ctx.Namespace, Server: cl.Server, Insecure: cl.InsecureSkipTLSVerify,
		ServerName: cl.TLSServerName, ProxyURL: cl.ProxyURL}
	var err error
	if cfg.CAData, err = dataOrFile(cl.CertificateAuthorityData, cl.CertificateAuthority, cl.dir); err != nil {
		return nil, fmt.Errorf("%s: cluster %q: certificate-authority: %v", where, ctx.Cluster, err)
	}
	if ctx.User == "" {
		return cfg, nil // anonymous
	}
	u := m.users[ctx.User]
	if u == nil {
		return nil, fmt.Errorf("%s: context %q: no user %q", where, name, ctx.User)
	}
	unsupported := func(what, instead string) error {
		return fmt.Errorf("%s: user %q authenticates with %s, which safediff does not run; %s", where, ctx.User, what, instead)
	}
	switch {
	case u.Exec != nil:
		return nil, unsupported("an exec credential plugin", "use a context whose user has a token (e.g. from kubectl create token) or a client certificate")
	case u.AuthProvider != nil:
		return nil, unsupported("an auth-provider plugin", "use a context whose user has a token or a client certificate")
	case u.Username != "" || u.Password != "":
		return nil, unsupported("basic authentication (username and password)", "the API server no longer accepts it; use a token or a client certificate")
	}
	cfg.Token = u.Token
	if cfg.Token == "" && u.TokenFile != "" {
		b, err := os.ReadFile(resolvePath(u.TokenFile, u.dir))
		if err != nil {
			return nil, fmt.Errorf("%s: user %q: tokenFile: %v", where, ctx.User, err)
		}
		cfg.Token = strings.TrimSpace(string(b))
	}
	if cfg.CertData, err = dataOrFile(u.ClientCertificateData, u.ClientCertificate, u.dir); err != nil {
		return nil, fmt.Errorf("%s: user %q: client-certificate: %v", where, ctx.User, err)
	}
	if cfg.KeyData, err = dataOrFile(u.ClientKeyData, u.ClientKey, u.dir); err != nil {
		return nil, fmt.Errorf("%s: user %q: client-key: %v", where, ctx.User, err)
	}
	if (len(cfg.CertData) > 0) != (len(cfg.KeyData) > 0) {
		return nil, fmt.Errorf("%s: user %q: a client certificate needs its key, and a key its certificate", where, ctx.User)
	}
	cfg.Impersonate, cfg.ImpersonateGroups, cfg.ImpersonateUID = u.As, u.AsGroups, u.AsUID
	return cfg, nil
}

// dataOrFile returns data when set, else the content of file (relative to
// dir), else nothing.
func dataOrFile(data []byte, file, dir string) ([]byte, error) {
	if len(data) > 0 {
		return data, nil
	}
	if file == "" {
		return nil, nil
	}
	return os.ReadFile(resolvePath(file, dir))
}

func resolvePath(p, dir string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
