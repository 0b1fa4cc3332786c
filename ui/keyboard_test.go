package ui

import (
	"image"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
)

// hit gives a key to what has the keyboard, or to the window when nothing has it, as
// the desktop driver does.
func hit(w fyne.Window, name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if f := w.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if h := w.Canvas().OnTypedKey(); h != nil {
		h(ev)
	}
}

// A field's message goes as soon as the field is corrected; the others stay.
func TestIntakeMessageGoesWhenTheFieldIsFixed(t *testing.T) {
	s := newRegister(t, 0)
	sh, q, w := shellFor(t, s, "it", "")
	sh.ShowIntake()
	in := sh.intake
	typeInto(w, in.email, "joerg@")
	press(t, w, fyne.KeyS) // empty subject
	q.until(t, "the refusal", func() bool { return in.errs["subject"].Visible() })
	typeInto(w, in.subject, "Orari")
	if in.errs["subject"].Visible() {
		t.Error("the subject's message stayed after the subject was typed")
	}
	press(t, w, fyne.KeyS)
	q.until(t, "the refusal", func() bool { return in.errs["email"].Visible() })
	typeInto(w, in.email, "x")
	if in.errs["email"].Visible() {
		t.Error("the e-mail's message stayed after the e-mail was corrected")
	}
	in.received.SetText("31/02/2026")
	press(t, w, fyne.KeyS)
	if !in.errs["received"].Visible() {
		t.Fatal("no message for a date that does not exist")
	}
	test.Type(in.kind, "r")
	if !in.errs["received"].Visible() {
		t.Error("correcting another field took the date's message away")
	}
}

// After a case is saved the keyboard is on the first field for the next citizen.
func TestIntakeKeyboardBackToTheFirstFieldAfterSaving(t *testing.T) {
	s := newRegister(t, 0)
	sh, q, w := shellFor(t, s, "de", "")
	press(t, w, fyne.KeyN)
	in := sh.intake
	typeInto(w, in.subject, "Wartezeiten")
	typeInto(w, in.assignee, "a.pircher")
	press(t, w, fyne.KeyS)
	q.until(t, "the case to be saved", func() bool { return count(t, s) == 1 && in.note.Visible() })
	if f := w.Canvas().Focused(); f != fyne.Focusable(in.kind) {
		t.Errorf("after saving the keyboard is on %T, want the kind", f)
	}
}

// Ctrl+R and a phrase: the cursor is after the inserted text, ready to go on; Ctrl+Home
// and Ctrl+End reach the start and the end of the whole reply.
func TestReplyCursorAfterThePhrase(t *testing.T) {
	s := newRegister(t, 1)
	sh, q, w := shellFor(t, s, "it", "")
	v := showCase(t, sh, q, "BZ-2026-000001")
	if v.reply == nil {
		t.Fatal("no reply editor")
	}
	v.reply.SetText("Gentile signora,\nla ringraziamo.")
	press(t, w, fyne.KeyR)
	if w.Canvas().Focused() != fyne.Focusable(v.reply) {
		t.Fatalf("Ctrl+R put the keyboard on %T", w.Canvas().Focused())
	}
	atEnd := func(what string) {
		t.Helper()
		lines := strings.Split(v.reply.Text, "\n")
		// Wrapping aside (the lines here are short), the end is the last line's end.
		if v.reply.CursorRow != len(lines)-1 || v.reply.CursorColumn != len([]rune(lines[len(lines)-1])) {
			t.Errorf("%s: cursor at %d:%d, want the end %d:%d", what, v.reply.CursorRow, v.reply.CursorColumn,
				len(lines)-1, len([]rune(lines[len(lines)-1])))
		}
	}
	atEnd("Ctrl+R")
	v.phrases.SetSelectedIndex(len(v.phrases.Options) - 1) // a short closing phrase
	if w.Canvas().Focused() != fyne.Focusable(v.reply) {
		t.Fatalf("after the phrase the keyboard is on %T", w.Canvas().Focused())
	}
	atEnd("after the phrase")
	test.Type(v.reply, "X")
	if !strings.HasSuffix(v.reply.Text, "X") {
		t.Errorf("typing after the phrase wrote %q", v.reply.Text)
	}
	ctrlKey := func(k fyne.KeyName) {
		w.Canvas().Focused().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault})
	}
	ctrlKey(fyne.KeyHome)
	if v.reply.CursorRow != 0 || v.reply.CursorColumn != 0 {
		t.Errorf("Ctrl+Home: cursor at %d:%d", v.reply.CursorRow, v.reply.CursorColumn)
	}
	ctrlKey(fyne.KeyEnd)
	atEnd("Ctrl+End")
}

