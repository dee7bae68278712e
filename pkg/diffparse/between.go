package diffparse

import (
	"encoding/base64"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/safediff/safediff/pkg/kube"
)

// Rules between fields of one object that the API server checks, read
// where the whole new object is (a partial view: rules.Selection):
//
// A workload's selector must select the pods of its own template: the API
// server refuses a Deployment, StatefulSet, DaemonSet or ReplicaSet whose
// spec.selector.matchLabels names a label its template does not carry with
// that value ("selector does not match template labels"). A chart that
// changes a template label its selector uses fails helm upgrade there.
//
// A container's request of a resource must not exceed its limit of it,
// and no init container is named as a container. A seccomp or AppArmor
// profile of type Localhost names its file, and only such a one does. A pod template's
// restartPolicy is what its kind takes.
//
// A Service's ports are each named when there are several, by different
// names, and do not repeat a port number and protocol; a container's
// ports do not repeat a name; a container mounts only the volumes of its
// pod, each of one source. A HorizontalPodAutoscaler's minReplicas is
// at most its maxReplicas, and a PodDisruptionBudget sets minAvailable or
// maxUnavailable, not both. An Ingress path has a type, and a path its
// type takes; its backend is one service, by a port's name or number, or
// one resource. A ConfigMap holds a key in data or binaryData, not both,
// and at most 1 MiB in the two.

// selectorPath and templateLabels are where the two stand.
var (
	selectorPath     = kube.Path{kube.Field("spec"), kube.Field("selector"), kube.Field("matchLabels")}
	selectorExprPath = kube.Path{kube.Field("spec"), kube.Field("selector"), kube.Field("matchExpressions")}
	templateLabels   = kube.Path{kube.Field("spec"), kube.Field("template"), kube.Field("metadata"), kube.Field("labels")}
)

// selectorRefusal returns a note when the complete new side t of an object
// of ref is a workload whose selector's matchLabels do not select its
// template's labels.
func (t *sideTree) selectorRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "apps" {
		return Note{}, false
	}
	switch ref.Kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
	default:
		return Note{}, false
	}
	sel, hasLabels := t.lookup(selectorPath)
	exprs, hasExprs := t.lookup(selectorExprPath)
	if !hasLabels && !hasExprs || hasLabels && t.vkindOf(sel) != vMap || hasExprs && t.vkindOf(exprs) != vSeq {
		return Note{}, false // no selector: its own refusal; a wrong shape: the type check's
	}
	labels, ok := t.lookup(templateLabels)
	if ok && t.vkindOf(labels) != vMap {
		return Note{}, false
	}
	// refused says that the selector wants what the template's labels
	// do not have (label key has got, on its line, or not), at the line of
	// that label, else of the selector's node n
	refused := func(wants, key, got string, has bool, line int, n int32) Note {
		what := fmt.Sprintf("has no %s", key)
		if has {
			what = fmt.Sprintf("has %s: %s", key, got)
		} else {
			line = t.lineOf(n)
		}
		return Note{Pos: Pos{Line: line}, Text: wants + " but spec.template.metadata.labels " + what + " (a selector must select its own pods)"}
	}
	// label returns the template's label key, and its line
	label := func(key string) (value string, has bool, line int) {
		if ok {
			if l := t.child(labels, key); l >= 0 && t.vkindOf(l) == vScalar {
				return t.scalarOf(l).canon, true, t.lineOf(l)
			}
		}
		return "", false, 0
	}
	for ch := int32(-1); hasLabels; {
		if ch = t.nextChild(sel, ch); ch < 0 {
			break
		}
		if c := &t.nodes[ch]; c.kind == kDetached || c.kind == kUnknown || t.vkindOf(ch) != vScalar {
			continue
		}
		key, want := t.keyOf(ch), t.scalarOf(ch).canon
		if got, has, line := label(key); !has || got != want {
			return refused(fmt.Sprintf("spec.selector.matchLabels selects %s: %s", key, want), key, got, has, line, ch), true
		}
	}
	// matchExpressions too: the API server matches the template's labels
	// with the whole selector (metav1.LabelSelectorAsSelector)
	for it := int32(-1); hasExprs; {
		if it = t.nextChild(exprs, it); it < 0 {
			break
		}
		if t.vkindOf(it) != vMap {
			continue
		}
		k, op := t.child(it, "key"), t.child(it, "operator")
		if k < 0 || op < 0 || t.vkindOf(k) != vScalar || t.vkindOf(op) != vScalar {
			continue // an invalid expression: the server's own refusal
		}
		key, oper := t.scalarOf(k).canon, t.scalarOf(op).canon
		var values []string
		if v := t.child(it, "values"); v >= 0 && t.vkindOf(v) == vSeq {
			for x := t.nextChild(v, -1); x >= 0; x = t.nextChild(v, x) {
				if t.vkindOf(x) == vScalar {
					values = append(values, t.scalarOf(x).canon)
				}
			}
		}
		got, has, line := label(key)
		var matches bool
		switch oper {
		case "In":
			matches = has && slices.Contains(values, got)
		case "NotIn":
			matches = !has || !slices.Contains(values, got)
		case "Exists":
			matches = has
		case "DoesNotExist":
			matches = !has
		default:
			continue // not an operator: the server's own refusal
		}
		if !matches {
			return refused(fmt.Sprintf("spec.selector.matchExpressions wants %s %s %v", key, oper, values), key, got, has, line, it), true
		}
	}
	return Note{}, false
}

// nextChild returns the child of n after ch (the first for -1), or -1.
func (t *sideTree) nextChild(n, ch int32) int32 {
	if ch < 0 {
		return t.nodes[n].firstChild
	}
	return t.nodes[ch].next
}

// podSpec returns where an object of ref holds its pod spec, and the
// spec's node in t; ok is false for a kind without one, or a side where
// it is not a mapping (a wrong shape is the type check's).
func (t *sideTree) podSpec(ref kube.ObjectRef) (base kube.Path, spec int32, ok bool) {
	base, ok = kube.PodSpecPath(ref.Group, ref.Kind)
	if !ok {
		return nil, -1, false
	}
	spec, ok = t.lookup(base)
	if !ok || t.vkindOf(spec) != vMap {
		return nil, -1, false
	}
	return base, spec, true
}

// podSpecChecks are the rules between the fields of a pod spec (node spec,
// at path base) of a complete new side that each return the first
// refusal they find; objectChecks those of an object of each kind.
var (
	podSpecChecks = []func(t *sideTree, ref kube.ObjectRef, base kube.Path, spec int32) (Note, bool){
		anyKind((*sideTree).containerNameRefusal), anyKind((*sideTree).containerPortRefusal), (*sideTree).volumeRefusal,
		anyKind((*sideTree).handlerRefusal), anyKind((*sideTree).envRefusal), anyKind((*sideTree).dnsRefusal),
		anyKind((*sideTree).tolerationRefusal), anyKind((*sideTree).containersRefusal),
		anyKind((*sideTree).profileRefusal),
	}
	objectChecks = []func(t *sideTree, ref kube.ObjectRef) (Note, bool){
		(*sideTree).servicePortRefusal, (*sideTree).serviceTypeRefusal, (*sideTree).rbacRefusal,
		(*sideTree).metricRefusal, (*sideTree).boundsRefusal, (*sideTree).ingressRefusal,
		(*sideTree).configMapRefusal, (*sideTree).secretRefusal, (*sideTree).claimRefusal,
		(*sideTree).rolloutRefusal,
	}
	// updateChecks are those that compare a complete new side with the
	// old (nil for a created object)
	updateChecks = []func(ref kube.ObjectRef, oldS, newS *sideTree) (Note, bool){
		keptRollingUpdateRefusal, scheduleTZRefusal, apiApprovalRefusal, storedVersionRefusal,
	}
)

// anyKind makes a check of a pod spec that holds for every kind a check
// of podSpecChecks.
func anyKind(f func(*sideTree, kube.Path, int32) (Note, bool)) func(*sideTree, kube.ObjectRef, kube.Path, int32) (Note, bool) {
	return func(t *sideTree, _ kube.ObjectRef, base kube.Path, spec int32) (Note, bool) { return f(t, base, spec) }
}

// requestRefusals appends to out a note for each container of the pod
// spec at node spec (path base) of a complete new side t whose request of a resource
// exceeds its limit of it: the API server refuses the pod template ("must
// be less than or equal to ... limit").
func (t *sideTree) requestRefusals(base kube.Path, spec int32, out []Note) []Note {
	for list, c := range t.containers(spec) {
		if t.vkindOf(c) != vMap {
			continue
		}
		res := t.child(c, "resources")
		if res < 0 || t.vkindOf(res) != vMap {
			continue
		}
		limits, requests := t.child(res, "limits"), t.child(res, "requests")
		if limits < 0 || requests < 0 || t.vkindOf(limits) != vMap || t.vkindOf(requests) != vMap {
			continue
		}
		for r := t.nodes[requests].firstChild; r >= 0; r = t.nodes[r].next {
			if t.vkindOf(r) != vScalar {
				continue
			}
			name := t.keyOf(r)
			lim := t.child(limits, name)
			if lim < 0 || t.vkindOf(lim) != vScalar {
				continue
			}
			req, rq := quantity(t.scalarOf(r))
			max, lq := quantity(t.scalarOf(lim))
			if !rq || !lq || req.Cmp(max) <= 0 {
				continue
			}
			out = append(out, Note{Pos: Pos{Line: t.lineOf(r)}, Text: fmt.Sprintf("%s.%s.resources.requests.%s (%s) must be at most its limit (%s)",
				base, t.containerStep(list, c), name, req.String(), max.String())})
		}
	}
	return out
}

