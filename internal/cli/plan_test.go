package cli_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/cli"
	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/plan"
)

// helmWorld is a stand-in for helm and the release it manages, for plan
// and apply: files the test rewrites say what helm answers (the newest
// revision, the rendered release, the diff), and every command line is
// recorded. It checks process handling and what apply decides; the real
// helm, helm-diff and API server are covered by the e2e tests.
type helmWorld struct {
	t   *testing.T
	dir string
	bin string
}

const worldSecret = "hunter2-s3cret"

func newHelmWorld(t *testing.T) *helmWorld {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake helm is a shell script")
	}
	w := &helmWorld{t: t, dir: t.TempDir()}
	w.bin = filepath.Join(w.dir, "helm")
	script := "#!/bin/sh\nD='" + w.dir + "'\n" + `echo "$*" >> "$D/calls"
case "$1" in
version) echo v3.22.0 ;;
diff) if [ "$2" = version ]; then echo 3.13.2; else cat "$D/diff.txt"; fi ;;
history) if [ -s "$D/history.json" ]; then cat "$D/history.json"; else echo 'Error: release: not found' >&2; exit 1; fi ;;
get) if [ "$2" = values ]; then echo 'db: {user: app}'; else cat "$D/manifest.txt"; fi ;;
upgrade) case "$*" in *--dry-run=server*) cat "$D/render.json" ;; *) echo upgraded ;; esac ;;
esac
`
	w.write("helm", script)
	if err := os.Chmod(w.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	w.setRevision(3)
	w.render("nginx:1.27", worldSecret)
	w.write("diff.txt", sampleText(t, "cli-real-label-image.txt"))
	return w
}

func (w *helmWorld) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *helmWorld) setRevision(n int) {
	w.write("history.json", `[{"revision":`+itoa(n)+`,"status":"deployed","chart":"demo-1.0.0"}]`)
}

// render sets what helm upgrade --dry-run renders: an image and a Secret
// whose password also comes from the values.
func (w *helmWorld) render(image, password string) {
	manifest := "---\n# Source: demo/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: " +
		base64.StdEncoding.EncodeToString([]byte(password)) + "\n---\n# Source: demo/templates/deployment-worker.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo-worker\nspec:\n  template:\n    spec:\n      containers:\n      - name: worker\n        image: " + image + "\n"
	rel := map[string]any{"name": "demo", "version": 4, "namespace": "prod",
		"chart":    map[string]any{"metadata": map[string]any{"name": "demo", "version": "1.0.0"}, "templates": []any{}},
		"config":   map[string]any{"db": map[string]any{"password": password}, "image": image},
		"manifest": manifest}
	b, _ := json.Marshal(rel)
	w.write("render.json", string(b))
}

// calls returns the recorded command lines and forgets them.
func (w *helmWorld) calls() []string {
	data, _ := os.ReadFile(filepath.Join(w.dir, "calls"))
	os.Remove(filepath.Join(w.dir, "calls"))
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func (w *helmWorld) upgraded() bool {
	for _, c := range w.calls() {
		if strings.HasPrefix(c, "upgrade ") && !strings.Contains(c, "--dry-run") {
			return true
		}
	}
	return false
}

// run runs safediff with the fake helm, as helm runs plugins.
func (w *helmWorld) run(env map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		switch k {
		case "HELM_BIN":
			return w.bin
		case "HELM_NAMESPACE":
			return "prod"
		case "KUBECONFIG":
			return filepath.Join(w.dir, "no-kubeconfig")
		}
		return env[k]
	}
	code = cli.Run(context.Background(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: getenv})
	return code, out.String(), errb.String()
}

func sampleText(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "helm-diff", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// The plan file keeps nothing secret: not the --set value, not the
// rendered Secret's data, not the values (raw or base64).
func TestPlanKeepsNoSecret(t *testing.T) {
	w := newHelmWorld(t)
	p := filepath.Join(t.TempDir(), "plan.json")
	code, _, stderr := w.run(nil, "plan", "demo-web", "./chart", "--set", "db.password="+worldSecret, "--out", p)
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{worldSecret, base64.StdEncoding.EncodeToString([]byte(worldSecret)), "db.password"} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("the plan file holds %q", s)
		}
	}
	if !strings.Contains(stderr, "helm safediff apply "+p+" --set …") {
		t.Errorf("plan does not say what apply needs again:\n%s", stderr)
	}
}

