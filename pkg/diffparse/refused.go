package diffparse

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/kube"
)

// The API server decodes an object's JSON into typed structs and validates
// its labels: a value of the wrong type for its field (replicas: abc, a
// mapping where a string belongs) or a label that is not one makes it
// refuse the object (422 Invalid), and helm upgrade fails there, leaving
// the objects before it applied. A change's own value is checked where the
// change is judged (package rules); what no change's value shows is checked
// here: every value of a created object, and the values below an added or
// changed mapping or list.

// maxRefusals bounds the refusals noted per object: one is enough to fail
// the upgrade, a few help whoever fixes the chart.
const maxRefusals = 3

// Refusal says what a field of type t must be when the API server cannot
// decode a scalar of YAML type typ and text there ("an integer", "a
// mapping", "a label value ..."), or "" when it can or when that is not
// known (a field the schema does not know, a value of unknown type). p is
// the scalar's path: the entries of a label map (labels, matchLabels,
// nodeSelector) are validated as labels.
func Refusal(t *kube.Type, p kube.Path, typ ScalarType, text string) string {
	if t == nil || t.Kind == kube.AnyType {
		return ""
	}
	switch typ {
	case UnknownType, NullType:
		return "" // cannot tell; null unsets any field
	}
	if t.Kind != kube.ScalarType {
		return collection(t)
	}
	if !leafTakes(t.Leaf, typ, text) {
		return t.Leaf.String()
	}
	if want := checkRefusal(t.Check, typ, text); want != "" {
		return want
	}
	if typ == StringType && !kube.Plausible(p, text) {
		if key, ok := p.Last().(kube.Field); ok && !kube.ValidLabelKey(string(key)) {
			return "a label key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)"
		}
		return "a label value (at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)"
	}
	return kube.KeyRefusal(p)
}

// TypeRefusal says what a field of type t must be when the API server
// cannot decode a scalar of YAML type typ there whatever its text (a
// redacted value keeps its type, not its text: an integer where a label
// value belongs), or "" when it can or when the text would decide.
func TypeRefusal(t *kube.Type, typ ScalarType) string {
	if t == nil || t.Kind == kube.AnyType || typ == UnknownType || typ == NullType {
		return ""
	}
	if t.Kind != kube.ScalarType {
		return collection(t)
	}
	ok := true
	switch t.Leaf {
	case kube.StringLeaf, kube.TimeLeaf, kube.DurationLeaf, kube.BytesLeaf:
		ok = typ == StringType
	case kube.BooleanLeaf:
		ok = typ == BoolType
	case kube.NumberLeaf, kube.IntegerLeaf:
		ok = typ == IntType || typ == FloatType
	case kube.IntOrStringLeaf, kube.QuantityLeaf:
		ok = typ != BoolType
	}
	if !ok {
		return t.Leaf.String()
	}
	return ""
}

// ShapeRefusal says what a field of type t must be when the API server
// cannot decode a collection of shape s there (a mapping or a list; any
// collection where a scalar belongs), or "".
func ShapeRefusal(t *kube.Type, s kube.Shape) string {
	switch {
	case t == nil || t.Kind == kube.AnyType:
		return ""
	case t.Kind == kube.ScalarType && s != kube.ScalarShape:
		return t.Leaf.String()
	case t.Kind == kube.ListType && s == kube.MappingShape:
		return "a list"
	case t.Kind != kube.ListType && s == kube.SequenceShape:
		return "a mapping"
	}
	return ""
}

func collection(t *kube.Type) string {
	if t.Kind == kube.ListType {
		return "a list"
	}
	return "a mapping"
}

