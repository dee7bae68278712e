// Package kubeschema derives the schema of the built-in Kubernetes kinds
// from the Go types of k8s.io/api by reflection (the json field names, for
// lists the patchMergeKey that identifies their items, and for scalars the
// type of value they take) and writes it as Go data for package kube
// (pkg/kube/schema_gen.go), so that safediff neither links k8s.io/api nor
// reflects over it at start-up. `go generate ./pkg/kube` writes the file; a
// test of package kube checks that it is current.
package kubeschema

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// kinds lists the kinds whose schema is built in, preferred version first.
var kinds = []struct {
	group, version, kind string
	obj                  any
}{
	{"", "v1", "Pod", corev1.Pod{}},
	{"", "v1", "Service", corev1.Service{}},
	{"", "v1", "ConfigMap", corev1.ConfigMap{}},
	{"", "v1", "Secret", corev1.Secret{}},
	{"", "v1", "PersistentVolumeClaim", corev1.PersistentVolumeClaim{}},
	{"", "v1", "PersistentVolume", corev1.PersistentVolume{}},
	{"", "v1", "ServiceAccount", corev1.ServiceAccount{}},
	{"", "v1", "Namespace", corev1.Namespace{}},
	{"", "v1", "ReplicationController", corev1.ReplicationController{}},
	{"", "v1", "Endpoints", corev1.Endpoints{}},
	{"", "v1", "LimitRange", corev1.LimitRange{}},
	{"", "v1", "ResourceQuota", corev1.ResourceQuota{}},
	{"", "v1", "PodTemplate", corev1.PodTemplate{}},
	{"apps", "v1", "Deployment", appsv1.Deployment{}},
	{"apps", "v1", "StatefulSet", appsv1.StatefulSet{}},
	{"apps", "v1", "DaemonSet", appsv1.DaemonSet{}},
	{"apps", "v1", "ReplicaSet", appsv1.ReplicaSet{}},
	{"apps", "v1", "ControllerRevision", appsv1.ControllerRevision{}},
	{"batch", "v1", "Job", batchv1.Job{}},
	{"batch", "v1", "CronJob", batchv1.CronJob{}},
	{"networking.k8s.io", "v1", "Ingress", networkingv1.Ingress{}},
	{"networking.k8s.io", "v1", "IngressClass", networkingv1.IngressClass{}},
	{"networking.k8s.io", "v1", "NetworkPolicy", networkingv1.NetworkPolicy{}},
	{"rbac.authorization.k8s.io", "v1", "Role", rbacv1.Role{}},
	{"rbac.authorization.k8s.io", "v1", "ClusterRole", rbacv1.ClusterRole{}},
	{"rbac.authorization.k8s.io", "v1", "RoleBinding", rbacv1.RoleBinding{}},
	{"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", rbacv1.ClusterRoleBinding{}},
	{"storage.k8s.io", "v1", "StorageClass", storagev1.StorageClass{}},
	{"storage.k8s.io", "v1", "CSIDriver", storagev1.CSIDriver{}},
	{"storage.k8s.io", "v1", "VolumeAttachment", storagev1.VolumeAttachment{}},
	{"policy", "v1", "PodDisruptionBudget", policyv1.PodDisruptionBudget{}},
	{"autoscaling", "v2", "HorizontalPodAutoscaler", autoscalingv2.HorizontalPodAutoscaler{}},
	{"autoscaling", "v1", "HorizontalPodAutoscaler", autoscalingv1.HorizontalPodAutoscaler{}},
	{"scheduling.k8s.io", "v1", "PriorityClass", schedulingv1.PriorityClass{}},
	{"node.k8s.io", "v1", "RuntimeClass", nodev1.RuntimeClass{}},
	{"discovery.k8s.io", "v1", "EndpointSlice", discoveryv1.EndpointSlice{}},
	{"admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", admissionregistrationv1.ValidatingWebhookConfiguration{}},
	{"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", admissionregistrationv1.MutatingWebhookConfiguration{}},
}

