package cluster

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/manifest"
)

// Drift is a field where the live object differs from the last
// revision's manifest: a change made outside helm (kubectl edit, a direct
// API call, a controller), or what a failed upgrade left behind.
type Drift struct {
	Ref kube.ObjectRef
	// Path is the field; empty with Missing.
	Path kube.Path
	// Missing: the object is in the manifest but not in the cluster.
	Missing bool
	// Release and Live are the values in the manifest and in the cluster,
	// for people: "(absent)" where there is none, "(sensitive)" for values
	// that are never shown.
	Release, Live string
}

const (
	absent        = "(absent)"
	sensitive     = "(sensitive)"
	maxDriftShown = 20 // per object
	valueMax      = 60
)

// drift compares one object of the manifest with its live version (nil:
// not in the cluster). Only what the manifest states is compared: the
// server adds defaults, status and bookkeeping, which are not drift.
func drift(o manifest.Object, live map[string]any) []Drift {
	if live == nil {
		return []Drift{{Ref: o.Ref, Missing: true, Release: "(the object)", Live: absent}}
	}
	d := &differ{ref: o.Ref, typ: kube.SchemaFor(o.Ref.Group, o.Ref.Version, o.Ref.Kind)}
	want := o.Body
	if o.Ref.Group == "" && o.Ref.Kind == "Secret" {
		want = withStringData(want)
	}
	for _, k := range sortedKeys(want) {
		switch k {
		case "apiVersion", "kind", "status", "stringData":
			continue
		case "metadata":
			wm, _ := want[k].(map[string]any)
			lm, _ := live[k].(map[string]any)
			for _, mk := range []string{"labels", "annotations"} {
				if v, ok := wm[mk]; ok {
					d.compare(kube.Path{kube.Field("metadata"), kube.Field(mk)}, v, lm[mk], lm[mk] != nil)
				}
			}
			continue
		}
		v, ok := live[k]
		d.compare(kube.Path{kube.Field(k)}, want[k], v, ok)
	}
	if len(d.out) > maxDriftShown {
		n := len(d.out) - maxDriftShown
		d.out = append(d.out[:maxDriftShown], Drift{Ref: o.Ref, Path: kube.Path{kube.Field(fmt.Sprintf("(%d more fields)", n))}, Release: "…", Live: "…"})
	}
	return d.out
}

// ownerDrift is an object of the release's last revision that another
// release has taken over since (helm install --take-ownership): helm's
// owner annotations name it. helm upgrade checks the owner of the objects
// new to the release only: it takes this one back and overwrites it.
func ownerDrift(o manifest.Object, live map[string]any, t Target) []Drift {
	if live == nil || t.Release == "" {
		return nil
	}
	meta, _ := live["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	var out []Drift
	for _, a := range []struct{ key, want string }{
		{"meta.helm.sh/release-name", t.Release}, {"meta.helm.sh/release-namespace", t.Namespace},
	} {
		if v, ok := ann[a.key].(string); ok && a.want != "" && v != a.want {
			out = append(out, Drift{Ref: o.Ref, Path: kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field(a.key)}, Release: show(a.want, false), Live: show(v, false)})
		}
	}
	return out
}

type differ struct {
	ref kube.ObjectRef
	typ *kube.Type
	out []Drift
}

func (d *differ) add(p kube.Path, want any, wantOK bool, have any, haveOK bool) {
	dr := Drift{Ref: d.ref, Path: append(kube.Path{}, p...), Release: absent, Live: absent}
	hide := kube.Sensitive(d.ref.Group, d.ref.Kind, p)
	if wantOK {
		dr.Release = show(want, hide)
	}
	if haveOK {
		dr.Live = show(have, hide)
	}
	d.out = append(d.out, dr)
}

// compare compares a value the manifest states with the live one.
func (d *differ) compare(p kube.Path, want, have any, haveOK bool) {
	if !haveOK || have == nil {
		if !zero(want) {
			d.add(p, want, true, nil, false)
		}
		return
	}
	typ := d.typ.At(p)
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			d.add(p, want, true, have, true)
			return
		}
		for _, k := range sortedKeys(w) {
			v, ok := h[k]
			d.compare(p.Child(kube.Field(k)), w[k], v, ok)
		}
	case []any:
		h, ok := have.([]any)
		if !ok {
			d.add(p, want, true, have, true)
			return
		}
		if typ != nil && typ.Kind == kube.ListType && typ.MergeKey != "" && keyed(w, typ.MergeKey) && keyed(h, typ.MergeKey) {
			d.compareKeyed(p, typ.MergeKey, w, h)
			return
		}
		if len(w) != len(h) {
			d.add(p, want, true, have, true)
			return
		}
		for i := range w {
			d.compare(p.Child(kube.Index(i)), w[i], h[i], true)
		}
	default:
		if !sameScalar(want, have) {
			d.add(p, want, true, have, true)
		}
	}
}

// compareKeyed compares lists whose items are identified by a key
// (containers by name): items the cluster lacks, items it has beyond the
// manifest, and the fields of the others.
func (d *differ) compareKeyed(p kube.Path, key string, want, have []any) {
	live := map[string]any{}
	for _, it := range have {
		live[it.(map[string]any)[key].(string)] = it
	}
	stated := map[string]bool{}
	for _, it := range want {
		k := it.(map[string]any)[key].(string)
		stated[k] = true
		ip := p.Child(kube.Key{Field: key, Value: k})
		h, ok := live[k]
		d.compare(ip, it, h, ok)
	}
	for _, it := range have {
		k := it.(map[string]any)[key].(string)
		if !stated[k] {
			d.add(p.Child(kube.Key{Field: key, Value: k}), nil, false, it, true)
		}
	}
}

// keyed says whether every item is a map with a string key.
func keyed(items []any, key string) bool {
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := m[key].(string); !ok {
			return false
		}
	}
	return true
}

// zero says whether a value the manifest states is one the server drops
// (omitempty): null, false, 0, "", {} or [].
func zero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return v == ""
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

// sameScalar compares scalars as the server stores them: numbers by value
// (JSON has one number type), and quantities by amount ("0.5" and
// "500m", 1 and "1"), which the server rewrites in its canonical form.
func sameScalar(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	_, as := a.(string)
	_, bs := b.(string)
	if !as && !bs {
		return false
	}
	qa, ok1 := asQuantity(a)
	qb, ok2 := asQuantity(b)
	return ok1 && ok2 && qa.Cmp(qb) == 0
}

func asQuantity(v any) (resource.Quantity, bool) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return resource.Quantity{}, false
	}
	q, err := resource.ParseQuantity(s)
	return q, err == nil
}

// withStringData folds a Secret's stringData into its data, as the API
// server does.
func withStringData(body map[string]any) map[string]any {
	sd, ok := body["stringData"].(map[string]any)
	if !ok || len(sd) == 0 {
		return body
	}
	out := make(map[string]any, len(body))
	for k, v := range body {
		out[k] = v
	}
	data := copyMap(body["data"])
	for k, v := range sd {
		if s, ok := v.(string); ok {
			data[k] = base64.StdEncoding.EncodeToString([]byte(s))
		}
	}
	out["data"] = data
	return out
}

// show renders a value for people, short, never a sensitive one.
func show(v any, hide bool) string {
	if hide {
		return sensitive
	}
	var s string
	switch v := v.(type) {
	case string:
		s = v
		if s == "" || !printable(s) {
			s = strconv.Quote(s)
		}
	case nil:
		s = "null"
	default:
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if utf8.RuneCountInString(s) > valueMax {
		r := []rune(s)
		s = string(r[:valueMax]) + "…"
	}
	return s
}

func printable(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
