package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// colorChoice is the value of --color: auto (the default), always or
// never. It validates itself when the flag is parsed.
type colorChoice string

const (
	colorAuto   colorChoice = "auto"
	colorAlways colorChoice = "always"
	colorNever  colorChoice = "never"
)

func (c *colorChoice) String() string {
	if *c == "" {
		return string(colorAuto)
	}
	return string(*c)
}

func (c *colorChoice) Set(v string) error {
	switch colorChoice(v) {
	case colorAuto, colorAlways, colorNever:
		*c = colorChoice(v)
		return nil
	}
	return fmt.Errorf("want auto, always or never")
}

func (c *colorChoice) Type() string { return "WHEN" }

// colorHelp is the help of --color, with the precedence.
const colorHelp = "colour the text report: auto, always or never. auto colours only a terminal; NO_COLOR (set, not empty) turns it off, then FORCE_COLOR (set, not empty, not 0 or false) turns it on; --color always|never and --no-color override both"

// colorWanted decides whether output to w is coloured, in this order:
//
//  1. --no-color, or --color always|never: the user's explicit choice;
//  2. NO_COLOR set to anything but the empty string: no colour
//     (no-color.org); it wins over FORCE_COLOR, the safer of the two;
//  3. FORCE_COLOR set, and not "", "0" or "false": colour, for CI logs
//     that render ANSI codes but are not terminals;
//  4. otherwise colour only on a terminal, and TERM=dumb counts as none.
func colorWanted(w io.Writer, s *Streams, choice colorChoice, noColor bool) bool {
	switch {
	case noColor || choice == colorNever:
		return false
	case choice == colorAlways:
		return true
	case s.Getenv("NO_COLOR") != "":
		return false
	}
	switch s.Getenv("FORCE_COLOR") {
	case "", "0", "false":
	default:
		return true
	}
	if s.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// colorFor is [colorWanted] for commands with only --no-color.
func colorFor(w io.Writer, s *Streams, noColor bool) bool {
	return colorWanted(w, s, colorAuto, noColor)
}
