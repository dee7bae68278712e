package diffparse

import (
	"strconv"
)

// parseSimple reads helm-diff --output simple: one line per object, then
// the Plan: line, whose counts must match the lines above it.
func (s *stream) parseSimple() {
	var want, got [4]int
	sawPlan := false
	for {
		l, ok := s.nextText()
		if !ok {
			break
		}
		pos := Pos{Line: l.no}
		if m := simpleLineRE().FindStringSubmatch(l.text); m != nil && !sawPlan {
			h, _ := parseHeader(m[1]+", "+m[2]+", "+m[3]+" ("+m[4]+") has changed:", pos)
			if h.ref.Name == "" {
				s.errs.Add(pos, "object line without a name")
				continue
			}
			ch, _ := changeOf(FormatSimple, m[5])
			obj := &Object{Ref: h.ref, Pos: pos, Content: ObjectOnly, Action: ch.action}
			switch {
			case ch.content == Suppressed:
				// not counted by the Plan: line
				obj.Content = Suppressed
			case ch.action == Create:
				got[0]++
			case ch.action == Update:
				got[1]++
			case ch.action == Delete:
				got[2]++
			case ch.action == Ownership:
				got[3]++
			}
			s.table.add(obj)
			continue
		}
		if m := planLineRE().FindStringSubmatch(l.text); m != nil && !sawPlan {
			sawPlan = true
			for i := 0; i < 4; i++ {
				if m[i+1] != "" {
					want[i], _ = strconv.Atoi(m[i+1])
				}
			}
			if got != want {
				s.errs.Add(pos, "the Plan: line counts %d to add, %d to change, %d to destroy, %d to change ownership, but the lines above list %d, %d, %d and %d (truncated input?)", want[0], want[1], want[2], want[3], got[0], got[1], got[2], got[3])
			}
			continue
		}
		if s.topLevelLine(s.in, l) {
			continue
		}
		if sawPlan {
			s.errs.Add(pos, "unexpected line after the Plan: line")
		} else {
			s.errs.Add(pos, "not helm-diff --output simple: expected \"<namespace>, <name>, <Kind> (<group>) to be changed.\" or a Plan: line")
		}
	}
	if !sawPlan && len(s.errs.List) == 0 {
		s.errs.Add(Pos{Line: s.in.no}, "helm-diff --output simple ends with a Plan: line, and this input has none (truncated input?)")
	}
	if sawPlan && len(s.plan.Objects) == 0 {
		s.plan.NoChanges = true
	}
}
