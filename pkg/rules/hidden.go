package rules

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// Where the whole new object is shown, the parser checks the rules between
// fields that the API server holds a change to (a workload's selector must
// select its template's labels, a request must not exceed its limit, two
// containers may not share a name: diffparse.Object.Refused). A partial view hides the other field, which
// is unchanged (every changed line is shown) and was valid before: the
// change breaks the rule in some readings of what is hidden, and is judged
// by the worst of them.

// templateLabels is where a workload's pod template labels stand.
var templateLabels = kube.Path{kube.Field("spec"), kube.Field("template"), kube.Field("metadata"), kube.Field("labels")}

// hiddenProblem returns why helm upgrade may fail for a change at path of
// a partially shown object, or "".
func (sel *Selection) hiddenProblem(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if ch == nil || o.Content != diffparse.Partial || o.Action != diffparse.Update {
		return ""
	}
	if why := sel.hiddenBound(ch, op, path); why != "" {
		return why
	}
	if why := hiddenPort(ch, op, path); why != "" {
		return why
	}
	if why := sel.hiddenVolume(ch, op, path); why != "" {
		return why
	}
	if why := sel.hiddenIngress(ch, op, path); why != "" {
		return why
	}
	if why := sel.hiddenConfigSize(ch, op, path); why != "" {
		return why
	}
	if why := sel.hiddenRollout(ch, op, path); why != "" {
		return why
	}
	if why := sel.hiddenMetric(ch, op, path); why != "" {
		return why
	}
	if why := sel.hiddenRBAC(op, path); why != "" {
		return why
	}
	if want := diffparse.APIApprovalRefusal(o.Ref, path, ch.Old, ch.New); want != "" {
		return fmt.Sprintf("helm upgrade may fail: %s must be %s", path, want)
	}
	if why := sel.hiddenScheduleTZ(ch, op, path); why != "" {
		return why
	}
	if why := sel.hiddenVersion(ch, op, path); why != "" {
		return why
	}
	n := len(path)
	// an item added to a list whose keys must differ (the item, or its
	// key field: a partial view may show an added item's lines as fields)
	for _, list := range []int{n - 1, n - 2} {
		if op != diffparse.Add || list < 0 {
			break
		}
		switch path[list].(type) {
		case kube.Key, kube.Index, kube.AnyItem:
		default:
			continue
		}
		lt := sel.schema.At(path[:list])
		if lt == nil || !lt.Unique || lt.MergeKey == "" || list == n-2 && path[n-1] != kube.Field(lt.MergeKey) {
			continue
		}
		return fmt.Sprintf("helm upgrade may fail: the other items of %s are not all shown, and one of the same %s is refused", path[:list], lt.MergeKey)
	}
	if o.Ref.Group == "apps" && n == len(templateLabels)+1 && slices.Equal(path[:n-1], templateLabels) && (op == diffparse.Modify || op == diffparse.Remove) {
		switch o.Ref.Kind {
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
			return fmt.Sprintf("helm upgrade may fail: the selector is not shown, and if it selects %s the changed pod template no longer matches it, which the API server refuses", path[n-1])
		}
	}
	if n < 5 || path[n-3] != kube.Field("resources") || path[n-5] != kube.Field("containers") && path[n-5] != kube.Field("initContainers") {
		return ""
	}
	switch path[n-4].(type) {
	case kube.Key, kube.Index, kube.AnyItem:
	default:
		return ""
	}
	// up: the new value is above the old one (or new, or not a quantity)
	up, down := true, true
	if op == diffparse.Modify {
		oldQ, err1 := resource.ParseQuantity(ch.Old.Comparable())
		newQ, err2 := resource.ParseQuantity(ch.New.Comparable())
		if err1 == nil && err2 == nil {
			up, down = newQ.Cmp(oldQ) > 0, newQ.Cmp(oldQ) < 0
		}
	} else if op != diffparse.Add {
		return "" // a request or limit removed breaks nothing
	}
	switch path[n-2] {
	case kube.Field("requests"):
		if up {
			return fmt.Sprintf("helm upgrade may fail: the container's limit of %s is not shown, and a request above it is refused", path[n-1])
		}
	case kube.Field("limits"):
		if down {
			return fmt.Sprintf("helm upgrade may fail: the container's request of %s is not shown, and a limit below it is refused", path[n-1])
		}
	}
	return ""
}

