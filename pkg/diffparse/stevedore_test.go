package diffparse_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/diffparse"
)

func stevedoreSample(t *testing.T, name string) string {
	t.Helper()
	return testdataFile(t, "stevedore", name)
}

// testdataFile returns the file name in the repository's testdata/dir.
func testdataFile(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func allErrors(err error) string {
	var list diag.List
	if errors.As(err, &list) {
		var b strings.Builder
		for _, e := range list {
			b.WriteString(e.Error() + "\n")
		}
		return b.String()
	}
	return err.Error()
}

func TestStevedore(t *testing.T) {
	multi := `update Deployment.apps/shop/web partial release=web @98
  modify ...spec.containers[name=web].image: "nginx:1.21.0" -> "nginx:1.21.6" @105 col=4
delete PodDisruptionBudget.policy/shop/web complete v=v1beta1 release=web @112
update Secret/shop/web-secret partial release=web @126
  modify data.API_KEY: <redacted 6> -> <redacted 10> @133
`
	tests := []struct {
		name   string
		file   string
		want   string // compact summary (see summary), restricted to release web for the multi-release samples
		reason string
	}{
		{"label only", "b-upgrade-label-only.plain.txt", `update Service/shop/web partial release=web @19
  modify metadata.labels.team: "payments" -> "checkout" @26
update Deployment.apps/shop/web partial release=web @34
  modify metadata.labels.team: "payments" -> "checkout" @41
update Secret/shop/web-secret partial release=web @49
  modify metadata.labels.team: "payments" -> "checkout" @56
update ConfigMap/shop/web-config partial release=web @61
  modify metadata.labels.team: "payments" -> "checkout" @68
`, "each body shows a root-level line after the elision, so the label paths are exact"},
		{"image change", "c-upgrade-image-change.plain.txt", `update Deployment.apps/shop/web partial release=web @19
  modify ...spec.containers[name=web].image: "nginx:1.21.0" -> "nginx:1.21.6" @26 col=4
`, "five lines of context cut the template: ancestor; the path keeps what the lines show"},
		{"no changes", "d-no-changes.plain.txt", "no changes\n", "Stevedore says so in words"},
		{"multi release, plain", "e-multi-release.plain.txt", multi, "Secret data shown in clear is redacted on ingest, with its decoded size"},
		{"multi release, colour codes in CI", "e-multi-release.ci.txt", multi, "helm-diff's colours survive in CI logs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(stevedoreSample(t, tc.file), diffparse.Options{})
			if err != nil {
				t.Fatalf("%v\nreason: %s", allErrors(err), tc.reason)
			}
			if plan.Format != diffparse.FormatStevedore && !plan.NoChanges {
				t.Errorf("format %v", plan.Format)
			}
			web := &diffparse.Plan{NoChanges: plan.NoChanges}
			for _, o := range plan.Objects {
				if o.Release == "web" {
					o.Source, o.File = "", ""
					web.Objects = append(web.Objects, o)
				}
			}
			if diff := cmp.Diff(tc.want, summary(web)); diff != "" {
				t.Errorf("(-want +got):\n%s\nreason: %s", diff, tc.reason)
			}
		})
	}
}

func TestStevedoreReleases(t *testing.T) {
	plan, err := diffparse.ParseString(stevedoreSample(t, "g-plan-artifacts-to-stdout.tty.txt"), diffparse.Options{})
	if err != nil {
		t.Fatal(allErrors(err))
	}
	var got []string
	for _, r := range plan.Releases {
		got = append(got, r.Name+" "+r.File+" ns="+r.Namespace+" chart="+r.Chart)
	}
	want := []string{"search manifests/search.yaml ns=search chart=../charts/web", "web manifests/shop.yaml ns=shop chart=../charts/web"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("releases (-want +got):\n%s\nreason: the artifacts printed with -a - name each release's namespace and chart", diff)
	}
	for _, o := range plan.Objects {
		if o.Release == "" {
			t.Errorf("%s has no release", o.Ref)
		}
	}
}

