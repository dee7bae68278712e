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
// # Reading documents as Kubernetes does
//
// Helm and the API server decode each document with sigs.k8s.io/yaml
// (go-yaml v2, YAML 1.1) and act on the JSON it gives, and so does this
// package. Both sides of a complete body (full context, an added or
// removed object) are whole documents: each is read by the fast reader
// when it can show that it reads the document exactly (the block style
// charts render), else by that decoder (anchors, aliases, merge keys,
// tags, multi-line quoted or flow values, folded scalars, NEL/LS/PS,
// tabs). The two sides are then compared as values: mappings by key,
// lists of merge-keyed items by key (the patchMergeKey of the Kubernetes
// schema, see package kube, or "name" for lists the schema does not know),
// a change of order as a [Reorder] change, scalars by resolved value and
// [ScalarType] (a change of spelling alone is a [Reformat]). A rename
// (two names under one helm-diff key) is a deletion and a creation.
//
// # Elided context
//
// With --context N the documents are cut and cannot be decoded. The
// changed lines are placed from indentation; when the lines above a change
// are elided, its path is rebuilt as far as the visible lines go and starts
// with a kube.Gap ("..."): classification then considers every place the
// field could be. What the visible lines do not resolve (an alias, a merge
// key, a value cut by an elision, a duplicate key) is listed in
// [Object.Unresolved]: such an object may change in any field. What the
// API server would refuse and no change's own value shows (a created
// object's fields, the insides of an added mapping or list, checked
// against the schema as the server decodes them) is listed in
// [Object.Refused]; [Refusal] is the check, shared with the rules.
//
// # Failing closed
//
// Input that does not fit the grammar is an error naming its line; so are
// helm and helm-diff errors in the stream, a stream cut mid-line or inside
// an object, a trailer that says changes were found after a stream that
// lists none, a second YAML document inside an object's body, and input
// over [Options.MaxInput] (refused as it streams in). An object whose
// changes are hidden (suppressed kinds, empty after regex suppression,
// object-level formats) says so in [Object.Content], so that
// classification can assume the worst. Secret values are redacted as they
// are parsed, by kube's policy (kube.Sensitive) applied to every field
// below a value: a [Value] of a sensitive field keeps only its size.
package diffparse
