package diffparse

import (
	"strings"

	"github.com/safediff/safediff/pkg/kube"
)

// This file rebuilds the YAML structure of one side of a diff body from its
// lines. It is not a general YAML parser: it reads the block style that
// Kubernetes manifests are written in (mappings, indented or compact
// sequences, block and flow scalars, multi-line quoted and plain scalars,
// comments), and it tolerates what a line diff leaves of a document:
// elisions ("...") that hide any number of lines, so that the lines after
// one may sit at any depth. Lines after an elision that are not at the
// document's root column hang from a "detached" node whose ancestors are
// unknown; their paths start with kube.Gap.

// bodyLine is one line of an object's diff body.
type bodyLine struct {
	text string // content after the two-character diff prefix
	no   int    // input line number
	side uint8  // sideOld|sideNew for context lines
	gap  bool   // an elision marker ("...")
	cr   bool   // the content ended in a carriage return
}

const (
	sideOld uint8 = 1 << iota
	sideNew
)

func (l *bodyLine) changed() bool { return !l.gap && l.side != sideOld|sideNew }

type nkind uint8

const (
	kPending  nkind = iota // a key or item with no value yet (null, or a container to come)
	kMap                   // block mapping
	kSeq                   // block sequence
	kScalar                // single-line scalar
	kMulti                 // scalar continued on more lines (plain, quoted or flow)
	kBlock                 // block scalar (| or >)
	kDetached              // container for lines whose ancestors were elided
	kRoot                  // the document root mapping
	kUnknown               // an entry whose key line was elided; its content is a detached container
)

// tnode is a node of the side tree. Nodes live in an arena and refer to
// each other by index, so that one arena serves every object of a diff.
type tnode struct {
	parent, firstChild, lastChild, next int32
	kind                                nkind
	item                                bool  // a list item (else a mapping entry, root or detached)
	index                               int32 // item position; -1 when unknown
	col                                 int32 // column of the key or dash
	childCol                            int32 // column of the entries of a map, seq or detached node; -1 until known
	own                                 int32 // index of the node's own line in the side's lines
	end                                 int32 // index of the last line of the node's subtree
	key                                 string
	raw                                 string // value text on the own line (scalars), for items after the dash
	quote                               byte   // for kMulti: the open quote or bracket being continued
	depth                               int32  // flow bracket depth still open (kMulti flows)
	seqStart                            bool   // for kSeq: the sequence's first item is visible
	typ                                 *kube.Type
	level                               int32 // nesting depth
}

// maxNesting bounds the depth of a document: real manifests stay far below,
// and a bound keeps hostile input linear.
const maxNesting = 256

// sideTree is the structure of one side of an object body.
type sideTree struct {
	lines   []*bodyLine // the side's lines, in order (gaps included)
	nodes   []tnode
	owner   []int32 // per line: the deepest node owning it, -1 for blank/comment/gap lines
	counted []bool  // per line: the line carries content (not blank, not comment)
	gaps    bool    // the side has at least one elision
	stack   []int32 // open containers (root first)
	// block and continuation state
	cont      int32 // node being continued (kMulti or kBlock), -1 if none
	contFloor int32 // lines must be indented deeper than this to continue it
	// barrier is the first node created after the last elision: a node
	// created before it may have received children inside the elision, so
	// lines after it cannot be attached to it as direct children.
	barrier int32
	// tooDeep is the input line where nesting exceeded maxNesting, or 0.
	tooDeep int
}

const root int32 = 0

func (t *sideTree) reset(lines []*bodyLine, typ *kube.Type) {
	t.lines = lines
	t.nodes = t.nodes[:0]
	t.owner = t.owner[:0]
	t.counted = t.counted[:0]
	t.gaps = false
	t.stack = t.stack[:0]
	t.cont = -1
	t.barrier = 0
	t.tooDeep = 0
	t.nodes = append(t.nodes, tnode{parent: -1, firstChild: -1, lastChild: -1, next: -1, kind: kRoot, index: -1, col: -1, childCol: 0, own: -1, end: -1, typ: typ})
	t.stack = append(t.stack, root)
}

