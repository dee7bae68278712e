package diffparse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/safediff/safediff/pkg/kube"
)

// This file reads helm-diff's JSON formats: --output json (and template
// with its default template), which names objects, and --output structured,
// which adds field changes. The array is read one entry at a time, so that
// memory does not grow with the input beyond what the entries keep.

type jsonEntry struct {
	API       string `json:"api"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Change    string `json:"change"`
}

type structuredEntry struct {
	APIVersion     string `json:"apiVersion"`
	Kind           string `json:"kind"`
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	ChangeType     string `json:"changeType"`
	ResourceStatus *struct {
		OldExists bool `json:"oldExists"`
		NewExists bool `json:"newExists"`
	} `json:"resourceStatus"`
	Changes []struct {
		Path     string          `json:"path"`
		Field    string          `json:"field"`
		Change   string          `json:"change"`
		OldValue json.RawMessage `json:"oldValue"`
		NewValue json.RawMessage `json:"newValue"`
	} `json:"changes"`
	ChangesSuppressed bool `json:"changesSuppressed"`
}

// lineReader passes the bytes of a JSON stream through, checking that they
// are UTF-8 and counting lines, so that an offset of the decoder can be
// turned into a line number. It keeps only the bytes after the last offset
// asked about: offsets must be asked in increasing order.
type lineReader struct {
	r        io.Reader
	nokeep   bool   // stop keeping bytes: no more offsets will be asked
	base     int    // input lines before the stream
	mark     int64  // offset of kept[0]
	markLine int    // newlines before mark
	kept     []byte // bytes read since mark
	carry    []byte // the start of a rune cut by a read
	invalid  int64  // offset of the first invalid byte, -1 if none
}

func (lr *lineReader) Read(p []byte) (int, error) {
	n, err := lr.r.Read(p)
	if n > 0 && !lr.nokeep {
		lr.kept = append(lr.kept, p[:n]...)
		lr.check(p[:n])
	}
	if err == io.EOF && len(lr.carry) > 0 && lr.invalid < 0 {
		lr.invalid = lr.mark + int64(len(lr.kept)-len(lr.carry))
	}
	return n, err
}

// check validates UTF-8 across reads. It copies no more than a rune cut by
// a read: the stream may be hundreds of megabytes.
func (lr *lineReader) check(b []byte) {
	if lr.invalid >= 0 {
		return
	}
	// the offset of the bytes checked: the carried rune's, else b's
	start := lr.mark + int64(len(lr.kept)-len(b)-len(lr.carry))
	if len(lr.carry) > 0 {
		// finish the rune the last read cut
		head := append(lr.carry, b[:min(len(b), utf8.UTFMax)]...)
		if !utf8.FullRune(head) {
			lr.carry = head // still cut
			return
		}
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size == 1 {
			lr.invalid = start
			return
		}
		b = b[size-len(lr.carry):]
		lr.carry = lr.carry[:0]
	}
	end := len(b)
	// keep an incomplete rune at the end for the next read
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		if c := b[len(b)-i]; utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				end = len(b) - i
			}
			break
		}
	}
	if !utf8.Valid(b[:end]) {
		lr.invalid = start
	}
	lr.carry = append(lr.carry, b[end:]...)
}

// lineAt returns the input line of the stream offset off (or the first line
// at or after it that is not white space, when skip is set) and forgets the
// bytes before it.
func (lr *lineReader) lineAt(off int64, skip bool) Pos {
	rel := int(off - lr.mark)
	if rel < 0 {
		rel = 0
	}
	if rel > len(lr.kept) {
		rel = len(lr.kept)
	}
	if skip {
		for rel < len(lr.kept) && strings.IndexByte(" \t\r\n,", lr.kept[rel]) >= 0 {
			rel++
		}
	}
	lr.markLine += bytes.Count(lr.kept[:rel], []byte{'\n'})
	lr.mark += int64(rel)
	lr.kept = append(lr.kept[:0], lr.kept[rel:]...)
	return Pos{Line: lr.base + 1 + lr.markLine}
}

// endLine returns the line of the end of what was read, keeping the bytes.
func (lr *lineReader) endLine() Pos {
	return Pos{Line: lr.base + 1 + lr.markLine + bytes.Count(lr.kept, []byte{'\n'})}
}

// parseJSON reads helm-diff --output json (or template) and --output
// structured.
func (s *stream) parseJSON(format Format) {
	lr := &lineReader{r: s.in.rest(), base: s.in.no, invalid: -1}
	defer func() {
		if s.in.atEOF && s.in.last != '\n' && s.in.cutAt == 0 && !lr.nokeep {
			last := lr.kept[bytes.LastIndexByte(lr.kept, '\n')+1:]
			if strings.TrimSpace(stripEscapes(string(last))) != "" {
				s.in.cutAt = lr.endLine().Line
			}
		}
	}()
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	fail := func(err error) {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case lr.invalid >= 0:
			s.errs.Add(lr.lineAt(lr.invalid, false), "input is not valid UTF-8 (binary data or a wrong encoding)")
		case errors.As(err, &se):
			s.errs.Add(lr.lineAt(se.Offset, false), "invalid JSON: %v", se)
		case errors.As(err, &te):
			s.errs.Add(lr.lineAt(te.Offset, false), "unexpected JSON: %s must not be a %s", te.Field, te.Value)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			s.errs.Add(lr.endLine(), "the JSON ends early (truncated input?)")
		default:
			s.errs.Add(lr.lineAt(dec.InputOffset(), true), "unexpected JSON (%v); is this helm-diff --output %s?", err, format)
		}
	}
	tok, err := dec.Token()
	if err != nil {
		fail(err)
		return
	}
	if tok != json.Delim('[') {
		s.errs.Add(lr.lineAt(0, true), "unexpected JSON: helm-diff --output %s prints an array", format)
		return
	}
	for dec.More() {
		pos := lr.lineAt(dec.InputOffset(), true)
		if format == FormatJSON {
			var e jsonEntry
			if err := dec.Decode(&e); err != nil {
				fail(err)
				return
			}
			s.jsonObject(e, pos)
		} else {
			var e structuredEntry
			if err := dec.Decode(&e); err != nil {
				fail(err)
				return
			}
			s.structuredObject(&e, pos)
		}
		if len(s.errs.List) >= maxErrors {
			return
		}
	}
	if _, err := dec.Token(); err != nil {
		fail(err)
		return
	}
	if lr.invalid >= 0 {
		fail(nil)
		return
	}
	// what follows the JSON: blank lines and helm's trailer only
	end := lr.lineAt(dec.InputOffset(), false)
	if lr.invalid >= 0 {
		fail(nil)
		return
	}
	lr.nokeep = true // the tail is read by lines, which check it
	tail := newInput(io.MultiReader(dec.Buffered(), lr), 0)
	tail.no = end.Line - 1
	for len(s.errs.List) < maxErrors {
		l, ok, err := tail.next()
		if !ok {
			break
		}
		if err != nil {
			s.errs.Add(Pos{Line: l.no}, "%s", err.Error())
			continue
		}
		if l.no == end.Line {
			// the rest of the line of the closing bracket
			if strings.TrimSpace(l.text) != "" {
				s.errs.Add(Pos{Line: l.no}, "unexpected text after the JSON array")
			}
			continue
		}
		if !s.topLevelLine(tail, l) {
			s.errs.Add(Pos{Line: l.no}, "unexpected text after the JSON array")
		}
	}
	if tail.cutAt > 0 {
		s.in.cutAt = tail.cutAt
	}
	if len(s.plan.Objects) == 0 && len(s.errs.List) == 0 {
		s.plan.NoChanges = true
	}
}

func (s *stream) jsonObject(e jsonEntry, pos Pos) {
	if e.Kind == "" || e.Name == "" {
		s.errs.Add(pos, "JSON entry without kind or name")
		return
	}
	group := e.API
	if isCoreVersion(group) {
		group = ""
	}
	if !kube.ValidKind(e.Kind) || !kube.ValidGroup(group) {
		// helm-diff prints the group alone ("apps"), and the version of
		// the core group ("v1"): a whole apiVersion, or another name, is
		// not what it prints, and read as a group it misses the rules
		s.errs.Add(pos, "JSON entry with a kind or API group helm-diff does not print (api %q, kind %q)", clip(e.API, 120), clip(e.Kind, 120))
		return
	}
	ns := e.Namespace
	if kube.IsClusterScoped(group, e.Kind) {
		ns = ""
	}
	ch, ok := changeOf(FormatJSON, e.Change)
	if !ok {
		s.errs.Add(pos, "unknown change %q (want ADD, REMOVE, MODIFY, OWNERSHIP or MODIFY_SUPPRESSED)", e.Change)
		return
	}
	obj := &Object{Ref: kube.ObjectRef{Group: group, Kind: e.Kind, Namespace: ns, Name: e.Name}, Pos: pos, Content: ObjectOnly, Action: ch.action}
	if ch.content != 0 {
		obj.Content = ch.content
	}
	s.table.add(obj)
}

func (s *stream) structuredObject(e *structuredEntry, pos Pos) {
	if e.ChangeType == "OWNERSHIP" && e.Kind == "" {
		// helm-diff emits ownership entries with the whole key as name
		h, ok := parseHeader(e.Name+" changed ownership:", pos)
		if !ok {
			s.errs.Add(pos, "ownership entry with an unreadable key %q", clip(e.Name, 120))
			return
		}
		s.table.add(&Object{Ref: h.ref, Pos: pos, Action: Ownership, Content: ObjectOnly})
		return
	}
	if e.Kind == "" || e.Name == "" {
		s.errs.Add(pos, "structured entry without kind or name")
		return
	}
	group, version := kube.SplitAPIVersion(e.APIVersion)
	if !kube.ValidKind(e.Kind) || !kube.ValidGroup(group) {
		// no object has it ("Secret ", "Secret\u200b"): altered input,
		// which would also be judged, and shown, as a kind it is not
		s.errs.Add(pos, "structured entry with a kind or API group no Kubernetes object has (apiVersion %q, kind %q)", clip(e.APIVersion, 120), clip(e.Kind, 120))
		return
	}
	ns := e.Namespace
	if kube.IsClusterScoped(group, e.Kind) {
		ns = ""
	}
	obj := &Object{Ref: kube.ObjectRef{Group: group, Version: version, Kind: e.Kind, Namespace: ns, Name: e.Name}, Pos: pos, Content: ObjectOnly}
	ch, ok := changeOf(FormatStructured, e.ChangeType)
	if !ok {
		s.errs.Add(pos, "%s: unknown changeType %q (want ADD, REMOVE, MODIFY or OWNERSHIP)", obj.Ref, e.ChangeType)
		return
	}
	obj.Action = ch.action
	if ch.content != 0 {
		obj.Content = ch.content
	}
	if e.ChangesSuppressed {
		obj.Content = Suppressed
	}
	typ := kube.SchemaFor(group, version, e.Kind)
	for _, c := range e.Changes {
		path, err := structuredPath(c.Path, c.Field, typ)
		if err != nil {
			s.errs.Add(pos, "%s: %v", obj.Ref, err)
			continue
		}
		ch := Change{Path: path, Old: jsonValue(c.OldValue), New: jsonValue(c.NewValue), Shape: jsonShape(c.NewValue, c.OldValue)}
		switch c.Change {
		case "add":
			ch.Op = Add
		case "remove":
			ch.Op = Remove
		case "replace":
			ch.Op = Modify
		default:
			s.errs.Add(pos, "%s: unknown change %q at %s (want add, remove or replace)", obj.Ref, c.Change, path)
			continue
		}
		if kube.Sensitive(obj.Ref.Group, obj.Ref.Kind, ch.Path) || sensitiveJSON(obj.Ref, ch.Path, c.OldValue) || sensitiveJSON(obj.Ref, ch.Path, c.NewValue) ||
			kube.IsSecretKind(obj.Ref.Group, obj.Ref.Kind) && (!secretShows(ch.Path, ch.Old) || !secretShows(ch.Path, ch.New)) {
			encoded := base64At(obj.Ref, ch.Path)
			ch.Old, ch.New = redactValue(ch.Old, encoded), redactValue(ch.New, encoded)
		}
		obj.Changes = append(obj.Changes, ch)
	}
	// helm-diff compares lists index by index and reports an item removed
	// only past the new list's end: a removal at index 0 leaves it empty,
	// which the API server refuses of a pod template's containers
	for _, ch := range obj.Changes {
		n := len(ch.Path)
		if ch.Op != Remove || n == 0 || ch.Path[n-1] != kube.Index(0) {
			continue
		}
		if ContainersRefusal(obj.Ref, ch.Path[:n-1], Remove, Value{}) != "" {
			obj.Refused = append(obj.Refused, Note{Pos: pos, Text: ch.Path[:n-1].String() + " must name at least one container"})
			break
		}
	}
	if obj.Action == Update && len(obj.Changes) == 0 && !e.ChangesSuppressed {
		s.errs.Add(pos, "%s: MODIFY entry without changes", obj.Ref)
		return
	}
	// values of the changed fields are the only facts this format shows
	for _, fp := range s.opts.Facts {
		for i := range obj.Changes {
			if obj.Changes[i].Path.Equal(fp) {
				for side, v := range []Value{obj.Changes[i].Old, obj.Changes[i].New} {
					if obj.Facts[side] == nil {
						obj.Facts[side] = map[string]Fact{}
					}
					if v.Present() {
						obj.Facts[side][fp.String()] = Fact{Presence: Present, Value: v}
					} else {
						obj.Facts[side][fp.String()] = Fact{Presence: Absent}
					}
				}
			}
		}
	}
	s.table.add(obj)
}

// secretShows says whether a Secret's field (one kube.Sensitive lets
// through) may show v, as the diff reader says: a scalar the field can
// hold (kube.SecretValueShown); a mapping or a list there may carry the
// Secret's data.
func secretShows(p kube.Path, v Value) bool {
	switch v.Kind {
	case NoValue:
		return true
	case Scalar:
		return kube.SecretValueShown(p, v.Text)
	}
	return false
}

// sensitiveJSON reports whether a JSON value at path p holds a sensitive
// field below it.
func sensitiveJSON(ref kube.ObjectRef, p kube.Path, raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' && raw[0] != '[' {
		return false
	}
	var t sideTree
	t.reset(nil, nil)
	t.exact = true
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return true
	}
	open, _ := tok.(json.Delim)
	t.nodes[root].kind = kMap
	if open == '[' {
		t.nodes[root].kind = kSeq
	}
	if err := t.jsonChildren(dec, root, open, -1, 0); err != nil {
		return true
	}
	if p.Exact() {
		t.typ = kube.SchemaFor(ref.Group, ref.Version, ref.Kind)
	}
	return t.sensitiveBelow(ref, p, root)
}

var (
	structuredStepRE = lazyRE(`^([^\[\]]*)((?:\[\d+\])*)$`)
	digitsRE         = lazyRE(`\d+`)
)

// structuredPath turns helm-diff's dotted path and field into a path. The
// dotted form does not escape dots inside keys; the field (the last key) is
// given separately, so labels such as helm.sh/chart come out whole.
func structuredPath(path, field string, typ *kube.Type) (kube.Path, error) {
	var p kube.Path
	if path != "" {
		for _, part := range strings.Split(path, ".") {
			m := structuredStepRE().FindStringSubmatch(part)
			if m == nil || m[1] == "" && m[2] == "" {
				return nil, fmt.Errorf("unreadable structured path %q", path)
			}
			if m[1] != "" {
				p = append(p, kube.Field(m[1]))
			}
			for _, idx := range digitsRE().FindAllString(m[2], -1) {
				n, _ := strconv.Atoi(idx)
				p = append(p, kube.Index(n))
			}
		}
	}
	if field == "" {
		return p, nil
	}
	// a numeric field under a list (or anywhere, without a schema) is an
	// index (arrays of scalars)
	if n, err := strconv.Atoi(field); err == nil && n >= 0 {
		if t := typ.At(p); typ == nil || t != nil && t.Kind == kube.ListType {
			return append(p, kube.Index(n)), nil
		}
	}
	return append(p, kube.Field(field)), nil
}

// jsonValue reads a value of a structured change. Its type is the JSON's:
// helm-diff decodes the documents with sigs.k8s.io/yaml too.
func jsonValue(raw json.RawMessage) Value {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return Value{Kind: NoValue, Bytes: -1}
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			v := Value{Kind: Scalar, Text: s, Type: StringType, Bytes: -1}
			if strings.IndexByte(s, '\n') >= 0 {
				v.Kind = Text
			}
			return v
		}
	case '{', '[':
		return Value{Kind: Tree, Text: string(raw), Bytes: -1}
	case 't', 'f':
		return Value{Kind: Scalar, Text: string(raw), Type: BoolType, Bytes: -1}
	case 'n':
		return Value{Kind: Scalar, Text: string(raw), Type: NullType, Bytes: -1}
	}
	return Value{Kind: Scalar, Text: string(raw), Type: numberType(string(raw)), Bytes: -1}
}

func jsonShape(raws ...json.RawMessage) kube.Shape {
	for _, raw := range raws {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		switch raw[0] {
		case '{':
			return kube.MappingShape
		case '[':
			return kube.SequenceShape
		default:
			return kube.ScalarShape
		}
	}
	return kube.UnknownShape
}
