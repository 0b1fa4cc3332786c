package ui

import (
	"image/color"
	"math"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Table text and padding: a register is read line by line like a ledger, so its table is
// denser than the rest of the window (13 px text where the theme's is 14, 6 px inside a
// cell: some 30 px a row, about 20 rows on a laptop screen) while headings and buttons
// keep the theme's size. The table's cells draw their text themselves (ui/cell.go), at
// tableTextSize, which follows the theme's text size: a clerk who sets the text twice as
// large gets the register's text twice as large too, and rows tall enough for it (EN 301
// 549 9.1.4.4, Legge 4/2004).
const (
	tableTextRatio    = 13.0 / 14
	tableInnerPadding = 6
)

// tableTextSize is the register table's text size in the current theme.
func tableTextSize() float32 {
	return float32(math.Round(float64(theme.Size(theme.SizeNameText)*tableTextRatio*2)) / 2)
}

// OfficeTheme is the window's theme: Fyne's own, light (an office reads black on
// white all day; FYNE_THEME=dark still gives the dark variant), with a quiet blue-grey
// as the accent instead of Fyne's bright blue.
//
// Public offices must be readable by everyone (Legge 4/2004, AgID's guidelines, EN 301
// 549): every text colour reaches 4.5:1 against what it is drawn on and the focus mark
// 3:1 against the background, in both variants (ui/contrast_test.go computes each pair).
// Fyne's own colours miss that in places: its success green is 1.4:1 on white, its grey
// text and placeholder are too faint, its dark-variant blue too dark. The focus colour is
// a translucent navy (light blue in the dark variant) that Fyne lays over a focused
// button or menu item: dark enough to stand out from the background, light enough for
// the text on it. Over the accent of a primary button it could not be both (dark blue on
// blue, 1.5:1): a focused primary button is filled with colorNamePrimaryFocused instead
// (ui/primarybutton.go), near black in the light variant, near white in the dark one,
// and the accents are as light (dark) as lets that fill stand 3:1 from them while their
// own text stays 4.5:1 on both. The amber and the red
// are as dark as they are for the due date of an urgent row: its text sits on the row's
// tint laid over the table's hover and keyboard marker, and must still reach 4.5:1
// there.
func OfficeTheme() fyne.Theme { return officeTheme{} }

// colorNamePrimaryFocused is the fill of a focused primary button (see above).
const colorNamePrimaryFocused fyne.ThemeColorName = "ascoltoPrimaryFocused"

type officeTheme struct{}

var (
	officeAccent         = color.NRGBA{R: 0x3a, G: 0x6f, B: 0x9e, A: 0xff}
	officeFocusedPrimary = color.NRGBA{R: 0x0a, G: 0x14, B: 0x22, A: 0xff}
	officeAmber          = color.NRGBA{R: 0x80, G: 0x49, B: 0x00, A: 0xff}
	officeRed            = color.NRGBA{R: 0xa8, G: 0x23, B: 0x1c, A: 0xff}
	officeGreen          = color.NRGBA{R: 0x1e, G: 0x7b, B: 0x34, A: 0xff}
	officeInk            = color.NRGBA{R: 0x1a, G: 0x1a, B: 0x1a, A: 0xff}

	darkAccent         = color.NRGBA{R: 0x4d, G: 0x89, B: 0xde, A: 0xff}
	darkFocusedPrimary = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	darkAmber          = color.NRGBA{R: 0xff, G: 0xb3, B: 0x3d, A: 0xff}
	darkRed            = color.NRGBA{R: 0xff, G: 0x78, B: 0x6b, A: 0xff}
	darkGreen          = color.NRGBA{R: 0x4c, G: 0xd0, B: 0x6b, A: 0xff}
	darkInk            = color.NRGBA{R: 0x17, G: 0x17, B: 0x18, A: 0xff} // text on the light colours above
)

func (officeTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if os.Getenv("FYNE_THEME") != "dark" {
		v = theme.VariantLight
	}
	if v == theme.VariantLight {
		switch n {
		case theme.ColorNameForeground:
			return officeInk
		case theme.ColorNamePlaceHolder:
			return color.NRGBA{R: 0x6b, G: 0x6b, B: 0x6b, A: 0xff}
		case theme.ColorNamePrimary, theme.ColorNameHyperlink:
			return officeAccent
		case colorNamePrimaryFocused:
			return officeFocusedPrimary
		case theme.ColorNameFocus:
			return color.NRGBA{R: 0x0b, G: 0x2f, B: 0x55, A: 0x8a}
		case theme.ColorNameSelection:
			return color.NRGBA{R: 0x2c, G: 0x5a, B: 0x85, A: 0x30}
		case theme.ColorNameWarning:
			return officeAmber
		case theme.ColorNameError:
			return officeRed
		case theme.ColorNameSuccess:
			return officeGreen
		case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError,
			theme.ColorNameForegroundOnSuccess, theme.ColorNameForegroundOnWarning:
			return color.White
		case theme.ColorNameBackground:
			return color.NRGBA{R: 0xf7, G: 0xf7, B: 0xf5, A: 0xff}
		case theme.ColorNameHeaderBackground:
			return color.NRGBA{R: 0xe9, G: 0xec, B: 0xef, A: 0xff}
		}
		return theme.DefaultTheme().Color(n, v)
	}
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return darkAccent
	case colorNamePrimaryFocused:
		return darkFocusedPrimary
	case theme.ColorNameFocus:
		return color.NRGBA{R: 0x8c, G: 0xb8, B: 0xf0, A: 0x88}
	case theme.ColorNameWarning:
		return darkAmber
	case theme.ColorNameError:
		return darkRed
	case theme.ColorNameSuccess:
		return darkGreen
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError,
		theme.ColorNameForegroundOnSuccess, theme.ColorNameForegroundOnWarning:
		return darkInk
	}
	return theme.DefaultTheme().Color(n, v)
}

func (officeTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (officeTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (officeTheme) Size(n fyne.ThemeSizeName) float32 { return theme.DefaultTheme().Size(n) }
