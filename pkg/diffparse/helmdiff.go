package diffparse

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/kube"
)

// The header of an object in helm-diff's diff output (manifest/parse.go
// builds the key, diff/report.go adds the message). Names cannot contain
// ", ", so the split is unambiguous; the namespace may be empty.
var headerRE = regexp.MustCompile(`^(.*), (.*), (\S+) \((.*)\) (has changed:|has been added:|has been removed:|changed ownership:|has changed, but diff is empty after suppression\.)$`)

// The header of `helm diff release`, which keys objects by template path.
var sourceHeaderRE = regexp.MustCompile(`^(\S+\.(?:ya?ml|json|tpl|txt)) (has changed:|has been added:|has been removed:)$`)

const suppressedPrefix = "Changes suppressed on sensitive content of type "

// Trailer lines that helm and helm-diff print on stderr with
// --detailed-exitcode when there are changes; they do not mean failure.
const (
	trailerDetailed = "Error: identified at least one change, exiting with non-zero exit code (detailed-exitcode parameter enabled)"
	trailerPlugin   = `Error: plugin "diff" exited with error`
)

// isBodyLine reports whether a line can belong to an object body.
func isBodyLine(t string) bool {
	if t == "" || t == "..." || t == "+" || t == "-" || t == " " {
		return true
	}
	if len(t) < 2 {
		return false
	}
	p := t[:2]
	return p == "+ " || p == "- " || p == "  "
}

// header is a parsed object header.
type header struct {
	ref    kube.ObjectRef
	msg    string
	source string // for `helm diff release` headers: the template path
	pos    Pos
}

var headerMessages = []string{"has changed:", "has been added:", "has been removed:", "changed ownership:", "has changed, but diff is empty after suppression."}

// splitHeader splits "<ns>, <name>, <Kind> (<group>) <message>" by hand
// (the same grammar as headerRE, without its backtracking).
func splitHeader(t string) (ns, name, kind, api, msg string, ok bool) {
	for _, m := range headerMessages {
		if strings.HasSuffix(t, m) && len(t) > len(m) && t[len(t)-len(m)-1] == ' ' {
			msg = m
			break
		}
	}
	if msg == "" {
		return
	}
	head := t[:len(t)-len(msg)-1]
	if !strings.HasSuffix(head, ")") {
		return
	}
	open := strings.LastIndex(head, " (")
	if open < 0 {
		return
	}
	api = head[open+2 : len(head)-1]
	rest := head[:open]
	k := strings.LastIndex(rest, ", ")
	if k < 0 {
		return
	}
	kind = rest[k+2:]
	if kind == "" || strings.ContainsAny(kind, " \t") || strings.ContainsAny(api, "()") {
		return
	}
	nsName := rest[:k]
	j := strings.Index(nsName, ", ")
	if j < 0 {
		return
	}
	return nsName[:j], nsName[j+2:], kind, api, msg, true
}

func parseHeader(t string, pos Pos) (header, bool) {
	if ns, name, kind, api, msg, ok := splitHeader(t); ok {
		group := api
		if api == "v1" || !strings.Contains(api, ".") && isCoreVersion(api) {
			group = ""
		}
		if kube.IsClusterScoped(group, kind) {
			ns = ""
		}
		return header{ref: kube.ObjectRef{Group: kube.Intern(group), Kind: kube.Intern(kind), Namespace: kube.Intern(ns), Name: strings.Clone(name)}, msg: msg, pos: pos}, true
	}
	if m := sourceHeaderRE.FindStringSubmatch(t); m != nil {
		return header{source: strings.Clone(m[1]), msg: m[2], pos: pos}, true
	}
	return header{}, false
}

// isCoreVersion reports whether helm-diff's "(…)" holds a core version (the
// core group has no group name, so helm-diff shows its version).
func isCoreVersion(s string) bool { return coreVersionRE.MatchString(s) }

var coreVersionRE = regexp.MustCompile(`^v\d+((alpha|beta)\d+)?$`)

// blockParser reads helm-diff object entries. It is shared by the plain
// helm-diff parser and the wrappers (Stevedore, helmfile) that embed
// helm-diff output.
type blockParser struct {
	in      *input
	opts    *Options
	plan    *Plan
	errs    *errList
	release string
	file    string
	seen    map[objKey]*Object
	// reused buffers
	body       []bodyLine
	oldL, newL []*bodyLine
	oldT, newT sideTree
	cnt        counts
	factKeys   []string
}

type objKey struct {
	release string
	id      kube.ObjectID
}

func newBlockParser(in *input, opts *Options, plan *Plan, errs *errList) *blockParser {
	return &blockParser{in: in, opts: opts, plan: plan, errs: errs, seen: map[objKey]*Object{}}
}

