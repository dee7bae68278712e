package report

import (
	"bufio"
	"encoding/binary"
	"runtime"
	"strconv"
	"unicode/utf8"
)

// This file writes the objects of the JSON report by hand: the same bytes
// as encoding/json with two-space indentation and HTML escaping off
// (TestJSONWriterMatchesEncodingJSON holds it to that), at a fraction of
// the cost, which matters for releases of thousands of objects.

type jsonw struct {
	b   []byte
	pre string // indentation of the current object's braces
	n   int    // fields written in the current object
}

func (w *jsonw) open() {
	w.b = append(w.b, '{')
	w.n = 0
}

func (w *jsonw) key(k string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.pre...)
	w.b = append(w.b, "  \""...)
	w.b = append(w.b, k...)
	w.b = append(w.b, "\": "...)
}

func (w *jsonw) close() {
	if w.n > 0 {
		w.b = append(w.b, '\n')
		w.b = append(w.b, w.pre...)
	}
	w.b = append(w.b, '}')
}

func (w *jsonw) str(k, v string) {
	w.key(k)
	w.b = appendJSONString(w.b, v)
}

func (w *jsonw) strOmit(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

func (w *jsonw) int(k string, v int) {
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *jsonw) intOmit(k string, v int) {
	if v != 0 {
		w.int(k, v)
	}
}

func (w *jsonw) boolOmit(k string, v bool) {
	if v {
		w.key(k)
		w.b = append(w.b, "true"...)
	}
}

func (w *jsonw) strings(k string, vs []string, omitEmpty bool) {
	if len(vs) == 0 {
		if omitEmpty {
			return
		}
		w.key(k)
		if vs == nil {
			w.b = append(w.b, "null"...)
		} else {
			w.b = append(w.b, "[]"...)
		}
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, '\n')
		w.b = append(w.b, w.pre...)
		w.b = append(w.b, "    "...)
		w.b = appendJSONString(w.b, v)
	}
	w.b = append(w.b, '\n')
	w.b = append(w.b, w.pre...)
	w.b = append(w.b, "  ]"...)
}

// appendObject appends o, whose opening brace stands at indentation pre.
func appendObject(b []byte, o *JSONObject, pre string) []byte {
	return appendObjectWith(b, o, pre, len(o.Changes), func(b []byte, i int, pre string) []byte {
		return appendChange(b, &o.Changes[i], pre)
	})
}

// appendObjectWith appends o with n changes that change appends, the
// change at index i with its opening brace at indentation pre, in place of
// o.Changes: a writer can render each change when it comes to it (and pass
// on what it has appended so far) instead of holding all of them at once.
// With n == 0, o.Changes says whether the list is null or empty.
func appendObjectWith(b []byte, o *JSONObject, pre string, n int, change func(b []byte, i int, pre string) []byte) []byte {
	w := &jsonw{b: b, pre: pre}
	w.open()
	w.str("ref", o.Ref)
	w.str("group", o.Group)
	w.strOmit("version", o.Version)
	w.str("kind", o.Kind)
	w.str("namespace", o.Namespace)
	w.str("name", o.Name)
	w.strOmit("release", o.Release)
	w.strOmit("file", o.File)
	w.str("action", o.Action)
	w.str("level", o.Level)
	w.str("rule", o.Rule)
	w.str("reason", o.Reason)
	w.intOmit("line", o.Line)
	w.strOmit("source", o.Source)
	w.str("content", o.Content)
	w.strOmit("hook", o.Hook)
	w.strings("culprits", o.Culprits, true)
	w.strOmit("oldOwner", o.OldOwner)
	w.strOmit("newOwner", o.NewOwner)
	w.key("changes")
	if n == 0 {
		if o.Changes == nil {
			w.b = append(w.b, "null"...)
		} else {
			w.b = append(w.b, "[]"...)
		}
	} else {
		w.b = append(w.b, '[')
		inner := deeper(pre, 4)
		for i := range n {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, '\n')
			w.b = append(w.b, inner...)
			w.b = change(w.b, i, inner)
		}
		w.b = append(w.b, '\n')
		w.b = append(w.b, pre...)
		w.b = append(w.b, "  ]"...)
	}
	w.close()
	return w.b
}

// spaces holds the indentations of the report (pre is always spaces).
const spaces = "                                                                "

// deeper returns the indentation n spaces deeper than pre, without
// allocating where it can.
func deeper(pre string, n int) string {
	if len(pre)+n <= len(spaces) {
		return spaces[:len(pre)+n]
	}
	return pre + spaces[:n]
}

func appendChange(b []byte, c *JSONChange, pre string) []byte {
	w := &jsonw{b: b, pre: pre}
	w.open()
	w.str("path", c.Path)
	w.str("op", c.Op)
	if c.Old != nil {
		w.key("old")
		w.b = appendValue(w.b, c.Old, deeper(pre, 2))
	}
	if c.New != nil {
		w.key("new")
		w.b = appendValue(w.b, c.New, deeper(pre, 2))
	}
	w.str("level", c.Level)
	w.str("rule", c.Rule)
	w.str("reason", c.Reason)
	w.intOmit("line", c.Line)
	w.boolOmit("object", c.Object)
	w.boolOmit("approximate", c.Approximate)
	w.strOmit("place", c.Place)
	w.intOmit("places", c.Places)
	w.boolOmit("assumed", c.Assumed)
	w.strings("assumptions", c.Assumptions, true)
	w.boolOmit("replace", c.Replace)
	w.boolOmit("maybeReplace", c.MaybeReplace)
	w.strings("also", c.Also, true)
	w.strings("missing", c.Missing, true)
	if c.Lowered != nil {
		w.key("lowered")
		lw := &jsonw{b: w.b, pre: deeper(pre, 2)}
		lw.open()
		lw.str("level", c.Lowered.Level)
		lw.str("rule", c.Lowered.Rule)
		lw.str("by", c.Lowered.By)
		lw.close()
		w.b = lw.b
	}
	w.boolOmit("accepted", c.Accepted)
	w.strOmit("acceptReason", c.AcceptReason)
	w.close()
	return w.b
}

