package classify

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// IgnoreAnnotation is the annotation with which a chart author marks
// fields of one object as noise: its value lists path patterns (as in
// rules files), separated by commas or new lines.
const IgnoreAnnotation = "safediff.dev/ignore"

// IgnoreAnnotationRule is the rule id of the findings it lowers.
const IgnoreAnnotationRule = "annotation:" + IgnoreAnnotation

// IgnoreAnnotationPath is where the annotation is: parsing must collect it
// as a fact (diffparse.Options.Facts) for it to apply.
var IgnoreAnnotationPath = kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field(IgnoreAnnotation)}

// ignoreAnnotated lowers to ignored the findings of o whose paths the
// object's safediff.dev/ignore annotation (on its new side) names. It
// never lowers a creation, a deletion or a replacement (an object-level
// finding, or one that forces or may force a replacement), nor a change
// whose place is not known exactly. It returns the notes to show.
func ignoreAnnotated(o *diffparse.Object, out *Object) []string {
	fact := o.Fact(diffparse.New, IgnoreAnnotationPath)
	if fact.Value.Redacted || fact.Value.Kind != diffparse.Scalar && fact.Value.Kind != diffparse.Text {
		return nil
	}
	var pats []kube.Pattern
	for _, s := range splitPatterns(fact.Value.Text) {
		p, err := kube.ParsePattern(s)
		if err != nil {
			return []string{fmt.Sprintf("%s: its %s annotation is not a list of path patterns (%v): nothing was ignored by it", o.Ref, IgnoreAnnotation, err)}
		}
		pats = append(pats, p)
	}
	var lowered, kept []string
	for i := range out.Findings {
		f := &out.Findings[i]
		if f.Object || f.Level == rules.Ignored || !f.Change.Path.Exact() || !matchesAny(pats, f.Change.Path) {
			continue
		}
		if f.Replace || f.MaybeReplace || f.Assumed {
			kept = append(kept, f.Change.Path.String())
			continue
		}
		f.Reason = fmt.Sprintf("ignored by the object's %s annotation (the rules said %s: %s)", IgnoreAnnotation, f.Level, f.Reason)
		f.Level, f.Rule = rules.Ignored, IgnoreAnnotationRule
		f.Unchecked = nil
		lowered = append(lowered, f.Change.Path.String())
	}
	var notes []string
	if len(lowered) > 0 {
		notes = append(notes, fmt.Sprintf("%s: its %s annotation lowered %s to ignored", o.Ref, IgnoreAnnotation, countedPaths(lowered)))
	}
	if len(kept) > 0 {
		notes = append(notes, fmt.Sprintf("%s: its %s annotation names %s, which it cannot lower: a replacement (or a change whose place is not known) is never ignored", o.Ref, IgnoreAnnotation, countedPaths(kept)))
	}
	return notes
}

func countedPaths(paths []string) string {
	noun := "change"
	if len(paths) != 1 {
		noun = "changes"
	}
	return fmt.Sprintf("%d %s (%s)", len(paths), noun, strings.Join(paths, ", "))
}

func matchesAny(pats []kube.Pattern, p kube.Path) bool {
	for _, pat := range pats {
		if pat.Match(p) == kube.Yes {
			return true
		}
	}
	return false
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