// The bounds of a HorizontalPodAutoscaler and the budget of a
// PodDisruptionBudget: the parser holds them together where the whole
// object is shown; they are facts of every object (Set.FactPaths), so a
// partial view compares them where they are shown.
var (
	autoscalerMin  = kube.Path{kube.Field("spec"), kube.Field("minReplicas")}
	autoscalerMax  = kube.Path{kube.Field("spec"), kube.Field("maxReplicas")}
	minAvailable   = kube.Path{kube.Field("spec"), kube.Field("minAvailable")}
	maxUnavailable = kube.Path{kube.Field("spec"), kube.Field("maxUnavailable")}
	// a Deployment's progress deadline (600 s where unset) must exceed
	// its minimum ready time (0 where unset)
	minReadySeconds  = kube.Path{kube.Field("spec"), kube.Field("minReadySeconds")}
	progressDeadline = kube.Path{kube.Field("spec"), kube.Field("progressDeadlineSeconds")}
	boundPaths       = []kube.Path{autoscalerMin, autoscalerMax, minAvailable, maxUnavailable, minReadySeconds, progressDeadline}
)

// hiddenBound returns why helm upgrade may fail (or will) for a change of
// a bound of a partially shown HorizontalPodAutoscaler or budget of a
// PodDisruptionBudget, the other one hidden or shown, or "".
func (sel *Selection) hiddenBound(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if (op != diffparse.Add && op != diffparse.Modify) || ch.New.Kind != diffparse.Scalar || ch.New.Type == diffparse.NullType {
		return ""
	}
	switch {
	case o.Ref.Group == "autoscaling" && o.Ref.Kind == "HorizontalPodAutoscaler":
		isMin, v, ok := boundOf(ch, path, autoscalerMin, autoscalerMax)
		if !ok {
			return ""
		}
		other := autoscalerMax
		if !isMin {
			other = autoscalerMin
		}
		f := o.Fact(diffparse.New, other)
		switch f.Presence {
		case diffparse.Absent:
			return "" // minReplicas defaults to 1, at most any maxReplicas; maxReplicas is required (its own refusal)
		case diffparse.Present:
			w, ok := number(f.Value.Comparable())
			if !ok || f.Value.Redacted {
				return ""
			}
			if isMin && v > w || !isMin && w > v {
				lo, hi := v, w
				if !isMin {
					lo, hi = w, v
				}
				return fmt.Sprintf("helm upgrade will fail: spec.minReplicas (%g) must be at most spec.maxReplicas (%g)", lo, hi)
			}
			return ""
		}
		if isMin {
			if v <= 1 {
				return "" // at most any valid maxReplicas
			}
			return "helm upgrade may fail: spec.maxReplicas is not shown, and a minReplicas above it is refused"
		}
		if old, ok := number(ch.Old.Comparable()); ok && op == diffparse.Modify && v >= old {
			return "" // the hidden minReplicas was at most the old bound
		}
		return "helm upgrade may fail: spec.minReplicas is not shown, and a maxReplicas below it is refused"
	case o.Ref.Group == "policy" && o.Ref.Kind == "PodDisruptionBudget":
		other := maxUnavailable
		switch {
		case path.Equal(maxUnavailable):
			other = minAvailable
		case !path.Equal(minAvailable):
			return ""
		}
		if op == diffparse.Modify && ch.Old.Kind == diffparse.Scalar && ch.Old.Type != diffparse.NullType {
			return "" // set before: the other one was not
		}
		f := o.Fact(diffparse.New, other)
		switch {
		case f.Presence == diffparse.Absent, f.Presence == diffparse.Present && f.Value.Kind == diffparse.Scalar && f.Value.Comparable() == "null":
			return ""
		case f.Presence == diffparse.Present:
			return fmt.Sprintf("helm upgrade will fail: %s must not be set with %s: a PodDisruptionBudget sets one of them", path, other)
		}
		return fmt.Sprintf("helm upgrade may fail: %s is not shown, and a PodDisruptionBudget that sets both it and %s is refused", other, path)
	case o.Ref.Group == "apps" && o.Ref.Kind == "Deployment":
		return hiddenDeadline(o, ch, op, path)
	}
	return ""
}

// boundOf returns, for a change of one field of a pair (a and b) held
// together, whether it is a, and its new value; ok is false for a change
// of another field, or of a value that is not a number (the type check's).
func boundOf(ch *diffparse.Change, path, a, b kube.Path) (isA bool, v float64, ok bool) {
	isA = path.Equal(a)
	if !isA && !path.Equal(b) {
		return false, 0, false
	}
	v, ok = number(ch.New.Comparable())
	return isA, v, ok
}

