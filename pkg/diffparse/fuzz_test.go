package diffparse_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/review"
)

// Hostile returns inputs meant to break a parser: truncated bodies, stray
// lines, invalid UTF-8, a 1 MB line, a YAML alias bomb, deep nesting,
// thousands of elisions and headers. The fuzz targets start from them, and
// TestHostileInputs runs them through the whole review.
func Hostile() map[string]string {
	body := "default, web, Deployment (apps) has changed:\n  # Source: demo/templates/deployment.yaml\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    replicas: 2\n    template:\n      spec:\n        containers:\n          - name: web\n-           image: nginx:1.25\n+           image: nginx:1.27\n"
	var deep strings.Builder
	deep.WriteString("default, deep, ConfigMap (v1) has changed:\n")
	for i := 0; i < 2000; i++ {
		deep.WriteString("  " + strings.Repeat(" ", i) + "k:\n")
	}
	deep.WriteString("+ " + strings.Repeat(" ", 2000) + "v: 1\n")
	var bomb strings.Builder
	bomb.WriteString("default, bomb, ConfigMap (v1) has changed:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		bomb.WriteString("  " + string(c) + ": &" + string(c) + " [" + strings.Repeat("*"+prev+",", 8) + "*" + prev + "]\n")
		prev = string(c)
	}
	bomb.WriteString("-  z: [*i]\n+  z: x\n")
	var gaps strings.Builder
	gaps.WriteString("default, gaps, ConfigMap (v1) has changed:\n")
	for i := 0; i < 5000; i++ {
		gaps.WriteString("...\n-   a: 1\n+   a: 2\n")
	}
	var headers strings.Builder
	for i := 0; i < 3000; i++ {
		headers.WriteString("default, h" + strings.Repeat("x", i%50) + string(rune('a'+i%26)) + ", ConfigMap (v1) has changed:\n  data:\n-   a: 1\n+   a: 2\n")
	}
	return map[string]string{
		"truncated body":          body[:len(body)-40],
		"truncated header":        body + "default, web2, Deployment (apps) has chan",
		"header only":             "default, web, Deployment (apps) has changed:\n",
		"stray line":              body + "random text in the middle\n" + body,
		"invalid utf8":            body + "+           image: \xc3\x28\n",
		"megabyte line":           "default, big, ConfigMap (v1) has changed:\n  data:\n-   a: " + strings.Repeat("x", 1<<20) + "\n+   a: y\n",
		"megabyte garbage line":   strings.Repeat("z", 1<<20),
		"alias bomb":              bomb.String(),
		"deep nesting":            deep.String(),
		"many elisions":           gaps.String(),
		"many headers":            headers.String(),
		"only elisions":           "default, web, Deployment (apps) has changed:\n...\n...\n...\n",
		"unterminated quote":      "default, a, ConfigMap (v1) has changed:\n  data:\n+   a: \"never closed\n",
		"unterminated flow":       "default, a, ConfigMap (v1) has changed:\n  data:\n+   a: [1, 2,\n",
		"tabs for indentation":    "default, a, ConfigMap (v1) has changed:\n\tdata:\n",
		"json truncated":          "[{\"api\": \"apps\", \"kind\": \"Deployment\"",
		"json nested deep":        strings.Repeat("[", 100000),
		"structured huge value":   `[{"apiVersion":"v1","kind":"ConfigMap","name":"a","changeType":"MODIFY","changes":[{"path":"data","field":"a","change":"replace","oldValue":"` + strings.Repeat("y", 1<<20) + `","newValue":"z"}]}]`,
		"simple truncated":        "default, web, Deployment (apps) to be changed.\nprod, api, Deployment (apps) to be chan",
		"escape sequences only":   "\x1b[0;33m\x1b[0m\n\x1b[31m\n",
		"lone escape":             "\x1b",
		"carriage returns":        "\r\r\r\n\r",
		"header then garbage":     "default, web, Deployment (apps) has changed:\n\x01\x02\x03\n",
		"secret in garbage":       "password: aGVsbG8=\n",
		"windows line ends mixed": strings.ReplaceAll(body, "\n", "\r\n")[:200] + "\n" + body,
		"stevedore release only":  "File: manifests/shop.yaml\nReleaseName: web\n", // cut right after ReleaseName:
	}
}

