package diffparse

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

// A sealed tree looks up the entries of a large mapping and the items of a
// large list through an index (see sideTree.entries): looking each one up
// by a walk of its siblings made a diff of 100,000 changed keys take 36
// seconds. These tests hold the index to what the walk finds, for every
// entry and item of trees read by both readers, with duplicate keys and
// items, elisions and detached stretches: the last of duplicates wins, as
// in go-yaml, and an entry the reader could not place is never found.

// indexDocuments returns documents (their lines; "..." marks an elision)
// with mappings and lists above smallMap entries.
func indexDocuments() [][]string {
	r := rand.New(rand.NewPCG(1, 2))
	var docs [][]string
	for d := range 12 {
		n := smallMap + 1 + r.IntN(60)
		lines := []string{"apiVersion: v1", "kind: ConfigMap", "data:"}
		for i := range n {
			k := fmt.Sprintf("k%d", r.IntN(n)) // duplicates, at any distance
			if d%3 == 0 && i%7 == 0 {
				// an escaped line break: only the exact reader reads it
				lines = append(lines, fmt.Sprintf("  %s: \"quoted\\", k), "    continued\"")
				continue
			}
			lines = append(lines, fmt.Sprintf("  %s: v%d", k, i))
		}
		lines = append(lines, "items:")
		for i := range n {
			lines = append(lines, fmt.Sprintf("  - name: n%d", r.IntN(n)), fmt.Sprintf("    value: v%d", i))
			if r.IntN(9) == 0 {
				lines = append(lines, "  - value: nameless")
			}
		}
		if d%4 == 1 {
			// elisions: detached stretches and entries placed below the
			// root; a root entry with an empty key, as a detached
			// stretch's own key is, and enough root entries for an index
			head := []string{"apiVersion: v1", `"": empty`}
			for i := range smallMap {
				head = append(head, fmt.Sprintf("r%d: v", i))
			}
			lines = append(head, lines[1:]...)
			var cut []string
			for i, l := range lines {
				cut = append(cut, l)
				if i > 3 && r.IntN(11) == 0 {
					cut = append(cut, "...")
				}
			}
			lines = cut
		}
		docs = append(docs, lines)
	}
	return docs
}

// indexTrees reads a document with the fast reader and, where it takes
// it, with the exact one.
func indexTrees(lines []string) []*sideTree {
	bl := make([]*bodyLine, len(lines))
	for i, l := range lines {
		bl[i] = &bodyLine{text: l, no: int32(i + 1), side: sideOld | sideNew}
		if l == "..." {
			bl[i] = &bodyLine{no: int32(i + 1), gap: true, side: sideOld | sideNew}
		}
	}
	var out []*sideTree
	ft := &sideTree{}
	ft.build(bl, nil)
	out = append(out, ft)
	xt := &sideTree{}
	if xt.decodeExact(bl, nil) == nil {
		out = append(out, xt)
	}
	return out
}

// walked returns what f finds with the index dropped: by a walk of the
// children, as an unsealed tree looks up.
func walked[T any](t *sideTree, f func() T) T {
	t.unseal()
	defer func() { t.sealed = true }()
	return f()
}

func TestLookupIndexMatchesWalk(t *testing.T) {
	indexed := 0
	for di, lines := range indexDocuments() {
		for ti, tr := range indexTrees(lines) {
			if !tr.sealed {
				t.Fatalf("document %d, tree %d: a built tree is not sealed", di, ti)
			}
			where := fmt.Sprintf("document %d (%s), tree %d", di, map[bool]string{true: "exact", false: "fast"}[tr.exact], ti)
			for n := range int32(len(tr.nodes)) {
				nd := tr.nodes[n]
				if tr.entries(n) != nil || tr.itemIndex(n, "name", false) != nil {
					indexed++
				}
				var keys []string
				var values []string
				for ch := nd.firstChild; ch >= 0; ch = tr.nodes[ch].next {
					c := &tr.nodes[ch]
					if !c.item {
						keys = append(keys, tr.str(c, c.key))
					} else if v, ok := tr.itemKey(ch, "name"); ok {
						values = append(values, v)
					}
					got := tr.effective(ch)
					if want := walked(tr, func() bool { return tr.effective(ch) }); got != want {
						t.Errorf("%s: effective(%d) = %v, the walk says %v", where, ch, got, want)
					}
				}
				for _, k := range append(keys, "absent", "") {
					got := tr.child(n, k)
					if want := walked(tr, func() int32 { return tr.child(n, k) }); got != want {
						t.Errorf("%s: child(%d, %q) = %d, the walk finds %d", where, n, k, got, want)
					}
				}
				steps := []kube.Step{kube.Key{Field: "name", Value: "absent"}, kube.Index(-1), kube.Index(1 << 20)}
				for _, v := range values {
					steps = append(steps, kube.Key{Field: "name", Value: v}, kube.Key{Field: "value", Value: v})
				}
				for i := range int(nd.items) + 1 {
					steps = append(steps, kube.Index(i))
				}
				for _, s := range steps {
					got := tr.step(n, s)
					if want := walked(tr, func() int32 { return tr.step(n, s) }); got != want {
						t.Errorf("%s: step(%d, %v) = %d, the walk finds %d", where, n, s, got, want)
					}
				}
			}
		}
	}
	if indexed < 20 {
		t.Fatalf("only %d indexed mappings and lists: the documents do not exercise the index", indexed)
	}
}

