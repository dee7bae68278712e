package diffparse

import (
	"slices"
	"strings"
	"unsafe"

	"github.com/safediff/safediff/pkg/kube"
)

// This file rebuilds the YAML structure of one side of a diff body from its
// lines: the fast reader. It reads the block style that rendered manifests
// are written in (mappings, indented or compact sequences, plain, quoted
// and literal scalars, comments, one-line flow collections), and tolerates
// what a line diff leaves of a document: elisions ("...") that hide any
// number of lines, so that the lines after one may sit at any depth. Lines
// after an elision that are not at the document's root column hang from a
// "detached" node whose ancestors are unknown; their paths start with
// kube.Gap.
//
// Everything it does not read exactly as go-yaml does (anchors, aliases,
// merge keys, tags, multi-line quoted or flow scalars, folded scalars,
// Unicode line breaks, tabs, indentation it has to guess at) is recorded
// as an odd line. A complete document with an odd line is read by the
// exact decoder instead (exact.go); in a partial one, odd lines become the
// object's unresolved notes.

// bodyLine is one line of an object's diff body.
type bodyLine struct {
	text string // content after the two-character diff prefix
	no   int32  // input line number (an input has fewer than 2^31 lines: MaxInputLimit)
	rep  int32  // for a blank line: how many identical lines it stands for (a run); 0 otherwise
	side uint8  // sideOld|sideNew for context lines
	gap  bool   // an elision marker ("...")
	cr   bool   // the content ended in a carriage return (go-yaml reads CRLF as a line break)
	wide bool   // the line has bytes outside ASCII
	tab  bool   // the line holds a tab
}

// count returns how many input lines l stands for.
func (l *bodyLine) count() int {
	if l.rep > 1 {
		return int(l.rep)
	}
	return 1
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
	kValue                 // a resolved scalar (from the exact decoder or a flow collection)
)

// tnode is a node of a side tree. Nodes live in an arena and refer to each
// other by index.
type tnode struct {
	parent, firstChild, lastChild, next int32
	own                                 int32 // index of the node's own line in the side's lines; -1 for none
	end                                 int32 // index of the last line of the node's subtree
	col                                 int32 // column of the key or dash
	childCol                            int32 // column of the entries of a container (the indentation of a block scalar); -1 until known
	index                               int32 // item position; -1 when unknown
	items                               int32 // number of items of a sequence
	kind                                nkind
	item                                bool  // a list item (else a mapping entry, root or detached)
	seqStart                            bool  // for kSeq: the sequence's first item is visible
	flow                                bool  // a container written in flow style: nothing nests below
	quote                               byte  // for kMulti: the open quote or bracket being continued
	vtype                               uint8 // for kValue: the ScalarType; for kScalar: vtypeTagged or 0
	level                               uint16
	key                                 sref // the entry's key
	raw                                 sref // value text on the own line (scalars); for kValue the canonical value
}

// vtypeTagged marks a plain or quoted scalar written with a tag, whose
// type the fast reader does not know.
const vtypeTagged = 255

// sref is a string of a side tree held in 8 bytes rather than 16: a tree
// has a node for every line of a document (a 100,000-item list holds
// 300,000), and most of its strings are slices of the node's own line.
// off >= 0: bytes [off, off+n) of the own line's text; off < 0: the side
// tree's strs[-off-1] (a key or value that is not a slice of the line:
// unquoted, or decoded by the exact reader).
type sref struct{ off, n int32 }

// ref returns the reference to s for a node owning line own.
func (t *sideTree) ref(own int32, s string) sref {
	if s == "" {
		return sref{}
	}
	if own >= 0 && int(own) < len(t.lines) {
		// s is a slice of the line when its bytes lie within the line's:
		// the pointers are compared, never turned back into pointers
		text := t.lines[own].text
		off := uintptr(unsafe.Pointer(unsafe.StringData(s))) - uintptr(unsafe.Pointer(unsafe.StringData(text)))
		if len(s) <= len(text) && off <= uintptr(len(text)-len(s)) {
			return sref{off: int32(off), n: int32(len(s))}
		}
	}
	return t.keep(s)
}

// keep holds s in the tree's own strings.
func (t *sideTree) keep(s string) sref {
	t.strs = append(t.strs, s)
	return sref{off: -int32(len(t.strs)), n: int32(len(s))}
}

