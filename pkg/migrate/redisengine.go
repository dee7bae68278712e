package migrate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// redisEngine is the Redis runbook of the topologies single and sentinel:
// the target starts as REPLICAOF the source('s master); promotion is
// REPLICAOF NO ONE.
//
// The fence is min-replicas-to-write beyond any replica count, which
// refuses every write (plain commands, MULTI/EXEC, scripts and functions)
// with NOREPLICAS. It is set on the running source through the runner's
// connection, at once, and written to the source's redis.conf by a
// reviewed configuration-only helm step (value fenced), so that a restart
// keeps it: the chart's redis.conf is a read-only ConfigMap file, which
// CONFIG REWRITE cannot write. Every client connection is ended, and the
// fence is in place again after the helm step (a restart in between
// comes back fenced by then). Caught up means the target follows the
// source's replication stream (the same replication ID) at exactly the
// source's offset, read before and after the target's.
//
// Topology sentinel adds the replicas and the Sentinel groups. The
// target's master and replicas are installed not promotable (the chart's
// promotable: false: replica-priority 0), so that the source's Sentinels,
// which see the target's master as one more replica of theirs, never
// promote it. The fence starts with the source's Sentinels: each must
// watch the file's master (else a failover happened, and the file is
// stale) and be listed in the file (every Sentinel that knows the master
// is asked), and each forgets the master (SENTINEL REMOVE, which Sentinel
// writes to its own file; the fence's helm step also seeds a restarted
// Sentinel with nothing to watch). A Sentinel that still watched the
// source would, within seconds of the promotion, turn the promoted target
// back into a replica of the fenced source (Sentinel reconfigures a
// replica that reports itself master), and would offer the source to
// clients. Then the master is fenced as above, and the source's replicas
// too (a replica promoted by anyone is fenced as well), their client
// sessions ended. The target's replicas follow its master's stream, so
// they are caught up at the same offset; after the promotion they must
// carry the new master's replication ID. The target's own Sentinels are
// created only after the promotion (start-sentinels), so that none of
// them ever watches a replica of the source. A rollback restores what
// each Sentinel watched, with its settings.
type redisEngine struct{ redisAuth }

// redisAuth reaches a migration's Redis servers with the file's password.
type redisAuth struct {
	m      *Migration
	getenv func(string) string
}

func (a redisAuth) password() (string, error) {
	return secret(a.getenv, a.m.Credentials.PasswordEnv, "the Redis password")
}

func (a redisAuth) dialAddr(ctx context.Context, addr string) (*redisNode, error) {
	pw, err := a.password()
	if err != nil {
		return nil, err
	}
	return dialRedis(ctx, addr, pw)
}

// configSet sets kvs on each server of addrs.
func (a redisAuth) configSet(ctx context.Context, addrs []string, kvs [][2]string) error {
	for _, addr := range addrs {
		n, err := a.dialAddr(ctx, addr)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if err == nil {
				err = n.configSet(ctx, kv[0], kv[1])
			}
		}
		n.close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *redisEngine) sentinel() bool { return e.m.Topology == Sentinel }

func (e *redisEngine) dial(ctx context.Context, in Instance) (*redisNode, error) {
	return e.dialAddr(ctx, in.Address)
}

func (e *redisEngine) sourceValues() (map[string]any, error) {
	return map[string]any{"replication": map[string]any{"enabled": true}}, nil
}

func (e *redisEngine) fenceValues() (map[string]any, error) {
	v, err := e.sourceValues()
	if err != nil {
		return nil, err
	}
	v["fenced"] = true
	if e.sentinel() {
		v["sentinel"] = map[string]any{"monitor": false}
	}
	return v, nil
}

func (e *redisEngine) auth() (map[string]any, error) {
	pw, err := e.password()
	if err != nil || pw == "" {
		return nil, err
	}
	return map[string]any{"password": pw}, nil
}

