package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/testenv"
)

// noChartLabelsInPods renders the chart without chart metadata in the pod
// templates and without the config checksum: then a chart bump changes
// only top-level labels.
var noChartLabelsInPods = sets("labels.inPodTemplate=false", "web.checksumConfig=false")

// A chart bump that only changes top-level labels is label churn: it is
// ignored, the gate passes, and helm upgrade runs.
func TestChartBumpOfLabelsOnlyUpgrades(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop", noChartLabelsInPods...)
		r := safediff(t, h, ns, append([]string{"upgrade", "shop", chart(t, "1.1.0")}, noChartLabelsInPods...)...)
		wantExit(t, r, 0)
		wantIn(t, "report", r.Stdout, "Only ignored changes", "PASS")
		wantHistory(t, h, ns, "shop", 2, "deployed")
		revs, _ := h.History(ns, "shop")
		if got := revs[len(revs)-1].Chart; got != "shop-1.1.0" {
			t.Errorf("revision 2 has chart %s, want shop-1.1.0", got)
		}
	})
}

// The same bump of a chart that puts its labels in the pod templates (as
// helm create does) restarts every pod, and the single-replica database's
// restart is downtime: the default gate holds it.
func TestChartBumpWithLabelsInPodsIsHeld(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		r := safediff(t, h, ns, "upgrade", "shop", chart(t, "1.1.0"))
		wantExit(t, r, 2)
		wantIn(t, "report", r.Stdout, "pod-template-chart-labels", "restart-single-replica-statefulset")
		wantIn(t, "stderr", r.Stderr, "shop was not upgraded")
		wantHistory(t, h, ns, "shop", 1, "deployed")
	})
}

// An image change restarts pods: the default gate (disruptive) lets it
// through, --fail-on restart holds it.
func TestImageChange(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		r := safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.image=nginx:1.27")
		wantExit(t, r, 0)
		wantIn(t, "report", r.Stdout, "containers[name=web].image: nginx:1.25 -> nginx:1.27", "pod-template-image")
		wantHistory(t, h, ns, "shop", 2, "deployed")

		r = safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.image=nginx:1.28", "--fail-on", "restart")
		wantExit(t, r, 2)
		wantIn(t, "report", r.Stdout, "nginx:1.27 -> nginx:1.28")
		wantHistory(t, h, ns, "shop", 2, "deployed")
	})
}

// Immutable fields: safediff holds the upgrade as a replacement, naming
// the field; helm upgrade itself would fail on them, which the test
// shows with plain helm upgrade afterwards.
func TestImmutableFieldsAreHeldAsReplacements(t *testing.T) {
	cases := []struct {
		name, set   string
		report      []string
		helmFailure string
	}{
		{"deployment-selector", "web.selectorTrack=canary",
			[]string{"Deployment.apps/", "helm upgrade will fail here (partial upgrade)", "spec.selector.matchLabels.track"}, "field is immutable"},
		{"statefulset-volumeclaimtemplates", "db.storage=5Gi",
			[]string{"StatefulSet.apps/", "helm upgrade will fail here (partial upgrade)", "volumeClaimTemplates"}, "spec.volumeClaimTemplates: Invalid value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
				install(t, h, ns, "shop")
				c := chart(t, "1.0.0")
				r := safediff(t, h, ns, "upgrade", "shop", c, "--set", tc.set)
				wantExit(t, r, 2)
				wantIn(t, "report", r.Stdout, tc.report...)
				wantHistory(t, h, ns, "shop", 1, "deployed")

				plain := h.Run(nil, nil, "upgrade", "shop", c, "--set", tc.set, "-n", ns)
				if plain.Code == 0 {
					t.Fatalf("plain helm upgrade passed; the field is not immutable after all:\n%s", plain)
				}
				wantIn(t, "plain helm upgrade", plain.Stderr, tc.helmFailure)
			})
		})
	}
}

// Removing a StatefulSet with volume claims loses data: destructive.
func TestStatefulSetRemovalIsDestructive(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		r := safediff(t, h, ns, "upgrade", "shop", chart(t, "1.0.0"), "--set", "db.enabled=false")
		wantExit(t, r, 2)
		wantIn(t, "report", r.Stdout, "StatefulSet.apps/"+ns+"/shop-db", "destroyed", "destructive")
		wantHistory(t, h, ns, "shop", 1, "deployed")
	})
}