// str returns the string r of node nd.
func (t *sideTree) str(nd *tnode, r sref) string {
	switch {
	case r.n == 0:
		return ""
	case r.off < 0:
		return t.strs[-r.off-1]
	}
	return t.lines[nd.own].text[r.off : r.off+r.n]
}

// keyOf returns the key of node n.
func (t *sideTree) keyOf(n int32) string { nd := &t.nodes[n]; return t.str(nd, nd.key) }

// rawOf returns the value text of node n.
func (t *sideTree) rawOf(n int32) string { nd := &t.nodes[n]; return t.str(nd, nd.raw) }

// maxNesting bounds the depth of a document: real manifests stay far below,
// and a bound keeps hostile input linear.
const maxNesting = 256

// oddWhy says why a line is outside what the fast reader reads exactly.
type oddWhy uint8

const (
	oddStructure oddWhy = iota + 1 // indentation it cannot place
	oddAnchor
	oddAlias
	oddMerge
	oddTag
	oddKey
	oddQuoted
	oddFlow
	oddPlain
	oddBlock
	oddUnicode
	oddTab
	oddMarker
	oddDuplicate
	oddCut
	oddBlank
)

var oddNames = map[oddWhy]string{
	oddStructure: "indentation that cannot be placed without the lines around it",
	oddAnchor:    "an anchor (&), whose aliases may be elsewhere",
	oddAlias:     "an alias (*), whose anchor may be elided",
	oddMerge:     "a merge key (<<), which copies fields from elsewhere",
	oddTag:       "a tag (!)",
	oddKey:       "a key that YAML reads as another type (y, on, 1, null, ...)",
	oddQuoted:    "a quoted scalar over several lines, or with escapes",
	oddFlow:      "a flow collection ({...} or [...]) the reader does not follow (over several lines, or not YAML)",
	oddPlain:     "a value YAML does not read as plain text",
	oddBlock:     "a block scalar whose indentation or style the reader does not follow",
	oddUnicode:   "a Unicode line break (NEL, LS, PS) or a character YAML does not allow",
	oddTab:       "a tab character",
	oddMarker:    "a YAML document marker",
	oddDuplicate: "a key that appears earlier in the same mapping (go-yaml keeps the last one, and the diff may hide another)",
	oddCut:       "a quoted or bracketed value that an elision cuts (the lines after it may be its text)",
	oddBlank:     "a blank line added or removed beside text whose start an elision cuts (in a block or multi-line scalar, a blank line is a line of the value)",
}

func (w oddWhy) String() string { return oddNames[w] }

// oddLine is a line the fast reader does not read exactly.
type oddLine struct {
	no  int
	why oddWhy
}

// maxOdd bounds the odd lines recorded per side.
const maxOdd = 8

// sideTree is the structure of one side of an object body.
type sideTree struct {
	lines []*bodyLine // the side's lines, in order (gaps included)
	nodes []tnode
	owner []int32 // per line: the deepest node owning it, -1 for blank/comment/gap lines
	gaps  bool    // the side has at least one elision
	stack []int32 // open containers (root first)
	// block and continuation state
	cont      int32 // node being continued (kMulti, kBlock, plain kScalar), -1 if none
	contFloor int32 // lines must be indented deeper than this to continue it
	leadBlank int32 // for a block scalar: the most spaces of a blank line before its first content
	flowDepth int32 // for a multi-line flow: the brackets still open
	flowQuote byte  // for a multi-line flow: the quote a line left open (a quoted scalar inside it runs on), or 0
	// barrier is the first node created after the last elision: a node
	// created before it may have received children inside the elision, so
	// lines after it cannot be attached to it as direct children.
	barrier int32
	// recent is the first detached container under the root created
	// after the last elision (-1: none yet); the ones before it belong to
	// other hunks.
	recent int32
	// tooDeep is the input line where nesting exceeded maxNesting, or 0.
	tooDeep int
	// odd lists lines outside what the fast reader reads exactly (the
	// first maxOdd); oddCount counts them all.
	odd      []oddLine
	oddCount int
	strs     []string   // the keys and values that are not slices of their lines (see sref)
	typ      *kube.Type // schema of the document root
	exact    bool       // built by the exact decoder from the whole document
	// sealed: the tree is complete and no longer changes, so that
	// entries may be looked up through keys (an index of a large
	// mapping's entries, built when first asked for; see entries)
	sealed bool
	keys   map[int32]map[string]entryOf
	items  map[itemsOf]map[string]int32
	// top: the keys of the root that are anchored (not detached), in
	// order, their lines and their column (-1: none); built on first use
	// (topKeys)
	top struct {
		keys  []string
		lines []int32
		col   int32
	}
}