// containers yields the init containers and the containers of the pod
// spec at node spec, each with the list that holds it.
func (t *sideTree) containers(spec int32) iter.Seq2[string, int32] {
	return func(yield func(string, int32) bool) {
		for _, list := range []string{"initContainers", "containers"} {
			l := t.child(spec, list)
			if l < 0 || t.vkindOf(l) != vSeq {
				continue
			}
			for c := t.nodes[l].firstChild; c >= 0; c = t.nodes[c].next {
				if !yield(list, c) {
					return
				}
			}
		}
	}
}

// ContainersRefusal says what the API server wants of a change at p of an
// object of ref that leaves its pod template no container (removed, null,
// or an empty list), in any view: "" for any other change.
func ContainersRefusal(ref kube.ObjectRef, p kube.Path, op Op, v Value) string {
	base, ok := kube.PodSpecPath(ref.Group, ref.Kind)
	if !ok || len(p) != len(base)+1 || p[len(base)] != kube.Field("containers") || !slices.Equal(p[:len(base)], base) {
		return ""
	}
	empty := op == Remove || v.Kind == Scalar && v.Type == NullType || v.Kind == Tree && strings.TrimSpace(v.Text) == "[]"
	if !empty || v.Redacted {
		return ""
	}
	return "a list of at least one container"
}

// containersRefusal returns a note when the pod spec at node spec (path
// base) names no container: its containers null or empty (a chart's
// toYaml of an empty list, a second containers key), or absent from a
// whole document. The API server requires one ("containers: Required
// value"): helm upgrade fails there, the objects before it applied.
func (t *sideTree) containersRefusal(base kube.Path, spec int32) (Note, bool) {
	at := base.String() + ".containers"
	l := t.child(spec, "containers")
	switch {
	case l < 0 && whole(t):
		return Note{Pos: Pos{Line: t.lineOf(spec)}, Text: at + " must name at least one container (the pod spec has none)"}, true
	case l < 0:
		return Note{}, false
	case t.vkindOf(l) == vScalar && t.scalarOf(l).typ == NullType, t.vkindOf(l) == vSeq && t.nodes[l].firstChild < 0:
		return Note{Pos: Pos{Line: t.lineOf(l)}, Text: at + " must name at least one container"}, true
	}
	return Note{}, false
}

// emptiedContainers returns a note when a partial new side t of an
// object of ref shows whole a list of containers that is empty (null, or
// []) where the kind's pod spec holds its containers, or may hold them
// (its path starts at an elision): each container removed one by one, or
// a flow list emptied (whose items the changes name one by one). The API
// server requires one.
func (t *sideTree) emptiedContainers(ref kube.ObjectRef) (Note, bool) {
	base, ok := kube.PodSpecPath(ref.Group, ref.Kind)
	if !ok {
		return Note{}, false
	}
	want := base.Child(kube.Field("containers"))
	for m := int32(1); m < int32(len(t.nodes)); m++ {
		nd := &t.nodes[m]
		if nd.item || int(nd.key.n) != len("containers") || t.str(nd, nd.key) != "containers" {
			continue
		}
		k := t.vkindOf(m)
		empty := k == vScalar && t.scalarOf(m).typ == NullType || k == vSeq && nd.firstChild < 0
		if !empty || !t.complete(m) || !mayBeAt(t.path(m), want) {
			continue
		}
		return Note{Pos: Pos{Line: t.lineOf(m)}, Text: want.String() + " must name at least one container"}, true
	}
	return Note{}, false
}

// mayBeAt reports whether a node of path p (which may start at an
// elision) may stand at the exact path want.
func mayBeAt(p, want kube.Path) bool {
	if !p.Elided() {
		return slices.Equal(p, want)
	}
	rest := p[1:]
	return len(rest) <= len(want) && slices.Equal(rest, want[len(want)-len(rest):])
}

// containerStep names container c of a list in a note: the list and the
// item's name, when it has one.
func (t *sideTree) containerStep(list string, c int32) string {
	if k, ok := t.itemKey(c, "name"); ok {
		return fmt.Sprintf("%s[name=%s]", list, k)
	}
	return list
}

// restartPolicies says what a kind's pod template may set
// spec.restartPolicy to: a workload's pods always restart; a Job's end,
// so it names OnFailure or Never (the pod default, Always, is refused:
// pkg/apis/apps/validation ValidatePodTemplateSpecForReplicaSet and the
// like, pkg/apis/batch/validation validateJobSpec).
var restartPolicies = map[string]struct {
	want     []string
	phrase   string
	required bool // the field must be set (its default is refused)
}{
	"apps/Deployment":        {[]string{"Always"}, "Always (the pods of a Deployment always restart)", false},
	"apps/StatefulSet":       {[]string{"Always"}, "Always (the pods of a StatefulSet always restart)", false},
	"apps/DaemonSet":         {[]string{"Always"}, "Always (the pods of a DaemonSet always restart)", false},
	"apps/ReplicaSet":        {[]string{"Always"}, "Always (the pods of a ReplicaSet always restart)", false},
	"/ReplicationController": {[]string{"Always"}, "Always (the pods of a ReplicationController always restart)", false},
	"batch/Job":              {[]string{"OnFailure", "Never"}, "OnFailure or Never (a Job's pods end; it is required)", true},
	"batch/CronJob":          {[]string{"OnFailure", "Never"}, "OnFailure or Never (a Job's pods end; it is required)", true},
}

// KindRefusal returns what the API server requires of the value at path p
// of an object of ref where the requirement depends on the object's kind
// (a pod template's restartPolicy), or "". text is the value; absent is
// true where the change leaves the field unset (removed, or null).
func KindRefusal(ref kube.ObjectRef, p kube.Path, text string, absent bool) string {
	if len(p) == 0 || p[len(p)-1] != kube.Field("restartPolicy") {
		return "" // (every change meets this: the rest looks up maps)
	}
	rp, ok := restartPolicies[ref.Group+"/"+ref.Kind]
	base, _ := kube.PodSpecPath(ref.Group, ref.Kind)
	if !ok || len(p) != len(base)+1 || p[len(base)] != kube.Field("restartPolicy") || !slices.Equal(p[:len(base)], base) {
		return ""
	}
	if absent && !rp.required || !absent && slices.Contains(rp.want, text) {
		return ""
	}
	return rp.phrase
}

// restartPolicyRefusal returns a note when the complete new side t of a
// created object of ref sets its pod template's restartPolicy to one its
// kind does not take (or leaves unset one it must set). An update that
// leaves the field as it was changes nothing the server checks; one that
// changes it is judged at the change (KindRefusal).
func (t *sideTree) restartPolicyRefusal(ref kube.ObjectRef) (Note, bool) {
	base, spec, ok := t.podSpec(ref)
	if !ok {
		return Note{}, false // no pod template: its own refusal
	}
	text, absent, line := "", true, t.lineOf(spec)
	if n := t.child(spec, "restartPolicy"); n >= 0 && t.vkindOf(n) == vScalar {
		if s := t.scalarOf(n); s.typ != NullType {
			text, absent, line = s.canon, false, t.lineOf(n)
		}
	}
	p := append(slices.Clone(base), kube.Field("restartPolicy"))
	if want := KindRefusal(ref, p, text, absent); want != "" {
		return Note{Pos: Pos{Line: line}, Text: fmt.Sprintf("%s must be %s", p, want)}, true
	}
	return Note{}, false
}

// containerNameRefusal returns a note when the pod spec at node spec (path
// base) of a complete new side t has an init container named as one of its containers: the
// API server holds the names of both lists unique together ("Duplicate
// value" on the init container's name). Two of one list are the list's
// own refusal (kube.Type.Unique).
func (t *sideTree) containerNameRefusal(base kube.Path, spec int32) (Note, bool) {
	var containers nameSet
	for list, c := range t.containers(spec) {
		if k, ok := t.itemKey(c, "name"); ok && list == "containers" {
			containers.add(k)
		}
	}
	for list, c := range t.containers(spec) {
		if k, ok := t.itemKey(c, "name"); ok && list == "initContainers" && containers.has(k) {
			return Note{Pos: Pos{Line: t.lineOf(t.child(c, "name"))}, Text: fmt.Sprintf("%s.initContainers[name=%s] must not share its name with a container of %s.containers", base, k, base)}, true
		}
	}
	return Note{}, false
}

// quantity parses a scalar as the API server decodes a quantity; ok is
// false for one it refuses (that is the type check's).
func quantity(s scalar) (resource.Quantity, bool) {
	switch s.typ {
	case IntType, FloatType, StringType:
		q, err := resource.ParseQuantity(s.canon)
		return q, err == nil
	}
	return resource.Quantity{}, false
}

// servicePorts is where a Service's ports stand.
var servicePorts = kube.Path{kube.Field("spec"), kube.Field("ports")}

// servicePortRefusal returns a note when the complete new side t of a
// Service has ports the API server refuses together: more than one port
// with one unnamed ("must have a name when more than one port"), two of
// one name, or two of one port number and protocol.
func (t *sideTree) servicePortRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "" || ref.Kind != "Service" {
		return Note{}, false
	}
	ports, ok := t.lookup(servicePorts)
	if !ok || t.vkindOf(ports) != vSeq {
		return Note{}, false
	}
	var items []int32
	for ch := t.nodes[ports].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if t.vkindOf(ch) != vMap {
			return Note{}, false // the type check's
		}
		items = append(items, ch)
	}
	names := map[string]bool{}
	numbers := map[string]bool{}
	for i, it := range items {
		name, named := t.itemKey(it, "name")
		if named && name == "" {
			named = false
		}
		port, _ := t.itemKey(it, "port")
		protocol, ok := t.itemKey(it, "protocol")
		if !ok || protocol == "" {
			protocol = "TCP" // the default
		}
		switch {
		case !named && len(items) > 1:
			return Note{Pos: Pos{Line: t.lineOf(it)}, Text: fmt.Sprintf("spec.ports[%d] must have a name: a Service with more than one port names each", i)}, true
		case named && names[name]:
			return Note{Pos: Pos{Line: t.lineOf(it)}, Text: fmt.Sprintf("spec.ports[%d] must not be named %s: another port is", i, name)}, true
		case port != "" && numbers[port+"/"+protocol]:
			return Note{Pos: Pos{Line: t.lineOf(it)}, Text: fmt.Sprintf("spec.ports[%d] must not be port %s/%s: another port is", i, port, protocol)}, true
		}
		names[name] = named
		if port != "" {
			numbers[port+"/"+protocol] = true
		}
	}
	return Note{}, false
}

