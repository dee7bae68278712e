package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Cluster is one API server.
type Cluster struct {
	Name   string // names the cluster in pod keys and under Root; no "/"
	Server string // https://host:port
	Token  string // bearer token
}

// Config says which API servers to follow and how to run their pods.
type Config struct {
	Clusters []Cluster

	// Root holds the pod directories and the volumes. It is created
	// (0755) when missing; its parents must be searchable by RunAs.
	Root string

	// PodIPs maps "cluster/namespace/pod" to the loopback address the pod
	// gets (its status.podIP). Pods not listed get 127.0.1.N, N = 1, 2, …
	// in the order they appear.
	PodIPs map[string]string

	// RunAs is the user the pods run as when the test runs as root
	// (postgres refuses to run as root); Root and everything under it is
	// chowned to it. Ignored when not root; nil runs pods as the test's
	// own user.
	RunAs *syscall.Credential

	// Path is prepended to the kubelet's PATH to make the pods' PATH
	// (e.g. /usr/lib/postgresql/15/bin).
	Path []string

	// Poll is the interval of reading the API servers; default 200ms.
	Poll time.Duration

	// Log receives a line per event (pod started, exited, stopped, …).
	// Default: discarded.
	Log io.Writer
}

// PodStatus is what the double knows about one pod.
type PodStatus struct {
	Running  bool   // the container's process is running
	PID      int    // its PID (and process group) while it runs
	Starts   int    // how often the container was started
	Restarts int    // how often it was started again after it exited
	Rollouts int    // how often the pod was replaced for a new template
	LastExit string // how the container last ended, e.g. "exit status 1"
	Error    string // the last error in setting up or starting the pod
	Deleted  bool   // the workload is gone or scaled to zero
	IP       string // status.podIP
	Dir      string // the pod directory (its working directory)
	Log      string // the file with the stdout and stderr of its containers
	Volumes  map[string]string
}

