package diffparse

import (
	"fmt"
	"github.com/safediff/safediff/pkg/diag"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/safediff/safediff/pkg/kube"
)

// This file reads the stream of Stevedore's plan and apply (the grammar is
// in Stevedore's cmd/manifest and pkg/helm; see docs): a context block and
// reporter lines, then per manifest file and release either an error, the
// helm-diff text (Stevedore embeds helm-diff with five lines of context and
// Secret data in clear), or "Applied Successfully"; then the "Release
// changes" and "File changes" tables, an error summary, and, with -a -,
// the artifacts as YAML. Everything is cross-checked: an object in a diff
// that the tables do not list, or the reverse, is an error.

var (
	stevedoreReporterRE = lazyRE(`^(Using context .+|No envs found|Using \d+ env files\(s\):|No ignore rules found|Found \d+ ignore rule\(s\)|No overrides found|Found \d+ override\(s\)|\d+ releases\(s\) are ignored:|Processing \d+ manifest file\(s\)|No manifest file found)$`)
	stevedoreListRE     = lazyRE(`^  - (.+)$`)
	stevedoreIgnoredRE  = lazyRE(`^  - '([^']+)' is ignored\. Reason: (.*)$`)
	stevedoreNumberedRE = lazyRE(`^\d+\. (.*)$`)
	stevedoreContextRE  = lazyRE(`^(Name|Type|Environment|Kubernetes Context|Environment Type|KubeConfig File): ?(.*)$`)
	klogRE              = lazyRE(`^[WIE]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\] `)
)

// tableEntry is one row of Stevedore's "Release changes" table.
type tableEntry struct {
	sym  byte // '+', '~' or '-'
	kind string
	name string
	line int
}

type stevedoreState struct {
	bp        *blockParser
	plan      *Plan
	errs      *errList
	file      string
	release   int // index into plan.Releases, -1 before any
	relByName map[string]int
	applied   map[int]bool
	table     map[string][]tableEntry
	tableAt   int // line of "Release changes:", 0 if none
	files     map[string][3]int
	filesAt   int
	context   map[string]string
}