const root int32 = 0

func (t *sideTree) reset(lines []*bodyLine, typ *kube.Type) {
	t.lines = lines
	t.nodes = t.nodes[:0]
	t.owner = t.owner[:0]
	t.gaps = false
	t.stack = t.stack[:0]
	t.cont = -1
	t.barrier = 0
	t.recent = -1
	t.tooDeep = 0
	t.odd = t.odd[:0]
	t.oddCount = 0
	clear(t.strs) // they may point into the previous object's input
	t.strs = t.strs[:0]
	t.typ = typ
	t.exact = false
	t.top.keys, t.top.lines = nil, nil
	t.unseal()
	t.nodes = append(t.nodes, tnode{parent: -1, firstChild: -1, lastChild: -1, next: -1, kind: kRoot, index: -1, col: -1, childCol: 0, own: -1, end: -1})
	t.stack = append(t.stack, root)
}

// fast reports whether the side was read exactly by the fast reader: a
// complete, non-empty document without odd lines.
func (t *sideTree) fast() bool {
	return !t.exact && !t.gaps && t.oddCount == 0 && t.nodes[root].firstChild >= 0
}

// markOdd records that input line i of the side is outside the fast subset.
func (t *sideTree) markOdd(i int, why oddWhy) {
	t.oddCount++
	if len(t.odd) < maxOdd && i >= 0 && i < len(t.lines) {
		no := int(t.lines[i].no)
		if n := len(t.odd); n > 0 && t.odd[n-1].no == no {
			return
		}
		t.odd = append(t.odd, oddLine{no: no, why: why})
	}
}

// irregular records a structural irregularity at line i: odd in a
// complete stretch, expected after an elision.
func (t *sideTree) irregular(i int) {
	if !t.gaps {
		t.markOdd(i, oddStructure)
	}
}

