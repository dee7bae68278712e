package kube_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/kube"
)

type gvk struct{ group, version, kind string }

var (
	deployment  = gvk{"apps", "v1", "Deployment"}
	statefulSet = gvk{"apps", "v1", "StatefulSet"}
	service     = gvk{"", "v1", "Service"}
	configMap   = gvk{"", "v1", "ConfigMap"}
	secret      = gvk{"", "v1", "Secret"}
)

func schema(t testing.TB, k gvk) *kube.Type {
	t.Helper()
	ty := kube.SchemaFor(k.group, k.version, k.kind)
	if ty == nil {
		t.Fatalf("SchemaFor(%q, %q, %q) = nil", k.group, k.version, k.kind)
	}
	return ty
}

func TestSchemaFor(t *testing.T) {
	tests := []struct {
		name   string
		k      gvk
		known  bool
		field  string // a spec field the schema must have, when known
		reason string
	}{
		{"Deployment", deployment, true, "replicas", "a built-in apps/v1 kind"},
		{"StatefulSet", statefulSet, true, "volumeClaimTemplates", "a built-in apps/v1 kind"},
		{"Service", service, true, "ports", "a core kind"},
		{"ConfigMap", configMap, true, "", "a core kind without spec"},
		{"CronJob", gvk{"batch", "v1", "CronJob"}, true, "jobTemplate", "a batch kind"},
		{"Ingress", gvk{"networking.k8s.io", "v1", "Ingress"}, true, "rules", "a networking kind"},
		{"unknown version of a known kind", gvk{"apps", "v1beta2", "Deployment"}, true, "replicas",
			"an unknown version falls back to the preferred one"},
		{"empty version", gvk{"apps", "", "Deployment"}, true, "replicas",
			"no version shown: the preferred one"},
		{"custom resource", gvk{"cert-manager.io", "v1", "Certificate"}, false, "",
			"custom resources have no built-in schema"},
		{"kind in the wrong group", gvk{"", "v1", "Deployment"}, false, "",
			"Deployment is in apps, not the core group"},
		{"kind in another group", gvk{"apps", "v1", "Service"}, false, "",
			"the group is part of the kind's identity"},
		{"lowercase kind", gvk{"apps", "v1", "deployment"}, false, "",
			"kinds are case-sensitive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ty := kube.SchemaFor(tt.k.group, tt.k.version, tt.k.kind)
			if (ty != nil) != tt.known {
				t.Fatalf("SchemaFor(%v) = %v, want known=%v\nreason: %s", tt.k, ty, tt.known, tt.reason)
			}
			if !tt.known {
				return
			}
			if ty.Kind != kube.StructType {
				t.Errorf("root kind = %v, want StructType", ty.Kind)
			}
			for _, f := range []string{"apiVersion", "kind", "metadata"} {
				if ty.Field(f) == nil {
					t.Errorf("no %s field", f)
				}
			}
			if tt.field != "" && ty.Field("spec").Field(tt.field) == nil {
				t.Errorf("no spec.%s\nreason: %s", tt.field, tt.reason)
			}
		})
	}
}

func TestSchemaForVersions(t *testing.T) {
	v1 := kube.SchemaFor("autoscaling", "v1", "HorizontalPodAutoscaler")
	v2 := kube.SchemaFor("autoscaling", "v2", "HorizontalPodAutoscaler")
	preferred := kube.SchemaFor("autoscaling", "", "HorizontalPodAutoscaler")
	unknown := kube.SchemaFor("autoscaling", "v2beta2", "HorizontalPodAutoscaler")
	tests := []struct {
		name   string
		got    bool
		reason string
	}{
		{"v1 has targetCPUUtilizationPercentage", v1.At(mustPath(t, "spec.targetCPUUtilizationPercentage")) != nil,
			"autoscaling/v1 scales on one CPU target"},
		{"v1 has no metrics", v1.At(mustPath(t, "spec.metrics")) == nil,
			"metrics arrived with v2"},
		{"v2 has metrics", v2.At(mustPath(t, "spec.metrics[?].resource.target.averageUtilization")) != nil,
			"autoscaling/v2 has a metrics list"},
		{"v2 has no targetCPUUtilizationPercentage", v2.At(mustPath(t, "spec.targetCPUUtilizationPercentage")) == nil,
			"v2 dropped the v1 field"},
		{"v2 is preferred", preferred == v2,
			"v2 is listed first, so an unshown version reads as v2"},
		{"unknown version is preferred", unknown == v2,
			"an unknown version falls back to the preferred one"},
		{"versions differ", v1 != v2,
			"each version has its own schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.got {
				t.Errorf("false\nreason: %s", tt.reason)
			}
		})
	}
}

