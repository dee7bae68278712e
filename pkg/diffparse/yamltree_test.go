package diffparse

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// flatYAML flattens a decoded YAML value into leaf path → canonical text,
// with lists addressed by index.
func flatYAML(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			out[prefix] = "{}"
		}
		for k, x := range v {
			flatYAML(prefix+"/"+k, x, out)
		}
	case []any:
		if len(v) == 0 {
			out[prefix] = "[]"
		}
		for i, x := range v {
			flatYAML(prefix+"/"+strconv.Itoa(i), x, out)
		}
	case nil:
		out[prefix] = "null"
	case bool:
		out[prefix] = strconv.FormatBool(v)
	case float64:
		out[prefix] = strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		out[prefix] = strings.TrimRight(v, "\n")
	default:
		out[prefix] = fmt.Sprint(v)
	}
}

// flatTree flattens a side tree the same way.
func flatTree(t *sideTree, n int32, prefix string, out map[string]string) error {
	nd := &t.nodes[n]
	switch nd.kind {
	case kRoot, kMap:
		if nd.firstChild < 0 && nd.kind == kMap {
			out[prefix] = "{}"
		}
		for ch := nd.firstChild; ch >= 0; ch = t.nodes[ch].next {
			c := &t.nodes[ch]
			if c.kind == kDetached {
				return fmt.Errorf("detached node in a complete document at line %d", t.lines[c.own].no)
			}
			if c.item {
				return fmt.Errorf("list item in a mapping")
			}
			if err := flatTree(t, ch, prefix+"/"+c.key, out); err != nil {
				return err
			}
		}
	case kSeq:
		for ch := nd.firstChild; ch >= 0; ch = t.nodes[ch].next {
			c := &t.nodes[ch]
			if err := flatTree(t, ch, prefix+"/"+strconv.Itoa(int(c.index)), out); err != nil {
				return err
			}
		}
	case kPending:
		out[prefix] = "null"
	case kScalar, kMulti:
		raw := nd.raw
		if nd.kind == kMulti {
			raw = t.multiText(n)
			if raw == "" || (raw[0] != '[' && raw[0] != '{') {
				out[prefix] = raw
				return nil
			}
		}
		if raw != "" && (raw[0] == '[' || raw[0] == '{') {
			var v any
			if err := yaml.Unmarshal([]byte(raw), &v); err != nil {
				return err
			}
			flatYAML(prefix, v, out)
			return nil
		}
		v, tag := canonical(raw)
		if tag == tagStr || tag == tagNull || tag == tagBool {
			out[prefix] = v
		} else {
			f, _ := strconv.ParseFloat(v, 64)
			out[prefix] = strconv.FormatFloat(f, 'g', -1, 64)
		}
	case kBlock:
		if strings.HasPrefix(nd.raw, ">") {
			out[prefix] = "<folded>"
			return nil
		}
		out[prefix] = t.blockText(n)
	}
	return nil
}

// flatLines builds a side tree from the lines of one complete document
// and flattens it like flatYAML.
func flatLines(lines []string) (map[string]string, error) {
	var bl []*bodyLine
	for n, l := range lines {
		bl = append(bl, &bodyLine{text: l, no: n + 1, side: sideOld | sideNew})
	}
	var tr sideTree
	tr.build(bl, nil)
	got := map[string]string{}
	return got, flatTree(&tr, root, "", got)
}

// sides splits a full-context helm-diff "diff" output into its object
// bodies and rebuilds each side's text.
func sides(data string) [][2][]string {
	var out [][2][]string
	var cur *[2][]string
	for _, l := range strings.Split(data, "\n") {
		switch {
		case headerRE.MatchString(l) || sourceHeaderRE.MatchString(l):
			out = append(out, [2][]string{})
			cur = &out[len(out)-1]
		case cur == nil:
		case strings.HasPrefix(l, "  "):
			cur[0] = append(cur[0], l[2:])
			cur[1] = append(cur[1], l[2:])
		case strings.HasPrefix(l, "- "):
			cur[0] = append(cur[0], l[2:])
		case strings.HasPrefix(l, "+ "):
			cur[1] = append(cur[1], l[2:])
		}
	}
	return out
}