func (s *stream) parseStevedore() {
	in, plan, errs := s.in, s.plan, s.errs
	plan.Format = FormatStevedore
	st := &stevedoreState{
		bp: newBlockParser(in, s.opts, plan, errs, s.table), plan: plan, errs: errs, release: -1,
		relByName: map[string]int{}, applied: map[int]bool{}, table: map[string][]tableEntry{},
		files: map[string][3]int{}, context: map[string]string{},
	}
	inContext := 0 // 1: after "Context Details:", 2: after its first dashes
	noChanges := false
	for {
		l, ok := s.nextText()
		if !ok {
			break
		}
		t := l.text
		pos := Pos{Line: l.no}
		if inContext > 0 {
			switch {
			case strings.HasPrefix(t, "------------------"):
				inContext++
				if inContext == 3 {
					inContext = 0
				}
				continue
			case inContext == 2:
				if m := stevedoreContextRE().FindStringSubmatch(t); m != nil {
					st.context[m[1]] = strings.TrimSpace(m[2])
					continue
				}
				errs.Add(pos, "unexpected line in Stevedore's context block")
				continue
			}
		}
		if h, isHeader := parseHeader(t, pos); isHeader {
			if st.release < 0 {
				errs.Add(pos, "an object diff before any ReleaseName: line")
			}
			st.bp.entry(h) // its body is consumed either way
			continue
		}
		switch {
		case isBlank(t):
		case t == "Context Details:":
			inContext = 1
		case strings.HasPrefix(t, "Confirm to apply:"):
			plan.Notes = append(plan.Notes, Note{Pos: pos, Text: "Stevedore asked to confirm the apply"})
		case stevedoreReporterRE().MatchString(t):
		case stevedoreIgnoredRE().MatchString(t):
			m := stevedoreIgnoredRE().FindStringSubmatch(t)
			plan.Notes = append(plan.Notes, Note{Pos: pos, Text: fmt.Sprintf("Stevedore ignored release %s (%s)", m[1], m[2])})
		case stevedoreListRE().MatchString(t) && st.release < 0:
			// file lists of the reporter lines
		case t == "No changes in the plan":
			noChanges = true
		case strings.HasPrefix(t, "File: "):
			st.file = strings.Clone(strings.TrimPrefix(t, "File: "))
		case strings.HasPrefix(t, "ReleaseName: "):
			name := strings.Clone(strings.TrimSpace(strings.TrimPrefix(t, "ReleaseName: ")))
			st.release = len(plan.Releases)
			st.relByName[name] = st.release
			plan.Releases = append(plan.Releases, Release{Name: name, File: st.file, Pos: pos})
			st.bp.release, st.bp.file = name, st.file
		case strings.HasPrefix(t, "Error: ") && st.release >= 0 && plan.Releases[st.release].Error == "" && !isHelmDiffTrailer(t):
			msg := strings.TrimPrefix(t, "Error: ")
			plan.Releases[st.release].Error = helmText(msg)
			errs.Add(pos, "Stevedore could not plan release %s: %s", plan.Releases[st.release].Name, helmText(msg))
		case t == "Applied Successfully":
			if st.release < 0 {
				errs.Add(pos, "Applied Successfully before any ReleaseName: line")
				continue
			}
			st.applied[st.release] = true
		case t == "Release changes:":
			st.tableAt = l.no
			st.readReleaseTable(in)
		case t == "File changes:":
			st.filesAt = l.no
			st.readFileTable(in)
		case strings.HasPrefix(t, "Command failed: "):
			st.readFailures(in, pos, strings.TrimPrefix(t, "Command failed: "))
		case t == "---" && (st.tableAt > 0 || st.filesAt > 0):
			// the artifacts of plan -a - follow the summary tables
			st.readArtifacts(in)
		case t == "---":
			// before them, it would end an object's diff and read the
			// lines after it as values: a change there went unseen
			errs.Add(pos, "a document marker (---) before Stevedore's summary tables: no diff line starts with it, and the -a - artifacts come after the tables")
		default:
			s.wrapperLine(l, "not part of a Stevedore plan: expected File:, ReleaseName:, an object header or a summary table")
		}
	}
	if len(errs.List) > 0 {
		return
	}
	if name := st.context["Name"]; name != "" {
		kc := st.context["Kubernetes Context"]
		plan.Notes = append([]Note{{Text: fmt.Sprintf("Stevedore context %s (environment %s, kube context %s); note that Stevedore plans against helm's current kube context, which may differ", name, st.context["Environment"], kc)}}, plan.Notes...)
	}
	if noChanges {
		if len(plan.Releases) > 0 || len(plan.Objects) > 0 {
			errs.Add(Pos{}, "the stream says \"No changes in the plan\" but also lists releases")
			return
		}
		plan.NoChanges = true
		return
	}
	if len(plan.Releases) == 0 {
		if len(plan.Objects) == 0 {
			errs.Add(Pos{Line: in.no}, "a Stevedore stream without releases or \"No changes in the plan\" (truncated input?)")
		}
		return
	}
	st.fillNamespaces()
	st.crossCheck(in)
}

func isHelmDiffTrailer(t string) bool { return t == trailerDetailed || t == trailerPlugin }