// hiddenDeadline returns why helm upgrade may fail (or will) for a change
// of a Deployment's minReadySeconds or progressDeadlineSeconds, the other
// one hidden or shown: the deadline must exceed the ready time.
func hiddenDeadline(o *diffparse.Object, ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	isReady, v, ok := boundOf(ch, path, minReadySeconds, progressDeadline)
	if !ok {
		return ""
	}
	other, dflt := progressDeadline, 600.0
	if !isReady {
		other, dflt = minReadySeconds, 0
	}
	ready, deadline := v, dflt
	f := o.Fact(diffparse.New, other)
	switch f.Presence {
	case diffparse.Present:
		w, ok := number(f.Value.Comparable())
		if !ok || f.Value.Redacted {
			return ""
		}
		deadline = w
	case diffparse.Unknown:
		// the hidden value held with the old one: a ready time lowered, or a
		// deadline raised, holds with it still
		if old, ok := number(ch.Old.Comparable()); ok && op == diffparse.Modify && (isReady && v <= old || !isReady && v >= old) {
			return ""
		}
		return fmt.Sprintf("helm upgrade may fail: %s is not shown, and spec.progressDeadlineSeconds must be greater than spec.minReadySeconds", other)
	}
	if !isReady {
		ready, deadline = deadline, v
	}
	if deadline <= ready {
		return fmt.Sprintf("helm upgrade will fail: spec.progressDeadlineSeconds (%g) must be greater than spec.minReadySeconds (%g)", deadline, ready)
	}
	return ""
}

// hiddenPort returns why helm upgrade may fail for a port of a container,
// or a port's name, that a partial view shows set: the container's other
// ports may hold the name (the server holds them unique). Else "".
func hiddenPort(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	n := len(path)
	if n < 4 || (op != diffparse.Add && op != diffparse.Modify) || ch.New.Kind == diffparse.NoValue {
		return ""
	}
	item, list := n-1, n-2
	if path[n-1] == kube.Field("name") {
		item, list = n-2, n-3
	}
	if _, isField := path[item].(kube.Field); isField || list < 2 || path[list] != kube.Field("ports") ||
		path[list-2] != kube.Field("containers") && path[list-2] != kube.Field("initContainers") || !namesPort(ch, item == n-2) {
		return ""
	}
	return "helm upgrade may fail: the container's other ports are not all shown, and two ports of one name are refused"
}

// namesPort reports whether a change gives a container's port a name: a
// name set (isName), or an added port whose lines (all shown: they are
// added) name it. A port renumbered keeps its name, hidden or not.
func namesPort(ch *diffparse.Change, isName bool) bool {
	if isName {
		return ch.New.Kind != diffparse.Scalar || ch.New.Comparable() != ""
	}
	if ch.New.Kind != diffparse.Tree {
		return false
	}
	v, ok := diffparse.DecodeTree(ch.New.Text)
	if !ok {
		return true // cannot tell
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false // not a port: its shape's refusal
	}
	name, _ := m["name"].(string)
	return name != ""
}

// hiddenVolume returns why helm upgrade may fail for a change of a pod's
// volumes in a partial view, or "": a volume removed or renamed may be
// mounted by a container whose lines are hidden, and a source added to a
// volume may join a hidden one (a volume has one source; the parser
// checks both where the whole object is shown).
func (sel *Selection) hiddenVolume(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	n := len(path)
	item := -1
	switch {
	case n >= 2 && path[n-2] == kube.Field("volumes") && op == diffparse.Remove:
		item = n - 1
	case n >= 3 && path[n-3] == kube.Field("volumes") && path[n-1] == kube.Field("name") && op == diffparse.Modify:
		item = n - 2
	case n >= 3 && path[n-3] == kube.Field("volumes") && path[n-1] != kube.Field("name") && op == diffparse.Add:
		f, ok := path[n-1].(kube.Field)
		if vt := sel.schema.At(path[:n-1]); !ok || vt == nil || vt.Field(string(f)) == nil {
			return ""
		}
		// a source replacing another that the view shows removed (from the
		// same volume: an object has one pod spec; the removal's path may
		// start above an elision)
		for i := range sel.obj.Changes {
			c := &sel.obj.Changes[i]
			if m := len(c.Path); c.Op == diffparse.Remove && m >= 3 && c.Path[m-3] == kube.Field("volumes") && c.Path[m-2] == path[n-2] && c.Path[m-1] != kube.Field("name") {
				return ""
			}
		}
		return "helm upgrade may fail: the volume's other fields are not all shown, and a volume of two sources is refused"
	default:
		return ""
	}
	switch path[item].(type) {
	case kube.Key, kube.Index, kube.AnyItem:
	default:
		return ""
	}
	return "helm upgrade may fail: the containers' volume mounts are not all shown, and a mount of a volume the pod no longer has is refused"
}

// metricField is the pattern of the fields below an autoscaler's metric.
var metricField = kube.MustParsePattern("spec.metrics[*].**")

