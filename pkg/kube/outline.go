package kube

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Outline is what a diff shows of one stretch of an object between two
// elisions: the visible entries with their nesting, and the entries whose
// key lines were elided (Step AnyField or AnyItem) or whose depth below
// their parent is unknown (Deep). Its root stands for the unknown place
// the stretch hangs from.
//
// One elided path alone ("...annotations.x") fits many places of a
// schema; the whole outline fits far fewer: annotations next to a "spec"
// that holds "serviceAccountName" can only be a pod template's.
//
// A diff of many elisions has an outline entry for each line it shows
// (40,000 elided changes hold 160,000), so the fields are laid out to fit
// 64 bytes.
type Outline struct {
	Step     Step // nil for the root; Field, Index, Key, AnyItem or AnyField
	Children []*Outline
	Parent   *Outline
	// Shape is what the diff shows of a leaf's value.
	Shape Shape
	// Column is the column of the entry (for the root: of its entries).
	Column int32
	// Deep: any number of elided levels lie between the parent and this
	// entry.
	Deep bool
	// Below, on the root, says that the view shows the object's top-level
	// keys at a column left of the stretch's entries: the entries of one
	// block mapping share a column, so the root is not the top level.
	Below bool
	// After lists, on the root, the keys of the object's top level that
	// the view shows after the stretch. A place below one of them would
	// be in an earlier key of the same name, which the later one replaces
	// whole (the YAML reader keeps the last of two keys): nothing there
	// reaches the API server, so it is no place of a change. (A pointer:
	// every entry has the field, and only a root sets it.)
	After *[]string
}

// Add appends a child entry and returns it.
func (o *Outline) Add(step Step, deep bool, column int) *Outline {
	c := &Outline{Step: step, Deep: deep, Column: int32(column), Parent: o}
	o.Children = append(o.Children, c)
	return c
}

// Path returns the path from the outline's root to o: its steps, with a
// Gap before each Deep entry.
func (o *Outline) Path() Path {
	var rev []Step
	for n := o; n != nil && n.Parent != nil; n = n.Parent {
		rev = append(rev, n.Step)
		if n.Deep {
			rev = append(rev, Gap{})
		}
	}
	p := make(Path, 0, len(rev))
	for i := len(rev) - 1; i >= 0; i-- {
		p = append(p, rev[i])
	}
	return p
}

// Root returns the root of o's outline.
func (o *Outline) Root() *Outline {
	for o.Parent != nil {
		o = o.Parent
	}
	return o
}

// Fit returns the places of the schema where the root of the outline can
// stand: paths from the object root (map keys and list items unknown) to a
// node under which every visible entry of the outline exists, nested as
// shown. column, when not negative, bounds the depth of the place as in
// [Type.Candidates]. The shapes of the values order the places (those
// where every value fits its field first) but rule none out: a value of
// the wrong shape can be written there, and the API server then refuses
// it. A nil result means no place fits (or the kind is not known): callers
// then fall back to single paths.
func (t *Type) Fit(root *Outline, column int) []Path {
	return t.fit(root, column).places
}

// fitted is what Fit finds, kept per outline shape: the places, the type
// at each, and how many of them (the first) every value fits.
type fitted struct {
	places []Path
	types  []*Type
	nfit   int
}

func (t *Type) fit(root *Outline, column int) fitted {
	if t == nil || root == nil {
		return fitted{}
	}
	var first Step
	if len(root.Children) > 0 {
		first = root.Children[0].Step
	}
	key := fitCacheKey{t: t, outline: signatureOf(root), column: column, below: root.Below}
	if v, ok := fitCache.Load(key); ok {
		return v.(fitted)
	}
	f := &fitter{memo: map[fitKey]fit{}}
	type place struct {
		p Path
		t *Type
	}
	var out, keyed, misfit []place
	t.prefixes(first, column, func(cur *Type, prefix Path) {
		if root.Below && len(prefix) == 0 {
			return
		}
		switch f.fitsUnder(cur, root) {
		case misfits:
			misfit = append(misfit, place{slices.Clone(prefix), cur}) // a value the server refuses: less likely
		case fits:
			if cur.Kind == StructType {
				out = append(out, place{slices.Clone(prefix), cur})
			} else {
				keyed = append(keyed, place{slices.Clone(prefix), cur}) // entries are map keys: less likely
			}
		}
	})
	var r fitted
	r.nfit = len(out) + len(keyed)
	for _, p := range slices.Concat(out, keyed, misfit) {
		r.places = append(r.places, p.p)
		r.types = append(r.types, p.t)
	}
	if fitCacheSize.Add(1) <= maxFitCache {
		fitCache.Store(key, r)
	}
	return r
}

// Fit depends on the shape of an outline, not on the values that identify
// list items: results are kept per shape (for a bounded number of shapes),
// so that a diff that repeats one stretch thousands of times fits it once.
type fitCacheKey struct {
	t       *Type
	outline string
	column  int
	below   bool
}

const maxFitCache = 1 << 14

var (
	fitCache     sync.Map
	fitCacheSize atomic.Int64
)

