package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// WCAG 2.1 contrast (EN 301 549 9.1.4.3, 9.1.4.11): relative luminance of sRGB colours,
// ratio (L1+0.05)/(L2+0.05).

func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// over is c painted over the opaque bg, as the renderer blends it.
func over(c, bg color.Color) color.Color {
	f := color.NRGBAModel.Convert(c).(color.NRGBA)
	b := color.NRGBAModel.Convert(bg).(color.NRGBA)
	a := float64(f.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*a + float64(y)*(1-a))) }
	return color.NRGBA{R: mix(f.R, b.R), G: mix(f.G, b.G), B: mix(f.B, b.B), A: 0xff}
}

// contrastPair is one foreground drawn on one background somewhere in the window.
type contrastPair struct {
	what   string
	fg, bg color.Color
	least  float64
}

// themePairs lists every text colour the window draws with the background it is drawn
// on, and the focus mark against what it sits on, for variant v of the window's theme.
func themePairs(v fyne.ThemeVariant) []contrastPair {
	th := OfficeTheme()
	c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
	bg := c(theme.ColorNameBackground)
	var out []contrastPair
	text := func(what string, fg, on color.Color) {
		out = append(out, contrastPair{what, fg, on, 4.5})
	}
	backgrounds := map[string]color.Color{
		"background":        bg,
		"input background":  over(c(theme.ColorNameInputBackground), bg),
		"header background": over(c(theme.ColorNameHeaderBackground), bg),
		"menu background":   over(c(theme.ColorNameMenuBackground), bg),
		"overlay (dialog)":  over(c(theme.ColorNameOverlayBackground), bg),
		"button":            over(c(theme.ColorNameButton), bg),
		"hovered":           over(c(theme.ColorNameHover), bg),
		"selected row":      over(c(theme.ColorNameSelection), bg),
		"focused":           over(c(theme.ColorNameFocus), bg),
	}
	for name, b := range backgrounds {
		text("foreground on "+name, c(theme.ColorNameForeground), b)
	}
	text("placeholder on input background", c(theme.ColorNamePlaceHolder), backgrounds["input background"])
	// The importances a label, a hyperlink and a table cell colour their text with.
	for _, n := range []fyne.ThemeColorName{theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameSuccess,
		theme.ColorNameWarning, theme.ColorNameError} {
		for _, on := range []string{"background", "overlay (dialog)", "input background"} {
			text(string(n)+" on "+on, c(n), backgrounds[on])
		}
	}
	// Urgent rows: the due-date text in its colour on the row's faint tint of it.
	for _, n := range []fyne.ThemeColorName{theme.ColorNameWarning, theme.ColorNameError} {
		f := color.NRGBAModel.Convert(c(n)).(color.NRGBA)
		f.A = 0x24
		text(string(n)+" on its row tint", c(n), over(f, bg))
		text("foreground on the "+string(n)+" row tint", c(theme.ColorNameForeground), over(f, bg))
		// The table lays its hover and keyboard-focus marker (the hover colour) under the
		// cell, so a clerk moving through the register with the arrow keys reads the
		// due date on the tint over the marker.
		marked := over(f, over(c(theme.ColorNameHover), bg))
		text(string(n)+" on its row tint under the table's marker", c(n), marked)
		text("foreground on the "+string(n)+" row tint under the table's marker", c(theme.ColorNameForeground), marked)
	}
	// Buttons and badges of an importance: their own text colour on their colour, and
	// a focused one (Fyne blends the focus colour over it).
	for _, p := range [][2]fyne.ThemeColorName{
		{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
		{theme.ColorNameForegroundOnError, theme.ColorNameError},
		{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
		{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
	} {
		text(string(p[0])+" on "+string(p[1]), c(p[0]), c(p[1]))
		if p[1] != theme.ColorNamePrimary { // a focused primary button has its own fill, below
			text(string(p[0])+" on focused "+string(p[1]), c(p[0]), over(c(theme.ColorNameFocus), c(p[1])))
		}
		text(string(p[0])+" on hovered "+string(p[1]), c(p[0]), over(c(theme.ColorNameHover), c(p[1])))
	}
	// A focused primary button (ui/primarybutton.go): its text on its fill, and the fill
	// 3:1 from the same button unfocused (and hovered: the pointer may rest on it while
	// the keyboard leaves) and from what the button stands on.
	focusedPrimary := c(colorNamePrimaryFocused)
	text("foregroundOnPrimary on the focused primary button", c(theme.ColorNameForegroundOnPrimary), focusedPrimary)
	for what, b := range map[string]color.Color{
		"the unfocused primary button":         c(theme.ColorNamePrimary),
		"the hovered primary button":           over(c(theme.ColorNameHover), c(theme.ColorNamePrimary)),
		"the background":                       bg,
		"the overlay (dialog)":                 backgrounds["overlay (dialog)"],
		"the header background (case heading)": backgrounds["header background"],
	} {
		out = append(out, contrastPair{"focused primary button on " + what, focusedPrimary, b, 3})
	}
	// The focus mark (a field's border, a focused button, check box or menu item) must
	// stand out from what is around it: 3:1 for a graphical object.
	for _, name := range []string{"background", "overlay (dialog)"} {
		out = append(out, contrastPair{"focus on " + name, over(c(theme.ColorNameFocus), backgrounds[name]), backgrounds[name], 3})
	}
	out = append(out, contrastPair{"focused field's border (primary) on input background", c(theme.ColorNamePrimary),
		backgrounds["input background"], 3})
	return out
}

func TestThemeContrast(t *testing.T) {
	for _, variant := range []struct {
		name string
		v    fyne.ThemeVariant
	}{{"light", theme.VariantLight}, {"dark", theme.VariantDark}} {
		t.Run(variant.name, func(t *testing.T) {
			if variant.v == theme.VariantDark {
				t.Setenv("FYNE_THEME", "dark")
			}
			worst := contrastPair{least: 0}
			worstRatio := math.Inf(1)
			for _, p := range themePairs(variant.v) {
				r := contrast(p.fg, p.bg)
				if r < p.least {
					t.Errorf("%s: %.2f:1, want at least %.1f:1 (%v on %v)", p.what, r, p.least, p.fg, p.bg)
				}
				if r/p.least < worstRatio/max(worst.least, 1) || worst.least == 0 {
					worst, worstRatio = p, r
				}
			}
			t.Logf("closest to its limit: %s %.2f:1 (limit %.1f:1)", worst.what, worstRatio, worst.least)
		})
	}
}

func TestContrastFormula(t *testing.T) {
	// WCAG's own figures: black on white 21:1, #777 on white 4.48:1.
	if r := contrast(color.Black, color.White); math.Abs(r-21) > 0.01 {
		t.Errorf("black on white %.2f", r)
	}
	if r := contrast(color.NRGBA{0x77, 0x77, 0x77, 0xff}, color.White); math.Abs(r-4.48) > 0.01 {
		t.Errorf("#777 on white %.2f", r)
	}
}
