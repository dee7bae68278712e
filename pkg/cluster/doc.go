// Package cluster confirms a review with the live API server (safediff's
// --cluster): what the offline rules cannot know.
//
// [Confirmer.Confirm] takes a classified review and the upgrade's
// [Target] (the objects helm will apply, rendered by helm, and the
// manifest of the release's newest revision) and asks the server:
//
//   - for every object the review says changes, and every object that
//     drifted, a server-side apply dry run (PATCH
//     application/apply-patch+yaml, dryRun=All) as helm's field manager.
//     When the server refuses an update, a dry-run create of the same
//     object tells why: if the server would take it new, the change itself
//     is refused ([Immutable]: an immutable field, a CRD transition rule
//     such as self == oldSelf, a webhook); otherwise the object is
//     [Rejected] as it is;
//   - for every object the review says is created, whether the server
//     has it already (found by discovery where the review knows only its
//     group and kind): helm then checks its ownership metadata, as helm's
//     existingResourceConflict does, and fails the upgrade unless it names
//     the release ([Unowned], with helm's message; an unknown release is
//     refused too); one that names it, or any under --take-ownership,
//     helm adopts and updates in place ([Adopted]);
//   - drift: the fields where the live objects differ from the last
//     revision's manifest (only what the manifest states is compared: the
//     server's defaults, status and the labels of others are not drift);
//   - blast radius: for each workload whose pods restart, its live
//     replicas and update strategy, and the PodDisruptionBudgets that
//     select its pods;
//   - when asked ([Target].Revisions: a review of a diff of a known
//     release), the release's revisions, from the labels of helm's
//     storage (never a revision's body): helm diff compares with the
//     newest revision, helm upgrade patches from the last deployed one
//     ([Revisions]).
//
// Requests are bounded in number and in time; a server that cannot be
// reached or asked is an error, never an offline answer.
//
// [Confirmation.Annotate] adds the answers to the review. It only adds:
// a refusal (an object helm cannot import among them) is a finding at
// disruptive (helm upgrade fails there), an immutable field makes the
// object a replacement even where no rule knew; a replacement the server
// accepts keeps its level and gets a note, "not confirmed by the server";
// an adoption, drift and blast radius are notes; a newest revision that
// failed or is pending (or could not be read) is a finding of the release
// itself at disruptive, assumed, which trips the gate even when the diff
// lists no object. It never lowers a level on the server's word.
package cluster
