package diffparse

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/safediff/safediff/pkg/kube"
)

// This file reads values out of side trees, whichever reader built them.

// vkind is the shape of a node's value.
type vkind uint8

const (
	vScalar vkind = iota // a scalar, null included
	vMap
	vSeq
	vNone // detached and unknown nodes: structure the diff does not show
)

func (t *sideTree) vkindOf(n int32) vkind {
	switch t.nodes[n].kind {
	case kMap, kRoot:
		return vMap
	case kSeq:
		return vSeq
	case kDetached, kUnknown:
		return vNone
	}
	return vScalar
}

// scalarOf returns the value of a scalar node. Values the fast reader does
// not read exactly (aliases, cut quotes) come out as their text: such a
// node is on an odd line, and only partial objects keep odd lines.
func (t *sideTree) scalarOf(n int32) scalar {
	nd := &t.nodes[n]
	switch nd.kind {
	case kPending:
		return nullScalar
	case kValue:
		raw := t.str(nd, nd.raw)
		return scalar{text: raw, canon: raw, typ: ScalarType(nd.vtype)}
	case kBlock:
		return stringScalar(t.blockText(n))
	case kMulti:
		return t.multiScalar(n)
	case kScalar:
		raw := t.str(nd, nd.raw)
		if nd.vtype == vtypeTagged {
			// its tag decides its type (!!str on, !!int "3")
			return scalar{text: raw, canon: raw, typ: UnknownType}
		}
		if raw == "" {
			return nullScalar
		}
		switch raw[0] {
		case '"', '\'':
			if s, ok := quotedScalar(raw); ok {
				return s
			}
		case '*', '[', '{':
		default:
			if s, ok := plainScalar(raw); ok {
				return s
			}
		}
		return stringScalar(raw)
	}
	return nullScalar
}

// multiScalar returns the value of a scalar continued over several lines:
// a plain scalar's lines are folded as go-yaml folds them (a space between
// lines, a newline for each blank line between them); a quoted or flow one
// (odd: only in partial objects) is joined approximately.
func (t *sideTree) multiScalar(n int32) scalar {
	nd := &t.nodes[n]
	raw := t.str(nd, nd.raw)
	plain := raw == "" || !strings.ContainsRune("\"'[{", rune(raw[0]))
	var b strings.Builder
	b.WriteString(raw)
	blanks := 0
	for i := nd.own + 1; i <= nd.end && int(i) < len(t.lines); i++ {
		l := t.lines[i]
		if blank := !l.gap && isBlank(l.text); blank || t.owner[i] != n {
			// a blank line inside the scalar (its own since it is a line
			// of the value) is a line break
			if blank {
				blanks += l.count()
			}
			continue
		}
		text := strings.TrimSpace(stripTrailingComment(l.text))
		if plain && blanks > 0 {
			b.WriteString(strings.Repeat("\n", blanks))
		} else {
			b.WriteByte(' ')
		}
		blanks = 0
		b.WriteString(text)
	}
	joined := b.String()
	if joined != "" && (joined[0] == '"' || joined[0] == '\'') {
		if s, ok := quotedScalar(joined); ok {
			return s
		}
		return stringScalar(joined)
	}
	if joined != "" && (joined[0] == '[' || joined[0] == '{') {
		return stringScalar(joined)
	}
	if s, ok := plainScalar(joined); ok {
		return s
	}
	return stringScalar(joined)
}

