package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
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
				Path     string `json:"path"`
				Field    string `json:"field"`
				OldValue any    `json:"oldValue"`
				NewValue any    `json:"newValue"`
			} `json:"changes"`
		}
		_ = json.Unmarshal([]byte(text), &entries)
		for _, e := range entries {
			if e.Kind != "Secret" {
				continue
			}
			for _, c := range e.Changes {
				if c.Path == "" && c.Field == "type" {
					continue // the Secret's type: shown where it is one (no whitespace), by design (kube.SecretValueShown)
				}
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
