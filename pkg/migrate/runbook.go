package migrate

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// StepKind is the type of a runbook step.
type StepKind string

// The kinds of steps a runbook is made of.
const (
	// KindHelm upgrades (or installs) a release, after its helm diff was
	// reviewed against the step's expectations.
	KindHelm StepKind = "helm"
	// KindAction acts on the data plane (reload a configuration, create a
	// replication slot).
	KindAction StepKind = "action"
	// KindWait waits for a condition of the data plane.
	KindWait StepKind = "wait"
	// KindPause pauses the clients.
	KindPause StepKind = "pause-clients"
	// KindFence makes the source refuse writes.
	KindFence StepKind = "fence"
	// KindPromote makes the target a primary.
	KindPromote StepKind = "promote"
	// KindRepoint points the clients' name at the target.
	KindRepoint StepKind = "repoint"
	// KindResume starts the clients again.
	KindResume StepKind = "resume-clients"
	// KindVerify checks the outcome.
	KindVerify StepKind = "verify"
)

// Step is one step of a runbook.
type Step struct {
	ID    string
	Kind  StepKind
	Title string
	// Confirm is the question asked before the step runs (pausing the
	// clients, promoting), or "".
	Confirm string
	// Helm lists the releases the step upgrades, with what it may change.
	Helm []HelmChange
	// NoReturn marks the step after which abort is no longer possible.
	NoReturn bool

	run func(ctx context.Context, x *execution) error
}

// HelmChange is one helm upgrade of a step.
type HelmChange struct {
	Release Release
	// Values are the runbook's values, layered over the release's values
	// files; secret is the part of them that comes from credentials.
	Values map[string]any
	// Install makes it helm upgrade --install.
	Install bool
	Expect  []Expectation
}

// engine is the data-plane half of a runbook: what differs between
// components and topologies (and, for Postgres, between replication
// methods such as streaming replication or a Stolon standby cluster)
// behind one set of actions. The step sequence around it is the same for
// every topology that switches over once (single, replicated, sentinel);
// a cluster switches over per shard (see clusterSteps).
type engine interface {
	// sourceValues, targetValues and detachValues are the chart values of
	// preparing the source, creating the target as a replica, and making
	// the promoted target stand alone.
	sourceValues() (map[string]any, error)
	targetValues() (map[string]any, error)
	detachValues() (map[string]any, error)
	// fenceValues are the source's values with the fence written into its
	// configuration, so that it survives a restart (a reviewed helm step
	// of fence-source); nil when the fence survives a restart by itself.
	fenceValues() (map[string]any, error)
	// prepareSource applies the prepared configuration on the running
	// source (reload, roles, slot).
	prepareSource(ctx context.Context) error
	// replicating reports whether the target streams from the source,
	// and its lag in bytes.
	replicating(ctx context.Context) (ok bool, lag int64, detail string, err error)
	// sessions describes the client sessions the source sees, other than
	// replication and the runner's own.
	sessions(ctx context.Context) ([]string, error)
	// verifyData compares counts of the fenced source's data and the
	// promoted target's: a second guard after the promotion.
	verifyData(ctx context.Context) error
	// releaseSource frees what replication held on the source (a slot),
	// after the promotion or when the target is removed.
	releaseSource(ctx context.Context) error
	// verify checks the end state: target primary and writable, source
	// fenced.
	verify(ctx context.Context) error
	// live reads where the migration stands from the servers.
	live(ctx context.Context) liveState
}

// cutover is the data-plane half of one switch-over of writes from the
// source to the target: the whole component's, or one shard's.
type cutover interface {
	// fence makes the source refuse every write and end every client
	// session, and records in c the position after which no write can
	// be, and what to restore (saved through j before it changes
	// anything). It can run again on a fenced source.
	fence(ctx context.Context, c *Cut, j journal) error
	unfence(ctx context.Context, c *Cut) error
	// caughtUp reports whether the target has replayed everything up to
	// the fence, by positions, never by its role.
	caughtUp(ctx context.Context, c *Cut) (ok bool, lag int64, err error)
	// compare compares the content of the fenced source and the caught-up
	// target: what differs, and notes on how it compared.
	compare(ctx context.Context, c *Cut) (diffs, notes []string, err error)
	promote(ctx context.Context, c *Cut, j journal) error
}

