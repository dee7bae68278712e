package diffparse

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/safediff/safediff/pkg/kube"
)

// This file finds the changes of a partial object (--context N, Stevedore's
// five lines): its documents cannot be decoded, so the changes are the
// nodes of each side whose lines changed, paired by path. Paths above an
// elision start with kube.Gap.

// sideChange is a node of one side whose lines changed.
type sideChange struct {
	node  int32
	path  kube.Path
	first int // first changed line (input line number)
}

// counts holds, per side line, prefix sums of content lines and of changed
// content lines, so that "did every line of this node change" is O(1).
type counts struct {
	content []int32
	changed []int32
}

func (t *sideTree) counts(c *counts) {
	n := len(t.lines)
	c.content = c.content[:0]
	c.changed = c.changed[:0]
	c.content = append(c.content, 0)
	c.changed = append(c.changed, 0)
	var a, b int32
	for i := 0; i < n; i++ {
		if t.owner[i] >= 0 {
			a++
			if t.lines[i].changed() {
				b++
			}
		}
		c.content = append(c.content, a)
		c.changed = append(c.changed, b)
	}
}

func (c *counts) span(from, to int32) (content, changed int32) {
	if from < 0 || to < from || int(to)+1 >= len(c.content) {
		return 0, 0
	}
	return c.content[to+1] - c.content[from], c.changed[to+1] - c.changed[from]
}

// collect returns the changed nodes of the side: the topmost nodes whose
// every line changed, and leaf values of which some line changed.
func (t *sideTree) collect(c *counts, out []sideChange) []sideChange {
	var visit func(n int32)
	visit = func(n int32) {
		for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
			nd := &t.nodes[ch]
			if nd.kind == kDetached || nd.kind == kUnknown {
				visit(ch)
				continue
			}
			content, changed := c.span(nd.own, nd.end)
			if changed == 0 {
				continue
			}
			leaf := nd.firstChild < 0 || nd.flow
			ownsLine := nd.own >= 0 && t.owner[nd.own] == ch
			if changed == content || leaf || (ownsLine && t.lines[nd.own].changed()) {
				out = append(out, sideChange{node: ch, first: t.firstChanged(nd.own, nd.end)})
				continue
			}
			visit(ch)
		}
	}
	visit(root)
	return out
}

func (t *sideTree) firstChanged(from, to int32) int {
	for i := from; i <= to && int(i) < len(t.lines); i++ {
		if i >= 0 && t.owner[i] >= 0 && t.lines[i].changed() {
			return int(t.lines[i].no)
		}
	}
	if from >= 0 && int(from) < len(t.lines) {
		return int(t.lines[from].no)
	}
	return 0
}

// path returns the path of node n from the root, starting with a kube.Gap
// when it hangs from a detached container.
func (t *sideTree) path(n int32) kube.Path {
	var chain []int32
	for m := n; m >= 0; m = t.nodes[m].parent {
		chain = append(chain, m)
		if k := t.nodes[m].kind; k == kRoot || k == kDetached {
			break
		}
	}
	p := make(kube.Path, 0, len(chain))
	top := chain[len(chain)-1]
	var typ *kube.Type
	if t.nodes[top].kind == kDetached {
		p = append(p, kube.Gap{})
	} else {
		typ = t.typ
	}
	for i := len(chain) - 2; i >= 0; i-- {
		m := chain[i]
		nd := &t.nodes[m]
		if nd.item {
			p = append(p, t.itemStep(m, typ))
			typ = typ.Item()
		} else {
			key := t.str(nd, nd.key)
			p = append(p, kube.FieldStep(key))
			typ = typ.Field(key)
		}
	}
	return p
}

// gapColumn returns, for a node hanging from a detached container, the
// column of the entries of the top-most detached container of its
// stretch; -1 for anchored nodes.
func (t *sideTree) gapColumn(n int32) int {
	col := -1
	for m := n; m >= 0; m = t.nodes[m].parent {
		switch t.nodes[m].kind {
		case kDetached:
			col = int(t.nodes[m].childCol)
		case kRoot:
			return col
		}
	}
	return col
}

