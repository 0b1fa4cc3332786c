package ui

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/printing/printer"
)

// tab is the Tab key (Shift+Tab with back) as the desktop driver handles it: a widget
// that accepts Tab keeps it as a character, and the keyboard could never leave it.
func tab(t *testing.T, w fyne.Window, back bool) {
	t.Helper()
	c := w.Canvas()
	if f, ok := c.Focused().(fyne.Tabbable); ok && f.AcceptsTab() {
		t.Fatalf("Tab stays in %s as a character", name(c.Focused()))
	}
	if back {
		c.FocusPrevious()
	} else {
		c.FocusNext()
	}
}

// tabTo presses Tab (or Shift+Tab) until target has the keyboard, at most max times;
// it returns what had the keyboard on the way, target last.
func tabTo(t *testing.T, w fyne.Window, target fyne.Focusable, back bool, max int) []fyne.Focusable {
	t.Helper()
	var path []fyne.Focusable
	for range max {
		tab(t, w, back)
		path = append(path, w.Canvas().Focused())
		if w.Canvas().Focused() == target {
			return path
		}
	}
	t.Fatalf("%s not reached in %d presses of Tab: %s", name(target), max, names(path))
	return nil
}

// space is the space bar as the desktop driver gives it: the key, then the character.
func space(w fyne.Window) {
	if f := w.Canvas().Focused(); f != nil {
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
		if f = w.Canvas().Focused(); f != nil {
			f.TypedRune(' ')
		}
	}
}

func name(f fyne.Focusable) string {
	switch x := f.(type) {
	case *button:
		return "button " + x.Text
	case *textEntry:
		return "field " + x.PlaceHolder
	case *choice:
		return fmt.Sprintf("list %v", x.Options)
	case *widget.Select:
		return "list " + x.PlaceHolder
	case *widget.Check:
		return "check box " + x.Text
	}
	return fmt.Sprintf("%T", f)
}

func names(fs []fyne.Focusable) string {
	s := ""
	for _, f := range fs {
		s += "[" + name(f) + "] "
	}
	return s
}

// focusShows says whether o looks different with the keyboard than without it; o has
// the keyboard afterwards.
func focusShows(w fyne.Window, o fyne.Focusable) bool {
	c := w.Canvas()
	c.Unfocus()
	before := c.Capture()
	c.Focus(o)
	after := c.Capture()
	obj := o.(fyne.CanvasObject)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(obj)
	size, scale := obj.Size(), c.Scale()
	r := image.Rect(int(pos.X*scale), int(pos.Y*scale), int((pos.X+size.Width)*scale), int((pos.Y+size.Height)*scale))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := before.At(x, y).RGBA()
			r2, g2, b2, _ := after.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return true
			}
		}
	}
	return false
}

