package diffparse

import (
	"fmt"

	"github.com/safediff/safediff/pkg/kube"
)

// A workload's selector must select the pods of its own template: the API
// server refuses a Deployment, StatefulSet, DaemonSet or ReplicaSet whose
// spec.selector.matchLabels names a label its template does not carry with
// that value ("selector does not match template labels"). A chart that
// changes a template label its selector uses fails helm upgrade there.

// selectorPath and templateLabels are where the two stand.
var (
	selectorPath   = kube.Path{kube.Field("spec"), kube.Field("selector"), kube.Field("matchLabels")}
	templateLabels = kube.Path{kube.Field("spec"), kube.Field("template"), kube.Field("metadata"), kube.Field("labels")}
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
	sel, ok := t.lookup(selectorPath)
	if !ok || t.vkindOf(sel) != vMap {
		return Note{}, false // no selector: its own refusal; a wrong shape: the type check's
	}
	labels, ok := t.lookup(templateLabels)
	if ok && t.vkindOf(labels) != vMap {
		return Note{}, false
	}
	for ch := t.nodes[sel].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if c := &t.nodes[ch]; c.kind == kDetached || c.kind == kUnknown || t.vkindOf(ch) != vScalar {
			continue
		}
		key, want := t.keyOf(ch), t.scalarOf(ch).canon
		got, has := "", false
		if ok {
			if l := t.child(labels, key); l >= 0 && t.vkindOf(l) == vScalar {
				got, has = t.scalarOf(l).canon, true
			}
		}
		if has && got == want {
			continue
		}
		line := t.lineOf(ch)
		what := fmt.Sprintf("has no %s", key)
		if has {
			what = fmt.Sprintf("has %s: %s", key, got)
			line = t.lineOf(t.child(labels, key))
		}
		return Note{Pos: Pos{Line: line}, Text: fmt.Sprintf("spec.selector.matchLabels selects %s: %s but spec.template.metadata.labels %s (a selector must select its own pods)", key, want, what)}, true
	}
	return Note{}, false
}
