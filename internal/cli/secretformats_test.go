package cli_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The reader may see a Secret in any input format; no output may ever show
// one of its values. TestNoSecretInAnyFormat rewrites every Secret-bearing
// input of testdata into every input format it can take (the capture as
// is; its helm-diff entries with less context, inside a helmfile stream,
// inside a Stevedore plan, with the kind spelled in lower case) and reviews
// each in every output format, looking for every value raw,
// base64-encoded and decoded.

var entryHeader = regexp.MustCompile(`^(.*), (.*), (\S+) \(.*\) (has changed:|has been added:|has been removed:)$`)

// secretBlockValues collects the lines of block scalar values (key: | or
// key: >) under data: or stringData: of the Secrets of a diff output
// (one-line values are secretValues'), and what follows "# Source: " on a
// line that is not a document's first (a value's line, when --context cut
// the rest).
func secretBlockValues(text string) []string {
	var out []string
	inSecret, inData, block := false, false, -1 // block: the indentation of the key of an open block value
	var seen [2]bool                            // per side: a line of the document was seen
	for _, l := range strings.Split(ansi.ReplaceAllString(text, ""), "\n") {
		if anyHeader.MatchString(l) {
			inSecret = strings.Contains(strings.ToLower(l), ", secret (v1) ")
			inData, block, seen = false, -1, [2]bool{}
			continue
		}
		if l == "..." {
			seen = [2]bool{true, true} // the first line may be elided
		}
		if !inSecret || len(l) < 2 || l == "..." {
			continue
		}
		content := l[2:]
		sides := map[byte][]int{'-': {0}, '+': {1}, ' ': {0, 1}}[l[0]]
		if strings.TrimSpace(content) != "" {
			if src, ok := strings.CutPrefix(strings.TrimSpace(content), "# Source: "); ok && (len(sides) == 0 || seen[sides[0]]) {
				// not a document's first line: part of a value
				out = append(out, src)
			}
			for _, i := range sides {
				seen[i] = true
			}
		}
		indent := len(content) - len(strings.TrimLeft(content, " "))
		trimmed := strings.TrimSpace(content)
		switch {
		case strings.HasPrefix(content, "data:"), strings.HasPrefix(content, "stringData:"):
			inData, block = true, -1
		case content != "" && content[0] != ' ':
			inData, block = false, -1
		case !inData || trimmed == "":
		case block >= 0 && indent > block:
			if len(trimmed) >= 6 && !strings.Contains(trimmed, "bytes)") {
				out = append(out, trimmed)
			}
		case strings.HasSuffix(trimmed, ": |") || strings.HasSuffix(trimmed, ": |-") || strings.HasSuffix(trimmed, ": >"):
			block = indent
		default:
			block = -1
		}
	}
	return out
}

