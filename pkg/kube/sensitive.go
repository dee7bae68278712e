package kube

import (
	"bytes"
	"strings"
)

// secretShownFields are the fields of a Secret that are not secret. Every
// other field, and every path whose location is not known exactly, is.
var secretShownFields = []Path{
	{Field("apiVersion")},
	{Field("kind")},
	{Field("type")},
	{Field("immutable")},
	{Field("metadata"), Field("name")},
	{Field("metadata"), Field("namespace")},
	{Field("metadata"), Field("labels")},
	{Field("metadata"), Field("generateName")},
}

var secretAnnotationOK = lazyRE(`^(meta\.helm\.sh/|helm\.sh/)`)

// SecretValueShown reports whether a scalar value v of a field a Secret
// shows (one [Sensitive] lets through) is one that field can hold: the
// API version v1, the kind Secret, a name, a namespace, a label value, a
// type without whitespace (or the empty one, which the API server reads
// as Opaque), a boolean. Any other value is not the field's
// (an altered input may carry the Secret's data there, or a chart may
// write it there), and is redacted with the data.
func SecretValueShown(p Path, v string) bool {
	switch {
	case p.Equal(Path{Field("apiVersion")}):
		return v == "v1"
	case p.Equal(Path{Field("kind")}):
		return v == "Secret"
	case p.Equal(Path{Field("immutable")}):
		return v == "true" || v == "false"
	case p.Equal(Path{Field("type")}):
		return len(v) <= 253 && !strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r >= 0x7f })
	case p.Equal(Path{Field("metadata"), Field("name")}):
		return len(v) <= 253 && dnsSubdomain(v)
	case p.Equal(Path{Field("metadata"), Field("generateName")}):
		return len(v) < 253 && dnsSubdomain(v+"x") // a prefix: "db-"
	case p.Equal(Path{Field("metadata"), Field("namespace")}):
		return dnsLabel(v)
	case len(p) == 3 && p[0] == Field("metadata") && p[1] == Field("labels"):
		return v == "" || len(v) <= 63 && labelName(v)
	case len(p) == 3 && p[0] == Field("metadata") && p[1] == Field("annotations"):
		// helm's: a release's name and namespace, a hook's events and
		// delete policies ("pre-install, pre-upgrade"), its weight ("-5"),
		// a resource policy
		return len(v) <= 253 && !strings.ContainsFunc(v, func(r rune) bool {
			return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '.' || r == ',' || r == ' ')
		})
	}
	// below a shown field (a label's value that is a mapping, a type that
	// is a list): no field a Secret shows holds more than a scalar
	return false
}

// RedactedVersion is the version a reference to a Secret shows in place
// of an apiVersion that no API version can be (see ShownVersion).
const RedactedVersion = "(redacted)"

// ShownVersion returns the version of an object of the given kind as a
// report may show it: a Secret's apiVersion that is not an API version
// Kubernetes can have (one is a DNS label: v1, v2beta1, as a
// CustomResourceDefinition's versions must be) may hold what an altered
// input, or a chart's mistake, put there, its data included, and shows as
// RedactedVersion. The object is still judged as one of a version
// Kubernetes does not serve.
func ShownVersion(group, kind, version string) string {
	if version == "" || !IsSecretKind(group, kind) || dnsLabel(version) && letter(version[0]) {
		return version
	}
	return RedactedVersion
}

// credentialWords are the words of environment variable and data key
// names that conventionally hold credentials, lower case; "key" stands for
// "key", "_key" and "-key" after api, access and private. They err on the
// side of redaction: "pass" is DB_PASS and GPG_PASSPHRASE (and PASSTHROUGH),
// "auth" is REDIS_AUTH (and AUTHOR), and a database URL or DSN carries its
// password (postgres://user:password@host).
var credentialWords = [][]byte{[]byte("pass"), []byte("pwd"), []byte("secret"), []byte("token"), []byte("credential"), []byte("apikey"), []byte("accesskey"), []byte("privatekey"),
	[]byte("auth"), []byte("dsn"), []byte("database_url"), []byte("databaseurl"), []byte("database-url"), []byte("connection_string"), []byte("connectionstring")}

// credentialName reports whether a name holds a credential word, in any
// case, with _ or - allowed before "key". It runs on every item of every
// env list a diff shows, so it does not allocate for common names.
func credentialName(name string) bool {
	var buf [64]byte
	b := buf[:0]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if (c == '_' || c == '-') && hasKeyAfter(name, i) {
			continue // api_key, access-key, private_key
		}
		b = append(b, c)
	}
	for _, w := range credentialWords {
		if bytes.Contains(b, w) {
			return true
		}
	}
	return false
}

