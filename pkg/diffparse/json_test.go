package diffparse_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/safediff/safediff/pkg/diffparse"
)

// TestJSONRunesCutByReads checks the UTF-8 check of a JSON stream where
// reads cut runes: a name with runes of two, three and four bytes reads
// alike whatever the read sizes, and a byte that is no UTF-8 is an error
// wherever a read ends.
func TestJSONRunesCutByReads(t *testing.T) {
	const before = 50 // entries ahead of the one tested: past what format detection reads
	entry := func(name string) string {
		var b strings.Builder
		b.WriteString("[\n")
		for i := range before {
			fmt.Fprintf(&b, `{"api": "v1", "kind": "ConfigMap", "namespace": "default", "name": "cm-%d", "change": "MODIFY"},`+"\n", i)
		}
		return b.String() + `{"api": "v1", "kind": "ConfigMap", "namespace": "default", "name": "` + name + `", "change": "MODIFY"}` + "]\n"
	}
	readers := map[string]func(string) io.Reader{
		"whole":       func(s string) io.Reader { return strings.NewReader(s) },
		"one byte":    func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"half":        func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
		"three bytes": func(s string) io.Reader { return &chunked{s: s, n: 3} },
	}
	for how, reader := range readers {
		plan, err := diffparse.Parse(reader(entry("é-€-𝄞")), diffparse.Options{})
		if err != nil || len(plan.Objects) != before+1 || plan.Objects[before].Ref.Name != "é-€-𝄞" {
			t.Errorf("%s: valid runes: %v", how, err)
		}
		for _, bad := range []string{"a\xffb", "\xe2\x82", "€\xe2\x82", "\xf0\x9d\x84", "é\xc3"} {
			_, err := diffparse.Parse(reader(entry(bad)), diffparse.Options{})
			if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
				t.Errorf("%s: %q: want a UTF-8 error, got %v", how, bad, err)
			}
		}
	}
}

// chunked reads n bytes at a time.
type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[k:]
	return k, nil
}
