package diffparse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/kube"
)

// Options control [Parse].
type Options struct {
	// Format forces an input format; FormatAuto detects it.
	Format Format
	// Facts lists fields whose values classification needs (the replica
	// count, the update strategy, …). Their values are looked up on both
	// sides of every object and kept in [Object.Facts]; everything else
	// about the bodies is dropped once the changes are known.
	Facts []kube.Path
	// Namespace is the release namespace, used for objects identified from
	// their body (helm diff release) that do not state one.
	Namespace string
	// MaxInput limits the size of the input; 0 means [DefaultMaxInput].
	MaxInput int64
}

const maxErrors = 20

// nextText returns the next line of the input that is text, adding the
// others (binary data, control characters) to errs. ok is false at the end
// of the input, and once errs holds maxErrors.
func nextText(in *input, errs *errList) (iline, bool) {
	for len(errs.List) < maxErrors {
		l, ok, err := in.next()
		if !ok {
			return iline{}, false
		}
		if err == nil {
			return l, true
		}
		errs.List = append(errs.List, err.(*diag.Error))
	}
	return iline{}, false
}

// ErrUnsupported is wrapped by errors about input formats safediff does not
// read (helm-diff --output dyff, custom templates, anything else).
var ErrUnsupported = errors.New("unsupported input")

// Parse reads helm-diff output (or a wrapper's stream that embeds it) and
// returns the changed objects. Input it does not understand is an error
// naming the line, never a partial result: a gate must not pass what it
// could not read. Empty input is a plan with no objects and NoChanges set.
func Parse(r io.Reader, opts Options) (*Plan, error) {
	return parseInput(newInput(r, opts.MaxInput), &opts)
}

// ParseString is [Parse] on a string.
func ParseString(s string, opts Options) (*Plan, error) {
	return Parse(strings.NewReader(s), opts)
}

