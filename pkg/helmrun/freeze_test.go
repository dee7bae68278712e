package helmrun_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/safediff/safediff/pkg/helmrun"
)

// write writes a file, making its directory.
func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// valueOf returns the value of the last --long flag in args.
func valueOf(args []string, long string) string {
	v := ""
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, "--"+long+"="):
			v = strings.TrimPrefix(a, "--"+long+"=")
		case a == "--"+long && i+1 < len(args):
			v = args[i+1]
		}
	}
	return v
}

// A frozen upgrade reads copies of its local chart and values: what the
// review rendered is what the upgrade applies, whatever happens to the
// originals in between.
func TestFreezeLocal(t *testing.T) {
	src := t.TempDir()
	chart := filepath.Join(src, "shop")
	write(t, filepath.Join(chart, "Chart.yaml"), "apiVersion: v2\nname: shop\nversion: 1.0.0\n")
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(chart, "Chart.yaml"), old, old); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(chart, "templates", "cm.yaml"), "kind: ConfigMap\n")
	write(t, filepath.Join(src, "common", "_helpers.tpl"), "{{/* shared */}}\n")
	if err := os.Symlink(filepath.Join(src, "common"), filepath.Join(chart, "templates", "common")); err != nil {
		t.Fatal(err)
	}
	prod, base, key := filepath.Join(src, "prod.yaml"), filepath.Join(src, "base.yaml"), filepath.Join(src, "key.pem")
	write(t, prod, "db:\n  enabled: true\n")
	write(t, base, "web: {}\n")
	write(t, key, "PEM\n")
	u, err := helmrun.ParseUpgrade([]string{"shop", chart, "-f", base + "," + prod, "--set-file", "tls.key=" + key, "--set", "a=b", "--wait"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fu, notes, err := (&helmrun.Runner{}).Freeze(context.Background(), u, dir)
	if err != nil || len(notes) > 0 {
		t.Fatalf("Freeze: %v %q", err, notes)
	}
	// the originals change after the review
	write(t, prod, "db:\n  enabled: false\n")
	write(t, filepath.Join(chart, "templates", "cm.yaml"), "kind: Secret\n")
	write(t, key, "OTHER\n")

	if !strings.HasPrefix(fu.Chart, dir) || read(t, filepath.Join(fu.Chart, "templates", "cm.yaml")) != "kind: ConfigMap\n" {
		t.Errorf("chart %s: not a copy made before the change", fu.Chart)
	}
	// helm 4 keeps each file's modification time in the chart (and a plan
	// records the chart): a copy has the original's
	orig, err1 := os.Stat(filepath.Join(chart, "Chart.yaml"))
	cp, err2 := os.Stat(filepath.Join(fu.Chart, "Chart.yaml"))
	if err1 != nil || err2 != nil || !cp.ModTime().Equal(orig.ModTime()) {
		t.Errorf("the copy's modification time %v, want the original's %v (%v %v)", cp.ModTime(), orig.ModTime(), err1, err2)
	}
	if got := read(t, filepath.Join(fu.Chart, "templates", "common", "_helpers.tpl")); got != "{{/* shared */}}\n" {
		t.Errorf("a linked directory was not copied: %q", got)
	}
	for _, args := range [][]string{fu.Args, fu.DiffArgs} {
		files := strings.Split(valueOf(args, "values"), ",")
		if len(files) != 2 || read(t, files[0]) != "web: {}\n" || read(t, files[1]) != "db:\n  enabled: true\n" || !strings.HasPrefix(files[1], dir) {
			t.Errorf("values %q: not copies made before the change (args %q)", files, args)
		}
		k, p, _ := strings.Cut(valueOf(args, "set-file"), "=")
		if k != "tls.key" || !strings.HasPrefix(p, dir) || read(t, p) != "PEM\n" {
			t.Errorf("--set-file %s=%s: not a copy made before the change", k, p)
		}
		if valueOf(args, "set") != "a=b" {
			t.Errorf("--set changed: %q", args)
		}
	}
	if valueOf(fu.Args, "wait") != "" || !strings.Contains(strings.Join(fu.Args, " "), "--wait") {
		t.Errorf("--wait lost: %q", fu.Args)
	}
	// the diff and the upgrade read one copy
	if valueOf(fu.Args, "values") != valueOf(fu.DiffArgs, "values") {
		t.Errorf("two copies: %q and %q", fu.Args, fu.DiffArgs)
	}
	// helm's messages name what the user gave, not the copies
	copyOfProd := strings.Split(valueOf(fu.Args, "values"), ",")[1]
	msg := "Error: failed to parse " + copyOfProd + ": yaml: line 2; in " + filepath.Join(fu.Chart, "templates", "cm.yaml")
	if got, want := fu.Unfreeze(msg), "Error: failed to parse "+prod+": yaml: line 2; in "+filepath.Join(chart, "templates", "cm.yaml"); got != want {
		t.Errorf("Unfreeze: %q\nwant %q", got, want)
	}
}

// A values URL is fetched once: the upgrade reads what the review read,
// however the server answers later.
func TestFreezeValuesURL(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing.yaml" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "answer: %d\n", n.Add(1))
	}))
	defer srv.Close()
	u, err := helmrun.ParseUpgrade([]string{"shop", "./absent-chart", "-f" + srv.URL + "/values.yaml", "-f", "s3://bucket/values.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	fu, notes, err := (&helmrun.Runner{}).Freeze(context.Background(), u, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if n.Load() != 1 {
		t.Errorf("fetched %d times, want once", n.Load())
	}
	var got []string
	for _, g := range fu.DiffArgs {
		if v, ok := strings.CutPrefix(g, "--values="); ok {
			got = append(got, v)
		}
	}
	if len(got) != 1 || read(t, got[0]) != "answer: 1\n" {
		t.Errorf("values %q: want one copy of the first answer", got)
	}
	// a getter plugin's scheme cannot be copied: it stays, and a note says so
	if !strings.Contains(strings.Join(fu.DiffArgs, " "), "-f s3://bucket/values.yaml") || len(notes) != 1 || !strings.Contains(notes[0], "s3://") {
		t.Errorf("s3 values: args %q, notes %q", fu.DiffArgs, notes)
	}
	if fu.Chart != "./absent-chart" {
		t.Errorf("a chart path that does not exist became %q; helm says it is not found", fu.Chart)
	}

	u, _ = helmrun.ParseUpgrade([]string{"shop", "./absent-chart", "--values", srv.URL + "/missing.yaml"})
	if _, _, err := (&helmrun.Runner{}).Freeze(context.Background(), u, t.TempDir()); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a values URL that answers 404: %v, want an error", err)
	}
}

