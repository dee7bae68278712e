package kube

import (
	"fmt"
	"strconv"
	"strings"
)

// Step is one step of a [Path]. The set of steps is closed:
// [Field], [Index], [Key], [AnyItem], [AnyField] and [Gap].
type Step interface {
	isStep()
}

// Field selects a mapping key or an object field by name.
type Field string

// Index selects the list item at a zero-based position.
type Index int

// Key selects the list item whose scalar field Field equals Value,
// as in containers[name=app]. Name-keyed lists (containers, env, ports,
// volumes, volumeMounts, …) are addressed this way, never by index.
type Key struct {
	Field string
	Value string
}

// AnyItem is a list item that could not be identified, because the lines
// that would identify it were elided from the diff. It prints as "[?]".
type AnyItem struct{}

// AnyField is a mapping key that is not known. It only appears in candidate
// paths built from a schema, and prints as "?".
type AnyField struct{}

// Gap stands for zero or more unknown ancestor steps. It only appears as the
// first step of a path, when the lines above a change were elided from the
// diff. It prints as "...".
type Gap struct{}

func (Field) isStep()    {}
func (Index) isStep()    {}
func (Key) isStep()      {}
func (AnyItem) isStep()  {}
func (AnyField) isStep() {}
func (Gap) isStep()      {}

var (
	_ Step = Field("")
	_ Step = Index(0)
	_ Step = Key{}
	_ Step = AnyItem{}
	_ Step = AnyField{}
	_ Step = Gap{}
)

// Path is a field path from the root of a Kubernetes object, such as
// spec.template.spec.containers[name=app].image. The empty path is the
// object itself.
//
// The canonical syntax, printed by [Path.String] and read by [ParsePath]:
//
//   - a field whose name consists of letters, digits, '_', '-' and '/' is
//     written bare and separated by '.': metadata.annotations.checksum/config
//   - any other field is quoted: metadata.labels["helm.sh/chart"]
//   - [3] is a list index, [name=app] a keyed list item (the value is quoted
//     when it holds other characters: [mountPath="/var/lib/data"] is not
//     needed, '/' is allowed, but [name="a]b"] is)
//   - [?] is an unidentified list item, ? an unknown mapping key
//   - a leading ... marks elided ancestors: ...spec.containers[name=web].image
type Path []Step

// String returns the canonical syntax of p. The root path prints as "".
func (p Path) String() string {
	var buf [96]byte
	return string(p.Append(buf[:0]))
}

// Append appends the canonical syntax of p (as [Path.String] returns it)
// to b, so that a path can be written or looked up without a string of
// its own.
func (p Path) Append(b []byte) []byte {
	for i, s := range p {
		switch s := s.(type) {
		case Field:
			name := string(s)
			if bareName(name) {
				if i > 0 {
					if _, gap := p[i-1].(Gap); !gap {
						b = append(b, '.')
					}
				}
				b = append(b, name...)
			} else {
				b = append(b, '[')
				b = strconv.AppendQuote(b, name)
				b = append(b, ']')
			}
		case AnyField:
			if i > 0 {
				if _, gap := p[i-1].(Gap); !gap {
					b = append(b, '.')
				}
			}
			b = append(b, '?')
		case Index:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s), 10)
			b = append(b, ']')
		case Key:
			b = append(b, '[')
			b = append(b, s.Field...)
			b = append(b, '=')
			if bareValue(s.Value) {
				b = append(b, s.Value...)
			} else {
				b = strconv.AppendQuote(b, s.Value)
			}
			b = append(b, ']')
		case AnyItem:
			b = append(b, "[?]"...)
		case Gap:
			b = append(b, "..."...)
		}
	}
	return b
}

// Exact reports whether p is a fully known path: no [Gap], [AnyItem] or
// [AnyField] steps.
func (p Path) Exact() bool {
	for _, s := range p {
		switch s.(type) {
		case Gap, AnyItem, AnyField:
			return false
		}
	}
	return true
}

// Elided reports whether p starts with a [Gap].
func (p Path) Elided() bool {
	if len(p) == 0 {
		return false
	}
	_, ok := p[0].(Gap)
	return ok
}

// Last returns the last step of p, or nil for the root path.
func (p Path) Last() Step {
	if len(p) == 0 {
		return nil
	}
	return p[len(p)-1]
}

