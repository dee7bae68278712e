package cluster

import (
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
)

// helm's ownership metadata: the label and annotations helm puts on every
// object of a release, and reads before it imports an object that exists.
const (
	managedByLabel   = "app.kubernetes.io/managed-by"
	managedByHelm    = "Helm"
	releaseNameAnn   = "meta.helm.sh/release-name"
	releaseNSAnn     = "meta.helm.sh/release-namespace"
	takeOwnershipMin = "helm 3.17 or later"
)

// Adopted is an object the review says the upgrade creates that exists
// already, and that helm takes into the release: it updates the live
// object in place instead of creating it.
type Adopted struct {
	Ref kube.ObjectRef
	// Why says why helm may take it: its ownership metadata names the
	// release, or the upgrade takes ownership (--take-ownership).
	Why string
}

// creates says whether the review says the upgrade creates o as a
// resource of the release. helm creates a hook itself, at its events, and
// checks no owner of it.
func creates(o *classify.Object) bool {
	return o.Action == diffparse.Create && !o.Hook.Unpatched()
}

// releaseOf returns the release the upgrade imports o into, and its
// namespace: the target's, else the release the input names for o (a
// multi-release input); "" when neither is known.
func releaseOf(o *classify.Object, res *classify.Result, t Target) (name, namespace string) {
	if t.Release != "" {
		return t.Release, t.Namespace
	}
	if o.Release == "" {
		return "", ""
	}
	namespace = t.Namespace
	if res.Plan != nil {
		for _, r := range res.Plan.Releases {
			if r.Name == o.Release && r.Namespace != "" {
				namespace = r.Namespace
			}
		}
	}
	return o.Release, namespace
}

// ownership applies helm's check to the objects the review says the
// upgrade creates and the server has already (live): helm upgrade and
// helm install read each of them, and refuse the whole upgrade ("rendered
// manifests contain a resource that already exists. Unable to continue
// with update: …") unless its ownership metadata names the release
// (existingResourceConflict and checkOwnership in helm's
// pkg/action/validate.go, helm 3 and 4 alike), or the upgrade takes
// ownership (--take-ownership), which adopts any object. An object in the
// last revision's manifest under the same version is not new to the
// release: helm does not check it.
//
// It returns the refusals, by object, and the objects helm adopts.
func ownership(res *classify.Result, t Target, desired objects, live map[kube.ObjectID]map[string]any) (map[kube.ObjectID]Check, []Adopted) {
	last := map[kube.ObjectRef]bool{}
	for _, o := range t.Last {
		last[o.Ref] = true
	}
	refused := map[kube.ObjectID]Check{}
	var adopted []Adopted
	for _, o := range res.Objects {
		if !creates(o) {
			continue
		}
		ref := desired.find(o.Ref)
		obj := live[ref.ID()]
		if obj == nil || last[ref] {
			continue
		}
		name, namespace := releaseOf(o, res, t)
		switch {
		case t.TakeOwnership:
			adopted = append(adopted, Adopted{Ref: ref, Why: "the upgrade takes ownership (--take-ownership)" + ownerNow(obj)})
		case name == "":
			refused[ref.ID()] = Check{Ref: ref, Outcome: Unowned,
				Message: resourceString(ref, obj) + " exists, and the release this review is of is not known, so helm's ownership check could not be made" + ownerNow(obj),
				hint:    "give the release (review --cluster --release NAME), or delete the object, or upgrade with --take-ownership (" + takeOwnershipMin + ")"}
		default:
			if err := checkOwnership(obj, name, namespace); err != "" {
				refused[ref.ID()] = Check{Ref: ref, Outcome: Unowned,
					Message: resourceString(ref, obj) + " exists and cannot be imported into the current release: " + err,
					hint: fmt.Sprintf("delete it, or give it the release's ownership metadata (label %s=%s, annotations %s=%s and %s=%s), or upgrade with --take-ownership (%s), which adopts it as it is",
						managedByLabel, managedByHelm, releaseNameAnn, name, releaseNSAnn, namespace, takeOwnershipMin)}
				continue
			}
			adopted = append(adopted, Adopted{Ref: ref, Why: fmt.Sprintf("its ownership metadata names release %s in namespace %s", name, namespace)})
		}
	}
	return refused, adopted
}

// checkOwnership is helm's checkOwnership: "" when the object's ownership
// metadata names the release, else helm's message.
func checkOwnership(obj map[string]any, release, namespace string) string {
	meta, _ := obj["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	var errs []string
	if err := requireValue(labels, managedByLabel, managedByHelm); err != "" {
		errs = append(errs, "label validation error: "+err)
	}
	if err := requireValue(annotations, releaseNameAnn, release); err != "" {
		errs = append(errs, "annotation validation error: "+err)
	}
	if err := requireValue(annotations, releaseNSAnn, namespace); err != "" {
		errs = append(errs, "annotation validation error: "+err)
	}
	if len(errs) == 0 {
		return ""
	}
	return "invalid ownership metadata; " + strings.Join(errs, "; ")
}

// requireValue is helm's requireValue.
func requireValue(m map[string]any, k, v string) string {
	actual, ok := m[k]
	if !ok {
		return fmt.Sprintf("missing key %q: must be set to %q", k, v)
	}
	if s, _ := actual.(string); s != v {
		return fmt.Sprintf("key %q must equal %q: current value is %q", k, v, fmt.Sprint(actual))
	}
	return ""
}

// resourceString names the object as helm's messages do: its kind, name
// and namespace ("" for a cluster-scoped one).
func resourceString(ref kube.ObjectRef, obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	return fmt.Sprintf("%s %q in namespace %q", ref.Kind, ref.Name, ns)
}

// ownerNow says what the live object's ownership metadata says, for a
// reader who must decide; nothing when it has none.
func ownerNow(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	labels, _ := meta["labels"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	var have []string
	for _, kv := range []struct {
		m map[string]any
		k string
	}{{labels, managedByLabel}, {annotations, releaseNameAnn}, {annotations, releaseNSAnn}} {
		if v, ok := kv.m[kv.k]; ok {
			have = append(have, fmt.Sprintf("%s=%v", kv.k, v))
		}
	}
	if len(have) == 0 {
		return " (it has no helm ownership metadata)"
	}
	return " (it has " + strings.Join(have, ", ") + ")"
}
