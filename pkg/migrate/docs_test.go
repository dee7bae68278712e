package migrate

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// fieldPaths lists every field of the migration file's types, as the
// reference names them ("source.address", "clients[].name").
func fieldPaths(t reflect.Type, prefix string) []string {
	var out []string
	for name, idx := range fieldsOf(t) {
		f := t.FieldByIndex(idx)
		p := prefix + name
		out = append(out, p)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()):
			out = append(out, fieldPaths(ft, p+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, fieldPaths(ft.Elem(), p+"[].")...)
		}
	}
	return out
}

// TestReferenceCoversTheFormat: docs/migration-format.md has a row for
// every field of the Go types, and none for a field that does not exist.
func TestReferenceCoversTheFormat(t *testing.T) {
	data, err := os.ReadFile("../../docs/migration-format.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(string(data), -1) {
		rows[m[1]] = true
	}
	fields := map[string]bool{}
	for _, p := range fieldPaths(reflect.TypeFor[Migration](), "") {
		fields[p] = true
		if !rows[p] {
			t.Errorf("docs/migration-format.md has no row for %s", p)
		}
	}
	for r := range rows {
		if !fields[r] {
			t.Errorf("docs/migration-format.md documents %s, which is not a field", r)
		}
	}
	// the examples are valid migration files
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) < 2 {
		t.Fatal("no examples")
	}
	for _, b := range blocks {
		if _, err := Parse([]byte(b[1]), "example"); err != nil {
			t.Errorf("example: %v\n%s", err, strings.TrimSpace(b[1]))
		}
	}
}
