package kube

import "testing"

// TestVocabIsTheSchemasWords: Intern's words, collected from the generated
// nodes without building the schemas, are the field names reachable from
// the built-in kinds' schemas, their kinds and groups and the common
// values: no more (a node no kind reaches) and no fewer.
func TestVocabIsTheSchemasWords(t *testing.T) {
	Intern("")
	schemaOnce.Do(buildSchemas)
	want := map[string]bool{"v1": true, "default": true, "true": true, "false": true, "null": true, "app": true, "name": true, "helm.sh/chart": true,
		"app.kubernetes.io/name": true, "app.kubernetes.io/instance": true, "app.kubernetes.io/version": true,
		"app.kubernetes.io/managed-by": true, "app.kubernetes.io/component": true, "app.kubernetes.io/part-of": true}
	seen := map[*Type]bool{}
	var walk func(t *Type)
	walk = func(t *Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		for i, f := range t.fields {
			want[f.name] = true
			walk(t.fieldType(i))
		}
		walk(t.Elem)
	}
	for _, b := range builtin {
		want[b.kind], want[b.group] = true, true
		walk(schemas[b.group+"/"+b.version+"/"+b.kind])
	}
	for w := range want {
		if v, ok := vocab[w]; !ok || v.s != w || v.step != Field(w) {
			t.Errorf("Intern does not share %q", w)
		}
	}
	for w := range vocab {
		if !want[w] {
			t.Errorf("Intern shares %q, which no built-in schema has", w)
		}
	}
	t.Logf("%d words", len(vocab))
}

// TestSchemaFieldsSorted: a struct type's fields are the generated
// node's, and FieldNames returns them in that order, which it documents as
// sorted: each node's fields are sorted by name, each name once.
func TestSchemaFieldsSorted(t *testing.T) {
	for i, n := range schemaNodes {
		for j := 1; j < len(n.fields); j++ {
			if n.fields[j-1].name >= n.fields[j].name {
				t.Errorf("node %d: field %q before %q", i, n.fields[j-1].name, n.fields[j].name)
			}
		}
	}
}
