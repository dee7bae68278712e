package gate_test

import (
	"strings"
	"testing"

	"github.com/safediff/safediff/pkg/gate"
)

// FuzzParseAccept: no input crashes the accept file parser, and what it
// accepts is well-formed: every entry has a reason that is not TODO, and
// names an action when it has no path.
func FuzzParseAccept(f *testing.F) {
	f.Add([]byte("version: 1\naccept:\n  - object: Deployment.apps/prod/web\n    path: spec.selector.matchLabels.track\n    new: canary\n    reason: CHG-1\n"))
	f.Add([]byte("version: 1\naccept:\n  - object: StatefulSet.apps/prod/db\n    action: delete\n    reason: moved\n"))
	f.Add([]byte("version: 1\naccept:\n  - object: Service/prod/x\n    path: 'spec.ports[name=\"a]b\"].port'\n    new: 3\n    reason: TODO later\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := gate.ParseAccept(data, "fuzz.yaml")
		if err != nil {
			return
		}
		for _, e := range file.Entries {
			first, _, _ := strings.Cut(e.Reason, " ")
			if strings.TrimSpace(e.Reason) == "" || strings.EqualFold(strings.TrimRight(first, ":.,;!"), "TODO") {
				t.Fatalf("entry %d accepted with reason %q", e.Index, e.Reason)
			}
			if e.Path == nil && e.Action == 0 {
				t.Fatalf("entry %d accepted without path or action", e.Index)
			}
		}
	})
}
