package cli

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/cluster"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/helmrun"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/manifest"
)

// clusterFlags are the flags of the confirmation by the API server.
type clusterFlags struct {
	on      bool
	timeout time.Duration
}

func (f *clusterFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.on, "cluster", false, "confirm the review with the API server of the kubeconfig: server-side apply dry runs, drift, blast radius (needs a kubeconfig; an unreachable server is an error)")
	fl.DurationVar(&f.timeout, "cluster-timeout", cluster.DefaultTimeout, "with --cluster: how long the API server may take, all requests together")
}

// kubeConfig resolves the cluster helm talks to, as helm does: the
// --kubeconfig and --kube-context flags among the helm arguments (when
// safediff runs outside helm), else the environment helm gives plugins
// (KUBECONFIG, HELM_KUBECONTEXT, and the HELM_KUBE* overrides of helm's
// --kube-apiserver, --kube-token, … flags).
func kubeConfig(s *Streams, helmArgs []string) (*kubeapi.Config, error) {
	paths := kubeapi.Paths(s.Getenv)
	if p := s.Getenv("HELM_KUBECONFIG"); p != "" {
		paths = []string{p}
	}
	context := s.Getenv("HELM_KUBECONTEXT")
	if v, ok := flagValue(helmArgs, "kubeconfig"); ok {
		paths = []string{v}
	}
	if v, ok := flagValue(helmArgs, "kube-context"); ok {
		context = v
	}
	cfg, err := kubeapi.Load(paths, context)
	server := s.Getenv("HELM_KUBEAPISERVER")
	if err != nil && server == "" {
		return nil, fmt.Errorf("--cluster needs a kubeconfig: %w", err)
	}
	if cfg == nil {
		cfg = &kubeapi.Config{}
	}
	if server != "" {
		cfg.Server = server
	}
	if t := s.Getenv("HELM_KUBETOKEN"); t != "" {
		cfg.Token, cfg.CertData, cfg.KeyData = t, nil, nil
	}
	if ca := s.Getenv("HELM_KUBECAFILE"); ca != "" {
		if cfg.CAData, err = os.ReadFile(ca); err != nil {
			return nil, fmt.Errorf("HELM_KUBECAFILE: %w", err)
		}
	}
	if v := s.Getenv("HELM_KUBEINSECURE_SKIP_TLS_VERIFY"); v == "true" {
		cfg.Insecure = true
	}
	if v := s.Getenv("HELM_KUBETLS_SERVER_NAME"); v != "" {
		cfg.ServerName = v
	}
	if v := s.Getenv("HELM_KUBEASUSER"); v != "" {
		cfg.Impersonate = v
	}
	if v := s.Getenv("HELM_KUBEASGROUPS"); v != "" {
		cfg.ImpersonateGroups = strings.Split(v, ",")
	}
	return cfg, nil
}

// flagValue returns the value of the last --name (or --name=value) among
// helm arguments.
func flagValue(args []string, name string) (string, bool) {
	var v string
	found := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if val, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			v, found = val, true
		} else if a == "--"+name && i+1 < len(args) {
			v, found = args[i+1], true
			i++
		}
	}
	return v, found
}

// clusterCheck confirms a helm upgrade's review with the API server: what
// it needs is gathered (the rendered objects, the last revision's
// manifest), and the confirmation is added to the review by the hook it
// returns.
type clusterCheck struct {
	confirmer *cluster.Confirmer
	target    cluster.Target
	// last is the confirmation made, for callers that report on it.
	last *cluster.Confirmation
}

