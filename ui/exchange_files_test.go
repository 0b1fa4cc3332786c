package ui

import (
	"crypto/rand"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// lateFiles are two files of Egna that have not come, for the administrator.
func lateFiles() []data.LateFile {
	return []data.LateFile{
		{CaseNumber: "EG-2026-000012", FirstTry: lastScan.Add(-2 * 60 * 60 * 1e9),
			CaseFile: data.CaseFile{Name: "Planimetria piano terra.pdf", Size: 3 << 20, Origin: "EG", Passes: 61, Reason: "missing"}},
		{CaseNumber: "EG-2026-000015", FirstTry: lastScan.Add(-3 * 60 * 60 * 1e9),
			CaseFile: data.CaseFile{Name: "Antrag.eml", Size: 40 << 10, Origin: "EG", Passes: 75, Reason: "hash"}},
	}
}

// The status line counts the files on their way with their size; late files and files
// over the budget make it a warning.
func TestExchangeFilesStatusLine(t *testing.T) {
	st := ExchangeStatus{Reachable: true, Joined: true, LastScan: lastScan,
		Offices: []ExchangeOffice{{Code: "EG", Trusted: true}, {Code: "ME", Trusted: true}},
		Files:   ExchangeFiles{Arriving: 3, ArrivingBytes: 25 << 19}}
	for lang, want := range map[string]string{
		"it": "Scambio: 2 uffici · ultimo 10:42 · 3 file in arrivo (12,5 MB)",
		"de": "Austausch: 2 Ämter · zuletzt 10:42 · 3 Dateien unterwegs (12,5 MB)",
		"en": "Exchange: 2 offices · last 10:42 · 3 files arriving (12.5 MB)",
	} {
		got, level := exchangeSummary(lang, st, nil, now)
		if got != want || level != widget.MediumImportance {
			t.Errorf("%s: %q (%v), want %q", lang, got, level, want)
		}
	}
	st.Files.Arriving, st.Files.ArrivingBytes = 1, 300<<10
	st.Files.Late = lateFiles()
	st.Files.Waiting = 1
	for lang, want := range map[string]string{
		"it": "Scambio: 2 uffici · ultimo 10:42 · 1 file in arrivo (300 kB) · 2 file in ritardo · 1 file oltre il limite",
		"de": "Austausch: 2 Ämter · zuletzt 10:42 · 1 Datei unterwegs (300 kB) · 2 Dateien verspätet · 1 Datei über der Grenze",
	} {
		got, level := exchangeSummary(lang, st, nil, now)
		if got != want || level != widget.WarningImportance {
			t.Errorf("%s: %q (%v), want %q", lang, got, level, want)
		}
	}
}

// The view shows the files' figures and, for the administrator, the late files by case
// number and name, in Italian and German; the status line says the same in short.
func TestExchangeViewFilesProgress(t *testing.T) {
	test.NewTempApp(t)
	s := newRegister(t, 1)
	for lang, want := range map[string][]string{
		"it": {"File delle pratiche", "Questo ufficio tiene nella cartella 2,0 MB di file (limite: 20.480,0 MB).",
			"3 file di altri uffici sono in arrivo, 12,5 MB in tutto.",
			"1 file di questo ufficio (5,0 MB) non è nella cartella",
			"Per l'amministratore: 2 file non sono arrivati in tempo",
			"EG-2026-000012 · Planimetria piano terra.pdf (3,0 MB, dall'ufficio EG) · 61 tentativi dal 15/06/2026 08:42: non è nella cartella",
			"EG-2026-000015 · Antrag.eml (40 kB, dall'ufficio EG) · 75 tentativi dal 15/06/2026 07:42: la copia nella cartella è danneggiata"},
		"de": {"Dateien der Vorgänge", "Dieses Amt hält 2,0 MB an Dateien im Ordner (Grenze: 20.480,0 MB).",
			"3 Dateien anderer Ämter sind unterwegs, zusammen 12,5 MB.",
			"1 Datei dieses Amtes (5,0 MB) ist nicht im Ordner",
			"Für den Administrator: 2 Dateien sind nicht rechtzeitig eingetroffen",
			"EG-2026-000012 · Planimetria piano terra.pdf (3,0 MB, vom Amt EG) · 61 Versuche seit 15.06.2026 08:42: nicht im Ordner",
			"EG-2026-000015 · Antrag.eml (40 kB, vom Amt EG) · 75 Versuche seit 15.06.2026 07:42: die Kopie im Ordner ist beschädigt"},
	} {
		sh, q, w := shellFor(t, s, lang, "")
		x := busyExchange()
		x.st.Rejected = nil
		x.st.Files = ExchangeFiles{Published: 2 << 20, Budget: data.DefaultFilesBudget, Waiting: 1, WaitingBytes: 5 << 20,
			Arriving: 3, ArrivingBytes: 25 << 19, Late: lateFiles()}
		sh.SetExchange(x)
		sh.ShowExchange()
		v := sh.Exchange()
		q.until(t, "the view", func() bool { return v.files != nil && v.files.read && reads(w.Content(), want[0]) })
		for _, s := range want {
			if !readsWrapped(w.Content(), s) {
				t.Errorf("%s: the view does not say %q: %q", lang, s, texts(w.Content()))
			}
		}
		line := map[string]string{"it": "3 file in arrivo (12,5 MB) · 2 file in ritardo · 1 file oltre il limite",
			"de": "3 Dateien unterwegs (12,5 MB) · 2 Dateien verspätet · 1 Datei über der Grenze"}[lang]
		q.until(t, "the status line", func() bool { return strings.Contains(sh.ExchangeLine().Text(), line) })
		capture(t, w, "exchange-files-"+lang)

		// Nothing on its way, nothing late: the view says so and lists nothing.
		x.mu.Lock()
		x.st.Files = ExchangeFiles{Published: 0, Budget: 0}
		x.mu.Unlock()
		v.Refresh()
		none := map[string]string{"it": "Nessun file di altri uffici in arrivo.", "de": "Keine Dateien anderer Ämter unterwegs."}[lang]
		q.until(t, "the view read again", func() bool { return reads(w.Content(), none) })
		if reads(w.Content(), "EG-2026-000012") || !readsWrapped(w.Content(), map[string]string{"it": "(limite: nessuno)", "de": "(Grenze: keine)"}[lang]) {
			t.Errorf("%s: %q", lang, texts(w.Content()))
		}
		sh.SetExchange(nil)
	}
}

// The settings in the view: a size that is not one is refused with a sentence in the
// clerk's language and nothing is saved; a size and the closed cases' files are saved.
func TestExchangeFilesSettings(t *testing.T) {
	test.NewTempApp(t)
	s := newRegister(t, 1)
	for _, lang := range []string{"it", "de"} {
		sh, q, w := shellFor(t, s, lang, "")
		sh.SetExchange(busyExchange())
		sh.ShowExchange()
		v := sh.Exchange()
		q.until(t, "the settings", func() bool { return v.files != nil && v.files.read })
		p := v.files
		before, _ := s.FileSettings(t.Context())
		if p.budget.Text != budgetText(before.Budget) || p.all.Checked != before.All {
			t.Fatalf("%s: the fields show %q %v for %+v", lang, p.budget.Text, p.all.Checked, before)
		}
		p.budget.SetText("")
		test.Type(p.budget, "20 XB")
		test.Tap(p.all)
		test.Tap(p.save)
		want := map[string]string{"it": "«20 XB» non è una dimensione", "de": "„20 XB“ ist keine Größe"}[lang]
		if !p.msg.Visible() || !strings.Contains(p.msg.Text, want) || !readsWrapped(w.Content(), want) {
			t.Errorf("%s: the refusal says %q", lang, p.msg.Text)
		}
		if got, _ := s.FileSettings(t.Context()); got != before {
			t.Fatalf("%s: a refused size changed the settings: %+v", lang, got)
		}

		p.budget.SetText("")
		test.Type(p.budget, "500MB")
		test.Tap(p.save)
		saved := map[string]string{"it": "Le impostazioni dei file sono salvate", "de": "Die Einstellungen der Dateien sind gespeichert"}[lang]
		q.until(t, "saved", func() bool { return strings.Contains(p.msg.Text, saved) && !p.edited })
		if got, _ := s.FileSettings(t.Context()); got.Budget != 500<<20 || !got.All {
			t.Fatalf("%s: saved %+v", lang, got)
		}
		q.until(t, "the fields read again", func() bool { return p.loaded.Budget == 500<<20 })
		if p.budget.Text != "500MB" || !p.all.Checked {
			t.Errorf("%s: the fields show %q %v", lang, p.budget.Text, p.all.Checked)
		}
		// Back to the defaults for the other language, with Enter in the field.
		test.Tap(p.all)
		p.budget.SetText("")
		test.Type(p.budget, "20GB")
		p.budget.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		q.until(t, "saved again", func() bool { got, _ := s.FileSettings(t.Context()); return got.Budget == 20<<30 && !got.All })
		sh.SetExchange(nil)
	}
}

// With the real engine: a budget set in the window smaller than a file keeps it out of
// the folder, listed as waiting, and Egna sees it arriving; raising it in the window
// publishes the file at the next sync, and Egna takes it.
func TestExchangeFilesBudgetWithTheRealEngine(t *testing.T) {
	test.NewTempApp(t)
	bz, eg, xbz, xeg, _ := twoOffices(t)
	ctx := t.Context()
	if err := xbz.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if err := xbz.Trust(ctx, "EG", fingerprintOf(t, eg)); err != nil {
		t.Fatal(err)
	}
	if err := xeg.Trust(ctx, "BZ", fingerprintOf(t, bz)); err != nil {
		t.Fatal(err)
	}
	cs, err := bz.List(ctx, data.Filter{Offices: []string{"BZ"}})
	if err != nil || len(cs) == 0 {
		t.Fatalf("%v %v", cs, err)
	}
	scan := make([]byte, 300<<10)
	rand.Read(scan)
	a, err := bz.Attach(ctx, cs[0].Number, "Scansione.pdf", "application/pdf", scan)
	if err != nil {
		t.Fatal(err)
	}

	sh, q, w := shellFor(t, bz, "it", "")
	sh.SetExchange(ExchangeEngine(xbz))
	sh.ShowExchange()
	v := sh.Exchange()
	q.until(t, "the settings", func() bool { return v.files != nil && v.files.read })
	p := v.files
	p.budget.SetText("")
	test.Type(p.budget, "100KB")
	test.Tap(p.save)
	q.until(t, "saved", func() bool { got, _ := bz.FileSettings(ctx); return got.Budget == 100<<10 })
	test.Tap(v.sync)
	q.until(t, "the file over the budget", func() bool {
		return !v.busy && readsWrapped(w.Content(), "1 file di questo ufficio (300 kB) non è nella cartella")
	})
	q.until(t, "the status line", func() bool { return strings.Contains(sh.ExchangeLine().Text(), "1 file oltre il limite") })
	if _, err := xeg.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := xeg.FilesStatus(ctx); st.Arriving != 1 || st.ArrivingBytes != 300<<10 {
		t.Fatalf("Egna: %+v", st)
	}

	p.budget.SetText("")
	test.Type(p.budget, "1MB")
	test.Tap(p.save)
	q.until(t, "saved", func() bool { got, _ := bz.FileSettings(ctx); return got.Budget == 1<<20 })
	test.Tap(v.sync)
	q.until(t, "published", func() bool {
		return !v.busy && readsWrapped(w.Content(), "Questo ufficio tiene nella cartella 300 kB di file (limite: 1,0 MB).")
	})
	if reads(w.Content(), "non è nella cartella") {
		t.Errorf("the file is still listed as waiting: %q", texts(w.Content()))
	}
	if _, err := xeg.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := eg.CaseFileContent(ctx, a.SHA256); err != nil || len(got) != len(scan) {
		t.Fatalf("Egna did not take the file: %d bytes, %v", len(got), err)
	}
}
