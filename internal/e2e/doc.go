// Package e2e holds safediff's end-to-end tests of the helm plugin: real
// helm (v3.22 and v4), the real helm-diff plugin and a real kube-apiserver
// with etcd on 127.0.0.1 (see internal/testenv). Every scenario installs
// the chart in testdata/charts/shop, runs helm safediff upgrade, and checks
// the release's helm history to see whether helm upgrade ran.
//
// Run with make e2e. Without the toolchain the tests skip, unless
// SAFEDIFF_E2E_REQUIRED=1, which CI sets.
package e2e
