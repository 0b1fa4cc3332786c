// Package report writes the quality report of a period — a PDF with charts and tables
// in Italian, German or English — and the same figures as XLSX and CSV for spreadsheets;
// also the answer to a citizen's request for their data (PDF) and the side-by-side
// comparison of benchmarking files (PDF). Charts are drawn with gofpdf's own lines and
// rectangles, in the embedded fonts, so a report looks the same on every workstation.
package report

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"ascolto/translations"
)

// Format writes numbers, rates, working days and dates the way a language writes them
// (1.234 and 92,5 % in Italian and German, 1,234 and 92.5% in English). The dashboard
// and the command line use it too, so that a figure reads the same everywhere.
type Format struct {
	Lang string
	p    *message.Printer
}

// NewFormat returns the formats of lang ("it", "de" or "en"; anything else is English).
func NewFormat(lang string) *Format {
	if !translations.Supported(lang) {
		lang = "en"
	}
	return &Format{Lang: lang, p: message.NewPrinter(language.Make(lang))}
}

// T translates a key in the report's language.
func (f *Format) T(key string, kv ...string) string { return translations.T(f.Lang, key, kv...) }

// Word translates a domain value (kind, channel…) and starts it with a capital, as a
// label in a table or a legend stands.
func (f *Format) Word(key string) string { return Capital(f.T(key)) }

// Capital starts s with a capital letter.
func Capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// Int writes a count with the language's grouping.
func (f *Format) Int(n int) string { return f.p.Sprintf("%d", n) }

// Dec writes v with digits decimals.
func (f *Format) Dec(v float64, digits int) string {
	switch digits {
	case 0:
		return f.p.Sprintf("%.0f", v)
	case 2:
		return f.p.Sprintf("%.2f", v)
	}
	return f.p.Sprintf("%.1f", v)
}

// Days writes a time in working days: whole days without decimals, others with one.
func (f *Format) Days(v *float64) string {
	if v == nil {
		return "–"
	}
	if *v == float64(int(*v)) {
		return f.Dec(*v, 0)
	}
	return f.Dec(*v, 1)
}

// Rate writes a share (0..1) as a percentage with one decimal.
func (f *Format) Rate(v *float64) string {
	if v == nil {
		return "–"
	}
	s := f.Dec(*v*100, 1)
	if f.Lang == "en" {
		return s + "%"
	}
	return s + " %" // Italian and German put a space before the sign
}

// Score writes a satisfaction mean on the five-point scale.
func (f *Format) Score(v *float64) string {
	if v == nil {
		return "–"
	}
	return f.Dec(*v, 1) + "/5"
}

// dateLayouts are the short dates offices write: 31/03/2026, 31.03.2026, 2026-03-31.
var dateLayouts = map[string]string{"it": "02/01/2006", "de": "02.01.2006", "en": "2006-01-02"}

// Date writes a register date (YYYY-MM-DD) the language's way; other text as it is.
func (f *Format) Date(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format(dateLayouts[f.Lang])
}

// DateTime writes an instant in the offices' zone.
func (f *Format) DateTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(dateLayouts[f.Lang] + " 15:04")
}

// monthKeys name the months in charts and tables.
var monthKeys = [12]string{"stats.month.1", "stats.month.2", "stats.month.3", "stats.month.4", "stats.month.5", "stats.month.6",
	"stats.month.7", "stats.month.8", "stats.month.9", "stats.month.10", "stats.month.11", "stats.month.12"}

// Month writes a month (YYYY-MM) as "gen 2026" / "Jän 2026" / "Jan 2026"; short says
// only the month's name.
func (f *Format) Month(key string, short bool) string {
	t, err := time.Parse("2006-01", key)
	if err != nil {
		return key
	}
	name := f.T(monthKeys[t.Month()-1])
	if short {
		return name
	}
	return name + " " + t.Format("2006")
}

// Period writes the days a report covers: "dal 01/01/2026 al 31/03/2026".
func (f *Format) Period(from, to string) string {
	switch {
	case from != "" && to != "":
		return f.T("stats.period_from_to", "from", f.Date(from), "to", f.Date(to))
	case from != "":
		return f.T("stats.period_from", "from", f.Date(from))
	case to != "":
		return f.T("stats.period_to", "to", f.Date(to))
	}
	return f.T("stats.period_all")
}

// List joins words with commas.
func List(words []string) string { return strings.Join(words, ", ") }
