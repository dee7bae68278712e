package diffparse

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/kube"
)

// This file turns an object's body into its changes and facts. Both sides
// of a complete body (full context, or an added or removed object) are
// whole documents: each is read exactly (by the fast reader when it can
// show that it does, else by the exact reader) and the two are compared as
// values. A partial body (--context N) cannot be decoded: its changes are
// the changed lines' nodes, placed as well as the visible lines allow, and
// what the visible lines do not resolve becomes the object's unresolved
// notes.

// fullContextHint is what the notes and errors about elided context advise.
const fullContextHint = "re-run helm diff with full context (--context -1)"

var (
	pathKind       = kube.Path{kube.Field("kind")}
	pathAPIVersion = kube.Path{kube.Field("apiVersion")}
	pathName       = kube.Path{kube.Field("metadata"), kube.Field("name")}
	pathNamespace  = kube.Path{kube.Field("metadata"), kube.Field("namespace")}
	pathBaseName   = kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field("helm-diff/base-name")}
)

// analyse rebuilds both sides of a body and returns the object with its
// changes and facts: two objects for a rename (the old one deleted, the new
// one created), none when the body cannot be read (the errors say why).
func (p *blockParser) analyse(obj *Object, body []bodyLine) []*Object {
	oldL, newL := p.oldL[:0], p.newL[:0]
	defer func() { p.oldL, p.newL = oldL[:0], newL[:0] }()
	gaps, changedLines := false, 0
	for i := range body {
		l := &body[i]
		if l.gap {
			gaps = true
			oldL = append(oldL, l)
			newL = append(newL, l)
			continue
		}
		if l.side&sideOld != 0 {
			oldL = append(oldL, l)
		}
		if l.side&sideNew != 0 {
			newL = append(newL, l)
		}
		if l.changed() {
			changedLines++
		}
	}
	if obj.Source == "" {
		obj.Source = sourceOf(newL)
		if obj.Source == "" {
			obj.Source = sourceOf(oldL)
		}
	}
	if obj.Action == Update {
		if old := sourceLine(oldL); old != obj.Source {
			obj.OldSource = strings.Clone(old)
		}
	}
	if gaps {
		obj.Content = Partial
	}
	typ := kube.SchemaFor(obj.Ref.Group, obj.Ref.Version, obj.Ref.Kind)
	hasOld, hasNew := obj.Action != Create, obj.Action != Delete
	failed := len(p.errs.List)
	p.patched = false
	if hasOld {
		p.oldT.build(oldL, typ)
		p.checkOpen(&p.oldT)
	}
	if hasNew {
		// a complete update that rewrites values is read once (patch.go)
		p.patched = hasOld && !gaps && p.newT.patchFrom(&p.oldT, oldL, newL)
		if !p.patched {
			p.newT.build(newL, typ)
		} else if patchedHook != nil {
			patchedHook(&p.newT, newL, typ)
		}
		p.checkOpen(&p.newT)
	}
	if len(p.errs.List) > failed {
		return nil
	}
	if !gaps {
		return p.complete(obj, oldL, newL, changedLines, body)
	}
	return p.partial(obj, hasOld, hasNew, changedLines, body)
}

// sourceOf returns the chart template a side's document was rendered from:
// helm's "# Source:" comment, which is the document's first line. A later
// line never counts (it may be the content of a Secret value), nor does a
// first line that was elided.
func sourceOf(lines []*bodyLine) string { return strings.Clone(sourceLine(lines)) }

// sourceLine is sourceOf, a slice of its line.
func sourceLine(lines []*bodyLine) string {
	for _, l := range lines {
		if l.gap {
			return ""
		}
		if isBlank(l.text) {
			continue
		}
		if strings.HasPrefix(l.text, "# Source: ") {
			return strings.TrimSpace(strings.TrimPrefix(l.text, "# Source: "))
		}
		return ""
	}
	return ""
}

// checkOpen reports a document nested too deep, and a quoted or flow
// scalar left open at the end of a body: the input was cut in the middle
// of a value.
func (p *blockParser) checkOpen(t *sideTree) {
	if line := t.nestingError(); line > 0 {
		p.errs.Add(Pos{Line: line}, "the document nests more than %d levels deep here", maxNesting)
	}
	if line := t.unterminated(); line > 0 {
		const msg = "a quoted or bracketed value that starts here never ends (truncated input?)"
		// a context line is on both sides: one problem, said once
		if l := p.errs.List; len(l) == 0 || l[len(l)-1].Line != line || l[len(l)-1].Msg != msg {
			p.errs.Add(Pos{Line: line}, msg)
		}
	}
}

