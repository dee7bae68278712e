package helmrun

// VersionBelow exposes versionBelow to the external tests.
var VersionBelow = versionBelow