// hiddenMetric returns why helm upgrade may fail for a change inside an
// autoscaler's metric in a partial view, or "": the API server holds a
// metric's type to its one source (type Pods, field pods) and its target's
// type to its one value (Utilization, averageUtilization); a type changed,
// or a source or value added or removed, breaks that in the readings where
// the rest of the metric is as it was (the parser checks them where the
// whole object is shown); so does a metric's item changed where the
// view shows one line of it (--context 0). A value changed (a utilization
// raised, another resource) is left alone.
func (sel *Selection) hiddenMetric(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if o.Ref.Group != "autoscaling" || o.Ref.Kind != "HorizontalPodAutoscaler" || len(path) < 3 || metricField.Match(path) == kube.No {
		return ""
	}
	if len(path) == 3 && op != diffparse.Modify {
		return "" // a metric added or removed whole: all its lines are shown
	}
	if op == diffparse.Modify && len(path) > 3 && path[len(path)-1] != kube.Field("type") {
		return ""
	}
	if op != diffparse.Add && op != diffparse.Remove && op != diffparse.Modify {
		return ""
	}
	return "helm upgrade may fail: a metric's type must match its one source, and its target's type its one value; the diff does not show the whole metric"
}

// ruleURLs is the pattern of an RBAC rule's nonResourceURLs field.
var ruleURLs = kube.MustParsePattern("rules[*].nonResourceURLs")

// hiddenRBAC returns why helm upgrade may fail for nonResourceURLs added
// to an RBAC rule in a partial view, or "": a rule that names them may not
// name resources, API groups or resource names (the parser checks the
// rule where the whole object is shown).
func (sel *Selection) hiddenRBAC(op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if o.Ref.Group != "rbac.authorization.k8s.io" || o.Ref.Kind != "ClusterRole" && o.Ref.Kind != "Role" || op != diffparse.Add || ruleURLs.Match(path) == kube.No {
		return ""
	}
	return "helm upgrade may fail: a rule that names nonResourceURLs may not name resources, API groups or resource names, and the diff does not show the whole rule"
}

// ingressPath and ingressPathItem are the patterns of an Ingress path's
// fields and of the path item.
var (
	ingressPath     = kube.MustParsePattern("spec.rules[*].http.paths[*].*")
	ingressPathItem = kube.MustParsePattern("spec.rules[*].http.paths[*]")
)

// ingressPort is the pattern of the port of an Ingress path's backend
// service (the default backend's is the same below spec).
var (
	ingressPort        = kube.MustParsePattern("spec.rules[*].http.paths[*].backend.service.port.*")
	ingressDefaultPort = kube.MustParsePattern("spec.defaultBackend.service.port.*")
)

// hiddenIngress returns why helm upgrade may fail for a change of an
// Ingress path in a partial view, or "": the API server holds a path to
// its type (Exact and Prefix refuse "//", "/./", "/../", an encoded slash
// and a relative path), requires the type, and takes a backend's port by
// a name or a number, not both (the parser checks them where the whole
// object is shown).
func (sel *Selection) hiddenIngress(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if o.Ref.Group != "networking.k8s.io" || o.Ref.Kind != "Ingress" || len(path) == 0 {
		return ""
	}
	last := path[len(path)-1]
	newText := ""
	if ch.New.Kind == diffparse.Scalar && !ch.New.Redacted {
		newText = ch.New.Comparable()
	}
	switch {
	case ingressPathItem.Match(path) == kube.Yes && (op == diffparse.Add || op == diffparse.Modify) && ch.New.Kind == diffparse.Tree:
		// an item whose first line changed: the lines the view shows of it
		v, ok := diffparse.DecodeTree(ch.New.Text)
		m, isMap := v.(map[string]any)
		if !ok || !isMap {
			return ""
		}
		p, _ := m["path"].(string)
		if pt, ok := m["pathType"].(string); ok {
			if why := diffparse.IngressPathRefusal(pt, p); why != "" {
				return "helm upgrade will fail: the path must be " + why
			}
		} else if why := diffparse.IngressPathRefusal("Prefix", p); why != "" && m["path"] != nil {
			return "helm upgrade may fail: the path's type is not shown, and a path of type Exact or Prefix must be " + why
		}
	case ingressPath.Match(path) == kube.Yes && last == kube.Field("path"):
		if (op == diffparse.Add || op == diffparse.Modify) && diffparse.IngressPathRefusal("Prefix", newText) != "" {
			return "helm upgrade may fail: the path's type is not shown, and a path of type Exact or Prefix must be " + diffparse.IngressPathRefusal("Prefix", newText)
		}
	case ingressPath.Match(path) == kube.Yes && last == kube.Field("pathType"):
		switch op {
		case diffparse.Remove:
			return "helm upgrade may fail: an Ingress path's pathType is required"
		case diffparse.Modify:
			oldText := ""
			if ch.Old.Kind == diffparse.Scalar {
				oldText = ch.Old.Comparable()
			}
			if diffparse.IngressPathRefusal(newText, "//") != "" && diffparse.IngressPathRefusal(oldText, "//") == "" {
				return "helm upgrade may fail: the path is not shown, and a path of type " + newText + ` must hold no "//", "/./", "/../" or encoded slash`
			}
		}
	case (ingressPort.Match(path) == kube.Yes || ingressDefaultPort.Match(path) == kube.Yes) && (last == kube.Field("name") || last == kube.Field("number")):
		other := kube.Field("number")
		if last == kube.Field("number") {
			other = kube.Field("name")
		}
		set := newText != "" && newText != "0" && newText != "null"
		// a port named or numbered beside the other that the view does
		// not show removed; or neither left, the other not shown added
		otherOp := diffparse.Remove
		if !set {
			otherOp = diffparse.Add
		}
		if op == diffparse.Remove || op == diffparse.Modify || op == diffparse.Add {
			for i := range o.Changes {
				c := &o.Changes[i]
				if sameSibling(c.Path, path, other) && (c.Op == otherOp || otherOp == diffparse.Add && c.Op == diffparse.Modify) {
					return ""
				}
			}
			if set && op == diffparse.Modify {
				return "" // renamed or renumbered: the other was not set before
			}
			if set {
				return fmt.Sprintf("helm upgrade may fail: the backend's port %s is not shown removed, and a port sets a name or a number, not both", other)
			}
			return fmt.Sprintf("helm upgrade may fail: the backend's port %s is not shown set, and a port sets a name or a number", other)
		}
	}
	return ""
}

