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

// redisNode is a connection to one Redis server.
type redisNode struct {
	addr string
	c    *redis.Client
}

func dialRedis(ctx context.Context, addr, password string) (*redisNode, error) {
	return dialRedisDB(ctx, addr, password, 0, false)
}

// dialRedisDB connects to one database of a server; readOnly sends
// READONLY first, so that a replica of a cluster answers reads of keys
// itself instead of redirecting them to its master.
func dialRedisDB(ctx context.Context, addr, password string, db int, readOnly bool) (*redisNode, error) {
	opt := &redis.Options{
		Addr: addr, Password: password, DB: db,
		DialTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		MaxRetries: -1, PoolSize: 1, Protocol: 2,
	}
	if readOnly {
		opt.OnConnect = func(ctx context.Context, cn *redis.Conn) error { return cn.ReadOnly(ctx).Err() }
	}
	c := redis.NewClient(opt)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis at %s: %w", addr, redactErr(err, password))
	}
	return &redisNode{addr: addr, c: c}, nil
}

func (n *redisNode) close() { n.c.Close() }

// info reads an INFO section as key -> value.
func (n *redisNode) info(ctx context.Context, section string) (map[string]string, error) {
	s, err := n.c.Info(ctx, section).Result()
	if err != nil {
		return nil, fmt.Errorf("redis at %s: INFO %s: %w", n.addr, section, err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			out[k] = v
		}
	}
	return out, nil
}

// redisRepl is what INFO replication says about a server.
type redisRepl struct {
	Role string // master or slave
	// LinkUp and Syncing are a replica's link to its master.
	LinkUp, Syncing bool
	// Offset is master_repl_offset: for a master, what it has written;
	// for a replica, what it has processed of its master's stream.
	Offset int64
	// MasterHost and MasterPort are a replica's master.
	MasterHost, MasterPort string
	// ReplID is the replication ID of the stream the offset counts: a
	// master's own, or the one a replica follows.
	ReplID string
}

func (n *redisNode) replication(ctx context.Context) (redisRepl, error) {
	m, err := n.info(ctx, "replication")
	if err != nil {
		return redisRepl{}, err
	}
	r := redisRepl{Role: m["role"], LinkUp: m["master_link_status"] == "up", Syncing: m["master_sync_in_progress"] == "1",
		MasterHost: m["master_host"], MasterPort: m["master_port"], ReplID: m["master_replid"]}
	if r.Role == "" {
		return r, fmt.Errorf("redis at %s: INFO replication has no role", n.addr)
	}
	r.Offset, err = strconv.ParseInt(m["master_repl_offset"], 10, 64)
	if err != nil {
		return r, fmt.Errorf("redis at %s: bad master_repl_offset %q", n.addr, m["master_repl_offset"])
	}
	return r, nil
}

func (n *redisNode) configGet(ctx context.Context, key string) (string, error) {
	m, err := n.c.ConfigGet(ctx, key).Result()
	if err != nil {
		return "", fmt.Errorf("redis at %s: CONFIG GET %s: %w", n.addr, key, err)
	}
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("redis at %s: CONFIG GET %s: no such setting", n.addr, key)
	}
	return v, nil
}

func (n *redisNode) configSet(ctx context.Context, key, value string) error {
	if err := n.c.ConfigSet(ctx, key, value).Err(); err != nil {
		return fmt.Errorf("redis at %s: CONFIG SET %s: %w", n.addr, key, err)
	}
	return nil
}

// redisFenceReplicas is the min-replicas-to-write of a fenced server: more
// replicas than any server has, so every write is refused (NOREPLICAS).
const redisFenceReplicas = "1000000"

// redisFenceKeys are the settings the fence changes.
var redisFenceKeys = []string{"min-replicas-to-write", "min-replicas-max-lag"}

// saveFenceConfig reads the settings the fence changes into saved, to
// restore them on a rollback.
func (n *redisNode) saveFenceConfig(ctx context.Context, saved map[string]string) (map[string]string, error) {
	if saved == nil {
		saved = map[string]string{}
	}
	for _, k := range redisFenceKeys {
		v, err := n.configGet(ctx, k)
		if err != nil {
			return nil, err
		}
		saved[k] = v
	}
	if saved["min-replicas-to-write"] == redisFenceReplicas {
		return nil, fmt.Errorf("redis at %s is fenced already, and there is no record of its settings before the fence", n.addr)
	}
	return saved, nil
}

