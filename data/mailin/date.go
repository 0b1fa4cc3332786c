package mailin

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Dates are read by their parts rather than by a few fixed layouts, because the Date
// headers of real mail leave out the day name, write two-digit years, full month names,
// named zones ("CEST"), zones only in a comment ("(CET)"), or ISO 8601. A zone name is
// only taken when its offset is known: net/mail would read an unknown "CEST" as UTC.

// zones are the named zones seen in mail, with their offsets in minutes. Ambiguous
// names (IST, CST in China) are read as their RFC 822 or European meaning.
var zones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
	"BST": 60, "WEST": 60, "CET": 60, "MET": 60, "MEZ": 60,
	"CEST": 120, "MEST": 120, "MESZ": 120, "METDST": 120, "CETDST": 120, "EET": 120,
	"EEST": 180, "MSK": 180,
	"EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
	"MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
}

var monthNames = map[string]time.Month{}

func init() {
	// English, Italian and German names and abbreviations, as written by webmail in
	// those languages.
	for i, names := range [][]string{
		{"jan", "january", "gen", "gennaio", "januar", "jän", "jänner"},
		{"feb", "february", "febbraio", "februar"},
		{"mar", "march", "marzo", "mär", "märz", "maerz", "mrz"},
		{"apr", "april", "aprile"},
		{"may", "mag", "maggio", "mai"},
		{"jun", "june", "giu", "giugno", "juni"},
		{"jul", "july", "lug", "luglio", "juli"},
		{"aug", "august", "ago", "agosto"},
		{"sep", "sept", "september", "set", "settembre"},
		{"oct", "october", "ott", "ottobre", "okt", "oktober"},
		{"nov", "november", "novembre"},
		{"dec", "december", "dic", "dicembre", "dez", "dezember"},
	} {
		for _, n := range names {
			monthNames[n] = time.Month(i + 1)
		}
	}
}

// parseDate reads a Date header; ok is false when it cannot be read without guessing
// (no zone, an unknown zone name, an impossible day).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 200 {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	// Comments: "(CET)" names the zone when nothing else does.
	var comment string
	for {
		i := strings.IndexByte(s, '(')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			comment += " " + s[i+1:]
			s = s[:i]
			break
		}
		comment += " " + s[i+1:i+j]
		s = s[:i] + " " + s[i+j+1:]
	}
	s = strings.TrimSpace(s)
	// A leading word followed by a comma is the day name, in whatever language: "Mar,"
	// is Tuesday in Italian, not March.
	if i := strings.IndexByte(s, ','); i > 0 && isWord(s[:i]) {
		s = s[i+1:]
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\r' || r == '\n' })
	var (
		day, year          = -1, -1
		yearDigits         int
		month              time.Month
		hour, min, sec     = -1, 0, 0
		offset, haveOffset = 0, false
		numbers            []string
	)
	for _, f := range fields {
		lf := strings.ToLower(strings.TrimSuffix(f, "."))
		switch {
		case strings.Contains(f, ":") && hour < 0 && !strings.HasPrefix(f, "+") && !strings.HasPrefix(f, "-"):
			h, m, sc, ok := clock(f)
			if !ok {
				return time.Time{}, false
			}
			hour, min, sec = h, m, sc
		case (f[0] == '+' || f[0] == '-') && !haveOffset:
			o, ok := numericZone(f)
			if !ok {
				return time.Time{}, false
			}
			offset, haveOffset = o, true
		case allDigits(f):
			numbers = append(numbers, f)
		case isoDay(f) && month == 0 && len(numbers) == 0:
			// 2026-06-15, written by scripts and some web forms.
			m, _ := strconv.Atoi(f[5:7])
			if m < 1 || m > 12 {
				return time.Time{}, false
			}
			month = time.Month(m)
			numbers = append(numbers, f[8:10], f[:4])
		case monthNames[lf] != 0 && month == 0:
			month = monthNames[lf]
		case isDayName(lf):
			// Leading day names are ignored; they add nothing and are often wrong.
		default:
			up := strings.ToUpper(f)
			if o, ok := zones[up]; ok && !haveOffset {
				offset, haveOffset = o, true
				continue
			}
			// "GMT+0200", "UTC+2"
			if i := strings.IndexAny(up, "+-"); i > 0 {
				if _, ok := zones[up[:i]]; ok && !haveOffset {
					if o, ok := numericZone(up[i:]); ok {
						offset, haveOffset = o, true
						continue
					}
				}
			}
			return time.Time{}, false
		}
	}
	if !haveOffset {
		for _, f := range strings.Fields(comment) {
			if o, ok := zones[strings.ToUpper(f)]; ok {
				offset, haveOffset = o, true
				break
			}
		}
	}
	if month == 0 || hour < 0 || !haveOffset || len(numbers) != 2 {
		return time.Time{}, false
	}
	// Day then year, as RFC 5322 writes them; "Jun 15 2026" has the same order.
	d, y := numbers[0], numbers[1]
	if len(d) == 4 && len(y) <= 2 { // "2026 Jun 15"
		d, y = y, d
	}
	day, _ = strconv.Atoi(d)
	year, _ = strconv.Atoi(y)
	yearDigits = len(y)
	switch {
	case yearDigits == 2 && year < 50:
		year += 2000
	case yearDigits == 2 || yearDigits == 3:
		year += 1900 // RFC 5322 4.3: obsolete years
	case yearDigits != 4:
		return time.Time{}, false
	}
	if year < 1980 || year > 2200 {
		return time.Time{}, false // the epoch or a typo: not a date a clerk may trust
	}
	t := time.Date(year, month, day, hour, min, sec, 0, time.FixedZone(zoneName(offset), offset*60))
	if t.Day() != day || t.Month() != month {
		return time.Time{}, false // 31 June does not exist
	}
	return t, true
}

func clock(f string) (h, m, s int, ok bool) {
	parts := strings.Split(f, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	vals := make([]int, 3)
	for i, p := range parts {
		if i == 2 {
			p, _, _ = strings.Cut(p, ".") // fractions of a second
		}
		if p == "" || len(p) > 2 || !allDigits(p) {
			return 0, 0, 0, false
		}
		vals[i], _ = strconv.Atoi(p)
	}
	if vals[0] > 23 || vals[1] > 59 || vals[2] > 60 {
		return 0, 0, 0, false
	}
	if vals[2] == 60 {
		vals[2] = 59 // a leap second
	}
	return vals[0], vals[1], vals[2], true
}

// numericZone reads +0200, +02:00, +02 and +2 (minutes east of UTC).
func numericZone(f string) (int, bool) {
	sign := 1
	if f[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(f[1:], ":", "")
	if !allDigits(digits) {
		return 0, false
	}
	var h, m int
	switch len(digits) {
	case 1, 2:
		h, _ = strconv.Atoi(digits)
	case 4:
		h, _ = strconv.Atoi(digits[:2])
		m, _ = strconv.Atoi(digits[2:])
	default:
		return 0, false
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*60 + m), true
}

func zoneName(offset int) string {
	if offset == 0 {
		return "UTC"
	}
	return ""
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isoDay(f string) bool {
	return len(f) == 10 && f[4] == '-' && f[7] == '-' && allDigits(f[:4]) && allDigits(f[5:7]) && allDigits(f[8:])
}

func isWord(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && r != '.' {
			return false
		}
	}
	return true
}

func isDayName(s string) bool {
	if len(s) < 2 {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun",
		"lun", "mar", "mer", "gio", "ven", "sab", "dom", "mo", "di", "mi", "do", "fr", "sa", "so"} {
		if strings.HasPrefix(s, d) {
			return true
		}
	}
	return false
}
