package diffparse

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/diag"
)

// errList collects the problems of one parse, each at its input line.
// Messages never quote the body of an object, which may hold Secret data.
type errList struct {
	diag.List
	// sync, when set, is called before a problem is added: it commits the
	// objects analysed ahead (see pipeline.go), so that problems come in
	// input order
	sync func()
}

// Add appends a problem at pos.
func (l *errList) Add(pos Pos, format string, args ...any) {
	l.add(newError(pos, fmt.Sprintf(format, args...)))
}

// add appends a problem.
func (l *errList) add(e *diag.Error) {
	if l.sync != nil {
		l.sync()
	}
	l.List.Add(e)
}

// newError returns a problem at an input position.
func newError(pos Pos, msg string) *diag.Error { return &diag.Error{Line: pos.Line, Msg: msg} }

// excerpt returns a short, printable excerpt of a line that is not part of
// an object body (bodies are never quoted, as they may carry secrets).
func excerpt(s string) string {
	const max = 72
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
