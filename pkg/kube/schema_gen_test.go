package kube_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/safediff/safediff/internal/kubeschema"
)

// TestSchemaGenCurrent: schema_gen.go, which the built-in schemas are
// built from, is what internal/kubeschema derives from the Go types of
// the k8s.io/api version in go.mod (run go generate ./pkg/kube after
// changing either).
func TestSchemaGenCurrent(t *testing.T) {
	want, err := kubeschema.Source()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("schema_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("schema_gen.go is not current: run go generate ./pkg/kube")
	}
}
