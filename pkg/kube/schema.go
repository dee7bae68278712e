package kube

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/agnivade/levenshtein"
)

// TypeKind is the shape of a [Type].
type TypeKind int

const (
	// ScalarType is a string, number, boolean, or a type serialised as one
	// (quantities, int-or-string, timestamps, base64 bytes).
	ScalarType TypeKind = iota
	// StructType is an object with a fixed set of fields.
	StructType
	// MapType is an object with arbitrary keys (labels, data, …).
	MapType
	// ListType is a list.
	ListType
	// AnyType is free-form content (raw extensions): anything may be below.
	AnyType
)

// Type is one node of the schema of a built-in kind, derived from the Go
// types of k8s.io/api by reflection: the json field names, for lists the
// patchMergeKey that identifies their items, and for scalars the type of
// value the API server decodes.
type Type struct {
	Kind     TypeKind
	fields   []schemaField // StructType: schema_gen.go's, sorted by name
	byName   *fieldIndex   // StructType: fields by name, built on first use
	Elem     *Type         // MapType and ListType
	MergeKey string        // ListType: the field that identifies an item, if any
	Unique   bool          // ListType: the API server refuses two items of one MergeKey value
	// MapKeys are, for an associative list (+listType=map), the fields
	// whose values identify an item: server-side apply refuses two items
	// with the same ("duplicate entries for key"), where helm 3's patch
	// merges them (by MergeKey) and validation may accept them (env).
	MapKeys []string
	// Set is set for a list of scalars declared a set (+listType=set):
	// server-side apply refuses a value in it twice, where helm 3's patch
	// takes it (metadata.finalizers, for one).
	Set   bool
	Leaf  Leaf  // ScalarType: what values the field takes
	Check Check // ScalarType: what the API server validates beyond the type
}

// Leaf is the type of value a scalar field takes, as the API server
// decodes the JSON that Helm sends it (YAML converted by sigs.k8s.io/yaml):
// a JSON number in a string field, or a string in an integer field, makes
// the request fail.
type Leaf int

const (
	// AnyLeaf: the schema does not say (a scalar of free-form content).
	AnyLeaf Leaf = iota
	// StringLeaf: a JSON string.
	StringLeaf
	// IntegerLeaf: a JSON number without a fraction (int32, int64, …).
	IntegerLeaf
	// NumberLeaf: any JSON number (float64 fields).
	NumberLeaf
	// BooleanLeaf: true or false.
	BooleanLeaf
	// IntOrStringLeaf: an integer or a string (intstr.IntOrString:
	// maxSurge, a port's targetPort).
	IntOrStringLeaf
	// QuantityLeaf: a number, or a string in the quantity syntax (500m,
	// 1Gi) (resource.Quantity).
	QuantityLeaf
	// TimeLeaf: a timestamp string (metav1.Time).
	TimeLeaf
	// DurationLeaf: a duration string such as 30s (metav1.Duration).
	DurationLeaf
	// BytesLeaf: base64 text ([]byte, Secret data).
	BytesLeaf
)

var leafNames = []string{
	"any value", "a string", "an integer", "a number", "a boolean", "an integer or a string",
	"a quantity (a number, or a string such as 500m or 1Gi)", "a timestamp string", "a duration string", "base64 text",
}

// String describes the leaf for a reader: "an integer", "a string", ….
func (l Leaf) String() string {
	if l >= 0 && int(l) < len(leafNames) {
		return leafNames[l]
	}
	return "Leaf(?)"
}

// Field returns the type of the named field or map entry, or nil when there
// is no such field.
func (t *Type) Field(name string) *Type {
	if t == nil {
		return nil
	}
	switch t.Kind {
	case StructType:
		m := t.byName.types.Load()
		if m == nil {
			m = t.indexFields()
		}
		return (*m)[name]
	case MapType:
		return t.Elem
	case AnyType:
		return t
	}
	return nil
}

// Item returns the type of a list item, or nil when t is not a list.
func (t *Type) Item() *Type {
	if t == nil {
		return nil
	}
	switch t.Kind {
	case ListType:
		return t.Elem
	case AnyType:
		return t
	}
	return nil
}