func TestMergeKeys(t *testing.T) {
	tests := []struct {
		name   string
		k      gvk
		path   string
		want   string
		reason string
	}{
		{"containers", deployment, "spec.template.spec.containers", "name",
			"containers are merged by name"},
		{"init containers", deployment, "spec.template.spec.initContainers", "name",
			"init containers too"},
		{"env", deployment, "spec.template.spec.containers[?].env", "name",
			"environment variables are merged by name"},
		{"container ports", deployment, "spec.template.spec.containers[?].ports", "containerPort",
			"container ports are merged by port number, not by their optional name"},
		{"volume mounts", deployment, "spec.template.spec.containers[?].volumeMounts", "mountPath",
			"a mount is identified by where it is mounted"},
		{"volumes", deployment, "spec.template.spec.volumes", "name",
			"volumes are merged by name"},
		{"image pull secrets", deployment, "spec.template.spec.imagePullSecrets", "name",
			"pull secrets are merged by name"},
		{"service ports", service, "spec.ports", "port",
			"service ports are merged by port"},
		{"args", deployment, "spec.template.spec.containers[?].args", "",
			"a list of strings has no merge key: it is replaced as a whole"},
		{"tolerations", deployment, "spec.template.spec.tolerations", "",
			"tolerations carry no patchMergeKey"},
		{"volume claim templates", statefulSet, "spec.volumeClaimTemplates", "",
			"claim templates carry no patchMergeKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ty := schema(t, tt.k).At(mustPath(t, tt.path))
			if ty == nil {
				t.Fatalf("no type at %s", tt.path)
			}
			if ty.Kind != kube.ListType {
				t.Fatalf("%s: kind %v, want ListType", tt.path, ty.Kind)
			}
			if ty.MergeKey != tt.want {
				t.Errorf("%s: MergeKey %q, want %q\nreason: %s", tt.path, ty.MergeKey, tt.want, tt.reason)
			}
		})
	}
}

