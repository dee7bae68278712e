// Package diffparse turns the text that `helm diff upgrade` prints (and
// the streams of wrappers that embed it) into structured changes: per
// object a typed reference and an action, per field a typed path from the
// object root, an operation, and the old and new values.
//
// It is the first stage of safediff's pipeline:
//
//	diffparse.Parse → classify.Classify (with a rules.Set) → report.Writer
//
// # Formats
//
// Every output format of helm-diff is read, detected automatically or
// forced with [Options.Format]: the default line diff with full context
// (-C -1) or with --context N elisions, --output simple, --output json and
// template (with the default template), and --output structured
// (helm-diff ≥ 3.15); with or without colour codes, LF or CRLF line ends.
// helm-diff's dyff output is meant for people and is refused with a clear
// error, as is anything else.
//
// # Paths
//
// The line diff carries no paths, so the YAML structure of both sides of
// each object is rebuilt from indentation. Items of name-keyed lists are
// addressed by key (containers[name=app]), using the patchMergeKey of the
// Kubernetes schema (see package kube). When --context elides the lines
// above a change, the path is rebuilt as far as the visible lines go and
// starts with a kube.Gap ("..."): classification then considers every
// place the field could be.
//
// # Failing closed
//
// Input that does not fit the grammar is an error naming its line; helm
// and helm-diff errors in the stream are errors too; and an object whose
// changes are hidden (suppressed kinds, empty after regex suppression,
// object-level formats) says so in [Object.Content], so that
// classification can assume the worst. Secret values are redacted as they
// are parsed: a [Value] of a sensitive field keeps only its size.
package diffparse
