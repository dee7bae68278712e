package diffparse

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/safediff/safediff/pkg/diag"
	"github.com/safediff/safediff/pkg/kube"
)

// Options control [Parse].
type Options struct {
	// Format forces an input format; FormatAuto detects it.
	Format Format
	// Facts lists fields whose values classification needs (the replica
	// count, the update strategy, …). Their values are looked up on both
	// sides of every object and kept in [Object.Facts]; everything else
	// about the bodies is dropped once the changes are known.
	Facts []kube.Path
	// Namespace is the release namespace, used for objects identified from
	// their body (helm diff release) that do not state one.
	Namespace string
	// MaxInput limits the size of the input; 0 means [DefaultMaxInput].
	// It is at most [MaxInputLimit].
	MaxInput int64
	// Workers is how many objects of helm-diff's diff format are analysed
	// at once, on as many goroutines while the input is read on; 0 means
	// runtime.GOMAXPROCS, 1 analyses each object as it is read. The plan
	// (and any error) is the same for every value.
	Workers int
}

// workers returns the number of workers for Options.Workers n: at most
// four per CPU (more only wait for one, and cost memory).
func workers(n int) int {
	if n <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return min(n, 4*runtime.GOMAXPROCS(0))
}

const maxErrors = 20

// ErrUnsupported is wrapped by errors about input formats safediff does not
// read (helm-diff --output dyff, custom templates, anything else).
var ErrUnsupported = errors.New("unsupported input")

// Parse reads helm-diff output (or a wrapper's stream that embeds it) and
// returns the changed objects. Input it does not understand is an error
// naming the line, never a partial result: a gate must not pass what it
// could not read. Empty input is a plan with no objects and NoChanges set.
func Parse(r io.Reader, opts Options) (plan *Plan, err error) {
	if recoverPanics {
		// a last resort: a panic would exit 2, which reads as a tripped
		// gate; an error judges nothing (the fuzz tests run without it, so
		// that they see the panic)
		defer func() {
			if r := recover(); r != nil {
				plan, err = nil, fmt.Errorf("safediff could not read the input: internal error (%v); please report it", r)
			}
		}()
	}
	if opts.Format < 0 || int(opts.Format) >= len(formatNames) {
		return nil, fmt.Errorf("unknown input format %d", int(opts.Format))
	}
	return parseInput(newInput(r, opts.MaxInput), &opts)
}

// recoverPanics turns a panic of the reader into an error.
var recoverPanics = true

// ParseString is [Parse] on a string.
func ParseString(s string, opts Options) (*Plan, error) {
	return Parse(strings.NewReader(s), opts)
}

// stream is the state of one parse, shared by the format front-ends.
type stream struct {
	in    *input
	opts  *Options
	plan  *Plan
	errs  *errList
	table *objectTable
	// changesSaid is the line of a trailer saying that the diff found
	// changes (helm-diff --detailed-exitcode, helmfile), 0 if none.
	changesSaid int
	// bp analyses objects on a pipeline (the diff format), nil otherwise
	bp *blockParser
}

// frozen reports whether the object pipeline reached the error limit: a
// serial parse would have stopped reading.
func (s *stream) frozen() bool { return s.bp != nil && s.bp.frozen() }

func parseInput(in *input, opts *Options) (*Plan, error) {
	format := opts.Format
	first, firstAt, err := firstContent(in)
	if err != nil {
		return nil, err
	}
	if first == "" && format != FormatStevedore {
		if err := in.finish(); err != nil {
			return nil, err
		}
		return &Plan{Format: format, NoChanges: true, FactPaths: opts.Facts}, nil
	}
	if format == FormatAuto {
		format, err = detect(in, first, firstAt)
		if err != nil {
			return nil, err
		}
	}
	plan := &Plan{Format: format, FactPaths: opts.Facts}
	s := &stream{in: in, opts: opts, plan: plan, errs: &errList{}}
	s.table = newObjectTable(plan, s.errs)
	switch format {
	case FormatDiff:
		s.parseDiff()
	case FormatSimple:
		s.parseSimple()
	case FormatJSON, FormatStructured:
		s.parseJSON(format)
	case FormatStevedore:
		s.parseStevedore()
	case FormatHelmfile:
		s.parseHelmfile()
	default:
		return nil, fmt.Errorf("input format %s cannot be parsed", format)
	}
	if err := in.finish(); err != nil {
		// the parser saw an early end of the input as its end
		return nil, err
	}
	if s.changesSaid > 0 && len(plan.Objects) == 0 && len(s.errs.List) == 0 {
		s.errs.Add(Pos{Line: s.changesSaid}, "the stream says the diff found changes, but it lists no object (helm-diff drops objects it cannot key from some formats, or the output was cut): re-run helm diff with --output diff")
	}
	if err := s.errs.Err(); err != nil {
		return nil, err
	}
	addNotes(plan)
	suppressedLines(plan)
	existingNamespaces(plan)
	plan.Notes = dedupeNotes(plan.Notes)
	return plan, nil
}