// journal records what a step does: its facts (save writes the state),
// its log, and what it says to the person running it.
type journal struct {
	save func() error
	log  func(format string, args ...any)
	say  func(format string, args ...any)
}

// followers is an engine whose target has replicas of its own (topologies
// replicated and sentinel): after the promotion each must follow the new
// primary.
type followers interface {
	// follow reports whether every replica of the target streams from
	// the promoted target, and a line per replica (its lag).
	follow(ctx context.Context) (ok bool, lines []string, err error)
}

// sentinels is an engine whose target has a Sentinel group, started only
// after the promotion (topology sentinel).
type sentinels interface {
	// sentinelValues are the target's values with its Sentinels.
	sentinelValues() (map[string]any, error)
	// sentinelsReady reports whether every Sentinel of the target watches
	// the promoted target, with its replicas and the other Sentinels.
	sentinelsReady(ctx context.Context) (ok bool, detail string, err error)
}

// cut binds a cutover to its part of the state and to its steps.
type cut struct {
	// name is "" for the component, "shard N" for a cluster's shard.
	name  string
	ops   cutover
	state func(*State) *Cut
	// fenceStep is the step that fences; pending are the steps a
	// rollback makes pending again.
	fenceStep string
	pending   []string
}

// in prefixes a message with the cut's name: "shard 2: ".
func (c *cut) in(msg string) string {
	if c.name == "" {
		return msg
	}
	return c.name + ": " + msg
}

var (
	configOnly = func(why string) Expectation {
		return Expectation{Kinds: []string{"ConfigMap", "Secret"}, Actions: []diffparse.Action{diffparse.Update, diffparse.Create},
			Max: rules.Safe, Why: why}
	}
	anyCreate = Expectation{Kinds: []string{"*"}, Actions: []diffparse.Action{diffparse.Create}, Max: rules.Safe,
		Why: "a new release: objects are created"}
	repoint = Expectation{Kinds: []string{"Service"}, Actions: []diffparse.Action{diffparse.Update}, Max: rules.Disruptive,
		Paths: []kube.Pattern{kube.MustParsePattern("spec.externalName"), kube.MustParsePattern("spec.ports.**")},
		Why:   "the name clients use is pointed at the target"}
	scale = Expectation{Kinds: []string{"Deployment", "StatefulSet", "ReplicaSet"}, Actions: []diffparse.Action{diffparse.Update},
		Max: rules.Disruptive, Paths: []kube.Pattern{kube.MustParsePattern("spec.replicas")}, Why: "the client is scaled"}
	sentinelCreate = Expectation{Kinds: []string{"StatefulSet", "ConfigMap", "Service"}, Actions: []diffparse.Action{diffparse.Create},
		Max: rules.Safe, Why: "the target's Sentinels are created"}
)

// Runbook returns the fixed sequence of steps of a migration's component
// and topology.
func Runbook(m *Migration, getenv func(string) string) ([]*Step, error) {
	e, err := engineFor(m, getenv)
	if err != nil {
		return nil, err
	}
	steps, _, err := runbook(m, e)
	return steps, err
}

func engineFor(m *Migration, getenv func(string) string) (engine, error) {
	if err := m.CheckEnv(getenv); err != nil {
		return nil, err
	}
	switch {
	case m.Component == Postgres:
		return &pgEngine{m: m, getenv: getenv}, nil
	case m.Component == Redis && m.Topology == Cluster:
		return &clusterEngine{redisAuth{m: m, getenv: getenv}}, nil
	case m.Component == Redis:
		return &redisEngine{redisAuth{m: m, getenv: getenv}}, nil
	}
	return nil, fmt.Errorf("no runbook for component %q", m.Component)
}

// runbook builds the steps of an engine, and the switch-overs they make.
func runbook(m *Migration, e engine) ([]*Step, []*cut, error) {
	if ce, ok := e.(*clusterEngine); ok {
		return clusterSteps(m, ce)
	}
	return switchSteps(m, e, e.(cutover))
}