// An accept file lets exactly the reviewed change through: another change
// beside it, or another value, still trips the gate.
func TestAcceptFilePassesExactlyTheReviewedChange(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		dir := t.TempDir()
		accept := func(name, newValue string) string {
			p := filepath.Join(dir, name)
			doc := "version: 1\naccept:\n  - object: Service/" + ns + "/shop-web\n    path: spec.type\n    new: " + newValue + "\n    reason: CHG-42 expose web on a node port\n"
			if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		nodePort, loadBalancer := accept("nodeport.yaml", "NodePort"), accept("lb.yaml", "LoadBalancer")

		r := safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.serviceType=NodePort")
		wantExit(t, r, 2)
		wantIn(t, "report", r.Stdout, "spec.type: ClusterIP -> NodePort")
		wantHistory(t, h, ns, "shop", 1, "deployed")

		// the reviewed change plus one more: replicas to 0 is downtime
		r = safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.serviceType=NodePort", "--set", "web.replicas=0", "--accept", nodePort)
		wantExit(t, r, 2)
		wantIn(t, "report", r.Stdout, "accepted by the accept file", "spec.replicas: 2 -> 0")
		wantHistory(t, h, ns, "shop", 1, "deployed")

		// an acceptance of another value does not accept this one
		r = safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.serviceType=NodePort", "--accept", loadBalancer)
		wantExit(t, r, 2)
		wantHistory(t, h, ns, "shop", 1, "deployed")

		r = safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.serviceType=NodePort", "--accept", nodePort)
		wantExit(t, r, 0)
		wantIn(t, "report", r.Stdout, "accepted by the accept file", "CHG-42")
		wantHistory(t, h, ns, "shop", 2, "deployed")
	})
}

// A failing helm diff is an error: exit 1, nothing upgraded, helm's
// message shown.
func TestHelmDiffFailureUpgradesNothing(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		dir := t.TempDir()
		badYAML := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(badYAML, []byte("web:\n  image: [unclosed\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			why  string
			args []string
			msg  string
		}{
			{"missing chart", []string{"upgrade", "shop", filepath.Join(dir, "no-such-chart")}, "no-such-chart"},
			{"missing values file", []string{"upgrade", "shop", c, "-f", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
			{"values file that is not YAML", []string{"upgrade", "shop", c, "-f", badYAML}, "bad.yaml"},
			{"release that does not exist, without --install", []string{"upgrade", "nosuch", c}, "nosuch"},
		}
		for _, tc := range cases {
			r := safediff(t, h, ns, tc.args...)
			if r.Code != 1 {
				t.Errorf("%s: exit %d, want 1\n%s", tc.why, r.Code, r)
				continue
			}
			wantIn(t, tc.why+": stderr", r.Stderr, "helm diff upgrade failed", tc.msg, "was not upgraded")
		}
		// plan renders the upgrade before it diffs it: helm's message
		// names the user's file, not the copy every helm run reads
		r := safediff(t, h, ns, "plan", "shop", c, "-f", badYAML, "--out", filepath.Join(dir, "plan.json"))
		if r.Code != 1 || !strings.Contains(r.Stderr, badYAML) || strings.Contains(r.Stderr, "safediff-helm-") {
			t.Errorf("plan with a values file that is not YAML: exit %d, want 1 and helm's message naming %s\n%s", r.Code, badYAML, r)
		}
		wantHistory(t, h, ns, "shop", 1, "deployed")
		if _, err := h.History(ns, "nosuch"); err == nil || !strings.Contains(err.Error(), "not found") {
			t.Errorf("release nosuch: helm history says %v, want release: not found", err)
		}
	})
}

// With --install a new release is planned (everything is created) and
// installed.
func TestInstallNewRelease(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		// a release of its own creates the namespace
		h.MustRun(t, "install", "placeholder", chart(t, "1.0.0"), "-n", ns, "--create-namespace", "--set", "db.enabled=false")
		r := safediff(t, h, ns, "upgrade", "fresh", chart(t, "1.0.0"), "--install")
		wantExit(t, r, 0)
		wantIn(t, "report", r.Stdout, "Deployment.apps/"+ns+"/fresh-web", "created")
		wantHistory(t, h, ns, "fresh", 1, "deployed")
	})
}

// When helm upgrade fails after the gate passed (here: a selector change
// the operator accepted, which the API server refuses), safediff reports
// helm's message with helm's exit code.
func TestUpgradeFailureAfterGateKeepsHelmsMessageAndCode(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		accept := filepath.Join(t.TempDir(), "accept.yaml")
		doc := "version: 1\naccept:\n  - object: Deployment.apps/" + ns + "/shop-web\n    action: replace\n    reason: CHG-7 recreate approved\n" +
			"  - object: Deployment.apps/" + ns + "/shop-web\n    path: spec.selector.matchLabels.track\n    reason: CHG-7\n" +
			"  - object: Deployment.apps/" + ns + "/shop-web\n    path: spec.template.metadata.labels.track\n    reason: CHG-7\n" +
			"  - object: Service/" + ns + "/shop-web\n    path: spec.selector.track\n    reason: CHG-7\n"
		if err := os.WriteFile(accept, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		r := safediff(t, h, ns, "upgrade", "shop", chart(t, "1.0.0"), "--set", "web.selectorTrack=canary", "--accept", accept)
		if r.Code == 0 || r.Code == 2 {
			t.Fatalf("exit %d, want helm upgrade's failure\n%s", r.Code, r)
		}
		wantIn(t, "stderr", r.Stderr, "helm upgrade failed (exit "+itoa(r.Code)+") after the review passed", "field is immutable")
		wantHistory(t, h, ns, "shop", 2, "failed") // helm's failed revision
	})
}

