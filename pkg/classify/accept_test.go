package classify_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/review"
	"github.com/safediff/safediff/pkg/rules"
)

// acceptPlan is a helm-diff plan with one object of each kind of finding
// an accept file names: field changes of several levels on one object
// (web: its selector is disruptive, its pod template a restart), an
// object-level finding (legacy is deleted), a safe data change, and a
// redacted Secret value.
const acceptPlan = `prod, web, Deployment (apps) has changed:
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 3
    selector:
      matchLabels:
        app: web
-       track: stable
+       track: canary
    template:
      metadata:
        labels:
          app: web
-         track: stable
+         track: canary
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
prod, legacy, Service (v1) has been removed:
- apiVersion: v1
- kind: Service
- metadata:
-   name: legacy
- spec:
-   ports:
-     - port: 80
+ 
prod, cfg, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cfg
  data:
-   replicas: "2"
+   replicas: "3"
prod, creds, Secret (v1) has changed:
  apiVersion: v1
  kind: Secret
  metadata:
    name: creds
  data:
-   password: '-------- # (12 bytes)'
+   password: '++++++++ # (14 bytes)'
  type: Opaque
`

// elidedPlan shows a change whose place is elided: its path is printed
// (and accepted) as "...labels.tier".
const elidedPlan = `prod, api, Deployment (apps) has changed:
...
        labels:
-         tier: web
+         tier: api
...
`

// removalPlan changes one ConfigMap value to the empty string and removes
// another: at a safe gate both are at the gate.
const removalPlan = `prod, cfg, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cfg
  data:
-   legacy: "on"
-   mode: fast
+   mode: ""
`

// Paths of acceptPlan, as the report prints them.
const (
	webRef      = "Deployment.apps/prod/web"
	webSelector = "spec.selector.matchLabels.track"
	webLabel    = "spec.template.metadata.labels.track"
	webImage    = "spec.template.spec.containers[name=web].image"
)

func reviewPlan(t *testing.T, diff string) *classify.Result {
	t.Helper()
	res, err := review.Review(strings.NewReader(diff), review.Options{})
	if err != nil {
		t.Fatalf("review: %v\n%s", err, diff)
	}
	return res
}

// accepted lists the accepted findings as "REF PATH (reason)", with
// "(object)" for the object-level finding.
func accepted(res *classify.Result) []string {
	var out []string
	for _, o := range res.Objects {
		for _, f := range o.Findings {
			if !f.Accepted {
				continue
			}
			p := f.Change.Path.String()
			if f.Object {
				p = "(object)"
			}
			out = append(out, fmt.Sprintf("%s %s (%s)", o.Ref, p, f.AcceptReason))
		}
	}
	return out
}

func offending(v classify.Verdict) []string {
	var out []string
	for _, o := range v.Offending {
		out = append(out, o.Ref.String())
	}
	return out
}

func indexes(list []classify.Acceptance) []int {
	var out []int
	for _, a := range list {
		out = append(out, a.Index)
	}
	return out
}

