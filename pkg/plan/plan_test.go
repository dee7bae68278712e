package plan_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/internal/tabletest"
	"github.com/safediff/safediff/pkg/plan"
	"github.com/safediff/safediff/pkg/report"
)

func TestWithholdAndRestoreArgs(t *testing.T) {
	names := tabletest.Names{}
	for _, tc := range []struct {
		name, reason string
		args         []string
		text         string // ArgsText of the plan
		given        []string
		restored     []string
		withholdErr  string
		restoreErr   string
	}{
		{name: "plain", reason: "flags without secrets are kept as given; apply takes nothing",
			args: []string{"web", "./chart", "-f", "prod.yaml", "--version", "1.2.3", "--wait"}, text: "web ./chart -f prod.yaml --version 1.2.3 --wait",
			restored: []string{"web", "./chart", "-f", "prod.yaml", "--version", "1.2.3", "--wait"}},
		{name: "set values", reason: "every --set kind may carry a secret: withheld, given again in order",
			args:     []string{"web", "./chart", "--set", "db.password=hunter2", "--set-string=a=b", "--set-json", `x={"k":1}`},
			text:     "web ./chart --set (withheld) --set-string (withheld) --set-json (withheld)",
			given:    []string{"--set", "db.password=hunter2", "--set-string", "a=b", `--set-json=x={"k":1}`},
			restored: []string{"web", "./chart", "--set", "db.password=hunter2", "--set-string", "a=b", "--set-json", `x={"k":1}`}},
		{name: "wrong order", reason: "the withheld values are matched flag by flag",
			args: []string{"web", "./chart", "--set", "a=1", "--set-string", "b=2"}, given: []string{"--set-string", "b=2", "--set", "a=1"},
			restoreErr: "unexpected --set-string: the plan withheld the values of --set, --set-string"},
		{name: "missing", reason: "a withheld value not given is an error, not an empty value",
			args: []string{"web", "./chart", "--set", "a=1"}, restoreErr: "0 of 1 withheld values given"},
		{name: "a flag after the values", reason: "a review flag after the withheld values (--fail-on) is not taken for a missing value: the plan holds the gate",
			args: []string{"web", "./chart", "--set", "a=1"}, given: []string{"--set", "a=1", "--fail-on", "destructive"},
			restoreErr: "unexpected --fail-on after the withheld values: apply takes the plan's helm arguments, gate and rules as they are"},
		{name: "extra", reason: "apply takes no other helm arguments: the plan holds them",
			args: []string{"web", "./chart"}, given: []string{"--set", "a=1"}, restoreErr: "the plan withheld no value"},
		{name: "password flag", reason: "a repository password is withheld",
			args: []string{"web", "chart", "--repo", "https://charts.example.com", "--password", "pw"}, text: "web chart --repo https://charts.example.com --password (withheld)",
			given: []string{"--password", "pw"}, restored: []string{"web", "chart", "--repo", "https://charts.example.com", "--password", "pw"}},
		{name: "kube token", reason: "found: run as a command, the API server's bearer token was kept in the plan",
			args: []string{"web", "chart", "--kube-token", "s3cr3t-token", "--kube-apiserver=https://api:6443"}, text: "web chart --kube-token (withheld) --kube-apiserver=https://api:6443",
			given: []string{"--kube-token", "s3cr3t-token"}, restored: []string{"web", "chart", "--kube-token", "s3cr3t-token", "--kube-apiserver=https://api:6443"}},
		{name: "url with password", reason: "credentials in a URL value are withheld",
			args: []string{"web", "chart", "--repo", "https://u:pw@charts.example.com"}, text: "web chart --repo (withheld)",
			given: []string{"--repo", "https://u:pw@charts.example.com"}, restored: []string{"web", "chart", "--repo", "https://u:pw@charts.example.com"}},
		{name: "positional url with password", reason: "a chart URL with a password cannot be withheld: refused",
			args: []string{"web", "oci://u:pw@registry.example.com/charts/web"}, withholdErr: "argument 2 holds a URL with a password"},
		{name: "after --", reason: "after -- every argument is positional",
			args: []string{"web", "./chart", "--", "--set"}, text: "web ./chart -- --set", restored: []string{"web", "./chart", "--", "--set"}},
	} {
		names.Check(t, tc.name, tc.reason)
		args, err := plan.WithholdArgs(tc.args)
		if tc.withholdErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.withholdErr) || strings.Contains(err.Error(), "pw@") {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.withholdErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		p := &plan.Plan{Helm: plan.Helm{Args: args}}
		if tc.text != "" && p.ArgsText() != tc.text {
			t.Errorf("%s: args %q, want %q", tc.name, p.ArgsText(), tc.text)
		}
		got, err := p.RestoreArgs(tc.given)
		if tc.restoreErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.restoreErr) {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.restoreErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.restored, got); diff != "" {
			t.Errorf("%s: restored (-want +got)\n%s", tc.name, diff)
		}
	}
}

