// Package manifest reads a rendered Helm manifest (what helm template,
// helm get manifest and a dry-run release print) into objects, the way
// Helm reads it, and knows the order in which helm applies them.
//
// [Parse] splits the text into documents exactly as Helm does (its
// separator is a line that starts with "---"), decodes each with the YAML
// reader Helm and the API server use (sigs.k8s.io/yaml), expands List
// objects as the kubectl resource builder under helm does, and keeps the
// template path of each "# Source:" comment. The objects are values that
// callers may read but must not share with code that changes them.
//
// [SortForInstall] sorts objects into helm's kind sort order
// (kube.HelmInstallOrder): helm installs and upgrades the objects of a
// release in that order, kind by kind, keeping the manifest's order within
// a kind. A release's stored manifest is already in that order.
//
// [Revision], the status names and [UpgradeBase] say what helm's history
// says of a release: which revision helm upgrade patches from, and whether
// the newest one failed or is pending ([Unsettled]), when helm diff, which
// compares with the newest, shows another change than the upgrade makes.
package manifest
