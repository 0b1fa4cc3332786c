package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Text from the register or from outside (names, subjects, notes, file names, office
// names, what another office or a file brought) is printed through term: a terminal
// obeys control characters, so a subject holding "\x1b[2J" would clear the clerk's
// screen and one holding U+202E would show "exe.pdf" as "fdp.exe". term shows each such
// character escaped, the way Go writes it in a string, and changes nothing else:
//
//	tab, line feed, carriage return   \t \n \r
//	other C0 controls and DEL         \x00 … \x1f, \x7f   (ESC is \x1b)
//	C1 controls                       \u0080 … \u009f
//	direction marks and overrides     \u200e \u200f \u061c \u202a … \u202e \u2066 … \u2069
//	line and paragraph separators     \u2028 \u2029
//	a byte that is not UTF-8          \xff
//
// The register stores clean text (data/text.go); term is for what was stored before
// that rule, for what comes from files and other offices, and so that no printing
// depends on where the text came from.
func term(s string) string {
	if safeASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// termLines is term for text of several lines: each line made safe, the lines kept.
func termLines(s string) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = term(l)
	}
	return lines
}

// unsafeRune reports the characters above ASCII that a terminal obeys or that reorder
// what it shows.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f, r == 0x061c, r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

func safeASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// jsonSafe escapes, in JSON that encoding/json wrote, the characters it leaves as they
// are but a terminal obeys: DEL, the C1 controls and the direction marks (it escapes
// the C0 controls, U+2028 and U+2029 itself). They can only stand inside strings, where
// \uXXXX means the same character: the JSON decodes to the same values.
func jsonSafe(b []byte) []byte {
	clean := true
	for _, r := range string(b) {
		if r == 0x7f || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b) + 16)
	for _, r := range string(b) {
		if r == 0x7f || unsafeRune(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return out.Bytes()
}

// guard is the last line behind term on the program's own output streams: a control
// byte that reaches it (from a print site that forgot term) is written escaped. Tab,
// line feed and carriage return pass: the program's own tables and progress line use
// them.
type guard struct{ w io.Writer }

func (g guard) Write(p []byte) (int, error) {
	i := bytes.IndexFunc(p, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f })
	if i < 0 {
		return g.w.Write(p)
	}
	var out bytes.Buffer
	out.Grow(len(p) + 8)
	for _, c := range p {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			fmt.Fprintf(&out, `\x%02x`, c)
			continue
		}
		out.WriteByte(c)
	}
	if _, err := g.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}
