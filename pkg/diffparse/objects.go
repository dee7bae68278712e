package diffparse

import (
	"hash/maphash"

	"github.com/safediff/safediff/pkg/kube"
)

// This file is the one table of objects that every input format fills: the
// mapping from helm-diff's words for a change to an action, and the check
// that no object appears twice.

// change is what an input format says happens to an object.
type change struct {
	action  Action
	content Content // what the format shows of such an object, when that is not all of it
}

// changeWords maps each format's words for a change to it: the diff
// headers (also inside Stevedore and helmfile streams), the simple lines,
// and the change types of the json and structured formats.
var changeWords = map[Format]map[string]change{
	FormatDiff: {
		"has changed:":       {action: Update},
		"has been added:":    {action: Create},
		"has been removed:":  {action: Delete},
		"changed ownership:": {action: Ownership},
		"has changed, but diff is empty after suppression.": {action: Update, content: Suppressed},
	},
	FormatSimple: {
		"to be added.":         {action: Create},
		"to be changed.":       {action: Update},
		"to be removed.":       {action: Delete},
		"to change ownership.": {action: Ownership},
		"has changed, but diff is empty after suppression.": {action: Update, content: Suppressed},
	},
	FormatJSON: {
		"ADD":               {action: Create},
		"MODIFY":            {action: Update},
		"REMOVE":            {action: Delete},
		"OWNERSHIP":         {action: Ownership},
		"MODIFY_SUPPRESSED": {action: Update, content: Suppressed},
	},
	FormatStructured: {
		"ADD":       {action: Create},
		"MODIFY":    {action: Update, content: Partial},
		"REMOVE":    {action: Delete},
		"OWNERSHIP": {action: Ownership},
	},
}

// changeOf returns the change a format's words say.
func changeOf(f Format, words string) (change, bool) {
	c, ok := changeWords[f][words]
	return c, ok
}

type objKey struct {
	release string
	id      kube.ObjectID
}

// objectTable collects the objects of a plan in input order.
type objectTable struct {
	plan *Plan
	errs *errList
	// seen holds the objects by a hash of their key: a million objects'
	// keys would take more room than the objects (helm-diff's --output
	// json). Objects whose keys collide with another's go in collided, by
	// key.
	seen     map[uint64]*Object
	collided map[objKey]*Object
	seed     maphash.Seed
	// names holds one copy of each group, version, kind and namespace:
	// the objects of a release share a few, and a million objects read
	// from JSON would otherwise hold a copy each
	names map[string]string
}

// maxNames bounds the names an objectTable shares.
const maxNames = 1 << 12

// intern returns the table's copy of s.
func (tb *objectTable) intern(s string) string {
	if c, ok := tb.names[s]; ok {
		return c
	}
	if len(tb.names) < maxNames {
		tb.names[s] = s
	}
	return s
}

func newObjectTable(plan *Plan, errs *errList) *objectTable {
	return &objectTable{plan: plan, errs: errs, seen: map[uint64]*Object{}, seed: maphash.MakeSeed(), names: map[string]string{}}
}

// hash returns the hash of an object key.
func (tb *objectTable) hash(k objKey) uint64 {
	var h maphash.Hash
	h.SetSeed(tb.seed)
	for _, s := range [...]string{k.release, k.id.Group, k.id.Kind, k.id.Namespace, k.id.Name} {
		h.WriteString(s)
		h.WriteByte(0) // keys with equal hashes are told apart by lookup
	}
	return h.Sum64()
}

// lookup returns the object recorded under k.
func (tb *objectTable) lookup(k objKey, h uint64) (*Object, bool) {
	if prev, ok := tb.seen[h]; ok && keyOf(prev) == k {
		return prev, true
	}
	prev, ok := tb.collided[k]
	return prev, ok
}

// record records obj under its key k, whose hash is h.
func (tb *objectTable) record(obj *Object, k objKey, h uint64) {
	if _, taken := tb.seen[h]; !taken {
		tb.seen[h] = obj
		return
	}
	if tb.collided == nil {
		tb.collided = map[objKey]*Object{}
	}
	tb.collided[k] = obj
}

func keyOf(obj *Object) objKey { return objKey{release: obj.Release, id: obj.Ref.ID()} }

// add records an object. An ownership entry and a content entry of the same
// object (helm-diff --take-ownership prints both) are merged; any other
// second entry of an object is an error: two diffs were concatenated, or
// the input was altered.
func (tb *objectTable) add(obj *Object) {
	if tb.errs.sync != nil {
		tb.errs.sync() // after the objects analysed ahead
	}
	if obj.Ref.Kind == "" || obj.Ref.Name == "" {
		tb.errs.Add(obj.Pos, "object without a kind or a name (kind %q, name %q)", obj.Ref.Kind, obj.Ref.Name)
		return
	}
	k := keyOf(obj)
	h := tb.hash(k)
	if prev, ok := tb.lookup(k, h); ok {
		switch {
		case prev.Action == Ownership && obj.Action != Ownership:
			// the content entry is the object, all of it (its changes,
			// facts, and what the API server refuses); the ownership entry
			// before it gives the owners, and its place
			merged := *obj
			merged.Ref, merged.Pos, merged.OldOwner, merged.NewOwner = prev.Ref, prev.Pos, prev.OldOwner, prev.NewOwner
			if merged.Ref.Version == "" {
				merged.Ref.Version = tb.intern(obj.Ref.Version)
			}
			if prev.Source != "" {
				merged.Source = prev.Source
			}
			*prev = merged
			return
		case obj.Action == Ownership && prev.Action != Ownership:
			prev.OldOwner, prev.NewOwner = obj.OldOwner, obj.NewOwner
			return
		}
		tb.errs.Add(obj.Pos, "object %s appears twice (first at line %d)", obj.Ref, prev.Pos.Line)
		return
	}
	tb.record(obj, k, h)
	r := &obj.Ref
	r.Group, r.Version, r.Kind, r.Namespace = tb.intern(r.Group), tb.intern(r.Version), tb.intern(r.Kind), tb.intern(r.Namespace)
	tb.plan.Objects = append(tb.plan.Objects, obj)
}
