package diffparse

import (
	"strings"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/kube"
)

// This file reads helm-diff object entries: the header, then the body
// lines, checked for what helm-diff prints (one document per object, the
// empty side of an added or removed object), and hands them to analysis.
// It is shared by the plain helm-diff parser and the wrappers (Stevedore,
// helmfile) that embed helm-diff output.

// maxBodyLines bounds the lines of one object's diff (runs of blank lines
// count once). It keeps memory proportional to the input: no object that
// Kubernetes stores comes near it (etcd takes 1.5 MiB per object).
const maxBodyLines = 1 << 20

// maxBodyBytes bounds the text of one object's diff the same way: an
// input of one huge object is refused once its body passes it, not held
// up to the input limit.
const maxBodyBytes = 64 << 20

// blockParser reads helm-diff object entries.
type blockParser struct {
	in      *input
	opts    *Options
	plan    *Plan
	errs    *errList
	table   *objectTable
	release string
	file    string
	// reused buffers
	body       []bodyLine
	oldL, newL []*bodyLine
	oldT, newT sideTree // the fast reader's trees, built from the lines
	patched    bool     // newT was patched from oldT (patch.go)
	oldX, newX sideTree // the exact reader's trees
	oldC, newC counts
	differ     differ // compares complete sides (semdiff.go)
	cur        current
	keep       func(semChange) // keepChange, made once
	factKeys   []string
	// fact maps by their content, shared by the objects with equal facts
	factMaps map[string]map[string]Fact
	factVals []indexedValue
	factKey  []byte
	factAt   []int32 // facts: the node after each step of the path before
	// checked are the new side's lists an object's changes held to their
	// keys (see serverSideAt), reused from object to object
	checked nodeSet
	// workers analyse objects on a pipeline when more than 1 (see
	// pipeline.go); pipe is started by the first object
	workers int
	pipe    *pipeline
	handed  bool // dispatch handed the body buffer to a job
}

func newBlockParser(in *input, opts *Options, plan *Plan, errs *errList, table *objectTable) *blockParser {
	return &blockParser{in: in, opts: opts, plan: plan, errs: errs, table: table}
}

// entry reads one object: the header line h (already consumed) and the body
// lines that follow it.
func (p *blockParser) entry(h header) {
	body := p.body[:0]
	defer func() {
		if p.handed {
			p.handed = false // dispatch took the buffer and left another
			return
		}
		p.body = body[:0]
	}()
	tooLong, size := false, 0
	for {
		var b bodyLine
		if s, ok := p.in.peekPlain(); ok && len(s) >= 2 && s[1] == ' ' && (s[0] == ' ' || s[0] == '+' || s[0] == '-') {
			// the common line, read without the general path: what
			// toBodyLine makes of it
			b = bodyLine{no: int32(p.in.skipPlain(s)), text: s[2:], side: sideOld | sideNew}
			switch s[0] {
			case '+':
				b.side = sideNew
			case '-':
				b.side = sideOld
			}
			if isBlank(b.text) {
				b.rep = 1
			}
		} else {
			l, taken := p.in.takeIf(isBodyLine)
			if !taken {
				break
			}
			if l.err != nil {
				p.errs.Add(Pos{Line: l.no}, "%s", l.err.(*diag.Error).Msg)
				continue
			}
			b = toBodyLine(l)
		}
		if n := len(body); n > 0 && b.rep == 1 && body[n-1].rep > 0 && body[n-1].side == b.side && body[n-1].text == b.text && body[n-1].cr == b.cr && !body[n-1].gap {
			body[n-1].rep++ // a run of the same blank line
			continue
		}
		if size += len(b.text); len(body) >= maxBodyLines || size > maxBodyBytes {
			tooLong = true
			continue
		}
		body = append(body, b)
	}
	if p.in.err != nil {
		return // the input ends early: the parse fails, and the body is cut
	}
	if tooLong {
		p.errs.Add(h.pos, "the diff of this object is longer than %d lines or %d MiB; no Kubernetes object is that large (truncated or altered input?)", maxBodyLines, maxBodyBytes>>20)
		return
	}
	p.object(h, body)
}