func (e *redisEngine) targetValues() (map[string]any, error) {
	host, port := hostPort(e.m.Source.Address)
	v := map[string]any{"replicaOf": map[string]any{"host": host, "port": port}, "replication": map[string]any{"enabled": true}}
	a, err := e.auth()
	if err != nil {
		return nil, err
	}
	if a != nil {
		v["auth"] = a
	}
	if e.sentinel() {
		// no Sentinel of either side may promote it while it replicates,
		// and its own Sentinels come after the promotion
		v["promotable"] = false
		v["sentinel"] = map[string]any{"enabled": false}
	}
	return v, nil
}

func (e *redisEngine) detachValues() (map[string]any, error) {
	v, err := e.targetValues()
	if err != nil {
		return nil, err
	}
	v["replicaOf"] = map[string]any{"host": "", "port": 6379}
	if e.sentinel() {
		v["promotable"] = true
	}
	return v, nil
}

// sentinelValues are detachValues with the target's Sentinels.
func (e *redisEngine) sentinelValues() (map[string]any, error) {
	v, err := e.detachValues()
	if err != nil {
		return nil, err
	}
	v["sentinel"] = map[string]any{"enabled": true, "monitor": true, "masterName": e.m.Redis.MasterName}
	return v, nil
}

// redisReplicationConfig is what the chart's replication.enabled puts in
// redis.conf; prepareSource applies it to the running server.
var redisReplicationConfig = [][2]string{{"repl-backlog-size", "64mb"}, {"repl-diskless-sync", "yes"}}

// prepareSource applies the replication settings on the source's master
// and replicas (a replica may be the master by the time of the cut-over).
func (e *redisEngine) prepareSource(ctx context.Context) error {
	return e.configSet(ctx, e.m.Source.members(), redisReplicationConfig)
}

func (e *redisEngine) replicating(ctx context.Context) (bool, int64, string, error) {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return false, 0, "target not reachable yet", err
	}
	defer tgt.close()
	r, err := tgt.replication(ctx)
	if err != nil {
		return false, 0, "", err
	}
	if r.Role != "slave" {
		return false, 0, "", fmt.Errorf("the target at %s is a %s, not a replica of the source", e.m.Target.Address, r.Role)
	}
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return false, 0, "", err
	}
	defer src.close()
	s, err := src.replication(ctx)
	if err != nil {
		return false, 0, "", err
	}
	detail := "link " + map[bool]string{true: "up", false: "down"}[r.LinkUp]
	if r.Syncing {
		detail += ", initial sync in progress"
	}
	ok, lag := r.LinkUp && !r.Syncing, max(s.Offset-r.Offset, 0)
	for _, addr := range e.m.Target.Replicas {
		rr, err := e.replicaOf(ctx, addr)
		if err != nil {
			return false, lag, detail, err
		}
		l := max(s.Offset-rr.Offset, 0)
		detail += fmt.Sprintf("; replica %s %s, %s behind", addr, linkText(rr), humanBytes(l))
		ok, lag = ok && rr.LinkUp && !rr.Syncing, max(lag, l)
	}
	return ok, lag, detail, nil
}

func linkText(r redisRepl) string {
	switch {
	case r.Syncing:
		return "syncing"
	case r.LinkUp:
		return "link up"
	}
	return "link down"
}

// replicaOf reads a replica of the target: it must be one.
func (e *redisEngine) replicaOf(ctx context.Context, addr string) (redisRepl, error) {
	n, err := e.dialAddr(ctx, addr)
	if err != nil {
		return redisRepl{}, fmt.Errorf("the target's replica: %w", err)
	}
	defer n.close()
	r, err := n.replication(ctx)
	if err == nil && r.Role != "slave" {
		err = permanent(fmt.Errorf("the target's replica at %s is a %s, not a replica", addr, r.Role))
	}
	return r, err
}

// sessions are the client sessions of the source's master and replicas.
func (e *redisEngine) sessions(ctx context.Context) ([]string, error) {
	return eachMember(e.m.Source, func(addr string) ([]string, error) {
		n, err := e.dialAddr(ctx, addr)
		if err != nil {
			return nil, err
		}
		defer n.close()
		return n.clientSessions(ctx, e.sentinel())
	})
}