func (t *sideTree) newNode(parent int32, n tnode) int32 {
	n.parent = parent
	if parent >= 0 {
		n.level = t.nodes[parent].level + 1
		if n.level > maxNesting {
			// keep the structure flat from here on; the caller reports it
			n.level = maxNesting
			if t.tooDeep == 0 && n.own >= 0 && int(n.own) < len(t.lines) {
				t.tooDeep = t.lines[n.own].no
			}
			parent = root
			n.parent = root
		}
	}
	n.firstChild, n.lastChild, n.next = -1, -1, -1
	id := int32(len(t.nodes))
	t.nodes = append(t.nodes, n)
	if parent >= 0 {
		p := &t.nodes[parent]
		if p.lastChild >= 0 {
			t.nodes[p.lastChild].next = id
		} else {
			p.firstChild = id
		}
		p.lastChild = id
	}
	return id
}

// attach records that line i belongs to node n (and so to its ancestors).
func (t *sideTree) attach(i int, n int32) {
	t.owner[i] = n
	t.counted[i] = true
	if t.nodes[n].end < int32(i) {
		t.nodes[n].end = int32(i)
	}
	// ancestors' ends are propagated once, after the build (finish)
}

// build reads the lines of one side.
func (t *sideTree) build(lines []*bodyLine, typ *kube.Type) {
	t.reset(lines, typ)
	for range lines {
		t.owner = append(t.owner, -1)
		t.counted = append(t.counted, false)
	}
	for i, l := range lines {
		if l.gap {
			t.gaps = true
			t.barrier = int32(len(t.nodes))
			t.cont = -1
			t.stack = t.stack[:1] // only the root survives an elision
			continue
		}
		t.line(i, l.text)
	}
	t.finish()
}

// finish propagates subtree ends to ancestors: children are created after
// their parents, so one pass from the last node back suffices.
func (t *sideTree) finish() {
	reparented := false
	for n := len(t.nodes) - 1; n > 0; n-- {
		if t.nodes[n].kind == kUnknown {
			reparented = true
		}
		p := t.nodes[n].parent
		if p >= 0 && t.nodes[n].end > t.nodes[p].end {
			t.nodes[p].end = t.nodes[n].end
		}
	}
	if reparented {
		// detached stretches moved under an unknown entry have smaller
		// indexes than it: finish with a post-order walk
		var end func(n int32) int32
		end = func(n int32) int32 {
			e := t.nodes[n].end
			for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
				if ce := end(ch); ce > e {
					e = ce
				}
			}
			t.nodes[n].end = e
			return e
		}
		end(root)
	}
}

// nestingError returns the input line where the document nests deeper than
// maxNesting, or 0.
func (t *sideTree) nestingError() int { return t.tooDeep }

// unterminated returns the input line of a quoted or flow scalar that is
// still open at the end of the side (the input was cut), or 0.
func (t *sideTree) unterminated() int {
	if t.cont < 0 {
		return 0
	}
	nd := &t.nodes[t.cont]
	if nd.kind == kMulti && nd.quote != 0 && nd.own >= 0 {
		return t.lines[nd.own].no
	}
	return 0
}

