package diffparse

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// readBoth reads the lines of one complete document with both readers. It
// returns whether the fast reader claims to read it exactly, what each
// reader read (canonical JSON: keys sorted, the last of duplicates, values
// and types as the API server receives them), and the exact reader's error.
func readBoth(lines []string) (fast bool, fastJSON, exactJSON string, err error) {
	bl := make([]*bodyLine, len(lines))
	for i, l := range lines {
		bl[i] = &bodyLine{text: l, no: int32(i + 1), side: sideOld | sideNew, wide: strings.ContainsFunc(l, func(r rune) bool { return r >= 0x7f || r < 0x20 && r != '\t' }), tab: strings.Contains(l, "\t")}
		if isBlank(l) {
			bl[i].rep = 1
		}
	}
	var ft, xt sideTree
	ft.build(bl, nil)
	if ft.fast() {
		fast, fastJSON = true, ft.jsonText(root, true)
	}
	if e := xt.decodeExact(bl, nil); e == nil {
		exactJSON = xt.jsonText(root, true)
	} else {
		err = e
	}
	return fast, fastJSON, exactJSON, err
}

// checkDifferential fails when the fast reader claims a document it reads
// differently from the exact reader (or that the exact reader refuses).
func checkDifferential(t *testing.T, lines []string) (fast bool) {
	t.Helper()
	fast, got, want, err := readBoth(lines)
	if !fast {
		return false
	}
	if err != nil {
		t.Fatalf("the fast reader accepts a document the exact reader refuses (%v):\n%s", err, strings.Join(lines, "\n"))
	}
	if got != want {
		t.Fatalf("the fast reader reads a document differently from the exact reader:\nfast:  %s\nexact: %s\ndocument:\n%s", got, want, strings.Join(lines, "\n"))
	}
	return true
}

// sides splits a helm-diff "diff" output into its object bodies and
// rebuilds each side's lines; bodies with elisions are skipped.
func sides(data string) [][2][]string {
	var out [][2][]string
	var cur *[2][]string
	elided := false
	flush := func() {
		if cur != nil && !elided {
			out = append(out, *cur)
		}
		cur, elided = nil, false
	}
	for _, l := range strings.Split(data, "\n") {
		if _, ok := parseHeader(l, Pos{}); ok {
			flush()
			cur = &[2][]string{}
			continue
		}
		switch {
		case cur == nil:
		case l == "...":
			elided = true
		case l == "":
			cur[0] = append(cur[0], "")
			cur[1] = append(cur[1], "")
		case strings.HasPrefix(l, "  "):
			cur[0] = append(cur[0], l[2:])
			cur[1] = append(cur[1], l[2:])
		case strings.HasPrefix(l, "- "):
			cur[0] = append(cur[0], l[2:])
		case strings.HasPrefix(l, "+ "):
			cur[1] = append(cur[1], l[2:])
		default:
			flush()
		}
	}
	flush()
	return out
}

// captureDocuments returns the complete documents of every diff capture
// under testdata (helm-diff, Stevedore and helmfile streams).
func captureDocuments(t testing.TB) [][]string {
	var docs [][]string
	for _, dir := range []string{"helm-diff", "stevedore", "helmfile", "charts"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil || strings.Contains(string(data), "\x1b") {
				continue
			}
			for _, obj := range sides(strings.ReplaceAll(string(data), "\r", "")) {
				for _, lines := range obj {
					if strings.TrimSpace(strings.Join(lines, "")) != "" {
						docs = append(docs, lines)
					}
				}
			}
		}
	}
	return docs
}

// TestFastReaderMatchesExact reads both sides of every complete object of
// the captures with both readers: wherever the fast reader claims a
// document, it must read what go-yaml reads; and it must claim most of
// them, or the exact reader would cost the review its speed.
func TestFastReaderMatchesExact(t *testing.T) {
	docs := captureDocuments(t)
	fast := 0
	for _, lines := range docs {
		if checkDifferential(t, lines) {
			fast++
		}
	}
	if len(docs) < 100 || fast*10 < len(docs)*8 {
		t.Fatalf("the fast reader claims %d of %d documents", fast, len(docs))
	}
	t.Logf("the fast reader claims %d of %d documents", fast, len(docs))
}