// entry reads one object: the header line h (already consumed) and the body
// lines that follow it.
func (p *blockParser) entry(h header) {
	body := p.body[:0]
	defer func() { p.body = body[:0] }()
	for {
		l, ok, err := p.in.peek()
		if !ok {
			break
		}
		if err != nil {
			p.in.next()
			p.errs.Add(Pos{Line: l.no}, "%s", err.(*diag.Error).Msg)
			continue
		}
		if !isBodyLine(l.text) {
			break
		}
		p.in.next()
		body = append(body, toBodyLine(l))
	}
	// an entry's body never ends in blank context lines that belong to the
	// next entry; trailing blank lines are harmless either way.
	p.object(h, body)
}

func toBodyLine(l iline) bodyLine {
	t := l.text
	b := bodyLine{no: l.no, cr: l.cr}
	switch {
	case t == "...":
		b.gap = true
	case t == "" || t == " ":
		b.side = sideOld | sideNew
	case t == "+":
		b.side = sideNew
	case t == "-":
		b.side = sideOld
	case strings.HasPrefix(t, "+ "):
		b.side, b.text = sideNew, t[2:]
	case strings.HasPrefix(t, "- "):
		b.side, b.text = sideOld, t[2:]
	default:
		b.side, b.text = sideOld|sideNew, t[2:]
	}
	return b
}

func (p *blockParser) object(h header, body []bodyLine) {
	obj := &Object{Ref: h.ref, Pos: h.pos, Release: p.release, File: p.file, Content: Complete, Source: h.source}
	switch h.msg {
	case "has changed:":
		obj.Action = Update
	case "has been added:":
		obj.Action = Create
	case "has been removed:":
		obj.Action = Delete
	case "changed ownership:":
		obj.Action = Ownership
	default: // has changed, but diff is empty after suppression.
		obj.Action = Update
		obj.Content = Suppressed
		if nonBlank(body) {
			p.errs.Add(h.pos, "an object whose diff is empty after suppression has a body")
			return
		}
		p.add(obj, h)
		return
	}
	if !nonBlank(body) {
		p.errs.Add(h.pos, "object header without a diff body (truncated input?)")
		return
	}
	if obj.Action == Ownership {
		if !p.ownership(obj, body) {
			return
		}
		p.add(obj, h)
		return
	}
	if len(body) >= 1 && body[0].side == sideNew && strings.HasPrefix(body[0].text, suppressedPrefix) && len(trimBlank(body)) == 1 {
		// helm-diff --suppress KIND / --suppress-secrets
		if kind := strings.TrimPrefix(body[0].text, suppressedPrefix); kind != obj.Ref.Kind && h.source == "" {
			p.errs.Add(Pos{Line: body[0].no}, "suppression notice names kind %q but the object is a %s", kind, obj.Ref.Kind)
			return
		}
		obj.Content = Suppressed
		p.add(obj, h)
		return
	}
	p.analyse(obj, body)
	if h.source != "" && (obj.Ref.Kind == "" || obj.Ref.Name == "") {
		p.errs.Add(h.pos, "cannot tell which object %s is: its kind and name are not in the diff", h.source)
		return
	}
	p.add(obj, h)
}

func nonBlank(body []bodyLine) bool {
	for i := range body {
		if body[i].gap || !isBlank(body[i].text) {
			return true
		}
	}
	return false
}

// trimBlank returns the body without blank lines.
func trimBlank(body []bodyLine) []bodyLine {
	var out []bodyLine
	for _, l := range body {
		if l.gap || !isBlank(l.text) {
			out = append(out, l)
		}
	}
	return out
}

func (p *blockParser) ownership(obj *Object, body []bodyLine) bool {
	for _, l := range trimBlank(body) {
		switch {
		case l.side == sideOld && obj.OldOwner == "":
			obj.OldOwner = strings.Clone(strings.TrimSpace(l.text))
		case l.side == sideNew && obj.NewOwner == "":
			obj.NewOwner = strings.Clone(strings.TrimSpace(l.text))
		default:
			p.errs.Add(Pos{Line: l.no}, "unexpected line in an ownership change (want one '- old-namespace/release' and one '+ new-namespace/release' line)")
			return false
		}
	}
	if obj.NewOwner == "" {
		p.errs.Add(obj.Pos, "ownership change without the new owner")
		return false
	}
	return true
}