func parseInput(in *input, opts *Options) (*Plan, error) {
	format := opts.Format
	first, firstAt, err := firstContent(in)
	if err != nil {
		return nil, err
	}
	if first == "" && format != FormatStevedore {
		return &Plan{Format: format, NoChanges: true, FactPaths: opts.Facts}, nil
	}
	if format == FormatAuto {
		format, err = detect(in, first, firstAt)
		if err != nil {
			return nil, err
		}
	}
	plan := &Plan{Format: format, FactPaths: opts.Facts}
	var errs errList
	switch format {
	case FormatDiff:
		parseDiff(in, opts, plan, &errs)
	case FormatSimple:
		parseSimple(in, plan, &errs)
	case FormatJSON, FormatStructured:
		parseJSON(in, opts, plan, &errs, format)
	case FormatStevedore:
		parseStevedore(in, opts, plan, &errs)
	case FormatHelmfile:
		parseHelmfile(in, opts, plan, &errs)
	default:
		return nil, fmt.Errorf("input format %s cannot be parsed", format)
	}
	if in.err != nil {
		// the parser saw an early end of the input as its end
		return nil, in.err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	addNotes(plan)
	plan.Notes = dedupeNotes(plan.Notes)
	return plan, nil
}

// firstContent returns the first non-blank line and its position in the
// look-ahead queue, without consuming input.
func firstContent(in *input) (string, int, error) {
	for k := 0; ; k++ {
		l, ok, err := in.peekAt(k)
		if err != nil {
			return "", 0, err
		}
		if !ok {
			return "", 0, nil
		}
		if strings.TrimSpace(l.text) != "" {
			return l.text, k, nil
		}
	}
}

var (
	simpleLineRE = regexp.MustCompile(`^(.*), (.*), (\S+) \((.*)\) (to be added\.|to be removed\.|to be changed\.|to change ownership\.|has changed, but diff is empty after suppression\.)$`)
	planLineRE   = regexp.MustCompile(`^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy(?:, (\d+) to change ownership)?\.$`)
	dyffRE       = regexp.MustCompile(`^(± |⇆ |- one document removed|\+ one document added|\(root level\)|\(file level\))|  \([^()/]+(/[^()/]+)+\)$`)
	stevedoreRE  = regexp.MustCompile(`^(Context Details:|File: |ReleaseName: |No changes in the plan$|Using context |Processing \d+ manifest file)`)
	helmfileRE   = regexp.MustCompile(`^Comparing release=`)
	bannerRE     = regexp.MustCompile(`^\*{5,}$`)
	// newReleaseBanner is what helm-diff says between its banners when
	// --allow-unreleased diffs a release not yet installed: not a failure
	newReleaseBanner = "Release was not present in Helm.  Diff will show entire contents as new."
)

// detectLines bounds how far format detection looks ahead.
const detectLines = 64

// detect guesses the format from the first lines (at most detectLines of
// look-ahead; nothing is consumed).
func detect(in *input, first string, at int) (Format, error) {
	t := strings.TrimSpace(first)
	firstNo := in.no + at + 1
	switch {
	case strings.HasPrefix(t, "["):
		if structuredLooking(in) {
			return FormatStructured, nil
		}
		return FormatJSON, nil
	case helmfileRE.MatchString(first):
		return FormatHelmfile, nil
	case stevedoreRE.MatchString(first):
		return FormatStevedore, nil
	case planLineRE.MatchString(first):
		return FormatSimple, nil
	case simpleLineRE.MatchString(first):
		// "has changed, but diff is empty after suppression." is printed by
		// both the diff and the simple formats: the next line decides.
		if !strings.HasSuffix(first, "after suppression.") || nextSaysSimple(in, at) {
			return FormatSimple, nil
		}
	}
	if _, ok := parseHeader(first, Pos{}); ok {
		return FormatDiff, nil
	}
	if strings.HasPrefix(first, "WARNING: ") || strings.HasPrefix(first, "Error: ") || bannerRE.MatchString(first) {
		// helm or helm-diff complained before any output: the diff parser
		// reports it precisely.
		return FormatDiff, nil
	}
	// look a little further: wrappers print lines of their own first, and
	// some formats we refuse have tell-tale lines
	for k := 0; k < detectLines; k++ {
		l, ok, _ := in.peekAt(k)
		if !ok {
			break
		}
		if helmfileRE.MatchString(l.text) {
			return FormatHelmfile, nil
		}
		if dyffRE.MatchString(l.text) {
			return 0, newError(Pos{Line: l.no}, fmt.Sprintf("%v: this is helm-diff's dyff output, which is meant for people and cannot be read reliably; re-run helm diff with --output diff (or --output structured)", ErrUnsupported))
		}
	}
	return 0, newError(Pos{Line: firstNo}, fmt.Sprintf("%v: this is not helm-diff output that safediff can read; re-run helm diff with --output diff", ErrUnsupported))
}

// nextSaysSimple reports whether the first line after the one at look-ahead
// position at that is not an "empty after suppression" line belongs to the
// simple format.
func nextSaysSimple(in *input, at int) bool {
	for k := at + 1; k < at+detectLines; k++ {
		l, ok, _ := in.peekAt(k)
		if !ok {
			return false
		}
		switch {
		case strings.TrimSpace(l.text) == "":
			continue
		case planLineRE.MatchString(l.text):
			return true
		case simpleLineRE.MatchString(l.text):
			if !strings.HasSuffix(l.text, "after suppression.") {
				return true
			}
			continue
		}
		return false
	}
	return false
}

// structuredLooking reports whether a JSON array holds helm-diff structured
// entries (changeType) rather than --output json entries (change).
func structuredLooking(in *input) bool {
	for k := 0; k < detectLines; k++ {
		l, ok, _ := in.peekAt(k)
		if !ok {
			return false
		}
		if strings.Contains(l.text, `"changeType"`) || strings.Contains(l.text, `"apiVersion"`) {
			return true
		}
		if strings.Contains(l.text, `"change"`) || strings.Contains(l.text, `"api"`) {
			return false
		}
	}
	return false
}

// parseDiff reads helm-diff's default output.
func parseDiff(in *input, opts *Options, plan *Plan, errs *errList) {
	bp := newBlockParser(in, opts, plan, errs)
	sawDetailed := false
	for {
		l, ok := nextText(in, errs)
		if !ok {
			break
		}
		if h, isHeader := parseHeader(l.text, Pos{Line: l.no}); isHeader {
			bp.entry(h)
			continue
		}
		if !topLevelLine(in, l, plan, errs, &sawDetailed) {
			if isBodyLine(l.text) {
				errs.Add(Pos{Line: l.no}, "diff line outside of any object (is the input cut at the start?)")
			} else {
				errs.Add(Pos{Line: l.no}, "not helm-diff output: expected an object header such as \"default, web, Deployment (apps) has changed:\"")
			}
		}
	}
}

// topLevelLine handles the lines that may appear between helm-diff entries:
// blank lines, helm's warnings, the --detailed-exitcode trailer and helm or
// helm-diff errors. It reports whether the line was one of them.
func topLevelLine(in *input, l iline, plan *Plan, errs *errList, sawDetailed *bool) bool {
	t := l.text
	switch {
	case strings.TrimSpace(t) == "":
		return true
	case t == trailerDetailed:
		*sawDetailed = true
		return true
	case t == trailerPlugin:
		if !*sawDetailed {
			errs.Add(Pos{Line: l.no}, "helm diff failed (helm reported: plugin \"diff\" exited with error)")
		}
		return true
	case strings.HasPrefix(t, "WARNING: "), strings.HasPrefix(t, "W1") && strings.Contains(t, "warnings.go"):
		plan.Notes = append(plan.Notes, Note{Pos: Pos{Line: l.no}, Text: "helm warned: " + strings.TrimPrefix(t, "WARNING: ")})
		return true
	case bannerRE.MatchString(t):
		var msg []string
		for {
			m, ok, _ := in.next()
			if !ok || bannerRE.MatchString(m.text) {
				break
			}
			if s := strings.TrimSpace(m.text); s != "" {
				msg = append(msg, s)
			}
		}
		text := strings.Join(msg, " ")
		if text == newReleaseBanner {
			// helm diff upgrade --allow-unreleased, for a release not yet installed
			plan.Notes = append(plan.Notes, Note{Pos: Pos{Line: l.no}, Text: "helm-diff: " + text})
			return true
		}
		errs.Add(Pos{Line: l.no}, "helm diff failed: %s", clip(text, 300))
		return true
	case strings.HasPrefix(t, "Error: "):
		errs.Add(Pos{Line: l.no}, "helm diff failed: %s", clip(strings.TrimPrefix(t, "Error: "), 300))
		return true
	}
	return false
}

// wrapperLine handles a line of a wrapper's stream (Stevedore, helmfile)
// that is none of the wrapper's own: a warning, a line helm-diff prints
// between entries, or else an error saying what was expected.
func wrapperLine(in *input, l iline, plan *Plan, errs *errList, sawDetailed *bool, expected string) {
	t, pos := l.text, Pos{Line: l.no}
	switch {
	case strings.HasPrefix(t, "WARNING: "), klogRE.MatchString(t):
		plan.Notes = append(plan.Notes, Note{Pos: pos, Text: "warning in the stream: " + clip(strings.TrimPrefix(t, "WARNING: "), 200)})
	case topLevelLine(in, l, plan, errs, sawDetailed):
	case isBodyLine(t):
		errs.Add(pos, "diff line outside of any object (is the input cut?)")
	default:
		errs.Add(pos, "%s", expected)
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// parseSimple reads helm-diff --output simple.
func parseSimple(in *input, plan *Plan, errs *errList) {
	var want [4]int
	sawPlan, sawDetailed := false, false
	var got [4]int
	seen := map[kube.ObjectID]int{}
	for {
		l, ok := nextText(in, errs)
		if !ok {
			break
		}
		pos := Pos{Line: l.no}
		if m := simpleLineRE.FindStringSubmatch(l.text); m != nil && !sawPlan {
			h, _ := parseHeader(m[1]+", "+m[2]+", "+m[3]+" ("+m[4]+") has changed:", pos)
			if h.ref.Name == "" {
				errs.Add(pos, "object line without a name")
				continue
			}
			obj := &Object{Ref: h.ref, Pos: pos, Content: ObjectOnly}
			switch m[5] {
			case "to be added.":
				obj.Action = Create
				got[0]++
			case "to be changed.":
				obj.Action = Update
				got[1]++
			case "to be removed.":
				obj.Action = Delete
				got[2]++
			case "to change ownership.":
				obj.Action = Ownership
				got[3]++
			default:
				obj.Action = Update
				obj.Content = Suppressed
			}
			if prev, dup := seen[obj.Ref.ID()]; dup {
				errs.Add(pos, "object %s appears twice (first at line %d)", obj.Ref, prev)
				continue
			}
			seen[obj.Ref.ID()] = l.no
			plan.Objects = append(plan.Objects, obj)
			continue
		}
		if m := planLineRE.FindStringSubmatch(l.text); m != nil && !sawPlan {
			sawPlan = true
			for i := 0; i < 4; i++ {
				if m[i+1] != "" {
					want[i], _ = strconv.Atoi(m[i+1])
				}
			}
			if got != want {
				errs.Add(pos, "the Plan: line counts %d to add, %d to change, %d to destroy, %d to change ownership, but the lines above list %d, %d, %d and %d (truncated input?)", want[0], want[1], want[2], want[3], got[0], got[1], got[2], got[3])
			}
			continue
		}
		if topLevelLine(in, l, plan, errs, &sawDetailed) {
			continue
		}
		if sawPlan {
			errs.Add(pos, "unexpected line after the Plan: line")
		} else {
			errs.Add(pos, "not helm-diff --output simple: expected \"<namespace>, <name>, <Kind> (<group>) to be changed.\" or a Plan: line")
		}
	}
	if !sawPlan && len(errs.List) == 0 {
		errs.Add(Pos{Line: in.no}, "helm-diff --output simple ends with a Plan: line, and this input has none (truncated input?)")
	}
	if sawPlan && len(plan.Objects) == 0 {
		plan.NoChanges = true
	}
}

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

// parseJSON reads helm-diff --output json (or template) and --output
// structured.
func parseJSON(in *input, opts *Options, plan *Plan, errs *errList, format Format) {
	base := in.no
	raw, err := io.ReadAll(in.rest())
	if err != nil {
		errs.Add(Pos{}, "%v", err)
		return
	}
	if !utf8.Valid(raw) {
		errs.Add(Pos{Line: base + 1}, "input is not valid UTF-8 (binary data or a wrong encoding)")
		return
	}
	data := string(raw)
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	lineAt := func(off int64) Pos {
		if off > int64(len(data)) {
			off = int64(len(data))
		}
		return Pos{Line: base + 1 + strings.Count(data[:off], "\n")}
	}
	var jerr error
	var entries []jsonEntry
	var sentries []structuredEntry
	if format == FormatJSON {
		jerr = dec.Decode(&entries)
	} else {
		jerr = dec.Decode(&sentries)
	}
	if jerr != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(jerr, &se):
			errs.Add(lineAt(se.Offset), "invalid JSON: %v", se)
		case errors.As(jerr, &te):
			errs.Add(lineAt(te.Offset), "unexpected JSON: %s must not be a %s", te.Field, te.Value)
		case errors.Is(jerr, io.ErrUnexpectedEOF), errors.Is(jerr, io.EOF):
			errs.Add(lineAt(int64(len(data))), "the JSON ends early (truncated input?)")
		default:
			errs.Add(lineAt(dec.InputOffset()), "unexpected JSON (%v); is this helm-diff --output %s?", jerr, format)
		}
		return
	}
	end := int(dec.InputOffset())
	// what follows the JSON: blank lines and helm's trailer only
	tail := newInput(strings.NewReader(data[end:]), 0)
	tail.no = base + strings.Count(data[:end], "\n")
	sawDetailed := false
	for {
		l, ok := nextText(tail, errs)
		if !ok {
			break
		}
		if !topLevelLine(tail, l, plan, errs, &sawDetailed) {
			errs.Add(Pos{Line: l.no}, "unexpected text after the JSON array")
		}
	}
	lines := entryLines(data[:end], base+1)
	if format == FormatJSON {
		jsonObjects(entries, lines, plan, errs)
	} else {
		structuredObjects(sentries, lines, opts, plan, errs)
	}
	if len(plan.Objects) == 0 && len(errs.List) == 0 {
		plan.NoChanges = true
	}
}

// entryLines finds the input line of each top-level array element, for
// positions in messages.
func entryLines(data string, base int) []int {
	var lines []int
	depth := 0
	inStr, esc := false, false
	line := base
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line++
		}
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			if depth == 1 && c == '{' {
				lines = append(lines, line)
			}
			depth++
		case ']', '}':
			depth--
		}
	}
	return lines
}