// hiddenConfigSize returns why helm upgrade fails for a value of a
// partially shown ConfigMap that alone holds more than the ConfigMap may
// (the parser adds up every value where the whole object is shown), or "".
func (sel *Selection) hiddenConfigSize(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if o.Ref.Group != "" || o.Ref.Kind != "ConfigMap" || len(path) == 0 || len(path) > 2 || op != diffparse.Add && op != diffparse.Modify || ch.New.Redacted {
		return ""
	}
	binary := path[0] == kube.Field("binaryData")
	if !binary && path[0] != kube.Field("data") {
		return ""
	}
	sizeOf := func(v string) int {
		if !binary {
			return len(v)
		}
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return 0 // the type check's
		}
		return len(b)
	}
	size := 0
	switch {
	case len(path) == 2 && ch.New.Kind == diffparse.Scalar:
		size = sizeOf(ch.New.Comparable())
	case len(path) == 1 && ch.New.Kind == diffparse.Tree:
		// the map added or replaced whole: each of its lines is shown
		v, _ := diffparse.DecodeTree(ch.New.Text)
		m, _ := v.(map[string]any)
		for _, e := range m {
			if s, ok := e.(string); ok {
				size += sizeOf(s)
			}
		}
	}
	if size > diffparse.MaxConfigSize {
		return fmt.Sprintf("helm upgrade will fail: %s alone holds %d bytes, and a ConfigMap's data and binaryData hold at most %d together (1 MiB)", path, size, diffparse.MaxConfigSize)
	}
	if binary && op == diffparse.Add {
		// a binary key, rare beside data, may repeat a hidden data key
		return "helm upgrade may fail: the ConfigMap's data keys are not all shown, and a key in both data and binaryData is refused"
	}
	return ""
}

// sameSibling reports whether p is the path of the field other beside the
// last step of path: the steps both show agree (a path cut by an elision
// shows fewer; an unidentified item agrees with any).
func sameSibling(p, path kube.Path, other kube.Step) bool {
	if len(p) == 0 || p[len(p)-1] != other {
		return false
	}
	for i, j := len(p)-2, len(path)-2; i >= 0 && j >= 0; i, j = i-1, j-1 {
		a, b := p[i], path[j]
		if _, ok := a.(kube.Gap); ok {
			return true
		}
		_, anyA := a.(kube.AnyItem)
		_, anyB := b.(kube.AnyItem)
		if a != b && !anyA && !anyB {
			return false
		}
	}
	return true
}

// The update strategies of the workloads, and the fields of them that a
// partial view compares with a changed one: facts of every object
// (Set.FactPaths).
var (
	deploymentStrategy = kube.Path{kube.Field("spec"), kube.Field("strategy")}
	updateStrategy     = kube.Path{kube.Field("spec"), kube.Field("updateStrategy")}
	deploymentPaths    = strategyPathsOf(deploymentStrategy)
	updatePaths        = strategyPathsOf(updateStrategy)
	rolloutPaths       = []kube.Path{
		deploymentPaths.typ, deploymentPaths.ru, deploymentPaths.unavailable, deploymentPaths.surge,
		updatePaths.typ, updatePaths.ru, updatePaths.unavailable, updatePaths.surge,
	}
)

