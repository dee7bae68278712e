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
	var second yaml.Node
	err := dec.Decode(&second)
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return &Error{Origin: origin, Msg: "holds a second YAML document, which is not valid YAML: " + err.Error() + " (the file is one document: remove the \"---\" line)"}
	}
	line := second.Line
	if second.Kind == yaml.DocumentNode && len(second.Content) > 0 {
		line = second.Content[0].Line
	}
	return &Error{Origin: origin, Line: line, Msg: "a second YAML document begins here: the file is one document, and the YAML reader would drop everything after its first (remove the \"---\" line)"}
}