func TestStevedoreCrossCheck(t *testing.T) {
	e := stevedoreSample(t, "e-multi-release.plain.txt")
	g := stevedoreSample(t, "g-plan-artifacts-to-stdout.tty.txt") // ends with the artifacts of -a -
	tests := []struct {
		name   string
		input  string
		want   string
		reason string
	}{
		{"row missing from the table", strings.Replace(e, "             \t+Service/search         \t\n", "", 1),
			"the diff of release search shows +Service/search, but the Release changes table", "a change the summary does not count means the stream was altered or cut"},
		{"row the diffs do not show", strings.Replace(e, "             \t-PodDisruptionBudget/web\t\n", "             \t-PodDisruptionBudget/web\t\n             \t-Service/ghost          \t\n", 1),
			"lists -Service/ghost for release web, but its diffs do not show that change", "the summary claims more than the diffs show"},
		{"cut before the tables", e[:strings.Index(e, "Release changes:")],
			"no Release changes table (truncated input?)", "a plan always ends with its tables"},
		{"file counts disagree", strings.Replace(e, "shop.yaml  \t0        \t2            \t1           \t", "shop.yaml  \t0        \t3            \t1           \t", 1),
			"the File changes table counts 0/3/1", "per-file totals must match"},
		{"release error", stevedoreSample(t, "f-release-error.plain.txt"),
			"line 21: Stevedore could not plan release billing", "a release Stevedore could not plan is not reviewed as if fine"},
		{"apply of an upgrade", stevedoreSample(t, "i-apply-upgrade.plain.txt"),
			"apply output does not show what changed", "apply diffs an upgrade against the release it just wrote"},
		{"artifacts alone", stevedoreSample(t, "g-plan-artifacts-to-stdout.ci-stdout.txt"),
			"unsupported input", "the artifacts are values, not a plan"},
		{"garbage in the middle", strings.Replace(e, "File: manifests/shop.yaml\n", "File: manifests/shop.yaml\nsomething odd\n", 1),
			"not part of a Stevedore plan", "an unknown line is an error"},
		{"cut right after the first ReleaseName", e[:strings.Index(e, "ReleaseName: search\n")+len("ReleaseName: search\n")],
			"line 23: release search shows no diff, error or result (truncated input?)", "Stevedore follows every ReleaseName: with a diff, an error or Applied Successfully; a stream cut there is not an empty plan"},
		{"Command failed without numbered errors", e + "\nCommand failed: open manifests/shop.yaml: permission denied\n",
			"line 152: Stevedore failed: open manifests/shop.yaml: permission denied", "Stevedore exits in error after Command failed:, whatever follows it"},
		{"Command failed cut before its numbered errors", e + "\nCommand failed: Failed with 1 Errors\n",
			"line 152: Stevedore failed: Failed with 1 Errors", "the summary announces an error the stream does not show"},
		{"a document marker inside an object", dashesInFirstObject(e),
			"a document marker (---) before Stevedore's summary tables", "it once ended the object and began the -a - artifacts, which took the rest of its diff as values: a claim template removed after it went unseen, and the gate passed"},
		{"garbage after the artifacts", g + "something odd\n",
			"line 187: not part of a Stevedore plan", "the artifacts are StevedoreManifest documents; a line that is not one is judged like any other"},
		{"object diff after the artifacts", g + "shop, ghost, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\n",
			"line 187: the diff of release web shows ~ConfigMap/ghost, but the Release changes table", "a diff after the artifacts is still a change to review and to cross-check, not values"},
		{"Command failed after the artifacts", g + "Command failed: Failed with 1 Errors\n\n1. context deadline exceeded\n",
			"line 189: Stevedore failed: context deadline exceeded", "stdout and stderr mix in a capture: an error may follow the artifacts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := diffparse.ParseString(tc.input, diffparse.Options{})
			if err == nil {
				t.Fatalf("want an error containing %q\nreason: %s", tc.want, tc.reason)
			}
			if all := allErrors(err); !strings.Contains(all, tc.want) {
				t.Errorf("errors %q do not contain %q\nreason: %s", all, tc.want, tc.reason)
			}
		})
	}
}

// dashesInFirstObject puts a bare --- line after the second body line of
// the first object of a plan.
func dashesInFirstObject(plan string) string {
	at := strings.Index(plan, " has changed:\n") + len(" has changed:\n")
	for range 2 {
		at += strings.Index(plan[at:], "\n") + 1
	}
	return plan[:at] + "---\n" + plan[at:]
}

func TestStevedoreApply(t *testing.T) {
	plan, err := diffparse.ParseString(stevedoreSample(t, "demo-apply-install.tty.txt"), diffparse.Options{})
	if err != nil {
		t.Fatal(allErrors(err))
	}
	if len(plan.Objects) != 13 {
		t.Fatalf("got %d objects, want the 13 of the summary table", len(plan.Objects))
	}
	statefulSets := 0
	for _, o := range plan.Objects {
		if o.Action != diffparse.Create || o.Content != diffparse.ObjectOnly {
			t.Errorf("%s: %s %s; an install's apply output lists created objects, without fields", o.Ref, o.Action, o.Content)
		}
		if o.Ref.Kind == "StatefulSet" {
			statefulSets++
			if o.Ref.Group != "apps" {
				t.Errorf("%s: table objects get the group of their built-in kind", o.Ref)
			}
		}
	}
	if statefulSets == 0 {
		t.Errorf("no StatefulSet in the sample: the group check above checked nothing")
	}
}

