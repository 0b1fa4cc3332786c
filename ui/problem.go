package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/translations"
)

// NewProblemView is the screen shown instead of the register when it cannot be opened:
// what went wrong and what to do, in the interface language, and a button that ends the
// program. Nothing on it touches the file.
func NewProblemView(lang string, err error, quit func()) fyne.CanvasObject {
	icon := widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon()))
	title := widget.NewLabel(translations.T(lang, "window.error.title"))
	title.TextStyle.Bold = true
	title.SizeName = theme.SizeNameSubHeadingText
	msg := widget.NewLabel(ErrorText(lang, err))
	msg.Wrapping = fyne.TextWrapWord
	msg.Selectable = true // a clerk can copy the path into a message to support
	button := widget.NewButtonWithIcon(translations.T(lang, "window.quit"), theme.CancelIcon(), quit)
	button.Importance = widget.HighImportance

	head := container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSquareSize(48), icon), nil, title)
	box := container.NewVBox(head, msg, container.NewHBox(layout.NewSpacer(), button))
	return container.NewCenter(container.New(readingWidth(560), box))
}
