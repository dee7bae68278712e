// Package review runs safediff's whole pipeline in one call: parse a
// helm-diff output (diffparse), classify it with a rule set (rules,
// classify), judge it (gate, with accept files), and hand back the report
// that any report.Writer renders: the same result and notes as
// `safediff review`.
//
//	rep, err := review.Review(os.Stdin, review.Options{})
//	if err != nil { … }                    // input not understood: exit 1
//	report.Text{}.Write(os.Stdout, rep)
//	return rep.Verdict.ExitCode             // 0 or 2: main's exit code
//
// It is the entry point for programs that import safediff as a library.
package review
