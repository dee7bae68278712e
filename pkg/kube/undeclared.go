package kube

import "slices"

// Undeclared returns the path of the first field that the schema t does not
// declare: along p (an exact path from t), then inside v, the value at p as
// decoded from JSON (map[string]any, []any or a scalar; nil for none). It
// returns nil when every field is declared, or when p or v leaves what the
// schema can tell: free-form content declares every field, and a value of
// the wrong shape is another problem (the API server refuses its type).
//
// The API server drops a field it does not know from a patch (helm 3's
// three-way merge), but server-side apply, as helm 4 applies the releases
// it installs, refuses the object: "field not declared in schema".
func (t *Type) Undeclared(p Path, v any) Path {
	cur := t
	for i, s := range p {
		if cur == nil {
			return nil
		}
		switch s := s.(type) {
		case Field:
			switch cur.Kind {
			case StructType:
				next := cur.Field(string(s))
				if next == nil {
					return slices.Clone(p[:i+1])
				}
				cur = next
			case MapType:
				cur = cur.Elem
			default:
				return nil
			}
		case Index, Key:
			if cur.Kind != ListType {
				return nil
			}
			cur = cur.Elem
		default:
			return nil // not an exact path
		}
	}
	return cur.undeclaredIn(p, v)
}

func (t *Type) undeclaredIn(p Path, v any) Path {
	if t == nil {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind != StructType && t.Kind != MapType {
			return nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the first in a stable order
		for _, k := range keys {
			ft := t.Elem
			if t.Kind == StructType {
				if ft = t.Field(k); ft == nil {
					return append(slices.Clone(p), Field(k))
				}
			}
			if u := ft.undeclaredIn(append(slices.Clip(p), Field(k)), x[k]); u != nil {
				return u
			}
		}
	case []any:
		if t.Kind != ListType {
			return nil
		}
		for i, item := range x {
			if u := t.Elem.undeclaredIn(append(slices.Clip(p), Index(i)), item); u != nil {
				return u
			}
		}
	}
	return nil
}