// node is one node of the schema; kind, leaf and check are the names of
// package kube's TypeKind, Leaf and Check constants.
type node struct {
	kind     string
	leaf     string
	check    string
	unique   bool // ListType: the items' merge keys must differ
	fields   map[string]*node
	elem     *node
	mergeKey string
	mapKeys  []string // ListType: the keys of an associative list (+listType=map)
	set      bool     // ListType: a set of scalars (+listType=set)
}

// fieldCheck is the check of a field of a Go type of k8s.io/api, named by
// its JSON name.
type fieldCheck struct {
	in    any // a value of the struct type that declares it
	name  string
	check string
}

// checks are the fields the API server validates beyond their type, with
// the kube.Check of each (for a list of scalars, of its items), or
// "UniqueKeys" for a list whose items' merge keys must differ (two
// containers of one name; env may repeat a name). The other
// int32 fields get kube.Int32Check. Enumerations are those of k8s.io/api's
// typed constants; ranges and names those of k8s.io/kubernetes'
// pkg/apis/core/validation (and apps, batch, networking, storage, policy).
var checks = []fieldCheck{
	{corev1.PodSpec{}, "containers", "UniqueKeys"},
	{corev1.PodSpec{}, "initContainers", "UniqueKeys"},
	{corev1.PodSpec{}, "ephemeralContainers", "UniqueKeys"},
	{corev1.PodSpec{}, "volumes", "UniqueKeys"},
	{corev1.Container{}, "volumeMounts", "UniqueKeys"},
	{corev1.Container{}, "name", "DNSLabelCheck"},
	{corev1.EphemeralContainerCommon{}, "name", "DNSLabelCheck"},
	{corev1.Volume{}, "name", "DNSLabelCheck"},
	{corev1.Container{}, "image", "ImageCheck"},
	{corev1.EnvVar{}, "name", "EnvVarNameCheck"},
	{corev1.Container{}, "imagePullPolicy", "PullPolicyCheck"},
	{corev1.EphemeralContainerCommon{}, "imagePullPolicy", "PullPolicyCheck"},
	{corev1.Container{}, "terminationMessagePolicy", "TerminationMessagePolicyCheck"},
	{corev1.EphemeralContainerCommon{}, "terminationMessagePolicy", "TerminationMessagePolicyCheck"},
	{corev1.ContainerPort{}, "containerPort", "PortCheck"},
	{corev1.ContainerPort{}, "hostPort", "PortOrZeroCheck"},
	{corev1.ContainerPort{}, "name", "PortNameCheck"},
	{corev1.ContainerPort{}, "protocol", "ProtocolCheck"},
	{corev1.ServicePort{}, "port", "PortCheck"},
	{corev1.ServicePort{}, "nodePort", "PortOrZeroCheck"},
	{corev1.ServicePort{}, "targetPort", "TargetPortCheck"},
	{corev1.ServicePort{}, "name", "OptionalDNSLabelCheck"},
	{corev1.ServicePort{}, "protocol", "ProtocolCheck"},
	{corev1.ServiceSpec{}, "type", "ServiceTypeCheck"},
	{corev1.ServiceSpec{}, "sessionAffinity", "SessionAffinityCheck"},
	{corev1.ServiceSpec{}, "externalTrafficPolicy", "TrafficPolicyCheck"},
	{corev1.ServiceSpec{}, "internalTrafficPolicy", "TrafficPolicyCheck"},
	{corev1.ServiceSpec{}, "ipFamilyPolicy", "IPFamilyPolicyCheck"},
	{corev1.PodSpec{}, "restartPolicy", "RestartPolicyCheck"},
	{corev1.PodSpec{}, "dnsPolicy", "DNSPolicyCheck"},
	{corev1.SecurityContext{}, "runAsUser", "NonNegativeCheck"},
	{corev1.SecurityContext{}, "runAsGroup", "NonNegativeCheck"},
	{corev1.PodSecurityContext{}, "runAsUser", "NonNegativeCheck"},
	{corev1.PodSecurityContext{}, "runAsGroup", "NonNegativeCheck"},
	{corev1.PodSecurityContext{}, "fsGroup", "NonNegativeCheck"},
	{corev1.PodSecurityContext{}, "supplementalGroups", "NonNegativeCheck"},
	{corev1.VolumeMount{}, "mountPath", "RequiredCheck"},
	{corev1.VolumeMount{}, "name", "RequiredCheck"},
	{corev1.Probe{}, "initialDelaySeconds", "NonNegativeCheck"},
	{corev1.Probe{}, "timeoutSeconds", "NonNegativeCheck"},
	{corev1.Probe{}, "periodSeconds", "NonNegativeCheck"},
	{corev1.Probe{}, "successThreshold", "NonNegativeCheck"},
	{corev1.Probe{}, "failureThreshold", "NonNegativeCheck"},
	{corev1.HTTPGetAction{}, "scheme", "HTTPSchemeCheck"},
	{corev1.HTTPGetAction{}, "port", "ProbePortCheck"},
	{corev1.TCPSocketAction{}, "port", "ProbePortCheck"},
	{corev1.GRPCAction{}, "port", "PortCheck"},
	{corev1.Toleration{}, "operator", "TolerationOperatorCheck"},
	{corev1.Toleration{}, "effect", "TaintEffectCheck"},
	{corev1.NodeSelectorRequirement{}, "operator", "NodeSelectorOperatorCheck"},
	{metav1.LabelSelectorRequirement{}, "operator", "LabelSelectorOperatorCheck"},
	{corev1.TopologySpreadConstraint{}, "whenUnsatisfiable", "UnsatisfiableCheck"},
	{corev1.TopologySpreadConstraint{}, "maxSkew", "PositiveCheck"},
	{corev1.TopologySpreadConstraint{}, "minDomains", "PositiveCheck"},
	{corev1.TopologySpreadConstraint{}, "topologyKey", "RequiredCheck"},
	{autoscalingv2.HorizontalPodAutoscalerSpec{}, "maxReplicas", "RequiredPositiveCheck"},
	{autoscalingv2.HorizontalPodAutoscalerSpec{}, "minReplicas", "PositiveCheck"}, // 0 needs the alpha gate HPAScaleToZero
	{autoscalingv2.CrossVersionObjectReference{}, "kind", "RequiredCheck"},
	{autoscalingv2.CrossVersionObjectReference{}, "name", "RequiredCheck"},
	{autoscalingv2.MetricSpec{}, "type", "MetricSourceTypeCheck"},
	{autoscalingv2.MetricTarget{}, "type", "MetricTargetTypeCheck"},
	{autoscalingv2.MetricTarget{}, "averageUtilization", "PositiveCheck"},
	{autoscalingv1.HorizontalPodAutoscalerSpec{}, "maxReplicas", "RequiredPositiveCheck"},
	{autoscalingv1.HorizontalPodAutoscalerSpec{}, "minReplicas", "PositiveCheck"},
	{autoscalingv1.CrossVersionObjectReference{}, "kind", "RequiredCheck"},
	{autoscalingv1.CrossVersionObjectReference{}, "name", "RequiredCheck"},
	{corev1.PersistentVolumeClaimSpec{}, "accessModes", "AccessModeCheck"},
	{corev1.PersistentVolumeClaimSpec{}, "volumeMode", "VolumeModeCheck"},
	{corev1.PersistentVolumeSpec{}, "accessModes", "AccessModeCheck"},
	{corev1.PersistentVolumeSpec{}, "volumeMode", "VolumeModeCheck"},
	{corev1.PersistentVolumeSpec{}, "persistentVolumeReclaimPolicy", "ReclaimPolicyCheck"},
	{corev1.ReplicationControllerSpec{}, "replicas", "NonNegativeCheck"},
	{corev1.ReplicationControllerSpec{}, "minReadySeconds", "NonNegativeCheck"},
	{appsv1.DeploymentSpec{}, "replicas", "NonNegativeCheck"},
	{appsv1.DeploymentSpec{}, "minReadySeconds", "NonNegativeCheck"},
	{appsv1.DeploymentSpec{}, "revisionHistoryLimit", "NonNegativeCheck"},
	{appsv1.DeploymentSpec{}, "progressDeadlineSeconds", "NonNegativeCheck"},
	{appsv1.DeploymentStrategy{}, "type", "DeploymentStrategyCheck"},
	{appsv1.StatefulSetSpec{}, "replicas", "NonNegativeCheck"},
	{appsv1.StatefulSetSpec{}, "minReadySeconds", "NonNegativeCheck"},
	{appsv1.StatefulSetSpec{}, "revisionHistoryLimit", "NonNegativeCheck"},
	{appsv1.StatefulSetSpec{}, "podManagementPolicy", "PodManagementPolicyCheck"},
	{appsv1.StatefulSetUpdateStrategy{}, "type", "StatefulSetStrategyCheck"},
	{appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}, "whenDeleted", "RetentionPolicyCheck"},
	{appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}, "whenScaled", "RetentionPolicyCheck"},
	{appsv1.DaemonSetSpec{}, "minReadySeconds", "NonNegativeCheck"},
	{appsv1.DaemonSetSpec{}, "revisionHistoryLimit", "NonNegativeCheck"},
	{appsv1.DaemonSetUpdateStrategy{}, "type", "DaemonSetStrategyCheck"},
	{appsv1.ReplicaSetSpec{}, "replicas", "NonNegativeCheck"},
	{appsv1.ReplicaSetSpec{}, "minReadySeconds", "NonNegativeCheck"},
	{batchv1.JobSpec{}, "parallelism", "NonNegativeCheck"},
	{batchv1.JobSpec{}, "completions", "NonNegativeCheck"},
	{batchv1.JobSpec{}, "backoffLimit", "NonNegativeCheck"},
	{batchv1.JobSpec{}, "ttlSecondsAfterFinished", "NonNegativeCheck"},
	{batchv1.JobSpec{}, "completionMode", "CompletionModeCheck"},
	{batchv1.CronJobSpec{}, "concurrencyPolicy", "ConcurrencyPolicyCheck"},
	{batchv1.CronJobSpec{}, "schedule", "CronScheduleCheck"},
	{batchv1.CronJobSpec{}, "timeZone", "TimeZoneCheck"},
	{batchv1.CronJobSpec{}, "successfulJobsHistoryLimit", "NonNegativeCheck"},
	{batchv1.CronJobSpec{}, "failedJobsHistoryLimit", "NonNegativeCheck"},
	{networkingv1.HTTPIngressPath{}, "pathType", "PathTypeCheck"},
	{networkingv1.HTTPIngressPath{}, "path", "IngressPathCheck"},
	{networkingv1.IngressRule{}, "host", "IngressHostCheck"},
	{networkingv1.IngressTLS{}, "hosts", "WildcardHostCheck"},
	{networkingv1.NetworkPolicySpec{}, "policyTypes", "PolicyTypeCheck"},
	{storagev1.StorageClass{}, "reclaimPolicy", "StorageReclaimPolicyCheck"},
	{storagev1.StorageClass{}, "volumeBindingMode", "VolumeBindingModeCheck"},
	{policyv1.PodDisruptionBudgetSpec{}, "unhealthyPodEvictionPolicy", "UnhealthyPodEvictionPolicyCheck"},
	{policyv1.PodDisruptionBudgetSpec{}, "minAvailable", "IntOrPercent100Check"},
	{policyv1.PodDisruptionBudgetSpec{}, "maxUnavailable", "IntOrPercent100Check"},
	{appsv1.RollingUpdateDeployment{}, "maxUnavailable", "IntOrPercent100Check"},
	{appsv1.RollingUpdateDeployment{}, "maxSurge", "IntOrPercentCheck"},
	{appsv1.RollingUpdateDaemonSet{}, "maxUnavailable", "IntOrPercent100Check"},
	{appsv1.RollingUpdateDaemonSet{}, "maxSurge", "IntOrPercent100Check"},
	{appsv1.RollingUpdateStatefulSetStrategy{}, "maxUnavailable", "PositiveIntOrPercent100Check"},
}