// TestAccept checks which findings an accept file marks and what the gate
// then says.
func TestAccept(t *testing.T) {
	restart := classify.Gate{Default: classify.Threshold{Level: rules.Restart}}
	safe := classify.Gate{Default: classify.Threshold{Level: rules.Safe}}
	tests := []struct {
		name      string
		diff      string // default acceptPlan
		entries   string // the accept list, in YAML
		gate      *classify.Gate
		accepted  []string
		unused    []int
		offending []string
		reason    string
	}{
		{
			name:      "nothing accepted",
			entries:   "[]",
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the baseline: the selector change and the deletion are disruptive, at the default gate",
		},
		{
			name:      "by object and path",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", reason: CHG-1}]",
			accepted:  []string{webRef + " " + webSelector + " (CHG-1)"},
			offending: []string{"Service/prod/legacy"},
			reason:    "the selector change is reviewed; web's other changes are restarts, below the gate; the deletion is not accepted",
		},
		{
			name:      "by object only: a deletion",
			entries:   "[{object: Service/prod/legacy, reason: retired}]",
			accepted:  []string{"Service/prod/legacy (object) (retired)"},
			offending: []string{webRef},
			reason:    "no path names the object-level finding: the deletion itself",
		},
		{
			name:     "everything disruptive accepted",
			entries:  "[{object: " + webRef + ", path: " + webSelector + "}, {object: Service/prod/legacy}]",
			accepted: []string{webRef + " " + webSelector + " ()", "Service/prod/legacy (object) ()"},
			reason:   "with both reviewed, nothing at or above disruptive is left: the gate passes",
		},
		{
			name:      "new matches",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", new: canary}]",
			accepted:  []string{webRef + " " + webSelector + " ()"},
			offending: []string{"Service/prod/legacy"},
			reason:    "canary is the change's new value",
		},
		{
			name:      "new does not match",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", new: stable}]",
			unused:    []int{0},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "stable is the old value: the change reviewed is not the change planned",
		},
		{
			name:      "another change of the same object still trips",
			entries:   "[{object: " + webRef + ", path: " + webSelector + "}, {object: Service/prod/legacy}]",
			gate:      &restart,
			accepted:  []string{webRef + " " + webSelector + " ()", "Service/prod/legacy (object) ()"},
			offending: []string{webRef},
			reason:    "at a restart gate, web's image and pod label changes count although its selector change is accepted",
		},
		{
			name: "every change of the object accepted",
			entries: "[{object: " + webRef + ", path: " + webSelector + "}, {object: " + webRef + ", path: " + webLabel + "}, " +
				"{object: " + webRef + ", path: '" + webImage + "'}, {object: Service/prod/legacy}]",
			gate: &restart,
			accepted: []string{webRef + " " + webSelector + " ()", webRef + " " + webLabel + " ()",
				webRef + " " + webImage + " ()", "Service/prod/legacy (object) ()"},
			reason: "an object counts with the level of its unaccepted findings only; with none left it does not count",
		},
		{
			name:      "no path does not accept field changes",
			entries:   "[{object: " + webRef + "}]",
			unused:    []int{0},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "an object-level acceptance must not wave through every field change of an updated object",
		},
		{
			name:      "a path does not accept a deletion",
			entries:   "[{object: Service/prod/legacy, path: spec.ports}]",
			unused:    []int{0},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the deletion is the object's finding, not a field's",
		},
		{
			name:      "another namespace",
			entries:   "[{object: Deployment.apps/staging/web, path: " + webSelector + "}]",
			unused:    []int{0},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "an acceptance reviewed for staging says nothing about prod",
		},
		{
			name:      "the group is part of the object",
			entries:   "[{object: Deployment/prod/web, path: " + webSelector + "}]",
			unused:    []int{0},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "Deployment/prod/web is a core-group Deployment, not the apps one",
		},
		{
			name:      "an unused acceptance among used ones",
			entries:   "[{object: Service/prod/legacy}, {object: ConfigMap/prod/cfg, path: data.other}, {object: ConfigMap/prod/gone}]",
			accepted:  []string{"Service/prod/legacy (object) ()"},
			unused:    []int{1, 2},
			offending: []string{webRef},
			reason:    "a reviewed change missing from this plan means the plan is not the one reviewed: the caller reports it",
		},
		{
			name:      "a redacted value",
			entries:   "[{object: Secret/prod/creds, path: data.password}]",
			accepted:  []string{"Secret/prod/creds data.password ()"},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "a Secret change is accepted by its path",
		},
		{
			name:      "new never matches a redacted value",
			entries:   "[{object: Secret/prod/creds, path: data.password, new: ''}]",
			unused:    []int{0},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the new value of a Secret is not shown, so pinning it cannot be checked (not even against the empty text)",
		},
		{
			name:      "new as a quoted scalar",
			entries:   "[{object: ConfigMap/prod/cfg, path: data.replicas, new: '3'}]",
			accepted:  []string{"ConfigMap/prod/cfg data.replicas ()"},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the change's new value is compared decoded: \"3\" in the diff is 3",
		},
		{
			name:      "new as an unquoted number",
			entries:   "[{object: ConfigMap/prod/cfg, path: data.replicas, new: 3}]",
			accepted:  []string{"ConfigMap/prod/cfg data.replicas ()"},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "new is any YAML scalar: new: 3 pins the value \"3\" as new: '3' does",
		},
		{
			name:      "new: '' does not accept a removal",
			diff:      removalPlan,
			entries:   "[{object: ConfigMap/prod/cfg, path: data.mode, new: ''}, {object: ConfigMap/prod/cfg, path: data.legacy, new: ''}]",
			gate:      &safe,
			accepted:  []string{"ConfigMap/prod/cfg data.mode ()"},
			unused:    []int{1},
			offending: []string{"ConfigMap/prod/cfg"},
			reason:    "new: '' pins the empty string: mode set to \"\" is that change, legacy removed has no new value at all and is not",
		},
		{
			name:     "a removal accepted by its path",
			diff:     removalPlan,
			entries:  "[{object: ConfigMap/prod/cfg, path: data.mode, new: ''}, {object: ConfigMap/prod/cfg, path: data.legacy}]",
			gate:     &safe,
			accepted: []string{"ConfigMap/prod/cfg data.legacy ()", "ConfigMap/prod/cfg data.mode ()"},
			reason:   "without new, the path alone names the removal: with both changes reviewed the gate passes",
		},
		{
			name:     "an elided path, as printed",
			diff:     elidedPlan,
			entries:  "[{object: Deployment.apps/prod/api, path: ...labels.tier}]",
			gate:     &restart,
			accepted: []string{"Deployment.apps/prod/api ...labels.tier ()"},
			reason:   "the report prints the path with its gap; that is what a reviewer copies",
		},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			diff := tc.diff
			if diff == "" {
				diff = acceptPlan
			}
			gate := classify.DefaultGate
			if tc.gate != nil {
				gate = *tc.gate
			}
			list, err := classify.ParseAcceptances([]byte("version: 1\naccept: "+tc.entries+"\n"), "accept.yaml")
			if err != nil {
				t.Fatal(err)
			}
			res := reviewPlan(t, diff)
			unused := res.Accept(list)
			if d := cmp.Diff(tc.accepted, accepted(res)); d != "" {
				t.Errorf("accepted findings (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
			if d := cmp.Diff(tc.unused, indexes(unused)); d != "" {
				t.Errorf("unused acceptances (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
			v := res.Verdict(gate)
			if d := cmp.Diff(tc.offending, offending(v)); d != "" {
				t.Errorf("offending objects (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
			wantExit := classify.ExitPass
			if len(tc.offending) > 0 {
				wantExit = classify.ExitTrip
			}
			if v.Tripped != (len(tc.offending) > 0) || v.ExitCode != wantExit {
				t.Errorf("tripped %v exit %d, want exit %d\nreason: %s", v.Tripped, v.ExitCode, wantExit, tc.reason)
			}
		})
	}
}

// TestAcceptSeveralFiles checks that acceptances add up: the CLI calls
// Accept once per --accept file.
func TestAcceptSeveralFiles(t *testing.T) {
	res := reviewPlan(t, acceptPlan)
	for i, doc := range []string{
		"version: 1\naccept:\n  - object: " + webRef + "\n    path: " + webSelector + "\n",
		"version: 1\naccept:\n  - object: Service/prod/legacy\n",
	} {
		list, err := classify.ParseAcceptances([]byte(doc), fmt.Sprintf("accept%d.yaml", i))
		if err != nil {
			t.Fatal(err)
		}
		if unused := res.Accept(list); len(unused) != 0 {
			t.Fatalf("file %d: unused %v", i, indexes(unused))
		}
	}
	if v := res.Verdict(classify.DefaultGate); v.Tripped {
		t.Errorf("offending %v: the second file's acceptance must not undo the first's", offending(v))
	}
}

func TestParseAcceptances(t *testing.T) {
	doc := `version: 1
accept:
  - object: Deployment.apps/prod/web        # as in the report
    path: spec.selector.matchLabels.track
    new: canary
    reason: "  CHG-1234, recreate approved  "
  - object: Service/prod/legacy
  - object: ClusterRole.rbac.authorization.k8s.io/reader
    path: ""
  - object: Deployment.apps/prod/web
    path: 'spec.template.spec.containers[name=web].image'
    new: ""
`
	list, err := classify.ParseAcceptances([]byte(doc), "accept.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range list {
		p := "-"
		if a.Path != nil {
			p = a.Path.String()
		}
		n := "-"
		if a.New != nil {
			n = fmt.Sprintf("%q", *a.New)
		}
		got = append(got, fmt.Sprintf("[%d] %s %s new=%s reason=%q", a.Index, a.Object, p, n, a.Reason))
	}
	want := []string{
		`[0] Deployment.apps/prod/web spec.selector.matchLabels.track new="canary" reason="CHG-1234, recreate approved"`,
		`[1] Service/prod/legacy - new=- reason=""`,
		`[2] ClusterRole.rbac.authorization.k8s.io/reader - new=- reason=""`,
		`[3] Deployment.apps/prod/web spec.template.spec.containers[name=web].image new="" reason=""`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s\nreason: the reason is trimmed; an empty path is the object; an empty new is a value, not no value", d)
	}

	if list, err := classify.ParseAcceptances([]byte("version: 1\n"), "accept.yaml"); err != nil || len(list) != 0 {
		t.Errorf("a file without entries: %v, %v; want nothing, no error", list, err)
	}
}

func TestParseAcceptancesErrors(t *testing.T) {
	const ok = "  - object: Service/prod/legacy\n" // entry 0, so that the bad entry is accept[1]
	tests := []struct {
		name   string
		doc    string
		want   []string // substrings of the error, after the file name
		reason string
	}{
		{"not YAML", "version: 1\naccept: [\n", []string{"not valid YAML"}, "a broken file is not an empty one"},
		{"duplicate key", "version: 1\nversion: 1\n", []string{"not valid YAML", `"version"`}, "a duplicate key hides one of its values"},
		{"not a mapping", "- object: Service/prod/legacy\n", []string{"cannot unmarshal array"}, "the entries must sit under accept:"},
		{"empty", "", []string{`want "version: 1"`}, "an empty file is a mistake, not a file accepting nothing"},
		{"missing version", "accept:\n" + ok, []string{`want "version: 1"`}, "the version says which format the file is in"},
		{"version 2", "version: 2\naccept:\n" + ok, []string{`want "version: 1"`}, "a future format must not be read as this one"},
		{"version as a string", "version: '1'\naccept:\n" + ok, []string{"version"}, "a string is not the version number"},
		{"unknown top-level key", "version: 1\naccepted:\n" + ok, []string{`unknown field "accepted"`}, "a misspelt list would accept nothing, silently"},
		{
			"unknown key in an entry", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    paht: " + webSelector + "\n",
			[]string{"accept[1]", `unknown field "paht"`},
			"a misspelt key is an error (a lost path would widen the acceptance to the object), and in a long file the error must say which entry",
		},
		{
			"wrong type in an entry", "version: 1\naccept:\n" + ok + "  - object: [" + webRef + "]\n",
			[]string{"accept[1]", "object"},
			"the error must say which entry",
		},
		{
			"bad object reference", "version: 1\naccept:\n" + ok + "  - object: Deployment.apps/prod/web/extra\n",
			[]string{"accept[1]", "Kind[.group]/[namespace/]name"},
			"the error names the entry and the expected form",
		},
		{
			"empty namespace", "version: 1\naccept:\n" + ok + "  - object: Deployment.apps//web\n",
			[]string{"accept[1]", "empty namespace"},
			"the reference must be the one the report prints",
		},
		{
			"bad path", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: spec..replicas\n",
			[]string{"accept[1]", `bad path "spec..replicas"`},
			"a path that cannot match is an error, not an unused acceptance",
		},
		{
			"new as a list", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: " + webSelector + "\n    new: [canary]\n",
			[]string{"accept[1]", "new: want a single value"},
			"a pinned value that is no scalar could never match: an error, not an acceptance that silently matches nothing",
		},
		{
			"unterminated key step", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: spec.template.spec.containers[name=web.image\n",
			[]string{"accept[1]", "missing ']'"},
			"the error says what is wrong with the path",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := classify.ParseAcceptances([]byte(tc.doc), "team/accept.yaml")
			if err == nil {
				t.Fatalf("no error; got %d acceptances\nreason: %s", len(list), tc.reason)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "team/accept.yaml: ") {
				t.Errorf("error %q does not start with the file name", msg)
			}
			for _, s := range tc.want {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q\nreason: %s", msg, s, tc.reason)
				}
			}
		})
	}
}
