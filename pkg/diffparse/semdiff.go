package diffparse

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aymanbagabas/go-udiff/lcs"

	"github.com/safediff/safediff/pkg/kube"
)

// This file compares the two sides of a complete object as values, the way
// Kubernetes sees them: mappings by key, lists of merge-keyed items by key
// (when every item has a unique one) else by position, a change of order
// as a change, scalars by their resolved value (a change of spelling only
// is a reformat), and an added or removed subtree as one change.

// semChange is one difference between the two sides.
type semChange struct {
	path     kube.Path
	op       Op
	old, new int32 // nodes of each side, -1 for none
	// within: a field of a block added or removed whole, reported beside
	// the block's own change (see splitBlock)
	within bool
	// keyShared: see Change.KeyShared
	keyShared bool
	// for Reorder: the items' keys (or the items) of each side, in order
	oldOrder, newOrder []string
}

type differ struct {
	a, b   *sideTree
	ca, cb *counts // changed-line counts of the fast trees (nil for exact ones)
	// each is called with every difference, in the walk's order; the
	// path it is given is valid only during the call. Without it, the
	// walk only counts them, in n.
	each func(semChange)
	n    int
	// path holds the steps to the nodes being compared: the paths the
	// walk passes down are prefixes of it, and a change takes a copy
	path kube.Path
	// same: b was patched from a (patchFrom), so a node of both with one
	// index has the same entries at the same indexes
	same bool
	// keyShared marks the changes reported meanwhile (see Change.KeyShared)
	keyShared bool
}

// semanticDiff compares the roots of two complete sides and returns their
// differences. (Two items of one key in a list of the new side are not
// refused here: helm 3's patch merges them; serverSideAt finds them, as
// server-side apply refuses them.)
func semanticDiff(a, b *sideTree, ca, cb *counts, same bool) []semChange {
	var out []semChange
	var d differ
	d.walk(a, b, ca, cb, same, keepDiffs(&out))
	return out
}

// keepDiffs returns a function that appends each difference to out, with
// a path of its own.
func keepDiffs(out *[]semChange) func(semChange) {
	return func(sc semChange) {
		sc.path = slices.Clone(sc.path)
		*out = append(*out, sc)
	}
}

// values sets the old and new values of c, the change of difference sc
// between sides a and b, and the shape the input shows (the new side's,
// else the old's): a reorder's values are the orders of the items.
func (sc semChange) values(c *Change, a, b *sideTree) {
	if sc.op == Reorder {
		c.Old = Value{Kind: Tree, Text: jsonArray(sc.oldOrder), Bytes: -1}
		c.New = Value{Kind: Tree, Text: jsonArray(sc.newOrder), Bytes: -1}
		c.Shape = kube.SequenceShape
		return
	}
	var os, ns kube.Shape
	if sc.old >= 0 {
		c.Old, os = a.valueOf(sc.old)
	}
	if sc.new >= 0 {
		c.New, ns = b.valueOf(sc.new)
	}
	c.Shape = ns
	if c.Shape == kube.UnknownShape {
		c.Shape = os
	}
	c.Within = sc.within
	c.KeyShared = sc.keyShared
}

// walk compares the roots of two complete sides as semanticDiff does,
// calling each with every difference rather than keeping them (or, with a
// nil each, counting them): the walk is the same every time, so that a
// caller can count the differences first and then keep each in a slice of
// the right size (an object of 100,000 changes held twice, as differences
// and as changes, was most of a review's peak). It returns the number of
// differences. A difference's path is valid only during the call. The
// differ is reused: its path buffer stays.
func (d *differ) walk(a, b *sideTree, ca, cb *counts, same bool, each func(semChange)) int {
	*d = differ{a: a, b: b, ca: ca, cb: cb, same: same, each: each, path: d.path[:0]}
	d.diffFrom(kube.Path{}, a.typ, root, root)
	d.each = nil
	return d.n
}

// diffFrom compares nodes na and nb at path p.
func (d *differ) diffFrom(p kube.Path, typ *kube.Type, na, nb int32) {
	d.path = append(d.path[:0], p...)
	d.diff(d.path, typ, na, nb)
}

// changedIn reports whether node n's lines hold a changed line; nodes
// without lines (the exact reader's) count as changed.
func changedIn(t *sideTree, c *counts, n int32) bool {
	nd := &t.nodes[n]
	if t.exact || c == nil || nd.own < 0 {
		return true
	}
	_, changed := c.span(nd.own, nd.end)
	return changed > 0
}

