package kube_test

import (
	"fmt"

	"github.com/safediff/safediff/pkg/kube"
)

func ExampleParsePath() {
	p, err := kube.ParsePath(`spec.template.spec.containers[name=web].env[name="A B"].value`)
	if err != nil {
		panic(err)
	}
	for _, s := range p {
		fmt.Printf("%#v\n", s)
	}
	_, err = kube.ParsePath("spec..replicas")
	fmt.Println(err)
	// Output:
	// "spec"
	// "template"
	// "spec"
	// "containers"
	// kube.Key{Field:"name", Value:"web"}
	// "env"
	// kube.Key{Field:"name", Value:"A B"}
	// "value"
	// bad path "spec..replicas" at offset 5: empty field name
}

func ExamplePath_String() {
	paths := []kube.Path{
		{kube.Field("spec"), kube.Field("replicas")},
		{kube.Field("metadata"), kube.Field("labels"), kube.Field("helm.sh/chart")},
		{kube.Field("spec"), kube.Field("containers"), kube.Key{Field: "name", Value: "web"}, kube.Field("args"), kube.Index(0)},
		{kube.Gap{}, kube.Field("containers"), kube.AnyItem{}, kube.Field("image")},
		{kube.Field("metadata"), kube.Field("annotations"), kube.AnyField{}},
		{},
	}
	for _, p := range paths {
		fmt.Printf("%q\n", p.String())
	}
	// Output:
	// "spec.replicas"
	// "metadata.labels[\"helm.sh/chart\"]"
	// "spec.containers[name=web].args[0]"
	// "...containers[?].image"
	// "metadata.annotations.?"
	// ""
}

func ExamplePattern_Match() {
	pattern := kube.MustParsePattern("spec.template.**")
	for _, s := range []string{
		"spec.template.spec.containers[name=web].image", // inside the template
		"...containers[?].image",                        // the gap may or may not hide spec.template
		"spec.replicas",                                 // outside
	} {
		p, err := kube.ParsePath(s)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-46s %v\n", s, pattern.Match(p))
	}
	// Output:
	// spec.template.spec.containers[name=web].image  yes
	// ...containers[?].image                         maybe
	// spec.replicas                                  no
}

func ExampleParseObjectRef() {
	r, err := kube.ParseObjectRef("Deployment.apps/prod/api")
	if err != nil {
		panic(err)
	}
	fmt.Printf("group=%q kind=%q namespace=%q name=%q\n", r.Group, r.Kind, r.Namespace, r.Name)
	fmt.Println(r.Display())
	r.Version = "v1"
	fmt.Println(r.APIVersion(), r)

	_, err = kube.ParseObjectRef("Deployment.apps//api")
	fmt.Println(err)
	// Output:
	// group="apps" kind="Deployment" namespace="prod" name="api"
	// Deployment prod/api
	// apps/v1 Deployment.apps/prod/api
	// object reference "Deployment.apps//api": empty namespace (omit it for cluster-scoped objects)
}

func ExampleType_Candidates() {
	deployment := kube.SchemaFor("apps", "v1", "Deployment")
	// A label line whose ancestors were elided from the diff, shown at
	// column 4: it cannot be nested deeper than the pod template.
	p, err := kube.ParsePath("...labels.app")
	if err != nil {
		panic(err)
	}
	for _, c := range deployment.Candidates(p, kube.ScalarShape, 4) {
		fmt.Println(c)
	}
	// Output:
	// metadata.labels.app
	// spec.template.metadata.labels.app
}

func ExampleSensitive() {
	for _, s := range []string{"data.password", "metadata.name", "...password"} {
		fmt.Println(s, kube.Sensitive("", "Secret", mustParse(s)))
	}
	env := mustParse("spec.template.spec.containers[name=app].env[name=DB_PASSWORD].value")
	fmt.Println("DB_PASSWORD", kube.Sensitive("apps", "Deployment", env))
	// Output:
	// data.password true
	// metadata.name false
	// ...password true
	// DB_PASSWORD true
}

func ExampleGlob() {
	fmt.Println(kube.Glob("checksum/*", "checksum/config"))
	fmt.Println(kube.Glob("helm.sh/*", "app.kubernetes.io/name"))
	fmt.Println(kube.Glob("app-?", "app-1"))
	// Output:
	// true
	// false
	// true
}

func mustParse(s string) kube.Path {
	p, err := kube.ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}
