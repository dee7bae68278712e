package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/safediff/safediff/pkg/classify"
	"github.com/safediff/safediff/pkg/diffparse"
	"github.com/safediff/safediff/pkg/kube"
	"github.com/safediff/safediff/pkg/rules"
)

// SchemaVersion is the version of the JSON report. Additions keep the
// version; a change that could break a reader bumps it.
//
// Version 2: a field the rules need that the input does not show counts as
// its worst value (changes[].missing lists it) instead of being left
// unchecked (changes[].unchecked is gone); gate.summary is the verdict's
// line; gate.failOn is empty when the judge uses no thresholds;
// changes[].lowered names the default decision a user rule lowered.
const SchemaVersion = 2

// JSON renders the report as a versioned JSON document: the contract for
// tools. Every change is included, ignored ones too. Sensitive values
// appear only as their size.
type JSON struct {
	// Workers is how many goroutines render objects at once; 0 means
	// runtime.GOMAXPROCS, 1 renders them one after the other. The output
	// is the same for every value.
	Workers int
}

// JSONReport is the JSON document.
type JSONReport struct {
	SchemaVersion int           `json:"schemaVersion"`
	Input         JSONInput     `json:"input"`
	Summary       JSONSummary   `json:"summary"`
	Gate          JSONGate      `json:"gate"`
	Notes         []JSONNote    `json:"notes"`
	Releases      []JSONRelease `json:"releases,omitempty"`
	Objects       []JSONObject  `json:"objects"`
}

// JSONInput describes what was read.
type JSONInput struct {
	Source    string `json:"source,omitempty"`
	Format    string `json:"format"`
	NoChanges bool   `json:"noChanges"`
}

// JSONSummary counts objects per action and level. Kept counts the
// deletions (counted in Actions["delete"] too) that helm skips: a hook's
// object, an object of resource policy keep; it is left out when there are
// none.
type JSONSummary struct {
	Highest string         `json:"highest"`
	Objects int            `json:"objects"`
	Actions map[string]int `json:"actions"`
	Kept    int            `json:"kept,omitempty"`
	Levels  map[string]int `json:"levels"`
}

// JSONGate is the gate and its verdict. FailOn is the default threshold
// of a threshold gate, empty when the verdict came from a judge without
// thresholds; Offending lists the objects with offending findings.
type JSONGate struct {
	FailOn    string              `json:"failOn"`
	Releases  []JSONReleaseFailOn `json:"releases,omitempty"`
	Tripped   bool                `json:"tripped"`
	ExitCode  int                 `json:"exitCode"`
	Summary   string              `json:"summary"`
	Offending []string            `json:"offending"`
}

// JSONReleaseFailOn is a release-scoped threshold.
type JSONReleaseFailOn struct {
	Pattern string `json:"pattern"`
	FailOn  string `json:"failOn"`
}

// JSONNote is a remark about the input.
type JSONNote struct {
	Line int    `json:"line,omitempty"`
	Text string `json:"text"`
}

// JSONRelease summarises one release of a multi-release plan.
type JSONRelease struct {
	Name    string         `json:"name"`
	File    string         `json:"file,omitempty"`
	Highest string         `json:"highest"`
	FailOn  string         `json:"failOn"`
	Tripped bool           `json:"tripped"`
	Error   string         `json:"error,omitempty"`
	Actions map[string]int `json:"actions"`
	Levels  map[string]int `json:"levels"`
}