// The letter with the keyboard alone: from the reply, Tab reaches every control of the
// panel in the order they stand, each shows that it has the keyboard, and Space or Enter
// does what a click does: preview, issue, print, save the PDF, mark as sent, undo, show
// the letter, choose the certificate.
func TestLetterPanelByKeyboardAlone(t *testing.T) {
	s, c, _ := issuedLetter(t)
	p, w := showPanel(t, s, c, "it")
	cv := w.Canvas()
	oldPages, oldPrint := previewPages, printLetter
	t.Cleanup(func() { previewPages, printLetter, chooseSavePath = oldPages, oldPrint, defaultChooseSavePath })
	previewPages = func([]byte) ([]image.Image, error) {
		return []image.Image{image.NewRGBA(image.Rect(0, 0, 60, 80))}, nil
	}
	printed := 0
	printLetter = func(context.Context, []printer.Document, printer.Options) (printer.Job, error) {
		printed++
		return printer.Job{Method: printer.CUPS, Queue: "PDF"}, nil
	}
	saved := filepath.Join(t.TempDir(), "lettera.pdf")
	chooseSavePath = func(_ *LetterPanel, _ string, done func(string)) { done(saved) }
	letters := func() []*data.Letter {
		ls, err := s.Letters(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ls
	}
	overlay := func(what string) {
		t.Helper()
		top := cv.Overlays().Top()
		if top == nil {
			t.Fatalf("%s: nothing opened", what)
		}
		hit(w, fyne.KeyEscape)
		if cv.Overlays().Top() != nil { // a chooser has no Esc of its own here
			cv.Overlays().Remove(cv.Overlays().Top())
		}
	}

	p.FocusFirst(cv)
	if cv.Focused() != fyne.Focusable(p.reply) {
		t.Fatalf("the panel starts on %s, want the reply", name(cv.Focused()))
	}
	test.Type(p.reply, "Die Wartezeiten wurden verkürzt.")
	path := tabTo(t, w, p.issueBtn, false, 12)
	want := []fyne.Focusable{p.phrases, p.sign, path[2], path[3], path[4], p.issueBtn}
	if names(path) != names(want) || name(path[2]) != "button "+p.t("letter.ui.certificate") ||
		name(path[3]) != "button "+p.t("letter.token.ui_card") || name(path[4]) != "button "+p.t("letter.ui.preview") {
		t.Fatalf("Tab from the reply: %s", names(path))
	}
	for _, f := range path {
		if _, ok := f.(*button); ok && !focusShows(w, f) {
			t.Errorf("%s does not show that it has the keyboard", name(f))
		}
	}

	// The phrases, the signature, the certificate, the preview, in turn.
	cv.Focus(path[0])
	space(w)
	overlay("Space on the phrases")
	tab(t, w, false)
	space(w)
	if !p.sign.Checked {
		t.Error("Space did not tick the signature")
	}
	space(w)
	tab(t, w, false)
	hit(w, fyne.KeyReturn)
	overlay("Enter on the certificate")
	tab(t, w, false)
	space(w) // the smart card: no module on this workstation, which the panel says
	if !p.problem.Visible() {
		t.Error("Space on the smart card said nothing")
	}
	tab(t, w, false)
	space(w)
	overlay("Space on the preview")
	if cv.Focused() != path[4] {
		t.Fatalf("after the preview the keyboard is on %s", name(cv.Focused()))
	}

	// Issue, print, save, sent, undo: each the next Tab on.
	tab(t, w, false)
	hit(w, fyne.KeyReturn)
	if n := len(letters()); n != 1 || p.problem.Visible() {
		t.Fatalf("Enter on issue: %d letters, %q", n, p.problem.Text)
	}
	if cv.Focused() != fyne.Focusable(p.issueBtn) {
		t.Fatalf("after issuing the keyboard is on %s", name(cv.Focused()))
	}
	tab(t, w, false)
	if cv.Focused() != fyne.Focusable(p.printBtn) {
		t.Fatalf("Tab after issue reached %s, want print", name(cv.Focused()))
	}
	hit(w, fyne.KeyReturn)
	if printed != 1 || letters()[0].Prints != 1 {
		t.Fatalf("Enter on print: printed %d, recorded %d", printed, letters()[0].Prints)
	}
	tab(t, w, false)
	space(w)
	if b, err := os.ReadFile(saved); err != nil || len(b) == 0 || !p.done.Visible() {
		t.Fatalf("Space on save: %v, %q", err, p.done.Text)
	}
	tab(t, w, false)
	if cv.Focused() != fyne.Focusable(p.sentBtn) {
		t.Fatalf("Tab after save reached %s, want sent", name(cv.Focused()))
	}
	hit(w, fyne.KeyReturn)
	if p.sentDialog == nil {
		t.Fatal("Enter on sent asked nothing")
	}
	hit(w, fyne.KeyReturn)
	if l := letters()[0]; l.SentAt == nil {
		t.Fatal("the sending was not recorded")
	}
	if cv.Focused() != fyne.Focusable(p.undoBtn) || !focusShows(w, p.undoBtn) {
		t.Fatalf("after marking it sent the keyboard is on %s, want undo", name(cv.Focused()))
	}
	space(w)
	if l := letters()[0]; l.SentAt != nil || cv.Focused() != fyne.Focusable(p.sentBtn) {
		t.Fatalf("Space on undo: sent %v, keyboard on %s", l.SentAt, name(cv.Focused()))
	}

	// Back up to "show the letter" beside where it stands.
	tabTo(t, w, p.showBtn, true, 12)
	if !focusShows(w, p.showBtn) {
		t.Error("show does not show that it has the keyboard")
	}
	hit(w, fyne.KeyEnter)
	overlay("Enter on show")
}

// Forwarding with the keyboard alone: from the reply Shift+Tab reaches the office list;
// Tab then goes the way the line reads, office, service, "Forward"; Enter opens the list
// as Space does, a letter picks the office, Enter on the button forwards.
func TestCaseForwardByKeyboardAlone(t *testing.T) {
	s := mixedRegister(t)
	if err := s.PutOffice(data.Office{Code: "EGNA", NameIT: "Centro di mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt"}); err != nil {
		t.Fatal(err)
	}
	sh, q, w := keyShell(t, s, "it", t.TempDir())
	v := showCase(t, sh, q, "BZ-2026-000005")
	cv := w.Canvas()
	pressKeys(t, w, ctrl(fyne.KeyR))
	if cv.Focused() != fyne.Focusable(v.reply) {
		t.Fatalf("Ctrl+R: keyboard on %s", name(cv.Focused()))
	}
	tabTo(t, w, v.forwardOffice, true, 12)
	if !focusShows(w, v.forwardOffice) {
		t.Error("the office list does not show that it has the keyboard")
	}
	hit(w, fyne.KeyReturn)
	if cv.Overlays().Top() == nil {
		t.Fatal("Enter did not open the office list")
	}
	hit(w, fyne.KeyEscape)
	if cv.Overlays().Top() != nil || cv.Focused() != fyne.Focusable(v.forwardOffice) {
		t.Fatalf("Esc: the list open %v, keyboard on %s", cv.Overlays().Top() != nil, name(cv.Focused()))
	}
	test.Type(v.forwardOffice, "c")
	if v.forwardOffice.Value() != "EGNA" {
		t.Fatalf("c picked %q", v.forwardOffice.Value())
	}
	tab(t, w, false)
	if cv.Focused() != fyne.Focusable(v.forwardService) {
		t.Fatalf("Tab after the office reached %s, want the service", name(cv.Focused()))
	}
	test.Type(v.forwardService, "Servizio mobilità")
	tab(t, w, false)
	if cv.Focused() != fyne.Focusable(v.buttons["forward"]) || !focusShows(w, v.buttons["forward"]) {
		t.Fatalf("Tab after the service reached %s, want forward", name(cv.Focused()))
	}
	hit(w, fyne.KeyReturn)
	reloaded(t, q, v, 2)
	if c := mustGet(t, s, "BZ-2026-000005"); c.Office != "EGNA" || c.Service != "Servizio mobilità" {
		t.Fatalf("forwarded to %s / %q", c.Office, c.Service)
	}
}

// Offices that all start alike ("Centro di mediazione lavoro …") are picked by the word
// typed without a pause; a single letter still walks the options that start with it, and
// after a pause typing starts anew.
func TestChoicePicksByTheWordTyped(t *testing.T) {
	at := time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)
	old := typingClock
	typingClock = func() time.Time { return at }
	t.Cleanup(func() { typingClock = old })
	names := []string{"Centro di mediazione lavoro Bolzano", "Centro di mediazione lavoro Bressanone",
		"Centro di mediazione lavoro Egna", "Centro di mediazione lavoro Merano"}
	c := newChoice(names, []string{"BZ", "BRESSANONE", "EGNA", "MERANO"}, nil)
	c.SetValue("BZ")
	step := func(r rune, pause time.Duration, want string) {
		t.Helper()
		at = at.Add(pause)
		c.TypedRune(r)
		if c.Value() != want {
			t.Errorf("after %q: %s, want %s", r, c.Value(), want)
		}
	}
	for i, r := range "merano" {
		want := map[int]string{0: "BZ", 1: "BZ", 2: "MERANO"}[min(i, 2)] // m: none starts so; me: mediazione
		step(r, 40*time.Millisecond, want)
	}
	step('e', 2*time.Second, "MERANO") // a pause: "e" alone, and no option starts with e
	step('b', 2*time.Second, "MERANO") // b alone: no label starts with it
	step('r', 40*time.Millisecond, "BRESSANONE")
	step('c', 2*time.Second, "EGNA") // each c the next option
	step('c', 40*time.Millisecond, "MERANO")
	step('c', 40*time.Millisecond, "BZ")
}