// leafTakes reports whether a field of type leaf accepts a scalar of YAML
// type typ and text text, as the API server decodes the JSON that
// sigs.k8s.io/yaml makes of it.
func leafTakes(leaf kube.Leaf, typ ScalarType, text string) bool {
	switch leaf {
	case kube.AnyLeaf:
		return true
	case kube.StringLeaf, kube.TimeLeaf, kube.DurationLeaf:
		return typ == StringType
	case kube.BytesLeaf:
		// the API server's JSON decoder reads []byte as standard base64,
		// padded, line breaks skipped (a certificate over many lines)
		// helm-diff's redaction marker stands for data it decoded
		if typ != StringType {
			return false
		}
		_, err := base64.StdEncoding.DecodeString(text)
		return err == nil || redactMarkerRE().MatchString(text)
	case kube.BooleanLeaf:
		return typ == BoolType
	case kube.NumberLeaf:
		return typ == IntType || typ == FloatType
	case kube.IntegerLeaf:
		return typ == IntType || typ == FloatType && integral(text)
	case kube.IntOrStringLeaf:
		return typ == IntType || typ == StringType || typ == FloatType && integral(text)
	case kube.QuantityLeaf:
		switch typ {
		case IntType, FloatType:
			return true
		case StringType:
			_, err := resource.ParseQuantity(text)
			return err == nil
		}
		return false
	}
	return true
}

// checkRefusal says what a value of YAML type typ and text must be for
// the API server's validation of a field of check c (the type taken), or
// "" when it passes.
func checkRefusal(c kube.Check, typ ScalarType, text string) string {
	if c == kube.NoCheck {
		return ""
	}
	switch typ {
	case StringType:
		if c == kube.NonNegativeQuantityCheck {
			if q, err := resource.ParseQuantity(text); err == nil && q.Sign() < 0 {
				return "a quantity of at least 0"
			}
			return ""
		}
		return c.WantString(text)
	case IntType, FloatType:
		n, ok := number(text)
		if !ok {
			return ""
		}
		if c == kube.NonNegativeQuantityCheck {
			if n < 0 {
				return "a quantity of at least 0"
			}
			return ""
		}
		lo, hi, ok := c.IntRange()
		if !ok || float64(lo) <= n && n <= float64(hi) {
			return ""
		}
		switch {
		case c == kube.Int32Check:
			return fmt.Sprintf("an integer from %d to %d (an int32)", lo, hi)
		case hi == 1<<31-1 && n < float64(lo):
			return fmt.Sprintf("an integer of at least %d", lo)
		}
		return fmt.Sprintf("an integer from %d to %d", lo, hi)
	}
	return ""
}

// number returns the value of a YAML integer or float in the JSON form
// sigs.k8s.io/yaml gives it (0x10 is 16), as a float: exact for the
// ranges the checks test, and beyond them on the right side.
func number(text string) (float64, bool) {
	canon, typ, ok := resolvePlain(text)
	if !ok || typ != IntType && typ != FloatType {
		return 0, false
	}
	f, err := strconv.ParseFloat(canon, 64)
	return f, err == nil
}

// integral reports whether a YAML float is a whole number: the JSON that
// sigs.k8s.io/yaml writes for it (3.0 becomes 3) decodes into an integer.
func integral(text string) bool {
	f, err := strconv.ParseFloat(text, 64)
	return err == nil && f == float64(int64(f))
}

// refusals appends to out what the API server refuses among the values
// below node n of a complete side (n itself is checked by the caller: a
// changed value is judged with its change), n standing at path p with
// schema type typ. It stops at maxRefusals notes. The walk keeps the
// nodes above the one it checks and builds a path only for a refusal: an
// added list of 100,000 items is walked without one allocation per item.
func (t *sideTree) refusals(n int32, typ *kube.Type, p kube.Path, out []Note) []Note {
	var parent string // the field of n, for the label maps
	if f, ok := p.Last().(kube.Field); ok {
		parent = string(f)
	}
	w := refusalWalk{t: t, base: p, out: out}
	w.walk(n, typ, parent)
	return w.out
}

type refusalWalk struct {
	t     *sideTree
	base  kube.Path
	nodes []int32      // the nodes below base down to the one checked
	lists []*kube.Type // for each, its list's type when it is an item
	out   []Note
	// required: only the fields the server requires are checked (a value
	// at a place an elision leaves open, whose values the rules check)
	required bool
}

