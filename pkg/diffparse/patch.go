package diffparse

import (
	"strings"

	"github.com/safediff/safediff/pkg/kube"
)

// This file builds the new side's tree of a complete update from the old
// side's, when the diff only rewrites values: the common case of a chart
// bump (a label, an image tag, a checksum, a line of a ConfigMap's block).
// The fast reader is a function of the lines it reads, in order; where the
// new side's lines are the old side's, one for one, and each changed line
// keeps everything that reader looks at except the value's text, reading
// the new side would make the same nodes, in the same order, with the same
// state after each line: only the changed values' text differs. patchFrom
// proves that line by line and then copies the old tree, else it reports
// false and the caller reads the side in full. The differential fuzz target
// FuzzPatchedTree holds it to the full reading.

// patchFrom makes t the tree of lines (the new side) from o, the old
// side's tree of oldL, when every changed line is a rewritten value. It
// reports false, leaving t to be built, when any line is not.
func (t *sideTree) patchFrom(o *sideTree, oldL, lines []*bodyLine) bool {
	// the old tree read exactly, without odd lines (an odd line's number
	// is the old side's) or a nesting error (its line is, too)
	if len(oldL) != len(lines) || !o.fast() || o.tooDeep != 0 {
		return false
	}
	// first prove every line, then copy: a refusal leaves t untouched
	for i, ol := range oldL {
		nl := lines[i]
		if ol == nl || ol.text == nl.text {
			continue // read alike: the reader looks at a line's text only
		}
		if _, _, ok := o.rewritten(i, ol, nl); !ok {
			return false
		}
	}
	t.unseal() // an index is of the tree it was built for (see entries)
	t.lines = lines
	t.nodes = append(t.nodes[:0], o.nodes...)
	t.owner = append(t.owner[:0], o.owner...)
	t.gaps = o.gaps
	t.stack = append(t.stack[:0], o.stack...)
	t.cont, t.contFloor, t.leadBlank, t.flowDepth, t.flowQuote = o.cont, o.contFloor, o.leadBlank, o.flowDepth, o.flowQuote
	t.barrier, t.recent, t.tooDeep = o.barrier, o.recent, o.tooDeep
	t.odd = append(t.odd[:0], o.odd...)
	t.oddCount = o.oddCount
	clear(t.strs)
	t.strs = append(t.strs[:0], o.strs...)
	t.typ = o.typ
	t.exact = false
	for i, ol := range oldL {
		nl := lines[i]
		if ol == nl || ol.text == nl.text {
			continue
		}
		if n, p, _ := o.rewritten(i, ol, nl); n >= 0 {
			t.nodes[n].raw = sref{off: int32(p), n: int32(len(nl.text) - p)}
		}
	}
	t.sealed = true
	return true
}

// rewritten reports whether line i of the old side (ol) and the new
// side's line nl are read alike but for the value's text, and returns
// the node whose value text changes and the value's offset in the line
// (-1: none, the line is content of a block scalar).
func (o *sideTree) rewritten(i int, ol, nl *bodyLine) (n int32, at int, ok bool) {
	// a tab or a byte outside ASCII: the reader marks some lines odd for
	// them (the old side has none: patchFrom takes only a fast tree)
	if nl.tab || nl.wide {
		return -1, 0, false
	}
	n = o.owner[i]
	if n < 0 {
		return -1, 0, false // a comment or blank line: the new one may be structure
	}
	nd := &o.nodes[n]
	a, b := ol.text, nl.text
	if nd.kind == kBlock && int(nd.own) != i {
		// content of a block scalar: the reader looks at its indentation
		// and whether it is blank, nothing else
		return -1, 0, indentOf(a) == indentOf(b) && !isBlank(a) && !isBlank(b)
	}
	if int(nd.own) != i {
		return -1, 0, false // a later line of a value (a plain scalar's)
	}
	// the same text up to the value (indentation, dashes, key), and a
	// one-line scalar of one class after it: the reader makes the value
	// the rest of the line
	p := valueStart(a)
	if p <= 0 || p != valueStart(b) || a[:p] != b[:p] {
		return -1, 0, false
	}
	ca := valueClass(a[p:])
	if ca == 0 || ca != valueClass(b[p:]) {
		return -1, 0, false
	}
	return n, p, true
}

// valueStart returns the offset of the value of a line "key: value" or
// "- value" (after any indentation and dashes), or -1. (A line the reader
// marks odd for its key, an anchor or a merge key is never patched: the
// old tree has no odd line.)
func valueStart(s string) int {
	col := indentOf(s)
	rest := s[col:]
	item := false
	for strings.HasPrefix(rest, "- ") {
		j := 1
		for j < len(rest) && rest[j] == ' ' {
			j++
		}
		rest, item = rest[j:], true
	}
	if rest == "" {
		return -1
	}
	_, value, _, ok := splitKey(rest)
	switch {
	case ok:
		return len(s) - len(value)
	case item:
		return len(s) - len(rest)
	}
	return -1
}

// Value classes: the branches of setValue that only look at a value's
// text to make a one-line scalar.
const (
	valuePlain  = 1 // a plain scalar go-yaml reads as written
	valueQuoted = 2 // a quoted scalar that closes at the end of its line
)

// valueClass returns the class of a value that ends its line, or 0 for
// anything else: a trailing space or comment, an indicator, a block or
// flow start, an open quote or text after a closed one, a value the
// reader marks odd.
func valueClass(v string) int {
	if v == "" || trimRightSpace(v) != v {
		return 0
	}
	if v[0] == '"' || v[0] == '\'' {
		// closed at the end of the line, no quote inside unescaped, no
		// escape go-yaml refuses
		if _, ok := quotedScalar(v); !ok {
			return 0
		}
		return valueQuoted
	}
	if !plainOK(v) { // "&a", "*a", "|", "[", "-", "- x", "a: b", "a #b", ...
		return 0
	}
	return valuePlain
}

// patchedHook, when set (by the package's tests), is shown every tree
// patchFrom made, with the lines and schema it stands for.
var patchedHook func(t *sideTree, lines []*bodyLine, typ *kube.Type)

// patchedDiffHook, when set (by the package's tests), is shown the changes
// of every comparison of a tree with the tree patched from it.
var patchedDiffHook func(a, b *sideTree, ca, cb *counts, changes []semChange)