// Index returns the i-th step of p; a negative i counts from the end.
// It returns nil when i is out of range.
func (p Path) Index(i int) Step {
	if i < 0 {
		i += len(p)
	}
	if i < 0 || i >= len(p) {
		return nil
	}
	return p[i]
}

// Child returns a new path with s appended; p is not modified.
func (p Path) Child(s Step) Path {
	q := make(Path, len(p)+1)
	copy(q, p)
	q[len(p)] = s
	return q
}

// HasPrefix reports whether p starts with the steps of prefix.
func (p Path) HasPrefix(prefix Path) bool {
	if len(prefix) > len(p) {
		return false
	}
	for i := range prefix {
		if !stepEqual(p[i], prefix[i]) {
			return false
		}
	}
	return true
}

// Equal reports whether p and q have the same steps.
func (p Path) Equal(q Path) bool {
	return len(p) == len(q) && p.HasPrefix(q)
}

func stepEqual(a, b Step) bool {
	switch a := a.(type) {
	case Field:
		b, ok := b.(Field)
		return ok && a == b
	case Index:
		b, ok := b.(Index)
		return ok && a == b
	case Key:
		b, ok := b.(Key)
		return ok && a == b
	case AnyItem:
		_, ok := b.(AnyItem)
		return ok
	case AnyField:
		_, ok := b.(AnyField)
		return ok
	case Gap:
		_, ok := b.(Gap)
		return ok
	}
	return false
}

// Fields returns the path as dotted field names, for display, with list
// steps rendered as in [Path.String]. It is a convenience for messages.
func (p Path) Fields() []string {
	out := make([]string, 0, len(p))
	for i := range p {
		out = append(out, Path{p[i]}.String())
	}
	return out
}

func bareName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '/') {
			return false
		}
	}
	return true
}