// rendered is a render of a release with a secret in the values and in a
// Secret.
func rendered(password string) plan.Rendered {
	enc := base64.StdEncoding.EncodeToString([]byte(password))
	return plan.Rendered{
		Chart:     []byte(`{"metadata":{"name":"shop","version":"1.0.0"},"templates":[]}`),
		Values:    []byte(`{"db":{"password":"` + password + `"}}`),
		Manifests: []byte("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: " + enc + "\n"),
	}
}

func newPlan(t *testing.T, r plan.Rendered) *plan.Plan {
	t.Helper()
	args, err := plan.WithholdArgs([]string{"shop", "./chart", "--set", "db.password=s3cret-Value"})
	if err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{
		Kind: plan.Kind, Version: plan.Version, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Safediff: "1.0.0",
		Release: plan.Release{Name: "shop", Namespace: "prod", Revision: 3, Status: "deployed"},
		Helm:    plan.Helm{Version: "v3.22.0", DiffVersion: "3.13.2", Args: args},
		Rules:   plan.Rules{Digest: plan.RulesDigest([]byte("defaults"), nil)},
		Review:  &report.JSONReport{SchemaVersion: 1, Objects: []report.JSONObject{{Ref: "Secret/prod/db", Action: "update", Changes: []report.JSONChange{{Path: "data.password", Op: "modify"}}}}},
	}
	if err := p.Seal(r); err != nil {
		t.Fatal(err)
	}
	return p
}

// state is the world as the plan saw it.
func state(p *plan.Plan, r plan.Rendered) plan.State {
	return plan.State{Safediff: p.Safediff, HelmVersion: p.Helm.Version, DiffVersion: p.Helm.DiffVersion,
		Revision: p.Release.Revision, Status: "deployed", RulesDigest: p.Rules.Digest, Rendered: r, Review: p.Review}
}

// The plan file holds no secret: not the --set value, not the Secret's
// data, raw or base64, and no digest of one secret alone.
func TestPlanHoldsNoSecret(t *testing.T) {
	const secret = "s3cret-Value"
	p := newPlan(t, rendered(secret))
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), "db.password="} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("the plan file contains %q:\n%s", s, data)
		}
	}
	// the digests are salted: the same content digests differently in
	// another plan, so no table of digests of guesses applies to all plans
	q := newPlan(t, rendered(secret))
	if p.Digests.Manifests == q.Digests.Manifests || p.Digests.Salt == q.Digests.Salt {
		t.Errorf("two plans of the same content share a digest or a salt")
	}
	if p.Digests.Iterations < 600_000 {
		t.Errorf("%d iterations: a guess is cheap", p.Digests.Iterations)
	}
}

