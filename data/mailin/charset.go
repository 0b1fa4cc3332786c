package mailin

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

// Charsets are looked up by their WHATWG labels, as browsers and mail programs do:
// "iso-8859-1", "latin1" and "us-ascii" all mean windows-1252 there, which is what
// Outlook actually writes under those labels (€ “ ” – would otherwise turn into the
// invisible C1 control characters).

// encodingOf finds the decoder for a charset label; nil with ok for UTF-8, ok false for
// a label no one knows.
func encodingOf(label string) (enc encoding.Encoding, ok bool) {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"' `))
	switch label {
	case "", "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8":
		return nil, true
	case "latin-1", "latin-9", "iso8859-15", "cp1252", "x-cp1252", "cp-1252", "windows1252", "ansi", "ansi_x3.4-1968", "default":
		// Labels mail programs write that the WHATWG list does not have.
		if label == "latin-9" || label == "iso8859-15" {
			return charmap.ISO8859_15, true
		}
		return charmap.Windows1252, true
	}
	e, err := htmlindex.Get(label)
	if err != nil || e == nil {
		return nil, false
	}
	if e == encoding.Replacement {
		return nil, false // ISO-2022-KR and the like: WHATWG replaces them whole
	}
	if e == unicode.UTF8 {
		return nil, true
	}
	return e, true
}

// isUTF16 tells the UTF-16 labels, which are read with their own rules (BOM first).
func isUTF16(label string) (yes bool, bigEndian bool, known bool) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(label), `"' `)) {
	case "utf-16", "utf16", "ucs-2", "unicode", "csunicode", "iso-10646-ucs-2":
		return true, false, false
	case "utf-16le", "utf16le", "ucs-2le":
		return true, false, true
	case "utf-16be", "utf16be", "ucs-2be", "unicodefffe":
		return true, true, true
	}
	return false, false, false
}

// singleByteLabel are the labels under which a UTF-8 text is sometimes sent by programs
// that do not declare what they write; a text valid as UTF-8 with 8-bit bytes is then
// UTF-8 (a real Latin-1 text almost never happens to be valid UTF-8).
func singleByteLabel(label string) bool {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(label), `"' `)) {
	case "", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "x-unknown", "unknown-8bit", "unknown":
		return true
	}
	return false
}

// toUTF8 decodes text written in charset. It never fails: an unknown label is read as
// UTF-8 when the bytes are UTF-8 and as windows-1252 otherwise (better a wrong accent
// than a lost complaint); the text is shown to the clerk before anything is registered.
func toUTF8(b []byte, charset string) string {
	if yes, big, known := isUTF16(charset); yes {
		return fromUTF16(b, big, known)
	}
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return cleanText(string(b[3:])) // a UTF-8 BOM overrides the label, as in browsers
	}
	if len(b) >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)) && looksUTF16(b) {
		return fromUTF16(b, b[0] == 0xFE, false)
	}
	enc, ok := encodingOf(charset)
	switch {
	case ok && enc == nil:
		if utf8.Valid(b) {
			return cleanText(string(b))
		}
		enc = charmap.Windows1252 // declared UTF-8 but is not: Outlook on old Windows
	case !ok:
		if utf8.Valid(b) {
			return cleanText(string(b))
		}
		enc = charmap.Windows1252
	case singleByteLabel(charset) && hasHighBytes(b) && utf8.Valid(b):
		return cleanText(string(b))
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		out, _ = charmap.Windows1252.NewDecoder().Bytes(b) // windows-1252 maps every byte
	}
	return cleanText(string(out))
}

func hasHighBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// looksUTF16 says whether a text that starts like a UTF-16 BOM goes on like UTF-16 (many
// NUL bytes) rather than being windows-1252 that happens to start with "ÿþ".
func looksUTF16(b []byte) bool {
	if len(b) == 2 {
		return true
	}
	return bytes.Count(b, []byte{0}) >= (len(b)-2)/4
}