func TestApplyRefusesWhatMoved(t *testing.T) {
	names := tabletest.Names{}
	for _, tc := range []struct {
		name, reason string
		move         func(w *helmWorld, rules string)
		args         []string // after apply FILE
		want         []string
		code         int
	}{
		{name: "nothing moved", reason: "the world as planned: apply upgrades with the planned arguments",
			move: func(*helmWorld, string) {}, args: []string{"--set", "db.password=" + worldSecret}},
		{name: "revision", reason: "someone upgraded in between",
			move: func(w *helmWorld, _ string) { w.setRevision(4) }, args: []string{"--set", "db.password=" + worldSecret},
			want: []string{"revision: release demo-web is at revision 4 (deployed); the plan was made at revision 3"}, code: 1},
		{name: "uninstalled", reason: "the release is gone",
			move: func(w *helmWorld, _ string) { w.write("history.json", "") }, args: []string{"--set", "db.password=" + worldSecret},
			want: []string{"is at revision 0 (not installed)"}, code: 1},
		{name: "secret value", reason: "a changed secret moves the digests, though no review shows it",
			move: func(w *helmWorld, _ string) { w.render("nginx:1.27", "other") }, args: []string{"--set", "db.password=other"},
			want: []string{"values: the values differ", "manifests: the rendered manifests differ"}, code: 1},
		{name: "rendered", reason: "another render",
			move: func(w *helmWorld, _ string) { w.render("nginx:1.28", worldSecret) }, args: []string{"--set", "db.password=" + worldSecret},
			want: []string{"manifests: the rendered manifests differ"}, code: 1},
		{name: "rules", reason: "a rules file changed",
			move: func(w *helmWorld, rules string) {
				os.WriteFile(rules, []byte("version: 1\nrules: []\n# changed\n"), 0o644)
			},
			args: []string{"--set", "db.password=" + worldSecret}, want: []string{"rules: the rules differ"}, code: 1},
		{name: "max-age", reason: "an old plan",
			move: func(*helmWorld, string) {}, args: []string{"--set", "db.password=" + worldSecret, "--max-age", "1ns"},
			want: []string{"older than --max-age 1ns"}, code: 1},
		{name: "withheld missing", reason: "a withheld value is needed again",
			move: func(*helmWorld, string) {}, want: []string{"the plan withheld the values of --set"}, code: 1},
		{name: "review", reason: "the diff shows another change, though the render is the same (e.g. drift a three-way diff sees)",
			move: func(w *helmWorld, _ string) {
				w.write("diff.txt", strings.Replace(sampleText(t, "cli-real-label-image.txt"), "nginx:1.27", "nginx:1.28", 1))
			}, args: []string{"--set", "db.password=" + worldSecret}, want: []string{"object Deployment.apps/default/demo-web: its changes or their review differ"}, code: 1},
	} {
		names.Check(t, tc.name, tc.reason)
		w := newHelmWorld(t)
		rules := filepath.Join(t.TempDir(), "team.yaml")
		os.WriteFile(rules, []byte("version: 1\nrules: []\n"), 0o644)
		p := filepath.Join(t.TempDir(), "plan.json")
		if code, _, stderr := w.run(nil, "plan", "demo-web", "./chart", "--set", "db.password="+worldSecret, "--rules", rules, "--out", p); code != 0 {
			t.Fatalf("%s: plan: exit %d\n%s", tc.name, code, stderr)
		}
		w.calls()
		tc.move(w, rules)
		audit := filepath.Join(t.TempDir(), "audit.jsonl")
		code, _, stderr := w.run(nil, append([]string{"apply", p, "--audit", audit}, tc.args...)...)
		upgraded := w.upgraded()
		if code != tc.code || upgraded != (tc.code == 0) {
			t.Errorf("%s: exit %d (want %d), upgraded %v\n%s", tc.name, code, tc.code, upgraded, stderr)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(stderr, s) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.name, s, stderr)
			}
		}
		if strings.Contains(stderr, worldSecret) {
			t.Errorf("%s: a secret in the messages:\n%s", tc.name, stderr)
		}
		data, err := os.ReadFile(audit)
		if err != nil {
			t.Fatalf("%s: no audit log: %v", tc.name, err)
		}
		var rec plan.Record
		if err := json.Unmarshal(data, &rec); err != nil || strings.Count(string(data), "\n") != 1 {
			t.Fatalf("%s: audit log %q: %v", tc.name, data, err)
		}
		if want := map[bool]string{true: "applied", false: "refused"}[tc.code == 0]; rec.Outcome != want {
			t.Errorf("%s: audit outcome %s, want %s", tc.name, rec.Outcome, want)
		}
	}
}

