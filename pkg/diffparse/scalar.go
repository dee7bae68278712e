package diffparse

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file resolves YAML scalars the way Kubernetes reads them: Helm and
// the API server turn YAML into JSON with sigs.k8s.io/yaml, which decodes
// with go-yaml v2 (YAML 1.1 resolution: yes/no/on/off are booleans, 0x1F
// and 0b101 are integers, 2024-01-01 stays a string) and marshals the result
// with encoding/json. A scalar's canonical form is the JSON it becomes.

// scalar is a resolved scalar value.
type scalar struct {
	// text is the value as written, decoded (quotes and escapes removed;
	// a plain scalar keeps its spelling: "yes" stays "yes").
	text string
	// canon is what the API server receives: the string itself, or the
	// JSON number, true, false or null.
	canon string
	typ   ScalarType
}

func (s scalar) equal(o scalar) bool { return s.typ == o.typ && s.canon == o.canon }

// stringScalar is a scalar of type string.
func stringScalar(s string) scalar { return scalar{text: s, canon: s, typ: StringType} }

var nullScalar = scalar{text: "null", canon: "null", typ: NullType}

// yamlStyleFloat is go-yaml v2's float syntax (resolve.go).
var yamlStyleFloat = lazyRE(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// resolvePlain resolves a plain scalar as go-yaml v2's resolve() does for
// an untagged value, and returns its JSON form and type. ok is false for
// the values that have no JSON form (.inf, .nan): sigs.k8s.io/yaml fails
// on them, and so must the reader.
func resolvePlain(s string) (canon string, typ ScalarType, ok bool) {
	if s == "" {
		return "null", NullType, true
	}
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return "true", BoolType, true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return "false", BoolType, true
	case "~", "null", "Null", "NULL":
		return "null", NullType, true
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF":
		return "", FloatType, false
	}
	switch c := s[0]; {
	case c == '.':
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return jsonFloat(f)
		}
	case (c == '+' || c == '-' || c >= '0' && c <= '9') && numberBytes(s):
		plain := strings.ReplaceAll(s, "_", "")
		// only what strconv can read as an integer is parsed as one (a
		// failed parse allocates its error, and a chart's checksums and
		// versions are many)
		if intSyntax(plain) {
			if n, err := strconv.ParseInt(plain, 0, 64); err == nil {
				return strconv.FormatInt(n, 10), IntType, true
			}
			if n, err := strconv.ParseUint(plain, 0, 64); err == nil {
				return strconv.FormatUint(n, 10), IntType, true
			}
		}
		if yamlStyleFloat().MatchString(plain) {
			if f, err := strconv.ParseFloat(plain, 64); err == nil {
				return jsonFloat(f)
			}
		}
		if strings.HasPrefix(plain, "0b") {
			if n, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
				return strconv.FormatInt(n, 10), IntType, true
			}
			if n, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
				return strconv.FormatUint(n, 10), IntType, true
			}
		} else if strings.HasPrefix(plain, "-0b") {
			if n, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
				return strconv.FormatInt(int64(int(n)), 10), IntType, true
			}
		}
	}
	return s, StringType, true
}

// intSyntax reports whether s has the syntax of strconv.ParseInt's base
// 0 without underscores: an optional sign, then decimal digits, or 0x, 0o
// or 0b and digits of that base. Values it refuses cannot be integers.
func intSyntax(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			s, digit = s[2:], func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
		case 'o', 'O':
			s, digit = s[2:], func(c byte) bool { return c >= '0' && c <= '7' }
		case 'b', 'B':
			s, digit = s[2:], func(c byte) bool { return c == '0' || c == '1' }
		}
	}
	for i := 0; i < len(s); i++ {
		if !digit(s[i]) {
			return false
		}
	}
	return true
}

// numberBytes reports whether s holds only bytes that the integer and
// float syntaxes resolvePlain tries can hold (digits, hex digits, base
// prefixes, signs, points, exponents, underscores): a value with any
// other byte is a string, without failed parses (each allocates its
// error).
func numberBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		case c == 'x', c == 'X', c == 'o', c == 'O', c == '+', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return true
}

// jsonFloat formats a float as encoding/json does, and types it by the
// literal: an integral value prints as an integer literal, which an
// integer field accepts.
func jsonFloat(f float64) (string, ScalarType, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", FloatType, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(nil, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return string(b), numberType(string(b)), true
}

// numberType types a JSON number literal.
func numberType(lit string) ScalarType {
	if strings.ContainsAny(lit, ".eE") {
		return FloatType
	}
	return IntType
}

// resolveKey resolves a plain mapping key. ok is false when the key is not
// a string to go-yaml (y, 1, true, null, <<, ...): sigs.k8s.io/yaml then
// rewrites it ("y" becomes "true") or fails, which only the exact decoder
// reproduces.
func resolveKey(s string) bool {
	if s == "<<" {
		return false
	}
	_, typ, ok := resolvePlain(s)
	return ok && typ == StringType
}