// A tree that changes is not looked up through an index built before the
// change: adding an entry unseals it.
func TestLookupIndexDroppedOnChange(t *testing.T) {
	lines := []string{"data:"}
	for i := range smallMap + 4 {
		lines = append(lines, fmt.Sprintf("  k%d: v", i))
	}
	tr := indexTrees(lines)[0]
	data := tr.child(root, "data")
	if tr.entries(data) == nil {
		t.Fatal("no index for a mapping above smallMap entries")
	}
	ch := tr.newNode(data, tnode{kind: kValue, key: tr.keep("k0"), index: -1, own: -1, end: -1})
	if tr.sealed || tr.keys != nil {
		t.Fatal("a new node leaves the tree sealed, or its index kept")
	}
	if got := tr.child(data, "k0"); got != ch {
		t.Fatalf("after a duplicate k0 was added: child(data, k0) = %d, want the new entry %d", got, ch)
	}
	if !strings.HasPrefix(tr.keyOf(ch), "k0") {
		t.Fatalf("the new entry's key is %q", tr.keyOf(ch))
	}
}

// TestLookupIndexNotInherited: the parser reuses its trees from object to
// object, and a complete update that only rewrites values copies the old
// side's tree into the new side's (patch.go) rather than building it. An
// index of the previous object's tree must not survive into the next one:
// there, the second ConfigMap's data (where the first one's stood, under
// other keys) was looked up in the first one's, and a binaryData key that
// repeats a data key, which the API server refuses, was not found.
func TestLookupIndexNotInherited(t *testing.T) {
	var in strings.Builder
	// a new ConfigMap: its tree is built, and its data looked up
	in.WriteString("default, a, ConfigMap (v1) has been added:\n- \n+ apiVersion: v1\n+ binaryData:\n+   zz: eA==\n+ data:\n")
	for i := range smallMap + 4 {
		fmt.Fprintf(&in, "+   a%d: v\n", i)
	}
	in.WriteString("+ kind: ConfigMap\n+ metadata:\n+   name: a\n")
	// an update that rewrites a value: its new tree is the old one's copy
	in.WriteString("default, b, ConfigMap (v1) has changed:\n  apiVersion: v1\n  binaryData:\n    dup: eA==\n  data:\n")
	for i := range smallMap + 4 {
		fmt.Fprintf(&in, "    b%d: v\n", i)
	}
	in.WriteString("    dup: p\n-   bz: p\n+   bz: q\n  kind: ConfigMap\n  metadata:\n    name: b\n")
	for _, workers := range []int{1, 2} {
		plan, err := Parse(strings.NewReader(in.String()), Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Objects) != 2 {
			t.Fatalf("%d objects, want 2", len(plan.Objects))
		}
		if a := plan.Objects[0]; len(a.Refused) != 0 {
			t.Errorf("workers %d: %s refused: %v", workers, a.Ref, a.Refused)
		}
		b := plan.Objects[1]
		if len(b.Refused) != 1 || !strings.Contains(b.Refused[0].Text, `binaryData["dup"] must not repeat a key of data`) {
			t.Errorf("workers %d: %s: refused %v, want the binaryData key that repeats a data key", workers, b.Ref, b.Refused)
		}
	}
}
