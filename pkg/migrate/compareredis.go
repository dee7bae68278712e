package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Redis content check compares, for every database, the key counts,
// and for every key of the source its type, its value as DUMP serialises
// it and its TTL, within redisTTLTolerance; every key of the target is
// looked up on the source too, and one only there is named (equal counts
// prove nothing: a key of the source that expires may hide one of the
// target's own). Two servers may encode one value differently (a list
// rebuilt from a snapshot, a stream whose groups count what they read
// another way, a HyperLogLog whose cached count one of them refreshed), so
// a key whose DUMP differs is compared by value before it counts as
// different: a stream by its entries in order, its last ID and its
// consumer groups (last delivered ID, pending entries, consumers). A key
// that expires during the check (its TTL within the tolerance on the side
// that still has it) is no difference.

// redisTTLTolerance bounds the difference of a key's TTL on the source
// and the target: the two are read a moment apart.
const redisTTLTolerance = 2 * time.Second

// redisScanBatch is how many keys are read per round trip.
const redisScanBatch = 500

// redisMaxNamed bounds the keys a difference names.
const redisMaxNamed = 20

// redisKeyCounts reads INFO keyspace: database number -> keys.
func redisKeyCounts(ctx context.Context, addr, password string) (map[int]int64, error) {
	n, err := dialRedis(ctx, addr, password)
	if err != nil {
		return nil, err
	}
	defer n.close()
	m, err := n.info(ctx, "keyspace")
	if err != nil {
		return nil, err
	}
	out := map[int]int64{}
	for name, v := range m {
		db, err := strconv.Atoi(strings.TrimPrefix(name, "db"))
		if err != nil || !strings.HasPrefix(name, "db") {
			continue
		}
		for _, kv := range strings.Split(v, ",") {
			if k, num, ok := strings.Cut(kv, "="); ok && k == "keys" {
				c, err := strconv.ParseInt(num, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("redis at %s: bad keyspace line %s:%s", addr, name, v)
				}
				out[db] = c
			}
		}
	}
	return out, nil
}

// compareKeyCounts describes the databases whose key counts differ.
func compareKeyCounts(a, b map[int]int64) []string {
	var diffs []string
	for _, db := range unionKeys(a, b) {
		if a[db] != b[db] {
			diffs = append(diffs, fmt.Sprintf("db%d: %d keys on the source, %d on the target", db, a[db], b[db]))
		}
	}
	return diffs
}

func unionKeys(a, b map[int]int64) []int {
	var dbs []int
	for db := range a {
		dbs = append(dbs, db)
	}
	for db := range b {
		if _, ok := a[db]; !ok {
			dbs = append(dbs, db)
		}
	}
	sort.Ints(dbs)
	return dbs
}

func joinDiffs(diffs []string) string { return strings.Join(diffs, "; ") }

// redisKey is what is compared of one key on one side.
type redisKey struct {
	typ  string
	dump string
	pttl time.Duration // -1: no TTL; -2: missing
}

// redisCompare compares every database of the source and the target.
// readOnly reads the target as a replica of a cluster (READONLY): one
// that would send every read of a key to its master otherwise.
func redisCompare(ctx context.Context, srcAddr, tgtAddr, password string, readOnly bool) ([]string, error) {
	a, err := redisKeyCounts(ctx, srcAddr, password)
	if err != nil {
		return nil, err
	}
	b, err := redisKeyCounts(ctx, tgtAddr, password)
	if err != nil {
		return nil, err
	}
	diffs := compareKeyCounts(a, b)
	for _, db := range unionKeys(a, b) {
		d, err := redisCompareDB(ctx, srcAddr, tgtAddr, password, db, readOnly)
		if err != nil {
			return nil, err
		}
		diffs = append(diffs, d...)
	}
	return diffs, nil
}