func TestTypeAt(t *testing.T) {
	const none = kube.TypeKind(-1) // At returns nil
	tests := []struct {
		name   string
		k      gvk
		path   string
		want   kube.TypeKind
		reason string
	}{
		{"root", deployment, "", kube.StructType, "the empty path is the object"},
		{"scalar", deployment, "spec.replicas", kube.ScalarType, "an int32"},
		{"keyed item", deployment, "spec.template.spec.containers[name=web]", kube.StructType, "a Container"},
		{"indexed item", deployment, "spec.template.spec.containers[0].image", kube.ScalarType, "index and key reach the same item type"},
		{"unknown item", deployment, "spec.template.spec.containers[?].image", kube.ScalarType, "so does [?]"},
		{"map", deployment, "metadata.labels", kube.MapType, "labels are map[string]string"},
		{"map entry", deployment, "metadata.labels.app", kube.ScalarType, "any key of a map has the element type"},
		{"unknown map key", deployment, "metadata.labels.?", kube.ScalarType, "? is any key of a map"},
		{"quantity", deployment, "spec.template.spec.containers[?].resources.limits.cpu", kube.ScalarType, "a Quantity is written as a scalar"},
		{"int or string", deployment, "spec.strategy.rollingUpdate.maxSurge", kube.ScalarType, "an IntOrString is a scalar"},
		{"time", deployment, "metadata.creationTimestamp", kube.ScalarType, "a Time is a timestamp string"},
		{"bytes", secret, "data.password", kube.ScalarType, "[]byte is base64 text"},
		{"raw extension", gvk{"apps", "v1", "ControllerRevision"}, "data", kube.AnyType, "a RawExtension is free-form"},
		{"below free-form", gvk{"apps", "v1", "ControllerRevision"}, "data.spec.x[3].y", kube.AnyType, "anything may be below free-form content"},
		{"unknown field", deployment, "spec.nope", none, "no such field"},
		{"below a scalar", deployment, "spec.replicas.x", none, "a scalar has no fields"},
		{"field of a list", deployment, "spec.template.spec.containers.image", none, "a list is reached through items"},
		{"item of a struct", deployment, "spec[0]", none, "a struct has no items"},
		{"unknown field of a struct", deployment, "spec.?", none, "? is a map key, not a struct field"},
		{"gap", deployment, "...replicas", none, "an elided path has no single type"},
		{"inline TypeMeta", deployment, "apiVersion", kube.ScalarType, "inline fields are lifted into the object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := schema(t, tt.k).At(mustPath(t, tt.path))
			switch {
			case tt.want == none && got != nil:
				t.Errorf("At(%q) = kind %v, want nil\nreason: %s", tt.path, got.Kind, tt.reason)
			case tt.want != none && got == nil:
				t.Errorf("At(%q) = nil, want kind %v\nreason: %s", tt.path, tt.want, tt.reason)
			case got != nil && got.Kind != tt.want:
				t.Errorf("At(%q) kind %v, want %v\nreason: %s", tt.path, got.Kind, tt.want, tt.reason)
			}
		})
	}
}

func TestTypeFieldNames(t *testing.T) {
	cm := schema(t, configMap)
	want := []string{"apiVersion", "binaryData", "data", "immutable", "kind", "metadata"}
	if diff := cmp.Diff(want, cm.FieldNames()); diff != "" {
		t.Errorf("ConfigMap fields mismatch (-want +got):\n%s", diff)
	}
	pod := schema(t, deployment).At(mustPath(t, "spec.template.spec"))
	names := pod.FieldNames()
	if !sort.StringsAreSorted(names) || len(names) < 30 {
		t.Errorf("PodSpec fields not sorted or too few: %v", names)
	}
	for _, f := range []string{"containers", "volumes", "nodeSelector", "serviceAccountName"} {
		if !slices.Contains(names, f) {
			t.Errorf("PodSpec fields lack %s", f)
		}
	}
	if got := cm.Field("data").FieldNames(); got != nil {
		t.Errorf("map FieldNames = %v, want nil: only structs have fields", got)
	}
	if got := (*kube.Type)(nil).FieldNames(); got != nil {
		t.Errorf("nil FieldNames = %v", got)
	}
}

