package ui

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
	"ascolto/printing/letter"
	"ascolto/translations"
)

// From the Settings screen a clerk reaches the letter settings, changes the place the
// letters are dated from and saves with Enter; the next letter is dated from there. Esc
// closes without saving; a value the register refuses opens the dialog again with the
// reason and what was typed.
func TestLetterSettingsReachedFromSettings(t *testing.T) {
	s, c := letterCase(t)
	sh, q, w := shellFor(t, s, "it", "")
	w.Resize(fyne.NewSize(1024, 700))
	sh.ShowSettings()
	v := sh.settings
	q.until(t, "the settings", func() bool { return v.defaultDays.Text != "" })
	open := func() *LetterSettings {
		t.Helper()
		test.Tap(findButton(t, w, translations.T("it", "settings.letters")))
		if v.letters == nil || !overlayReads(w, translations.T("it", "settings.letters_title")) ||
			!overlayReads(w, translations.T("it", "letter.ui.place_de")) {
			t.Fatalf("no letter settings shown: %q", texts(w.Canvas().Overlays().Top()))
		}
		return v.letters
	}
	enter := func(o fyne.Focusable) { o.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }

	ls := open()
	place := ls.entries[data.SettingPlaceDE]
	place.SetText("")
	test.Type(place, "Meran")
	ls.entries[data.SettingPlaceIT].SetText("Merano")
	ls.entries[data.SettingSigner].SetText("Giulia Verdi")
	enter(place)
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Fatalf("Enter did not save and close: %q", texts(top))
	}
	st, err := s.LetterSettings(context.Background())
	if err != nil || st.PlaceDE != "Meran" || st.PlaceIT != "Merano" || st.Signer != "Giulia Verdi" {
		t.Fatalf("saved %+v, %v", st, err)
	}
	if v.signer.Text != "Giulia Verdi" {
		t.Errorf("the office's part still shows the signer %q", v.signer.Text)
	}
	// The next letter reads the settings from the register.
	office, err := letter.Prepare(context.Background(), s)
	if err != nil || office.Settings().PlaceDE != "Meran" {
		t.Fatalf("the next letter's settings: %+v, %v", office.Settings(), err)
	}
	l, pdf, err := letter.Issue(context.Background(), s, c.Number, letter.Options{Text: "Die Wartezeiten wurden verkürzt."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		if text := pdfText(t, pdf); !strings.Contains(text, "Meran, ") {
			t.Errorf("letter %s is not dated from Meran: %q", l.Number, text)
		}
	}

	// Esc closes without saving what was typed.
	ls = open()
	ls.entries[data.SettingPlaceDE].SetText("Bozen")
	focused, ok := w.Canvas().Focused().(*button)
	if !ok {
		t.Fatalf("the dialog's keyboard is on %T", w.Canvas().Focused())
	}
	focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Fatalf("Esc did not close: %q", texts(top))
	}
	if st, _ := s.LetterSettings(context.Background()); st.PlaceDE != "Meran" {
		t.Errorf("Esc saved the place %q", st.PlaceDE)
	}

	// A place the register refuses (over 200 characters): the dialog comes back with the
	// reason and the text typed; nothing is saved.
	ls = open()
	long := strings.Repeat("Meran ", 40)
	ls.entries[data.SettingPlaceDE].SetText(long)
	enter(ls.entries[data.SettingPlaceDE])
	if !overlayReads(w, translations.T("it", "settings.letters_title")) || !ls.problem.Visible() ||
		ls.entries[data.SettingPlaceDE].Text != long {
		t.Fatalf("a refused place: dialog %q, problem %q", texts(w.Canvas().Overlays().Top()), ls.problem.Text)
	}
	if st, _ := s.LetterSettings(context.Background()); st.PlaceDE != "Meran" {
		t.Errorf("a refused place was saved: %q", st.PlaceDE)
	}
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Fatalf("Esc did not close the dialog opened again: %q", texts(top))
	}
}

// Wherever the keyboard is in the letter settings (a field, the envelope window's list,
// the check box, the image buttons, the template's name and its list button, its
// language, its text, its buttons), Esc closes the dialog without saving what was
// typed; in every one-line field Enter saves and closes, as in the program's other
// dialogs.
func TestLetterSettingsKeysInEveryField(t *testing.T) {
	s, _ := letterCase(t)
	sh, q, w := shellFor(t, s, "de", "")
	w.Resize(fyne.NewSize(1024, 700))
	sh.ShowSettings()
	v := sh.settings
	q.until(t, "the settings", func() bool { return v.defaultDays.Text != "" })
	open := func() (*LetterSettings, []fyne.Focusable) {
		t.Helper()
		test.Tap(findButton(t, w, translations.T("de", "settings.letters")))
		top := w.Canvas().Overlays().Top()
		if v.letters == nil || top == nil {
			t.Fatal("no letter settings shown")
		}
		var in []fyne.Focusable
		for _, o := range test.LaidOutObjects(top) {
			if f, ok := o.(fyne.Focusable); ok && o.Visible() {
				in = append(in, f)
			}
		}
		return v.letters, in
	}
	typed := func(ls *LetterSettings) {
		ls.entries[data.SettingPlaceDE].SetText("Brixen")
	}
	ls, all := open()
	if len(all) < 18 {
		t.Fatalf("only %d controls found in the dialog", len(all))
	}
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	kinds := map[string]bool{}
	for i := range all {
		ls, in := open()
		if len(in) != len(all) {
			t.Fatalf("%d controls, first time %d", len(in), len(all))
		}
		typed(ls)
		f := in[i]
		w.Canvas().Focus(f)
		what := fmt.Sprintf("%T #%d", f, i)
		kinds[fmt.Sprintf("%T", f)] = true
		w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if top := w.Canvas().Overlays().Top(); top != nil {
			t.Errorf("Esc on %s left the dialog open", what)
			w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		}
		if st, _ := s.LetterSettings(context.Background()); st.PlaceDE == "Brixen" {
			t.Fatalf("Esc on %s saved", what)
		}
	}
	for _, k := range []string{"*ui.textEntry", "*ui.choice", "*ui.checkBox", "*ui.button", "*ui.selectEntry"} {
		if !kinds[k] {
			t.Errorf("no %s among the dialog's controls: %v", k, kinds)
		}
	}

	// Enter in each one-line field saves and closes.
	oneLine := 0
	for i := range all {
		ls, in := open()
		f := in[i]
		if e, ok := f.(*textEntry); !ok || e.MultiLine {
			if _, ok := f.(*selectEntry); !ok {
				w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
				continue
			}
		}
		oneLine++
		place := fmt.Sprintf("Brixen %d", i)
		ls.entries[data.SettingPlaceDE].SetText(place)
		w.Canvas().Focus(f)
		w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if top := w.Canvas().Overlays().Top(); top != nil {
			t.Fatalf("Enter in %T #%d left the dialog open: %q", f, i, texts(top))
		}
		if st, _ := s.LetterSettings(context.Background()); st.PlaceDE != place {
			t.Fatalf("Enter in %T #%d saved the place %q", f, i, st.PlaceDE)
		}
	}
	if oneLine != len(ls.entries)+1 {
		t.Errorf("%d one-line fields, want the %d settings and the template's name", oneLine, len(ls.entries))
	}
}
