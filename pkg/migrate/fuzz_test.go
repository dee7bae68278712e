package migrate

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse: any input ends, without a panic, in a migration or in
// problems that each name a place in the file; aliases cannot make a small
// file expensive.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/postgres.yaml", "testdata/redis.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("version: 1\nclients: &a\n  - pause: *a\n"))
	f.Add([]byte("a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nclients: [{pause: *b}]\n"))
	f.Add([]byte("{source: [1, {x: y}], target: !!binary aGk=, endpoint: ~}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data, "f.yaml")
		if err == nil {
			if m == nil || m.Version != 1 || m.Name == "" {
				t.Fatalf("accepted a file without a version or name: %+v", m)
			}
			return
		}
		if !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Fatalf("a problem that does not name the file: %v", err)
		}
	})
}

// TestAliasBomb: a few aliases of a long list are refused quickly.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nx: &l [" + strings.Repeat("a, ", 999) + "a]\nclients:\n")
	for range 2000 {
		b.WriteString("  - {name: c, pause: *l, resume: *l}\n")
	}
	_, err := Parse([]byte(b.String()), "bomb.yaml")
	if err == nil {
		t.Fatal("accepted")
	}
	found := false
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		found = found || strings.Contains(e.Error(), "more than 100000 values")
	}
	if !found {
		t.Errorf("the bomb is not named: %v", err)
	}
}
