package diffparse

import (
	"sort"
	"strings"

	"github.com/safediff/safediff/pkg/kube"
)

// sideChange is a node of one side whose lines changed.
type sideChange struct {
	node  int32
	path  kube.Path
	key   string // path.String()
	first int    // first changed line (input line number)
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
		if t.counted[i] {
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
	if from < 0 || to < from {
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
			leaf := nd.firstChild < 0
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
		if i >= 0 && t.counted[i] && t.lines[i].changed() {
			return t.lines[i].no
		}
	}
	if from >= 0 && int(from) < len(t.lines) {
		return t.lines[from].no
	}
	return 0
}

// path returns the path of node n from the root, starting with a kube.Gap
// when it hangs from a detached container.
func (t *sideTree) path(n int32) kube.Path {
	var chain []int32
	for m := n; m >= 0; m = t.nodes[m].parent {
		k := t.nodes[m].kind
		if k == kRoot || k == kDetached {
			chain = append(chain, m)
			break
		}
		chain = append(chain, m)
	}
	p := make(kube.Path, 0, len(chain))
	top := chain[len(chain)-1]
	var typ *kube.Type
	if t.nodes[top].kind == kDetached {
		p = append(p, kube.Gap{})
	} else {
		typ = t.nodes[top].typ
	}
	for i := len(chain) - 2; i >= 0; i-- {
		m := chain[i]
		nd := &t.nodes[m]
		if nd.item {
			p = append(p, t.itemStep(m, typ))
			typ = typ.Item()
		} else {
			p = append(p, kube.Field(kube.Intern(nd.key)))
			typ = typ.Field(nd.key)
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
	field := "name"
	if lt != nil {
		field = lt.MergeKey
	}
	if field != "" {
		if v, ok := t.scalarChild(m, field); ok {
			return kube.Key{Field: kube.Intern(field), Value: strings.Clone(v)}
		}
	}
	if idx := t.nodes[m].index; idx >= 0 {
		return kube.Index(idx)
	}
	return kube.AnyItem{}
}

// scalarChild returns the decoded scalar value of entry key of mapping m.
func (t *sideTree) scalarChild(m int32, key string) (string, bool) {
	for ch := t.nodes[m].firstChild; ch >= 0; ch = t.nodes[ch].next {
		nd := &t.nodes[ch]
		if !nd.item && nd.key == key && nd.kind == kScalar {
			v, _ := decodeScalar(nd.raw)
			return v, true
		}
	}
	return "", false
}

// value returns the value of node n on this side, and its shape.
func (t *sideTree) value(n int32) (Value, kube.Shape) {
	nd := &t.nodes[n]
	switch nd.kind {
	case kScalar:
		if nd.raw != "" && (nd.raw[0] == '[' || nd.raw[0] == '{') {
			return Value{Kind: Scalar, Text: strings.Clone(nd.raw), Bytes: -1}, kube.UnknownShape
		}
		v, _ := decodeScalar(nd.raw)
		c, _ := canonical(nd.raw)
		if c == v {
			c = ""
		}
		return Value{Kind: Scalar, Text: strings.Clone(v), Canonical: strings.Clone(c), Bytes: -1}, kube.ScalarShape
	case kPending:
		if nd.firstChild < 0 {
			return Value{Kind: Scalar, Text: "null", Bytes: -1}, kube.UnknownShape
		}
	case kMulti:
		return Value{Kind: Scalar, Text: t.multiText(n), Bytes: -1}, kube.ScalarShape
	case kBlock:
		return Value{Kind: Text, Text: t.blockText(n), Bytes: -1}, kube.ScalarShape
	}
	shape := kube.UnknownShape
	switch nd.kind {
	case kMap:
		shape = kube.MappingShape
	case kSeq:
		shape = kube.SequenceShape
	}
	return Value{Kind: Tree, Text: t.treeText(n), Bytes: -1}, shape
}

func (t *sideTree) multiText(n int32) string {
	nd := &t.nodes[n]
	parts := []string{nd.raw}
	for i := nd.own + 1; i <= nd.end; i++ {
		if t.owner[i] == n {
			parts = append(parts, strings.TrimSpace(t.lines[i].text))
		}
	}
	joined := strings.Join(parts, " ")
	if joined != "" && (joined[0] == '"' || joined[0] == '\'') {
		if v, err := unquoteScalar(joined); err == nil {
			return v
		}
	}
	return joined
}

func (t *sideTree) blockText(n int32) string {
	nd := &t.nodes[n]
	var lines []string
	for i := nd.own + 1; i <= nd.end; i++ {
		lines = append(lines, t.lines[i].text)
	}
	return strings.TrimRight(dedent(lines), "\n")
}

// treeText returns the YAML text of a container's content, dedented.
func (t *sideTree) treeText(n int32) string {
	nd := &t.nodes[n]
	var lines []string
	from := nd.own + 1
	if nd.item && nd.own >= 0 && t.owner[nd.own] != n && nd.childCol >= 0 {
		// "- name: web": the item's content starts on its own line
		first := t.lines[nd.own].text
		if int(nd.childCol) <= len(first) {
			lines = append(lines, strings.Repeat(" ", int(nd.childCol))+first[nd.childCol:])
		}
	}
	if nd.own < 0 {
		from = 0
	}
	for i := from; i <= nd.end && int(i) < len(t.lines); i++ {
		if t.lines[i].gap {
			lines = append(lines, "...")
			continue
		}
		lines = append(lines, t.lines[i].text)
	}
	return strings.TrimRight(dedent(lines), "\n")
}

func dedent(lines []string) string {
	min := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" || l == "..." {
			continue
		}
		if ind := indentOf(l); min < 0 || ind < min {
			min = ind
		}
	}
	var b strings.Builder
	for _, l := range lines {
		if len(l) >= min && min > 0 && strings.TrimSpace(l) != "" {
			l = l[min:]
		} else if strings.TrimSpace(l) == "" {
			l = ""
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// sameValue reports whether two nodes hold the same value although their
// text differs (quoting, comments, line endings).
func sameValue(a *sideTree, an int32, b *sideTree, bn int32) bool {
	x, y := &a.nodes[an], &b.nodes[bn]
	if x.kind != y.kind {
		return false
	}
	switch x.kind {
	case kScalar:
		xv, xt := canonical(x.raw)
		yv, yt := canonical(y.raw)
		return xv == yv && xt == yt
	case kMulti:
		return a.multiText(an) == b.multiText(bn)
	case kBlock:
		return x.raw == y.raw && a.blockText(an) == b.blockText(bn)
	case kPending:
		return x.firstChild < 0 && y.firstChild < 0
	}
	return a.treeText(an) == b.treeText(bn)
}

// outline returns the outline entry of node n, building the outline of its
// stretch (the top-most detached container above it) on first use; nil
// for a node anchored at the root.
func (t *sideTree) outline(n int32, cache map[int32]*kube.Outline) *kube.Outline {
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
	if _, built := cache[top]; !built {
		o := &kube.Outline{Column: int(t.nodes[top].childCol)}
		cache[top] = o
		t.buildOutline(top, o, false, cache)
	}
	return cache[n]
}

// buildOutline adds the entries of container n to outline node o.
func (t *sideTree) buildOutline(n int32, o *kube.Outline, deep bool, idx map[int32]*kube.Outline) {
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
				step = kube.Field(kube.Intern(nd.key))
			}
			oc := o.Add(step, deep, int(nd.col))
			if nd.firstChild < 0 {
				_, oc.Shape = t.value(ch)
			}
			idx[ch] = oc
			t.buildOutline(ch, oc, false, idx)
		}
	}
}

// pairChanges matches the changed nodes of both sides by path and turns
// them into field changes, ordered by position.
func pairChanges(oldT, newT *sideTree, oldC, newC []sideChange) []Change {
	for i := range oldC {
		oldC[i].path = oldT.path(oldC[i].node)
		oldC[i].key = oldC[i].path.String()
	}
	for i := range newC {
		newC[i].path = newT.path(newC[i].node)
		newC[i].key = newC[i].path.String()
	}
	// changes with the same path pair up in order: two elided paths that
	// print alike ("...labels.app") may be different places.
	byKey := make(map[string][]int, len(newC))
	for i, c := range newC {
		byKey[c.key] = append(byKey[c.key], i)
	}
	used := make([]bool, len(newC))
	out := make([]Change, 0, len(oldC)+len(newC))
	var oldCache, newCache map[int32]*kube.Outline
	outlineOf := func(t *sideTree, sc sideChange, cache *map[int32]*kube.Outline) *kube.Outline {
		if !sc.path.Elided() {
			return nil
		}
		if *cache == nil {
			*cache = map[int32]*kube.Outline{}
		}
		return t.outline(sc.node, *cache)
	}
	for _, oc := range oldC {
		ov, oshape := oldT.value(oc.node)
		if q := byKey[oc.key]; len(q) > 0 {
			j := q[0]
			byKey[oc.key] = q[1:]
			used[j] = true
			nc := newC[j]
			nv, nshape := newT.value(nc.node)
			op := Modify
			if sameValue(oldT, oc.node, newT, nc.node) {
				op = Reformat
			}
			shape := nshape
			if shape == kube.UnknownShape {
				shape = oshape
			}
			out = append(out, Change{Path: oc.path, Op: op, Old: ov, New: nv, Shape: shape, Pos: Pos{Line: min(oc.first, nc.first)}, GapColumn: newT.gapColumn(nc.node), Outline: outlineOf(newT, nc, &newCache)})
			continue
		}
		out = append(out, Change{Path: oc.path, Op: Remove, Old: ov, Shape: oshape, Pos: Pos{Line: oc.first}, GapColumn: oldT.gapColumn(oc.node), Outline: outlineOf(oldT, oc, &oldCache)})
	}
	for j, nc := range newC {
		if used[j] {
			continue
		}
		nv, nshape := newT.value(nc.node)
		out = append(out, Change{Path: nc.path, Op: Add, New: nv, Shape: nshape, Pos: Pos{Line: nc.first}, GapColumn: newT.gapColumn(nc.node), Outline: outlineOf(newT, nc, &newCache)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos.Line < out[j].Pos.Line })
	return out
}

// lookup finds the node at an exact path, walking from the root.
func (t *sideTree) lookup(p kube.Path) (int32, bool) {
	n := root
	for _, s := range p {
		nd := &t.nodes[n]
		found := int32(-1)
		switch s := s.(type) {
		case kube.Field:
			if nd.kind != kMap && nd.kind != kRoot {
				return -1, false
			}
			for ch := nd.firstChild; ch >= 0; ch = t.nodes[ch].next {
				if !t.nodes[ch].item && t.nodes[ch].key == string(s) {
					found = ch
					break
				}
			}
		case kube.Index:
			if nd.kind != kSeq {
				return -1, false
			}
			for ch := nd.firstChild; ch >= 0; ch = t.nodes[ch].next {
				if t.nodes[ch].index == int32(s) {
					found = ch
					break
				}
			}
		case kube.Key:
			if nd.kind != kSeq {
				return -1, false
			}
			for ch := nd.firstChild; ch >= 0; ch = t.nodes[ch].next {
				if v, ok := t.scalarChild(ch, s.Field); ok && v == s.Value {
					found = ch
					break
				}
			}
		default:
			return -1, false
		}
		if found < 0 {
			return -1, false
		}
		n = found
	}
	return n, true
}
