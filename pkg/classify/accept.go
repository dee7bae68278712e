package classify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/kube"
)

// Acceptance is a reviewed change that may pass the gate this once: a
// change of one object at one path (no path: the object as a whole, its
// creation or deletion), optionally only with a given new value.
type Acceptance struct {
	Object kube.ObjectRef
	// Path is the change's path exactly as the report prints it (elided
	// paths included); nil for the object-level finding.
	Path kube.Path
	// New, when set, must equal the change's new value (a scalar, not a
	// redacted or absent value): accepting image nginx:1.27 does not
	// accept 1.28, and new: "" does not accept the field's removal.
	New *string
	// Reason says why (a ticket, an approval); it is shown in the report.
	Reason string
	// Index is the entry's position in the accept file, for messages.
	Index int
}

type acceptDoc struct {
	Version *int              `json:"version"`
	Accept  []json.RawMessage `json:"accept"`
}

type acceptEntry struct {
	Object string  `json:"object"`
	Path   *string `json:"path"`
	// New is any YAML scalar: new: 3 and new: "3" mean the same
	New    json.RawMessage `json:"new"`
	Reason string          `json:"reason"`
}

// decodeStrict decodes JSON into v, refusing unknown fields.
func decodeStrict(js []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
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
		return nil, errors.New("new: want a single value (a string, number or boolean), not a list or map")
	}
	return &s, nil
}

// ParseAcceptances reads an accept file:
//
//	version: 1
//	accept:
//	  - object: Deployment.apps/prod/web        # as in the report (ref)
//	    path: spec.selector.matchLabels.track   # as in the report; omit for the object itself
//	    new: canary                             # optional: only this new value
//	    reason: CHG-1234, recreate approved
//
// It is strict: unknown keys, bad references and bad paths are errors.
func ParseAcceptances(data []byte, origin string) ([]Acceptance, error) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %v", origin, err)
	}
	var doc acceptDoc
	if err := decodeStrict(js, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", origin, err)
	}
	if doc.Version == nil || *doc.Version != 1 {
		return nil, fmt.Errorf("%s: want \"version: 1\"", origin)
	}
	var out []Acceptance
	for i, raw := range doc.Accept {
		var e acceptEntry
		if err := decodeStrict(raw, &e); err != nil {
			return nil, fmt.Errorf("%s: accept[%d]: %v", origin, i, err)
		}
		if e.Object == "" {
			return nil, fmt.Errorf("%s: accept[%d]: object is required", origin, i)
		}
		newText, err := scalarText(e.New)
		if err != nil {
			return nil, fmt.Errorf("%s: accept[%d]: %v", origin, i, err)
		}
		ref, err := kube.ParseObjectRef(e.Object)
		if err != nil {
			return nil, fmt.Errorf("%s: accept[%d]: %v", origin, i, err)
		}
		a := Acceptance{Object: ref, New: newText, Reason: strings.TrimSpace(e.Reason), Index: i}
		if e.Path != nil && *e.Path != "" {
			p, err := kube.ParsePath(*e.Path)
			if err != nil {
				return nil, fmt.Errorf("%s: accept[%d]: %v", origin, i, err)
			}
			a.Path = p
		}
		out = append(out, a)
	}
	return out, nil
}

// Accept marks the findings the acceptances name; the gate then ignores
// them. It returns the acceptances that named no finding: a reviewed
// change that is not in this plan means the plan is not the one reviewed.
func (r *Result) Accept(list []Acceptance) (unused []Acceptance) {
	for _, a := range list {
		used := false
		for _, o := range r.Objects {
			if o.Ref.ID() != a.Object.ID() {
				continue
			}
			for i := range o.Findings {
				f := &o.Findings[i]
				if a.Path == nil {
					if !f.Object {
						continue
					}
				} else if f.Object || !f.Change.Path.Equal(a.Path) {
					continue
				}
				if a.New != nil && (!f.Change.New.Present() || f.Change.New.Redacted || f.Change.New.Text != *a.New) {
					continue
				}
				f.Accepted = true
				f.AcceptReason = a.Reason
				used = true
			}
		}
		if !used {
			unused = append(unused, a)
		}
	}
	return unused
}

// GateLevel is the level an object counts with at the gate: the highest
// level of its findings that are not accepted.
func (o *Object) GateLevel() (level int, any bool) {
	best := -1
	for _, f := range o.Findings {
		if f.Accepted {
			continue
		}
		if int(f.Level) > best {
			best = int(f.Level)
		}
	}
	return best, best >= 0
}
