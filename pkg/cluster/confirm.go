package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/manifest"
)

// Defaults of a [Confirmer].
const (
	DefaultTimeout     = 2 * time.Minute
	DefaultMaxRequests = 5000
	DefaultParallel    = 8
)

// Confirmer asks the API server about a reviewed upgrade.
type Confirmer struct {
	Client *kubeapi.Client
	// FieldManager is the field manager of the dry runs: helm's ("helm").
	FieldManager string
	// StrictFields validates fields strictly, as helm v4 does
	// (fieldValidation=Strict); otherwise the server warns.
	StrictFields bool
	// ForceConflicts applies over other field managers' fields. Set it
	// unless the upgrade itself uses server-side apply without
	// --force-conflicts (helm v4's default for new releases): then a
	// conflict is what the upgrade would meet.
	ForceConflicts bool
	// Timeout bounds the whole confirmation, MaxRequests the number of
	// requests; Parallel is how many run at once.
	Timeout     time.Duration
	MaxRequests int
	Parallel    int

	requests atomic.Int64
	disc     *discovery
	timeout  time.Duration
}

// Target is the upgrade: what helm will apply, and the release as it is.
type Target struct {
	// Release and Namespace name the release; Release is empty when it is
	// not known (a review of a diff), and the dry runs then do not add
	// helm's ownership metadata, and an object the review says is created
	// that exists already is refused: helm's check of its owner cannot be
	// made (see [Unowned]).
	Release, Namespace string
	// TakeOwnership: the upgrade adopts the objects it creates that exist
	// already, whoever owns them (helm upgrade --take-ownership).
	TakeOwnership bool
	// Desired are the objects the upgrade applies (the rendered manifest);
	// nil when they are not known (a review of a diff alone).
	Desired []manifest.Object
	// Last are the objects of the release's newest revision, the base of
	// drift; nil for a release that does not exist yet.
	Last []manifest.Object
	// LastRevision and LastStatus describe that revision (0 and "" when
	// not known: Last is then the old side of a diff).
	LastRevision int
	LastStatus   string
	// Unknown says, for objects whose documents are not known, why.
	Unknown map[kube.ObjectID]string
	// Revisions: read the release's revisions from helm's storage on the
	// server (see [Revisions]), with helm's storage driver Driver
	// (HELM_DRIVER: "" or secret(s), configmap(s); another one cannot be
	// read). For a review of a diff of a known release: helm diff compares
	// with the newest revision, helm upgrade with the last deployed one.
	Revisions bool
	Driver    string
}

// Outcome is the server's answer to a dry run of one object.
type Outcome int

const (
	// Accepted: the server accepts the object as the upgrade applies it.
	Accepted Outcome = iota + 1
	// Immutable: the server refuses the update, but accepts the same
	// object as a new one: a field may not change (an immutable field, a
	// CRD's transition rule such as self == oldSelf, an admission
	// webhook). The object would have to be replaced.
	Immutable
	// Rejected: the server refuses the object even as a new one (a value
	// it does not accept, a webhook that denies it, no permission).
	Rejected
	// Conflict: server-side apply meets fields other managers own.
	Conflict
	// Unconfirmed: the server cannot say (its kind is not served yet, its
	// namespace does not exist yet, its rendered object is not known).
	Unconfirmed
	// Unowned: the upgrade creates the object, the server has it already,
	// and helm refuses to import it into the release: its ownership
	// metadata does not name the release (or the release is not known).
	// The message is helm's.
	Unowned
)

var outcomeNames = []string{"", "accepted", "immutable", "rejected", "conflict", "unconfirmed", "unowned"}