// itemStep identifies list item m of a list of type lt (nil when unknown):
// by the list's merge key from the schema, by "name" when the schema does
// not know the list, else by position.
func (t *sideTree) itemStep(m int32, lt *kube.Type) kube.Step {
	if field := mergeKeyOf(lt); field != "" {
		if v, ok := t.itemKey(m, field); ok {
			return kube.Key{Field: kube.Intern(field), Value: strings.Clone(v)}
		}
	}
	if idx := t.nodes[m].index; idx >= 0 {
		return kube.Index(idx)
	}
	return kube.AnyItem{}
}

// sameValue reports whether two nodes hold the same value although their
// text differs (quoting, comments, line endings, indentation).
func sameValue(a *sideTree, an int32, b *sideTree, bn int32) bool {
	ka := a.vkindOf(an)
	if ka != b.vkindOf(bn) {
		return false
	}
	if ka == vScalar {
		return a.scalarOf(an).equal(b.scalarOf(bn))
	}
	return a.treeText(an) == b.treeText(bn)
}

// sameLines reports whether two nodes are written with the same lines,
// indentation included: one moved in the list rather than changed.
func sameLines(a *sideTree, an int32, b *sideTree, bn int32) bool {
	x, y := &a.nodes[an], &b.nodes[bn]
	if x.own < 0 || y.own < 0 || x.end-x.own != y.end-y.own {
		return false
	}
	for i := int32(0); i <= x.end-x.own; i++ {
		la, lb := a.lines[x.own+i], b.lines[y.own+i]
		if la.gap || lb.gap || la.text != lb.text || la.rep != lb.rep || la.cr != lb.cr {
			return false
		}
	}
	return true
}

// visibleOrder returns the keys (or positions) of the visible items of the
// list holding item n, as a JSON array.
func (t *sideTree) visibleOrder(n int32, lt *kube.Type) string {
	var keys []string
	for ch := t.nodes[t.nodes[n].parent].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if t.nodes[ch].item {
			keys = append(keys, kube.Path{t.itemStep(ch, lt)}.String())
		}
	}
	return jsonArray(keys)
}

func jsonArray(items []string) string {
	b, _ := json.Marshal(items)
	return string(b)
}

// outline returns the outline entry of node n, building the outline of its
// stretch (the top-most detached container above it) on first use; nil
// for a node anchored at the root. cache holds the entries by node (a
// slice: a diff of many elisions has an entry for each line it shows).
func (t *sideTree) outline(n int32, cache []*kube.Outline) *kube.Outline {
	top := int32(-1)
	for m := n; m >= 0; m = t.nodes[m].parent {
		if t.nodes[m].kind == kDetached && t.nodes[m].parent == root {
			top = m
			break
		}
		if t.nodes[m].kind == kRoot {
			return nil
		}
	}
	if top < 0 {
		return nil
	}
	if cache[top] == nil {
		o := &kube.Outline{Column: t.nodes[top].childCol}
		// the top-level keys shown after the stretch (kube.Outline.After)
		if after := t.keysAfter(t.nodes[top].end); len(after) > 0 {
			o.After = &after
		}
		// entries right of the top-level keys the side shows are not at
		// the top level (kube.Outline.Below)
		o.Below = t.top.col >= 0 && o.Column > t.top.col
		cache[top] = o
		t.buildOutline(top, o, false, cache)
	}
	return cache[n]
}

// keysAfter returns the top-level keys the side shows after its line end:
// a suffix of the side's top-level keys in order, which every stretch
// shares (a diff of many elisions has a stretch for each).
func (t *sideTree) keysAfter(end int32) []string {
	if t.top.keys == nil {
		t.top.keys, t.top.lines, t.top.col = []string{}, []int32{}, -1
		for c := t.nodes[root].firstChild; c >= 0; c = t.nodes[c].next {
			if nd := &t.nodes[c]; nd.kind != kDetached && nd.kind != kUnknown && !nd.item && nd.own >= 0 {
				t.top.keys, t.top.lines, t.top.col = append(t.top.keys, t.keyOf(c)), append(t.top.lines, nd.own), nd.col
			}
		}
	}
	i, _ := slices.BinarySearch(t.top.lines, end+1)
	return t.top.keys[i:]
}

