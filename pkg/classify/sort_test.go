package classify

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

// TestCompareRefsIsStringOrder holds compareRefs to the order of the
// references' strings, which reports list objects in: pieces that end
// early, groups that are a prefix of another, and characters that sort
// before and after the separators.
func TestCompareRefsIsStringOrder(t *testing.T) {
	pieces := []string{"", "a", "ab", "a.b", "a-b", "a/b", "b", "A", "0", "~", "é", "ConfigMap", "ConfigMaps", "apps", "apps.k8s.io"}
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return pieces[rnd.IntN(len(pieces))] }
	ref := func() kube.ObjectRef {
		return kube.ObjectRef{Kind: pick(), Group: pick(), Namespace: pick(), Name: pick()}
	}
	for range 20000 {
		a, b := ref(), ref()
		if rnd.IntN(4) == 0 {
			b = a
			b.Name = pick()
		}
		want := strings.Compare(a.String(), b.String())
		if got := compareRefs(&a, &b); got != want {
			t.Fatalf("compareRefs(%q, %q) = %d, the strings compare %d", a.String(), b.String(), got, want)
		}
	}
}