// Kubelet runs pods until Stop.
type Kubelet struct {
	cfg     Config
	clients []*client
	log     *logger

	mu     sync.Mutex
	pods   map[string]*pod // by key, including deleted ones
	ips    map[string]string
	nextIP int
	warned map[string]string // key → last warning, to log each once

	cancel   context.CancelFunc
	unwatch  func() bool // stops watching Start's ctx
	loopDone chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// Start checks that every API server answers and starts following them.
// The kubelet runs until Stop, or until ctx is done (which stops it as
// Stop does).
func Start(ctx context.Context, cfg Config) (*Kubelet, error) {
	if len(cfg.Clusters) == 0 {
		return nil, errors.New("kubelet: no clusters")
	}
	if cfg.Root == "" {
		return nil, errors.New("kubelet: no Root")
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if os.Geteuid() != 0 {
		cfg.RunAs = nil
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, err
	}
	cfg.Root = root
	k := &Kubelet{cfg: cfg, log: &logger{w: cfg.Log}, pods: map[string]*pod{},
		ips: map[string]string{}, warned: map[string]string{}}
	seen := map[string]bool{}
	for _, c := range cfg.Clusters {
		if c.Name == "" || strings.ContainsAny(c.Name, "/ ") || seen[c.Name] {
			return nil, fmt.Errorf("kubelet: cluster name %q: must be unique, non-empty, without / or blanks", c.Name)
		}
		seen[c.Name] = true
		cl := newClient(c)
		var v struct {
			GitVersion string `json:"gitVersion"`
		}
		if err := cl.get(ctx, "/version", &v); err != nil {
			return nil, fmt.Errorf("kubelet: cluster %s: %v", c.Name, err)
		}
		k.clients = append(k.clients, cl)
	}
	if err := k.mkdir(root); err != nil {
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	k.loopDone = make(chan struct{})
	go k.loop(loopCtx)
	k.unwatch = context.AfterFunc(ctx, func() { k.Stop() })
	return k, nil
}

// Stop stops polling and every pod (SIGTERM to its process group, 10 s,
// SIGKILL) and waits for them. It may be called more than once.
func (k *Kubelet) Stop() error {
	k.stopOnce.Do(func() {
		k.unwatch()
		k.cancel()
		<-k.loopDone
		k.mu.Lock()
		var all []*pod
		for _, p := range k.pods {
			p.delete()
			all = append(all, p)
		}
		k.mu.Unlock()
		var errs []error
		for _, p := range all {
			<-p.done
			if st := p.status(); st.Running {
				errs = append(errs, fmt.Errorf("pod %s still running (pid %d)", p.key, st.PID))
			}
		}
		for _, c := range k.clients {
			c.closeIdle()
		}
		k.stopErr = errors.Join(errs...)
	})
	return k.stopErr
}

// Pod returns the status of a pod the kubelet has run (ok false when it
// never ran one of that name).
func (k *Kubelet) Pod(cluster, namespace, name string) (PodStatus, bool) {
	k.mu.Lock()
	p := k.pods[cluster+"/"+namespace+"/"+name]
	k.mu.Unlock()
	if p == nil {
		return PodStatus{}, false
	}
	return p.status(), true
}

// WaitRunning waits until the pod's container runs. On timeout the error
// says what is known of the pod, with the end of its log.
func (k *Kubelet) WaitRunning(ctx context.Context, cluster, namespace, name string) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		st, ok := k.Pod(cluster, namespace, name)
		if ok && st.Running {
			return nil
		}
		select {
		case <-ctx.Done():
			key := cluster + "/" + namespace + "/" + name
			if !ok {
				return fmt.Errorf("pod %s never started: %w", key, ctx.Err())
			}
			return fmt.Errorf("pod %s is not running (starts %d, last exit %q, error %q): %w\n%s",
				key, st.Starts, st.LastExit, st.Error, ctx.Err(), tail(st.Log, 20))
		case <-t.C:
		}
	}
}

// tail returns the last n lines of a file.
func tail(file string, n int) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (k *Kubelet) loop(ctx context.Context) {
	defer close(k.loopDone)
	t := time.NewTicker(k.cfg.Poll)
	defer t.Stop()
	for {
		for _, c := range k.clients {
			k.syncCluster(ctx, c)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// desiredPod is a pod a workload asks for.
type desiredPod struct {
	key       string // cluster/namespace/name
	namespace string
	name      string
	owner     string // e.g. StatefulSet default/db-postgres
	template  podTemplate
	hash      string
	claims    map[string]string // volumeClaimTemplate name → claim name
}

func (k *Kubelet) syncCluster(ctx context.Context, c *client) {
	desired, err := k.desired(ctx, c)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		// Leave the pods alone: an unreachable API server is no deletion.
		k.warnOnce("cluster/"+c.cluster.Name, fmt.Sprintf("%s: %v (pods left as they are)", c.cluster.Name, err))
		return
	}
	k.warnOnce("cluster/"+c.cluster.Name, "")

	k.mu.Lock()
	var live []*pod
	for key, p := range k.pods {
		if p.cluster != c.cluster.Name || p.deleting() {
			continue
		}
		if _, ok := desired[key]; !ok {
			k.log.printf("%s: deleted (its workload is gone or scaled to zero)", key)
			p.delete()
			continue
		}
		live = append(live, p)
	}
	for key, d := range desired {
		p := k.pods[key]
		switch {
		case p == nil || p.finished():
			p = k.newPod(c, d)
			k.pods[key] = p
			go p.run(d)
		case p.deleting():
			// being stopped; started again once it has stopped
		case p.target() != d.hash:
			k.log.printf("%s: pod template changed (%s → %s): replacing the pod", key, p.target(), d.hash)
			p.rollout(d)
		}
	}
	k.mu.Unlock()

	// Keep configMap and secret volumes in line with the API, as the
	// kubelet's projection does.
	for _, p := range live {
		p.syncProjections(ctx)
	}
}

// desired lists the pods the cluster's workloads ask for: pods <name>-0
// … <name>-(N-1) of a StatefulSet of N replicas, as its controller names
// them (all at once, as with podManagementPolicy Parallel), and one pod
// <name>-local of a Deployment.
func (k *Kubelet) desired(ctx context.Context, c *client) (map[string]*desiredPod, error) {
	out := map[string]*desiredPod{}
	for _, kind := range []struct {
		path, name string
		stateful   bool
	}{
		{"/apis/apps/v1/statefulsets", "StatefulSet", true},
		{"/apis/apps/v1/deployments", "Deployment", false},
	} {
		var list struct {
			Items []workload `json:"items"`
		}
		if err := c.get(ctx, kind.path, &list); err != nil {
			return nil, err
		}
		for _, w := range list.Items {
			owner := kind.name + " " + w.Metadata.Namespace + "/" + w.Metadata.Name
			replicas := int32(1)
			if w.Spec.Replicas != nil {
				replicas = *w.Spec.Replicas
			}
			names := []string{w.Metadata.Name + "-local"}
			if kind.stateful {
				names = names[:0]
				for i := range max(replicas, 0) {
					names = append(names, fmt.Sprintf("%s-%d", w.Metadata.Name, i))
				}
			} else if replicas > 1 {
				k.warnOnce(owner, fmt.Sprintf("%s: replicas %d is not supported by the kubelet test double: only pod %s runs", owner, replicas, names[0]))
			} else {
				k.warnOnce(owner, "")
			}
			if replicas < 1 || w.Metadata.DeletionTimestamp != "" {
				continue
			}
			var tmpl podTemplate
			hash, err := templateHash(w.Spec.Template)
			if err == nil {
				err = json.Unmarshal(w.Spec.Template, &tmpl)
			}
			if err != nil {
				k.warnOnce(owner+"/template", fmt.Sprintf("%s: pod template: %v", owner, err))
				continue
			}
			k.warnOnce(owner+"/template", "")
			for _, name := range names {
				d := &desiredPod{namespace: w.Metadata.Namespace, name: name, owner: owner, template: tmpl, hash: hash,
					claims: map[string]string{}}
				d.key = c.cluster.Name + "/" + d.namespace + "/" + d.name
				for _, t := range w.Spec.VolumeClaimTemplates {
					d.claims[t.Metadata.Name] = t.Metadata.Name + "-" + d.name
				}
				out[d.key] = d
			}
		}
	}
	return out, nil
}

// warnOnce logs msg unless it is what was last logged for key; an empty
// msg resets key.
func (k *Kubelet) warnOnce(key, msg string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.warned[key] == msg {
		return
	}
	k.warned[key] = msg
	if msg != "" {
		k.log.printf("%s", msg)
	}
}

// newPod makes the pod for d, which keeps its IP and directory across
// deletions. k.mu is held.
func (k *Kubelet) newPod(c *client, d *desiredPod) *pod {
	ip, ok := k.ips[d.key]
	if !ok {
		ip = k.cfg.PodIPs[d.key]
		if ip == "" {
			n := k.nextIP // 127.0.1.1 … 127.0.1.254, then 127.0.2.1 …
			k.nextIP++
			ip = fmt.Sprintf("127.0.%d.%d", 1+n/254, 1+n%254)
		}
		k.ips[d.key] = ip
	}
	nsDir := filepath.Join(k.cfg.Root, c.cluster.Name, safeName(d.namespace))
	return &pod{
		k:         k,
		client:    c,
		key:       d.key,
		cluster:   c.cluster.Name,
		namespace: d.namespace,
		name:      d.name,
		ip:        ip,
		dir:       filepath.Join(nsDir, "pods", safeName(d.name)),
		claimDir:  filepath.Join(nsDir, "pvc"),
		next:      make(chan *desiredPod, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		st:        PodStatus{IP: ip},
		targetSum: d.hash,
	}
}

// safeName keeps an API name usable as one path element (API names never
// contain "/", but be sure).
func safeName(s string) string { return url.PathEscape(s) }

// mkdir creates dir (0755) and chowns it and its missing parents under
// Root to RunAs.
func (k *Kubelet) mkdir(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if d == filepath.Dir(d) || d == k.cfg.Root {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range missing {
		if err := k.chown(d); err != nil {
			return err
		}
	}
	return k.chown(dir)
}

// chown gives a file to RunAs, when set.
func (k *Kubelet) chown(path string) error {
	if k.cfg.RunAs == nil {
		return nil
	}
	return os.Lchown(path, int(k.cfg.RunAs.Uid), int(k.cfg.RunAs.Gid))
}

// logger serialises log lines.
type logger struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *logger) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "kubelet %s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