func (t *sideTree) newNode(parent int32, n tnode) int32 {
	if t.sealed {
		t.unseal()
	}
	n.parent = parent
	if parent >= 0 {
		lvl := t.nodes[parent].level + 1
		if lvl > maxNesting {
			// keep the structure flat from here on; the caller reports it
			lvl = maxNesting
			if t.tooDeep == 0 && n.own >= 0 && int(n.own) < len(t.lines) {
				t.tooDeep = int(t.lines[n.own].no)
			}
			parent = root
			n.parent = root
		}
		n.level = lvl
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
	if t.nodes[n].end < int32(i) {
		t.nodes[n].end = int32(i)
	}
	// ancestors' ends are propagated once, after the build (finish)
}

// build reads the lines of one side.
func (t *sideTree) build(lines []*bodyLine, typ *kube.Type) {
	t.reset(lines, typ)
	// a line makes one or two nodes: size the arena once rather than
	// doubling it (and copying it) as it fills
	if want := len(lines) + len(lines)/2 + 1; cap(t.nodes) < want {
		t.nodes = append(make([]tnode, 0, want), t.nodes...)
	}
	t.owner = slices.Grow(t.owner, len(lines))
	for range lines {
		t.owner = append(t.owner, -1)
	}
	for i, l := range lines {
		if l.gap {
			t.cutScalar()
			t.gaps = true
			t.barrier = int32(len(t.nodes))
			t.stack = t.stack[:1] // only the root survives an elision
			continue
		}
		t.line(i, l.text)
	}
	t.endScalar()
	t.finish()
	if t.gaps {
		t.blanksInText()
	}
	t.sealed = true
}

// blanksInText marks the changed blank lines of a partial side that stand
// beside text the reader cannot place (the content of a block scalar
// whose header an elision cuts: "echo a", blank, "echo b"), after a
// scalar that may go on past an elision, or between two elisions (a view
// without context): there a blank line may be a line of a value, which
// changes it, and the visible lines cannot tell.
func (t *sideTree) blanksInText() {
	unplaced := func(k int) bool {
		if k < 0 || k >= len(t.lines) || t.owner[k] < 0 {
			return false
		}
		// a line of text with no key and no dash, which the reader keeps
		// as a scalar of a detached container (see line)
		nd := &t.nodes[t.owner[k]]
		text := strings.TrimLeft(t.lines[k].text, " ")
		return nd.kind == kScalar && nd.key.n == 0 && nd.own == int32(k) && nd.parent >= 0 && t.nodes[nd.parent].kind == kDetached &&
			text != "-" && !strings.HasPrefix(text, "- ")
	}
	scalar := func(k int) bool {
		if k < 0 || k >= len(t.lines) || t.owner[k] < 0 {
			return false
		}
		kind := t.nodes[t.owner[k]].kind
		return kind == kScalar || kind == kMulti
	}
	gap := func(k int) bool { return k >= 0 && k < len(t.lines) && t.lines[k].gap }
	for i, l := range t.lines {
		if l.gap || !l.changed() || !isBlank(l.text) || t.owner[i] >= 0 {
			continue
		}
		// blank lines and comments between are passed over: in a block
		// scalar a "# ..." line is text too
		skip := func(k int) bool {
			if k < 0 || k >= len(t.lines) || t.lines[k].gap {
				return false
			}
			s := strings.TrimLeft(t.lines[k].text, " ")
			return isBlank(s) || s[0] == '#'
		}
		prev, next := i-1, i+1
		for skip(prev) {
			prev--
		}
		for skip(next) {
			next++
		}
		if unplaced(prev) || unplaced(next) || scalar(prev) && gap(next) || gap(prev) && gap(next) {
			t.markOdd(i, oddBlank)
		}
	}
}

// complete reports whether node n shows its whole value: no elision
// among its lines or right after them (blank lines and comments passed
// over), for the lines after an elision may be its own at any depth. Every
// node of a side without elisions is complete.
func (t *sideTree) complete(n int32) bool {
	if !t.gaps {
		return true
	}
	nd := &t.nodes[n]
	if nd.own < 0 || nd.kind == kDetached || nd.kind == kUnknown {
		return false
	}
	i := int(nd.own)
	for ; i < len(t.lines) && (i <= int(nd.end) || !t.lines[i].gap && t.owner[i] < 0); i++ {
		if t.lines[i].gap {
			return false
		}
	}
	return i == len(t.lines) || !t.lines[i].gap
}

// unseal marks the tree as changing: its key index is dropped.
func (t *sideTree) unseal() {
	t.sealed = false
	t.keys, t.items = nil, nil
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

// markDuplicates records the keys that appear twice in one mapping. A
// complete document's readers keep the last one, as go-yaml does; in a
// partial one, the lines between may hide more, or another document.
func (t *sideTree) markDuplicates() {
	// one set serves every mapping (a list of 40,000 items has as many);
	// a set grown by a large mapping is dropped rather than cleared, since
	// clearing costs its capacity every time after
	seen := map[string]bool{}
	for n := range t.nodes {
		nd := &t.nodes[n]
		if nd.kind != kMap && nd.kind != kRoot && nd.kind != kDetached {
			continue
		}
		if len(seen) > 64 {
			seen = map[string]bool{}
		} else {
			clear(seen)
		}
		for ch := nd.firstChild; ch >= 0; ch = t.nodes[ch].next {
			c := &t.nodes[ch]
			if c.item || c.kind == kDetached || c.kind == kUnknown || c.own < 0 {
				continue
			}
			k := t.str(c, c.key)
			if seen[k] {
				t.markOdd(int(c.own), oddDuplicate)
			}
			seen[k] = true
		}
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
		return int(t.lines[nd.own].no)
	}
	return 0
}

// endScalar ends the scalar being continued, if any. A quoted or flow
// scalar still open there is cut (by an elision or the end of the side).
func (t *sideTree) endScalar() {
	if t.cont < 0 {
		return
	}
	if nd := &t.nodes[t.cont]; nd.kind == kMulti && nd.quote != 0 {
		return // unterminated keeps it for the caller's error
	}
	t.cont = -1
}

// cutScalar ends the scalar being continued at an elision. A quoted or
// flow value still open there is cut: the lines after the elision may be
// its text or the document's own, which the lines shown cannot tell, so
// its line is odd (any field may change) and the next lines are read as
// the document's.
func (t *sideTree) cutScalar() {
	if t.cont < 0 {
		return
	}
	if nd := &t.nodes[t.cont]; nd.kind == kMulti && nd.quote != 0 && nd.own >= 0 {
		// the line is odd already (a value over several lines): the cut
		// is what its note says
		no := int(t.lines[nd.own].no)
		if k := slices.IndexFunc(t.odd, func(o oddLine) bool { return o.no == no }); k >= 0 {
			t.odd[k].why = oddCut
		} else {
			t.markOdd(int(nd.own), oddCut)
		}
	}
	t.cont = -1
}

func indentOf(s string) int {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// docMarker reports whether a document line starts a new YAML document for
// helm (releaseutil.SplitManifests splits before any line starting with
// "---") or ends one ("..." alone or before a space).
func docMarker(s string) bool {
	if strings.HasPrefix(s, "---") {
		return true
	}
	return s == "..." || strings.HasPrefix(s, "... ") || strings.HasPrefix(s, "...\t")
}

func (t *sideTree) line(i int, s string) {
	col := indentOf(s)
	rest := s[col:]
	blank := isBlank(rest)
	if t.lines[i].wide && oddText(s) {
		t.markOdd(i, oddUnicode)
	}

	// continuation of a block scalar or a multi-line scalar
	if t.cont >= 0 {
		if t.continued(i, s, col, rest, blank) {
			return
		}
		t.cont = -1
	}
	tab := t.lines[i].tab
	if blank && tab {
		t.markOdd(i, oddTab) // go-yaml refuses a tab that starts a line
	}
	if blank || rest[0] == '#' {
		return // comments and blank lines carry no structure
	}
	if tab {
		t.markOdd(i, oddTab)
	}
	if col == 0 && (docMarker(s) || s[0] == '%') {
		t.markOdd(i, oddMarker)
		return
	}
	c := col
	var parent int32 = -1
	for rest == "-" || strings.HasPrefix(rest, "- ") {
		parent = t.place(i, c, parent)
		item := t.addItem(parent, i, c)
		t.attach(i, item)
		// skip the dash and the spaces after it
		j := 1
		for j < len(rest) && rest[j] == ' ' {
			j++
		}
		if j >= len(rest) || rest[j] == '#' {
			return // "-" alone: the item's content follows on deeper lines
		}
		c += j
		rest = rest[j:]
		parent = item
	}
	key, value, kq, ok := splitKey(rest)
	if ok {
		if kq == 0 && (strings.HasPrefix(rest, "&") || strings.HasPrefix(rest, "!")) {
			t.markOdd(i, oddAnchor)
		}
		if key == "<<" {
			t.markOdd(i, oddMerge)
		} else if kq == 0 && (!plainOK(key) || !resolveKey(key)) || len(key) > 1000 || kq == '"' && strings.IndexByte(key, '\\') >= 0 {
			t.markOdd(i, oddKey)
		}
		container := t.placeKey(i, c, parent)
		n := t.newNode(container, tnode{kind: kPending, index: -1, col: int32(c), childCol: -1, own: int32(i), end: int32(i), key: t.ref(int32(i), key)})
		t.attach(i, n)
		t.setValue(i, n, value, int32(c))
		return
	}
	// a bare scalar: the value of a list item ("- foo")
	if parent >= 0 && t.nodes[parent].item {
		t.setValue(i, parent, rest, t.nodes[parent].col)
		return
	}
	// anything else is irregular: a key without its colon, or a scalar
	// that continues something the reader cannot see. A scalar on the
	// line after a key with no value is the key's value ("resources:"
	// then "  null"); an empty flow mapping or list there ("  {}", as
	// charts print toYaml of an empty value with nindent) is read as
	// written, and is no irregularity even in a partial view.
	top := t.stack[len(t.stack)-1]
	for len(t.stack) > 1 && t.nodes[top].childCol > int32(col) {
		t.stack = t.stack[:len(t.stack)-1]
		top = t.stack[len(t.stack)-1]
	}
	if last := t.pendingChild(top); last >= 0 && t.nodes[last].firstChild < 0 && t.nodes[last].col < int32(col) {
		if v := trimRightSpace(stripComment(rest)); v != "{}" && v != "[]" || t.lines[i].tab {
			t.irregular(i)
		}
		t.attach(i, last)
		t.setValue(i, last, rest, t.nodes[last].col)
		return
	}
	t.irregular(i)
	// a scalar line with no visible owner (e.g. block scalar content right
	// after an elision): keep it as an unidentified node of a detached
	// container, so that its changes still surface, with an unknown path.
	d := t.detachedAt(i, int32(col))
	n := t.newNode(d, tnode{kind: kScalar, index: -1, col: int32(col), childCol: -1, own: int32(i), end: int32(i), item: true, raw: t.ref(int32(i), rest)})
	t.attach(i, n)
}

// continued handles line i while a scalar is being continued; it reports
// whether the line belongs to it.
func (t *sideTree) continued(i int, s string, col int, rest string, blank bool) bool {
	c := &t.nodes[t.cont]
	switch c.kind {
	case kBlock:
		if blank {
			if strings.IndexByte(s, '\t') >= 0 {
				t.markOdd(i, oddTab)
			}
			switch {
			case c.childCol < 0 && int32(col) > t.leadBlank:
				t.leadBlank = int32(col)
			case c.childCol >= 0 && int32(col) > c.childCol:
				t.markOdd(i, oddBlock) // spaces past the indentation: content
			}
			t.attach(i, t.cont)
			return true
		}
		if int32(col) > t.contFloor {
			switch {
			case c.childCol < 0:
				c.childCol = int32(col)
				if t.leadBlank > int32(col) {
					t.markOdd(i, oddBlock)
				}
				if rest[0] == '\t' {
					// go-yaml reads the block's indentation from its first
					// line, and refuses a tab there
					t.markOdd(i, oddTab)
				}
			case int32(col) < c.childCol:
				t.markOdd(i, oddBlock) // less indented than the block: a YAML error
			}
			t.attach(i, t.cont)
			return true
		}
	case kScalar, kMulti:
		if c.quote != 0 {
			// an open quote or bracket continues regardless of indentation
			t.attach(i, t.cont)
			t.continueScalar(t.cont, rest)
			return true
		}
		if blank {
			if t.lines[i].tab {
				t.markOdd(i, oddTab) // go-yaml refuses a tab that starts a line here too
			}
			return true // may be inside a multi-line plain scalar; never part of its end
		}
		if int32(col) > t.contFloor && rest[0] != '#' {
			c.kind = kMulti
			if v := trimRightSpace(stripTrailingComment(rest)); v != trimRightSpace(rest) || !plainContOK(v) || strings.IndexByte(s, '\t') >= 0 {
				t.markOdd(i, oddPlain)
			}
			// the blank lines before this one are inside the scalar: each
			// is a line break of its value (go-yaml folds "x", "", "y"
			// into "x\ny"), so a blank line added there changes it
			for k := c.end + 1; k < int32(i); k++ {
				if l := t.lines[k]; !l.gap && isBlank(l.text) {
					t.attach(int(k), t.cont)
				}
			}
			t.attach(i, t.cont)
			return true
		}
	}
	return false
}

// plainContOK reports whether a continuation line of a plain scalar is
// read as text by go-yaml.
func plainContOK(s string) bool {
	return s != "" && s[0] != '#' && s[len(s)-1] != ':' && !strings.Contains(s, ": ") && !strings.Contains(s, " #") && !docMarker(s)
}

// setValue classifies the value text written on node n's own line i.
func (t *sideTree) setValue(i int, n int32, value string, floor int32) {
	v := stripComment(value)
	tagged := false
	if v != "" && (v[0] == '&' || v[0] == '!') {
		if v[0] == '&' {
			t.markOdd(i, oddAnchor)
		} else {
			t.markOdd(i, oddTag)
		}
		w := stripProperties(v)
		tagged = strings.IndexByte(v[:len(v)-len(w)], '!') >= 0
		v = w
	}
	nd := &t.nodes[n]
	if tagged {
		// a tag decides the scalar's type (!!str on is a string), which
		// this reader does not follow: the exact reader does, and a
		// partial view, which it cannot read, knows no type
		defer func() {
			if nd := &t.nodes[n]; nd.kind == kScalar {
				nd.vtype = vtypeTagged
			}
		}()
	}
	// the value may stand on a later line than the node's own (a key
	// with no value, then its scalar on the next line): a reference is
	// into the node's own line, or else the string is kept
	own := nd.own
	switch {
	case v == "":
		nd.kind = kPending
	case v[0] == '*':
		t.markOdd(i, oddAlias)
		nd.kind, nd.raw = kScalar, t.ref(own, v)
	case v[0] == '|' || v[0] == '>':
		if v != "|" && v != "|-" {
			t.markOdd(i, oddBlock) // folded, kept (|+) or with an indentation indicator
		}
		nd.kind, nd.raw, nd.childCol = kBlock, t.ref(own, v), -1
		t.cont, t.contFloor, t.leadBlank = n, floor, 0
	case v[0] == '"' || v[0] == '\'':
		nd.raw = t.ref(own, v)
		closed, end := quotedEnd(v)
		switch {
		case !closed:
			t.markOdd(i, oddQuoted)
			nd.kind, nd.quote = kMulti, v[0]
			t.cont, t.contFloor = n, floor
		case end != len(v):
			t.markOdd(i, oddQuoted) // text after the closing quote
			nd.kind = kScalar
		default:
			if _, ok := quotedScalar(v); !ok {
				t.markOdd(i, oddQuoted)
			}
			nd.kind = kScalar
		}
	case v == "[]" || v == "{}":
		nd.kind, nd.flow = kSeq, true
		if v == "{}" {
			nd.kind = kMap
		}
	case v[0] == '[' || v[0] == '{':
		nd.raw = t.ref(own, v)
		if d, q := flowLine(v, 0); d != 0 || q != 0 {
			t.markOdd(i, oddFlow)
			nd.kind, nd.quote = kMulti, '['
			t.flowDepth, t.flowQuote = int32(d), q
			t.cont, t.contFloor = n, floor
			return
		}
		nd.kind = kScalar
		if !flowClosed(v) || !t.graftFlow(i, n, v) {
			switch {
			case strings.IndexByte(v, '*') >= 0:
				t.markOdd(i, oddAlias)
			case strings.IndexByte(v, '&') >= 0:
				t.markOdd(i, oddAnchor)
			case strings.IndexByte(v, '!') >= 0:
				t.markOdd(i, oddTag)
			default:
				t.markOdd(i, oddFlow)
			}
		}
	default:
		nd.kind, nd.raw = kScalar, t.ref(own, v)
		if !plainOK(v) {
			t.markOdd(i, oddPlain)
		}
		if strings.IndexByte(value, '#') < 0 || trimRightSpace(value) == v {
			// a plain scalar may continue on deeper lines, unless a
			// comment ended it
			t.cont, t.contFloor = n, floor
		}
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
		d, q := flowLine(rest, t.flowQuote)
		t.flowDepth, t.flowQuote = t.flowDepth+int32(d), q
		if t.flowDepth <= 0 && q == 0 {
			nd.quote = 0
			t.cont = -1
		}
	}
}

// place finds the container for a dash at column c of line i; parent is
// the item opened earlier on the same line, if any ("- - x").
func (t *sideTree) place(i, c int, parent int32) int32 {
	if parent >= 0 {
		// a nested sequence inside an item opened on this line
		return t.openChild(i, parent, int32(c), kSeq)
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
					return t.openChild(i, last, int32(c), kSeq)
				}
			}
		case tn.childCol < int32(c) || tn.childCol < 0:
			if last := t.pendingChild(top); last >= 0 {
				return t.openChild(i, last, int32(c), kSeq)
			}
		}
		// nothing visible owns this dash: it hangs from elided ancestors
		t.irregular(i)
		return t.detachedAt(i, int32(c))
	}
}