// requiredRefusals appends to out a note for each mapping at or below
// node n (of schema type typ, at path p) that the side shows whole and
// that lacks a field the API server requires, while out holds fewer than
// maxRefusals and the note is not there yet.
func (t *sideTree) requiredRefusals(n int32, typ *kube.Type, p kube.Path, out []Note) []Note {
	var parent string
	if f, ok := p.Last().(kube.Field); ok {
		parent = string(f)
	}
	w := refusalWalk{t: t, base: p, required: true}
	w.walk(n, typ, parent)
	for _, note := range w.out {
		if len(out) < maxRefusals && !slices.Contains(out, note) {
			out = append(out, note)
		}
	}
	return out
}

// walk checks the children of node n, of schema type typ, whose own field
// is parent ("" for a list item).
func (w *refusalWalk) walk(n int32, typ *kube.Type, parent string) {
	if typ == nil || typ.Kind == kube.AnyType || typ.Kind == kube.ScalarType {
		return
	}
	t := w.t
	if typ.Kind == kube.StructType && len(w.out) < maxRefusals && t.vkindOf(n) == vMap && t.complete(n) {
		// a mapping shown whole that lacks a field the server requires, or
		// sets it to null (a container added without a name): the server
		// refuses it, or
		// helm's patch cannot place a list item without its merge key
		for _, f := range typ.RequiredFields() {
			if c := t.child(n, f); c < 0 || t.vkindOf(c) == vScalar && t.scalarOf(c).typ == NullType {
				w.out = append(w.out, Note{Pos: Pos{Line: t.lineOf(n)}, Text: fmt.Sprintf("%s must be set (it is required)", w.path().Child(kube.Field(f)))})
				break
			}
		}
	}
	if typ.Unique && len(w.out) < maxRefusals && !w.required {
		if n, ok := t.duplicate(n, typ, w.path()); ok {
			w.out = append(w.out, n)
		}
	}
	labels := typ.Kind == kube.MapType && kube.LabelMap(parent)
	// annotations, and a ConfigMap's or Secret's data (a map at the
	// document's root): their keys are checked (kube.KeyRefusal, which
	// takes a path of two steps for the data's)
	keys := typ.Kind == kube.MapType && (parent == "annotations" || len(w.base)+len(w.nodes) == 1 && kube.DataMap(parent))
	// a container's resource limits and requests: their keys are resource
	// names, and where the map stands tells (a claim's requests are not)
	var mapPath kube.Path
	if typ.Kind == kube.MapType && (parent == "limits" || parent == "requests") {
		mapPath = w.path()
	}
	for ch := t.nodes[n].firstChild; ch >= 0 && len(w.out) < maxRefusals; ch = t.nodes[ch].next {
		c := &t.nodes[ch]
		if c.kind == kDetached || c.kind == kUnknown {
			continue
		}
		var ct, list *kube.Type
		key := ""
		if c.item {
			if typ.Kind != kube.ListType {
				continue // the container's own shape is wrong: its own refusal
			}
			ct, list = typ.Elem, typ
		} else {
			if typ.Kind == kube.ListType {
				continue
			}
			key = t.str(c, c.key)
			ct = typ.Field(key)
		}
		if ct == nil || ct.Kind == kube.AnyType {
			continue // a field the schema does not know (the server drops it), or free-form content
		}
		w.nodes, w.lists = append(w.nodes, ch), append(w.lists, list)
		var want string
		switch t.vkindOf(ch) {
		case vScalar:
			if w.required {
				break // the value's own check is the rules'
			}
			s := t.scalarOf(ch)
			var lp kube.Path // the entry of a map whose keys the server checks, for their syntax
			switch {
			case labels && s.typ == StringType || keys:
				lp = kube.Path{kube.Field(parent), kube.Field(key)}
			case mapPath != nil:
				lp = mapPath.Child(kube.Field(key))
			}
			want = Refusal(ct, lp, s.typ, s.text)
		case vMap:
			if !w.required {
				want = ShapeRefusal(ct, kube.MappingShape)
			}
		case vSeq:
			if !w.required {
				want = ShapeRefusal(ct, kube.SequenceShape)
			}
		}
		if want != "" {
			w.out = append(w.out, Note{Pos: Pos{Line: t.lineOf(ch)}, Text: fmt.Sprintf("%s must be %s", w.path(), want)})
		} else {
			w.walk(ch, ct, key)
		}
		w.nodes, w.lists = w.nodes[:len(w.nodes)-1], w.lists[:len(w.lists)-1]
	}
}

