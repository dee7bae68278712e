package helmrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/safediff/safediff/pkg/manifest"
)

// Rendered is an upgrade as helm renders it: helm upgrade with the user's
// arguments and --dry-run=server (so that lookup sees the cluster, as the
// real upgrade does) and --output json. It holds the rendered Secrets:
// keep it in memory only.
type Rendered struct {
	// Chart is the chart as helm loaded it, Values the user's values as
	// helm merged them: both as helm prints them (JSON).
	Chart, Values json.RawMessage
	// ChartName and ChartVersion are the chart's metadata.
	ChartName, ChartVersion string
	// Manifest is the release manifest: every object, in helm's install
	// order. Hooks holds the hooks' manifests, one document each.
	Manifest string
	Hooks    []string
	// ApplyMethod is how helm v4 will apply the objects: "ssa" (server-side
	// apply) or "csa" (client-side); empty for helm v3, which patches
	// client-side.
	ApplyMethod string
}

// renderedRelease is the part of helm's JSON release that is read.
type renderedRelease struct {
	Chart struct {
		Metadata struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"metadata"`
	} `json:"chart"`
	Manifest string `json:"manifest"`
	Hooks    []struct {
		Manifest string `json:"manifest"`
	} `json:"hooks"`
	ApplyMethod string `json:"apply_method"`
}

// Render renders the upgrade u without changing anything. It fails when
// helm fails (a *CommandError): a chart that does not render cannot be
// planned.
func (r *Runner) Render(ctx context.Context, u Upgrade) (*Rendered, error) {
	args := append(u.UpgradeCommand(), "--dry-run=server", "--output", "json")
	out, err := r.Output(ctx, args...)
	var ce *CommandError
	if errors.As(err, &ce) {
		ce.Message = u.Unfreeze(ce.Message)
		for i, a := range ce.Args {
			ce.Args[i] = u.Unfreeze(a)
		}
	}
	if err != nil {
		return nil, err
	}
	var raw struct {
		Chart  json.RawMessage `json:"chart"`
		Config json.RawMessage `json:"config"`
	}
	var rel renderedRelease
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("helm upgrade --dry-run printed no release: %v", err)
	}
	if err := json.Unmarshal(out, &rel); err != nil {
		return nil, fmt.Errorf("helm upgrade --dry-run: %v", err)
	}
	if len(raw.Chart) == 0 || rel.Chart.Metadata.Name == "" {
		return nil, errors.New("helm upgrade --dry-run printed a release without its chart")
	}
	rd := &Rendered{Chart: raw.Chart, Values: raw.Config, ChartName: rel.Chart.Metadata.Name,
		ChartVersion: rel.Chart.Metadata.Version, Manifest: rel.Manifest, ApplyMethod: rel.ApplyMethod}
	if len(rd.Values) == 0 {
		rd.Values = json.RawMessage("null")
	}
	for _, h := range rel.Hooks {
		rd.Hooks = append(rd.Hooks, h.Manifest)
	}
	return rd, nil
}

// AllManifests is the manifest and the hooks, as one text.
func (rd *Rendered) AllManifests() []byte {
	var b strings.Builder
	b.WriteString(rd.Manifest)
	for _, h := range rd.Hooks {
		b.WriteString("\n---\n")
		b.WriteString(h)
	}
	return []byte(b.String())
}

// Revision is one revision of a release (helm history's JSON reads into it).
type Revision = manifest.Revision

// Current returns the newest revision of the release in the namespace
// helm uses; a release that does not exist is revision 0, not an error.
func (r *Runner) Current(ctx context.Context, release string) (Revision, error) {
	return r.current(ctx, release, nil)
}

// CurrentOf is Current for the release of u, found with u's global flags
// (-n, --kube-context, --kube-apiserver, ...) as helm upgrade finds it.
func (r *Runner) CurrentOf(ctx context.Context, u Upgrade) (Revision, error) {
	return r.current(ctx, u.Release, u.globals())
}

// ManifestOf is Manifest for the release of u, found with u's global flags.
func (r *Runner) ManifestOf(ctx context.Context, u Upgrade, revision int) (string, error) {
	out, err := r.Output(ctx, append([]string{"get", "manifest", u.Release, "--revision", strconv.Itoa(revision)}, u.globals()...)...)
	return string(out), err
}

// current is Current with helm's global flags (-n, --kube-context, ...).
func (r *Runner) current(ctx context.Context, release string, globals []string) (Revision, error) {
	revs, err := r.history(ctx, release, 1, globals)
	if err != nil || len(revs) == 0 {
		return Revision{}, err
	}
	return revs[len(revs)-1], nil
}

// history returns the newest max revisions of the release, oldest first;
// none for a release that does not exist.
func (r *Runner) history(ctx context.Context, release string, max int, globals []string) ([]Revision, error) {
	out, err := r.Output(ctx, append([]string{"history", release, "--max", strconv.Itoa(max), "--output", "json"}, globals...)...)
	var ce *CommandError
	if errors.As(err, &ce) && strings.Contains(ce.Message, "release: not found") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var revs []Revision
	if err := json.Unmarshal(out, &revs); err != nil {
		return nil, fmt.Errorf("helm history: %v", err)
	}
	return revs, nil
}

// releaseValues writes the values of a revision of the release (helm get
// values: those the user gave; with all, the chart's defaults too) to a
// private temporary file, and returns its path ("" for revision 0), the
// values, and what removes it. They may hold secrets.
func (r *Runner) releaseValues(ctx context.Context, u Upgrade, revision int, all bool) (string, []byte, func(), error) {
	none := func() {}
	if revision == 0 {
		return "", nil, none, nil
	}
	args := []string{"get", "values", u.Release, "--revision", strconv.Itoa(revision), "--output", "yaml"}
	if all {
		args = append(args, "--all")
	}
	vals, err := r.Output(ctx, append(args, u.globals()...)...)
	if err != nil {
		return "", nil, none, err
	}
	dir, err := os.MkdirTemp("", "safediff-values-")
	if err != nil {
		return "", nil, none, err
	}
	done := func() { os.RemoveAll(dir) }
	file := filepath.Join(dir, "deployed.yaml")
	if err := os.WriteFile(file, vals, 0o600); err != nil {
		done()
		return "", nil, none, err
	}
	return file, vals, done, nil
}

// Manifest returns the manifest of a revision of the release (helm get
// manifest).
func (r *Runner) Manifest(ctx context.Context, release string, revision int) (string, error) {
	out, err := r.Output(ctx, "get", "manifest", release, "--revision", strconv.Itoa(revision))
	return string(out), err
}

// Versions returns the versions of helm and of helm-diff.
func (r *Runner) Versions(ctx context.Context) (helm, diff string, err error) {
	if helm, err = r.quick(ctx, "version", "--template", "{{.Version}}"); err != nil {
		return "", "", err
	}
	if diff, err = r.quick(ctx, "diff", "version"); err != nil {
		return "", "", fmt.Errorf("helm-diff: %w", err)
	}
	return helm, diff, nil
}

// Major returns the major version of a helm version such as "v3.22.0" (0
// when it is not a version).
func Major(version string) int {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	n, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	return n
}
