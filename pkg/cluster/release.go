package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/manifest"
	"github.com/safediff/safediff/pkg/rules"
)

// RuleRelease: the release's newest revision failed or is pending, so the
// diff may not show what helm upgrade does (or its revisions could not
// be read).
const RuleRelease = "server-release-not-deployed"

// Revisions is what helm's storage on the server says of a release's
// revisions. Only the labels helm gives each stored revision are read
// (owner=helm, name, status, version), never a revision's body: it holds
// the release's values, secrets included.
type Revisions struct {
	// Newest is the newest revision (0: the release has none), Status
	// its status.
	Newest int
	Status string
	// Base is the revision helm upgrade patches from ([manifest.UpgradeBase]).
	Base int
	// Unchecked says why the revisions could not be read ("" when they
	// were).
	Unchecked string
}

// unsettled says whether the review must not pass: the newest revision
// is not the one helm upgrade patches from, or nobody knows.
func (r *Revisions) unsettled() bool {
	return r != nil && (r.Unchecked != "" || manifest.Unsettled(r.Status))
}

// revisions reads the release's revisions from helm's storage: the
// Secrets (helm's default driver) or ConfigMaps of the release's
// namespace labelled owner=helm,name=RELEASE, listed by that selector,
// as their metadata only.
func (c *Confirmer) revisions(ctx context.Context, t Target) (*Revisions, error) {
	var resource string
	switch t.Driver {
	case "", "secret", "secrets":
		resource = "secrets"
	case "configmap", "configmaps":
		resource = "configmaps"
	default:
		return &Revisions{Unchecked: fmt.Sprintf("helm keeps the release's revisions with driver %q (HELM_DRIVER), which safediff does not read (it reads the secret and configmap drivers)", t.Driver)}, nil
	}
	var list struct {
		Items []struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
		} `json:"items"`
	}
	err := c.do(ctx, kubeapi.Request{Method: http.MethodGet, Path: kubeapi.Path("", "v1", t.Namespace, resource, ""),
		Query:  url.Values{"labelSelector": {"owner=helm,name=" + t.Release}},
		Accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"}, &list)
	var se *kubeapi.StatusError
	if errors.As(err, &se) && se.Code < 500 && se.Code != http.StatusUnauthorized {
		// no permission to list them: the check could not be made
		return &Revisions{Unchecked: fmt.Sprintf("the server did not list the release's %s in namespace %s: %s", resource, t.Namespace, se.Message)}, nil
	}
	if err != nil {
		return nil, err
	}
	var revs []manifest.Revision
	for _, it := range list.Items {
		l := it.Metadata.Labels
		n, err := strconv.Atoi(l["version"])
		if err != nil || n <= 0 || l["status"] == "" {
			return &Revisions{Unchecked: fmt.Sprintf("a revision of the release in helm's storage has no valid version and status labels (version %q, status %q)", l["version"], l["status"])}, nil
		}
		revs = append(revs, manifest.Revision{Number: n, Status: l["status"]})
	}
	if len(revs) == 0 {
		return &Revisions{}, nil
	}
	slices.SortFunc(revs, func(a, b manifest.Revision) int { return cmp.Compare(a.Number, b.Number) })
	last := revs[len(revs)-1]
	return &Revisions{Newest: last.Number, Status: last.Status, Base: manifest.UpgradeBase(revs)}, nil
}

// reason says why the review cannot pass, and what to do.
func (r *Revisions) reason(release string) string {
	if r.Unchecked != "" {
		return fmt.Sprintf("assumed: whether the newest revision of release %s failed could not be checked: %s; after a failed upgrade helm diff compares with the failed revision, while helm upgrade patches from the last deployed one, and the diff may miss what the failed upgrade tried: check helm history %s (its newest revision must be deployed), or review helm diff upgrade --three-way-merge", release, r.Unchecked, release)
	}
	what := fmt.Sprintf("revision %d of release %s failed", r.Newest, release)
	if r.Status != manifest.StatusFailed {
		what = fmt.Sprintf("revision %d of release %s is %s: a helm operation on it did not end (helm upgrade refuses to run until it does: another operation is in progress)", r.Newest, release, r.Status)
	}
	var from, rollback string
	switch {
	case r.Base == r.Newest:
		from = fmt.Sprintf("no revision was deployed: helm upgrade patches from revision %d itself, whose objects may be only partly there", r.Base)
		rollback = "check the release's objects with helm diff upgrade --three-way-merge and review that, or uninstall it and install again"
	case r.Base > 0:
		from = fmt.Sprintf("helm upgrade patches from revision %d, the last deployed one", r.Base)
		rollback = fmt.Sprintf("roll back to the deployed revision first (helm rollback %s %d) and review again, or check with helm diff upgrade --three-way-merge and review that", release, r.Base)
	default:
		from = "no revision is deployed for helm upgrade to patch from"
		rollback = "check the release's objects with helm diff upgrade --three-way-merge and review that"
	}
	return fmt.Sprintf("assumed: %s; helm diff compared the chart with it, the cluster may not hold it, and %s: changes the failed upgrade tried may be missing from this diff, and helm upgrade may fail again on them; %s", what, from, rollback)
}

// annotate adds the release's state to a review as a finding of its own:
// the release, not one of its objects, is what may not be upgraded as
// the diff shows, and the review trips even when the diff lists no object.
func (r *Revisions) annotate(res *classify.Result, release, namespace string) {
	if !r.unsettled() {
		return
	}
	ref := kube.ObjectRef{Group: "helm.sh", Kind: "Release", Namespace: namespace, Name: release}
	o := &classify.Object{Object: &diffparse.Object{Ref: ref, Action: diffparse.Update, Content: diffparse.Complete}, Action: diffparse.Update}
	d := rules.Decision{Level: rules.Disruptive, Rule: RuleRelease, Assumed: true, Reason: r.reason(release)}
	o.Findings = append(o.Findings, classify.Finding{Change: classify.WholeChange(diffparse.Modify), Decision: &d, WholeObject: true})
	res.Objects = append(res.Objects, o)
}
