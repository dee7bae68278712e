package kubelet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	gracePeriod = 10 * time.Second // SIGTERM to SIGKILL
	backoffMin  = time.Second      // first delay before a restart
	backoffMax  = 10 * time.Second // the delay doubles up to this; a run this long resets it
)

// pod is one pod and the goroutine (run) that supervises it.
type pod struct {
	k                        *Kubelet
	client                   *client
	key                      string
	cluster, namespace, name string
	ip                       string
	dir                      string // pod directory
	claimDir                 string // where the namespace's claims live

	next chan *desiredPod // a new template to roll out to (latest wins)
	stop chan struct{}    // closed to delete the pod
	done chan struct{}    // closed when run returns

	mu        sync.Mutex
	st        PodStatus
	spec      *desiredPod // what runs, for syncProjections
	targetSum string      // hash of the newest template asked for
	stopping  bool

	projMu sync.Mutex // serialises writes into configMap and secret volumes
}

func (p *pod) status() PodStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.st
	st.Dir, st.Log = p.dir, filepath.Join(p.dir, "log")
	st.Volumes = map[string]string{}
	for k, v := range p.st.Volumes {
		st.Volumes[k] = v
	}
	return st
}

func (p *pod) update(f func(*PodStatus)) {
	p.mu.Lock()
	f(&p.st)
	p.mu.Unlock()
}

func (p *pod) target() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.targetSum
}

// delete asks run to stop the pod; it returns at once.
func (p *pod) delete() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopping {
		p.stopping = true
		p.st.Deleted = true
		close(p.stop)
	}
}

func (p *pod) deleting() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stopping
}

func (p *pod) finished() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// rollout asks run to replace the pod with one of template d.
func (p *pod) rollout(d *desiredPod) {
	p.mu.Lock()
	p.targetSum = d.hash
	p.mu.Unlock()
	select {
	case <-p.next: // superseded
	default:
	}
	p.next <- d
}

// event is what ends a wait: the pod is deleted, or replaced by next.
type event struct {
	deleted bool
	next    *desiredPod
}

func (e event) any() bool { return e.deleted || e.next != nil }

// sleep waits d unless an event comes first.
func (p *pod) sleep(d time.Duration) event {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.stop:
		return event{deleted: true}
	case n := <-p.next:
		return event{next: n}
	case <-t.C:
		return event{}
	}
}

// run supervises the pod until it is deleted.
func (p *pod) run(d *desiredPod) {
	defer close(p.done)
	defer p.update(func(st *PodStatus) { st.Running, st.PID = false, 0 })
	if err := p.k.mkdir(p.dir); err != nil {
		p.fail(err)
	}
	for d != nil {
		d = p.incarnation(d)
		if d != nil {
			p.update(func(st *PodStatus) { st.Rollouts++ })
		}
	}
	p.k.log.printf("%s: stopped", p.key)
}

// incarnation runs one pod of template d: new emptyDirs, the init
// containers, then the container, restarted with back-off whenever it
// exits. It returns the next template on a rollout, nil on deletion.
func (p *pod) incarnation(d *desiredPod) *desiredPod {
	p.mu.Lock()
	p.spec = d
	p.mu.Unlock()
	spec := d.template.Spec
	backoff := backoffMin
	wait := func() event {
		e := p.sleep(backoff)
		backoff = min(2*backoff, backoffMax)
		return e
	}
	if len(spec.Containers) != 1 {
		p.fail(fmt.Errorf("%s: %d containers: the kubelet test double runs exactly one", d.owner, len(spec.Containers)))
		for {
			if e := p.sleep(time.Hour); e.any() {
				return e.next
			}
		}
	}

	// Volumes, then the init containers in order; a failure is retried
	// with back-off (a failed init container runs again).
	for {
		err := p.setUpVolumes(d)
		if err == nil {
			break
		}
		p.fail(err)
		if e := wait(); e.any() {
			return e.next
		}
	}
	for i := 0; i < len(spec.InitContainers); {
		c := spec.InitContainers[i]
		proc, err := p.start(c, "init container "+c.Name)
		if err == nil {
			e, exitErr := p.watch(proc)
			if e.any() {
				return e.next
			}
			if exitErr == nil {
				i++
				continue
			}
			err = fmt.Errorf("init container %s: %s", c.Name, exitString(exitErr))
		}
		p.fail(err)
		if e := wait(); e.any() {
			return e.next
		}
	}

	ctr := spec.Containers[0]
	for started := false; ; {
		proc, err := p.start(ctr, "container "+ctr.Name)
		if err != nil {
			p.fail(err)
			if e := wait(); e.any() {
				return e.next
			}
			continue
		}
		p.update(func(st *PodStatus) {
			st.Running, st.PID, st.Error = true, proc.cmd.Process.Pid, ""
			st.Starts++
			if started {
				st.Restarts++
			}
		})
		started = true
		began := time.Now()
		e, exitErr := p.watch(proc)
		p.update(func(st *PodStatus) {
			st.Running, st.PID = false, 0
			st.LastExit = exitString(exitErr)
		})
		if e.any() {
			return e.next
		}
		if time.Since(began) >= backoffMax {
			backoff = backoffMin
		}
		p.k.log.printf("%s: container %s exited (%s); restarting in %s", p.key, ctr.Name, exitString(exitErr), backoff)
		if e := wait(); e.any() {
			return e.next
		}
	}
}

