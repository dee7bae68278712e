package gate_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/kube"
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

// hookPlan makes a ConfigMap a helm hook: it leaves the release, and the
// upgrade deletes it, within an update.
const hookPlan = `prod, cfg, ConfigMap (v1) has changed:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cfg
+   annotations:
+     helm.sh/hook: pre-install
  data:
    mode: fast
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
	rep, err := review.Review(strings.NewReader(diff), review.Options{})
	if err != nil {
		t.Fatalf("review: %v\n%s", err, diff)
	}
	return rep.Result
}

// accepted lists the accepted findings as "REF PATH (reason)", with
// "(object)" for the object-level finding.
func accepted(v gate.Verdict) []string {
	var out []string
	for _, a := range v.Accepted {
		p := a.Finding.Change.Path.String()
		if a.Finding.WholeObject {
			p = "(object)"
		}
		out = append(out, fmt.Sprintf("%s %s (%s)", a.Object.Ref, p, a.Entry.Reason))
	}
	return out
}

func offending(v gate.Verdict) []string {
	var out []string
	for _, o := range v.OffendingObjects() {
		out = append(out, o.Ref.String())
	}
	return out
}

func parseAccept(t *testing.T, doc, origin string) *gate.AcceptFile {
	t.Helper()
	f, err := gate.ParseAccept([]byte(doc), origin)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAccept checks which findings an accept file names and what the
// judge then says.
func TestAccept(t *testing.T) {
	restart := gate.Gate{Default: gate.Threshold{Level: rules.Restart}}
	safe := gate.Gate{Default: gate.Threshold{Level: rules.Safe}}
	const legacy = "{object: Service/prod/legacy, action: delete, reason: retired}"
	tests := []struct {
		name      string
		diff      string // default acceptPlan
		entries   string // the accept list, in YAML
		gate      *gate.Gate
		accepted  []string
		unused    int // entries that named nothing (notes)
		offending []string
		reason    string
	}{
		{
			name:      "nothing accepted",
			entries:   "[]",
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the baseline: the selector change (a replacement) and the deletion are disruptive, at the default gate",
		},
		{
			name:      "by object and path",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", reason: CHG-1}]",
			accepted:  []string{webRef + " " + webSelector + " (CHG-1)"},
			offending: []string{"Service/prod/legacy"},
			reason:    "the selector change is reviewed; web's other changes are restarts, below the gate; the deletion is not accepted",
		},
		{
			name:      "a deletion by its action",
			entries:   "[" + legacy + "]",
			accepted:  []string{"Service/prod/legacy (object) (retired)"},
			offending: []string{webRef},
			reason:    "an entry without a path names the object's action: action: delete accepts the deletion itself",
		},
		{
			name:      "a deletion is not an update",
			entries:   "[{object: Service/prod/legacy, action: update, reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "a deletion is never accepted by an entry that does not name it",
		},
		{
			name:      "a deletion within an update is not an update",
			diff:      hookPlan,
			entries:   "[{object: ConfigMap/prod/cfg, action: update, reason: r}]",
			unused:    1,
			offending: []string{"ConfigMap/prod/cfg"},
			reason:    "a resource made a helm hook is deleted by the upgrade: an entry for the update does not accept that",
		},
		{
			name:     "a deletion within an update, by its action",
			diff:     hookPlan,
			entries:  "[{object: ConfigMap/prod/cfg, action: delete, reason: r}]",
			accepted: []string{"ConfigMap/prod/cfg (object) (r)"},
			reason:   "action: delete names the deletion, whichever action the diff shows",
		},
		{
			name:     "everything disruptive accepted",
			entries:  "[{object: " + webRef + ", path: " + webSelector + ", reason: r}, " + legacy + "]",
			accepted: []string{webRef + " " + webSelector + " (r)", "Service/prod/legacy (object) (retired)"},
			reason:   "with both reviewed, nothing at or above disruptive is left: the gate passes",
		},
		{
			name:     "a replacement by its action",
			entries:  "[{object: " + webRef + ", action: replace, reason: recreate approved}, " + legacy + "]",
			accepted: []string{webRef + " " + webSelector + " (recreate approved)", "Service/prod/legacy (object) (retired)"},
			reason:   "action: replace accepts the changes that force the replacement, and only those",
		},
		{
			name:      "a replacement is not an update",
			entries:   "[{object: " + webRef + ", action: update, reason: r}, " + legacy + "]",
			accepted:  []string{"Service/prod/legacy (object) (retired)"},
			unused:    1,
			offending: []string{webRef},
			reason:    "web is replaced in this plan: an entry for its update in place was reviewed for another plan",
		},
		{
			name:      "replace does not accept the other changes",
			entries:   "[{object: " + webRef + ", action: replace, reason: r}, " + legacy + "]",
			gate:      &restart,
			accepted:  []string{webRef + " " + webSelector + " (r)", "Service/prod/legacy (object) (retired)"},
			offending: []string{webRef},
			reason:    "at a restart gate web's image and pod label changes still count: they do not force the replacement",
		},
		{
			name:      "new matches",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", new: canary, reason: r}]",
			accepted:  []string{webRef + " " + webSelector + " (r)"},
			offending: []string{"Service/prod/legacy"},
			reason:    "canary is the change's new value",
		},
		{
			name:      "new does not match",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", new: stable, reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "stable is the old value: the change reviewed is not the change planned",
		},
		{
			name:      "old and new match",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", old: stable, new: canary, reason: r}]",
			accepted:  []string{webRef + " " + webSelector + " (r)"},
			offending: []string{"Service/prod/legacy"},
			reason:    "stable -> canary is the change planned",
		},
		{
			name:      "old does not match",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", old: blue, new: canary, reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "blue -> canary was reviewed; stable -> canary is another change (a scale-down from 12, not 3)",
		},
		{
			name:      "rule does not match",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", rule: labels-top-level, reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the change is judged by another rule than the one reviewed: what it does has changed",
		},
		{
			name: "every change of the object accepted",
			entries: "[{object: " + webRef + ", path: " + webSelector + ", reason: r}, {object: " + webRef + ", path: " + webLabel + ", reason: r}, " +
				"{object: " + webRef + ", path: '" + webImage + "', reason: r}, " + legacy + "]",
			gate: &restart,
			accepted: []string{webRef + " " + webSelector + " (r)", webRef + " " + webLabel + " (r)",
				webRef + " " + webImage + " (r)", "Service/prod/legacy (object) (retired)"},
			reason: "an object counts with its unaccepted findings only; with none left it does not count",
		},
		{
			name:      "a path does not accept a deletion",
			entries:   "[{object: Service/prod/legacy, path: spec.ports, reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the deletion is the object's finding, not a field's",
		},
		{
			name:      "a path with another action",
			entries:   "[{object: " + webRef + ", path: " + webSelector + ", action: update, reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "an entry's action, given with a path, must be the object's",
		},
		{
			name:      "another namespace",
			entries:   "[{object: Deployment.apps/staging/web, path: " + webSelector + ", reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "an acceptance reviewed for staging says nothing about prod",
		},
		{
			name:      "the group is part of the object",
			entries:   "[{object: Deployment/prod/web, path: " + webSelector + ", reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "Deployment/prod/web is a core-group Deployment, not the apps one (the note suggests it)",
		},
		{
			name:      "an unused entry among used ones",
			entries:   "[" + legacy + ", {object: ConfigMap/prod/cfg, path: data.other, reason: r}, {object: ConfigMap/prod/gone, action: delete, reason: r}]",
			accepted:  []string{"Service/prod/legacy (object) (retired)"},
			unused:    2,
			offending: []string{webRef},
			reason:    "a reviewed change missing from this plan is a note; the rest still counts",
		},
		{
			name:      "a redacted value",
			entries:   "[{object: Secret/prod/creds, path: data.password, reason: r}]",
			accepted:  []string{"Secret/prod/creds data.password (r)"},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "a Secret change is accepted by its path",
		},
		{
			name:      "new never matches a redacted value",
			entries:   "[{object: Secret/prod/creds, path: data.password, new: '', reason: r}]",
			unused:    1,
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the new value of a Secret is not shown, so pinning it cannot be checked (not even against the empty text)",
		},
		{
			name:      "new as a quoted scalar",
			entries:   "[{object: ConfigMap/prod/cfg, path: data.replicas, new: '3', reason: r}]",
			accepted:  []string{"ConfigMap/prod/cfg data.replicas (r)"},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "the change's new value is compared decoded: \"3\" in the diff is 3",
		},
		{
			name:      "new as an unquoted number",
			entries:   "[{object: ConfigMap/prod/cfg, path: data.replicas, new: 3, reason: r}]",
			accepted:  []string{"ConfigMap/prod/cfg data.replicas (r)"},
			offending: []string{webRef, "Service/prod/legacy"},
			reason:    "new is any YAML scalar: new: 3 pins the value \"3\" as new: '3' does",
		},
		{
			name:      "new: '' does not accept a removal",
			diff:      removalPlan,
			entries:   "[{object: ConfigMap/prod/cfg, path: data.mode, new: '', reason: r}, {object: ConfigMap/prod/cfg, path: data.legacy, new: '', reason: r}]",
			gate:      &safe,
			accepted:  []string{"ConfigMap/prod/cfg data.mode (r)"},
			unused:    1,
			offending: []string{"ConfigMap/prod/cfg"},
			reason:    "new: '' pins the empty string: mode set to \"\" is that change, legacy removed has no new value at all and is not",
		},
		{
			name:     "a removal accepted by its path",
			diff:     removalPlan,
			entries:  "[{object: ConfigMap/prod/cfg, path: data.mode, new: '', reason: r}, {object: ConfigMap/prod/cfg, path: data.legacy, reason: r}]",
			gate:     &safe,
			accepted: []string{"ConfigMap/prod/cfg data.legacy (r)", "ConfigMap/prod/cfg data.mode (r)"},
			reason:   "without new, the path alone names the removal: with both changes reviewed the gate passes",
		},
		{
			name:     "an elided path, as printed",
			diff:     elidedPlan,
			entries:  "[{object: Deployment.apps/prod/api, path: ...labels.tier, reason: r}]",
			gate:     &restart,
			accepted: []string{"Deployment.apps/prod/api ...labels.tier (r)"},
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
			g := gate.Default()
			if tc.gate != nil {
				g = *tc.gate
			}
			file := parseAccept(t, "version: 1\naccept: "+tc.entries+"\n", "accept.yaml")
			res := reviewPlan(t, diff)
			v := gate.Accepting(g, file).Judge(res)
			if d := cmp.Diff(tc.accepted, accepted(v)); d != "" {
				t.Errorf("accepted findings (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
			if len(v.Notes) != tc.unused {
				t.Errorf("notes %q, want %d (one per unused entry)\nreason: %s", v.Notes, tc.unused, tc.reason)
			}
			if d := cmp.Diff(tc.offending, offending(v)); d != "" {
				t.Errorf("offending objects (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
			wantExit := gate.ExitPass
			if len(tc.offending) > 0 {
				wantExit = gate.ExitTrip
			}
			if v.Tripped != (len(tc.offending) > 0) || v.ExitCode != wantExit {
				t.Errorf("tripped %v exit %d, want exit %d\nreason: %s", v.Tripped, v.ExitCode, wantExit, tc.reason)
			}
		})
	}
}

// TestAcceptNotes: an entry that names nothing is a note that says why,
// and suggests what it may mean instead of blaming the plan.
func TestAcceptNotes(t *testing.T) {
	tests := []struct {
		name   string
		entry  string
		want   string
		reason string
	}{
		{"core group for apps", "{object: Deployment/prod/web, path: " + webSelector + ", reason: r}",
			"accept.yaml: accept[0] (Deployment/prod/web spec.selector.matchLabels.track) matches no object of this plan; did you mean Deployment.apps/prod/web?",
			"the issue's case: StatefulSet/default/shop-db for StatefulSet.apps/default/shop-db"},
		{"a typo in the name", "{object: Service/prod/legasy, action: delete, reason: r}",
			"matches no object of this plan; did you mean Service/prod/legacy?", "a few letters off"},
		{"nothing close", "{object: ConfigMap/prod/elsewhere-entirely, action: delete, reason: r}",
			"matches no object of this plan: the plan is not the one that was reviewed", "no suggestion when nothing is close"},
		{"a path typo", "{object: " + webRef + ", path: spec.selector.matchLabels.trak, reason: r}",
			"has no change at spec.selector.matchLabels.trak; did you mean spec.selector.matchLabels.track?", "the path a few letters off"},
		{"another value", "{object: " + webRef + ", path: " + webSelector + ", new: blue, reason: r}",
			`the new value at spec.selector.matchLabels.track is "canary", not "blue": the plan is not the one that was reviewed`, "the change is there, with another value"},
		{"another action", "{object: Service/prod/legacy, action: update, reason: r}",
			"Service/prod/legacy is deleted in this plan, not updated in place", "the object is there, with another action"},
		{"a path on a deletion", "{object: Service/prod/legacy, path: spec.ports, reason: r}",
			"is deleted in this plan; a deletion is accepted only by an entry that says action: delete", "says how to accept a deletion"},
		{"an update without path", "{object: ConfigMap/prod/cfg, action: update, reason: r}",
			"ConfigMap/prod/cfg has no change as a whole to accept (only field changes: data.replicas); name each by path", "lists the paths"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			file := parseAccept(t, "version: 1\naccept: ["+tc.entry+"]\n", "accept.yaml")
			v := gate.Accepting(gate.Default(), file).Judge(reviewPlan(t, acceptPlan))
			if len(v.Notes) != 1 || !strings.Contains(v.Notes[0], tc.want) {
				t.Errorf("notes %q, want one containing %q\nreason: %s", v.Notes, tc.want, tc.reason)
			}
		})
	}
}

// TestAcceptSeveralFiles checks that accept files add up.
func TestAcceptSeveralFiles(t *testing.T) {
	res := reviewPlan(t, acceptPlan)
	a := parseAccept(t, "version: 1\naccept:\n  - object: "+webRef+"\n    path: "+webSelector+"\n    reason: r\n", "a.yaml")
	b := parseAccept(t, "version: 1\naccept:\n  - object: Service/prod/legacy\n    action: delete\n    reason: r\n", "b.yaml")
	v := gate.Accepting(gate.Default(), a, b).Judge(res)
	if v.Tripped || len(v.Notes) > 0 {
		t.Errorf("offending %v, notes %q: the second file's acceptance must not undo the first's", offending(v), v.Notes)
	}
	if want := "PASS - 2 changes at or above the gate (--fail-on disruptive) accepted by the accept file, nothing else"; v.Summary != want {
		t.Errorf("summary %q, want %q", v.Summary, want)
	}
}

func TestParseAccept(t *testing.T) {
	doc := `version: 1
