// Package migrate moves a stateful component (Postgres, Redis) from one
// Kubernetes cluster to another with a bundled runbook: replicate, then
// fail over, with every Helm step reviewed before it runs.
//
// A migration file ([Load], [Validate]; docs/migration-format.md) names
// the source and the target (kube context, namespace, release, chart,
// values, and the addresses of the data plane), their [Topology], the
// release of the name clients use (re-pointed at cut-over), the clients to
// pause, and the limits. Every problem of a file is reported at once, at
// its line and column. [Runbook] turns it into a fixed sequence of typed
// [Step]s. A single server (topology single):
//
//	prepare-source       helm     replication and fence settings; configuration only, no restart
//	apply-source-config  action   reload / CONFIG SET on the running source (postgres: roles and slot too)
//	install-target       helm     the target, as a replica of the source
//	wait-replica         wait     streaming, lag within thresholds.maxLag
//	pause-clients        pause    asks first; releases scaled to 0, or commands; waits until the source sees no client
//	fence-source         fence    the source refuses every write, no client session remains (redis: + helm)
//	wait-caught-up       wait     the target's position reaches the fence; else roll back
//	compare-data         verify   the content of the fenced source and the target is equal; else roll back
//	promote-target       promote  asks first; no abort after this
//	verify-data          verify   the counts again, after the promotion
//	detach-target        helm     the target stands alone; configuration only
//	release-source       action   postgres: drop the replication slot
//	repoint              repoint  the clients' name points at the target
//	resume-clients       resume
//	verify               verify   target writable primary, source fenced, name re-pointed
//
// The highly available topologies keep that sequence and the guarantees
// of its steps, with their members:
//
//   - replicated (Postgres, a primary with streaming replicas): the target
//     is a standby cluster, a standby leader streaming from the source's
//     primary with replicas cascading from it. The fence also ends the
//     client sessions of the source's replicas (the grants that refuse
//     every role reach them through the WAL); caught up means the leader
//     and every target replica have replayed the fence; after the
//     promotion check-replicas waits until each target replica streams on
//     the new timeline, and shows its lag. The source's replicas go with
//     the source's release.
//   - sentinel (Redis, a master with replicas and Sentinels): the target's
//     servers are installed not promotable, so that no Sentinel of the
//     source promotes them; the fence makes every Sentinel of the source
//     forget its master (one that still watched it would turn the
//     promoted target back into its replica) and fences the source's
//     replicas too; start-sentinels creates the target's Sentinels only
//     after the promotion; the endpoint re-points Sentinel-aware clients
//     to them.
//   - cluster (Redis Cluster): the target's nodes join the source's cluster
//     as replicas of its shards (join-target, which needs the cluster bus
//     to reach between the two sides; no target node moves to another
//     shard by replica migration until verify), then each shard switches over on
//     its own, in four steps (fence-shard-N, wait-caught-up-shard-N,
//     compare-data-shard-N, failover-shard-N, with CLUSTER FAILOVER), one
//     shard at a time, with the slot coverage checked in every node's view
//     before and after; clients are not paused, they follow MOVED. Then
//     forget-source and remove-source take the source's nodes out.
//
// Each helm step is planned with helm diff (package helmrun), classified
// with the same rules as safediff review, and checked against the step's
// [Expectation]s: which kinds may change, how, where, and up to which
// level. Anything beyond them is a [HeldError] before the upgrade.
//
// A [Runner] runs the pending steps and records each finished one in a
// [State] file (written atomically), so a run killed between or within
// steps resumes where it stopped: every step can run again without harm.
// A run holds the migration's lock, a coordination.k8s.io Lease in the
// source's and the target's namespaces (through package kubeapi), renewed
// for the whole run: a second runner anywhere gets a [LockedError]. A
// cut-over whose clients do not go away, whose target does not catch up,
// or whose content differs is rolled back before the promotion
// ([RolledBackError]). [Runner.Abort] returns an unpromoted migration to
// its start; [Runner.DeleteSource] uninstalls the source after the
// migration, behind a destructive review and explicit approval; both ask
// the servers where the migration stands, not only the state file.
//
// The fences are described at pgEngine, redisEngine and clusterEngine,
// and in the README.
//
// The data-plane actions of a component sit behind one interface, so a
// Postgres variant such as a Stolon standby cluster (initialised as a
// standby, promoted with stolonctl) is another set of actions for the same
// steps. This package has side effects; nothing on the review path
// imports it.
package migrate
