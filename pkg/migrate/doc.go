// Package migrate moves a stateful component (Postgres, Redis) from one
// Kubernetes cluster to another with a bundled runbook: replicate, then
// fail over, with every Helm step reviewed before it runs.
//
// A migration file ([Load]) names the source and the target (kube context,
// namespace, release, chart, values, and the address of the data plane),
// the release of the name clients use (re-pointed at cut-over), the
// clients to pause, and the limits. [Runbook] turns it into a fixed
// sequence of typed [Step]s:
//
//	prepare-source       helm     replication settings; configuration only, no restart
//	apply-source-config  action   reload / CONFIG SET on the running source (postgres: role and slot too)
//	install-target       helm     the target, as a replica of the source
//	wait-replica         wait     streaming, lag within thresholds.maxLag
//	pause-clients        pause    asks first; releases scaled to 0, or commands
//	fence-source         fence    the source refuses writes; client sessions end
//	wait-caught-up       wait     the target has every write; else roll back
//	promote-target       promote  asks first; no abort after this
//	verify-data          verify   the target's data equals the fenced source's
//	detach-target        helm     the target stands alone; configuration only
//	release-source       action   postgres: drop the replication slot
//	repoint              repoint  the clients' name points at the target
//	resume-clients       resume
//	verify               verify   target writable primary, source fenced, name re-pointed
//
// Each helm step is planned with helm diff (package helmrun), classified
// with the same rules as safediff review, and checked against the step's
// [Expectation]s: which kinds may change, how, where, and up to which
// level. Anything beyond them is a [HeldError] before the upgrade.
//
// A [Runner] runs the pending steps and records each finished one in a
// [State] file (written atomically, under a lock), so a run killed between
// or within steps resumes where it stopped: every step can run again
// without harm (a release already upgraded has an empty plan; fencing a
// fenced source changes nothing). When the target does not catch up
// within the catch-up timeout, the cut-over is rolled back
// ([RolledBackError]). [Runner.Abort] returns an unpromoted migration to
// its start; [Runner.DeleteSource] uninstalls the source after the
// migration, behind a destructive review and explicit approval.
//
// The data-plane actions of a component sit behind one interface, so a
// Postgres variant such as a Stolon standby cluster (initialised as a
// standby, promoted with stolonctl) is another set of actions for the same
// steps. This package has side effects; nothing on the review path
// imports it.
package migrate
