package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	anyHeader = regexp.MustCompile(`\) (has changed|has been added|has been removed|changed ownership)|^ReleaseName: |^File: `)
	dataLine  = regexp.MustCompile(`^[-+ ] {3,}["']?([A-Za-z0-9_.-]+)["']?: +["']?([^"'#]*)["']?\s*$`)
	ansi      = regexp.MustCompile("\x1b\\[[0-9;?]*[A-Za-z]")
)

// secretValues collects the values under data: or stringData: of every
// Secret in a helm-diff (or Stevedore) output, with base64 values decoded
// too. Redaction markers and short values that could occur by chance are
// left out.
func secretValues(text string) []string {
	var out []string
	if strings.HasPrefix(strings.TrimSpace(text), "[") {
		var entries []struct {
			Kind    string `json:"kind"`
			Changes []struct {
				OldValue any `json:"oldValue"`
				NewValue any `json:"newValue"`
			} `json:"changes"`
		}
		_ = json.Unmarshal([]byte(text), &entries)
		for _, e := range entries {
			if e.Kind != "Secret" {
				continue
			}
			for _, c := range e.Changes {
				for _, v := range []any{c.OldValue, c.NewValue} {
					if s, ok := v.(string); ok && len(s) >= 6 && !strings.Contains(s, "bytes)") {
						out = append(out, s)
						if dec, err := base64.StdEncoding.DecodeString(s); err == nil && len(dec) >= 5 {
							out = append(out, string(dec))
						}
					}
				}
			}
		}
		return out
	}
	inSecret, inData := false, false
	for _, l := range strings.Split(ansi.ReplaceAllString(text, ""), "\n") {
		if anyHeader.MatchString(l) {
			inSecret = strings.Contains(l, ", Secret (v1) ")
			inData = false
			continue
		}
		if !inSecret || len(l) < 2 {
			continue
		}
		content := l[2:]
		trimmed := strings.TrimSpace(content)
		if strings.HasPrefix(content, "data:") || strings.HasPrefix(content, "stringData:") {
			inData = true
			continue
		}
		if len(content) > 0 && content[0] != ' ' {
			inData = false
			continue
		}
		if !inData || trimmed == "" {
			continue
		}
		m := dataLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		v := strings.TrimSpace(m[2])
		if strings.Contains(v, "bytes)") || strings.HasPrefix(v, "REDACTED") || len(v) < 6 {
			continue
		}
		out = append(out, v)
		if dec, err := base64.StdEncoding.DecodeString(v); err == nil && len(dec) >= 5 {
			out = append(out, string(dec))
		}
	}
	return out
}

// TestNoSecretInAnyOutput reviews every sample in every output format and
// checks that no Secret value of the input (as written, or base64-decoded)
// appears in the output or the error stream.
func TestNoSecretInAnyOutput(t *testing.T) {
	var files []string
	for _, dir := range []string{"helm-diff", "stevedore", "helmfile"} {
		f, _ := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*"))
		files = append(files, f...)
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		values := secretValues(string(data))
		if len(values) == 0 {
			continue
		}
		for _, format := range []string{"text", "json", "markdown"} {
			out, errOut, _ := run(t, string(data), "review", "--no-color", "--show-ignored", "-o", format)
			for _, v := range values {
				if strings.Contains(out, v) || strings.Contains(errOut, v) {
					t.Errorf("%s (-o %s): the Secret value %q appears in the output", filepath.Base(f), format, v)
				}
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d samples with Secret values found", checked)
	}
	t.Logf("%d samples with Secret values checked", checked)
}