// blockText returns the value of a block scalar. Literal scalars (| |- |+)
// are read exactly; the others, odd, approximately.
func (t *sideTree) blockText(n int32) string {
	nd := &t.nodes[n]
	indent := int(nd.childCol)
	var lines []string
	for i := nd.own + 1; i <= nd.end && int(i) < len(t.lines); i++ {
		l := t.lines[i]
		switch {
		case l.gap:
			lines = append(lines, "...")
		case indent < 0 || len(l.text) <= indent:
			for range l.count() {
				lines = append(lines, strings.TrimLeft(l.text, " "))
			}
		default:
			lines = append(lines, l.text[indent:])
		}
	}
	trailing := 0
	for trailing < len(lines) && lines[len(lines)-1-trailing] == "" {
		trailing++
	}
	content := strings.Join(lines[:len(lines)-trailing], "\n")
	if len(lines) == trailing {
		return ""
	}
	switch {
	case strings.HasPrefix(t.str(nd, nd.raw), "|-") || strings.HasPrefix(t.str(nd, nd.raw), ">-"):
		return content
	case strings.HasPrefix(t.str(nd, nd.raw), "|+") || strings.HasPrefix(t.str(nd, nd.raw), ">+"):
		return content + strings.Repeat("\n", trailing+1)
	}
	return content + "\n"
}

// valueOf returns the value of node n, and its shape.
func (t *sideTree) valueOf(n int32) (Value, kube.Shape) {
	switch t.vkindOf(n) {
	case vScalar:
		s := t.scalarOf(n)
		// copies: a substring of a line would keep its whole input chunk
		v := Value{Kind: Scalar, Text: strings.Clone(s.text), Type: s.typ, Bytes: -1}
		if s.canon != s.text {
			v.Canonical = strings.Clone(s.canon)
		}
		if strings.IndexByte(s.text, '\n') >= 0 {
			v.Kind = Text
		}
		shape := kube.ScalarShape
		if t.nodes[n].kind == kPending {
			shape = kube.UnknownShape
		}
		return v, shape
	case vMap:
		return Value{Kind: Tree, Text: t.treeText(n), Bytes: -1}, kube.MappingShape
	case vSeq:
		return Value{Kind: Tree, Text: t.treeText(n), Bytes: -1}, kube.SequenceShape
	}
	return Value{Kind: Tree, Text: t.treeText(n), Bytes: -1}, kube.UnknownShape
}

// treeText returns the text of a container: the YAML lines of the diff,
// dedented, for what the fast reader built from lines; JSON for what was
// decoded (the exact reader, flow collections).
func (t *sideTree) treeText(n int32) string {
	nd := &t.nodes[n]
	if t.exact || nd.flow || nd.own < 0 && nd.kind != kDetached && nd.kind != kUnknown {
		return t.jsonText(n, false)
	}
	from := nd.own + 1
	var first string
	if nd.item && nd.own >= 0 && t.owner[nd.own] != n && nd.childCol >= 0 {
		// "- name: web": the item's content starts on its own line
		if l := t.lines[nd.own].text; int(nd.childCol) <= len(l) {
			first = strings.Repeat(" ", int(nd.childCol)) + l[nd.childCol:]
		}
	}
	if nd.own < 0 {
		from = 0
		for ch := nd.firstChild; ch >= 0; ch = t.nodes[ch].next {
			if o := t.nodes[ch].own; o >= 0 {
				from = o
				break
			}
		}
	}
	to := min(nd.end, int32(len(t.lines)-1))
	each := func(f func(l string)) {
		if first != "" {
			f(first)
		}
		for i := from; i <= to; i++ {
			if t.lines[i].gap {
				f("...")
				continue
			}
			for range t.lines[i].count() {
				f(t.lines[i].text)
			}
		}
	}
	return strings.TrimRight(dedent(each), "\n")
}

// dedent joins lines (given by each) with the indentation they share
// removed; blank lines come out empty.
func dedent(each func(f func(l string))) string {
	min, size := -1, 0
	each(func(l string) {
		size += len(l) + 1
		if strings.TrimSpace(l) == "" || l == "..." {
			return
		}
		if ind := indentOf(l); min < 0 || ind < min {
			min = ind
		}
	})
	var b strings.Builder
	b.Grow(size)
	each(func(l string) {
		if len(l) >= min && min > 0 && strings.TrimSpace(l) != "" {
			l = l[min:]
		} else if strings.TrimSpace(l) == "" {
			l = ""
		}
		b.WriteString(l)
		b.WriteByte('\n')
	})
	return b.String()
}

