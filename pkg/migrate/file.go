package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/safediff/safediff/pkg/diag"
)

// Component is the kind of stateful component a migration moves.
type Component string

// The components with a bundled runbook.
const (
	Postgres Component = "postgres"
	Redis    Component = "redis"
)

// Topology is the shape of the component, the same on both sides: which
// servers hold the data and how they fail over.
type Topology string

// The topologies with a runbook.
const (
	// Single is one server (Postgres or Redis).
	Single Topology = "single"
	// Replicated is a Postgres primary with streaming replicas; the target
	// is a standby cluster (a standby leader streaming from the source's
	// primary, its replicas cascading from it).
	Replicated Topology = "replicated"
	// Sentinel is a Redis master with replicas, watched by a Sentinel
	// group; the target has its own group, started after the promotion.
	Sentinel Topology = "sentinel"
	// Cluster is a Redis Cluster: the target's nodes join it as replicas
	// of the source's shards, which fail over one at a time.
	Cluster Topology = "cluster"
)

// Release names a Helm release and how to render it: where it lives (kube
// context, namespace, name) and its chart and values, as helm takes them.
type Release struct {
	// Context is the kube context ("" means the current one).
	Context   string `json:"context"`
	Namespace string `json:"namespace"`
	Release   string `json:"release"`
	// Chart is a chart path (relative to the migration file) or reference.
	Chart   string `json:"chart"`
	Version string `json:"version"`
	// Values are values files (relative to the migration file), in order.
	Values []string `json:"values"`
}

// Ref is the release's identity, "context/namespace/release".
func (r Release) Ref() string {
	ctx := r.Context
	if ctx == "" {
		ctx = "(current context)"
	}
	return ctx + "/" + r.Namespace + "/" + r.Release
}

// Instance is the source or the target: a release, and the addresses at
// which safediff (and the other side's replication) reaches its data
// plane.
type Instance struct {
	Release
	// Address is host:port of the data plane: the server, the primary
	// (topology replicated: on the target, the standby leader) or the
	// master (sentinel). Topology cluster lists Nodes instead.
	Address string `json:"address"`
	// ClientAddress is host:port by which clients reach it, a DNS name
	// the endpoint (a Service of type ExternalName) can point at; the
	// default is Address. Topology sentinel: the Sentinels' name;
	// cluster: a name of the nodes clients start from.
	ClientAddress string `json:"clientAddress"`
	// Replicas are host:port of the replicas (topologies replicated and
	// sentinel), in the order of their pods.
	Replicas []string `json:"replicas"`
	// Sentinels are host:port of the Sentinels (topology sentinel).
	Sentinels []string `json:"sentinels"`
	// Nodes are host:port of every node of the cluster (topology
	// cluster), in the order of their pods: on the target, node i belongs
	// to shard i mod redis.shards, and nodes 0 … shards-1 become the
	// shards' masters.
	Nodes []string `json:"nodes"`
}

// lists are the instance's lists of addresses, by field name.
func (in Instance) lists() []struct {
	name  string
	addrs []string
} {
	return []struct {
		name  string
		addrs []string
	}{{"replicas", in.Replicas}, {"sentinels", in.Sentinels}, {"nodes", in.Nodes}}
}

// members are every data-plane address of the instance.
func (in Instance) members() []string {
	var out []string
	if in.Address != "" {
		out = append(out, in.Address)
	}
	return append(append(out, in.Replicas...), in.Nodes...)
}

// clientAddress is where the endpoint points for this instance.
func (in Instance) clientAddress() string {
	if in.ClientAddress != "" {
		return in.ClientAddress
	}
	return in.Address
}

// Client is something that writes to the component and is paused around
// the cut-over: a release scaled to zero and back, or a pair of commands.
type Client struct {
	Name string `json:"name"`
	// A release client: ReplicasValue is the values key of its replica
	// count (dotted, e.g. "api.replicas"); Replicas is what it is scaled
	// back to.
	*Release
	ReplicasValue string `json:"replicasValue"`
	Replicas      *int   `json:"replicas"`
	// A command client: argv lists, run in the migration file's directory.
	// Pause must return only once the clients stopped writing; both must be
	// safe to run twice.
	Pause  []string `json:"pause"`
	Resume []string `json:"resume"`
}

// command is a command client's pause or resume command.
func (c *Client) command(pause bool) []string {
	if pause {
		return c.Pause
	}
	return c.Resume
}

