package diag

import (
	"bytes"
	"errors"
	"io"

	yaml "go.yaml.in/yaml/v3"
)

// OneYAMLDocument checks that data holds at most one YAML document.
// sigs.k8s.io/yaml reads the first document of a stream and drops the
// rest unread, so a file of several documents (a second one after "---")
// would lose what they hold, and their errors, without a word. The error
// names the line where the second document begins.
func OneYAMLDocument(data []byte, origin string) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first yaml.Node
	if err := dec.Decode(&first); err != nil {
		return nil // no document, or one the strict reading reports itself
	}
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return &Error{Origin: origin, Msg: "holds a second YAML document, which is not valid YAML: " + err.Error() + " (the file is one document: remove the \"---\" line)"}
		case empty(&next):
			continue // a "---" at the end, or before a comment: nothing is dropped
		}
		line := next.Line
		if next.Kind == yaml.DocumentNode && len(next.Content) > 0 {
			line = next.Content[0].Line
		}
		return &Error{Origin: origin, Line: line, Msg: "a second YAML document begins here: the file is one document, and the YAML reader would drop everything after its first (remove the \"---\" line)"}
	}
}

// empty reports whether a document holds nothing: no node, or a null
// written as nothing.
func empty(doc *yaml.Node) bool {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return doc.Kind == 0
	}
	n := doc.Content[0]
	return len(doc.Content) == 1 && n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Anchor == ""
}
