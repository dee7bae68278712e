package rules

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// IgnoreAnnotation is the annotation with which a chart author marks
// fields of one object as noise: its value lists path patterns (the
// syntax of rules files), separated by commas or new lines.
const IgnoreAnnotation = "safediff.dev/ignore"

// IgnoreAnnotationRule is the rule id of the decisions the annotation
// lowered.
const IgnoreAnnotationRule = "annotation:" + IgnoreAnnotation

// ignoreAnnotationPath is where the annotation is; every set asks the
// parser for it (see [Set.FactPaths]).
var ignoreAnnotationPath = kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field(IgnoreAnnotation)}

// IgnorePatterns reads an object's safediff.dev/ignore annotation, as the
// object's new side shows it (what the chart writes now). has is false
// without one; err says why an annotation does not parse (it then ignores
// nothing).
func IgnorePatterns(o *diffparse.Object) (pats []kube.Pattern, has bool, err error) {
	fact := o.Fact(diffparse.New, ignoreAnnotationPath)
	v := fact.Value
	if fact.Presence != diffparse.Present || v.Redacted || (v.Kind != diffparse.Scalar && v.Kind != diffparse.Text) {
		return nil, false, nil
	}
	for _, s := range splitPatterns(v.Text) {
		p, err := kube.ParsePattern(s)
		if err != nil {
			return nil, true, err
		}
		pats = append(pats, p)
	}
	return pats, true, nil
}

// Ignorable says whether the annotation may lower a decision: never a
// creation or deletion (a decision about the whole object), a change that
// forces or may force a replacement (by the default rules too, where a
// user's rule decided over theirs, higher or lower), a change whose place
// is not known exactly,
// or a value the API server cannot decode (helm upgrade fails).
func Ignorable(d Decision, ch *diffparse.Change) bool {
	return ch != nil && ch.Path.Exact() && !d.Replace && !d.MaybeReplace && !d.Assumed && d.Rule != SchemaTypeRule &&
		!d.baseReplace && (d.Lowered == nil || !d.Lowered.Replace)
}

// IgnoreNames says whether patterns name a path.
func IgnoreNames(pats []kube.Pattern, p kube.Path) bool {
	for _, pat := range pats {
		if pat.Match(p) == kube.Yes {
			return true
		}
	}
	return false
}

// ignore lowers d to ignored when the selected object's annotation names
// the change and may lower it. Where a user's rule lowered the default
// rules' decision, the annotation may lower only what the defaults let it
// (not a replacement), and the user's rule stays named.
func (sel *Selection) ignore(d *Decision, ch *diffparse.Change) {
	if len(sel.ignores) == 0 || d.Level == Ignored || !Ignorable(*d, ch) || !IgnoreNames(sel.ignores, ch.Path) {
		return
	}
	*d = Decision{
		Level:   Ignored,
		Rule:    IgnoreAnnotationRule,
		Reason:  fmt.Sprintf("the object's %s annotation names it (the rules said %s: %s)", IgnoreAnnotation, d.Level, d.Reason),
		Also:    append([]string{d.Rule}, d.Also...),
		Lowered: d.Lowered,
	}
}

// splitPatterns splits the annotation's value on commas and new lines
// that are not inside brackets or quotes.
func splitPatterns(s string) []string {
	var out []string
	var cur strings.Builder
	depth, quoted := 0, false
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, t)
		}
		cur.Reset()
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			i++
			c = s[i]
		case c == '"':
			quoted = !quoted
		case !quoted && c == '[':
			depth++
		case !quoted && c == ']' && depth > 0:
			depth--
		case !quoted && depth == 0 && (c == ',' || c == '\n'):
			flush()
			continue
		}
		cur.WriteByte(c)
	}
	flush()
	return out
}