// strategyPaths are the paths of an update strategy's fields, built once
// (a review looks them up for every change of a workload).
type strategyPaths struct {
	at, typ, ru, unavailable, surge kube.Path
}

func strategyPathsOf(at kube.Path) strategyPaths {
	ru := below(at, kube.Field("rollingUpdate"))
	return strategyPaths{at: at, typ: below(at, kube.Field("type")), ru: ru,
		unavailable: below(ru, kube.Field("maxUnavailable")), surge: below(ru, kube.Field("maxSurge"))}
}

// hiddenRollout returns why helm upgrade may fail (or will) for a change
// of a workload's update strategy in a partial view, or "": the parser
// holds the strategy together where the whole object is shown
// (maxUnavailable and maxSurge not both 0, a DaemonSet's not both above 0,
// no rollingUpdate beside Recreate or OnDelete, none kept on the live
// StatefulSet); here the other fields are compared where the view shows
// them and count as their worst values where it does not.
func (sel *Selection) hiddenRollout(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if o.Ref.Group != "apps" {
		return ""
	}
	sp, unavailable, surge := &updatePaths, 1, 0
	switch o.Ref.Kind {
	case "Deployment":
		sp, unavailable, surge = &deploymentPaths, 25, 25
	case "DaemonSet", "StatefulSet":
	default:
		return ""
	}
	at, ru := sp.at, sp.ru
	if len(path) <= len(at) || !path[:len(at)].Equal(at) {
		if path.Equal(at) && ch.New.Kind == diffparse.Tree && (op == diffparse.Add || op == diffparse.Modify) {
			return sel.strategyTree(ch, sp)
		}
		return ""
	}
	rest := path[len(at):]
	newText := ""
	if ch.New.Kind == diffparse.Scalar && !ch.New.Redacted {
		newText = ch.New.Comparable()
	}
	switch {
	case len(rest) == 1 && rest[0] == kube.Field("type") && (op == diffparse.Add || op == diffparse.Modify):
		return sel.typeBeside(sp, newText, o.Fact(diffparse.New, ru), o.Fact(diffparse.Old, ru), op == diffparse.Add || ch.Old.Comparable() != "OnDelete")
	case len(rest) == 2 && rest[0] == kube.Field("rollingUpdate") && o.Ref.Kind != "StatefulSet":
		other := sp.surge
		switch rest[1] {
		case kube.Field("maxUnavailable"):
		case kube.Field("maxSurge"):
			other = sp.unavailable
			unavailable, surge = surge, unavailable // mine first
		default:
			return ""
		}
		if t := o.Fact(diffparse.New, sp.typ); t.Presence == diffparse.Present && !t.Value.Redacted && t.Value.Comparable() != "RollingUpdate" && t.Value.Comparable() != "null" {
			return "" // Recreate or OnDelete: the rolling update's fields are not read
		}
		v := unavailable
		if op != diffparse.Remove {
			n, ok := intOrPercent(newText)
			if !ok {
				return "" // the type check's
			}
			v = n
		}
		f := o.Fact(diffparse.New, other)
		w, known := surge, f.Presence != diffparse.Unknown
		if f.Presence == diffparse.Present {
			n, ok := intOrPercent(f.Value.Comparable())
			w, known = n, ok && !f.Value.Redacted
		}
		shown := fmt.Sprintf("%s is %d", other, w)
		if !known {
			shown = fmt.Sprintf("%s is not shown", other)
		}
		switch {
		case v == 0 && (!known || w == 0):
			return fmt.Sprintf("helm upgrade %s: %s (%s), and maxUnavailable and maxSurge both 0 are refused", mayOrWill(known), path, shown)
		case o.Ref.Kind == "DaemonSet" && v != 0 && (!known || w != 0):
			return fmt.Sprintf("helm upgrade %s: %s (%s), and a DaemonSet's maxUnavailable and maxSurge both above 0 are refused", mayOrWill(known), path, shown)
		}
	}
	return ""
}

// strategyTree judges an update strategy added or replaced whole, each of
// its lines shown.
func (sel *Selection) strategyTree(ch *diffparse.Change, sp *strategyPaths) string {
	v, ok := diffparse.DecodeTree(ch.New.Text)
	m, isMap := v.(map[string]any)
	if !ok || !isMap {
		return ""
	}
	typ, _ := m["type"].(string)
	ru, has := m["rollingUpdate"]
	mine := diffparse.Fact{Presence: diffparse.Absent}
	if has {
		mine = diffparse.Fact{Presence: diffparse.Present, Value: diffparse.Value{Kind: diffparse.Tree, Text: "{}"}}
		if ru == nil {
			mine.Value = diffparse.Value{Kind: diffparse.Scalar, Text: "null", Type: diffparse.NullType}
		}
	}
	old := sel.obj.Fact(diffparse.Old, sp.ru)
	if ch.Old.Kind == diffparse.NoValue {
		old = diffparse.Fact{Presence: diffparse.Absent} // no strategy before: the server defaulted it
	}
	return sel.typeBeside(sp, typ, mine, old, true)
}

