package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/translations"
)

func TestFormats(t *testing.T) {
	at := time.Date(2026, 3, 9, 7, 5, 0, 0, time.UTC) // 08:05 in Bolzano
	for _, tc := range []struct {
		lang, number, dateTime, day, one, many string
	}{
		{"it", "1.234.567", "09/03/2026 08:05", "31/12/2026", "1 pratica", "1.234 pratiche"},
		{"de", "1.234.567", "09.03.2026 08:05", "31.12.2026", "1 Vorgang", "1.234 Vorgänge"},
		{"en", "1,234,567", "2026-03-09 08:05", "2026-12-31", "1 case", "1,234 cases"},
	} {
		check := func(what, got, want string) {
			if got != want {
				t.Errorf("%s %s: %q, want %q", tc.lang, what, got, want)
			}
		}
		check("number", formatNumber(1234567, tc.lang), tc.number)
		check("date and time", formatDateTime(at, tc.lang), tc.dateTime)
		check("day", formatDay("2026-12-31", tc.lang), tc.day)
		check("one", plural(tc.lang, 1, "window.count.one", "window.count.other"), tc.one)
		check("many", plural(tc.lang, 1234, "window.count.one", "window.count.other"), tc.many)
	}
	if got := formatDay("not a date", "it"); got != "not a date" {
		t.Errorf("a bad date is shown as %q", got)
	}
}

func TestErrorText(t *testing.T) {
	p := data.Problemf("err.not_register", "path", "/tmp/x.txt")
	got := ErrorText("de", p)
	if want := translations.Format("de", "err.not_register", p.Args); got != want || !strings.Contains(got, "/tmp/x.txt") {
		t.Errorf("problem text %q, want %q", got, want)
	}
	if got := ErrorText("it", errors.New("disk on fire")); !strings.Contains(got, "disk on fire") || !strings.HasPrefix(got, "Errore imprevisto") {
		t.Errorf("other error shown as %q", got)
	}
}

// Italian and German are equal: every word of the window exists in both, and in English.
func TestWindowWordsInEveryLanguage(t *testing.T) {
	keys := map[string]bool{}
	for _, lang := range translations.Languages {
		for _, k := range translations.Keys(lang) {
			if strings.HasPrefix(k, "window.") {
				keys[k] = true
			}
		}
	}
	if len(keys) == 0 {
		t.Fatal("no window.* translations found")
	}
	for k := range keys {
		for _, lang := range translations.Languages {
			if !translations.Has(lang, k) {
				t.Errorf("%s has no %s", lang, k)
			}
		}
	}
	for _, col := range columns {
		if !keys[col.header] {
			t.Errorf("column %s has no header text %s", col.key, col.header)
		}
	}
}