// containerPortRefusal returns a note when the pod spec at node spec (path
// base) of a complete new side t has a container with two ports of one name: the API
// server holds a container's port names unique ("Duplicate value").
func (t *sideTree) containerPortRefusal(base kube.Path, spec int32) (Note, bool) {
	for list, c := range t.containers(spec) {
		ports := t.child(c, "ports")
		if ports < 0 || t.vkindOf(ports) != vSeq {
			continue
		}
		var names nameSet
		i := 0
		for p := t.nodes[ports].firstChild; p >= 0; p, i = t.nodes[p].next, i+1 {
			name, ok := t.itemKey(p, "name")
			if !ok || name == "" {
				continue
			}
			if names.has(name) {
				return Note{Pos: Pos{Line: t.lineOf(p)}, Text: fmt.Sprintf("%s.%s.ports[%d] must not be named %s: another port of the container is", base, t.containerStep(list, c), i, name)}, true
			}
			names.add(name)
		}
	}
	return Note{}, false
}

// The bounds of a HorizontalPodAutoscaler, and the budget of a
// PodDisruptionBudget.
var (
	autoscalerMin  = kube.Path{kube.Field("spec"), kube.Field("minReplicas")}
	autoscalerMax  = kube.Path{kube.Field("spec"), kube.Field("maxReplicas")}
	minAvailable   = kube.Path{kube.Field("spec"), kube.Field("minAvailable")}
	maxUnavailable = kube.Path{kube.Field("spec"), kube.Field("maxUnavailable")}
)

// boundsRefusal returns a note when the complete new side t of an object
// of ref is a HorizontalPodAutoscaler whose minReplicas is above its
// maxReplicas ("must be less than or equal to maxReplicas"), or a
// PodDisruptionBudget that sets both minAvailable and maxUnavailable
// ("cannot be both set").
func (t *sideTree) boundsRefusal(ref kube.ObjectRef) (Note, bool) {
	set := func(p kube.Path) (int32, scalar, bool) {
		n, ok := t.lookup(p)
		if !ok || t.vkindOf(n) != vScalar {
			return -1, scalar{}, false
		}
		s := t.scalarOf(n)
		return n, s, s.typ != NullType
	}
	switch {
	case ref.Group == "autoscaling" && ref.Kind == "HorizontalPodAutoscaler":
		n, min, ok1 := set(autoscalerMin)
		_, max, ok2 := set(autoscalerMax)
		if !ok1 || !ok2 || min.typ != IntType || max.typ != IntType {
			return Note{}, false // unset (min defaults to 1), or the type check's
		}
		lo, err1 := strconv.ParseInt(min.canon, 10, 64)
		hi, err2 := strconv.ParseInt(max.canon, 10, 64)
		if err1 == nil && err2 == nil && lo > hi {
			return Note{Pos: Pos{Line: t.lineOf(n)}, Text: fmt.Sprintf("spec.minReplicas (%d) must be at most spec.maxReplicas (%d)", lo, hi)}, true
		}
	case ref.Group == "apps" && ref.Kind == "Deployment":
		// progressDeadlineSeconds, 600 where unset, must exceed
		// minReadySeconds, 0 where unset
		n, ready, ok := set(minReadySeconds)
		if !ok || ready.typ != IntType {
			return Note{}, false
		}
		mrs, err := strconv.ParseInt(ready.canon, 10, 64)
		pds := int64(600)
		if _, deadline, ok := set(progressDeadline); ok {
			if deadline.typ != IntType {
				return Note{}, false // the type check's
			}
			if pds, err = strconv.ParseInt(deadline.canon, 10, 64); err != nil {
				return Note{}, false
			}
		}
		if err == nil && pds <= mrs {
			return Note{Pos: Pos{Line: t.lineOf(n)}, Text: fmt.Sprintf("spec.progressDeadlineSeconds (%d) must be greater than spec.minReadySeconds (%d)", pds, mrs)}, true
		}
	case ref.Group == "policy" && ref.Kind == "PodDisruptionBudget":
		_, _, ok1 := set(minAvailable)
		n, _, ok2 := set(maxUnavailable)
		if ok1 && ok2 {
			return Note{Pos: Pos{Line: t.lineOf(n)}, Text: "spec.maxUnavailable must not be set with spec.minAvailable: a PodDisruptionBudget sets one of them"}, true
		}
	}
	return Note{}, false
}

// metricSources are the source field of each type of an autoscaler's
// metric (autoscaling/v2), in the order a note names a second one.
var metricSources = []struct{ typ, field string }{
	{"Resource", "resource"}, {"Pods", "pods"}, {"Object", "object"}, {"External", "external"}, {"ContainerResource", "containerResource"},
}

// metricRefusal returns a note when the complete new side t of an
// autoscaling/v2 HorizontalPodAutoscaler has a metric the API server
// refuses (pkg/apis/autoscaling/validation's validateMetricSpec): of no
// type, without the source its type names or with another one beside it,
// or a resource metric without a name or a target (averageUtilization or
// averageValue, one of them: a v2beta1 chart's targetAverageUtilization
// is no field of v2, and the server drops it), or a target without a type.
func (t *sideTree) metricRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "autoscaling" || ref.Kind != "HorizontalPodAutoscaler" || ref.Version != "v2" {
		return Note{}, false
	}
	spec := t.set(root, "spec")
	if spec < 0 || t.vkindOf(spec) != vMap {
		return Note{}, false
	}
	for i, m := range t.mapItems(spec, "metrics") {
		typ, ok := t.stringField(m, "type")
		known := slices.IndexFunc(metricSources, func(s struct{ typ, field string }) bool { return s.typ == typ })
		if !ok || typ != "" && known < 0 {
			continue // the type check's
		}
		at := fmt.Sprintf("spec.metrics[%d]", i)
		refuse := func(text string) (Note, bool) {
			return Note{Pos: Pos{Line: t.lineOf(m)}, Text: at + text}, true
		}
		if typ == "" {
			return refuse(".type must name the metric's source (Resource, Pods, Object, External or ContainerResource)")
		}
		field := metricSources[known].field
		for _, other := range metricSources {
			if other.field != field && t.set(m, other.field) >= 0 {
				return refuse(fmt.Sprintf(" of type %s may not set %s", typ, other.field))
			}
		}
		src := t.set(m, field)
		if src < 0 || t.vkindOf(src) != vMap {
			return refuse(fmt.Sprintf(".%s must be set for a metric of type %s", field, typ))
		}
		target := t.set(src, "target")
		if target < 0 || t.vkindOf(target) != vMap {
			return refuse(fmt.Sprintf(".%s.target must be set", field))
		}
		if tt, ok := t.stringField(target, "type"); ok && tt == "" {
			return refuse(fmt.Sprintf(".%s.target.type must be Utilization, Value or AverageValue", field))
		}
		if typ == "Resource" || typ == "ContainerResource" {
			if name, ok := t.stringField(src, "name"); ok && name == "" {
				return refuse(fmt.Sprintf(".%s.name must name a resource", field))
			}
			u, v := t.set(target, "averageUtilization") >= 0, t.set(target, "averageValue") >= 0
			switch {
			case !u && !v:
				return refuse(fmt.Sprintf(".%s.target must set averageUtilization or averageValue", field))
			case u && v:
				return refuse(fmt.Sprintf(".%s.target may not set both averageUtilization and averageValue", field))
			}
		}
	}
	return Note{}, false
}

// A Deployment's minimum ready time and progress deadline.
var (
	minReadySeconds  = kube.Path{kube.Field("spec"), kube.Field("minReadySeconds")}
	progressDeadline = kube.Path{kube.Field("spec"), kube.Field("progressDeadlineSeconds")}
)

// tolerationRefusal returns a note when the pod spec at node spec (path
// base) of a complete new side t has a toleration of operator Exists with
// a value ("value must be empty when operator is Exists"), or without a
// key and of another operator ("operator must be Exists when key is
// empty"; the operator defaults to Equal).
func (t *sideTree) tolerationRefusal(base kube.Path, spec int32) (Note, bool) {
	for i, n := range t.mapItems(spec, "tolerations") {
		var key, op, value string
		if !t.stringFields(n, map[string]*string{"key": &key, "operator": &op, "value": &value}) {
			continue
		}
		at := fmt.Sprintf("%s.tolerations[%d]", base, i)
		switch {
		case op == "Exists" && value != "":
			return Note{Pos: Pos{Line: t.lineOf(n)}, Text: at + ".value must be empty when its operator is Exists"}, true
		case key == "" && op != "Exists":
			return Note{Pos: Pos{Line: t.lineOf(n)}, Text: at + ".operator must be Exists when it has no key (it matches every taint)"}, true
		}
	}
	return Note{}, false
}

// claimTemplates is where a StatefulSet's volume claim templates stand.
var claimTemplates = kube.Path{kube.Field("spec"), kube.Field("volumeClaimTemplates")}