// buildOutline adds the entries of container n to outline node o.
func (t *sideTree) buildOutline(n int32, o *kube.Outline, deep bool, idx []*kube.Outline) {
	items := false
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if t.nodes[ch].item {
			items = true
		}
	}
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		nd := &t.nodes[ch]
		switch nd.kind {
		case kUnknown:
			var step kube.Step = kube.AnyField{}
			if items {
				step = kube.AnyItem{}
			}
			oc := o.Add(step, deep, int(nd.col))
			idx[ch] = oc
			for d := nd.firstChild; d >= 0; d = t.nodes[d].next {
				t.buildOutline(d, oc, true, idx)
			}
		case kDetached:
			t.buildOutline(ch, o, true, idx)
		default:
			var step kube.Step
			if nd.item {
				step = t.itemStep(ch, nil)
			} else {
				step = kube.FieldStep(t.str(nd, nd.key))
			}
			oc := o.Add(step, deep, int(nd.col))
			if nd.firstChild < 0 {
				var v Value
				v, oc.Shape = t.valueOf(ch)
				if v.Kind == Scalar && v.Type == NullType {
					oc.Shape = kube.UnknownShape // null unsets a field of any type
				}
			}
			idx[ch] = oc
			t.buildOutline(ch, oc, false, idx)
		}
	}
}

