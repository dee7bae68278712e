package diffparse

// The tests see the reader's panics: a recovered panic would hide a bug
// the fuzz tests exist to find.
func init() { recoverPanics = false }
