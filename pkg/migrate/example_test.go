package migrate_test

import (
	"errors"
	"fmt"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/migrate"
)

// The steps of the Postgres runbook for a migration file.
func ExampleRunbook() {
	m, err := migrate.Load("testdata/postgres.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	secrets := map[string]string{"ORDERS_PG_PASSWORD": "…", "ORDERS_PG_REPLICATION_PASSWORD": "…"}
	steps, err := migrate.Runbook(m, func(k string) string { return secrets[k] })
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, s := range steps {
		fmt.Printf("%d. %s (%s)\n", i+1, s.ID, s.Kind)
	}
	// Output:
	// 1. prepare-source (helm)
	// 2. apply-source-config (action)
	// 3. install-target (helm)
	// 4. wait-replica (wait)
	// 5. pause-clients (pause-clients)
	// 6. fence-source (fence)
	// 7. wait-caught-up (wait)
	// 8. compare-data (verify)
	// 9. promote-target (promote)
	// 10. verify-data (verify)
	// 11. detach-target (helm)
	// 12. release-source (action)
	// 13. repoint (repoint)
	// 14. resume-clients (resume-clients)
	// 15. verify (verify)
}

// A migration file is checked strictly: every problem is reported at once,
// at its line and column, naming its field.
func ExampleParse() {
	_, err := migrate.Parse([]byte(`version: 1
name: sessions
component: redis
source: {namespace: cache, release: sessions, chart: charts/redis, address: "10.0.0.9:6379"}
target: {namespace: cache, release: sessions, chart: charts/redis, address: "10.0.0.9"}
endpoint: {namespace: cache, release: sessions-endpoint}
`), "sessions.yaml")
	var problems diag.List
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Println(p)
		}
	}
	// Output:
	// sessions.yaml: line 5, column 1: target: is the same release as the source
	// sessions.yaml: line 5, column 68: target.address: want host:port, got "10.0.0.9"
	// sessions.yaml: line 6, column 1: endpoint.chart: required
}

// A Redis Cluster moves one shard at a time: each shard is fenced, caught
// up, compared and failed over on its own.
func ExampleRunbook_cluster() {
	m, err := migrate.Load("testdata/cluster.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	steps, err := migrate.Runbook(m, func(string) string { return "…" })
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range steps {
		if s.NoReturn {
			fmt.Printf("%s: %s\n", s.ID, s.Title)
		}
	}
	// Output:
	// failover-shard-1: shard 1: CLUSTER FAILOVER to its target node; check the slots (a failover that does not complete rolls back)
	// failover-shard-2: shard 2: CLUSTER FAILOVER to its target node; check the slots (a failover that does not complete rolls back)
	// failover-shard-3: shard 3: CLUSTER FAILOVER to its target node; check the slots (a failover that does not complete rolls back)
}
