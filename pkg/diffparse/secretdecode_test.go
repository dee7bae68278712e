package diffparse_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/report"
)

// TestSecretsKubernetesCannotDecode: a Secret whose data is not base64 (or
// whose stringData holds a number) is one the API server cannot decode.
// helm-diff prints its decoding error in place of such a Secret before it
// redacts the values; with --show-secrets, or from a wrapper, the value
// itself is shown. Either way the review says the upgrade will fail, and
// never prints the value, nor what the decoder's message quotes of it. A
// document that merely holds such a line is read as YAML.
func TestSecretsKubernetesCannotDecode(t *testing.T) {
	const secret = "  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n"
	tests := []struct {
		name, diff string
		want       string // in the report; "" for no refusal
		content    diffparse.Content
	}{
		{"helm-diff's error in place of the new Secret",
			"default, s, Secret (v1) has changed:\n- apiVersion: v1\n- kind: Secret\n- metadata:\n-   name: s\n- data:\n-   a: '-------- # (5 bytes)'\n+ Error parsing new secret: illegal base64 data at input byte 4\n",
			"helm upgrade will fail: Kubernetes cannot decode the new Secret (illegal base64 data at input byte 4; helm-diff shows this in place of it)", diffparse.Suppressed},
		{"in place of a created Secret, its quotes left out",
			"default, s, Secret (v1) has been added:\n- \n+ Error parsing new secret: cannot unmarshal !!str `hunter2` into int\n",
			"helm upgrade will fail: Kubernetes cannot decode the new Secret (cannot unmarshal ...; helm-diff shows this in place of it)", diffparse.Suppressed},
		// what the decoder quotes may hold its own quote, an escaped one,
		// or be a Go value that shows numbers unquoted
		{"a value that holds the quote its message quotes it with",
			"default, s, Secret (v1) has been added:\n- \n+ Error parsing new secret: error converting YAML to JSON: yaml: cannot decode !!str `1`hunter2` as a !!int\n",
			"helm upgrade will fail: Kubernetes cannot decode the new Secret (error converting YAML to JSON: yaml: cannot decode ...; helm-diff shows this in place of it)", diffparse.Suppressed},
		{"a map key printed as a Go value",
			"default, s, Secret (v1) has been added:\n- \n+ Error parsing new secret: error converting YAML to JSON: yaml: invalid map key: map[interface {}]interface {}{\"pin\":12345, \"user\":\"admin\"}\n",
			"Kubernetes cannot decode the new Secret (error converting YAML to JSON: yaml: invalid map key: map ...;", diffparse.Suppressed},
		{"an escaped quote",
			"default, s, Secret (v1) has been added:\n- \n+ Error parsing new secret: json: cannot unmarshal {\"token\":\"x\\\"hunter2\"} into Secret\n",
			"Kubernetes cannot decode the new Secret (json: cannot unmarshal ...;", diffparse.Suppressed},
		{"in place of the release's Secret: the changes are not shown",
			"default, s, Secret (v1) has changed:\n- Error parsing old secret: illegal base64 data at input byte 4\n+ apiVersion: v1\n+ kind: Secret\n+ metadata:\n+   name: s\n",
			"", diffparse.Suppressed},
		{"a value not base64, shown (--show-secrets)",
			"default, s, Secret (v1) has changed:\n" + secret + "  data:\n-   a: aGVsbG8=\n+   a: hunter2\n",
			"helm upgrade will fail: data.a must be base64 text", diffparse.Complete},
		{"a value not base64, shown around an elision",
			"default, s, Secret (v1) has changed:\n...\n  data:\n-   a: aGVsbG8=\n+   a: hunter2\n...\n",
			"helm upgrade will fail: data.a must be base64 text", diffparse.Partial},
		{"a number in stringData",
			"default, s, Secret (v1) has changed:\n" + secret + "  stringData:\n-   a: hunter\n+   a: 12345\n",
			"helm upgrade will fail: stringData.a must be a string", diffparse.Complete},
		{"base64 over many lines",
			"default, s, Secret (v1) has changed:\n" + secret + "  data:\n-   a: aGVsbG8=\n+   a: |\n+     aGVs\n+     bG8=\n", "", diffparse.Complete},
		{"helm-diff's redaction marker",
			"default, s, Secret (v1) has changed:\n" + secret + "  data:\n-   a: '-------- # (5 bytes)'\n+   a: '++++++++ # (7 bytes)'\n\n", "", diffparse.Complete},
		{"a document that holds a key like the error",
			"default, s, Secret (v1) has changed:\n" + secret + "- type: Opaque\n+ Error parsing new secret: x\n", "", diffparse.Complete},
		{"a value that reads like the error",
			"default, s, Secret (v1) has changed:\n" + secret + "  stringData:\n-   a: x\n+   a: 'Error parsing new secret: x'\n", "", diffparse.Complete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachWrapper(t, tt.diff, func(rep *report.Report, text, input string) {
				switch {
				case tt.want == "" && strings.Contains(text, "will fail"):
					t.Errorf("a refusal, want none:\n%s", text)
				case tt.want != "" && !strings.Contains(text, tt.want):
					t.Errorf("the report does not say %q:\n%s", tt.want, text)
				}
				if c := rep.Result.Objects[0].Content; c != tt.content {
					t.Errorf("content %s, want %s", c, tt.content)
				}
				for _, w := range []report.Writer{report.Text{}, report.JSON{}, report.Markdown{}} {
					var out strings.Builder
					if err := w.Write(&out, rep); err != nil {
						t.Fatal(err)
					}
					if strings.Contains(out.String(), "hunter") || strings.Contains(out.String(), "12345") {
						t.Errorf("%T prints a value:\n%s", w, out.String())
					}
				}
			})
		})
	}
}

// TestSecretSizes: a redacted value keeps its size, the one the API
// server stores: a Secret's data is base64, measured decoded; its
// stringData is plain text, measured as it is, also where it happens to
// be valid base64 (found: an 8-byte password shown by --show-secrets as
// 6 bytes); helm-diff's own marker states the size.
func TestSecretSizes(t *testing.T) {
	const diff = "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n" +
		"  data:\n-   a: aGVsbG8=\n+   a: aGVsbG8gd29ybGQ=\n-   m: '-------- # (5 bytes)'\n+   m: '++++++++ # (7 bytes)'\n" +
		"  stringData:\n-   p: EchoOld1\n+   p: EchoNew1\n-   q: AlphaNew1\n+   q: AlphaNew12\n\n"
	plan, err := diffparse.ParseString(diff, diffparse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{"data.a": {5, 11}, "data.m": {5, 7}, "stringData.p": {8, 8}, "stringData.q": {9, 10}}
	got := map[string][2]int{}
	for _, c := range plan.Objects[0].Changes {
		if !c.Old.Redacted || !c.New.Redacted {
			t.Errorf("%s is not redacted", c.Path)
		}
		got[c.Path.String()] = [2]int{c.Old.Bytes, c.New.Bytes}
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: sizes %v, want %v", p, got[p], w)
		}
	}
	// a partial view: data at the root column is the root's
	plan, err = diffparse.ParseString("default, s, Secret (v1) has changed:\n...\n  data:\n-   a: aGVsbG8=\n+   a: aGVsbG8gd29ybGQ=\n...\n", diffparse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Objects[0].Changes[0]; c.Old.Bytes != 5 || c.New.Bytes != 11 {
		t.Errorf("%s in a partial view: sizes %d and %d, want 5 and 11", c.Path, c.Old.Bytes, c.New.Bytes)
	}
}