// --plan reviews and never upgrades; --approve refuses without a terminal.
func TestPlanAndApproveWithoutTerminal(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		r := safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.image=nginx:1.27", "--plan")
		wantExit(t, r, 0)
		wantIn(t, "report", r.Stdout, "nginx:1.25 -> nginx:1.27")
		r = safediff(t, h, ns, "upgrade", "shop", c, "--set", "web.selectorTrack=canary", "--plan")
		wantExit(t, r, 2)
		r = h.Run([]byte("y\n"), nil, "safediff", "upgrade", "shop", c, "--set", "web.serviceType=NodePort", "--approve", "-n", ns)
		wantExit(t, r, 2)
		wantIn(t, "stderr", r.Stderr, "--approve needs a terminal")
		wantHistory(t, h, ns, "shop", 1, "deployed")
	})
}

// --approve asks on a terminal: "n" keeps the release, "y" upgrades.
func TestApproveOnTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		// the suite installs it (scripts/e2e/install-dataplane.sh); when the
		// suite is required, a missing tool is a failure, never a skip
		if testenv.Required() {
			t.Fatal("script(1) is missing (Debian: bsdutils); it gives the command a terminal to answer --approve on")
		}
		t.Skip("needs script(1) (Debian: bsdutils) to give the command a terminal")
	}
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop")
		c := chart(t, "1.0.0")
		cmdline := shellQuote(h.Bin, "safediff", "upgrade", "shop", c, "--set", "web.serviceType=NodePort", "--approve", "--no-color", "-n", ns)
		script := *h.Helm // helm's environment, script(1) as the binary
		script.Bin = "script"
		answer := func(a string) (string, int) {
			r := script.Run([]byte(a+"\n"), nil, "-q", "-e", "-c", cmdline, "/dev/null")
			return r.Stdout, r.Code
		}
		out, code := answer("n")
		if code != 2 {
			t.Fatalf("answered n: exit %d, want 2\n%s", code, out)
		}
		wantIn(t, "terminal", out, "Upgrade shop anyway? [y/N]", "not approved")
		wantHistory(t, h, ns, "shop", 1, "deployed")
		out, code = answer("y")
		if code != 0 {
			t.Fatalf("answered y: exit %d, want 0\n%s", code, out)
		}
		wantHistory(t, h, ns, "shop", 2, "deployed")
	})
}

func shellQuote(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// A new chart version that only changes its defaults, upgraded without a
// values flag: helm upgrade renders the new chart's defaults and the
// values the user gave the release before. helm diff rendered the
// release's computed values, the old chart's defaults included: "no
// changes", and the upgrade deleted the StatefulSet.
func TestChartDefaultsAsHelmUpgrades(t *testing.T) {
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		install(t, h, ns, "shop", "--set", "config.greeting=hi")
		c := chart(t, "1.1.0")
		values := filepath.Join(c, "values.yaml")
		data, err := os.ReadFile(values)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(data), "db:\n  enabled: true\n", "db:\n  enabled: false\n", 1)
		s = strings.Replace(s, "  image: nginx:1.25\n", "  image: nginx:1.27\n", 1)
		if s == string(data) || !strings.Contains(s, "enabled: false") || !strings.Contains(s, "nginx:1.27") {
			t.Fatal("values.yaml: no defaults to change")
		}
		if err := os.WriteFile(values, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		empty := filepath.Join(t.TempDir(), "empty.yaml")
		if err := os.WriteFile(empty, []byte("# nothing here\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// a values file that holds nothing gives no values either
		for _, args := range [][]string{{"upgrade", "shop", c}, {"upgrade", "shop", c, "-f", empty}} {
			r := safediff(t, h, ns, args...)
			wantExit(t, r, 2)
			wantIn(t, "report", r.Stdout, "StatefulSet.apps/"+ns+"/shop-db", "destroyed", "nginx:1.25 -> nginx:1.27")
			if strings.Contains(r.Stdout, "greeting") {
				t.Errorf("the user's value of the release (greeting: hi) is not kept:\n%s", r.Stdout)
			}
		}
		wantHistory(t, h, ns, "shop", 1, "deployed")
	})
}