// sameLines reports whether two nodes of the fast trees stand on the same
// input lines.
func (d *differ) sameLines(na, nb int32) bool {
	x, y := &d.a.nodes[na], &d.b.nodes[nb]
	if d.a.exact || d.b.exact || x.own < 0 || y.own < 0 {
		return false
	}
	return d.a.lines[x.own].no == d.b.lines[y.own].no && d.a.lines[x.end].no == d.b.lines[y.end].no
}

// ownsLine reports whether node n of a fast tree is written on a line of
// its own (not inside a flow collection, not read by the exact reader).
func ownsLine(t *sideTree, n int32) bool {
	nd := &t.nodes[n]
	return !t.exact && nd.own >= 0 && t.owner[nd.own] == n
}

// sameText reports whether two nodes of the fast trees are written alike
// on their own lines: a line that only moved (with its list item) is not a
// change of spelling.
func (d *differ) sameText(na, nb int32) bool {
	x, y := &d.a.nodes[na], &d.b.nodes[nb]
	if !ownsLine(d.a, na) || !ownsLine(d.b, nb) || x.end-x.own != y.end-y.own {
		return false
	}
	for i := int32(0); i <= x.end-x.own; i++ {
		if la, lb := d.a.lines[x.own+i], d.b.lines[y.own+i]; la.text != lb.text || la.cr != lb.cr {
			return false
		}
	}
	return true
}

// child returns the path of step s below p, which is a prefix of d.path
// (the path of the walk's current node or an ancestor's): valid until the
// walk goes on to a sibling.
func (d *differ) child(p kube.Path, s kube.Step) kube.Path {
	d.path = append(d.path[:len(p)], s)
	return d.path
}

// emit reports a difference at p, whose type is typ when p is a field of
// a mapping (nil for a list item, or where the schema does not say).
func (d *differ) emit(p kube.Path, typ *kube.Type, op Op, na, nb int32) {
	if d.splitLabels(p, op, na, nb) {
		return
	}
	d.report(semChange{path: p, op: op, old: na, new: nb})
	switch {
	case op == Add || op == Modify && nb >= 0 && d.b.vkindOf(nb) == vMap && (na < 0 || d.a.vkindOf(na) != vMap):
		d.splitBlock(p, typ, d.b, nb, Add)
	case op == Remove || op == Modify && na >= 0 && d.a.vkindOf(na) == vMap && (nb < 0 || d.b.vkindOf(nb) != vMap):
		d.splitBlock(p, typ, d.a, na, Remove)
	}
}

// splitBlock reports, after the change of a mapping that one side has and
// the other does not (a block added, removed, or put where a scalar or a
// null was), each field the schema declares inside it as a change of its
// own, to every depth (a list, a map of names, an undeclared key stay in
// their parent's value): rules name single fields (a StatefulSet's
// persistentVolumeClaimRetentionPolicy.whenDeleted, a DaemonSet's
// affinity.nodeAffinity), which the block's own change does not reach.
func (d *differ) splitBlock(p kube.Path, typ *kube.Type, t *sideTree, m int32, op Op) {
	if m < 0 || typ == nil || typ.Kind != kube.StructType || t.vkindOf(m) != vMap {
		return
	}
	for ch := t.nodes[m].firstChild; ch >= 0; ch = t.nodes[ch].next {
		k := t.keyOf(ch)
		ft := typ.Field(k)
		if ft == nil || !t.effective(ch) {
			continue
		}
		c := d.child(p, d.field(k))
		if op == Add {
			d.report(semChange{path: c, op: Add, old: -1, new: ch, within: true})
		} else {
			d.report(semChange{path: c, op: Remove, old: ch, new: -1, within: true})
		}
		d.splitBlock(c, ft, t, ch, op)
	}
}

