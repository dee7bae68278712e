package diffparse

import (
	"strings"

	"github.com/safediff/safediff/pkg/kube"
)

// This file reads helm-diff's object headers (manifest/parse.go builds the
// key, diff/report.go adds the message) and tells body lines from others.

// The header of `helm diff release`, which keys objects by template path.
var sourceHeaderRE = lazyRE(`^(\S+\.(?:ya?ml|json|tpl|txt))(?: [1-9]\d*)? (has changed:|has been added:|has been removed:)$`)

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
// (names cannot contain ", ", so the split is unambiguous; the namespace may be
// empty).
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
		if !kube.ValidKind(kind) || !kube.ValidGroup(group) {
			// helm-diff prints the document's kind and group: not its
			// header (altered input), whose kind would decide the
			// redaction of the values below it
			return header{}, false
		}
		if kube.IsClusterScoped(group, kind) {
			ns = ""
		}
		return header{ref: kube.ObjectRef{Group: kube.Intern(group), Kind: kube.Intern(kind), Namespace: kube.Intern(ns), Name: strings.Clone(name)}, msg: msg, pos: pos}, true
	}
	if m := sourceHeaderRE().FindStringSubmatch(t); m != nil {
		// a template's second object and on are keyed "all.yaml 2", ...
		return header{source: strings.Clone(m[1]), msg: m[2], pos: pos}, true
	}
	return header{}, false
}

// isCoreVersion reports whether helm-diff's "(…)" holds a core version (the
// core group has no group name, so helm-diff shows its version).
func isCoreVersion(s string) bool { return coreVersionRE().MatchString(s) }

var coreVersionRE = lazyRE(`^v\d+((alpha|beta)\d+)?$`)