// signature renders the shape of an outline: its steps (list items without
// their keys), depth marks, columns and leaf shapes.
//
// A field name that no schema knows stands for its place only: the fit
// is the same for every such name (it can only be a map key, or free-form
// content), so all are rendered as one (a diff that elides thousands of
// stretches, each with its own unknown key, fits them once).
func (o *Outline) signature() string {
	var b strings.Builder
	var walk func(o *Outline)
	walk = func(o *Outline) {
		b.WriteByte('(')
		b.WriteString(strconv.Itoa(int(o.Column)))
		if o.Deep {
			b.WriteByte('*')
		}
		switch s := o.Step.(type) {
		case Field:
			if !knownWord(string(s)) {
				b.WriteString(strconv.Quote(unknownField))
				break
			}
			b.WriteString(strconv.Quote(string(s)))
		case Index, Key, AnyItem:
			b.WriteString("[]")
		case AnyField:
			b.WriteByte('?')
		}
		b.WriteString(strconv.Itoa(int(o.Shape)))
		for _, c := range o.Children {
			walk(c)
		}
		b.WriteByte(')')
	}
	walk(o)
	return b.String()
}

// signatures holds the signatures of the outlines fitted lately: every
// change of an elided stretch fits the stretch's outline, and rendering it
// for each took time quadratic in the stretch (20,000 keys of an added
// block: 47 s). An outline is not changed once fitted. The memo is
// bounded: cleared when full.
var signatures struct {
	mu sync.Mutex
	m  map[*Outline]string
}

const maxSignatures = 4096

func signatureOf(root *Outline) string {
	signatures.mu.Lock()
	s, ok := signatures.m[root]
	signatures.mu.Unlock()
	if ok {
		return s
	}
	s = root.signature()
	signatures.mu.Lock()
	if signatures.m == nil || len(signatures.m) >= maxSignatures {
		signatures.m = make(map[*Outline]string, 64)
	}
	signatures.m[root] = s
	signatures.mu.Unlock()
	return s
}

type fitKey struct {
	t *Type
	o *Outline
}

// fit is how well outline entries fit under a schema node: not at all
// (a key the node does not have, nesting it cannot hold), with a value of
// the wrong shape for its field (the API server refuses it, yet a chart
// can write it), or with every value fitting.
type fit uint8

const (
	noFit fit = iota
	misfits
	fits
)

type fitter struct {
	memo   map[fitKey]fit
	deep   map[fitKey]fit // entryFits of Deep entries
	inDeep int            // how many Deep entries are being searched below
}

// fitsUnder reports how every child entry of o fits under type t: the
// worst of the entries.
func (f *fitter) fitsUnder(t *Type, o *Outline) fit {
	k := fitKey{t, o}
	if v, ok := f.memo[k]; ok {
		return v
	}
	f.memo[k] = noFit // guards against cycles
	r := fits
	for _, c := range o.Children {
		r = min(r, f.entryFits(t, c, 0))
		if r == noFit {
			break
		}
	}
	f.memo[k] = r
	return r
}

// entryFits reports how entry c can be a child of a node of type t (or,
// for a Deep entry, a descendant): the best of the ways.
func (f *fitter) entryFits(t *Type, c *Outline, depth int) fit {
	if t == nil || depth > maxSchemaDepth {
		return noFit
	}
	if t.Kind == AnyType {
		return fits
	}
	if c.Deep {
		// zero or more elided levels between t and c: the answer for a
		// type does not depend on how deep it is found, so it is kept
		// (a stretch of misfits would otherwise walk the schema again
		// below every type)
		k := fitKey{t, c}
		if v, ok := f.deep[k]; ok {
			return v
		}
		if f.deep == nil {
			f.deep = map[fitKey]fit{}
		}
		f.deep[k] = noFit // guards against cycles
		direct := *c
		direct.Deep = false
		f.inDeep++
		best := f.entryFits(t, &direct, depth)
		for _, child := range t.children() {
			if best == fits {
				break
			}
			best = max(best, f.entryFits(child, c, depth+1))
		}
		f.inDeep--
		f.deep[k] = best
		return best
	}
	var candidates []*Type
	switch s := c.Step.(type) {
	case Field:
		ft := t.Field(string(s))
		if ft == nil && t.Kind == StructType && len(c.Children) == 0 && f.inDeep == 0 && c.Parent != nil && c.Parent.Parent == nil {
			// a scalar the schema does not know, beside the entries at
			// the top of the stretch: the API server drops it (with a
			// warning), so it rules no place out. A whole structure of
			// unknown fields does: its keys say where it is. Below the
			// top the entries' own parents are shown, and an unknown key
			// rules its place out (a wider search costs a diff of many
			// elisions its linear time).
			return misfits
		}
		if ft != nil {
			candidates = append(candidates, ft)
		}
	case AnyField:
		switch t.Kind {
		case StructType:
			for i := range t.fields {
				candidates = append(candidates, t.fieldType(i))
			}
		case MapType:
			candidates = append(candidates, t.Elem)
		}
	case Index, Key, AnyItem:
		if it := t.Item(); it != nil {
			candidates = append(candidates, it)
		}
	}
	best := noFit
	for _, ct := range candidates {
		if len(c.Children) == 0 {
			best = max(best, leafFit(ct, c.Shape))
		} else {
			best = max(best, f.fitsUnder(ct, c))
		}
		if best == fits {
			break
		}
	}
	return best
}