// splitLabels reports each entry of an object's label or annotation map
// that a change adds or removes whole (labels: where there were none, or
// null where there were some) as a change of its own, and reports whether
// it did: rules name single labels (pod-security.kubernetes.io/enforce on
// a Namespace, helm's keep policy), which the map's own change does not
// reach.
func (d *differ) splitLabels(p kube.Path, op Op, na, nb int32) bool {
	n := len(p)
	if n < 2 || p[n-2] != kube.Field("metadata") || p[n-1] != kube.Field("labels") && p[n-1] != kube.Field("annotations") {
		return false
	}
	empty := func(t *sideTree, x int32) bool {
		return x < 0 || t.vkindOf(x) == vScalar && t.scalarOf(x).typ == NullType
	}
	var t *sideTree
	var m int32
	switch {
	case empty(d.a, na) && nb >= 0 && d.b.vkindOf(nb) == vMap:
		t, m, op = d.b, nb, Add
	case empty(d.b, nb) && na >= 0 && d.a.vkindOf(na) == vMap:
		t, m, op = d.a, na, Remove
	default:
		return false
	}
	some := false
	for ch := t.nodes[m].firstChild; ch >= 0; ch = t.nodes[ch].next {
		some = some || t.effective(ch)
	}
	if !some {
		return false
	}
	for ch := t.nodes[m].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if !t.effective(ch) {
			continue
		}
		c := d.child(p, d.field(t.keyOf(ch)))
		if op == Add {
			d.report(semChange{path: c, op: Add, old: -1, new: ch})
		} else {
			d.report(semChange{path: c, op: Remove, old: ch, new: -1})
		}
	}
	return true
}

// countingStep stands for every step of the paths of a walk that only
// counts: no one reads them, and a step made for each key was an
// allocation.
var countingStep kube.Step = kube.Index(0)

// field returns the step of mapping entry k.
func (d *differ) field(k string) kube.Step {
	if d.each == nil {
		return countingStep
	}
	return kube.FieldStep(k)
}

// report hands a difference to each, or counts it.
func (d *differ) report(sc semChange) {
	sc.keyShared = d.keyShared && !sc.within // the item's own change, not its fields'
	d.n++
	if d.each != nil {
		d.each(sc)
	}
}

func (d *differ) diff(p kube.Path, typ *kube.Type, na, nb int32) {
	chA, chB := changedIn(d.a, d.ca, na), changedIn(d.b, d.cb, nb)
	if !chA && !chB && d.sameLines(na, nb) {
		return // the same unchanged lines: the same value
	}
	ka, kb := d.a.vkindOf(na), d.b.vkindOf(nb)
	if ka != kb {
		d.emit(p, typ, Modify, na, nb)
		return
	}
	switch ka {
	case vMap:
		d.diffMap(p, typ, na, nb)
	case vSeq:
		d.diffSeq(p, typ, na, nb)
	default:
		sa, sb := d.a.scalarOf(na), d.b.scalarOf(nb)
		switch {
		case !sa.equal(sb):
			d.emit(p, typ, Modify, na, nb)
		case (chA && ownsLine(d.a, na) || chB && ownsLine(d.b, nb)) && !d.sameText(na, nb):
			d.emit(p, typ, Reformat, na, nb)
		}
	}
}

// unchanged reports whether two nodes of the fast trees stand on the same
// unchanged lines: then they hold the same value.
func (d *differ) unchanged(na, nb int32) bool {
	return !changedIn(d.a, d.ca, na) && !changedIn(d.b, d.cb, nb) && d.sameLines(na, nb)
}

// diffChild compares the children na and nb at step s below path p,
// building their path only when they differ.
func (d *differ) diffChild(p kube.Path, s kube.Step, typ *kube.Type, na, nb int32) {
	if !d.unchanged(na, nb) {
		d.diff(d.child(p, s), typ, na, nb)
	}
}

// diffField compares the entries k of two mappings of type typ: the
// path step is made only when they differ (most entries do not).
func (d *differ) diffField(p kube.Path, k string, typ *kube.Type, na, nb int32) {
	if !d.unchanged(na, nb) {
		d.diff(d.child(p, d.field(k)), typ.Field(k), na, nb)
	}
}

// smallMap bounds the mappings compared in place, without an index.
const smallMap = 16

