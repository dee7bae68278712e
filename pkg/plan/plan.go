package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/report"
)

// Kind and Version identify a plan file; a reader refuses any other.
const (
	Kind    = "SafediffPlan"
	Version = 1
)

// MaxFileSize bounds a plan file that is read.
const MaxFileSize = 64 << 20

// Plan is a reviewed helm upgrade, saved for a later apply. It holds no
// secret: values that may be secret are digests ([Digests]) or withheld
// ([Arg]).
type Plan struct {
	Kind    string    `json:"kind"`
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	// Safediff is the version of safediff that made the plan; apply needs
	// the same (the review and the default rules are its).
	Safediff string `json:"safediff"`

	Release Release `json:"release"`
	// Cluster is where the plan was made, when the kubeconfig names it.
	Cluster *Cluster `json:"cluster,omitempty"`
	Helm    Helm     `json:"helm"`
	Chart   Chart    `json:"chart"`
	Digests Digests  `json:"digests"`
	Rules   Rules    `json:"rules"`
	// FailOn are the gate's --fail-on values.
	FailOn []string `json:"failOn"`
	// ClusterConfirmed says the review was confirmed by the API server
	// (--cluster); apply then confirms again.
	ClusterConfirmed bool `json:"clusterConfirmed"`
	// Accepted are the accept entries that the review used.
	Accepted []Acceptance `json:"accepted"`
	Verdict  Verdict      `json:"verdict"`
	// Review is the review as safediff's JSON report prints it (objects,
	// changes, levels; sensitive values only as their size).
	Review *report.JSONReport `json:"review"`
}

// Release is the release the plan upgrades, as it was when planned.
type Release struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Revision is the release's newest revision; 0 when it does not exist
	// yet (helm upgrade --install).
	Revision int `json:"revision"`
	// Status is that revision's status (deployed, failed, …).
	Status string `json:"status,omitempty"`
}

// Cluster names the API server of the kubeconfig context the plan was
// made with (never its credentials).
type Cluster struct {
	Context string `json:"context,omitempty"`
	Server  string `json:"server"`
}

// Helm is how the upgrade runs.
type Helm struct {
	Version     string `json:"version"`
	DiffVersion string `json:"diffVersion"`
	// Args are the arguments of helm safediff upgrade that are helm's:
	// RELEASE CHART and the helm flags, exactly as given, with the values
	// that may be secret withheld.
	Args []Arg `json:"args"`
}

// Chart is the chart that was rendered.
type Chart struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Rules is the rule set of the review.
type Rules struct {
	NoDefaults bool     `json:"noDefaults,omitempty"`
	Files      []string `json:"files,omitempty"`
	// Digest covers the content of every layer, the embedded defaults
	// included (see [RulesDigest]).
	Digest string `json:"digest"`
}

// Acceptance is an accept entry the review used, as the accept file
// wrote it.
type Acceptance struct {
	File   string  `json:"file"`
	Object string  `json:"object"`
	Path   string  `json:"path,omitempty"`
	Action string  `json:"action,omitempty"`
	New    *string `json:"new,omitempty"`
	Reason string  `json:"reason"`
}

// Verdict is the gate's verdict on the review.
type Verdict struct {
	Tripped  bool   `json:"tripped"`
	ExitCode int    `json:"exitCode"`
	Highest  string `json:"highest"`
	// Offending are the objects at or above the gate.
	Offending []string `json:"offending"`
}

// Write encodes the plan as indented JSON.
func (p *Plan) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// Encode returns the plan's file content.
func (p *Plan) Encode() ([]byte, error) {
	var b bytes.Buffer
	err := p.Write(&b)
	return b.Bytes(), err
}

// Read decodes a plan file: strictly (unknown fields are an error, so a
// plan from another version is never half understood), of this Kind and
// Version only.
func Read(r io.Reader, origin string) (*Plan, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	return Decode(data, origin)
}

// Decode reads a plan file's content (see [Read]).
func Decode(data []byte, origin string) (*Plan, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes: not a plan file", origin, MaxFileSize)
	}
	var head struct {
		Kind    string `json:"kind"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Kind != Kind {
		return nil, fmt.Errorf("%s: not a safediff plan file (want JSON with \"kind\": %q)", origin, Kind)
	}
	if head.Version != Version {
		return nil, fmt.Errorf("%s: plan file version %d; this safediff reads version %d", origin, head.Version, Version)
	}
	var p Plan
	if err := diag.DecodeJSON(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %v", origin, err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", origin, err)
	}
	return &p, nil
}

func (p *Plan) validate() error {
	var errs []error
	if p.Release.Name == "" {
		errs = append(errs, errors.New("release.name is empty"))
	}
	if p.Release.Namespace == "" {
		errs = append(errs, errors.New("release.namespace is empty"))
	}
	if p.Release.Revision < 0 {
		errs = append(errs, errors.New("release.revision is negative"))
	}
	if p.Created.IsZero() {
		errs = append(errs, errors.New("created is missing"))
	}
	if len(p.Helm.Args) < 2 {
		errs = append(errs, errors.New("helm.args lacks RELEASE and CHART"))
	}
	for i, a := range p.Helm.Args {
		if a.Withheld && a.Flag == "" {
			errs = append(errs, fmt.Errorf("helm.args[%d]: a withheld value names no flag", i))
		}
	}
	if p.Digests.Chart == "" || p.Digests.Values == "" || p.Digests.Manifests == "" {
		errs = append(errs, errors.New("digests: chart, values and manifests are required"))
	}
	if p.Rules.Digest == "" {
		errs = append(errs, errors.New("rules.digest is missing"))
	}
	if p.Review == nil {
		errs = append(errs, errors.New("review is missing"))
	}
	return errors.Join(errs...)
}
