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
//
// Every one of them is shown by showDialog, which makes it answer the keyboard: Fyne's
// dialogs have no keys of their own, and a clerk at the counter should not reach for
// the mouse to say yes or close a message.

// showDialog shows content in a modal dialog over win. Enter gives the default answer
// (the ok button, done(true)), Esc cancels (done(false)), whatever in the dialog has the
// keyboard: its buttons, fields, drop-downs and check boxes of this package are taught
// both keys, and the window's canvas takes them while nothing in the dialog is focused.
// An empty okText leaves only the cancel button (a list to pick from: Enter presses the
// focused entry of the list, else closes); an empty cancelText only the ok button (a
// message: Esc closes it as well). The keyboard goes to focus, else to the default
// button. done may be nil.
func showDialog(win fyne.Window, title, okText, cancelText string, content fyne.CanvasObject,
	focus fyne.Focusable, done func(ok bool)) dialog.Dialog {
	d := dialog.NewCustomWithoutButtons(title, content, win)
	c := win.Canvas()
	prev := c.OnTypedKey()
	closed := false
	finish := func(ok bool) {
		if closed {
			return
		}
		d.Hide() // restores the canvas's keys (SetOnClosed below)
		if done != nil {
			done(ok)
		}
	}
	d.SetOnClosed(func() {
		closed = true
		c.SetOnTypedKey(prev)
	})
	cancel := func() { finish(false) }
	enter := func() { finish(okText != "") }

	var buttons []fyne.CanvasObject
	var first *button
	if cancelText != "" {
		b := newButton(cancelText, nil, cancel)
		b.onEscape = cancel
		buttons = append(buttons, b)
		first = b
	}
	if okText != "" {
		b := newButton(okText, nil, func() { finish(true) })
		b.Importance = widget.HighImportance
		b.onEscape = cancel
		buttons = append(buttons, b)
		first = b
	}
	d.SetButtons(buttons)
	teachDialogKeys(content, enter, cancel)
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			enter()
		case fyne.KeyEscape:
			cancel()
		default:
			if prev != nil {
				prev(k)
			}
		}
	})
	d.Show()
	if focus == nil {
		focus = first
	}
	c.Focus(focus)
	return d
}

// teachDialogKeys gives Esc to every field of the dialog that does not handle it
// already, and Enter in a one-line field (that has no use of its own for it) to the
// default answer.
func teachDialogKeys(o fyne.CanvasObject, enter, cancel func()) {
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			teachDialogKeys(c, enter, cancel)
		}
	case *container.Scroll:
		teachDialogKeys(w.Content, enter, cancel)
	case *widget.Form:
		for _, item := range w.Items {
			teachDialogKeys(item.Widget, enter, cancel)
		}
	case *textEntry:
		if w.onEscape == nil {
			w.onEscape = cancel
		}
		if !w.MultiLine && w.OnSubmitted == nil {
			w.OnSubmitted = func(string) { enter() }
		}
	case *selectEntry:
		if w.onEscape == nil {
			w.onEscape = cancel
		}
		if w.OnSubmitted == nil {
			w.OnSubmitted = func(string) { enter() }
		}
	case *wayChoice:
		if w.onEscape == nil {
			w.onEscape = cancel
		}
		if w.onEnter == nil {
			w.onEnter = enter
		}
	case *choice:
		if w.onEscape == nil {
			w.onEscape = cancel
		}
	case *checkBox:
		if w.onEscape == nil {
			w.onEscape = cancel
		}
	case *button:
		if w.onEscape == nil {
			w.onEscape = cancel
		}
	}
}

// confirm asks a yes/no question; yes runs on the UI thread if the clerk agrees.
func confirm(e *env, title, question string, yes func()) {
	msg := widget.NewLabel(question)
	msg.Wrapping = fyne.TextWrapWord
	showDialog(e.win, title, e.t("window.yes"), e.t("window.no"), container420(msg), nil, func(ok bool) {
		if ok {
			yes()
		}
	})
}

// inform shows a message with one button to close it.
func inform(e *env, title, message string) {
	msg := widget.NewLabel(message)
	msg.Wrapping = fyne.TextWrapWord
	showDialog(e.win, title, e.t("window.ok"), "", container420(msg), nil, nil)
}

// showError shows err, translated, in a dialog.
func showError(e *env, err error) {
	inform(e, e.t("window.error.dialog_title"), e.errText(err))
}

// container420 gives a dialog's text a reading width, so that it wraps into lines.
func container420(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(readingWidth(420), o)
}
