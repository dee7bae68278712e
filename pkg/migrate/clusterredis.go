package migrate

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// clusterNode is one line of CLUSTER NODES: a node as another sees it.
type clusterNode struct {
	id string
	// addr is host:port as the node announces it, bus its cluster bus.
	addr, bus string
	flags     []string
	// master is the id of the node it replicates, "" for a master.
	master    string
	connected bool
	// slots counts the slot ranges it serves.
	slots int
	// open are the slots it is moving to or from another master, in its
	// own line only ("[3300->-id]" migrating, "[3300-<-id]" importing): a
	// reshard under way, or left half done
	open []string
}

func (n clusterNode) is(flag string) bool { return slices.Contains(n.flags, flag) }

// clusterNodes reads CLUSTER NODES.
func (n *redisNode) clusterNodes(ctx context.Context) ([]clusterNode, error) {
	s, err := n.c.ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("redis at %s: CLUSTER NODES: %w", n.addr, err)
	}
	return parseClusterNodes(s)
}

// parseClusterNodes reads the lines of CLUSTER NODES: id, ip:port@cport
// (with ,hostname in Redis 7), flags, master, ping-sent, pong-recv,
// config-epoch, link-state, slots.
func parseClusterNodes(s string) ([]clusterNode, error) {
	var out []clusterNode
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("CLUSTER NODES: a line of %d fields: %q", len(f), line)
		}
		addr, rest, _ := strings.Cut(f[1], "@")
		cport, _, _ := strings.Cut(rest, ",")
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("CLUSTER NODES: bad address %q", f[1])
		}
		n := clusterNode{id: f[0], addr: addr, bus: net.JoinHostPort(host, cport), flags: strings.Split(f[2], ","),
			connected: f[7] == "connected"}
		for _, slot := range f[8:] {
			if strings.HasPrefix(slot, "[") {
				n.open = append(n.open, slot)
			} else {
				n.slots++
			}
		}
		if f[3] != "-" {
			n.master = f[3]
		}
		out = append(out, n)
	}
	return out, nil
}

// self is the node's own line of CLUSTER NODES.
func (n *redisNode) self(ctx context.Context) (clusterNode, error) {
	nodes, err := n.clusterNodes(ctx)
	if err != nil {
		return clusterNode{}, err
	}
	for _, c := range nodes {
		if c.is("myself") {
			return c, nil
		}
	}
	return clusterNode{}, fmt.Errorf("redis at %s: CLUSTER NODES has no line for itself", n.addr)
}

// shardView is a shard that serves slots, in one node's view.
type shardView struct {
	slots    []redis.SlotRange
	master   string // host:port
	replicas []string
	// first is its lowest slot: shards are numbered in its order.
	first int64
}

func (s shardView) String() string {
	var r []string
	for _, sr := range s.slots {
		if sr.Start == sr.End {
			r = append(r, strconv.FormatInt(sr.Start, 10))
		} else {
			r = append(r, fmt.Sprintf("%d-%d", sr.Start, sr.End))
		}
	}
	return strings.Join(r, ",")
}

// has says whether the shard serves slot.
func (s shardView) has(slot int64) bool {
	return slices.ContainsFunc(s.slots, func(r redis.SlotRange) bool { return r.Start <= slot && slot <= r.End })
}

// coverage reads CLUSTER SHARDS and CLUSTER INFO of one node and checks
// that, in its view, the cluster is ok and every one of the 16,384 slots
// is served by exactly one shard whose master is online. It returns the
// shards that serve slots, by their lowest slot.
func (n *redisNode) coverage(ctx context.Context) ([]shardView, error) {
	info, err := n.c.ClusterInfo(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("redis at %s: CLUSTER INFO: %w", n.addr, err)
	}
	if !strings.Contains(info, "cluster_state:ok") {
		return nil, fmt.Errorf("redis at %s: the cluster is not ok in its view (%s)", n.addr, firstLine(strings.ReplaceAll(info, "\r\n", " ")))
	}
	shards, err := n.c.ClusterShards(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("redis at %s: CLUSTER SHARDS: %w", n.addr, err)
	}
	v, err := slotCoverage(shards)
	if err != nil {
		return nil, fmt.Errorf("redis at %s: %w", n.addr, err)
	}
	return v, nil
}

// slotCoverage checks an answer of CLUSTER SHARDS: every one of the 16,384
// slots served by exactly one shard, whose master is online. It returns
// the shards that serve slots, by their lowest slot.
func slotCoverage(shards []redis.ClusterShard) ([]shardView, error) {
	var out []shardView
	var ranges []redis.SlotRange
	for _, sh := range shards {
		if len(sh.Slots) == 0 {
			continue
		}
		v := shardView{slots: sh.Slots, first: clusterSlots}
		for _, r := range sh.Slots {
			if r.Start < 0 || r.End < r.Start || r.End >= clusterSlots {
				return nil, fmt.Errorf("a shard serves the slots %d-%d, outside 0-%d", r.Start, r.End, clusterSlots-1)
			}
			v.first = min(v.first, r.Start)
		}
		for _, node := range sh.Nodes {
			addr := net.JoinHostPort(node.IP, strconv.FormatInt(node.Port, 10))
			switch {
			case node.Role == "master" && v.master != "":
				return nil, fmt.Errorf("slots %s have two masters, %s and %s", v, v.master, addr)
			case node.Role == "master" && node.Health != "online":
				return nil, fmt.Errorf("slots %s: their master %s is %s", v, addr, node.Health)
			case node.Role == "master":
				v.master = addr
			default:
				v.replicas = append(v.replicas, addr)
			}
		}
		if v.master == "" {
			return nil, fmt.Errorf("slots %s have no master", v)
		}
		ranges = append(ranges, sh.Slots...)
		out = append(out, v)
	}
	slices.SortFunc(ranges, func(a, b redis.SlotRange) int { return int(a.Start - b.Start) })
	next := int64(0)
	for _, r := range ranges {
		switch {
		case r.Start < next:
			return nil, fmt.Errorf("slot %d is served twice", r.Start)
		case r.Start > next:
			return nil, fmt.Errorf("slots %d-%d are not served", next, r.Start-1)
		}
		next = r.End + 1
	}
	if next != clusterSlots {
		return nil, fmt.Errorf("slots %d-%d are not served", next, clusterSlots-1)
	}
	slices.SortFunc(out, func(a, b shardView) int { return int(a.first - b.first) })
	return out, nil
}

// clusterFailoverTimeout is how long Redis keeps a manual failover
// (CLUSTER FAILOVER) going before it gives up (CLUSTER_MF_TIMEOUT): past
// it, a failover that did not complete never will.
const clusterFailoverTimeout = 5 * time.Second