func (o Outcome) String() string {
	if o > 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Check is the server's answer about one object.
type Check struct {
	Ref     kube.ObjectRef
	Outcome Outcome
	// Message is the server's message (or, for Unconfirmed, why).
	Message string
	// Fields are the fields the server named, as paths.
	Fields []kube.Path

	desired, live map[string]any // the object as applied, and as it is
	hint          string         // what to do about a refusal
}

// Confirmation is what the server said about an upgrade.
type Confirmation struct {
	Target Target
	Checks []Check
	Drift  []Drift
	Blast  []Blast
	// Adopted are the objects the upgrade creates that exist already and
	// that helm takes into the release.
	Adopted []Adopted
	// Revisions are the release's revisions, when they were read
	// ([Target].Revisions).
	Revisions *Revisions
	// Requests counts the requests made.
	Requests int
}

// Confirm dry-runs every object the review says changes, and every object
// that drifted, with server-side apply (dryRun=All) as helm's field
// manager; reads the live objects of the last revision for drift, and
// those of the objects the review says are created, whose owner helm
// checks when they exist (see [Unowned]); and, for workloads whose pods
// restart, the live replicas and the PodDisruptionBudgets that cover
// them. Any failure to reach the server, and any answer that is not about
// the object, is an error: nothing is confirmed in part.
func (c *Confirmer) Confirm(ctx context.Context, res *classify.Result, t Target) (*Confirmation, error) {
	if c.Client == nil {
		return nil, errors.New("no API server client")
	}
	c.timeout = c.Timeout
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	c.disc = &discovery{c: c, lists: map[string]map[string]apiResource{}}
	cf := &Confirmation{Target: t}

	// the server must answer before anything is judged by it, even when
	// nothing else needs asking
	if err := c.get(ctx, "/version", nil); err != nil {
		return nil, err
	}
	if t.Revisions && t.Release != "" {
		var err error
		if cf.Revisions, err = c.revisions(ctx, t); err != nil {
			return nil, err
		}
	}
	desired := index(t.Desired)
	live, err := c.readLive(ctx, t, res, desired)
	if err != nil {
		return nil, err
	}
	refused, adopted := ownership(res, t, desired, live)
	cf.Adopted = adopted
	for _, o := range t.Last {
		cf.Drift = append(cf.Drift, drift(o, live[o.Ref.ID()])...)
		cf.Drift = append(cf.Drift, ownerDrift(o, live[o.Ref.ID()], t)...)
	}
	drifted := map[kube.ObjectID]bool{}
	for _, d := range cf.Drift {
		drifted[d.Ref.ID()] = true
	}
	// what to dry-run: the changed objects, then those that drifted
	var subjects []kube.ObjectRef
	seen := map[kube.ObjectID]bool{}
	hooks := map[kube.ObjectID]bool{} // helm creates them at their events: no update to ask about
	for _, o := range res.Objects {
		if o.Action == diffparse.Delete || o.Action == diffparse.Ownership {
			continue
		}
		ref := desired.find(o.Ref)
		if o.Hook.Unpatched() {
			hooks[ref.ID()] = true
		}
		if !seen[ref.ID()] {
			seen[ref.ID()] = true
			subjects = append(subjects, ref)
		}
	}
	for _, o := range t.Desired {
		if drifted[o.Ref.ID()] && !seen[o.Ref.ID()] {
			seen[o.Ref.ID()] = true
			subjects = append(subjects, o.Ref)
		}
	}
	cf.Checks = make([]Check, len(subjects))
	err = c.each(ctx, len(subjects), func(i int) error {
		ref := subjects[i]
		if chk, ok := refused[ref.ID()]; ok {
			// helm fails before it applies anything: no dry run says more
			cf.Checks[i] = chk
			return nil
		}
		if hooks[ref.ID()] {
			cf.Checks[i] = Check{Ref: ref, Outcome: Unconfirmed, Message: "a helm hook: helm creates it at the events it names, it does not update it, so the server was not asked about an update"}
			return nil
		}
		d, ok := desired[ref.ID()]
		if !ok {
			why := t.Unknown[ref.ID()]
			if why == "" {
				why = "the object helm would apply is not known (helm safediff plan and upgrade render it)"
			}
			cf.Checks[i] = Check{Ref: ref, Outcome: Unconfirmed, Message: why}
			return nil
		}
		chk, err := c.dryRun(ctx, d, t, live[ref.ID()] != nil)
		chk.desired, chk.live = d.Body, live[ref.ID()]
		cf.Checks[i] = chk
		return err
	})
	if err != nil {
		return nil, err
	}
	if cf.Blast, err = c.blastRadius(ctx, res, desired, live); err != nil {
		return nil, err
	}
	cf.Requests = int(c.requests.Load())
	return cf, nil
}

// objects is a manifest indexed by identity.
type objects map[kube.ObjectID]manifest.Object

func index(objs []manifest.Object) objects {
	m := objects{}
	for _, o := range objs {
		m[o.Ref.ID()] = o
	}
	return m
}

// find returns the reference of the object in m that ref names: the same
// identity, or, for a kind whose scope the review could not know, the
// same group, kind and name in no namespace. ref itself when none.
func (m objects) find(ref kube.ObjectRef) kube.ObjectRef {
	if o, ok := m[ref.ID()]; ok {
		return o.Ref
	}
	id := ref.ID()
	id.Namespace = ""
	if o, ok := m[id]; ok {
		return o.Ref
	}
	return ref
}

// readLive reads the live objects of the last revision and of the
// changed objects, and of every object the review says is created, found
// by discovery where only its group and kind are known. A missing object,
// and one of a kind the server does not serve, is absent from the map.
func (c *Confirmer) readLive(ctx context.Context, t Target, res *classify.Result, desired objects) (map[kube.ObjectID]map[string]any, error) {
	var refs []kube.ObjectRef
	seen := map[kube.ObjectID]bool{}
	add := func(r kube.ObjectRef) {
		if !seen[r.ID()] && r.Version != "" {
			seen[r.ID()] = true
			refs = append(refs, r)
		}
	}
	for _, o := range t.Last {
		add(o.Ref)
	}
	for _, o := range res.Objects {
		if d, ok := desired[desired.find(o.Ref).ID()]; ok {
			add(d.Ref)
		} else if creates(o) && !seen[o.Ref.ID()] {
			seen[o.Ref.ID()] = true
			refs = append(refs, o.Ref) // its version found below
		}
	}
	bodies := make([]map[string]any, len(refs))
	err := c.each(ctx, len(refs), func(i int) error {
		ref, err := c.disc.locate(ctx, refs[i])
		if errors.Is(err, errNotServed) {
			return nil
		}
		if err != nil {
			return err
		}
		path, _, err := c.disc.path(ctx, ref)
		if errors.Is(err, errNotServed) {
			return nil
		}
		if err != nil {
			return err
		}
		var obj map[string]any
		err = c.get(ctx, path, &obj)
		if kubeapi.IsNotFound(err) {
			return nil
		}
		bodies[i] = obj
		return err
	})
	if err != nil {
		return nil, err
	}
	live := map[kube.ObjectID]map[string]any{}
	for i, r := range refs {
		if bodies[i] != nil {
			live[r.ID()] = bodies[i]
		}
	}
	return live, nil
}

// dryRun applies one object with dryRun=All and reads the answer.
func (c *Confirmer) dryRun(ctx context.Context, d manifest.Object, t Target, exists bool) (Check, error) {
	chk := Check{Ref: d.Ref}
	path, ref, err := c.disc.path(ctx, d.Ref)
	if errors.Is(err, errNotServed) {
		chk.Outcome, chk.Message = Unconfirmed, err.Error()+" (its definition may come with this upgrade)"
		return chk, nil
	}
	if err != nil {
		return chk, err
	}
	body, err := json.Marshal(asHelmApplies(d.Body, t))
	if err != nil {
		return chk, err
	}
	q := url.Values{"dryRun": {"All"}, "fieldManager": {c.manager()}}
	if c.ForceConflicts {
		q.Set("force", "true")
	}
	if c.StrictFields {
		q.Set("fieldValidation", "Strict")
	}
	err = c.do(ctx, kubeapi.Request{Method: http.MethodPatch, Path: path, Query: q, Body: body, ContentType: "application/apply-patch+yaml"}, nil)
	if err == nil {
		chk.Outcome = Accepted
		return chk, nil
	}
	var se *kubeapi.StatusError
	if errors.As(err, &se) && se.Code == http.StatusInternalServerError && strings.HasPrefix(se.Message, "failed to create typed patch object") {
		// server-side apply answers a value of the wrong type (a number in
		// a Secret's stringData) with a 500: it refuses the object itself,
		// as helm's upgrade finds
		chk.Outcome, chk.Message, chk.Fields = Rejected, se.Message, fieldsOf(se, d)
		return chk, nil
	}
	if !errors.As(err, &se) || se.Code >= 500 || se.Code == http.StatusUnauthorized {
		return chk, err // the server cannot be asked: no confirmation at all
	}
	chk.Message, chk.Fields = se.Message, fieldsOf(se, d)
	switch {
	case se.Code == http.StatusNotFound && missingNamespace(se, d.Ref, t):
		// the server's namespace lifecycle refuses an object in a
		// namespace that does not exist, and neither the upgrade nor
		// helm (--create-namespace makes the release's) creates it
		chk.Outcome = Rejected
		chk.Message = se.Message + ": the namespace does not exist, and this upgrade does not create it"
		return chk, nil
	case se.Code == http.StatusNotFound:
		chk.Outcome = Unconfirmed
		chk.Message = "the server cannot apply it yet: " + se.Message + " (a namespace or definition this upgrade creates?)"
		return chk, nil
	case se.Code == http.StatusConflict:
		chk.Outcome = Conflict
		return chk, nil
	case !exists:
		chk.Outcome = Rejected
		return chk, nil
	}
	// the update is refused: would the server take the object new? Then
	// what it refuses is the change itself.
	collection := kubeapi.Path(ref.Group, ref.Version, ref.Namespace, pathResource(path), "")
	cerr := c.do(ctx, kubeapi.Request{Method: http.MethodPost, Path: collection, Query: url.Values{"dryRun": {"All"}, "fieldManager": {c.manager()}}, Body: body}, nil)
	switch {
	case kubeapi.IsAlreadyExists(cerr):
		chk.Outcome = Immutable
	case errors.As(cerr, new(*kubeapi.StatusError)):
		chk.Outcome = Rejected
	default:
		return chk, fmt.Errorf("a dry run of %s as a new object: %w", d.Ref, cerr)
	}
	return chk, nil
}

// missingNamespace reports whether the server's answer se to a dry run of
// ref says that ref's namespace does not exist, while it is not the
// release's (helm upgrade --install --create-namespace creates that one)
// and no Namespace of the upgrade or of the last release (helm applies
// those first, a missing one included) is named so.
func missingNamespace(se *kubeapi.StatusError, ref kube.ObjectRef, t Target) bool {
	ns := ref.Namespace
	if ns == "" || ns == t.Namespace || se.Message != fmt.Sprintf("namespaces %q not found", ns) {
		return false
	}
	for _, objs := range [][]manifest.Object{t.Desired, t.Last} {
		for _, o := range objs {
			if o.Ref.Group == "" && o.Ref.Kind == "Namespace" && o.Ref.Name == ns {
				return false
			}
		}
	}
	return true
}

func (c *Confirmer) manager() string {
	if c.FieldManager == "" {
		return "helm"
	}
	return c.FieldManager
}

// asHelmApplies returns the object as helm sends it: with the release's
// ownership label and annotations, which helm adds to every object.
func asHelmApplies(body map[string]any, t Target) map[string]any {
	if t.Release == "" {
		return body
	}
	out := make(map[string]any, len(body))
	for k, v := range body {
		out[k] = v
	}
	meta := map[string]any{}
	if m, ok := body["metadata"].(map[string]any); ok {
		for k, v := range m {
			meta[k] = v
		}
	}
	labels := copyMap(meta["labels"])
	labels["app.kubernetes.io/managed-by"] = "Helm"
	annotations := copyMap(meta["annotations"])
	annotations["meta.helm.sh/release-name"] = t.Release
	annotations["meta.helm.sh/release-namespace"] = t.Namespace
	meta["labels"], meta["annotations"] = labels, annotations
	out["metadata"] = meta
	return out
}

func copyMap(v any) map[string]any {
	out := map[string]any{}
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			out[k] = x
		}
	}
	return out
}

