package diffparse

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// scalarTag is the type a YAML scalar resolves to. Kubernetes reads YAML
// through sigs.k8s.io/yaml (YAML 1.1 rules for plain scalars).
type scalarTag uint8

const (
	tagStr scalarTag = iota
	tagInt
	tagFloat
	tagBool
	tagNull
)

// decodeScalar returns the text and type of a one-line scalar as written
// (plain, single- or double-quoted, or a flow collection kept verbatim).
// Plain scalars keep their text ("y" stays "y"); [canonical] gives the
// form used to compare values.
func decodeScalar(raw string) (string, scalarTag) {
	if raw != "" && raw[0] != '"' && raw[0] != '\'' && raw[0] != '[' && raw[0] != '{' {
		_, tag := resolvePlain(raw)
		return raw, tag
	}
	return canonical(raw)
}

// canonical returns the value of a one-line scalar in a form where equal
// values compare equal (1.0 and 1.00, yes and true).
func canonical(raw string) (string, scalarTag) {
	if raw == "" {
		return "", tagNull
	}
	switch raw[0] {
	case '"', '\'':
		v, err := unquoteScalar(raw)
		if err != nil {
			return raw, tagStr
		}
		return v, tagStr
	case '[', '{':
		return raw, tagStr
	}
	return resolvePlain(raw)
}

// yamlFloatRE is the float syntax of go-yaml v2's resolver, which
// sigs.k8s.io/yaml uses. strconv.ParseFloat alone also reads "+inf",
// "Infinity", "nan" or hex floats, which are strings in YAML: taken as
// numbers, two such strings could compare equal and a change pass as a
// mere reformat.
var yamlFloatRE = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

func resolvePlain(s string) (string, scalarTag) {
	switch s {
	case "~", "null", "Null", "NULL":
		return "null", tagNull
	case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y":
		return "true", tagBool
	case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N":
		return "false", tagBool
	}
	c := s[0]
	if c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9' {
		t := strings.ReplaceAll(s, "_", "")
		if n, err := strconv.ParseInt(t, 0, 64); err == nil {
			return strconv.FormatInt(n, 10), tagInt
		}
		if yamlFloatRE.MatchString(t) {
			if f, err := strconv.ParseFloat(t, 64); err == nil {
				return strconv.FormatFloat(f, 'g', -1, 64), tagFloat
			}
		}
		switch s {
		case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
			return "+Inf", tagFloat
		case "-.inf", "-.Inf", "-.INF":
			return "-Inf", tagFloat
		case ".nan", ".NaN", ".NAN":
			return "NaN", tagFloat
		}
	}
	return s, tagStr
}

// unquoteScalar decodes a single- or double-quoted YAML scalar.
func unquoteScalar(s string) (string, error) {
	if len(s) < 2 || s[len(s)-1] != s[0] {
		return "", errors.New("unterminated quoted scalar")
	}
	body := s[1 : len(s)-1]
	if s[0] == '\'' {
		return strings.ReplaceAll(body, "''", "'"), nil
	}
	if !strings.ContainsRune(body, '\\') {
		return body, nil
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", errors.New("dangling escape")
		}
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
		case ' ', '"', '/', '\\':
			b.WriteByte(e)
		case 'N':
			b.WriteString("\u0085")
		case '_':
			b.WriteString("\u00a0")
		case 'L':
			b.WriteString("\u2028")
		case 'P':
			b.WriteString("\u2029")
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+1+n > len(body) {
				return "", errors.New("short escape")
			}
			r, err := strconv.ParseUint(body[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", err
			}
			b.WriteRune(rune(r))
			i += n
		default:
			return "", errors.New("unknown escape")
		}
	}
	return b.String(), nil
}