// TestFastReaderDocs covers YAML shapes the captures lack: the fast reader
// either reads them as go-yaml does, or leaves them to the exact reader.
func TestFastReaderDocs(t *testing.T) {
	docs := []struct {
		name, text string
		fast       bool // the fast reader must claim it
	}{
		{"compact lists", "a:\n- x: 1\n  z: 2\n- x: 3\nb: c\n", true},
		{"nested lists", "a:\n  - - 1\n    - 2\n  - - 3\n", true},
		{"dash alone", "a:\n  -\n    name: x\n    v: 1\n", true},
		{"multi-line plain", "a: this is\n  one value\nb: 2\n", true},
		{"multi-line plain with a blank line", "a: this is\n\n  one value\nb: 2\n", true},
		{"multi-line double quoted", "a: \"one\n  two\"\nb: 2\n", false},
		{"multi-line single quoted with escaped quote", "a: 'it''s\n  here'\nb: 2\n", false},
		{"multi-line flow", "a: [1,\n  2, 3]\nb: {x: 1,\n  y: 2}\nc: d\n", false},
		{"one-line flow", "a: [1, \"2\", c]\nb: {x: 1, y: [2]}\nc: d\n", true},
		{"block strip", "a: |-\n  x\n  y\nb: 1\n", true},
		{"block keep", "b: |+\n  z\n\nc: 1\n", false},
		{"block clip with trailing blank lines", "a: |\n  x\n\n\nb: 1\n", true},
		{"block with inner blank lines", "a: |\n  x\n\n  y\nb: 1\n", true},
		{"block with deeper lines", "a: |\n  x\n    y\n  z\n", true},
		{"folded block", "a: >\n  x\n  y\n\n  z\n", false},
		{"comments everywhere", "# top\na: 1 # trailing\n# between\nb:\n  # inner\n  c: 2\n", true},
		{"quoted keys", "\"a b\": 1\n'c:d': 2\n", true},
		{"values with colons and hashes", "url: http://x:8080/a#frag\ncmd: echo a#b\n", true},
		{"values that start with an indicator character", "listen: :8080\nq: ?x\nflag: -x\nlist:\n- :a\n- ?b\n", true},
		{"empty values", "a:\nb: {}\nc: []\nd: \"\"\n", true},
		{"anchors and tags", "a: &x 1\nb: !!str 2\nc: *x\n", false},
		{"merge key", "d: &d {x: 1}\ne:\n  <<: *d\n  y: 2\n", false},
		{"deep indentation step", "a:\n      b: 1\n      c:\n         - 1\n", true},
		{"list of maps with nested lists", "containers:\n  - name: a\n    args:\n      - --x\n      - --y\n    ports:\n      - containerPort: 80\n  - name: b\n", true},
		{"numbers", "a: 0x1F\nb: 1_000\nc: 1.5e3\nd: .5\ne: -3\nf: 1.0\ng: 0b101\nh: 12345678901234567890\ni: 0o17\n", true},
		{"YAML 1.1 booleans", "a: yes\nb: Off\nc: y\nd: ~\ne: NULL\n", true},
		{"keys YAML reads as other types", "y: 1\non: 2\n1: 3\n", false},
		{"value on the next line", "resources:\n  null\nb:\n  text\nc: 1\n", false},
		{"duplicate keys, the last wins", "a: 1\nb: 2\na: 3\n", true},
		{"duplicate mappings, the last wins whole", "a:\n  p: 1\na:\n  q: 2\n", true},
		{"a Unicode line break inside a value", "l: a\u2028spec: x\n", false},
		{"an escaped line break", "s: \"Recre\\\n  ate\"\n", false},
		{"escapes", "a: \"x\\ty\\u00e9\\x41\"\nb: 'don''t'\n", true},
		{"an escape go-yaml refuses", "a: \"\\/\"\n", false},
		{"a timestamp stays a string", "a: 2024-01-01\nb: 2024-01-01T10:00:00Z\n", true},
		{"tabs", "a:\n\tb: 1\n", false},
		{"a tab after the first indentation of a block", "A: |\n \t0\n", false},
		{"a tab in a block's content", "a: |\n  x\n  \ty\n", true},
		{"infinity has no JSON", "a: .inf\n", false},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			if got := checkDifferential(t, strings.Split(strings.TrimRight(d.text, "\n"), "\n")); got != d.fast && d.fast {
				t.Errorf("the fast reader leaves this common shape to the exact reader")
			}
		})
	}
}

