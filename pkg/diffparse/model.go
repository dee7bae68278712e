package diffparse

import (
	"fmt"

	"github.com/safediff/safediff/pkg/kube"
)

// Format is an input format.
type Format int

const (
	// FormatAuto asks [Parse] to detect the format.
	FormatAuto Format = iota
	// FormatDiff is helm-diff's default line diff (--output diff), with full
	// context or with --context N elisions.
	FormatDiff
	// FormatSimple is helm-diff --output simple: one line per object and a
	// Plan: line.
	FormatSimple
	// FormatJSON is helm-diff --output json, and --output template with the
	// default template: one JSON entry per object, no field changes.
	FormatJSON
	// FormatStructured is helm-diff --output structured (helm-diff ≥ 3.15):
	// JSON entries with field-level changes.
	FormatStructured
	// FormatStevedore is the stream printed by Stevedore's plan and apply.
	FormatStevedore
	// FormatHelmfile is the stream printed by helmfile diff: helm-diff
	// blocks behind "Comparing release=…" lines.
	FormatHelmfile
)

var formatNames = []string{"auto", "diff", "simple", "json", "structured", "stevedore", "helmfile"}

// Formats returns the names accepted by [ParseFormat], in order.
func Formats() []string {
	return append([]string{"auto", "diff", "simple", "json", "template", "structured"}, formatNames[5:]...)
}

func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// MarshalText implements [encoding.TextMarshaler].
func (f Format) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// ParseFormat reads a format name. "template" is an alias of "json": with
// its default template, helm-diff's template output is its JSON output.
func ParseFormat(s string) (Format, error) {
	if s == "template" {
		return FormatJSON, nil
	}
	for i, n := range formatNames {
		if n == s {
			return Format(i), nil
		}
	}
	return 0, fmt.Errorf("unknown input format %q (want one of %v)", s, Formats())
}

// Action is what the upgrade does to an object, as the input shows it.
// Whether an update in fact forces a replacement is decided later, by the
// rules (see package classify).
type Action uint8

const (
	// Create: the object is added.
	Create Action = iota + 1
	// Update: the object is changed in place.
	Update
	// Delete: the object is removed.
	Delete
	// Ownership: only the owning release changes (helm-diff
	// --take-ownership).
	Ownership
	// Replace: the object must be deleted and created again, because an
	// immutable field changes. Parsers never produce it; classification
	// does.
	Replace
)

var actionNames = []string{"", "create", "update", "delete", "ownership", "replace"}

