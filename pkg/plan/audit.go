package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Record is one line of the audit log: an apply (or an upgrade whose gate
// was overridden), who did it, on what grounds, and how helm ended.
type Record struct {
	Time    time.Time `json:"time"`
	Command string    `json:"command"` // "apply", "upgrade"
	Release string    `json:"release"`
	// Namespace is the release's namespace.
	Namespace string `json:"namespace"`
	// Plan is the digest of the plan file (apply only).
	Plan string `json:"plan,omitempty"`
	// Revision is the revision the upgrade started from.
	Revision int `json:"revision"`
	// Outcome is "applied", "dry-run" (helm upgrade ran with --dry-run:
	// nothing was applied), "refused" (the plan went stale, or the gate
	// tripped without an approval) or "failed" (helm upgrade failed).
	Outcome string `json:"outcome"`
	// Refused says why, when Outcome is refused.
	Refused []string `json:"refused,omitempty"`
	Verdict Verdict  `json:"verdict"`
	// Approval is how the gate was passed: "gate" (nothing tripped it),
	// "accept" (accept entries named what tripped it), "terminal" (a
	// person answered yes to --approve); empty when nothing passed it.
	Approval string       `json:"approval,omitempty"`
	Accepted []Acceptance `json:"accepted"`
	Who      Who          `json:"who"`
	// HelmExitCode is helm upgrade's exit code; nil when it did not run.
	HelmExitCode *int `json:"helmExitCode"`
}

// Who says who ran the command, from the environment.
type Who struct {
	// User is the login name ($USER, $LOGNAME, else the process's user).
	User string `json:"user,omitempty"`
	// CI names the CI system, its job and who triggered it, when the
	// command runs in one.
	CI *CI `json:"ci,omitempty"`
}

// CI is a CI job.
type CI struct {
	System string `json:"system"`
	Job    string `json:"job,omitempty"`
	URL    string `json:"url,omitempty"`
	Actor  string `json:"actor,omitempty"`
	Commit string `json:"commit,omitempty"`
}

// ciSystems are the variables each CI system documents for its jobs: the
// one that marks it, and those of the job, its URL, who triggered it and
// the commit.
var ciSystems = []struct{ system, marker, job, url, actor, commit string }{
	{"github-actions", "GITHUB_ACTIONS", "GITHUB_RUN_ID", "", "GITHUB_ACTOR", "GITHUB_SHA"},
	{"gitlab-ci", "GITLAB_CI", "CI_JOB_ID", "CI_JOB_URL", "GITLAB_USER_LOGIN", "CI_COMMIT_SHA"},
	{"buildkite", "BUILDKITE", "BUILDKITE_JOB_ID", "BUILDKITE_BUILD_URL", "BUILDKITE_BUILD_CREATOR", "BUILDKITE_COMMIT"},
	{"circleci", "CIRCLECI", "CIRCLE_WORKFLOW_JOB_ID", "CIRCLE_BUILD_URL", "CIRCLE_USERNAME", "CIRCLE_SHA1"},
	{"jenkins", "JENKINS_URL", "BUILD_TAG", "BUILD_URL", "BUILD_USER_ID", "GIT_COMMIT"},
}

// githubRunURL is the URL of a GitHub Actions run, which GitHub does not
// set in one variable.
func githubRunURL(get func(string) string) string {
	server, repo, run := get("GITHUB_SERVER_URL"), get("GITHUB_REPOSITORY"), get("GITHUB_RUN_ID")
	if server == "" || repo == "" || run == "" {
		return ""
	}
	u := server + "/" + repo + "/actions/runs/" + run
	if a := get("GITHUB_RUN_ATTEMPT"); a != "" {
		u += "/attempts/" + a
	}
	return u
}

// WhoFrom reads who runs the command from the environment (getenv); user
// is the process's user name, used when $USER and $LOGNAME are empty.
func WhoFrom(getenv func(string) string, user string) Who {
	w := Who{User: getenv("USER")}
	if w.User == "" {
		w.User = getenv("LOGNAME")
	}
	if w.User == "" {
		w.User = user
	}
	for _, c := range ciSystems {
		if getenv(c.marker) == "" {
			continue
		}
		w.CI = &CI{System: c.system, Job: getenv(c.job), Actor: getenv(c.actor), Commit: getenv(c.commit)}
		if c.url != "" {
			w.CI.URL = getenv(c.url)
		} else {
			w.CI.URL = githubRunURL(getenv)
		}
		return w
	}
	if getenv("CI") != "" {
		w.CI = &CI{System: "ci"}
	}
	return w
}

// Line encodes the record as one JSON line.
func (r *Record) Line() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// AuditLog is an append-only file of records, one JSON line each.
type AuditLog struct {
	f *os.File
}

// OpenAuditLog opens (creating it, mode 0600) an audit log for appending.
// Open it before the upgrade, so that an unwritable log stops the
// upgrade rather than losing its record.
func OpenAuditLog(name string) (*AuditLog, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &AuditLog{f: f}, nil
}

// Append writes a record as one line, in one write (O_APPEND makes
// concurrent writers' lines whole), and syncs it to disk.
func (l *AuditLog) Append(r *Record) error {
	line, err := r.Line()
	if err != nil {
		return err
	}
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("audit log %s: %w", l.f.Name(), err)
	}
	return l.f.Sync()
}

// Close closes the log.
func (l *AuditLog) Close() error { return l.f.Close() }