func indentOf(s string) int {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func (t *sideTree) line(i int, s string) {
	col := indentOf(s)
	rest := s[col:]
	blank := isBlank(rest)

	// continuation of a block scalar or a multi-line scalar
	if t.cont >= 0 {
		c := &t.nodes[t.cont]
		switch c.kind {
		case kBlock:
			if blank || int32(col) > t.contFloor {
				t.attach(i, t.cont)
				return
			}
		case kScalar:
			// a plain scalar continued on deeper lines
			if c.quote == 0 && !blank && int32(col) > t.contFloor && !strings.HasPrefix(rest, "#") {
				c.kind = kMulti
				t.attach(i, t.cont)
				return
			}
		case kMulti:
			if c.quote != 0 {
				// an open quote or bracket continues regardless of indentation
				t.attach(i, t.cont)
				t.continueScalar(t.cont, rest)
				return
			}
			if !blank && int32(col) > t.contFloor && !strings.HasPrefix(rest, "#") {
				t.attach(i, t.cont)
				return
			}
		}
		t.cont = -1
	}
	if blank || strings.HasPrefix(rest, "#") {
		return // comments and blank lines carry no structure
	}
	if rest == "---" || strings.HasPrefix(rest, "--- ") || rest == "..." {
		return // document markers (helm-diff splits documents itself)
	}
	// a scalar continuing the previous entry's plain value on a deeper line
	// is handled above; everything else is dashes, then a key or a scalar.
	c := col
	var parent int32 = -1
	for {
		if rest == "-" || strings.HasPrefix(rest, "- ") {
			parent = t.place(c, true, parent)
			item := t.addItem(parent, i, c)
			t.attach(i, item)
			// skip the dash and the spaces after it
			j := 1
			for j < len(rest) && rest[j] == ' ' {
				j++
			}
			if j >= len(rest) {
				return // "-" alone: the item's content follows on deeper lines
			}
			c += j
			rest = rest[j:]
			if strings.HasPrefix(rest, "#") {
				return
			}
			parent = item
			continue
		}
		break
	}
	key, value, ok := splitKey(rest)
	if ok {
		container := t.placeKey(c, parent)
		n := t.newNode(container, tnode{kind: kPending, index: -1, col: int32(c), childCol: -1, own: int32(i), end: int32(i), key: key})
		t.attach(i, n)
		t.setValue(n, value, int32(c))
		return
	}
	// a bare scalar: the value of a list item ("- foo"), or a scalar that
	// continues something we cannot see.
	if parent >= 0 && t.nodes[parent].item {
		t.setValue(parent, rest, t.nodes[parent].col)
		return
	}
	// a scalar on the line after a key with no value: the key's value
	// ("resources:" then "  null")
	top := t.stack[len(t.stack)-1]
	for len(t.stack) > 1 && t.nodes[top].childCol > int32(col) {
		t.stack = t.stack[:len(t.stack)-1]
		top = t.stack[len(t.stack)-1]
	}
	if last := t.pendingChild(top); last >= 0 && t.nodes[last].firstChild < 0 && t.nodes[last].col < int32(col) {
		t.attach(i, last)
		t.setValue(last, rest, t.nodes[last].col)
		return
	}
	// a scalar line with no visible owner (e.g. block scalar content right
	// after an elision): keep it as an unidentified node of a detached
	// container, so that its changes still surface, with an unknown path.
	d := t.detachedAt(int32(col))
	n := t.newNode(d, tnode{kind: kScalar, index: -1, col: int32(col), childCol: -1, own: int32(i), end: int32(i), item: true, raw: rest})
	t.attach(i, n)
}

// setValue classifies the value text written on node n's own line.
func (t *sideTree) setValue(n int32, value string, floor int32) {
	v := stripComment(value)
	v = stripProperties(v)
	nd := &t.nodes[n]
	switch {
	case v == "":
		nd.kind = kPending
	case v[0] == '|' || v[0] == '>':
		nd.kind = kBlock
		nd.raw = v
		t.cont, t.contFloor = n, floor
	case v[0] == '"' || v[0] == '\'':
		nd.raw = v
		if closed, _ := quotedEnd(v); closed {
			nd.kind = kScalar
		} else {
			nd.kind = kMulti
			nd.quote = v[0]
			t.cont, t.contFloor = n, floor
		}
	case v[0] == '[' || v[0] == '{':
		nd.raw = v
		if d := flowDepth(v); d == 0 {
			nd.kind = kScalar
		} else {
			nd.kind = kMulti
			nd.quote = '['
			nd.depth = int32(d)
			t.cont, t.contFloor = n, floor
		}
	default:
		nd.kind = kScalar
		nd.raw = v
		// a plain scalar may continue on deeper lines
		t.cont, t.contFloor = n, floor
		nd.quote = 0
	}
}

// continueScalar tracks the end of a multi-line quoted or flow scalar.
func (t *sideTree) continueScalar(n int32, rest string) {
	nd := &t.nodes[n]
	switch nd.quote {
	case '"', '\'':
		if closesQuote(rest, nd.quote) {
			nd.quote = 0
			t.cont = -1
		}
	case '[':
		nd.depth += int32(flowDepth(rest))
		if nd.depth <= 0 {
			nd.quote = 0
			t.cont = -1
		}
	}
}

// place finds the container for a dash at column c; parent is the item
// opened earlier on the same line, if any ("- - x").
func (t *sideTree) place(c int, dash bool, parent int32) int32 {
	if parent >= 0 {
		// a nested sequence inside an item opened on this line
		return t.openChild(parent, int32(c), kSeq)
	}
	for {
		top := t.stack[len(t.stack)-1]
		tn := &t.nodes[top]
		if tn.childCol > int32(c) && len(t.stack) > 1 {
			t.stack = t.stack[:len(t.stack)-1]
			continue
		}
		switch {
		case tn.childCol == int32(c):
			switch tn.kind {
			case kSeq:
				return top
			case kDetached:
				if tn.firstChild < 0 || t.nodes[tn.firstChild].item {
					return top // a list whose parent key is elided
				}
				fallthrough
			case kMap, kRoot:
				// compact sequence: "- " at the column of the keys belongs to
				// the last key, whose value is still pending
				if last := tn.lastChild; last >= t.barrier && last > 0 && t.nodes[last].kind == kPending && !t.nodes[last].item {
					return t.openChild(last, int32(c), kSeq)
				}
			}
		case tn.childCol < int32(c) || tn.childCol < 0:
			if last := t.pendingChild(top); last >= 0 {
				return t.openChild(last, int32(c), kSeq)
			}
		}
		// nothing visible owns this dash: it hangs from elided ancestors
		return t.detachedAt(int32(c))
	}
}

// placeKey finds the mapping for a key at column c; parent is the item
// opened earlier on the same line, if any ("- name: x").
func (t *sideTree) placeKey(c int, parent int32) int32 {
	if parent >= 0 {
		return t.openChild(parent, int32(c), kMap)
	}
	for {
		top := t.stack[len(t.stack)-1]
		tn := &t.nodes[top]
		if tn.childCol > int32(c) && len(t.stack) > 1 {
			t.stack = t.stack[:len(t.stack)-1]
			continue
		}
		switch {
		case tn.childCol == int32(c):
			switch tn.kind {
			case kMap, kRoot:
				return top
			case kDetached:
				if tn.firstChild < 0 || !t.nodes[tn.firstChild].item {
					return top
				}
			case kSeq:
				// a key at the column of a compact sequence's dashes ends it
				if len(t.stack) > 1 {
					t.stack = t.stack[:len(t.stack)-1]
					continue
				}
			}
		case tn.childCol < int32(c) || tn.childCol < 0:
			if last := t.pendingChild(top); last >= 0 {
				return t.openChild(last, int32(c), kMap)
			}
		}
		return t.detachedAt(int32(c))
	}
}

// pendingChild returns the last child of container top if its value is
// still open to nested content.
func (t *sideTree) pendingChild(top int32) int32 {
	last := t.nodes[top].lastChild
	if last < t.barrier {
		return -1 // none, or created before the last elision
	}
	if k := t.nodes[last].kind; k == kPending {
		return last
	}
	return -1
}

// openChild turns node n (a pending key or item) into a container whose
// entries sit at column c, and pushes it.
func (t *sideTree) openChild(n int32, c int32, kind nkind) int32 {
	nd := &t.nodes[n]
	if nd.kind != kPending && nd.kind != kind {
		// content under a node that already has a value: keep it visible as
		// detached content rather than guessing
		return t.detachedAt(c)
	}
	nd.kind = kind
	nd.childCol = c
	if kind == kSeq {
		nd.seqStart = true
	}
	t.stack = append(t.stack, n)
	return n
}

// detachedAt returns a detached container for entries at column c, pushing
// a new one unless the top of the stack is one at that column. A line at
// the root column never needs one.
func (t *sideTree) detachedAt(c int32) int32 {
	top := t.stack[len(t.stack)-1]
	if t.nodes[top].kind == kDetached && t.nodes[top].childCol == c {
		return top
	}
	// drop open containers deeper than c
	for len(t.stack) > 1 && t.nodes[t.stack[len(t.stack)-1]].childCol >= c {
		t.stack = t.stack[:len(t.stack)-1]
	}
	d := t.newNode(root, tnode{kind: kDetached, index: -1, col: c, childCol: c, own: -1, end: -1})
	// Stretches of this hunk seen so far at deeper columns came before this
	// line, so they belong to an entry of d whose key line was elided: hang
	// them from an unknown entry, keeping what the hunk shows of the nesting.
	var deeper []int32
	for ch := t.nodes[root].firstChild; ch >= 0; ch = t.nodes[ch].next {
		if ch >= t.barrier && ch != d && t.nodes[ch].kind == kDetached && t.nodes[ch].childCol > c {
			deeper = append(deeper, ch)
		}
	}
	if len(deeper) > 0 {
		u := t.newNode(d, tnode{kind: kUnknown, index: -1, col: c, childCol: -1, own: -1, end: -1})
		for _, ch := range deeper {
			t.unlink(root, ch)
			t.nodes[ch].parent = u
			t.nodes[ch].next = -1
			if t.nodes[u].lastChild >= 0 {
				t.nodes[t.nodes[u].lastChild].next = ch
			} else {
				t.nodes[u].firstChild = ch
			}
			t.nodes[u].lastChild = ch
		}
	}
	t.stack = append(t.stack, d)
	return d
}

// unlink removes child ch from parent p's list of children.
func (t *sideTree) unlink(p, ch int32) {
	prev := int32(-1)
	for c := t.nodes[p].firstChild; c >= 0; c = t.nodes[c].next {
		if c == ch {
			if prev < 0 {
				t.nodes[p].firstChild = t.nodes[c].next
			} else {
				t.nodes[prev].next = t.nodes[c].next
			}
			if t.nodes[p].lastChild == ch {
				t.nodes[p].lastChild = prev
			}
			return
		}
		prev = c
	}
}

func (t *sideTree) addItem(seq int32, i int, c int) int32 {
	idx := int32(-1)
	sq := &t.nodes[seq]
	if sq.kind == kSeq && sq.seqStart {
		idx = 0
		for ch := sq.firstChild; ch >= 0; ch = t.nodes[ch].next {
			idx++
		}
	}
	return t.newNode(seq, tnode{kind: kPending, item: true, index: idx, col: int32(c), childCol: -1, own: int32(i), end: int32(i)})
}

// splitKey splits "key: value" (or "key:"), with plain or quoted keys.
func splitKey(s string) (key, value string, ok bool) {
	if s == "" {
		return "", "", false
	}
	switch s[0] {
	case '"', '\'':
		closed, n := quotedEnd(s)
		if !closed {
			return "", "", false
		}
		j := n
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && s[j] == ':' && (j+1 == len(s) || s[j+1] == ' ') {
			k, err := unquoteScalar(s[:n])
			if err != nil {
				return "", "", false
			}
			return k, trimLeftSpace(s[j+1:]), true
		}
		return "", "", false
	case '[', '{', '|', '>', '*', '!', '%', '@', '`', '#', '?':
		return "", "", false
	case '&':
		// an anchor before a key: "&a key: v"
		if sp := strings.IndexByte(s, ' '); sp > 0 {
			return splitKey(trimLeftSpace(s[sp:]))
		}
		return "", "", false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t' {
				k := trimRightSpace(s[:i])
				if k == "" {
					return "", "", false
				}
				return k, trimLeftSpace(s[i+1:]), true
			}
		case '#':
			if i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
				return "", "", false // a comment before any colon
			}
		}
	}
	return "", "", false
}