func TestTypeNil(t *testing.T) {
	var ty *kube.Type
	p := mustPath(t, "...a.b")
	if ty.Field("a") != nil || ty.Item() != nil || ty.Step(kube.AnyField{}) != nil || ty.Step(kube.Index(0)) != nil ||
		ty.Elem2() != nil || ty.At(mustPath(t, "a")) != nil || ty.Candidates(p, kube.UnknownShape, -1) != nil {
		t.Error("a nil *Type must answer nil everywhere: it is what SchemaFor returns for unknown kinds")
	}
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		name   string
		k      gvk
		path   string
		shape  kube.Shape
		column int
		want   []string // the exact result, when set
		has    []string // places the result must include
		first  string   // the first place, when set
		last   string   // the last place, when set
		reason string
	}{
		{
			name: "container image", k: deployment, path: "...spec.containers[name=web].image",
			shape: kube.ScalarShape, column: -1,
			want:   []string{"spec.template.spec.containers[name=web].image"},
			reason: "only the pod template has a spec with containers",
		},
		{
			name: "labels at column 2", k: deployment, path: "...labels.app",
			shape: kube.ScalarShape, column: 2,
			want:   []string{"metadata.labels.app"},
			reason: "at column 2, labels can be at most two levels deep (metadata.labels); spec.template.metadata.labels needs column 3",
		},
		{
			name: "labels at column 6", k: deployment, path: "...labels.app",
			shape: kube.ScalarShape, column: 6,
			has:    []string{"metadata.labels.app", "spec.template.metadata.labels.app"},
			reason: "column 6 leaves room for the pod template's labels",
		},
		{
			name: "labels without a column", k: deployment, path: "...labels.app",
			shape: kube.ScalarShape, column: -1,
			has: []string{"metadata.labels.app", "spec.template.metadata.labels.app",
				"spec.template.spec.volumes[?].ephemeral.volumeClaimTemplate.metadata.labels.app"},
			reason: "with no bound, every ObjectMeta's labels qualify",
		},
		{
			name: "keyed list at its least column", k: deployment, path: "...containers[name=web].image",
			shape: kube.ScalarShape, column: 3,
			want:   []string{"spec.template.spec.containers[name=web].image"},
			reason: "containers sits below spec, template and spec: column 3 at the least",
		},
		{
			name: "keyed list too far left", k: deployment, path: "...containers[name=web].image",
			shape: kube.ScalarShape, column: 2,
			want:   nil,
			reason: "no containers list can stand at column 2",
		},
		{
			name: "detached list item", k: deployment, path: "...[name=web].image",
			shape: kube.ScalarShape, column: 4,
			want: []string{"spec.template.spec.containers[name=web].image",
				"spec.template.spec.ephemeralContainers[name=web].image",
				"spec.template.spec.initContainers[name=web].image",
				"spec.template.spec.volumes[name=web].image"},
			reason: "every list whose items have an image, in field order; a volume's image is a mapping, so a scalar there is refused: a place all the same, last",
		},
		{
			name: "detached list item too far left", k: deployment, path: "...[name=web].image",
			shape: kube.ScalarShape, column: 2,
			want:   nil,
			reason: "a container's dash stands at least at its list's column, 3",
		},
		{
			name: "shape orders, mapping", k: deployment, path: "...image",
			shape: kube.MappingShape, column: -1,
			first:  "spec.template.spec.volumes[?].image",
			has:    []string{"spec.template.spec.containers[?].image", "metadata.labels.image"},
			reason: "only the image volume source is a mapping; a mapping written as a container's image is refused by the API server, but the chart may write it: every place stays, those that fit first",
		},
		{
			name: "shape orders, scalar", k: deployment, path: "...strategy",
			shape: kube.ScalarShape, column: 2,
			want:   []string{"metadata.annotations.strategy", "metadata.labels.strategy", "spec.strategy"},
			last:   "spec.strategy",
			reason: "strategy: e fits a label or an annotation; as spec.strategy (a mapping) the API server refuses it, and that is the reading a review must not drop",
		},
		{
			name: "shape orders, list", k: deployment, path: "...name",
			shape: kube.SequenceShape, column: 2,
			want:   []string{"metadata.name", "metadata.annotations.name", "metadata.labels.name"},
			reason: "no field called name holds a list: each place is one the API server refuses, and each stays",
		},
		{
			name: "config map keys", k: configMap, path: "...api_key",
			shape: kube.ScalarShape, column: -1,
			want: []string{"binaryData.api_key", "data.api_key",
				"metadata.annotations.api_key", "metadata.labels.api_key"},
			reason: "a ConfigMap has no field api_key: only the keys of its maps qualify, in field order",
		},
		{
			name: "service port", k: service, path: "...ports[port=80].targetPort",
			shape: kube.ScalarShape, column: -1,
			want:   []string{"spec.ports[port=80].targetPort"},
			reason: "Service ports are only under spec",
		},
		{
			name: "status shown in the diff", k: deployment, path: "...status.replicas",
			shape: kube.ScalarShape, column: -1,
			want:   []string{"status.replicas"},
			reason: "status is never an elided ancestor, but when the diff shows a status key itself the object's status is where it is",
		},
		{
			name: "only under status", k: statefulSet, path: "...conditions[?].type",
			shape: kube.ScalarShape, column: -1,
			want:   nil,
			reason: "conditions exist only in statuses, the object's and its claim templates'; neither is an elided ancestor, so nothing is left",
		},
		{
			name: "free-form content", k: gvk{"apps", "v1", "ControllerRevision"}, path: "...replicas",
			shape: kube.ScalarShape, column: -1,
			has:    []string{"data.replicas"},
			reason: "a RawExtension may hold anything, so it is a place for any key",
		},
		{
			name: "exact path", k: deployment, path: "spec.replicas",
			shape: kube.ScalarShape, column: -1,
			want:   nil,
			reason: "an exact path has one place, itself: Candidates is for elided paths",
		},
		{
			name: "gap alone", k: deployment, path: "...",
			shape: kube.UnknownShape, column: -1,
			want:   nil,
			reason: "nothing known to place",
		},
		{
			name: "unknown field", k: deployment, path: "...noSuchField",
			shape: kube.ScalarShape, column: 1,
			want:   nil,
			reason: "at column 1 no map can hold the key and no struct has the field",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pathStrings(schema(t, tt.k).Candidates(mustPath(t, tt.path), tt.shape, tt.column))
			if tt.want != nil || tt.has == nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Candidates(%q, column %d) mismatch (-want +got):\n%s\nreason: %s", tt.path, tt.column, diff, tt.reason)
				}
			}
			for _, h := range tt.has {
				if !slices.Contains(got, h) {
					t.Errorf("Candidates(%q, column %d) lacks %s: %v\nreason: %s", tt.path, tt.column, h, got, tt.reason)
				}
			}
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("Candidates(%q, column %d) does not start with %s: %v\nreason: %s", tt.path, tt.column, tt.first, got, tt.reason)
			}
			if tt.last != "" && (len(got) == 0 || got[len(got)-1] != tt.last) {
				t.Errorf("Candidates(%q, column %d) does not end with %s: %v\nreason: %s", tt.path, tt.column, tt.last, got, tt.reason)
			}
		})
	}
}

