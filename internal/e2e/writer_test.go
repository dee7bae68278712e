package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"

	"github.com/safediff/safediff/internal/testenv/kubelet"
)

// resolver finds the address behind a Service of type ExternalName, as
// cluster DNS would: at every connect, never cached. The ExternalName is a
// DNS name; dns stands in for the DNS that resolves it.
type resolver struct {
	cluster         kubelet.Cluster
	namespace, name string
	dns             map[string]string
}

func newResolver(c kubelet.Cluster, namespace, name string, dns map[string]string) *resolver {
	return &resolver{cluster: c, namespace: namespace, name: name, dns: dns}
}

func (r *resolver) resolve(ctx context.Context) (string, error) {
	var svc struct {
		Spec struct {
			ExternalName string `json:"externalName"`
			Ports        []struct {
				Port int `json:"port"`
			} `json:"ports"`
		} `json:"spec"`
	}
	if err := r.cluster.Get(ctx, "/api/v1/namespaces/"+r.namespace+"/services/"+r.name, &svc); err != nil {
		return "", err
	}
	if svc.Spec.ExternalName == "" || len(svc.Spec.Ports) == 0 {
		return "", fmt.Errorf("service %s/%s has no externalName or port", r.namespace, r.name)
	}
	ip, ok := r.dns[svc.Spec.ExternalName]
	if !ok {
		return "", fmt.Errorf("no such host %s", svc.Spec.ExternalName)
	}
	return net.JoinHostPort(ip, strconv.Itoa(svc.Spec.Ports[0].Port)), nil
}

// store is what a writer writes to: record n, and whether record n is
// there (to settle a write whose answer was lost).
type store interface {
	connect(ctx context.Context, addr string) error
	write(ctx context.Context, n int64) error
	has(ctx context.Context, n int64) (bool, error)
	close()
}

// writer writes numbered records through the name clients use, one at a
// time, and remembers which were acknowledged. It pauses when the file
// "pause" appears in dir (closing its connection, then writing "paused"),
// and goes on when it is gone: the pause and resume commands of the
// migration file's command client.
type writer struct {
	t     testing.TB
	dir   string
	res   *resolver
	store store

	mu      sync.Mutex
	acked   []int64
	lastErr error
	gaveUp  error          // why the loop ended with a record unsettled
	addrs   map[string]int // writes acknowledged per address

	cancel context.CancelFunc
	done   chan struct{}
}

func startWriter(t testing.TB, dir string, res *resolver, s store) *writer {
	ctx, cancel := context.WithCancel(context.Background())
	w := &writer{t: t, dir: dir, res: res, store: s, cancel: cancel, done: make(chan struct{}), addrs: map[string]int{}}
	go w.loop(ctx)
	t.Cleanup(w.stop)
	return w
}

func (w *writer) paused() bool {
	_, err := os.Stat(filepath.Join(w.dir, "pause"))
	return err == nil
}

