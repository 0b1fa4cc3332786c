package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/translations"
)

// Switching the language while the program runs changes every label at once and keeps
// the work: the search typed, the form being filled, the open case.
func TestSwitchingLanguageChangesTheLabels(t *testing.T) {
	s := mixedRegister(t)
	sh, q, w := shellFor(t, s, "it", "")
	typeInto(w, sh.register.search, "muller")
	q.until(t, "the search", func() bool { return settled(sh.register) && sh.register.filter.Query == "muller" })
	sh.ShowIntake()
	typeInto(w, sh.intake.subject, "Orari")
	showCase(t, sh, q, "BZ-2026-000003")
	relayout(w)
	root := w.Canvas().Content()
	for _, want := range []string{"Registro", "Nuova pratica", "Impostazioni", "Azioni", "Cronologia", "Risposta scritta"} {
		if !shows(root, want) {
			t.Fatalf("Italian window lacks %q: %q", want, texts(root))
		}
	}
	if m := w.MainMenu(); m.Items[0].Label != "Registro" || m.Items[0].Items[0].Label != "Nuova pratica (Ctrl+N)" {
		t.Errorf("Italian menu: %q %q", m.Items[0].Label, m.Items[0].Items[0].Label)
	}

	// The Language menu, as a clerk would use it.
	for _, item := range w.MainMenu().Items[1].Items {
		if item.Label == "Deutsch" {
			item.Action()
		}
	}
	q.until(t, "the German register and case", func() bool {
		oc := sh.currentCase()
		return settled(sh.register) && oc != nil && oc.view.c != nil
	})
	relayout(w)
	root = w.Canvas().Content()
	for _, want := range []string{"Register", "Neuer Vorgang (Entwurf)", "Einstellungen", "Aktionen", "Verlauf", "Schriftliche Antwort", "Status: eingegangen"} {
		if !shows(root, want) {
			t.Errorf("German window lacks %q: %q", want, texts(root))
		}
	}
	for _, gone := range []string{"Registro", "Azioni", "Cronologia"} {
		if shows(root, gone) {
			t.Errorf("German window still shows %q", gone)
		}
	}
	if m := w.MainMenu(); m.Items[0].Label != "Register" || m.Items[0].Items[0].Label != "Neuer Vorgang (Strg+N)" {
		t.Errorf("German menu: %q %q", m.Items[0].Label, m.Items[0].Items[0].Label)
	}
	if sh.register.search.Text != "muller" || sh.register.filter.Query != "muller" {
		t.Errorf("the search was lost: %q", sh.register.search.Text)
	}
	if sh.intake.subject.Text != "Orari" {
		t.Errorf("the form was lost: %q", sh.intake.subject.Text)
	}
	if oc := sh.currentCase(); oc == nil || oc.view.id != mustGet(t, s, "BZ-2026-000003").ID {
		t.Error("the open case is not in front any more")
	}
	headers := map[string]bool{}
	sh.ShowRegister()
	relayout(w)
	for _, o := range visibleObjects(sh.register.table) {
		if h, ok := o.(*headerCell); ok {
			headers[h.text] = true
		}
	}
	if !headers["Protokollnr."] || !headers["Frist"] || headers["Scadenza"] {
		t.Errorf("table headers after the switch: %v", headers)
	}
	if fyne.CurrentApp().Preferences().String(PrefLanguage) != "de" {
		t.Error("the language chosen is not kept for the next start")
	}
	if lang.L("Cancel") != "Abbrechen" {
		t.Errorf("Fyne's own words did not follow: %q", lang.L("Cancel"))
	}
}

// Fyne's own dialogs (confirmations, the file chooser) speak Italian and German too,
// also when the system's locale is C (which Fyne cannot parse).
func TestFyneDialogsSpeakTheInterfaceLanguage(t *testing.T) {
	t.Setenv("LANG", "C")
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	test.NewTempApp(t)
	for _, tc := range []struct{ lang, yes, no, cancel string }{
		{"it", "Sì", "No", "Annulla"}, {"de", "Ja", "Nein", "Abbrechen"}, {"en", "Yes", "No", "Cancel"},
	} {
		if !UseFyneLanguage(tc.lang) {
			t.Fatalf("%s: Fyne does not speak it", tc.lang)
		}
		w := test.NewTempWindow(t, nil)
		w.Resize(fyne.NewSize(800, 600))
		dialog.ShowConfirm("?", "?", func(bool) {}, w)
		top := w.Canvas().Overlays().Top()
		if !shows(top, tc.yes) || !shows(top, tc.no) {
			t.Errorf("%s: the confirmation says %q", tc.lang, texts(top))
		}
		if got := lang.L("Cancel"); got != tc.cancel {
			t.Errorf("%s: Cancel is %q", tc.lang, got)
		}
	}
	if os.Getenv("LC_ALL") != "" || os.Getenv("LANGUAGE") != "" || os.Getenv("LANG") != "C" {
		t.Error("the locale variables were not put back")
	}
}

// The reminder counts at the start and on every tick, shows the figures at the foot of
// the window and sends a desktop notification.
func TestReminderNotifiesAndShowsTheCounts(t *testing.T) {
	s := mixedRegister(t)
	a := test.NewTempApp(t)
	q := make(uiQueue, 100)
	e := &env{store: s, lang: "it", do: q.do, app: a}
	r := newReminder(e, 20*time.Millisecond)
	checks := 0
	r.done = func() { checks++ }
	test.AssertNotificationSent(t, &fyne.Notification{Title: "Ascolto — scadenze",
		Content: "1 pratica scaduta e 1 pratica in scadenza oggi. A ogni cittadino è dovuta una risposta scritta entro il termine."}, func() {
		r.Start()
		q.until(t, "the first count", func() bool { return checks >= 1 })
	})
	defer r.Stop()
	w := test.NewTempWindow(t, r.Object())
	w.Resize(fyne.NewSize(1000, 60))
	// the footer's figure is the whole register's, and says so
	for _, want := range []string{"1 scaduta, tra tutte le pratiche aperte", "1 in scadenza oggi", "Scadenze controllate alle 12:00"} {
		if !shows(w.Canvas().Content(), want) {
			t.Errorf("reminder line lacks %q: %q", want, texts(w.Canvas().Content()))
		}
	}
	q.until(t, "the next tick", func() bool { return checks >= 2 })
	shown := false
	r.OnShow = func() { shown = true }
	test.Tap(r.show)
	if !shown {
		t.Error("the reminder's button does not show the overdue cases")
	}
	if _, err := s.Create(t.Context(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter,
		ReceivedAt: now.AddDate(0, 0, -20), Subject: "Vecchia"}); err != nil {
		t.Fatal(err)
	}
	n := checks
	q.until(t, "the count after a change", func() bool { return checks > n && r.overdue == 2 })
	if !strings.Contains(r.overdueLabel.Text, "2 scadute") {
		t.Errorf("after a new overdue case: %q", r.overdueLabel.Text)
	}
	_ = translations.T
}
