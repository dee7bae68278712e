// Package plan is safediff's saved plan: a reviewed helm upgrade written
// to a file by helm safediff plan, and applied later by helm safediff apply
// only if nothing moved in between. It also holds the audit log that
// records every apply.
//
// A [Plan] records the release and its newest revision, where it was made
// (the API server), the helm and helm-diff versions, the helm arguments,
// the chart's name and version, the digests of what helm rendered (the
// chart, the values, the manifests), the rules' digest, the gate, the
// accept entries used and the review as the JSON report prints it.
//
// A plan holds no secret. The values of --set and its kin, and of
// --password, are withheld ([WithholdArgs]): apply takes them again from
// its command line ([Plan.RestoreArgs]), and the digests prove they are
// the same. The digests of what may hold secrets are PBKDF2-HMAC-SHA256
// with a salt per plan and OWASP's iteration count ([Digests]), each over
// a whole text (all the manifests, all the values), so that a plan file
// does not let its reader confirm a guessed secret cheaply.
//
// Apply gathers a [State] the way plan gathered the plan, and
// [Plan.Compare] names what moved: the revision (someone upgraded, rolled
// back or uninstalled), the chart, the values, the manifests, the rules,
// the tools, the cluster, and each object whose review differs.
// [Plan.CheckAge] refuses a plan older than --max-age.
//
// The audit log ([AuditLog]) is a file of JSON lines, one [Record] per
// apply: the plan's digest, the verdict, how the gate was passed (the gate
// itself, accept entries, a person at a terminal), who ([WhoFrom]: the
// user, the CI job), when, and helm's exit code.
package plan
