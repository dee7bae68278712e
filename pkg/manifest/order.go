package manifest

import (
	"sort"

	"github.com/safediff/safediff/pkg/kube"
)

// SortForInstall sorts objects into helm's install order
// ([kube.HelmInstallOrder]), keeping the manifest order within a kind, as
// helm's sortManifestsByKind does.
func SortForInstall(objs []Object, helmMajor int) {
	order := kube.HelmInstallOrder(helmMajor)
	sort.SliceStable(objs, func(i, j int) bool { return kube.HelmKindLess(order, objs[i].Ref.Kind, objs[j].Ref.Kind) })
}
