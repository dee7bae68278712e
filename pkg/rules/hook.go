package rules

import (
	"slices"
	"strconv"
	"strings"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// Helm hooks. An object whose helm.sh/hook annotation names the events it
// runs at (pre-upgrade, post-install, ...) is not a resource of the
// release: helm upgrade never patches it and never deletes it with the
// release. At each event it names, helm deletes the object first when its
// helm.sh/hook-delete-policy includes before-hook-creation (the default
// when the annotation names none), then creates it (helm v3.22
// pkg/action/hooks.go execHook; pkg/releaseutil/manifest_sorter.go reads
// the annotations: comma-separated, trimmed, lower-cased). So an immutable
// field of a hook's Job does not make the upgrade fail; and a hook that
// is not deleted before creation cannot be created again while its last
// run's object is still there. A hook naming an event helm does not know
// is left out of the release altogether.

// HookRule is the rule id of the decisions about helm hooks.
const HookRule = "helm-hook"

var (
	hookPath       = kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field("helm.sh/hook")}
	hookPolicyPath = kube.Path{kube.Field("metadata"), kube.Field("annotations"), kube.Field("helm.sh/hook-delete-policy")}
	// what a reading of an object shown in part rests on (shared: never
	// change it)
	unseenPolicy = []kube.Path{hookPolicyPath}
)

// hookEvents are the events helm knows (test-success is helm 2's test).
var hookEvents = map[string]bool{
	"pre-install": true, "post-install": true, "pre-delete": true, "post-delete": true,
	"pre-upgrade": true, "post-upgrade": true, "pre-rollback": true, "post-rollback": true,
	"test": true, "test-success": true,
}

// HookMode is how helm treats an object of the diff as a hook.
type HookMode uint8

const (
	// NotHook: a resource of the release, or not known to be a hook (the
	// input does not show its annotations): the rules decide.
	NotHook HookMode = iota
	// HookIdle: a hook this upgrade does not run; nothing is applied now.
	HookIdle
	// HookKept: a hook gone from the chart; helm does not delete its
	// object.
	HookKept
	// HookRecreated: a hook this upgrade runs; helm deletes its object
	// and creates it anew.
	HookRecreated
	// HookCreated: a hook this upgrade runs without deleting the object its
	// last run may have left; helm 3 cannot create it while that is there.
	HookCreated
	// HookToResource: a hook that becomes a resource of the release; the
	// object its last run may have left is not the release's, and helm
	// cannot adopt it.
	HookToResource
	// LeavesRelease: a resource that leaves the release's manifest while
	// the diff shows it changed: it becomes a hook (or names a hook event
	// helm does not know), or moves to the chart's crds/ directory; the
	// upgrade deletes it.
	LeavesRelease
)

var hookModeNames = []string{"", "idle", "kept", "recreated", "created", "to-resource", "leaves-release"}

// String names the mode as the JSON report does ("" for NotHook).
func (m HookMode) String() string {
	if int(m) < len(hookModeNames) {
		return hookModeNames[m]
	}
	return "HookMode(" + strconv.Itoa(int(m)) + ")"
}

// Unpatched reports whether helm never patches the object in this mode: it
// does not run it now, leaves it, or creates it anew. (What the rules say
// of an update in place, or the server of a patch, does not apply.)
func (m HookMode) Unpatched() bool {
	switch m {
	case HookIdle, HookKept, HookRecreated, HookCreated:
		return true
	}
	return false
}