// newClusterCheck prepares the confirmation of an upgrade: rendered is
// what helm will apply, cur the release's newest revision.
func newClusterCheck(ctx context.Context, s *Streams, f *clusterFlags, runner *helmrun.Runner, u helmrun.Upgrade, helmArgs []string,
	namespace, helmVersion string, rendered *helmrun.Rendered, cur helmrun.Revision) (*clusterCheck, error) {
	cfg, err := kubeConfig(s, helmArgs)
	if err != nil {
		return nil, err
	}
	client, err := cfg.Client()
	if err != nil {
		return nil, err
	}
	desired, err := manifest.Parse(rendered.Manifest, namespace)
	if err != nil {
		return nil, fmt.Errorf("the rendered manifest: %w", err)
	}
	t := cluster.Target{Release: u.Release, Namespace: namespace, Desired: desired, LastRevision: cur.Number, LastStatus: cur.Status,
		TakeOwnership: u.TakeOwnership()}
	if cur.Number > 0 {
		text, err := runner.ManifestOf(ctx, u, cur.Number)
		if err != nil {
			return nil, err
		}
		if t.Last, err = manifest.Parse(text, namespace); err != nil {
			return nil, fmt.Errorf("the manifest of revision %d: %w", cur.Number, err)
		}
	}
	v4 := helmrun.Major(helmVersion) >= 4
	return &clusterCheck{
		confirmer: &cluster.Confirmer{
			Client:         client,
			FieldManager:   "helm",
			StrictFields:   v4,
			ForceConflicts: !(v4 && rendered.ApplyMethod == "ssa" && !slices.Contains(u.Args, "--force-conflicts")),
			Timeout:        f.timeout,
		},
		target: t,
	}, nil
}

// hook returns the review hook that confirms a result.
func (c *clusterCheck) hook(ctx context.Context) func(*classify.Result) error {
	return func(res *classify.Result) error {
		cf, err := c.confirmer.Confirm(ctx, res, c.target)
		if err != nil {
			return fmt.Errorf("--cluster: %w (nothing was confirmed; without --cluster the review is offline)", err)
		}
		cf.Annotate(res)
		c.last = cf
		return nil
	}
}

// prepareCluster sets the hook that confirms the review of h with the API
// server.
func (h *helmState) prepareCluster(ctx context.Context, s *Streams, f *reviewFlags) error {
	cc, err := newClusterCheck(ctx, s, &f.cluster, h.runner, h.upgrade, h.helmArgs, h.namespace, h.helmVersion, h.rendered, h.current)
	if err != nil {
		return err
	}
	f.confirm = cc.hook(ctx)
	return nil
}

// prepareDiffCluster sets up --cluster for a review of helm-diff output:
// the objects before and after the upgrade are rebuilt from the diff
// itself (which needs full context; what cannot be rebuilt is noted as
// not confirmed), and the drift base is the diff's old side. It returns
// the input to review, which it had to read whole.
func prepareDiffCluster(ctx context.Context, s *Streams, f *reviewFlags, in io.Reader) (io.Reader, error) {
	data, err := io.ReadAll(io.LimitReader(in, diffparse.DefaultMaxInput+1))
	if err != nil {
		return nil, err
	}
	cfg, err := kubeConfig(s, nil)
	if err != nil {
		return nil, err
	}
	client, err := cfg.Client()
	if err != nil {
		return nil, err
	}
	ns := cmp.Or(f.namespace, s.Getenv("HELM_NAMESPACE"), cfg.Namespace, "default")
	objs, err := manifest.FromHelmDiff(string(data), ns)
	if err != nil {
		return nil, fmt.Errorf("--cluster: %w", err)
	}
	// the release is known only when it is given (helm diff's output does
	// not name it): without it, an object the diff creates that exists
	// already is refused, as helm's check of its owner cannot be made
	// after a failed upgrade, helm diff compares with the failed revision
	// and helm upgrade with the last deployed one: the release's
	// revisions are read from helm's storage (HELM_DRIVER's)
	t := cluster.Target{Release: f.release, Namespace: ns, Unknown: map[kube.ObjectID]string{}, Revisions: true, Driver: s.Getenv("HELM_DRIVER")}
	for _, o := range objs {
		switch {
		case o.Unknown != "":
			t.Unknown[o.Ref.ID()] = o.Unknown
		default:
			if o.After != nil {
				t.Desired = append(t.Desired, *o.After)
			}
			if o.Before != nil {
				t.Last = append(t.Last, *o.Before)
			}
		}
	}
	cc := &clusterCheck{confirmer: &cluster.Confirmer{Client: client, FieldManager: "helm", ForceConflicts: true, Timeout: f.cluster.timeout}, target: t}
	f.confirm = cc.hook(ctx)
	return bytes.NewReader(data), nil
}