// redisCompareDB compares one database: the source's keys, then the
// target's for keys of its own.
func redisCompareDB(ctx context.Context, srcAddr, tgtAddr, password string, db int, readOnly bool) ([]string, error) {
	src, err := dialRedisDB(ctx, srcAddr, password, db, false)
	if err != nil {
		return nil, err
	}
	defer src.close()
	tgt, err := dialRedisDB(ctx, tgtAddr, password, db, readOnly)
	if err != nil {
		return nil, err
	}
	defer tgt.close()
	var named []string
	more := 0
	note := func(key, what string) {
		if len(named) < redisMaxNamed {
			named = append(named, fmt.Sprintf("db%d key %s: %s", db, quoteKey(key), what))
		} else {
			more++
		}
	}
	// the source's keys, looked up on the target
	err = scanPair(ctx, src, src, tgt, db, func(k string, s, t redisKey) error {
		what, err := redisDiffKey(ctx, src, tgt, k, s, t)
		if what != "" {
			note(k, what)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// keys only on the target
	err = scanPair(ctx, tgt, src, tgt, db, func(k string, s, t redisKey) error {
		if s.pttl == -2 && !expiring(t) {
			note(k, "on the target, missing on the source")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if more > 0 {
		named = append(named, fmt.Sprintf("db%d: %d more keys differ", db, more))
	}
	return named, nil
}

// scanPair scans the keys of one server (scanned, src or tgt) and calls fn
// with each key as the source and the target have it, a batch of keys
// per round trip on each.
func scanPair(ctx context.Context, scanned, src, tgt *redisNode, db int, fn func(key string, s, t redisKey) error) error {
	var cursor uint64
	for {
		keys, next, err := scanned.c.Scan(ctx, cursor, "", redisScanBatch).Result()
		if err != nil {
			return fmt.Errorf("redis at %s: SCAN db%d: %w", scanned.addr, db, err)
		}
		sk, err := src.describe(ctx, keys)
		if err != nil {
			return err
		}
		tk, err := tgt.describe(ctx, keys)
		if err != nil {
			return err
		}
		for i, k := range keys {
			if err := fn(k, sk[i], tk[i]); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// expiring says whether a key is about to expire (or gone).
func expiring(k redisKey) bool {
	return k.pttl == -2 || (k.pttl >= 0 && k.pttl <= redisTTLTolerance)
}

// redisDiffKey says how a key differs, or "".
func redisDiffKey(ctx context.Context, src, tgt *redisNode, key string, s, t redisKey) (string, error) {
	switch {
	case s.pttl == -2 && t.pttl == -2:
		return "", nil // gone on both since the scan
	case t.pttl == -2:
		if expiring(s) {
			return "", nil
		}
		return "on the source, missing on the target", nil
	case s.pttl == -2:
		if expiring(t) {
			return "", nil
		}
		return "on the target, missing on the source", nil
	case s.typ != t.typ:
		return fmt.Sprintf("a %s on the source, a %s on the target", s.typ, t.typ), nil
	case (s.pttl == -1) != (t.pttl == -1):
		return fmt.Sprintf("TTL %s on the source, %s on the target", ttlText(s.pttl), ttlText(t.pttl)), nil
	case s.pttl >= 0 && (s.pttl-t.pttl > redisTTLTolerance || t.pttl-s.pttl > redisTTLTolerance):
		return fmt.Sprintf("TTL %s on the source, %s on the target", ttlText(s.pttl), ttlText(t.pttl)), nil
	case s.dump == t.dump:
		return "", nil
	}
	a, err := src.value(ctx, key, s.typ)
	if err != nil {
		return "", err
	}
	b, err := tgt.value(ctx, key, t.typ)
	if err != nil {
		return "", err
	}
	if a == nil || b == nil || !slices.Equal(a, b) {
		return "its value differs", nil
	}
	return "", nil
}

func ttlText(d time.Duration) string {
	if d == -1 {
		return "none"
	}
	return d.Round(time.Millisecond).String()
}

// quoteKey shows a key in a message: quoted, cut at 100 bytes.
func quoteKey(k string) string {
	if len(k) > 100 {
		return strconv.Quote(k[:100]) + "…"
	}
	return strconv.Quote(k)
}

// describe reads the type, DUMP and TTL of keys in one round trip.
func (n *redisNode) describe(ctx context.Context, keys []string) ([]redisKey, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	pipe := n.c.Pipeline()
	types := make([]*redis.StatusCmd, len(keys))
	dumps := make([]*redis.StringCmd, len(keys))
	ttls := make([]*redis.DurationCmd, len(keys))
	for i, k := range keys {
		types[i] = pipe.Type(ctx, k)
		dumps[i] = pipe.Dump(ctx, k)
		ttls[i] = pipe.PTTL(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redis at %s: TYPE, DUMP, PTTL: %w", n.addr, err)
	}
	out := make([]redisKey, len(keys))
	for i := range keys {
		k := redisKey{typ: types[i].Val(), dump: dumps[i].Val(), pttl: ttls[i].Val()}
		if k.typ == "none" {
			k.pttl = -2
		} else if k.pttl < 0 {
			k.pttl = -1 // go-redis reports "no TTL" as -1ns
		}
		out[i] = k
	}
	return out, nil
}

// value reads a key's value as comparable text, nil when its type cannot
// be read this way (a module's type, which DUMP alone compares).
func (n *redisNode) value(ctx context.Context, key, typ string) ([]string, error) {
	var out []string
	var err error
	switch typ {
	case "string":
		var s string
		s, err = n.c.Get(ctx, key).Result()
		out = []string{hllComparable(s)}
	case "list":
		out, err = n.c.LRange(ctx, key, 0, -1).Result()
	case "set":
		out, err = n.c.SMembers(ctx, key).Result()
		sort.Strings(out)
	case "hash":
		var m map[string]string
		m, err = n.c.HGetAll(ctx, key).Result()
		for k, v := range m {
			out = append(out, lengthPrefixed(k, v))
		}
		sort.Strings(out)
	case "zset":
		var zs []redis.Z
		zs, err = n.c.ZRangeWithScores(ctx, key, 0, -1).Result()
		for _, z := range zs {
			out = append(out, fmt.Sprintf("%v\x00%v", z.Member, z.Score))
		}
	case "stream":
		out, err = n.streamValue(ctx, key)
	default:
		return nil, nil
	}
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis at %s: reading %s: %w", n.addr, quoteKey(key), err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// lengthPrefixed joins strings so that no two lists of them join alike
// (a NUL inside a hash's field or value cannot shift the boundary).
func lengthPrefixed(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(strconv.Itoa(len(p)))
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}

// hllComparable is a string's value with a HyperLogLog's cached count
// (bytes 8 to 15 of its header) zeroed: PFCOUNT refreshes it on the
// server it runs on, a read-only replica included, and the registers
// after it are the value.
func hllComparable(s string) string {
	if len(s) < 16 || !strings.HasPrefix(s, "HYLL") || s[4] > 1 || s[5:8] != "\x00\x00\x00" || !hllRegisters(s[4], s[16:]) {
		// no HyperLogLog: a header ("HYLL", the encoding, 0 or 1, and
		// three zero bytes) and registers that Redis reads as one (any
		// other string that starts so is a value like any other)
		return s
	}
	return s[:8] + "\x00\x00\x00\x00\x00\x00\x00\x00" + s[16:]
}

// hllRegisters says whether regs are the registers of a HyperLogLog as
// Redis writes them (hyperloglog.c): dense, 16384 registers of 6 bits;
// sparse, opcodes (ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx)
// that cover the 16384 registers exactly.
func hllRegisters(encoding byte, regs string) bool {
	const registers = 16384
	if encoding == 0 {
		return len(regs) == registers*6/8
	}
	n := 0
	for i := 0; i < len(regs); i++ {
		switch op := regs[i]; {
		case op&0xc0 == 0x00: // ZERO
			n += int(op&0x3f) + 1
		case op&0xc0 == 0x40: // XZERO, two bytes
			if i++; i == len(regs) {
				return false
			}
			n += (int(op&0x3f)<<8 | int(regs[i])) + 1
		default: // VAL
			n += int(op&0x03) + 1
		}
		if n > registers {
			return false
		}
	}
	return n == registers
}

// streamValue reads a stream as comparable text: each entry with its
// fields in order (XRANGE, read raw: a map would lose their order and a
// repeated field), the last ID, and each consumer group's last delivered
// ID, pending entries and consumers.
func (n *redisNode) streamValue(ctx context.Context, key string) ([]string, error) {
	raw, err := n.c.Do(ctx, "XRANGE", key, "-", "+").Slice()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range raw {
		entry, ok := e.([]any)
		if !ok || len(entry) != 2 {
			return nil, fmt.Errorf("an XRANGE entry of an unknown shape")
		}
		parts := []string{fmt.Sprint(entry[0])}
		fields, _ := entry[1].([]any)
		for _, f := range fields {
			parts = append(parts, fmt.Sprint(f))
		}
		out = append(out, lengthPrefixed(parts...))
	}
	info, err := n.c.XInfoStream(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	out = append(out, lengthPrefixed("last-generated-id", info.LastGeneratedID, info.MaxDeletedEntryID, strconv.FormatInt(info.EntriesAdded, 10)))
	groups, err := n.c.XInfoGroups(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		out = append(out, lengthPrefixed("group", g.Name, g.LastDeliveredID, strconv.FormatInt(g.Pending, 10), strconv.FormatInt(g.Consumers, 10)))
		// which entries are pending, whose, and how often delivered: the
		// owner reads its unacknowledged entries again after a restart
		// (the idle time goes on on each server by itself)
		if g.Pending > 0 {
			pel, err := n.c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: key, Group: g.Name, Start: "-", End: "+", Count: g.Pending}).Result()
			if err != nil {
				return nil, err
			}
			for _, p := range pel {
				out = append(out, lengthPrefixed("pending", g.Name, p.ID, p.Consumer, strconv.FormatInt(p.RetryCount, 10)))
			}
		}
		consumers, err := n.c.XInfoConsumers(ctx, key, g.Name).Result()
		if err != nil {
			return nil, err
		}
		for _, c := range consumers {
			out = append(out, lengthPrefixed("consumer", g.Name, c.Name, strconv.FormatInt(c.Pending, 10)))
		}
	}
	return out, nil
}
