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
		return tableDigest{seq: true, last: last, called: called, unlogged: unlogged, increment: 1}
	}
	// a sequence that counts down (increment by -1): the target logs ahead
	// below the source's value
	down := func(last int64) tableDigest { return tableDigest{seq: true, last: last, called: true, increment: -1} }
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
		{"descending, target ahead below", map[string]tableDigest{"db.s.a": down(-8)}, map[string]tableDigest{"db.s.a": down(-40)}, ""},
		{"descending, target behind above", map[string]tableDigest{"db.s.a": down(-108)}, map[string]tableDigest{"db.s.a": down(-40)}, "a sequence at -108 on the source, behind it on the target (-40)"},
		{"increment changed", map[string]tableDigest{"db.s.a": down(-8)}, map[string]tableDigest{"db.s.a": seq(-8, true, false)}, "counting by -1 on the source, by 1 on the target"},
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

// TestCompareUnpopulatedViews: a materialized view never populated (WITH
// NO DATA) cannot be read; its state is what is compared.
func TestCompareUnpopulatedViews(t *testing.T) {
	empty, rows := tableDigest{unpopulated: true}, tableDigest{rows: 3}
	if d := compareDigests(map[string]tableDigest{"db.s.v": empty}, map[string]tableDigest{"db.s.v": empty}); len(d) > 0 {
		t.Errorf("two unpopulated views differ: %q", d)
	}
	if d := compareDigests(map[string]tableDigest{"db.s.v": empty}, map[string]tableDigest{"db.s.v": {}}); len(d) != 1 || !strings.Contains(d[0], "populated on one side only") {
		t.Errorf("an unpopulated view and a populated empty one: %q, want one difference", d)
	}
	if d := compareDigests(map[string]tableDigest{"db.s.v": rows}, map[string]tableDigest{"db.s.v": empty}); len(d) != 1 {
		t.Errorf("rows on the source, unpopulated on the target: %q, want one difference", d)
	}
}

// TestRedisComparable: a hash's fields and values are joined so that a NUL
// inside one cannot move the boundary, and a HyperLogLog compares by its
// registers, not the count a PFCOUNT on one server cached; a string that
// only starts like one is compared whole.
func TestRedisComparable(t *testing.T) {
	if lengthPrefixed("a\x00b", "c") == lengthPrefixed("a", "b\x00c") {
		t.Errorf(`{"a\x00b": "c"} and {"a": "b\x00c"} compare equal`)
	}
	// sparse registers: all zero (XZERO 16384), and one register at 1
	// (VAL 1, then XZERO 16383)
	zeros, one := "\x7f\xff", "\x80\x7f\xfe"
	hll := func(card, regs string) string { return "HYLL\x01\x00\x00\x00" + card + regs }
	if hllComparable(hll("\x05\x00\x00\x00\x00\x00\x00\x00", one)) != hllComparable(hll("\x00\x00\x00\x00\x00\x00\x00\x80", one)) {
		t.Errorf("a HyperLogLog whose cached count was refreshed differs")
	}
	if hllComparable(hll("12345678", zeros)) == hllComparable(hll("12345678", one)) {
		t.Errorf("HyperLogLogs of other registers compare equal")
	}
	dense := func(card string) string { return "HYLL\x00\x00\x00\x00" + card + strings.Repeat("\x00", 12288) }
	if hllComparable(dense("\x01\x00\x00\x00\x00\x00\x00\x00")) != hllComparable(dense("\x00\x00\x00\x00\x00\x00\x00\x80")) {
		t.Errorf("a dense HyperLogLog whose cached count was refreshed differs")
	}
	for _, s := range []string{
		"HYLL-not-a-header-at-all",
		"HYLL\x00\x00\x00\x00AAAAAAAAbalance=100",  // a dense header, but not its registers' length
		"HYLL\x01\x00\x00\x00AAAAAAAA\x7f\xfe",     // sparse opcodes one register short
		"HYLL\x01\x00\x00\x00AAAAAAAA\x7f\xff\x00", // and one over
		"HYLL\x01\x00\x00\x00AAAAAAAA\x7f",         // cut inside an opcode
	} {
		if hllComparable(s) != s {
			t.Errorf("a string that is no HyperLogLog was changed: %q", hllComparable(s))
		}
	}
}