// jsonText renders a subtree as JSON: keys in order (sorted and without
// duplicates when canonical, so that equal values render alike), scalars
// as the API server receives them.
func (t *sideTree) jsonText(n int32, canonical bool) string {
	var b strings.Builder
	t.writeJSON(&b, n, canonical, 0)
	return b.String()
}

func (t *sideTree) writeJSON(b *strings.Builder, n int32, canonical bool, depth int) {
	if depth > maxNesting {
		b.WriteString("null")
		return
	}
	switch t.vkindOf(n) {
	case vMap:
		b.WriteByte('{')
		keys, nodes := t.mapEntries(n)
		if canonical {
			idx := make([]int, len(keys))
			for i := range idx {
				idx[i] = i
			}
			sort.Slice(idx, func(i, j int) bool { return keys[idx[i]] < keys[idx[j]] })
			k2, n2 := make([]string, len(keys)), make([]int32, len(keys))
			for i, j := range idx {
				k2[i], n2[i] = keys[j], nodes[j]
			}
			keys, nodes = k2, n2
		}
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			t.writeJSON(b, nodes[i], canonical, depth+1)
		}
		b.WriteByte('}')
	case vSeq:
		b.WriteByte('[')
		i := 0
		for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
			if i > 0 {
				b.WriteByte(',')
			}
			t.writeJSON(b, ch, canonical, depth+1)
			i++
		}
		b.WriteByte(']')
	default:
		s := t.scalarOf(n)
		if s.typ == StringType || s.typ == UnknownType {
			writeJSONString(b, s.canon)
		} else {
			b.WriteString(s.canon)
		}
	}
}

func writeJSONString(b *strings.Builder, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}

// mapEntries returns the keys of a mapping node and their nodes, the last
// of duplicate keys winning (as go-yaml decodes them), in the order of
// their first appearance.
func (t *sideTree) mapEntries(n int32) ([]string, []int32) {
	var keys []string
	var nodes []int32
	var at map[string]int
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		c := &t.nodes[ch]
		if c.kind == kDetached || c.kind == kUnknown || c.item {
			continue
		}
		key := t.str(c, c.key)
		if at == nil && len(keys) >= 8 {
			at = make(map[string]int, 16)
			for i, k := range keys {
				at[k] = i
			}
		}
		j := -1
		if at != nil {
			if v, ok := at[key]; ok {
				j = v
			}
		} else {
			for i, k := range keys {
				if k == key {
					j = i
					break
				}
			}
		}
		if j >= 0 {
			nodes[j] = ch // the last duplicate wins
			continue
		}
		keys = append(keys, key)
		nodes = append(nodes, ch)
		if at != nil {
			at[key] = len(keys) - 1
		}
	}
	return keys, nodes
}

// entryOf is what a mapping's index holds for one key.
type entryOf struct {
	last  int32 // the last entry with the key (the one go-yaml keeps)
	found int32 // the last one of them a reader placed (what child finds), or -1
}

// entries returns the index of mapping n's entries by key, or nil where
// the tree may still change or n has at most smallMap children (then a
// walk of them costs less). Without it, looking up each entry of a large
// mapping in turn would take time quadratic in its size.
func (t *sideTree) entries(n int32) map[string]entryOf {
	if !t.sealed || t.fewEntries(n, smallMap) {
		return nil
	}
	if idx, ok := t.keys[n]; ok {
		return idx
	}
	idx := map[string]entryOf{}
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		c := &t.nodes[ch]
		if c.item {
			continue
		}
		k := t.str(c, c.key)
		e, ok := idx[k]
		if !ok {
			e.found = -1
		}
		e.last = ch
		if c.kind != kDetached && c.kind != kUnknown {
			e.found = ch
		}
		idx[k] = e
	}
	if t.keys == nil {
		t.keys = map[int32]map[string]entryOf{}
	}
	t.keys[n] = idx
	return idx
}