// existingNamespaces adds a refusal to each Namespace the plan creates
// where the plan changes, deletes or takes over an object in it: the
// namespace exists, and it is not the release's (a Namespace of the
// release would be in the diff as it is). helm creates only what does not
// exist; an object that exists it takes over only where it carries the
// release's ownership labels and annotations, and else refuses the
// upgrade ("exists and cannot be imported into the current release"). A
// chart's createNamespace toggle for the release's own namespace,
// installed with --create-namespace, fails there. Existence is the
// cluster's: an object of another release of the stream shows it too.
func existingNamespaces(plan *Plan) {
	var existing map[string]*Object // a namespace, and an object that shows it exists
	for _, o := range plan.Objects {
		if o.Ref.Namespace == "" || o.Action != Update && o.Action != Delete && o.Action != Ownership {
			continue
		}
		if existing == nil {
			existing = map[string]*Object{}
		}
		if _, ok := existing[o.Ref.Namespace]; !ok {
			existing[o.Ref.Namespace] = o
		}
	}
	for _, o := range plan.Objects {
		if o.Action != Create || o.Ref.Group != "" || o.Ref.Kind != "Namespace" {
			continue
		}
		in, ok := existing[o.Ref.Name]
		if !ok {
			continue
		}
		how := map[Action]string{Update: "changes", Delete: "deletes", Ownership: "takes over"}[in.Action]
		where := ""
		if in.Pos.Line > 0 {
			where = fmt.Sprintf(", line %d", in.Pos.Line)
		}
		o.Refused = append(o.Refused, Note{Pos: o.Pos, Text: fmt.Sprintf(
			"Namespace %s exists (the upgrade %s %s in it%s), and helm creates only what does not exist: it takes an existing object over only where that carries this release's ownership labels and annotations, else it refuses (%q)",
			o.Ref.Name, how, in.Ref.Display(), where, "exists and cannot be imported into the current release")})
	}
}

// suppressedLines marks every object of a plan whose diff helm-diff
// filtered by line (--suppress-output-line-regex: an object's diff was
// empty after it) as shown in part: the filter removes context lines
// too, so a field the rules need that the body does not show (replicas,
// a retention policy) may be there, and counts as its worst.
func suppressedLines(plan *Plan) {
	if !plan.linesSuppressed {
		return
	}
	for _, o := range plan.Objects {
		if o.Content == Complete {
			o.Content = Partial
		}
		o.FactsComplete = [2]bool{}
		if o.Action == Update && o.Content != Suppressed {
			// a changed line may be gone too: any field may change
			o.Unresolved = append(o.Unresolved, Note{Pos: o.Pos, Text: "helm-diff's --suppress-output-line-regex may have removed changed lines of it"})
		}
	}
	plan.Notes = append(plan.Notes, Note{Text: "helm-diff removed lines from the diff (--suppress-output-line-regex: an object's diff is empty after suppression), context lines included: a field the rules need that is not shown counts as its worst; re-run helm diff without it for an exact review"})
}

// nextText returns the next line of the input that is text, adding the
// others (binary data, control characters) to errs. ok is false at the end
// of the input, and once errs holds maxErrors.
func (s *stream) nextText() (iline, bool) {
	for len(s.errs.List) < maxErrors && !s.frozen() {
		l, ok, err := s.in.next()
		if !ok {
			return iline{}, false
		}
		if err == nil {
			return l, true
		}
		s.errs.add(err.(*diag.Error))
	}
	return iline{}, false
}

// firstContent consumes the blank lines that start the input and returns
// the first other line, left in the look-ahead queue at position 0.
func firstContent(in *input) (string, int, error) {
	for {
		l, ok, err := in.peekAt(0)
		if err != nil {
			return "", 0, err
		}
		if !ok {
			return "", 0, nil
		}
		if strings.TrimSpace(l.text) != "" {
			return l.text, 0, nil
		}
		in.next()
	}
}

