package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// The program's own dialogs use its own words for their buttons, so that they speak
// the interface language even where Fyne's words could not be switched (see
// UseFyneLanguage).

// confirm asks a yes/no question; yes runs on the UI thread if the clerk agrees.
func confirm(e *env, title, question string, yes func()) {
	msg := widget.NewLabel(question)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(title, e.t("window.yes"), e.t("window.no"), container420(msg), func(ok bool) {
		if ok {
			yes()
		}
	}, e.win)
	d.Show()
}

// inform shows a message with one button to close it.
func inform(e *env, title, message string) {
	msg := widget.NewLabel(message)
	msg.Wrapping = fyne.TextWrapWord
	dialog.NewCustom(title, e.t("window.ok"), container420(msg), e.win).Show()
}

// showError shows err, translated, in a dialog.
func showError(e *env, err error) {
	inform(e, e.t("window.error.dialog_title"), e.errText(err))
}

// container420 gives a dialog's text a reading width, so that it wraps into lines.
func container420(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(readingWidth(420), o)
}
