package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// TestNullIsAChange: a chart's new version that writes out a null where
// the old one left the field out (what toYaml of an unset value renders)
// is not the field left out to helm. A null in a Service's selector is
// stored as "" by helm 4's server-side apply (the Service selects no
// pods; helm 3's patch deletes the key, which is not there); a Job's
// completions set to null is cleared by both helms' upgrades, and the
// server, which defaulted it with parallelism at creation, refuses the
// change of an immutable field. The review trips on both; a decision
// that took a null as the field left out passed them.
func TestNullIsAChange(t *testing.T) {
	const service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports: [{port: 80}]\n"
	const job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: \"busybox:1\"}]\n"
	eachHelm(t, func(t *testing.T, h helmUnderTest, ns string) {
		// the Service
		v1 := writeChart(t, "nul", map[string]string{"svc.yaml": service})
		v2 := writeChart(t, "nul", map[string]string{"svc.yaml": strings.Replace(service, "    app: web\n", "    app: web\n    tier: ~\n", 1)})
		h.MustRun(t, "install", "nul", v1, "-n", ns, "--create-namespace")
		r := safediff(t, h, ns, "upgrade", "nul", v2)
		wantExit(t, r, 2)
		wantIn(t, "review", r.Stdout, "+ spec.selector.tier: ~", "[service-routing")
		wantHistory(t, h, ns, "nul", 1, "deployed")
		h.MustRun(t, "upgrade", "nul", v2, "-n", ns)
		var svc struct {
			Spec struct {
				Selector map[string]string `json:"selector"`
			} `json:"spec"`
		}
		if err := apiClient(t).Get(context.Background(), kubeapi.Path("", "v1", ns, "services", "web"), &svc); err != nil {
			t.Fatal(err)
		}
		tier, ok := svc.Spec.Selector["tier"]
		if h.name == "v4" && (!ok || tier != "") {
			t.Errorf("helm 4 did not store tier: \"\" in the selector: %v", svc.Spec.Selector)
		}
		if h.name != "v4" && ok {
			t.Errorf("helm %s stored tier in the selector: %v", h.name, svc.Spec.Selector)
		}

		// the Job
		j1 := writeChart(t, "job", map[string]string{"job.yaml": job})
		j2 := writeChart(t, "job", map[string]string{"job.yaml": strings.Replace(job, "spec:\n  template:", "spec:\n  completions: ~\n  template:", 1)})
		h.MustRun(t, "install", "job", j1, "-n", ns, "--no-hooks")
		r = safediff(t, h, ns, "upgrade", "job", j2)
		wantExit(t, r, 2)
		wantIn(t, "review", r.Stdout, "+ spec.completions: ~", "[job-immutable")
		u := h.Run(nil, nil, "upgrade", "job", j2, "-n", ns)
		if u.Code == 0 || !strings.Contains(u.Stderr, "field is immutable") {
			t.Errorf("helm upgrade of the Job's null completions: exit %d\n%s", u.Code, u.Stderr)
		}
	})
}