// serverSide appends to out what server-side apply refuses below node n
// (of schema type typ, at path p; n itself included when it is a list) and
// helm 3's patch lets through, while out holds fewer than maxRefusals: a
// key of a struct that is none of its fields (the patch drops it), and two
// items of an associative list with the same keys (the patch merges them),
// or a value twice in a set (the patch takes it).
// Free-form content declares every field; a value of the wrong shape is
// its own refusal.
func (t *sideTree) serverSide(n int32, typ *kube.Type, p kube.Path, out []Note) []Note {
	if typ == nil || typ.Kind != kube.StructType && typ.Kind != kube.MapType && typ.Kind != kube.ListType {
		return out
	}
	if typ.Kind == kube.ListType && t.nodes[n].kind == kSeq {
		out = t.duplicateEntries(n, typ, p, out, nil)
	}
	for ch := t.nodes[n].firstChild; ch >= 0 && len(out) < maxRefusals; ch = t.nodes[ch].next {
		c := &t.nodes[ch]
		if c.kind == kDetached || c.kind == kUnknown || c.item != (typ.Kind == kube.ListType) {
			continue
		}
		var ct *kube.Type
		var step kube.Step
		if c.item {
			ct, step = typ.Elem, t.itemStep(ch, typ)
		} else {
			key := t.str(c, c.key)
			ct, step = typ.Field(key), kube.FieldStep(key)
			if ct == nil {
				out = append(out, Note{Pos: Pos{Line: t.lineOf(ch)}, Text: p.Child(step).String() + ": no such field"})
				continue
			}
		}
		if t.container(ch) {
			out = t.serverSide(ch, ct, p.Child(step), out)
		}
	}
	return out
}

// keyDefaults are the values server-side apply gives a missing key of an
// associative list's item (the schema's defaults).
var keyDefaults = map[string]string{"protocol": "TCP"}

// duplicateEntries appends to out a note for the first two items of list
// n (of type typ, at path p) with the same values of its map keys, other
// than keys already repeated (the old side's: see repeatedKeys).
func (t *sideTree) duplicateEntries(n int32, typ *kube.Type, p kube.Path, out []Note, already map[string]bool) []Note {
	if len(out) >= maxRefusals {
		return out
	}
	t.eachRepeat(n, typ, func(ch int32, key string) bool {
		if already[key] {
			return true
		}
		if typ.Set {
			out = append(out, Note{Pos: Pos{Line: t.lineOf(ch)}, Text: fmt.Sprintf("%s: two entries with value %s", p, strconv.Quote(key))})
			return false
		}
		parts := make([]string, len(typ.MapKeys))
		for i, k := range typ.MapKeys {
			parts[i] = k + "=" + t.keyValue(ch, k)
		}
		out = append(out, Note{Pos: Pos{Line: t.lineOf(ch)}, Text: fmt.Sprintf("%s: two entries with %s", p, strings.Join(parts, ","))})
		return false
	})
	return out
}

// repeatedKeys returns the keys that list n (of type typ) repeats, or nil.
func (t *sideTree) repeatedKeys(n int32, typ *kube.Type) map[string]bool {
	var keys map[string]bool
	t.eachRepeat(n, typ, func(_ int32, key string) bool {
		if keys == nil {
			keys = map[string]bool{}
		}
		keys[key] = true
		return true
	})
	return keys
}