// Step returns the type reached from t by one path step, or nil.
func (t *Type) Step(s Step) *Type {
	switch s := s.(type) {
	case Field:
		return t.Field(string(s))
	case AnyField:
		if t != nil && (t.Kind == MapType || t.Kind == AnyType) {
			return t.Elem2()
		}
		return nil
	case Index, Key, AnyItem:
		return t.Item()
	}
	return nil
}

// Elem2 returns the element type of a map, or t itself for free-form content.
func (t *Type) Elem2() *Type {
	if t == nil {
		return nil
	}
	if t.Kind == AnyType {
		return t
	}
	return t.Elem
}

// At returns the type at path p below t, or nil when p leaves the schema.
// Paths with a [Gap] have no single type; At returns nil for them.
func (t *Type) At(p Path) *Type {
	for _, s := range p {
		if t == nil {
			return nil
		}
		if isGap(s) {
			return nil
		}
		t = t.Step(s)
	}
	return t
}

// FieldNames returns the field names of a struct type, sorted.
func (t *Type) FieldNames() []string {
	if t == nil || t.Kind != StructType {
		return nil
	}
	names := make([]string, len(t.fields))
	for i, f := range t.fields {
		names[i] = f.name
	}
	return names
}

// fieldIndex maps a struct type's field names to their types. A review
// looks up fields of a few dozen of the schemas' hundreds of struct types:
// each map is built when its type is first asked.
type fieldIndex struct {
	once     sync.Once
	types    atomic.Pointer[map[string]*Type]
	required []string // written before types is stored
}

func (t *Type) indexFields() *map[string]*Type {
	t.byName.once.Do(func() {
		m := make(map[string]*Type, len(t.fields))
		for i, f := range t.fields {
			ft := t.fieldType(i)
			m[f.name] = ft
			if ft != nil && ft.Kind == ScalarType && ft.Check.Required() {
				t.byName.required = append(t.byName.required, f.name)
			}
		}
		t.byName.types.Store(&m)
	})
	return t.byName.types.Load()
}

// RequiredFields returns the fields of a struct type that the API server
// requires to be set ([Check.Required]: a container's name and image, a
// port's number), sorted: an object or list item that lacks one is
// refused.
func (t *Type) RequiredFields() []string {
	if t == nil || t.Kind != StructType {
		return nil
	}
	t.indexFields()
	return t.byName.required
}

// fieldType is the type of a struct's i-th field (in name order).
func (t *Type) fieldType(i int) *Type { return schemaTypes[t.fields[i].typ] }

// Shape is what a diff line shows of a value. It orders the schema
// positions that can hold it before those that cannot, and never rules one
// out: a value of the wrong shape can be written anywhere its key can (a
// chart's mistake, or a hostile one), and the API server then refuses it.
type Shape uint8

const (
	// UnknownShape fits any type.
	UnknownShape Shape = iota
	// ScalarShape is a plain, quoted or block scalar.
	ScalarShape
	// MappingShape is a nested block mapping.
	MappingShape
	// SequenceShape is a nested block sequence.
	SequenceShape
)

func (t *Type) fits(s Shape) bool {
	if t.Kind == AnyType {
		return true
	}
	switch s {
	case ScalarShape:
		return t.Kind == ScalarType
	case MappingShape:
		return t.Kind == StructType || t.Kind == MapType
	case SequenceShape:
		return t.Kind == ListType
	}
	return true
}

