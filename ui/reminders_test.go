package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
)

// The notification counts in words that agree with the figure: one case in the
// singular, several in the plural, in each language; a figure of nought is left out.
func TestReminderTextAgreesWithTheFigures(t *testing.T) {
	const (
		it = " A ogni cittadino è dovuta una risposta scritta entro il termine."
		de = " Jeder Bürgerin und jedem Bürger steht fristgerecht eine schriftliche Antwort zu."
		en = " Every citizen is owed a written reply within the deadline."
	)
	for _, tc := range []struct {
		lang           string
		overdue, today int
		want           string
	}{
		{"it", 1, 0, "1 pratica scaduta." + it},
		{"it", 4, 0, "4 pratiche scadute." + it},
		{"it", 1, 1, "1 pratica scaduta e 1 pratica in scadenza oggi." + it},
		{"it", 3, 2, "3 pratiche scadute e 2 pratiche in scadenza oggi." + it},
		{"it", 0, 1, "1 pratica in scadenza oggi." + it},
		{"de", 1, 0, "1 Vorgang überfällig." + de},
		{"de", 1200, 1, "1.200 Vorgänge überfällig und 1 Vorgang heute fällig." + de},
		{"de", 0, 5, "5 Vorgänge heute fällig." + de},
		{"en", 1, 1, "1 case overdue and 1 case due today." + en},
		{"en", 2, 7, "2 cases overdue and 7 cases due today." + en},
	} {
		if got := reminderText(tc.lang, tc.overdue, tc.today); got != tc.want {
			t.Errorf("%s, %d overdue, %d today:\n got %q\nwant %q", tc.lang, tc.overdue, tc.today, got, tc.want)
		}
	}
}

// The reminder's own notification on a register with two overdue cases and one due
// today says so in the plural and the singular.
func TestReminderNotifiesInThePlural(t *testing.T) {
	s := mixedRegister(t) // one overdue, one due today
	if _, err := s.Create(t.Context(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter,
		ReceivedAt: now.AddDate(0, 0, -20), Subject: "Vecchia"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, title, want string }{
		{"it", "Ascolto — scadenze", "2 pratiche scadute e 1 pratica in scadenza oggi. A ogni cittadino è dovuta una risposta scritta entro il termine."},
		{"de", "Ascolto — Fristen", "2 Vorgänge überfällig und 1 Vorgang heute fällig. Jeder Bürgerin und jedem Bürger steht fristgerecht eine schriftliche Antwort zu."},
	} {
		a := test.NewTempApp(t)
		q := make(uiQueue, 100)
		e := &env{store: s, lang: tc.lang, do: q.do, app: a}
		r := newReminder(e, time.Hour)
		checked := false
		r.done = func() { checked = true }
		test.AssertNotificationSent(t, &fyne.Notification{Title: tc.title, Content: tc.want}, func() {
			r.Check()
			q.until(t, "the count", func() bool { return checked })
		})
	}
}