// typeBeside judges an update strategy's type set to typ, beside the new
// side's rollingUpdate (mine) and the old side's (old): Recreate and
// OnDelete refuse one beside them, and a StatefulSet's live object keeps
// the one the server defaulted where the old type was RollingUpdate
// (wasRolling) and its manifest set none.
func (sel *Selection) typeBeside(sp *strategyPaths, typ string, mine, old diffparse.Fact, wasRolling bool) string {
	kind := sel.obj.Ref.Kind
	if !(kind == "Deployment" && typ == "Recreate" || kind == "StatefulSet" && typ == "OnDelete") {
		return ""
	}
	ru := sp.ru
	null := mine.Presence == diffparse.Present && mine.Value.Kind == diffparse.Scalar && mine.Value.Comparable() == "null"
	switch {
	case null:
		return ""
	case mine.Presence == diffparse.Present:
		return fmt.Sprintf("helm upgrade will fail: %s must not be set when the type is %s", ru, typ)
	case mine.Presence == diffparse.Unknown:
		return fmt.Sprintf("helm upgrade may fail: %s is not shown, and it is refused beside type %s", ru, typ)
	case kind == "StatefulSet" && wasRolling && old.Presence != diffparse.Present:
		return fmt.Sprintf("helm upgrade %s: %s, which the API server set while the type was RollingUpdate, stays on the live StatefulSet unless the last manifest set it (helm's patch removes only what that manifest set), and type OnDelete refuses it: set rollingUpdate: null beside it", mayOrWill(old.Presence == diffparse.Absent), ru)
	}
	return ""
}

// mayOrWill says "will fail" for what the view shows, "may fail" for a
// reading of what it hides.
func mayOrWill(known bool) string {
	if known {
		return "will fail"
	}
	return "may fail"
}