var (
	simpleLineRE = lazyRE(`^(.*), (.*), (\S+) \((.*)\) (to be added\.|to be removed\.|to be changed\.|to change ownership\.|has changed, but diff is empty after suppression\.)$`)
	planLineRE   = lazyRE(`^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy(?:, (\d+) to change ownership)?\.$`)
	dyffRE       = lazyRE(`^(± |⇆ |- one document removed|\+ one document added|\(root level\)|\(file level\))|  \([^()/]+(/[^()/]+)+\)$`)
	stevedoreRE  = lazyRE(`^(Context Details:|File: |ReleaseName: |No changes in the plan$|Using context |Processing \d+ manifest file)`)
	bannerRE     = lazyRE(`^\*{5,}$`)
	// klogWarningRE is the API server's warning as client-go logs it
	// through klog, at level I (helm 3.22) or W, with the month first:
	// I1206 19:10:06.440801   32733 warnings.go:110] "Warning: ..."
	klogWarningRE = lazyRE(`^[IW]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ warnings\.go:\d+\] `)
	// newReleaseBanner is what helm-diff says between its banners when
	// --allow-unreleased diffs a release not yet installed: not a failure
	newReleaseBanner = "Release was not present in Helm.  Diff will show entire contents as new."
)

// helmfilePrefix starts the line helmfile prints before each release's diff.
const helmfilePrefix = "Comparing release="

// detectLines bounds how far format detection looks ahead.
const detectLines = 64

// maxPreamble bounds the lines detect looks at: helmfile's lines of its
// own before its first diff (one per release it builds a chart of) do not
// count toward detectLines.
const maxPreamble = 1 << 14

// detect guesses the format from the first lines (at most detectLines of
// look-ahead; nothing is consumed).
func detect(in *input, first string, at int) (Format, error) {
	t := strings.TrimSpace(first)
	firstNo := in.no + at + 1
	switch {
	case strings.HasPrefix(t, "["):
		if structuredLooking(in) {
			return FormatStructured, nil
		}
		return FormatJSON, nil
	// each expression is tried only where a cheap test of what it needs
	// (its first letters, its last character) passes: a helm-diff header
	// compiles none of them
	case strings.HasPrefix(first, helmfilePrefix):
		return FormatHelmfile, nil
	case first != "" && strings.IndexByte("CFRNUP", first[0]) >= 0 && stevedoreRE().MatchString(first):
		return FormatStevedore, nil
	case strings.HasPrefix(first, "Plan: ") && planLineRE().MatchString(first):
		return FormatSimple, nil
	case strings.HasSuffix(first, ".") && simpleLineRE().MatchString(first):
		// "has changed, but diff is empty after suppression." is printed by
		// both the diff and the simple formats: the next line decides.
		if !strings.HasSuffix(first, "after suppression.") || nextSaysSimple(in, at) {
			return FormatSimple, nil
		}
	}
	if _, ok := parseHeader(first, Pos{}); ok {
		return FormatDiff, nil
	}
	complaint := strings.HasPrefix(first, "WARNING: ") || strings.HasPrefix(first, "Error: ") || bannerRE().MatchString(first) || klogWarningRE().MatchString(first)
	// look a little further: wrappers print lines of their own first (a
	// helm warning too; helmfile a line for each release whose chart it
	// builds, which do not count), and some formats we refuse have
	// tell-tale lines
	for k, counted := 0, 0; counted < detectLines && k < maxPreamble; k++ {
		l, ok, _ := in.peekAt(k)
		if !ok {
			break
		}
		if !helmfileInfoRE().MatchString(l.text) {
			counted++
		}
		if strings.HasPrefix(l.text, helmfilePrefix) {
			return FormatHelmfile, nil
		}
		if complaint && l.text != "" && strings.IndexByte("CFRNUP", l.text[0]) >= 0 && stevedoreRE().MatchString(l.text) {
			return FormatStevedore, nil
		}
		if complaint {
			if _, ok := parseHeader(l.text, Pos{}); ok {
				break // helm-diff's own output after the warning
			}
		}
		if strings.HasSuffix(strings.TrimSpace(l.text), "error processing report entry") {
			// helm-diff's log line (stderr, with 2>&1) for an object it
			// drops from the json and template formats
			return 0, newError(Pos{Line: l.no}, fmt.Sprintf("%v: helm-diff left an object out of its output here (\"error processing report entry\"): its json and template formats drop every object whose key they cannot read (a name with ':', '_' or capitals, an empty namespace), so the objects listed are not all that change; re-run helm diff with --output diff", ErrUnsupported))
		}
		if dyffRE().MatchString(l.text) {
			return 0, newError(Pos{Line: l.no}, fmt.Sprintf("%v: this is helm-diff's dyff output, which is meant for people and cannot be read reliably; re-run helm diff with --output diff (or --output structured)", ErrUnsupported))
		}
	}
	if complaint {
		// helm or helm-diff complained before any output: the diff parser
		// reports it precisely.
		return FormatDiff, nil
	}
	return 0, newError(Pos{Line: firstNo}, fmt.Sprintf("%v: this is not helm-diff output that safediff can read; re-run helm diff with --output diff", ErrUnsupported))
}