func (w *writer) loop(stop context.Context) {
	defer close(w.done)
	// the store's calls are not cancelled by stop: a write cancelled
	// half-way could commit without an answer. The loop ends between
	// writes, with the last one settled.
	ctx := context.Background()
	connected := ""
	n := int64(1)
	unsettled := false
	var giveUp time.Time
	for stop.Err() == nil || unsettled {
		if stop.Err() != nil {
			if giveUp.IsZero() {
				giveUp = time.Now().Add(10 * time.Second)
			} else if time.Now().After(giveUp) {
				w.mu.Lock()
				w.gaveUp = fmt.Errorf("record %d is unsettled: the store is unreachable (last error: %v)", n, w.lastErr)
				w.mu.Unlock()
				break
			}
		}
		if w.paused() && !unsettled {
			if connected != "" {
				w.store.close()
				connected = ""
			}
			os.WriteFile(filepath.Join(w.dir, "paused"), nil, 0o644)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if connected == "" {
			addr, err := w.res.resolve(ctx)
			if err == nil {
				err = w.store.connect(ctx, addr)
			}
			if err != nil {
				w.fail(err)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			connected = addr
		}
		if unsettled {
			// the last attempt at n failed without an answer: it may
			// have committed; look before writing it again
			ok, err := w.store.has(ctx, n)
			if err != nil {
				w.store.close()
				connected = ""
				w.fail(err)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			unsettled = false
			if !ok {
				continue // not there: write it
			}
		} else if err := w.store.write(ctx, n); err != nil {
			w.store.close()
			connected = ""
			unsettled = true
			w.fail(err)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		w.mu.Lock()
		w.acked = append(w.acked, n)
		w.addrs[connected]++
		w.mu.Unlock()
		n++
		time.Sleep(2 * time.Millisecond)
	}
	if connected != "" {
		w.store.close()
	}
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	w.lastErr = err
	w.mu.Unlock()
}

// snapshot is a copy of the acknowledged writes so far.
func (w *writer) snapshot() []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.acked)
}

// count is the number of acknowledged writes so far.
func (w *writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// waitMore waits until k more writes than now are acknowledged.
func (w *writer) waitMore(k int) {
	w.t.Helper()
	want := w.count() + k
	deadline := time.Now().Add(30 * time.Second)
	for w.count() < want {
		if time.Now().After(deadline) {
			w.mu.Lock()
			err := w.lastErr
			w.mu.Unlock()
			w.t.Fatalf("the writer is stuck at %d acknowledged writes (want %d); last error: %v", w.count(), want, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (w *writer) stop() {
	w.cancel()
	<-w.done
}

// result stops the writer and returns the acknowledged records and the
// writes per address. A record whose write was never settled fails the
// test: whether it is stored is unknown.
func (w *writer) result() ([]int64, map[string]int) {
	w.t.Helper()
	w.stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gaveUp != nil {
		w.t.Error(w.gaveUp)
	}
	return slices.Clone(w.acked), w.addrs
}

// pgStore writes to a table records(id serial, n bigint), with no unique
// constraint on n, so a doubled write would show.
type pgStore struct {
	user, password string
	conn           *pgx.Conn
}

func (s *pgStore) connect(ctx context.Context, addr string) error {
	c, err := pgConnect(ctx, addr, s.user, s.password)
	if err != nil {
		return err
	}
	s.conn = c
	return nil
}

// pgConnect connects to the postgres database at addr (host:port).
func pgConnect(ctx context.Context, addr, user, password string) (*pgx.Conn, error) {
	cfg, err := pgConfig(addr, user, password, "")
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// pgConfig is the configuration of a session of user to the database
// postgres at addr, with more connection keywords in extra.
func pgConfig(addr, user, password, extra string) (*pgx.ConnConfig, error) {
	host, port, _ := net.SplitHostPort(addr)
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s dbname=postgres sslmode=disable connect_timeout=3 %s", host, port, extra))
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Password = user, password
	return cfg, nil
}

func (s *pgStore) write(ctx context.Context, n int64) error {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := s.conn.Exec(wctx, "insert into records (n) values ($1)", n)
	return err
}

func (s *pgStore) has(ctx context.Context, n int64) (bool, error) {
	var c int
	err := s.conn.QueryRow(ctx, "select count(*) from records where n = $1", n).Scan(&c)
	return c > 0, err
}

func (s *pgStore) close() {
	if s.conn != nil {
		s.conn.Close(context.Background())
		s.conn = nil
	}
}

// readOnlyError says whether err is Postgres refusing a write in a
// read-only transaction (SQLSTATE 25006).
func readOnlyError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "25006"
}

// refusedByHBA says whether err is pg_hba.conf refusing a connection
// (SQLSTATE 28000): the fence.
func refusedByHBA(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "28000" && strings.Contains(pe.Message, "pg_hba.conf rejects")
}

// redisStore appends record n to a list (key(n)), through a client made
// for the address the name resolves to: a plain client of one server, a
// Sentinel-aware one, a cluster-aware one. A doubled write would show.
type redisStore struct {
	client func(addr string) redis.UniversalClient
	key    func(n int64) string
	c      redis.UniversalClient
}

// newRedisStore writes to the list "records" of one server.
func newRedisStore(password string) *redisStore {
	return &redisStore{key: func(int64) string { return "records" }, client: func(addr string) redis.UniversalClient {
		return redis.NewClient(&redis.Options{Addr: addr, Password: password, MaxRetries: -1, PoolSize: 1, Protocol: 2,
			DialTimeout: 3 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
	}}
}

func (s *redisStore) connect(ctx context.Context, addr string) error {
	c := s.client(addr)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return err
	}
	s.c = c
	return nil
}

func (s *redisStore) write(ctx context.Context, n int64) error {
	return s.c.RPush(ctx, s.key(n), n).Err()
}

func (s *redisStore) has(ctx context.Context, n int64) (bool, error) {
	_, err := s.c.LPos(ctx, s.key(n), strconv.FormatInt(n, 10), redis.LPosArgs{}).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	return err == nil, err
}

func (s *redisStore) close() {
	if s.c != nil {
		s.c.Close()
		s.c = nil
	}
}

// checkRecords compares what is stored with what the stopped writer
// acknowledged: every acknowledged record stored once, none that was never
// acknowledged.
func checkRecords(t testing.TB, stored, acked []int64) {
	t.Helper()
	compareRecords(t, stored, acked, false)
}

// checkContains compares what is stored with a snapshot of a writer that
// goes on: every acknowledged record stored once; later ones, which the
// snapshot does not know yet, may be there too.
func checkContains(t testing.TB, stored, acked []int64) {
	t.Helper()
	compareRecords(t, stored, acked, true)
}

func compareRecords(t testing.TB, stored, acked []int64, laterOK bool) {
	t.Helper()
	seen := map[int64]int{}
	for _, n := range stored {
		seen[n]++
	}
	var missing, doubled, extra []int64
	ack := map[int64]bool{}
	for _, n := range acked {
		ack[n] = true
		switch seen[n] {
		case 0:
			missing = append(missing, n)
		case 1:
		default:
			doubled = append(doubled, n)
		}
	}
	if !laterOK {
		for n := range seen {
			if !ack[n] {
				extra = append(extra, n) // stored once or more
			}
		}
		slices.Sort(extra)
	}
	if len(missing)+len(doubled)+len(extra) > 0 {
		t.Errorf("records: %d acknowledged, %d stored; missing %v, doubled %v, never acknowledged %v", len(acked), len(stored), first(missing), first(doubled), first(extra))
	}
}

func first(s []int64) []int64 {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}