// Candidates returns the exact-prefix paths that a path with a leading
// [Gap] can stand for in a kind with schema t: each result is a concrete
// prefix from the object root (its map keys and list items unknown) followed
// by the known steps of p. shape is what the diff showed of the value at
// the end of p: it orders the places (those where the value fits first)
// but rules none out, since a value of the wrong shape (strategy: e) can
// stand anywhere its key can, and the API server then refuses it. A nil
// result means the schema does not know the path (for example free-form
// content): callers must then assume any position.
//
// The status stanza and server-managed metadata are not considered: helm
// manifests do not carry them.
//
// column, when not negative, is the column at which the first known step
// of p stands in the diff. YAML indents each nested mapping by at least one
// column more than its parent key, and the content of a list item at least
// two columns more than its dash, so a step at column c cannot sit below
// arbitrarily many ancestors: prefixes that would need more columns are
// not candidates. This bound assumes nothing about the chart's indentation
// style.
func (t *Type) Candidates(p Path, shape Shape, column int) []Path {
	if t == nil || !p.Elided() || len(p) < 2 {
		return nil
	}
	suffix := p[1:]
	key := candKey{t: t, path: canonicalPath(p), shape: shape, column: column}
	if v, ok := candCache.Load(key); ok {
		return withSuffix(v.([]Path), suffix)
	}
	var out, keyed, misfit, misfitKeyed []Path
	t.prefixes(suffix[0], column, func(cur *Type, prefix Path) {
		end := cur.At(suffix)
		if end == nil {
			return
		}
		p := append(slices.Clone(prefix), suffix...)
		switch {
		case !end.fits(shape) && cur.Kind == StructType:
			// a value of the wrong shape for the field: the API server
			// refuses it there, but a chart can put it there all the same
			misfit = append(misfit, p)
		case !end.fits(shape):
			misfitKeyed = append(misfitKeyed, p)
		case cur.Kind == StructType:
			out = append(out, p)
		default:
			keyed = append(keyed, p) // the first known step is a map key
		}
	})
	// places where the first known step is a field of the schema come
	// first, and places the value fits before those it does not: they are
	// the likelier reading (callers break ties in order)
	out = slices.Concat(out, keyed, misfit, misfitKeyed)
	if candCacheSize.Add(1) <= maxCandCache {
		prefixes := make([]Path, len(out))
		for i, c := range out {
			prefixes[i] = slices.Clone(c[:len(c)-len(suffix)])
		}
		candCache.Store(key, prefixes)
	}
	return out
}

// withSuffix returns each of prefixes followed by suffix.
func withSuffix(prefixes []Path, suffix Path) []Path {
	out := make([]Path, len(prefixes))
	for i, pre := range prefixes {
		out[i] = append(append(make(Path, 0, len(pre)+len(suffix)), pre...), suffix...)
	}
	return out
}

// canonicalPath renders p for Candidates' cache: as String does, but with
// each field name no schema knows replaced by unknownField (the places a
// path can stand are the same for every such name; see
// Outline.signature).
func canonicalPath(p Path) string {
	var c Path
	for i, s := range p {
		if f, ok := s.(Field); ok && !knownWord(string(f)) {
			if c == nil {
				c = slices.Clone(p)
			}
			c[i] = Field(unknownField)
		}
	}
	if c == nil {
		return p.String()
	}
	return c.String()
}

// knownWord reports whether s is a word of Intern's vocabulary, which
// holds every field name of the built-in schemas.
func knownWord(s string) bool {
	vocabOnce.Do(buildVocab)
	_, ok := vocab[s]
	return ok
}

// unknownField stands for every field name no schema knows in the caches'
// keys: a NUL byte, which no word of the vocabulary holds.
const unknownField = "\x00"

