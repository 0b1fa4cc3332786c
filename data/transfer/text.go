package transfer

import (
	"encoding/csv"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"ascolto/data"
	"ascolto/translations"
)

// decodeText turns the bytes of an imported file into valid UTF-8 text, whatever the
// program that saved it: UTF-8 with or without a byte-order mark (LibreOffice, Google
// Sheets, Numbers, Excel's "CSV UTF-8"), UTF-16 (Excel's "Unicode text"), or else the
// Windows code page that Excel's plain "CSV" uses in Italy, Germany and Austria. The
// register never receives invalid UTF-8: it would break the search and the letters.
func decodeText(raw []byte) string {
	switch {
	case len(raw) >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF:
		return strings.ToValidUTF8(string(raw[3:]), "\uFFFD")
	case len(raw) >= 2 && raw[0] == 0xFF && raw[1] == 0xFE:
		return decodeUTF16(raw[2:], false)
	case len(raw) >= 2 && raw[0] == 0xFE && raw[1] == 0xFF:
		return decodeUTF16(raw[2:], true)
	}
	if bigEndian, ok := looksUTF16(raw); ok {
		return decodeUTF16(raw, bigEndian)
	}
	if utf8.Valid(raw) {
		return string(raw)
	}
	s, err := charmap.Windows1252.NewDecoder().String(string(raw))
	if err != nil || !utf8.ValidString(s) {
		// Windows-1252 maps every byte, so this is only a guard.
		return strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	return s
}

// looksUTF16 recognises UTF-16 without a byte-order mark by its zero bytes: text in
// Latin letters has a zero in every other byte, which no 8-bit text has.
func looksUTF16(raw []byte) (bigEndian, ok bool) {
	n := min(len(raw), 4096) &^ 1
	if n < 4 {
		return false, false
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if raw[i] == 0 {
			even++
		}
		if raw[i+1] == 0 {
			odd++
		}
	}
	pairs := n / 2
	switch {
	case odd*2 >= pairs && even*10 <= pairs:
		return false, true
	case even*2 >= pairs && odd*10 <= pairs:
		return true, true
	}
	return false, false
}

func decodeUTF16(raw []byte, bigEndian bool) string {
	units := make([]uint16, len(raw)/2)
	for i := range units {
		a, b := uint16(raw[2*i]), uint16(raw[2*i+1])
		if bigEndian {
			units[i] = a<<8 | b
		} else {
			units[i] = b<<8 | a
		}
	}
	s := string(utf16.Decode(units)) // lone surrogates become U+FFFD
	if len(raw)%2 == 1 {
		s += "\uFFFD" // half a character at the end: the file was cut
	}
	return strings.TrimPrefix(s, "\uFEFF")
}

// separators are the column separators recognised: ';' from Italian and German
// spreadsheets, ',' from English ones and Google Sheets, a tab from Excel's "Unicode text"
// and from a copy and paste.
var separators = []rune{';', ',', '\t'}

// sepLine reads Excel's separator hint, a first line such as "sep=;". It returns the
// separator and the rest of the text after that line.
func sepLine(text string) (rune, string, bool) {
	if len(text) < 5 || !strings.EqualFold(text[:4], "sep=") {
		return 0, text, false
	}
	line, rest, _ := strings.Cut(text, "\n")
	line = strings.TrimSuffix(line, "\r")
	r, size := utf8.DecodeRuneInString(line[4:])
	if 4+size != len(line) || !validSeparator(r) {
		return 0, text, false
	}
	return r, rest, true
}

func validSeparator(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && r != utf8.RuneError && r != 0xFEFF && utf8.ValidRune(r)
}

// guessSeparator picks the separator under which the header line names the most known
// columns; where none is named (a file that is not a case list), the most frequent one,
// so that the refusal names a sensible first column.
func guessSeparator(text string) rune {
	head := text
	if i := strings.IndexAny(head, "\r\n"); i >= 0 {
		head = head[:i]
	}
	best, bestKnown, bestCount := ',', -1, -1
	for _, sep := range separators {
		cr := csv.NewReader(strings.NewReader(head))
		cr.Comma = sep
		cr.LazyQuotes = true
		rec, _ := cr.Read()
		n := 0
		for _, h := range rec {
			if _, ok := headerColumn(h); ok {
				n++
			}
		}
		count := strings.Count(head, string(sep))
		if n > bestKnown || (n == bestKnown && count > bestCount) {
			best, bestKnown, bestCount = sep, n, count
		}
	}
	return best
}

// columnKeys names the translation of each column's heading, as the localized export
// writes it. The import reads the same translations back, in every language.
var columnKeys = map[string]string{
	"id":               "field.column.id",
	"number":           "field.column.number",
	"office":           "field.column.office",
	"kind":             "field.column.kind",
	"channel":          "field.column.channel",
	"status":           "field.column.status",
	"received_at":      "field.column.received_at",
	"due_date":         "field.column.due_date",
	"answered_at":      "field.column.answered_at",
	"closed_at":        "field.column.closed_at",
	"overdue":          "field.column.overdue",
	"subject":          "field.column.subject",
	"description":      "field.column.description",
	"category":         "field.column.category",
	"service":          "field.column.service",
	"assignee":         "field.column.assignee",
	"citizen_name":     "field.column.citizen_name",
	"citizen_email":    "field.column.citizen_email",
	"citizen_phone":    "field.column.citizen_phone",
	"citizen_address":  "field.column.citizen_address",
	"citizen_language": "field.column.citizen_language",
	"reply_text":       "field.column.reply_text",
	"reply_language":   "field.column.reply_language",
	"reply_at":         "field.column.reply_at",
	"waited_days":      "field.column.waited_days",
	"satisfaction":     "field.column.satisfaction",
}

// Heading is the heading of column col in an export in lang; "" gives the stable column
// name (citizen_name), which scripts rely on.
func Heading(col, lang string) string {
	if lang == "" {
		return col
	}
	return translations.T(lang, columnKeys[col])
}

// headingKey reduces a heading to what matters: case, spaces, underscores and hyphens do
// not ("Citizen e-mail", "citizen_email", " CITIZEN EMAIL "), nor a byte-order mark or
// the way a program composes accented letters.
func headingKey(h string) string {
	h = norm.NFC.String(strings.ToLower(h))
	var b strings.Builder
	for _, r := range h {
		if unicode.IsSpace(r) || r == '_' || r == '-' || r == '\uFEFF' || r == '\u200B' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// headingIndex maps every accepted heading to its column: the stable names and the
// headings of the localized export in each of the program's languages. clashes lists
// headings that two columns would share (a translation mistake the tests catch); the
// first column keeps such a heading.
func headingIndex() (index map[string]string, clashes []string) {
	index = map[string]string{}
	add := func(h, col string) {
		k := headingKey(h)
		if other, ok := index[k]; ok {
			if other != col {
				clashes = append(clashes, h+": "+other+", "+col)
			}
			return
		}
		index[k] = col
	}
	for _, col := range Columns {
		add(col, col)
	}
	for _, lang := range translations.Languages {
		for _, col := range Columns {
			add(Heading(col, lang), col)
		}
	}
	return index, clashes
}

var accepted, _ = headingIndex()

func headerColumn(h string) (string, bool) {
	col, ok := accepted[headingKey(h)]
	return col, ok
}

// formulaStart are the first characters that make a spreadsheet treat a cell as a
// formula (OWASP, CSV injection): a citizen's e-mail must never run as one.
const formulaStart = "=+-@\t\r"

// startsLikeFormula tells whether v, after any leading apostrophes, begins like a
// formula.
func startsLikeFormula(v string) bool {
	rest := strings.TrimLeft(v, "'")
	return rest != "" && strings.IndexByte(formulaStart, rest[0]) >= 0
}

// defuse prefixes a cell that a spreadsheet would take as a formula with an apostrophe,
// so that it shows as text. A value that already starts with apostrophes before such a
// character gets one more, so that restore gives every value back exactly.
func defuse(v string) string {
	if startsLikeFormula(v) {
		return "'" + v
	}
	return v
}

// restore undoes defuse.
func restore(v string) string {
	if strings.HasPrefix(v, "'") && startsLikeFormula(v) {
		return v[1:]
	}
	return v
}

var (
	dayFirst = regexp.MustCompile(`^(\d{1,2})([./])(\d{1,2})([./])(\d{4}|\d{2})(?:(?:\s+|T|,\s*)(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$`)
	isoLocal = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}
)

// ParseTime reads a time as offices and spreadsheets write it: RFC 3339
// (2026-11-20T14:30:00+01:00), ISO 8601 without zone (2026-11-20 14:30), and the day
// first as in Italy and Germany (20/11/2026 14:30, 20.11.2026 14.30, seconds optional,
// two-digit years from LibreOffice's German default). Times without zone are the
// offices' local time. A bare date is taken as noon, so that a date-only receipt and a
// date-only reply on the same day stay in order.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range isoLocal {
		if t, err := time.ParseInLocation(layout, s, data.Rome); err == nil {
			return t, nil
		}
	}
	if d, err := time.ParseInLocation("2006-01-02", s, data.Rome); err == nil {
		return d.Add(12 * time.Hour), nil
	}
	if m := dayFirst.FindStringSubmatch(s); m != nil && m[2] == m[4] {
		num := func(i int) int { n, _ := strconv.Atoi(m[i]); return n }
		day, month, year := num(1), num(3), num(5)
		if len(m[5]) == 2 {
			// As POSIX reads %y: 69 and later are the 1900s.
			year += 2000
			if year >= 2069 {
				year -= 100
			}
		}
		hour, minute, second := 12, 0, 0
		if m[6] != "" {
			hour, minute, second = num(6), num(7), num(8)
		}
		t := time.Date(year, time.Month(month), day, hour, minute, second, 0, data.Rome)
		// time.Date rolls 31/02 over into March; a date that moved was not a date.
		if t.Day() == day && int(t.Month()) == month && hour < 24 && minute < 60 && second < 60 {
			return t, nil
		}
	}
	return time.Time{}, data.Problemf("err.datetime", "value", s)
}

// parseScore reads a satisfaction score, also as a spreadsheet with a decimal comma
// writes a whole number ("4,0").
func parseScore(v string) (int, error) {
	f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1000 {
		return 0, data.Problemf("err.satisfaction", "value", v)
	}
	return int(f), nil
}