// nextSaysSimple reports whether the first line after the one at look-ahead
// position at that is not an "empty after suppression" line belongs to the
// simple format.
func nextSaysSimple(in *input, at int) bool {
	for k := at + 1; k < at+detectLines; k++ {
		l, ok, _ := in.peekAt(k)
		if !ok {
			return false
		}
		switch {
		case strings.TrimSpace(l.text) == "":
			continue
		case planLineRE().MatchString(l.text):
			return true
		case simpleLineRE().MatchString(l.text):
			if !strings.HasSuffix(l.text, "after suppression.") {
				return true
			}
			continue
		}
		return false
	}
	return false
}

// structuredLooking reports whether a JSON array holds helm-diff structured
// entries (changeType) rather than --output json entries (change).
func structuredLooking(in *input) bool {
	for k := 0; k < detectLines; k++ {
		l, ok, _ := in.peekAt(k)
		if !ok {
			return false
		}
		if strings.Contains(l.text, `"changeType"`) || strings.Contains(l.text, `"apiVersion"`) {
			return true
		}
		if strings.Contains(l.text, `"change"`) || strings.Contains(l.text, `"api"`) {
			return false
		}
	}
	return false
}

// parseDiff reads helm-diff's default output.
func (s *stream) parseDiff() {
	bp := newBlockParser(s.in, s.opts, s.plan, s.errs, s.table)
	bp.workers = workers(s.opts.Workers)
	if bp.workers > 1 {
		// objects are analysed on a pipeline: what the reader adds waits
		// for the objects before it
		s.bp, s.errs.sync = bp, bp.sync
		defer func() { s.bp, s.errs.sync = nil, nil }()
		defer bp.stop()
	}
	for {
		l, ok := s.nextText()
		if !ok {
			break
		}
		if h, isHeader := parseHeader(l.text, Pos{Line: l.no}); isHeader {
			bp.entry(h)
			continue
		}
		if !s.topLevelLine(s.in, l) {
			if isBodyLine(l.text) {
				s.errs.Add(Pos{Line: l.no}, "diff line outside of any object (is the input cut at the start?)")
			} else {
				s.errs.Add(Pos{Line: l.no}, "not helm-diff output: expected an object header such as \"default, web, Deployment (apps) has changed:\"")
			}
		}
	}
	bp.finish()
}

