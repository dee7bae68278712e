package diffparse

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// DefaultMaxInput is the default limit on the size of an input.
const DefaultMaxInput = 512 << 20

// MaxInputLimit is the most [Options.MaxInput] can raise the limit to: an
// input of at most 2 GiB has fewer lines than an int32 counts, the type
// the reader keeps line numbers in (a dense object has one per line).
const MaxInputLimit = math.MaxInt32

// maxLine bounds the length of a line, so that a stream without line
// breaks is refused before it fills memory. Kubernetes stores no object
// over 1.5 MiB (etcd's default request limit), so no manifest line comes
// near it.
const maxLine = 16 << 20

// chunkSize is how much input is read at a time. Lines are substrings of
// the chunk they are in, so reading allocates once per chunk, and a chunk
// is freed once no line of it is kept (kept strings are cloned).
const chunkSize = 64 << 10

// input streams the input line by line, with a look-ahead queue. It never
// holds more than the current chunk and the queued lines, so memory does
// not grow with the size of the input.
type input struct {
	r       io.Reader
	buf     string // current chunk
	pos     int    // offset of the next line in buf
	eof     bool   // nothing more comes from r
	err     error  // why reading stopped before the end (a read error, the size limit)
	read    int64  // bytes read so far
	max     int64
	no      int     // number of the last line returned by next
	ahead   []iline // lines read but not yet returned, from aheadAt
	aheadAt int
	crlf    bool // the first line ended in \r\n: every line does
	decided bool // crlf is decided
	last    byte // the last byte read from r
	atEOF   bool // r said io.EOF
	cutAt   int  // the number of a last line without its newline, 0 if none
	empty   int  // reads in a row that returned nothing and no error
}

// maxEmptyReads is how many reads in a row may return nothing, and no
// error, before the input is an error (io.ErrNoProgress, as bufio says it):
// a reader that never says io.EOF would hold the review for ever.
const maxEmptyReads = 100

// iline is one input line after normalisation.
type iline struct {
	text string // without line ending and without ANSI escape sequences
	no   int
	cr   bool  // a trailing \r that is part of the content
	wide bool  // the line has bytes outside ASCII
	tab  bool  // the line holds a tab
	err  error // the line is not text (invalid UTF-8, control characters)
}

func newInput(r io.Reader, max int64) *input {
	if max <= 0 {
		max = DefaultMaxInput
	}
	max = min(max, MaxInputLimit)
	return &input{r: r, max: max}
}

// Read reads from the underlying reader, counting against the size limit.
// A read error or exceeding the limit ends the input for good: in.err
// keeps the error, so that [parseInput] fails even where a format parser
// took the early end for the end of the input.
func (in *input) Read(p []byte) (int, error) {
	if in.err != nil {
		return 0, in.err
	}
	n, err := in.r.Read(p)
	in.read += int64(n)
	if n > 0 {
		in.last = p[n-1]
		in.empty = 0
	} else if err == nil && len(p) > 0 {
		if in.empty++; in.empty >= maxEmptyReads {
			err = io.ErrNoProgress
		}
	}
	if err == io.EOF {
		in.atEOF = true
	}
	switch {
	case in.read > in.max:
		in.err = fmt.Errorf("input is larger than %d bytes", in.max)
	case err == nil || err == io.EOF:
		return n, err
	default:
		in.err = fmt.Errorf("reading input: %w", err)
	}
	return n, in.err
}

// rawLine returns the next raw line (without '\n'), or ok=false at the end.
func (in *input) rawLine() (string, bool, error) {
	for {
		if i := strings.IndexByte(in.buf[in.pos:], '\n'); i >= 0 {
			line := in.buf[in.pos : in.pos+i]
			in.pos += i + 1
			return line, true, nil
		}
		if in.eof {
			if in.pos < len(in.buf) {
				line := in.buf[in.pos:]
				in.pos = len(in.buf)
				return line, true, nil
			}
			return "", false, in.err
		}
		// read the next chunk, keeping the unfinished line
		rest := in.buf[in.pos:]
		if len(rest) > maxLine {
			in.err = fmt.Errorf("line %d is longer than %d bytes: no helm-diff output has such a line (binary data?)", in.no+len(in.ahead)-in.aheadAt+1, maxLine)
			in.eof, in.buf, in.pos = true, "", 0
			return "", false, in.err
		}
		size := chunkSize
		if len(rest) >= size/2 {
			size = 2 * len(rest) // a long line: grow geometrically
		}
		if len(rest)+size > maxLine+1 {
			size = max(maxLine+1-len(rest), 1) // enough to see that the line is too long
		}
		if left := in.max - in.read + 1; int64(size) > left && left > 0 {
			size = int(left) // never buffer more than the limit allows
		}
		chunk := make([]byte, len(rest), len(rest)+size)
		copy(chunk, rest)
		for len(chunk) < cap(chunk) {
			n, err := in.Read(chunk[len(chunk):cap(chunk)])
			chunk = chunk[:len(chunk)+n]
			if err != nil {
				in.eof = true
				break
			}
			if n > 0 && strings.IndexByte(unsafe.String(&chunk[len(chunk)-n], n), '\n') >= 0 {
				break // a full line is there; do not wait for more
			}
		}
		if len(chunk) == 0 {
			in.buf, in.pos = "", 0
		} else {
			if len(chunk) < cap(chunk)/2 {
				// a pipe gave less than asked for: the lines kept of this
				// chunk must not hold its unused part (a body read from a
				// pipe in small reads held many times its size)
				chunk = append(make([]byte, 0, len(chunk)), chunk...)
			}
			in.buf, in.pos = unsafe.String(&chunk[0], len(chunk)), 0
		}
	}
}

