package diffparse

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sync"

	"fmt"
	"io"
	"strconv"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/kube"
)

// This file is the exact reader: the YAML reader Helm and the API server
// use. sigs.k8s.io/yaml decodes a document with go-yaml v2 (YAML 1.1
// resolution; anchors, aliases and merge keys expanded; the last of
// duplicate keys wins; NEL, LS and PS are line breaks; alias bombs are an
// error) and turns it into JSON, which is what Kubernetes receives. The
// JSON is read back into a side tree whose nodes carry resolved values.

// maxExactBytes bounds a document read by the exact decoder, whose memory
// is a multiple of its input. Kubernetes stores no object above 1.5 MiB
// (etcd's default request limit), and the fast reader reads larger block
// style documents.
const maxExactBytes = 4 << 20

// aliasRE finds what may be an alias: a '*' where a YAML node can start.
var aliasRE = lazyRE(`(^|[\s\[{,:-])\*[^\s,\]}]`)

// maxAliasedBytes bounds a document with aliases: go-yaml refuses
// excessive aliasing only past a hundred aliases, and a hundred aliases of
// a large anchor multiply the document.
const maxAliasedBytes = 256 << 10

// decodeExact reads the whole document of lines (no elisions) with the
// exact reader into t. The error names the input line when go-yaml does,
// and never quotes the document (it may hold Secret data).
func (t *sideTree) decodeExact(lines []*bodyLine, typ *kube.Type) *exactError {
	var b strings.Builder
	size, first := 0, 0 // first: the document's first line (0: none, an empty document)
	if len(lines) > 0 {
		first = int(lines[0].no)
	}
	for _, l := range lines {
		size += (len(l.text) + 1) * l.count()
	}
	if size > maxExactBytes {
		return &exactError{line: first, msg: fmt.Sprintf("the document is %d bytes, over the %d the exact reader takes, and uses YAML the fast reader does not follow", size, maxExactBytes)}
	}
	b.Grow(size)
	aliases := false
	for _, l := range lines {
		aliases = aliases || strings.IndexByte(l.text, '*') >= 0 && aliasRE().MatchString(l.text)
		for range l.count() {
			b.WriteString(l.text)
			b.WriteByte('\n')
		}
	}
	if aliases && size > maxAliasedBytes {
		return &exactError{line: first, msg: fmt.Sprintf("the document is %d bytes and may use aliases, over the %d the exact reader expands", size, maxAliasedBytes)}
	}
	doc := []byte(b.String())
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return yamlError(err, lines)
	}
	if key, clash := jsonKeyClash(doc); clash {
		return &exactError{line: first, msg: fmt.Sprintf("two keys of one mapping that turn into the same JSON key %s", quoteClipped(key)), random: true}
	}
	t.reset(lines, typ)
	t.exact = true
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	// every error is an *exactError: the caller places it on a line
	tok, err := dec.Token()
	if err != nil {
		return &exactError{line: first, msg: fmt.Sprintf("reading the decoded document: %v", err)}
	}
	if tok != json.Delim('{') {
		return &exactError{line: first, msg: "the document is not a mapping (a Kubernetes object is one)"}
	}
	if err := t.jsonChildren(dec, root, '{', -1, 0); err != nil {
		return &exactError{line: first, msg: fmt.Sprintf("reading the decoded document: %v", err)}
	}
	t.sealed = true
	return nil
}

// jsonChildren reads the entries of an object or array (whose opening
// delimiter was read) as children of node n; own is the line they are
// attributed to (-1: none).
func (t *sideTree) jsonChildren(dec *json.Decoder, n int32, open json.Delim, own int32, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("the document nests more than %d levels deep", maxNesting)
	}
	idx := int32(0)
	for dec.More() {
		var key string
		if open == '{' {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ = tok.(string)
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		nd := tnode{index: -1, col: -1, childCol: -1, own: own, end: own, key: t.ref(own, key)}
		if open == '[' {
			nd.item, nd.index = true, idx
			idx++
		}
		switch v := tok.(type) {
		case json.Delim:
			nd.kind, nd.flow = kMap, true
			if v == '[' {
				nd.kind, nd.seqStart = kSeq, true
			}
			c := t.newNode(n, nd)
			if err := t.jsonChildren(dec, c, v, own, depth+1); err != nil {
				return err
			}
			t.nodes[c].items = int32(t.countChildren(c))
			continue
		case string:
			nd.kind, nd.raw, nd.vtype = kValue, t.ref(own, v), uint8(StringType)
		case json.Number:
			nd.kind, nd.raw, nd.vtype = kValue, t.ref(own, string(v)), uint8(numberType(string(v)))
		case bool:
			nd.kind, nd.raw, nd.vtype = kValue, t.ref(own, strconv.FormatBool(v)), uint8(BoolType)
		case nil:
			nd.kind, nd.raw, nd.vtype = kValue, t.ref(own, "null"), uint8(NullType)
		}
		t.newNode(n, nd)
	}
	_, err := dec.Token() // the closing delimiter
	return err
}

func (t *sideTree) countChildren(n int32) int {
	c := 0
	for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
		c++
	}
	return c
}