// JSONObject is one changed object.
type JSONObject struct {
	Ref       string `json:"ref"`
	Group     string `json:"group"`
	Version   string `json:"version,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Release   string `json:"release,omitempty"`
	File      string `json:"file,omitempty"`
	Action    string `json:"action"`
	Level     string `json:"level"`
	Rule      string `json:"rule"`
	Reason    string `json:"reason"`
	Line      int    `json:"line,omitempty"`
	Source    string `json:"source,omitempty"`
	Content   string `json:"content"`
	// Hook is what helm does with a helm hook's object (idle: the upgrade
	// does not run it; kept: not deleted; recreated: created anew;
	// created: created anew where its last run's object may be;
	// to-resource: it stops being one; leaves-release: a resource that
	// becomes one, or moves to the chart's crds/ directory, and is
	// deleted); empty for a resource of the release.
	Hook     string       `json:"hook,omitempty"`
	Culprits []string     `json:"culprits,omitempty"`
	OldOwner string       `json:"oldOwner,omitempty"`
	NewOwner string       `json:"newOwner,omitempty"`
	Changes  []JSONChange `json:"changes"`
}

// JSONChange is the verdict on one change. Path is empty for a finding
// about the object as a whole (creation, deletion, ownership), "..." for
// changes the input hides; it starts with "..." when the change's
// ancestors were elided. Missing lists the object fields the rules needed
// and the input did not show (they counted as their worst value); Lowered
// is set when a user rule lowered what the default rules put at
// disruptive or destructive.
type JSONChange struct {
	Path         string       `json:"path"`
	Op           string       `json:"op"`
	Old          *JSONValue   `json:"old,omitempty"`
	New          *JSONValue   `json:"new,omitempty"`
	Level        string       `json:"level"`
	Rule         string       `json:"rule"`
	Reason       string       `json:"reason"`
	Line         int          `json:"line,omitempty"`
	Object       bool         `json:"object,omitempty"`
	Approximate  bool         `json:"approximate,omitempty"`
	Place        string       `json:"place,omitempty"`
	Places       int          `json:"places,omitempty"`
	Assumed      bool         `json:"assumed,omitempty"`
	Assumptions  []string     `json:"assumptions,omitempty"`
	Replace      bool         `json:"replace,omitempty"`
	MaybeReplace bool         `json:"maybeReplace,omitempty"`
	Also         []string     `json:"also,omitempty"`
	Missing      []string     `json:"missing,omitempty"`
	Lowered      *JSONLowered `json:"lowered,omitempty"`
	Accepted     bool         `json:"accepted,omitempty"`
	AcceptReason string       `json:"acceptReason,omitempty"`
}

// JSONLowered is the decision of the default rules that a user rule
// lowered.
type JSONLowered struct {
	Level string `json:"level"`
	Rule  string `json:"rule"`
	// By names the rule that lowered it, and its file: "ignore-all in
	// team.yaml".
	By string `json:"by"`
}

// JSONValue is one side of a change. A redacted value has no text, only
// its size in bytes (-1 when unknown).
type JSONValue struct {
	Kind     string  `json:"kind"`
	Value    *string `json:"value,omitempty"`
	Redacted bool    `json:"redacted,omitempty"`
	Bytes    *int    `json:"bytes,omitempty"`
}

// Write implements [Writer]. It streams: the objects are encoded one at a
// time, so a large plan is never held twice in memory. The bytes are those
// of encoding [BuildJSON] with two-space indentation.
func (j JSON) Write(w io.Writer, r *Report) error {
	if err := r.check(); err != nil {
		return err
	}
	doc := buildJSON(r, false)
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	head := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// the document ends with `"objects": []` and `}`: open the list there
	const tail = "\"objects\": []\n}"
	if !bytes.HasSuffix(head, []byte(tail)) {
		return fmt.Errorf("report: unexpected JSON layout")
	}
	head = head[:len(head)-len(tail)]
	if offending := r.Verdict.OffendingObjects(); len(offending) > 0 {
		// the gate's list of offending objects is written here, one at a
		// time, as encoding/json indents a list: a review of a million
		// objects does not hold their names as strings, nor the document
		// with them as bytes
		const empty = "\n    \"offending\": []"
		at := bytes.Index(head, []byte(empty))
		if at < 0 {
			return fmt.Errorf("report: unexpected JSON layout")
		}
		at += len(empty) - len("[]")
		bw.Write(head[:at])
		ob := append([]byte(nil), "[\n"...)
		for i, o := range offending {
			ob = appendJSONString(append(ob, "      "...), o.Ref.String())
			if i < len(offending)-1 {
				ob = append(ob, ',')
			}
			ob = append(ob, '\n')
			if len(ob) >= 32<<10 {
				bw.Write(ob)
				ob = ob[:0]
			}
		}
		bw.Write(append(ob, "    ]"...))
		head = head[at+len("[]"):]
	}
	bw.Write(head)
	if len(r.Result.Plan.Releases) > 0 {
		// the releases, one at a time, as encoding/json indents them: a
		// stream of many releases does not hold all their summaries
		bw.WriteString("\"releases\": [\n")
		var rb bytes.Buffer
		renc := json.NewEncoder(&rb)
		renc.SetEscapeHTML(false)
		renc.SetIndent("    ", "  ")
		n, err := 0, error(nil)
		eachRelease(r, trippedReleases(r), func(jr JSONRelease) {
			rb.Reset()
			if err != nil {
				return
			}
			if err = renc.Encode(jr); err != nil {
				return
			}
			if n > 0 {
				bw.WriteString(",\n")
			}
			n++
			bw.WriteString("    ")
			bw.Write(bytes.TrimSuffix(rb.Bytes(), []byte("\n")))
		})
		if err != nil {
			return err
		}
		bw.WriteString("\n  ],\n  ")
	}
	if len(r.Result.Objects) == 0 {
		bw.WriteString(tail + "\n")
		return bw.Flush()
	}
	bw.WriteString("\"objects\": [\n")
	writeObjects(bw, r, j.Workers)
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

// BuildJSON returns the JSON document of a report.
func BuildJSON(r *Report) *JSONReport { return buildJSON(r, true) }

// buildJSON returns the JSON document of a report. With withObjects unset,
// the document has neither the objects nor the names of the offending
// objects: [JSON.Write] writes them one at a time.
func buildJSON(r *Report, withObjects bool) *JSONReport {
	res := r.Result
	out := &JSONReport{
		SchemaVersion: SchemaVersion,
		Input:         JSONInput{Source: r.Source, Format: res.Plan.Format.String(), NoChanges: len(res.Objects) == 0},
		Notes:         []JSONNote{},
		Objects:       []JSONObject{},
	}
	if res.Plan.Format == diffparse.FormatAuto {
		out.Input.Format = "empty"
	}
	out.Summary = summary(res.Objects, res.Highest)
	v := r.Verdict
	out.Gate = JSONGate{Tripped: v.Tripped, ExitCode: v.ExitCode, Summary: v.Summary, Offending: []string{}}
	if v.Gate != nil {
		out.Gate.FailOn = v.Gate.Default.String()
		for _, rt := range v.Gate.Releases {
			out.Gate.Releases = append(out.Gate.Releases, JSONReleaseFailOn{Pattern: rt.Pattern, FailOn: rt.Threshold.String()})
		}
	}
	var tripped map[string]bool
	if withObjects {
		for _, o := range v.OffendingObjects() {
			out.Gate.Offending = append(out.Gate.Offending, o.Ref.String())
		}
		tripped = trippedReleases(r)
	}
	for _, n := range notes(r) {
		out.Notes = append(out.Notes, JSONNote{Line: n.Pos.Line, Text: n.Text})
	}
	if withObjects {
		eachRelease(r, tripped, func(jr JSONRelease) {
			out.Releases = append(out.Releases, jr)
		})
		for _, o := range res.Objects {
			out.Objects = append(out.Objects, jsonObject(r, o))
		}
	}
	return out
}

// trippedReleases returns the releases of the objects that offend, as the
// verdict says (accepted findings do not count).
func trippedReleases(r *Report) map[string]bool {
	tripped := map[string]bool{}
	if len(r.Result.Plan.Releases) > 0 {
		for _, o := range r.Verdict.OffendingObjects() {
			tripped[o.Release] = true
		}
	}
	return tripped
}

// eachRelease calls f with the summary of each release of a multi-release
// plan, in the plan's order.
func eachRelease(r *Report, tripped map[string]bool, f func(JSONRelease)) {
	res, v := r.Result, r.Verdict
	grouped := byRelease(res.Objects)
	for _, rel := range res.Plan.Releases {
		objs := grouped[rel.Name]
		s := summary(objs, highestLevel(objs))
		failOn := ""
		if v.Gate != nil {
			failOn = v.Gate.For(rel.Name).String()
		}
		f(JSONRelease{
			Name: rel.Name, File: rel.File, Highest: s.Highest, FailOn: failOn,
			Tripped: tripped[rel.Name], Error: rel.Error, Actions: s.Actions, Levels: s.Levels,
		})
	}
}

func summary(objs []*classify.Object, highest rules.Level) JSONSummary {
	a, l := counts(objs)
	s := JSONSummary{Highest: highest.String(), Objects: len(objs), Actions: map[string]int{}, Kept: leftInPlace(objs), Levels: map[string]int{}}
	for _, act := range []diffparse.Action{diffparse.Create, diffparse.Update, diffparse.Replace, diffparse.Delete, diffparse.Ownership} {
		s.Actions[act.String()] = a[act]
	}
	for lv := rules.Ignored; lv <= rules.Destructive; lv++ {
		s.Levels[lv.String()] = l[lv]
	}
	return s
}

func jsonObject(r *Report, o *classify.Object) JSONObject {
	j := jsonObjectHead(r, o)
	if len(o.Findings) > 0 {
		j.Changes = make([]JSONChange, 0, len(o.Findings))
	}
	for i := range o.Findings {
		j.Changes = append(j.Changes, jsonChange(r, &o.Findings[i]))
	}
	return j
}

// jsonObjectHead is the JSON object of o without its changes (an empty
// list).
func jsonObjectHead(r *Report, o *classify.Object) JSONObject {
	j := JSONObject{
		Ref: o.Ref.String(), Group: o.Ref.Group, Version: o.Ref.Version, Kind: o.Ref.Kind,
		Namespace: o.Ref.Namespace, Name: o.Ref.Name, Release: o.Release, File: o.File,
		Action: o.Action.String(), Level: o.Level.String(), Rule: o.Rule, Reason: o.Reason,
		Line: o.Pos.Line, Source: o.Source, Content: o.Content.String(), Hook: o.Hook.String(),
		OldOwner: o.OldOwner, NewOwner: o.NewOwner, Changes: []JSONChange{},
	}
	for _, c := range o.Culprits {
		j.Culprits = append(j.Culprits, c.String())
	}
	return j
}

func jsonChange(r *Report, f *classify.Finding) JSONChange {
	c := JSONChange{
		Path: f.Change.Path.String(), Op: f.Change.Op.String(),
		Level: f.Level.String(), Rule: f.Rule, Reason: f.Reason, Line: f.Pos.Line,
		Object: f.WholeObject, Approximate: !f.Change.Path.Exact() && !f.WholeObject,
		Places: f.Places, Assumed: f.Assumed, Assumptions: f.Assumptions,
		Replace: f.Replace, MaybeReplace: f.MaybeReplace, Also: f.Also,
	}
	for _, p := range f.Missing {
		c.Missing = append(c.Missing, p.String())
	}
	if f.Lowered != nil {
		c.Lowered = &JSONLowered{Level: f.Lowered.Level.String(), Rule: f.Lowered.Rule, By: strings.TrimPrefix(classify.Lowerer(*f), "rule ")}
	}
	if e, ok := r.Verdict.AcceptedBy(f); ok {
		c.Accepted, c.AcceptReason = true, e.Reason
	}
	if f.WholeObject && f.Change.Op == diffparse.Hidden {
		c.Path = kube.Path{kube.Gap{}}.String()
	}
	if len(f.Place) > 0 {
		c.Place = f.Place.String()
	}
	if !f.WholeObject {
		c.Old = jsonValue(&f.Change.Old)
		c.New = jsonValue(&f.Change.New)
	}
	return c
}

// jsonValue returns the JSON form of v, which points into v (a value of
// the report's, which nothing changes).
func jsonValue(v *diffparse.Value) *JSONValue {
	if !v.Present() {
		return nil
	}
	j := &JSONValue{Kind: v.Kind.String()}
	if v.Redacted {
		j.Redacted = true
		j.Bytes = &v.Bytes
		return j
	}
	j.Value = &v.Text
	return j
}