// add records an object, merging an ownership entry with a content entry of
// the same object.
func (p *blockParser) add(obj *Object, h header) {
	if obj.Ref.Kind == "" || obj.Ref.Name == "" {
		p.errs.Add(h.pos, "object header without a kind or a name (kind %q, name %q)", obj.Ref.Kind, obj.Ref.Name)
		return
	}
	k := objKey{release: p.release, id: obj.Ref.ID()}
	if prev, ok := p.seen[k]; ok {
		switch {
		case prev.Action == Ownership && obj.Action != Ownership:
			prev.Action, prev.Changes, prev.Content, prev.Facts = obj.Action, obj.Changes, obj.Content, obj.Facts
			if prev.Source == "" {
				prev.Source = obj.Source
			}
			if prev.Ref.Version == "" {
				prev.Ref.Version = obj.Ref.Version
			}
			return
		case obj.Action == Ownership && prev.Action != Ownership:
			prev.OldOwner, prev.NewOwner = obj.OldOwner, obj.NewOwner
			return
		}
		p.errs.Add(h.pos, "object %s appears twice (first at line %d)", obj.Ref, prev.Pos.Line)
		return
	}
	p.seen[k] = obj
	p.plan.Objects = append(p.plan.Objects, obj)
}

// analyse rebuilds both sides of a body and computes its field changes and
// the facts the rules asked for.
func (p *blockParser) analyse(obj *Object, body []bodyLine) {
	oldL, newL := p.oldL[:0], p.newL[:0]
	defer func() { p.oldL, p.newL = oldL[:0], newL[:0] }()
	gaps := false
	changedLines := 0
	for i := range body {
		l := &body[i]
		if l.gap {
			gaps = true
			oldL = append(oldL, l)
			newL = append(newL, l)
			continue
		}
		if l.side&sideOld != 0 {
			oldL = append(oldL, l)
		}
		if l.side&sideNew != 0 {
			newL = append(newL, l)
		}
		if l.changed() {
			changedLines++
		}
		if obj.Source == "" && strings.HasPrefix(l.text, "# Source: ") {
			obj.Source = strings.Clone(strings.TrimSpace(strings.TrimPrefix(l.text, "# Source: ")))
		}
	}
	if gaps {
		obj.Content = Partial
	}
	p.identify(obj, oldL, newL)
	typ := kube.SchemaFor(obj.Ref.Group, obj.Ref.Version, obj.Ref.Kind)

	switch obj.Action {
	case Create:
		p.newT.build(newL, typ)
		p.checkOpen(&p.newT)
		p.facts(obj, New, &p.newT)
		return
	case Delete:
		p.oldT.build(oldL, typ)
		p.checkOpen(&p.oldT)
		p.facts(obj, Old, &p.oldT)
		return
	}
	p.oldT.build(oldL, typ)
	p.newT.build(newL, typ)
	p.checkOpen(&p.oldT)
	p.checkOpen(&p.newT)
	p.facts(obj, Old, &p.oldT)
	p.facts(obj, New, &p.newT)

	p.oldT.counts(&p.cnt)
	oc := p.oldT.collect(&p.cnt, nil)
	p.newT.counts(&p.cnt)
	nc := p.newT.collect(&p.cnt, nil)
	obj.Changes = pairChanges(&p.oldT, &p.newT, oc, nc)
	if len(obj.Changes) == 0 {
		first := 0
		for i := range body {
			if body[i].changed() {
				first = body[i].no
				break
			}
		}
		if changedLines > 0 {
			// only comments, blank lines or document markers changed
			obj.Changes = []Change{{Path: kube.Path{}, Op: Reformat, Old: Value{Kind: NoValue}, New: Value{Kind: NoValue}, Pos: Pos{Line: first}}}
		} else {
			// a "has changed" entry without a changed line: the changes were
			// filtered out of view (helm-diff's line suppression)
			obj.Content = Suppressed
		}
	}
	for i := range obj.Changes {
		redact(obj.Ref, &obj.Changes[i])
	}
}

// checkOpen reports a quoted or flow scalar left open at the end of a
// body: the input was cut in the middle of a value.
func (p *blockParser) checkOpen(t *sideTree) {
	if line := t.nestingError(); line > 0 {
		p.errs.Add(Pos{Line: line}, "the document nests more than %d levels deep here", maxNesting)
	}
	if line := t.unterminated(); line > 0 {
		p.errs.Add(Pos{Line: line}, "a quoted or bracketed value that starts here never ends (truncated input?)")
	}
}