// exactSide returns the tree a complete side is read with: the fast
// reader's when it read the document exactly, else the exact reader's.
func (p *blockParser) exactSide(obj *Object, side Side, lines []*bodyLine, fast, exact *sideTree) *sideTree {
	if first, cut := belowRoot(lines); cut != nil && dropsRest(lines, cut) {
		p.errs.Add(Pos{Line: int(cut.no)}, "the %s document of %s goes on at line %d indented less than its first line (line %d): the YAML reader of helm and the API server ends the document there and drops the rest, so helm could not have rendered it; lines are missing (a cut elision marker \"...\"?) or the input is altered", side, obj.Ref, cut.no, first.no)
		return nil
	}
	t := fast
	if !fast.fast() {
		t = p.decodeSide(obj, side, lines, fast, exact)
	}
	if first, _ := belowRoot(lines); t != nil && first != nil && !identified(t) {
		// an indented root with neither apiVersion nor kind: what a
		// partial view shows after an elision, read as if it were the top
		p.errs.Add(Pos{Line: int(first.no)}, "the %s document of %s begins indented here and has neither apiVersion nor kind at its top: it is not a whole document, as helm renders one; lines are missing (a cut elision marker \"...\"?) or the input is altered", side, obj.Ref)
		return nil
	}
	return t
}

// decodeSide reads a side with the exact reader, or reports why it cannot.
func (p *blockParser) decodeSide(obj *Object, side Side, lines []*bodyLine, fast, exact *sideTree) *sideTree {
	if e := exact.decodeExact(lines, fast.typ); e != nil {
		pos := Pos{Line: e.line}
		if pos.Line == 0 && len(lines) > 0 {
			pos.Line = int(lines[0].no)
		}
		if pos.Line == 0 { // an empty document: the object's header names it
			pos = obj.Pos
		}
		if e.random {
			p.errs.Add(pos, "the %s document of %s holds %s: which of their values Kubernetes receives is random (helm reads it so too): write the key once", side, obj.Ref, e.msg)
			return nil
		}
		if e.unjson {
			p.errs.Add(pos, "the %s document of %s holds %s: Kubernetes cannot read it, and helm upgrade fails on it", side, obj.Ref, e.msg)
			return nil
		}
		p.errs.Add(pos, "the %s document of %s is not valid YAML: %s (helm could not have rendered it: the input is cut or altered)", side, obj.Ref, e.msg)
		return nil
	}
	return exact
}

// dropsRest reports whether go-yaml, reading the lines of a side, ends
// the document at line cut (indented less than the first) without an
// error: the document reads the same without cut and the lines after it.
// Such a line may also go on a flow collection or a quoted scalar, which
// go-yaml reads on: then it drops nothing.
func dropsRest(lines []*bodyLine, cut *bodyLine) bool {
	var full, head strings.Builder
	inHead := true
	for _, l := range lines {
		inHead = inHead && l != cut
		for range l.count() {
			full.WriteString(l.text)
			full.WriteByte('\n')
			if inHead {
				head.WriteString(l.text)
				head.WriteByte('\n')
			}
		}
	}
	a, err := yaml.YAMLToJSON([]byte(full.String()))
	if err != nil {
		return false // the exact reader reports it
	}
	b, err := yaml.YAMLToJSON([]byte(head.String()))
	return err == nil && bytes.Equal(a, b)
}

// identified reports whether a side shows apiVersion or kind.
func identified(t *sideTree) bool { return t.shows() > 0 }

// shows counts which of apiVersion and kind a side shows at its top.
func (t *sideTree) shows() int {
	n := 0
	for _, path := range []kube.Path{pathAPIVersion, pathKind} {
		if _, ok := t.lookup(path); ok {
			n++
		}
	}
	return n
}

// belowRoot returns, for the lines of a side without elisions, the first
// line that is indented less than the document's first (its root): go-yaml
// ends the document there without an error, dropping the rest (sigs.k8s.io/yaml
// reads "  a: 1\nb: 2" as {"a": 1}). nil when there is none. first is the
// document's first line when it is indented, nil otherwise.
func belowRoot(lines []*bodyLine) (first, cut *bodyLine) {
	root := -1
	for _, l := range lines {
		text := strings.TrimLeft(l.text, " ")
		if l.gap || text == "" || text[0] == '#' || strings.TrimRight(text, " ") == "..." {
			continue // (a document end marker; what follows it is refused elsewhere)
		}
		indent := len(l.text) - len(text)
		switch {
		case root < 0:
			if indent == 0 {
				return nil, nil // nothing is indented less
			}
			root, first = indent, l
		case indent < root:
			return first, l
		}
	}
	return first, nil
}