// A refused first-start form puts the keyboard in the field at fault, not on the button,
// and the message goes once the field is corrected.
func TestFirstStartFocusOnTheFaultyField(t *testing.T) {
	test.NewTempApp(t)
	q := make(uiQueue, 10)
	path := filepath.Join(t.TempDir(), "register.ascolto")
	fs := FirstStart{TrialCases: 10, Create: func(o data.Office, signer string) error {
		s, err := data.Create(path, o, data.Options{Clock: fixedClock{}})
		if err == nil {
			s.Close()
		}
		return err
	}}
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 720))
	v := newFirstStartView(&env{lang: "it", do: q.do, win: w}, path, fs)
	w.SetContent(v.Object())
	done := 0
	v.createdForTest = func() { done++ }
	typeInto(w, v.code, "b z")
	w.Canvas().Focus(v.create)
	hit(w, fyne.KeyReturn)
	q.until(t, "the refusal", func() bool { return done == 1 })
	if f := w.Canvas().Focused(); f != fyne.Focusable(v.code) {
		t.Errorf("after a wrong code the keyboard is on %T, want the code", f)
	}
	test.Type(v.code, "x")
	if v.codeErr.Visible() {
		t.Error("the code's message stayed while it was corrected")
	}
	v.code.SetText("BZ")
	w.Canvas().Focus(v.create)
	hit(w, fyne.KeyReturn)
	q.until(t, "the refusal of the names", func() bool { return done == 2 })
	if !v.namesErr.Visible() || w.Canvas().Focused() != fyne.Focusable(v.nameIT) {
		t.Errorf("missing names: message %v, keyboard on %T", v.namesErr.Visible(), w.Canvas().Focused())
	}
}

// Every dialog answers Enter with its default and Esc with cancel, wherever the
// keyboard is in it, also when nothing in it has the focus (after a click beside).
func TestDialogsAnswerEnterAndEsc(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel("window"))
	w.Resize(fyne.NewSize(800, 600))
	e := &env{lang: "it", win: w}
	for _, c := range []struct {
		name    string
		key     fyne.KeyName
		unfocus bool
		yes     bool
	}{
		{"Enter on the default button", fyne.KeyReturn, false, true},
		{"Esc on the default button", fyne.KeyEscape, false, false},
		{"Enter, nothing focused", fyne.KeyEnter, true, true},
		{"Esc, nothing focused", fyne.KeyEscape, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			answered, yes := false, false
			showDialog(w, "Domanda", "Sì", "No", widget.NewLabel("Procedere?"), nil, func(ok bool) { answered, yes = true, ok })
			if w.Canvas().Overlays().Top() == nil {
				t.Fatal("no dialog")
			}
			if c.unfocus {
				w.Canvas().Unfocus()
			}
			hit(w, c.key)
			if !answered || yes != c.yes {
				t.Errorf("answered %v, yes %v; want yes %v", answered, yes, c.yes)
			}
			if w.Canvas().Overlays().Top() != nil {
				t.Error("the dialog is still open")
			}
		})
	}

	// A field in a dialog: Enter gives the default answer, Esc cancels.
	in := newTextEntry()
	var got []bool
	showDialog(w, "Impronta", "Fidati", "Annulla", in, in, func(ok bool) { got = append(got, ok) })
	if w.Canvas().Focused() != fyne.Focusable(in) {
		t.Fatalf("the field has not the keyboard: %T", w.Canvas().Focused())
	}
	test.Type(in, "ab")
	hit(w, fyne.KeyReturn)
	in2 := newTextEntry()
	showDialog(w, "Impronta", "Fidati", "Annulla", in2, in2, func(ok bool) { got = append(got, ok) })
	hit(w, fyne.KeyEscape)
	if len(got) != 2 || !got[0] || got[1] {
		t.Errorf("answers %v, want [true false]", got)
	}

	// The program's own: the question (yes on Enter), the message (closed by Esc), and
	// the window's keys are its own again afterwards.
	before := w.Canvas().OnTypedKey()
	agreed := false
	confirm(e, "Scartare?", "Scartare il modulo?", func() { agreed = true })
	hit(w, fyne.KeyReturn)
	inform(e, "Informazione", "Fatto.")
	hit(w, fyne.KeyEscape)
	if !agreed || w.Canvas().Overlays().Top() != nil {
		t.Errorf("confirm: agreed %v; a dialog still open: %v", agreed, w.Canvas().Overlays().Top() != nil)
	}
	if (before == nil) != (w.Canvas().OnTypedKey() == nil) {
		t.Error("the window's key handler was not given back")
	}
}

// The letter's preview closes with Esc and with Enter, as with its one button.
func TestLetterPreviewClosesWithEscAndEnter(t *testing.T) {
	s, c, _ := issuedLetter(t)
	p, w := showPanel(t, s, c, "it")
	old := previewPages
	previewPages = func([]byte) ([]image.Image, error) {
		return []image.Image{image.NewRGBA(image.Rect(0, 0, 60, 80))}, nil
	}
	t.Cleanup(func() { previewPages = old })
	for _, k := range []fyne.KeyName{fyne.KeyEscape, fyne.KeyReturn} {
		p.showPDF("BZ-2026-000001/1", []byte("%PDF"))
		if w.Canvas().Overlays().Top() == nil {
			t.Fatal("no preview")
		}
		hit(w, k)
		if w.Canvas().Overlays().Top() != nil {
			t.Errorf("%s left the preview open", k)
			w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
		}
	}
}