var tResourceList = reflect.TypeOf(corev1.ResourceList{})

var (
	tQuantity    = reflect.TypeOf(resource.Quantity{})
	tIntOrString = reflect.TypeOf(intstr.IntOrString{})
	tTime        = reflect.TypeOf(metav1.Time{})
	tMicroTime   = reflect.TypeOf(metav1.MicroTime{})
	tDuration    = reflect.TypeOf(metav1.Duration{})
	tRaw         = reflect.TypeOf(runtime.RawExtension{})
	tMarshaler   = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
)

// builder derives nodes: one node per leaf type and check and for
// free-form content, one per struct type (recursive types included), and
// a node of their own for each map and list.
type builder struct {
	leaves  map[string]*node
	structs map[reflect.Type]*node
	any     *node
	checks  map[reflect.Type]map[string]string // checks by struct type
	used    map[string]bool                    // "Type.field" of the checks applied
	markers map[string]map[string]listMarker   // per package: listMarkers
}

func (b *builder) leaf(name string) *node { return b.checked(name, "") }

// checked is the node of a leaf type with a check, one per pair.
func (b *builder) checked(leaf, check string) *node {
	key := leaf + "/" + check
	if n, ok := b.leaves[key]; ok {
		return n
	}
	n := &node{kind: "ScalarType", leaf: leaf, check: check}
	b.leaves[key] = n
	return n
}