// readLine returns the next normalised line from the reader.
func (in *input) readLine() (iline, bool, error) {
	s, ok, err := in.rawLine()
	if !ok || err != nil {
		return iline{}, false, err
	}
	l := iline{no: in.no + len(in.ahead) - in.aheadAt + 1}
	if s == "" && in.decided {
		return l, true, nil // an empty line: nothing to normalise
	}
	unterminated := in.eof && in.pos == len(in.buf) && in.err == nil && in.last != '\n'
	if !in.decided {
		// a Windows pipe ends every line, the first included, with CRLF;
		// helm-diff itself never does, so CRs after an LF first line are
		// content (a manifest saved with CRLF shows as changed lines)
		in.decided = true
		in.crlf = strings.HasSuffix(s, "\r")
	}
	if in.crlf {
		s = strings.TrimSuffix(s, "\r") // the pipe's
	}
	if strings.HasSuffix(s, "\r") {
		s, l.cr = s[:len(s)-1], true // the content's
	}
	// one pass finds what needs more work: escape sequences, carriage
	// returns and backspaces, other control characters, non-ASCII bytes
	var esc, crbs, ctl, wide, tab bool
	i := plainASCII(s)
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80:
			wide = true
		case c == '\t':
			tab = true
		case c >= 0x20 && c != 0x7f:
		case c == 0x1b:
			esc = true
		case c == '\r', c == '\b':
			crbs = true
		default:
			ctl = true
		}
	}
	l.wide = wide
	if !esc && !crbs && !ctl && !wide {
		l.text, l.tab = s, tab
		if unterminated {
			// even spaces alone: the cut fell inside an indentation
			in.cutAt = l.no
		}
		return l, true, nil
	}
	raw := s
	if esc {
		s = stripEscapes(s)
	}
	if i := strings.IndexAny(s, "\r\b"); i >= 0 {
		head := s[:i]
		s = renderTerminal(s)
		if head != "" && (isDiffLine(head) || isDiffLine(s)) {
			// helm-diff writes neither itself: a manifest's own CR line
			// ends, which the terminal rendering would hide, taking a
			// body line or an object header with it (after spaces too:
			// go-yaml breaks the line there, a terminal overwrites the
			// spaces, and the two read other indentations). Only a
			// prompt that redraws itself from the line's start is
			// rendered.
			l.err = newError(Pos{Line: l.no}, "a diff line holds a carriage return or backspace (a manifest with CR line ends?)")
		}
	}
	switch {
	case l.err != nil:
	case !utf8.ValidString(s):
		l.err = newError(Pos{Line: l.no}, "input is not valid UTF-8 (binary data or a wrong encoding)")
	default:
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
				l.err = newError(Pos{Line: l.no}, fmt.Sprintf("control character 0x%02x at column %d (binary data?)", c, i+1))
				break
			}
		}
	}
	l.text, l.tab = s, strings.IndexByte(s, '\t') >= 0
	if unterminated && (s != "" || !esc || !onlyResets(raw)) {
		// the input ends inside this line, even if in its indentation (a
		// colour reset alone does not count: helm-diff ends a coloured
		// stream with one; a colour set is the start of a line cut after
		// it)
		in.cutAt = l.no
	}
	return l, true, nil
}

// onlyResets reports whether s is one or more colour resets (ESC [ m or
// ESC [ 0 m) and nothing else.
func onlyResets(s string) bool {
	if s == "" {
		return false
	}
	for s != "" {
		var ok bool
		if s, ok = strings.CutPrefix(s, "\x1b[0m"); ok {
			continue
		}
		if s, ok = strings.CutPrefix(s, "\x1b[m"); !ok {
			return false
		}
	}
	return true
}

// plainASCII returns the length of the longest prefix of s, in steps of 8
// bytes, that holds only printable ASCII (0x20 to 0x7e): what readLine's
// check of each byte would pass without a note.
func plainASCII(s string) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))
		// a byte >= 0x80, a byte < 0x20, or a byte 0x7f (the tests for a
		// byte under a bound are exact when no byte has its high bit set)
		low := (w - 0x20*ones) &^ w
		del := ((w ^ 0x7f*ones) - ones) &^ (w ^ 0x7f*ones)
		if (w|low|del)&highs != 0 {
			break
		}
	}
	return i
}

