package ui

import (
	"strings"
	"testing"
	"time"

	"ascolto/data"
)

// TestDateErrorsInTheClerksForm: a date the window cannot read is answered in the form
// the clerk writes, with an example; a time the register names is shown as the clerk
// writes it, never as RFC 3339.
func TestDateErrorsInTheClerksForm(t *testing.T) {
	for lang, want := range map[string]string{
		"it": "31/02/2026 non è una data; scrivere ad es. 27/11/2026 14:30",
		"de": "31/02/2026 ist kein Datum; schreiben Sie z. B. 27.11.2026 14:30",
	} {
		got := ErrorText(lang, data.Problemf("err.date", "value", "31/02/2026"))
		if !strings.Contains(got, want) || strings.Contains(got, "RFC") || strings.Contains(got, "AAAA") || strings.Contains(got, "JJJJ") {
			t.Errorf("%s: %q", lang, got)
		}
		if got := ErrorText(lang, data.Problemf("err.date", "value", " ")); strings.HasPrefix(strings.TrimSpace(got), "non") || strings.HasPrefix(strings.TrimSpace(got), "ist") {
			t.Errorf("%s, nothing typed: %q", lang, got)
		}
	}
	future := time.Date(2026, 12, 31, 10, 0, 0, 0, data.Rome).Format(time.RFC3339)
	if got := ErrorText("it", data.Problemf("err.future", "value", future)); !strings.Contains(got, "31/12/2026 10:00") || strings.Contains(got, "T10") {
		t.Errorf("a time in the future: %q", got)
	}
	if got := ErrorText("de", data.Problemf("err.future", "value", future)); !strings.Contains(got, "31.12.2026 10:00") {
		t.Errorf("a time in the future: %q", got)
	}
}
