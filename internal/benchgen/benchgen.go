package benchgen

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/safediff/safediff/pkg/kube"
)

// ReleaseName is the name of the generated release.
const ReleaseName = "shop"

// UmbrellaChart is the name of the generated release's chart.
const UmbrellaChart = "shop"

// Fixed seeds: the output must not change from one run to the next.
const seed1, seed2 = 0x5afed1ff, 0xbe7c4

// Release writes helm-diff's full-context diff output for n changed
// Deployments of one release to w. The same n always gives the same bytes.
func Release(n int, w io.Writer) error {
	if n < 0 {
		return fmt.Errorf("benchgen: negative object count %d", n)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, d := range generate(n) {
		d.write(bw)
	}
	return bw.Flush()
}

// Size returns the number of bytes [Release] writes for n objects.
func Size(n int) int {
	var c counter
	_ = Release(n, &c)
	return int(c)
}

type counter int

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

// change is a field change the generated diff shows, as diffparse should
// report it.
type change struct {
	path     string
	op       string // "modify" or "add"
	old, new string // decoded scalar values (modify only)
}

// deployment is one generated object: its diff lines and the changes they
// hold.
type deployment struct {
	namespace, name string
	doc             doc
	changes         []change
	images          []change // the image changes, also in changes
}

func (d *deployment) header() string {
	return d.namespace + ", " + d.name + ", Deployment (apps) has changed:"
}

func (d *deployment) write(w *bufio.Writer) {
	w.WriteString(d.header())
	w.WriteByte('\n')
	d.doc.write(w)
}

// doc is one YAML document on both sides of a diff, as a sequence of
// unchanged lines and changed blocks.
type doc struct {
	items []item
}

type item struct {
	old, new []string // the same single line for an unchanged item
	changed  bool
}

// line adds a line at an indentation, changed when old != new.
func (d *doc) line(indent int, old, new string) {
	pad := strings.Repeat(" ", indent)
	if old == new {
		l := pad + old
		d.items = append(d.items, item{old: []string{l}, new: []string{l}})
		return
	}
	d.items = append(d.items, item{old: []string{pad + old}, new: []string{pad + new}, changed: true})
}

// same adds an unchanged line.
func (d *doc) same(indent int, s string) { d.line(indent, s, s) }

// added adds a line only the new side has.
func (d *doc) added(indent int, s string) {
	d.items = append(d.items, item{new: []string{strings.Repeat(" ", indent) + s}, changed: true})
}

// write prints the document the way helm-diff does: unchanged lines with
// two spaces, and each run of changed lines as its removed lines ("- ")
// followed by its added lines ("+ ").
func (d *doc) write(w *bufio.Writer) {
	for i := 0; i < len(d.items); {
		it := d.items[i]
		if !it.changed {
			w.WriteString("  ")
			w.WriteString(it.old[0])
			w.WriteByte('\n')
			i++
			continue
		}
		j := i
		for j < len(d.items) && d.items[j].changed {
			j++
		}
		for _, c := range d.items[i:j] {
			for _, l := range c.old {
				w.WriteString("- ")
				w.WriteString(l)
				w.WriteByte('\n')
			}
		}
		for _, c := range d.items[i:j] {
			for _, l := range c.new {
				w.WriteString("+ ")
				w.WriteString(l)
				w.WriteByte('\n')
			}
		}
		i = j
	}
}

// subchart is one subchart of the umbrella chart: it renders a share of
// the Deployments into its namespace.
type subchart struct {
	name      string
	namespace string
	version   [3]int // the chart version before the upgrade; the patch is bumped
	// fullPodLabels: the pod template carries the full label set
	// (helm.sh/chart and app.kubernetes.io/version included), as helm
	// create's template does; otherwise only the selector labels.
	fullPodLabels bool
}

var subchartNames = []string{
	"accounts", "analytics", "billing", "catalog", "checkout", "fraud",
	"gateway", "identity", "inventory", "ledger", "loyalty", "media",
	"messaging", "notifications", "orders", "payments", "pricing", "profiles",
	"recommendations", "reporting", "reviews", "scheduler", "search", "shipping",
}

var namespaces = []string{
	"storefront", "payments", "platform", "data", "identity", "fulfilment",
	"marketing", "ops",
}

var components = []string{"api", "worker", "consumer", "grpc", "web", "admin", "sync", "cron-runner"}

// envVar is a candidate environment variable: name, then the lines under
// "- name: …" (value or valueFrom).
type envVar struct {
	name  string
	lines func(s *spec) []string
}

func value(v string) func(*spec) []string {
	return func(*spec) []string { return []string{"value: " + v} }
}

// envPool is in manifest order; the first five are always set.
var envPool = []envVar{
	{"LOG_LEVEL", func(s *spec) []string { return []string{"value: " + s.logLevel} }},
	{"LOG_FORMAT", value("json")},
	{"HTTP_PORT", func(s *spec) []string { return []string{"value: " + strconv.Quote(strconv.Itoa(s.port))} }},
	{"POD_NAMESPACE", func(*spec) []string {
		return []string{"valueFrom:", "  fieldRef:", "    fieldPath: metadata.namespace"}
	}},
	{"OTEL_SERVICE_NAME", func(s *spec) []string { return []string{"value: " + s.sub.name + "-" + s.component} }},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", value("http://otel-collector.observability.svc:4317")},
	{"GOMAXPROCS", func(*spec) []string {
		return []string{"valueFrom:", "  resourceFieldRef:", "    resource: limits.cpu"}
	}},
	{"DATABASE_URL", func(s *spec) []string {
		return []string{"valueFrom:", "  secretKeyRef:", "    name: " + s.sub.name + "-db", "    key: url"}
	}},
	{"CACHE_TTL", value(`"300s"`)},
	{"MAX_CONNECTIONS", func(s *spec) []string { return []string{"value: " + strconv.Quote(strconv.Itoa(s.maxConns))} }},
	{"FEATURE_FLAGS", value("search-v2,fast-checkout")},
	{"REGION", value("eu-west-1")},
}

// Kinds of env change.
const (
	envNone = iota
	envLogLevel
	envMaxConns
	envAdd
)

// spec holds every decision about one Deployment.
type spec struct {
	index        int
	sub          *subchart
	component    string
	name         string
	replicas     int
	appVersion   [3]int
	newImage     bool // the main container's image (and appVersion) changes
	sidecar      bool
	sidecarImage bool // the sidecar's image changes too
	env          []envVar
	envChange    int
	logLevel     string
	maxConns     int
	checksum     bool // the pod template has a checksum/config annotation
	checksumBump bool
	reloader     bool
	hardened     bool // the pod and the main container have a securityContext
	strategy     bool // the Deployment states its rolling-update strategy
	port         int
	cpu, mem     string
}

func generate(n int) []*deployment {
	rng := rand.New(rand.NewPCG(seed1, seed2))
	subs := make([]*subchart, len(subchartNames))
	for i, name := range subchartNames {
		subs[i] = &subchart{
			name:          name,
			namespace:     namespaces[i%len(namespaces)],
			version:       [3]int{1 + rng.IntN(3), rng.IntN(20), rng.IntN(10)},
			fullPodLabels: rng.IntN(2) == 0,
		}
	}
	deps := make([]*deployment, 0, n)
	for i := 0; i < n; i++ {
		s := &spec{
			index:     i,
			sub:       subs[i%len(subs)],
			component: components[(i/len(subs))%len(components)],
			replicas:  3,
			port:      8080,
			logLevel:  "info",
		}
		s.name = fmt.Sprintf("%s-%s-%s-%d", ReleaseName, s.sub.name, s.component, i)
		if rng.IntN(100) < 15 {
			s.replicas = 1
		}
		if s.component == "grpc" {
			s.port = 9090
		}
		s.appVersion = [3]int{1 + rng.IntN(4), rng.IntN(30), rng.IntN(12)}
		s.newImage = rng.IntN(100) < 30
		s.sidecar = rng.IntN(100) < 30
		s.sidecarImage = s.newImage && s.sidecar && rng.IntN(4) == 0
		s.env = envPool[:5:5]
		for _, v := range envPool[5:] {
			if len(s.env) < 10 && rng.IntN(3) == 0 {
				s.env = append(s.env, v)
			}
		}
		s.maxConns = 50 * (1 + rng.IntN(8))
		if rng.IntN(100) < 15 {
			s.envChange = envLogLevel + rng.IntN(3)
			if s.envChange == envMaxConns && !slices.ContainsFunc(s.env, func(v envVar) bool { return v.name == "MAX_CONNECTIONS" }) {
				s.envChange = envLogLevel
			}
		}
		s.checksum = rng.IntN(2) == 0
		s.checksumBump = s.checksum && rng.IntN(100) < 20
		s.reloader = rng.IntN(5) == 0
		s.hardened = rng.IntN(2) == 0
		s.strategy = rng.IntN(3) == 0
		s.cpu = []string{"100m", "250m", "500m", "1"}[rng.IntN(4)]
		s.mem = []string{"128Mi", "256Mi", "512Mi", "1Gi"}[rng.IntN(4)]
		deps = append(deps, s.render())
	}
	// helm-diff prints objects sorted by their key, the header's text.
	sort.Slice(deps, func(i, j int) bool { return deps[i].header() < deps[j].header() })
	return deps
}

func version(v [3]int) string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

func bump(v [3]int, minor bool) [3]int {
	if minor {
		return [3]int{v[0], v[1] + 1, 0}
	}
	return [3]int{v[0], v[1], v[2] + 1}
}

func path(steps ...kube.Step) string { return kube.Path(steps).String() }

type (
	field = kube.Field
	key   = kube.Key
)

// render builds the diff of one Deployment and the changes it holds.
func (s *spec) render() *deployment {
	d := &deployment{namespace: s.sub.namespace, name: s.name}
	doc := &d.doc
	modify := func(p string, old, new string) {
		d.changes = append(d.changes, change{path: p, op: "modify", old: old, new: new})
	}

	oldChart := s.sub.name + "-" + version(s.sub.version)
	newChart := s.sub.name + "-" + version(bump(s.sub.version, false))
	oldApp := version(s.appVersion)
	newApp := oldApp
	if s.newImage {
		newApp = version(bump(s.appVersion, s.index%3 == 0))
	}
	selector := []string{
		"app.kubernetes.io/name: " + s.sub.name + "-" + s.component,
		"app.kubernetes.io/instance: " + ReleaseName,
	}
	// labels writes helm create's label set.
	labels := func(indent int, root ...kube.Step) {
		doc.line(indent, "helm.sh/chart: "+oldChart, "helm.sh/chart: "+newChart)
		modify(path(append(root, field("helm.sh/chart"))...), oldChart, newChart)
		for _, l := range selector {
			doc.same(indent, l)
		}
		doc.line(indent, "app.kubernetes.io/version: "+strconv.Quote(oldApp), "app.kubernetes.io/version: "+strconv.Quote(newApp))
		if oldApp != newApp {
			modify(path(append(root, field("app.kubernetes.io/version"))...), oldApp, newApp)
		}
		doc.same(indent, "app.kubernetes.io/managed-by: Helm")
	}

	doc.same(0, "# Source: "+UmbrellaChart+"/charts/"+s.sub.name+"/templates/"+s.component+"-deployment.yaml")
	doc.same(0, "apiVersion: apps/v1")
	doc.same(0, "kind: Deployment")
	doc.same(0, "metadata:")
	doc.same(2, "name: "+s.name)
	doc.same(2, "namespace: "+s.sub.namespace)
	doc.same(2, "labels:")
	labels(4, field("metadata"), field("labels"))
	doc.same(2, "annotations:")
	doc.same(4, "app.example.com/owner: team-"+s.sub.name)
	doc.same(4, "app.example.com/runbook: https://runbooks.example.com/"+s.sub.name+"/"+s.component)
	if s.reloader {
		doc.same(4, `reloader.stakater.com/auto: "true"`)
	}
	doc.same(0, "spec:")
	doc.same(2, "replicas: "+strconv.Itoa(s.replicas))
	doc.same(2, "selector:")
	doc.same(4, "matchLabels:")
	for _, l := range selector {
		doc.same(6, l)
	}
	if s.strategy {
		doc.same(2, "strategy:")
		doc.same(4, "type: RollingUpdate")
		doc.same(4, "rollingUpdate:")
		doc.same(6, "maxSurge: 25%")
		doc.same(6, "maxUnavailable: 0")
	}
	doc.same(2, "template:")
	doc.same(4, "metadata:")
	if s.checksum {
		oldSum := checksum(s.index, 0)
		newSum := oldSum
		if s.checksumBump {
			newSum = checksum(s.index, 1)
			modify(path(field("spec"), field("template"), field("metadata"), field("annotations"), field("checksum/config")), oldSum, newSum)
		}
		doc.same(6, "annotations:")
		doc.line(8, "checksum/config: "+oldSum, "checksum/config: "+newSum)
	}
	doc.same(6, "labels:")
	if s.sub.fullPodLabels {
		labels(8, field("spec"), field("template"), field("metadata"), field("labels"))
	} else {
		for _, l := range selector {
			doc.same(8, l)
		}
	}
	doc.same(4, "spec:")
	doc.same(6, "serviceAccountName: "+ReleaseName+"-"+s.sub.name)
	if s.hardened {
		doc.same(6, "securityContext:")
		doc.same(8, "fsGroup: 2000")
		doc.same(8, "runAsNonRoot: true")
	}
	doc.same(6, "containers:")
	s.mainContainer(d, oldApp, newApp)
	if s.sidecar {
		s.sidecarContainer(d)
	}
	doc.same(6, "volumes:")
	doc.same(8, "- name: config")
	doc.same(10, "configMap:")
	doc.same(12, "name: "+s.name+"-config")
	if s.hardened || s.sidecar {
		doc.same(8, "- name: tmp")
		doc.same(10, "emptyDir: {}")
	}
	return d
}

func checksum(i, rev int) string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprintf("config-%d-%d", i, rev))))
}

