package diffparse_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// summary renders a plan in a compact notation, one line per object and
// one per change:
//
//	update Deployment.apps/prod/api complete src=chart/templates/x.yaml
//	  modify spec.replicas: 3 -> 5 @14
func summary(p *diffparse.Plan) string {
	var b strings.Builder
	if p.NoChanges {
		b.WriteString("no changes\n")
	}
	for _, o := range p.Objects {
		fmt.Fprintf(&b, "%s %s %s", o.Action, o.Ref, o.Content)
		if o.Ref.Version != "" {
			fmt.Fprintf(&b, " v=%s", o.Ref.Version)
		}
		if o.Source != "" {
			fmt.Fprintf(&b, " src=%s", o.Source)
		}
		if o.NewOwner != "" {
			fmt.Fprintf(&b, " owner=%s->%s", o.OldOwner, o.NewOwner)
		}
		if o.Release != "" {
			fmt.Fprintf(&b, " release=%s", o.Release)
		}
		fmt.Fprintf(&b, " @%d\n", o.Pos.Line)
		for _, c := range o.Changes {
			fmt.Fprintf(&b, "  %s %s: %s -> %s @%d", c.Op, c.Path, val(c.Old), val(c.New), c.Pos.Line)
			if c.Path.Elided() {
				fmt.Fprintf(&b, " col=%d", c.GapColumn)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func val(v diffparse.Value) string {
	switch {
	case !v.Present():
		return "_"
	case v.Redacted:
		return fmt.Sprintf("<redacted %d>", v.Bytes)
	case v.Kind == diffparse.Scalar:
		return fmt.Sprintf("%q", v.Text)
	}
	return fmt.Sprintf("%s%q", v.Kind, v.Text)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		format diffparse.Format
		want   string
		reason string
	}{
		{
			name: "full context, keyed container",
			input: `default, web, Deployment (apps) has changed:
  # Source: demo/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 2
    template:
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
`,
			want: `update Deployment.apps/default/web complete v=v1 src=demo/templates/deployment.yaml @1
  modify spec.template.spec.containers[name=web].image: "nginx:1.25" -> "nginx:1.27" @13
`,
			reason: "containers are keyed by name (patchMergeKey), not by index; the version comes from the body",
		},
		{
			name: "client-go warnings, logged through klog",
			input: `W0615 10:00:00.000001   12 warnings.go:70] "Warning: first"
default, web, ConfigMap (v1) has changed:
  data:
-   a: x
+   a: y
I1206 19:10:06.440801   32733 warnings.go:110] "Warning: spec.template.spec.containers[0].env[1]: hides previous definition of \"MODE\""
`,
			want:   "update ConfigMap/default/web complete @2\n  modify data.a: \"x\" -> \"y\" @4\n",
			reason: "the API server's warnings come at level I (helm 3.22) or W, with the month first, and before any diff: notes, not a stream that is not helm-diff's",
		},
		{
			name: "empty namespace and a name with a colon",
			input: `, system:reader, ClusterRole (rbac.authorization.k8s.io) has changed:
  rules:
    - apiGroups: [""]
      resources: ["pods"]
-     verbs: ["get"]
+     verbs: ["get", "list"]
`,
			want: `update ClusterRole.rbac.authorization.k8s.io/system:reader complete @1
  add rules[0].verbs[1]: _ -> "list" @6
`,
			reason: "helm-diff prints an empty namespace as a leading ', '; ClusterRole rules have no merge key, so the index is used; a flow list is read as the list it is",
		},
		{
			name: "cluster-scoped kind under the release namespace",
			input: `default, reader, ClusterRole (rbac.authorization.k8s.io) has been added:
- 
+ apiVersion: rbac.authorization.k8s.io/v1
+ kind: ClusterRole
+ metadata:
+   name: reader
`,
			want:   "create ClusterRole.rbac.authorization.k8s.io/reader complete v=v1 @1\n",
			reason: "helm-diff files cluster-scoped objects under the release namespace; the ref drops it. An added object starts with a '- ' line",
		},
		{
			name: "removed object ends with a '+ ' line",
			input: `default, legacy, Service (v1) has been removed:
- apiVersion: v1
- kind: Service
- metadata:
-   name: legacy
+ 
`,
			want:   "delete Service/default/legacy complete v=v1 @1\n",
			reason: "(v1) is the core group; the trailing '+ ' is the empty new side",
		},
		{
			name: "elided context: path rebuilt from indentation",
			input: `default, web, Deployment (apps) has changed:
...
        labels:
          app: web
      spec:
        containers:
          - name: web
-           image: "nginx:1.21.0"
+           image: "nginx:1.21.6"
            ports:
...
`,
			want: `update Deployment.apps/default/web partial @1
  modify ...spec.containers[name=web].image: "nginx:1.21.0" -> "nginx:1.21.6" @8 col=4
`,
			reason: "the ancestors above 'spec:' are elided: the path starts with a gap, and records the column of its first known step",
		},
		{
			name: "a root key after an elision is anchored again",
			input: `default, web, Deployment (apps) has changed:
...
    annotations:
      a: b
  spec:
-   replicas: 3
+   replicas: 5
...
`,
			want: `update Deployment.apps/default/web partial @1
  modify spec.replicas: "3" -> "5" @6
`,
			reason: "a key at the document's root column is a root key whatever was elided before it",
		},
		{
			name: "compact lists with the key after the change (three-way merge output)",
			input: `default, web, Deployment (apps) has changed:
  spec:
    template:
      spec:
        containers:
        - env:
          - name: A
-           value: "1"
+           value: "2"
          image: nginx
          name: web
`,
			want: `update Deployment.apps/default/web complete @1
  modify spec.template.spec.containers[name=web].env[name=A].value: "1" -> "2" @8
`,
			reason: "server-formatted objects sort keys, so an item's name comes after the changed line; items are identified once read",
		},
		{
			name: "block scalar",
			input: `default, cfg, ConfigMap (v1) has changed:
  data:
    app.properties: |
      greeting=hello
-     retries=3
+     retries=5
    other: x
`,
			want: `update ConfigMap/default/cfg complete @1
  modify data["app.properties"]: text"greeting=hello\nretries=3\n" -> text"greeting=hello\nretries=5\n" @5
`,
			reason: "a change inside a block scalar is a change of the whole value, at the key's path; a literal block keeps its final newline",
		},
		{
			name: "quoting is formatting, a type change is not",
			input: `default, cfg, ConfigMap (v1) has changed:
  data:
-   a: 'x'
+   a: "x"
-   b: "2"
+   b: 2
`,
			want: `update ConfigMap/default/cfg complete @1
  reformat data.a: "x" -> "x" @3
  modify data.b: "2" -> "2" @5
`,
			reason: "'x' and \"x\" are the same string; \"2\" is a string and 2 an integer",
		},
		{
			name:  "CRLF line endings of the whole input",
			input: "default, cfg, ConfigMap (v1) has changed:\r\n  data:\r\n-   a: x\r\n+   a: y\r\n",
			want: `update ConfigMap/default/cfg complete @1
  modify data.a: "x" -> "y" @3
`,
			reason: "a pipe from Windows ends every line with CRLF; that is line ending, not content",
		},
		{
			name:  "carriage returns inside one side only",
			input: "default, cfg, ConfigMap (v1) has changed:\n  data:\n-   a: x\r\n+   a: x\n",
			want: `update ConfigMap/default/cfg complete @1
  reformat data.a: "x" -> "x" @3
`,
			reason: "helm-diff shows a manifest saved with CRLF as changed lines; the value is the same",
		},
		{
			name:  "colour codes",
			input: "\x1b[0;33mdefault, cfg, ConfigMap (v1) has changed:\x1b[0m\n  data:\n\x1b[0;31m-   a: x\x1b[0m\n\x1b[0;32m+   a: y\x1b[0m\n",
			want: `update ConfigMap/default/cfg complete @1
  modify data.a: "x" -> "y" @3
`,
			reason: "helm-diff colours headers and changed lines with ANSI codes",
		},
		{
			name: "kind suppressed by helm-diff",
			input: `default, web, Deployment (apps) has changed:
+ Changes suppressed on sensitive content of type Deployment
`,
			want:   "update Deployment.apps/default/web suppressed @1\n",
			reason: "--suppress Deployment hides the body: the object changes, how is not shown",
		},
		{
			name:   "diff empty after line suppression",
			input:  "prod, api, Deployment (apps) has changed, but diff is empty after suppression.\n",
			want:   "update Deployment.apps/prod/api suppressed @1\n",
			reason: "--suppress-output-line-regex can hide every changed line; the object still changes",
		},
		{
			name: "ownership and content of one object are merged",
			input: `default, foobar, ConfigMap (v1) changed ownership:
- default/oldfoobar
+ default/foobar
default, foobar, ConfigMap (v1) has changed:

  apiVersion: v1
  kind: ConfigMap
  data:
-   key1: value1
+   key1: newValue1

`,
			want: `update ConfigMap/default/foobar complete v=v1 owner=default/oldfoobar->default/foobar @1
  modify data.key1: "value1" -> "newValue1" @9
`,
			reason: "with --take-ownership helm-diff prints an ownership entry and a content entry for the same object",
		},
		{
			name: "detailed exit code trailer",
			input: `default, cfg, ConfigMap (v1) has changed:
  data:
-   a: x
+   a: y
Error: identified at least one change, exiting with non-zero exit code (detailed-exitcode parameter enabled)
Error: plugin "diff" exited with error
`,
			want: `update ConfigMap/default/cfg complete @1
  modify data.a: "x" -> "y" @3
`,
			reason: "--detailed-exitcode adds two Error: lines on stderr that mean 'there are changes', not failure",
		},
		{
			name: "an env var inserted first is one addition, keyed",
			input: `default, web, Deployment (apps) has changed:
  spec:
    template:
      spec:
        containers:
          - name: web
            env:
+             - name: NEW
+               value: "1"
              - name: OLD
                value: "2"
`,
			want: `update Deployment.apps/default/web complete @1
  add spec.template.spec.containers[name=web].env[name=NEW]: _ -> tree"name: NEW\nvalue: \"1\"" @8
`,
			reason: "env is keyed by name, so inserting before OLD does not look like every item changed",
		},
		{
			name: "secret values shown with --show-secrets are redacted on ingest",
			input: `default, s, Secret (v1) has changed:
  data:
-   password: aGVsbG8=
+   password: aGVsbG8gd29ybGQ=
  type: Opaque
`,
			want: `update Secret/default/s complete @1
  modify data.password: <redacted 5> -> <redacted 11> @3
`,
			reason: "base64 Secret data is never kept; its decoded size is",
		},
		{
			name: "helm-diff's redaction markers give the size",
			input: `default, s, Secret (v1) has changed:
  data:
-   password: '-------- # (12 bytes)'
+   password: '++++++++ # (12 bytes)'
    username: 'REDACTED # (5 bytes)'

`,
			want: `update Secret/default/s complete @1
  modify data.password: <redacted 12> -> <redacted 12> @3
`,
			reason: "redacted values say their size in the marker; the unchanged one is context",
		},
		{
			name:   "empty input",
			input:  "\n\n",
			want:   "no changes\n",
			reason: "helm diff prints nothing when nothing changes",
		},
		{
			name: "simple format",
			input: `default, web, Deployment (apps) to be changed.
prod, old, Service (v1) to be removed.
Plan: 0 to add, 1 to change, 1 to destroy, 0 to change ownership.
`,
			want: `update Deployment.apps/default/web object-only @1
delete Service/prod/old object-only @2
`,
			reason: "the simple format names objects only",
		},
		{
			name: "json format",
			input: `[{
  "api": "apps",
  "kind": "Deployment",
  "namespace": "prod",
  "name": "api",
  "change": "MODIFY"
}]
`,
			want:   "update Deployment.apps/prod/api object-only @1\n",
			reason: "the json format names objects only; entries are located by line",
		},
		{
			name:   "json with no changes",
			input:  "[]\n",
			want:   "no changes\n",
			reason: "helm-diff prints [] when nothing changes",
		},
		{
			name: "structured format",
			input: `[
  {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "name": "reader",
    "changeType": "MODIFY",
    "resourceStatus": {"oldExists": true, "newExists": true},
    "changes": [
      {"path": "rules[0].verbs", "field": "1", "change": "add", "newValue": "list"},
      {"path": "metadata.labels", "field": "helm.sh/chart", "change": "replace", "oldValue": "a-1", "newValue": "a-2"}
    ]
  }
]
`,
			want: `update ClusterRole.rbac.authorization.k8s.io/reader partial v=v1 @2
  add rules[0].verbs[1]: _ -> "list" @0
  modify metadata.labels["helm.sh/chart"]: "a-1" -> "a-2" @0
`,
			reason: "structured paths are dotted with indexes; a numeric field under a list is an index; the field holds dotted label keys whole",
		},
		{
			name: "helm diff release keys objects by template",
			input: `demo/templates/cm.yaml has changed:
  # Source: demo/templates/cm.yaml
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cfg
    namespace: prod
  data:
-   a: x
+   a: y
`,
			want: `update ConfigMap/prod/cfg complete v=v1 src=demo/templates/cm.yaml @1
  modify data.a: "x" -> "y" @9
`,
			reason: "helm diff release headers name the template; kind, name and namespace come from the body",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.input, diffparse.Options{Format: tc.format})
			if err != nil {
				t.Fatalf("Parse: %v\n(reason: %s)", err, tc.reason)
			}
			if diff := cmp.Diff(tc.want, summary(plan)); diff != "" {
				t.Errorf("plan mismatch (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		format diffparse.Format
		want   string // substring of the error, with its line
		reason string
	}{
		{"garbage", "hello world\n", 0, "line 1: unsupported input", "not helm-diff output at all"},
		{"stray line between objects", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\nsomething else\n", 0, "line 5: not helm-diff output", "a line that is neither a header nor a body line"},
		{"body before any header", "  data:\n-   a: x\n", diffparse.FormatDiff, "line 1: diff line outside of any object", "the input was cut at the start"},
		{"header without body", "default, a, ConfigMap (v1) has changed:\n", 0, "line 1: object header without a diff body", "the input was cut after a header"},
		{"invalid UTF-8", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: \xff\n", 0, "line 3: input is not valid UTF-8", "binary garbage"},
		{"control characters", "default, a, ConfigMap (v1) has changed:\n  da\x00ta:\n", 0, "line 2: control character", "NUL bytes are not text"},
		{"unterminated quote", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: \"x\n+   a: \"y\n", 0, "line 3: a quoted or bracketed value that starts here never ends", "the input was cut inside a value"},
		{"helm error", "Error: UPGRADE FAILED: timed out\n", 0, "line 1: helm diff failed: UPGRADE FAILED: timed out", "helm diff's own errors fail the review"},
		{"carriage return hiding an object header", "default, a, ConfigMap (v1) has changed:\n  data:\n-   x: \"1\"\n+   x: \"2\"\ndefault, b, Secret (v1) has been removed:\r  data:\n-   password: c2VjcmV0\n", 0,
			"line 5: a diff line holds a carriage return or backspace", "the rendering would show only \"  data:\", hanging the Secret's removal on the ConfigMap"},
		{"banner that only ends like the new-release one", "********************\n\n\tError: could not fetch. Diff will show entire contents as new.\n\n********************\n", 0,
			"line 1: helm diff failed: Error: could not fetch.", "only helm-diff's exact new-release sentence is a note; anything else between banners is a failure"},
		{"missing release banner", "********************\n\n\tRelease was not present in Helm.  Include the `--allow-unreleased` to perform diff without exiting in error.\n\n********************\nError: exit status 1: Error: release: not found\n", 0, "line 1: helm diff failed: Release was not present in Helm.", "the banner helm-diff prints for a missing release"},
		{"plugin failed alone", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\nError: plugin \"diff\" exited with error\n", 0, "line 5: helm diff failed", "without the detailed-exitcode line, this trailer means helm diff failed"},
		{"duplicate object", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\ndefault, a, ConfigMap (v1) has changed:\n  data:\n-   b: x\n+   b: y\n", 0, "line 5: object ConfigMap/default/a appears twice (first at line 1)", "two diffs concatenated without release separators"},
		{"simple without plan line", "default, web, Deployment (apps) to be changed.\n", 0, "has none (truncated input?)", "the simple format always ends with Plan:"},
		{"simple object without a name", ", , t () to be changed.\nPlan: 0 to add, 1 to change, 0 to destroy, 0 to change ownership.\n", 0, "line 1: object line without a name", "found by fuzzing: an object with no name cannot be matched by any rule"},
		{"suppressed object without a name", "default, , Secret (v1) has changed, but diff is empty after suppression.\n", diffparse.FormatDiff, "line 1: object without a kind or a name", "a nameless header is not an object, whatever its body says"},
		{"ownership of an object without a name", "default, , ConfigMap (v1) changed ownership:\n-   old\n+   new\n", diffparse.FormatDiff, "line 1: object without a kind or a name", "a nameless header is not an object, whatever its body says"},
		{"simple with wrong counts", "default, web, Deployment (apps) to be changed.\nPlan: 0 to add, 2 to change, 0 to destroy, 0 to change ownership.\n", 0, "line 2: the Plan: line counts", "lines were lost between the objects and the Plan: line"},
		{"truncated json", "[{\n  \"api\": \"apps\",\n  \"kind\": \"Deployment\",\n", 0, "line 4: the JSON ends early", "cut in the middle"},
		{"json cut mid-line", "[{\n  \"api\": \"apps\",\n  \"kind\": \"Depl", 0, "line 3: the input ends in the middle of this line", "a stream that does not end with a newline was cut"},
		{"unknown json field", "[{\"api\": \"apps\", \"kind\": \"Deployment\", \"namespace\": \"x\", \"name\": \"y\", \"change\": \"MODIFY\", \"extra\": 1}]\n", 0, "line 1: unexpected JSON", "strict decoding: an unknown field means another format"},
		{"unknown change type", "[{\"api\": \"apps\", \"kind\": \"Deployment\", \"namespace\": \"x\", \"name\": \"y\", \"change\": \"MOVE\"}]\n", 0, "line 1: unknown change \"MOVE\"", "an unknown value is an error, not a default"},
		{"a whole apiVersion as the group", "[{\"api\": \"apps/v1\", \"kind\": \"StatefulSet\", \"namespace\": \"x\", \"name\": \"db\", \"change\": \"REMOVE\"}]\n", 0, "line 1: JSON entry with a kind or API group helm-diff does not print (api \"apps/v1\"", "found: read as the group \"apps/v1\", the deletion of a StatefulSet with claims missed its rule (destructive read as disruptive); the diff format refuses the same header"},
		{"structured modify without changes", "[{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"name\": \"a\", \"changeType\": \"MODIFY\"}]\n", 0, "MODIFY entry without changes", "a modification that shows nothing cannot be judged"},
		{"dyff", "\nmetadata.labels.tier  (apps/v1/Deployment/default/web)\n  ± value change\n    - web\n    + frontend\n", 0, "dyff output", "dyff is for people; safediff refuses it"},
		{"forced format mismatch", "default, web, Deployment (apps) has changed:\n  a: b\n", diffparse.FormatJSON, "invalid JSON", "--input-format json on a diff"},
		{"suppression notice for another kind", "default, web, Deployment (apps) has changed:\n+ Changes suppressed on sensitive content of type Secret\n", 0, "line 2: suppression notice names kind \"Secret\"", "a notice that does not fit its header"},
		{"carriage return inside a changed line", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\r+   a: x\n", 0, "line 4: a diff line holds a carriage return or backspace",
			"rendered as a terminal would, the line reads '+   a: x': the new value y would vanish and the change pass as a reformat"},
		{"backspaces inside a changed line", "default, a, ConfigMap (v1) has changed:\n  data:\n-   image: nginx:1.25\n+   image: nginx:1.27\b\b\b\b1.25\n", 0, "line 4: a diff line holds a carriage return or backspace",
			"rendered, the backspaces turn the new image 1.27 into the old one"},
		{"changed object whose old side is empty", "default, a, ConfigMap (v1) has changed:\n+ kind: ConfigMap\n", 0, "line 1: the old document of ConfigMap/default/a is not valid YAML: the document is not a mapping",
			"found by fuzzing: an empty side has no line of its own, so the header names it (and the reader must not panic)"},
		{"an alias of no anchor", "default, s, Secret (v1) has changed:\n  apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n  stringData:\n-   password: x\n+   password: *Correct-Horse-Battery-Staple\n", 0,
			"line 2: the new document of Secret/default/s is not valid YAML: an alias (*) names an anchor the document does not define before it (",
			"found: go-yaml's message quotes the alias's name ('unknown anchor 'Correct-Horse-Battery-Staple' referenced'), here a Secret's password written unquoted"},
		{"an anchor holding itself", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: &Correct-Horse [*Correct-Horse]\n", 0,
			"is not valid YAML: an anchor's value holds an alias of itself (",
			"go-yaml quotes the anchor's name here too"},
		{"document that is a scalar", "default, a, ConfigMap (v1) has changed:\n- just text\n+ kind: ConfigMap\n", 0, "line 2: the old document of ConfigMap/default/a is not valid YAML: the document is not a mapping",
			"a Kubernetes object is a mapping; a scalar document cannot be judged"},
		{"a kind no object has", "default, a, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\ndefault, s, [Secret (v1) has changed:\n...\n  data:\n-   password: b2xk\n+   password: bmV3\n", 0, "line 5: not helm-diff output",
			"found by altering a header of a real capture: the kind '[Secret' was not a Secret, and the values below it, the document's kind out of view, were printed"},
		{"a group no API has", "default, s, Secret (v1 x) has changed:\n...\n  data:\n-   password: b2xk\n+   password: bmV3\n", 0, "line 1: unsupported input",
			"helm-diff prints the document's API group: one that cannot be is altered input"},
		{"carriage return after an indentation", "default, a, ConfigMap (v1) has changed:\n  data:\n   \r   b: 1\n-   a: x\n+   a: y\n", 0, "line 3: a diff line holds a carriage return or backspace",
			"found: go-yaml breaks the line at the CR (the key is indented 3), a terminal overwrites the spaces (indented 1): a pod template's labels read as the object's"},
		{"carriage return inside a context line", "default, a, ConfigMap (v1) has changed:\n  data:\n    b: 1\r    c: 2\n-   a: x\n+   a: y\n", 0, "line 3: a diff line holds a carriage return or backspace",
			"a manifest with CR line ends packs several lines into one; rendering keeps only the last"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.input, diffparse.Options{Format: tc.format})
			if err == nil {
				t.Fatalf("want an error containing %q, got a plan:\n%s\nreason: %s", tc.want, summary(plan), tc.reason)
			}
			if all := allErrors(err); !strings.Contains(all, tc.want) {
				t.Errorf("error %q does not contain %q\nreason: %s", all, tc.want, tc.reason)
			}
		})
	}
}

// TestOpenValueSaidOnce: a value cut by the end of the input on a context
// line is open on both sides of the object; it is one problem, and the
// error says it once.
func TestOpenValueSaidOnce(t *testing.T) {
	_, err := diffparse.ParseString("default, a, ConfigMap (v1) has changed:\n  data:\n-   a: 1\n+   a: 2\n    b: \"x\n", diffparse.Options{})
	if err == nil {
		t.Fatal("a value cut by the end of the input was read")
	}
	if all := allErrors(err); strings.Count(all, "never ends") != 1 {
		t.Errorf("want the problem once, got:\n%s", all)
	}
}

// TestFacts checks that the fields the rules ask about are looked up on
// both sides, and that elided bodies leave them unknown.
func TestFacts(t *testing.T) {
	replicas := kube.Path{kube.Field("spec"), kube.Field("replicas")}
	strategy := kube.Path{kube.Field("spec"), kube.Field("strategy"), kube.Field("type")}
	full := `default, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  spec:
    replicas: 1
    template:
      metadata:
-       labels: {a: b}
+       labels: {a: c}
`
	// a body without elisions that lacks what helm renders for every
	// object has lost lines: an elision marker cut from a partial view
	headless := strings.Replace(full, "  apiVersion: apps/v1\n  kind: Deployment\n", "", 1)
	elided := `default, web, Deployment (apps) has changed:
...
      metadata:
-       labels: {a: b}
+       labels: {a: c}
...
`
	for _, tc := range []struct {
		input        string
		wantReplicas diffparse.Presence
		wantStrategy diffparse.Presence
		reason       string
	}{
		{full, diffparse.Present, diffparse.Absent, "a complete body shows replicas, and that strategy is not set"},
		{elided, diffparse.Unknown, diffparse.Unknown, "an elided body shows neither"},
		{headless, diffparse.Unknown, diffparse.Unknown, "a body without apiVersion and kind is not the whole document: what it does not show is unknown, and what it shows a lost line may replace"},
	} {
		plan, err := diffparse.ParseString(tc.input, diffparse.Options{Facts: []kube.Path{replicas, strategy}})
		if err != nil {
			t.Fatal(err)
		}
		o := plan.Objects[0]
		for _, side := range []diffparse.Side{diffparse.Old, diffparse.New} {
			if got := o.Fact(side, replicas).Presence; got != tc.wantReplicas {
				t.Errorf("%s replicas: got %v, want %v (%s)", side, got, tc.wantReplicas, tc.reason)
			}
			if got := o.Fact(side, strategy).Presence; got != tc.wantStrategy {
				t.Errorf("%s strategy: got %v, want %v (%s)", side, got, tc.wantStrategy, tc.reason)
			}
			// the value a partial side shows is kept, for readers that
			// take it only as a floor
			if shown := o.ShownFact(side, replicas); tc.input == headless && (shown.Presence != diffparse.Present || !shown.Partial || shown.Value.Text != "1") {
				t.Errorf("%s replicas as shown: got %+v, want 1, marked partial", side, shown)
			}
		}
	}
}

// TestFactsSharedByLikeSides: objects with equal facts share one map, but
// a side shown whole and one shown in part never do: what a partial side
// shows a line out of view may replace, so it reads as unknown, whichever
// object came first.
func TestFactsSharedByLikeSides(t *testing.T) {
	replicas := kube.Path{kube.Field("spec"), kube.Field("replicas")}
	whole := "default, a, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  spec:\n    replicas: 3\n    template:\n      metadata:\n-       labels: {a: b}\n+       labels: {a: c}\n"
	part := "default, b, Deployment (apps) has changed:\n...\n  spec:\n    replicas: 3\n    template:\n      metadata:\n-       labels: {a: b}\n+       labels: {a: c}\n...\n"
	for _, tc := range []struct {
		name, input string
		want        [2]diffparse.Presence // of the objects a and b
	}{
		{"whole first", whole + part, [2]diffparse.Presence{diffparse.Present, diffparse.Unknown}},
		{"in part first", part + strings.Replace(whole, ", a,", ", a2,", 1), [2]diffparse.Presence{diffparse.Unknown, diffparse.Present}},
	} {
		plan, err := diffparse.ParseString(tc.input, diffparse.Options{Facts: []kube.Path{replicas}, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range plan.Objects {
			if got := o.Fact(diffparse.New, replicas).Presence; got != tc.want[i] {
				t.Errorf("%s: %s replicas: got %v, want %v", tc.name, o.Ref.Name, got, tc.want[i])
			}
		}
	}
}

// TestScalarEquality checks when two plain scalars are the same value, so
// that a changed line is only a reformat. YAML decides, as Kubernetes reads
// it (sigs.k8s.io/yaml, with go-yaml v2's resolver): strings Go's strconv
// reads as numbers ("Infinity", "+inf", "nan") are strings in YAML.
func TestScalarEquality(t *testing.T) {
	tests := []struct {
		old, new string
		want     string // the change's op, or a substring of the error
		reason   string
	}{
		{"-inf", "-Infinity", "modify", "both are strings in YAML (its infinity is -.inf); strconv reads both as -Inf"},
		{"+inf", "+Infinity", "modify", "both are strings in YAML; strconv reads both as +Inf"},
		{"+Inf", "+inf", "modify", "strings that differ in case; strconv reads both as +Inf"},
		{"x.iNf", "x.inf", "modify", "strings that look like infinity"},
		{"1.0", "1", "reformat", "the same number: sigs.k8s.io/yaml passes both on as 1"},
		{"0x10", "16", "reformat", "go-yaml reads 0x10 as 16"},
		{"yes", "true", "reformat", "YAML 1.1: yes is true"},
		{"0o17", "15", "reformat", "go-yaml resolves integers with Go's strconv, which reads 0o17"},
		{"'1'", "1", "modify", "a string and a number"},
		{".INF", ".iNf", "JSON cannot hold", "YAML's infinity has no JSON form: sigs.k8s.io/yaml fails, and so does helm upgrade"},
		{"'.inf'", ".NaN", "JSON cannot hold", "not-a-number has no JSON form either"},
	}
	for _, tc := range tests {
		t.Run(tc.old+" -> "+tc.new, func(t *testing.T) {
			input := "default, cfg, ConfigMap (v1) has changed:\n  data:\n-   a: " + tc.old + "\n+   a: " + tc.new + "\n"
			plan, err := diffparse.ParseString(input, diffparse.Options{})
			if tc.want != "modify" && tc.want != "reformat" {
				if err == nil || !strings.Contains(allErrors(err), tc.want) {
					t.Fatalf("want an error containing %q, got %v\nreason: %s", tc.want, err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(allErrors(err))
			}
			if got := plan.Objects[0].Changes[0].Op.String(); got != tc.want {
				t.Errorf("got %s, want %s\nreason: %s", got, tc.want, tc.reason)
			}
		})
	}
}

// TestNewReleaseBanner checks the banner helm diff upgrade prints with
// --allow-unreleased (or --install) for a release not installed yet: a
// note, and the diff that follows is the plan. Without the flag the banner
// says the diff exits in error, which TestParseErrors covers.
func TestNewReleaseBanner(t *testing.T) {
	banner := "********************\n\n\tRelease was not present in Helm.  Diff will show entire contents as new.\n\n********************\n"
	added := `default, fresh-config, ConfigMap (v1) has been added:
- 
+ # Source: demo/templates/configmap.yaml
+ apiVersion: v1
+ kind: ConfigMap
+ metadata:
+   name: fresh-config
+ data:
+   greeting: "hello"
`
	tests := []struct {
		name     string
		input    string
		want     string
		wantNote string
		reason   string
	}{
		{"helm diff upgrade --allow-unreleased", banner + added,
			"create ConfigMap/default/fresh-config complete v=v1 src=demo/templates/configmap.yaml @6\n",
			"line 1: helm-diff: Release was not present in Helm.  Diff will show entire contents as new.",
			"the banner says every object is new; it is not an error"},
		{"helmfile diff of a new release", "Comparing release=fresh, chart=./demo, namespace=default\n" + banner + added,
			"create ConfigMap/default/fresh-config complete v=v1 src=demo/templates/configmap.yaml release=fresh @7\n",
			"line 2: helm-diff: Release was not present in Helm.  Diff will show entire contents as new.",
			"helmfile runs helm diff with --allow-unreleased, so a release it installs first shows this banner"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.input, diffparse.Options{})
			if err != nil {
				t.Fatalf("%v\nreason: %s", allErrors(err), tc.reason)
			}
			if diff := cmp.Diff(tc.want, summary(plan)); diff != "" {
				t.Errorf("plan mismatch (-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
			var notes []string
			for _, n := range plan.Notes {
				notes = append(notes, fmt.Sprintf("line %d: %s", n.Pos.Line, n.Text))
			}
			if !slices.Contains(notes, tc.wantNote) {
				t.Errorf("notes %q do not contain %q\nreason: %s", notes, tc.wantNote, tc.reason)
			}
		})
	}
}

// TestFormatOutOfRange: a Format that is none of the formats is an error,
// on any input (an empty one passed as "no changes"), and prints as a
// number (Format(-1) made the JSON report panic).
func TestFormatOutOfRange(t *testing.T) {
	for _, f := range []diffparse.Format{-1, 99} {
		if _, err := diffparse.Parse(strings.NewReader(""), diffparse.Options{Format: f}); err == nil || !strings.Contains(err.Error(), "unknown input format") {
			t.Errorf("format %d: %v, want an error", int(f), err)
		}
		if s := f.String(); !strings.HasPrefix(s, "Format(") {
			t.Errorf("format %d prints %q", int(f), s)
		}
	}
}
