package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
)

// apiResource is a kind as the server serves it.
type apiResource struct {
	name       string // the plural name in the path
	namespaced bool
}

// errNotServed means the server does not serve a kind (yet): a custom
// resource whose definition comes with this upgrade, or an API version
// the server dropped.
var errNotServed = errors.New("not served")

// discovery maps kinds to resources with the server's discovery
// documents, one request per group version.
type discovery struct {
	c     *Confirmer
	mu    sync.Mutex
	lists map[string]map[string]apiResource // group/version → kind → resource
	// groups are the versions of each group, the preferred one first
	groups map[string][]string
}

type apiResourceList struct {
	Resources []struct {
		Name       string `json:"name"`
		Kind       string `json:"kind"`
		Namespaced bool   `json:"namespaced"`
	} `json:"resources"`
}

// resourceFor returns the resource of ref's kind, or an error wrapping
// errNotServed.
func (d *discovery) resourceFor(ctx context.Context, ref kube.ObjectRef) (apiResource, error) {
	gv := ref.APIVersion()
	d.mu.Lock()
	defer d.mu.Unlock()
	kinds, seen := d.lists[gv]
	if !seen {
		path := "/apis/" + gv
		if ref.Group == "" {
			path = "/api/" + ref.Version
		}
		var list apiResourceList
		err := d.c.get(ctx, path, &list)
		switch {
		case kubeapi.IsNotFound(err):
			kinds = nil
		case err != nil:
			return apiResource{}, err
		default:
			kinds = map[string]apiResource{}
			for _, r := range list.Resources {
				if !strings.Contains(r.Name, "/") { // not a subresource
					kinds[r.Kind] = apiResource{name: r.Name, namespaced: r.Namespaced}
				}
			}
		}
		d.lists[gv] = kinds
	}
	r, ok := kinds[ref.Kind]
	if !ok {
		return apiResource{}, fmt.Errorf("the server does not serve %s %s: %w", gv, ref.Kind, errNotServed)
	}
	return r, nil
}

// path returns the object's path, and its namespace as the server sees
// it (none for cluster-scoped kinds).
func (d *discovery) path(ctx context.Context, ref kube.ObjectRef) (string, kube.ObjectRef, error) {
	r, err := d.resourceFor(ctx, ref)
	if err != nil {
		return "", ref, err
	}
	if !r.namespaced {
		ref.Namespace = ""
	}
	return kubeapi.Path(ref.Group, ref.Version, ref.Namespace, r.name, ref.Name), ref, nil
}

// locate returns ref with a version the server serves its kind in, for a
// reference without one (a helm-diff header names only the group and the
// kind): the group's preferred version first, then the others. An error
// wraps errNotServed when no version of the group serves the kind.
func (d *discovery) locate(ctx context.Context, ref kube.ObjectRef) (kube.ObjectRef, error) {
	if ref.Version != "" {
		return ref, nil
	}
	versions, err := d.versions(ctx, ref.Group)
	if err != nil {
		return ref, err
	}
	for _, v := range versions {
		r := ref
		r.Version = v
		_, err := d.resourceFor(ctx, r)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, errNotServed) {
			return ref, err
		}
	}
	group := ref.Group
	if group == "" {
		group = "core"
	}
	return ref, fmt.Errorf("the server does not serve %s in the %s group: %w", ref.Kind, group, errNotServed)
}

// versions returns the versions the server serves of a group, the
// preferred one first; none for a group it does not serve.
func (d *discovery) versions(ctx context.Context, group string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if vs, ok := d.groups[group]; ok {
		return vs, nil
	}
	var vs []string
	if group == "" {
		var core struct {
			Versions []string `json:"versions"`
		}
		err := d.c.get(ctx, "/api", &core)
		if err != nil && !kubeapi.IsNotFound(err) {
			return nil, err
		}
		vs = core.Versions
	} else {
		var g struct {
			Versions []struct {
				Version string `json:"version"`
			} `json:"versions"`
			PreferredVersion struct {
				Version string `json:"version"`
			} `json:"preferredVersion"`
		}
		err := d.c.get(ctx, "/apis/"+group, &g)
		if err != nil && !kubeapi.IsNotFound(err) {
			return nil, err
		}
		if p := g.PreferredVersion.Version; p != "" {
			vs = append(vs, p)
		}
		for _, v := range g.Versions {
			if v.Version != "" && v.Version != g.PreferredVersion.Version {
				vs = append(vs, v.Version)
			}
		}
	}
	if d.groups == nil {
		d.groups = map[string][]string{}
	}
	d.groups[group] = vs
	return vs, nil
}