func exitString(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

func (p *pod) fail(err error) {
	p.k.log.printf("%s: %v", p.key, err)
	p.update(func(st *PodStatus) { st.Error = err.Error() })
}

// process is a running container.
type process struct {
	cmd  *exec.Cmd
	err  error         // cmd.Wait's, once done is closed
	done chan struct{} // closed when the process has exited
}

// watch waits for proc to exit, or for an event, in which case it stops
// proc first.
func (p *pod) watch(proc *process) (event, error) {
	select {
	case <-proc.done:
		p.reap(proc)
		return event{}, proc.err
	case <-p.stop:
		p.terminate(proc)
		return event{deleted: true}, proc.err
	case n := <-p.next:
		p.terminate(proc)
		return event{next: n}, proc.err
	}
}

// terminate stops proc's process group: SIGTERM, the grace period, then
// SIGKILL.
func (p *pod) terminate(proc *process) {
	pid := proc.cmd.Process.Pid
	p.k.log.printf("%s: stopping pid %d (SIGTERM)", p.key, pid)
	syscall.Kill(-pid, syscall.SIGTERM)
	t := time.NewTimer(gracePeriod)
	defer t.Stop()
	select {
	case <-proc.done:
	case <-t.C:
		p.k.log.printf("%s: pid %d ignored SIGTERM for %s: SIGKILL", p.key, pid, gracePeriod)
		syscall.Kill(-pid, syscall.SIGKILL)
		<-proc.done
	}
	p.reap(proc)
}

// reap kills what is left of an exited process's group, as the end of a
// container kills all of its processes, and waits (up to 2 s) until none
// of them runs. The group's ID cannot be reused while any member exists,
// so this signals nothing else.
func (p *pod) reap(proc *process) {
	pid := proc.cmd.Process.Pid
	if syscall.Kill(-pid, syscall.SIGKILL) != nil {
		return
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if !groupRuns(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// groupRuns says whether a process of group pgid runs. Killed orphans
// stay zombies until init reaps them, which may take a while; they do not
// count.
func groupRuns(pgid int) bool {
	if syscall.Kill(-pgid, 0) != nil {
		return false
	}
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range dir {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold anything
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) >= 3 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}

// start starts container c of the pod.
func (p *pod) start(c container, what string) (*process, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if len(c.Command) == 0 {
		return nil, fmt.Errorf("%s: no command (the kubelet test double has no images, so no entrypoint to fall back on)", what)
	}
	if c.WorkingDir != "" {
		return nil, fmt.Errorf("%s: workingDir is not supported by the kubelet test double", what)
	}
	rw, err := p.mounts(c)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	env, vars, err := p.environment(ctx, c, rw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	var argv []string
	for _, a := range append(append([]string{}, c.Command...), c.Args...) {
		argv = append(argv, rw.rewrite(expand(a, vars)))
	}
	var pathEnv string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathEnv = v
		}
	}
	bin, err := lookPath(argv[0], pathEnv)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	logPath := filepath.Join(p.dir, "log")
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- kubelet %s: %s: %s\n", time.Now().Format(time.RFC3339Nano), what, strings.Join(argv, " "))
	cmd := &exec.Cmd{
		Path:        bin,
		Args:        argv,
		Env:         env,
		Dir:         p.dir,
		Stdout:      logf,
		Stderr:      logf,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Credential: p.k.cfg.RunAs},
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	p.k.log.printf("%s: %s started, pid %d", p.key, what, cmd.Process.Pid)
	proc := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		proc.err = cmd.Wait()
		close(proc.done)
	}()
	return proc, nil
}

// lookPath finds file in PATH as the container would.
func lookPath(file, pathEnv string) (string, error) {
	if strings.Contains(file, "/") {
		if _, err := os.Stat(file); err != nil {
			return "", err
		}
		return file, nil
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			continue
		}
		f := filepath.Join(dir, file)
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return f, nil
		}
	}
	return "", fmt.Errorf("%s: not found in PATH %s", file, pathEnv)
}

