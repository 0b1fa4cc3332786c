package ui

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
)

// TestEverySettingHasAnEffect changes each field of the settings screen through the
// screen and looks for its effect where the program reads it: a setting nothing reads
// fails here.
func TestSettingsEachFieldHasAnEffect(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext is not installed") // the letters are read back with it
	}
	// dueOf registers a case of kind k now and gives its due date.
	dueOf := func(t *testing.T, s *data.Store, k data.Kind) string {
		c, err := s.Create(context.Background(), data.NewCase{Kind: k, Channel: data.ChannelCounter, ReceivedAt: now,
			Subject: "Prova", Citizen: data.Citizen{Name: "Maria Rossi"}})
		if err != nil {
			t.Fatal(err)
		}
		return c.DueDate
	}
	// letterText issues a letter from a case's letter panel and reads it back.
	letterText := func(t *testing.T, s *data.Store) string {
		c, err := s.Create(context.Background(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter, ReceivedAt: now,
			Subject: "Orari", Citizen: data.Citizen{Name: "Maria Rossi", Language: data.Italian}})
		if err != nil {
			t.Fatal(err)
		}
		w := test.NewWindow(nil)
		defer w.Close()
		p := newLetterPanel(s, c, "it", w)
		p.reply.SetText("Gli orari sono cambiati.")
		p.issue("")
		ls, _ := s.Letters(context.Background(), c.ID)
		if len(ls) != 1 {
			t.Fatalf("no letter: %s", p.problem.Text)
		}
		pdf, _ := s.LetterPDF(context.Background(), ls[0])
		return pdfText(t, pdf)
	}
	type row struct {
		field   string
		change  func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue)
		observe func(t *testing.T, sh *Shell) string
		want    string // the effect contains it
	}
	saveOffice := func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
		v.officeMsg.Hide()
		test.Tap(findButton(t, w, "Salva i dati dell'ufficio"))
		q.until(t, "the office saved", func() bool { return v.officeMsg.Visible() })
	}
	saveDays := func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
		v.daysMsg.Hide()
		test.Tap(findButton(t, w, "Salva i termini"))
		q.until(t, "the days saved", func() bool { return v.daysMsg.Text == "Termini salvati." && v.daysMsg.Visible() })
	}
	savePlaces := func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
		v.placesMsg.Hide()
		test.Tap(findButton(t, w, "Salva i percorsi"))
		q.until(t, "the places saved", func() bool { return v.placesMsg.Visible() })
	}
	backupDir := ""
	rows := []row{
		{"language", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.language.SetValue("de")
			q.until(t, "the switch", func() bool { return reads(w.Content(), "Einstellungen") })
		}, func(t *testing.T, sh *Shell) string { return strings.Join(texts(sh.e.win.Content()), " ") }, "Einstellungen"},
		{"office name (Italian)", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.nameIT.SetText("Sportello del cittadino di Merano")
			saveOffice(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string { return letterText(t, sh.e.store) }, "Sportello del cittadino di Merano"},
		{"office name (German)", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.nameDE.SetText("Bürgerschalter Meran")
			saveOffice(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string { return letterText(t, sh.e.store) }, "Bürgerschalter Meran"},
		{"address", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.address.SetText("Corso Libertà 2, 39012 Merano")
			saveOffice(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string { return letterText(t, sh.e.store) }, "Corso Libertà 2"},
		{"default signer", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.signer.SetText("Giulia Verdi")
			saveOffice(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string { return letterText(t, sh.e.store) }, "Distinti saluti La direzione Giulia Verdi"},
		{"default signer, in the register (ascoltoctl letter reads it)", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.signer.SetText("Giulia Verdi")
			saveOffice(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string {
			ls, _ := sh.e.store.LetterSettings(context.Background())
			return ls.Signer
		}, "Giulia Verdi"},
		{"days (all kinds)", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.defaultDays.SetText("10")
			saveDays(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string { return dueOf(t, sh.e.store, data.KindRequest) }, "2026-06-29"},
		{"closure day", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.closureDay.SetText("18/06/2026") // the due date of a request received on 15 June
			test.Tap(findButton(t, w, "Aggiungi"))
			q.until(t, "the closure", func() bool { return len(v.closureList) == 1 })
		}, func(t *testing.T, sh *Shell) string { return dueOf(t, sh.e.store, data.KindRequest) }, "2026-06-19"},
		{"backup folder", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.backupDir.SetText(backupDir)
			savePlaces(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string {
			path, err := sh.e.store.DailyBackup(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return filepath.Dir(path)
		}, "<backup>"},
		{"exchange folder", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.exchangeDir.SetText("/srv/scambio")
			savePlaces(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string {
			// what the exchange runner reads (cmd/ascolto/exchange.go; tested there)
			return fyne.CurrentApp().Preferences().String(PrefExchangeDir)
		}, "/srv/scambio"},
		{"certificate", func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.certificate.SetText("/home/clerk/firma.p12")
			savePlaces(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string {
			c, _ := sh.e.store.Create(context.Background(), data.NewCase{Kind: data.KindRequest, Channel: data.ChannelCounter,
				ReceivedAt: now, Subject: "Prova", Citizen: data.Citizen{Name: "Maria Rossi"}})
			w := test.NewWindow(nil)
			defer w.Close()
			p := newLetterPanel(sh.e.store, c, "it", w)
			return p.certLabel.Text + " " + p.certPath
		}, "firma.p12 /home/clerk/firma.p12"},
	}
	for _, k := range data.Kinds {
		k := k
		rows = append(rows, row{"days of " + string(k), func(t *testing.T, v *SettingsView, w fyne.Window, q uiQueue) {
			v.days[k].SetText("5")
			saveDays(t, v, w, q)
		}, func(t *testing.T, sh *Shell) string { return dueOf(t, sh.e.store, k) }, "2026-06-22"})
	}
	for _, r := range rows {
		t.Run(r.field, func(t *testing.T) {
			test.NewTempApp(t)
			s := newRegister(t, 0)
			backupDir = t.TempDir()
			sh, q, w := shellFor(t, s, "it", "")
			sh.ShowSettings()
			v := sh.settings
			q.until(t, "the settings", func() bool { return v.defaultDays.Text != "" })
			want := strings.ReplaceAll(r.want, "<backup>", backupDir)
			before := r.observe(t, sh)
			if strings.Contains(before, want) {
				t.Fatalf("%q already before the change: %q", want, before)
			}
			r.change(t, v, w, q)
			if after := r.observe(t, sh); !strings.Contains(after, want) {
				t.Fatalf("changing %s has no effect: want %q in %q", r.field, want, after)
			}
		})
	}
}

// TestSettingsShowTheBackupFolderInUse: the folder the daily backups go to is shown,
// the default beside the register included, never an empty field.
func TestSettingsShowTheBackupFolderInUse(t *testing.T) {
	test.NewTempApp(t)
	s := newRegister(t, 0)
	sh, _, _ := shellFor(t, s, "it", "")
	sh.ShowSettings()
	want := filepath.Join(filepath.Dir(s.Path()), "backups")
	if got := sh.settings.backupDir.Text; got != want {
		t.Fatalf("backup folder shown %q, the daily backups go to %q", got, want)
	}
	path, err := s.DailyBackup(context.Background())
	if err != nil || filepath.Dir(path) != sh.settings.backupDir.Text {
		t.Fatalf("daily backup %q %v", path, err)
	}
}