func (e *redisEngine) fence(ctx context.Context, c *Cut, j journal) error {
	if e.sentinel() {
		if err := e.forgetSourceMaster(ctx, c, j); err != nil {
			return err
		}
	}
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	defer src.close()
	if err := src.fenceRecorded(ctx, c, j); err != nil {
		return err
	}
	if err := e.endSessions(ctx, src); err != nil {
		return err
	}
	for _, addr := range e.m.Source.Replicas {
		if err := e.fenceReplica(ctx, c, j, addr); err != nil {
			return err
		}
	}
	r, err := src.replication(ctx)
	if err != nil {
		return err
	}
	c.FencePosition = strconv.FormatInt(r.Offset, 10)
	c.FenceStream = &RedisStream{ReplID: r.ReplID, Offset: r.Offset}
	return nil
}

// endSessions ends every client connection of a server until none is
// left.
func (e *redisEngine) endSessions(ctx context.Context, n *redisNode) error {
	var left []string
	err := waitFor(ctx, time.Duration(e.m.Thresholds.PauseTimeout), func() (bool, error) {
		if err := n.killClients(ctx); err != nil {
			return false, err
		}
		var err error
		left, err = n.clientSessions(ctx, e.sentinel())
		return len(left) == 0, err
	})
	if err != nil {
		return fmt.Errorf("redis at %s: client connections remain after the fence: %w (%v)", n.addr, err, left)
	}
	return nil
}

// fenceReplica fences a replica of the source (should anyone promote it,
// it refuses writes), makes it read-only (a replica checks no
// min-replicas: one with replica-read-only no took its clients' writes
// through the fence), and ends its client sessions.
func (e *redisEngine) fenceReplica(ctx context.Context, c *Cut, j journal, addr string) error {
	n, err := e.dialAddr(ctx, addr)
	if err != nil {
		return fmt.Errorf("the source's replica: %w", err)
	}
	defer n.close()
	if err := n.fence(ctx); err != nil {
		return err
	}
	// saved first, for a rollback to restore (a resumed fence keeps what
	// the first one saved)
	key := replicaReadOnlyKey(addr)
	if _, ok := c.SavedConfig[key]; !ok {
		ro, err := n.configGet(ctx, "replica-read-only")
		if err != nil {
			return err
		}
		if c.SavedConfig == nil {
			c.SavedConfig = map[string]string{}
		}
		c.SavedConfig[key] = ro
		if err := j.save(); err != nil {
			return err
		}
	}
	if err := n.configSet(ctx, "replica-read-only", "yes"); err != nil {
		return err
	}
	return e.endSessions(ctx, n)
}

// replicaReadOnlyKey is where the fence saves a replica's
// replica-read-only.
func replicaReadOnlyKey(addr string) string { return "replica-read-only@" + addr }

// forgetSourceMaster makes every Sentinel of the source forget its master,
// after checking, for all of them first, that each answers, watches the
// file's master and that every Sentinel watching it is in the file (a
// Sentinel down must not leave the others having forgotten it); their
// settings are saved first. A Sentinel that forgot it already (a resumed
// fence) is passed over.
func (e *redisEngine) forgetSourceMaster(ctx context.Context, c *Cut, j journal) error {
	if err := e.noOtherSentinels(ctx); err != nil {
		return err
	}
	for _, remove := range []bool{false, true} {
		if err := e.eachSourceSentinel(ctx, c, j, remove); err != nil {
			return err
		}
	}
	return nil
}

// noOtherSentinels refuses a source that a Sentinel outside
// source.sentinels watches (under any master name: the file's names only
// one): it would go on watching the source after the cut-over, and turn
// the promoted target back into a replica of the fenced source.
func (e *redisEngine) noOtherSentinels(ctx context.Context) error {
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return err
	}
	connected, err := src.sentinelClients(ctx)
	src.close()
	if err != nil {
		return err
	}
	for _, addr := range e.m.Source.Sentinels {
		sn, err := dialSentinel(ctx, addr)
		if err != nil {
			return err
		}
		id, err := sn.myID(ctx)
		sn.close()
		if err != nil {
			return err
		}
		delete(connected, id[:min(8, len(id))])
	}
	for _, desc := range connected {
		return permanent(fmt.Errorf("a Sentinel that is not in source.sentinels is connected to the source at %s (%s): it watches it, perhaps under another master name, and would turn the promoted target back into a replica of the source; list every Sentinel of the source, or make it forget the source (SENTINEL REMOVE)", e.m.Source.Address, desc))
	}
	return nil
}

