package benchgen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/diffparse"
)

func generated(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	if err := Release(n, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReleaseParses checks that diffparse reads the generated output as a
// full-context helm-diff diff and finds exactly the changes the generator
// made, every image change at spec.template.spec.containers[name=…].image.
func TestReleaseParses(t *testing.T) {
	const n = 500
	out := generated(t, n)
	plan, err := diffparse.ParseString(out, diffparse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Format != diffparse.FormatDiff {
		t.Errorf("format = %v, want diff", plan.Format)
	}
	deps := generate(n)
	if len(plan.Objects) != n || len(deps) != n {
		t.Fatalf("parsed %d objects, generated %d, want %d", len(plan.Objects), len(deps), n)
	}
	var images, onlyTop int
	for i, o := range plan.Objects {
		d := deps[i]
		if o.Ref.Kind != "Deployment" || o.Ref.Group != "apps" || o.Ref.Namespace != d.namespace || o.Ref.Name != d.name {
			t.Fatalf("object %d is %s, want Deployment.apps/%s/%s", i, o.Ref, d.namespace, d.name)
		}
		if o.Action != diffparse.Update || o.Content != diffparse.Complete {
			t.Errorf("%s: action %v, content %v; want update, complete", o.Ref, o.Action, o.Content)
		}
		if !strings.HasPrefix(o.Source, UmbrellaChart+"/charts/") {
			t.Errorf("%s: source %q", o.Ref, o.Source)
		}
		got := map[string]diffparse.Change{}
		for _, c := range o.Changes {
			got[c.Path.String()] = c
		}
		if len(o.Changes) != len(d.changes) {
			t.Errorf("%s: %d changes, want %d: %v", o.Ref, len(o.Changes), len(d.changes), paths(o.Changes))
		}
		for _, want := range d.changes {
			c, ok := got[want.path]
			if !ok {
				t.Errorf("%s: no change at %s; got %v", o.Ref, want.path, paths(o.Changes))
				continue
			}
			if c.Op.String() != want.op {
				t.Errorf("%s: %s: op %v, want %s", o.Ref, want.path, c.Op, want.op)
			}
			if want.op == "modify" && (c.Old.Text != want.old || c.New.Text != want.new) {
				t.Errorf("%s: %s: %q -> %q, want %q -> %q", o.Ref, want.path, c.Old.Text, c.New.Text, want.old, want.new)
			}
		}
		for _, want := range d.images {
			if !strings.HasPrefix(want.path, "spec.template.spec.containers[name=") || !strings.HasSuffix(want.path, "].image") {
				t.Errorf("%s: image change recorded at %s", o.Ref, want.path)
			}
			images++
		}
		if len(d.changes) == 1 {
			onlyTop++
		}
	}
	t.Logf("%d objects, %d bytes: %d image changes, %d with only the top-level label bump", n, len(out), images, onlyTop)
	// The mix the benchmark relies on.
	if images < n/5 || images > n/2 {
		t.Errorf("%d image changes in %d objects, want about 30%%", images, n)
	}
	if onlyTop == 0 || onlyTop == n {
		t.Errorf("%d of %d objects have only the top-level label bump", onlyTop, n)
	}
}

// TestReleaseImagePaths checks the image changes against the text itself:
// each "+ image:" line of the output is a change diffparse reports at the
// container's image path.
func TestReleaseImagePaths(t *testing.T) {
	out := generated(t, 200)
	plan, err := diffparse.ParseString(out, diffparse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Count(out, "\n+           image: ")
	var found int
	for _, o := range plan.Objects {
		for _, c := range o.Changes {
			p := c.Path.String()
			if strings.HasSuffix(p, ".image") {
				rest, ok := strings.CutPrefix(p, "spec.template.spec.containers[name=")
				name, ok2 := strings.CutSuffix(rest, "].image")
				if !ok || !ok2 || name == "" || strings.ContainsAny(name, "[]") {
					t.Errorf("%s: image change at %s", o.Ref, p)
				}
				if c.Op != diffparse.Modify || c.Old.Text == c.New.Text {
					t.Errorf("%s: %s: %v %q -> %q", o.Ref, p, c.Op, c.Old.Text, c.New.Text)
				}
				found++
			}
		}
	}
	if want == 0 || found != want {
		t.Errorf("found %d image changes, the text has %d", found, want)
	}
}

func TestReleaseFormat(t *testing.T) {
	out := generated(t, 50)
	if !strings.HasSuffix(out, "\n") {
		t.Error("output does not end with a newline")
	}
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasSuffix(l, ", Deployment (apps) has changed:"):
			if strings.Count(l, ", ") != 2 {
				t.Errorf("line %d: bad header %q", i+1, l)
			}
		case strings.HasPrefix(l, "  "), strings.HasPrefix(l, "- "), strings.HasPrefix(l, "+ "):
			if strings.TrimSpace(l[2:]) == "" || strings.HasSuffix(l, " ") {
				t.Errorf("line %d: blank or trailing space: %q", i+1, l)
			}
		default:
			t.Errorf("line %d: not in helm-diff's format: %q", i+1, l)
		}
	}
	if !strings.Contains(out, "has changed:\n  # Source: "+UmbrellaChart+"/charts/") {
		t.Error("objects do not start with their # Source: line")
	}
}

func TestReleaseDeterministic(t *testing.T) {
	a, b := generated(t, 300), generated(t, 300)
	if a != b {
		t.Fatal("two runs gave different output")
	}
	if got := Size(300); got != len(a) {
		t.Errorf("Size(300) = %d, want %d", got, len(a))
	}
	var buf bytes.Buffer
	if err := Release(0, &buf); err != nil || buf.Len() != 0 {
		t.Errorf("Release(0) = %q, %v; want empty", buf.String(), err)
	}
	if err := Release(-1, &buf); err == nil {
		t.Error("Release(-1) did not fail")
	}
}

func paths(cs []diffparse.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Op.String()+" "+c.Path.String())
	}
	return out
}
