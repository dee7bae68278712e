// Package report renders a classified plan (package classify) in three
// formats, behind one [Writer] interface:
//
//   - text: a Terraform-style plan for people (a legend of symbols, one
//     entry per object with its action, level and reason, the changes with
//     old and new values, a closing Plan: line, the gate); coloured only
//     when asked;
//   - json: a versioned document for tools ([SchemaVersion]); every change
//     is in it, ignored ones too;
//   - markdown: a pull-request comment with collapsible sections and a byte
//     budget.
//
// It is the last stage of the pipeline:
//
//	diffparse.Parse → classify.Classify → gate.Judge → report.Writer
//
// Analysis is not done here: a Writer only reads the result and prints
// the verdict a judge returned (package gate); it never computes one. The
// notes of the parser, of classification and of the judge are printed in
// every format. Sensitive values arrive redacted from the parser and are
// printed as their size.
// The text layout may change between versions; the JSON format is the
// contract.
package report