func jsonObjects(entries []jsonEntry, lines []int, plan *Plan, errs *errList) {
	seen := map[kube.ObjectID]int{}
	for i, e := range entries {
		pos := Pos{}
		if i < len(lines) {
			pos.Line = lines[i]
		}
		if e.Kind == "" || e.Name == "" {
			errs.Add(pos, "JSON entry without kind or name")
			continue
		}
		group := e.API
		if isCoreVersion(group) {
			group = ""
		}
		ns := e.Namespace
		if kube.IsClusterScoped(group, e.Kind) {
			ns = ""
		}
		obj := &Object{Ref: kube.ObjectRef{Group: group, Kind: e.Kind, Namespace: ns, Name: e.Name}, Pos: pos, Content: ObjectOnly}
		switch e.Change {
		case "ADD":
			obj.Action = Create
		case "REMOVE":
			obj.Action = Delete
		case "MODIFY":
			obj.Action = Update
		case "OWNERSHIP":
			obj.Action = Ownership
		case "MODIFY_SUPPRESSED":
			obj.Action = Update
			obj.Content = Suppressed
		default:
			errs.Add(pos, "unknown change %q (want ADD, REMOVE, MODIFY, OWNERSHIP or MODIFY_SUPPRESSED)", e.Change)
			continue
		}
		if prev, dup := seen[obj.Ref.ID()]; dup {
			errs.Add(pos, "object %s appears twice (first at line %d)", obj.Ref, prev)
			continue
		}
		seen[obj.Ref.ID()] = pos.Line
		plan.Objects = append(plan.Objects, obj)
	}
}

