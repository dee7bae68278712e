package rules

import (
	"fmt"
	"slices"

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