// readReleaseTable reads the rows after "Release changes:". A row is
// "cell<TAB>cell<TAB>"; the first cell holds the release name, then
// "(file.yaml)", then nothing; a blank line ends a release.
func (st *stevedoreState) readReleaseTable(in *input) {
	l, ok, err := in.next()
	if err != nil {
		// a line that is no text (a NUL byte, bytes outside UTF-8)
		st.errs.add(err.(*diag.Error))
		return
	}
	if !ok || !strings.HasPrefix(l.text, "RELEASE") {
		st.errs.Add(Pos{Line: l.no}, "expected the RELEASE / MANIFEST CHANGES header of the Release changes table")
		return
	}
	current := ""
	for {
		l, ok, err := in.peek()
		if !ok || err != nil {
			return
		}
		t := l.text
		if isBlank(t) {
			in.next()
			current = ""
			continue
		}
		cells := strings.Split(t, "\t")
		if len(cells) != 3 || cells[2] != "" {
			return // the end of the table
		}
		in.next()
		first, change := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1])
		switch {
		case current == "" && first != "" && !strings.HasPrefix(first, "("):
			current = strings.Clone(first)
			if _, seen := st.table[current]; !seen {
				st.table[current] = []tableEntry{}
			}
		case current == "":
			st.errs.Add(Pos{Line: l.no}, "a Release changes row without a release name")
			continue
		}
		if change == "" {
			continue
		}
		e, ok := parseTableEntry(change)
		if !ok {
			st.errs.Add(Pos{Line: l.no}, "unreadable Release changes entry %s (want +Kind/name, ~Kind/name or -Kind/name)", excerpt(change))
			continue
		}
		e.line = l.no
		st.table[current] = append(st.table[current], e)
	}
}

func parseTableEntry(s string) (tableEntry, bool) {
	if len(s) < 4 || (s[0] != '+' && s[0] != '~' && s[0] != '-') {
		return tableEntry{}, false
	}
	kind, name, ok := strings.Cut(s[1:], "/")
	if !ok || kind == "" || name == "" {
		return tableEntry{}, false
	}
	return tableEntry{sym: s[0], kind: kube.Intern(kind), name: strings.Clone(name)}, true
}

// readFileTable reads the rows after "File changes:".
func (st *stevedoreState) readFileTable(in *input) {
	l, ok, err := in.next()
	if err != nil {
		// a line that is no text (a NUL byte, bytes outside UTF-8)
		st.errs.add(err.(*diag.Error))
		return
	}
	if !ok || !strings.HasPrefix(l.text, "FILENAME") {
		st.errs.Add(Pos{Line: l.no}, "expected the FILENAME / ADDITIONS / MODIFICATIONS / DESTRUCTIONS header of the File changes table")
		return
	}
	for {
		l, ok, err := in.peek()
		if !ok || err != nil || isBlank(l.text) {
			return
		}
		cells := strings.Split(l.text, "\t")
		if len(cells) != 5 || cells[4] != "" {
			return
		}
		in.next()
		var n [3]int
		for i := 0; i < 3; i++ {
			v, err := strconv.Atoi(strings.TrimSpace(cells[i+1]))
			if err != nil {
				st.errs.Add(Pos{Line: l.no}, "File changes: %s is not a count", excerpt(cells[i+1]))
				return
			}
			n[i] = v
		}
		st.files[strings.Clone(strings.TrimSpace(cells[0]))] = n
	}
}

// readFailures reads what follows "Command failed: msg", after which
// Stevedore exits with an error: the numbered errors of its "Failed with N
// Errors" summary, each repeating a release error (already reported) or
// naming a failure outside any release. Whatever msg says, the stream is
// not a plan that passed.
func (st *stevedoreState) readFailures(in *input, pos Pos, msg string) {
	defer func() {
		if len(st.errs.List) == 0 {
			st.errs.Add(pos, "Stevedore failed: %s", helmText(msg))
		}
	}()
	// the releases' errors (each clipped), by text, and their lengths: a
	// failure is known when one of them starts it (a failure is clipped
	// to 300 bytes, so at most that many lengths are tried)
	known := map[string]bool{}
	var lengths []int
	for _, r := range st.plan.Releases {
		if e := strings.TrimSuffix(r.Error, "…"); r.Error != "" && !known[e] {
			known[e] = true
			if !slices.Contains(lengths, len(e)) {
				lengths = append(lengths, len(e))
			}
		}
	}
	for len(st.errs.List) < maxErrors {
		l, ok, err := in.peek()
		if !ok || err != nil {
			return
		}
		if isBlank(l.text) {
			in.next()
			continue
		}
		m := stevedoreNumberedRE().FindStringSubmatch(l.text)
		if m == nil {
			return
		}
		in.next()
		failure, seen := helmText(m[1]), false
		for _, n := range lengths {
			seen = seen || n <= len(failure) && known[failure[:n]]
		}
		if !seen {
			st.errs.Add(Pos{Line: l.no}, "Stevedore failed: %s", failure)
		}
	}
}

