package migrate

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"

	"github.com/safediff/safediff/pkg/diag"
)

// decoder reads a migration file's YAML node by node into the Go types,
// by their json tags, so that every problem is reported at once with its
// line and column, and it knows which fields the file wrote (defaults are
// never checked, nor named, as if the user had written them).
type decoder struct {
	origin string
	errs   diag.List
	// at maps a written field's path ("source.address", "clients[0]") to
	// the position of its key (for a list item: of the item).
	at map[string]*yaml.Node
	// unread are the paths whose value could not be read: what is said of
	// them (or of what is under them) after that would only repeat it.
	unread map[string]bool
	// nodes counts the nodes decoded, aliases expanded: a few aliases of
	// a long list must not make a small file cost billions.
	nodes int
}

// maxNodes bounds the nodes decoded from one file, aliases expanded.
const maxNodes = 100_000

// isUnread says whether path, or a parent of it, could not be read.
func (d *decoder) isUnread(path string) bool {
	for p := path; p != ""; {
		if d.unread[p] {
			return true
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return false
		}
		p = p[:i]
	}
	return false
}

// pos is the position of path, or of its nearest written parent, or of
// the document.
func (d *decoder) pos(path string) (line, col int) {
	for p := path; ; {
		if n := d.at[p]; n != nil {
			return n.Line, n.Column
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return 1, 1
		}
		p = p[:i]
	}
}

// written says whether the file sets path.
func (d *decoder) written(path string) bool { return d.at[path] != nil }

// add reports a problem at a node, naming the field. A problem of the
// value at n makes the field unread; one found later (n nil) of an unread
// field is dropped.
func (d *decoder) add(n *yaml.Node, path, format string, args ...any) {
	if n == nil && d.isUnread(path) {
		return
	}
	if n != nil {
		if d.unread == nil {
			d.unread = map[string]bool{}
		}
		d.unread[path] = true
	}
	e := &diag.Error{Origin: d.origin, Where: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	} else {
		e.Line, e.Col = d.pos(path)
	}
	d.errs.Add(e)
}

var yamlLineRE = lazyRE(`^yaml: line (\d+): (.*)$`)

// parseYAML reads the document's root node.
func (d *decoder) parseYAML(data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e := &diag.Error{Origin: d.origin, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLineRE().FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "not valid YAML: " + m[2]
		}
		d.errs.Add(e)
		return nil
	}
	if err := diag.OneYAMLDocument(data, d.origin); err != nil {
		d.errs.Add(err.(*diag.Error))
		return nil
	}
	if len(doc.Content) == 0 {
		d.errs.Add(&diag.Error{Origin: d.origin, Msg: "empty: a migration file starts with version: 1"})
		return nil
	}
	return doc.Content[0]
}

// decode reads node n into v (addressable) at path.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if d.nodes++; d.nodes == maxNodes {
		d.add(n, path, "more than %d values, aliases expanded: not a migration file", maxNodes)
	}
	if d.nodes >= maxNodes {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if _, ok := v.Addr().Interface().(json.Unmarshaler); ok {
		d.scalar(n, v, path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.object(n, v, path)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.add(n, path, "want a list, got %s", describeNode(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			d.at[p] = item
			d.decode(item, s.Index(i), p)
		}
		v.Set(s)
	default:
		d.scalar(n, v, path)
	}
}

// fieldsOf lists a struct's JSON fields, those of embedded structs
// included, as name -> field index path.
func fieldsOf(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && tag == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			for name, idx := range fieldsOf(et) {
				out[name] = append([]int{i}, idx...)
			}
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		out[name] = []int{i}
	}
	return out
}

func (d *decoder) object(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.add(n, path, "want a mapping, got %s", describeNode(n))
		return
	}
	fields := fieldsOf(v.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		idx, ok := fields[k.Value]
		switch {
		case k.Kind != yaml.ScalarNode:
			d.add(k, path, "a key must be a plain word")
			continue
		case !ok:
			d.add(k, p, "unknown field %q (known here: %s)", k.Value, strings.Join(sortedNames(fields), ", "))
			continue
		case d.at[p] != nil:
			d.add(k, p, "set twice (first on line %d)", d.at[p].Line)
			continue
		}
		d.at[p] = k
		d.decode(val, fieldByIndex(v, idx), p)
	}
}

// fieldByIndex is v.FieldByIndex, allocating nil embedded pointers.
func fieldByIndex(v reflect.Value, idx []int) reflect.Value {
	for _, i := range idx {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v
}

func sortedNames(m map[string][]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// scalar reads a scalar node into v through its JSON form, so that types
// with an UnmarshalJSON (sizes, durations) read it as they would JSON.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.add(n, path, "want %s, got %s", describeType(v.Type()), describeNode(n))
		return
	}
	var js []byte
	switch n.Tag {
	case "!!int", "!!float":
		js = []byte(n.Value)
		if _, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err != nil {
			js, _ = json.Marshal(n.Value)
		}
	case "!!bool":
		js = []byte(strings.ToLower(n.Value))
	default:
		js, _ = json.Marshal(n.Value)
	}
	if err := json.Unmarshal(js, v.Addr().Interface()); err != nil {
		msg := err.Error()
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok {
			msg = fmt.Sprintf("want %s, got %s", describeType(v.Type()), describeNode(n))
		}
		d.add(n, path, "%s", strings.TrimPrefix(msg, "json: "))
	}
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	*te = t
	return ok
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Pointer:
		return "a mapping"
	}
	return t.String()
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if len(n.Value) > 40 {
		return strconv.Quote(n.Value[:40]) + "…"
	}
	return strconv.Quote(n.Value)
}

// lazyRE returns a function that compiles expr on its first call: a
// review does not pay at start-up for the expressions of formats and
// commands it does not use.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
