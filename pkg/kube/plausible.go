package kube

import (
	"regexp"
	"sync"
)

var (
	labelValueRE = lazyRE(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
	labelNameRE  = lazyRE(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	dnsPrefixRE  = lazyRE(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// labelMaps are the fields whose entries are labels: their keys and values
// follow the label syntax.
var labelMaps = map[Field]bool{"labels": true, "matchLabels": true, "nodeSelector": true}

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
	return ValidLabelKey(string(key)) && len(value) <= 63 && labelValueRE().MatchString(value)
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
	if slash && (len(prefix) > 253 || !dnsPrefixRE().MatchString(prefix)) {
		return false
	}
	return len(name) <= 63 && labelNameRE().MatchString(name)
}

// lazyRE returns a function that compiles expr on its first call: a
// review does not pay at start-up for the expressions of formats and
// commands it does not use.
func lazyRE(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