// fenceRecorded fences the server after recording, in the cut's state,
// the settings the fence changes (once): a run killed half-way must still
// know what to restore.
func (n *redisNode) fenceRecorded(ctx context.Context, c *Cut, j journal) error {
	if _, ok := c.SavedConfig[redisFenceKeys[0]]; !ok {
		saved, err := n.saveFenceConfig(ctx, c.SavedConfig)
		if err != nil {
			return err
		}
		c.SavedConfig = saved
		if err := j.save(); err != nil {
			return err
		}
	}
	return n.fence(ctx)
}

// fence makes the server refuse every write (min-replicas-to-write beyond
// any replica count): plain commands, MULTI/EXEC (EXECABORT) and scripts
// and functions that write (NOREPLICAS). Redis runs commands one at a
// time, so once CONFIG SET returns no later write is accepted.
func (n *redisNode) fence(ctx context.Context) error {
	if err := n.configSet(ctx, "min-replicas-max-lag", "10"); err != nil {
		return err
	}
	return n.configSet(ctx, "min-replicas-to-write", redisFenceReplicas)
}

// clientSessions describes the client connections but the caller's,
// replicas' and a master's, and, when skipSentinels, the Sentinels' (named
// sentinel-<id>-cmd and -pubsub: they watch the server, and write nothing).
func (n *redisNode) clientSessions(ctx context.Context, skipSentinels bool) ([]string, error) {
	me, err := n.c.ClientID(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("redis at %s: CLIENT ID: %w", n.addr, err)
	}
	clients, err := n.clients(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range clients {
		if f["id"] == strconv.FormatInt(me, 10) || strings.ContainsAny(f["flags"], "SM") || f["id"] == "" {
			continue
		}
		if skipSentinels && strings.HasPrefix(f["name"], "sentinel-") {
			continue
		}
		out = append(out, describeClient(f)+", last command "+f["cmd"])
	}
	return out, nil
}

// clients returns the server's CLIENT LIST: for each connection, its
// fields by name (id, addr, name, flags, cmd, ...).
func (n *redisNode) clients(ctx context.Context) ([]map[string]string, error) {
	list, err := n.c.ClientList(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("redis at %s: CLIENT LIST: %w", n.addr, err)
	}
	var out []map[string]string
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		f := map[string]string{}
		for _, kv := range strings.Fields(line) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				f[k] = v
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// describeClient names a connection in a message: its address, and its
// name when it has one.
func describeClient(f map[string]string) string {
	desc := "client " + f["addr"]
	if f["name"] != "" {
		desc += " (" + f["name"] + ")"
	}
	return desc
}

// sentinelClients lists the Sentinels connected to the server by the
// start of their id: a Sentinel names its connections
// sentinel-<first 8 characters of its id>-cmd and -pubsub. The values
// describe a connection.
func (n *redisNode) sentinelClients(ctx context.Context) (map[string]string, error) {
	clients, err := n.clients(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range clients {
		if name, ok := strings.CutPrefix(f["name"], "sentinel-"); ok {
			id, _, _ := strings.Cut(name, "-")
			out[id] = describeClient(f)
		}
	}
	return out, nil
}

// killClients ends every client connection but the caller's, replicas'
// and a master's.
func (n *redisNode) killClients(ctx context.Context) error {
	for _, t := range []string{"normal", "pubsub"} {
		if err := n.c.Do(ctx, "CLIENT", "KILL", "TYPE", t, "SKIPME", "yes").Err(); err != nil {
			return fmt.Errorf("redis at %s: CLIENT KILL TYPE %s: %w", n.addr, t, err)
		}
	}
	return nil
}

// fenced says whether the server refuses writes by the fence: both of its
// settings hold (a min-replicas-max-lag of 0 turns the check of the
// replicas off, and every write is taken again).
func (n *redisNode) fenced(ctx context.Context) (bool, error) {
	v, err := n.configGet(ctx, "min-replicas-to-write")
	if err != nil || v != redisFenceReplicas {
		return false, err
	}
	lag, err := n.configGet(ctx, "min-replicas-max-lag")
	if err != nil || lag == "0" {
		return false, err
	}
	// a replica checks no min-replicas: one that takes writes
	// (replica-read-only no) takes them whatever the fence says
	ro, err := n.configGet(ctx, "replica-read-only")
	if err != nil || ro != "no" {
		return err == nil, err
	}
	r, err := n.replication(ctx)
	return err == nil && r.Role != "slave", err
}

// unfence restores the settings the fence changed.
func (n *redisNode) unfence(ctx context.Context, saved map[string]string) error {
	for _, k := range []string{"min-replicas-to-write", "min-replicas-max-lag"} {
		v, ok := saved[k]
		if !ok {
			v = map[string]string{"min-replicas-to-write": "0", "min-replicas-max-lag": "10"}[k]
		}
		if err := n.configSet(ctx, k, v); err != nil {
			return err
		}
	}
	return nil
}

// promote makes a replica a master.
func (n *redisNode) promote(ctx context.Context) error {
	if err := n.c.Do(ctx, "REPLICAOF", "NO", "ONE").Err(); err != nil {
		return fmt.Errorf("redis at %s: REPLICAOF NO ONE: %w", n.addr, err)
	}
	return nil
}

// sentinelNode is a connection to one Sentinel.
type sentinelNode struct {
	addr string
	c    *redis.SentinelClient
}

// dialSentinel connects to a Sentinel (the bundled chart's have no
// password of their own).
func dialSentinel(ctx context.Context, addr string) (*sentinelNode, error) {
	c := redis.NewSentinelClient(&redis.Options{Addr: addr, DialTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, MaxRetries: -1, PoolSize: 1, Protocol: 2})
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("sentinel at %s: %w", addr, err)
	}
	return &sentinelNode{addr: addr, c: c}, nil
}

func (n *sentinelNode) close() { n.c.Close() }

// myID reads SENTINEL MYID.
func (n *sentinelNode) myID(ctx context.Context) (string, error) {
	cmd := redis.NewStringCmd(ctx, "sentinel", "myid")
	_ = n.c.Process(ctx, cmd)
	id, err := cmd.Result()
	if err != nil {
		return "", fmt.Errorf("sentinel at %s: SENTINEL MYID: %w", n.addr, err)
	}
	return id, nil
}

// master reads SENTINEL MASTER name; nil when the Sentinel does not watch
// a master of that name.
func (n *sentinelNode) master(ctx context.Context, name string) (map[string]string, error) {
	m, err := n.c.Master(ctx, name).Result()
	if err != nil && strings.Contains(err.Error(), "No such master") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sentinel at %s: SENTINEL MASTER %s: %w", n.addr, name, err)
	}
	return m, nil
}

// others lists host:port of the other Sentinels that watch the master.
func (n *sentinelNode) others(ctx context.Context, name string) ([]string, error) {
	l, err := n.c.Sentinels(ctx, name).Result()
	if err != nil {
		return nil, fmt.Errorf("sentinel at %s: SENTINEL SENTINELS %s: %w", n.addr, name, err)
	}
	var out []string
	for _, s := range l {
		out = append(out, net.JoinHostPort(s["ip"], s["port"]))
	}
	return out, nil
}

// sentinelSettings are the settings of a watched master that a Sentinel
// forgets with it, saved (with the prefix "sentinel.") to watch it again.
var sentinelSettings = []string{"quorum", "down-after-milliseconds", "failover-timeout", "parallel-syncs"}

// sameAddr says whether two host:port name one server: equal, or with
// hosts that resolve to a common address.
func sameAddr(a, b string) bool {
	if a == b {
		return true
	}
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || pa != pb {
		return false
	}
	ia, err1 := net.LookupHost(ha)
	ib, err2 := net.LookupHost(hb)
	if err1 != nil || err2 != nil {
		return false
	}
	for _, x := range ia {
		if slices.Contains(ib, x) {
			return true
		}
	}
	return false
}