// checkParse runs Parse with a watchdog and checks what holds for every
// input: no panic, no hang, and a successful parse never loses the input
// (something non-blank is either objects or an explicit "no changes").
func checkParse(t *testing.T, input string, format diffparse.Format) {
	t.Helper()
	type result struct {
		plan *diffparse.Plan
		err  error
	}
	done := make(chan result, 1)
	go func() {
		p, err := diffparse.ParseString(input, diffparse.Options{Format: format, Facts: []kube.Path{{kube.Field("spec"), kube.Field("replicas")}}})
		done <- result{p, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("Parse did not finish (hang) on %d bytes", len(input))
	}
	if r.err != nil {
		if r.err.Error() == "" {
			t.Fatal("empty error message")
		}
		return
	}
	p := r.plan
	if strings.TrimSpace(stripANSI(input)) != "" && len(p.Objects) == 0 && !p.NoChanges {
		t.Fatalf("non-blank input parsed into an empty plan that does not say 'no changes'")
	}
	for _, o := range p.Objects {
		if o.Ref.Kind == "" || o.Ref.Name == "" {
			t.Fatalf("object without kind or name: %+v", o.Ref)
		}
		if o.Action < diffparse.Create || o.Action > diffparse.Ownership {
			t.Fatalf("object %s with action %v", o.Ref, o.Action)
		}
		for _, c := range o.Changes {
			back, err := kube.ParsePath(c.Path.String())
			if err != nil || !back.Equal(c.Path) {
				t.Fatalf("path %q does not round-trip: %v", c.Path, err)
			}
			if o.Ref.Kind == "Secret" && o.Ref.Group == "" && kube.Sensitive("", "Secret", c.Path) {
				for _, v := range []diffparse.Value{c.Old, c.New} {
					if v.Present() && !v.Redacted {
						t.Fatalf("Secret value at %s kept in clear", c.Path)
					}
				}
			}
		}
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && !(s[j] >= 0x40 && s[j] <= 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fuzzFormat seeds a fuzz target with the samples under testdata/ that
// match pattern and with the hostile inputs, and checks every input with
// format.
func fuzzFormat(f *testing.F, pattern string, format diffparse.Format) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed samples match testdata/%s (%v)", pattern, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err == nil && len(data) < 64<<10 {
			f.Add(string(data))
		}
	}
	for name, s := range Hostile() {
		if len(s) < 64<<10 || strings.Contains(name, "truncated") {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) { checkParse(t, s, format) })
}

func FuzzParseDiff(f *testing.F)   { fuzzFormat(f, "helm-diff/*diff*", diffparse.FormatDiff) }
func FuzzParseSimple(f *testing.F) { fuzzFormat(f, "helm-diff/*simple*", diffparse.FormatSimple) }
func FuzzParseJSON(f *testing.F)   { fuzzFormat(f, "helm-diff/*json*", diffparse.FormatJSON) }
func FuzzParseStructured(f *testing.F) {
	fuzzFormat(f, "helm-diff/*structured*", diffparse.FormatStructured)
}

// FuzzParseAuto exercises format detection over every parser.
func FuzzParseAuto(f *testing.F) { fuzzFormat(f, "*/*", diffparse.FormatAuto) }

// TestHostileInputs runs the hostile inputs through every parser.
func TestHostileInputs(t *testing.T) {
	for name, s := range Hostile() {
		t.Run(name, func(t *testing.T) {
			for _, format := range []diffparse.Format{diffparse.FormatAuto, diffparse.FormatDiff, diffparse.FormatSimple, diffparse.FormatJSON, diffparse.FormatStructured} {
				checkParse(t, s, format)
			}
		})
	}
}

// lineDiff prints a full-context line diff of two documents, as helm-diff
// does (an LCS of their lines).
func lineDiff(old, new string) string {
	a := strings.Split(strings.TrimRight(old, "\n"), "\n")
	b := strings.Split(strings.TrimRight(new, "\n"), "\n")
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	line := func(prefix, s string) {
		if prefix == "  " && s == "" {
			out.WriteString("\n")
			return
		}
		out.WriteString(prefix + s + "\n")
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			line("  ", a[i])
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			line("+ ", b[j])
			j++
		default:
			line("- ", a[i])
			i++
		}
	}
	return out.String()
}

// entrySides splits a full-context entry into its old and new documents.
func entrySides(entry string) (old, new string) {
	var o, n []string
	for _, l := range strings.Split(strings.TrimSuffix(entry, "\n"), "\n")[1:] {
		switch {
		case strings.HasPrefix(l, "- "):
			o = append(o, l[2:])
		case strings.HasPrefix(l, "+ "):
			n = append(n, l[2:])
		case len(l) >= 2:
			o, n = append(o, l[2:]), append(n, l[2:])
		default:
			o, n = append(o, ""), append(n, "")
		}
	}
	return strings.Join(o, "\n"), strings.Join(n, "\n")
}

