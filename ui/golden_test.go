package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// The main window as markup: every object, where it is, what it says. A change of the
// layout, of a word or of a mark shows up here as a diff (refresh the file from
// testdata/failed/ after checking the change is wanted).
func TestMainWindowMarkup(t *testing.T) {
	for _, lang := range []string{"it", "de"} {
		t.Run(lang, func(t *testing.T) {
			test.NewTempApp(t)
			s := mixedRegister(t)
			sh, q, w := shellFor(t, s, lang, "")
			q.until(t, "the counts", func() bool { return settled(sh.register) && sh.reminder.checked.Text != "" })
			relayout(w)
			test.AssertRendersToMarkup(t, "main_window_"+lang+".xml", w.Canvas())
		})
	}
}
