//go:build cgo

package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/printing/signature/certtest"
	"ascolto/printing/signature/token"
	"ascolto/printing/signature/token/tokentest"
)

// cardPanel shows the letter panel of a case with a reply, on a workstation whose
// smart card module is module.
func cardPanel(t *testing.T, module string) (*LetterPanel, fyne.Window, func() int) {
	t.Helper()
	s, c := letterCase(t)
	if _, err := s.Reply(context.Background(), c.Number, "Die Gebühr entfällt.", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	a.Preferences().SetString(PrefPKCS11Module, module)
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	p := newLetterPanel(s, c, "it", w)
	w.SetContent(p.root)
	w.Resize(fyne.NewSize(900, 800))
	letters := func() int {
		ls, _ := s.Letters(context.Background(), c.ID)
		return len(ls)
	}
	return p, w, letters
}

// TestTokenLetterPanel: with the module set, the card is the signing choice; the PIN
// is asked in a password field where Enter signs; a wrong PIN says that few tries are
// left and issues nothing; the right one signs the letter on the card.
func TestTokenLetterPanel(t *testing.T) {
	h := tokentest.New(t, "Firma Rossi", certtest.Spec{Name: "Maria Rossi"})
	p, w, letters := cardPanel(t, h.Module)
	if !p.card.chosen || !p.sign.Checked {
		t.Fatal("a workstation with a module and no .p12 starts with the card")
	}
	test.Tap(p.card.btn)
	if !reads(w.Content(), "Smart card: Firma Rossi – Maria Rossi") || p.problem.Visible() {
		t.Fatalf("card not shown: %q %q", texts(w.Content()), p.problem.Text)
	}
	sign := func(pin string) {
		t.Helper()
		test.Tap(p.issueBtn)
		if p.card.pinDialog == nil || w.Canvas().Focused() != p.card.pinEntry || !p.card.pinEntry.Password {
			t.Fatal("the PIN is asked in a password field that has the keyboard")
		}
		test.Type(p.card.pinEntry, pin)
		p.card.pinEntry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if p.card.pinDialog != nil {
			t.Fatal("Enter did not confirm the PIN")
		}
	}
	sign("0000")
	if !strings.Contains(p.problem.Text, "PIN errato: restano pochi tentativi") || letters() != 0 {
		t.Fatalf("wrong PIN: %q, %d letters", p.problem.Text, letters())
	}
	// the next dialog warns before the PIN is typed
	test.Tap(p.issueBtn)
	if p.card.pinDialog == nil || !reads(w.Canvas().Overlays().Top(), "restano pochi tentativi") {
		t.Fatal("no warning of the tries left")
	}
	p.card.pinDialog.Hide()
	p.card.pinDialog, p.card.pinEntry = nil, nil
	before := token.Logins()
	sign(h.PIN)
	if letters() != 1 || p.problem.Visible() || !reads(w.Content(), "firmata digitalmente da Maria Rossi") {
		t.Fatalf("%d letters, problem %q", letters(), p.problem.Text)
	}
	if token.Logins()-before != 1 {
		t.Error("not one login for one letter")
	}
	// choosing the .p12 file leaves the card
	p.setCertificate("/tmp/firma.p12")
	if p.card.chosen {
		t.Error("the .p12 file did not replace the card")
	}
}

// TestTokenLetterPanelNoCard: a reader without a card, and no module set, are said in
// the panel.
func TestTokenLetterPanelNoCard(t *testing.T) {
	h := tokentest.Empty(t)
	p, _, letters := cardPanel(t, h.Module)
	test.Tap(p.card.btn)
	if !strings.Contains(p.problem.Text, "Nessuna smart card inserita") {
		t.Fatalf("no card: %q", p.problem.Text)
	}
	test.Tap(p.issueBtn)
	if p.card.pinDialog != nil || !strings.Contains(p.problem.Text, "Nessuna smart card inserita") || letters() != 0 {
		t.Fatalf("issue without a card: %q", p.problem.Text)
	}
	p2, _, _ := cardPanel(t, "")
	test.Tap(p2.card.btn)
	if !strings.Contains(p2.problem.Text, "Non è indicato il modulo PKCS#11") {
		t.Fatalf("no module: %q", p2.problem.Text)
	}
}

// TestTokenSettingsCheck: Settings' Check names the card and whose signature it holds.
func TestTokenSettingsCheck(t *testing.T) {
	h := tokentest.New(t, "Firma Rossi", certtest.Spec{Name: "Maria Rossi"})
	s, _ := letterCase(t)
	sh, q, _ := shellFor(t, s, "it", "")
	sh.ShowSettings()
	v := sh.settings
	q.until(t, "the settings", func() bool { return v.defaultDays.Text != "" })
	v.pkcs11.SetText(h.Module)
	v.checkCards()
	if !strings.Contains(v.placesMsg.Text, "Firma Rossi") || !strings.Contains(v.placesMsg.Text, "Maria Rossi") {
		t.Fatalf("check: %q", v.placesMsg.Text)
	}
	v.savePlaces()
	if got := fyne.CurrentApp().Preferences().String(PrefPKCS11Module); got != h.Module {
		t.Errorf("module kept as %q", got)
	}
}

// TestTokenLetterPanelTwoCards: with two cards inserted the clerk picks one in a
// dialog, and the letter is signed with that card's certificate.
func TestTokenLetterPanelTwoCards(t *testing.T) {
	h := tokentest.New(t, "Firma Rossi", certtest.Spec{Name: "Maria Rossi"})
	h2 := h.Another(t, "Firma Pichler", certtest.Spec{Name: "Elisabeth Pichler"})
	p, w, letters := cardPanel(t, h.Module)
	test.Tap(p.card.btn)
	if p.card.pickDialog == nil || p.card.pick == nil || len(p.card.pick.Options) != 2 {
		t.Fatal("two cards: no choice offered")
	}
	if opts := strings.Join(p.card.pick.Options, "|"); !strings.Contains(opts, "Firma Rossi – Maria Rossi") || !strings.Contains(opts, "Firma Pichler – Elisabeth Pichler") {
		t.Errorf("the choice does not name the holders: %q", opts)
	}
	if w.Canvas().Focused() != fyne.Focusable(p.card.pick) {
		t.Fatal("the choice does not have the keyboard")
	}
	p.card.pick.SetValue(h2.Label)
	hit(w, fyne.KeyReturn)
	if p.card.pickDialog != nil || p.card.label != "Firma Pichler" || !reads(w.Content(), "Smart card: Firma Pichler – Elisabeth Pichler") {
		t.Fatalf("chosen %q: %q", p.card.label, texts(w.Content()))
	}
	test.Tap(p.issueBtn)
	if p.card.pinEntry == nil {
		t.Fatal("no PIN asked")
	}
	test.Type(p.card.pinEntry, h2.PIN)
	p.card.pinEntry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if letters() != 1 || !reads(w.Content(), "firmata digitalmente da Elisabeth Pichler") {
		t.Fatalf("%d letters, problem %q", letters(), p.problem.Text)
	}
}
