package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// FormatVersion is the version of the rules file format this package reads.
const FormatVersion = 1

//go:generate go run ../../internal/rulesgen/cmd/rulesgen

// MaxFileSize limits the size of a rules file.
const MaxFileSize = 4 << 20

// File is one parsed rules file.
type File struct {
	Origin   string
	Rules    []*Rule
	Fallback *Fallback // nil when the file does not set one
}

type fileDoc struct {
	Version  *int              `json:"version"`
	Fallback *fallbackDoc      `json:"fallback"`
	Rules    []json.RawMessage `json:"rules"`
}

type fallbackDoc struct {
	Level  string `json:"level"`
	Reason string `json:"reason"`
}

type ruleDoc struct {
	ID          string    `json:"id"`
	Description string    `json:"description"`
	Source      string    `json:"source"`
	Match       matchDoc  `json:"match"`
	When        []condDoc `json:"when"`
	Level       string    `json:"level"`
	Replace     bool      `json:"replace"`
	Override    bool      `json:"override"`
	Reason      string    `json:"reason"`
}

type matchDoc struct {
	Groups      []string `json:"groups"`
	Kinds       []string `json:"kinds"`
	Names       []string `json:"names"`
	Namespaces  []string `json:"namespaces"`
	Releases    []string `json:"releases"`
	Actions     []string `json:"actions"`
	Ops         []string `json:"ops"`
	Paths       []string `json:"paths"`
	ExceptPaths []string `json:"exceptPaths"`
}

type condDoc struct {
	Field        string       `json:"field"`
	Side         string       `json:"side"`
	Value        string       `json:"value"`
	Default      *scalar      `json:"default"`
	In           []scalar     `json:"in"`
	NotIn        []scalar     `json:"notIn"`
	Exists       *bool        `json:"exists"`
	AtMost       *float64     `json:"atMost"`
	AtLeast      *float64     `json:"atLeast"`
	AtLeastField *fieldRefDoc `json:"atLeastField"`
	Decreased    bool         `json:"decreased"`
	Increased    bool         `json:"increased"`
	IfUnknown    *scalar      `json:"ifUnknown"`
}

// fieldRefDoc names another field of the object ([FieldRef]).
type fieldRefDoc struct {
	Field   string  `json:"field"`
	Default *scalar `json:"default"`
}

// scalar is a YAML scalar read as text: "1", 1 and true are all accepted.
type scalar string

func (s *scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = scalar(v)
		return nil
	}
	switch string(b) {
	case "true", "false", "null":
		*s = scalar(b)
		return nil
	}
	if _, err := strconv.ParseFloat(string(b), 64); err == nil {
		*s = scalar(canonicalNumber(string(b)))
		return nil
	}
	return fmt.Errorf("want a string, number or boolean, got %s", b)
}

func canonicalNumber(s string) string {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return s
}

// Parse reads a rules file strictly: unknown keys, duplicate keys, bad
// patterns, unknown levels, actions or operations, and duplicate ids are
// errors that name the rule, all reported at once in file order. Each rule
// is then checked as [Rule.Validate] checks rules built in Go. origin
// names the file in messages.
func Parse(data []byte, origin string) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, &diag.Error{Origin: origin, Msg: fmt.Sprintf("rules file is larger than %d bytes", MaxFileSize)}
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, &diag.Error{Origin: origin, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")}
	}
	if err := diag.OneYAMLDocument(data, origin); err != nil {
		return nil, err
	}
	return ParseJSON(js, origin)
}