// graftFlow reads a one-line flow collection (the value text of node n on
// line i) with the exact reader and hangs its content below n. It reports
// false when the collection is not self-contained (anchors, aliases and
// tags refer to the rest of the document) or not valid YAML.
func (t *sideTree) graftFlow(i int, n int32, v string) bool {
	if strings.ContainsAny(v, "&*!") {
		return false
	}
	j, err := yaml.YAMLToJSON([]byte(v))
	if err != nil || len(j) == 0 || j[0] != '{' && j[0] != '[' {
		return false
	}
	if _, clash := jsonKeyClash([]byte(v)); clash {
		return false // the exact reader refuses the document
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	open, _ := tok.(json.Delim)
	nd := &t.nodes[n]
	nd.kind, nd.flow = kMap, true
	if open == '[' {
		nd.kind, nd.seqStart = kSeq, true
	}
	if err := t.jsonChildren(dec, n, open, int32(i), int(t.nodes[n].level)); err != nil {
		return false
	}
	t.nodes[n].items = int32(t.countChildren(n))
	if _, err := dec.Token(); err != io.EOF {
		return false
	}
	return true
}

var yamlLineRE = lazyRE(`^(?:error converting YAML to JSON: )?yaml: line (\d+): (.*)$`)

// yamlPhraseRE is what go-yaml's syntax errors say: fixed phrases that
// quote nothing of the document.
var yamlPhraseRE = lazyRE(`^[a-zA-Z][a-zA-Z ,'<>()\[\]{}:-]{0,120}$`)

// yamlError turns an error of the exact reader into one that names the
// input line and never quotes the document: go-yaml's own messages are kept
// only when they are one of its fixed phrases.
func yamlError(err error, lines []*bodyLine) *exactError {
	msg := err.Error()
	line := 0
	if m := yamlLineRE().FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		for _, l := range lines {
			if n >= 1 && n <= l.count() {
				line = int(l.no) + n - 1
				break
			}
			n -= l.count()
		}
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, "error converting YAML to JSON: "), "yaml: ")
	}
	switch {
	case strings.HasPrefix(msg, "unknown anchor "):
		// go-yaml quotes the alias's name, which may be a Secret's value
		// written unquoted (*Correct-Horse-Battery-Staple)
		return &exactError{line: line, msg: "an alias (*) names an anchor the document does not define before it"}
	case strings.HasPrefix(msg, "anchor ") && strings.HasSuffix(msg, " value contains itself"):
		return &exactError{line: line, msg: "an anchor's value holds an alias of itself"}
	case strings.HasPrefix(msg, "unsupported map key"):
		return &exactError{line: line, msg: "a mapping key that JSON cannot hold (null, a list or a mapping)", unjson: true}
	case strings.HasPrefix(msg, "json: unsupported value"):
		return &exactError{line: line, msg: "a value that JSON cannot hold (.inf or .nan)", unjson: true}
	case strings.Contains(msg, "`") || !yamlPhraseRE().MatchString(msg):
		msg = "invalid YAML"
	}
	return &exactError{line: line, msg: msg}
}

// exactError is an error of the exact reader.
type exactError struct {
	line int // input line, 0 when unknown
	msg  string
	// unjson: the document is YAML, but sigs.k8s.io/yaml cannot turn it
	// into JSON, so Kubernetes cannot read it
	unjson bool
	// random: sigs.k8s.io/yaml turns the document into JSON, but which of
	// two values it keeps is random
	random bool
}

// jsonKeyClash finds two keys of one mapping of a YAML document that
// sigs.k8s.io/yaml turns into the same JSON key: 1 and "1", true and
// "true" (or y, on, yes), 1.0 and "1". go-yaml keeps both (their YAML
// types differ), and the conversion keeps the one Go's map order puts
// last: which value Kubernetes receives, and helm reads, is random.
func jsonKeyClash(doc []byte) (string, bool) {
	var v any
	if yamlv2.Unmarshal(doc, &v) != nil {
		return "", false
	}
	return keyClash(v)
}

func keyClash(v any) (string, bool) {
	switch v := v.(type) {
	case map[any]any:
		seen := make(map[string]bool, len(v))
		for k, e := range v {
			if s, ok := jsonKeyOf(k); ok {
				if seen[s] {
					return s, true
				}
				seen[s] = true
			}
			if s, ok := keyClash(e); ok {
				return s, true
			}
		}
	case []any:
		for _, e := range v {
			if s, ok := keyClash(e); ok {
				return s, true
			}
		}
	}
	return "", false
}

// jsonKeyOf is the JSON key sigs.k8s.io/yaml makes of a mapping key that
// go-yaml decoded (its convertToJSONableObject).
func jsonKeyOf(k any) (string, bool) {
	switch k := k.(type) {
	case string:
		return k, true
	case int:
		return strconv.Itoa(k), true
	case int64:
		return strconv.FormatInt(k, 10), true
	case float64:
		switch s := strconv.FormatFloat(k, 'g', -1, 32); s {
		case "+Inf":
			return ".inf", true
		case "-Inf":
			return "-.inf", true
		case "NaN":
			return ".nan", true
		default:
			return s, true
		}
	case bool:
		return strconv.FormatBool(k), true
	}
	return "", false
}

// quoteClipped quotes a key for a message, cut to 40 bytes.
func quoteClipped(s string) string {
	if len(s) > 40 {
		s = strings.ToValidUTF8(s[:40], "") + "…"
	}
	return strconv.Quote(s)
}

func (e *exactError) Error() string { return e.msg }

// lazyRE returns a function that compiles expr on its first call: a
// review does not pay at start-up for the expressions of formats and
// commands it does not use.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
