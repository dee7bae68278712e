package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// fakeKube is an API server that keeps Leases and Namespaces as the real
// one does: resourceVersions, conflicts, AlreadyExists, and a 404 for a
// Lease created in a namespace that does not exist.
type fakeKube struct {
	mu         sync.Mutex
	srv        *httptest.Server
	leases     map[string]leaseObject // by namespace/name
	namespaces map[string]bool
	rv         int
}

func newFakeKube(t *testing.T) *fakeKube {
	f := &fakeKube{leases: map[string]leaseObject{}, namespaces: map[string]bool{"cache": true, "data": true}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeKube) client(string) (*kubeapi.Client, error) {
	return (&kubeapi.Config{Server: f.srv.URL, Token: "t"}).Client()
}

func (f *fakeKube) site(ns string) leaseSite {
	c, _ := f.client("")
	return leaseSite{api: c, context: "test", namespace: ns}
}

func (f *fakeKube) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	status := func(code int, reason string) {
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "reason": reason, "message": reason, "code": code})
	}
	body, _ := io.ReadAll(r.Body)
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.URL.Path == "/api/v1/namespaces" && r.Method == http.MethodPost {
		var ns struct {
			Metadata struct{ Name string } `json:"metadata"`
		}
		json.Unmarshal(body, &ns)
		if f.namespaces[ns.Metadata.Name] {
			status(409, "AlreadyExists")
			return
		}
		f.namespaces[ns.Metadata.Name] = true
		w.WriteHeader(201)
		w.Write(body)
		return
	}
	// /apis/coordination.k8s.io/v1/namespaces/NS/leases[/NAME]
	if len(parts) < 6 || parts[5] != "leases" {
		status(404, "NotFound")
		return
	}
	ns := parts[4]
	switch {
	case r.Method == http.MethodPost:
		var l leaseObject
		json.Unmarshal(body, &l)
		if !f.namespaces[ns] {
			status(404, "NotFound")
			return
		}
		if _, ok := f.leases[ns+"/"+l.Metadata.Name]; ok {
			status(409, "AlreadyExists")
			return
		}
		f.rv++
		l.Metadata.ResourceVersion = strconv.Itoa(f.rv)
		f.leases[ns+"/"+l.Metadata.Name] = l
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(l)
	case len(parts) == 7 && r.Method == http.MethodGet:
		l, ok := f.leases[ns+"/"+parts[6]]
		if !ok {
			status(404, "NotFound")
			return
		}
		json.NewEncoder(w).Encode(l)
	case len(parts) == 7 && r.Method == http.MethodPut:
		var l leaseObject
		json.Unmarshal(body, &l)
		cur, ok := f.leases[ns+"/"+parts[6]]
		if !ok {
			status(404, "NotFound")
			return
		}
		if cur.Metadata.ResourceVersion != l.Metadata.ResourceVersion {
			status(409, "Conflict")
			return
		}
		f.rv++
		l.Metadata.ResourceVersion = strconv.Itoa(f.rv)
		f.leases[ns+"/"+parts[6]] = l
		json.NewEncoder(w).Encode(l)
	default:
		status(405, "MethodNotAllowed")
	}
}

func (f *fakeKube) holder(ns, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leases[ns+"/"+name].Spec.HolderIdentity
}

func quiet(string, ...any) {}