// leafFit is how a value of shape s fits a field of type t.
func leafFit(t *Type, s Shape) fit {
	if t.fits(s) {
		return fits
	}
	return misfits
}

// children returns the types one step below t.
func (t *Type) children() []*Type {
	switch t.Kind {
	case StructType:
		out := make([]*Type, 0, len(t.fields))
		for i := range t.fields {
			out = append(out, t.fieldType(i))
		}
		return out
	case MapType, ListType:
		return []*Type{t.Elem}
	}
	return nil
}

// Places returns the concrete places of the schema that entry node of an
// outline can be at: for every place its outline root fits (see
// [Type.Fit]), the path down to node with each elided entry replaced by
// the fields that fit what the outline shows below it, and each run of
// elided levels by the schema levels that fit (at most one level per
// column of indentation they span). A nil result means the schema cannot
// place the outline.
func (t *Type) Places(node *Outline, column int) []Path {
	if t == nil || node == nil {
		return nil
	}
	root := node.Root()
	var chain []*Outline
	for n := node; n != root; n = n.Parent {
		chain = append(chain, n)
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	f := &fitter{memo: map[fitKey]fit{}}
	var out, misfit []Path
	var misfitKeys []string
	seen := map[string]fit{}
	found := t.fit(root, column)
	for i, pos := range found.places {
		q := misfits
		if i < found.nfit {
			q = fits
		}
		f.expand(found.types[i], pos, chain, q, func(p Path, q fit) {
			k := p.String()
			if seen[k] >= q {
				return
			}
			seen[k] = q
			if q == fits {
				out = append(out, p)
			} else {
				misfit, misfitKeys = append(misfit, p), append(misfitKeys, k)
			}
		})
	}
	// a place reached both ways is listed once, with those that fit
	for i, k := range misfitKeys {
		if seen[k] != fits {
			out = append(out, misfit[i])
		}
	}
	if root.After != nil {
		out = slices.DeleteFunc(out, func(p Path) bool {
			if len(p) == 0 {
				return false
			}
			f, ok := p[0].(Field)
			return ok && slices.Contains(*root.After, string(f))
		})
	}
	return out
}

// expand walks chain from a node of type cur at prefix, calling emit with
// every concrete path that fits and how it does (q: how the outline fits
// so far).
func (f *fitter) expand(cur *Type, prefix Path, chain []*Outline, q fit, emit func(Path, fit)) {
	if q == noFit {
		return
	}
	if len(chain) == 0 {
		emit(prefix, q)
		return
	}
	c := chain[0]
	if c.Deep {
		levels := 0
		if c.Parent != nil {
			levels = int(c.Column-c.Parent.Column) - 1
		}
		if levels < 0 {
			levels = 0
		}
		direct := *c
		direct.Deep = false
		var down func(t *Type, p Path, left int)
		down = func(t *Type, p Path, left int) {
			f.expandStep(t, p, &direct, chain[1:], q, emit)
			if left == 0 || t == nil {
				return
			}
			switch t.Kind {
			case StructType:
				for i, fl := range t.fields {
					down(t.fieldType(i), p.Child(Field(fl.name)), left-1)
				}
			case MapType:
				down(t.Elem, p.Child(AnyField{}), left-1)
			case ListType:
				down(t.Elem, p.Child(AnyItem{}), left-1)
			}
		}
		down(cur, prefix, levels)
		return
	}
	f.expandStep(cur, prefix, c, chain[1:], q, emit)
}

// expandStep takes the step of outline entry c below a node of type cur.
func (f *fitter) expandStep(cur *Type, prefix Path, c *Outline, rest []*Outline, q fit, emit func(Path, fit)) {
	if cur == nil {
		return
	}
	try := func(ct *Type, step Step) {
		if ct == nil {
			return
		}
		var r fit
		if len(c.Children) == 0 {
			r = leafFit(ct, c.Shape)
		} else {
			r = f.fitsUnder(ct, c)
		}
		f.expand(ct, prefix.Child(step), rest, min(q, r), emit)
	}
	if cur.Kind == AnyType {
		// free-form content: the rest of the path is as the outline shows
		p := append(Path{}, prefix...)
		for _, e := range append([]*Outline{c}, rest...) {
			if e.Deep {
				p = append(p, Gap{})
			}
			p = append(p, e.Step)
		}
		emit(p, q)
		return
	}
	switch s := c.Step.(type) {
	case Field:
		try(cur.Field(string(s)), s)
	case AnyField:
		switch cur.Kind {
		case StructType:
			for i, fl := range cur.fields {
				try(cur.fieldType(i), Field(fl.name))
			}
		case MapType:
			try(cur.Elem, AnyField{})
		}
	case Index, Key, AnyItem:
		if cur.Kind == ListType {
			try(cur.Elem, s)
		}
	}
}