func bareValue(s string) bool {
	if s == "" || s == "?" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '/' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// PathError is a syntax error in a path or path pattern, at a byte offset.
type PathError struct {
	Input  string
	Offset int
	Msg    string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("bad path %q at offset %d: %s", e.Input, e.Offset, e.Msg)
}

// ParsePath reads the canonical syntax printed by [Path.String].
// ParsePath(p.String()) equals p for every path p built from the step types
// whose only [Gap] is its first step, whose indexes are not negative and
// whose key fields are bare names; in particular for every path ParsePath
// returns.
func ParsePath(s string) (Path, error) {
	toks, err := lexPath(s, false)
	if err != nil {
		return nil, err
	}
	p := make(Path, 0, len(toks))
	for _, t := range toks {
		p = append(p, t.step)
	}
	return p, nil
}

// token is one lexed step; glob tokens are only produced for patterns.
type token struct {
	step   Step
	off    int
	glob   bool // field or key value contains glob metacharacters (patterns only)
	kind   tokKind
	field  string // for tokKeyed: the key field
	value  string // for tokKeyed and tokField: name or value text
	quoted bool
}

type tokKind int

const (
	tokField tokKind = iota
	tokIndex
	tokKeyed
	tokAnyItem  // [?] in paths, [*] in patterns
	tokAnyField // ? in paths, * in patterns
	tokGap      // ... in paths, ** in patterns
)

// lexPath splits a path or pattern into steps. With pattern set, '*' and '?'
// are glob characters inside bare names and key values, "*" alone is any
// field, "**" any depth and "[*]" any list item.
func lexPath(s string, pattern bool) ([]token, error) {
	var toks []token
	i := 0
	errf := func(off int, format string, args ...any) error {
		return &PathError{Input: s, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	if !pattern && strings.HasPrefix(s, "...") {
		toks = append(toks, token{step: Gap{}, off: 0, kind: tokGap})
		i = 3
		if i == len(s) {
			return toks, nil
		}
		if s[i] == '.' {
			return nil, errf(i, "unexpected '.' after '...'")
		}
	}
	first := true
	for i < len(s) {
		start := i
		switch {
		case s[i] == '[':
			j := i + 1
			if j < len(s) && s[j] == '"' {
				// quoted field name
				name, n, err := unquoteAt(s, j)
				if err != nil {
					return nil, errf(j, "%v", err)
				}
				j += n
				if j >= len(s) || s[j] != ']' {
					return nil, errf(j, "expected ']' after quoted name")
				}
				toks = append(toks, token{step: Field(name), off: start, kind: tokField, value: name, quoted: true, glob: pattern && hasGlob(name)})
				i = j + 1
			} else {
				end := strings.IndexByte(s[j:], ']')
				inner := ""
				if eq := strings.IndexByte(s[j:], '='); eq >= 0 && (end < 0 || eq < end) {
					// keyed item: field=value, where value may be quoted
					field := s[j : j+eq]
					if !bareName(field) {
						return nil, errf(j, "bad key field %q", field)
					}
					k := j + eq + 1
					var value string
					quoted := false
					if k < len(s) && s[k] == '"' {
						v, n, err := unquoteAt(s, k)
						if err != nil {
							return nil, errf(k, "%v", err)
						}
						value, quoted = v, true
						k += n
					} else {
						e := strings.IndexByte(s[k:], ']')
						if e < 0 {
							return nil, errf(k, "missing ']'")
						}
						value = s[k : k+e]
						if value == "" {
							return nil, errf(k, "empty key value")
						}
						if !bareValue(value) && !(pattern && bareGlobValue(value)) {
							return nil, errf(k, "key value %q must be quoted", value)
						}
						k += e
					}
					if k >= len(s) || s[k] != ']' {
						return nil, errf(k, "expected ']'")
					}
					toks = append(toks, token{step: Key{Field: field, Value: value}, off: start, kind: tokKeyed, field: field, value: value, quoted: quoted, glob: pattern && !quoted && hasGlob(value)})
					i = k + 1
					break
				}
				if end < 0 {
					return nil, errf(i, "missing ']'")
				}
				inner = s[j : j+end]
				switch {
				case inner == "?" && !pattern, inner == "*" && pattern:
					toks = append(toks, token{step: AnyItem{}, off: start, kind: tokAnyItem})
				case inner == "":
					return nil, errf(j, "empty brackets")
				default:
					n, err := strconv.Atoi(inner)
					if err != nil || !digits(inner) || (len(inner) > 1 && inner[0] == '0') {
						return nil, errf(j, "bad list index %q", inner)
					}
					toks = append(toks, token{step: Index(n), off: start, kind: tokIndex})
				}
				i = j + end + 1
			}
		default:
			if !first || (len(toks) > 0 && toks[len(toks)-1].kind != tokGap) {
				if s[i] != '.' {
					return nil, errf(i, "expected '.' or '['")
				}
				i++
				if i == len(s) {
					return nil, errf(i, "path ends with '.'")
				}
			} else if s[i] == '.' {
				return nil, errf(i, "path starts with '.'")
			}
			if s[i] == '[' {
				// a quoted field after a dot is not canonical but harmless
				continue
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			name := s[i:j]
			switch {
			case name == "":
				return nil, errf(i, "empty field name")
			case !pattern && name == "?":
				toks = append(toks, token{step: AnyField{}, off: i, kind: tokAnyField})
			case pattern && name == "*":
				toks = append(toks, token{step: AnyField{}, off: i, kind: tokAnyField})
			case pattern && name == "**":
				toks = append(toks, token{step: Gap{}, off: i, kind: tokGap})
			case bareName(name):
				toks = append(toks, token{step: Field(name), off: i, kind: tokField, value: name})
			case pattern && bareGlobName(name):
				toks = append(toks, token{step: Field(name), off: i, kind: tokField, value: name, glob: true})
			default:
				return nil, errf(i, "field %q must be quoted as [%q]", name, name)
			}
			i = j
		}
		first = false
	}
	return toks, nil
}

// digits reports whether s is all decimal digits: Atoi also takes a sign,
// which String never prints ("[+1]", "[-0]").
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func unquoteAt(s string, i int) (string, int, error) {
	// find the closing quote, honouring backslash escapes
	j := i + 1
	for j < len(s) {
		switch s[j] {
		case '\\':
			j += 2
			continue
		case '"':
			v, err := strconv.Unquote(s[i : j+1])
			if err != nil {
				return "", 0, fmt.Errorf("bad quoted string: %v", err)
			}
			return v, j + 1 - i, nil
		}
		j++
	}
	return "", 0, fmt.Errorf("unterminated quoted string")
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?") }

func bareGlobName(s string) bool {
	return bareName(strings.NewReplacer("*", "a", "?", "a").Replace(s))
}

func bareGlobValue(s string) bool {
	return bareValue(strings.NewReplacer("*", "a", "?", "a").Replace(s))
}
