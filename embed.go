// Package safediff holds what the rest of the module embeds: the default
// rule set. It imports nothing, so every package can depend on it.
//
// The library is in pkg/: diffparse (helm-diff output → changes), rules
// (rule model, loading, decisions), classify (risk levels), gate (judges,
// verdicts, accept files), report (text, JSON, markdown) and review (all
// of it in one call).
package safediff

import _ "embed"

//go:embed rules.yaml
var defaultRules []byte

// DefaultRulesOrigin names the embedded rule set in messages.
const DefaultRulesOrigin = "default rules"

// DefaultRules returns the embedded default rule set (rules.yaml).
func DefaultRules() []byte { return append([]byte(nil), defaultRules...) }
