package diag_test

import (
	"errors"
	"testing"

	"github.com/safediff/safediff/pkg/diag"
)

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  diag.Error
		want string
	}{
		{"message only", diag.Error{Msg: "empty"}, "empty"},
		{"a diff line", diag.Error{Line: 12, Msg: "bad header"}, "line 12: bad header"},
		{"a file, line and column", diag.Error{Origin: "m.yaml", Line: 3, Col: 5, Msg: "unknown field"}, "m.yaml: line 3, column 5: unknown field"},
		{"a rule, which has no line", diag.Error{Origin: "team.yaml", Where: "rules[2] (id=x)", Msg: "no level"}, "team.yaml: rules[2] (id=x): no level"},
		{"a column without a line is not printed", diag.Error{Col: 4, Msg: "m"}, "m"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestList(t *testing.T) {
	var l diag.List
	if l.Err() != nil {
		t.Fatal("an empty list is not an error")
	}
	l.Add(&diag.Error{Origin: "b", Line: 1, Msg: "third"})
	l.Add(&diag.Error{Origin: "a", Line: 9, Msg: "second"})
	l.Add(&diag.Error{Origin: "a", Line: 2, Msg: "first"})
	l.Add(&diag.Error{Origin: "a", Line: 9, Msg: "second, found later"})
	err := l.Err()
	if got, want := err.Error(), "a: line 2: first (and 3 more errors)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	var msgs []string
	for _, e := range l {
		msgs = append(msgs, e.Msg)
	}
	if want := []string{"first", "second", "second, found later", "third"}; !equal(msgs, want) {
		t.Errorf("sorted: got %q, want %q", msgs, want)
	}
	var one *diag.Error
	if !errors.As(err, &one) || one.Msg != "first" {
		t.Errorf("errors.As finds %v, want the first problem", one)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
