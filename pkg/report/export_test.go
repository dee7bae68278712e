package report

import "github.com/safediff/safediff/pkg/classify"

// MarkdownCode exposes mdCode to the tests.
var MarkdownCode = mdCode

// Around exposes installOrder.around, with the result's install order
// built for the call, to the tests: the references of each group, and
// its count.
func Around(res *classify.Result, o *classify.Object) (groups [4][]string, counts [4]int) {
	before, after, same, skipped := newInstallOrder(res).around(o)
	for i, a := range []objectsAround{before, after, same, skipped} {
		for _, x := range a.objs {
			if x != a.skip {
				groups[i] = append(groups[i], x.Ref.String())
			}
		}
		counts[i] = a.n
	}
	return groups, counts
}