// FuzzFastReader is the differential test of the two readers: on every
// document the fast reader claims, it must read what the exact reader
// (go-yaml through sigs.k8s.io/yaml) reads: the same paths, values and
// types. Seeded with every complete document of the captures.
func FuzzFastReader(f *testing.F) {
	for _, lines := range captureDocuments(f) {
		f.Add(strings.Join(lines, "\n"))
	}
	for _, s := range []string{
		"a:\n- x: 1\n  z: 2\n- x: 3\nb: c",
		"a: |\n  x\n\n  y\nb: 1",
		"a: this is\n  one value\nb: 2",
		"a: [1, \"2\", c]\nb: {x: 1, y: [2]}",
		"a: \"x\\ty\\u00e9\"\nb: 'don''t'",
		"l: a\u2028spec: x",
		"a: 1\nb: 2\na: 3",
		// an empty flow value on the line after its key, as charts print
		// toYaml of an empty value with nindent
		"metadata:\n  annotations:\n    {}\n  name: x",
		"a:\n  []\nb: 1",
		"a:\n  {}\n  b: 1",
		"a:\n  {}\n  more",
		"a:\n  {} # none\nb:\n    []\n",
		"- a:\n    {}\n  b: 2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if len(doc) > 1<<16 {
			return
		}
		checkDifferential(t, strings.Split(doc, "\n"))
	})
}

// TestNodeSize bounds the bytes of a side tree's node: a tree has a node
// for nearly every line (a 100,000-item list of name/value pairs holds
// 300,000 in each side), and one object's trees are what its review peaks
// on. A node whose key and value were strings took 80 bytes.
func TestNodeSize(t *testing.T) {
	if got := unsafe.Sizeof(tnode{}); got > 64 {
		t.Errorf("a tree node takes %d bytes, want at most 64: are its key and value strings again?", got)
	}
}

// TestNodeStringsInLines checks that the keys and values of a plain
// document are kept as slices of their lines, not as strings of their own,
// and that those which are not slices (quoted keys, the exact reader's
// values) still read back whole.
func TestNodeStringsInLines(t *testing.T) {
	lines := []string{"apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: x", "data:", "  a: b", `  "q": 'v w'`, "  - c"}
	bl := make([]*bodyLine, len(lines))
	for i, l := range lines {
		bl[i] = &bodyLine{text: l, no: int32(i + 1), side: sideOld | sideNew}
	}
	var ft sideTree
	ft.build(bl[:6], nil)
	if len(ft.strs) != 0 {
		t.Errorf("a plain document kept %d strings of its own (%q), want none: keys and values are slices of their lines", len(ft.strs), ft.strs)
	}
	ft.build(bl[:7], nil)
	data := ft.child(root, "data")
	if q := ft.child(data, "q"); q < 0 || ft.rawOf(q) != `'v w'` {
		t.Errorf("the quoted key reads back as node %d, value %q", q, ft.rawOf(max(q, 0)))
	}
	var xt sideTree
	if e := xt.decodeExact(bl[:7], nil); e != nil {
		t.Fatal(e)
	}
	if got := xt.jsonText(root, true); !strings.Contains(got, `"q":"v w"`) || !strings.Contains(got, `"name":"x"`) {
		t.Errorf("the exact reader's tree reads back as %s", got)
	}
}

// TestBodyLineSize bounds the bytes of a body line: a dense object keeps
// one for each of its lines while it is read (a 100,000-item list has
// 200,000), with an int line number it took 40.
func TestBodyLineSize(t *testing.T) {
	if got := unsafe.Sizeof(bodyLine{}); got > 32 {
		t.Errorf("a body line takes %d bytes, want at most 32", got)
	}
}

// TestMaxInputClamped checks that no limit lets an input have more lines
// than a body line's int32 number counts.
func TestMaxInputClamped(t *testing.T) {
	if got := newInput(strings.NewReader(""), 1<<40).max; got != MaxInputLimit {
		t.Errorf("a MaxInput of 1 TiB reads up to %d bytes, want %d", got, MaxInputLimit)
	}
}

// FuzzIntSyntax: resolvePlain parses as an integer only what intSyntax
// admits (underscores removed); nothing it refuses is one to strconv
// (base 0, as go-yaml v2 reads plain integers).
func FuzzIntSyntax(f *testing.F) {
	for _, s := range []string{"0", "-1", "+7", "010", "0x1F", "0X1f", "0o17", "0b101", "0x", "1.0.0", "9f86d0", "1e3", "0_1", "deadbeef", "--1", "0b2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.ReplaceAll(s, "_", "") // as resolvePlain does first
		if intSyntax(s) {
			return
		}
		if _, err := strconv.ParseInt(s, 0, 64); err == nil {
			t.Errorf("intSyntax(%q) refuses an integer ParseInt reads", s)
		}
		if _, err := strconv.ParseUint(s, 0, 64); err == nil {
			t.Errorf("intSyntax(%q) refuses an integer ParseUint reads", s)
		}
	})
}