// intOrPercent reads an int-or-percent value as the API server's
// validation does: a percentage's number, an integer; ok is false for
// anything else.
func intOrPercent(s string) (int, bool) {
	if n, ok := kube.Percent(s); ok {
		return n, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// below returns the path of a field below p.
func below(p kube.Path, steps ...kube.Step) kube.Path {
	return append(slices.Clone(p), steps...)
}

// keySharedProblem says what an item removed from a list whose old side
// repeats its merge key does where the new side keeps an item of that key
// (diffparse.Change.KeyShared): helm 3's three-way patch deletes list
// items by their key, so the live object loses every item of it, the one
// the chart keeps included. Found on cilium's chart: a volume named as
// the chart's own, put in and taken out again through extraVolumes, took
// the chart's volume with it, and the API server refused the DaemonSet
// ("volumeMounts[0].name: Not found"); an env var so taken out left the
// agents without it.
func (sel *Selection) keySharedProblem(ch *diffparse.Change) string {
	if ch == nil || !ch.KeyShared {
		return ""
	}
	if sel.obj.Content == diffparse.Partial {
		return "helm 3's patch deletes list items by their merge key, and lines out of view may repeat this item's key in the last manifest: every item of that key goes, the one the chart keeps too (a volume a container mounts: the server refuses the pod template; an env var: it is gone)"
	}
	return "helm 3's patch deletes list items by their merge key, and the last manifest repeats a key of this list that the chart keeps fewer items of: every item of that key goes, the one the chart keeps too (a volume a container mounts: the server refuses the pod template; an env var: it is gone)"
}

// applyProblem returns why helm upgrade may fail for a change of an
// update strategy's type whatever the view shows, by how helm applies it,
// or "": helm 3 patches the live object with a three-way merge, which
// drops a Deployment's rollingUpdate on a switch to Recreate (retainKeys)
// and a StatefulSet's on rollingUpdate: null; helm 4 applies the releases
// it installs server-side, and the live object then keeps the
// rollingUpdate the API server defaulted, null or not, which Recreate and
// OnDelete refuse (each held to the API server with both helms). The
// parser says where every helm fails (a rollingUpdate set beside, or a
// StatefulSet's kept with none set to null).
func (sel *Selection) applyProblem(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if ch == nil || o.Action != diffparse.Update || o.Ref.Group != "apps" || op != diffparse.Add && op != diffparse.Modify {
		return ""
	}
	sp, want := &deploymentPaths, "Recreate"
	switch o.Ref.Kind {
	case "Deployment":
	case "StatefulSet":
		sp, want = &updatePaths, "OnDelete"
	default:
		return ""
	}
	at, ru := sp.at, sp.ru
	var typ string
	var mine diffparse.Fact
	switch {
	case path.Equal(sp.typ) && ch.New.Kind == diffparse.Scalar:
		typ, mine = ch.New.Comparable(), o.Fact(diffparse.New, ru)
	case path.Equal(at) && ch.New.Kind == diffparse.Tree:
		v, _ := diffparse.DecodeTree(ch.New.Text)
		m, _ := v.(map[string]any)
		typ, _ = m["type"].(string)
		mine = diffparse.Fact{Presence: diffparse.Absent}
		if r, has := m["rollingUpdate"]; has && r == nil {
			mine = diffparse.Fact{Presence: diffparse.Present, Value: diffparse.Value{Kind: diffparse.Scalar, Text: "null", Type: diffparse.NullType}}
		} else if has {
			return "" // set beside: the parser's refusal
		}
	default:
		return ""
	}
	if typ != want || o.Fact(diffparse.Old, ru).Presence == diffparse.Present {
		return "" // another type; or a rollingUpdate the last manifest set, which either way of applying removes
	}
	null := mine.Presence == diffparse.Present && mine.Value.Kind == diffparse.Scalar && mine.Value.Comparable() == "null"
	switch {
	case o.Ref.Kind == "Deployment" && (mine.Presence == diffparse.Absent || null), o.Ref.Kind == "StatefulSet" && null:
		return fmt.Sprintf("helm upgrade may fail: applied server-side (as helm 4 applies the releases it installs), the live object keeps the %s the API server defaulted while the type was RollingUpdate, and type %s refuses it (%s: null does not remove it there); helm 3's patch removes it", ru, want, ru)
	}
	return ""
}

// cronSchedule and cronTimeZone are where a CronJob holds its schedule and
// its time zone; the time zone is a fact of every review (FactPaths).
var (
	cronSchedule = kube.Path{kube.Field("spec"), kube.Field("schedule")}
	cronTimeZone = kube.Path{kube.Field("spec"), kube.Field("timeZone")}
)

// hiddenScheduleTZ: a CronJob's schedule that keeps TZ or CRON_TZ (the API
// server takes it where the old schedule had it) is refused beside a
// timeZone (validateScheduleFormat), which the view may not show. (One
// that puts it in anew is refused alone: diffparse.ScheduleTZRefusal.)
func (sel *Selection) hiddenScheduleTZ(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if o.Ref.Group != "batch" || o.Ref.Kind != "CronJob" || op != diffparse.Modify || !path.Equal(cronSchedule) ||
		ch.New.Kind != diffparse.Scalar || !strings.Contains(ch.New.Text, "TZ") || !strings.Contains(ch.Old.Text, "TZ") {
		return ""
	}
	switch f := o.Fact(diffparse.New, cronTimeZone); {
	case f.Presence == diffparse.Unknown:
		return "helm upgrade may fail: spec.timeZone is not shown, and beside it TZ or CRON_TZ in spec.schedule is refused"
	case f.Presence == diffparse.Present && !(f.Value.Kind == diffparse.Scalar && f.Value.Type == diffparse.NullType):
		return "helm upgrade will fail: spec.schedule must not hold TZ or CRON_TZ beside spec.timeZone"
	}
	return ""
}

// hiddenVersion: an update that changes an object's apiVersion is read,
// all of it, under the new version's schema. Applied server-side (helm 4),
// a field the new version does not declare is refused; the view does not
// show the unchanged fields, which may be the old version's
// (autoscaling/v1's targetCPUUtilizationPercentage under v2). Where both
// versions are known and the new declares all the old does, nothing can be.
func (sel *Selection) hiddenVersion(ch *diffparse.Change, op diffparse.Op, path kube.Path) string {
	o := sel.obj
	if op != diffparse.Modify || !path.Equal(apiVersionPath) || ch.Old.Kind != diffparse.Scalar || ch.New.Kind != diffparse.Scalar {
		return ""
	}
	og, ov := kube.SplitAPIVersion(ch.Old.Text)
	ng, nv := kube.SplitAPIVersion(ch.New.Text)
	if og != ng || !kube.KnownVersion(og, ov, o.Ref.Kind) || !kube.KnownVersion(ng, nv, o.Ref.Kind) {
		return "" // another group is another object; an unknown version, no schema to read
	}
	if kube.Declares(kube.SchemaFor(ng, nv, o.Ref.Kind), kube.SchemaFor(og, ov, o.Ref.Kind)) {
		return ""
	}
	return fmt.Sprintf("helm upgrade may fail: the fields the view does not show are read under %s, which does not declare every field of %s; applied server-side (as helm 4 applies the releases it installs), one it does not declare is refused", ch.New.Text, ch.Old.Text)
}

var apiVersionPath = kube.Path{kube.Field("apiVersion")}
