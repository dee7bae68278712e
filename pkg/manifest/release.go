package manifest

// What helm's history says of a release's revisions: their statuses, and
// which revision helm upgrade patches from. helm safediff plan and upgrade
// read it with helm history; a review with --cluster from the labels of
// helm's storage on the server.

// The statuses of a release's revision, as helm stores them (helm's
// release.Status), in its history and in the labels of its storage.
const (
	StatusDeployed        = "deployed"
	StatusSuperseded      = "superseded"
	StatusFailed          = "failed"
	StatusUninstalled     = "uninstalled"
	StatusPendingInstall  = "pending-install"
	StatusPendingUpgrade  = "pending-upgrade"
	StatusPendingRollback = "pending-rollback"
)

// Unsettled says whether a release whose newest revision has the status
// is not where helm diff thinks it is: the revision failed, or an
// operation on it did not end (pending). helm diff compares a chart with
// the newest revision, whatever its status; helm upgrade refuses a
// pending one, and patches from the last deployed one (see [UpgradeBase]).
func Unsettled(status string) bool {
	switch status {
	case StatusFailed, StatusPendingInstall, StatusPendingUpgrade, StatusPendingRollback:
		return true
	}
	return false
}

// Revision is one revision of a release, as helm history -o json prints it.
type Revision struct {
	Number int    `json:"revision"`
	Status string `json:"status"`
	Chart  string `json:"chart"`
}

// UpgradeBase is the revision helm upgrade applies a chart over, and
// whose values it keeps when the upgrade gives none (action.Upgrade's
// prepareUpgrade, helm 3 and 4 alike): the newest deployed one; with
// none, the last one when it failed or was superseded (a first install
// that failed); 0 for none. revs are oldest first.
func UpgradeBase(revs []Revision) int {
	base := 0
	for _, rev := range revs {
		if rev.Status == StatusDeployed {
			base = rev.Number
		}
	}
	if last := len(revs) - 1; base == 0 && last >= 0 && (revs[last].Status == StatusFailed || revs[last].Status == StatusSuperseded) {
		base = revs[last].Number
	}
	return base
}
