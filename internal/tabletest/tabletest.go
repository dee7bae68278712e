// Package tabletest checks the tables of table tests: every case has a
// name of its own and says why it is there.
package tabletest

import "testing"

// Names remembers the case names of one table.
type Names map[string]bool

// Check fails the test unless the case gives a reason and its name is new
// to the table.
func (n Names) Check(t testing.TB, name, reason string) {
	t.Helper()
	if reason == "" || n[name] {
		t.Fatalf("case %q: every case needs a unique name and a reason", name)
	}
	n[name] = true
}