func toBodyLine(l iline) bodyLine {
	t := l.text
	b := bodyLine{no: int32(l.no), cr: l.cr, wide: l.wide, tab: l.tab}
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
	if !b.gap && isBlank(b.text) {
		b.rep = 1
	}
	return b
}

func (p *blockParser) object(h header, body []bodyLine) {
	ch, _ := changeOf(FormatDiff, h.msg)
	obj := &Object{Ref: h.ref, Pos: h.pos, Release: p.release, File: p.file, Content: Complete, Source: h.source, Action: ch.action}
	if ch.content == Suppressed {
		// has changed, but diff is empty after suppression.
		obj.Content = Suppressed
		p.plan.linesSuppressed = true
		if nonBlank(body) {
			p.errs.Add(h.pos, "an object whose diff is empty after suppression has a body")
			return
		}
		p.table.add(obj)
		return
	}
	if !nonBlank(body) {
		p.errs.Add(h.pos, "object header without a diff body (truncated input?)")
		return
	}
	if obj.Action == Ownership {
		if p.ownership(obj, body) {
			p.table.add(obj)
		}
		return
	}
	if l := onlyLine(body); l != nil && l.side == sideNew && strings.HasPrefix(l.text, suppressedPrefix) {
		// helm-diff --suppress KIND / --suppress-secrets
		if kind := strings.TrimPrefix(l.text, suppressedPrefix); kind != obj.Ref.Kind && h.source == "" {
			p.errs.Add(Pos{Line: int(l.no)}, "suppression notice names kind %q but the object is a %s", kind, obj.Ref.Kind)
			return
		}
		obj.Content = Suppressed
		p.table.add(obj)
		return
	}
	if obj.Ref.Kind == "Secret" && secretDecodeErrors(obj, body) {
		p.table.add(obj)
		return
	}
	if p.workers > 1 {
		p.dispatch(h, obj, body)
		return
	}
	p.added(h, p.checkedAnalyse(obj, body))
}

// What helm-diff prints in place of a Secret it cannot decode (before it
// redacts its values): its decoder is Kubernetes' own, so the API server
// cannot decode the Secret either (a data value that is not base64, a
// number in stringData).
const (
	oldSecretError = "Error parsing old secret: "
	newSecretError = "Error parsing new secret: "
)

// decodeErrorCause keeps of a decoder's message about a Secret what
// comes before anything it may quote of a value: a quote of any kind (a
// value may hold its own, or an escaped one), a tag, a Go value's braces
// or brackets (which show numbers unquoted). "illegal base64 data at
// input byte 4" stays whole; "yaml: cannot decode !!str `1`pw` as a
// !!int" is "yaml: cannot decode ...".
func decodeErrorCause(msg string) string {
	if i := strings.IndexAny(msg, "`\"'!{[(<"); i >= 0 {
		msg = strings.TrimRight(msg[:i], " ") + " ..."
	}
	return clip(msg, 200)
}

// secretDecodeErrors handles the body of a Secret one of whose sides
// helm-diff replaced by its decoding error, a line alone on its side: what
// changed is not shown (Suppressed), and a new side that cannot be decoded
// is refused. It reports whether the body is such.
func secretDecodeErrors(obj *Object, body []bodyLine) bool {
	var oldErr, newErr *bodyLine
	for i := range body {
		switch l := &body[i]; {
		case l.gap || isBlank(l.text):
		case l.side == sideOld && oldErr == nil && strings.HasPrefix(l.text, oldSecretError):
			oldErr = l
		case l.side == sideNew && newErr == nil && strings.HasPrefix(l.text, newSecretError):
			newErr = l
		}
	}
	if oldErr == nil && newErr == nil {
		return false
	}
	for i := range body {
		l := &body[i]
		if l.gap || isBlank(l.text) || l == oldErr || l == newErr {
			continue
		}
		if oldErr != nil && l.side&sideOld != 0 || newErr != nil && l.side&sideNew != 0 {
			return false // a document that holds such a line: read as YAML
		}
	}
	obj.Content = Suppressed
	if newErr != nil {
		// the decoder's message, without anything it quotes of a value
		why := decodeErrorCause(strings.TrimPrefix(newErr.text, newSecretError))
		obj.Refused = []Note{{Pos: Pos{Line: int(newErr.no)}, Text: "Kubernetes cannot decode the new Secret (" + why + "; helm-diff shows this in place of it)"}}
	}
	return true
}