// volumeRefusal returns a note when the pod spec at node spec (path base)
// of a complete new side t of an object of ref has a container that mounts a volume it does not have
// ("Not found"), or a volume of more than one source ("may not specify
// more than 1 volume type"; one of none is an emptyDir, as the server
// defaults it).
func (t *sideTree) volumeRefusal(ref kube.ObjectRef, base kube.Path, spec int32) (Note, bool) {
	var volumes nameSet
	var sourceOf map[string]string // a volume's name, and its first volume's source
	if l := t.child(spec, "volumes"); l >= 0 && !(t.vkindOf(l) == vScalar && t.scalarOf(l).typ == NullType) {
		if t.vkindOf(l) != vSeq {
			return Note{}, false // the type check's
		}
		var vt *kube.Type
		if st := t.typ.At(base); st != nil {
			vt = st.Field("volumes").Item()
		}
		for v := t.nodes[l].firstChild; v >= 0; v = t.nodes[v].next {
			name, ok := t.itemKey(v, "name")
			if !ok || t.vkindOf(v) != vMap {
				return Note{}, false // a volume without a name: its own refusal
			}
			volumes.add(name)
			sources, source := 0, "emptyDir" // a volume of no source is an emptyDir, as the server defaults it
			for ch := t.nodes[v].firstChild; ch >= 0 && vt != nil; ch = t.nodes[ch].next {
				if key := t.keyOf(ch); key != "name" && vt.Field(key) != nil && !(t.vkindOf(ch) == vScalar && t.scalarOf(ch).typ == NullType) {
					sources++
					source = key
				}
			}
			if sources > 1 {
				return Note{Pos: Pos{Line: t.lineOf(v)}, Text: fmt.Sprintf("%s.volumes[name=%s] must have one source (emptyDir, configMap, persistentVolumeClaim, ...), not %d", base, name, sources)}, true
			}
			// two volumes of one name and other sources: helm 3's patch
			// cannot merge them (volumes are patched with retainKeys), and
			// server-side apply refuses the repeat (found on cilium's
			// extraVolumes: "invalid patch format of retainKeys")
			if vt != nil {
				if first, ok := sourceOf[name]; ok && first != source {
					return Note{Pos: Pos{Line: t.lineOf(v)}, Text: fmt.Sprintf("%s.volumes must not hold two volumes named %s of other sources (%s, %s): helm 3's patch cannot merge them (retainKeys), and server-side apply refuses the repeat", base, name, first, source)}, true
				} else if !ok {
					if sourceOf == nil {
						sourceOf = map[string]string{}
					}
					sourceOf[name] = source
				}
			}
		}
	}
	if ref.Group == "apps" && ref.Kind == "StatefulSet" {
		// a StatefulSet's pods have a volume of each claim template too
		if l, ok := t.lookup(claimTemplates); ok && t.vkindOf(l) == vSeq {
			for v := t.nodes[l].firstChild; v >= 0; v = t.nodes[v].next {
				if md := t.child(v, "metadata"); md >= 0 {
					if name, ok := t.itemKey(md, "name"); ok {
						volumes.add(name)
					}
				}
			}
		}
	}
	for list, c := range t.containers(spec) {
		mounts := t.child(c, "volumeMounts")
		if mounts < 0 || t.vkindOf(mounts) != vSeq {
			continue
		}
		for m := t.nodes[mounts].firstChild; m >= 0; m = t.nodes[m].next {
			name, ok := t.itemKey(m, "name")
			if !ok || name == "" || volumes.has(name) {
				continue
			}
			return Note{Pos: Pos{Line: t.lineOf(m)}, Text: fmt.Sprintf("%s.%s.volumeMounts name %s must name a volume of %s.volumes: there is none of that name", base, t.containerStep(list, c), name, base)}, true
		}
	}
	return Note{}, false
}

// probeHandlers and hookHandlers are the fields of a probe and of a
// lifecycle hook that say how it runs: the API server takes exactly one
// ("must specify a handler type", "may not specify more than 1 handler
// type").
var (
	probeHandlers = []string{"exec", "grpc", "httpGet", "tcpSocket"}
	hookHandlers  = []string{"exec", "httpGet", "sleep", "tcpSocket"}
)

// handlerRefusal returns a note when a container of the pod spec at node
// spec (path base) of a complete new side t has a probe or a lifecycle
// hook without a handler, or with more than one.
func (t *sideTree) handlerRefusal(base kube.Path, spec int32) (Note, bool) {
	for list, c := range t.containers(spec) {
		if t.vkindOf(c) != vMap {
			continue
		}
		check := func(n int32, what string, handlers []string) (Note, bool) {
			if n < 0 || t.vkindOf(n) != vMap {
				return Note{}, false // absent, null, or the type check's
			}
			found := 0
			for _, h := range handlers {
				if t.set(n, h) >= 0 {
					found++
				}
			}
			if found == 1 {
				return Note{}, false
			}
			return Note{Pos: Pos{Line: t.lineOf(n)}, Text: fmt.Sprintf("%s.%s.%s must have one handler (%s), not %d", base, t.containerStep(list, c), what, strings.Join(handlers, ", "), found)}, true
		}
		for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
			if n, ok := check(t.child(c, probe), probe, probeHandlers); ok {
				return n, true
			}
		}
		if lc := t.child(c, "lifecycle"); lc >= 0 && t.vkindOf(lc) == vMap {
			for _, hook := range []string{"postStart", "preStop"} {
				if n, ok := check(t.child(lc, hook), "lifecycle."+hook, hookHandlers); ok {
					return n, true
				}
			}
		}
	}
	return Note{}, false
}

// envRefusal returns a note when a container of the pod spec at node spec
// (path base) of a complete new side t has an environment variable that
// both sets a value and takes one from a source ("may not be specified
// when value is not empty"), or takes one from no source or from several
// ("may not have more than one field specified at a time"), or an envFrom
// entry of no source or of two: the sources are the fields of valueFrom
// (configMapRef and secretRef for envFrom) that the schema declares.
func (t *sideTree) envRefusal(base kube.Path, spec int32) (Note, bool) {
	st := t.typ.At(base)
	if st == nil {
		return Note{}, false
	}
	// sources counts the fields of mapping n that its type declares
	sources := func(n int32, typ *kube.Type) int {
		found := 0
		for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
			if key := t.keyOf(ch); typ.Field(key) != nil && t.set(n, key) >= 0 {
				found++
			}
		}
		return found
	}
	for list, c := range t.containers(spec) {
		if t.vkindOf(c) != vMap {
			continue
		}
		ct := st.Field(list).Item()
		if ct == nil {
			continue
		}
		if env := t.child(c, "env"); env >= 0 && t.vkindOf(env) == vSeq {
			vt := ct.Field("env").Item().Field("valueFrom")
			for e := t.nodes[env].firstChild; e >= 0; e = t.nodes[e].next {
				vf := t.set(e, "valueFrom")
				if t.vkindOf(e) != vMap || vf < 0 || t.vkindOf(vf) != vMap || vt == nil {
					continue
				}
				// the variable's path, made only for a refusal
				at := func() string {
					name, _ := t.itemKey(e, "name")
					return fmt.Sprintf("%s.%s.env[name=%s]", base, t.containerStep(list, c), name)
				}
				if v := t.set(e, "value"); v >= 0 && t.vkindOf(v) == vScalar && t.scalarOf(v).text != "" {
					return Note{Pos: Pos{Line: t.lineOf(vf)}, Text: at() + " must set value or valueFrom, not both"}, true
				}
				if n := sources(vf, vt); n != 1 {
					return Note{Pos: Pos{Line: t.lineOf(vf)}, Text: fmt.Sprintf("%s.valueFrom must have one source (fieldRef, configMapKeyRef, secretKeyRef, ...), not %d", at(), n)}, true
				}
			}
		}
		if ef := t.child(c, "envFrom"); ef >= 0 && t.vkindOf(ef) == vSeq {
			for e := t.nodes[ef].firstChild; e >= 0; e = t.nodes[e].next {
				if t.vkindOf(e) != vMap {
					continue
				}
				n := 0
				for _, f := range []string{"configMapRef", "secretRef"} {
					if t.set(e, f) >= 0 {
						n++
					}
				}
				if n != 1 {
					return Note{Pos: Pos{Line: t.lineOf(e)}, Text: fmt.Sprintf("%s.%s.envFrom entries must each have one source (configMapRef or secretRef), not %d", base, t.containerStep(list, c), n)}, true
				}
			}
		}
	}
	return Note{}, false
}

// dnsRefusal returns a note when the pod spec at node spec (path base) of
// a complete new side t sets dnsPolicy None without a nameserver in its
// dnsConfig ("must provide `dnsConfig` when `dnsPolicy` is None", "must
// provide at least one DNS nameserver").
func (t *sideTree) dnsRefusal(base kube.Path, spec int32) (Note, bool) {
	p := t.child(spec, "dnsPolicy")
	if p < 0 || t.vkindOf(p) != vScalar || t.scalarOf(p).text != "None" {
		return Note{}, false
	}
	if c := t.child(spec, "dnsConfig"); c >= 0 && t.vkindOf(c) == vMap {
		if ns := t.child(c, "nameservers"); ns >= 0 && t.vkindOf(ns) == vSeq && t.nodes[ns].firstChild >= 0 {
			return Note{}, false
		}
	}
	return Note{Pos: Pos{Line: t.lineOf(p)}, Text: base.String() + ".dnsConfig.nameservers must name a nameserver when dnsPolicy is None"}, true
}