// prefixes calls visit with every node of the schema below t (t included)
// and its path, map keys and list items unknown, under which a step first
// can stand at column (see [Type.Candidates]; a nil first or a negative
// column bounds nothing). The status stanza and server-managed metadata
// are skipped.
func (t *Type) prefixes(first Step, column int, visit func(cur *Type, prefix Path)) {
	// prevItem/prevCol describe the last step of prefix: whether it is a
	// list item and the least column it can stand at (-1: no step yet).
	// prefix is one buffer, extended and cut back as the walk goes: visit
	// must copy it to keep it.
	prefix := make(Path, 0, maxSchemaDepth+1)
	var walk func(cur *Type, prevItem bool, prevCol, depth int)
	walk = func(cur *Type, prevItem bool, prevCol, depth int) {
		if cur == nil || depth > maxSchemaDepth {
			return
		}
		if column >= 0 && first != nil && minColumn(prevItem, prevCol, first) > column {
			return // the first step cannot be this deep at its column
		}
		visit(cur, prefix)
		n := len(prefix)
		switch cur.Kind {
		case StructType:
			for i, f := range cur.fields {
				name := f.name
				if name == "status" && (depth == 0 || cur.Field("metadata") != nil) {
					continue // an object's status, at the root or embedded (volumeClaimTemplates)
				}
				if serverManagedMeta[name] && cur.Field("uid") != nil {
					continue // server-managed ObjectMeta fields, at any depth
				}
				prefix = append(prefix[:n], Field(name))
				walk(cur.fieldType(i), false, minColumn(prevItem, prevCol, Field(name)), depth+1)
			}
		case MapType:
			prefix = append(prefix[:n], AnyField{})
			walk(cur.Elem, false, minColumn(prevItem, prevCol, AnyField{}), depth+1)
		case ListType:
			prefix = append(prefix[:n], AnyItem{})
			walk(cur.Elem, true, minColumn(prevItem, prevCol, AnyItem{}), depth+1)
		}
		prefix = prefix[:n]
	}
	walk(t, false, -1, 0)
}

// minColumn returns the least column at which step s can stand after a
// step at column prevCol (-1: s is a root key). A mapping key is at least
// one column right of its parent key and two right of a list item's dash;
// a list item's dash may stand at its parent key's column (compact style),
// and a nested list's dash two right of the outer dash.
func minColumn(prevItem bool, prevCol int, s Step) int {
	if prevCol < 0 {
		return 0
	}
	switch s.(type) {
	case Index, Key, AnyItem:
		if prevItem {
			return prevCol + 2
		}
		return prevCol
	}
	if prevItem {
		return prevCol + 2
	}
	return prevCol + 1
}

var serverManagedMeta = map[string]bool{
	"managedFields": true, "uid": true, "resourceVersion": true, "generation": true,
	"creationTimestamp": true, "deletionTimestamp": true, "deletionGracePeriodSeconds": true,
	"selfLink": true,
}

const maxSchemaDepth = 40

type candKey struct {
	t      *Type
	path   string
	shape  Shape
	column int
}

// candCache keeps the prefixes of Candidates' results, for a bounded
// number of paths.
var (
	candCache     sync.Map
	candCacheSize atomic.Int64
)

const maxCandCache = 1 << 14

// builtinKind is a kind whose schema is known (schema_gen.go lists them,
// preferred version first): root is the index of its schema in
// schemaNodes.
type builtinKind struct {
	group, version, kind string
	root                 int
}

// schemaNode is one node of the built-in schemas as schema_gen.go holds
// them: Type's fields, with the nodes it points to as indexes.
type schemaNode struct {
	kind     TypeKind
	leaf     Leaf
	check    Check
	elem     int // -1: none
	mergeKey string
	unique   bool
	mapKeys  []string
	set      bool
	fields   []schemaField // sorted by name
}

type schemaField struct {
	name string
	typ  int
}

//go:generate go run ../../internal/kubeschema/cmd/kubeschema

var (
	schemaOnce sync.Once
	// schemaTypes are the types of schemaNodes, by index
	schemaTypes []*Type
	schemas     map[string]*Type // "group/version/kind"
	preferred   map[string]*Type // "group/kind"
)

