//go:build tools

// Package tools pins the helm CLI (helm.sh/helm/v3) used by the end-to-end
// tests. It is built by scripts/e2e/build-tools.sh; the build tag keeps it out
// of every ordinary build.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
