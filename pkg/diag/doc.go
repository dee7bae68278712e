// Package diag is safediff's one error type: a problem at a place in an
// input (a line of a diff, a rule of a rules file, a field of a migration
// file), and a list of them, so that every reader can report all it found
// at once, each where it is.
//
// Every package that reads input returns its problems as a [List] (or a
// single [*Error]); the command line prints each on its own line. Messages
// never quote the body of a Kubernetes object, which may hold Secret data.
package diag