// diffEntries splits a helm-diff diff output into its entries; ok is false
// for other formats.
func diffEntries(text string) ([]string, bool) {
	var entries []string
	for _, l := range strings.SplitAfter(text, "\n") {
		switch {
		case entryHeader.MatchString(strings.TrimRight(l, "\n")):
			entries = append(entries, l)
		case len(entries) > 0 && (l == "\n" || l == "...\n" || strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- ") || l == "+\n" || l == "-\n"):
			entries[len(entries)-1] += l
		case strings.TrimSpace(l) == "":
		default:
			return nil, false
		}
	}
	return entries, len(entries) > 0
}

// elide keeps n lines of context around each change of an entry.
func elide(entry string, n int) string {
	lines := strings.Split(strings.TrimSuffix(entry, "\n"), "\n")
	body := lines[1:]
	keep := make([]bool, len(body))
	for i, l := range body {
		if strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-") {
			for j := max(0, i-n); j <= min(len(body)-1, i+n); j++ {
				keep[j] = true
			}
		}
	}
	out := []string{lines[0]}
	for i, l := range body {
		switch {
		case keep[i] || l == "...":
			out = append(out, l)
		case i == 0 || keep[i-1]:
			out = append(out, "...")
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// stevedorePlan puts entries into a Stevedore plan of one release, with
// its summary tables.
func stevedorePlan(entries []string) string {
	var b strings.Builder
	b.WriteString("File: app.yaml\nReleaseName: app\n")
	var rows []string
	var counts [3]int
	for _, e := range entries {
		b.WriteString(elide(e, 5))
		m := entryHeader.FindStringSubmatch(strings.SplitN(e, "\n", 2)[0])
		sym, i := "~", 1
		switch m[4] {
		case "has been added:":
			sym, i = "+", 0
		case "has been removed:":
			sym, i = "-", 2
		}
		counts[i]++
		rows = append(rows, sym+m[3]+"/"+m[2])
	}
	b.WriteString("\nRelease changes:\nRELEASE\tMANIFEST CHANGES\n")
	for i, r := range rows {
		first := map[int]string{0: "app", 1: "(app.yaml)"}[i]
		fmt.Fprintf(&b, "%s\t%s\t\n", first, r)
	}
	fmt.Fprintf(&b, "\nFile changes:\nFILENAME\tADDITIONS\tMODIFICATIONS\tDESTRUCTIONS\napp.yaml\t%d\t%d\t%d\t\n", counts[0], counts[1], counts[2])
	return b.String()
}

// inputFormats returns the input formats a capture can be rewritten in.
func inputFormats(text string) map[string]string {
	out := map[string]string{"as captured": text}
	entries, ok := diffEntries(ansi.ReplaceAllString(text, ""))
	if !ok {
		return out
	}
	var elided strings.Builder
	for _, e := range entries {
		elided.WriteString(elide(e, 1))
	}
	out["--context 1"] = elided.String()
	out["helmfile"] = "Comparing release=app, chart=./app, namespace=default\n" + strings.Join(entries, "")
	out["stevedore"] = stevedorePlan(entries)
	lower := strings.NewReplacer(", Secret (v1) ", ", secret (v1) ", "kind: Secret", "kind: secret")
	out["lower-case kind"] = lower.Replace(strings.Join(entries, ""))
	return out
}

func TestNoSecretInAnyFormat(t *testing.T) {
	var files []string
	for _, dir := range []string{"helm-diff", "stevedore", "helmfile", "hostile"} {
		f, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*"))
		files = append(files, f...)
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		values := append(secretValues(string(data)), secretBlockValues(string(data))...)
		if len(values) == 0 {
			continue
		}
		var forms []string // each value raw, base64-encoded and decoded
		for _, v := range values {
			forms = append(forms, v, base64.StdEncoding.EncodeToString([]byte(v)))
			if dec, err := base64.StdEncoding.DecodeString(v); err == nil && len(dec) >= 5 {
				forms = append(forms, string(dec))
			}
		}
		for input, text := range inputFormats(string(data)) {
			for _, format := range []string{"text", "json", "markdown"} {
				out, errOut, _ := run(t, text, "review", "--no-color", "--show-ignored", "-o", format)
				for _, v := range forms {
					if strings.Contains(out, v) || strings.Contains(errOut, v) {
						t.Errorf("%s (%s, -o %s): the Secret value %q appears in the output", filepath.Base(f), input, format, v)
					}
				}
			}
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("only %d Secret-bearing inputs checked", checked)
	}
	t.Logf("%d Secret-bearing inputs checked in every output format", checked)
}

// reviewedInEveryFormat reviews input in the three output formats and
// returns, per format, what was printed (stdout and stderr) and the exit
// code.
func reviewedInEveryFormat(t *testing.T, input string) map[string]reviewed {
	t.Helper()
	out := map[string]reviewed{}
	for _, format := range []string{"text", "json", "markdown"} {
		o, e, code := run(t, input, "review", "--no-color", "--show-ignored", "-o", format)
		out[format] = reviewed{o + e, e, code}
	}
	return out
}

type reviewed struct {
	printed, stderr string
	code            int
}

// A field a Secret shows (its type, its labels) never shows what a reader
// took into it from the lines below: a plain scalar continues on the more
// indented lines that follow it, so a value line moved above data: (altered
// input) or written there reads as part of the type or of a label, in a
// partial view as in a complete one. Such a value is unlike any type or
// label (more than one line, whitespace) and is redacted.
func TestNoSecretThroughAShownField(t *testing.T) {
	const secret, decoded = "c2VjcmV0LXZhbHVlLTE=", "secret-value-1"
	for _, tc := range []struct {
		name, reason, input string
		code                int // 0: a review (exit 0 or 2)
	}{
		{name: "a data line above data:, partial view", reason: "found by moving a line of a real capture (bitnami postgresql, --show-secrets --context 3): the old type read 'Opaque password: \"...\"'",
			input: "default, s, Secret (v1) has changed:\n...\n      helm.sh/chart: x-1\n  type: Opaque\n-   password: \"" + secret + "\"\n  data:\n+   password: \"c2VjcmV0LXZhbHVlLTI=\"\n"},
		{name: "a value line below type, complete", reason: "valid YAML: the API server reads the type 'Opaque " + secret + "'; the exact reader too",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n- type: Opaque\n-   " + secret + "\n+ type: Opaque\n  data:\n    k: dg==\n"},
		{name: "a value line below type, read by the exact reader", reason: "an anchor sends the document to the exact reader, which folds the lines into one value: 'Opaque " + secret + "'",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: &n s\n- type: Opaque\n-   " + secret + "\n+ type: Opaque\n  data:\n    k: dg==\n"},
		{name: "a block scalar as the type", reason: "the lines of a block scalar are its value",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n- type: |\n-   " + secret + "\n+ type: Opaque\n  data:\n    k: dg==\n"},
		{name: "a data value as a label", reason: "a value no label can hold ('=' is not a label character) is not the label's",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n    labels:\n-     app: web\n+     app: " + secret + "\n  data:\n    k: dg==\n"},
		{name: "a value line below a label, complete", reason: "a label value continued by a line of data (the labels are shown)",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n    labels:\n-     app: web\n-       " + secret + "\n+     app: web2\n  data:\n    k: dg==\n"},
		{name: "a mapping as a label's value", reason: "found: a mapping below a shown field was shown as JSON ('app: web -> a: ...'); a chart's nindent mistake writes one",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n    labels:\n-     app: web\n+     app:\n+       a: " + secret + "\n  data:\n    k: dg==\n", code: 2},
		{name: "a list as the type", reason: "a flow list where the type is a string",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n- type: Opaque\n+ type: [\"" + secret + "\"]\n  data:\n    k: dg==\n", code: 2},
		{name: "a mapping as the namespace", reason: "the mapping's key is data too",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n-   namespace: default\n+   namespace: {" + secret + ": 1}\n  data:\n    k: dg==\n", code: 2},
		{name: "data in the apiVersion", reason: "found: 'v1#...' (no comment without a space before '#') was printed in a note ('serves no v1#... Secret') and as the JSON report's version",
			input: "default, s, Secret (v1) has changed:\n- apiVersion: v1\n+ apiVersion: v1#" + secret + "\n  kind: Secret\n  metadata:\n    name: s\n  data:\n    k: dg==\n", code: 2},
		{name: "data in the apiVersion of a renamed Secret", reason: "a rename is a deletion and a creation, each with its own document's version",
			input: "default, s, Secret (v1) has changed:\n- apiVersion: v1\n+ apiVersion: v1#" + secret + "\n  kind: Secret\n  metadata:\n-   name: s\n+   name: s2\n  data:\n    k: dg==\n", code: 2},
		{name: "data in the old apiVersion of a renamed Secret", reason: "the deletion's version is the old document's",
			input: "default, s, Secret (v1) has changed:\n- apiVersion: v1#" + secret + "\n+ apiVersion: v1\n  kind: Secret\n  metadata:\n-   name: s\n+   name: s2\n  data:\n    k: dg==\n", code: 2},
		{name: "data as an alias", reason: "found: an unquoted value beginning with '*' is an alias, and go-yaml's error quoted its name",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n  stringData:\n-   password: x\n+   password: *" + strings.TrimRight(secret, "=") + "\n", code: 1},
	} {
		for format, r := range reviewedInEveryFormat(t, tc.input) {
			for _, v := range []string{secret, decoded, strings.TrimRight(secret, "=")} {
				if strings.Contains(r.printed, v) {
					t.Errorf("%s (-o %s, exit %d): %q appears in the output\nreason: %s\n%s", tc.name, format, r.code, v, tc.reason, r.printed)
				}
			}
			if tc.code == 0 && r.code == 1 || tc.code != 0 && r.code != tc.code {
				t.Errorf("%s (-o %s): exit %d, want %d (0: a review): %s", tc.name, format, r.code, tc.code, r.stderr)
			}
		}
	}
}

// A header that names another API group than the document's apiVersion is
// not helm-diff's (it keys an object by one side's group): refused where
// the apiVersion shows, and where it does not, a kind named Secret is
// redacted whatever group the header names.
func TestNoSecretUnderAnotherGroup(t *testing.T) {
	const secret = "old-password-1"
	for _, tc := range []struct {
		name, reason, input string
		code                int
	}{
		{name: "complete", reason: "found by altering a header of a real capture: 'Secret ([v1)' printed stringData in clear",
			input: "default, s, Secret (apps) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n  stringData:\n-   password: " + secret + "\n+   password: new-password-1\n", code: 1},
		{name: "a data value as the kind", reason: "the error that names the document's kind does not quote one no Secret has",
			input: "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n  stringData:\n-   password: " + secret + "\n+   password: new-password-1\n+ kind: " + secret + "\n", code: 1},
		{name: "apiVersion out of view", reason: "nothing shows the group is wrong: the kind decides",
			input: "default, s, Secret (apps) has changed:\n...\n  stringData:\n-   password: " + secret + "\n+   password: new-password-1\n  type: Opaque\n", code: 2},
	} {
		for format, r := range reviewedInEveryFormat(t, tc.input) {
			if strings.Contains(r.printed, secret) || strings.Contains(r.printed, "new-password-1") {
				t.Errorf("%s (-o %s, exit %d): a value appears in the output\nreason: %s\n%s", tc.name, format, r.code, tc.reason, r.printed)
			}
			if r.code != tc.code {
				t.Errorf("%s (-o %s): exit %d, want %d\nreason: %s\n%s", tc.name, format, r.code, tc.code, tc.reason, r.stderr)
			}
		}
	}
}

// Where the schema does not say what a field holds (a custom resource, a
// field no schema declares, a Secret's line that altered input shows under
// the next object), a name like a credential's makes its value sensitive;
// a declared field is what the schema says.
func TestCredentialNamesWithoutSchema(t *testing.T) {
	const secret = "c2VjcmV0LWtleQ=="
	for _, tc := range []struct {
		name, reason, input string
		shown, refused      bool
	}{
		{name: "a Secret's line under the next object", refused: true, reason: "found by moving a line of a helm-diff sample: '+   apiKey: ...' of a Secret read as a field of the Deployment after it; indented deeper than the document's next line, it is now refused (go-yaml would drop the rest of the document)",
			input: "default, web, Deployment (apps) has changed:\n+   apiKey: " + secret + "\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n-   replicas: 1\n+   replicas: 2\n"},
		{name: "a custom resource's password", reason: "no schema: operators' resources often carry credentials in clear",
			input: "default, db, Cluster (postgres.example.com) has changed:\n  apiVersion: postgres.example.com/v1\n  kind: Cluster\n  metadata:\n    name: db\n  spec:\n    auth:\n-     superuserPassword: old-" + secret + "\n+     superuserPassword: " + secret + "\n"},
		{name: "a custom resource's added credentials", reason: "a subtree added whole: a key below it decides",
			input: "default, db, Cluster (postgres.example.com) has changed:\n  apiVersion: postgres.example.com/v1\n  kind: Cluster\n  metadata:\n    name: db\n  spec:\n+   auth:\n+     token: " + secret + "\n"},
		{name: "free-form content", reason: "a ControllerRevision's data is a raw extension: anything may be below, as in a custom resource",
			input: "default, web-1, ControllerRevision (apps) has changed:\n  apiVersion: apps/v1\n  kind: ControllerRevision\n  metadata:\n    name: web-1\n  revision: 1\n  data:\n    spec:\n-     password: old-" + secret + "\n+     password: " + secret + "\n"},
		{name: "a volume's secretName", reason: "declared by the schema: a reference, shown",
			input: "default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    template:\n      spec:\n        volumes:\n          - name: creds\n            secret:\n-             secretName: old-" + secret + "\n+             secretName: " + secret + "\n", shown: true},
	} {
		for format, r := range reviewedInEveryFormat(t, tc.input) {
			if (r.code == 1) != tc.refused {
				t.Errorf("%s (-o %s): exit %d, want 1: %v: %s", tc.name, format, r.code, tc.refused, r.stderr)
			}
			if got := strings.Contains(r.printed+r.stderr, secret); got != tc.shown {
				t.Errorf("%s (-o %s): value shown %v, want %v\nreason: %s\n%s", tc.name, format, got, tc.shown, tc.reason, r.printed)
			}
		}
	}
}

// What a Secret shows stays shown: its type, labels and helm's annotations
// written as those fields are (a hook's events with a space after the
// comma, its weight), in every format.
func TestSecretShownFieldsStayShown(t *testing.T) {
	input := "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n    labels:\n-     helm.sh/chart: app-1.0.0\n+     helm.sh/chart: app-1.1.0\n    annotations:\n-     helm.sh/hook: pre-install\n+     helm.sh/hook: pre-install, pre-upgrade\n-     helm.sh/hook-weight: \"-5\"\n+     helm.sh/hook-weight: \"-4\"\n- type: Opaque\n+ type: kubernetes.io/tls\n  data:\n    k: dg==\n"
	for format, r := range reviewedInEveryFormat(t, input) {
		for _, v := range []string{"app-1.1.0", "pre-install, pre-upgrade", "-4", "kubernetes.io/tls"} {
			if !strings.Contains(r.printed, v) {
				t.Errorf("-o %s: %q is not shown: a value its field holds is not redacted\n%s", format, v, r.printed)
			}
		}
		// the hook's events are in its reason too: no change is redacted
		if strings.Contains(r.printed, "value changed (") || strings.Contains(r.printed, `"redacted": true`) {
			t.Errorf("-o %s: a change is redacted\n%s", format, r.printed)
		}
	}
}

// TestNoSecretInListsOrOddKinds: a SecretList (helm creates each item as
// a Secret; the helm-diff Stevedore embeds prints it whole), a List, a
// kind spelled "Secrets", and a Secret kind with a space (in helm diff
// release's and the structured format, which take the kind from the
// document or the entry) once printed their values in every format and
// into an accept file; so did a structured Secret's shown fields (labels,
// type, immutable, name) holding what no such field can. No value
// appears; an input whose kind no object has is refused.
func TestNoSecretInListsOrOddKinds(t *testing.T) {
	values := regexp.MustCompile(`TEVBS01[A-Za-z0-9=]*|LEAKME[A-Z0-9]*|LISTLEAK[A-Z0-9]*`)
	for _, name := range []string{"secretlist-stevedore.txt", "secretlist.diff", "secretlist-misspelt-items.diff", "secret-kind-space-release.diff", "secret-kind-space-structured.json", "secret-lists-structured.json", "secret-shown-fields-structured.json"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", name))
		if err != nil {
			t.Fatal(err)
		}
		want := values.FindAllString(string(data), -1)
		if len(want) == 0 {
			t.Fatalf("%s: no values to look for", name)
		}
		accept := filepath.Join(t.TempDir(), "accept.yaml")
		for _, args := range [][]string{{"-o", "text"}, {"-o", "json"}, {"-o", "markdown"}, {"--write-accept", accept}} {
			out, errOut, code := run(t, string(data), append([]string{"review", "--no-color", "--show-ignored"}, args...)...)
			written, _ := os.ReadFile(accept)
			for _, v := range want {
				if strings.Contains(out+errOut+string(written), v) {
					t.Errorf("%s %v (exit %d): the Secret value %q appears", name, args, code, v)
				}
			}
			if strings.Contains(name, "kind-space") && code != 1 {
				t.Errorf("%s %v: exit %d, want 1 (no object has the kind)", name, args, code)
			}
		}
	}
}

// TestLostElisionMarker: a partial body whose leading "..." is lost
// begins indented, and go-yaml ends a document at its first line indented
// less than the first, without an error: both sides read alike, and an
// image change (a Secret's password) was "formatting only", exit 0. Such
// a body is refused, naming the line, in every format that embeds one, and
// so is one that begins indented without apiVersion and kind at its top
// (read as the top, a pod template's label was the object's own); a body
// that lost its top (no apiVersion, no kind) shows no field absent, so a
// fact it does not show (the strategy) counts as its worst.
func TestLostElisionMarker(t *testing.T) {
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	body := read("lost-elision.diff")
	for _, tc := range []struct {
		name, input, err string
		code             int
	}{
		{"diff", body, "line 4: the old document of Deployment.apps/shop/web goes on at line 4 indented less than its first line (line 2)", 1},
		{"helmfile", "Comparing release=shop, chart=shop, namespace=shop\n" + body, "line 5: the old document of Deployment.apps/shop/web goes on at line 5", 1},
		{"stevedore", read("lost-elision-stevedore.txt"), "line 22: the old document of Deployment.apps/shop/web goes on at line 22", 1},
		{"a real capture's Secret", read("lost-elision-secret.txt"), "line 3: the old document of Secret/postgresql/postgresql goes on at line 3", 1},
		{"top level, without apiVersion and kind", read("lost-elision-top-level.diff"), "", 2},
		{"indented, never less", read("lost-elision-indented.diff"), "line 2: the old document of Deployment.apps/prod/web begins indented here and has neither apiVersion nor kind at its top", 1},
		{"indented, never less, stevedore", read("lost-elision-indented-stevedore.txt"), "line 20: the old document of Deployment.apps/shop/web begins indented here", 1},
		// real helm-diff output of charts helm installed: an indented top
		// level whose flow collections and quoted values go on less
		// indented (go-yaml reads them on), and a document end marker
		{"a real indented top level", read("indented-root-real.diff"), "", 0},
		{"a real indented top level and its end marker", read("indented-root-end-marker.diff"), "", 0},
	} {
		out, errOut, code := run(t, tc.input, "review", "--no-color")
		if code != tc.code || !strings.Contains(errOut, tc.err) {
			t.Errorf("%s: exit %d, want %d and the error %q\n%s%s", tc.name, code, tc.code, tc.err, out, errOut)
		}
	}
}

// TestContainersEmptied: a chart's toYaml of an empty list empties a pod
// template's containers. The API server refuses it ("containers: Required
// value"), helm upgrade fails part-way (the ConfigMap before it applied),
// and the review said restart, exit 0.
func TestContainersEmptied(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"containers-emptied.diff", "spec.template.spec.containers must name at least one container"},
		// the same in a partial view (--context, Stevedore's five lines)
		{"containers-emptied-context.diff", "spec.template.spec.containers must be a list of at least one container"},
		{"containers-emptied-cronjob-context.diff", "spec.jobTemplate.spec.template.spec.containers must be a list of at least one container"},
		// each container removed item by item in a partial view, the
		// list's key line kept: a CronJob's and a ReplicationController's
		// template changes were judged safe
		{"containers-removed-cronjob-context.diff", "spec.jobTemplate.spec.template.spec.containers must name at least one container"},
		{"containers-removed-rc-context.diff", "spec.template.spec.containers must name at least one container"},
		// helm-diff's structured output, which reports an item removed only
		// past the new list's end: removed at index 0, the list is empty
		{"containers-emptied-structured.json", "spec.jobTemplate.spec.template.spec.containers must name at least one container"},
		// a flow list emptied, whose items the review compares one by one
		{"containers-emptied-flow-context.diff", "spec.jobTemplate.spec.template.spec.containers must name at least one container"},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(t, string(data), "review", "--no-color")
		if code != 2 || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want 2 and helm upgrade failing\n%s%s", tc.file, code, out, errOut)
		}
	}
}

// TestContainersKeptPastAnElision: a container removed where an elision
// follows the list, and others follow the elision, does not empty it. (The
// gate trips all the same: lines out of view may repeat the container's
// name, and helm 3's patch would delete every container of it.)
func TestContainersKeptPastAnElision(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", "containers-removed-one-of-more-context.diff"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, string(data), "review", "--no-color")
	if code != 2 || strings.Contains(out, "will fail") || !strings.Contains(out, "lines out of view may repeat this item's") {
		t.Errorf("exit %d, want 2 for a key out of view alone, and no failure foretold\n%s%s", code, out, errOut)
	}
}

// TestRequiredFieldMissing: a list item added whole without a field the
// API server requires (a container's name, a port's number) makes helm
// upgrade fail; the review said restart, exit 0, in full context. Where
// an elision may hide the field, or the field is the one the item is
// known by (a container renamed in a partial view), it is not a refusal.
func TestRequiredFieldMissing(t *testing.T) {
	for _, tc := range []struct {
		file, want string
		code       int
	}{
		{"container-nameless.diff", "spec.template.spec.containers[1].name must be set (it is required)", 2},
		{"container-nameless-context.diff", "spec.template.spec.containers[1].name must be set (it is required)", 2},
		{"container-nameless-stevedore.txt", "spec.template.spec.containers[1].name must be set (it is required)", 2},
		{"port-numberless.diff", "spec.ports[1].port must be set (it is required)", 2},
		{"container-name-null.diff", "spec.template.spec.containers[1].name must be set (it is required)", 2},
		{"container-added-cut-context.diff", "", 2}, // a restart of replicas not shown
		// a partial view of an item that lost the field it is known by, the
		// rest kept: it has none; renamed, it keeps its other fields
		{"container-name-removed-context.diff", "spec.jobTemplate.spec.template.spec.containers[name=report].name must be set (it is required)", 2},
		{"env-name-removed-context.diff", "env[name=DEBUG].name must be set (it is required)", 2},
		{"container-renamed-context.diff", "", 2}, // a new name may be another container's
		// an item added where it may be a pull secret (whose name is all it
		// needs), a container or a port: no place is certain to refuse it
		{"pull-secret-added-context.diff", "helm upgrade may fail: where the view leaves its place open, spec.jobTemplate.spec.template.spec.containers[name=regcred2].image must be set", 2},
		// a port whose shared line went to the port before it, the other
		// to one without a number; an item begun on a new line whose
		// other lines both sides share
		{"port-number-moved-context.diff", "ports[name=metrics].containerPort must be set (it is required)", 2},
		{"port-number-moved-late-context.diff", "ports[name=metrics].containerPort must be set (it is required) [schema-type, line 4]", 2},
		{"container-begun-context.diff", "spec.jobTemplate.spec.template.spec.containers[1].image must be set (it is required)", 2},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(t, string(data), "review", "--no-color")
		certain := strings.Contains(tc.want, "will fail") || !strings.Contains(tc.want, "may fail")
		if code != tc.code || tc.want != "" && !strings.Contains(out, tc.want) || tc.want == "" && strings.Contains(out, "will fail") ||
			!certain && strings.Contains(out, "will fail") {
			t.Errorf("%s: exit %d, want %d and %q\n%s%s", tc.file, code, tc.code, tc.want, out, errOut)
		}
	}
}

// TestServerDefaultRemoved: a field that may not change once set, removed
// or written out with the value the API server gives it where it is left
// out, changes nothing (the server sets it again): it was "helm upgrade
// will fail here", exit 2. Removed with another value, it still is.
func TestServerDefaultRemoved(t *testing.T) {
	for _, tc := range []struct {
		file string
		code int
		want string
	}{
		{"secret-type-opaque-removed.diff", 0, "type is its default: the API server sets it"},
		{"sts-pmp-default.diff", 0, "spec.podManagementPolicy is its default, OrderedReady"},
		{"pvc-volumemode-default-removed.diff", 0, "spec.volumeMode is its default, Filesystem"},
		// a claim template's too (it was destructive: a replacement)
		{"sts-vct-volumemode-default-added.diff", 0, "spec.volumeClaimTemplates[0].spec.volumeMode is its default, Filesystem"},
		{"sts-pmp-parallel-removed.diff", 2, "helm upgrade will fail here"},
		{"secret-type-opaque-removed-structured.json", 0, "type is its default: the API server sets it"},
		// added in a partial view, the field may stand hidden with another
		// value (the last of two keys is what the server reads)
		{"sts-pmp-default-added-context.diff", 2, "immutable StatefulSet field - forces replacement"},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(t, string(data), "review", "--no-color")
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want %d and %q\n%s%s", tc.file, code, tc.code, tc.want, out, errOut)
		}
	}
}

// TestStoredVersionRemoved: a CRD that no longer lists the version it
// stores its resources in is refused (status.storedVersions holds it); the
// review said the CRD would be updated in place.
func TestStoredVersionRemoved(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", "crd-storage-version-removed.diff"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, string(data), "review", "--no-color")
	if want := "helm upgrade will fail: spec.versions must keep v1alpha1"; code != 2 || !strings.Contains(out, want) {
		t.Errorf("exit %d, want 2 and %q\n%s%s", code, want, out, errOut)
	}
}

// TestShadowedPlaces: a chart's label bump in a partial view whose changed
// lines close before a visible top-level spec: cannot be in spec (it would
// be an earlier spec key, which the later replaces whole), so it is no
// selector change (it was disruptive for every PodDisruptionBudget of a
// Bitnami bump at --context 3). Without the visible spec: it may be.
func TestShadowedPlaces(t *testing.T) {
	for _, tc := range []struct {
		file string
		code int
	}{
		{"pdb-label-bump-context3.diff", 0},
		{"pdb-label-bump-cut-context3.diff", 2},
		// two keys of one mapping swapped in a partial view: a mapping's
		// order is no part of its value
		{"pdb-selector-keys-reordered-context3.diff", 0},
		// a stretch right of the top-level keys the view shows is not
		// the top level (a Secret's label is no stringData key); without
		// one shown, it may be
		{"secret-label-bump-context3.diff", 0},
		{"secret-label-bump-cut-context3.diff", 2},
		// lines after the last elision may all be inside a quoted value
		// opened out of view (a spec: or a hook annotation of its text),
		// or hold an explicit key (? strategy): what they do not show of
		// the top level is unknown, not absent
		{"quoted-hidden-spec-context3.diff", 2},
		{"quoted-hidden-hook-context3.diff", 2},
		{"explicit-key-strategy-context5.diff", 2},
		// an empty flow value on the line after its key is read as
		// written in a partial view
		{"flow-empty-next-line-context.diff", 0},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hostile", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if out, errOut, code := run(t, string(data), "review", "--no-color"); code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", tc.file, code, tc.code, out, errOut)
		}
	}
}
