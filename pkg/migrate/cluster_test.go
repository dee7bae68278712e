package migrate

import (
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestSlotCoverage: the check before and after each shard's failover
// passes only when every one of the 16,384 slots is served once, by a
// shard with one online master.
func TestSlotCoverage(t *testing.T) {
	node := func(ip, role, health string) redis.Node {
		return redis.Node{IP: ip, Port: 6379, Role: role, Health: health}
	}
	shard := func(from, to int64, nodes ...redis.Node) redis.ClusterShard {
		return redis.ClusterShard{Slots: []redis.SlotRange{{Start: from, End: to}}, Nodes: nodes}
	}
	m := func(ip string) redis.Node { return node(ip, "master", "online") }
	r := func(ip string) redis.Node { return node(ip, "replica", "online") }
	tests := []struct {
		name   string
		shards []redis.ClusterShard
		want   string // "" passes
		reason string
	}{
		{"three shards", []redis.ClusterShard{shard(10923, 16383, m("c"), r("c2")), shard(0, 5460, m("a"), r("a2")), shard(5461, 10922, m("b"))}, "", "the healthy case, in any order"},
		{"an empty master", []redis.ClusterShard{shard(0, 16383, m("a")), {Nodes: []redis.Node{m("new")}}}, "", "a node that joined serves nothing yet"},
		{"a gap", []redis.ClusterShard{shard(0, 5460, m("a")), shard(5462, 16383, m("b"))}, "slots 5461-5461 are not served", "one slot missing is a cluster that fails writes"},
		{"the end", []redis.ClusterShard{shard(0, 16382, m("a"))}, "slots 16383-16383 are not served", "the last slot counts too"},
		{"served twice", []redis.ClusterShard{shard(0, 9000, m("a")), shard(8000, 16383, m("b"))}, "slot 8000 is served twice", "two owners is split brain"},
		{"two masters", []redis.ClusterShard{shard(0, 16383, m("a"), m("b"))}, "have two masters", "a view in the middle of a failover is not settled"},
		{"no master", []redis.ClusterShard{shard(0, 16383, r("a"))}, "have no master", "nobody takes the writes"},
		{"failed master", []redis.ClusterShard{shard(0, 16383, node("a", "master", "failed"))}, "their master a:6379 is failed", "a failed master serves nothing"},
		{"out of range", []redis.ClusterShard{shard(0, 16384, m("a"))}, "outside 0-16383", "a bad answer is not a pass"},
		{"nothing", nil, "slots 0-16383 are not served", "an empty answer is not a pass"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := slotCoverage(tc.shards)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%v (%s)", err, tc.reason)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q (%s)", err, tc.want, tc.reason)
			}
			for i := 1; i < len(v); i++ {
				if v[i].first <= v[i-1].first {
					t.Errorf("shards not in slot order: %v", v)
				}
			}
		})
	}
	v, _ := slotCoverage([]redis.ClusterShard{shard(5461, 16383, m("b")), shard(0, 5460, m("a"), r("a2"))})
	if len(v) != 2 || v[0].master != "a:6379" || v[0].String() != "0-5460" || len(v[0].replicas) != 1 || !v[1].has(16383) || v[1].has(0) {
		t.Errorf("shards %+v", v)
	}
}

func TestParseClusterNodes(t *testing.T) {
	nodes, err := parseClusterNodes(`f715 127.55.1.1:6379@16379 myself,master - 0 1796416430000 0 connected 0-5460
5a17 127.55.1.4:6379@16379,db-4.example slave f715 0 1796416431000 0 connected
7048 127.55.2.2:6379@16380 slave,fail? 1039 0 1796416431000 3 disconnected
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 3 {
		t.Fatalf("%d nodes", len(nodes))
	}
	a, b, c := nodes[0], nodes[1], nodes[2]
	if a.id != "f715" || a.addr != "127.55.1.1:6379" || a.bus != "127.55.1.1:16379" || !a.is("myself") || !a.is("master") || a.master != "" || a.slots != 1 || !a.connected {
		t.Errorf("myself: %+v", a)
	}
	if b.addr != "127.55.1.4:6379" || b.bus != "127.55.1.4:16379" || b.master != "f715" || b.slots != 0 {
		t.Errorf("a replica with a host name: %+v", b)
	}
	if c.bus != "127.55.2.2:16380" || c.connected || !c.is("fail?") {
		t.Errorf("a failing node: %+v", c)
	}
	if _, err := parseClusterNodes("f715 127.55.1.1:6379@16379 master"); err == nil {
		t.Error("a short line was read")
	}
	// a reshard under way, or left half done: a slot migrating to another
	// master, one importing from another (in the master's own line)
	open, err := parseClusterNodes("f715 127.55.1.1:6379@16379 myself,master - 0 1796416430000 0 connected 0-5460 [3300->-7048] [9000-<-5a17]\n")
	if err != nil || len(open) != 1 || open[0].slots != 1 || !slices.Equal(open[0].open, []string{"[3300->-7048]", "[9000-<-5a17]"}) {
		t.Errorf("open slots: %+v %v", open, err)
	}
}
