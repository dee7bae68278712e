package classify

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/rules"
)

// ignoreNotes says, per object, what its safediff.dev/ignore annotation
// did: the changes it lowered to ignored, those it names but may not
// lower (a replacement, a change whose place is not known), and an
// annotation that does not parse (it ignores nothing).
func ignoreNotes(res *Result) []diffparse.Note {
	var out []diffparse.Note
	for _, o := range res.Objects {
		pats, has, err := rules.IgnorePatterns(o.Object)
		if !has {
			continue
		}
		if err != nil {
			out = append(out, diffparse.Note{Pos: o.Pos, Text: fmt.Sprintf("%s: its %s annotation is not a list of path patterns (%v): it ignores nothing", o.Ref, rules.IgnoreAnnotation, err)})
			continue
		}
		var lowered, kept []string
		for i := range o.Findings {
			f := &o.Findings[i]
			switch {
			case f.Rule == rules.IgnoreAnnotationRule:
				lowered = append(lowered, f.Change.Path.String())
			case !f.WholeObject && f.Level > rules.Ignored && !rules.Ignorable(*f.Decision, f.Change) && rules.IgnoreNames(pats, f.Change.Path):
				kept = append(kept, f.Change.Path.String())
			}
		}
		if len(lowered) > 0 {
			out = append(out, diffparse.Note{Pos: o.Pos, Text: fmt.Sprintf("%s: its %s annotation lowered %s to ignored", o.Ref, rules.IgnoreAnnotation, countedPaths(lowered))})
		}
		if len(kept) > 0 {
			out = append(out, diffparse.Note{Pos: o.Pos, Text: fmt.Sprintf("%s: its %s annotation names %s, which it may not lower: a replacement, a value the server refuses, or a change whose place is not known is never ignored", o.Ref, rules.IgnoreAnnotation, countedPaths(kept))})
		}
	}
	return out
}

func countedPaths(paths []string) string {
	return fmt.Sprintf("%d %s (%s)", len(paths), plural(len(paths), "change", "changes"), strings.Join(paths, ", "))
}
