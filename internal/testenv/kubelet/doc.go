// Package kubelet is a test double of the Kubernetes node agent: it runs
// the pods of StatefulSets and Deployments stored in test API servers as
// local processes, so that tests of the bundled charts (and of safediff
// migrate) have a real data plane — postgres and redis-server processes on
// 127.0.0.x — that follows whatever helm installed.
//
// It stands in for the kubelet only. The API servers are real
// (scripts/e2e/up.sh); no controller runs, so the double reads the
// workloads themselves, as the StatefulSet and Deployment controllers
// would, and starts their pods. Nothing is written back to the API: there
// are no Pod objects, no status and no events.
//
// What it supports, polling every [Config.Poll] over HTTPS with a bearer
// token, in all namespaces:
//
//   - apps/v1 StatefulSets of any spec.replicas N (pods <name>-0 …
//     <name>-(N-1), all started at once, as podManagementPolicy Parallel
//     does; scaling down stops the pods of the highest ordinals), and
//     Deployments with spec.replicas ≤ 1 (pod <name>-local; more replicas
//     are logged as unsupported and only the one pod runs). Replicas 0, a
//     deletion timestamp or deletion stop the pods.
//   - A change of the pod template (a hash of its JSON) replaces the pod,
//     as a rolling update does (updateStrategy is not read); the
//     restarts are counted in [PodStatus].
//   - Init containers in order, then exactly one container, restarted with
//     back-off (1 s doubling to 10 s) whenever it exits, as with
//     restartPolicy Always. command is required (images are not pulled, so
//     there is no image entrypoint); command and args get $(VAR) expansion
//     from the container's environment.
//   - env with value (with $(VAR) expansion), valueFrom secretKeyRef and
//     configMapKeyRef (honouring optional), fieldRef metadata.name,
//     metadata.namespace, status.podIP and status.podIPs; envFrom
//     configMapRef and secretRef (with prefix).
//   - Volumes: configMap and secret (one file per key, with the volume's
//     defaultMode, which the API server sets to 0644, else 0644 and 0600;
//     kept in sync on every poll and replaced atomically, so a changed
//     ConfigMap reaches a running pod without a restart), emptyDir (new for
//     each pod), and the claims of volumeClaimTemplates, in
//     <root>/<cluster>/<ns>/pvc/<claim>, which outlive the pod and the
//     StatefulSet as a retained volume does.
//   - Every volumeMount's mountPath maps to the volume's local directory.
//     Occurrences of mount paths in env values, command and args are
//     rewritten to the local directories (longest first, at path
//     boundaries), so a container that finds its files through its command
//     line and environment runs unchanged. File contents are never
//     rewritten.
//
// A pod lives in <root>/<cluster>/<ns>/pods/<pod>: its working directory,
// its volumes/ and its log (stdout and stderr of every container,
// appended). Its IP is a loopback address from [Config.PodIPs] or the next
// of 127.0.1.N; processes bind it themselves (Linux routes all of
// 127.0.0.0/8 to lo). Each container runs in its own process group, with
// only the environment it declares (plus PATH, HOME and HOSTNAME), as
// [Config.RunAs] when the test runs as root. It is stopped by its process
// group ID: SIGTERM, 10 s, SIGKILL. Nothing else on the machine is
// signalled.
//
// Not supported: images, probes, lifecycle hooks, resources, security
// contexts, ports and Services (there is no proxy and no cluster DNS),
// updateStrategy, other volume types, items of configMap and secret
// volumes, subPath, workingDir, and sidecar or multiple containers. A pod
// that uses the unsupported volume types, items, subPath or workingDir
// fails to start, with a message that says so, rather than running wrong.
package kubelet
