package migrate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// clusterEngine is the Redis runbook of topology cluster. The target's
// nodes join the source's cluster (CLUSTER MEET: the cluster bus must
// reach between the two Kubernetes clusters, which join-target checks
// before anything moves) and become replicas of the source's shards
// (CLUSTER REPLICATE), not promotable (cluster-replica-no-failover), so
// that no automatic failover hands a shard to the other side. Then the
// shards switch over one at a time, each with the fence, the positions
// and the content check of a single server: the shard's source master is
// fenced (min-replicas-to-write beyond any count: every write to its slots
// is refused with NOREPLICAS, while the other shards go on), its target
// nodes must have exactly its offset on its replication stream, the
// content of the fenced master and of the target node that takes over are
// compared, and only then does that node run CLUSTER FAILOVER, Redis's
// coordinated failover (the master pauses its clients and hands over at
// equal offsets; the epoch it wins makes the switch durable in every
// node's nodes.conf, so a restarted old master comes back as a replica,
// and the fence need not be written to its configuration). A failover that
// does not complete within the catch-up timeout (and Redis's own 5 s, so
// that it cannot complete later) rolls that shard back. Clients are not
// paused: a cluster-aware client follows MOVED to the new master, and
// writes to a shard are refused only between its fence and its failover.
// Slot coverage is checked with CLUSTER SHARDS and CLUSTER INFO before and
// after each shard, in the view of every node. When every shard has moved,
// the source's nodes are forgotten by every target node (CLUSTER FORGET)
// and removed (their StatefulSet scaled to 0, reviewed).
type clusterEngine struct{ redisAuth }

// clusterShard is one shard's switch-over.
type clusterShard struct {
	e *clusterEngine
	// i is the shard's number, 1-based, in the order of the lowest slot.
	i int
}

// removeSource is what remove-source may change: the source's pods, scaled
// to zero.
var removeSource = Expectation{Kinds: []string{"StatefulSet"}, Actions: []diffparse.Action{diffparse.Update},
	Max: rules.Disruptive, Paths: []kube.Pattern{kube.MustParsePattern("spec.replicas")}, Why: "the source's nodes are removed (scaled to 0; their volumes stay)"}

// clusterSteps are the steps of topology cluster: a switch-over per
// shard, one shard at a time.
func clusterSteps(m *Migration, e *clusterEngine) ([]*Step, []*cut, error) {
	v, err := valuesOf(e)
	if err != nil {
		return nil, nil, err
	}
	removeValues := map[string]any{"replicas": 0}
	for k, val := range v.source {
		removeValues[k] = val
	}
	lag := m.Thresholds.MaxLag
	s := []*Step{
		{ID: "check-source", Kind: KindVerify, Title: fmt.Sprintf("check the source's cluster: %d shards, every slot served, every node listed, its cluster bus reachable", m.Redis.Shards),
			run: func(ctx context.Context, x *execution) error { return e.checkSource(ctx, x.r) }},
		{ID: "prepare-source", Kind: KindHelm, Title: "make the source ready for replication (configuration only, no restart)",
			Helm: []HelmChange{{Release: m.Source.Release, Values: v.source,
				Expect: []Expectation{configOnly("the replication settings of the source")}}}},
		{ID: "apply-source-config", Kind: KindAction, Title: "apply the replication settings on the running source nodes",
			run: func(ctx context.Context, x *execution) error { return e.prepareSource(ctx) }},
		{ID: "install-target", Kind: KindHelm, Title: "create the target's nodes, empty and not promotable",
			Helm: []HelmChange{{Release: m.Target.Release, Values: v.target, Install: true, Expect: []Expectation{anyCreate}}}},
		{ID: "join-target", Kind: KindAction, Title: "join the target's nodes to the source's cluster, each a replica of its shard, none moving to another shard (replica migration off)",
			run: func(ctx context.Context, x *execution) error { return e.join(ctx, x.r) }},
		{ID: "wait-replica", Kind: KindWait, Title: fmt.Sprintf("wait until every target node streams from its shard's master, at most %s behind", humanBytes(int64(lag))),
			run: func(ctx context.Context, x *execution) error { return x.waitReplicating(ctx, e) }},
	}
	var cuts []*cut
	for i := 1; i <= m.Redis.Shards; i++ {
		sh := &clusterShard{e: e, i: i}
		fence, caught, compare, failover := fmt.Sprintf("fence-shard-%d", i), fmt.Sprintf("wait-caught-up-shard-%d", i),
			fmt.Sprintf("compare-data-shard-%d", i), fmt.Sprintf("failover-shard-%d", i)
		c := &cut{name: fmt.Sprintf("shard %d", i), ops: sh, state: func(st *State) *Cut { return st.shard(i) },
			fenceStep: fence, pending: []string{fence, caught, compare}}
		cuts = append(cuts, c)
		s = append(s,
			&Step{ID: fence, Kind: KindFence, Title: fmt.Sprintf("shard %d: check the slots; fence its source master (its writes are refused until the failover)", i),
				run: func(ctx context.Context, x *execution) error { return x.fence(ctx, c) }},
			&Step{ID: caught, Kind: KindWait, Title: fmt.Sprintf("shard %d: wait until its target nodes have every write, at the master's offset (at most %v, else roll back)", i, time.Duration(m.Thresholds.CatchUpTimeout)),
				run: func(ctx context.Context, x *execution) error { return x.waitCaughtUp(ctx, c, caught) }},
			&Step{ID: compare, Kind: KindVerify, Title: fmt.Sprintf("shard %d: compare the content of its fenced master and its new master; a difference rolls back", i),
				run: func(ctx context.Context, x *execution) error { return x.compare(ctx, c, compare) }},
			&Step{ID: failover, Kind: KindPromote, Title: fmt.Sprintf("shard %d: CLUSTER FAILOVER to its target node; check the slots (a failover that does not complete rolls back)", i),
				Confirm:  fmt.Sprintf("Fail shard %d over to the target? After this the shard cannot be aborted.", i),
				NoReturn: true, run: func(ctx context.Context, x *execution) error { return x.promote(ctx, c, failover) }},
		)
	}
	repoint, err := repointStep(m)
	if err != nil {
		return nil, nil, err
	}
	s = append(s,
		&Step{ID: "detach-target", Kind: KindHelm, Title: "make the target's nodes promotable (configuration, and the running nodes)",
			Helm: []HelmChange{{Release: m.Target.Release, Values: v.detach,
				Expect: []Expectation{configOnly("the target's nodes may take over their shards from now on")}}},
			run: func(ctx context.Context, x *execution) error { return e.promotable(ctx) }},
		&Step{ID: "forget-source", Kind: KindAction, Title: "every target node forgets the source's nodes; every slot is then served by target nodes only",
			run: func(ctx context.Context, x *execution) error { return e.forget(ctx, x.r) }},
		&Step{ID: "remove-source", Kind: KindHelm, Title: "remove the source's nodes (scaled to 0; their volumes stay until delete-source)",
			Helm: []HelmChange{{Release: m.Source.Release, Values: removeValues, Expect: []Expectation{removeSource}}},
			run:  func(ctx context.Context, x *execution) error { return e.sourceGone(ctx) }},
		repoint,
		&Step{ID: "verify", Kind: KindVerify, Title: "verify: every slot served by the target's nodes only, each replica following its master, the source gone, the name re-pointed; then the target's nodes may move between shards again (replica migration)",
			run: func(ctx context.Context, x *execution) error { return x.verify(ctx, e) }},
	)
	return s, cuts, nil
}

