package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/translations"
)

func TestSettingsWriteThroughTheRegister(t *testing.T) {
	s := newRegister(t, 0)
	sh, q, w := shellFor(t, s, "it", "")
	sh.ShowSettings()
	v := sh.settings
	loaded := false
	v.loaded = func() { loaded = true }
	q.until(t, "the settings", func() bool { return v.defaultDays.Text != "" })
	if v.defaultDays.Text != "3" || v.days[data.KindComplaint].Text != "3" {
		t.Fatalf("deadline days shown: %q %q", v.defaultDays.Text, v.days[data.KindComplaint].Text)
	}

	// Deadline days: complaints get five, a wrong figure is refused in words.
	v.days[data.KindComplaint].SetText("5")
	v.days[data.KindPraise].SetText("0")
	test.Tap(findButton(t, w, "Salva i termini"))
	q.until(t, "the refusal", func() bool { return v.daysMsg.Visible() })
	if v.daysMsg.Text != translations.T("it", "err.deadline_days", "value", "0") {
		t.Errorf("message %q", v.daysMsg.Text)
	}
	if d, _ := s.DeadlineDays("BZ", data.KindComplaint); d != 3 {
		t.Errorf("a refused save changed the complaints' days to %d", d)
	}
	v.days[data.KindPraise].SetText("3")
	loaded = false
	test.Tap(findButton(t, w, "Salva i termini"))
	q.until(t, "the save", func() bool { return loaded && v.daysMsg.Text == "Termini salvati." })
	if d, _ := s.DeadlineDays("BZ", data.KindComplaint); d != 5 {
		t.Errorf("complaints: %d days (%q)", d, v.daysMsg.Text)
	}

	// A closure day typed the Italian way, then taken back.
	v.closureDay.SetText("24/12/2026")
	v.closureNote.SetText("Vigilia")
	test.Tap(findButton(t, w, "Aggiungi"))
	q.until(t, "the closure", func() bool { return len(v.closureList) == 1 })
	if days, _ := s.Closures("BZ"); len(days) != 1 || days[0] != "2026-12-24" {
		t.Fatalf("closures %v", days)
	}
	test.Tap(findButton(t, w, "Togli"))
	q.until(t, "the closure removed", func() bool { return len(v.closureList) == 0 })

	// The office's names, and a backup now into the folder chosen.
	v.nameDE.SetText("Bürgerservice der Gemeinde")
	test.Tap(findButton(t, w, "Salva i dati dell'ufficio"))
	q.until(t, "the office", func() bool { return v.officeMsg.Visible() })
	if s.Local().NameDE != "Bürgerservice der Gemeinde" {
		t.Errorf("office %+v", s.Local())
	}
	dir := t.TempDir()
	v.backupDir.SetText(dir)
	test.Tap(findButton(t, w, "Esegui la copia ora"))
	q.until(t, "the backup", func() bool { return strings.HasPrefix(v.backupMsg.Text, "Copia di sicurezza scritta") })
	files, _ := filepath.Glob(filepath.Join(dir, "ascolto-BZ-*.ascolto"))
	if len(files) != 1 {
		t.Fatalf("backups %v", files)
	}
	if b, err := data.Open(files[0], data.Options{}); err != nil {
		t.Errorf("the backup does not open: %v", err)
	} else {
		b.Close()
	}
	if s.BackupSettings().Dir != dir {
		t.Error("the backup folder is not kept in the register")
	}

	// The places of the exchange folder and of the certificate.
	v.exchangeDir.SetText("/srv/scambio")
	v.certificate.SetText("/home/clerk/firma.p12")
	test.Tap(findButton(t, w, "Salva i percorsi"))
	if sh.e.pref(PrefExchangeDir) != "/srv/scambio" || sh.e.pref(PrefCertificate) != "/home/clerk/firma.p12" {
		t.Error("places not kept")
	}

	// The language, switched from here.
	v.language.SetValue("de")
	q.until(t, "the switch", func() bool { return sh.e.lang == "de" && sh.tabs.Selected() == sh.settingsTab })
	_ = os.Getenv
}

func findButton(t *testing.T, w fyne.Window, label string) *button {
	t.Helper()
	for _, o := range visibleObjects(w.Content()) {
		if b, ok := o.(*button); ok && b.Text == label {
			return b
		}
	}
	t.Fatalf("no button %q", label)
	return nil
}
