package diffparse

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPlainASCII: the word-at-a-time scan that lets readLine skip its
// check of each byte stops at every 8-byte word that holds a byte the
// check would note (a control character, DEL, a byte outside ASCII),
// compared with that check on random lines and on every byte value at
// every position.
func TestPlainASCII(t *testing.T) {
	ref := func(s string) int {
		n := 0
		for i := 0; i+8 <= len(s); i += 8 {
			ok := true
			for _, c := range []byte(s[i : i+8]) {
				if c < 0x20 || c >= 0x7f {
					ok = false
				}
			}
			if !ok {
				break
			}
			n = i + 8
		}
		return n
	}
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 200000; k++ {
		b := make([]byte, r.IntN(40))
		for i := range b {
			switch r.IntN(6) {
			case 0:
				b[i] = byte(r.IntN(256))
			case 1:
				b[i] = []byte{0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff, 0x09, 0x00}[r.IntN(8)]
			default:
				b[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		if got, want := plainASCII(string(b)), ref(string(b)); got != want {
			t.Fatalf("%q: %d, want %d", b, got, want)
		}
	}
	// every single byte value in every position
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 16; pos++ {
			b := []byte("abcdefghijklmnop")
			b[pos] = byte(c)
			if got, want := plainASCII(string(b)), ref(string(b)); got != want {
				t.Fatalf("%q: %d, want %d", b, got, want)
			}
		}
	}
}

// TestPeekPlainKeepsOrder: the common-line shortcut reads the lines in
// order with the general methods, which may have queued lines ahead
// (format detection peeks ahead): it declines while a line is queued,
// and gives each other line as readLine would, numbered alike (a CR
// after LF lines is content).
func TestPeekPlainKeepsOrder(t *testing.T) {
	for _, tc := range []struct {
		text   string
		queued int
	}{
		{"header\n  a: 1\n+ b: 2\n- c:\t3\n  d: \x1b[1m4\n\n  e: 5", 2},
		{"  a: 1\n  b: 2\r\n  c: 3\n", 0},
	} {
		var general []iline
		in := newInput(strings.NewReader(tc.text), 0)
		for {
			l, ok, _ := in.next()
			if !ok {
				break
			}
			general = append(general, l)
		}
		in = newInput(strings.NewReader(tc.text), 0)
		if tc.queued > 0 {
			in.peekAt(tc.queued - 1)
		}
		var got []iline
		for {
			if s, ok := in.peekPlain(); ok {
				got = append(got, iline{text: s, no: in.skipPlain(s)})
				continue
			}
			l, ok, _ := in.next()
			if !ok {
				break
			}
			got = append(got, iline{text: l.text, no: l.no, cr: l.cr, tab: l.tab, wide: l.wide})
		}
		if len(got) != len(general) {
			t.Fatalf("%q: read %d lines, want %d", tc.text, len(got), len(general))
		}
		for i, g := range general {
			g.err = nil
			if got[i] != g {
				t.Errorf("%q: line %d: got %+v, want %+v", tc.text, i+1, got[i], g)
			}
		}
	}
}