// buildSchemas builds the schemas from schema_gen.go's nodes, which
// internal/kubeschema derives from the Go types of k8s.io/api.
func buildSchemas() {
	nodes := make([]*Type, len(schemaNodes))
	types := make([]Type, len(schemaNodes))
	indexes := make([]fieldIndex, len(schemaNodes))
	for i, n := range schemaNodes {
		switch n.kind {
		case ScalarType:
			if n.check != NoCheck {
				nodes[i] = &Type{Kind: ScalarType, Leaf: n.leaf, Check: n.check}
			} else {
				nodes[i] = leaf(n.leaf)
			}
		case AnyType:
			nodes[i] = anyType
		default:
			nodes[i] = &types[i]
		}
	}
	for i, n := range schemaNodes {
		if n.kind == ScalarType || n.kind == AnyType {
			continue
		}
		t := nodes[i]
		t.Kind, t.MergeKey, t.Unique, t.MapKeys, t.Set = n.kind, n.mergeKey, n.unique, n.mapKeys, n.set
		if n.elem >= 0 {
			t.Elem = nodes[n.elem]
		}
		if n.kind == StructType {
			t.fields, t.byName = n.fields, &indexes[i]
		}
	}
	schemaTypes = nodes
	schemas = make(map[string]*Type, len(builtin))
	preferred = make(map[string]*Type, len(builtin))
	for _, b := range builtin {
		t := nodes[b.root]
		schemas[b.group+"/"+b.version+"/"+b.kind] = t
		if _, ok := preferred[b.group+"/"+b.kind]; !ok {
			preferred[b.group+"/"+b.kind] = t
		}
	}
}

// SchemaFor returns the schema of a built-in kind, or nil for kinds it does
// not know (custom resources). An empty or unknown version selects the
// preferred version of the kind.
func SchemaFor(group, version, kind string) *Type {
	schemaOnce.Do(buildSchemas)
	if t, ok := schemas[group+"/"+version+"/"+kind]; ok {
		return t
	}
	return preferred[group+"/"+kind]
}

var (
	anyType = &Type{Kind: AnyType}
	// one shared node per leaf type
	leafTypes = func() []*Type {
		out := make([]*Type, len(leafNames))
		for i := range out {
			out[i] = &Type{Kind: ScalarType, Leaf: Leaf(i)}
		}
		return out
	}()
)

func leaf(l Leaf) *Type { return leafTypes[l] }

var (
	vocabOnce sync.Once
	vocab     map[string]word
)

// word is a word of Intern's vocabulary, and its field step.
type word struct {
	s    string
	step Step
}

// Intern returns s, sharing one copy for the words Kubernetes objects are
// made of (the field names of the built-in schemas, kinds, groups, common
// values); any other string is copied. Parsers use it so that what they
// keep does not pin the buffers they read from.
func Intern(s string) string {
	vocabOnce.Do(buildVocab)
	if v, ok := vocab[s]; ok {
		return v.s
	}
	return strings.Clone(s)
}

// FieldStep returns Field(Intern(s)) as a Step: for a word of Intern's
// vocabulary, one value made once (a string made a Step is allocated
// each time otherwise).
func FieldStep(s string) Step {
	vocabOnce.Do(buildVocab)
	if v, ok := vocab[s]; ok {
		return v.step
	}
	return Field(strings.Clone(s))
}

// buildVocab collects Intern's words from schema_gen.go's nodes as they
// are, without building the schemas: every node is reachable from a
// built-in kind's root, so their field names are those of the schemas.
func buildVocab() {
	words := []string{"v1", "default", "true", "false", "null", "app", "name", "helm.sh/chart",
		"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
		"app.kubernetes.io/managed-by", "app.kubernetes.io/component", "app.kubernetes.io/part-of"}
	vocab = make(map[string]word, 700) // about 690 words
	add := func(s string) {
		if _, ok := vocab[s]; !ok {
			vocab[s] = word{s: s, step: Field(s)}
		}
	}
	for i := range schemaNodes {
		for _, f := range schemaNodes[i].fields {
			add(f.name)
		}
	}
	for _, b := range builtin {
		add(b.kind)
		add(b.group)
	}
	for _, w := range words {
		add(w)
	}
}

// GroupOf returns the API group of a built-in kind, for inputs that name a
// kind without its group (Stevedore's summary tables). It returns "" for
// core kinds and for kinds it does not know.
func GroupOf(kind string) string {
	for _, b := range builtin {
		if b.kind == kind {
			return b.group
		}
	}
	return ""
}

