package kube

import (
	"regexp"
	"strings"
	"sync"
)

// labelMaps are the fields whose entries are labels: their keys and values
// follow the label syntax.
var labelMaps = map[Field]bool{"labels": true, "matchLabels": true, "nodeSelector": true}

// LabelMap reports whether a map field called name holds labels (labels,
// matchLabels, nodeSelector): its keys and values follow the label syntax.
func LabelMap(name string) bool { return labelMaps[Field(name)] }

// Plausible reports whether a scalar value could stand at path p: an entry
// of a label map (labels, matchLabels, nodeSelector) must have a label key
// and a label value (at most 63 characters of letters, digits, '-', '_'
// and '.'). The API server refuses an object whose labels are not
// (helm upgrade fails there), so the review judges such a value at least
// disruptive, at a known place and at each place an elided change may be:
// "example/app:1.2" is not a label value.
func Plausible(p Path, value string) bool {
	if len(p) < 2 {
		return true
	}
	parent, ok := p[len(p)-2].(Field)
	if !ok || !labelMaps[parent] {
		return true
	}
	key, ok := p[len(p)-1].(Field)
	if !ok {
		return true
	}
	return ValidLabelKey(string(key)) && len(value) <= 63 && (value == "" || labelName(value))
}

// ValidLabelKey reports whether s is a valid label key: an optional DNS
// subdomain prefix and '/', then a name of at most 63 characters.
func ValidLabelKey(s string) bool {
	prefix, name, slash := "", s, false
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			prefix, name, slash = s[:i], s[i+1:], true
			break
		}
	}
	if slash && (len(prefix) > 253 || !dnsSubdomain(prefix)) {
		return false
	}
	return len(name) <= 63 && labelName(name)
}

// dataMaps are a ConfigMap's and a Secret's maps of files (at the
// document's root): their keys are config keys.
var dataMaps = map[Field]bool{"data": true, "binaryData": true, "stringData": true}

// DataMap reports whether a map field called name at a document's root
// holds a ConfigMap's or Secret's files (data, binaryData, stringData).
func DataMap(name string) bool { return dataMaps[Field(name)] }

// KeyRefusal says what the last step of path p, a key of a map whose keys
// the API server checks, must be, or "" when it may be what it is: an
// annotation's key is a qualified name (a label key; the server checks it
// in lower case), a key of the data, binaryData or stringData of a
// ConfigMap or Secret (a path of two steps from the root) a config key,
// and a key of a container's resource limits or requests a resource name.
// The keys of label maps are checked with their values ([Plausible]).
func KeyRefusal(p Path) string {
	if len(p) < 2 {
		return ""
	}
	parent, ok1 := p[len(p)-2].(Field)
	key, ok2 := p[len(p)-1].(Field)
	if !ok1 || !ok2 {
		return ""
	}
	switch {
	case parent == "annotations":
		if !ValidLabelKey(strings.ToLower(string(key))) {
			return "an annotation key (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)"
		}
	case len(p) == 2 && dataMaps[parent]:
		if !ConfigKey(string(key)) {
			return "a config key (at most 253 letters, digits, '-', '_' or '.'; not '.' or '..', nor beginning with '..')"
		}
	case (parent == "limits" || parent == "requests") && len(p) >= 5 && p[len(p)-3] == Field("resources") &&
		(p[len(p)-5] == Field("containers") || p[len(p)-5] == Field("initContainers")):
		if !containerResource(string(key)) {
			return "a container resource (cpu, memory, ephemeral-storage, hugepages-<size>, or a qualified name such as nvidia.com/gpu)"
		}
	}
	return ""
}

// containerResource reports whether s names a resource a container may
// request or be limited to (validateContainerResourceName): a standard
// one, or a qualified name (kubernetes.io's own, or an extended resource).
func containerResource(s string) bool {
	if !strings.Contains(s, "/") {
		switch s {
		case "cpu", "memory", "ephemeral-storage":
			return true
		}
		return strings.HasPrefix(s, "hugepages-") && ValidLabelKey(s)
	}
	if !ValidLabelKey(s) {
		return false
	}
	return strings.Contains(s, "kubernetes.io/") || !strings.HasPrefix(s, "requests.") && ValidLabelKey("requests."+s)
}

// ConfigKey reports whether s is a key of a ConfigMap's or a Secret's
// data (validation.IsConfigMapKey).
func ConfigKey(s string) bool {
	if s == "" || len(s) > 253 || s == "." || strings.HasPrefix(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// The checks below are Kubernetes' label syntax
// (k8s.io/apimachinery/pkg/util/validation), written as byte loops: a
// review checks every label it reads, and that package compiles its
// expressions at start-up. The tests hold them to the expressions.

// labelName reports whether s is a label name (or a non-empty label
// value): letters, digits, '-', '_' and '.', beginning and ending with a
// letter or digit. ([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)
func labelName(s string) bool {
	if s == "" || !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// dnsSubdomain reports whether s is dot-separated lowercase DNS labels:
// letters, digits and '-', each beginning and ending with a letter or
// digit. ([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)
func dnsSubdomain(s string) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if c := s[i]; !lowerAlnum(c) && c != '-' {
				return false
			}
			continue
		}
		if i == start || !lowerAlnum(s[start]) || !lowerAlnum(s[i-1]) {
			return false // an empty part, or one with '-' at an end
		}
		start = i + 1
	}
	return true
}

func alnum(c byte) bool { return lowerAlnum(c) || 'A' <= c && c <= 'Z' }

func lowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// lazyRE returns a function that compiles expr on its first call: a
// review does not pay at start-up for the expressions of formats and
// commands it does not use.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