// eachSourceSentinel checks each Sentinel of the source (see
// forgetSourceMaster), and with remove makes it forget the master.
func (e *redisEngine) eachSourceSentinel(ctx context.Context, c *Cut, j journal, remove bool) error {
	name := e.m.Redis.MasterName
	for _, addr := range e.m.Source.Sentinels {
		err := func() error {
			sn, err := dialSentinel(ctx, addr)
			if err != nil {
				return fmt.Errorf("%w: every Sentinel of the source must forget its master before the cut-over, or it could turn the promoted target back into a replica of the source", err)
			}
			defer sn.close()
			m, err := sn.master(ctx, name)
			if err != nil || m == nil {
				return err
			}
			if at := net.JoinHostPort(m["ip"], m["port"]); !sameAddr(at, e.m.Source.Address) {
				return permanent(fmt.Errorf("the Sentinel at %s says the master %s is %s, not source.address %s: the source failed over; put its master's address in the file (and its other servers in source.replicas), then run again", addr, name, at, e.m.Source.Address))
			}
			others, err := sn.others(ctx, name)
			if err != nil {
				return err
			}
			for _, o := range others {
				if !containsAddr(e.m.Source.Sentinels, o) {
					return permanent(fmt.Errorf("the Sentinel at %s watches %s: it is not in source.sentinels, and would go on watching the source; list every Sentinel of the source", o, name))
				}
			}
			if !remove {
				return nil
			}
			if _, ok := c.SavedConfig["sentinel.quorum"]; !ok {
				if c.SavedConfig == nil {
					c.SavedConfig = map[string]string{}
				}
				for _, k := range sentinelSettings {
					c.SavedConfig["sentinel."+k] = m[k]
				}
				if err := j.save(); err != nil {
					return err
				}
			}
			if err := sn.c.Remove(ctx, name).Err(); err != nil {
				return fmt.Errorf("sentinel at %s: SENTINEL REMOVE %s: %w", addr, name, err)
			}
			j.log("the Sentinel at %s forgot the master %s", addr, name)
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

func containsAddr(list []string, addr string) bool {
	for _, a := range list {
		if sameAddr(a, addr) {
			return true
		}
	}
	return false
}

func (e *redisEngine) unfence(ctx context.Context, c *Cut) error {
	// as much as can be undone is: a member that does not answer (the
	// reason a fence failed, as often as not) stops none of the others
	var errs []error
	for _, addr := range e.m.Source.members() {
		n, err := e.dialAddr(ctx, addr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := n.unfence(ctx, c.SavedConfig); err != nil {
			errs = append(errs, err)
		}
		if ro, ok := c.SavedConfig[replicaReadOnlyKey(addr)]; ok {
			errs = append(errs, n.configSet(ctx, "replica-read-only", ro))
		}
		n.close()
	}
	if _, asked := c.SavedConfig["sentinel.quorum"]; e.sentinel() && asked {
		// a Sentinel was asked to forget the master (its settings are
		// saved first): all watch it again; none was when the fence
		// failed checking them
		errs = append(errs, e.watchSourceMaster(ctx, c))
	}
	return errors.Join(errs...)
}

// watchSourceMaster makes each Sentinel of the source watch its master
// again, with the settings it had.
func (e *redisEngine) watchSourceMaster(ctx context.Context, c *Cut) error {
	name := e.m.Redis.MasterName
	pw, err := e.password()
	if err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(e.m.Source.Address)
	for _, addr := range e.m.Source.Sentinels {
		err := func() error {
			sn, err := dialSentinel(ctx, addr)
			if err != nil {
				return err
			}
			defer sn.close()
			m, err := sn.master(ctx, name)
			if err != nil || m != nil {
				return err
			}
			quorum := c.SavedConfig["sentinel.quorum"]
			if quorum == "" {
				return fmt.Errorf("sentinel at %s: the state has no record of its settings for %s; watch the master again by hand: SENTINEL MONITOR %s %s %s <quorum>", addr, name, name, host, port)
			}
			if err := sn.c.Monitor(ctx, name, host, port, quorum).Err(); err != nil {
				return fmt.Errorf("sentinel at %s: SENTINEL MONITOR %s: %w", addr, name, err)
			}
			set := [][2]string{}
			for _, k := range sentinelSettings[1:] {
				if v := c.SavedConfig["sentinel."+k]; v != "" {
					set = append(set, [2]string{k, v})
				}
			}
			if pw != "" {
				set = append(set, [2]string{"auth-pass", pw})
			}
			for _, kv := range set {
				if err := sn.c.Set(ctx, name, kv[0], kv[1]).Err(); err != nil {
					return fmt.Errorf("sentinel at %s: SENTINEL SET %s %s: %w", addr, name, kv[0], redactErr(err, pw))
				}
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// caughtUp: the target's master and each of its replicas follow the
// source's stream at exactly the fenced source's offset.
func (e *redisEngine) caughtUp(ctx context.Context, c *Cut) (bool, int64, error) {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return false, 0, err
	}
	defer tgt.close()
	t, err := tgt.replication(ctx)
	if err != nil {
		return false, 0, err
	}
	if t.Role != "slave" {
		if c.Promoted {
			return true, 0, nil // promoted by this runbook, once it had every write
		}
		return false, 0, permanent(fmt.Errorf("the target at %s is a %s, not a replica any more, and this migration did not promote it: it may lack writes and may have taken writes of its own; abort, and find out who promoted it", e.m.Target.Address, t.Role))
	}
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		return false, 0, err
	}
	defer src.close()
	return caughtUpTo(ctx, src, c.FenceStream, func() ([]redisRepl, error) {
		t, err := tgt.replication(ctx)
		if err != nil {
			return nil, err
		}
		all := []redisRepl{t}
		for _, addr := range e.m.Target.Replicas {
			r, err := e.replicaOf(ctx, addr)
			if err != nil {
				return nil, err
			}
			all = append(all, r)
		}
		return all, nil
	})
}

// caughtUpTo says whether replicas (read by targets) have everything of the
// fenced master src: the same replication stream at exactly its offset,
// which is read before and after them and must not have moved, and which
// is the stream and offset of the fence (nil: not recorded, by an older
// version).
func caughtUpTo(ctx context.Context, src *redisNode, fence *RedisStream, targets func() ([]redisRepl, error)) (bool, int64, error) {
	if f, err := src.fenced(ctx); err != nil || !f {
		return false, 0, orErr(err, fmt.Sprintf("the source at %s is not fenced any more (restarted before its configuration had the fence?): run again to fence it", src.addr))
	}
	s1, err := src.replication(ctx)
	if err != nil {
		return false, 0, err
	}
	if fence != nil && (s1.ReplID != fence.ReplID || s1.Offset < fence.Offset) {
		// restarted since the fence (without persistence, it is empty):
		// a target that follows it now may have thrown its copy away. (A
		// fenced master's offset still grows: its pings to its replicas,
		// the deletions of keys that expire.)
		return false, 0, permanent(fmt.Errorf("the source at %s is not on the fence's replication stream any more (stream %s offset %d, the fence's %s offset %d): it restarted, and what it held at the fence may be gone, and with it the target's copy; check both before anything else", src.addr, s1.ReplID, s1.Offset, fence.ReplID, fence.Offset))
	}
	ts, err := targets()
	if err != nil {
		return false, 0, err
	}
	s2, err := src.replication(ctx)
	if err != nil {
		return false, 0, err
	}
	ok := s1.Offset == s2.Offset && s1.ReplID == s2.ReplID
	var lag int64
	for _, t := range ts {
		l := max(s2.Offset-t.Offset, 0)
		if t.ReplID != s2.ReplID {
			l = max(l, 1) // resyncing after a restart of the source
		}
		lag = max(lag, l)
		ok = ok && t.LinkUp && t.ReplID == s2.ReplID && t.Offset == s2.Offset
	}
	return ok, lag, nil
}

func (e *redisEngine) compare(ctx context.Context, _ *Cut) ([]string, []string, error) {
	pw, err := e.password()
	if err != nil {
		return nil, nil, err
	}
	diffs, err := redisCompare(ctx, e.m.Source.Address, e.m.Target.Address, pw, false)
	return diffs, nil, err
}

// promotableConfig is what promotable: true means on a running server.
var promotableConfig = [][2]string{{"replica-priority", "100"}, {"replica-announced", "yes"}}

func (e *redisEngine) promote(ctx context.Context, _ *Cut, _ journal) error {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return err
	}
	defer tgt.close()
	if err := tgt.promote(ctx); err != nil {
		return err
	}
	err = waitFor(ctx, time.Minute, func() (bool, error) {
		r, err := tgt.replication(ctx)
		return r.Role == "master", err
	})
	if err != nil || !e.sentinel() {
		return err
	}
	// its Sentinels may promote its replicas from now on
	return e.configSet(ctx, e.m.Target.members(), promotableConfig)
}

// follow checks that each replica of the promoted target streams from it:
// its link is up and it carries the new master's replication ID.
func (e *redisEngine) follow(ctx context.Context) (bool, []string, error) {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return false, nil, err
	}
	defer tgt.close()
	t, err := tgt.replication(ctx)
	if err != nil {
		return false, nil, err
	}
	ok := true
	var lines []string
	for _, addr := range e.m.Target.Replicas {
		r, err := e.replicaOf(ctx, addr)
		if err != nil {
			return false, nil, err
		}
		from := net.JoinHostPort(r.MasterHost, r.MasterPort)
		switch {
		case !r.LinkUp || r.Syncing:
			ok = false
			lines = append(lines, fmt.Sprintf("replica %s: %s to %s", addr, linkText(r), from))
		case r.ReplID != t.ReplID:
			ok = false
			lines = append(lines, fmt.Sprintf("replica %s: follows another stream than the new master's (replication ID %s, not %s)", addr, r.ReplID, t.ReplID))
		default:
			lines = append(lines, fmt.Sprintf("replica %s: streaming from %s, %s behind", addr, from, humanBytes(max(t.Offset-r.Offset, 0))))
		}
	}
	if len(lines) == 0 {
		lines = []string{"the target has no replicas"}
	}
	return ok, lines, nil
}

// sentinelsReady: every Sentinel of the target watches the promoted
// target as a healthy master, knows its replicas and the other Sentinels,
// and a quorum of them can authorise a failover.
func (e *redisEngine) sentinelsReady(ctx context.Context) (bool, string, error) {
	name := e.m.Redis.MasterName
	want := len(e.m.Target.Sentinels)
	for _, addr := range e.m.Target.Sentinels {
		sn, err := dialSentinel(ctx, addr)
		if err != nil {
			return false, "", err
		}
		m, err := sn.master(ctx, name)
		if err != nil || m == nil {
			sn.close()
			return false, fmt.Sprintf("the Sentinel at %s does not watch %s yet", addr, name), err
		}
		at := net.JoinHostPort(m["ip"], m["port"])
		if !sameAddr(at, e.m.Target.Address) {
			sn.close()
			return false, "", permanent(fmt.Errorf("the Sentinel at %s watches %s at %s, not at the target %s", addr, name, at, e.m.Target.Address))
		}
		replicas, _ := strconv.Atoi(m["num-slaves"])
		others, _ := strconv.Atoi(m["num-other-sentinels"])
		if m["flags"] != "master" || replicas < len(e.m.Target.Replicas) || others < want-1 {
			sn.close()
			return false, fmt.Sprintf("the Sentinel at %s sees %s as %s with %d replicas and %d other Sentinels (want %d and %d)",
				addr, name, m["flags"], replicas, others, len(e.m.Target.Replicas), want-1), nil
		}
		err = sn.c.CkQuorum(ctx, name).Err()
		sn.close()
		if err != nil {
			return false, fmt.Sprintf("the Sentinel at %s: %v", addr, err), nil
		}
	}
	return true, fmt.Sprintf("%d Sentinels watch %s at %s with %d replicas; a quorum can fail over", want, name, e.m.Target.Address, len(e.m.Target.Replicas)), nil
}

func (e *redisEngine) verifyData(ctx context.Context) error {
	pw, err := e.password()
	if err != nil {
		return err
	}
	a, err := redisKeyCounts(ctx, e.m.Source.Address, pw)
	if err != nil {
		return err
	}
	b, err := redisKeyCounts(ctx, e.m.Target.Address, pw)
	if err != nil {
		return err
	}
	if diffs := compareKeyCounts(a, b); len(diffs) > 0 {
		return fmt.Errorf("the target's data differs from the fenced source's: %s", joinDiffs(diffs))
	}
	return nil
}

func (e *redisEngine) releaseSource(ctx context.Context) error { return nil }

func (e *redisEngine) verify(ctx context.Context) error {
	tgt, err := e.dial(ctx, e.m.Target)
	if err != nil {
		return err
	}
	defer tgt.close()
	r, err := tgt.replication(ctx)
	if err != nil {
		return err
	}
	if r.Role != "master" {
		return fmt.Errorf("the target is a %s, not a master", r.Role)
	}
	if f, err := tgt.fenced(ctx); err != nil || f {
		return orErr(err, "the target refuses writes (min-replicas-to-write)")
	}
	for _, addr := range e.m.Source.members() {
		n, err := e.dialAddr(ctx, addr)
		if err != nil {
			return err
		}
		f, err := n.fenced(ctx)
		n.close()
		if err != nil || !f {
			return orErr(err, fmt.Sprintf("the source's server at %s accepts writes: it must stay fenced", addr))
		}
	}
	if !e.sentinel() {
		return nil
	}
	if ok, lines, err := e.follow(ctx); err != nil || !ok {
		return orErr(err, "the target's replicas do not all follow it: "+strings.Join(lines, "; "))
	}
	if ok, detail, err := e.sentinelsReady(ctx); err != nil || !ok {
		return orErr(err, detail)
	}
	for _, addr := range e.m.Source.Sentinels {
		sn, err := dialSentinel(ctx, addr)
		if err != nil {
			continue // gone with the source; it forgot the master at the fence
		}
		m, err := sn.master(ctx, e.m.Redis.MasterName)
		sn.close()
		if err != nil || m != nil {
			return orErr(err, fmt.Sprintf("the source's Sentinel at %s watches %s again: it could turn the target back into a replica of the source; SENTINEL REMOVE %s there", addr, e.m.Redis.MasterName, e.m.Redis.MasterName))
		}
	}
	return nil
}

func (e *redisEngine) live(ctx context.Context) liveState {
	var ls liveState
	tgt, err := e.dial(ctx, e.m.Target)
	if err == nil {
		defer tgt.close()
		var r redisRepl
		if r, err = tgt.replication(ctx); err == nil {
			ls.targetReachable = true
			ls.targetPromoted = r.Role == "master"
			if ls.targetPromoted {
				fenced, ferr := tgt.fenced(ctx)
				ls.targetWritable = ferr == nil && !fenced
			} else {
				ro, rerr := tgt.configGet(ctx, "replica-read-only")
				ls.targetWritable = rerr == nil && ro == "no"
			}
		}
	}
	ls.targetErr = err
	src, err := e.dial(ctx, e.m.Source)
	if err != nil {
		ls.sourceErr = err
		return ls
	}
	defer src.close()
	ls.sourceFenced, ls.sourceErr = src.fenced(ctx)
	return ls
}
