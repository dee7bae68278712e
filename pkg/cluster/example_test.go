package cluster_test

import (
	"fmt"

	"github.com/safediff/safediff/pkg/cluster"
	"github.com/safediff/safediff/pkg/kube"
)

// The blast radius of a roll-out, as a note says it.
func ExampleBlast() {
	b := cluster.Blast{
		Ref:      kube.ObjectRef{Group: "apps", Version: "v1", Kind: "Deployment", Namespace: "prod", Name: "web"},
		Replicas: 3, Ready: 3, Strategy: "RollingUpdate (maxUnavailable 0, maxSurge 1)",
		PDBs: []cluster.PDB{{Name: "web", MinAvailable: "3", DisruptionsAllowed: 0}},
	}
	fmt.Println(b)
	// Output:
	// blast radius: Deployment.apps/prod/web restarts the 3 pods it wants (3 ready now), update strategy RollingUpdate (maxUnavailable 0, maxSurge 1); PodDisruptionBudget web (minAvailable 3) allows 0 disruptions now: evictions (node drains) of these pods wait while the roll-out runs; the roll-out itself does not wait for it
}