// fromUTF16 reads UTF-16: a BOM decides the byte order; without one the declared order
// is used, and for a bare "utf-16" label the side the NUL bytes of Latin text fall on.
func fromUTF16(b []byte, bigEndian, declared bool) string {
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		bigEndian, b = true, b[2:]
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		bigEndian, b = false, b[2:]
	case !declared:
		var even, odd int
		for i := 0; i+1 < len(b); i += 2 {
			if b[i] == 0 {
				even++
			}
			if b[i+1] == 0 {
				odd++
			}
		}
		// RFC 2781 says big-endian without a BOM, but Windows writes little-endian:
		// the NULs of Latin text tell which one it is.
		bigEndian = even >= odd
	}
	order := unicode.LittleEndian
	if bigEndian {
		order = unicode.BigEndian
	}
	if len(b)%2 == 1 {
		b = b[:len(b)-1] // a cut-off last byte cannot be a character
	}
	out, err := unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder().Bytes(b)
	if err != nil {
		return ""
	}
	return cleanText(string(out))
}

// cleanText drops what must never reach the register's text: NUL bytes and invalid
// UTF-8 (replaced by U+FFFD, visible to the clerk).
func cleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// decodeHeader decodes the encoded words of a header (RFC 2047), wherever they stand:
// also inside quotes and glued to other text, as many programs write them. Adjacent
// words of one charset are decoded together, since some programs cut a character in
// two between words. Charsets follow the same rules as bodies. Raw 8-bit headers are
// read as UTF-8 when valid, else windows-1252.
func decodeHeader(s string) string {
	if !utf8.ValidString(s) {
		s = toUTF8([]byte(s), "windows-1252")
	}
	if !strings.Contains(s, "=?") {
		return s
	}
	var b strings.Builder
	var pending []byte
	pendingCharset := ""
	flush := func() {
		if pendingCharset != "" {
			b.WriteString(toUTF8(pending, pendingCharset))
		}
		pending, pendingCharset = nil, ""
	}
	for len(s) > 0 {
		i := strings.Index(s, "=?")
		if i < 0 {
			break
		}
		charset, raw, n := encodedWord(s[i:])
		if n < 0 {
			flush()
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		gap := s[:i]
		if pendingCharset != "" && strings.TrimSpace(gap) == "" && strings.EqualFold(charset, pendingCharset) {
			pending = append(pending, raw...) // whitespace between words goes (RFC 2047)
		} else {
			if !(pendingCharset != "" && strings.TrimSpace(gap) == "") {
				flush()
				b.WriteString(gap)
			} else {
				flush()
			}
			pending, pendingCharset = raw, charset
		}
		s = s[i+n:]
	}
	flush()
	b.WriteString(s)
	return cleanText(b.String())
}

// encodedWord reads the encoded word at the start of s: its charset (without an RFC
// 2231 language), its bytes, and its length; n is -1 if s does not start with one.
func encodedWord(s string) (charset string, raw []byte, n int) {
	n = wordEnd(s)
	if n < 0 {
		return "", nil, -1
	}
	parts := strings.SplitN(s[2:n-2], "?", 3)
	if len(parts) != 3 || parts[0] == "" {
		return "", nil, -1
	}
	charset, _, _ = strings.Cut(parts[0], "*")
	switch strings.ToUpper(parts[1]) {
	case "B":
		raw, _ = decodeBase64([]byte(parts[2]))
	case "Q":
		q := []byte(strings.ReplaceAll(parts[2], "_", " "))
		raw = decodeQP(q, false)
	default:
		return "", nil, -1
	}
	return charset, raw, n
}

// latin1Words finds the encoded words labelled with the charsets net/mime decodes
// itself, without asking CharsetReader: ISO-8859-1 and US-ASCII.
var latin1Words = regexp.MustCompile(`(?i)=\?(iso-8859-1|iso8859-1|latin1|us-ascii)(\*[a-z-]*)?\?`)

// relabel names those words windows-1252, which is what the labels mean in practice
// (WHATWG): Outlook writes € and typographic quotes under them.
func relabel(s string) string {
	return latin1Words.ReplaceAllString(s, "=?windows-1252?")
}

// wordEnd gives the length of the encoded word at the start of s, or -1.
func wordEnd(s string) int {
	// =?charset?X?text?=: skip charset and encoding, then find the closing ?=.
	q1 := strings.IndexByte(s[2:], '?')
	if q1 < 0 {
		return -1
	}
	q1 += 2
	if len(s) < q1+3 || s[q1+2] != '?' {
		return -1
	}
	rest := s[q1+3:]
	q := strings.Index(rest, "?=")
	if q < 0 || strings.ContainsAny(rest[:q], " \t\r\n") {
		return -1
	}
	return q1 + 3 + q + 2
}
