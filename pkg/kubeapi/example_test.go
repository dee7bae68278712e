package kubeapi_test

import (
	"context"
	"fmt"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// A client for the current context of $KUBECONFIG, reading a ConfigMap.
func Example() {
	cfg, err := kubeapi.Load(kubeapi.Paths(nil), "")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := cfg.Client()
	if err != nil {
		fmt.Println(err)
		return
	}
	var cm struct {
		Data map[string]string `json:"data"`
	}
	err = c.Get(context.Background(), kubeapi.Path("", "v1", "kube-system", "configmaps", "kube-root-ca.crt"), &cm)
	switch {
	case kubeapi.IsNotFound(err):
		fmt.Println("no such ConfigMap")
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(len(cm.Data["ca.crt"]) > 0)
	}
}

// Paths are escaped part by part.
func ExamplePath() {
	fmt.Println(kubeapi.Path("coordination.k8s.io", "v1", "shop", "leases", "safediff-migrate-orders"))
	fmt.Println(kubeapi.Path("", "v1", "", "namespaces", "shop"))
	// Output:
	// /apis/coordination.k8s.io/v1/namespaces/shop/leases/safediff-migrate-orders
	// /api/v1/namespaces/shop
}
