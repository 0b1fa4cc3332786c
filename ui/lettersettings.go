package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"ascolto/data"
)

// The letters' own settings (who signs and in which role, the place letters are dated
// from, the envelope window's side, the logo and the scanned signature, the templates:
// LetterSettings in letter.go) are reached from the Settings screen, in a dialog over
// the window, so that an office sets them up without the command line.

// letterSettingsSize is the dialog's least size: the form and the template editor read
// without a sideways scroll, and it fits a 1024×700 window.
var letterSettingsSize = fyne.NewSize(680, 440)

// dialogMargin is the room a dialog's frame takes on either side of its content.
const dialogMargin = 40

// showLetterSettings opens the letter settings over the window. The dialog answers the
// keyboard as the program's other dialogs do (showDialog): Enter, also in a one-line
// field, saves the settings and closes; Esc closes without saving what was typed. A
// setting refused by the register opens the dialog again with the reason and with what
// was typed, to be corrected. saved, if not nil, is called after a save that held.
func showLetterSettings(e *env, saved func(data.LetterSettings)) *LetterSettings {
	ls := newLetterSettings(e.store, e.lang, e.win)
	var open func()
	save := func(ok bool) {
		if !ok {
			return
		}
		ls.saveSettings()
		if ls.problem.Visible() {
			open()
			return
		}
		if saved != nil {
			if st, err := e.store.LetterSettings(context.Background()); err == nil {
				saved(st)
			}
		}
	}
	open = func() {
		// As wide as the form asks where the window allows it; with large text in a
		// small window the form scrolls sideways too rather than being cut at the edge.
		scroll := container.NewScroll(ls.root)
		room := e.win.Canvas().Size().Width - 2*dialogMargin
		scroll.SetMinSize(fyne.NewSize(max(letterSettingsSize.Width, min(ls.root.MinSize().Width, room)), letterSettingsSize.Height))
		showDialog(e.win, e.t("settings.letters_title"), e.t("settings.letters_save"), e.t("letter.ui.close"),
			scroll, nil, save)
	}
	// Every field, list, check box and button answers Esc (close without saving) and
	// every one-line field Enter (save and close), as in the program's other dialogs; the
	// template's text keeps Enter for its line breaks. They hand the key to the window's
	// canvas, which the dialog open takes it from (showDialog): after a refusal the
	// dialog is opened anew, and the keys must go to that one.
	key := func(name fyne.KeyName) func() {
		return func() {
			if k := e.win.Canvas().OnTypedKey(); k != nil {
				k(&fyne.KeyEvent{Name: name})
			}
		}
	}
	teachDialogKeys(ls.root, key(fyne.KeyReturn), key(fyne.KeyEscape))
	open()
	return ls
}
