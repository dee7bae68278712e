package gate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/safediff/safediff/pkg/diffparse"
)

// WriteAccept writes an accept file with one entry for each offending
// finding of a verdict (the changes that trip the gate), each with
// reason TODO: [ParseAccept] refuses the file until a person has reviewed
// every change and said why it may pass. Field changes are named by path
// and, for a plain value, by their new value; whole objects by action.
// source names the reviewed input in the file's header.
func WriteAccept(w io.Writer, v Verdict, source string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Written by safediff review --write-accept from %s.\n", oneLine(source))
	fmt.Fprintf(bw, "# The changes %s. Review each one, then replace its TODO with\n", orDefault(v.Criterion, "that trip the gate"))
	fmt.Fprintf(bw, "# why it may pass (a ticket, an approval): an entry whose reason is TODO is refused.\n")
	fmt.Fprintf(bw, "version: %d\n", AcceptFormatVersion)
	if len(v.Offending) == 0 {
		fmt.Fprintf(bw, "accept: []\n")
		return bw.Flush()
	}
	fmt.Fprintf(bw, "accept:\n")
	// one entry may name several findings (the object as a whole in one
	// action): each is listed above it, so that the reviewer sees all it
	// accepts
	type entry struct {
		text string
		whys []string
	}
	var entries []*entry
	byText := map[string]*entry{}
	for _, off := range v.Offending {
		o, f := off.Object, off.Finding
		var b []byte
		b = fmt.Appendf(b, "  - object: %s\n", yamlString(o.Ref.String()))
		if o.Release != "" {
			b = fmt.Appendf(b, "    release: %s\n", yamlString(o.Release))
		}
		switch {
		case f == nil:
			b = fmt.Appendf(b, "    action: %s\n", o.Action)
		case f.WholeObject:
			b = fmt.Appendf(b, "    action: %s\n", WholeAction(o, f))
		default:
			b = fmt.Appendf(b, "    path: %s\n", yamlString(f.Change.Path.String()))
			if nv := f.Change.New; nv.Kind == diffparse.Scalar && !nv.Redacted {
				b = fmt.Appendf(b, "    new: %s\n", yamlQuoted(nv.Text))
			}
			if ov := f.Change.Old; ov.Kind == diffparse.Scalar && !ov.Redacted {
				b = fmt.Appendf(b, "    old: %s\n", yamlQuoted(ov.Text))
			}
		}
		if f != nil && f.Rule != "" {
			// the rule pins what was reviewed: the same change judged
			// by another rule, or another change forcing a replacement
			// for an entry of the object as a whole, is not accepted
			b = fmt.Appendf(b, "    rule: %s\n", yamlString(f.Rule))
		}
		e := byText[string(b)]
		if e == nil {
			e = &entry{text: string(b)}
			byText[e.text] = e
			entries = append(entries, e)
		}
		why := off.Why
		if why == "" && f != nil {
			why = fmt.Sprintf("%s: %s [%s]", f.Level, f.Reason, f.Rule)
		}
		if why != "" && !slices.Contains(e.whys, why) {
			e.whys = append(e.whys, why)
		}
	}
	for _, e := range entries {
		for _, why := range e.whys {
			fmt.Fprintf(bw, "  # %s\n", oneLine(why))
		}
		bw.WriteString(e.text)
		fmt.Fprintf(bw, "    reason: TODO\n")
	}
	return bw.Flush()
}

var plainYAML = lazyRE(`^[A-Za-z][A-Za-z0-9._/:-]*$`)

// yamlString writes s plain when it reads back as the same string, and
// quoted otherwise.
func yamlString(s string) string {
	if plainYAML().MatchString(s) && !reservedYAML[s] {
		return s
	}
	return yamlQuoted(s)
}

// yamlQuoted is s as a double-quoted scalar (JSON's syntax, which YAML
// reads alike).
func yamlQuoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// reservedYAML are plain scalars YAML 1.1 reads as other than strings.
var reservedYAML = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "null": true, "y": true, "n": true}

// oneLine is s for a YAML comment: one line, every control character and
// line break (YAML's NEL, LS and PS too) escaped as the text report
// escapes it, so that the file stays YAML and a terminal shows it as it is.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\ufffd") {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff':
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// lazyRE returns a function that compiles expr on its first call: a
// review does not pay at start-up for the expressions of formats and
// commands it does not use.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
