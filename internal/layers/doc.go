// Package layers holds the test that keeps the library's imports running
// one way, lowest layer first:
//
//	diag → kube → diffparse → rules → classify → gate → report → review → helmrun → migrate
//
// A package imports only packages of lower layers; classify imports no
// YAML library and defines no exit codes (verdicts and exit codes are
// gate's).
package layers
