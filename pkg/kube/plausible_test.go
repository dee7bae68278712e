package kube_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

func TestPlausible(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		value  string
		want   bool
		reason string
	}{
		{"label value", "metadata.labels.app", "web", true,
			"an ordinary label value"},
		{"label value with dots and dashes", `metadata.labels["app.kubernetes.io/version"]`, "1.2.3-rc_1", true,
			"'.', '-' and '_' are allowed inside a label value"},
		{"empty label value", "metadata.labels.tier", "", true,
			"label values may be empty"},
		{"label value with slash", "metadata.labels.app", "example/app", false,
			"'/' is not allowed in a label value"},
		{"label value with colon", "metadata.labels.app", "app:1.2", false,
			"':' is not allowed in a label value"},
		{"image in a label", "spec.template.metadata.labels.app", "example/app:1.2", false,
			"an image reference cannot be a pod template label"},
		{"match label with colon", "spec.selector.matchLabels.app", "a:b", false,
			"matchLabels entries are labels"},
		{"node selector with slash", "spec.template.spec.nodeSelector.pool", "a/b", false,
			"nodeSelector entries are labels"},
		{"elided label with colon", "...labels.app", "a:b", false,
			"the parent step is shown, so the rule applies"},
		{"label value too long", "metadata.labels.app", strings.Repeat("a", 64), false,
			"label values are at most 63 characters"},
		{"label value at the limit", "metadata.labels.app", strings.Repeat("a", 63), true,
			"63 characters are allowed"},
		{"label value leading dash", "metadata.labels.app", "-web", false,
			"a label value starts and ends with a letter or digit"},
		{"label value trailing dot", "metadata.labels.app", "web.", false,
			"a label value starts and ends with a letter or digit"},
		{"label value with space", "metadata.labels.app", "my app", false,
			"spaces are not allowed"},
		{"bad label key", `metadata.labels["my app"]`, "web", false,
			"the key must be a valid label key too"},
		{"image elsewhere", "spec.template.spec.containers[name=web].image", "example/app:1.2", true,
			"an image field takes any string"},
		{"annotation with slash", "metadata.annotations.note", "a/b:c", true,
			"annotations are not labels: any value"},
		{"config data with colon", "data.url", "http://x:80/", true,
			"ConfigMap data holds any string"},
		{"labels map itself", "metadata.labels", "a:b", true,
			"the map, not an entry: nothing to check here"},
		{"unknown label key", "metadata.labels.?", "a:b", true,
			"an unknown key is not a field step; the check needs the key"},
		{"list item under labels", "spec.labels[0]", "a:b", true,
			"a list item is not a label map entry"},
		{"root", "", "a:b", true,
			"nothing to check"},
		{"one step", "labels", "a:b", true,
			"a single step has no parent label map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kube.Plausible(mustPath(t, tt.path), tt.value); got != tt.want {
				t.Errorf("Plausible(%s, %q) = %v, want %v\nreason: %s", tt.path, tt.value, got, tt.want, tt.reason)
			}
		})
	}
}

func TestValidLabelKey(t *testing.T) {
	tests := []struct {
		key    string
		want   bool
		reason string
	}{
		{"app", true, "a plain name"},
		{"app.kubernetes.io/name", true, "a DNS prefix and a name"},
		{"helm.sh/chart", true, "Helm's label"},
		{"checksum/config", true, "a single-label prefix"},
		{"App_Name-1.x", true, "names allow mixed case, '_', '-' and '.' inside"},
		{"", false, "the name is required"},
		{"/app", false, "a '/' needs a prefix before it"},
		{"example.com/", false, "the name after the prefix is required"},
		{"a/b/c", false, "at most one '/'"},
		{"Example.com/app", false, "the prefix is a lowercase DNS subdomain"},
		{"-app", false, "a name starts with a letter or digit"},
		{"app-", false, "a name ends with a letter or digit"},
		{"my app", false, "no spaces"},
		{strings.Repeat("a", 63), true, "63 characters are allowed in the name"},
		{strings.Repeat("a", 64), false, "the name is at most 63 characters"},
		{strings.Repeat("a", 253) + "/x", true, "the prefix may be 253 characters"},
		{strings.Repeat("a", 254) + "/x", false, "the prefix is at most 253 characters"},
	}
	for _, tt := range tests {
		name := tt.key
		if len(name) > 20 {
			name = name[:20] + "…"
		}
		t.Run(name, func(t *testing.T) {
			if got := kube.ValidLabelKey(tt.key); got != tt.want {
				t.Errorf("ValidLabelKey(%q) = %v, want %v\nreason: %s", tt.key, got, tt.want, tt.reason)
			}
		})
	}
}

// Kubernetes' label syntax as the expressions of
// k8s.io/apimachinery/pkg/util/validation: the oracle of the byte loops.
var (
	labelValueRE = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
	labelNameRE  = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	dnsPrefixRE  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// FuzzLabelSyntax holds the label checks to the expressions: a label key
// and a label value are valid exactly when the expressions say so.
func FuzzLabelSyntax(f *testing.F) {
	for _, s := range []string{"", "a", "web", "-web", "web.", "a_b.c-d", "my app", "app:1.2", "example/app",
		"app.kubernetes.io/name", "helm.sh/chart", "Example.com/x", "a..b/c", ".a/b", "a-/b", "-a/b", "a/", "/a",
		"a/b/c", "x.y-z.w/name_1", strings.Repeat("a", 64), strings.Repeat("a", 63), "1.0+build", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		wantValue := len(s) <= 63 && labelValueRE.MatchString(s)
		if got := kube.Plausible(kube.Path{kube.Field("labels"), kube.Field("app")}, s); got != wantValue {
			t.Errorf("label value %q: %v, the expression says %v", s, got, wantValue)
		}
		prefix, name, slash := "", s, false
		if i := strings.LastIndexByte(s, '/'); i >= 0 {
			prefix, name, slash = s[:i], s[i+1:], true
		}
		wantKey := (!slash || len(prefix) <= 253 && dnsPrefixRE.MatchString(prefix)) && len(name) <= 63 && labelNameRE.MatchString(name)
		if got := kube.ValidLabelKey(s); got != wantKey {
			t.Errorf("label key %q: %v, the expression says %v", s, got, wantKey)
		}
	})
}