// stevedoreManifestRE matches the top-level lines of a StevedoreManifest
// as Stevedore prints it (yaml.v2: lists are not indented under their key).
var stevedoreManifestRE = lazyRE(`^(---$|$|[ -]|(kind|version|deployTo|spec):)`)

// readArtifacts reads the StevedoreManifest documents of plan -a -: the
// release name, namespace and chart, nothing else (the values hold
// resolved secrets and are never kept). It stops before a line that is not
// part of a manifest, which the caller then reads.
func (st *stevedoreState) readArtifacts(in *input) {
	var rel Release
	flush := func() {
		if rel.Name == "" {
			return
		}
		if i, ok := st.relByName[rel.Name]; ok {
			st.plan.Releases[i].Namespace = rel.Namespace
			st.plan.Releases[i].Chart = rel.Chart
		}
		rel = Release{}
	}
	for {
		l, ok, err := in.peek()
		if !ok || err != nil || !stevedoreManifestRE().MatchString(l.text) {
			break
		}
		in.next()
		t := l.text
		if t == "---" {
			flush()
			continue
		}
		switch {
		case strings.HasPrefix(t, "    name: ") && rel.Name == "":
			rel.Name = strings.Clone(strings.TrimSpace(strings.TrimPrefix(t, "    name: ")))
		case strings.HasPrefix(t, "    namespace: ") && rel.Namespace == "":
			rel.Namespace = strings.Clone(strings.TrimSpace(strings.TrimPrefix(t, "    namespace: ")))
		case strings.HasPrefix(t, "    chart: ") && rel.Chart == "":
			rel.Chart = strings.Clone(strings.TrimSpace(strings.TrimPrefix(t, "    chart: ")))
		}
	}
	flush()
}

// fillNamespaces gives the objects whose diff header shows no namespace
// the namespace of their release, when the artifacts name it.
func (st *stevedoreState) fillNamespaces() {
	for _, o := range st.plan.Objects {
		if o.Ref.Namespace == "" && !kube.IsClusterScoped(o.Ref.Group, o.Ref.Kind) {
			if j, ok := st.relByName[o.Release]; ok {
				o.Ref.Namespace = st.plan.Releases[j].Namespace
			}
		}
	}
}

func tableSym(a Action) byte {
	switch a {
	case Create:
		return '+'
	case Delete:
		return '-'
	}
	return '~'
}

