// Package kube holds the Kubernetes vocabulary that every stage of
// safediff's pipeline shares:
//
//	diffparse.Parse → classify.Classify (with a rules.Set) → report.Writer
//
// diffparse builds object references and field paths from helm-diff
// output, rules compiles path patterns, classify matches them and asks the
// schema where an elided change could be, and report prints references and
// paths in the syntax defined here. The package has no dependency on any of
// those stages.
//
// # References
//
// An [ObjectRef] names an object by group, kind, namespace and name; the
// version is carried but is not part of its identity ([ObjectRef.ID]).
// [ObjectRef.String] prints Kind[.group]/[namespace/]name, for example
// Deployment.apps/prod/api, and [ParseObjectRef] reads it back.
//
// # Paths
//
// A [Path] is a slice of typed steps from the object root: [Field],
// [Index], and [Key] for an item of a name-keyed list
// (containers[name=web]). When the diff does not show where a change is,
// the path says so with three more steps: a leading [Gap] ("...", elided
// ancestors), [AnyItem] ("[?]", an unidentified list item) and [AnyField]
// ("?", an unknown mapping key). [Path.String] prints one canonical syntax
// and [ParsePath] reads it back.
//
// # Patterns
//
// A [Pattern] is a path with wildcards (*, **, [*], and globs inside names
// and key values), as written in rule files. [Pattern.Match] answers [Yes],
// [Maybe] or [No]: a path with unknown steps stands for many paths, and
// Maybe says the pattern matches some of them but not all.
//
// # Schema
//
// [SchemaFor] returns the schema of a built-in kind, generated (go
// generate; a test checks it is current) from the Go types of
// k8s.io/api: the json field names, map and list shapes, and the
// patchMergeKey that identifies the items of a list, the type of value a
// scalar takes ([Leaf]) and what the API server validates of it beyond
// that ([Check]: int32 range, ranges, enumerations, name syntax; and
// [Type.Unique] for a list whose items' keys must differ).
// diffparse uses the merge keys to address list items; classify uses
// [Type.Candidates] to list every place an elided path can stand for,
// bounded by the column at which the diff shows it.
//
// # Values
//
// [Sensitive] says which values must never be shown (Secret data,
// last-applied-configuration, credential-named variables and keys), and
// [Plausible] says whether a value is valid where it stands as the API
// server validates it (a label map cannot hold "example/app:1.2"): a
// value that is not one is refused, and helm upgrade fails.
package kube