// plainScalar resolves a one-line plain scalar (already checked with
// plainOK).
func plainScalar(s string) (scalar, bool) {
	canon, typ, ok := resolvePlain(s)
	return scalar{text: s, canon: canon, typ: typ}, ok
}

// plainOK reports whether s is a one-line plain scalar that go-yaml reads
// as written: no indicator first, no ": " or " #" inside, no ':' last.
// What it refuses may still be YAML; the exact decoder reads it.
func plainOK(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', ',':
		return false
	case '-', '?', ':':
		// an indicator, unless a character that can follow it in a plain
		// scalar comes next (-x, ?x, :8080)
		if len(s) == 1 || s[1] == ' ' || s[1] == '\t' || strings.IndexByte(",[]{}#", s[1]) >= 0 && s[0] != '-' {
			return false
		}
	}
	if s[len(s)-1] == ':' || s == "<<" {
		return false
	}
	for i := 1; i < len(s); i++ {
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			break
		}
		i += j
		if s[i-1] == ':' {
			return false // ": "
		}
		if i+1 < len(s) && s[i+1] == '#' {
			return false // " #"
		}
	}
	if len(s) <= 5 && strings.IndexByte(s, '.') >= 0 {
		if _, _, ok := resolvePlain(s); !ok {
			return false // .inf and .nan: no JSON form
		}
	}
	return true
}

// quotedScalar decodes a one-line quoted scalar (the quotes included).
// ok is false for anything go-yaml would refuse or that needs more than
// one line.
func quotedScalar(q string) (scalar, bool) {
	if len(q) < 2 || q[len(q)-1] != q[0] {
		return scalar{}, false
	}
	body := q[1 : len(q)-1]
	var s string
	var ok bool
	if q[0] == '\'' {
		s, ok = unquoteSingle(body)
	} else {
		s, ok = unquoteDouble(body)
	}
	if !ok {
		return scalar{}, false
	}
	return stringScalar(s), true
}

// unquoteSingle decodes the body of a single-quoted scalar: ” is a quote.
func unquoteSingle(body string) (string, bool) {
	for i := 0; i < len(body); i++ {
		if body[i] == '\'' {
			if i+1 >= len(body) || body[i+1] != '\'' {
				return "", false // a lone quote ends the scalar early
			}
			i++
		}
	}
	return strings.ReplaceAll(body, "''", "'"), true
}

// unquoteDouble decodes the body of a double-quoted scalar with go-yaml
// v2's escapes (scannerc.go); an unknown escape or an invalid code point
// is an error there, and not ok here.
func unquoteDouble(body string) (string, bool) {
	if !strings.ContainsAny(body, "\\\"") {
		return body, true
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '"' {
			return "", false // an unescaped quote ends the scalar early
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", false
		}
		n := 0
		switch e := body[i]; e {
		case '0':
			b.WriteByte(0)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 't', '\t':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'v':
			b.WriteByte('\v')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'e':
			b.WriteByte(0x1b)
		case ' ', '"', '\'', '\\':
			b.WriteByte(e)
		case 'N':
			b.WriteString("\u0085")
		case '_':
			b.WriteString("\u00a0")
		case 'L':
			b.WriteString("\u2028")
		case 'P':
			b.WriteString("\u2029")
		case 'x':
			n = 2
		case 'u':
			n = 4
		case 'U':
			n = 8
		default:
			return "", false
		}
		if n > 0 {
			if i+1+n > len(body) {
				return "", false
			}
			v, err := strconv.ParseUint(body[i+1:i+1+n], 16, 32)
			if err != nil || v >= 0xD800 && v <= 0xDFFF || v > 0x10FFFF {
				return "", false
			}
			b.WriteRune(rune(v))
			i += n
		}
	}
	return b.String(), true
}

// quotedEnd reports whether the quoted scalar starting s is closed on this
// line, and the length of the quoted part.
func quotedEnd(s string) (bool, int) {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			if q == '\'' && i+1 < len(s) && s[i+1] == '\'' {
				i++ // '' is an escaped quote
				continue
			}
			return true, i + 1
		}
	}
	return false, len(s)
}

// oddRune reports whether r is a character go-yaml reads differently from
// a line-based reader: a line break other than LF (NEL, LS, PS), a byte
// order mark, or a character YAML does not allow in a stream.
func oddRune(r rune) bool {
	switch {
	case r == utf8.RuneError, r == 0x85, r == 0x2028, r == 0x2029, r == 0xFEFF:
		return true
	case r < 0x80:
		return r < 0x20 && r != '\t' || r == 0x7f
	case r < 0xA0:
		return true
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return false
}

// oddText reports whether a line holds a character that oddRune refuses.
func oddText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			for _, r := range s[i:] {
				if oddRune(r) {
					return true
				}
			}
			return false
		}
		if s[i] < 0x20 && s[i] != '\t' || s[i] == 0x7f {
			return true
		}
	}
	return false
}
