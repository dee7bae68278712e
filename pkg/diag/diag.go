package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in an input.
type Error struct {
	// Origin names the input: a file name, or "default" for the embedded
	// rules; empty for the standard input.
	Origin string
	// Line and Col are 1-based; 0 when the problem has no line or column.
	Line, Col int
	// Where is a place a line cannot name, such as "rules[3] (id=pvc-shrink)"
	// or a field path; empty when the line says enough.
	Where string
	Msg   string
}

// Error formats the error as "origin: line L, column C: where: msg",
// leaving out the parts that are not known.
func (e *Error) Error() string {
	var b strings.Builder
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(s)
	}
	add(e.Origin)
	switch {
	case e.Line > 0 && e.Col > 0:
		add(fmt.Sprintf("line %d, column %d", e.Line, e.Col))
	case e.Line > 0:
		add(fmt.Sprintf("line %d", e.Line))
	}
	add(e.Where)
	add(e.Msg)
	return b.String()
}

// List is a list of problems.
type List []*Error

// Add appends a problem.
func (l *List) Add(e *Error) { *l = append(*l, e) }

// Sort orders the list by origin, line and column; problems at the same
// place keep the order they were found in.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}

// Error returns the first problem and how many more there are.
func (l List) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Err returns nil for an empty list, and the sorted list otherwise.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

// Unwrap lets errors.As and errors.Is find the individual problems.
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// CutQuotedObjects cuts each line of a message another program wrote
// (helm's, helm-diff's, the API server's) before the first object it
// quotes, JSON ('{') or Go ("map["): a refused patch of a Secret quotes
// the whole object, its data first.
func CutQuotedObjects(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		cut := strings.IndexByte(l, '{')
		if m := strings.Index(l, "map["); m >= 0 && (cut < 0 || m < cut) {
			cut = m
		}
		if cut >= 0 {
			lines[i] = l[:cut] + "… (cut: the rest quotes an object, which may hold a Secret's data)"
		}
	}
	return strings.Join(lines, "\n")
}