// profileRefusal returns a note when a seccomp or AppArmor profile of the
// pod spec at node spec (path base) of a complete new side t, the pod's
// or a container's, has no type ("type: Required value"), is of type
// Localhost without a localhostProfile ("must be set when seccomp type is
// Localhost"), or names a localhostProfile beside another type ("can only
// be set when seccomp type is Localhost"): validateSeccompProfileField,
// validateAppArmorProfileField.
func (t *sideTree) profileRefusal(base kube.Path, spec int32) (Note, bool) {
	check := func(sc int32, at string) (Note, bool) {
		if sc < 0 || t.vkindOf(sc) != vMap {
			return Note{}, false
		}
		for _, f := range []string{"seccompProfile", "appArmorProfile"} {
			p := t.set(sc, f)
			if p < 0 || t.vkindOf(p) != vMap {
				continue
			}
			var typ, local string
			if !t.stringFields(p, map[string]*string{"type": &typ, "localhostProfile": &local}) {
				continue // a value of another type: the type check's
			}
			where := at + ".securityContext." + f
			switch hasLocal := t.set(p, "localhostProfile") >= 0; {
			case typ == "":
				return Note{Pos: Pos{Line: t.lineOf(p)}, Text: where + ".type must be set"}, true
			case typ == "Localhost" && !hasLocal:
				return Note{Pos: Pos{Line: t.lineOf(p)}, Text: where + ".localhostProfile must be set when the type is Localhost"}, true
			case typ != "Localhost" && hasLocal:
				return Note{Pos: Pos{Line: t.lineOf(t.set(p, "localhostProfile"))}, Text: where + ".localhostProfile can only be set when the type is Localhost"}, true
			}
		}
		return Note{}, false
	}
	if n, ok := check(t.child(spec, "securityContext"), base.String()); ok {
		return n, true
	}
	for list, c := range t.containers(spec) {
		if t.vkindOf(c) != vMap {
			continue
		}
		if n, ok := check(t.child(c, "securityContext"), base.String()+"."+t.containerStep(list, c)); ok {
			return n, true
		}
	}
	return Note{}, false
}

// nameSet is a set of names, most often a few: kept in place until it
// grows, then in a map (a hostile object may hold 100,000 of them).
type nameSet struct {
	n    int
	few  [16]string
	many map[string]bool
}

func (s *nameSet) add(name string) {
	if s.many == nil && s.n < len(s.few) {
		s.few[s.n] = name
		s.n++
		return
	}
	if s.many == nil {
		s.many = make(map[string]bool, 4*len(s.few))
		for _, n := range s.few {
			s.many[n] = true
		}
	}
	s.many[name] = true
}

func (s *nameSet) has(name string) bool {
	if s.many != nil {
		return s.many[name]
	}
	return slices.Contains(s.few[:s.n], name)
}

// Where an Ingress holds its rules and its default backend.
var (
	ingressRules   = kube.Path{kube.Field("spec"), kube.Field("rules")}
	ingressDefault = kube.Path{kube.Field("spec"), kube.Field("defaultBackend")}
)

// What a path of type Exact or Prefix may not hold, and may not end with
// (k8s.io/kubernetes pkg/apis/networking/validation).
var (
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
)

// IngressPathRefusal returns what the API server requires of an Ingress
// path of a path type, or "" when it takes the path. An Exact or Prefix
// path is absolute and holds no "//", "/./", "/../" or encoded slash, nor
// ends with "/.." or "/."; an ImplementationSpecific one is empty or
// absolute (kube.IngressPathCheck, which needs no type).
func IngressPathRefusal(pathType, path string) string {
	if pathType != "Exact" && pathType != "Prefix" {
		return ""
	}
	if !strings.HasPrefix(path, "/") {
		return "an absolute path (beginning with '/')"
	}
	for _, s := range invalidPathSequences {
		if strings.Contains(path, s) {
			return fmt.Sprintf("a path without '%s' (its type is %s)", s, pathType)
		}
	}
	for _, s := range invalidPathSuffixes {
		if strings.HasSuffix(path, s) {
			return fmt.Sprintf("a path that does not end with '%s' (its type is %s)", s, pathType)
		}
	}
	return ""
}

// set returns the child of n at key unless it is absent or null, or -1.
func (t *sideTree) set(n int32, key string) int32 {
	ch := t.child(n, key)
	if ch < 0 || t.vkindOf(ch) == vScalar && t.scalarOf(ch).typ == NullType {
		return -1
	}
	return ch
}

// serviceTypeRefusal returns a note when the complete new side t of a
// Service sets a field its type does not take, or lacks one it requires
// (pkg/apis/core/validation's validateService): ports, except for a
// headless or ExternalName Service; no clusterIP None for a NodePort or
// LoadBalancer one; an externalName, and no clusterIP, for an ExternalName
// one; nodePorts only where the type allocates them; load balancer fields
// only for a LoadBalancer; an external traffic policy only for a Service
// reachable from outside.
func (t *sideTree) serviceTypeRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "" || ref.Kind != "Service" {
		return Note{}, false
	}
	spec := t.set(root, "spec")
	if spec < 0 || t.vkindOf(spec) != vMap {
		return Note{}, false
	}
	typ, ok1 := t.stringField(spec, "type")
	clusterIP, ok2 := t.stringField(spec, "clusterIP")
	etp, ok3 := t.stringField(spec, "externalTrafficPolicy")
	if !ok1 || !ok2 || !ok3 {
		return Note{}, false
	}
	if typ == "" {
		typ = "ClusterIP"
	}
	headless := clusterIP == "None"
	note := func(field, text string) (Note, bool) {
		n := t.set(spec, field)
		if n < 0 {
			n = spec
		}
		return Note{Pos: Pos{Line: t.lineOf(n)}, Text: "spec." + field + " " + text}, true
	}
	ports := t.set(spec, "ports")
	if ports >= 0 && t.vkindOf(ports) != vSeq {
		return Note{}, false
	}
	if (ports < 0 || t.nodes[ports].firstChild < 0) && !headless && typ != "ExternalName" {
		return note("ports", "must hold a port (a Service of type "+typ+" that is not headless)")
	}
	switch typ {
	case "NodePort", "LoadBalancer":
		if headless {
			return note("clusterIP", "may not be None for a Service of type "+typ)
		}
	case "ExternalName":
		if name, ok := t.stringField(spec, "externalName"); ok && name == "" {
			return note("externalName", "must be set for a Service of type ExternalName")
		}
		if clusterIP != "" {
			return note("clusterIP", "may not be set for a Service of type ExternalName")
		}
	}
	if typ == "ClusterIP" && ports >= 0 {
		for p := t.nodes[ports].firstChild; p >= 0; p = t.nodes[p].next {
			if np := t.set(p, "nodePort"); np >= 0 && t.vkindOf(np) == vScalar && t.scalarOf(np).canon != "0" {
				return Note{Pos: Pos{Line: t.lineOf(np)}, Text: "spec.ports nodePort may not be set for a Service of type ClusterIP"}, true
			}
		}
	}
	if typ != "LoadBalancer" {
		for _, f := range []string{"loadBalancerSourceRanges", "allocateLoadBalancerNodePorts"} {
			if t.set(spec, f) >= 0 {
				return note(f, "may be set only for a Service of type LoadBalancer")
			}
		}
	}
	externalIPs := t.set(spec, "externalIPs")
	outside := typ == "NodePort" || typ == "LoadBalancer" || typ == "ClusterIP" && externalIPs >= 0 && t.vkindOf(externalIPs) == vSeq && t.nodes[externalIPs].firstChild >= 0
	if etp != "" && !outside {
		return note("externalTrafficPolicy", "may be set only for a Service reachable from outside the cluster (NodePort, LoadBalancer, or external IPs)")
	}
	// a sessionAffinityConfig beside sessionAffinity None is dropped by the
	// server's defaults, not refused (held to the API server)
	return Note{}, false
}

// rbacRefusal returns a note when the complete new side t of a Role or
// ClusterRole has a rule the API server refuses (pkg/apis/rbac/validation:
// no verbs; non-resource URLs in a Role, or beside resources; resources
// without an API group; an API group without resources), or a RoleBinding
// or ClusterRoleBinding a role reference or a subject it refuses (a kind
// it does not bind, another API group, a service account without a
// namespace in a ClusterRoleBinding).
func (t *sideTree) rbacRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "rbac.authorization.k8s.io" {
		return Note{}, false
	}
	refuse := func(n int32, text string) (Note, bool) {
		return Note{Pos: Pos{Line: t.lineOf(n)}, Text: text}, true
	}
	switch ref.Kind {
	case "Role", "ClusterRole":
		for i, r := range t.mapItems(root, "rules") {
			if n, ok := t.policyRuleRefusal(ref.Kind, r, fmt.Sprintf("rules[%d]", i)); ok {
				return n, true
			}
		}
	case "RoleBinding", "ClusterRoleBinding":
		if rr := t.set(root, "roleRef"); rr >= 0 && t.vkindOf(rr) == vMap {
			kind, ok1 := t.stringField(rr, "kind")
			group, ok2 := t.stringField(rr, "apiGroup")
			if ok1 && ok2 {
				switch {
				case group != "" && group != "rbac.authorization.k8s.io":
					return refuse(rr, "roleRef.apiGroup must be rbac.authorization.k8s.io")
				case ref.Kind == "ClusterRoleBinding" && kind != "ClusterRole":
					return refuse(rr, "roleRef.kind must be ClusterRole (a ClusterRoleBinding binds only those)")
				case kind != "Role" && kind != "ClusterRole":
					return refuse(rr, "roleRef.kind must be Role or ClusterRole (case matters)")
				}
			}
		}
		for i, s := range t.mapItems(root, "subjects") {
			var kind, group, ns string
			if !t.stringFields(s, map[string]*string{"kind": &kind, "apiGroup": &group, "namespace": &ns}) {
				continue
			}
			at := fmt.Sprintf("subjects[%d]", i)
			switch kind {
			case "ServiceAccount":
				if group != "" {
					return refuse(s, at+".apiGroup must be empty for a ServiceAccount")
				}
				if ref.Kind == "ClusterRoleBinding" && ns == "" {
					return refuse(s, at+".namespace must name the ServiceAccount's namespace in a ClusterRoleBinding")
				}
			case "User", "Group":
				if group != "" && group != "rbac.authorization.k8s.io" {
					return refuse(s, at+".apiGroup must be rbac.authorization.k8s.io for a "+kind)
				}
			default:
				return refuse(s, at+".kind must be ServiceAccount, User or Group (case matters)")
			}
		}
	}
	return Note{}, false
}