// The upgrade runs with exactly the planned arguments, the withheld value
// restored, in the plan's namespace.
func TestApplyRunsThePlannedUpgrade(t *testing.T) {
	w := newHelmWorld(t)
	p := filepath.Join(t.TempDir(), "plan.json")
	if code, _, stderr := w.run(nil, "plan", "demo-web", "./chart", "-f", "prod.yaml", "--set", "db.password="+worldSecret, "--wait", "--out", p); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	w.calls()
	if code, _, stderr := w.run(nil, "apply", p, "--set="+"db.password="+worldSecret); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	calls := w.calls()
	last := calls[len(calls)-1]
	if want := "upgrade demo-web ./chart -f prod.yaml --set db.password=" + worldSecret + " --wait"; last != want {
		t.Errorf("the upgrade ran as\n%s\nwant\n%s", last, want)
	}
}

// A tripped plan needs an approval; an accept file gives it, and the
// audit log keeps the entry's reason.
func TestApplyTrippedPlan(t *testing.T) {
	w := newHelmWorld(t)
	p := filepath.Join(t.TempDir(), "plan.json")
	code, _, stderr := w.run(nil, "plan", "demo-web", "./chart", "--set", "db.password="+worldSecret, "--fail-on", "restart", "--out", p)
	if code != 2 || !strings.Contains(stderr, "apply needs an approval") {
		t.Fatalf("plan of a tripping change: exit %d\n%s", code, stderr)
	}
	w.calls()
	code, _, stderr = w.run(nil, "apply", p, "--set", "db.password="+worldSecret)
	if code != 2 || w.upgraded() || !strings.Contains(stderr, "the gate tripped") {
		t.Fatalf("apply without an approval: exit %d\n%s", code, stderr)
	}
	accept := filepath.Join(t.TempDir(), "accept.yaml")
	os.WriteFile(accept, []byte("version: 1\naccept:\n  - object: Deployment.apps/default/demo-web\n    path: spec.template.spec.containers[name=web].image\n    reason: CHG-9\n  - object: Deployment.apps/default/demo-web\n    path: spec.template.metadata.labels.tier\n    reason: CHG-9\n"), 0o644)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	code, _, stderr = w.run(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "77"}, "apply", p, "--set", "db.password="+worldSecret, "--accept", accept, "--audit", audit)
	if code != 0 || !w.upgraded() {
		t.Fatalf("apply with an accept file: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(audit)
	var rec plan.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Approval != "accept" || len(rec.Accepted) != 2 || rec.Accepted[0].Reason != "CHG-9" || rec.Who.CI == nil || rec.Who.CI.Job != "77" {
		t.Errorf("audit record: %s", data)
	}
}

// --cluster with an API server that cannot be reached is an error: no
// offline review in its place, no upgrade.
func TestClusterUnreachableIsAnError(t *testing.T) {
	w := newHelmWorld(t)
	kc := filepath.Join(w.dir, "no-kubeconfig")
	os.WriteFile(kc, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n"), 0o600)
	w.write("manifest.txt", "")
	for _, args := range [][]string{
		{"upgrade", "demo-web", "./chart", "--cluster"},
		{"plan", "demo-web", "./chart", "--cluster", "--out", filepath.Join(t.TempDir(), "p.json")},
	} {
		code, _, stderr := w.run(nil, args...)
		if code != 1 || w.upgraded() || !strings.Contains(stderr, "--cluster:") || !strings.Contains(stderr, "nothing was confirmed") {
			t.Errorf("%s: exit %d\n%s", args[0], code, stderr)
		}
	}
	// and without a kubeconfig at all
	os.Remove(kc)
	code, _, stderr := w.run(nil, "upgrade", "demo-web", "./chart", "--cluster")
	if code != 1 || !strings.Contains(stderr, "--cluster needs a kubeconfig") {
		t.Errorf("no kubeconfig: exit %d\n%s", code, stderr)
	}
}

// upgrade --audit records every upgrade: a gate override by accept
// entries with their reasons, and a refusal.
func TestUpgradeAudit(t *testing.T) {
	w := newHelmWorld(t)
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	accept := filepath.Join(t.TempDir(), "accept.yaml")
	os.WriteFile(accept, []byte("version: 1\naccept:\n  - object: Deployment.apps/default/demo-web\n    path: spec.template.spec.containers[name=web].image\n    reason: CHG-9\n  - object: Deployment.apps/default/demo-web\n    path: spec.template.metadata.labels.tier\n    reason: CHG-9\n"), 0o644)
	code, _, stderr := w.run(nil, "upgrade", "demo-web", "./chart", "--fail-on", "restart", "--audit", audit)
	if code != 2 || w.upgraded() {
		t.Fatalf("a tripped upgrade: exit %d\n%s", code, stderr)
	}
	code, _, stderr = w.run(nil, "upgrade", "demo-web", "./chart", "--fail-on", "restart", "--audit", audit, "--accept", accept)
	if code != 0 || !w.upgraded() {
		t.Fatalf("an accepted upgrade: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(audit)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("audit log:\n%s", data)
	}
	var refused, applied plan.Record
	json.Unmarshal([]byte(lines[0]), &refused)
	json.Unmarshal([]byte(lines[1]), &applied)
	if refused.Outcome != "refused" || refused.Command != "upgrade" || refused.Revision != 3 || refused.HelmExitCode != nil || len(refused.Refused) != 1 {
		t.Errorf("the refusal: %s", lines[0])
	}
	if applied.Outcome != "applied" || applied.Approval != "accept" || len(applied.Accepted) != 2 || applied.Accepted[0].Reason != "CHG-9" || *applied.HelmExitCode != 0 {
		t.Errorf("the override: %s", lines[1])
	}
}

// Accept entries given to plan are recorded with the plan (as the file
// wrote them) and count again at apply, without the file.
func TestPlanRecordsItsAcceptEntries(t *testing.T) {
	w := newHelmWorld(t)
	accept := filepath.Join(t.TempDir(), "accept.yaml")
	os.WriteFile(accept, []byte("version: 1\naccept:\n  - object: Deployment.apps/default/demo-web\n    path: spec.template.spec.containers[name=web].image\n    new: nginx:1.27\n    reason: CHG-5\n  - object: Deployment.apps/default/demo-web\n    path: spec.template.metadata.labels.tier\n    reason: CHG-5\n"), 0o644)
	p := filepath.Join(t.TempDir(), "plan.json")
	if code, _, stderr := w.run(nil, "plan", "demo-web", "./chart", "--fail-on", "restart", "--accept", accept, "--out", p); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(p)
	var got plan.Plan
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Accepted) != 2 || got.Accepted[0].File != accept || got.Accepted[0].New == nil || *got.Accepted[0].New != "nginx:1.27" || got.Accepted[0].Reason != "CHG-5" {
		t.Fatalf("recorded acceptances: %+v", got.Accepted)
	}
	os.Remove(accept)
	w.calls()
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	if code, _, stderr := w.run(nil, "apply", p, "--audit", audit); code != 0 || !w.upgraded() {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	rec, _ := os.ReadFile(audit)
	if !strings.Contains(string(rec), `"approval":"accept"`) || !strings.Contains(string(rec), `"reason":"CHG-5"`) {
		t.Errorf("audit: %s", rec)
	}
}