func (e *clusterEngine) dial(ctx context.Context, addr string) (*redisNode, error) {
	return e.dialAddr(ctx, addr)
}

// view returns the shards in the view of the first node of addrs that
// answers, having checked the coverage in the view of every node that
// answers; at least one must.
func (e *clusterEngine) view(ctx context.Context, addrs []string) ([]shardView, error) {
	var first []shardView
	var errs []error
	for _, a := range addrs {
		n, err := e.dial(ctx, a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v, err := n.coverage(ctx)
		n.close()
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = v
		}
	}
	if first == nil {
		return nil, fmt.Errorf("no node answers: %w", errors.Join(errs...))
	}
	if len(first) != e.m.Redis.Shards {
		return nil, permanent(fmt.Errorf("the cluster has %d shards with slots, the file says redis.shards: %d", len(first), e.m.Redis.Shards))
	}
	return first, nil
}

// nodes are every node of both sides.
func (e *clusterEngine) nodes() []string {
	return append(slices.Clone(e.m.Source.Nodes), e.m.Target.Nodes...)
}

// describe shows where each shard is served, naming the side of each
// master.
func (e *clusterEngine) describe(v []shardView) string {
	var parts []string
	for i, s := range v {
		side := "source"
		if containsAddr(e.m.Target.Nodes, s.master) {
			side = "target"
		}
		parts = append(parts, fmt.Sprintf("shard %d (slots %s) at %s (%s)", i+1, s, s.master, side))
	}
	return strings.Join(parts, "; ")
}