// policyRuleRefusal returns a note when the rule at node r of a Role or
// ClusterRole (kind), at path at, is one the API server refuses
// (pkg/apis/rbac/validation ValidatePolicyRule): no verbs; non-resource
// URLs in a Role, or beside resources; resources without an API group;
// an API group without resources.
func (t *sideTree) policyRuleRefusal(kind string, r int32, at string) (Note, bool) {
	// list returns the items of list field f of r: its length, and false
	// for a value of another shape (the type check's)
	list := func(f string) (int, bool) {
		l := t.set(r, f)
		if l < 0 {
			return 0, true
		}
		if t.vkindOf(l) != vSeq {
			return 0, false
		}
		c := 0
		for ch := t.nodes[l].firstChild; ch >= 0; ch = t.nodes[ch].next {
			c++
		}
		return c, true
	}
	verbs, ok1 := list("verbs")
	urls, ok2 := list("nonResourceURLs")
	groups, ok3 := list("apiGroups")
	resources, ok4 := list("resources")
	names, ok5 := list("resourceNames")
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return Note{}, false
	}
	refuse := func(text string) (Note, bool) {
		return Note{Pos: Pos{Line: t.lineOf(r)}, Text: text}, true
	}
	switch {
	case verbs == 0:
		return refuse(at + ".verbs must name at least one verb")
	case urls > 0 && kind == "Role":
		return refuse(at + ".nonResourceURLs may not be in a Role (a namespaced rule)")
	case urls > 0 && groups+resources+names > 0:
		return refuse(at + " may not name both resources and nonResourceURLs")
	case urls > 0:
	case groups == 0:
		return refuse(at + ".apiGroups must name at least one API group (\"\" for the core group)")
	case resources == 0:
		return refuse(at + ".resources must name at least one resource")
	}
	return Note{}, false
}

// mapItems yields the position and node of each mapping item of list
// field f of mapping n (nothing where f is unset or not a list: the type
// check's).
func (t *sideTree) mapItems(n int32, f string) iter.Seq2[int, int32] {
	return func(yield func(int, int32) bool) {
		l := t.set(n, f)
		if l < 0 || t.vkindOf(l) != vSeq {
			return
		}
		for i, ch := 0, t.nodes[l].firstChild; ch >= 0; i, ch = i+1, t.nodes[ch].next {
			if t.vkindOf(ch) == vMap && !yield(i, ch) {
				return
			}
		}
	}
}

// stringField returns string field f of mapping n ("" where unset or
// null), and false for a value of another type (the type check's).
func (t *sideTree) stringField(n int32, f string) (string, bool) {
	ch := t.set(n, f)
	if ch < 0 {
		return "", true
	}
	if t.vkindOf(ch) != vScalar || t.scalarOf(ch).typ != StringType {
		return "", false
	}
	return t.scalarOf(ch).text, true
}

// stringFields sets each of the string fields of mapping n that fields
// name, and reports whether all are strings or unset.
func (t *sideTree) stringFields(n int32, fields map[string]*string) bool {
	for f, v := range fields {
		var ok bool
		if *v, ok = t.stringField(n, f); !ok {
			return false
		}
	}
	return true
}

// secretKeys are the keys each type of Secret must hold (in data, or in
// stringData, which the API server merges into it), all of them or, for
// basic-auth, one.
var secretKeys = map[string]struct {
	keys []string
	any  bool
}{
	"kubernetes.io/tls":              {keys: []string{"tls.crt", "tls.key"}},
	"kubernetes.io/dockerconfigjson": {keys: []string{".dockerconfigjson"}},
	"kubernetes.io/dockercfg":        {keys: []string{".dockercfg"}},
	"kubernetes.io/ssh-auth":         {keys: []string{"ssh-privatekey"}},
	"kubernetes.io/basic-auth":       {keys: []string{"username", "password"}, any: true},
}

// secretRefusal returns a note when the complete new side t of a Secret
// lacks a key its type requires, or, of a service account token, the
// annotation that names the account.
func (t *sideTree) secretRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "" || ref.Kind != "Secret" {
		return Note{}, false
	}
	tn := t.set(root, "type")
	if tn < 0 || t.vkindOf(tn) != vScalar {
		return Note{}, false // Opaque, or the type check's
	}
	typ := t.scalarOf(tn).text
	if typ == "kubernetes.io/service-account-token" {
		md := t.set(root, "metadata")
		if md >= 0 {
			if an := t.set(md, "annotations"); an >= 0 {
				if v := t.set(an, "kubernetes.io/service-account.name"); v >= 0 && t.vkindOf(v) == vScalar && t.scalarOf(v).text != "" {
					return Note{}, false
				}
			}
		}
		return Note{Pos: Pos{Line: t.lineOf(tn)}, Text: `metadata.annotations["kubernetes.io/service-account.name"] must name the service account of a Secret of type kubernetes.io/service-account-token`}, true
	}
	want, ok := secretKeys[typ]
	if !ok {
		return Note{}, false
	}
	has := func(key string) bool {
		for _, m := range []string{"data", "stringData"} {
			if n := t.set(root, m); n >= 0 && t.vkindOf(n) == vMap && t.child(n, key) >= 0 {
				return true
			}
		}
		return false
	}
	var missing []string
	for _, k := range want.keys {
		if !has(k) {
			missing = append(missing, strconv.Quote(k))
		}
	}
	if len(missing) == 0 || want.any && len(missing) < len(want.keys) {
		return Note{}, false
	}
	what := "must hold " + strings.Join(missing, " and ")
	if want.any {
		what = "must hold " + strings.Join(missing, " or ")
	}
	return Note{Pos: Pos{Line: t.lineOf(tn)}, Text: fmt.Sprintf("data of a Secret of type %s %s", typ, what)}, true
}

// claimRefusal returns a note when the complete new side t of a
// PersistentVolumeClaim, or a claim template of a StatefulSet, has no
// access mode or no storage request ("at least 1 access mode is
// required", "resources[storage]: Required value").
func (t *sideTree) claimRefusal(ref kube.ObjectRef) (Note, bool) {
	check := func(spec int32, at string) (Note, bool) {
		if spec < 0 || t.vkindOf(spec) != vMap {
			return Note{}, false
		}
		if m := t.set(spec, "accessModes"); m < 0 || t.vkindOf(m) == vSeq && t.nodes[m].firstChild < 0 {
			return Note{Pos: Pos{Line: t.lineOf(spec)}, Text: at + ".accessModes must name at least one access mode"}, true
		}
		if r := t.set(spec, "resources"); r >= 0 && t.vkindOf(r) == vMap {
			if q := t.set(r, "requests"); q >= 0 && t.vkindOf(q) == vMap && t.set(q, "storage") >= 0 {
				return Note{}, false
			}
		} else if r >= 0 {
			return Note{}, false // the type check's
		}
		return Note{Pos: Pos{Line: t.lineOf(spec)}, Text: at + ".resources.requests.storage must be set"}, true
	}
	switch {
	case ref.Group == "" && ref.Kind == "PersistentVolumeClaim":
		return check(t.set(root, "spec"), "spec")
	case ref.Group == "apps" && ref.Kind == "StatefulSet":
		l, ok := t.lookup(claimTemplates)
		if !ok || t.vkindOf(l) != vSeq {
			return Note{}, false
		}
		for i, v := 0, t.nodes[l].firstChild; v >= 0; i, v = i+1, t.nodes[v].next {
			if t.vkindOf(v) != vMap {
				continue
			}
			at := fmt.Sprintf("%s[%d].spec", claimTemplates, i)
			if md := t.set(v, "metadata"); md >= 0 {
				if name, ok := t.itemKey(md, "name"); ok {
					at = fmt.Sprintf("%s[name=%s].spec", claimTemplates, name)
				}
			}
			if n, ok := check(t.set(v, "spec"), at); ok {
				return n, true
			}
		}
	}
	return Note{}, false
}

// ingressRefusal returns a note when the complete new side t of an
// Ingress has a path without a type, a path its type refuses, or a backend
// that is not one service (by a port's name or number, not both) or one
// resource.
func (t *sideTree) ingressRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "networking.k8s.io" || ref.Kind != "Ingress" {
		return Note{}, false
	}
	if v, _ := t.itemKey(root, "apiVersion"); v != "networking.k8s.io/v1" {
		return Note{}, false // v1beta1 (before Kubernetes 1.22) defaulted the type and named backends otherwise
	}
	if b, ok := t.lookup(ingressDefault); ok {
		if n, ok := t.backendRefusal(b, "spec.defaultBackend"); ok {
			return n, true
		}
	}
	rules, ok := t.lookup(ingressRules)
	if !ok || t.vkindOf(rules) != vSeq {
		return Note{}, false
	}
	i := 0
	for r := t.nodes[rules].firstChild; r >= 0; r, i = t.nodes[r].next, i+1 {
		if t.vkindOf(r) != vMap {
			continue
		}
		http := t.set(r, "http")
		if http < 0 || t.vkindOf(http) != vMap {
			continue
		}
		paths := t.set(http, "paths")
		if paths < 0 || t.vkindOf(paths) != vSeq {
			continue
		}
		j := 0
		for p := t.nodes[paths].firstChild; p >= 0; p, j = t.nodes[p].next, j+1 {
			if t.vkindOf(p) != vMap {
				continue
			}
			where := fmt.Sprintf("spec.rules[%d].http.paths[%d]", i, j)
			pathType, ok := t.itemKey(p, "pathType")
			if !ok {
				return Note{Pos: Pos{Line: t.lineOf(p)}, Text: where + ".pathType must be set: Exact, Prefix or ImplementationSpecific"}, true
			}
			path, _ := t.itemKey(p, "path")
			if why := IngressPathRefusal(pathType, path); why != "" {
				line := t.lineOf(p)
				if n := t.child(p, "path"); n >= 0 {
					line = t.lineOf(n)
				}
				return Note{Pos: Pos{Line: line}, Text: where + ".path must be " + why}, true
			}
			b := t.set(p, "backend")
			if b < 0 {
				return Note{Pos: Pos{Line: t.lineOf(p)}, Text: where + ".backend must be set: a service or a resource"}, true
			}
			if n, ok := t.backendRefusal(b, where+".backend"); ok {
				return n, true
			}
		}
	}
	return Note{}, false
}