// TestLeaseLock: a second runner is refused with who holds the lock and
// since when; a released or expired lock is taken over; the lock is held
// in every namespace or in none.
func TestLeaseLock(t *testing.T) {
	f := newFakeKube(t)
	ctx := context.Background()
	sites := []leaseSite{f.site("data"), f.site("team-a")} // team-a does not exist yet
	a, err := acquireLock(ctx, "alice@h1/1/2/b", "safediff-migrate-x", 3*time.Second, sites, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if f.holder("data", "safediff-migrate-x") != "alice@h1/1/2/b" || f.holder("team-a", "safediff-migrate-x") != "alice@h1/1/2/b" {
		t.Fatal("the lease is not held in both namespaces (the missing namespace must be created)")
	}
	if st := lockStatus(ctx, "safediff-migrate-x", sites); !strings.HasPrefix(st, "held by alice@h1 (pid 1) since ") {
		t.Errorf("lock status: %s", st)
	}
	if st := lockStatus(ctx, "safediff-migrate-y", sites); st != "free" {
		t.Errorf("lock status of another migration: %s", st)
	}
	_, err = acquireLock(ctx, "bob@h2/7/8/c", "safediff-migrate-x", 3*time.Second, sites, quiet)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder != "alice@h1/1/2/b" || !strings.Contains(err.Error(), "locked by alice@h1 (pid 1) since ") {
		t.Fatalf("a second runner: %v", err)
	}
	// the same holder takes its own lock again (a resumed run)
	if _, err := acquireLock(ctx, "alice@h1/1/2/b", "safediff-migrate-x", 3*time.Second, sites, quiet); err != nil {
		t.Errorf("the holder itself: %v", err)
	}
	a.release()
	if f.holder("data", "safediff-migrate-x") != "" {
		t.Error("release left the holder")
	}
	b, err := acquireLock(ctx, "bob@h2/7/8/c", "safediff-migrate-x", 3*time.Second, sites, quiet)
	if err != nil {
		t.Fatalf("after the release: %v", err)
	}
	// bob dies without releasing: carol waits for the expiry
	if _, err := acquireLock(ctx, "carol@h3/1/1/d", "safediff-migrate-x", 3*time.Second, sites[:1], quiet); !errors.As(err, &le) {
		t.Fatalf("before the expiry: %v", err)
	}
	time.Sleep(3100 * time.Millisecond)
	var took []string
	c, err := acquireLock(ctx, "carol@h3/1/1/d", "safediff-migrate-x", 3*time.Second, sites[:1], func(format string, args ...any) { took = append(took, format) })
	if err != nil {
		t.Fatalf("after the expiry: %v", err)
	}
	if len(took) != 1 || !strings.Contains(took[0], "taking over") {
		t.Errorf("the takeover is not said: %q", took)
	}
	// bob's renewal finds carol holding one of its leases: lost
	lost := make(chan error, 1)
	b.duration = 300 * time.Millisecond
	b.keep(func(err error) { lost <- err })
	select {
	case err := <-lost:
		if !errors.Is(err, ErrLeaseLost) {
			t.Errorf("lost: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("the renewal did not notice that the lock was taken over")
	}
	b.release()
	if f.holder("data", "safediff-migrate-x") != "carol@h3/1/1/d" {
		t.Error("a runner that lost the lock released another's")
	}
	c.release()
}

// TestLeaseTakenFromADeadLocalRunner: a lease held by a process of this
// machine that no longer runs is taken over at once, not after it
// expires; one held by a live process is not.
func TestLeaseTakenFromADeadLocalRunner(t *testing.T) {
	if bootID() == "" {
		t.Skip("no /proc: only expiry applies")
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	me := strings.Split(identity(), "/")
	dead := strings.Join([]string{me[0], strconv.Itoa(cmd.Process.Pid), "12345", me[3]}, "/")
	alive := strings.Join([]string{me[0], strconv.Itoa(os.Getppid()), procStart(os.Getppid()), me[3]}, "/")
	if !deadLocal(dead) || deadLocal(alive) || deadLocal("x@other/1/1/"+me[3]) {
		t.Fatalf("deadLocal: dead %v alive %v", deadLocal(dead), deadLocal(alive))
	}
	f := newFakeKube(t)
	ctx := context.Background()
	if _, err := acquireLock(ctx, dead, "l", time.Hour, []leaseSite{f.site("data")}, quiet); err != nil {
		t.Fatal(err)
	}
	if _, err := acquireLock(ctx, identity(), "l", time.Hour, []leaseSite{f.site("data")}, quiet); err != nil {
		t.Errorf("a dead local holder's lease: %v", err)
	}
	if _, err := acquireLock(ctx, alive, "l2", time.Hour, []leaseSite{f.site("data")}, quiet); err != nil {
		t.Fatal(err)
	}
	var le *LockedError
	if _, err := acquireLock(ctx, identity(), "l2", time.Hour, []leaseSite{f.site("data")}, quiet); !errors.As(err, &le) {
		t.Errorf("a live local holder's lease: %v", err)
	}
}

// TestProgressOnANonTerminal: a wait's progress, polled every 250 ms with a
// line that changes each time, prints at most a line per interval when
// the output is not a terminal.
func TestProgressOnANonTerminal(t *testing.T) {
	var out strings.Builder
	p := &progress{r: &Runner{Out: &out}, interval: 5 * time.Second}
	for i := range 40 {
		p.show("replication lag " + strconv.Itoa(i) + " B")
	}
	p.done()
	if got := strings.Count(out.String(), "\n"); got != 1 {
		t.Errorf("%d lines, want 1:\n%s", got, out.String())
	}
}

// TestWaitForStopsAtAPermanentError: a condition that cannot come true
// (a target promoted by someone else) ends the wait at once instead of
// being retried until the timeout.
func TestWaitForStopsAtAPermanentError(t *testing.T) {
	calls := 0
	want := errors.New("promoted by someone else")
	err := waitFor(context.Background(), time.Minute, func() (bool, error) {
		calls++
		return false, permanent(want)
	})
	if err != want || calls != 1 {
		t.Errorf("err %v after %d calls", err, calls)
	}
}
