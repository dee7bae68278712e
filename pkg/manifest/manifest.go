package manifest

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/kube"
)

// Object is one object of a manifest.
type Object struct {
	// Ref names the object, with its version. Namespace is the one the
	// document states, or the default namespace given to [Parse] for kinds
	// that are not known to be cluster-scoped.
	Ref kube.ObjectRef
	// Source is the template that rendered it ("# Source:"), when shown.
	Source string
	// Body is the decoded object: JSON types (map[string]any, []any,
	// string, float64, bool, nil), as the API server receives it.
	Body map[string]any
	// Index is the object's position in the manifest.
	Index int
}

// sep is Helm's document separator (releaseutil.SplitManifests).
var sep = lazyRE(`(?:^|\s*\n)---\s*`)

// MaxDocument bounds one document: the API server stores no object above
// 1.5 MiB (etcd's default request limit).
const MaxDocument = 3 << 20

// Parse reads a rendered manifest. Documents that hold only comments or
// whitespace are skipped, as Helm skips them; a document that is not a
// Kubernetes object (no apiVersion, kind or metadata.name) is an error
// naming its position and template, never its content (it may be a
// Secret).
func Parse(text, defaultNamespace string) ([]Object, error) {
	var out []Object
	for i, doc := range sep().Split(strings.TrimSpace(text), -1) {
		source := sourceOf(doc)
		if blank(doc) {
			continue
		}
		where := fmt.Sprintf("document %d", i+1)
		if source != "" {
			where += " (" + source + ")"
		}
		if len(doc) > MaxDocument {
			return nil, fmt.Errorf("%s: larger than %d bytes", where, MaxDocument)
		}
		var body map[string]any
		if err := yaml.Unmarshal([]byte(doc), &body); err != nil {
			return nil, fmt.Errorf("%s: not valid YAML: %s", where, yamlReason(err))
		}
		if body == nil {
			continue
		}
		objs, err := objectsOf(body, defaultNamespace)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", where, err)
		}
		for _, o := range objs {
			o.Source, o.Index = source, len(out)
			out = append(out, o)
		}
	}
	return out, nil
}

// objectsOf returns the object of a document, or the items of a List.
func objectsOf(body map[string]any, ns string) ([]Object, error) {
	apiVersion, _ := body["apiVersion"].(string)
	kind, _ := body["kind"].(string)
	if apiVersion == "" || kind == "" {
		return nil, fmt.Errorf("not a Kubernetes object: apiVersion and kind are required")
	}
	if strings.HasSuffix(kind, "List") && body["items"] != nil {
		items, ok := body["items"].([]any)
		if !ok {
			return nil, fmt.Errorf("%s: items is not a list", kind)
		}
		var out []Object
		for j, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: items[%d] is not an object", kind, j)
			}
			objs, err := objectsOf(m, ns)
			if err != nil {
				return nil, fmt.Errorf("%s: items[%d]: %v", kind, j, err)
			}
			out = append(out, objs...)
		}
		return out, nil
	}
	meta, _ := body["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if name == "" {
		return nil, fmt.Errorf("%s %s: metadata.name is required", apiVersion, kind)
	}
	group, version := kube.SplitAPIVersion(apiVersion)
	ref := kube.ObjectRef{Group: group, Version: version, Kind: kind, Name: name}
	ref.Namespace, _ = meta["namespace"].(string)
	if ref.Namespace == "" && !kube.IsClusterScoped(group, kind) {
		ref.Namespace = ns
	}
	return []Object{{Ref: ref, Body: body}}, nil
}

// sourceOf returns the template path of a document's "# Source:" line.
func sourceOf(doc string) string {
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if s, ok := strings.CutPrefix(line, "# Source: "); ok {
			return strings.TrimSpace(s)
		}
		if line != "" && !strings.HasPrefix(line, "#") {
			return "" // the comment must come before the object
		}
	}
	return ""
}

// blank says whether a document holds nothing but comments and space.
func blank(doc string) bool {
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			return false
		}
	}
	return true
}

// yamlReason keeps go-yaml's reason and line, never the text it quotes.
func yamlReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		msg = msg[i:]
		if j := strings.IndexAny(msg, ":"); j >= 0 {
			return msg[:j]
		}
	}
	return "the YAML reader refused it"
}
