//go:build !cgo

package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestLetterPanelCardWithoutCgo: a build that cannot load a module says so when the
// card is chosen, and the panel goes on working with the .p12 file.
func TestLetterPanelCardWithoutCgo(t *testing.T) {
	s, c := letterCase(t)
	a := test.NewTempApp(t)
	a.Preferences().SetString(PrefPKCS11Module, "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")
	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	p := newLetterPanel(s, c, "de", w)
	w.SetContent(p.root)
	w.Resize(fyne.NewSize(900, 800))
	if p.card.chosen || p.sign.Checked {
		t.Fatal("a build without smart cards starts with the card chosen")
	}
	test.Tap(p.card.btn)
	if !p.problem.Visible() || !strings.Contains(p.problem.Text, "Diese Programmversion kann keine Signaturkarte verwenden") || p.card.chosen {
		t.Fatalf("problem %q", p.problem.Text)
	}
}
