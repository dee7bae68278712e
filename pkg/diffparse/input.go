package diffparse

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// DefaultMaxInput is the default limit on the size of an input.
const DefaultMaxInput = 512 << 20

// input is the whole input, split lazily into lines. Lines are substrings
// of one string that shares the bytes read, so reading costs one copy of
// the input.
type input struct {
	data    string
	off     int  // offset of the next line
	no      int  // number of the last line returned
	crlf    bool // every line ends in \r\n: the \r is line ending, not content
	escapes bool // the input holds escape sequences (colour)
}

// iline is one input line after normalisation.
type iline struct {
	text string // without line ending and without ANSI escape sequences
	no   int
	cr   bool // a trailing \r that is part of the content
}

func readInput(r io.Reader, max int64) (*input, error) {
	if max <= 0 {
		max = DefaultMaxInput
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading input: %w", err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("input is larger than %d bytes", max)
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte{'\n'})
		return nil, &Error{Pos: Pos{Line: line}, Msg: "input is not valid UTF-8 (binary data or a wrong encoding)"}
	}
	in := &input{}
	if len(data) > 0 {
		in.data = unsafe.String(&data[0], len(data))
	}
	nl := strings.Count(in.data, "\n")
	in.crlf = nl > 0 && strings.Count(in.data, "\r\n") == nl
	in.escapes = strings.IndexByte(in.data, 0x1b) >= 0
	return in, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// next returns the next line, or ok=false at the end of the input.
func (in *input) next() (l iline, ok bool, err error) {
	if in.off >= len(in.data) {
		return iline{}, false, nil
	}
	rest := in.data[in.off:]
	end := strings.IndexByte(rest, '\n')
	var s string
	if end < 0 {
		s = rest
		in.off = len(in.data)
	} else {
		s = rest[:end]
		in.off += end + 1
	}
	in.no++
	l.no = in.no
	if strings.HasSuffix(s, "\r") {
		s = s[:len(s)-1]
		l.cr = !in.crlf
	}
	if in.escapes && strings.IndexByte(s, 0x1b) >= 0 {
		s = stripEscapes(s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return l, true, &Error{Pos: Pos{Line: l.no}, Msg: fmt.Sprintf("control character 0x%02x at column %d (binary data?)", c, i+1)}
		}
	}
	l.text = s
	return l, true, nil
}

// peek returns the next line without consuming it.
func (in *input) peek() (iline, bool, error) {
	off, no := in.off, in.no
	l, ok, err := in.next()
	in.off, in.no = off, no
	return l, ok, err
}

// stripEscapes removes ANSI CSI sequences (ESC [ … final byte) and OSC
// sequences (ESC ] … BEL or ESC \). helm-diff colours its output with CSI
// sequences; Stevedore adds longer SGR sequences of its own.
func stripEscapes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != 0x1b {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(s) {
			b.WriteByte(c) // a lone ESC stays and is rejected as garbage
			continue
		}
		switch s[i+1] {
		case '[':
			j := i + 2
			for j < len(s) && s[j] >= 0x30 && s[j] <= 0x3f { // parameters
				j++
			}
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f { // intermediates
				j++
			}
			if j < len(s) && s[j] >= 0x40 && s[j] <= 0x7e { // final byte
				i = j
				continue
			}
			b.WriteByte(c)
		case ']':
			j := i + 2
			for j < len(s) && s[j] != 0x07 && !(s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\') {
				j++
			}
			if j < len(s) {
				if s[j] == 0x1b {
					j++
				}
				i = j
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
