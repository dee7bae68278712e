package tabletest

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that records Fatalf instead of stopping.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, caseName, reason string
		fails                  bool
	}{
		{"first case", "a", "why a", false},
		{"another name", "b", "why b", false},
		{"a name used before", "a", "why again", true},
		{"no reason", "c", "", true},
	}
	names := Names{}
	for _, tc := range tests {
		r := &recorder{TB: t}
		names.Check(r, tc.caseName, tc.reason)
		if got := r.failed != ""; got != tc.fails {
			t.Errorf("%s: failed %v (%q), want %v", tc.name, got, r.failed, tc.fails)
		}
	}
}