// pathResource is the resource name in an object's path.
func pathResource(objectPath string) string {
	parts := splitPath(objectPath)
	if len(parts) < 2 {
		return ""
	}
	return parts[len(parts)-2]
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if i > start {
				s, err := url.PathUnescape(p[start:i])
				if err != nil {
					s = p[start:i]
				}
				out = append(out, s)
			}
			start = i + 1
		}
	}
	return out
}

// get and do count requests against MaxRequests.
func (c *Confirmer) get(ctx context.Context, path string, out any) error {
	return c.do(ctx, kubeapi.Request{Method: http.MethodGet, Path: path}, out)
}

func (c *Confirmer) do(ctx context.Context, r kubeapi.Request, out any) error {
	max := c.MaxRequests
	if max <= 0 {
		max = DefaultMaxRequests
	}
	if n := c.requests.Add(1); n > int64(max) {
		return fmt.Errorf("confirming with the API server needs more than %d requests; review a smaller release, or raise the limit", max)
	}
	err := c.Client.Do(ctx, r, out)
	if ctx.Err() != nil {
		return fmt.Errorf("the API server did not answer in time (%v): %w", c.timeout, ctx.Err())
	}
	return err
}

// each runs f for 0..n-1, Parallel at a time; the first error stops it.
func (c *Confirmer) each(ctx context.Context, n int, f func(i int) error) error {
	par := c.Parallel
	if par <= 0 {
		par = DefaultParallel
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int
	)
	for range min(par, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next >= n {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
