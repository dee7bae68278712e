package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/gate"
	"github.com/safediff/safediff/pkg/report"
	"github.com/safediff/safediff/pkg/review"
)

// threeReleases is the real helmfile capture of three releases: web's
// image changes (restart), db's StatefulSet with volume claims is removed
// (destructive), cache does not change.
const threeReleases = "three-releases.txt"

// dbStatefulSet is db's removed object in threeReleases.
const dbStatefulSet = "StatefulSet.apps/default/db-db"

// reviewFile reviews a real capture under testdata/DIR/NAME.
func reviewFile(t *testing.T, dir, name string) *classify.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := review.Review(bytes.NewReader(data), review.Options{})
	if err != nil {
		t.Fatalf("review %s/%s: %v", dir, name, err)
	}
	return rep.Result
}

// accepting returns a judge that accepts the deletion of the objects over
// g, and fails on an entry that names nothing.
func accepting(t *testing.T, res *classify.Result, g gate.Gate, deleted ...string) gate.Judge {
	t.Helper()
	if len(deleted) == 0 {
		return g
	}
	doc := "version: 1\naccept:\n"
	for _, o := range deleted {
		doc += "  - object: " + o + "\n    action: delete\n    reason: reviewed\n"
	}
	f, err := gate.ParseAccept([]byte(doc), "accept.yaml")
	if err != nil {
		t.Fatal(err)
	}
	j := gate.Accepting(g, f)
	if v := j.Judge(res); len(v.Notes) > 0 {
		t.Fatalf("entries matched nothing: %q", v.Notes)
	}
	return j
}

