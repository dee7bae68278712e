//go:build tools

// Package tools pins kube-apiserver and etcd for the end-to-end tests. They
// are built by scripts/e2e/build-tools.sh; the build tag keeps them out of
// every ordinary build.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