// environment builds the container's environment: PATH, HOME and HOSTNAME
// as an image would have them, then envFrom, then env, with $(VAR)
// expansion. vars holds the values as the container sees them; env has
// the mount paths rewritten.
func (p *pod) environment(ctx context.Context, c container, rw rewriter) (env []string, vars map[string]string, err error) {
	vars = map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	// What an image would provide. These are local paths already: they
	// are not rewritten unless the container sets them itself.
	base := map[string]string{
		"PATH":     strings.Join(append(append([]string{}, p.k.cfg.Path...), os.Getenv("PATH")), ":"),
		"HOME":     p.dir,
		"HOSTNAME": p.name,
	}
	for _, k := range []string{"PATH", "HOME", "HOSTNAME"} {
		set(k, base[k])
	}

	cache := map[string]map[string][]byte{}
	data := func(kind, name string, optional bool) (map[string][]byte, error) {
		id := kind + "/" + name
		if m, ok := cache[id]; ok {
			return m, nil
		}
		m, err := p.client.data(ctx, kind, p.namespace, name)
		if errors.Is(err, errNotFound) && optional {
			m, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
		cache[id] = m
		return m, nil
	}

	for _, from := range c.EnvFrom {
		kind, ref := "configmaps", from.ConfigMapRef
		if ref == nil {
			kind, ref = "secrets", from.SecretRef
		}
		if ref == nil {
			return nil, nil, errors.New("envFrom: neither configMapRef nor secretRef")
		}
		m, err := data(kind, ref.Name, isTrue(ref.Optional))
		if err != nil {
			return nil, nil, fmt.Errorf("envFrom %s %s: %v", kind, ref.Name, err)
		}
		for _, k := range sortedKeys(m) {
			set(from.Prefix+k, string(m[k]))
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expand(e.Value, vars))
			continue
		}
		vf := e.ValueFrom
		switch {
		case vf.FieldRef != nil:
			switch vf.FieldRef.FieldPath {
			case "metadata.name":
				set(e.Name, p.name)
			case "metadata.namespace":
				set(e.Name, p.namespace)
			case "status.podIP", "status.podIPs":
				set(e.Name, p.ip)
			default:
				return nil, nil, fmt.Errorf("env %s: fieldRef %s is not supported by the kubelet test double", e.Name, vf.FieldRef.FieldPath)
			}
		case vf.ConfigMapKeyRef != nil || vf.SecretKeyRef != nil:
			kind, ref := "configmaps", vf.ConfigMapKeyRef
			if ref == nil {
				kind, ref = "secrets", vf.SecretKeyRef
			}
			m, err := data(kind, ref.Name, isTrue(ref.Optional))
			if err != nil {
				return nil, nil, fmt.Errorf("env %s: %s %s: %v", e.Name, kind, ref.Name, err)
			}
			v, ok := m[ref.Key]
			if !ok {
				if isTrue(ref.Optional) {
					continue
				}
				return nil, nil, fmt.Errorf("env %s: %s %s has no key %s", e.Name, kind, ref.Name, ref.Key)
			}
			set(e.Name, string(v))
		default:
			return nil, nil, fmt.Errorf("env %s: this valueFrom is not supported by the kubelet test double", e.Name)
		}
	}
	for _, k := range order {
		v := vars[k]
		if b, ok := base[k]; !ok || b != v {
			v = rw.rewrite(v)
		}
		env = append(env, k+"="+v)
	}
	return env, vars, nil
}

// volumeDirs returns the local directory of every volume of d.
func (p *pod) volumeDirs(d *desiredPod) (map[string]string, error) {
	dirs := map[string]string{}
	for _, v := range d.template.Spec.Volumes {
		switch {
		case v.other != "":
			return nil, fmt.Errorf("volume %s: %s volumes are not supported by the kubelet test double", v.Name, v.other)
		case v.ConfigMap != nil && len(v.ConfigMap.Items) > 0, v.Secret != nil && len(v.Secret.Items) > 0:
			return nil, fmt.Errorf("volume %s: items are not supported by the kubelet test double", v.Name)
		case v.ConfigMap != nil, v.Secret != nil, v.EmptyDir != nil:
			dirs[v.Name] = filepath.Join(p.dir, "volumes", safeName(v.Name))
		default:
			return nil, fmt.Errorf("volume %s: no volume source", v.Name)
		}
	}
	// The StatefulSet controller's claims replace volumes of the same name.
	for name, claim := range d.claims {
		dirs[name] = filepath.Join(p.claimDir, safeName(claim))
	}
	return dirs, nil
}

