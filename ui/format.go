package ui

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/unicode/norm"

	"ascolto/data"
	"ascolto/translations"
)

// Date layouts per language: what a clerk in Bolzano writes by hand (02/01/2006 in
// Italian, 02.01.2006 in German); English gets the unambiguous ISO form because the
// English interface serves visitors who may read either convention.
var dateLayouts = map[string]string{"it": "02/01/2006", "de": "02.01.2006", "en": "2006-01-02"}

func dateLayout(lang string) string {
	if l, ok := dateLayouts[lang]; ok {
		return l
	}
	return dateLayouts["en"]
}

// formatDateTime shows an instant as the office's civil time (Europe/Rome), whatever
// the workstation's zone, so that a printed list and the screen agree.
func formatDateTime(t time.Time, lang string) string {
	return t.In(data.Rome).Format(dateLayout(lang) + " 15:04")
}

// formatDay turns a register date (YYYY-MM-DD) into the language's form; text that is
// not a date is shown as it is rather than hidden.
func formatDay(day, lang string) string {
	d, err := time.ParseInLocation("2006-01-02", day, data.Rome)
	if err != nil {
		return day
	}
	return d.Format(dateLayout(lang))
}

// formatNumber groups digits the way the language does (1.234 in Italian and German,
// 1,234 in English).
func formatNumber(n int, lang string) string {
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.English
	}
	return message.NewPrinter(tag).Sprintf("%d", n)
}

// plural picks the singular or the plural text and fills {n}; Italian, German and
// English all have just these two forms for whole numbers.
func plural(lang string, n int, one, other string) string {
	key := other
	if n == 1 {
		key = one
	}
	return translations.T(lang, key, "n", formatNumber(n, lang))
}

// word translates a domain value (kind, status, channel) by its key prefix.
func word[T ~string](lang, prefix string, v T) string {
	if v == "" {
		return ""
	}
	return translations.T(lang, prefix+"."+string(v))
}

// OfficeName is the office's name in the interface language. English has no name of its
// own in the register, so it shows both official ones.
func OfficeName(o data.Office, lang string) string {
	switch lang {
	case "it":
		return o.NameIT
	case "de":
		return o.NameDE
	}
	if o.NameIT == o.NameDE {
		return o.NameIT
	}
	return o.NameIT + " / " + o.NameDE
}

// ErrorText is what a person reads for err: the translated problem if the register
// raised one, otherwise a generic sentence with the detail for support. The register's
// problems speak of dates as the command line writes them (YYYY-MM-DD, RFC 3339); the
// window shows a time in the form the clerk writes it, and a date it cannot read with
// an example of that form.
func ErrorText(lang string, err error) string {
	var p *data.Problem
	if errors.As(err, &p) {
		key, args := p.Key, make(map[string]string, len(p.Args))
		for k, v := range p.Args {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				v = formatDateTime(t, lang)
			}
			args[k] = v
		}
		if key == "err.date" {
			key = "window.err.date"
			if strings.TrimSpace(args["value"]) == "" {
				key = "window.err.date_missing"
			}
		}
		return translations.Format(lang, key, args)
	}
	return translations.T(lang, "window.error.unexpected", "detail", err.Error())
}

// parseDateTime reads a receipt time as a clerk types it in the language's form
// (15/06/2026 11:58, 15.06.2026 11:58, 2026-06-15 11:58), the date alone meaning noon,
// as office time (Europe/Rome).
func parseDateTime(s, lang string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range []string{dateLayout(lang) + " 15:04", dateLayout(lang) + " 15.04", dateLayout(lang),
		"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, data.Rome); err == nil {
			if !strings.Contains(layout, "15") {
				t = t.Add(12 * time.Hour)
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// parseDay reads a calendar day in the language's form or as YYYY-MM-DD and gives it
// as the register writes it (YYYY-MM-DD).
func parseDay(s, lang string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{dateLayout(lang), "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, data.Rome); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

// foldText lower-cases and drops accents, for matching what a clerk types (muller,
// nicolo) against what the register holds (Müller, Nicolò).
func foldText(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// sortNames orders names the way the language's dictionaries do (Ö with O in German,
// à with a in Italian), not by byte value, which would put Österreich after Zürich.
func sortNames(lang string, names []string) {
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.English
	}
	collate.New(tag, collate.IgnoreCase).SortStrings(names)
}

// formatSize says how large a file is, in the language's number format.
func formatSize(n int64, lang string) string {
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.English
	}
	p := message.NewPrinter(tag)
	switch {
	case n < 1024:
		return p.Sprintf("%d B", n)
	case n < 1024*1024:
		return p.Sprintf("%.0f kB", float64(n)/1024)
	}
	return p.Sprintf("%.1f MB", float64(n)/(1024*1024))
}
