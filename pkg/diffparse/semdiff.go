package diffparse

import (
	"slices"
	"sort"
	"strings"

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
	// for Reorder: the items' keys (or the items) of each side, in order
	oldOrder, newOrder []string
}

type differ struct {
	a, b   *sideTree
	ca, cb *counts // changed-line counts of the fast trees (nil for exact ones)
	out    []semChange
}

// semanticDiff compares the roots of two complete sides.
func semanticDiff(a, b *sideTree, ca, cb *counts) []semChange {
	d := &differ{a: a, b: b, ca: ca, cb: cb}
	d.diff(kube.Path{}, a.typ, root, root)
	return d.out
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

func (d *differ) emit(p kube.Path, op Op, na, nb int32) {
	d.out = append(d.out, semChange{path: p, op: op, old: na, new: nb})
}

func (d *differ) diff(p kube.Path, typ *kube.Type, na, nb int32) {
	chA, chB := changedIn(d.a, d.ca, na), changedIn(d.b, d.cb, nb)
	if !chA && !chB && d.sameLines(na, nb) {
		return // the same lines, unchanged: the same value
	}
	ka, kb := d.a.vkindOf(na), d.b.vkindOf(nb)
	if ka != kb {
		d.emit(p, Modify, na, nb)
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
			d.emit(p, Modify, na, nb)
		case chA && ownsLine(d.a, na) || chB && ownsLine(d.b, nb):
			d.emit(p, Reformat, na, nb)
		}
	}
}

func (d *differ) diffMap(p kube.Path, typ *kube.Type, na, nb int32) {
	keysA, nodesA := d.a.mapEntries(na)
	keysB, nodesB := d.b.mapEntries(nb)
	var inB map[string]int
	findB := func(k string) int {
		if len(keysB) > 8 {
			if inB == nil {
				inB = make(map[string]int, len(keysB))
				for i, k := range keysB {
					inB[k] = i
				}
			}
			if i, ok := inB[k]; ok {
				return i
			}
			return -1
		}
		return slices.Index(keysB, k)
	}
	seen := make([]bool, len(keysB))
	for i, k := range keysA {
		cp := p.Child(kube.Field(kube.Intern(k)))
		if j := findB(k); j >= 0 {
			seen[j] = true
			d.diff(cp, typ.Field(k), nodesA[i], nodesB[j])
			continue
		}
		d.emit(cp, Remove, nodesA[i], -1)
	}
	for j, k := range keysB {
		if !seen[j] {
			d.emit(p.Child(kube.Field(kube.Intern(k))), Add, -1, nodesB[j])
		}
	}
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
				d.out = append(d.out, semChange{path: p, op: Reorder, old: na, new: nb, oldOrder: fa, newOrder: fb})
				return
			}
		}
	}
	for i := 0; i < len(itemsA) || i < len(itemsB); i++ {
		cp := p.Child(kube.Index(i))
		switch {
		case i >= len(itemsB):
			d.emit(cp, Remove, itemsA[i], -1)
		case i >= len(itemsA):
			d.emit(cp, Add, -1, itemsB[i])
		default:
			d.diff(cp, it, itemsA[i], itemsB[i])
		}
	}
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
	for i, k := range keysA {
		inA[k] = true
		cp := p.Child(kube.Key{Field: kube.Intern(field), Value: strings.Clone(k)})
		if j, ok := posB[k]; ok {
			commonA = append(commonA, k)
			d.diff(cp, it, itemsA[i], itemsB[j])
			continue
		}
		d.emit(cp, Remove, itemsA[i], -1)
	}
	var commonB []string
	for j, k := range keysB {
		if inA[k] {
			commonB = append(commonB, k)
			continue
		}
		d.emit(p.Child(kube.Key{Field: kube.Intern(field), Value: strings.Clone(k)}), Add, -1, itemsB[j])
	}
	if !slices.Equal(commonA, commonB) {
		d.out = append(d.out, semChange{path: p, op: Reorder, old: na, new: nb, oldOrder: keysA, newOrder: keysB})
	}
}