// quotedEnd reports whether the quoted scalar starting s is closed on this
// line, and the length of the quoted part.
func quotedEnd(s string) (bool, int) {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			if q == '\'' && i+1 < len(s) && s[i+1] == '\'' {
				i++ // '' is an escaped quote
				continue
			}
			return true, i + 1
		}
	}
	return false, len(s)
}

// closesQuote reports whether a continuation line closes an open quote.
func closesQuote(s string, q byte) bool {
	for i := 0; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			if q == '\'' && i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			return true
		}
	}
	return false
}

// flowDepth returns the bracket balance of a flow collection line, ignoring
// brackets inside quotes.
func flowDepth(s string) int {
	d := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '{':
			d++
		case ']', '}':
			d--
		case '"', '\'':
			if closed, n := quotedEnd(s[i:]); closed {
				i += n - 1
			} else {
				return d
			}
		case '#':
			if i > 0 && s[i-1] == ' ' {
				return d
			}
		}
	}
	return d
}

// stripComment removes a trailing comment from a value, outside quotes.
func stripComment(v string) string {
	if v == "" {
		return v
	}
	if v[0] == '#' {
		return ""
	}
	if v[0] == '"' || v[0] == '\'' {
		closed, n := quotedEnd(v)
		if !closed {
			return v
		}
		return v[:n] + stripTrailing(v[n:])
	}
	for i := 1; i < len(v); i++ {
		if v[i] == '#' && (v[i-1] == ' ' || v[i-1] == '\t') {
			return trimRightSpace(v[:i])
		}
	}
	return trimRightSpace(v)
}

func stripTrailing(rest string) string {
	if i := strings.Index(rest, " #"); i >= 0 {
		rest = rest[:i]
	}
	return trimRightSpace(rest)
}

// stripProperties removes a leading anchor (&a) and tag (!t) from a value.
func stripProperties(v string) string {
	for len(v) > 0 && (v[0] == '&' || v[0] == '!') {
		sp := strings.IndexByte(v, ' ')
		if sp < 0 {
			return ""
		}
		v = trimLeftSpace(v[sp:])
	}
	return v
}

// isBlank reports whether s holds only spaces and tabs.
func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && s[i] != '\t' {
			return false
		}
	}
	return true
}

func trimLeftSpace(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return s[i:]
}

func trimRightSpace(s string) string {
	i := len(s)
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	return s[:i]
}