// TestTreeMatchesYAML rebuilds both sides of every full-context sample body
// with the line-based tree builder and compares every leaf value with what
// a YAML decoder reads from the same text.
func TestTreeMatchesYAML(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "helm-diff", "*"))
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		if strings.Contains(s, "\n...\n") || strings.Contains(s, "\x1b") || strings.Contains(s, "\r") || !headerRE.MatchString(strings.SplitN(s, "\n", 2)[0]) && !sourceHeaderRE.MatchString(strings.SplitN(s, "\n", 2)[0]) {
			continue
		}
		for i, obj := range sides(s) {
			for side, lines := range obj {
				text := strings.Join(lines, "\n")
				if strings.TrimSpace(text) == "" || strings.Contains(text, "Changes suppressed") || strings.Contains(text, "/") && len(lines) == 1 {
					continue
				}
				var doc any
				if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
					continue // not a whole document (line suppression)
				}
				want := map[string]string{}
				flatYAML("", doc, want)
				got, err := flatLines(lines)
				if err != nil {
					t.Errorf("%s object %d side %d: %v", filepath.Base(f), i, side, err)
					continue
				}
				for k, v := range got {
					if v == "<folded>" {
						delete(got, k)
						delete(want, k)
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s object %d side %d: tree differs from YAML (-yaml +tree):\n%s", filepath.Base(f), i, side, diff)
				}
				checked++
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d documents checked", checked)
	}
	t.Logf("%d documents checked", checked)
}

// TestTreeMatchesYAMLDocs covers YAML shapes the samples lack.
func TestTreeMatchesYAMLDocs(t *testing.T) {
	docs := []struct{ name, text string }{
		{"compact lists", "a:\n- x: 1\n  z: 2\n- x: 3\nb: c\n"},
		{"nested lists", "a:\n  - - 1\n    - 2\n  - - 3\n"},
		{"dash alone", "a:\n  -\n    name: x\n    v: 1\n"},
		{"multi-line plain", "a: this is\n  one value\nb: 2\n"},
		{"multi-line double quoted", "a: \"one\n  two\"\nb: 2\n"},
		{"multi-line single quoted with escaped quote", "a: 'it''s\n  here'\nb: 2\n"},
		{"multi-line flow", "a: [1,\n  2, 3]\nb: {x: 1,\n  y: 2}\nc: d\n"},
		{"block keep and strip", "a: |-\n  x\n  y\nb: |+\n  z\n\nc: 1\n"},
		{"comments everywhere", "# top\na: 1 # trailing\n# between\nb:\n  # inner\n  c: 2\n"},
		{"quoted keys", "\"a b\": 1\n'c:d': 2\n"},
		{"values with colons and hashes", "url: http://x:8080/a#frag\ncmd: echo a#b\n"},
		{"empty values", "a:\nb: {}\nc: []\nd: \"\"\n"},
		{"anchors and tags", "a: &x 1\nb: !!str 2\n"}, // YAML resolves !!str 2 to "2", which the tree also reads as 2
		{"deep indentation step", "a:\n      b: 1\n      c:\n         - 1\n"},
		{"list of maps with nested lists", "containers:\n  - name: a\n    args:\n      - --x\n      - --y\n    ports:\n      - containerPort: 80\n  - name: b\n"},
		{"numbers", "a: 0x1F\nb: 1_000\nc: 1.5e3\nd: .5\ne: -3\n"},
		{"value on the next line", "resources:\n  null\nb:\n  text\nc: 1\n"},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			var doc any
			if err := yaml.Unmarshal([]byte(d.text), &doc); err != nil {
				t.Fatalf("bad test document: %v", err)
			}
			want := map[string]string{}
			flatYAML("", doc, want)
			got, err := flatLines(strings.Split(strings.TrimRight(d.text, "\n"), "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tree differs from YAML (-yaml +tree):\n%s", diff)
			}
		})
	}
}