// Credentials name the environment variables that hold secrets; the
// migration file never holds a secret itself.
type Credentials struct {
	// User is the Postgres superuser (default postgres).
	User string `json:"user"`
	// PasswordEnv holds the Postgres superuser's password, or Redis's
	// password (requirepass; empty when Redis has none).
	PasswordEnv string `json:"passwordEnv"`
	// ReplicationPasswordEnv holds the password of the Postgres
	// replication user.
	ReplicationPasswordEnv string `json:"replicationPasswordEnv"`
}

// PostgresOptions are settings of the Postgres runbook.
type PostgresOptions struct {
	// Method is how the target is made a replica: "streaming"
	// (pg_basebackup and streaming replication). Others, such as a Stolon
	// standby cluster, fit the runbook as another set of actions.
	Method string `json:"method"`
	// ReplicationUser is the role the target replicates as (default
	// replicator).
	ReplicationUser string `json:"replicationUser"`
	// ReplicationFrom lists the CIDRs the target connects to the source
	// from; the source's pg_hba.conf allows replication from them.
	ReplicationFrom []string `json:"replicationFrom"`
	// Slot is the physical replication slot on the source (default: the
	// migration's name).
	Slot string `json:"slot"`
}

// RedisOptions are settings of the Redis runbooks.
type RedisOptions struct {
	// MasterName is the name Sentinel-aware clients ask the Sentinels
	// for, on both sides (topology sentinel).
	MasterName string `json:"masterName"`
	// Shards is the number of shards of the cluster, on both sides
	// (topology cluster).
	Shards int `json:"shards"`
}

// Thresholds bound the waits and the lag.
type Thresholds struct {
	// MaxLag is how far behind (bytes of WAL, or of the Redis replication
	// stream) the target may be when the clients are paused.
	MaxLag Size `json:"maxLag"`
	// CatchUpTimeout is how long the paused, fenced cut-over waits for the
	// target to have every write; past it the cut-over is rolled back. A
	// cluster's shard also asks for its failover again until it passes.
	CatchUpTimeout Duration `json:"catchUpTimeout"`
	// StepTimeout bounds any other wait (the initial copy, a promotion).
	StepTimeout Duration `json:"stepTimeout"`
	// PauseTimeout is how long pausing waits for the source to see no
	// client session; past it the clients are resumed (rolled back).
	PauseTimeout Duration `json:"pauseTimeout"`
	// LeaseDuration is how long the migration's lock (its Lease) outlives
	// a runner that stopped renewing it.
	LeaseDuration Duration `json:"leaseDuration"`
}

// Migration is a migration file: what moves where, who is paused, and the
// limits.
type Migration struct {
	Version   int       `json:"version"`
	Name      string    `json:"name"`
	Component Component `json:"component"`
	// Topology is the shape of the component (default single).
	Topology Topology `json:"topology"`
	Source   Instance `json:"source"`
	Target   Instance `json:"target"`
	// Endpoint is the release of the name clients use (the bundled
	// endpoint chart: a Service re-pointed with host and port).
	Endpoint    Release          `json:"endpoint"`
	Clients     []Client         `json:"clients"`
	Credentials Credentials      `json:"credentials"`
	Postgres    *PostgresOptions `json:"postgres"`
	Redis       *RedisOptions    `json:"redis"`
	Thresholds  Thresholds       `json:"thresholds"`

	// Dir is the migration file's directory: relative paths start there.
	Dir string `json:"-"`
	// File is the migration file's path.
	File string `json:"-"`

	fields *decoder // where each field is in the file
}

// Defaults of the thresholds.
const (
	DefaultMaxLag         = 16 << 20
	DefaultCatchUpTimeout = 30 * time.Second
	DefaultStepTimeout    = 30 * time.Minute
	DefaultPauseTimeout   = 30 * time.Second
	DefaultLeaseDuration  = 30 * time.Second
)

// Size is a byte count, written as a number or with a unit (16MiB, 64kB).
type Size int64

// UnmarshalJSON reads 1048576, "1048576", "1MiB", "1MB", "512kB".
func (s *Size) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err == nil {
		*s = Size(n)
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fmt.Errorf("want a size such as 16MiB, got %s", b)
	}
	v, err := ParseSize(str)
	*s = v
	return err
}

var sizeRE = lazyRE(`^\s*([0-9]+)\s*([kKMGT]i?B|B)?\s*$`)