// switchSteps are the steps of a topology that switches over once: pause
// the clients, fence the source, catch up, compare, promote, resume.
func switchSteps(m *Migration, e engine, ops cutover) ([]*Step, []*cut, error) {
	v, err := valuesOf(e)
	if err != nil {
		return nil, nil, err
	}
	c := &cut{ops: ops, state: func(st *State) *Cut { return &st.Cut }, fenceStep: "fence-source",
		pending: []string{"pause-clients", "fence-source", "wait-caught-up", "compare-data"}}
	lag := m.Thresholds.MaxLag
	fence := &Step{ID: "fence-source", Kind: KindFence, Title: "fence the source: refuse every write, end every client session",
		run: func(ctx context.Context, x *execution) error { return x.fence(ctx, c) }}
	if v.fence != nil {
		fence.Helm = []HelmChange{{Release: m.Source.Release, Values: v.fence,
			Expect: []Expectation{configOnly("the fence, written to the source's configuration so that a restart keeps it")}}}
	}
	s := []*Step{
		{ID: "prepare-source", Kind: KindHelm, Title: "make the source ready for replication and the fence (configuration only, no restart)",
			Helm: []HelmChange{{Release: m.Source.Release, Values: v.source,
				Expect: []Expectation{configOnly("the replication and fence settings of the source")}}}},
		{ID: "apply-source-config", Kind: KindAction, Title: "apply the replication settings on the running source",
			run: func(ctx context.Context, x *execution) error { return e.prepareSource(ctx) }},
		{ID: "install-target", Kind: KindHelm, Title: "create the target as a replica of the source",
			Helm: []HelmChange{{Release: m.Target.Release, Values: v.target, Install: true, Expect: []Expectation{anyCreate}}}},
		{ID: "wait-replica", Kind: KindWait, Title: fmt.Sprintf("wait until the target streams from the source, at most %s behind", humanBytes(int64(lag))),
			run: func(ctx context.Context, x *execution) error { return x.waitReplicating(ctx, e) }},
		{ID: "pause-clients", Kind: KindPause, Title: fmt.Sprintf("pause the clients; wait until the source sees none (at most %v, else roll back)", time.Duration(m.Thresholds.PauseTimeout)),
			Confirm: "Pause the clients now?",
			Helm:    clientChanges(m, true), run: func(ctx context.Context, x *execution) error { return x.pause(ctx, e, c) }},
		fence,
		{ID: "wait-caught-up", Kind: KindWait, Title: fmt.Sprintf("wait until the target has replayed up to the fence (at most %v, else roll back)", time.Duration(m.Thresholds.CatchUpTimeout)),
			run: func(ctx context.Context, x *execution) error { return x.waitCaughtUp(ctx, c, "wait-caught-up") }},
		{ID: "compare-data", Kind: KindVerify, Title: "compare the content of the fenced source and the target; a difference rolls back",
			run: func(ctx context.Context, x *execution) error { return x.compare(ctx, c, "compare-data") }},
		{ID: "promote-target", Kind: KindPromote, Title: "promote the target to primary", Confirm: "Promote the target? After this the migration cannot be aborted.",
			NoReturn: true, run: func(ctx context.Context, x *execution) error { return x.promote(ctx, c, "promote-target") }},
		{ID: "verify-data", Kind: KindVerify, Title: "count the data of the fenced source and the promoted target again",
			run: func(ctx context.Context, x *execution) error { return e.verifyData(ctx) }},
	}
	if f, ok := e.(followers); ok && (m.Topology == Replicated || m.Topology == Sentinel) {
		s = append(s, &Step{ID: "check-replicas", Kind: KindVerify, Title: "wait until every replica of the target streams from the new primary (lag shown)",
			run: func(ctx context.Context, x *execution) error { return x.waitFollowers(ctx, f) }})
	}
	s = append(s, &Step{ID: "detach-target", Kind: KindHelm, Title: "make the target stand alone (configuration only, no restart)",
		Helm: []HelmChange{{Release: m.Target.Release, Values: v.detach,
			Expect: []Expectation{configOnly("the target's replication settings are cleared")}}}})
	if sg, ok := e.(sentinels); ok && m.Topology == Sentinel {
		values, err := sg.sentinelValues()
		if err != nil {
			return nil, nil, err
		}
		s = append(s, &Step{ID: "start-sentinels", Kind: KindHelm, Title: "start the target's Sentinels, watching the new master; wait until they agree",
			Helm: []HelmChange{{Release: m.Target.Release, Values: values, Expect: []Expectation{sentinelCreate}}},
			run:  func(ctx context.Context, x *execution) error { return x.waitSentinels(ctx, sg) }})
	}
	if m.Component == Postgres {
		s = append(s, &Step{ID: "release-source", Kind: KindAction, Title: "drop the replication slot on the source",
			run: func(ctx context.Context, x *execution) error { return e.releaseSource(ctx) }})
	}
	repoint, err := repointStep(m)
	if err != nil {
		return nil, nil, err
	}
	s = append(s, repoint,
		&Step{ID: "resume-clients", Kind: KindResume, Title: "start the clients again",
			Helm: clientChanges(m, false), run: func(ctx context.Context, x *execution) error { return x.resumeClients(ctx, "resume-clients") }},
		&Step{ID: "verify", Kind: KindVerify, Title: "verify: the target is the writable primary, the source refuses writes, the name points at the target",
			run: func(ctx context.Context, x *execution) error { return x.verify(ctx, e) }},
	)
	return s, []*cut{c}, nil
}