// next returns the next line, or ok=false at the end of the input. A line
// that is not text comes with its error.
func (in *input) next() (l iline, ok bool, err error) {
	if in.aheadAt < len(in.ahead) {
		l = in.ahead[in.aheadAt]
		in.aheadAt++
		if in.aheadAt == len(in.ahead) {
			in.ahead, in.aheadAt = in.ahead[:0], 0
		}
	} else {
		var rerr error
		l, ok, rerr = in.readLine()
		if rerr != nil {
			return iline{}, false, rerr
		}
		if !ok {
			return iline{}, false, nil
		}
	}
	in.no = l.no
	return l, true, l.err
}

// takeIf returns the next line and true, consumed when it is not text (its error
// comes with it) or when keep accepts its text; a line it leaves
// (false) is queued for the next peek or next. It is peek and skip in one, without
// queueing a line that is taken (most of them: an object's body lines).
func (in *input) takeIf(keep func(string) bool) (l iline, taken bool) {
	if in.aheadAt < len(in.ahead) {
		l = in.ahead[in.aheadAt]
		if l.err == nil && !keep(l.text) {
			return iline{}, false
		}
		in.skip()
		return l, true
	}
	l, ok, err := in.readLine()
	if err != nil || !ok {
		return iline{}, false
	}
	if l.err == nil && !keep(l.text) {
		in.ahead = append(in.ahead, l)
		return iline{}, false
	}
	in.no = l.no
	return l, true
}

// peekPlain returns the next line, when it is a common one, for
// skipPlain to consume: nothing is queued, the line and its newline are
// in the buffer, and the line is printable ASCII (no tab, escape or
// carriage return: whatever the line ends are, it has no CR to remove,
// and they were decided by the first line, which readLine read to fill
// the buffer), so that readLine would return it as it is. ok is false for
// any other line (read it with the general methods).
func (in *input) peekPlain() (s string, ok bool) {
	if in.aheadAt < len(in.ahead) {
		return "", false
	}
	rest := in.buf[in.pos:]
	n := strings.IndexByte(rest, '\n')
	if n < 0 {
		return "", false
	}
	s = rest[:n]
	for i := plainASCII(s); i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return "", false
		}
	}
	return s, true
}

// skipPlain consumes the line s that peekPlain returned, and returns its
// number.
func (in *input) skipPlain(s string) int {
	in.pos += len(s) + 1
	in.no++
	return in.no
}

// skip consumes the line that peek returned.
func (in *input) skip() {
	in.no = in.ahead[in.aheadAt].no
	in.aheadAt++
	if in.aheadAt == len(in.ahead) {
		in.ahead, in.aheadAt = in.ahead[:0], 0
	}
}

// peek returns the next line without consuming it.
func (in *input) peek() (iline, bool, error) { return in.peekAt(0) }

// peekAt returns the line k positions ahead without consuming anything.
func (in *input) peekAt(k int) (iline, bool, error) {
	for len(in.ahead)-in.aheadAt <= k {
		l, ok, err := in.readLine()
		if err != nil {
			return iline{}, false, err
		}
		if !ok {
			return iline{}, false, nil
		}
		in.ahead = append(in.ahead, l)
	}
	l := in.ahead[in.aheadAt+k]
	return l, true, l.err
}

// finish reports why the input cannot be trusted whole, once it has been
// read: a read error, the size limit, or a last line without its newline
// (the stream was cut: a broken pipe, a log cut at a size limit, head -c).
func (in *input) finish() error {
	if in.err != nil {
		return in.err
	}
	if in.cutAt > 0 {
		return newError(Pos{Line: in.cutAt}, "the input ends in the middle of this line, without a newline: it was cut (a broken pipe, a log cut at a size limit); review the whole output")
	}
	return nil
}

// rest returns a reader of everything not yet consumed (queued lines
// included), for the JSON formats, which read their input whole.
func (in *input) rest() io.Reader {
	var b strings.Builder
	for _, l := range in.ahead[in.aheadAt:] {
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	in.ahead, in.aheadAt = nil, 0
	head := b.String() + in.buf[in.pos:]
	in.buf, in.pos = "", 0
	if in.eof && in.err == nil {
		return strings.NewReader(head)
	}
	return io.MultiReader(strings.NewReader(head), in)
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

// isDiffLine says whether a line is part of helm-diff's own grammar: a
// body line or an object header.
func isDiffLine(t string) bool {
	if isBodyLine(t) {
		return true
	}
	_, _, _, _, _, ok := splitHeader(t)
	return ok
}

// renderTerminal gives what a terminal shows of a captured line that
// redraws itself (interactive prompts): a carriage return goes back to the
// start of the line, so only what follows the last one is seen, and a
// backspace removes the character before it.
func renderTerminal(s string) string {
	if i := strings.LastIndexByte(s, '\r'); i >= 0 {
		s = s[i+1:]
	}
	if strings.IndexByte(s, '\b') < 0 {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\b' {
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			continue
		}
		out = append(out, r)
	}
	return string(out)
}