// eachRepeat calls f with each item of list n (of type typ) whose map keys
// an item before it has, and its keys, while f returns true; for a set,
// each value an item before it has (as the server reads it).
func (t *sideTree) eachRepeat(n int32, typ *kube.Type, f func(ch int32, key string) bool) {
	if len(typ.MapKeys) == 0 && !typ.Set {
		return
	}
	if first := t.nodes[n].firstChild; first < 0 || t.nodes[first].next < 0 {
		return // one item at most (the common list of one container)
	}
	// an item's keys: its value for a list of one key (no copy), else
	// the values joined by NUL, which no key's value holds
	keyOf := func(ch int32) string {
		if len(typ.MapKeys) == 1 {
			return t.keyValue(ch, typ.MapKeys[0])
		}
		parts := make([]string, len(typ.MapKeys))
		for i, k := range typ.MapKeys {
			parts[i] = t.keyValue(ch, k)
		}
		return strings.Join(parts, "\x00")
	}
	seen := map[string]bool{}
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		var key string
		switch {
		case !t.nodes[ch].item:
			continue
		case typ.Set:
			if t.vkindOf(ch) != vScalar {
				continue // the wrong shape: its own refusal
			}
			key = t.scalarOf(ch).canon
		case t.vkindOf(ch) != vMap:
			continue
		default:
			key = keyOf(ch)
		}
		if seen[key] && !f(ch, key) {
			return
		}
		seen[key] = true
	}
}

// keyValue returns the value of key field k of list item ch, or its
// default where the item has none.
func (t *sideTree) keyValue(ch int32, k string) string {
	if v, ok := t.itemKey(ch, k); ok {
		return v
	}
	return keyDefaults[k]
}

// serverSideAt appends to out what server-side apply refuses on the way
// to the exact path p of a change at line: a field of p that the schema
// does not declare, or an associative list that p goes through (the
// change may add an item, or set a key) holding two items with the same
// keys, unless the old side's list at p (old, when not nil) repeated them
// already (the release took them; a change beside does not make them
// new). checked holds the lists looked at already, to look once.
func (t *sideTree) serverSideAt(old *sideTree, typ *kube.Type, p kube.Path, line int, out []Note, checked *nodeSet) []Note {
	if len(out) >= maxRefusals {
		return out
	}
	if u := typ.Undeclared(p, nil); u != nil {
		if old != nil {
			if _, had := old.lookup(u); had {
				return out // the release took it (see the lists below)
			}
		}
		text := u.String() + ": no such field"
		if !slices.ContainsFunc(out, func(n Note) bool { return n.Text == text }) {
			out = append(out, Note{Pos: Pos{Line: line}, Text: text})
		}
		return out
	}
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i].(type) {
		case kube.Key, kube.Index:
		default:
			continue
		}
		lt := typ.At(p[:i])
		if lt == nil || len(lt.MapKeys) == 0 && !lt.Set {
			continue
		}
		n, ok := t.lookup(p[:i])
		if !ok || !checked.add(n) {
			continue
		}
		var already map[string]bool
		if old != nil {
			if on, ok := old.lookup(p[:i]); ok {
				already = old.repeatedKeys(on, lt)
			}
		}
		out = t.duplicateEntries(n, lt, p[:i], out, already)
	}
	return out
}

// nodeSet is a set of a tree's nodes, reused from object to object: an
// object's changes may hold 100,000 containers, each looked up once (a
// slice searched for each was quadratic).
type nodeSet struct {
	bits []uint64
	set  []int32 // the members, to clear their words
}

// add adds n and reports whether it was not in the set.
func (s *nodeSet) add(n int32) bool {
	w, b := int(n)/64, uint64(1)<<(uint(n)%64)
	if w >= len(s.bits) {
		s.bits = append(s.bits, make([]uint64, w+1-len(s.bits))...)
	}
	if s.bits[w]&b != 0 {
		return false
	}
	s.bits[w] |= b
	s.set = append(s.set, n)
	return true
}