func (d *differ) diffMap(p kube.Path, typ *kube.Type, na, nb int32) {
	if d.same && na == nb {
		// one mapping's lines with some values rewritten: the same keys
		for ch := d.a.nodes[na].firstChild; ch >= 0; ch = d.a.nodes[ch].next {
			if d.a.effective(ch) {
				d.diffField(p, d.a.keyOf(ch), typ, ch, ch)
			}
		}
		return
	}
	if d.a.fewEntries(na, smallMap) && d.b.fewEntries(nb, smallMap) {
		for ch := d.a.nodes[na].firstChild; ch >= 0; ch = d.a.nodes[ch].next {
			if !d.a.effective(ch) {
				continue
			}
			k := d.a.keyOf(ch)
			if m := d.b.child(nb, k); m >= 0 {
				d.diffField(p, k, typ, ch, m)
			} else {
				d.emit(d.child(p, d.field(k)), typ.Field(k), Remove, ch, -1)
			}
		}
		for ch := d.b.nodes[nb].firstChild; ch >= 0; ch = d.b.nodes[ch].next {
			if k := d.b.keyOf(ch); d.b.effective(ch) && d.a.child(na, k) < 0 {
				d.emit(d.child(p, d.field(k)), typ.Field(k), Add, -1, ch)
			}
		}
		return
	}
	keysA, nodesA := d.a.mapEntries(na)
	keysB, nodesB := d.b.mapEntries(nb)
	inB := make(map[string]int, len(keysB))
	for i, k := range keysB {
		inB[k] = i
	}
	seen := make([]bool, len(keysB))
	for i, k := range keysA {
		if j, ok := inB[k]; ok {
			seen[j] = true
			d.diffField(p, k, typ, nodesA[i], nodesB[j])
			continue
		}
		d.emit(d.child(p, d.field(k)), typ.Field(k), Remove, nodesA[i], -1)
	}
	for j, k := range keysB {
		if !seen[j] {
			d.emit(d.child(p, d.field(k)), typ.Field(k), Add, -1, nodesB[j])
		}
	}
}

// fewEntries reports whether mapping n has at most max children.
func (t *sideTree) fewEntries(n int32, max int) bool {
	c := 0
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if c++; c > max {
			return false
		}
	}
	return true
}

// effective reports whether child ch of a mapping is an entry that counts:
// not structure the diff does not show, and not followed by another entry
// with the same key (the last of duplicate keys wins, as in go-yaml).
func (t *sideTree) effective(ch int32) bool {
	c := &t.nodes[ch]
	if c.item || c.kind == kDetached || c.kind == kUnknown {
		return false
	}
	if c.parent >= 0 {
		if idx := t.entries(c.parent); idx != nil {
			return idx[t.str(c, c.key)].last == ch
		}
	}
	for o := c.next; o >= 0; o = t.nodes[o].next {
		if on := &t.nodes[o]; !on.item && on.key.n == c.key.n && t.str(on, on.key) == t.str(c, c.key) {
			return false
		}
	}
	return true
}

// mergeKeyOf returns the field that identifies the items of a list of type
// lt: its patchMergeKey, or "name" when the schema does not know the list.
func mergeKeyOf(lt *kube.Type) string {
	if lt == nil {
		return "name"
	}
	return lt.MergeKey
}

// keyedItems returns the items of a list and their keys, ok when every
// item has a unique key.
func keyedItems(t *sideTree, n int32, field string) ([]int32, []string, bool) {
	var items []int32
	var keys []string
	seen := map[string]bool{}
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		k, ok := t.itemKey(ch, field)
		if !ok || seen[k] {
			return nil, nil, false
		}
		seen[k] = true
		items = append(items, ch)
		keys = append(keys, k)
	}
	return items, keys, true
}

// duplicate returns a note when list n, of type typ at path p, has two
// items of one merge key and the API server refuses that (typ.Unique).
func (t *sideTree) duplicate(n int32, typ *kube.Type, p kube.Path) (Note, bool) {
	if typ == nil || !typ.Unique || typ.MergeKey == "" {
		return Note{}, false
	}
	// a map, not a scan: a hostile chart's list of 100,000 containers
	// must stay linear
	seen := map[string]bool{}
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		k, ok := t.itemKey(ch, typ.MergeKey)
		if !ok {
			continue
		}
		if seen[k] {
			return Note{Pos: Pos{Line: t.lineOf(ch)}, Text: fmt.Sprintf("%s must not hold two items whose %s is %s", p, typ.MergeKey, k)}, true
		}
		seen[k] = true
	}
	return Note{}, false
}

func listItems(t *sideTree, n int32) []int32 {
	var items []int32
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		items = append(items, ch)
	}
	return items
}

