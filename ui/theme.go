package ui

import (
	"image/color"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Table text and padding: a register is read line by line like a ledger, so its table is
// denser than the rest of the window (13 px text, 6 px inside a cell: some 30 px a row,
// about 20 rows on a laptop screen) while headings and buttons keep the theme's size.
// The table's cells draw their text at these sizes themselves (ui/cell.go).
const (
	tableTextSize     = 13
	tableInnerPadding = 6
)

// OfficeTheme is the window's theme: Fyne's own, light (an office reads black on
// white all day; FYNE_THEME=dark still gives the dark variant), with a quiet blue-grey
// as the accent instead of Fyne's bright blue, and the amber of "due today" dark
// enough to read as text on white.
func OfficeTheme() fyne.Theme { return officeTheme{} }

type officeTheme struct{}

var (
	officeAccent = color.NRGBA{R: 0x2c, G: 0x5a, B: 0x85, A: 0xff}
	officeAmber  = color.NRGBA{R: 0xa8, G: 0x62, B: 0x00, A: 0xff}
	officeRed    = color.NRGBA{R: 0xb3, G: 0x26, B: 0x1e, A: 0xff}
)

func (officeTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if os.Getenv("FYNE_THEME") != "dark" {
		v = theme.VariantLight
	}
	if v == theme.VariantLight {
		switch n {
		case theme.ColorNamePrimary, theme.ColorNameHyperlink:
			return officeAccent
		case theme.ColorNameFocus:
			return color.NRGBA{R: 0x2c, G: 0x5a, B: 0x85, A: 0x55}
		case theme.ColorNameSelection:
			return color.NRGBA{R: 0x2c, G: 0x5a, B: 0x85, A: 0x30}
		case theme.ColorNameWarning:
			return officeAmber
		case theme.ColorNameError:
			return officeRed
		case theme.ColorNameBackground:
			return color.NRGBA{R: 0xf7, G: 0xf7, B: 0xf5, A: 0xff}
		case theme.ColorNameHeaderBackground:
			return color.NRGBA{R: 0xe9, G: 0xec, B: 0xef, A: 0xff}
		}
	}
	return theme.DefaultTheme().Color(n, v)
}

func (officeTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (officeTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (officeTheme) Size(n fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(n) }