func TestCompare(t *testing.T) {
	r := rendered("pw-1")
	p := newPlan(t, r)
	names := tabletest.Names{}
	for _, tc := range []struct {
		name, reason string
		change       func(s *plan.State)
		want         []string // Moved.What
	}{
		{name: "nothing", reason: "the same world: nothing moved", change: func(*plan.State) {}},
		{name: "release and tools", reason: "each moved part is named: someone upgraded in between, a rules file changed, another helm, another API server",
			change: func(s *plan.State) {
				s.Revision, s.HelmVersion = 4, "v4.3.1"
				s.RulesDigest = plan.RulesDigest([]byte("defaults"), [][]byte{[]byte("x")})
				s.Cluster = &plan.Cluster{Server: "https://other:6443"}
			}, want: []string{"helm", "cluster", "revision", "rules"}},
		{name: "uninstalled", reason: "the release is gone, and the review says nothing changes",
			change: func(s *plan.State) { s.Revision, s.Status, s.Review = 0, "", &report.JSONReport{} }, want: []string{"revision", "object Secret/prod/db"}},
		{name: "secret value", reason: "a changed secret moves the values and the manifests, though the review cannot show it",
			change: func(s *plan.State) { s.Rendered = rendered("pw-2") }, want: []string{"values", "manifests"}},
		{name: "json spacing", reason: "the same JSON spelled otherwise is the same chart; another chart is not",
			change: func(s *plan.State) {
				s.Rendered.Chart = []byte(`{ "templates": [], "metadata": {"version":"1.0.0","name":"shop"} }`)
				s.Rendered.Values = []byte(`{"db": {"password": "pw-1"}, "x": null}`)
			}, want: []string{"values"}},
		{name: "review object", reason: "an object's review differs",
			change: func(s *plan.State) {
				rv := *p.Review
				rv.Objects = []report.JSONObject{{Ref: "Secret/prod/db", Action: "update", Changes: []report.JSONChange{{Path: "data.password", Op: "remove"}}}, {Ref: "ConfigMap/prod/x", Action: "create"}}
				s.Review = &rv
			}, want: []string{"object ConfigMap/prod/x", "object Secret/prod/db"}},
		{name: "new drift", reason: "found: a Deployment scaled and its image set after a --cluster plan, which the upgrade put back, unreviewed; a note of drift is part of the review",
			change: func(s *plan.State) {
				rv := *p.Review
				rv.Notes = append(slices.Clone(rv.Notes), report.JSONNote{Text: "drift: Deployment.apps/prod/web spec.replicas: 2 in revision 1's manifest, 5 live"}, report.JSONNote{Text: "an unrelated note"})
				s.Review = &rv
			}, want: []string{"drift"}},
		{name: "acceptance", reason: "an accept entry given at apply is an approval, not a change of the world",
			change: func(s *plan.State) {
				rv := *p.Review
				rv.Objects = []report.JSONObject{{Ref: "Secret/prod/db", Action: "update", Changes: []report.JSONChange{{Path: "data.password", Op: "modify", Accepted: true, AcceptReason: "ok"}}}}
				s.Review = &rv
			}},
	} {
		names.Check(t, tc.name, tc.reason)
		s := state(p, r)
		p.Cluster = &plan.Cluster{Server: "https://api:6443"}
		s.Cluster = &plan.Cluster{Server: "https://api:6443"}
		tc.change(&s)
		moved, err := p.Compare(s)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, m := range moved {
			got = append(got, m.What)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: moved (-want +got)\n%s\n%v", tc.name, diff, moved)
		}
	}
}

// A plan whose digests are cheap (edited, or from a careless writer) is
// refused rather than compared.
func TestCompareRefusesWeakDigests(t *testing.T) {
	r := rendered("pw")
	p := newPlan(t, r)
	p.Digests.Iterations = 1
	if _, err := p.Compare(state(p, r)); err == nil || !strings.Contains(err.Error(), "fewer than") {
		t.Errorf("weak digests: %v", err)
	}
}

func TestCheckAge(t *testing.T) {
	p := &plan.Plan{Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		now    time.Time
		max    time.Duration
		want   string
		reason string
	}{
		{p.Created.Add(23 * time.Hour), plan.DefaultMaxAge, "", "younger than --max-age"},
		{p.Created.Add(25 * time.Hour), plan.DefaultMaxAge, "older than --max-age 24h0m0s", "older than --max-age"},
		{p.Created.Add(2 * time.Minute), time.Minute, "older than --max-age 1m0s", "a shorter --max-age"},
		{p.Created.Add(-time.Hour), plan.DefaultMaxAge, "in the future", "a plan from the future: a wrong clock"},
	} {
		err := p.CheckAge(tc.now, tc.max)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.reason, err, tc.want)
		}
	}
}