func (d *differ) diffSeq(p kube.Path, typ *kube.Type, na, nb int32) {
	it := typ.Item()
	if field := mergeKeyOf(typ); field != "" {
		itemsA, keysA, okA := keyedItems(d.a, na, field)
		itemsB, keysB, okB := keyedItems(d.b, nb, field)
		if okA && okB {
			d.diffKeyed(p, it, field, na, nb, itemsA, keysA, itemsB, keysB)
			return
		}
	}
	itemsA, itemsB := listItems(d.a, na), listItems(d.b, nb)
	if len(itemsA) == len(itemsB) && len(itemsA) > 1 {
		// the same items in another order: one reorder
		fa, fb := d.itemForms(d.a, itemsA), d.itemForms(d.b, itemsB)
		if !slices.Equal(fa, fb) {
			sa, sb := slices.Clone(fa), slices.Clone(fb)
			sort.Strings(sa)
			sort.Strings(sb)
			if slices.Equal(sa, sb) {
				d.report(semChange{path: p, op: Reorder, old: na, new: nb, oldOrder: fa, newOrder: fb})
				return
			}
		}
	}
	// the items both sides keep, in the same order, are the same items:
	// what changes is the items between them (an RBAC rule inserted
	// among the others is a rule added, not the ones after it changed).
	// The ends first (cheap), then the longest common run of the middle.
	head, tail := 0, 0
	n := min(len(itemsA), len(itemsB))
	for head < n && d.sameItem(itemsA[head], itemsB[head]) {
		head++
	}
	for tail < n-head && d.sameItem(itemsA[len(itemsA)-1-tail], itemsB[len(itemsB)-1-tail]) {
		tail++
	}
	// a list of a merge key whose old side repeats a key (keyedItems
	// refused it) of which the new side keeps fewer items, one at least:
	// helm 3's patch deletes by key, so every item of it goes; each change
	// of the list says so (which of them stands for the item taken out
	// depends on where the positions shift)
	if field := mergeKeyOf(typ); field != "" && !d.keyShared && keysShared(d.a, itemsA, d.b, itemsB, field) {
		d.keyShared = true
		defer func() { d.keyShared = false }()
	}
	midA, midB := itemsA[head:len(itemsA)-tail], itemsB[head:len(itemsB)-tail]
	spans, kept := d.align(p, na, nb, itemsA, itemsB, midA, midB)
	// the items kept hold equal values, which may be spelled otherwise
	// (a reformat)
	same := func(i, j int) {
		if !d.unchanged(itemsA[i], itemsB[j]) {
			d.diffChild(p, kube.Index(j), it, itemsA[i], itemsB[j])
		}
	}
	for i := range head {
		same(i, i)
	}
	for _, k := range kept {
		same(head+k[0], head+k[1])
	}
	for k := range tail {
		same(len(itemsA)-tail+k, len(itemsB)-tail+k)
	}
	for _, r := range spans {
		for k := 0; k < r.oldN || k < r.newN; k++ {
			i, j := head+r.old+k, head+r.new+k
			switch {
			case k >= r.newN:
				d.emit(d.child(p, kube.Index(i)), nil, Remove, itemsA[i], -1)
			case k >= r.oldN:
				d.emit(d.child(p, kube.Index(j)), nil, Add, -1, itemsB[j])
			default:
				d.diffChild(p, kube.Index(j), it, itemsA[i], itemsB[j])
			}
		}
	}
}

// span is a stretch of a list's items that one side has in place of the
// other's: oldN items of the old side from old, newN of the new side from
// new. Paired in order, the items of both are one item changed; the rest
// are removed or added.
type span struct{ old, oldN, new, newN int }

// maxAligned bounds the items of a list whose middle is aligned by value:
// beyond it, the middle is one stretch (paired in order, as a list that
// changed throughout).
const maxAligned = 10000

