package ui

import (
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/printing/signature/certtest"
)

// The keyboard on a primary button ("Issue letter", a dialog's default answer) must be
// seen: drawn by the test driver, the focused button differs 3:1 from itself unfocused
// and from the background beside it, in the light and the dark variant, and its text
// stays readable on it. Fyne's own focus (the focus colour laid over the accent) made a
// dark blue on blue, 1.5:1.
func TestFocusedPrimaryButtonStandsOut(t *testing.T) {
	for _, variant := range []string{"light", "dark"} {
		t.Run(variant, func(t *testing.T) {
			if variant == "dark" {
				t.Setenv("FYNE_THEME", "dark")
			}
			a := test.NewTempApp(t)
			a.Settings().SetTheme(OfficeTheme())
			preview := newButton("Anteprima", nil, func() {})
			issue := newButton("Emetti lettera", nil, func() {})
			issue.Importance = widget.HighImportance
			w := test.NewWindow(container.NewPadded(container.NewHBox(preview, issue)))
			defer w.Close()
			w.Resize(fyne.NewSize(360, 120))

			// A point inside the button clear of its text and corners (4 px in from its
			// left edge, halfway down), one right of it on the background, and the
			// button's text: the pixel farthest from its fill along its middle.
			sample := func() (fill, beside, text color.Color) {
				img := w.Canvas().Capture()
				scale := float32(img.Bounds().Dx()) / w.Canvas().Size().Width
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(issue)
				size := issue.Size()
				y := int((pos.Y + size.Height/2) * scale)
				fill = img.At(int((pos.X+4)*scale), y)
				beside = img.At(int((pos.X+size.Width+3)*scale), y)
				text = fill
				for x := int(pos.X * scale); x < int((pos.X+size.Width)*scale); x++ {
					if c := img.At(x, y); contrast(c, fill) > contrast(text, fill) {
						text = c
					}
				}
				return fill, beside, text
			}
			still, beside, _ := sample()
			w.Canvas().Focus(issue)
			focused, beside2, text := sample()
			if w.Canvas().Focused() != fyne.Focusable(issue) {
				t.Fatal("the button did not take the keyboard")
			}
			r := contrast(focused, still)
			t.Logf("focused %v, unfocused %v: %.2f:1; on the background %v: %.2f:1; its text %.2f:1",
				focused, still, r, beside2, contrast(focused, beside2), contrast(text, focused))
			if r < 3 {
				t.Errorf("the focused primary button is %.2f:1 from itself unfocused, want 3:1", r)
			}
			if c := contrast(focused, beside2); c < 3 || beside2 != beside {
				t.Errorf("the focused primary button is %.2f:1 from the background beside it (%v, %v unfocused), want 3:1", c, beside2, beside)
			}
			if c := contrast(text, focused); c < 4.5 {
				t.Errorf("the focused primary button's text is %.2f:1 on it, want 4.5:1", c)
			}

			// The keyboard moves on: the button is drawn as before.
			w.Canvas().Focus(preview)
			if again, _, _ := sample(); again != still {
				t.Errorf("the primary button after the focus left: %v, before %v", again, still)
			}
		})
	}
}

// The letter's own dialogs (the certificate's password, the way a letter was sent) are
// the program's, so that their default button ("Issue letter", "Record") shows the
// keyboard as every primary button does, and Tab reaches it from the field.
func TestLetterDialogsHaveTheProgramsPrimaryButton(t *testing.T) {
	s, c, _ := issuedLetter(t)
	b, err := certtest.P12(certtest.Spec{Name: "Maria Rossi", Password: "giusta", NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "firma.p12")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(OfficeTheme())
	a.Preferences().SetString(PrefCertificate, path)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	p := newLetterPanel(s, c, "it", w)
	w.SetContent(p.root)
	w.Resize(fyne.NewSize(900, 800))
	for _, d := range []struct {
		open      func()
		field     func() fyne.Focusable
		okKey     string
		primaryOn func() bool
	}{
		{func() { test.Type(p.reply, "Die Wartezeiten wurden verkürzt."); test.Tap(p.issueBtn) },
			func() fyne.Focusable { return p.passEntry }, "letter.ui.issue", func() bool { return p.passDialog != nil }},
		{func() { test.Tap(p.sentBtn) },
			func() fyne.Focusable { return p.wayPick }, "letter.ui.sent_confirm", func() bool { return p.sentDialog != nil }},
	} {
		d.open()
		if !d.primaryOn() || w.Canvas().Focused() != d.field() {
			t.Fatalf("%s: the dialog is not open with the keyboard in its field", d.okKey)
		}
		tab(t, w, false) // Cancel
		tab(t, w, false)
		ok, isOurs := w.Canvas().Focused().(*button)
		if !isOurs || ok.Text != p.t(d.okKey) || ok.Importance != widget.HighImportance {
			t.Fatalf("Tab from the field of %s reaches %T, not the program's primary button", d.okKey, w.Canvas().Focused())
		}
		if !focusShows(w, ok) {
			t.Errorf("%s does not show that it has the keyboard", ok.Text)
		}
		hit(w, fyne.KeyEscape)
		if d.primaryOn() {
			t.Fatalf("%s: Esc on its button did not close it", d.okKey)
		}
		if d.okKey == "letter.ui.issue" { // issue it, so that it can be marked as sent
			d.open()
			test.Type(p.passEntry, "giusta")
			hit(w, fyne.KeyReturn)
			if p.passDialog != nil || p.problem.Visible() {
				t.Fatalf("the letter was not issued: %q", p.problem.Text)
			}
		}
	}
}
