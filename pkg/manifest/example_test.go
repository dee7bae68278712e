package manifest_test

import (
	"fmt"

	"github.com/safediff/safediff/pkg/manifest"
)

// Parse reads a rendered manifest as helm does; SortForInstall puts it in
// the order helm applies it.
func Example() {
	objs, err := manifest.Parse(`---
# Source: shop/templates/web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
---
# Source: shop/templates/svc.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
`, "prod")
	if err != nil {
		panic(err)
	}
	manifest.SortForInstall(objs, 3)
	for _, o := range objs {
		fmt.Println(o.Ref, "from", o.Source)
	}
	// Output:
	// Service/prod/web from shop/templates/svc.yaml
	// Deployment.apps/prod/web from shop/templates/web.yaml
}