// A chart of a repository or a registry is pulled once, with the flags
// that say which and how to reach it, and the upgrade reads the archive.
func TestFreezePullsRemoteCharts(t *testing.T) {
	h := newFakeHelm(t, `dest=""; while [ $# -gt 0 ]; do [ "$1" = --destination ] && dest=$2; shift; done; echo chart > "$dest/shop-1.2.3.tgz"`)
	u, err := helmrun.ParseUpgrade([]string{"shop", "shop", "--repo", "https://charts.example.com", "--version", "1.2.3", "--username", "u", "--wait", "--timeout", "5m"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fu, _, err := (&helmrun.Runner{Helm: h.path}).Freeze(context.Background(), u, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "pull shop --destination " + filepath.Join(dir, "pulled") + " --repo https://charts.example.com --version 1.2.3 --username u"
	if got := strings.Join(h.args(t), " "); got != want {
		t.Errorf("helm %s\nwant helm %s", got, want)
	}
	if fu.Chart != filepath.Join(dir, "pulled", "shop-1.2.3.tgz") {
		t.Errorf("chart %s, want the pulled archive", fu.Chart)
	}
	// the flags that found the chart go: helm 4 with --repo looks the
	// archive's path up in the repository
	if got, want := strings.Join(fu.Args, " "), "--username u --wait --timeout 5m"; got != want {
		t.Errorf("upgrade flags %q, want %q", got, want)
	}
	if len(fu.DiffArgs) != 0 {
		t.Errorf("diff flags %q, want none", fu.DiffArgs)
	}

	failing := newFakeHelm(t, "echo 'Error: chart \"shop\" version \"9\" not found' >&2; exit 1")
	if _, _, err := (&helmrun.Runner{Helm: failing.path}).Freeze(context.Background(), u, t.TempDir()); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("a failed pull: %v, want helm's error", err)
	}
}

// A chart that links back into itself is an error, not an endless copy.
func TestFreezeLinkCycle(t *testing.T) {
	src := t.TempDir()
	write(t, filepath.Join(src, "c", "Chart.yaml"), "name: c\n")
	if err := os.Symlink(filepath.Join(src, "c"), filepath.Join(src, "c", "loop")); err != nil {
		t.Fatal(err)
	}
	u, _ := helmrun.ParseUpgrade([]string{"r", filepath.Join(src, "c")})
	_, _, err := (&helmrun.Runner{}).Freeze(context.Background(), u, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "back into itself") {
		t.Errorf("Freeze: %v, want the cycle named", err)
	}
}

// A chart given as ".." (or any directory) is copied apart from the
// values: a values file inside the chart's copy would be one of its
// files, rendered by a template that reads .Files. A signed archive
// keeps its provenance file beside it (--verify reads it). A FIFO or
// socket in the chart (ignored by its .helmignore) is no content.
func TestFreezeLayout(t *testing.T) {
	root := t.TempDir()
	chart := filepath.Join(root, "c")
	write(t, filepath.Join(root, "Chart.yaml"), "apiVersion: v2\nname: up\nversion: 1.0.0\n")
	write(t, filepath.Join(root, "prod.yaml"), "password: s3cret\n")
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o600); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(chart, "shop-1.0.0.tgz"), "archive")
	write(t, filepath.Join(chart, "shop-1.0.0.tgz.prov"), "signature")
	t.Chdir(chart)
	u, _ := helmrun.ParseUpgrade([]string{"r", "..", "-f", "../prod.yaml"})
	dir := t.TempDir()
	fu, _, err := (&helmrun.Runner{}).Freeze(context.Background(), u, dir)
	if err != nil {
		t.Fatal(err)
	}
	v := valueOf(fu.Args, "values")
	if rel, err := filepath.Rel(fu.Chart, v); err != nil || !strings.HasPrefix(rel, "..") {
		t.Errorf("the values copy %s is inside the chart's copy %s", v, fu.Chart)
	}
	if _, err := os.Stat(filepath.Join(fu.Chart, "pipe")); err == nil {
		t.Errorf("the FIFO was copied")
	}
	u, _ = helmrun.ParseUpgrade([]string{"r", "shop-1.0.0.tgz", "--verify"})
	fu, _, err = (&helmrun.Runner{}).Freeze(context.Background(), u, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if read(t, fu.Chart+".prov") != "signature" {
		t.Errorf("no provenance file beside %s", fu.Chart)
	}
}
