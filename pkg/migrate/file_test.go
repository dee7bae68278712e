package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/safediff/safediff/pkg/diag"
)

func TestLoadExamples(t *testing.T) {
	pg, err := Load("testdata/postgres.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if pg.Postgres.Slot != "orders_db" || pg.Postgres.ReplicationUser != "replicator" || pg.Credentials.User != "postgres" {
		t.Errorf("postgres defaults: slot %q user %q superuser %q", pg.Postgres.Slot, pg.Postgres.ReplicationUser, pg.Credentials.User)
	}
	if pg.Thresholds.MaxLag != 16<<20 || time.Duration(pg.Thresholds.CatchUpTimeout) != 30*time.Second {
		t.Errorf("thresholds: %+v", pg.Thresholds)
	}
	if *pg.Clients[0].Replicas != 3 || pg.Clients[0].Release.Release != "orders-api" || len(pg.Clients[1].Pause) == 0 {
		t.Errorf("clients: %+v", pg.Clients)
	}
	rd, err := Load("testdata/redis.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if rd.Thresholds.MaxLag != DefaultMaxLag || time.Duration(rd.Thresholds.StepTimeout) != DefaultStepTimeout {
		t.Errorf("redis defaults: %+v", rd.Thresholds)
	}
}

// TestParseErrors: a broken migration file is an error that names the
// field, never a run with guessed values.
func TestParseErrors(t *testing.T) {
	const base = `version: 1
name: orders-db
component: postgres
source: {namespace: a, release: db, chart: c, address: "10.0.0.1:5432"}
target: {namespace: b, release: db, chart: c, address: "10.0.0.2:5432"}
endpoint: {namespace: a, release: ep, chart: e}
credentials: {passwordEnv: P, replicationPasswordEnv: R}
postgres: {replicationFrom: [10.0.0.0/8]}
`
	if _, err := Parse([]byte(base), "m.yaml"); err != nil {
		t.Fatalf("the base case must parse: %v", err)
	}
	tests := []struct {
		name, edit, want, reason string
	}{
		{"unknown key", "extra: 1\n", `unknown field "extra"`, "typos must not be ignored"},
		{"unknown nested key", "thresholds: {maxLagBytes: 1}\n", `unknown field "maxLagBytes"`, "nested keys are checked too"},
		{"version", "version: 2\n", "version: want 1", "a future format is refused"},
		{"name", "name: Orders_DB\n", "name: want a DNS label", "the name names a slot and the state"},
		{"component", "component: mysql\n", `unknown component "mysql"`, "only bundled runbooks exist"},
		{"address", `target: {namespace: b, release: db, chart: c, address: "10.0.0.2"}` + "\n", "target.address: want host:port", "the port is needed"},
		{"same release", `target: {namespace: a, release: db, chart: c, address: "10.0.0.2:5432"}` + "\n", "target: is the same release as the source", "moving a release onto itself would destroy it"},
		{"same address", `target: {namespace: b, release: db, chart: c, address: "10.0.0.1:5432"}` + "\n", "target.address: is the source's address", "the target would replicate from itself"},
		{"missing chart", "endpoint: {namespace: a, release: ep}\n", "endpoint.chart: required", "the name's release is upgraded"},
		{"stolon", "postgres: {method: stolon, replicationFrom: [10.0.0.0/8]}\n", "stolon", "not shipped untested"},
		{"cidr", "postgres: {replicationFrom: [10.0.0.0]}\n", "postgres.replicationFrom[0]: want a CIDR", "pg_hba needs a CIDR"},
		{"missing credentials", "credentials: {passwordEnv: P}\n", "credentials.replicationPasswordEnv: required", "the target authenticates"},
		{"client kind", "clients: [{name: x}]\n", "clients[0]: give a release", "a client without a way to pause it"},
		{"client both", "clients: [{name: x, namespace: ns, release: r, chart: c, replicasValue: r, replicas: 1, pause: [a], resume: [b]}]\n", "is both a release and commands", "ambiguous"},
		{"client replicas", "clients: [{name: x, namespace: ns, release: r, chart: c, replicasValue: r}]\n", "clients[0].replicas: required", "what to scale back to"},
		{"client pause only", "clients: [{name: x, pause: [a]}]\n", "needs both pause and resume", "a pause with no resume strands the clients"},
		{"duplicate client", "clients: [{name: x, pause: [a], resume: [b]}, {name: x, pause: [a], resume: [b]}]\n", `duplicate client "x"`, "names key the output"},
		{"size", "thresholds: {maxLag: 16 MiBs}\n", "bad size", "units are checked"},
		{"duration", "thresholds: {catchUpTimeout: 30}\n", "want a duration", "a bare number is ambiguous"},
		{"not yaml", "source: [\n", "not valid YAML", "garbage"},
		{"second document", "---\nthresholds: {maxLag: 1 MiB}\n", "a second YAML document", "the YAML reader drops every document after the first: its settings would be lost unseen"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(edit(base, tc.edit)), "m.yaml")
			var all []string
			var l diag.List
			if errors.As(err, &l) {
				for _, e := range l {
					all = append(all, e.Error())
				}
			} else if err != nil {
				all = append(all, err.Error())
			}
			if err == nil || !strings.Contains(strings.Join(all, "\n"), tc.want) || !strings.HasPrefix(err.Error(), "m.yaml: ") {
				t.Errorf("error %v, want one containing %q and naming the file (%s)", err, tc.want, tc.reason)
			}
		})
	}
}