// pairChanges matches the changed nodes of both sides by path and turns
// them into field changes, ordered by position.
//
// It also returns the first input line of each pair of lines with the same
// value and path that it judged as a change because the two do not stand
// at one place (see movedPairs).
func pairChanges(ref kube.ObjectRef, oldT, newT *sideTree, oldC, newC []sideChange) ([]Change, []int) {
	for i := range oldC {
		oldC[i].path = oldT.path(oldC[i].node)
	}
	for i := range newC {
		newC[i].path = newT.path(newC[i].node)
	}
	// changes with the same path pair up in order: two elided paths that
	// print alike ("...labels.app") may be different places.
	byKey := make(map[string][]int, len(newC))
	for i, c := range newC {
		k := c.path.String()
		byKey[k] = append(byKey[k], i)
	}
	// pair first, so that the changes are made in one block of the size
	// they need: an object keeps its changes until the report is written
	// (and the keys are dropped before they are made)
	used := make([]bool, len(newC))
	partner := make([]int32, len(oldC))
	pairs := 0
	for i, oc := range oldC {
		partner[i] = -1
		k := oc.path.String()
		if q := byKey[k]; len(q) > 0 {
			partner[i] = int32(q[0])
			byKey[k] = q[1:]
			used[q[0]] = true
			pairs++
		}
	}
	moved := movedPairs(oldT, newT, oldC, newC, partner)
	var movedAt []int
	out := make([]Change, 0, len(oldC)+len(newC)-pairs)
	var oldCache, newCache []*kube.Outline
	outlineOf := func(t *sideTree, sc sideChange, cache *[]*kube.Outline) *kube.Outline {
		if !sc.path.Elided() {
			return nil
		}
		if *cache == nil {
			*cache = make([]*kube.Outline, len(t.nodes))
		}
		return t.outline(sc.node, *cache)
	}
	reordered := map[string]bool{}
	for i, oc := range oldC {
		ov, oshape := oldT.valueOf(oc.node)
		if j := partner[i]; j >= 0 {
			nc := newC[j]
			if oldT.nodes[oc.node].flow && newT.nodes[nc.node].flow && !(moved[i] && mayMove(oc.path)) {
				// a flow collection on both sides: it was decoded whole, so
				// its fields compare as values
				out = append(out, flowChanges(ref, oldT, newT, oc, nc, outlineOf(newT, nc, &newCache))...)
				continue
			}
			nv, nshape := newT.valueOf(nc.node)
			op := Modify
			if sameValue(oldT, oc.node, newT, nc.node) {
				op = Reformat
				if _, keyed := oc.path.Last().(kube.Key); keyed && sameLines(oldT, oc.node, newT, nc.node) {
					// the item's lines moved unchanged: the list's order changed
					lp := oc.path[:len(oc.path)-1]
					if reordered[lp.String()] {
						continue
					}
					reordered[lp.String()] = true
					lt := listType(oldT, oc.node)
					list := sideChange{node: newT.nodes[nc.node].parent, path: lp}
					out = append(out, Change{Path: lp, Op: Reorder,
						Old:   Value{Kind: Tree, Text: oldT.visibleOrder(oc.node, lt), Bytes: -1},
						New:   Value{Kind: Tree, Text: newT.visibleOrder(nc.node, lt), Bytes: -1},
						Shape: kube.SequenceShape, Pos: Pos{Line: min(oc.first, nc.first)}, GapColumn: newT.gapColumn(nc.node), Outline: outlineOf(newT, list, &newCache)})
					redactChange(ref, &out[len(out)-1], oldT, -1, newT, -1)
					continue
				}
				if moved[i] && mayMove(oc.path) && !sameMapping(oldT, oc.node, newT, nc.node) {
					// removed at one place, added at another: a partial
					// view cannot tell that the two are the same field
					// (an item of a list moved, a label moved to a
					// selector), so it is a change of the field there
					op = Modify
					movedAt = append(movedAt, min(oc.first, nc.first))
				}
			}
			shape := nshape
			if shape == kube.UnknownShape {
				shape = oshape
			}
			out = append(out, Change{Path: oc.path, Op: op, Old: ov, New: nv, Shape: shape, Pos: Pos{Line: min(oc.first, nc.first)}, GapColumn: newT.gapColumn(nc.node), Outline: outlineOf(newT, nc, &newCache)})
			redactChange(ref, &out[len(out)-1], oldT, oc.node, newT, nc.node)
			// a block where there was none ({}, null, a scalar), or the
			// other way: its fields are added or removed, as a block
			// added whole (the full view's differ does the same)
			switch {
			case filled(newT, nc.node) && !filled(oldT, oc.node):
				out = splitWhole(ref, out, newT, nc, Add, oldT, newT, func(sc sideChange) *kube.Outline { return outlineOf(newT, sc, &newCache) })
			case filled(oldT, oc.node) && !filled(newT, nc.node):
				out = splitWhole(ref, out, oldT, oc, Remove, oldT, newT, func(sc sideChange) *kube.Outline { return outlineOf(oldT, sc, &oldCache) })
			}
			continue
		}
		out = append(out, Change{Path: oc.path, Op: Remove, Old: ov, Shape: oshape, Pos: Pos{Line: oc.first}, GapColumn: oldT.gapColumn(oc.node), Outline: outlineOf(oldT, oc, &oldCache),
			Within: keptUnder(oldT, newT, oc.node), KeyShared: keyedItem(oldT, oc)})
		redactChange(ref, &out[len(out)-1], oldT, oc.node, newT, -1)
		out = splitWhole(ref, out, oldT, oc, Remove, oldT, newT, func(sc sideChange) *kube.Outline { return outlineOf(oldT, sc, &oldCache) })
	}
	for j, nc := range newC {
		if used[j] {
			continue
		}
		nv, nshape := newT.valueOf(nc.node)
		out = append(out, Change{Path: nc.path, Op: Add, New: nv, Shape: nshape, Pos: Pos{Line: nc.first}, GapColumn: newT.gapColumn(nc.node), Outline: outlineOf(newT, nc, &newCache)})
		redactChange(ref, &out[len(out)-1], oldT, -1, newT, nc.node)
		out = splitWhole(ref, out, newT, nc, Add, oldT, newT, func(sc sideChange) *kube.Outline { return outlineOf(newT, sc, &newCache) })
	}
	slices.SortStableFunc(out, byLine)
	if free := cap(out) - len(out); free > 64 && free > len(out)/8 {
		// flow collections grew the block, or reorders took fewer places
		// than made for them: the object keeps an exact copy
		out = slices.Clone(out)
	}
	return out, movedAt
}

// keyedItem reports whether sc, of side t of a partial view, is an item
// of a list of a merge key: lines out of view may hold another item of
// its key, which the new side may keep (see Change.KeyShared).
func keyedItem(t *sideTree, sc sideChange) bool {
	if sc.node < 0 || !t.nodes[sc.node].item || len(sc.path) == 0 {
		return false
	}
	_, ok := sc.path[len(sc.path)-1].(kube.Key)
	return ok
}

