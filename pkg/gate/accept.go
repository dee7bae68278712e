package gate

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// AcceptFormatVersion is the version of the accept file format.
const AcceptFormatVersion = 1

// MaxAcceptFileSize limits the size of an accept file.
const MaxAcceptFileSize = 4 << 20

// Entry is one reviewed change of an accept file: a change of one object
// at one path, or (without a path) the object as a whole in one action.
type Entry struct {
	Object kube.ObjectRef
	// Path is the change's path exactly as the report prints it (elided
	// paths included); nil for the object as a whole.
	Path kube.Path
	// Action is the object's action the entry accepts (create, update,
	// replace, delete, ownership). It is required without a path: such an
	// entry accepts the object's creation, deletion or ownership change,
	// the changes an update hides, or the changes that force a
	// replacement. With a path it is optional. A deletion is only ever
	// accepted by an entry that names it.
	Action diffparse.Action
	// Release, when set, is the release of a multi-release plan whose
	// object the entry names. Without it, an entry names an object that
	// only one release of the plan has.
	Release string
	// New, when set, must equal the change's new value (a scalar, not a
	// redacted or absent value): accepting image nginx:1.27 does not
	// accept 1.28, and new: "" does not accept the field's removal.
	New *string
	// Old, when set, must equal the change's old value, as New the new
	// one: accepting replicas 3 -> 2 does not accept 12 -> 2.
	Old *string
	// Rule, when set, is the id of the rule whose finding the entry
	// accepts: the same change judged by another rule (a scale-down that
	// now deletes claims, another change that forces a replacement) is
	// not accepted. [WriteAccept] always writes it.
	Rule string
	// Reason says why (a ticket, an approval); it is shown in the report.
	Reason string
	// Origin and Index name the entry for messages: the file and the
	// position in its accept list.
	Origin string
	Index  int
}

// String is the entry as messages name it: "Service/prod/web spec.type",
// "StatefulSet.apps/prod/db action delete".
func (e Entry) String() string {
	s := e.Object.String()
	if e.Release != "" {
		s += " release " + e.Release
	}
	if e.Path != nil {
		s += " " + e.Path.String()
	}
	if e.Action != 0 {
		s += " action " + e.Action.String()
	}
	return s
}

// AcceptFile is a parsed accept file.
type AcceptFile struct {
	Origin  string
	Entries []Entry
}

type acceptDoc struct {
	Version *int              `json:"version"`
	Accept  []json.RawMessage `json:"accept"`
}

type acceptEntry struct {
	Object  string  `json:"object"`
	Path    *string `json:"path"`
	Action  string  `json:"action"`
	Release string  `json:"release"`
	// New and Old are any YAML scalar: new: 3 and new: "3" mean the same
	New    json.RawMessage `json:"new"`
	Old    json.RawMessage `json:"old"`
	Rule   string          `json:"rule"`
	Reason string          `json:"reason"`
}