// topLevelLine handles the lines that may appear between helm-diff entries
// (read from in): blank lines, helm's warnings, the --detailed-exitcode
// trailer and helm or helm-diff errors. It reports whether the line was
// one of them.
func (s *stream) topLevelLine(in *input, l iline) bool {
	t := l.text
	switch {
	case strings.TrimSpace(t) == "":
		return true
	case t == trailerDetailed:
		if s.changesSaid == 0 {
			s.changesSaid = l.no
		}
		return true
	case t == trailerPlugin:
		if s.changesSaid == 0 {
			s.errs.Add(Pos{Line: l.no}, "helm diff failed (helm reported: plugin \"diff\" exited with error)")
		}
		return true
	case strings.HasPrefix(t, "WARNING: "), klogWarningRE().MatchString(t):
		s.note(Note{Pos: Pos{Line: l.no}, Text: "helm warned: " + strings.TrimPrefix(t, "WARNING: ")})
		return true
	case bannerRE().MatchString(t):
		// helm-diff's message between two lines of asterisks: a closing
		// line must come, and nothing of a diff may stand between them
		var msg []string
		closed, diffLines := false, false
		for {
			m, ok, _ := in.next()
			if !ok {
				break
			}
			if bannerRE().MatchString(m.text) {
				closed = true
				break
			}
			if s := strings.TrimSpace(m.text); s != "" {
				msg = append(msg, s)
				_, header := parseHeader(m.text, Pos{})
				diffLines = diffLines || header || isBodyLine(m.text)
			}
		}
		if !closed {
			s.errs.Add(Pos{Line: l.no}, "helm-diff's banner (a line of asterisks) is not closed: the output ends inside it (cut short?)")
			return true
		}
		if diffLines {
			// what it swallowed is not quoted: it may be a Secret's
			s.errs.Add(Pos{Line: l.no}, "helm-diff's banner holds lines of a diff: altered or interleaved output")
			return true
		}
		text := strings.Join(msg, " ")
		if text == newReleaseBanner {
			// helm diff upgrade --allow-unreleased, for a release not yet installed
			s.note(Note{Pos: Pos{Line: l.no}, Text: "helm-diff: " + text})
			return true
		}
		s.errs.Add(Pos{Line: l.no}, "helm diff failed: %s", helmText(text))
		return true
	case strings.HasPrefix(t, "Error: "):
		s.errs.Add(Pos{Line: l.no}, "helm diff failed: %s", helmText(strings.TrimPrefix(t, "Error: ")))
		return true
	}
	return false
}

// wrapperLine handles a line of a wrapper's stream (Stevedore, helmfile)
// that is none of the wrapper's own: a warning, a line helm-diff prints
// between entries, or else an error saying what was expected.
func (s *stream) wrapperLine(l iline, expected string) {
	t, pos := l.text, Pos{Line: l.no}
	switch {
	case strings.HasPrefix(t, "WARNING: "), klogRE().MatchString(t):
		s.note(Note{Pos: pos, Text: "warning in the stream: " + clip(diag.CutQuotedObjects(strings.TrimPrefix(t, "WARNING: ")), 200)})
	case s.topLevelLine(s.in, l):
	case isBodyLine(t):
		s.errs.Add(pos, "diff line outside of any object (is the input cut?)")
	default:
		s.errs.Add(pos, "%s", expected)
	}
}

// note adds a note of the reader's own to the plan, after those of the
// objects before it.
func (s *stream) note(n Note) {
	if s.errs.sync != nil {
		s.errs.sync()
	}
	s.plan.Notes = append(s.plan.Notes, n)
}

// helmText is a message of helm (or helm-diff, or the API server through
// them) as an error quotes it: cut before any object it quotes (a refused
// patch of a Secret quotes its data), and clipped.
func helmText(s string) string { return clip(diag.CutQuotedObjects(s), 300) }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// dedupeNotes keeps the first of notes with the same text.
func dedupeNotes(notes []Note) []Note {
	seen := map[string]bool{}
	out := notes[:0]
	for _, n := range notes {
		if !seen[n.Text] {
			seen[n.Text] = true
			out = append(out, n)
		}
	}
	return out
}

// addNotes records what the reader should know about the input format.
func addNotes(plan *Plan) {
	partial := false
	for _, o := range plan.Objects {
		if o.Content == Partial && plan.Format != FormatStructured {
			partial = true
			break
		}
	}
	switch plan.Format {
	case FormatSimple:
		plan.Notes = append(plan.Notes, Note{Text: "helm-diff --output simple shows objects, not fields: every changed object is judged by the worst its changes could be, and every new one as one the API server may refuse; re-run helm diff with --output diff for a field-level review"})
	case FormatJSON:
		plan.Notes = append(plan.Notes, Note{Text: "helm-diff --output json shows objects, not fields, and drops objects whose key it cannot parse (names with ':', '_' or capitals, empty namespaces); re-run helm diff with --output diff for a complete, field-level review"})
	case FormatStructured:
		plan.Notes = append(plan.Notes, Note{Text: "helm-diff --output structured addresses list items by position, not by name, and shows no fields for added or removed objects"})
	}
	if partial {
		plan.Notes = append(plan.Notes, Note{Text: "the diff shows only some lines around each change (--context or a wrapper's default); fields whose ancestors were cut are marked with a leading '...' and judged by every place they could be; " + fullContextHint + " for an exact review"})
	}
}