// complete analyses a body without elisions.
func (p *blockParser) complete(obj *Object, oldL, newL []*bodyLine, changedLines int, body []bodyLine) []*Object {
	var oldS, newS *sideTree
	if obj.Action != Create {
		if oldS = p.exactSide(obj, Old, oldL, &p.oldT, &p.oldX); oldS == nil {
			return nil
		}
	}
	if obj.Action != Delete {
		if newS = p.exactSide(obj, New, newL, &p.newT, &p.newX); newS == nil {
			return nil
		}
	}
	if !p.identify(obj, oldS, newS) {
		return nil
	}
	if obj.Action == Create {
		obj.Refused = newS.refusals(0, schemaOf(obj), kube.Path{}, nil)
		obj.ServerSideRefused = newS.serverSide(0, schemaOf(obj), kube.Path{}, nil)
		if n, ok := newS.restartPolicyRefusal(obj.Ref); ok {
			obj.Refused = append(obj.Refused, n)
		}
	}
	if obj.Action == Update {
		if renamed := p.renamed(obj, oldS, newS); renamed != nil {
			return renamed
		}
		var oc, nc *counts
		if oldS == &p.oldT {
			p.oldT.counts(&p.oldC)
			oc = &p.oldC
		}
		if newS == &p.newT {
			p.newT.counts(&p.newC)
			nc = &p.newC
		}
		typ := schemaOf(obj)
		same := p.patched && oldS == &p.oldT && newS == &p.newT
		if same && patchedDiffHook != nil {
			patchedDiffHook(oldS, newS, oc, nc, semanticDiff(oldS, newS, oc, nc, same))
		}
		// counted first, so that the changes take no more room than they need
		obj.Changes = slices.Grow(obj.Changes, p.differ.walk(oldS, newS, oc, nc, same, nil))
		p.checked.reset() // the lists held to their keys
		if p.keep == nil {
			p.keep = p.keepChange
		}
		p.cur = current{obj: obj, oldS: oldS, newS: newS, body: body, typ: typ}
		p.differ.walk(oldS, newS, oc, nc, same, p.keep)
		p.cur = current{}
		slices.SortStableFunc(obj.Changes, byLine)
		if apiVersionChanged(oldS, newS) {
			// read under another version, every field is new to the
			// server's schema of it, changed or not
			for _, n := range newS.serverSide(0, typ, kube.Path{}, nil) {
				if !slices.Contains(obj.ServerSideRefused, n) && len(obj.ServerSideRefused) < maxRefusals {
					obj.ServerSideRefused = append(obj.ServerSideRefused, n)
				}
			}
		}
		p.noChanges(obj, changedLines, body)
	}
	if obj.Action == Create || obj.Action == Update {
		for _, check := range updateChecks {
			if n, ok := check(obj.Ref, oldS, newS); ok {
				obj.Refused = append(obj.Refused, n)
			}
		}
		if n, ok := newS.selectorRefusal(obj.Ref); ok {
			obj.Refused = append(obj.Refused, n)
		}
		if base, spec, ok := newS.podSpec(obj.Ref); ok {
			// the rules between a pod spec's fields
			obj.Refused = newS.requestRefusals(base, spec, obj.Refused)
			for _, check := range podSpecChecks {
				if n, ok := check(newS, obj.Ref, base, spec); ok {
					obj.Refused = append(obj.Refused, n)
				}
			}
		}
		for _, check := range objectChecks {
			if n, ok := check(newS, obj.Ref); ok {
				obj.Refused = append(obj.Refused, n)
			}
		}
	}
	p.facts(obj, Old, oldS, whole(oldS))
	p.facts(obj, New, newS, whole(newS))
	return []*Object{obj}
}

// whole reports whether a side without elisions shows a whole document:
// helm renders, and helm diff prints, every object's apiVersion and kind.
// A body without them has lost lines (an elision marker cut from a
// partial view): a field it does not show is not known to be absent.
func whole(t *sideTree) bool {
	return t == nil || t.shows() == 2
}

// current is the object whose changes keep adds to, and its sides.
type current struct {
	obj        *Object
	oldS, newS *sideTree
	body       []bodyLine
	typ        *kube.Type
}

// keepChange adds a difference of the current object's sides to its changes,
// with what the server refuses of it. (A method value made once, with the
// object in p.cur: a closure per object was an allocation per object.)
func (p *blockParser) keepChange(sc semChange) {
	obj, oldS, newS, typ := p.cur.obj, p.cur.oldS, p.cur.newS, p.cur.typ
	sc.path = slices.Clone(sc.path)
	obj.Changes = append(obj.Changes, p.toChange(obj.Ref, sc, oldS, newS, p.cur.body))
	if sc.new < 0 || sc.op != Add && sc.op != Modify {
		return
	}
	c := &obj.Changes[len(obj.Changes)-1]
	if c.New.Redacted {
		obj.Refused = newS.redactedRefusal(typ, sc.path, sc.new, obj.Refused)
	}
	obj.ServerSideRefused = newS.serverSideAt(oldS, typ, sc.path, c.Pos.Line, obj.ServerSideRefused, &p.checked)
	if newS.container(sc.new) {
		obj.Refused = newS.refusals(sc.new, typ.At(sc.path), sc.path, obj.Refused)
		if p.checked.add(sc.new) {
			obj.ServerSideRefused = newS.serverSide(sc.new, typ.At(sc.path), sc.path, obj.ServerSideRefused)
		}
	}
}

