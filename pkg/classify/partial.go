package classify

import (
	"sort"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// PartialUpgrade is what helm upgrade does around an object it cannot
// update in place (an immutable field changes): helm does not replace
// it, the API server refuses the update, and helm goes on. It applies
// every other change of the release in its install order, before and
// after the refused object, leaves them applied, skips the deletions and
// marks the release failed (helm v3.22 and v4.3 pkg/kube Client.Update:
// a refused update is collected and the walk goes on).
type PartialUpgrade struct {
	// Before and After are the other changed objects helm applies before
	// and after it; Same those of its kind, which helm applies in the
	// chart's order (which a diff does not show).
	Before, Same, After []*Object
	// Skipped are the deletions helm does not make.
	Skipped []*Object
}

// PartialUpgrade says what helm upgrade applies around o, an object of
// the result that must be replaced, in helm's install order (helm v4's,
// which adds the webhook configurations to v3's).
func (r *Result) PartialUpgrade(o *Object) PartialUpgrade {
	order := kube.HelmInstallOrder(4)
	var p PartialUpgrade
	for _, x := range r.Objects {
		if x == o || x.Release != o.Release {
			continue
		}
		switch {
		case x.Action == diffparse.Delete:
			p.Skipped = append(p.Skipped, x)
		case x.Ref.Kind == o.Ref.Kind:
			p.Same = append(p.Same, x)
		case kube.HelmKindLess(order, x.Ref.Kind, o.Ref.Kind):
			p.Before = append(p.Before, x)
		default:
			p.After = append(p.After, x)
		}
	}
	for _, l := range [][]*Object{p.Before, p.After} {
		sort.SliceStable(l, func(i, j int) bool { return kube.HelmKindLess(order, l[i].Ref.Kind, l[j].Ref.Kind) })
	}
	return p
}