// Reaches reports whether some path below t matches the pattern p, as far
// as the schema knows (free-form content matches anything below it). A
// pattern that reaches nothing in the schema of the kinds it is meant for
// can never match a change: a rules file uses it to warn of typos
// (spec.tempalte.**, containers[nmae=web]).
func (t *Type) Reaches(p Pattern) bool {
	type state struct {
		t *Type
		i int
	}
	seen := map[state]bool{}
	var f func(t *Type, i int) bool
	f = func(t *Type, i int) bool {
		if t == nil {
			return false
		}
		if i == len(p.steps) || t.Kind == AnyType {
			return true
		}
		st := state{t, i}
		if seen[st] {
			return false // already being explored (recursive types)
		}
		seen[st] = true
		tok := p.steps[i]
		switch tok.kind {
		case tokGap:
			if f(t, i+1) {
				return true
			}
			for _, c := range t.children() {
				if f(c, i) {
					return true
				}
			}
			return false
		case tokField, tokAnyField:
			switch t.Kind {
			case MapType:
				return f(t.Elem, i+1)
			case StructType:
				for j, fl := range t.fields {
					if name := fl.name; tok.kind == tokAnyField || name == tok.value || tok.glob && Glob(tok.value, name) {
						if f(t.fieldType(j), i+1) {
							return true
						}
					}
				}
			}
			return false
		case tokKeyed:
			if t.Kind != ListType {
				return false
			}
			if item := t.Elem; item != nil && item.Kind == StructType && item.Field(tok.field) == nil {
				return false // the items have no such key field
			}
			return f(t.Elem, i+1)
		default: // an index or any item
			return t.Kind == ListType && f(t.Elem, i+1)
		}
	}
	return f(t, 0)
}

// GroupKind is an API group and a kind.
type GroupKind struct {
	Group, Kind string
}

// KnownKinds returns the kinds whose schema is built in, each once, in a
// stable order.
func KnownKinds() []GroupKind {
	var out []GroupKind
	seen := map[GroupKind]bool{}
	for _, b := range builtin {
		gk := GroupKind{b.group, b.kind}
		if !seen[gk] {
			seen[gk] = true
			out = append(out, gk)
		}
	}
	return out
}

// Closest returns the name among names nearest to s by edit distance
// (case aside), when it is near enough to be a typo of it, or "": for
// "did you mean" suggestions (Deplyment, StatefulSet/ns/db for
// StatefulSet.apps/ns/db).
func Closest(s string, names []string) string {
	best, bestD := "", -1
	for _, n := range names {
		d := levenshtein.ComputeDistance(strings.ToLower(s), strings.ToLower(n))
		if bestD < 0 || d < bestD {
			best, bestD = n, d
		}
	}
	if bestD < 0 || bestD > max(2, len(s)/4) {
		return ""
	}
	return best
}

// KnownVersion reports whether the schemas hold this version of a
// built-in kind (SchemaFor falls back to the preferred version).
func KnownVersion(group, version, kind string) bool {
	schemaOnce.Do(buildSchemas)
	_, ok := schemas[group+"/"+version+"/"+kind]
	return ok
}

// Declares reports whether schema t declares every field that schema old
// declares, at every depth: a document written for old holds nothing t
// does not know (the fields a view of an object does not show, read under
// t's version, are all declared). A nil schema declares anything and
// nothing is known of what it holds: Declares(t, nil) is false unless t
// is nil too.
func Declares(t, old *Type) bool {
	return declares(t, old, map[[2]*Type]bool{})
}

func declares(t, old *Type, seen map[[2]*Type]bool) bool {
	switch {
	case old == nil:
		return t == nil
	case t == nil:
		return false
	case t == old || t.Kind == AnyType:
		return true
	case seen[[2]*Type{t, old}]:
		return true // a recursive schema, on its way
	}
	seen[[2]*Type{t, old}] = true
	switch old.Kind {
	case StructType:
		if t.Kind != StructType {
			return false
		}
		for i, f := range old.fields {
			if !declares(t.Field(f.name), old.fieldType(i), seen) {
				return false
			}
		}
		return true
	case MapType, ListType:
		return t.Kind == old.Kind && declares(t.Elem, old.Elem, seen)
	}
	return t.Kind == old.Kind
}