// byLine orders changes by their input line.
func byLine(a, b Change) int { return cmp.Compare(a.Pos.Line, b.Pos.Line) }

// noChanges handles an update whose sides compare equal.
func (p *blockParser) noChanges(obj *Object, changedLines int, body []bodyLine) {
	if len(obj.Changes) > 0 {
		return
	}
	if changedLines > 0 {
		// only comments, blank lines or spelling changed
		obj.Changes = []Change{{Path: kube.Path{}, Op: Reformat, Old: Value{Kind: NoValue}, New: Value{Kind: NoValue}, Pos: Pos{Line: firstChangedLine(body)}, GapColumn: -1}}
		return
	}
	// a "has changed" entry without a changed line: the changes were
	// filtered out of view (helm-diff's line suppression)
	obj.Content = Suppressed
}

func firstChangedLine(body []bodyLine) int {
	for i := range body {
		if body[i].changed() {
			return int(body[i].no)
		}
	}
	return 0
}

// toChange turns a difference of the two sides into a field change.
func (p *blockParser) toChange(ref kube.ObjectRef, sc semChange, oldS, newS *sideTree, body []bodyLine) Change {
	c := Change{Path: sc.path, Op: sc.op, GapColumn: -1}
	sc.values(&c, oldS, newS)
	c.Pos = Pos{Line: p.position(sc, oldS, newS)}
	if c.Pos.Line == 0 {
		c.Pos.Line = firstChangedLine(body)
	}
	redactChange(ref, &c, oldS, sc.old, newS, sc.new)
	return c
}

// position returns the first changed input line of a difference: within
// the nodes' lines for the fast reader's trees; for the exact reader's,
// within the lines the fast reader places at the same path (or the nearest
// ancestor it places).
func (p *blockParser) position(sc semChange, oldS, newS *sideTree) int {
	best := 0
	try := func(t, lines *sideTree, n int32) {
		if n < 0 {
			return
		}
		if t != lines {
			n = lines.nearest(sc.path)
		}
		if n < 0 {
			return
		}
		nd := &lines.nodes[n]
		if nd.own < 0 {
			return
		}
		if l := lines.firstChanged(nd.own, nd.end); l > 0 && (best == 0 || l < best) {
			best = l
		}
	}
	if oldS != nil {
		try(oldS, &p.oldT, sc.old)
	}
	if newS != nil {
		try(newS, &p.newT, sc.new)
	}
	return best
}

// nearest returns the deepest node on the way to path p that the fast
// reader placed, or -1.
func (t *sideTree) nearest(p kube.Path) int32 {
	best := int32(-1)
	for i := len(p); i >= 0; i-- {
		if n, ok := t.lookup(p[:i]); ok && n != root {
			best = n
			break
		}
	}
	return best
}

// identify fills in the object's version (and, for `helm diff release`
// entries keyed by template path, its kind, name and namespace) from the
// documents, and checks that the header names the object the documents
// describe: helm-diff keys each document by its own kind and name (or its
// helm-diff/base-name annotation).
func (p *blockParser) identify(obj *Object, oldS, newS *sideTree) bool {
	ok := p.identifyDocs(obj, oldS, newS)
	obj.Ref.Version = kube.ShownVersion(obj.Ref.Group, obj.Ref.Kind, obj.Ref.Version)
	return ok
}

