package main

import (
	"fyne.io/fyne/v2"

	"ascolto/data"
	"ascolto/ui"
)

// The window has places for parts of the program that come with their own issues.
// They are wired here, so that package ui's screens need not know them.

// letterPanel is the reply letter's panel in the case view.
func letterPanel(w fyne.Window) ui.LetterFunc {
	return func(store *data.Store, c *data.Case, lang string) fyne.CanvasObject {
		return ui.NewLetterPanel(store, c, lang, w)
	}
}

// dashboard is the quality dashboard's tab; a click on a figure shows its cases in the
// register.
var dashboard ui.DashboardFunc = ui.NewDashboard
