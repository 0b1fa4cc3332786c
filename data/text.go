package data

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text enters the register from many places: typed in the window, pasted from Word or a
// web page, read from an e-mail or an import file, given on the command line, received
// from another office. Whatever the source, what is stored is the same clean form, so
// that it can be shown in a terminal, a CSV file or a PDF letter without surprises and
// so that every office stores the same bytes for the same value:
//
//   - invalid UTF-8 becomes U+FFFD (the replacement character);
//   - CR LF and a lone CR become LF;
//   - NUL and the other C0 controls (ESC, BEL, …) and DEL are removed, a terminal's
//     escape sequence ("\x1b[31m", a hyperlink "\x1b]8;;…\x07") as a whole; a tab and a line
//     break are kept in text of several lines (description, reply, notes, address) and
//     become a space in a one-line field (name, subject, e-mail, …);
//   - C1 controls (U+0080–U+009F) are the bytes of a Windows-1252 text read as Latin-1:
//     they become the character Windows-1252 means (U+0080 → €, U+0093 → “) and are
//     removed where it means none;
//   - the invisible characters that change the direction of text (U+202A–U+202E,
//     U+2066–U+2069, U+200E, U+200F, U+061C), used to make "exe.pdf" look like "fdp.exe",
//     are removed, as are zero-width spaces, word joiners, byte-order marks and soft
//     hyphens, which only make equal names differ;
//   - in a one-line field the other spaces (no-break space from Word, thin spaces) become
//     an ordinary space and the field is trimmed;
//   - the result is in Unicode normal form C, so that "Müller" typed with ü or with u and
//     a combining diaeresis is one name.
//
// The junk is removed silently, not refused: it is invisible, the clerk cannot see what
// to correct, and refusing a pasted paragraph for a character nobody can see helps no
// one. Visible text is never changed.

// CleanLine is the stored form of a one-line field (a name, a subject, a file name).
func CleanLine(s string) string { return clean(s, false) }

// CleanText is the stored form of text of several lines (a description, a reply, a note).
func CleanText(s string) string { return clean(s, true) }

// cp1252 is what Windows-1252 means by the bytes 0x80–0x9F; 0 where it means nothing.
var cp1252 = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

// invisible reports the format characters that are removed everywhere: the direction
// marks, embeddings, overrides and isolates, and the zero-width and soft characters
// that make two equal-looking texts differ. The zero-width joiner and non-joiner are
// kept: they belong to emoji and to some scripts.
func invisible(r rune) bool {
	switch r {
	case 0x00AD, 0x061C, 0x180E, 0x200B, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB:
		return true
	}
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// otherSpace reports the spaces that are not U+0020.
func otherSpace(r rune) bool {
	return r == 0x00A0 || r == 0x1680 || r >= 0x2000 && r <= 0x200A || r == 0x202F || r == 0x205F || r == 0x3000
}

// plain reports whether s needs no cleaning: printable ASCII (with tab and LF in text
// of several lines), and for a one-line field nothing to trim. Most text is plain, and
// a bulk import must not pay for the rest.
func plain(s string, multi bool) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 0x20 && b < 0x7f || multi && (b == '\n' || b == '\t') {
			continue
		}
		return false
	}
	return multi || s == "" || s[0] != ' ' && s[len(s)-1] != ' '
}

// tidy reports whether s, not plain, has nothing to remove or replace: text with
// accents, most of what is not ASCII, needs only the check for its normal form.
func tidy(s string, multi bool) bool {
	latin := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		latin = latin && r < 0x300
		switch {
		case r == utf8.RuneError && size == 1, r == '\r', r == 0x7f, r >= 0x80 && r <= 0x9f, r == 0x2028, r == 0x2029, invisible(r):
			return false
		case r < 0x20 && !(multi && (r == '\n' || r == '\t')):
			return false
		case !multi && otherSpace(r):
			return false
		}
	}
	// Below U+0300 (Latin letters with their accents, no combining marks) every text is
	// in normal form C; the full check is for the rest.
	return latin || norm.NFC.IsNormalString(s)
}