// setUpVolumes makes every volume of a new pod: fresh emptyDirs, claims
// (kept), and configMap and secret files.
func (p *pod) setUpVolumes(d *desiredPod) error {
	dirs, err := p.volumeDirs(d)
	if err != nil {
		return err
	}
	for _, v := range d.template.Spec.Volumes {
		if v.EmptyDir != nil && d.claims[v.Name] == "" {
			if err := os.RemoveAll(dirs[v.Name]); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(dirs) {
		if err := p.k.mkdir(dirs[name]); err != nil {
			return err
		}
	}
	p.update(func(st *PodStatus) { st.Volumes = dirs })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.project(ctx, d)
}

// syncProjections refreshes the configMap and secret volumes of a running
// pod; errors are logged (the files stay as they were).
func (p *pod) syncProjections(ctx context.Context) {
	p.mu.Lock()
	d, vols := p.spec, p.st.Volumes
	p.mu.Unlock()
	if d == nil || vols == nil {
		return
	}
	if err := p.project(ctx, d); err != nil && ctx.Err() == nil {
		p.k.warnOnce("projection/"+p.key, fmt.Sprintf("%s: %v", p.key, err))
	} else {
		p.k.warnOnce("projection/"+p.key, "")
	}
}

// project writes the files of d's configMap and secret volumes.
func (p *pod) project(ctx context.Context, d *desiredPod) error {
	p.projMu.Lock()
	defer p.projMu.Unlock()
	dirs, err := p.volumeDirs(d)
	if err != nil {
		return err
	}
	for _, v := range d.template.Spec.Volumes {
		if d.claims[v.Name] != "" {
			continue
		}
		var (
			kind, name string
			proj       projection
			mode       fs.FileMode
		)
		switch {
		case v.ConfigMap != nil:
			kind, name, proj, mode = "configmaps", v.ConfigMap.Name, v.ConfigMap.projection, 0o644
		case v.Secret != nil:
			kind, name, proj, mode = "secrets", v.Secret.SecretName, v.Secret.projection, 0o600
		default:
			continue
		}
		if proj.DefaultMode != nil {
			mode = fs.FileMode(*proj.DefaultMode) & fs.ModePerm
		}
		data, err := p.client.data(ctx, kind, p.namespace, name)
		if errors.Is(err, errNotFound) && isTrue(proj.Optional) {
			data, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("volume %s: %v", v.Name, err)
		}
		if err := p.writeFiles(dirs[v.Name], data, mode); err != nil {
			return fmt.Errorf("volume %s: %v", v.Name, err)
		}
	}
	return nil
}

// writeFiles makes dir hold exactly one file per key of files (the data
// of a ConfigMap or Secret, whose keys the API server keeps to
// [-._a-zA-Z0-9]+), with mode: each changed file is replaced atomically
// (written beside it, then renamed), files of removed keys are deleted.
func (p *pod) writeFiles(dir string, files map[string][]byte, mode fs.FileMode) error {
	if err := p.k.mkdir(dir); err != nil {
		return err
	}
	for _, name := range sortedKeys(files) {
		data := files[name]
		if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
			return fmt.Errorf("bad file name %q", name)
		}
		target := filepath.Join(dir, name)
		if fi, err := os.Stat(target); err == nil && fi.Mode().Perm() == mode {
			if old, err := os.ReadFile(target); err == nil && bytes.Equal(old, data) {
				continue
			}
		}
		tmp, err := os.CreateTemp(dir, ".kubelet-*")
		if err != nil {
			return err
		}
		_, err = tmp.Write(data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), mode)
		}
		if err == nil {
			err = p.k.chown(tmp.Name())
		}
		if err == nil {
			err = os.Rename(tmp.Name(), target)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, ok := files[e.Name()]; !ok {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// mounts maps c's volumeMounts to local paths.
func (p *pod) mounts(c container) (rewriter, error) {
	p.mu.Lock()
	dirs := p.st.Volumes
	p.mu.Unlock()
	var ms []mount
	for _, vm := range c.VolumeMounts {
		dir, ok := dirs[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volumeMount %s: no such volume", vm.Name)
		}
		if !path.IsAbs(vm.MountPath) {
			return nil, fmt.Errorf("volumeMount %s: mountPath %q is not absolute", vm.Name, vm.MountPath)
		}
		if vm.SubPath != "" {
			return nil, fmt.Errorf("volumeMount %s: subPath is not supported by the kubelet test double", vm.Name)
		}
		ms = append(ms, mount{Path: vm.MountPath, Local: dir})
	}
	return newRewriter(ms), nil
}