func structuredObjects(entries []structuredEntry, lines []int, opts *Options, plan *Plan, errs *errList) {
	seen := map[kube.ObjectID]int{}
	for i, e := range entries {
		pos := Pos{}
		if i < len(lines) {
			pos.Line = lines[i]
		}
		if e.ChangeType == "OWNERSHIP" && e.Kind == "" {
			// helm-diff emits ownership entries with the whole key as name
			h, ok := parseHeader(e.Name+" changed ownership:", pos)
			if !ok {
				errs.Add(pos, "ownership entry with an unreadable key %q", clip(e.Name, 120))
				continue
			}
			obj := &Object{Ref: h.ref, Pos: pos, Action: Ownership, Content: ObjectOnly}
			plan.Objects = append(plan.Objects, obj)
			continue
		}
		if e.Kind == "" || e.Name == "" {
			errs.Add(pos, "structured entry without kind or name")
			continue
		}
		group, version := kube.SplitAPIVersion(e.APIVersion)
		ns := e.Namespace
		if kube.IsClusterScoped(group, e.Kind) {
			ns = ""
		}
		obj := &Object{Ref: kube.ObjectRef{Group: group, Version: version, Kind: e.Kind, Namespace: ns, Name: e.Name}, Pos: pos, Content: ObjectOnly}
		switch e.ChangeType {
		case "ADD":
			obj.Action = Create
		case "REMOVE":
			obj.Action = Delete
		case "MODIFY":
			obj.Action = Update
			obj.Content = Partial
		case "OWNERSHIP":
			obj.Action = Ownership
		default:
			errs.Add(pos, "%s: unknown changeType %q (want ADD, REMOVE, MODIFY or OWNERSHIP)", obj.Ref, e.ChangeType)
			continue
		}
		if e.ChangesSuppressed {
			obj.Content = Suppressed
		}
		typ := kube.SchemaFor(group, version, e.Kind)
		for _, c := range e.Changes {
			path, err := structuredPath(c.Path, c.Field, typ)
			if err != nil {
				errs.Add(pos, "%s: %v", obj.Ref, err)
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
				errs.Add(pos, "%s: unknown change %q at %s (want add, remove or replace)", obj.Ref, c.Change, path)
				continue
			}
			redact(obj.Ref, &ch)
			obj.Changes = append(obj.Changes, ch)
		}
		if obj.Action == Update && len(obj.Changes) == 0 && !e.ChangesSuppressed {
			errs.Add(pos, "%s: MODIFY entry without changes", obj.Ref)
			continue
		}
		// values of the changed fields are the only facts this format shows
		for _, fp := range opts.Facts {
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
		if prev, dup := seen[obj.Ref.ID()]; dup {
			errs.Add(pos, "object %s appears twice (first at line %d)", obj.Ref, prev)
			continue
		}
		seen[obj.Ref.ID()] = pos.Line
		plan.Objects = append(plan.Objects, obj)
	}
}

var (
	structuredStepRE = regexp.MustCompile(`^([^\[\]]*)((?:\[\d+\])*)$`)
	digitsRE         = regexp.MustCompile(`\d+`)
)

// structuredPath turns helm-diff's dotted path and field into a path. The
// dotted form does not escape dots inside keys; the field (the last key) is
// given separately, so labels such as helm.sh/chart come out whole.
func structuredPath(path, field string, typ *kube.Type) (kube.Path, error) {
	var p kube.Path
	if path != "" {
		for _, part := range strings.Split(path, ".") {
			m := structuredStepRE.FindStringSubmatch(part)
			if m == nil || m[1] == "" && m[2] == "" {
				return nil, fmt.Errorf("unreadable structured path %q", path)
			}
			if m[1] != "" {
				p = append(p, kube.Field(m[1]))
			}
			for _, idx := range digitsRE.FindAllString(m[2], -1) {
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

func jsonValue(raw json.RawMessage) Value {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return Value{Kind: NoValue, Bytes: -1}
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return Value{Kind: Scalar, Text: s, Bytes: -1}
		}
	case '{', '[':
		return Value{Kind: Tree, Text: string(raw), Bytes: -1}
	}
	return Value{Kind: Scalar, Text: string(raw), Bytes: -1}
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

// dedupeNotes keeps the first of notes with the same text.
func dedupeNotes(notes []Note) []Note {
	seen := map[string]bool{}
	out := notes[:0]
	for _, n := range notes {
		if !seen[n.Text] {
			seen[n.Text] = true
			out = append(out, n)
		}
	}
	return out
}

// addNotes records what the reader should know about the input format.
func addNotes(plan *Plan) {
	partial := false
	for _, o := range plan.Objects {
		if o.Content == Partial && plan.Format != FormatStructured {
			partial = true
			break
		}
	}
	switch plan.Format {
	case FormatSimple:
		plan.Notes = append(plan.Notes, Note{Text: "helm-diff --output simple shows objects, not fields: every changed object is judged by the worst its changes could be; re-run helm diff with --output diff for a field-level review"})
	case FormatJSON:
		plan.Notes = append(plan.Notes, Note{Text: "helm-diff --output json shows objects, not fields, and drops objects whose key it cannot parse (names with ':', '_' or capitals, empty namespaces); re-run helm diff with --output diff for a complete, field-level review"})
	case FormatStructured:
		plan.Notes = append(plan.Notes, Note{Text: "helm-diff --output structured addresses list items by position, not by name, and shows no fields for added or removed objects"})
	}
	if partial {
		plan.Notes = append(plan.Notes, Note{Text: "the diff shows only some lines around each change (--context or a wrapper's default); fields whose ancestors were cut are marked with a leading '...' and judged by every place they could be"})
	}
}
