// Package review runs safediff's whole pipeline in one call: parse a
// helm-diff output (diffparse), classify it with a rule set (rules,
// classify), and hand back a result to gate and render (report).
//
//	res, err := review.Review(os.Stdin, review.Options{})
//	if err != nil { … }                     // input not understood: exit 1
//	v := res.Verdict(classify.DefaultGate)  // v.ExitCode is 0 or 2
//
// It is the entry point for programs that import safediff as a library.
package review