accept:
  - object: Deployment.apps/prod/web        # as in the report
    path: spec.selector.matchLabels.track
    new: canary
    reason: "  CHG-1234, recreate approved  "
  - object: Service/prod/legacy
    action: delete
    reason: retired
  - object: ClusterRole.rbac.authorization.k8s.io/reader
    path: ""
    action: create
    reason: new role
  - object: Deployment.apps/prod/web
    path: 'spec.template.spec.containers[name=web].image'
    new: ""
    reason: r
`
	f := parseAccept(t, doc, "accept.yaml")
	var got []string
	for _, a := range f.Entries {
		p := "-"
		if a.Path != nil {
			p = a.Path.String()
		}
		n := "-"
		if a.New != nil {
			n = fmt.Sprintf("%q", *a.New)
		}
		act := "-"
		if a.Action != 0 {
			act = a.Action.String()
		}
		got = append(got, fmt.Sprintf("%s[%d] %s %s %s new=%s reason=%q", a.Origin, a.Index, a.Object, p, act, n, a.Reason))
	}
	want := []string{
		`accept.yaml[0] Deployment.apps/prod/web spec.selector.matchLabels.track - new="canary" reason="CHG-1234, recreate approved"`,
		`accept.yaml[1] Service/prod/legacy - delete new=- reason="retired"`,
		`accept.yaml[2] ClusterRole.rbac.authorization.k8s.io/reader - create new=- reason="new role"`,
		`accept.yaml[3] Deployment.apps/prod/web spec.template.spec.containers[name=web].image - new="" reason="r"`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s\nreason: the reason is trimmed; an empty path is the object; an empty new is a value, not no value", d)
	}
	if f, err := gate.ParseAccept([]byte("version: 1\n"), "accept.yaml"); err != nil || len(f.Entries) != 0 {
		t.Errorf("a file without entries: %v, %v; want nothing, no error", f, err)
	}
}

func TestParseAcceptErrors(t *testing.T) {
	const ok = "  - object: Service/prod/legacy\n    action: delete\n    reason: r\n" // entry 0, so that the bad entry is accept[1]
	tests := []struct {
		name   string
		doc    string
		want   []string // substrings of the error, after the file name
		reason string
	}{
		{"not YAML", "version: 1\naccept: [\n", []string{"not valid YAML"}, "a broken file is not an empty one"},
		{"duplicate key", "version: 1\nversion: 1\n", []string{"not valid YAML", `"version"`}, "a duplicate key hides one of its values"},
		{"second document", "version: 1\naccept: []\n---\nversion: 1\n", []string{"line 4: a second YAML document"}, "the YAML reader drops every document after the first, and their mistakes with them"},
		{"not a mapping", "- object: Service/prod/legacy\n", []string{"cannot unmarshal array"}, "the entries must sit under accept:"},
		{"empty", "", []string{`want "version: 1"`}, "an empty file is a mistake, not a file accepting nothing"},
		{"missing version", "accept:\n" + ok, []string{`want "version: 1"`}, "the version says which format the file is in"},
		{"version 2", "version: 2\naccept:\n" + ok, []string{`want "version: 1"`}, "a future format must not be read as this one"},
		{"version as a string", "version: '1'\naccept:\n" + ok, []string{"version"}, "a string is not the version number"},
		{"unknown top-level key", "version: 1\naccepted:\n" + ok, []string{`unknown key "accepted"`}, "a misspelt list would accept nothing, silently"},
		{"unknown key in an entry", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    paht: " + webSelector + "\n    reason: r\n",
			[]string{"accept[1]", `unknown key "paht"`}, "a misspelt key is an error (a lost path would widen the acceptance to the object), naming the entry"},
		{"a key in another case in an entry", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    Path: " + webSelector + "\n    reason: r\n",
			[]string{"accept[1]", `unknown key "Path"`}, "found: encoding/json took keys without regard to case"},
		{"wrong type in an entry", "version: 1\naccept:\n" + ok + "  - object: [" + webRef + "]\n", []string{"accept[1]", "object"}, "the error must say which entry"},
		{"bad object reference", "version: 1\naccept:\n" + ok + "  - object: Deployment.apps/prod/web/extra\n    action: update\n    reason: r\n",
			[]string{"accept[1]", "Kind[.group]/[namespace/]name"}, "the error names the entry and the expected form"},
		{"empty namespace", "version: 1\naccept:\n" + ok + "  - object: Deployment.apps//web\n    action: update\n    reason: r\n",
			[]string{"accept[1]", "empty namespace"}, "the reference must be the one the report prints"},
		{"bad path", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: spec..replicas\n    reason: r\n",
			[]string{"accept[1]", `bad path "spec..replicas"`}, "a path that cannot match is an error, not an unused acceptance"},
		{"new as a list", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: " + webSelector + "\n    new: [canary]\n    reason: r\n",
			[]string{"accept[1]", "new: want a single value"}, "a pinned value that is no scalar could never match"},
		{"unterminated key step", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: spec.template.spec.containers[name=web.image\n    reason: r\n",
			[]string{"accept[1]", "missing ']'"}, "the error says what is wrong with the path"},
		{"no path, no action", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    reason: r\n",
			[]string{"accept[1]", "say which action (action: create, update, replace, delete or ownership)"}, "an entry for the object as a whole must say which of its actions it accepts"},
		{"unknown action", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    action: upgrade\n    reason: r\n",
			[]string{"accept[1]", `unknown action "upgrade"`}, "actions are a closed set"},
		{"old without path", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    action: update\n    old: x\n    reason: r\n",
			[]string{"accept[1]", "old needs a path"}, "a value pins a field change"},
		{"old as a map", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: " + webSelector + "\n    old: {a: b}\n    reason: r\n",
			[]string{"accept[1]", "old: want a single value"}, "a pinned value that is no scalar could never match"},
		{"new without path", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    action: update\n    new: x\n    reason: r\n",
			[]string{"accept[1]", "new needs a path"}, "a value pins a field change"},
		{"no reason", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: " + webSelector + "\n",
			[]string{"accept[1]", "reason is required"}, "a reviewed change says why it may pass"},
		{"reason TODO", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: " + webSelector + "\n    reason: TODO\n",
			[]string{"accept[1]", `reason is "TODO": review the change`}, "--write-accept writes TODO for a person to fill in: until then the file is refused"},
		{"reason todo with words", "version: 1\naccept:\n" + ok + "  - object: " + webRef + "\n    path: " + webSelector + "\n    reason: 'todo: ask Bob'\n",
			[]string{"accept[1]", "reason is"}, "a TODO with words after it is still a TODO"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			f, err := gate.ParseAccept([]byte(tc.doc), "team/accept.yaml")
			if err == nil {
				t.Fatalf("no error; got %d entries\nreason: %s", len(f.Entries), tc.reason)
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

// TestParseAcceptReportsEveryProblem: a broken file's problems come at
// once, in file order.
func TestParseAcceptReportsEveryProblem(t *testing.T) {
	doc := "version: 1\naccept:\n  - object: " + webRef + "\n  - object: Service/prod/legacy\n    action: remove\n    reason: TODO\n"
	_, err := gate.ParseAccept([]byte(doc), "a.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		got = append(got, e.Error())
	}
	want := []string{
		"a.yaml: accept[0]: an entry without a path accepts the object as a whole: say which action (action: create, update, replace, delete or ownership)",
		"a.yaml: accept[0]: reason is required: say why this change may pass (a ticket, an approval)",
		`a.yaml: accept[1]: unknown action "remove" (want create, update, delete, ownership or replace)`,
		`a.yaml: accept[1]: reason is "TODO": review the change, then say why it may pass (a ticket, an approval)`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestWriteAccept: the file written for a plan names every change that
// trips the gate, is refused while its reasons are TODO, and once they
// are filled in lets exactly that plan pass.
func TestWriteAccept(t *testing.T) {
	res := reviewPlan(t, acceptPlan)
	v := gate.Default().Judge(res)
	var b bytes.Buffer
	if err := gate.WriteAccept(&b, v, "plan.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := gate.ParseAccept(b.Bytes(), "written.yaml"); err == nil || !strings.Contains(err.Error(), `reason is "TODO"`) {
		t.Fatalf("the written file is accepted as it is (%v):\n%s", err, b.String())
	}
	filled := strings.ReplaceAll(b.String(), "reason: TODO", "reason: CHG-7 reviewed")
	f := parseAccept(t, filled, "filled.yaml")
	if got := gate.Accepting(gate.Default(), f).Judge(res); got.Tripped || len(got.Notes) > 0 {
		t.Errorf("the filled-in file does not pass its own plan: %s, notes %q\n%s", got.Summary, got.Notes, filled)
	}
	// another value of the same change is not accepted: the file pins new
	other := reviewPlan(t, strings.Replace(acceptPlan, "+       track: canary", "+       track: blue", 1))
	if got := gate.Accepting(gate.Default(), f).Judge(other); !got.Tripped {
		t.Errorf("the file accepts a plan it was not written for\n%s", filled)
	}
}

// TestEntriesBuiltInGo: an entry built in Go without a path and without
// an action names nothing: a deletion (or any whole-object change) is
// never accepted by an entry that does not name its action.
func TestEntriesBuiltInGo(t *testing.T) {
	res := reviewPlan(t, acceptPlan)
	legacy := kube.ObjectRef{Kind: "Service", Namespace: "prod", Name: "legacy"}
	for _, e := range []gate.Entry{
		{Object: legacy, Reason: "no action"},
		{Object: legacy, Action: diffparse.Update, Reason: "another action"},
	} {
		v := gate.Accepting(gate.Default(), &gate.AcceptFile{Origin: "go", Entries: []gate.Entry{e}}).Judge(res)
		if len(v.Accepted) > 0 || len(v.Notes) != 1 {
			t.Errorf("entry %v: accepted %v, notes %q; want nothing accepted and a note", e, accepted(v), v.Notes)
		}
	}
	v := gate.Accepting(gate.Default(), &gate.AcceptFile{Origin: "go", Entries: []gate.Entry{{Object: legacy, Action: diffparse.Delete, Reason: "named"}}}).Judge(res)
	if len(v.Accepted) != 1 {
		t.Errorf("an entry naming the deletion accepts it: %v", accepted(v))
	}
}
