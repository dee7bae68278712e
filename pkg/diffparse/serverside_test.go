package diffparse_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
)

// TestServerSideRefused: the parser lists what server-side apply refuses
// of the new side and helm 3's patch lets through (Object.ServerSideRefused):
// the fields the schema does not declare (the patch drops them), at a
// change's own path, inside an added mapping or list, and anywhere in a
// created object, never a map key, a field the change removes, one the old
// side had unchanged, or a field of a kind without a schema; and two items
// of an associative list with the same keys (the patch merges them), a
// missing key counted as its default (a port's protocol, TCP), in a list
// the diff adds to or changes; and a value twice in a set (finalizers).
func TestServerSideRefused(t *testing.T) {
	const deployment = "default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    replicas: 2\n    template:\n      spec:\n        containers:\n          - name: web\n            image: nginx:1\n"
	tests := []struct {
		name, diff string
		want       []string
	}{
		{"a scalar field added", deployment + "+           Image: nginx:2\n", []string{"spec.template.spec.containers[name=web].Image: no such field:13"}},
		{"a field renamed by a typo", strings.Replace(deployment, "    replicas: 2\n", "-   replicas: 2\n+   replica: 2\n", 1), []string{"spec.replica: no such field:8"}},
		{"inside an added container", deployment + "+         - name: side\n+           image: busybox\n+           comand: [sh]\n", []string{"spec.template.spec.containers[name=side].comand: no such field:15"}},
		{"in a partial view, where placed", "default, web, Deployment (apps) has changed:\n...\n  spec:\n+   replica: 2\n    replicas: 2\n...\n", []string{"spec.replica: no such field:4"}},
		{"a declared field added", deployment + "+           imagePullPolicy: Always\n", nil},
		{"a label added", strings.Replace(deployment, "    name: web\n", "    name: web\n    labels:\n+     Image: x\n", 1), nil},
		{"an undeclared field removed", deployment + "-           Image: nginx:2\n", nil},
		{"an undeclared field the release had, set anew", deployment + "-           Image: nginx:2\n+           Image: nginx:3\n", nil},
		{"an undeclared field unchanged", deployment + "            Image: nginx:2\n-           env: []\n", nil},
		{"a created object", "default, cfg, ConfigMap (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: ConfigMap\n+ metadata:\n+   name: cfg\n+ datta:\n+   a: b\n+ data:\n+   Datta: b\n", []string{"datta: no such field:7"}},
		{"a renamed object, created anew", "default, cfg, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n-   name: cfg\n+   name: cfg2\n  datta:\n    a: b\n", []string{"datta: no such field:7"}},
		{"an env var repeated", deployment + "+           env:\n+             - name: MODE\n+               value: a\n+             - name: MODE\n+               value: b\n", []string{"spec.template.spec.containers[name=web].env: two entries with name=MODE:16"}},
		{"an item added with the key of another", strings.Replace(deployment, "            image: nginx:1\n", "            image: nginx:1\n            env:\n              - name: MODE\n                value: a\n", 1) + "+             - name: MODE\n+               value: b\n", []string{"spec.template.spec.containers[name=web].env: two entries with name=MODE:16"}},
		{"a port repeated, its protocol defaulted", deployment + "+           ports:\n+             - containerPort: 80\n+             - containerPort: 80\n+               protocol: TCP\n+               name: b\n", []string{"spec.template.spec.containers[name=web].ports: two entries with containerPort=80,protocol=TCP:15"}},
		{"one port by two protocols", deployment + "+           ports:\n+             - containerPort: 53\n+             - containerPort: 53\n+               protocol: UDP\n", nil},
		{"a repeated entry unchanged, a change in its list", strings.Replace(deployment, "            image: nginx:1\n", "            image: nginx:1\n            env:\n              - name: A\n              - name: A\n              - name: B\n-               value: x\n+               value: y\n", 1), nil},
		{"a repeated entry made anew beside an old one", strings.Replace(deployment, "            image: nginx:1\n", "            image: nginx:1\n            env:\n              - name: A\n              - name: A\n              - name: B\n+             - name: B\n", 1), []string{"spec.template.spec.containers[name=web].env: two entries with name=B:17"}},
		{"a repeated entry unchanged, a change elsewhere", strings.Replace(deployment, "    replicas: 2\n", "-   replicas: 2\n+   replicas: 3\n", 1) + "            env:\n              - name: A\n              - name: A\n", nil},
		{"a created object's repeated entries", "default, p, Pod (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: Pod\n+ metadata:\n+   name: p\n+ spec:\n+   imagePullSecrets:\n+     - name: a\n+     - name: a\n+   containers:\n+     - name: c\n+       image: x\n", []string{"spec.imagePullSecrets: two entries with name=a:10"}},
		{"a second container of one name", strings.Replace(deployment, "            image: nginx:1\n", "            image: nginx:1\n+         - name: web\n+           image: nginx:2\n", 1), []string{"spec.template.spec.containers: two entries with name=web:13"}},
		// a set (+listType=set) holds each value once, as the server reads it
		{"a finalizer repeated", strings.Replace(deployment, "    name: web\n", "    name: web\n    finalizers:\n      - example.com/a\n+     - 'example.com/a'\n", 1), []string{`metadata.finalizers: two entries with value "example.com/a":8`}},
		{"a created object's finalizers, in flow style", "default, cfg, ConfigMap (v1) has been added:\n- \n+ apiVersion: v1\n+ kind: ConfigMap\n+ metadata:\n+   name: cfg\n+   finalizers: [example.com/a, \"example.com/a\"]\n", []string{`metadata.finalizers: two entries with value "example.com/a":7`}},
		{"two finalizers", strings.Replace(deployment, "    name: web\n", "    name: web\n    finalizers:\n      - example.com/a\n+     - example.com/b\n", 1), nil},
		{"a finalizer repeated in the release, another added", strings.Replace(deployment, "    name: web\n", "    name: web\n    finalizers:\n      - example.com/a\n      - example.com/a\n+     - example.com/b\n", 1), nil},
		{"a field the old version had, under a new one", "default, web, HorizontalPodAutoscaler (autoscaling) has changed:\n- apiVersion: autoscaling/v1\n+ apiVersion: autoscaling/v2\n  kind: HorizontalPodAutoscaler\n  metadata:\n    name: web\n  spec:\n    maxReplicas: 10\n    targetCPUUtilizationPercentage: 70\n", []string{"spec.targetCPUUtilizationPercentage: no such field:9"}},
		{"an undeclared field under the same version", "default, web, HorizontalPodAutoscaler (autoscaling) has changed:\n  apiVersion: autoscaling/v2\n  kind: HorizontalPodAutoscaler\n  metadata:\n    name: web\n  spec:\n-   maxReplicas: 10\n+   maxReplicas: 11\n    targetCPUUtilizationPercentage: 70\n", nil},
		{"a changed field under a new version, named once", "default, web, HorizontalPodAutoscaler (autoscaling) has changed:\n- apiVersion: autoscaling/v1\n+ apiVersion: autoscaling/v2\n  kind: HorizontalPodAutoscaler\n  metadata:\n    name: web\n  spec:\n    maxReplicas: 10\n-   targetCPUUtilizationPercentage: 70\n+   targetCPUUtilizationPercentage: 80\n", []string{"spec.targetCPUUtilizationPercentage: no such field:10"}},
		{"a custom resource", "default, c, Certificate (cert-manager.io) has changed:\n  apiVersion: cert-manager.io/v1\n  kind: Certificate\n  metadata:\n    name: c\n  spec:\n+   anything: 1\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := diffparse.Parse(strings.NewReader(tt.diff), diffparse.Options{})
			if err != nil {
				t.Fatalf("%v\n%s", err, tt.diff)
			}
			var got []string
			for _, o := range plan.Objects {
				for _, n := range o.ServerSideRefused {
					got = append(got, n.Text+":"+itoa(n.Pos.Line))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("server-side refusals %q, want %q\n%s", got, tt.want, tt.diff)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