// withCheck returns n with check on its scalar (on its items for a list
// or map of scalars).
func (b *builder) withCheck(n *node, check string) *node {
	if check == "UniqueKeys" && n.kind == "ListType" {
		return &node{kind: n.kind, elem: n.elem, mergeKey: n.mergeKey, unique: true}
	}
	switch n.kind {
	case "ScalarType":
		return b.checked(n.leaf, check)
	case "ListType", "MapType":
		if n.elem != nil && n.elem.kind == "ScalarType" {
			return &node{kind: n.kind, elem: b.checked(n.elem.leaf, check), mergeKey: n.mergeKey}
		}
	}
	panic(fmt.Sprintf("check %s on a %s", check, n.kind))
}

func (b *builder) typeOf(rt reflect.Type) *node {
	for rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	switch rt {
	case tQuantity:
		return b.leaf("QuantityLeaf")
	case tIntOrString:
		return b.leaf("IntOrStringLeaf")
	case tTime, tMicroTime:
		return b.leaf("TimeLeaf")
	case tDuration:
		return b.leaf("DurationLeaf")
	case tRaw:
		return b.any
	}
	switch rt.Kind() {
	case reflect.String:
		return b.leaf("StringLeaf")
	case reflect.Bool:
		return b.leaf("BooleanLeaf")
	case reflect.Int32:
		return b.checked("IntegerLeaf", "Int32Check")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return b.leaf("IntegerLeaf")
	case reflect.Float32, reflect.Float64:
		return b.leaf("NumberLeaf")
	case reflect.Interface:
		return b.any
	case reflect.Map:
		if rt == tResourceList {
			return &node{kind: "MapType", elem: b.checked("QuantityLeaf", "NonNegativeQuantityCheck")}
		}
		return &node{kind: "MapType", elem: b.typeOf(rt.Elem())}
	case reflect.Slice:
		if rt.Elem().Kind() == reflect.Uint8 {
			return b.leaf("BytesLeaf") // []byte is base64 text
		}
		return &node{kind: "ListType", elem: b.typeOf(rt.Elem())}
	case reflect.Struct:
		if n, ok := b.structs[rt]; ok {
			return n
		}
		if rt.Implements(tMarshaler) || reflect.PointerTo(rt).Implements(tMarshaler) {
			return b.any
		}
		n := &node{kind: "StructType", fields: map[string]*node{}}
		b.structs[rt] = n // before recursing, for recursive types
		b.addFields(n, rt)
		return n
	}
	return b.any
}