// checkSource checks the source's cluster before anything changes: the
// coverage in the view of every node, the shards, that the cluster has no
// node the file does not list, and that the cluster bus of every node is
// reachable from here (the target's nodes must reach it too: a stated
// prerequisite, which join-target checks from their side).
func (e *clusterEngine) checkSource(ctx context.Context, r *Runner) error {
	v, err := e.view(ctx, e.m.Source.Nodes)
	if err != nil {
		return err
	}
	n, err := e.dial(ctx, e.m.Source.Nodes[0])
	if err != nil {
		return err
	}
	defer n.close()
	nodes, err := n.clusterNodes(ctx)
	if err != nil {
		return err
	}
	for _, cn := range nodes {
		if !containsAddr(e.m.Source.Nodes, cn.addr) && !containsAddr(e.m.Target.Nodes, cn.addr) {
			return fmt.Errorf("the cluster has a node at %s that source.nodes does not list: list every node, so that all of them are moved and removed", cn.addr)
		}
		if containsAddr(e.m.Target.Nodes, cn.addr) {
			continue // a resumed run: joined already
		}
		conn, err := net.DialTimeout("tcp", cn.bus, 5*time.Second)
		if err != nil {
			return fmt.Errorf("the cluster bus of %s (%s) is not reachable from here: %w. The target's nodes must reach every source node's cluster bus, and the source's nodes the target's", cn.addr, cn.bus, err)
		}
		conn.Close()
	}
	if err := e.noOpenSlots(ctx, e.m.Source.Nodes); err != nil {
		return err
	}
	r.printf("      %s\n", e.describe(v))
	return nil
}

// noOpenSlots refuses a cluster whose masters are moving a slot between
// them (MIGRATING on one, IMPORTING on the other: a reshard under way, or
// left half done): the state is a master's own, which the node that takes
// its shard over does not inherit. The keys moved already would be
// unreachable, and the importing master, which then sees a slot no master
// serves, refuses every command (CLUSTERDOWN).
func (e *clusterEngine) noOpenSlots(ctx context.Context, addrs []string) error {
	for _, addr := range addrs {
		n, err := e.dial(ctx, addr)
		if err != nil {
			return err
		}
		self, err := n.self(ctx)
		n.close()
		if err != nil {
			return err
		}
		if len(self.open) > 0 {
			return fmt.Errorf("redis at %s is moving slots to or from another master (%s: MIGRATING or IMPORTING, a reshard under way or left half done): finish it (redis-cli --cluster fix) first", addr, strings.Join(self.open, " "))
		}
	}
	return nil
}

func (e *clusterEngine) sourceValues() (map[string]any, error) {
	return map[string]any{"replication": map[string]any{"enabled": true}}, nil
}

// fenceValues is nil: a shard's switch is durable in the cluster's own
// configuration (the epoch its new master won).
func (e *clusterEngine) fenceValues() (map[string]any, error) { return nil, nil }

func (e *clusterEngine) targetValues() (map[string]any, error) {
	v := map[string]any{"cluster": map[string]any{"enabled": true, "create": false}, "promotable": false,
		"replication": map[string]any{"enabled": true}}
	pw, err := e.password()
	if err != nil {
		return nil, err
	}
	if pw != "" {
		v["auth"] = map[string]any{"password": pw}
	}
	return v, nil
}

func (e *clusterEngine) detachValues() (map[string]any, error) {
	v, err := e.targetValues()
	if err != nil {
		return nil, err
	}
	v["promotable"] = true
	return v, nil
}

func (e *clusterEngine) prepareSource(ctx context.Context) error {
	return e.configSet(ctx, e.m.Source.Nodes, redisReplicationConfig)
}

// promotable lets every target node take over its shard in an automatic
// failover, from now on.
func (e *clusterEngine) promotable(ctx context.Context) error {
	return e.configSet(ctx, e.m.Target.Nodes, [][2]string{{"cluster-replica-no-failover", "no"}})
}

// shardOf is the shard (1-based) of the target's node i, and whether it
// becomes that shard's master.
func (e *clusterEngine) shardOf(i int) (int, bool) {
	return i%e.m.Redis.Shards + 1, i < e.m.Redis.Shards
}

// targetsOf are the target's nodes of shard i, the one that takes over
// first.
func (e *clusterEngine) targetsOf(shard int) []string {
	var out []string
	for i, a := range e.m.Target.Nodes {
		if s, _ := e.shardOf(i); s == shard {
			out = append(out, a)
		}
	}
	return out
}

// busTimeout bounds the wait for the cluster bus handshakes of the
// target's nodes with the source's.
const busTimeout = time.Minute