func containerPath(name string, rest ...kube.Step) string {
	return path(append([]kube.Step{field("spec"), field("template"), field("spec"), field("containers"), key{Field: "name", Value: name}}, rest...)...)
}

func (s *spec) mainContainer(d *deployment, oldApp, newApp string) {
	doc := &d.doc
	c := s.component
	repo := "registry.example.com/" + ReleaseName + "/" + s.sub.name + "-" + s.component
	oldImage, newImage := repo+":"+oldApp, repo+":"+newApp
	doc.same(8, "- name: "+c)
	doc.line(10, "image: "+strconv.Quote(oldImage), "image: "+strconv.Quote(newImage))
	if oldImage != newImage {
		ch := change{path: containerPath(c, field("image")), op: "modify", old: oldImage, new: newImage}
		d.changes = append(d.changes, ch)
		d.images = append(d.images, ch)
	}
	doc.same(10, "imagePullPolicy: IfNotPresent")
	doc.same(10, "ports:")
	doc.same(12, "- name: http")
	doc.same(14, "containerPort: "+strconv.Itoa(s.port))
	doc.same(14, "protocol: TCP")
	doc.same(10, "env:")
	for _, v := range s.env {
		doc.same(12, "- name: "+v.name)
		for _, l := range v.lines(s) {
			switch {
			case v.name == "LOG_LEVEL" && s.envChange == envLogLevel:
				doc.line(14, l, "value: debug")
				d.changes = append(d.changes, change{path: containerPath(c, field("env"), key{Field: "name", Value: v.name}, field("value")), op: "modify", old: s.logLevel, new: "debug"})
			case v.name == "MAX_CONNECTIONS" && s.envChange == envMaxConns:
				n := strconv.Itoa(s.maxConns * 2)
				doc.line(14, l, "value: "+strconv.Quote(n))
				d.changes = append(d.changes, change{path: containerPath(c, field("env"), key{Field: "name", Value: v.name}, field("value")), op: "modify", old: strconv.Itoa(s.maxConns), new: n})
			default:
				doc.same(14, l)
			}
		}
	}
	if s.envChange == envAdd {
		name := "RATE_LIMIT_" + strings.ToUpper(strings.ReplaceAll(s.component, "-", "_"))
		doc.added(12, "- name: "+name)
		doc.added(14, "value: "+strconv.Quote(strconv.Itoa(100+s.index)))
		d.changes = append(d.changes, change{path: containerPath(c, field("env"), key{Field: "name", Value: name}), op: "add"})
	}
	doc.same(10, "resources:")
	doc.same(12, "limits:")
	doc.same(14, "cpu: "+s.cpu)
	doc.same(14, "memory: "+s.mem)
	doc.same(12, "requests:")
	doc.same(14, "cpu: 50m")
	doc.same(14, "memory: 64Mi")
	doc.same(10, "livenessProbe:")
	doc.same(12, "httpGet:")
	doc.same(14, "path: /healthz")
	doc.same(14, "port: http")
	doc.same(10, "readinessProbe:")
	doc.same(12, "httpGet:")
	doc.same(14, "path: /readyz")
	doc.same(14, "port: http")
	if s.hardened {
		doc.same(10, "securityContext:")
		doc.same(12, "allowPrivilegeEscalation: false")
		doc.same(12, "readOnlyRootFilesystem: true")
		doc.same(12, "capabilities:")
		doc.same(14, "drop:")
		doc.same(16, "- ALL")
	}
	doc.same(10, "volumeMounts:")
	doc.same(12, "- name: config")
	doc.same(14, "mountPath: /etc/"+s.sub.name)
	doc.same(14, "readOnly: true")
	if s.hardened {
		doc.same(12, "- name: tmp")
		doc.same(14, "mountPath: /tmp")
	}
}

func (s *spec) sidecarContainer(d *deployment) {
	doc := &d.doc
	const name = "log-shipper"
	oldImage, newImage := "cr.fluentbit.io/fluent/fluent-bit:3.1.9", "cr.fluentbit.io/fluent/fluent-bit:3.1.9"
	if s.sidecarImage {
		newImage = "cr.fluentbit.io/fluent/fluent-bit:3.2.2"
		ch := change{path: containerPath(name, field("image")), op: "modify", old: oldImage, new: newImage}
		d.changes = append(d.changes, ch)
		d.images = append(d.images, ch)
	}
	doc.same(8, "- name: "+name)
	doc.line(10, "image: "+oldImage, "image: "+newImage)
	doc.same(10, "args:")
	doc.same(12, "- --config=/fluent-bit/etc/fluent-bit.yaml")
	doc.same(10, "resources:")
	doc.same(12, "limits:")
	doc.same(14, "memory: 64Mi")
	doc.same(10, "volumeMounts:")
	doc.same(12, "- name: tmp")
	doc.same(14, "mountPath: /tmp")
}