// hasKeyAfter reports whether name[i+1:] starts with "key" in any case.
func hasKeyAfter(name string, i int) bool {
	return len(name) >= i+4 && strings.EqualFold(name[i+1:i+4], "key")
}

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// IsSecretKind reports whether objects of this group and kind are to be
// redacted as Secrets. The kind is compared without regard to case, and
// the group not at all: a redaction policy must not depend on the spelling
// an input chose, nor on a group an altered header names where the
// document's apiVersion is out of view (a custom resource named Secret
// loses only the display of its values).
func IsSecretKind(group, kind string) bool {
	return strings.EqualFold(kind, "Secret")
}

// listKind reports whether kind is a List or a <Kind>List: an object whose
// items are objects of their own.
func listKind(kind string) bool {
	return len(kind) >= 4 && strings.EqualFold(kind[len(kind)-4:], "list")
}

// Sensitive reports whether the value at path p of an object of the given
// group and kind must never be shown. This is the redaction policy of the
// whole module: readers redact a value when its field, or any field below
// it, is sensitive.
//
//   - every field of a Secret except its identity, type, labels and Helm's
//     bookkeeping annotations (and any Secret path whose location is not
//     exactly known);
//   - the last-applied-configuration annotation of any object, which copies
//     the whole object (including Secret data);
//   - the value of an environment variable, or the data key of a ConfigMap,
//     whose name looks like a credential (PASSWORD, TOKEN, API_KEY, …),
//     also when the path is elided: a keyed item or a key right after the
//     [Gap] may be an env item or a data key.
func Sensitive(group, kind string, p Path) bool {
	if listKind(kind) && (!p.Exact() || len(p) > 0 && p[0] != Field("apiVersion") && p[0] != Field("kind") && p[0] != Field("metadata")) {
		// helm creates each item of a List (a SecretList's are Secrets),
		// and the helm-diff some wrappers embed prints it whole: all but
		// the list's own identity (a misspelt items key, too)
		return true
	}
	if group == "" && strings.EqualFold(kind, "Secrets") {
		// the core group has no such kind (helm upgrade fails), but its
		// values are meant for a Secret's
		return true
	}
	for i := 1; i < len(p); i++ {
		// metadata.annotations, or any annotation map, or one whose
		// ancestors were elided from the diff
		if p[i] == Field(lastApplied) && (p[i-1] == Field("annotations") || isGap(p[i-1])) {
			return true
		}
	}
	if len(p) == 2 && p[0] == Field("metadata") && p[1] == Field("annotations") {
		// the whole annotation map may carry last-applied-configuration
		return IsSecretKind(group, kind)
	}
	if IsSecretKind(group, kind) {
		if !p.Exact() {
			return true
		}
		if len(p) == 0 {
			return false
		}
		for _, ok := range secretShownFields {
			if p.HasPrefix(ok) {
				return false
			}
		}
		if len(p) >= 3 && p[0] == Field("metadata") && p[1] == Field("annotations") {
			if f, isField := p[2].(Field); isField && secretAnnotationOK().MatchString(string(f)) {
				return false
			}
		}
		return true
	}
	// env[name=DB_PASSWORD].value (and valueFrom is a reference, not a value)
	for i := 0; i+1 < len(p); i++ {
		// a leading Gap may hide the env step: the item of a detached
		// list may be an env item
		if p[i] != Field("env") && !(i == 0 && isGap(p[i])) {
			continue
		}
		if k, ok := p[i+1].(Key); ok && k.Field == "name" && credentialName(k.Value) {
			return i+2 == len(p) || p[i+2] == Field("value")
		}
	}
	if group == "" && strings.EqualFold(kind, "ConfigMap") {
		q := p
		if p.Elided() {
			q = p[1:]
			// the key right after the gap may be a data key
			if f, ok := q.Index(0).(Field); ok && credentialName(string(f)) {
				return true
			}
		}
		if len(q) >= 2 && (q[0] == Field("data") || q[0] == Field("binaryData")) {
			if f, ok := q[1].(Field); ok && credentialName(string(f)) {
				return true
			}
		}
	}
	return false
}

// CredentialName reports whether a name (of an environment variable or a
// data key) conventionally holds a credential. It is exposed so that parsers
// can redact values inside subtrees (a whole env list added at once).
func CredentialName(name string) bool { return credentialName(name) }