// checkedAnalyse checks the shape of an object's body, and analyses it
// when it is helm-diff's. A worker of the pipeline runs it.
func (p *blockParser) checkedAnalyse(obj *Object, body []bodyLine) []*Object {
	if !p.checkShape(obj, body) {
		return nil
	}
	return p.analyse(obj, body)
}

// added adds the objects analysed from an entry to the plan.
func (p *blockParser) added(h header, objs []*Object) {
	for _, o := range objs {
		if h.source != "" && (o.Ref.Kind == "" || o.Ref.Name == "") {
			p.errs.Add(h.pos, "cannot tell which object %s is: its kind and name are not in the diff", h.source)
			continue
		}
		p.table.add(o)
	}
}

// documentStart reports whether l, a line that begins with "---", only
// starts the document of the sides it is on: a marker alone on its line
// where those sides have shown nothing but blank lines. helm skips the
// empty document before it (dapr's chart renders a template of nothing
// but separators, and helm-diff shows the marker at the head of the next
// object).
func documentStart(l *bodyLine, content [2]bool) bool {
	if strings.TrimRight(l.text, " \t") != "---" {
		return false
	}
	for s, bit := range []uint8{sideOld, sideNew} {
		if l.side&bit != 0 && content[s] {
			return false
		}
	}
	return true
}

// checkShape checks what helm-diff prints of every object body: one YAML
// document (helm-diff splits the manifest on "\n---\n" only, while helm
// splits it before any line starting with "---": a body that holds a
// second document hides an object helm applies), and, for an added or
// removed object, the empty other side that starts or ends its body (a
// body cut short lacks it).
func (p *blockParser) checkShape(obj *Object, body []bodyLine) bool {
	ended := [2]int{}   // per side: the line of a "..." document end seen
	var content [2]bool // per side: a line other than a blank one seen, or an elision
	for i := range body {
		l := &body[i]
		if l.gap {
			content = [2]bool{true, true} // the lines it stands for may be content
			continue
		}
		for s, bit := range []uint8{sideOld, sideNew} {
			if l.side&bit == 0 {
				continue
			}
			if ended[s] > 0 && !isBlank(l.text) && !strings.HasPrefix(trimLeftSpace(l.text), "#") {
				p.errs.Add(Pos{Line: int(l.no)}, "content after the YAML document end ('...' at line %d) in the diff of %s: helm reads it as another document, which helm-diff shows under this object's key; safediff cannot judge it", ended[s], obj.Ref)
				return false
			}
		}
		start := strings.HasPrefix(l.text, "---") && documentStart(l, content)
		if strings.HasPrefix(l.text, "---") && !start {
			p.errs.Add(Pos{Line: int(l.no)}, "a second YAML document starts here, inside the diff of %s: helm applies it as an object of its own, but helm-diff shows it under this object's key, so safediff cannot judge it (check the chart's document separators: helm-diff splits only on a line that is exactly '---')", obj.Ref)
			return false
		}
		if docMarker(l.text) && !start {
			for s, bit := range []uint8{sideOld, sideNew} {
				if l.side&bit != 0 {
					ended[s] = int(l.no)
				}
			}
		}
		if !isBlank(l.text) {
			for s, bit := range []uint8{sideOld, sideNew} {
				if l.side&bit != 0 {
					content[s] = true
				}
			}
		}
	}
	if obj.Action == Create || obj.Action == Delete {
		// the empty text is one line: under --context 0 the object's empty
		// line it pairs with is elided, and "..." stands for that one
		// blank line, nothing else (an added object is shown whole). It is
		// read as the blank line it is; two are not helm-diff's.
		gap, paired := -1, false
		for i := range body {
			l := &body[i]
			if !l.gap {
				paired = paired || l.text == "" && (l.side == sideOld|sideNew || obj.Action == Create && l.side == sideOld || obj.Action == Delete && l.side == sideNew)
				continue
			}
			if gap >= 0 {
				what := "added"
				if obj.Action == Delete {
					what = "removed"
				}
				p.errs.Add(Pos{Line: int(body[i].no)}, "the diff of %s %s elides lines twice: helm-diff shows an added or removed object whole (only the blank line its empty other side pairs with may be elided); altered input?", what, obj.Ref)
				return false
			}
			gap = i
		}
		if gap >= 0 && paired {
			p.errs.Add(Pos{Line: int(body[gap].no)}, "the diff of %s elides lines beside the line of its empty other side: helm-diff shows an added or removed object whole; altered input?", obj.Ref)
			return false
		}
		if gap >= 0 {
			body[gap] = bodyLine{no: body[gap].no, side: sideOld | sideNew}
		}
	}
	if kube.IsSecretKind(obj.Ref.Group, obj.Ref.Kind) {
		// helm-diff rewrites Secrets to redact them: no empty side is
		// shown. The text it diffs is then the Kubernetes serializer's,
		// which ends in a newline: a redacted Secret's body ends with that
		// empty line (or the "..." that stands for it). One that does not
		// was cut, at a line's end (the type, last before it, is immutable).
		redacted := false
		for i := range body {
			redacted = redacted || !body[i].gap && strings.Contains(body[i].text, " bytes)") && redactedLineRE().MatchString(body[i].text)
		}
		if last := body[len(body)-1]; redacted && !last.gap && !(isBlank(last.text) && last.side == sideOld|sideNew) {
			p.errs.Add(Pos{Line: int(last.no)}, "the diff of %s ends here without the empty line that ends every Secret helm-diff redacts: the input was cut short", obj.Ref)
			return false
		}
		return true
	}
	// helm-diff diffs the object's text against an empty text, which is
	// one empty line. That line is printed as a '- ' line (added objects;
	// '+ ' for removed ones), or, when the object's text has an empty line
	// of its own (a document that ends with a block scalar, a blank line
	// in one), it pairs with it and is printed as a blank context line,
	// or as "..." under --context. Every other line is of the object's
	// side. A body without that line, or with any other line, is not
	// helm-diff's.
	switch obj.Action {
	case Create:
		if ok, at := oneSided(body, sideNew); !ok {
			p.errs.Add(Pos{Line: at}, "the diff of added %s is not helm-diff's diff against an empty text (a line of another side, or no '- ' line for the empty old side; truncated or altered input?)", obj.Ref)
			return false
		}
	case Delete:
		if ok, at := oneSided(body, sideOld); !ok {
			p.errs.Add(Pos{Line: at}, "the diff of removed %s is not helm-diff's diff against an empty text (a line of another side, or no '+ ' line for the empty new side; truncated input?)", obj.Ref)
			return false
		}
	}
	return true
}

