package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// The cluster-side lock of a migration is a coordination.k8s.io/v1 Lease,
// named after the migration, in the source release's namespace and in the
// target release's (each in its own cluster). A runner holds both for the
// whole run and renews them every third of the lease's duration, so a
// second runner anywhere (another machine, another state file) is refused
// with who holds the lock and since when. A lease that was not renewed
// for its duration has a dead holder and is taken over; so is one held by
// a process of this machine that no longer runs (the same host and boot,
// a process ID that is gone or belongs to another process): a runner
// killed here is resumed at once. The state file records the holder.

// LeaseName is the name of a migration's Lease objects.
func LeaseName(migration string) string { return "safediff-migrate-" + migration }

// Holder is who holds a migration's lock.
type Holder struct {
	// Identity is the Lease's holderIdentity:
	// user@host/pid/process-start/boot-id.
	Identity string `json:"identity"`
	// Since is when it took the lock.
	Since time.Time `json:"since"`
}

// LockedError is a lock held by another runner.
type LockedError struct {
	Lease   string // context/namespace/name
	Holder  string
	Since   time.Time
	Renewed time.Time
	Expires time.Time
}

func (e *LockedError) Error() string {
	now := time.Now()
	return fmt.Sprintf("the migration is locked by %s since %s (lease %s, renewed %v ago); a second runner must not run it. "+
		"If that runner is gone, its lock expires in %v: run again then",
		describeHolder(e.Holder), e.Since.Local().Format(time.RFC3339), e.Lease,
		now.Sub(e.Renewed).Round(time.Second), max(e.Expires.Sub(now), 0).Round(time.Second))
}

// ErrLeaseLost ends a run whose lock could not be renewed in time: another
// runner may take it over, so this one stops.
var ErrLeaseLost = errors.New("the migration's lock (its Lease) could not be renewed in time; stopped, since another runner may take it over. Run again to resume")

// identity is this process's holder identity.
func identity() string {
	host, _ := os.Hostname()
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return fmt.Sprintf("%s@%s/%d/%s/%s", name, host, os.Getpid(), procStart(os.Getpid()), bootID())
}

// describeHolder shows an identity as "user@host (pid N)".
func describeHolder(id string) string {
	f := strings.Split(id, "/")
	if len(f) >= 2 {
		return fmt.Sprintf("%s (pid %s)", f[0], f[1])
	}
	return id
}