func appendValue(b []byte, v *JSONValue, pre string) []byte {
	w := &jsonw{b: b, pre: pre}
	w.open()
	w.str("kind", v.Kind)
	if v.Value != nil {
		w.str("value", *v.Value)
	}
	w.boolOmit("redacted", v.Redacted)
	if v.Bytes != nil {
		w.int("bytes", *v.Bytes)
	}
	w.close()
	return w.b
}

// plainJSON marks the bytes a JSON string holds as they are (ASCII only:
// the others are checked as UTF-8).
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainJSONWord reports whether the 8 bytes of w are all bytes a JSON
// string holds as they are: ASCII, not a control character, '"' or '\'.
// (Each test for a byte below a bound or equal to a value is exact about
// whether some byte is, when no byte has its high bit set.)
func plainJSONWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	ctl := (w - 0x20*ones) &^ w
	quote := ((w ^ '"'*ones) - ones) &^ (w ^ '"'*ones)
	backslash := ((w ^ '\\'*ones) - ones) &^ (w ^ '\\'*ones)
	return (w|ctl|quote|backslash)&highs == 0
}

// appendJSONString quotes s as encoding/json does with HTML escaping off:
// ", \ and control characters escaped, U+2028 and U+2029 escaped, invalid
// UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plainJSONWord(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) {
			i += 8
			continue
		}
		c := s[i]
		if plainJSON[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	b = append(b, '"')
	return b
}

// Objects are rendered in batches on workers and written in order: the
// bytes are those of a serial rendering. An object with many changes is
// rendered by the writing goroutine itself, change by change, and what is
// rendered goes out once it passes flushAt bytes: an object of 40,000
// changes is not held whole, neither as JSONChange values nor as bytes.
const (
	flushAt = 32 << 10
	// batchObjects and batchChanges bound a batch; an object of more than
	// batchChanges changes is rendered alone, streaming.
	batchObjects = 32
	batchChanges = 1024
	// batchesPerWorker bounds the batches rendered ahead of the writer:
	// what they hold is held at once (some 100 KiB a batch of typical
	// objects, a few MiB on a machine of many cores).
	batchesPerWorker = 2
)

// objectBatch is a run of objects [from, to) rendered by a worker.
type objectBatch struct {
	from, to int
	b        []byte
	done     chan struct{}
}

// writeObjects writes the report's objects, each on its own lines and
// followed by a comma but the last, with the given number of workers (0:
// runtime.GOMAXPROCS).
func writeObjects(bw *bufio.Writer, r *Report, workers int) {
	objs := r.Result.Objects
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, 4*runtime.GOMAXPROCS(0)) // more only wait for a CPU
	if workers == 1 || len(objs) <= batchObjects {
		var ob []byte
		for i := range objs {
			ob = appendReportObject(ob[:0], r, i, bw)
			bw.Write(ob)
		}
		return
	}
	work := make(chan *objectBatch, workers*batchesPerWorker)
	defer close(work)
	for range workers {
		go func() {
			for bt := range work {
				for i := bt.from; i < bt.to; i++ {
					bt.b = appendReportObject(bt.b, r, i, nil)
				}
				bt.done <- struct{}{}
			}
		}()
	}
	var queue, free []*objectBatch
	writeHead := func() {
		bt := queue[0]
		queue = queue[1:]
		<-bt.done
		bw.Write(bt.b)
		bt.b = bt.b[:0]
		free = append(free, bt)
	}
	for next := 0; next < len(objs); {
		if len(objs[next].Findings) > batchChanges {
			// an object too large to hold: written here, once the
			// batches before it are
			for len(queue) > 0 {
				writeHead()
			}
			var ob []byte
			bw.Write(appendReportObject(ob, r, next, bw))
			next++
			continue
		}
		to, changes := next, 0
		for to < len(objs) && to-next < batchObjects && len(objs[to].Findings) <= batchChanges && changes+len(objs[to].Findings) <= batchChanges {
			changes += len(objs[to].Findings)
			to++
		}
		if len(queue) >= workers*batchesPerWorker {
			writeHead()
		}
		var bt *objectBatch
		if n := len(free); n > 0 {
			bt, free = free[n-1], free[:n-1]
		} else {
			bt = &objectBatch{done: make(chan struct{}, 1)}
		}
		bt.from, bt.to = next, to
		queue = append(queue, bt)
		work <- bt
		next = to
	}
	for len(queue) > 0 {
		writeHead()
	}
}

// appendReportObject appends object i of the report (indented, with its
// comma and line end). With a flush writer, what it has rendered goes out
// whenever it passes flushAt bytes; b is then what is left to write.
func appendReportObject(b []byte, r *Report, i int, flush *bufio.Writer) []byte {
	o := r.Result.Objects[i]
	jo := jsonObjectHead(r, o)
	b = appendObjectWith(append(b, "    "...), &jo, "    ", len(o.Findings), func(b []byte, i int, pre string) []byte {
		jc := jsonChange(r, &o.Findings[i])
		b = appendChange(b, &jc, pre)
		if flush != nil && len(b) >= flushAt {
			flush.Write(b)
			b = b[:0]
		}
		return b
	})
	if i < len(r.Result.Objects)-1 {
		b = append(b, ',')
	}
	return append(b, '\n')
}