// backendRefusal returns a note when the Ingress backend at node b (path
// where) is not one service, by a port's name or number, or one resource.
func (t *sideTree) backendRefusal(b int32, where string) (Note, bool) {
	if t.vkindOf(b) != vMap {
		return Note{}, false // null (no default backend), or the type check's
	}
	svc, res := t.set(b, "service"), t.set(b, "resource")
	line := t.lineOf(b)
	switch {
	case svc >= 0 && res >= 0:
		return Note{Pos: Pos{Line: line}, Text: where + " must not set both a service and a resource"}, true
	case res >= 0:
		return Note{}, false
	case svc < 0:
		return Note{Pos: Pos{Line: line}, Text: where + " must set a service or a resource"}, true
	case t.vkindOf(svc) != vMap:
		return Note{}, false // the type check's
	}
	if name, ok := t.itemKey(svc, "name"); !ok || name == "" {
		return Note{Pos: Pos{Line: t.lineOf(svc)}, Text: where + ".service.name must be set"}, true
	}
	port := t.set(svc, "port")
	if port >= 0 && t.vkindOf(port) != vMap {
		return Note{}, false // the type check's
	}
	name, number := "", ""
	if port >= 0 {
		name, _ = t.itemKey(port, "name")
		number, _ = t.itemKey(port, "number")
		line = t.lineOf(port)
	}
	named, numbered := name != "", number != "" && number != "0"
	switch {
	case named && numbered:
		return Note{Pos: Pos{Line: line}, Text: where + ".service.port must set a name or a number, not both"}, true
	case !named && !numbered:
		return Note{Pos: Pos{Line: line}, Text: where + ".service.port must set a name or a number"}, true
	}
	return Note{}, false
}

// MaxConfigSize is the most a ConfigMap's data and binaryData hold
// together, in bytes (core.MaxSecretSize, 1 MiB).
const MaxConfigSize = 1 << 20

// configMapRefusal returns a note when the complete new side t of a
// ConfigMap holds a key in both data and binaryData ("duplicate of key
// present in binaryData"), or more than 1 MiB in the two together ("Too
// long: must have at most 1048576 bytes").
func (t *sideTree) configMapRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "" || ref.Kind != "ConfigMap" {
		return Note{}, false
	}
	data := t.set(root, "data")
	bin := t.set(root, "binaryData")
	if data >= 0 && t.vkindOf(data) != vMap || bin >= 0 && t.vkindOf(bin) != vMap {
		return Note{}, false // the type check's
	}
	total, line := 0, t.lineOf(root)
	if data >= 0 {
		line = t.lineOf(data)
		for ch := t.nodes[data].firstChild; ch >= 0; ch = t.nodes[ch].next {
			if t.vkindOf(ch) == vScalar {
				total += len(t.scalarOf(ch).canon)
			}
		}
	}
	if bin >= 0 {
		for ch := t.nodes[bin].firstChild; ch >= 0; ch = t.nodes[ch].next {
			if c := &t.nodes[ch]; c.kind == kDetached || c.kind == kUnknown {
				continue
			}
			key := t.keyOf(ch)
			if data >= 0 && t.child(data, key) >= 0 {
				return Note{Pos: Pos{Line: t.lineOf(ch)}, Text: fmt.Sprintf("binaryData[%q] must not repeat a key of data", key)}, true
			}
			if t.vkindOf(ch) == vScalar {
				if b, err := base64.StdEncoding.DecodeString(t.scalarOf(ch).canon); err == nil {
					total += len(b)
				}
			}
		}
	}
	if total > MaxConfigSize {
		return Note{Pos: Pos{Line: line}, Text: fmt.Sprintf("data and binaryData must hold at most %d bytes together (1 MiB); they hold %d", MaxConfigSize, total)}, true
	}
	return Note{}, false
}

// Where the workloads hold their update strategies.
var (
	deploymentStrategy = kube.Path{kube.Field("spec"), kube.Field("strategy")}
	updateStrategy     = kube.Path{kube.Field("spec"), kube.Field("updateStrategy")}
)

// intOrPercent returns the value the API server's validation reads from
// an int-or-percent field ([kube.Percent] of a percentage, the integer of
// a number, what strconv.Atoi makes of another string), or def where the
// node is -1 (absent: the server's default).
func (t *sideTree) intOrPercent(n int32, def int) int {
	if n < 0 {
		return def
	}
	s := t.scalarOf(n)
	if p, ok := kube.Percent(s.canon); ok && s.typ == StringType {
		return p
	}
	v, _ := strconv.Atoi(s.canon)
	return v
}

// rolloutRefusal returns a note when the complete new side t of a
// Deployment, DaemonSet or StatefulSet has an update strategy the API
// server refuses as a whole: a Deployment's rollingUpdate beside type
// Recreate, or its maxUnavailable and maxSurge both 0 (each defaults to
// 25%); a DaemonSet's both 0 or both above 0 (they default to 1 and 0: a
// DaemonSet surges or takes pods down, not both); a StatefulSet's
// rollingUpdate beside type OnDelete. A rollingUpdate of null is unset.
func (t *sideTree) rolloutRefusal(ref kube.ObjectRef) (Note, bool) {
	if ref.Group != "apps" {
		return Note{}, false
	}
	var at kube.Path
	var unavailable, surge int // the defaults
	switch ref.Kind {
	case "Deployment":
		at, unavailable, surge = deploymentStrategy, 25, 25
	case "DaemonSet":
		at, unavailable, surge = updateStrategy, 1, 0
	case "StatefulSet":
		at = updateStrategy
	default:
		return Note{}, false
	}
	st, ok := t.lookup(at)
	if !ok || t.vkindOf(st) != vMap {
		return Note{}, false // defaulted whole, or the type check's
	}
	typ, _ := t.itemKey(st, "type")
	ru := t.set(st, "rollingUpdate")
	if ru >= 0 && t.vkindOf(ru) != vMap {
		return Note{}, false // the type check's
	}
	switch {
	case ru >= 0 && (ref.Kind == "Deployment" && typ == "Recreate" || ref.Kind == "StatefulSet" && typ == "OnDelete"):
		return Note{Pos: Pos{Line: t.lineOf(ru)}, Text: fmt.Sprintf("%s.rollingUpdate must not be set when the type is %s", at, typ)}, true
	case ref.Kind == "StatefulSet", typ != "" && typ != "RollingUpdate":
		return Note{}, false
	}
	line := t.lineOf(st)
	if ru >= 0 {
		line = t.lineOf(ru)
		mu, ms := t.set(ru, "maxUnavailable"), t.set(ru, "maxSurge")
		for _, n := range []int32{mu, ms} {
			if n >= 0 && t.vkindOf(n) != vScalar {
				return Note{}, false // the type check's
			}
		}
		unavailable, surge = t.intOrPercent(mu, unavailable), t.intOrPercent(ms, surge)
	}
	switch {
	case unavailable == 0 && surge == 0:
		return Note{Pos: Pos{Line: line}, Text: fmt.Sprintf("%s.rollingUpdate.maxUnavailable must not be 0 when maxSurge is 0: the rollout could not move", at)}, true
	case ref.Kind == "DaemonSet" && unavailable != 0 && surge != 0:
		return Note{Pos: Pos{Line: line}, Text: fmt.Sprintf("%s.rollingUpdate.maxSurge must be 0 when maxUnavailable is not (maxUnavailable defaults to 1): a DaemonSet surges or takes pods down, not both", at)}, true
	}
	return Note{}, false
}

// keptRollingUpdateRefusal returns a note when an update of a StatefulSet
// switches its update strategy to OnDelete while the live object keeps the
// rollingUpdate the API server gave it: where the old manifest left the
// type RollingUpdate (or unset) and set no rollingUpdate, the server
// defaulted one (partition 0, maxUnavailable 1); helm's patch removes only
// what its last manifest set, so the field stays beside OnDelete, and the
// server refuses the pair ("only allowed for updateStrategy
// 'RollingUpdate'"). A new manifest that sets rollingUpdate: null removes
// it. (A Deployment's strategy is patched with retainKeys: its switch to
// Recreate drops rollingUpdate.)
func keptRollingUpdateRefusal(ref kube.ObjectRef, oldS, newS *sideTree) (Note, bool) {
	if ref.Group != "apps" || ref.Kind != "StatefulSet" || oldS == nil || newS == nil {
		return Note{}, false
	}
	ns, ok := newS.lookup(updateStrategy)
	if !ok || newS.vkindOf(ns) != vMap {
		return Note{}, false
	}
	if typ, _ := newS.itemKey(ns, "type"); typ != "OnDelete" || newS.child(ns, "rollingUpdate") >= 0 {
		return Note{}, false // another type; or rollingUpdate set (refused alone) or null (removed)
	}
	if os, ok := oldS.lookup(updateStrategy); ok {
		if oldS.vkindOf(os) != vMap {
			return Note{}, false
		}
		if typ, _ := oldS.itemKey(os, "type"); typ != "" && typ != "RollingUpdate" || oldS.set(os, "rollingUpdate") >= 0 {
			return Note{}, false // no rollingUpdate defaulted; or one the patch removes
		}
	}
	return Note{Pos: Pos{Line: newS.lineOf(ns)}, Text: "spec.updateStrategy.rollingUpdate, which the API server set while the type was RollingUpdate, stays on the live StatefulSet (helm's patch removes only what its last manifest set), and type OnDelete refuses it: set rollingUpdate: null beside it"}, true
}

