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

func TestSortNamesPerLanguage(t *testing.T) {
	names := []string{"Zürich", "Österreich", "Oberbozen", "Àlbino", "Ahrntal"}
	sortNames("de", names)
	if got := strings.Join(names, ","); got != "Ahrntal,Àlbino,Oberbozen,Österreich,Zürich" {
		t.Errorf("German order %s", got)
	}
}

func TestParseDateTimeAsClerksTypeIt(t *testing.T) {
	for _, tc := range []struct{ lang, in, want string }{
		{"it", "15/06/2026 11:58", "2026-06-15T11:58:00+02:00"},
		{"it", " 15/06/2026  11.58 ", "2026-06-15T11:58:00+02:00"},
		{"de", "15.06.2026 11:58", "2026-06-15T11:58:00+02:00"},
		{"de", "15.06.2026", "2026-06-15T12:00:00+02:00"},
		{"en", "2026-06-15 11:58", "2026-06-15T11:58:00+02:00"},
		{"it", "2026-06-15", "2026-06-15T12:00:00+02:00"},
	} {
		got, ok := parseDateTime(tc.in, tc.lang)
		if !ok || got.Format(time.RFC3339) != tc.want {
			t.Errorf("%s %q: %v %v", tc.lang, tc.in, got, ok)
		}
	}
	for _, bad := range []string{"", "31/02/2026", "ieri", "15/06"} {
		if _, ok := parseDateTime(bad, "it"); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if d, ok := parseDay("24.12.2026", "de"); !ok || d != "2026-12-24" {
		t.Errorf("parseDay: %q %v", d, ok)
	}
	if foldText("Nicolò Müller") != "nicolo muller" {
		t.Error(foldText("Nicolò Müller"))
	}
}

// A letter typed into a drop-down picks the next option starting with it; Tab always
// leaves a multi-line field.
func TestKeyboardWidgets(t *testing.T) {
	c := newChoice([]string{"richiesta", "proposta", "segnalazione", "suggerimento", "reclamo", "elogio"},
		[]string{"request", "proposal", "report", "suggestion", "complaint", "praise"}, nil)
	for _, tc := range []struct {
		r    rune
		want string
	}{{'s', "report"}, {'s', "suggestion"}, {'s', "report"}, {'E', "praise"}, {'x', "praise"}} {
		c.TypedRune(tc.r)
		if c.Value() != tc.want {
			t.Errorf("after %q: %s, want %s", tc.r, c.Value(), tc.want)
		}
	}
	c.SetValue("nonsense")
	if c.Value() != "" {
		t.Error("an unknown value is chosen")
	}
	if newTextArea(3).AcceptsTab() {
		t.Error("a multi-line field keeps Tab")
	}
}

// TestHistoryOfAChangeFromAnotherOffice: an entry received through the exchange names
// the office beside the clerk and shows the time the change was made there.
func TestHistoryOfAChangeFromAnotherOffice(t *testing.T) {
	e := data.AuditEntry{At: "2026-11-27T22:30:00Z", Actor: "bernd", Office: "EGNA", Action: "assign",
		Changes: `{"assignee":["Anna","Bernd"]}`, Note: "dringend [EGNA 7 2026-11-27T09:15:00Z]"}
	l := describeEntry(e, "de", []data.Office{{Code: "EGNA", NameIT: "Centro di mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt"}})
	if l.Who != "bernd (Arbeitsvermittlungszentrum Neumarkt)" || l.Note != "dringend" || l.When != formatDateTime(time.Date(2026, 11, 27, 9, 15, 0, 0, time.UTC), "de") {
		t.Errorf("received entry shown as %+v", l)
	}
	if l := describeEntry(data.AuditEntry{Actor: "anna", Note: "[nota]"}, "it", nil); l.Who != "anna" || l.Note != "[nota]" {
		t.Errorf("local entry shown as %+v", l)
	}
}