// ParseJSON reads a rules file that is already JSON (the strict JSON
// reading of its YAML, as sigs.k8s.io/yaml makes it), with the checks of
// [Parse].
func ParseJSON(js []byte, origin string) (*File, error) {
	var doc fileDoc
	if err := strictJSON(js, &doc); err != nil {
		return nil, &diag.Error{Origin: origin, Msg: err.Error()}
	}
	var errs diag.List
	add := func(rule, format string, args ...any) {
		errs.Add(&diag.Error{Origin: origin, Where: rule, Msg: fmt.Sprintf(format, args...)})
	}
	switch {
	case doc.Version == nil:
		add("", "missing \"version: %d\"", FormatVersion)
	case *doc.Version != FormatVersion:
		add("", "unsupported version %d (this safediff reads version %d)", *doc.Version, FormatVersion)
	}
	f := &File{Origin: origin}
	if doc.Fallback != nil {
		lvl, err := ParseLevel(doc.Fallback.Level)
		if err != nil {
			add("fallback", "%v", err)
		} else {
			fb := &Fallback{Level: lvl, Reason: strings.TrimSpace(doc.Fallback.Reason)}
			for _, p := range fb.problems() {
				add("fallback", "%s", p)
			}
			f.Fallback = fb
		}
	}
	ids := map[string]int{}
	for i, raw := range doc.Rules {
		var rd ruleDoc
		serr := strictJSON(raw, &rd)
		id := rd.ID
		if serr != nil {
			// the id as far as it can be read, to name the rule
			var peek struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(raw, &peek)
			id = peek.ID
		}
		name := "rules[" + strconv.Itoa(i) + "]"
		if id != "" {
			name = "rules[" + strconv.Itoa(i) + "] (id=" + id + ")"
			// a duplicate is reported in place, whatever else is wrong
			if prev, dup := ids[id]; dup {
				add(name, "duplicate id %q (also rules[%d])", id, prev)
			} else {
				ids[id] = i
			}
		}
		if serr != nil {
			add(name, "%v", serr)
			continue
		}
		r, problems := buildRule(rd)
		for _, p := range problems {
			add(name, "%s", p)
		}
		r.Origin, r.Index = origin, i
		f.Rules = append(f.Rules, r)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

// strictJSON decodes data into v, keys exactly: encoding/json alone takes
// "Kinds" or "kindſ" for kinds, and a key twice (the last wins): a rule
// written "kinds: [ConfigMap]" then "kindſ: ['*']" matched every kind.
func strictJSON(data []byte, v any) error {
	if err := diag.DecodeJSON(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s: want %s, got %s", te.Field, te.Type, te.Value)
		}
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return fmt.Errorf("unknown key %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// buildRule turns a rule's document into a rule, with its problems: those
// of reading it (unknown names, bad patterns), then those [Rule.Validate]
// finds.
func buildRule(d ruleDoc) (*Rule, []string) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	r := &Rule{
		ID:          d.ID,
		Description: strings.TrimSpace(d.Description),
		Source:      strings.TrimSpace(d.Source),
		Replace:     d.Replace,
		Override:    d.Override,
		Reason:      strings.TrimSpace(d.Reason),
	}
	lvl, err := ParseLevel(d.Level)
	if err != nil {
		bad("%v", err)
		lvl = Destructive // unknown: nothing more to say about it
	}
	r.Level = lvl
	m := d.Match
	r.Match = Match{Groups: m.Groups, Kinds: m.Kinds, Names: m.Names, Namespaces: m.Namespaces, Releases: m.Releases}
	for _, a := range m.Actions {
		act, err := diffparse.ParseAction(a)
		if err != nil || act == diffparse.Replace {
			bad("match.actions: unknown action %q (want create, update, delete or ownership)", a)
			continue
		}
		r.Match.Actions = append(r.Match.Actions, act)
	}
	for _, o := range m.Ops {
		op, err := diffparse.ParseOp(o)
		if err != nil {
			bad("match.ops: %v", err)
			continue
		}
		r.Match.Ops = append(r.Match.Ops, op)
	}
	r.Match.Paths = patterns(m.Paths, "match.paths", bad)
	r.Match.ExceptPaths = patterns(m.ExceptPaths, "match.exceptPaths", bad)
	unread := map[int]bool{} // conditions that could not be read
	for i, c := range d.When {
		cond, err := buildCondition(c)
		if err != nil {
			bad("when[%d]: %v", i, err)
			unread[i] = true
		}
		r.When = append(r.When, cond)
	}
	return r, append(problems, r.check(unread)...)
}

func patterns(srcs []string, key string, bad func(string, ...any)) []kube.Pattern {
	var out []kube.Pattern
	for _, p := range srcs {
		pat, err := kube.ParsePattern(p)
		switch {
		case err != nil:
			bad("%s: %v", key, err)
		case p == "":
			bad("%s: empty pattern", key)
		default:
			out = append(out, pat)
		}
	}
	return out
}

// buildCondition reads a condition's document; [Condition.validate]
// checks what it means.
func buildCondition(d condDoc) (Condition, error) {
	var c Condition
	if d.IfUnknown != nil {
		return c, errors.New("ifUnknown is no longer read: a field the diff does not show always counts as its worst value, and the report says which (remove the key)")
	}
	switch {
	case d.Field != "" && d.Value != "":
		return c, errors.New("set field or value, not both")
	case d.Field != "":
		p, err := kube.ParsePath(d.Field)
		if err != nil {
			return c, err
		}
		c.Target, c.Field = TargetField, p
	case d.Value != "":
		c.Target = TargetValue
		switch d.Value {
		case "old":
			c.Value = diffparse.Old
		case "new":
			c.Value = diffparse.New
		default:
			return c, fmt.Errorf("value %q: want old or new", d.Value)
		}
	}
	switch d.Side {
	case "":
	case "old":
		c.Side = SideOld
	case "new":
		c.Side = SideNew
	case "either":
		c.Side = SideEither
	default:
		return c, fmt.Errorf("side %q: want old, new or either", d.Side)
	}
	if d.Default != nil {
		s := string(*d.Default)
		c.Default = &s
	}
	for _, v := range d.In {
		c.In = append(c.In, string(v))
	}
	for _, v := range d.NotIn {
		c.NotIn = append(c.NotIn, string(v))
	}
	c.Exists, c.AtMost, c.AtLeast = d.Exists, d.AtMost, d.AtLeast
	if d.AtLeastField != nil {
		if d.AtLeastField.Field == "" {
			return c, errors.New("atLeastField: set its field")
		}
		p, err := kube.ParsePath(d.AtLeastField.Field)
		if err != nil {
			return c, fmt.Errorf("atLeastField: %w", err)
		}
		c.AtLeastField = &FieldRef{Field: p}
		if d.AtLeastField.Default != nil {
			s := string(*d.AtLeastField.Default)
			c.AtLeastField.Default = &s
		}
	}
	c.Decreased, c.Increased = d.Decreased, d.Increased
	return c, nil
}