func level(t *testing.T, s string) gate.Threshold {
	t.Helper()
	th, err := gate.ParseThreshold(s)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// gateOf builds a gate from a default level and RELEASE-GLOB=LEVEL pairs,
// as --fail-on gives them.
func gateOf(t *testing.T, def string, scoped ...string) gate.Gate {
	t.Helper()
	g, err := gate.ParseFailOn(append([]string{def}, scoped...))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestJSONReleaseTripped checks each release's "tripped" and "failOn" in
// the JSON report against the gate's verdict: a release trips when one of
// its objects is offending, accepted findings do not count, as they do not
// for the gate, and each release names the threshold that applies to it.
func TestJSONReleaseTripped(t *testing.T) {
	tests := []struct {
		name     string
		gate     gate.Gate
		accepted []string // objects whose deletion is accepted
		tripped  map[string]bool
		failOn   map[string]string
		exit     int
		reason   string
	}{
		{
			name:    "default gate",
			gate:    gateOf(t, "disruptive"),
			tripped: map[string]bool{"web": false, "db": true, "cache": false},
			failOn:  map[string]string{"web": "disruptive", "db": "disruptive", "cache": "disruptive"},
			exit:    gate.ExitTrip,
			reason:  "db's data loss is at the gate; web's restart is below it; cache has no changes",
		},
		{
			name:     "db's removal accepted",
			gate:     gateOf(t, "disruptive"),
			accepted: []string{dbStatefulSet},
			tripped:  map[string]bool{"web": false, "db": false, "cache": false},
			failOn:   map[string]string{"web": "disruptive", "db": "disruptive", "cache": "disruptive"},
			exit:     gate.ExitPass,
			reason:   "db's only change at the gate is reviewed: the gate passes, so no release may say it tripped (db's highest level is still destructive)",
		},
		{
			name:     "web held to restart, db's removal accepted",
			gate:     gateOf(t, "disruptive", "web=restart"),
			accepted: []string{dbStatefulSet},
			tripped:  map[string]bool{"web": true, "db": false, "cache": false},
			failOn:   map[string]string{"web": "restart", "db": "disruptive", "cache": "disruptive"},
			exit:     gate.ExitTrip,
			reason:   "web's restart trips its own threshold; db's accepted removal still does not count",
		},
		{
			name:    "db exempt",
			gate:    gateOf(t, "disruptive", "db=never", "c*=safe"),
			tripped: map[string]bool{"web": false, "db": false, "cache": false},
			failOn:  map[string]string{"web": "disruptive", "db": "never", "cache": "safe"},
			exit:    gate.ExitPass,
			reason:  "--fail-on db=never: db's destructive change is above the default threshold but db has a gate of its own; cache matches its glob",
		},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			res := reviewFile(t, "helmfile", threeReleases)
			rep := report.New(res, accepting(t, res, tc.gate, tc.accepted...))
			var out bytes.Buffer
			if err := (report.JSON{}).Write(&out, rep); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Gate struct {
					Tripped  bool
					ExitCode int
				}
				Releases []struct {
					Name    string
					Tripped bool
					FailOn  string
				}
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			failOn := map[string]string{}
			any := false
			for _, r := range doc.Releases {
				got[r.Name] = r.Tripped
				failOn[r.Name] = r.FailOn
				any = any || r.Tripped
			}
			if d := cmp.Diff(tc.tripped, got); d != "" {
				t.Errorf("releases' tripped (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
			if d := cmp.Diff(tc.failOn, failOn); d != "" {
				t.Errorf("releases' failOn (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
			if doc.Gate.ExitCode != tc.exit || doc.Gate.Tripped != (tc.exit == gate.ExitTrip) {
				t.Errorf("gate tripped %v exit %d, want exit %d\nreason: %s", doc.Gate.Tripped, doc.Gate.ExitCode, tc.exit, tc.reason)
			}
			if any != doc.Gate.Tripped {
				t.Errorf("a release says tripped %v but the gate says %v", any, doc.Gate.Tripped)
			}
		})
	}
}

// TestGateLine checks the text report's gate line, with and without
// per-release thresholds: it must never call a level below the gate when
// it is above the default threshold.
func TestGateLine(t *testing.T) {
	tests := []struct {
		name     string
		dir      string
		input    string
		gate     gate.Gate
		accepted []string // objects whose deletion is accepted
		want     string
		reason   string
	}{
		{
			name: "db exempt", dir: "helmfile", input: threeReleases,
			gate:   gateOf(t, "disruptive", "db=never"),
			want:   "Gate: PASS - no object is at or above its release's gate (--fail-on disruptive --fail-on db=never); exit 0",
			reason: "the highest level, destructive, is above the default threshold: only db's own threshold lets it pass",
		},
		{
			name: "release glob raised to destructive", dir: "helmfile", input: threeReleases,
			gate:   gateOf(t, "restart", "w*=destructive", "d*=never"),
			want:   "Gate: PASS - no object is at or above its release's gate (--fail-on restart --fail-on w*=destructive --fail-on d*=never); exit 0",
			reason: "web's restart is at the default threshold, but w* has a threshold of its own",
		},
		{
			name: "scoped gate trips", dir: "helmfile", input: threeReleases,
			gate:   gateOf(t, "disruptive", "db=never", "web=restart"),
			want:   "Gate: FAIL - 1 object is at or above the gate (--fail-on disruptive --fail-on db=never --fail-on web=restart); exit 2",
			reason: "web is held to restart",
		},
		{
			name: "no release thresholds", dir: "helm-diff", input: "cli-real-label-image.txt",
			gate:   gate.Default(),
			want:   "Gate: PASS - the highest level, restart, is below the gate (--fail-on disruptive); exit 0",
			reason: "with one threshold for all, the highest level below it says why the gate passes",
		},
		{
			name: "an accepted destructive change", dir: "helmfile", input: threeReleases,
			gate: gate.Default(), accepted: []string{dbStatefulSet},
			want:   "Gate: PASS - 1 change at or above the gate (--fail-on disruptive) accepted by the accept file, nothing else; exit 0",
			reason: "the highest level is destructive: the line must say the gate passes because the change was accepted, never that destructive is below the gate",
		},
		{
			name: "an accepted change beside one that trips", dir: "helmfile", input: threeReleases,
			gate: gateOf(t, "disruptive", "web=restart"), accepted: []string{dbStatefulSet},
			want:   "Gate: FAIL - 1 object is at or above the gate (--fail-on disruptive --fail-on web=restart); exit 2",
			reason: "db's removal is accepted; web's restart still trips its own threshold",
		},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			res := reviewFile(t, tc.dir, tc.input)
			rep := report.New(res, accepting(t, res, tc.gate, tc.accepted...))
			var out bytes.Buffer
			if err := (report.Text{}).Write(&out, rep); err != nil {
				t.Fatal(err)
			}
			var got string
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(l, "Gate: ") {
					got = l
				}
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s\nreason: %s", got, tc.want, tc.reason)
			}
		})
	}
}

// TestJSONWriteIsBuildJSON holds the streaming JSON writer to its doc: its
// bytes are those of encoding/json on BuildJSON of the same report (two
// spaces of indentation, no HTML escaping), on real captures of every kind,
// with accepted findings and release thresholds in play.
func TestJSONWriteIsBuildJSON(t *testing.T) {
	tests := []struct {
		name     string
		dir      string
		input    string
		gate     gate.Gate
		accepted []string
		reason   string
	}{
		{name: "line diff", dir: "helm-diff", input: "all.diff.txt", gate: gate.Default(),
			reason: "five objects, every action, field changes"},
		{name: "secrets", dir: "helm-diff", input: "all.diff.show-secrets.txt", gate: gateOf(t, "safe"),
			reason: "values helm-diff shows in clear stay redacted: kind, redacted and bytes"},
		{name: "simple", dir: "helm-diff", input: "all.simple.txt", gate: gate.Default(),
			reason: "object-level findings with assumptions"},
		{name: "structured", dir: "helm-diff", input: "all.structured.json", gate: gate.Default(),
			reason: "field changes with versions and positions from JSON"},
		{name: "context elided", dir: "helm-diff", input: "all.diff.context3.txt", gate: gate.Default(),
			reason: "elided paths: approximate, place, places"},
		{name: "helmfile, scoped and accepted", dir: "helmfile", input: threeReleases,
			gate: gateOf(t, "disruptive", "web=restart"), accepted: []string{dbStatefulSet},
			reason: "releases, release thresholds, an accepted finding with its reason"},
		{name: "stevedore", dir: "stevedore", input: "e-multi-release.plain.txt", gate: gate.Default(),
			reason: "a wrapper's stream: sources and files"},
		{name: "no changes", dir: "helm-diff", input: "cli-real-no-change.txt", gate: gate.Default(),
			reason: "an empty object list"},
	}
	names := tabletest.Names{}
	for _, tc := range tests {
		names.Check(t, tc.name, tc.reason)
		t.Run(tc.name, func(t *testing.T) {
			res := reviewFile(t, tc.dir, tc.input)
			rep := report.New(res, accepting(t, res, tc.gate, tc.accepted...))
			rep.Source = tc.input
			var got bytes.Buffer
			if err := (report.JSON{}).Write(&got, rep); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(report.BuildJSON(rep)); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want.String(), got.String()); d != "" {
				t.Errorf("JSON.Write differs from encoding/json of BuildJSON (-want +got):\n%s\nreason: %s", d, tc.reason)
			}
		})
	}
}

