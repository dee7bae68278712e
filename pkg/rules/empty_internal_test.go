package rules

import "testing"

// TestEmptyTree: what the API server holds as a field left out is an empty
// flow mapping or list, however it is written; nothing else is, and text
// without a flow collection or a tag is never read.
func TestEmptyTree(t *testing.T) {
	for _, tc := range []struct {
		text        string
		list, empty bool
	}{
		{"{}", false, true},
		{"[]", true, true},
		{"{ }  # none", false, true},
		{"[\n]", true, true},
		{"!!map {}", false, true},
		{"!!seq []", true, true},
		{"{a: 1}", false, false},
		{"[1]", true, false},
		{"a: 1", false, false},
		{"- 1", false, false},
		{"name: V1\nvalue: \"1\"", false, false},
		{"# only a comment", false, false},
		{"'{}'", false, false},    // a string
		{"*anchor", false, false}, // an alias of nothing here
	} {
		list, empty := emptyTree(tc.text)
		if empty != tc.empty || (empty && list != tc.list) {
			t.Errorf("emptyTree(%q) = %v, %v; want %v, %v", tc.text, list, empty, tc.list, tc.empty)
		}
	}
}