// edit replaces the base's top-level keys that the edit sets, and adds
// the others.
func edit(base, change string) string {
	keys := map[string]bool{}
	for _, l := range strings.Split(change, "\n") {
		if k, _, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, " ") {
			keys[k] = true
		}
	}
	var out []string
	for _, l := range strings.Split(base, "\n") {
		if k, _, ok := strings.Cut(l, ":"); ok && keys[k] {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n") + change
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]Size{"0": 0, "1048576": 1 << 20, "16MiB": 16 << 20, "64kB": 64000, "1 GiB": 1 << 30, "5MB": 5e6} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "1.5MiB", "16 mebibytes"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func TestLSN(t *testing.T) {
	for _, s := range []string{"0/0", "0/3000060", "16/B374D848", "FFFFFFFF/FFFFFFFF"} {
		l, err := ParseLSN(s)
		if err != nil || l.String() != s {
			t.Errorf("ParseLSN(%q) = %v, %v", s, l, err)
		}
	}
	a, _ := ParseLSN("1/0")
	b, _ := ParseLSN("0/FFFFFFFF")
	if a <= b {
		t.Error("LSNs must order by their high word first")
	}
	for _, s := range []string{"", "0", "x/1", "1/1/1", "100000000/0"} {
		if _, err := ParseLSN(s); err == nil {
			t.Errorf("ParseLSN(%q) accepted", s)
		}
	}
}

func TestSetPath(t *testing.T) {
	v := setPath(nil, "api.replicas", 0)
	v = setPath(v, "api.image", "x")
	v = setPath(v, `annotations.example\.com/x`, "y")
	api := v["api"].(map[string]any)
	if api["replicas"] != 0 || api["image"] != "x" {
		t.Errorf("nested keys: %v", v)
	}
	if v["annotations"].(map[string]any)["example.com/x"] != "y" {
		t.Errorf(`\. keeps a dot in a key: %v`, v)
	}
}

// TestRunbooks pins the step sequences: each a fixed order of typed
// steps, the questions before the client pause and the promotion, and no
// abort after the promotion.
func TestRunbooks(t *testing.T) {
	env := map[string]string{"ORDERS_PG_PASSWORD": "su", "ORDERS_PG_REPLICATION_PASSWORD": "rp", "SESSIONS_REDIS_PASSWORD": "rd", "CARTS_REDIS_PASSWORD": "rd"}
	shard := func(i int) string {
		return fmt.Sprintf("fence-shard-%[1]d:fence wait-caught-up-shard-%[1]d:wait compare-data-shard-%[1]d:verify failover-shard-%[1]d:promote?! ", i)
	}
	for file, want := range map[string]string{
		"testdata/postgres.yaml":   "prepare-source:helm apply-source-config:action install-target:helm wait-replica:wait pause-clients:pause-clients? fence-source:fence wait-caught-up:wait compare-data:verify promote-target:promote?! verify-data:verify detach-target:helm release-source:action repoint:repoint resume-clients:resume-clients verify:verify",
		"testdata/redis.yaml":      "prepare-source:helm apply-source-config:action install-target:helm wait-replica:wait pause-clients:pause-clients? fence-source:fence wait-caught-up:wait compare-data:verify promote-target:promote?! verify-data:verify detach-target:helm repoint:repoint resume-clients:resume-clients verify:verify",
		"testdata/replicated.yaml": "prepare-source:helm apply-source-config:action install-target:helm wait-replica:wait pause-clients:pause-clients? fence-source:fence wait-caught-up:wait compare-data:verify promote-target:promote?! verify-data:verify check-replicas:verify detach-target:helm release-source:action repoint:repoint resume-clients:resume-clients verify:verify",
		"testdata/sentinel.yaml":   "prepare-source:helm apply-source-config:action install-target:helm wait-replica:wait pause-clients:pause-clients? fence-source:fence wait-caught-up:wait compare-data:verify promote-target:promote?! verify-data:verify check-replicas:verify detach-target:helm start-sentinels:helm repoint:repoint resume-clients:resume-clients verify:verify",
		"testdata/cluster.yaml": "check-source:verify prepare-source:helm apply-source-config:action install-target:helm join-target:action wait-replica:wait " +
			shard(1) + shard(2) + shard(3) + "detach-target:helm forget-source:action remove-source:helm repoint:repoint verify:verify",
	} {
		m, err := Load(file)
		if err != nil {
			t.Fatal(err)
		}
		steps, err := Runbook(m, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range steps {
			g := s.ID + ":" + string(s.Kind)
			if s.Confirm != "" {
				g += "?"
			}
			if s.NoReturn {
				g += "!"
			}
			got = append(got, g)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s:\n got %s\nwant %s", file, strings.Join(got, " "), want)
		}
	}
}

// TestRunbookNeedsCredentials: missing secrets are an error before
// anything runs, naming every variable at its line, not only the first.
func TestRunbookNeedsCredentials(t *testing.T) {
	m, err := Load("testdata/postgres.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Runbook(m, func(string) string { return "" })
	var l diag.List
	if !errors.As(err, &l) || len(l) != 2 {
		t.Fatalf("error %v, want both variables", err)
	}
	for i, want := range []string{"line 35, column 3: credentials.passwordEnv: the environment variable ORDERS_PG_PASSWORD",
		"line 36, column 3: credentials.replicationPasswordEnv: the environment variable ORDERS_PG_REPLICATION_PASSWORD"} {
		if !strings.Contains(l[i].Error(), want) {
			t.Errorf("problem %d: %v, want %q", i, l[i], want)
		}
	}
}

func TestStatePathAndMismatch(t *testing.T) {
	if got := StatePath("/x/orders.yaml"); got != "/x/orders.state.json" {
		t.Errorf("StatePath = %s", got)
	}
	m, _ := Load("testdata/postgres.yaml")
	dir := t.TempDir()
	p := dir + "/s.json"
	st := newState(m)
	st.Done["prepare-source"] = time.Now()
	if err := st.save(p); err != nil {
		t.Fatal(err)
	}
	back, err := loadState(p, m)
	if err != nil || len(back.Done) != 1 {
		t.Fatalf("round trip: %v %v", back, err)
	}
	other, _ := Load("testdata/redis.yaml")
	if _, err := loadState(p, other); err == nil || !strings.Contains(err.Error(), "not of this file's") {
		t.Errorf("a state of another migration: %v", err)
	}
	unlock, err := lockFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockFile(p); err == nil || !strings.Contains(err.Error(), "another safediff migrate holds") {
		t.Errorf("a second lock: %v", err)
	}
	unlock()
	unlock2, err := lockFile(p)
	if err != nil {
		t.Errorf("lock after unlock: %v", err)
	} else {
		unlock2()
	}
}

// TestREADMEWalkthroughs: the migration files the README shows are valid.
func TestREADMEWalkthroughs(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, block := range strings.Split(string(data), "```yaml\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if !strings.Contains(block, "\ncomponent: ") {
			continue
		}
		m, err := Parse([]byte(block), "README.md")
		if err != nil {
			t.Errorf("a migration file in the README does not parse: %v\n%s", err, block)
			continue
		}
		found[string(m.Component)+" "+string(m.Topology)]++
	}
	want := map[string]int{"postgres single": 1, "redis single": 1, "postgres replicated": 1, "redis sentinel": 1, "redis cluster": 1}
	if fmt.Sprint(found) != fmt.Sprint(want) {
		t.Errorf("the README's migration files: %v, want one of each topology: %v", found, want)
	}
}

// TestUntilStopsAtADoneStep: `run --until wait-replica` run again after
// that step is done stops there; it once went on through the pause and
// the promotion.
func TestUntilStopsAtADoneStep(t *testing.T) {
	env := map[string]string{"SESSIONS_REDIS_PASSWORD": "rd"}
	m, err := Load("testdata/redis.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := t.TempDir() + "/s.json"
	st := newState(m)
	for _, id := range []string{"prepare-source", "apply-source-config", "install-target", "wait-replica"} {
		st.Done[id] = time.Now()
	}
	if err := st.save(p); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r := &Runner{M: m, StatePath: p, Getenv: func(k string) string { return env[k] }, Out: &out, Yes: true, Until: "wait-replica",
		Kube: newFakeKube(t).client}
	if err := r.Run(context.Background()); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Stopped after wait-replica (--until)") || strings.Contains(out.String(), "pause-clients: pause") {
		t.Errorf("output:\n%s", out.String())
	}
	back, err := loadState(p, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Done) != 4 || len(back.Log) != 1 || !strings.HasPrefix(back.Log[0].What, "locked by ") {
		t.Errorf("the state changed: done %v, log %v", back.Done, back.Log)
	}
}

// TestTopologyErrors: each topology takes the fields it needs and refuses
// the others, naming the field at its line.
func TestTopologyErrors(t *testing.T) {
	const base = `version: 1
name: carts
component: redis
topology: cluster
source: {namespace: a, release: db, chart: c, clientAddress: "carts.a:6379", nodes: ["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"]}
target: {namespace: b, release: db, chart: c, clientAddress: "carts.b:6379", nodes: ["10.1.0.1:6379", "10.1.0.2:6379", "10.1.0.3:6379", "10.1.0.4:6379", "10.1.0.5:6379", "10.1.0.6:6379"]}
endpoint: {namespace: a, release: ep, chart: e}
credentials: {passwordEnv: P}
redis: {shards: 3}
`
	if _, err := Parse([]byte(base), "m.yaml"); err != nil {
		t.Fatalf("the base case must parse: %v", err)
	}
	sentinel := `source: {namespace: a, release: db, chart: c, address: "10.0.0.1:6379", clientAddress: "s.a:26379", replicas: ["10.0.0.2:6379"], sentinels: ["10.0.0.5:26379"]}
target: {namespace: b, release: db, chart: c, address: "10.1.0.1:6379", clientAddress: "s.b:26379", sentinels: ["10.1.0.5:26379"]}
topology: sentinel
redis: {masterName: sessions}
`
	if _, err := Parse([]byte(edit(base, sentinel)), "m.yaml"); err != nil {
		t.Fatalf("the sentinel case must parse: %v", err)
	}
	tests := []struct {
		name, edit, want, reason string
	}{
		{"unknown topology", "topology: ha\n", `topology: unknown topology "ha"`, "a typo must not fall back to single"},
		{"replicated redis", "topology: replicated\n", "topology: replicated is a Postgres topology", "Redis replicas are sentinel's"},
		{"cluster address", `source: {namespace: a, release: db, chart: c, address: "10.0.0.9:6379", clientAddress: "carts.a:6379", nodes: ["10.0.0.1:6379"]}` + "\n",
			"source.address: topology cluster reaches the cluster through source.nodes", "one address is not a cluster"},
		{"cluster without nodes", `target: {namespace: b, release: db, chart: c, clientAddress: "carts.b:6379"}` + "\n", "target.nodes: required for topology cluster", "the nodes are joined one by one"},
		{"cluster without a seed name", `target: {namespace: b, release: db, chart: c, nodes: ["10.1.0.1:6379", "10.1.0.2:6379", "10.1.0.3:6379"]}` + "\n",
			"target.clientAddress: required for topology cluster", "the endpoint must name the new nodes"},
		{"cluster clients", "clients: [{name: w, pause: [a], resume: [b]}]\n", "clients: topology cluster does not pause clients", "cluster clients follow MOVED"},
		{"cluster shards missing", "redis: {}\n", "redis.shards: required for topology cluster", "the steps are per shard"},
		{"cluster shards zero", "redis: {shards: 0}\n", "redis.shards: must be at least 1", "no shard is no cluster"},
		{"target nodes per shard", `target: {namespace: b, release: db, chart: c, clientAddress: "carts.b:6379", nodes: ["10.1.0.1:6379", "10.1.0.2:6379", "10.1.0.3:6379", "10.1.0.4:6379"]}` + "\n",
			"target.nodes: lists 4 nodes for 3 shards", "every shard gets as many target nodes"},
		{"source nodes too few", `source: {namespace: a, release: db, chart: c, clientAddress: "carts.a:6379", nodes: ["10.0.0.1:6379"]}` + "\n", "source.nodes: lists 1 nodes for 3 shards", "each shard has a master"},
		{"bad node address", `source: {namespace: a, release: db, chart: c, clientAddress: "carts.a:6379", nodes: ["10.0.0.1", "10.0.0.2:6379", "10.0.0.3:6379"]}` + "\n",
			`source.nodes[0]: want host:port, got "10.0.0.1"`, "the port is needed"},
		{"address twice", `source: {namespace: a, release: db, chart: c, clientAddress: "carts.a:6379", nodes: ["10.0.0.1:6379", "10.0.0.2:6379", "10.1.0.1:6379"]}` + "\n",
			"target.nodes[0]: 10.1.0.1:6379 is source.nodes[2]'s address too", "one server is on one side"},
		{"replicas in a cluster", `source: {namespace: a, release: db, chart: c, clientAddress: "carts.a:6379", nodes: ["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"], replicas: ["10.0.0.4:6379"]}` + "\n",
			"source.replicas: only topologies replicated and sentinel", "a cluster's replicas are nodes"},
		{"masterName in a cluster", "redis: {shards: 3, masterName: x}\n", "redis.masterName: only for topology sentinel", "nothing would read it"},
		{"sentinels missing", strings.Replace(sentinel, `, sentinels: ["10.1.0.5:26379"]`, "", 1), "target.sentinels: required for topology sentinel", "the target's Sentinels are started and checked"},
		{"sentinel clientAddress missing", strings.Replace(sentinel, `clientAddress: "s.b:26379", `, "", 1), "target.clientAddress: required for topology sentinel", "clients reach the Sentinels, not the master"},
		{"masterName missing", strings.Replace(sentinel, "redis: {masterName: sessions}", "redis: {}", 1), "redis.masterName: required for topology sentinel", "the Sentinels are asked by name"},
		{"shards in sentinel", strings.Replace(sentinel, "redis: {masterName: sessions}", "redis: {masterName: sessions, shards: 2}", 1), "redis.shards: only for topology cluster", "nothing would read it"},
		{"sentinels in single", "topology: single\n" + `source: {namespace: a, release: db, chart: c, address: "10.0.0.1:6379", sentinels: ["10.0.0.5:26379"]}` + "\n" +
			`target: {namespace: b, release: db, chart: c, address: "10.1.0.1:6379"}` + "\nredis: {}\n",
			"source.sentinels: only topology sentinel has Sentinels (this one is single)", "nothing would fence them"},
		{"sentinel on postgres", "component: postgres\ntopology: sentinel\n", "topology: sentinel is a Redis topology", "Postgres has no Sentinel"},
		{"redis block on postgres", "component: postgres\ntopology: replicated\n" + `source: {namespace: a, release: db, chart: c, address: "10.0.0.1:5432"}` + "\n" +
			`target: {namespace: b, release: db, chart: c, address: "10.1.0.1:5432"}` + "\ncredentials: {passwordEnv: P, replicationPasswordEnv: R}\npostgres: {replicationFrom: [10.0.0.0/8]}\n",
			"redis: is for redis migrations", "a Postgres file with Redis settings is a mistake"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(edit(base, tc.edit)), "m.yaml")
			var l diag.List
			var all []string
			if errors.As(err, &l) {
				for _, e := range l {
					all = append(all, e.Error())
				}
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Errorf("errors %v, want one containing %q (%s)", all, tc.want, tc.reason)
			}
			for _, e := range l {
				if e.Line == 0 {
					t.Errorf("%v: no line", e)
				}
			}
		})
	}
}
