package migrate

import (
	"strings"
	"testing"
)

// TestCompareSequences: a sequence's value on the target may be ahead of
// the source's (a sequence logs values before it hands them out), never
// behind; an unlogged sequence the source has used is not replicated, and
// the target would hand its values out again.
func TestCompareSequences(t *testing.T) {
	seq := func(last int64, called, unlogged bool) tableDigest {
		return tableDigest{seq: true, last: last, called: called, unlogged: unlogged}
	}
	for _, tc := range []struct {
		name     string
		src, dst map[string]tableDigest
		want     string // a part of the one difference; "" for none
	}{
		{"equal", map[string]tableDigest{"db.s.a": seq(5, true, false)}, map[string]tableDigest{"db.s.a": seq(5, true, false)}, ""},
		{"target ahead, as logged", map[string]tableDigest{"db.s.a": seq(5, true, false)}, map[string]tableDigest{"db.s.a": seq(37, true, false)}, ""},
		{"target behind", map[string]tableDigest{"db.s.a": seq(40, true, false)}, map[string]tableDigest{"db.s.a": seq(37, true, false)}, "a sequence at 40 on the source, behind it on the target (37)"},
		{"used on the source only", map[string]tableDigest{"db.s.a": seq(1, true, false)}, map[string]tableDigest{"db.s.a": seq(1, false, false)}, "behind it on the target"},
		{"never used", map[string]tableDigest{"db.s.a": seq(1, false, false)}, map[string]tableDigest{"db.s.a": seq(1, false, false)}, ""},
		{"missing on the target", map[string]tableDigest{"db.s.a": seq(1, false, false)}, map[string]tableDigest{}, "a sequence at 1 on the source, missing on the target"},
		{"missing on the source", map[string]tableDigest{}, map[string]tableDigest{"db.s.a": seq(3, true, false)}, "a sequence at 3 on the target, missing on the source"},
		{"unlogged, used", map[string]tableDigest{"db.s.a": seq(9, true, true)}, map[string]tableDigest{"db.s.a": seq(0, false, true)}, "UNLOGGED sequence at 9"},
		{"unlogged, never used", map[string]tableDigest{"db.s.a": seq(1, false, true)}, map[string]tableDigest{"db.s.a": seq(0, false, true)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diffs := compareDigests(tc.src, tc.dst)
			switch {
			case tc.want == "" && len(diffs) > 0:
				t.Errorf("differences %q, want none", diffs)
			case tc.want != "" && (len(diffs) != 1 || !strings.Contains(diffs[0], tc.want)):
				t.Errorf("differences %q, want one saying %q", diffs, tc.want)
			}
		})
	}
}

// TestRedisComparable: a hash's fields and values are joined so that a NUL
// inside one cannot move the boundary, and a HyperLogLog compares by its
// registers, not the count a PFCOUNT on one server cached.
func TestRedisComparable(t *testing.T) {
	if lengthPrefixed("a\x00b", "c") == lengthPrefixed("a", "b\x00c") {
		t.Errorf(`{"a\x00b": "c"} and {"a": "b\x00c"} compare equal`)
	}
	hll := func(card, regs string) string { return "HYLL\x01\x00\x00\x00" + card + regs }
	if hllComparable(hll("\x05\x00\x00\x00\x00\x00\x00\x00", "regs")) != hllComparable(hll("\x00\x00\x00\x00\x00\x00\x00\x80", "regs")) {
		t.Errorf("a HyperLogLog whose cached count was refreshed differs")
	}
	if hllComparable(hll("12345678", "regs")) == hllComparable(hll("12345678", "regz")) {
		t.Errorf("HyperLogLogs of other registers compare equal")
	}
	if s := "HYLL-not-a-header-at-all"; hllComparable(s) != s {
		t.Errorf("a string that is no HyperLogLog was changed: %q", hllComparable(s))
	}
}
