package rules

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidID: the hand-written id check accepts exactly what the
// documented expression ^[a-z0-9][a-z0-9-]{0,62}$ accepts.
func TestValidID(t *testing.T) {
	re := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	tests := []struct {
		id     string
		want   bool
		reason string
	}{
		{"restart-recreate", true, "the shape of every default id"},
		{"a", true, "one character is enough"},
		{"0-9", true, "digits may lead"},
		{"a-", true, "a trailing dash is allowed"},
		{"", false, "an id is needed"},
		{"-a", false, "a dash may not lead"},
		{"Bad_ID", false, "uppercase and underscores are not id characters"},
		{"a b", false, "no spaces"},
		{"a.b", false, "no dots"},
		{"é", false, "ASCII only"},
		{"a\n", false, "no newline, which $ alone would let through in other engines"},
		{strings.Repeat("a", 63), true, "63 characters is the most"},
		{strings.Repeat("a", 64), false, "64 is one too many"},
	}
	for _, tc := range tests {
		if got := validID(tc.id); got != tc.want {
			t.Errorf("validID(%q) = %v, want %v (%s)", tc.id, got, tc.want, tc.reason)
		}
		if re := re.MatchString(tc.id); re != tc.want {
			t.Errorf("the expression says %v for %q, the case %v (%s)", re, tc.id, tc.want, tc.reason)
		}
	}
}

// FuzzValidID: validID and the expression agree on any string.
func FuzzValidID(f *testing.F) {
	re := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	for _, s := range []string{"", "a", "-a", "a-b-c", "Bad_ID", strings.Repeat("z", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := validID(id), re.MatchString(id); got != want {
			t.Fatalf("validID(%q) = %v, the expression says %v", id, got, want)
		}
	})
}
