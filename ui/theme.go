package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Table text and padding: a register is read line by line like a ledger, so its table is
// denser than the rest of the window (13 px text, 6 px inside a cell: some 30 px a row,
// about 20 rows on a laptop screen) while headings and buttons keep the theme's size.
const (
	tableTextSize     = 13
	tableInnerPadding = 6
)

// denseTheme is the application's theme with the table sizes above. It asks the current
// theme at every call, so a switch between light and dark (or a custom theme) applies.
type denseTheme struct{}

func (denseTheme) base() fyne.Theme {
	if a := fyne.CurrentApp(); a != nil {
		return a.Settings().Theme()
	}
	return theme.DefaultTheme()
}

func (d denseTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return d.base().Color(n, v)
}

func (d denseTheme) Font(s fyne.TextStyle) fyne.Resource { return d.base().Font(s) }

func (d denseTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return d.base().Icon(n) }

func (d denseTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return tableTextSize
	case theme.SizeNameInnerPadding:
		return tableInnerPadding
	}
	return d.base().Size(n)
}