// join makes every target node a member of the source's cluster and a
// replica of its shard's master. The handshake must complete both ways
// (every source node sees every target node connected, and the other way
// round) within busTimeout: else the cluster bus does not reach between
// the two sides, the stated prerequisite. Coverage is checked before and
// after.
func (e *clusterEngine) join(ctx context.Context, r *Runner) error {
	v, err := e.view(ctx, e.m.Source.Nodes)
	if err != nil {
		return err
	}
	seed, err := e.dial(ctx, v[0].master)
	if err != nil {
		return err
	}
	members, err := seed.clusterNodes(ctx)
	seed.close()
	if err != nil {
		return err
	}
	// the target's nodes were installed by the step before, and helm
	// install does not wait for their pods: a node that refuses the
	// connection may be starting (any other error is not retried)
	err = waitFor(ctx, busTimeout, func() (bool, error) {
		for _, addr := range e.m.Target.Nodes {
			n, err := e.dial(ctx, addr)
			if err != nil {
				if _, dialing := errors.AsType[*net.OpError](err); dialing {
					return false, err
				}
				return false, permanent(err)
			}
			n.close()
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("the target's nodes do not answer (their pods are not running?): %w", err)
	}
	// no target node moves to another shard on its own (Redis's replica
	// migration) before verify has seen each follow its own shard's
	// master: the chart says so for a node that is not promotable, this
	// says so for any node, before it joins
	if err := e.configSet(ctx, e.m.Target.Nodes, [][2]string{{"cluster-allow-replica-migration", "no"}}); err != nil {
		return err
	}
	// each target node meets every source node at its announced address
	// and cluster bus port: no handshake waits for gossip
	for _, addr := range e.m.Target.Nodes {
		t, err := e.dial(ctx, addr)
		if err != nil {
			return err
		}
		for _, cn := range members {
			if containsAddr(e.m.Target.Nodes, cn.addr) {
				continue
			}
			host, port, _ := net.SplitHostPort(cn.addr)
			_, bus, _ := net.SplitHostPort(cn.bus)
			if err = t.c.Do(ctx, "CLUSTER", "MEET", host, port, bus).Err(); err != nil {
				err = fmt.Errorf("redis at %s: CLUSTER MEET %s: %w", addr, cn.addr, err)
				break
			}
		}
		t.close()
		if err != nil {
			return err
		}
	}
	var missing string
	err = waitFor(ctx, busTimeout, func() (bool, error) {
		missing = ""
		for _, a := range e.nodes() {
			n, err := e.dial(ctx, a)
			if err != nil {
				return false, err
			}
			nodes, err := n.clusterNodes(ctx)
			n.close()
			if err != nil {
				return false, err
			}
			for _, b := range e.nodes() {
				if !slices.ContainsFunc(nodes, func(cn clusterNode) bool {
					return sameAddr(cn.addr, b) && (cn.is("myself") || cn.connected && !cn.is("handshake") && !cn.is("noaddr") && !cn.is("fail?") && !cn.is("fail"))
				}) {
					missing = fmt.Sprintf("%s does not see %s connected", a, b)
					return false, nil
				}
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("the cluster bus does not reach between the source's and the target's nodes: %s after %v (%v). Both sides' nodes must reach each other's announced address and cluster bus port (port + 10000): the stated prerequisite", missing, busTimeout, err)
	}
	masters := map[int]string{}
	for i, s := range v {
		n, err := e.dial(ctx, s.master)
		if err != nil {
			return err
		}
		me, err := n.self(ctx)
		n.close()
		if err != nil {
			return err
		}
		masters[i+1] = me.id
	}
	for i, addr := range e.m.Target.Nodes {
		shard, _ := e.shardOf(i)
		if err := e.replicate(ctx, addr, masters[shard], v[shard-1].master); err != nil {
			return err
		}
	}
	if v, err = e.view(ctx, e.nodes()); err != nil {
		return err
	}
	r.printf("      every target node is a replica of its shard; %s\n", e.describe(v))
	return nil
}

// replicate makes the target node at addr a replica of master (its id),
// unless it is one already; it must be an empty master otherwise.
func (e *clusterEngine) replicate(ctx context.Context, addr, master, masterAddr string) error {
	n, err := e.dial(ctx, addr)
	if err != nil {
		return err
	}
	defer n.close()
	return waitFor(ctx, busTimeout, func() (bool, error) {
		me, err := n.self(ctx)
		switch {
		case err != nil:
			return false, err
		case me.master == master:
			return true, nil
		case me.is("master") && me.slots > 0, me.master != "":
			return false, permanent(fmt.Errorf("the target node at %s already serves slots or replicates another node: it is not a new, empty node", addr))
		}
		if err := n.c.ClusterReplicate(ctx, master).Err(); err != nil {
			return false, fmt.Errorf("redis at %s: CLUSTER REPLICATE %s (%s): %w", addr, master, masterAddr, err)
		}
		return false, nil
	})
}

// replicating: every target node replicates its shard's master, synced,
// and how far behind the furthest is.
func (e *clusterEngine) replicating(ctx context.Context) (bool, int64, string, error) {
	v, err := e.view(ctx, e.nodes())
	if err != nil {
		return false, 0, "", err
	}
	ok, lag := true, int64(0)
	var parts []string
	for shard := 1; shard <= len(v); shard++ {
		m, err := e.dial(ctx, v[shard-1].master)
		if err != nil {
			return false, 0, "", err
		}
		mr, err := m.replication(ctx)
		m.close()
		if err != nil {
			return false, 0, "", err
		}
		shardLag := int64(0)
		for _, addr := range e.targetsOf(shard) {
			r, err := e.replicaState(ctx, addr)
			if err != nil {
				return false, 0, "", err
			}
			l := max(mr.Offset-r.Offset, 0)
			shardLag = max(shardLag, l)
			ok = ok && r.Role == "slave" && r.LinkUp && !r.Syncing && r.ReplID == mr.ReplID
			if r.Syncing || !r.LinkUp {
				parts = append(parts, fmt.Sprintf("shard %d: %s %s", shard, addr, linkText(r)))
			}
		}
		lag = max(lag, shardLag)
		parts = append(parts, fmt.Sprintf("shard %d: %s behind", shard, humanBytes(shardLag)))
	}
	return ok, lag, strings.Join(parts, ", "), nil
}

func (e *clusterEngine) replicaState(ctx context.Context, addr string) (redisRepl, error) {
	n, err := e.dial(ctx, addr)
	if err != nil {
		return redisRepl{}, err
	}
	defer n.close()
	return n.replication(ctx)
}

// sessions: a cluster's clients are not paused.
func (e *clusterEngine) sessions(ctx context.Context) ([]string, error) { return nil, nil }

// verifyData: each shard's content was compared before its failover.
func (e *clusterEngine) verifyData(ctx context.Context) error { return nil }

// forget makes every target node forget every source node, once no source
// node serves slots; then every slot is served by target nodes only.
func (e *clusterEngine) forget(ctx context.Context, r *Runner) error {
	v, err := e.view(ctx, e.m.Target.Nodes)
	if err != nil {
		return err
	}
	for i, s := range v {
		if !containsAddr(e.m.Target.Nodes, s.master) {
			return fmt.Errorf("shard %d (slots %s) is still served by %s, a source node: fail it over first", i+1, s, s.master)
		}
	}
	for _, addr := range e.m.Target.Nodes {
		n, err := e.dial(ctx, addr)
		if err != nil {
			return err
		}
		err = waitFor(ctx, busTimeout, func() (bool, error) {
			nodes, err := n.clusterNodes(ctx)
			if err != nil {
				return false, err
			}
			left := false
			for _, cn := range nodes {
				if containsAddr(e.m.Target.Nodes, cn.addr) {
					continue
				}
				left = true
				if err := n.c.ClusterForget(ctx, cn.id).Err(); err != nil && !strings.Contains(err.Error(), "Unknown node") {
					return false, fmt.Errorf("redis at %s: CLUSTER FORGET %s (%s): %w", addr, cn.id, cn.addr, err)
				}
			}
			return !left, nil
		})
		n.close()
		if err != nil {
			return fmt.Errorf("the target node at %s does not forget the source's nodes: %w", addr, err)
		}
	}
	if v, err = e.onlyTarget(ctx); err != nil {
		return err
	}
	r.printf("      every slot is served by the target's nodes only: %s\n", e.describe(v))
	return nil
}

// onlyTarget checks, in the view of every target node, that every slot is
// served and that every node of every shard is a target node.
func (e *clusterEngine) onlyTarget(ctx context.Context) ([]shardView, error) {
	v, err := e.view(ctx, e.m.Target.Nodes)
	if err != nil {
		return nil, err
	}
	for _, addr := range e.m.Target.Nodes {
		n, err := e.dial(ctx, addr)
		if err != nil {
			return nil, err
		}
		nodes, err := n.clusterNodes(ctx)
		n.close()
		if err != nil {
			return nil, err
		}
		for _, cn := range nodes {
			if !containsAddr(e.m.Target.Nodes, cn.addr) {
				return nil, fmt.Errorf("the target node at %s still knows %s, which is not a target node", addr, cn.addr)
			}
		}
		if len(nodes) != len(e.m.Target.Nodes) {
			return nil, fmt.Errorf("the target node at %s knows %d nodes, not the target's %d", addr, len(nodes), len(e.m.Target.Nodes))
		}
	}
	return v, nil
}

// sourceGone waits until no source node answers: their pods stopped.
func (e *clusterEngine) sourceGone(ctx context.Context) error {
	var up string
	err := waitFor(ctx, time.Duration(e.m.Thresholds.StepTimeout), func() (bool, error) {
		up = ""
		for _, addr := range e.m.Source.Nodes {
			if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
				c.Close()
				up = addr
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("the source node at %s still answers after its release was scaled to 0: %w", up, err)
	}
	return nil
}

// releaseSource, after an abort (the target uninstalled): the source's
// nodes forget the target's, and none stays fenced.
func (e *clusterEngine) releaseSource(ctx context.Context) error {
	for _, addr := range e.m.Source.Nodes {
		n, err := e.dial(ctx, addr)
		if err != nil {
			return err
		}
		err = func() error {
			if f, err := n.fenced(ctx); err != nil {
				return err
			} else if f {
				if err := n.unfence(ctx, nil); err != nil {
					return err
				}
			}
			nodes, err := n.clusterNodes(ctx)
			if err != nil {
				return err
			}
			for _, cn := range nodes {
				if containsAddr(e.m.Target.Nodes, cn.addr) {
					if err := n.c.ClusterForget(ctx, cn.id).Err(); err != nil && !strings.Contains(err.Error(), "Unknown node") {
						return fmt.Errorf("redis at %s: CLUSTER FORGET %s (%s): %w", addr, cn.id, cn.addr, err)
					}
				}
			}
			return nil
		}()
		n.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// follow checks that each target node that is not a master streams from
// its shard's master.
func (e *clusterEngine) follow(ctx context.Context) (bool, []string, error) {
	v, err := e.view(ctx, e.m.Target.Nodes)
	if err != nil {
		return false, nil, err
	}
	ok := true
	var lines []string
	for shard := 1; shard <= len(v); shard++ {
		m, err := e.dial(ctx, v[shard-1].master)
		if err != nil {
			return false, nil, err
		}
		mr, err := m.replication(ctx)
		m.close()
		if err != nil {
			return false, nil, err
		}
		for _, addr := range e.targetsOf(shard) {
			if sameAddr(addr, v[shard-1].master) {
				continue
			}
			r, err := e.replicaState(ctx, addr)
			if err != nil {
				return false, nil, err
			}
			if r.Role != "slave" || !r.LinkUp || r.ReplID != mr.ReplID {
				ok = false
				lines = append(lines, fmt.Sprintf("shard %d: %s does not stream from its master %s (%s, %s)", shard, addr, v[shard-1].master, r.Role, linkText(r)))
				continue
			}
			lines = append(lines, fmt.Sprintf("shard %d: %s streams from %s, %s behind", shard, addr, v[shard-1].master, humanBytes(max(mr.Offset-r.Offset, 0))))
		}
	}
	return ok, lines, nil
}

// verify: every slot served by target nodes only in the view of each,
// every replica following its master, the source's nodes gone; then
// replica migration is allowed again on the target's nodes.
func (e *clusterEngine) verify(ctx context.Context) error {
	if _, err := e.onlyTarget(ctx); err != nil {
		return err
	}
	if ok, lines, err := e.follow(ctx); err != nil || !ok {
		return orErr(err, "the target's replicas do not all follow their masters: "+strings.Join(lines, "; "))
	}
	for _, addr := range e.m.Target.Nodes {
		n, err := e.dial(ctx, addr)
		if err != nil {
			return err
		}
		f, err := n.fenced(ctx)
		n.close()
		if err != nil || f {
			return orErr(err, fmt.Sprintf("the target node at %s refuses writes (min-replicas-to-write)", addr))
		}
	}
	if err := e.sourceGone(ctx); err != nil {
		return err
	}
	// each replica follows its own shard's master and the source's nodes
	// are gone: the target's nodes may move between shards again, as
	// Redis does by default (join-target forbade it)
	return e.configSet(ctx, e.m.Target.Nodes, [][2]string{{"cluster-allow-replica-migration", "yes"}})
}

func (e *clusterEngine) live(ctx context.Context) liveState {
	var ls liveState
	for _, addr := range e.m.Target.Nodes {
		n, err := e.dial(ctx, addr)
		if err != nil {
			ls.targetErr = err
			continue
		}
		me, err := n.self(ctx)
		n.close()
		if err != nil {
			ls.targetErr = err
			continue
		}
		ls.targetReachable = true
		if me.is("master") && me.slots > 0 {
			ls.targetPromoted, ls.targetWritable = true, true
		}
	}
	if ls.targetReachable {
		ls.targetErr = nil
	}
	for _, addr := range e.m.Source.Nodes {
		n, err := e.dial(ctx, addr)
		if err != nil {
			ls.sourceErr = err
			continue
		}
		f, err := n.fenced(ctx)
		n.close()
		ls.sourceFenced = ls.sourceFenced || (err == nil && f)
	}
	return ls
}

// master is the shard's master now, in the view of the nodes of both
// sides, and whether it is a target node.
func (sh *clusterShard) master(ctx context.Context) (shardView, bool, error) {
	v, err := sh.e.view(ctx, sh.e.nodes())
	if err != nil {
		return shardView{}, false, err
	}
	s := v[sh.i-1]
	return s, containsAddr(sh.e.m.Target.Nodes, s.master), nil
}

// masterKnows waits, at most the catch-up timeout, until the shard's
// fenced master lists the taker as its replica, over a connected cluster
// bus link both ways: a master ignores a manual failover request
// (MFSTART) from a node it does not know as its replica, and the request
// times out having done nothing.
func (sh *clusterShard) masterKnows(ctx context.Context, t *redisNode, c *Cut, j journal) error {
	src, err := sh.e.dial(ctx, c.Source)
	if err != nil {
		return err
	}
	defer src.close()
	var why string
	start := time.Now()
	err = waitFor(ctx, time.Duration(sh.e.m.Thresholds.CatchUpTimeout), func() (bool, error) {
		master, err := src.self(ctx)
		if err != nil {
			return false, err
		}
		me, err := t.self(ctx)
		if err != nil {
			return false, err
		}
		if me.master != master.id {
			return false, permanent(fmt.Errorf("the target node at %s replicates %s, not shard %d's fenced master %s (%s)", sh.taker(), orNone(me.master), sh.i, c.Source, master.id))
		}
		why = "the target node's link to its master is down"
		if up, err := linked(ctx, t, master.id, ""); err != nil || !up {
			return false, err
		}
		why = "the master does not list the target node as its replica yet"
		return linked(ctx, src, me.id, master.id)
	})
	if err != nil {
		return fmt.Errorf("shard %d: no failover to %s: %s: %w", sh.i, sh.taker(), why, err)
	}
	if d := time.Since(start); d > pollEvery {
		j.say("shard %d: waited %v until its master knew %s as its replica over the cluster bus", sh.i, d.Round(time.Millisecond), sh.taker())
	}
	return nil
}

// linked reports whether the node n sees the node id connected over the
// cluster bus and, when master is not "", as a replica of master.
func linked(ctx context.Context, n *redisNode, id, master string) (bool, error) {
	nodes, err := n.clusterNodes(ctx)
	if err != nil {
		return false, err
	}
	for _, o := range nodes {
		if o.id == id {
			return o.connected && !o.is("fail?") && !o.is("fail") && (master == "" || o.master == master), nil
		}
	}
	return false, nil
}

// taker is the target node that takes the shard over.
func (sh *clusterShard) taker() string { return sh.e.m.Target.Nodes[sh.i-1] }

// fence fences the shard's source master: its address is recorded first,
// with the settings the fence changes. A cluster's clients are not ended:
// they follow MOVED, and every write they send to the fenced master is
// refused.
func (sh *clusterShard) fence(ctx context.Context, c *Cut, j journal) error {
	s, onTarget, err := sh.master(ctx)
	if err != nil {
		return err
	}
	if onTarget {
		return permanent(fmt.Errorf("shard %d (slots %s) is served by the target node %s already, and this migration did not fail it over: find out who did", sh.i, s, s.master))
	}
	if !c.Fenced {
		// a reshard may have begun since check-source
		if err := sh.e.noOpenSlots(ctx, sh.e.m.Source.Nodes); err != nil {
			return err
		}
	}
	if c.Source == "" {
		c.Source = s.master
	} else if !sameAddr(c.Source, s.master) {
		return permanent(fmt.Errorf("shard %d's master changed from %s, which the fence is on, to %s: the source failed over; abort, then run again", sh.i, c.Source, s.master))
	}
	n, err := sh.e.dial(ctx, c.Source)
	if err != nil {
		return err
	}
	defer n.close()
	if err := n.fenceRecorded(ctx, c, j); err != nil {
		return err
	}
	r, err := n.replication(ctx)
	if err != nil {
		return err
	}
	c.FencePosition = "offset " + strconv.FormatInt(r.Offset, 10) + " of " + c.Source
	c.FenceStream = &RedisStream{ReplID: r.ReplID, Offset: r.Offset}
	j.log("shard %d (slots %s): its master %s is fenced", sh.i, s, c.Source)
	return nil
}

func (sh *clusterShard) unfence(ctx context.Context, c *Cut) error {
	if c.Source == "" {
		return nil
	}
	n, err := sh.e.dial(ctx, c.Source)
	if err != nil {
		return err
	}
	defer n.close()
	return n.unfence(ctx, c.SavedConfig)
}

// caughtUp: every target node of the shard follows the fenced master's
// stream at exactly its offset.
func (sh *clusterShard) caughtUp(ctx context.Context, c *Cut) (bool, int64, error) {
	t, err := sh.e.dial(ctx, sh.taker())
	if err != nil {
		return false, 0, err
	}
	me, err := t.self(ctx)
	t.close()
	if err != nil {
		return false, 0, err
	}
	if me.is("master") && me.slots > 0 {
		if c.Promoted {
			return true, 0, nil // failed over by this runbook, once it had every write
		}
		return false, 0, permanent(fmt.Errorf("the target node at %s serves slots, and this migration did not fail it over: find out who did", sh.taker()))
	}
	// a reshard begun since the fence: the fenced master sends writes of
	// new keys in its open slot to the importing master, which is not
	// fenced, and whose keys the failover would leave unreachable (and
	// then the cluster down): never caught up, the cut-over rolls back.
	// (An open slot is the fenced master's own state, MIGRATING or
	// IMPORTING: the other masters need not answer.)
	if err := sh.e.noOpenSlots(ctx, []string{c.Source}); err != nil {
		return false, 0, permanent(err)
	}
	src, err := sh.e.dial(ctx, c.Source)
	if err != nil {
		return false, 0, err
	}
	defer src.close()
	return caughtUpTo(ctx, src, c.FenceStream, func() ([]redisRepl, error) {
		var all []redisRepl
		for _, addr := range sh.e.targetsOf(sh.i) {
			r, err := sh.e.replicaState(ctx, addr)
			if err != nil {
				return nil, err
			}
			if r.Role != "slave" {
				return nil, permanent(fmt.Errorf("the target node at %s is a %s, not a replica of shard %d", addr, r.Role, sh.i))
			}
			all = append(all, r)
		}
		return all, nil
	})
}

// compare compares the fenced master and the target node that takes over.
func (sh *clusterShard) compare(ctx context.Context, c *Cut) ([]string, []string, error) {
	pw, err := sh.e.password()
	if err != nil {
		return nil, nil, err
	}
	diffs, err := redisCompare(ctx, c.Source, sh.taker(), pw, true)
	for i := range diffs {
		diffs[i] = fmt.Sprintf("shard %d: %s", sh.i, diffs[i])
	}
	return diffs, nil, err
}

// promote fails the shard over to its target node with CLUSTER FAILOVER
// and waits until that node serves the shard's slots. First the shard's
// master must know the node as its replica (masterKnows). A failover
// that does not complete is waited out until Redis has given it up, then
// asked for again while the catch-up timeout lasts: a request the master
// dropped did nothing. One that never completes is reported as a
// *notPromotedError. After it:
// the shard's source nodes can never be chosen again
// (cluster-replica-no-failover), the slots are all served, and the
// shard's other target nodes follow the new master.
func (sh *clusterShard) promote(ctx context.Context, c *Cut, j journal) error {
	e := sh.e
	t, err := e.dial(ctx, sh.taker())
	if err != nil {
		return err
	}
	defer t.close()
	done := func() (bool, error) {
		me, err := t.self(ctx)
		return me.is("master") && me.slots > 0, err
	}
	ok, err := done()
	if err != nil {
		return err
	}
	start := time.Now()
	if !ok {
		if err := sh.masterKnows(ctx, t, c, j); err != nil {
			// this run asked for no failover; one a killed run asked for
			// is given up by now, or completed
			if err := sleep(ctx, time.Until(start.Add(clusterFailoverTimeout+time.Second))); err != nil {
				return err
			}
			var err2 error
			if ok, err2 = done(); err2 != nil {
				return err2
			} else if !ok {
				return &notPromotedError{why: err.Error()}
			}
		}
	}
	if !ok {
		start = time.Now()
		// Redis gives a manual failover up after clusterFailoverTimeout:
		// past it, one that did not complete never will, and may be asked
		// for again while the catch-up timeout lasts
		attempt := clusterFailoverTimeout + time.Second
		deadline := start.Add(max(time.Duration(e.m.Thresholds.CatchUpTimeout), attempt))
		for n := 1; ; n++ {
			if err := t.c.ClusterFailover(ctx).Err(); err != nil {
				return fmt.Errorf("redis at %s: CLUSTER FAILOVER: %w", sh.taker(), err)
			}
			err := waitFor(ctx, attempt, done)
			var to *errTimeout
			if !errors.As(err, &to) {
				if err != nil {
					return err
				}
				break
			}
			if ok, err := done(); err != nil || ok {
				if err != nil {
					return err
				}
				break
			}
			if time.Until(deadline) < attempt {
				return &notPromotedError{why: fmt.Sprintf("the failover to %s did not complete within %v (attempts: %d): the shard's master must answer it and a majority of the masters vote for it; one of them is stalled or unreachable, or the node's link to its master is down", sh.taker(), time.Since(start).Round(time.Second), n)}
			}
			j.say("shard %d: the failover to %s did not complete within %v (attempt %d); asking again", sh.i, sh.taker(), clusterFailoverTimeout, n)
		}
	}
	// the slots are all served, this shard's by its new master, in every
	// node's view (which gossip brings in line within moments)
	err = waitFor(ctx, busTimeout, func() (bool, error) {
		v, onTarget, err := sh.master(ctx)
		return onTarget && sameAddr(v.master, sh.taker()), err
	})
	if err != nil {
		return fmt.Errorf("shard %d is not served by %s in every node's view after its failover: %w", sh.i, sh.taker(), err)
	}
	j.say("shard %d: %s serves its slots since %v; every slot is served in the view of every node", sh.i, sh.taker(), time.Since(start).Round(time.Millisecond))
	j.log("shard %d failed over to %s", sh.i, sh.taker())
	taker, err := t.self(ctx)
	if err != nil {
		return err
	}
	// the shard's nodes follow the new master: its source nodes never take
	// over again, its other target nodes may
	return waitFor(ctx, time.Duration(e.m.Thresholds.StepTimeout), func() (bool, error) {
		for _, addr := range e.nodes() {
			if sameAddr(addr, sh.taker()) {
				continue
			}
			n, err := e.dial(ctx, addr)
			if err != nil {
				if containsAddr(e.m.Source.Nodes, addr) {
					continue // a source node that is down takes over nothing
				}
				return false, err
			}
			me, err := n.self(ctx)
			if err == nil && me.master == taker.id && containsAddr(e.m.Source.Nodes, addr) {
				err = n.configSet(ctx, "cluster-replica-no-failover", "yes")
			}
			n.close()
			if err != nil {
				return false, err
			}
			if slices.Contains(e.targetsOf(sh.i), addr) && me.master != taker.id {
				return false, nil
			}
		}
		return true, nil
	})
}