func TestDecode(t *testing.T) {
	p := newPlan(t, rendered("pw"))
	data, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Decode(data, "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-want +got)\n%s", diff)
	}
	for _, tc := range []struct {
		data   string
		want   string
		reason string
	}{
		{`{"kind":"Other"}`, "not a safediff plan file", "another file"},
		{`not json`, "not a safediff plan file", "not JSON"},
		{`{"kind":"SafediffPlan","version":2}`, "plan file version 2", "a newer format"},
		{strings.Replace(string(data), `"release": {`, `"extra": 1, "release": {`, 1), `unknown key "extra"`, "unknown fields are refused, never ignored"},
		{strings.Replace(string(data), `"release": {`, `"Release": {"name": "other"}, "release": {`, 1), `unknown key "Release"`, "found: encoding/json matches keys without regard to case, the last of two winning"},
		{string(data) + `{"kind":"SafediffPlan"}`, "not a safediff plan file", "a second document"},
		{strings.Replace(string(data), `"revision": 3`, `"revision": -1`, 1), "release.revision is negative", "a bad value"},
		{strings.Replace(string(data), `"manifests": "`, `"manifests": "x`, 1)[:0] + `{"kind":"SafediffPlan","version":1}`, "release.name is empty", "an empty plan"},
	} {
		if _, err := plan.Decode([]byte(tc.data), "plan.json"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.reason, err, tc.want)
		}
	}
}

func TestWhoFrom(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		get    func(string) string
		want   plan.Who
		reason string
	}{
		{env("USER", "ann"), plan.Who{User: "ann"}, "a person at a terminal"},
		{env(), plan.Who{User: "proc"}, "no $USER: the process's user"},
		{env("USER", "runner", "GITHUB_ACTIONS", "true", "GITHUB_RUN_ID", "42", "GITHUB_RUN_ATTEMPT", "2", "GITHUB_SERVER_URL", "https://github.com", "GITHUB_REPOSITORY", "o/r", "GITHUB_ACTOR", "bob", "GITHUB_SHA", "abc"),
			plan.Who{User: "runner", CI: &plan.CI{System: "github-actions", Job: "42", URL: "https://github.com/o/r/actions/runs/42/attempts/2", Actor: "bob", Commit: "abc"}}, "GitHub Actions"},
		{env("GITLAB_CI", "true", "CI_JOB_ID", "7", "CI_JOB_URL", "https://gitlab/j/7", "GITLAB_USER_LOGIN", "eve"),
			plan.Who{User: "proc", CI: &plan.CI{System: "gitlab-ci", Job: "7", URL: "https://gitlab/j/7", Actor: "eve"}}, "GitLab CI"},
		{env("CI", "true"), plan.Who{User: "proc", CI: &plan.CI{System: "ci"}}, "another CI"},
	} {
		if diff := cmp.Diff(tc.want, plan.WhoFrom(tc.get, "proc")); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tc.reason, diff)
		}
	}
}

func TestAuditLogAppends(t *testing.T) {
	name := filepath.Join(t.TempDir(), "audit.jsonl")
	code := 0
	for i, outcome := range []string{"refused", "applied"} {
		l, err := plan.OpenAuditLog(name)
		if err != nil {
			t.Fatal(err)
		}
		r := &plan.Record{Time: time.Unix(int64(i), 0).UTC(), Command: "apply", Release: "shop", Outcome: outcome, Accepted: []plan.Acceptance{}}
		if outcome == "applied" {
			r.HelmExitCode = &code
		}
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"outcome":"refused"`) || !strings.Contains(lines[0], `"helmExitCode":null`) ||
		!strings.Contains(lines[1], `"helmExitCode":0`) {
		t.Errorf("audit log:\n%s", data)
	}
	if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode: %v %v", fi.Mode(), err)
	}
}