// identifyDocs is identify but for the version a Secret shows.
func (p *blockParser) identifyDocs(obj *Object, oldS, newS *sideTree) bool {
	get := func(t *sideTree, path kube.Path) (string, bool) {
		if t == nil {
			return "", false
		}
		n, ok := t.lookup(path)
		if !ok || t.vkindOf(n) != vScalar || !t.resolved(n) {
			return "", false
		}
		s := t.scalarOf(n)
		if s.typ == NullType {
			return "", false
		}
		return s.canon, true
	}
	pick := func(path kube.Path) string {
		if v, ok := get(newS, path); ok {
			return v
		}
		v, _ := get(oldS, path)
		return v
	}
	if av := pick(pathAPIVersion); av != "" {
		g, v := kube.SplitAPIVersion(av)
		if obj.Ref.Kind == "" || g == obj.Ref.Group {
			obj.Ref.Group, obj.Ref.Version = kube.Intern(g), kube.Intern(v)
		}
	}
	if obj.Ref.Kind == "" {
		if k := pick(pathKind); k != "" && !kube.ValidKind(k) {
			// helm diff release keys the object by its template: the kind
			// comes from the document ("Secret ", with a space, is no
			// kind: it would be shown as one that is not a Secret)
			p.errs.Add(obj.Pos, "the document's kind is not one any Kubernetes object can have (a name of letters, digits and '-')")
			return false
		}
		obj.Ref.Kind = kube.Intern(pick(pathKind))
		obj.Ref.Name = strings.Clone(pick(pathName))
		obj.Ref.Namespace = kube.Intern(pick(pathNamespace))
		if obj.Ref.Namespace == "" && !kube.IsClusterScoped(obj.Ref.Group, obj.Ref.Kind) {
			obj.Ref.Namespace = p.opts.Namespace
		}
		return true
	}
	// helm-diff keys an object by the group of one side's apiVersion (the
	// other side may name another group: then it is another object, see
	// renamed): a header whose group neither side names is altered input,
	// and would decide which rules apply
	other, grouped := "", false
	for _, t := range []*sideTree{oldS, newS} {
		if kind, ok := get(t, pathKind); ok && kind != obj.Ref.Kind {
			p.errs.Add(obj.Pos, "the header names a %s, but the document is a %s", obj.Ref.Kind, quotable(obj, pathKind, kind, 60, false))
			return false
		}
		if av, ok := get(t, pathAPIVersion); ok {
			if g, _ := kube.SplitAPIVersion(av); g == obj.Ref.Group {
				grouped = true
			} else if other == "" {
				other = av
			}
		}
	}
	if other != "" && !grouped {
		p.errs.Add(obj.Pos, "the header names the API group %q, but the document's apiVersion is %s", obj.Ref.Group, quotable(obj, pathAPIVersion, other, 60, false))
		return false
	}
	// the key's name is the old document's (helm-diff --find-renames keys a
	// renamed object by its old name), or its base-name annotation
	keyed := oldS
	if keyed == nil {
		keyed = newS
	}
	if name, ok := get(keyed, pathName); ok && name != obj.Ref.Name {
		base, shown := get(keyed, pathBaseName)
		if base != obj.Ref.Name && (shown || !keyed.gaps) {
			p.errs.Add(obj.Pos, "the header names %s, but the document's metadata.name is %s", obj.Ref, quotable(obj, pathName, name, 80, true))
			return false
		}
		// keyed by its base-name (shown, or elided from a partial body):
		// the object is the one its document names
		obj.Ref.Name = strings.Clone(name)
	}
	return true
}

// refOf returns the identity a side's document gives the object, starting
// from the header's ref.
func refOf(ref kube.ObjectRef, t *sideTree) kube.ObjectRef {
	get := func(path kube.Path) string {
		n, ok := t.lookup(path)
		if !ok || t.vkindOf(n) != vScalar {
			return ""
		}
		if s := t.scalarOf(n); s.typ != NullType {
			return s.canon
		}
		return ""
	}
	if name := get(pathName); name != "" {
		ref.Name = strings.Clone(name)
	}
	if kind := get(pathKind); kind != "" {
		ref.Kind = kube.Intern(kind)
	}
	if av := get(pathAPIVersion); av != "" {
		g, v := kube.SplitAPIVersion(av)
		ref.Group, ref.Version = kube.Intern(g), kube.Intern(v)
	}
	if ns := get(pathNamespace); ns != "" && !kube.IsClusterScoped(ref.Group, ref.Kind) {
		ref.Namespace = kube.Intern(ns)
	}
	return ref
}

// quotable returns a value of the document at path p for an error about
// obj, clipped to max bytes (and quoted, with quote); for a Secret, only
// a value its field can hold (kube.SecretValueShown): another may be the
// Secret's data.
func quotable(obj *Object, p kube.Path, v string, max int, quote bool) string {
	if kube.IsSecretKind(obj.Ref.Group, obj.Ref.Kind) && !kube.SecretValueShown(p, v) {
		return "(a value not shown: this is a Secret)"
	}
	if quote {
		return strconv.Quote(clip(v, max))
	}
	return clip(v, max)
}

// renamed returns, for an update whose documents name two different
// objects (helm-diff pairs them under one key with --find-renames or the
// helm-diff/base-name annotation), the deletion of the old object and the
// creation of the new one, which is what Kubernetes does; nil otherwise.
func (p *blockParser) renamed(obj *Object, oldS, newS *sideTree) []*Object {
	oldRef, newRef := refOf(obj.Ref, oldS), refOf(obj.Ref, newS)
	if oldRef.ID() == newRef.ID() {
		return nil
	}
	return p.split(obj, oldRef, newRef, oldS, newS)
}