// oneSided reports whether body is helm-diff's diff of a text against
// an empty text: lines of side only, and at least one line for the empty
// text (an empty line of the other side, a blank context line, or "...").
// When it is not, at is the line to name.
func oneSided(body []bodyLine, side uint8) (ok bool, at int) {
	shared := false
	for i := range body {
		l := &body[i]
		switch {
		case l.gap || l.text == "" && l.side&side == 0 || l.text == "" && l.side == sideOld|sideNew:
			shared = true
		case l.side != side:
			return false, int(l.no)
		}
	}
	if !shared {
		if side == sideNew {
			return false, int(body[0].no)
		}
		return false, int(body[len(body)-1].no)
	}
	return true, 0
}

func nonBlank(body []bodyLine) bool {
	for i := range body {
		if body[i].gap || !isBlank(body[i].text) {
			return true
		}
	}
	return false
}

// onlyLine returns the one line of a body that is not blank, or nil.
func onlyLine(body []bodyLine) *bodyLine {
	var only *bodyLine
	for i := range body {
		if body[i].gap || !isBlank(body[i].text) {
			if only != nil {
				return nil
			}
			only = &body[i]
		}
	}
	return only
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
			p.errs.Add(Pos{Line: int(l.no)}, "unexpected line in an ownership change (want one '- old-namespace/release' and one '+ new-namespace/release' line)")
			return false
		}
	}
	if obj.NewOwner == "" {
		p.errs.Add(obj.Pos, "ownership change without the new owner")
		return false
	}
	return true
}

// redactedLineRE matches a line that holds one of helm-diff's redaction
// markers as a value.
var redactedLineRE = lazyRE(`: '(?:REDACTED|-{8}|\+{8}) # \(\d+ bytes\)'$`)