// identify fills in the object's version (and, for `helm diff release`
// entries keyed by template path, its kind, name and namespace) from the
// root-level lines of the body.
func (p *blockParser) identify(obj *Object, oldL, newL []*bodyLine) {
	get := func(lines []*bodyLine, key string) string {
		inMeta := false
		for _, l := range lines {
			if l.gap {
				inMeta = false
				continue
			}
			t := l.text
			if indentOf(t) == 0 {
				inMeta = t == "metadata:"
				if k, v, ok := splitKey(t); ok && k == key {
					s, _ := decodeScalar(stripComment(v))
					return s
				}
				continue
			}
			if inMeta && strings.HasPrefix(key, "metadata.") && indentOf(t) > 0 {
				if k, v, ok := splitKey(strings.TrimSpace(t)); ok && k == strings.TrimPrefix(key, "metadata.") && indentOf(t) == 2 {
					s, _ := decodeScalar(stripComment(v))
					return s
				}
			}
		}
		return ""
	}
	pick := func(key string) string {
		if v := get(newL, key); v != "" {
			return v
		}
		return get(oldL, key)
	}
	if av := pick("apiVersion"); av != "" {
		g, v := kube.SplitAPIVersion(av)
		if obj.Ref.Kind == "" || g == obj.Ref.Group {
			obj.Ref.Group, obj.Ref.Version = kube.Intern(g), kube.Intern(v)
		}
	}
	if obj.Ref.Kind == "" {
		obj.Ref.Kind = kube.Intern(pick("kind"))
		obj.Ref.Name = strings.Clone(pick("metadata.name"))
		obj.Ref.Namespace = kube.Intern(pick("metadata.namespace"))
		if obj.Ref.Namespace == "" && !kube.IsClusterScoped(obj.Ref.Group, obj.Ref.Kind) {
			obj.Ref.Namespace = p.opts.Namespace
		}
	}
}

// facts looks up the fields the rules asked about on one side. Only
// present fields are stored; a complete side marks the others absent.
func (p *blockParser) facts(obj *Object, side Side, t *sideTree) {
	if len(p.opts.Facts) == 0 {
		return
	}
	if p.factKeys == nil {
		for _, fp := range p.opts.Facts {
			p.factKeys = append(p.factKeys, fp.String())
		}
	}
	obj.FactsComplete[side] = !t.gaps
	for i, fp := range p.opts.Facts {
		if n, ok := t.lookup(fp); ok {
			v, _ := t.value(n)
			if obj.Facts[side] == nil {
				obj.Facts[side] = make(map[string]Fact, 2)
			}
			obj.Facts[side][p.factKeys[i]] = Fact{Presence: Present, Value: v}
		}
	}
}

// redactMarkerRE matches helm-diff's redaction markers.
var redactMarkerRE = regexp.MustCompile(`^(?:REDACTED|-{8}|\+{8}) # \((\d+) bytes\)$`)

var credentialLineRE = regexp.MustCompile(`(?m)^\s*-?\s*name:\s*["']?([^"'\s#]+)`)

// redact replaces sensitive values by their size. Values are redacted when
// they are parsed, so that no later stage can print them.
func redact(ref kube.ObjectRef, c *Change) {
	sensitive := kube.Sensitive(ref.Group, ref.Kind, c.Path)
	if !sensitive {
		for _, v := range []*Value{&c.Old, &c.New} {
			if v.Kind != Tree && v.Kind != Text {
				continue
			}
			// a whole annotation map (or object) that carries
			// last-applied-configuration, a copy of the whole object
			if strings.Contains(v.Text, "last-applied-configuration") {
				sensitive = true
			}
			// a whole env list (or env item) added at once, holding a credential
			if v.Kind == Tree && pathEndsInEnv(c.Path) {
				for _, m := range credentialLineRE.FindAllStringSubmatch(v.Text, -1) {
					if kube.CredentialName(m[1]) {
						sensitive = true
					}
				}
			}
		}
	}
	if !sensitive {
		return
	}
	c.Old = redactValue(c.Old)
	c.New = redactValue(c.New)
}

func pathEndsInEnv(p kube.Path) bool {
	for i := len(p) - 1; i >= 0 && i >= len(p)-2; i-- {
		if p[i] == kube.Field("env") {
			return true
		}
	}
	return false
}

func redactValue(v Value) Value {
	if v.Kind == NoValue || v.Redacted {
		return v
	}
	return Value{Kind: v.Kind, Redacted: true, Bytes: secretSize(v)}
}

// secretSize returns the size of a secret value: helm-diff's redaction
// marker states it; base64 data (Secret data shown with --show-secrets, or
// by Stevedore) is measured decoded; anything else by its length.
func secretSize(v Value) int {
	if v.Kind != Scalar {
		return -1
	}
	if m := redactMarkerRE.FindStringSubmatch(v.Text); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if b, err := base64.StdEncoding.DecodeString(v.Text); err == nil && v.Text != "" {
		return len(b)
	}
	return len(v.Text)
}