// placeKey finds the mapping for a key at column c of line i; parent is
// the item opened earlier on the same line, if any ("- name: x").
func (t *sideTree) placeKey(i, c int, parent int32) int32 {
	if parent >= 0 {
		return t.openChild(i, parent, int32(c), kMap)
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
				return t.openChild(i, last, int32(c), kMap)
			}
		}
		t.irregular(i)
		return t.detachedAt(i, int32(c))
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
func (t *sideTree) openChild(i int, n int32, c int32, kind nkind) int32 {
	nd := &t.nodes[n]
	if nd.kind != kPending && nd.kind != kind || nd.flow {
		// content under a node that already has a value: keep it visible as
		// detached content rather than guessing
		t.irregular(i)
		return t.detachedAt(i, c)
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
// a new one unless the top of the stack is one at that column.
func (t *sideTree) detachedAt(i int, c int32) int32 {
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
	if t.recent < 0 || t.recent < t.barrier {
		t.recent = d // the first root child of this hunk
	}
	for ch := t.recent; ch >= 0; ch = t.nodes[ch].next {
		if ch >= t.barrier && ch != d && t.nodes[ch].kind == kDetached && t.nodes[ch].childCol > c {
			deeper = append(deeper, ch)
		}
	}
	if len(deeper) > 0 {
		// the hunk's first root child may move below d: find the first
		// that stays (d itself at the latest)
		for ch := t.recent; ch >= 0; ch = t.nodes[ch].next {
			if !slices.Contains(deeper, ch) {
				t.recent = ch
				break
			}
		}
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
		idx = sq.items
	}
	sq.items++
	return t.newNode(seq, tnode{kind: kPending, item: true, index: idx, col: int32(c), childCol: -1, own: int32(i), end: int32(i)})
}

// splitKey splits "key: value" (or "key:"), with plain or quoted keys. quote
// is the key's quote character, 0 for a plain key.
func splitKey(s string) (key, value string, quote byte, ok bool) {
	if s == "" {
		return "", "", 0, false
	}
	switch s[0] {
	case '"', '\'':
		closed, n := quotedEnd(s)
		if !closed {
			return "", "", 0, false
		}
		j := n
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && s[j] == ':' && (j+1 == len(s) || s[j+1] == ' ' || s[j+1] == '\t') {
			k, ok := quotedScalar(s[:n])
			if !ok {
				return "", "", 0, false
			}
			return k.text, trimLeftSpace(s[j+1:]), s[0], true
		}
		return "", "", 0, false
	case '[', '{', '|', '>', '*', '!', '%', '@', '`', '#', '?':
		return "", "", 0, false
	case '&':
		// an anchor before a key: "&a key: v"
		if sp := strings.IndexByte(s, ' '); sp > 0 {
			k, v, _, ok := splitKey(trimLeftSpace(s[sp:]))
			return k, v, 0, ok
		}
		return "", "", 0, false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t' {
				k := trimRightSpace(s[:i])
				if k == "" {
					return "", "", 0, false
				}
				return k, trimLeftSpace(s[i+1:]), 0, true
			}
		case '#':
			if i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
				return "", "", 0, false // a comment before any colon
			}
		}
	}
	return "", "", 0, false
}

