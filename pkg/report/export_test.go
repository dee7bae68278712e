package report

// MarkdownCode exposes mdCode to the tests.
var MarkdownCode = mdCode