// HookReading is what helm does with an object as a hook.
type HookReading struct {
	Mode HookMode
	// Why says it, for a reason.
	Why string
	// Deletes is set when helm deletes the object before it creates it
	// (HookRecreated): its deletion is judged too, where it loses data.
	Deletes bool
	// Fails says why helm upgrade may fail on the object (HookCreated,
	// HookToResource).
	Fails string
	// Partial is set for an object whose annotations show a hook that the
	// input shows only in part (--context): a line out of view (a later
	// duplicate key) may undo them, and a hook is never judged lower than
	// a resource of the release on what may not be so. Mode is NotHook
	// then, or a mode that only adds a finding (HookToResource,
	// LeavesRelease), for what helm may do if the view is right.
	Partial bool
	// Maybe is, for an update shown in part (--context, a Stevedore
	// plan), what helm does with the object if it is the hook the view
	// shows (with the worst delete policy, where the view does not show
	// it): what helm does beside its changes (delete its object, fail to
	// create it) counts where it is worse than the rules' decisions for a
	// resource of the release, and never lowers them.
	Maybe *HookReading
	// Unseen lists the annotations a Maybe reading rests on that the view
	// does not show: they counted as their worst value.
	Unseen []kube.Path
}

// hookSide is one side of an object as helm reads its hook annotations.
type hookSide struct {
	known bool // the side shows whether the object is a hook
	hook  bool
	// policyKnown: the side shows the delete policies too (or that there
	// are none)
	policyKnown bool
	events      []string
	// policies are the delete policies as helm reads them; none means
	// before-hook-creation, which helm sets when it runs the hook
	policies []string
	// skipped: an event helm does not know (unknown, maybe ""), for which
	// helm leaves the object out of the release
	skipped bool
	unknown string
}

// readHookSide reads one side of o.
func readHookSide(o *diffparse.Object, side diffparse.Side) hookSide {
	hf := o.ShownFact(side, hookPath)
	switch hf.Presence {
	case diffparse.Absent:
		return hookSide{known: true, policyKnown: true}
	case diffparse.Unknown:
		return hookSide{}
	}
	if !stringFact(hf) {
		return hookSide{} // not a string: helm cannot read the object (schema-type says so)
	}
	h := hookSide{known: true, hook: true}
	for _, e := range strings.Split(hf.Value.Text, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if !hookEvents[e] {
			h.skipped, h.unknown = true, e
			break
		}
		h.events = append(h.events, e)
	}
	pf := o.ShownFact(side, hookPolicyPath)
	switch {
	case pf.Presence == diffparse.Unknown, pf.Presence == diffparse.Present && !stringFact(pf):
		return h
	case pf.Presence == diffparse.Present:
		for _, p := range strings.Split(pf.Value.Text, ",") {
			h.policies = append(h.policies, strings.ToLower(strings.TrimSpace(p)))
		}
	}
	h.policyKnown = true
	return h
}

// whole reports whether the side shows all that helm reads of it.
func (h hookSide) whole() bool { return h.known && (!h.hook || h.policyKnown) }

func stringFact(f diffparse.Fact) bool {
	v := f.Value
	return !v.Redacted && (v.Kind == diffparse.Scalar && v.Type == diffparse.StringType || v.Kind == diffparse.Text)
}

// runs reports whether the hook runs at one of events.
func (h hookSide) runs(events ...string) bool {
	return slices.ContainsFunc(h.events, func(e string) bool { return slices.Contains(events, e) })
}

// deletes reports whether helm deletes the hook's object at policy.
func (h hookSide) deletes(kind, policy string) bool {
	if kind == "CustomResourceDefinition" {
		return false // helm never deletes a hook's custom resource definition
	}
	if len(h.policies) == 0 {
		return policy == "before-hook-creation"
	}
	return slices.Contains(h.policies, policy)
}

// mayBeLeft reports whether the object of the old side's hook may still be
// there: it ran (at an install or upgrade) and was not deleted after it
// succeeded (which an unknown policy may not say).
func (h hookSide) mayBeLeft(kind string) bool {
	return h.hook && !h.skipped && h.runs("pre-install", "post-install", "pre-upgrade", "post-upgrade") && (!h.policyKnown || !h.deletes(kind, "hook-succeeded"))
}

func (h hookSide) eventList() string { return strings.Join(h.events, ", ") }

// policyList names the delete policies, the default included.
func (h hookSide) policyList() string {
	if len(h.policies) == 0 {
		return "before-hook-creation, the default"
	}
	return strings.Join(h.policies, ", ")
}

