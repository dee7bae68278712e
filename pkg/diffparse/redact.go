package diffparse

import (
	"encoding/base64"
	"slices"
	"strconv"

	"github.com/safediff/safediff/pkg/kube"
)

// This file applies kube's redaction policy (kube.Sensitive) to the values
// the reader keeps: a value is redacted when its field, or any field below
// it, is sensitive. Values are redacted as they are parsed, so that no
// later stage can print them.

// redactChange redacts the values of a change whose field, or any field of
// its old (node on of oldT) or new (node nn of newT) subtree, is sensitive.
func redactChange(ref kube.ObjectRef, c *Change, oldT *sideTree, on int32, newT *sideTree, nn int32) {
	secret := kube.IsSecretKind(ref.Group, ref.Kind)
	sensitive := kube.Sensitive(ref.Group, ref.Kind, c.Path) ||
		undeclaredCredentialAt(oldT, newT, c.Path) ||
		on >= 0 && oldT.sensitiveBelow(ref, c.Path, on) ||
		nn >= 0 && newT.sensitiveBelow(ref, c.Path, nn) ||
		secret && (on >= 0 && oldT.unlikeShown(on, c.Path) || nn >= 0 && newT.unlikeShown(nn, c.Path))
	if sensitive {
		encoded := base64At(ref, c.Path)
		c.Old = redactValue(c.Old, encoded)
		c.New = redactValue(c.New, encoded)
	}
}

// sensitiveBelow reports whether a field below node n (at path p) is
// sensitive: an added env list holding a password, an annotation map
// holding last-applied-configuration.
func (t *sideTree) sensitiveBelow(ref kube.ObjectRef, p kube.Path, n int32) bool {
	if t.nodes[n].firstChild < 0 {
		return false
	}
	var typ *kube.Type
	exact := p.Exact()
	if exact {
		typ = t.typ.At(p)
	}
	// one path buffer for the whole walk: kube.Sensitive keeps nothing
	buf := make(kube.Path, len(p), len(p)+16)
	copy(buf, p)
	var walk func(n int32, typ *kube.Type, depth int) bool
	walk = func(n int32, typ *kube.Type, depth int) bool {
		if depth > maxNesting {
			return true
		}
		at := len(buf)
		defer func() { buf = buf[:at] }()
		for ch := t.nodes[n].firstChild; ch >= 0; ch = t.nodes[ch].next {
			nd := &t.nodes[ch]
			var ct *kube.Type
			switch {
			case nd.kind == kDetached || nd.kind == kUnknown:
				if walk(ch, nil, depth+1) {
					return true
				}
				continue
			case nd.item:
				buf, ct = append(buf[:at], t.itemStep(ch, typ)), typ.Item()
			default:
				key := t.str(nd, nd.key)
				if exact && undeclaredCredential(typ, key) {
					return true
				}
				buf, ct = append(buf[:at], kube.Field(key)), typ.Field(key)
			}
			if kube.Sensitive(ref.Group, ref.Kind, buf) || walk(ch, ct, depth+1) {
				return true
			}
		}
		return false
	}
	return walk(n, typ, 0)
}

// undeclaredCredential reports whether a field named key, below a value
// of type parent, is taken to hold what its name says: a field the schema
// does not declare (a custom resource's, a field a chart misplaces, a
// Secret's data line that altered input shows under another object) named
// like a credential (password, token, apiKey, ...). A declared field is
// what the schema says (a volume's secretName is a name).
func undeclaredCredential(parent *kube.Type, key string) bool {
	if !kube.CredentialName(key) {
		return false
	}
	return parent == nil || parent.Kind == kube.AnyType || parent.Kind == kube.StructType && parent.Field(key) == nil
}

// undeclaredCredentialAt is undeclaredCredential for the field at exact
// path p of an object whose side trees are oldT and newT.
func undeclaredCredentialAt(oldT, newT *sideTree, p kube.Path) bool {
	if len(p) == 0 || !p.Exact() {
		return false
	}
	key, ok := p.Last().(kube.Field)
	if !ok || !kube.CredentialName(string(key)) {
		return false // most fields: no schema walk
	}
	var root *kube.Type
	if oldT != nil {
		root = oldT.typ
	} else if newT != nil {
		root = newT.typ
	}
	return undeclaredCredential(root.At(p[:len(p)-1]), string(key))
}

// unlikeShown reports whether the value of node n (at path p), or a value
// below it, is unlike what the fields a Secret shows can hold (its API
// version, kind, type, name, namespace, labels, helm's annotations: see
// kube.SecretValueShown): one read from more than one line, or one the
// field cannot hold. A reader that takes the Secret's data into such a
// field (the lines below a type, in a view of altered input that shows
// only part of it, continue it as a plain scalar) must not show it.
func (t *sideTree) unlikeShown(n int32, p kube.Path) bool {
	nd := &t.nodes[n]
	switch nd.kind {
	case kMulti, kBlock:
		return true
	case kScalar, kValue:
		return !kube.SecretValueShown(p, t.scalarOf(n).canon)
	}
	at := len(p)
	p = slices.Clip(p)
	for ch := nd.firstChild; ch >= 0; ch = t.nodes[ch].next {
		c := &t.nodes[ch]
		var step kube.Step = kube.AnyItem{}
		if !c.item {
			step = kube.Field(t.str(c, c.key))
		}
		if t.unlikeShown(ch, append(p[:at], step)) {
			return true
		}
	}
	return false
}

// redactMarkerRE matches helm-diff's redaction markers.
var redactMarkerRE = lazyRE(`^(?:REDACTED|-{8}|\+{8}) # \((\d+) bytes\)$`)

// labelPlace is a label's place, to ask kube.Plausible whether a value
// can be a label's.
var labelPlace = kube.Path{kube.Field("metadata"), kube.Field("labels"), kube.Field("app")}

// redactValue returns v redacted: its type and size stay, its text goes.
// encoded says that the field holds base64 (a Secret's data), measured
// decoded.
func redactValue(v Value, encoded bool) Value {
	if v.Kind == NoValue || v.Redacted {
		return v
	}
	// the YAML type stays (a string, an integer): the schema's, not the
	// value's, so that a value of the wrong type is refused unseen
	notLabel := v.Kind == Scalar && v.Type == StringType && !kube.Plausible(labelPlace, v.Text)
	return Value{Kind: v.Kind, Type: v.Type, Redacted: true, NotLabel: notLabel, Bytes: secretSize(v, encoded)}
}

// base64At reports whether the field at path p of an object of ref holds
// base64: a Secret's data values. Its stringData is plain text, also
// where it is valid base64 (and where helm-diff --show-secrets-decoded
// shows data decoded: under stringData).
func base64At(ref kube.ObjectRef, p kube.Path) bool {
	return len(p) == 2 && p[0] == kube.Field("data") && kube.IsSecretKind(ref.Group, ref.Kind)
}

// secretSize returns the size of a secret value: helm-diff's redaction
// marker states it; base64 data (encoded: Secret data shown with
// --show-secrets, or by Stevedore) is measured decoded; anything else by
// its length.
func secretSize(v Value, encoded bool) int {
	if v.Kind != Scalar {
		return -1
	}
	if m := redactMarkerRE().FindStringSubmatch(v.Text); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if b, err := base64.StdEncoding.DecodeString(v.Text); encoded && err == nil && v.Text != "" {
		return len(b)
	}
	return len(v.Text)
}
