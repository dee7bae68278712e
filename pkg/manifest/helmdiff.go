package manifest

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/kube"
)

// DiffObject is one object of a helm-diff line diff, rebuilt: its
// document before and after the upgrade.
type DiffObject struct {
	Ref kube.ObjectRef
	// Before and After are the object's documents; nil on the side where
	// it does not exist, and nil on both when Unknown is set.
	Before, After *Object
	// Unknown says why the documents could not be rebuilt (the diff elides
	// lines, or redacts a Secret's values).
	Unknown string
}

// diffHeader is helm-diff's object header: "<namespace>, <name>, <Kind>
// (<group or v1>) has changed:" (or "has been added:", "has been
// removed:").
var diffHeader = lazyRE(`^([^,]*), ([^,]+), ([^ ,]+) \(([^)]*)\) has (changed|been added|been removed):$`)

// ansi matches the colour codes helm-diff prints on a terminal or with
// --color.
var ansi = lazyRE("\x1b\\[[0-9;]*m")

// FromHelmDiff rebuilds the objects of helm-diff's line diff (helm diff
// upgrade --output diff, the default) before and after the upgrade: the
// context lines and the "-" lines are the document before, the context
// and the "+" lines the document after, each decoded as Parse decodes a
// manifest. That is exact only with full context (--context -1, what
// helm safediff upgrade asks for): an object whose lines are elided
// ("...") is Unknown, and so is a Secret, whose values helm-diff redacts.
// Lines outside objects (helm-diff's trailers) are skipped.
func FromHelmDiff(text, namespace string) ([]DiffObject, error) {
	var out []DiffObject
	var cur *DiffObject
	var before, after []string
	elided := false
	flush := func() error {
		if cur == nil {
			return nil
		}
		defer func() { cur = nil }()
		switch {
		case elided:
			cur.Unknown = "the diff elides lines of it (--context): only a full-context diff holds whole objects"
		case cur.Ref.Group == "" && cur.Ref.Kind == "Secret":
			cur.Unknown = "helm-diff redacts a Secret's values"
		default:
			// helm-diff's header names the namespace the object is in
			ns := cmp.Or(cur.Ref.Namespace, namespace)
			var err error
			if cur.Before, err = sideObject(before, ns); err != nil {
				return fmt.Errorf("%s before the upgrade: %v", cur.Ref, err)
			}
			if cur.After, err = sideObject(after, ns); err != nil {
				return fmt.Errorf("%s after the upgrade: %v", cur.Ref, err)
			}
		}
		out = append(out, *cur)
		return nil
	}
	for _, line := range strings.Split(ansi().ReplaceAllString(text, ""), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if m := diffHeader().FindStringSubmatch(line); m != nil {
			if err := flush(); err != nil {
				return nil, err
			}
			group, version := m[4], ""
			if group == "v1" {
				group, version = "", "v1"
			}
			cur = &DiffObject{Ref: kube.ObjectRef{Group: group, Version: version, Kind: m[3], Namespace: m[1], Name: m[2]}}
			before, after, elided = nil, nil, false
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case line == "...":
			elided = true
		case strings.HasPrefix(line, "  "), line == "" || line == " ":
			body := strings.TrimPrefix(line, "  ")
			before, after = append(before, body), append(after, body)
		case strings.HasPrefix(line, "-"):
			before = append(before, strings.TrimPrefix(strings.TrimPrefix(line, "-"), " "))
		case strings.HasPrefix(line, "+"):
			after = append(after, strings.TrimPrefix(strings.TrimPrefix(line, "+"), " "))
		default:
			// a line that belongs to no object (a trailer): the object ended
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// sideObject decodes one side's document; nil when the side is empty
// (the object does not exist there).
func sideObject(lines []string, namespace string) (*Object, error) {
	doc := strings.Join(lines, "\n")
	if blank(doc) {
		return nil, nil
	}
	var body map[string]any
	if err := yaml.Unmarshal([]byte(doc), &body); err != nil {
		return nil, fmt.Errorf("not valid YAML: %s", yamlReason(err))
	}
	objs, err := objectsOf(body, namespace)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%d objects in one document", len(objs))
	}
	o := objs[0]
	o.Source = sourceOf(doc)
	return &o, nil
}

// lazyRE returns a function that compiles expr on its first call: a
// review does not pay at start-up for the expressions of formats and
// commands it does not use.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