// ReadHook returns what helm does with o as a hook, as far as the input
// shows its annotations. A side that does not show them reads as a
// resource of the release: the rules decide, which is never lower. An
// object shown in part reads as a resource too, and, where the view shows
// a hook, Maybe is what helm does with it as that hook: what that adds
// counts, never what it takes away.
func ReadHook(o *diffparse.Object) HookReading {
	r := readHook(o)
	if o.Content == diffparse.Complete {
		return r
	}
	if r.Mode.Unpatched() {
		shown := r
		return HookReading{Partial: true, Maybe: &shown}
	}
	if o.Action != diffparse.Update {
		return r
	}
	if r.Mode == NotHook || r.Partial {
		r.Maybe, r.Unseen = maybeRecreated(o)
	}
	return r
}

// maybeRecreated is, for an update shown in part that shows a hook run
// at the upgrade but not its delete policy, what helm does with it under
// the worst policy: before-hook-creation (the default) deletes the object
// before creating it anew, and a claim's data is lost with it. (A policy
// that keeps the last run's object, which helm 3 then cannot create again,
// fails every upgrade of the release whatever the diff changes: it is not
// assumed. Where the view shows no hook annotation at all, the object is
// judged as a resource of the release: with the default rules, a hook's
// changes are never judged higher than a resource's (Selection.asHook:
// created, safe, or ignored), and a hook that deletes its
// object at every upgrade is not assumed: every partial view of a
// StatefulSet or a claim would be destructive.) Nil otherwise.
func maybeRecreated(o *diffparse.Object) (*HookReading, []kube.Path) {
	new := readHookSide(o, diffparse.New)
	if !new.hook || new.skipped || !new.runs("pre-upgrade", "post-upgrade") || new.policyKnown || o.Ref.Kind == "CustomResourceDefinition" {
		return nil, nil // helm never deletes a hook's definition
	}
	return &HookReading{Mode: HookRecreated, Deletes: true, Why: "a helm hook (helm.sh/hook: " + new.eventList() + ") whose delete policy the diff does not show: with before-hook-creation, the default, helm deletes its object and creates it anew, it does not update it in place"}, unseenPolicy
}