// reset empties the set.
func (s *nodeSet) reset() {
	for _, n := range s.set {
		s.bits[int(n)/64] = 0
	}
	s.set = s.set[:0]
}

// path returns the path of the node being checked.
func (w *refusalWalk) path() kube.Path {
	p := w.base // Child copies
	for i, n := range w.nodes {
		if w.lists[i] != nil {
			p = p.Child(w.t.itemStep(n, w.lists[i]))
		} else {
			p = p.Child(kube.FieldStep(w.t.keyOf(n)))
		}
	}
	return p
}

// container reports whether node n is a mapping or a list: only those
// hold values below them for refusals to check (a scalar is judged with
// its change).
func (t *sideTree) container(n int32) bool {
	k := t.vkindOf(n)
	return k == vMap || k == vSeq
}

// lineOf returns the input line of node n, or 0 when it has none.
func (t *sideTree) lineOf(n int32) int {
	if own := t.nodes[n].own; own >= 0 && int(own) < len(t.lines) {
		return int(t.lines[own].no)
	}
	return 0
}

// DecodeTree decodes the text of a tree value (dedented YAML, or JSON) as
// the API server would receive it, for [TreeRefusal]. ok is false for text
// that does not decode (a subtree cut by an elision).
func DecodeTree(text string) (v any, ok bool) {
	j, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}

// TreeRefusal returns the first value inside a decoded tree v (see
// [DecodeTree]) that the API server refuses when the tree stands at path
// p, of schema type t: "p.x.y must be an integer", or "". The tree's own
// shape is [ShapeRefusal]'s.
func TreeRefusal(t *kube.Type, p kube.Path, v any) string {
	if t == nil || t.Kind == kube.AnyType || t.Kind == kube.ScalarType {
		return ""
	}
	check := func(ct *kube.Type, cp kube.Path, cv any) string {
		if ct == nil {
			return "" // a field the schema does not know: the server drops it
		}
		var want string
		switch x := cv.(type) {
		case map[string]any:
			want = ShapeRefusal(ct, kube.MappingShape)
		case []any:
			want = ShapeRefusal(ct, kube.SequenceShape)
		case string:
			want = Refusal(ct, cp, StringType, x)
		case bool:
			want = Refusal(ct, cp, BoolType, strconv.FormatBool(x))
		case json.Number:
			typ := IntType
			if strings.ContainsAny(x.String(), ".eE") {
				typ = FloatType
			}
			want = Refusal(ct, cp, typ, x.String())
		}
		if want != "" {
			return fmt.Sprintf("%s must be %s", cp, want)
		}
		return TreeRefusal(ct, cp, cv)
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind == kube.ListType {
			return ""
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if why := check(t.Field(k), p.Child(kube.FieldStep(k)), x[k]); why != "" {
				return why
			}
		}
	case []any:
		if t.Kind != kube.ListType {
			return ""
		}
		for i, item := range x {
			if why := check(t.Elem, p.Child(kube.Index(i)), item); why != "" {
				return why
			}
		}
	}
	return ""
}

// redactedRefusal appends to out a note when the scalar at node n (exact
// path p) of t, a value the report redacts, is one the API server refuses
// (a Secret's data that is not base64): classification sees only its
// size. The note names the field, never the value.
func (t *sideTree) redactedRefusal(typ *kube.Type, p kube.Path, n int32, out []Note) []Note {
	if t.vkindOf(n) != vScalar || len(out) >= maxRefusals {
		return out
	}
	s := t.scalarOf(n)
	if want := Refusal(typ.At(p), p, s.typ, s.text); want != "" {
		out = append(out, Note{Pos: Pos{Line: t.lineOf(n)}, Text: fmt.Sprintf("%s must be %s", p, want)})
	}
	return out
}