// splitWhole appends, after the change of a mapping that one side of a
// partial view adds or removes whole (sc, of side t), a change of each
// entry inside it, to every depth (a list stays whole), as the full
// view's differ does (splitBlock): rules name single fields. Where the
// path is exact, only the fields the schema declares; a Secret's entries
// stay in the block's redacted value.
func splitWhole(ref kube.ObjectRef, out []Change, t *sideTree, sc sideChange, op Op, oldT, newT *sideTree, outline func(sideChange) *kube.Outline) []Change {
	if sc.node < 0 || t.nodes[sc.node].item || t.vkindOf(sc.node) != vMap || kube.IsSecretKind(ref.Group, ref.Kind) {
		return out // a list item stays whole
	}
	var typ *kube.Type
	exact := sc.path.Exact()
	if exact {
		if typ = t.typ.At(sc.path); typ == nil || typ.Kind != kube.StructType {
			return out
		}
	}
	var walk func(n int32, p kube.Path, typ *kube.Type)
	walk = func(n int32, p kube.Path, typ *kube.Type) {
		for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
			if !t.effective(ch) {
				continue
			}
			k := t.keyOf(ch)
			var ft *kube.Type
			if exact {
				if ft = typ.Field(k); ft == nil {
					continue
				}
			}
			cp := append(slices.Clip(p), kube.FieldStep(k))
			v, shape := t.valueOf(ch)
			c := Change{Path: cp, Op: op, Shape: shape, Pos: Pos{Line: t.lineOf(ch)}, GapColumn: t.gapColumn(ch), Outline: outline(sideChange{node: ch, path: cp}), Within: true}
			if op == Add {
				c.New = v
				out = append(out, c)
				redactChange(ref, &out[len(out)-1], oldT, -1, newT, ch)
			} else {
				c.Old = v
				out = append(out, c)
				redactChange(ref, &out[len(out)-1], oldT, ch, newT, -1)
			}
			if t.vkindOf(ch) == vMap && (!exact || ft.Kind == kube.StructType) {
				walk(ch, cp, ft)
			}
		}
	}
	walk(sc.node, sc.path, typ)
	return out
}

// filled reports whether node n of t is a mapping with entries.
func filled(t *sideTree, n int32) bool {
	return n >= 0 && t.vkindOf(n) == vMap && t.nodes[n].firstChild >= 0
}

// movedPairs says, per old change with a partner, whether the two do not
// stand at one place of the diff: in the same run of changed lines
// (between the same context lines) and at the same column. A line removed
// in one hunk and added in another, or a key indented under another
// parent, reads alike in a partial view ("...tier",
// "...containers[name=web].image") but is not the same field kept in its
// place. (Within one run at one column, lines that change places are
// keys of one mapping, whose order means nothing, or whole list items,
// which pairChanges reads as a reorder.)
func movedPairs(oldT, newT *sideTree, oldC, newC []sideChange, partner []int32) []bool {
	moved := make([]bool, len(oldC))
	oldRuns, newRuns := oldT.runs(), newT.runs()
	for i, oc := range oldC {
		if j := partner[i]; j >= 0 {
			on, nn := &oldT.nodes[oc.node], &newT.nodes[newC[j].node]
			moved[i] = on.own < 0 || nn.own < 0 || oldRuns[on.own] != newRuns[nn.own] || on.col != nn.col
		}
	}
	return moved
}

// runs returns, per line of the side, how many lines both sides show
// (context lines and elisions) come before it: changed lines of the two
// sides with the same count stand in one run of changed lines.
func (t *sideTree) runs() []int32 {
	r := make([]int32, len(t.lines))
	var n int32
	for i, l := range t.lines {
		if !l.changed() {
			n++
		}
		r[i] = n
	}
	return r
}

// sameMapping reports whether mapping entries o (of the old side) and n
// (of the new) stand in one mapping: their parents' key line is one line
// both sides show. A key moved within a mapping changes nothing (a
// mapping's order is no part of its value; a list's is).
func sameMapping(oldT *sideTree, o int32, newT *sideTree, n int32) bool {
	if oldT.nodes[o].item || newT.nodes[n].item {
		return false
	}
	op, np := oldT.nodes[o].parent, newT.nodes[n].parent
	if op <= 0 || np <= 0 || oldT.vkindOf(op) != vMap || newT.vkindOf(np) != vMap {
		return false
	}
	ol, nl := oldT.nodes[op].own, newT.nodes[np].own
	return ol >= 0 && nl >= 0 && oldT.lines[ol] == newT.lines[nl] && !oldT.lines[ol].changed()
}

