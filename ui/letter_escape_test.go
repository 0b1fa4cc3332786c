package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"ascolto/data"
)

// Esc in a case closes it, from its fields and buttons and from the letter's as well:
// the letter's reply, its language, the phrases, the signature and every button of the
// panel. The reply being written in the case stays as a draft, as with Ctrl+W.
func TestEscInTheLetterClosesTheCase(t *testing.T) {
	s := mixedRegister(t)
	sh, q, w := keyShell(t, s, "it", t.TempDir())
	received, err := s.List(t.Context(), data.Filter{Statuses: []data.Status{data.StatusReceived}, Limit: 1})
	if err != nil || len(received) == 0 {
		t.Fatal("no case received", err)
	}
	number := received[0].Number
	// inLetter opens the case, brings its letter to the front and lists what in it
	// takes the keyboard.
	inLetter := func() (*CaseView, []fyne.Focusable) {
		t.Helper()
		v := showCase(t, sh, q, number)
		v.tabs.SelectIndex(len(v.tabs.Items) - 1)
		var in []fyne.Focusable
		for _, o := range test.LaidOutObjects(v.tabs.Selected().Content) {
			f, ok := o.(fyne.Focusable)
			if d, off := o.(fyne.Disableable); !ok || !o.Visible() || (off && d.Disabled()) {
				continue
			}
			in = append(in, f)
		}
		return v, in
	}
	v, all := inLetter()
	if _, ok := v.tabs.Selected().Content.(*letterPanelObject); !ok {
		t.Fatalf("the last tab of the case is %T, not the letter", v.tabs.Selected().Content)
	}
	if len(all) < 8 {
		t.Fatalf("only %d controls in the letter", len(all))
	}
	v.reply.SetText("Gentile signora, abbiamo verificato")
	tried, kinds := 0, map[string]bool{}
	for i := range all {
		v, in := inLetter()
		if len(in) != len(all) {
			t.Fatalf("%d controls in the letter, first time %d", len(in), len(all))
		}
		w.Canvas().Focus(in[i])
		what := fmt.Sprintf("%T #%d", in[i], i)
		if w.Canvas().Focused() != in[i] { // in a part the letter hides now (its second language)
			hit(w, fyne.KeyEscape)
			continue
		}
		tried++
		kinds[fmt.Sprintf("%T", in[i])] = true
		hit(w, fyne.KeyEscape)
		if sh.currentCase() != nil || len(sh.cases) != 0 {
			t.Fatalf("Esc on %s in the letter left the case open", what)
		}
		if tried == 1 {
			v = showCase(t, sh, q, number)
			if v.reply.Text != "Gentile signora, abbiamo verificato" {
				t.Fatalf("the reply's draft after Esc: %q", v.reply.Text)
			}
		}
	}
	for _, k := range []string{"*ui.choice", "*ui.textEntry", "*ui.selectList", "*ui.checkBox", "*ui.button"} {
		if !kinds[k] {
			t.Errorf("Esc not tried on a %s of the letter: %d tried, %v", k, tried, kinds)
		}
	}
}
