package diffparse_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
)

// BenchmarkScaling parses inputs dense in changes of one object at two
// sizes, ten times apart: time linear in the input keeps ns/entry the
// same at both (each of these once took time quadratic in its entries,
// or a schema walk per entry). Run it with
//
//	go test -run='^$' -bench=Scaling ./pkg/diffparse/
func BenchmarkScaling(b *testing.B) {
	shapes := []struct {
		name  string
		entry func(i int) string
		head  string
		tail  string
	}{
		{
			name:  "changed-keys",
			head:  "default, cfg, ConfigMap (v1) has changed:\n  data:\n",
			entry: func(i int) string { return fmt.Sprintf("-   k%d: a\n+   k%d: b\n", i, i) },
		},
		{
			name: "exact-list",
			head: "default, web, Deployment (apps) has changed:\n  spec:\n    template:\n      spec:\n        containers:\n          - name: web\n            env:\n",
			entry: func(i int) string {
				return fmt.Sprintf("              - name: V%d\n-               value: \"a%d\n-                 x\"\n+               value: \"b%d\n+                 x\"\n", i, i, i)
			},
		},
		{
			// items added to a keyed list: each a container the
			// server-side checks looked for among those seen, once
			name: "added-items",
			head: "default, web, Deployment (apps) has changed:\n  spec:\n    template:\n      spec:\n        containers:\n          - name: web\n            env:\n              - name: A\n                value: a\n",
			entry: func(i int) string {
				return fmt.Sprintf("+             - name: V%d\n+               value: \"%d\"\n", i, i)
			},
		},
		{
			name: "unknown-elisions",
			head: "default, web, Deployment (apps) has changed:\n",
			entry: func(i int) string {
				return fmt.Sprintf("...\n                  k%d:\n-                   x: 1\n+                   x: 2\n", i)
			},
			tail: "...\n",
		},
	}
	for _, s := range shapes {
		for _, n := range []int{1000, 10000} {
			var in strings.Builder
			in.WriteString(s.head)
			for i := range n {
				in.WriteString(s.entry(i))
			}
			in.WriteString(s.tail)
			input := in.String()
			b.Run(fmt.Sprintf("%s/%d", s.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(input)))
				for b.Loop() {
					if _, err := diffparse.Parse(strings.NewReader(input), diffparse.Options{Workers: 1}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
			})
		}
	}
}