// TestJSONWriteLargeObject holds the JSON writer to encoding/json on an
// object whose changes fill many of the writer's flushes (2,000 elided
// image changes, about 1.5 MB of report), the case in which it hands the
// output its bytes while the object is still being rendered.
func TestJSONWriteLargeObject(t *testing.T) {
	var in strings.Builder
	in.WriteString("default, web, Deployment (apps) has changed:\n")
	for i := range 2000 {
		fmt.Fprintf(&in, "...\n            - name: c%d\n-             image: a:%d\n+             image: b:%d\n", i, i, i)
	}
	in.WriteString("...\n")
	rev, err := review.Review(strings.NewReader(in.String()), review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep := report.New(rev.Result, gate.Default())
	var got, want bytes.Buffer
	if err := (report.JSON{}).Write(&got, rep); err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(report.BuildJSON(rep)); err != nil {
		t.Fatal(err)
	}
	if got.Len() < 1<<20 {
		t.Fatalf("the report is %d bytes: too small to test the flushes", got.Len())
	}
	if d := cmp.Diff(want.String(), got.String()); d != "" {
		t.Errorf("JSON.Write differs from encoding/json of BuildJSON (-want +got):\n%s", d)
	}
}

// TestReportsWithoutAVerdict: a report built by hand without a judge's
// verdict is refused by every writer (it printed "Gate: ; exit 0" for a
// destructive result), as is one whose verdict contradicts its exit code;
// report.New with a nil judge judges with the default gate.
func TestReportsWithoutAVerdict(t *testing.T) {
	const pvc = "prod, data, PersistentVolumeClaim (v1) has been removed:\n- apiVersion: v1\n- kind: PersistentVolumeClaim\n+ \n"
	rep, err := review.Review(strings.NewReader(pvc), review.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lying := *rep
	lying.Verdict.ExitCode = gate.ExitPass
	for name, r := range map[string]*report.Report{
		"no verdict":        {Result: rep.Result},
		"no result":         {Verdict: rep.Verdict},
		"a lying exit code": &lying,
	} {
		for _, w := range []report.Writer{report.Text{}, report.JSON{}, report.Markdown{}} {
			var b bytes.Buffer
			if err := w.Write(&b, r); err == nil {
				t.Errorf("%s: %T wrote it:\n%s", name, w, b.String())
			}
		}
	}
	if v := report.New(rep.Result, nil).Verdict; !v.Tripped || v.ExitCode != gate.ExitTrip {
		t.Errorf("report.New with a nil judge: %+v, want the default gate's trip", v)
	}
}