// headerOf returns the helm-diff header of an object, from the JSON of its
// document as Kubernetes reads it.
func headerOf(j []byte) (string, bool) {
	var doc struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if json.Unmarshal(j, &doc) != nil || doc.Kind == "" || doc.Metadata.Name == "" || strings.ContainsAny(doc.Kind+doc.Metadata.Name+doc.APIVersion, ", \t()\n") {
		return "", false
	}
	api := doc.APIVersion
	if i := strings.LastIndexByte(api, '/'); i >= 0 {
		api = api[:i]
	}
	return "default, " + doc.Metadata.Name + ", " + doc.Kind + " (" + api + ") has changed:\n", true
}

// documentsOf reads a fuzz input of two documents separated by a line
// "===" (of at most size bytes each, lines lines in all) that Kubernetes
// reads as one object on both sides: their JSON and the object's helm-diff
// header. Input Kubernetes cannot read is not for these properties
// (FuzzParseDiff covers it).
func documentsOf(s string, size, lines int) (old, new string, oj, nj []byte, header string, ok bool) {
	old, new, ok = strings.Cut(s, "\n===\n")
	if !ok || len(old) > size || len(new) > size || strings.Count(s, "\n") > lines {
		return "", "", nil, nil, "", false
	}
	oj, oerr := yaml.YAMLToJSON([]byte(old))
	nj, nerr := yaml.YAMLToJSON([]byte(new))
	if oerr != nil || nerr != nil {
		return "", "", nil, nil, "", false
	}
	header, ok = headerOf(oj)
	if h2, ok2 := headerOf(nj); !ok || !ok2 || h2 != header {
		return "", "", nil, nil, "", false
	}
	return old, new, oj, nj, header, true
}

// readingEntries are the full-context entries of the reading cases
// (anchors, flow style, escapes, duplicate keys, Unicode line breaks,
// reorders) that the whole-pipeline properties start from.
func readingEntries() []string {
	return []string{anchoredDeployment, aliasedImage, mergedDefaults, flowStrategy, flowRetention, escapedLineBreak, duplicateKey, unicodeBreak, reorderedEnv, reorderedArgs, reorderedContainers,
		swappedContainers, swappedEnv, movedArg, movedSelectorLabel, reindentedLabel, blankInPlain, blankInBlock,
		retentionBlockAdded, affinityBlockAdded, partitionBlockRemoved, onDeleteBlockRemoved}
}

// captureSeeds are the fuzz inputs (old and new documents, separated by a
// line "===") of the full-context objects of the real helm-diff captures in
// testdata (charts of ours and third-party charts as their users upgrade
// them), at most size bytes a side: the properties start from real objects
// too.
func captureSeeds(f *testing.F, size int) []string {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "helm-diff", "cli-*-diff.txt"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no captures in testdata: %v", err)
	}
	var out []string
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range fullEntries(string(data)) {
			if old, new := entrySides(e); len(old) <= size && len(new) <= size {
				out = append(out, old+"\n===\n"+new)
			}
		}
	}
	return out
}

// FuzzReviewExact is the property of the whole pipeline (parse, classify
// with the default rules, gate): a complete object is never judged lower
// than its exact reading. The input holds an object's old and new
// documents, separated by a line "===". The reference is the same two
// documents as Kubernetes reads them (sigs.k8s.io/yaml), written back in
// plain block style; a review of the original may fail (nothing passes),
// never come out lower.
func FuzzReviewExact(f *testing.F) {
	for _, e := range readingEntries() {
		old, new := entrySides(e)
		f.Add(old + "\n===\n" + new)
	}
	for _, s := range captureSeeds(f, 8<<10) {
		f.Add(s)
	}
	f.Fuzz(checkReviewExact)
}

// checkReviewExact is FuzzReviewExact's property on one input.
func checkReviewExact(t *testing.T, s string) {
	{
		old, new, oj, nj, header, ok := documentsOf(s, 8<<10, 600)
		if !ok {
			return
		}
		co, err1 := yaml.JSONToYAML(oj)
		cn, err2 := yaml.JSONToYAML(nj)
		if err1 != nil || err2 != nil || string(co) == string(cn) {
			return
		}
		want, err := review.Review(strings.NewReader(header+lineDiff(string(co), string(cn))+"\n"), review.Options{})
		if err != nil {
			t.Fatalf("the plain reading of the documents fails: %v", allErrors(err))
		}
		got, err := review.Review(strings.NewReader(header+lineDiff(old, new)+"\n"), review.Options{})
		if err != nil {
			return // an error judges nothing: the gate cannot pass
		}
		if got.Result.Highest < want.Result.Highest {
			t.Fatalf("judged %s, but Kubernetes' reading of the same documents is %s\nold:\n%s\nnew:\n%s", got.Result.Highest, want.Result.Highest, old, new)
		}
	}
}