func TestHelmfile(t *testing.T) {
	stream := `Building dependency release=web, chart=./charts/web
Comparing release=web, chart=./charts/web, namespace=prod
prod, web, Deployment (apps) has changed:
  spec:
    template:
      spec:
        containers:
          - name: web
-           image: nginx:1.25
+           image: nginx:1.27
Comparing release=db, chart=bitnami/postgresql
prod, db, StatefulSet (apps) has been removed:
- apiVersion: apps/v1
- kind: StatefulSet
- spec:
-   volumeClaimTemplates:
-     - metadata:
-         name: data
+ 
Comparing release=cache, chart=bitnami/redis, namespace=prod

Affected releases are:
  web (./charts/web) UPDATED
  db (bitnami/postgresql) UPDATED
`
	plan, err := diffparse.ParseString(stream, diffparse.Options{})
	if err != nil {
		t.Fatal(allErrors(err))
	}
	if plan.Format != diffparse.FormatHelmfile {
		t.Fatalf("format %v", plan.Format)
	}
	want := `update Deployment.apps/prod/web complete release=web @3
  modify spec.template.spec.containers[name=web].image: "nginx:1.25" -> "nginx:1.27" @9
delete StatefulSet.apps/prod/db complete v=v1 release=db @12
`
	if diff := cmp.Diff(want, summary(plan)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var names []string
	for _, r := range plan.Releases {
		names = append(names, r.Name+"@"+r.Namespace)
	}
	if diff := cmp.Diff([]string{"web@prod", "db@", "cache@prod"}, names); diff != "" {
		t.Errorf("releases (-want +got):\n%s\nreason: every Comparing line is a release, changed or not", diff)
	}
	if _, err := diffparse.ParseString("Comparing release=web, chart=x\nthis is not helm-diff\n", diffparse.Options{}); err == nil {
		t.Error("an unknown line in a helmfile stream must be an error")
	}
}

// TestHelmfileErrors checks that lines a helmfile stream does not explain
// are errors, also inside helmfile's own blocks.
func TestHelmfileErrors(t *testing.T) {
	stream := `Comparing release=web, chart=./charts/web, namespace=prod
prod, web, Deployment (apps) has changed:
  spec:
-   replicas: 2
+   replicas: 3

Affected releases are:
  web (./charts/web) UPDATED
`
	tests := []struct {
		name   string
		input  string
		want   string
		reason string
	}{
		{"diff lines after the affected releases", stream + "  spec:\n    paused: true\n",
			"line 9: diff line outside of any object", "the summary lists releases as '  name (chart) UPDATED'; indented lines that are not such rows are a body cut from its header"},
		{"text in the affected releases block", stream + "  and some more text\n",
			"line 9: diff line outside of any object", "helmfile prints nothing else in the block; two leading spaces do not make a line a summary row"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := diffparse.ParseString(tc.input, diffparse.Options{})
			if err == nil {
				t.Fatalf("want an error containing %q, got a plan:\n%s\nreason: %s", tc.want, summary(plan), tc.reason)
			}
			if all := allErrors(err); !strings.Contains(all, tc.want) {
				t.Errorf("errors %q do not contain %q\nreason: %s", all, tc.want, tc.reason)
			}
		})
	}
}

// TestStevedoreTableHeadersAreText: the header rows of the summary tables
// are read like every other line: one that is not text (a NUL byte, bytes
// outside UTF-8) is an error naming it, never dropped unseen.
func TestStevedoreTableHeadersAreText(t *testing.T) {
	plain := stevedoreSample(t, "h-apply-new-release.plain.txt")
	for _, tc := range []struct{ header, bad, want string }{
		{"RELEASE   \tMANIFEST", "RELEASE   \tMANI\x00FEST", "line 22: control character 0x00"},
		{"RELEASE   \tMANIFEST", "RELEASE   \tMANI\xff\xfeFEST", "line 22: input is not valid UTF-8"},
		{"FILENAME\tADDITIONS", "FILENAME\tADDI\x00TIONS", "line 29: control character 0x00"},
	} {
		if !strings.Contains(plain, tc.header) {
			t.Fatalf("the sample has no %q", tc.header)
		}
		_, err := diffparse.ParseString(strings.Replace(plain, tc.header, tc.bad, 1), diffparse.Options{})
		if err == nil || !strings.Contains(allErrors(err), tc.want) {
			t.Errorf("%q: error %v, want one with %q", tc.bad, err, tc.want)
		}
	}
}
