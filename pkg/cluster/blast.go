package cluster

import (
	"context"
	"fmt"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/kubeapi"
	"github.com/safediff/safediff/pkg/rules"
)

// Blast is the blast radius of a roll-out: the live pods a workload
// restarts, and the PodDisruptionBudgets that cover them.
type Blast struct {
	Ref kube.ObjectRef
	// Replicas is the live number of pods the workload wants (a
	// DaemonSet's: the nodes it should run on); Ready how many are ready.
	Replicas, Ready int
	// Strategy is the live update strategy ("RollingUpdate", "Recreate",
	// "OnDelete"), with its bounds.
	Strategy string
	PDBs     []PDB
}

// PDB is a PodDisruptionBudget that selects a workload's pods.
type PDB struct {
	Name                         string
	MinAvailable, MaxUnavailable string // as written; "" when not set
	// DisruptionsAllowed is how many pods may be evicted now.
	DisruptionsAllowed int
}

// workloads are the kinds whose pod template changes restart pods.
var workloads = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true}

// restarts says whether the review says the object's pods restart: a
// change of its pod template, a restart-level finding, or a replacement.
func restarts(o *classify.Object) bool {
	if o.Ref.Group != "apps" || !workloads[o.Ref.Kind] {
		return false
	}
	if o.Action == diffparse.Replace {
		return true
	}
	if o.Action != diffparse.Update {
		return false
	}
	template := kube.Path{kube.Field("spec"), kube.Field("template")}
	for _, f := range o.Findings {
		if f.Level == rules.Restart || f.Change.Path.HasPrefix(template) {
			return true
		}
	}
	return false
}

// blastRadius reads, for each workload whose pods restart, its live
// replicas and the budgets that cover its pods.
func (c *Confirmer) blastRadius(ctx context.Context, res *classify.Result, desired objects, live map[kube.ObjectID]map[string]any) ([]Blast, error) {
	var out []Blast
	pdbs := map[string][]map[string]any{} // namespace → budgets
	for _, o := range res.Objects {
		if !restarts(o) {
			continue
		}
		ref := desired.find(o.Ref)
		obj := live[ref.ID()]
		if obj == nil {
			continue // not in the cluster yet: nothing restarts
		}
		b := Blast{Ref: ref}
		b.Replicas, b.Ready, b.Strategy = replicas(ref.Kind, obj)
		list, ok := pdbs[ref.Namespace]
		if !ok {
			var err error
			if list, err = c.budgets(ctx, ref.Namespace); err != nil {
				return nil, err
			}
			pdbs[ref.Namespace] = list
		}
		labels := stringMap(dig(obj, "spec", "template", "metadata", "labels"))
		for _, p := range list {
			if sel, ok := dig(p, "spec", "selector").(map[string]any); ok && selects(sel, labels) {
				b.PDBs = append(b.PDBs, pdbOf(p))
			}
		}
		out = append(out, b)
	}
	return out, nil
}

// budgets lists the PodDisruptionBudgets of a namespace.
func (c *Confirmer) budgets(ctx context.Context, ns string) ([]map[string]any, error) {
	var list struct {
		Items []map[string]any `json:"items"`
	}
	err := c.get(ctx, kubeapi.Path("policy", "v1", ns, "poddisruptionbudgets", ""), &list)
	if kubeapi.IsNotFound(err) {
		return nil, nil
	}
	return list.Items, err
}

// replicas reads a live workload's pods and update strategy.
func replicas(kind string, obj map[string]any) (want, ready int, strategy string) {
	status, _ := obj["status"].(map[string]any)
	switch kind {
	case "DaemonSet":
		want, ready = num(status["desiredNumberScheduled"]), num(status["numberReady"])
		strategy = strategyText(dig(obj, "spec", "updateStrategy"))
	default:
		want, ready = 1, num(status["readyReplicas"])
		if r, ok := dig(obj, "spec", "replicas").(float64); ok {
			want = int(r)
		}
		switch kind {
		case "Deployment":
			strategy = strategyText(dig(obj, "spec", "strategy"))
		case "StatefulSet":
			strategy = strategyText(dig(obj, "spec", "updateStrategy"))
		}
	}
	return want, ready, strategy
}

func strategyText(s any) string {
	m, _ := s.(map[string]any)
	typ, _ := m["type"].(string)
	if typ == "" {
		return ""
	}
	var bounds []string
	ru, _ := m["rollingUpdate"].(map[string]any)
	for _, k := range []string{"maxUnavailable", "maxSurge", "partition"} {
		if v, ok := ru[k]; ok {
			bounds = append(bounds, fmt.Sprintf("%s %v", k, v))
		}
	}
	if len(bounds) == 0 {
		return typ
	}
	return typ + " (" + strings.Join(bounds, ", ") + ")"
}

func pdbOf(p map[string]any) PDB {
	name, _ := dig(p, "metadata", "name").(string)
	out := PDB{Name: name, DisruptionsAllowed: num(dig(p, "status", "disruptionsAllowed"))}
	if v := dig(p, "spec", "minAvailable"); v != nil {
		out.MinAvailable = fmt.Sprint(v)
	}
	if v := dig(p, "spec", "maxUnavailable"); v != nil {
		out.MaxUnavailable = fmt.Sprint(v)
	}
	return out
}

// selects says whether a label selector (matchLabels, matchExpressions)
// selects pods with the given labels. An empty selector selects every pod
// of the namespace (policy/v1).
func selects(sel map[string]any, labels map[string]string) bool {
	for k, v := range stringMap(sel["matchLabels"]) {
		if labels[k] != v {
			return false
		}
	}
	exprs, _ := sel["matchExpressions"].([]any)
	for _, e := range exprs {
		m, _ := e.(map[string]any)
		key, _ := m["key"].(string)
		op, _ := m["operator"].(string)
		var values []string
		vs, _ := m["values"].([]any)
		for _, v := range vs {
			if s, ok := v.(string); ok {
				values = append(values, s)
			}
		}
		v, has := labels[key]
		in := false
		for _, x := range values {
			in = in || x == v
		}
		switch op {
		case "In":
			if !has || !in {
				return false
			}
		case "NotIn":
			if has && in {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false // an operator the server would refuse: select nothing
		}
	}
	return true
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
		}
	}
	return out
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}