// values are the chart values of the runbook's upgrades of the source and
// the target.
type values struct{ source, target, detach, fence map[string]any }

func valuesOf(e engine) (values, error) {
	var v values
	for _, f := range []struct {
		dst *map[string]any
		get func() (map[string]any, error)
	}{{&v.source, e.sourceValues}, {&v.target, e.targetValues}, {&v.detach, e.detachValues}, {&v.fence, e.fenceValues}} {
		var err error
		if *f.dst, err = f.get(); err != nil {
			return v, err
		}
	}
	return v, nil
}

// repointStep points the endpoint at the target's client address.
func repointStep(m *Migration) (*Step, error) {
	host, port, _ := net.SplitHostPort(m.Target.clientAddress())
	portN, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("target.clientAddress: bad port %q", port)
	}
	return &Step{ID: "repoint", Kind: KindRepoint, Title: fmt.Sprintf("point %s at the target (%s)", m.Endpoint.Release, m.Target.clientAddress()),
		Helm: []HelmChange{{Release: m.Endpoint, Values: map[string]any{"host": host, "port": portN}, Expect: []Expectation{repoint}}}}, nil
}

// clientChanges are the helm upgrades that scale release clients to zero
// (pause) or back.
func clientChanges(m *Migration, pause bool) []HelmChange {
	var out []HelmChange
	for _, c := range m.Clients {
		if c.Release == nil {
			continue
		}
		n := 0
		if !pause {
			n = *c.Replicas
		}
		out = append(out, HelmChange{Release: *c.Release, Values: setPath(nil, c.ReplicasValue, n), Expect: []Expectation{scale}})
	}
	return out
}

// setPath sets a dotted key in nested maps.
func setPath(m map[string]any, key string, v any) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	cur := m
	parts := splitDotted(key)
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[parts[len(parts)-1]] = v
	return m
}

// splitDotted splits a.b.c, with \. for a dot inside a key.
func splitDotted(key string) []string {
	var parts []string
	var cur []byte
	for i := 0; i < len(key); i++ {
		switch {
		case key[i] == '\\' && i+1 < len(key) && key[i+1] == '.':
			cur = append(cur, '.')
			i++
		case key[i] == '.':
			parts = append(parts, string(cur))
			cur = cur[:0]
		default:
			cur = append(cur, key[i])
		}
	}
	return append(parts, string(cur))
}

func humanBytes(n int64) string {
	switch {
	case n < 0:
		return "-" + humanBytes(-n)
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