// split replaces an update by the deletion of the old object and the
// creation of the new one.
func (p *blockParser) split(obj *Object, oldRef, newRef kube.ObjectRef, oldS, newS *sideTree) []*Object {
	del, cre := *obj, *obj
	oldRef.Version = kube.ShownVersion(oldRef.Group, oldRef.Kind, oldRef.Version)
	newRef.Version = kube.ShownVersion(newRef.Group, newRef.Kind, newRef.Version)
	del.Ref, del.Action, del.Changes, del.Entry = oldRef, Delete, nil, obj.Ref
	cre.Ref, cre.Action, cre.Changes, cre.Entry = newRef, Create, nil, obj.Ref
	p.plan.Notes = append(p.plan.Notes, Note{Pos: obj.Pos, Text: fmt.Sprintf("%s is renamed to %s: Kubernetes deletes the old object and creates the new one", oldRef, newRef)})
	complete := oldS != nil && !oldS.gaps
	p.facts(&del, Old, oldS, complete)
	p.facts(&cre, New, newS, complete)
	cre.Refused, cre.ServerSideRefused = nil, nil
	if newS != nil && !newS.gaps {
		cre.Refused = newS.refusals(0, schemaOf(&cre), kube.Path{}, nil)
		cre.ServerSideRefused = newS.serverSide(0, schemaOf(&cre), kube.Path{}, nil)
	}
	return []*Object{&del, &cre}
}

// partial analyses a body with elisions.
func (p *blockParser) partial(obj *Object, hasOld, hasNew bool, changedLines int, body []bodyLine) []*Object {
	var oldS, newS *sideTree
	if hasOld {
		oldS = &p.oldT
	}
	if hasNew {
		newS = &p.newT
	}
	for _, t := range []*sideTree{oldS, newS} {
		if t != nil {
			t.markDuplicates()
		}
	}
	obj.Unresolved = unresolved(oldS, newS)
	if !p.identify(obj, oldS, newS) {
		return nil
	}
	if obj.Action == Update {
		p.oldT.counts(&p.oldC)
		oc := p.oldT.collect(&p.oldC, nil)
		p.newT.counts(&p.newC)
		nc := p.newT.collect(&p.newC, nil)
		var movedAt []int
		obj.Changes, movedAt = pairChanges(obj.Ref, &p.oldT, &p.newT, oc, nc)
		if len(movedAt) > 0 {
			p.plan.Notes = append(p.plan.Notes, Note{Pos: Pos{Line: movedAt[0]}, Text: fmt.Sprintf(
				"%s: %s removed at one place and added with the same value at another (the first at line %d): the diff shows too little to tell that it is the same field kept (a list item or a key may have moved), so it is judged as a change; re-run helm diff with full context (--context -1) for an exact review",
				obj.Ref, countOf(len(movedAt), "a field is", "fields are"), movedAt[0])})
		}
		typ := schemaOf(obj)
		p.checked.reset()
		for _, c := range nc {
			if !c.path.Exact() || c.node < 0 {
				continue
			}
			obj.ServerSideRefused = p.newT.serverSideAt(oldS, typ, c.path, p.newT.lineOf(c.node), obj.ServerSideRefused, &p.checked)
			if kube.Sensitive(obj.Ref.Group, obj.Ref.Kind, c.path) {
				obj.Refused = p.newT.redactedRefusal(typ, c.path, c.node, obj.Refused)
			}
			if p.newT.container(c.node) {
				obj.Refused = p.newT.refusals(c.node, typ.At(c.path), c.path, obj.Refused)
				if p.checked.add(c.node) {
					obj.ServerSideRefused = p.newT.serverSide(c.node, typ.At(c.path), c.path, obj.ServerSideRefused)
				}
			}
		}
		obj.Refused = p.partialRequired(obj.Ref, nc, typ, obj.Refused)
		if n, ok := p.newT.emptiedContainers(obj.Ref); ok {
			obj.Refused = append(obj.Refused, n)
		}
		if out := p.partialRename(obj); out != nil {
			return out
		}
		p.noChanges(obj, changedLines, body)
	}
	p.facts(obj, Old, oldS, false)
	p.facts(obj, New, newS, false)
	return []*Object{obj}
}

// partialRequired appends to out, for each mapping of a partial new side
// that a change adds or begins (a list item whose first line is new, its
// other lines shared), and that the side shows whole: the fields the
// server requires that it lacks, at each place it may stand. Where it
// lacks one at every place, helm upgrade fails; where at some, it may
// (Note.Maybe). The values in it are the rules' to check, place by place;
// a rule of a Role or ClusterRole is also held to what the API server
// requires of one (policyRuleRefusal): it shows whole, its lists with it.
func (p *blockParser) partialRequired(ref kube.ObjectRef, nc []sideChange, typ *kube.Type, out []Note) []Note {
	t := &p.newT
	var outlines []*kube.Outline
	seen := -1 // the item last checked (the changes of one come together)
	for _, c := range nc {
		n := c.node
		if n < 0 || len(out) >= maxRefusals {
			continue
		}
		if up := t.nodes[n].parent; t.vkindOf(n) != vMap && up > 0 && t.nodes[up].item && t.nodes[up].own == t.nodes[n].own && t.lines[t.nodes[n].own].changed() {
			n = up // the first field of an item on a new line: the item begins there
		}
		if t.vkindOf(n) != vMap || int(n) == seen || !t.complete(n) {
			continue
		}
		seen = int(n)
		places := []kube.Path{t.path(n)}
		if !places[0].Exact() {
			if outlines == nil {
				outlines = make([]*kube.Outline, len(t.nodes))
			}
			places = typ.Places(t.outline(n, outlines), t.gapColumn(n))
		}
		var notes []Note
		all := true
		policyRule := ref.Group == "rbac.authorization.k8s.io" && (ref.Kind == "Role" || ref.Kind == "ClusterRole")
		for _, at := range places {
			k := len(notes)
			notes = t.requiredRefusals(n, typ.At(at), at, notes)
			if policyRule && len(at) == 2 && at[0] == kube.Field("rules") && isItem(at[1]) {
				if note, ok := t.policyRuleRefusal(ref.Kind, n, at.String()); ok && !slices.Contains(notes, note) {
					notes = append(notes, note)
				}
			}
			all = all && len(notes) > k
		}
		for _, note := range notes {
			note.Maybe = !all
			if len(out) < maxRefusals && !slices.Contains(out, note) {
				out = append(out, note)
			}
		}
	}
	return out
}

