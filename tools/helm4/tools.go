//go:build tools

// Package tools pins the helm v4 CLI (helm.sh/helm/v4) used by the end-to-end
// tests, beside helm v3 (tools/helm). It is built by scripts/e2e/build-tools.sh;
// the build tag keeps it out of every ordinary build.
package tools

import (
	_ "helm.sh/helm/v4/cmd/helm"
)
