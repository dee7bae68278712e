//go:build tools

// Package tools pins the helm-diff plugin (github.com/databus23/helm-diff/v3)
// used by the end-to-end tests. It is built by scripts/e2e/build-tools.sh into
// the helm plugin directory; nothing here is compiled by accident because of
// the build tag.
package tools

import (
	_ "github.com/databus23/helm-diff/v3"
)
