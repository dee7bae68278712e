package plan_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safediff/safediff/pkg/plan"
)

// FuzzDecode: any file is read without a crash, and a plan that is read
// writes back to the same plan.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"kind":"SafediffPlan","version":1}`))
	f.Add([]byte(`{"kind":"SafediffPlan","version":1,"created":"2026-01-01T00:00:00Z","release":{"name":"a","namespace":"b","revision":1},` +
		`"helm":{"version":"v3","diffVersion":"3","args":[{"value":"a"},{"value":"c"},{"withheld":true,"flag":"--set"}]},` +
		`"chart":{"name":"c","version":"1"},"digests":{"algorithm":"pbkdf2-hmac-sha256","iterations":600000,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","chart":"x","values":"y","manifests":"z"},` +
		`"rules":{"digest":"sha256:00"},"failOn":[],"clusterConfirmed":false,"accepted":[],"verdict":{"tripped":false,"exitCode":0,"highest":"safe","offending":[]},` +
		`"review":{"schemaVersion":1,"input":{"format":"diff","noChanges":true},"summary":{"highest":"ignored","objects":0,"actions":{},"levels":{}},"notes":[],"objects":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := plan.Decode(data, "plan.json")
		if err != nil {
			return
		}
		again, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		q, err := plan.Decode(again, "plan.json")
		if err != nil {
			t.Fatalf("a plan that was read does not read back: %v\n%s", err, again)
		}
		if diff := cmp.Diff(p, q); diff != "" {
			t.Fatalf("round trip (-first +again)\n%s", diff)
		}
	})
}
