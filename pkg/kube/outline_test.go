package kube_test

import (
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/kube"
)

// TestOutlineSize bounds the bytes of an outline entry: a diff of 40,000
// elided changes holds an entry for each of its 160,000 visible lines
// until it is classified. The root's After keys, a pointer, make an entry
// 72 bytes (allocated as 80: 2.5 MB more on that diff, of about 100).
func TestOutlineSize(t *testing.T) {
	if got := unsafe.Sizeof(kube.Outline{}); got > 72 {
		t.Errorf("an outline entry takes %d bytes, want at most 72", got)
	}
}

// TestPlacesKeepWhatTheServerRefuses: the shape of a value orders the
// places an outline can be at and rules none out. "strategy: e" next to
// a selector can only be a Deployment's spec.strategy, a mapping: the API
// server refuses the scalar, and the upgrade fails. Dropping that place
// left no place at all, and the change was judged where its path alone
// fits (a label, an annotation): safe, for an upgrade that fails.
func TestPlacesKeepWhatTheServerRefuses(t *testing.T) {
	ty := schema(t, deployment)
	leaf := func(o *kube.Outline, name string, shape kube.Shape) *kube.Outline {
		col := int(o.Column) // the root's column is its entries'
		if o.Parent != nil {
			col += 2
		}
		c := o.Add(kube.Field(name), false, col)
		c.Shape = shape
		return c
	}
	selector := func(o *kube.Outline) {
		s := o.Add(kube.Field("selector"), false, 2)
		m := s.Add(kube.Field("matchLabels"), false, 4)
		leaf(m, "app", kube.ScalarShape)
	}
	tests := []struct {
		name   string
		build  func(root *kube.Outline) *kube.Outline // returns the changed entry
		want   []string
		reason string
	}{
		{
			name: "pinned by a sibling",
			build: func(root *kube.Outline) *kube.Outline {
				selector(root)
				return leaf(root, "strategy", kube.ScalarShape)
			},
			want:   []string{"spec.strategy"},
			reason: "only spec has both a selector mapping and strategy; a scalar strategy there is refused, and that is the one reading",
		},
		{
			name: "alone",
			build: func(root *kube.Outline) *kube.Outline {
				return leaf(root, "strategy", kube.ScalarShape)
			},
			want:   []string{"metadata.annotations.strategy", "metadata.labels.strategy", "spec.strategy"},
			reason: "a label or an annotation takes the scalar; spec.strategy refuses it, a place all the same, last",
		},
		{
			name: "a sibling of the wrong shape",
			build: func(root *kube.Outline) *kube.Outline {
				leaf(root, "strategy", kube.ScalarShape)
				selector(root)
				return leaf(root, "replicas", kube.ScalarShape)
			},
			want:   []string{"spec.replicas"},
			reason: "an unchanged line of the wrong shape does not move its changed sibling elsewhere",
		},
		{
			name: "an unknown scalar beside it",
			build: func(root *kube.Outline) *kube.Outline {
				leaf(root, "app", kube.ScalarShape)
				selector(root)
				return leaf(root, "strategy", kube.ScalarShape)
			},
			want:   []string{"spec.strategy"},
			reason: "app is no field of a DeploymentSpec: the API server drops it, and it rules spec out no more than a wrong shape does",
		},
		{
			name: "an unknown structure beside it",
			build: func(root *kube.Outline) *kube.Outline {
				s := root.Add(kube.Field("securityContext"), false, 2)
				leaf(s, "fsGroup", kube.ScalarShape)
				return leaf(root, "strategy", kube.ScalarShape)
			},
			want:   nil,
			reason: "a whole structure of fields no DeploymentSpec has says the stretch is elsewhere (a pod spec), and no place there has a strategy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := &kube.Outline{Column: 2}
			changed := tt.build(root)
			got := pathStrings(ty.Places(changed, 2))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Places mismatch (-want +got):\n%s\nreason: %s", diff, tt.reason)
			}
		})
	}
}

// TestPlacesBelowTheTop: the entries of one block mapping share a column,
// so a stretch whose entries stand right of the top-level keys the view
// shows is not at the top level. A chart's label bump in a Secret at
// --context 3 (the label's parent elided, then name and namespace, then
// a top-level data:) fits metadata, and also the top level, with an
// elided stringData holding the label and two unknown top-level scalars:
// there the key is no config key, and the review said helm upgrade would
// fail (Bitnami PostgreSQL).
func TestPlacesBelowTheTop(t *testing.T) {
	ty := schema(t, gvk{version: "v1", kind: "Secret"})
	for _, tt := range []struct {
		below  bool
		want   []string
		reason string
	}{
		{false, []string{`metadata.annotations["helm.sh/chart"]`, `metadata.labels["helm.sh/chart"]`, `data["helm.sh/chart"]`, `stringData["helm.sh/chart"]`},
			"the top level's column unknown: the stretch may be the top level"},
		{true, []string{`metadata.annotations["helm.sh/chart"]`, `metadata.labels["helm.sh/chart"]`},
			"right of the top level: only metadata has name, namespace and a mapping of labels"},
	} {
		root := &kube.Outline{Column: 2, Below: tt.below}
		parent := root.Add(kube.AnyField{}, false, 2)
		changed := parent.Add(kube.Field("helm.sh/chart"), true, 4)
		changed.Shape = kube.ScalarShape
		for _, name := range []string{"name", "namespace"} {
			root.Add(kube.Field(name), false, 2).Shape = kube.ScalarShape
		}
		got := pathStrings(ty.Places(changed, 2))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("below %v: Places mismatch (-want +got):\n%s\nreason: %s", tt.below, diff, tt.reason)
		}
	}
}