func (b *builder) addFields(n *node, rt reflect.Type) {
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" && (strings.Contains(opts, "inline") || f.Anonymous) {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				b.addFields(n, ft)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		ft := b.typeOf(f.Type)
		if check, ok := b.checks[rt][name]; ok {
			ft = b.withCheck(ft, check)
			b.used[rt.String()+"."+name] = true
		}
		if ft.kind == "ListType" {
			if key := f.Tag.Get("patchMergeKey"); key != "" {
				ft = &node{kind: "ListType", elem: ft.elem, mergeKey: key, unique: ft.unique}
			}
			m, err := b.markerOf(rt, f.Name)
			if err != nil {
				panic(err) // Source recovers it
			}
			if len(m.keys) > 0 || m.set {
				ft = &node{kind: "ListType", elem: ft.elem, mergeKey: ft.mergeKey, unique: ft.unique, mapKeys: m.keys, set: m.set}
			}
		}
		n.fields[name] = ft
	}
}

// A listMarker is what the source of a package declares of a list field
// beyond its Go type, in markers which reflection does not see: an
// associative list's keys (`+listType=map` and `+listMapKey=`), or a set of
// scalars (`+listType=set`). Server-side apply refuses two items with the
// same keys, or the same value twice in a set.
type listMarker struct {
	keys []string
	set  bool
}