// align returns the stretches where the middles of a list's two sides
// differ. The items they share are matched in order by value (the longest
// common run found by go-udiff's bounded Myers search: each item it
// matches is equal to its match, so nothing it matches hides a change);
// an item that is in both sides' stretches is one moved, and the list's
// order is reported as changed (a role's rules in any order grant the
// same; a container's args do not) rather than the item as removed and
// added.
func (d *differ) align(p kube.Path, na, nb int32, itemsA, itemsB, midA, midB []int32) (spans []span, kept [][2]int) {
	whole := []span{{0, len(midA), 0, len(midB)}}
	if len(midA) == 0 || len(midB) == 0 || len(midA)+len(midB) == 2 || len(midA)+len(midB) > maxAligned {
		return whole, nil
	}
	fa, fb := d.itemForms(d.a, midA), d.itemForms(d.b, midB)
	diffs := lcs.DiffLines(fa, fb)
	spans = make([]span, 0, len(diffs))
	i, j := 0, 0 // the items before these are matched or in a stretch
	for _, df := range diffs {
		for ; i < df.Start; i, j = i+1, j+1 {
			kept = append(kept, [2]int{i, j})
		}
		spans = append(spans, span{df.Start, df.End - df.Start, df.ReplStart, df.ReplEnd - df.ReplStart})
		i, j = df.End, df.ReplEnd
	}
	for ; i < len(midA); i, j = i+1, j+1 {
		kept = append(kept, [2]int{i, j})
	}
	// an item in a stretch of each side: moved
	moved := map[string]int{}
	for _, s := range spans {
		for _, f := range fa[s.old : s.old+s.oldN] {
			moved[f]++
		}
	}
	var out []span
	left := map[string]int{}
	for _, s := range spans {
		for _, f := range fb[s.new : s.new+s.newN] {
			if moved[f] > 0 {
				moved[f]--
				left[f]++
			}
		}
	}
	if len(left) == 0 {
		return spans, kept
	}
	// the moved items, out of their stretches: the rest of each is paired
	// in order (a stretch becomes the runs between its moved items)
	d.report(semChange{path: p, op: Reorder, old: na, new: nb, oldOrder: d.itemForms(d.a, itemsA), newOrder: d.itemForms(d.b, itemsB)})
	takeA, takeB := maps.Clone(left), left
	for _, s := range spans {
		var a, b []int
		for k := s.old; k < s.old+s.oldN; k++ {
			if takeA[fa[k]] > 0 {
				takeA[fa[k]]--
				continue
			}
			a = append(a, k)
		}
		for k := s.new; k < s.new+s.newN; k++ {
			if takeB[fb[k]] > 0 {
				takeB[fb[k]]--
				continue
			}
			b = append(b, k)
		}
		for k := 0; k < len(a) || k < len(b); k++ {
			r := span{}
			if k < len(a) {
				r.old, r.oldN = a[k], 1
			}
			if k < len(b) {
				r.new, r.newN = b[k], 1
			}
			out = append(out, r)
		}
	}
	return out, kept
}

// keysShared reports whether items a of the old side repeat a merge key
// (of field) of which items b of the new side keep fewer, one at least.
func keysShared(ta *sideTree, a []int32, tb *sideTree, b []int32, field string) bool {
	count := func(t *sideTree, items []int32) map[string]int {
		m := map[string]int{}
		for _, n := range items {
			if k, ok := t.itemKey(n, field); ok {
				m[k]++
			}
		}
		return m
	}
	ca, cb := count(ta, a), count(tb, b)
	for k, n := range ca {
		if cb[k] >= 1 && cb[k] < n { // so n > 1: a key the old side repeats
			return true
		}
	}
	return false
}

// sameItem reports whether two list items hold the same value.
func (d *differ) sameItem(na, nb int32) bool {
	return d.unchanged(na, nb) || d.a.jsonText(na, true) == d.b.jsonText(nb, true)
}

// itemForms returns the items of a list in a canonical JSON form, so that
// equal items compare equal whatever their spelling.
func (d *differ) itemForms(t *sideTree, items []int32) []string {
	out := make([]string, len(items))
	for i, n := range items {
		out[i] = t.jsonText(n, true)
	}
	return out
}

func (d *differ) diffKeyed(p kube.Path, it *kube.Type, field string, na, nb int32, itemsA []int32, keysA []string, itemsB []int32, keysB []string) {
	posB := make(map[string]int, len(keysB))
	for j, k := range keysB {
		posB[k] = j
	}
	inA := make(map[string]bool, len(keysA))
	var commonA []string
	step := func(k string) kube.Step {
		if d.each == nil {
			return countingStep
		}
		return kube.Key{Field: kube.Intern(field), Value: strings.Clone(k)}
	}
	for i, k := range keysA {
		inA[k] = true
		if j, ok := posB[k]; ok {
			commonA = append(commonA, k)
			if !d.unchanged(itemsA[i], itemsB[j]) {
				d.diff(d.child(p, step(k)), it, itemsA[i], itemsB[j])
			}
			continue
		}
		d.emit(d.child(p, step(k)), nil, Remove, itemsA[i], -1)
	}
	var commonB []string
	for j, k := range keysB {
		if inA[k] {
			commonB = append(commonB, k)
			continue
		}
		d.emit(d.child(p, step(k)), nil, Add, -1, itemsB[j])
	}
	if !slices.Equal(commonA, commonB) {
		d.report(semChange{path: p, op: Reorder, old: na, new: nb, oldOrder: keysA, newOrder: keysB})
	}
}