func clean(s string, multi bool) string {
	if plain(s, multi) {
		return s
	}
	if tidy(s, multi) {
		if multi {
			return s
		}
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	lineBreak := func() {
		if multi {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			lineBreak()
		case r == '\n' || r == 0x2028 || r == 0x2029:
			lineBreak()
		case r == '\t':
			if multi {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		case r == 0x1b:
			i = skipEscape(s, i)
		case r < 0x20 || r == 0x7f:
			// a control character: dropped
		case r >= 0x80 && r <= 0x9f:
			if m := cp1252[r-0x80]; m != 0 {
				b.WriteRune(m)
			}
		case invisible(r):
		case !multi && otherSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if !norm.NFC.IsNormalString(out) {
		out = norm.NFC.String(out)
	}
	if !multi {
		out = strings.TrimSpace(out)
	}
	return out
}

// skipEscape returns where the escape sequence whose ESC ends before i ends: a control
// sequence (ESC [ parameters final), an operating-system command (ESC ] … BEL or ESC \)
// or a two-character escape; an operating-system command that never ends loses only
// its ESC. Text pasted from a terminal then loses the sequence and
// keeps its words, not "[31m" around them.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[':
		i++
		for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f { // parameters and intermediates
			i++
		}
		if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7e { // the final byte
			i++
		}
	case c == ']':
		for j := i + 1; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		} // never ended: only the ESC goes, the text stays
	case c >= 0x40 && c <= 0x7e:
		i++
	}
	return i
}

// Stored forms of a case's fields: one line; several lines; several lines without blank
// space around them (an address, trimmed as it always was).
const (
	formLine = iota
	formText
	formTrimmedText
)

// fieldForms are the case fields (as the change log names them) that are not one line.
var fieldForms = map[string]int{"description": formText, "reply_text": formText, "citizen_address": formTrimmedText}

func cleanAs(v string, form int) string {
	switch form {
	case formText:
		return CleanText(v)
	case formTrimmedText:
		return strings.TrimSpace(CleanText(v))
	}
	return CleanLine(v)
}

// cleanText brings the case's text fields to their stored form. Only the fields that
// differ from old (nil: a new case) are cleaned: a correction of the category does not
// rewrite a subject stored before this rule, which would be a change nobody made.
func (c *Case) cleanText(old *Case) {
	var o Case
	if old != nil {
		o = *old
	}
	for _, f := range []struct {
		v, was *string
		field  string
	}{
		{&c.Subject, &o.Subject, "subject"},
		{&c.Description, &o.Description, "description"},
		{&c.Category, &o.Category, "category"},
		{&c.Service, &o.Service, "service"},
		{&c.Assignee, &o.Assignee, "assignee"},
		{&c.Citizen.Name, &o.Citizen.Name, "citizen_name"},
		{&c.Citizen.Email, &o.Citizen.Email, "citizen_email"},
		{&c.Citizen.Phone, &o.Citizen.Phone, "citizen_phone"},
		{&c.Citizen.Address, &o.Citizen.Address, "citizen_address"},
		{&c.Reply.Text, &o.Reply.Text, "reply_text"},
	} {
		if old == nil || *f.v != *f.was {
			*f.v = cleanField(f.field, *f.v)
		}
	}
}

// cleanField is the stored form of a field by its name in the change log, for a local
// change and for a value received from another office alike, so that every office
// stores the same bytes.
func cleanField(field, v string) string { return cleanAs(v, fieldForms[field]) }

// cleaned is an office with its names and address in their stored form.
func (o Office) cleaned() Office {
	o.NameIT, o.NameDE, o.Address = CleanLine(o.NameIT), CleanLine(o.NameDE), CleanText(o.Address)
	return o
}