// procStart is a process's start time in clock ticks since boot (field 22
// of /proc/PID/stat), "" when unknown.
func procStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command may hold anything
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// deadLocal says whether id is a process of this machine, since its last
// boot, that no longer runs.
func deadLocal(id string) bool {
	f := strings.Split(id, "/")
	me := strings.Split(identity(), "/")
	if len(f) != 4 || len(me) != 4 || f[2] == "" || me[3] == "" || f[3] != me[3] || !sameHost(f[0], me[0]) {
		return false
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil {
		return false
	}
	return procStart(pid) != f[2]
}

// sameHost compares the host parts of two user@host names.
func sameHost(a, b string) bool {
	_, ha, _ := strings.Cut(a, "@")
	_, hb, _ := strings.Cut(b, "@")
	return ha != "" && ha == hb
}

// leaseObject is a coordination.k8s.io/v1 Lease.
type leaseObject struct {
	APIVersion string    `json:"apiVersion"`
	Kind       string    `json:"kind"`
	Metadata   leaseMeta `json:"metadata"`
	Spec       leaseSpec `json:"spec"`
}

type leaseMeta struct {
	Name            string            `json:"name"`
	Namespace       string            `json:"namespace,omitempty"`
	ResourceVersion string            `json:"resourceVersion,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
}

type leaseSpec struct {
	HolderIdentity       string `json:"holderIdentity,omitempty"`
	LeaseDurationSeconds int32  `json:"leaseDurationSeconds,omitempty"`
	AcquireTime          string `json:"acquireTime,omitempty"`
	RenewTime            string `json:"renewTime,omitempty"`
	LeaseTransitions     int32  `json:"leaseTransitions,omitempty"`
}

// microTime is the wire form of a metav1.MicroTime.
const microTime = "2006-01-02T15:04:05.000000Z07:00"

func parseMicro(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// leaseSite is one place the lock is held: a namespace of a cluster.
type leaseSite struct {
	api       *kubeapi.Client
	context   string // the kube context, for messages
	namespace string
}

func (s leaseSite) String() string {
	ctx := s.context
	if ctx == "" {
		ctx = "(current context)"
	}
	return ctx + "/" + s.namespace
}

// lock is a held lock: the leases, renewed until release.
type lock struct {
	name     string
	id       string
	duration time.Duration
	sites    []leaseSite
	since    time.Time
	out      func(format string, args ...any)

	mu        sync.Mutex
	renewedAt time.Time // the oldest of the last successful renewals
	stop      chan struct{}
	done      chan struct{}
}

// acquireLock takes the lease at every site for holder id, or none: a
// site held by another runner releases the ones taken and returns a
// *LockedError.
func acquireLock(ctx context.Context, id, name string, duration time.Duration, sites []leaseSite, out func(string, ...any)) (*lock, error) {
	l := &lock{name: name, id: id, duration: duration, sites: sites, out: out}
	now := time.Now()
	l.since = now
	for i, s := range sites {
		since, err := l.take(ctx, s)
		if err != nil {
			for _, t := range sites[:i] {
				l.give(context.WithoutCancel(ctx), t)
			}
			return nil, err
		}
		if since.Before(l.since) {
			l.since = since
		}
	}
	l.renewedAt = now
	return l, nil
}

func (l *lock) path(s leaseSite) string {
	return kubeapi.Path("coordination.k8s.io", "v1", s.namespace, "leases", "")
}

// take acquires (or keeps) the lease at one site and returns since when
// this holder has held it.
func (l *lock) take(ctx context.Context, s leaseSite) (time.Time, error) {
	coll := l.path(s)
	for attempt := 0; ; attempt++ {
		if attempt == 5 {
			return time.Time{}, fmt.Errorf("lease %s/%s: changed by someone else at every attempt", s, l.name)
		}
		now := time.Now()
		var cur leaseObject
		err := s.api.Get(ctx, coll+"/"+l.name, &cur)
		if kubeapi.IsNotFound(err) {
			obj := leaseObject{APIVersion: "coordination.k8s.io/v1", Kind: "Lease",
				Metadata: leaseMeta{Name: l.name, Namespace: s.namespace, Labels: map[string]string{"app.kubernetes.io/managed-by": "safediff"}},
				Spec: leaseSpec{HolderIdentity: l.id, LeaseDurationSeconds: int32(l.duration / time.Second),
					AcquireTime: now.UTC().Format(microTime), RenewTime: now.UTC().Format(microTime)}}
			err = s.api.Create(ctx, coll, obj, nil)
			switch {
			case kubeapi.IsNotFound(err):
				// the namespace does not exist yet (the target's, before
				// install-target creates it): create it to hold the lease
				if err := s.api.Create(ctx, kubeapi.Path("", "v1", "", "namespaces", ""),
					map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": s.namespace}}, nil); err != nil && !kubeapi.IsAlreadyExists(err) {
					return time.Time{}, fmt.Errorf("creating namespace %s to hold the migration's lease: %w", s, err)
				}
				l.out("      created namespace %s to hold the migration's lock\n", s)
				continue
			case kubeapi.IsAlreadyExists(err):
				continue
			case err != nil:
				return time.Time{}, fmt.Errorf("taking the migration's lock (lease %s/%s): %w", s, l.name, err)
			}
			return now, nil
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("reading the migration's lock (lease %s/%s): %w", s, l.name, err)
		}
		sp := cur.Spec
		renewed := parseMicro(sp.RenewTime)
		expires := renewed.Add(time.Duration(sp.LeaseDurationSeconds) * time.Second)
		since := parseMicro(sp.AcquireTime)
		switch {
		case sp.HolderIdentity == l.id:
		case sp.HolderIdentity == "" || now.After(expires) || deadLocal(sp.HolderIdentity):
			if sp.HolderIdentity != "" {
				why := "expired"
				if !now.After(expires) {
					why = "its process on this machine is gone"
				}
				l.out("      taking over the lock of %s from %s (%s)\n", s, describeHolder(sp.HolderIdentity), why)
			}
			since = now
			cur.Spec.AcquireTime = now.UTC().Format(microTime)
			cur.Spec.LeaseTransitions++
		default:
			return time.Time{}, &LockedError{Lease: s.String() + "/" + l.name, Holder: sp.HolderIdentity, Since: since, Renewed: renewed, Expires: expires}
		}
		cur.Spec.HolderIdentity = l.id
		cur.Spec.LeaseDurationSeconds = int32(l.duration / time.Second)
		cur.Spec.RenewTime = now.UTC().Format(microTime)
		err = s.api.Update(ctx, coll+"/"+l.name, cur, nil)
		if kubeapi.IsConflict(err) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("taking the migration's lock (lease %s/%s): %w", s, l.name, err)
		}
		return since, nil
	}
}

// renewOnce renews every lease; it fails when a lease has another holder.
func (l *lock) renewOnce(ctx context.Context) error {
	for _, s := range l.sites {
		var cur leaseObject
		if err := s.api.Get(ctx, l.path(s)+"/"+l.name, &cur); err != nil {
			return err
		}
		if cur.Spec.HolderIdentity != l.id {
			return fmt.Errorf("lease %s/%s is held by %s now", s, l.name, describeHolder(cur.Spec.HolderIdentity))
		}
		cur.Spec.RenewTime = time.Now().UTC().Format(microTime)
		if err := s.api.Update(ctx, l.path(s)+"/"+l.name, cur, nil); err != nil {
			return err
		}
	}
	return nil
}

// keep renews the leases every third of their duration until release.
// When they could not be renewed for two thirds of it, lost is called
// (once): the run must stop before another runner may take over.
func (l *lock) keep(lost func(error)) {
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(l.done)
		t := time.NewTicker(l.duration / 3)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), l.duration/3)
			err := l.renewOnce(ctx)
			cancel()
			l.mu.Lock()
			if err == nil {
				l.renewedAt = time.Now()
			}
			late := time.Since(l.renewedAt) > l.duration*2/3
			l.mu.Unlock()
			if late || (err != nil && strings.Contains(err.Error(), "is held by")) {
				lost(fmt.Errorf("%w (%v)", ErrLeaseLost, err))
				return
			}
		}
	}()
}

// release stops the renewal and gives the leases up.
func (l *lock) release() {
	if l.stop != nil {
		select {
		case <-l.stop:
		default:
			close(l.stop)
			<-l.done
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range l.sites {
		l.give(ctx, s)
	}
}

// give releases the lease at one site if this runner holds it.
func (l *lock) give(ctx context.Context, s leaseSite) {
	for range 3 {
		var cur leaseObject
		if err := s.api.Get(ctx, l.path(s)+"/"+l.name, &cur); err != nil || cur.Spec.HolderIdentity != l.id {
			return
		}
		cur.Spec.HolderIdentity = ""
		cur.Spec.RenewTime = time.Now().UTC().Format(microTime)
		if err := s.api.Update(ctx, l.path(s)+"/"+l.name, cur, nil); !kubeapi.IsConflict(err) {
			return
		}
	}
}

// lockStatus says who holds the migration's lock, for plan: it reads the
// Leases and changes nothing.
func lockStatus(ctx context.Context, name string, sites []leaseSite) string {
	var held []string
	for _, s := range sites {
		var cur leaseObject
		err := s.api.Get(ctx, kubeapi.Path("coordination.k8s.io", "v1", s.namespace, "leases", name), &cur)
		switch {
		case kubeapi.IsNotFound(err):
		case err != nil:
			return fmt.Sprintf("unknown (%v)", err)
		case cur.Spec.HolderIdentity != "":
			renewed := parseMicro(cur.Spec.RenewTime)
			state := "held"
			if time.Now().After(renewed.Add(time.Duration(cur.Spec.LeaseDurationSeconds) * time.Second)) {
				state = "expired, last held"
			}
			held = append(held, fmt.Sprintf("%s by %s since %s (lease %s/%s, renewed %v ago)", state, describeHolder(cur.Spec.HolderIdentity),
				parseMicro(cur.Spec.AcquireTime).Local().Format(time.RFC3339), s, name, time.Since(renewed).Round(time.Second)))
		}
	}
	if len(held) == 0 {
		return "free"
	}
	return strings.Join(held, "; ")
}