// markerOf returns the list markers of Go field field of struct type rt.
func (b *builder) markerOf(rt reflect.Type, field string) (listMarker, error) {
	pkg := rt.PkgPath()
	fields, ok := b.markers[pkg]
	if !ok {
		var err error
		if fields, err = listMarkers(pkg); err != nil {
			return listMarker{}, err
		}
		b.markers[pkg] = fields
	}
	return fields[rt.Name()+"."+field], nil
}

// listMarkers reads the Go source of package pkg and returns, for each
// field of a struct type ("Type.Field") declared an associative list, its
// keys in the order the markers give them, and for each declared a set,
// that it is.
func listMarkers(pkg string) (map[string]listMarker, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	bp, err := build.Import(pkg, wd, build.FindOnly)
	if err != nil {
		return nil, fmt.Errorf("finding the source of %s: %w", pkg, err)
	}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(bp.Dir)
	if err != nil {
		return nil, err
	}
	out := map[string]listMarker{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fld := range st.Fields.List {
					if fld.Doc == nil || len(fld.Names) != 1 {
						continue
					}
					isMap, isSet := false, false
					var keys []string
					for _, c := range fld.Doc.List {
						text := strings.TrimSpace(strings.TrimPrefix(c.Text, "//"))
						switch {
						case text == "+listType=map":
							isMap = true
						case text == "+listType=set":
							isSet = true
						case strings.HasPrefix(text, "+listMapKey="):
							keys = append(keys, strings.TrimPrefix(text, "+listMapKey="))
						}
					}
					switch {
					case isMap && len(keys) > 0:
						out[ts.Name.Name+"."+fld.Names[0].Name] = listMarker{keys: keys}
					case isSet:
						out[ts.Name.Name+"."+fld.Names[0].Name] = listMarker{set: true}
					}
				}
			}
		}
	}
	return out, nil
}