// ParseAccept reads an accept file:
//
//	version: 1
//	accept:
//	  - object: Deployment.apps/prod/web        # as in the report (ref)
//	    path: spec.selector.matchLabels.track   # as in the report
//	    new: canary                             # optional: only this new value
//	    old: stable                             # optional: only from this old value
//	    rule: selector-immutable                # optional: only this rule's finding
//	    reason: CHG-1234, recreate approved
//	  - object: StatefulSet.apps/prod/db        # the object as a whole:
//	    action: delete                          # which action is accepted
//	    reason: CHG-1240, data migrated to db2
//
// It is strict: unknown keys, bad references, paths and actions, an entry
// without a path or action, and a missing reason (or one left at TODO)
// are errors, all reported at once.
func ParseAccept(data []byte, origin string) (*AcceptFile, error) {
	if len(data) > MaxAcceptFileSize {
		return nil, &diag.Error{Origin: origin, Msg: fmt.Sprintf("accept file is larger than %d bytes", MaxAcceptFileSize)}
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, &diag.Error{Origin: origin, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")}
	}
	if err := diag.OneYAMLDocument(data, origin); err != nil {
		return nil, err
	}
	var doc acceptDoc
	if err := decodeStrict(js, &doc); err != nil {
		return nil, &diag.Error{Origin: origin, Msg: err.Error()}
	}
	var errs diag.List
	add := func(where, format string, args ...any) {
		errs.Add(&diag.Error{Origin: origin, Where: where, Msg: fmt.Sprintf(format, args...)})
	}
	if doc.Version == nil || *doc.Version != AcceptFormatVersion {
		add("", "want \"version: %d\"", AcceptFormatVersion)
	}
	f := &AcceptFile{Origin: origin}
	for i, raw := range doc.Accept {
		where := fmt.Sprintf("accept[%d]", i)
		var ae acceptEntry
		if err := decodeStrict(raw, &ae); err != nil {
			add(where, "%v", err)
			continue
		}
		e := Entry{Reason: strings.TrimSpace(ae.Reason), Release: ae.Release, Origin: origin, Index: i}
		if ae.Object == "" {
			add(where, "object is required (the reference the report prints, such as StatefulSet.apps/prod/db)")
		} else if ref, err := kube.ParseObjectRef(ae.Object); err != nil {
			add(where, "%v", err)
		} else {
			e.Object = ref
		}
		if ae.Path != nil && *ae.Path != "" {
			if p, err := kube.ParsePath(*ae.Path); err != nil {
				add(where, "%v", err)
			} else {
				e.Path = p
			}
		}
		if ae.Action != "" {
			if a, err := diffparse.ParseAction(ae.Action); err != nil {
				add(where, "%v", err)
			} else {
				e.Action = a
			}
		} else if ae.Path == nil || *ae.Path == "" {
			add(where, "an entry without a path accepts the object as a whole: say which action (action: create, update, replace, delete or ownership)")
		}
		// a pinned value (new, old) of the change at the entry's path
		pinned := func(key string, raw json.RawMessage) *string {
			text, err := scalarText(raw)
			if err != nil {
				add(where, "%s: %v", key, err)
			} else if text != nil && (ae.Path == nil || *ae.Path == "") {
				add(where, "%s needs a path: it is the %s value of the change at that path", key, key)
			}
			return text
		}
		e.New, e.Old = pinned("new", ae.New), pinned("old", ae.Old)
		e.Rule = strings.TrimSpace(ae.Rule)
		switch {
		case e.Reason == "":
			add(where, "reason is required: say why this change may pass (a ticket, an approval)")
		case todo(e.Reason):
			add(where, "reason is %q: review the change, then say why it may pass (a ticket, an approval)", e.Reason)
		}
		f.Entries = append(f.Entries, e)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

// todo reports whether a reason is the TODO placeholder that
// [WriteAccept] writes ("TODO", "todo: …").
func todo(reason string) bool {
	first, _, _ := strings.Cut(reason, " ")
	return strings.EqualFold(strings.TrimRight(first, ":.,;!"), "TODO")
}

// decodeStrict decodes JSON into v, refusing unknown keys (keys exactly:
// encoding/json alone takes "Kind" or a key twice).
func decodeStrict(js []byte, v any) error {
	if err := diag.DecodeJSON(js, v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return fmt.Errorf("unknown key %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// scalarText is the text of a JSON scalar, as the report prints values.
func scalarText(raw json.RawMessage) (*string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case bool, float64:
		s = string(raw)
	default:
		return nil, errors.New("want a single value (a string, number or boolean), not a list or map")
	}
	return &s, nil
}

// WholeAction is the action an accept entry without a path names to
// accept a finding about the whole object: delete for a deletion (also
// one within an update: a resource that leaves the release, a rename the
// input may hide), ownership for an ownership change, and otherwise the
// object's action.
func WholeAction(o *classify.Object, f *classify.Finding) diffparse.Action {
	switch {
	case f.Deletion || f.Change.Op == diffparse.Remove:
		return diffparse.Delete
	case f.Change.Op == diffparse.Owner:
		return diffparse.Ownership
	}
	return o.Action
}

// names reports whether the entry names a finding of an object.
func (e Entry) names(o *classify.Object, f *classify.Finding) bool {
	if o.Ref.ID() != e.Object.ID() || e.Release != "" && o.Release != e.Release || e.Rule != "" && f.Rule != e.Rule {
		return false
	}
	if e.Path == nil {
		// the object as a whole: its creation, deletion, ownership change
		// or hidden changes, each named by its action, and for a
		// replacement the changes forcing it. A deletion is accepted only
		// by an entry that names it.
		switch {
		case e.Action == 0:
			return false
		case f.WholeObject:
			return WholeAction(o, f) == e.Action && e.New == nil
		default:
			return e.Action == diffparse.Replace && o.Action == diffparse.Replace && f.Replace
		}
	}
	if e.Action != 0 && o.Action != e.Action || f.WholeObject || !f.Change.Path.Equal(e.Path) {
		return false
	}
	if e.New != nil && (!f.Change.New.Present() || f.Change.New.Redacted || f.Change.New.Text != *e.New) {
		return false
	}
	if e.Old != nil && (!f.Change.Old.Present() || f.Change.Old.Redacted || f.Change.Old.Text != *e.Old) {
		return false
	}
	return true
}

// Accepting returns a judge that lets the reviewed changes of accept
// files through: inner's offending findings that an entry names no longer
// count, and a verdict with none left passes. Every finding an entry names
// is listed as accepted. An entry that names nothing in the plan is a
// note, with a suggestion when the plan has something close (the plan may
// not be the one that was reviewed).
func Accepting(inner Judge, files ...*AcceptFile) Judge {
	if inner == nil {
		inner = Default()
	}
	return JudgeFunc(func(res *classify.Result) Verdict {
		v := inner.Judge(res)
		var entries []Entry
		for _, f := range files {
			if f != nil {
				entries = append(entries, f.Entries...)
			}
		}
		if len(entries) == 0 {
			return v
		}
		used := make([]bool, len(entries))
		// an entry without a release names an object that one release
		// has: the same reference in two releases (two clusters, two
		// namespaces of helmfile) is two objects, each reviewed on its own
		ambiguous := make([]string, len(entries))
		for ei, e := range entries {
			if e.Release == "" {
				ambiguous[ei] = severalReleases(res, e.Object)
			}
		}
		accepted := map[*classify.Finding]bool{}
		for _, o := range res.Objects {
			for i := range o.Findings {
				f := &o.Findings[i]
				for ei, e := range entries {
					if ambiguous[ei] != "" || !e.names(o, f) {
						continue
					}
					used[ei] = true
					if !accepted[f] {
						accepted[f] = true
						v.Accepted = append(v.Accepted, Accepted{Object: o, Finding: f, Entry: e})
					}
				}
			}
		}
		for ei, e := range entries {
			switch {
			case ambiguous[ei] != "":
				v.Notes = append(v.Notes, fmt.Sprintf("%s: accept[%d] (%s) names no release, and %s is an object of several releases of this plan (%s): it accepts nothing; say which with release:", e.Origin, e.Index, e, e.Object, ambiguous[ei]))
			case !used[ei]:
				v.Notes = append(v.Notes, unusedNote(res, e))
			}
		}
		var rest []Offense
		n := 0
		for _, off := range v.Offending {
			if off.Finding != nil && accepted[off.Finding] {
				n++
				continue
			}
			rest = append(rest, off)
		}
		if n == 0 {
			return v
		}
		v.Offending = rest
		if len(rest) > 0 {
			v.Summary = failSummary(rest, v.Criterion)
			return v
		}
		v.Tripped, v.ExitCode = false, ExitPass
		noun := "change"
		if n != 1 {
			noun = "changes"
		}
		v.Summary = fmt.Sprintf("PASS - %d %s %s accepted by the accept file, nothing else", n, noun, v.Criterion)
		return v
	})
}

// severalReleases lists, comma-separated, the releases of the plan that
// have an object of the reference, when there are more than one.
func severalReleases(res *classify.Result, ref kube.ObjectRef) string {
	var rels []string
	for _, o := range res.Objects {
		if o.Ref.ID() == ref.ID() && !slices.Contains(rels, o.Release) {
			rels = append(rels, o.Release)
		}
	}
	if len(rels) < 2 {
		return ""
	}
	return strings.Join(rels, ", ")
}

// unusedNote says that an entry names nothing in the plan, and what it
// may have meant.
func unusedNote(res *classify.Result, e Entry) string {
	head := fmt.Sprintf("%s: accept[%d] (%s)", e.Origin, e.Index, e)
	stale := "the plan is not the one that was reviewed"
	var obj *classify.Object
	for _, o := range res.Objects {
		if o.Ref.ID() == e.Object.ID() && (e.Release == "" || o.Release == e.Release) {
			obj = o
			break
		}
	}
	if obj == nil {
		if s := closestRef(res, e.Object); s != "" {
			return fmt.Sprintf("%s matches no object of this plan; did you mean %s?", head, s)
		}
		return fmt.Sprintf("%s matches no object of this plan: %s", head, stale)
	}
	ref := obj.Ref.String()
	if e.Action != 0 && obj.Action != e.Action {
		return fmt.Sprintf("%s: %s is %s in this plan, not %s: %s", head, ref, actionPast(obj.Action), actionPast(e.Action), stale)
	}
	if obj.Action == diffparse.Delete {
		return fmt.Sprintf("%s: %s is deleted in this plan; a deletion is accepted only by an entry that says action: delete", head, ref)
	}
	if e.Path == nil {
		for i := range obj.Findings {
			f := &obj.Findings[i]
			if a := WholeAction(obj, f); f.WholeObject && a != e.Action {
				return fmt.Sprintf("%s: %s, %s, is accepted only by an entry that says action: %s", head, ref, strings.TrimSuffix(f.Reason, "."), a)
			}
		}
		var paths []string
		for _, f := range obj.Findings {
			if !f.WholeObject {
				paths = append(paths, f.Change.Path.String())
			}
		}
		return fmt.Sprintf("%s: %s has no change as a whole to accept (only field changes: %s); name each by path", head, ref, listSome(paths))
	}
	var paths []string
	for _, f := range obj.Findings {
		if f.WholeObject {
			continue
		}
		if f.Change.Path.Equal(e.Path) && e.New != nil {
			got := "absent"
			switch {
			case f.Change.New.Redacted:
				got = "redacted"
			case f.Change.New.Present():
				got = fmt.Sprintf("%q", f.Change.New.Text)
			}
			return fmt.Sprintf("%s: the new value at %s is %s, not %q: %s", head, e.Path, got, *e.New, stale)
		}
		paths = append(paths, f.Change.Path.String())
	}
	if p := kube.Closest(e.Path.String(), paths); p != "" {
		return fmt.Sprintf("%s: %s has no change at %s; did you mean %s?", head, ref, e.Path, p)
	}
	return fmt.Sprintf("%s: %s has no change at %s: %s", head, ref, e.Path, stale)
}

// closestRef suggests the object of the plan an entry's reference may
// mean: the same kind, namespace and name in another group (Kind/ns/name
// for Kind.group/ns/name), or a reference a few letters away.
func closestRef(res *classify.Result, want kube.ObjectRef) string {
	var refs []string
	for _, o := range res.Objects {
		r := o.Ref
		if strings.EqualFold(r.Kind, want.Kind) && r.Namespace == want.Namespace && r.Name == want.Name {
			return r.String()
		}
		refs = append(refs, r.String())
	}
	return kube.Closest(want.String(), refs)
}

func listSome(s []string) string {
	sort.Strings(s)
	if len(s) > 3 {
		return strings.Join(s[:3], ", ") + fmt.Sprintf(" and %d more", len(s)-3)
	}
	return strings.Join(s, ", ")
}

func actionPast(a diffparse.Action) string {
	switch a {
	case diffparse.Create:
		return "created"
	case diffparse.Delete:
		return "deleted"
	case diffparse.Replace:
		return "replaced"
	case diffparse.Ownership:
		return "taken over"
	}
	return "updated in place"
}
