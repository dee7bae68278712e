// Package layers holds the test that keeps the library's imports running
// one way, lowest layer first:
//
//	diag → kubeapi → kube → manifest → diffparse → rules → classify → gate → cluster → report → review → plan → helmrun → migrate
//
// A package imports only packages of lower layers; classify imports no
// YAML library and defines no exit codes (verdicts and exit codes are
// gate's).
package layers
