package ui

import (
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/translations"
)

// The Settings screen with the keyboard alone, as the clerk's day does it in the real
// window (cmd/ascolto/day_test.go): Ctrl+, puts the keyboard on the language, five
// Shift+Tab go round to the certificate's field (past the foot's "Show the overdue",
// "Letters…", "Save" and "Choose…"),
// the path is typed and Ctrl+S saves the places. Enter in a field and Ctrl+S while a
// field has the keyboard save the part of the screen it stands in, as its button does.
func TestSettingsByKeyboard(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			s := mixedRegister(t)
			sh, q, w := keyShell(t, s, lang, t.TempDir())
			// The window as on the day: no exchange folder set on the fresh workstation
			// (with one, the exchange's line at the foot of the window is one Shift+Tab
			// more), and overdue cases in the register, so that the foot's "Show the
			// overdue" button is the window's last control.
			sh.SetExchange(nil)
			sh.reminder.Check()
			q.until(t, "the overdue cases counted", func() bool { return sh.reminder.show.Visible() })
			c := w.Canvas()
			v := sh.settings
			press := func(name string) {
				t.Helper()
				sc, _ := docKey(lang, name)
				pressKeys(t, w, sc)
			}
			said := func(l *widget.Label, key string) func() bool {
				return func() bool { return l.Visible() && l.Text == translations.T(lang, key) }
			}

			press(",")
			q.until(t, "the settings", func() bool { return v.defaultDays.Text != "" })
			if c.Focused() != fyne.Focusable(v.language) {
				t.Fatalf("Ctrl+, puts the keyboard on %s", name(c.Focused()))
			}
			for range 5 {
				tab(t, w, true)
			}
			if c.Focused() != fyne.Focusable(v.certificate) {
				t.Fatalf("five Shift+Tab from the language reach %s, not the certificate's field", name(c.Focused()))
			}
			cert := filepath.Join(t.TempDir(), "firma.p12")
			v.certificate.SetText("") // empty on the day's new workstation
			test.Type(v.certificate, cert)
			press("S")
			q.until(t, "the places saved", said(v.placesMsg, "settings.saved"))
			if got := v.e.pref(PrefCertificate); got != cert {
				t.Fatalf("Ctrl+S kept the certificate %q", got)
			}

			// Enter in the office's name saves the office.
			v.placesMsg.Hide()
			c.Focus(v.nameDE)
			v.nameDE.SetText("Bürgerschalter Bozen")
			hit(w, fyne.KeyReturn)
			q.until(t, "the office saved", said(v.officeMsg, "settings.saved"))
			if got := s.Local().NameDE; got != "Bürgerschalter Bozen" {
				t.Fatalf("Enter in the name saved %q", got)
			}
			if v.placesMsg.Visible() {
				t.Error("Enter in the office's name saved the places too")
			}

			// Ctrl+S in a kind's days saves the days.
			k := data.Kinds[0]
			c.Focus(v.days[k])
			v.days[k].SetText("12")
			press("S")
			q.until(t, "the days saved", said(v.daysMsg, "settings.days_saved"))
			if n, err := s.DeadlineDays(s.Local().Code, k); err != nil || n != 12 {
				t.Fatalf("Ctrl+S in the days of %s: %d, %v", k, n, err)
			}

			// With the keyboard on no field (the language), Ctrl+S saves nothing.
			v.officeMsg.Hide()
			v.daysMsg.Hide()
			c.Focus(v.language)
			press("S")
			pump(q, 50*time.Millisecond)
			if v.officeMsg.Visible() || v.daysMsg.Visible() || v.placesMsg.Visible() {
				t.Error("Ctrl+S on the language saved something")
			}
		})
	}
}