// isItem reports whether step s is a list item's, known or not.
func isItem(s kube.Step) bool {
	switch s.(type) {
	case kube.Index, kube.AnyItem:
		return true
	}
	return false
}

// unresolved lists the lines of a partial object that the reader does not
// resolve from what the diff shows.
func unresolved(trees ...*sideTree) []Note {
	seen := map[int]bool{}
	var notes []Note
	more := 0
	for _, t := range trees {
		if t == nil {
			continue
		}
		for _, o := range t.odd {
			if seen[o.no] {
				continue
			}
			seen[o.no] = true
			notes = append(notes, Note{Pos: Pos{Line: o.no}, Text: fmt.Sprintf("line %d holds %s", o.no, o.why)})
		}
		more += t.oddCount - len(t.odd)
	}
	if len(notes) == 0 {
		return nil
	}
	sort.Slice(notes, func(i, j int) bool { return notes[i].Pos.Line < notes[j].Pos.Line })
	if more > 0 {
		notes = append(notes, Note{Text: fmt.Sprintf("and %d more such lines", more)})
	}
	return append(notes, Note{Text: "the lines the diff shows do not resolve them, so any field may change; " + fullContextHint + " to read them exactly"})
}

// partialRename handles the identity changes a partial body shows: an
// exact metadata.name or metadata.namespace change is a rename; a name
// change the diff cannot place might be one.
func (p *blockParser) partialRename(obj *Object) []*Object {
	oldRef, newRef := obj.Ref, obj.Ref
	typ := kube.SchemaFor(obj.Ref.Group, obj.Ref.Version, obj.Ref.Kind)
	for _, c := range obj.Changes {
		if c.Path.Exact() {
			if c.Op == Modify && c.Old.Kind == Scalar && c.New.Kind == Scalar && !c.Old.Redacted && !c.New.Redacted {
				switch {
				case c.Path.Equal(pathName):
					oldRef.Name, newRef.Name = c.Old.Comparable(), c.New.Comparable()
				case c.Path.Equal(pathNamespace) && !kube.IsClusterScoped(obj.Ref.Group, obj.Ref.Kind):
					oldRef.Namespace, newRef.Namespace = c.Old.Comparable(), c.New.Comparable()
				case c.Path.Equal(pathAPIVersion):
					// another API group is another object (the version is not
					// identity: apps/v1beta2 and apps/v1 are one Deployment)
					og, ov := kube.SplitAPIVersion(c.Old.Comparable())
					ng, nv := kube.SplitAPIVersion(c.New.Comparable())
					oldRef.Group, oldRef.Version = kube.Intern(og), kube.Intern(ov)
					newRef.Group, newRef.Version = kube.Intern(ng), kube.Intern(nv)
				}
			}
			continue
		}
		last, _ := c.Path.Last().(kube.Field)
		if last != "name" && last != "namespace" {
			continue
		}
		// without a schema (a CustomResourceDefinition, a custom
		// resource) any indented name may be metadata's
		own := typ == nil && c.GapColumn != 0
		for _, place := range typ.Candidates(c.Path, c.Shape, c.GapColumn) {
			own = own || place.Equal(pathName) || place.Equal(pathNamespace)
		}
		if own {
			obj.Unresolved = append(obj.Unresolved, Note{Pos: c.Pos, Text: fmt.Sprintf("line %d changes a %s whose place the diff does not show: it may be the object's own, and a rename deletes the object (%s)", c.Pos.Line, last, fullContextHint), Renames: true})
		}
	}
	if oldRef.ID() == newRef.ID() {
		return nil
	}
	return p.split(obj, oldRef, newRef, &p.oldT, &p.newT)
}

