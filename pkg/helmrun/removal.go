package helmrun

import (
	"bytes"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// RemovalDiff renders the removal of every object of a release manifest
// (helm get manifest) as helm diff upgrade would print it had the chart
// stopped rendering them ("<ns>, <name>, <Kind> (<group>) has been
// removed:" and the body as "- " lines), so that an uninstall is reviewed
// by the same parser and rules as an upgrade. helm-diff has no preview of
// helm uninstall; this is that preview. Objects without a namespace get
// the release's, as helm installs them.
func RemovalDiff(manifest []byte, namespace string) ([]byte, error) {
	var out bytes.Buffer
	for i, doc := range splitDocuments(string(manifest)) {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			return nil, fmt.Errorf("manifest document %d: %v", i+1, err)
		}
		if head.Kind == "" && head.Metadata.Name == "" {
			continue // comments only
		}
		if head.Kind == "" || head.Metadata.Name == "" || head.APIVersion == "" {
			return nil, fmt.Errorf("manifest document %d: no apiVersion, kind or metadata.name", i+1)
		}
		ns := head.Metadata.Namespace
		if ns == "" {
			ns = namespace
		}
		group := head.APIVersion
		if g, _, ok := strings.Cut(head.APIVersion, "/"); ok {
			group = g
		}
		fmt.Fprintf(&out, "%s, %s, %s (%s) has been removed:\n", ns, head.Metadata.Name, head.Kind, group)
		for _, line := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			out.WriteString("- " + line + "\n")
		}
		out.WriteString("\n")
	}
	return out.Bytes(), nil
}

// splitDocuments splits a YAML stream at its "---" lines.
func splitDocuments(s string) []string {
	var docs []string
	var cur strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " \t\r") == "---" {
			docs = append(docs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(strings.TrimRight(line, "\r") + "\n")
	}
	return append(docs, cur.String())
}