// mayMove says whether a field removed at one place and added at another
// with the same path may be another field: a path that a partial view
// rebuilt (elided ancestors), or one through a list, whose items a view
// that shows part of the list cannot place. An exact path through
// mappings only is one field, wherever its key line stands.
func mayMove(p kube.Path) bool {
	for _, s := range p {
		switch s.(type) {
		case kube.Field:
		default:
			return true
		}
	}
	return false
}

// flowChanges compares two flow collections at the same place field by
// field. outline is the collections' outline entry, kept for a change of
// the collection itself.
func flowChanges(ref kube.ObjectRef, oldT, newT *sideTree, oc, nc sideChange, outline *kube.Outline) []Change {
	var typ *kube.Type
	if oc.path.Exact() {
		typ = oldT.typ.At(oc.path)
	}
	var diffs []semChange
	d := &differ{a: oldT, b: newT, each: keepDiffs(&diffs)}
	d.diffFrom(oc.path, typ, oc.node, nc.node)
	if len(diffs) == 0 {
		d.emit(oc.path, nil, Reformat, oc.node, nc.node)
	}
	out := make([]Change, 0, len(diffs))
	for _, sc := range diffs {
		c := Change{Path: sc.path, Op: sc.op, Pos: Pos{Line: min(oc.first, nc.first)}, GapColumn: newT.gapColumn(nc.node)}
		sc.values(&c, oldT, newT)
		if len(sc.path) == len(oc.path) {
			c.Outline = outline
		}
		redactChange(ref, &c, oldT, sc.old, newT, sc.new)
		out = append(out, c)
	}
	return out
}

// listType returns the schema type of the list holding item n, when its
// path from the root is known.
func listType(t *sideTree, n int32) *kube.Type {
	p := t.path(t.nodes[n].parent)
	if !p.Exact() {
		return nil
	}
	return t.typ.At(p)
}

// keptUnder reports whether field r of the old side, removed from where
// the old side has it, stands set in the mapping its parent became on the
// new side: the lines of the parent's other fields that both sides share
// show which mapping that is, and must all show the same one. A list item
// whose key changed in a partial view (containers[name=a] renamed b) keeps
// its image that way; its removal unsets nothing. An item that lost its
// name, the rest kept, has none; an item whose shared lines went to two
// mappings (one moved into the item before it) is not known to keep it.
func keptUnder(oldT, newT *sideTree, r int32) bool {
	nd := &oldT.nodes[r]
	if nd.item || nd.parent <= 0 {
		return false
	}
	became := int32(-1)
	for c := oldT.nodes[nd.parent].firstChild; c >= 0; c = oldT.nodes[c].next {
		own := oldT.nodes[c].own
		if c == r || oldT.nodes[c].item || own < 0 || oldT.lines[own].changed() || oldT.lines[own].gap {
			continue
		}
		j := newT.lineIndex(oldT.lines[own])
		if j < 0 || newT.owner[j] < 0 {
			return false
		}
		np := newT.nodes[newT.owner[j]].parent
		if np < 0 || newT.vkindOf(np) != vMap || became >= 0 && np != became {
			return false
		}
		became = np
	}
	if became < 0 {
		return false
	}
	f := newT.child(became, oldT.keyOf(r))
	return f >= 0 && !(newT.vkindOf(f) == vScalar && newT.scalarOf(f).typ == NullType)
}

// lineIndex returns the index of line l among the side's lines, or -1.
func (t *sideTree) lineIndex(l *bodyLine) int {
	i, ok := slices.BinarySearchFunc(t.lines, l.no, func(m *bodyLine, no int32) int { return cmp.Compare(m.no, no) })
	for ; ok && i < len(t.lines) && t.lines[i].no == l.no; i++ {
		if t.lines[i] == l {
			return i
		}
	}
	return -1
}
