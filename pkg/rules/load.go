package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// FormatVersion is the version of the rules file format this package reads.
const FormatVersion = 1

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
	Field     string   `json:"field"`
	Side      string   `json:"side"`
	Value     string   `json:"value"`
	Default   *scalar  `json:"default"`
	In        []scalar `json:"in"`
	NotIn     []scalar `json:"notIn"`
	Exists    *bool    `json:"exists"`
	AtMost    *float64 `json:"atMost"`
	AtLeast   *float64 `json:"atLeast"`
	Decreased bool     `json:"decreased"`
	Increased bool     `json:"increased"`
	IfUnknown *scalar  `json:"ifUnknown"`
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

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Parse reads a rules file strictly: unknown keys, duplicate keys, bad
// patterns, unknown levels, actions or operations, and duplicate ids are
// errors that name the rule. origin names the file in messages.
func Parse(data []byte, origin string) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, &diag.Error{Origin: origin, Msg: fmt.Sprintf("rules file is larger than %d bytes", MaxFileSize)}
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, &diag.Error{Origin: origin, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")}
	}
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
		switch {
		case err != nil:
			add("fallback", "%v", err)
		case lvl == Ignored:
			add("fallback", "the fallback level cannot be ignored: a change no rule understands must be seen")
		case strings.TrimSpace(doc.Fallback.Reason) == "":
			add("fallback", "missing reason")
		default:
			f.Fallback = &Fallback{Level: lvl, Reason: strings.TrimSpace(doc.Fallback.Reason)}
		}
	}
	ids := map[string]int{}
	for i, raw := range doc.Rules {
		name := fmt.Sprintf("rules[%d]", i)
		var peek struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &peek)
		if peek.ID != "" {
			name = fmt.Sprintf("rules[%d] (id=%s)", i, peek.ID)
		}
		var rd ruleDoc
		if err := strictJSON(raw, &rd); err != nil {
			add(name, "%v", err)
			continue
		}
		r, problems := buildRule(rd)
		for _, p := range problems {
			add(name, "%s", p)
		}
		if r == nil {
			continue
		}
		if prev, dup := ids[r.ID]; dup {
			add(name, "duplicate id %q (also rules[%d])", r.ID, prev)
			continue
		}
		ids[r.ID] = i
		r.Origin, r.Index = origin, i
		f.Rules = append(f.Rules, r)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
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
	if !idRE.MatchString(d.ID) {
		bad("id %q must be lowercase letters, digits and dashes", d.ID)
	}
	if r.Description == "" {
		bad("missing description")
	}
	if r.Reason == "" {
		bad("missing reason")
	}
	lvl, err := ParseLevel(d.Level)
	if err != nil {
		bad("%v", err)
	}
	r.Level = lvl
	if r.Replace && err == nil && lvl < Disruptive {
		bad("a rule that forces replacement must be at least disruptive (it is %s)", lvl)
	}
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
	for _, p := range m.Paths {
		pat, err := kube.ParsePattern(p)
		if err != nil || p == "" {
			bad("match.paths: %v", orEmpty(err, p))
			continue
		}
		r.Match.Paths = append(r.Match.Paths, pat)
	}
	for _, p := range m.ExceptPaths {
		pat, err := kube.ParsePattern(p)
		if err != nil || p == "" {
			bad("match.exceptPaths: %v", orEmpty(err, p))
			continue
		}
		r.Match.ExceptPaths = append(r.Match.ExceptPaths, pat)
	}
	if len(r.Match.ExceptPaths) > 0 && len(r.Match.Paths) == 0 {
		bad("match.exceptPaths needs match.paths")
	}
	for _, g := range [][]string{m.Groups, m.Kinds, m.Names, m.Namespaces, m.Releases} {
		for _, s := range g {
			if strings.ContainsAny(s, "[]{}") {
				bad("pattern %q: only * and ? are glob characters", s)
			}
		}
	}
	for i, c := range d.When {
		cond, err := buildCondition(c)
		if err != nil {
			bad("when[%d]: %v", i, err)
			continue
		}
		r.When = append(r.When, cond)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return r, nil
}

func orEmpty(err error, p string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("empty pattern %q", p)
}

func buildCondition(d condDoc) (Condition, error) {
	var c Condition
	switch {
	case d.Field != "" && d.Value != "":
		return c, errors.New("set field or value, not both")
	case d.Field != "":
		p, err := kube.ParsePath(d.Field)
		if err != nil {
			return c, err
		}
		if !p.Exact() || len(p) == 0 {
			return c, fmt.Errorf("field %q must be an exact path", d.Field)
		}
		c.Target, c.Field = TargetField, p
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
		if d.Decreased || d.Increased {
			return c, errors.New("decreased and increased apply to value conditions")
		}
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
		if d.Side != "" {
			return c, errors.New("side applies to field conditions")
		}
	default:
		return c, errors.New("set field (an object field) or value (old or new)")
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
	ifUnknown := ""
	if d.IfUnknown != nil {
		ifUnknown = string(*d.IfUnknown)
	}
	switch ifUnknown {
	case "", "maybe":
	case "absent", "false":
		if c.Target != TargetField {
			return c, errors.New("ifUnknown applies to field conditions")
		}
		c.IfUnknown = UnknownAbsent
		if ifUnknown == "false" {
			c.IfUnknown = UnknownFalse
		}
	default:
		return c, fmt.Errorf("ifUnknown %q: want maybe (the default), absent or false", ifUnknown)
	}
	c.Exists, c.AtMost, c.AtLeast = d.Exists, d.AtMost, d.AtLeast
	c.Decreased, c.Increased = d.Decreased, d.Increased
	if len(c.In) == 0 && len(c.NotIn) == 0 && c.Exists == nil && c.AtMost == nil && c.AtLeast == nil && !c.Decreased && !c.Increased {
		return c, errors.New("no test: set in, notIn, exists, atMost, atLeast, decreased or increased")
	}
	return c, nil
}
