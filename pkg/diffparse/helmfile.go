package diffparse

import (
	"slices"
	"strings"
)

// helmfile diff prints "Comparing release=R, chart=C" (and, since 2024,
// ", namespace=N") before running helm diff upgrade for each release, and
// some lines of its own and of helm around them.
var (
	comparingRE = lazyRE(`^Comparing release=([^,]+), chart=([^,]+?)(?:, namespace=(\S*))?$`)
	// helmfile's summary of affected releases: "  name (chart) UPDATED"
	helmfileAffectedRE = lazyRE(`^  (\S+) \(.*\)( UPDATED| DELETED)?$`)
	helmfileInfoRE     = lazyRE(`^(Building dependency release=|Adding repo |"[^"]+" has been added to your repositories|"[^"]+" already exists with the same configuration|Updating repo|Hang tight while we grab the latest|\.\.\.Successfully got an update from|Update Complete\.|Listing releases matching|Affected releases are:|Skipping |Fetching |Templating release=|Saving \d+ charts|Deleting outdated charts|No affected releases|There are no releases|helmfile\.yaml:|Loading |processing file|Building dependency|Decrypting secret )`)
	// helmfile builds the dependencies of a local chart of each release it
	// will diff before the first diff
	helmfileBuildingRE = lazyRE(`^Building dependency release=([^,]+), chart=`)
	// helmfileChanges is what helmfile diff --detailed-exitcode says when
	// a release has changes
	helmfileChanges = "Identified at least one change"
)

func (s *stream) parseHelmfile() {
	plan, errs := s.plan, s.errs
	plan.Format = FormatHelmfile
	opts := *s.opts // the release namespace changes per release
	bp := newBlockParser(s.in, &opts, plan, errs, s.table)
	affected := false
	type said struct {
		name    string
		pos     Pos
		deleted bool
	}
	var changed []said   // the releases helmfile's summary names
	var announced []said // the releases whose dependencies helmfile built
	for {
		l, ok := s.nextText()
		if !ok {
			break
		}
		t := l.text
		pos := Pos{Line: l.no}
		if m := comparingRE().FindStringSubmatch(t); m != nil {
			plan.Releases = append(plan.Releases, Release{Name: strings.Clone(m[1]), Chart: strings.Clone(m[2]), Namespace: strings.Clone(m[3]), Pos: pos})
			r := plan.Releases[len(plan.Releases)-1]
			bp.release, bp.opts.Namespace = r.Name, r.Namespace
			affected = false
			continue
		}
		if h, isHeader := parseHeader(t, pos); isHeader {
			if len(plan.Releases) == 0 {
				errs.Add(pos, "an object diff before any \"Comparing release=\" line")
			}
			bp.entry(h)
			continue
		}
		switch {
		case isBlank(t):
		case t == "Affected releases are:":
			affected = true
		case affected && helmfileAffectedRE().MatchString(t):
			m := helmfileAffectedRE().FindStringSubmatch(t)
			changed = append(changed, said{strings.Clone(m[1]), pos, m[2] == " DELETED"})
		case t == helmfileChanges:
			if s.changesSaid == 0 {
				s.changesSaid = l.no
			}
		case helmfileBuildingRE().MatchString(t):
			announced = append(announced, said{name: strings.Clone(helmfileBuildingRE().FindStringSubmatch(t)[1]), pos: pos})
		case helmfileInfoRE().MatchString(t):
		default:
			s.wrapperLine(l, "not part of a helmfile diff: expected \"Comparing release=…\", an object header or helm-diff output")
		}
	}
	// helmfile names each release whose diff found changes: one that
	// shows no object (and no error) was cut from the stream
	var shown map[string]bool // the releases with an object or an error
	if len(changed) > 0 {
		shown = map[string]bool{}
		for _, o := range plan.Objects {
			shown[o.Release] = true
		}
		for _, r := range plan.Releases {
			shown[r.Name] = shown[r.Name] || r.Error != ""
		}
	}
	for _, c := range changed {
		switch {
		case shown[c.name]:
		case c.deleted:
			// a release marked installed: false that is installed: helmfile
			// uninstalls it, and diffs nothing of it
			errs.Add(c.pos, "helmfile will uninstall release %s (installed: false), and the stream does not show what that deletes: safediff cannot judge it; review its objects (helm get manifest %s) before helmfile apply", c.name, c.name)
		default:
			errs.Add(c.pos, "helmfile says release %s has changes, but the stream shows no object of it (the output was cut or edited): review the whole output", c.name)
		}
	}
	// helmfile compares every release whose chart it prepared: one it
	// announced and never compared was cut from the stream (plain helmfile
	// diff prints no summary that would tell). Releases of one name (in
	// other namespaces) are counted: the lines do not name the namespace.
	compared := map[string]int{}
	for _, r := range plan.Releases {
		compared[r.Name]++
	}
	for _, a := range announced {
		if compared[a.name] > 0 {
			compared[a.name]--
			continue
		}
		if !slices.ContainsFunc(changed, func(c said) bool { return c.name == a.name && c.deleted }) {
			errs.Add(a.pos, "helmfile prepared release %s here, but the stream has no \"Comparing release=%s\" line for it: the output was cut, or helmfile did not diff the release (a new one under --skip-diff-on-install): either way safediff cannot judge what helmfile does to it; review the whole output", a.name, a.name)
		}
	}
	if len(errs.List) == 0 && len(plan.Objects) == 0 {
		plan.NoChanges = true
	}
}
