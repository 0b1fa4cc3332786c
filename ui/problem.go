package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
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

// RegisterCause is err, or, when err is an operation on the register at path that failed
// for a cause a person can act on (a full disk, a read-only file or folder, another
// program holding the file, a restore under way), that cause: data.Cause, which
// ascoltoctl asks too. Layers above the register wrap such a failure in their own "could
// not be saved", which sends the clerk after nothing; "the disk is full" says what to do.
// Problems of the exchange folder itself (a share that is full or gone) keep their own
// sentence: they name the folder, not the register.
func RegisterCause(err error, path string) error {
	if err == nil || path == "" {
		return err
	}
	if c := data.Cause(err, path); c != nil {
		return c
	}
	return err
}

// cause is RegisterCause for the open register.
func (e *env) cause(err error) error {
	if e.store == nil {
		return err
	}
	return RegisterCause(err, e.store.Path())
}

// causeText is what the clerk reads for err, its cause first (cause).
func (e *env) causeText(err error) string { return ErrorText(e.lang, e.cause(err)) }
