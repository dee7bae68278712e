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
