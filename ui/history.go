package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/printing/history"
	"ascolto/translations"
)

// The case's history is its audit trail read as a timeline: when, who, what was done,
// and what changed, in words ("Status: received → in progress"). The words come from
// package history, which `ascoltoctl history` shares.

// describeEntry is one entry as a person reads it, offices naming the offices it
// mentions.
func describeEntry(e data.AuditEntry, lang string, offices []data.Office) history.Line {
	return history.Describe(e, lang, offices)
}

// timeline shows the entries, the newest at the top (what happened last is what a
// clerk looks for), each as a heading line and its details.
func timeline(entries []data.AuditEntry, lang string, offices []data.Office) fyne.CanvasObject {
	box := container.NewVBox()
	for i := len(entries) - 1; i >= 0; i-- {
		l := describeEntry(entries[i], lang, offices)
		head := widget.NewLabel(translations.T(lang, "case.history.entry", "when", l.When, "who", l.Who, "what", l.What))
		head.TextStyle.Bold = true
		head.Wrapping = fyne.TextWrapWord
		lines := []fyne.CanvasObject{head}
		for _, d := range l.Details {
			t := widget.NewLabel(d)
			t.Wrapping = fyne.TextWrapWord
			t.SizeName = theme.SizeNameCaptionText
			lines = append(lines, t)
		}
		if l.Note != "" {
			t := widget.NewLabel(translations.T(lang, "case.history.note", "note", l.Note))
			t.Wrapping = fyne.TextWrapWord
			t.SizeName = theme.SizeNameCaptionText
			t.TextStyle.Italic = true
			lines = append(lines, t)
		}
		box.Add(container.NewVBox(lines...))
		if i > 0 {
			box.Add(widget.NewSeparator())
		}
	}
	return box
}

// actionKeys name the audit trail's actions.
var actionKeys = history.ActionKeys

// auditFieldKeys name the audit trail's fields (the conflicts list names them alike).
var auditFieldKeys = history.FieldKeys

// fieldValue shows a stored value in words.
func fieldValue(field, v, lang string) string { return history.Value(field, v, lang, nil) }
