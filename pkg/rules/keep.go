package rules

import (
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// KeepRule is the rule id of the decision about an object that helm
// upgrade does not delete although the chart no longer renders it: its
// helm.sh/resource-policy annotation is keep (helm v3.22 and v4.3
// pkg/kube/client.go Update: the object is skipped, left in the cluster
// and no longer the release's). helm-diff leaves such removals out of its
// output; a Stevedore plan, made from the release manifests, shows them.
const KeepRule = "helm-keep"

var keepPath = kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field("helm.sh/resource-policy")}

// Kept reports whether helm upgrade leaves o in the cluster where the
// input shows it deleted: the release's manifest (o's old side, shown
// whole) sets helm.sh/resource-policy to keep, exactly, as helm compares
// it. (helm reads the live object's annotation: one changed outside helm
// is drift, which --cluster shows.)
func Kept(o *diffparse.Object) bool {
	if o.Action != diffparse.Delete || o.Content != diffparse.Complete {
		return false
	}
	f := o.Fact(diffparse.Old, keepPath)
	return f.Presence == diffparse.Present && stringFact(f) && f.Value.Text == "keep"
}

// keptDecision is the decision for a kept object's deletion.
var keptDecision = Decision{Level: Safe, Rule: KeepRule, Reason: "helm.sh/resource-policy: keep: helm upgrade does not delete the object; it stays in the cluster, no longer the release's"}