func (a Action) String() string {
	if a > 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// MarshalText implements [encoding.TextMarshaler].
func (a Action) MarshalText() ([]byte, error) {
	if a <= 0 || int(a) >= len(actionNames) {
		return nil, fmt.Errorf("invalid action %d", int(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler].
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err == nil {
		*a = v
	}
	return err
}

// ParseAction reads an action name.
func ParseAction(s string) (Action, error) {
	for i := 1; i < len(actionNames); i++ {
		if actionNames[i] == s {
			return Action(i), nil
		}
	}
	return 0, fmt.Errorf("unknown action %q (want create, update, delete, ownership or replace)", s)
}

// Op is what happens to one field.
type Op uint8

const (
	// Add: the field is new.
	Add Op = iota + 1
	// Remove: the field is gone.
	Remove
	// Modify: the field's value changes.
	Modify
	// Reformat: the text changes but the value does not (quoting, line
	// endings, comments, indentation).
	Reformat
	// Hidden: something changed at this path but the input does not show
	// what (kind suppressed by helm-diff, object-level formats).
	Hidden
	// Owner: the owning release changes; Old and New hold namespace/release.
	Owner
	// Reorder: the order of a list's items changed (a list keyed by merge
	// key, or a list of scalars). Path is the list; Old and New hold the
	// item keys (or the items) in order, as a JSON array. Order is meaning:
	// reordering containers or env changes the pod template.
	Reorder
)

var opNames = []string{"", "add", "remove", "modify", "reformat", "hidden", "owner", "reorder"}

func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// MarshalText implements [encoding.TextMarshaler].
func (o Op) MarshalText() ([]byte, error) {
	if o <= 0 || int(o) >= len(opNames) {
		return nil, fmt.Errorf("invalid op %d", int(o))
	}
	return []byte(o.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler].
func (o *Op) UnmarshalText(b []byte) error {
	v, err := ParseOp(string(b))
	if err == nil {
		*o = v
	}
	return err
}

// ParseOp reads an op name.
func ParseOp(s string) (Op, error) {
	for i := 1; i < len(opNames); i++ {
		if opNames[i] == s {
			return Op(i), nil
		}
	}
	return 0, fmt.Errorf("unknown op %q (want add, remove, modify, reformat, hidden, owner or reorder)", s)
}

// Content says how much of an object's fields the input shows.
type Content uint8

const (
	// Complete: the whole object is shown (full context, or an added or
	// removed object).
	Complete Content = iota + 1
	// Partial: only the lines around the changes are shown (--context N,
	// Stevedore's five lines); paths rebuilt above an elision are marked
	// with a leading "...".
	Partial
	// Suppressed: helm-diff hid the changes (--suppress KIND,
	// --suppress-secrets, or --suppress-output-line-regex emptied the diff).
	Suppressed
	// ObjectOnly: the format carries no fields at all (simple, json,
	// template, and structured for added and removed objects).
	ObjectOnly
)

var contentNames = []string{"", "complete", "partial", "suppressed", "object-only"}

func (c Content) String() string {
	if c > 0 && int(c) < len(contentNames) {
		return contentNames[c]
	}
	return fmt.Sprintf("Content(%d)", int(c))
}

// MarshalText implements [encoding.TextMarshaler].
func (c Content) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Pos is a position in the input: a 1-based line number, 0 when unknown.
type Pos struct {
	Line int
}

func (p Pos) String() string {
	if p.Line <= 0 {
		return "-"
	}
	return fmt.Sprintf("line %d", p.Line)
}

// ValueKind is the shape of a [Value].
type ValueKind uint8

const (
	// NoValue: there is no value on this side (the field is absent).
	NoValue ValueKind = iota
	// Scalar: a single value; Text is its decoded text.
	Scalar
	// Text: a multi-line string (a YAML block scalar); Text holds it.
	Text
	// Tree: a mapping or list; Text holds its YAML (or JSON) text.
	Tree
)

var valueKindNames = []string{"none", "scalar", "text", "tree"}

func (k ValueKind) String() string {
	if int(k) < len(valueKindNames) {
		return valueKindNames[k]
	}
	return fmt.Sprintf("ValueKind(%d)", int(k))
}

// ScalarType is the YAML type a scalar value resolves to, as the API server
// reads it (YAML 1.1 through sigs.k8s.io/yaml).
type ScalarType uint8

const (
	UnknownType ScalarType = iota // not known: redacted, trees, formats without types
	StringType
	IntType
	FloatType
	BoolType
	NullType
)

var scalarTypeNames = []string{"unknown", "string", "int", "float", "bool", "null"}

func (t ScalarType) String() string {
	if t >= 0 && int(t) < len(scalarTypeNames) {
		return scalarTypeNames[t]
	}
	return fmt.Sprintf("ScalarType(%d)", int(t))
}

// Value is one side of a field change. (Its fields are ordered for size:
// an object dense in changes holds two Values per change.)
type Value struct {
	// Text is the decoded value. It is empty when Redacted.
	Text string
	// Canonical is the value in a form where equal values compare equal
	// (yes and true, 1.0 and 1); empty when it equals Text.
	Canonical string
	// Bytes is the size of a redacted value (decoded, for base64 Secret
	// data), or -1 when unknown.
	Bytes int
	Kind  ValueKind
	// Type is the YAML type of a scalar value (Kind Scalar or Text) as the
	// API server reads it: sigs.k8s.io/yaml turns the YAML into JSON, so a
	// number is an IntType when its JSON is an integer literal (1, 1.0 and
	// 0x1 all are) and a FloatType otherwise. UnknownType for trees,
	// redacted values and inputs that carry no types.
	Type ScalarType
	// Redacted is set for sensitive values (Secret data, credentials): the
	// text is never kept, only its size.
	Redacted bool
	// NotLabel is set on a redacted string that no label can hold, so that
	// one at a place that may be a label's is refused unseen.
	NotLabel bool
}

// Present reports whether there is a value on this side.
func (v Value) Present() bool { return v.Kind != NoValue }

// Comparable returns the canonical form of a scalar value, for comparisons.
func (v Value) Comparable() string {
	if v.Canonical != "" {
		return v.Canonical
	}
	return v.Text
}

// Change is one field-level change of an object. (Its fields are ordered
// for size: an object may hold 100,000 changes.)
type Change struct {
	// Path is the field, from the object root. A path starting with a
	// kube.Gap was rebuilt from elided context: its ancestors are unknown.
	Path kube.Path
	Old  Value
	New  Value
	// Pos is the first input line of the change.
	Pos Pos
	// Outline is, for a path with a leading kube.Gap, the change's entry in
	// what the diff shows of the stretch around it (its visible siblings
	// and ancestors), for classification to find the places it can be.
	// Nil for exact paths.
	Outline *kube.Outline
	// GapColumn is, for a path with a leading kube.Gap, the column at which
	// its first known step stands in the diff. YAML indents every nesting
	// level further, so the column bounds how deep the elided ancestors
	// can go. It is -1 (or 0, from formats without columns) otherwise.
	GapColumn int
	Op        Op
	// Shape is what the input showed of the value: a scalar, a block
	// mapping or a list. It lets classification rule out schema positions.
	Shape kube.Shape
	// Within is set on a field of a mapping that is added or removed
	// whole, reported beside the mapping's own change (so that rules that
	// name the field reach it): its removal does not unset a field of an
	// object that keeps its parent.
	Within bool
	// KeyShared is set on the changes of a list whose old side repeats a
	// merge key of which the new side keeps fewer items, one at least:
	// helm 3's three-way patch deletes items by their key, so every item
	// of it goes, the ones the new side keeps too. In a partial view it is
	// set on every item removed from a list of a merge key: lines out of
	// view may repeat its key.
	KeyShared bool
}

// Approximate reports whether the change's location is not fully known.
func (c Change) Approximate() bool { return !c.Path.Exact() }

// Presence says what is known about a field of one side of an object.
type Presence int

const (
	// Unknown: the input does not show whether the field is there.
	Unknown Presence = iota
	// Present: the field is there; the value is known.
	Present
	// Absent: the field is not there (the side is complete, or the object
	// does not exist on that side).
	Absent
)

func (p Presence) String() string {
	switch p {
	case Present:
		return "present"
	case Absent:
		return "absent"
	}
	return "unknown"
}

// Fact is the value of a field that the rules asked about.
type Fact struct {
	Presence Presence
	Value    Value
	// Partial marks what a side shown in part (--context, Stevedore's
	// lines) shows of the field: a line out of view may give its key, or
	// an ancestor's, again (YAML keeps the last), or the shown line may be
	// text of a quoted or block value opened out of view. [Object.Fact]
	// reads it as Unknown; [Object.ShownFact] returns it as shown, for a
	// reader that takes it only where it makes a level higher.
	Partial bool
}

// Side is one side of an object: before (Old) or after (New) the upgrade.
type Side int

const (
	Old Side = iota
	New
)

func (s Side) String() string {
	if s == Old {
		return "old"
	}
	return "new"
}

// Object is one changed object of a release.
type Object struct {
	Ref    kube.ObjectRef
	Action Action
	// Content says how much of the object the input shows.
	Content Content
	// FactsComplete says, per side, that the input shows the whole side, so
	// that a requested field missing from Facts is absent rather than
	// unknown. (The small fields stand together: a review may hold a
	// million objects.)
	FactsComplete [2]bool
	// Pos is the input line that introduces the object (its header).
	Pos Pos
	// Source is the chart template that rendered the object (the "# Source:"
	// line), when shown.
	Source string
	// OldSource is, for an update, the old side's template where the input
	// shows one that differs from Source (the object moved in the chart).
	OldSource string
	// Release and File name the release (and Stevedore manifest file) the
	// object belongs to, for multi-release inputs.
	Release string
	File    string
	Changes []Change
	// Unresolved lists what the reader could not resolve from the visible
	// lines of a partial object (an alias whose anchor is elided, a flow
	// collection or quoted scalar cut by an elision, ...). When it is not
	// empty, any field of the object may change: classification judges the
	// object by the worst its changes could be.
	Unresolved []Note
	// Entry is, for one of the two objects an update of identity becomes
	// (a rename, another API group: a deletion and a creation), the key of
	// the diff entry both come from; zero otherwise.
	Entry kube.ObjectRef
	// Refused lists values of the new side that the API server cannot
	// decode where they stand and that no change's own value shows (a
	// created object's fields, the insides of an added mapping or list):
	// "spec.replicas must be an integer". The server refuses the object,
	// and helm upgrade fails there. At most a few are listed.
	Refused []Note
	// ServerSideRefused lists what server-side apply, as helm 4 applies
	// the releases it installs, refuses of the new side where a change
	// makes it new (the old side did not have it) or the object is
	// created, and helm 3's three-way
	// patch lets through: a field the schema does not declare, which the
	// patch drops ("spec.replica: no such field"; the server says "field
	// not declared in schema"), and two items of an associative list with
	// the same keys, which the patch merges ("...env: two entries with
	// name=MODE"; "duplicate entries for key"). At most a few are listed.
	ServerSideRefused []Note
	// Facts holds, for each side, the values of the fields requested with
	// [Options.Facts] that are present, keyed by their path string (see
	// FactsComplete). The objects of one parse that have equal facts share
	// a map: read them, never change them.
	Facts [2]map[string]Fact
	// Owner is the old and new owning release (namespace/name) of an
	// ownership change.
	OldOwner, NewOwner string
}

// Fact returns what is known of a field on one side of the object. Fields
// that were not requested through [Options.Facts] are Unknown, and so are
// those a side shown in part shows (see [Fact.Partial]).
func (o *Object) Fact(side Side, path kube.Path) Fact {
	f := o.ShownFact(side, path)
	if f.Partial {
		return Fact{Presence: Unknown}
	}
	return f
}

// ShownFact is [Object.Fact], but a field that a side shown in part shows
// is returned as shown, with Partial set. Lines out of view may replace
// it: read it only where it can make a level higher, never lower.
func (o *Object) ShownFact(side Side, path kube.Path) Fact {
	var key [96]byte
	if f, ok := o.Facts[side][string(path.Append(key[:0]))]; ok {
		return f
	}
	switch {
	case side == Old && o.Action == Create, side == New && o.Action == Delete, o.FactsComplete[side]:
		return Fact{Presence: Absent}
	}
	return Fact{Presence: Unknown}
}

// Release is one release of a multi-release input.
type Release struct {
	Name      string
	File      string
	Namespace string
	Chart     string
	// Error is the error the wrapper printed for this release instead of a
	// diff. A release with an error cannot be judged.
	Error string
	Pos   Pos
}

// Note is something the reader should know about the input as a whole.
type Note struct {
	Pos  Pos
	Text string
	// Renames is set on an Object.Unresolved note about a change that may
	// be the object's own name or namespace: the object may be deleted
	// (and another created).
	Renames bool
	// Maybe is set on an Object.Refused note that holds in some readings
	// of what a partial view hides, not in all (a value at one of the
	// places an elision leaves open): helm upgrade may fail.
	Maybe bool
}

// Plan is a parsed diff: every changed object, in input order.
type Plan struct {
	Format   Format
	Objects  []*Object
	Releases []Release
	Notes    []Note
	// NoChanges is set when the input said explicitly that nothing changes
	// (empty input, "[]", a zero Plan: line, Stevedore's
	// "No changes in the plan").
	NoChanges bool
	// FactPaths are the fields whose values were collected into
	// [Object.Facts] ([Options.Facts] of the parse). Classification refuses
	// a rule set that reads a field the parse did not collect.
	FactPaths []kube.Path
	// linesSuppressed: an object's diff was empty after helm-diff's
	// suppression (--suppress-output-line-regex removes lines from every
	// object's diff, context lines included)
	linesSuppressed bool
}