// Source returns the Go source of pkg/kube/schema_gen.go.
func Source() (src []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	b := &builder{leaves: map[string]*node{}, structs: map[reflect.Type]*node{}, any: &node{kind: "AnyType"},
		checks: map[reflect.Type]map[string]string{}, used: map[string]bool{}, markers: map[string]map[string]listMarker{}}
	for _, f := range checks {
		rt := reflect.TypeOf(f.in)
		if b.checks[rt] == nil {
			b.checks[rt] = map[string]string{}
		}
		b.checks[rt][f.name] = f.check
	}
	roots := make([]*node, len(kinds))
	for i, k := range kinds {
		roots[i] = b.typeOf(reflect.TypeOf(k.obj))
	}
	for _, f := range checks {
		if !b.used[reflect.TypeOf(f.in).String()+"."+f.name] {
			return nil, fmt.Errorf("check of %T.%s: no such field in the built-in kinds", f.in, f.name)
		}
	}
	// number the nodes in the order a walk from the kinds meets them
	index := map[*node]int{}
	var order []*node
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		if _, ok := index[n]; ok {
			return
		}
		index[n] = len(order)
		order = append(order, n)
		for _, name := range sortedNames(n) {
			walk(n.fields[name])
		}
		walk(n.elem)
	}
	for _, r := range roots {
		walk(r)
	}
	var s strings.Builder
	s.WriteString("// Code generated by internal/kubeschema from k8s.io/api; DO NOT EDIT.\n\n")
	s.WriteString("package kube\n\n")
	s.WriteString("// builtin lists the kinds whose schema is known, preferred version\n// first, with the index of their root in schemaNodes.\n")
	s.WriteString("var builtin = []builtinKind{\n")
	for i, k := range kinds {
		fmt.Fprintf(&s, "{%s, %s, %s, %d},\n", strconv.Quote(k.group), strconv.Quote(k.version), strconv.Quote(k.kind), index[roots[i]])
	}
	s.WriteString("}\n\n")
	removed, err := removedAPIs()
	if err != nil {
		return nil, err
	}
	s.WriteString("// removedAPIs are the kinds of versions of the built-in API groups that\n// Kubernetes no longer serves, and the release that stopped serving each.\n")
	s.WriteString("var removedAPIs = []removedAPI{\n")
	for _, r := range removed {
		fmt.Fprintf(&s, "{%s, %s, %s, \"%d.%d\"},\n", strconv.Quote(r.group), strconv.Quote(r.version), strconv.Quote(r.kind), r.major, r.minor)
	}
	s.WriteString("}\n\n")
	defined, err := definedAPIs()
	if err != nil {
		return nil, err
	}
	s.WriteString("// definedAPIs are the kinds of each version of the built-in API groups,\n// served or removed, sorted.\n")
	s.WriteString("var definedAPIs = []apiKey{\n")
	for _, d := range defined {
		fmt.Fprintf(&s, "{%s, %s, %s},\n", strconv.Quote(d.group), strconv.Quote(d.version), strconv.Quote(d.kind))
	}
	s.WriteString("}\n\n")
	s.WriteString("// schemaNodes are the nodes of the built-in schemas; fields are sorted\n// by name, and elem is -1 where there is none.\n")
	s.WriteString("var schemaNodes = []schemaNode{\n")
	for i, n := range order {
		fmt.Fprintf(&s, "/* %d */ {kind: %s", i, n.kind)
		if n.leaf != "" {
			fmt.Fprintf(&s, ", leaf: %s", n.leaf)
		}
		if n.check != "" {
			fmt.Fprintf(&s, ", check: %s", n.check)
		}
		elem := -1
		if n.elem != nil {
			elem = index[n.elem]
		}
		fmt.Fprintf(&s, ", elem: %d", elem)
		if n.mergeKey != "" {
			fmt.Fprintf(&s, ", mergeKey: %s", strconv.Quote(n.mergeKey))
		}
		if n.unique {
			s.WriteString(", unique: true")
		}
		if len(n.mapKeys) > 0 {
			s.WriteString(", mapKeys: []string{")
			for j, k := range n.mapKeys {
				if j > 0 {
					s.WriteString(", ")
				}
				s.WriteString(strconv.Quote(k))
			}
			s.WriteString("}")
		}
		if n.set {
			s.WriteString(", set: true")
		}
		if names := sortedNames(n); len(names) > 0 {
			s.WriteString(", fields: []schemaField{")
			for j, name := range names {
				if j > 0 {
					s.WriteString(", ")
				}
				fmt.Fprintf(&s, "{%s, %d}", strconv.Quote(name), index[n.fields[name]])
			}
			s.WriteString("}")
		}
		s.WriteString("},\n")
	}
	s.WriteString("}\n")
	return format.Source([]byte(s.String()))
}

func sortedNames(n *node) []string {
	names := make([]string, 0, len(n.fields))
	for name := range n.fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