// itemIndex returns the index of sequence n's items by their key field
// (by their position if byPosition): the last item of each, as step finds
// it. It is nil where entries' index would be.
func (t *sideTree) itemIndex(n int32, field string, byPosition bool) map[string]int32 {
	if !t.sealed || t.fewEntries(n, smallMap) {
		return nil
	}
	k := itemsOf{n, field, byPosition}
	if idx, ok := t.items[k]; ok {
		return idx
	}
	idx := map[string]int32{}
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if byPosition {
			idx[strconv.Itoa(int(t.nodes[ch].index))] = ch
		} else if v, ok := t.itemKey(ch, field); ok {
			idx[v] = ch
		}
	}
	if t.items == nil {
		t.items = map[itemsOf]map[string]int32{}
	}
	t.items[k] = idx
	return idx
}

// itemsOf names one index of a sequence's items.
type itemsOf struct {
	seq        int32
	field      string
	byPosition bool
}

func lookupOr(idx map[string]int32, k string) int32 {
	if n, ok := idx[k]; ok {
		return n
	}
	return -1
}

// child returns the entry key of mapping n (the last one, as go-yaml), or
// -1.
func (t *sideTree) child(n int32, key string) int32 {
	if idx := t.entries(n); idx != nil {
		if e, ok := idx[key]; ok {
			return e.found
		}
		return -1
	}
	found := int32(-1)
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if c := &t.nodes[ch]; !c.item && int(c.key.n) == len(key) && t.str(c, c.key) == key && c.kind != kDetached && c.kind != kUnknown {
			found = ch
		}
	}
	return found
}

// itemKey returns the value of item m's merge key field, when it is a
// scalar.
func (t *sideTree) itemKey(m int32, field string) (string, bool) {
	if t.vkindOf(m) != vMap {
		return "", false
	}
	ch := t.child(m, field)
	if ch < 0 || t.vkindOf(ch) != vScalar {
		return "", false
	}
	s := t.scalarOf(ch)
	if s.typ == NullType {
		return "", false
	}
	return s.canon, true
}

// lookup finds the node at an exact path, walking from the root; the last
// of duplicate keys wins.
func (t *sideTree) lookup(p kube.Path) (int32, bool) {
	n := root
	for _, s := range p {
		if n = t.step(n, s); n < 0 {
			return -1, false
		}
	}
	return n, true
}

// step returns the node below n at step s (the last of duplicate keys), or
// -1.
func (t *sideTree) step(n int32, s kube.Step) int32 {
	found := int32(-1)
	switch s := s.(type) {
	case kube.Field:
		if t.vkindOf(n) != vMap {
			return -1
		}
		found = t.child(n, string(s))
	case kube.Index:
		if t.nodes[n].kind != kSeq {
			return -1
		}
		if idx := t.itemIndex(n, "", true); idx != nil {
			return lookupOr(idx, strconv.Itoa(int(int32(s))))
		}
		for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
			if t.nodes[ch].index == int32(s) {
				found = ch
			}
		}
	case kube.Key:
		if t.nodes[n].kind != kSeq {
			return -1
		}
		if idx := t.itemIndex(n, s.Field, false); idx != nil {
			return lookupOr(idx, s.Value)
		}
		for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
			if v, ok := t.itemKey(ch, s.Field); ok && v == s.Value {
				found = ch
			}
		}
	}
	return found
}

// resolved reports whether a node found by lookup has a value the reader
// knows: not an alias, not a quoted or flow scalar cut short.
func (t *sideTree) resolved(n int32) bool {
	nd := &t.nodes[n]
	switch nd.kind {
	case kScalar:
		raw := t.str(nd, nd.raw)
		return raw == "" || raw[0] != '*' && raw[0] != '[' && raw[0] != '{'
	case kMulti:
		raw := t.str(nd, nd.raw)
		return nd.quote == 0 && (raw == "" || raw[0] != '"' && raw[0] != '\'' && raw[0] != '[' && raw[0] != '{')
	}
	return true
}