// closesQuote reports whether a continuation line closes an open quote.
func closesQuote(s string, q byte) bool {
	closed, _ := quotedEnd(string(q) + s)
	return closed
}

// flowLine returns the bracket balance of a line of a flow collection that
// runs over several lines, and the quote the line leaves open (0 if none):
// a quoted scalar inside the collection may itself run over lines, and
// brackets inside it count for nothing. quote is the one the line before
// left open.
func flowLine(s string, quote byte) (depth int, open byte) {
	if quote != 0 {
		closed, n := quotedEnd(string(quote) + s)
		if !closed {
			return 0, quote
		}
		s = s[n-1:]
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case '"', '\'':
			closed, n := quotedEnd(s[i:])
			if !closed {
				return depth, s[i]
			}
			i += n - 1
		case '#':
			if i == 0 || s[i-1] == ' ' || s[i-1] == '\t' {
				return depth, 0
			}
		}
	}
	return depth, 0
}

// flowClosed reports whether a one-line flow collection ends with the
// bracket that closes its first one: nothing may follow it.
func flowClosed(s string) bool {
	d, end := flowScan(s)
	return d == 0 && end == len(s)
}

// flowScan returns the bracket balance of a flow collection line (quotes
// and comments skipped), and the offset just after the bracket where the
// balance first returns to zero (len(s)+1 when it does not).
func flowScan(s string) (depth, end int) {
	d, end := 0, len(s)+1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '{':
			d++
		case ']', '}':
			d--
			if d == 0 && end > len(s) {
				end = i + 1
			}
		case '"', '\'':
			if closed, n := quotedEnd(s[i:]); closed {
				i += n - 1
			} else {
				return d, end
			}
		case '#':
			if i > 0 && s[i-1] == ' ' {
				return d, end
			}
		}
	}
	return d, end
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
			return trimRightSpace(v)
		}
		return v[:n] + trimRightSpace(stripTrailingComment(v[n:]))
	}
	return trimRightSpace(stripTrailingComment(v))
}

// stripTrailingComment cuts s at the first " #" (or tab and #).
func stripTrailingComment(s string) string {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
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