// ParseSize reads a size: a number of bytes, or one with a unit (kB, MB,
// GB, TB in powers of 1000; KiB, MiB, GiB, TiB in powers of 1024).
func ParseSize(s string) (Size, error) {
	m := sizeRE().FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("bad size %q (want e.g. 1048576, 16MiB or 64kB)", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q: %v", s, err)
	}
	mult := map[string]int64{"": 1, "B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KiB": 1 << 10, "kiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[m[2]]
	if mult == 0 {
		return 0, fmt.Errorf("bad size %q: unknown unit %s", s, m[2])
	}
	return Size(n * mult), nil
}

// Duration is a time.Duration written as "30s", "5m".
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fmt.Errorf("want a duration such as 30s or 5m, got %s", b)
	}
	v, err := time.ParseDuration(str)
	if err != nil {
		return fmt.Errorf("bad duration %q (want e.g. 30s or 5m)", str)
	}
	*d = Duration(v)
	return nil
}

// MaxFileSize bounds a migration file.
const MaxFileSize = 1 << 20

// Load reads and validates a migration file.
func Load(path string) (*Migration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	m.File = abs
	m.Dir = filepath.Dir(abs)
	return m, nil
}

// Parse reads a migration file's content strictly: unknown keys, keys set
// twice, missing fields and bad values are all reported at once, as a
// diag.List, each with its line, column and field. Only fields the file
// writes are named: defaults are filled in afterwards. origin names the
// file in messages.
func Parse(data []byte, origin string) (*Migration, error) {
	m, d := parse(data, origin)
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// parse decodes and validates; the migration is nil when the YAML could
// not be read, and has its defaults only when there was no problem.
func parse(data []byte, origin string) (*Migration, *decoder) {
	d := &decoder{origin: origin, at: map[string]*yaml.Node{}}
	if len(data) > MaxFileSize {
		d.errs.Add(&diag.Error{Origin: origin, Msg: fmt.Sprintf("larger than %d bytes", MaxFileSize)})
		return nil, d
	}
	root := d.parseYAML(data)
	if root == nil {
		return nil, d
	}
	m := &Migration{File: origin, fields: d}
	d.decode(root, reflect.ValueOf(m).Elem(), "")
	m.validate(d)
	if len(d.errs) == 0 {
		m.setDefaults()
	}
	return m, d
}

// Validate checks a migration file as far as it can without a cluster,
// and reports every problem at once (a diag.List): the file itself, the
// values files it names (they must exist), and, unless getenv is nil, the
// environment variables of its credentials.
func Validate(path string, getenv func(string) string) (*Migration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, d := parse(data, path)
	if m != nil {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		m.Dir = filepath.Dir(abs)
		m.checkFiles(d)
		if getenv != nil {
			var l diag.List
			if errors.As(m.CheckEnv(getenv), &l) {
				d.errs = append(d.errs, l...)
			}
		}
	}
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// checkFiles reports values files and local charts that do not exist.
func (m *Migration) checkFiles(d *decoder) {
	check := func(field string, r *Release) {
		for i, v := range r.Values {
			if _, err := os.Stat(m.path(v)); err != nil {
				d.add(nil, fmt.Sprintf("%s.values[%d]", field, i), "values file %s: %v", v, errors.Unwrap(err))
			}
		}
		if c := r.Chart; c != "" && (strings.HasPrefix(c, ".") || filepath.IsAbs(c)) {
			if _, err := os.Stat(m.path(c)); err != nil {
				d.add(nil, field+".chart", "chart %s: %v", c, errors.Unwrap(err))
			}
		}
	}
	check("source", &m.Source.Release)
	check("target", &m.Target.Release)
	check("endpoint", &m.Endpoint)
	for i := range m.Clients {
		if m.Clients[i].Release != nil {
			check(fmt.Sprintf("clients[%d]", i), m.Clients[i].Release)
		}
	}
}

// nameRE is a DNS label, which the name must be: it names the replication
// slot, the state and the lock.
var nameRE = lazyRE(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

var slotRE = lazyRE(`^[a-z0-9_]{1,63}$`)

// validate reports the problems of what the file wrote, and of what it
// must write but does not.
func (m *Migration) validate(d *decoder) {
	bad := func(field, format string, args ...any) { d.add(nil, field, format, args...) }
	if m.Version != 1 {
		bad("version", "want 1, got %d", m.Version)
	}
	if !nameRE().MatchString(m.Name) {
		bad("name", "want a DNS label (lower-case letters, digits, '-'), got %q", m.Name)
	}
	switch m.Component {
	case Postgres, Redis:
	case "":
		bad("component", "required (postgres or redis)")
	default:
		bad("component", "unknown component %q (want postgres or redis)", m.Component)
	}
	checkRelease := func(field string, r Release, chart bool) {
		if r.Namespace == "" {
			bad(field+".namespace", "required")
		}
		if r.Release == "" {
			bad(field+".release", "required")
		}
		if chart && r.Chart == "" {
			bad(field+".chart", "required")
		}
	}
	checkInstance := func(field string, in Instance) {
		checkRelease(field, in.Release, true)
		switch {
		case m.Topology == Cluster && in.Address != "":
			bad(field+".address", "topology cluster reaches the cluster through %s.nodes; leave address out", field)
		case m.Topology != Cluster && in.Address == "":
			bad(field+".address", "required (host:port of the data plane)")
		case in.Address != "":
			checkAddress(bad, field+".address", in.Address)
		}
		if in.ClientAddress != "" {
			checkAddress(bad, field+".clientAddress", in.ClientAddress)
		}
		for _, l := range in.lists() {
			for i, a := range l.addrs {
				checkAddress(bad, fmt.Sprintf("%s.%s[%d]", field, l.name, i), a)
			}
		}
	}
	checkInstance("source", m.Source)
	checkInstance("target", m.Target)
	if m.Source.Release.Release != "" && m.Source.Namespace != "" && m.Source.Ref() == m.Target.Ref() {
		bad("target", "is the same release as the source")
	}
	if m.Source.Address != "" && m.Source.Address == m.Target.Address {
		bad("target.address", "is the source's address")
	}
	m.validateTopology(d, bad)
	checkRelease("endpoint", m.Endpoint, true)
	names := map[string]bool{}
	for i, c := range m.Clients {
		field := fmt.Sprintf("clients[%d]", i)
		if c.Name == "" {
			bad(field+".name", "required")
		} else if names[c.Name] {
			bad(field+".name", "duplicate client %q", c.Name)
		}
		names[c.Name] = true
		isRelease := c.Release != nil && (c.Release.Release != "" || c.Release.Namespace != "" || c.Release.Chart != "")
		isCommand := len(c.Pause) > 0 || len(c.Resume) > 0
		switch {
		case isRelease && isCommand:
			bad(field, "is both a release and commands; give one")
		case isRelease:
			checkRelease(field, *c.Release, true)
			if c.ReplicasValue == "" {
				bad(field+".replicasValue", "required for a release client (the values key of its replica count)")
			}
			if c.Replicas == nil || *c.Replicas < 1 {
				bad(field+".replicas", "required: the replica count to scale back to (at least 1)")
			}
		case isCommand:
			if len(c.Pause) == 0 || len(c.Resume) == 0 {
				bad(field, "a command client needs both pause and resume")
			}
			if c.ReplicasValue != "" || c.Replicas != nil {
				bad(field, "replicasValue and replicas are for release clients")
			}
		default:
			bad(field, "give a release (namespace, release, chart, replicasValue, replicas) or pause and resume commands")
		}
	}
	switch m.Component {
	case Postgres:
		if m.Credentials.PasswordEnv == "" {
			bad("credentials.passwordEnv", "required: the environment variable holding the superuser's password")
		}
		if m.Credentials.ReplicationPasswordEnv == "" {
			bad("credentials.replicationPasswordEnv", "required: the environment variable holding the replication user's password")
		}
		p := m.Postgres
		if p == nil {
			bad("postgres.replicationFrom", "required: the CIDRs the target connects to the source from")
			break
		}
		switch p.Method {
		case "", "streaming":
		case "stolon":
			bad("postgres.method", "stolon (standby cluster, promotion with stolonctl) is not available in this build; use streaming")
		default:
			bad("postgres.method", "unknown method %q (want streaming)", p.Method)
		}
		if d.written("postgres.slot") && !slotRE().MatchString(p.Slot) {
			bad("postgres.slot", "want lower-case letters, digits and '_', at most 63, got %q", p.Slot)
		}
		if d.written("postgres.replicationUser") && !regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`).MatchString(p.ReplicationUser) {
			bad("postgres.replicationUser", "want a lower-case SQL identifier, got %q", p.ReplicationUser)
		}
		if len(p.ReplicationFrom) == 0 {
			bad("postgres.replicationFrom", "required: the CIDRs the target connects to the source from")
		}
		for i, c := range p.ReplicationFrom {
			if _, _, err := net.ParseCIDR(c); err != nil {
				bad(fmt.Sprintf("postgres.replicationFrom[%d]", i), "want a CIDR such as 10.20.0.0/16, got %q", c)
			}
		}
	case Redis:
		if m.Postgres != nil {
			bad("postgres", "is for postgres migrations")
		}
		if m.Credentials.ReplicationPasswordEnv != "" {
			bad("credentials.replicationPasswordEnv", "redis takes only passwordEnv")
		}
		if m.Credentials.User != "" {
			bad("credentials.user", "redis takes only passwordEnv")
		}
	}
	t := m.Thresholds
	if t.MaxLag < 0 {
		bad("thresholds.maxLag", "must not be negative")
	}
	for _, f := range []struct {
		name string
		d    Duration
	}{{"catchUpTimeout", t.CatchUpTimeout}, {"stepTimeout", t.StepTimeout}, {"pauseTimeout", t.PauseTimeout}} {
		if f.d < 0 {
			bad("thresholds."+f.name, "must be positive")
		}
	}
	if d.written("thresholds.leaseDuration") && t.LeaseDuration < Duration(3*time.Second) {
		bad("thresholds.leaseDuration", "must be at least 3s")
	}
}

// checkAddress reports an address that is not host:port.
func checkAddress(bad func(field, format string, args ...any), field, addr string) {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		bad(field, "want host:port, got %q", addr)
	}
}

// validateTopology reports what the topology needs and what it does not
// take: the member lists, the redis settings, the clients.
func (m *Migration) validateTopology(d *decoder, bad func(field, format string, args ...any)) {
	topo := m.Topology
	switch topo {
	case "", Single:
	case Replicated:
		if m.Component == Redis {
			bad("topology", "replicated is a Postgres topology (a primary with streaming replicas); for Redis use sentinel or cluster")
		}
	case Sentinel, Cluster:
		if m.Component == Postgres {
			bad("topology", "%s is a Redis topology; for Postgres use single or replicated", topo)
		}
	default:
		bad("topology", "unknown topology %q (want single, replicated, sentinel or cluster)", topo)
	}
	for _, side := range []struct {
		field string
		in    Instance
	}{{"source", m.Source}, {"target", m.Target}} {
		if len(side.in.Replicas) > 0 && topo != Replicated && topo != Sentinel {
			bad(side.field+".replicas", "only topologies replicated and sentinel have replicas listed (this one is %s)", orSingle(topo))
		}
		if len(side.in.Sentinels) > 0 && topo != Sentinel {
			bad(side.field+".sentinels", "only topology sentinel has Sentinels (this one is %s)", orSingle(topo))
		}
		if len(side.in.Nodes) > 0 && topo != Cluster {
			bad(side.field+".nodes", "only topology cluster has nodes (this one is %s)", orSingle(topo))
		}
		switch topo {
		case Sentinel:
			if len(side.in.Sentinels) == 0 {
				bad(side.field+".sentinels", "required for topology sentinel: host:port of each Sentinel")
			}
			if side.in.ClientAddress == "" {
				bad(side.field+".clientAddress", "required for topology sentinel: the name and port by which clients reach the Sentinels")
			}
		case Cluster:
			if len(side.in.Nodes) == 0 {
				bad(side.field+".nodes", "required for topology cluster: host:port of each node, in the order of their pods")
			}
			if side.in.ClientAddress == "" {
				bad(side.field+".clientAddress", "required for topology cluster: the name and port clients start from (one of the nodes)")
			}
		}
	}
	// every address is one server's
	seen := map[string]string{}
	for _, side := range []struct {
		field string
		in    Instance
	}{{"source", m.Source}, {"target", m.Target}} {
		for _, l := range side.in.lists() {
			for i, a := range l.addrs {
				f := fmt.Sprintf("%s.%s[%d]", side.field, l.name, i)
				if other, ok := seen[a]; ok {
					bad(f, "%s is %s's address too", a, other)
				}
				seen[a] = f
			}
		}
		if a := side.in.Address; a != "" {
			if other, ok := seen[a]; ok {
				bad(side.field+".address", "%s is %s's address too", a, other)
			}
		}
	}
	if topo == Cluster && len(m.Clients) > 0 {
		bad("clients", "topology cluster does not pause clients: cluster-aware clients follow MOVED through the cut-over, one shard at a time; leave clients out (a client that is not cluster-aware needs a cluster proxy, see the README)")
	}
	r := m.Redis
	if r == nil {
		switch topo {
		case Sentinel:
			bad("redis.masterName", "required for topology sentinel: the name clients ask the Sentinels for")
		case Cluster:
			bad("redis.shards", "required for topology cluster: the number of shards")
		}
		return
	}
	if m.Component == Postgres {
		bad("redis", "is for redis migrations")
		return
	}
	switch {
	case topo == Sentinel && !d.written("redis.masterName"):
		bad("redis.masterName", "required for topology sentinel: the name clients ask the Sentinels for")
	case topo == Sentinel && !regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`).MatchString(r.MasterName):
		bad("redis.masterName", "want letters, digits, '.', '_' and '-', got %q", r.MasterName)
	case topo != Sentinel && d.written("redis.masterName"):
		bad("redis.masterName", "only for topology sentinel (this one is %s)", orSingle(topo))
	}
	switch {
	case topo == Cluster && !d.written("redis.shards"):
		bad("redis.shards", "required for topology cluster: the number of shards")
	case topo == Cluster && r.Shards < 1:
		bad("redis.shards", "must be at least 1")
	case topo == Cluster:
		if n := len(m.Source.Nodes); n > 0 && n < r.Shards {
			bad("source.nodes", "lists %d nodes for %d shards: each shard has a master", n, r.Shards)
		}
		if n := len(m.Target.Nodes); n > 0 && (n < r.Shards || n%r.Shards != 0) {
			bad("target.nodes", "lists %d nodes for %d shards: want the same number of nodes per shard (node i is of shard i mod %d)", n, r.Shards, r.Shards)
		}
	case d.written("redis.shards"):
		bad("redis.shards", "only for topology cluster (this one is %s)", orSingle(topo))
	}
}

func orSingle(t Topology) Topology {
	if t == "" {
		return Single
	}
	return t
}

// setDefaults fills in what the file leaves out.
func (m *Migration) setDefaults() {
	if m.Topology == "" {
		m.Topology = Single
	}
	if m.Component == Postgres {
		p := m.Postgres
		if p.Method == "" {
			p.Method = "streaming"
		}
		if p.ReplicationUser == "" {
			p.ReplicationUser = "replicator"
		}
		if p.Slot == "" {
			p.Slot = strings.ReplaceAll(m.Name, "-", "_")
		}
		if m.Credentials.User == "" {
			m.Credentials.User = "postgres"
		}
	}
	t := &m.Thresholds
	for _, f := range []struct {
		v   *Duration
		def time.Duration
	}{{&t.CatchUpTimeout, DefaultCatchUpTimeout}, {&t.StepTimeout, DefaultStepTimeout}, {&t.PauseTimeout, DefaultPauseTimeout}, {&t.LeaseDuration, DefaultLeaseDuration}} {
		if *f.v == 0 {
			*f.v = Duration(f.def)
		}
	}
	if t.MaxLag == 0 {
		t.MaxLag = DefaultMaxLag
	}
}

// CheckEnv reports every environment variable the credentials name that
// is not set, each at its field.
func (m *Migration) CheckEnv(getenv func(string) string) error {
	d := m.fields
	if d == nil {
		d = &decoder{origin: m.File, at: map[string]*yaml.Node{}}
	}
	var l diag.List
	for _, c := range []struct{ field, name, what string }{
		{"credentials.passwordEnv", m.Credentials.PasswordEnv, map[Component]string{Postgres: "the superuser's password", Redis: "the Redis password"}[m.Component]},
		{"credentials.replicationPasswordEnv", m.Credentials.ReplicationPasswordEnv, "the replication user's password"},
	} {
		if c.name != "" && getenv(c.name) == "" {
			line, col := d.pos(c.field)
			l.Add(&diag.Error{Origin: d.origin, Line: line, Col: col, Where: c.field,
				Msg: fmt.Sprintf("the environment variable %s (%s) is not set", c.name, c.what)})
		}
	}
	return l.Err()
}

// path resolves a path of the migration file: relative to its directory.
func (m *Migration) path(p string) string {
	if p == "" || filepath.IsAbs(p) || m.Dir == "" {
		return p
	}
	return filepath.Join(m.Dir, p)
}

// chartRef resolves a chart: a path relative to the migration file when
// one exists there, else the reference as given (repo/chart, oci://…).
func (m *Migration) chartRef(c string) string {
	if strings.Contains(c, "://") || filepath.IsAbs(c) {
		return c
	}
	p := m.path(c)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return c
}