// crossCheck compares the objects of the diffs with the tables, and adds
// the objects of releases that were applied (apply prints tables, no
// diffs).
func (st *stevedoreState) crossCheck(in *input) {
	type key struct {
		sym        byte
		kind, name string
	}
	byRelease := map[string]map[key]*Object{}
	for _, o := range st.plan.Objects {
		if byRelease[o.Release] == nil {
			byRelease[o.Release] = map[key]*Object{}
		}
		k := key{tableSym(o.Action), o.Ref.Kind, o.Ref.Name}
		if o.Entry.Kind != "" {
			k = key{'~', o.Entry.Kind, o.Entry.Name} // a rename: the table lists its entry
		}
		byRelease[o.Release][k] = o
	}
	if len(st.plan.Objects) > 0 && st.tableAt == 0 {
		st.errs.Add(Pos{Line: in.no}, "the stream has diffs but no Release changes table (truncated input?)")
		return
	}
	for i, r := range st.plan.Releases {
		objs := byRelease[r.Name]
		rows, listed := st.table[r.Name]
		if st.applied[i] && len(objs) == 0 {
			// apply: the table is all there is
			if !listed || len(rows) == 0 {
				st.errs.Add(r.Pos, "Stevedore applied release %s, but apply output does not show what changed (it diffs an upgrade against the release it has just written); review the output of stevedore plan instead", r.Name)
				continue
			}
			for _, e := range rows {
				st.bp.table.add(tableObject(r, e))
			}
			st.plan.Notes = append(st.plan.Notes, Note{Pos: r.Pos, Text: fmt.Sprintf("release %s was already applied; the review lists its objects from Stevedore's summary table, without fields", r.Name)})
			continue
		}
		if len(objs) == 0 {
			if listed && len(rows) > 0 {
				st.errs.Add(Pos{Line: rows[0].line}, "the Release changes table lists %c%s/%s of release %s, but no diff of that release shows it (truncated input?)", rows[0].sym, rows[0].kind, rows[0].name, r.Name)
			} else {
				// Stevedore follows every ReleaseName: with a diff, an error
				// or "Applied Successfully"
				st.errs.Add(r.Pos, "release %s shows no diff, error or result (truncated input?)", r.Name)
			}
			continue
		}
		if !listed {
			st.errs.Add(r.Pos, "release %s has diffs, but the Release changes table does not list it (truncated input?)", r.Name)
			continue
		}
		seen := map[key]bool{}
		for _, e := range rows {
			k := key{e.sym, e.kind, e.name}
			if _, ok := objs[k]; !ok {
				st.errs.Add(Pos{Line: e.line}, "the Release changes table lists %c%s/%s for release %s, but its diffs do not show that change", e.sym, e.kind, e.name, r.Name)
			}
			seen[k] = true
		}
		keys := make([]key, 0, len(objs))
		for k := range objs {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(a, b int) bool { return objs[keys[a]].Pos.Line < objs[keys[b]].Pos.Line })
		for _, k := range keys {
			if !seen[k] {
				st.errs.Add(objs[k].Pos, "the diff of release %s shows %c%s/%s, but the Release changes table (line %d) does not list it", r.Name, k.sym, k.kind, k.name, st.tableAt)
			}
		}
	}
	for name := range st.table {
		if _, ok := st.relByName[name]; !ok {
			st.errs.Add(Pos{Line: st.tableAt}, "the Release changes table lists release %s, which the stream never introduces with ReleaseName:", name)
		}
	}
	// per-file counts
	if len(st.files) == 0 && st.tableAt > 0 {
		st.errs.Add(Pos{Line: st.tableAt}, "a Release changes table without its File changes table (truncated input?)")
		return
	}
	got := map[string][3]int{}
	for _, o := range st.plan.Objects {
		n := got[path.Base(o.File)]
		switch {
		case o.Entry.Kind != "":
			// a rename is one entry, a modification: count it once, by
			// its deletion
			if o.Action == Delete {
				n[1]++
			}
		case o.Action == Create:
			n[0]++
		case o.Action == Delete:
			n[2]++
		default:
			n[1]++
		}
		got[path.Base(o.File)] = n
	}
	for f, want := range st.files {
		if got[f] != want {
			st.errs.Add(Pos{Line: st.filesAt}, "the File changes table counts %d/%d/%d additions/modifications/destructions for %s, but the diffs show %d/%d/%d", want[0], want[1], want[2], f, got[f][0], got[f][1], got[f][2])
		}
	}
	for f := range got {
		if _, ok := st.files[f]; !ok && st.filesAt > 0 {
			st.errs.Add(Pos{Line: st.filesAt}, "the File changes table does not list %s, which has changes", f)
		}
	}
}

// tableObject builds an object from a table row: its kind and name only.
func tableObject(r Release, e tableEntry) *Object {
	o := &Object{
		Ref:     kube.ObjectRef{Group: kube.GroupOf(e.kind), Kind: e.kind, Namespace: r.Namespace, Name: e.name},
		Pos:     Pos{Line: e.line},
		Release: r.Name, File: r.File, Content: ObjectOnly,
	}
	switch e.sym {
	case '+':
		o.Action = Create
	case '-':
		o.Action = Delete
	default:
		o.Action = Update
	}
	return o
}