// Where a CronJob holds its schedule and time zone, a CRD its group, and
// an object its annotations.
var (
	cronSchedule   = kube.Path{kube.Field("spec"), kube.Field("schedule")}
	cronTimeZone   = kube.Path{kube.Field("spec"), kube.Field("timeZone")}
	crdGroup       = kube.Path{kube.Field("spec"), kube.Field("group")}
	annotationsMap = kube.Path{kube.Field("metadata"), kube.Field("annotations")}
)

// scheduleTZRefusal returns a note when the complete new side of a
// CronJob, created or updated from oldS (nil for a creation), has a
// schedule with TZ or CRON_TZ that the API server refuses
// (validateScheduleFormat): in a new CronJob, or beside a timeZone. (A
// schedule changed to hold it where it had none is the change's own
// refusal: [ScheduleTZRefusal].)
func scheduleTZRefusal(ref kube.ObjectRef, oldS, newS *sideTree) (Note, bool) {
	if ref.Group != "batch" || ref.Kind != "CronJob" {
		return Note{}, false
	}
	sched, line, ok := stringAt(newS, cronSchedule)
	if !ok || !strings.Contains(sched, "TZ") {
		return Note{}, false
	}
	if oldS == nil {
		return Note{Pos: Pos{Line: line}, Text: "spec.schedule must not hold TZ or CRON_TZ in a new CronJob (set spec.timeZone instead)"}, true
	}
	old, _, ok := stringAt(oldS, cronSchedule)
	if !ok || !strings.Contains(old, "TZ") {
		return Note{}, false // the change's own refusal
	}
	if n, ok := newS.lookup(cronTimeZone); ok && !(newS.vkindOf(n) == vScalar && newS.scalarOf(n).typ == NullType) {
		return Note{Pos: Pos{Line: line}, Text: "spec.schedule must not hold TZ or CRON_TZ beside spec.timeZone"}, true
	}
	return Note{}, false
}

// ScheduleTZRefusal returns what a CronJob's schedule (path spec.schedule
// of an object of ref) must be where a change from old to new puts TZ or
// CRON_TZ into one that had none: the API server takes it only in a
// schedule that had it before (validateScheduleFormat). "" otherwise.
func ScheduleTZRefusal(ref kube.ObjectRef, path kube.Path, old, new Value) string {
	if ref.Group != "batch" || ref.Kind != "CronJob" || !path.Equal(cronSchedule) || new.Redacted || new.Kind != Scalar || new.Type != StringType {
		return ""
	}
	if !strings.Contains(new.Text, "TZ") || old.Kind == Scalar && strings.Contains(old.Text, "TZ") {
		return ""
	}
	return "a schedule without TZ or CRON_TZ (set spec.timeZone instead): the API server takes them only in a schedule that had them before"
}

// apiVersionChanged reports whether the two sides of an update give
// different apiVersions (of one group: another group is another object).
func apiVersionChanged(oldS, newS *sideTree) bool {
	o, _, ok1 := stringAt(oldS, pathAPIVersion)
	n, _, ok2 := stringAt(newS, pathAPIVersion)
	return ok1 && ok2 && o != n
}

// stringAt returns the string at path p of side t (nil: none), and its line.
func stringAt(t *sideTree, p kube.Path) (string, int, bool) {
	if t == nil {
		return "", 0, false
	}
	n, ok := t.lookup(p)
	if !ok || t.vkindOf(n) != vScalar {
		return "", 0, false
	}
	s := t.scalarOf(n)
	if s.typ != StringType {
		return "", 0, false
	}
	return s.canon, t.lineOf(n), true
}

// apiApproval is the state of a CRD's api-approved.kubernetes.io
// annotation, as the API server reads it (apihelpers.GetAPIApprovalState).
type apiApproval uint8

const (
	approvalMissing apiApproval = iota
	approvalBypassed
	approvalApproved
	approvalInvalid
)

// approvalOf reads the annotation of side t.
func approvalOf(t *sideTree) apiApproval {
	m, ok := t.lookup(annotationsMap)
	if !ok || t.vkindOf(m) != vMap {
		return approvalMissing
	}
	n := t.child(m, "api-approved.kubernetes.io")
	if n < 0 {
		return approvalMissing
	}
	if t.vkindOf(n) != vScalar || t.scalarOf(n).typ != StringType {
		return approvalInvalid // the type check says more
	}
	return approvalState(t.scalarOf(n).canon)
}

// approvalState reads an annotation's value.
func approvalState(v string) apiApproval {
	switch {
	case v == "":
		return approvalMissing
	case strings.HasPrefix(v, "unapproved"):
		return approvalBypassed
	case approvalURL(v):
		return approvalApproved
	}
	return approvalInvalid
}

// approvalURL reports whether s is the URL of an approval as the API
// server reads it: url.ParseRequestURI takes it, with a scheme and a host.
func approvalURL(s string) bool {
	u, err := url.ParseRequestURI(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// apiApprovalRefusal returns a note when the complete new side of a CRD of
// a group the Kubernetes project owns (k8s.io, kubernetes.io and their
// subdomains: the Gateway API's, for one) lacks a valid
// api-approved.kubernetes.io annotation (the URL of the approving pull
// request, or "unapproved…") where the old side's state differs: the API
// server refuses it (validateAPIApproval). A new CRD has no old state.
func apiApprovalRefusal(ref kube.ObjectRef, oldS, newS *sideTree) (Note, bool) {
	if ref.Group != "apiextensions.k8s.io" || ref.Kind != "CustomResourceDefinition" {
		return Note{}, false
	}
	group, line, ok := stringAt(newS, crdGroup)
	if !ok || !protectedGroup(group) {
		return Note{}, false
	}
	state := approvalOf(newS)
	if oldS != nil && approvalOf(oldS) == state {
		return Note{}, false // unchanged: never refused
	}
	switch state {
	case approvalMissing:
		return Note{Pos: Pos{Line: line}, Text: fmt.Sprintf("metadata.annotations[\"api-approved.kubernetes.io\"] is required for a CRD of group %s (the Kubernetes project's): the URL of its approval, or \"unapproved, ...\"", group)}, true
	case approvalInvalid:
		return Note{Pos: Pos{Line: line}, Text: fmt.Sprintf("metadata.annotations[\"api-approved.kubernetes.io\"] of a CRD of group %s must be the URL of its approval, or begin with \"unapproved\"", group)}, true
	}
	return Note{}, false
}

// crdVersions is where a CRD lists its versions.
var crdVersions = kube.Path{kube.Field("spec"), kube.Field("versions")}

// storedVersionRefusal returns a note when the complete new side of a CRD
// no longer lists the version the old side stores its resources in: that
// version is in status.storedVersions, each of which spec.versions must
// keep (apiextensions validation ValidateCustomResourceDefinitionStoredVersions).
// A created CRD has none stored.
func storedVersionRefusal(ref kube.ObjectRef, oldS, newS *sideTree) (Note, bool) {
	if ref.Group != "apiextensions.k8s.io" || ref.Kind != "CustomResourceDefinition" || oldS == nil {
		return Note{}, false
	}
	ol, ok := oldS.lookup(crdVersions)
	if !ok || oldS.vkindOf(ol) != vSeq {
		return Note{}, false
	}
	nl, ok := newS.lookup(crdVersions)
	if !ok || newS.vkindOf(nl) != vSeq {
		return Note{}, false // no list is the type check's
	}
	for c := oldS.nodes[ol].firstChild; c >= 0; c = oldS.nodes[c].next {
		name, ok := oldS.itemKey(c, "name")
		st := oldS.child(c, "storage")
		if !ok || st < 0 || oldS.vkindOf(st) != vScalar || oldS.scalarOf(st).canon != "true" {
			continue
		}
		for d := newS.nodes[nl].firstChild; d >= 0; d = newS.nodes[d].next {
			if n, ok := newS.itemKey(d, "name"); ok && n == name {
				return Note{}, false
			}
		}
		return Note{Pos: Pos{Line: newS.lineOf(nl)}, Text: fmt.Sprintf("spec.versions must keep %s: it is the version the CRD stores its resources in (status.storedVersions holds it)", name)}, true
	}
	return Note{}, false
}

// APIApprovalRefusal returns why the API server may refuse a CRD whose
// api-approved.kubernetes.io annotation (at path, of an object of ref) a
// change takes from old to new, where the view does not show the CRD's
// group: a group of the Kubernetes project needs a valid one, and the
// server checks it when it changes. "" when the change leaves it valid or
// as it was.
func APIApprovalRefusal(ref kube.ObjectRef, path kube.Path, old, new Value) string {
	if ref.Group != "apiextensions.k8s.io" || ref.Kind != "CustomResourceDefinition" || !path.Equal(approvalPath) || old.Redacted || new.Redacted {
		return ""
	}
	state := func(v Value) apiApproval {
		switch {
		case !v.Present() || v.Kind == Scalar && v.Type == NullType:
			return approvalMissing
		case v.Kind != Scalar || v.Type != StringType:
			return approvalInvalid
		}
		return approvalState(v.Text)
	}
	s := state(new)
	if s == state(old) || s == approvalApproved || s == approvalBypassed {
		return ""
	}
	return "the URL of its approval, or a text beginning with \"unapproved\", if the CRD's group (not shown) is the Kubernetes project's (k8s.io, kubernetes.io and their subdomains)"
}

var approvalPath = kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field("api-approved.kubernetes.io")}

// protectedGroup reports whether a CRD's group is the Kubernetes
// project's (apihelpers.IsProtectedCommunityGroup).
func protectedGroup(g string) bool {
	return g == "k8s.io" || g == "kubernetes.io" || strings.HasSuffix(g, ".k8s.io") || strings.HasSuffix(g, ".kubernetes.io")
}
