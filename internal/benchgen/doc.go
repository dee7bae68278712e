// Package benchgen generates large, realistic helm-diff inputs for
// benchmarks and load tests.
//
// [Release] writes what `helm diff upgrade` prints, with full context (the
// default), for one release of an umbrella chart whose subcharts render n
// Deployments across several namespaces. Every Deployment is a complete
// helm-create style manifest (labels and annotations, replicas, selector,
// rolling-update strategy, a pod template with one or two containers,
// image, ports, env, resources, probes, security context, volume mounts
// and volumes) and every one of them changes:
//
//   - all get a chart version bump of the helm.sh/chart label; the
//     subcharts whose pod templates carry the full label set (as helm
//     create's templates do) bump it in the pod template too;
//   - about 30% get a new image (and a new app.kubernetes.io/version
//     label), some of them in the sidecar as well;
//   - some get an env change (a value changed or a variable added) or a new
//     checksum/config annotation;
//   - the rest get only the top-level label bump.
//
// The output is byte for byte in helm-diff's format: a header line
// "<namespace>, <name>, Deployment (apps) has changed:", then every line of
// the YAML document, "# Source:" comment included, prefixed by two spaces
// (unchanged), "- " (removed) or "+ " (added), a changed block's removed
// lines before its added lines, objects in helm-diff's sorted order.
//
// The output is deterministic: the same n always gives the same bytes.
// Decisions come from a pseudo-random generator with a fixed seed.
//
// The command in cmd/gen writes the output to standard output:
//
//	go run ./internal/benchgen/cmd/gen -n 2000 > release.diff
package benchgen
