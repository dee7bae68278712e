package kube

import (
	"fmt"
	"slices"
	"testing"
)

// clearCaches empties Candidates' and Fit's caches.
func clearCaches() {
	candCache.Clear()
	candCacheSize.Store(0)
	fitCache.Clear()
	fitCacheSize.Store(0)
}

// TestUnknownNamesShareTheCache: where a path or an outline names a field
// no schema knows, the places it can stand are the same for every such
// name, and the caches keep them once for all (a diff that elides 40,000
// stretches, each with its own unknown key, took 12 seconds when each was
// placed anew). What a later path gets from the cache must be what it
// gets from a cache that never saw the earlier one: its own names, not
// the earlier path's, and no more or fewer places. Known names (the
// vocabulary holds every field of the schemas, TestVocabIsTheSchemasWords)
// are never shared: image and ports stand in different places.
func TestUnknownNamesShareTheCache(t *testing.T) {
	schemaOnce.Do(buildSchemas)
	dep := SchemaFor("apps", "v1", "Deployment")
	type query struct {
		path   Path
		shape  Shape
		column int
	}
	var queries []query
	for _, names := range [][]Step{
		{Field("zzfoo")}, {Field("zzbar")}, {Field("image")}, {Field("ports")},
		{Field("zzfoo"), Field("zzbar")}, {Field("zzbar"), Field("zzfoo")}, {Field("zzfoo"), Field("zzfoo")},
		{Field("zzfoo"), Field("name")}, {Field("zzbar"), Field("name")}, {Field("containers"), Field("zzfoo")},
		{Field("zzqux"), AnyItem{}, Field("zzfoo")}, {Field("labels"), Field("zzfoo")},
	} {
		for _, shape := range []Shape{UnknownShape, ScalarShape, MappingShape} {
			for _, column := range []int{-1, 2, 8} {
				queries = append(queries, query{append(Path{Gap{}}, names...), shape, column})
			}
		}
	}
	fresh := make([][]string, len(queries))
	for i, q := range queries {
		clearCaches()
		fresh[i] = pathStrings(dep.Candidates(q.path, q.shape, q.column))
	}
	// every query after every other: each meets a cache filled by those
	// before it
	clearCaches()
	for round := range 2 {
		for i, q := range queries {
			if got := pathStrings(dep.Candidates(q.path, q.shape, q.column)); !slices.Equal(got, fresh[i]) {
				t.Errorf("round %d: Candidates(%v, %v, %d) = %v after other paths, want %v", round, q.path, q.shape, q.column, got, fresh[i])
			}
		}
	}
	if slices.Equal(fresh[2*9], fresh[3*9]) {
		t.Errorf("image and ports stand in the same places: the test does not tell known names apart")
	}

	// outlines: the changed entry below an unknown key, beside others
	build := func(parent, sibling, leaf string) *Outline {
		root := &Outline{Column: 4}
		root.Add(Field(sibling), false, 4).Shape = ScalarShape
		p := root.Add(Field(parent), false, 4)
		c := p.Add(Field(leaf), false, 6)
		c.Shape = ScalarShape
		return c
	}
	outlines := [][3]string{
		{"zzfoo", "zzbar", "x"}, {"zzqux", "zzquux", "x"}, {"zzfoo", "zzfoo", "x"}, {"zzqux", "zzqux", "x"},
		{"zzfoo", "image", "zzbar"}, {"zzqux", "image", "zzquux"}, {"resources", "zzfoo", "limits"}, {"resources", "zzbar", "limits"},
		{"zzfoo", "name", "zzfoo"}, {"zzbar", "name", "zzqux"},
	}
	want := make([][]string, len(outlines))
	for i, o := range outlines {
		clearCaches()
		want[i] = pathStrings(dep.Places(build(o[0], o[1], o[2]), 4))
	}
	clearCaches()
	for round := range 2 {
		for i, o := range outlines {
			if got := pathStrings(dep.Places(build(o[0], o[1], o[2]), 4)); !slices.Equal(got, want[i]) {
				t.Errorf("round %d: Places of %v = %v after other outlines, want %v", round, o, got, want[i])
			}
		}
	}
	if slices.Equal(want[4], want[6]) {
		t.Errorf("the outlines do not tell known names apart")
	}
}

func pathStrings(ps []Path) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprint(p)
	}
	return out
}