// facts looks up the fields the rules asked about on one side. Only
// present fields are stored; a complete side marks the others absent. A
// value the visible lines do not resolve stays unknown, and what a side
// shown in part shows is Fact.Partial: a line out of view may replace it.
func (p *blockParser) facts(obj *Object, side Side, t *sideTree, complete bool) {
	if len(p.opts.Facts) == 0 || t == nil {
		return
	}
	if p.factKeys == nil {
		for _, fp := range p.opts.Facts {
			p.factKeys = append(p.factKeys, fp.String())
		}
	}
	obj.FactsComplete[side] = complete
	found := p.factVals[:0]
	key := p.factKey[:0]
	if !complete {
		key = append(key, "partial\n"...)
	}
	// the paths share their first steps (spec, spec.strategy): each is
	// walked from the deepest node of the one before that it shares
	var prev kube.Path
	at := p.factAt[:0]
	for i, fp := range p.opts.Facts {
		common := 0
		for common < len(prev) && common < len(fp) && common < len(at) && prev[common] == fp[common] {
			common++
		}
		at = at[:common]
		n := root
		if common > 0 {
			n = at[common-1]
		}
		for _, s := range fp[common:] {
			if n >= 0 {
				n = t.step(n, s)
			}
			at = append(at, n)
		}
		prev = fp
		if n < 0 && !complete && t.absentBelowFlow(fp, at) {
			// a partial view shows a flow mapping whole: a key it lacks
			// is absent, not hidden ({type: Recreate} sets no rollingUpdate)
			found = append(found, indexedValue{i: i, absent: true})
			key = append(strconv.AppendInt(key, int64(i), 10), " absent\n"...)
			continue
		}
		if n < 0 || !t.resolved(n) {
			continue
		}
		var v Value
		switch t.vkindOf(n) {
		case vMap, vSeq:
			// a mapping's or a list's fact says that it is there, which is
			// what a condition tests of one (exists): its text would cost a
			// copy of the subtree per object
			v = containerFact
		default:
			v, _ = t.valueOf(n)
			if kube.Sensitive(obj.Ref.Group, obj.Ref.Kind, fp) || t.sensitiveBelow(obj.Ref, fp, n) {
				v = redactValue(v, base64At(obj.Ref, fp))
			}
		}
		found = append(found, indexedValue{i: i, v: v})
		key = appendFactKey(key, i, v)
	}
	p.factVals, p.factKey, p.factAt = found, key, at
	if len(found) == 0 {
		return
	}
	// objects with the same facts share one map: a small map costs some
	// 800 bytes, a large part of what a review keeps per object
	if m, ok := p.factMaps[string(key)]; ok {
		obj.Facts[side] = m
		return
	}
	m := make(map[string]Fact, len(found))
	for _, f := range found {
		if f.absent {
			m[p.factKeys[f.i]] = Fact{Presence: Absent, Partial: !complete}
			continue
		}
		m[p.factKeys[f.i]] = Fact{Presence: Present, Value: f.v, Partial: !complete}
	}
	obj.Facts[side] = m
	if p.factMaps == nil {
		p.factMaps = map[string]map[string]Fact{}
	}
	if len(p.factMaps) < maxSharedFacts {
		p.factMaps[string(key)] = m
	}
}

// maxSharedFacts bounds the distinct fact maps a parser keeps for sharing.
const maxSharedFacts = 1024

// containerFact is the value of a fact that is a mapping or a list.
var containerFact = Value{Kind: Tree, Text: "{...}", Bytes: -1}

// indexedValue is the value of the fact at index i of Options.Facts, or
// that it is absent where the view would show it.
type indexedValue struct {
	i      int
	v      Value
	absent bool
}

// absentBelowFlow reports whether the walk of fact path fp (the nodes
// found, -1 from the first step missing) stopped at a field missing from
// a one-line flow mapping: the reader grafted it whole, so the field is
// absent however much of the rest the view hides.
func (t *sideTree) absentBelowFlow(fp kube.Path, at []int32) bool {
	for j, n := range at {
		if n >= 0 {
			continue
		}
		if j == 0 {
			return false
		}
		parent := at[j-1]
		_, field := fp[j].(kube.Field)
		return field && t.nodes[parent].flow && t.nodes[parent].kind == kMap
	}
	return false
}

// appendFactKey appends what tells a fact apart from every other: its
// index and every field of its value.
func appendFactKey(b []byte, i int, v Value) []byte {
	b = strconv.AppendInt(b, int64(i), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(v.Kind), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(v.Type), 10)
	b = append(b, ' ')
	b = strconv.AppendBool(b, v.Redacted)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(v.Bytes), 10)
	for _, s := range []string{v.Text, v.Canonical} {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return append(b, ';')
}

// schemaOf returns the schema of obj's kind (nil when not known).
func schemaOf(obj *Object) *kube.Type {
	return kube.SchemaFor(obj.Ref.Group, obj.Ref.Version, obj.Ref.Kind)
}

// countOf says "a field is" for one, "3 fields are" for three.
func countOf(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf("%d %s", n, many)
}
