package cluster

import (
	"errors"
	"strconv"
	"strings"

	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/manifest"
)

// fieldsOf returns the fields a refusal names, as paths in safediff's
// syntax (keyed list items by their key, as the review prints them).
func fieldsOf(se *kubeapi.StatusError, d manifest.Object) []kube.Path {
	var out []kube.Path
	seen := map[string]bool{}
	for _, c := range se.Causes {
		if c.Field == "" || c.Field == "<nil>" {
			// none: the API server prints a cause of the object as a
			// whole (a field.Error of a nil path) as "<nil>"
			continue
		}
		p := serverPath(c.Field, d)
		if s := p.String(); !seen[s] {
			seen[s] = true
			out = append(out, p)
		}
	}
	return out
}

// serverPath reads a field path as the API server prints it
// (spec.template.spec.containers[0].image, metadata.labels[app]) and
// turns list indexes into keys where the list is keyed.
func serverPath(s string, d manifest.Object) kube.Path {
	steps, err := splitServerPath(strings.TrimPrefix(s, "."))
	if err != nil {
		return kube.Path{kube.Field(s)}
	}
	typ := kube.SchemaFor(d.Ref.Group, d.Ref.Version, d.Ref.Kind)
	var node any = d.Body
	for i, st := range steps {
		next := typ.Step(st)
		switch st := st.(type) {
		case kube.Field:
			m, _ := node.(map[string]any)
			node = m[string(st)]
		case kube.Index:
			list, _ := node.([]any)
			if int(st) < 0 || int(st) >= len(list) {
				node = nil
				break
			}
			item := list[st]
			if typ != nil && typ.MergeKey != "" {
				if m, ok := item.(map[string]any); ok {
					if v, ok := m[typ.MergeKey].(string); ok {
						steps[i] = kube.Key{Field: typ.MergeKey, Value: v}
					}
				}
			}
			node = item
		}
		typ = next
	}
	return steps
}

func splitServerPath(s string) (kube.Path, error) {
	var p kube.Path
	for s != "" {
		switch {
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, errors.New("unclosed [")
			}
			inner := s[1:end]
			if n, err := strconv.Atoi(inner); err == nil && n >= 0 {
				p = append(p, kube.Index(n))
			} else {
				p = append(p, kube.Field(inner))
			}
			s = strings.TrimPrefix(s[end+1:], ".")
		default:
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			if end == 0 {
				return nil, errors.New("empty field")
			}
			p = append(p, kube.Field(s[:end]))
			s = strings.TrimPrefix(s[end:], ".")
		}
	}
	return p, nil
}
