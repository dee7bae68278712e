package rules

import "testing"

// TestInCRDsDir: helm names a chart's crds/ files chart/crds/..., a
// subchart's chart/charts/sub/crds/... (its CRDObjects); a folder named
// crds anywhere else (under templates/) holds templates of the release.
func TestInCRDsDir(t *testing.T) {
	for _, tt := range []struct {
		source string
		want   bool
	}{
		{"widgets/crds/crd.yaml", true},
		{"widgets/crds/sub/crd.yaml", true},
		{"shop/charts/widgets/crds/crd.yaml", true},
		{"a/charts/b/charts/c/crds/crd.yaml", true},
		{"a/charts/crds/crds/crd.yaml", true}, // a subchart named crds, its crds/
		{"widgets/templates/crds/crd.yaml", false},
		{"a/charts/crds/templates/crd.yaml", false},
		{"widgets/templates/crd.yaml", false},
		{"crds/crd.yaml", false}, // the chart's name comes first
		{"widgets/crds", false},
		{"", false},
	} {
		if got := inCRDsDir(tt.source); got != tt.want {
			t.Errorf("inCRDsDir(%q) = %v, want %v", tt.source, got, tt.want)
		}
	}
}