func readHook(o *diffparse.Object) HookReading {
	if o.Action == diffparse.Update && inCRDsDir(o.Source) && o.OldSource != "" && !inCRDsDir(o.OldSource) {
		return HookReading{Mode: LeavesRelease, Why: "the object moves to the chart's crds/ directory (" + o.Source + "), which is not part of the release: helm upgrade deletes it and does not create it again"}
	}
	kind := o.Ref.Kind
	var old, new hookSide
	if o.Action != diffparse.Create {
		old = readHookSide(o, diffparse.Old)
	}
	if o.Action != diffparse.Delete {
		new = readHookSide(o, diffparse.New)
	}
	if o.Action == diffparse.Update && (!old.whole() || !new.whole()) {
		return hookWorst(kind, old, new)
	}
	if o.Action != diffparse.Create && !old.whole() || o.Action != diffparse.Delete && !new.whole() {
		return HookReading{} // a creation or deletion, judged as such
	}
	switch o.Action {
	case diffparse.Delete:
		if old.hook && !old.skipped {
			return HookReading{Mode: HookKept, Why: "helm upgrade does not delete a hook's object (helm.sh/hook: " + old.eventList() + "): what its last run left stays"}
		}
		return HookReading{}
	case diffparse.Create:
		// an object the diff adds may be of a release being installed
		// (helm upgrade --install): only a hook run at neither an install
		// nor an upgrade is certainly not created now
		if new.hook && (new.skipped || !new.runs("pre-install", "post-install", "pre-upgrade", "post-upgrade")) {
			return HookReading{Mode: HookIdle, Why: idleWhy(new)}
		}
		return HookReading{}
	case diffparse.Update:
	default:
		return HookReading{}
	}
	switch {
	case !old.hook && !new.hook:
		return HookReading{}
	case !old.hook && new.hook:
		why := "the object becomes a helm hook (helm.sh/hook: " + new.eventList() + "): it leaves the release, and helm upgrade deletes it"
		if new.skipped {
			why = "helm leaves out an object whose helm.sh/hook names an event it does not know (" + strconv.Quote(new.unknown) + "): helm upgrade deletes it"
		}
		return HookReading{Mode: LeavesRelease, Why: why}
	case old.hook && !new.hook:
		if old.mayBeLeft(kind) {
			return HookReading{Mode: HookToResource, Fails: "helm upgrade may fail: the object was a helm hook (helm.sh/hook: " + old.eventList() + ", delete policy " + old.policyList() + "), and what its last run left is not the release's: helm cannot adopt it (invalid ownership metadata)"}
		}
		return HookReading{}
	}
	if new.skipped || !new.runs("pre-upgrade", "post-upgrade") {
		return HookReading{Mode: HookIdle, Why: idleWhy(new)}
	}
	if new.deletes(kind, "before-hook-creation") {
		return HookReading{Mode: HookRecreated, Why: "a helm hook (helm.sh/hook: " + new.eventList() + "): helm deletes its object and creates it anew (delete policy " + new.policyList() + "), it does not update it in place", Deletes: true}
	}
	if old.mayBeLeft(kind) {
		return HookReading{Mode: HookCreated, Why: "a helm hook (helm.sh/hook: " + new.eventList() + "): helm creates its object anew, it does not update it in place",
			Fails: "helm upgrade may fail: the hook (helm.sh/hook: " + new.eventList() + ") is created without deleting what its last run left (delete policy " + new.policyList() + "; the last run's was " + old.policyList() + "): helm 3 cannot create it while that is there (already exists)"}
	}
	return HookReading{Mode: HookRecreated, Why: "a helm hook (helm.sh/hook: " + new.eventList() + "): helm creates its object anew, it does not update it in place"}
}

// hookWorst is the reading of an update whose sides do not show all that
// helm reads of them (a partial view): as a resource of the release, with
// what helm may do beside if the one side the view shows as a hook is one:
// fail to create or adopt the object its last run left, or delete a
// resource that becomes a hook. Only readings that raise: the view may
// hide what makes it so.
func hookWorst(kind string, old, new hookSide) HookReading {
	switch {
	case old.known && old.mayBeLeft(kind) && (!new.known || new.hook && !new.policyKnown && new.runs("pre-upgrade", "post-upgrade")):
		return HookReading{Mode: HookToResource, Partial: true, Fails: "helm upgrade may fail: the object was a helm hook (helm.sh/hook: " + old.eventList() + "), and the diff does not show all of what it is now: helm may not be able to create again, or adopt, what its last run left"}
	case new.known && new.hook && !old.known:
		return HookReading{Mode: LeavesRelease, Partial: true, Why: "the object is a helm hook now (helm.sh/hook: " + new.eventList() + "), and the diff does not show whether it was one: if it was a resource of the release, it leaves it, and helm upgrade deletes it"}
	}
	return HookReading{}
}

func idleWhy(h hookSide) string {
	if h.skipped {
		return "helm leaves out an object whose helm.sh/hook names an event it does not know (" + strconv.Quote(h.unknown) + "): helm upgrade does not apply it"
	}
	return "a helm hook run at " + h.eventList() + ", not at an upgrade: helm upgrade does not apply it (the release keeps it for then)"
}

// inCRDsDir reports whether a template path (a # Source: line) is in a
// chart's crds/ directory, which helm installs with a release and never
// upgrades or deletes: chart/crds/..., or a subchart's,
// chart/charts/sub/crds/... (helm's CRDObjects name them so).
func inCRDsDir(source string) bool {
	parts := strings.Split(source, "/")
	i := 1
	for i+1 < len(parts) && parts[i] == "charts" {
		i += 2
	}
	return i < len(parts)-1 && parts[i] == "crds"
}
