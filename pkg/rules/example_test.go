package rules_test

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

func ExampleParse() {
	file := []byte(`version: 1
rules:
  - id: rollme-annotation
    description: Our chart sets a random rollme annotation on every upgrade; the restart is expected.
    match:
      kinds: [Deployment]
      paths: ['spec.template.metadata.annotations.rollme']
    level: safe
    reason: expected roll-out on every upgrade
`)
	f, err := rules.Parse(file, "team.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := f.Rules[0]
	fmt.Println(r.ID, r.Level, r.Match.Paths[0])
	// Output:
	// rollme-annotation safe spec.template.metadata.annotations.rollme
}

func ExampleParse_error() {
	_, err := rules.Parse([]byte("version: 1\nrules:\n  - id: x\n    description: d\n    reason: r\n    level: risky\n"), "team.yaml")
	fmt.Println(err)
	// Output:
	// team.yaml: rules[0] (id=x): unknown level "risky" (want one of ignored, safe, restart, disruptive, destructive)
}

// Build a rule in Go and layer it over the default rules: NewSet (and
// With) check it as Parse checks a file, and the new set decides with it
// while the default set stays as it was.
func ExampleSet_With() {
	defaults, err := rules.Parse(safediff.DefaultRules(), safediff.DefaultRulesOrigin)
	if err != nil {
		fmt.Println(err)
		return
	}
	base, _ := rules.NewSet(defaults)
	rollme := &rules.Rule{
		ID:          "rollme-annotation",
		Description: "Our chart sets a random rollme annotation on every upgrade.",
		Reason:      "expected roll-out on every upgrade",
		Level:       rules.Safe,
		Match: rules.Match{
			Groups: []string{"apps"},
			Kinds:  []string{"Deployment"},
			Paths:  []kube.Pattern{kube.MustParsePattern("spec.template.metadata.annotations.rollme")},
		},
	}
	set, err := base.With(&rules.File{Origin: "team.go", Rules: []*rules.Rule{rollme}})
	if err != nil {
		fmt.Println(err)
		return
	}
	web := &diffparse.Object{
		Ref:    kube.ObjectRef{Group: "apps", Kind: "Deployment", Namespace: "prod", Name: "web"},
		Action: diffparse.Update,
	}
	path := kube.Path{kube.Field("spec"), kube.Field("template"), kube.Field("metadata"), kube.Field("annotations"), kube.Field("rollme")}
	ch := &diffparse.Change{Path: path, Op: diffparse.Modify}
	// the object shows no replicas: the defaults count them at their worst
	for _, s := range []*rules.Set{base, set} {
		d := s.Select(web).Decide(ch, ch.Op, path)
		fmt.Println(d.Level, d.Rule)
	}

	// a rule that Parse would refuse is refused in Go too
	_, err = base.With(&rules.File{Origin: "team.go", Rules: []*rules.Rule{{ID: "Bad ID!", Replace: true}}})
	fmt.Println(err != nil)
	// Output:
	// disruptive restart-single-replica
	// safe rollme-annotation
	// true
}

func ExampleReadHook() {
	// a Job that helm runs before each upgrade: the diff shows both sides
	// whole, so the parser reads its annotations as facts
	diff := `default, migrate, Job (batch) has changed:
  apiVersion: batch/v1
  kind: Job
  metadata:
    name: migrate
    annotations:
      helm.sh/hook: pre-install,pre-upgrade
      helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
  spec:
    template:
      spec:
        restartPolicy: Never
        containers:
          - name: migrate
-           image: app:1
+           image: app:2
`
	defaults, _ := rules.Parse(safediff.DefaultRules(), safediff.DefaultRulesOrigin)
	set, _ := rules.NewSet(defaults)
	plan, err := diffparse.Parse(strings.NewReader(diff), diffparse.Options{Facts: set.FactPaths()})
	if err != nil {
		fmt.Println(err)
		return
	}
	job := plan.Objects[0]
	fmt.Println(rules.ReadHook(job).Mode == rules.HookRecreated)
	// the template is immutable in place, but helm creates the Job anew
	ch := &job.Changes[0]
	d := set.Select(job).Decide(ch, ch.Op, ch.Path)
	fmt.Println(d.Level, d.Rule)
	// Output:
	// true
	// safe helm-hook
}
