package report

import (
	"strconv"
	"unicode/utf8"
)

// This file writes the objects of the JSON report by hand: the same bytes
// as encoding/json with two-space indentation and HTML escaping off
// (TestJSONWriterMatchesEncodingJSON holds it to that), at a fraction of
// the cost, which matters for releases of thousands of objects.

type jsonw struct {
	b   []byte
	pre string // indentation of the current object's braces
	n   int    // fields written in the current object
}

func (w *jsonw) open() {
	w.b = append(w.b, '{')
	w.n = 0
}

func (w *jsonw) key(k string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.pre...)
	w.b = append(w.b, "  \""...)
	w.b = append(w.b, k...)
	w.b = append(w.b, "\": "...)
}

func (w *jsonw) close() {
	if w.n > 0 {
		w.b = append(w.b, '\n')
		w.b = append(w.b, w.pre...)
	}
	w.b = append(w.b, '}')
}

func (w *jsonw) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

func (w *jsonw) strOmit(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *jsonw) int(k string, v int) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *jsonw) intOmit(k string, v int) {
	if v != 0 {
		w.int(k, v)
	}
}

func (w *jsonw) boolOmit(k string, v bool) {
	if v {
		w.key(k)
		w.b = append(w.b, "true"...)
	}
}

func (w *jsonw) strings(k string, vs []string, omitEmpty bool) {
	if len(vs) == 0 {
		if omitEmpty {
			return
		}
		w.key(k)
		if vs == nil {
			w.b = append(w.b, "null"...)
		} else {
			w.b = append(w.b, "[]"...)
		}
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, '\n')
		w.b = append(w.b, w.pre...)
		w.b = append(w.b, "    "...)
		w.b = appendJSONString(w.b, v)
	}
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.pre...)
	w.b = append(w.b, "  ]"...)
}

// appendObject appends o, whose opening brace stands at indentation pre.
func appendObject(b []byte, o *JSONObject, pre string) []byte {
	return appendObjectWith(b, o, pre, len(o.Changes), func(b []byte, i int, pre string) []byte {
		return appendChange(b, &o.Changes[i], pre)
	})
}

// appendObjectWith appends o with n changes that change appends, the
// change at index i with its opening brace at indentation pre, in place of
// o.Changes: a writer can render each change when it comes to it (and pass
// on what it has appended so far) instead of holding all of them at once.
// With n == 0, o.Changes says whether the list is null or empty.
func appendObjectWith(b []byte, o *JSONObject, pre string, n int, change func(b []byte, i int, pre string) []byte) []byte {
	w := &jsonw{b: b, pre: pre}
	w.open()
	w.str("ref", o.Ref)
	w.str("group", o.Group)
	w.strOmit("version", o.Version)
	w.str("kind", o.Kind)
	w.str("namespace", o.Namespace)
	w.str("name", o.Name)
	w.strOmit("release", o.Release)
	w.strOmit("file", o.File)
	w.str("action", o.Action)
	w.str("level", o.Level)
	w.str("rule", o.Rule)
	w.str("reason", o.Reason)
	w.intOmit("line", o.Line)
	w.strOmit("source", o.Source)
	w.str("content", o.Content)
	w.strings("culprits", o.Culprits, true)
	w.strOmit("oldOwner", o.OldOwner)
	w.strOmit("newOwner", o.NewOwner)
	w.key("changes")
	if n == 0 {
		if o.Changes == nil {
			w.b = append(w.b, "null"...)
		} else {
			w.b = append(w.b, "[]"...)
		}
	} else {
		w.b = append(w.b, '[')
		inner := pre + "    "
		for i := range n {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, '\n')
			w.b = append(w.b, inner...)
			w.b = change(w.b, i, inner)
		}
		w.b = append(w.b, '\n')
		w.b = append(w.b, pre...)
		w.b = append(w.b, "  ]"...)
	}
	w.close()
	return w.b
}

func appendChange(b []byte, c *JSONChange, pre string) []byte {
	w := &jsonw{b: b, pre: pre}
	w.open()
	w.str("path", c.Path)
	w.str("op", c.Op)
	if c.Old != nil {
		w.key("old")
		w.b = appendValue(w.b, c.Old, pre+"  ")
	}
	if c.New != nil {
		w.key("new")
		w.b = appendValue(w.b, c.New, pre+"  ")
	}
	w.str("level", c.Level)
	w.str("rule", c.Rule)
	w.str("reason", c.Reason)
	w.intOmit("line", c.Line)
	w.boolOmit("object", c.Object)
	w.boolOmit("approximate", c.Approximate)
	w.strOmit("place", c.Place)
	w.intOmit("places", c.Places)
	w.boolOmit("assumed", c.Assumed)
	w.strings("assumptions", c.Assumptions, true)
	w.boolOmit("replace", c.Replace)
	w.boolOmit("maybeReplace", c.MaybeReplace)
	w.strings("also", c.Also, true)
	w.strings("missing", c.Missing, true)
	if c.Lowered != nil {
		w.key("lowered")
		lw := &jsonw{b: w.b, pre: pre + "  "}
		lw.open()
		lw.str("level", c.Lowered.Level)
		lw.str("rule", c.Lowered.Rule)
		lw.close()
		w.b = lw.b
	}
	w.boolOmit("accepted", c.Accepted)
	w.strOmit("acceptReason", c.AcceptReason)
	w.close()
	return w.b
}

func appendValue(b []byte, v *JSONValue, pre string) []byte {
	w := &jsonw{b: b, pre: pre}
	w.open()
	w.str("kind", v.Kind)
	if v.Value != nil {
		w.str("value", *v.Value)
	}
	w.boolOmit("redacted", v.Redacted)
	if v.Bytes != nil {
		w.int("bytes", *v.Bytes)
	}
	w.close()
	return w.b
}

// appendJSONString quotes s as encoding/json does with HTML escaping off:
// ", \ and control characters escaped, U+2028 and U+2029 escaped, invalid
// UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	b = append(b, '"')
	return b
}