func pathStrings(ps []kube.Path) []string {
	if ps == nil {
		return nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// TestCandidatesInvariants checks, over several queries, what every result
// must satisfy: each place is exact but for [?] and ? in its prefix, ends
// with the known steps; places whose type takes the value's shape come
// first, and among those (and among the rest) struct-field places come
// before map-key places; no status or server-managed metadata sits above
// the known steps; and a tighter column never adds places.
func TestCandidatesInvariants(t *testing.T) {
	queries := []struct {
		k     gvk
		path  string
		shape kube.Shape
	}{
		{deployment, "...name", kube.ScalarShape},
		{deployment, "...replicas", kube.ScalarShape},
		{deployment, "...manager", kube.ScalarShape},
		{deployment, "...image", kube.UnknownShape},
		{deployment, "...labels", kube.MappingShape},
		{deployment, "...strategy", kube.ScalarShape},
		{deployment, "...image", kube.MappingShape},
		{statefulSet, "...storage", kube.ScalarShape},
		{statefulSet, "...matchLabels.app", kube.ScalarShape},
		{statefulSet, "...resources.requests", kube.MappingShape},
		{service, "...port", kube.ScalarShape},
	}
	for _, q := range queries {
		t.Run(q.k.kind+" "+q.path, func(t *testing.T) {
			ty := schema(t, q.k)
			p := mustPath(t, q.path)
			suffix := p[1:]
			all := ty.Candidates(p, q.shape, -1)
			if len(all) == 0 {
				t.Fatalf("no candidates")
			}
			seenMapPlace, seenMisfit := false, false
			for _, c := range all {
				if !c[len(c)-len(suffix):].Equal(suffix) {
					t.Errorf("%s does not end with %s", c, suffix)
				}
				prefix := c[:len(c)-len(suffix)]
				for _, s := range prefix {
					switch s {
					case kube.Field("status"), kube.Field("managedFields"):
						t.Errorf("%s: %v above the known steps; helm manifests carry neither", c, s)
					}
					switch s.(type) {
					case kube.Gap, kube.Index, kube.Key:
						t.Errorf("%s: prefix step %#v; prefixes hold fields, [?] and ? only", c, s)
					}
				}
				end := ty.At(c)
				if end == nil {
					t.Errorf("%s: not in the schema", c)
				}
				if misfit := q.shape != kube.UnknownShape && !shapeFits(end, q.shape); misfit != seenMisfit {
					if !misfit {
						t.Errorf("%s: a place the value fits after one it does not", c)
					}
					seenMisfit, seenMapPlace = true, false
				}
				atPrefix := ty.At(prefix)
				if atPrefix.Kind == kube.StructType {
					if seenMapPlace {
						t.Errorf("%s: a struct-field place after a map-key place", c)
					}
				} else {
					seenMapPlace = true
				}
			}
			prev := all
			for _, col := range []int{12, 8, 6, 4, 3, 2, 1, 0} {
				got := ty.Candidates(p, q.shape, col)
				for _, c := range got {
					if !slices.ContainsFunc(prev, c.Equal) {
						t.Errorf("column %d adds %s, absent at a wider column", col, c)
					}
				}
				prev = got
			}
		})
	}
}

// shapeFits is what a shape needs of a type: a scalar, a struct or map,
// a list (a free-form type takes any).
func shapeFits(t *kube.Type, s kube.Shape) bool {
	switch {
	case t == nil:
		return false
	case t.Kind == kube.AnyType:
		return true
	case s == kube.ScalarShape:
		return t.Kind == kube.ScalarType
	case s == kube.MappingShape:
		return t.Kind == kube.StructType || t.Kind == kube.MapType
	case s == kube.SequenceShape:
		return t.Kind == kube.ListType
	}
	return true
}

func TestCandidatesCacheKeepsColumnsApart(t *testing.T) {
	ty := schema(t, deployment)
	p := mustPath(t, "...labels.app")
	narrow := pathStrings(ty.Candidates(p, kube.ScalarShape, 2))
	wide := pathStrings(ty.Candidates(p, kube.ScalarShape, -1))
	again := pathStrings(ty.Candidates(p, kube.ScalarShape, 2))
	if diff := cmp.Diff(narrow, again); diff != "" {
		t.Errorf("second call differs (-first +second):\n%s", diff)
	}
	if len(wide) <= len(narrow) {
		t.Errorf("column -1 gave %d places, column 2 gave %d: the bound was lost in the cache", len(wide), len(narrow))
	}
}

// TestDeclares: a schema declares another's fields at every depth, or
// not; autoscaling/v2 does not declare v1's targetCPUUtilizationPercentage.
func TestDeclares(t *testing.T) {
	v1, v2 := kube.SchemaFor("autoscaling", "v1", "HorizontalPodAutoscaler"), kube.SchemaFor("autoscaling", "v2", "HorizontalPodAutoscaler")
	if v1 == v2 || !kube.KnownVersion("autoscaling", "v1", "HorizontalPodAutoscaler") || kube.KnownVersion("autoscaling", "v9", "HorizontalPodAutoscaler") {
		t.Fatal("the two versions of HorizontalPodAutoscaler are not both known")
	}
	for _, tc := range []struct {
		name   string
		t, old *kube.Type
		want   bool
	}{
		{"itself", v2, v2, true},
		{"v2 over v1: targetCPUUtilizationPercentage", v2, v1, false},
		{"v1 over v2: metrics", v1, v2, false},
		{"a Deployment, recursive in places, over itself", kube.SchemaFor("apps", "v1", "Deployment"), kube.SchemaFor("apps", "v1", "Deployment"), true},
		{"nothing known of the old", v2, nil, false},
		{"no schema for the new", nil, v1, false},
	} {
		if got := kube.Declares(tc.t, tc.old); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
