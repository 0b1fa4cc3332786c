package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

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

// TestFileChooserTitleReadsInGerman: the chooser's title is one phrase of the language
// ("Datei öffnen"), not Fyne's two words put side by side ("Öffnen Datei").
func TestFileChooserTitleReadsInGerman(t *testing.T) {
	t.Setenv("LANG", "C")
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "")
	test.NewTempApp(t)
	s := newRegister(t, 0)
	for _, tc := range []struct{ lang, open, save, wrong string }{
		{"de", "Datei öffnen", "Datei speichern", "Öffnen Datei"}, {"it", "Apri file", "Salva file", ""},
	} {
		if !UseFyneLanguage(tc.lang) {
			t.Fatalf("%s: Fyne does not speak it", tc.lang)
		}
		w := test.NewTempWindow(t, nil)
		w.Resize(fyne.NewSize(1000, 700))
		fileOpen(s, []string{".eml"}, func(fyne.URIReadCloser, error) {}, w).Show()
		top := w.Canvas().Overlays().Top()
		if !shows(top, tc.open) || tc.wrong != "" && shows(top, tc.wrong) {
			t.Errorf("%s: the open chooser says %q", tc.lang, texts(top))
		}
		w.Canvas().Overlays().Remove(top)
		fileSave(s, []string{".pdf"}, func(fyne.URIWriteCloser, error) {}, w).Show()
		if top := w.Canvas().Overlays().Top(); !shows(top, tc.save) {
			t.Errorf("%s: the save chooser says %q", tc.lang, texts(top))
		}
	}
	UseFyneLanguage("en")
}

// TestMenuShortcutsInTheLanguage: the German menu writes its shortcuts as a German
// keyboard labels them (Strg+N), the Italian one as an Italian keyboard does (Ctrl+N);
// Fyne is given no key to print in its own fixed words, and the keys still work.
func TestMenuShortcutsInTheLanguage(t *testing.T) {
	s := newRegister(t, 1)
	for lang, want := range map[string]string{"de": "Strg+", "it": "Ctrl+"} {
		sh, _, w := shellFor(t, s, lang, "")
		_ = sh
		n := 0
		for _, item := range w.MainMenu().Items[0].Items {
			if item.IsSeparator || item.Shortcut == nil {
				continue
			}
			n++
			if _, printed := item.Shortcut.(fyne.KeyboardShortcut); printed {
				t.Errorf("%s: Fyne would print %q's shortcut in English", lang, item.Label)
			}
			if !strings.Contains(item.Label, want) || lang == "de" && strings.Contains(item.Label, "Ctrl") {
				t.Errorf("%s: %q", lang, item.Label)
			}
		}
		if n < 7 {
			t.Errorf("%s: %d items with a shortcut", lang, n)
		}
		press(t, w, fyne.KeyN) // still runs the item
	}
}

// TestBenchmarkingNeedsNoTerminal: the benchmarking tab tells the clerk to use its own
// button, not a command, and the button's file is one another office's tab can add.
func TestBenchmarkingNeedsNoTerminal(t *testing.T) {
	test.NewTempApp(t)
	s := dashRegister(t)
	d, _, _ := showDashboard(t, s, "de")
	intro := dashTexts(d.bench)
	if strings.Contains(intro, "ascoltoctl") || !strings.Contains(intro, "Datei dieses Amtes speichern") {
		t.Errorf("benchmarking tab says %q", intro)
	}
	office, period := d.benchmarkOwn()
	path := filepath.Join(t.TempDir(), "bz.json")
	if err := d.writeBenchmark(path, office, period, d.in.Today); err != nil {
		t.Fatal(err)
	}
	d.addBenchmark(path)
	if d.benchE.Text != "" || len(d.files) != 1 || d.files[0].Office.Code != office.Code || d.files[0].Period.From != period.From {
		t.Errorf("the saved file does not load: %q %+v", d.benchE.Text, d.files)
	}
}
